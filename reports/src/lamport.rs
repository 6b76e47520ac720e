//! Space-time (Lamport) diagrams as SVG: one vertical lane per node, time flowing down,
//! an arrow per message from its sending instant on one lane to its arrival on another.
//! Dropped messages end in a cross (partitioned or lost: right after leaving; at a down
//! node: at the receiver), crashes and pauses are drawn on their lane, partitions as a
//! labelled band, and client operations as bars beside their client's lane, the ones of a
//! counter-example in orange.
//!
//! Pure: the same [`Diagram`] gives the same bytes (integer pixel arithmetic on
//! nanoseconds, no floats in the output beyond fixed decimals).

use sim_core::message_log::{Fate, MessageRecord};
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
}

const LANE_W: i64 = 150;
const LEFT: i64 = 100;
const TOP: i64 = 90;
const HEIGHT: i64 = 900;
/// Above this many messages, only those touching a counter-example's client are labelled.
const MAX_LABELS: usize = 80;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn ms(ns: u64) -> String {
    format!("{}.{:03}", ns / 1_000_000, (ns / 1_000) % 1_000)
}

impl Diagram {
    fn y(&self, ns: u64) -> i64 {
        let span = (self.to_ns.saturating_sub(self.from_ns)).max(1) as i128;
        let off = (ns.clamp(self.from_ns, self.to_ns) - self.from_ns) as i128;
        TOP + (off * HEIGHT as i128 / span) as i64
    }

    fn x(&self, lane: usize) -> i64 {
        LEFT + LANE_W / 2 + lane as i64 * LANE_W
    }

    /// The SVG document.
    pub fn svg(&self) -> String {
        let width = LEFT + self.lanes.len().max(1) as i64 * LANE_W + 40;
        let height = TOP + HEIGHT + 60;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">"
        );
        s.push_str(
            "<defs><marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n",
        );
        let _ = writeln!(
            s,
            "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\
             <text x=\"{LEFT}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{}</text>\
             <text x=\"{LEFT}\" y=\"40\" fill=\"#555\">time flows down: {} ms to {} ms · arrows are messages, \
             × dropped, orange bars the counter-example's operations</text>",
            esc(&self.title),
            ms(self.from_ns),
            ms(self.to_ns)
        );
        // Partitions: a band across the lanes, labelled at its top.
        for sp in self.spans.iter().filter(|s| s.kind == SpanKind::Partition) {
            let (y0, y1) = (self.y(sp.from_ns), self.y(sp.to_ns));
            let _ = writeln!(
                s,
                "<rect x=\"{}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"#fde8e8\"/>\
                 <text x=\"{}\" y=\"{}\" fill=\"#a33\">{}</text>",
                LEFT,
                width - LEFT - 20,
                (y1 - y0).max(1),
                LEFT + 4,
                y0 + 12,
                esc(&format!(
                    "{} ({} ms to {} ms)",
                    sp.label,
                    ms(sp.from_ns),
                    ms(sp.to_ns)
                ))
            );
        }
        // Time axis.
        for k in 0..=10 {
            let ns = self.from_ns + (self.to_ns - self.from_ns) / 10 * k;
            let y = self.y(ns);
            let _ = writeln!(
                s,
                "<line x1=\"{}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#eee\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">{} ms</text>",
                LEFT,
                width - 20,
                LEFT - 6,
                y + 4,
                ms(ns)
            );
        }
        // Lanes.
        for (i, name) in self.lanes.iter().enumerate() {
            let x = self.x(i);
            let _ = writeln!(
                s,
                "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">{}</text>\
                 <line x1=\"{x}\" y1=\"{TOP}\" x2=\"{x}\" y2=\"{}\" stroke=\"#888\" stroke-width=\"1.5\"/>",
                TOP - 10,
                esc(name),
                TOP + HEIGHT
            );
        }
        // Crashes and pauses on their lane.
        for sp in self.spans.iter().filter(|s| s.kind != SpanKind::Partition) {
            let (y0, y1) = (self.y(sp.from_ns), self.y(sp.to_ns));
            let x = self.x(sp.lane);
            let colour = if sp.kind == SpanKind::Crash {
                "#c00"
            } else {
                "#c80"
            };
            let _ = writeln!(
                s,
                "<line x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{y1}\" stroke=\"{colour}\" \
                 stroke-width=\"6\" stroke-dasharray=\"6 4\"/>\
                 <text x=\"{}\" y=\"{}\" fill=\"{colour}\">{}</text>",
                x + 6,
                y0 + 12,
                esc(&sp.label)
            );
        }
        // Operations: bars to the left of the client lane.
        for op in &self.ops {
            let x = self.x(op.lane) - 12;
            let y0 = self.y(op.invoke_ns);
            let y1 = op
                .complete_ns
                .map_or(TOP + HEIGHT, |c| self.y(c))
                .max(y0 + 2);
            let (colour, weight) = if op.culprit {
                ("#e67e22", "bold")
            } else {
                ("#2c7fb8", "normal")
            };
            let _ = writeln!(
                s,
                "<line x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{y1}\" stroke=\"{colour}\" stroke-width=\"5\"/>\
                 <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"{colour}\" font-weight=\"{weight}\">{}</text>",
                x - 4,
                y0 + 10,
                esc(&op.label)
            );
        }
        // Messages.
        let label_all = self.arrows.len() <= MAX_LABELS;
        let culprit_lanes: Vec<usize> = self
            .ops
            .iter()
            .filter(|o| o.culprit)
            .map(|o| o.lane)
            .collect();
        for a in &self.arrows {
            let (x0, y0) = (self.x(a.from), self.y(a.sent_ns));
            let (x1, y1) = match a.arrive_ns {
                Some(t) => (self.x(a.to), self.y(t)),
                None => (self.x(a.to), y0 + 8),
            };
            let labelled =
                label_all || culprit_lanes.contains(&a.from) || culprit_lanes.contains(&a.to);
            match a.fate {
                ArrowFate::Delivered | ArrowFate::InFlight => {
                    let dash = if a.fate == ArrowFate::InFlight {
                        " stroke-dasharray=\"3 3\""
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        s,
                        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y1}\" stroke=\"#333\" \
                         stroke-width=\"1\" marker-end=\"url(#head)\"{dash}/>"
                    );
                }
                ArrowFate::DroppedAtDownNode => {
                    let _ = writeln!(
                        s,
                        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y1}\" stroke=\"#c00\" \
                         stroke-width=\"1\" stroke-dasharray=\"4 3\"/>{}",
                        cross(x1, y1)
                    );
                }
                ArrowFate::Partitioned | ArrowFate::Lost => {
                    // A stub a third of the way, then a cross.
                    let (xm, ym) = (x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3);
                    let _ = writeln!(
                        s,
                        "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{xm}\" y2=\"{ym}\" stroke=\"#c00\" \
                         stroke-width=\"1\" stroke-dasharray=\"4 3\"/>{}",
                        cross(xm, ym)
                    );
                }
            }
            if labelled {
                let fate = match a.fate {
                    ArrowFate::Partitioned => " ×partition",
                    ArrowFate::Lost => " ×lost",
                    ArrowFate::DroppedAtDownNode => " ×down",
                    _ => "",
                };
                let (xl, yl) = ((x0 + x1) / 2, (y0 + y1) / 2 - 3);
                let _ = writeln!(
                    s,
                    "<text x=\"{xl}\" y=\"{yl}\" text-anchor=\"middle\" font-size=\"9\" fill=\"#333\">{}</text>",
                    esc(&format!("{}{fate}", a.label))
                );
            }
        }
        s.push_str("</svg>\n");
        s
    }
}

fn cross(x: i64, y: i64) -> String {
    format!(
        "<path d=\"M{} {} L{} {} M{} {} L{} {}\" stroke=\"#c00\" stroke-width=\"2\"/>",
        x - 4,
        y - 4,
        x + 4,
        y + 4,
        x - 4,
        y + 4,
        x + 4,
        y - 4
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
        }
    }

    #[test]
    fn every_element_is_drawn_and_text_is_escaped() {
        let svg = diagram().svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains("t &lt;1&gt;"));
        assert!(
            svg.contains("marker-end=\"url(#head)\""),
            "a delivered arrow"
        );
        assert!(svg.contains("×partition"), "the dropped answer is marked");
        assert!(svg.contains("#e67e22"), "the culprit operation");
        assert!(svg.contains("partition [kv#0] | [app#0]"));
        // Times are mapped into the window: the arrow sent at 2 ms starts at 90 + 90 px.
        assert!(svg.contains("y1=\"180\""), "{svg}");
    }

    #[test]
    fn the_same_diagram_gives_the_same_bytes() {
        assert_eq!(diagram().svg(), diagram().svg());
    }
}
