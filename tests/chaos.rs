//! Chaos: seeded schedules applied identically to every design, invariants judged on every
//! run, shrunk counter-examples that still fail when replayed (S13).

use models::chaos::{self, check_run};
use models::plan::Checked;
use models::scenario::{FaultAction, FaultSpec, Scenario};
use std::path::Path;
use std::process::Command;

fn load(file: &str) -> Checked {
    models::load::load_file(Path::new(file)).unwrap_or_else(|e| panic!("{e}"))
}

fn checked(s: Scenario) -> Checked {
    Checked::new(s).unwrap_or_else(|e| panic!("{e}"))
}

fn design<'a>(s: &'a Scenario, name: &str) -> &'a models::scenario::Design {
    s.designs.iter().find(|d| d.name == name).expect("design")
}

/// The seeds `caplab chaos` runs by default for `s`.
fn default_seeds(s: &Scenario) -> Vec<u64> {
    let runs = s.chaos.as_ref().expect("chaos").runs;
    reports::stats::replication_seeds(s.seed, u64::from(runs))
}

#[test]
fn s13_chaos_finds_the_naive_queue_losing_tasks_and_the_acknowledged_one_survives() {
    let s = load("scenarios/chaos.json");
    let seeds = default_seeds(&s);
    let mut naive_failures = 0;
    for &seed in &seeds {
        let naive = check_run(&s, design(&s, "naive"), seed).unwrap();
        let reliable = check_run(&s, design(&s, "reliable"), seed).unwrap();
        assert!(
            reliable.violations.is_empty(),
            "seed {seed}: the acknowledged design broke {:?}",
            reliable.violations
        );
        // Whatever chaos does, the naive design's only weakness is losing popped tasks:
        // accounting holds, and the loss is all from crashed consumers.
        for v in &naive.violations {
            assert_eq!(
                v.invariant, "assertion messages.lost == 0",
                "seed {seed}: {v:?}"
            );
        }
        let m = naive.result.as_ref().unwrap().messages.clone().unwrap();
        let lost: u64 = m.lost.values().sum();
        assert_eq!(lost, m.lost.get("consumer crash").copied().unwrap_or(0));
        assert_eq!(naive.violations.is_empty(), lost == 0);
        if lost > 0 {
            naive_failures += 1;
            // The schedule that broke it killed a worker.
            let faults = chaos::schedule(&s, seed);
            assert!(faults.iter().any(|f| matches!(
                &f.action,
                FaultAction::Crash { target } if target.starts_with("worker")
            )));
        }
    }
    assert!(naive_failures >= 1, "chaos never caught the naive design");
}

#[test]
fn every_design_faces_the_same_schedule_appended_to_the_scenarios_own_faults() {
    let s = load("scenarios/chaos.json");
    let seed = default_seeds(&s)[3];
    let generated = chaos::schedule(&s, seed);
    assert!(!generated.is_empty());
    let r = models::run::run_scenario(&s, seed, &[]).unwrap();
    // The fault windows of the results are the chaos faults, in start order.
    assert_eq!(r.faults.len(), generated.len());
    for (w, f) in r.faults.iter().zip(&generated) {
        assert_eq!(w.start_s, f.at_s);
        assert_eq!(w.end_s, Some(f.at_s + f.duration_s.unwrap()));
    }
    // A run under chaos is exactly the run of the plain scenario with those faults written
    // out: same digest, same results, for every design.
    let plain = chaos::with_faults(&s, &generated);
    assert!(plain.chaos.is_none());
    let again = models::run::run_scenario(&checked(plain), seed, &[]).unwrap();
    for (a, b) in r.designs.iter().zip(&again.designs) {
        assert_eq!(a, b, "design {}", a.name);
    }
}

#[test]
fn chaos_with_every_rate_at_zero_changes_no_stream_and_no_byte() {
    let mut s = load("scenarios/chaos.json").into_scenario();
    let c = s.chaos.as_mut().unwrap();
    for rate in [
        c.kill.as_mut().map(|r| &mut r.rate_per_min),
        c.pause.as_mut().map(|r| &mut r.rate_per_min),
        c.partition.as_mut().map(|r| &mut r.rate_per_min),
    ]
    .into_iter()
    .flatten()
    {
        *rate = 0.0;
    }
    c.latency.as_mut().unwrap().rate_per_min = 0.0;
    let with = models::run::run_scenario(&checked(s.clone()), 5, &[]).unwrap();
    s.chaos = None;
    let without = models::run::run_scenario(&checked(s), 5, &[]).unwrap();
    assert_eq!(with, without);
}

#[test]
fn a_shrunk_counterexample_is_minimal_and_still_fails_when_replayed_from_its_file() {
    let s = load("scenarios/chaos.json");
    let naive = design(&s, "naive");
    let (seed, violation) = default_seeds(&s)
        .into_iter()
        .find_map(|seed| {
            let c = check_run(&s, naive, seed).unwrap();
            c.violations.into_iter().next().map(|v| (seed, v))
        })
        .expect("a failing seed");
    let generated = chaos::schedule(&s, seed);
    let shrunk = chaos::shrink(&s, naive, seed, &generated, &violation.invariant, 300).unwrap();
    assert!(!shrunk.budget_exhausted);
    assert!(!shrunk.faults.is_empty() && shrunk.faults.len() <= generated.len());
    // The replay file: written as JSON, read back through validation like any scenario.
    let replay = chaos::replay(&s, "naive", seed, &shrunk.faults);
    let text = serde_json::to_string_pretty(&replay).unwrap();
    let back = models::load::load_str("replay.json", &text).unwrap_or_else(|e| panic!("{e}"));
    assert!(back.chaos.is_none());
    assert_eq!(back.seed, seed);
    let again = check_run(&back, design(&back, "naive"), back.seed).unwrap();
    assert!(
        again
            .violations
            .iter()
            .any(|v| v.invariant == violation.invariant),
        "the replay no longer fails: {:?}",
        again.violations
    );
    // 1-minimal: without any one of its faults, or with it half as long, it holds.
    for i in 0..shrunk.faults.len() {
        let mut fewer = shrunk.faults.clone();
        fewer.remove(i);
        let c = check_run(&checked(chaos::with_faults(&s, &fewer)), naive, seed).unwrap();
        assert!(c.violations.is_empty(), "fault {i} was not needed");
    }
    // The acknowledged design survives the very same schedule.
    let reliable = check_run(&back, design(&back, "reliable"), seed).unwrap();
    assert!(reliable.violations.is_empty(), "{:?}", reliable.violations);
}

#[test]
fn a_publish_delayed_past_its_timeout_by_a_paused_broker_holds_no_freed_request() {
    // Found by chaos: the broker, paused longer than the API's publish timeout, took a
    // reference to a request that had already ended and been freed, and released it twice
    // later (a counter underflow). Every pause length around the timeout, on both designs.
    let s = load("scenarios/chaos.json");
    for d in &s.designs {
        for pause_s in [0.9, 1.1, 2.146, 6.0] {
            let faults = [FaultSpec {
                at_s: 46.189,
                duration_s: Some(pause_s),
                action: FaultAction::Pause {
                    target: "redis".to_string(),
                },
            }];
            let c = check_run(
                &checked(chaos::with_faults(&s, &faults)),
                d,
                11_409_396_526_365_357_622,
            )
            .unwrap();
            assert!(
                c.violations.is_empty(),
                "{} paused {pause_s} s: {:?}",
                d.name,
                c.violations
            );
        }
    }
}

#[test]
fn caplab_chaos_prints_a_replay_command_that_fails_again() {
    let dir = std::env::temp_dir().join(format!("caplab-chaos-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let caplab = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_caplab"))
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .expect("caplab runs")
    };
    let o = caplab(&[
        "chaos",
        "scenarios/chaos.json",
        "--runs",
        "4",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("reliable") && stdout.contains("every invariant held"));
    let replay = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: caplab "))
        .unwrap_or_else(|| panic!("no replay command in:\n{stdout}"));
    assert!(replay.contains("--design naive"), "{replay}");
    let args: Vec<&str> = replay.split_whitespace().collect();
    let again = caplab(&args);
    let text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(1), "{text}");
    assert!(text.contains("messages.lost == 0"), "{text}");
    // A bad file is exit code 2 with its position, never a panic.
    let bad = dir.join("bad.json");
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("scenarios/chaos.json").unwrap()).unwrap();
    s["chaos"]["targets"] = serde_json::json!(["nowhere"]);
    std::fs::write(&bad, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let o = caplab(&["chaos", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("chaos.targets[0]") && err.contains("nowhere"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
