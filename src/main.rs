//! The `caplab` command line: parse, run, report. Only this crate touches files and the
//! wall clock.
mod bench;

fn main() {
    let scale: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let rows = bench::run_engine_benches(scale, 3);
    print!("{}", bench::format_rows(&rows));
}
