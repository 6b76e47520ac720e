//! Traces for people and for the tools they already use: the terminal waterfall of one
//! request, Chrome's trace-event JSON (Perfetto, `chrome://tracing`) and OpenTelemetry's
//! OTLP JSON file format (Jaeger, Grafana Tempo, any OTLP collector's file receiver).
//!
//! Pure functions of [`Trace`]s; the CLI writes the files. Simulated time starts at 0: the
//! OTLP export adds a fixed epoch ([`EPOCH_UNIX_NS`], 2025-01-01T00:00:00Z), because
//! receivers take a zero timestamp for "unset"; the Chrome export keeps simulated
//! microseconds.

use results::trace::{span_id, Span, SpanKind, Trace};
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
                    "scope": {"name": "caplab", "version": results::CAPLAB_VERSION},
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
pub fn summary_text(results: &results::RunResults) -> String {
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

/// The trace a report shows for a design: the first failed request (the earliest request
/// number), else the slowest one.
pub fn featured(traces: &[Trace]) -> Option<&Trace> {
    let failed = |t: &&Trace| t.async_failed || !matches!(t.outcome.as_str(), "ok" | "in_flight");
    traces
        .iter()
        .filter(failed)
        .min_by_key(|t| t.request)
        .or_else(|| {
            traces
                .iter()
                .max_by_key(|t| (t.end_ns - t.start_ns, std::cmp::Reverse(t.request)))
        })
}

/// Escapes text for SVG and HTML.
fn xml(s: &str) -> String {
    crate::format::escape(s)
}

/// One request's trace as an SVG waterfall (no script): a row per span in tree order
/// (indented names, node, a bar on the request's timeline, failing spans red, open spans
/// hatched), the root cause marked; at most `max_rows` rows (the root cause and its
/// ancestors always among them), the rest counted below.
pub fn waterfall_svg(trace: &Trace, max_rows: usize) -> String {
    const ROW: usize = 18;
    const TOP: usize = 28;
    const LABEL_W: usize = 380;
    const BAR_W: usize = 520;
    const OUTCOME_W: usize = 150;
    let order = rows_shown(trace, max_rows.max(1));
    let shown = order.len();
    let hidden = trace.spans.len() - shown;
    let width = LABEL_W + BAR_W + OUTCOME_W;
    let height = TOP + ROW * (shown + usize::from(hidden > 0)) + 8;
    let t0 = trace.start_ns;
    let t1 = trace.end_ns.max(t0 + 1);
    let x =
        |t: u64| LABEL_W as f64 + (t.saturating_sub(t0)) as f64 / (t1 - t0) as f64 * BAR_W as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"waterfall\" width=\"{width}\" \
         height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" \
         font-size=\"11\" role=\"img\" aria-label=\"trace of request {} ({})\">",
        trace.request,
        xml(&trace.outcome)
    );
    out.push_str(
        "<defs><pattern id=\"open\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f6c6c6\"/>\
         <line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d62728\" stroke-width=\"2\"/>\
         </pattern></defs>\n",
    );
    // The time axis: five ticks in milliseconds from the request's start.
    for k in 0..=4u64 {
        let t = t0 + (t1 - t0) * k / 4;
        let _ = writeln!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{2}\" stroke=\"#ddd\"/>\
             <text x=\"{0:.1}\" y=\"{3}\" text-anchor=\"{4}\" fill=\"#555\">{5:.2} ms</text>",
            x(t),
            TOP - 6,
            TOP + ROW * shown,
            TOP - 10,
            match k {
                0 => "start",
                4 => "end",
                _ => "middle",
            },
            ms(t - t0)
        );
    }
    let root = trace.root_cause.as_ref().map(|(id, _)| *id);
    for (row, &(i, depth)) in order.iter().enumerate() {
        let s = &trace.spans[i];
        let y = TOP + row * ROW;
        let is_root = root == Some(s.id);
        if is_root {
            let _ = writeln!(
                out,
                "<rect x=\"0\" y=\"{y}\" width=\"{width}\" height=\"{ROW}\" fill=\"#fff1c2\"/>"
            );
        }
        let label = format!("{} · {}", s.name, s.node);
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\"{}>{}</text>",
            4 + 12 * depth.min(20),
            y + 13,
            if is_root { " font-weight=\"bold\"" } else { "" },
            xml(&label)
        );
        let (a, b) = (x(s.start_ns), x(s.end_ns));
        let fill = if s.open {
            "url(#open)"
        } else if s.failing() {
            "#d62728"
        } else if s.kind == SpanKind::Network {
            "#9ecae1"
        } else {
            "#4c78a8"
        };
        let _ = writeln!(
            out,
            "<rect x=\"{a:.1}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{fill}\">\
             <title>{} on {}: {:.3} ms from {:.3} ms, {}</title></rect>",
            y + 3,
            (b - a).max(1.0),
            ROW - 6,
            xml(&s.name),
            xml(&s.node),
            ms(s.duration_ns()),
            ms(s.start_ns.saturating_sub(t0)),
            xml(&outcome_text(s))
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{}\">{}{}</text>",
            LABEL_W + BAR_W + 6,
            y + 13,
            if s.failing() { "#b00" } else { "#555" },
            xml(&outcome_text(s)),
            if is_root { " ◀ root cause" } else { "" }
        );
    }
    if hidden > 0 {
        let _ = writeln!(
            out,
            "<text x=\"4\" y=\"{}\" fill=\"#555\">… {hidden} more span{} (caplab trace shows \
             them all)</text>",
            TOP + ROW * shown + 13,
            if hidden == 1 { "" } else { "s" }
        );
    }
    out.push_str("</svg>\n");
    out
}

/// The rows of a waterfall of at most `max_rows`: the root cause's path from the root, then
/// the first spans in tree order; in tree order.
fn rows_shown(trace: &Trace, max_rows: usize) -> Vec<(usize, usize)> {
    let order = tree_order(trace);
    if order.len() <= max_rows {
        return order;
    }
    let mut keep = vec![false; trace.spans.len()];
    let mut left = max_rows;
    let mut at = trace.root_cause.as_ref().map_or(0, |(id, _)| *id);
    while let Some(s) = at.checked_sub(1).and_then(|i| trace.spans.get(i as usize)) {
        if left == 0 || keep[at as usize - 1] {
            break;
        }
        keep[at as usize - 1] = true;
        left -= 1;
        at = s.parent;
    }
    for &(i, _) in &order {
        if left == 0 {
            break;
        }
        if !keep[i] {
            keep[i] = true;
            left -= 1;
        }
    }
    order.into_iter().filter(|&(i, _)| keep[i]).collect()
}

/// The HTML report's traces section, for a traced run (`None` when no design kept a
/// trace, as for results read back from `results.json`): per design, the waterfall of one
/// failing request (the first failed, else the slowest) and what failed requests' traces
/// blame, the most blamed first.
pub fn html_section(results: &results::RunResults) -> Option<String> {
    if results.designs.iter().all(|d| d.traces.is_empty()) {
        return None;
    }
    let mut h = String::new();
    h.push_str(
        "<section id=\"traces\">\n<h2>Traces</h2>\n<p>One request per design, span by span: \
         the first that failed, else the slowest kept (hatched bars were still open when the \
         trace was decided). <code>caplab trace</code> prints any kept trace and writes them \
         for Perfetto and OTLP viewers.</p>\n",
    );
    for d in &results.designs {
        let Some(t) = featured(&d.traces) else {
            continue;
        };
        let _ = writeln!(h, "<h3>{}</h3>", xml(&d.name));
        let cause = t
            .cause
            .as_ref()
            .map_or(String::new(), |c| format!(" ({})", xml(c)));
        let _ = writeln!(
            h,
            "<p>Request {} ({}): {}{cause} after {:.2} ms; trace <code>{}</code>, kept: {}.</p>",
            t.request,
            xml(&t.class),
            xml(&t.outcome.replace('_', " ")),
            ms(t.end_ns - t.start_ns),
            t.trace_id,
            t.kept_because.name()
        );
        if let Some((id, text)) = &t.root_cause {
            let node = t
                .spans
                .get(*id as usize - 1)
                .map_or("", |s| s.node.as_str());
            let _ = writeln!(
                h,
                "<p class=\"root-cause\"><strong>Root cause: {}</strong> (span {id} on {}).</p>",
                xml(text),
                xml(node)
            );
        }
        if let Some(summary) = &d.tracing {
            let mut blamed: Vec<(&String, &u64)> = summary.root_causes.iter().collect();
            blamed.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            if !blamed.is_empty() {
                let list: Vec<String> = blamed
                    .iter()
                    .take(5)
                    .map(|(c, n)| format!("{} ({n})", xml(c)))
                    .collect();
                let _ = writeln!(
                    h,
                    "<p>What the {} failed requests' traces blame: {}{}.</p>",
                    summary.failed,
                    list.join(", "),
                    if blamed.len() > 5 { ", …" } else { "" }
                );
            }
        }
        let _ = writeln!(
            h,
            "<figure class=\"trace\">\n{}</figure>",
            waterfall_svg(t, 60)
        );
    }
    h.push_str("</section>\n");
    Some(h)
}
