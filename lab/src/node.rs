//! What you implement: a replica ([`Node`]) reacting to client requests, messages from
//! other replicas and its own timers, through a [`NodeCtx`].
//!
//! **Effects are data.** A handler never touches the network or the clock itself: it asks
//! its context to send, reply or set a timer, and the harness applies those requests once
//! the handler returns, in the order they were made. So a handler is a plain function of
//! its state and its input, and a run replays exactly under the same seed.
//!
//! **Crashes.** When the scenario crashes a replica, the harness drops your node value:
//! everything in its fields (the *volatile* state) is gone, and so are its timers and the
//! messages on their way to it. When it restarts, [`Node::boot`] builds a fresh value; the
//! only thing that survives is [`Node::Durable`], which the harness keeps for you and hands
//! back through [`NodeCtx::durable`]. Writes to it are synchronous, as if fsynced before the
//! handler returns.

use crate::workload::{Answer, Op};
use sim_core::rng::SimRng;
use sim_core::time::{SimDuration, SimTime};
use std::fmt::{self, Debug};

/// A replica's index: `ReplicaId(0)` .. `ReplicaId(n - 1)`; in scenario files `kv#i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplicaId(pub u32);

impl fmt::Display for ReplicaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}

/// A client's index (all groups numbered together).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClientId(pub u32);

/// A client's request, as a replica receives it. Keep it to answer later (after a quorum
/// round, say), or pass it to another replica: whoever holds it can answer it with
/// [`NodeCtx::reply`], and the answer goes straight to the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Who asked.
    pub client: ClientId,
    /// The client's number for the request; answers are matched by it.
    pub id: u64,
    /// What it asks.
    pub op: Op,
}

/// Names a timer set with [`NodeCtx::set_timer`], to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub(crate) u64);

/// A replica you write: its fields are its volatile state. It must implement `Debug`
/// (`#[derive(Debug)]`): single-step mode prints a node's state after each of its events
/// (`--state kv#2`), and a panic report shows it.
///
/// ```
/// use lab::{Answer, Node, NodeCtx, Op, ReplicaId, Request};
///
/// /// One register in memory: correct while nothing fails.
/// #[derive(Debug)]
/// struct Single {
///     value: Option<u64>,
/// }
///
/// impl Node for Single {
///     type Msg = ();
///     type Timer = ();
///     type Durable = ();
///
///     fn boot(_ctx: &mut NodeCtx<'_, Self>) -> Self {
///         Single { value: None }
///     }
///
///     fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
///         let answer = match req.op {
///             Op::Read { .. } => Answer::Value(self.value),
///             Op::Write { value, .. } => {
///                 self.value = Some(value);
///                 Answer::Written
///             }
///             _ => Answer::Unavailable,
///         };
///         ctx.reply(&req, answer);
///     }
///
///     fn on_message(&mut self, _ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, _msg: ()) {}
/// }
/// ```
pub trait Node: Debug + Sized + 'static {
    /// Messages between replicas.
    type Msg: Clone + Debug + 'static;
    /// What a timer carries back when it fires.
    type Timer: Clone + Debug + 'static;
    /// State that survives a crash (`()` for none); starts as `Default::default()`.
    type Durable: Clone + Debug + Default + 'static;

    /// Builds the node: at the start of the run, and again after each restart (read what
    /// survived with [`NodeCtx::durable`]). Set the first timers here.
    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self;

    /// A client's request arrived.
    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request);

    /// A message from another replica arrived.
    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, from: ReplicaId, msg: Self::Msg);

    /// A timer this node set fired (never one set before a crash).
    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, timer: Self::Timer) {
        let _ = (ctx, timer);
    }

    /// The node's current state for a convergence check (counters and sets), sampled by
    /// the harness at regular instants, with the durable state at hand; `None` (the
    /// default) when there is nothing to compare.
    fn observe(&self, durable: &Self::Durable) -> Option<crate::Observation> {
        let _ = durable;
        None
    }
}

/// One effect a handler asked for, applied by the harness after the handler returns.
#[derive(Clone, Debug)]
pub(crate) enum Effect<M, T> {
    Send(ReplicaId, M),
    Reply(Request, Answer),
    SetTimer(TimerId, SimDuration, T),
    CancelTimer(TimerId),
}

/// What a handler sees of the world, and how it acts on it.
pub struct NodeCtx<'a, N: Node> {
    pub(crate) me: ReplicaId,
    pub(crate) replicas: u32,
    pub(crate) now: SimTime,
    pub(crate) local_time: SimTime,
    pub(crate) rng: &'a mut SimRng,
    pub(crate) durable: &'a mut N::Durable,
    pub(crate) effects: &'a mut Vec<Effect<N::Msg, N::Timer>>,
    pub(crate) next_timer: &'a mut u64,
}

impl<N: Node> NodeCtx<'_, N> {
    /// This replica.
    pub fn me(&self) -> ReplicaId {
        self.me
    }

    /// How many replicas the cluster has.
    pub fn cluster_size(&self) -> u32 {
        self.replicas
    }

    /// The smallest majority of the cluster: `n / 2 + 1`.
    pub fn majority(&self) -> u32 {
        self.replicas / 2 + 1
    }

    /// Every replica, this one included, in order.
    pub fn replicas(&self) -> impl Iterator<Item = ReplicaId> {
        (0..self.replicas).map(ReplicaId)
    }

    /// Every other replica, in order.
    pub fn peers(&self) -> impl Iterator<Item = ReplicaId> {
        let me = self.me;
        self.replicas().filter(move |r| *r != me)
    }

    /// The simulated time (what an outside observer sees). Protocols should time things
    /// with timers, and compare clocks only through [`NodeCtx::local_time`].
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// This node's own clock, which a clock-skew fault shifts and makes drift.
    pub fn local_time(&self) -> SimTime {
        self.local_time
    }

    /// This node's random stream (seeded from the run's seed and the node's name).
    pub fn rng(&mut self) -> &mut SimRng {
        self.rng
    }

    /// The state that survives crashes; changes are kept at once.
    pub fn durable(&mut self) -> &mut N::Durable {
        self.durable
    }

    /// Sends `msg` to replica `to` over the network (it may be delayed, lost, or dropped
    /// by a partition; a message to itself arrives at once).
    pub fn send(&mut self, to: ReplicaId, msg: N::Msg) {
        self.effects.push(Effect::Send(to, msg));
    }

    /// Sends `msg` to every other replica.
    pub fn broadcast(&mut self, msg: N::Msg) {
        for to in self.peers() {
            self.effects.push(Effect::Send(to, msg.clone()));
        }
    }

    /// Answers a client's request (the answer travels over the network to the client).
    /// The answer must fit the operation (a read gets a value, a write `Written`, ...) or
    /// the client counts it as an error; [`Answer::Unavailable`] always fits.
    pub fn reply(&mut self, req: &Request, answer: Answer) {
        self.effects.push(Effect::Reply(req.clone(), answer));
    }

    /// Delivers `timer` back to this node after `delay`, unless cancelled or the node
    /// crashes first.
    pub fn set_timer(&mut self, delay: SimDuration, timer: N::Timer) -> TimerId {
        let id = TimerId(*self.next_timer);
        *self.next_timer += 1;
        self.effects.push(Effect::SetTimer(id, delay, timer));
        id
    }

    /// Cancels a timer (nothing happens if it already fired).
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.effects.push(Effect::CancelTimer(timer));
    }
}
