//! Kafka-style logs with offsets (Maelstrom's `kafka` challenge): clients `send` messages
//! to keys and are told the offset each got, `poll` each key from an offset on, `commit`
//! offsets they have processed and `list` the committed ones. The check is safety only,
//! from what the clients were told:
//!
//! - **one message per offset**: no two messages acknowledged with the same offset of a
//!   key; the message a poll returns at an offset is the one whose send was acknowledged
//!   with that offset (if any), every poll returns the same message there, and a message
//!   (every one is sent once) is found at one offset only;
//! - **nothing from nowhere**: a poll returns only messages some client sent to that key
//!   (checked when the history holds every operation);
//! - **in order**: a poll returns each key's messages in increasing offset order, none
//!   before the offset it asked from;
//! - **no lost writes**: every acknowledged send whose offset lies within a poll's range of
//!   its key (from the offset asked for to the last one returned) is in that poll: a poll
//!   may stop early, never skip;
//! - **committed offsets never go backwards**: once a commit of offset `o` of a key was
//!   acknowledged, or a list returned `o` for it, a list invoked later returns at least
//!   `o` for that key.
//!
//! Offsets need not be consecutive, and sends need not be acknowledged in offset order. A
//! send or a commit whose outcome the client never learned constrains nothing, though its
//! message may turn up in polls. The violation reported is the first in time: the one
//! whose last needed answer came earliest, with the operations that show it and a
//! sentence saying why.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

/// What a client asked, and what it was told (the answer counts only when the operation
/// has a completion time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KafkaCall {
    /// Append `msg` to `key`'s log; `offset` is the offset the client was told.
    Send {
        /// The key.
        key: u64,
        /// The message (no other send sends it).
        msg: u64,
        /// The offset it was given.
        offset: Option<u64>,
    },
    /// Read each key of `from` from its offset on; `got`: per key, `(offset, message)`
    /// pairs as returned.
    Poll {
        /// Key → first offset wanted.
        from: BTreeMap<u64, u64>,
        /// The answer.
        got: Option<BTreeMap<u64, Vec<(u64, u64)>>>,
    },
    /// Commit these offsets (key → offset processed).
    Commit {
        /// Key → offset.
        offsets: BTreeMap<u64, u64>,
    },
    /// Ask for the committed offsets of `keys`; `got`: key → offset, absent for a key with
    /// none.
    List {
        /// The keys asked about.
        keys: BTreeSet<u64>,
        /// The answer.
        got: Option<BTreeMap<u64, u64>>,
    },
}

/// One operation of the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaOp {
    /// Its id in the history (for the caller; not interpreted).
    pub id: u64,
    /// The client.
    pub client: u32,
    /// What was asked and answered.
    pub call: KafkaCall,
    /// When the client asked, in nanoseconds.
    pub invoke_ns: u64,
    /// When it got the answer; `None`: the outcome is unknown and the answer is ignored.
    pub complete_ns: Option<u64>,
}

/// The kinds of violation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anomaly {
    /// Two messages acknowledged with the same offset of a key.
    DuplicateOffset,
    /// A message found at an offset it was not given, or two messages at one offset.
    WrongMessage,
    /// A poll returned a message no client sent to that key.
    NeverSent,
    /// A poll returned a key's offsets out of order, or before the offset asked from.
    Unordered,
    /// A poll skipped an acknowledged message within its range.
    LostWrite,
    /// A list of committed offsets returned less than a commit or a list before it.
    CommitWentBack,
}

impl Anomaly {
    /// A few words for it: `duplicate offset`, `lost write`...
    pub fn words(self) -> &'static str {
        match self {
            Anomaly::DuplicateOffset => "duplicate offset",
            Anomaly::WrongMessage => "wrong message at an offset",
            Anomaly::NeverSent => "message never sent",
            Anomaly::Unordered => "poll out of order",
            Anomaly::LostWrite => "lost write",
            Anomaly::CommitWentBack => "committed offset went backwards",
        }
    }
}

/// The first violation found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KafkaViolation {
    /// What kind.
    pub anomaly: Anomaly,
    /// The key.
    pub key: u64,
    /// Indices (into the checked slice) of the operations that show it, by invocation.
    pub ops: Vec<usize>,
    /// When the last answer it needs came, in nanoseconds.
    pub at_ns: u64,
    /// One sentence: why these operations break the log's promises.
    pub explanation: String,
}

/// What the check saw, and the first violation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KafkaReport {
    /// Sends acknowledged with an offset.
    pub sends_acknowledged: usize,
    /// Polls answered.
    pub polls: usize,
    /// Messages those polls returned.
    pub messages_polled: usize,
    /// Commits acknowledged.
    pub commits_acknowledged: usize,
    /// Lists of committed offsets answered.
    pub lists: usize,
    /// The first violation in time, if any.
    pub violation: Option<KafkaViolation>,
}

/// The earliest violation found so far.
struct First(Option<KafkaViolation>);

impl First {
    fn consider(&mut self, anomaly: Anomaly, key: u64, ops: Vec<usize>, at_ns: u64, why: String) {
        if self.0.as_ref().is_none_or(|v| at_ns < v.at_ns) {
            self.0 = Some(KafkaViolation {
                anomaly,
                key,
                ops,
                at_ns,
                explanation: why,
            });
        }
    }
}

/// One statement of "message `msg` is at offset `offset` of `key`": an acknowledged send,
/// or an entry of a poll's answer.
struct Claim {
    at_ns: u64,
    key: u64,
    offset: u64,
    msg: u64,
    op: usize,
    acked_send: bool,
}

/// Checks `ops`. `complete`: the history holds every operation the clients issued (no cap
/// cut it short), so a polled message no recorded send sent came from nowhere.
pub fn check_kafka(ops: &[KafkaOp], complete: bool) -> KafkaReport {
    let mut report = KafkaReport::default();
    let mut first = First(None);
    // Every send, by message (a message is sent once), whatever its outcome.
    let mut sent: BTreeMap<u64, (u64, usize)> = BTreeMap::new();
    // Acknowledged sends per key, by offset (the first acknowledged, when two were).
    let mut acked: BTreeMap<u64, BTreeMap<u64, usize>> = BTreeMap::new();
    let mut claims: Vec<Claim> = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        let done = o.complete_ns;
        match (&o.call, done) {
            (KafkaCall::Send { key, msg, offset }, _) => {
                sent.entry(*msg).or_insert((*key, i));
                if let (Some(at_ns), Some(offset)) = (done, offset) {
                    report.sends_acknowledged += 1;
                    claims.push(Claim {
                        at_ns,
                        key: *key,
                        offset: *offset,
                        msg: *msg,
                        op: i,
                        acked_send: true,
                    });
                }
            }
            (
                KafkaCall::Poll {
                    from,
                    got: Some(got),
                },
                Some(at_ns),
            ) => {
                report.polls += 1;
                for (key, entries) in got {
                    report.messages_polled += entries.len();
                    poll_order(&mut first, *key, from.get(key).copied(), entries, i, at_ns);
                    claims.extend(entries.iter().map(|&(offset, msg)| Claim {
                        at_ns,
                        key: *key,
                        offset,
                        msg,
                        op: i,
                        acked_send: false,
                    }));
                }
            }
            (KafkaCall::Commit { .. }, Some(_)) => report.commits_acknowledged += 1,
            (KafkaCall::List { got: Some(_), .. }, Some(_)) => report.lists += 1,
            _ => {}
        }
    }
    // Acknowledged offsets, in the order the acknowledgements came.
    let mut by_ack: Vec<&Claim> = claims.iter().filter(|c| c.acked_send).collect();
    by_ack.sort_by_key(|c| (c.at_ns, c.op));
    for c in by_ack {
        acked
            .entry(c.key)
            .or_default()
            .entry(c.offset)
            .or_insert(c.op);
    }
    claims.sort_by_key(|c| (c.at_ns, c.op));
    one_message_per_offset(&mut first, &claims, &sent, complete);
    no_lost_writes(&mut first, ops, &acked);
    commits_go_forward(&mut first, ops);
    report.violation = first.0.map(|mut v| {
        v.ops.sort_by_key(|&i| (ops[i].invoke_ns, ops[i].id));
        v.ops.dedup();
        v
    });
    report
}

/// A poll's entries for `key`: increasing, none before `from`.
fn poll_order(
    first: &mut First,
    key: u64,
    from: Option<u64>,
    entries: &[(u64, u64)],
    op: usize,
    at_ns: u64,
) {
    if let (Some(f), Some(&(o, _))) = (from, entries.first()) {
        if o < f {
            first.consider(
                Anomaly::Unordered,
                key,
                vec![op],
                at_ns,
                format!("a poll of key {key} from offset {f} returned offset {o}, before it"),
            );
        }
    }
    if let Some(w) = entries.windows(2).find(|w| w[1].0 <= w[0].0) {
        first.consider(
            Anomaly::Unordered,
            key,
            vec![op],
            at_ns,
            format!(
                "a poll of key {key} returned offset {} after offset {}: not in increasing order",
                w[1].0, w[0].0
            ),
        );
    }
}

/// Every statement about an offset or a message agrees with the others, and every polled
/// message was sent to its key.
fn one_message_per_offset(
    first: &mut First,
    claims: &[Claim],
    sent: &BTreeMap<u64, (u64, usize)>,
    complete: bool,
) {
    let mut at_offset: BTreeMap<(u64, u64), &Claim> = BTreeMap::new();
    let mut offset_of: BTreeMap<(u64, u64), &Claim> = BTreeMap::new();
    for c in claims {
        let (key, o, m) = (c.key, c.offset, c.msg);
        if !c.acked_send {
            match sent.get(&m) {
                None if complete => first.consider(
                    Anomaly::NeverSent,
                    key,
                    vec![c.op],
                    c.at_ns,
                    format!(
                        "a poll returned message {m} at offset {o} of key {key}, but no client \
                         sent {m}"
                    ),
                ),
                Some(&(k, s)) if k != key => first.consider(
                    Anomaly::NeverSent,
                    key,
                    vec![s, c.op],
                    c.at_ns,
                    format!(
                        "a poll returned message {m} at offset {o} of key {key}, but it was sent \
                         to key {k}"
                    ),
                ),
                _ => {}
            }
        }
        match at_offset.entry((key, o)) {
            Entry::Vacant(e) => {
                e.insert(c);
            }
            Entry::Occupied(e) if e.get().msg != m => {
                let e = *e.get();
                let (anomaly, why) = match (e.acked_send, c.acked_send) {
                    (true, true) => (
                        Anomaly::DuplicateOffset,
                        format!(
                            "offset {o} of key {key} was given to two messages, {} and {m}",
                            e.msg
                        ),
                    ),
                    (true, false) => (
                        Anomaly::WrongMessage,
                        format!(
                            "the send of {} was acknowledged with offset {o} of key {key}, but a \
                             poll returned message {m} there",
                            e.msg
                        ),
                    ),
                    (false, true) => (
                        Anomaly::WrongMessage,
                        format!(
                            "a poll returned message {} at offset {o} of key {key}, but the send \
                             of {m} was acknowledged with that offset",
                            e.msg
                        ),
                    ),
                    (false, false) => (
                        Anomaly::WrongMessage,
                        format!(
                            "two polls returned different messages at offset {o} of key {key}: \
                             {} and {m}",
                            e.msg
                        ),
                    ),
                };
                first.consider(anomaly, key, vec![e.op, c.op], c.at_ns, why);
            }
            Entry::Occupied(_) => {}
        }
        match offset_of.entry((key, m)) {
            Entry::Vacant(e) => {
                e.insert(c);
            }
            Entry::Occupied(e) if e.get().offset != o => {
                let e = *e.get();
                let why = match (e.acked_send, c.acked_send) {
                    (true, _) => format!(
                        "message {m} was acknowledged with offset {} of key {key}, but a poll \
                         returned it at offset {o}",
                        e.offset
                    ),
                    (false, true) => format!(
                        "message {m} was acknowledged with offset {o} of key {key}, but a poll \
                         returned it at offset {}",
                        e.offset
                    ),
                    (false, false) => format!(
                        "message {m}, sent once, was returned at two offsets of key {key}: {} \
                         and {o}",
                        e.offset
                    ),
                };
                let mut shown = vec![e.op, c.op];
                if let Some(&(_, s)) = sent.get(&m) {
                    shown.push(s);
                }
                first.consider(Anomaly::WrongMessage, key, shown, c.at_ns, why);
            }
            Entry::Occupied(_) => {}
        }
    }
}

/// Every acknowledged send within a poll's range of its key is in the poll.
fn no_lost_writes(first: &mut First, ops: &[KafkaOp], acked: &BTreeMap<u64, BTreeMap<u64, usize>>) {
    for (p, o) in ops.iter().enumerate() {
        let (
            KafkaCall::Poll {
                from,
                got: Some(got),
            },
            Some(poll_at),
        ) = (&o.call, o.complete_ns)
        else {
            continue;
        };
        for (key, entries) in got {
            let (Some(&f), Some(last)) = (from.get(key), entries.iter().map(|e| e.0).max()) else {
                continue;
            };
            let Some(sends) = acked.get(key).filter(|_| f <= last) else {
                continue;
            };
            let returned: BTreeSet<u64> = entries.iter().map(|e| e.0).collect();
            let missing = sends
                .range(f..=last)
                .find(|(offset, _)| !returned.contains(offset));
            if let Some((&offset, &s)) = missing {
                let msg = match ops[s].call {
                    KafkaCall::Send { msg, .. } => msg,
                    _ => continue,
                };
                let acked_at = ops[s].complete_ns.unwrap_or(0);
                first.consider(
                    Anomaly::LostWrite,
                    *key,
                    vec![s, p],
                    acked_at.max(poll_at),
                    format!(
                        "message {msg} was acknowledged with offset {offset} of key {key}, but a \
                         poll of key {key} from offset {f} returned offsets up to {last} without \
                         it: an acknowledged message is missing"
                    ),
                );
            }
        }
    }
}

/// A list returns, for each key, at least what was committed (acknowledged) or listed
/// before it was invoked.
fn commits_go_forward(first: &mut First, ops: &[KafkaOp]) {
    // What sets a floor, by the time it is known: acknowledged commits, answered lists.
    let mut floors: Vec<(u64, usize)> = Vec::new();
    let mut lists: Vec<usize> = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        match (&o.call, o.complete_ns) {
            (KafkaCall::Commit { .. }, Some(at)) => floors.push((at, i)),
            (KafkaCall::List { got: Some(_), .. }, Some(at)) => {
                floors.push((at, i));
                lists.push(i);
            }
            _ => {}
        }
    }
    floors.sort_unstable();
    lists.sort_by_key(|&i| (ops[i].invoke_ns, i));
    let mut floor: BTreeMap<u64, (u64, usize)> = BTreeMap::new();
    let mut next = 0;
    for l in lists {
        let o = &ops[l];
        while let Some(&(_, f)) = floors.get(next).filter(|(at, _)| *at < o.invoke_ns) {
            let values: Vec<(u64, u64)> = match &ops[f].call {
                KafkaCall::Commit { offsets } => offsets.iter().map(|(k, v)| (*k, *v)).collect(),
                KafkaCall::List { got: Some(got), .. } => {
                    got.iter().map(|(k, v)| (*k, *v)).collect()
                }
                _ => Vec::new(),
            };
            for (k, v) in values {
                let e = floor.entry(k).or_insert((v, f));
                if v > e.0 {
                    *e = (v, f);
                }
            }
            next += 1;
        }
        let (
            KafkaCall::List {
                keys,
                got: Some(got),
            },
            Some(at_ns),
        ) = (&o.call, o.complete_ns)
        else {
            continue;
        };
        for key in keys {
            let Some(&(v, f)) = floor.get(key) else {
                continue;
            };
            let listed = got.get(key).copied();
            if listed.is_some_and(|x| x >= v) {
                continue;
            }
            let listed = listed.map_or("nothing".to_string(), |x| format!("offset {x}"));
            let why = match ops[f].call {
                KafkaCall::Commit { .. } => format!(
                    "the commit of offset {v} of key {key} was acknowledged, but a later list of \
                     committed offsets returned {listed} for it: committed offsets went backwards"
                ),
                _ => format!(
                    "a list of committed offsets returned offset {v} for key {key}, a later one \
                     {listed}: committed offsets went backwards"
                ),
            };
            first.consider(Anomaly::CommitWentBack, *key, vec![f, l], at_ns, why);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = 1_000_000;

    fn op(id: u64, call: KafkaCall, from_ms: u64, to_ms: Option<u64>) -> KafkaOp {
        KafkaOp {
            id,
            client: id as u32 % 4,
            call,
            invoke_ns: from_ms * MS,
            complete_ns: to_ms.map(|t| t * MS),
        }
    }

    fn send(id: u64, key: u64, msg: u64, offset: Option<u64>, at: u64) -> KafkaOp {
        let done = offset.map(|_| at + 1);
        op(id, KafkaCall::Send { key, msg, offset }, at, done)
    }

    fn poll(id: u64, key: u64, from: u64, got: &[(u64, u64)], at: u64) -> KafkaOp {
        let call = KafkaCall::Poll {
            from: [(key, from)].into(),
            got: Some([(key, got.to_vec())].into()),
        };
        op(id, call, at, Some(at + 1))
    }

    fn commit(id: u64, key: u64, offset: u64, at: u64, acked: bool) -> KafkaOp {
        let call = KafkaCall::Commit {
            offsets: [(key, offset)].into(),
        };
        op(id, call, at, acked.then_some(at + 1))
    }

    fn list(id: u64, key: u64, got: Option<u64>, at: u64) -> KafkaOp {
        let call = KafkaCall::List {
            keys: [key].into(),
            got: Some(got.map(|o| (key, o)).into_iter().collect()),
        };
        op(id, call, at, Some(at + 1))
    }

    /// A correct history: offsets with gaps, a send with an unknown outcome that did land,
    /// one that did not, acknowledgements out of offset order, a poll that stops early,
    /// commits from a lagging client, lists.
    fn correct() -> Vec<KafkaOp> {
        vec![
            send(0, 1, 100, Some(0), 0),
            send(1, 1, 101, None, 1), // unknown outcome: landed at offset 2
            send(2, 1, 102, None, 2), // unknown outcome: never landed
            send(3, 1, 103, Some(5), 10),
            send(4, 2, 104, Some(0), 3),
            send(5, 1, 105, Some(3), 4), // acknowledged before offset 5's send
            poll(6, 1, 0, &[(0, 100), (2, 101)], 6), // stops early: fine
            poll(7, 1, 3, &[(3, 105), (5, 103)], 20),
            poll(8, 2, 0, &[(0, 104)], 21),
            commit(9, 1, 5, 22, true),
            commit(10, 1, 2, 24, true), // a lagging client: the committed offset stays 5
            commit(11, 2, 9, 25, false), // unknown outcome
            list(12, 1, Some(5), 30),
            list(13, 2, None, 31),    // the unknown commit did not land: fine
            list(14, 2, Some(9), 32), // it landed later: fine
            list(15, 1, Some(5), 40),
        ]
    }

    #[test]
    fn a_correct_history_passes() {
        let r = check_kafka(&correct(), true);
        assert_eq!(r.violation, None);
        assert_eq!(
            (r.sends_acknowledged, r.polls, r.messages_polled),
            (4, 3, 5)
        );
        assert_eq!((r.commits_acknowledged, r.lists), (2, 4));
    }

    fn violation(ops: &[KafkaOp]) -> KafkaViolation {
        check_kafka(ops, true)
            .violation
            .expect("the planted bug is caught")
    }

    #[test]
    fn a_duplicate_offset_is_caught() {
        let mut h = correct();
        h.push(send(16, 1, 106, Some(3), 50));
        let v = violation(&h);
        assert_eq!((v.anomaly, v.key), (Anomaly::DuplicateOffset, 1));
        assert_eq!(v.ops, [5, 16]);
        assert_eq!(
            v.explanation,
            "offset 3 of key 1 was given to two messages, 105 and 106"
        );
    }

    #[test]
    fn a_lost_acknowledged_message_is_caught() {
        let mut h = correct();
        // Offset 3 (105, acknowledged) is skipped between 2 and 5.
        h.push(poll(16, 1, 1, &[(2, 101), (5, 103)], 50));
        let v = violation(&h);
        assert_eq!((v.anomaly, v.key), (Anomaly::LostWrite, 1));
        assert_eq!(v.ops, [5, 16]);
        assert!(v
            .explanation
            .contains("message 105 was acknowledged with offset 3"));
        // Also when the acknowledgement comes after the poll: offset 4 was given before
        // offset 5 was polled.
        let mut h = correct();
        h.push(send(16, 1, 106, Some(4), 45));
        h.push(poll(17, 1, 3, &[(3, 105), (5, 103)], 44));
        let v = violation(&h);
        assert_eq!(v.anomaly, Anomaly::LostWrite);
        assert_eq!(v.at_ns, 46 * MS);
    }

    #[test]
    fn a_committed_offset_going_backwards_is_caught() {
        let mut h = correct();
        h.push(list(16, 1, Some(4), 50));
        let v = violation(&h);
        assert_eq!((v.anomaly, v.key), (Anomaly::CommitWentBack, 1));
        assert_eq!(v.ops, [9, 16]);
        assert!(v.explanation.starts_with("the commit of offset 5 of key 1"));
        // Forgotten altogether, after a list had returned it (the commit's outcome unknown).
        let h = vec![
            commit(0, 3, 7, 0, false),
            list(1, 3, Some(7), 5),
            list(2, 3, None, 10),
        ];
        let v = violation(&h);
        assert_eq!(v.anomaly, Anomaly::CommitWentBack);
        assert_eq!(
            v.explanation,
            "a list of committed offsets returned offset 7 for key 3, a later one nothing: \
             committed offsets went backwards"
        );
        // Lists that overlap in time constrain nothing.
        let h = vec![list(1, 3, Some(7), 5), list(2, 3, None, 5)];
        assert_eq!(check_kafka(&h, true).violation, None);
    }

    #[test]
    fn wrong_messages_disorder_and_messages_from_nowhere_are_caught() {
        let cases: Vec<(KafkaOp, Anomaly, &str)> = vec![
            (
                poll(16, 1, 0, &[(0, 101)], 50),
                Anomaly::WrongMessage,
                "the send of 100 was acknowledged with offset 0 of key 1, but a poll returned \
                 message 101 there",
            ),
            (
                poll(16, 1, 5, &[(6, 103)], 50),
                Anomaly::WrongMessage,
                "message 103 was acknowledged with offset 5 of key 1, but a poll returned it at \
                 offset 6",
            ),
            (
                poll(16, 1, 7, &[(7, 999)], 50),
                Anomaly::NeverSent,
                "a poll returned message 999 at offset 7 of key 1, but no client sent 999",
            ),
            (
                poll(16, 1, 7, &[(7, 104)], 50),
                Anomaly::NeverSent,
                "a poll returned message 104 at offset 7 of key 1, but it was sent to key 2",
            ),
            (
                poll(16, 1, 0, &[(2, 101), (0, 100)], 50),
                Anomaly::Unordered,
                "a poll of key 1 returned offset 0 after offset 2: not in increasing order",
            ),
            (
                poll(16, 1, 3, &[(2, 101)], 50),
                Anomaly::Unordered,
                "a poll of key 1 from offset 3 returned offset 2, before it",
            ),
            (
                poll(16, 1, 2, &[(2, 102)], 50),
                Anomaly::WrongMessage,
                "two polls returned different messages at offset 2 of key 1: 101 and 102",
            ),
            (
                poll(16, 1, 1, &[(1, 101)], 50),
                Anomaly::WrongMessage,
                "message 101, sent once, was returned at two offsets of key 1: 2 and 1",
            ),
        ];
        for (bad, anomaly, why) in cases {
            let mut h = correct();
            h.push(bad);
            let v = violation(&h);
            assert_eq!((v.anomaly, v.explanation.as_str()), (anomaly, why));
            assert!(v.ops.contains(&16), "{v:?}");
        }
        // Without every operation recorded, a message may come from an unrecorded send.
        let mut h = correct();
        h.push(poll(16, 1, 7, &[(7, 999)], 50));
        assert_eq!(check_kafka(&h, false).violation, None);
    }

    #[test]
    fn the_first_violation_in_time_is_reported() {
        let mut h = correct();
        h.push(list(16, 1, Some(4), 60)); // known at 61 ms
        h.push(send(17, 1, 106, Some(3), 50)); // known at 51 ms
        let v = violation(&h);
        assert_eq!(v.anomaly, Anomaly::DuplicateOffset);
        assert_eq!(v.at_ns, 51 * MS);
    }
}
