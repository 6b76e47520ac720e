//! A counter that goes up and down and stays available everywhere (a PN-counter, a
//! conflict-free replicated data type).
//!
//! The gossip counter (`gossip-counter.rs`) keeps one count per replica and merges by
//! taking the larger of each: that works only because counts only grow. Here additions
//! may be negative, so each replica keeps two grow-only counts per replica, `plus` (the sum
//! of its positive additions) and `minus` (of its negative ones, as a positive number); the
//! value is the sum of `plus` minus the sum of `minus`. Merging still takes the larger of
//! each count: order, loss and duplication cannot break it. Both are durable, and gossiped
//! every 100 ms.
//!
//! ```sh
//! cargo run --example pn-counter                      # under cap-partition
//! cargo run --example pn-counter -- chaos --seeds 20 --nemesis network,crash,partition,pause
//! ```

use lab::{
    Answer, Check, Example, Node, NodeCtx, Observation, Op, ReplicaId, Request, SimDuration,
    Workload,
};
use std::process::ExitCode;

const GOSSIP_EVERY: SimDuration = SimDuration::from_millis(100);

#[derive(Clone, Debug)]
pub enum Msg {
    /// A replica's counts: `plus` and `minus`, one of each per replica.
    Counts { plus: Vec<i64>, minus: Vec<i64> },
}

#[derive(Clone, Debug)]
pub enum Timer {
    Gossip,
}

/// The counts, on disk.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    pub plus: Vec<i64>,
    pub minus: Vec<i64>,
}

impl Counts {
    fn value(&self) -> i64 {
        self.plus.iter().sum::<i64>() - self.minus.iter().sum::<i64>()
    }
}

#[derive(Debug)]
pub struct PnCounter;

impl Node for PnCounter {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Counts;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        let n = ctx.cluster_size() as usize;
        ctx.durable().plus.resize(n, 0);
        ctx.durable().minus.resize(n, 0);
        ctx.set_timer(GOSSIP_EVERY, Timer::Gossip);
        PnCounter
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let me = ctx.me().0 as usize;
        let answer = match req.op {
            Op::Add { amount } if amount >= 0 => {
                ctx.durable().plus[me] += amount;
                Answer::Added
            }
            Op::Add { amount } => {
                ctx.durable().minus[me] -= amount;
                Answer::Added
            }
            Op::ReadCounter => Answer::Counter(ctx.durable().value()),
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, msg: Msg) {
        let Msg::Counts { plus, minus } = msg;
        let d = ctx.durable();
        for (mine, theirs) in d.plus.iter_mut().zip(plus) {
            *mine = (*mine).max(theirs);
        }
        for (mine, theirs) in d.minus.iter_mut().zip(minus) {
            *mine = (*mine).max(theirs);
        }
    }

    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, _timer: Timer) {
        let Counts { plus, minus } = ctx.durable().clone();
        ctx.broadcast(Msg::Counts { plus, minus });
        ctx.set_timer(GOSSIP_EVERY, Timer::Gossip);
    }

    fn observe(&self, counts: &Counts) -> Option<Observation> {
        Some(Observation::Counter(counts.value()))
    }
}

fn main() -> ExitCode {
    Example::new("pn-counter", Workload::pn_counter())
        .scenario("cap-partition")
        .check(Check::Converges)
        .run::<PnCounter>()
}
