//! Charts of a run (plotters): latency CDFs, time series with fault windows, availability
//! over time, bars with error bars, the availability trade-off, and sweeps.
//!
//! A chart is first described as plain data ([`ChartSpec`], extracted from the results),
//! then drawn by [`svg()`] or [`png()`]. Both are pure: the same spec gives the same bytes.
//! SVG text is left to the viewer's `sans-serif` font; its layout, and all text of the
//! PNGs, use DejaVu Sans embedded in the binary (`fonts/`; PNG text drawn by
//! [`crate::text`]), so no system font library is needed.
//!
//! Every chart has a title, axis labels with units and a legend, placed outside the plot.
//! Axes get "nice" ticks that fit their length (at least three, labelled with the decimals
//! they need, 1-2-5 per decade on log axes or linear steps within a decade); labels beside
//! points are placed clear of each other and of the markers (with a leader line when set
//! apart); bar names wrap or turn a quarter when they would run together, and so do the
//! values above the bars; fault labels take the first free row. Designs get a colour of
//! the Okabe–Ito palette (distinct for colour-blind readers) *and* a dash pattern, so lines
//! stay apart when printed in grayscale; fault windows are gray bands with their label.

use crate::error::ReportError;
use crate::format::{escape, magnitude};
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontTransform;
use results::{FaultWindow, WindowRow};
use std::sync::Once;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (960, 540);
/// The font family name used in charts (registered from the embedded TTF).
const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 26;
const AXIS_PX: u32 = 18;
const LABEL_PX: u32 = 16;

use crate::text::DEJAVU_SANS;
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

// ---------------------------------------------------------------------------------------
// Rendering.

/// The chart as an SVG document, with a `<title>` element for accessibility.
pub fn svg(spec: &ChartSpec) -> Result<String, ReportError> {
    ensure_fonts();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, SIZE).into_drawing_area();
        draw(spec, &root)?;
        root.present().map_err(err)?;
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

/// The chart as a PNG image (RGB, 8 bits); text drawn by [`crate::text`], like the SVG's.
pub fn png(spec: &ChartSpec) -> Result<Vec<u8>, ReportError> {
    ensure_fonts();
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; w as usize * h as usize * 3];
    {
        let root = crate::text::Png::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(spec, &root)?;
        root.present().map_err(err)?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w, h);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Best);
        let mut writer = encoder.write_header().map_err(ReportError::PngEncode)?;
        writer
            .write_image_data(&pixels)
            .map_err(ReportError::PngEncode)?;
        writer.finish().map_err(ReportError::PngEncode)?;
    }
    Ok(out)
}

type Area<'a, DB> = DrawingArea<DB, Shift>;
/// A chart on two [`Axis`].
type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

/// A plotters error, whose text is all it gives.
fn err<E: std::fmt::Display>(e: E) -> ReportError {
    ReportError::Draw(e.to_string())
}

fn draw<DB: DrawingBackend>(spec: &ChartSpec, root: &Area<'_, DB>) -> Result<(), ReportError> {
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

/// The width in pixels of `text` at plotters size `px` (as drawn: see [`crate::text`]).
fn text_w(text: &str, px: u32) -> i32 {
    crate::text::width(text, crate::text::em_of_size(f64::from(px))).ceil() as i32
}

/// The height in pixels of a line of text at plotters size `px`.
fn text_h(px: u32) -> i32 {
    crate::text::em_of_size(f64::from(px)).ceil() as i32
}

// ---------------------------------------------------------------------------------------
// Axes: ticks that fit, labelled with as many decimals as they need.

/// An axis: its range, linear or logarithmic, the values it labels (`ticks`) and the
/// light grid lines between them. Plotters asks it for key points: bold ones are the ticks.
#[derive(Clone, Debug)]
struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    light: Vec<f64>,
}

impl Axis {
    /// An axis over `[lo, hi]` without ticks (a degenerate range is widened).
    fn bare(lo: f64, hi: f64, log: bool) -> Axis {
        let (mut lo, mut hi) = (lo, hi);
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (if log { 1.0 } else { 0.0 }, 10.0);
        }
        if log {
            lo = lo.max(1e-9);
            hi = hi.max(lo * 1.001);
        } else if hi - lo <= 0.0 {
            hi = lo + 1.0;
        }
        Axis {
            lo,
            hi,
            log,
            ticks: Vec::new(),
            light: Vec::new(),
        }
    }

    /// Where `v` falls along the axis, from 0 (`lo`) to 1 (`hi`).
    fn fraction(&self, v: f64) -> f64 {
        if self.log {
            let v = if v > 0.0 { v } else { self.lo };
            (libm::log(v) - libm::log(self.lo)) / (libm::log(self.hi) - libm::log(self.lo))
        } else {
            (v - self.lo) / (self.hi - self.lo)
        }
    }

    /// The ticks for an axis `len` pixels long whose labels take `extent(label)` pixels
    /// along it: the densest "nice" set (1-2-5 per decade on a log axis, multiples of 1, 2,
    /// 2.5 or 5 × 10^k otherwise) with at least three ticks whose labels keep 8 pixels
    /// apart (4 one above the other), and no more than one per 40 pixels (70 along a horizontal axis). A log axis
    /// spanning less than a decade
    /// gets linear steps. Only the ticks `keep` accepts are labelled.
    fn fitted(
        mut self,
        len: f64,
        horizontal: bool,
        extent: &dyn Fn(&str) -> f64,
        keep: &dyn Fn(f64) -> bool,
    ) -> Axis {
        let mut candidates: Vec<Vec<f64>> = Vec::new();
        if self.log {
            candidates.extend(log_candidates(self.lo, self.hi));
        }
        candidates.extend(
            linear_candidates(self.lo, self.hi)
                .into_iter()
                .map(|c| c.into_iter().filter(|v| !self.log || *v > 0.0).collect()),
        );
        for c in &mut candidates {
            c.retain(|v| keep(*v));
        }
        let (per_tick, min_gap) = if horizontal { (70.0, 8.0) } else { (40.0, 4.0) };
        let most = ((len / per_tick).floor() as usize).max(3);
        let fits = |c: &Vec<f64>| {
            c.windows(2).all(|w| {
                let gap = (self.fraction(w[1]) - self.fraction(w[0])) * len;
                gap >= (extent(&tick_label(w[0])) + extent(&tick_label(w[1]))) / 2.0 + min_gap
            })
        };
        let chosen = candidates
            .iter()
            .find(|c| c.len() >= 3 && c.len() <= most && fits(c))
            .or_else(|| {
                candidates
                    .iter()
                    .filter(|c| c.len() >= 3 && fits(c))
                    .min_by_key(|c| c.len())
            })
            .or_else(|| {
                candidates
                    .iter()
                    .filter(|c| !c.is_empty() && fits(c))
                    .max_by_key(|c| c.len())
            })
            .cloned()
            .unwrap_or_default();
        self.light = light_lines(&self, &chosen);
        self.ticks = chosen;
        self
    }
}

impl Ranged for Axis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = self.fraction(*v);
        let f = if f.is_finite() {
            f.clamp(-1.0, 2.0)
        } else {
            0.0
        };
        limit.0 + (f64::from(limit.1 - limit.0) * f + 1e-3).floor() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, hint: H) -> Vec<f64> {
        match hint.weight() {
            plotters::coord::ranged1d::KeyPointWeight::Bold => self.ticks.clone(),
            plotters::coord::ranged1d::KeyPointWeight::Any => self.light.clone(),
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

fn pow10(k: i32) -> f64 {
    libm::pow(10.0, f64::from(k))
}

/// Tick sets of steps `m × 10^k` (m in 1, 2, 2.5, 5) within `[lo, hi]`, finest first.
fn linear_candidates(lo: f64, hi: f64) -> Vec<Vec<f64>> {
    let span = hi - lo;
    if span.is_nan() || span <= 0.0 || !span.is_finite() {
        return Vec::new();
    }
    let e = libm::floor(libm::log10(span)) as i32;
    let mut out = Vec::new();
    for k in (e - 2)..=(e + 1) {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * pow10(k);
            let first = libm::ceil(lo / step - 1e-9);
            let last = libm::floor(hi / step + 1e-9);
            if last.is_nan() || first.is_nan() || last < first || last - first > 60.0 {
                continue;
            }
            out.push(
                (first as i64..=last as i64)
                    .map(|i| i as f64 * step)
                    .collect(),
            );
        }
    }
    out
}

/// Tick sets of a log axis within `[lo, hi]` (positive), densest first: mantissas
/// 1–9, then 1-2-3-5, 1-2-5, 1-3, powers of ten, then every 2nd, 3rd, 5th, 10th decade.
fn log_candidates(lo: f64, hi: f64) -> Vec<Vec<f64>> {
    let (d0, d1) = (
        libm::floor(libm::log10(lo)) as i32,
        libm::ceil(libm::log10(hi)) as i32,
    );
    if d1 - d0 > 400 {
        return Vec::new();
    }
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let mut out = Vec::new();
    let sets: [&[f64]; 5] = [
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
        &[1.0, 2.0, 3.0, 5.0],
        &[1.0, 2.0, 5.0],
        &[1.0, 3.0],
        &[1.0],
    ];
    for set in sets {
        out.push(
            (d0..=d1)
                .flat_map(|d| set.iter().map(move |m| m * pow10(d)))
                .filter(|v| inside(*v))
                .collect(),
        );
    }
    for every in [2, 3, 5, 10, 20, 50] {
        out.push(
            (d0..=d1)
                .filter(|d| d.rem_euclid(every) == 0)
                .map(pow10)
                .filter(|v| inside(*v))
                .collect(),
        );
    }
    out
}

/// Light grid lines: a fifth of the tick step on linear spacing, mantissas 1–9 per decade
/// on a log axis labelled at powers of ten or 1-2-5.
fn light_lines(axis: &Axis, ticks: &[f64]) -> Vec<f64> {
    let decade_ticks = ticks.iter().all(|t| {
        let m = *t / pow10(libm::floor(libm::log10(*t)) as i32);
        [1.0, 2.0, 3.0, 5.0].iter().any(|x| (m - x).abs() < 1e-6)
    });
    if axis.log && ticks.len() >= 2 && decade_ticks {
        if let Some(c) = log_candidates(axis.lo, axis.hi).into_iter().next() {
            if c.len() <= 120 {
                return c;
            }
        }
    }
    match ticks {
        [a, b, ..] => {
            let step = (b - a) / 5.0;
            let first = libm::ceil(axis.lo / step - 1e-9);
            let last = libm::floor(axis.hi / step + 1e-9);
            if step > 0.0 && last >= first && last - first <= 200.0 {
                (first as i64..=last as i64)
                    .map(|i| i as f64 * step)
                    .filter(|v| !axis.log || *v > 0.0)
                    .collect()
            } else {
                Vec::new()
            }
        }
        _ => Vec::new(),
    }
}

/// A tick's label: the shortest decimal form (at most 6 decimals) equal to the value to a
/// billionth, with thousands separators (`0.25`, `1.5`, `20`, `12,500`).
fn tick_label(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let tolerance = v.abs() * 1e-9 + 1e-12;
    let mut text = format!("{v:.6}");
    for d in 0..=6 {
        let t = format!("{v:.d$}");
        if t.parse::<f64>().is_ok_and(|x| (x - v).abs() <= tolerance) {
            text = t;
            break;
        }
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest.to_string()),
        None => ("", text),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i.to_string(), format!(".{f}")),
        None => (digits, String::new()),
    };
    let grouped = match int.parse::<u64>() {
        Ok(n) if n >= 1000 => crate::format::thousands(n),
        _ => int,
    };
    let out = format!("{sign}{grouped}{frac}");
    if out.chars().all(|c| c == '0' || c == '-' || c == '.') {
        "0".to_string()
    } else {
        out
    }
}

/// One axis to fit: range, scale, description, and which ticks to label.
struct AxisSpec<'s> {
    lo: f64,
    hi: f64,
    log: bool,
    desc: Option<&'s str>,
    keep: &'s dyn Fn(f64) -> bool,
}

impl<'s> AxisSpec<'s> {
    fn new(lo: f64, hi: f64, log: bool, desc: Option<&'s str>) -> AxisSpec<'s> {
        AxisSpec {
            lo,
            hi,
            log,
            desc,
            keep: &|_| true,
        }
    }
}

/// Margins (top, right, bottom, left) and the height of the x label area.
#[derive(Clone, Copy)]
struct Frame {
    margin: (i32, i32, i32, i32),
    x_area: i32,
}

impl Frame {
    /// A single plot with an x axis description.
    const SINGLE: Frame = Frame {
        margin: (12, 16, 8, 8),
        x_area: 56,
    };
}

/// The pixel ranges of the plotting area of `area` under `frame` with a y label area of
/// `y_area` pixels.
fn plot_ranges<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    frame: Frame,
    y_area: i32,
) -> Result<(std::ops::Range<i32>, std::ops::Range<i32>), ReportError> {
    let chart = ChartBuilder::on(area)
        .margin_top(frame.margin.0)
        .margin_right(frame.margin.1)
        .margin_bottom(frame.margin.2)
        .margin_left(frame.margin.3)
        .x_label_area_size(frame.x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(err)?;
    Ok(chart.plotting_area().get_pixel_range())
}

/// The y axis of `y` fitted to the plotting area of `area` under `frame`, and the width of
/// the label area its tick labels and description need.
fn fit_y<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    frame: Frame,
    y: &AxisSpec<'_>,
) -> Result<(Axis, i32), ReportError> {
    let (_, yr) = plot_ranges(area, frame, 70)?;
    let label_h = f64::from(text_h(LABEL_PX));
    let axis = Axis::bare(y.lo, y.hi, y.log).fitted(
        f64::from(yr.end - yr.start),
        false,
        &|_| label_h,
        y.keep,
    );
    let widest = axis
        .ticks
        .iter()
        .map(|t| text_w(&tick_label(*t), LABEL_PX))
        .max()
        .unwrap_or(0);
    Ok((
        axis,
        widest + 16 + y.desc.map_or(0, |_| text_h(AXIS_PX) + 16),
    ))
}

/// A chart on `area` whose axes' ticks fit the plotting area, with its mesh, tick labels
/// and axis descriptions drawn. The y label area is as wide as the widest tick label.
fn plot<'a, DB: DrawingBackend>(
    area: &Area<'a, DB>,
    frame: Frame,
    x: &AxisSpec<'_>,
    y: &AxisSpec<'_>,
    x_mesh: bool,
) -> Result<Plot<'a, DB>, ReportError> {
    let (y_axis, y_area) = fit_y(area, frame, y)?;
    plot_with(area, frame, x, y, y_axis, y_area, x_mesh)
}

/// [`plot`] with the y axis and its label area's width given (panels sharing an x axis
/// take the widest, so their plots line up).
fn plot_with<'a, DB: DrawingBackend>(
    area: &Area<'a, DB>,
    frame: Frame,
    x: &AxisSpec<'_>,
    y: &AxisSpec<'_>,
    y_axis: Axis,
    y_area: i32,
    x_mesh: bool,
) -> Result<Plot<'a, DB>, ReportError> {
    let (xr, _) = plot_ranges(area, frame, y_area)?;
    let x_axis = if x_mesh {
        Axis::bare(x.lo, x.hi, x.log).fitted(
            f64::from(xr.end - xr.start),
            true,
            &|s| f64::from(text_w(s, LABEL_PX)),
            x.keep,
        )
    } else {
        Axis::bare(x.lo, x.hi, x.log)
    };
    let mut chart = ChartBuilder::on(area)
        .margin_top(frame.margin.0)
        .margin_right(frame.margin.1)
        .margin_bottom(frame.margin.2)
        .margin_left(frame.margin.3)
        .x_label_area_size(frame.x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x_axis, y_axis)
        .map_err(err)?;
    {
        let mut mesh = chart.configure_mesh();
        mesh.axis_desc_style(axis_font())
            .label_style(label_font())
            .x_labels(100)
            .y_labels(100)
            .x_label_formatter(&|v| tick_label(*v))
            .y_label_formatter(&|v| tick_label(*v))
            .light_line_style(RGBColor(0, 0, 0).mix(0.05));
        if let Some(d) = x.desc {
            mesh.x_desc(d);
        }
        if let Some(d) = y.desc {
            mesh.y_desc(d);
        }
        if !x_mesh {
            mesh.disable_x_mesh();
        }
        mesh.draw().map_err(err)?;
    }
    Ok(chart)
}

/// The plotting area's top-left pixel and size.
fn plot_box<DB: DrawingBackend>(chart: &Plot<'_, DB>) -> Rect {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    Rect {
        x0: xr.start,
        y0: yr.start,
        x1: xr.end,
        y1: yr.end,
    }
}

/// Draws `text` with its anchor at the absolute pixel `at`.
fn text_abs<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    at: (i32, i32),
    text: &str,
    style: TextStyle<'_>,
) -> Result<(), ReportError> {
    let (bx, by) = area.get_base_pixel();
    area.draw(&Text::new(text.to_string(), (at.0 - bx, at.1 - by), style))
        .map_err(err)
}

/// Draws a polyline through absolute pixels.
fn path_abs<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    points: &[(i32, i32)],
    style: ShapeStyle,
) -> Result<(), ReportError> {
    let (bx, by) = area.get_base_pixel();
    area.draw(&PathElement::new(
        points
            .iter()
            .map(|p| (p.0 - bx, p.1 - by))
            .collect::<Vec<_>>(),
        style,
    ))
    .map_err(err)
}

// ---------------------------------------------------------------------------------------
// Boxes, legends and labels placed clear of each other.

/// A box in absolute pixels, `x0 <= x1`, `y0 <= y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rect {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Rect {
    fn sized(x0: i32, y0: i32, w: i32, h: i32) -> Rect {
        Rect {
            x0,
            y0,
            x1: x0 + w,
            y1: y0 + h,
        }
    }

    /// Whether the boxes overlap once each is grown by `pad` pixels.
    fn hits(&self, o: &Rect, pad: i32) -> bool {
        self.x0 - pad < o.x1 && o.x0 - pad < self.x1 && self.y0 - pad < o.y1 && o.y0 - pad < self.y1
    }

    fn inside(&self, o: &Rect) -> bool {
        self.x0 >= o.x0 && self.y0 >= o.y0 && self.x1 <= o.x1 && self.y1 <= o.y1
    }

    /// The point of the box nearest to `p`.
    fn nearest(&self, p: (i32, i32)) -> (i32, i32) {
        (p.0.clamp(self.x0, self.x1), p.1.clamp(self.y0, self.y1))
    }
}

/// What a legend entry shows beside its text.
#[derive(Clone, Copy, Debug)]
enum Swatch {
    /// Design `i`'s line (colour and dash).
    Line(usize),
    /// Design `i`'s marker on a trade-off chart.
    Marker(usize),
    /// A filled circle.
    Dot(RGBColor),
    /// A filled square with a black border.
    Square(RGBColor),
    /// A dashed rule in the threshold colour (an objective's bound).
    Rule,
}

/// The colour of an objective's threshold line: apart from every design's.
const THRESHOLD: RGBColor = RGBColor(200, 30, 30);

/// A legend entry.
struct Entry {
    label: String,
    swatch: Swatch,
}

fn entry(label: impl Into<String>, swatch: Swatch) -> Entry {
    Entry {
        label: label.into(),
        swatch,
    }
}

const SWATCH_W: i32 = 30;
const LEGEND_PAD: i32 = 8;

fn legend_row_h() -> i32 {
    text_h(LABEL_PX) + 8
}

/// A legend's width and height as a framed column.
fn legend_size(entries: &[Entry]) -> (i32, i32) {
    let widest = entries
        .iter()
        .map(|e| text_w(&e.label, LABEL_PX))
        .max()
        .unwrap_or(0);
    (
        widest + SWATCH_W + 3 * LEGEND_PAD,
        entries.len() as i32 * legend_row_h() + LEGEND_PAD,
    )
}

/// Draws the swatch of `s` centred vertically on `y`, from `x` rightwards (absolute pixels).
fn draw_swatch<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    s: Swatch,
    (x, y): (i32, i32),
) -> Result<(), ReportError> {
    let (bx, by) = area.get_base_pixel();
    let (x, y) = (x - bx, y - by);
    let c = (x + SWATCH_W / 2, y);
    match s {
        Swatch::Line(i) => {
            let style = design_color(i).stroke_width(2);
            let pts = vec![(x, y), (x + SWATCH_W, y)];
            match dash(i) {
                None => area.draw(&PathElement::new(pts, style)).map_err(err),
                Some((d, g)) => area
                    .draw(&DashedPathElement::new(pts, d / 2 + 1, g / 2 + 1, style))
                    .map_err(err),
            }
        }
        Swatch::Marker(i) => area.draw(&marker(c, i)).map_err(err),
        Swatch::Dot(color) => area.draw(&Circle::new(c, 6, color.filled())).map_err(err),
        Swatch::Rule => area
            .draw(&DashedPathElement::new(
                vec![(x, y), (x + SWATCH_W, y)],
                4,
                3,
                THRESHOLD.stroke_width(2),
            ))
            .map_err(err),
        Swatch::Square(color) => {
            area.draw(&Rectangle::new(
                [(c.0 - 6, c.1 - 6), (c.0 + 6, c.1 + 6)],
                color.filled(),
            ))
            .map_err(err)?;
            area.draw(&Rectangle::new(
                [(c.0 - 6, c.1 - 6), (c.0 + 6, c.1 + 6)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)
        }
    }
}

/// Draws a framed legend with its top-left corner at the absolute pixel `at`.
fn draw_legend<DB: DrawingBackend>(
    area: &Area<'_, DB>,
    entries: &[Entry],
    at: (i32, i32),
) -> Result<(), ReportError> {
    if entries.is_empty() {
        return Ok(());
    }
    let (w, h) = legend_size(entries);
    let (bx, by) = area.get_base_pixel();
    let (x, y) = (at.0 - bx, at.1 - by);
    area.draw(&Rectangle::new([(x, y), (x + w, y + h)], WHITE.filled()))
        .map_err(err)?;
    area.draw(&Rectangle::new(
        [(x, y), (x + w, y + h)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))
    .map_err(err)?;
    let row = legend_row_h();
    for (k, e) in entries.iter().enumerate() {
        let cy = at.1 + LEGEND_PAD + k as i32 * row + row / 2 - 4;
        draw_swatch(area, e.swatch, (at.0 + LEGEND_PAD, cy))?;
        text_abs(
            area,
            (at.0 + 2 * LEGEND_PAD + SWATCH_W, cy),
            &e.label,
            label_font().pos(Pos::new(HPos::Left, VPos::Center)),
        )?;
    }
    Ok(())
}

/// Splits `area` into the plot and a column on its right for a legend of `width` pixels.
fn beside<'a, DB: DrawingBackend>(area: &Area<'a, DB>, width: i32) -> (Area<'a, DB>, Area<'a, DB>) {
    let (w, _) = area.dim_in_pixel();
    area.split_horizontally((w as i32 - width - 12).max(w as i32 / 2))
}

/// The plot area and, outside it, a legend: in a column on the right when it takes at
/// most a third of the width, else in rows under the plot. Returns the plot's area and a
/// function drawing the legend once the plot is drawn (its top aligned with the plot's).
fn with_legend<'a, DB: DrawingBackend>(
    area: &Area<'a, DB>,
    entries: &[Entry],
) -> (Area<'a, DB>, Area<'a, DB>, bool) {
    let (w, h) = area.dim_in_pixel();
    let (lw, _) = legend_size(entries);
    if lw <= w as i32 / 3 {
        let (plot, side) = beside(area, lw);
        (plot, side, true)
    } else {
        let rows = legend_rows(entries, w as i32 - 24);
        let lh = rows.len() as i32 * legend_row_h() + 2 * LEGEND_PAD;
        let (plot, below) = area.split_vertically((h as i32 - lh).max(h as i32 / 2));
        (plot, below, false)
    }
}

/// Entries flowed into rows no wider than `width` (indexes per row).
fn legend_rows(entries: &[Entry], width: i32) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = width;
    for (i, e) in entries.iter().enumerate() {
        let w = entry_width(e);
        if used + w > width && !rows.last().is_some_and(|r| r.is_empty()) {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(r) = rows.last_mut() {
            r.push(i);
        }
        used += w;
    }
    rows
}

fn entry_width(e: &Entry) -> i32 {
    SWATCH_W + 3 * LEGEND_PAD + text_w(&e.label, LABEL_PX)
}

/// Draws the legend into the area [`with_legend`] gave it, aligned with `plot`'s top.
fn place_legend<DB: DrawingBackend>(
    legend: &Area<'_, DB>,
    entries: &[Entry],
    side: bool,
    plot: Rect,
) -> Result<(), ReportError> {
    let (bx, by) = legend.get_base_pixel();
    if side {
        return draw_legend(legend, entries, (bx + 4, plot.y0));
    }
    let (w, _) = legend.dim_in_pixel();
    let rows = legend_rows(entries, w as i32 - 24);
    let row = legend_row_h();
    for (r, idx) in rows.iter().enumerate() {
        let total: i32 = idx.iter().map(|i| entry_width(&entries[*i])).sum();
        let mut x = bx + (w as i32 - total) / 2;
        let cy = by + LEGEND_PAD + r as i32 * row + row / 2;
        for i in idx {
            let e = &entries[*i];
            draw_swatch(legend, e.swatch, (x + LEGEND_PAD, cy))?;
            text_abs(
                legend,
                (x + 2 * LEGEND_PAD + SWATCH_W, cy),
                &e.label,
                label_font().pos(Pos::new(HPos::Left, VPos::Center)),
            )?;
            x += entry_width(e);
        }
    }
    Ok(())
}

/// Boxes for labels of sizes `sizes` beside `points` (absolute pixels), inside `bounds`,
/// clear of each other, of every point's marker (`marker` pixels around it) and of
/// `obstacles`: for each point in turn, the first free spot right of it, then above or
/// below to the right, left, above, below, at growing distances (a leader line is drawn
/// to the far ones). A label that finds no free spot takes the one that overlaps least.
fn place_labels(
    points: &[(i32, i32)],
    sizes: &[(i32, i32)],
    bounds: Rect,
    marker: i32,
    obstacles: &[Rect],
) -> Vec<Rect> {
    let markers: Vec<Rect> = points
        .iter()
        .map(|p| Rect {
            x0: p.0 - marker,
            y0: p.1 - marker,
            x1: p.0 + marker,
            y1: p.1 + marker,
        })
        .collect();
    let directions = [
        (1, 0),
        (1, -1),
        (1, 1),
        (-1, 0),
        (-1, -1),
        (-1, 1),
        (0, -1),
        (0, 1),
    ];
    let mut placed: Vec<Rect> = Vec::new();
    for (p, &(w, h)) in points.iter().zip(sizes) {
        let mut best: Option<(usize, Rect)> = None;
        'search: for dist in [marker + 4, 26, 44, 66, 92, 122, 156, 194] {
            for (dx, dy) in directions {
                let (ax, ay) = (p.0 + dx * dist, p.1 + dy * dist * 2 / 3);
                let x0 = match dx {
                    1 => ax,
                    -1 => ax - w,
                    _ => ax - w / 2,
                };
                let y0 = match dy {
                    1 => ay,
                    -1 => ay - h,
                    _ => ay - h / 2,
                };
                let r = Rect::sized(x0, y0, w, h);
                if !r.inside(&bounds) {
                    continue;
                }
                let hits = placed
                    .iter()
                    .chain(&markers)
                    .chain(obstacles)
                    .filter(|o| r.hits(o, 2))
                    .count();
                if hits == 0 {
                    best = Some((0, r));
                    break 'search;
                }
                if best.is_none_or(|(n, _)| hits < n) {
                    best = Some((hits, r));
                }
            }
        }
        let r = best.map_or(
            Rect::sized((p.0 + marker + 4).min(bounds.x1 - w), p.1 - h / 2, w, h),
            |(_, r)| r,
        );
        placed.push(r);
    }
    placed
}

// ---------------------------------------------------------------------------------------
// Lines, bands, markers.

/// Splits points into runs; `None` (or a non-finite value) breaks the line.
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

/// Draws `parts` in design `i`'s style (colour and dash).
fn design_line<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    parts: Vec<Vec<(f64, f64)>>,
    i: usize,
) -> Result<(), ReportError> {
    let style = design_color(i).stroke_width(2);
    for part in parts {
        match dash(i) {
            None => chart
                .draw_series(LineSeries::new(part, style))
                .map_err(err)?,
            Some((d, g)) => chart
                .draw_series(DashedLineSeries::new(part, d, g, style))
                .map_err(err)?,
        };
    }
    Ok(())
}

/// Design `i`'s marker on a trade-off chart, centred on `c` (pixel offsets).
fn marker<DB: DrawingBackend>(c: (i32, i32), i: usize) -> DynElement<'static, DB, (i32, i32)> {
    let s = design_color(i).filled();
    match i % 3 {
        0 => Circle::new(c, 7, s).into_dyn(),
        1 => Rectangle::new([(c.0 - 6, c.1 - 6), (c.0 + 6, c.1 + 6)], s).into_dyn(),
        _ => TriangleMarker::new(c, 8, s).into_dyn(),
    }
}

/// Gray bands for the warm-up and each fault window; with `labels`, their labels along
/// the plot's top, each on the first row where it overlaps no other (moved left rather
/// than past the plot's right edge).
fn shade<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    area: &Area<'_, DB>,
    t: &Timeline,
    labels: bool,
) -> Result<(), ReportError> {
    let (ylo, yhi) = (chart.y_range().start, chart.y_range().end);
    let mut named: Vec<(f64, String)> = Vec::new();
    if t.warmup_s > 0.0 {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, ylo), (t.warmup_s, yhi)],
                RGBColor(0, 0, 0).mix(0.06).filled(),
            )))
            .map_err(err)?;
        named.push((0.0, "warm-up".to_string()));
    }
    for f in &t.faults {
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
        named.push((start, f.label.clone()));
    }
    if !labels {
        return Ok(());
    }
    let plot = plot_box(chart);
    let h = text_h(LABEL_PX) + 2;
    let mut placed: Vec<Rect> = Vec::new();
    for (start, label) in named {
        let w = text_w(&label, LABEL_PX);
        let x = chart
            .backend_coord(&(start, yhi))
            .0
            .saturating_add(3)
            .min(plot.x1 - w - 3)
            .max(plot.x0 + 3);
        let mut row = 0;
        let r = loop {
            let r = Rect::sized(x, plot.y0 + 3 + row * (h + 2), w, h);
            if row >= 8 || !placed.iter().any(|p| p.hits(&r, 2)) {
                break r;
            }
            row += 1;
        };
        placed.push(r);
        text_abs(
            area,
            (r.x0, r.y0),
            &label,
            label_font().pos(Pos::new(HPos::Left, VPos::Top)),
        )?;
    }
    Ok(())
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

/// A value printed on a chart (above a bar): `0.5`, `20`, `1,500`.
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

// ---------------------------------------------------------------------------------------
// The charts.

fn draw_cdf<DB: DrawingBackend>(root: &Area<'_, DB>, lines: &[CdfLine]) -> Result<(), ReportError> {
    let xs = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p[0]))
        .filter(|x| *x > 0.0);
    let (lo, hi) = span(xs, 0.0);
    let (lo, hi) = ((lo.max(1e-3)) / 1.3, hi.max(lo * 1.01).max(1e-3) * 1.3);
    let mut entries: Vec<Entry> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| entry(l.design.clone(), Swatch::Line(i)))
        .collect();
    entries.push(entry("median", Swatch::Dot(RGBColor(90, 90, 90))));
    entries.push(entry(
        "99th percentile",
        Swatch::Square(RGBColor(90, 90, 90)),
    ));
    let (area, legend, side) = with_legend(root, &entries);
    let mut chart = plot(
        &area,
        Frame::SINGLE,
        &AxisSpec::new(lo, hi, true, Some("latency (ms, log scale)")),
        &AxisSpec::new(0.0, 100.0, false, Some("requests at or below (%)")),
        true,
    )?;
    for (i, l) in lines.iter().enumerate() {
        let pts: Vec<(f64, Option<f64>)> = l
            .points
            .iter()
            .map(|p| (p[0].max(lo), Some(p[1] * 100.0)))
            .collect();
        design_line(&mut chart, line_points(&pts), i)?;
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
    place_legend(&legend, &entries, side, plot_box(&chart))
}

fn draw_series<DB: DrawingBackend>(root: &Area<'_, DB>, d: &SeriesData) -> Result<(), ReportError> {
    let t = &d.timeline;
    let w = t.window_s.max(1e-9);
    let mid = |r: &WindowRow| r.start_s + w / 2.0;
    let done = |r: &WindowRow| r.ok + r.error + r.timeout + r.rejected;
    let throughput: Gappy = d
        .rows
        .iter()
        .map(|r| (mid(r), Some(r.ok as f64 / w)))
        .collect();
    let errors: Gappy = d
        .rows
        .iter()
        .map(|r| {
            let n = done(r);
            let failed = (r.error + r.timeout + r.rejected) as f64;
            (mid(r), (n > 0).then(|| 100.0 * failed / n as f64))
        })
        .collect();
    let mean: Gappy = d.rows.iter().map(|r| (mid(r), r.latency_mean_ms)).collect();
    let p99: Gappy = d.rows.iter().map(|r| (mid(r), r.latency_p99_ms)).collect();
    let legends = [
        vec![entry("successes", Swatch::Line(d.index))],
        vec![entry("failed share", Swatch::Line(d.index))],
        vec![
            entry("mean", Swatch::Line(d.index)),
            entry("p99", Swatch::Line(d.index + 1)),
        ],
    ];
    let width = legends.iter().map(|l| legend_size(l).0).max().unwrap_or(0);
    let (left, right) = beside(root, width);
    let panels = left.split_evenly((3, 1));
    let sides = right.split_evenly((3, 1));
    let frame = |bottom: bool| Frame {
        margin: (6, 16, 2, 8),
        x_area: if bottom { 50 } else { 26 },
    };
    let x = |desc| AxisSpec::new(0.0, t.duration_s.max(1e-9), false, desc);
    let top = |pts: &Gappy, k: usize| {
        let (_, hi) = span(pts.iter().filter_map(|p| p.1).chain([0.0]), 0.0);
        if k == 1 {
            hi.clamp(1.0, 100.0) * 1.1
        } else {
            (hi * 1.15).max(1.0)
        }
    };
    // Latency on a log axis: the tail during a fault is often 100× the normal mean.
    let ys = mean
        .iter()
        .chain(&p99)
        .filter_map(|p| p.1)
        .filter(|y| *y > 0.0);
    let (lo, hi) = span(ys, 0.0);
    let (lo, hi) = (lo.max(1e-3) / 1.5, hi.max(lo * 1.01).max(1e-3) * 2.0);
    let ys = [
        AxisSpec::new(0.0, top(&throughput, 0), false, Some("successes (req/s)")),
        AxisSpec::new(0.0, top(&errors, 1), false, Some("failed (%)")),
        AxisSpec::new(lo, hi, true, Some("latency (ms, log)")),
    ];
    // One label-area width for the three panels, so their time axes line up.
    let mut fitted = Vec::new();
    for (k, y) in ys.iter().enumerate() {
        fitted.push(fit_y(&panels[k], frame(k == 2), y)?);
    }
    let y_area = fitted.iter().map(|f| f.1).max().unwrap_or(70);
    let lines: [(&[&Gappy], bool); 3] = [
        (&[&throughput], true),
        (&[&errors], false),
        (&[&mean, &p99], false),
    ];
    for (k, ((y, (axis, _)), (pts, labels))) in ys.iter().zip(fitted).zip(lines).enumerate() {
        let desc = (k == 2).then_some("simulated time (s)");
        let mut chart = plot_with(&panels[k], frame(k == 2), &x(desc), y, axis, y_area, true)?;
        shade(&mut chart, &panels[k], t, labels)?;
        for (n, p) in pts.iter().enumerate() {
            design_line(&mut chart, line_points(p), d.index + n)?;
        }
        let at = (sides[k].get_base_pixel().0 + 4, plot_box(&chart).y0);
        draw_legend(&sides[k], &legends[k], at)?;
    }
    Ok(())
}

fn draw_availability<DB: DrawingBackend>(
    root: &Area<'_, DB>,
    d: &AvailabilityData,
) -> Result<(), ReportError> {
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
    let entries: Vec<Entry> = d
        .lines
        .iter()
        .enumerate()
        .map(|(i, (name, _))| entry(name.clone(), Swatch::Line(i)))
        .collect();
    let (area, legend, side) = with_legend(root, &entries);
    let mut y = AxisSpec::new(
        lo,
        hi,
        false,
        Some("availability (% of completed requests)"),
    );
    y.keep = &|v| v <= 100.0 + 1e-9;
    let mut chart = plot(
        &area,
        Frame::SINGLE,
        &AxisSpec::new(
            0.0,
            t.duration_s.max(1e-9),
            false,
            Some("simulated time (s)"),
        ),
        &y,
        true,
    )?;
    shade(&mut chart, &area, t, true)?;
    for (i, (_, pts)) in d.lines.iter().enumerate() {
        design_line(&mut chart, line_points(pts), i)?;
    }
    place_legend(&legend, &entries, side, plot_box(&chart))
}

/// How the designs' names sit under their bars.
#[derive(Clone, Debug, PartialEq)]
enum Names {
    /// One line each.
    Flat,
    /// Broken after `-`, `_`, `/` or a space into these lines.
    Wrapped(Vec<Vec<String>>),
    /// Turned a quarter (reading upwards), cut to fit this many pixels.
    Turned(i32),
}

/// The name layout for bars `slot` pixels apart.
fn name_layout(names: &[String], slot: i32) -> Names {
    let room = slot - 8;
    if names.iter().all(|n| text_w(n, LABEL_PX) <= room) {
        return Names::Flat;
    }
    let wrapped: Vec<Vec<String>> = names.iter().map(|n| wrap(n, room)).collect();
    if wrapped
        .iter()
        .all(|lines| lines.len() <= 3 && lines.iter().all(|l| text_w(l, LABEL_PX) <= room))
    {
        return Names::Wrapped(wrapped);
    }
    let widest = names.iter().map(|n| text_w(n, LABEL_PX)).max().unwrap_or(0);
    Names::Turned(widest.min(170))
}

/// `name` broken after separators into lines of at most `room` pixels where it can be.
fn wrap(name: &str, room: i32) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in name.chars() {
        cur.push(c);
        if matches!(c, '-' | '_' | '/' | ' ') {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    let mut lines: Vec<String> = Vec::new();
    for p in pieces {
        match lines.last_mut() {
            Some(l) if text_w(&format!("{l}{p}"), LABEL_PX) <= room => l.push_str(&p),
            _ => lines.push(p),
        }
    }
    lines
        .into_iter()
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// `text` cut with an ellipsis to at most `room` pixels.
fn fit_text(text: &str, room: i32) -> String {
    if text_w(text, LABEL_PX) <= room {
        return text.to_string();
    }
    let mut out: String = String::new();
    for c in text.chars() {
        if text_w(&format!("{out}{c}…"), LABEL_PX) > room {
            break;
        }
        out.push(c);
    }
    format!("{out}…")
}

fn draw_bars<DB: DrawingBackend>(root: &Area<'_, DB>, d: &BarsData) -> Result<(), ReportError> {
    let (sub, body) = root.split_vertically(text_h(LABEL_PX) + 14);
    let (sx, sy) = sub.get_base_pixel();
    text_abs(
        &sub,
        (sx + 12, sy + 4),
        &d.subtitle,
        (FONT, LABEL_PX)
            .into_font()
            .color(&RGBColor(60, 60, 60))
            .pos(Pos::new(HPos::Left, VPos::Top)),
    )?;
    let n = d.designs.len().max(1);
    let panels = body.split_evenly((1, d.panels.len().max(1)));
    let line_h = text_h(LABEL_PX) + 2;
    for (p, area) in d.panels.iter().zip(&panels) {
        let base = Frame {
            margin: (10, 10, 6, 6),
            x_area: 40,
        };
        // The names' layout decides the label area under the axis.
        let (xr, _) = plot_ranges(area, base, 64)?;
        let slot = (xr.end - xr.start) / n as i32;
        let names = name_layout(&d.designs, slot);
        let x_area = match &names {
            Names::Flat => line_h + 14,
            Names::Wrapped(w) => w.iter().map(Vec::len).max().unwrap_or(1) as i32 * line_h + 14,
            Names::Turned(w) => w + 16,
        };
        let frame = Frame { x_area, ..base };
        // Values above the bars: turned when wider than a bar, with the headroom they need.
        let top_of = |(v, h): &(f64, Option<f64>)| v + h.unwrap_or(0.0);
        let texts: Vec<String> = p.values.iter().map(|(v, _)| tick(*v)).collect();
        let turned = texts.iter().any(|t| text_w(t, LABEL_PX) > slot - 4);
        let (_, yr) = plot_ranges(area, frame, 64)?;
        let height = f64::from((yr.end - yr.start).max(40));
        let mut top: f64 = 0.0;
        for (value, text) in p.values.iter().zip(&texts) {
            let v = top_of(value);
            if !v.is_finite() || v <= 0.0 {
                continue;
            }
            let room = if turned {
                f64::from(text_w(text, LABEL_PX) + 8)
            } else {
                f64::from(line_h + 6)
            };
            top = top.max(v * height / (height - room).max(height / 4.0));
        }
        let top = if top > 0.0 { top * 1.05 } else { 1.0 };
        let chart = plot(
            area,
            frame,
            &AxisSpec::new(0.0, n as f64, false, None),
            &AxisSpec::new(0.0, top, false, Some(p.label.as_str())),
            false,
        )?;
        for (i, &(v, h)) in p.values.iter().enumerate() {
            let x0 = i as f64 + 0.15;
            let x1 = i as f64 + 0.85;
            let color = design_color(i);
            let v = if v.is_finite() { v } else { 0.0 };
            chart
                .plotting_area()
                .draw(&Rectangle::new([(x0, 0.0), (x1, v)], color.filled()))
                .map_err(err)?;
            chart
                .plotting_area()
                .draw(&Rectangle::new([(x0, 0.0), (x1, v)], BLACK.stroke_width(1)))
                .map_err(err)?;
            let c = i as f64 + 0.5;
            if let Some(h) = h.filter(|h| *h > 0.0) {
                let (a, b) = ((v - h).max(0.0), v + h);
                let cap = 0.12;
                for pts in [
                    vec![(c, a), (c, b)],
                    vec![(c - cap, a), (c + cap, a)],
                    vec![(c - cap, b), (c + cap, b)],
                ] {
                    chart
                        .plotting_area()
                        .draw(&PathElement::new(pts, BLACK.stroke_width(2)))
                        .map_err(err)?;
                }
            }
            // The value above the bar (and its error bar).
            let (x, y) = chart.backend_coord(&(c, v + h.unwrap_or(0.0)));
            let text = texts.get(i).cloned().unwrap_or_default();
            if turned {
                text_abs(
                    area,
                    (x, y - 4),
                    &text,
                    label_font()
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )?;
            } else {
                text_abs(
                    area,
                    (x, y - 3),
                    &text,
                    label_font().pos(Pos::new(HPos::Center, VPos::Bottom)),
                )?;
            }
            // The design's name under the axis.
            let (_, axis_y) = chart.backend_coord(&(c, 0.0));
            let name = d.designs.get(i).cloned().unwrap_or_default();
            match &names {
                Names::Flat => text_abs(
                    area,
                    (x, axis_y + 8),
                    &name,
                    label_font().pos(Pos::new(HPos::Center, VPos::Top)),
                )?,
                Names::Wrapped(lines) => {
                    for (k, line) in lines.get(i).into_iter().flatten().enumerate() {
                        text_abs(
                            area,
                            (x, axis_y + 8 + k as i32 * line_h),
                            line,
                            label_font().pos(Pos::new(HPos::Center, VPos::Top)),
                        )?;
                    }
                }
                Names::Turned(room) => text_abs(
                    area,
                    (x, axis_y + 8),
                    &fit_text(&name, *room),
                    label_font()
                        .transform(FontTransform::Rotate270)
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                )?,
            }
        }
    }
    Ok(())
}

fn draw_tradeoff<DB: DrawingBackend>(
    root: &Area<'_, DB>,
    d: &TradeoffData,
) -> Result<(), ReportError> {
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
    let (xlo, xhi) = if d.x_log {
        let (lo, hi) = span(xs.filter(|x| *x > 0.0), 0.0);
        (lo.max(1e-3) / 1.5, hi.max(1e-3) * 1.5)
    } else {
        span(xs, 0.15)
    };
    let x_floor = if d.x_log { xlo } else { f64::NEG_INFINITY };
    let entries: Vec<Entry> = d
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| entry(p.design.clone(), Swatch::Marker(i)))
        .collect();
    let (area, legend, side) = with_legend(root, &entries);
    // Padding may reach below zero or above 100%: no tick there when no value is.
    let nonnegative = |v: f64| v >= -1e-9;
    let percent = |v: f64| (-1e-9..=100.0 + 1e-9).contains(&v);
    let mut x = AxisSpec::new(xlo, xhi, d.x_log, Some(d.x_label.as_str()));
    if d.points.iter().all(|p| p.x.0 >= 0.0) {
        x.keep = &nonnegative;
    }
    let mut y = AxisSpec::new(ylo, yhi, false, Some(d.y_label.as_str()));
    if d.points.iter().all(|p| (0.0..=100.0).contains(&p.y.0)) {
        y.keep = &percent;
    }
    let mut chart = plot(&area, Frame::SINGLE, &x, &y, true)?;
    let mut pixels = Vec::new();
    for (i, p) in d.points.iter().enumerate() {
        let color = design_color(i);
        let (x, y) = (p.x.0.max(x_floor), p.y.0);
        if let Some(h) = p.x.1.filter(|h| *h > 0.0) {
            chart
                .draw_series([PathElement::new(
                    vec![((x - h).max(x_floor), y), (x + h, y)],
                    color.stroke_width(2),
                )])
                .map_err(err)?;
        }
        if let Some(h) = p.y.1.filter(|h| *h > 0.0) {
            chart
                .draw_series([PathElement::new(
                    vec![(x, y - h), (x, y + h)],
                    color.stroke_width(2),
                )])
                .map_err(err)?;
        }
        chart
            .draw_series([EmptyElement::at((x, y)) + marker((0, 0), i)])
            .map_err(err)?;
        pixels.push(chart.backend_coord(&(x, y)));
    }
    // Each point's name beside it, clear of the others (a leader line when set apart).
    let bounds = plot_box(&chart);
    let sizes: Vec<(i32, i32)> = d
        .points
        .iter()
        .map(|p| (text_w(&p.design, LABEL_PX) + 2, text_h(LABEL_PX) + 2))
        .collect();
    let boxes = place_labels(&pixels, &sizes, bounds, 9, &[]);
    for ((p, b), point) in d.points.iter().zip(&boxes).zip(&pixels) {
        let near = b.nearest(*point);
        if (near.0 - point.0).abs() + (near.1 - point.1).abs() > 16 {
            path_abs(&area, &[*point, near], RGBColor(90, 90, 90).stroke_width(1))?;
        }
        text_abs(
            &area,
            (b.x0 + 1, b.y0 + 1),
            &p.design,
            label_font().pos(Pos::new(HPos::Left, VPos::Top)),
        )?;
    }
    place_legend(&legend, &entries, side, bounds)
}

fn draw_sweep<DB: DrawingBackend>(root: &Area<'_, DB>, d: &SweepData) -> Result<(), ReportError> {
    let xs = d.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let ys = d.lines.iter().flat_map(|l| {
        l.points.iter().flat_map(|p| {
            let h = p.2.unwrap_or(0.0);
            [p.1 - h, p.1 + h]
        })
    });
    let threshold = d.threshold.as_ref().map(|t| t.value);
    let (ylo, yhi) = span(ys.chain([0.0]).chain(threshold), 0.1);
    let (xlo, xhi) = if d.x_log {
        let (lo, hi) = span(xs.filter(|x| *x > 0.0), 0.0);
        (lo.max(1e-9) / 1.2, hi.max(1e-9) * 1.2)
    } else {
        span(xs, 0.02)
    };
    let mut entries: Vec<Entry> = d
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| entry(l.design.clone(), Swatch::Line(i)))
        .collect();
    if let Some(t) = &d.threshold {
        entries.push(entry(format!("objective: {}", t.label), Swatch::Rule));
    }
    let (area, legend, side) = with_legend(root, &entries);
    let mut chart = plot(
        &area,
        Frame::SINGLE,
        &AxisSpec::new(xlo, xhi, d.x_log, Some(d.parameter.as_str())),
        &AxisSpec::new(ylo.max(0.0), yhi, false, Some(d.metric.as_str())),
        true,
    )?;
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
        design_line(&mut chart, line_points(&pts), i)?;
    }
    if let Some(t) = &d.threshold {
        let (x0, x1) = (chart.x_range().start, chart.x_range().end);
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
            .draw_series((0..n).step_by(2).map(|k| {
                PathElement::new(
                    vec![(at(k), t.value), (at(k + 1), t.value)],
                    THRESHOLD.stroke_width(2),
                )
            }))
            .map_err(err)?;
    }
    place_legend(&legend, &entries, side, plot_box(&chart))
}

/// A chart with its SVG.
#[derive(Clone, Debug, PartialEq)]
pub struct Rendered {
    /// What was drawn.
    pub spec: ChartSpec,
    /// The SVG document.
    pub svg: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;
    use crate::format::{escape, slug};
    use crate::run_charts::charts;

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
            results::StoreSummary {
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
            results::StoreSummary {
                replication_lag_cdf: vec![[0.0, 0.0], [2.0, 0.5], [10.0, 1.0]],
                visibility: vec![
                    results::VisibilityBin {
                        after_ms: 0.0,
                        before_ms: Some(1.0),
                        reads: 10,
                        fresh_fraction: 0.5,
                    },
                    results::VisibilityBin {
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

    /// The tick labels of each axis of an SVG chart: runs of consecutive numeric texts
    /// right-aligned at one x (a y axis) or centred at one y (an x axis).
    fn axes(svg: &str) -> Vec<Vec<String>> {
        let numeric = |t: &str| t.replace(',', "").parse::<f64>().is_ok();
        let mut out: Vec<(String, f64, Vec<String>)> = Vec::new();
        for b in crate::text::svg_boxes(svg) {
            if !numeric(&b.text) || b.anchor == "start" {
                continue;
            }
            let key = if b.anchor == "end" { b.at.0 } else { b.at.1 };
            match out.last_mut() {
                Some((a, k, labels)) if *a == b.anchor && *k == key => labels.push(b.text),
                _ => out.push((b.anchor, key, vec![b.text])),
            }
        }
        out.into_iter().map(|(_, _, l)| l).collect()
    }

    /// Every axis of `spec` has at least three tick labels, all different; `expected` axes.
    fn assert_ticks(spec: &ChartSpec, expected: usize) {
        let svg = svg(spec).unwrap();
        let axes = axes(&svg);
        let labelled: Vec<&Vec<String>> = axes.iter().filter(|a| a.len() >= 2).collect();
        assert_eq!(
            labelled.len(),
            expected,
            "{}: axes with tick labels: {axes:?}",
            spec.id
        );
        for a in labelled {
            let distinct: std::collections::BTreeSet<&String> = a.iter().collect();
            assert!(
                a.len() >= 3 && distinct.len() == a.len(),
                "{}: {a:?}",
                spec.id
            );
        }
    }

    /// No two texts of `svg` overlap and none leaves the canvas.
    fn assert_clear(id: &str, svg: &str) {
        let (w, h) = crate::text::svg_size(svg).unwrap();
        let boxes = crate::text::svg_boxes(svg);
        assert!(!boxes.is_empty());
        for b in &boxes {
            assert!(b.within(w, h, 0.5), "{id}: {b:?} leaves the {w}×{h} canvas");
        }
        let pairs = crate::text::overlapping(&boxes, 0.5);
        assert!(pairs.is_empty(), "{id}: overlapping labels {pairs:#?}");
    }

    fn row(start_s: f64, ok: u64, failed: u64, mean: f64, p99: f64) -> WindowRow {
        WindowRow {
            start_s,
            issued: ok + failed,
            ok,
            error: failed,
            latency_mean_ms: (ok > 0).then_some(mean),
            latency_p99_ms: (ok > 0).then_some(p99),
            ..WindowRow::default()
        }
    }

    #[test]
    fn every_axis_has_three_distinct_tick_labels_even_for_near_constant_data() {
        let timeline = Timeline {
            duration_s: 60.0,
            warmup_s: 5.0,
            window_s: 1.0,
            faults: Vec::new(),
        };
        // Latencies between 20 and 60 ms: no power of ten on the log axis (the event
        // pipeline's CDF had no x tick label).
        let cdf = ChartSpec {
            id: "cdf".into(),
            title: "cdf".into(),
            caption: String::new(),
            kind: ChartKind::Cdf(vec![CdfLine {
                design: "pipeline".into(),
                points: vec![[21.0, 0.0], [30.0, 0.5], [44.0, 0.99], [58.0, 1.0]],
                p50: 30.0,
                p99: 44.0,
            }]),
        };
        assert_ticks(&cdf, 2);
        // A steady design: latency flat around 1.5 ms (the panel showed only "1"), no
        // failures at all, throughput flat.
        let steady = |mean: f64, p99: f64| ChartSpec {
            id: "series".into(),
            title: "series".into(),
            caption: String::new(),
            kind: ChartKind::Series(SeriesData {
                timeline: timeline.clone(),
                index: 0,
                rows: (0..60)
                    .map(|k| {
                        row(
                            k as f64,
                            200 + (k % 3),
                            0,
                            mean + 0.01 * (k % 2) as f64,
                            p99,
                        )
                    })
                    .collect(),
            }),
        };
        assert_ticks(&steady(1.45, 1.7), 6);
        assert_ticks(&steady(21.0, 26.0), 6);
        // Availability between 98.8% and 100% (the axis read "96, 96, 97, 98, 98").
        let availability = ChartSpec {
            id: "availability".into(),
            title: "availability".into(),
            caption: String::new(),
            kind: ChartKind::Availability(AvailabilityData {
                timeline: timeline.clone(),
                lines: vec![
                    (
                        "a".into(),
                        (0..60).map(|k| (k as f64 + 0.5, Some(100.0))).collect(),
                    ),
                    (
                        "b".into(),
                        (0..60)
                            .map(|k| (k as f64 + 0.5, Some(if k == 20 { 98.8 } else { 100.0 })))
                            .collect(),
                    ),
                ],
            }),
        };
        assert_ticks(&availability, 2);
        for spec in charts(&sample(), None) {
            let expected = match spec.kind {
                ChartKind::Series(_) => 6,
                ChartKind::Bars(_) => 3,
                _ => 2,
            };
            assert_ticks(&spec, expected);
        }
    }

    #[test]
    fn tick_labels_carry_the_decimals_they_need() {
        assert_eq!(tick_label(0.1 + 0.2), "0.3");
        assert_eq!(tick_label(2.5), "2.5");
        assert_eq!(tick_label(0.025), "0.025");
        assert_eq!(tick_label(12_500.0), "12,500");
        assert_eq!(tick_label(-1500.0), "-1,500");
        assert_eq!(tick_label(-0.0), "0");
        let axis = Axis::bare(96.0, 101.0, false).fitted(400.0, false, &|_| 16.0, &|v| v <= 100.0);
        assert_eq!(axis.ticks.last().copied(), Some(100.0));
        let labels: Vec<String> = axis.ticks.iter().map(|t| tick_label(*t)).collect();
        assert!(labels.len() >= 3, "{labels:?}");
        let log = Axis::bare(0.8, 2.6, true).fitted(150.0, false, &|_| 16.0, &|_| true);
        assert!(log.ticks.len() >= 3, "{:?}", log.ticks);
    }

    /// `(cx, cy)` of each marker of a trade-off chart: circles of radius 7, filled 12 px
    /// squares and triangles.
    fn markers(svg: &str) -> Vec<(f64, f64)> {
        let num = |tag: &str, name: &str| -> Option<f64> {
            let p = format!(" {name}=\"");
            let at = tag.find(&p)? + p.len();
            tag[at..].split('"').next()?.parse().ok()
        };
        let mut out = Vec::new();
        for tag in svg.split('<').skip(1) {
            if tag.starts_with("circle") && num(tag, "r") == Some(7.0) {
                out.extend(num(tag, "cx").zip(num(tag, "cy")));
            } else if tag.starts_with("rect")
                && num(tag, "width") == Some(12.0)
                && num(tag, "height") == Some(12.0)
                && !tag.contains("fill=\"none\"")
            {
                out.extend(
                    num(tag, "x")
                        .zip(num(tag, "y"))
                        .map(|(x, y)| (x + 6.0, y + 6.0)),
                );
            } else if tag.starts_with("polygon") {
                let Some(points) = tag
                    .split("points=\"")
                    .nth(1)
                    .and_then(|p| p.split('"').next())
                else {
                    continue;
                };
                let xy: Vec<f64> = points
                    .split([' ', ','])
                    .filter_map(|v| v.parse().ok())
                    .collect();
                if xy.len() == 6 {
                    out.push(((xy[0] + xy[2] + xy[4]) / 3.0, (xy[1] + xy[3] + xy[5]) / 3.0));
                }
            }
        }
        out
    }

    /// The legend's frame: the rectangle stroked in gray and not filled.
    fn legend_frame(svg: &str) -> (f64, f64, f64, f64) {
        let tag = svg
            .split('<')
            .find(|t| t.starts_with("rect") && t.contains("stroke=\"#787878\""))
            .expect("a framed legend");
        let num = |name: &str| -> f64 {
            let p = format!(" {name}=\"");
            let at = tag.find(&p).unwrap() + p.len();
            tag[at..].split('"').next().unwrap().parse().unwrap()
        };
        (
            num("x"),
            num("y"),
            num("x") + num("width"),
            num("y") + num("height"),
        )
    }

    #[test]
    fn trade_off_labels_and_legend_stay_clear_of_each_other_and_the_points() {
        let est = |x: f64, y: f64| ((x, None), (y, None));
        type Points<'a> = Vec<(&'a str, (Estimate, Estimate))>;
        let cases: Vec<(&str, Points)> = vec![
            // cap-partition: ap and ap-siblings on the same spot at the top right, cp at
            // the bottom left where the legend used to sit.
            (
                "cap-partition",
                vec![
                    ("cp (linearizable)", est(0.0, 74.4)),
                    ("ap (violation)", est(24.4, 100.0)),
                    ("ap-siblings (violation)", est(24.4, 100.0)),
                ],
            ),
            (
                "primary-failover",
                vec![
                    ("async (violation)", est(2.9, 99.2)),
                    ("sync-all (linearizable)", est(0.0, 88.1)),
                    ("sync-majority (linearizable)", est(0.0, 96.2)),
                ],
            ),
            // Six designs crowded into one corner.
            (
                "crowd",
                (0..6)
                    .map(|k| {
                        let name = [
                            "alpha",
                            "beta-two",
                            "gamma",
                            "delta-four",
                            "epsilon",
                            "zeta-6",
                        ][k];
                        (
                            name,
                            est(10.0 + 0.1 * k as f64, 99.0 + 0.05 * (k % 2) as f64),
                        )
                    })
                    .chain([("far", est(0.0, 50.0))])
                    .collect(),
            ),
        ];
        for (id, points) in cases {
            let spec = cap_chart(
                "stale reads (% of reads)",
                points
                    .iter()
                    .map(|(n, (x, y))| (n.to_string(), *x, *y))
                    .collect(),
            );
            let svg = svg(&spec).unwrap();
            assert_clear(id, &svg);
            let boxes = crate::text::svg_boxes(&svg);
            // Each design's name is shown twice: beside its point and in the legend.
            for (name, _) in &points {
                assert_eq!(
                    boxes.iter().filter(|b| b.text == *name).count(),
                    2,
                    "{id}: {name}"
                );
            }
            let markers = markers(&svg);
            assert_eq!(markers.len(), 2 * points.len(), "{id}: {markers:?}");
            // The legend covers only its own swatches, no point of the plot.
            let (x0, y0, x1, y1) = legend_frame(&svg);
            let covered = markers
                .iter()
                .filter(|(x, y)| *x >= x0 && *x <= x1 && *y >= y0 && *y <= y1)
                .count();
            assert_eq!(covered, points.len(), "{id}: the legend covers a point");
            // No label covers a marker.
            for b in &boxes {
                for (x, y) in &markers {
                    assert!(
                        !(*x > b.x0 && *x < b.x1 && *y > b.y0 && *y < b.y1),
                        "{id}: {b:?} covers the marker at ({x}, {y})"
                    );
                }
            }
        }
    }

    #[test]
    fn bars_of_many_designs_keep_their_labels_apart() {
        let names = [
            "monolith",
            "monolith-queue",
            "sync-sequential",
            "parallel-fanout",
            "distributed-cache",
            "event-sourced",
            "cqrs-with-projections",
            "x",
        ];
        for n in [5, 6, 8] {
            let designs: Vec<String> = names[..n].iter().map(|s| s.to_string()).collect();
            let panel = |label: &str, scale: f64| BarPanel {
                label: label.to_string(),
                values: (0..n)
                    .map(|i| (scale * (i + 1) as f64, Some(scale * 0.1)))
                    .collect(),
            };
            let spec = ChartSpec {
                id: "bars".into(),
                title: "Failures and latency per design".into(),
                caption: String::new(),
                kind: ChartKind::Bars(BarsData {
                    designs,
                    subtitle: "single run, no confidence interval".into(),
                    panels: vec![
                        panel("failure rate (%)", 0.37),
                        panel("mean latency (ms)", 1234.5),
                        panel("p99 latency (ms)", 98_765.4),
                    ],
                }),
            };
            let svg = svg(&spec).unwrap();
            assert_clear(&format!("{n} designs"), &svg);
            let texts: Vec<String> = crate::text::svg_boxes(&svg)
                .into_iter()
                .map(|b| b.text)
                .collect();
            for name in &names[..n] {
                let shown = texts
                    .iter()
                    .filter(|t| name.starts_with(t.trim_end_matches('…')) || t.contains(name))
                    .count();
                assert!(
                    shown >= 3,
                    "{n} designs: {name} under each panel: {texts:?}"
                );
            }
            assert_ticks(&spec, 3);
        }
    }

    #[test]
    fn no_text_of_the_run_charts_overlaps_or_leaves_the_canvas() {
        let mut r = sample();
        r.faults.push(results::FaultWindow {
            start_s: 11.2,
            end_s: Some(13.0),
            kind: "partition".to_string(),
            label: "partition [app#0, kv#0, kv#1] | [app#1, kv#2]".to_string(),
        });
        r.faults.push(results::FaultWindow {
            start_s: 68.0,
            end_s: None,
            kind: "crash".to_string(),
            label: "crash the last replica standing".to_string(),
        });
        for spec in charts(&r, None) {
            assert_clear(&spec.id, &svg(&spec).unwrap());
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
