//! A majority-quorum register (Attiya, Bar-Noy and Dolev's algorithm, "ABD"): linearizable
//! under partitions, unavailable where there is no majority.
//!
//! Every replica keeps, per key, a value and its timestamp, on disk (the durable state: a
//! restarted replica still has it). A timestamp is a counter and a tie-breaker unique to
//! the write: `(counter, coordinating replica, its round number)`. The replica a client
//! contacts coordinates its operation in two rounds, each waiting for a majority of
//! replicas (itself included):
//! - a write asks a majority for their timestamps, then stores the value with a larger
//!   one at a majority;
//! - a read asks a majority for their values, picks the one with the largest timestamp,
//!   stores it back at a majority (so no later read can return an older one), and returns
//!   it.
//!
//! Any two majorities share a replica, so every read sees the latest completed write.
//!
//! Why the tie-breaker must be unique *per write*, not just per replica: two writes running
//! at once may both find the same largest counter `c` and both pick `c + 1`. With equal
//! timestamps, each replica keeps whichever write reaches it first, so replicas can hold
//! different values under one timestamp; a read may then return one value and a later
//! read the other (or an older write win back). Writes with distinct timestamps are
//! ordered the same way everywhere. `(c + 1, replica)` is not enough: one replica
//! coordinates several writes at once, so the round number completes the tag.
//! Under `scenarios/cap-partition.json` the minority replica (`kv#2`) cannot gather a
//! majority: after 300 ms it tells its clients it is unavailable, and the history stays
//! linearizable. (Compare-and-set needs consensus, not just quorums: it is refused.)
//!
//! ```sh
//! cargo run --example majority-register           # under the bundled cap-partition
//! cargo run --example majority-register -- chaos --seeds 50 --nemesis all
//! ```

use lab::{Answer, Example, Node, NodeCtx, Op, ReplicaId, Request, SimDuration, TimerId, Workload};
use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

const ROUND_TIMEOUT: SimDuration = SimDuration::from_millis(300);

/// A timestamp: a counter, then a tie-breaker unique to the write (the coordinating replica
/// and its round number, itself unique to the replica's incarnation).
pub type Stamp = (u64, u32, u64);

/// The timestamp of a key never written.
const NEVER: Stamp = (0, 0, 0);

#[derive(Clone, Debug)]
pub enum Msg {
    /// Round 1: "what do you have for `key`?"
    Query { round: u64, key: u64 },
    /// The answer to a query.
    Have {
        round: u64,
        stamp: Stamp,
        value: Option<u64>,
    },
    /// Round 2: "keep this value unless you have a newer one."
    Store {
        round: u64,
        key: u64,
        stamp: Stamp,
        value: Option<u64>,
    },
    /// The store is done.
    Stored { round: u64 },
}

#[derive(Clone, Debug)]
pub enum Timer {
    /// The operation coordinated under this round number gives up.
    GiveUp(u64),
}

/// Per key: the timestamp and value; and how many times this replica booted. Kept on disk.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    cells: BTreeMap<u64, (Stamp, Option<u64>)>,
    boots: u64,
}

/// An operation this replica coordinates.
#[derive(Debug)]
pub struct Coordinating {
    req: Request,
    key: u64,
    /// The value to write (writes), or the one chosen to write back (reads).
    writing: Option<(Stamp, Option<u64>)>,
    /// The freshest answer of round 1 so far.
    best: (Stamp, Option<u64>),
    replied: BTreeSet<ReplicaId>,
    give_up: TimerId,
}

#[derive(Debug)]
pub struct MajorityRegister {
    ops: BTreeMap<u64, Coordinating>,
    next_round: u64,
    /// Tags this incarnation's round numbers, so that an answer to a round of an earlier
    /// life is never taken for one of this life.
    boot: u64,
}

impl MajorityRegister {
    /// Keeps `(stamp, value)` for `key` if it is newer than what the disk has.
    fn keep(ctx: &mut NodeCtx<'_, Self>, key: u64, stamp: Stamp, value: Option<u64>) {
        let cell = ctx.durable().cells.entry(key).or_insert((NEVER, None));
        if stamp > cell.0 {
            *cell = (stamp, value);
        }
    }

    /// One more replica answered round `round`; moves the operation on at a majority.
    fn answered(&mut self, ctx: &mut NodeCtx<'_, Self>, round: u64, from: ReplicaId) {
        let majority = ctx.majority() as usize;
        let Some(op) = self.ops.get_mut(&round) else {
            return; // already finished or given up
        };
        op.replied.insert(from);
        if op.replied.len() < majority {
            return;
        }
        match op.writing {
            None => {
                // Round 1 is done: choose what round 2 stores.
                let (stamp, value) = match op.req.op {
                    Op::Write { value, .. } => ((op.best.0 .0 + 1, ctx.me().0, round), Some(value)),
                    _ => op.best, // a read writes back the freshest value it found
                };
                op.writing = Some((stamp, value));
                op.replied.clear();
                let key = op.key;
                MajorityRegister::keep(ctx, key, stamp, value);
                ctx.broadcast(Msg::Store {
                    round,
                    key,
                    stamp,
                    value,
                });
                let me = ctx.me();
                self.answered(ctx, round, me);
            }
            Some((_, value)) => {
                // Round 2 is done: answer.
                let answer = match op.req.op {
                    Op::Write { .. } => Answer::Written,
                    _ => Answer::Value(value),
                };
                let give_up = op.give_up;
                if let Some(op) = self.ops.remove(&round) {
                    ctx.reply(&op.req, answer);
                }
                ctx.cancel_timer(give_up);
            }
        }
    }
}

impl Node for MajorityRegister {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        ctx.durable().boots += 1;
        MajorityRegister {
            ops: BTreeMap::new(),
            next_round: 0,
            boot: ctx.durable().boots,
        }
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let key = match req.op {
            Op::Read { key } | Op::Write { key, .. } => key,
            _ => {
                ctx.reply(&req, Answer::Unavailable);
                return;
            }
        };
        // Round numbers are unique per replica and incarnation: tag them with both.
        let round = self.boot << 48 | self.next_round << 8 | u64::from(ctx.me().0);
        self.next_round += 1;
        let give_up = ctx.set_timer(ROUND_TIMEOUT, Timer::GiveUp(round));
        let mine = ctx
            .durable()
            .cells
            .get(&key)
            .copied()
            .unwrap_or((NEVER, None));
        self.ops.insert(
            round,
            Coordinating {
                req,
                key,
                writing: None,
                best: mine,
                replied: BTreeSet::new(),
                give_up,
            },
        );
        ctx.broadcast(Msg::Query { round, key });
        let me = ctx.me();
        self.answered(ctx, round, me);
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, from: ReplicaId, msg: Msg) {
        match msg {
            Msg::Query { round, key } => {
                let (stamp, value) = ctx
                    .durable()
                    .cells
                    .get(&key)
                    .copied()
                    .unwrap_or((NEVER, None));
                ctx.send(
                    from,
                    Msg::Have {
                        round,
                        stamp,
                        value,
                    },
                );
            }
            Msg::Have {
                round,
                stamp,
                value,
            } => {
                if let Some(op) = self.ops.get_mut(&round) {
                    if op.writing.is_some() {
                        return; // a late answer to round 1
                    }
                    if stamp > op.best.0 {
                        op.best = (stamp, value);
                    }
                }
                self.answered(ctx, round, from);
            }
            Msg::Store {
                round,
                key,
                stamp,
                value,
            } => {
                MajorityRegister::keep(ctx, key, stamp, value);
                ctx.send(from, Msg::Stored { round });
            }
            Msg::Stored { round } => {
                if self.ops.get(&round).is_some_and(|op| op.writing.is_some()) {
                    self.answered(ctx, round, from);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, timer: Timer) {
        let Timer::GiveUp(round) = timer;
        if let Some(op) = self.ops.remove(&round) {
            ctx.reply(&op.req, Answer::Unavailable);
        }
    }
}

fn main() -> ExitCode {
    Example::new("majority-register", Workload::register())
        .scenario("cap-partition")
        .run::<MajorityRegister>()
}
