//! Space-time (Lamport) diagrams as SVG: one vertical lane per node, time flowing down,
//! an arrow per message from its sending instant on one lane to its arrival on another.
//! Dropped messages end in a cross (partitioned or lost: right after leaving; at a down
//! node: at the receiver), crashes and pauses are drawn on their lane, partitions as a
//! labelled band, and client operations as bars beside their client's lane, the ones of a
//! counter-example in orange.
//!
//! Time is compressed: the instants that matter (messages sent and received, operations,
//! faults) are drawn in proportion within a stretch, at the scale where the median message
//! is 36 pixels tall, and a gap that would be taller than 110 pixels is cut to a
//! break marked ≈ with the time it skips. Every label (operations, faults, messages, times)
//! is placed clear of the others and inside the canvas: tried at several spots, and when
//! none is free, room is made before its instant and the layout is done again. Notes (the
//! checker's explanation) are wrapped whole under the title. Above 80 messages,
//! only those of the counter-example's lanes while its operations ran are labelled; the
//! others are drawn faded.
//!
//! Pure: the same [`Diagram`] gives the same bytes (coordinates rounded to whole pixels).

use sim_core::message_log::{Fate, MessageRecord};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// What became of a drawn message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowFate {
    /// It arrived.
    Delivered,
    /// It was still on the wire at the window's end (or when the run ended).
    InFlight,
    /// Dropped by a partition at send time.
    Partitioned,
    /// Lost at random at send time.
    Lost,
    /// Arrived at a node that was down.
    DroppedAtDownNode,
}

/// A message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// Sender lane.
    pub from: usize,
    /// Receiver lane.
    pub to: usize,
    /// When sent, ns.
    pub sent_ns: u64,
    /// When it arrived or was due, ns (`None`: dropped at send time).
    pub arrive_ns: Option<u64>,
    /// A short text.
    pub label: String,
    /// Its fate.
    pub fate: ArrowFate,
}

impl Arrow {
    /// The arrow of a recorded message between lanes `from` and `to`.
    pub fn of_record(m: &MessageRecord, from: usize, to: usize, label: String) -> Arrow {
        let (arrive_ns, fate) = match m.fate {
            Fate::Delivered { at } => (Some(at.as_nanos()), ArrowFate::Delivered),
            Fate::InFlight { arrive_at } => (Some(arrive_at.as_nanos()), ArrowFate::InFlight),
            Fate::DroppedAtDownNode { at } => (Some(at.as_nanos()), ArrowFate::DroppedAtDownNode),
            Fate::Lost => (None, ArrowFate::Lost),
            Fate::Partitioned => (None, ArrowFate::Partitioned),
        };
        Arrow {
            from,
            to,
            sent_ns: m.sent_at.as_nanos(),
            arrive_ns,
            label,
            fate,
        }
    }
}

/// What a span marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// The node is down.
    Crash,
    /// The node is paused.
    Pause,
    /// A partition (drawn across every lane).
    Partition,
}

/// Something that lasts: a crash or pause of one lane, or a partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The lane (ignored for partitions).
    pub lane: usize,
    /// Start, ns.
    pub from_ns: u64,
    /// End, ns.
    pub to_ns: u64,
    /// A label (`partition [app#0, kv#0] | [app#1, kv#2]`).
    pub label: String,
    /// What it is.
    pub kind: SpanKind,
}

/// A client operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpMark {
    /// The client's lane.
    pub lane: usize,
    /// Invocation, ns.
    pub invoke_ns: u64,
    /// Completion, ns (`None`: no answer).
    pub complete_ns: Option<u64>,
    /// `write(k0, 12) → ok`.
    pub label: String,
    /// Part of the counter-example.
    pub culprit: bool,
}

/// A diagram of the window `[from_ns, to_ns]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagram {
    /// The title.
    pub title: String,
    /// Window start, ns.
    pub from_ns: u64,
    /// Window end, ns.
    pub to_ns: u64,
    /// Lane names, left to right.
    pub lanes: Vec<String>,
    /// Messages.
    pub arrows: Vec<Arrow>,
    /// Crashes, pauses, partitions.
    pub spans: Vec<Span>,
    /// Client operations.
    pub ops: Vec<OpMark>,
    /// Paragraphs under the title, wrapped whole to the width (the checker's "why:").
    pub notes: Vec<String>,
}

/// Lanes are this far apart, in pixels.
const LANE_W: f64 = 170.0;
/// The narrowest canvas, in pixels.
const MIN_WIDTH: f64 = 760.0;
/// Right margin.
const RIGHT: f64 = 24.0;
/// Above this many messages, only the counter-example's are labelled; the others fade.
const MAX_LABELS: usize = 80;
/// The median message is drawn this tall (the time scale of the proportional parts).
const MESSAGE_PX: f64 = 36.0;
/// A gap between events that would be drawn taller than this is cut to a break.
const MAX_GAP_PX: f64 = 110.0;
/// The height of a break.
const BREAK_PX: f64 = 40.0;
/// Consecutive distinct instants are at least this far apart.
const MIN_STEP_PX: f64 = 3.0;
/// Font sizes (px): title, notes, lane names, operations and spans, messages, times.
const TITLE_PX: f64 = 15.0;
const NOTE_PX: f64 = 11.0;
const LANE_PX: f64 = 12.0;
const OP_PX: f64 = 11.0;
const MESSAGE_LABEL_PX: f64 = 10.0;
const TIME_PX: f64 = 10.0;
/// Bold text is drawn wider than the regular face measures.
const BOLD: f64 = 1.12;
/// Rounds of making room before labels that still find no place are left out.
const ROUNDS: usize = 80;

use crate::format::escape as esc;

fn ms(ns: u64) -> String {
    format!("{}.{:03}", ns / 1_000_000, (ns / 1_000) % 1_000)
}

/// A duration in ms with at most 3 decimals, trailing zeros trimmed (`0.6`, `287.25`).
fn ms_short(ns: u64) -> String {
    crate::format::trimmed(ns as f64 / 1e6, 3)
}

/// Words of `text` in lines of at most `width` pixels at `size` px (a word longer than a
/// line is cut between characters).
pub fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if crate::text::width(&candidate, size) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            if !line.is_empty() && crate::text::width(&format!("{line}{c}"), size) > width {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A box, in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn hits(&self, o: &Rect) -> bool {
        self.x0 - 1.0 < o.x1 && o.x0 - 1.0 < self.x1 && self.y0 - 1.0 < o.y1 && o.y0 - 1.0 < self.y1
    }
}

/// How a text is anchored horizontally.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Anchor {
    Start,
    Middle,
    End,
}

/// A text to draw: its anchor point (baseline), size and style.
#[derive(Clone, Debug, PartialEq)]
struct Label {
    text: String,
    x: f64,
    y: f64,
    anchor: Anchor,
    size: f64,
    bold: bool,
    fill: &'static str,
    /// A white backing so lines under it do not cross the letters.
    backed: bool,
}

impl Label {
    fn width(&self) -> f64 {
        let w = crate::text::width(&self.text, self.size);
        if self.bold {
            w * BOLD
        } else {
            w
        }
    }

    fn rect(&self) -> Rect {
        let w = self.width();
        let x0 = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - w / 2.0,
            Anchor::End => self.x - w,
        };
        Rect {
            x0,
            y0: self.y - crate::text::ASCENT_EM * self.size,
            x1: x0 + w,
            y1: self.y + crate::text::DESCENT_EM * self.size,
        }
    }

    fn svg(&self, s: &mut String) {
        let r = self.rect();
        if self.backed {
            let _ = write!(
                s,
                "<rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" fill=\"white\" \
                 fill-opacity=\"0.85\"/>",
                r.x0 - 1.0,
                r.y0,
                r.x1 - r.x0 + 2.0,
                r.y1 - r.y0
            );
        }
        let anchor = match self.anchor {
            Anchor::Start => "",
            Anchor::Middle => " text-anchor=\"middle\"",
            Anchor::End => " text-anchor=\"end\"",
        };
        let weight = if self.bold {
            " font-weight=\"bold\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\"{anchor} font-size=\"{}\"{weight} fill=\"{}\">{}</text>",
            self.x,
            self.y,
            self.size,
            self.fill,
            esc(&self.text)
        );
    }
}

/// The compressed time axis: the instants that matter, each at a height; a gap that would
/// be drawn taller than [`MAX_GAP_PX`] is cut to a break of [`BREAK_PX`].
#[derive(Clone, Debug)]
struct TimeAxis {
    /// Instants, increasing.
    t: Vec<u64>,
    /// Their heights, increasing.
    y: Vec<f64>,
    /// Breaks: between instants `i` and `i + 1`, drawn from the first height to the
    /// second ([`BREAK_PX`]; room made for labels comes after it).
    breaks: Vec<(usize, f64, f64)>,
}

impl TimeAxis {
    fn new(times: &[u64], px_per_ns: f64, room: &BTreeMap<u64, f64>, top: f64) -> TimeAxis {
        let mut y = Vec::with_capacity(times.len());
        let mut breaks = Vec::new();
        let mut at = top
            + room
                .get(times.first().unwrap_or(&0))
                .copied()
                .unwrap_or(0.0);
        for (i, t) in times.iter().enumerate() {
            if i > 0 {
                let gap = (t - times[i - 1]) as f64 * px_per_ns;
                let h = if gap > MAX_GAP_PX {
                    breaks.push((i - 1, at, at + BREAK_PX));
                    BREAK_PX
                } else {
                    gap.max(MIN_STEP_PX)
                };
                at += h + room.get(t).copied().unwrap_or(0.0);
            }
            y.push(at);
        }
        TimeAxis {
            t: times.to_vec(),
            y,
            breaks,
        }
    }

    /// The height of instant `ns` (between instants: in proportion; outside: the ends).
    fn at(&self, ns: u64) -> f64 {
        match self.t.binary_search(&ns) {
            Ok(i) => self.y[i],
            Err(0) => self.y.first().copied().unwrap_or(0.0),
            Err(i) if i >= self.t.len() => self.y.last().copied().unwrap_or(0.0),
            Err(i) => {
                let (t0, t1) = (self.t[i - 1], self.t[i]);
                let f = (ns - t0) as f64 / (t1 - t0) as f64;
                self.y[i - 1] + f * (self.y[i] - self.y[i - 1])
            }
        }
    }

    /// The stretch between breaks that instant `ns` falls in (none inside a break or
    /// outside the axis).
    fn stretch(&self, ns: u64) -> Option<usize> {
        let (first, last) = (*self.t.first()?, *self.t.last()?);
        if ns < first || ns > last {
            return None;
        }
        let mut k = 0;
        for &(i, _, _) in &self.breaks {
            if ns >= self.t[i + 1] {
                k += 1;
            } else if ns > self.t[i] {
                return None;
            }
        }
        Some(k)
    }

    fn bottom(&self) -> f64 {
        self.y.last().copied().unwrap_or(0.0)
    }
}

/// Labels placed so far, and the area they must stay in.
struct Placer {
    placed: Vec<Rect>,
    bounds: Rect,
}

impl Placer {
    fn fits(&self, r: &Rect) -> bool {
        r.x0 >= self.bounds.x0
            && r.x1 <= self.bounds.x1
            && r.y0 >= self.bounds.y0
            && r.y1 <= self.bounds.y1
            && !self.placed.iter().any(|p| p.hits(r))
    }

    /// The first candidate that fits, shifted inside the bounds horizontally if it sticks
    /// out; placed and returned.
    fn take(&mut self, candidates: Vec<Label>) -> Option<Label> {
        for mut l in candidates {
            let r = l.rect();
            if r.x0 < self.bounds.x0 {
                l.x += self.bounds.x0 - r.x0;
            } else if r.x1 > self.bounds.x1 {
                l.x -= r.x1 - self.bounds.x1;
            }
            let r = l.rect();
            if self.fits(&r) {
                self.placed.push(r);
                return Some(l);
            }
        }
        None
    }
}

/// Where the diagram's parts go, once every label has found a place.
struct Layout {
    axis: TimeAxis,
    labels: Vec<Label>,
    /// Labels that found no place even after making room.
    left_out: usize,
}

impl Diagram {
    fn x(&self, left: f64, lane: usize) -> f64 {
        left + self.lead() + lane as f64 * LANE_W
    }

    /// From the time column to the first lane: half a lane, or room for the first lane's
    /// operation labels beside their bars.
    fn lead(&self) -> f64 {
        let widest = self
            .ops
            .iter()
            .filter(|o| o.lane == 0)
            .map(|o| crate::text::width(&o.label, OP_PX) * if o.culprit { BOLD } else { 1.0 })
            .fold(0.0, f64::max);
        (LANE_W / 2.0).max(widest + 28.0)
    }

    /// Which arrows tell the counter-example's story: all of them up to [`MAX_LABELS`];
    /// beyond, those from or to a lane of a culprit operation while it ran.
    fn story(&self) -> Vec<bool> {
        if self.arrows.len() <= MAX_LABELS {
            return vec![true; self.arrows.len()];
        }
        let culprits: Vec<(usize, u64, u64)> = self
            .ops
            .iter()
            .filter(|o| o.culprit)
            .map(|o| (o.lane, o.invoke_ns, o.complete_ns.unwrap_or(self.to_ns)))
            .collect();
        self.arrows
            .iter()
            .map(|a| {
                let end = a.arrive_ns.unwrap_or(a.sent_ns);
                culprits.iter().any(|&(lane, from, to)| {
                    (a.from == lane || a.to == lane) && a.sent_ns <= to && end >= from
                })
            })
            .collect()
    }

    /// The instants on the time axis: the story's messages, the operations in focus, and
    /// the starts and ends of spans inside the window.
    fn instants(&self, story: &[bool], focus: &[bool]) -> Vec<u64> {
        let mut times = BTreeSet::new();
        for (a, _) in self.arrows.iter().zip(story).filter(|(_, s)| **s) {
            times.insert(a.sent_ns);
            if let Some(t) = a.arrive_ns {
                times.insert(t);
            }
        }
        for (o, _) in self.ops.iter().zip(focus).filter(|(_, f)| **f) {
            times.insert(o.invoke_ns);
            if let Some(t) = o.complete_ns {
                times.insert(t);
            }
        }
        for sp in &self.spans {
            for t in [sp.from_ns, sp.to_ns] {
                if t > self.from_ns && t < self.to_ns {
                    times.insert(t);
                }
            }
        }
        if times.is_empty() {
            times.insert(self.from_ns);
            times.insert(self.to_ns.max(self.from_ns));
        }
        times.into_iter().collect()
    }

    /// Pixels per nanosecond: the median message (of the story) drawn [`MESSAGE_PX`] tall.
    fn scale(&self, story: &[bool]) -> f64 {
        let mut d: Vec<u64> = self
            .arrows
            .iter()
            .zip(story)
            .filter(|(_, s)| **s)
            .filter_map(|(a, _)| Some(a.arrive_ns?.saturating_sub(a.sent_ns)))
            .filter(|d| *d > 0)
            .collect();
        d.sort_unstable();
        let median = d
            .get(d.len() / 2)
            .copied()
            .unwrap_or_else(|| (self.to_ns.saturating_sub(self.from_ns) / 20).max(1));
        MESSAGE_PX / median.max(1) as f64
    }

    /// The candidates for an arrow's label: centred on points along it, above then below
    /// the line.
    fn arrow_candidates(
        &self,
        text: &str,
        (x0, y0): (f64, f64),
        (x1, y1): (f64, f64),
    ) -> Vec<Label> {
        let base = Label {
            text: text.to_string(),
            x: 0.0,
            y: 0.0,
            anchor: Anchor::Middle,
            size: MESSAGE_LABEL_PX,
            bold: false,
            fill: "#222",
            backed: true,
        };
        let w = base.width();
        let line_y = |x: f64| {
            if (x1 - x0).abs() < 1e-9 {
                y0
            } else {
                y0 + (x.clamp(x0.min(x1), x0.max(x1)) - x0) / (x1 - x0) * (y1 - y0)
            }
        };
        let mut out = Vec::new();
        for f in [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9] {
            let cx = x0 + f * (x1 - x0);
            let (a, b) = (line_y(cx - w / 2.0), line_y(cx + w / 2.0));
            let above = a.min(b) - 3.0 - crate::text::DESCENT_EM * MESSAGE_LABEL_PX;
            let below = a.max(b) + 3.0 + crate::text::ASCENT_EM * MESSAGE_LABEL_PX;
            for y in [above, below] {
                out.push(Label {
                    x: cx,
                    y,
                    ..base.clone()
                });
            }
        }
        out
    }

    /// Places every label on `axis`; on the first label that finds no place, returns the
    /// instant before which room is needed (unless `give_up`, which leaves it out).
    fn place(
        &self,
        axis: &TimeAxis,
        story: &[bool],
        labelled: &[bool],
        focus: &[bool],
        (left, width, top): (f64, f64, f64),
        give_up: bool,
    ) -> Result<(Vec<Label>, usize), u64> {
        let bottom = axis.bottom() + 40.0;
        let mut p = Placer {
            placed: Vec::new(),
            bounds: Rect {
                x0: left,
                y0: top,
                x1: width - 4.0,
                y1: bottom,
            },
        };
        // The breaks' strips are no place for a label.
        for &(_, y0, y1) in &axis.breaks {
            p.placed.push(Rect {
                x0: left,
                y0: y0 + 4.0,
                x1: width,
                y1: y1 - 4.0,
            });
        }
        let mut labels = Vec::new();
        let mut left_out = 0;
        // Operations first (the counter-example), beside their bars.
        for (op, _) in self.ops.iter().zip(focus).filter(|(_, f)| **f) {
            let x = self.x(left, op.lane) - 12.0;
            let y0 = axis.at(op.invoke_ns);
            let y1 = op
                .complete_ns
                .map_or(y0 + 12.0, |c| axis.at(c))
                .max(y0 + 2.0);
            let fill = if op.culprit { "#c0571a" } else { "#2c7fb8" };
            let at = |x: f64, y: f64, anchor| Label {
                text: op.label.clone(),
                x,
                y,
                anchor,
                size: OP_PX,
                bold: op.culprit,
                fill,
                backed: true,
            };
            let mid = (y0 + y1) / 2.0 + 4.0;
            let candidates = vec![
                at(x - 6.0, y0 + 8.0, Anchor::End),
                at(x - 6.0, mid, Anchor::End),
                at(x - 6.0, y0 - 4.0, Anchor::End),
                at(x - 6.0, y1 + 11.0, Anchor::End),
                at(x + 20.0, y0 - 4.0, Anchor::Start),
                at(x + 20.0, y1 + 11.0, Anchor::Start),
            ];
            match p.take(candidates) {
                Some(l) => labels.push(l),
                None if give_up => left_out += 1,
                None => return Err(op.invoke_ns),
            }
            // The bar itself is no place for another label.
            p.placed.push(Rect {
                x0: x - 3.0,
                y0,
                x1: x + 3.0,
                y1,
            });
        }
        // Spans: a crash or pause beside its lane, a partition at its band's top.
        let first = axis.t.first().copied().unwrap_or(self.from_ns);
        for sp in &self.spans {
            // A span under way before the first instant is labelled at the plot's top.
            let (y0, room_at) = if sp.from_ns <= first {
                (top, first)
            } else {
                (axis.at(sp.from_ns), sp.from_ns)
            };
            let (text, x, fill) = match sp.kind {
                SpanKind::Partition => (
                    format!(
                        "{} ({} ms to {} ms)",
                        sp.label,
                        ms(sp.from_ns),
                        ms(sp.to_ns)
                    ),
                    left + 4.0,
                    "#a33",
                ),
                SpanKind::Crash => (sp.label.clone(), self.x(left, sp.lane) + 6.0, "#c00"),
                SpanKind::Pause => (sp.label.clone(), self.x(left, sp.lane) + 6.0, "#b06f00"),
            };
            let at = |y: f64| Label {
                text: text.clone(),
                x,
                y,
                anchor: Anchor::Start,
                size: OP_PX,
                bold: false,
                fill,
                backed: true,
            };
            let candidates = (0..8).map(|k| at(y0 + 12.0 + 14.0 * k as f64)).collect();
            match p.take(candidates) {
                Some(l) => labels.push(l),
                None if give_up => left_out += 1,
                None => return Err(room_at),
            }
        }
        // Messages.
        for ((a, _), _) in self
            .arrows
            .iter()
            .zip(story)
            .zip(labelled)
            .filter(|((_, s), l)| **s && **l)
        {
            let fate = match a.fate {
                ArrowFate::Partitioned => " ×partition",
                ArrowFate::Lost => " ×lost",
                ArrowFate::DroppedAtDownNode => " ×down",
                _ => "",
            };
            let (from, to) = self.ends(a, left, axis);
            let text = format!("{}{fate}", a.label);
            match p.take(self.arrow_candidates(&text, from, to)) {
                Some(l) => labels.push(l),
                None if give_up => left_out += 1,
                None => return Err(a.sent_ns),
            }
        }
        Ok((labels, left_out))
    }

    /// Where an arrow starts and ends (a dropped one: a stub a third of the way).
    fn ends(&self, a: &Arrow, left: f64, axis: &TimeAxis) -> ((f64, f64), (f64, f64)) {
        let (x0, y0) = (self.x(left, a.from), axis.at(a.sent_ns));
        let (x1, y1) = match a.arrive_ns {
            Some(t) => (self.x(left, a.to), axis.at(t)),
            None => (self.x(left, a.to), y0 + 8.0),
        };
        match a.fate {
            ArrowFate::Partitioned | ArrowFate::Lost => {
                ((x0, y0), (x0 + (x1 - x0) / 3.0, y0 + (y1 - y0) / 3.0))
            }
            _ => ((x0, y0), (x1, y1)),
        }
    }

    /// The time axis and the labels: room is made before an instant whose label finds no
    /// place, round after round; what still finds none is left out and counted.
    fn layout(
        &self,
        story: &[bool],
        labelled: &[bool],
        focus: &[bool],
        geometry: (f64, f64, f64),
    ) -> Layout {
        let times = self.instants(story, focus);
        let scale = self.scale(story);
        let plot_top = geometry.2 + 28.0;
        let mut room: BTreeMap<u64, f64> = BTreeMap::new();
        let step = MESSAGE_LABEL_PX + 6.0;
        for round in 0..=ROUNDS {
            let axis = TimeAxis::new(&times, scale, &room, plot_top);
            match self.place(&axis, story, labelled, focus, geometry, round == ROUNDS) {
                Ok((labels, left_out)) => {
                    return Layout {
                        axis,
                        labels,
                        left_out,
                    }
                }
                Err(t) => {
                    // Room before the first instant at or after `t` on the axis.
                    let at = times
                        .iter()
                        .copied()
                        .find(|x| *x >= t)
                        .or(times.last().copied())
                        .unwrap_or(t);
                    *room.entry(at).or_default() += step;
                }
            }
        }
        let axis = TimeAxis::new(&times, scale, &room, plot_top);
        Layout {
            axis,
            labels: Vec::new(),
            left_out: 0,
        }
    }

    /// The SVG document: a compressed time axis (stretches without events cut to a marked
    /// break, the rest in proportion), every label placed clear of the others and inside
    /// the canvas, the notes (the checker's explanation) wrapped whole under the title.
    /// Above 80 messages, only the counter-example's are labelled and drawn
    /// dark, the others faded.
    pub fn svg(&self) -> String {
        let story = self.story();
        let fading = self.arrows.len() > MAX_LABELS && story.iter().any(|s| *s);
        let story: Vec<bool> = if self.arrows.len() > MAX_LABELS && !fading {
            // No counter-example to single out: every message in full, none labelled.
            vec![true; self.arrows.len()]
        } else {
            story
        };
        let labelled: Vec<bool> = if self.arrows.len() > MAX_LABELS && !fading {
            vec![false; self.arrows.len()]
        } else {
            vec![true; self.arrows.len()]
        };
        // Operations in focus: all of them, or when messages fade, the counter-example's
        // (the others are drawn faded, unlabelled, where the axis has room for them).
        let focus: Vec<bool> = self.ops.iter().map(|o| !fading || o.culprit).collect();
        // Horizontal geometry: the time column as wide as its longest label.
        let times = self.instants(&story, &focus);
        let time_w = times
            .iter()
            .map(|t| format!("{} ms", ms(*t)))
            .chain(times.windows(2).map(|w| break_label(w[1] - w[0])))
            .map(|t| crate::text::width(&t, TIME_PX))
            .fold(0.0, f64::max);
        let left = (time_w + 16.0).max(90.0);
        let width = (left + self.lead() + (self.lanes.len().max(1) as f64 - 0.5) * LANE_W + RIGHT)
            .max(MIN_WIDTH);
        // The header: title, notes and the key, wrapped to the width.
        let text_w = width - 24.0;
        let mut header: Vec<Label> = Vec::new();
        let mut y = 24.0;
        for line in wrap(&self.title, text_w / BOLD, TITLE_PX) {
            header.push(Label {
                text: line,
                x: 12.0,
                y,
                anchor: Anchor::Start,
                size: TITLE_PX,
                bold: true,
                fill: "#000",
                backed: false,
            });
            y += TITLE_PX + 5.0;
        }
        for note in &self.notes {
            for line in wrap(note, text_w, NOTE_PX) {
                header.push(Label {
                    text: line,
                    x: 12.0,
                    y,
                    anchor: Anchor::Start,
                    size: NOTE_PX,
                    bold: false,
                    fill: "#222",
                    backed: false,
                });
                y += NOTE_PX + 4.0;
            }
            y += 3.0;
        }
        let key = format!(
            "time flows down from {} ms to {} ms; ≈ marks a stretch with nothing drawn, cut short · arrows are \
             messages, × dropped · orange bars: the counter-example's operations{}",
            ms(self.from_ns),
            ms(self.to_ns),
            if fading {
                " · faded: other messages sent meanwhile"
            } else {
                ""
            }
        );
        for line in wrap(&key, text_w, NOTE_PX) {
            header.push(Label {
                text: line,
                x: 12.0,
                y,
                anchor: Anchor::Start,
                size: NOTE_PX,
                bold: false,
                fill: "#555",
                backed: false,
            });
            y += NOTE_PX + 4.0;
        }
        let lanes_y = y + 14.0;
        let layout = self.layout(&story, &labelled, &focus, (left, width, lanes_y + 6.0));
        let axis = &layout.axis;
        let plot_top = lanes_y + 8.0;
        let plot_bottom = axis.bottom() + 30.0;
        let height = plot_bottom + 24.0 + if layout.left_out > 0 { 16.0 } else { 0.0 };
        let right = width - RIGHT / 2.0;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
             viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">"
        );
        s.push_str(
            "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n",
        );
        let _ = writeln!(
            s,
            "<rect width=\"{width:.0}\" height=\"{height:.0}\" fill=\"white\"/>"
        );
        for l in &header {
            l.svg(&mut s);
        }
        // The vertical extent of an instant, clamped to the plot.
        let y_of = |ns: u64| -> f64 {
            if ns <= self.from_ns && axis.t.first().is_some_and(|t| *t > ns) {
                plot_top
            } else if ns >= self.to_ns && axis.t.last().is_some_and(|t| *t < ns) {
                plot_bottom
            } else {
                axis.at(ns)
            }
        };
        // Partitions: a band across the lanes.
        for sp in self.spans.iter().filter(|s| s.kind == SpanKind::Partition) {
            let (y0, y1) = (y_of(sp.from_ns), y_of(sp.to_ns));
            let _ = writeln!(
                s,
                "<rect x=\"{left:.0}\" y=\"{y0:.0}\" width=\"{:.0}\" height=\"{:.0}\" fill=\"#fde8e8\"/>",
                right - left,
                (y1 - y0).max(1.0),
            );
        }
        // Breaks: a gray strip with a zigzag, the time skipped in the time column.
        let mut time_labels = Placer {
            placed: Vec::new(),
            bounds: Rect {
                x0: 2.0,
                y0: plot_top - 12.0,
                x1: left - 4.0,
                y1: height,
            },
        };
        let mut times: Vec<Label> = Vec::new();
        for &(i, y0, y1) in &axis.breaks {
            let mid = (y0 + y1) / 2.0;
            let _ = writeln!(
                s,
                "<rect x=\"{:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" fill=\"#f2f2f2\"/>",
                left,
                y0 + 6.0,
                right - left,
                (y1 - y0 - 12.0).max(1.0)
            );
            let mut zig = format!("M{left:.0} {mid:.0}");
            let mut x = left;
            let mut up = true;
            while x < right {
                x += 8.0;
                let _ = write!(
                    zig,
                    " L{x:.0} {:.0}",
                    if up { mid - 4.0 } else { mid + 4.0 }
                );
                up = !up;
            }
            let _ = writeln!(
                s,
                "<path d=\"{zig}\" fill=\"none\" stroke=\"#999\" stroke-width=\"1\"/>"
            );
            let gap = axis.t[i + 1] - axis.t[i];
            if let Some(l) = time_labels.take(vec![Label {
                text: break_label(gap),
                x: left - 8.0,
                y: mid + 4.0,
                anchor: Anchor::End,
                size: TIME_PX,
                bold: false,
                fill: "#777",
                backed: false,
            }]) {
                times.push(l);
            }
        }
        // The time column: each stretch's first instant in full, the next ones as offsets
        // from it, where they fit.
        let mut anchor = None;
        let focused = || {
            self.ops
                .iter()
                .zip(&focus)
                .filter(|(_, f)| **f)
                .map(|(o, _)| o)
        };
        let mut key_times: BTreeSet<u64> = focused().map(|o| o.invoke_ns).collect();
        key_times.extend(focused().filter_map(|o| o.complete_ns));
        key_times.extend(
            self.arrows
                .iter()
                .zip(&story)
                .filter(|(_, s)| **s)
                .map(|(a, _)| a.sent_ns),
        );
        for (i, t) in axis.t.iter().enumerate() {
            if i == 0 || axis.breaks.iter().any(|b| b.0 + 1 == i) {
                anchor = None;
            }
            if !key_times.contains(t) && anchor.is_some() {
                continue;
            }
            let text = match anchor {
                None => format!("{} ms", ms(*t)),
                Some(a) => format!("+{} ms", ms_short(t - a)),
            };
            let y = axis.y[i];
            if let Some(l) = time_labels.take(vec![Label {
                text,
                x: left - 8.0,
                y: y + 3.5,
                anchor: Anchor::End,
                size: TIME_PX,
                bold: false,
                fill: "#555",
                backed: false,
            }]) {
                let _ = writeln!(
                    s,
                    "<line x1=\"{left:.0}\" y1=\"{y:.0}\" x2=\"{right:.0}\" y2=\"{y:.0}\" stroke=\"#eee\"/>"
                );
                times.push(l);
                anchor = anchor.or(Some(*t));
            }
        }
        // Lanes: solid between breaks, dotted across them.
        for (i, name) in self.lanes.iter().enumerate() {
            let x = self.x(left, i);
            Label {
                text: name.clone(),
                x,
                y: lanes_y,
                anchor: Anchor::Middle,
                size: LANE_PX,
                bold: true,
                fill: "#000",
                backed: false,
            }
            .svg(&mut s);
            let mut from = plot_top;
            for &(_, y0, y1) in &axis.breaks {
                let (y0, y1) = (y0 + 6.0, y1 - 6.0);
                let _ = writeln!(
                    s,
                    "<line x1=\"{x:.0}\" y1=\"{from:.0}\" x2=\"{x:.0}\" y2=\"{y0:.0}\" stroke=\"#888\" stroke-width=\"1.5\"/>\
                     <line x1=\"{x:.0}\" y1=\"{y0:.0}\" x2=\"{x:.0}\" y2=\"{y1:.0}\" stroke=\"#888\" stroke-width=\"1.5\" stroke-dasharray=\"2 3\"/>"
                );
                from = y1;
            }
            let _ = writeln!(
                s,
                "<line x1=\"{x:.0}\" y1=\"{from:.0}\" x2=\"{x:.0}\" y2=\"{plot_bottom:.0}\" stroke=\"#888\" stroke-width=\"1.5\"/>"
            );
        }
        // Crashes and pauses on their lane.
        for sp in self.spans.iter().filter(|s| s.kind != SpanKind::Partition) {
            let (y0, y1) = (y_of(sp.from_ns), y_of(sp.to_ns));
            let x = self.x(left, sp.lane);
            let colour = if sp.kind == SpanKind::Crash {
                "#c00"
            } else {
                "#c80"
            };
            let _ = writeln!(
                s,
                "<line x1=\"{x:.0}\" y1=\"{y0:.0}\" x2=\"{x:.0}\" y2=\"{y1:.0}\" stroke=\"{colour}\" \
                 stroke-width=\"6\" stroke-dasharray=\"6 4\"/>"
            );
        }
        // Operations: bars to the left of their lane (out of focus: faded, and only within
        // one stretch between breaks).
        for (op, in_focus) in self.ops.iter().zip(&focus) {
            let inside = axis.stretch(op.invoke_ns);
            if !in_focus
                && (inside.is_none()
                    || axis.stretch(op.complete_ns.unwrap_or(op.invoke_ns)) != inside)
            {
                continue;
            }
            let x = self.x(left, op.lane) - 12.0;
            let y0 = axis.at(op.invoke_ns);
            let y1 = op
                .complete_ns
                .map_or(plot_bottom, |c| axis.at(c))
                .max(y0 + 2.0);
            let colour = if op.culprit { "#e67e22" } else { "#2c7fb8" };
            let faded = if *in_focus { "" } else { " opacity=\"0.35\"" };
            let _ = writeln!(
                s,
                "<line x1=\"{x:.0}\" y1=\"{y0:.0}\" x2=\"{x:.0}\" y2=\"{y1:.0}\" stroke=\"{colour}\" stroke-width=\"5\"{faded}/>"
            );
        }
        // Messages: the faded ones first, under the story's.
        let mut order: Vec<usize> = (0..self.arrows.len()).collect();
        order.sort_by_key(|i| story[*i]);
        for i in order {
            let a = &self.arrows[i];
            // A faded message is drawn within one stretch between breaks: elsewhere it has
            // no place on the compressed axis.
            let inside = axis.stretch(a.sent_ns);
            if !story[i]
                && (inside.is_none() || axis.stretch(a.arrive_ns.unwrap_or(a.sent_ns)) != inside)
            {
                continue;
            }
            let faded = if story[i] { "" } else { " opacity=\"0.25\"" };
            let ((x0, y0), (x1, y1)) = self.ends(a, left, axis);
            match a.fate {
                ArrowFate::Delivered | ArrowFate::InFlight => {
                    let dash = if a.fate == ArrowFate::InFlight {
                        " stroke-dasharray=\"3 3\""
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        s,
                        "<line x1=\"{x0:.0}\" y1=\"{y0:.0}\" x2=\"{x1:.0}\" y2=\"{y1:.0}\" stroke=\"#333\" \
                         stroke-width=\"1\" marker-end=\"url(#head)\"{dash}{faded}/>"
                    );
                }
                ArrowFate::DroppedAtDownNode | ArrowFate::Partitioned | ArrowFate::Lost => {
                    let _ = writeln!(
                        s,
                        "<g{faded}><line x1=\"{x0:.0}\" y1=\"{y0:.0}\" x2=\"{x1:.0}\" y2=\"{y1:.0}\" stroke=\"#c00\" \
                         stroke-width=\"1\" stroke-dasharray=\"4 3\"/>{}</g>",
                        cross(x1, y1)
                    );
                }
            }
        }
        for l in layout.labels.iter().chain(&times) {
            l.svg(&mut s);
        }
        if layout.left_out > 0 {
            Label {
                text: format!(
                    "{} label{} left out for want of room",
                    layout.left_out,
                    if layout.left_out == 1 { "" } else { "s" }
                ),
                x: 12.0,
                y: height - 10.0,
                anchor: Anchor::Start,
                size: NOTE_PX,
                bold: false,
                fill: "#555",
                backed: false,
            }
            .svg(&mut s);
        }
        s.push_str("</svg>\n");
        s
    }
}

/// The time column's note on a break: the time it skips.
fn break_label(gap_ns: u64) -> String {
    format!("≈ {} ms later", ms_short(gap_ns))
}

fn cross(x: f64, y: f64) -> String {
    format!(
        "<path d=\"M{:.0} {:.0} L{:.0} {:.0} M{:.0} {:.0} L{:.0} {:.0}\" stroke=\"#c00\" stroke-width=\"2\"/>",
        x - 4.0,
        y - 4.0,
        x + 4.0,
        y + 4.0,
        x - 4.0,
        y + 4.0,
        x + 4.0,
        y - 4.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{overlapping, svg_boxes, svg_size};

    fn diagram() -> Diagram {
        Diagram {
            title: "t <1>".to_string(),
            from_ns: 1_000_000,
            to_ns: 11_000_000,
            lanes: vec!["kv#0".to_string(), "app#0.c0".to_string()],
            arrows: vec![
                Arrow {
                    from: 1,
                    to: 0,
                    sent_ns: 2_000_000,
                    arrive_ns: Some(3_000_000),
                    label: "req 1 read(k0)".to_string(),
                    fate: ArrowFate::Delivered,
                },
                Arrow {
                    from: 0,
                    to: 1,
                    sent_ns: 4_000_000,
                    arrive_ns: None,
                    label: "ans 1 5".to_string(),
                    fate: ArrowFate::Partitioned,
                },
            ],
            spans: vec![Span {
                lane: 0,
                from_ns: 0,
                to_ns: 20_000_000,
                label: "partition [kv#0] | [app#0]".to_string(),
                kind: SpanKind::Partition,
            }],
            ops: vec![OpMark {
                lane: 1,
                invoke_ns: 2_000_000,
                complete_ns: None,
                label: "read(k0) → ?".to_string(),
                culprit: true,
            }],
            notes: vec!["why: the read & the write".to_string()],
        }
    }

    /// No two texts of `svg` overlap and none leaves the canvas.
    fn assert_clear(svg: &str) {
        let (w, h) = svg_size(svg).unwrap();
        let boxes = svg_boxes(svg);
        for b in &boxes {
            assert!(b.within(w, h, 0.5), "{b:?} leaves the {w}×{h} canvas");
        }
        let pairs = overlapping(&boxes, 0.5);
        assert!(pairs.is_empty(), "overlapping labels: {pairs:#?}");
    }

    /// The `y1` of the first element of `svg` that contains `needle`.
    fn y1_of(svg: &str, needle: &str) -> f64 {
        let line = svg.lines().find(|l| l.contains(needle)).unwrap();
        let at = line.find(" y1=\"").unwrap() + 5;
        line[at..].split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn every_element_is_drawn_and_text_is_escaped() {
        let svg = diagram().svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(svg.contains("why: the read &amp; the write"));
        assert!(
            svg.contains("marker-end=\"url(#head)\""),
            "a delivered arrow"
        );
        assert!(svg.contains("×partition"), "the dropped answer is marked");
        assert!(svg.contains("#e67e22"), "the culprit operation");
        assert!(svg.contains("partition [kv#0] | [app#0]"));
        // The request leaves when the operation begins: same height.
        assert_eq!(
            y1_of(&svg, "marker-end=\"url(#head)\""),
            y1_of(&svg, "stroke=\"#e67e22\"")
        );
        assert_clear(&svg);
    }

    #[test]
    fn the_same_diagram_gives_the_same_bytes() {
        assert_eq!(diagram().svg(), diagram().svg());
    }

    fn arrow(from: usize, to: usize, sent_ns: u64, delay: Option<u64>, label: &str) -> Arrow {
        Arrow {
            from,
            to,
            sent_ns,
            arrive_ns: delay.map(|d| sent_ns + d),
            label: label.to_string(),
            fate: if delay.is_some() {
                ArrowFate::Delivered
            } else {
                ArrowFate::Partitioned
            },
        }
    }

    /// Two bursts of a counter-example 1.3 s apart in a 1.5 s window, as in the bundled
    /// scenarios: writes fanned out to every replica at the same instant, long labels, an
    /// operation on the first lane with a long label, a partition from before the window.
    fn bursts() -> Diagram {
        let ms = 1_000_000;
        let lanes: Vec<String> = ["app#0", "app#1", "kv#0", "kv#1", "kv#2"]
            .map(String::from)
            .to_vec();
        let mut arrows = Vec::new();
        let mut ops = Vec::new();
        for (k, start) in [100 * ms, 1_400 * ms].into_iter().enumerate() {
            let client = k % 2;
            arrows.push(arrow(
                client,
                3,
                start,
                Some(250_000),
                "StoreWrite write=2538",
            ));
            for to in [2, 4] {
                let fate = (to == 4).then_some(250_000);
                arrows.push(arrow(
                    3,
                    to,
                    start + 250_000,
                    fate,
                    "StorePropagate write=2538",
                ));
                arrows.push(arrow(
                    3,
                    to,
                    start + 250_000,
                    fate,
                    "StorePropagate write=2538",
                ));
            }
            arrows.push(arrow(3, client, start + 350_000, Some(250_000), "Reply"));
            arrows.push(arrow(
                4,
                client,
                start + 360_000,
                Some(250_000),
                "StoreValue write=2538",
            ));
            ops.push(OpMark {
                lane: client,
                invoke_ns: start,
                complete_ns: Some(start + 600_000),
                label: "write(2538) → ok, after a long wait".to_string(),
                culprit: true,
            });
            ops.push(OpMark {
                lane: client,
                invoke_ns: start + 50_000,
                complete_ns: Some(start + 650_000),
                label: "read() → 3075".to_string(),
                culprit: true,
            });
        }
        Diagram {
            title: "ap · store kv: the checker's counter-example".to_string(),
            from_ns: 0,
            to_ns: 1_500 * ms,
            lanes,
            arrows,
            spans: vec![
                Span {
                    lane: 0,
                    from_ns: 0,
                    to_ns: 40_000 * ms,
                    label: "partition [app#0, kv#0, kv#1] | [app#1, kv#2]".to_string(),
                    kind: SpanKind::Partition,
                },
                Span {
                    lane: 2,
                    from_ns: 700 * ms,
                    to_ns: 1_500 * ms,
                    label: "crash kv#0".to_string(),
                    kind: SpanKind::Crash,
                },
            ],
            ops,
            notes: vec![WHY.to_string()],
        }
    }

    const WHY: &str = "why: the read by app#1/10 returned 3075 after the write of 3193 by \
        app#1/10 had completed (at 32133.041629 ms, before the read began), and no write of \
        3075 could come later: it saw an overwritten value";

    #[test]
    fn labels_never_overlap_nor_leave_the_canvas_and_the_why_line_is_whole() {
        let svg = bursts().svg();
        assert_clear(&svg);
        // Every label is drawn: the operations, the spans, each message.
        let texts: Vec<String> = svg_boxes(&svg).into_iter().map(|b| b.text).collect();
        let count = |t: &str| texts.iter().filter(|x| x.starts_with(t)).count();
        assert_eq!(count("write(2538) → ok, after a long wait"), 2);
        assert_eq!(count("StorePropagate write=2538"), 8);
        assert_eq!(count("partition [app#0"), 1);
        assert_eq!(count("crash kv#0"), 1);
        assert!(!svg.contains("left out"), "{texts:?}");
        // The checker's explanation, every word in order, over whole lines.
        let joined = texts.join(" ");
        assert!(joined.contains(WHY), "{joined}");
    }

    #[test]
    fn stretches_without_events_are_cut_to_a_marked_break() {
        let svg = bursts().svg();
        let (_, h) = svg_size(&svg).unwrap();
        // 1.5 s drawn proportionally at the scale of a 0.25 ms message would be 200,000
        // pixels; the bursts are apart by a break.
        assert!(h < 900.0, "{h}");
        let texts: Vec<String> = svg_boxes(&svg).into_iter().map(|b| b.text).collect();
        // The crash at 700 ms is an instant of its own: two breaks, each saying what it
        // skips.
        let breaks: Vec<&String> = texts.iter().filter(|t| t.starts_with("≈ ")).collect();
        assert_eq!(breaks, ["≈ 599.35 ms later", "≈ 700 ms later"], "{texts:?}");
        assert!(
            svg.contains("<path d=\"M") && svg.contains("stroke=\"#999\""),
            "zigzag"
        );
        // Inside a burst, time is proportional: a 0.25 ms message is tens of pixels tall.
        let line = svg
            .lines()
            .find(|l| l.contains("marker-end") && !l.contains("opacity"))
            .unwrap();
        let num = |name: &str| -> f64 {
            let at = line.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            line[at..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(num("y2") - num("y1") >= 20.0, "{line}");
    }

    /// A counter-example's operation on `app#0` from 100 ms to 121 ms and its 5 messages,
    /// among 200 messages the replicas exchange meanwhile and 10 earlier ones.
    fn crowded() -> Diagram {
        let ms = 1_000_000;
        let mut d = bursts();
        d.arrows.clear();
        d.spans.truncate(1);
        d.ops = vec![OpMark {
            lane: 0,
            invoke_ns: 100 * ms,
            complete_ns: Some(121 * ms),
            label: "write(7) → ok".to_string(),
            culprit: true,
        }];
        // Another client's operation, not part of the counter-example.
        d.ops.push(OpMark {
            lane: 1,
            invoke_ns: 102 * ms,
            complete_ns: Some(103 * ms),
            label: "read() → 1".to_string(),
            culprit: false,
        });
        for k in 0..10u64 {
            d.arrows
                .push(arrow(2, 3, 50 * ms + k * 100_000, Some(250_000), "Early"));
        }
        for k in 0..200u64 {
            let from = 2 + (k % 3) as usize;
            let to = 2 + ((k + 1) % 3) as usize;
            d.arrows.push(arrow(
                from,
                to,
                100 * ms + k * 100_000,
                Some(250_000),
                "Gossip",
            ));
        }
        for k in 0..5u64 {
            d.arrows.push(arrow(
                0,
                3,
                100 * ms + k * 5 * ms,
                Some(250_000),
                &format!("StoreWrite write={k}"),
            ));
        }
        d
    }

    #[test]
    fn above_80_messages_only_the_counter_examples_are_labelled_the_others_fade() {
        let svg = crowded().svg();
        assert_clear(&svg);
        let texts: Vec<String> = svg_boxes(&svg).into_iter().map(|b| b.text).collect();
        assert_eq!(
            texts.iter().filter(|t| t.starts_with("StoreWrite")).count(),
            5
        );
        assert!(
            !texts.iter().any(|t| ["Gossip", "Early", "read()"]
                .iter()
                .any(|p| t.starts_with(p))),
            "{texts:?}"
        );
        // Those sent while the operation ran are drawn faded where the axis has room for
        // them: within one stretch between breaks. The stretches are the 0.25 ms of each
        // StoreWrite (and the last one's to the operation's end): the gossip sent at 100,
        // 105, 110 and 115 ms arrives in them. The 10 sent before the counter-example's
        // first instant, and those in the breaks, are not drawn.
        let faded = svg
            .lines()
            .filter(|l| l.contains("<line") && l.contains("opacity=\"0.25\""))
            .count();
        assert_eq!(faded, 4);
        let dark = svg
            .lines()
            .filter(|l| l.contains("marker-end") && !l.contains("opacity"))
            .count();
        assert_eq!(dark, 5);
        assert!(
            texts.join(" ").contains("faded: other messages"),
            "{texts:?}"
        );
    }

    #[test]
    fn wrap_keeps_every_word_within_the_width() {
        let lines = wrap(WHY, 300.0, 11.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| crate::text::width(l, 11.0) <= 300.0));
        assert_eq!(
            lines.join(" "),
            WHY.split_whitespace().collect::<Vec<_>>().join(" ")
        );
    }
}
