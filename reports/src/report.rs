//! The report of a run: a self-contained `index.html` (inline SVG and CSS, no script, no
//! network) and a Markdown summary, both pure functions of the results, the optional
//! replication statistics and the rendered charts.

use crate::chart;
use crate::consistency;
pub use crate::consistency::Figure;
use crate::error::ReportError;
use crate::format::{escape, magnitude, ms, percent, seconds, thousands};
use crate::narrative::{interval, narrative};
use crate::stats::{Replications, METRICS};
use results::{DesignResult, RunResults};
use std::collections::BTreeSet;
use std::fmt::Write as _;

pub use crate::chart::Rendered;

/// A report: the HTML page, the Markdown summary, and the charts they show.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// `index.html`.
    pub html: String,
    /// `report.md`.
    pub markdown: String,
    /// The charts, in report order (their files are `charts/<id>.svg` and `.png`).
    pub charts: Vec<Rendered>,
    /// Figures drawn outside the results (their files are `figures/<id>.svg`).
    pub figures: Vec<Figure>,
}

/// Builds the report of a run: draws every chart of [`crate::run_charts::charts`] as SVG and lays out
/// the page and the summary.
pub fn build(results: &RunResults, reps: Option<&Replications>) -> Result<Report, ReportError> {
    build_with(results, reps, Vec::new())
}

/// [`build`], with figures drawn outside the results (space-time diagrams of violations,
/// placed in the *Consistency* section).
pub fn build_with(
    results: &RunResults,
    reps: Option<&Replications>,
    figures: Vec<Figure>,
) -> Result<Report, ReportError> {
    let charts = crate::run_charts::charts(results, reps)
        .into_iter()
        .map(|spec| match chart::svg(&spec) {
            Ok(svg) => Ok(Rendered { spec, svg }),
            Err(e) => Err(ReportError::Chart {
                id: spec.id,
                source: Box::new(e),
            }),
        })
        .collect::<Result<Vec<_>, ReportError>>()?;
    Ok(Report {
        html: page(results, reps, &charts, &figures),
        markdown: summary(results, reps, &charts, &figures),
        charts,
        figures,
    })
}

fn outcome(d: &DesignResult, name: &str) -> u64 {
    d.requests.by_outcome.get(name).copied().unwrap_or(0)
}

/// The rows of the side-by-side table: label, right-aligned?, value per design.
fn design_rows(results: &RunResults) -> Vec<(&'static str, Vec<String>)> {
    let col = |f: &dyn Fn(&DesignResult) -> String| results.designs.iter().map(f).collect();
    vec![
        ("requests", col(&|d| thousands(d.requests.total))),
        ("ok", col(&|d| thousands(d.requests.ok))),
        ("error", col(&|d| thousands(outcome(d, "error")))),
        ("timeout", col(&|d| thousands(outcome(d, "timeout")))),
        ("rejected", col(&|d| thousands(outcome(d, "rejected")))),
        (
            "in flight at the end",
            col(&|d| thousands(outcome(d, "in_flight"))),
        ),
        ("failure rate (%)", col(&|d| percent(d.failure_rate))),
        (
            "throughput (successes/s)",
            col(&|d| magnitude(d.throughput_per_s)),
        ),
        (
            "mean latency (ms)",
            col(&|d| ms(d.latency_ms.map(|l| l.mean))),
        ),
        (
            "p50 latency (ms)",
            col(&|d| ms(d.latency_ms.map(|l| l.p50))),
        ),
        (
            "p90 latency (ms)",
            col(&|d| ms(d.latency_ms.map(|l| l.p90))),
        ),
        (
            "p99 latency (ms)",
            col(&|d| ms(d.latency_ms.map(|l| l.p99))),
        ),
        (
            "p99.9 latency (ms)",
            col(&|d| ms(d.latency_ms.map(|l| l.p999))),
        ),
        (
            "max latency (ms)",
            col(&|d| ms(d.latency_ms.map(|l| l.max))),
        ),
        ("messages sent", col(&|d| thousands(d.network.sent))),
        ("events", col(&|d| thousands(d.events))),
        ("stopped at", col(&|d| d.stop.replace('_', " "))),
        ("digest", col(&|d| d.digest.clone())),
    ]
}

/// A metric's mean ± half-width, in display units.
fn mean_pm(metric: &str, mean: f64, hw: Option<f64>) -> String {
    let f = |v: f64| {
        if metric == "failure_rate" {
            percent(v)
        } else {
            magnitude(v)
        }
    };
    match hw {
        Some(h) => format!("{} ± {}", f(mean), f(h)),
        None => f(mean),
    }
}

fn unit_label(metric: &str) -> String {
    METRICS
        .iter()
        .find(|m| m.0 == metric)
        .map_or(metric.to_string(), |m| {
            let unit = if m.1 == "/s" { "successes/s" } else { m.1 };
            format!("{} ({unit})", m.2)
        })
}

/// What the messages table counts.
const MESSAGES_NOTE: &str = "Every message copy that entered a queue or a log (once per \
    consumer group) ends once: processed, failed, dead-lettered or lost, or is still queued or \
    in flight at the end; duplicates are processing beyond the first. Completion latency runs \
    from a request's issue to the processing of a message it published: for a design that \
    answers once the work is queued, that is when the work is done, while the latency above \
    is the acknowledgement's.";

pub(crate) const CSS: &str = "\
:root{--ink:#1a1a1a;--muted:#555;--rule:#ccc;--band:#f3f3f3}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--ink);max-width:1100px;margin:2rem auto;padding:0 1.25rem;font-size:17px;line-height:1.5}
h1{font-size:1.9rem;margin:0 0 .25rem}
h2{font-size:1.35rem;margin:2.2rem 0 .6rem;border-bottom:1px solid var(--rule);padding-bottom:.2rem}
p.meta{color:var(--muted);margin:0}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-variant-numeric:tabular-nums}
th,td{padding:.3rem .7rem;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
td.n,th.n{text-align:right}
thead th{border-bottom:2px solid var(--ink)}
tbody tr:nth-child(even){background:var(--band)}
code,pre{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:.92em}
pre{background:var(--band);padding:.7rem 1rem;overflow-x:auto}
figure{margin:1.2rem 0 2rem}
figure svg{width:100%;height:auto;max-width:960px;display:block;border:1px solid var(--rule)}
figcaption{color:var(--muted);font-size:.95rem;margin-top:.3rem}
ul.narrative li{margin:.35rem 0}
nav a{margin-right:1rem}
span.alert{color:#b00020;font-weight:600}
h3{font-size:1.1rem;margin:1.4rem 0 .4rem}
@media print{body{max-width:none;margin:0}figure{break-inside:avoid}}
";

/// The HTML page.
pub fn html(results: &RunResults, reps: Option<&Replications>, charts: &[Rendered]) -> String {
    page(results, reps, charts, &[])
}

fn page(
    results: &RunResults,
    reps: Option<&Replications>,
    charts: &[Rendered],
    figures: &[Figure],
) -> String {
    let mut h = String::new();
    let title = format!("caplab · {}", results.scenario);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"meta\">seed {} · {} s simulated (warm-up {} s, \
         windows of {} s) · {} design{} · caplab {}{}</p>\n</header>",
        escape(&results.scenario),
        results.seed,
        seconds(results.duration_s),
        seconds(results.warmup_s),
        seconds(results.window_s),
        results.designs.len(),
        if results.designs.len() == 1 { "" } else { "s" },
        escape(&results.caplab_version),
        reps.map_or_else(String::new, |r| format!(
            " · {} replications",
            r.replications
        )),
    );
    let traces = crate::trace::html_section(results);
    h.push_str(
        "<nav><a href=\"#scenario\">Scenario</a><a href=\"#summary\">What happened</a>\
         <a href=\"#designs\">Designs</a>",
    );
    if results.designs.iter().any(|d| d.reliability.is_some()) {
        h.push_str("<a href=\"#reliability\">Months</a>");
    }
    if consistency::applies(results) {
        h.push_str("<a href=\"#consistency\">Consistency</a>");
    }
    h.push_str("<a href=\"#faults\">Faults</a><a href=\"#charts\">Charts</a>");
    if traces.is_some() {
        h.push_str("<a href=\"#traces\">Traces</a>");
    }
    h.push_str("<a href=\"#replay\">Replay</a></nav>\n");
    // Scenario.
    h.push_str("<section id=\"scenario\">\n<h2>Scenario</h2>\n");
    if results.description.is_empty() {
        h.push_str("<p>(no description in these results)</p>\n");
    } else {
        let _ = writeln!(h, "<p>{}</p>", escape(&results.description));
    }
    h.push_str("</section>\n");
    // Narrative.
    h.push_str("<section id=\"summary\">\n<h2>What happened</h2>\n<ul class=\"narrative\">\n");
    for s in narrative(results, reps) {
        let _ = writeln!(h, "<li>{}</li>", escape(&s));
    }
    h.push_str("</ul>\n</section>\n");
    // Designs side by side.
    h.push_str("<section id=\"designs\">\n<h2>Designs side by side</h2>\n");
    let _ = writeln!(
        h,
        "<p>Measured after the warm-up; run under seed {}{}.</p>",
        results.seed,
        if reps.is_some() {
            " (replication 0)"
        } else {
            ""
        }
    );
    h.push_str("<table class=\"designs\">\n<thead><tr><th></th>");
    for d in &results.designs {
        let _ = write!(h, "<th class=\"n\">{}</th>", escape(&d.name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (label, values) in design_rows(results) {
        let _ = write!(h, "<tr><th>{}</th>", escape(label));
        for v in values {
            let _ = write!(h, "<td class=\"n\">{}</td>", escape(&v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    endpoints_html(&mut h, results);
    causes_html(&mut h, results);
    if let Some(table) = crate::table::messages_html(results) {
        let _ = writeln!(
            h,
            "<h3>Queues and streams</h3>\n<p>{}</p>",
            escape(MESSAGES_NOTE)
        );
        h.push_str(&table);
    }
    h.push_str("</section>\n");
    if let Some(reps) = reps {
        replications_html(&mut h, reps);
    }
    crate::reliability::html(&mut h, results, charts);
    h.push_str(&consistency::html(results, figures));
    // Faults.
    h.push_str("<section id=\"faults\">\n<h2>Fault schedule</h2>\n");
    if results.faults.is_empty() {
        h.push_str("<p>No faults: every design ran undisturbed.</p>\n");
    } else {
        h.push_str(
            "<p>Every design faced the same faults at the same simulated times.</p>\n\
             <table class=\"faults\">\n<thead><tr><th class=\"n\">from (s)</th>\
             <th class=\"n\">to (s)</th><th>kind</th><th>what</th></tr></thead>\n<tbody>\n",
        );
        for f in &results.faults {
            let _ = writeln!(
                h,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                seconds(f.start_s),
                f.end_s.map_or_else(|| "end".to_string(), seconds),
                escape(&f.kind.replace('_', " ")),
                escape(&f.label),
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
    // Charts.
    h.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    for c in charts {
        let svg = c.svg.trim_start_matches(|ch| ch != '<');
        let svg = match svg.strip_prefix("<?xml") {
            Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r),
            None => svg,
        };
        let _ = writeln!(
            h,
            "<figure id=\"chart-{}\">\n{}\n<figcaption>{} (files: <code>charts/{}.svg</code>, \
             <code>charts/{}.png</code>)</figcaption>\n</figure>",
            c.spec.id,
            svg.trim(),
            escape(&c.spec.caption),
            c.spec.id,
            c.spec.id,
        );
    }
    h.push_str("</section>\n");
    h.push_str(traces.as_deref().unwrap_or_default());
    // Replay.
    h.push_str("<section id=\"replay\">\n<h2>Replay</h2>\n");
    let _ = writeln!(
        h,
        "<p>Runs are deterministic: the same scenario file and seed give the same digests, \
         event for event.</p>\n<pre>caplab run &lt;scenario file&gt; --seed {}</pre>",
        results.seed
    );
    h.push_str(
        "<table class=\"digests\">\n<thead><tr><th>design</th><th>digest</th>\
         <th class=\"n\">events</th></tr></thead>\n<tbody>\n",
    );
    for d in &results.designs {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
            escape(&d.name),
            escape(&d.digest),
            thousands(d.events)
        );
    }
    h.push_str("</tbody>\n</table>\n");
    if let Some(reps) = reps {
        let seeds: Vec<String> = reps.seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(
            h,
            "<p>Replication seeds (replay one with <code>--seed</code>): {}.</p>",
            seeds.join(", ")
        );
    }
    h.push_str("</section>\n</body>\n</html>\n");
    h
}

fn endpoints_html(h: &mut String, results: &RunResults) {
    let names: BTreeSet<&str> = results
        .designs
        .iter()
        .flat_map(|d| d.endpoints.keys().map(String::as_str))
        .collect();
    if names.len() < 2 {
        return;
    }
    h.push_str(
        "<h3>Per endpoint</h3>\n<table class=\"endpoints\">\n<thead><tr><th>endpoint</th>\
         <th>design</th><th class=\"n\">requests</th><th class=\"n\">failure rate (%)</th>\
         <th class=\"n\">successes/s</th><th class=\"n\">mean (ms)</th>\
         <th class=\"n\">p99 (ms)</th></tr></thead>\n<tbody>\n",
    );
    for name in names {
        for d in &results.designs {
            let Some(e) = d.endpoints.get(name) else {
                continue;
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(name),
                escape(&d.name),
                thousands(e.requests.total),
                percent(e.failure_rate),
                magnitude(e.throughput_per_s),
                ms(e.latency_ms.map(|l| l.mean)),
                ms(e.latency_ms.map(|l| l.p99)),
            );
        }
    }
    h.push_str("</tbody>\n</table>\n");
}

fn causes_html(h: &mut String, results: &RunResults) {
    let names: BTreeSet<&str> = results
        .designs
        .iter()
        .flat_map(|d| d.causes.keys().map(String::as_str))
        .collect();
    if names.is_empty() {
        return;
    }
    h.push_str("<h3>Why requests failed</h3>\n<table class=\"causes\">\n<thead><tr><th>cause</th>");
    for d in &results.designs {
        let _ = write!(h, "<th class=\"n\">{}</th>", escape(&d.name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for name in names {
        let _ = write!(h, "<tr><td>{}</td>", escape(name));
        for d in &results.designs {
            let n = d.causes.get(name).copied().unwrap_or(0);
            let _ = write!(h, "<td class=\"n\">{}</td>", thousands(n));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn replications_html(h: &mut String, reps: &Replications) {
    let _ = writeln!(
        h,
        "<section id=\"replications\">\n<h2>Across {} replications</h2>\n<p>Mean ± 95% \
         confidence half-width (Student t) of one value per replication; each replication is \
         a whole run with its own seed and its warm-up removed. Every design of a replication \
         runs under the same seed (common random numbers).</p>",
        reps.replications
    );
    h.push_str("<table class=\"replications\">\n<thead><tr><th>metric</th>");
    for d in &reps.designs {
        let _ = write!(h, "<th class=\"n\">{}</th>", escape(&d.name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (metric, _, _) in METRICS {
        let _ = write!(h, "<tr><th>{}</th>", escape(&unit_label(metric)));
        for d in &reps.designs {
            let cell = d.metrics.iter().find(|m| m.metric == metric).map_or_else(
                || "-".to_string(),
                |m| mean_pm(metric, m.mean, m.half_width),
            );
            let _ = write!(h, "<td class=\"n\">{}</td>", escape(&cell));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    if !reps.differences.is_empty() {
        h.push_str(
            "<h3>Differences between designs</h3>\n<p>Mean of <em>b − a</em> over the \
             replications, with its 95% half-width when paired (replication k of both designs \
             under the same seed) and when computed as if the seeds were independent (Welch). \
             The ratio is how much tighter common random numbers make the interval.</p>\n\
             <table class=\"differences\">\n<thead><tr><th>metric</th><th>a</th><th>b</th>\
             <th class=\"n\">b − a</th><th class=\"n\">± paired</th>\
             <th class=\"n\">± unpaired</th><th class=\"n\">tighter</th></tr></thead>\n<tbody>\n",
        );
        for d in &reps.differences {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td>{}</tr>",
                escape(&unit_label(&d.metric)),
                escape(&d.a),
                escape(&d.b),
                difference_cells(d)
                    .iter()
                    .map(|c| format!("<td class=\"n\">{}</td>", escape(c)))
                    .collect::<String>(),
            );
        }
        h.push_str("</tbody>\n</table>\n");
    }
    h.push_str("</section>\n");
}

/// `b − a`, ± paired, ± unpaired, tighter, in display units.
fn difference_cells(d: &crate::stats::Difference) -> [String; 4] {
    let f = |v: f64| {
        if d.metric == "failure_rate" {
            percent(v)
        } else {
            magnitude(v)
        }
    };
    [
        f(d.mean),
        d.paired_half_width.map_or_else(|| "-".to_string(), f),
        d.unpaired_half_width.map_or_else(|| "-".to_string(), f),
        d.tightening()
            .map_or_else(|| "-".to_string(), |t| format!("{t:.1}×")),
    ]
}

/// A Markdown table cell: pipes escaped, line breaks flattened.
fn md(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The Markdown summary, for pull requests and course notes.
pub fn markdown(results: &RunResults, reps: Option<&Replications>, charts: &[Rendered]) -> String {
    summary(results, reps, charts, &[])
}

fn summary(
    results: &RunResults,
    reps: Option<&Replications>,
    charts: &[Rendered],
    figures: &[Figure],
) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", md(&results.scenario));
    let _ = writeln!(
        m,
        "seed {} · {} s simulated (warm-up {} s) · caplab {}{}\n",
        results.seed,
        seconds(results.duration_s),
        seconds(results.warmup_s),
        md(&results.caplab_version),
        reps.map_or_else(String::new, |r| format!(
            " · {} replications",
            r.replications
        )),
    );
    if !results.description.is_empty() {
        let _ = writeln!(m, "{}\n", results.description.trim());
    }
    let sentences = narrative(results, reps);
    if !sentences.is_empty() {
        m.push_str("## What happened\n\n");
        for s in sentences {
            let _ = writeln!(m, "- {s}");
        }
        m.push('\n');
    }
    m.push_str("## Designs\n\n|  |");
    for d in &results.designs {
        let _ = write!(m, " {} |", md(&d.name));
    }
    m.push_str("\n|---|");
    for _ in &results.designs {
        m.push_str("---:|");
    }
    m.push('\n');
    for (label, values) in design_rows(results) {
        let _ = write!(m, "| {label} |");
        for v in values {
            let _ = write!(m, " {} |", md(&v));
        }
        m.push('\n');
    }
    m.push('\n');
    if let Some(table) = crate::table::messages_markdown(results) {
        let _ = writeln!(m, "## Queues and streams\n\n{MESSAGES_NOTE}\n");
        m.push_str(&table);
        m.push('\n');
    }
    if let Some(reps) = reps {
        let _ = writeln!(
            m,
            "## Across {} replications (mean ± 95% CI)\n",
            reps.replications
        );
        m.push_str("| metric |");
        for d in &reps.designs {
            let _ = write!(m, " {} |", md(&d.name));
        }
        m.push_str("\n|---|");
        for _ in &reps.designs {
            m.push_str("---:|");
        }
        m.push('\n');
        for (metric, _, _) in METRICS {
            let _ = write!(m, "| {} |", unit_label(metric));
            for d in &reps.designs {
                let cell = d.metrics.iter().find(|x| x.metric == metric).map_or_else(
                    || "-".to_string(),
                    |x| mean_pm(metric, x.mean, x.half_width),
                );
                let _ = write!(m, " {cell} |");
            }
            m.push('\n');
        }
        if !reps.differences.is_empty() {
            m.push_str(
                "\n| metric | a | b | b − a | ± paired | ± unpaired | tighter |\n\
                 |---|---|---|---:|---:|---:|---:|\n",
            );
            for d in &reps.differences {
                let [v, p, u, t] = difference_cells(d);
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {v} | {p} | {u} | {t} |",
                    unit_label(&d.metric),
                    md(&d.a),
                    md(&d.b)
                );
            }
        }
        m.push('\n');
    }
    crate::reliability::markdown(&mut m, results);
    m.push_str(&consistency::markdown(results, figures));
    m.push_str("## Faults\n\n");
    if results.faults.is_empty() {
        m.push_str("None.\n\n");
    } else {
        for f in &results.faults {
            let _ = writeln!(m, "- {} {}", md(&f.label), interval(f));
        }
        m.push('\n');
    }
    if !charts.is_empty() {
        m.push_str("## Charts\n\n");
        for c in charts {
            let _ = writeln!(m, "![{}](charts/{}.png)\n", md(&c.spec.title), c.spec.id);
        }
    }
    m.push_str("## Replay\n\n```sh\n");
    let _ = writeln!(m, "caplab run <scenario file> --seed {}", results.seed);
    m.push_str("```\n\n");
    for d in &results.designs {
        let _ = writeln!(m, "- {}: digest `{}`", md(&d.name), d.digest);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    #[test]
    fn html_has_every_part() {
        let r = sample();
        let report = build(&r, None).unwrap();
        let h = &report.html;
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.ends_with("</html>\n"));
        for id in [
            "scenario", "summary", "designs", "faults", "charts", "replay",
        ] {
            assert!(h.contains(&format!("<section id=\"{id}\">")), "{id}");
        }
        assert!(!h.contains("<script"), "no JavaScript");
        assert!(
            !h.contains("http://") || !h.contains("src=\"http"),
            "no network"
        );
        assert_eq!(h.matches("<svg").count(), report.charts.len());
        assert_eq!(h.matches("<figure").count(), report.charts.len());
        assert!(h.contains("0123456789abcdef") && h.contains("fedcba9876543210"));
        assert!(h.contains("<th class=\"n\">leader</th><th class=\"n\">quorum-3</th>"));
        assert!(h.contains("During the crash store#0 from 11 s to 12 s"));
        assert!(h.contains("Checkout behind a replicated store."));
        assert!(!h.contains("<?xml"));
        assert_eq!(report, build(&r, None).unwrap(), "deterministic");
    }

    #[test]
    fn names_are_escaped() {
        let mut r = sample();
        r.designs[0].name = "<b>&\"x\"".to_string();
        let report = build(&r, None).unwrap();
        assert!(!report.html.contains("<b>&"));
        assert!(report.html.contains("&lt;b&gt;&amp;&quot;x&quot;"));
        let mut r = sample();
        r.designs[0].name = "a|b".to_string();
        assert!(build(&r, None).unwrap().markdown.contains("| a\\|b |"));
    }

    #[test]
    fn markdown_summary() {
        let r = sample();
        let report = build(&r, None).unwrap();
        let m = &report.markdown;
        assert!(m.starts_with("# checkout\n\nseed 42 · 70 s simulated (warm-up 10 s)"));
        assert!(m.contains(
            "|  | leader | quorum-3 |\n|---|---:|---:|\n| requests | 1,234,567 | 98,765 |"
        ));
        assert!(m.contains("- crash store#0 from 11 s to 12 s"));
        assert!(
            m.contains("![Latency distribution of successful requests](charts/latency-cdf.png)")
        );
        assert!(m.contains("- leader: digest `0123456789abcdef`"));
    }

    #[test]
    fn replications_add_tables_and_sentences() {
        let r = sample();
        let runs: Vec<Vec<DesignResult>> = r
            .designs
            .iter()
            .map(|d| {
                (0..3)
                    .map(|k| {
                        let mut d = d.clone();
                        if let Some(l) = &mut d.latency_ms {
                            l.mean += k as f64;
                        }
                        d
                    })
                    .collect()
            })
            .collect();
        let reps = crate::stats::summarise("checkout", 42, &[42, 1, 2], &runs);
        let report = build(&r, Some(&reps)).unwrap();
        assert!(report.html.contains("<section id=\"replications\">"));
        assert!(report.html.contains("Across 3 replications"));
        // b − a is exactly 7.9325 ms in every replication: zero paired width
        assert!(report.html.contains("mean latency (ms)</td><td>leader</td><td>quorum-3</td><td class=\"n\">7.93</td><td class=\"n\">0.00</td>"), "{}", report.html);
        assert!(report
            .markdown
            .contains("## Across 3 replications (mean ± 95% CI)"));
        assert!(report
            .markdown
            .contains("| mean latency (ms) | 5.57 ± 2.48 | 13.5 ± 2.48 |"));
    }
}
