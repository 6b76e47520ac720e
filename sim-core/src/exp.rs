//! `exp` for the log-normal draws: table-driven, without the division of `libm::exp`'s
//! rational approximation (log-normal draws went from 21–29 M to 46–48 M a second in
//! `caplab bench`), within one unit in the last place of `libm::exp` (equal to it for about
//! three arguments in four), and the same on every machine: plain `f64` arithmetic, no fused
//! multiply-add, a table computed at build time by `libm`. A duration drawn through it is
//! rounded to whole nanoseconds, which a last-place difference almost never moves: every
//! golden result stayed the same when `Dist` switched to it.
//!
//! `exp(x) = 2^(k/256) * exp(r)` with `k = round(x * 256 / ln 2)` and `|r| <= ln 2 / 512`;
//! `2^(k/256)` is `2^(k div 256)` (put in the exponent bits) times a table entry, and
//! `exp(r) - 1` a degree-5 Taylor polynomial (its error, below `r^6 / 720 < 1e-20`, is far
//! under a unit in the last place).

include!(concat!(env!("OUT_DIR"), "/exp_table.rs"));

/// `256 / ln 2`.
const INV_LN2_256: f64 = 369.329_930_467_574_6;
/// `ln 2 / 256` in two parts: `HI` with its low 21 bits zero, so that `k * HI` is exact for
/// every `|k| < 2^21`, and `LO` the rest (computed to 60 digits).
const LN2_256_HI: f64 = f64::from_bits(0x3F66_2E42_FEE0_0000);
const LN2_256_LO: f64 = 7.453_964_567_463_233e-13;
/// Adding it rounds to an integer held in the low bits (1.5 * 2^52).
const SHIFT: f64 = 6_755_399_441_055_744.0;

/// `e^x`: within one unit in the last place of `libm::exp` where the result is a normal
/// number; `libm::exp` itself outside that range (and for NaN).
#[inline]
pub(crate) fn exp(x: f64) -> f64 {
    if !(-708.0..=709.0).contains(&x) {
        return libm::exp(x);
    }
    let shifted = x * INV_LN2_256 + SHIFT;
    let k = (shifted.to_bits() as i64).wrapping_sub(SHIFT.to_bits() as i64);
    let kd = shifted - SHIFT;
    let r = (x - kd * LN2_256_HI) - kd * LN2_256_LO;
    let p = r + r * r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0))));
    let t = EXP2_256[(k & 255) as usize];
    let scale = f64::from_bits(t.to_bits().wrapping_add(((k >> 8) as u64) << 52));
    scale + scale * p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    /// Against `libm::exp` over the range the log-normal draws use and beyond: never more
    /// than one unit in the last place apart, and the same value for most arguments.
    #[test]
    fn agrees_with_libm_within_one_ulp() {
        let mut x: u64 = 3;
        let (mut differ, n) = (0u32, 2_000_000u32);
        for i in 0..n {
            x = crate::rng::splitmix64(x);
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            let arg = if i % 2 == 0 {
                -20.0 + 40.0 * u
            } else {
                -708.0 + 1417.0 * u
            };
            let (ours, theirs) = (exp(arg), libm::exp(arg));
            assert!(
                ulps(ours, theirs) <= 1,
                "exp({arg}) = {ours}, libm {theirs}"
            );
            differ += u32::from(ours != theirs);
        }
        // Measured: 27% (the table's entries are rounded, with no correction term).
        assert!(
            differ < n * 2 / 5,
            "{differ} of {n} differ in the last place"
        );
        for arg in [0.0, -0.0, 1.0, -1.0, 1e-300, -1e-300, 709.0, -708.0, 1e-10] {
            assert!(ulps(exp(arg), libm::exp(arg)) <= 1, "exp({arg})");
        }
        // Outside the range the result is libm's own (subnormal, zero, infinite).
        for arg in [-708.5, -720.0, -740.0, -745.0, 709.5, 709.9] {
            assert_eq!(exp(arg).to_bits(), libm::exp(arg).to_bits(), "exp({arg})");
        }
        assert_eq!(exp(0.0), 1.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(1000.0), f64::INFINITY);
        assert_eq!(exp(-1000.0), 0.0);
    }
}
