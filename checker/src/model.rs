//! Sequential specifications for the generic checker (`generic`): what a data type does
//! when its operations run one at a time, and what a client may have observed.
//!
//! A [`Model`] says, for one operation with its recorded result, which state follows from
//! which, or that the result is impossible there. The search in `generic` then looks for an
//! order of the operations, allowed by the ordering rule (real time for linearizability,
//! each client's program order for sequential consistency), that the model accepts.
//!
//! Four models cover the data types caplab's teaching harness records:
//! - [`RegisterModel`]: key-value registers (read, write, compare-and-set), every key starts
//!   absent; the state is the map of every key, so it also serves sequential consistency,
//!   which is not a per-key property;
//! - [`CounterModel`]: a counter starting at zero (add, read);
//! - [`LogModel`]: an append-only log (append, read of the whole log);
//! - [`SetModel`]: a grow-only set (insert, read of the whole set).

use super::history::{OpKind, Operation, Value};
use super::search;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::hash::Hash;

/// A sequential specification.
///
/// `step` must accept any result for an operation whose outcome is unknown (`known` false:
/// the client gave up waiting), since nothing was observed. An operation is *read-only*
/// when, with a known result, it never changes the state: the search linearizes such an
/// operation as soon as the state allows it, without trying alternatives, which keeps
/// ordinary histories cheap (a read that fits now can always be moved to the front of the
/// rest of any valid order).
pub trait Model {
    /// The data type's state. Hashed for the search's memo of visited configurations.
    type State: Clone + Eq + Hash + Debug;
    /// An operation with its recorded result.
    type Op: Clone + Debug + PartialEq;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// The state after `op` runs in `state`, or `None` if its recorded result is impossible
    /// there. With `known` false the result is ignored.
    fn step(&self, state: &Self::State, op: &Self::Op, known: bool) -> Option<Self::State>;

    /// Whether `op`, with a known result, leaves every state unchanged (reads, failed CAS).
    fn is_read_only(&self, op: &Self::Op) -> bool;

    /// The operation and its result for a person: `add(3) -> ok`, `read() -> 7`.
    fn describe(&self, op: &Self::Op, known: bool) -> String;

    /// Whether removing `op` (an update) from a history leaving `rest` can never make a
    /// valid history invalid, so that the shrinker may drop it. The default says no: the
    /// shrinker then only drops read-only operations and turns updates into
    /// unknown-outcome ones, which is always sound.
    fn can_remove(&self, rest: &[Self::Op], op: &Self::Op) -> bool {
        let _ = (rest, op);
        false
    }
}

/// Key-value registers: every key starts absent; the state is the map of written keys.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterModel;

/// One register operation: the key and the call with its result (`OpKind` of `history`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegisterOp {
    /// The key.
    pub key: u64,
    /// The call and its result.
    pub kind: OpKind,
}

impl RegisterOp {
    /// The register operation of a recorded history operation.
    pub fn of(op: &Operation) -> RegisterOp {
        RegisterOp {
            key: op.key,
            kind: op.kind,
        }
    }
}

impl Model for RegisterModel {
    type State = BTreeMap<u64, Value>;
    type Op = RegisterOp;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(&self, state: &Self::State, op: &RegisterOp, known: bool) -> Option<Self::State> {
        let before = state.get(&op.key).copied();
        let kind = if known {
            op.kind
        } else {
            match op.kind {
                OpKind::Cas { expected, new, .. } => OpKind::Cas {
                    expected,
                    new,
                    ok: None,
                },
                // An unknown read constrains nothing; callers drop it, but stay safe.
                OpKind::Read { .. } => return Some(state.clone()),
                k => k,
            }
        };
        let after = search::step(before, &kind)?;
        if after == before {
            return Some(state.clone());
        }
        let mut next = state.clone();
        match after {
            Some(v) => next.insert(op.key, v),
            None => next.remove(&op.key),
        };
        Some(next)
    }

    fn is_read_only(&self, op: &RegisterOp) -> bool {
        matches!(
            op.kind,
            OpKind::Read { .. }
                | OpKind::Cas {
                    ok: Some(false),
                    ..
                }
        )
    }

    fn describe(&self, op: &RegisterOp, known: bool) -> String {
        let call = match op.kind {
            OpKind::Read { .. } => format!("read(key {})", op.key),
            OpKind::Write { value } => format!("write(key {}, {value})", op.key),
            OpKind::Cas { expected, new, .. } => {
                format!("cas(key {}, {expected} -> {new})", op.key)
            }
        };
        if !known {
            return format!("{call} timed out");
        }
        let result = match op.kind {
            OpKind::Read { result: Some(v) } => v.to_string(),
            OpKind::Read { result: None } => "absent".to_string(),
            OpKind::Write { .. } | OpKind::Cas { ok: Some(true), .. } => "ok".to_string(),
            OpKind::Cas {
                ok: Some(false), ..
            } => "failed".to_string(),
            OpKind::Cas { ok: None, .. } => "?".to_string(),
        };
        format!("{call} -> {result}")
    }

    /// A write of `v` (or a CAS that may have swapped `v` in) may go when nothing left on
    /// its key observes `v` and no completed CAS on the key left failed or has no result
    /// (such a CAS depends on every value): the same rule as the register shrinker's.
    fn can_remove(&self, rest: &[RegisterOp], op: &RegisterOp) -> bool {
        let written = match op.kind {
            OpKind::Write { value } => value,
            OpKind::Cas { new, ok, .. } if ok != Some(false) => new,
            _ => return true,
        };
        !rest
            .iter()
            .filter(|o| o.key == op.key)
            .any(|o| match o.kind {
                OpKind::Read { result } => result == Some(written),
                OpKind::Cas { expected, ok, .. } => ok != Some(true) || expected == written,
                OpKind::Write { .. } => false,
            })
    }
}

/// A counter starting at zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CounterModel;

/// A counter operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterOp {
    /// Adds the amount (negative: subtracts).
    Add(i64),
    /// Reads the counter; the value returned.
    Read(i64),
}

impl Model for CounterModel {
    type State = i64;
    type Op = CounterOp;

    fn init(&self) -> i64 {
        0
    }

    fn step(&self, state: &i64, op: &CounterOp, known: bool) -> Option<i64> {
        match *op {
            CounterOp::Add(a) => Some(state.wrapping_add(a)),
            CounterOp::Read(v) => (!known || v == *state).then_some(*state),
        }
    }

    fn is_read_only(&self, op: &CounterOp) -> bool {
        matches!(op, CounterOp::Read(_))
    }

    fn describe(&self, op: &CounterOp, known: bool) -> String {
        match (op, known) {
            (CounterOp::Add(a), true) => format!("add({a}) -> ok"),
            (CounterOp::Add(a), false) => format!("add({a}) timed out"),
            (CounterOp::Read(v), true) => format!("read() -> {v}"),
            (CounterOp::Read(_), false) => "read() timed out".to_string(),
        }
    }
}

/// An append-only log starting empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogModel;

/// A log operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogOp {
    /// Appends the value at the end.
    Append(Value),
    /// Reads the whole log; the entries returned, oldest first.
    Read(Vec<Value>),
}

impl Model for LogModel {
    type State = Vec<Value>;
    type Op = LogOp;

    fn init(&self) -> Vec<Value> {
        Vec::new()
    }

    fn step(&self, state: &Vec<Value>, op: &LogOp, known: bool) -> Option<Vec<Value>> {
        match op {
            LogOp::Append(v) => {
                let mut next = state.clone();
                next.push(*v);
                Some(next)
            }
            LogOp::Read(seen) => (!known || seen == state).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, op: &LogOp) -> bool {
        matches!(op, LogOp::Read(_))
    }

    fn describe(&self, op: &LogOp, known: bool) -> String {
        match (op, known) {
            (LogOp::Append(v), true) => format!("append({v}) -> ok"),
            (LogOp::Append(v), false) => format!("append({v}) timed out"),
            (LogOp::Read(seen), true) => format!("read() -> {seen:?}"),
            (LogOp::Read(_), false) => "read() timed out".to_string(),
        }
    }

    /// An append of `v` may go when no read left saw `v` (values are appended once each):
    /// every read that did not see it is still explained by the same order without it.
    fn can_remove(&self, rest: &[LogOp], op: &LogOp) -> bool {
        match op {
            LogOp::Append(v) => !rest.iter().any(|o| match o {
                LogOp::Read(seen) => seen.contains(v),
                LogOp::Append(w) => w == v,
            }),
            LogOp::Read(_) => true,
        }
    }
}

/// A grow-only set starting empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetModel;

/// A set operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// Inserts the element.
    Insert(Value),
    /// Reads the whole set; the elements returned.
    Read(BTreeSet<Value>),
}

impl Model for SetModel {
    type State = BTreeSet<Value>;
    type Op = SetOp;

    fn init(&self) -> BTreeSet<Value> {
        BTreeSet::new()
    }

    fn step(&self, state: &BTreeSet<Value>, op: &SetOp, known: bool) -> Option<BTreeSet<Value>> {
        match op {
            SetOp::Insert(v) => {
                let mut next = state.clone();
                next.insert(*v);
                Some(next)
            }
            SetOp::Read(seen) => (!known || seen == state).then(|| state.clone()),
        }
    }

    fn is_read_only(&self, op: &SetOp) -> bool {
        matches!(op, SetOp::Read(_))
    }

    fn describe(&self, op: &SetOp, known: bool) -> String {
        match (op, known) {
            (SetOp::Insert(v), true) => format!("insert({v}) -> ok"),
            (SetOp::Insert(v), false) => format!("insert({v}) timed out"),
            (SetOp::Read(seen), true) => format!("read() -> {seen:?}"),
            (SetOp::Read(_), false) => "read() timed out".to_string(),
        }
    }

    /// An insert of `v` may go when no read left saw `v` and nothing else inserts it.
    fn can_remove(&self, rest: &[SetOp], op: &SetOp) -> bool {
        match op {
            SetOp::Insert(v) => !rest.iter().any(|o| match o {
                SetOp::Read(seen) => seen.contains(v),
                SetOp::Insert(w) => w == v,
            }),
            SetOp::Read(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_reads_must_match_and_unknown_reads_fit_anywhere() {
        let m = CounterModel;
        assert_eq!(m.step(&2, &CounterOp::Add(3), true), Some(5));
        assert_eq!(m.step(&5, &CounterOp::Read(5), true), Some(5));
        assert_eq!(m.step(&5, &CounterOp::Read(4), true), None);
        assert_eq!(m.step(&5, &CounterOp::Read(4), false), Some(5));
    }

    #[test]
    fn register_model_tracks_every_key() {
        let m = RegisterModel;
        let w = RegisterOp {
            key: 2,
            kind: OpKind::Write { value: 7 },
        };
        let s = m.step(&m.init(), &w, true).expect("a write always fits");
        let read = |key, result| RegisterOp {
            key,
            kind: OpKind::Read { result },
        };
        assert!(m.step(&s, &read(2, Some(7)), true).is_some());
        assert!(m.step(&s, &read(1, None), true).is_some());
        assert!(m.step(&s, &read(1, Some(7)), true).is_none());
        let cas = RegisterOp {
            key: 2,
            kind: OpKind::Cas {
                expected: 7,
                new: 8,
                ok: Some(false),
            },
        };
        assert!(
            m.step(&s, &cas, true).is_none(),
            "a CAS that should succeed"
        );
        assert!(
            m.step(&s, &cas, false).is_some(),
            "unknown outcome: anything"
        );
    }

    #[test]
    fn log_and_set_reads_see_the_whole_state() {
        let (l, s) = (LogModel, SetModel);
        let st = l.step(&vec![1], &LogOp::Append(2), true).expect("append");
        assert_eq!(st, vec![1, 2]);
        assert!(l.step(&st, &LogOp::Read(vec![2, 1]), true).is_none());
        let set = s.step(&BTreeSet::from([1]), &SetOp::Insert(1), true);
        assert_eq!(set, Some(BTreeSet::from([1])));
    }
}
