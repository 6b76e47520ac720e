//! What the clients ask: the operations of each data type, the answers a replica gives,
//! and the workload that draws them.

use crate::error::LabError;
use sim_core::rng::SimRng;
use std::collections::{BTreeMap, BTreeSet};

/// An operation a client asks a replica for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Read a register (key-value workloads have several keys; a register workload one).
    Read {
        /// The key.
        key: u64,
    },
    /// Overwrite a register. Every write in a run writes a value no other write writes.
    Write {
        /// The key.
        key: u64,
        /// The value.
        value: u64,
    },
    /// Compare-and-set a register: if it holds `expected`, replace it with `new`.
    Cas {
        /// The key.
        key: u64,
        /// The value it must hold.
        expected: u64,
        /// The value swapped in.
        new: u64,
    },
    /// Add to a counter.
    Add {
        /// The amount (positive).
        amount: i64,
    },
    /// Read a counter.
    ReadCounter,
    /// Append to a log (every value appended once).
    Append {
        /// The value.
        value: u64,
    },
    /// Read the whole log.
    ReadLog,
    /// Insert into a grow-only set (every element inserted once).
    Insert {
        /// The element.
        value: u64,
    },
    /// Read the whole set.
    ReadSet,
    /// Ask for an identifier no other request was ever given (Maelstrom's unique ids).
    GenerateId,
    /// Broadcast a message to every replica (every value broadcast once).
    Broadcast {
        /// The message.
        value: u64,
    },
    /// Read every message this replica has received.
    ReadMessages,
    /// Append a message to a key's log (Maelstrom's `kafka`: `send`); the answer is the
    /// offset it was given ([`Answer::Offset`]). Offsets of a key increase along its log,
    /// not necessarily one by one. Every message is sent once.
    Send {
        /// The key (a log of its own).
        key: u64,
        /// The message.
        msg: u64,
    },
    /// Read each key's log from an offset on ([`Answer::Polled`]): the messages at that
    /// offset and after, in offset order, with none skipped; a replica may return only the
    /// first few (as Kafka's `max.poll.records`).
    Poll {
        /// Key → the first offset wanted (the client's position: the offset after the
        /// last message it consumed).
        offsets: BTreeMap<u64, u64>,
    },
    /// Record that messages are processed up to and including these offsets
    /// ([`Answer::Committed`]). A key's committed offset is the largest ever committed:
    /// it never goes back.
    CommitOffsets {
        /// Key → the last offset processed.
        offsets: BTreeMap<u64, u64>,
    },
    /// Read the committed offsets of these keys ([`Answer::CommittedOffsets`]).
    ListCommittedOffsets {
        /// The keys.
        keys: BTreeSet<u64>,
    },
}

impl Op {
    /// The operation's name, used for endpoints in results: `read`, `write`, `cas`, `add`,
    /// `read_counter`, `append`, `read_log`, `insert`, `read_set`, `generate`, `broadcast`,
    /// `read_messages`, `send`, `poll`, `commit_offsets`, `list_committed_offsets`.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Read { .. } => "read",
            Op::Write { .. } => "write",
            Op::Cas { .. } => "cas",
            Op::Add { .. } => "add",
            Op::ReadCounter => "read_counter",
            Op::Append { .. } => "append",
            Op::ReadLog => "read_log",
            Op::Insert { .. } => "insert",
            Op::ReadSet => "read_set",
            Op::GenerateId => "generate",
            Op::Broadcast { .. } => "broadcast",
            Op::ReadMessages => "read_messages",
            Op::Send { .. } => "send",
            Op::Poll { .. } => "poll",
            Op::CommitOffsets { .. } => "commit_offsets",
            Op::ListCommittedOffsets { .. } => "list_committed_offsets",
        }
    }

    /// Whether the operation changes the data (the others only read it).
    pub fn is_update(&self) -> bool {
        !matches!(
            self,
            Op::Read { .. }
                | Op::ReadCounter
                | Op::ReadLog
                | Op::ReadSet
                | Op::ReadMessages
                | Op::Poll { .. }
                | Op::ListCommittedOffsets { .. }
        )
    }

    /// Whether `answer` is a possible kind of answer to this operation.
    pub fn fits(&self, answer: &Answer) -> bool {
        matches!(
            (self, answer),
            (_, Answer::Unavailable)
                | (Op::Read { .. }, Answer::Value(_))
                | (Op::Write { .. }, Answer::Written)
                | (Op::Cas { .. }, Answer::Cas(_))
                | (Op::Add { .. }, Answer::Added)
                | (Op::ReadCounter, Answer::Counter(_))
                | (Op::Append { .. }, Answer::Appended)
                | (Op::ReadLog, Answer::Log(_))
                | (Op::Insert { .. }, Answer::Inserted)
                | (Op::ReadSet, Answer::Set(_))
                | (Op::GenerateId, Answer::Id(_))
                | (Op::Broadcast { .. }, Answer::Broadcasted)
                | (Op::ReadMessages, Answer::Messages(_))
                | (Op::Send { .. }, Answer::Offset(_))
                | (Op::Poll { .. }, Answer::Polled(_))
                | (Op::CommitOffsets { .. }, Answer::Committed)
                | (Op::ListCommittedOffsets { .. }, Answer::CommittedOffsets(_))
        )
    }
}

/// A replica's answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A register's value (`None`: never written).
    Value(Option<u64>),
    /// The write is done.
    Written,
    /// Whether the compare-and-set swapped.
    Cas(bool),
    /// The addition is done.
    Added,
    /// The counter's value.
    Counter(i64),
    /// The append is done.
    Appended,
    /// The log, oldest entry first.
    Log(Vec<u64>),
    /// The insert is done.
    Inserted,
    /// The set's elements.
    Set(BTreeSet<u64>),
    /// A fresh identifier.
    Id(u64),
    /// The broadcast is accepted.
    Broadcasted,
    /// The messages this replica has received.
    Messages(BTreeSet<u64>),
    /// The offset a sent message was given.
    Offset(u64),
    /// Per key polled, `(offset, message)` pairs in increasing offset order.
    Polled(BTreeMap<u64, Vec<(u64, u64)>>),
    /// The commit is done.
    Committed,
    /// Key → committed offset (a key with none committed is left out).
    CommittedOffsets(BTreeMap<u64, u64>),
    /// The replica refuses (no quorum, not the leader...). The client counts an error; the
    /// checker treats the operation as one with an unknown outcome, since the replica may
    /// have done part of it before refusing.
    Unavailable,
}

/// The workload in a few words, for reports: `1 register key: 50% reads, 0% CAS, writes`.
pub fn describe(w: &Workload) -> String {
    let pct = |p: f64| format!("{}%", (p * 1000.0).round() / 10.0);
    let updates = w
        .updates_until_s
        .map_or(String::new(), |u| format!("; updates stop at {u} s"));
    let data = match &w.data {
        DataType::Register { keys, read, cas } => format!(
            "register{} ({} key{}): {} reads, {} compare-and-sets, the rest writes of unique values",
            if *keys == 1 { "" } else { "s" },
            keys,
            if *keys == 1 { "" } else { "s" },
            pct(*read),
            pct(*cas)
        ),
        DataType::Counter { read, max_add } => {
            format!("a counter: {} reads, additions of 1 to {max_add}", pct(*read))
        }
        DataType::Log { read } => format!("a log: {} whole-log reads, appends", pct(*read)),
        DataType::Set { read } => {
            format!("a grow-only set: {} whole-set reads, inserts", pct(*read))
        }
        DataType::PnCounter { read, max_abs } => format!(
            "a counter going both ways: {} reads, additions of -{max_abs} to {max_abs}",
            pct(*read)
        ),
        DataType::UniqueIds => "requests for unique identifiers".to_string(),
        DataType::Broadcast { read } => format!(
            "broadcast: {} reads of a replica's messages, broadcasts of new ones",
            pct(*read)
        ),
        DataType::KafkaLog {
            keys,
            poll,
            commit,
            list,
        } => format!(
            "Kafka-style log{} ({} key{}): {} polls from each client's positions, {} commits \
             of what it consumed, {} lists of committed offsets, the rest sends of unique \
             messages",
            if *keys == 1 { "" } else { "s" },
            keys,
            if *keys == 1 { "" } else { "s" },
            pct(*poll),
            pct(*commit),
            pct(*list)
        ),
    };
    format!("{data}{updates}")
}

/// A replica's state as a convergence check compares it ([`crate::Node::observe`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observation {
    /// A counter's value.
    Counter(i64),
    /// A set's elements.
    Set(BTreeSet<u64>),
}

/// The data type the clients use, and the mix of operations.
#[derive(Clone, Debug, PartialEq)]
pub enum DataType {
    /// Registers under `keys` keys (1: a single register): reads, writes and CAS.
    Register {
        /// Number of keys.
        keys: u32,
        /// Fraction of reads.
        read: f64,
        /// Fraction of compare-and-sets (the rest are writes).
        cas: f64,
    },
    /// A counter: additions of 1 to `max_add`, and reads.
    Counter {
        /// Fraction of reads.
        read: f64,
        /// Largest amount added.
        max_add: i64,
    },
    /// An append-only log: appends and whole-log reads.
    Log {
        /// Fraction of reads.
        read: f64,
    },
    /// A grow-only set: inserts and whole-set reads.
    Set {
        /// Fraction of reads.
        read: f64,
    },
    /// A counter that goes both ways: additions of -`max_abs`..=`max_abs` (never 0), and
    /// reads.
    PnCounter {
        /// Fraction of reads.
        read: f64,
        /// Largest amount added or subtracted.
        max_abs: i64,
    },
    /// Requests for unique identifiers.
    UniqueIds,
    /// Broadcasts of unique messages, and reads of the messages a replica has.
    Broadcast {
        /// Fraction of reads.
        read: f64,
    },
    /// Kafka-style logs, one per key (Maelstrom's `kafka`): sends of unique messages to a
    /// key drawn at random; polls of every key, each client from its own positions (the
    /// offset after the last message it polled, so polls move on); commits of those
    /// positions (the last offset it consumed of each key); lists of every key's committed
    /// offset.
    KafkaLog {
        /// Number of keys (logs).
        keys: u32,
        /// Fraction of polls.
        poll: f64,
        /// Fraction of commits (a client with nothing consumed yet polls instead).
        commit: f64,
        /// Fraction of lists of committed offsets (the rest are sends).
        list: f64,
    },
}

/// The clients: how many per group, how often they ask, how long they wait.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The data type and operation mix.
    pub data: DataType,
    /// Clients in each client group (`app#i` of a scenario); each has one request
    /// outstanding at a time (closed loop).
    pub clients_per_group: u32,
    /// Mean pause between a client's answer and its next request (exponential), in ms.
    pub think_ms: f64,
    /// How long a client waits for an answer before giving up (the outcome is then
    /// unknown), in ms.
    pub timeout_ms: f64,
    /// Updates stop at this instant (only reads after), so that a convergence check sees
    /// the replicas settle; `None`: updates to the end.
    pub updates_until_s: Option<f64>,
}

impl Workload {
    /// A single register: half reads, half writes (no CAS: set `cas` in [`DataType`] to
    /// add some); 4 clients per group, 20 ms think time, 500 ms timeout.
    pub fn register() -> Workload {
        Workload {
            data: DataType::Register {
                keys: 1,
                read: 0.5,
                cas: 0.0,
            },
            clients_per_group: 4,
            think_ms: 20.0,
            timeout_ms: 500.0,
            updates_until_s: None,
        }
    }

    /// A counter: 30% reads, additions of 1 to 5; updates stop 10 s before the end of a
    /// 60 s run (set `updates_until_s` for others).
    pub fn counter() -> Workload {
        Workload {
            data: DataType::Counter {
                read: 0.3,
                max_add: 5,
            },
            updates_until_s: Some(50.0),
            ..Workload::register()
        }
    }

    /// A log: 30% whole-log reads.
    pub fn log() -> Workload {
        Workload {
            data: DataType::Log { read: 0.3 },
            ..Workload::register()
        }
    }

    /// A grow-only set: 30% whole-set reads.
    pub fn set() -> Workload {
        Workload {
            data: DataType::Set { read: 0.3 },
            ..Workload::register()
        }
    }

    /// A counter that goes up and down: 30% reads, additions of -5..=5 (not 0); updates stop
    /// 10 s before the end of a 60 s run.
    pub fn pn_counter() -> Workload {
        Workload {
            data: DataType::PnCounter {
                read: 0.3,
                max_abs: 5,
            },
            ..Workload::counter()
        }
    }

    /// Unique identifiers: every request asks for one.
    pub fn unique_ids() -> Workload {
        Workload {
            data: DataType::UniqueIds,
            ..Workload::register()
        }
    }

    /// Broadcast: 30% reads of a replica's messages, the rest broadcasts of new ones, 100 ms
    /// think time (a read returns every message, so a run keeps them to a few thousand);
    /// broadcasts stop 10 s before the end of a 60 s run, so that every replica can catch up.
    pub fn broadcast() -> Workload {
        Workload {
            data: DataType::Broadcast { read: 0.3 },
            think_ms: 100.0,
            updates_until_s: Some(50.0),
            ..Workload::register()
        }
    }

    /// Kafka-style logs: 4 keys, 30% polls, 10% commits, 10% lists of committed offsets,
    /// half sends; 100 ms think time, so that a 60 s run sends a few thousand messages and
    /// each poll returns a few.
    pub fn kafka_log() -> Workload {
        Workload {
            data: DataType::KafkaLog {
                keys: 4,
                poll: 0.3,
                commit: 0.1,
                list: 0.1,
            },
            think_ms: 100.0,
            ..Workload::register()
        }
    }

    /// Checks the numbers; the error names the field.
    pub fn validate(&self) -> Result<(), LabError> {
        let fraction = |name: &str, p: f64| {
            if (0.0..=1.0).contains(&p) {
                Ok(())
            } else {
                Err(LabError::invalid(
                    format!("workload.{name}"),
                    format!("a fraction must be in [0, 1], got {p}"),
                ))
            }
        };
        match &self.data {
            DataType::Register { keys, read, cas } => {
                if *keys == 0 {
                    return Err(LabError::invalid("workload.keys", "at least one key"));
                }
                fraction("read", *read)?;
                fraction("cas", *cas)?;
                fraction("read + cas", read + cas)?;
            }
            DataType::Counter { read, max_add } => {
                fraction("read", *read)?;
                if *max_add < 1 {
                    return Err(LabError::invalid(
                        "workload.max_add",
                        format!("at least 1, got {max_add}"),
                    ));
                }
            }
            DataType::Log { read } | DataType::Set { read } | DataType::Broadcast { read } => {
                fraction("read", *read)?
            }
            DataType::PnCounter { read, max_abs } => {
                fraction("read", *read)?;
                if *max_abs < 1 {
                    return Err(LabError::invalid(
                        "workload.max_abs",
                        format!("at least 1, got {max_abs}"),
                    ));
                }
            }
            DataType::UniqueIds => {}
            DataType::KafkaLog {
                keys,
                poll,
                commit,
                list,
            } => {
                if *keys == 0 {
                    return Err(LabError::invalid("workload.keys", "at least one key"));
                }
                fraction("poll", *poll)?;
                fraction("commit", *commit)?;
                fraction("list", *list)?;
                fraction("poll + commit + list", poll + commit + list)?;
            }
        }
        if self.clients_per_group == 0 {
            return Err(LabError::invalid(
                "workload.clients_per_group",
                "at least one client",
            ));
        }
        for (name, v) in [("think_ms", self.think_ms), ("timeout_ms", self.timeout_ms)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(LabError::invalid(
                    format!("workload.{name}"),
                    format!("must be a positive number, got {v}"),
                ));
            }
        }
        Ok(())
    }

    /// The next operation of a client: drawn from `rng`, with `fresh` a value no other
    /// update uses, only reads when `reads_only`, and what the client remembers (`memory`).
    pub(crate) fn draw(
        &self,
        rng: &mut SimRng,
        fresh: u64,
        reads_only: bool,
        memory: &ClientMemory,
    ) -> Op {
        let u = rng.next_f64();
        match &self.data {
            DataType::Register { keys, read, cas } => {
                let key = rng.below(u64::from(*keys));
                if u < *read || reads_only {
                    Op::Read { key }
                } else if u < read + cas {
                    // Expect a recent value: the last fresh one or so.
                    Op::Cas {
                        key,
                        expected: fresh.saturating_sub(1 + rng.below(3)),
                        new: fresh,
                    }
                } else {
                    Op::Write { key, value: fresh }
                }
            }
            DataType::Counter { read, max_add } => {
                if u < *read || reads_only {
                    Op::ReadCounter
                } else {
                    Op::Add {
                        amount: 1 + rng.below(*max_add as u64) as i64,
                    }
                }
            }
            DataType::Log { read } => {
                if u < *read || reads_only {
                    Op::ReadLog
                } else {
                    Op::Append { value: fresh }
                }
            }
            DataType::Set { read } => {
                if u < *read || reads_only {
                    Op::ReadSet
                } else {
                    Op::Insert { value: fresh }
                }
            }
            DataType::PnCounter { read, max_abs } => {
                if u < *read || reads_only {
                    Op::ReadCounter
                } else {
                    let size = 1 + rng.below(*max_abs as u64) as i64;
                    Op::Add {
                        amount: if rng.chance(0.5) { size } else { -size },
                    }
                }
            }
            DataType::UniqueIds => Op::GenerateId,
            DataType::Broadcast { read } => {
                if u < *read || reads_only {
                    Op::ReadMessages
                } else {
                    Op::Broadcast { value: fresh }
                }
            }
            DataType::KafkaLog {
                keys,
                poll,
                commit,
                list,
            } => {
                let every = 0..u64::from(*keys);
                let poll_op = || Op::Poll {
                    offsets: every.clone().map(|k| (k, memory.position(k))).collect(),
                };
                if u < *poll {
                    poll_op()
                } else if u < poll + commit {
                    if reads_only || memory.consumed.is_empty() {
                        poll_op()
                    } else {
                        Op::CommitOffsets {
                            offsets: memory.consumed.clone(),
                        }
                    }
                } else if u < poll + commit + list {
                    Op::ListCommittedOffsets {
                        keys: every.clone().collect(),
                    }
                } else if reads_only {
                    poll_op()
                } else {
                    Op::Send {
                        key: rng.below(u64::from(*keys)),
                        msg: fresh,
                    }
                }
            }
        }
    }
}

/// What a client remembers between its requests: for a Kafka-style log, the last offset it
/// consumed of each key (it polls from the next one, and commits these).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ClientMemory {
    consumed: BTreeMap<u64, u64>,
}

impl ClientMemory {
    /// Where the client polls `key` from: after the last offset it consumed (0 at first).
    fn position(&self, key: u64) -> u64 {
        self.consumed
            .get(&key)
            .map_or(0, |last| last.saturating_add(1))
    }

    /// Learns from an answer the client was given: a poll's messages are consumed (its
    /// positions only move forward, whatever a replica returns).
    pub(crate) fn learn(&mut self, op: &Op, answer: &Answer) {
        if let (Op::Poll { offsets }, Answer::Polled(got)) = (op, answer) {
            for (key, entries) in got {
                let last = entries.iter().map(|e| e.0).max();
                if let (true, Some(last)) = (offsets.contains_key(key), last) {
                    let e = self.consumed.entry(*key).or_insert(last);
                    *e = (*e).max(last);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_clients_poll_from_what_they_consumed_and_commit_it() {
        let w = Workload::kafka_log();
        w.validate().expect("a valid workload");
        let mut rng = SimRng::stream(1, "test", 0);
        let mut memory = ClientMemory::default();
        let mut seen = BTreeSet::new();
        for fresh in 0..400 {
            let op = w.draw(&mut rng, fresh, false, &memory);
            seen.insert(op.name());
            match &op {
                Op::Poll { offsets } => {
                    assert_eq!(offsets.len(), 4);
                    assert!(offsets.iter().all(|(k, o)| *o == memory.position(*k)));
                }
                Op::CommitOffsets { offsets } => assert_eq!(offsets, &memory.consumed),
                Op::ListCommittedOffsets { keys } => assert_eq!(keys.len(), 4),
                Op::Send { key, msg } => assert!(*key < 4 && *msg == fresh),
                _ => panic!("not a Kafka operation: {op:?}"),
            }
            assert!(!op.is_update() || !matches!(op, Op::Poll { .. }));
            if let Op::Poll { offsets } = &op {
                // A replica answers key 1 with two messages from the position on.
                let from = offsets[&1];
                let answer = Answer::Polled([(1, vec![(from, 7), (from + 2, 9)])].into());
                assert!(op.fits(&answer));
                memory.learn(&op, &answer);
                assert_eq!(memory.position(1), from + 3);
            }
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
        // Only polls and lists once updates stop.
        for fresh in 0..100 {
            let op = w.draw(&mut rng, fresh, true, &memory);
            assert!(!op.is_update(), "{op:?}");
        }
        let bad = Workload {
            data: DataType::KafkaLog {
                keys: 2,
                poll: 0.6,
                commit: 0.3,
                list: 0.3,
            },
            ..Workload::kafka_log()
        };
        assert!(bad
            .validate()
            .is_err_and(|e| e.to_string().contains("poll + commit + list")));
    }
}
