//! The payment steps of an execution: take the lock of the request's key from a lock
//! service, read the account's balance, debit it (write back the balance minus the amount,
//! with the lock's fencing token), release the lock. The lock is also released when the
//! execution ends, whatever its outcome; a crash releases nothing (the lease expires).

use super::{Cx, ServiceInstance};
use crate::ledger::Payment;
use crate::msg::{CallTag, Msg, Outcome};
use crate::plan::StepPlan;
use crate::trace::SpanKind;
use sim_core::network::NodeId;
use sim_core::time::{SimDuration, SimTime};
use std::rc::Rc;

/// An execution's payment state.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PayState {
    /// The lock held: (lock service, key, fencing token).
    lock: Option<(usize, u32, u32)>,
    /// When the lock request in progress was sent.
    since: SimTime,
    /// The last balance read: (account store, balance, version).
    read: Option<(usize, u32, u32)>,
    /// The payment being written.
    payment: u32,
}

impl ServiceInstance {
    pub(super) fn lock_begin(
        &mut self,
        slot: u32,
        service: usize,
        timeout: SimDuration,
        ctx: &mut Cx,
    ) {
        let tag = self.next_wait_tag(slot, 0);
        let key = self.execs[slot as usize].key;
        let wait_ms = u32::try_from(timeout.as_nanos() / 1_000_000).unwrap_or(u32::MAX);
        let node = self.plan.locks[service].node;
        ctx.send(node, Msg::LockAcquire { tag, key, wait_ms });
        let e = &mut self.execs[slot as usize];
        e.pay.since = ctx.now();
        e.timer = Some(ctx.set_timer(timeout, Msg::QueryTimeout { tag }));
        self.begin_step_span(slot, SpanKind::LockWait, service as u16, 0, ctx);
    }

    pub(super) fn on_lock_granted(
        &mut self,
        from: NodeId,
        tag: CallTag,
        token: u32,
        key: u32,
        ctx: &mut Cx,
    ) {
        let waiting = match self.current_step(tag.exec) {
            Some(&StepPlan::Lock { service, .. }) if self.query_is_current(tag) => Some(service),
            _ => None,
        };
        let Some(service) = waiting else {
            // Too late: the wait ran out, or the execution is gone. Give the lock back.
            ctx.send(from, Msg::LockRelease { key, token });
            return;
        };
        let now = ctx.now();
        let since = self.execs[tag.exec as usize].pay.since;
        let stats = &mut ctx.world().locks[service];
        stats.acquired += 1;
        stats.wait.record((now.saturating_since(since)).as_nanos());
        self.execs[tag.exec as usize].pay.lock = Some((service, key, token));
        self.wait_answered(tag.exec, None, ctx);
    }

    /// Releases the lock `slot` holds (of `service`, or of any service), if any.
    pub(super) fn release_lock(&mut self, slot: u32, service: Option<usize>, ctx: &mut Cx) {
        let pay = &mut self.execs[slot as usize].pay;
        let Some((held, key, token)) = pay.lock else {
            return;
        };
        if service.is_some_and(|s| s != held) {
            return;
        }
        pay.lock = None;
        let node = self.plan.locks[held].node;
        ctx.send(node, Msg::LockRelease { key, token });
    }

    pub(super) fn read_balance_begin(&mut self, slot: u32, store: usize, ctx: &mut Cx) {
        let tag = self.next_wait_tag(slot, 0);
        let e = &self.execs[slot as usize];
        let token = e.pay.lock.map_or(0, |(_, _, t)| t);
        let key = e.key;
        let a = &self.plan.accounts[store];
        ctx.send(a.node, Msg::BalanceRead { tag, key, token });
        let timer = ctx.set_timer(a.timeout, Msg::QueryTimeout { tag });
        self.execs[slot as usize].timer = Some(timer);
        self.begin_step_span(slot, SpanKind::BalanceRead, store as u16, 0, ctx);
    }

    pub(super) fn on_balance(&mut self, tag: CallTag, balance: u32, version: u32, ctx: &mut Cx) {
        if let Some(&StepPlan::ReadBalance { store }) = self.current_step(tag.exec) {
            ctx.world()
                .observe(u64::from(balance) << 32 | u64::from(version));
            self.execs[tag.exec as usize].pay.read = Some((store, balance, version));
            self.wait_answered(tag.exec, None, ctx);
        }
    }

    /// Pays `amount` from the balance read, or fails when it does not cover it.
    pub(super) fn debit_begin(&mut self, slot: u32, store: usize, amount: u32, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let a = &plan.accounts[store];
        let e = &self.execs[slot as usize];
        let (balance, version) = match e.pay.read {
            Some((s, balance, version)) if s == store => (balance, version),
            // Validation makes every debit follow a read of its store; an execution that
            // got here without one pays nothing.
            _ => return self.finish(slot, Outcome::Error(a.cause_insufficient), ctx),
        };
        if balance < amount {
            ctx.world().accounts[store].declined += 1;
            return self.finish(slot, Outcome::Error(a.cause_insufficient), ctx);
        }
        let key = e.key;
        let token = e.pay.lock.map_or(0, |(_, _, t)| t);
        let payment = ctx.world().accounts[store].new_payment(Payment {
            key,
            amount,
            balance: balance - amount,
            read_version: version,
            token,
            stored: false,
            acked: false,
        });
        let tag = self.next_wait_tag(slot, 0);
        ctx.send(a.node, Msg::DebitWrite { tag, payment });
        let e = &mut self.execs[slot as usize];
        e.pay.payment = payment;
        e.timer = Some(ctx.set_timer(a.timeout, Msg::QueryTimeout { tag }));
        self.begin_step_span(slot, SpanKind::Debit, store as u16, 0, ctx);
    }

    pub(super) fn on_debit_done(&mut self, tag: CallTag, stored: bool, ctx: &mut Cx) {
        let Some(&StepPlan::Debit { store, .. }) = self.current_step(tag.exec) else {
            return;
        };
        if stored {
            let payment = self.execs[tag.exec as usize].pay.payment;
            ctx.world().accounts[store].acked(payment);
            self.wait_answered(tag.exec, None, ctx);
        } else {
            let cause = self.plan.accounts[store].cause_fenced;
            self.wait_answered(tag.exec, Some(Outcome::Error(cause)), ctx);
        }
    }

    /// A payment step's wait ran out: the lock was not granted in time, or the account
    /// store did not answer (the payment's outcome is then unknown to the customer).
    pub(super) fn payment_timeout(&mut self, slot: u32, ctx: &mut Cx) {
        self.execs[slot as usize].timer = None;
        let cause = match self.current_step(slot) {
            Some(&StepPlan::Lock { service, .. }) => {
                ctx.world().locks[service].wait_timeouts += 1;
                self.plan.locks[service].cause_wait
            }
            Some(&StepPlan::ReadBalance { store } | &StepPlan::Debit { store, .. }) => {
                self.plan.accounts[store].cause_timeout
            }
            _ => return,
        };
        self.finish(slot, Outcome::Timeout(cause), ctx);
    }
}
