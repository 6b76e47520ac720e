//! Assertions over a design's results, for CI: `p99_latency_ms < 120`,
//! `failure_rate <= 0.01`, `endpoints.checkout.failure_rate < 1%`, or a bare boolean metric
//! (`linearizable`), optionally required to hold with a confidence across replications.
//!
//! **Metrics** are paths into a design's entry of `results.json` (`failure_rate`,
//! `latency_ms.p99`, `requests.ok`, `network.lost`, `messages.duplicates`,
//! `endpoints.NAME.latency_ms.p99`, `causes.CAUSE`, `cost_month_usd`, and any field added
//! to the results later), plus aliases: `p99_latency_ms` and `latency_p99_ms` for
//! `latency_ms.p99` (and mean, p50, p90, p999, max), `requests.error` for
//! `requests.by_outcome.error` (and timeout, rejected, in_flight), `messages.lost` for the
//! sum of the lost messages. A metric that results cannot have is a load-time problem: the
//! paths are checked against the shape of [`DesignResult`], read from its serde
//! implementation (so new result fields are known without a list to maintain).
//!
//! **Verdicts.** With K replications the value is the mean over them. With a `confidence`
//! c, an ordered comparison must hold for the far end of the two-sided c interval
//! (`mean ± t · s/√K`): the upper end for `<` and `<=`, the lower end for `>` and `>=`.
//! `==`, `!=` and bare booleans must hold in every replication. The seed to replay is that
//! of the replication with the worst value.

pub use crate::results::shape::results_shape;
pub use crate::scenario::assertion::*;
pub use crate::validate::assertions::problems;

use crate::results::DesignResult;
use serde_json::Value;
use sim_core::metrics::Welford;

/// Why a metric could not be read from a design's results.
#[derive(Debug)]
pub enum MetricError {
    /// The results could not be turned into JSON.
    Json(serde_json::Error),
    /// The metric exists but has no value here (a latency without samples...): `why`.
    NoValue(&'static str),
    /// The results have no such metric.
    Missing {
        /// The design.
        design: String,
        /// The metric as written.
        metric: String,
        /// The deepest path found, and the keys it has (empty at the top).
        found: Option<(String, Vec<String>)>,
    },
    /// A number JSON cannot give as `f64`.
    NotANumber(String),
    /// Neither a number nor a boolean.
    NotNumeric {
        /// The metric as written.
        metric: String,
        /// The design.
        design: String,
    },
}

impl std::fmt::Display for MetricError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricError::Json(e) => write!(f, "{e}"),
            MetricError::NoValue(why) => write!(f, "no value ({why})"),
            MetricError::Missing {
                design,
                metric,
                found,
            } => {
                write!(f, "design {design} has no `{metric}` in its results")?;
                match found {
                    Some((here, known)) => write!(f, " (`{here}` has: {})", known.join(", ")),
                    None => Ok(()),
                }
            }
            MetricError::NotANumber(metric) => write!(f, "`{metric}` is not a number"),
            MetricError::NotNumeric { metric, design } => write!(
                f,
                "`{metric}` is not a number or a boolean in design {design}'s results"
            ),
        }
    }
}

impl std::error::Error for MetricError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MetricError::Json(e) => Some(e),
            _ => None,
        }
    }
}

/// The value of `metric` in `d` (booleans as 1 and 0; an absent cause counts 0).
pub fn metric_value(d: &DesignResult, metric: &str) -> Result<f64, MetricError> {
    let v = serde_json::to_value(d).map_err(MetricError::Json)?;
    value_at(&v, &resolve(metric), &d.name, metric)
}

fn value_at(root: &Value, path: &[String], design: &str, metric: &str) -> Result<f64, MetricError> {
    if path == ["messages", "lost"] {
        if let Some(m) = root.pointer("/messages/lost").and_then(Value::as_object) {
            // A fold from +0: an empty `sum()` of floats is -0, printed "-0".
            return Ok(m.values().filter_map(Value::as_f64).fold(0.0, |a, b| a + b));
        }
    }
    let mut v = root;
    for (i, seg) in path.iter().enumerate() {
        if v.is_null() {
            return Err(no_value(&path[..i]));
        }
        match v.get(seg.as_str()) {
            Some(child) => v = child,
            None if i == 1 && path[0] == "causes" => return Ok(0.0),
            None => {
                let here = path[..i].join(".");
                let known: Vec<String> = v
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                return Err(MetricError::Missing {
                    design: design.to_string(),
                    metric: metric.to_string(),
                    found: (!known.is_empty() && !here.is_empty()).then_some((here, known)),
                });
            }
        }
    }
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| MetricError::NotANumber(metric.to_string())),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::Null => Err(no_value(path)),
        _ => Err(MetricError::NotNumeric {
            metric: metric.to_string(),
            design: design.to_string(),
        }),
    }
}

/// Why a metric that exists in the results has no value in this design's: a latency
/// without samples is `null`, and an assertion on it is a violation, never a pass.
fn no_value(path: &[String]) -> MetricError {
    let why = if path.last().is_some_and(|s| s == "completion_latency_ms") {
        "no message of a measured request was processed"
    } else if path.last().is_some_and(|s| s == "latency_ms") {
        "no successful requests"
    } else if path.last().is_some_and(|s| s == "wait_ms") {
        "no lock was granted"
    } else if path.last().is_some_and(|s| s == "replication_lag_ms") {
        "no write was replicated"
    } else {
        "no value"
    };
    MetricError::NoValue(why)
}

// ---------------------------------------------------------------------------------------
// Evaluation.

pub use results::assertion::{format_number, Verdict};

/// Evaluates `a` on one design's runs (`runs[k]` under `seeds[k]`).
pub fn evaluate(a: &Assertion, runs: &[DesignResult], seeds: &[u64]) -> Verdict {
    let design = runs.first().map(|r| r.name.clone()).unwrap_or_default();
    let base = Verdict {
        design: design.clone(),
        expect: a.expect.clone(),
        metric: String::new(),
        n: runs.len(),
        mean: f64::NAN,
        half_width: None,
        confidence: a.confidence,
        bound: None,
        tested: f64::NAN,
        passed: false,
        seed: seeds.first().copied().unwrap_or(0),
        error: None,
    };
    let expr = match parse(&a.expect) {
        Ok(e) => e,
        Err(e) => {
            return Verdict {
                error: Some(e.to_string()),
                ..base
            }
        }
    };
    let base = Verdict {
        metric: expr.metric.clone(),
        bound: expr.bound,
        ..base
    };
    let mut values = Vec::with_capacity(runs.len());
    for r in runs {
        match metric_value(r, &expr.metric) {
            Ok(v) => values.push(v),
            Err(e) => {
                return Verdict {
                    error: Some(e.to_string()),
                    ..base
                }
            }
        }
    }
    if values.is_empty() {
        return Verdict {
            error: Some("no runs".to_string()),
            ..base
        };
    }
    let w: Welford = values.iter().copied().collect();
    let mean = w.mean();
    let half_width = a.confidence.and_then(|c| w.half_width(c));
    // The worst replication: the one to replay.
    let worst_by = |better_low: bool| {
        let mut best = 0;
        for (k, &v) in values.iter().enumerate() {
            let worse = if better_low {
                v > values[best]
            } else {
                v < values[best]
            };
            if worse {
                best = k;
            }
        }
        best
    };
    let (tested, passed, worst) = match expr.bound {
        None => {
            let bad = values.iter().position(|&v| v == 0.0);
            (mean, bad.is_none(), bad.unwrap_or(0))
        }
        Some((op @ (Op::Eq | Op::Ne), b)) => {
            let bad = values.iter().position(|&v| !op.holds(v, b));
            (mean, bad.is_none(), bad.unwrap_or(0))
        }
        Some((op @ (Op::Lt | Op::Le), b)) => {
            let t = mean + half_width.unwrap_or(0.0);
            (t, op.holds(t, b), worst_by(true))
        }
        Some((op, b)) => {
            let t = mean - half_width.unwrap_or(0.0);
            (t, op.holds(t, b), worst_by(false))
        }
    };
    Verdict {
        mean,
        half_width,
        tested,
        passed: passed && tested.is_finite(),
        seed: seeds.get(worst).copied().unwrap_or(base.seed),
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::shape::shape_has;

    #[test]
    fn expressions_parse_with_every_operator_percentages_and_booleans() {
        let e = parse("p99_latency_ms < 120").unwrap();
        assert_eq!(e.metric, "p99_latency_ms");
        assert_eq!(e.bound, Some((Op::Lt, 120.0)));
        assert_eq!(
            parse("failure_rate<=1%").unwrap().bound,
            Some((Op::Le, 0.01))
        );
        assert_eq!(parse("a >= 2").unwrap().bound, Some((Op::Ge, 2.0)));
        assert_eq!(parse("a > 2").unwrap().bound, Some((Op::Gt, 2.0)));
        assert_eq!(parse("a == 0").unwrap().bound, Some((Op::Eq, 0.0)));
        assert_eq!(parse("a != 1_000").unwrap().bound, Some((Op::Ne, 1000.0)));
        assert_eq!(parse("linearizable").unwrap().bound, None);
        for bad in ["< 3", "a < b", "a <", "x y.", "a < 1e999"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aliases_resolve_to_result_paths() {
        assert_eq!(resolve("p99_latency_ms"), ["latency_ms", "p99"]);
        assert_eq!(resolve("latency_mean_ms"), ["latency_ms", "mean"]);
        assert_eq!(
            resolve("requests.timeout"),
            ["requests", "by_outcome", "timeout"]
        );
        assert_eq!(
            resolve("endpoints.get.p999_latency_ms"),
            ["endpoints", "get", "latency_ms", "p999"]
        );
        assert_eq!(resolve("network.lost"), ["network", "lost"]);
    }

    #[test]
    fn the_shape_of_results_knows_every_metric() {
        let shape = results_shape().expect("DesignResult can be sampled");
        let ok = |m: &str| shape_has(&shape, &resolve(m));
        for m in [
            "failure_rate",
            "throughput_per_s",
            "p99_latency_ms",
            "requests.rejected",
            "requests.total",
            "endpoints.x.failure_rate",
            "causes.client: timeout",
            "messages.duplicates",
            "messages.completion_latency_ms.p99",
            "messages.lost",
            "network.lost",
            "cost_month_usd",
        ] {
            assert!(ok(m).is_ok(), "{m}: {:?}", ok(m));
        }
        for m in [
            "p98_latency_ms",
            "latency_ms",
            "requests.nope",
            "name",
            "series",
        ] {
            assert!(ok(m).is_err(), "{m} accepted");
        }
    }
}
