//! Computes the ziggurat tables of `src/ziggurat.rs` (the standard exponential and the
//! standard normal, 256 layers each) into `$OUT_DIR/ziggurat_tables.rs`.
//!
//! The construction of Marsaglia and Tsang ("The Ziggurat Method for Generating Random
//! Variables", 2000), in `f64` with `libm` only, so that every machine computes the same
//! bits. With `f` the density without its constant (`exp(-x)`, `exp(-x^2/2)`) and `R` the
//! right edge of the base layer, every layer has the area `V = R f(R) + tail(R)` (the base
//! layer is the rectangle `[0, R] x [0, f(R)]` plus the tail beyond `R`), and the layers'
//! right edges follow from `x_1 = R` by `x_{i+1} = f^-1(f(x_i) + V / x_i)`. `R` is the root of
//! "the top layer ends at `f(0) = 1`": `f(x_255) + V / x_255 = 1`, found here by bisection.
//!
//! The tables (`x_0 = V / f(R)`, the width the base layer would have as a rectangle, then
//! `x_1 = R, ..., x_255`, and `x_256 = 0`; `f_i = f(x_i)`, `f_256 = 1`) are written with `{:?}`,
//! which prints the shortest decimal that reads back as the same `f64`.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Layers of each ziggurat (the sampler takes the layer from 8 bits of a draw).
const LAYERS: usize = 256;

/// One density: `f` (unnormalised, `f(0) = 1`), its inverse on `(0, 1]`, its tail mass.
struct Density {
    name: &'static str,
    f: fn(f64) -> f64,
    f_inv: fn(f64) -> f64,
    tail: fn(f64) -> f64,
    /// A bracket of `R`: the ziggurat overshoots its top at `lo` and falls short at `hi`.
    bracket: (f64, f64),
}

const EXPONENTIAL: Density = Density {
    name: "EXP",
    f: |x| libm::exp(-x),
    f_inv: |y| -libm::log(y),
    tail: |r| libm::exp(-r),
    bracket: (1.0, 20.0),
};

const NORMAL: Density = Density {
    name: "NORM",
    f: |x| libm::exp(-0.5 * x * x),
    f_inv: |y| libm::sqrt(-2.0 * libm::log(y)),
    // The integral of exp(-t^2/2) from r to infinity: sqrt(pi/2) erfc(r / sqrt 2).
    tail: |r| libm::sqrt(std::f64::consts::FRAC_PI_2) * libm::erfc(r / std::f64::consts::SQRT_2),
    bracket: (1.0, 10.0),
};

/// The layer area for the base edge `r`.
fn area(d: &Density, r: f64) -> f64 {
    r * (d.f)(r) + (d.tail)(r)
}

/// The layers' right edges `x_1 = r, ..., x_255` for the base edge `r`, and how far the
/// top layer's ceiling `f(x_255) + V / x_255` lies above 1 (positive: `r` is too small, the
/// layers are too thick; `+inf` when the ceiling passes 1 before the top layer).
fn edges(d: &Density, r: f64) -> (Vec<f64>, f64) {
    let v = area(d, r);
    let mut xs = vec![r];
    for _ in 2..LAYERS {
        let last = xs[xs.len() - 1];
        let y = (d.f)(last) + v / last;
        if y >= 1.0 {
            return (xs, f64::INFINITY);
        }
        xs.push((d.f_inv)(y));
    }
    let last = xs[xs.len() - 1];
    (xs, (d.f)(last) + v / last - 1.0)
}

/// `R` by bisection on the top layer's excess, until the bracket is two adjacent floats;
/// of the two ends, the one whose top layer closes best.
fn base_edge(d: &Density) -> f64 {
    let (mut lo, mut hi) = d.bracket;
    assert!(
        edges(d, lo).1 > 0.0 && edges(d, hi).1 < 0.0,
        "{}: bad bracket",
        d.name
    );
    loop {
        let mid = lo + (hi - lo) / 2.0;
        if mid <= lo || mid >= hi {
            break;
        }
        if edges(d, mid).1 > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    if edges(d, lo).1.abs() <= edges(d, hi).1.abs() {
        lo
    } else {
        hi
    }
}

fn table(out: &mut String, name: &str, values: &[f64]) {
    writeln!(out, "static {name}: [f64; {}] = [", values.len()).unwrap();
    for v in values {
        writeln!(out, "    {v:?},").unwrap();
    }
    writeln!(out, "];").unwrap();
}

fn write_tables(out: &mut String, d: &Density) {
    let r = base_edge(d);
    let v = area(d, r);
    let (mut xs, _) = edges(d, r);
    assert_eq!(
        xs.len(),
        LAYERS - 1,
        "{}: the ziggurat does not close",
        d.name
    );
    xs.insert(0, v / (d.f)(r));
    xs.push(0.0);
    let mut fs: Vec<f64> = xs.iter().map(|&x| (d.f)(x)).collect();
    fs[LAYERS] = 1.0;
    // The position in a layer is a 53-bit integer times 2^-53: `x_i 2^-53` saves a product
    // (a power of two, so the product is exact and the draw the same).
    let scaled: Vec<f64> = xs.iter().map(|x| x / (1u64 << 53) as f64).collect();
    let n = d.name;
    writeln!(
        out,
        "/// The base layer's right edge `R`.\nconst {n}_R: f64 = {r:?};"
    )
    .unwrap();
    writeln!(
        out,
        "/// Every layer's area `V`.\n#[allow(dead_code)]\nconst {n}_V: f64 = {v:?};"
    )
    .unwrap();
    writeln!(out, "/// The layers' right edges `x_0..=x_256`.").unwrap();
    table(out, &format!("{n}_X"), &xs);
    writeln!(out, "/// `x_i 2^-53`.").unwrap();
    table(out, &format!("{n}_X53"), &scaled);
    writeln!(
        out,
        "/// The density at the edges, `f(x_i)`, with `f(x_256) = f(0) = 1`."
    )
    .unwrap();
    table(out, &format!("{n}_F"), &fs);
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut out = String::from("// Generated by sim-core/build.rs: the ziggurat tables.\n");
    write_tables(&mut out, &EXPONENTIAL);
    write_tables(&mut out, &NORMAL);
    let dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(dir.join("ziggurat_tables.rs"), out).expect("write the ziggurat tables");
    // src/exp.rs: 2^(i/256) for i in 0..256 (exact arguments; libm's exp2 rounds each).
    let mut out = String::from("// Generated by sim-core/build.rs: the table of src/exp.rs.\n");
    writeln!(out, "/// `2^(i/256)`.").unwrap();
    // Entry 128 is the square root of 2, computed like the others.
    writeln!(out, "#[allow(clippy::approx_constant)]").unwrap();
    let powers: Vec<f64> = (0..256).map(|i| libm::exp2(f64::from(i) / 256.0)).collect();
    table(&mut out, "EXP2_256", &powers);
    std::fs::write(dir.join("exp_table.rs"), out).expect("write the exp table");
}
