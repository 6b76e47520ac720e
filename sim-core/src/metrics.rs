//! Metrics whose memory does not grow with the number of requests.
//!
//! A run may push hundreds of millions of requests through a model, so nothing here keeps a
//! per-request record: latencies go into log-bucketed histograms (bounded relative error,
//! bounded size), timelines into fixed windows decided up front, and replication statistics
//! into a running mean/variance.

use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Relative error bound of quantile estimates from the default [`Histogram`] (`SUB_BITS = 7`):
/// `1/256`, just under 0.4%.
pub const RELATIVE_ERROR_BOUND: f64 = Histogram::<7>::RELATIVE_ERROR_BOUND;

/// The per-window latency sketch of a [`TimeSeries`]: 3 sub-bucket bits, so at most 496
/// buckets (under 4 KiB) and a relative error bound of `1/16` (6.25%).
pub type CoarseHistogram = Histogram<3>;

/// Errors from building or loading metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricsError {
    /// A time series was asked for windows of zero length.
    ZeroWindow,
    /// The horizon split into windows would exceed the caller's memory budget.
    TooManyWindows {
        /// Windows the horizon needs.
        needed: u64,
        /// The allowed maximum.
        max: usize,
    },
    /// Stored histogram data is inconsistent (hand-edited or from another precision).
    InvalidHistogram(&'static str),
}

impl fmt::Display for MetricsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricsError::ZeroWindow => write!(f, "time-series window must be longer than zero"),
            MetricsError::TooManyWindows { needed, max } => write!(
                f,
                "time series would need {needed} windows but at most {max} are allowed; \
                 use a longer window or a shorter horizon"
            ),
            MetricsError::InvalidHistogram(why) => write!(f, "invalid histogram data: {why}"),
        }
    }
}

impl std::error::Error for MetricsError {}

/// A log-bucketed (HDR-style) histogram of `u64` values, usually nanoseconds.
///
/// Values below `2^(SUB_BITS + 1)` get a bucket each (exact); above, a value with leading bit `e` falls in
/// one of `2^SUB_BITS` equal sub-buckets of `[2^e, 2^(e+1))`, chosen by the `SUB_BITS` bits
/// after the leading one. Every bucket is therefore narrower than `value / 2^SUB_BITS`, and
/// reporting its midpoint is off by at most [`Self::RELATIVE_ERROR_BOUND`] of the true value.
/// Count, sum, min and max are kept exactly beside the buckets.
///
/// The bucket vector grows lazily, one exponent at a time, to the highest bucket used, and
/// never past `(65 - SUB_BITS) << SUB_BITS` entries (7424 for the default), whatever the
/// number of values recorded. Because growth is per exponent group, the vector's length is a
/// function of `max` alone, so the derived equality compares contents, not recording history.
#[derive(Clone, PartialEq, Eq)]
pub struct Histogram<const SUB_BITS: u32 = 7> {
    counts: Vec<u64>,
    count: u64,
    /// `u64::MAX` while empty, so the first value always lowers it without a branch.
    min: u64,
    max: u64,
    sum: u128,
}

impl<const S: u32> Histogram<S> {
    /// Worst-case relative error of [`Self::quantile`]: `1 / 2^(SUB_BITS + 1)`.
    pub const RELATIVE_ERROR_BOUND: f64 = 1.0 / (1u64 << (S + 1)) as f64;
    /// The most buckets a histogram of this precision can ever hold (index of `u64::MAX` + 1).
    pub const MAX_BUCKETS: usize = ((65 - S) as usize) << S;
    /// Rejects nonsensical precisions at compile time (evaluated when `empty` is instantiated).
    const VALID: () = assert!(S >= 1 && S <= 16, "Histogram SUB_BITS must be in 1..=16");

    /// An empty histogram of this precision (e.g. `CoarseHistogram::empty()`); allocates
    /// nothing until the first value.
    pub fn empty() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Histogram {
            counts: Vec::new(),
            count: 0,
            min: u64::MAX,
            max: 0,
            sum: 0,
        }
    }

    /// The bucket of `v`. Writing `v = top << shift` with `top` in `[2^S, 2^(S+1))`, the index
    /// is `(shift << S) + top`; it equals `v` itself below `2^(S+1)`, so small values are exact
    /// and the mapping is monotone.
    #[inline]
    fn index_of(v: u64) -> usize {
        if v < (1u64 << S) {
            v as usize
        } else {
            let shift = 63 - v.leading_zeros() - S;
            ((shift as usize) << S) + (v >> shift) as usize
        }
    }

    /// The smallest value in bucket `idx` and the bucket's width minus one.
    fn bucket_bounds(idx: usize) -> (u64, u64) {
        if idx < (1usize << S) {
            return (idx as u64, 0);
        }
        let shift = (idx >> S) as u32 - 1;
        let top = (idx - ((shift as usize) << S)) as u64;
        (top << shift, (1u64 << shift) - 1)
    }

    /// The representative value of bucket `idx`: its midpoint, rounded down.
    fn midpoint(idx: usize) -> u64 {
        let (low, span) = Self::bucket_bounds(idx);
        low + span / 2
    }

    /// Records one value. Integer operations only; allocates only when `v` lands above every
    /// bucket used so far.
    #[inline]
    pub fn record(&mut self, v: u64) {
        self.add(v, 1);
    }

    /// Records `n` occurrences of `v` (nothing when `n` is zero).
    #[inline]
    pub fn record_n(&mut self, v: u64, n: u64) {
        // Without this, a zero count would still move min and max.
        if n != 0 {
            self.add(v, n);
        }
    }

    /// Records a span as its nanoseconds.
    #[inline]
    pub fn record_duration(&mut self, d: SimDuration) {
        self.add(d.as_nanos(), 1);
    }

    #[inline]
    fn add(&mut self, v: u64, n: u64) {
        let idx = Self::index_of(v);
        if idx >= self.counts.len() {
            self.grow(idx);
        }
        // Saturation is unreachable in practice but cheaper than a panic path.
        self.counts[idx] = self.counts[idx].saturating_add(n);
        self.count = self.count.saturating_add(n);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum = self.sum.saturating_add(v as u128 * n as u128);
    }

    /// Grows to the end of `idx`'s exponent group: at most one growth per power of two, and
    /// exact reservations so capacity never exceeds `MAX_BUCKETS`.
    #[cold]
    fn grow(&mut self, idx: usize) {
        let len = ((idx >> S) + 1) << S;
        self.counts.reserve_exact(len - self.counts.len());
        self.counts.resize(len, 0);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The smallest value recorded, exactly; `None` when empty.
    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    /// The largest value recorded, exactly; `None` when empty.
    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The exact sum of all values (a `u128` cannot overflow from `u64` values in practice).
    pub fn sum(&self) -> u128 {
        self.sum
    }

    /// The exact mean, from the exact sum rather than the buckets; `0.0` when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// Nearest-rank quantile: an estimate of the smallest recorded `v` such that at least
    /// `ceil(q * count)` values are `<= v`. The estimate is the midpoint of `v`'s bucket,
    /// clamped to the observed min/max, so it is within [`Self::RELATIVE_ERROR_BOUND`] of `v`.
    /// `q <= 0` (and NaN) gives the exact min, `q >= 1` the exact max; an empty histogram gives 0.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        if q.is_nan() || q <= 0.0 {
            return self.min;
        }
        if q >= 1.0 {
            return self.max;
        }
        let rank = nearest_rank(q, self.count);
        let mut seen = 0u64;
        for (idx, &c) in self.counts.iter().enumerate() {
            seen = seen.saturating_add(c);
            if seen >= rank {
                return Self::midpoint(idx).clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// Adds every value of `other` into `self`; the result equals one histogram that recorded
    /// both streams.
    pub fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        if other.counts.len() > self.counts.len() {
            self.counts.resize(other.counts.len(), 0);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = a.saturating_add(*b);
        }
        self.count = self.count.saturating_add(other.count);
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.sum = self.sum.saturating_add(other.sum);
    }

    /// Length of the bucket vector (memory grows with the value range, not the value count).
    pub fn bucket_len(&self) -> usize {
        self.counts.len()
    }

    /// Approximate heap plus inline footprint in bytes.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.counts.capacity() * std::mem::size_of::<u64>()
    }

    /// Rebuilds from the stored form, refusing data that would break the invariants the
    /// quantile walk relies on (counts summing to `count`, min/max present iff non-empty).
    fn from_repr(r: HistogramRepr) -> Result<Self, MetricsError> {
        let bad = |why| Err(MetricsError::InvalidHistogram(why));
        if r.sub_bits != S {
            return bad("sub_bits differs from this histogram's precision");
        }
        let mut h = Self::empty();
        let mut total = 0u64;
        for &(idx, c) in &r.buckets {
            if idx >= Self::MAX_BUCKETS {
                return bad("bucket index out of range");
            }
            if idx >= h.counts.len() {
                h.grow(idx);
            }
            h.counts[idx] = h.counts[idx].saturating_add(c);
            total = total.saturating_add(c);
        }
        match (r.min, r.max) {
            (Some(min), Some(max))
                if total == r.count
                    && r.count > 0
                    && r.buckets.iter().all(|&(i, _)| {
                        (Self::index_of(min)..=Self::index_of(max)).contains(&i)
                    }) =>
            {
                (h.count, h.min, h.max, h.sum) = (r.count, min, max, r.sum);
                Ok(h)
            }
            (None, None) if total == 0 && r.count == 0 && r.sum == 0 => Ok(h),
            _ => bad("count, min and max disagree with the buckets"),
        }
    }
}

impl Histogram {
    /// An empty histogram of the default precision. Only the default has `new`, so that a bare
    /// `Histogram::new()` infers `SUB_BITS = 7` (defaults of const parameters do not take part
    /// in inference); other precisions use [`Histogram::empty`].
    pub fn new() -> Self {
        Self::empty()
    }
}

/// `ceil(q * n)` clamped to `[1, n]`, forgiving float noise so that e.g. `0.07 * 100` (which is
/// 7.000000000000001) counts as rank 7, as the nearest-rank definition intends.
fn nearest_rank(q: f64, n: u64) -> u64 {
    let r = q * n as f64;
    let nearest = r.round();
    let rank = if (r - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        r.ceil()
    };
    (rank as u64).clamp(1, n)
}

impl<const S: u32> Default for Histogram<S> {
    fn default() -> Self {
        Self::empty()
    }
}

/// A summary rather than thousands of bucket counts.
impl<const S: u32> fmt::Debug for Histogram<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("sub_bits", &S)
            .field("count", &self.count)
            .field("min", &self.min())
            .field("max", &self.max())
            .field("mean", &self.mean())
            .field("p50", &self.quantile(0.5))
            .field("p99", &self.quantile(0.99))
            .field("buckets", &self.counts.len())
            .finish()
    }
}

/// Stored form: the non-zero buckets as `[index, count]` pairs plus the exact statistics.
#[derive(Serialize, Deserialize)]
struct HistogramRepr {
    sub_bits: u32,
    count: u64,
    min: Option<u64>,
    max: Option<u64>,
    sum: u128,
    buckets: Vec<(usize, u64)>,
}

impl<const S: u32> Serialize for Histogram<S> {
    fn serialize<Ser: Serializer>(&self, s: Ser) -> Result<Ser::Ok, Ser::Error> {
        let buckets = self
            .counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != 0)
            .map(|(i, &c)| (i, c));
        HistogramRepr {
            sub_bits: S,
            count: self.count,
            min: self.min(),
            max: self.max(),
            sum: self.sum,
            buckets: buckets.collect(),
        }
        .serialize(s)
    }
}

impl<'de, const S: u32> Deserialize<'de> for Histogram<S> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_repr(HistogramRepr::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A plain event counter. Saturates rather than wrapping, so a runaway count stays obviously
/// huge instead of becoming small.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Counter(pub u64);

impl Counter {
    /// Adds one.
    #[inline]
    pub fn inc(&mut self) {
        self.0 = self.0.saturating_add(1);
    }
    /// Adds `n`.
    #[inline]
    pub fn add(&mut self, n: u64) {
        self.0 = self.0.saturating_add(n);
    }
    /// The current value.
    pub fn get(self) -> u64 {
        self.0
    }
}

/// Per-window timelines (throughput, errors, availability, latency) over a fixed horizon.
///
/// Windows are `[start, start + window)`; the number of windows is fixed at construction, so
/// memory is `O(windows × columns)` plus one [`CoarseHistogram`] per window (under 4 KiB
/// each). Events at or after the horizon are counted in the last window, so nothing recorded
/// is silently dropped; callers that want a clean last window pick a horizon past the run.
#[derive(Clone, Debug, Serialize)]
pub struct TimeSeries {
    window: SimDuration,
    columns: Vec<&'static str>,
    /// Row-major: window `i`, column `c` at `i * columns.len() + c`.
    counts: Vec<u64>,
    latency: Vec<CoarseHistogram>,
}

impl TimeSeries {
    /// Windows of length `window` covering `[0, horizon)` (at least one window), with the named
    /// counter `columns` (e.g. `["ok", "error", "timeout", "rejected"]`). Fails on a zero window
    /// or when more than `max_windows` windows would be needed, which caps memory up front.
    pub fn new(
        window: SimDuration,
        horizon: SimTime,
        max_windows: usize,
        columns: &[&'static str],
    ) -> Result<TimeSeries, MetricsError> {
        let w = window.as_nanos();
        if w == 0 {
            return Err(MetricsError::ZeroWindow);
        }
        let h = horizon.as_nanos();
        let needed = h.div_ceil(w).max(1);
        if needed > max_windows as u64 {
            return Err(MetricsError::TooManyWindows {
                needed,
                max: max_windows,
            });
        }
        let n = needed as usize;
        Ok(TimeSeries {
            window,
            columns: columns.to_vec(),
            counts: vec![0; n * columns.len()],
            latency: vec![CoarseHistogram::empty(); n],
        })
    }

    /// The window holding instant `at`; instants past the horizon map to the last window.
    pub fn window_index(&self, at: SimTime) -> usize {
        let i = at.as_nanos() / self.window.as_nanos();
        (i.min(self.latency.len() as u64 - 1)) as usize
    }

    /// Adds `n` to counter `column` in the window holding `at`. Panics if `column` is out of
    /// range: that is a wiring bug in the model, not a runtime condition.
    #[inline]
    pub fn add(&mut self, at: SimTime, column: usize, n: u64) {
        let cell = self.cell(self.window_index(at), column);
        self.counts[cell] = self.counts[cell].saturating_add(n);
    }

    /// Records a latency in the window holding `at` (usually the completion time).
    #[inline]
    pub fn record_latency(&mut self, at: SimTime, latency: SimDuration) {
        let i = self.window_index(at);
        self.latency[i].record_duration(latency);
    }

    /// Number of windows.
    pub fn window_count(&self) -> usize {
        self.latency.len()
    }

    /// Start of window `i`.
    pub fn window_start(&self, i: usize) -> SimTime {
        SimTime(self.window.as_nanos().saturating_mul(i as u64))
    }

    /// The counter names, in column order.
    pub fn columns(&self) -> &[&'static str] {
        &self.columns
    }

    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|&c| c == name)
    }

    /// Counter `column` in window `i`. Panics when either is out of range.
    pub fn count(&self, i: usize, column: usize) -> u64 {
        self.counts[self.cell(i, column)]
    }

    /// Position of a counter; a column past the end would silently alias the next window.
    fn cell(&self, i: usize, column: usize) -> usize {
        let width = self.columns.len();
        assert!(column < width, "TimeSeries column {column} out of range");
        i * width + column
    }

    /// The latency sketch of window `i` (count, sum, min and max exact; quantiles within 6.25%).
    pub fn latency(&self, i: usize) -> &CoarseHistogram {
        &self.latency[i]
    }

    /// Exact mean latency of window `i` in milliseconds; `None` when it has no latencies.
    pub fn latency_mean_ms(&self, i: usize) -> Option<f64> {
        let h = &self.latency[i];
        (!h.is_empty()).then(|| h.mean() / 1e6)
    }

    /// Latency quantile `q` of window `i` in milliseconds, within
    /// [`CoarseHistogram::RELATIVE_ERROR_BOUND`] (6.25%); `None` when it has no latencies.
    pub fn latency_quantile_ms(&self, i: usize, q: f64) -> Option<f64> {
        let h = &self.latency[i];
        (!h.is_empty()).then(|| h.quantile(q) as f64 / 1e6)
    }

    /// Exact maximum latency of window `i` in milliseconds; `None` when it has no latencies.
    pub fn latency_max_ms(&self, i: usize) -> Option<f64> {
        self.latency[i].max().map(|m| m as f64 / 1e6)
    }
}

/// Running mean and variance (Welford's algorithm), numerically stable in one pass: used for
/// statistics across replications, where values are few but may be large and close together.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Welford {
    count: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    /// No samples yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a sample.
    pub fn push(&mut self, x: f64) {
        self.count += 1;
        let delta = x - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sample mean; NaN when empty, so an absent statistic cannot pass for zero.
    pub fn mean(&self) -> f64 {
        if self.count == 0 { f64::NAN } else { self.mean }
    }

    /// Sample variance (divisor `n - 1`); NaN with fewer than two samples.
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            f64::NAN
        } else {
            self.m2 / (self.count - 1) as f64
        }
    }

    /// Standard error of the mean, `sqrt(variance / n)`; NaN with fewer than two samples.
    pub fn std_err(&self) -> f64 {
        (self.variance() / self.count as f64).sqrt()
    }

    /// Half-width of the two-sided `confidence` interval of the mean,
    /// `t_quantile(confidence, n - 1) * std_err()`; `None` with fewer than two samples
    /// (nothing is known about the spread). It may be infinite or NaN when a sample is.
    ///
    /// ```
    /// use sim_core::metrics::Welford;
    ///
    /// let w: Welford = [1.0, 2.0, 3.0, 4.0, 5.0].into_iter().collect();
    /// assert_eq!(w.half_width(0.95), Some(2.776445105 * 0.5f64.sqrt()));
    /// assert_eq!([7.0].into_iter().collect::<Welford>().half_width(0.95), None);
    /// ```
    pub fn half_width(&self, confidence: f64) -> Option<f64> {
        (self.count >= 2).then(|| t_quantile(confidence, self.count - 1) * self.std_err())
    }
}

impl FromIterator<f64> for Welford {
    /// The running statistics of the samples, pushed in order.
    fn from_iter<I: IntoIterator<Item = f64>>(samples: I) -> Self {
        let mut w = Welford::new();
        samples.into_iter().for_each(|x| w.push(x));
        w
    }
}

/// Two-sided 95% critical values of Student's t for 1..=30 degrees of freedom.
#[rustfmt::skip]
const T_975: [f64; 30] = [
    12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252,
    2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688,
    2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845,
    2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142,
    2.045229642, 2.042272456,
];

/// The 0.975 quantile of the standard normal.
const Z_975: f64 = 1.959_963_984_540_054;

/// The 0.975 quantile of Student's t with `df` degrees of freedom (the two-sided 95% critical
/// value): [`t_quantile`]`(0.95, df)`. Exact table for `df <= 30`; above, the Cornish–Fisher
/// expansion in `1/df` to fourth order (Abramowitz & Stegun 26.7.5), accurate to better than
/// 1e-6 there and tending to 1.96. `df = 0` gives infinity: no degrees of freedom, no bound.
pub fn student_t_975(df: u64) -> f64 {
    t_quantile(0.95, df)
}

/// [`student_t_975`]: the table, then Cornish–Fisher.
fn t_975(df: u64) -> f64 {
    if df == 0 {
        return f64::INFINITY;
    }
    if df <= 30 {
        return T_975[df as usize - 1];
    }
    let z = Z_975;
    let (z2, n) = (z * z, df as f64);
    let g1 = z * (z2 + 1.0) / 4.0;
    let g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0;
    let g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0;
    let g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / n) / n) / n) / n
}

/// The two-sided `confidence` quantile of Student's t with `df` degrees of freedom
/// (`t` such that `P(|T| ≤ t) = confidence`). Exact table values for 95% (see
/// [`student_t_975`]), Hill's algorithm 396 (ACM, 1970) otherwise. `df = 0` gives
/// infinity.
///
/// ```
/// use sim_core::metrics::t_quantile;
///
/// assert_eq!(t_quantile(0.95, 4), 2.776445105); // the table
/// assert!((t_quantile(0.99, 4) - 4.604).abs() < 5e-3); // Hill
/// assert!(t_quantile(0.9, 0).is_infinite());
/// ```
pub fn t_quantile(confidence: f64, df: u64) -> f64 {
    if (confidence - 0.95).abs() < 1e-12 {
        return t_975(df);
    }
    if df == 0 {
        return f64::INFINITY;
    }
    let p = 1.0 - confidence; // two-sided tail
    let n = df as f64;
    let half_pi = std::f64::consts::FRAC_PI_2;
    if df == 1 {
        return 1.0 / libm::tan(p * half_pi);
    }
    if df == 2 {
        return libm::sqrt(2.0 / (p * (2.0 - p)) - 2.0);
    }
    let a = 1.0 / (n - 0.5);
    let b = 48.0 / (a * a);
    let mut c = ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36;
    let d = ((94.5 / (b + c) - 3.0) / b + 1.0) * libm::sqrt(a * half_pi) * n;
    let mut y = libm::pow(d * p, 2.0 / n);
    if y > 0.05 + a {
        let x = normal_quantile(0.5 * p);
        y = x * x;
        if df < 5 {
            c += 0.3 * (n - 4.5) * (x + 0.6);
        }
        c += (((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b;
        y = (((((0.4 * y + 6.3) * y + 36.0) * y + 94.5) / c - y - 3.0) / b + 1.0) * x;
        y = libm::expm1(a * y * y);
    } else {
        y = ((1.0 / (((n + 6.0) / (n * y) - 0.089 * d - 0.822) * (n + 2.0) * 3.0)
            + 0.5 / (n + 4.0))
            * y
            - 1.0)
            * (n + 1.0)
            / (n + 2.0)
            + 1.0 / y;
    }
    libm::sqrt(n * y)
}

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let low = 0.02425;
    if p < low {
        tail(libm::sqrt(-2.0 * libm::log(p)))
    } else if p <= 1.0 - low {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail(libm::sqrt(-2.0 * libm::log(1.0 - p)))
    }
}

/// Mean and 95% confidence half-width `t(n-1) * s / sqrt(n)` of independent samples (e.g. one
/// value per replication). With fewer than two samples the half-width is infinite, since
/// nothing is known about the spread; with none the mean is NaN.
pub fn confidence_interval_95(samples: &[f64]) -> (f64, f64) {
    let w: Welford = samples.iter().copied().collect();
    (w.mean(), w.half_width(0.95).unwrap_or(f64::INFINITY))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `|est - v| <= v / 256`, in exact integer arithmetic.
    fn within_default_bound(est: u64, v: u64) -> bool {
        est.abs_diff(v) as u128 * 256 <= v as u128
    }

    fn test_values() -> Vec<u64> {
        let mut vals: Vec<u64> = (0..5000).collect();
        let mut v = 5000f64;
        while v < 1e15 {
            vals.push(v as u64);
            vals.push(v as u64 | 1);
            v = v * 1.001 + 1.0;
        }
        for e in 8..64 {
            vals.extend([(1u64 << e) - 1, 1u64 << e, (1u64 << e) + 1]);
        }
        vals.push(u64::MAX);
        vals
    }

    #[test]
    fn every_value_is_estimated_within_the_error_bound() {
        assert_eq!(RELATIVE_ERROR_BOUND, 1.0 / 256.0);
        assert_eq!(CoarseHistogram::RELATIVE_ERROR_BOUND, 0.0625);
        for v in test_values() {
            let idx = Histogram::<7>::index_of(v);
            let (low, span) = Histogram::<7>::bucket_bounds(idx);
            assert!(
                low <= v && v - low <= span,
                "{v} outside its bucket [{low}, +{span}]"
            );
            assert!(idx < Histogram::<7>::MAX_BUCKETS);
            assert!(
                within_default_bound(Histogram::<7>::midpoint(idx), v),
                "midpoint of {v}"
            );
            // Alone, clamping to min/max makes the estimate exact.
            let mut single = Histogram::new();
            single.record(v);
            assert_eq!(single.quantile(0.5), v);
            // Between 0 and u64::MAX clamping does nothing: the bucket midpoint must be close.
            let mut h = Histogram::new();
            h.record(0);
            h.record(v);
            h.record(u64::MAX);
            let est = h.quantile(0.5);
            assert!(within_default_bound(est, v), "value {v} estimated as {est}");
            // The coarse per-window sketch keeps its looser 1/16 bound.
            let mut c = CoarseHistogram::empty();
            [0, v, u64::MAX].iter().for_each(|&x| c.record(x));
            assert!(
                c.quantile(0.5).abs_diff(v) as u128 * 16 <= v as u128,
                "coarse {v}"
            );
        }
    }

    #[test]
    fn quantiles_of_one_to_a_hundred_thousand() {
        let mut h = Histogram::new();
        (1..=100_000u64).for_each(|v| h.record(v));
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = q * 100_000.0;
            let est = h.quantile(q) as f64;
            assert!(
                (est - exact).abs() <= 0.004 * exact,
                "q={q}: {est} vs {exact}"
            );
        }
        assert_eq!(h.quantile(0.0), 1);
        assert_eq!(h.quantile(1.0), 100_000);
        assert_eq!(
            (h.min(), h.max(), h.count()),
            (Some(1), Some(100_000), 100_000)
        );
        assert_eq!(h.sum(), 5_000_050_000);
        assert_eq!(h.mean(), 50_000.5);
        // Small values are exact and nearest-rank tolerates float noise (0.07 * 100 > 7).
        let mut small = Histogram::new();
        (1..=100u64).for_each(|v| small.record(v));
        assert_eq!(small.quantile(0.07), 7);
        assert_eq!(small.quantile(0.071), 8);
    }

    #[test]
    fn empty_histogram_reports_nothing() {
        let mut h: Histogram = Histogram::default();
        h.record_n(42, 0);
        assert!(h.is_empty());
        assert_eq!(
            (h.min(), h.max(), h.quantile(0.5), h.mean()),
            (None, None, 0, 0.0)
        );
        assert_eq!(h.bucket_len(), 0);
    }

    #[test]
    fn merge_equals_recording_both_streams() {
        let (mut a, mut b, mut both) = (Histogram::new(), Histogram::new(), Histogram::new());
        for i in 0..20_000u64 {
            let x = i * i * 7 + 3;
            let y = i * 13 % 977;
            a.record(x);
            b.record_n(y, 2);
            both.record(x);
            both.record_n(y, 2);
        }
        let mut merged = a.clone();
        merged.merge(&b);
        assert_eq!(merged, both);
        let mut other_way = b.clone();
        other_way.merge(&a);
        assert_eq!(other_way, both);
        assert_eq!(merged.quantile(0.77), both.quantile(0.77));
        let mut empty = Histogram::new();
        empty.merge(&a);
        assert_eq!(empty, a);
        a.merge(&Histogram::new());
        assert_eq!(empty, a);
        assert_ne!(a, b);
    }

    #[test]
    fn memory_is_bounded_by_the_value_range() {
        let mut h = Histogram::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..10_000_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            h.record(1 + x % 10u64.pow(1 + (i % 12) as u32));
        }
        assert_eq!(h.count(), 10_000_000);
        assert!(h.bucket_len() <= 64 * 128, "{} buckets", h.bucket_len());
        assert!(h.memory_bytes() <= 64 * 128 * 8 + 64);
        let mut small = Histogram::new();
        (0..1_000_000).for_each(|i| small.record(i % 100));
        assert_eq!(small.bucket_len(), 128);
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let mut h = Histogram::new();
        [5u64, 5, 900, 123_456_789]
            .iter()
            .for_each(|&v| h.record(v));
        let json = serde_json::to_string(&h).unwrap();
        assert!(json.contains("[5,2]"), "{json}");
        let back: Histogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        let empty: Histogram =
            serde_json::from_str(&serde_json::to_string(&Histogram::new()).unwrap()).unwrap();
        assert!(empty.is_empty());
        let mut tiny = Histogram::new();
        tiny.record(5);
        let tiny_json = serde_json::to_string(&tiny).unwrap();
        assert!(serde_json::from_str::<CoarseHistogram>(&tiny_json).is_err());
        let outside = json.replace("[5,2]", "[4,2]");
        assert!(serde_json::from_str::<Histogram>(&outside).is_err());
        let corrupt = json.replace("\"count\":4", "\"count\":5");
        assert!(serde_json::from_str::<Histogram>(&corrupt).is_err());
    }

    #[test]
    fn time_series_assigns_windows_at_boundaries() {
        let sec = SimDuration::from_secs(1);
        let mut ts = TimeSeries::new(sec, SimTime(10_500_000_000), 100, &["ok", "error"]).unwrap();
        assert_eq!(ts.window_count(), 11);
        assert_eq!(ts.columns(), &["ok", "error"]);
        let err = ts.column("error").unwrap();
        ts.add(SimTime(2_000_000_000), 0, 1); // exactly the start of window 2
        ts.add(SimTime(1_999_999_999), 0, 1); // last nanosecond of window 1
        ts.add(SimTime(10_499_999_999), err, 3); // last window
        ts.add(SimTime(500_000_000_000), err, 4); // past the horizon: clamped to last
        assert_eq!((ts.count(1, 0), ts.count(2, 0), ts.count(3, 0)), (1, 1, 0));
        assert_eq!(ts.count(10, err), 7);
        assert_eq!(ts.window_start(2), SimTime(2_000_000_000));
        ts.record_latency(SimTime(2_000_000_000), SimDuration::from_millis(4));
        ts.record_latency(SimTime(2_999_999_999), SimDuration::from_millis(8));
        assert_eq!(ts.latency_mean_ms(2), Some(6.0));
        assert_eq!(ts.latency_max_ms(2), Some(8.0));
        assert_eq!(ts.latency_quantile_ms(2, 0.0), Some(4.0));
        assert_eq!(ts.latency_mean_ms(1), None);
        assert_eq!(ts.latency(2).count(), 2);
    }

    #[test]
    fn time_series_rejects_bad_shapes() {
        let ms = SimDuration::from_millis(1);
        let e = TimeSeries::new(ms, SimTime(1_000_000_001), 1000, &["ok"]).unwrap_err();
        assert_eq!(
            e,
            MetricsError::TooManyWindows {
                needed: 1001,
                max: 1000
            }
        );
        assert!(e.to_string().contains("1001 windows"));
        assert!(TimeSeries::new(ms, SimTime(1_000_000_000), 1000, &["ok"]).is_ok());
        let zero = TimeSeries::new(SimDuration::ZERO, SimTime(1), 10, &[]).unwrap_err();
        assert_eq!(zero, MetricsError::ZeroWindow);
        let one = TimeSeries::new(ms, SimTime::ZERO, 1, &["ok"]).unwrap();
        assert_eq!(one.window_count(), 1);
    }

    #[test]
    fn welford_matches_two_pass_variance() {
        let data: Vec<f64> = (0..1000)
            .map(|i| 1e9 + ((i * 7919) % 1000) as f64 * 0.37)
            .collect();
        let n = data.len() as f64;
        let mean = data.iter().sum::<f64>() / n;
        let var = data.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let mut w = Welford::new();
        data.iter().for_each(|&x| w.push(x));
        assert_eq!(w.count(), 1000);
        assert!((w.mean() - mean).abs() < 1e-4, "{} vs {mean}", w.mean());
        assert!(
            (w.variance() - var).abs() < 1e-6 * var,
            "{} vs {var}",
            w.variance()
        );
        assert!((w.std_err() - (var / n).sqrt()).abs() < 1e-6);
        assert!(Welford::new().mean().is_nan());
    }

    #[test]
    fn student_t_critical_values() {
        let close = |df, want: f64, tol| (student_t_975(df) - want).abs() <= tol;
        assert!(close(1, 12.706, 5e-4));
        assert!(close(10, 2.228, 5e-4));
        assert!(close(30, 2.042, 5e-4));
        assert!(close(31, 2.039_513_446, 1e-6));
        assert!(close(40, 2.021_075_390, 1e-6));
        assert!(close(120, 1.980, 0.002));
        assert!(close(120, 1.979_930_405, 1e-6));
        assert!(close(1_000_000_000, Z_975, 1e-6) && close(1_000_000_000, 1.96, 1e-4));
        assert!(student_t_975(0).is_infinite());
        assert!((2..200).all(|df| student_t_975(df) < student_t_975(df - 1)));
    }

    #[test]
    fn t_quantiles_match_the_table_and_known_values() {
        for df in 1..=60 {
            let table = student_t_975(df);
            // Through Hill's algorithm, not the table.
            let hill = t_quantile(0.95 + 1e-11, df);
            assert!(
                (hill - table).abs() < 2e-3 * table,
                "df {df}: {hill} vs {table}"
            );
        }
        // t(0.995, 4) = 4.604, t(0.95, 10) = 1.812 (one-sided 95%: two-sided 90%).
        assert!((t_quantile(0.99, 4) - 4.604).abs() < 5e-3);
        assert!((t_quantile(0.90, 10) - 1.812).abs() < 2e-3);
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-6);
    }

    #[test]
    fn confidence_interval_by_hand() {
        // mean 3, s^2 = 10/4, se = sqrt(0.5), t(4) = 2.776445105.
        let (m, hw) = confidence_interval_95(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(m, 3.0);
        assert!((hw - 2.776_445_105 * 0.5f64.sqrt()).abs() < 1e-9, "{hw}");
        assert_eq!(confidence_interval_95(&[7.0]), (7.0, f64::INFINITY));
    }
}
