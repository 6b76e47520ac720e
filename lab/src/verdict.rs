//! The verdict: the recorded history checked for the setup's property, by the checkers of
//! `models::checker` (never by the nodes themselves), with a counter-example a student can
//! read when it fails.
//!
//! An operation counts as completed only when it was answered with an answer that fits;
//! a timeout, a refusal ([`Answer::Unavailable`]) or a nonsensical answer leaves its outcome
//! unknown (it may have taken effect, or not).

use crate::harness::{LabRun, OpRecord, Outcome};
use crate::setup::{Check, Setup};
use crate::workload::{Answer, DataType, Op};
use models::checker::causal::{check_session, Guarantee};
use models::checker::convergence::{self, Convergence, Update};
use models::checker::generic::{
    check_generic, render_counterexample_labelled, GenericConfig, GenericVerdict, Order, TimedOp,
};
use models::checker::history::{History, OpKind, Operation};
use models::checker::kafka::{check_kafka, KafkaCall, KafkaOp};
use models::checker::linearizable::{check, CheckConfig, CheckReport, Verdict};
use models::checker::model::{CounterModel, CounterOp, LogModel, LogOp, Model, SetModel, SetOp};
use models::checker::sequential::check_sequential;
use models::checker::unique::{first_duplicate, Issued};

/// The answer to "did the system keep its promise?".
#[derive(Clone, Debug, PartialEq)]
pub struct LabVerdict {
    /// The property checked (`linearizable`, `sequentially consistent`, `convergent`).
    pub property: &'static str,
    /// `holds`, `violated` or `unknown`.
    pub word: &'static str,
    /// One line: what was checked and the answer.
    pub summary: String,
    /// The counter-example, explanation and timeline, for a terminal (empty when the
    /// property holds).
    pub details: String,
    /// Ids (`OpRecord::id`) of the operations in the counter-example.
    pub culprits: Vec<u64>,
    /// The time window around the first violation, in nanoseconds (for the diagram).
    pub window_ns: Option<(u64, u64)>,
    /// For a convergence check: when the replicas settled, in nanoseconds.
    pub converged_at_ns: Option<u64>,
    /// For a convergence check: time from the last update to convergence, in ns.
    pub convergence_ns: Option<u64>,
}

impl LabVerdict {
    /// Whether the property holds.
    pub fn holds(&self) -> bool {
        self.word == "holds"
    }
}

/// Checks the run's history for the setup's property. A node that panicked fails the run
/// whatever its history (`word` is `panicked`). Clients and replicas are named in the
/// details as in the diagram (`app#1.c2`, `kv#0`).
pub fn judge(setup: &Setup, run: &LabRun) -> LabVerdict {
    if let Some(p) = &run.world.panic {
        let property = setup.check.property();
        return LabVerdict {
            property,
            word: "panicked",
            summary: format!("{property}: not judged: {p}"),
            details: String::new(),
            culprits: Vec::new(),
            window_ns: Some((p.at_ns.saturating_sub(2_000_000), p.at_ns + 2_000_000)),
            converged_at_ns: None,
            convergence_ns: None,
        };
    }
    let mut verdict = judge_history(setup, run);
    verdict.details = named(&verdict.details, setup, &run.names);
    verdict
}

/// `text` with `client N` and `replica N` replaced by the nodes' names.
pub fn named(text: &str, setup: &Setup, names: &[String]) -> String {
    let replicas = setup.replicas as usize;
    let text = rename(text, "client ", |n| names.get(replicas + n).cloned());
    rename(&text, "replica ", |n| {
        (n < replicas).then(|| names[n].clone())
    })
}

/// Replaces each `PREFIX<digits>` (not followed by another digit) with `name(digits)`.
fn rename(text: &str, prefix: &str, name: impl Fn(usize) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let after = &rest[at + prefix.len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let replaced = after[..digits]
            .parse::<usize>()
            .ok()
            .filter(|_| digits > 0)
            .and_then(&name);
        out.push_str(&rest[..at]);
        match replaced {
            Some(n) => {
                out.push_str(&n);
                rest = &after[digits..];
            }
            None => {
                out.push_str(prefix);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn judge_history(setup: &Setup, run: &LabRun) -> LabVerdict {
    let ops = &run.world.ops;
    let recorded = format!(
        "{} operations{}",
        ops.len(),
        if run.world.not_recorded > 0 {
            format!(
                " ({} more not recorded: the history cap)",
                run.world.not_recorded
            )
        } else {
            String::new()
        }
    );
    let timeout_ns = (setup.workload.timeout_ms * 1e6) as u64;
    let sessions = matches!(
        setup.check,
        Check::ReadYourWrites | Check::MonotonicReads | Check::Causal
    );
    match setup.check {
        Check::Kafka if matches!(setup.workload.data, DataType::KafkaLog { .. }) => {
            kafka(run, &recorded, timeout_ns)
        }
        Check::Kafka => unknown(
            Check::Kafka.property(),
            "a Kafka-style log is checked for Kafka-log workloads only".to_string(),
        ),
        c if matches!(setup.workload.data, DataType::KafkaLog { .. }) => unknown(
            c.property(),
            "a Kafka-style log is checked for its own promises: --check kafka".to_string(),
        ),
        Check::Converges => converges(setup, run, &recorded),
        _ if ops.iter().any(|o| o.op == Op::GenerateId) => {
            unique(setup.check, ops, &recorded, timeout_ns)
        }
        Check::Unique => unknown(
            "unique",
            "uniqueness is checked for unique-id workloads only".to_string(),
        ),
        _ if sessions && is_register(ops) => {
            session_verdict(setup.check, run, &recorded, timeout_ns)
        }
        Check::ReadYourWrites | Check::MonotonicReads | Check::Causal => unknown(
            setup.check.property(),
            "session guarantees and causality are checked for register workloads only".to_string(),
        ),
        Check::Linearizable | Check::Sequential if is_register(ops) => {
            let history = register_history(run);
            let sequential = setup.check == Check::Sequential;
            let run_check = |h: &History, shrink: bool| {
                if sequential {
                    let config = GenericConfig {
                        shrink,
                        ..GenericConfig::default()
                    };
                    check_sequential(h, &config)
                } else {
                    let config = CheckConfig {
                        shrink,
                        ..CheckConfig::default()
                    };
                    check(h, &config)
                }
            };
            let violates = |h: &History| {
                if sequential {
                    run_check(h, false)
                        .is_ok_and(|r| matches!(r.verdict, Verdict::Violation { .. }))
                } else {
                    models::checker::violates(h, &CheckConfig::default()) == Ok(Some(true))
                }
            };
            let report = if sequential {
                // The checker finds most violations as cycles of constraints, on the small
                // sub-history around one; no prefix search (each prefix without a cycle
                // would be a full search).
                run_check(&history, true)
            } else if violates(&history) {
                // Report the first violation: the shortest prefix that already fails.
                let times: Vec<u64> = history.ops.iter().map(|o| o.invoke_ns).collect();
                let cut = earliest_cut(&times, |cut| violates(&register_prefix(&history, cut)));
                run_check(&register_prefix(&history, cut), true).map(|mut r| {
                    r.checked = history.ops.len();
                    r
                })
            } else {
                run_check(&history, true)
            };
            match report {
                Ok(r) => register_verdict(setup.check, &r, &recorded, timeout_ns, ops),
                Err(e) => unknown(setup.check.property(), format!("bad history: {e}")),
            }
        }
        Check::Sequential => unknown(
            "sequentially consistent",
            "sequential consistency is checked for register workloads only".to_string(),
        ),
        Check::Linearizable => match ops.first().map(|o| &o.op) {
            Some(Op::Add { .. } | Op::ReadCounter) => {
                generic(&CounterModel, ops, counter_op, &recorded, timeout_ns)
            }
            Some(Op::Append { .. } | Op::ReadLog) => {
                generic(&LogModel, ops, log_op, &recorded, timeout_ns)
            }
            Some(Op::Insert { .. } | Op::ReadSet) => {
                generic(&SetModel, ops, set_op, &recorded, timeout_ns)
            }
            Some(Op::Broadcast { .. } | Op::ReadMessages) => {
                generic(&SetModel, ops, broadcast_op, &recorded, timeout_ns)
            }
            _ => LabVerdict {
                property: "linearizable",
                word: "holds",
                summary: "linearizable: no operation recorded".to_string(),
                details: String::new(),
                culprits: Vec::new(),
                window_ns: None,
                converged_at_ns: None,
                convergence_ns: None,
            },
        },
    }
}

/// The history as it stood at `cut_ns`: the operations invoked before it, those still
/// waiting then with unknown outcomes. A violation of a prefix is a violation of the whole
/// (the register checkers' truncation rule), so the earliest failing cut is where the
/// history first went wrong.
fn register_prefix(history: &History, cut_ns: u64) -> History {
    History {
        ops: history
            .ops
            .iter()
            .filter(|o| o.invoke_ns < cut_ns)
            .copied()
            .collect(),
        not_recorded: history.not_recorded,
        truncated_at_ns: Some(cut_ns),
    }
}

/// The generic history as it stood at `cut_ns` (as [`register_prefix`]).
fn generic_prefix<O: Clone>(ops: &[TimedOp<O>], cut_ns: u64) -> Vec<TimedOp<O>> {
    ops.iter()
        .filter(|o| o.invoke_ns < cut_ns)
        .map(|o| TimedOp {
            complete_ns: o.complete_ns.filter(|c| *c < cut_ns),
            ..o.clone()
        })
        .collect()
}

/// The earliest cut (just after some operation's invocation) at which `violates` holds,
/// by bisection over the invocation times; `u64::MAX` when only the whole history fails.
/// Failing is monotone in the cut: a longer prefix keeps every constraint of a shorter one.
fn earliest_cut(invocations: &[u64], violates: impl Fn(u64) -> bool) -> u64 {
    let mut times: Vec<u64> = invocations.iter().map(|t| t.saturating_add(1)).collect();
    times.sort_unstable();
    times.dedup();
    let (mut lo, mut hi) = (0, times.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if violates(times[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    times.get(lo).copied().unwrap_or(u64::MAX)
}

fn unknown(property: &'static str, reason: String) -> LabVerdict {
    LabVerdict {
        property,
        word: "unknown",
        summary: format!("{property}: unknown ({reason})"),
        details: String::new(),
        culprits: Vec::new(),
        window_ns: None,
        converged_at_ns: None,
        convergence_ns: None,
    }
}

fn is_register(ops: &[OpRecord]) -> bool {
    ops.iter()
        .all(|o| matches!(o.op, Op::Read { .. } | Op::Write { .. } | Op::Cas { .. }))
        && !ops.is_empty()
}

/// The completion time of an operation whose answer fits, else `None` (unknown outcome).
fn completed(o: &OpRecord) -> Option<(u64, &Answer)> {
    match (&o.outcome, o.complete_ns, &o.answer) {
        (Outcome::Ok, Some(c), Some(a)) if o.op.fits(a) && *a != Answer::Unavailable => {
            Some((c, a))
        }
        _ => None,
    }
}

/// The register history of a run, for the register checkers.
pub fn register_history(run: &LabRun) -> History {
    let ops = run
        .world
        .ops
        .iter()
        .filter_map(|o| {
            let done = completed(o);
            let (key, kind) = match (&o.op, done.map(|d| d.1)) {
                (Op::Read { key }, Some(Answer::Value(v))) => (*key, OpKind::Read { result: *v }),
                (Op::Read { key }, _) => (*key, OpKind::Read { result: None }),
                (Op::Write { key, value }, _) => (*key, OpKind::Write { value: *value }),
                (Op::Cas { key, expected, new }, answer) => (
                    *key,
                    OpKind::Cas {
                        expected: *expected,
                        new: *new,
                        ok: match answer {
                            Some(Answer::Cas(ok)) => Some(*ok),
                            _ => None,
                        },
                    },
                ),
                _ => return None,
            };
            Some(Operation {
                id: o.id,
                client: o.client,
                key,
                kind,
                invoke_ns: o.invoke_ns,
                complete_ns: done.map(|d| d.0),
            })
        })
        .collect();
    History {
        ops,
        not_recorded: run.world.not_recorded,
        truncated_at_ns: run.world.truncated_at_ns,
    }
}

/// The window of a counter-example, padded by a fifth of its span (at least 2 ms) each
/// side; an unknown outcome ends at its invocation plus the client's timeout.
fn window(spans: impl Iterator<Item = (u64, Option<u64>)>, timeout_ns: u64) -> Option<(u64, u64)> {
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    for (i, c) in spans {
        lo = lo.min(i);
        hi = hi.max(c.unwrap_or(i + timeout_ns));
    }
    (lo <= hi).then(|| {
        let pad = ((hi - lo) / 5).max(2_000_000);
        (lo.saturating_sub(pad), hi + pad)
    })
}

fn register_verdict(
    check: Check,
    report: &CheckReport,
    recorded: &str,
    timeout_ns: u64,
    ops: &[OpRecord],
) -> LabVerdict {
    let property = check.property();
    match &report.verdict {
        Verdict::Linearizable => LabVerdict {
            property,
            word: "holds",
            summary: format!("{property}: checked {recorded} over {} keys", report.keys),
            details: String::new(),
            culprits: Vec::new(),
            window_ns: None,
            converged_at_ns: None,
            convergence_ns: None,
        },
        Verdict::Violation { counterexample, .. } => {
            let label = |o: &Operation| {
                let call = format!("{:<14}", models::checker::render::call(o));
                o.complete_ns
                    .is_none()
                    .then(|| unknown_label(&call, ops, o.id))?
            };
            let mut details =
                models::checker::linearizable::verdict_labelled(&report.verdict, &label);
            if check == Check::Sequential {
                details = details.replace(
                    "behaves like a single register",
                    "is sequentially consistent",
                );
            }
            LabVerdict {
                property,
                word: "violated",
                summary: format!("NOT {property}: checked {recorded}"),
                details,
                culprits: counterexample.iter().map(|o| o.id).collect(),
                window_ns: window(
                    counterexample.iter().map(|o| (o.invoke_ns, o.complete_ns)),
                    timeout_ns,
                ),
                converged_at_ns: None,
                convergence_ns: None,
            }
        }
        Verdict::Unknown { reason } => unknown(property, reason.clone()),
    }
}

fn counter_op(o: &OpRecord) -> Option<CounterOp> {
    match (&o.op, completed(o).map(|d| d.1)) {
        (Op::Add { amount }, _) => Some(CounterOp::Add(*amount)),
        (Op::ReadCounter, Some(Answer::Counter(v))) => Some(CounterOp::Read(*v)),
        (Op::ReadCounter, _) => Some(CounterOp::Read(0)),
        _ => None,
    }
}

fn log_op(o: &OpRecord) -> Option<LogOp> {
    match (&o.op, completed(o).map(|d| d.1)) {
        (Op::Append { value }, _) => Some(LogOp::Append(*value)),
        (Op::ReadLog, Some(Answer::Log(l))) => Some(LogOp::Read(l.clone())),
        (Op::ReadLog, _) => Some(LogOp::Read(Vec::new())),
        _ => None,
    }
}

fn set_op(o: &OpRecord) -> Option<SetOp> {
    match (&o.op, completed(o).map(|d| d.1)) {
        (Op::Insert { value }, _) => Some(SetOp::Insert(*value)),
        (Op::ReadSet, Some(Answer::Set(s))) => Some(SetOp::Read(s.clone())),
        (Op::ReadSet, _) => Some(SetOp::Read(Default::default())),
        _ => None,
    }
}

fn broadcast_op(o: &OpRecord) -> Option<SetOp> {
    match (&o.op, completed(o).map(|d| d.1)) {
        (Op::Broadcast { value }, _) => Some(SetOp::Insert(*value)),
        (Op::ReadMessages, Some(Answer::Messages(s))) => Some(SetOp::Read(s.clone())),
        (Op::ReadMessages, _) => Some(SetOp::Read(Default::default())),
        _ => None,
    }
}

fn holds(property: &'static str, summary: String) -> LabVerdict {
    LabVerdict {
        property,
        word: "holds",
        summary,
        details: String::new(),
        culprits: Vec::new(),
        window_ns: None,
        converged_at_ns: None,
        convergence_ns: None,
    }
}

/// Identifiers handed out twice.
fn unique(check: Check, ops: &[OpRecord], recorded: &str, timeout_ns: u64) -> LabVerdict {
    let property = check.property();
    let issued: Vec<Issued> = ops
        .iter()
        .filter_map(|o| match completed(o) {
            Some((c, Answer::Id(v))) => Some(Issued {
                op: o.id,
                client: o.client,
                value: *v,
                invoke_ns: o.invoke_ns,
                complete_ns: c,
            }),
            _ => None,
        })
        .collect();
    let Some((a, b)) = first_duplicate(&issued) else {
        return holds(
            property,
            format!(
                "{property}: checked {recorded}: {} identifiers handed out, no two alike",
                issued.len()
            ),
        );
    };
    let ms = |ns: u64| format!("{}.{:03}", ns / 1_000_000, (ns / 1_000) % 1_000);
    let line = |i: &Issued| {
        format!(
            "  [{:>10}, {:>10}] ms  client {:<3} generate() -> {}\n",
            ms(i.invoke_ns),
            ms(i.complete_ns),
            i.client,
            i.value
        )
    };
    LabVerdict {
        property,
        word: "violated",
        summary: format!("NOT {property}: checked {recorded}"),
        details: format!(
            "two requests were handed the same identifier:\n{}{}why: identifier {} was \
             handed out twice\n",
            line(&a),
            line(&b),
            a.value
        ),
        culprits: vec![a.op, b.op],
        window_ns: window(
            [a, b].iter().map(|i| (i.invoke_ns, Some(i.complete_ns))),
            timeout_ns,
        ),
        converged_at_ns: None,
        convergence_ns: None,
    }
}

/// The Kafka-log history of a run, with the record of each operation.
fn kafka_history(run: &LabRun) -> (Vec<KafkaOp>, Vec<&OpRecord>) {
    run.world
        .ops
        .iter()
        .filter_map(|o| {
            let done = completed(o);
            let answer = done.map(|d| d.1);
            let call = match &o.op {
                Op::Send { key, msg } => KafkaCall::Send {
                    key: *key,
                    msg: *msg,
                    offset: match answer {
                        Some(Answer::Offset(x)) => Some(*x),
                        _ => None,
                    },
                },
                Op::Poll { offsets } => KafkaCall::Poll {
                    from: offsets.clone(),
                    got: match answer {
                        Some(Answer::Polled(got)) => Some(got.clone()),
                        _ => None,
                    },
                },
                Op::CommitOffsets { offsets } => KafkaCall::Commit {
                    offsets: offsets.clone(),
                },
                Op::ListCommittedOffsets { keys } => KafkaCall::List {
                    keys: keys.clone(),
                    got: match answer {
                        Some(Answer::CommittedOffsets(got)) => Some(got.clone()),
                        _ => None,
                    },
                },
                _ => return None,
            };
            let op = KafkaOp {
                id: o.id,
                client: o.client,
                call,
                invoke_ns: o.invoke_ns,
                complete_ns: done.map(|d| d.0),
            };
            Some((op, o))
        })
        .unzip()
}

/// One operation of a Kafka counter-example, about `key` only: `send(k1, 105) -> offset
/// 3`, `poll(k1@3; 3 other keys) -> k1 [3:105, 5:103]`, `list_committed(k1; 3 other keys)
/// -> k1: 4`.
fn kafka_line(o: &KafkaOp, record: &OpRecord, ops: &[OpRecord], key: u64) -> String {
    let ms = |ns: u64| format!("{}.{:03}", ns / 1_000_000, (ns / 1_000) % 1_000);
    let others = |n: usize| match n {
        0 => String::new(),
        1 => "; 1 other key".to_string(),
        n => format!("; {n} other keys"),
    };
    let call = match &record.op {
        Op::Poll { offsets } => format!(
            "poll(k{key}@{}{})",
            offsets.get(&key).map_or("?".to_string(), u64::to_string),
            others(offsets.len().saturating_sub(1))
        ),
        Op::CommitOffsets { offsets } => format!(
            "commit(k{key}@{}{})",
            offsets.get(&key).map_or("?".to_string(), u64::to_string),
            others(offsets.len().saturating_sub(1))
        ),
        Op::ListCommittedOffsets { keys } => format!(
            "list_committed(k{key}{})",
            others(keys.len().saturating_sub(1))
        ),
        op => crate::harness::op_text(op),
    };
    let result = match (&o.call, o.complete_ns) {
        (_, None) => unknown_label(&call, ops, o.id).unwrap_or(call),
        (
            KafkaCall::Send {
                offset: Some(x), ..
            },
            _,
        ) => format!("{call} -> offset {x}"),
        (KafkaCall::Poll { got: Some(got), .. }, _) => format!(
            "{call} -> k{key} {}",
            crate::harness::polled_text(got.get(&key).map_or(&[][..], Vec::as_slice))
        ),
        (KafkaCall::List { got: Some(got), .. }, _) => format!(
            "{call} -> k{key}: {}",
            got.get(&key).map_or("nothing".to_string(), u64::to_string)
        ),
        _ => format!("{call} -> ok"),
    };
    format!(
        "  [{:>10}, {:>10}] ms  client {:<3} {result}\n",
        ms(o.invoke_ns),
        o.complete_ns.map_or("?".to_string(), ms),
        o.client
    )
}

/// A Kafka-style log's promises: one message per offset, polls in order that skip no
/// acknowledged message, committed offsets never going backwards.
fn kafka(run: &LabRun, recorded: &str, timeout_ns: u64) -> LabVerdict {
    let property = Check::Kafka.property();
    let (ops, records) = kafka_history(run);
    let report = check_kafka(&ops, run.world.not_recorded == 0);
    let Some(v) = report.violation else {
        return holds(
            property,
            format!(
                "{property}: checked {recorded}: {} sends acknowledged, each at an offset of its \
                 own; {} polls returned {} messages in order, skipping none; committed offsets \
                 never went back ({} commits acknowledged, {} lists)",
                report.sends_acknowledged,
                report.polls,
                report.messages_polled,
                report.commits_acknowledged,
                report.lists
            ),
        );
    };
    let lines: String = v
        .ops
        .iter()
        .map(|&i| kafka_line(&ops[i], records[i], &run.world.ops, v.key))
        .collect();
    LabVerdict {
        property,
        word: "violated",
        summary: format!("NOT {property}: checked {recorded}"),
        details: format!(
            "{} of key {} ({}):\n{lines}why: {}\n",
            if v.ops.len() == 1 {
                "this operation breaks the log's promises".to_string()
            } else {
                format!("these {} operations break the log's promises", v.ops.len())
            },
            v.key,
            v.anomaly.words(),
            v.explanation
        ),
        culprits: v.ops.iter().map(|&i| ops[i].id).collect(),
        window_ns: window(
            v.ops
                .iter()
                .map(|&i| (ops[i].invoke_ns, ops[i].complete_ns)),
            timeout_ns,
        ),
        converged_at_ns: None,
        convergence_ns: None,
    }
}

/// Read-your-writes, monotonic reads or causal consistency of a register history.
fn session_verdict(check: Check, run: &LabRun, recorded: &str, timeout_ns: u64) -> LabVerdict {
    let property = check.property();
    let guarantee = match check {
        Check::ReadYourWrites => Guarantee::ReadYourWrites,
        Check::MonotonicReads => Guarantee::MonotonicReads,
        _ => Guarantee::Causal,
    };
    let history = register_history(run);
    match check_session(&history, guarantee) {
        Err(e) => unknown(property, e.to_string()),
        Ok(None) => holds(property, format!("{property}: checked {recorded}")),
        Ok(Some(v)) => {
            let ops: Vec<Operation> = v.ops.iter().map(|&i| history.ops[i]).collect();
            // Several keys may be involved: each line names its key.
            let label = |o: &Operation| {
                let call = match o.kind {
                    OpKind::Read { .. } => format!("read(k{})", o.key),
                    OpKind::Write { value } => format!("write(k{}, {value})", o.key),
                    OpKind::Cas { expected, new, .. } => {
                        format!("cas(k{}, {expected} -> {new})", o.key)
                    }
                };
                let call = format!("{call:<18}");
                if o.complete_ns.is_none() {
                    return unknown_label(&call, &run.world.ops, o.id);
                }
                let result = match o.kind {
                    OpKind::Read { result: Some(v) } => v.to_string(),
                    OpKind::Read { result: None } => "absent".to_string(),
                    OpKind::Cas {
                        ok: Some(false), ..
                    } => "failed".to_string(),
                    _ => "ok".to_string(),
                };
                Some(format!("{call} -> {result}"))
            };
            let keys: std::collections::BTreeSet<u64> = ops.iter().map(|o| o.key).collect();
            let keys: Vec<String> = keys.iter().map(u64::to_string).collect();
            LabVerdict {
                property,
                word: "violated",
                summary: format!("NOT {property}: checked {recorded}"),
                details: format!(
                    "these {} operations (key{} {}) break {property}:\n{}\n{}\nwhy: {}\n",
                    ops.len(),
                    if keys.len() == 1 { "" } else { "s" },
                    keys.join(", "),
                    models::checker::render::operations_labelled(&ops, &label),
                    models::checker::render::timeline(&ops, 60),
                    v.explanation
                ),
                culprits: ops.iter().map(|o| o.id).collect(),
                window_ns: window(ops.iter().map(|o| (o.invoke_ns, o.complete_ns)), timeout_ns),
                converged_at_ns: None,
                convergence_ns: None,
            }
        }
    }
}

fn generic<M: Model>(
    model: &M,
    ops: &[OpRecord],
    convert: impl Fn(&OpRecord) -> Option<M::Op>,
    recorded: &str,
    timeout_ns: u64,
) -> LabVerdict {
    let timed: Vec<TimedOp<M::Op>> = ops
        .iter()
        .filter_map(|o| {
            Some(TimedOp {
                id: o.id,
                client: o.client,
                op: convert(o)?,
                invoke_ns: o.invoke_ns,
                complete_ns: completed(o).map(|d| d.0),
            })
        })
        .collect();
    let property = "linearizable";
    let quick = GenericConfig {
        shrink: false,
        ..GenericConfig::default()
    };
    let violates = |ops: &[TimedOp<M::Op>]| {
        check_generic(model, ops, Order::RealTime, &quick)
            .is_ok_and(|r| matches!(r.verdict, GenericVerdict::Violation { .. }))
    };
    let timed = if violates(&timed) {
        let times: Vec<u64> = timed.iter().map(|o| o.invoke_ns).collect();
        let cut = earliest_cut(&times, |cut| violates(&generic_prefix(&timed, cut)));
        generic_prefix(&timed, cut)
    } else {
        timed
    };
    match check_generic(model, &timed, Order::RealTime, &GenericConfig::default()) {
        Err(e) => unknown(property, format!("bad history: {e}")),
        Ok(r) => match r.verdict {
            GenericVerdict::Ok => LabVerdict {
                property,
                word: "holds",
                summary: format!("{property}: checked {recorded}"),
                details: String::new(),
                culprits: Vec::new(),
                window_ns: None,
                converged_at_ns: None,
                convergence_ns: None,
            },
            GenericVerdict::Unknown { steps } => unknown(
                property,
                format!("the budget of {steps} search steps ran out"),
            ),
            GenericVerdict::Violation { counterexample, .. } => LabVerdict {
                property,
                word: "violated",
                summary: format!("NOT {property}: checked {recorded}"),
                details: render_counterexample_labelled(
                    model,
                    Order::RealTime,
                    &counterexample,
                    &|o| outcome_label(model, ops, o),
                ),
                culprits: counterexample.iter().map(|o| o.id).collect(),
                window_ns: window(
                    counterexample.iter().map(|o| (o.invoke_ns, o.complete_ns)),
                    timeout_ns,
                ),
                converged_at_ns: None,
                convergence_ns: None,
            },
        },
    }
}

/// What became of an operation the counter-example shows without a result: the checker
/// treated its outcome as unknown, either because its client never learned it (timed out,
/// refused, still waiting) or because the violation holds whether or not it took effect
/// (it was answered after the first violation, or its answer is not needed). The label
/// says which, with the answer when there was one; `None` for an unrecorded operation.
fn unknown_label(call: &str, ops: &[OpRecord], id: u64) -> Option<String> {
    let rec = ops.iter().find(|r| r.id == id)?;
    let maybe = "may or may not have taken effect";
    Some(match (rec.outcome, &rec.answer, rec.complete_ns) {
        (Outcome::Ok, Some(a), Some(c)) => format!(
            "{call} -> {} at {}.{:03} ms (not needed: the violation holds whether it took \
             effect or not)",
            crate::harness::answer_text(a),
            c / 1_000_000,
            (c / 1_000) % 1_000
        ),
        (Outcome::Error, Some(Answer::Unavailable), _) => format!("{call} -> unavailable: {maybe}"),
        (Outcome::Error, _, _) => format!("{call} -> error: {maybe}"),
        (Outcome::Timeout, _, _) => format!("{call} timed out: {maybe}"),
        (Outcome::InFlight, _, _) => format!("{call} no answer by the end: {maybe}"),
        (Outcome::Ok, _, _) => format!("{call} -> ok"),
    })
}

/// [`unknown_label`] for a generic counter-example's operation.
fn outcome_label<M: Model>(model: &M, ops: &[OpRecord], o: &TimedOp<M::Op>) -> Option<String> {
    if o.complete_ns.is_some() {
        return None;
    }
    let call = model.describe(&o.op, true);
    let call = call.split(" -> ").next().unwrap_or(&call).to_string();
    unknown_label(&call, ops, o.id)
}

fn converges(setup: &Setup, run: &LabRun, recorded: &str) -> LabVerdict {
    let ops = &run.world.ops;
    let updates: Vec<Update> = ops
        .iter()
        .filter_map(|o| {
            let value = match o.op {
                Op::Add { amount } => amount,
                Op::Insert { value } | Op::Broadcast { value } => value as i64,
                _ => return None,
            };
            let done = completed(o);
            Some(Update {
                value,
                acknowledged: done.is_some(),
                invoke_ns: o.invoke_ns,
                complete_ns: done.map(|d| d.0),
            })
        })
        .collect();
    let set = ops
        .iter()
        .any(|o| matches!(o.op, Op::Insert { .. } | Op::Broadcast { .. }));
    let samples = &run.world.samples;
    let c = if set {
        convergence::check_set(&updates, samples)
    } else {
        convergence::check_counter(&updates, samples)
    };
    let property = "convergent";
    let end_ns = (setup.duration_s * 1e9) as u64;
    let (word, converged_at_ns, convergence_ns) = match c {
        Convergence::Converged {
            at_ns,
            after_last_update_ns,
        } => ("holds", Some(at_ns), Some(after_last_update_ns)),
        Convergence::NoSamples => ("unknown", None, None),
        _ => ("violated", None, None),
    };
    let broadcast = broadcast_figures(run).map_or(String::new(), |b| {
        format!("; {}", b.sentence(setup.sample_ms))
    });
    LabVerdict {
        property,
        word,
        summary: format!(
            "{}: checked {recorded} ({} updates) against {} samples of every replica: {}{broadcast}",
            if word == "violated" {
                "NOT convergent"
            } else {
                property
            },
            updates.len(),
            samples.len(),
            c.word()
        ),
        details: format!("{}\n", c.explain()),
        culprits: Vec::new(),
        window_ns: (word == "violated").then(|| (end_ns.saturating_sub(2_000_000_000), end_ns)),
        converged_at_ns,
        convergence_ns,
    }
}

/// What a broadcast cost: how long each acknowledged broadcast took to reach every live
/// replica (measured at the convergence samples), and the messages between replicas.
#[derive(Clone, Debug, PartialEq)]
pub struct BroadcastFigures {
    /// Broadcasts acknowledged.
    pub acknowledged: usize,
    /// Of those, the ones found at every live replica by the last sample.
    pub delivered: usize,
    /// Delivery latency, median, in ms.
    pub p50_ms: f64,
    /// Delivery latency, 99th percentile, in ms.
    pub p99_ms: f64,
    /// Delivery latency, largest, in ms.
    pub max_ms: f64,
    /// Messages replicas sent each other, per acknowledged broadcast.
    pub messages_per_broadcast: f64,
}

impl BroadcastFigures {
    /// One clause for the verdict line.
    pub fn sentence(&self, sample_ms: f64) -> String {
        format!(
            "{} of {} broadcasts at every replica, in p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms \
             (to the {sample_ms} ms sampling); {:.1} messages between replicas per broadcast",
            self.delivered,
            self.acknowledged,
            self.p50_ms,
            self.p99_ms,
            self.max_ms,
            self.messages_per_broadcast
        )
    }
}

/// The broadcast figures of a run of a broadcast workload (`None` for other workloads).
pub fn broadcast_figures(run: &LabRun) -> Option<BroadcastFigures> {
    let mut pending: Vec<(u64, u64)> = run
        .world
        .ops
        .iter()
        .filter(|o| matches!(o.op, Op::Broadcast { .. }))
        .filter_map(|o| match (o.op.clone(), completed(o)) {
            (Op::Broadcast { value }, Some((c, _))) => Some((c, value)),
            _ => None,
        })
        .collect();
    if !run
        .world
        .ops
        .iter()
        .any(|o| matches!(o.op, Op::Broadcast { .. }))
    {
        return None;
    }
    pending.sort_unstable();
    let acknowledged = pending.len();
    let mut latencies: Vec<u64> = Vec::new();
    for s in &run.world.samples {
        let live: Vec<&std::collections::BTreeSet<u64>> = s
            .replicas
            .iter()
            .filter_map(|r| match r {
                models::checker::convergence::Observed::Set(set) => Some(set),
                _ => None,
            })
            .collect();
        if live.is_empty() {
            continue;
        }
        pending.retain(|&(ack, v)| {
            let everywhere = ack <= s.at_ns && live.iter().all(|set| set.contains(&v));
            if everywhere {
                latencies.push(s.at_ns - ack);
            }
            !everywhere
        });
    }
    latencies.sort_unstable();
    let at = |q: f64| {
        let i = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies.get(i).map_or(0.0, |ns| *ns as f64 / 1e6)
    };
    Some(BroadcastFigures {
        acknowledged,
        delivered: latencies.len(),
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        max_ms: at(1.0),
        messages_per_broadcast: run.world.peer_messages as f64 / acknowledged.max(1) as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::ReplicaId;

    fn record(id: u64, outcome: Outcome, answer: Option<Answer>, done: Option<u64>) -> OpRecord {
        OpRecord {
            id,
            client: 0,
            group: 0,
            replica: ReplicaId(0),
            op: Op::Add { amount: 3 },
            invoke_ns: 1_000_000,
            complete_ns: done,
            answer,
            outcome,
        }
    }

    #[test]
    fn operations_without_a_result_say_what_became_of_them() {
        let ops = vec![
            record(0, Outcome::Ok, Some(Answer::Added), Some(1_234_567_000)),
            record(1, Outcome::Error, Some(Answer::Unavailable), None),
            record(2, Outcome::Timeout, None, None),
            record(3, Outcome::InFlight, None, None),
        ];
        let label = |id| unknown_label("add(3)", &ops, id).expect("recorded");
        // Acknowledged, but the checker did not need its answer: not "timed out".
        assert_eq!(
            label(0),
            "add(3) -> ok at 1234.567 ms (not needed: the violation holds whether it took \
             effect or not)"
        );
        assert_eq!(
            label(1),
            "add(3) -> unavailable: may or may not have taken effect"
        );
        assert_eq!(
            label(2),
            "add(3) timed out: may or may not have taken effect"
        );
        assert_eq!(
            label(3),
            "add(3) no answer by the end: may or may not have taken effect"
        );
        assert_eq!(unknown_label("add(3)", &ops, 9), None);
    }

    #[test]
    fn clients_and_replicas_are_renamed_whole_numbers_only() {
        let mut setup = Setup::new(crate::Workload::register());
        setup.replicas = 3;
        let names = setup.node_names();
        let text = "the read by client 1 returned 2 after client 10 wrote; replica 2 lags, \
                    client x, replica 7";
        assert_eq!(
            named(text, &setup, &names),
            "the read by app#0.c1 returned 2 after client 10 wrote; kv#2 lags, client x, \
             replica 7"
        );
    }
}
