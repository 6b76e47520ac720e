//! A lock service: one node granting, per key, the lock to one holder at a time for a lease,
//! with a fencing token that grows with every grant (like a Redis `SET NX PX` lock, or a
//! ZooKeeper/etcd lease whose zxid/revision serves as the token).
//!
//! A request for a held lock waits in line (FIFO) until the lock is released or its lease
//! expires, or until the waiter's own deadline passes (it is then skipped). A lease expires
//! on the service's schedule whether or not the holder knows it: a holder paused longer
//! than its lease (a long garbage-collection pause) still believes it holds the lock when it
//! wakes up, which is what fencing tokens are for (see `account`).
//!
//! Locks are volatile (a crash frees them all); the token counter is durable, so tokens
//! keep growing across a restart and a fenced store never mistakes a new grant for an old.

use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg};
use crate::outbox::Outbox;
use crate::plan::Plan;
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event, TimerId};
use sim_core::time::{SimDuration, SimTime};
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

#[derive(Debug)]
struct Holder {
    token: u32,
    expiry: TimerId,
}

#[derive(Debug)]
struct Waiter {
    node: NodeId,
    tag: CallTag,
    /// The waiter gives up at this instant; it is skipped after it.
    deadline: SimTime,
}

#[derive(Debug, Default)]
struct Lock {
    holder: Option<Holder>,
    line: VecDeque<Waiter>,
}

/// The lock service node.
pub struct LockNode {
    plan: Rc<Plan>,
    index: usize,
    locks: BTreeMap<u32, Lock>,
    last_token: u32,
    outbox: Outbox,
}

impl LockNode {
    /// Lock service `index` of `plan`.
    pub fn new(plan: Rc<Plan>, index: usize) -> LockNode {
        LockNode {
            plan,
            index,
            locks: BTreeMap::new(),
            last_token: 0,
            outbox: Outbox::default(),
        }
    }

    fn acquire(&mut self, from: NodeId, tag: CallTag, key: u32, wait_ms: u32, ctx: &mut Cx) {
        let now = ctx.now();
        let stats = &mut ctx.world().locks[self.index];
        stats.requests += 1;
        let lock = self.locks.entry(key).or_default();
        let waiter = Waiter {
            node: from,
            tag,
            deadline: now + SimDuration::from_millis(u64::from(wait_ms)),
        };
        if lock.holder.is_some() {
            stats.conflicts += 1;
            lock.line.push_back(waiter);
        } else {
            self.grant(key, waiter, ctx);
        }
    }

    /// Gives the lock of `key` (free) to `waiter`.
    fn grant(&mut self, key: u32, waiter: Waiter, ctx: &mut Cx) {
        self.last_token = self.last_token.saturating_add(1);
        let token = self.last_token;
        let lease = self.plan.locks[self.index].lease;
        let expiry = ctx.set_timer(lease, Msg::LeaseExpiry { key, token });
        self.locks.entry(key).or_default().holder = Some(Holder { token, expiry });
        let granted = Msg::LockGranted {
            tag: waiter.tag,
            token,
            key,
        };
        let plan = Rc::clone(&self.plan);
        self.outbox
            .answer(waiter.node, granted, &plan.locks[self.index].op_ms, ctx);
    }

    /// The lock of `key` is free: give it to the first waiter still waiting.
    fn next(&mut self, key: u32, ctx: &mut Cx) {
        let now = ctx.now();
        let Some(lock) = self.locks.get_mut(&key) else {
            return;
        };
        while let Some(w) = lock.line.pop_front() {
            if w.deadline > now {
                return self.grant(key, w, ctx);
            }
        }
        // Nobody waits: forget the key (memory follows the keys in use, not those ever used).
        self.locks.remove(&key);
    }

    fn release(&mut self, key: u32, token: u32, ctx: &mut Cx) {
        let Some(lock) = self.locks.get_mut(&key) else {
            return;
        };
        if lock.holder.as_ref().is_some_and(|h| h.token == token) {
            if let Some(h) = lock.holder.take() {
                ctx.cancel_timer(h.expiry);
            }
            self.next(key, ctx);
        }
    }

    fn expire(&mut self, key: u32, token: u32, ctx: &mut Cx) {
        let Some(lock) = self.locks.get_mut(&key) else {
            return;
        };
        if lock.holder.as_ref().is_some_and(|h| h.token == token) {
            lock.holder = None;
            ctx.world().locks[self.index].lease_expiries += 1;
            self.next(key, ctx);
        }
    }
}

impl Component<Msg, Ledger> for LockNode {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Message { from, msg } => match msg {
                Msg::LockAcquire { tag, key, wait_ms } => {
                    self.acquire(from, tag, key, wait_ms, ctx)
                }
                Msg::LockRelease { key, token } => self.release(key, token, ctx),
                _ => {}
            },
            Event::Timer(Msg::LeaseExpiry { key, token }) => self.expire(key, token, ctx),
            Event::Timer(Msg::WorkDone { slot }) => self.outbox.done(slot, ctx),
            _ => {}
        }
    }

    fn on_crash(&mut self, _ledger: &mut Ledger) {
        // Every lock and waiter is forgotten; the token counter is on disk.
        self.locks.clear();
        self.outbox.clear();
    }
}
