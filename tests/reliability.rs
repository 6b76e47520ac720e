//! Reliability over months: the fast mode against availability formulas (single component,
//! series, redundant parallel instances), against the full request-level simulation of the
//! same failure timelines, and S11's figures.

use models::plan::Checked;
use models::results::ReliabilitySummary;
use serde_json::{json, Value};

/// A scenario of one `get` endpoint at 20 requests/s; `designs` as JSON.
fn scenario(reliability: Value, designs: Value) -> Checked {
    let v = json!({
        "version": 1, "name": "rel", "description": "reliability test", "seed": 21,
        "duration_s": 10, "warmup_s": 2, "window_s": 1,
        "workload": {"arrivals": {"poisson": {"rate_per_s": 20}},
                     "classes": [{"endpoint": "get", "timeout_ms": 1000}]},
        "reliability": reliability,
        "designs": designs,
    });
    models::load::load_str("test.json", &v.to_string()).unwrap_or_else(|e| panic!("{e}"))
}

/// A service `app` of `instances` instances calling the database `db` when `with_db`.
fn design(name: &str, instances: u32, with_db: bool, failures: Value) -> Value {
    let mut steps = vec![json!({"compute": {"ms": {"constant": {"value": 5}}}})];
    let mut d = json!({
        "name": name, "entry": "app",
        "services": {"app": {"instances": instances, "workers": 8, "handlers": {}}},
        "failures": failures,
    });
    if with_db {
        steps.push(json!({"query": {"pool": "db", "ms": {"constant": {"value": 2}}}}));
        d["services"]["app"]["pools"] = json!({"db": {"database": "db", "size": 8,
            "acquire_timeout_ms": 100, "query_timeout_ms": 200}});
        d["databases"] = json!({"db": {}});
    }
    d["services"]["app"]["handlers"]["get"] = Value::Array(steps);
    d
}

/// Fails every `mtbf_h`, repaired by a human in an exponential time of mean `mttr_min`.
fn repaired(mtbf_h: f64, mttr_min: f64) -> Value {
    json!({"mtbf_h": mtbf_h, "on_call": {"response_min": {"constant": {"value": 0}},
                                          "repair_min": {"exponential": {"mean": mttr_min}}}})
}

fn summary(s: &Checked, name: &str) -> ReliabilitySummary {
    let d = s.designs.iter().find(|d| d.name == name).expect("design");
    models::reliability::summarise(s, d, s.seed)
        .expect("runs")
        .expect("a reliability section")
}

/// `measured` agrees with `expected` within its 95% interval, and the interval is tight
/// enough for the check to mean something.
fn within(what: &str, r: &ReliabilitySummary, expected: f64, widest: f64) {
    let (m, h) = (r.uptime.mean, r.uptime.half_width_95);
    assert!(h > 0.0 && h < widest, "{what}: interval ±{h} too wide");
    assert!(
        (m - expected).abs() <= h,
        "{what}: uptime {m:.5} ± {h:.5}, expected {expected:.5}"
    );
}

fn long_run() -> Value {
    json!({"horizon_days": 200, "replications": 10, "state_s": 20, "state_warmup_s": 2})
}

#[test]
fn one_component_is_up_mtbf_over_mtbf_plus_mttr_whatever_its_lifetime_law() {
    // Detection adds to the repair: a health check every 60 s, 2 misses (90 s on average).
    let mut weibull = repaired(1.0, 15.0);
    weibull["weibull_shape"] = json!(2.0);
    weibull["health_check"] = json!({"interval_s": 60, "threshold": 2});
    let s = scenario(
        long_run(),
        json!([
            design("exponential", 1, false, json!({"app": repaired(1.0, 15.0)})),
            design("weibull", 1, false, json!({"app": weibull})),
        ]),
    );
    let e = summary(&s, "exponential");
    within("exponential", &e, 60.0 / (60.0 + 15.0), 0.01);
    let w = summary(&s, "weibull");
    within("weibull + detection", &w, 60.0 / (60.0 + 16.5), 0.01);
    // Every failure is an incident and (one instance) an outage; times to recover have the
    // repair's mean (plus detection).
    assert_eq!(e.incidents.mean, e.outages.mean);
    let ttr = w.time_to_recover_min.mean;
    assert!((ttr - 16.5).abs() < 0.5, "time to recover {ttr:.2} min");
    // The uptime a request sees is the same here: down is 0%, up is 100%.
    assert!((e.availability.mean - e.uptime.mean).abs() < 1e-9);
}

#[test]
fn components_in_series_multiply_their_availabilities() {
    let (a1, a2) = (120.0 / (120.0 + 20.0), 300.0 / (300.0 + 30.0));
    let s = scenario(
        long_run(),
        json!([design(
            "series",
            1,
            true,
            json!({"app": repaired(2.0, 20.0), "db": repaired(5.0, 30.0)})
        )]),
    );
    within("app then db", &summary(&s, "series"), a1 * a2, 0.01);
}

#[test]
fn redundant_instances_behind_a_balancer_compose_in_parallel() {
    // Failures noticed at once: a dead instance leaves the rotation as it dies.
    let a: f64 = 60.0 / (60.0 + 30.0);
    let s = scenario(
        long_run(),
        json!([
            design("two", 2, false, json!({"app": repaired(1.0, 30.0)})),
            design("three", 3, false, json!({"app": repaired(1.0, 30.0)})),
        ]),
    );
    within(
        "two instances",
        &summary(&s, "two"),
        1.0 - (1.0 - a).powi(2),
        0.01,
    );
    within(
        "three instances",
        &summary(&s, "three"),
        1.0 - (1.0 - a).powi(3),
        0.01,
    );
    // Each instance fails on its own: twice (three times) the incidents of one.
    let two = summary(&s, "two");
    assert!(two.outages.mean < two.incidents.mean / 2.0);
}

#[test]
fn the_fast_mode_agrees_with_the_full_simulation_of_the_same_failures() {
    // Failures accelerated to minutes, one hour of operation, every request simulated in
    // the full mode: two instances with health checks (an undetected dead instance fails
    // half the requests) and supervisor restarts, and a database repaired by hand.
    let failures = json!({
        "app": {"mtbf_h": 0.03, "health_check": {"interval_s": 2, "threshold": 2},
                "supervisor": {"restart_s": {"exponential": {"mean": 20}}}},
        "db": repaired(0.15, 1.5),
    });
    let s = scenario(
        json!({"horizon_days": 1.0 / 24.0, "replications": 8, "state_s": 30,
               "state_warmup_s": 2}),
        json!([design("app-db", 2, true, failures)]),
    );
    let d = &s.designs[0];
    let fast = models::reliability::fast_replications(&s, d, s.seed).unwrap();
    let full: Vec<models::reliability::FullRun> = (0..fast.len() as u64)
        .map(|k| models::reliability::full_run(&s, d, s.seed, k).unwrap())
        .collect();
    let ci = |xs: &[f64]| sim_core::metrics::confidence_interval_95(xs);
    let fast_up: Vec<f64> = fast.iter().map(|f| f.0).collect();
    let full_up: Vec<f64> = full.iter().map(|f| f.uptime).collect();
    let fast_av: Vec<f64> = fast.iter().map(|f| f.1).collect();
    let full_av: Vec<f64> = full.iter().map(|f| f.availability).collect();
    let (fu, fuh) = ci(&fast_up);
    let (lu, luh) = ci(&full_up);
    let (fa, fah) = ci(&fast_av);
    let (la, lah) = ci(&full_av);
    eprintln!(
        "fast vs full: uptime {fu:.4} ± {fuh:.4} vs {lu:.4} ± {luh:.4}; availability \
         {fa:.4} ± {fah:.4} vs {la:.4} ± {lah:.4}"
    );
    // Real downtime to agree about: well away from 0 and 1.
    assert!(lu < 0.97 && lu > 0.6, "full uptime {lu}");
    assert!(
        (fu - lu).abs() <= fuh.max(luh),
        "uptime: fast {fu:.4} ± {fuh:.4}, full {lu:.4} ± {luh:.4}"
    );
    assert!(
        (fa - la).abs() <= fah.max(lah),
        "availability: fast {fa:.4} ± {fah:.4}, full {la:.4} ± {lah:.4}"
    );
    // Replication by replication (the same failure timeline), they stay close too: the
    // difference is what the transitions cost (requests in flight, partial windows).
    // Requests barely notice (a few in flight at each change of state); windowed uptime a
    // little more (a window that straddles a change of state misses the criterion).
    let diffs: Vec<f64> = fast_av.iter().zip(&full_av).map(|(a, b)| a - b).collect();
    let (dm, dh) = ci(&diffs);
    assert!(
        dm.abs() < 0.005,
        "availability differs by {dm:.4} ± {dh:.4}"
    );
    let diffs: Vec<f64> = fast_up.iter().zip(&full_up).map(|(a, b)| a - b).collect();
    let (dm, dh) = ci(&diffs);
    assert!(dm.abs() < 0.03, "uptime differs by {dm:.4} ± {dh:.4}");
    // The full mode's accounting holds over the hour.
    for f in &full {
        let sum: u64 = f.result.requests.by_outcome.values().sum();
        assert_eq!(sum, f.result.requests.total);
    }
}

#[test]
fn s11_logistics_migration_reproduces_the_articles_figures() {
    let s = models::load::load_file(std::path::Path::new("scenarios/logistics-migration.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (m, d) = (summary(&s, "monolith"), summary(&s, "distributed"));
    let close = |what: &str, got: f64, want: f64| {
        assert!(
            (got - want).abs() <= 0.1 * want,
            "{what}: {got:.4}, want {want} ± 10%"
        );
    };
    for (what, r, want) in [("monolith", &m, 0.992), ("distributed", &d, 0.9997)] {
        assert!(
            (r.uptime.mean - want).abs() <= 0.0005,
            "{what} uptime {:.5}, want {want} ± 0.05 points",
            r.uptime.mean
        );
    }
    close(
        "monolith peak/h",
        m.peak_throughput_per_h.unwrap(),
        12_000.0,
    );
    close(
        "distributed peak/h",
        d.peak_throughput_per_h.unwrap(),
        28_000.0,
    );
    close("monolith time to recover", m.time_to_recover_min.mean, 47.0);
    close(
        "distributed time to recover",
        d.time_to_recover_min.mean,
        3.0,
    );
    let drop = 1.0 - d.cost_per_request_usd.unwrap() / m.cost_per_request_usd.unwrap();
    close("cost per request drop", drop, 0.47);
    // The monolith's every failure is an outage (two at once make one); the distributed
    // design's instance failures are mostly masked (only the seconds before a health
    // check notices them count).
    assert!(m.outages.mean <= m.incidents.mean && m.outages.mean >= 0.98 * m.incidents.mean);
    assert!(d.outage_min.mean < 1.0 && d.outage_min.mean < m.outage_min.mean / 40.0);
    assert_eq!(m.unsimulated_state_hours, 0.0);
    assert_eq!(d.unsimulated_state_hours, 0.0);
}

#[test]
fn bad_failure_models_are_reported_with_their_paths() {
    let v = json!({
        "version": 1, "name": "bad", "description": "d", "seed": 1, "duration_s": 10,
        "workload": {"arrivals": {"poisson": {"rate_per_s": 1}}, "classes": [{"endpoint": "get"}]},
        "reliability": {"horizon_days": 0, "min_availability": 2},
        "designs": [{"name": "a", "entry": "app",
            "services": {"app": {"workers": 1, "handlers": {"get": []}}},
            "failures": {
                "app": {"mtbf_h": -1, "supervisor": {"restart_s": {"constant": {"value": 5}}, "fixes": 0.5}},
                "nowhere": {"mtbf_h": 1, "on_call": {"response_min": {"constant": {"value": 1}},
                                                      "repair_min": {"exponential": {"mean": -3}}}}
            }}]
    });
    let e = models::load::load_str("bad.json", &v.to_string()).unwrap_err();
    let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
    for want in [
        "reliability.horizon_days",
        "reliability.min_availability",
        "designs[0].failures.app.mtbf_h",
        "designs[0].failures.app",
        "designs[0].failures.nowhere",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
    assert!(paths
        .iter()
        .any(|p| p.starts_with("designs[0].failures.nowhere.on_call.repair_min")));
    assert!(e.problems.iter().all(|p| p.line.is_some()), "{e}");
}
