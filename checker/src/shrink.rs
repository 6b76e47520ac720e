//! Shrinking a violating key history to a counter-example a student can read: delta
//! debugging over chunks, then single operations, keeping a removal whenever what is left
//! is still not linearizable.
//!
//! **Only sound removals.** Removing an operation must never *create* a violation, or the
//! counter-example would blame the system for something it did not do: dropping the write
//! of 1 turns "a read of 1" into "a read of a value never written". A linearizable history
//! stays linearizable when an operation that changes nothing (a read, a failed CAS) is
//! removed, and also when a write of `v` is removed provided nothing left observes `v` (no
//! read returned `v`, no successful or unknown-outcome CAS expected `v`) and no completed
//! CAS with a failed or unreported result is left (its outcome depends on the value it met,
//! so it counts as observing everything). Only such removals are tried, so every counter-example is a real
//! consequence of the full history; it is 1-minimal among them: removing any one operation
//! that may soundly go makes it linearizable.

use super::history::{observed_value, written_value, OpKind, Operation, Value};
use super::search::{search, Search};
use std::collections::HashMap;

/// A shrunk sub-history.
pub(crate) struct Shrunk {
    /// The operations kept.
    pub(crate) ops: Vec<Operation>,
    /// False when the check limit stopped shrinking early.
    pub(crate) minimal: bool,
}

/// Shrinks `ops` (one key, not linearizable), checking each candidate within `budget`
/// steps and at most `max_checks` candidates in all.
pub(crate) fn shrink(ops: &[Operation], budget: u64, max_checks: u32) -> Shrunk {
    let mut cur = ops.to_vec();
    let mut checks = 0u32;
    let mut chunk = (cur.len() / 2).max(1);
    loop {
        let mut removed_any = false;
        let mut start = 0;
        while start < cur.len() {
            if checks >= max_checks {
                return Shrunk {
                    ops: cur,
                    minimal: false,
                };
            }
            let end = (start + chunk).min(cur.len());
            if let Some(smaller) = try_remove(&cur, start, end, budget, &mut checks) {
                cur = smaller;
                removed_any = true;
            } else {
                start = end;
            }
        }
        if chunk == 1 && !removed_any {
            return Shrunk {
                ops: cur,
                minimal: true,
            };
        }
        // Removing an observer can free the write it observed: at single operations,
        // repeat until nothing more goes.
        chunk = (chunk / 2).max(1);
    }
}

/// `ops` without `ops[start..end]`, if that removal is sound and leaves a violation.
fn try_remove(
    ops: &[Operation],
    start: usize,
    end: usize,
    budget: u64,
    checks: &mut u32,
) -> Option<Vec<Operation>> {
    let removed = &ops[start..end];
    let rest: Vec<Operation> = ops[..start].iter().chain(&ops[end..]).copied().collect();
    if rest.is_empty() || !removable(&rest, removed) {
        return None;
    }
    *checks += 1;
    (search(&rest, budget, &mut 0) == Search::Violation).then_some(rest)
}

/// Whether removing `removed` from a history leaving `rest` keeps every linearizable
/// history linearizable (see the module documentation).
pub(crate) fn removable(rest: &[Operation], removed: &[Operation]) -> bool {
    let written: Vec<Value> = removed.iter().filter_map(written_value).collect();
    written.is_empty() || !rest.iter().any(|o| observes_any(o, &written))
}

/// Drops the operations with an unknown outcome that no remaining operation could have
/// observed: an unknown-outcome write of `v`, or CAS swapping in `v`, when nothing read
/// `v` or expected it. Such an operation may be left out of any linearization (it is
/// optional) and leaving it out breaks none (the removal is sound, as above), so the
/// history is linearizable with it iff without it. Pruning them matters because each
/// pending operation doubles the configurations a failing search must visit. Nothing is
/// pruned when a completed CAS failed or has no reported result, as it observes everything.
pub(crate) fn prune_unobserved(ops: Vec<Operation>) -> Vec<Operation> {
    if ops.iter().any(|o| observes_any(o, &[])) {
        return ops;
    }
    let mut observers: HashMap<Value, usize> = HashMap::new();
    let mut optional: HashMap<Value, Vec<usize>> = HashMap::new();
    for (i, o) in ops.iter().enumerate() {
        if let Some(v) = observed_value(o) {
            *observers.entry(v).or_default() += 1;
        }
        if let (None, Some(v)) = (o.complete_ns, written_value(o)) {
            optional.entry(v).or_default().push(i);
        }
    }
    let mut queue: Vec<Value> = optional
        .keys()
        .filter(|v| !observers.contains_key(v))
        .copied()
        .collect();
    let mut keep = vec![true; ops.len()];
    while let Some(v) = queue.pop() {
        for i in optional.remove(&v).unwrap_or_default() {
            keep[i] = false;
            // A pruned unknown CAS no longer observes its expected value.
            let Some(e) = observed_value(&ops[i]) else {
                continue;
            };
            if let Some(count) = observers.get_mut(&e) {
                *count -= 1;
                if *count == 0 {
                    observers.remove(&e);
                    if optional.contains_key(&e) {
                        queue.push(e);
                    }
                }
            }
        }
    }
    ops.into_iter()
        .zip(keep)
        .filter_map(|(o, k)| k.then_some(o))
        .collect()
}

/// Whether `op`'s validity may change when the register holds something other than one of
/// `values` where it held one of them; always for a completed CAS that failed or has no
/// reported result (it depends on every value), even with `values` empty.
fn observes_any(op: &Operation, values: &[Value]) -> bool {
    match op.kind {
        // An unknown-outcome CAS may be left out of a linearization: it depends only on
        // finding its expected value, the one case in which it did something.
        OpKind::Read { .. } | OpKind::Write { .. } => {
            observed_value(op).is_some_and(|v| values.contains(&v))
        }
        OpKind::Cas { .. } => observed_value(op).is_none_or(|v| values.contains(&v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, kind: OpKind, invoke: u64, complete: u64) -> Operation {
        Operation {
            id,
            client: id as u32,
            key: 0,
            kind,
            invoke_ns: invoke,
            complete_ns: Some(complete),
        }
    }

    #[test]
    fn a_stale_read_keeps_the_write_it_read() {
        // Plain delta debugging would drop the write of 1 and blame a "read of a value
        // never written"; the write of 1 must stay because the read observed it.
        let ops = vec![
            op(0, OpKind::Write { value: 1 }, 0, 1),
            op(1, OpKind::Read { result: Some(1) }, 2, 3),
            op(2, OpKind::Write { value: 2 }, 4, 5),
            op(3, OpKind::Read { result: Some(2) }, 6, 7),
            op(4, OpKind::Read { result: Some(1) }, 8, 9),
        ];
        let s = shrink(&ops, 10_000, 1_000);
        let ids: Vec<u64> = s.ops.iter().map(|o| o.id).collect();
        assert_eq!(ids, vec![0, 2, 4]);
        assert!(s.minimal);
    }

    #[test]
    fn removal_rules() {
        let w1 = op(0, OpKind::Write { value: 1 }, 0, 1);
        let r1 = op(1, OpKind::Read { result: Some(1) }, 2, 3);
        let r_absent = op(2, OpKind::Read { result: None }, 2, 3);
        let failed = op(
            3,
            OpKind::Cas {
                expected: 5,
                new: 6,
                ok: Some(false),
            },
            2,
            3,
        );
        assert!(!removable(&[r1], &[w1]));
        assert!(removable(&[r_absent], &[w1]));
        assert!(!removable(&[failed], &[w1]));
        assert!(removable(&[w1], &[r1, failed]));
        assert_eq!(written_value(&failed), None);
    }

    #[test]
    fn unobserved_unknown_outcome_writes_are_pruned() {
        let pending = |id, kind| Operation {
            complete_ns: None,
            ..op(id, kind, 0, 0)
        };
        let unread = pending(0, OpKind::Write { value: 1 });
        let read = pending(1, OpKind::Write { value: 2 });
        let r2 = op(2, OpKind::Read { result: Some(2) }, 5, 6);
        // The unknown CAS observes 3, so the write of 3 stays until the CAS goes.
        let w3 = pending(3, OpKind::Write { value: 3 });
        let c34 = pending(
            4,
            OpKind::Cas {
                expected: 3,
                new: 4,
                ok: None,
            },
        );
        let kept = prune_unobserved(vec![unread, read, r2, w3, c34]);
        let ids: Vec<u64> = kept.iter().map(|o| o.id).collect();
        assert_eq!(ids, vec![1, 2]);
        // A failed CAS depends on every value: nothing is pruned.
        let failed = op(
            5,
            OpKind::Cas {
                expected: 9,
                new: 10,
                ok: Some(false),
            },
            0,
            1,
        );
        assert_eq!(prune_unobserved(vec![unread, failed]).len(), 2);
    }

    #[test]
    fn the_check_limit_stops_shrinking_early() {
        let mut ops: Vec<Operation> = (0..20)
            .map(|i| op(i, OpKind::Read { result: None }, i * 10, i * 10 + 1))
            .collect();
        ops.push(op(20, OpKind::Read { result: Some(9) }, 300, 301));
        let s = shrink(&ops, 10_000, 1);
        assert!(!s.minimal);
        assert!(s.ops.len() > 1);
        let s = shrink(&ops, 10_000, 1_000);
        assert!(s.minimal);
        assert_eq!(s.ops.len(), 1);
    }
}
