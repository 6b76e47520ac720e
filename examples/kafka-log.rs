//! A Kafka-style log with offsets (Maelstrom's `kafka` challenge): clients send messages to
//! keys and are told each message's offset, poll each key from an offset on, commit the
//! offsets they have processed and list the committed ones.
//!
//! The simplest design that is right: replica 0 leads every key. It keeps the logs (a
//! message's offset is its index in its key's log) and the committed offsets (the largest
//! committed per key) in `Node::Durable`, written before it answers; the other replicas pass
//! every request to it, and it answers the client directly. A network that duplicates
//! messages between replicas may hand it one forwarded send twice: it remembers each
//! client's last send and answers a copy with the offset already given, without appending
//! the message again.
//!
//! Under a partition, the replicas cut off from replica 0 cannot reach it: their clients'
//! requests time out, and the log keeps its promises. A crash of replica 0 stops everything
//! until it restarts, with its disk. A crash that loses its disk (`--amnesia`) is another
//! matter.
//!
//! ```sh
//! cargo run --example kafka-log                          # under cap-partition
//! cargo run --example kafka-log -- chaos --seeds 20 --nemesis all
//! cargo run --example kafka-log -- chaos --seeds 20 --nemesis crash --amnesia   # breaks
//! ```

use lab::{Answer, Check, ClientId, Example, Node, NodeCtx, Op, ReplicaId, Request, Workload};
use std::collections::BTreeMap;
use std::process::ExitCode;

/// The replica that leads every key.
const LEADER: ReplicaId = ReplicaId(0);
/// Most messages a poll returns per key.
const POLL_MAX: usize = 20;

#[derive(Clone, Debug)]
pub enum Msg {
    /// A client's request, passed to the leader.
    Forward(Request),
}

/// The leader's disk.
#[derive(Clone, Debug, Default)]
pub struct Logs {
    /// Per key, the messages in offset order: a message's offset is its index.
    pub logs: BTreeMap<u64, Vec<u64>>,
    /// Per key, the largest offset committed.
    pub committed: BTreeMap<u64, u64>,
    /// Per client, its last send's request number and the offset that send got.
    pub last_send: BTreeMap<ClientId, (u64, u64)>,
}

/// No volatile state: the leader's is all on disk, the others forward.
#[derive(Debug)]
pub struct KafkaLog;

/// The leader's work: every request answered from (and written to) its disk (`Logs`; any
/// node keeping them there can use it).
pub fn serve<N: Node<Durable = Logs>>(ctx: &mut NodeCtx<'_, N>, req: Request) {
    let disk = ctx.durable();
    let answer = match &req.op {
        Op::Send { key, msg } => match disk.last_send.get(&req.client) {
            // A copy of the last send: the same answer, nothing appended.
            Some(&(id, offset)) if id == req.id => Answer::Offset(offset),
            // A copy of an older send: its client has moved on.
            Some(&(id, _)) if id > req.id => return,
            _ => {
                let log = disk.logs.entry(*key).or_default();
                log.push(*msg);
                let offset = log.len() as u64 - 1;
                disk.last_send.insert(req.client, (req.id, offset));
                Answer::Offset(offset)
            }
        },
        Op::Poll { offsets } => Answer::Polled(
            offsets
                .iter()
                .map(|(key, from)| {
                    let log = disk.logs.get(key).map_or(&[][..], Vec::as_slice);
                    let from = usize::try_from(*from).map_or(log.len(), |f| f.min(log.len()));
                    let entries = log[from..]
                        .iter()
                        .take(POLL_MAX)
                        .enumerate()
                        .map(|(i, msg)| ((from + i) as u64, *msg))
                        .collect();
                    (*key, entries)
                })
                .collect(),
        ),
        Op::CommitOffsets { offsets } => {
            for (key, offset) in offsets {
                let c = disk.committed.entry(*key).or_insert(*offset);
                *c = (*c).max(*offset);
            }
            Answer::Committed
        }
        Op::ListCommittedOffsets { keys } => Answer::CommittedOffsets(
            keys.iter()
                .filter_map(|k| disk.committed.get(k).map(|o| (*k, *o)))
                .collect(),
        ),
        _ => Answer::Unavailable,
    };
    ctx.reply(&req, answer);
}

impl Node for KafkaLog {
    type Msg = Msg;
    type Timer = ();
    type Durable = Logs;

    fn boot(_ctx: &mut NodeCtx<'_, Self>) -> Self {
        KafkaLog
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        if ctx.me() == LEADER {
            serve(ctx, req);
        } else {
            ctx.send(LEADER, Msg::Forward(req));
        }
    }

    fn on_message(&mut self, ctx: &mut NodeCtx<'_, Self>, _from: ReplicaId, msg: Msg) {
        let Msg::Forward(req) = msg;
        if ctx.me() == LEADER {
            serve(ctx, req);
        }
    }
}

fn main() -> ExitCode {
    Example::new("kafka-log", Workload::kafka_log())
        .scenario("cap-partition")
        .check(Check::Kafka)
        .run::<KafkaLog>()
}
