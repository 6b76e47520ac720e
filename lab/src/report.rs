//! What a lab run shows a person: the space-time diagram of a window (from a second,
//! identical run with the message log on), the convergence chart, and the report files:
//! `results.json`, the CSV series, and caplab's `index.html` / `report.md` with a section
//! for the verdict, the counter-example and the diagram.

use crate::error::LabError;
use crate::harness::{answer_text, op_text, LabRun, Outcome};
use crate::lamport::{Arrow, Diagram, OpMark, Span, SpanKind};
use crate::setup::Setup;
use crate::verdict::LabVerdict;
use models::results::RunResults;
use models::scenario::FaultAction;
use reports::chart::{ChartKind, ChartSpec, SweepData, SweepLine};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The diagram of `[from_ns, to_ns]` of a run made with the message log on over (at least)
/// that window. Lanes: every replica, then the clients that act in the window.
pub fn diagram(
    setup: &Setup,
    run: &LabRun,
    verdict: &LabVerdict,
    from_ns: u64,
    to_ns: u64,
    title: &str,
) -> Diagram {
    let replicas = setup.replicas as usize;
    let in_window = |t: u64| t >= from_ns && t <= to_ns;
    let messages = run.messages.as_deref().unwrap_or(&[]);
    let mut active: BTreeSet<usize> = (0..replicas).collect();
    for m in messages.iter().filter(|m| m.from != m.to) {
        if in_window(m.sent_at.as_nanos()) {
            active.insert(m.from.index());
            active.insert(m.to.index());
        }
    }
    let ops_in_window: Vec<_> = run
        .world
        .ops
        .iter()
        .filter(|o| {
            let end = o.complete_ns.unwrap_or(o.invoke_ns);
            end >= from_ns && o.invoke_ns <= to_ns
        })
        .collect();
    for o in &ops_in_window {
        active.insert(replicas + o.client as usize);
    }
    let nodes: Vec<usize> = active.into_iter().collect();
    let lane = |node: usize| nodes.iter().position(|n| *n == node);
    let mut d = Diagram {
        title: title.to_string(),
        from_ns,
        to_ns,
        lanes: nodes
            .iter()
            .map(|n| run.names.get(*n).cloned().unwrap_or_default())
            .collect(),
        ..Diagram::default()
    };
    for m in messages.iter().filter(|m| m.from != m.to) {
        let sent = m.sent_at.as_nanos();
        if !in_window(sent) {
            continue;
        }
        let (Some(from), Some(to)) = (lane(m.from.index()), lane(m.to.index())) else {
            continue;
        };
        d.arrows
            .push(Arrow::of_record(m, from, to, m.detail.clone()));
    }
    let culprits: BTreeSet<u64> = verdict.culprits.iter().copied().collect();
    for o in ops_in_window {
        let Some(l) = lane(replicas + o.client as usize) else {
            continue;
        };
        let result = match (&o.outcome, &o.answer) {
            (Outcome::Ok, Some(a)) => answer_text(a),
            (Outcome::Error, _) => "error".to_string(),
            (Outcome::Timeout, _) => "timeout".to_string(),
            _ => "?".to_string(),
        };
        d.ops.push(OpMark {
            lane: l,
            invoke_ns: o.invoke_ns,
            complete_ns: o.complete_ns,
            label: format!("{} → {result}", op_text(&o.op)),
            culprit: culprits.contains(&o.id),
        });
    }
    let end_ns = (setup.duration_s * 1e9) as u64;
    for f in &setup.faults {
        let start = (f.at_s * 1e9) as u64;
        let stop = f.duration_s.map_or(end_ns, |s| ((f.at_s + s) * 1e9) as u64);
        if stop < from_ns || start > to_ns {
            continue;
        }
        let label = crate::results::fault_windows(&Setup {
            faults: vec![f.clone()],
            ..setup.clone()
        })
        .pop()
        .map(|w| w.label)
        .unwrap_or_default();
        let (kind, target) = match &f.action {
            FaultAction::Partition { .. } | FaultAction::OneWayPartition { .. } => {
                (SpanKind::Partition, None)
            }
            FaultAction::Crash { target } => (SpanKind::Crash, Some(target)),
            FaultAction::Pause { target } => (SpanKind::Pause, Some(target)),
            _ => continue,
        };
        let lanes: Vec<usize> = match target {
            None => vec![0],
            Some(t) => setup
                .resolve(t)
                .unwrap_or_default()
                .into_iter()
                .filter_map(lane)
                .collect(),
        };
        for l in lanes {
            d.spans.push(Span {
                lane: l,
                from_ns: start,
                to_ns: stop,
                label: label.clone(),
                kind,
            });
        }
    }
    d
}

/// Replica values over time, and the acknowledged total, for a counter's convergence.
pub fn convergence_chart(setup: &Setup, run: &LabRun) -> ChartSpec {
    use models::checker::convergence::Observed;
    let mut lines: Vec<SweepLine> = (0..setup.replicas)
        .map(|r| SweepLine {
            design: format!("{}#{r}", setup.store_name),
            points: Vec::new(),
        })
        .collect();
    for s in &run.world.samples {
        let t = s.at_ns as f64 / 1e9;
        for (r, o) in s.replicas.iter().enumerate() {
            let v = match o {
                Observed::Counter(v) => *v as f64,
                Observed::Set(set) => set.len() as f64,
                Observed::Down => continue,
            };
            lines[r].points.push((t, v, None));
        }
    }
    // The acknowledged total at each sample: additions acknowledged by then.
    let mut acked: Vec<(u64, f64)> = run
        .world
        .ops
        .iter()
        .filter(|o| o.outcome == Outcome::Ok && o.op.is_update())
        .filter_map(|o| {
            let v = match o.op {
                crate::workload::Op::Add { amount } => amount as f64,
                _ => 1.0,
            };
            Some((o.complete_ns?, v))
        })
        .collect();
    acked.sort_by_key(|a| a.0);
    let mut total = SweepLine {
        design: "acknowledged".to_string(),
        points: Vec::new(),
    };
    let (mut i, mut sum) = (0, 0.0);
    for s in &run.world.samples {
        while i < acked.len() && acked[i].0 <= s.at_ns {
            sum += acked[i].1;
            i += 1;
        }
        total.points.push((s.at_ns as f64 / 1e9, sum, None));
    }
    lines.push(total);
    ChartSpec {
        id: "convergence".to_string(),
        title: "replica values over time".to_string(),
        caption: "Each replica's value, sampled, against the total of acknowledged updates: \
                  apart during the partition, together once gossip gets through."
            .to_string(),
        kind: ChartKind::Sweep(SweepData {
            parameter: "time (s)".to_string(),
            metric: "value".to_string(),
            lines,
            x_log: false,
            threshold: None,
        }),
    }
}

/// The verdict section of the report, as HTML.
fn verdict_html(
    verdict: &LabVerdict,
    diagram_svg: Option<&str>,
    charts: &[reports::report::Rendered],
    replay: &str,
) -> String {
    let esc = reports::format::escape;
    let mut h = String::from("<section id=\"verdict\"><h2>Verdict</h2>\n");
    h.push_str(&format!(
        "<p><strong>{}</strong></p>\n",
        esc(&verdict.summary)
    ));
    if !verdict.details.is_empty() {
        h.push_str(&format!("<pre>{}</pre>\n", esc(&verdict.details)));
    }
    if let Some(svg) = diagram_svg {
        h.push_str(
            "<figure>\n<figcaption>Space-time diagram of the window around the first \
             violation (lamport.svg).</figcaption>\n",
        );
        h.push_str(svg);
        h.push_str("</figure>\n");
    }
    for c in charts {
        h.push_str(&format!(
            "<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n",
            c.svg,
            esc(&c.spec.caption)
        ));
    }
    h.push_str(&format!(
        "<p>Replay: <code>{}</code></p>\n</section>\n",
        esc(replay)
    ));
    h
}

/// Writes the report of a lab run into `dir`; returns the files written.
pub fn write(
    dir: &Path,
    results: &RunResults,
    verdict: &LabVerdict,
    diagram_svg: Option<&str>,
    extra_charts: &[ChartSpec],
    replay: &str,
) -> Result<Vec<PathBuf>, LabError> {
    let mut written = reports::write_run(dir, results).map_err(|source| LabError::WriteInto {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut report = reports::report::build(results, None)?;
    let mut extra = Vec::new();
    for spec in extra_charts {
        let svg = reports::chart::svg(spec)?;
        extra.push(reports::report::Rendered {
            spec: spec.clone(),
            svg,
        });
    }
    let section = verdict_html(verdict, diagram_svg, &extra, replay);
    report.charts.extend(extra);
    report.html = match report.html.rfind("</body>") {
        Some(at) => format!("{}{section}{}", &report.html[..at], &report.html[at..]),
        None => format!("{}{section}", report.html),
    };
    // The report's replay section speaks of `caplab run`: a lab run replays with its own line.
    let generic = format!(
        "<pre>caplab run &lt;scenario file&gt; --seed {}</pre>",
        results.seed
    );
    report.html = report.html.replace(
        &generic,
        &format!("<pre>{}</pre>", reports::format::escape(replay)),
    );
    report.markdown = report.markdown.replace(
        &format!("caplab run <scenario file> --seed {}\n", results.seed),
        &format!("{replay}\n"),
    );
    report.markdown.push_str(&format!(
        "\n## Verdict\n\n**{}**\n\n```text\n{}```\n\n{}Replay: `{replay}`\n",
        verdict.summary,
        verdict.details,
        if diagram_svg.is_some() {
            "![space-time diagram](lamport.svg)\n\n"
        } else {
            ""
        }
    ));
    written.extend(reports::write_report(dir, &report, false)?);
    let path = dir.join("lamport.svg");
    match diagram_svg {
        Some(svg) => {
            std::fs::write(&path, svg).map_err(|source| LabError::Write {
                path: path.clone(),
                source,
            })?;
            written.push(path);
        }
        // No diagram this time: one left by an earlier run would describe another run.
        None if path.exists() => {
            std::fs::remove_file(&path).map_err(|source| LabError::RemoveStale {
                path: path.clone(),
                source,
            })?
        }
        None => {}
    }
    Ok(written)
}
