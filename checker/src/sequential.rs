//! Sequential consistency of key-value register histories: some single order of all the
//! operations keeps each client's operations in the order it issued them and gives every
//! read the latest write before it. Unlike linearizability there is no real-time
//! constraint: a read may return an old value long after a newer write completed, as long
//! as every client sees the writes in one order that respects program order.
//!
//! Sequential consistency is not a per-key property (the per-key orders may not join into
//! one), so the whole history is searched at once with [`RegisterModel`] (the state is the
//! map of every key) and [`Order::ProgramOrder`] (`generic`). An operation whose outcome
//! is unknown may take effect after the client's later operations, or never.
//!
//! A linearizable history is sequentially consistent, and the register checker decides
//! linearizability key by key, fast: that is tried first. The search is exponential at
//! worst, and a long history that is not sequentially
//! consistent can exhaust its budget before it proves it. So the constraints every valid
//! order must respect are checked for a cycle first (`cycles`): when there is one, the
//! search runs only on the small sub-history around it, which decides at once and is
//! shrunk to the counter-example.

use super::generic::{check_generic, GenericConfig, GenericVerdict, Order, TimedOp};
use super::history::{History, OpKind, Operation};
use super::linearizable::{CheckReport, HistoryError, Verdict};
use super::model::{RegisterModel, RegisterOp};

/// Checks a recorded register history for sequential consistency. Operations still in
/// flight when a truncated history was cut are relaxed to unknown outcomes, as the
/// linearizability checker does.
pub fn check_sequential(
    history: &History,
    config: &GenericConfig,
) -> Result<CheckReport, HistoryError> {
    let ops: Vec<TimedOp<RegisterOp>> = history
        .ops
        .iter()
        .map(|o| {
            let mut complete = o.complete_ns;
            if let (Some(c), Some(cut)) = (complete, history.truncated_at_ns) {
                if c >= cut {
                    complete = None;
                }
            }
            TimedOp {
                id: o.id,
                client: o.client,
                op: RegisterOp::of(o),
                invoke_ns: o.invoke_ns,
                complete_ns: complete,
            }
        })
        .collect();
    let search = |ops: &[TimedOp<RegisterOp>]| {
        check_generic(&RegisterModel, ops, Order::ProgramOrder, config).map_err(|e| match e {
            super::generic::GenericError::CompleteBeforeInvoke { id } => {
                HistoryError::CompleteBeforeInvoke { id }
            }
        })
    };
    if let Some(o) = history
        .ops
        .iter()
        .find(|o| o.complete_ns.is_some_and(|c| c < o.invoke_ns))
    {
        return Err(HistoryError::CompleteBeforeInvoke { id: o.id });
    }
    // A linearizable history is sequentially consistent (its linearization keeps program
    // order); the register checker decides that key by key, fast, where the whole-history
    // search below may run out of budget on a long history.
    let quick = super::linearizable::CheckConfig {
        shrink: false,
        ..Default::default()
    };
    if super::linearizable::violates(history, &quick)? == Some(false) {
        // Explaining a violation is the costly part of `check`; there is none here.
        return super::linearizable::check(history, &quick);
    }
    let around_cycle = super::cycles::violating_subhistory(history)
        .map(|sub| search(&sub.iter().map(|&i| ops[i].clone()).collect::<Vec<_>>()))
        .transpose()?
        .filter(|r| matches!(r.verdict, GenericVerdict::Violation { .. }));
    let report = match around_cycle {
        Some(mut r) => {
            r.checked = ops
                .iter()
                .filter(|o| o.complete_ns.is_some() || !matches!(o.op.kind, OpKind::Read { .. }))
                .count();
            r
        }
        None => search(&ops)?,
    };
    let mut keys: Vec<u64> = history.ops.iter().map(|o| o.key).collect();
    keys.sort_unstable();
    keys.dedup();
    let verdict = match report.verdict {
        GenericVerdict::Ok => Verdict::Linearizable,
        GenericVerdict::Unknown { steps } => Verdict::Unknown {
            reason: format!("the budget of {steps} search steps ran out"),
        },
        GenericVerdict::Violation {
            counterexample,
            minimal,
        } => {
            let counterexample: Vec<Operation> = counterexample
                .iter()
                .map(|t| Operation {
                    id: t.id,
                    client: t.client,
                    key: t.op.key,
                    kind: match (t.complete_ns, t.op.kind) {
                        (None, OpKind::Cas { expected, new, .. }) => OpKind::Cas {
                            expected,
                            new,
                            ok: None,
                        },
                        (_, k) => k,
                    },
                    invoke_ns: t.invoke_ns,
                    complete_ns: t.complete_ns,
                })
                .collect();
            let key = counterexample.iter().map(|o| o.key).min().unwrap_or(0);
            let mut explanation = format!(
                "no single order of these {} operations keeps each client's operations in \
                 the order it issued them and gives every read the latest write before it",
                counterexample.len()
            );
            if !minimal {
                explanation.push_str(" (not fully minimised)");
            }
            Verdict::Violation {
                key,
                counterexample,
                explanation,
            }
        }
    };
    Ok(CheckReport {
        verdict,
        checked: report.checked,
        not_recorded: history.not_recorded,
        keys: keys.len(),
        steps: report.steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, client: u32, key: u64, kind: OpKind, i: u64, c: Option<u64>) -> Operation {
        Operation {
            id,
            client,
            key,
            kind,
            invoke_ns: i,
            complete_ns: c,
        }
    }

    fn history(ops: Vec<Operation>) -> History {
        History {
            ops,
            not_recorded: 0,
            truncated_at_ns: None,
        }
    }

    #[test]
    fn a_stale_read_is_sequentially_consistent_but_not_linearizable() {
        let h = history(vec![
            op(0, 0, 1, OpKind::Write { value: 1 }, 0, Some(10)),
            op(1, 1, 1, OpKind::Read { result: None }, 20, Some(30)),
        ]);
        let sc = check_sequential(&h, &GenericConfig::default()).expect("valid");
        assert_eq!(sc.verdict, Verdict::Linearizable);
        let lin = crate::check(&h, &Default::default()).expect("valid");
        assert!(matches!(lin.verdict, Verdict::Violation { .. }));
    }

    #[test]
    fn two_clients_seeing_writes_in_opposite_orders_are_caught() {
        // Client 2 sees x=1 then x=2; client 3 sees x=2 then x=1: no single order.
        let w = |v| OpKind::Write { value: v };
        let r = |v| OpKind::Read { result: Some(v) };
        let h = history(vec![
            op(0, 0, 1, w(1), 0, Some(1)),
            op(1, 1, 1, w(2), 0, Some(1)),
            op(2, 2, 1, r(1), 2, Some(3)),
            op(3, 2, 1, r(2), 4, Some(5)),
            op(4, 3, 1, r(2), 2, Some(3)),
            op(5, 3, 1, r(1), 4, Some(5)),
        ]);
        let sc = check_sequential(&h, &GenericConfig::default()).expect("valid");
        let Verdict::Violation { counterexample, .. } = sc.verdict else {
            panic!("expected a violation, got {:?}", sc.verdict)
        };
        assert_eq!(counterexample.len(), 6, "every operation is needed");
    }

    #[test]
    fn program_order_is_enforced_across_keys() {
        // Client 0 writes x then y; client 1 reads y's new value then x's old one.
        let h = history(vec![
            op(0, 0, 1, OpKind::Write { value: 1 }, 0, Some(1)),
            op(1, 0, 2, OpKind::Write { value: 1 }, 2, Some(3)),
            op(2, 1, 2, OpKind::Read { result: Some(1) }, 0, Some(10)),
            op(3, 1, 1, OpKind::Read { result: None }, 11, Some(12)),
        ]);
        let sc = check_sequential(&h, &GenericConfig::default()).expect("valid");
        assert!(
            matches!(sc.verdict, Verdict::Violation { .. }),
            "{:?}",
            sc.verdict
        );
        // Found as a cycle (write x → write y → read y → read x absent → write x).
        assert!(crate::cycles::violating_subhistory(&h).is_some());
        // Each key on its own is sequentially consistent: the violation needs both.
        for key in [1, 2] {
            let one = history(h.ops.iter().filter(|o| o.key == key).copied().collect());
            let sc = check_sequential(&one, &GenericConfig::default()).expect("valid");
            assert_eq!(sc.verdict, Verdict::Linearizable, "key {key}");
        }
    }
}
