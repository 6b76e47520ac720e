//! Checking the `chaos` section.

use super::Problem;
use crate::scenario::chaos::*;
use crate::scenario::Scenario;
use sim_core::dist::Dist;
use std::collections::BTreeSet;

/// Problems of the chaos section: ranges, and targets every design must have.
pub fn problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(c) = &s.chaos else {
        return out;
    };
    let bad = |x: f64| !(x.is_finite() && x >= 0.0);
    let mut report = |path: &str, message: String| {
        let path = if path.is_empty() {
            "chaos".to_string()
        } else {
            format!("chaos.{path}")
        };
        out.push(Problem::new(path, message));
    };
    if bad(c.quiet_s) {
        report(
            "quiet_s",
            format!("must be a number >= 0, got {}", c.quiet_s),
        );
    }
    if let Some(start) = c.start_s {
        if bad(start) {
            report("start_s", format!("must be a number >= 0, got {start}"));
        }
    }
    if !(c.min_duration_s.is_finite() && c.min_duration_s > 0.0) {
        report(
            "min_duration_s",
            format!("must be a number > 0, got {}", c.min_duration_s),
        );
    }
    if !(c.max_duration_s.is_finite() && c.max_duration_s >= c.min_duration_s) {
        report(
            "max_duration_s",
            format!(
                "must be a number >= min_duration_s ({}), got {}",
                c.min_duration_s, c.max_duration_s
            ),
        );
    }
    if c.max_concurrent < 1 {
        report("max_concurrent", "must be at least 1".to_string());
    }
    if c.runs < 1 {
        report("runs", "must be at least 1".to_string());
    }
    let mut total = 0.0;
    // The kind asking for the most faults: where a "too many faults" problem points.
    let mut busiest: Option<(&str, f64)> = None;
    for (name, rate) in [
        ("kill", c.kill.as_ref().map(|r| r.rate_per_min)),
        ("pause", c.pause.as_ref().map(|r| r.rate_per_min)),
        ("partition", c.partition.as_ref().map(|r| r.rate_per_min)),
        ("latency", c.latency.as_ref().map(|r| r.rate_per_min)),
        ("slow", c.slow.as_ref().map(|r| r.rate_per_min)),
        ("clock_skew", c.clock_skew.as_ref().map(|r| r.rate_per_min)),
    ] {
        if let Some(r) = rate {
            if bad(r) {
                report(
                    &format!("{name}.rate_per_min"),
                    format!("must be a number >= 0, got {r}"),
                );
            } else {
                total += r;
                if busiest.is_none_or(|(_, b)| r > b) {
                    busiest = Some((name, r));
                }
            }
        }
    }
    let dists = [
        ("latency.extra_ms", c.latency.as_ref().map(|l| &l.extra_ms)),
        ("slow.factor", c.slow.as_ref().map(|l| &l.factor)),
        (
            "clock_skew.offset_ms",
            c.clock_skew.as_ref().map(|l| &l.offset_ms),
        ),
        (
            "clock_skew.drift_ppm",
            c.clock_skew.as_ref().and_then(|l| l.drift_ppm.as_ref()),
        ),
    ];
    for (at, dist) in dists {
        if let Some(Err(e)) = dist.map(Dist::validate) {
            let path = if e.path.is_empty() {
                at.to_string()
            } else {
                format!("{at}.{}", e.path)
            };
            report(&path, e.message);
        }
    }
    let (start, end) = c.window(s);
    if total > 0.0 && s.duration_s.is_finite() && end <= start {
        report(
            "quiet_s",
            format!(
                "leaves no time for chaos: faults may start at {start} s and must end by \
                 duration_s - quiet_s = {end} s"
            ),
        );
    }
    if total / 60.0 * (end - start).max(0.0) > MAX_EXPECTED_FAULTS {
        let at = busiest.map_or_else(String::new, |(name, _)| format!("{name}.rate_per_min"));
        report(
            &at,
            format!(
                "the rates ask for about {:.0} faults per run, more than {MAX_EXPECTED_FAULTS}",
                total / 60.0 * (end - start)
            ),
        );
    }
    // Every node name and every component name (`api` of `api#3`) of each design.
    let nodes: Vec<BTreeSet<String>> = s
        .designs
        .iter()
        .map(|d| {
            let mut names: BTreeSet<String> = BTreeSet::new();
            for n in crate::scenario::node_names(d) {
                names.insert(component(&n).to_string());
                names.insert(n);
            }
            names
        })
        .collect();
    for (i, t) in c.targets.iter().enumerate() {
        for (d, names) in s.designs.iter().zip(&nodes) {
            let known = names.contains(t);
            if !known || t == "client" {
                report(
                    &format!("targets[{i}]"),
                    format!(
                        "design `{}` has no node `{t}` (every design faces the same chaos, so \
                         every design needs every target)",
                        d.name
                    ),
                );
            }
        }
    }
    if total > 0.0 && c.targets.is_empty() && common_nodes(s).is_empty() {
        report(
            "targets",
            "the designs have no node in common: name the targets".to_string(),
        );
    }
    out
}
