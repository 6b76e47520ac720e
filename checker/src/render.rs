//! Text for people: a counter-example as a table of operations, as an ASCII timeline (one
//! row per client, a bar per operation), and a sentence saying why it is not linearizable.
//! Times are shown in milliseconds, computed with integers so output is identical on every
//! machine.

use super::history::written_value;
use super::history::{OpKind, Operation, Value};
use std::collections::BTreeMap;

/// One line per operation, by invocation time: `[invoke, complete]` in ms, client,
/// operation and result.
pub fn operations(ops: &[Operation]) -> String {
    operations_labelled(ops, &|_| None)
}

/// [`operations`], with `label` overriding an operation's text (see [`verdict_labelled`]).
pub fn operations_labelled(
    ops: &[Operation],
    label: &dyn Fn(&Operation) -> Option<String>,
) -> String {
    let fine = needs_fine_times(ops);
    let mut sorted: Vec<&Operation> = ops.iter().collect();
    sorted.sort_by_key(|o| (o.invoke_ns, o.id));
    let mut out = String::new();
    for o in sorted {
        let complete = o.complete_ns.map_or("?".to_string(), |c| ms(c, fine));
        out.push_str(&format!(
            "  [{:>10}, {:>10}] ms  client {:<3} {}\n",
            ms(o.invoke_ns, fine),
            complete,
            o.client,
            label(o).unwrap_or_else(|| call_and_result(o))
        ));
    }
    out
}

/// An ASCII timeline `width` columns wide: one row per client (more if its operations
/// overlap, as after a timeout), a bar `[--]` per operation, `>` at the right edge for an
/// unknown outcome, and a legend.
pub fn timeline(ops: &[Operation], width: usize) -> String {
    let width = width.max(10);
    let Some(scale) = Scale::new(ops, width) else {
        return String::new();
    };
    let mut sorted: Vec<&Operation> = ops.iter().collect();
    sorted.sort_by_key(|o| (o.invoke_ns, o.id));
    let mut rows: BTreeMap<u32, Vec<Lane>> = BTreeMap::new();
    for o in sorted {
        let bar = Bar::new(o, &scale);
        let lanes = rows.entry(o.client).or_default();
        let lane = match lanes.iter_mut().position(|l| l.free_from <= bar.start) {
            Some(i) => &mut lanes[i],
            None => {
                lanes.push(Lane::default());
                let last = lanes.len() - 1;
                &mut lanes[last]
            }
        };
        lane.draw(&bar);
    }
    let fine = needs_fine_times(ops);
    let mut out = String::new();
    for (client, lanes) in &rows {
        for lane in lanes {
            let text = String::from_utf8_lossy(&lane.cells).trim_end().to_string();
            out.push_str(&format!("  client {client:<3}|{text}\n"));
        }
    }
    // The axis: first and last instants, under the first and last columns.
    let (left, right) = (ms(scale.t0, fine) + " ms", ms(scale.t1, fine) + " ms");
    let gap = width.saturating_sub(left.len() + right.len()).max(1);
    out.push_str(&format!("{:13}{left}{}{right}\n", "", " ".repeat(gap)));
    out.push_str(&format!(
        "{:13}w2 = write(2), r1 = read -> 1, r- = read -> absent, >: no reply\n\
         {:13}c1>3 = cas(1 -> 3) -> ok, c1>3x -> failed, c1>3? -> unknown\n",
        "", ""
    ));
    out
}

/// Why `ops` (a shrunk counter-example on `key`) is not linearizable, in one sentence.
pub(crate) fn explain(key: u64, ops: &[Operation]) -> String {
    never_written(key, ops)
        .or_else(|| lost_update(ops))
        .or_else(|| stale(ops))
        .or_else(|| went_back(ops))
        .or_else(|| opposite_orders(ops))
        .unwrap_or_else(|| {
            format!(
                "no order of these {} operations respects both real time (an operation that \
                 completed before another began must come first) and the register's rule (a \
                 read returns the latest write)",
                ops.len()
            )
        })
}

/// The state an operation saw, if its result reveals it: a read's result, or the expected
/// value of a successful CAS.
fn observed(op: &Operation) -> Option<Option<Value>> {
    op.complete_ns?;
    match op.kind {
        OpKind::Read { result } => Some(result),
        OpKind::Cas {
            expected,
            ok: Some(true),
            ..
        } => Some(Some(expected)),
        _ => None,
    }
}

/// Whether the operation certainly changed the register, before its completion.
fn certainly_wrote(op: &Operation) -> Option<Value> {
    op.complete_ns?;
    match op.kind {
        OpKind::Write { value } => Some(value),
        OpKind::Cas {
            new,
            ok: Some(true),
            ..
        } => Some(new),
        _ => None,
    }
}

fn writers(ops: &[Operation], v: Value) -> impl Iterator<Item = &Operation> {
    ops.iter().filter(move |o| written_value(o) == Some(v))
}

fn never_written(key: u64, ops: &[Operation]) -> Option<String> {
    let (o, v) = ops.iter().find_map(|o| match observed(o) {
        Some(Some(v)) if writers(ops, v).next().is_none() => Some((o, v)),
        _ => None,
    })?;
    Some(format!(
        "{} {}, but no operation ever wrote {v} to key {key}",
        name(o),
        saw(o, Some(v))
    ))
}

fn lost_update(ops: &[Operation]) -> Option<String> {
    let cas: Vec<(&Operation, Value)> = ops
        .iter()
        .filter_map(|o| match (observed(o), o.kind) {
            (Some(Some(e)), OpKind::Cas { .. }) => Some((o, e)),
            _ => None,
        })
        .collect();
    for (i, (a, e)) in cas.iter().enumerate() {
        if let Some((b, _)) = cas[i + 1..].iter().find(|(_, f)| f == e) {
            if writers(ops, *e).count() <= 1 {
                return Some(format!(
                    "{} and {} both succeeded, yet {e} was written only once, so only one of \
                     them can have found {e}: an update was lost",
                    name(a),
                    name(b)
                ));
            }
        }
    }
    None
}

fn stale(ops: &[Operation]) -> Option<String> {
    for r in ops {
        let Some(seen) = observed(r) else { continue };
        for w in ops {
            let (Some(v), Some(done)) = (certainly_wrote(w), w.complete_ns) else {
                continue;
            };
            let overwritten = seen.is_none_or(|s| {
                writers(ops, s).all(|x| x.complete_ns.is_some_and(|c| c < w.invoke_ns))
            });
            if Some(v) != seen && done < r.invoke_ns && overwritten {
                let later = match seen {
                    Some(s) => format!(", and no write of {s} could come later"),
                    None => String::new(),
                };
                return Some(format!(
                    "{} {} after {} had completed (at {} ms, before the {} began){later}: it \
                     saw an overwritten value",
                    name(r),
                    saw(r, seen),
                    name(w),
                    ms(done, needs_fine_times(ops)),
                    noun(r)
                ));
            }
        }
    }
    None
}

fn went_back(ops: &[Operation]) -> Option<String> {
    for first in ops {
        let (Some(Some(a)), Some(done)) = (observed(first), first.complete_ns) else {
            continue;
        };
        for second in ops.iter().filter(|o| o.invoke_ns > done) {
            let Some(b) = observed(second) else { continue };
            let ordered = b.is_none_or(|b| {
                let b_done = writers(ops, b)
                    .map(|w| w.complete_ns.unwrap_or(u64::MAX))
                    .max();
                let a_start = writers(ops, a).map(|w| w.invoke_ns).min();
                matches!((b_done, a_start), (Some(x), Some(y)) if x < y)
            });
            if b != Some(a) && ordered {
                let why = match b {
                    Some(b) => {
                        format!(", yet every write of {b} completed before any write of {a} began")
                    }
                    None => String::new(),
                };
                return Some(format!(
                    "{} {} after {} had already {} (completed at {} ms, before it began){why}: \
                     the value went back in time",
                    name(second),
                    saw(second, b),
                    name(first),
                    saw(first, Some(a)),
                    ms(done, needs_fine_times(ops))
                ));
            }
        }
    }
    None
}

fn opposite_orders(ops: &[Operation]) -> Option<String> {
    // Pairs (x then y) of values seen by reads ordered in real time.
    let mut pairs: Vec<(&Operation, Value, Value)> = Vec::new();
    for a in ops {
        let (Some(Some(x)), Some(done)) = (observed(a), a.complete_ns) else {
            continue;
        };
        for b in ops.iter().filter(|o| o.invoke_ns > done) {
            if let Some(Some(y)) = observed(b) {
                if x != y {
                    pairs.push((a, x, y));
                }
            }
        }
    }
    let (a, x, y) = pairs
        .iter()
        .find(|(_, x, y)| pairs.iter().any(|(_, p, q)| p == y && q == x))?;
    let (b, _, _) = pairs.iter().find(|(_, p, q)| p == y && q == x)?;
    Some(format!(
        "client {} saw {x} then {y}, but client {} saw {y} then {x}: no single order of the \
         writes explains both",
        a.client, b.client
    ))
}

/// "the read by client 2", "the write of 3 by client 1", "the cas(1 -> 2) by client 4".
fn name(o: &Operation) -> String {
    match o.kind {
        OpKind::Read { .. } => format!("the read by client {}", o.client),
        OpKind::Write { value } => format!("the write of {value} by client {}", o.client),
        OpKind::Cas { expected, new, .. } => {
            format!("the cas({expected} -> {new}) by client {}", o.client)
        }
    }
}

fn noun(o: &Operation) -> &'static str {
    match o.kind {
        OpKind::Read { .. } => "read",
        OpKind::Write { .. } => "write",
        OpKind::Cas { .. } => "cas",
    }
}

/// What an observing operation saw: "returned 1", "found the key absent", "succeeded".
fn saw(o: &Operation, seen: Option<Value>) -> String {
    match (o.kind, seen) {
        (OpKind::Cas { .. }, _) => "succeeded".to_string(),
        (_, Some(v)) => format!("returned {v}"),
        (_, None) => "found the key absent".to_string(),
    }
}

/// An operation in a few words, for a diagram: "write(2) → ok", "read() → 1",
/// "write(3) → ?" (unknown outcome).
pub fn short(o: &Operation) -> String {
    let full = call_and_result(o);
    match full.split_once(" -> ") {
        Some((call, result)) => format!("{} → {result}", call.trim_end()),
        None => format!("{} → ?", full.split_whitespace().next().unwrap_or("")),
    }
}

/// "write(2)  ok", "read() -> 1", "cas(1 -> 3) -> failed", or the unknown outcome.
/// An operation's call, without its result: `read()`, `write(3)`, `cas(1 -> 3)`.
pub fn call(o: &Operation) -> String {
    match o.kind {
        OpKind::Read { .. } => "read()".to_string(),
        OpKind::Write { value } => format!("write({value})"),
        OpKind::Cas { expected, new, .. } => format!("cas({expected} -> {new})"),
    }
}

fn call_and_result(o: &Operation) -> String {
    let call = call(o);
    if o.complete_ns.is_none() {
        return format!("{call:<14} timed out: may or may not have taken effect");
    }
    let result = match o.kind {
        OpKind::Read { result: Some(v) } => v.to_string(),
        OpKind::Read { result: None } => "absent".to_string(),
        OpKind::Write { .. } => "ok".to_string(),
        OpKind::Cas { ok: Some(true), .. } => "ok".to_string(),
        OpKind::Cas {
            ok: Some(false), ..
        } => "failed".to_string(),
        OpKind::Cas { ok: None, .. } => "? (result unknown)".to_string(),
    };
    format!("{call:<14} -> {result}")
}

/// The timeline's short label of an operation.
fn label(o: &Operation) -> String {
    match o.kind {
        OpKind::Read { result: Some(v) } => format!("r{v}"),
        OpKind::Read { result: None } => "r-".to_string(),
        OpKind::Write { value } => format!("w{value}"),
        OpKind::Cas { expected, new, ok } => {
            let mark = match ok {
                Some(true) => "",
                Some(false) => "x",
                None => "?",
            };
            format!("c{expected}>{new}{mark}")
        }
    }
}

/// Whether some time has a sub-microsecond part, needing six decimals of a millisecond.
fn needs_fine_times(ops: &[Operation]) -> bool {
    ops.iter()
        .any(|o| o.invoke_ns % 1_000 != 0 || o.complete_ns.is_some_and(|c| c % 1_000 != 0))
}

/// Nanoseconds as milliseconds with 3 decimals (6 when `fine`), by integer arithmetic.
fn ms(ns: u64, fine: bool) -> String {
    if fine {
        format!("{}.{:06}", ns / 1_000_000, ns % 1_000_000)
    } else {
        format!("{}.{:03}", ns / 1_000_000, (ns % 1_000_000) / 1_000)
    }
}

/// Maps times onto timeline columns.
struct Scale {
    t0: u64,
    t1: u64,
    width: usize,
}

impl Scale {
    fn new(ops: &[Operation], width: usize) -> Option<Scale> {
        let t0 = ops.iter().map(|o| o.invoke_ns).min()?;
        let t1 = ops
            .iter()
            .map(|o| o.complete_ns.unwrap_or(o.invoke_ns))
            .max()?;
        Some(Scale { t0, t1, width })
    }

    fn col(&self, t: u64) -> usize {
        let span = u128::from(self.t1.saturating_sub(self.t0).max(1));
        let offset = u128::from(t.saturating_sub(self.t0)).min(span);
        // offset ≤ span, so the column is at most width - 1.
        (offset * (self.width as u128 - 1) / span) as usize
    }
}

/// One operation's bar and label, in columns.
struct Bar {
    start: usize,
    end: usize,
    unknown: bool,
    label: Vec<u8>,
    /// Where the label goes: inside the bar if it fits, else just after it.
    label_at: usize,
}

impl Bar {
    fn new(o: &Operation, scale: &Scale) -> Bar {
        let start = scale.col(o.invoke_ns);
        // `max`: a malformed operation completing before its invocation draws as a point.
        let end = o
            .complete_ns
            .map_or(scale.width - 1, |c| scale.col(c))
            .max(start);
        let label = label(o).into_bytes();
        let label_at = if end > start + label.len() {
            start + 1
        } else {
            end + 1
        };
        Bar {
            start,
            end,
            unknown: o.complete_ns.is_none(),
            label,
            label_at,
        }
    }

    /// The first column it leaves free, with a one-column gap.
    fn extent(&self) -> usize {
        self.end.max(self.label_at + self.label.len() - 1) + 2
    }
}

/// One row of the timeline.
#[derive(Default)]
struct Lane {
    cells: Vec<u8>,
    free_from: usize,
}

impl Lane {
    fn draw(&mut self, bar: &Bar) {
        let extent = bar.extent();
        if self.cells.len() < extent {
            self.cells.resize(extent, b' ');
        }
        for c in &mut self.cells[bar.start..=bar.end] {
            *c = b'-';
        }
        self.cells[bar.start] = b'[';
        self.cells[bar.end] = if bar.unknown { b'>' } else { b']' };
        if bar.start == bar.end && !bar.unknown {
            self.cells[bar.start] = b'|';
        }
        let at = bar.label_at;
        self.cells[at..at + bar.label.len()].copy_from_slice(&bar.label);
        self.free_from = extent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linearizable::{verdict, Verdict};

    const MS: u64 = 1_000_000;

    fn op(id: u64, client: u32, kind: OpKind, invoke: u64, complete: Option<u64>) -> Operation {
        Operation {
            id,
            client,
            key: 3,
            kind,
            invoke_ns: invoke,
            complete_ns: complete,
        }
    }

    fn stale() -> Vec<Operation> {
        vec![
            op(0, 1, OpKind::Write { value: 1 }, 0, Some(MS)),
            op(
                1,
                1,
                OpKind::Write { value: 2 },
                2 * MS,
                Some(3 * MS + 500_000),
            ),
            op(2, 2, OpKind::Read { result: Some(1) }, 4 * MS, Some(5 * MS)),
            op(
                3,
                1,
                OpKind::Cas {
                    expected: 2,
                    new: 3,
                    ok: None,
                },
                4 * MS,
                None,
            ),
            op(4, 1, OpKind::Read { result: None }, 9 * MS, Some(10 * MS)),
        ]
    }

    #[test]
    fn the_table_lists_operations_by_invocation_with_results() {
        let mut ops = stale();
        ops.reverse();
        let table = operations(&ops);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5);
        assert_eq!(
            lines[1],
            "  [     2.000,      3.500] ms  client 1   write(2)       -> ok"
        );
        assert_eq!(
            lines[3],
            "  [     4.000,          ?] ms  client 1   cas(2 -> 3)    timed out: may or may not \
             have taken effect"
        );
        assert!(lines[4].ends_with("read()         -> absent"));
        // Sub-microsecond times switch to six decimals.
        ops[0].complete_ns = Some(10 * MS + 1);
        assert!(operations(&ops).contains("10.000001"));
    }

    #[test]
    fn the_timeline_has_a_row_per_client_and_bars_in_time() {
        let text = timeline(&stale(), 60);
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            rows[0],
            "  client 1  |[w1--]     [w2------]  [c2>3?------------------------------>"
        );
        // The pending CAS overlaps client 1's last read, which takes a second row.
        assert_eq!(rows[1], format!("  client 1  |{}[r----]", " ".repeat(53)));
        assert_eq!(rows[2], format!("  client 2  |{}[r1---]", " ".repeat(23)));
        assert_eq!(
            rows[3].trim(),
            format!("0.000 ms{}10.000 ms", " ".repeat(43))
        );
        assert_eq!(rows[3].len(), 13 + 60);
        assert_eq!(timeline(&[], 60), "");
    }

    #[test]
    fn a_violation_renders_table_timeline_and_reason() {
        let ce = stale()[..3].to_vec();
        let v = Verdict::Violation {
            key: 3,
            explanation: explain(3, &ce),
            counterexample: ce,
        };
        let text = verdict(&v);
        assert!(text.starts_with("key 3: no order of these 3 operations"));
        assert!(text.contains("  client 2  |"));
        assert!(text.contains(
            "why: the read by client 2 returned 1 after the write of 2 by client 1 had \
             completed (at 3.500 ms, before the read began), and no write of 1 could come later"
        ));
    }

    #[test]
    fn explanations_fall_back_to_a_general_sentence() {
        // A failed CAS although the value matched: no specific pattern applies.
        let ops = [
            op(0, 1, OpKind::Write { value: 1 }, 0, Some(MS)),
            op(
                1,
                2,
                OpKind::Cas {
                    expected: 1,
                    new: 2,
                    ok: Some(false),
                },
                2 * MS,
                Some(3 * MS),
            ),
        ];
        assert!(explain(3, &ops).starts_with("no order of these 2 operations respects"));
        let absent = [
            ops[0],
            op(2, 2, OpKind::Read { result: None }, 2 * MS, Some(3 * MS)),
        ];
        assert_eq!(
            explain(3, &absent),
            "the read by client 2 found the key absent after the write of 1 by client 1 had \
             completed (at 1.000 ms, before the read began): it saw an overwritten value"
        );
    }
}
