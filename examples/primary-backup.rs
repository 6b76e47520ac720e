//! A primary/backup register with failover, and the bug a partition exposes.
//!
//! Replica 0 starts as the primary. A backup forwards every request to the primary; the
//! primary applies a write, copies it to every backup it believes alive and answers once
//! they all acknowledged, and answers reads from its own copy. Everyone sends heartbeats;
//! a replica that has not heard from its primary for 300 ms makes the lowest-numbered
//! replica it still hears (itself, if no one) the primary, and a primary stops waiting for
//! backups it has not heard from for 300 ms. When two primaries meet, the higher-numbered
//! one steps down.
//!
//! Without faults this is linearizable. Under `scenarios/cap-partition.json` the minority
//! replica (`kv#2`) stops hearing the primary, promotes itself and serves its clients:
//! two primaries accept writes at once (split brain), and the checker finds reads that
//! miss writes acknowledged on the other side.
//!
//! ```sh
//! cargo run --example primary-backup              # under the bundled cap-partition
//! cargo run --example primary-backup -- --scenario none
//! ```

use lab::{Answer, Example, Node, NodeCtx, Op, ReplicaId, Request, SimDuration, SimTime, Workload};
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

const HEARTBEAT: SimDuration = SimDuration::from_millis(50);
const SUSPECT_AFTER: SimDuration = SimDuration::from_millis(300);

#[derive(Clone, Debug)]
pub enum Msg {
    /// A backup passes a client's request to the primary.
    Forward(Request),
    /// The primary copies a write to a backup.
    Replicate { seq: u64, key: u64, value: u64 },
    /// A backup has the copy.
    Ack { seq: u64 },
    /// "I am alive, and I think `primary` is the primary."
    Heartbeat { primary: ReplicaId },
}

#[derive(Clone, Debug)]
pub enum Timer {
    Tick,
}

/// A write waiting for its backups.
#[derive(Debug)]
pub struct Pending {
    req: Request,
    waiting: BTreeSet<ReplicaId>,
}

#[derive(Debug)]
pub struct PrimaryBackup {
    primary: ReplicaId,
    values: BTreeMap<u64, u64>,
    /// When each peer was last heard from.
    heard: BTreeMap<ReplicaId, SimTime>,
    pending: BTreeMap<u64, Pending>,
    next_seq: u64,
}

impl PrimaryBackup {
    fn alive(&self, peer: ReplicaId, now: SimTime) -> bool {
        self.heard
            .get(&peer)
            .is_some_and(|t| now.saturating_since(*t) < SUSPECT_AFTER)
    }

    /// The primary's work: apply and answer, or copy to the backups first.
    fn serve(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let (key, value) = match req.op {
            Op::Read { key } => {
                let v = self.values.get(&key).copied();
                ctx.reply(&req, Answer::Value(v));
                return;
            }
            Op::Write { key, value } => (key, value),
            Op::Cas { key, expected, new } => {
                if self.values.get(&key) != Some(&expected) {
                    ctx.reply(&req, Answer::Cas(false));
                    return;
                }
                (key, new)
            }
            _ => {
                ctx.reply(&req, Answer::Unavailable);
                return;
            }
        };
        self.values.insert(key, value);
        let now = ctx.now();
        let waiting: BTreeSet<ReplicaId> = ctx.peers().filter(|p| self.alive(*p, now)).collect();
        if waiting.is_empty() {
            ctx.reply(&req, done(&req.op));
            return;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        for p in &waiting {
            ctx.send(*p, Msg::Replicate { seq, key, value });
        }
        self.pending.insert(seq, Pending { req, waiting });
    }

    /// Stops waiting for backups no longer heard from (so writes keep going).
    fn drop_silent_backups(&mut self, ctx: &mut NodeCtx<'_, Self>) {
        let now = ctx.now();
        let silent: Vec<ReplicaId> = ctx.peers().filter(|p| !self.alive(*p, now)).collect();
        let mut finished = Vec::new();
        for (seq, p) in self.pending.iter_mut() {
            for s in &silent {
                p.waiting.remove(s);
            }
            if p.waiting.is_empty() {
                finished.push(*seq);
            }
        }
        for seq in finished {
            if let Some(p) = self.pending.remove(&seq) {
                ctx.reply(&p.req, done(&p.req.op));
            }
        }
    }
}

/// The answer to a write or a successful CAS.
fn done(op: &Op) -> Answer {
    match op {
        Op::Cas { .. } => Answer::Cas(true),
        _ => Answer::Written,
    }
}

impl Node for PrimaryBackup {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = ();

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        ctx.set_timer(HEARTBEAT, Timer::Tick);
        // Everyone is presumed alive at the start.
        let now = ctx.now();
        PrimaryBackup {
            primary: ReplicaId(0),
            values: BTreeMap::new(),
            heard: ctx.peers().map(|p| (p, now)).collect(),
            pending: BTreeMap::new(),
            next_seq: 0,
        }
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        if self.primary == ctx.me() {
            self.serve(ctx, req);
        } else {
            ctx.send(self.primary, Msg::Forward(req));
        }
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, from: ReplicaId, msg: Msg) {
        self.heard.insert(from, ctx.now());
        match msg {
            Msg::Forward(req) => self.on_request(ctx, req),
            Msg::Replicate { seq, key, value } => {
                self.values.insert(key, value);
                ctx.send(from, Msg::Ack { seq });
            }
            Msg::Ack { seq } => {
                if let Some(p) = self.pending.get_mut(&seq) {
                    p.waiting.remove(&from);
                    if p.waiting.is_empty() {
                        if let Some(p) = self.pending.remove(&seq) {
                            ctx.reply(&p.req, done(&p.req.op));
                        }
                    }
                }
            }
            Msg::Heartbeat { primary } => {
                // Two primaries: the lower-numbered one wins.
                if primary == from && primary < self.primary {
                    self.primary = primary;
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, _timer: Timer) {
        ctx.set_timer(HEARTBEAT, Timer::Tick);
        ctx.broadcast(Msg::Heartbeat {
            primary: self.primary,
        });
        let now = ctx.now();
        if self.primary != ctx.me() && !self.alive(self.primary, now) {
            // Failover: the lowest-numbered replica still heard from (or me).
            let me = ctx.me();
            self.primary = ctx
                .replicas()
                .find(|r| *r == me || self.alive(*r, now))
                .unwrap_or(me);
        }
        if self.primary == ctx.me() {
            self.drop_silent_backups(ctx);
        }
    }
}

fn main() -> ExitCode {
    Example::new("primary-backup", Workload::register())
        .scenario("cap-partition")
        .run::<PrimaryBackup>()
}
