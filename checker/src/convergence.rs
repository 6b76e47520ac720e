//! Eventual convergence of a replicated counter or grow-only set: once updates stop and
//! messages flow, every replica must end in the same state, and that state must be the
//! merge of the updates clients were told succeeded (plus, possibly, some of those whose
//! outcome they never learned), and nothing else.
//!
//! The input is what an observer sampled: each replica's state at regular instants
//! ([`Sample`]), and the updates with their outcome ([`Update`]). The verdict names the
//! replicas that disagree or the acknowledged updates that were lost, and the time to
//! convergence: the first sampling instant from which every live replica held the final
//! state at every later sample, measured from the last update's completion.
//!
//! For a counter, the final value must lie between the sum of acknowledged additions and
//! that sum plus every addition with an unknown outcome (the check does not search which
//! subset: an interval, exact when no outcome is unknown). For a set, the final set must
//! contain every acknowledged insert and nothing that was never inserted.

use std::collections::BTreeSet;

/// A replica's state as sampled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// A counter's value.
    Counter(i64),
    /// A set's elements.
    Set(BTreeSet<u64>),
    /// The replica was down at that instant.
    Down,
}

/// One update a client issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    /// The amount added (counter) or the element inserted (set, as a non-negative value).
    pub value: i64,
    /// `true` when the client was told it succeeded; `false` for an unknown outcome.
    pub acknowledged: bool,
    /// When the client invoked it, in nanoseconds.
    pub invoke_ns: u64,
    /// When it completed (`None`: unknown outcome).
    pub complete_ns: Option<u64>,
}

/// Every replica's state at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The instant, in nanoseconds.
    pub at_ns: u64,
    /// One state per replica, in replica order.
    pub replicas: Vec<Observed>,
}

/// The convergence verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Convergence {
    /// Every replica ended in the same, correct state.
    Converged {
        /// The first sampling instant from which every live replica held the final state.
        at_ns: u64,
        /// From the last update's completion (or invocation, if none completed) to `at_ns`;
        /// zero when the replicas already agreed then.
        after_last_update_ns: u64,
    },
    /// The replicas ended in different states.
    Diverged {
        /// Each replica's final state.
        finals: Vec<Observed>,
    },
    /// The replicas agree, but on a wrong state.
    Wrong {
        /// Their common final state.
        value: Observed,
        /// Why it is wrong, for a person.
        reason: String,
    },
    /// Nothing to judge: no sample with a live replica.
    NoSamples,
}

impl Convergence {
    /// `converged`, `diverged`, `wrong` or `no samples`.
    pub fn word(&self) -> &'static str {
        match self {
            Convergence::Converged { .. } => "converged",
            Convergence::Diverged { .. } => "diverged",
            Convergence::Wrong { .. } => "wrong",
            Convergence::NoSamples => "no samples",
        }
    }

    /// One sentence for a person.
    pub fn explain(&self) -> String {
        let ms = |ns: u64| format!("{}.{:03} ms", ns / 1_000_000, (ns / 1_000) % 1_000);
        match self {
            Convergence::Converged {
                at_ns,
                after_last_update_ns,
            } => format!(
                "every replica holds the merge of the acknowledged updates from {} on, {} \
                 after the last update",
                ms(*at_ns),
                ms(*after_last_update_ns)
            ),
            Convergence::Diverged { finals } => {
                format!(
                    "the replicas ended in different states: {}",
                    differences(finals)
                )
            }
            Convergence::Wrong { value, reason } => {
                format!("the replicas agree on {}, but {reason}", brief(value))
            }
            Convergence::NoSamples => "no replica was ever sampled alive".to_string(),
        }
    }
}

/// Most elements a difference lists before it says how many more there are.
const SHOWN: usize = 8;

/// `[1, 2, 3, … and 40 more]`.
fn listed(items: impl ExactSizeIterator<Item = u64>) -> String {
    let n = items.len();
    let mut parts: Vec<String> = items.take(SHOWN).map(|v| v.to_string()).collect();
    if n > SHOWN {
        parts.push(format!("… and {} more", n - SHOWN));
    }
    format!("[{}]", parts.join(", "))
}

/// A state in a few words: a counter's value, a set's size and its first elements.
fn brief(o: &Observed) -> String {
    match o {
        Observed::Counter(v) => v.to_string(),
        Observed::Set(s) => format!(
            "a set of {} elements {}",
            s.len(),
            listed(s.iter().copied())
        ),
        Observed::Down => "down".to_string(),
    }
}

/// How the replicas' final states differ, replica by replica, without printing whole sets:
/// counters by value; sets against the union of all of them (what each one lacks, by count
/// and first elements).
pub fn differences(finals: &[Observed]) -> String {
    let union: BTreeSet<u64> = finals
        .iter()
        .filter_map(|o| match o {
            Observed::Set(s) => Some(s.iter().copied()),
            _ => None,
        })
        .flatten()
        .collect();
    let parts: Vec<String> = finals
        .iter()
        .enumerate()
        .map(|(r, o)| match o {
            Observed::Counter(v) => format!("replica {r} = {v}"),
            Observed::Down => format!("replica {r} down"),
            Observed::Set(s) if s.len() == union.len() => {
                format!("replica {r} has all {} elements", s.len())
            }
            Observed::Set(s) => {
                let missing: Vec<u64> = union.difference(s).copied().collect();
                format!(
                    "replica {r} has {} and lacks {} {}",
                    s.len(),
                    missing.len(),
                    listed(missing.iter().copied())
                )
            }
        })
        .collect();
    format!(
        "{} (of {} elements seen in all)",
        parts.join("; "),
        union.len()
    )
    .replace(" (of 0 elements seen in all)", "")
}

/// Checks a counter's convergence.
pub fn check_counter(updates: &[Update], samples: &[Sample]) -> Convergence {
    let low: i64 = updates
        .iter()
        .filter(|u| u.acknowledged)
        .map(|u| u.value)
        .sum();
    let extra: Vec<i64> = updates
        .iter()
        .filter(|u| !u.acknowledged)
        .map(|u| u.value)
        .collect();
    let high = low + extra.iter().filter(|v| **v > 0).sum::<i64>();
    let low_bound = low + extra.iter().filter(|v| **v < 0).sum::<i64>();
    judge(updates, samples, |final_state| match final_state {
        Observed::Counter(v) if (low_bound..=high).contains(v) => None,
        Observed::Counter(v) if extra.is_empty() => {
            Some(format!("the acknowledged additions sum to {low}, not {v}"))
        }
        Observed::Counter(v) => Some(format!(
            "{v} is outside [{low_bound}, {high}]: the acknowledged additions sum to {low}, and \
             those with an unknown outcome could add at most {}",
            high - low
        )),
        other => Some(format!("{other:?} is not a counter")),
    })
}

/// Checks a grow-only set's convergence.
pub fn check_set(updates: &[Update], samples: &[Sample]) -> Convergence {
    let must: BTreeSet<u64> = updates
        .iter()
        .filter(|u| u.acknowledged)
        .map(|u| u.value as u64)
        .collect();
    let may: BTreeSet<u64> = updates.iter().map(|u| u.value as u64).collect();
    judge(updates, samples, |final_state| match final_state {
        Observed::Set(s) => {
            if let Some(lost) = must.difference(s).next() {
                Some(format!("the acknowledged insert of {lost} is missing"))
            } else {
                s.difference(&may)
                    .next()
                    .map(|x| format!("{x} was never inserted"))
            }
        }
        other => Some(format!("{other:?} is not a set")),
    })
}

fn judge(
    updates: &[Update],
    samples: &[Sample],
    wrong: impl Fn(&Observed) -> Option<String>,
) -> Convergence {
    let live = |s: &Sample| -> Vec<Observed> {
        s.replicas
            .iter()
            .filter(|o| **o != Observed::Down)
            .cloned()
            .collect()
    };
    let Some(last) = samples.iter().rev().find(|s| !live(s).is_empty()) else {
        return Convergence::NoSamples;
    };
    let finals = live(last);
    if finals.iter().any(|o| *o != finals[0]) {
        return Convergence::Diverged {
            finals: last.replicas.clone(),
        };
    }
    let value = finals[0].clone();
    if let Some(reason) = wrong(&value) {
        return Convergence::Wrong { value, reason };
    }
    // Walk back while every live replica holds the final state.
    let mut at_ns = last.at_ns;
    for s in samples.iter().rev() {
        if s.at_ns > last.at_ns {
            continue;
        }
        if live(s).iter().all(|o| *o == value) {
            at_ns = s.at_ns;
        } else {
            break;
        }
    }
    let last_update = updates
        .iter()
        .map(|u| u.complete_ns.unwrap_or(u.invoke_ns))
        .max()
        .unwrap_or(0);
    Convergence::Converged {
        at_ns,
        after_last_update_ns: at_ns.saturating_sub(last_update),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(value: i64, acknowledged: bool, at: u64) -> Update {
        Update {
            value,
            acknowledged,
            invoke_ns: at,
            complete_ns: acknowledged.then_some(at + 1),
        }
    }

    fn sample(at_ns: u64, values: &[i64]) -> Sample {
        Sample {
            at_ns,
            replicas: values.iter().map(|v| Observed::Counter(*v)).collect(),
        }
    }

    #[test]
    fn a_counter_that_catches_up_converges_when_the_last_replica_does() {
        let updates = [add(2, true, 0), add(3, true, 10)];
        let samples = [
            sample(5, &[2, 0, 2]),
            sample(20, &[5, 2, 5]),
            sample(30, &[5, 5, 5]),
            sample(40, &[5, 5, 5]),
        ];
        let c = check_counter(&updates, &samples);
        assert_eq!(
            c,
            Convergence::Converged {
                at_ns: 30,
                after_last_update_ns: 19
            }
        );
    }

    #[test]
    fn a_lost_acknowledged_add_is_wrong_even_when_replicas_agree() {
        let updates = [add(2, true, 0), add(3, true, 10)];
        let c = check_counter(&updates, &[sample(50, &[2, 2])]);
        assert!(matches!(c, Convergence::Wrong { .. }), "{c:?}");
    }

    #[test]
    fn unknown_outcomes_widen_the_accepted_interval() {
        let updates = [add(2, true, 0), add(3, false, 10)];
        for v in [2, 5] {
            let c = check_counter(&updates, &[sample(50, &[v, v])]);
            assert_eq!(c.word(), "converged", "{v}");
        }
        let c = check_counter(&updates, &[sample(50, &[6, 6])]);
        assert_eq!(c.word(), "wrong");
    }

    #[test]
    fn replicas_ending_apart_diverge_and_down_ones_are_ignored() {
        let updates = [add(1, true, 0)];
        let c = check_counter(&updates, &[sample(50, &[1, 0])]);
        assert_eq!(c.word(), "diverged");
        let s = Sample {
            at_ns: 50,
            replicas: vec![Observed::Counter(1), Observed::Down],
        };
        assert_eq!(check_counter(&updates, &[s]).word(), "converged");
    }

    #[test]
    fn a_set_must_hold_exactly_the_inserts() {
        let ins = |v: i64, ack| add(v, ack, 0);
        let set = |xs: &[u64]| Sample {
            at_ns: 9,
            replicas: vec![Observed::Set(xs.iter().copied().collect()); 2],
        };
        let updates = [ins(1, true), ins(2, false)];
        assert_eq!(check_set(&updates, &[set(&[1])]).word(), "converged");
        assert_eq!(check_set(&updates, &[set(&[1, 2])]).word(), "converged");
        assert_eq!(check_set(&updates, &[set(&[2])]).word(), "wrong");
        assert_eq!(check_set(&updates, &[set(&[1, 7])]).word(), "wrong");
    }

    #[test]
    fn diverged_sets_are_explained_by_their_differences_not_their_contents() {
        let big: BTreeSet<u64> = (0..1000).collect();
        let mut less = big.clone();
        for v in [3, 500, 501] {
            less.remove(&v);
        }
        let c = Convergence::Diverged {
            finals: vec![Observed::Set(big), Observed::Set(less), Observed::Down],
        };
        let text = c.explain();
        assert!(text.contains("replica 0 has all 1000 elements"), "{text}");
        assert!(
            text.contains("replica 1 has 997 and lacks 3 [3, 500, 501]"),
            "{text}"
        );
        assert!(text.contains("replica 2 down"), "{text}");
        assert!(text.len() < 300, "{text}");
        let many: BTreeSet<u64> = (0..20).collect();
        let d = differences(&[Observed::Set(many), Observed::Set(BTreeSet::new())]);
        assert!(
            d.contains("lacks 20 [0, 1, 2, 3, 4, 5, 6, 7, … and 12 more]"),
            "{d}"
        );
        let counters = differences(&[Observed::Counter(5), Observed::Counter(3)]);
        assert_eq!(counters, "replica 0 = 5; replica 1 = 3");
    }
}
