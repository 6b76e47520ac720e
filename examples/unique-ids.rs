//! Unique identifiers, totally available (Maelstrom's `unique-ids` challenge): every replica
//! answers at once, with no message to anyone, and no two answers are ever the same.
//!
//! Replica `r` of `n` hands out `k * n + r` for `k = 1, 2, 3, ...`: the residue keeps the
//! replicas apart, the counter `k` keeps one replica's answers apart. The counter is in
//! `Node::Durable`, written before the answer leaves: a replica that crashes and restarts
//! goes on from where it was. Partitions change nothing (nobody talks to anybody).
//!
//! ```sh
//! cargo run --example unique-ids                                  # under cap-partition
//! cargo run --example unique-ids -- chaos --seeds 20 --nemesis all
//! cargo run --example unique-ids -- chaos --seeds 20 --nemesis crash --amnesia   # breaks
//! ```

use lab::{Answer, Check, Contact, Example, Node, NodeCtx, Op, ReplicaId, Request, Workload};
use std::process::ExitCode;

/// The last counter used, on disk.
#[derive(Clone, Debug, Default)]
pub struct Counter(pub u64);

/// The replica has no volatile state at all.
#[derive(Debug)]
pub struct UniqueIds;

impl Node for UniqueIds {
    type Msg = ();
    type Timer = ();
    type Durable = Counter;

    fn boot(_ctx: &mut NodeCtx<'_, Self>) -> Self {
        UniqueIds
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let answer = match req.op {
            Op::GenerateId => {
                let n = u64::from(ctx.cluster_size());
                let me = u64::from(ctx.me().0);
                ctx.durable().0 += 1;
                Answer::Id(ctx.durable().0 * n + me)
            }
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, _ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, _msg: ()) {}
}

fn main() -> ExitCode {
    Example::new("unique-ids", Workload::unique_ids())
        .scenario("cap-partition")
        .contact(Contact::Random)
        .check(Check::Unique)
        .run::<UniqueIds>()
}
