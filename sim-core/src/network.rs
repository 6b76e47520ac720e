//! The network: links with latency, loss, duplication and bandwidth; partitions (symmetric
//! and one-way); per-node latency spikes. It decides the fate of each message at send time.
//!
//! A message crossing a partition at send time is dropped, exactly: messages already in
//! flight when a partition starts still arrive (they are on the wire), which keeps "what the
//! partition dropped" an exact, checkable count. A message to a node that is down, or that
//! crashes before the message arrives, is dropped at delivery (see `simulation`).

use crate::dist::Dist;
use crate::error::SimError;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Identifies a node (a component) of a simulation: a small dense index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index of the node in the simulation's component table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The behaviour of a directed link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// One-way latency of a message, in milliseconds.
    pub latency_ms: Dist,
    /// Probability that a message is lost, in [0, 1].
    #[serde(default)]
    pub loss: f64,
    /// Probability that a delivered message is delivered twice, in [0, 1].
    #[serde(default)]
    pub duplicate: f64,
    /// Link capacity in bytes per second; `None` means unlimited (no serialisation delay).
    #[serde(default)]
    pub bandwidth_bytes_per_s: Option<f64>,
}

impl LinkSpec {
    /// A lossless link with a constant latency.
    pub fn constant_ms(ms: f64) -> LinkSpec {
        LinkSpec {
            latency_ms: Dist::constant(ms),
            loss: 0.0,
            duplicate: 0.0,
            bandwidth_bytes_per_s: None,
        }
    }

    /// Checks every field; the error names the field.
    pub fn validate(&self) -> Result<(), SimError> {
        self.latency_ms
            .validate()
            .map_err(|e| SimError::invalid(format!("latency_ms.{}", e.path), e.message))?;
        for (field, p) in [("loss", self.loss), ("duplicate", self.duplicate)] {
            if !(0.0..=1.0).contains(&p) {
                return Err(SimError::invalid(
                    field,
                    format!("a probability must be in [0, 1], got {p}"),
                ));
            }
        }
        if let Some(b) = self.bandwidth_bytes_per_s {
            if !(b.is_finite() && b > 0.0) {
                return Err(SimError::invalid(
                    "bandwidth_bytes_per_s",
                    format!("must be a positive number, got {b}"),
                ));
            }
        }
        Ok(())
    }
}

/// What the network did with messages: every send ends in exactly one of these buckets
/// (duplicates are extra deliveries, counted apart).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetStats {
    /// Messages handed to the network.
    pub sent: u64,
    /// Messages that reached a live destination (duplicates included).
    pub delivered: u64,
    /// Messages lost at random (link loss probability).
    pub lost: u64,
    /// Messages dropped because a partition separated sender and receiver at send time.
    pub partitioned: u64,
    /// Messages dropped because the sender or receiver was down, or the receiver crashed
    /// (or restarted) while the message was in flight.
    pub to_down_node: u64,
    /// Extra copies created by link duplication.
    pub duplicated: u64,
}

/// What `Network::route` decided for one message.
pub(crate) enum Route {
    /// Deliver after this delay, and a second copy after the other delay if duplicated.
    Deliver(SimDuration, Option<SimDuration>),
    Lost,
    Partitioned,
}

/// Links, partitions and spikes. Owned by the simulation.
pub struct Network {
    default: LinkSpec,
    links: BTreeMap<(u32, u32), LinkSpec>,
    /// Partition group of each node; all zero when healed.
    group: Vec<u32>,
    one_way: BTreeSet<(u32, u32)>,
    /// Extra latency on every message from or to a node (latency-spike faults).
    extra: Vec<SimDuration>,
    /// Nodes no partition cuts off (a load generator standing for users everywhere).
    everywhere: Vec<bool>,
    /// When each bandwidth-limited directed link finishes sending what it already has.
    busy_until: HashMap<(u32, u32), SimTime>,
    pub(crate) stats: NetStats,
}

impl Network {
    pub(crate) fn new(default: LinkSpec) -> Network {
        Network {
            default,
            links: BTreeMap::new(),
            group: Vec::new(),
            one_way: BTreeSet::new(),
            extra: Vec::new(),
            everywhere: Vec::new(),
            busy_until: HashMap::new(),
            stats: NetStats::default(),
        }
    }

    pub(crate) fn add_node(&mut self) {
        self.group.push(0);
        self.extra.push(SimDuration::ZERO);
        self.everywhere.push(false);
    }

    pub(crate) fn set_everywhere(&mut self, node: NodeId) {
        self.everywhere[node.index()] = true;
    }

    pub(crate) fn set_default(&mut self, spec: LinkSpec) {
        self.default = spec;
    }

    pub(crate) fn set_link(&mut self, from: NodeId, to: NodeId, spec: LinkSpec) {
        self.links.insert((from.0, to.0), spec);
    }

    /// Splits the nodes into groups that cannot reach each other; nodes in no group form
    /// one more group together.
    pub(crate) fn partition(&mut self, groups: &[Vec<NodeId>]) {
        self.group.iter_mut().for_each(|g| *g = 0);
        for (i, members) in groups.iter().enumerate() {
            for n in members {
                self.group[n.index()] = i as u32 + 1;
            }
        }
    }

    /// Blocks messages from any of `from` to any of `to` (not the other way).
    pub(crate) fn partition_one_way(&mut self, from: &[NodeId], to: &[NodeId]) {
        for a in from {
            for b in to {
                self.one_way.insert((a.0, b.0));
            }
        }
    }

    /// Removes every partition, symmetric and one-way.
    pub(crate) fn heal(&mut self) {
        self.group.iter_mut().for_each(|g| *g = 0);
        self.one_way.clear();
    }

    pub(crate) fn set_extra_latency(&mut self, node: NodeId, extra: SimDuration) {
        self.extra[node.index()] = extra;
    }

    /// `true` when a message from `from` to `to` would cross a partition now.
    pub fn blocked(&self, from: NodeId, to: NodeId) -> bool {
        let split = self.group[from.index()] != self.group[to.index()]
            && !self.everywhere[from.index()]
            && !self.everywhere[to.index()];
        split || (!self.one_way.is_empty() && self.one_way.contains(&(from.0, to.0)))
    }

    /// Decides the fate of one message sent now, drawing from the sender's network stream.
    pub(crate) fn route(
        &mut self,
        now: SimTime,
        from: NodeId,
        to: NodeId,
        bytes: u64,
        rng: &mut SimRng,
    ) -> Route {
        if self.blocked(from, to) {
            return Route::Partitioned;
        }
        let spec = if self.links.is_empty() {
            &self.default
        } else {
            self.links.get(&(from.0, to.0)).unwrap_or(&self.default)
        };
        if rng.chance(spec.loss) {
            return Route::Lost;
        }
        let extra = self.extra[from.index()] + self.extra[to.index()];
        let mut delay = spec.latency_ms.sample_duration_ms(rng) + extra;
        if let Some(bw) = spec.bandwidth_bytes_per_s {
            // Serialisation: the link sends one message at a time, in order.
            let transmit = SimDuration::from_secs_f64(bytes as f64 / bw);
            let busy = self.busy_until.entry((from.0, to.0)).or_insert(now);
            let start = (*busy).max(now);
            *busy = start + transmit;
            delay = start.saturating_since(now) + transmit + delay;
        }
        let copy = if rng.chance(spec.duplicate) {
            Some(spec.latency_ms.sample_duration_ms(rng) + extra)
        } else {
            None
        };
        Route::Deliver(delay, copy)
    }
}
