//! Many seeds under a nemesis, and the shrinking of a failing seed's faults.
//!
//! [`run_seeds`] runs the node once per seed, each under the setup's own faults plus the
//! faults the nemesis draws for that seed, and judges each history. [`shrink`] takes the
//! first failing seed's drawn faults and reduces them by delta debugging (ddmin: halves,
//! then quarters, ... of the list, and their complements), then halves each remaining
//! fault's duration, keeping every change after which the same seed still fails the same
//! way (`violated` stays `violated`, `panicked` stays `panicked`). Every candidate is a
//! full rerun, so the shrunk schedule is a real counter-example: replayed with the same
//! seed (`--faults FILE --seed N`), it fails again.

use crate::error::LabError;
use crate::harness::{self, RunOptions};
use crate::nemesis::Nemesis;
use crate::node::Node;
use crate::setup::Setup;
use crate::verdict::judge;
use models::chaos::{self, StillFails};
use models::scenario::FaultSpec;

/// One seed's run.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// The verdict's word: `holds`, `violated`, `unknown` or `panicked`.
    pub word: &'static str,
    /// The verdict's line.
    pub summary: String,
    /// Faults the run faced (the setup's and the nemesis's).
    pub faults: usize,
    /// The run's digest.
    pub digest: u64,
}

impl SeedResult {
    /// Whether the seed broke the property (or the node panicked).
    pub fn failed(&self) -> bool {
        matches!(self.word, "violated" | "panicked")
    }
}

/// Runs `N` under `base` and the nemesis for each seed (with `fixed` faults instead of the
/// drawn ones, when given), calling `each` after every seed; the results in seed order.
pub fn run_seeds<N: Node>(
    base: &Setup,
    nemesis: &Nemesis,
    fixed: Option<&[FaultSpec]>,
    seeds: impl Iterator<Item = u64>,
    each: &mut dyn FnMut(&SeedResult),
) -> Result<Vec<SeedResult>, LabError> {
    let mut out = Vec::new();
    for seed in seeds {
        let setup = nemesis.apply(base, seed, fixed);
        let r = run_one::<N>(&setup, seed)?;
        each(&r);
        out.push(r);
    }
    Ok(out)
}

/// One run of `setup` under `seed`, judged.
pub fn run_one<N: Node>(setup: &Setup, seed: u64) -> Result<SeedResult, LabError> {
    let options = RunOptions {
        seed: Some(seed),
        ..RunOptions::default()
    };
    let run = harness::run::<N>(setup, &options, &mut std::io::sink())?;
    let verdict = judge(setup, &run);
    Ok(SeedResult {
        seed,
        word: verdict.word,
        summary: verdict.summary,
        faults: setup.faults.len(),
        digest: run.digest,
    })
}

/// A shrunk schedule: the faults left (to run instead of the drawn ones, after the
/// setup's own), the reruns spent, and whether the budget ran out first.
pub use models::chaos::Shrunk;

/// Shrinks `faults` (the drawn faults of a run of `N` under `base`, the nemesis and `seed`
/// that ended with the verdict word `word`) with at most `budget` reruns.
pub fn shrink<N: Node>(
    base: &Setup,
    nemesis: &Nemesis,
    seed: u64,
    faults: &[FaultSpec],
    word: &str,
    budget: usize,
) -> Result<Shrunk, LabError> {
    let mut runs = 0usize;
    let mut test = |candidate: &[FaultSpec]| -> Result<Option<bool>, LabError> {
        if runs >= budget {
            return Ok(None);
        }
        runs += 1;
        let setup = nemesis.apply(base, seed, Some(candidate));
        Ok(Some(run_one::<N>(&setup, seed)?.word == word))
    };
    let (faults, exhausted) = ddmin(faults, &mut test)?;
    Ok(Shrunk {
        faults,
        runs,
        budget_exhausted: exhausted,
    })
}

/// Delta debugging over `items` with `fails` (`None`: out of budget), then durations halved
/// one fault at a time; the smallest list found that still fails, and whether the budget
/// ran out first.
fn ddmin(
    items: &[FaultSpec],
    fails: &mut StillFails<'_, LabError>,
) -> Result<(Vec<FaultSpec>, bool), LabError> {
    // The setup's own faults may be enough on their own.
    match fails(&[])? {
        None => return Ok((items.to_vec(), true)),
        Some(true) => return Ok((Vec::new(), false)),
        Some(false) => {}
    }
    let (current, exhausted) = chaos::ddmin(items.to_vec(), fails)?;
    if exhausted {
        return Ok((current, true));
    }
    chaos::halve_durations(current, fails)
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::scenario::FaultAction;

    fn crash(at: f64, target: &str) -> FaultSpec {
        FaultSpec {
            at_s: at,
            duration_s: Some(4.0),
            action: FaultAction::Crash {
                target: target.to_string(),
            },
        }
    }

    #[test]
    fn ddmin_keeps_exactly_the_faults_needed_and_shortens_them() {
        // "Fails" when kv#1 and kv#2 both crash, each for at least 0.4 s.
        let all: Vec<FaultSpec> = (0..9)
            .map(|i| crash(f64::from(i), &format!("kv#{}", i % 4)))
            .collect();
        let mut calls = 0;
        let mut fails = |c: &[FaultSpec]| -> Result<Option<bool>, LabError> {
            calls += 1;
            let has = |t: &str| {
                c.iter().any(|f| {
                    f.duration_s.is_some_and(|d| d >= 0.4)
                        && matches!(&f.action, FaultAction::Crash { target } if target == t)
                })
            };
            Ok(Some(has("kv#1") && has("kv#2")))
        };
        let (left, exhausted) = ddmin(&all, &mut fails).expect("no error");
        assert!(!exhausted);
        assert_eq!(left.len(), 2, "{left:?}");
        assert!(left.iter().all(|f| f.duration_s == Some(0.5)), "{left:?}");
        // A budget of 3 runs stops early and says so.
        let mut budget = 3;
        let mut tight = |c: &[FaultSpec]| -> Result<Option<bool>, LabError> {
            if budget == 0 {
                return Ok(None);
            }
            budget -= 1;
            Ok(Some(c.len() > 4))
        };
        let (_, exhausted) = ddmin(&all, &mut tight).expect("no error");
        assert!(exhausted);
    }
}
