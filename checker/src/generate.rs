//! Random histories that are linearizable by construction, for tests and benchmarks: each
//! operation gets a random interval per client and a random linearization point inside it,
//! and its result is what a single register gives when operations run in the order of
//! those points.

use super::history::{OpKind, Operation, Value};
use sim_core::rng::SimRng;
use std::collections::BTreeMap;

/// The shape of a random history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenConfig {
    /// Operations to generate.
    pub ops: usize,
    /// Clients issuing them, each one operation at a time (a timed-out operation stays
    /// pending while its client moves on).
    pub clients: u32,
    /// Keys, drawn uniformly.
    pub keys: u64,
    /// Chance, in thousandths, that the client times out (unknown outcome); such an
    /// operation takes effect later or never, with equal odds.
    pub unknown_per_mille: u64,
    /// Longest time an operation takes, which is also the client's timeout.
    pub max_latency_ns: u64,
    /// Longest pause of a client between two operations.
    pub max_think_ns: u64,
}

/// A random history shaped by `config`, linearizable by construction, deterministic in
/// `seed`. Reads are half the operations, writes (of fresh values) three tenths, CAS
/// (usually expecting the key's latest value) the rest.
pub fn random_history(config: &GenConfig, seed: u64) -> Vec<Operation> {
    let mut rng = SimRng::stream(seed, "checker/history", 0);
    let (mut ops, points) = intervals(config, &mut rng);
    apply_in_order(&mut ops, &points);
    ops
}

/// The history `caplab` benchmarks the checker on: `ops` operations over `keys` keys by 64
/// clients, 1% of them timing out, deterministic in `seed`.
pub fn bench_history(ops: usize, keys: usize, seed: u64) -> Vec<Operation> {
    let config = GenConfig {
        ops,
        clients: 64,
        keys: keys as u64,
        unknown_per_mille: 10,
        max_latency_ns: 5_000_000,
        max_think_ns: 1_000_000,
    };
    random_history(&config, seed)
}

/// Operations with their intervals and arguments (results not yet filled in), and each
/// one's linearization point (`None`: a timed-out operation that never takes effect).
fn intervals(config: &GenConfig, rng: &mut SimRng) -> (Vec<Operation>, Vec<Option<u64>>) {
    let max_latency = config.max_latency_ns.max(1);
    let mut free_at = vec![0u64; config.clients.max(1) as usize];
    let mut latest: BTreeMap<u64, Value> = BTreeMap::new();
    let mut next_value: Value = 1;
    let mut ops = Vec::with_capacity(config.ops);
    let mut points = Vec::with_capacity(config.ops);
    for id in 0..config.ops as u64 {
        let client = rng.below(free_at.len() as u64) as usize;
        let invoke_ns = free_at[client] + rng.below(config.max_think_ns.saturating_add(1));
        let key = rng.below(config.keys.max(1));
        let kind = match rng.below(10) {
            0..=4 => OpKind::Read { result: None },
            roll => {
                let new = next_value;
                next_value += 1;
                // A CAS on a key never written expects a value nobody wrote: it fails.
                let expected = latest.insert(key, new).unwrap_or(next_value + 1_000_000);
                if roll < 8 {
                    OpKind::Write { value: new }
                } else {
                    OpKind::Cas {
                        expected,
                        new,
                        ok: None,
                    }
                }
            }
        };
        let latency = 1 + rng.below(max_latency);
        let (complete_ns, point) = if rng.below(1000) < config.unknown_per_mille {
            free_at[client] = invoke_ns + max_latency;
            let later = invoke_ns + rng.below(max_latency.saturating_mul(3));
            (None, rng.chance(0.5).then_some(later))
        } else {
            free_at[client] = invoke_ns + latency;
            (
                Some(invoke_ns + latency),
                Some(invoke_ns + rng.below(latency + 1)),
            )
        };
        ops.push(Operation {
            id,
            client: client as u32,
            key,
            kind,
            invoke_ns,
            complete_ns,
        });
        points.push(point);
    }
    (ops, points)
}

/// Fills in results by running the operations on one register per key in the order of
/// their linearization points.
fn apply_in_order(ops: &mut [Operation], points: &[Option<u64>]) {
    let mut order: Vec<(u64, usize)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.map(|p| (p, i)))
        .collect();
    order.sort_unstable();
    let mut state: BTreeMap<u64, Value> = BTreeMap::new();
    for (_, i) in order {
        let op = &mut ops[i];
        let known = op.complete_ns.is_some();
        let current = state.get(&op.key).copied();
        match &mut op.kind {
            OpKind::Read { result } => *result = current,
            OpKind::Write { value } => {
                state.insert(op.key, *value);
            }
            OpKind::Cas { expected, new, ok } => {
                let swapped = current == Some(*expected);
                if swapped {
                    state.insert(op.key, *new);
                }
                *ok = known.then_some(swapped);
            }
        }
    }
}
