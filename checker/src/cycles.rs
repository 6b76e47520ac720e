//! Sequential-consistency violations of register histories found as cycles of necessary
//! order constraints, in time close to linear, before any search.
//!
//! When every write of a key writes a value no other write of that key writes (as caplab's
//! and the lab's workloads do), some constraints hold in *every* sequentially consistent
//! order of a history, and can be read off it directly (an edge `a → b`: `a` comes first):
//! - **program order**: each client's completed operations, in the order it issued them;
//!   a write whose outcome the client never learned but that someone read comes after the
//!   client's earlier operations;
//! - **reads-from**: the write of `x` comes before every read that returned `x` (and
//!   before every successful compare-and-set that expected `x`);
//! - **initial reads**: a read that found its key absent comes before every write of the
//!   key that took effect;
//! - **version order**: a client that observed `x` (wrote it, or read it) and later
//!   observed `y` on the same key forces the write of `x` before the write of `y` (`x` was
//!   the key's latest write at the first operation, so a `y` written before `x` could not be
//!   the latest at the second);
//! - **anti-dependency**: when the write of `x` comes before the write of `y` (version
//!   order), every read of `x` comes before the write of `y`.
//!
//! A cycle of these constraints is a violation: no order satisfies them all. The operations
//! on the cycle and those justifying its edges, closed under reads-from (every read comes
//! with the write it read), form a sub-history that is itself not sequentially consistent
//! (restricting a valid order of the whole history to a sub-history closed under
//! reads-from gives a valid order of the sub-history), small enough for the exact search
//! (`generic`) to confirm and shrink at once. Finding no cycle proves nothing: the caller
//! then searches the whole history.

use super::history::{History, OpKind, Operation, Value};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// One constraint, with the operations (indices into the history) that justify it.
pub(super) struct Edge {
    pub(super) to: usize,
    pub(super) why: Vec<usize>,
}

/// Indices into `history.ops` of a sub-history that is not sequentially consistent,
/// found as a cycle of necessary constraints (see the module documentation); `None` when
/// there is no such cycle, or when some key has two writes of one value (the constraints
/// then do not hold).
pub fn violating_subhistory(history: &History) -> Option<Vec<usize>> {
    let ops = &history.ops;
    let known = |o: &Operation| {
        o.complete_ns
            .is_some_and(|c| history.truncated_at_ns.is_none_or(|cut| c < cut))
    };
    // Who wrote each (key, value): a write, or a CAS that may have swapped it in.
    let mut writer: BTreeMap<(u64, Value), usize> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        let written = match o.kind {
            OpKind::Write { value } => Some(value),
            OpKind::Cas { new, ok, .. } if ok != Some(false) => Some(new),
            _ => None,
        };
        if let Some(v) = written {
            if writer.insert((o.key, v), i).is_some() {
                return None;
            }
        }
    }
    // What each completed operation observed of its key, in order: a read its result, a
    // write its value, a successful CAS the value it found and then the one it wrote.
    let observed = |o: &Operation| -> Vec<Option<Value>> {
        match o.kind {
            OpKind::Read { result } => vec![result],
            OpKind::Write { value } => vec![Some(value)],
            OpKind::Cas {
                expected,
                new,
                ok: Some(true),
            } => vec![Some(expected), Some(new)],
            OpKind::Cas { .. } => Vec::new(),
        }
    };
    // A read of a value nobody wrote is a violation on its own.
    for (i, o) in ops.iter().enumerate() {
        if !known(o) {
            continue;
        }
        let seen = match o.kind {
            OpKind::Read { result: Some(v) } => Some(v),
            OpKind::Cas {
                expected,
                ok: Some(true),
                ..
            } => Some(expected),
            _ => None,
        };
        if let Some(v) = seen {
            if !writer.contains_key(&(o.key, v)) {
                return Some(vec![i]);
            }
        }
    }
    // The operations in every order: completed ones, and writes someone observed.
    let mut included: Vec<bool> = ops.iter().map(known).collect();
    let mut reads_of: BTreeMap<(u64, Value), Vec<usize>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        if !known(o) {
            continue;
        }
        let seen = match o.kind {
            OpKind::Read { result: Some(v) } => Some(v),
            OpKind::Cas {
                expected,
                ok: Some(true),
                ..
            } => Some(expected),
            _ => None,
        };
        if let Some(v) = seen {
            let w = writer[&(o.key, v)];
            included[w] = true;
            reads_of.entry((o.key, v)).or_default().push(i);
        }
    }
    let mut edges: Vec<Vec<Edge>> = (0..ops.len()).map(|_| Vec::new()).collect();
    let mut add = |from: usize, to: usize, why: Vec<usize>| {
        if from != to {
            edges[from].push(Edge { to, why });
        }
    };
    // Program order (and version order, per client and key).
    let mut by_client: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        by_client.entry(o.client).or_default().push(i);
    }
    let mut version: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for list in by_client.values_mut() {
        list.sort_by_key(|&i| (ops[i].invoke_ns, ops[i].id));
        let mut previous: Option<usize> = None;
        let mut last_seen: BTreeMap<u64, (Value, usize)> = BTreeMap::new();
        for &i in list.iter() {
            let o = &ops[i];
            if !known(o) {
                if included[i] {
                    if let Some(p) = previous {
                        add(p, i, vec![p, i]);
                    }
                }
                continue;
            }
            if let Some(p) = previous {
                add(p, i, vec![p, i]);
            }
            previous = Some(i);
            for seen in observed(o) {
                let Some(y) = seen else { continue };
                if let Some(&(x, at)) = last_seen.get(&o.key) {
                    if x != y {
                        let (wx, wy) = (writer[&(o.key, x)], writer[&(o.key, y)]);
                        version
                            .entry((wx, wy))
                            .or_insert_with(|| vec![at, i, wx, wy]);
                    }
                }
                last_seen.insert(o.key, (y, i));
            }
        }
    }
    // Reads-from, and initial reads before every write of their key that took effect.
    let mut writes_of_key: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    for (&(key, _), &w) in &writer {
        if included[w] {
            writes_of_key.entry(key).or_default().push(w);
        }
    }
    for (&(key, v), readers) in &reads_of {
        let w = writer[&(key, v)];
        for &r in readers {
            add(w, r, vec![w, r]);
        }
    }
    for (i, o) in ops.iter().enumerate() {
        if known(o) && o.kind == (OpKind::Read { result: None }) {
            for &w in writes_of_key.get(&o.key).map_or(&[][..], Vec::as_slice) {
                add(i, w, vec![i, w]);
            }
        }
    }
    // Version order, and the anti-dependencies it implies.
    for (&(wx, wy), why) in &version {
        add(wx, wy, why.clone());
        let x = match ops[wx].kind {
            OpKind::Write { value } => value,
            OpKind::Cas { new, .. } => new,
            OpKind::Read { .. } => continue,
        };
        for &r in reads_of
            .get(&(ops[wx].key, x))
            .map_or(&[][..], Vec::as_slice)
        {
            let mut because = why.clone();
            because.push(r);
            add(r, wy, because);
        }
    }
    let mut programs = Programs {
        chains: Vec::new(),
        at: vec![None; ops.len()],
    };
    for list in by_client.values() {
        let chain: Vec<usize> = list.iter().copied().filter(|&i| known(&ops[i])).collect();
        let k = programs.chains.len();
        for (p, &i) in chain.iter().enumerate() {
            programs.at[i] = Some((k, p));
        }
        programs.chains.push(chain);
    }
    let cycle = shortest_cycle(&edges, &programs)?;
    // The sub-history: the cycle's justifications, closed under reads-from.
    let mut keep: BTreeSet<usize> = cycle.into_iter().flatten().collect();
    let mut stack: Vec<usize> = keep.iter().copied().collect();
    while let Some(i) = stack.pop() {
        let o = &ops[i];
        let seen = match o.kind {
            OpKind::Read { result: Some(v) } => Some(v),
            OpKind::Cas {
                expected,
                ok: Some(true),
                ..
            } => Some(expected),
            _ => None,
        };
        if let Some(w) = seen.and_then(|v| writer.get(&(o.key, v))) {
            if keep.insert(*w) {
                stack.push(*w);
            }
        }
    }
    Some(keep.into_iter().collect())
}

/// Each client's completed operations in program order (`chains`), and each operation's
/// `(client chain, position)` in them.
pub(super) struct Programs {
    pub(super) chains: Vec<Vec<usize>>,
    pub(super) at: Vec<Option<(usize, usize)>>,
}

/// Starts tried when looking for a short cycle in a strongly connected component.
const STARTS: usize = 16;

/// The justifications of the edges of a short cycle, if the graph has one: a strongly
/// connected component of two or more nodes (Tarjan, iterative), then, from a few of its
/// nodes, a shortest cycle back to the node (breadth first, inside the component), where
/// program order counts as one step to any later operation of the same client (program
/// order holds between any two operations of a client, so the jump needs only the two
/// of them). The cycle needing the fewest operations wins.
pub(super) fn shortest_cycle(edges: &[Vec<Edge>], programs: &Programs) -> Option<Vec<Vec<usize>>> {
    let n = edges.len();
    let component = strongly_connected(edges);
    let mut size = vec![0usize; n.max(1)];
    for &c in &component {
        size[c] += 1;
    }
    let first = (0..n).find(|&v| size[component[v]] >= 2)?;
    let c = component[first];
    let members: Vec<usize> = (0..n).filter(|&v| component[v] == c).collect();
    let step = (members.len() / STARTS).max(1);
    let mut best: Option<Vec<Vec<usize>>> = None;
    for &start in members.iter().step_by(step).take(STARTS) {
        let Some(cycle) = cycle_through(edges, programs, &component, start) else {
            continue;
        };
        let cost = |c: &[Vec<usize>]| c.iter().flatten().collect::<BTreeSet<_>>().len();
        if best.as_ref().is_none_or(|b| cost(&cycle) < cost(b)) {
            best = Some(cycle);
        }
    }
    best
}

/// A shortest cycle through `start` inside its component (see [`shortest_cycle`]).
fn cycle_through(
    edges: &[Vec<Edge>],
    programs: &Programs,
    component: &[usize],
    start: usize,
) -> Option<Vec<Vec<usize>>> {
    let n = edges.len();
    let c = component[start];
    // How each node was reached: from which node, and why.
    let mut parent: Vec<Option<(usize, Vec<usize>)>> = vec![None; n];
    let mut seen = vec![false; n];
    seen[start] = true;
    // Per client chain: positions from here on were already reached by a jump.
    let mut jumped: Vec<usize> = programs.chains.iter().map(Vec::len).collect();
    let mut queue = VecDeque::from([start]);
    let mut closing: Option<(usize, Vec<usize>)> = None;
    'search: while let Some(v) = queue.pop_front() {
        let mut next: Vec<(usize, Vec<usize>)> = edges[v]
            .iter()
            .filter(|e| component[e.to] == c)
            .map(|e| (e.to, e.why.clone()))
            .collect();
        if let Some((chain, p)) = programs.at[v] {
            if let Some((sc, sp)) = programs.at[start] {
                if sc == chain && sp > p {
                    next.push((start, vec![v, start]));
                }
            }
            let upto = jumped[chain];
            for &u in &programs.chains[chain][(p + 1).min(upto)..upto] {
                if component[u] == c {
                    next.push((u, vec![v, u]));
                }
            }
            jumped[chain] = jumped[chain].min(p + 1);
        }
        for (u, why) in next {
            if u == start {
                closing = Some((v, why));
                break 'search;
            }
            if !seen[u] {
                seen[u] = true;
                parent[u] = Some((v, why));
                queue.push_back(u);
            }
        }
    }
    let (mut v, why) = closing?;
    let mut out = vec![why];
    while v != start {
        let (p, why) = parent[v].clone()?;
        out.push(why);
        v = p;
    }
    Some(out)
}

/// The justifications of a shortest path from `from` to `to` (breadth first, program order
/// as one step to any later operation of the client, as in [`shortest_cycle`]).
pub(super) fn shortest_path(
    edges: &[Vec<Edge>],
    programs: &Programs,
    from: usize,
    to: usize,
) -> Option<Vec<Vec<usize>>> {
    let n = edges.len();
    let mut parent: Vec<Option<(usize, Vec<usize>)>> = vec![None; n];
    let mut seen = vec![false; n];
    seen[from] = true;
    let mut jumped: Vec<usize> = programs.chains.iter().map(Vec::len).collect();
    let mut queue = VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        if v == to {
            let mut out = Vec::new();
            let mut at = to;
            while at != from {
                let (p, why) = parent[at].clone()?;
                out.push(why);
                at = p;
            }
            out.reverse();
            return Some(out);
        }
        let mut next: Vec<(usize, Vec<usize>)> =
            edges[v].iter().map(|e| (e.to, e.why.clone())).collect();
        if let Some((chain, p)) = programs.at[v] {
            let upto = jumped[chain];
            for &u in &programs.chains[chain][(p + 1).min(upto)..upto] {
                next.push((u, vec![v, u]));
            }
            jumped[chain] = jumped[chain].min(p + 1);
        }
        for (u, why) in next {
            if !seen[u] {
                seen[u] = true;
                parent[u] = Some((v, why));
                queue.push_back(u);
            }
        }
    }
    None
}

/// Tarjan's strongly connected components, without recursion: the component of each node.
fn strongly_connected(edges: &[Vec<Edge>]) -> Vec<usize> {
    let n = edges.len();
    const NONE: usize = usize::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![NONE; n];
    let (mut next_index, mut next_component) = (0usize, 0usize);
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (node, position of the next edge to look at)
        let mut calls: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, pos)) = calls.last() {
            if let Some(e) = edges[v].get(pos) {
                if let Some(top) = calls.last_mut() {
                    top.1 += 1;
                }
                let w = e.to;
                if index[w] == NONE {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: u64, client: u32, key: u64, kind: OpKind, i: u64, c: Option<u64>) -> Operation {
        Operation {
            id,
            client,
            key,
            kind,
            invoke_ns: i,
            complete_ns: c,
        }
    }

    fn history(ops: Vec<Operation>) -> History {
        History {
            ops,
            not_recorded: 0,
            truncated_at_ns: None,
        }
    }

    const fn w(v: u64) -> OpKind {
        OpKind::Write { value: v }
    }
    const fn r(v: Option<u64>) -> OpKind {
        OpKind::Read { result: v }
    }

    #[test]
    fn a_client_that_sees_its_own_write_undone_is_a_cycle() {
        // Client 0 reads 1, writes 2, then reads 1 again: 1 must be both before and after 2.
        let h = history(vec![
            op(0, 1, 0, w(1), 0, Some(1)),
            op(1, 0, 0, r(Some(1)), 2, Some(3)),
            op(2, 0, 0, w(2), 4, Some(5)),
            op(3, 0, 0, r(Some(1)), 6, Some(7)),
            op(4, 2, 0, r(None), 0, Some(1)),
        ]);
        let sub = violating_subhistory(&h).expect("a cycle");
        assert!(sub.contains(&2) && sub.contains(&3), "{sub:?}");
        assert!(!sub.contains(&4), "the unrelated read is left out: {sub:?}");
    }

    #[test]
    fn stale_reads_of_one_client_are_no_cycle() {
        // Sequentially consistent: client 1 may be ordered before the write.
        let h = history(vec![
            op(0, 0, 0, w(1), 0, Some(1)),
            op(1, 1, 0, r(None), 5, Some(6)),
            op(2, 1, 0, r(None), 7, Some(8)),
        ]);
        assert_eq!(violating_subhistory(&h), None);
    }

    #[test]
    fn a_read_of_a_value_never_written_is_a_violation_alone() {
        let h = history(vec![op(0, 0, 0, r(Some(9)), 0, Some(1))]);
        assert_eq!(violating_subhistory(&h), Some(vec![0]));
    }

    #[test]
    fn repeated_values_disable_the_analysis() {
        let h = history(vec![
            op(0, 0, 0, w(1), 0, Some(1)),
            op(1, 1, 0, w(1), 0, Some(1)),
            op(2, 2, 0, r(Some(7)), 0, Some(1)),
        ]);
        assert_eq!(violating_subhistory(&h), None);
    }

    #[test]
    fn long_histories_need_no_recursion() {
        // One client's 200,000 writes: a chain of program-order edges as deep as the
        // history, and no cycle.
        let n = 200_000u64;
        let ops: Vec<Operation> = (0..n)
            .map(|i| op(i, 0, i, w(i + 1), 2 * i, Some(2 * i + 1)))
            .collect();
        assert_eq!(violating_subhistory(&history(ops)), None);
    }
}
