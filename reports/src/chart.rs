//! Charts of a run (plotters): latency CDFs, time series with fault windows, availability
//! over time, bars with error bars, the availability trade-off, and sweeps.
//!
//! A chart is first described as plain data ([`ChartSpec`], extracted from the results),
//! then drawn by [`svg()`] or [`png()`]. Both are pure: the same spec gives the same bytes.
//! SVG text is left to the viewer's `sans-serif` font; its layout, and all text of the
//! PNGs, use DejaVu Sans embedded in the binary (`fonts/`, through plotters' `ab_glyph`
//! feature), so no system font library is needed.
//!
//! Every chart has a title, axis labels with units and a legend. Designs get a colour of
//! the Okabe–Ito palette (distinct for colour-blind readers) *and* a dash pattern, so lines
//! stay apart when printed in grayscale; fault windows are gray bands with their label.

use crate::stats::Replications;
use crate::table::{magnitude, seconds};
use models::results::{FaultWindow, RunResults, WindowRow};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::sync::Once;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (960, 540);
/// The font family name used in charts (registered from the embedded TTF).
const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 24;
const AXIS_PX: u32 = 17;
const LABEL_PX: u32 = 14;

static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static FONTS: Once = Once::new();

fn ensure_fonts() {
    FONTS.call_once(|| {
        // The bytes are a valid TTF, checked by a unit test; on failure, text cannot be
        // measured and drawing reports an error instead of panicking.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS);
    });
}

/// The palette, in design order: Okabe–Ito blue, orange, black, sky blue, vermillion,
/// bluish green, reddish purple, yellow (cycling).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 0, 0),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(240, 228, 66),
];

/// Dash patterns `(dash, gap)` in pixels by design (`None`: solid).
const DASHES: [Option<(u32, u32)>; 4] = [None, Some((12, 6)), Some((3, 4)), Some((20, 5))];

/// The colour of design `i`.
pub fn design_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn dash(i: usize) -> Option<(u32, u32)> {
    DASHES[i % DASHES.len()]
}

/// A chart to draw: an id (file stem: `latency-cdf`, `series-<design>`), a title, and
/// its data.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    /// File stem and HTML anchor (`[a-z0-9-]`).
    pub id: String,
    /// The title drawn on the chart.
    pub title: String,
    /// One sentence under the chart in the report: how to read it.
    pub caption: String,
    /// What to draw.
    pub kind: ChartKind,
}

/// The data of a chart.
#[derive(Clone, Debug, PartialEq)]
pub enum ChartKind {
    /// Latency CDFs on a log axis, p50 and p99 marked.
    Cdf(Vec<CdfLine>),
    /// One design's throughput, error rate and latency per window, faults shaded.
    Series(SeriesData),
    /// Availability per window, one line per design, faults shaded.
    Availability(AvailabilityData),
    /// Bars (mean, error bar = 95% interval when known), one panel per metric.
    Bars(BarsData),
    /// One point per design: availability against a cost (latency, staleness).
    Tradeoff(TradeoffData),
    /// A metric against a parameter, one line per design, with confidence bands.
    Sweep(SweepData),
}

/// One design's latency CDF.
#[derive(Clone, Debug, PartialEq)]
pub struct CdfLine {
    /// Design name.
    pub design: String,
    /// `[ms, cumulative fraction]`, increasing.
    pub points: Vec<[f64; 2]>,
    /// Median, ms.
    pub p50: f64,
    /// 99th percentile, ms.
    pub p99: f64,
}

/// The timeline shared by time-series charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Timeline {
    /// Simulated seconds.
    pub duration_s: f64,
    /// Warm-up, seconds (shaded).
    pub warmup_s: f64,
    /// Window width, seconds.
    pub window_s: f64,
    /// Fault windows (shaded and labelled).
    pub faults: Vec<FaultWindow>,
}

/// `(x, y)` points of a line; `None` breaks the line (nothing to show in that window).
pub type Gappy = Vec<(f64, Option<f64>)>;

/// A value and its 95% half-width, when known.
pub type Estimate = (f64, Option<f64>);

/// A design's time series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesData {
    /// The timeline.
    pub timeline: Timeline,
    /// The design's index (its colour).
    pub index: usize,
    /// The windows.
    pub rows: Vec<WindowRow>,
}

/// Availability per window of every design.
#[derive(Clone, Debug, PartialEq)]
pub struct AvailabilityData {
    /// The timeline.
    pub timeline: Timeline,
    /// Per design: name and `(window midpoint s, availability %)`, `None` where nothing
    /// completed in the window.
    pub lines: Vec<(String, Gappy)>,
}

/// Bars per design, in panels.
#[derive(Clone, Debug, PartialEq)]
pub struct BarsData {
    /// Design names, in order.
    pub designs: Vec<String>,
    /// A line under the title (`mean of 10 replications, 95% CI` / `single run`).
    pub subtitle: String,
    /// Panels, left to right.
    pub panels: Vec<BarPanel>,
}

/// One panel of bars.
#[derive(Clone, Debug, PartialEq)]
pub struct BarPanel {
    /// Axis label with unit (`failure rate (%)`).
    pub label: String,
    /// Per design: value and 95% half-width.
    pub values: Vec<(f64, Option<f64>)>,
}

/// Points of a trade-off chart.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeoffData {
    /// X axis label with unit.
    pub x_label: String,
    /// Y axis label with unit.
    pub y_label: String,
    /// Log scale on x.
    pub x_log: bool,
    /// One point per design.
    pub points: Vec<TradeoffPoint>,
}

/// A design on a trade-off chart.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeoffPoint {
    /// Design name.
    pub design: String,
    /// X value and half-width.
    pub x: (f64, Option<f64>),
    /// Y value and half-width.
    pub y: (f64, Option<f64>),
}

/// A metric against a parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepData {
    /// X axis label with unit (`arrival rate (req/s)`).
    pub parameter: String,
    /// Y axis label with unit (`p99 latency (ms)`).
    pub metric: String,
    /// One line per design.
    pub lines: Vec<SweepLine>,
    /// Log scale on x (positive parameter values).
    pub x_log: bool,
    /// A horizontal line to draw (an objective's bound), in the y axis's units.
    pub threshold: Option<Threshold>,
}

/// A horizontal reference line of a sweep chart: an objective's bound.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// Where, in the y axis's units.
    pub value: f64,
    /// `< 300 ms`: drawn beside the line and named in the legend.
    pub label: String,
}

/// One design's line of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepLine {
    /// Design name.
    pub design: String,
    /// `(parameter, mean, 95% half-width)` in increasing parameter order.
    pub points: Vec<(f64, f64, Option<f64>)>,
}

// ---------------------------------------------------------------------------------------
// Specs from results.

/// The charts of a run, in report order: latency CDF, availability over time, then per
/// endpoint for each design with several endpoints, bars, trade-off, availability against
/// consistency when designs have replicated stores, operation over months when designs have
/// failure models (`crate::reliability`), then one time series per design.
pub fn charts(results: &RunResults, reps: Option<&Replications>) -> Vec<ChartSpec> {
    let timeline = Timeline {
        duration_s: results.duration_s,
        warmup_s: results.warmup_s,
        window_s: results.window_s,
        faults: results.faults.clone(),
    };
    let mut out = Vec::new();
    let lines: Vec<CdfLine> = results
        .designs
        .iter()
        .filter(|d| !d.latency_cdf.is_empty())
        .filter_map(|d| {
            let l = d.latency_ms?;
            Some(CdfLine {
                design: d.name.clone(),
                points: d.latency_cdf.clone(),
                p50: l.p50,
                p99: l.p99,
            })
        })
        .collect();
    let queued = results.designs.iter().any(|d| d.messages.is_some());
    if !lines.is_empty() {
        out.push(ChartSpec {
            id: "latency-cdf".to_string(),
            title: if queued {
                "Response latency of successful requests (acknowledgement, for queued work)"
            } else {
                "Latency distribution of successful requests"
            }
            .to_string(),
            caption: "Fraction of successful requests at or below each latency (log scale); \
                      a circle marks the median, a square the 99th percentile."
                .to_string(),
            kind: ChartKind::Cdf(lines),
        });
    }
    if let Some(spec) = completion_cdf(results) {
        out.push(spec);
    }
    out.push(ChartSpec {
        id: "availability".to_string(),
        title: "Availability over time".to_string(),
        caption: "Share of the requests ending in each window that succeeded, per design; \
                  gray bands are the fault windows, the hatched start the warm-up."
            .to_string(),
        kind: ChartKind::Availability(AvailabilityData {
            timeline: timeline.clone(),
            lines: results
                .designs
                .iter()
                .map(|d| {
                    let points = d
                        .series
                        .iter()
                        .map(|w| {
                            let done = w.ok + w.error + w.timeout + w.rejected;
                            let mid = w.start_s + results.window_s / 2.0;
                            (mid, (done > 0).then(|| 100.0 * w.ok as f64 / done as f64))
                        })
                        .collect();
                    (d.name.clone(), points)
                })
                .collect(),
        }),
    });
    out.extend(endpoint_availability(results, &timeline));
    let n = reps.map_or(1, |r| r.replications);
    let stat = |design: &str, metric: &str, single: f64| -> (f64, Option<f64>) {
        match reps.and_then(|r| r.metric(design, metric)) {
            Some(m) => (m.mean, m.half_width),
            None => (single, None),
        }
    };
    let panel = |metric: &str, label: &str, scale: f64| BarPanel {
        label: label.to_string(),
        values: results
            .designs
            .iter()
            .map(|d| {
                let single = crate::stats::metric_value(d, metric).unwrap_or(f64::NAN);
                let (m, h) = stat(&d.name, metric, single);
                (m * scale, h.map(|h| h * scale))
            })
            .collect(),
    };
    out.push(ChartSpec {
        id: "bars".to_string(),
        title: "Failures and latency per design".to_string(),
        caption: if n > 1 {
            format!(
                "Means of {n} replications; error bars are 95% confidence intervals (Student t)."
            )
        } else {
            "One run: no interval (run with --replications K for error bars).".to_string()
        },
        kind: ChartKind::Bars(BarsData {
            designs: results.designs.iter().map(|d| d.name.clone()).collect(),
            subtitle: if n > 1 {
                format!("mean of {n} replications, error bars: 95% confidence interval")
            } else {
                "single run, no confidence interval".to_string()
            },
            panels: vec![
                panel("failure_rate", "failure rate (%)", 100.0),
                panel("latency_mean_ms", "mean latency (ms)", 1.0),
                panel("latency_p99_ms", "p99 latency (ms)", 1.0),
            ],
        }),
    });
    out.push(ChartSpec {
        id: "tradeoff".to_string(),
        title: "Availability against tail latency".to_string(),
        caption: "Each design's availability (successes over completed requests) against \
                  its p99 latency: up and to the left is better."
            .to_string(),
        kind: ChartKind::Tradeoff(TradeoffData {
            x_label: "p99 latency (ms, log scale)".to_string(),
            y_label: "availability (%)".to_string(),
            x_log: true,
            points: results
                .designs
                .iter()
                // A design with no successful request has no latency to place.
                .filter_map(|d| {
                    let p99 = d.latency_ms?.p99;
                    let (f, fh) = stat(&d.name, "failure_rate", d.failure_rate);
                    Some(TradeoffPoint {
                        design: d.name.clone(),
                        x: stat(&d.name, "latency_p99_ms", p99),
                        y: (100.0 * (1.0 - f), fh.map(|h| 100.0 * h)),
                    })
                })
                .collect(),
        }),
    });
    let cap: Vec<(String, Estimate, Estimate)> = results
        .designs
        .iter()
        .filter(|d| !d.stores.is_empty())
        .map(|d| {
            let reads: u64 = d.stores.values().map(|s| s.reads).sum();
            let stale: u64 = d.stores.values().map(|s| s.stale_reads).sum();
            let verdict = ["violation", "unknown"]
                .into_iter()
                .find(|v| d.stores.values().any(|s| s.linearizability == *v))
                .unwrap_or("linearizable");
            let (f, fh) = stat(&d.name, "failure_rate", d.failure_rate);
            let staleness = if reads > 0 {
                100.0 * stale as f64 / reads as f64
            } else {
                0.0
            };
            (
                format!("{} ({verdict})", d.name),
                (staleness, None),
                (100.0 * (1.0 - f), fh.map(|h| 100.0 * h)),
            )
        })
        .collect();
    if !cap.is_empty() {
        out.push(cap_chart("stale reads (% of reads)", cap));
    }
    out.extend(store_charts(results));
    out.extend(crate::reliability::charts(results));
    let mut used = std::collections::BTreeSet::new();
    for (i, d) in results.designs.iter().enumerate() {
        // Unique ids even when two names give the same slug.
        let base = format!("series-{}", slug(&d.name, i));
        let mut id = base.clone();
        let mut n = 1;
        while !used.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        out.push(ChartSpec {
            id,
            title: format!("Design {} over time", d.name),
            caption: format!(
                "Design {}: successes per second, failed share and latency per {} s window; \
                 gray bands are the fault windows.",
                d.name,
                seconds(results.window_s)
            ),
            kind: ChartKind::Series(SeriesData {
                timeline: timeline.clone(),
                index: i,
                rows: d.series.clone(),
            }),
        });
    }
    out
}

/// For designs with replicated stores: the replication lag's distribution and the
/// t-visibility curve, one line per design (and store, when a design has several).
/// The latency until the work is done, beside the response latency chart: for a design with
/// brokers, from a request's issue to the processing of its message (completion); for one
/// without (when the run mixes both), its response, which is when its work is done.
fn completion_cdf(results: &RunResults) -> Option<ChartSpec> {
    let mixed = results.designs.iter().any(|d| d.messages.is_none());
    let lines: Vec<CdfLine> = results
        .designs
        .iter()
        .filter_map(|d| match &d.messages {
            Some(m) => {
                let l = m.completion_latency_ms?;
                Some(CdfLine {
                    design: d.name.clone(),
                    points: m.completion_latency_cdf.clone(),
                    p50: l.p50,
                    p99: l.p99,
                })
            }
            None => {
                let l = d.latency_ms?;
                Some(CdfLine {
                    design: format!("{} (response)", d.name),
                    points: d.latency_cdf.clone(),
                    p50: l.p50,
                    p99: l.p99,
                })
            }
        })
        .filter(|l| !l.points.is_empty())
        .collect();
    if !lines
        .iter()
        .any(|l| results.designs.iter().any(|d| d.name == l.design))
    {
        return None;
    }
    Some(ChartSpec {
        id: "completion-cdf".to_string(),
        title: "Latency until the work is done (completion)".to_string(),
        caption: if mixed {
            "Fraction of requests whose work was done within each latency (log scale): for a \
             design with queues, from the request to the processing of its message; for a \
             design without, its response. A circle marks the median, a square the 99th \
             percentile."
        } else {
            "Fraction of requests whose message was processed within each latency of the \
             request (log scale); a circle marks the median, a square the 99th percentile."
        }
        .to_string(),
        kind: ChartKind::Cdf(lines),
    })
}

fn store_charts(results: &RunResults) -> Vec<ChartSpec> {
    let label = |d: &str, store: &str, n: usize| {
        if n > 1 {
            format!("{d} / {store}")
        } else {
            d.to_string()
        }
    };
    let mut lag = Vec::new();
    let mut visibility = Vec::new();
    for d in &results.designs {
        for (name, st) in &d.stores {
            let line = label(&d.name, name, d.stores.len());
            if !st.replication_lag_cdf.is_empty() {
                lag.push(SweepLine {
                    design: line.clone(),
                    points: st
                        .replication_lag_cdf
                        .iter()
                        .filter(|p| p[0] > 0.0)
                        .map(|p| (p[0], 100.0 * p[1], None))
                        .collect(),
                });
            }
            if !st.visibility.is_empty() {
                visibility.push(SweepLine {
                    design: line,
                    points: st
                        .visibility
                        .iter()
                        .map(|b| {
                            // The bin's middle on the log axis (its lower half for the first).
                            let x = match (b.after_ms, b.before_ms) {
                                (a, Some(z)) if a > 0.0 => (a * z).sqrt(),
                                (_, Some(z)) => z / 2.0,
                                (a, None) => a * 1.5,
                            };
                            (x, 100.0 * b.fresh_fraction, None)
                        })
                        .collect(),
                });
            }
        }
    }
    let mut out = Vec::new();
    if lag.iter().any(|l| !l.points.is_empty()) {
        out.push(ChartSpec {
            id: "replication-lag".to_string(),
            title: "Replication lag".to_string(),
            caption: "Share of the replications at or below each lag: time from a write's \
                      acceptance by its coordinating replica to its arrival at each other \
                      replica (log scale)."
                .to_string(),
            kind: ChartKind::Sweep(SweepData {
                parameter: "replication lag (ms, log scale)".to_string(),
                metric: "replications at or below (%)".to_string(),
                lines: lag,
                x_log: true,
                threshold: None,
            }),
        });
    }
    if !visibility.is_empty() {
        out.push(ChartSpec {
            id: "visibility".to_string(),
            title: "t-visibility: how soon a write is seen".to_string(),
            caption: "Share of reads that returned the key's last acknowledged write (or a \
                      newer one), by how long after that write's acknowledgement they began \
                      (log scale): 100% everywhere is read-your-writes for everyone."
                .to_string(),
            kind: ChartKind::Sweep(SweepData {
                parameter: "time since the key's last acknowledged write (ms, log scale)"
                    .to_string(),
                metric: "fresh reads (%)".to_string(),
                lines: visibility,
                x_log: true,
                threshold: None,
            }),
        });
    }
    out
}

/// Per design with more than one endpoint: the availability of each endpoint per window
/// (`endpoints-<design>`), so that a failure confined to one endpoint shows.
fn endpoint_availability(results: &RunResults, timeline: &Timeline) -> Vec<ChartSpec> {
    let mut out = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for (i, d) in results.designs.iter().enumerate() {
        let with_series = d
            .endpoints
            .values()
            .filter(|e| !e.series.is_empty())
            .count();
        if d.endpoints.len() < 2 || with_series < 2 {
            continue;
        }
        let base = format!("endpoints-{}", slug(&d.name, i));
        let mut id = base.clone();
        let mut n = 1;
        while !used.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        let lines = d
            .endpoints
            .iter()
            .filter(|(_, e)| !e.series.is_empty())
            .map(|(name, e)| {
                let points = e
                    .series
                    .iter()
                    .enumerate()
                    .map(|(k, &[ok, failed])| {
                        let mid = d
                            .series
                            .get(k)
                            .map_or(k as f64 * results.window_s, |w| w.start_s)
                            + results.window_s / 2.0;
                        let done = ok + failed;
                        (mid, (done > 0).then(|| 100.0 * ok as f64 / done as f64))
                    })
                    .collect();
                (name.clone(), points)
            })
            .collect();
        out.push(ChartSpec {
            id,
            title: format!("Availability over time per endpoint: {}", d.name),
            caption: format!(
                "Design {}: share of each endpoint's requests ending in each window that \
                 succeeded; gray bands are the fault windows, the hatched start the warm-up.",
                d.name
            ),
            kind: ChartKind::Availability(AvailabilityData {
                timeline: timeline.clone(),
                lines,
            }),
        });
    }
    out
}

/// The trade-off chart of a consistency scenario: availability (%) against a staleness or
/// violation measure, one point per design: `(design, (staleness, half-width),
/// (availability %, half-width))`.
pub fn cap_chart(staleness_label: &str, points: Vec<(String, Estimate, Estimate)>) -> ChartSpec {
    ChartSpec {
        id: "cap".to_string(),
        title: "Availability against consistency".to_string(),
        caption: "Each design's availability against how stale or inconsistent its answers \
                  were: up and to the left is better."
            .to_string(),
        kind: ChartKind::Tradeoff(TradeoffData {
            x_label: staleness_label.to_string(),
            y_label: "availability (%)".to_string(),
            x_log: false,
            points: points
                .into_iter()
                .map(|(design, x, y)| TradeoffPoint { design, x, y })
                .collect(),
        }),
    }
}

/// A sweep chart: `metric` against `parameter`, one line per design with its 95% band.
pub fn sweep_chart(id: &str, title: &str, data: SweepData) -> ChartSpec {
    ChartSpec {
        id: id.to_string(),
        title: title.to_string(),
        caption: "Mean per parameter value, one line per design; bands are 95% confidence \
                  intervals."
            .to_string(),
        kind: ChartKind::Sweep(data),
    }
}

/// `name` as `[a-z0-9-]` for ids and file names (`design-<i>` when nothing is left).
pub fn slug(name: &str, i: usize) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        format!("design-{i}")
    } else {
        s
    }
}

// ---------------------------------------------------------------------------------------
// Rendering.

/// The chart as an SVG document, with a `<title>` element for accessibility.
pub fn svg(spec: &ChartSpec) -> Result<String, String> {
    ensure_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(spec, &root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    // Insert <title> right after the opening tag.
    if let Some(start) = text.find("<svg") {
        if let Some(end) = text[start..].find('>') {
            let at = start + end + 1;
            text.insert_str(at, &format!("\n<title>{}</title>", escape(&spec.title)));
        }
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// The chart as a PNG image (RGB, 8 bits).
pub fn png(spec: &ChartSpec) -> Result<Vec<u8>, String> {
    ensure_fonts();
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(spec, &root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Escapes `&`, `<`, `>` and `"` for XML and HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

type Area<'a, DB> = DrawingArea<DB, Shift>;

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn draw<DB: DrawingBackend>(spec: &ChartSpec, root: &Area<'_, DB>) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let body = root
        .titled(&spec.title, (FONT, TITLE_PX).into_font())
        .map_err(err)?;
    match &spec.kind {
        ChartKind::Cdf(lines) => draw_cdf(&body, lines),
        ChartKind::Series(d) => draw_series(&body, d),
        ChartKind::Availability(d) => draw_availability(&body, d),
        ChartKind::Bars(d) => draw_bars(&body, d),
        ChartKind::Tradeoff(d) => draw_tradeoff(&body, d),
        ChartKind::Sweep(d) => draw_sweep(&body, d),
    }
}

fn label_font() -> TextStyle<'static> {
    (FONT, LABEL_PX).into_font().color(&BLACK)
}

fn axis_font() -> TextStyle<'static> {
    (FONT, AXIS_PX).into_font().color(&BLACK)
}

/// Draws a polyline in design `i`'s style; `None` points break the line.
fn line_points(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut parts = vec![Vec::new()];
    for &(x, y) in points {
        match y {
            Some(y) if y.is_finite() => parts.last_mut().map_or((), |p| p.push((x, y))),
            _ => {
                if parts.last().is_some_and(|p| !p.is_empty()) {
                    parts.push(Vec::new());
                }
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// Draws `parts` as design `i`'s line, labelled `name` in the legend (once).
fn design_line<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    parts: Vec<Vec<(f64, f64)>>,
    i: usize,
    name: &str,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let color = design_color(i);
    let style = color.stroke_width(2);
    let mut labelled = false;
    for part in parts {
        let anno = match dash(i) {
            None => chart
                .draw_series(LineSeries::new(part, style))
                .map_err(err)?,
            Some((d, g)) => chart
                .draw_series(DashedLineSeries::new(part, d, g, style))
                .map_err(err)?,
        };
        if !labelled {
            labelled = true;
            anno.label(name.to_string()).legend(move |(x, y)| {
                let pts = vec![(x, y), (x + 28, y)];
                match dash(i) {
                    None => PathElement::new(pts, style).into_dyn(),
                    Some((d, g)) => {
                        DashedPathElement::new(pts, d / 2 + 1, g / 2 + 1, style).into_dyn()
                    }
                }
            });
        }
    }
    Ok(())
}

/// Gray bands for the warm-up and each fault window, with labels when `labels`.
fn shade<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    t: &Timeline,
    (ylo, yhi): (f64, f64),
    labels: bool,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if t.warmup_s > 0.0 {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, ylo), (t.warmup_s, yhi)],
                RGBColor(0, 0, 0).mix(0.06).filled(),
            )))
            .map_err(err)?;
        if labels {
            chart
                .draw_series(std::iter::once(Text::new(
                    "warm-up".to_string(),
                    (0.0, yhi),
                    label_font(),
                )))
                .map_err(err)?;
        }
    }
    for (k, f) in t.faults.iter().enumerate() {
        let end = f.end_s.unwrap_or(t.duration_s).min(t.duration_s);
        let start = f.start_s.max(0.0);
        if end <= start {
            continue;
        }
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(start, ylo), (end, yhi)],
                RGBColor(60, 60, 60).mix(0.18).filled(),
            )))
            .map_err(err)?;
        if labels {
            // Stagger labels so neighbouring faults do not overwrite each other.
            let y = yhi - (yhi - ylo) * (0.02 + 0.07 * ((k % 4) as f64 + 1.0));
            chart
                .draw_series(std::iter::once(Text::new(
                    f.label.clone(),
                    (start, y),
                    label_font(),
                )))
                .map_err(err)?;
        }
    }
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    chart
        .configure_series_labels()
        .position(position)
        .label_font(label_font())
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// `(lo, hi)` padded, never empty.
fn span(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 {
        let d = if hi.abs() > 0.0 { hi.abs() * 0.1 } else { 1.0 };
        return (lo - d, hi + d);
    }
    let d = (hi - lo) * pad;
    (lo - d, hi + d)
}

/// Tick label for values spanning decades: `0.5`, `20`, `1,500`.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if a >= 1000.0 {
        magnitude(v)
    } else if a >= 10.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim(format!("{v:.1}"))
    } else if a >= 0.01 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.4}"))
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn draw_cdf<DB: DrawingBackend>(root: &Area<'_, DB>, lines: &[CdfLine]) -> Result<(), String> {
    let xs = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p[0]))
        .filter(|x| *x > 0.0);
    let (lo, hi) = span(xs, 0.0);
    let (lo, hi) = ((lo.max(1e-3)) / 1.3, hi.max(lo * 1.01).max(1e-3) * 1.3);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d((lo..hi).log_scale(), 0.0..100.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("requests at or below (%)")
        .axis_desc_style(axis_font())
        .label_style(label_font())
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(RGBColor(0, 0, 0).mix(0.05))
        .draw()
        .map_err(err)?;
    for (i, l) in lines.iter().enumerate() {
        let pts: Vec<(f64, Option<f64>)> = l
            .points
            .iter()
            .map(|p| (p[0].max(lo), Some(p[1] * 100.0)))
            .collect();
        design_line(&mut chart, line_points(&pts), i, &l.design)?;
        let color = design_color(i);
        chart
            .draw_series([
                EmptyElement::at((l.p50.max(lo), 50.0)) + Circle::new((0, 0), 6, color.filled())
            ])
            .map_err(err)?;
        chart
            .draw_series([EmptyElement::at((l.p99.max(lo), 99.0))
                + Rectangle::new([(-6, -6), (6, 6)], color.filled())
                + Rectangle::new([(-6, -6), (6, 6)], BLACK.stroke_width(1))])
            .map_err(err)?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn draw_series<DB: DrawingBackend>(root: &Area<'_, DB>, d: &SeriesData) -> Result<(), String> {
    let t = &d.timeline;
    let w = t.window_s.max(1e-9);
    let panels = root.split_evenly((3, 1));
    let mid = |r: &WindowRow| r.start_s + w / 2.0;
    let done = |r: &WindowRow| r.ok + r.error + r.timeout + r.rejected;
    let throughput: Vec<(f64, Option<f64>)> = d
        .rows
        .iter()
        .map(|r| (mid(r), Some(r.ok as f64 / w)))
        .collect();
    let errors: Vec<(f64, Option<f64>)> = d
        .rows
        .iter()
        .map(|r| {
            let n = done(r);
            let failed = (r.error + r.timeout + r.rejected) as f64;
            (mid(r), (n > 0).then(|| 100.0 * failed / n as f64))
        })
        .collect();
    let mean: Vec<(f64, Option<f64>)> =
        d.rows.iter().map(|r| (mid(r), r.latency_mean_ms)).collect();
    let p99: Vec<(f64, Option<f64>)> = d.rows.iter().map(|r| (mid(r), r.latency_p99_ms)).collect();
    let linear: [(&str, &str, &Gappy, bool); 2] = [
        ("successes (req/s)", "successes", &throughput, true),
        ("failed (%)", "failed share", &errors, false),
    ];
    for (k, (label, name, pts, labels)) in linear.into_iter().enumerate() {
        let (_, hi) = span(pts.iter().filter_map(|p| p.1).chain([0.0]), 0.0);
        let hi = if k == 1 {
            hi.clamp(1.0, 100.0) * 1.1
        } else {
            (hi * 1.15).max(1.0)
        };
        let mut chart = ChartBuilder::on(&panels[k])
            .margin_left(12)
            .margin_right(20)
            .margin_top(4)
            .x_label_area_size(22)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..t.duration_s.max(1e-9), 0.0..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .y_desc(label)
            .axis_desc_style(axis_font())
            .label_style(label_font())
            .y_labels(4)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(0, 0, 0).mix(0.05))
            .draw()
            .map_err(err)?;
        shade(&mut chart, t, (0.0, hi), labels)?;
        design_line(&mut chart, line_points(pts), d.index, name)?;
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    // Latency on a log axis: the tail during a fault is often 100× the normal mean.
    let ys = mean
        .iter()
        .chain(&p99)
        .filter_map(|p| p.1)
        .filter(|y| *y > 0.0);
    let (lo, hi) = span(ys, 0.0);
    let (lo, hi) = (lo.max(1e-3) / 1.5, hi.max(lo * 1.01).max(1e-3) * 2.0);
    let mut chart = ChartBuilder::on(&panels[2])
        .margin_left(12)
        .margin_right(20)
        .margin_top(4)
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..t.duration_s.max(1e-9), (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("simulated time (s)")
        .y_desc("latency (ms, log)")
        .axis_desc_style(axis_font())
        .label_style(label_font())
        .y_labels(4)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(RGBColor(0, 0, 0).mix(0.05))
        .draw()
        .map_err(err)?;
    shade(&mut chart, t, (lo, hi), false)?;
    design_line(&mut chart, line_points(&mean), d.index, "mean")?;
    design_line(&mut chart, line_points(&p99), d.index + 1, "p99")?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

fn draw_availability<DB: DrawingBackend>(
    root: &Area<'_, DB>,
    d: &AvailabilityData,
) -> Result<(), String> {
    let t = &d.timeline;
    let low = d
        .lines
        .iter()
        .flat_map(|(_, pts)| pts.iter().filter_map(|p| p.1))
        .fold(100.0f64, f64::min);
    let lo = if low > 90.0 {
        (low - 2.0).floor().max(0.0)
    } else {
        0.0
    };
    let hi = 100.0 + (100.0 - lo) * 0.25;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..t.duration_s.max(1e-9), lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("simulated time (s)")
        .y_desc("availability (% of completed requests)")
        .axis_desc_style(axis_font())
        .label_style(label_font())
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| {
            if *v > 100.0 + 1e-9 {
                String::new()
            } else {
                tick(*v)
            }
        })
        .light_line_style(RGBColor(0, 0, 0).mix(0.05))
        .draw()
        .map_err(err)?;
    shade(&mut chart, t, (lo, hi), true)?;
    for (i, (name, pts)) in d.lines.iter().enumerate() {
        design_line(&mut chart, line_points(pts), i, name)?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn draw_bars<DB: DrawingBackend>(root: &Area<'_, DB>, d: &BarsData) -> Result<(), String> {
    let (sub, body) = root.split_vertically(24);
    sub.draw(&Text::new(
        d.subtitle.clone(),
        (12, 2),
        (FONT, LABEL_PX).into_font().color(&RGBColor(60, 60, 60)),
    ))
    .map_err(err)?;
    let n = d.designs.len().max(1);
    let panels = body.split_evenly((1, d.panels.len().max(1)));
    for (p, area) in d.panels.iter().zip(&panels) {
        let top = p
            .values
            .iter()
            .map(|(v, h)| v + h.unwrap_or(0.0))
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let top = if top > 0.0 { top * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(0.0..n as f64, 0.0..top)
            .map_err(err)?;
        let names = d.designs.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(p.label.as_str())
            .axis_desc_style(axis_font())
            .label_style(label_font())
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(0, 0, 0).mix(0.05))
            .draw()
            .map_err(err)?;
        for (i, &(v, h)) in p.values.iter().enumerate() {
            let x0 = i as f64 + 0.15;
            let x1 = i as f64 + 0.85;
            let color = design_color(i);
            let v = if v.is_finite() { v } else { 0.0 };
            chart
                .draw_series([
                    Rectangle::new([(x0, 0.0), (x1, v)], color.filled()),
                    Rectangle::new([(x0, 0.0), (x1, v)], BLACK.stroke_width(1)),
                ])
                .map_err(err)?;
            if let Some(h) = h.filter(|h| *h > 0.0) {
                let c = i as f64 + 0.5;
                let (a, b) = ((v - h).max(0.0), v + h);
                let cap = 0.12;
                chart
                    .draw_series([
                        PathElement::new(vec![(c, a), (c, b)], BLACK.stroke_width(2)),
                        PathElement::new(vec![(c - cap, a), (c + cap, a)], BLACK.stroke_width(2)),
                        PathElement::new(vec![(c - cap, b), (c + cap, b)], BLACK.stroke_width(2)),
                    ])
                    .map_err(err)?;
            }
            // The value above the bar (and its error bar).
            let c = i as f64 + 0.5;
            chart
                .draw_series(std::iter::once(Text::new(
                    tick(v),
                    (c, v + h.unwrap_or(0.0)),
                    label_font().pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))
                .map_err(err)?;
            // The design's name under the axis, in the panel's pixels.
            let (x, y) = chart.backend_coord(&(c, 0.0));
            let (bx, by) = area.get_base_pixel();
            let name = names.get(i).cloned().unwrap_or_default();
            area.draw(&Text::new(
                name,
                (x - bx, y - by + 8),
                label_font().pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

fn draw_tradeoff<DB: DrawingBackend>(root: &Area<'_, DB>, d: &TradeoffData) -> Result<(), String> {
    let xs = d.points.iter().flat_map(|p| {
        let h = p.x.1.unwrap_or(0.0);
        [p.x.0 - h, p.x.0 + h]
    });
    let ys = d.points.iter().flat_map(|p| {
        let h = p.y.1.unwrap_or(0.0);
        [p.y.0 - h, p.y.0 + h]
    });
    let (ylo, yhi) = span(ys, 0.15);
    let yhi = yhi.min(100.0 + (yhi - ylo) * 0.1);
    if d.x_log {
        let (lo, hi) = span(xs.filter(|x| *x > 0.0), 0.0);
        let (lo, hi) = (lo.max(1e-3) / 1.5, hi.max(1e-3) * 1.5);
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((lo..hi).log_scale(), ylo..yhi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(d.x_label.as_str())
            .y_desc(d.y_label.as_str())
            .axis_desc_style(axis_font())
            .label_style(label_font())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(0, 0, 0).mix(0.05))
            .draw()
            .map_err(err)?;
        points_tradeoff(&mut chart, d, lo)
    } else {
        let (lo, hi) = span(xs, 0.15);
        let mut chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, ylo..yhi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(d.x_label.as_str())
            .y_desc(d.y_label.as_str())
            .axis_desc_style(axis_font())
            .label_style(label_font())
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(RGBColor(0, 0, 0).mix(0.05))
            .draw()
            .map_err(err)?;
        points_tradeoff(&mut chart, d, f64::NEG_INFINITY)
    }
}

fn points_tradeoff<'a, DB: DrawingBackend + 'a, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    d: &TradeoffData,
    x_floor: f64,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, p) in d.points.iter().enumerate() {
        let color = design_color(i);
        let (x, y) = (p.x.0.max(x_floor), p.y.0);
        let mut elements: Vec<DynElement<'static, DB, (f64, f64)>> = Vec::new();
        if let Some(h) = p.x.1.filter(|h| *h > 0.0) {
            elements.push(
                PathElement::new(
                    vec![((x - h).max(x_floor), y), (x + h, y)],
                    color.stroke_width(2),
                )
                .into_dyn(),
            );
        }
        if let Some(h) = p.y.1.filter(|h| *h > 0.0) {
            elements.push(
                PathElement::new(vec![(x, y - h), (x, y + h)], color.stroke_width(2)).into_dyn(),
            );
        }
        chart.draw_series(elements).map_err(err)?;
        let marker = move |c: (i32, i32), i: usize| -> DynElement<'static, DB, (i32, i32)> {
            let s = design_color(i).filled();
            match i % 3 {
                0 => Circle::new(c, 7, s).into_dyn(),
                1 => Rectangle::new([(c.0 - 6, c.1 - 6), (c.0 + 6, c.1 + 6)], s).into_dyn(),
                _ => TriangleMarker::new(c, 8, s).into_dyn(),
            }
        };
        chart
            .draw_series([EmptyElement::at((x, y))
                + marker((0, 0), i)
                + Text::new(p.design.clone(), (10, -18), label_font())])
            .map_err(err)?
            .label(p.design.clone())
            .legend(move |c| marker(c, i));
    }
    legend(chart, SeriesLabelPosition::LowerLeft)
}

fn draw_sweep<DB: DrawingBackend>(root: &Area<'_, DB>, d: &SweepData) -> Result<(), String> {
    let xs = d.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let ys = d.lines.iter().flat_map(|l| {
        l.points.iter().flat_map(|p| {
            let h = p.2.unwrap_or(0.0);
            [p.1 - h, p.1 + h]
        })
    });
    let threshold = d.threshold.as_ref().map(|t| t.value);
    let (ylo, yhi) = span(ys.chain([0.0]).chain(threshold), 0.1);
    if d.x_log {
        let (lo, hi) = span(xs.filter(|x| *x > 0.0), 0.0);
        let (lo, hi) = (lo.max(1e-9) / 1.2, hi.max(1e-9) * 1.2);
        let chart = ChartBuilder::on(root)
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((lo..hi).log_scale(), ylo.max(0.0)..yhi)
            .map_err(err)?;
        return sweep_lines(chart, d);
    }
    let (xlo, xhi) = span(xs, 0.02);
    let chart = ChartBuilder::on(root)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(xlo..xhi, ylo.max(0.0)..yhi)
        .map_err(err)?;
    sweep_lines(chart, d)
}

fn sweep_lines<'a, DB: DrawingBackend + 'a, X>(
    mut chart: ChartContext<'a, DB, Cartesian2d<X, plotters::coord::types::RangedCoordf64>>,
    d: &SweepData,
) -> Result<(), String>
where
    X: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(d.parameter.as_str())
        .y_desc(d.metric.as_str())
        .axis_desc_style(axis_font())
        .label_style(label_font())
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .light_line_style(RGBColor(0, 0, 0).mix(0.05))
        .draw()
        .map_err(err)?;
    for (i, l) in d.lines.iter().enumerate() {
        let upper = l.points.iter().map(|p| (p.0, p.1 + p.2.unwrap_or(0.0)));
        let lower = l
            .points
            .iter()
            .rev()
            .map(|p| (p.0, p.1 - p.2.unwrap_or(0.0)));
        let band: Vec<(f64, f64)> = upper.chain(lower).collect();
        if l.points.iter().any(|p| p.2.is_some()) {
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    design_color(i).mix(0.2).filled(),
                )))
                .map_err(err)?;
        }
        let pts: Vec<(f64, Option<f64>)> = l.points.iter().map(|p| (p.0, Some(p.1))).collect();
        design_line(&mut chart, line_points(&pts), i, &l.design)?;
    }
    if let Some(t) = &d.threshold {
        let (x0, x1) = (chart.x_range().start, chart.x_range().end);
        let red = RGBColor(200, 30, 30);
        let style = red.stroke_width(2);
        // Dashes, drawn as segments: a line of its own colour, apart from the designs'.
        let n = 60;
        let at = |k: usize| {
            let f = k as f64 / n as f64;
            if d.x_log && x0 > 0.0 {
                x0 * (x1 / x0).powf(f)
            } else {
                x0 + (x1 - x0) * f
            }
        };
        chart
            .draw_series(
                (0..n)
                    .step_by(2)
                    .map(|k| PathElement::new(vec![(at(k), t.value), (at(k + 1), t.value)], style)),
            )
            .map_err(err)?
            .label(format!("objective: {}", t.label))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], red.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    #[test]
    fn the_embedded_font_is_a_valid_ttf() {
        assert!(
            plotters::style::register_font("caplab-test", FontStyle::Normal, DEJAVU_SANS).is_ok()
        );
    }

    #[test]
    fn every_chart_has_a_title_axis_labels_and_a_legend() {
        let r = sample();
        let specs = charts(&r, None);
        let ids: Vec<&str> = specs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "latency-cdf",
                "availability",
                "bars",
                "tradeoff",
                "series-leader",
                "series-quorum-3"
            ]
        );
        for spec in &specs {
            let svg = svg(spec).unwrap();
            assert!(svg.starts_with("<svg"), "{}", spec.id);
            assert!(
                svg.contains(&format!("<title>{}</title>", escape(&spec.title))),
                "{}",
                spec.id
            );
            assert_eq!(
                svg,
                super::svg(spec).unwrap(),
                "{} is deterministic",
                spec.id
            );
        }
        let text = |id: &str| svg(specs.iter().find(|c| c.id == id).unwrap()).unwrap();
        let cdf = text("latency-cdf");
        assert!(
            cdf.contains("latency (ms, log scale)") && cdf.contains("requests at or below (%)")
        );
        assert!(cdf.contains("leader") && cdf.contains("quorum-3"), "legend");
        let series = text("series-leader");
        assert!(series.contains("simulated time (s)") && series.contains("crash store#0"));
        let bars = text("bars");
        assert!(bars.contains("failure rate (%)") && bars.contains("p99 latency (ms)"));
        assert!(bars.contains("single run, no confidence interval"));
    }

    #[test]
    fn png_is_a_deterministic_png() {
        let r = sample();
        let spec = &charts(&r, None)[1];
        let a = png(spec).unwrap();
        assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(a, png(spec).unwrap());
    }

    #[test]
    fn sweep_and_cap_charts_render() {
        let line = |design: &str, k: f64| SweepLine {
            design: design.to_string(),
            points: (1..=5)
                .map(|x| (x as f64 * 100.0, k * x as f64, Some(0.5)))
                .collect(),
        };
        let spec = sweep_chart(
            "sweep-rate",
            "p99 latency against the arrival rate",
            SweepData {
                parameter: "arrival rate (req/s)".to_string(),
                metric: "p99 latency (ms)".to_string(),
                lines: vec![line("cp", 2.0), line("ap", 1.0)],
                x_log: false,
                threshold: None,
            },
        );
        let svg = svg(&spec).unwrap();
        assert!(
            svg.contains("arrival rate (req/s)") && svg.contains("<polygon"),
            "band"
        );
        let cap = cap_chart(
            "stale reads (%)",
            vec![
                ("cp".to_string(), (0.0, None), (60.0, Some(2.0))),
                ("ap".to_string(), (12.5, Some(1.0)), (99.9, None)),
            ],
        );
        let svg = super::svg(&cap).unwrap();
        assert!(svg.contains("stale reads (%)") && svg.contains("availability (%)"));
    }

    #[test]
    fn endpoint_availability_and_cap_charts_appear_when_there_is_data() {
        let mut r = sample();
        for e in r.designs[0].endpoints.values_mut() {
            e.series = vec![[10, 0], [5, 5], [0, 0]];
        }
        r.designs[1].stores.insert(
            "kv".to_string(),
            models::results::StoreSummary {
                linearizability: "violation".to_string(),
                reads: 200,
                stale_reads: 50,
                ..Default::default()
            },
        );
        let specs = charts(&r, None);
        let ids: Vec<&str> = specs.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "latency-cdf",
                "availability",
                "endpoints-leader",
                "bars",
                "tradeoff",
                "cap",
                "series-leader",
                "series-quorum-3"
            ]
        );
        let ChartKind::Availability(a) = &specs[2].kind else {
            panic!("not an availability chart");
        };
        assert_eq!(a.lines[0].0, "read");
        assert_eq!(
            a.lines[0].1,
            [(10.5, Some(100.0)), (11.5, Some(50.0)), (12.5, None)]
        );
        let ChartKind::Tradeoff(t) = &specs[5].kind else {
            panic!("not a trade-off chart");
        };
        assert_eq!(t.points.len(), 1, "only designs with stores");
        assert_eq!(t.points[0].design, "quorum-3 (violation)");
        assert_eq!(t.points[0].x, (25.0, None));
        for spec in &specs {
            svg(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.id));
        }
    }

    #[test]
    fn stores_with_replication_get_lag_and_visibility_charts() {
        let mut r = sample();
        r.designs[1].stores.insert(
            "kv".to_string(),
            models::results::StoreSummary {
                replication_lag_cdf: vec![[0.0, 0.0], [2.0, 0.5], [10.0, 1.0]],
                visibility: vec![
                    models::results::VisibilityBin {
                        after_ms: 0.0,
                        before_ms: Some(1.0),
                        reads: 10,
                        fresh_fraction: 0.5,
                    },
                    models::results::VisibilityBin {
                        after_ms: 10_000.0,
                        before_ms: None,
                        reads: 4,
                        fresh_fraction: 1.0,
                    },
                ],
                ..Default::default()
            },
        );
        let specs = charts(&r, None);
        let find = |id: &str| specs.iter().find(|c| c.id == id);
        let Some(ChartKind::Sweep(lag)) = find("replication-lag").map(|c| &c.kind) else {
            panic!("no lag chart");
        };
        // The 0 ms point has no place on a log axis; fractions become percentages.
        assert_eq!(
            lag.lines[0].points,
            [(2.0, 50.0, None), (10.0, 100.0, None)]
        );
        let Some(ChartKind::Sweep(v)) = find("visibility").map(|c| &c.kind) else {
            panic!("no visibility chart");
        };
        assert_eq!(v.lines[0].design, "quorum-3");
        assert_eq!(
            v.lines[0].points,
            [(0.5, 50.0, None), (15_000.0, 100.0, None)]
        );
        for spec in &specs {
            svg(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.id));
        }
        // Without replication data, neither chart.
        let plain = charts(&sample(), None);
        assert!(plain
            .iter()
            .all(|c| c.id != "visibility" && c.id != "replication-lag"));
    }

    #[test]
    fn degenerate_results_still_draw() {
        let mut r = sample();
        for d in &mut r.designs {
            d.series.clear();
            d.latency_cdf.clear();
            d.latency_ms = None;
        }
        r.faults.clear();
        for spec in charts(&r, None) {
            svg(&spec).unwrap_or_else(|e| panic!("{}: {e}", spec.id));
        }
        r.designs.clear();
        for spec in charts(&r, None) {
            svg(&spec).unwrap_or_else(|e| panic!("{}: {e}", spec.id));
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Quorum 3/x", 0), "quorum-3-x");
        assert_eq!(slug("é", 4), "design-4");
        let mut r = sample();
        r.designs[1].name = "Leader".to_string();
        let ids: Vec<String> = charts(&r, None).into_iter().map(|c| c.id).collect();
        assert!(ids.ends_with(&["series-leader".to_string(), "series-leader-2".to_string()]));
    }
}
