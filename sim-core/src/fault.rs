//! Faults the engine can apply at a given simulated time. They come in pairs that undo each
//! other: crash/restart, partition/heal, slow/slow(1.0), spike/spike(0).

use crate::network::NodeId;
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// One fault action. A fault schedule is a list of `(SimTime, Fault)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The node stops: its volatile state is lost (`Component::on_crash`), events and
    /// messages addressed to it are dropped. With `restart_after`, it restarts that much later.
    Crash {
        /// The node that crashes.
        node: NodeId,
        /// Delay before an automatic restart; `None` keeps it down until a `Restart`.
        restart_after: Option<SimDuration>,
    },
    /// The node comes back (`Component::on_restart`); nothing if it is already up.
    Restart {
        /// The node that restarts.
        node: NodeId,
    },
    /// Groups that cannot reach each other; nodes in no group form one more group.
    Partition {
        /// The groups.
        groups: Vec<Vec<NodeId>>,
    },
    /// Messages from `from` to `to` are dropped; the other direction still works.
    OneWayPartition {
        /// Senders cut off.
        from: Vec<NodeId>,
        /// Receivers they cannot reach.
        to: Vec<NodeId>,
    },
    /// Every partition ends.
    Heal,
    /// The node's work takes `factor` times as long (1.0 ends the fault).
    Slow {
        /// The slowed node.
        node: NodeId,
        /// Multiplier on work durations, at least 0.
        factor: f64,
    },
    /// Every message from or to the nodes takes `extra` longer (zero ends the fault).
    LatencySpike {
        /// Affected nodes; empty means all.
        nodes: Vec<NodeId>,
        /// Added one-way latency.
        extra: SimDuration,
    },
    /// The node's process stops (a long garbage-collection pause, a stopped VM) without
    /// losing state: events addressed to it wait until `duration` has passed, then run in
    /// their order. Its clock keeps running, so leases it holds may expire meanwhile.
    Pause {
        /// The paused node.
        node: NodeId,
        /// How long it is paused.
        duration: SimDuration,
    },
    /// Sets the node's clock: local = true time + offset + drift × true time.
    ClockSkew {
        /// The node whose clock changes.
        node: NodeId,
        /// Offset in nanoseconds (may be negative).
        offset_ns: i64,
        /// Drift in parts per billion (1,000 ppb = 1 ms per second).
        drift_ppb: i64,
    },
}

impl Fault {
    /// The nodes this fault names (for validation).
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            Fault::Crash { node, .. }
            | Fault::Restart { node }
            | Fault::Slow { node, .. }
            | Fault::Pause { node, .. }
            | Fault::ClockSkew { node, .. } => vec![*node],
            Fault::Partition { groups } => groups.iter().flatten().copied().collect(),
            Fault::OneWayPartition { from, to } => from.iter().chain(to).copied().collect(),
            Fault::LatencySpike { nodes, .. } => nodes.clone(),
            Fault::Heal => Vec::new(),
        }
    }

    /// A short name for traces and digests.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Fault::Crash { .. } => "crash",
            Fault::Restart { .. } => "restart",
            Fault::Partition { .. } => "partition",
            Fault::OneWayPartition { .. } => "one_way_partition",
            Fault::Heal => "heal",
            Fault::Slow { .. } => "slow",
            Fault::LatencySpike { .. } => "latency_spike",
            Fault::ClockSkew { .. } => "clock_skew",
            Fault::Pause { .. } => "pause",
        }
    }
}
