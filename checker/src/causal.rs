//! Session guarantees and causal consistency of register histories whose writes write
//! values no other write of their key writes (*differentiated* histories, as caplab's and
//! the lab's workloads are).
//!
//! **Causal order.** `a` is causally before `b` when a chain of program order (a client's
//! completed operations, in order) and reads-from (a write before each read that returned
//! its value) leads from `a` to `b`. A write whose outcome its client never learned is in
//! the history only if someone read its value; it follows the client's earlier operations
//! but precedes none of its later ones (it may have taken effect after them). Each
//! operation gets a vector clock (the latest operation of each client, and of each such
//! write, in its causal past), computed in a topological order; "causally before" is then
//! one comparison.
//!
//! **The guarantees** (Terry et al.'s session guarantees, and causal consistency):
//! - **read-your-writes**: a read by a client never returns a value causally before the
//!   client's own latest earlier write of the key (nor the key absent after it);
//! - **monotonic reads**: a read never returns a value causally before one the client
//!   already read from the key (nor the key absent after reading a value);
//! - **causal consistency**: the bad patterns of Bouajjani, Enea, Guerraoui and Hamza ("On
//!   verifying causal consistency", POPL 2017), which characterise it exactly for
//!   differentiated histories: a read of a value nobody wrote; a cycle in causal order; a
//!   read of the key absent with a write of the key in its causal past; a read of `x` with
//!   a write of the key causally between the write of `x` and the read; and a cycle of
//!   causal order with the *conflict* order (`w2` before `w1` when `w2` is causally before
//!   a read that returned `w1`'s value).
//!
//! Every violation comes with the operations that make it (the write, the read, and the
//! chain of causal order between them) and a sentence.

use super::cycles::{shortest_cycle, shortest_path, Edge, Programs};
use super::history::{History, OpKind, Operation, Value};
use std::collections::{BTreeMap, VecDeque};
use std::fmt;

/// Which promise is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    /// A client sees its own writes.
    ReadYourWrites,
    /// A client never sees the key go back.
    MonotonicReads,
    /// Causal consistency (which implies both).
    Causal,
}

impl Guarantee {
    /// `read-your-writes`, `monotonic reads`, `causally consistent`.
    pub fn property(self) -> &'static str {
        match self {
            Guarantee::ReadYourWrites => "read-your-writes",
            Guarantee::MonotonicReads => "monotonic reads",
            Guarantee::Causal => "causally consistent",
        }
    }
}

/// A violation: the operations involved (indices into the history) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionViolation {
    /// The operations that make the violation, by index into `History::ops`.
    pub ops: Vec<usize>,
    /// One sentence (clients named `client N`).
    pub explanation: String,
}

/// Why a history cannot be checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    /// Two writes of one key wrote the same value.
    NotDifferentiated {
        /// The key.
        key: u64,
        /// The value.
        value: Value,
    },
    /// Too many writes with unknown outcomes were read (each needs its own clock entry).
    TooManyUnknownWrites(usize),
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::NotDifferentiated { key, value } => write!(
                f,
                "key {key} was written {value} twice: the check needs every write of a key \
                 to write a value of its own"
            ),
            SessionError::TooManyUnknownWrites(n) => write!(
                f,
                "{n} writes with unknown outcomes were read, more than {MAX_LANES} clock entries"
            ),
        }
    }
}

impl std::error::Error for SessionError {}

/// Most vector-clock entries (clients plus read writes with unknown outcomes).
const MAX_LANES: usize = 512;

/// The key and the value an operation wrote, if it may have written one.
fn written(o: &Operation) -> Option<Value> {
    match o.kind {
        OpKind::Write { value } => Some(value),
        OpKind::Cas { new, ok, .. } if ok != Some(false) => Some(new),
        _ => None,
    }
}

/// What a completed operation observed of its key (`Some(None)`: absent).
fn observed(o: &Operation) -> Option<Option<Value>> {
    o.complete_ns?;
    match o.kind {
        OpKind::Read { result } => Some(result),
        OpKind::Cas {
            expected,
            ok: Some(true),
            ..
        } => Some(Some(expected)),
        _ => None,
    }
}

/// The history's causal order, as vector clocks.
struct Causal<'h> {
    ops: &'h [Operation],
    included: Vec<bool>,
    writer: BTreeMap<(u64, Value), usize>,
    /// Each included operation's lane and position (1-based) in it.
    lane: Vec<(usize, u32)>,
    /// Vector clocks, `lanes` entries per operation (unused for excluded ones).
    clock: Vec<u32>,
    lanes: usize,
    /// Per (lane, key): the positions and indices of the writes, in order.
    writes: BTreeMap<(usize, u64), Vec<(u32, usize)>>,
    /// Causal order's edges (program order, reads-from), for cycles and chains.
    edges: Vec<Vec<Edge>>,
    programs: Programs,
}

impl<'h> Causal<'h> {
    /// Builds the causal order; `Err(Some(v))` when it has a cycle or a read of a value
    /// nobody wrote (bad patterns found on the way).
    fn new(history: &'h History) -> Result<Result<Causal<'h>, SessionViolation>, SessionError> {
        let ops = &history.ops;
        let n = ops.len();
        let mut writer = BTreeMap::new();
        for (i, o) in ops.iter().enumerate() {
            if let Some(v) = written(o) {
                if writer.insert((o.key, v), i).is_some() {
                    return Err(SessionError::NotDifferentiated {
                        key: o.key,
                        value: v,
                    });
                }
            }
        }
        let mut included: Vec<bool> = ops.iter().map(|o| o.complete_ns.is_some()).collect();
        for (i, o) in ops.iter().enumerate() {
            if let Some(Some(v)) = observed(o) {
                match writer.get(&(o.key, v)) {
                    Some(&w) => included[w] = true,
                    None => {
                        return Ok(Err(SessionViolation {
                            ops: vec![i],
                            explanation: format!(
                                "{} returned {v}, which no operation ever wrote to key {}",
                                name(o),
                                o.key
                            ),
                        }))
                    }
                }
            }
        }
        // Lanes: each client's completed operations; each included unknown write alone.
        let mut by_client: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (i, o) in ops.iter().enumerate() {
            by_client.entry(o.client).or_default().push(i);
        }
        let mut lane = vec![(usize::MAX, 0u32); n];
        let mut edges: Vec<Vec<Edge>> = (0..n).map(|_| Vec::new()).collect();
        let mut programs = Programs {
            chains: Vec::new(),
            at: vec![None; n],
        };
        let mut lanes = 0usize;
        let mut unknown_lanes = Vec::new();
        for list in by_client.values_mut() {
            list.sort_by_key(|&i| (ops[i].invoke_ns, ops[i].id));
            let me = lanes;
            lanes += 1;
            let mut chain = Vec::new();
            let mut previous: Option<usize> = None;
            for &i in list.iter() {
                if !included[i] {
                    continue;
                }
                if ops[i].complete_ns.is_none() {
                    unknown_lanes.push((i, previous));
                    continue;
                }
                if let Some(p) = previous {
                    edges[p].push(Edge {
                        to: i,
                        why: vec![p, i],
                    });
                }
                chain.push(i);
                lane[i] = (me, chain.len() as u32);
                previous = Some(i);
            }
            for (k, &i) in chain.iter().enumerate() {
                programs.at[i] = Some((programs.chains.len(), k));
            }
            programs.chains.push(chain);
        }
        for (i, previous) in unknown_lanes {
            lane[i] = (lanes, 1);
            lanes += 1;
            if let Some(p) = previous {
                edges[p].push(Edge {
                    to: i,
                    why: vec![p, i],
                });
            }
        }
        if lanes > MAX_LANES {
            return Err(SessionError::TooManyUnknownWrites(lanes - by_client.len()));
        }
        for (i, o) in ops.iter().enumerate() {
            if !included[i] {
                continue;
            }
            if let Some(Some(v)) = observed(o) {
                let w = writer[&(o.key, v)];
                edges[w].push(Edge {
                    to: i,
                    why: vec![w, i],
                });
            }
        }
        // Vector clocks in a topological order (Kahn); a cycle is a bad pattern.
        let mut indegree = vec![0usize; n];
        for list in &edges {
            for e in list {
                indegree[e.to] += 1;
            }
        }
        let mut ready: VecDeque<usize> = (0..n)
            .filter(|&i| included[i] && indegree[i] == 0)
            .collect();
        let mut clock = vec![0u32; n * lanes];
        let mut done = 0usize;
        let total = included.iter().filter(|x| **x).count();
        while let Some(v) = ready.pop_front() {
            done += 1;
            let (l, p) = lane[v];
            clock[v * lanes + l] = clock[v * lanes + l].max(p);
            for e in &edges[v] {
                let (from, to) = (v * lanes, e.to * lanes);
                for k in 0..lanes {
                    clock[to + k] = clock[to + k].max(clock[from + k]);
                }
                indegree[e.to] -= 1;
                if indegree[e.to] == 0 {
                    ready.push_back(e.to);
                }
            }
        }
        if done < total {
            let cycle = shortest_cycle(&edges, &programs).unwrap_or_default();
            let mut involved: Vec<usize> = cycle.into_iter().flatten().collect();
            involved.sort_unstable();
            involved.dedup();
            return Ok(Err(SessionViolation {
                ops: involved,
                explanation: "these operations are causally before each other in a cycle: \
                              each read returned a value written after it, causally"
                    .to_string(),
            }));
        }
        let mut writes: BTreeMap<(usize, u64), Vec<(u32, usize)>> = BTreeMap::new();
        for (i, o) in ops.iter().enumerate() {
            if included[i] && written(o).is_some() {
                let (l, p) = lane[i];
                writes.entry((l, o.key)).or_default().push((p, i));
            }
        }
        for list in writes.values_mut() {
            list.sort_unstable();
        }
        Ok(Ok(Causal {
            ops,
            included,
            writer,
            lane,
            clock,
            lanes,
            writes,
            edges,
            programs,
        }))
    }

    /// Whether `a` is causally before `b` (strictly).
    fn before(&self, a: usize, b: usize) -> bool {
        let (l, p) = self.lane[a];
        a != b && self.clock[b * self.lanes + l] >= p
    }

    /// The latest write of `key` in lane `l` causally before (or at) `op`.
    fn latest_write_seen(&self, l: usize, key: u64, op: usize) -> Option<usize> {
        let upto = self.clock[op * self.lanes + l];
        let list = self.writes.get(&(l, key))?;
        let k = list.partition_point(|(p, _)| *p <= upto);
        (k > 0).then(|| list[k - 1].1)
    }

    /// The operations of a causal chain from `a` to `b`.
    fn chain(&self, a: usize, b: usize) -> Vec<usize> {
        let mut out: Vec<usize> = shortest_path(&self.edges, &self.programs, a, b)
            .unwrap_or_default()
            .into_iter()
            .flatten()
            .collect();
        out.extend([a, b]);
        out
    }

    /// `ops` with every read's write added, sorted.
    fn closed(&self, mut ops: Vec<usize>) -> Vec<usize> {
        let extra: Vec<usize> = ops
            .iter()
            .filter_map(|&i| match observed(&self.ops[i]) {
                Some(Some(v)) => self.writer.get(&(self.ops[i].key, v)).copied(),
                _ => None,
            })
            .collect();
        ops.extend(extra);
        ops.sort_unstable();
        ops.dedup();
        ops
    }
}

fn name(o: &Operation) -> String {
    match o.kind {
        OpKind::Read { .. } => format!("the read of key {} by client {}", o.key, o.client),
        OpKind::Write { value } => format!("the write of {value} by client {}", o.client),
        OpKind::Cas { expected, new, .. } => {
            format!("the cas({expected} -> {new}) by client {}", o.client)
        }
    }
}

fn saw(v: Option<Value>) -> String {
    v.map_or("found the key absent".to_string(), |v| {
        format!("returned {v}")
    })
}

/// Checks `history` for guarantee `g`: `Ok(None)` when it holds.
pub fn check_session(
    history: &History,
    g: Guarantee,
) -> Result<Option<SessionViolation>, SessionError> {
    let c = match Causal::new(history)? {
        Ok(c) => c,
        // A read of a value nobody wrote breaks every guarantee; a causal cycle breaks
        // causal consistency only (the session guarantees are judged below).
        Err(v) if v.ops.len() == 1 || g == Guarantee::Causal => return Ok(Some(v)),
        Err(_) => return Ok(None),
    };
    let ops = c.ops;
    // Reads in a fixed order: by completion, then id.
    let mut reads: Vec<usize> = (0..ops.len())
        .filter(|&i| c.included[i] && observed(&ops[i]).is_some())
        .collect();
    reads.sort_by_key(|&i| (ops[i].complete_ns, ops[i].id));
    match g {
        Guarantee::ReadYourWrites => Ok(read_your_writes(&c, &reads)),
        Guarantee::MonotonicReads => Ok(monotonic_reads(&c, &reads)),
        Guarantee::Causal => Ok(causal(&c, &reads)),
    }
}

/// A read of `seen` at `r` is older than write `w` (of the same key) that is causally
/// before `r`: the read returned the key absent, or a value written causally before `w`.
fn older(c: &Causal<'_>, r: usize, w: usize) -> bool {
    match observed(&c.ops[r]) {
        Some(None) => true,
        Some(Some(v)) => {
            let source = c.writer[&(c.ops[r].key, v)];
            c.before(source, w)
        }
        None => false,
    }
}

fn read_your_writes(c: &Causal<'_>, reads: &[usize]) -> Option<SessionViolation> {
    for &r in reads {
        let o = &c.ops[r];
        let (l, _) = c.lane[r];
        // The client's own latest write of the key before this read.
        let Some(w) = c.latest_write_seen(l, o.key, r).filter(|&w| w != r) else {
            continue;
        };
        if older(c, r, w) {
            let seen = observed(o).flatten();
            let mut involved = vec![w, r];
            if let Some(v) = seen {
                involved.extend(c.chain(c.writer[&(o.key, v)], w));
            }
            return Some(SessionViolation {
                ops: c.closed(involved),
                explanation: format!(
                    "client {} wrote {} to key {}, then {}: {}",
                    o.client,
                    written(&c.ops[w]).unwrap_or_default(),
                    o.key,
                    saw(seen).replace("returned", "read"),
                    match seen {
                        None => "its own write had vanished".to_string(),
                        Some(v) => format!("{v} was written causally before its own write"),
                    }
                ),
            });
        }
    }
    None
}

fn monotonic_reads(c: &Causal<'_>, reads: &[usize]) -> Option<SessionViolation> {
    // Per (client lane, key): the writes of the values read so far.
    let mut seen: BTreeMap<(usize, u64), Vec<(usize, usize)>> = BTreeMap::new();
    let mut by_lane: Vec<usize> = reads.to_vec();
    by_lane.sort_by_key(|&i| c.lane[i]);
    for &r in &by_lane {
        let o = &c.ops[r];
        let (l, _) = c.lane[r];
        let list = seen.entry((l, o.key)).or_default();
        if let Some(&(w, earlier)) = list.iter().find(|(w, _)| older(c, r, *w)) {
            let now = observed(o).flatten();
            let mut involved = vec![earlier, r];
            if let Some(v) = now {
                involved.extend(c.chain(c.writer[&(o.key, v)], w));
            }
            return Some(SessionViolation {
                ops: c.closed(involved),
                explanation: format!(
                    "client {} read {} from key {}, then {}: {}",
                    o.client,
                    written(&c.ops[w]).unwrap_or_default(),
                    o.key,
                    saw(now).replace("returned", "read"),
                    match now {
                        None => "the key went back to absent".to_string(),
                        Some(v) => format!("{v} was written causally before what it had read"),
                    }
                ),
            });
        }
        if let Some(Some(v)) = observed(o) {
            let w = c.writer[&(o.key, v)];
            list.retain(|(x, _)| !c.before(*x, w));
            if !list.iter().any(|(x, _)| *x == w || c.before(w, *x)) {
                list.push((w, r));
            }
        }
    }
    None
}

fn causal(c: &Causal<'_>, reads: &[usize]) -> Option<SessionViolation> {
    let ops = c.ops;
    // A read with a write of its key causally between the value it returned and itself
    // (or, for a read of the key absent, any write of the key in its causal past).
    for &r in reads {
        let o = &ops[r];
        for l in 0..c.lanes {
            let Some(w2) = c.latest_write_seen(l, o.key, r).filter(|&w| w != r) else {
                continue;
            };
            if older(c, r, w2) {
                let seen = observed(o).flatten();
                let mut involved = c.chain(w2, r);
                if let Some(v) = seen {
                    let w1 = c.writer[&(o.key, v)];
                    involved.extend(c.chain(w1, w2));
                }
                return Some(SessionViolation {
                    ops: c.closed(involved),
                    explanation: format!(
                        "{} is causally before {}, which {}: {}",
                        name(&ops[w2]),
                        name(o),
                        saw(seen),
                        match seen {
                            None => "a write it depends on is missing".to_string(),
                            Some(v) => format!("{v} was overwritten, causally, before the read"),
                        }
                    ),
                });
            }
        }
    }
    // Conflict order: a write causally before a read comes before the write it read.
    let n = ops.len();
    let mut edges: Vec<Vec<Edge>> = (0..n).map(|_| Vec::new()).collect();
    for (from, list) in c.edges.iter().enumerate() {
        for e in list {
            edges[from].push(Edge {
                to: e.to,
                why: e.why.clone(),
            });
        }
    }
    for &r in reads {
        let o = &ops[r];
        let Some(Some(v)) = observed(o) else { continue };
        let w1 = c.writer[&(o.key, v)];
        for l in 0..c.lanes {
            if let Some(w2) = c
                .latest_write_seen(l, o.key, r)
                .filter(|&w| w != w1 && w != r)
            {
                edges[w2].push(Edge {
                    to: w1,
                    why: vec![w2, r, w1],
                });
            }
        }
    }
    let cycle = shortest_cycle(&edges, &c.programs)?;
    let mut involved = Vec::new();
    for why in cycle {
        // A conflict edge (write, read, write) also needs the chain from its first write
        // to the read.
        if let [w2, r, _] = why[..] {
            involved.extend(c.chain(w2, r));
        }
        involved.extend(why);
    }
    Some(SessionViolation {
        ops: c.closed(involved),
        explanation: "no order of the writes of each key explains these reads: each write \
                      must come after a write another read saw overwritten, causally, in a \
                      cycle"
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, client: u32, key: u64, kind: OpKind, i: u64) -> Operation {
        Operation {
            id,
            client,
            key,
            kind,
            invoke_ns: i,
            complete_ns: Some(i + 1),
        }
    }
    const fn w(v: u64) -> OpKind {
        OpKind::Write { value: v }
    }
    const fn r(v: Option<u64>) -> OpKind {
        OpKind::Read { result: v }
    }
    fn h(ops: Vec<Operation>) -> History {
        History {
            ops,
            not_recorded: 0,
            truncated_at_ns: None,
        }
    }
    fn holds(h: &History, g: Guarantee) -> bool {
        check_session(h, g).expect("differentiated").is_none()
    }

    #[test]
    fn reading_an_older_value_after_ones_own_write_breaks_read_your_writes() {
        // Client 0 read 1, wrote 2, then read 1 again.
        let bad = h(vec![
            op(0, 1, 0, w(1), 0),
            op(1, 0, 0, r(Some(1)), 10),
            op(2, 0, 0, w(2), 20),
            op(3, 0, 0, r(Some(1)), 30),
        ]);
        assert!(!holds(&bad, Guarantee::ReadYourWrites));
        assert!(!holds(&bad, Guarantee::Causal));
        let v = check_session(&bad, Guarantee::ReadYourWrites)
            .expect("ok")
            .expect("violated");
        // Its own write, the read, and the chain making 1 older than 2 (its read of 1).
        assert_eq!(v.ops, vec![0, 1, 2, 3]);
        assert!(
            v.explanation
                .contains("client 0 wrote 2 to key 0, then read 1"),
            "{}",
            v.explanation
        );
        // Monotonic reads hold: its reads returned 1 and 1.
        assert!(holds(&bad, Guarantee::MonotonicReads));
        // A concurrent write read after one's own is fine: it may come later.
        let fine = h(vec![
            op(0, 0, 0, w(2), 20),
            op(1, 1, 0, w(3), 15),
            op(2, 0, 0, r(Some(3)), 30),
        ]);
        for g in [
            Guarantee::ReadYourWrites,
            Guarantee::MonotonicReads,
            Guarantee::Causal,
        ] {
            assert!(holds(&fine, g), "{g:?}");
        }
    }

    #[test]
    fn going_back_breaks_monotonic_reads_and_absent_after_a_value_too() {
        let back = h(vec![
            op(0, 1, 0, w(1), 0),
            op(1, 1, 0, w(2), 5),
            op(2, 0, 0, r(Some(2)), 10),
            op(3, 0, 0, r(Some(1)), 20),
        ]);
        assert!(!holds(&back, Guarantee::MonotonicReads));
        assert!(
            holds(&back, Guarantee::ReadYourWrites),
            "client 0 never wrote"
        );
        let absent = h(vec![
            op(0, 1, 0, w(1), 0),
            op(1, 0, 0, r(Some(1)), 10),
            op(2, 0, 0, r(None), 20),
        ]);
        assert!(!holds(&absent, Guarantee::MonotonicReads));
    }

    #[test]
    fn a_missing_cause_breaks_causality_but_no_session_guarantee() {
        // Client 0 writes x=1; client 1 reads it and writes y=2; client 2 reads y=2 and
        // then finds x absent: each session is fine, causality is not.
        let h = h(vec![
            op(0, 0, 0, w(1), 0),
            op(1, 1, 0, r(Some(1)), 10),
            op(2, 1, 1, w(2), 20),
            op(3, 2, 1, r(Some(2)), 30),
            op(4, 2, 0, r(None), 40),
        ]);
        assert!(holds(&h, Guarantee::ReadYourWrites));
        assert!(holds(&h, Guarantee::MonotonicReads));
        let v = check_session(&h, Guarantee::Causal)
            .expect("ok")
            .expect("violated");
        assert_eq!(
            v.ops,
            vec![0, 1, 2, 3, 4],
            "the whole chain: {}",
            v.explanation
        );
        assert!(v
            .explanation
            .contains("the write of 1 by client 0 is causally before"));
    }

    #[test]
    fn conflicting_orders_of_concurrent_writes_break_causality() {
        // Writes 1 and 2 are concurrent; client 2 sees 1 then 2 (so 1 before 2), client 3
        // sees 2 then 1 (so 2 before 1): no causal order of the writes explains both.
        let h = h(vec![
            op(0, 0, 0, w(1), 0),
            op(1, 1, 0, w(2), 0),
            op(2, 2, 0, r(Some(1)), 10),
            op(3, 2, 0, r(Some(2)), 20),
            op(4, 3, 0, r(Some(2)), 10),
            op(5, 3, 0, r(Some(1)), 20),
        ]);
        assert!(!holds(&h, Guarantee::Causal));
        // Each client alone never goes back causally (the writes are concurrent).
        assert!(holds(&h, Guarantee::MonotonicReads));
    }

    #[test]
    fn unknown_writes_someone_read_count_and_thin_air_is_caught() {
        let mut unknown = op(0, 0, 0, w(1), 0);
        unknown.complete_ns = None;
        let h1 = h(vec![
            unknown,
            op(1, 0, 0, r(None), 10),
            op(2, 1, 0, r(Some(1)), 5),
        ]);
        // Client 0's write may have taken effect after its read: no violation.
        assert!(holds(&h1, Guarantee::ReadYourWrites));
        assert!(holds(&h1, Guarantee::Causal));
        let thin = h(vec![op(0, 0, 0, r(Some(9)), 0)]);
        for g in [
            Guarantee::ReadYourWrites,
            Guarantee::MonotonicReads,
            Guarantee::Causal,
        ] {
            assert!(!holds(&thin, g), "{g:?}");
        }
        let twice = h(vec![op(0, 0, 0, w(1), 0), op(1, 1, 0, w(1), 0)]);
        assert!(matches!(
            check_session(&twice, Guarantee::Causal),
            Err(SessionError::NotDifferentiated { key: 0, value: 1 })
        ));
    }
}
