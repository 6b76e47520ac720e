//! Sweep results: one row per (point, design) with the mean and 95% interval of each
//! headline metric over the replications, as JSON lines and CSV; the sweep charts; and a
//! narrative naming the crossover points (where the cheapest design meeting every
//! objective changes).
//!
//! Rows are written as JSON lines as soon as they are finished (a journal that survives an
//! interrupted run), then every output file is rebuilt from those lines, parsed back and
//! sorted by (point, design): a run in one go, a resumed run and merged shards go through
//! the same path, so they give the same bytes.

use crate::chart::{sweep_chart, ChartSpec, SweepData, SweepLine, Threshold};
use crate::error::ReportError;
use crate::format::{magnitude, percent, slug, thousands};
use crate::stats::{metric_value, METRICS};
use results::assertion::Verdict;
use results::DesignResult;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sim_core::metrics::Welford;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What a sweep was: written as `sweep.json` beside the rows; shards of one sweep have the
/// same description but for `shard`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepMeta {
    /// The scenario's name.
    pub scenario: String,
    /// The caplab version that ran it.
    pub caplab_version: String,
    /// The run's seed (replication 0 of every point).
    pub seed: u64,
    /// Replications per point and design.
    pub replications: u64,
    /// The seed of each replication (the same at every point: common random numbers).
    pub seeds: Vec<u64>,
    /// The parameters, in grid order (the last varies fastest).
    pub parameters: Vec<ParameterMeta>,
    /// Number of points in the whole grid.
    pub points: usize,
    /// The designs, in file order.
    pub designs: Vec<String>,
    /// The objectives each row is checked against (the scenario's assertions, or
    /// `failure_rate <= 0.01` when it has none).
    pub objectives: Vec<String>,
    /// `K/N` for shard K of N (points `i` with `i % N == K`); `null` for the whole grid.
    pub shard: Option<String>,
}

/// A swept parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterMeta {
    /// Its name.
    pub name: String,
    /// The fields it sets.
    pub paths: Vec<String>,
    /// The values it takes, as written into the fields (integers rounded).
    pub values: Vec<Value>,
}

/// A metric over the replications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stat {
    /// Mean over the replications.
    pub mean: f64,
    /// 95% half-width (Student t); `null` with one replication.
    pub ci95: Option<f64>,
}

/// One design at one point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRow {
    /// Index of the point in the grid.
    pub point: usize,
    /// The value of each parameter at the point.
    pub parameters: Map<String, Value>,
    /// The design.
    pub design: String,
    /// The design's index in the file.
    pub design_index: usize,
    /// Replications run.
    pub replications: u64,
    /// The headline metrics (see [`METRICS`]).
    pub metrics: BTreeMap<String, Stat>,
    /// The design's monthly cost, when it declares one.
    pub cost_month_usd: Option<f64>,
    /// The objectives not met at this point (empty: every one is met).
    pub failed: Vec<String>,
    /// Each objective that applies to the design, judged on the metric it names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objectives: Vec<ObjectiveStat>,
    /// Digest of replication 0 (replay: `caplab run FILE --point P --seed S --design D`).
    pub digest: String,
}

/// An objective at one point, for one design: the metric it names over the replications,
/// and whether the value it is judged on (the interval's far end with a confidence, else
/// the mean) meets the bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveStat {
    /// The objective as written (`endpoints.page.p99_latency_ms < 300`).
    pub expect: String,
    /// The metric it names.
    pub metric: String,
    /// Its mean over the replications (`null`: the metric has no value, such as a latency
    /// without a successful request).
    pub mean: Option<f64>,
    /// 95% half-width, with a confidence and 2+ replications.
    pub ci95: Option<f64>,
    /// The comparison (`<`, `<=`, ...) and the bound (`null` for a boolean metric).
    pub op: Option<String>,
    /// The bound.
    pub bound: Option<f64>,
    /// Whether it is met.
    pub met: bool,
    /// Why the metric could not be read, when it could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl ObjectiveStat {
    /// From an assertion's verdict.
    pub fn of(v: &Verdict) -> ObjectiveStat {
        ObjectiveStat {
            expect: v.expect.clone(),
            metric: v.metric.clone(),
            mean: Some(v.mean).filter(|m| m.is_finite()),
            ci95: v.half_width.filter(|h| h.is_finite()),
            op: v.bound.map(|(op, _)| op.symbol().to_string()),
            bound: v.bound.map(|(_, b)| b),
            met: v.passed,
            error: v.error.clone(),
        }
    }

    /// `endpoints.page.p99_latency_ms < 300 (measured 1,556 ms)`: what a missed objective
    /// says in sentences and the CSV.
    pub fn missed_text(&self) -> String {
        match (&self.error, self.mean) {
            (Some(e), _) => format!("{} ({e})", self.expect),
            (None, Some(m)) => {
                let unit = Unit::of(&self.metric);
                format!("{} (measured {})", self.expect, unit.show(m))
            }
            (None, None) => format!("{} (no value)", self.expect),
        }
    }
}

/// How a metric reads: its label and unit, and how to show a value of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// `page p99 latency (ms)`.
    pub label: String,
    /// Multiplier from the results' value to the shown one (100 for a rate shown in %).
    pub scale: f64,
    /// `ms`, `%`, `/s`, or empty.
    pub suffix: &'static str,
}

impl Unit {
    /// The unit of a metric as an assertion writes it (aliases resolved).
    pub fn of(metric: &str) -> Unit {
        let path = results::assertion::resolve(metric);
        let segs: Vec<&str> = path.iter().map(String::as_str).collect();
        let (prefix, rest) = match segs.as_slice() {
            ["endpoints", name, rest @ ..] => (format!("{name} "), rest.to_vec()),
            other => (String::new(), other.to_vec()),
        };
        let (label, scale, suffix) = match rest.as_slice() {
            ["latency_ms", q] => (format!("{q} latency"), 1.0, "ms"),
            ["messages", "completion_latency_ms", q] => {
                (format!("{q} completion latency"), 1.0, "ms")
            }
            ["failure_rate"] => ("failure rate".to_string(), 100.0, "%"),
            ["throughput_per_s"] => ("throughput (successes".to_string(), 1.0, "/s"),
            ["cost_month_usd"] => ("cost".to_string(), 1.0, "$/month"),
            _ => (metric.to_string(), 1.0, ""),
        };
        let label = format!("{prefix}{label}").replace("p999 ", "p99.9 ");
        let label = match suffix {
            "" => label,
            "/s" => format!("{label}/s)"),
            s => format!("{label} ({s})"),
        };
        Unit {
            label,
            scale,
            suffix,
        }
    }

    /// A value of the metric as the reports show numbers (`1,556 ms`, `4.36%`).
    pub fn show(&self, v: f64) -> String {
        match self.suffix {
            "%" => format!("{}%", percent(v)),
            "ms" => format!("{} ms", magnitude(v)),
            "/s" => format!("{}/s", magnitude(v)),
            "$/month" => format!("{}/month", usd(v)),
            _ => magnitude(v),
        }
    }

    /// A bound as written, in the unit shown (`300 ms`, `1%`).
    pub fn bound(&self, v: f64) -> String {
        let n = crate::format::trimmed(v * self.scale, 6);
        match self.suffix {
            "%" => format!("{n}%"),
            "" => n,
            "$/month" => format!("${n}/month"),
            s => format!("{n} {s}"),
        }
    }

    /// A value in the table's column (no unit: the header has it).
    fn cell(&self, v: f64) -> String {
        match self.suffix {
            "%" => percent(v),
            _ => magnitude(v * self.scale),
        }
    }
}

/// The row of `runs` (one design's replications at one point), judged against the
/// verdicts of the objectives that apply to the design.
pub fn row(
    point: usize,
    parameters: &[(String, Value)],
    design_index: usize,
    runs: &[DesignResult],
    verdicts: &[Verdict],
) -> SweepRow {
    let objectives: Vec<ObjectiveStat> = verdicts.iter().map(ObjectiveStat::of).collect();
    let failed = objectives
        .iter()
        .filter(|o| !o.met)
        .map(ObjectiveStat::missed_text)
        .collect();
    let metrics = METRICS
        .iter()
        .map(|(m, _, _)| {
            let w: Welford = runs
                .iter()
                .map(|r| metric_value(r, m).unwrap_or(f64::NAN))
                .collect();
            let ci95 = w.half_width(0.95).filter(|h| h.is_finite());
            (
                m.to_string(),
                Stat {
                    mean: w.mean(),
                    ci95,
                },
            )
        })
        .collect();
    let first = runs.first();
    SweepRow {
        point,
        parameters: parameters.iter().cloned().collect(),
        design: first.map(|r| r.name.clone()).unwrap_or_default(),
        design_index,
        replications: runs.len() as u64,
        metrics,
        cost_month_usd: first.and_then(|r| r.cost_month_usd),
        failed,
        objectives,
        digest: first.map(|r| r.digest.clone()).unwrap_or_default(),
    }
}

/// A row as one JSON line (with its newline).
pub fn row_line(row: &SweepRow) -> String {
    let mut s = serde_json::to_string(row).expect("a sweep row is plain data");
    s.push('\n');
    s
}

/// `sweep.json`: pretty JSON and a newline.
pub fn meta_json(meta: &SweepMeta) -> String {
    let mut s = serde_json::to_string_pretty(meta).expect("sweep metadata is plain data");
    s.push('\n');
    s
}

/// Parses the lines of a `sweep.jsonl` (a journal, maybe cut short): each complete, valid
/// row with its line's text. An unparseable last line (a write cut by a kill) is dropped;
/// any other bad line is an error.
pub fn parse_lines(text: &str) -> Result<Vec<(SweepRow, String)>, ReportError> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<SweepRow>(line.trim_end()) {
            Ok(r) if line.ends_with('\n') => out.push((r, line.to_string())),
            _ if i + 1 == lines.len() => {} // cut short
            Ok(_) => unreachable!("only the last line can lack its newline"),
            Err(source) => {
                return Err(ReportError::InvalidSweepLine {
                    line: i + 1,
                    source,
                })
            }
        }
    }
    Ok(out)
}

/// Sorts rows by (point, design) and checks that no row appears twice.
pub fn sort_rows(rows: &mut Vec<(SweepRow, String)>) -> Result<(), ReportError> {
    rows.sort_by_key(|(r, _)| (r.point, r.design_index));
    for w in rows.windows(2) {
        let (a, b) = (&w[0].0, &w[1].0);
        if (a.point, a.design_index) == (b.point, b.design_index) && w[0].1 != w[1].1 {
            return Err(ReportError::DuplicateRow {
                point: a.point,
                design: a.design.clone(),
            });
        }
    }
    rows.dedup_by(|a, b| a.1 == b.1);
    Ok(())
}

/// The `(point, design)` pairs of `meta` (within its shard) that `rows` lack.
pub fn missing(meta: &SweepMeta, rows: &[(SweepRow, String)]) -> Vec<(usize, String)> {
    let (k, n) = meta
        .shard
        .as_deref()
        .and_then(parse_shard)
        .unwrap_or((0, 1));
    let have: std::collections::BTreeSet<(usize, usize)> = rows
        .iter()
        .map(|(r, _)| (r.point, r.design_index))
        .collect();
    let mut out = Vec::new();
    for p in (0..meta.points).filter(|p| p % n == k) {
        for (d, name) in meta.designs.iter().enumerate() {
            if !have.contains(&(p, d)) {
                out.push((p, name.clone()));
            }
        }
    }
    out
}

/// `K/N` → `(K, N)` with `K < N`.
pub fn parse_shard(s: &str) -> Option<(usize, usize)> {
    let (k, n) = s.split_once('/')?;
    let (k, n) = (k.trim().parse().ok()?, n.trim().parse().ok()?);
    (n > 0 && k < n).then_some((k, n))
}

fn csv_float(x: f64) -> String {
    crate::format::float(x)
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => crate::format::field(s),
        other => other.to_string(),
    }
}

/// `sweep.csv`: `point`, one column per parameter, `design`, `replications`, then each
/// metric and its 95% half-width (`_ci95`, empty with one replication), then each metric an
/// objective names beyond those (as written, with its half-width), `cost_month_usd`,
/// `objectives_met`, `digest`, `objectives_missed`.
pub fn rows_csv(meta: &SweepMeta, rows: &[SweepRow]) -> String {
    let mut out = String::from("point");
    for p in &meta.parameters {
        out.push(',');
        out.push_str(&crate::format::field(&p.name));
    }
    out.push_str(",design,replications");
    for (m, _, _) in METRICS {
        let _ = write!(out, ",{m},{m}_ci95");
    }
    let named: Vec<String> = objective_metrics(meta, rows)
        .into_iter()
        .filter(|m| !fixed_column(m))
        .collect();
    for m in &named {
        let m = crate::format::field(m);
        let _ = write!(out, ",{m},{m}_ci95");
    }
    out.push_str(",cost_month_usd,objectives_met,digest,objectives_missed\n");
    for r in rows {
        let _ = write!(out, "{}", r.point);
        for p in &meta.parameters {
            out.push(',');
            out.push_str(
                &r.parameters
                    .get(&p.name)
                    .map(value_text)
                    .unwrap_or_default(),
            );
        }
        let _ = write!(
            out,
            ",{},{}",
            crate::format::field(&r.design),
            r.replications
        );
        for (m, _, _) in METRICS {
            let s = r.metrics.get(m);
            let _ = write!(
                out,
                ",{},{}",
                s.map(|s| csv_float(s.mean)).unwrap_or_default(),
                s.and_then(|s| s.ci95).map(csv_float).unwrap_or_default()
            );
        }
        for m in &named {
            let o = r.objectives.iter().find(|o| &o.metric == m);
            let _ = write!(
                out,
                ",{},{}",
                o.and_then(|o| o.mean).map(csv_float).unwrap_or_default(),
                o.and_then(|o| o.ci95).map(csv_float).unwrap_or_default()
            );
        }
        let _ = writeln!(
            out,
            ",{},{},{},{}",
            r.cost_month_usd.map(csv_float).unwrap_or_default(),
            r.failed.is_empty(),
            r.digest,
            crate::format::field(&r.failed.join("; "))
        );
    }
    out
}

/// The first parameter's value of a row as a number.
fn x_of(meta: &SweepMeta, r: &SweepRow) -> f64 {
    meta.parameters
        .first()
        .and_then(|p| r.parameters.get(&p.name))
        .and_then(Value::as_f64)
        .unwrap_or(f64::NAN)
}

/// The label of a row's line in charts: the design, and the other parameters' values.
fn line_label(meta: &SweepMeta, r: &SweepRow) -> String {
    let mut label = r.design.clone();
    for p in meta.parameters.iter().skip(1) {
        if let Some(v) = r.parameters.get(&p.name) {
            let _ = write!(label, ", {}={}", p.name, value_text(v));
        }
    }
    label
}

/// Whether the first parameter spans two decades or more of positive values (log axis).
fn log_axis(meta: &SweepMeta) -> bool {
    let xs: Vec<f64> = meta
        .parameters
        .first()
        .map(|p| p.values.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    lo > 0.0 && hi / lo >= 100.0
}

/// The sweep charts against the first parameter, a line per design (and per value of the
/// other parameters): first one chart per metric an objective names, with the objective's
/// threshold drawn, then throughput and (when the designs have one) cost, and the failure
/// rate and p99 latency when no objective names them already.
pub fn charts(meta: &SweepMeta, rows: &[SweepRow]) -> Vec<ChartSpec> {
    let Some(param) = meta.parameters.first() else {
        return Vec::new();
    };
    let x_log = log_axis(meta);
    let x_label = if x_log {
        format!("{} (log scale)", param.name)
    } else {
        param.name.clone()
    };
    let chart = |id: String, label: &str, lines: Vec<SweepLine>, threshold: Option<Threshold>| {
        let title = format!("{} against {}", label_title(label), param.name);
        let mut spec = sweep_chart(
            &id,
            &title,
            SweepData {
                parameter: x_label.clone(),
                metric: label.to_string(),
                lines,
                x_log,
                threshold: threshold.clone(),
            },
        );
        if let Some(t) = threshold {
            spec.caption = format!(
                "{} The dashed red line is the objective ({}); a point meets it when its mean \
                 (with a confidence, the interval's far end) is on the right side of it.",
                spec.caption, t.label
            );
        }
        spec
    };
    let mut specs = Vec::new();
    let named = objective_metrics(meta, rows);
    for metric in &named {
        let unit = Unit::of(metric);
        let lines = lines_of(meta, rows, |r| {
            let o = r.objectives.iter().find(|o| &o.metric == metric)?;
            Some((o.mean? * unit.scale, o.ci95.map(|h| h * unit.scale)))
        });
        let threshold = rows
            .iter()
            .flat_map(|r| &r.objectives)
            .find(|o| &o.metric == metric)
            .and_then(|o| {
                Some(Threshold {
                    value: o.bound? * unit.scale,
                    label: format!("{} {}", o.op.as_deref()?, unit.bound(o.bound?)),
                })
            });
        if !lines.is_empty() {
            specs.push(chart(
                format!("sweep-objective-{}", slug(metric, 0)),
                &unit.label,
                lines,
                threshold,
            ));
        }
    }
    let latency_named = named.iter().any(|m| Unit::of(m).suffix == "ms");
    let failure_named = named.iter().any(|m| Unit::of(m).suffix == "%");
    let mut plain: Vec<(&str, &str, f64)> = Vec::new();
    if !latency_named {
        plain.push(("latency_p99_ms", "p99 latency (ms)", 1.0));
    }
    if !failure_named {
        plain.push(("failure_rate", "failure rate (%)", 100.0));
    }
    plain.push(("throughput_per_s", "throughput (successes/s)", 1.0));
    plain.push(("cost_month_usd", "cost ($/month)", 1.0));
    for (metric, label, scale) in plain {
        let lines = lines_of(meta, rows, |r| {
            if metric == "cost_month_usd" {
                r.cost_month_usd.map(|c| (c, None))
            } else {
                let s = r.metrics.get(metric).filter(|s| s.mean.is_finite())?;
                Some((s.mean * scale, s.ci95.map(|h| h * scale)))
            }
        });
        if !lines.is_empty() {
            specs.push(chart(
                format!("sweep-{}", slug(metric, 0)),
                label,
                lines,
                None,
            ));
        }
    }
    specs
}

/// One line per design (and per value of the other parameters) of `value` against the
/// first parameter; rows without a value are left out (a gap, not a zero).
fn lines_of(
    meta: &SweepMeta,
    rows: &[SweepRow],
    value: impl Fn(&SweepRow) -> Option<(f64, Option<f64>)>,
) -> Vec<SweepLine> {
    let mut lines: Vec<SweepLine> = Vec::new();
    for r in rows {
        let Some((mean, half)) = value(r) else {
            continue;
        };
        let name = line_label(meta, r);
        let point = (x_of(meta, r), mean, half);
        match lines.iter_mut().find(|l| l.design == name) {
            Some(l) => l.points.push(point),
            None => lines.push(SweepLine {
                design: name,
                points: vec![point],
            }),
        }
    }
    for l in &mut lines {
        l.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    lines
}

fn label_title(label: &str) -> String {
    let base = label.split(" (").next().unwrap_or(label);
    let mut c = base.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn x_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        if x >= 0.0 {
            thousands(x as u64)
        } else {
            format!("{x:.0}")
        }
    } else {
        magnitude(x)
    }
}

fn usd(x: f64) -> String {
    format!("${}", x_text(x.round()))
}

/// The narrative of a sweep: what the objectives are, up to where each design meets them,
/// which design is the cheapest that does at each point, and the crossover points where
/// that choice changes. Only for sweeps of one parameter.
pub fn narrative(meta: &SweepMeta, rows: &[SweepRow]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(param) = meta.parameters.first() else {
        return out;
    };
    let reps = if meta.replications > 1 {
        format!("the mean of {} replications", meta.replications)
    } else {
        "one run".to_string()
    };
    out.push(format!(
        "Objectives: {}, each judged on the metric it names ({}), per point and design.",
        meta.objectives.join(" and "),
        reps
    ));
    if meta.parameters.len() > 1 {
        out.push(
            "Crossover points are named for sweeps of one parameter; this grid has several, \
             see the table."
                .to_string(),
        );
        return out;
    }
    let name = &param.name;
    let mut xs: Vec<f64> = rows.iter().map(|r| x_of(meta, r)).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    let at = |d: usize, x: f64| {
        rows.iter()
            .find(|r| r.design_index == d && x_of(meta, r) == x)
    };
    // Per design: up to where it meets every objective, and how it fails beyond.
    for (d, design) in meta.designs.iter().enumerate() {
        let cost = rows
            .iter()
            .find(|r| r.design_index == d)
            .and_then(|r| r.cost_month_usd)
            .map(|c| format!(" ({}/month)", usd(c)))
            .unwrap_or_default();
        let first_bad = xs
            .iter()
            .filter_map(|&x| at(d, x))
            .find(|r| !r.failed.is_empty());
        let last_good = xs
            .iter()
            .filter_map(|&x| at(d, x))
            .take_while(|r| r.failed.is_empty())
            .last();
        let sentence = match (last_good, first_bad) {
            (_, None) => format!(
                "{design}{cost} meets every objective over the whole sweep ({} to {} {name}).",
                x_text(xs[0]),
                x_text(xs[xs.len() - 1])
            ),
            (None, Some(bad)) => format!(
                "{design}{cost} misses {} already at {} {name}.",
                bad.failed.join(" and "),
                x_text(x_of(meta, bad)),
            ),
            (Some(good), Some(bad)) => format!(
                "{design}{cost} meets every objective up to {} {name}; at {} {name} it misses {}.",
                x_text(x_of(meta, good)),
                x_text(x_of(meta, bad)),
                bad.failed.join(" and "),
            ),
        };
        out.push(sentence);
    }
    // The cheapest design meeting every objective at each point (ties: file order).
    let choice: Vec<(f64, Option<&SweepRow>)> = xs
        .iter()
        .map(|&x| {
            let best = (0..meta.designs.len())
                .filter_map(|d| at(d, x))
                .filter(|r| r.failed.is_empty())
                .min_by(|a, b| {
                    let ca = a.cost_month_usd.unwrap_or(0.0);
                    let cb = b.cost_month_usd.unwrap_or(0.0);
                    ca.total_cmp(&cb).then(a.design_index.cmp(&b.design_index))
                });
            (x, best)
        })
        .collect();
    let mut spans: Vec<(Option<&SweepRow>, f64, f64)> = Vec::new();
    for (x, best) in &choice {
        let same = spans
            .last()
            .is_some_and(|(b, _, _)| b.map(|r| r.design_index) == best.map(|r| r.design_index));
        if same {
            if let Some(last) = spans.last_mut() {
                last.2 = *x;
            }
        } else {
            spans.push((*best, *x, *x));
        }
    }
    let parts: Vec<String> = spans
        .iter()
        .map(|(best, from, to)| {
            let range = if from == to {
                format!("at {} {name}", x_text(*from))
            } else {
                format!("from {} to {} {name}", x_text(*from), x_text(*to))
            };
            match best {
                Some(r) => format!(
                    "{} {range}{}",
                    r.design,
                    r.cost_month_usd
                        .map(|c| format!(" ({}/month)", usd(c)))
                        .unwrap_or_default()
                ),
                None => format!("no design {range}"),
            }
        })
        .collect();
    out.push(format!(
        "The cheapest design that meets every objective: {}.",
        parts.join("; ")
    ));
    let crossovers: Vec<String> = spans
        .windows(2)
        .map(|w| {
            let from = w[0].0.map_or("none".to_string(), |r| r.design.clone());
            let to = w[1].0.map_or("none".to_string(), |r| r.design.clone());
            format!("{} {name} ({from} → {to})", x_text(w[1].1))
        })
        .collect();
    if crossovers.is_empty() {
        out.push(format!(
            "No crossover point: the same choice holds from {} to {} {name}.",
            x_text(xs[0]),
            x_text(xs[xs.len() - 1])
        ));
    } else {
        out.push(format!(
            "Crossover points (between the grid's values; refine the grid around them): {}.",
            crossovers.join(", ")
        ));
    }
    // Cost ratios against the cheapest design.
    let costs: Vec<(String, f64)> = meta
        .designs
        .iter()
        .enumerate()
        .filter_map(|(d, n)| {
            rows.iter()
                .find(|r| r.design_index == d)
                .and_then(|r| r.cost_month_usd)
                .map(|c| (n.clone(), c))
        })
        .collect();
    if let Some((cheap, c0)) = costs
        .iter()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, c)| *c > 0.0)
    {
        let others: Vec<String> = costs
            .iter()
            .filter(|(n, _)| n != cheap)
            .map(|(n, c)| format!("{n} {}/month ({}×)", usd(*c), magnitude(c / c0)))
            .collect();
        if !others.is_empty() {
            out.push(format!(
                "Cost against {cheap} ({}/month): {}.",
                usd(*c0),
                others.join(", ")
            ));
        }
    }
    out
}

/// The metrics the objectives name, in the order of the objectives, without repeats.
fn objective_metrics(meta: &SweepMeta, rows: &[SweepRow]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let named = rows
        .iter()
        .flat_map(|r| r.objectives.iter().map(|o| o.metric.clone()));
    for m in named {
        if !out.contains(&m) {
            out.push(m);
        }
    }
    // Keep the objectives' own order.
    let order = |m: &String| {
        meta.objectives
            .iter()
            .position(|o| o.starts_with(m.as_str()))
            .unwrap_or(usize::MAX)
    };
    out.sort_by_key(order);
    out
}

/// Whether a metric is one of the table's fixed columns (failure rate, throughput).
fn fixed_column(metric: &str) -> bool {
    matches!(
        results::assertion::resolve(metric).as_slice(),
        [m] if m == "failure_rate" || m == "throughput_per_s"
    )
}

/// The sweep table: header, rows, and which columns are left-aligned. Beside the failure
/// rate and throughput, one column per metric an objective names (the metric it is judged
/// on, with its 95% half-width), the overall p99 only when no objective names a latency.
fn table(meta: &SweepMeta, rows: &[SweepRow]) -> (Vec<String>, Vec<Vec<String>>, Vec<bool>) {
    let extra: Vec<String> = objective_metrics(meta, rows)
        .into_iter()
        .filter(|m| !fixed_column(m))
        .collect();
    let latency_named = extra.iter().any(|m| Unit::of(m).suffix == "ms");
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(meta.parameters.iter().map(|p| p.name.clone()));
    header.extend(["design", "fail %", "throughput/s"].map(String::from));
    header.extend(extra.iter().map(|m| Unit::of(m).label));
    if !latency_named {
        header.push("p99 latency (ms)".into());
    }
    header.extend(["$/month", "objectives"].map(String::from));
    let mut left = vec![false; header.len()];
    left[0] = true;
    left[meta.parameters.len() + 1] = true;
    if let Some(last) = left.last_mut() {
        *last = true;
    }
    let pm = |mean: Option<f64>, ci: Option<f64>, f: &dyn Fn(f64) -> String| match (mean, ci) {
        (Some(m), Some(h)) => format!("{} ± {}", f(m), f(h)),
        (Some(m), None) => f(m),
        (None, _) => "—".to_string(),
    };
    let mut lines = Vec::new();
    for r in rows {
        let m = |k: &str| r.metrics.get(k).filter(|s| s.mean.is_finite());
        let stat = |k: &str, f: &dyn Fn(f64) -> String| {
            pm(m(k).map(|s| s.mean), m(k).and_then(|s| s.ci95), f)
        };
        let mut line = vec![r.point.to_string()];
        line.extend(meta.parameters.iter().map(|p| {
            r.parameters.get(&p.name).map_or_else(String::new, |v| {
                v.as_f64().map_or_else(|| value_text(v), x_text)
            })
        }));
        line.push(r.design.clone());
        line.push(stat("failure_rate", &percent));
        line.push(stat("throughput_per_s", &magnitude));
        for metric in &extra {
            let unit = Unit::of(metric);
            line.push(match r.objectives.iter().find(|o| &o.metric == metric) {
                Some(o) => pm(o.mean, o.ci95, &|v| unit.cell(v)),
                None => String::new(),
            });
        }
        if !latency_named {
            line.push(stat("latency_p99_ms", &magnitude));
        }
        line.push(r.cost_month_usd.map_or("—".into(), usd));
        let missed: Vec<String> = r
            .objectives
            .iter()
            .filter(|o| !o.met)
            .map(|o| {
                let label = Unit::of(&o.metric).label;
                label.split(" (").next().unwrap_or(&label).to_string()
            })
            .collect();
        line.push(if r.failed.is_empty() {
            "met".into()
        } else if missed.is_empty() {
            format!("missed {}", r.failed.len())
        } else {
            format!("missed: {}", missed.join(", "))
        });
        lines.push(line);
    }
    (header, lines, left)
}

/// The sweep as an aligned text table, for the terminal.
pub fn rows_text(meta: &SweepMeta, rows: &[SweepRow]) -> String {
    let (header, lines, left) = table(meta, rows);
    let mut all = vec![header];
    all.extend(lines);
    let widths: Vec<usize> = (0..left.len())
        .map(|c| {
            all.iter()
                .map(|l| l.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in &all {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .zip(&left)
            .map(|((s, w), &left)| {
                let pad = " ".repeat(w - s.chars().count());
                if left {
                    format!("{s}{pad}")
                } else {
                    format!("{pad}{s}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The sweep table as Markdown.
fn rows_markdown(meta: &SweepMeta, rows: &[SweepRow]) -> String {
    let (header, lines, left) = table(meta, rows);
    let cell = |s: &str| s.replace('|', "\\|");
    let mut out = String::from("|");
    for h in &header {
        let _ = write!(out, " {} |", cell(h));
    }
    out.push_str("\n|");
    for l in &left {
        out.push_str(if *l { "---|" } else { "---:|" });
    }
    out.push('\n');
    for line in &lines {
        out.push('|');
        for c in line {
            let _ = write!(out, " {} |", cell(c));
        }
        out.push('\n');
    }
    out
}

/// The sweep table as HTML (escaped; numbers right-aligned).
fn rows_html(meta: &SweepMeta, rows: &[SweepRow]) -> String {
    use crate::format::escape;
    let (header, lines, left) = table(meta, rows);
    let class = |l: bool| if l { "" } else { " class=\"n\"" };
    let mut out = String::from("<table class=\"sweep\">\n<thead><tr>");
    for (h, l) in header.iter().zip(&left) {
        let _ = write!(out, "<th{}>{}</th>", class(*l), escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for line in &lines {
        out.push_str("<tr>");
        for (c, l) in line.iter().zip(&left) {
            let missed = c.starts_with("missed");
            let text = if missed {
                format!("<span class=\"alert\">{}</span>", escape(c))
            } else {
                escape(c)
            };
            let _ = write!(out, "<td{}>{text}</td>", class(*l));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// `what was swept`: `users (workload.arrivals.closed.users) over 10, 32, ...`.
fn parameters_text(meta: &SweepMeta) -> String {
    meta.parameters
        .iter()
        .map(|p| {
            format!(
                "{} ({}) over {}",
                p.name,
                p.paths.join(", "),
                p.values
                    .iter()
                    .map(|v| v.as_f64().map_or_else(|| value_text(v), x_text))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `9 points × 3 designs × 3 replications (seed 9)`.
fn size_text(meta: &SweepMeta) -> String {
    format!(
        "{} points × {} designs × {} replications (seed {})",
        thousands(meta.points as u64),
        meta.designs.len(),
        meta.replications,
        meta.seed,
    )
}

/// `report.md`: the narrative, the charts (as SVG files) and the table.
pub fn report_markdown(meta: &SweepMeta, rows: &[SweepRow], charts: &[ChartSpec]) -> String {
    let mut out = format!("# Sweep of {}\n\n", meta.scenario);
    let _ = writeln!(out, "{}; {}.\n", size_text(meta), parameters_text(meta));
    for s in narrative(meta, rows) {
        let _ = writeln!(out, "- {s}");
    }
    out.push('\n');
    for c in charts {
        let _ = writeln!(out, "![{}](charts/{}.svg)\n", c.title, c.id);
    }
    out.push_str(&rows_markdown(meta, rows));
    out
}

/// `index.html`: the same as [`report_markdown`], self-contained (inline SVG), styled
/// like a run's report.
pub fn report_html(meta: &SweepMeta, rows: &[SweepRow], charts: &[(ChartSpec, String)]) -> String {
    use crate::format::escape;
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    );
    let _ = writeln!(out, "<title>Sweep of {}</title>", escape(&meta.scenario));
    let _ = write!(
        out,
        "<style>\n{}</style>\n</head>\n<body>\n",
        crate::report::CSS
    );
    let _ = writeln!(out, "<h1>Sweep of {}</h1>", escape(&meta.scenario));
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} · caplab {}</p>\n<p>{}.</p>",
        escape(&size_text(meta)),
        escape(&meta.caplab_version),
        escape(&parameters_text(meta))
    );
    out.push_str("<h2>What the sweep shows</h2>\n<ul class=\"narrative\">\n");
    for s in narrative(meta, rows) {
        let _ = writeln!(out, "<li>{}</li>", escape(&s));
    }
    out.push_str("</ul>\n<h2>Charts</h2>\n");
    for (c, svg) in charts {
        let _ = writeln!(
            out,
            "<figure id=\"{}\">\n{}<figcaption>{}</figcaption>\n</figure>",
            c.id,
            svg,
            escape(&c.caption)
        );
    }
    out.push_str("<h2>Every point</h2>\n");
    out.push_str(&rows_html(meta, rows));
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> SweepMeta {
        SweepMeta {
            scenario: "s".into(),
            caplab_version: "0".into(),
            seed: 1,
            replications: 1,
            seeds: vec![1],
            parameters: vec![ParameterMeta {
                name: "users".into(),
                paths: vec!["workload.arrivals.closed.users".into()],
                values: vec![10.into(), 100.into(), 1000.into()],
            }],
            points: 3,
            designs: vec!["small".into(), "big".into()],
            objectives: vec!["failure_rate <= 0.01".into()],
            shard: None,
        }
    }

    fn r(point: usize, users: u64, d: usize, cost: f64, ok: bool) -> SweepRow {
        SweepRow {
            point,
            parameters: [("users".to_string(), Value::from(users))]
                .into_iter()
                .collect(),
            design: ["small", "big"][d].into(),
            design_index: d,
            replications: 1,
            metrics: [(
                "failure_rate".to_string(),
                Stat {
                    mean: if ok { 0.0 } else { 0.2 },
                    ci95: None,
                },
            )]
            .into_iter()
            .collect(),
            cost_month_usd: Some(cost),
            failed: if ok {
                vec![]
            } else {
                vec!["failure_rate <= 0.01".into()]
            },
            objectives: vec![ObjectiveStat {
                expect: "failure_rate <= 0.01".into(),
                metric: "failure_rate".into(),
                mean: Some(if ok { 0.0 } else { 0.2 }),
                ci95: None,
                op: Some("<=".into()),
                bound: Some(0.01),
                met: ok,
                error: None,
            }],
            digest: "0".into(),
        }
    }

    #[test]
    fn the_narrative_names_the_crossover_point() {
        let rows = vec![
            r(0, 10, 0, 80.0, true),
            r(0, 10, 1, 800.0, true),
            r(1, 100, 0, 80.0, true),
            r(1, 100, 1, 800.0, true),
            r(2, 1000, 0, 80.0, false),
            r(2, 1000, 1, 800.0, true),
        ];
        let n = narrative(&meta(), &rows).join("\n");
        assert!(
            n.contains("small ($80/month) meets every objective up to 100 users"),
            "{n}"
        );
        assert!(n.contains("Crossover points"), "{n}");
        assert!(n.contains("1,000 users (small → big)"), "{n}");
        assert!(n.contains("big $800/month (10.0×)"), "{n}");
    }

    #[test]
    fn journal_lines_parse_and_a_cut_last_line_is_dropped() {
        let a = row_line(&r(0, 10, 0, 80.0, true));
        let b = row_line(&r(1, 100, 0, 80.0, true));
        let text = format!("{b}{a}{}", &a[..a.len() / 2]);
        let mut rows = parse_lines(&text).unwrap();
        assert_eq!(rows.len(), 2);
        sort_rows(&mut rows).unwrap();
        assert_eq!(rows[0].0.point, 0);
        assert!(parse_lines(&format!("garbage\n{a}")).is_err());
        let m = missing(&meta(), &rows);
        assert_eq!(m.len(), 4);
        assert_eq!(parse_shard("1/3"), Some((1, 3)));
        assert_eq!(parse_shard("3/3"), None);
    }
}
