//! The bundled scenarios reproduce the article's figures (see each file's description).

use models::results::{DesignResult, RunResults};
use std::path::Path;

fn run(file: &str) -> RunResults {
    let scenario = models::load::load_file(Path::new(file)).unwrap_or_else(|e| panic!("{e}"));
    models::run::run_scenario(&scenario, scenario.seed, &[]).expect("scenario runs")
}

fn design<'a>(r: &'a RunResults, name: &str) -> &'a DesignResult {
    r.designs
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| panic!("no design {name}"))
}

fn within_relative(actual: f64, target: f64, tolerance: f64) -> bool {
    (actual - target).abs() <= tolerance * target
}

#[test]
fn every_bundled_scenario_is_valid() {
    let mut n = 0;
    for entry in std::fs::read_dir("scenarios").expect("scenarios/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|x| x == "json") {
            models::load::load_file(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 3, "expected the bundled scenarios, found {n}");
}

/// A run observed for progress goes in slices of simulated time; stopping and resuming
/// changes nothing, so its results (digest included) are the plain run's.
#[test]
fn a_run_observed_for_progress_is_the_plain_run() {
    for name in [
        "cap-partition",
        "chaos",
        "payment-lock",
        "redis-worker-failover",
    ] {
        let b = models::bundled::find(name).expect("bundled");
        let scenario = b.load().unwrap_or_else(|e| panic!("{e}"));
        for d in &scenario.designs {
            let plain = models::run::run_design(&scenario, d, scenario.seed).expect("runs");
            let mut steps = Vec::new();
            let observed =
                models::run::run_design_observed(&scenario, d, scenario.seed, &mut |p| {
                    steps.push(p)
                })
                .expect("runs");
            assert_eq!(plain, observed, "{name}/{}", d.name);
            assert!(steps.len() >= 100, "{name}: {} steps", steps.len());
            assert!(steps
                .windows(2)
                .all(|w| w[0].now <= w[1].now && w[0].events <= w[1].events));
            let last = steps.last().expect("observed");
            assert!(last.now <= last.end);
            assert_eq!(last.events, plain.events, "{name}/{}", d.name);
        }
    }
}

#[test]
fn s1_pool_exhaustion_darkens_the_monolith_but_only_reports_in_the_split_design() {
    let r = run("scenarios/pool-exhaustion.json");
    let mono = design(&r, "monolith");
    let split = design(&r, "split");
    // During the storm (20 s to 40 s; judged from 25 s to 40 s, once the pool is drained),
    // the monolith serves a small fraction of its requests, whatever their endpoint; the
    // split design serves everything but reports.
    let storm = |d: &DesignResult| {
        let rows: Vec<_> = d
            .series
            .iter()
            .filter(|w| w.start_s >= 25.0 && w.start_s < 40.0)
            .collect();
        let issued: u64 = rows.iter().map(|w| w.issued).sum();
        let ok: u64 = rows.iter().map(|w| w.ok).sum();
        ok as f64 / issued as f64
    };
    assert!(
        storm(mono) < 0.20,
        "monolith served {:.2} during the storm",
        storm(mono)
    );
    // Reports are 60 of the storm's ~510 requests per second (12%): all else is served.
    assert!(
        storm(split) > 0.86,
        "split served {:.2} during the storm",
        storm(split)
    );
    // Per endpoint: every monolith endpoint fails noticeably; the split one only reports.
    for ep in ["browse", "checkout", "track", "report"] {
        let m = &mono.endpoints[ep];
        let s = &split.endpoints[ep];
        assert!(
            m.failure_rate > 0.15,
            "monolith {ep} failed only {:.3}",
            m.failure_rate
        );
        if ep == "report" {
            assert!(
                s.failure_rate > 0.5,
                "split reports failed only {:.3}",
                s.failure_rate
            );
        } else {
            assert!(
                s.failure_rate < 0.001,
                "split {ep} failed {:.4}",
                s.failure_rate
            );
        }
    }
    // Both designs faced the same requests (common random numbers on an open loop).
    assert_eq!(mono.requests.total, split.requests.total);
    for ep in ["browse", "checkout", "track", "report"] {
        assert_eq!(
            mono.endpoints[ep].requests.total,
            split.endpoints[ep].requests.total
        );
    }
    assert!(mono.causes.contains_key("app.main: pool timeout"));
    assert!(
        split.causes.keys().all(|c| c.contains("reporting")),
        "{:?}",
        split.causes
    );
}

#[test]
fn s7_sync_inventory_shows_23_ms_and_4_2_percent_failure_at_peak() {
    let r = run("scenarios/inventory-sync-vs-async.json");
    let sync = design(&r, "sync");
    let mean = sync.latency_ms.expect("requests succeeded").mean;
    assert!(
        within_relative(mean, 23.0, 0.10),
        "mean latency {mean:.2} ms"
    );
    assert!(
        (sync.failure_rate * 100.0 - 4.2).abs() <= 0.5,
        "failure rate {:.2}%",
        sync.failure_rate * 100.0
    );
}

fn mean_latency(d: &DesignResult) -> f64 {
    d.latency_ms.expect("requests succeeded").mean
}

#[test]
fn s12_eight_sequential_calls_are_37_percent_slower_and_parallel_closes_the_gap() {
    let r = run("scenarios/saas-fanout.json");
    let mono = mean_latency(design(&r, "monolith"));
    let seq = mean_latency(design(&r, "sync-sequential"));
    let par = mean_latency(design(&r, "parallel"));
    let slower = seq / mono - 1.0;
    assert!(
        within_relative(slower, 0.37, 0.10),
        "sequential is {:.1}% slower",
        slower * 100.0
    );
    // "Back to monolith speed": within 5% of the monolith or faster.
    assert!(
        par <= mono * 1.05,
        "parallel {par:.1} ms vs monolith {mono:.1} ms"
    );
    for d in &r.designs {
        assert!(
            d.failure_rate < 0.001,
            "{} failed {:.4}",
            d.name,
            d.failure_rate
        );
    }
}

#[test]
fn a_design_gives_the_same_run_alone_or_beside_others() {
    // Streams are named by purpose, not by creation order: running one design alone, or
    // after others, changes none of its numbers.
    let scenario = models::load::load_file(Path::new("scenarios/pool-exhaustion.json")).unwrap();
    let all = models::run::run_scenario(&scenario, 11, &[]).unwrap();
    let alone = models::run::run_scenario(&scenario, 11, &["split".to_string()]).unwrap();
    assert_eq!(alone.designs.len(), 1);
    assert_eq!(design(&all, "split"), &alone.designs[0]);
}

#[test]
fn s10_silent_failure_hangs_without_timeouts_and_its_traces_blame_c_with_them() {
    let r = run("scenarios/silent-failure.json");
    let hung = design(&r, "no-timeouts");
    let traced = design(&r, "timeouts-and-tracing");
    // Without timeouts each swallowed error pins one of A's 16 workers for good: after the
    // 16th, no request reaches B again, so exactly 16 errors are ever swallowed, and from
    // then on every request waits in A's queue until its user gives up after 10 s.
    assert_eq!(hung.swallowed_errors["B swallowed C.lookup: exception"], 16);
    assert_eq!(hung.causes.keys().collect::<Vec<_>>(), ["client: timeout"]);
    assert!(hung.failure_rate > 0.5, "{}", hung.failure_rate);
    let late_ok: u64 = hung
        .series
        .iter()
        .filter(|w| w.start_s >= 40.0)
        .map(|w| w.ok)
        .sum();
    assert_eq!(late_ok, 0, "A serves nothing once its workers hang");
    // Without trace ids, its traces end at A: a call to B that never answers.
    let blamed = &hung.tracing.as_ref().expect("traced").root_causes;
    assert!(blamed.keys().all(|k| k.starts_with("A")), "{blamed:?}");
    assert_eq!(blamed["A→B.get: no answer"], 16);
    // With timeouts, only the requests whose lookup failed fail (C's 2%: ±3 standard
    // deviations of a binomial over ~6,000 requests), each in A's 300 ms timeout plus the
    // work before it; the results blame A's call to B, the traces blame C, every time.
    let n = traced.requests.total as f64;
    let sd = (0.02 * 0.98 / n).sqrt();
    assert!(
        (traced.failure_rate - 0.02).abs() < 3.0 * sd,
        "{}",
        traced.failure_rate
    );
    let failed =
        traced.requests.total - traced.requests.ok - traced.requests.by_outcome["in_flight"];
    assert_eq!(traced.causes["A→B: call timeout"], failed);
    // Every failed request had its error swallowed; so may a request still in flight when
    // the run ends (B swallowed the error, A's 300 ms timeout not yet expired).
    let in_flight = traced.requests.by_outcome["in_flight"];
    let swallowed = traced.swallowed_errors["B swallowed C.lookup: exception"];
    assert!(
        (failed..=failed + in_flight).contains(&swallowed),
        "{swallowed} swallowed, {failed} failed, {in_flight} in flight"
    );
    let tracing = traced.tracing.as_ref().expect("traced");
    assert_eq!(tracing.root_causes.len(), 1);
    assert_eq!(tracing.root_causes["C.lookup: exception"], failed);
    assert_eq!(
        tracing.kept_by_reason["failed"], failed,
        "every failure's trace is kept"
    );
    for t in traced.traces.iter().filter(|t| t.outcome != "ok") {
        let ms = (t.end_ns - t.start_ns) as f64 / 1e6;
        assert!((301.0..=303.0).contains(&ms), "failed in {ms} ms");
        let (id, text) = t.root_cause.as_ref().expect("blamed");
        assert_eq!(text, "C.lookup: exception");
        assert_eq!(t.spans[*id as usize - 1].node, "C#0");
    }
}
