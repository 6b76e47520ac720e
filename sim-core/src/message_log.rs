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
//!                 ctx.send(NodeId(1), "ping");
//!             }
//!         }
//!     }
//! }
//!
//! let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(2), ());
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
    ///
    /// ```
    /// # use sim_core::message_log::{Fate, MessageLogConfig};
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// /// Node 0 sends message `n` to node 1 at `n` ms, for n = 0, 1, 2.
    /// struct Sender;
    /// impl Component<u32, ()> for Sender {
    ///     fn on_event(&mut self, e: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
    ///         let n = match e {
    ///             Event::Init if ctx.me() == NodeId(0) => 0,
    ///             Event::Timer(n) => n,
    ///             _ => return,
    ///         };
    ///         ctx.send(NodeId(1), n);
    ///         if n < 2 {
    ///             ctx.set_timer(SimDuration::from_millis(1), n + 1);
    ///         }
    ///     }
    /// }
    /// # let run = |config: MessageLogConfig| {
    /// #     let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(5), ());
    /// #     sim.add_component("a", Box::new(Sender));
    /// #     sim.add_component("b", Box::new(Sender));
    /// #     sim.set_message_log(config);
    /// #     sim.run(RunLimits::UNLIMITED);
    /// #     sim.message_log().expect("on").clone()
    /// # };
    /// # let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// # let _ = Fate::Lost;
    /// // Sent at 0, 1 and 2 ms; the window [1 ms, 2 ms) keeps the one sent at 1 ms.
    /// let log = run(MessageLogConfig::window(ms(1), ms(2), 10));
    /// let sent: Vec<SimTime> = log.iter().map(|m| m.sent_at).collect();
    /// assert_eq!(sent, [ms(1)]);
    /// ```
    pub fn window(from: SimTime, to: SimTime, capacity: usize) -> MessageLogConfig {
        MessageLogConfig { from, to, capacity }
    }
}

/// What became of a message: exactly one fate per copy sent.
///
/// ```
/// use sim_core::fault::Fault;
/// use sim_core::message_log::{Fate, MessageLogConfig};
/// use sim_core::network::{LinkSpec, NodeId};
/// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
/// use sim_core::time::{SimDuration, SimTime};
///
/// /// At 1 ms node 0 sends to itself, to 1 (cut off) and to 2 (crashed before it arrives).
/// struct Fan;
/// impl Component<(), ()> for Fan {
///     fn on_event(&mut self, e: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
///         match (e, ctx.me()) {
///             (Event::Init, NodeId(0)) => {
///                 ctx.set_timer(SimDuration::from_millis(1), ());
///             }
///             (Event::Timer(()), me) => {
///                 for to in [me, NodeId(1), NodeId(2)] {
///                     ctx.send(to, ());
///                 }
///             }
///             _ => {}
///         }
///     }
/// }
/// let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
/// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
/// for name in ["a", "b", "c"] {
///     sim.add_component(name, Box::new(Fan));
/// }
/// let cut = Fault::Partition { groups: vec![vec![NodeId(0), NodeId(2)], vec![NodeId(1)]] };
/// sim.schedule_fault(SimTime::ZERO, cut).expect("exist");
/// sim.schedule_fault(ms(1), Fault::Crash { node: NodeId(2), restart_after: None })
///     .expect("exists");
/// sim.set_message_log(MessageLogConfig::window(SimTime::ZERO, SimTime::MAX, 10));
/// sim.run(RunLimits::UNLIMITED);
/// let fates: Vec<Fate> = sim.message_log().expect("on").iter().map(|m| m.fate).collect();
/// assert_eq!(
///     fates,
///     [Fate::Delivered { at: ms(1) }, Fate::Partitioned, Fate::DroppedAtDownNode { at: ms(2) }]
/// );
/// ```
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

    /// What the log keeps: the configuration it was set with.
    ///
    /// ```
    /// # use sim_core::message_log::{Fate, MessageLogConfig};
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// /// Node 0 sends message `n` to node 1 at `n` ms, for n = 0, 1, 2.
    /// struct Sender;
    /// impl Component<u32, ()> for Sender {
    ///     fn on_event(&mut self, e: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
    ///         let n = match e {
    ///             Event::Init if ctx.me() == NodeId(0) => 0,
    ///             Event::Timer(n) => n,
    ///             _ => return,
    ///         };
    ///         ctx.send(NodeId(1), n);
    ///         if n < 2 {
    ///             ctx.set_timer(SimDuration::from_millis(1), n + 1);
    ///         }
    ///     }
    /// }
    /// # let run = |config: MessageLogConfig| {
    /// #     let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(5), ());
    /// #     sim.add_component("a", Box::new(Sender));
    /// #     sim.add_component("b", Box::new(Sender));
    /// #     sim.set_message_log(config);
    /// #     sim.run(RunLimits::UNLIMITED);
    /// #     sim.message_log().expect("on").clone()
    /// # };
    /// # let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// # let _ = Fate::Lost;
    /// let config = MessageLogConfig::window(SimTime::ZERO, SimTime::MAX, 2);
    /// assert_eq!(run(config).config(), config);
    /// ```
    pub fn config(&self) -> MessageLogConfig {
        self.config
    }

    /// The records, oldest first, copied (see [`MessageLog::iter`] to borrow them).
    ///
    /// ```
    /// # use sim_core::message_log::{Fate, MessageLogConfig};
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// /// Node 0 sends message `n` to node 1 at `n` ms, for n = 0, 1, 2.
    /// struct Sender;
    /// impl Component<u32, ()> for Sender {
    ///     fn on_event(&mut self, e: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
    ///         let n = match e {
    ///             Event::Init if ctx.me() == NodeId(0) => 0,
    ///             Event::Timer(n) => n,
    ///             _ => return,
    ///         };
    ///         ctx.send(NodeId(1), n);
    ///         if n < 2 {
    ///             ctx.set_timer(SimDuration::from_millis(1), n + 1);
    ///         }
    ///     }
    /// }
    /// # let run = |config: MessageLogConfig| {
    /// #     let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(5), ());
    /// #     sim.add_component("a", Box::new(Sender));
    /// #     sim.add_component("b", Box::new(Sender));
    /// #     sim.set_message_log(config);
    /// #     sim.run(RunLimits::UNLIMITED);
    /// #     sim.message_log().expect("on").clone()
    /// # };
    /// # let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// # let _ = Fate::Lost;
    /// let log = run(MessageLogConfig::window(SimTime::ZERO, SimTime::MAX, 10));
    /// let records = log.records();
    /// assert_eq!(records.len(), 3);
    /// assert_eq!(records[2].detail, "2");
    /// assert_eq!(records[2].fate, Fate::Delivered { at: ms(2 + 5) });
    /// ```
    pub fn records(&self) -> Vec<MessageRecord> {
        self.records.iter().cloned().collect()
    }

    /// The records, oldest first, without copying.
    ///
    /// ```
    /// # use sim_core::message_log::{Fate, MessageLogConfig};
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// /// Node 0 sends message `n` to node 1 at `n` ms, for n = 0, 1, 2.
    /// struct Sender;
    /// impl Component<u32, ()> for Sender {
    ///     fn on_event(&mut self, e: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
    ///         let n = match e {
    ///             Event::Init if ctx.me() == NodeId(0) => 0,
    ///             Event::Timer(n) => n,
    ///             _ => return,
    ///         };
    ///         ctx.send(NodeId(1), n);
    ///         if n < 2 {
    ///             ctx.set_timer(SimDuration::from_millis(1), n + 1);
    ///         }
    ///     }
    /// }
    /// # let run = |config: MessageLogConfig| {
    /// #     let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(5), ());
    /// #     sim.add_component("a", Box::new(Sender));
    /// #     sim.add_component("b", Box::new(Sender));
    /// #     sim.set_message_log(config);
    /// #     sim.run(RunLimits::UNLIMITED);
    /// #     sim.message_log().expect("on").clone()
    /// # };
    /// # let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// # let _ = Fate::Lost;
    /// let log = run(MessageLogConfig::window(SimTime::ZERO, SimTime::MAX, 10));
    /// assert!(log.iter().all(|m| (m.from, m.to) == (NodeId(0), NodeId(1)) && !m.duplicate));
    /// assert_eq!(log.iter().count(), 3);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &MessageRecord> {
        self.records.iter()
    }

    /// Records evicted because the log was full: the oldest go first, and are counted.
    ///
    /// ```
    /// # use sim_core::message_log::{Fate, MessageLogConfig};
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// /// Node 0 sends message `n` to node 1 at `n` ms, for n = 0, 1, 2.
    /// struct Sender;
    /// impl Component<u32, ()> for Sender {
    ///     fn on_event(&mut self, e: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
    ///         let n = match e {
    ///             Event::Init if ctx.me() == NodeId(0) => 0,
    ///             Event::Timer(n) => n,
    ///             _ => return,
    ///         };
    ///         ctx.send(NodeId(1), n);
    ///         if n < 2 {
    ///             ctx.set_timer(SimDuration::from_millis(1), n + 1);
    ///         }
    ///     }
    /// }
    /// # let run = |config: MessageLogConfig| {
    /// #     let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(5), ());
    /// #     sim.add_component("a", Box::new(Sender));
    /// #     sim.add_component("b", Box::new(Sender));
    /// #     sim.set_message_log(config);
    /// #     sim.run(RunLimits::UNLIMITED);
    /// #     sim.message_log().expect("on").clone()
    /// # };
    /// # let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// # let _ = Fate::Lost;
    /// let log = run(MessageLogConfig::window(SimTime::ZERO, SimTime::MAX, 2));
    /// assert_eq!(log.evicted(), 1);
    /// assert_eq!(log.iter().map(|m| m.detail.as_str()).collect::<Vec<_>>(), ["1", "2"]);
    /// ```
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
