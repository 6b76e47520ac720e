//! The charts of a run's report, in report order, as specs (drawn by `crate::chart`).

use crate::chart::*;
use crate::format::{seconds, slug};
use crate::stats::Replications;
use results::RunResults;

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
