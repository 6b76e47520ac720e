//! The ziggurat method (Marsaglia and Tsang, 2000) for the standard exponential and the
//! standard normal: exact samplers that take one 64-bit word and a multiplication for about
//! 99% of draws.
//!
//! The area under the density (without its constant: `f(x) = exp(-x)`, `exp(-x^2/2)`) is
//! covered by 256 layers of equal area: 255 rectangles stacked from `f(R)` up to `f(0)`, and a
//! base of the rectangle `[0, R] x [0, f(R)]` plus the tail beyond `R`. A draw picks a layer
//! (8 bits) and a point `x` uniform in its width (53 other bits). Where `x` lies under the
//! layer above, the whole vertical extent of the layer is under the curve: `x` is accepted
//! (a rectangle). Otherwise `x` is in the wedge at the layer's right end: a uniform height is
//! drawn and compared with the density itself (rejection, so the retry is exact). In the base
//! layer, `x` beyond `R` stands for the tail, which is sampled exactly: `R + Exp(1)` for the
//! exponential (memoryless), Marsaglia's (1964) rejection from `R + Exp(R)` for the normal.
//!
//! The tables are computed by `sim-core/build.rs` (the construction is described there) in
//! `f64` with `libm`; the two float calls of the rare paths (`exp` in the wedge test, `log`
//! in the tail) are `libm`'s too, and uniforms come from integer bits: the same seed draws
//! the same numbers on every machine.

use crate::rng::SimRng;

include!(concat!(env!("OUT_DIR"), "/ziggurat_tables.rs"));

/// The layer (low 8 bits) and the position in it (`x_i 2^-53` times the top 53 bits:
/// uniform in `[0, x_i)`) of one 64-bit word. Bit 8 is left for the normal's sign.
#[inline(always)]
fn layer(bits: u64, x53: &[f64; 257]) -> (usize, f64) {
    let i = (bits & 0xff) as usize;
    (i, (bits >> 11) as f64 * x53[i])
}

/// A standard exponential draw (mean 1), `>= 0`.
#[inline]
pub(crate) fn exp1(rng: &mut SimRng) -> f64 {
    loop {
        let (i, x) = layer(rng.next_u64(), &EXP_X53);
        if x < EXP_X[i + 1] {
            return x;
        }
        if i == 0 {
            // The tail beyond R: R + Exp(1). open0: a finite logarithm.
            return EXP_R - libm::log(rng.next_f64_open0());
        }
        // The wedge: a uniform height between f(x_i) and f(x_{i+1}) under the density?
        if EXP_F[i] + (EXP_F[i + 1] - EXP_F[i]) * rng.next_f64() < libm::exp(-x) {
            return x;
        }
    }
}

/// A standard normal draw (mean 0, standard deviation 1).
#[inline]
pub(crate) fn std_normal(rng: &mut SimRng) -> f64 {
    loop {
        let bits = rng.next_u64();
        // Bit 8 of the word becomes the sign bit (63) of the result: |x| is drawn.
        let sign = (bits & 0x100) << 55;
        let signed = |x: f64| f64::from_bits(x.to_bits() | sign);
        let (i, x) = layer(bits, &NORM_X53);
        if x < NORM_X[i + 1] {
            return signed(x);
        }
        if i == 0 {
            return signed(normal_tail(rng));
        }
        if NORM_F[i] + (NORM_F[i + 1] - NORM_F[i]) * rng.next_f64() < libm::exp(-0.5 * x * x) {
            return signed(x);
        }
    }
}

/// The normal's tail beyond R (Marsaglia 1964): `x ~ Exp(rate R)` accepted with probability
/// `exp(-x^2/2)` (`y ~ Exp(1)` above `x^2/2`), so `R + x` has the density `exp(-t^2/2)` on
/// `t > R`, normalised. Accepts more than 92% of candidates at `R = 3.65`.
#[cold]
fn normal_tail(rng: &mut SimRng) -> f64 {
    loop {
        let x = -libm::log(rng.next_f64_open0()) / NORM_R;
        let y = -libm::log(rng.next_f64_open0());
        if 2.0 * y > x * x {
            return NORM_R + x;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::fold;
    use std::f64::consts::SQRT_2;

    const N: usize = 1_000_000;

    /// `count` successes of `n` trials against probability `p`, within 5 standard deviations.
    fn near(count: usize, n: usize, p: f64, what: &str) {
        let (n, c) = (n as f64, count as f64);
        let sd = libm::sqrt(n * p * (1.0 - p));
        assert!(
            (c - n * p).abs() <= 5.0 * sd,
            "{what}: {c} of {n}, want {}",
            n * p
        );
    }

    /// Standard normal CDF, from `libm::erfc`.
    fn phi(z: f64) -> f64 {
        libm::erfc(-z / SQRT_2) / 2.0
    }

    /// The chi-square statistic of `xs` over `bins` cells of equal probability under `cdf`
    /// (cell `k` is `[q_k, q_{k+1})` with `cdf(q_k) = k / bins`, found by bisection).
    fn chi_square(xs: &[f64], bins: usize, cdf: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
        let edges: Vec<f64> = (1..bins)
            .map(|k| {
                let target = k as f64 / bins as f64;
                let (mut a, mut b) = (lo, hi);
                for _ in 0..200 {
                    let m = (a + b) / 2.0;
                    if cdf(m) < target { a = m } else { b = m }
                }
                (a + b) / 2.0
            })
            .collect();
        let mut counts = vec![0usize; bins];
        for &x in xs {
            counts[edges.partition_point(|&e| e <= x)] += 1;
        }
        let expect = xs.len() as f64 / bins as f64;
        counts
            .iter()
            .map(|&c| (c as f64 - expect) * (c as f64 - expect) / expect)
            .sum()
    }

    /// The chi-square bound for `df` degrees of freedom that a correct sampler exceeds with
    /// probability about 1e-6 (Wilson–Hilferty, z = 4.75).
    fn chi_square_bound(df: f64) -> f64 {
        let a = 2.0 / (9.0 * df);
        df * libm::pow(1.0 - a + 4.75 * libm::sqrt(a), 3.0)
    }

    /// The largest distance between the empirical CDF of `xs` and `cdf` (Kolmogorov–Smirnov).
    fn ks(xs: &mut [f64], cdf: impl Fn(f64) -> f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        let n = xs.len() as f64;
        xs.iter()
            .enumerate()
            .map(|(k, &x)| {
                let c = cdf(x);
                (c - k as f64 / n).abs().max(((k + 1) as f64 / n - c).abs())
            })
            .fold(0.0, f64::max)
    }

    #[test]
    fn the_tables_close_and_have_equal_layers() {
        // Marsaglia and Tsang's published R for 256 layers.
        assert!((EXP_R - 7.697_117_470_131_05).abs() < 1e-9, "{EXP_R}");
        assert!((NORM_R - 3.654_152_885_361_009).abs() < 1e-9, "{NORM_R}");
        for (xs, fs, v, f) in [
            (&EXP_X, &EXP_F, EXP_V, (|x| libm::exp(-x)) as fn(f64) -> f64),
            (&NORM_X, &NORM_F, NORM_V, |x| libm::exp(-0.5 * x * x)),
        ] {
            assert_eq!(xs[256], 0.0);
            assert_eq!(fs[256], 1.0);
            // The base: R f(R) + tail = V, and x_0 f(R) = V.
            assert!((xs[0] * fs[1] - v).abs() <= 1e-14 * v);
            for i in 1..256 {
                assert!(xs[i + 1] < xs[i]);
                assert_eq!(fs[i].to_bits(), f(xs[i]).to_bits());
                let layer = xs[i] * (fs[i + 1] - fs[i]);
                assert!(
                    (layer - v).abs() <= 1e-9 * v,
                    "layer {i}: {layer} against {v}"
                );
            }
        }
        for (x, x53) in EXP_X
            .iter()
            .zip(&EXP_X53)
            .chain(NORM_X.iter().zip(&NORM_X53))
        {
            assert_eq!(*x, x53 * (1u64 << 53) as f64);
        }
    }

    #[test]
    fn exponential_has_its_moments_its_tail_and_its_law() {
        let mut rng = SimRng::stream(1, "zig", 0);
        let mut xs: Vec<f64> = (0..N).map(|_| exp1(&mut rng)).collect();
        assert!(xs.iter().all(|&x| x >= 0.0 && x.is_finite()));
        let n = N as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        // sd of the mean 1/sqrt n; of the variance sqrt((mu4 - 1)/n) = sqrt(8/n).
        assert!((mean - 1.0).abs() <= 5.0 / libm::sqrt(n), "mean {mean}");
        assert!(
            (var - 1.0).abs() <= 5.0 * libm::sqrt(8.0 / n),
            "variance {var}"
        );
        // P(X > t) = exp(-t), inside the layers, at the edge R = 7.70 and beyond it.
        for t in [0.01, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 7.697, 8.0, 10.0] {
            let above = xs.iter().filter(|&&x| x > t).count();
            near(above, N, libm::exp(-t), &format!("P(X > {t})"));
        }
        let cdf = |x: f64| 1.0 - libm::exp(-x);
        let chi = chi_square(&xs, 1000, cdf, 0.0, 50.0);
        assert!(
            chi < chi_square_bound(999.0),
            "chi-square {chi} over 1000 cells"
        );
        // KS: sqrt(n) D exceeds 1.95 with probability about 0.001.
        let d = ks(&mut xs, cdf);
        assert!(libm::sqrt(n) * d < 1.95, "KS distance {d}");
    }

    #[test]
    fn normal_has_its_moments_its_tails_and_its_law() {
        let mut rng = SimRng::stream(2, "zig", 0);
        let mut xs: Vec<f64> = (0..N).map(|_| std_normal(&mut rng)).collect();
        assert!(xs.iter().all(|x| x.is_finite()));
        let n = N as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        let m3 = xs.iter().map(|x| x * x * x).sum::<f64>() / n;
        let m4 = xs.iter().map(|x| x * x * x * x).sum::<f64>() / n;
        assert!(mean.abs() <= 5.0 / libm::sqrt(n), "mean {mean}");
        assert!(
            (var - 1.0).abs() <= 5.0 * libm::sqrt(2.0 / n),
            "variance {var}"
        );
        // Skewness 0 (sd sqrt(15/n)), kurtosis 3 (sd sqrt(96/n)).
        assert!(m3.abs() <= 5.0 * libm::sqrt(15.0 / n), "third moment {m3}");
        assert!(
            (m4 - 3.0).abs() <= 5.0 * libm::sqrt(96.0 / n),
            "fourth moment {m4}"
        );
        // P(Z > t) = erfc(t / sqrt 2) / 2, on both sides, inside the layers, at the edge
        // R = 3.65 and beyond it.
        for t in [0.0, 0.1, 0.5, 1.0, 2.0, 3.0, 3.5, 3.654, 4.0, 4.5] {
            let p = libm::erfc(t / SQRT_2) / 2.0;
            near(
                xs.iter().filter(|&&x| x > t).count(),
                N,
                p,
                &format!("P(Z > {t})"),
            );
            near(
                xs.iter().filter(|&&x| x < -t).count(),
                N,
                p,
                &format!("P(Z < -{t})"),
            );
        }
        let chi = chi_square(&xs, 1000, phi, -40.0, 40.0);
        assert!(
            chi < chi_square_bound(999.0),
            "chi-square {chi} over 1000 cells"
        );
        let d = ks(&mut xs, phi);
        assert!(libm::sqrt(n) * d < 1.95, "KS distance {d}");
    }

    /// The tails alone, with many more draws there than the tests above see: 20 million
    /// draws, about 5,200 normal (both sides) and 9,000 exponential ones beyond the base layer's edge; the
    /// shape of each tail by chi-square over cells of equal conditional probability.
    #[test]
    fn the_tails_beyond_the_layers_have_the_right_shape() {
        let draws = 20_000_000;
        let mut rng = SimRng::stream(5, "zig", 0);
        let beyond: Vec<f64> = (0..draws)
            .map(|_| exp1(&mut rng))
            .filter(|&x| x > EXP_R)
            .map(|x| x - EXP_R)
            .collect();
        near(
            beyond.len(),
            draws,
            libm::exp(-EXP_R),
            "exponential tail mass",
        );
        let cdf = |x: f64| 1.0 - libm::exp(-x);
        let chi = chi_square(&beyond, 20, cdf, 0.0, 50.0);
        assert!(
            chi < chi_square_bound(19.0),
            "exponential tail: chi-square {chi}"
        );

        let mut rng = SimRng::stream(6, "zig", 0);
        let beyond: Vec<f64> = (0..draws)
            .map(|_| std_normal(&mut rng).abs())
            .filter(|&x| x > NORM_R)
            .collect();
        let tail = libm::erfc(NORM_R / SQRT_2);
        near(beyond.len(), draws, tail, "normal tail mass (both sides)");
        let cdf = |x: f64| 1.0 - libm::erfc(x / SQRT_2) / tail;
        let chi = chi_square(&beyond, 20, cdf, NORM_R, 40.0);
        assert!(
            chi < chi_square_bound(19.0),
            "normal tail: chi-square {chi}"
        );
    }

    /// The mass of every layer's column `[x_{i+1}, x_i)` (and of the tail beyond R) against
    /// the exact law, by chi-square over those 256 cells with 10 million draws: a wedge test
    /// that accepted a little too much or too little would show in the columns of the
    /// layers (accepting every wedge point puts about 1% of the draws there too many).
    #[test]
    fn every_layer_column_holds_its_exact_mass() {
        let draws = 10_000_000;
        type Draw = fn(&mut SimRng) -> f64;
        for (name, draw, xs, survival) in [
            (
                "exponential",
                exp1 as Draw,
                &EXP_X,
                (|x| libm::exp(-x)) as fn(f64) -> f64,
            ),
            (
                "normal",
                |r| std_normal(r).abs(),
                &NORM_X,
                |x| libm::erfc(x / SQRT_2),
            ),
        ] {
            // Ascending edges 0 = x_256 < x_255 < ... < x_1 = R.
            let edges: Vec<f64> = xs[1..].iter().rev().copied().collect();
            let mut counts = vec![0usize; edges.len()];
            let mut rng = SimRng::stream(10, name, 0);
            for _ in 0..draws {
                let x = draw(&mut rng);
                counts[edges.partition_point(|&e| e <= x) - 1] += 1;
            }
            let chi: f64 = counts
                .iter()
                .enumerate()
                .map(|(k, &c)| {
                    let upper = edges.get(k + 1).map_or(0.0, |&e| survival(e));
                    let expect = draws as f64 * (survival(edges[k]) - upper);
                    (c as f64 - expect) * (c as f64 - expect) / expect
                })
                .sum();
            let df = (edges.len() - 1) as f64;
            assert!(
                chi < chi_square_bound(df),
                "{name}: chi-square {chi} over the columns"
            );
        }
    }

    /// The first draws of a seed are the same from two generators of that seed (a digest of
    /// 200,000 draws), differ for another seed, and a draw accepted in a rectangle consumes
    /// exactly one word of the stream.
    #[test]
    fn the_draws_of_a_seed_are_stable() {
        let digest = |seed: u64| {
            let mut rng = SimRng::stream(seed, "zig", 0);
            (0..100_000).fold(0u64, |d, _| {
                let d = fold(d, exp1(&mut rng).to_bits());
                fold(d, std_normal(&mut rng).to_bits())
            })
        };
        assert_eq!(digest(7), digest(7));
        assert_ne!(digest(7), digest(8));
        let mut rectangles = 0;
        for seed in 0..20 {
            let (mut a, mut b) = (
                SimRng::stream(seed, "zig", 0),
                SimRng::stream(seed, "zig", 0),
            );
            let (i, x) = layer(b.next_u64(), &EXP_X53);
            if x < EXP_X[i + 1] {
                rectangles += 1;
                assert_eq!(exp1(&mut a).to_bits(), x.to_bits());
                assert_eq!(a.next_u64(), b.next_u64());
            }
        }
        assert!(
            rectangles >= 15,
            "{rectangles} of 20 first draws in a rectangle"
        );
    }
}
