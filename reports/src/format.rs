//! Numbers and text as every report writes them: thousands separators, magnitudes, times,
//! percentages, CSV fields, and the one escaping of text put into HTML or SVG.

use results::RunResults;
use std::collections::BTreeSet;

/// `1234567` → `1,234,567`.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A latency or a rate: 2 decimals below 10, 1 below 1000, none above (with thousands
/// separators). The precision is chosen on the rounded value, so 9.999 gives `10.0`.
/// Non-finite values give `-`.
pub(crate) fn magnitude(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_string();
    }
    let x = if x == 0.0 { 0.0 } else { x }; // no "-0.00"
    let a = x.abs();
    if a < 9.995 {
        format!("{x:.2}")
    } else if a < 999.95 {
        format!("{x:.1}")
    } else {
        let rounded = a.round();
        let sign = if x < 0.0 { "-" } else { "" };
        if rounded < u64::MAX as f64 {
            format!("{sign}{}", thousands(rounded as u64))
        } else {
            format!("{x:.0}")
        }
    }
}

/// A latency that may not exist: [`magnitude`], or `—` when there were no samples (no
/// successful request is not zero latency).
pub(crate) fn ms(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), magnitude)
}

/// A fraction as a percentage with 2 decimals (`0.0123` → `1.23`); `-` if not finite.
pub(crate) fn percent(rate: f64) -> String {
    if !rate.is_finite() {
        return "-".to_string();
    }
    let p = rate * 100.0;
    let p = if p == 0.0 { 0.0 } else { p };
    format!("{p:.2}")
}

/// Seconds for the title: shortest form, at most 3 decimals (`70`, `0.5`).
pub(crate) fn seconds(s: f64) -> String {
    crate::format::trimmed(s, 3)
}

/// A float for CSV: rounded to 6 decimals, trailing zeros (and point) trimmed, no `-0`.
pub(crate) fn float(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    trimmed(x, 6)
}

/// `x` with at most `decimals` decimals, trailing zeros and a lone point removed, and never
/// `-0`: the shortest stable text for a number in files and titles.
pub(crate) fn trimmed(x: f64, decimals: usize) -> String {
    let text = format!("{x:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// A CSV text field, quoted when it contains a comma, a quote or a line break.
pub(crate) fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
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

/// Each design's name sanitised for a file name, made unique with `-2`, `-3`, ...
pub(crate) fn design_stems(results: &RunResults) -> Vec<String> {
    let mut used = BTreeSet::new();
    results
        .designs
        .iter()
        .map(|d| {
            let base = sanitise(&d.name);
            let mut stem = base.clone();
            let mut n = 1;
            while !used.insert(stem.clone()) {
                n += 1;
                stem = format!("{base}-{n}");
            }
            stem
        })
        .collect()
}

/// A design name made safe for a file name: `[A-Za-z0-9_-]`, others replaced by `_`.
pub(crate) fn sanitise(name: &str) -> String {
    if name.is_empty() {
        return "design".to_string();
    }
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
