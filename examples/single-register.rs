//! A single-node register: one replica holds the value and answers every client.
//!
//! Correct while nothing fails: one process, one copy, every operation applied in the
//! order it arrives, so the history is linearizable. Under a partition the clients cut
//! off from it simply get no answer (unavailable), and it stays linearizable.
//!
//! ```sh
//! cargo run --example single-register                                          # no faults
//! cargo run --example single-register -- --scenario scenarios/cap-partition.json
//! ```

use lab::{Answer, Contact, Example, Node, NodeCtx, Op, ReplicaId, Request, Workload};
use std::collections::BTreeMap;
use std::process::ExitCode;

/// The register: a value per key, in memory.
#[derive(Debug)]
pub struct SingleRegister {
    values: BTreeMap<u64, u64>,
}

impl Node for SingleRegister {
    type Msg = ();
    type Timer = ();
    type Durable = ();

    fn boot(_ctx: &mut NodeCtx<'_, Self>) -> Self {
        SingleRegister {
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

    fn on_message(&mut self, _ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, _msg: ()) {}
}

fn main() -> ExitCode {
    // Every client talks to replica 0; the other replicas of a scenario stay idle.
    Example::new("single-register", Workload::register())
        .contact(Contact::Fixed(ReplicaId(0)))
        .replicas(1)
        .run::<SingleRegister>()
}
