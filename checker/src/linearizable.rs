//! The linearizability checker for register / key-value histories.
//!
//! A key-value history is linearizable iff the sub-history of every key is (Herlihy & Wing's
//! locality, "P-compositionality"), so each key is searched on its own (`search`), in key
//! order. A violation is shrunk to a small counter-example (`shrink`) and explained
//! (`render`). A step budget turns a pathological history into an `Unknown` verdict instead
//! of an endless search.
//!
//! **Truncated histories.** When the recorder's cap cut the history at time `T` (the first
//! operation not recorded), operations still in flight at `T` may have observed unrecorded
//! ones; they are checked as if their outcome were unknown (reads dropped, CAS results
//! forgotten, writes optional). This never reports a violation the full history would not
//! have, at the price of missing some at the cut.

use super::history::{History, OpKind, Operation};
use super::render;
use super::search::{search, Search};
use super::shrink::{prune_unobserved, shrink, Shrunk};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Limits of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckConfig {
    /// Search steps allowed on one key before it is declared unknown.
    pub max_steps_per_key: u64,
    /// Search steps allowed over the whole history (shrinking excluded).
    pub max_steps_total: u64,
    /// Whether to shrink a violation to a minimal counter-example.
    pub shrink: bool,
    /// Sub-histories the shrinker may check before it settles for what it has.
    pub max_shrink_checks: u32,
}

impl Default for CheckConfig {
    fn default() -> CheckConfig {
        CheckConfig {
            max_steps_per_key: 5_000_000,
            max_steps_total: 50_000_000,
            shrink: true,
            max_shrink_checks: 5_000,
        }
    }
}

/// The checker's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "verdict")]
pub enum Verdict {
    /// Some order of the operations, consistent with real time, explains every result.
    Linearizable,
    /// No such order exists for `key`.
    Violation {
        /// The offending key (the smallest one, if several are).
        key: u64,
        /// A small sub-history of that key that is already not linearizable, sorted by
        /// invocation.
        counterexample: Vec<Operation>,
        /// One sentence saying why, for a student.
        explanation: String,
    },
    /// The search budget ran out before an answer.
    Unknown {
        /// Which budget, and how far the check got.
        reason: String,
    },
}

/// A verdict and how much of the run it covers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    /// The verdict on the recorded operations.
    pub verdict: Verdict,
    /// Operations recorded and checked.
    pub checked: usize,
    /// Operations invoked after the recorder's cap, not checked.
    pub not_recorded: u64,
    /// Distinct keys in the history.
    pub keys: usize,
    /// Search steps spent (shrinking excluded).
    pub steps: u64,
}

/// A history the checker cannot interpret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// An operation completes before it was invoked.
    CompleteBeforeInvoke {
        /// Its id.
        id: u64,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::CompleteBeforeInvoke { id } => {
                write!(f, "operation {id} completes before it was invoked")
            }
        }
    }
}

impl std::error::Error for HistoryError {}

/// Checks a recorded history for linearizability.
pub fn check(history: &History, config: &CheckConfig) -> Result<CheckReport, HistoryError> {
    validate(&history.ops)?;
    let keys = prepare(&history.ops, history.truncated_at_ns);
    let (verdict, steps) = check_keys(&keys, config);
    Ok(CheckReport {
        verdict,
        checked: history.ops.len(),
        not_recorded: history.not_recorded,
        keys: keys.len(),
        steps,
    })
}

/// Whether the history violates linearizability, without shrinking or explaining: `Some`
/// answer, or `None` when a budget ran out. For callers that search for where a history
/// first goes wrong (checking many prefixes); `check` explains the one they find.
pub fn violates(history: &History, config: &CheckConfig) -> Result<Option<bool>, HistoryError> {
    validate(&history.ops)?;
    let keys = prepare(&history.ops, history.truncated_at_ns);
    let mut steps = 0;
    let mut unknown = false;
    for ops in keys.values() {
        let left = config.max_steps_total.saturating_sub(steps);
        match search(ops, config.max_steps_per_key.min(left), &mut steps) {
            Search::Linearizable => {}
            Search::Violation => return Ok(Some(true)),
            Search::OutOfBudget => unknown = true,
        }
    }
    Ok((!unknown).then_some(false))
}

/// Checks a complete list of operations (nothing left unrecorded).
pub fn check_operations(
    ops: &[Operation],
    config: &CheckConfig,
) -> Result<CheckReport, HistoryError> {
    let history = History {
        ops: ops.to_vec(),
        not_recorded: 0,
        truncated_at_ns: None,
    };
    check(&history, config)
}

impl CheckReport {
    /// One line: the verdict and its coverage, e.g. "linearizable: checked the first 1000
    /// operations; 20 more not recorded".
    pub fn summary(&self) -> String {
        let what = match &self.verdict {
            Verdict::Linearizable => "linearizable".to_string(),
            Verdict::Violation { key, .. } => format!("NOT linearizable (key {key})"),
            Verdict::Unknown { .. } => "unknown (search budget exhausted)".to_string(),
        };
        let coverage = if self.not_recorded > 0 {
            format!(
                "checked the first {} operations; {} more not recorded",
                self.checked, self.not_recorded
            )
        } else {
            format!("checked all {} operations", self.checked)
        };
        format!("{what}: {coverage} over {} keys", self.keys)
    }

    /// The summary, then the counter-example or the reason, for a terminal.
    pub fn render(&self) -> String {
        let mut out = self.summary();
        out.push('\n');
        out.push_str(&verdict(&self.verdict));
        out
    }
}

fn validate(ops: &[Operation]) -> Result<(), HistoryError> {
    match ops
        .iter()
        .find(|o| o.complete_ns.is_some_and(|c| c < o.invoke_ns))
    {
        Some(o) => Err(HistoryError::CompleteBeforeInvoke { id: o.id }),
        None => Ok(()),
    }
}

/// Splits the history by key, applying the unknown-outcome rules: a read with an unknown
/// outcome constrains nothing and is dropped; a CAS whose client learned nothing has no
/// claimed result. Operations still in flight at a truncation are relaxed the same way.
/// Unknown-outcome operations nothing observed are then pruned (`prune_unobserved`).
fn prepare(ops: &[Operation], truncated_at: Option<u64>) -> BTreeMap<u64, Vec<Operation>> {
    let mut keys: BTreeMap<u64, Vec<Operation>> = BTreeMap::new();
    for op in ops {
        let mut op = *op;
        if let (Some(c), Some(cut)) = (op.complete_ns, truncated_at) {
            if c >= cut {
                op.complete_ns = None;
            }
        }
        if op.complete_ns.is_none() {
            match &mut op.kind {
                OpKind::Read { .. } => continue,
                OpKind::Cas { ok, .. } => *ok = None,
                OpKind::Write { .. } => {}
            }
        }
        keys.entry(op.key).or_default().push(op);
    }
    keys.into_iter()
        .map(|(k, ops)| (k, prune_unobserved(ops)))
        .collect()
}

/// Searches key after key; the first violation wins, else any key out of budget makes the
/// verdict unknown.
fn check_keys(keys: &BTreeMap<u64, Vec<Operation>>, config: &CheckConfig) -> (Verdict, u64) {
    let mut steps = 0;
    let mut unknown: Vec<u64> = Vec::new();
    for (checked, (&key, ops)) in keys.iter().enumerate() {
        let left = config.max_steps_total.saturating_sub(steps);
        let budget = config.max_steps_per_key.min(left);
        match search(ops, budget, &mut steps) {
            Search::Linearizable => {}
            Search::Violation => return (violation(key, ops, config), steps),
            Search::OutOfBudget if budget < config.max_steps_per_key => {
                let reason = format!(
                    "the total budget of {} search steps ran out on key {key}, after {checked} of \
                     {} keys were checked without finding a violation",
                    config.max_steps_total,
                    keys.len()
                );
                return (Verdict::Unknown { reason }, steps);
            }
            Search::OutOfBudget => unknown.push(key),
        }
    }
    if unknown.is_empty() {
        return (Verdict::Linearizable, steps);
    }
    let reason = format!(
        "{} of {} keys exceeded {} search steps each (first: key {}); the others are \
         linearizable",
        unknown.len(),
        keys.len(),
        config.max_steps_per_key,
        unknown[0]
    );
    (Verdict::Unknown { reason }, steps)
}

/// The violation on `key`, shrunk and explained.
fn violation(key: u64, ops: &[Operation], config: &CheckConfig) -> Verdict {
    let shrunk = if config.shrink {
        shrink(ops, config.max_steps_per_key, config.max_shrink_checks)
    } else {
        Shrunk {
            ops: ops.to_vec(),
            minimal: false,
        }
    };
    let mut counterexample = shrunk.ops;
    counterexample.sort_by_key(|o| (o.invoke_ns, o.id));
    let mut explanation = render::explain(key, &counterexample);
    if !shrunk.minimal {
        explanation.push_str(" (not fully minimised)");
    }
    Verdict::Violation {
        key,
        counterexample,
        explanation,
    }
}

/// The verdict for a terminal: the counter-example table, its timeline and the explanation.
pub fn verdict(v: &Verdict) -> String {
    verdict_labelled(v, &|_| None)
}

/// [`verdict`], with `label` giving an operation's line (after its client) when it knows
/// better than the history (what became of an operation the counter-example leaves
/// without a result, say); `None` keeps [`render::call`] and its result.
pub fn verdict_labelled(v: &Verdict, label: &dyn Fn(&Operation) -> Option<String>) -> String {
    match v {
        Verdict::Linearizable => "every key's history is linearizable\n".to_string(),
        Verdict::Unknown { reason } => format!("no verdict: {reason}\n"),
        Verdict::Violation {
            key,
            counterexample,
            explanation,
        } => format!(
            "key {key}: no order of these {} operations behaves like a single register:\n{}\n{}\nwhy: {explanation}\n",
            counterexample.len(),
            render::operations_labelled(counterexample, label),
            render::timeline(counterexample, 60),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::generate::{bench_history, random_history, GenConfig};
    use super::super::history::{Call, HistoryRecorder, Reply};
    use super::super::shrink::removable;
    use super::*;
    use proptest::prelude::*;

    const MS: u64 = 1_000_000;

    /// An operation on key 0 with times in milliseconds; `complete: None` = unknown outcome.
    fn op(id: u64, client: u32, kind: OpKind, invoke: u64, complete: Option<u64>) -> Operation {
        Operation {
            id,
            client,
            key: 0,
            kind,
            invoke_ns: invoke * MS,
            complete_ns: complete.map(|c| c * MS),
        }
    }

    fn w(value: u64) -> OpKind {
        OpKind::Write { value }
    }

    fn r(result: Option<u64>) -> OpKind {
        OpKind::Read { result }
    }

    fn cas(expected: u64, new: u64, ok: bool) -> OpKind {
        OpKind::Cas {
            expected,
            new,
            ok: Some(ok),
        }
    }

    fn verdict(ops: &[Operation]) -> Verdict {
        check_operations(ops, &CheckConfig::default())
            .expect("well-formed history")
            .verdict
    }

    /// The explanation of a violation, failing the test on any other verdict.
    fn violation(ops: &[Operation]) -> (Vec<Operation>, String) {
        match verdict(ops) {
            Verdict::Violation {
                counterexample,
                explanation,
                ..
            } => (counterexample, explanation),
            other => panic!("expected a violation, got {other:?}"),
        }
    }

    fn is_linearizable(ops: &[Operation]) -> bool {
        verdict(ops) == Verdict::Linearizable
    }

    #[test]
    fn stale_read_after_a_completed_write_is_caught() {
        let ops = [
            op(0, 1, w(1), 0, Some(1)),
            op(1, 1, w(2), 2, Some(3)),
            op(2, 2, r(Some(1)), 4, Some(5)),
        ];
        let (ce, why) = violation(&ops);
        assert_eq!(ce.len(), 3);
        assert!(why.contains("the read by client 2 returned 1"), "{why}");
        assert!(
            why.contains("the write of 2 by client 1 had completed"),
            "{why}"
        );
    }

    #[test]
    fn read_of_a_value_never_written_is_caught() {
        let ops = [op(0, 1, w(1), 0, Some(1)), op(1, 2, r(Some(7)), 2, Some(3))];
        let (ce, why) = violation(&ops);
        assert_eq!(ce.len(), 1);
        assert!(why.contains("no operation ever wrote 7 to key 0"), "{why}");
    }

    #[test]
    fn two_clients_seeing_writes_in_opposite_orders_is_caught() {
        let ops = [
            op(0, 1, w(1), 0, Some(10)),
            op(1, 2, w(2), 0, Some(10)),
            op(2, 3, r(Some(1)), 1, Some(2)),
            op(3, 3, r(Some(2)), 3, Some(4)),
            op(4, 4, r(Some(2)), 1, Some(2)),
            op(5, 4, r(Some(1)), 3, Some(4)),
        ];
        let (ce, why) = violation(&ops);
        assert_eq!(ce.len(), 6, "every read is needed");
        assert!(
            why.contains("client 3 saw 1 then 2, but client 4 saw 2 then 1"),
            "{why}"
        );
    }

    #[test]
    fn lost_update_through_cas_is_caught() {
        let ops = [
            op(0, 1, w(1), 0, Some(1)),
            op(1, 2, cas(1, 2, true), 2, Some(5)),
            op(2, 3, cas(1, 3, true), 2, Some(5)),
            op(3, 1, r(Some(3)), 6, Some(7)),
        ];
        let (ce, why) = violation(&ops);
        assert_eq!(ce.len(), 3, "the final read is not needed");
        assert!(why.contains("an update was lost"), "{why}");
    }

    #[test]
    fn non_monotonic_reads_across_clients_are_caught() {
        // Client 2 saw 2; client 3, starting after that, sees the older 1 again.
        let ops = [
            op(0, 1, w(1), 0, Some(1)),
            op(1, 1, w(2), 2, Some(10)),
            op(2, 2, r(Some(2)), 3, Some(4)),
            op(3, 3, r(Some(1)), 5, Some(6)),
        ];
        let (ce, why) = violation(&ops);
        assert_eq!(ce.len(), 4);
        assert!(why.contains("went back in time"), "{why}");
        // Without the earlier read, the write of 2 may still be in flight: no bug.
        assert!(is_linearizable(&[ops[0], ops[1], ops[3]]));
    }

    #[test]
    fn a_read_concurrent_with_a_write_may_return_either_value() {
        let before = [op(0, 1, w(1), 0, Some(1)), op(1, 1, w(2), 2, Some(6))];
        for seen in [1, 2] {
            let mut ops = before.to_vec();
            ops.push(op(2, 2, r(Some(seen)), 3, Some(4)));
            assert!(is_linearizable(&ops), "read of {seen}");
        }
        // Intervals that merely touch count as concurrent.
        let touching = [op(0, 1, w(1), 0, Some(2)), op(1, 2, r(None), 2, Some(3))];
        assert!(is_linearizable(&touching));
    }

    #[test]
    fn an_unknown_outcome_write_may_become_visible_later() {
        let ops = [
            op(0, 1, w(1), 0, Some(1)),
            op(1, 1, w(2), 2, None),
            op(2, 2, r(Some(1)), 5, Some(6)),
            op(3, 2, r(Some(2)), 7, Some(8)),
            op(4, 3, r(Some(2)), 9, Some(10)),
        ];
        assert!(is_linearizable(&ops));
    }

    #[test]
    fn an_unknown_outcome_write_may_never_take_effect() {
        let ops = [
            op(0, 1, w(1), 0, Some(1)),
            op(1, 1, w(2), 2, None),
            op(2, 2, r(Some(1)), 5, Some(6)),
            op(3, 2, r(Some(1)), 100, Some(101)),
        ];
        assert!(is_linearizable(&ops));
    }

    #[test]
    fn an_unknown_outcome_write_cannot_act_before_its_invocation() {
        let ops = [
            op(0, 1, w(1), 0, Some(1)),
            op(1, 2, r(Some(2)), 2, Some(3)),
            op(2, 1, w(2), 4, None),
        ];
        violation(&ops);
    }

    #[test]
    fn an_unknown_outcome_read_constrains_nothing() {
        let ops = [op(0, 1, w(1), 0, Some(1)), op(1, 2, r(Some(9)), 2, None)];
        assert!(is_linearizable(&ops));
    }

    #[test]
    fn keys_are_checked_independently_and_the_bad_one_is_named() {
        // Key 1 is absent although key 0 was written: no leak between keys. Key 2 has a
        // stale read.
        let mut ops = vec![
            op(0, 1, w(1), 0, Some(1)),
            op(1, 2, r(None), 2, Some(3)),
            op(2, 1, w(5), 0, Some(1)),
            op(3, 2, r(None), 2, Some(3)),
        ];
        ops[1].key = 1;
        ops[2].key = 2;
        ops[3].key = 2;
        assert!(matches!(verdict(&ops), Verdict::Violation { key: 2, .. }));
        ops[3].kind = r(Some(5));
        let report = check_operations(&ops, &CheckConfig::default()).expect("well-formed");
        assert_eq!((report.verdict, report.keys), (Verdict::Linearizable, 3));
    }

    #[test]
    fn a_truncated_history_says_so_and_blames_nothing_at_the_cut() {
        let mut rec = HistoryRecorder::new(1);
        let read = rec.invoke(2, 0, Call::Read, 0).expect("under the cap");
        // Not recorded: the write the read is about to see.
        assert!(rec.invoke(1, 0, Call::Write(5), MS).is_none());
        assert_eq!(rec.complete(read, 2 * MS, Reply::Read(Some(5))), Ok(()));
        let report = check(&rec.finish(), &CheckConfig::default()).expect("well-formed");
        assert_eq!(report.verdict, Verdict::Linearizable);
        assert_eq!(
            report.summary(),
            "linearizable: checked the first 1 operations; 1 more not recorded over 0 keys"
        );
    }

    #[test]
    fn reports_round_trip_through_json() {
        let ops = [op(0, 1, w(1), 0, Some(1)), op(1, 2, r(Some(7)), 2, Some(3))];
        let report = check_operations(&ops, &CheckConfig::default()).expect("well-formed");
        let text = serde_json::to_string(&report).expect("serialisable");
        assert!(text.contains(r#""verdict":"violation""#), "{text}");
        let back: CheckReport = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, report);
        assert!(report
            .render()
            .contains("why: the read by client 2 returned 7"));
    }

    #[test]
    fn a_malformed_history_is_an_error() {
        let mut bad = op(4, 1, w(1), 5, Some(6));
        bad.complete_ns = Some(1);
        assert_eq!(
            check_operations(&[bad], &CheckConfig::default()),
            Err(HistoryError::CompleteBeforeInvoke { id: 4 })
        );
    }

    /// Plants a stale read in a random history: a completed read now returns the value of
    /// a write that a later completed write on its key overwrote before the read began.
    fn plant_stale_read(ops: &mut [Operation]) -> bool {
        let writes: Vec<Operation> = ops
            .iter()
            .filter(|o| matches!(o.kind, OpKind::Write { .. }) && o.complete_ns.is_some())
            .copied()
            .collect();
        let mut reads: Vec<usize> = (0..ops.len())
            .filter(|&i| matches!(ops[i].kind, OpKind::Read { .. }) && ops[i].complete_ns.is_some())
            .collect();
        reads.reverse();
        for i in reads {
            let (begin, key) = (ops[i].invoke_ns, ops[i].key);
            let old_new = writes.iter().filter(|o| o.key == key).find_map(|old| {
                let newer = writes.iter().find(|n| {
                    n.key == key
                        && old.complete_ns < Some(n.invoke_ns)
                        && n.complete_ns < Some(begin)
                })?;
                Some((old, newer))
            });
            if let Some((old, _)) = old_new {
                if let OpKind::Write { value } = old.kind {
                    ops[i].kind = OpKind::Read {
                        result: Some(value),
                    };
                    return true;
                }
            }
        }
        false
    }

    #[test]
    fn the_counterexample_is_small_and_one_minimal() {
        let config = GenConfig {
            ops: 200,
            clients: 4,
            keys: 1,
            unknown_per_mille: 30,
            max_latency_ns: 3 * MS,
            max_think_ns: 2 * MS,
        };
        let mut ops = random_history(&config, 11);
        assert!(is_linearizable(&ops));
        assert!(plant_stale_read(&mut ops));
        let (ce, why) = violation(&ops);
        assert!(ce.len() <= 4, "{} ops: {ce:?}", ce.len());
        assert!(!why.contains("not fully minimised"), "{why}");
        assert_one_minimal(&ce);
    }

    /// Asserts that `ce` is not linearizable but becomes so without any one operation
    /// that may soundly go. (Dropping a write that a remaining read observed would invent
    /// another violation, "a read of a value never written", so the shrinker never does.)
    fn assert_one_minimal(ce: &[Operation]) {
        assert!(!is_linearizable(ce));
        for i in 0..ce.len() {
            let mut rest = ce.to_vec();
            let gone = rest.remove(i);
            if removable(&rest, &[gone]) {
                assert!(
                    is_linearizable(&rest),
                    "still violating without op {}",
                    gone.id
                );
            }
        }
    }

    #[test]
    fn a_pathological_history_exhausts_a_tiny_budget() {
        // 40 fully concurrent operations (writes of 1 or 2, reads of either), then reads
        // of 1, 2, 1 when no write is left: only an exhaustive search over subsets of the
        // writes could refute it.
        let mut ops: Vec<Operation> = (0..40)
            .map(|i| {
                let kind = match i % 4 {
                    0 => w(1),
                    1 => w(2),
                    2 => r(Some(1)),
                    _ => r(Some(2)),
                };
                op(i, i as u32, kind, 0, Some(100))
            })
            .collect();
        for (i, v) in [1, 2, 1].into_iter().enumerate() {
            let at = 200 + 2 * i as u64;
            ops.push(op(40 + i as u64, 99, r(Some(v)), at, Some(at + 1)));
        }
        let config = CheckConfig {
            max_steps_per_key: 10_000,
            ..CheckConfig::default()
        };
        let report = check_operations(&ops, &config).expect("well-formed");
        assert!(
            matches!(report.verdict, Verdict::Unknown { .. }),
            "{:?}",
            report.verdict
        );
        assert!(report.steps <= 10_000);
        let total = CheckConfig {
            max_steps_total: 500,
            ..CheckConfig::default()
        };
        let report = check_operations(&ops, &total).expect("well-formed");
        let Verdict::Unknown { reason } = report.verdict else {
            panic!("expected unknown");
        };
        assert!(reason.contains("total budget of 500"), "{reason}");
    }

    #[test]
    fn unobserved_unknown_outcome_writes_do_not_blow_up_a_failing_search() {
        // Thirty timed-out writes nobody read would make the search visit 2^30 subsets
        // before rejecting the stale read; pruned, it answers at once.
        let mut ops = vec![
            op(0, 1, w(1), 0, Some(1)),
            op(1, 1, w(2), 2, Some(3)),
            op(2, 2, r(Some(1)), 200, Some(201)),
        ];
        ops.extend((0..30).map(|i| op(3 + i, 3 + i as u32, w(100 + i), 4, None)));
        let config = CheckConfig {
            max_steps_per_key: 100_000,
            ..CheckConfig::default()
        };
        let report = check_operations(&ops, &config).expect("well-formed");
        assert!(
            matches!(report.verdict, Verdict::Violation { .. }),
            "{:?}",
            report.verdict
        );
    }

    #[test]
    fn a_100k_operation_history_over_1000_keys_is_linearizable() {
        let ops = bench_history(100_000, 1_000, 3);
        assert_eq!(ops.len(), 100_000);
        let report = check_operations(&ops, &CheckConfig::default()).expect("well-formed");
        assert_eq!(report.verdict, Verdict::Linearizable);
        assert_eq!((report.checked, report.keys), (100_000, 1_000));
    }

    #[test]
    fn bench_history_is_deterministic() {
        assert_eq!(bench_history(500, 10, 1), bench_history(500, 10, 1));
        assert_ne!(bench_history(500, 10, 1), bench_history(500, 10, 2));
    }

    fn gen_config() -> impl Strategy<Value = GenConfig> {
        (1usize..150, 1u32..6, 1u64..4, 0u64..200, 1u64..5, 0u64..3).prop_map(
            |(ops, clients, keys, unknown_per_mille, latency, think)| GenConfig {
                ops,
                clients,
                keys,
                unknown_per_mille,
                max_latency_ns: latency * MS,
                max_think_ns: think * MS,
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn random_linearizable_histories_are_accepted(config in gen_config(), seed in any::<u64>()) {
            let ops = random_history(&config, seed);
            prop_assert_eq!(verdict(&ops), Verdict::Linearizable);
        }

        #[test]
        fn a_read_of_a_value_never_written_is_rejected(
            config in gen_config(),
            seed in any::<u64>(),
            pick in any::<prop::sample::Index>(),
        ) {
            let mut ops = random_history(&config, seed);
            let reads: Vec<usize> = (0..ops.len())
                .filter(|&i| matches!(ops[i].kind, OpKind::Read { .. }) && ops[i].complete_ns.is_some())
                .collect();
            prop_assume!(!reads.is_empty());
            let i = reads[pick.index(reads.len())];
            ops[i].kind = OpKind::Read { result: Some(u64::MAX) };
            let (ce, why) = violation(&ops);
            prop_assert_eq!(ce, vec![ops[i]]);
            prop_assert!(why.contains("no operation ever wrote"), "{}", why);
        }

        #[test]
        fn a_planted_stale_read_is_rejected(config in gen_config(), seed in any::<u64>()) {
            // Unlike a value never written, only the search itself can find this one.
            let mut ops = random_history(&config, seed);
            prop_assume!(plant_stale_read(&mut ops));
            let (ce, _) = violation(&ops);
            assert_one_minimal(&ce);
        }
    }
}
