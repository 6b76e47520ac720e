//! A short generated narrative of a run: what each fault window did to each design, who
//! did best, and (with replications) which differences are real.
//!
//! Plain sentences (no markup), pure functions of the results. Figures come from the time
//! series: a window counts for a fault when it overlaps the fault's interval; "outside
//! faults" means the measured windows (after the warm-up) that overlap no fault.

use crate::format::{magnitude, percent, seconds, thousands};
use crate::stats::{Difference, Replications, METRICS};
use results::{DesignResult, FaultWindow, RunResults, WindowRow};

/// Failed share, successes per second and the highest p99 of some windows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Slice {
    completed: u64,
    failed: u64,
    ok: u64,
    seconds: f64,
    p99_max: f64,
}

impl Slice {
    fn of<'a>(rows: impl Iterator<Item = &'a WindowRow>, window_s: f64) -> Slice {
        let mut s = Slice::default();
        for r in rows {
            s.completed += r.ok + r.error + r.timeout + r.rejected;
            s.failed += r.error + r.timeout + r.rejected;
            s.ok += r.ok;
            s.seconds += window_s;
            s.p99_max = s.p99_max.max(r.latency_p99_ms.unwrap_or(0.0));
        }
        s
    }

    fn failure_rate(&self) -> Option<f64> {
        (self.completed > 0).then(|| self.failed as f64 / self.completed as f64)
    }

    fn throughput(&self) -> Option<f64> {
        (self.seconds > 0.0).then(|| self.ok as f64 / self.seconds)
    }
}

fn overlaps(r: &WindowRow, window_s: f64, start: f64, end: f64) -> bool {
    r.start_s < end && r.start_s + window_s > start
}

fn fault_end(f: &FaultWindow, duration_s: f64) -> f64 {
    f.end_s.unwrap_or(duration_s)
}

/// `from 10 s to 40 s` / `from 10 s to the end`.
pub fn interval(f: &FaultWindow) -> String {
    match f.end_s {
        Some(e) => format!("from {} s to {} s", seconds(f.start_s), seconds(e)),
        None => format!("from {} s to the end", seconds(f.start_s)),
    }
}

fn pct(rate: f64) -> String {
    format!("{}%", percent(rate))
}

/// The outside-faults slice of a design (measured windows overlapping no fault).
fn baseline(results: &RunResults, d: &DesignResult) -> Slice {
    let w = results.window_s;
    Slice::of(
        d.series.iter().filter(|r| {
            r.start_s >= results.warmup_s
                && !results
                    .faults
                    .iter()
                    .any(|f| overlaps(r, w, f.start_s, fault_end(f, results.duration_s)))
        }),
        w,
    )
}

/// One sentence per fault window, then the best and worst designs, then (with
/// replications) the differences between the first design and each other one.
pub fn narrative(results: &RunResults, reps: Option<&Replications>) -> Vec<String> {
    let mut out = Vec::new();
    let w = results.window_s;
    for f in &results.faults {
        let end = fault_end(f, results.duration_s);
        if end <= results.warmup_s {
            out.push(format!(
                "The {} {} fell inside the warm-up and is not measured.",
                f.label,
                interval(f)
            ));
            continue;
        }
        let clauses: Vec<String> = results
            .designs
            .iter()
            .map(|d| {
                let during = Slice::of(
                    d.series
                        .iter()
                        .filter(|r| overlaps(r, w, f.start_s.max(results.warmup_s), end)),
                    w,
                );
                let base = baseline(results, d);
                let mut clause = format!("design {}", d.name);
                match during.failure_rate() {
                    Some(rate) => clause.push_str(&format!(
                        " failed {} of the requests that ended then",
                        pct(rate)
                    )),
                    None => clause.push_str(" completed no request"),
                }
                if let Some(b) = base.failure_rate() {
                    clause.push_str(&format!(" ({} outside faults)", pct(b)));
                }
                if let Some(t) = during.throughput() {
                    clause.push_str(&format!(", served {} successes/s", magnitude(t)));
                    if let Some(b) = base.throughput() {
                        clause.push_str(&format!(" (vs {}/s)", magnitude(b)));
                    }
                }
                if during.p99_max > 0.0 {
                    clause.push_str(&format!(
                        " and its p99 latency peaked at {} ms",
                        magnitude(during.p99_max)
                    ));
                }
                clause
            })
            .collect();
        if !clauses.is_empty() {
            out.push(format!(
                "During the {} {}, {}.",
                f.label,
                interval(f),
                clauses.join("; ")
            ));
        }
    }
    out.extend(comparison_sentences(results));
    out.extend(message_sentences(results));
    for d in &results.designs {
        if d.stop != "time_limit" && d.stop != "idle" {
            out.push(format!(
                "The run of design {} stopped early ({}): its figures cover part of the scenario.",
                d.name, d.stop
            ));
        }
    }
    out.extend(consistency_sentences(results));
    if let Some(reps) = reps {
        out.extend(replication_sentences(reps));
    }
    out
}

/// How the designs of a run compare on one figure.
#[derive(Debug, PartialEq)]
enum Ranking<'a> {
    /// No design has the figure.
    Nothing,
    /// Only one design has it.
    One(&'a DesignResult),
    /// Every design that has it shows the same value (as printed).
    Tied,
    /// The best designs (ties kept together) and the worst ones, never the same.
    Spread {
        best: Vec<&'a DesignResult>,
        worst: Vec<&'a DesignResult>,
    },
}

/// Ranks the designs that have a figure (`key` gives `None` for those that have none, such as
/// latency without a successful request). Values that print alike (`shown`) are ties, so a
/// sentence never calls a design better for a difference it does not show.
fn rank<'a>(
    designs: &'a [DesignResult],
    key: &dyn Fn(&DesignResult) -> Option<f64>,
    lower_is_better: bool,
    shown: &dyn Fn(f64) -> String,
) -> Ranking<'a> {
    let mut have: Vec<(&DesignResult, f64)> = designs
        .iter()
        .filter_map(|d| key(d).filter(|v| v.is_finite()).map(|v| (d, v)))
        .collect();
    match have.len() {
        0 => return Ranking::Nothing,
        1 => return Ranking::One(have[0].0),
        _ => {}
    }
    // Stable: designs keep file order within equal values.
    have.sort_by(|a, b| {
        let o = a.1.total_cmp(&b.1);
        if lower_is_better {
            o
        } else {
            o.reverse()
        }
    });
    let best_text = shown(have[0].1);
    let worst_text = shown(have[have.len() - 1].1);
    if best_text == worst_text {
        return Ranking::Tied;
    }
    Ranking::Spread {
        best: have
            .iter()
            .filter(|(_, v)| shown(*v) == best_text)
            .map(|(d, _)| *d)
            .collect(),
        worst: have
            .iter()
            .filter(|(_, v)| shown(*v) == worst_text)
            .map(|(d, _)| *d)
            .collect(),
    }
}

/// `a`, `a and b`, `a, b and c`.
fn names(designs: &[&DesignResult]) -> String {
    let names: Vec<&str> = designs.iter().map(|d| d.name.as_str()).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// What one comparison sentence says, for [`compare`].
struct Figure<'a> {
    /// The value of a design, `None` when it has none.
    key: &'a dyn Fn(&DesignResult) -> Option<f64>,
    lower_is_better: bool,
    /// The value as printed (`1.20%`, `3.4 ms`).
    shown: &'a dyn Fn(f64) -> String,
    /// `p99 latency`: what the figure is, for one design alone.
    what: &'a str,
    /// `Fewest failures`, `most`.
    best: &'a str,
    worst: &'a str,
    /// `failed {} of completed requests`, said of every design when they tie.
    tied: &'a str,
    /// `had no successful request` for the designs without the figure.
    missing: &'a str,
    /// Who ties: `Every design`, `Every design with queues`.
    everyone: &'a str,
}

/// One sentence comparing the designs on `f`. The designs without the figure are named
/// apart, never ranked; a design alone is described, not called best.
fn compare(designs: &[DesignResult], f: &Figure) -> Option<String> {
    let value = |d: &DesignResult| (f.key)(d).map_or_else(String::new, f.shown);
    let with: Vec<&DesignResult> = designs.iter().filter(|d| (f.key)(d).is_some()).collect();
    let without: Vec<&DesignResult> = designs.iter().filter(|d| (f.key)(d).is_none()).collect();
    let apart = || format!("{} {}", names(&without), f.missing);
    let sentence = match rank(designs, f.key, f.lower_is_better, f.shown) {
        Ranking::Nothing if without.is_empty() => return None,
        Ranking::Nothing => format!("No {}: {}", f.what, apart()),
        Ranking::One(d) if without.is_empty() => format!("{} {}: {}", d.name, f.what, value(d)),
        Ranking::One(d) => format!(
            "Only {} has a {} ({}): {}",
            d.name,
            f.what,
            value(d),
            apart()
        ),
        Ranking::Tied => {
            let v = with.first().map_or_else(String::new, |d| value(d));
            let tied = f.tied.replace("{}", &v);
            if without.is_empty() {
                format!("{} {tied}", f.everyone)
            } else {
                format!("Designs {} {tied} ({})", names(&with), apart())
            }
        }
        Ranking::Spread { best, worst } => {
            let mut t = format!(
                "{}: {} ({}); {}: {} ({})",
                f.best,
                names(&best),
                value(best[0]),
                f.worst,
                names(&worst),
                value(worst[0])
            );
            if !without.is_empty() {
                t.push_str(&format!(" ({})", apart()));
            }
            t
        }
    };
    Some(sentence + ".")
}

/// Who did best and worst on failures, latency and throughput; with one design, its figures
/// and that there is nothing to compare.
fn comparison_sentences(results: &RunResults) -> Vec<String> {
    let designs = &results.designs;
    let latency = |v: f64| format!("{} ms", magnitude(v));
    let rate = |v: f64| format!("{}/s", magnitude(v));
    if let [d] = designs.as_slice() {
        let rate = |v: f64| magnitude(v);
        let p99 = d.latency_ms.map_or_else(
            || "no successful request".to_string(),
            |l| format!("p99 latency {}", latency(l.p99)),
        );
        return vec![format!(
            "One design ran, so there is nothing to compare: {} failed {} of completed \
             requests, {p99}, {} successes/s.",
            d.name,
            pct(d.failure_rate),
            rate(d.throughput_per_s)
        )];
    }
    // Latency, for designs that hand work to queues, is the acknowledgement's.
    let queued = designs.iter().any(|d| d.messages.is_some());
    let p99_best = if queued {
        "Lowest p99 response latency (for queued work, the acknowledgement)"
    } else {
        "Lowest p99 latency"
    };
    let figures = [
        Figure {
            key: &|d| Some(d.failure_rate),
            lower_is_better: true,
            shown: &|v| pct(v),
            what: "failure rate",
            best: "Fewest failures",
            worst: "most",
            tied: "failed {} of completed requests",
            missing: "",
            everyone: "Every design",
        },
        Figure {
            key: &|d| d.latency_ms.map(|l| l.p99),
            lower_is_better: true,
            shown: &latency,
            what: "p99 latency",
            best: p99_best,
            worst: "highest",
            tied: "had the same p99 latency ({})",
            missing: "had no successful request, so no latency",
            everyone: "Every design",
        },
        Figure {
            key: &|d| Some(d.throughput_per_s),
            lower_is_better: false,
            shown: &rate,
            what: "throughput",
            best: "Most successes per second",
            worst: "fewest",
            tied: "served successes at {}",
            missing: "",
            everyone: "Every design",
        },
    ];
    figures.iter().filter_map(|f| compare(designs, f)).collect()
}

/// The latency until a request's work is done: the completion latency of a design that
/// hands work to queues (the processing of the messages it published), the response
/// latency of one that does not.
fn until_done(d: &DesignResult) -> Option<results::LatencySummary> {
    match &d.messages {
        Some(m) => m.completion_latency_ms,
        None => d.latency_ms,
    }
}

/// Sentences on the designs with brokers: messages lost or dead-lettered (named per
/// design, none said as none), messages processed and left queued, and the latency until
/// the work is done, compared across every design when some answer before the work is done.
fn message_sentences(results: &RunResults) -> Vec<String> {
    let with: Vec<&DesignResult> = results
        .designs
        .iter()
        .filter(|d| d.messages.is_some())
        .collect();
    if with.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let lost = |d: &DesignResult| -> u64 {
        d.messages
            .as_ref()
            .map_or(0, |m| m.lost.values().sum::<u64>())
    };
    let harmed = with.iter().any(|d| {
        d.messages
            .as_ref()
            .is_some_and(|m| lost(d) + m.dead_lettered + m.failed > 0)
    });
    if harmed {
        let clauses: Vec<String> = with
            .iter()
            .filter_map(|d| {
                let m = d.messages.as_ref()?;
                let mut parts = Vec::new();
                if lost(d) > 0 {
                    let why: Vec<String> = m
                        .lost
                        .iter()
                        .map(|(k, v)| format!("{k}: {}", thousands(*v)))
                        .collect();
                    parts.push(format!("lost {} ({})", thousands(lost(d)), why.join(", ")));
                }
                if m.dead_lettered > 0 {
                    parts.push(format!("dead-lettered {}", thousands(m.dead_lettered)));
                }
                if m.failed > 0 {
                    parts.push(format!("failed {}", thousands(m.failed)));
                }
                Some(if parts.is_empty() {
                    format!(
                        "{} lost none of its {} messages",
                        d.name,
                        thousands(m.entered)
                    )
                } else {
                    format!(
                        "{} {} of its {} messages",
                        d.name,
                        parts.join(", "),
                        thousands(m.entered)
                    )
                })
            })
            .collect();
        out.push(format!("Messages: {}.", clauses.join("; ")));
    } else {
        out.push(format!(
            "No message was lost, dead-lettered or failed in {}.",
            if with.len() == 1 {
                format!("design {}", with[0].name)
            } else {
                "any design".to_string()
            }
        ));
    }
    let seconds = (results.duration_s - results.warmup_s).max(0.0);
    let processed_designs: Vec<DesignResult> = with.iter().map(|d| (*d).clone()).collect();
    if with.len() > 1 {
        if let Some(s) = compare(
            &processed_designs,
            &Figure {
                key: &|d| d.messages.as_ref().map(|m| m.processed as f64),
                lower_is_better: false,
                shown: &|v| thousands(v as u64),
                what: "count of messages processed",
                best: "Most messages processed",
                worst: "fewest",
                tied: "processed {} messages",
                missing: "",
                everyone: if with.len() < results.designs.len() {
                    "Every design with queues"
                } else {
                    "Every design"
                },
            },
        ) {
            out.push(s);
        }
    }
    let backlog: Vec<String> = with
        .iter()
        .filter_map(|d| {
            let m = d.messages.as_ref()?;
            let entered_rate = if seconds > 0.0 {
                m.entered as f64 / results.duration_s
            } else {
                0.0
            };
            (m.queued > 0 && m.queued * 10 >= m.entered).then(|| {
                format!(
                    "{} ({} of {} still queued; {}/s entered)",
                    d.name,
                    thousands(m.queued),
                    thousands(m.entered),
                    magnitude(entered_rate)
                )
            })
        })
        .collect();
    if !backlog.is_empty() {
        out.push(format!(
            "Fell behind, leaving a tenth or more of the messages unprocessed at the end: {}.",
            backlog.join("; ")
        ));
    }
    // Completion latency, as a person reads it beside the acknowledgement's.
    let completion: Vec<String> = with
        .iter()
        .filter_map(|d| {
            let m = d.messages.as_ref()?;
            let c = m.completion_latency_ms?;
            let ack = d.latency_ms.map_or_else(String::new, |l| {
                format!(", acknowledged in {} ms", magnitude(l.mean))
            });
            // Survivorship: a lost message never completes, so it is not in the figure.
            let gone = lost(d) + m.dead_lettered;
            let left_out = if gone > 0 {
                let s = if gone == 1 { "" } else { "s" };
                format!(
                    ", leaving out the {} message{s} lost or dead-lettered",
                    thousands(gone)
                )
            } else {
                String::new()
            };
            Some(format!(
                "{} {} ms on average (p99 {} ms{ack}{left_out})",
                d.name,
                magnitude(c.mean),
                magnitude(c.p99)
            ))
        })
        .collect();
    if !completion.is_empty() {
        out.push(format!(
            "Completion latency, from a request to the processing of its message: {}.",
            completion.join("; ")
        ));
    }
    // Until the work is done: completion for queued designs, the response otherwise.
    let mixed = with.len() < results.designs.len();
    let latency = |v: f64| format!("{} ms", magnitude(v));
    let done_designs: Vec<DesignResult> = if mixed {
        results.designs.clone()
    } else {
        processed_designs
    };
    let (what, best, tied, missing) = if mixed {
        (
            "p99 latency until the work is done",
            "Lowest p99 latency until the work is done (the message processed for designs \
             with queues, the response otherwise)",
            "had the same p99 latency until the work was done ({})",
            "processed no message of a request issued after the warm-up",
        )
    } else {
        (
            "p99 completion latency",
            "Lowest p99 completion latency (from the request to the processing of its message)",
            "had the same p99 completion latency ({})",
            "processed no message of a request issued after the warm-up",
        )
    };
    if let Some(s) = compare(
        &done_designs,
        &Figure {
            key: &|d| until_done(d).map(|l| l.p99),
            lower_is_better: true,
            shown: &latency,
            what,
            best,
            worst: "highest",
            tied,
            missing,
            everyone: if mixed || with.len() == results.designs.len() {
                "Every design"
            } else {
                "Every design with queues"
            },
        },
    ) {
        out.push(s);
    }
    out
}

/// Share of the requests of endpoint `name` of `d` ending in windows that overlap
/// `[start, end)` that succeeded (`None`: none ended).
fn endpoint_availability(
    results: &RunResults,
    d: &DesignResult,
    name: &str,
    start: f64,
    end: f64,
) -> Option<f64> {
    let e = d.endpoints.get(name)?;
    let (mut ok, mut failed) = (0u64, 0u64);
    for (row, cells) in d.series.iter().zip(&e.series) {
        if overlaps(row, results.window_s, start, end) {
            ok += cells[0];
            failed += cells[1];
        }
    }
    (ok + failed > 0).then(|| ok as f64 / (ok + failed) as f64)
}

/// One sentence per design with replicated stores: what it chose when the network
/// partitioned (consistency or availability, judged from its endpoints' availability during
/// the partition and the checker's verdict), or, without a partition, how consistent it was.
pub fn consistency_sentences(results: &RunResults) -> Vec<String> {
    let partition = results
        .faults
        .iter()
        .find(|f| f.kind == "partition" && fault_end(f, results.duration_s) > results.warmup_s);
    let mut out = Vec::new();
    for d in results.designs.iter().filter(|d| !d.stores.is_empty()) {
        let reads: u64 = d.stores.values().map(|s| s.reads).sum();
        let stale: u64 = d.stores.values().map(|s| s.stale_reads).sum();
        let lost: u64 = d.stores.values().map(|s| s.lost_writes).sum();
        let verdicts: Vec<&str> = d
            .stores
            .values()
            .map(|s| s.linearizability.as_str())
            .collect();
        // A lab run's check names its property: `unique holds`, `convergent violated`.
        let holds = |v: &str| v == "linearizable" || v.ends_with(" holds");
        let linearizable = verdicts.iter().all(|v| holds(v));
        let unknown = verdicts
            .iter()
            .any(|v| v.starts_with("unknown") || v.ends_with(" unknown"));
        let other_check = verdicts
            .iter()
            .find(|v| !matches!(**v, "linearizable" | "violation") && !v.starts_with("unknown"))
            .and_then(|v| v.rsplit_once(' '))
            .map(|(property, _)| property);
        let stale_share = if reads == 0 {
            0.0
        } else {
            stale as f64 / reads as f64
        };
        let consistent = linearizable && stale == 0 && lost == 0;
        let mut costs = Vec::new();
        if stale > 0 {
            costs.push(format!("{} of reads were stale", pct(stale_share)));
        }
        if lost > 0 {
            // Lost: overwritten in a merge, or gone with a primary before it was shipped.
            costs.push(format!("{lost} acknowledged writes were lost"));
        }
        let siblings: u64 = d.stores.values().map(|s| s.sibling_reads).sum();
        if siblings > 0 {
            costs.push(format!(
                "{siblings} reads met concurrent versions (siblings)"
            ));
        }
        let failovers: u64 = d.stores.values().map(|s| s.failovers).sum();
        if failovers > 0 {
            costs.push(format!("{failovers} primary election(s)"));
        }
        costs.push(match (linearizable, unknown, other_check) {
            (true, _, None) => "the history is linearizable".to_string(),
            (true, _, Some(p)) => format!("the {p} check holds"),
            (false, true, _) => "the checker ran out of budget".to_string(),
            (false, false, None) => "the history is not linearizable".to_string(),
            (false, false, Some(p)) => format!("the {p} check fails"),
        });
        let Some(f) = partition else {
            out.push(format!("Design {}: {}.", d.name, costs.join(", ")));
            continue;
        };
        let (start, end) = (
            f.start_s.max(results.warmup_s),
            fault_end(f, results.duration_s),
        );
        let sides: Vec<(&String, f64)> = d
            .endpoints
            .keys()
            .filter_map(|n| Some((n, endpoint_availability(results, d, n, start, end)?)))
            .collect();
        let Some(worst) = sides.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
            continue;
        };
        let best = sides
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or(worst);
        let available = worst.1 >= 0.99;
        let choice = match (available, consistent) {
            (false, true) => "chose consistency",
            (true, false) => "chose availability",
            (false, false) => "lost both availability and consistency",
            (true, true) => "kept both",
        };
        let served = if (best.1 - worst.1).abs() < 0.005 {
            format!("every endpoint served {} of its requests", pct(worst.1))
        } else {
            format!(
                "{} served {} of its requests and {} {}",
                worst.0,
                pct(worst.1),
                best.0,
                pct(best.1)
            )
        };
        out.push(format!(
            "Design {} {choice}: during the {} {}, {served}; {}.",
            d.name,
            f.label,
            interval(f),
            costs.join(", ")
        ));
    }
    out
}

fn unit_value(metric: &str, v: f64) -> String {
    match metric {
        "failure_rate" => format!("{} points", percent(v)),
        "throughput_per_s" => format!("{}/s", magnitude(v)),
        _ => format!("{} ms", magnitude(v)),
    }
}

/// Sentences on the differences between the first design and each other one, for the
/// failure rate and the mean latency.
fn replication_sentences(reps: &Replications) -> Vec<String> {
    let mut out = Vec::new();
    if reps.replications < 2 {
        return out;
    }
    let Some(first) = reps.designs.first() else {
        return out;
    };
    for d in reps
        .differences
        .iter()
        .filter(|d| d.a == first.name)
        .filter(|d| d.metric == "failure_rate" || d.metric == "latency_mean_ms")
    {
        out.push(difference_sentence(d, reps.replications));
    }
    out
}

/// `Over 10 replications, split's mean latency is 3.1 ms lower than monolith's (±0.2 ms,
/// paired 95% interval; ±1.4 ms if the seeds were independent: 7.0× tighter).`
pub fn difference_sentence(d: &Difference, n: u64) -> String {
    let what = METRICS
        .iter()
        .find(|m| m.0 == d.metric)
        .map_or(d.metric.as_str(), |m| m.2);
    let paired = d
        .paired_half_width
        .map_or_else(|| "-".to_string(), |h| unit_value(&d.metric, h));
    let unpaired = d
        .unpaired_half_width
        .map_or_else(|| "-".to_string(), |h| unit_value(&d.metric, h));
    let tighter = match d.tightening() {
        Some(t) if t >= 1.1 => format!(": common random numbers make it {t:.1}× tighter"),
        Some(_) => ": pairing gains little here".to_string(),
        None => String::new(),
    };
    if d.significant() {
        let dir = if d.mean < 0.0 { "lower" } else { "higher" };
        format!(
            "Over {n} replications, {b}'s {what} is {v} {dir} than {a}'s (±{paired}, paired 95% \
             interval; ±{unpaired} if the seeds were independent{tighter}).",
            b = d.b,
            a = d.a,
            v = unit_value(&d.metric, d.mean.abs()),
        )
    } else {
        format!(
            "Over {n} replications, {b} and {a} cannot be told apart on {what}: the difference \
             is {v} ±{paired} (paired 95% interval; ±{unpaired} if the seeds were \
             independent{tighter}).",
            b = d.b,
            a = d.a,
            v = unit_value(&d.metric, d.mean),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample;

    #[test]
    fn fault_sentence_names_the_window_and_every_design() {
        let r = sample();
        let text = narrative(&r, None);
        let first = &text[0];
        assert!(
            first.starts_with("During the crash store#0 from 11 s to 12 s, design leader failed "),
            "{first}"
        );
        assert!(first.contains("design quorum-3 failed "), "{first}");
        // leader window 11: ok 1000, error 1, timeout 2 → 3 / 1003
        assert!(
            first.contains("failed 0.30% of the requests that ended then"),
            "{first}"
        );
        assert!(text
            .iter()
            .any(|s| s.starts_with("Fewest failures: quorum-3 (0.50%")));
        assert!(text
            .iter()
            .any(|s| s.starts_with("Lowest p99 latency: leader")));
    }

    /// The comparison sentences of a run (failures, latency, throughput), by their opening.
    fn comparisons(r: &RunResults) -> Vec<String> {
        narrative(r, None)
            .into_iter()
            .filter(|s| !s.starts_with("During") && !s.starts_with("Design "))
            .collect()
    }

    #[test]
    fn a_design_without_successes_is_never_ranked_on_latency() {
        let mut r = sample();
        r.designs[1].latency_ms = None;
        r.designs[1].latency_cdf.clear();
        let text = comparisons(&r);
        let latency: Vec<&String> = text.iter().filter(|s| s.contains("latency")).collect();
        assert_eq!(latency.len(), 1, "{text:?}");
        assert_eq!(
            latency[0],
            "Only leader has a p99 latency (45.7 ms): quorum-3 had no successful request, so \
             no latency."
        );
        assert!(text.iter().all(|s| !s.contains("0.00 ms")), "{text:?}");
        r.designs[0].latency_ms = None;
        let text = comparisons(&r);
        assert!(
            text.contains(
                &"No p99 latency: leader and quorum-3 had no successful request, so no latency."
                    .to_string()
            ),
            "{text:?}"
        );
    }

    #[test]
    fn ties_and_a_single_design_are_said_as_such() {
        let mut r = sample();
        r.designs[1].failure_rate = r.designs[0].failure_rate + 1e-9;
        r.designs[1].throughput_per_s = r.designs[0].throughput_per_s;
        let text = comparisons(&r);
        assert!(
            text.iter()
                .any(|s| s.starts_with("Every design failed 1.23% of completed requests")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|s| s.starts_with("Every design served successes at")),
            "{text:?}"
        );
        r.designs.truncate(1);
        let text = comparisons(&r);
        assert_eq!(text.len(), 1, "{text:?}");
        assert!(
            text[0].starts_with("One design ran, so there is nothing to compare: leader failed"),
            "{text:?}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Whatever the figures (equal, missing, one design or many), no sentence names a
        /// design both best and worst, and no ranked figure is a latency without samples.
        #[test]
        fn no_design_is_both_best_and_worst(
            figures in proptest::collection::vec(
                (0u8..4, 0u8..4, proptest::option::of(1u8..4)), 1..6)
        ) {
            let mut r = sample();
            let template = r.designs[0].clone();
            r.designs = figures
                .iter()
                .enumerate()
                .map(|(i, &(f, t, l))| {
                    let mut d = template.clone();
                    d.name = format!("d{i}");
                    d.failure_rate = f64::from(f) / 10.0;
                    d.throughput_per_s = f64::from(t) * 100.0;
                    d.latency_ms = l.map(|l| results::LatencySummary {
                        p99: f64::from(l) * 10.0,
                        ..Default::default()
                    });
                    d
                })
                .collect();
            for s in comparisons(&r) {
                if let Some((best, worst)) = s.split_once("; ") {
                    let who = |part: &str| -> Vec<String> {
                        let names = part.split(':').nth(1).unwrap_or("");
                        let names = names.split(" (").next().unwrap_or("");
                        names
                            .split([',', ' '])
                            .filter(|w| w.starts_with('d') && w.len() > 1)
                            .map(str::to_string)
                            .collect()
                    };
                    let (b, w) = (who(best), who(worst));
                    proptest::prop_assert!(!b.is_empty() && !w.is_empty(), "{}", s);
                    proptest::prop_assert!(b.iter().all(|n| !w.contains(n)), "{}", s);
                }
                proptest::prop_assert!(!s.contains("0.00 ms"), "{}", s);
            }
        }
    }

    #[test]
    fn faults_in_the_warm_up_are_said_to_be_unmeasured() {
        let mut r = sample();
        r.faults[0].start_s = 1.0;
        r.faults[0].end_s = Some(2.0);
        assert!(narrative(&r, None)[0].contains("inside the warm-up"));
        r.faults[0].end_s = None;
        r.faults[0].start_s = 12.0;
        assert!(narrative(&r, None)[0].contains("from 12 s to the end"));
    }

    #[test]
    fn difference_sentences() {
        let d = Difference {
            metric: "latency_mean_ms".to_string(),
            a: "monolith".to_string(),
            b: "split".to_string(),
            mean: -3.12,
            paired_half_width: Some(0.2),
            unpaired_half_width: Some(1.4),
        };
        assert_eq!(
            difference_sentence(&d, 10),
            "Over 10 replications, split's mean latency is 3.12 ms lower than monolith's \
             (±0.20 ms, paired 95% interval; ±1.40 ms if the seeds were independent: common \
             random numbers make it 7.0× tighter)."
        );
        let d = Difference { mean: 0.1, ..d };
        assert!(difference_sentence(&d, 10).contains("cannot be told apart on mean latency"));
    }
}
