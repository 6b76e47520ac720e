//! Virtual time: integer nanoseconds, never floating-point accumulation, never the wall clock.
//!
//! `SimTime` is an instant since the start of a run; `SimDuration` is a span. Both wrap a
//! `u64` of nanoseconds (about 584 years), so ordering and arithmetic are exact.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign};

/// An instant of simulated time, in nanoseconds since the start of the run.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// The last representable instant; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start of the run.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float for reporting only (never fed back into time).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// The span from `earlier` to `self`; zero when `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// The span from `earlier` to `self`, or `None` when `earlier` is later. (`SimTime` has
    /// no `-`: a difference of instants is either checked or says that it saturates.)
    ///
    /// ```
    /// use sim_core::time::{SimDuration, SimTime};
    ///
    /// assert_eq!(SimTime(10).checked_since(SimTime(3)), Some(SimDuration(7)));
    /// assert_eq!(SimTime(3).checked_since(SimTime(10)), None);
    /// assert_eq!(SimTime(3).saturating_since(SimTime(10)), SimDuration::ZERO);
    /// ```
    pub fn checked_since(self, earlier: SimTime) -> Option<SimDuration> {
        self.0.checked_sub(earlier.0).map(SimDuration)
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);
    /// The longest span; used as "forever".
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    /// A span of `n` nanoseconds.
    pub const fn from_nanos(n: u64) -> Self {
        SimDuration(n)
    }
    /// A span of `n` microseconds.
    pub const fn from_micros(n: u64) -> Self {
        SimDuration(n * 1_000)
    }
    /// A span of `n` milliseconds.
    pub const fn from_millis(n: u64) -> Self {
        SimDuration(n * 1_000_000)
    }
    /// A span of `n` seconds.
    pub const fn from_secs(n: u64) -> Self {
        SimDuration(n * 1_000_000_000)
    }

    /// Converts a non-negative number of milliseconds, rounded to the nearest nanosecond.
    /// Negative and NaN inputs become zero, values past the range saturate: callers validate
    /// user input before it gets here, so this only guards against sampling noise.
    pub fn from_millis_f64(ms: f64) -> Self {
        Self::from_nanos_f64(ms * 1e6)
    }

    /// Converts a non-negative number of seconds, rounded to the nearest nanosecond.
    pub fn from_secs_f64(s: f64) -> Self {
        Self::from_nanos_f64(s * 1e9)
    }

    fn from_nanos_f64(ns: f64) -> Self {
        if ns.is_nan() || ns <= 0.0 {
            SimDuration(0)
        } else if ns >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else {
            SimDuration(round_half_away(ns))
        }
    }

    /// Nanoseconds in the span.
    pub fn as_nanos(self) -> u64 {
        self.0
    }
    /// Milliseconds in the span, as a float for reporting.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }
    /// Seconds in the span, as a float for reporting.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
    /// The span multiplied by a non-negative factor (slow-node faults), rounded.
    pub fn mul_f64(self, factor: f64) -> Self {
        Self::from_nanos_f64(self.0 as f64 * factor)
    }
    /// Sum that saturates at `MAX` instead of overflowing.
    pub fn saturating_add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
}

/// `ns` (finite, in `(0, 2^64)`) rounded to the nearest integer, halves away from zero: the
/// value of `libm::round`, without its call. Exact: `ns - trunc(ns)` is representable for
/// every such `ns` (below 2^52 both share a binade or the truncation is 0; from 2^52 up `ns`
/// is an integer and the difference is 0).
///
/// Below 2^63 (292 years) it goes through `i64`, whose conversions to and from `f64` are one
/// instruction each on x86-64, where `u64`'s take a dozen; the value is the same.
#[inline]
fn round_half_away(ns: f64) -> u64 {
    const I64_RANGE: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if ns < I64_RANGE {
        let whole = ns as i64;
        (whole + i64::from(ns - whole as f64 >= 0.5)) as u64
    } else {
        let whole = ns as u64;
        whole + u64::from(ns - whole as f64 >= 0.5)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        self.saturating_add(d)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}s", self.as_secs_f64())
    }
}

impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 1_000_000_000 {
            write!(f, "{:.3}s", self.as_secs_f64())
        } else {
            write!(f, "{:.3}ms", self.as_millis_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_to_nearest_nanosecond() {
        assert_eq!(SimDuration::from_millis_f64(1.5), SimDuration(1_500_000));
        assert_eq!(SimDuration::from_millis_f64(0.000_000_4), SimDuration(0));
        assert_eq!(SimDuration::from_millis_f64(0.000_000_6), SimDuration(1));
        assert_eq!(SimDuration::from_millis_f64(-3.0), SimDuration(0));
        assert_eq!(SimDuration::from_millis_f64(f64::NAN), SimDuration(0));
        assert_eq!(SimDuration::from_secs_f64(1e300), SimDuration::MAX);
    }

    #[test]
    fn rounding_is_libm_round_exactly() {
        let mut x: u64 = 99;
        let mut cases = vec![
            0.5,
            1.5,
            2.5,
            0.49999999999999994,
            4503599627370495.5,
            9.007e15,
            // Around 2^63, where the conversions change type.
            9_223_372_036_854_774_784.0,
            9_223_372_036_854_775_808.0,
            9_223_372_036_854_777_856.0,
            1.8e19,
        ];
        for _ in 0..200_000 {
            x = crate::rng::splitmix64(x);
            // Random bit patterns over the whole positive range, and halves.
            let f = f64::from_bits(x >> 1);
            if f.is_finite() && f > 0.0 && f < u64::MAX as f64 {
                cases.push(f);
            }
            cases.push((x % 1_000_000_000) as f64 + 0.5);
            cases.push((x % 1_000_000_000) as f64 / 7.0);
        }
        for f in cases {
            assert_eq!(round_half_away(f), libm::round(f) as u64, "{f:e}");
        }
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(SimTime(u64::MAX - 1) + SimDuration(5), SimTime::MAX);
        assert_eq!(SimTime(3).saturating_since(SimTime(10)), SimDuration::ZERO);
        assert_eq!(SimTime(10).saturating_since(SimTime(3)), SimDuration(7));
    }
}
