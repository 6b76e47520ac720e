//! Distributed tracing: observation only (results and digests unchanged), every request
//! traced once with its outcome, caps reported, the exports' structure, error swallowing.

use models::plan::Checked;
use models::results::DesignResult;
use models::scenario::TraceSpec;
use models::trace::{SpanKind, Trace, TraceConfig};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn load(file: &str) -> Checked {
    models::load::load_file(Path::new(file)).unwrap_or_else(|e| panic!("{e}"))
}

fn run(s: &Checked, design: usize, trace: Option<TraceConfig>) -> DesignResult {
    models::run::run_design_traced(s, &s.designs[design], s.seed, trace).expect("runs")
}

fn config(f: impl FnOnce(&mut TraceSpec)) -> TraceConfig {
    let mut spec = TraceSpec::default();
    f(&mut spec);
    TraceConfig::from_spec(&spec)
}

/// `results.json`'s entry of a design, without the tracing summary.
fn untraced_json(d: &DesignResult) -> Value {
    let mut v = serde_json::to_value(d).expect("serialises");
    v.as_object_mut().expect("an object").remove("tracing");
    v
}

/// Shortened bundled scenarios: request/response with retries and pools, queues with
/// acknowledgements and a crash, the silent failure, locks and payments, replicated
/// stores under a partition.
/// `file` cut to `duration_s`, without the faults that would start after the cut.
fn shortened(file: &str, duration_s: f64) -> Checked {
    load(file)
        .edited(|s| {
            s.duration_s = duration_s;
            s.faults.retain(|f| f.at_s < duration_s);
        })
        .expect("checked")
}

fn observed_scenarios() -> Vec<Checked> {
    let mut out = Vec::new();
    for (file, duration) in [
        ("scenarios/silent-failure.json", 30.0),
        ("scenarios/redis-worker-failover.json", 60.0),
        ("scenarios/pool-exhaustion.json", 30.0),
        ("scenarios/payment-lock.json", 20.0),
        ("scenarios/cap-partition.json", 20.0),
    ] {
        out.push(shortened(file, duration));
    }
    out
}

#[test]
fn tracing_at_any_rate_changes_no_result_and_no_digest() {
    for s in observed_scenarios() {
        for d in 0..s.designs.len() {
            let off = run(&s, d, None);
            assert!(off.tracing.is_none() && off.traces.is_empty());
            for rate in [0.01, 1.0] {
                let on = run(&s, d, Some(config(|c| c.sample_rate = rate)));
                assert_eq!(
                    on.digest, off.digest,
                    "{} {}: digest moved",
                    s.name, off.name
                );
                assert_eq!(
                    untraced_json(&on),
                    untraced_json(&off),
                    "{} {} at {rate}: results moved",
                    s.name,
                    off.name
                );
                assert!(on.tracing.is_some());
            }
        }
    }
}

fn outcome_counts(traces: &[Trace]) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for t in traces {
        *m.entry(t.outcome.clone()).or_insert(0) += 1;
    }
    m
}

/// Ids from 1 in order, parents before children, children starting no earlier than their
/// parents, ends no earlier than starts, links to earlier spans.
fn assert_well_formed(t: &Trace) {
    assert_eq!(t.spans[0].parent, 0, "the first span is the root");
    for (i, s) in t.spans.iter().enumerate() {
        assert_eq!(s.id as usize, i + 1);
        assert!(s.end_ns >= s.start_ns, "{s:?}");
        if i > 0 {
            assert!(s.parent >= 1 && s.parent < s.id, "{s:?}");
            let p = &t.spans[s.parent as usize - 1];
            assert!(s.start_ns >= p.start_ns, "child before parent: {s:?} {p:?}");
        }
        assert!(s.link < s.id, "{s:?}");
    }
}

#[test]
fn every_request_has_one_trace_ending_as_the_results_say() {
    // Warm-up 0: the results count every request, like the recorder.
    let s = load("scenarios/silent-failure.json")
        .edited(|s| s.duration_s = 30.0)
        .expect("checked");
    for d in 0..s.designs.len() {
        let r = run(
            &s,
            d,
            Some(config(|c| {
                c.sample_rate = 1.0;
                c.max_traces = 1_000_000;
            })),
        );
        let summary = r.tracing.as_ref().expect("traced");
        assert_eq!(summary.requests, r.requests.total);
        assert_eq!(r.traces.len() as u64, r.requests.total);
        assert_eq!(summary.dropped_over_cap, 0);
        let requests: BTreeSet<u64> = r.traces.iter().map(|t| t.request).collect();
        assert_eq!(requests, (0..r.requests.total).collect::<BTreeSet<_>>());
        let by_outcome = outcome_counts(&r.traces);
        for (outcome, n) in &r.requests.by_outcome {
            assert_eq!(
                by_outcome.get(outcome).copied().unwrap_or(0),
                *n,
                "{outcome}"
            );
        }
        assert_eq!(
            summary.failed,
            r.requests.total - r.requests.ok - r.requests.by_outcome["in_flight"]
        );
        for t in &r.traces {
            assert_well_formed(t);
        }
        // Buffers hold only the requests in flight: a few spans each.
        assert!(summary.peak_buffered_spans < 20 * (r.requests.by_outcome["in_flight"] + 200));
    }
}

#[test]
fn the_same_requests_are_sampled_in_every_design_and_at_the_rate_asked() {
    let s = load("scenarios/silent-failure.json")
        .edited(|s| s.duration_s = 30.0)
        .expect("checked");
    let sampled = |d: usize| -> BTreeSet<u64> {
        let r = run(
            &s,
            d,
            Some(config(|c| {
                c.sample_rate = 0.1;
                c.keep_failed = false;
                c.max_traces = 100_000;
            })),
        );
        r.traces.iter().map(|t| t.request).collect()
    };
    let (a, b) = (sampled(0), sampled(1));
    // Both designs issue the same 3,000-odd requests; the sampled ones are the same.
    let n = 2_996.0_f64;
    let (mean, sd) = (0.1 * n, (0.1 * 0.9 * n).sqrt());
    assert!(
        (a.len() as f64 - mean).abs() < 4.0 * sd,
        "{} sampled of {n}",
        a.len()
    );
    let common = a.intersection(&b).count();
    assert!(common as f64 > 0.95 * a.len().min(b.len()) as f64);
}

#[test]
fn caps_bound_what_is_kept_and_are_reported() {
    let s = load("scenarios/silent-failure.json")
        .edited(|s| s.duration_s = 30.0)
        .expect("checked");
    let r = run(
        &s,
        0,
        Some(config(|c| {
            c.sample_rate = 0.0;
            c.max_traces = 3;
        })),
    );
    let t = r.tracing.as_ref().expect("traced");
    assert_eq!(t.kept, 3);
    assert_eq!(r.traces.len(), 3);
    assert_eq!(t.dropped_over_cap, t.failed - 3);
    // The first failures are kept.
    let first: Vec<u64> = r.traces.iter().map(|t| t.request).collect();
    assert!(first.windows(2).all(|w| w[0] < w[1]));
    let r = run(
        &s,
        1,
        Some(config(|c| {
            c.sample_rate = 1.0;
            c.max_spans_per_trace = 4;
            c.max_traces = 100_000;
        })),
    );
    let t = r.tracing.as_ref().expect("traced");
    assert!(r.traces.iter().all(|t| t.spans.len() <= 4));
    assert!(t.spans_dropped > 0 && t.traces_truncated > 0);
    assert_eq!(
        r.traces.iter().filter(|t| t.spans_dropped > 0).count() as u64,
        t.traces_truncated
    );
    let r = run(&s, 1, Some(config(|c| c.max_buffered_spans = 10)));
    let t = r.tracing.as_ref().expect("traced");
    assert!(t.peak_buffered_spans <= 10 && t.spans_dropped > 0, "{t:?}");
}

fn hex(s: &str, digits: usize) -> bool {
    s.len() == digits && s.chars().all(|c| c.is_ascii_hexdigit()) && s.chars().any(|c| c != '0')
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// Traces with queues and consumer links (S2) and with swallowed errors and timeouts (S10).
fn exported_traces() -> Vec<Trace> {
    let mut out = Vec::new();
    let s2 = load("scenarios/redis-worker-failover.json")
        .edited(|s| s.duration_s = 40.0)
        .expect("checked");
    out.extend(run(&s2, 1, Some(config(|c| c.sample_rate = 0.05))).traces);
    let s10 = load("scenarios/silent-failure.json")
        .edited(|s| s.duration_s = 20.0)
        .expect("checked");
    out.extend(run(&s10, 1, Some(config(|c| c.max_traces = 20))).traces);
    out
}

#[test]
fn otlp_export_parses_back_with_ids_parents_links_and_times() {
    let traces = exported_traces();
    assert!(
        traces.iter().any(|t| t.spans.iter().any(|s| s.link != 0)),
        "S2 links consumers"
    );
    let text = reports::trace::to_text(&reports::trace::otlp_json(&traces));
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    let mut spans_by_trace: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    let mut services = BTreeSet::new();
    for rs in v["resourceSpans"].as_array().expect("resourceSpans") {
        let attrs = rs["resource"]["attributes"].as_array().expect("attributes");
        let service = attrs
            .iter()
            .find(|a| a["key"] == "service.name")
            .and_then(|a| a["value"]["stringValue"].as_str())
            .expect("service.name");
        services.insert(service.to_string());
        for ss in rs["scopeSpans"].as_array().expect("scopeSpans") {
            assert_eq!(ss["scope"]["name"], "caplab");
            for span in ss["spans"].as_array().expect("spans") {
                let trace_id = str_of(span, "traceId");
                let span_id = str_of(span, "spanId");
                assert!(hex(trace_id, 32) && hex(span_id, 16), "{span}");
                let start: u64 = str_of(span, "startTimeUnixNano").parse().expect("u64");
                let end: u64 = str_of(span, "endTimeUnixNano").parse().expect("u64");
                assert!(start >= reports::trace::EPOCH_UNIX_NS && end >= start);
                assert!((1..=5).contains(&span["kind"].as_u64().expect("kind")));
                assert!(span["status"]["code"].as_u64().expect("code") <= 2);
                for a in span["attributes"].as_array().expect("attributes") {
                    assert!(a["key"].is_string() && a["value"].is_object());
                }
                let previous = spans_by_trace
                    .entry(trace_id.to_string())
                    .or_default()
                    .insert(span_id.to_string(), span.clone());
                assert!(previous.is_none(), "span ids are unique in a trace");
            }
        }
    }
    assert!(services.is_superset(&BTreeSet::from(["client".into(), "A".into(), "C".into()])));
    assert_eq!(spans_by_trace.len(), traces.len());
    let mut links = 0;
    for spans in spans_by_trace.values() {
        let roots = spans
            .values()
            .filter(|s| s.get("parentSpanId").is_none())
            .count();
        assert_eq!(roots, 1, "one root per trace");
        for span in spans.values() {
            let start: u64 = str_of(span, "startTimeUnixNano").parse().expect("u64");
            if let Some(p) = span.get("parentSpanId") {
                let parent = &spans[p.as_str().expect("hex")];
                let p_start: u64 = str_of(parent, "startTimeUnixNano").parse().expect("u64");
                assert!(start >= p_start, "a child starts within its parent's time");
            }
            for l in span
                .get("links")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert!(spans.contains_key(str_of(l, "spanId")), "links resolve");
                links += 1;
            }
        }
    }
    assert!(links > 0);
}

#[test]
fn chrome_export_has_lanes_that_nest_and_flows_that_pair() {
    let traces = exported_traces();
    let v = reports::trace::chrome_json(&traces);
    let events = v["traceEvents"].as_array().expect("traceEvents");
    let mut named_processes = BTreeSet::new();
    let mut named_threads = BTreeSet::new();
    let mut lanes: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    let mut flows: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut complete = 0;
    for e in events {
        let (pid, tid) = (
            e["pid"].as_u64().expect("pid"),
            e["tid"].as_u64().expect("tid"),
        );
        match e["ph"].as_str().expect("ph") {
            "M" if e["name"] == "process_name" => {
                named_processes.insert(pid);
            }
            "M" => {
                named_threads.insert((pid, tid));
            }
            "X" => {
                complete += 1;
                let ts = e["ts"].as_f64().expect("ts in µs");
                let dur = e["dur"].as_f64().expect("dur in µs");
                assert!(dur >= 0.0 && e["name"].is_string());
                lanes.entry((pid, tid)).or_default().push((ts, ts + dur));
            }
            ph @ ("s" | "f") => flows
                .entry(e["id"].as_u64().expect("flow id"))
                .or_default()
                .push(ph.to_string()),
            other => panic!("unexpected phase {other}"),
        }
    }
    assert_eq!(
        complete,
        traces.iter().map(|t| t.spans.len()).sum::<usize>(),
        "one complete event per span"
    );
    for (pid, tid) in lanes.keys() {
        assert!(named_processes.contains(pid) && named_threads.contains(&(*pid, *tid)));
    }
    // In each lane, two events are disjoint or one contains the other (to within a
    // nanosecond: `ts + dur` is a float sum).
    for spans in lanes.values_mut() {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut open: Vec<f64> = Vec::new();
        for &(s, e) in spans.iter() {
            while open.last().is_some_and(|&end| end <= s + 1e-3) {
                open.pop();
            }
            if let Some(&end) = open.last() {
                assert!(
                    e <= end + 1e-3,
                    "partial overlap in a lane: {s}..{e} inside ..{end}"
                );
            }
            open.push(e);
        }
    }
    assert!(!flows.is_empty());
    for phases in flows.values() {
        assert_eq!(phases, &["s".to_string(), "f".to_string()]);
    }
}

/// A → B → C where C fails with probability `p`; B's call to C handles errors as `on_error`.
fn swallowing(on_error: &str) -> Checked {
    let text = format!(
        r#"{{
  "version": 1, "name": "swallow", "description": "B catches C's errors.", "seed": 5,
  "duration_s": 20,
  "workload": {{"arrivals": {{"poisson": {{"rate_per_s": 200}}}}, "classes": [{{"endpoint": "get", "timeout_ms": 2000}}]}},
  "designs": [{{"name": "d", "entry": "B", "services": {{
    "B": {{"workers": 8, "handlers": {{"get": [
      {{"call": {{"service": "C", "endpoint": "q", "timeout_ms": 100, "on_error": "{on_error}"}}}},
      {{"compute": {{"ms": {{"constant": {{"value": 1}}}}}}}}]}}}},
    "C": {{"workers": 8, "handlers": {{"q": [
      {{"compute": {{"ms": {{"constant": {{"value": 1}}}}}}}},
      {{"fail": {{"probability": 0.1, "cause": "boom"}}}}]}}}}
  }}}}]
}}"#
    );
    models::load::load_str("swallow.json", &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn swallowed_errors_turn_into_success_or_silence_and_are_counted() {
    let fail = run(&swallowing("fail"), 0, None);
    let swallow = run(
        &swallowing("swallow"),
        0,
        Some(config(|c| c.sample_rate = 0.0)),
    );
    let silent = run(&swallowing("no_reply"), 0, None);
    let total = fail.requests.total;
    let n = total as f64;
    let (mean, sd) = (0.1 * n, (0.09 * n).sqrt());
    // Fail: C's 10% failures reach the client as errors.
    let errors = fail.requests.by_outcome["error"];
    assert!(
        (errors as f64 - mean).abs() < 4.0 * sd,
        "{errors} of {total}"
    );
    assert!(fail.swallowed_errors.is_empty());
    // Swallow: every request succeeds, and each caught error is counted.
    assert_eq!(
        swallow.requests.ok,
        total - swallow.requests.by_outcome["in_flight"]
    );
    let caught = swallow.swallowed_errors["B swallowed C.q: boom"];
    assert!((caught as f64 - mean).abs() < 4.0 * sd, "{caught}");
    let swallow_trace = swallow.tracing.as_ref().expect("traced");
    assert_eq!(swallow_trace.failed, 0, "swallowed errors fail no request");
    // No reply: the client gives up on exactly the requests whose error was caught.
    let caught = silent.swallowed_errors["B swallowed C.q: boom"];
    let timeouts = silent.requests.by_outcome["timeout"];
    let in_flight = silent.requests.by_outcome["in_flight"];
    assert!(
        timeouts <= caught && caught <= timeouts + in_flight,
        "{caught} {timeouts}"
    );
    assert_eq!(
        silent.causes.keys().collect::<Vec<_>>(),
        ["client: timeout"]
    );
    for d in [&fail, &swallow, &silent] {
        let ended: u64 = d.requests.by_outcome.values().sum();
        assert_eq!(ended, d.requests.total, "every request ends once");
    }
}

/// Every trace of a run traced at rate 1 with no cap in reach.
fn trace_all(s: &Checked, design: usize) -> DesignResult {
    run(
        s,
        design,
        Some(config(|c| {
            c.sample_rate = 1.0;
            c.max_traces = 1_000_000;
        })),
    )
}

/// Spans of `kind` across `traces`, by status.
fn spans_by_status(traces: &[Trace], kind: SpanKind) -> BTreeMap<&'static str, u64> {
    let mut out = BTreeMap::new();
    for s in traces
        .iter()
        .flat_map(|t| &t.spans)
        .filter(|s| s.kind == kind)
    {
        *out.entry(s.status).or_insert(0) += 1;
    }
    out
}

#[test]
fn lock_waits_and_payment_steps_are_spans_that_match_the_lock_and_account_counts() {
    let s = shortened("scenarios/payment-lock.json", 20.0)
        .edited(|s| s.warmup_s = 0.0)
        .expect("checked");
    let lock = s
        .designs
        .iter()
        .position(|d| d.name == "lock-fencing")
        .expect("design");
    let r = trace_all(&s, lock);
    assert_eq!(r.traces.len() as u64, r.requests.total);
    let (acquired, timeouts): (u64, u64) = r
        .locks
        .values()
        .fold((0, 0), |(a, t), l| (a + l.acquired, t + l.wait_timeouts));
    let waits = spans_by_status(&r.traces, SpanKind::LockWait);
    assert!(acquired > 0, "{:?}", r.locks);
    assert_eq!(waits.get("ok").copied().unwrap_or(0), acquired, "{waits:?}");
    assert_eq!(
        waits.get("timeout").copied().unwrap_or(0),
        timeouts,
        "{waits:?}"
    );
    // The granted waits' mean is the lock service's mean wait.
    let granted: Vec<u64> = r
        .traces
        .iter()
        .flat_map(|t| &t.spans)
        .filter(|s| s.kind == SpanKind::LockWait && s.status == "ok")
        .map(|s| s.duration_ns())
        .collect();
    let mean_ms = granted.iter().sum::<u64>() as f64 / granted.len() as f64 / 1e6;
    let summary_mean: f64 = r
        .locks
        .values()
        .filter_map(|l| l.wait_ms)
        .map(|l| l.mean)
        .sum::<f64>();
    assert!((mean_ms - summary_mean).abs() < 1e-6 * summary_mean.max(1.0));
    let payments: u64 = r.accounts.values().map(|a| a.payments).sum();
    let fenced: u64 = r.accounts.values().map(|a| a.fenced).sum();
    let debits = spans_by_status(&r.traces, SpanKind::Debit);
    assert!(payments > 0);
    assert_eq!(debits.values().sum::<u64>(), payments, "{debits:?}");
    assert_eq!(
        debits.get("error").copied().unwrap_or(0),
        fenced,
        "{debits:?}"
    );
    // A debit follows its balance read, in the same execution.
    let reads = spans_by_status(&r.traces, SpanKind::BalanceRead);
    assert!(reads.values().sum::<u64>() >= payments, "{reads:?}");
    for t in &r.traces {
        for d in t.spans.iter().filter(|s| s.kind == SpanKind::Debit) {
            assert!(
                t.spans.iter().any(|b| b.kind == SpanKind::BalanceRead
                    && b.parent == d.parent
                    && b.end_ns <= d.start_ns
                    && b.status == "ok"),
                "{t:?}"
            );
            assert!(d.name.starts_with("debit "), "{}", d.name);
        }
    }
}

#[test]
fn replicated_store_operations_are_spans_that_match_the_store_counts() {
    let s = load("scenarios/cap-partition.json")
        .edited(|s| {
            s.duration_s = 20.0;
            s.warmup_s = 0.0;
        })
        .expect("checked");
    for d in 0..s.designs.len() {
        let r = trace_all(&s, d);
        let (reads, writes) = r
            .stores
            .values()
            .fold((0, 0), |(a, b), st| (a + st.reads, b + st.writes_acked));
        let mut ok = (0, 0);
        for sp in r.traces.iter().flat_map(|t| &t.spans) {
            if sp.kind == SpanKind::Store && sp.status == "ok" {
                if sp.name.ends_with(" write") {
                    ok.1 += 1;
                } else {
                    assert!(sp.name.ends_with(" read"), "{}", sp.name);
                    ok.0 += 1;
                }
            }
        }
        assert!(reads > 0 && writes > 0, "{:?}", r.stores);
        assert_eq!(ok, (reads, writes), "design {}", s.designs[d].name);
        // The partition makes some operations fail: their span says so, and the failed
        // requests' traces blame the store.
        let failed_ops = spans_by_status(&r.traces, SpanKind::Store)
            .iter()
            .filter(|(k, _)| !matches!(**k, "ok" | "cancelled"))
            .map(|(_, n)| n)
            .sum::<u64>();
        if r.requests.total > r.requests.ok + r.requests.by_outcome["in_flight"] {
            assert!(failed_ops > 0, "design {}", s.designs[d].name);
        }
    }
}

#[test]
fn every_server_span_has_its_calls_transits_around_it() {
    let s = load("scenarios/silent-failure.json")
        .edited(|s| s.duration_s = 10.0)
        .expect("checked");
    for d in 0..s.designs.len() {
        let r = trace_all(&s, d);
        let mut answered = 0;
        for t in &r.traces {
            assert_well_formed(t);
            for (i, srv) in t.spans.iter().enumerate() {
                if srv.kind != SpanKind::Server {
                    continue;
                }
                let call = &t.spans[srv.parent as usize - 1];
                // The call's transit: just before the server span, from the call's start.
                let inbound = &t.spans[i - 1];
                assert_eq!(inbound.kind, SpanKind::Network, "{t:?}");
                assert_eq!(inbound.parent, srv.parent);
                assert_eq!(inbound.node, srv.node);
                assert_eq!(
                    (inbound.start_ns, inbound.end_ns),
                    (call.start_ns, srv.start_ns)
                );
                // The answer's transit, when the call ended by the answer of this server
                // span: from the server span's end to the call's, on the caller's node.
                let outbound = t.spans.get(i + 1).filter(|n| {
                    n.kind == SpanKind::Network && n.parent == srv.parent && n.node == call.node
                });
                match outbound {
                    Some(n) => {
                        answered += 1;
                        assert!(!srv.open && !call.open);
                        assert_eq!((n.start_ns, n.end_ns), (srv.end_ns, call.end_ns));
                    }
                    None => assert!(
                        srv.open || call.open || call.status != "ok" || srv.status == "no reply",
                        "an answered call without its answer's transit: {t:?}"
                    ),
                }
            }
        }
        assert!(answered > 0);
    }
}

#[test]
fn the_report_shows_one_failing_request_per_design_and_names_its_root_cause() {
    let s = load("scenarios/silent-failure.json")
        .edited(|s| s.duration_s = 30.0)
        .expect("checked");
    let results = models::run::run_scenario(&s, s.seed, &[]).expect("runs");
    let section = reports::trace::html_section(&results).expect("a traced run");
    assert!(!section.contains("<script"));
    for d in &results.designs {
        let t = reports::trace::featured(&d.traces).expect("kept traces");
        // The first failed request of the run, by number.
        let first_failed = d
            .traces
            .iter()
            .filter(|t| !matches!(t.outcome.as_str(), "ok" | "in_flight") || t.async_failed)
            .map(|t| t.request)
            .min();
        assert_eq!(Some(t.request), first_failed, "design {}", d.name);
        let (id, cause) = t
            .root_cause
            .as_ref()
            .expect("a failed trace names its cause");
        let svg = reports::trace::waterfall_svg(t, 1_000);
        // One bar per span, the root cause's row marked once.
        assert_eq!(svg.matches("<rect x=").count() - 1, t.spans.len());
        assert_eq!(svg.matches("◀ root cause").count(), 1);
        assert!(section.contains(&format!(
            "Root cause: {}</strong> (span {id} on",
            cause.replace('>', "&gt;")
        )));
        // A waterfall cut short keeps the root cause's path from the root.
        let short = reports::trace::waterfall_svg(t, 3);
        assert_eq!(short.matches("◀ root cause").count(), 1);
        let bars =
            short.matches("<rect x=").count() - usize::from(short.contains("fill=\"#fff1c2\""));
        assert!(bars <= 3, "{short}");
    }
    // With timeouts, the trace points at C, where the exception started.
    let timeouts = results
        .designs
        .iter()
        .find(|d| d.name == "timeouts-and-tracing")
        .expect("design");
    let t = reports::trace::featured(&timeouts.traces).expect("kept");
    let (id, _) = t.root_cause.as_ref().expect("cause");
    assert_eq!(t.spans[*id as usize - 1].service, "C");
    // Results read back from results.json have no traces: no section.
    let mut untraced = results.clone();
    untraced.designs.iter_mut().for_each(|d| d.traces.clear());
    assert!(reports::trace::html_section(&untraced).is_none());
    let html = reports::report::html(&untraced, None, &[]);
    assert!(!html.contains("id=\"traces\""));
    assert!(reports::report::html(&results, None, &[]).contains("<section id=\"traces\">"));
}
