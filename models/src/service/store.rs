//! The coordinator side of a replicated-store operation: an execution reads or writes the
//! request's key, as its store's protocol says, and records the operation in the history.
//!
//! - `cp`: write to every replica and wait for a majority; read from a majority, then write
//!   the newest value back to a majority before answering (ABD), so no later read returns
//!   anything older.
//! - primary/backup: writes (and, when synchronous, reads) go to the replica the instance
//!   believes is the primary; a replica that knows another primary redirects; a timeout
//!   makes the instance try the next replica next time (failover). Asynchronous reads go to
//!   the nearest replica.
//! - `ap`: the nearest replica, then the next one on each timeout.
//! - `leaderless`: writes like `ap` (the replica reached coordinates the write and waits
//!   for `w`); reads ask every replica, answer with the newest of the first `r` answers,
//!   and repair the responders that answered an older version.
//!
//! An operation without an answer in time fails; its outcome stays unknown in the history.

use super::{Cx, ServiceInstance};
use crate::checker::history::{Call, OpRef, Reply};
use crate::msg::{CallTag, Msg, Outcome};
use crate::scenario::{Protocol, StoreOp};
use crate::trace::SpanKind;
use sim_core::time::SimTime;
use std::rc::Rc;

/// A replicated-store operation an execution is running.
#[derive(Clone, Copy, Debug)]
pub(super) struct StoreWait {
    store: usize,
    op: StoreOp,
    key: u32,
    op_ref: Option<OpRef>,
    /// The write's number (writes), or the newest version heard of so far (reads).
    write: u32,
    invoked: SimTime,
    /// `cp` reads: 1 while querying a majority, 2 while writing the answer back.
    phase: u8,
    /// Replicas that answered the current phase (bit i: replica i).
    responders: u32,
    /// Leaderless reads: responders whose version is older than `write`.
    stale: u32,
    /// A responder held concurrent versions (siblings).
    siblings: bool,
    /// Replicas tried (after timeouts) or redirects followed.
    attempt: u16,
}

/// What a replica answered.
#[derive(Clone, Copy, Debug)]
pub(super) enum StoreAnswer {
    /// A write (or a `cp` write-back) is stored.
    Stored,
    /// A read's answer: the newest version and how many the replica holds.
    Value(u32, u16),
    /// Not the primary; this one is.
    Redirect(u16),
    /// The coordinating replica gave up on the operation (its peers did not acknowledge a
    /// synchronous write in time): it fails at once, its outcome unknown.
    Refused(Outcome),
}

impl ServiceInstance {
    pub(super) fn store_begin(&mut self, slot: u32, store: usize, op: StoreOp, ctx: &mut Cx) {
        let now = ctx.now();
        let me = ctx.me().index();
        let key = self.execs[slot as usize].key;
        let cp = self.plan.stores[store].protocol == Protocol::Cp;
        // Under `cp` the coordinator stamps writes (from its own clock: skew reorders
        // them); otherwise the replica that accepts the write does.
        let ts = if cp {
            ctx.local_time().as_nanos().saturating_mul(4096) + (me % 4096) as u64 + 1
        } else {
            0
        };
        let client = ((me as u32) << 16) | (slot & 0xffff);
        let ledger = &mut ctx.world().stores[store];
        let (write, call) = match op {
            StoreOp::Write => {
                let w = ledger.new_write(key, ts);
                (w, Call::Write(u64::from(w)))
            }
            StoreOp::Read => (0, Call::Read),
        };
        let op_ref = ledger
            .history
            .invoke(client, u64::from(key), call, now.as_nanos());
        self.execs[slot as usize].store = Some(StoreWait {
            store,
            op,
            key,
            op_ref,
            write,
            invoked: now,
            phase: 1,
            responders: 0,
            stale: 0,
            siblings: false,
            attempt: 0,
        });
        let write = u16::from(op == StoreOp::Write);
        self.begin_step_span(slot, SpanKind::Store, store as u16, write, ctx);
        self.store_send(slot, ctx);
    }

    /// Sends the current phase (or attempt) of the store operation of `slot`.
    fn store_send(&mut self, slot: u32, ctx: &mut Cx) {
        let Some(w) = self.execs[slot as usize].store else {
            return;
        };
        let plan = Rc::clone(&self.plan);
        let st = &plan.stores[w.store];
        let n = st.replicas.len();
        let base = self.next_wait_tag(slot, 0);
        let nearest = ctx.me().index() % n;
        let read = w.op == StoreOp::Read;
        let to_all = match st.protocol {
            Protocol::Cp => true,
            Protocol::Leaderless { .. } => read,
            _ => false,
        };
        let message = |i: usize| {
            let tag = CallTag {
                sub: i as u16,
                ..base
            };
            if read && w.phase == 1 {
                Msg::StoreRead { tag, key: w.key }
            } else {
                Msg::StoreWrite {
                    tag,
                    write: w.write,
                    forward: st.protocol != Protocol::Cp,
                }
            }
        };
        if to_all {
            for (i, &node) in st.replicas.iter().enumerate() {
                ctx.send(node, message(i));
            }
        } else {
            let i = if Self::at_primary(st.protocol, w.op) {
                usize::from(self.primary(w.store)) % n
            } else {
                (nearest + usize::from(w.attempt)) % n
            };
            ctx.send(st.replicas[i], message(i));
        }
        let e = &mut self.execs[slot as usize];
        if let Some(t) = e.timer.take() {
            ctx.cancel_timer(t);
        }
        e.timer = Some(ctx.set_timer(st.timeout, Msg::QueryTimeout { tag: base }));
    }

    /// Primary/backup operations meant for the primary: writes, and synchronous reads.
    fn at_primary(protocol: Protocol, op: StoreOp) -> bool {
        protocol.has_primary() && (op == StoreOp::Write || protocol == Protocol::PrimaryBackupSync)
    }

    /// `true` when `tag` answers the store operation `slot` runs now.
    pub(super) fn store_current(&self, tag: CallTag) -> bool {
        self.query_is_current(tag) && self.execs[tag.exec as usize].store.is_some()
    }

    /// Replica `tag.sub` answered the current phase.
    pub(super) fn store_answer(&mut self, tag: CallTag, answer: StoreAnswer, ctx: &mut Cx) {
        let slot = tag.exec;
        let Some(mut w) = self.execs[slot as usize].store else {
            return;
        };
        let plan = Rc::clone(&self.plan);
        let st = &plan.stores[w.store];
        let bit = 1u32 << (tag.sub % 32);
        if w.responders & bit != 0 {
            return; // a duplicated message
        }
        if let StoreAnswer::Refused(outcome) = answer {
            self.execs[slot as usize].store = None;
            return self.finish(slot, outcome, ctx);
        }
        if let StoreAnswer::Redirect(primary) = answer {
            *self.primary_mut(w.store) = primary;
            w.attempt += 1;
            self.execs[slot as usize].store = Some(w);
            if usize::from(w.attempt) < st.replicas.len() {
                return self.store_send(slot, ctx);
            }
            return self.store_fail(slot, ctx);
        }
        w.responders |= bit;
        if let StoreAnswer::Value(v, siblings) = answer {
            w.siblings |= siblings > 1;
            let ledger = &ctx.world().stores[w.store];
            let newer = (ledger.ts(v), v) > (ledger.ts(w.write), w.write);
            if newer {
                // Everyone heard before answered something older.
                w.stale = w.responders & !bit;
                w.write = v;
            } else if v != w.write {
                w.stale |= bit;
            }
        }
        let count = w.responders.count_ones();
        self.execs[slot as usize].store = Some(w);
        match st.protocol {
            Protocol::Cp if count < st.read_quorum => {}
            Protocol::Cp if w.op == StoreOp::Read && w.phase == 1 => {
                // ABD: write the majority's newest value back to a majority before
                // answering, so no later read can return anything older.
                w.phase = 2;
                w.responders = 0;
                self.execs[slot as usize].store = Some(w);
                self.store_send(slot, ctx);
            }
            Protocol::Leaderless { .. } if w.op == StoreOp::Read => {
                if count >= st.read_quorum {
                    if st.read_repair && w.write != 0 {
                        for (i, &node) in st.replicas.iter().enumerate() {
                            if w.stale & (1 << i) != 0 {
                                ctx.send(node, Msg::StorePropagate { write: w.write });
                            }
                        }
                    }
                    self.store_done(slot, ctx);
                }
            }
            _ => self.store_done(slot, ctx),
        }
    }

    fn store_done(&mut self, slot: u32, ctx: &mut Cx) {
        let Some(w) = self.execs[slot as usize].store.take() else {
            return;
        };
        let now = ctx.now();
        ctx.world().observe(u64::from(w.write));
        let ledger = &mut ctx.world().stores[w.store];
        let reply = match w.op {
            StoreOp::Write => {
                ledger.write_acked(w.key, w.write, now);
                Reply::Written
            }
            StoreOp::Read => {
                ledger.read_done(w.key, w.write, w.invoked);
                ledger.sibling_reads += u64::from(w.siblings);
                Reply::Read((w.write != 0).then_some(u64::from(w.write)))
            }
        };
        if let Some(r) = w.op_ref {
            // The recorder only refuses handles it never issued: a bug, not user input.
            let _ = ledger.history.complete(r, now.as_nanos(), reply);
        }
        self.wait_answered(slot, None, ctx);
    }

    /// No quorum (or no answer) in time: operations on one replica of the coordinator's
    /// choosing (`ap`, leaderless writes, asynchronous primary/backup reads) try the next
    /// replica; a primary/backup coordinator with failover turns to the next replica for its
    /// next operation meant for the primary; otherwise the operation fails and its outcome
    /// stays unknown.
    pub(super) fn store_timeout(&mut self, slot: u32, ctx: &mut Cx) {
        let Some(mut w) = self.execs[slot as usize].store else {
            return;
        };
        self.execs[slot as usize].timer = None;
        let st = &self.plan.stores[w.store];
        let n = st.replicas.len();
        let rotates = match st.protocol {
            Protocol::Ap => true,
            Protocol::Leaderless { .. } => w.op == StoreOp::Write,
            Protocol::PrimaryBackupAsync => w.op == StoreOp::Read,
            _ => false,
        };
        if rotates && usize::from(w.attempt) + 1 < n {
            w.attempt += 1;
            w.responders = 0;
            self.execs[slot as usize].store = Some(w);
            return self.store_send(slot, ctx);
        }
        if st.failover.is_some() && Self::at_primary(st.protocol, w.op) {
            let p = self.primary_mut(w.store);
            *p = ((usize::from(*p) + 1) % n) as u16;
        }
        self.store_fail(slot, ctx);
    }

    fn store_fail(&mut self, slot: u32, ctx: &mut Cx) {
        let Some(w) = self.execs[slot as usize].store.take() else {
            return;
        };
        let cause = self.plan.stores[w.store].cause_timeout;
        self.finish(slot, Outcome::Timeout(cause), ctx);
    }
}
