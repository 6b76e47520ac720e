//! Broadcast (Maelstrom's `broadcast` challenge): a message given to any replica reaches
//! every replica, despite lost messages, partitions and crashes, and a replica answers
//! reads with every message it has.
//!
//! A replica that accepts a broadcast keeps it (durably), answers at once, and sends it
//! to every other replica, which acknowledges it. Until a peer has acknowledged a message,
//! the replica sends it again, with every other unacknowledged one, every 200 ms: a lost
//! message or a partition only delays delivery. A restarted replica has forgotten which
//! messages its peers acknowledged, so it sends them everything again once. The check is
//! convergence (after the last broadcast, every replica holds every acknowledged message);
//! the verdict line also gives how long messages took to reach every replica and how many
//! messages the replicas exchanged per broadcast.
//!
//! ```sh
//! cargo run --example broadcast                       # under cap-partition
//! cargo run --example broadcast -- chaos --seeds 20 --nemesis network,crash,partition
//! ```

use lab::{
    Answer, Check, Contact, Example, Node, NodeCtx, Observation, Op, ReplicaId, Request,
    SimDuration, Workload,
};
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

const RESEND_EVERY: SimDuration = SimDuration::from_millis(200);

#[derive(Clone, Debug)]
pub enum Msg {
    /// Messages for the receiver.
    Gossip(Vec<u64>),
    /// The receiver has these.
    Ack(Vec<u64>),
}

#[derive(Clone, Debug)]
pub enum Timer {
    Resend,
}

/// Every message this replica has, on disk.
#[derive(Clone, Debug, Default)]
pub struct Seen(pub BTreeSet<u64>);

#[derive(Debug, Default)]
pub struct Broadcast {
    /// Per peer, the messages it has not acknowledged yet.
    pub unacked: BTreeMap<ReplicaId, BTreeSet<u64>>,
}

impl Node for Broadcast {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Seen;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        // After a restart, who acknowledged what is forgotten: everything, to everyone.
        let all = ctx.durable().0.clone();
        let unacked = ctx.peers().map(|p| (p, all.clone())).collect();
        ctx.set_timer(RESEND_EVERY, Timer::Resend);
        Broadcast { unacked }
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let answer = match req.op {
            Op::Broadcast { value } => {
                if ctx.durable().0.insert(value) {
                    let peers: Vec<ReplicaId> = ctx.peers().collect();
                    for p in peers {
                        self.unacked.entry(p).or_default().insert(value);
                        ctx.send(p, Msg::Gossip(vec![value]));
                    }
                }
                Answer::Broadcasted
            }
            Op::ReadMessages => Answer::Messages(ctx.durable().0.clone()),
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, from: ReplicaId, msg: Msg) {
        match msg {
            Msg::Gossip(values) => {
                ctx.durable().0.extend(values.iter().copied());
                ctx.send(from, Msg::Ack(values));
            }
            Msg::Ack(values) => {
                if let Some(pending) = self.unacked.get_mut(&from) {
                    for v in values {
                        pending.remove(&v);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, _timer: Timer) {
        for (peer, pending) in &self.unacked {
            if !pending.is_empty() {
                ctx.send(*peer, Msg::Gossip(pending.iter().copied().collect()));
            }
        }
        ctx.set_timer(RESEND_EVERY, Timer::Resend);
    }

    fn observe(&self, seen: &Seen) -> Option<Observation> {
        Some(Observation::Set(seen.0.clone()))
    }
}

fn main() -> ExitCode {
    Example::new("broadcast", Workload::broadcast())
        .scenario("cap-partition")
        .contact(Contact::Random)
        .check(Check::Converges)
        .run::<Broadcast>()
}
