//! Operation over months in the report (designs with failure models, `results.reliability`):
//! charts of uptime, downtime and incidents, of the time to recover, and of peak throughput
//! and cost; a sentence per design; the first design against each other one, beside the
//! figures the scenario's description says it reproduces (S11: the article's).
//!
//! Uptime near 100% hides the differences that matter on a linear axis, so the charts put
//! downtime per 30 days beside it; rates are per 30 days so that horizons compare.

use crate::chart::Rendered;
use crate::chart::{BarPanel, BarsData, ChartKind, ChartSpec};
use crate::format::{magnitude, seconds, thousands};
use results::{ReliabilitySummary, RunResults};
use std::fmt::Write as _;

/// Minutes in 30 days: the unit of downtime.
const MIN_PER_30_DAYS: f64 = 30.0 * 24.0 * 60.0;

/// The designs with a reliability summary, in file order.
fn designs(results: &RunResults) -> Vec<(&str, &ReliabilitySummary)> {
    results
        .designs
        .iter()
        .filter_map(|d| d.reliability.as_ref().map(|r| (d.name.as_str(), r)))
        .collect()
}

/// The charts of the reliability section (none without failure models): uptime, downtime and
/// incidents with their 95% intervals; time to recover; peak throughput and cost when every
/// design has them.
pub fn charts(results: &RunResults) -> Vec<ChartSpec> {
    let rel = designs(results);
    let Some((_, first)) = rel.first() else {
        return Vec::new();
    };
    let names: Vec<String> = rel.iter().map(|(n, _)| n.to_string()).collect();
    let panel = |label: &str, f: &dyn Fn(&ReliabilitySummary) -> (f64, Option<f64>)| BarPanel {
        label: label.to_string(),
        values: rel.iter().map(|(_, r)| f(r)).collect(),
    };
    let horizon = format!(
        "{} replications of {} days",
        first.replications,
        seconds(first.horizon_days)
    );
    let interval = |hw: f64| (first.replications > 1).then_some(hw);
    let mut out = vec![ChartSpec {
        id: "reliability-uptime".to_string(),
        title: "Uptime over months".to_string(),
        caption: format!(
            "Per design over {horizon}: uptime, the share of time every endpoint met its \
             criterion (at least {}% of requests succeeding), as nines (2 is 99%, 3 is 99.9%), \
             the time it did not as minutes per 30 days, and component failures per 30 days; \
             error bars are 95% confidence intervals over the replications.",
            magnitude(100.0 * first.min_availability)
        ),
        kind: ChartKind::Bars(BarsData {
            designs: names.clone(),
            subtitle: format!("{horizon}, error bars: 95% confidence interval"),
            panels: vec![
                panel("uptime (nines)", &|r| {
                    let (n, hw) = nines(r.uptime.mean, r.uptime.half_width_95);
                    (n, hw.and_then(interval))
                }),
                panel("downtime (min per 30 days)", &|r| {
                    (
                        (1.0 - r.uptime.mean) * MIN_PER_30_DAYS,
                        interval(r.uptime.half_width_95 * MIN_PER_30_DAYS),
                    )
                }),
                panel("incidents per 30 days", &|r| {
                    let per = 30.0 / r.horizon_days;
                    (
                        r.incidents.mean * per,
                        interval(r.incidents.half_width_95 * per),
                    )
                }),
            ],
        }),
    }];
    out.push(ChartSpec {
        id: "reliability-recovery".to_string(),
        title: "Time to recover".to_string(),
        caption: "Per design, from a component's failure to its recovery (detection, restart \
                  or page and repair), pooled over the replications: mean, median, 90th and \
                  99th percentiles."
            .to_string(),
        kind: ChartKind::Bars(BarsData {
            designs: names.clone(),
            subtitle: format!(
                "{} recoveries in all",
                thousands(rel.iter().map(|(_, r)| r.time_to_recover_min.count).sum())
            ),
            panels: vec![
                panel("mean (min)", &|r| (r.time_to_recover_min.mean, None)),
                panel("median (min)", &|r| (r.time_to_recover_min.p50, None)),
                panel("p90 (min)", &|r| (r.time_to_recover_min.p90, None)),
                panel("p99 (min)", &|r| (r.time_to_recover_min.p99, None)),
            ],
        }),
    });
    let mut panels = Vec::new();
    if rel.iter().all(|(_, r)| r.peak_throughput_per_h.is_some()) {
        panels.push(panel("peak throughput (per hour)", &|r| {
            (r.peak_throughput_per_h.unwrap_or(f64::NAN), None)
        }));
    }
    if rel.iter().all(|(_, r)| r.cost_per_request_usd.is_some()) {
        panels.push(panel("cost per 1,000 requests (US$)", &|r| {
            (r.cost_per_request_usd.map_or(f64::NAN, |c| c * 1e3), None)
        }));
    }
    if !panels.is_empty() {
        out.push(ChartSpec {
            id: "reliability-cost".to_string(),
            title: "Peak throughput and cost".to_string(),
            caption: "Per design: successes per hour with every component up under the peak \
                      load, and the cost of the horizon's node-hours per 1,000 successful \
                      requests."
                .to_string(),
            kind: ChartKind::Bars(BarsData {
                designs: names,
                subtitle: "every component up (throughput); over the horizon (cost)".to_string(),
                panels,
            }),
        });
    }
    out
}

/// Uptime as nines, `-log10(1 - uptime)` (99.9% is 3), and the half-width of its 95%
/// interval by the delta method (`hw / ((1 - uptime) ln 10)`): on a linear axis from zero,
/// 99.2% and 99.97% are the same bar; as nines, 2.1 and 3.5.
fn nines(uptime: f64, half_width: f64) -> (f64, Option<f64>) {
    let down = 1.0 - uptime;
    if down <= 0.0 {
        // Never down in any replication: no finite figure to draw.
        return (f64::NAN, None);
    }
    let hw = half_width / (down * std::f64::consts::LN_10);
    (-libm::log10(down), (half_width > 0.0).then_some(hw))
}

/// A percentage with three decimals (uptimes differ in the second).
fn pct3(rate: f64) -> String {
    format!("{:.3}%", 100.0 * rate)
}

/// What one design's months looked like, in one sentence.
fn design_sentence(name: &str, r: &ReliabilitySummary) -> String {
    let per = 30.0 / r.horizon_days;
    let mut s = format!(
        "Design {name} was up {} of the time over {} days ({} replications{}): about {} min \
         down per 30 days, with {} component failures per 30 days",
        pct3(r.uptime.mean),
        seconds(r.horizon_days),
        r.replications,
        if r.replications > 1 {
            format!(", ± {:.3} points", 100.0 * r.uptime.half_width_95)
        } else {
            String::new()
        },
        magnitude((1.0 - r.uptime.mean) * MIN_PER_30_DAYS),
        magnitude(r.incidents.mean * per),
    );
    let t = &r.time_to_recover_min;
    if t.count > 0 {
        let _ = write!(
            s,
            "; a failure took {} min to recover on average (median {}, p99 {})",
            magnitude(t.mean),
            magnitude(t.p50),
            magnitude(t.p99)
        );
    }
    if let Some(peak) = r.peak_throughput_per_h {
        let _ = write!(s, "; peak {} successes per hour", magnitude(peak));
    }
    if let Some(c) = r.cost_per_request_usd {
        let _ = write!(
            s,
            "; US${} per 1,000 successful requests",
            magnitude(c * 1e3)
        );
    }
    if r.unsimulated_state_hours > 0.0 {
        let _ = write!(
            s,
            " ({} hours in states beyond the cap, counted as down)",
            magnitude(r.unsimulated_state_hours)
        );
    }
    s.push('.');
    s
}

/// `a → b unit (±x%)`: a figure that should move, and by how much.
fn change(a: f64, b: f64, unit: &str) -> String {
    let rel = if a != 0.0 {
        format!(" ({:+.0}%)", 100.0 * (b - a) / a)
    } else {
        String::new()
    };
    format!("{} → {} {unit}{rel}", magnitude(a), magnitude(b))
}

/// The first design against `other`: the figures S11 quotes.
fn comparison_sentence(
    (a_name, a): (&str, &ReliabilitySummary),
    (b_name, b): (&str, &ReliabilitySummary),
) -> String {
    let mut parts = vec![
        format!("uptime {} → {}", pct3(a.uptime.mean), pct3(b.uptime.mean)),
        format!(
            "time to recover {}",
            change(
                a.time_to_recover_min.mean,
                b.time_to_recover_min.mean,
                "min"
            )
        ),
    ];
    if let (Some(x), Some(y)) = (a.peak_throughput_per_h, b.peak_throughput_per_h) {
        parts.push(format!("peak throughput {}", change(x, y, "per hour")));
    }
    if let (Some(x), Some(y)) = (a.cost_per_request_usd, b.cost_per_request_usd) {
        if x > 0.0 {
            parts.push(format!("cost per request {:+.0}%", 100.0 * (y / x - 1.0)));
        }
    }
    format!("From {a_name} to {b_name}: {}.", parts.join(", "))
}

/// The figures the scenario says it reproduces: the rest of the sentence of its description
/// that starts with `Figures to reproduce:` (bundled scenarios state the article's this way).
fn quoted_figures(description: &str) -> Option<&str> {
    const LEAD: &str = "Figures to reproduce:";
    let start = description.find(LEAD)? + LEAD.len();
    let rest = description[start..].trim_start();
    let end = rest.find(". ").map_or(rest.len(), |i| i + 1);
    Some(rest[..end].trim_end_matches('.'))
}

/// The section's sentences: one per design, then the first design against each other one,
/// then the figures the scenario quotes (empty without failure models).
pub fn sentences(results: &RunResults) -> Vec<String> {
    let rel = designs(results);
    let mut out: Vec<String> = rel.iter().map(|(n, r)| design_sentence(n, r)).collect();
    if let Some((&first, others)) = rel.split_first() {
        out.extend(others.iter().map(|&o| comparison_sentence(first, o)));
        if !others.is_empty() {
            if let Some(q) = quoted_figures(&results.description) {
                out.push(format!(
                    "The figures the scenario sets out to reproduce: {q}."
                ));
            }
        }
    }
    out
}

/// The section's table rows: label, then a value per design with failure models.
fn rows(results: &RunResults) -> Vec<(&'static str, Vec<String>)> {
    let rel = designs(results);
    let col = |f: &dyn Fn(&ReliabilitySummary) -> String| rel.iter().map(|(_, r)| f(r)).collect();
    let per = |r: &ReliabilitySummary| 30.0 / r.horizon_days;
    vec![
        (
            "horizon (days × replications)",
            col(&|r| format!("{} × {}", seconds(r.horizon_days), r.replications)),
        ),
        (
            "uptime (%)",
            col(&|r| {
                format!(
                    "{:.3} ± {:.3}",
                    100.0 * r.uptime.mean,
                    100.0 * r.uptime.half_width_95
                )
            }),
        ),
        (
            "requests ok (%)",
            col(&|r| format!("{:.3}", 100.0 * r.availability.mean)),
        ),
        (
            "downtime (min per 30 days)",
            col(&|r| magnitude((1.0 - r.uptime.mean) * MIN_PER_30_DAYS)),
        ),
        (
            "incidents per 30 days",
            col(&|r| magnitude(r.incidents.mean * per(r))),
        ),
        (
            "recover mean (min)",
            col(&|r| magnitude(r.time_to_recover_min.mean)),
        ),
        (
            "recover p50 / p90 / p99 (min)",
            col(&|r| {
                let t = &r.time_to_recover_min;
                format!(
                    "{} / {} / {}",
                    magnitude(t.p50),
                    magnitude(t.p90),
                    magnitude(t.p99)
                )
            }),
        ),
        (
            "outages per 30 days",
            col(&|r| magnitude(r.outages.mean * per(r))),
        ),
        ("outage mean (min)", col(&|r| magnitude(r.outage_min.mean))),
        (
            "peak throughput (per hour)",
            col(&|r| r.peak_throughput_per_h.map_or("-".to_string(), magnitude)),
        ),
        (
            "cost (US$ per 1,000 requests)",
            col(&|r| {
                r.cost_per_request_usd
                    .map_or("-".to_string(), |c| magnitude(c * 1e3))
            }),
        ),
        ("states simulated", col(&|r| thousands(r.states))),
    ]
}

/// The `<section id="reliability">` of the HTML report (nothing without failure models).
pub fn html(h: &mut String, results: &RunResults, charts: &[Rendered]) {
    let rel = designs(results);
    if rel.is_empty() {
        return;
    }
    let esc = crate::format::escape;
    h.push_str("<section id=\"reliability\">\n<h2>Operation over months</h2>\n");
    h.push_str(
        "<p>Failures and repairs of every component over the horizon; each distinct system \
         state simulated at request level and weighted by the time spent in it.</p>\n\
         <ul class=\"narrative\">\n",
    );
    for s in sentences(results) {
        let _ = writeln!(h, "<li>{}</li>", esc(&s));
    }
    h.push_str("</ul>\n<table class=\"designs\">\n<thead><tr><th></th>");
    for (name, _) in &rel {
        let _ = write!(h, "<th class=\"n\">{}</th>", esc(name));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (label, values) in rows(results) {
        let _ = write!(h, "<tr><th>{}</th>", esc(label));
        for v in values {
            let _ = write!(h, "<td class=\"n\">{}</td>", esc(&v));
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
    let ids: Vec<&str> = charts
        .iter()
        .map(|c| c.spec.id.as_str())
        .filter(|id| id.starts_with("reliability-"))
        .collect();
    if !ids.is_empty() {
        let links: Vec<String> = ids
            .iter()
            .map(|id| format!("<a href=\"#chart-{id}\">{id}</a>"))
            .collect();
        let _ = writeln!(h, "<p>Charts: {}.</p>", links.join(", "));
    }
    h.push_str("</section>\n");
}

/// The `## Operation over months` part of the Markdown summary (nothing without failure
/// models).
pub fn markdown(m: &mut String, results: &RunResults) {
    let rel = designs(results);
    if rel.is_empty() {
        return;
    }
    let md = |s: &str| s.replace('|', "\\|").replace(['\n', '\r'], " ");
    m.push_str("## Operation over months\n\n");
    for s in sentences(results) {
        let _ = writeln!(m, "- {s}");
    }
    m.push_str("\n|  |");
    for (name, _) in &rel {
        let _ = write!(m, " {} |", md(name));
    }
    m.push_str("\n|---|");
    for _ in &rel {
        m.push_str("---:|");
    }
    m.push('\n');
    for (label, values) in rows(results) {
        let _ = write!(m, "| {label} |");
        for v in values {
            let _ = write!(m, " {} |", md(&v));
        }
        m.push('\n');
    }
    m.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;
    use results::{Estimate, Spread};

    fn est(mean: f64, half_width_95: f64) -> Estimate {
        Estimate {
            mean,
            half_width_95,
        }
    }

    /// A year of 20 replications: 99.2% up, 90 incidents of 47 min on average.
    fn months(uptime: f64, incidents: f64, recover_min: f64) -> ReliabilitySummary {
        ReliabilitySummary {
            horizon_days: 365.0,
            replications: 20,
            min_availability: 0.99,
            uptime: est(uptime, 0.0005),
            availability: est(uptime, 0.0005),
            incidents: est(incidents, 6.0),
            time_to_recover_min: Spread {
                count: 1_800,
                mean: recover_min,
                p50: recover_min * 0.9,
                p90: recover_min * 1.5,
                p99: recover_min * 2.3,
                max: recover_min * 3.0,
            },
            outages: est(incidents, 6.0),
            outage_min: Spread::default(),
            peak_throughput_per_h: Some(12_000.0),
            node_hours: 17_520.0,
            cost_usd: Some(24_000.0),
            requests_ok: 76e6,
            cost_per_request_usd: Some(24_000.0 / 76e6),
            states: 7,
            ..ReliabilitySummary::default()
        }
    }

    fn with_months() -> RunResults {
        let mut r = sample();
        r.description = "S11. Figures to reproduce: uptime 99.2% -> 99.97%, time to recover \
                         47 min -> 3 min. Assumptions: many."
            .to_string();
        r.designs[0].reliability = Some(months(0.992, 90.0, 47.0));
        let mut d = months(0.9997, 380.0, 2.9);
        d.peak_throughput_per_h = Some(28_000.0);
        d.cost_per_request_usd = Some(12_840.0 / 76.7e6);
        r.designs[1].reliability = Some(d);
        r
    }

    fn panel<'a>(spec: &'a ChartSpec, label: &str) -> &'a [(f64, Option<f64>)] {
        let ChartKind::Bars(b) = &spec.kind else {
            panic!("{} is bars", spec.id)
        };
        &b.panels
            .iter()
            .find(|p| p.label == label)
            .unwrap_or_else(|| panic!("{} has no panel {label}", spec.id))
            .values
    }

    #[test]
    fn no_failure_models_no_charts_and_no_section() {
        let r = sample();
        assert!(charts(&r).is_empty());
        assert!(sentences(&r).is_empty());
        let (mut h, mut m) = (String::new(), String::new());
        html(&mut h, &r, &[]);
        markdown(&mut m, &r);
        assert!(h.is_empty() && m.is_empty());
    }

    #[test]
    fn uptime_downtime_and_incidents_with_their_intervals() {
        let r = with_months();
        let c = charts(&r);
        let ids: Vec<&str> = c.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "reliability-uptime",
                "reliability-recovery",
                "reliability-cost"
            ]
        );
        // 99.2% is 2.097 nines; 0.05 points of uptime around 0.8% of downtime, 0.027 nines.
        let up = panel(&c[0], "uptime (nines)");
        assert!((up[0].0 - 2.09691).abs() < 1e-5, "{up:?}");
        assert!((up[1].0 - 3.52288).abs() < 1e-5, "{up:?}");
        assert!((up[0].1.unwrap() - 0.0005 / (0.008 * std::f64::consts::LN_10)).abs() < 1e-9);
        // 0.8% of 43,200 minutes; 90 incidents a year are 7.4 per 30 days.
        let down = panel(&c[0], "downtime (min per 30 days)");
        assert!((down[0].0 - 345.6).abs() < 1e-6, "{down:?}");
        assert!((down[0].1.unwrap() - 21.6).abs() < 1e-6);
        let inc = panel(&c[0], "incidents per 30 days");
        assert!((inc[0].0 - 90.0 * 30.0 / 365.0).abs() < 1e-9);
        let rec = panel(&c[1], "p99 (min)");
        assert!((rec[0].0 - 47.0 * 2.3).abs() < 1e-9 && rec[0].1.is_none());
        let cost = panel(&c[2], "cost per 1,000 requests (US$)");
        assert!((cost[0].0 - 24_000.0 / 76e3).abs() < 1e-9);
        // One replication: no interval to draw.
        let mut one = with_months();
        for d in &mut one.designs {
            d.reliability.as_mut().unwrap().replications = 1;
        }
        assert!(panel(&charts(&one)[0], "uptime (nines)")[0].1.is_none());
        // Never down: no finite number of nines.
        let mut never = with_months();
        never.designs[1].reliability.as_mut().unwrap().uptime = est(1.0, 0.0);
        assert!(panel(&charts(&never)[0], "uptime (nines)")[1].0.is_nan());
        // Each chart draws.
        for spec in &c {
            let svg = crate::chart::svg(spec).expect("draws");
            assert!(svg.contains("downtime") || spec.id != "reliability-uptime");
        }
    }

    #[test]
    fn the_cost_chart_needs_every_design_to_have_the_figure() {
        let mut r = with_months();
        for d in &mut r.designs {
            let rel = d.reliability.as_mut().unwrap();
            rel.peak_throughput_per_h = None;
        }
        r.designs[1]
            .reliability
            .as_mut()
            .unwrap()
            .cost_per_request_usd = None;
        assert_eq!(charts(&r).len(), 2, "no panel left: no chart");
    }

    #[test]
    fn a_sentence_per_design_then_the_comparison_and_the_quoted_figures() {
        let s = sentences(&with_months());
        assert_eq!(s.len(), 4, "{s:#?}");
        assert!(
            s[0].starts_with(
                "Design leader was up 99.200% of the time over 365 days (20 replications, \
                 ± 0.050 points): about 345.6 min down per 30 days, with 7.40 \
                 component failures per 30 days; a failure took 47.0 min to recover on \
                 average (median 42.3, p99 108.1)"
            ),
            "{}",
            s[0]
        );
        assert!(
            s[0].contains("; peak 12,000 successes per hour; US$0.32 per 1,000"),
            "{}",
            s[0]
        );
        assert_eq!(
            s[2],
            "From leader to quorum-3: uptime 99.200% → 99.970%, time to recover 47.0 → 2.90 min \
             (-94%), peak throughput 12,000 → 28,000 per hour (+133%), cost per request -47%."
        );
        assert_eq!(
            s[3],
            "The figures the scenario sets out to reproduce: uptime 99.2% -> 99.97%, time to \
             recover 47 min -> 3 min."
        );
    }

    #[test]
    fn the_sections_show_every_design_with_failure_models() {
        let mut r = with_months();
        r.designs[0].name = "mono|lith".to_string();
        let (mut h, mut m) = (String::new(), String::new());
        html(&mut h, &r, &[]);
        markdown(&mut m, &r);
        assert!(h.starts_with("<section id=\"reliability\">"));
        assert!(h.contains("<th class=\"n\">mono|lith</th><th class=\"n\">quorum-3</th>"));
        assert!(h.contains("<tr><th>uptime (%)</th><td class=\"n\">99.200 ± 0.050</td>"));
        assert!(m.starts_with("## Operation over months\n\n- Design mono|lith was up"));
        assert!(m.contains("|  | mono\\|lith | quorum-3 |"));
        assert!(m.contains(
            "| recover p50 / p90 / p99 (min) | 42.3 / 70.5 / 108.1 | 2.61 / 4.35 / 6.67 |"
        ));
    }
}
