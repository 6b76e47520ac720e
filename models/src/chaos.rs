//! Chaos: a seeded schedule of random faults (kill nodes, pause processes, partition groups,
//! inject latency, slow CPUs down, skew clocks) drawn from the scenario's `chaos` section, the invariants every run must
//! keep under it, and the shrinking of a schedule that breaks one.
//!
//! **The schedule** is drawn from its own stream, `chaos/schedule`, of the run's seed, and
//! depends on nothing else: every design of a run faces the same faults (common random
//! numbers), and adding chaos shifts no other stream. Faults arrive as one Poisson process
//! per kind (`rate_per_min`), each lasting between `min_duration_s` and `max_duration_s`;
//! a candidate that would break a limit (more than `max_concurrent` at once, more than a
//! kind's `max`, a target already under a fault, a second partition while one is active —
//! the engine heals every partition at once) is skipped. Nothing starts before `start_s`
//! and everything has ended `quiet_s` before the run does, so work in flight can drain
//! before the invariants are judged. The generated faults are ordinary [`FaultSpec`]s
//! appended to the scenario's own (see [`expanded`]), so results, fault windows and charts
//! see them like any other.
//!
//! **Invariants** ([`check_run`]): every request issued ends once or is in flight
//! (`all_issued = all_ended + client_in_flight`, and the results' outcomes add up); every
//! broker message copy is accounted for ([`crate::ledger::MessageStats::balanced`]); the
//! scenario's `assertions` hold on the run; no replicated store's history is a
//! linearizability violation.
//!
//! **Shrinking** ([`shrink`]): delta debugging (ddmin) over the generated faults, keeping
//! the scenario's own faults, then halving each remaining fault's duration while the same
//! invariant still breaks on the same design and seed; every candidate is a full rerun, so
//! the shrunk schedule is a real counter-example, not an estimate.

pub use crate::scenario::chaos::*;
pub use crate::validate::chaos::problems;

use crate::error::RunError;
use crate::plan::Checked;
use crate::results::DesignResult;
use crate::scenario::chaos::round_ms;
use crate::scenario::{Design, FaultSpec};

// ---------------------------------------------------------------------------------------
// Invariants.

/// One invariant broken by one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant: `request accounting`, `message accounting`, `assertion <expect>`
    /// or `linearizability of <store>`; shrinking keeps it.
    pub invariant: String,
    /// What was measured.
    pub detail: String,
}

/// A run and the invariants it broke.
#[derive(Clone, Debug)]
pub struct RunCheck {
    /// The run's results (`None` when the model panicked: a bug, reported as a violation).
    pub result: Option<DesignResult>,
    /// Every invariant broken, in a fixed order.
    pub violations: Vec<Violation>,
}

/// Runs `design` of `scenario` (its chaos faults for `seed` included) under `seed` and
/// returns its results and every invariant it broke. A panic inside the model (an
/// arithmetic overflow in an accounting counter, say) is caught and reported as the
/// violation `no panic`, so that chaos shrinks model bugs like any other counter-example.
pub fn check_run(scenario: &Checked, design: &Design, seed: u64) -> Result<RunCheck, RunError> {
    let with_chaos;
    let plain = if scenario.chaos.is_none() {
        scenario
    } else {
        with_chaos = scenario
            .with_faults(&schedule(scenario, seed))
            .map_err(|refused| RunError::Refused {
                what: "the scenario with its chaos faults",
                refused,
            })?;
        &with_chaos
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::run::run_design_accounted(plain, design, seed)
    }));
    let (result, acc) = match run {
        Ok(r) => r?,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            return Ok(RunCheck {
                result: None,
                violations: vec![Violation {
                    invariant: "no panic".to_string(),
                    detail: format!("the model panicked: {message}"),
                }],
            });
        }
    };
    let mut out = Vec::new();
    if acc.all_issued != acc.all_ended + acc.client_in_flight {
        out.push(Violation {
            invariant: "request accounting".to_string(),
            detail: format!(
                "{} requests issued, {} ended, {} in flight at the client",
                acc.all_issued, acc.all_ended, acc.client_in_flight
            ),
        });
    }
    let outcomes: u64 = result.requests.by_outcome.values().sum();
    if outcomes != result.requests.total {
        out.push(Violation {
            invariant: "request accounting".to_string(),
            detail: format!(
                "the outcomes add up to {outcomes}, not the {} requests measured",
                result.requests.total
            ),
        });
    }
    if !acc.messages.balanced() {
        let m = &acc.messages;
        out.push(Violation {
            invariant: "message accounting".to_string(),
            detail: format!(
                "{} copies entered; {} processed, {} failed, {} dead-lettered, {} lost, {} \
                 outstanding",
                m.entered,
                m.processed,
                m.failed,
                m.dead_lettered,
                m.lost(),
                m.outstanding()
            ),
        });
    }
    for a in &plain.assertions {
        if a.design.as_ref().is_some_and(|d| d != &design.name) {
            continue;
        }
        let v = crate::assertions::evaluate(a, std::slice::from_ref(&result), &[seed]);
        if !v.passed {
            out.push(Violation {
                invariant: format!("assertion {}", a.expect),
                detail: match &v.error {
                    Some(e) => e.clone(),
                    None => format!("measured {}; bound {}", v.measured(), v.bound_text()),
                },
            });
        }
    }
    for (name, st) in &result.stores {
        if st.linearizability == "violation" {
            out.push(Violation {
                invariant: format!("linearizability of {name}"),
                detail: st
                    .counterexample
                    .clone()
                    .unwrap_or_else(|| "not linearizable".to_string()),
            });
        }
    }
    Ok(RunCheck {
        result: Some(result),
        violations: out,
    })
}

/// Whether `design` breaks `invariant` under `seed` when `scenario` (no chaos) faces
/// `faults` on top of its own.
fn still_fails(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    faults: &[FaultSpec],
    invariant: &str,
) -> Result<bool, RunError> {
    let s = scenario
        .with_faults(faults)
        .map_err(|refused| RunError::Refused {
            what: "the scenario with a candidate schedule",
            refused,
        })?;
    let checked = check_run(&s, design, seed)?;
    Ok(checked.violations.iter().any(|v| v.invariant == invariant))
}

/// A shrunk counter-example.
#[derive(Clone, Debug, PartialEq)]
pub struct Shrunk {
    /// The chaos faults left: every one is needed (removing any single one, or halving
    /// its duration, no longer breaks the invariant, as far as the budget allowed).
    pub faults: Vec<FaultSpec>,
    /// Reruns spent.
    pub runs: usize,
    /// Whether the budget ran out before the schedule was minimal.
    pub budget_exhausted: bool,
}

/// Shrinks `faults` (the chaos faults of a run of `design` under `seed` that broke
/// `invariant`) with at most `budget` reruns: ddmin over the list, then durations halved
/// (down to 1 ms) while the invariant still breaks.
pub fn shrink(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    faults: &[FaultSpec],
    invariant: &str,
    budget: usize,
) -> Result<Shrunk, RunError> {
    let base = scenario
        .with_faults(&[])
        .map_err(|refused| RunError::Refused {
            what: "the scenario without its chaos",
            refused,
        })?;
    let mut runs = 0usize;
    let mut test = |candidate: &[FaultSpec]| -> Result<Option<bool>, RunError> {
        if runs >= budget {
            return Ok(None);
        }
        runs += 1;
        still_fails(&base, design, seed, candidate, invariant).map(Some)
    };
    let (mut current, mut exhausted) = ddmin(faults.to_vec(), &mut test)?;
    // A single fault may be unnecessary too (the scenario's own faults break it alone).
    if !exhausted && current.len() == 1 {
        match test(&[])? {
            None => exhausted = true,
            Some(true) => current.clear(),
            Some(false) => {}
        }
    }
    if !exhausted {
        (current, exhausted) = halve_durations(current, &mut test)?;
    }
    Ok(Shrunk {
        faults: current,
        runs,
        budget_exhausted: exhausted,
    })
}

/// Whether a candidate list of faults still breaks what is being shrunk: `Ok(None)` when
/// the rerun budget is spent.
pub type StillFails<'a, E> = dyn FnMut(&[FaultSpec]) -> Result<Option<bool>, E> + 'a;

/// Delta debugging (ddmin) over `current`: each of n chunks alone, then each complement;
/// n refined when neither fails. The smallest list found that still fails, and whether
/// the budget ran out first.
pub fn ddmin<E>(
    mut current: Vec<FaultSpec>,
    test: &mut StillFails<'_, E>,
) -> Result<(Vec<FaultSpec>, bool), E> {
    let mut n = 2usize;
    'ddmin: while current.len() >= 2 {
        let chunk = current.len().div_ceil(n);
        let parts: Vec<Vec<FaultSpec>> = current.chunks(chunk).map(<[_]>::to_vec).collect();
        for part in &parts {
            match test(part)? {
                None => return Ok((current, true)),
                Some(true) => {
                    current = part.clone();
                    n = 2;
                    continue 'ddmin;
                }
                Some(false) => {}
            }
        }
        if parts.len() > 2 {
            for skip in 0..parts.len() {
                let complement: Vec<FaultSpec> = parts
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .flat_map(|(_, p)| p.iter().cloned())
                    .collect();
                match test(&complement)? {
                    None => return Ok((current, true)),
                    Some(true) => {
                        current = complement;
                        n = (n - 1).max(2);
                        continue 'ddmin;
                    }
                    Some(false) => {}
                }
            }
        }
        if n >= current.len() {
            break;
        }
        n = (2 * n).min(current.len());
    }
    Ok((current, false))
}

/// Shorter faults, one at a time: each duration halved (to the millisecond, down to 1 ms)
/// while the list still fails. The list found, and whether the budget ran out first.
pub fn halve_durations<E>(
    mut current: Vec<FaultSpec>,
    test: &mut StillFails<'_, E>,
) -> Result<(Vec<FaultSpec>, bool), E> {
    for i in 0..current.len() {
        while let Some(d) = current[i].duration_s {
            let half = round_ms(d / 2.0);
            if half < 0.001 || half >= d {
                break;
            }
            let mut candidate = current.clone();
            candidate[i].duration_s = Some(half);
            match test(&candidate)? {
                None => return Ok((current, true)),
                Some(true) => current = candidate,
                Some(false) => break,
            }
        }
    }
    Ok((current, false))
}

/// A fault as a person reads it: `at 41.317 s for 4.2 s: crash worker#1`.
pub fn describe(f: &FaultSpec) -> String {
    match f.duration_s {
        Some(d) => format!("at {} s for {} s: {}", f.at_s, d, f.action),
        None => format!("at {} s: {}", f.at_s, f.action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{FaultAction, Scenario};
    use sim_core::dist::Dist;
    use std::borrow::Cow;
    use std::collections::BTreeSet;

    fn scenario(chaos: Chaos) -> Scenario {
        let text = r#"{
            "version": 1, "name": "c", "description": "d", "seed": 1, "duration_s": 600,
            "warmup_s": 10,
            "workload": {"arrivals": {"poisson": {"rate_per_s": 1}},
                         "classes": [{"endpoint": "e"}]},
            "designs": [
              {"name": "a", "entry": "api",
               "services": {"api": {"instances": 3, "workers": 1, "handlers": {"e": []}}},
               "databases": {"db": {}}},
              {"name": "b", "entry": "api",
               "services": {"api": {"instances": 2, "workers": 1, "handlers": {"e": []}},
                            "extra": {"workers": 1, "handlers": {"e": []}}},
               "databases": {"db": {}}}
            ]
        }"#;
        let mut s: Scenario = serde_json::from_str(text).expect("parses");
        s.chaos = Some(chaos);
        s
    }

    fn chaos() -> Chaos {
        Chaos {
            targets: Vec::new(),
            start_s: None,
            quiet_s: 20.0,
            max_concurrent: 2,
            min_duration_s: 1.0,
            max_duration_s: 30.0,
            kill: Some(ChaosRate {
                rate_per_min: 3.0,
                max: Some(10),
            }),
            pause: Some(ChaosRate {
                rate_per_min: 1.0,
                max: None,
            }),
            partition: Some(ChaosRate {
                rate_per_min: 1.0,
                max: None,
            }),
            latency: Some(LatencyChaos {
                rate_per_min: 1.0,
                max: None,
                extra_ms: Dist::constant(50.0),
            }),
            slow: None,
            clock_skew: None,
            runs: 5,
        }
    }

    #[test]
    fn default_targets_are_the_nodes_every_design_has() {
        let s = scenario(chaos());
        assert_eq!(common_nodes(&s), vec!["api#0", "api#1", "db"]);
    }

    #[test]
    fn the_schedule_keeps_its_window_and_limits_and_depends_only_on_the_seed() {
        let s = scenario(chaos());
        let a = schedule(&s, 7);
        assert_eq!(a, schedule(&s, 7));
        assert_ne!(a, schedule(&s, 8));
        assert!(a.len() >= 5, "{a:?}");
        let kills = a
            .iter()
            .filter(|f| matches!(f.action, FaultAction::Crash { .. }))
            .count();
        assert!(kills <= 10);
        for f in &a {
            let end = f.at_s + f.duration_s.expect("every chaos fault ends");
            assert!(f.at_s >= 10.0 && end <= 580.0 + 1e-9, "{f:?}");
            // At most two at once, never two on one target, never two partitions.
            let overlapping: Vec<&FaultSpec> = a
                .iter()
                .filter(|g| g.at_s <= f.at_s && g.at_s + g.duration_s.unwrap_or(0.0) > f.at_s)
                .collect();
            assert!(overlapping.len() <= 2, "{overlapping:?}");
            let mut seen = BTreeSet::new();
            let mut partitions = 0;
            for g in &overlapping {
                if matches!(g.action, FaultAction::Partition { .. }) {
                    partitions += 1;
                }
                for t in fault_targets(&g.action) {
                    assert!(seen.insert(component(t).to_string()) || t.contains('#'));
                }
            }
            assert!(partitions <= 1);
        }
    }

    #[test]
    fn a_scenario_without_chaos_is_left_as_it_is() {
        let mut s = scenario(chaos());
        s.chaos = None;
        assert!(matches!(expanded(&s, 3), Cow::Borrowed(_)));
        assert!(schedule(&s, 3).is_empty());
    }

    #[test]
    fn bad_chaos_settings_are_reported_with_their_paths() {
        let mut c = chaos();
        c.quiet_s = -1.0;
        c.max_duration_s = 0.5;
        c.targets = vec!["extra".into(), "api#1".into()];
        c.kill = Some(ChaosRate {
            rate_per_min: f64::NAN,
            max: None,
        });
        let s = scenario(c);
        let paths: Vec<String> = problems(&s).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            vec![
                "chaos.quiet_s",
                "chaos.max_duration_s",
                "chaos.kill.rate_per_min",
                "chaos.targets[0]"
            ]
        );
    }

    /// Only the two new kinds, often enough to reach their limits.
    fn slow_and_skew(slow_max: Option<u32>, skew_max: Option<u32>) -> Chaos {
        Chaos {
            kill: None,
            pause: None,
            partition: None,
            latency: None,
            max_concurrent: 3,
            slow: Some(SlowChaos {
                rate_per_min: 4.0,
                max: slow_max,
                factor: Dist::Uniform {
                    low: 2.0,
                    high: 5.0,
                },
            }),
            clock_skew: Some(ClockSkewChaos {
                rate_per_min: 4.0,
                max: skew_max,
                offset_ms: Dist::Uniform {
                    low: 100.0,
                    high: 900.0,
                },
                drift_ppm: Some(Dist::constant(50.0)),
            }),
            ..chaos()
        }
    }

    #[test]
    fn slow_and_clock_skew_faults_draw_their_values_within_the_limits() {
        let s = scenario(slow_and_skew(None, None));
        let mut slow = Vec::new();
        let mut skew = Vec::new();
        for seed in 0..20 {
            let faults = schedule(&s, seed);
            for f in &faults {
                let end = f.at_s + f.duration_s.expect("every chaos fault ends");
                assert!(f.at_s >= 10.0 && end <= 580.0 + 1e-9, "{f:?}");
                let at_once = faults
                    .iter()
                    .filter(|g| g.at_s <= f.at_s && g.at_s + g.duration_s.unwrap_or(0.0) > f.at_s)
                    .count();
                assert!(at_once <= 3, "seed {seed}: {at_once} at {}", f.at_s);
                match &f.action {
                    FaultAction::Slow { factor, .. } => slow.push(*factor),
                    FaultAction::ClockSkew {
                        offset_ms,
                        drift_ppm,
                        ..
                    } => skew.push((*offset_ms, *drift_ppm)),
                    other => panic!("only slow and clock skew were asked for: {other:?}"),
                }
            }
        }
        assert!(
            slow.len() > 50 && skew.len() > 50,
            "{} {}",
            slow.len(),
            skew.len()
        );
        assert!(slow.iter().all(|f| (2.0..=5.0).contains(f)), "{slow:?}");
        // Offsets in ±[100, 900] ms, ahead and behind both drawn, the drift in the
        // offset's direction.
        assert!(skew.iter().all(|(o, _)| (100.0..=900.0).contains(&o.abs())));
        assert!(skew.iter().all(|&(o, d)| d == 50.0_f64.copysign(o)));
        let ahead = skew.iter().filter(|(o, _)| *o > 0.0).count();
        assert!(
            ahead > skew.len() / 4 && ahead < skew.len() * 3 / 4,
            "{ahead} of {}",
            skew.len()
        );
    }

    #[test]
    fn each_new_kind_keeps_its_own_maximum() {
        let s = scenario(slow_and_skew(Some(2), Some(0)));
        for seed in 0..20 {
            let faults = schedule(&s, seed);
            let slow = faults
                .iter()
                .filter(|f| matches!(f.action, FaultAction::Slow { .. }))
                .count();
            assert_eq!(slow, 2, "seed {seed}: the maximum, reached at 4 per minute");
            assert_eq!(faults.len(), 2, "no clock skew with a maximum of 0");
        }
    }

    #[test]
    fn new_kinds_left_out_change_no_existing_schedule() {
        // The kinds are read in a fixed order and those absent draw nothing: a scenario
        // without slow or clock skew keeps its schedule byte for byte.
        let s = scenario(chaos());
        let mut with_zero = chaos();
        with_zero.slow = Some(SlowChaos {
            rate_per_min: 0.0,
            max: None,
            factor: Dist::constant(3.0),
        });
        assert_eq!(schedule(&s, 7), schedule(&scenario(with_zero), 7));
        assert_eq!(
            slow_and_skew(None, Some(3)).summary(),
            "slow 4/min, clock skew 4/min (at most 3)"
        );
    }

    #[test]
    fn bad_slow_and_skew_settings_are_reported_with_their_paths() {
        let mut c = slow_and_skew(None, None);
        if let Some(sl) = &mut c.slow {
            sl.rate_per_min = -1.0;
            sl.factor = Dist::Uniform {
                low: 3.0,
                high: 1.0,
            };
        }
        if let Some(k) = &mut c.clock_skew {
            k.drift_ppm = Some(Dist::constant(f64::INFINITY));
        }
        let paths: Vec<String> = problems(&scenario(c)).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            vec![
                "chaos.slow.rate_per_min",
                "chaos.slow.factor.uniform.high",
                "chaos.clock_skew.drift_ppm.constant.value"
            ]
        );
    }
}
