//! The report's *Consistency* section, for runs with replicated stores, locks or account
//! stores: what each design chose under its faults (one sentence each), the store,
//! payment and lock tables, and for every design whose history is not linearizable the
//! checker's counter-example with, when the caller drew one, the space-time diagram of
//! the window around it.

use crate::format::escape;
use crate::narrative::consistency_sentences;
use crate::table::{consistency_html, consistency_markdown};
use results::RunResults;
use std::fmt::Write as _;

/// A figure drawn from outside the results (a space-time diagram from a second run of a
/// design), shown in the section of its design. Its file is `figures/<id>.svg`.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File name without extension, unique in the report (`spacetime-ap`).
    pub id: String,
    /// The design it belongs to.
    pub design: String,
    /// One sentence under it.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// Whether the run has anything for the section.
pub fn applies(results: &RunResults) -> bool {
    results
        .designs
        .iter()
        .any(|d| !d.stores.is_empty() || !d.accounts.is_empty() || !d.locks.is_empty())
}

/// The section as HTML (empty when it does not apply).
pub fn html(results: &RunResults, figures: &[Figure]) -> String {
    if !applies(results) {
        return String::new();
    }
    let mut h = String::from("<section id=\"consistency\">\n<h2>Consistency</h2>\n");
    let sentences = consistency_sentences(results);
    if !sentences.is_empty() {
        h.push_str("<ul class=\"narrative\">\n");
        for s in sentences {
            let _ = writeln!(h, "<li>{}</li>", escape(&s));
        }
        h.push_str("</ul>\n");
    }
    for (title, table) in consistency_html(results) {
        let _ = writeln!(h, "<h3>{}</h3>\n{table}", escape(title));
    }
    for d in &results.designs {
        for (store, st) in &d.stores {
            let Some(text) = &st.counterexample else {
                continue;
            };
            let (body, why) = split_why(text);
            let _ = writeln!(
                h,
                "<h3>{} · {}: why the history is not linearizable</h3>\n<pre>{}</pre>",
                escape(&d.name),
                escape(store),
                escape(&body)
            );
            if let Some(why) = why {
                let _ = writeln!(h, "<p class=\"why\">{}</p>", escape(why));
            }
        }
        for f in figures.iter().filter(|f| f.design == d.name) {
            let svg = f.svg.trim_start_matches(|c| c != '<');
            let svg = match svg.strip_prefix("<?xml") {
                Some(rest) => rest.split_once("?>").map_or(rest, |(_, r)| r),
                None => svg,
            };
            let _ = writeln!(
                h,
                "<figure id=\"figure-{}\" class=\"spacetime\">\n{}\n<figcaption>{} (file: \
                 <code>figures/{}.svg</code>)</figcaption>\n</figure>",
                f.id,
                svg.trim(),
                escape(&f.caption),
                f.id
            );
        }
    }
    h.push_str("</section>\n");
    h
}

/// A counter-example's text without its `why:` line, and that line: the history and its
/// timeline keep their columns in a preformatted block; the explanation, a sentence of a
/// few hundred characters, is a paragraph that wraps, so it is read whole on any screen
/// instead of running off the block's edge.
fn split_why(text: &str) -> (String, Option<&str>) {
    let why = text.lines().map(str::trim).find(|l| l.starts_with("why:"));
    let body: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().starts_with("why:"))
        .collect();
    (body.join("\n").trim_end().to_string(), why)
}

/// The section as Markdown (empty when it does not apply).
pub fn markdown(results: &RunResults, figures: &[Figure]) -> String {
    if !applies(results) {
        return String::new();
    }
    let mut m = String::from("## Consistency\n\n");
    let sentences = consistency_sentences(results);
    for s in &sentences {
        let _ = writeln!(m, "- {s}");
    }
    if !sentences.is_empty() {
        m.push('\n');
    }
    for (title, table) in consistency_markdown(results) {
        let _ = writeln!(m, "### {title}\n\n{table}");
    }
    for d in &results.designs {
        for (store, st) in &d.stores {
            if let Some(text) = &st.counterexample {
                let (body, why) = split_why(text);
                let _ = writeln!(
                    m,
                    "### {} · {store}: why the history is not linearizable\n\n```text\n{body}\n```\n",
                    d.name,
                );
                if let Some(why) = why {
                    let _ = writeln!(m, "{why}\n");
                }
            }
        }
        for f in figures.iter().filter(|f| f.design == d.name) {
            let _ = writeln!(m, "![{}](figures/{}.svg)\n", f.caption, f.id);
        }
    }
    m
}
