//! Checking the `reliability` section and the designs' failure models.

use super::Problem;
use crate::scenario::Scenario;
use sim_core::dist::Dist;

/// Problems of the reliability section and of the designs' failure models.
pub fn problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    let positive = |x: f64| x.is_finite() && x > 0.0;
    let non_negative = |x: f64| x.is_finite() && x >= 0.0;
    if let Some(r) = &s.reliability {
        let mut report = |path: &str, message: String| {
            out.push(Problem::new(format!("reliability.{path}"), message));
        };
        if !positive(r.horizon_days) {
            report(
                "horizon_days",
                format!("must be a number > 0, got {}", r.horizon_days),
            );
        }
        if r.replications < 1 {
            report("replications", "must be at least 1".to_string());
        }
        let max_reps = crate::scenario::limits::MAX_REPLICATIONS;
        if u64::from(r.replications) > max_reps {
            report(
                "replications",
                format!(
                    "{} replications, more than the limit of {max_reps}",
                    r.replications
                ),
            );
        }
        // Each state's request-level run lasts state_warmup_s + state_s: its time series
        // are bounded by limits.max_windows like any run's.
        let span = r.state_warmup_s + r.state_s;
        if positive(r.state_s) && non_negative(r.state_warmup_s) && positive(s.window_s) {
            let windows = (span / s.window_s).ceil();
            if windows.is_nan() || windows > s.limits.max_windows as f64 {
                report(
                    "state_s",
                    format!(
                        "each state's run (state_warmup_s + state_s = {span} s) gives \
                         {windows} time-series windows of window_s = {} s, more than \
                         limits.max_windows = {}",
                        s.window_s, s.limits.max_windows
                    ),
                );
            }
        }
        if !(r.min_availability.is_finite() && (0.0..=1.0).contains(&r.min_availability)) {
            report(
                "min_availability",
                format!("must be a number in [0, 1], got {}", r.min_availability),
            );
        }
        if !positive(r.state_s) {
            report(
                "state_s",
                format!("must be a number > 0, got {}", r.state_s),
            );
        }
        if !non_negative(r.state_warmup_s) {
            report(
                "state_warmup_s",
                format!("must be a number >= 0, got {}", r.state_warmup_s),
            );
        }
        if let Some(p) = r.peak_rate_per_s {
            if !positive(p) {
                report("peak_rate_per_s", format!("must be a number > 0, got {p}"));
            }
        }
        if r.max_states < 1 {
            report("max_states", "must be at least 1".to_string());
        }
    }
    for (i, d) in s.designs.iter().enumerate() {
        for (name, m) in &d.failures {
            let at = format!("designs[{i}].failures.{name}");
            let known = d.services.contains_key(name)
                || d.databases.contains_key(name)
                || d.kv_stores.contains_key(name)
                || d.brokers.contains_key(name)
                || d.replicated_stores.contains_key(name);
            if !known {
                out.push(Problem::new(
                    at.clone(),
                    format!(
                        "design `{}` has no service, database, store or broker `{name}`",
                        d.name
                    ),
                ));
            }
            if !positive(m.mtbf_h) {
                out.push(Problem::new(
                    format!("{at}.mtbf_h"),
                    format!("must be a number > 0, got {}", m.mtbf_h),
                ));
            }
            if let Some(k) = m.weibull_shape {
                if !(k.is_finite() && k >= 0.1) {
                    out.push(Problem::new(
                        format!("{at}.weibull_shape"),
                        format!("must be a number >= 0.1, got {k}"),
                    ));
                }
            }
            if let Some(h) = &m.health_check {
                if !positive(h.interval_s) {
                    out.push(Problem::new(
                        format!("{at}.health_check.interval_s"),
                        format!("must be a number > 0, got {}", h.interval_s),
                    ));
                }
                if h.threshold < 1 {
                    out.push(Problem::new(
                        format!("{at}.health_check.threshold"),
                        "must be at least 1",
                    ));
                }
            }
            let mut dist = |path: String, d: &Dist| {
                if let Err(e) = d.validate() {
                    let full = if e.path.is_empty() {
                        path
                    } else {
                        format!("{path}.{}", e.path)
                    };
                    out.push(Problem::new(full, e.message));
                }
            };
            if let Some(sup) = &m.supervisor {
                dist(format!("{at}.supervisor.restart_s"), &sup.restart_s);
            }
            if let Some(oc) = &m.on_call {
                dist(format!("{at}.on_call.response_min"), &oc.response_min);
                dist(format!("{at}.on_call.repair_min"), &oc.repair_min);
            }
            if let Some(sup) = &m.supervisor {
                if !(sup.fixes.is_finite() && (0.0..=1.0).contains(&sup.fixes)) {
                    out.push(Problem::new(
                        format!("{at}.supervisor.fixes"),
                        format!("must be a probability in [0, 1], got {}", sup.fixes),
                    ));
                }
            }
            let needs_human = m.supervisor.as_ref().is_none_or(|sup| sup.fixes < 1.0);
            if needs_human && m.on_call.is_none() {
                out.push(Problem::new(
                    at.clone(),
                    "needs an `on_call` (some failures are not fixed by a supervisor: who \
                     repairs them?)",
                ));
            }
        }
        if !d.failures.is_empty() && s.reliability.is_none() {
            out.push(Problem::new(
                format!("designs[{i}].failures"),
                "failure models need a top-level `reliability` section (the horizon)",
            ));
        }
    }
    out
}
