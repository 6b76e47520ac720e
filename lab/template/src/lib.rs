//! Your replica. Start from this register, which is correct while nothing fails (every
//! client talks to replica 0, which answers from memory), and make it survive what
//! `cargo run -- chaos` throws at it.
//!
//! Everything a grader needs is public: the node type, its messages, timers and durable
//! state, and [`example`], the program's workload and defaults. A grader can depend on
//! this crate and run [`MyRegister`] unchanged against its own pack of scenarios:
//! `lab::grade::grade::<my_register::MyRegister>(&my_register::example(), ...)`, or simply
//! `cargo run -- grade --pack DIR`.

use lab::{Answer, Contact, Example, Node, NodeCtx, Op, ReplicaId, Request, Workload};
use std::collections::BTreeMap;

/// Messages between replicas (none yet).
#[derive(Clone, Debug)]
pub enum Msg {
    /// Replace with your protocol's messages.
    Nothing,
}

/// What a timer carries (none yet).
#[derive(Clone, Debug)]
pub enum Timer {
    /// Replace with your timers (heartbeats, retries, ...).
    Nothing,
}

/// What survives a crash: kept by the lab, reached with `ctx.durable()`.
#[derive(Clone, Debug, Default)]
pub struct Disk {
    /// Nothing yet: everything below is in memory, lost on a crash.
    pub boots: u64,
}

/// The replica: its fields are its volatile state.
#[derive(Debug)]
pub struct MyRegister {
    /// The register's values, by key.
    pub values: BTreeMap<u64, u64>,
}

impl Node for MyRegister {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Disk;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        ctx.durable().boots += 1;
        MyRegister {
            values: BTreeMap::new(),
        }
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let answer = match req.op {
            Op::Read { key } => Answer::Value(self.values.get(&key).copied()),
            Op::Write { key, value } => {
                self.values.insert(key, value);
                Answer::Written
            }
            Op::Cas { key, expected, new } => {
                let swapped = self.values.get(&key) == Some(&expected);
                if swapped {
                    self.values.insert(key, new);
                }
                Answer::Cas(swapped)
            }
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, _ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, _msg: Msg) {}

    fn on_timer(&mut self, _ctx: &mut NodeCtx<'_, Self>, _timer: Timer) {}
}

/// The program: its name for replay lines, the workload, the defaults.
pub fn example() -> Example {
    Example::new("my-register", Workload::register())
        .command("cargo run --")
        .scenario("cap-partition")
        .contact(Contact::Fixed(ReplicaId(0)))
}
