//! Terminal tables: designs side by side, per endpoint, and non-ok causes.
//!
//! Pure string builders. Columns are sized from their content (in `char`s), numbers are
//! right-aligned and text left-aligned, every line of a table is padded to the same
//! width and ends with `\n`. Colour (ANSI) only through [`render_text_styled`].

use crate::format::{magnitude, ms, percent, seconds, thousands};
use results::{LatencySummary, RequestCounts, RunResults};
use std::collections::BTreeSet;

/// How to render text reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI escapes: bold headers, failure rates above 1% in red.
    pub color: bool,
}

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const RESET: &str = "\x1b[0m";
/// Space between two columns.
const GAP: &str = "  ";
/// Failure rates above this fraction are highlighted.
const ALERT_FAILURE_RATE: f64 = 0.01;

/// One table of the summary: one row per design, compared side by side.
///
/// Columns: design, requests, ok, error, timeout, rejected, in flight, fail %,
/// throughput/s, mean ms, p50 ms, p99 ms, p99.9 ms, max ms, digest. Always has its header
/// and rule lines, even without designs.
pub fn summary_table(results: &RunResults) -> String {
    summary(results).render(Style::default())
}

/// One row per (endpoint, design), grouped by endpoint (endpoints sorted, designs in file
/// order), so designs compare per endpoint. The endpoint name is printed on the first
/// row of its group only. Empty string when no design has endpoints.
pub fn endpoint_table(results: &RunResults) -> String {
    endpoints(results).map_or_else(String::new, |t| t.render(Style::default()))
}

/// Non-ok requests by cause: one row per (cause, design), grouped by cause (causes sorted,
/// designs in file order). Empty string when no design has any.
pub fn causes_table(results: &RunResults) -> String {
    causes(results).map_or_else(String::new, |t| t.render(Style::default()))
}

/// The whole text report without colour: see [`render_text_styled`].
pub fn render_text(results: &RunResults) -> String {
    render_text_styled(results, Style::default())
}

/// The whole text report: a title line
/// (`scenario <name> · seed <seed> · <duration>s simulated (warm-up <w>s)`), then the
/// summary, endpoint and causes tables (the last two when not empty) separated by blank
/// lines, then one line per design: `<design>  digest <hex>  events <n>  stop <reason>`.
pub fn render_text_styled(results: &RunResults, style: Style) -> String {
    let title = format!(
        "scenario {} · seed {} · {}s simulated (warm-up {}s)",
        results.scenario,
        results.seed,
        seconds(results.duration_s),
        seconds(results.warmup_s),
    );
    let mut out = String::new();
    if style.color {
        out.push_str(&format!("{BOLD}{title}{RESET}\n"));
    } else {
        out.push_str(&title);
        out.push('\n');
    }
    let tables = [
        Some(summary(results)),
        endpoints(results),
        causes(results),
        messages(results),
        stores(results),
        payments(results),
        locks(results),
        reliability(results),
    ];
    for table in tables.into_iter().flatten() {
        out.push('\n');
        out.push_str(&table.render(style));
    }
    let sentences = crate::narrative::consistency_sentences(results);
    if !sentences.is_empty() {
        out.push('\n');
        for s in sentences {
            out.push_str(&s);
            out.push('\n');
        }
    }
    if !results.designs.is_empty() {
        out.push('\n');
        let name_width = results
            .designs
            .iter()
            .map(|d| width(&d.name))
            .max()
            .unwrap_or(0);
        for d in &results.designs {
            out.push_str(&format!(
                "{}{GAP}digest {}  events {}  stop {}\n",
                pad(&d.name, name_width, Align::Left),
                d.digest,
                thousands(d.events),
                d.stop,
            ));
        }
    }
    out
}

fn summary(results: &RunResults) -> Table {
    use Align::{Left, Right};
    let mut table = Table::new(&[
        ("design", Left),
        ("requests", Right),
        ("ok", Right),
        ("error", Right),
        ("timeout", Right),
        ("rejected", Right),
        ("in flight", Right),
        ("fail %", Right),
        ("throughput/s", Right),
        ("mean ms", Right),
        ("p50 ms", Right),
        ("p99 ms", Right),
        ("p99.9 ms", Right),
        ("max ms", Right),
        ("digest", Left),
    ]);
    for d in &results.designs {
        let r = &d.requests;
        let l = |f: fn(&LatencySummary) -> f64| ms(d.latency_ms.as_ref().map(f));
        table.rows.push(vec![
            Cell::plain(d.name.clone()),
            Cell::plain(thousands(r.total)),
            Cell::plain(thousands(r.ok)),
            Cell::plain(thousands(outcome(r, "error"))),
            Cell::plain(thousands(outcome(r, "timeout"))),
            Cell::plain(thousands(outcome(r, "rejected"))),
            Cell::plain(thousands(outcome(r, "in_flight"))),
            failure_cell(d.failure_rate),
            Cell::plain(magnitude(d.throughput_per_s)),
            Cell::plain(l(|l| l.mean)),
            Cell::plain(l(|l| l.p50)),
            Cell::plain(l(|l| l.p99)),
            Cell::plain(l(|l| l.p999)),
            Cell::plain(l(|l| l.max)),
            Cell::plain(d.digest.clone()),
        ]);
    }
    table
}

fn endpoints(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    let names: BTreeSet<&str> = results
        .designs
        .iter()
        .flat_map(|d| d.endpoints.keys().map(String::as_str))
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut table = Table::new(&[
        ("endpoint", Left),
        ("design", Left),
        ("requests", Right),
        ("ok", Right),
        ("fail %", Right),
        ("throughput/s", Right),
        ("mean ms", Right),
        ("p99 ms", Right),
    ]);
    for name in names {
        let mut first = true;
        for d in &results.designs {
            let Some(e) = d.endpoints.get(name) else {
                continue;
            };
            let label = if first {
                name.to_string()
            } else {
                String::new()
            };
            first = false;
            table.rows.push(vec![
                Cell::plain(label),
                Cell::plain(d.name.clone()),
                Cell::plain(thousands(e.requests.total)),
                Cell::plain(thousands(e.requests.ok)),
                failure_cell(e.failure_rate),
                Cell::plain(magnitude(e.throughput_per_s)),
                Cell::plain(ms(e.latency_ms.map(|l| l.mean))),
                Cell::plain(ms(e.latency_ms.map(|l| l.p99))),
            ]);
        }
    }
    Some(table)
}

fn causes(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    let names: BTreeSet<&str> = results
        .designs
        .iter()
        .flat_map(|d| d.causes.keys().map(String::as_str))
        .collect();
    if names.is_empty() {
        return None;
    }
    let mut table = Table::new(&[("cause", Left), ("design", Left), ("count", Right)]);
    for name in names {
        let mut first = true;
        for d in &results.designs {
            let Some(&count) = d.causes.get(name) else {
                continue;
            };
            let label = if first {
                name.to_string()
            } else {
                String::new()
            };
            first = false;
            table.rows.push(vec![
                Cell::plain(label),
                Cell::plain(d.name.clone()),
                Cell::plain(thousands(count)),
            ]);
        }
    }
    Some(table)
}

/// Message accounting, for designs with brokers: where every copy ended, and the
/// completion latency (request to processed message).
fn messages(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    if results.designs.iter().all(|d| d.messages.is_none()) {
        return None;
    }
    let mut table = Table::new(&[
        ("design", Left),
        ("messages", Right),
        ("processed", Right),
        ("failed", Right),
        ("dead-lettered", Right),
        ("lost", Right),
        ("queued", Right),
        ("in flight", Right),
        ("duplicates", Right),
        ("completion mean ms", Right),
        ("completion p99 ms", Right),
    ]);
    for d in &results.designs {
        let Some(m) = &d.messages else {
            continue;
        };
        let lost: u64 = m.lost.values().sum();
        table.rows.push(vec![
            Cell::plain(d.name.clone()),
            Cell::plain(thousands(m.entered)),
            Cell::plain(thousands(m.processed)),
            Cell::plain(thousands(m.failed)),
            Cell::plain(thousands(m.dead_lettered)),
            Cell {
                text: thousands(lost),
                alert: lost > 0,
            },
            Cell::plain(thousands(m.queued)),
            Cell::plain(thousands(m.in_flight)),
            Cell::plain(thousands(m.duplicates)),
            Cell::plain(ms(m.completion_latency_ms.map(|l| l.mean))),
            Cell::plain(ms(m.completion_latency_ms.map(|l| l.p99))),
        ]);
    }
    Some(table)
}

/// Operation over months (designs with failure models): uptime with its 95% interval,
/// incidents and outages per 30 days, time to recover, peak throughput, cost per million
/// successful requests.
fn reliability(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    if results.designs.iter().all(|d| d.reliability.is_none()) {
        return None;
    }
    let mut table = Table::new(&[
        ("design", Left),
        ("days", Right),
        ("uptime %", Right),
        ("± %", Right),
        ("requests ok %", Right),
        ("incidents/30d", Right),
        ("recover mean min", Right),
        ("recover p90 min", Right),
        ("outages/30d", Right),
        ("outage mean min", Right),
        ("peak/h", Right),
        ("$/M requests", Right),
    ]);
    for d in &results.designs {
        let Some(r) = &d.reliability else {
            continue;
        };
        let per_30d = 30.0 / r.horizon_days;
        table.rows.push(vec![
            Cell::plain(d.name.clone()),
            Cell::plain(seconds(r.horizon_days)),
            Cell::plain(format!("{:.3}", 100.0 * r.uptime.mean)),
            Cell::plain(format!("{:.3}", 100.0 * r.uptime.half_width_95)),
            Cell::plain(format!("{:.3}", 100.0 * r.availability.mean)),
            Cell::plain(magnitude(r.incidents.mean * per_30d)),
            Cell::plain(magnitude(r.time_to_recover_min.mean)),
            Cell::plain(magnitude(r.time_to_recover_min.p90)),
            Cell::plain(magnitude(r.outages.mean * per_30d)),
            Cell::plain(magnitude(r.outage_min.mean)),
            Cell::plain(r.peak_throughput_per_h.map_or("-".to_string(), magnitude)),
            Cell::plain(
                r.cost_per_request_usd
                    .map_or("-".to_string(), |c| magnitude(c * 1e6)),
            ),
        ]);
    }
    Some(table)
}

/// The messages table (designs with brokers) as HTML, when any design has one.
pub(crate) fn messages_html(results: &RunResults) -> Option<String> {
    messages(results).map(|t| t.html("messages"))
}

/// The messages table as Markdown.
pub(crate) fn messages_markdown(results: &RunResults) -> Option<String> {
    messages(results).map(|t| t.markdown())
}

/// The replicated-store, payment and lock tables (those that apply) as HTML: title, table.
pub(crate) fn consistency_html(results: &RunResults) -> Vec<(&'static str, String)> {
    consistency_tables(results)
        .into_iter()
        .map(|(title, t)| (title, t.html("stores")))
        .collect()
}

/// The same tables as Markdown.
pub(crate) fn consistency_markdown(results: &RunResults) -> Vec<(&'static str, String)> {
    consistency_tables(results)
        .into_iter()
        .map(|(title, t)| (title, t.markdown()))
        .collect()
}

fn consistency_tables(results: &RunResults) -> Vec<(&'static str, Table)> {
    [
        ("Replicated stores", stores(results)),
        ("Payments", payments(results)),
        ("Locks", locks(results)),
    ]
    .into_iter()
    .filter_map(|(title, t)| t.map(|t| (title, t)))
    .collect()
}

/// Replicated stores: the checker's verdict and read staleness, per design and store.
fn stores(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    if results.designs.iter().all(|d| d.stores.is_empty()) {
        return None;
    }
    let mut table = Table::new(&[
        ("design", Left),
        ("store", Left),
        ("protocol", Left),
        ("history", Left),
        ("operations", Right),
        ("reads", Right),
        ("stale %", Right),
        ("max behind", Right),
        ("lost writes", Right),
        ("lag p99 ms", Right),
    ]);
    let failovers = results
        .designs
        .iter()
        .any(|d| d.stores.values().any(|s| s.failovers > 0));
    if failovers {
        table.headers.push(("failovers", Right));
    }
    for d in &results.designs {
        for (name, st) in &d.stores {
            table.rows.push(vec![
                Cell::plain(d.name.clone()),
                Cell::plain(name.clone()),
                Cell::plain(st.protocol.clone()),
                Cell {
                    text: st.linearizability.clone(),
                    // A lab run's own check: `unique holds`.
                    alert: st.linearizability != "linearizable"
                        && !st.linearizability.ends_with(" holds"),
                },
                Cell::plain(thousands(st.operations_checked)),
                Cell::plain(thousands(st.reads)),
                Cell::plain(percent(st.stale_read_fraction)),
                Cell::plain(thousands(st.max_versions_behind)),
                Cell {
                    text: thousands(st.lost_writes),
                    alert: st.lost_writes > 0,
                },
                Cell::plain(ms(st.replication_lag_ms.map(|l| l.p99))),
            ]);
            if failovers {
                if let Some(row) = table.rows.last_mut() {
                    row.push(Cell::plain(thousands(st.failovers)));
                }
            }
        }
    }
    Some(table)
}

/// Account stores: payments and double spends, per design and store.
fn payments(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    if results.designs.iter().all(|d| d.accounts.is_empty()) {
        return None;
    }
    let mut table = Table::new(&[
        ("design", Left),
        ("accounts", Left),
        ("payments", Right),
        ("paid", Right),
        ("declined", Right),
        ("fenced", Right),
        ("lost updates", Right),
        ("double spends", Right),
        ("double-spent", Right),
    ]);
    for d in &results.designs {
        for (name, a) in &d.accounts {
            table.rows.push(vec![
                Cell::plain(d.name.clone()),
                Cell::plain(name.clone()),
                Cell::plain(thousands(a.payments)),
                Cell::plain(thousands(a.paid)),
                Cell::plain(thousands(a.declined)),
                Cell::plain(thousands(a.fenced)),
                Cell::plain(thousands(a.lost_updates)),
                Cell {
                    text: thousands(a.double_spends),
                    alert: a.double_spends > 0,
                },
                Cell::plain(thousands(a.double_spent_amount)),
            ]);
        }
    }
    Some(table)
}

/// Lock services: contention and waits, per design and service.
fn locks(results: &RunResults) -> Option<Table> {
    use Align::{Left, Right};
    if results.designs.iter().all(|d| d.locks.is_empty()) {
        return None;
    }
    let mut table = Table::new(&[
        ("design", Left),
        ("locks", Left),
        ("requests", Right),
        ("conflict %", Right),
        ("wait mean ms", Right),
        ("wait p99 ms", Right),
        ("wait timeouts", Right),
        ("lease expiries", Right),
    ]);
    for d in &results.designs {
        for (name, l) in &d.locks {
            table.rows.push(vec![
                Cell::plain(d.name.clone()),
                Cell::plain(name.clone()),
                Cell::plain(thousands(l.requests)),
                Cell::plain(percent(l.conflict_rate)),
                Cell::plain(ms(l.wait_ms.map(|l| l.mean))),
                Cell::plain(ms(l.wait_ms.map(|l| l.p99))),
                Cell::plain(thousands(l.wait_timeouts)),
                Cell {
                    text: thousands(l.lease_expiries),
                    alert: l.lease_expiries > 0,
                },
            ]);
        }
    }
    Some(table)
}

/// The replication statistics: one row per design, a column per headline metric
/// (`mean ± half-width`), then the differences between designs, paired next to unpaired.
/// Empty string without designs.
pub fn replications_text(reps: &crate::stats::Replications, style: Style) -> String {
    use crate::stats::METRICS;
    use Align::{Left, Right};
    if reps.designs.is_empty() {
        return String::new();
    }
    let value = |metric: &str, v: f64| {
        if metric == "failure_rate" {
            percent(v)
        } else {
            magnitude(v)
        }
    };
    let pm = |metric: &str, mean: f64, hw: Option<f64>| match hw {
        Some(h) => format!("{} ± {}", value(metric, mean), value(metric, h)),
        None => value(metric, mean),
    };
    let title = format!(
        "{} replications (seeds {}): mean ± 95% confidence half-width (Student t)\n",
        reps.replications,
        if reps.seeds.len() > 4 {
            format!(
                "{}, {}, …, {}",
                reps.seeds[0],
                reps.seeds[1],
                reps.seeds[reps.seeds.len() - 1]
            )
        } else {
            reps.seeds
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let mut out = if style.color {
        format!("{BOLD}{}{RESET}\n", title.trim_end())
    } else {
        title
    };
    let headers: Vec<(&'static str, Align)> = std::iter::once(("design", Left))
        .chain([
            ("fail %", Right),
            ("throughput/s", Right),
            ("mean ms", Right),
            ("p50 ms", Right),
            ("p99 ms", Right),
        ])
        .collect();
    debug_assert_eq!(headers.len(), METRICS.len() + 1);
    let mut t = Table::new(&headers);
    for d in &reps.designs {
        let mut row = vec![Cell::plain(d.name.clone())];
        for (metric, _, _) in METRICS {
            let cell = d
                .metrics
                .iter()
                .find(|m| m.metric == metric)
                .map_or_else(|| "-".to_string(), |m| pm(metric, m.mean, m.half_width));
            row.push(Cell::plain(cell));
        }
        t.rows.push(row);
    }
    out.push_str(&t.render(style));
    if !reps.differences.is_empty() {
        out.push('\n');
        let mut t = Table::new(&[
            ("metric", Left),
            ("a", Left),
            ("b", Left),
            ("b − a", Right),
            ("± paired", Right),
            ("± unpaired", Right),
            ("tighter", Right),
        ]);
        for d in &reps.differences {
            let name = METRICS
                .iter()
                .position(|m| m.0 == d.metric)
                .and_then(|i| headers.get(i + 1))
                .map_or(d.metric.as_str(), |h| h.0);
            let hw = |h: Option<f64>| h.map_or_else(|| "-".to_string(), |h| value(&d.metric, h));
            t.rows.push(vec![
                Cell::plain(name.to_string()),
                Cell::plain(d.a.clone()),
                Cell::plain(d.b.clone()),
                Cell {
                    text: value(&d.metric, d.mean),
                    alert: d.significant(),
                },
                Cell::plain(hw(d.paired_half_width)),
                Cell::plain(hw(d.unpaired_half_width)),
                Cell::plain(
                    d.tightening()
                        .map_or_else(|| "-".to_string(), |x| format!("{x:.1}×")),
                ),
            ]);
        }
        out.push_str(&t.render(style));
    }
    out
}

/// A comparison of two runs: a title line per run, then one row per (design, metric) with
/// A, B, the difference and the relative difference, and each design's digest verdict.
pub fn comparison_text(c: &crate::compare::Comparison, style: Style) -> String {
    use Align::{Left, Right};
    let mut out = format!(
        "A: scenario {} · seed {} · caplab {}\nB: scenario {} · seed {} · caplab {}\n\n",
        c.a.scenario, c.a.seed, c.a.caplab_version, c.b.scenario, c.b.seed, c.b.caplab_version
    );
    let mut t = Table::new(&[
        ("design", Left),
        ("metric", Left),
        ("A", Right),
        ("B", Right),
        ("B − A", Right),
        ("change %", Right),
    ]);
    for d in &c.designs {
        let mut first = true;
        for m in &d.metrics {
            let value = |v: f64| {
                if m.metric == "failure_rate" {
                    percent(v)
                } else {
                    magnitude(v)
                }
            };
            let label = crate::stats::METRICS
                .iter()
                .find(|x| x.0 == m.metric)
                .map_or(m.metric.clone(), |x| format!("{} ({})", x.2, x.1));
            t.rows.push(vec![
                Cell::plain(if first { d.name.clone() } else { String::new() }),
                Cell::plain(label),
                Cell::plain(value(m.a)),
                Cell::plain(value(m.b)),
                Cell::plain(value(m.delta)),
                Cell {
                    text: m
                        .relative
                        .map_or_else(|| "-".to_string(), |r| format!("{:+.1}", r * 100.0)),
                    alert: m.relative.is_some_and(|r| r.abs() > 0.05),
                },
            ]);
            first = false;
        }
    }
    out.push_str(&t.render(style));
    out.push('\n');
    for d in &c.designs {
        out.push_str(&if d.same_digest {
            format!("{}: same digest {} (identical runs)\n", d.name, d.digest_a)
        } else {
            format!("{}: digest {} → {}\n", d.name, d.digest_a, d.digest_b)
        });
    }
    for n in &c.only_in_a {
        out.push_str(&format!("{n}: only in A\n"));
    }
    for n in &c.only_in_b {
        out.push_str(&format!("{n}: only in B\n"));
    }
    out
}

/// The count of one outcome (0 when absent).
fn outcome(counts: &RequestCounts, name: &str) -> u64 {
    counts.by_outcome.get(name).copied().unwrap_or(0)
}

fn failure_cell(rate: f64) -> Cell {
    Cell {
        text: percent(rate),
        alert: rate > ALERT_FAILURE_RATE,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// Display width, counted in `char`s (the tables use no wide characters of their own).
fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad(s: &str, w: usize, align: Align) -> String {
    let fill = " ".repeat(w.saturating_sub(width(s)));
    match align {
        Align::Left => format!("{s}{fill}"),
        Align::Right => format!("{fill}{s}"),
    }
}

struct Cell {
    text: String,
    /// Highlight in red when colour is on.
    alert: bool,
}

impl Cell {
    fn plain(text: String) -> Self {
        Cell { text, alert: false }
    }
}

struct Table {
    headers: Vec<(&'static str, Align)>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(headers: &[(&'static str, Align)]) -> Self {
        Table {
            headers: headers.to_vec(),
            rows: Vec::new(),
        }
    }

    /// The table as HTML (`class` on the `<table>`); alerts get `class="alert"`.
    fn html(&self, class: &str) -> String {
        let esc = crate::format::escape;
        let align = |a: &Align| match a {
            Align::Left => "",
            Align::Right => " class=\"n\"",
        };
        let mut out = format!("<table class=\"{class}\">\n<thead><tr>");
        for (h, a) in &self.headers {
            out.push_str(&format!("<th{}>{}</th>", align(a), esc(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &self.rows {
            out.push_str("<tr>");
            for (i, (_, a)) in self.headers.iter().enumerate() {
                let (text, alert) = row
                    .get(i)
                    .map_or(("", false), |c| (c.text.as_str(), c.alert));
                let text = if alert {
                    format!("<span class=\"alert\">{}</span>", esc(text))
                } else {
                    esc(text)
                };
                out.push_str(&format!("<td{}>{text}</td>", align(a)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }

    /// The table as Markdown.
    fn markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let mut out = String::from("|");
        for (h, _) in &self.headers {
            out.push_str(&format!(" {} |", cell(h)));
        }
        out.push_str("\n|");
        for (_, a) in &self.headers {
            out.push_str(match a {
                Align::Left => "---|",
                Align::Right => "---:|",
            });
        }
        out.push('\n');
        for row in &self.rows {
            out.push('|');
            for i in 0..self.headers.len() {
                let text = row.get(i).map_or("", |c| c.text.as_str());
                out.push_str(&format!(" {} |", cell(text)));
            }
            out.push('\n');
        }
        out
    }

    fn render(&self, style: Style) -> String {
        let widths: Vec<usize> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .filter_map(|row| row.get(i))
                    .map(|c| width(&c.text))
                    .fold(width(h), usize::max)
            })
            .collect();
        let total = widths.iter().sum::<usize>() + GAP.len() * widths.len().saturating_sub(1);

        let mut out = String::new();
        let header: Vec<String> = self
            .headers
            .iter()
            .zip(&widths)
            .map(|((h, align), &w)| pad(h, w, *align))
            .collect();
        let header = header.join(GAP);
        let header = header.trim_end();
        if style.color {
            out.push_str(&format!("{BOLD}{header}{RESET}\n"));
        } else {
            out.push_str(header);
            out.push('\n');
        }
        out.push_str(&"─".repeat(total));
        out.push('\n');
        for row in &self.rows {
            let cells: Vec<String> = self
                .headers
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, ((_, align), &w))| {
                    let (text, alert) = row.get(i).map_or(("", false), |c| (&c.text, c.alert));
                    let padded = pad(text, w, *align);
                    if style.color && alert {
                        format!("{RED}{padded}{RESET}")
                    } else {
                        padded
                    }
                })
                .collect();
            out.push_str(cells.join(GAP).trim_end());
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;
    use crate::format::{magnitude, percent, seconds, thousands};

    /// Every line of `table` has the rule's width, but for trailing spaces (lines are
    /// trimmed, so a left-aligned last column may end short), and no line has any.
    fn assert_aligned(table: &str) {
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines.len() >= 2, "table too short:\n{table}");
        let rule = width(lines[1]);
        for line in &lines {
            assert_eq!(line.trim_end(), *line, "trailing spaces:\n{table}");
            assert!(width(line) <= rule, "a line wider than the rule:\n{table}");
        }
        // The row with the widest last cell reaches the end of the rule.
        assert!(
            lines[2..].iter().any(|l| width(l) == rule),
            "no row as wide as the rule:\n{table}"
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(123_456), "123,456");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn precision_rules() {
        assert_eq!(magnitude(0.0), "0.00");
        assert_eq!(magnitude(-0.0), "0.00");
        assert_eq!(magnitude(4.5678), "4.57");
        assert_eq!(magnitude(9.99), "9.99");
        assert_eq!(magnitude(9.999), "10.0");
        assert_eq!(magnitude(45.678), "45.7");
        assert_eq!(magnitude(999.9), "999.9");
        assert_eq!(magnitude(999.99), "1,000");
        assert_eq!(magnitude(1234.4), "1,234");
        assert_eq!(magnitude(2_345_678.9), "2,345,679");
        assert_eq!(magnitude(f64::NAN), "-");
        assert_eq!(percent(0.0123), "1.23");
        assert_eq!(percent(0.005), "0.50");
        assert_eq!(percent(1.0), "100.00");
        assert_eq!(percent(0.0), "0.00");
        assert_eq!(seconds(70.0), "70");
        assert_eq!(seconds(0.5), "0.5");
    }

    #[test]
    fn summary_has_every_design_and_its_numbers() {
        let t = summary_table(&sample());
        for needle in [
            "leader",
            "quorum-3",
            "1,234,567",
            "1,219,000",
            "10,000",
            "5,000",
            "567",
            "1.23",
            "20,317",
            "4.57",
            "3.20",
            "45.7",
            "1,234",
            "2,346",
            "0123456789abcdef",
            "98,765",
            "98,000",
            "465",
            "0.50",
            "1,633",
            "12.5",
            "11.0",
            "1,000",
            "1,500",
            "9,876",
            "fedcba9876543210",
        ] {
            assert!(t.contains(needle), "{needle} missing:\n{t}");
        }
        // the header carries the units
        let header = t.lines().next().unwrap();
        for h in [
            "design",
            "fail %",
            "throughput/s",
            "mean ms",
            "p99.9 ms",
            "in flight",
        ] {
            assert!(header.contains(h), "{h} missing from header {header}");
        }
        assert!(t.lines().nth(1).unwrap().chars().all(|c| c == '─'));
        assert_eq!(t.lines().count(), 2 + 2);
        // the leader row, cell by cell
        let leader: Vec<&str> = t.lines().nth(2).unwrap().split_whitespace().collect();
        assert_eq!(
            leader,
            [
                "leader",
                "1,234,567",
                "1,219,000",
                "10,000",
                "5,000",
                "567",
                "0",
                "1.23",
                "20,317",
                "4.57",
                "3.20",
                "45.7",
                "1,234",
                "2,346",
                "0123456789abcdef"
            ]
        );
    }

    #[test]
    fn summary_columns_are_aligned() {
        let mut r = sample();
        r.designs[1].name = "a much longer design name".to_string();
        let t = summary_table(&r);
        assert_aligned(&t);
        // numbers right-aligned: every row's "requests" cell ends where the header ends
        let header = t.lines().next().unwrap();
        let end = header.find("requests").unwrap() + "requests".len();
        for line in t.lines().skip(2) {
            let chars: Vec<char> = line.chars().collect();
            assert!(chars[end - 1].is_ascii_digit(), "not right-aligned: {line}");
            assert_eq!(chars[end], ' ');
        }
        // text left-aligned: design names start the line
        assert!(t
            .lines()
            .nth(3)
            .unwrap()
            .starts_with("a much longer design name  "));
    }

    #[test]
    fn endpoint_table_groups_by_endpoint() {
        let t = endpoint_table(&sample());
        assert_aligned(&t);
        let rows: Vec<Vec<&str>> = t
            .lines()
            .skip(2)
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows.len(), 3);
        // read: leader then quorum-3 (file order), endpoint named once; then write
        assert_eq!(&rows[0][..2], ["read", "leader"]);
        assert_eq!(rows[1][0], "quorum-3");
        assert_eq!(&rows[2][..2], ["write", "leader"]);
        assert_eq!(
            rows[0],
            ["read", "leader", "907,000", "900,000", "0.77", "15,000", "2.50", "9.88"]
        );
        assert_eq!(
            rows[2],
            ["write", "leader", "327,567", "319,000", "2.62", "5,317", "10.3", "123.5"]
        );
        let mut none = sample();
        for d in &mut none.designs {
            d.endpoints.clear();
        }
        assert_eq!(endpoint_table(&none), "");
    }

    #[test]
    fn causes_table_lists_causes_or_nothing() {
        let r = sample();
        let t = causes_table(&r);
        assert_aligned(&t);
        assert!(t.lines().next().unwrap().starts_with("cause"));
        let rows: Vec<&str> = t.lines().skip(2).collect();
        assert_eq!(rows.len(), 3);
        assert!(rows[0].starts_with("error: replica down"));
        assert!(rows[0].contains("leader") && rows[0].ends_with("10,000"));
        assert!(rows[2].starts_with("timeout: client"));
        let mut none = r.clone();
        for d in &mut none.designs {
            d.causes.clear();
        }
        assert_eq!(causes_table(&none), "");
        assert!(!render_text(&none).contains("cause"));
    }

    #[test]
    fn render_text_has_title_tables_and_digests() {
        let r = sample();
        let text = render_text(&r);
        assert_eq!(
            text.lines().next().unwrap(),
            "scenario checkout · seed 42 · 70s simulated (warm-up 10s)"
        );
        let s = text.find(&summary_table(&r)).expect("summary");
        let e = text.find(&endpoint_table(&r)).expect("endpoints");
        let c = text.find(&causes_table(&r)).expect("causes");
        assert!(s < e && e < c);
        assert!(text.contains("\n\n") && text.ends_with('\n'));
        assert!(
            text.contains("leader    digest 0123456789abcdef  events 9,876,543  stop time_limit\n")
        );
        assert!(text.contains("quorum-3  digest fedcba9876543210  events 123  stop idle\n"));
        assert!(!text.contains('\x1b'));
        assert_eq!(render_text(&r), text, "deterministic");
    }

    #[test]
    fn colour_only_when_asked() {
        let r = sample();
        let plain = render_text_styled(&r, Style { color: false });
        assert!(!plain.contains('\x1b'));
        assert_eq!(plain, render_text(&r));
        let coloured = render_text_styled(&r, Style { color: true });
        assert!(coloured.contains(BOLD));
        // leader fails 1.23% > 1%: red; quorum-3's 0.50% is not
        assert!(coloured.contains(&format!("{RED}  1.23{RESET}")));
        assert!(!coloured.contains(&format!("{RED}  0.50")));
        // stripping the escapes gives the plain report back
        let stripped = coloured
            .replace(BOLD, "")
            .replace(RED, "")
            .replace(RESET, "");
        assert_eq!(stripped, plain);
    }
}
