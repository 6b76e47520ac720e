//! An optional record of the messages sent in a time window, for space-time (Lamport)
//! diagrams and for reading what a node did: who sent what to whom, when it arrived, or
//! why it did not.
//!
//! Off by default, and then it costs one branch per send and per delivery. When on, it
//! keeps the messages *sent* in `[from, to)`, at most `capacity` of them: past that the
//! oldest are evicted and counted ([`MessageLog::evicted`]), never silently lost.
//!
//! ```
//! use sim_core::message_log::{Fate, MessageLogConfig};
//! use sim_core::network::{LinkSpec, NodeId};
//! use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
//! use sim_core::time::SimTime;
//!
//! struct Ping;
//! impl Component<&'static str, ()> for Ping {
//!     fn on_event(&mut self, event: Event<&'static str>, ctx: &mut Ctx<'_, &'static str, ()>) {
//!         if let Event::Init = event {
//!             if ctx.me() == NodeId(0) {
//!                 ctx.send(NodeId(1), "ping").expect("node 1 exists");
//!             }
//!         }
//!     }
//! }
//!
//! let mut sim = Simulation::new(1, LinkSpec::constant_ms(2.0), ()).expect("valid link");
//! sim.add_component("a", Box::new(Ping));
//! sim.add_component("b", Box::new(Ping));
//! sim.set_message_log(MessageLogConfig::window(SimTime::ZERO, SimTime::MAX, 100));
//! sim.run(RunLimits::UNLIMITED);
//! let log = sim.message_log().expect("the log is on");
//! let m = &log.records()[0];
//! assert_eq!((m.from, m.to, m.detail.as_str()), (NodeId(0), NodeId(1), "\"ping\""));
//! assert_eq!(m.fate, Fate::Delivered { at: SimTime(2_000_000) });
//! ```

use crate::network::NodeId;
use crate::time::SimTime;
use std::collections::VecDeque;

/// Which messages to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageLogConfig {
    /// Messages sent at or after this instant are kept...
    pub from: SimTime,
    /// ...and before this one.
    pub to: SimTime,
    /// At most this many records; the oldest go first.
    pub capacity: usize,
}

impl MessageLogConfig {
    /// The messages sent in `[from, to)`, at most `capacity` of them.
    pub fn window(from: SimTime, to: SimTime, capacity: usize) -> MessageLogConfig {
        MessageLogConfig { from, to, capacity }
    }
}

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// On the wire, due at `arrive_at` (the run ended first, or it has not arrived yet).
    InFlight {
        /// When it is due.
        arrive_at: SimTime,
    },
    /// Handed to the destination at `at`.
    Delivered {
        /// When.
        at: SimTime,
    },
    /// Arrived at `at` at a node that was down, or had crashed since it was sent.
    DroppedAtDownNode {
        /// When.
        at: SimTime,
    },
    /// Lost at random on the link, at send time.
    Lost,
    /// Dropped by a partition between sender and receiver, at send time.
    Partitioned,
}

/// One message sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageRecord {
    /// When it was sent.
    pub sent_at: SimTime,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
    /// What became of it.
    pub fate: Fate,
    /// The payload's `Debug` form.
    pub detail: String,
    /// Whether this is the extra copy of a duplicated message.
    pub duplicate: bool,
}

/// The messages kept so far.
#[derive(Clone, Debug)]
pub struct MessageLog {
    config: MessageLogConfig,
    records: VecDeque<MessageRecord>,
    evicted: u64,
}

impl MessageLog {
    pub(crate) fn new(config: MessageLogConfig) -> MessageLog {
        MessageLog {
            config,
            records: VecDeque::new(),
            evicted: 0,
        }
    }

    /// What the log keeps.
    pub fn config(&self) -> MessageLogConfig {
        self.config
    }

    /// The records, oldest first (`VecDeque` halves; see [`MessageLog::iter`]).
    pub fn records(&self) -> Vec<MessageRecord> {
        self.records.iter().cloned().collect()
    }

    /// The records, oldest first, without copying.
    pub fn iter(&self) -> impl Iterator<Item = &MessageRecord> {
        self.records.iter()
    }

    /// Records evicted because the log was full.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    #[inline]
    pub(crate) fn wants(&self, sent_at: SimTime) -> bool {
        sent_at >= self.config.from && sent_at < self.config.to
    }

    pub(crate) fn push(&mut self, record: MessageRecord) {
        if self.config.capacity == 0 {
            self.evicted += 1;
            return;
        }
        if self.records.len() == self.config.capacity {
            self.records.pop_front();
            self.evicted += 1;
        }
        self.records.push_back(record);
    }

    /// The message from `from` to `to` due at `due` settles as `fate` (or is due later,
    /// for a paused receiver). Of several such messages in flight the oldest is the one:
    /// events due at the same instant run in the order they were scheduled.
    pub(crate) fn settle(&mut self, from: NodeId, to: NodeId, due: SimTime, fate: Fate) {
        let found = self.records.iter_mut().filter(|r| {
            r.from == from && r.to == to && r.fate == Fate::InFlight { arrive_at: due }
        });
        if let Some(r) = found.into_iter().next() {
            r.fate = fate;
        }
    }
}
