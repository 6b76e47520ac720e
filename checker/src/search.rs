//! The linearizability search for the history of one key: Wing & Gong's depth-first search
//! over the operations that may come next, with Lowe's "just-in-time" list and the
//! memoisation of visited configurations that Porcupine and Knossos use.
//!
//! The completed operations form a list of call and return events in time order. Walking
//! it from the front, a call event is an operation that may be linearized now: if the
//! register allows it and the resulting configuration (set of linearized operations,
//! register state) was never seen, it is linearized, its two events are unlinked (O(1),
//! "dancing links") and the walk restarts from the front. Reaching the return event of an
//! operation not yet linearized means the completed candidates are exhausted: the
//! unknown-outcome operations invoked by then are tried next, and when they are exhausted
//! too the last choice is undone and the walk resumes after it. A configuration's future
//! depends only on the set and the state, so one seen before (and therefore failed before)
//! is never explored again.
//!
//! **Pruning**, each rule keeping the search complete (a history is rejected only when
//! no linearization exists), makes ordinary histories cost a few steps per operation:
//! - a read, or a failed CAS, that the state allows is linearized without trying
//!   alternatives (`preserves_state`);
//! - the state is not changed while a completed operation still needs its value and no
//!   operation left can write it again (`Walk::still_needed`).
//!
//! Unknown-outcome operations have completion +∞ (a call event and no return) and are
//! optional: the search succeeds once every completed operation is linearized. Those whose
//! value someone observed are tried from their invocation on, like the others; those whose
//! written value nobody observed (and that `prune_unobserved` could not drop because a
//! failed CAS might depend on them) sit in a list of their own, tried only after the other
//! candidates and only where they can matter. Such an operation `W` changes the state from
//! some `u` to a value nobody reads; in a linearization, the operations up to the next
//! state change are then failed CASes and no-ops. Dropping `W` breaks one of them only if
//! it is a failed CAS expecting `u`; moving `W` to just before the first such CAS keeps
//! everything valid. So some linearization, if any exists, places each such `W` only
//! where a candidate failed CAS is blocked by the current state, and trying them there
//! alone keeps the search complete, while a timed-out write that never took effect is no
//! longer tried, and refuted, at every step of a correct history.
//!
//! **Fingerprinted memo.** A configuration is remembered by a 128-bit fingerprint of its
//! set (the XOR of a fixed random code per operation, updated in O(1) per step) and its
//! exact state, so memory is 16 bytes per configuration whatever the history's length and
//! concurrency. Two sets share a fingerprint with probability 2⁻¹²⁸ per pair (TLC's model
//! checker makes the same trade with 64 bits): even a budget of 10⁸ configurations leaves
//! odds of a wrongly pruned branch below 10⁻²².

use super::history::{observed_value, written_value};
use super::history::{OpKind, Operation, Value};
use sim_core::rng::splitmix64;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The register's state: `None` = absent (every key's initial state).
pub(crate) type Reg = Option<Value>;

/// Outcome of the search on one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Search {
    /// Some order explains every result.
    Linearizable,
    /// No order does.
    Violation,
    /// The step budget ran out first.
    OutOfBudget,
}

/// The register's sequential specification: the state after `kind` runs in `state`, or
/// `None` if its recorded result is impossible there.
pub(crate) fn step(state: Reg, kind: &OpKind) -> Option<Reg> {
    match *kind {
        OpKind::Read { result } => (result == state).then_some(state),
        OpKind::Write { value } => Some(Some(value)),
        OpKind::Cas { expected, new, ok } => {
            let matches = state == Some(expected);
            match ok {
                Some(claimed) if claimed != matches => None,
                _ if matches => Some(Some(new)),
                _ => Some(state),
            }
        }
    }
}

/// Searches for a linearization of `ops` (all on one key, already prepared: reads with an
/// unknown outcome removed) within `budget` steps; adds the steps taken to `steps`.
pub(crate) fn search(ops: &[Operation], budget: u64, steps: &mut u64) -> Search {
    if observes_unwritten(ops) {
        // The commonest bug, found in O(n) instead of by exhausting every order.
        return Search::Violation;
    }
    let Some(mut walk) = Walk::new(ops) else {
        // More than u32 events on one key: far beyond any budget.
        return Search::OutOfBudget;
    };
    let outcome = walk.run(ops, budget);
    *steps += walk.steps;
    outcome
}

/// Whether a completed operation saw a value no operation writes: a read returning it, or
/// a successful CAS expecting it. No order can explain that.
fn observes_unwritten(ops: &[Operation]) -> bool {
    let written: HashSet<Value, BuildHasherDefault<FxHasher>> =
        ops.iter().filter_map(written_value).collect();
    ops.iter().any(|o| {
        let seen = match o.kind {
            OpKind::Read { result } => result,
            OpKind::Cas {
                expected,
                ok: Some(true),
                ..
            } => Some(expected),
            _ => None,
        };
        o.complete_ns.is_some() && seen.is_some_and(|v| !written.contains(&v))
    })
}

const NIL: u32 = u32::MAX;

/// Whether an operation leaves every state unchanged and must be linearized: a completed
/// read, or a completed CAS that failed. Such a candidate, when the register allows it,
/// may as well come first: in any completion of the current prefix it can be moved to the
/// front (it changes no state, and being a candidate, no pending operation must precede
/// it). So it is linearized without trying alternatives, and if that fails the current
/// configuration fails. Without this, k concurrent reads of one value cost up to 2^k
/// configurations each time a write is tried in the wrong place.
fn preserves_state(op: &Operation) -> bool {
    op.complete_ns.is_some()
        && matches!(
            op.kind,
            OpKind::Read { .. }
                | OpKind::Cas {
                    ok: Some(false),
                    ..
                }
        )
}

/// A choice on the search path: where the operation was found, the state before it, and
/// whether it was forced (`preserves_state`), so that backtracking skips its alternatives.
struct Frame {
    at: Cursor,
    before: Reg,
    forced: bool,
}

/// Where the walk stands: at an event of the completed operations' list, or at a position
/// of the unknown-outcome list while the first pending return is at time `.1`.
#[derive(Clone, Copy)]
enum Cursor {
    Main(u32),
    Optional(u32, u64),
}

/// The event lists and the search state.
struct Walk {
    /// Per event (calls and returns of completed operations, calls of observed unknown
    /// ones): its operation, whether it is a call, its time.
    op_of: Vec<u32>,
    is_call: Vec<bool>,
    time: Vec<u64>,
    /// Doubly linked list over those events; index `head` is the sentinel.
    next: Vec<u32>,
    prev: Vec<u32>,
    head: u32,
    /// Per operation: its return event (`NIL` for an unknown outcome).
    ret_of: Vec<u32>,
    /// Unobserved unknown-outcome operations by invocation, and a linked list over them.
    optional: Vec<u32>,
    opt_next: Vec<u32>,
    opt_prev: Vec<u32>,
    opt_head: u32,
    /// Per operation: its fingerprint code; and the XOR of the codes of those linearized.
    code: Vec<u128>,
    fingerprint: u128,
    cache: HashSet<(u128, Reg), BuildHasherDefault<FxHasher>>,
    /// Per operation: the value (dense index) it needs to find if it is a completed
    /// observer, and the value it may write; `NIL` for none.
    needs: Vec<u32>,
    writes: Vec<u32>,
    /// Dense indices of the values seen in the history (absent included).
    dense: HashMap<Reg, u32, BuildHasherDefault<FxHasher>>,
    /// Per value: unplaced completed operations needing it, unplaced operations that may
    /// write it.
    unplaced_needs: Vec<u32>,
    unplaced_writers: Vec<u32>,
    /// The register's state, the choices made, the completed operations left to place.
    state: Reg,
    stack: Vec<Frame>,
    required: usize,
    steps: u64,
}

/// A doubly linked list over `0..n` in order, with sentinel `n`: (next, prev).
fn linked(n: usize) -> (Vec<u32>, Vec<u32>) {
    let head = n as u32;
    let mut next: Vec<u32> = (1..=head + 1).collect();
    let mut prev: Vec<u32> = (0..=head).map(|k| k.wrapping_sub(1)).collect();
    next[n] = if n == 0 { NIL } else { 0 };
    if n > 0 {
        next[n - 1] = NIL;
        prev[0] = head;
    }
    (next, prev)
}

impl Walk {
    fn new(ops: &[Operation]) -> Option<Walk> {
        let observed: HashSet<Value, BuildHasherDefault<FxHasher>> =
            ops.iter().filter_map(observed_value).collect();
        let mut events: Vec<(u64, bool, u32)> = Vec::with_capacity(ops.len() * 2);
        let mut optional: Vec<(u64, u32)> = Vec::new();
        for (i, op) in ops.iter().enumerate() {
            let i = u32::try_from(i).ok()?;
            // Calls sort before returns at equal times: touching intervals are concurrent.
            events.push((op.invoke_ns, false, i));
            match op.complete_ns {
                Some(c) => events.push((c, true, i)),
                // An unknown outcome someone saw probably took effect: try it at its
                // invocation, as Porcupine does; else only when all else fails.
                None if written_value(op).is_some_and(|v| observed.contains(&v)) => {}
                None => {
                    events.pop();
                    optional.push((op.invoke_ns, i));
                }
            }
        }
        events.sort_unstable();
        optional.sort_unstable();
        let head = u32::try_from(events.len()).ok().filter(|&h| h != NIL)?;
        let mut ret_of = vec![NIL; ops.len()];
        for (e, &(_, is_ret, op)) in events.iter().enumerate() {
            if is_ret {
                ret_of[op as usize] = e as u32;
            }
        }
        let (next, prev) = linked(events.len());
        let (opt_next, opt_prev) = linked(optional.len());
        let values = ValueIndex::new(ops);
        let code = (0..ops.len() as u64)
            .map(|i| {
                let (a, b) = (splitmix64(2 * i), splitmix64(2 * i + 1));
                (u128::from(a) << 64) | u128::from(b)
            })
            .collect();
        Some(Walk {
            op_of: events.iter().map(|e| e.2).collect(),
            is_call: events.iter().map(|e| !e.1).collect(),
            time: events.iter().map(|e| e.0).collect(),
            next,
            prev,
            head,
            ret_of,
            opt_head: optional.len() as u32,
            optional: optional.iter().map(|o| o.1).collect(),
            opt_next,
            opt_prev,
            code,
            fingerprint: 0,
            cache: HashSet::default(),
            needs: values.needs,
            writes: values.writes,
            dense: values.dense,
            unplaced_needs: values.unplaced_needs,
            unplaced_writers: values.unplaced_writers,
            state: None,
            stack: Vec::new(),
            required: 0,
            steps: 0,
        })
    }

    fn run(&mut self, ops: &[Operation], budget: u64) -> Search {
        self.required = ops.iter().filter(|o| o.complete_ns.is_some()).count();
        let mut cur = Cursor::Main(self.next[self.head as usize]);
        while self.required > 0 {
            if self.steps >= budget {
                return Search::OutOfBudget;
            }
            self.steps += 1;
            let next = match cur {
                Cursor::Main(e) if e != NIL && self.is_call[e as usize] => {
                    let op = self.op_of[e as usize] as usize;
                    self.attempt(cur, &ops[op], op, Cursor::Main(self.next[e as usize]))
                }
                Cursor::Main(e) => {
                    // The other candidates are exhausted: try the unobserved unknown-outcome
                    // operations invoked before the first pending return, if they can help.
                    let until = if e == NIL {
                        u64::MAX
                    } else {
                        self.time[e as usize]
                    };
                    self.cas_blocked(ops, e)
                        .then(|| Cursor::Optional(self.opt_next[self.opt_head as usize], until))
                }
                Cursor::Optional(p, until)
                    if p != NIL && ops[self.optional[p as usize] as usize].invoke_ns <= until =>
                {
                    let op = self.optional[p as usize] as usize;
                    let skip = Cursor::Optional(self.opt_next[p as usize], until);
                    if step(self.state, &ops[op].kind) == Some(self.state) {
                        // Changing nothing, it cannot unblock a CAS.
                        Some(skip)
                    } else {
                        self.attempt(cur, &ops[op], op, skip)
                    }
                }
                Cursor::Optional(..) => None,
            };
            cur = match next.or_else(|| self.backtrack(ops)) {
                Some(c) => c,
                None => return Search::Violation,
            };
        }
        Search::Linearizable
    }

    /// Whether a candidate before event `until` is a failed CAS that the current state
    /// blocks (it holds the CAS's expected value). Only then can an unobserved
    /// unknown-outcome operation help: nothing reads the value it writes, so in any
    /// linearization it can be dropped unless it sits just before such a CAS, changing the
    /// state so that the CAS fails (see the module documentation).
    fn cas_blocked(&self, ops: &[Operation], until: u32) -> bool {
        let mut e = self.next[self.head as usize];
        while e != until && e != NIL {
            let op = &ops[self.op_of[e as usize] as usize];
            if let OpKind::Cas {
                expected,
                ok: Some(false),
                ..
            } = op.kind
            {
                if self.is_call[e as usize] && self.state == Some(expected) {
                    return true;
                }
            }
            e = self.next[e as usize];
        }
        false
    }

    /// Tries to linearize `op` (index `index`), a candidate found at `at`. Returns where the
    /// walk goes on: the front of the list after linearizing it, `skip` if it cannot come
    /// next, or `None` if that proves the current configuration cannot be completed.
    fn attempt(
        &mut self,
        at: Cursor,
        op: &Operation,
        index: usize,
        skip: Cursor,
    ) -> Option<Cursor> {
        let Some(after) = step(self.state, &op.kind) else {
            return Some(skip);
        };
        if after != self.state && self.still_needed(index) {
            return Some(skip);
        }
        let forced = preserves_state(op);
        let fingerprint = self.fingerprint ^ self.code[index];
        if !self.cache.insert((fingerprint, after)) {
            // Seen, hence failed, before. For a state-preserving operation that refutes the
            // current configuration as well (see `preserves_state`).
            return if forced { None } else { Some(skip) };
        }
        self.fingerprint = fingerprint;
        self.stack.push(Frame {
            at,
            before: self.state,
            forced,
        });
        self.state = after;
        self.count(index, false);
        match at {
            Cursor::Main(e) => self.lift(e),
            Cursor::Optional(p, _) => unlink(&mut self.opt_next, &mut self.opt_prev, p),
        }
        self.required -= usize::from(op.complete_ns.is_some());
        Some(Cursor::Main(self.next[self.head as usize]))
    }

    /// Whether changing the state now, by linearizing operation `index`, is a dead end: a
    /// completed operation other than it still needs the current value, and nothing left
    /// can write that value again. (Otherwise, with values written once, the search would
    /// wander deep down every order that overwrites a value some later read returns.)
    fn still_needed(&self, index: usize) -> bool {
        let Some(&v) = self.dense.get(&self.state) else {
            return false;
        };
        let own = u32::from(self.needs[index] == v);
        self.unplaced_needs[v as usize] > own && self.unplaced_writers[v as usize] == 0
    }

    /// Updates the unplaced counts as operation `index` is placed, or `unplaced` again.
    fn count(&mut self, index: usize, unplaced: bool) {
        for (v, counts) in [
            (self.needs[index], &mut self.unplaced_needs),
            (self.writes[index], &mut self.unplaced_writers),
        ] {
            if v != NIL {
                let c = &mut counts[v as usize];
                *c = if unplaced { *c + 1 } else { *c - 1 };
            }
        }
    }

    /// Undoes choices back to the last free one; returns where the walk resumes, or `None`
    /// when no choice is left (the history is not linearizable).
    fn backtrack(&mut self, ops: &[Operation]) -> Option<Cursor> {
        loop {
            let frame = self.stack.pop()?;
            self.state = frame.before;
            let resume = self.undo(ops, frame.at);
            if !frame.forced {
                return Some(resume);
            }
        }
    }

    /// Undoes the choice made at `at`; returns where the walk resumes.
    fn undo(&mut self, ops: &[Operation], at: Cursor) -> Cursor {
        match at {
            Cursor::Main(e) => {
                let op = self.op_of[e as usize] as usize;
                self.count(op, true);
                self.fingerprint ^= self.code[op];
                self.unlift(e);
                self.required += usize::from(ops[op].complete_ns.is_some());
                Cursor::Main(self.next[e as usize])
            }
            Cursor::Optional(p, until) => {
                let op = self.optional[p as usize] as usize;
                self.count(op, true);
                self.fingerprint ^= self.code[op];
                relink(&mut self.opt_next, &mut self.opt_prev, p);
                Cursor::Optional(self.opt_next[p as usize], until)
            }
        }
    }

    fn lift(&mut self, call: u32) {
        unlink(&mut self.next, &mut self.prev, call);
        let ret = self.ret_of[self.op_of[call as usize] as usize];
        if ret != NIL {
            unlink(&mut self.next, &mut self.prev, ret);
        }
    }

    fn unlift(&mut self, call: u32) {
        // Undo in reverse order of `lift`, as dancing links require.
        let ret = self.ret_of[self.op_of[call as usize] as usize];
        if ret != NIL {
            relink(&mut self.next, &mut self.prev, ret);
        }
        relink(&mut self.next, &mut self.prev, call);
    }
}

/// The values of a key's history, densely numbered, and which operations need or write
/// each.
struct ValueIndex {
    needs: Vec<u32>,
    writes: Vec<u32>,
    dense: HashMap<Reg, u32, BuildHasherDefault<FxHasher>>,
    unplaced_needs: Vec<u32>,
    unplaced_writers: Vec<u32>,
}

impl ValueIndex {
    fn new(ops: &[Operation]) -> ValueIndex {
        let mut index = ValueIndex {
            needs: Vec::with_capacity(ops.len()),
            writes: Vec::with_capacity(ops.len()),
            dense: HashMap::default(),
            unplaced_needs: Vec::new(),
            unplaced_writers: Vec::new(),
        };
        for op in ops {
            let needs = match op.kind {
                _ if op.complete_ns.is_none() => None,
                OpKind::Read { result } => Some(result),
                OpKind::Cas {
                    expected,
                    ok: Some(true),
                    ..
                } => Some(Some(expected)),
                _ => None,
            };
            let needs = needs.map_or(NIL, |v| index.intern(v, true));
            let writes = written_value(op).map_or(NIL, |v| index.intern(Some(v), false));
            index.needs.push(needs);
            index.writes.push(writes);
        }
        index
    }

    /// The dense index of `v`, counting one more operation needing or writing it.
    fn intern(&mut self, v: Reg, needs: bool) -> u32 {
        let next = self.dense.len() as u32;
        let i = *self.dense.entry(v).or_insert(next);
        if i == next {
            self.unplaced_needs.push(0);
            self.unplaced_writers.push(0);
        }
        let counts = if needs {
            &mut self.unplaced_needs
        } else {
            &mut self.unplaced_writers
        };
        counts[i as usize] += 1;
        i
    }
}

fn unlink(next: &mut [u32], prev: &mut [u32], e: u32) {
    let (p, n) = (prev[e as usize], next[e as usize]);
    next[p as usize] = n;
    if n != NIL {
        prev[n as usize] = p;
    }
}

/// Re-links the element unlinked last (its own links still point at its neighbours).
fn relink(next: &mut [u32], prev: &mut [u32], e: u32) {
    let (p, n) = (prev[e as usize], next[e as usize]);
    next[p as usize] = e;
    if n != NIL {
        prev[n as usize] = e;
    }
}

/// FxHash (rustc's hasher): the memo is keyed by trusted, checker-built words, so the
/// flooding resistance of SipHash buys nothing and costs a third of the search time.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.add(word);
    }

    fn write_usize(&mut self, word: usize) {
        self.add(word as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn op(id: u64, kind: OpKind, invoke: u64, complete: Option<u64>) -> Operation {
        Operation {
            id,
            client: id as u32,
            key: 0,
            kind,
            invoke_ns: invoke,
            complete_ns: complete,
        }
    }

    fn run(ops: &[Operation]) -> Search {
        search(ops, 1_000_000, &mut 0)
    }

    #[test]
    fn register_rules() {
        let read = |r| OpKind::Read { result: r };
        let cas = |ok| OpKind::Cas {
            expected: 1,
            new: 2,
            ok,
        };
        assert_eq!(step(None, &read(None)), Some(None));
        assert_eq!(step(Some(1), &read(None)), None);
        assert_eq!(step(None, &OpKind::Write { value: 4 }), Some(Some(4)));
        assert_eq!(step(Some(1), &cas(Some(true))), Some(Some(2)));
        assert_eq!(step(Some(3), &cas(Some(true))), None);
        assert_eq!(step(Some(1), &cas(Some(false))), None);
        assert_eq!(step(None, &cas(Some(false))), Some(None));
        assert_eq!(step(Some(1), &cas(None)), Some(Some(2)));
        assert_eq!(step(Some(3), &cas(None)), Some(Some(3)));
    }

    #[test]
    fn empty_and_sequential_histories() {
        assert_eq!(run(&[]), Search::Linearizable);
        let w = op(0, OpKind::Write { value: 1 }, 0, Some(1));
        let r = op(1, OpKind::Read { result: Some(1) }, 2, Some(3));
        assert_eq!(run(&[w, r]), Search::Linearizable);
        let bad = op(1, OpKind::Read { result: None }, 2, Some(3));
        assert_eq!(run(&[w, bad]), Search::Violation);
    }

    #[test]
    fn backtracking_finds_the_only_order() {
        // All three overlap; the later read of 2 forces the write of 1 first.
        let ops = [
            op(0, OpKind::Write { value: 2 }, 0, Some(10)),
            op(1, OpKind::Write { value: 1 }, 0, Some(10)),
            op(2, OpKind::Read { result: Some(1) }, 0, Some(10)),
            op(3, OpKind::Read { result: Some(2) }, 11, Some(12)),
        ];
        assert_eq!(run(&ops), Search::Linearizable);
    }

    #[test]
    fn unknown_outcomes_are_optional_and_act_only_after_their_invocation() {
        let w1 = op(0, OpKind::Write { value: 1 }, 0, Some(1));
        let w2 = op(1, OpKind::Write { value: 2 }, 2, None);
        let read2 =
            |invoke, complete| op(2, OpKind::Read { result: Some(2) }, invoke, Some(complete));
        assert_eq!(run(&[w2]), Search::Linearizable);
        assert_eq!(run(&[w1, w2]), Search::Linearizable);
        assert_eq!(run(&[w1, w2, read2(3, 4)]), Search::Linearizable);
        // Completing at the very instant the write is invoked still counts as concurrent.
        assert_eq!(run(&[w1, w2, read2(1, 2)]), Search::Linearizable);
        assert_eq!(run(&[w1, w2, read2(0, 1)]), Search::Violation);
        let read1 = op(3, OpKind::Read { result: Some(1) }, 5, Some(6));
        assert_eq!(run(&[w1, w2, read2(3, 4), read1]), Search::Violation);
    }

    #[test]
    fn the_budget_stops_the_search() {
        // Twelve concurrent writes of 1 or 2 and twelve reads of either, then reads of 1,
        // 2, 1 with no write left: refuting it means trying every subset of the writes.
        let concurrent = (0..24).map(|i| {
            let kind = match i % 4 {
                0 => OpKind::Write { value: 1 },
                1 => OpKind::Write { value: 2 },
                2 => OpKind::Read { result: Some(1) },
                _ => OpKind::Read { result: Some(2) },
            };
            op(i, kind, 0, Some(10))
        });
        let after = [1, 2, 1]
            .into_iter()
            .zip(24..)
            .map(|(v, i)| op(i, OpKind::Read { result: Some(v) }, 2 * i, Some(2 * i + 1)));
        let ops: Vec<Operation> = concurrent.chain(after).collect();
        let mut steps = 0;
        assert_eq!(search(&ops, 1_000, &mut steps), Search::OutOfBudget);
        assert_eq!(steps, 1_000);
        assert_eq!(search(&ops, u64::MAX, &mut 0), Search::Violation);
    }

    #[test]
    fn an_unread_unknown_write_is_tried_where_a_failed_cas_needs_it() {
        // Nobody reads 2, but the CAS expecting 1 failed, so the write of 2 took effect.
        let w1 = op(0, OpKind::Write { value: 1 }, 0, Some(1));
        let w2 = op(1, OpKind::Write { value: 2 }, 2, None);
        let failed = op(
            2,
            OpKind::Cas {
                expected: 1,
                new: 3,
                ok: Some(false),
            },
            3,
            Some(4),
        );
        let read1 = op(3, OpKind::Read { result: Some(1) }, 5, Some(6));
        assert_eq!(run(&[w1, w2, failed]), Search::Linearizable);
        assert_eq!(run(&[w1, failed]), Search::Violation);
        // ... but then 1 cannot be read afterwards.
        assert_eq!(run(&[w1, w2, failed, read1]), Search::Violation);
    }

    /// Linearizability by trying every order of every subset that keeps the completed
    /// operations: the definition, for tiny histories.
    fn brute_force(ops: &[Operation], placed: &mut [bool], state: Reg) -> bool {
        let pending: Vec<usize> = (0..ops.len()).filter(|&i| !placed[i]).collect();
        if pending.iter().all(|&i| ops[i].complete_ns.is_none()) {
            return true;
        }
        for &i in &pending {
            // Nothing still pending may have completed before this one was invoked.
            let minimal = pending
                .iter()
                .all(|&j| ops[j].complete_ns.is_none_or(|c| c >= ops[i].invoke_ns));
            let Some(after) = step(state, &ops[i].kind) else {
                continue;
            };
            if minimal {
                placed[i] = true;
                let ok = brute_force(ops, placed, after);
                placed[i] = false;
                if ok {
                    return true;
                }
            }
        }
        false
    }

    fn small_op() -> impl Strategy<Value = (OpKind, u64, u64, bool)> {
        let kind = prop_oneof![
            (0u64..4).prop_map(|v| OpKind::Read {
                result: (v > 0).then_some(v)
            }),
            (1u64..4).prop_map(|value| OpKind::Write { value }),
            (1u64..4, 1u64..4, prop::option::of(any::<bool>()))
                .prop_map(|(expected, new, ok)| OpKind::Cas { expected, new, ok }),
        ];
        (kind, 0u64..8, 0u64..4, prop::bool::weighted(0.2))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_brute_force(raw in prop::collection::vec(small_op(), 1..8)) {
            let ops: Vec<Operation> = raw
                .iter()
                .enumerate()
                .filter_map(|(i, &(kind, invoke, len, unknown))| {
                    let mut o = op(i as u64, kind, invoke, Some(invoke + len));
                    if unknown || matches!(kind, OpKind::Cas { ok: None, .. }) {
                        // As the checker prepares them: unknown reads are dropped, unknown
                        // CAS have no result.
                        o.complete_ns = None;
                        match &mut o.kind {
                            OpKind::Read { .. } => return None,
                            OpKind::Cas { ok, .. } => *ok = None,
                            OpKind::Write { .. } => {}
                        }
                    }
                    Some(o)
                })
                .collect();
            let expected = brute_force(&ops, &mut vec![false; ops.len()], None);
            let found = run(&ops);
            prop_assert_eq!(found == Search::Linearizable, expected, "{:?}", found);
            prop_assert_ne!(found, Search::OutOfBudget);
        }
    }
}
