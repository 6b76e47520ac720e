//! `caplab compare A/results.json B/results.json`: the differences between two runs (two
//! commits of a design, two seeds), design by design (matched by name).

use crate::stats::{metric_value, METRICS};
use results::RunResults;
use serde::Serialize;

/// One run's identity.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Side {
    /// Scenario name.
    pub scenario: String,
    /// Seed.
    pub seed: u64,
    /// caplab version.
    pub caplab_version: String,
}

/// A metric in both runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetricDiff {
    /// Metric name (see [`METRICS`]).
    pub metric: String,
    /// Value in A.
    pub a: f64,
    /// Value in B.
    pub b: f64,
    /// `b - a`.
    pub delta: f64,
    /// `(b - a) / a`, `None` when `a` is 0.
    pub relative: Option<f64>,
}

/// A design present in both runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DesignDiff {
    /// Design name.
    pub name: String,
    /// Whether the digests are equal (then the runs processed the same events).
    pub same_digest: bool,
    /// Digest in A.
    pub digest_a: String,
    /// Digest in B.
    pub digest_b: String,
    /// Requests in A and B.
    pub requests: (u64, u64),
    /// The headline metrics.
    pub metrics: Vec<MetricDiff>,
}

/// The comparison of two runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// Run A.
    pub a: Side,
    /// Run B.
    pub b: Side,
    /// Designs in both, in A's order.
    pub designs: Vec<DesignDiff>,
    /// Designs only in A.
    pub only_in_a: Vec<String>,
    /// Designs only in B.
    pub only_in_b: Vec<String>,
}

/// Compares run `b` against run `a`.
pub fn compare(a: &RunResults, b: &RunResults) -> Comparison {
    let side = |r: &RunResults| Side {
        scenario: r.scenario.clone(),
        seed: r.seed,
        caplab_version: r.caplab_version.clone(),
    };
    let designs = a
        .designs
        .iter()
        .filter_map(|da| {
            let db = b.designs.iter().find(|d| d.name == da.name)?;
            Some(DesignDiff {
                name: da.name.clone(),
                same_digest: da.digest == db.digest,
                digest_a: da.digest.clone(),
                digest_b: db.digest.clone(),
                requests: (da.requests.total, db.requests.total),
                metrics: METRICS
                    .iter()
                    .map(|(m, _, _)| {
                        let x = metric_value(da, m).unwrap_or(f64::NAN);
                        let y = metric_value(db, m).unwrap_or(f64::NAN);
                        MetricDiff {
                            metric: m.to_string(),
                            a: x,
                            b: y,
                            delta: y - x,
                            relative: (x != 0.0 && x.is_finite()).then(|| (y - x) / x),
                        }
                    })
                    .collect(),
            })
        })
        .collect();
    let names = |r: &RunResults, other: &RunResults| {
        r.designs
            .iter()
            .filter(|d| !other.designs.iter().any(|o| o.name == d.name))
            .map(|d| d.name.clone())
            .collect()
    };
    Comparison {
        a: side(a),
        b: side(b),
        designs,
        only_in_a: names(a, b),
        only_in_b: names(b, a),
    }
}

/// The comparison as pretty JSON with a trailing newline (non-finite numbers as `null`).
pub fn comparison_json(c: &Comparison) -> String {
    let mut s =
        serde_json::to_string_pretty(c).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    #[test]
    fn compares_matching_designs() {
        let a = sample();
        let mut b = sample();
        b.seed = 43;
        if let Some(l) = &mut b.designs[0].latency_ms {
            l.p99 = 50.0;
        }
        b.designs[0].digest = "1111111111111111".to_string();
        b.designs[1].name = "quorum-5".to_string();
        let c = compare(&a, &b);
        assert_eq!(c.designs.len(), 1);
        let d = &c.designs[0];
        assert!(!d.same_digest);
        let p99 = d
            .metrics
            .iter()
            .find(|m| m.metric == "latency_p99_ms")
            .unwrap();
        assert!((p99.delta - (50.0 - 45.678)).abs() < 1e-9);
        assert!((p99.relative.unwrap() - (50.0 - 45.678) / 45.678).abs() < 1e-12);
        assert_eq!(c.only_in_a, ["quorum-3"]);
        assert_eq!(c.only_in_b, ["quorum-5"]);
        let same = compare(&a, &a);
        assert!(same
            .designs
            .iter()
            .all(|d| d.same_digest && d.metrics.iter().all(|m| m.delta == 0.0)));
        assert!(comparison_json(&c).contains("\"only_in_b\": [\n    \"quorum-5\"\n  ]"));
    }
}
