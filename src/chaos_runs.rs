//! `caplab chaos` as data: every (design, seed) run under its chaos schedule with its
//! invariants judged ([`check_all`]), a failing run's schedule shrunk and replayed
//! ([`counterexample`]), and the summary written as `chaos.json` ([`summary_json`]).

use crate::replicate::{self, ReplicationError};
use models::chaos::{self, Shrunk, Violation};
use models::error::RunError;
use models::plan::Checked;
use models::scenario::{Design, Scenario};
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

/// One run's verdict.
#[derive(Clone, Debug)]
pub struct RunVerdict {
    /// The run's digest (`panicked` when the model panicked).
    pub digest: String,
    /// Every invariant it broke.
    pub violations: Vec<Violation>,
}

/// Runs every (design, seed) on `jobs` threads; `out[design][seed]`, whatever the threads.
pub fn check_all(
    scenario: &Checked,
    designs: &[&Design],
    seeds: &[u64],
    jobs: usize,
) -> Result<Vec<Vec<RunVerdict>>, ReplicationError> {
    let tasks = designs.len() * seeds.len();
    let slots: Vec<Mutex<Option<Result<RunVerdict, RunError>>>> =
        (0..tasks).map(|_| Mutex::new(None)).collect();
    let stop = AtomicBool::new(false);
    replicate::parallel(tasks, jobs, &stop, |i| {
        let (d, k) = (i / seeds.len(), i % seeds.len());
        let result = chaos::check_run(scenario, designs[d], seeds[k]).map(|c| RunVerdict {
            digest: c
                .result
                .map_or_else(|| "panicked".to_string(), |r| r.digest),
            violations: c.violations,
        });
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    });
    let mut out: Vec<Vec<RunVerdict>> = designs.iter().map(|_| Vec::new()).collect();
    for (i, slot) in slots.into_iter().enumerate() {
        let (d, k) = (i / seeds.len(), i % seeds.len());
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(Ok(c)) => out[d].push(c),
            Some(Err(source)) => {
                return Err(ReplicationError::Run {
                    design: designs[d].name.clone(),
                    seed: seeds[k],
                    source,
                })
            }
            None => return Err(ReplicationError::Incomplete),
        }
    }
    Ok(out)
}

/// A failing run's chaos schedule, shrunk and replayed.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// Chaos faults the seed drew.
    pub generated: usize,
    /// The schedule left after shrinking.
    pub shrunk: Shrunk,
    /// The plain scenario that replays it (chaos off, faults explicit, its own name).
    pub replay: Scenario,
    /// The violation of the same invariant on replay (`None`: it did not reproduce).
    pub reproduced: Option<Violation>,
}

/// Shrinks the chaos schedule of `design`'s run under `seed` that broke `invariant` (at
/// most `budget` reruns) and replays the result; `None` when the seed drew no chaos fault
/// (the file's own faults break it: nothing to shrink).
pub fn counterexample(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    invariant: &str,
    budget: usize,
) -> Result<Option<Counterexample>, RunError> {
    let generated = chaos::schedule(scenario, seed);
    if generated.is_empty() {
        return Ok(None);
    }
    let shrunk = chaos::shrink(scenario, design, seed, &generated, invariant, budget)?;
    let replay = chaos::replay(scenario, &design.name, seed, &shrunk.faults);
    let checked = Checked::new(replay.clone()).map_err(|refused| RunError::Refused {
        what: "the replay scenario",
        refused,
    })?;
    let again = chaos::check_run(&checked, design, seed)?;
    let reproduced = again
        .violations
        .into_iter()
        .find(|v| v.invariant == invariant);
    Ok(Some(Counterexample {
        generated: generated.len(),
        shrunk,
        replay,
        reproduced,
    }))
}

/// `chaos.json`: every run's seed, digest and violations, per design.
pub fn summary_json(
    scenario: &Scenario,
    designs: &[&Design],
    seeds: &[u64],
    verdicts: &[Vec<RunVerdict>],
) -> Value {
    let per_design: Vec<Value> = designs
        .iter()
        .zip(verdicts)
        .map(|(d, rows)| {
            let runs: Vec<Value> = seeds
                .iter()
                .zip(rows)
                .map(|(s, c)| {
                    json!({
                        "seed": s,
                        "digest": c.digest,
                        "violations": c.violations.iter().map(|v| json!({
                            "invariant": v.invariant,
                            "detail": v.detail,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "name": d.name,
                "violated": rows.iter().filter(|c| !c.violations.is_empty()).count(),
                "runs": runs,
            })
        })
        .collect();
    json!({
        "scenario": scenario.name,
        "caplab_version": models::run::CAPLAB_VERSION,
        "seeds": seeds,
        "designs": per_design,
    })
}
