//! Traces for people and for the tools they already use: the terminal waterfall of one
//! request, Chrome's trace-event JSON (Perfetto, `chrome://tracing`) and OpenTelemetry's
//! OTLP JSON file format (Jaeger, Grafana Tempo, any OTLP collector's file receiver).
//!
//! Pure functions of [`Trace`]s; the CLI writes the files. Simulated time starts at 0: the
//! OTLP export adds a fixed epoch ([`EPOCH_UNIX_NS`], 2025-01-01T00:00:00Z), because
//! receivers take a zero timestamp for "unset"; the Chrome export keeps simulated
//! microseconds.

use models::trace::{span_id, Span, SpanKind, Trace};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Unix time, in nanoseconds, of simulated time 0 in the OTLP export.
pub const EPOCH_UNIX_NS: u64 = 1_735_689_600_000_000_000;

fn ms(ns: u64) -> f64 {
    ns as f64 / 1e6
}

/// Span positions in tree order (depth first, children in the order they started), each
/// with its depth.
pub fn tree_order(trace: &Trace) -> Vec<(usize, usize)> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); trace.spans.len() + 1];
    for (i, s) in trace.spans.iter().enumerate() {
        let parent = (s.parent as usize).min(trace.spans.len());
        children[if parent == 0 { 0 } else { parent }].push(i);
    }
    let mut out = Vec::with_capacity(trace.spans.len());
    let mut stack: Vec<(usize, usize)> = children[0].iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        out.push((i, depth));
        for &c in children[i + 1].iter().rev() {
            stack.push((c, depth + 1));
        }
    }
    out
}

/// The span's outcome as a word, with its cause.
fn outcome_text(s: &Span) -> String {
    match &s.cause {
        Some(c) => format!("{} ({c})", s.status),
        None => s.status.to_string(),
    }
}

/// One request's trace as an indented tree of spans with their node, start, duration and
/// outcome, and a bar of `width` columns placing each span on the request's timeline.
pub fn waterfall(trace: &Trace, width: usize) -> String {
    let mut out = String::new();
    let t0 = trace.start_ns;
    let t1 = trace.end_ns.max(t0 + 1);
    let _ = writeln!(
        out,
        "design {} · request {} ({}) · trace {} · {}{} · {:.2} ms · kept: {}",
        trace.design,
        trace.request,
        trace.class,
        trace.trace_id,
        trace.outcome,
        trace
            .cause
            .as_ref()
            .map_or(String::new(), |c| format!(" ({c})")),
        ms(t1 - t0),
        trace.kept_because.name()
    );
    if let Some((id, text)) = &trace.root_cause {
        let node = trace
            .spans
            .get(*id as usize - 1)
            .map_or("", |s| s.node.as_str());
        let _ = writeln!(out, "root cause: {text} (span {id} on {node})");
    }
    let order = tree_order(trace);
    let label = |i: usize, depth: usize| format!("{}{}", "  ".repeat(depth), trace.spans[i].name);
    let name_w = order
        .iter()
        .map(|&(i, d)| label(i, d).chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let node_w = trace
        .spans
        .iter()
        .map(|s| s.node.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    let outcome_w = trace
        .spans
        .iter()
        .map(|s| outcome_text(s).chars().count())
        .max()
        .unwrap_or(7)
        .max(7);
    let _ = writeln!(
        out,
        "{:<name_w$}  {:<node_w$}  {:>10}  {:>10}  {:<outcome_w$}  timeline",
        "span", "node", "start ms", "ms", "outcome"
    );
    let width = width.max(10);
    let col = |t: u64| ((t.saturating_sub(t0)) as f64 / (t1 - t0) as f64 * width as f64) as usize;
    for (i, depth) in order {
        let s = &trace.spans[i];
        let (a, b) = (col(s.start_ns).min(width - 1), col(s.end_ns).min(width));
        let fill = if s.open { '░' } else { '█' };
        let bar: String = (0..width)
            .map(|c| {
                if c >= a && (c < b.max(a + 1)) {
                    fill
                } else {
                    '·'
                }
            })
            .collect();
        let marker = match &trace.root_cause {
            Some((id, _)) if *id == s.id => "  ◀ root cause",
            _ => "",
        };
        let _ = writeln!(
            out,
            "{:<name_w$}  {:<node_w$}  {:>10.3}  {:>10.3}  {:<outcome_w$}  |{bar}|{marker}",
            label(i, depth),
            s.node,
            ms(s.start_ns.saturating_sub(t0)),
            ms(s.duration_ns()),
            outcome_text(s),
        );
    }
    if trace.spans_dropped > 0 {
        let _ = writeln!(
            out,
            "({} spans not recorded: the trace reached a cap)",
            trace.spans_dropped
        );
    }
    out
}

/// OTLP `SpanKind`: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
fn otlp_kind(kind: SpanKind) -> u8 {
    match kind {
        SpanKind::Server => 2,
        SpanKind::Request | SpanKind::Call => 3,
        SpanKind::Publish => 4,
        SpanKind::Consumer => 5,
        _ => 1,
    }
}

fn kind_name(kind: SpanKind) -> &'static str {
    match kind {
        SpanKind::Request => "request",
        SpanKind::Network => "network",
        SpanKind::Server => "server",
        SpanKind::Consumer => "consumer",
        SpanKind::QueueWait => "queue_wait",
        SpanKind::Work => "work",
        SpanKind::Call => "call",
        SpanKind::Backoff => "backoff",
        SpanKind::PoolWait => "pool_wait",
        SpanKind::Query => "query",
        SpanKind::Publish => "publish",
        SpanKind::InQueue => "in_queue",
        SpanKind::Kv => "kv",
        SpanKind::Store => "store",
        SpanKind::LockWait => "lock_wait",
        SpanKind::BalanceRead => "balance_read",
        SpanKind::Debit => "debit",
        SpanKind::Swallowed => "swallowed",
    }
}

fn attr_str(key: &str, v: &str) -> Value {
    json!({"key": key, "value": {"stringValue": v}})
}

fn attr_int(key: &str, v: u64) -> Value {
    // OTLP JSON writes 64-bit integers as strings.
    json!({"key": key, "value": {"intValue": v.to_string()}})
}

/// The traces in OTLP JSON (`resourceSpans` → `scopeSpans` → `spans`): one resource per
/// (design, service) with `service.name`, 32-hex trace ids, 16-hex span ids, times as
/// decimal strings of Unix nanoseconds, `status.code` 1 (ok) or 2 (error; open and
/// cancelled spans are unset, with a message), consumer spans linked to their producers.
pub fn otlp_json(traces: &[Trace]) -> Value {
    let mut resources: BTreeMap<(String, String), Vec<Value>> = BTreeMap::new();
    for t in traces {
        for s in &t.spans {
            let mut span = Map::new();
            span.insert("traceId".into(), json!(t.trace_id));
            span.insert("spanId".into(), json!(span_id(&t.trace_id, s.id)));
            if s.parent != 0 {
                span.insert("parentSpanId".into(), json!(span_id(&t.trace_id, s.parent)));
            }
            span.insert("name".into(), json!(s.name));
            span.insert("kind".into(), json!(otlp_kind(s.kind)));
            span.insert(
                "startTimeUnixNano".into(),
                json!((EPOCH_UNIX_NS + s.start_ns).to_string()),
            );
            span.insert(
                "endTimeUnixNano".into(),
                json!((EPOCH_UNIX_NS + s.end_ns).to_string()),
            );
            let mut attributes = vec![
                attr_str("caplab.node", &s.node),
                attr_str("caplab.span_kind", kind_name(s.kind)),
                attr_str("caplab.status", s.status),
                attr_int("caplab.request", t.request),
            ];
            if let Some(c) = &s.cause {
                attributes.push(attr_str("caplab.cause", c));
            }
            if s.attempt > 0 {
                attributes.push(attr_int("caplab.attempt", u64::from(s.attempt)));
            }
            span.insert("attributes".into(), Value::Array(attributes));
            let status = match s.status {
                "ok" => json!({"code": 1}),
                "open" => json!({"code": 0, "message": "still open when the trace was decided"}),
                "cancelled" => json!({"code": 0, "message": "cancelled by its caller"}),
                "swallowed" => json!({
                    "code": 0,
                    "message": format!("error caught and ignored: {}", s.cause.as_deref().unwrap_or(""))
                }),
                other => json!({
                    "code": 2,
                    "message": match &s.cause {
                        Some(c) => format!("{other}: {c}"),
                        None => other.to_string(),
                    }
                }),
            };
            span.insert("status".into(), status);
            if s.link != 0 {
                span.insert(
                    "links".into(),
                    json!([{"traceId": t.trace_id, "spanId": span_id(&t.trace_id, s.link)}]),
                );
            }
            resources
                .entry((t.design.clone(), s.service.clone()))
                .or_default()
                .push(Value::Object(span));
        }
    }
    let resource_spans: Vec<Value> = resources
        .into_iter()
        .map(|((design, service), spans)| {
            json!({
                "resource": {"attributes": [
                    attr_str("service.name", &service),
                    attr_str("caplab.design", &design),
                ]},
                "scopeSpans": [{
                    "scope": {"name": "caplab", "version": models::run::CAPLAB_VERSION},
                    "spans": spans,
                }],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
}

/// The traces in Chrome's trace-event format: a complete event (`ph: "X"`, microseconds)
/// per span, a process per (design, component) and a thread per node, with extra lanes
/// (`A#0 · 2`) where spans overlap without nesting (parallel calls, concurrent requests),
/// so that every lane nests; flow events (`s` → `f`) from producers to their consumers.
pub fn chrome_json(traces: &[Trace]) -> Value {
    // Processes and threads, in name order.
    let mut pids: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut nodes: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    for (ti, t) in traces.iter().enumerate() {
        for (si, s) in t.spans.iter().enumerate() {
            pids.insert((t.design.clone(), s.service.clone()), 0);
            nodes
                .entry((t.design.clone(), s.node.clone()))
                .or_default()
                .push((ti, si));
        }
    }
    for (i, v) in pids.values_mut().enumerate() {
        *v = i as u64 + 1;
    }
    let mut events = Vec::new();
    for ((design, service), pid) in &pids {
        events.push(json!({
            "ph": "M", "name": "process_name", "pid": pid, "tid": 0,
            "args": {"name": format!("{design} · {service}")}
        }));
    }
    // Lanes: a span goes on the first lane whose innermost open span contains it.
    let mut lane_of: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut next_tid = 1u64;
    for ((design, node), mut spans) in nodes {
        spans.sort_by_key(|&(ti, si)| {
            let s = &traces[ti].spans[si];
            (s.start_ns, std::cmp::Reverse(s.end_ns), ti, si)
        });
        let service = node.split('#').next().unwrap_or(&node).to_string();
        let pid = pids[&(design.clone(), service)];
        let mut lanes: Vec<(u64, Vec<u64>)> = Vec::new(); // (tid, stack of ends)
        for (ti, si) in spans {
            let s = &traces[ti].spans[si];
            let mut placed = None;
            for (tid, stack) in lanes.iter_mut() {
                while stack.last().is_some_and(|&end| end <= s.start_ns) {
                    stack.pop();
                }
                if stack.last().is_none_or(|&end| s.end_ns <= end) {
                    stack.push(s.end_ns);
                    placed = Some(*tid);
                    break;
                }
            }
            let tid = match placed {
                Some(t) => t,
                None => {
                    let tid = next_tid;
                    next_tid += 1;
                    let name = if lanes.is_empty() {
                        node.clone()
                    } else {
                        format!("{node} · {}", lanes.len() + 1)
                    };
                    events.push(json!({
                        "ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                        "args": {"name": name}
                    }));
                    lanes.push((tid, vec![s.end_ns]));
                    tid
                }
            };
            lane_of.insert((ti, si), tid);
        }
    }
    let us = |ns: u64| ns as f64 / 1e3;
    let mut flow = 0u64;
    for (ti, t) in traces.iter().enumerate() {
        for (si, s) in t.spans.iter().enumerate() {
            let pid = pids[&(t.design.clone(), s.service.clone())];
            let tid = lane_of[&(ti, si)];
            events.push(json!({
                "name": s.name,
                "cat": kind_name(s.kind),
                "ph": "X",
                "ts": us(s.start_ns),
                "dur": us(s.duration_ns()),
                "pid": pid,
                "tid": tid,
                "args": {
                    "trace_id": t.trace_id,
                    "span_id": span_id(&t.trace_id, s.id),
                    "parent_span_id": (s.parent != 0).then(|| span_id(&t.trace_id, s.parent)),
                    "request": t.request,
                    "node": s.node,
                    "status": s.status,
                    "cause": s.cause,
                }
            }));
            if s.link != 0 {
                let producer_ix = s.link as usize - 1;
                if let Some(p) = t.spans.get(producer_ix) {
                    flow += 1;
                    let ppid = pids[&(t.design.clone(), p.service.clone())];
                    let ptid = lane_of[&(ti, producer_ix)];
                    events.push(json!({
                        "name": "message", "cat": "link", "ph": "s", "id": flow,
                        "ts": us(p.start_ns), "pid": ppid, "tid": ptid
                    }));
                    events.push(json!({
                        "name": "message", "cat": "link", "ph": "f", "bp": "e", "id": flow,
                        "ts": us(s.start_ns), "pid": pid, "tid": tid
                    }));
                }
            }
        }
    }
    json!({"traceEvents": events, "displayTimeUnit": "ms"})
}

/// Pretty JSON with a trailing newline.
pub fn to_text(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// One paragraph per traced design of a run: traces kept, what the caps refused, swallowed
/// errors, and what the failed requests' traces blame (empty when nothing was traced).
pub fn summary_text(results: &models::results::RunResults) -> String {
    let mut out = String::new();
    for d in &results.designs {
        let Some(t) = &d.tracing else {
            continue;
        };
        let reasons: Vec<String> = t
            .kept_by_reason
            .iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        let _ = write!(
            out,
            "traces {}: kept {} of {} requests ({}); {} over the cap of {}, {} spans dropped",
            d.name,
            t.kept,
            t.requests,
            reasons.join(", "),
            t.dropped_over_cap,
            t.max_traces,
            t.spans_dropped
        );
        for (what, n) in &d.swallowed_errors {
            let _ = write!(out, "; {what}: {n}");
        }
        if !t.root_causes.is_empty() {
            let blamed: Vec<String> = t
                .root_causes
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            let _ = write!(out, "; failures blamed on: {}", blamed.join(", "));
        }
        out.push('\n');
    }
    out
}
