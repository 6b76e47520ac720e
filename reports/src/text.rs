//! Text in figures: the embedded font's metrics, the boxes that text occupies in an SVG
//! document, and the PNG backend that draws glyphs where the font puts them.
//!
//! Charts and space-time diagrams lay their labels out with [`width`] (DejaVu Sans, the
//! embedded font, one of the widest sans-serif faces, so a viewer's own `sans-serif` font
//! takes no more room). [`svg_boxes`] reads the `<text>` elements of an SVG document back
//! as boxes, so tests can check that no two labels overlap and none leaves the canvas.
//!
//! PNG charts are drawn by plotters' bitmap backend, whose text rasteriser places each
//! glyph at the pen position without its left side bearing (so narrow glyphs with wide
//! bearings drift left: "singl e run"). `Png` wraps the bitmap backend and draws text
//! itself: pen position plus kerning, each glyph at its own bounds, at the same em size
//! and anchors as the SVG text (`font-size` = size / 1.24, baseline `0.76em` below a
//! top anchor), so the PNG looks like the SVG.

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::{BitMapBackend, DrawingBackend};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use std::sync::OnceLock;

/// DejaVu Sans (see `fonts/`), embedded in the binary.
pub(crate) static DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Baseline below a top anchor, in ems (plotters' SVG `dy="0.76em"`).
const TOP_BASELINE_EM: f64 = 0.76;
/// Half the x-height, in ems (the SVG `0.5ex` of centred and bottom anchors; DejaVu Sans's
/// x-height is 0.545 em).
const HALF_EX_EM: f64 = 0.2725;
/// The part of a line above the baseline, in ems (DejaVu Sans's ascender).
pub const ASCENT_EM: f64 = 0.76;
/// The part of a line below the baseline, in ems (DejaVu Sans's descender).
pub const DESCENT_EM: f64 = 0.24;
/// Plotters' ratio of a text style's size to its em size.
const SIZE_PER_EM: f64 = 1.24;

fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(DEJAVU_SANS).ok())
        .as_ref()
}

/// The scale at which the font's em is `em` pixels.
fn scale(f: &FontRef<'static>, em: f64) -> PxScale {
    let upem = f.units_per_em().unwrap_or(2048.0);
    PxScale::from(em as f32 * f.height_unscaled() / upem)
}

/// The advance width of `text` in DejaVu Sans at `em` pixels per em (the SVG
/// `font-size`), kerning included. Without the font (it is embedded, so never), 0.6 em per
/// character.
pub fn width(text: &str, em: f64) -> f64 {
    let Some(f) = font() else {
        return 0.6 * em * text.chars().count() as f64;
    };
    let s = f.as_scaled(scale(f, em));
    let mut x = 0.0f32;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            x += s.kern(p, id);
        }
        x += s.h_advance(id);
        prev = Some(id);
    }
    f64::from(x)
}

/// The em size of a plotters text style of size `size` (what the SVG backend writes as
/// `font-size`).
pub fn em_of_size(size: f64) -> f64 {
    size / SIZE_PER_EM
}

/// An axis-aligned box, in pixels (`x0 <= x1`, `y0 <= y1`, y down).
#[derive(Clone, Debug, PartialEq)]
pub struct TextBox {
    /// The text.
    pub text: String,
    /// The anchor point (`x`, `y` of the element).
    pub at: (f64, f64),
    /// `start`, `middle` or `end`.
    pub anchor: String,
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl TextBox {
    /// Whether the two boxes share more than `slack` pixels in both directions.
    pub fn overlaps(&self, other: &TextBox, slack: f64) -> bool {
        self.x0 + slack < other.x1
            && other.x0 + slack < self.x1
            && self.y0 + slack < other.y1
            && other.y0 + slack < self.y1
    }

    /// Whether the box lies within `[0, w] × [0, h]` (to `slack` pixels).
    pub fn within(&self, w: f64, h: f64, slack: f64) -> bool {
        self.x0 >= -slack && self.y0 >= -slack && self.x1 <= w + slack && self.y1 <= h + slack
    }
}

/// The width and height of an SVG document (`width`/`height` of its root element).
pub fn svg_size(svg: &str) -> Option<(f64, f64)> {
    let start = svg.find("<svg")?;
    let tag = &svg[start..start + svg[start..].find('>')?];
    Some((
        number(attribute(tag, "width")?)?,
        number(attribute(tag, "height")?)?,
    ))
}

/// The box of every non-empty `<text>` element of an SVG document as this module's
/// writers emit them: `x`, `y`, optional `dy` (`0.76em`, `0.5ex`, `-0.5ex`),
/// `text-anchor`, `font-size` (or the root element's), and an optional
/// `transform="rotate(a, cx, cy)"` by a multiple of 90°. Widths are [`width`]'s; a line
/// spans [`ASCENT_EM`] above its baseline and [`DESCENT_EM`] below.
pub fn svg_boxes(svg: &str) -> Vec<TextBox> {
    let root_size = svg
        .find("<svg")
        .and_then(|s| {
            let tag = &svg[s..s + svg[s..].find('>')?];
            attribute(tag, "font-size").and_then(number)
        })
        .unwrap_or(16.0);
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(at) = rest.find("<text") {
        rest = &rest[at..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..close];
        let Some(end) = rest.find("</text>") else {
            break;
        };
        let text = unescape(rest[close + 1..end].trim());
        rest = &rest[end..];
        if text.is_empty() {
            continue;
        }
        let attr = |name: &str| attribute(tag, name).and_then(number);
        let (x, y) = (attr("x").unwrap_or(0.0), attr("y").unwrap_or(0.0));
        let em = attr("font-size").unwrap_or(root_size);
        let w = width(&text, em);
        let anchor = attribute(tag, "text-anchor").unwrap_or("start").to_string();
        let x0 = match anchor.as_str() {
            "middle" => x - w / 2.0,
            "end" => x - w,
            _ => x,
        };
        let baseline = y + match attribute(tag, "dy") {
            Some("0.76em") => TOP_BASELINE_EM * em,
            Some("0.5ex") => HALF_EX_EM * em,
            Some("-0.5ex") => -HALF_EX_EM * em,
            _ => 0.0,
        };
        let mut b = TextBox {
            text,
            at: (x, y),
            anchor,
            x0,
            y0: baseline - ASCENT_EM * em,
            x1: x0 + w,
            y1: baseline + DESCENT_EM * em,
        };
        if let Some((angle, cx, cy)) = attribute(tag, "transform").and_then(rotation) {
            let turn = |(px, py): (f64, f64)| {
                let (dx, dy) = (px - cx, py - cy);
                match angle {
                    90 => (cx - dy, cy + dx),
                    180 => (cx - dx, cy - dy),
                    270 => (cx + dy, cy - dx),
                    _ => (px, py),
                }
            };
            let (a, c) = (turn((b.x0, b.y0)), turn((b.x1, b.y1)));
            b = TextBox {
                x0: a.0.min(c.0),
                y0: a.1.min(c.1),
                x1: a.0.max(c.0),
                y1: a.1.max(c.1),
                ..b
            };
        }
        out.push(b);
    }
    out
}

/// The pairs of boxes that overlap by more than `slack` pixels.
pub fn overlapping(boxes: &[TextBox], slack: f64) -> Vec<(TextBox, TextBox)> {
    let mut out = Vec::new();
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if a.overlaps(b, slack) {
                out.push((a.clone(), b.clone()));
            }
        }
    }
    out
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let pattern = format!(" {name}=\"");
    let at = tag.find(&pattern)? + pattern.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

fn number(s: &str) -> Option<f64> {
    s.trim().trim_end_matches("px").parse().ok()
}

/// `rotate(a, cx, cy)` with `a` a multiple of 90.
fn rotation(t: &str) -> Option<(i32, f64, f64)> {
    let inner = t.trim().strip_prefix("rotate(")?.strip_suffix(')')?;
    let parts: Vec<f64> = inner
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    match parts.as_slice() {
        [a, cx, cy] => Some(((a.round() as i32).rem_euclid(360), *cx, *cy)),
        _ => None,
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Plotters' bitmap backend with its text drawn by [`draw_text`].
pub(crate) struct Png<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> Png<'a> {
    /// A backend drawing into `pixels` (RGB, `size.0 × size.1`).
    pub(crate) fn with_buffer(pixels: &'a mut [u8], size: (u32, u32)) -> Png<'a> {
        Png {
            inner: BitMapBackend::with_buffer(pixels, size),
        }
    }
}

type Error<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Png<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let transform = style.transform();
        draw_text(
            text,
            em_of_size(style.size()),
            style.anchor(),
            &mut |(x, y), coverage| {
                let (x, y) = transform.transform(x, y);
                self.inner.draw_pixel(
                    (pos.0 + x, pos.1 + y),
                    BackendColor {
                        alpha: color.alpha * f64::from(coverage),
                        rgb: color.rgb,
                    },
                )
            },
        )
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Error<'a>> {
        self.inner.estimate_text_size(text, style)
    }
}

/// Rasterises `text` at `em` pixels per em, anchored like SVG text at the origin, and
/// hands each covered pixel (relative to the anchor, before any rotation) and its coverage
/// to `plot`: the pen advances by each glyph's advance plus kerning, and each glyph is
/// drawn at its own bounds (side bearings kept).
pub(crate) fn draw_text<E>(
    text: &str,
    em: f64,
    anchor: plotters_backend::text_anchor::Pos,
    plot: &mut dyn FnMut((i32, i32), f32) -> Result<(), E>,
) -> Result<(), E> {
    let Some(f) = font() else {
        return Ok(());
    };
    let px = scale(f, em);
    let scaled = f.as_scaled(px);
    let w = width(text, em);
    let dx = match anchor.h_pos {
        HPos::Left => 0.0,
        HPos::Center => -w / 2.0,
        HPos::Right => -w,
    };
    let baseline = match anchor.v_pos {
        VPos::Top => TOP_BASELINE_EM * em,
        VPos::Center => HALF_EX_EM * em,
        VPos::Bottom => -HALF_EX_EM * em,
    };
    let mut pen = dx as f32;
    let mut prev = None;
    for c in text.chars() {
        let id = f.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        prev = Some(id);
        let glyph = id.with_scale_and_position(px, point(pen, baseline as f32));
        pen += scaled.h_advance(id);
        let Some(outline) = f.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outline.px_bounds();
        let (bx, by) = (bounds.min.x as i32, bounds.min.y as i32);
        let mut result = Ok(());
        outline.draw(|gx, gy, coverage| {
            if result.is_ok() && coverage > 0.0 {
                result = plot((bx + gx as i32, by + gy as i32), coverage.min(1.0));
            }
        });
        result?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters_backend::text_anchor::Pos;

    /// The columns holding ink, as runs `[start, end)`.
    fn ink_runs(text: &str, em: f64) -> Vec<(i32, i32)> {
        let mut columns = std::collections::BTreeSet::new();
        let _ = draw_text::<()>(
            text,
            em,
            Pos::new(HPos::Left, VPos::Top),
            &mut |(x, _), c| {
                if c > 0.3 {
                    columns.insert(x);
                }
                Ok(())
            },
        );
        let mut runs: Vec<(i32, i32)> = Vec::new();
        for x in columns {
            match runs.last_mut() {
                Some(r) if r.1 == x => r.1 = x + 1,
                _ => runs.push((x, x + 1)),
            }
        }
        runs
    }

    #[test]
    fn glyphs_start_at_pen_plus_side_bearing() {
        // "l" has a wide left side bearing, "T" almost none: drawn at the pen position
        // without bearings, the gaps between them would differ by the bearing (the
        // "singl e run" of plotters' rasteriser).
        let f = font().unwrap();
        let em = 64.0;
        let s = f.as_scaled(scale(f, em));
        let text = "lTlTl";
        let mut expected = Vec::new();
        let mut pen = 0.0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = f.glyph_id(c);
            if let Some(p) = prev {
                pen += s.kern(p, id);
            }
            prev = Some(id);
            expected.push(pen + s.h_side_bearing(id));
            pen += s.h_advance(id);
        }
        let runs = ink_runs(text, em);
        assert_eq!(runs.len(), text.len(), "{runs:?}");
        for (run, want) in runs.iter().zip(&expected) {
            assert!(
                (run.0 as f32 - want).abs() <= 1.0,
                "ink starts at {} where the font puts it at {want}: {runs:?} {expected:?}",
                run.0
            );
        }
    }

    #[test]
    fn width_matches_the_drawn_extent() {
        let em = 30.0;
        let runs = ink_runs("single run", em);
        let (first, last) = (runs[0].0, runs[runs.len() - 1].1);
        let w = width("single run", em);
        assert!(first >= 0 && f64::from(last) <= w + 1.0, "{runs:?} {w}");
        assert!(f64::from(last - first) > w * 0.9, "{runs:?} {w}");
        // A space is a gap: "single" and "run" are two groups far apart.
        let gaps: Vec<i32> = runs.windows(2).map(|p| p[1].0 - p[0].1).collect();
        let widest = *gaps.iter().max().unwrap();
        let next = gaps
            .iter()
            .filter(|g| **g != widest)
            .max()
            .copied()
            .unwrap_or(0);
        assert!(widest >= 2 * next, "{gaps:?}");
    }

    #[test]
    fn svg_boxes_follow_anchors_and_rotation() {
        let svg = "<svg width=\"200\" height=\"100\" font-size=\"10\">\
            <text x=\"100\" y=\"50\" text-anchor=\"middle\">ab &amp; c</text>\
            <text x=\"10\" y=\"10\" dy=\"0.76em\" font-size=\"20\">x</text>\
            <text x=\"50\" y=\"80\" text-anchor=\"end\" transform=\"rotate(270, 50, 80)\">long</text>\
            <text x=\"1\" y=\"1\"></text></svg>";
        assert_eq!(svg_size(svg), Some((200.0, 100.0)));
        let b = svg_boxes(svg);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].text, "ab & c");
        let w = width("ab & c", 10.0);
        assert!((b[0].x0 - (100.0 - w / 2.0)).abs() < 1e-9);
        assert!((b[0].y1 - 52.4).abs() < 1e-9 && (b[0].y0 - 42.4).abs() < 1e-9);
        assert!((b[1].y0 - 10.0).abs() < 1e-9 && (b[1].y1 - 30.0).abs() < 1e-9);
        // Rotated a quarter turn back: the text runs up... from below the anchor.
        let long = width("long", 10.0);
        assert!((b[2].x1 - b[2].x0 - 10.0).abs() < 1e-9);
        assert!((b[2].y1 - (80.0 + long)).abs() < 1e-9 && (b[2].y0 - 80.0).abs() < 1e-9);
        assert!(b[0].within(200.0, 100.0, 0.0));
        assert!(overlapping(&b, 0.0).is_empty());
    }
}
