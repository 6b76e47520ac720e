//! A gossip counter (a grow-only CRDT counter): always available, eventually consistent.
//!
//! Each replica keeps one count per replica and only ever raises its own: an addition is
//! applied locally and acknowledged at once. Every 100 ms each replica sends its counts to
//! the others, which keep the larger of each pair (a merge that order, loss and duplication
//! cannot break). A read returns the sum of the local counts, which may be behind.
//!
//! Under `scenarios/cap-partition.json` both sides keep accepting additions; their reads
//! disagree during the partition, and once it heals the replicas converge. The check is
//! convergence: after the last update every replica must hold the sum of the acknowledged
//! additions. The report draws each replica's value over time (`charts/convergence.svg`).
//!
//! ```sh
//! cargo run --example gossip-counter              # under the bundled cap-partition
//! ```

use lab::{
    Answer, Check, Example, Node, NodeCtx, Observation, Op, ReplicaId, Request, SimDuration,
    Workload,
};
use std::process::ExitCode;

const GOSSIP_EVERY: SimDuration = SimDuration::from_millis(100);

#[derive(Clone, Debug)]
pub enum Msg {
    /// A replica's counts, one per replica.
    Counts(Vec<i64>),
}

#[derive(Clone, Debug)]
pub enum Timer {
    Gossip,
}

/// The counts, on disk: an acknowledged addition must survive a crash.
#[derive(Clone, Debug, Default)]
pub struct Counts(Vec<i64>);

#[derive(Debug)]
pub struct GossipCounter;

impl Node for GossipCounter {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Counts;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        let n = ctx.cluster_size() as usize;
        ctx.durable().0.resize(n, 0);
        ctx.set_timer(GOSSIP_EVERY, Timer::Gossip);
        GossipCounter
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let me = ctx.me().0 as usize;
        let answer = match req.op {
            Op::Add { amount } => {
                ctx.durable().0[me] += amount;
                Answer::Added
            }
            Op::ReadCounter => Answer::Counter(ctx.durable().0.iter().sum()),
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, msg: Msg) {
        let Msg::Counts(theirs) = msg;
        for (mine, their) in ctx.durable().0.iter_mut().zip(theirs) {
            *mine = (*mine).max(their);
        }
    }

    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, _timer: Timer) {
        let counts = ctx.durable().0.clone();
        ctx.broadcast(Msg::Counts(counts));
        ctx.set_timer(GOSSIP_EVERY, Timer::Gossip);
    }

    fn observe(&self, counts: &Counts) -> Option<Observation> {
        Some(Observation::Counter(counts.0.iter().sum()))
    }
}

fn main() -> ExitCode {
    Example::new("gossip-counter", Workload::counter())
        .scenario("cap-partition")
        .check(Check::Converges)
        .run::<GossipCounter>()
}
