//! Results files: `results.json`, `endpoints.csv` and one `series-<design>.csv` per design;
//! `spacetime-<design>.json` for each design whose history is not linearizable (the
//! message window its space-time figure is drawn from); with replications `replications.json`, `replications.csv` and `differences.csv`; and the
//! report (`index.html`, `report.md`, `charts/`).
//!
//! The `*_json`/`*_csv` functions build the bytes (deterministic: same results, same
//! text, LF line endings); only the `write_*` and `read_*` functions touch the disk.
//! Floats in CSV are rounded to 6 decimals with trailing zeros trimmed (`0.333333`,
//! `4.5`, `12`); fields containing a comma, a quote or a line break are quoted, quotes
//! doubled (RFC 4180).

use crate::error::ReportError;
use crate::format::{field, float};
use crate::report::Report;
use crate::stats::Replications;
use results::{DesignResult, RunResults};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Header of a design's time-series CSV.
const SERIES_HEADER: &str =
    "start_s,issued,ok,error,timeout,rejected,latency_mean_ms,latency_p99_ms";

/// Header of `endpoints.csv`.
const ENDPOINTS_HEADER: &str = "design,endpoint,total,ok,error,timeout,rejected,in_flight,\
failure_rate,throughput_per_s,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,\
latency_p999_ms,latency_max_ms";

/// `results.json`: pretty JSON (2-space indent) and a trailing newline. Deterministic:
/// fields in declaration order, maps sorted.
///
/// Non-finite floats (which a correct run never produces) are written as `null`, which
/// [`read_results`] then rejects.
pub fn results_json(results: &RunResults) -> String {
    let mut json = serde_json::to_string_pretty(results)
        .expect("RunResults is plain data and always serialises");
    json.push('\n');
    json
}

/// A design's time series: the header
/// `start_s,issued,ok,error,timeout,rejected,latency_mean_ms,latency_p99_ms` and one row
/// per window, in order.
pub fn series_csv(design: &DesignResult) -> String {
    let mut out = String::from(SERIES_HEADER);
    out.push('\n');
    for w in &design.series {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            float(w.start_s),
            w.issued,
            w.ok,
            w.error,
            w.timeout,
            w.rejected,
            opt_float(w.latency_mean_ms),
            opt_float(w.latency_p99_ms),
        );
    }
    out
}

/// `endpoints.csv`: one row per (design, endpoint), designs in file order and endpoints
/// sorted, under the header `design,endpoint,total,ok,error,timeout,rejected,in_flight,
/// failure_rate,throughput_per_s,latency_mean_ms,latency_p50_ms,latency_p90_ms,
/// latency_p99_ms,latency_p999_ms,latency_max_ms`. Rates are fractions (not percent).
pub fn endpoints_csv(results: &RunResults) -> String {
    let mut out = String::from(ENDPOINTS_HEADER);
    out.push('\n');
    for d in &results.designs {
        for (name, e) in &d.endpoints {
            let n = |k: &str| e.requests.by_outcome.get(k).copied().unwrap_or(0);
            let l =
                |f: fn(&results::LatencySummary) -> f64| opt_float(e.latency_ms.as_ref().map(f));
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                field(&d.name),
                field(name),
                e.requests.total,
                e.requests.ok,
                n("error"),
                n("timeout"),
                n("rejected"),
                n("in_flight"),
                float(e.failure_rate),
                float(e.throughput_per_s),
                l(|l| l.mean),
                l(|l| l.p50),
                l(|l| l.p90),
                l(|l| l.p99),
                l(|l| l.p999),
                l(|l| l.max),
            );
        }
    }
    out
}

/// The file name of each design's time series, in design order: `series-<name>.csv` with
/// the name sanitised to `[A-Za-z0-9_-]` (anything else becomes `_`, an empty name
/// `design`). Names that collide after sanitising get `-2`, `-3`, ... so no file
/// overwrites another.
pub fn series_file_names(results: &RunResults) -> Vec<String> {
    crate::format::design_stems(results)
        .into_iter()
        .map(|stem| format!("series-{stem}.csv"))
        .collect()
}

/// Writes each window as `spacetime-<design>.json` in `dir` (see [`spacetime_stems`]);
/// returns the paths written.
pub fn write_spacetime(
    dir: &Path,
    results: &RunResults,
    windows: &[crate::spacetime::Window],
) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for (d, stem) in results
        .designs
        .iter()
        .zip(crate::spacetime::spacetime_stems(results))
    {
        if let Some(w) = windows.iter().find(|w| w.design == d.name) {
            files.push((
                format!("{stem}.json"),
                crate::spacetime::spacetime_json(w).into_bytes(),
            ));
        }
    }
    if files.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir)?;
    write_all(dir, files).map_err(ReportError::into_io)
}

/// Reads the space-time windows saved in `dir` for the designs of `results` whose history
/// is not linearizable. Returns the windows found and the names of the designs that have
/// a violation but no window file (results written before windows were saved).
pub fn read_spacetime(
    dir: &Path,
    results: &RunResults,
) -> Result<(Vec<crate::spacetime::Window>, Vec<String>), ReportError> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (d, stem) in results
        .designs
        .iter()
        .zip(crate::spacetime::spacetime_stems(results))
    {
        if crate::spacetime::first_violation(d, results.duration_s).is_none() {
            continue;
        }
        let path = dir.join(format!("{stem}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                missing.push(d.name.clone());
                continue;
            }
            Err(source) => return Err(ReportError::Read { path, source }),
        };
        let w: crate::spacetime::Window = match serde_json::from_str(&text) {
            Ok(w) => w,
            Err(source) => return Err(ReportError::InvalidWindow { path, source }),
        };
        if w.design != d.name {
            return Err(ReportError::WindowOfOtherDesign {
                path,
                found: w.design,
                expected: d.name.clone(),
            });
        }
        found.push(w);
    }
    Ok((found, missing))
}

/// Writes a run's files into `dir` (created with its parents if missing): `results.json`,
/// `endpoints.csv`, then one series file per design (see [`series_file_names`]). Returns
/// the paths written, in that order. Existing files of the same names are replaced.
pub fn write_run(dir: &Path, results: &RunResults) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut files = vec![
        ("results.json".to_string(), results_json(results)),
        ("endpoints.csv".to_string(), endpoints_csv(results)),
    ];
    files.extend(
        series_file_names(results)
            .into_iter()
            .zip(&results.designs)
            .map(|(name, d)| (name, series_csv(d))),
    );
    let mut written = Vec::with_capacity(files.len());
    for (name, contents) in files {
        let path = dir.join(name);
        std::fs::write(&path, contents).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        })?;
        written.push(path);
    }
    Ok(written)
}

/// For each traced design with traces kept: `traces-<design>.otlp.json` and
/// `traces-<design>.chrome.json` in `dir`; returns the paths written.
pub fn write_traces(dir: &Path, results: &RunResults) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for d in &results.designs {
        if d.tracing.is_none() {
            continue;
        }
        std::fs::create_dir_all(dir)?;
        let stem = format!("traces-{}", crate::format::sanitise(&d.name));
        for (suffix, value) in [
            ("otlp", crate::trace::otlp_json(&d.traces)),
            ("chrome", crate::trace::chrome_json(&d.traces)),
        ] {
            let path = dir.join(format!("{stem}.{suffix}.json"));
            std::fs::write(&path, crate::trace::to_text(&value)).map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
            })?;
            written.push(path);
        }
    }
    Ok(written)
}

/// `replications.json`: pretty JSON and a trailing newline; missing intervals (fewer than
/// two replications) are `null`.
pub fn replications_json(reps: &Replications) -> String {
    let mut json = serde_json::to_string_pretty(reps)
        .expect("Replications is plain data and always serialises");
    json.push('\n');
    json
}

/// `replications.csv`: one row per (design, metric) under the header
/// `design,metric,n,mean,half_width` (half-width empty when unknown), then nothing else;
/// the differences are in [`differences_csv`].
pub fn replications_csv(reps: &Replications) -> String {
    let mut out = String::from("design,metric,n,mean,half_width\n");
    for d in &reps.designs {
        for m in &d.metrics {
            let _ = writeln!(
                out,
                "{},{},{},{},{}",
                field(&d.name),
                m.metric,
                m.n,
                float(m.mean),
                m.half_width.map_or_else(String::new, float),
            );
        }
    }
    out
}

/// `differences.csv`: one row per (metric, a, b) under the header
/// `metric,a,b,mean,paired_half_width,unpaired_half_width` (`mean` is `b - a`).
pub fn differences_csv(reps: &Replications) -> String {
    let mut out = String::from("metric,a,b,mean,paired_half_width,unpaired_half_width\n");
    for d in &reps.differences {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            d.metric,
            field(&d.a),
            field(&d.b),
            float(d.mean),
            d.paired_half_width.map_or_else(String::new, float),
            d.unpaired_half_width.map_or_else(String::new, float),
        );
    }
    out
}

/// Writes `files` (names relative to `dir`, which exists), creating their directories.
fn write_all(dir: &Path, files: Vec<(String, Vec<u8>)>) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::with_capacity(files.len());
    for (name, contents) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ReportError::CreateParent {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        if let Err(source) = std::fs::write(&path, contents) {
            return Err(ReportError::Write { path, source });
        }
        written.push(path);
    }
    Ok(written)
}

/// Writes `replications.json`, `replications.csv` and `differences.csv` into `dir`.
pub fn write_replications(dir: &Path, reps: &Replications) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    write_all(
        dir,
        vec![
            (
                "replications.json".to_string(),
                replications_json(reps).into_bytes(),
            ),
            (
                "replications.csv".to_string(),
                replications_csv(reps).into_bytes(),
            ),
            (
                "differences.csv".to_string(),
                differences_csv(reps).into_bytes(),
            ),
        ],
    )
    .map_err(ReportError::into_io)
}

/// Reads a `replications.json` (errors as in [`read_results`]).
pub fn read_replications(path: &Path) -> Result<Replications, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ReportError::InvalidReplications {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a report into `dir`: `index.html`, `report.md`, and `charts/<id>.svg` (and
/// `charts/<id>.png` when `png`) for every chart. Returns the paths written.
pub fn write_report(dir: &Path, report: &Report, png: bool) -> Result<Vec<PathBuf>, ReportError> {
    let mut files = vec![
        ("index.html".to_string(), report.html.clone().into_bytes()),
        (
            "report.md".to_string(),
            report.markdown.clone().into_bytes(),
        ),
    ];
    for c in &report.charts {
        files.push((
            format!("charts/{}.svg", c.spec.id),
            c.svg.clone().into_bytes(),
        ));
        if png {
            let bytes = crate::chart::png(&c.spec).map_err(|e| ReportError::Chart {
                id: c.spec.id.clone(),
                source: Box::new(e),
            })?;
            files.push((format!("charts/{}.png", c.spec.id), bytes));
        }
    }
    for f in &report.figures {
        files.push((format!("figures/{}.svg", f.id), f.svg.clone().into_bytes()));
    }
    std::fs::create_dir_all(dir).map_err(|source| ReportError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    write_all(dir, files)
}

/// A name (a scenario's, a design's) as a file name: ASCII letters, digits, `-` and `_`
/// kept, anything else `_`.
pub fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Reads a `results.json`. Errors name the file and, for invalid contents, the line and
/// column (`path:line:column: message`).
pub fn read_results(path: &Path) -> Result<RunResults, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| ReportError::InvalidResults {
        path: path.to_path_buf(),
        source,
    })
}

/// [`float`], or an empty cell for a value that does not exist (no samples).
pub(crate) fn opt_float(x: Option<f64>) -> String {
    x.map_or_else(String::new, float)
}

/// Writes a sweep's files into `dir`: `sweep.json`, `sweep.jsonl` (the rows' lines as
/// given, in the order given), `sweep.csv`, `report.md`, `index.html` and
/// `charts/sweep-*.svg`. Returns the paths written.
pub fn write_sweep(
    dir: &Path,
    meta: &crate::sweep::SweepMeta,
    rows: &[(crate::sweep::SweepRow, String)],
) -> Result<Vec<PathBuf>, ReportError> {
    let plain: Vec<crate::sweep::SweepRow> = rows.iter().map(|(r, _)| r.clone()).collect();
    let charts = crate::sweep::charts(meta, &plain);
    let mut drawn = Vec::with_capacity(charts.len());
    for c in &charts {
        drawn.push((c.clone(), crate::chart::svg(c)?));
    }
    let mut files: Vec<(String, Vec<u8>)> = vec![
        (
            "sweep.json".into(),
            crate::sweep::meta_json(meta).into_bytes(),
        ),
        (
            "sweep.jsonl".into(),
            rows.iter()
                .map(|(_, l)| l.as_str())
                .collect::<String>()
                .into_bytes(),
        ),
        (
            "sweep.csv".into(),
            crate::sweep::rows_csv(meta, &plain).into_bytes(),
        ),
        (
            "report.md".into(),
            crate::sweep::report_markdown(meta, &plain, &charts).into_bytes(),
        ),
        (
            "index.html".into(),
            crate::sweep::report_html(meta, &plain, &drawn).into_bytes(),
        ),
    ];
    for (c, svg) in drawn {
        files.push((format!("charts/{}.svg", c.id), svg.into_bytes()));
    }
    let charts_dir = dir.join("charts");
    if let Err(source) = std::fs::create_dir_all(&charts_dir) {
        return Err(ReportError::CreateDir {
            path: charts_dir,
            source,
        });
    }
    let mut written = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Err(source) = std::fs::write(&path, bytes) {
            return Err(ReportError::Write { path, source });
        }
        written.push(path);
    }
    Ok(written)
}

/// Reads a sweep directory: `sweep.json` and the rows of `sweep.jsonl` (missing: none).
pub fn read_sweep(
    dir: &Path,
) -> Result<
    (
        crate::sweep::SweepMeta,
        Vec<(crate::sweep::SweepRow, String)>,
    ),
    ReportError,
> {
    let meta_path = dir.join("sweep.json");
    let text = match std::fs::read_to_string(&meta_path) {
        Ok(text) => text,
        Err(source) => {
            return Err(ReportError::ReadSweep {
                path: meta_path,
                source,
            })
        }
    };
    let meta = match serde_json::from_str(&text) {
        Ok(meta) => meta,
        Err(source) => {
            return Err(ReportError::InvalidSweepMeta {
                path: meta_path,
                source,
            })
        }
    };
    let rows_path = dir.join("sweep.jsonl");
    let rows = match std::fs::read_to_string(&rows_path) {
        Ok(text) => match crate::sweep::parse_lines(&text) {
            Ok(rows) => rows,
            Err(e) => {
                return Err(ReportError::SweepRows {
                    path: rows_path,
                    source: Box::new(e),
                })
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => {
            return Err(ReportError::ReadSweep {
                path: rows_path,
                source,
            })
        }
    };
    Ok((meta, rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;
    use crate::format::{field, float};

    /// A fresh directory under the system temp dir, unique per process and test.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("caplab-reports-{}-{tag}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn json_is_deterministic_and_ordered() {
        let r = sample();
        let json = results_json(&r);
        assert_eq!(json, results_json(&r), "byte-identical on two calls");
        assert!(json.ends_with("}\n"));
        assert!(json.starts_with("{\n  \"scenario\": \"checkout\",\n  \"seed\": 42,\n"));
        let positions = |keys: &[&str], from: usize| -> Vec<usize> {
            keys.iter()
                .map(|k| {
                    from + json[from..]
                        .find(&format!("\"{k}\":"))
                        .unwrap_or_else(|| panic!("{k} missing"))
                })
                .collect()
        };
        let top = positions(
            &[
                "scenario",
                "seed",
                "caplab_version",
                "duration_s",
                "warmup_s",
                "window_s",
                "designs",
            ],
            0,
        );
        assert!(top.windows(2).all(|w| w[0] < w[1]), "{top:?}");
        let design = positions(
            &[
                "name",
                "digest",
                "events",
                "stop",
                "requests",
                "latency_ms",
                "failure_rate",
                "throughput_per_s",
                "causes",
                "endpoints",
                "network",
                "series",
            ],
            top[6],
        );
        assert!(design.windows(2).all(|w| w[0] < w[1]), "{design:?}");
        // maps sorted: by_outcome keys alphabetical
        let by_outcome = positions(&["total", "ok", "by_outcome"], design[4]);
        assert!(by_outcome.windows(2).all(|w| w[0] < w[1]), "{by_outcome:?}");
        let outcomes = positions(
            &["error", "in_flight", "ok", "rejected", "timeout"],
            by_outcome[2],
        );
        assert!(outcomes.windows(2).all(|w| w[0] < w[1]), "{outcomes:?}");
        // 2-space indent
        assert!(json.contains("\n    {\n      \"name\": \"leader\","));
    }

    #[test]
    fn json_round_trips_through_write_and_read() {
        let r = sample();
        let back: RunResults = serde_json::from_str(&results_json(&r)).unwrap();
        assert_eq!(back, r);

        let tmp = TempDir::new("roundtrip");
        let written = write_run(&tmp.0, &r).unwrap();
        assert_eq!(read_results(&written[0]).unwrap(), r);
        assert_eq!(
            std::fs::read_to_string(&written[0]).unwrap(),
            results_json(&r)
        );
    }

    #[test]
    fn read_results_names_file_line_and_column() {
        let tmp = TempDir::new("bad");
        std::fs::create_dir_all(&tmp.0).unwrap();
        let path = tmp.0.join("results.json");
        std::fs::write(
            &path,
            "{\n  \"scenario\": \"x\",\n  \"seed\": \"oops\"\n}\n",
        )
        .unwrap();
        let err = read_results(&path).unwrap_err();
        assert!(
            matches!(err, crate::ReportError::InvalidResults { .. }),
            "{err:?}"
        );
        let err = err.to_string();
        let prefix = format!("{}:3:", path.display());
        assert!(err.starts_with(&prefix), "{err}");
        assert!(err.contains("invalid results file"), "{err}");
        assert!(!err.contains(" at line "), "location given once: {err}");

        let missing = tmp.0.join("missing.json");
        let err = read_results(&missing).unwrap_err();
        assert!(matches!(err, crate::ReportError::Read { .. }), "{err:?}");
        let err = String::from(err);
        assert!(
            err.starts_with("cannot read ") && err.contains("missing.json"),
            "{err}"
        );
    }

    #[test]
    fn series_csv_header_and_rows() {
        let r = sample();
        let csv = series_csv(&r.designs[0]);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], SERIES_HEADER);
        assert_eq!(
            lines[0],
            "start_s,issued,ok,error,timeout,rejected,latency_mean_ms,latency_p99_ms"
        );
        assert_eq!(lines.len(), 1 + r.designs[0].series.len());
        assert_eq!(lines[1], "10,1000,990,1,2,0,4.25,40");
        assert_eq!(lines[3], "12,990,980,1,2,0,0.333333,0");
        assert!(csv.ends_with('\n') && !csv.contains('\r'));
        assert_eq!(csv, series_csv(&r.designs[0]));
    }

    #[test]
    fn float_formatting() {
        assert_eq!(float(0.0), "0");
        assert_eq!(float(-0.0), "0");
        assert_eq!(float(-1e-9), "0");
        assert_eq!(float(12.0), "12");
        assert_eq!(float(4.5), "4.5");
        assert_eq!(float(1.0 / 3.0), "0.333333");
        assert_eq!(float(2.0 / 3.0), "0.666667");
        assert_eq!(float(1e15), "1000000000000000");
    }

    #[test]
    fn endpoints_csv_rows_and_quoting() {
        let mut r = sample();
        let csv = endpoints_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "design,endpoint,total,ok,error,timeout,rejected,in_flight,failure_rate,\
             throughput_per_s,latency_mean_ms,latency_p50_ms,latency_p90_ms,latency_p99_ms,\
             latency_p999_ms,latency_max_ms"
        );
        assert_eq!(lines.len(), 1 + 3);
        assert_eq!(
            lines[1],
            "leader,read,907000,900000,5000,2000,0,0,0.0077,15000,2.5,2,3,9.876,20,30"
        );
        assert!(lines[2].starts_with("leader,write,"));
        assert!(lines[3].starts_with("quorum-3,read,98765,98000,200,100,0,465,0.005,"));

        r.designs[1].name = "quorum, \"n=3\"".to_string();
        let csv = endpoints_csv(&r);
        let last = csv.lines().nth(3).unwrap();
        assert!(
            last.starts_with("\"quorum, \"\"n=3\"\"\",read,98765,"),
            "{last}"
        );
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a\nb"), "\"a\nb\"");
    }

    #[test]
    fn file_names_are_sanitised_and_unique() {
        let mut r = sample();
        r.designs[0].name = "a,b c/é".to_string();
        r.designs[1].name = "a_b_c__".to_string();
        assert_eq!(
            series_file_names(&r),
            ["series-a_b_c__.csv", "series-a_b_c__-2.csv"]
        );
        r.designs[0].name = String::new();
        r.designs[1].name = "Quorum_3-x".to_string();
        assert_eq!(
            series_file_names(&r),
            ["series-design.csv", "series-Quorum_3-x.csv"]
        );
    }

    #[test]
    fn write_run_writes_the_expected_files() {
        let mut r = sample();
        r.designs[1].name = "quorum, n=3".to_string();
        let tmp = TempDir::new("write");
        let dir = tmp.0.join("nested").join("out");
        let written = write_run(&dir, &r).unwrap();
        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "results.json",
                "endpoints.csv",
                "series-leader.csv",
                "series-quorum__n_3.csv"
            ]
        );
        for p in &written {
            assert_eq!(p.parent().unwrap(), dir);
            assert!(p.is_file(), "{} missing", p.display());
        }
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(on_disk, expected, "nothing else written");
        assert_eq!(
            std::fs::read_to_string(&written[1]).unwrap(),
            endpoints_csv(&r)
        );
        assert_eq!(
            std::fs::read_to_string(&written[3]).unwrap(),
            series_csv(&r.designs[1])
        );
        // writing again replaces the files with the same bytes
        assert_eq!(write_run(&dir, &r).unwrap(), written);
        drop(tmp);
        assert!(!dir.exists(), "cleaned up");
    }
}
