//! Distributed tracing of simulated requests: every hop of a request (network transit,
//! queue wait, work, calls and their retries, pool waits, queries, publishes, time in a
//! broker's queue, consumption) is a span with a parent, a start, an end, a node and an
//! outcome. A consumer's span links to the span that published its message.
//!
//! **Observation only.** The recorder draws no random number, schedules no event and sends
//! no message, so a run traced at any rate has the same digest and results (the `tracing`
//! summary aside) as one without. Sampling is a hash of the seed and the request's number,
//! so the same requests are sampled in every design of a scenario.
//!
//! **Tail-based, bounded.** Every request's spans are buffered while it is in flight, in a
//! buffer per origin slot of the ledger; the trace is decided when the request's story
//! ends (its origin is released: the client's answer, or the processing of the last
//! message it published), and kept if it was asked for, failed, was slow or was sampled,
//! within `max_traces`. Spans per trace and spans buffered at once are capped too, and
//! whatever a cap refuses is counted in the summary, never dropped silently.
//!
//! Span references (`SpanRef`) travel in calls like a trace-context header: the high 16
//! bits are the generation of the origin's buffer (so a late execution of a request that
//! has ended cannot write into the next request's trace), the low 16 bits the span's
//! position plus one. `NO_SPAN` (0) means "not traced".

use crate::msg::Outcome;
use crate::plan::{CauseId, Plan};
pub use crate::results::trace::{span_id, KeptBecause, Span, SpanKind, Trace};
use crate::scenario::TraceSpec;
use sim_core::network::NodeId;
use sim_core::rng::{splitmix64, stable_hash};
use sim_core::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

/// A span of a request's trace, as carried in calls: generation << 16 | position + 1.
pub type SpanRef = u32;

/// "Not traced".
pub const NO_SPAN: SpanRef = 0;

/// How a span ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpanStatus {
    /// Not ended when the trace was decided (still waiting, or hung).
    Open,
    /// Success.
    Ok,
    /// An error, with its root cause.
    Error(CauseId),
    /// No answer in time.
    Timeout(CauseId),
    /// Refused.
    Rejected(CauseId),
    /// Given up by its caller (the call was no longer needed, or its execution ended).
    Cancelled,
    /// The handler ended without answering its caller.
    NoReply,
    /// An error that a caller caught and ignored.
    Swallowed(CauseId),
}

impl From<Outcome> for SpanStatus {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Ok => SpanStatus::Ok,
            Outcome::Error(c) => SpanStatus::Error(c),
            Outcome::Timeout(c) => SpanStatus::Timeout(c),
            Outcome::Rejected(c) => SpanStatus::Rejected(c),
        }
    }
}

/// One recorded span, compact: names are resolved when a kept trace is finished.
#[derive(Clone, Copy, Debug)]
struct RawSpan {
    start: SimTime,
    /// `SimTime::MAX` while open.
    end: SimTime,
    node: u32,
    /// Position + 1 of the parent (0: none).
    parent: u16,
    /// Position + 1 of a linked span (a consumer's producer).
    link: u16,
    /// Position + 1 of the server span a call reached (for the answer's transit).
    child: u16,
    /// Kind-specific: service, class, broker, store.
    a: u16,
    /// Kind-specific: endpoint, pool, queue, operation.
    b: u16,
    /// Attempt or delivery number.
    n: u16,
    /// A call (or the request) ended by its answer: its answer's transit, from the end of
    /// the server span it reached (`child`), is derived when the trace is finished.
    replied: bool,
    kind: SpanKind,
    status: SpanStatus,
}

impl RawSpan {
    /// A request's root span (class `class`, issued by `node`).
    fn request(
        class: usize,
        node: NodeId,
        start: SimTime,
        end: SimTime,
        status: SpanStatus,
    ) -> RawSpan {
        RawSpan {
            start,
            end,
            node: node.index() as u32,
            parent: 0,
            link: 0,
            child: 0,
            a: class as u16,
            b: 0,
            n: 0,
            replied: false,
            kind: SpanKind::Request,
            status,
        }
    }
}

/// The tracing settings of one run, compiled (from a scenario's `trace` section or from
/// `caplab trace`).
#[derive(Clone, Debug, PartialEq)]
pub struct TraceConfig {
    /// Fraction of requests sampled.
    pub sample_rate: f64,
    /// Keep failed requests.
    pub keep_failed: bool,
    /// Keep requests at least this slow.
    pub slow: Option<SimDuration>,
    /// Most traces kept.
    pub max_traces: usize,
    /// Most spans per trace (at most 65,535).
    pub max_spans_per_trace: usize,
    /// Most spans buffered at once.
    pub max_buffered_spans: u64,
    /// Request numbers always kept (`caplab trace --request`).
    pub requests: BTreeSet<u64>,
    /// Also keep this many of the slowest requests (`caplab trace --slowest`).
    pub slowest: usize,
}

impl TraceConfig {
    /// The settings a scenario's `trace` section asks for.
    pub fn from_spec(spec: &TraceSpec) -> TraceConfig {
        TraceConfig {
            sample_rate: spec.sample_rate,
            keep_failed: spec.keep_failed,
            slow: spec.slow_ms.map(SimDuration::from_millis_f64),
            max_traces: spec.max_traces.max(1) as usize,
            max_spans_per_trace: spec.max_spans_per_trace.clamp(1, u32::from(u16::MAX)) as usize,
            max_buffered_spans: spec.max_buffered_spans.max(1),
            requests: BTreeSet::new(),
            slowest: 0,
        }
    }
}

/// The spans of one request while it is in flight.
#[derive(Debug, Default)]
struct Buf {
    generation: u16,
    live: bool,
    seq: u64,
    class: u16,
    /// The client's outcome, once the request ended there.
    outcome: Option<Outcome>,
    /// A consumer failed a message of the request.
    async_failed: bool,
    last_publish: u16,
    last_async: u16,
    last_time: SimTime,
    dropped: u32,
    /// Network spans implied by the spans recorded (derived when a kept trace is
    /// finished, counted against `max_spans_per_trace` all the same).
    derived: u32,
    spans: Vec<RawSpan>,
}

/// A trace kept, still compact.
#[derive(Debug)]
struct RawTrace {
    seq: u64,
    class: u16,
    because: KeptBecause,
    outcome: Option<Outcome>,
    async_failed: bool,
    end: SimTime,
    dropped: u32,
    spans: Vec<RawSpan>,
}

/// What a failed request's trace blames: the deepest failing span, by what it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Blame {
    /// A failure with a cause.
    Cause(CauseId),
    /// A span still open: (kind, a, b, node).
    Open(SpanKind, u16, u16, u32),
    /// A handler that ended without answering: (service, endpoint).
    NoReply(u16, u16),
}

/// Counts of what the recorder did and refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceCounts {
    /// Requests whose trace was decided (ended, or in flight at the end of the run).
    pub requests: u64,
    /// Of which failed.
    pub failed: u64,
    /// Traces that qualified but were displaced or refused by `max_traces`.
    pub dropped_over_cap: u64,
    /// Spans recorded.
    pub spans: u64,
    /// Spans refused by `max_spans_per_trace` or `max_buffered_spans` (their own children
    /// are not recorded either).
    pub spans_dropped: u64,
    /// Traces that lost at least one span to a cap.
    pub traces_truncated: u64,
    /// Most spans buffered at once.
    pub peak_buffered_spans: u64,
}

/// The span recorder of one design's run (held by the ledger; `None` there when off).
#[derive(Debug)]
pub struct Tracer {
    config: TraceConfig,
    /// Sampled iff the request's hash is below this.
    threshold: u64,
    seed: u64,
    /// Nodes whose spans are recorded when trace ids are not propagated (empty: all).
    visible: Vec<bool>,
    bufs: Vec<Buf>,
    buffered: u64,
    kept: Vec<Option<RawTrace>>,
    /// Kept traces by priority, the worst on top (to evict at the cap).
    worst: BinaryHeap<((KeptBecause, u64), usize)>,
    /// The slowest requests' traces: (latency, request) → trace, the fastest first.
    slowest: BinaryHeap<Reverse<(SimDuration, u64, usize)>>,
    slowest_kept: Vec<Option<RawTrace>>,
    blames: BTreeMap<Blame, u64>,
    depth: Vec<u16>,
    /// What was recorded and refused.
    pub counts: TraceCounts,
}

/// The stable 64-bit hash of request `seq` under `seed` (sampling and ids).
pub fn request_hash(seed: u64, seq: u64) -> u64 {
    splitmix64(seed ^ splitmix64(seq.wrapping_add(0x0074_7261_6365)))
}

/// The 32-hex-digit trace id of request `seq` of `design` under `seed`.
pub fn trace_id(seed: u64, design: &str, seq: u64) -> String {
    let d = stable_hash(seed, design.as_bytes());
    let hi = splitmix64(d ^ request_hash(seed, seq));
    let lo = splitmix64(hi ^ seq).max(1);
    format!("{hi:016x}{lo:016x}")
}

fn pos(r: SpanRef) -> Option<usize> {
    (r & 0xffff).checked_sub(1).map(|p| p as usize)
}

impl Tracer {
    /// Spans buffered now for the requests in flight.
    pub fn buffered_spans(&self) -> u64 {
        self.buffered
    }

    /// A recorder for `plan` under `seed`.
    pub fn new(config: TraceConfig, seed: u64, plan: &Plan) -> Tracer {
        let threshold = if config.sample_rate >= 1.0 {
            u64::MAX
        } else {
            (config.sample_rate.max(0.0) * 18_446_744_073_709_551_616.0) as u64
        };
        let visible = if plan.propagate_trace_ids {
            Vec::new()
        } else {
            // Without propagated ids, only the client and the entry service see the request.
            let mut v = vec![false; plan_node_count(plan)];
            v[plan.client.index()] = true;
            for n in &plan.services[usize::from(plan.entry)].instances {
                v[n.index()] = true;
            }
            v
        };
        Tracer {
            config,
            threshold,
            seed,
            visible,
            bufs: Vec::new(),
            buffered: 0,
            kept: Vec::new(),
            worst: BinaryHeap::new(),
            slowest: BinaryHeap::new(),
            slowest_kept: Vec::new(),
            blames: BTreeMap::new(),
            depth: Vec::new(),
            counts: TraceCounts::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &TraceConfig {
        &self.config
    }

    /// Whether request `seq` is sampled.
    pub fn sampled(&self, seq: u64) -> bool {
        self.threshold > 0
            && (self.threshold == u64::MAX || request_hash(self.seed, seq) < self.threshold)
    }

    /// Starts the trace of request `seq` (class `class`) on origin slot `origin`; returns
    /// its root span.
    pub fn begin_request(
        &mut self,
        origin: u32,
        seq: u64,
        class: usize,
        node: NodeId,
        now: SimTime,
    ) -> SpanRef {
        let o = origin as usize;
        if self.bufs.len() <= o {
            self.bufs.resize_with(o + 1, Buf::default);
        }
        let b = &mut self.bufs[o];
        if b.live {
            // The slot was reused without a release: decide the old trace first.
            self.decide(o);
        }
        let b = &mut self.bufs[o];
        b.generation = b.generation.wrapping_add(1);
        b.live = true;
        b.seq = seq;
        b.class = class as u16;
        b.outcome = None;
        b.async_failed = false;
        b.last_publish = 0;
        b.last_async = 0;
        b.dropped = 0;
        b.derived = 0;
        b.spans.clear();
        let root = RawSpan::request(class, node, now, SimTime::MAX, SpanStatus::Open);
        let r = self.push(o, root);
        let b = &mut self.bufs[o];
        b.last_publish = 1;
        b.last_async = 1;
        r
    }

    /// Request `seq` was refused by the client itself (too many in flight): a trace of one
    /// span, decided at once.
    pub fn rejected_at_client(
        &mut self,
        seq: u64,
        class: usize,
        node: NodeId,
        now: SimTime,
        cause: CauseId,
    ) {
        let span = RawSpan::request(class, node, now, now, SpanStatus::Rejected(cause));
        self.counts.spans += 1;
        let trace = RawTrace {
            seq,
            class: class as u16,
            because: KeptBecause::Failed,
            outcome: Some(Outcome::Rejected(cause)),
            async_failed: false,
            end: now,
            dropped: 0,
            spans: vec![span],
        };
        let _ = self.judge(trace, SimDuration::ZERO);
    }

    /// The live buffer of `origin` if `r` is a span of its current generation.
    fn buf_of(&mut self, origin: u32, r: SpanRef) -> Option<&mut Buf> {
        let b = self.bufs.get_mut(origin as usize)?;
        (b.live && u32::from(b.generation) == r >> 16 && r != NO_SPAN).then_some(b)
    }

    fn push(&mut self, o: usize, span: RawSpan) -> SpanRef {
        let cap_spans = self.config.max_spans_per_trace;
        let full = self.buffered >= self.config.max_buffered_spans;
        let b = &mut self.bufs[o];
        b.last_time = b.last_time.max(span.start);
        if full || b.spans.len() + b.derived as usize >= cap_spans {
            b.dropped += 1;
            self.counts.spans_dropped += 1;
            return NO_SPAN;
        }
        b.spans.push(span);
        self.buffered += 1;
        self.counts.spans += 1;
        self.counts.peak_buffered_spans = self.counts.peak_buffered_spans.max(self.buffered);
        (u32::from(b.generation) << 16) | b.spans.len() as u32
    }

    fn hidden(&self, node: NodeId) -> bool {
        !self.visible.is_empty() && !self.visible.get(node.index()).copied().unwrap_or(false)
    }

    /// Starts a span of `kind` under `parent` on `node`; `NO_SPAN` when not traced.
    #[allow(clippy::too_many_arguments)]
    pub fn begin(
        &mut self,
        origin: u32,
        parent: SpanRef,
        kind: SpanKind,
        node: NodeId,
        now: SimTime,
        a: u16,
        b: u16,
    ) -> SpanRef {
        if self.hidden(node) || self.buf_of(origin, parent).is_none() {
            return NO_SPAN;
        }
        let span = RawSpan {
            start: now,
            end: SimTime::MAX,
            node: node.index() as u32,
            parent: (parent & 0xffff) as u16,
            link: 0,
            child: 0,
            a,
            b,
            n: 0,
            replied: false,
            kind,
            status: SpanStatus::Open,
        };
        self.push(origin as usize, span)
    }

    /// Sets the attempt (or delivery) number of a span.
    pub fn set_attempt(&mut self, origin: u32, span: SpanRef, n: u16) {
        if let Some(p) = pos(span) {
            if let Some(s) = self.buf_of(origin, span).and_then(|b| b.spans.get_mut(p)) {
                s.n = n;
            }
        }
    }

    /// Ends `span` now with `status` (nothing if it already ended or is not traced).
    pub fn end(&mut self, origin: u32, span: SpanRef, now: SimTime, status: SpanStatus) {
        let Some(p) = pos(span) else {
            return;
        };
        let Some(b) = self.buf_of(origin, span) else {
            return;
        };
        b.last_time = b.last_time.max(now);
        if let Some(s) = b.spans.get_mut(p) {
            if s.end == SimTime::MAX {
                s.end = now;
                s.status = status;
                if s.kind == SpanKind::Consumer && status != SpanStatus::Ok {
                    b.async_failed = true;
                }
            }
        }
    }

    /// A zero-length span (a caught error).
    #[allow(clippy::too_many_arguments)]
    pub fn mark(
        &mut self,
        origin: u32,
        parent: SpanRef,
        kind: SpanKind,
        node: NodeId,
        now: SimTime,
        status: SpanStatus,
        a: u16,
    ) {
        let s = self.begin(origin, parent, kind, node, now, a, 0);
        self.end(origin, s, now, status);
    }

    /// A call (or the client's request) sent as `parent` reached `node` now: opens the
    /// server span of `service.endpoint` (the call's transit, from the call's start to the
    /// server span's, is derived when a kept trace is finished).
    pub fn receive(
        &mut self,
        origin: u32,
        parent: SpanRef,
        node: NodeId,
        now: SimTime,
        service: u16,
        endpoint: u16,
    ) -> SpanRef {
        let Some(p) = pos(parent) else {
            return NO_SPAN;
        };
        if self.hidden(node) {
            return NO_SPAN;
        }
        let cap_spans = self.config.max_spans_per_trace;
        let Some(b) = self.buf_of(origin, parent) else {
            return NO_SPAN;
        };
        if p >= b.spans.len() {
            return NO_SPAN;
        }
        // Room for the transit too, or neither is recorded.
        if b.spans.len() + b.derived as usize + 2 > cap_spans {
            b.dropped += 2;
            b.last_time = b.last_time.max(now);
            self.counts.spans_dropped += 2;
            return NO_SPAN;
        }
        let server = self.begin(
            origin,
            parent,
            SpanKind::Server,
            node,
            now,
            service,
            endpoint,
        );
        if let (Some(s), Some(b)) = (pos(server), self.bufs.get_mut(origin as usize)) {
            b.spans[p].child = s as u16 + 1;
            b.derived += 1;
            self.counts.spans += 1;
        }
        server
    }

    /// The server span `server` got a worker now: its queue wait (if any) ends.
    pub fn started(&mut self, origin: u32, server: SpanRef, now: SimTime) {
        let Some(p) = pos(server) else {
            return;
        };
        let Some(b) = self.buf_of(origin, server) else {
            return;
        };
        // A queue wait is recorded right after its server span.
        let waited = b
            .spans
            .get(p + 1)
            .is_some_and(|w| w.kind == SpanKind::QueueWait && usize::from(w.parent) == p + 1);
        if waited {
            self.end(origin, server + 1, now, SpanStatus::Ok);
        }
    }

    /// The call attempt `span` got its answer now: ends the attempt (the answer's transit,
    /// from the end of the server span it reached, is derived when a kept trace is
    /// finished).
    pub fn answered(&mut self, origin: u32, span: SpanRef, now: SimTime, outcome: Outcome) {
        let Some(p) = pos(span) else {
            return;
        };
        let cap_spans = self.config.max_spans_per_trace;
        let Some(b) = self.buf_of(origin, span) else {
            return;
        };
        b.last_time = b.last_time.max(now);
        let room = b.spans.len() + (b.derived as usize) < cap_spans;
        let Some(s) = b.spans.get_mut(p) else {
            return;
        };
        if s.end != SimTime::MAX {
            return;
        }
        s.end = now;
        s.status = outcome.into();
        // The answer crossed the network iff the server span it reached has ended.
        let replied_at = s.child.checked_sub(1).map(usize::from);
        let crossed = replied_at
            .and_then(|c| b.spans.get(c))
            .is_some_and(|srv| srv.end <= now);
        if crossed {
            if room {
                b.spans[p].replied = true;
                b.derived += 1;
                self.counts.spans += 1;
            } else {
                b.dropped += 1;
                self.counts.spans_dropped += 1;
            }
        }
    }

    /// The client's request (root span `span`) ended now with `outcome`.
    pub fn end_request(&mut self, origin: u32, span: SpanRef, now: SimTime, outcome: Outcome) {
        self.answered(origin, span, now, outcome);
        if let Some(b) = self.buf_of(origin, span) {
            b.outcome = Some(outcome);
        }
    }

    /// `span` published a message: a consumer's span will link to it.
    pub fn published(&mut self, origin: u32, span: SpanRef) {
        if let (Some(p), Some(b)) = (pos(span), self.buf_of(origin, span)) {
            b.last_publish = p as u16 + 1;
            b.last_async = p as u16 + 1;
        }
    }

    /// A message of `origin` waited in queue `queue` of `broker` (on `node`) from `since`
    /// until now (delivery number `delivery`).
    #[allow(clippy::too_many_arguments)]
    pub fn in_queue(
        &mut self,
        origin: u32,
        node: NodeId,
        since: SimTime,
        now: SimTime,
        broker: u16,
        queue: u16,
        delivery: u16,
    ) {
        let Some(b) = self.bufs.get(origin as usize).filter(|b| b.live) else {
            return;
        };
        let parent = (u32::from(b.generation) << 16) | u32::from(b.last_publish);
        let s = self.begin(
            origin,
            parent,
            SpanKind::InQueue,
            node,
            since,
            broker,
            queue,
        );
        self.set_attempt(origin, s, delivery);
        self.end(origin, s, now, SpanStatus::Ok);
        if let (Some(p), Some(b)) = (pos(s), self.bufs.get_mut(origin as usize)) {
            b.last_async = p as u16 + 1;
        }
    }

    /// A consumer on `node` starts processing a message of `origin` with
    /// `service.endpoint`: a span under the message's last hop, linked to its producer.
    pub fn consume(
        &mut self,
        origin: u32,
        node: NodeId,
        now: SimTime,
        service: u16,
        endpoint: u16,
    ) -> SpanRef {
        let Some(b) = self.bufs.get(origin as usize).filter(|b| b.live) else {
            return NO_SPAN;
        };
        let (parent, link) = (
            (u32::from(b.generation) << 16) | u32::from(b.last_async),
            b.last_publish,
        );
        let s = self.begin(
            origin,
            parent,
            SpanKind::Consumer,
            node,
            now,
            service,
            endpoint,
        );
        if let (Some(p), Some(b)) = (pos(s), self.bufs.get_mut(origin as usize)) {
            b.spans[p].link = link;
        }
        s
    }

    /// The last holder of `origin` let go: decide its trace.
    pub fn release(&mut self, origin: u32) {
        if self.bufs.get(origin as usize).is_some_and(|b| b.live) {
            self.decide(origin as usize);
        }
    }

    /// The run ended at `now`: decide the traces of the requests still in flight.
    pub fn finish(&mut self, now: SimTime) {
        for o in 0..self.bufs.len() {
            if self.bufs[o].live {
                let b = &mut self.bufs[o];
                b.last_time = b.last_time.max(now);
                self.decide(o);
            }
        }
    }

    fn decide(&mut self, o: usize) {
        let b = &mut self.bufs[o];
        b.live = false;
        self.buffered -= b.spans.len() as u64;
        let Some(root) = b.spans.first() else {
            // Even the root was refused (the buffer was full): counted, not kept.
            self.counts.requests += 1;
            self.counts.traces_truncated += 1;
            return;
        };
        let end = match b.outcome {
            Some(_) if root.end != SimTime::MAX => root.end,
            _ => b.last_time,
        };
        let latency = end.saturating_since(root.start);
        let trace = RawTrace {
            seq: b.seq,
            class: b.class,
            because: KeptBecause::Sampled,
            outcome: b.outcome,
            async_failed: b.async_failed,
            end: b.last_time.max(end),
            dropped: b.dropped,
            spans: std::mem::take(&mut b.spans),
        };
        if let Some(mut spans) = self.judge(trace, latency) {
            // Not kept: the buffer keeps its capacity for the slot's next request.
            spans.clear();
            self.bufs[o].spans = spans;
        }
    }

    /// Counts a decided trace, blames its failure, and keeps it if it deserves to be;
    /// gives its spans back when it is not kept.
    fn judge(&mut self, mut trace: RawTrace, latency: SimDuration) -> Option<Vec<RawSpan>> {
        self.counts.requests += 1;
        if trace.dropped > 0 {
            self.counts.traces_truncated += 1;
        }
        let failed = trace.async_failed || trace.outcome.is_some_and(|o| o != Outcome::Ok);
        if failed {
            self.counts.failed += 1;
            if let Some(blame) = self.blame(&trace.spans) {
                *self.blames.entry(blame).or_insert(0) += 1;
            }
        }
        if self.config.slowest > 0 {
            self.keep_slowest(&trace, latency);
        }
        let because = if self.config.requests.contains(&trace.seq) {
            KeptBecause::Requested
        } else if failed && self.config.keep_failed {
            KeptBecause::Failed
        } else if self.config.slow.is_some_and(|s| latency >= s) {
            KeptBecause::Slow
        } else if self.sampled(trace.seq) {
            KeptBecause::Sampled
        } else {
            return Some(trace.spans);
        };
        trace.because = because;
        // Sampled traces compete by hash (a uniform sample of the run); the others by
        // request number (the first failures are where an investigation starts).
        let key = match because {
            KeptBecause::Sampled => request_hash(self.seed, trace.seq),
            _ => trace.seq,
        };
        let priority = (because, key);
        if self.worst.len() < self.config.max_traces {
            self.kept.push(Some(trace));
            self.worst.push((priority, self.kept.len() - 1));
            return None;
        }
        self.counts.dropped_over_cap += 1;
        match self.worst.peek() {
            Some(&(top, slot)) if priority < top => {
                self.worst.pop();
                self.kept[slot] = Some(trace);
                self.worst.push((priority, slot));
                None
            }
            _ => Some(trace.spans),
        }
    }

    fn keep_slowest(&mut self, trace: &RawTrace, latency: SimDuration) {
        if self.slowest.len() >= self.config.slowest {
            match self.slowest.peek() {
                Some(&Reverse((l, _, slot))) if l < latency => {
                    self.slowest.pop();
                    self.slowest_kept[slot] = Some(copy_of(trace, KeptBecause::Slowest));
                    self.slowest.push(Reverse((latency, trace.seq, slot)));
                }
                _ => {}
            }
            return;
        }
        self.slowest_kept
            .push(Some(copy_of(trace, KeptBecause::Slowest)));
        self.slowest
            .push(Reverse((latency, trace.seq, self.slowest_kept.len() - 1)));
    }

    /// The deepest failing span of a failed request (the earliest among equals): where
    /// the failure started, as far as the trace can see.
    fn blame(&mut self, spans: &[RawSpan]) -> Option<Blame> {
        // A local vector (the scratch space is reused): its length stays in a register.
        let mut depth = std::mem::take(&mut self.depth);
        depth.clear();
        let mut best: Option<(u16, usize)> = None;
        for (i, s) in spans.iter().enumerate() {
            let d = match s.parent.checked_sub(1) {
                Some(p) => depth.get(usize::from(p)).map_or(0, |d| d + 1),
                None => 0,
            };
            depth.push(d);
            let failing = !matches!(
                s.status,
                SpanStatus::Ok | SpanStatus::Cancelled | SpanStatus::Swallowed(_)
            );
            if failing && best.is_none_or(|(bd, _)| d > bd) {
                best = Some((d, i));
            }
        }
        self.depth = depth;
        let (_, i) = best?;
        let s = spans[i];
        Some(match s.status {
            SpanStatus::Error(c) | SpanStatus::Timeout(c) | SpanStatus::Rejected(c) => {
                Blame::Cause(c)
            }
            SpanStatus::NoReply => Blame::NoReply(s.a, s.b),
            _ => Blame::Open(s.kind, s.a, s.b, s.node),
        })
    }

    /// The kept traces, finished with names, in request order (the slowest ones too).
    pub fn traces(&self, plan: &Plan, names: &[String], design: &str, seed: u64) -> Vec<Trace> {
        let mut raws: Vec<&RawTrace> = self
            .kept
            .iter()
            .chain(&self.slowest_kept)
            .flatten()
            .collect();
        raws.sort_by_key(|t| (t.seq, t.because));
        raws.dedup_by_key(|t| t.seq);
        let namer = Namer { plan, names };
        raws.into_iter()
            .map(|t| namer.trace(t, design, seed))
            .collect()
    }

    /// What failed requests' traces blame, named, with counts.
    pub fn root_causes(&self, plan: &Plan, names: &[String]) -> BTreeMap<String, u64> {
        let namer = Namer { plan, names };
        let mut out = BTreeMap::new();
        for (blame, n) in &self.blames {
            *out.entry(namer.blame(*blame)).or_insert(0) += n;
        }
        out
    }

    /// Traces kept, by reason (the slowest ones apart).
    pub fn kept_by_reason(&self) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for t in self.kept.iter().flatten() {
            *out.entry(t.because.name().to_string()).or_insert(0) += 1;
        }
        out
    }
}

fn copy_of(t: &RawTrace, because: KeptBecause) -> RawTrace {
    RawTrace {
        seq: t.seq,
        class: t.class,
        because,
        outcome: t.outcome,
        async_failed: t.async_failed,
        end: t.end,
        dropped: t.dropped,
        spans: t.spans.clone(),
    }
}

fn plan_node_count(plan: &Plan) -> usize {
    let mut n = plan.client.index() + 1;
    let mut see = |id: NodeId| n = n.max(id.index() + 1);
    plan.services
        .iter()
        .flat_map(|s| &s.instances)
        .for_each(|&i| see(i));
    plan.databases.iter().for_each(|d| see(d.node));
    plan.kv_stores.iter().for_each(|d| see(d.node));
    plan.brokers.iter().for_each(|d| see(d.node));
    plan.stores
        .iter()
        .flat_map(|s| &s.replicas)
        .for_each(|&i| see(i));
    n
}

struct Namer<'a> {
    plan: &'a Plan,
    names: &'a [String],
}

impl Namer<'_> {
    fn service(&self, s: u16) -> &str {
        self.plan
            .services
            .get(usize::from(s))
            .map_or("?", |s| s.name.as_str())
    }

    fn endpoint(&self, s: u16, e: u16) -> String {
        let ep = self
            .plan
            .services
            .get(usize::from(s))
            .and_then(|svc| svc.endpoints.get(usize::from(e)))
            .map_or("?", |e| e.name.as_str());
        format!("{}.{ep}", self.service(s))
    }

    fn cause(&self, c: CauseId) -> String {
        self.plan
            .causes
            .get(usize::from(c))
            .cloned()
            .unwrap_or_default()
    }

    /// The component a node belongs to: `B#0` → `B`.
    fn component(&self, node: u32) -> String {
        let name = self.names.get(node as usize).map_or("?", String::as_str);
        name.split('#').next().unwrap_or(name).to_string()
    }

    fn name(&self, s: &RawSpan) -> String {
        let plan = self.plan;
        match s.kind {
            SpanKind::Request => format!(
                "request {}",
                plan.classes
                    .get(usize::from(s.a))
                    .map_or("?", |c| c.name.as_str())
            ),
            SpanKind::Network => "network".to_string(),
            SpanKind::Server => self.endpoint(s.a, s.b),
            SpanKind::Consumer => format!("consume {}", self.endpoint(s.a, s.b)),
            SpanKind::QueueWait => "queue wait".to_string(),
            SpanKind::Work => "work".to_string(),
            SpanKind::Call => format!("→ {}", self.endpoint(s.a, s.b)),
            SpanKind::Backoff => "retry backoff".to_string(),
            SpanKind::PoolWait => format!("pool wait {}", self.pool(s)),
            SpanKind::Query => {
                let db = self
                    .plan
                    .services
                    .get(usize::from(s.a))
                    .and_then(|svc| svc.pools.get(usize::from(s.b)))
                    .and_then(|p| plan.databases.get(p.database))
                    .map_or("?", |d| d.name.as_str());
                format!("query {db}")
            }
            SpanKind::Publish => format!(
                "publish {}",
                plan.brokers
                    .get(usize::from(s.a))
                    .map_or("?", |b| b.name.as_str())
            ),
            SpanKind::InQueue => {
                let broker = plan.brokers.get(usize::from(s.a));
                format!(
                    "in queue {}.{}",
                    broker.map_or("?", |b| b.name.as_str()),
                    broker
                        .and_then(|b| b.queues.get(usize::from(s.b)))
                        .map_or("?", |q| q.name.as_str())
                )
            }
            SpanKind::Kv => format!(
                "kv {}",
                plan.kv_stores
                    .get(usize::from(s.a))
                    .map_or("?", |k| k.name.as_str())
            ),
            SpanKind::Store => format!(
                "store {} {}",
                plan.stores
                    .get(usize::from(s.a))
                    .map_or("?", |k| k.name.as_str()),
                if s.b == 1 { "write" } else { "read" }
            ),
            SpanKind::LockWait => format!(
                "lock wait {}",
                plan.locks
                    .get(usize::from(s.a))
                    .map_or("?", |l| l.name.as_str())
            ),
            SpanKind::BalanceRead | SpanKind::Debit => format!(
                "{} {}",
                if s.kind == SpanKind::Debit {
                    "debit"
                } else {
                    "read balance"
                },
                plan.accounts
                    .get(usize::from(s.a))
                    .map_or("?", |a| a.name.as_str())
            ),
            SpanKind::Swallowed => "swallowed error".to_string(),
        }
    }

    fn pool(&self, s: &RawSpan) -> String {
        self.plan
            .services
            .get(usize::from(s.a))
            .and_then(|svc| svc.pools.get(usize::from(s.b)))
            .map_or("?".to_string(), |p| p.name.clone())
    }

    fn blame(&self, b: Blame) -> String {
        match b {
            Blame::Cause(c) => self.cause(c),
            Blame::NoReply(s, e) => format!("{}: ended without answering", self.endpoint(s, e)),
            Blame::Open(kind, a, b, node) => {
                let who = self.component(node);
                match kind {
                    SpanKind::Call => format!("{who}→{}: no answer", self.endpoint(a, b)),
                    SpanKind::Server | SpanKind::Consumer => {
                        format!("{}: still running", self.endpoint(a, b))
                    }
                    SpanKind::Request => "client: no answer".to_string(),
                    SpanKind::QueueWait => format!("{who}: no worker free (queue wait)"),
                    other => {
                        let s = RawSpan {
                            start: SimTime::ZERO,
                            end: SimTime::ZERO,
                            node,
                            parent: 0,
                            link: 0,
                            child: 0,
                            a,
                            b,
                            n: 0,
                            replied: false,
                            kind: other,
                            status: SpanStatus::Open,
                        };
                        format!("{who}: {} still open", self.name(&s))
                    }
                }
            }
        }
    }

    fn trace(&self, t: &RawTrace, design: &str, seed: u64) -> Trace {
        let end = t.end;
        let finish = |s: &RawSpan| {
            if s.end == SimTime::MAX {
                end.as_nanos().max(s.start.as_nanos())
            } else {
                s.end.as_nanos()
            }
        };
        // Ids in the finished trace: each server span is preceded by its call's transit
        // and followed by its answer's, derived from the spans around them.
        let mut ids = Vec::with_capacity(t.spans.len());
        let mut next = 1u32;
        for (i, s) in t.spans.iter().enumerate() {
            let inbound = s.kind == SpanKind::Server && s.parent != 0;
            next += u32::from(inbound);
            ids.push(next);
            next += 1 + u32::from(inbound && Self::answer_crossed(t, i));
        }
        let id_of = |p: u16| p.checked_sub(1).map_or(0, |p| ids[usize::from(p)]);
        let mut spans: Vec<Span> = Vec::with_capacity(next as usize - 1);
        let mut raw_of: Vec<usize> = Vec::with_capacity(next as usize - 1);
        for (i, s) in t.spans.iter().enumerate() {
            let caller = s.parent.checked_sub(1).map(|p| &t.spans[usize::from(p)]);
            let (inbound, outbound) = match caller {
                Some(c) if s.kind == SpanKind::Server => (Some(c), Self::answer_crossed(t, i)),
                _ => (None, false),
            };
            if let Some(c) = inbound {
                spans.push(self.transit(ids[i] - 1, id_of(s.parent), s.node, c.start, s.start));
                raw_of.push(usize::MAX);
            }
            let open = s.end == SimTime::MAX;
            let (status, cause) = match s.status {
                SpanStatus::Open => ("open", None),
                SpanStatus::Ok => ("ok", None),
                SpanStatus::Error(c) => ("error", Some(self.cause(c))),
                SpanStatus::Timeout(c) => ("timeout", Some(self.cause(c))),
                SpanStatus::Rejected(c) => ("rejected", Some(self.cause(c))),
                SpanStatus::Cancelled => ("cancelled", None),
                SpanStatus::NoReply => ("no reply", None),
                SpanStatus::Swallowed(c) => ("swallowed", Some(self.cause(c))),
            };
            spans.push(Span {
                id: ids[i],
                parent: id_of(s.parent),
                link: id_of(s.link),
                kind: s.kind,
                name: self.name(s),
                service: self.component(s.node),
                node: self.names.get(s.node as usize).cloned().unwrap_or_default(),
                start_ns: s.start.as_nanos(),
                end_ns: finish(s),
                open,
                status,
                cause,
                attempt: s.n,
            });
            raw_of.push(i);
            if let (Some(c), true) = (inbound, outbound) {
                spans.push(self.transit(ids[i] + 1, id_of(s.parent), c.node, s.end, c.end));
                raw_of.push(usize::MAX);
            }
        }
        let failed = t.async_failed || t.outcome.is_some_and(|o| o != Outcome::Ok);
        let root_cause = failed
            .then(|| deepest_failing(&spans))
            .flatten()
            .map(|i| (spans[i].id, self.blame_of(&t.spans[raw_of[i]])));
        let (outcome, cause) = match t.outcome {
            None => ("in_flight", None),
            Some(o) => (
                crate::results::OUTCOMES[o.index()],
                o.cause().map(|c| self.cause(c)),
            ),
        };
        Trace {
            design: design.to_string(),
            request: t.seq,
            trace_id: trace_id(seed, design, t.seq),
            class: self
                .plan
                .classes
                .get(usize::from(t.class))
                .map_or(String::new(), |c| c.name.clone()),
            outcome: outcome.to_string(),
            cause,
            kept_because: t.because,
            async_failed: t.async_failed,
            start_ns: t.spans.first().map_or(0, |s| s.start.as_nanos()),
            end_ns: end.as_nanos(),
            spans,
            spans_dropped: t.dropped,
            root_cause,
        }
    }

    /// Whether the answer of the call that reached server span `i` crossed back: the call
    /// ended by its answer, after the server span ended.
    fn answer_crossed(t: &RawTrace, i: usize) -> bool {
        let s = &t.spans[i];
        let Some(c) = s.parent.checked_sub(1).map(|p| &t.spans[usize::from(p)]) else {
            return false;
        };
        c.replied && usize::from(c.child) == i + 1 && s.end != SimTime::MAX && s.end <= c.end
    }

    /// A derived network span (a message's transit).
    fn transit(&self, id: u32, parent: u32, node: u32, from: SimTime, to: SimTime) -> Span {
        Span {
            id,
            parent,
            link: 0,
            kind: SpanKind::Network,
            name: "network".to_string(),
            service: self.component(node),
            node: self.names.get(node as usize).cloned().unwrap_or_default(),
            start_ns: from.as_nanos(),
            end_ns: to.as_nanos().max(from.as_nanos()),
            open: false,
            status: "ok",
            cause: None,
            attempt: 0,
        }
    }

    fn blame_of(&self, s: &RawSpan) -> String {
        self.blame(match s.status {
            SpanStatus::Error(c) | SpanStatus::Timeout(c) | SpanStatus::Rejected(c) => {
                Blame::Cause(c)
            }
            SpanStatus::NoReply => Blame::NoReply(s.a, s.b),
            _ => Blame::Open(s.kind, s.a, s.b, s.node),
        })
    }
}

/// Index of the deepest failing span (the earliest among equals).
fn deepest_failing(spans: &[Span]) -> Option<usize> {
    let mut depth: Vec<u32> = Vec::with_capacity(spans.len());
    let mut best: Option<(u32, usize)> = None;
    for (i, s) in spans.iter().enumerate() {
        let d = match s.parent.checked_sub(1) {
            Some(p) => depth.get(p as usize).map_or(0, |d| d + 1),
            None => 0,
        };
        depth.push(d);
        if s.failing() && best.is_none_or(|(bd, _)| d > bd) {
            best = Some((d, i));
        }
    }
    best.map(|(_, i)| i)
}
