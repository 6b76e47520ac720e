//! A short generated narrative of a run: what each fault window did to each design, who
//! did best, and (with replications) which differences are real.
//!
//! Plain sentences (no markup), pure functions of the results. Figures come from the time
//! series: a window counts for a fault when it overlaps the fault's interval; "outside
//! faults" means the measured windows (after the warm-up) that overlap no fault.

use crate::stats::{Difference, Replications, METRICS};
use crate::table::{magnitude, percent, seconds};
use models::results::{DesignResult, FaultWindow, RunResults, WindowRow};

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
            s.p99_max = s.p99_max.max(r.latency_p99_ms);
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
    if results.designs.len() > 1 {
        let best = |key: &dyn Fn(&DesignResult) -> f64, lower: bool| {
            let mut it = results.designs.iter().filter(|d| key(d).is_finite());
            let first = it.next()?;
            let (mut lo, mut hi) = (first, first);
            for d in it {
                if key(d) < key(lo) {
                    lo = d;
                }
                if key(d) > key(hi) {
                    hi = d;
                }
            }
            Some(if lower { (lo, hi) } else { (hi, lo) })
        };
        if let Some((b, w)) = best(&|d| d.failure_rate, true) {
            out.push(format!(
                "Fewest failures: {} ({} of completed requests); most: {} ({}).",
                b.name,
                pct(b.failure_rate),
                w.name,
                pct(w.failure_rate)
            ));
        }
        if let Some((b, w)) = best(&|d| d.latency_ms.p99, true) {
            out.push(format!(
                "Lowest p99 latency: {} ({} ms); highest: {} ({} ms).",
                b.name,
                magnitude(b.latency_ms.p99),
                w.name,
                magnitude(w.latency_ms.p99)
            ));
        }
        if let Some((b, w)) = best(&|d| d.throughput_per_s, false) {
            out.push(format!(
                "Most successes per second: {} ({}/s); fewest: {} ({}/s).",
                b.name,
                magnitude(b.throughput_per_s),
                w.name,
                magnitude(w.throughput_per_s)
            ));
        }
    }
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
        let linearizable = verdicts.iter().all(|v| *v == "linearizable");
        let unknown = verdicts.iter().any(|v| v.starts_with("unknown"));
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
        costs.push(
            if linearizable {
                "the history is linearizable"
            } else if unknown {
                "the checker ran out of budget"
            } else {
                "the history is not linearizable"
            }
            .to_string(),
        );
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
