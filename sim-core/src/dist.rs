//! Probability distributions for scenario files: durations (in milliseconds) and other
//! non-negative quantities.
//!
//! A [`Dist`] is plain data, serialised externally tagged (`{"exponential": {"mean": 5}}`),
//! validated once when a scenario is loaded and then sampled from a [`SimRng`] stream. All
//! float math goes through `libm`, which is pure Rust with fixed algorithms, or through this
//! crate's own (the ziggurat, and the table-driven `exp` of log-normal draws), so a seed
//! replays to the same bits on every machine; `std`'s `ln`/`exp` may call the platform's libm,
//! whose last bits differ between systems.

use crate::rng::SimRng;
use crate::time::SimDuration;
use crate::ziggurat;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::fmt;

/// The 0.99 quantile of the standard normal distribution.
const Z99: f64 = 2.326347874040841;

/// Candidates a truncated normal tries before giving up. Validation keeps the mean
/// non-negative, so each candidate is accepted with probability at least 1/2 and all 64 fail
/// with probability at most 2^-64: the cap only guarantees that sampling terminates, it
/// never shows up in practice.
const NORMAL_CANDIDATES: usize = 64;

/// A probability distribution over non-negative values. Parameters are in the unit of the
/// quantity sampled (milliseconds for durations). Call [`Dist::validate`] before sampling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Dist {
    /// Always `value` (>= 0).
    Constant {
        /// The value.
        #[schemars(range(min = 0))]
        value: f64,
    },
    /// Uniform between `low` and `high`, with `0 <= low <= high`.
    Uniform {
        /// The smallest value.
        #[schemars(range(min = 0))]
        low: f64,
        /// The largest value.
        #[schemars(range(min = 0))]
        high: f64,
    },
    /// Exponential with the given `mean` (> 0, i.e. 1 / rate): memoryless gaps.
    Exponential {
        /// The mean (1 / rate).
        #[schemars(extend("exclusiveMinimum" = 0))]
        mean: f64,
    },
    /// Normal truncated at zero: the `Normal(mean, std_dev)` law conditioned on being
    /// non-negative. Sampled exactly by rejection (ziggurat candidates, negatives redrawn);
    /// `mean >= 0` is required so that rejection accepts at least half of the candidates.
    Normal {
        /// The untruncated law's mean (>= 0).
        #[schemars(range(min = 0))]
        mean: f64,
        /// The untruncated law's standard deviation (>= 0).
        #[schemars(range(min = 0))]
        std_dev: f64,
    },
    /// Log-normal `exp(mu + sigma * Z)`, `Z` standard normal: `mu` and `sigma >= 0` are the
    /// underlying normal's mean and standard deviation.
    LogNormal {
        /// The underlying normal's mean.
        mu: f64,
        /// The underlying normal's standard deviation (>= 0).
        #[schemars(range(min = 0))]
        sigma: f64,
    },
    /// Log-normal given by its `mean` (> 0) and 99th percentile `p99` (above the mean, by at
    /// most a factor of about 14.97); see [`log_normal_mean_p99_params`] for the derivation.
    LogNormalMeanP99 {
        /// The mean (> 0).
        #[schemars(extend("exclusiveMinimum" = 0))]
        mean: f64,
        /// The 99th percentile (above the mean).
        #[schemars(extend("exclusiveMinimum" = 0))]
        p99: f64,
    },
    /// Pareto with minimum `scale` (x_m > 0) and tail index `shape` (alpha > 0); its mean is
    /// finite only when `shape > 1`.
    Pareto {
        /// The minimum value x_m (> 0).
        #[schemars(extend("exclusiveMinimum" = 0))]
        scale: f64,
        /// The tail index alpha (> 0).
        #[schemars(extend("exclusiveMinimum" = 0))]
        shape: f64,
    },
    /// Empirical percentile table `points = [[percentile, value], ...]`: percentiles strictly
    /// increase from 0 to 100, values (>= 0) never decrease. Sampled by linear interpolation
    /// of the inverse CDF.
    Empirical {
        /// `(percentile, value)` pairs, percentiles from 0 to 100.
        #[schemars(length(min = 2), inner(length(min = 2)))]
        points: Vec<(f64, f64)>,
    },
    /// Weighted mixture: each draw picks one of `parts` with probability weight / total
    /// weight, then samples it.
    Mixture {
        /// The parts and their weights.
        #[schemars(length(min = 1))]
        parts: Vec<MixturePart>,
    },
}

/// One component of a [`Dist::Mixture`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MixturePart {
    /// Relative weight (positive, finite); normalised by the sum over all parts.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub weight: f64,
    /// The distribution drawn from when this part is picked.
    pub dist: Dist,
}

/// Why a [`Dist`] was rejected: `path` names the offending field relative to the distribution
/// (for example `mixture.parts[1].dist.exponential.mean`), so callers can prefix their own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistError {
    /// Dotted path of the offending field; empty when the whole distribution is at fault.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Shorthand for a failed validation.
fn fail<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, DistError> {
    let (path, message) = (path.into(), message.into());
    Err(DistError { path, message })
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for DistError {}

/// Fails unless `x` is finite and `in_range` (the caller's test of `x`, described by `want`).
fn check(path: &str, x: f64, in_range: bool, want: &str) -> Result<(), DistError> {
    if x.is_finite() && in_range {
        return Ok(());
    }
    fail(path, format!("must be a finite number{want}, got {x}"))
}

fn finite(path: &str, x: f64) -> Result<(), DistError> {
    check(path, x, true, "")
}

fn non_negative(path: &str, x: f64) -> Result<(), DistError> {
    check(path, x, x >= 0.0, " >= 0")
}

fn positive(path: &str, x: f64) -> Result<(), DistError> {
    check(path, x, x > 0.0, " > 0")
}

/// `(mu, sigma)` of the log-normal with the given mean and 99th percentile.
///
/// Derivation: a log-normal has `mean = exp(mu + sigma^2 / 2)` and
/// `p99 = exp(mu + z * sigma)` with `z` the 0.99 normal quantile. Subtracting the logarithms,
/// `d = ln p99 - ln mean = z * sigma - sigma^2 / 2`, i.e. `sigma^2 - 2 z sigma + 2 d = 0`, so
/// `sigma = z ± sqrt(z^2 - 2 d)`. We take the smaller root: it tends to 0 as p99 approaches
/// the mean, whereas the larger root (`sigma > z`) is a far wilder law with the same mean and
/// p99 whose mean is carried by the top 1%, not what anyone means by "mean 10, p99 50".
/// Then `mu = ln mean - sigma^2 / 2`.
/// A real root needs `d > 0` (p99 above the mean) and `z^2 >= 2 d`, i.e.
/// `p99 / mean <= exp(z^2 / 2) ≈ 14.97`.
pub fn log_normal_mean_p99_params(mean: f64, p99: f64) -> Result<(f64, f64), DistError> {
    positive("log_normal_mean_p99.mean", mean)?;
    let path = "log_normal_mean_p99.p99";
    check(path, p99, p99 > mean, " above the mean")?;
    let Some(params) = mean_p99_to_mu_sigma(mean, p99) else {
        return fail(
            path,
            format!("must be at most 14.97 times the mean, got {p99}"),
        );
    };
    Ok(params)
}

/// The arithmetic of [`log_normal_mean_p99_params`], without messages (so sampling never
/// allocates); `None` when there is no real root.
fn mean_p99_to_mu_sigma(mean: f64, p99: f64) -> Option<(f64, f64)> {
    let ln_mean = libm::log(mean);
    let disc = Z99 * Z99 - 2.0 * (libm::log(p99) - ln_mean);
    if disc.is_nan() || disc < 0.0 {
        return None;
    }
    let sigma = Z99 - libm::sqrt(disc);
    Some((ln_mean - sigma * sigma / 2.0, sigma))
}

fn validate_empirical(points: &[(f64, f64)]) -> Result<(), DistError> {
    if points.len() < 2 {
        return fail("empirical.points", "needs percentiles 0 and 100");
    }
    let last = points.len() - 1;
    for (i, &(p, v)) in points.iter().enumerate() {
        let path = format!("empirical.points[{i}]");
        finite(&path, p)?;
        non_negative(&path, v)?;
        if (i == 0 && p != 0.0) || (i == last && p != 100.0) {
            let msg = format!("the table must run from percentile 0 to 100, got {p}");
            return fail(path, msg);
        }
        if i > 0 && p <= points[i - 1].0 {
            return fail(path, "percentiles must strictly increase");
        }
        if i > 0 && v < points[i - 1].1 {
            return fail(path, "values must not decrease");
        }
    }
    Ok(())
}

fn validate_mixture(parts: &[MixturePart]) -> Result<(), DistError> {
    if parts.is_empty() {
        return fail("mixture.parts", "needs at least one part");
    }
    for (i, part) in parts.iter().enumerate() {
        positive(&format!("mixture.parts[{i}].weight"), part.weight)?;
        if let Err(e) = part.dist.validate() {
            let sep = if e.path.is_empty() { "" } else { "." };
            return fail(format!("mixture.parts[{i}].dist{sep}{}", e.path), e.message);
        }
    }
    // Each weight is finite, but their sum could still overflow and break normalisation.
    finite("mixture.parts", parts.iter().map(|p| p.weight).sum())
}

/// One standard normal draw: the ziggurat (one 64-bit word for about 99% of draws; see
/// `crate::ziggurat`).
#[inline]
fn std_normal(rng: &mut SimRng) -> f64 {
    ziggurat::std_normal(rng)
}

/// Rejection sampling of `Normal(mean, std_dev)` conditioned on `>= 0`: exact, since accepted
/// candidates have precisely the truncated law.
fn truncated_normal(mean: f64, std_dev: f64, rng: &mut SimRng) -> f64 {
    if std_dev == 0.0 {
        return mean.max(0.0);
    }
    for _ in 0..NORMAL_CANDIDATES {
        let x = mean + std_dev * std_normal(rng);
        if x >= 0.0 {
            return x;
        }
    }
    // Unreachable in practice (see NORMAL_CANDIDATES); the mean is a valid, non-negative answer.
    mean.max(0.0)
}

/// Mean of `Normal(mean, std_dev)` truncated to `[0, inf)`:
/// `mean + std_dev * phi(a) / Phi(a)` with `a = mean / std_dev`.
fn truncated_normal_mean(mean: f64, std_dev: f64) -> f64 {
    if std_dev == 0.0 {
        return mean.max(0.0);
    }
    let a = mean / std_dev;
    let pdf = libm::exp(-a * a / 2.0) / libm::sqrt(2.0 * PI);
    let cdf = 0.5 * libm::erfc(-a / libm::sqrt(2.0));
    mean + std_dev * pdf / cdf
}

/// Inverse CDF of a validated percentile table at percentile `q` in `[0, 100)`.
fn empirical_quantile(points: &[(f64, f64)], q: f64) -> f64 {
    // The first point whose percentile exceeds q closes q's segment.
    let k = points.partition_point(|&(p, _)| p <= q);
    match (k.checked_sub(1).and_then(|j| points.get(j)), points.get(k)) {
        (Some(&(p0, v0)), Some(&(p1, v1))) => v0 + (v1 - v0) * (q - p0) / (p1 - p0),
        (Some(&(_, v)), None) | (None, Some(&(_, v))) => v,
        (None, None) => 0.0,
    }
}

impl Dist {
    /// Always `value`.
    pub fn constant(value: f64) -> Dist {
        Dist::Constant { value }
    }

    /// Exponential with the given mean.
    pub fn exponential(mean: f64) -> Dist {
        Dist::Exponential { mean }
    }

    /// Checks every parameter so that sampling only ever yields finite values >= 0 (bar
    /// overflow of heavy tails); the error's `path` names the offending field.
    pub fn validate(&self) -> Result<(), DistError> {
        match self {
            Dist::Constant { value } => non_negative("constant.value", *value),
            Dist::Uniform { low, high } => {
                non_negative("uniform.low", *low)?;
                check("uniform.high", *high, high >= low, " >= low")
            }
            Dist::Exponential { mean } => positive("exponential.mean", *mean),
            Dist::Normal { mean, std_dev } => {
                non_negative("normal.mean", *mean)?;
                non_negative("normal.std_dev", *std_dev)
            }
            Dist::LogNormal { mu, sigma } => {
                finite("log_normal.mu", *mu)?;
                non_negative("log_normal.sigma", *sigma)
            }
            Dist::LogNormalMeanP99 { mean, p99 } => {
                log_normal_mean_p99_params(*mean, *p99).map(|_| ())
            }
            Dist::Pareto { scale, shape } => {
                positive("pareto.scale", *scale)?;
                positive("pareto.shape", *shape)
            }
            Dist::Empirical { points } => validate_empirical(points),
            Dist::Mixture { parts } => validate_mixture(parts),
        }
    }

    /// The same distribution in its cheapest form for sampling: a `LogNormalMeanP99` becomes
    /// the `LogNormal` it stands for (saving two logarithms and a root per draw), inside
    /// mixtures too. Call it once when a validated scenario is compiled.
    pub fn prepared(&self) -> Dist {
        match self {
            Dist::LogNormalMeanP99 { mean, p99 } => match mean_p99_to_mu_sigma(*mean, *p99) {
                Some((mu, sigma)) => Dist::LogNormal { mu, sigma },
                None => self.clone(),
            },
            Dist::Mixture { parts } => Dist::Mixture {
                parts: parts
                    .iter()
                    .map(|p| MixturePart {
                        weight: p.weight,
                        dist: p.dist.prepared(),
                    })
                    .collect(),
            },
            other => other.clone(),
        }
    }

    /// One draw. Assumes [`Dist::validate`] passed: invalid parameters give unspecified (but
    /// non-panicking) results. Never allocates.
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            // The hot cases come first and cost about one draw each.
            Dist::Constant { value } => *value,
            // The ziggurat (`crate::ziggurat`): exact, and about twice the draws per second
            // of the inverse CDF `-mean * ln(u)` (`caplab bench`'s sampler rows).
            Dist::Exponential { mean } => mean * ziggurat::exp1(rng),
            Dist::Uniform { low, high } => low + (high - low) * rng.next_f64(),
            Dist::Normal { mean, std_dev } => truncated_normal(*mean, *std_dev, rng),
            Dist::LogNormal { mu, sigma } => crate::exp::exp(mu + sigma * std_normal(rng)),
            Dist::LogNormalMeanP99 { mean, p99 } => {
                // Re-derived per draw (two logs and a root) because the variant is plain
                // data; callers in hot loops should prefer `LogNormal`.
                match mean_p99_to_mu_sigma(*mean, *p99) {
                    Some((mu, sigma)) => crate::exp::exp(mu + sigma * std_normal(rng)),
                    None => *mean,
                }
            }
            // Inverse CDF: x_m * u^(-1/alpha), with u in (0, 1] so the power stays finite.
            Dist::Pareto { scale, shape } => scale * libm::pow(rng.next_f64_open0(), -1.0 / shape),
            Dist::Empirical { points } => empirical_quantile(points, 100.0 * rng.next_f64()),
            Dist::Mixture { parts } => {
                let total: f64 = parts.iter().map(|p| p.weight).sum();
                let u = total * rng.next_f64();
                let mut cumulative = 0.0;
                for part in parts {
                    cumulative += part.weight;
                    if u < cumulative {
                        return part.dist.sample(rng);
                    }
                }
                // Only reachable through rounding in the cumulative sum: the last part owns it.
                parts.last().map_or(0.0, |p| p.dist.sample(rng))
            }
        }
    }

    /// One draw read as milliseconds, rounded to the nearest nanosecond. A `Dist` is a plain
    /// number; every duration distribution of a scenario is in milliseconds (its field says
    /// `_ms`), and this name says which unit it reads the draw in.
    ///
    /// ```
    /// use sim_core::dist::Dist;
    /// use sim_core::rng::SimRng;
    /// use sim_core::time::SimDuration;
    ///
    /// let mut rng = SimRng::stream(1, "x", 0);
    /// assert_eq!(Dist::constant(2.5).sample_duration_ms(&mut rng), SimDuration::from_micros(2_500));
    /// ```
    pub fn sample_duration_ms(&self, rng: &mut SimRng) -> SimDuration {
        SimDuration::from_millis_f64(self.sample(rng))
    }

    /// The analytic mean, or `None` where it is infinite (Pareto with `shape <= 1`, overflowing
    /// log-normals) or undefined (a mixture with such a part, an empty table).
    pub fn mean(&self) -> Option<f64> {
        let m = match self {
            Dist::Constant { value } => *value,
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Exponential { mean } => *mean,
            Dist::Normal { mean, std_dev } => truncated_normal_mean(*mean, *std_dev),
            Dist::LogNormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            // The mean is a parameter: the derivation pins it exactly.
            Dist::LogNormalMeanP99 { mean, .. } => *mean,
            Dist::Pareto { scale, shape } if *shape > 1.0 => shape * scale / (shape - 1.0),
            Dist::Pareto { .. } => return None,
            // The inverse CDF is linear on each segment, so its average there is the midpoint.
            Dist::Empirical { points } if points.len() >= 2 => points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) / 100.0 * (w[0].1 + w[1].1) / 2.0)
                .sum(),
            Dist::Empirical { .. } => return None,
            Dist::Mixture { parts } => {
                let total: f64 = parts.iter().map(|p| p.weight).sum();
                let mut acc = 0.0;
                for part in parts {
                    acc += part.weight * part.dist.mean()?;
                }
                acc / total
            }
        };
        Some(m).filter(|m| m.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: usize = 200_000;

    // Short constructors keep the tables below on one line each.
    fn uni(low: f64, high: f64) -> Dist {
        Dist::Uniform { low, high }
    }
    fn norm(mean: f64, std_dev: f64) -> Dist {
        Dist::Normal { mean, std_dev }
    }
    fn logn(mu: f64, sigma: f64) -> Dist {
        Dist::LogNormal { mu, sigma }
    }
    fn mp99(mean: f64, p99: f64) -> Dist {
        Dist::LogNormalMeanP99 { mean, p99 }
    }
    fn pareto(scale: f64, shape: f64) -> Dist {
        Dist::Pareto { scale, shape }
    }
    fn emp(points: &[(f64, f64)]) -> Dist {
        let points = points.to_vec();
        Dist::Empirical { points }
    }
    fn mix(parts: &[(f64, Dist)]) -> Dist {
        let part = |(weight, dist): (f64, Dist)| MixturePart { weight, dist };
        let parts = parts.iter().cloned().map(part).collect();
        Dist::Mixture { parts }
    }

    fn draws(d: &Dist, seed: u64) -> Vec<f64> {
        let mut rng = SimRng::stream(seed, "test", 0);
        (0..N).map(|_| d.sample(&mut rng)).collect()
    }

    fn quantile(xs: &[f64], q: f64) -> f64 {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        v[(v.len() as f64 * q) as usize]
    }

    /// Samples `d`, checks every draw is >= 0 and the sample mean is within 5 standard errors
    /// (from the sample variance) of the analytic mean; returns the draws.
    fn check_mean(d: &Dist, seed: u64) -> Vec<f64> {
        assert_eq!(d.validate(), Ok(()), "{d:?}");
        let xs = draws(d, seed);
        assert!(xs.iter().all(|&x| x >= 0.0), "{d:?} drew a negative value");
        let n = N as f64;
        let m = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
        let se = libm::sqrt(var / n);
        let want = d.mean().expect("analytic mean exists");
        // The tiny absolute slack is for Constant, whose standard error is zero.
        let msg = format!("{d:?}: mean {m}, want {want}, se {se}");
        assert!((m - want).abs() <= 5.0 * se + 1e-9, "{msg}");
        xs
    }

    #[rustfmt::skip]
    fn table() -> Dist {
        emp(&[(0.0, 1.0), (50.0, 2.0), (90.0, 4.0), (99.0, 10.0), (100.0, 40.0)])
    }

    fn fast_slow() -> Dist {
        mix(&[(0.99, Dist::constant(1.0)), (0.01, uni(50.0, 100.0))])
    }

    fn all_variants() -> Vec<Dist> {
        vec![
            Dist::constant(3.0),
            uni(2.0, 8.0),
            Dist::exponential(5.0),
            norm(10.0, 2.0),
            // Heavily truncated, and the half-normal: the truncated-mean formula matters.
            norm(1.0, 2.0),
            norm(0.0, 3.0),
            logn(1.0, 0.5),
            mp99(10.0, 50.0),
            pareto(2.0, 5.0),
            table(),
            fast_slow(),
        ]
    }

    #[test]
    fn prepared_log_normal_draws_the_same_numbers() {
        let d = Dist::LogNormalMeanP99 {
            mean: 5.0,
            p99: 20.0,
        };
        let p = d.prepared();
        assert!(matches!(p, Dist::LogNormal { .. }));
        let (mut a, mut b) = (SimRng::stream(1, "test", 0), SimRng::stream(1, "test", 0));
        for _ in 0..1000 {
            let (x, y) = (d.sample(&mut a), p.sample(&mut b));
            assert!((x - y).abs() <= 1e-12 * x.abs(), "{x} vs {y}");
        }
    }

    #[test]
    fn every_variant_matches_its_analytic_mean() {
        for (i, d) in all_variants().iter().enumerate() {
            check_mean(d, 100 + i as u64);
        }
        // Half-normal mean, independently: sigma * sqrt(2 / pi).
        let half = norm(0.0, 3.0).mean().unwrap_or(0.0);
        assert!((half - 3.0 * libm::sqrt(2.0 / PI)).abs() < 1e-12);
        assert_eq!(pareto(1.0, 1.0).mean(), None);
    }

    #[test]
    fn log_normal_mean_p99_hits_its_p99() {
        let xs = check_mean(&mp99(10.0, 50.0), 11);
        let p99 = quantile(&xs, 0.99);
        assert!((p99 / 50.0 - 1.0).abs() <= 0.03, "empirical p99 {p99}");
        // Both roots of the derivation share mean and p99; the median tells which was taken.
        let (mu, sigma) = log_normal_mean_p99_params(10.0, 50.0).expect("valid");
        let median = quantile(&xs, 0.5);
        assert!(
            sigma < Z99 && (median / libm::exp(mu) - 1.0).abs() <= 0.03,
            "{median}"
        );
    }

    #[test]
    fn empirical_median_matches_table() {
        let median = quantile(&check_mean(&table(), 12), 0.5);
        assert!((median / 2.0 - 1.0).abs() <= 0.02, "median {median}");
    }

    #[test]
    fn mixture_picks_slow_part_at_its_weight() {
        let xs = check_mean(&fast_slow(), 13);
        let slow = xs.iter().filter(|&&x| x >= 50.0).count() as f64;
        let fast = xs.iter().filter(|&&x| x == 1.0).count() as f64;
        assert_eq!(slow + fast, N as f64, "every draw comes from one part");
        let (n, p) = (N as f64, 0.01);
        let sd = libm::sqrt(n * p * (1.0 - p));
        assert!((slow - n * p).abs() <= 5.0 * sd, "{slow} slow draws of {n}");
    }

    #[test]
    fn exponential_is_mean_times_the_ziggurat_and_durations_are_ms() {
        let (mut a, mut b) = (SimRng::stream(1, "test", 0), SimRng::stream(1, "test", 0));
        let d = Dist::exponential(5.0);
        for _ in 0..1000 {
            let want = 5.0 * ziggurat::exp1(&mut b);
            assert_eq!(d.sample(&mut a).to_bits(), want.to_bits());
        }
        let ms = Dist::constant(1.5).sample_duration_ms(&mut a);
        assert_eq!(ms, SimDuration(1_500_000));
    }

    #[test]
    fn validation_names_the_bad_field() {
        let exp = Dist::exponential;
        #[rustfmt::skip]
        let bad = [
            (exp(f64::NAN), "exponential.mean"),
            (exp(0.0), "exponential.mean"),
            (Dist::constant(-1.0), "constant.value"),
            (Dist::constant(f64::INFINITY), "constant.value"),
            (uni(5.0, 1.0), "uniform.high"),
            (uni(-1.0, 1.0), "uniform.low"),
            (norm(1.0, -1.0), "normal.std_dev"),
            (norm(-1.0, 1.0), "normal.mean"),
            (logn(f64::NAN, 1.0), "log_normal.mu"),
            (logn(0.0, -0.1), "log_normal.sigma"),
            (mp99(10.0, 10.0), "log_normal_mean_p99.p99"),
            (mp99(1.0, 20.0), "log_normal_mean_p99.p99"),
            (mp99(0.0, 20.0), "log_normal_mean_p99.mean"),
            (pareto(0.0, 2.0), "pareto.scale"),
            (pareto(1.0, -2.0), "pareto.shape"),
            (emp(&[]), "empirical.points"),
            (emp(&[(10.0, 1.0), (100.0, 2.0)]), "empirical.points[0]"),
            (emp(&[(0.0, -1.0), (100.0, 1.0)]), "empirical.points[0]"),
            (emp(&[(0.0, 1.0), (90.0, 2.0)]), "empirical.points[1]"),
            (emp(&[(0.0, 2.0), (100.0, 1.0)]), "empirical.points[1]"),
            (emp(&[(0.0, 1.0), (50.0, 2.0), (40.0, 3.0), (100.0, 4.0)]), "empirical.points[2]"),
            (mix(&[]), "mixture.parts"),
            (mix(&[(0.0, exp(1.0))]), "mixture.parts[0].weight"),
            (mix(&[(f64::NAN, exp(1.0))]), "mixture.parts[0].weight"),
            (mix(&[(f64::MAX, exp(1.0)), (f64::MAX, exp(1.0))]), "mixture.parts"),
            (mix(&[(1.0, exp(1.0)), (1.0, exp(-1.0))]), "mixture.parts[1].dist.exponential.mean"),
            (mix(&[(1.0, mix(&[]))]), "mixture.parts[0].dist.mixture.parts"),
        ];
        for (d, path) in bad {
            let Err(e) = d.validate() else {
                panic!("{d:?} was accepted")
            };
            assert_eq!(e.path, path, "{d:?}: {e}");
            assert_eq!(e.to_string(), format!("{path}: {}", e.message));
        }
        let edge = [
            uni(0.0, 0.0),
            norm(0.0, 0.0),
            pareto(1.0, 0.5),
            mp99(1.0, 14.9),
        ];
        for d in all_variants().iter().chain(&edge) {
            assert_eq!(d.validate(), Ok(()), "{d:?}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn serde_round_trips_and_rejects_unknown_fields() {
        for d in all_variants() {
            let json = serde_json::to_string(&d).expect("serialises");
            assert_eq!(serde_json::from_str::<Dist>(&json).ok(), Some(d), "{json}");
        }
        let parse = |s: &str| serde_json::from_str::<Dist>(s).ok();
        let cases = [
            (r#"{"exponential": {"mean": 5}}"#, Dist::exponential(5.0)),
            (r#"{"log_normal_mean_p99": {"mean": 10, "p99": 50}}"#, mp99(10.0, 50.0)),
            (r#"{"empirical": {"points": [[0, 1], [50, 2], [99, 10], [100, 40]]}}"#,
                emp(&[(0.0, 1.0), (50.0, 2.0), (99.0, 10.0), (100.0, 40.0)])),
            (r#"{"mixture": {"parts": [{"weight": 0.99, "dist": {"constant": {"value": 1}}},
                    {"weight": 0.01, "dist": {"exponential": {"mean": 100}}}]}}"#,
                mix(&[(0.99, Dist::constant(1.0)), (0.01, Dist::exponential(100.0))])),
        ];
        for (json, want) in cases {
            assert_eq!(parse(json), Some(want), "{json}");
        }
        assert_eq!(parse(r#"{"exponential": {"mean": 1, "meen": 2}}"#), None);
        assert_eq!(parse(r#"{"mixture": {"parts": [{"weight": 1, "x": 0,
            "dist": {"constant": {"value": 1}}}]}}"#), None);
        assert_eq!(parse(r#"{"gamma": {"shape": 2}}"#), None);
    }

    #[test]
    fn same_seed_same_draws() {
        let all = mix(&all_variants()
            .into_iter()
            .map(|d| (1.0, d))
            .collect::<Vec<_>>());
        let bits = |seed| -> Vec<u64> { draws(&all, seed).iter().map(|x| x.to_bits()).collect() };
        assert_eq!(bits(5), bits(5));
        assert_ne!(bits(5), bits(6));
    }
}
