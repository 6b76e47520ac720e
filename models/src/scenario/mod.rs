//! The scenario file: one question, several designs facing the same workload and faults.
//!
//! This module holds the file's shape exactly as written (serde, `deny_unknown_fields`,
//! units last in field names). `validate` checks what serde cannot (ranges, references
//! between parts) and reports every problem at once with its JSON path; `build` turns a
//! valid design into engine components.

pub mod assertion;
pub mod chaos;
pub mod cost;
pub mod limits;
pub mod reliability;
pub mod sweep;

use serde::{Deserialize, Serialize};
use sim_core::dist::Dist;
use std::collections::BTreeMap;

/// The scenario-file format version this build reads.
pub const FORMAT_VERSION: u32 = 1;

/// A caplab scenario: one question, several designs facing the same workload and faults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "caplab scenario")]
pub struct Scenario {
    /// Optional JSON Schema reference for editors; ignored by caplab.
    #[serde(
        rename = "$schema",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_string"
    )]
    #[schemars(with = "String")]
    pub schema: Option<String>,
    /// Format version; must be 1.
    #[schemars(extend("const" = FORMAT_VERSION))]
    pub version: u32,
    /// Short name (used in results and reports).
    #[schemars(length(min = 1, max = crate::scenario::limits::MAX_NAME_CHARS))]
    pub name: String,
    /// What the scenario asks and every assumption it makes.
    pub description: String,
    /// The scenario seed; `caplab run --seed` overrides it.
    #[schemars(range(min = 0))]
    pub seed: u64,
    /// Simulated time of one run, in seconds (measured part plus warm-up).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub duration_s: f64,
    /// Leading seconds excluded from metrics (requests issued before it are not counted).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub warmup_s: f64,
    /// Width of a time-series window, in seconds.
    #[serde(default = "default_window_s")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub window_s: f64,
    /// Safety limits that stop a runaway scenario.
    #[serde(default)]
    pub limits: Limits,
    /// The network between every pair of nodes.
    #[serde(default)]
    pub network: NetworkSpec,
    /// The load every design faces.
    pub workload: Workload,
    /// The faults every design faces.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// The designs compared.
    #[schemars(length(min = 1))]
    pub designs: Vec<Design>,
    /// Parameters to sweep (`caplab sweep`): numeric fields by JSON path, crossed as a grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<sweep::Sweep>,
    /// Expectations on every design's results (`caplab check`).
    #[serde(default)]
    pub assertions: Vec<assertion::Assertion>,
    /// Random faults drawn from the run's seed, the same for every design (`caplab chaos`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<chaos::Chaos>,
    /// Operation over months: the horizon and how uptime is judged, for the designs'
    /// `failures`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reliability: Option<reliability::Reliability>,
    /// Distributed tracing of the requests (observation only: it changes no result but the
    /// `tracing` summary). Absent: no tracing (`caplab trace` turns it on by itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceSpec>,
}

/// A field that may be absent (`None`, by `default`) but, when present, is a string: not
/// `null`, as the JSON Schema says.
fn present_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    String::deserialize(d).map(Some)
}

/// Which request traces a run keeps, and the caps that bound their memory. Every request's
/// spans are buffered while it is in flight; when it ends, its trace is kept if it was
/// sampled, failed or slow (tail-based sampling), within `max_traces`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceSpec {
    /// Fraction of requests kept whatever happens to them, chosen by a hash of the seed
    /// and the request's number (the same requests in every design; no random stream is
    /// drawn from).
    #[serde(default = "default_sample_rate")]
    #[schemars(range(min = 0, max = 1))]
    pub sample_rate: f64,
    /// Also keep the trace of every request that fails (error, timeout, rejected).
    #[serde(default = "yes")]
    pub keep_failed: bool,
    /// Also keep the trace of every request slower than this, in milliseconds (requests
    /// still in flight at the end count by their age). Absent: slowness keeps nothing.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub slow_ms: Option<f64>,
    /// Most traces kept per design. Beyond it failed traces displace slow ones, slow ones
    /// displace sampled ones, and what is left out is counted (`tracing.dropped_over_cap`).
    #[serde(default = "default_max_traces")]
    #[schemars(range(min = 1))]
    pub max_traces: u32,
    /// Most spans one trace holds; later spans are counted, not kept (at most 65,535).
    #[serde(default = "default_max_spans_per_trace")]
    #[schemars(range(min = 1, max = 65535))]
    pub max_spans_per_trace: u32,
    /// Most spans buffered at once for the requests in flight: the memory bound of tail
    /// sampling (about 48 bytes a span). Spans beyond it are counted, not kept.
    #[serde(default = "default_max_buffered_spans")]
    #[schemars(range(min = 1))]
    pub max_buffered_spans: u64,
}

fn default_sample_rate() -> f64 {
    0.01
}
fn default_max_traces() -> u32 {
    1_000
}
fn default_max_spans_per_trace() -> u32 {
    512
}
fn default_max_buffered_spans() -> u64 {
    1_000_000
}

impl Default for TraceSpec {
    fn default() -> Self {
        TraceSpec {
            sample_rate: default_sample_rate(),
            keep_failed: true,
            slow_ms: None,
            max_traces: default_max_traces(),
            max_spans_per_trace: default_max_spans_per_trace(),
            max_buffered_spans: default_max_buffered_spans(),
        }
    }
}

fn default_window_s() -> f64 {
    1.0
}

/// Limits that keep a huge scenario from exhausting the machine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most events one design's run may process; the run stops there and says so.
    #[serde(default = "default_max_events")]
    #[schemars(range(min = 1))]
    pub max_events: u64,
    /// Most time-series windows (duration / window).
    #[serde(default = "default_max_windows")]
    #[schemars(range(min = 1))]
    pub max_windows: usize,
    /// Most requests in flight at once in one design (further arrivals are rejected).
    #[serde(default = "default_max_in_flight")]
    #[schemars(range(min = 1))]
    pub max_in_flight: u64,
    /// Memory budget of one design's run, in megabytes: the model state that grows with
    /// the load (events pending, requests, queued messages and log records, store writes,
    /// trace spans), estimated from counts, so the same on every machine. Checked every
    /// 65,536 events; past it the run stops (`memory_limit`).
    #[serde(default = "default_max_memory_mb")]
    #[schemars(range(min = 1))]
    pub max_memory_mb: u64,
}

fn default_max_events() -> u64 {
    200_000_000
}
fn default_max_memory_mb() -> u64 {
    1_024
}
fn default_max_windows() -> usize {
    100_000
}
fn default_max_in_flight() -> u64 {
    1_000_000
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: default_max_events(),
            max_windows: default_max_windows(),
            max_in_flight: default_max_in_flight(),
            max_memory_mb: default_max_memory_mb(),
        }
    }
}

/// The network every message crosses (between any two distinct nodes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkSpec {
    /// One-way latency, in milliseconds.
    #[serde(default = "default_latency_ms")]
    pub latency_ms: Dist,
    /// Probability that a message is lost.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1))]
    pub loss: f64,
    /// Probability that a message is delivered twice.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1))]
    pub duplicate: f64,
}

fn default_latency_ms() -> Dist {
    Dist::constant(0.25)
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency_ms: default_latency_ms(),
            loss: 0.0,
            duplicate: 0.0,
        }
    }
}

/// Who sends requests, how often, and to which endpoints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// The shared arrival process: each request picks a class (without its own
    /// `arrivals`) by weight.
    pub arrivals: Arrivals,
    /// Request classes and their mix.
    #[schemars(length(min = 1))]
    pub classes: Vec<RequestClass>,
}

/// How requests arrive.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Arrivals {
    /// Open loop: a Poisson process at a constant rate.
    Poisson {
        /// Requests per second.
        #[schemars(range(min = 0))]
        rate_per_s: f64,
    },
    /// Open loop: a Poisson process whose rate changes at given times (peaks, spikes).
    Piecewise {
        /// Segments in increasing `from_s`; the first starts at 0.
        #[schemars(length(min = 1))]
        segments: Vec<RateSegment>,
    },
    /// Closed loop: each user sends a request, waits for its outcome, thinks, repeats.
    Closed {
        /// Number of users.
        #[schemars(range(min = 1, max = crate::scenario::limits::MAX_USERS))]
        users: u32,
        /// Think time between a user's requests, in milliseconds.
        think_ms: Dist,
    },
}

/// From `from_s` on (until the next segment), requests arrive at `rate_per_s`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateSegment {
    /// Start of the segment, in seconds.
    #[schemars(range(min = 0))]
    pub from_s: f64,
    /// Requests per second during the segment.
    #[schemars(range(min = 0))]
    pub rate_per_s: f64,
}

/// A kind of request: which endpoint of the entry service it calls, how often, and how long
/// the client waits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestClass {
    /// The endpoint of the design's entry service (or, with `publish`, empty).
    #[serde(default)]
    pub endpoint: String,
    /// Instead of calling the entry service, the client publishes a message straight to a
    /// broker (an event producer); the request ends when the broker accepts it. The class
    /// is named after the destination in results.
    #[serde(default)]
    pub publish: Option<PublishSpec>,
    /// Relative weight in the mix.
    #[serde(default = "one")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub weight: f64,
    /// The client gives up after this long (the request ends as a timeout).
    #[serde(default = "default_client_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub timeout_ms: f64,
    /// An arrival process of the class's own (a storm of one kind of request, say); the
    /// class then takes no part in the shared mix and its `weight` is ignored.
    #[serde(default)]
    pub arrivals: Option<Arrivals>,
    /// Label of the class in results (default: its endpoint or destination).
    #[serde(default)]
    pub name: Option<String>,
    /// Sends every request of the class to this instance of the entry service (users of
    /// one region, say) instead of balancing.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub instance: Option<u32>,
    /// Keys the class's requests touch (for replicated-store steps).
    #[serde(default)]
    pub keys: Option<KeySpec>,
}

fn one() -> f64 {
    1.0
}
fn default_client_timeout_ms() -> f64 {
    30_000.0
}

/// A fault at a time, optionally undone after a duration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// When the fault starts, in seconds.
    #[schemars(range(min = 0))]
    pub at_s: f64,
    /// How long it lasts; it is then undone (restart, heal, normal speed, no spike).
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub duration_s: Option<f64>,
    /// What happens.
    pub action: FaultAction,
}

/// A fault. Targets name nodes of the designs: a service name (all its instances), a
/// service instance `name#i`, a database name, or `client`. Every design must have them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// The target crashes (volatile state lost); with `duration_s`, it restarts after it.
    Crash {
        /// Node(s) to crash.
        #[schemars(length(min = 1))]
        target: String,
    },
    /// Groups of targets that cannot reach each other (the rest form one more group).
    Partition {
        /// The groups.
        #[schemars(length(min = 1), inner(length(min = 1)))]
        groups: Vec<Vec<String>>,
    },
    /// Messages from `from` to `to` are dropped.
    OneWayPartition {
        /// Cut-off senders.
        #[schemars(length(min = 1), inner(length(min = 1)))]
        from: Vec<String>,
        /// Unreachable receivers.
        #[schemars(length(min = 1), inner(length(min = 1)))]
        to: Vec<String>,
    },
    /// The target's work takes `factor` times longer.
    Slow {
        /// Node(s) slowed.
        #[schemars(length(min = 1))]
        target: String,
        /// Multiplier on work durations.
        #[schemars(range(min = 0))]
        factor: f64,
    },
    /// Messages from or to the targets take `extra_ms` longer.
    LatencySpike {
        /// Node(s) affected; empty means all.
        #[serde(default)]
        #[schemars(inner(length(min = 1)))]
        targets: Vec<String>,
        /// Added one-way latency in milliseconds.
        #[schemars(range(min = 0))]
        extra_ms: f64,
    },
    /// The target's process stops for `duration_s` (required) without losing state, like a
    /// long garbage-collection pause: what is addressed to it waits.
    Pause {
        /// Node(s) paused.
        #[schemars(length(min = 1))]
        target: String,
    },
    /// The load balancers stop sending to the target (a health check took it out of
    /// rotation) for `duration_s`, or to the end; its process is untouched. Callers spread
    /// their calls over the other instances; when every instance is drained they call one
    /// anyway.
    Drain {
        /// Service instance(s) taken out of rotation.
        #[schemars(length(min = 1))]
        target: String,
    },
    /// The target's clock is offset and drifts.
    ClockSkew {
        /// Node(s) whose clocks change.
        #[schemars(length(min = 1))]
        target: String,
        /// Offset in milliseconds (may be negative).
        offset_ms: f64,
        /// Drift in parts per million.
        #[serde(default)]
        drift_ppm: f64,
    },
}

impl FaultAction {
    /// The action's name as the scenario file spells it: `crash`, `partition`,
    /// `one_way_partition`, `slow`, `latency_spike`, `pause`, `drain`, `clock_skew`.
    pub fn kind(&self) -> &'static str {
        match self {
            FaultAction::Crash { .. } => "crash",
            FaultAction::Partition { .. } => "partition",
            FaultAction::OneWayPartition { .. } => "one_way_partition",
            FaultAction::Slow { .. } => "slow",
            FaultAction::LatencySpike { .. } => "latency_spike",
            FaultAction::Pause { .. } => "pause",
            FaultAction::Drain { .. } => "drain",
            FaultAction::ClockSkew { .. } => "clock_skew",
        }
    }

    /// The values of the action's fields in the file's order, as text: a name as it is, a
    /// list as `[a, b]`, a number as serde_json writes it (`3.0`, `1e+20`).
    pub fn field_values(&self) -> Vec<String> {
        match self {
            FaultAction::Crash { target }
            | FaultAction::Pause { target }
            | FaultAction::Drain { target } => vec![target.clone()],
            FaultAction::Partition { groups } => groups.iter().map(|g| name_list(g)).collect(),
            FaultAction::OneWayPartition { from, to } => vec![name_list(from), name_list(to)],
            FaultAction::Slow { target, factor } => vec![target.clone(), json_number(*factor)],
            FaultAction::LatencySpike { targets, extra_ms } => {
                vec![name_list(targets), json_number(*extra_ms)]
            }
            FaultAction::ClockSkew {
                target,
                offset_ms,
                drift_ppm,
            } => vec![
                target.clone(),
                json_number(*offset_ms),
                json_number(*drift_ppm),
            ],
        }
    }
}

/// The action as a person reads it, as fault windows and chaos schedules label it:
/// `crash api#0`, `partition [a] | [b, c]`, `one-way partition [a] → [b]`, `slow db ×3.0`,
/// `latency spike +40.0 ms on all nodes`, `pause api#1`, `drain api#0 (out of rotation)`,
/// `clock skew kv#2 -250.0 ms`.
impl std::fmt::Display for FaultAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultAction::Crash { target } => write!(f, "crash {target}"),
            FaultAction::Partition { groups } => {
                let groups: Vec<String> = groups.iter().map(|g| name_list(g)).collect();
                write!(f, "partition {}", groups.join(" | "))
            }
            FaultAction::OneWayPartition { from, to } => {
                write!(
                    f,
                    "one-way partition {} → {}",
                    name_list(from),
                    name_list(to)
                )
            }
            FaultAction::Slow { target, factor } => {
                write!(f, "slow {target} ×{}", json_number(*factor))
            }
            FaultAction::LatencySpike { targets, extra_ms } => {
                let targets = name_list(targets);
                let on = if targets == "[]" {
                    "all nodes"
                } else {
                    &targets
                };
                write!(f, "latency spike +{} ms on {on}", json_number(*extra_ms))
            }
            FaultAction::ClockSkew {
                target, offset_ms, ..
            } => write!(f, "clock skew {target} {} ms", json_number(*offset_ms)),
            FaultAction::Drain { target } => write!(f, "drain {target} (out of rotation)"),
            FaultAction::Pause { target } => write!(f, "pause {target}"),
        }
    }
}

/// Names as a list: `[a, b]`.
fn name_list(names: &[String]) -> String {
    format!("[{}]", names.join(", "))
}

/// A number as serde_json writes it (`3.0`, `0.25`, `1e+20`; `null` if not finite): the
/// spelling fault labels have always had.
fn json_number(x: f64) -> String {
    serde_json::Value::from(x).to_string()
}

/// One architecture answering the scenario's question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// Short name, unique in the file.
    #[schemars(length(min = 1, max = crate::scenario::limits::MAX_NAME_CHARS))]
    pub name: String,
    /// What the design is.
    #[serde(default)]
    pub description: String,
    /// The service that receives the clients' requests.
    pub entry: String,
    /// Services (deployable processes), by name.
    #[schemars(extend("minProperties" = 1))]
    pub services: BTreeMap<String, Service>,
    /// Databases, by name.
    #[serde(default)]
    pub databases: BTreeMap<String, Database>,
    /// Message brokers (queues, topics, partitioned logs), by name.
    #[serde(default)]
    pub brokers: BTreeMap<String, Broker>,
    /// Key-value stores (single-threaded, Redis-like), by name.
    #[serde(default)]
    pub kv_stores: BTreeMap<String, KvStore>,
    /// Replicated registers (one value per key, several replicas), by name.
    #[serde(default)]
    pub replicated_stores: BTreeMap<String, ReplicatedStore>,
    /// Lock services (leases with fencing tokens), by name.
    #[serde(default)]
    pub lock_services: BTreeMap<String, LockService>,
    /// Account stores (a balance per key, read-modify-written by payments), by name.
    #[serde(default)]
    pub account_stores: BTreeMap<String, AccountStore>,
    /// What the design costs to run per month (reported as `cost_month_usd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<cost::Cost>,
    /// How components fail and recover, by component name (a service: each instance).
    #[serde(default)]
    pub failures: BTreeMap<String, reliability::FailureModel>,
    /// Whether the services pass trace ids on to the services they call. `false` models a
    /// system without distributed tracing: a request's trace then holds only what the
    /// client and the entry service can see (their own spans), as their logs would.
    #[serde(default = "yes")]
    pub propagate_trace_ids: bool,
}

/// A lock service (one node, like a Redis `SET NX PX` lock or a ZooKeeper/etcd lease): it
/// grants the lock on a key to one holder at a time for a lease of `lease_ms`, with a
/// fencing token that grows with every grant; a lease not released in time expires and the
/// lock goes to the next waiter, whether or not the old holder knows it. State is volatile:
/// a crash frees every lock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LockService {
    /// How long a grant lasts unless released, in milliseconds.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub lease_ms: f64,
    /// Time the service takes per request, in milliseconds.
    #[serde(default = "default_replica_op_ms")]
    pub op_ms: Dist,
}

/// An account store (one node): a balance per key (account), read and then written back by
/// payment steps: the read-modify-write that double-spends when two payments interleave.
/// With `fencing`, a write carrying a lock token older than the newest token the store has
/// seen for that account is refused (Kleppmann's fencing tokens). Balances are durable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountStore {
    /// Every account's balance at the start, in whole money units (cents, say).
    #[schemars(range(min = 0))]
    pub initial_balance: u32,
    /// Refuse writes whose lock token is older than one already seen for the account.
    #[serde(default)]
    pub fencing: bool,
    /// Time of one read or write, in milliseconds.
    #[serde(default = "default_replica_op_ms")]
    pub op_ms: Dist,
    /// A payment step gives up on the store after this long (its outcome is then unknown).
    #[serde(default = "default_store_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub timeout_ms: f64,
}

/// A replicated store: `replicas` nodes (`name#0`, `name#1`, ...) each holding a value per
/// key, kept in step by one of several protocols. Every client operation on it is recorded
/// in a history and checked for linearizability after the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicatedStore {
    /// Number of replicas.
    #[schemars(range(min = 1, max = 32))]
    pub replicas: u32,
    /// How replicas agree.
    pub protocol: Protocol,
    /// Time a replica takes per operation, in milliseconds.
    #[serde(default = "default_replica_op_ms")]
    pub op_ms: Dist,
    /// A coordinator gives up on an operation after this long (its outcome is then unknown).
    #[serde(default = "default_store_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub timeout_ms: f64,
    /// Replicas resend every value they hold to their peers this often (multi-leader `ap`
    /// and primary/backup), so replicas that missed updates during a partition converge.
    #[serde(default = "default_anti_entropy_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub anti_entropy_ms: f64,
    /// Most operations recorded in the history (the rest are counted, not recorded).
    #[serde(default = "default_history_cap")]
    #[schemars(range(min = 0))]
    pub history_cap: usize,
    /// How a replica reconciles two concurrent versions of a key (neither written knowing
    /// the other: accepted on both sides of a partition, or by two primaries). `cp` orders
    /// every write by timestamp and ignores it.
    #[serde(default)]
    pub conflicts: Conflicts,
    /// Time a coordinating replica takes to ship a write to its peers (batching, log
    /// shipping), in milliseconds; a crash loses the writes not shipped yet.
    #[serde(default = "zero_ms")]
    pub replication_delay_ms: Dist,
    /// `primary_backup_sync`: how many replicas (the primary included) must have a write
    /// before it is acknowledged. A primary still short of them after half of `timeout_ms`
    /// answers an error ("replicas did not acknowledge in time"; the write stays applied,
    /// its outcome unknown), so its coordinators do not take it for dead.
    #[serde(default)]
    pub sync_acks: SyncAcks,
    /// Primary/backup: backups that stop hearing the primary elect a new one. Absent: the
    /// primary is replica 0 for ever, and its crash makes the store unavailable for writes
    /// until it restarts.
    #[serde(default)]
    pub failover: Option<Failover>,
}

fn zero_ms() -> Dist {
    Dist::constant(0.0)
}

/// How concurrent versions are reconciled.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Conflicts {
    /// Keep the version with the newest timestamp; the other is lost (and counted).
    #[default]
    LastWriterWins,
    /// Keep both (siblings, tracked by version vectors) until a write made knowing both
    /// replaces them; reads return the newest and count the siblings they saw.
    Siblings,
}

/// Replicas a synchronous primary waits for.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SyncAcks {
    /// Every replica: one unreachable backup stops every write.
    #[default]
    All,
    /// A majority of the replicas.
    Majority,
}

/// Failure detection and leader election for primary/backup stores. The primary sends a
/// heartbeat every `heartbeat_ms`; a backup that has heard none for `detection_ms` (plus one
/// heartbeat per backup ranked before it, so that the next in line goes first) makes itself
/// primary of a new epoch. Nothing stops two sides of a partition from each electing one
/// (split brain): when they meet again the newer epoch wins, and what the other accepted
/// meanwhile is reconciled like any concurrent write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Failover {
    /// Silence after which a backup declares the primary dead, in milliseconds.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub detection_ms: f64,
    /// Heartbeat period, in milliseconds.
    #[serde(default = "default_heartbeat_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub heartbeat_ms: f64,
}

fn default_heartbeat_ms() -> f64 {
    500.0
}

fn default_replica_op_ms() -> Dist {
    Dist::constant(0.1)
}
fn default_store_timeout_ms() -> f64 {
    500.0
}
fn default_anti_entropy_ms() -> f64 {
    1_000.0
}
fn default_history_cap() -> usize {
    200_000
}

/// A replication protocol. Except under `cp`, a write is accepted by one *coordinating*
/// replica, which stamps it (a timestamp from its own clock, so clock skew matters, and a
/// version vector saying which writes it supersedes), ships it to its peers, and
/// acknowledges it once enough replicas have it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Protocol {
    /// Writes go to the primary (replica 0, or the one elected by `failover`), which
    /// acknowledges at once and ships them to the backups later; reads go to the
    /// coordinator's nearest replica: stale reads.
    PrimaryBackupAsync,
    /// Writes go to the primary, which acknowledges once `sync_acks` replicas have the
    /// write; reads go to the primary.
    PrimaryBackupSync,
    /// Dynamo-style leaderless quorums: a write goes to the coordinator's nearest replica
    /// (the next on a timeout), which ships it to every peer and acknowledges once `w`
    /// replicas have it; a read asks every replica, answers with the newest of the first
    /// `r` answers and, with `read_repair`, sends that version to those that answered an
    /// older one. `r + w > n` (strict quorums) never reads a value older than a write
    /// acknowledged before the read began; smaller (partial) quorums may.
    Leaderless {
        /// Replicas a read waits for.
        #[schemars(range(min = 1))]
        r: u32,
        /// Replicas that must have a write before it is acknowledged.
        #[schemars(range(min = 1))]
        w: u32,
        /// Repair stale replicas that answered a read.
        #[serde(default = "yes")]
        read_repair: bool,
    },
    /// CP: every operation needs a majority (reads write back what they return, as in the
    /// ABD algorithm): linearizable, and unavailable where no majority can be reached.
    Cp,
    /// AP: any replica accepts reads and writes (the coordinator's nearest one, then the
    /// others); replicas ship writes to each other and reconcile concurrent versions by
    /// `conflicts` after a partition: always available, stale reads and lost writes.
    Ap,
}

impl Protocol {
    /// The protocol's name in scenario files (`leaderless` for every quorum setting).
    pub fn name(self) -> &'static str {
        match self {
            Protocol::PrimaryBackupAsync => "primary_backup_async",
            Protocol::PrimaryBackupSync => "primary_backup_sync",
            Protocol::Leaderless { .. } => "leaderless",
            Protocol::Cp => "cp",
            Protocol::Ap => "ap",
        }
    }

    /// Primary/backup (one primary accepts the writes).
    pub fn has_primary(self) -> bool {
        matches!(
            self,
            Protocol::PrimaryBackupAsync | Protocol::PrimaryBackupSync
        )
    }
}

/// Keys a request class touches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeySpec {
    /// Number of keys (0..count).
    #[schemars(range(min = 1))]
    pub count: u32,
    /// Zipf exponent (popular keys); absent: uniform.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub zipf: Option<f64>,
}

/// An operation on a replicated store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StoreOp {
    /// Read the request's key.
    Read,
    /// Write a fresh value to the request's key.
    Write,
}

/// A message broker node: named queues, publish/subscribe topics and partitioned logs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Broker {
    /// Messages survive a crash of the broker (written to disk); otherwise a crash loses
    /// every message it holds, and the loss is counted.
    #[serde(default)]
    pub durable: bool,
    /// Work queues, by name.
    #[serde(default)]
    pub queues: BTreeMap<String, QueueSpec>,
    /// Topics: a message published to one is copied into each subscriber queue.
    #[serde(default)]
    pub topics: BTreeMap<String, TopicSpec>,
    /// Partitioned logs (Kafka-like), by name.
    #[serde(default)]
    pub logs: BTreeMap<String, LogSpec>,
}

/// Capacity of a queue or a log that declares none: the most messages (records) it holds.
pub const DEFAULT_BROKER_CAPACITY: u64 = 10_000_000;

/// A work queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    /// Most messages held (queued and unacknowledged); a publish beyond it is rejected or
    /// blocks (`when_full`). Absent: 10,000,000.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub capacity: Option<u64>,
    /// What a publish to a full queue does.
    #[serde(default)]
    pub when_full: WhenFull,
    /// How messages are handed to consumers.
    #[serde(default)]
    pub delivery: Delivery,
    /// With `ack` delivery: a message not acknowledged within this time is delivered again.
    #[serde(default = "default_visibility_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub visibility_timeout_ms: f64,
    /// With `ack` delivery: a message delivered this many times without an
    /// acknowledgement is dead-lettered instead of delivered again. Absent: no limit.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_deliveries: Option<u32>,
    /// Queue (of the same broker) that receives dead-lettered messages, where they can be
    /// inspected or consumed. Absent: dead-lettered messages are only counted.
    #[serde(default)]
    pub dead_letter: Option<String>,
}

fn default_visibility_timeout_ms() -> f64 {
    30_000.0
}

/// What happens to a publish when the queue is full.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// The publish is refused; the producer sees a rejection.
    #[default]
    Reject,
    /// The producer waits (without an answer) until there is room, or its timeout.
    Block,
}

/// How a queue hands messages to consumers.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Naive pop (Redis `BLPOP`): a message handed out is gone from the broker; if the
    /// consumer dies before finishing it, it is lost.
    #[default]
    Pop,
    /// Acknowledged delivery: a message stays (invisible) until acknowledged, and is
    /// delivered again after the visibility timeout: at-least-once.
    Ack,
}

/// A publish/subscribe topic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    /// Queues (of the same broker) that each receive a copy.
    #[schemars(length(min = 1))]
    pub subscribers: Vec<String>,
}

/// A partitioned log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogSpec {
    /// Number of partitions; a message goes to partition `hash(key) % partitions`.
    #[schemars(range(min = 1, max = 16384))]
    pub partitions: u32,
    /// Records kept behind the slowest committed offset, for replay.
    #[serde(default = "default_retention_records")]
    #[schemars(range(min = 0))]
    pub retention_records: u64,
    /// A consumer that has not polled for this long leaves its group (rebalance).
    #[serde(default = "default_session_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub session_timeout_ms: f64,
    /// Most records the log retains over all its partitions (unprocessed ones and the
    /// retention window); a publish beyond it is rejected. Absent: 10,000,000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub capacity: Option<u64>,
}

fn default_retention_records() -> u64 {
    10_000
}
fn default_session_timeout_ms() -> f64 {
    3_000.0
}

/// A single-threaded key-value store (Redis-like): operations run one at a time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KvStore {
    /// Time of one operation, in milliseconds.
    pub op_ms: Dist,
    /// Most operations waiting; beyond it operations are refused. Absent: unbounded.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub capacity: Option<u32>,
}

/// Makes a service a consumer: each instance runs `concurrency` loops that take a message
/// from a queue or a log, run `endpoint`'s handler on it, then acknowledge or commit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Consume {
    /// The broker.
    pub broker: String,
    /// The queue consumed (exactly one of `queue` and `log`).
    #[serde(default)]
    pub queue: Option<String>,
    /// The log consumed, as a member of the consumer group `group`.
    #[serde(default)]
    pub log: Option<String>,
    /// Consumer group (logs only). Absent: the service's name.
    #[serde(default)]
    pub group: Option<String>,
    /// The handler run for each message.
    pub endpoint: String,
    /// Consumer loops per instance (each holds one worker while it processes).
    #[serde(default = "one_u32")]
    #[schemars(range(min = 1, max = crate::scenario::limits::MAX_CONCURRENCY))]
    pub concurrency: u32,
    /// Logs only: records fetched per poll; they are processed one after another and
    /// committed together.
    #[serde(default = "one_u32")]
    #[schemars(range(min = 1, max = 65535))]
    pub batch: u32,
    /// A fetch waits this long for a message (blocking pop), then returns empty.
    #[serde(default = "default_block_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub block_timeout_ms: f64,
    /// Pause after an empty fetch, before the next one.
    #[serde(default = "default_sleep_ms")]
    #[schemars(range(min = 0))]
    pub sleep_ms: f64,
}

fn default_block_timeout_ms() -> f64 {
    5_000.0
}
fn default_sleep_ms() -> f64 {
    100.0
}

/// A deployable process, possibly several instances behind a load balancer. Endpoints of
/// one service call each other in-process: same worker, same pools, same fate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Number of instances.
    #[serde(default = "one_u32")]
    #[schemars(range(min = 1))]
    pub instances: u32,
    /// How callers spread requests over the instances.
    #[serde(default)]
    pub balancer: Balancer,
    /// Worker threads per instance: requests handled at once.
    #[schemars(range(min = 1))]
    pub workers: u32,
    /// Requests waiting for a worker, per instance; beyond it requests are rejected.
    /// Absent: unbounded (up to `limits.max_in_flight`).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub queue_capacity: Option<u32>,
    /// Database connection pools of each instance, by name.
    #[serde(default)]
    pub pools: BTreeMap<String, Pool>,
    /// Endpoint handlers: the steps each runs in order.
    #[schemars(extend("minProperties" = 1))]
    pub handlers: BTreeMap<String, Vec<Step>>,
    /// Consume messages from a broker (a worker service).
    #[serde(default)]
    pub consume: Option<Consume>,
}

fn one_u32() -> u32 {
    1
}

/// Load-balancing policy over a service's instances (applied by each caller).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Balancer {
    /// Each caller cycles through the instances.
    #[default]
    RoundRobin,
    /// Uniformly at random.
    Random,
    /// The instance with the fewest calls outstanding from this caller.
    LeastOutstanding,
    /// Two random instances, the one with fewer outstanding calls.
    PowerOfTwoChoices,
}

/// A connection pool to a database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    /// The database the connections go to.
    pub database: String,
    /// Connections in the pool.
    #[schemars(range(min = 1))]
    pub size: u32,
    /// A query waits at most this long for a connection, then is rejected.
    #[serde(default = "default_acquire_timeout_ms")]
    #[schemars(range(min = 0))]
    pub acquire_timeout_ms: f64,
    /// A query without an answer after this long fails and frees its connection (the
    /// driver's socket timeout), so a crashed database does not leak connections for ever.
    #[serde(default = "default_query_timeout_ms")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub query_timeout_ms: f64,
}

fn default_acquire_timeout_ms() -> f64 {
    1_000.0
}
fn default_query_timeout_ms() -> f64 {
    30_000.0
}

/// A database server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Queries executed at once; more wait in line. Absent: unlimited.
    #[serde(default)]
    #[schemars(range(min = 1))]
    pub max_concurrency: Option<u32>,
}

/// One step of an endpoint handler.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    /// Use the worker for a while.
    Compute {
        /// Work time in milliseconds (stretched by slow-node faults).
        ms: Dist,
    },
    /// Call an endpoint and wait for its answer.
    Call(CallSpec),
    /// Call several endpoints at once and wait for all, the first, or k of them.
    Parallel {
        /// The calls.
        #[schemars(length(min = 1))]
        calls: Vec<CallSpec>,
        /// How many successes end the wait.
        #[serde(default)]
        wait: Wait,
    },
    /// Run a query through a pool: acquire a connection, query, release.
    Query {
        /// The pool (of this service).
        pool: String,
        /// Query time on the database, in milliseconds.
        ms: Dist,
    },
    /// Publish a message and wait for the broker to accept it. A handler that ends with a
    /// publish answers its caller once the message is accepted ("publish and return"); the
    /// message's processing is measured separately (completion latency).
    Publish(PublishSpec),
    /// One operation on a replicated store, on the key of the request being served.
    Store {
        /// The store.
        store: String,
        /// The operation.
        op: StoreOp,
    },
    /// One operation on a key-value store, waiting for its answer.
    Kv {
        /// The store.
        store: String,
        /// Give up after this long. Absent: wait forever.
        #[serde(default)]
        #[schemars(extend("exclusiveMinimum" = 0))]
        timeout_ms: Option<f64>,
    },
    /// Take the lock of the request's key from a lock service, waiting in line up to
    /// `timeout_ms`; the lease and its fencing token are held until an `unlock` step, the
    /// end of the handler, or the lease's expiry (which the holder does not notice).
    Lock {
        /// The lock service.
        service: String,
        /// Longest wait for the grant, in milliseconds.
        #[serde(default = "default_lock_wait_ms")]
        #[schemars(extend("exclusiveMinimum" = 0))]
        timeout_ms: f64,
    },
    /// Release the lock taken by an earlier `lock` step (without waiting for an answer).
    Unlock {
        /// The lock service.
        service: String,
    },
    /// Read the balance of the request's key (account) from an account store.
    ReadBalance {
        /// The account store.
        store: String,
    },
    /// Pay `amount` from the account read by the last `read_balance` step: if the balance
    /// read covers it, write back `balance - amount` (with the lock's fencing token, if a
    /// lock is held); otherwise fail with "insufficient funds".
    Debit {
        /// The account store (the one read).
        store: String,
        /// The amount paid, in whole money units.
        #[schemars(range(min = 1))]
        amount: u32,
    },
    /// Fail with a probability (a bug, a bad input, a dependency's own errors).
    Fail {
        /// Probability of failing at this step.
        #[schemars(range(min = 0, max = 1))]
        probability: f64,
        /// The cause reported.
        #[serde(default = "default_fail_cause")]
        cause: String,
    },
}

fn default_lock_wait_ms() -> f64 {
    5_000.0
}

fn default_fail_cause() -> String {
    "handler error".to_string()
}

/// Where a publish goes: exactly one of `queue`, `topic` and `log`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishSpec {
    /// The broker.
    pub broker: String,
    /// A queue of the broker.
    #[serde(default)]
    pub queue: Option<String>,
    /// A topic of the broker.
    #[serde(default)]
    pub topic: Option<String>,
    /// A log of the broker (the partition is chosen by a random key per message).
    #[serde(default)]
    pub log: Option<String>,
    /// Give up waiting for the broker after this long. Absent: wait forever.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub timeout_ms: Option<f64>,
}

/// A call to an endpoint, in-process (no `service`) or over the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// The service called; absent means an endpoint of the same service, in-process.
    #[serde(default)]
    pub service: Option<String>,
    /// The endpoint called.
    pub endpoint: String,
    /// Give up on an attempt after this long (network calls only). Absent: wait forever.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub timeout_ms: Option<f64>,
    /// Attempts after the first one, on error or timeout (network calls only).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub retries: u32,
    /// Delay before retry `k` (from 0): `min(max_ms, base_ms * 2^k)`, with full jitter.
    #[serde(default)]
    pub backoff: Backoff,
    /// Stop calling a failing service for a while.
    #[serde(default)]
    pub circuit_breaker: Option<CircuitBreaker>,
    /// What the caller does when the call fails for good (after its retries): `fail`
    /// (the step fails and the failure travels up), `swallow` (a catch-all handler: carry on
    /// as if it had succeeded, without its data) or `no_reply` (catch it and end the
    /// handler without ever answering: the caller's own caller waits, for ever without a
    /// timeout). Swallowed errors are counted in `swallowed_errors`.
    #[serde(default)]
    pub on_error: OnError,
}

/// What a caller does with a call that failed for good.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// The step fails: the execution ends with the call's failure (its kind and cause).
    #[default]
    Fail,
    /// The error is caught and ignored: the handler carries on as if the call had succeeded.
    Swallow,
    /// The error is caught and the handler ends without answering its caller (a consumer's
    /// handler fails instead: its broker's acknowledgement is its answer).
    NoReply,
}

/// Exponential backoff between retries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backoff {
    /// First delay, in milliseconds.
    #[serde(default = "default_backoff_base_ms")]
    #[schemars(range(min = 0))]
    pub base_ms: f64,
    /// Largest delay, in milliseconds.
    #[serde(default = "default_backoff_max_ms")]
    #[schemars(range(min = 0))]
    pub max_ms: f64,
    /// Full jitter: the delay is uniform in [0, computed delay].
    #[serde(default = "yes")]
    pub jitter: bool,
}

fn default_backoff_base_ms() -> f64 {
    10.0
}
fn default_backoff_max_ms() -> f64 {
    1_000.0
}
fn yes() -> bool {
    true
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base_ms: default_backoff_base_ms(),
            max_ms: default_backoff_max_ms(),
            jitter: true,
        }
    }
}

/// A circuit breaker, per calling instance and called service: after `failure_threshold`
/// consecutive failures it opens and rejects calls for `open_ms`, then lets one probe
/// through (half-open): success closes it, failure opens it again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Consecutive failures that open the breaker.
    #[schemars(range(min = 1))]
    pub failure_threshold: u32,
    /// How long it stays open, in milliseconds.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub open_ms: f64,
}

/// How many calls of a parallel step must succeed.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Wait {
    /// Every call must succeed.
    #[default]
    All,
    /// The first success ends the step.
    First,
    /// `k` successes end the step.
    Quorum(#[schemars(range(min = 1))] u32),
}

/// Nodes of `design` (the client included), saturating.
pub fn node_count(design: &Design) -> u64 {
    let instances: u64 = design
        .services
        .values()
        .map(|s| u64::from(s.instances))
        .fold(0, u64::saturating_add);
    let replicas: u64 = design
        .replicated_stores
        .values()
        .map(|r| u64::from(r.replicas))
        .fold(0, u64::saturating_add);
    let singles = design.databases.len()
        + design.kv_stores.len()
        + design.brokers.len()
        + design.lock_services.len()
        + design.account_stores.len();
    1u64.saturating_add(instances)
        .saturating_add(replicas)
        .saturating_add(singles as u64)
}

/// The node layout of a design: the client is node 0, then every service's instances in
/// service-name order, then the databases in name order.
pub fn node_names(design: &Design) -> Vec<String> {
    let mut names = vec!["client".to_string()];
    for (name, s) in &design.services {
        for i in 0..s.instances {
            names.push(format!("{name}#{i}"));
        }
    }
    names.extend(design.databases.keys().cloned());
    names.extend(design.kv_stores.keys().cloned());
    names.extend(design.brokers.keys().cloned());
    for (name, r) in &design.replicated_stores {
        for i in 0..r.replicas {
            names.push(format!("{name}#{i}"));
        }
    }
    names.extend(design.lock_services.keys().cloned());
    names.extend(design.account_stores.keys().cloned());
    names
}

#[cfg(test)]
mod tests {
    use super::FaultAction;

    #[test]
    fn fault_actions_read_as_labels_with_the_file_s_numbers() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let cases = [
            (
                FaultAction::OneWayPartition {
                    from: names(&["a", "b"]),
                    to: names(&["c"]),
                },
                "one_way_partition",
                "one-way partition [a, b] → [c]",
                "[a, b] [c]",
            ),
            (
                FaultAction::Slow {
                    target: "db".to_string(),
                    factor: 3.0,
                },
                "slow",
                "slow db ×3.0",
                "db 3.0",
            ),
            (
                FaultAction::LatencySpike {
                    targets: Vec::new(),
                    extra_ms: 1e20,
                },
                "latency_spike",
                "latency spike +1e+20 ms on all nodes",
                "[] 1e+20",
            ),
            (
                FaultAction::ClockSkew {
                    target: "kv#2".to_string(),
                    offset_ms: -250.5,
                    drift_ppm: 0.0,
                },
                "clock_skew",
                "clock skew kv#2 -250.5 ms",
                "kv#2 -250.5 0.0",
            ),
            (
                FaultAction::Partition {
                    groups: vec![names(&["a"]), names(&["b", "c"])],
                },
                "partition",
                "partition [a] | [b, c]",
                "[a] [b, c]",
            ),
        ];
        for (action, kind, label, values) in cases {
            let json = serde_json::to_value(&action).expect("serialisable");
            assert!(
                json.get(kind).is_some(),
                "{kind} is not the file's name: {json}"
            );
            assert_eq!(action.kind(), kind);
            assert_eq!(action.to_string(), label);
            assert_eq!(action.field_values().join(" "), values);
        }
    }
}
