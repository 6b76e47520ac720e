//! An account store: one node holding a balance per key (account), read and written back by
//! payments — the read-modify-write that loses updates (double-spends) when two payments of
//! one account interleave.
//!
//! A write carries the number of its payment, whose record in the ledger holds the account,
//! the balance computed by the coordinator, the version that balance was read at and the
//! lock's fencing token. The store writes the balance it is given (it does not recompute
//! it): a write computed from an old read erases the payments stored since, and the ledger
//! counts it. With fencing, the store remembers the newest token it has seen on a read or a
//! write of each account and refuses a write with an older one: a holder whose lease
//! expired cannot write once a newer holder has touched the account. (Checking writes only,
//! as for a blind write, would let the old holder write between the new holder's read and
//! write, and the new holder's write would then erase it.) Each payment is applied at most
//! once, so a duplicated message does not write an old balance again.
//!
//! Balances are durable (they survive a crash); answers in progress are not.

use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg};
use crate::outbox::Outbox;
use crate::plan::Plan;
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event};
use std::collections::BTreeMap;
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

#[derive(Clone, Copy, Debug)]
struct Account {
    balance: u32,
    /// The payment that wrote the balance (0: the opening balance).
    version: u32,
    /// The newest fencing token seen on a write (0: none).
    max_token: u32,
}

/// The account store node.
pub struct AccountNode {
    plan: Rc<Plan>,
    index: usize,
    accounts: BTreeMap<u32, Account>,
    outbox: Outbox,
}

impl AccountNode {
    /// Account store `index` of `plan`.
    pub fn new(plan: Rc<Plan>, index: usize) -> AccountNode {
        AccountNode {
            plan,
            index,
            accounts: BTreeMap::new(),
            outbox: Outbox::default(),
        }
    }

    fn account(&mut self, key: u32) -> &mut Account {
        let balance = self.plan.accounts[self.index].initial_balance;
        self.accounts.entry(key).or_insert(Account {
            balance,
            version: 0,
            max_token: 0,
        })
    }

    fn read(&mut self, from: NodeId, tag: CallTag, key: u32, token: u32, ctx: &mut Cx) {
        let fencing = self.plan.accounts[self.index].fencing;
        let a = self.account(key);
        if fencing {
            a.max_token = a.max_token.max(token);
        }
        let a = *a;
        let msg = Msg::Balance {
            tag,
            balance: a.balance,
            version: a.version,
        };
        let plan = Rc::clone(&self.plan);
        self.outbox
            .answer(from, msg, &plan.accounts[self.index].op_ms, ctx);
    }

    fn write(&mut self, from: NodeId, tag: CallTag, payment: u32, ctx: &mut Cx) {
        let p = ctx.world().accounts[self.index].payment(payment);
        if p.stored {
            // A duplicate of a write already applied: answer again, change nothing.
            let plan = Rc::clone(&self.plan);
            let done = Msg::DebitDone { tag, stored: true };
            return self
                .outbox
                .answer(from, done, &plan.accounts[self.index].op_ms, ctx);
        }
        let fencing = self.plan.accounts[self.index].fencing;
        let a = self.account(p.key);
        let stale = fencing && p.token != 0 && p.token < a.max_token;
        let stored = !stale;
        if stored {
            let current = a.version;
            a.balance = p.balance;
            a.version = payment;
            a.max_token = a.max_token.max(p.token);
            ctx.world().accounts[self.index].stored(payment, current);
        } else {
            ctx.world().accounts[self.index].fenced += 1;
        }
        let plan = Rc::clone(&self.plan);
        self.outbox.answer(
            from,
            Msg::DebitDone { tag, stored },
            &plan.accounts[self.index].op_ms,
            ctx,
        );
    }
}

impl Component<Msg, Ledger> for AccountNode {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Message { from, msg } => match msg {
                Msg::BalanceRead { tag, key, token } => self.read(from, tag, key, token, ctx),
                Msg::DebitWrite { tag, payment } => self.write(from, tag, payment, ctx),
                _ => {}
            },
            Event::Timer(Msg::WorkDone { slot }) => self.outbox.done(slot, ctx),
            _ => {}
        }
    }

    fn on_crash(&mut self, _ledger: &mut Ledger) {
        self.outbox.clear();
    }
}
