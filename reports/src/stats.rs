//! Statistics across replications: mean and 95% confidence interval (Student t) of each
//! headline metric per design, and the difference between every two designs, paired
//! (same seeds on both sides) next to unpaired (Welch), so the tightening that common
//! random numbers buy is visible.
//!
//! **Method: replication means.** Each replication is one whole run of a design under its
//! own seed; its warm-up (`warmup_s`) is removed by the run itself (requests issued before
//! it are not counted), and it contributes exactly one value per metric. The K values are
//! independent and identically distributed, so the interval is `mean ± t(K-1) · s / √K`.
//! Time windows inside a run are never used as samples (they are autocorrelated); batch
//! means are not used anywhere.
//!
//! **Seeds.** Replication 0 uses the run's seed itself (so `results.json` and the charts are
//! replication 0, replayable with `--seed`); replication `k ≥ 1` uses
//! [`replication_seed`]`(seed, k)` = `splitmix64(seed ^ k)`. Every design of a replication
//! gets the same seed: the same arrivals and the same faults (common random numbers).
//!
//! Pure functions: the same runs give the same bytes, whatever order they were computed in.

use results::DesignResult;
use serde::{Deserialize, Serialize};
use sim_core::metrics::{t_quantile, Welford};
use sim_core::rng::replication_seed;

/// The headline metrics, in report order: `(name, unit, what)`.
pub const METRICS: [(&str, &str, &str); 5] = [
    ("failure_rate", "%", "failure rate"),
    ("throughput_per_s", "/s", "throughput"),
    ("latency_mean_ms", "ms", "mean latency"),
    ("latency_p50_ms", "ms", "p50 latency"),
    ("latency_p99_ms", "ms", "p99 latency"),
];

/// How the statistics were computed, written into `replications.json`.
pub const METHOD: &str = "replication means: one value per metric per replication, each \
replication a whole run with its warm-up removed; 95% confidence half-width t(K-1)*s/sqrt(K) \
(Student t); paired differences use the same seeds on both sides (common random numbers), \
unpaired half-widths are Welch's; seed of replication 0 = the run's seed, of replication \
k >= 1 = splitmix64(seed ^ k)";

/// The seeds of `count` replications of a run under `seed`.
pub fn replication_seeds(seed: u64, count: u64) -> Vec<u64> {
    (0..count).map(|k| replication_seed(seed, k)).collect()
}

/// The value of a headline metric in one design's results (fractions stay fractions).
pub fn metric_value(d: &DesignResult, metric: &str) -> Option<f64> {
    Some(match metric {
        "failure_rate" => d.failure_rate,
        "throughput_per_s" => d.throughput_per_s,
        "latency_mean_ms" => d.latency_ms?.mean,
        "latency_p50_ms" => d.latency_ms?.p50,
        "latency_p99_ms" => d.latency_ms?.p99,
        _ => return None,
    })
}

/// `replications.json`: every design's metrics across the replications, and the
/// differences between designs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replications {
    /// The scenario's name.
    pub scenario: String,
    /// The run's seed (that of replication 0).
    pub seed: u64,
    /// Number of replications K.
    pub replications: u64,
    /// How the numbers were computed (see [`METHOD`]).
    pub method: String,
    /// The seed of each replication.
    pub seeds: Vec<u64>,
    /// Per design, in file order.
    pub designs: Vec<DesignStats>,
    /// For every two designs `a` before `b` in file order, and every metric: `b - a`.
    pub differences: Vec<Difference>,
}

/// One design across the replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignStats {
    /// The design's name.
    pub name: String,
    /// The digest of each replication's run (replay one with `--seed`).
    pub digests: Vec<String>,
    /// The headline metrics, in [`METRICS`] order.
    pub metrics: Vec<MetricStats>,
}

/// A metric across the replications of one design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricStats {
    /// The metric's name (see [`METRICS`]).
    pub metric: String,
    /// Number of replications.
    pub n: u64,
    /// Mean over the replications.
    pub mean: f64,
    /// 95% confidence half-width (Student t); `null` with fewer than 2 replications.
    pub half_width: Option<f64>,
    /// The value of each replication.
    pub values: Vec<f64>,
}

/// The difference `b - a` of one metric between two designs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Difference {
    /// The metric.
    pub metric: String,
    /// The first design.
    pub a: String,
    /// The second design.
    pub b: String,
    /// Mean of `b - a` over the replications.
    pub mean: f64,
    /// 95% half-width of the paired difference (replication k of `a` against replication k
    /// of `b`: same seed); `null` with fewer than 2 replications.
    pub paired_half_width: Option<f64>,
    /// 95% half-width had the two designs been run with independent seeds (Welch);
    /// `null` with fewer than 2 replications.
    pub unpaired_half_width: Option<f64>,
}

impl Difference {
    /// How many times tighter the paired interval is than the unpaired one (`None` when
    /// either is missing or the paired one is zero).
    pub fn tightening(&self) -> Option<f64> {
        match (self.paired_half_width, self.unpaired_half_width) {
            (Some(p), Some(u)) if p > 0.0 => Some(u / p),
            _ => None,
        }
    }

    /// Whether the paired 95% interval excludes zero.
    pub fn significant(&self) -> bool {
        self.paired_half_width
            .is_some_and(|h| self.mean.abs() > h && self.mean.is_finite())
    }
}

impl Replications {
    /// The statistics of one design and metric.
    pub fn metric(&self, design: &str, metric: &str) -> Option<&MetricStats> {
        self.designs
            .iter()
            .find(|d| d.name == design)?
            .metrics
            .iter()
            .find(|m| m.metric == metric)
    }
}

/// A finite half-width, or `None`.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// Mean and 95% half-width (`None` below two samples).
fn interval(values: &[f64]) -> (f64, Option<f64>) {
    let w: Welford = values.iter().copied().collect();
    (w.mean(), w.half_width(0.95).and_then(finite))
}

/// Welch's 95% half-width for the difference of the means of two independent samples.
fn welch_half_width(a: &[f64], b: &[f64]) -> Option<f64> {
    let wa: Welford = a.iter().copied().collect();
    let wb: Welford = b.iter().copied().collect();
    if wa.count() < 2 || wb.count() < 2 {
        return None;
    }
    let va = wa.variance() / wa.count() as f64;
    let vb = wb.variance() / wb.count() as f64;
    let se2 = va + vb;
    if se2 == 0.0 {
        return Some(0.0);
    }
    // Welch–Satterthwaite degrees of freedom, rounded down (conservative).
    let df = se2 * se2 / (va * va / (wa.count() - 1) as f64 + vb * vb / (wb.count() - 1) as f64);
    let df = if df.is_finite() {
        df.floor().max(1.0)
    } else {
        1.0
    };
    finite(t_quantile(0.95, df as u64) * se2.sqrt())
}

/// The statistics of `runs[d][k]`, the result of design `d` in replication `k` under
/// `seeds[k]`. Every design must have one result per seed.
pub fn summarise(
    scenario: &str,
    seed: u64,
    seeds: &[u64],
    runs: &[Vec<DesignResult>],
) -> Replications {
    let designs: Vec<DesignStats> = runs
        .iter()
        .filter_map(|reps| {
            let first = reps.first()?;
            let metrics = METRICS
                .iter()
                .map(|(metric, _, _)| {
                    let values: Vec<f64> = reps
                        .iter()
                        .map(|r| metric_value(r, metric).unwrap_or(f64::NAN))
                        .collect();
                    let (mean, half_width) = interval(&values);
                    MetricStats {
                        metric: metric.to_string(),
                        n: values.len() as u64,
                        mean,
                        half_width,
                        values,
                    }
                })
                .collect();
            Some(DesignStats {
                name: first.name.clone(),
                digests: reps.iter().map(|r| r.digest.clone()).collect(),
                metrics,
            })
        })
        .collect();
    let mut differences = Vec::new();
    for i in 0..designs.len() {
        for j in i + 1..designs.len() {
            for (m, (metric, _, _)) in METRICS.iter().enumerate() {
                let a = &designs[i].metrics[m].values;
                let b = &designs[j].metrics[m].values;
                let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
                let (mean, paired) = interval(&diffs);
                differences.push(Difference {
                    metric: metric.to_string(),
                    a: designs[i].name.clone(),
                    b: designs[j].name.clone(),
                    mean,
                    paired_half_width: paired,
                    unpaired_half_width: welch_half_width(a, b),
                });
            }
        }
    }
    Replications {
        scenario: scenario.to_string(),
        seed,
        replications: seeds.len() as u64,
        method: METHOD.to_string(),
        seeds: seeds.to_vec(),
        designs,
        differences,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    fn with(d: &DesignResult, latency: f64, failure: f64) -> DesignResult {
        let mut d = d.clone();
        if let Some(l) = &mut d.latency_ms {
            l.mean = latency;
        }
        d.failure_rate = failure;
        d
    }

    #[test]
    fn seeds_are_the_run_seed_then_mixed() {
        let s = replication_seeds(7, 4);
        assert_eq!(s[0], 7);
        assert_eq!(s[1], sim_core::rng::splitmix64(7 ^ 1));
        assert_eq!(s[3], sim_core::rng::splitmix64(7 ^ 3));
        let unique: std::collections::BTreeSet<u64> = s.iter().copied().collect();
        assert_eq!(unique.len(), 4);
    }

    #[test]
    fn interval_matches_the_student_t_formula() {
        // mean 2.5, s = sqrt(5/3), t(3) = 3.182446305
        let (mean, hw) = interval(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(mean, 2.5);
        let expected = 3.182_446_305 * (5.0f64 / 3.0).sqrt() / 2.0;
        assert!((hw.unwrap() - expected).abs() < 1e-9);
        assert_eq!(interval(&[3.0]).1, None);
    }

    #[test]
    fn paired_differences_are_tighter_under_common_noise() {
        let r = sample();
        let (a0, b0) = (&r.designs[0], &r.designs[1]);
        // A shared per-seed effect (the seed's arrivals) moves both designs together: b is
        // always a + 1 ms, but both swing by ±5 ms from seed to seed.
        let noise = [0.0, 5.0, -5.0, 3.0, -3.0];
        let a: Vec<DesignResult> = noise.iter().map(|n| with(a0, 10.0 + n, 0.01)).collect();
        let b: Vec<DesignResult> = noise
            .iter()
            .enumerate()
            .map(|(k, n)| with(b0, 11.0 + n + 0.1 * k as f64, 0.02))
            .collect();
        let seeds = replication_seeds(1, 5);
        let reps = summarise("s", 1, &seeds, &[a, b]);
        assert_eq!(reps.replications, 5);
        assert_eq!(reps.designs.len(), 2);
        assert_eq!(reps.designs[0].metrics.len(), METRICS.len());
        let m = reps.metric("leader", "latency_mean_ms").unwrap();
        assert_eq!(m.n, 5);
        assert!((m.mean - 10.0).abs() < 1e-12);
        assert!(m.half_width.unwrap() > 4.0);
        let d = reps
            .differences
            .iter()
            .find(|d| d.metric == "latency_mean_ms")
            .unwrap();
        assert_eq!((d.a.as_str(), d.b.as_str()), ("leader", "quorum-3"));
        assert!((d.mean - 1.2).abs() < 1e-9, "{}", d.mean);
        let (p, u) = (d.paired_half_width.unwrap(), d.unpaired_half_width.unwrap());
        assert!(p < 0.3 && u > 4.0, "paired {p} unpaired {u}");
        assert!(d.tightening().unwrap() > 10.0);
        assert!(d.significant());
        // identical failure rates in every replication: zero-width intervals
        let f = reps
            .differences
            .iter()
            .find(|d| d.metric == "failure_rate")
            .unwrap();
        assert_eq!(f.paired_half_width, Some(0.0));
        assert_eq!(f.unpaired_half_width, Some(0.0));
        assert_eq!(f.tightening(), None);
    }

    #[test]
    fn one_replication_has_no_interval() {
        let r = sample();
        let reps = summarise(
            "s",
            3,
            &[3],
            &[vec![r.designs[0].clone()], vec![r.designs[1].clone()]],
        );
        assert!(reps.designs[0]
            .metrics
            .iter()
            .all(|m| m.half_width.is_none()));
        assert!(reps
            .differences
            .iter()
            .all(|d| d.paired_half_width.is_none()
                && d.unpaired_half_width.is_none()
                && !d.significant()));
        assert_eq!(reps.designs[0].digests, ["0123456789abcdef"]);
    }
}
