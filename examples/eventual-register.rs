//! An eventually consistent register: any replica accepts reads and writes at once, and
//! the replicas agree on the last writer (last-writer-wins), with Lamport timestamps. Not
//! linearizable, never unavailable; which session guarantees does it keep?
//!
//! A write takes the timestamp `(clock + 1, replica)`, where `clock` is the largest counter
//! the replica has seen (its own writes and everything it received), applies it, answers,
//! and sends it to every other replica at once. A replica keeps, per key, the value with
//! the largest timestamp it has received. Every 500 ms each replica also sends its whole
//! state to the others (anti-entropy), which repairs lost messages and partitions.
//!
//! Whether a client sees its own writes depends on where it sends its requests: with
//! `--contact random` (this example's default) a read may go to a replica the write has not
//! reached yet; with `--contact sticky` each client keeps to one replica. The default check
//! is read-your-writes; `--check monotonic-reads` and `--check causal` ask for more. On a
//! constant-latency network nothing arrives late and every check passes: add the network
//! nemesis (jitter, loss, duplication).
//!
//! ```sh
//! cargo run --example eventual-register -- --nemesis network                    # fails
//! cargo run --example eventual-register -- --nemesis network --contact sticky   # holds
//! cargo run --example eventual-register -- --nemesis network --contact sticky --check causal
//! ```

use lab::{
    Answer, Check, Contact, Example, Node, NodeCtx, Op, ReplicaId, Request, SimDuration, Workload,
};
use std::collections::BTreeMap;
use std::process::ExitCode;

const ANTI_ENTROPY: SimDuration = SimDuration::from_millis(500);

/// A Lamport timestamp: a counter, then the writing replica.
pub type Stamp = (u64, u32);

#[derive(Clone, Debug)]
pub enum Msg {
    /// One write, as soon as it is made.
    Write { key: u64, stamp: Stamp, value: u64 },
    /// A replica's whole state.
    State(BTreeMap<u64, (Stamp, u64)>),
}

#[derive(Clone, Debug)]
pub enum Timer {
    AntiEntropy,
}

/// The values and the clock, on disk.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub cells: BTreeMap<u64, (Stamp, u64)>,
    pub clock: u64,
}

impl Store {
    fn apply(&mut self, key: u64, stamp: Stamp, value: u64) {
        self.clock = self.clock.max(stamp.0);
        let newer = self.cells.get(&key).is_none_or(|(s, _)| stamp > *s);
        if newer {
            self.cells.insert(key, (stamp, value));
        }
    }
}

#[derive(Debug)]
pub struct EventualRegister;

impl Node for EventualRegister {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Store;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        ctx.set_timer(ANTI_ENTROPY, Timer::AntiEntropy);
        EventualRegister
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let answer = match req.op {
            Op::Read { key } => Answer::Value(ctx.durable().cells.get(&key).map(|c| c.1)),
            Op::Write { key, value } => {
                let stamp = (ctx.durable().clock + 1, ctx.me().0);
                ctx.durable().apply(key, stamp, value);
                ctx.broadcast(Msg::Write { key, stamp, value });
                Answer::Written
            }
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, msg: Msg) {
        match msg {
            Msg::Write { key, stamp, value } => ctx.durable().apply(key, stamp, value),
            Msg::State(cells) => {
                for (key, (stamp, value)) in cells {
                    ctx.durable().apply(key, stamp, value);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut NodeCtx<'_, Self>, _timer: Timer) {
        let cells = ctx.durable().cells.clone();
        ctx.broadcast(Msg::State(cells));
        ctx.set_timer(ANTI_ENTROPY, Timer::AntiEntropy);
    }
}

fn main() -> ExitCode {
    let mut workload = Workload::register();
    workload.data = lab::DataType::Register {
        keys: 10,
        read: 0.5,
        cas: 0.0,
    };
    Example::new("eventual-register", workload)
        .scenario("none")
        .contact(Contact::Random)
        .check(Check::ReadYourWrites)
        .run::<EventualRegister>()
}
