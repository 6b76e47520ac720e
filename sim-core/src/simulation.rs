//! The event loop: components, their context, faults, run control and the trace digest.
//!
//! A run reads top to bottom: `Simulation::new(seed, link)` → `add_component` for each node
//! → `schedule_fault` for the fault schedule → `run(limits)` → read `digest()`, `net_stats()`
//! and the world (`world()`), the shared state components record metrics into.
//!
//! Each processed event is folded into a 64-bit digest as (time, kind, target, source), so
//! two runs of the same setup can be compared at a glance; `crate::twin::twin_run` uses
//! checkpoints of the digest to name the first event where two runs part.
//!
//! A whole run: a node that pings another every 10 ms, counting the pongs in the world.
//!
//! ```
//! use sim_core::network::{LinkSpec, NodeId};
//! use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, StopReason};
//! use sim_core::time::{SimDuration, SimTime};
//!
//! #[derive(Clone, Debug)]
//! enum Msg { Tick, Ping, Pong }
//!
//! struct Pinger { peer: NodeId }
//! impl Component<Msg, u64> for Pinger {
//!     fn on_event(&mut self, event: Event<Msg>, ctx: &mut Ctx<'_, Msg, u64>) {
//!         match event {
//!             Event::Init | Event::Timer(Msg::Tick) => {
//!                 ctx.send(self.peer, Msg::Ping);
//!                 ctx.set_timer(SimDuration::from_millis(10), Msg::Tick);
//!             }
//!             Event::Message { msg: Msg::Pong, .. } => *ctx.world() += 1,
//!             _ => {}
//!         }
//!     }
//! }
//!
//! struct Ponger;
//! impl Component<Msg, u64> for Ponger {
//!     fn on_event(&mut self, event: Event<Msg>, ctx: &mut Ctx<'_, Msg, u64>) {
//!         if let Event::Message { from, msg: Msg::Ping } = event {
//!             ctx.send(from, Msg::Pong);
//!         }
//!     }
//! }
//!
//! let mut sim = Simulation::with_latency(42, sim_core::time::SimDuration::from_millis(1), 0u64);
//! sim.add_component("pinger", Box::new(Pinger { peer: NodeId(1) }));
//! sim.add_component("ponger", Box::new(Ponger));
//! let stop = sim.run(RunLimits::until(SimTime(SimDuration::from_millis(95).as_nanos())));
//! assert_eq!(stop, StopReason::TimeLimit);
//! // Pings at 0, 10, ..., 90 ms; each pong arrives 2 ms later, the last at 92 ms.
//! assert_eq!(*sim.world(), 10);
//! ```

use crate::digest::fold;
use crate::error::SimError;
use crate::event_queue::{EventHandle, EventQueue};
use crate::fault::Fault;
use crate::message_log::{Fate, MessageLog, MessageLogConfig, MessageRecord};
use crate::network::{LinkSpec, NetStats, Network, NodeId, Route};
use crate::packed::U32Bytes;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use std::any::Any;
use std::fmt::Debug;

/// What a component receives: `Init` once, then its timers and the messages sent to it.
///
/// ```
/// use sim_core::network::{LinkSpec, NodeId};
/// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
/// use sim_core::time::SimDuration;
///
/// struct Log;
/// impl Component<char, Vec<String>> for Log {
///     fn on_event(&mut self, event: Event<char>, ctx: &mut Ctx<'_, char, Vec<String>>) {
///         let seen = match event {
///             Event::Init => {
///                 ctx.set_timer(SimDuration::from_millis(5), 't');
///                 ctx.send(ctx.me(), 'm');
///                 "init".to_string()
///             }
///             Event::Timer(t) => format!("timer {t}"),
///             Event::Message { from, msg } => format!("message {msg} from {}", from.0),
///         };
///         ctx.world().push(seen);
///     }
/// }
/// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), Vec::new());
/// sim.add_component("log", Box::new(Log));
/// sim.run(RunLimits::UNLIMITED);
/// // A message to itself skips the network: it arrives at once.
/// assert_eq!(sim.world(), &["init", "message m from 0", "timer t"]);
/// # let _ = NodeId(0);
/// ```
#[derive(Debug)]
pub enum Event<M> {
    /// Once, when the simulation starts (or when the component is added to a running one).
    Init,
    /// A timer the component set for itself fired.
    Timer(M),
    /// A message from another node (or itself) arrived over the network.
    Message {
        /// The sender.
        from: NodeId,
        /// The payload.
        msg: M,
    },
}

/// A node: a state machine driven by events through its context. `M` is the message type of
/// the simulation, `W` the shared world state (metrics, ledgers) every component can reach.
///
/// A crash drops the node's timers and the messages on their way to it; what the node
/// keeps in its fields survives unless `on_crash` clears it (a model of volatile memory
/// clears it there; caplab's teaching harness, `lab`, rebuilds the node instead).
///
/// ```
/// use sim_core::fault::Fault;
/// use sim_core::network::{LinkSpec, NodeId};
/// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
/// use sim_core::time::{SimDuration, SimTime};
///
/// /// Counts its timer ticks in memory; a crash forgets them, a restart starts again.
/// struct Ticker { ticks: u64 }
/// impl Component<(), Vec<u64>> for Ticker {
///     fn on_event(&mut self, event: Event<()>, ctx: &mut Ctx<'_, (), Vec<u64>>) {
///         if let Event::Timer(()) = event {
///             self.ticks += 1;
///         }
///         ctx.set_timer(SimDuration::from_millis(1), ());
///     }
///     fn on_crash(&mut self, world: &mut Vec<u64>) {
///         world.push(self.ticks); // what the crash destroyed
///         self.ticks = 0;
///     }
///     fn on_restart(&mut self, ctx: &mut Ctx<'_, (), Vec<u64>>) {
///         ctx.set_timer(SimDuration::from_millis(1), ());
///     }
/// }
///
/// let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
/// let mut sim = Simulation::new(1, Vec::new());
/// let node = sim.add_component("ticker", Box::new(Ticker { ticks: 0 }));
/// let crash = Fault::Crash { node, restart_after: Some(SimDuration::from_millis(5)) };
/// sim.schedule_fault(ms(10), crash).expect("the node exists");
/// sim.run(RunLimits::until(ms(30)));
/// assert_eq!(sim.world(), &vec![9]); // ticks at 1..=9 ms, then the crash at 10 ms
/// assert!(sim.is_up(NodeId(0)));
/// ```
pub trait Component<M, W> {
    /// Handles one event. All effects go through `ctx`: timers, sends, randomness, metrics.
    ///
    /// ```
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    ///
    /// /// Answers every message with the same payload, doubled.
    /// struct Echo;
    /// impl Component<u32, Vec<u32>> for Echo {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<u32>>) {
    ///         match event {
    ///             Event::Init if ctx.me() == NodeId(0) => ctx.send(NodeId(1), 21),
    ///             Event::Message { from, msg } if ctx.me() == NodeId(1) => {
    ///                 ctx.send(from, msg * 2)
    ///             }
    ///             Event::Message { msg, .. } => ctx.world().push(msg),
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), Vec::new());
    /// sim.add_component("asker", Box::new(Echo));
    /// sim.add_component("echo", Box::new(Echo));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[42]);
    /// ```
    fn on_event(&mut self, event: Event<M>, ctx: &mut Ctx<'_, M, W>);

    /// The node crashed: drop volatile state. No context, since a dead node does nothing;
    /// the world is passed so that instrumentation can record what the crash destroyed
    /// (messages a worker held, for instance).
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    ///
    /// /// A cache in memory: a crash empties it, and the world counts what was lost.
    /// struct Cache { entries: Vec<u64> }
    /// impl Component<(), u64> for Cache {
    ///     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), u64>) {
    ///         self.entries.push(1);
    ///     }
    ///     fn on_crash(&mut self, lost: &mut u64) {
    ///         *lost += self.entries.len() as u64;
    ///         self.entries.clear();
    ///     }
    /// }
    /// let mut sim = Simulation::new(1, 0u64);
    /// let node = sim.add_component("cache", Box::new(Cache { entries: vec![7, 8] }));
    /// sim.schedule_fault(SimTime(5), Fault::Crash { node, restart_after: None }).expect("exists");
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(*sim.world(), 3); // two entries from the start, one added at init
    /// assert!(!sim.is_up(NodeId(0)));
    /// ```
    fn on_crash(&mut self, world: &mut W) {
        let _ = world;
    }

    /// The node came back after a crash; typically re-arms timers (the crash dropped them).
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::{SimDuration, SimTime};
    ///
    /// /// A heartbeat every 10 ms, recorded in the world.
    /// struct Beat;
    /// impl Component<(), Vec<u64>> for Beat {
    ///     fn on_event(&mut self, e: Event<()>, ctx: &mut Ctx<'_, (), Vec<u64>>) {
    ///         if let Event::Timer(()) = e {
    ///             let ms = ctx.now().as_nanos() / 1_000_000;
    ///             ctx.world().push(ms);
    ///         }
    ///         ctx.set_timer(SimDuration::from_millis(10), ());
    ///     }
    ///     fn on_restart(&mut self, ctx: &mut Ctx<'_, (), Vec<u64>>) {
    ///         ctx.set_timer(SimDuration::from_millis(10), ());
    ///     }
    /// }
    /// let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// let mut sim = Simulation::new(1, Vec::new());
    /// let node = sim.add_component("beat", Box::new(Beat));
    /// let crash = Fault::Crash { node, restart_after: Some(SimDuration::from_millis(15)) };
    /// sim.schedule_fault(ms(25), crash).expect("exists");
    /// sim.run(RunLimits::until(ms(60)));
    /// // Down from 25 to 40 ms; the restart re-arms the beat at 40 + 10 ms.
    /// assert_eq!(sim.world(), &[10, 20, 50, 60]);
    /// ```
    fn on_restart(&mut self, ctx: &mut Ctx<'_, M, W>) {
        let _ = ctx;
    }
}

/// Names a timer so that it can be cancelled.
///
/// ```
/// use sim_core::network::LinkSpec;
/// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
/// use sim_core::time::SimDuration;
///
/// struct Cancel;
/// impl Component<&'static str, Vec<&'static str>> for Cancel {
///     fn on_event(&mut self, e: Event<&'static str>, ctx: &mut Ctx<'_, &'static str, Vec<&'static str>>) {
///         match e {
///             Event::Init => {
///                 let timeout = ctx.set_timer(SimDuration::from_secs(1), "timeout");
///                 ctx.set_timer(SimDuration::from_millis(5), "reply");
///                 assert!(ctx.cancel_timer(timeout));
///                 assert!(!ctx.cancel_timer(timeout), "already cancelled");
///             }
///             Event::Timer(t) => ctx.world().push(t),
///             _ => {}
///         }
///     }
/// }
///
/// let mut sim = Simulation::new(1, Vec::new());
/// sim.add_component("c", Box::new(Cancel));
/// sim.run(RunLimits::UNLIMITED);
/// assert_eq!(sim.world(), &vec!["reply"]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimerId(EventHandle);

/// Why `run` returned.
///
/// ```
/// use sim_core::network::LinkSpec;
/// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, StopReason};
/// use sim_core::time::{SimDuration, SimTime};
///
/// struct Forever;
/// impl Component<(), ()> for Forever {
///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
///         ctx.set_timer(SimDuration::from_millis(1), ());
///     }
/// }
/// let build = || {
///     let mut sim = Simulation::new(1, ());
///     sim.add_component("f", Box::new(Forever));
///     sim
/// };
/// let ten_ms = SimTime(SimDuration::from_millis(10).as_nanos());
/// assert_eq!(build().run(RunLimits::until(ten_ms)), StopReason::TimeLimit);
/// let budget = RunLimits { until: SimTime::MAX, max_events: 5 };
/// let mut sim = build();
/// assert_eq!(sim.run(budget), StopReason::EventBudget);
/// assert_eq!(sim.events_processed(), 5);
/// let mut idle = Simulation::<(), ()>::new(1, ());
/// assert_eq!(idle.run(RunLimits::UNLIMITED), StopReason::Idle);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// No event left.
    Idle,
    /// The next event is past the time limit.
    TimeLimit,
    /// The event budget is spent.
    EventBudget,
    /// Too many events outstanding (`event_queue::MAX_OUTSTANDING`): the model floods.
    QueueFull,
}

impl StopReason {
    /// The reason's name, as results write it: `idle`, `time_limit`, `event_budget`,
    /// `queue_full`.
    ///
    /// ```
    /// use sim_core::simulation::StopReason;
    ///
    /// assert_eq!(StopReason::TimeLimit.as_str(), "time_limit");
    /// assert_eq!(StopReason::QueueFull.to_string(), "queue_full");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Idle => "idle",
            StopReason::TimeLimit => "time_limit",
            StopReason::EventBudget => "event_budget",
            StopReason::QueueFull => "queue_full",
        }
    }
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a run stops: the first limit reached wins (see [`StopReason`]'s example).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunLimits {
    /// Events at or before this instant are processed; later ones are not.
    pub until: SimTime,
    /// At most this many events are processed (counting from the start of the simulation).
    pub max_events: u64,
}

impl RunLimits {
    /// No limit: the run goes on until no event is left.
    ///
    /// ```
    /// use sim_core::simulation::RunLimits;
    /// use sim_core::time::SimTime;
    ///
    /// assert_eq!(RunLimits::UNLIMITED.until, SimTime::MAX);
    /// assert_eq!(RunLimits::UNLIMITED.max_events, u64::MAX);
    /// ```
    pub const UNLIMITED: RunLimits = RunLimits {
        until: SimTime::MAX,
        max_events: u64::MAX,
    };

    /// Runs until `until` (events at that instant included), with no event budget.
    ///
    /// ```
    /// use sim_core::simulation::RunLimits;
    /// use sim_core::time::SimTime;
    ///
    /// let limits = RunLimits::until(SimTime(1_000));
    /// assert_eq!((limits.until, limits.max_events), (SimTime(1_000), u64::MAX));
    /// ```
    pub fn until(until: SimTime) -> RunLimits {
        RunLimits {
            until,
            max_events: u64::MAX,
        }
    }
}

/// One processed event, as recorded by the trace window or printed by single-step mode.
///
/// ```
/// use sim_core::network::{LinkSpec, NodeId};
/// use sim_core::simulation::{Component, Ctx, Event, Simulation};
/// use sim_core::time::{SimDuration, SimTime};
///
/// struct Once;
/// impl Component<u8, ()> for Once {
///     fn on_event(&mut self, e: Event<u8>, ctx: &mut Ctx<'_, u8, ()>) {
///         if let Event::Init = e {
///             ctx.set_timer(SimDuration::from_millis(2), 7);
///         }
///     }
/// }
/// let mut sim = Simulation::new(1, ());
/// sim.add_component("once", Box::new(Once));
/// // Single-step: one event at a time, each returned as a record.
/// let init = sim.step_traced().expect("the init event");
/// assert_eq!((init.index, init.kind, init.target), (0, "init", Some(NodeId(0))));
/// let timer = sim.step_traced().expect("the timer");
/// assert_eq!((timer.time, timer.kind, timer.detail.as_str()), (SimTime(2_000_000), "timer", "7"));
/// assert_eq!(sim.last_event(), Some(timer));
/// assert!(sim.step_traced().is_none(), "nothing left");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// 0-based index of the event in the run.
    pub index: u64,
    /// When it ran.
    pub time: SimTime,
    /// The node it was addressed to (`None` for engine events such as faults).
    pub target: Option<NodeId>,
    /// The sender, for a message (also a dropped or deferred one).
    pub source: Option<NodeId>,
    /// `init`, `timer`, `message`, `dropped`, `deferred`, `restart`, or a fault's name.
    pub kind: &'static str,
    /// The payload's `Debug` form; for a dropped or deferred event, what it was
    /// (`timer Tick`, `message Ping`).
    pub detail: String,
}

const KIND_INIT: u64 = 1;
const KIND_TIMER: u64 = 2;
const KIND_MESSAGE: u64 = 3;
const KIND_FAULT: u64 = 4;
const KIND_DROPPED: u64 = 5;
const KIND_RESTART: u64 = 6;
const KIND_DEFERRED: u64 = 7;
const ENGINE: u32 = u32::MAX;

/// What an event does. Kept small: it sits in every slot of the event queue, so a fault
/// (rare, and large) is only an index into `Core::faults`, and the indices are kept as bytes
/// (`U32Bytes`), so that a slot has no padding.
#[derive(Clone)]
enum Pending<M> {
    Init,
    Timer(M),
    /// `from`: the sender's `NodeId`.
    Message {
        from: U32Bytes,
        msg: M,
    },
    Restart,
    Fault(U32Bytes),
}

impl<M> Pending<M> {
    fn message(from: NodeId, msg: M) -> Pending<M> {
        Pending::Message {
            from: U32Bytes::new(from.0),
            msg,
        }
    }
}

/// An event in the queue: what it does, to which node (`ENGINE` for a fault), and that node's
/// incarnation when it was scheduled.
struct Scheduled<M> {
    target: U32Bytes,
    incarnation: U32Bytes,
    what: Pending<M>,
}

struct NodeState {
    name: String,
    up: bool,
    /// Bumped at each crash: events scheduled for an earlier incarnation are dropped.
    incarnation: u32,
    rng: SimRng,
    net_rng: SimRng,
    slow_factor: f64,
    clock_offset_ns: i64,
    clock_drift_ppb: i64,
    /// Events addressed to the node before this instant wait for it (pause faults).
    paused_until: SimTime,
}

/// Everything but the components, so that a component can hold a context while the loop
/// holds the component.
pub struct Core<M, W> {
    seed: u64,
    now: SimTime,
    queue: EventQueue<Scheduled<M>>,
    nodes: Vec<NodeState>,
    network: Network,
    world: W,
    digest: u64,
    events: u64,
    queue_full_drops: u64,
    checkpoint_every: u64,
    checkpoints: Vec<u64>,
    trace_from: u64,
    trace_to: u64,
    trace: Vec<EventRecord>,
    /// Keeps a copy of the last event processed (twin runs), formatted only when asked.
    keep_last: bool,
    last: Option<(u64, SimTime, u32, u64, Pending<M>)>,
    /// The optional message log (boxed: the common case, off, costs one word).
    msg_log: Option<Box<MessageLog>>,
    /// Every fault scheduled, in order; events name them by index.
    faults: Vec<Fault>,
    /// Whether a pause fault was ever applied: until then no event can be deferred, and
    /// dispatch skips the check.
    pauses: bool,
}

/// A simulation: components, the engine core, and the world they share. The module
/// documentation shows a whole run; the methods' examples show one thing each.
pub struct Simulation<M, W> {
    components: Vec<Box<dyn Held<M, W>>>,
    core: Core<M, W>,
}

/// A component as the simulation holds it: its handlers (one virtual call each, as for a
/// `dyn Component`) and its concrete type, so that it can be read back after a run.
trait Held<M, W> {
    fn on_event(&mut self, event: Event<M>, ctx: &mut Ctx<'_, M, W>);
    fn on_crash(&mut self, world: &mut W);
    fn on_restart(&mut self, ctx: &mut Ctx<'_, M, W>);
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<M, W, C: Component<M, W> + 'static> Held<M, W> for C {
    #[inline]
    fn on_event(&mut self, event: Event<M>, ctx: &mut Ctx<'_, M, W>) {
        Component::on_event(self, event, ctx);
    }
    fn on_crash(&mut self, world: &mut W) {
        Component::on_crash(self, world);
    }
    fn on_restart(&mut self, ctx: &mut Ctx<'_, M, W>) {
        Component::on_restart(self, ctx);
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A boxed component is a component, so a node whose type is chosen at run time can be
/// added too (`add_component(name, Box::new(boxed))`); `component` then reads it back as a
/// `Box<dyn Component<M, W>>`.
impl<M, W> Component<M, W> for Box<dyn Component<M, W>> {
    fn on_event(&mut self, event: Event<M>, ctx: &mut Ctx<'_, M, W>) {
        (**self).on_event(event, ctx);
    }
    fn on_crash(&mut self, world: &mut W) {
        (**self).on_crash(world);
    }
    fn on_restart(&mut self, ctx: &mut Ctx<'_, M, W>) {
        (**self).on_restart(ctx);
    }
}

/// What a component sees of the engine while it handles an event: its identity, time
/// (true and local), its random streams, timers, the network, and the shared world.
///
/// ```
/// use sim_core::network::{LinkSpec, NodeId};
/// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
/// use sim_core::time::{SimDuration, SimTime};
///
/// #[derive(Default)]
/// struct Seen { names: Vec<String>, draws: Vec<u64>, sizes: usize, local: Vec<SimTime> }
///
/// struct Probe;
/// impl Component<u32, Seen> for Probe {
///     fn on_event(&mut self, e: Event<u32>, ctx: &mut Ctx<'_, u32, Seen>) {
///         if let Event::Init = e {
///             let name = ctx.name().to_string();
///             let draw = ctx.rng().below(100); // this node's own stream
///             let mut other = ctx.stream("jitter"); // an independent stream by purpose
///             let _ = other.next_u64();
///             let (me, nodes) = (ctx.me(), ctx.node_count());
///             assert!(ctx.is_up(me) && ctx.seed() == 9 && ctx.now() == SimTime::ZERO);
///             assert_eq!(ctx.work(SimDuration::from_millis(4)), SimDuration::from_millis(4));
///             assert_eq!(ctx.slow_factor(), 1.0);
///             // A sized message on a bandwidth-limited link takes its transmission time.
///             let next = NodeId((me.0 + 1) % nodes as u32);
///             ctx.send_sized(next, 1, 1_000);
///             let local = ctx.local_time();
///             let w = ctx.world();
///             w.names.push(name);
///             w.draws.push(draw);
///             w.local.push(local);
///             w.sizes = nodes;
///         }
///     }
/// }
///
/// let mut sim = Simulation::with_latency(9, sim_core::time::SimDuration::from_millis(1), Seen::default());
/// sim.add_component("a", Box::new(Probe));
/// sim.add_component("b", Box::new(Probe));
/// sim.run(RunLimits::UNLIMITED);
/// assert_eq!(sim.world().names, ["a", "b"]);
/// assert_eq!(sim.world().sizes, 2);
/// assert_eq!(sim.net_stats().delivered, 2);
/// ```
pub struct Ctx<'a, M, W> {
    core: &'a mut Core<M, W>,
    me: NodeId,
}

impl<M: Clone + Debug + 'static, W> Simulation<M, W> {
    /// A simulation seeded by `seed`, with `world` as the shared state, whose links deliver
    /// every message at once, in order (`with_latency` and `with_link` set other links).
    ///
    /// ```
    /// use sim_core::simulation::Simulation;
    ///
    /// let sim = Simulation::<(), u64>::new(42, 0);
    /// assert_eq!((sim.node_count(), *sim.world()), (0, 0));
    /// ```
    pub fn new(seed: u64, world: W) -> Self {
        Self::build(seed, LinkSpec::constant_ms(0.0), world)
    }

    /// A simulation whose links all take `latency`, lossless: valid by construction.
    ///
    /// ```
    /// use sim_core::simulation::Simulation;
    /// use sim_core::time::SimDuration;
    ///
    /// let sim = Simulation::<(), ()>::with_latency(7, SimDuration::from_micros(500), ());
    /// assert_eq!(sim.node_count(), 0);
    /// ```
    pub fn with_latency(seed: u64, latency: SimDuration, world: W) -> Self {
        // Exact: a whole number of nanoseconds below 2^51 survives the trip through
        // milliseconds as a float.
        Self::build(
            seed,
            LinkSpec::constant_ms(latency.as_nanos() as f64 / 1e6),
            world,
        )
    }

    /// A simulation every link of which behaves like `default_link` unless set otherwise. An
    /// invalid link is an error naming the field.
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::Simulation;
    ///
    /// let sim = Simulation::<(), u64>::with_link(42, LinkSpec::constant_ms(1.0), 0).expect("valid");
    /// assert_eq!((sim.node_count(), *sim.world()), (0, 0));
    /// let lossy = LinkSpec { loss: 1.5, ..LinkSpec::constant_ms(1.0) };
    /// let err = Simulation::<(), u64>::with_link(42, lossy, 0).err().expect("a probability above 1");
    /// assert!(err.to_string().contains("loss"), "{err}");
    /// ```
    pub fn with_link(seed: u64, default_link: LinkSpec, world: W) -> Result<Self, SimError> {
        default_link.validate()?;
        Ok(Self::build(seed, default_link, world))
    }

    fn build(seed: u64, default_link: LinkSpec, world: W) -> Self {
        Simulation {
            components: Vec::new(),
            core: Core {
                seed,
                now: SimTime::ZERO,
                queue: EventQueue::new(),
                nodes: Vec::new(),
                network: Network::new(default_link),
                world,
                digest: fold(0, seed),
                events: 0,
                queue_full_drops: 0,
                checkpoint_every: 0,
                checkpoints: Vec::new(),
                trace_from: u64::MAX,
                trace_to: 0,
                trace: Vec::new(),
                keep_last: false,
                last: None,
                msg_log: None,
                faults: Vec::new(),
                pauses: false,
            },
        }
    }

    /// Adds a node named `name` (names seed its random streams, so keep them stable and
    /// unique: streams do not depend on the order nodes are added in). It receives
    /// `Event::Init` at the current time. Ids are dense, in the order nodes are added.
    ///
    /// ```
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::Simulation;
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// assert_eq!(sim.add_component("db", Box::new(Quiet)), NodeId(0));
    /// assert_eq!(sim.add_component("api", Box::new(Quiet)), NodeId(1));
    /// assert_eq!(sim.events_pending(), 2); // their two `Init` events
    /// ```
    pub fn add_component<C: Component<M, W> + 'static>(
        &mut self,
        name: impl Into<String>,
        component: Box<C>,
    ) -> NodeId {
        let name = name.into();
        let id = NodeId(self.components.len() as u32);
        let seed = self.core.seed;
        self.core.nodes.push(NodeState {
            rng: SimRng::stream(seed, &format!("node/{name}"), 0),
            net_rng: SimRng::stream(seed, &format!("net/{name}"), 0),
            name,
            up: true,
            incarnation: 0,
            slow_factor: 1.0,
            clock_offset_ns: 0,
            clock_drift_ppb: 0,
            paused_until: SimTime::ZERO,
        });
        self.core.network.add_node();
        self.components.push(component);
        let now = self.core.now;
        self.core.push(now, id.0, 0, Pending::Init);
        id
    }

    /// Sets the behaviour of every link that has no specific setting.
    ///
    /// ```
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    ///
    /// /// Node 0 sends one message to node 1, which records when it arrived.
    /// struct Hop;
    /// impl Component<(), Vec<SimTime>> for Hop {
    ///     fn on_event(&mut self, e: Event<()>, ctx: &mut Ctx<'_, (), Vec<SimTime>>) {
    ///         match e {
    ///             Event::Init if ctx.me() == NodeId(0) => ctx.send(NodeId(1), ()),
    ///             Event::Message { .. } => {
    ///                 let now = ctx.now();
    ///                 ctx.world().push(now);
    ///             }
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), Vec::new());
    /// sim.add_component("a", Box::new(Hop));
    /// sim.add_component("b", Box::new(Hop));
    /// sim.set_default_link(LinkSpec::constant_ms(3.0)).expect("valid");
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[SimTime(3_000_000)]);
    /// ```
    pub fn set_default_link(&mut self, spec: LinkSpec) -> Result<(), SimError> {
        spec.validate()?;
        self.core.network.set_default(spec);
        Ok(())
    }

    /// Sets the behaviour of the directed link `from → to`.
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    ///
    /// struct Quiet;
    /// impl Component<(), ()> for Quiet {
    ///     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), ()>) {}
    /// }
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// let (a, b, users) = (NodeId(0), NodeId(1), NodeId(2));
    /// for name in ["a", "b", "users"] {
    ///     sim.add_component(name, Box::new(Quiet));
    /// }
    /// sim.set_link(a, b, LinkSpec::constant_ms(40.0)).expect("valid"); // a slow direction
    /// sim.set_default_link(LinkSpec::constant_ms(0.5)).expect("valid");
    /// assert!(sim.set_link(a, NodeId(9), LinkSpec::constant_ms(1.0)).is_err());
    /// sim.set_always_connected(users).expect("exists");
    /// sim.schedule_fault(SimTime(10), Fault::Partition { groups: vec![vec![a], vec![b]] })
    ///     .expect("nodes exist");
    /// sim.run(RunLimits::until(SimTime(20)));
    /// assert!(sim.is_partitioned(a, b) && sim.is_partitioned(b, a));
    /// assert!(!sim.is_partitioned(users, a) && !sim.is_partitioned(b, users));
    /// ```
    pub fn set_link(&mut self, from: NodeId, to: NodeId, spec: LinkSpec) -> Result<(), SimError> {
        self.core.check_node(from)?;
        self.core.check_node(to)?;
        spec.validate()?;
        self.core.network.set_link(from, to, spec);
        Ok(())
    }

    /// Keeps `node` connected to every side of every (symmetric) partition: for a load
    /// generator that stands for users everywhere. One-way partitions still apply.
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// let [users, a, b] = ["users", "a", "b"].map(|n| sim.add_component(n, Box::new(Quiet)));
    /// sim.set_always_connected(users).expect("exists");
    /// assert!(sim.set_always_connected(NodeId(7)).is_err());
    /// let split = Fault::Partition { groups: vec![vec![a], vec![b]] };
    /// sim.schedule_fault(SimTime::ZERO, split).expect("nodes exist");
    /// sim.run(RunLimits::UNLIMITED);
    /// assert!(sim.is_partitioned(a, b));
    /// assert!(!sim.is_partitioned(users, a) && !sim.is_partitioned(users, b));
    /// ```
    pub fn set_always_connected(&mut self, node: NodeId) -> Result<(), SimError> {
        self.core.check_node(node)?;
        self.core.network.set_everywhere(node);
        Ok(())
    }

    /// Applies `fault` at `at` (validated now: unknown nodes and bad values are errors).
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// let node = sim.add_component("db", Box::new(Quiet));
    /// sim.schedule_fault(SimTime(10), Fault::Crash { node, restart_after: None }).expect("exists");
    /// let ghost = Fault::Crash { node: NodeId(3), restart_after: None };
    /// assert!(sim.schedule_fault(SimTime(10), ghost).is_err());
    /// let negative = Fault::Slow { node, factor: -1.0 };
    /// assert!(sim.schedule_fault(SimTime(10), negative).is_err());
    /// sim.run(RunLimits::until(SimTime(9)));
    /// assert!(sim.is_up(node));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert!(!sim.is_up(node));
    /// ```
    pub fn schedule_fault(&mut self, at: SimTime, fault: Fault) -> Result<(), SimError> {
        for n in fault.nodes() {
            self.core.check_node(n)?;
        }
        match &fault {
            Fault::Slow { factor, .. } if !(factor.is_finite() && *factor >= 0.0) => {
                return Err(SimError::invalid(
                    "factor",
                    format!("must be a finite number >= 0, got {factor}"),
                ));
            }
            _ => {}
        }
        let index = u32::try_from(self.core.faults.len())
            .map_err(|_| SimError::invalid("faults", "more than 2^32 faults scheduled"))?;
        self.core.faults.push(fault);
        self.core
            .push(at, ENGINE, 0, Pending::Fault(U32Bytes::new(index)));
        Ok(())
    }

    /// Records the digest after every `every` events (0 turns it off); see `checkpoints`.
    /// Two runs whose checkpoints part say between which checkpoints they diverged
    /// (`crate::twin` narrows it down to the event).
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::SimDuration;
    ///
    /// struct Tick;
    /// impl Component<(), ()> for Tick {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
    ///         ctx.set_timer(SimDuration::from_millis(1), ());
    ///     }
    /// }
    /// let mut sim = Simulation::new(1, ());
    /// sim.add_component("tick", Box::new(Tick));
    /// sim.set_checkpoint_every(4);
    /// sim.run(RunLimits { max_events: 10, ..RunLimits::UNLIMITED });
    /// assert_eq!(sim.checkpoints().len(), 2); // after events 4 and 8
    /// ```
    pub fn set_checkpoint_every(&mut self, every: u64) {
        self.core.checkpoint_every = every;
    }

    /// Records an `EventRecord` for each event whose index is in `from..to`.
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::SimDuration;
    ///
    /// struct Tick;
    /// impl Component<(), u32> for Tick {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    ///         *ctx.world() += 1;
    ///         if *ctx.world() < 10 {
    ///             ctx.set_timer(SimDuration::from_millis(1), ());
    ///         }
    ///     }
    /// }
    /// let run = || {
    ///     let mut sim = Simulation::new(3, 0u32);
    ///     sim.add_component("tick", Box::new(Tick));
    ///     sim.set_trace_window(2, 4);
    ///     sim.set_checkpoint_every(5);
    ///     sim.run(RunLimits::UNLIMITED);
    ///     sim
    /// };
    /// let (one, two) = (run(), run());
    /// assert_eq!(one.trace().iter().map(|r| r.index).collect::<Vec<_>>(), [2, 3]);
    /// assert_eq!(one.checkpoints().len(), 2); // after events 5 and 10
    /// assert_eq!(one.digest(), two.digest()); // same setup, same seed: same run
    /// assert_eq!(one.node_name(sim_core::network::NodeId(0)), Some("tick"));
    /// assert_eq!((one.events_processed(), one.events_pending()), (10, 0));
    /// assert_eq!(one.into_world(), 10);
    /// ```
    pub fn set_trace_window(&mut self, from: u64, to: u64) {
        self.core.trace_from = from;
        self.core.trace_to = to;
    }

    /// Starts recording the messages sent in a time window (see `crate::message_log`);
    /// replaces any log recorded so far.
    ///
    /// ```
    /// use sim_core::message_log::MessageLogConfig;
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::Simulation;
    /// use sim_core::time::SimTime;
    ///
    /// let mut sim = Simulation::<(), ()>::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// assert!(sim.message_log().is_none(), "off by default");
    /// sim.set_message_log(MessageLogConfig::window(SimTime(0), SimTime(5_000), 64));
    /// assert_eq!(sim.message_log().map(|l| l.config().capacity), Some(64));
    /// ```
    pub fn set_message_log(&mut self, config: MessageLogConfig) {
        self.core.msg_log = Some(Box::new(MessageLog::new(config)));
    }

    /// The message log, when one was set (`set_message_log`'s example reads it; the
    /// module `crate::message_log` shows the records of a run).
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::Simulation;
    ///
    /// let sim = Simulation::<(), ()>::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// assert!(sim.message_log().is_none());
    /// ```
    pub fn message_log(&self) -> Option<&MessageLog> {
        self.core.msg_log.as_deref()
    }

    /// Processes events until a limit is reached or nothing is left, and says which. It can
    /// be called again to go on from where it stopped: two runs to 5 ms and then to 10 ms are
    /// one run to 10 ms.
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, StopReason};
    /// use sim_core::time::{SimDuration, SimTime};
    ///
    /// struct Tick;
    /// impl Component<(), ()> for Tick {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
    ///         ctx.set_timer(SimDuration::from_millis(1), ());
    ///     }
    /// }
    /// let ms = |n| SimTime(SimDuration::from_millis(n).as_nanos());
    /// let build = || {
    ///     let mut sim = Simulation::new(1, ());
    ///     sim.add_component("tick", Box::new(Tick));
    ///     sim
    /// };
    /// let (mut once, mut twice) = (build(), build());
    /// assert_eq!(once.run(RunLimits::until(ms(10))), StopReason::TimeLimit);
    /// twice.run(RunLimits::until(ms(5)));
    /// assert_eq!(twice.now(), ms(5));
    /// twice.run(RunLimits::until(ms(10)));
    /// assert_eq!(once.digest(), twice.digest());
    /// assert_eq!(once.events_processed(), 11); // init, then a timer at 1, 2, ..., 10 ms
    /// ```
    pub fn run(&mut self, limits: RunLimits) -> StopReason {
        // Nothing observes the run (no trace window ahead, no checkpoints, no copy of the
        // last event): the loop without those checks.
        let core = &self.core;
        let observed = core.checkpoint_every != 0
            || core.keep_last
            || (core.trace_from < core.trace_to && core.trace_to > core.events);
        if observed {
            self.run_with::<false>(limits)
        } else {
            self.run_with::<true>(limits)
        }
    }

    fn run_with<const PLAIN: bool>(&mut self, limits: RunLimits) -> StopReason {
        while self.core.events < limits.max_events {
            if self.core.queue_full_drops > 0 {
                return StopReason::QueueFull;
            }
            match self.core.queue.pop_until(limits.until) {
                Some((time, ev)) => self.dispatch::<PLAIN>(time, ev),
                None if self.core.queue.is_empty() => return StopReason::Idle,
                None => {
                    self.core.now = self.core.now.max(limits.until);
                    return StopReason::TimeLimit;
                }
            }
        }
        if self.core.queue_full_drops > 0 {
            StopReason::QueueFull
        } else {
            StopReason::EventBudget
        }
    }

    /// Processes exactly one event, if any; returns its record (for single-step mode).
    /// `EventRecord`'s example steps through a run with it.
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::Simulation;
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::new(1, ());
    /// sim.add_component("quiet", Box::new(Quiet));
    /// assert_eq!(sim.step_traced().map(|r| r.kind), Some("init"));
    /// assert_eq!(sim.step_traced(), None, "nothing left");
    /// ```
    pub fn step_traced(&mut self) -> Option<EventRecord> {
        self.step_within(RunLimits::UNLIMITED).ok()?;
        self.last_event()
    }

    /// Processes the next event if `limits` allow it; otherwise says why not. A loop of
    /// these is `run`, one event at a time (single-step mode, lockstep twin runs).
    ///
    /// ```
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, StopReason};
    /// use sim_core::time::{SimDuration, SimTime};
    ///
    /// struct Every;
    /// impl Component<(), ()> for Every {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
    ///         ctx.set_timer(SimDuration::from_millis(1), ());
    ///     }
    /// }
    /// let mut sim = Simulation::new(1, ());
    /// sim.add_component("every", Box::new(Every));
    /// let limits = RunLimits::until(SimTime(SimDuration::from_millis(3).as_nanos()));
    /// let mut printed = Vec::new();
    /// let stop = loop {
    ///     match sim.step_within(limits) {
    ///         Ok(()) => printed.push(sim.last_event().expect("just processed").kind),
    ///         Err(stop) => break stop,
    ///     }
    /// };
    /// assert_eq!(stop, StopReason::TimeLimit);
    /// assert_eq!(printed, ["init", "timer", "timer", "timer"]);
    /// ```
    pub fn step_within(&mut self, limits: RunLimits) -> Result<(), StopReason> {
        if self.core.queue_full_drops > 0 {
            return Err(StopReason::QueueFull);
        }
        if self.core.events >= limits.max_events {
            return Err(StopReason::EventBudget);
        }
        self.core.keep_last = true;
        match self.core.queue.pop_until(limits.until) {
            Some((time, ev)) => {
                self.dispatch::<false>(time, ev);
                Ok(())
            }
            None if self.core.queue.is_empty() => Err(StopReason::Idle),
            None => Err(StopReason::TimeLimit),
        }
    }

    /// Whether each processed event is kept for `last_event` (set by `step_within`).
    pub(crate) fn keeps_last(&self) -> bool {
        self.core.keep_last
    }

    /// Keeps (or stops keeping) a copy of each processed event for `last_event`.
    pub(crate) fn set_keep_last(&mut self, keep: bool) {
        self.core.keep_last = keep;
    }

    /// The last event processed by `step_within` or `step_traced`, formatted (`None` before
    /// the first; `run` alone does not keep it, so that it costs nothing).
    ///
    /// ```
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{RunLimits, Simulation};
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::new(1, ());
    /// sim.add_component("quiet", Box::new(Quiet));
    /// assert_eq!(sim.last_event(), None);
    /// sim.step_within(RunLimits::UNLIMITED).expect("the init event");
    /// let init = sim.last_event().expect("kept");
    /// assert_eq!((init.index, init.kind, init.target), (0, "init", Some(NodeId(0))));
    /// ```
    pub fn last_event(&self) -> Option<EventRecord> {
        let (index, time, target, kind, what) = self.core.last.as_ref()?;
        Some(self.core.describe(*index, *time, *target, *kind, what))
    }

    /// Processes one event. `PLAIN`: nothing observes the run (see `run`), so the trace
    /// window, the copy of the last event and the checkpoints are not looked at.
    #[inline(always)]
    fn dispatch<const PLAIN: bool>(&mut self, time: SimTime, ev: Scheduled<M>) {
        let core = &mut self.core;
        debug_assert!(time >= core.now, "time went backwards");
        core.now = time;
        let index = core.events;
        core.events += 1;
        let target = ev.target.get();
        let incarnation = ev.incarnation.get();
        let (kind, source) = match &ev.what {
            Pending::Init => (KIND_INIT, 0),
            Pending::Timer(_) => (KIND_TIMER, 0),
            Pending::Message { from, .. } => (KIND_MESSAGE, u64::from(from.get())),
            Pending::Restart => (KIND_RESTART, 0),
            Pending::Fault(_) => (KIND_FAULT, 0),
        };
        let live = target == ENGINE
            || matches!(ev.what, Pending::Restart)
            || core.nodes[target as usize].up
                && core.nodes[target as usize].incarnation == incarnation;
        let kind = if live { kind } else { KIND_DROPPED };
        // A paused node handles nothing: its events wait, in order, for it to resume.
        let deferred = core.pauses
            && live
            && target != ENGINE
            && core.nodes[target as usize].paused_until > time
            && !matches!(ev.what, Pending::Restart);
        let kind = if deferred { KIND_DEFERRED } else { kind };
        core.digest = fold(
            fold(core.digest, time.0),
            kind << 56 ^ u64::from(target) << 24 ^ source,
        );
        if !PLAIN {
            core.observe(index, time, target, kind, &ev.what);
        }
        if deferred {
            let until = core.nodes[target as usize].paused_until;
            if let (Some(log), Pending::Message { from, .. }) =
                (core.msg_log.as_deref_mut(), &ev.what)
            {
                log.settle(
                    NodeId(from.get()),
                    NodeId(target),
                    time,
                    Fate::InFlight { arrive_at: until },
                );
            }
            core.push(until, target, incarnation, ev.what);
            return;
        }
        if !live {
            if let Pending::Message { from, .. } = ev.what {
                core.network.stats.to_down_node += 1;
                if let Some(log) = core.msg_log.as_deref_mut() {
                    log.settle(
                        NodeId(from.get()),
                        NodeId(target),
                        time,
                        Fate::DroppedAtDownNode { at: time },
                    );
                }
            }
            return;
        }
        let me = NodeId(target);
        let event = match ev.what {
            Pending::Init => Event::Init,
            Pending::Timer(m) => Event::Timer(m),
            Pending::Message { from, msg } => {
                let from = NodeId(from.get());
                core.network.stats.delivered += 1;
                if let Some(log) = core.msg_log.as_deref_mut() {
                    log.settle(from, me, time, Fate::Delivered { at: time });
                }
                Event::Message { from, msg }
            }
            Pending::Restart => return self.restart(me),
            Pending::Fault(f) => {
                let fault = self.core.faults[f.get() as usize].clone();
                return self.apply_fault(fault);
            }
        };
        let mut ctx = Ctx { core, me };
        self.components[target as usize].on_event(event, &mut ctx);
    }

    fn restart(&mut self, node: NodeId) {
        let state = &mut self.core.nodes[node.index()];
        if state.up {
            return;
        }
        state.up = true;
        let mut ctx = Ctx {
            core: &mut self.core,
            me: node,
        };
        self.components[node.index()].on_restart(&mut ctx);
    }

    fn apply_fault(&mut self, fault: Fault) {
        let now = self.core.now;
        let net = &mut self.core.network;
        match fault {
            Fault::Crash {
                node,
                restart_after,
            } => {
                let state = &mut self.core.nodes[node.index()];
                if state.up {
                    state.up = false;
                    state.incarnation = state.incarnation.wrapping_add(1);
                    self.components[node.index()].on_crash(&mut self.core.world);
                }
                if let Some(d) = restart_after {
                    self.core.push(now + d, node.0, 0, Pending::Restart);
                }
            }
            Fault::Restart { node } => self.restart(node),
            Fault::Partition { groups } => net.partition(&groups),
            Fault::OneWayPartition { from, to } => net.partition_one_way(&from, &to),
            Fault::Heal => net.heal(),
            Fault::Slow { node, factor } => self.core.nodes[node.index()].slow_factor = factor,
            Fault::LatencySpike { nodes, extra } => {
                if nodes.is_empty() {
                    for i in 0..self.core.nodes.len() {
                        net.set_extra_latency(NodeId(i as u32), extra);
                    }
                } else {
                    for n in nodes {
                        net.set_extra_latency(n, extra);
                    }
                }
            }
            Fault::Pause { node, duration } => {
                self.core.pauses = true;
                let state = &mut self.core.nodes[node.index()];
                state.paused_until = state.paused_until.max(now + duration);
            }
            Fault::ClockSkew {
                node,
                offset_ns,
                drift_ppb,
            } => {
                let state = &mut self.core.nodes[node.index()];
                state.clock_offset_ns = offset_ns;
                state.clock_drift_ppb = drift_ppb;
            }
        }
    }

    /// The current simulated time: the instant of the last event processed, or the time limit
    /// a run stopped at.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.run(RunLimits::until(SimTime(SimDuration::from_micros(2_500).as_nanos())));
    /// assert_eq!(sim.now(), SimTime(2_500_000));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.now(), SimTime(10_000_000)); // the last timer
    /// ```
    pub fn now(&self) -> SimTime {
        self.core.now
    }
    /// The 64-bit digest of every event processed so far: (time, kind, target, sender) of
    /// each, folded in order. Same setup and seed, same digest.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// let before = sim.digest();
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_ne!(sim.digest(), before);
    /// ```
    pub fn digest(&self) -> u64 {
        self.core.digest
    }
    /// Events processed so far (dropped and deferred ones included).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.events_processed(), 11);
    /// ```
    pub fn events_processed(&self) -> u64 {
        self.core.events
    }
    /// Live events waiting in the queue (cancelled timers are not counted).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// assert_eq!(sim.events_pending(), 1); // the init event
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.events_pending(), 0);
    /// ```
    pub fn events_pending(&self) -> usize {
        self.core.queue.len()
    }
    /// Events dropped because the queue was full (the run stops with `QueueFull`): a model
    /// that floods the queue, never a silent loss.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.queue_full_drops(), 0);
    /// ```
    pub fn queue_full_drops(&self) -> u64 {
        self.core.queue_full_drops
    }
    /// What the network did with the messages so far; every send is in one bucket.
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    ///
    /// /// Node 0 sends to node 1 at init, when node 1 has already crashed.
    /// struct Send;
    /// impl Component<(), ()> for Send {
    ///     fn on_event(&mut self, e: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
    ///         if let (Event::Init, NodeId(0)) = (e, ctx.me()) {
    ///             ctx.send(NodeId(1), ());
    ///         }
    ///     }
    /// }
    /// let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(1), ());
    /// sim.add_component("a", Box::new(Send));
    /// let b = sim.add_component("b", Box::new(Send));
    /// sim.schedule_fault(SimTime::ZERO, Fault::Crash { node: b, restart_after: None }).expect("ok");
    /// sim.run(RunLimits::UNLIMITED);
    /// let stats = sim.net_stats();
    /// assert_eq!((stats.sent, stats.delivered, stats.to_down_node), (1, 0, 1));
    /// ```
    pub fn net_stats(&self) -> &NetStats {
        &self.core.network.stats
    }
    /// The shared world state.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(*sim.world(), 11);
    /// ```
    pub fn world(&self) -> &W {
        &self.core.world
    }

    /// The component of `node`, read back as its type `C` (`None` for another type or an
    /// unknown node): its state after a run.
    ///
    /// ```
    /// use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// use sim_core::network::NodeId;
    ///
    /// struct Counter { seen: u32 }
    /// impl Component<(), ()> for Counter {
    ///     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), ()>) {
    ///         self.seen += 1;
    ///     }
    /// }
    /// let mut sim = Simulation::new(1, ());
    /// let node = sim.add_component("counter", Box::new(Counter { seen: 0 }));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.component::<Counter>(node).map(|c| c.seen), Some(1));
    /// assert!(sim.component::<u8>(node).is_none(), "not its type");
    /// sim.component_mut::<Counter>(node).expect("a counter").seen = 0;
    /// assert!(sim.component::<Counter>(NodeId(5)).is_none(), "no such node");
    /// ```
    pub fn component<C: 'static>(&self, node: NodeId) -> Option<&C> {
        self.components.get(node.index())?.as_any().downcast_ref()
    }

    /// The component of `node` as its type `C`, mutably (see `component`).
    pub fn component_mut<C: 'static>(&mut self, node: NodeId) -> Option<&mut C> {
        self.components
            .get_mut(node.index())?
            .as_any_mut()
            .downcast_mut()
    }
    /// The shared world state, mutably (for setup between runs).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.run(RunLimits::until(SimTime(SimDuration::from_millis(4).as_nanos())));
    /// *sim.world_mut() = 9; // the component sees it at its next event
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(*sim.world(), 11);
    /// ```
    pub fn world_mut(&mut self) -> &mut W {
        &mut self.core.world
    }
    /// Takes the world out, ending the simulation.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.run(RunLimits::UNLIMITED);
    /// let counted: u32 = sim.into_world();
    /// assert_eq!(counted, 11);
    /// ```
    pub fn into_world(self) -> W {
        self.core.world
    }
    /// Digest checkpoints recorded so far (see `set_checkpoint_every`); the last one after
    /// the whole run is the digest.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// sim.set_checkpoint_every(11);
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.checkpoints(), &[sim.digest()]);
    /// ```
    pub fn checkpoints(&self) -> &[u64] {
        &self.core.checkpoints
    }
    /// Events recorded in the trace window so far (see `set_trace_window`).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// assert!(sim.trace().is_empty(), "no window, no records");
    /// sim.set_trace_window(10, 20);
    /// sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.trace().len(), 1); // the last event, index 10
    /// assert_eq!(sim.trace()[0].time, SimTime(10_000_000));
    /// ```
    pub fn trace(&self) -> &[EventRecord] {
        &self.core.trace
    }
    /// Number of nodes.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// assert_eq!(sim.node_count(), 1);
    /// ```
    pub fn node_count(&self) -> usize {
        self.core.nodes.len()
    }
    /// The name a node was added with (`None` for an unknown id).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// #
    /// # /// Counts its events in the world; a timer every millisecond, ten in all.
    /// # struct Ten;
    /// # impl Component<(), u32> for Ten {
    /// #     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), u32>) {
    /// #         *ctx.world() += 1;
    /// #         if *ctx.world() <= 10 {
    /// #             ctx.set_timer(SimDuration::from_millis(1), ());
    /// #         }
    /// #     }
    /// # }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("ten", Box::new(Ten));
    /// use sim_core::network::NodeId;
    /// assert_eq!(sim.node_name(NodeId(0)), Some("ten"));
    /// assert_eq!(sim.node_name(NodeId(1)), None);
    /// ```
    pub fn node_name(&self, node: NodeId) -> Option<&str> {
        self.core.nodes.get(node.index()).map(|n| n.name.as_str())
    }
    /// `true` while the node is up (`false` for an unknown id).
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::{LinkSpec, NodeId};
    /// use sim_core::simulation::{RunLimits, Simulation};
    /// use sim_core::time::{SimDuration, SimTime};
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::new(1, ());
    /// let node = sim.add_component("db", Box::new(Quiet));
    /// let crash = Fault::Crash { node, restart_after: Some(SimDuration::from_nanos(10)) };
    /// sim.schedule_fault(SimTime(5), crash).expect("exists");
    /// sim.run(RunLimits::until(SimTime(5)));
    /// assert!(!sim.is_up(node));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert!(sim.is_up(node) && !sim.is_up(NodeId(1)));
    /// ```
    pub fn is_up(&self, node: NodeId) -> bool {
        self.core.nodes.get(node.index()).is_some_and(|n| n.up)
    }
    /// `true` when the network would drop a message from `from` to `to` now.
    ///
    /// ```
    /// use sim_core::fault::Fault;
    /// use sim_core::network::LinkSpec;
    /// use sim_core::simulation::{RunLimits, Simulation};
    /// use sim_core::time::SimTime;
    /// # use sim_core::simulation::{Component, Ctx, Event};
    /// # struct Quiet;
    /// # impl<W> Component<(), W> for Quiet {
    /// #     fn on_event(&mut self, _: Event<()>, _: &mut Ctx<'_, (), W>) {}
    /// # }
    ///
    /// let mut sim = Simulation::new(1, ());
    /// let [a, b] = ["a", "b"].map(|n| sim.add_component(n, Box::new(Quiet)));
    /// let cut = Fault::OneWayPartition { from: vec![a], to: vec![b] };
    /// sim.schedule_fault(SimTime(1), cut).expect("exist");
    /// sim.schedule_fault(SimTime(2), Fault::Heal).expect("valid");
    /// sim.run(RunLimits::until(SimTime(1)));
    /// assert!(sim.is_partitioned(a, b) && !sim.is_partitioned(b, a));
    /// sim.run(RunLimits::UNLIMITED);
    /// assert!(!sim.is_partitioned(a, b));
    /// ```
    pub fn is_partitioned(&self, from: NodeId, to: NodeId) -> bool {
        self.core.network.blocked(from, to)
    }
}

impl<M: Clone + Debug, W> Core<M, W> {
    #[inline]
    fn push(
        &mut self,
        at: SimTime,
        target: u32,
        incarnation: u32,
        what: Pending<M>,
    ) -> Option<EventHandle> {
        let handle = self.queue.push(
            at,
            Scheduled {
                target: U32Bytes::new(target),
                incarnation: U32Bytes::new(incarnation),
                what,
            },
        );
        if handle.is_none() {
            self.queue_full_drops += 1;
        }
        handle
    }

    #[cold]
    fn log_send(&mut self, from: NodeId, to: NodeId, fate: Fate, detail: String, duplicate: bool) {
        if let Some(log) = self.msg_log.as_deref_mut() {
            log.push(MessageRecord {
                sent_at: self.now,
                from,
                to,
                fate,
                detail,
                duplicate,
            });
        }
    }

    fn check_node(&self, node: NodeId) -> Result<(), SimError> {
        if node.index() < self.nodes.len() {
            Ok(())
        } else {
            Err(SimError::unknown_node(node.0, self.nodes.len()))
        }
    }

    /// The trace window, the copy of the last event and the checkpoints, for one event.
    #[inline]
    fn observe(&mut self, index: u64, time: SimTime, target: u32, kind: u64, what: &Pending<M>) {
        if index >= self.trace_from && index < self.trace_to {
            self.record(index, time, target, kind, what);
        }
        if self.keep_last {
            self.last = Some((index, time, target, kind, what.clone()));
        }
        if self.checkpoint_every != 0 && self.events % self.checkpoint_every == 0 {
            self.checkpoints.push(self.digest);
        }
    }

    #[cold]
    fn record(&mut self, index: u64, time: SimTime, target: u32, kind: u64, what: &Pending<M>) {
        let record = self.describe(index, time, target, kind, what);
        self.trace.push(record);
    }

    fn describe(
        &self,
        index: u64,
        time: SimTime,
        target: u32,
        kind: u64,
        what: &Pending<M>,
    ) -> EventRecord {
        let (name, detail) = match what {
            Pending::Init => ("init", String::new()),
            Pending::Timer(m) => ("timer", format!("{m:?}")),
            Pending::Message { msg, .. } => ("message", format!("{msg:?}")),
            Pending::Restart => ("restart", String::new()),
            Pending::Fault(f) => {
                let fault = &self.faults[f.get() as usize];
                (fault.kind_name(), format!("{fault:?}"))
            }
        };
        let (name, detail) = match kind {
            KIND_DROPPED => ("dropped", format!("{name} {detail}")),
            KIND_DEFERRED => ("deferred", format!("{name} {detail}")),
            _ => (name, detail),
        };
        let source = match what {
            Pending::Message { from, .. } => Some(NodeId(from.get())),
            _ => None,
        };
        EventRecord {
            index,
            time,
            target: (target != ENGINE).then_some(NodeId(target)),
            source,
            kind: name,
            detail: detail.trim_end().to_string(),
        }
    }
}

impl<M: Clone + Debug, W> Ctx<'_, M, W> {
    /// The simulator's true time (what an outside observer sees; a node's own clock is
    /// `local_time`).
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, Vec<SimTime>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<SimTime>>) {
    ///         let now = ctx.now();
    ///         ctx.world().push(now);
    ///         if now < SimTime(3) {
    ///             ctx.set_timer(SimDuration::from_nanos(1), 0);
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("probe", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[SimTime(0), SimTime(1), SimTime(2), SimTime(3)]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    pub fn now(&self) -> SimTime {
        self.core.now
    }

    /// This node's id: dense, in the order nodes were added.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, Vec<NodeId>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<NodeId>>) {
    ///         if let Event::Init = event {
    ///             let me = ctx.me();
    ///             ctx.world().push(me);
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("a", Box::new(Probe));
    /// # sim.add_component("b", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[NodeId(0), NodeId(1)]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// This node's name, as it was added.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, Vec<String>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<String>>) {
    ///         let name = ctx.name().to_string();
    ///         ctx.world().push(name);
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("api#0", Box::new(Probe));
    /// # sim.add_component("api#1", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &["api#0", "api#1"]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    pub fn name(&self) -> &str {
        &self.core.nodes[self.me.index()].name
    }

    /// This node's own clock: true time shifted by its offset and drift (clock-skew faults).
    /// Leases and last-writer-wins must read this, not `now`.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// # use sim_core::fault::Fault;
    /// struct Probe;
    /// impl Component<u32, Vec<(SimTime, SimTime)>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<(SimTime, SimTime)>>) {
    ///         match event {
    ///             Event::Init => {
    ///                 ctx.set_timer(SimDuration::from_millis(1), 0);
    ///             }
    ///             _ => {
    ///                 let (now, local) = (ctx.now(), ctx.local_time());
    ///                 ctx.world().push((now, local));
    ///             }
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("probe", Box::new(Probe));
    /// # let skew = Fault::ClockSkew { node: NodeId(0), offset_ns: 5_000_000, drift_ppb: 1_000_000 };
    /// # sim.schedule_fault(SimTime::ZERO, skew).expect("exists");
    /// # sim.run(RunLimits::UNLIMITED);
    /// // 5 ms ahead, and running fast by 1,000 ppm (1 µs per ms).
    /// assert_eq!(sim.world(), &[(SimTime(1_000_000), SimTime(6_001_000))]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    pub fn local_time(&self) -> SimTime {
        let n = &self.core.nodes[self.me.index()];
        let t = i128::from(self.core.now.0);
        let local =
            t + i128::from(n.clock_offset_ns) + t * i128::from(n.clock_drift_ppb) / 1_000_000_000;
        SimTime(local.clamp(0, i128::from(u64::MAX)) as u64)
    }

    /// This node's own random stream (named after the node, so the same seed and name give
    /// the same numbers whatever else the simulation holds).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// struct Dice;
    /// impl Component<(), Vec<u64>> for Dice {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), Vec<u64>>) {
    ///         let roll = ctx.rng().below(6) + 1;
    ///         ctx.world().push(roll);
    ///     }
    /// }
    /// let rolls = |nodes: &[&str]| {
    ///     let mut sim = Simulation::new(7, Vec::new());
    ///     for n in nodes {
    ///         sim.add_component(*n, Box::new(Dice));
    ///     }
    ///     sim.run(RunLimits::UNLIMITED);
    ///     sim.into_world()
    /// };
    /// let alone = rolls(&["die"]);
    /// let beside = rolls(&["other", "die"]);
    /// assert!((1..=6).contains(&alone[0]));
    /// assert_eq!(alone[0], beside[1], "the same stream, whatever was added before");
    /// ```
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.core.nodes[self.me.index()].rng
    }

    /// A new stream for a purpose of this node, independent of every other stream: drawing
    /// from it shifts no other stream, so a new feature does not change old runs.
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// struct Node { jitter: bool }
    /// impl Component<(), Vec<u64>> for Node {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), Vec<u64>>) {
    ///         if self.jitter {
    ///             let _ = ctx.stream("jitter").next_u64(); // a new use of randomness
    ///         }
    ///         let draw = ctx.rng().next_u64();
    ///         ctx.world().push(draw);
    ///     }
    /// }
    /// let draws = |jitter| {
    ///     let mut sim = Simulation::new(7, Vec::new());
    ///     sim.add_component("n", Box::new(Node { jitter }));
    ///     sim.run(RunLimits::UNLIMITED);
    ///     sim.into_world()
    /// };
    /// assert_eq!(draws(false), draws(true));
    /// ```
    pub fn stream(&self, purpose: &str) -> SimRng {
        let name = &self.core.nodes[self.me.index()].name;
        SimRng::stream(self.core.seed, &format!("node/{name}/{purpose}"), 0)
    }

    /// The scenario seed (to derive streams shared across designs, such as arrivals).
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, u64> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, u64>) {
    ///         let seed = ctx.seed();
    ///         *ctx.world() = seed;
    ///     }
    /// }
    /// # let mut sim = Simulation::new(2024, 0u64);
    /// # sim.add_component("probe", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(*sim.world(), 2024);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    pub fn seed(&self) -> u64 {
        self.core.seed
    }

    /// Delivers `msg` back to this node after `delay`; cancellable through the returned id.
    /// A crash drops the timers set before it.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, Vec<(u64, u32)>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<(u64, u32)>>) {
    ///         match event {
    ///             Event::Init => {
    ///                 ctx.set_timer(SimDuration::from_millis(20), 2);
    ///                 ctx.set_timer(SimDuration::from_millis(10), 1);
    ///             }
    ///             Event::Timer(n) => {
    ///                 let ms = ctx.now().as_nanos() / 1_000_000;
    ///                 ctx.world().push((ms, n));
    ///             }
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("probe", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[(10, 1), (20, 2)]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    pub fn set_timer(&mut self, delay: SimDuration, msg: M) -> TimerId {
        let at = self.core.now + delay;
        let inc = self.core.nodes[self.me.index()].incarnation;
        match self.core.push(at, self.me.0, inc, Pending::Timer(msg)) {
            Some(h) => TimerId(h),
            // The queue is full and the run is about to stop; a dead handle is harmless.
            None => TimerId(EventHandle::dangling()),
        }
    }

    /// Cancels a timer; `false` when it already fired or was cancelled (`TimerId`'s example
    /// cancels one before it fires).
    ///
    /// ```
    /// # use sim_core::network::LinkSpec;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, TimerId};
    /// # use sim_core::time::SimDuration;
    /// struct Late { timer: Option<TimerId> }
    /// impl Component<(), Vec<bool>> for Late {
    ///     fn on_event(&mut self, e: Event<()>, ctx: &mut Ctx<'_, (), Vec<bool>>) {
    ///         match (e, self.timer) {
    ///             (Event::Init, _) => self.timer = Some(ctx.set_timer(SimDuration::from_millis(1), ())),
    ///             (Event::Timer(()), Some(fired)) => {
    ///                 let cancelled = ctx.cancel_timer(fired);
    ///                 ctx.world().push(cancelled);
    ///             }
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("late", Box::new(Late { timer: None }));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[false], "too late: it fired");
    /// ```
    #[inline]
    pub fn cancel_timer(&mut self, timer: TimerId) -> bool {
        self.core.queue.cancel(timer.0)
    }

    /// Sends `msg` to `to` over the network (no size: no serialisation delay). It arrives
    /// after the link's latency unless the link loses it, a partition drops it, or `to` is down
    /// or crashes meanwhile (`NetStats` counts each). An unknown `to` is a bug of the model
    /// and panics, as an index out of range would; `try_send` returns it as an error.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, Vec<(u64, NodeId, u32)>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<(u64, NodeId, u32)>>) {
    ///         match event {
    ///             Event::Init if ctx.me() == NodeId(0) => {
    ///                 ctx.send(NodeId(1), 5);
    ///                 assert!(ctx.try_send(NodeId(9), 5).is_err(), "no node 9");
    ///             }
    ///             Event::Message { from, msg } => {
    ///                 let ms = ctx.now().as_nanos() / 1_000_000;
    ///                 ctx.world().push((ms, from, msg));
    ///             }
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::with_latency(1, sim_core::time::SimDuration::from_millis(4), Vec::new());
    /// # sim.add_component("a", Box::new(Probe));
    /// # sim.add_component("b", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[(4, NodeId(0), 5)]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    #[track_caller]
    pub fn send(&mut self, to: NodeId, msg: M) {
        self.send_sized(to, msg, 0);
    }

    /// `send`, with an unknown `to` returned as an error instead of a panic (`send`'s
    /// example shows both).
    #[inline]
    pub fn try_send(&mut self, to: NodeId, msg: M) -> Result<(), SimError> {
        self.try_send_sized(to, msg, 0)
    }

    /// Sends a message of `bytes` bytes: bandwidth-limited links add its transmission time,
    /// one message after another (the second waits for the first).
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// struct Upload;
    /// impl Component<(), Vec<u64>> for Upload {
    ///     fn on_event(&mut self, e: Event<()>, ctx: &mut Ctx<'_, (), Vec<u64>>) {
    ///         match e {
    ///             Event::Init if ctx.me() == NodeId(0) => {
    ///                 for _ in 0..2 {
    ///                     ctx.send_sized(NodeId(1), (), 1_000);
    ///                 }
    ///             }
    ///             Event::Message { .. } => {
    ///                 let ms = ctx.now().as_nanos() / 1_000_000;
    ///                 ctx.world().push(ms);
    ///             }
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// // 1 ms of latency, 1 MB/s: 1,000 bytes take 1 ms to send.
    /// let link = LinkSpec { bandwidth_bytes_per_s: Some(1e6), ..LinkSpec::constant_ms(1.0) };
    /// # let mut sim = Simulation::with_link(1, link, Vec::new()).expect("valid");
    /// # sim.add_component("a", Box::new(Upload));
    /// # sim.add_component("b", Box::new(Upload));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[2, 3]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn send_sized(&mut self, to: NodeId, msg: M, bytes: u64) {
        if let Err(e) = self.try_send_sized(to, msg, bytes) {
            panic!("send to an unknown node: {e}");
        }
    }

    /// `send_sized`, with an unknown `to` returned as an error instead of a panic.
    ///
    /// ```
    /// # use sim_core::network::NodeId;
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// struct Lost;
    /// impl Component<(), ()> for Lost {
    ///     fn on_event(&mut self, _: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
    ///         assert!(ctx.try_send_sized(NodeId(3), (), 10).is_err());
    ///     }
    /// }
    /// let mut sim = Simulation::new(1, ());
    /// sim.add_component("lost", Box::new(Lost));
    /// sim.run(RunLimits::UNLIMITED);
    /// ```
    pub fn try_send_sized(&mut self, to: NodeId, msg: M, bytes: u64) -> Result<(), SimError> {
        // One branch when the message log is off: the logging code is compiled out of the
        // `LOG = false` copy, and the `LOG = true` copy is kept out of line.
        if self.core.msg_log.is_none() {
            self.send_with::<false>(to, msg, bytes)
        } else {
            self.send_logged(to, msg, bytes)
        }
    }

    #[cold]
    #[inline(never)]
    fn send_logged(&mut self, to: NodeId, msg: M, bytes: u64) -> Result<(), SimError> {
        self.send_with::<true>(to, msg, bytes)
    }

    #[inline(always)]
    fn send_with<const LOG: bool>(
        &mut self,
        to: NodeId,
        msg: M,
        bytes: u64,
    ) -> Result<(), SimError> {
        self.core.check_node(to)?;
        let core = &mut *self.core;
        core.network.stats.sent += 1;
        let now = core.now;
        // A message is delivered iff its target is up when it arrives and has not crashed
        // since it was sent: the incarnation at send time is checked at delivery.
        let target_inc = core.nodes[to.index()].incarnation;
        let from = self.me;
        // The message log, when on and in its window, keeps the payload's text.
        let logged = match core.msg_log.as_deref() {
            Some(log) if LOG && log.wants(now) => Some(format!("{msg:?}")),
            _ => None,
        };
        if from == to {
            core.push(now, to.0, target_inc, Pending::message(from, msg));
            if let Some(detail) = logged {
                core.log_send(from, to, Fate::InFlight { arrive_at: now }, detail, false);
            }
            return Ok(());
        }
        let rng = &mut core.nodes[from.index()].net_rng;
        let fate = match core.network.route(now, from, to, bytes, rng) {
            Route::Lost => {
                core.network.stats.lost += 1;
                Fate::Lost
            }
            Route::Partitioned => {
                core.network.stats.partitioned += 1;
                Fate::Partitioned
            }
            Route::Deliver(delay, copy) => {
                if let Some(d) = copy {
                    core.network.stats.duplicated += 1;
                    let dup = Pending::message(from, msg.clone());
                    core.push(now + d, to.0, target_inc, dup);
                    if let Some(detail) = &logged {
                        let due = Fate::InFlight { arrive_at: now + d };
                        core.log_send(from, to, due, detail.clone(), true);
                    }
                }
                core.push(now + delay, to.0, target_inc, Pending::message(from, msg));
                Fate::InFlight {
                    arrive_at: now + delay,
                }
            }
        };
        if let Some(detail) = logged {
            core.log_send(from, to, fate, detail, false);
        }
        Ok(())
    }

    /// Multiplier on this node's work durations (slow-node faults); 1.0 normally.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// # use sim_core::fault::Fault;
    /// struct Probe;
    /// impl Component<u32, Vec<f64>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<f64>>) {
    ///         if let Event::Init = event {
    ///             ctx.set_timer(SimDuration::from_millis(1), 0);
    ///         }
    ///         let factor = ctx.slow_factor();
    ///         ctx.world().push(factor);
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("probe", Box::new(Probe));
    /// # sim.schedule_fault(SimTime(1), Fault::Slow { node: NodeId(0), factor: 2.5 }).expect("ok");
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[1.0, 2.5]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    pub fn slow_factor(&self) -> f64 {
        self.core.nodes[self.me.index()].slow_factor
    }

    /// `work` stretched by this node's slow factor: how long a piece of work takes here, now.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// # use sim_core::fault::Fault;
    /// struct Probe;
    /// impl Component<u32, Vec<SimDuration>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<SimDuration>>) {
    ///         if let Event::Init = event {
    ///             ctx.set_timer(SimDuration::from_millis(1), 0);
    ///         }
    ///         let took = ctx.work(SimDuration::from_millis(2));
    ///         ctx.world().push(took);
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("probe", Box::new(Probe));
    /// # sim.schedule_fault(SimTime(1), Fault::Slow { node: NodeId(0), factor: 3.0 }).expect("ok");
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[SimDuration::from_millis(2), SimDuration::from_millis(6)]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    pub fn work(&self, work: SimDuration) -> SimDuration {
        let f = self.slow_factor();
        if f == 1.0 { work } else { work.mul_f64(f) }
    }

    /// The shared world state (metrics, ledgers): what the nodes record for the run's
    /// results, read afterwards with `Simulation::world`.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, u32> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, u32>) {
    ///         *ctx.world() += 1;
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, 0u32);
    /// # sim.add_component("a", Box::new(Probe));
    /// # sim.add_component("b", Box::new(Probe));
    /// # sim.add_component("c", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(*sim.world(), 3); // one init event per node
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    #[inline]
    pub fn world(&mut self) -> &mut W {
        &mut self.core.world
    }

    /// Number of nodes in the simulation.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// struct Probe;
    /// impl Component<u32, usize> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, usize>) {
    ///         let n = ctx.node_count();
    ///         *ctx.world() = n;
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, 0usize);
    /// # sim.add_component("a", Box::new(Probe));
    /// # sim.add_component("b", Box::new(Probe));
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(*sim.world(), 2);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    pub fn node_count(&self) -> usize {
        self.core.nodes.len()
    }

    /// Oracle view: `true` while `node` is up. Real nodes cannot know this; use it for
    /// instrumentation, or for models of a perfect failure detector.
    ///
    /// ```
    /// # use sim_core::network::{LinkSpec, NodeId};
    /// # use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    /// # use sim_core::time::{SimDuration, SimTime};
    /// # use sim_core::fault::Fault;
    /// struct Probe;
    /// impl Component<u32, Vec<bool>> for Probe {
    ///     fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, Vec<bool>>) {
    ///         match event {
    ///             Event::Init if ctx.me() == NodeId(0) => {
    ///                 ctx.set_timer(SimDuration::from_millis(1), 0);
    ///             }
    ///             Event::Timer(_) => {
    ///                 let peer_up = ctx.is_up(NodeId(1));
    ///                 ctx.world().push(peer_up);
    ///             }
    ///             _ => {}
    ///         }
    ///     }
    /// }
    /// # let mut sim = Simulation::new(1, Vec::new());
    /// # sim.add_component("a", Box::new(Probe));
    /// # sim.add_component("b", Box::new(Probe));
    /// # sim.schedule_fault(SimTime(5), Fault::Crash { node: NodeId(1), restart_after: None }).expect("ok");
    /// # sim.run(RunLimits::UNLIMITED);
    /// assert_eq!(sim.world(), &[false]);
    /// # let _ = (NodeId(0), SimTime::ZERO, SimDuration::ZERO);
    /// ```
    pub fn is_up(&self, node: NodeId) -> bool {
        self.core.nodes.get(node.index()).is_some_and(|n| n.up)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_queue::slot_bytes;

    #[test]
    fn a_queued_event_has_no_padding() {
        // Generation, target and incarnation (4 bytes each), the kind (1), and the sender or
        // the fault (4): no padding, so 100,000 pending timers hold 1.7 MB, not 2.0.
        assert_eq!(slot_bytes::<Scheduled<()>>(), 17);
        assert_eq!(slot_bytes::<Scheduled<u8>>(), 18);
        // A message aligned to 8 bytes (as models' `Msg`) pads the 17 to 24, as before.
        assert_eq!(slot_bytes::<Scheduled<[u64; 3]>>(), 48);
    }
}
