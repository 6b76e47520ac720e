//! What a run produces, per design: the contract of `results.json`.
//!
//! Every field is plain data with a stable order (structs in declaration order, maps
//! sorted), no timestamps and no paths, so the same scenario and seed give byte-identical
//! files. Latencies are in milliseconds, rates per second, times in seconds.

pub mod assertion;
pub mod shape;
pub mod trace;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version written into results.
pub const CAPLAB_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The messages a design sent in a time window, from a second run of it with the message
/// log on: what a space-time diagram is drawn from.
#[derive(Clone, Debug)]
pub struct MessageWindow {
    /// Node names, by node index.
    pub names: Vec<String>,
    /// The messages sent in the window, in sending order.
    pub records: Vec<sim_core::message_log::MessageRecord>,
    /// Older messages of the window dropped over the log's capacity.
    pub evicted: u64,
    /// The run's digest: the plain run's, since the log only observes.
    pub digest: u64,
}

/// The results of one `caplab run`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunResults {
    /// The scenario's name.
    pub scenario: String,
    /// The seed used (the file's, or `--seed`).
    pub seed: u64,
    /// The caplab version that produced the file.
    pub caplab_version: String,
    /// Simulated seconds per design run, warm-up included.
    pub duration_s: f64,
    /// Leading seconds excluded from the metrics.
    pub warmup_s: f64,
    /// Width of a time-series window, in seconds.
    pub window_s: f64,
    /// One entry per design run, in file order.
    pub designs: Vec<DesignResult>,
    /// The scenario's description (for reports; empty in files written before it existed).
    #[serde(default)]
    pub description: String,
    /// What every design faced, in start order: the scenario's faults and the load spikes
    /// of its arrival processes (for charts and the report's narrative).
    #[serde(default)]
    pub faults: Vec<FaultWindow>,
}

/// A fault (or load spike) and when it was active.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultWindow {
    /// Start, in seconds.
    pub start_s: f64,
    /// End (restart, heal, back to normal), in seconds; `None` when it lasts to the end.
    pub end_s: Option<f64>,
    /// The fault action's name (`crash`, `partition`, `slow`, ...) or `load_spike`.
    pub kind: String,
    /// A short description: `crash api#0`, `partition [a, b] | [c]`,
    /// `load spike of report requests (60/s)`.
    pub label: String,
}

/// The results of one design.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignResult {
    /// The design's name.
    pub name: String,
    /// 64-bit digest of the run, 16 hex digits: the engine's digest of every event (time,
    /// kind, target, source) folded with a digest of what clients were told (every
    /// request's end, every read's value). Equal digests, equal runs.
    pub digest: String,
    /// Events processed.
    pub events: u64,
    /// Why the run stopped: `time_limit`, `idle`, `event_budget`, `queue_full` or
    /// `memory_limit` (the budget `limits.max_memory_mb` was exceeded).
    pub stop: String,
    /// Requests issued after the warm-up, and how each ended.
    pub requests: RequestCounts,
    /// Latency of successful requests (`null` when none succeeded: no samples is not zero
    /// latency).
    pub latency_ms: Option<LatencySummary>,
    /// Non-ok requests over completed requests (in-flight ones excluded).
    pub failure_rate: f64,
    /// Successful requests per simulated second of the measured period.
    pub throughput_per_s: f64,
    /// Non-ok requests by cause (`timeout: client`, `rejected: queue full`, ...).
    pub causes: BTreeMap<String, u64>,
    /// The same figures per endpoint (request class).
    pub endpoints: BTreeMap<String, EndpointResult>,
    /// What the network did with messages.
    pub network: NetworkSummary,
    /// One row per time window (the CSV time series).
    pub series: Vec<WindowRow>,
    /// Latency distribution of successful requests: `[ms, cumulative fraction]` at the
    /// quantiles 0, 0.01, ..., 0.99, 0.995, 0.999, 0.9999 and 1 (empty when nothing succeeded).
    #[serde(default)]
    pub latency_cdf: Vec<[f64; 2]>,
    /// Message accounting, for designs with brokers (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<MessageSummary>,
    /// The design's infrastructure cost per month, in US dollars (when it declares one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_month_usd: Option<f64>,
    /// What the clients of each replicated store observed, by store name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stores: BTreeMap<String, StoreSummary>,
    /// What the clients of each lock service observed, by service name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub locks: BTreeMap<String, LockSummary>,
    /// The payments of each account store and what became of them, by store name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, AccountSummary>,
    /// Operation over the scenario's reliability horizon (scenarios with a `reliability`
    /// section): uptime, recovery, incidents, cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reliability: Option<ReliabilitySummary>,
    /// Errors that callers caught and ignored (`on_error: swallow` or `no_reply`), by
    /// `"<service> swallowed <cause>"`, warm-up included (absent when none).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub swallowed_errors: BTreeMap<String, u64>,
    /// What the trace recorder kept and refused, when the run was traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing: Option<TracingSummary>,
    /// The traces kept (not part of `results.json`: `caplab run` writes them to
    /// `traces-<design>.otlp.json` and `.chrome.json` beside it).
    #[serde(skip)]
    pub traces: Vec<trace::Trace>,
}

/// A mean over replications and the half-width of its 95% confidence interval (Student t;
/// 0 with one replication).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Estimate {
    /// Mean over the replications.
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean.
    pub half_width_95: f64,
}

/// A distribution of durations, in minutes, pooled over replications (log-bucketed
/// histogram: quantiles within 0.4%; mean and maximum exact).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spread {
    /// Samples.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// An endpoint over the reliability horizon.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointUptime {
    /// Fraction of time the endpoint met its success criterion.
    pub uptime: Estimate,
    /// Fraction of its requests that succeeded.
    pub availability: Estimate,
}

/// One system state of the failure process.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRow {
    /// The components down in it: `routing: 1 undetected, 1 out of rotation`, or `all up`.
    pub label: String,
    /// Hours spent in it per replication (mean).
    pub hours: f64,
    /// Successes over completed requests in its request-level simulation (`None`: beyond
    /// `max_states`, not simulated).
    pub availability: Option<f64>,
    /// Whether every endpoint met the criterion in it.
    pub meets: bool,
}

/// A design's operation over months (`models::reliability`, fast mode): each distinct
/// system state simulated at request level, weighted by the time the failure process spent
/// in it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReliabilitySummary {
    /// Simulated operation per replication, in days.
    pub horizon_days: f64,
    /// Replications of the failure process.
    pub replications: u32,
    /// The success criterion: an endpoint is up while at least this fraction of its
    /// requests succeed.
    pub min_availability: f64,
    /// Fraction of time every endpoint met the criterion.
    pub uptime: Estimate,
    /// Fraction of requests that succeeded.
    pub availability: Estimate,
    /// The same per endpoint.
    pub endpoints: BTreeMap<String, EndpointUptime>,
    /// Component failures per replication (over the horizon).
    pub incidents: Estimate,
    /// Time from a component's failure to its recovery (detection, restart, page, repair).
    pub time_to_recover_min: Spread,
    /// Intervals in which the design missed its criterion, per replication.
    pub outages: Estimate,
    /// Their lengths.
    pub outage_min: Spread,
    /// Successes per hour with every component up under the peak offered load (when the
    /// section sets `peak_rate_per_s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_throughput_per_h: Option<f64>,
    /// Node-hours over the horizon (every node, up or down: it is paid for).
    pub node_hours: f64,
    /// Cost over the horizon, in US dollars (node-hours × the design's price per
    /// node-hour), for designs that declare a `cost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
    /// Successful requests over the horizon (mean per replication).
    pub requests_ok: f64,
    /// `cost_usd / requests_ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_request_usd: Option<f64>,
    /// Distinct system states simulated at request level.
    pub states: u64,
    /// Every state visited, in the order first visited (state 0: everything up): what
    /// requests saw in it and the time spent in it.
    pub state_table: Vec<StateRow>,
    /// Events of those request-level simulations.
    pub state_events: u64,
    /// Hours per replication spent in states beyond `max_states`, not simulated and
    /// counted as missing the criterion (0 unless the cap was reached).
    pub unsimulated_state_hours: f64,
}

/// A lock service's grants, as its clients saw them (the whole run, warm-up included).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockSummary {
    /// Lock requests made.
    pub requests: u64,
    /// Grants received in time.
    pub acquired: u64,
    /// Requests that found the lock held and waited (contention).
    pub conflicts: u64,
    /// `conflicts / requests`.
    pub conflict_rate: f64,
    /// Waits that ran out before the grant.
    pub wait_timeouts: u64,
    /// Leases that expired while held: the holder never released in time (and, paused,
    /// may still believe it holds the lock).
    pub lease_expiries: u64,
    /// Time from request to grant, of the grants received in time (`null`: no grant).
    pub wait_ms: Option<LatencySummary>,
}

/// An account store's payments (the whole run, warm-up included). Every stored payment is a
/// version of its account built on the version it read; a payment acknowledged as paid
/// whose deduction was erased by a write built on an older read is a double spend.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSummary {
    /// Payments written (debit steps that reached the write).
    pub payments: u64,
    /// Payments acknowledged as paid.
    pub paid: u64,
    /// Payments refused because the balance read did not cover them.
    pub declined: u64,
    /// Writes refused for an old fencing token.
    pub fenced: u64,
    /// Writes stored over a newer version than the one they read.
    pub lost_updates: u64,
    /// Payments acknowledged as paid whose deduction does not survive in the final balance.
    pub double_spends: u64,
    /// Money paid out and not deducted (the double spends' total), in money units.
    pub double_spent_amount: u64,
    /// Accounts whose final balance differs from the opening balance minus the surviving
    /// payments: always 0 (exact accounting; a non-zero value is a bug in the model).
    pub unbalanced_accounts: u64,
}

/// What the trace recorder of a design's run did: the sampling settings, what it kept, and
/// everything a cap refused (never silently).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TracingSummary {
    /// Fraction of requests sampled whatever happened to them.
    pub sample_rate: f64,
    /// Failed requests are kept.
    pub keep_failed: bool,
    /// Requests at least this slow are kept, in milliseconds (`null`: none for slowness).
    pub slow_ms: Option<f64>,
    /// Requests whose trace was decided (all issued, warm-up included, but those still in
    /// flight are counted at the end of the run).
    pub requests: u64,
    /// Of which failed (at the client, or in a consumer of one of their messages).
    pub failed: u64,
    /// Traces kept.
    pub kept: u64,
    /// Traces kept, by reason: `requested`, `failed`, `slow`, `sampled`.
    pub kept_by_reason: BTreeMap<String, u64>,
    /// The cap on traces kept.
    pub max_traces: u64,
    /// Traces that deserved keeping but were refused or displaced by `max_traces`.
    pub dropped_over_cap: u64,
    /// Spans recorded.
    pub spans: u64,
    /// Spans refused by `max_spans_per_trace` or `max_buffered_spans` (and so their own
    /// children, which are not counted).
    pub spans_dropped: u64,
    /// Traces that lost at least one span to a cap.
    pub traces_truncated: u64,
    /// The caps on spans per trace and spans buffered at once.
    pub max_spans_per_trace: u64,
    /// The cap on spans buffered at once.
    pub max_buffered_spans: u64,
    /// Most spans buffered at once during the run.
    pub peak_buffered_spans: u64,
    /// For every failed request: what its trace blames (the deepest failing span it can
    /// see: its cause, or what was still waiting), with counts.
    pub root_causes: BTreeMap<String, u64>,
}

/// A replicated store's history, checked, and the staleness of its reads.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSummary {
    /// The protocol.
    pub protocol: String,
    /// Operations recorded and checked.
    pub operations_checked: u64,
    /// Operations past the history cap, not recorded (never silently: counted here).
    pub operations_not_recorded: u64,
    /// `linearizable`, `violation` or `unknown` (the checker's budget ran out).
    pub linearizability: String,
    /// On a violation: a minimal counter-example, rendered for a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counterexample: Option<String>,
    /// Reads completed.
    pub reads: u64,
    /// Reads that returned an older value than a write acknowledged before they began.
    pub stale_reads: u64,
    /// `stale_reads / reads`.
    pub stale_read_fraction: f64,
    /// Mean number of acknowledged writes a stale read missed.
    pub mean_versions_behind: f64,
    /// Most acknowledged writes a read missed.
    pub max_versions_behind: u64,
    /// Writes acknowledged to their clients.
    #[serde(default)]
    pub writes_acked: u64,
    /// Acknowledged writes that no version left on any replica supersedes: overwritten by a
    /// concurrent write (last writer wins), or lost with a primary that crashed before
    /// shipping them. Always 0 under `cp`, which orders every write.
    #[serde(default)]
    pub lost_writes: u64,
    /// Reads that met concurrent versions (siblings) of their key.
    #[serde(default)]
    pub sibling_reads: u64,
    /// Primaries elected by failover.
    #[serde(default)]
    pub failovers: u64,
    /// Time from a write's acceptance by its coordinating replica to its arrival at each
    /// other replica (every protocol but `cp`; `null` without replication).
    #[serde(default)]
    pub replication_lag_ms: Option<LatencySummary>,
    /// The replication lag's distribution: `[ms, cumulative fraction]` at the quantiles of
    /// `latency_cdf` (empty without replication).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replication_lag_cdf: Vec<[f64; 2]>,
    /// t-visibility: reads by time since their key's last acknowledged write, and the
    /// share that returned it (or something newer). Empty bins are left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub visibility: Vec<VisibilityBin>,
    /// The counter-example's operations (with a violation): who issued each, when, and
    /// what it saw; what a space-time diagram of the violation is drawn around.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counterexample_ops: Vec<CounterexampleOp>,
}

/// One operation of a counter-example.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterexampleOp {
    /// The node that coordinated it (an instance of the service running the store step).
    pub node: String,
    /// When it was invoked, in seconds.
    pub invoke_s: f64,
    /// When its client learned the result, in seconds (`None`: never).
    pub complete_s: Option<f64>,
    /// `write(12) → ok`, `read() → 7`.
    pub op: String,
    /// The coordinator's execution slot that ran it (its store messages carry it as
    /// `exec`): what picks the operation's own messages out of a message log.
    pub slot: u32,
    /// The value (write number) it wrote, for a write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<u64>,
}

/// One bin of the t-visibility curve.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisibilityBin {
    /// Reads that began at least this long after the key's last acknowledged write, in ms.
    pub after_ms: f64,
    /// ... and less than this long (`None`: no upper bound).
    pub before_ms: Option<f64>,
    /// Reads in the bin.
    pub reads: u64,
    /// Of which returned that write or a newer one.
    pub fresh_fraction: f64,
}

/// What happened to the message copies of a design with brokers. Every copy that entered a
/// queue or a log (once per consumer group) ends exactly once: `entered` = `processed` +
/// `failed` + `dead_lettered` + the sum of `lost` + `queued` + `in_flight`. `duplicates`
/// counts processing beyond the first (at-least-once redeliveries, rebalances).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageSummary {
    /// Copies that entered queues or logs.
    pub entered: u64,
    /// Processed successfully.
    pub processed: u64,
    /// Processed with an error, not retried.
    pub failed: u64,
    /// Dead-lettered after too many deliveries.
    pub dead_lettered: u64,
    /// Lost, by cause: `broker crash`, `consumer crash`, `queue overflow`.
    pub lost: BTreeMap<String, u64>,
    /// Still waiting in a queue or a log at the end.
    pub queued: u64,
    /// Handed to a consumer and not finished (or not acknowledged) at the end.
    pub in_flight: u64,
    /// Processing beyond the first.
    pub duplicates: u64,
    /// Time from a request's issue to the processing of a message it published, for
    /// requests issued after the warm-up (`null` when no such message was processed).
    pub completion_latency_ms: Option<LatencySummary>,
    /// Its distribution: `[ms, cumulative fraction]` at the quantiles of
    /// [`DesignResult::latency_cdf`] (empty when nothing completed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub completion_latency_cdf: Vec<[f64; 2]>,
}

/// Requests and their outcomes. `total` = the sum of `by_outcome`, in flight included.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestCounts {
    /// Requests issued after the warm-up.
    pub total: u64,
    /// Of which succeeded.
    pub ok: u64,
    /// Counts for `ok`, `error`, `timeout`, `rejected` and `in_flight` (always all five).
    pub by_outcome: BTreeMap<String, u64>,
}

/// A latency distribution, in milliseconds. Where there may be no samples (nothing
/// succeeded), results hold an `Option<LatencySummary>`: `null`, never zeros.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencySummary {
    /// Mean (exact).
    pub mean: f64,
    /// Median (histogram estimate, within 0.4%).
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest (exact).
    pub max: f64,
}

/// Per-endpoint figures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointResult {
    /// Requests and outcomes.
    pub requests: RequestCounts,
    /// Latency of successful requests (`null` when none succeeded).
    pub latency_ms: Option<LatencySummary>,
    /// Non-ok over completed.
    pub failure_rate: f64,
    /// Successes per second.
    pub throughput_per_s: f64,
    /// Per window of `DesignResult::series` (warm-up included): requests of this endpoint
    /// that ended `[ok, not ok]` in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<[u64; 2]>,
}

/// Message accounting of the network.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSummary {
    /// Messages sent.
    pub sent: u64,
    /// Copies delivered.
    pub delivered: u64,
    /// Lost at random.
    pub lost: u64,
    /// Dropped by a partition.
    pub partitioned: u64,
    /// Dropped at a node that was down or crashed meanwhile.
    pub to_down_node: u64,
    /// Extra copies from duplication.
    pub duplicated: u64,
}

impl From<&sim_core::network::NetStats> for NetworkSummary {
    /// The engine's network counters, as results carry them.
    fn from(n: &sim_core::network::NetStats) -> NetworkSummary {
        NetworkSummary {
            sent: n.sent,
            delivered: n.delivered,
            lost: n.lost,
            partitioned: n.partitioned,
            to_down_node: n.to_down_node,
            duplicated: n.duplicated,
        }
    }
}

/// One time window. Requests are counted in the window in which they end (issued: in
/// which they start).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowRow {
    /// Window start, in seconds.
    pub start_s: f64,
    /// Requests issued.
    pub issued: u64,
    /// Requests that succeeded.
    pub ok: u64,
    /// Requests that failed with an error.
    pub error: u64,
    /// Requests that timed out.
    pub timeout: u64,
    /// Requests rejected.
    pub rejected: u64,
    /// Message copies processed (designs with brokers; 0 otherwise).
    #[serde(default)]
    pub processed: u64,
    /// Mean latency of successes (`null` when none).
    pub latency_mean_ms: Option<f64>,
    /// 99th-percentile latency of successes (`null` when none; coarse, within 6.25%).
    pub latency_p99_ms: Option<f64>,
}

/// The five ways a request can be at the end of a run, in the order reports list them.
pub const OUTCOMES: [&str; 5] = ["ok", "error", "timeout", "rejected", "in_flight"];
