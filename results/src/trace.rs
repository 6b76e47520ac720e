//! The traces of a run as results carry them: a kept trace with its spans, named (the
//! recorder that builds them is `models::trace`).

use sim_core::rng::stable_hash;

/// The 16-hex-digit id of span `id` (from 1) of the trace `trace_id`.
pub fn span_id(trace_id: &str, id: u32) -> String {
    let h = stable_hash(u64::from(id), trace_id.as_bytes()).max(1);
    format!("{h:016x}")
}

/// What a span stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SpanKind {
    /// The client's request, from issue to outcome: the root of the trace.
    Request,
    /// A message on the wire (call or answer).
    Network,
    /// A service instance handling a call, from arrival to answer.
    Server,
    /// A consumer loop processing a message.
    Consumer,
    /// Waiting in a service's queue for a worker.
    QueueWait,
    /// A compute step: the worker busy.
    Work,
    /// One attempt of a network call, from send to answer or timeout.
    Call,
    /// The pause before a retry.
    Backoff,
    /// Waiting for a connection of a pool.
    PoolWait,
    /// A database query, from send to answer.
    Query,
    /// Publishing to a broker, until it accepts.
    Publish,
    /// A message waiting in a broker's queue until it is delivered.
    InQueue,
    /// A key-value store operation.
    Kv,
    /// A replicated-store operation, from its first message to its quorum (or its
    /// failure); `n` is the number of replicas tried or redirects followed.
    Store,
    /// Waiting for a lock service to grant the request's key.
    LockWait,
    /// Reading an account's balance.
    BalanceRead,
    /// Writing an account's debit (with the lock's fencing token).
    Debit,
    /// A caught (swallowed) error: zero length, at the moment it was caught.
    Swallowed,
}

/// Why a trace was kept, best first (a better reason displaces a worse one at the cap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeptBecause {
    /// Named on the command line (`caplab trace --request`).
    Requested,
    /// The request failed.
    Failed,
    /// The request was slower than `slow_ms`.
    Slow,
    /// Sampled at `sample_rate`.
    Sampled,
    /// One of the slowest requests (`caplab trace --slowest`).
    Slowest,
}

impl KeptBecause {
    /// The reason's name in results.
    pub fn name(self) -> &'static str {
        match self {
            KeptBecause::Requested => "requested",
            KeptBecause::Failed => "failed",
            KeptBecause::Slow => "slow",
            KeptBecause::Sampled => "sampled",
            KeptBecause::Slowest => "slowest",
        }
    }
}

/// A kept trace, with names: what `caplab trace` prints and the exports write.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The design.
    pub design: String,
    /// The request's number in the run (0 = the first issued, warm-up included).
    pub request: u64,
    /// 32 hex digits.
    pub trace_id: String,
    /// The request class.
    pub class: String,
    /// `ok`, `error`, `timeout`, `rejected`, or `in_flight` at the end of the run.
    pub outcome: String,
    /// The failure's cause as the client saw it.
    pub cause: Option<String>,
    /// Why the trace was kept.
    pub kept_because: KeptBecause,
    /// A consumer failed one of the request's messages.
    pub async_failed: bool,
    /// When the request was issued, in nanoseconds of simulated time.
    pub start_ns: u64,
    /// When the trace was decided (the last thing it saw), in nanoseconds.
    pub end_ns: u64,
    /// The spans, parents before children, in the order they started.
    pub spans: Vec<Span>,
    /// Spans refused by a cap.
    pub spans_dropped: u32,
    /// The deepest failing span (id) and what it says, for failed requests.
    pub root_cause: Option<(u32, String)>,
}

/// A span of a kept trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// From 1, in order.
    pub id: u32,
    /// The parent's id (0: the root).
    pub parent: u32,
    /// A linked span's id (a consumer's producer; 0: none).
    pub link: u32,
    /// What it stands for.
    pub kind: SpanKind,
    /// `B.get`, `→ C.lookup`, `network`, `queue wait`, `work`, ...
    pub name: String,
    /// The component it ran on (`client`, a service, a database, a broker).
    pub service: String,
    /// The node (`B#0`).
    pub node: String,
    /// Start, in nanoseconds of simulated time.
    pub start_ns: u64,
    /// End (for an open span: when the trace was decided).
    pub end_ns: u64,
    /// Not ended when the trace was decided.
    pub open: bool,
    /// `ok`, `error`, `timeout`, `rejected`, `open`, `cancelled`, `no reply`, `swallowed`.
    pub status: &'static str,
    /// The cause of a failure (or of the error swallowed).
    pub cause: Option<String>,
    /// Attempt (calls, from 1) or delivery number (0: not applicable).
    pub attempt: u16,
}

impl Span {
    /// Duration in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }

    /// A failure status (error, timeout, rejected, no reply) or still open.
    pub fn failing(&self) -> bool {
        !matches!(self.status, "ok" | "cancelled" | "swallowed")
    }
}
