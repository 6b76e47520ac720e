//! The space-time (Lamport) diagram of a replicated store's first linearizability
//! violation: the window around its counter-example, one lane per coordinating node and
//! replica, the messages between them, the faults, the counter-example's operations in
//! orange and the checker's explanation under the title.
//!
//! The messages come from a second run of the design with the message log on over the
//! window (`models::run::record_messages`, run by the caller: [`windows`]). What a figure
//! needs of them, the counter-example's messages, is a [`Window`], saved beside
//! `results.json` as `spacetime-<design>.json` (`crate::files::write_spacetime`), so a
//! report is a function of a run's output files: `caplab run --report` and `caplab report`
//! draw the same figures from the same windows, and reports never run a design again.
//!
//! Pure: the diagram is a function of the results and the window.

use crate::consistency::Figure;
use crate::error::{ReportError, WindowKey};
use crate::lamport::{Arrow, Diagram, OpMark, Span, SpanKind};
use results::MessageWindow;
use results::{CounterexampleOp, DesignResult, FaultWindow, RunResults};
use serde::{Deserialize, Serialize};
use sim_core::message_log::{Fate, MessageRecord};
use sim_core::network::NodeId;
use sim_core::time::SimTime;
use std::collections::BTreeSet;

/// At most this many messages are recorded for a diagram.
pub const MAX_MESSAGES: usize = 4_000;

/// A diagram to draw: which design and store, and the window around its counter-example.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation<'a> {
    /// The design.
    pub design: &'a str,
    /// The store.
    pub store: &'a str,
    /// The counter-example's operations.
    pub ops: &'a [CounterexampleOp],
    /// Window start, ns.
    pub from_ns: u64,
    /// Window end, ns.
    pub to_ns: u64,
    /// The checker's explanation (its `why:` line), shown whole under the title.
    pub why: Option<&'a str>,
}

/// The counter-example of `d`'s first store (in name order) whose history is not
/// linearizable, with its window: the
/// counter-example's span, widened by a fifth on each side (at least 1 ms) and cut at
/// `end_s`.
pub fn first_violation(d: &DesignResult, end_s: f64) -> Option<Violation<'_>> {
    let (store, summary) = d
        .stores
        .iter()
        .find(|(_, s)| !s.counterexample_ops.is_empty())?;
    let ops = &summary.counterexample_ops;
    let ns = |s: f64| (s * 1e9).round().max(0.0) as u64;
    let first = ops.iter().map(|o| ns(o.invoke_s)).min()?;
    let last = ops
        .iter()
        .map(|o| ns(o.complete_s.unwrap_or(o.invoke_s)))
        .max()?;
    let pad = ((last - first) / 5).max(1_000_000);
    let why = summary
        .counterexample
        .as_deref()
        .and_then(|text| text.lines().map(str::trim).find(|l| l.starts_with("why:")));
    Some(Violation {
        design: &d.name,
        store,
        ops,
        why,
        from_ns: first.saturating_sub(pad),
        to_ns: (last + pad).min(ns(end_s)),
    })
}

/// The number after `field: ` in a payload's `Debug` form.
fn field(detail: &str, name: &str) -> Option<u64> {
    let pattern = format!("{name}: ");
    let at = detail.find(&pattern)? + pattern.len();
    let digits: String = detail[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Whether a message belongs to the counter-example's story: one of its operations' own
/// messages (a coordinator's store message carrying the operation's slot as `exec`, sent
/// while it ran), or a replica shipping, repairing or answering one of the values it wrote.
fn related(m: &MessageRecord, ops: &[(usize, &CounterexampleOp)], until_ns: u64) -> bool {
    let sent = m.sent_at.as_nanos();
    if let Some(exec) = field(&m.detail, "exec") {
        let ran = ops.iter().any(|(node, op)| {
            let (from, to) = (
                (op.invoke_s * 1e9).round() as u64,
                op.complete_s.map_or(until_ns, |c| (c * 1e9).round() as u64),
            );
            u64::from(op.slot) == exec
                && (m.from.index() == *node || m.to.index() == *node)
                && sent >= from
                && sent <= to
        });
        if ran {
            return true;
        }
    }
    field(&m.detail, "write").is_some_and(|w| ops.iter().any(|(_, op)| op.written == Some(w)))
}

/// The payload's variant name and the few fields that say what it carries
/// (`StoreWrite write=12`), from its `Debug` form.
fn short_detail(detail: &str) -> String {
    let name: String = detail
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let mut out = name;
    for name in ["write", "key", "primary", "epoch"] {
        if let Some(value) = field(detail, name) {
            out.push_str(&format!(" {name}={value}"));
        }
    }
    out
}

/// The diagram of `v`: lanes for the nodes that ran the counter-example's operations and
/// for the store's replicas (`store#i`); the messages among them sent in the window that
/// tell the counter-example's story (its operations' own messages, and the replicas'
/// shipping of the values it wrote: the other keys' traffic is left out); the faults that
/// overlap the window; and the operations.
pub fn diagram(
    v: &Violation<'_>,
    names: &[String],
    messages: &[MessageRecord],
    faults: &[FaultWindow],
) -> Diagram {
    let prefix = format!("{}#", v.store);
    let mut lanes: BTreeSet<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.starts_with(&prefix))
        .map(|(i, _)| i)
        .collect();
    for op in v.ops {
        if let Some(i) = names.iter().position(|n| *n == op.node) {
            lanes.insert(i);
        }
    }
    let nodes: Vec<usize> = lanes.into_iter().collect();
    let lane = |node: usize| nodes.iter().position(|n| *n == node);
    let mut d = Diagram {
        title: format!(
            "{} · store {}: the checker's counter-example",
            v.design, v.store
        ),
        from_ns: v.from_ns,
        to_ns: v.to_ns,
        lanes: nodes.iter().map(|&n| names[n].clone()).collect(),
        notes: v.why.map(str::to_string).into_iter().collect(),
        ..Diagram::default()
    };
    let culprits: Vec<(usize, &CounterexampleOp)> = v
        .ops
        .iter()
        .filter_map(|op| Some((names.iter().position(|n| *n == op.node)?, op)))
        .collect();
    for m in messages {
        let sent = m.sent_at.as_nanos();
        if sent < v.from_ns || sent > v.to_ns || m.from == m.to || !related(m, &culprits, v.to_ns) {
            continue;
        }
        let (Some(from), Some(to)) = (lane(m.from.index()), lane(m.to.index())) else {
            continue;
        };
        d.arrows
            .push(Arrow::of_record(m, from, to, short_detail(&m.detail)));
    }
    for op in v.ops {
        let Some(l) = names.iter().position(|n| *n == op.node).and_then(lane) else {
            continue;
        };
        d.ops.push(OpMark {
            lane: l,
            invoke_ns: (op.invoke_s * 1e9).round() as u64,
            complete_ns: op.complete_s.map(|c| (c * 1e9).round() as u64),
            label: op.op.clone(),
            culprit: true,
        });
    }
    let end_ns = v.to_ns;
    for f in faults {
        let from_ns = (f.start_s * 1e9).round() as u64;
        let to_ns = f.end_s.map_or(end_ns, |e| (e * 1e9).round() as u64);
        if to_ns < v.from_ns || from_ns > v.to_ns {
            continue;
        }
        let kind = match f.kind.as_str() {
            "partition" | "one_way_partition" => SpanKind::Partition,
            "crash" => SpanKind::Crash,
            "pause" => SpanKind::Pause,
            _ => continue,
        };
        let targets: Vec<usize> = match kind {
            SpanKind::Partition => vec![0],
            _ => (0..d.lanes.len())
                .filter(|&l| {
                    f.label
                        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == ']')
                        .any(|word| word == d.lanes[l])
                })
                .collect(),
        };
        for l in targets {
            d.spans.push(Span {
                lane: l,
                from_ns,
                to_ns,
                label: f.label.clone(),
                kind,
            });
        }
    }
    d
}

/// One recorded message of a [`Window`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    /// When it was sent, ns.
    pub sent_ns: u64,
    /// The sender's node index (into [`Window::names`]).
    pub from: usize,
    /// The receiver's node index.
    pub to: usize,
    /// `delivered`, `in_flight`, `dropped_at_down_node`, `lost` or `partitioned`.
    pub fate: String,
    /// When it arrived, was due or was dropped at a down node, ns (none when dropped at
    /// send time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_ns: Option<u64>,
    /// The payload's `Debug` form.
    pub detail: String,
    /// The extra copy of a duplicated message.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

impl Message {
    fn of_record(m: &MessageRecord) -> Message {
        let (fate, at) = match m.fate {
            Fate::Delivered { at } => ("delivered", Some(at)),
            Fate::InFlight { arrive_at } => ("in_flight", Some(arrive_at)),
            Fate::DroppedAtDownNode { at } => ("dropped_at_down_node", Some(at)),
            Fate::Lost => ("lost", None),
            Fate::Partitioned => ("partitioned", None),
        };
        Message {
            sent_ns: m.sent_at.as_nanos(),
            from: m.from.index(),
            to: m.to.index(),
            fate: fate.to_string(),
            at_ns: at.map(|t| t.as_nanos()),
            detail: m.detail.clone(),
            duplicate: m.duplicate,
        }
    }

    fn record(&self) -> Result<MessageRecord, ReportError> {
        let at = || {
            self.at_ns
                .map(SimTime)
                .ok_or_else(|| ReportError::MissingArrival {
                    fate: self.fate.clone(),
                })
        };
        let fate = match self.fate.as_str() {
            "delivered" => Fate::Delivered { at: at()? },
            "in_flight" => Fate::InFlight { arrive_at: at()? },
            "dropped_at_down_node" => Fate::DroppedAtDownNode { at: at()? },
            "lost" => Fate::Lost,
            "partitioned" => Fate::Partitioned,
            other => return Err(ReportError::UnknownFate(other.to_string())),
        };
        let node = |i: usize| {
            u32::try_from(i)
                .map(NodeId)
                .map_err(|_| ReportError::NodeOutOfRange(i))
        };
        Ok(MessageRecord {
            sent_at: SimTime(self.sent_ns),
            from: node(self.from)?,
            to: node(self.to)?,
            fate,
            detail: self.detail.clone(),
            duplicate: self.duplicate,
        })
    }
}

/// What a design's space-time figure is drawn from: the window around its store's first
/// counter-example and the messages of it that tell the counter-example's story, recorded
/// by a second run with the message log on. Saved as `spacetime-<design>.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// The design.
    pub design: String,
    /// The store whose counter-example it shows.
    pub store: String,
    /// Window start, ns.
    pub from_ns: u64,
    /// Window end, ns.
    pub to_ns: u64,
    /// The digest of the run that recorded it: the design's (the log only observes).
    pub digest: String,
    /// Node names, by node index.
    pub names: Vec<String>,
    /// How many messages the log kept of the window (all of them, unless some were
    /// evicted).
    pub recorded: u64,
    /// Older messages of the window dropped over the log's capacity.
    pub evicted: u64,
    /// The counter-example's messages (see [`diagram`]), in sending order.
    pub messages: Vec<Message>,
}

impl Window {
    /// The window of violation `v` from a recording of it: only the messages the diagram
    /// draws are kept (a few dozen; the recording holds every message of the window).
    pub fn of_recording(v: &Violation<'_>, recorded: &MessageWindow) -> Window {
        let culprits: Vec<(usize, &CounterexampleOp)> = v
            .ops
            .iter()
            .filter_map(|op| Some((recorded.names.iter().position(|n| *n == op.node)?, op)))
            .collect();
        Window {
            design: v.design.to_string(),
            store: v.store.to_string(),
            from_ns: v.from_ns,
            to_ns: v.to_ns,
            digest: format!("{:016x}", recorded.digest),
            names: recorded.names.clone(),
            recorded: recorded.records.len() as u64,
            evicted: recorded.evicted,
            messages: recorded
                .records
                .iter()
                .filter(|m| {
                    let sent = m.sent_at.as_nanos();
                    sent >= v.from_ns
                        && sent <= v.to_ns
                        && m.from != m.to
                        && related(m, &culprits, v.to_ns)
                })
                .map(Message::of_record)
                .collect(),
        }
    }

    /// The messages as records of the message log.
    pub fn records(&self) -> Result<Vec<MessageRecord>, ReportError> {
        self.messages.iter().map(Message::record).collect()
    }
}

/// The window of every design of `results` whose history is not linearizable.
/// `record(design, from_ns, to_ns)` runs the design again with the message log on over the
/// window (`models::run::record_messages`); a recording whose run's digest differs from the
/// design's is refused (the log must only observe). An error of `record` is returned as
/// [`ReportError::Recording`], its message unchanged.
pub fn windows(
    results: &RunResults,
    mut record: impl FnMut(&str, u64, u64) -> Result<MessageWindow, String>,
) -> Result<Vec<Window>, ReportError> {
    let mut out = Vec::new();
    for d in &results.designs {
        let Some(v) = first_violation(d, results.duration_s) else {
            continue;
        };
        let recorded = record(&d.name, v.from_ns, v.to_ns).map_err(ReportError::Recording)?;
        let w = Window::of_recording(&v, &recorded);
        if w.digest != d.digest {
            return Err(ReportError::LogChangedRun {
                design: d.name.clone(),
                recorded: w.digest,
                plain: d.digest.clone(),
            });
        }
        out.push(w);
    }
    Ok(out)
}

/// The space-time figure of every design of `results` whose history is not linearizable
/// and whose [`Window`] is in `windows` (designs without one get no figure). A window must
/// match its design: same digest, same counter-example window.
pub fn figures(results: &RunResults, windows: &[Window]) -> Result<Vec<Figure>, ReportError> {
    let mut out = Vec::new();
    let ids = spacetime_stems(results);
    for (d, id) in results.designs.iter().zip(ids) {
        let Some(v) = first_violation(d, results.duration_s) else {
            continue;
        };
        let Some(w) = windows.iter().find(|w| w.design == d.name) else {
            continue;
        };
        if w.digest != d.digest
            || w.store != v.store
            || (w.from_ns, w.to_ns) != (v.from_ns, v.to_ns)
        {
            return Err(ReportError::WindowMismatch {
                design: d.name.clone(),
                saved: Box::new(WindowKey {
                    digest: w.digest.clone(),
                    store: w.store.clone(),
                    from_ns: w.from_ns,
                    to_ns: w.to_ns,
                }),
                run: Box::new(WindowKey {
                    digest: d.digest.clone(),
                    store: v.store.to_string(),
                    from_ns: v.from_ns,
                    to_ns: v.to_ns,
                }),
            });
        }
        let records = w.records().map_err(|e| ReportError::InDesign {
            design: d.name.clone(),
            source: Box::new(e),
        })?;
        let diagram = diagram(&v, &w.names, &records, &results.faults);
        let evicted = if w.evicted > 0 {
            format!(" ({} earlier messages of the window not kept)", w.evicted)
        } else {
            String::new()
        };
        out.push(Figure {
            id,
            design: d.name.clone(),
            caption: format!(
                "Space-time diagram of design {} from {} s to {} s, around the \
                 checker's counter-example on store {}: one lane per node, time flowing down \
                 (stretches without events cut short, marked ≈), the counter-example's \
                 operations in orange, dropped messages ending in a cross{evicted}.",
                d.name,
                crate::format::seconds(v.from_ns as f64 / 1e9),
                crate::format::seconds(v.to_ns as f64 / 1e9),
                v.store
            ),
            svg: diagram.svg(),
        });
    }
    Ok(out)
}

/// The stem of each design's space-time files, in design order: `spacetime-<name>` (named
/// like the series files), the message window `<stem>.json` beside `results.json` and the
/// figure `figures/<stem>.svg` of the report.
pub fn spacetime_stems(results: &RunResults) -> Vec<String> {
    crate::format::design_stems(results)
        .into_iter()
        .map(|stem| format!("spacetime-{stem}"))
        .collect()
}

/// A space-time [`Window`](crate::spacetime::Window) as pretty JSON with a trailing
/// newline (deterministic: fields in declaration order).
pub fn spacetime_json(window: &Window) -> String {
    let mut json = serde_json::to_string_pretty(window)
        .expect("a message window is plain data and always serialises");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lamport::ArrowFate;
    use sim_core::message_log::Fate;
    use sim_core::network::NodeId;
    use sim_core::time::SimTime;

    fn op(node: &str, invoke_s: f64, complete_s: f64, text: &str) -> CounterexampleOp {
        CounterexampleOp {
            node: node.into(),
            invoke_s,
            complete_s: Some(complete_s),
            op: text.into(),
            slot: 1,
            written: text
                .strip_prefix("write(")
                .and_then(|t| t.split(')').next()?.parse().ok()),
        }
    }

    /// A write shipped, cut off by the partition, a client call, another key's read and
    /// a message after the window.
    fn messages() -> Vec<MessageRecord> {
        let at = SimTime;
        vec![
            MessageRecord {
                sent_at: at(10_000_100_000),
                from: NodeId(2),
                to: NodeId(5),
                fate: Fate::Delivered {
                    at: at(10_000_600_000),
                },
                detail: "StoreWrite { tag: CallTag { exec: 1 }, write: 5, forward: true }".into(),
                duplicate: false,
            },
            MessageRecord {
                sent_at: at(10_000_700_000),
                from: NodeId(5),
                to: NodeId(3),
                fate: Fate::Partitioned,
                detail: "StorePropagate { write: 5 }".into(),
                duplicate: false,
            },
            // From the client: not a lane, not drawn.
            MessageRecord {
                sent_at: at(10_000_000_000),
                from: NodeId(0),
                to: NodeId(2),
                fate: Fate::Delivered {
                    at: at(10_000_050_000),
                },
                detail: "Call { endpoint: 0 }".into(),
                duplicate: false,
            },
            // Another key's traffic: not part of the story.
            MessageRecord {
                sent_at: at(10_000_800_000),
                from: NodeId(1),
                to: NodeId(3),
                fate: Fate::Delivered {
                    at: at(10_001_000_000),
                },
                detail: "StoreRead { tag: CallTag { exec: 7, generation: 1 }, key: 3 }".into(),
                duplicate: false,
            },
            // Outside the window.
            MessageRecord {
                sent_at: at(11_000_000_000),
                from: NodeId(2),
                to: NodeId(5),
                fate: Fate::Lost,
                detail: "StoreRead { key: 1 }".into(),
                duplicate: false,
            },
        ]
    }

    #[test]
    fn the_diagram_shows_the_culprits_lanes_messages_and_the_partition() {
        let names: Vec<String> = ["client", "app#0", "app#1", "kv#0", "kv#1", "kv#2"]
            .map(String::from)
            .to_vec();
        let ops = vec![
            op("app#1", 10.0, 10.001, "write(5) → ok"),
            op("app#0", 10.002, 10.003, "read() → absent"),
        ];
        let v = Violation {
            design: "ap",
            store: "kv",
            ops: &ops,
            from_ns: 9_999_000_000,
            to_ns: 10_004_000_000,
            why: Some("why: the read saw an overwritten value"),
        };
        let messages = messages();
        let faults = vec![FaultWindow {
            start_s: 5.0,
            end_s: Some(20.0),
            kind: "partition".into(),
            label: "partition [app#0, kv#0, kv#1] | [app#1, kv#2]".into(),
        }];
        let d = diagram(&v, &names, &messages, &faults);
        assert_eq!(d.lanes, ["app#0", "app#1", "kv#0", "kv#1", "kv#2"]);
        assert_eq!(d.arrows.len(), 2);
        assert_eq!((d.arrows[0].from, d.arrows[0].to), (1, 4));
        assert_eq!(d.arrows[0].label, "StoreWrite write=5");
        assert_eq!(d.arrows[1].fate, ArrowFate::Partitioned);
        assert_eq!(d.ops.len(), 2);
        assert!(d.ops.iter().all(|o| o.culprit));
        assert_eq!(d.ops[1].lane, 0);
        assert_eq!(d.spans.len(), 1);
        assert_eq!(d.spans[0].kind, SpanKind::Partition);
        assert!(d.svg().contains("StoreWrite write=5"));
    }

    #[test]
    fn a_crash_is_drawn_on_the_crashed_lane_only() {
        let names: Vec<String> = ["client", "app#0", "kv#0", "kv#1"]
            .map(String::from)
            .to_vec();
        let ops = vec![op("app#0", 1.0, 1.5, "read() → 1")];
        let v = Violation {
            design: "async",
            store: "kv",
            ops: &ops,
            from_ns: 900_000_000,
            to_ns: 1_600_000_000,
            why: None,
        };
        let faults = vec![FaultWindow {
            start_s: 1.2,
            end_s: None,
            kind: "crash".into(),
            label: "crash kv#1".into(),
        }];
        let d = diagram(&v, &names, &[], &faults);
        assert_eq!(d.spans.len(), 1);
        assert_eq!(d.lanes[d.spans[0].lane], "kv#1");
        assert_eq!(d.spans[0].to_ns, 1_600_000_000);
    }

    #[test]
    fn a_saved_window_draws_the_figure_and_must_match_its_run() {
        use results::StoreSummary;
        let mut r = crate::fixtures::sample();
        r.designs[1].stores.insert(
            "kv".to_string(),
            StoreSummary {
                linearizability: "violation".to_string(),
                counterexample: Some(
                    "NOT linearizable (key 0)\n  history\n\nwhy: the read missed the write\n"
                        .to_string(),
                ),
                counterexample_ops: vec![
                    op("app#1", 10.0, 10.001, "write(5) → ok"),
                    op("app#0", 10.002, 10.003, "read() → absent"),
                ],
                ..Default::default()
            },
        );
        let names: Vec<String> = ["client", "app#0", "app#1", "kv#0", "kv#1", "kv#2"]
            .map(String::from)
            .to_vec();
        let digest = u64::from_str_radix(&r.designs[1].digest, 16).unwrap();
        let recording = |digest| MessageWindow {
            names: names.clone(),
            records: messages(),
            evicted: 3,
            digest,
        };
        let mut asked = Vec::new();
        let saved = windows(&r, |name, from, to| {
            asked.push((name.to_string(), from, to));
            Ok(recording(digest))
        })
        .unwrap();
        // Only the violating design is recorded, over its counter-example's window.
        assert_eq!(
            asked,
            [("quorum-3".to_string(), 9_999_000_000, 10_004_000_000)]
        );
        assert_eq!(saved.len(), 1);
        let w = &saved[0];
        assert_eq!((w.recorded, w.evicted), (5, 3));
        // Kept: the write and its propagation cut by the partition; not the client's
        // call, the other key's read, nor what was sent after the window.
        assert_eq!(w.messages.len(), 2);
        assert_eq!(w.messages[1].fate, "partitioned");
        assert_eq!(w.records().unwrap(), messages()[..2].to_vec());
        // The file's text reads back to the same window.
        let back: Window = serde_json::from_str(&spacetime_json(w)).unwrap();
        assert_eq!(&back, w);
        let drawn = figures(&r, &saved).unwrap();
        assert_eq!(drawn.len(), 1);
        assert_eq!(drawn[0].id, "spacetime-quorum-3");
        assert!(drawn[0].svg.contains("why: the read missed the write"));
        assert!(drawn[0].caption.contains("3 earlier messages"));
        assert!(figures(&r, &[]).unwrap().is_empty(), "no window, no figure");
        // A window of another run is refused, whether recorded or saved.
        let other = windows(&r, |_, _, _| Ok(recording(digest + 1)));
        let other = other.unwrap_err();
        assert!(
            matches!(other, ReportError::LogChangedRun { .. }),
            "{other:?}"
        );
        assert!(other.to_string().contains("the log changed the run"));
        let mut stale = w.clone();
        stale.digest = "0000000000000000".to_string();
        assert!(figures(&r, &[stale])
            .unwrap_err()
            .to_string()
            .contains("not this run's"));
        let mut bad = w.clone();
        bad.messages[0].fate = "teleported".to_string();
        let bad = figures(&r, &[bad]).unwrap_err();
        assert_eq!(
            bad.to_string(),
            "design quorum-3: unknown fate \"teleported\""
        );
        assert!(std::error::Error::source(&bad).is_some());
    }
}
