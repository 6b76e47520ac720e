//! Client-observed histories: what each client asked a register or key-value store, when,
//! and what it was told — or that it was told nothing (a timeout: an *unknown outcome*).
//!
//! **Initial value.** Every key starts *absent*: a read of a key nobody wrote returns
//! `None`. There is no delete, so once a key has been written it can never read as absent
//! again.
//!
//! **Times** are integer nanoseconds of simulated time. Two operations whose intervals merely
//! touch (one completes at the very nanosecond the other is invoked) are treated as
//! concurrent: the checker never blames a history on a same-instant tie.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The values a register holds.
pub type Value = u64;

/// What an operation asked and, when the client learned it, what it was told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// Read the key. `result` is the value returned, `None` for an absent key; it is
    /// meaningful only when the operation completed (a read with an unknown outcome is
    /// ignored by the checker: it constrains nothing).
    Read {
        /// The value read; `None` = the key was absent.
        result: Option<Value>,
    },
    /// Overwrite the key with `value`.
    Write {
        /// The value written.
        value: Value,
    },
    /// Compare-and-set: if the key holds `expected`, replace it with `new`. An absent key
    /// never matches.
    Cas {
        /// The value the key must hold for the swap to happen.
        expected: Value,
        /// The value swapped in.
        new: Value,
        /// Whether the swap happened; `None` when the client never learned it (always so
        /// for an operation with an unknown outcome).
        ok: Option<bool>,
    },
}

/// One client operation on one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    /// Identifier, unique within a history (the recorder numbers invocations).
    pub id: u64,
    /// The client that issued it.
    pub client: u32,
    /// The key it touched.
    pub key: u64,
    /// Arguments and result.
    pub kind: OpKind,
    /// When the client invoked it.
    pub invoke_ns: u64,
    /// When the client learned its result; `None` = unknown outcome (the client gave up):
    /// the operation may take effect at any time after its invocation, or never.
    pub complete_ns: Option<u64>,
}

impl Operation {
    /// Whether the client never learned the outcome.
    pub fn is_unknown(&self) -> bool {
        self.complete_ns.is_none()
    }
}

/// A recorded history, as stored in results.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The operations kept, in invocation order of recording.
    pub ops: Vec<Operation>,
    /// Operations invoked after the recorder's cap was reached, and so not recorded.
    pub not_recorded: u64,
    /// Invocation time of the first operation not recorded, if any. Operations still in
    /// flight then may have seen unrecorded ones, so the checker treats their outcome as
    /// unknown (see `linearizable`).
    pub truncated_at_ns: Option<u64>,
}

/// The arguments of an operation being invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// A read.
    Read,
    /// A write of the value.
    Write(Value),
    /// A compare-and-set.
    Cas {
        /// The value the key must hold.
        expected: Value,
        /// The value swapped in.
        new: Value,
    },
}

/// What the client was told when an operation completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// A read's result (`None` = absent).
    Read(Option<Value>),
    /// A write was acknowledged.
    Written,
    /// Whether a compare-and-set swapped.
    Cas(bool),
}

/// A handle on a recorded operation, for completing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpRef(usize);

/// Why a completion could not be recorded: a bug in the calling model, not in the system
/// under test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// The handle does not name a recorded operation.
    UnknownOp,
    /// The operation already completed.
    AlreadyCompleted {
        /// Its id.
        id: u64,
    },
    /// The reply does not fit the call (say, a read answered with a CAS result).
    ReplyMismatch {
        /// Its id.
        id: u64,
    },
    /// The completion time precedes the invocation.
    CompleteBeforeInvoke {
        /// Its id.
        id: u64,
    },
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordError::UnknownOp => write!(f, "no recorded operation has this handle"),
            RecordError::AlreadyCompleted { id } => write!(f, "operation {id} already completed"),
            RecordError::ReplyMismatch { id } => {
                write!(f, "the reply does not match operation {id}'s call")
            }
            RecordError::CompleteBeforeInvoke { id } => {
                write!(f, "operation {id} completes before it was invoked")
            }
        }
    }
}

impl std::error::Error for RecordError {}

/// Records client operations up to a cap, so that a long run's memory stays bounded. Past
/// the cap it records no new invocation but counts them, and the verdict says how many
/// were left out: a truncated check is never passed off as a complete one. Completions of
/// operations already kept are still recorded (they need no memory).
#[derive(Clone, Debug)]
pub struct HistoryRecorder {
    cap: usize,
    ops: Vec<Operation>,
    next_id: u64,
    not_recorded: u64,
    truncated_at_ns: Option<u64>,
}

impl HistoryRecorder {
    /// A recorder keeping at most `cap` operations.
    pub fn new(cap: usize) -> HistoryRecorder {
        HistoryRecorder {
            cap,
            ops: Vec::new(),
            next_id: 0,
            not_recorded: 0,
            truncated_at_ns: None,
        }
    }

    /// Records an invocation; `None` once the cap is reached (the operation is counted as
    /// not recorded, and the caller need not complete it).
    pub fn invoke(&mut self, client: u32, key: u64, call: Call, invoke_ns: u64) -> Option<OpRef> {
        let id = self.next_id;
        self.next_id += 1;
        if self.ops.len() >= self.cap {
            self.not_recorded += 1;
            self.truncated_at_ns.get_or_insert(invoke_ns);
            return None;
        }
        let kind = match call {
            Call::Read => OpKind::Read { result: None },
            Call::Write(value) => OpKind::Write { value },
            Call::Cas { expected, new } => OpKind::Cas {
                expected,
                new,
                ok: None,
            },
        };
        self.ops.push(Operation {
            id,
            client,
            key,
            kind,
            invoke_ns,
            complete_ns: None,
        });
        Some(OpRef(self.ops.len() - 1))
    }

    /// Records that `op` completed at `complete_ns` with `reply`. An operation never
    /// completed keeps an unknown outcome.
    pub fn complete(
        &mut self,
        op: OpRef,
        complete_ns: u64,
        reply: Reply,
    ) -> Result<(), RecordError> {
        let rec = self.ops.get_mut(op.0).ok_or(RecordError::UnknownOp)?;
        let id = rec.id;
        if rec.complete_ns.is_some() {
            return Err(RecordError::AlreadyCompleted { id });
        }
        if complete_ns < rec.invoke_ns {
            return Err(RecordError::CompleteBeforeInvoke { id });
        }
        rec.kind = match (rec.kind, reply) {
            (OpKind::Read { .. }, Reply::Read(result)) => OpKind::Read { result },
            (k @ OpKind::Write { .. }, Reply::Written) => k,
            (OpKind::Cas { expected, new, .. }, Reply::Cas(ok)) => OpKind::Cas {
                expected,
                new,
                ok: Some(ok),
            },
            _ => return Err(RecordError::ReplyMismatch { id }),
        };
        rec.complete_ns = Some(complete_ns);
        Ok(())
    }

    /// Operations kept so far.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether nothing was kept.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Operations invoked past the cap.
    pub fn not_recorded(&self) -> u64 {
        self.not_recorded
    }

    /// The recorded history.
    pub fn finish(self) -> History {
        History {
            ops: self.ops,
            not_recorded: self.not_recorded,
            truncated_at_ns: self.truncated_at_ns,
        }
    }
}

/// The value an operation may write.
pub(crate) fn written_value(op: &Operation) -> Option<Value> {
    match op.kind {
        OpKind::Write { value } => Some(value),
        OpKind::Cas { new, ok, .. } if ok != Some(false) => Some(new),
        _ => None,
    }
}

/// The value whose presence an operation depends on (see `observes_any`), for the
/// operations that depend on one value only.
pub(crate) fn observed_value(op: &Operation) -> Option<Value> {
    match op.kind {
        OpKind::Read { result } => result,
        OpKind::Cas {
            expected,
            ok: Some(true),
            ..
        } => Some(expected),
        OpKind::Cas { expected, .. } if op.complete_ns.is_none() => Some(expected),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorder_keeps_results_and_leaves_uncompleted_ops_unknown() {
        let mut r = HistoryRecorder::new(10);
        let w = r.invoke(1, 7, Call::Write(3), 10).expect("under the cap");
        let c = r.invoke(
            2,
            7,
            Call::Cas {
                expected: 3,
                new: 4,
            },
            12,
        );
        let rd = r.invoke(3, 7, Call::Read, 15).expect("under the cap");
        assert_eq!(r.complete(w, 20, Reply::Written), Ok(()));
        assert_eq!(r.complete(rd, 30, Reply::Read(Some(3))), Ok(()));
        assert!(c.is_some());
        let h = r.finish();
        assert_eq!(h.ops.len(), 3);
        assert_eq!(h.ops[0].complete_ns, Some(20));
        assert!(h.ops[1].is_unknown());
        assert_eq!(h.ops[2].kind, OpKind::Read { result: Some(3) });
        assert_eq!(h.not_recorded, 0);
    }

    #[test]
    fn recorder_rejects_bad_completions() {
        let mut r = HistoryRecorder::new(10);
        let w = r.invoke(1, 7, Call::Write(3), 10).expect("under the cap");
        assert_eq!(
            r.complete(w, 5, Reply::Written),
            Err(RecordError::CompleteBeforeInvoke { id: 0 })
        );
        assert_eq!(
            r.complete(w, 15, Reply::Cas(true)),
            Err(RecordError::ReplyMismatch { id: 0 })
        );
        assert_eq!(r.complete(w, 15, Reply::Written), Ok(()));
        assert_eq!(
            r.complete(w, 16, Reply::Written),
            Err(RecordError::AlreadyCompleted { id: 0 })
        );
        assert_eq!(
            r.complete(OpRef(9), 16, Reply::Written),
            Err(RecordError::UnknownOp)
        );
    }

    #[test]
    fn recorder_stops_at_its_cap_and_counts_what_it_dropped() {
        let mut r = HistoryRecorder::new(2);
        let a = r.invoke(1, 1, Call::Read, 1).expect("under the cap");
        assert!(r.invoke(1, 1, Call::Read, 2).is_some());
        assert!(r.invoke(1, 1, Call::Read, 3).is_none());
        assert!(r.invoke(2, 1, Call::Write(1), 4).is_none());
        // Completions of kept operations are still recorded after the cap.
        assert_eq!(r.complete(a, 5, Reply::Read(None)), Ok(()));
        assert_eq!((r.len(), r.not_recorded()), (2, 2));
        let h = r.finish();
        assert_eq!(h.truncated_at_ns, Some(3));
        assert_eq!(h.ops[0].complete_ns, Some(5));
    }

    #[test]
    fn history_round_trips_through_json() {
        let mut r = HistoryRecorder::new(4);
        let c = r.invoke(
            2,
            9,
            Call::Cas {
                expected: 1,
                new: 2,
            },
            3,
        );
        let c = c.expect("under the cap");
        assert_eq!(r.complete(c, 8, Reply::Cas(false)), Ok(()));
        let h = r.finish();
        let text = serde_json::to_string(&h).expect("serialisable");
        let back: History = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, h);
    }
}
