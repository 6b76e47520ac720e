//! Twin-run check: run the same setup twice and, on a divergence, name the first event that
//! differs. For users whose own node code leaks nondeterminism (hash-order iteration, wall
//! clock, a global RNG).
//!
//! The two simulations run in lockstep, one event each at a time, and their digests are
//! compared after every event: the first event after which they differ is the culprit (or
//! one run ends earlier than the other). Nothing is rerun, so a leak that changes from run
//! to run is still caught at its first effect, and memory stays constant.

use crate::simulation::{EventRecord, RunLimits, Simulation};
use std::fmt::{self, Debug};

/// The verdict of a twin run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TwinVerdict {
    /// Both runs processed the same events: same digest, same count.
    Identical {
        /// The common digest.
        digest: u64,
        /// Events processed by each run.
        events: u64,
    },
    /// The runs parted.
    Diverged(Divergence),
}

/// Where two runs parted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// Index of the first event after which the digests differ.
    pub index: u64,
    /// The event as the first run saw it (`None` when that run had ended).
    pub first: Option<EventRecord>,
    /// The event as the second run saw it.
    pub second: Option<EventRecord>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |r: &Option<EventRecord>| match r {
            Some(r) => format!(
                "t={} node={} {}{} {}",
                r.time,
                r.target.map_or("engine".to_string(), |n| n.0.to_string()),
                r.kind,
                r.source.map_or(String::new(), |n| format!(" from={}", n.0)),
                r.detail
            ),
            None => "(run ended)".to_string(),
        };
        write!(
            f,
            "runs diverge at event #{}:\n  first run:  {}\n  second run: {}",
            self.index,
            show(&self.first),
            show(&self.second)
        )
    }
}

/// Builds the simulation twice with `build`, runs both to `limits` in lockstep and compares
/// them after every event.
pub fn twin_run<M, W>(build: impl Fn() -> Simulation<M, W>, limits: RunLimits) -> TwinVerdict
where
    M: Clone + Debug + 'static,
{
    twin_run_by(build, limits, Simulation::digest)
}

/// `twin_run`, comparing `digest_of` each run instead of the engine's digest alone: a model
/// that also folds what its components computed (values read, outcomes) into its world
/// finds divergences that leave the order of events alone.
pub fn twin_run_by<M, W>(
    build: impl Fn() -> Simulation<M, W>,
    limits: RunLimits,
    digest_of: impl Fn(&Simulation<M, W>) -> u64,
) -> TwinVerdict
where
    M: Clone + Debug + 'static,
{
    let (mut a, mut b) = (build(), build());
    loop {
        let index = a.events_processed();
        let (ra, rb) = (a.step_within(limits), b.step_within(limits));
        let same = digest_of(&a) == digest_of(&b);
        match (ra.is_ok(), rb.is_ok()) {
            (false, false) if same => {
                return TwinVerdict::Identical {
                    digest: digest_of(&a),
                    events: a.events_processed(),
                };
            }
            (true, true) if same => continue,
            (ok_a, ok_b) => {
                return TwinVerdict::Diverged(Divergence {
                    index,
                    first: if ok_a { a.last_event() } else { None },
                    second: if ok_b { b.last_event() } else { None },
                });
            }
        }
    }
}
