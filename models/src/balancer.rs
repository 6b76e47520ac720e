//! Caller-side load balancing over the instances of a service.

use crate::scenario::Balancer;
use sim_core::rng::SimRng;
use std::collections::BTreeMap;

/// Pickers over at most this many instances count outstanding calls in a dense array;
/// larger ones keep only the nonzero counts, so that a caller's memory grows with its
/// calls in flight, not with the callee's size (many callers × many instances would
/// otherwise be quadratic).
const DENSE_UP_TO: usize = 256;

/// Outstanding calls per instance.
#[derive(Clone, Debug)]
enum Counts {
    /// One count per instance.
    Dense(Vec<u32>),
    /// The instances with a nonzero count, over `n` instances.
    Sparse(BTreeMap<u32, u32>, usize),
}

impl Default for Counts {
    fn default() -> Self {
        Counts::Dense(Vec::new())
    }
}

impl Counts {
    fn new(n: usize) -> Counts {
        if n <= DENSE_UP_TO {
            Counts::Dense(vec![0; n])
        } else {
            Counts::Sparse(BTreeMap::new(), n)
        }
    }

    fn len(&self) -> usize {
        match self {
            Counts::Dense(v) => v.len(),
            Counts::Sparse(_, n) => *n,
        }
    }

    fn get(&self, i: usize) -> u32 {
        match self {
            Counts::Dense(v) => v[i],
            Counts::Sparse(m, _) => m.get(&(i as u32)).copied().unwrap_or(0),
        }
    }

    fn add(&mut self, i: usize) {
        match self {
            Counts::Dense(v) => v[i] += 1,
            Counts::Sparse(m, _) => *m.entry(i as u32).or_insert(0) += 1,
        }
    }

    fn sub(&mut self, i: usize) {
        match self {
            Counts::Dense(v) => v[i] = v[i].saturating_sub(1),
            Counts::Sparse(m, _) => {
                if let Some(c) = m.get_mut(&(i as u32)) {
                    *c -= 1;
                    if *c == 0 {
                        m.remove(&(i as u32));
                    }
                }
            }
        }
    }

    fn clear(&mut self) {
        match self {
            Counts::Dense(v) => v.iter_mut().for_each(|o| *o = 0),
            Counts::Sparse(m, _) => m.clear(),
        }
    }

    /// The instance with the fewest outstanding calls, ties to the first from `start` in
    /// cyclic order.
    fn least_from(&self, start: usize) -> usize {
        let n = self.len();
        match self {
            Counts::Dense(v) => (0..n)
                .map(|k| (start + k) % n)
                .min_by_key(|&i| v[i])
                .unwrap_or(0),
            Counts::Sparse(m, _) if m.len() < n => {
                // Some instance has no call outstanding: the first such from `start`.
                let first_gap = |from: usize, to: usize| {
                    let mut want = from as u32;
                    for (&i, _) in m.range(from as u32..to as u32) {
                        if i != want {
                            break;
                        }
                        want += 1;
                    }
                    ((want as usize) < to).then_some(want as usize)
                };
                first_gap(start, n)
                    .or_else(|| first_gap(0, start))
                    .unwrap_or(0)
            }
            // Every instance is busy: the sparse map holds them all.
            Counts::Sparse(m, _) => {
                let best = m
                    .range(start as u32..)
                    .chain(m.range(..start as u32))
                    .min_by_key(|&(_, &c)| c);
                best.map_or(0, |(&i, _)| i as usize)
            }
        }
    }
}

/// One caller's view of one service: a round-robin cursor and its outstanding calls per
/// instance (what least-outstanding and power-of-two-choices look at).
#[derive(Clone, Debug, Default)]
pub struct Picker {
    next: usize,
    outstanding: Counts,
}

impl Picker {
    /// A picker over `instances` instances.
    pub fn new(instances: usize) -> Picker {
        Picker {
            next: 0,
            outstanding: Counts::new(instances),
        }
    }

    /// Chooses an instance (an index) and counts a call outstanding on it.
    pub fn pick(&mut self, policy: Balancer, rng: &mut SimRng) -> usize {
        let n = self.outstanding.len();
        let i = if n == 1 {
            0
        } else {
            match policy {
                Balancer::RoundRobin => {
                    let i = self.next % n;
                    self.next = (i + 1) % n;
                    i
                }
                Balancer::Random => rng.below(n as u64) as usize,
                Balancer::LeastOutstanding => {
                    // Ties go to the instance after the last one chosen, so that an idle
                    // pool is still spread round-robin.
                    let best = self.outstanding.least_from(self.next % n);
                    self.next = (best + 1) % n;
                    best
                }
                Balancer::PowerOfTwoChoices => {
                    let a = rng.below(n as u64) as usize;
                    let b = (a + 1 + rng.below(n as u64 - 1) as usize) % n;
                    if self.outstanding.get(b) < self.outstanding.get(a) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        self.outstanding.add(i);
        i
    }

    /// Like [`Picker::pick`], among the instances `eligible` accepts (those in the
    /// balancers' rotation); when it accepts all or none, exactly [`Picker::pick`]. Allocates
    /// nothing: the eligible instances are counted, then the k-th is found.
    pub fn pick_where(
        &mut self,
        policy: Balancer,
        rng: &mut SimRng,
        eligible: impl Fn(usize) -> bool,
    ) -> usize {
        let n = self.outstanding.len();
        let m = (0..n).filter(|&i| eligible(i)).count();
        if m == n || m == 0 {
            return self.pick(policy, rng);
        }
        let nth = |k: usize| (0..n).filter(|&i| eligible(i)).nth(k).unwrap_or(0);
        let start = self.next % n;
        let from_cursor = (0..n).map(|k| (start + k) % n).filter(|&i| eligible(i));
        let i = match policy {
            Balancer::RoundRobin => {
                let i = from_cursor.into_iter().next().unwrap_or(0);
                self.next = (i + 1) % n;
                i
            }
            Balancer::Random => nth(rng.below(m as u64) as usize),
            Balancer::LeastOutstanding => {
                let best = from_cursor
                    .min_by_key(|&i| self.outstanding.get(i))
                    .unwrap_or(0);
                self.next = (best + 1) % n;
                best
            }
            Balancer::PowerOfTwoChoices => {
                if m == 1 {
                    nth(0)
                } else {
                    let a = rng.below(m as u64) as usize;
                    let b = (a + 1 + rng.below(m as u64 - 1) as usize) % m;
                    let (a, b) = (nth(a), nth(b));
                    if self.outstanding.get(b) < self.outstanding.get(a) {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        self.outstanding.add(i);
        i
    }

    /// Counts a call outstanding on instance `i`, chosen by the caller itself.
    pub fn pin(&mut self, i: usize) {
        self.outstanding.add(i);
    }

    /// A call to instance `i` ended (answered, timed out, or abandoned).
    pub fn finished(&mut self, i: usize) {
        self.outstanding.sub(i);
    }

    /// Forgets every outstanding call (the caller crashed).
    pub fn reset(&mut self) {
        self.outstanding.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_cycles_and_least_outstanding_avoids_busy_instances() {
        let mut rng = SimRng::stream(1, "lb", 0);
        let mut p = Picker::new(3);
        let picks: Vec<usize> = (0..6)
            .map(|_| p.pick(Balancer::RoundRobin, &mut rng))
            .collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2]);
        let mut p = Picker::new(3);
        assert_eq!(p.pick(Balancer::LeastOutstanding, &mut rng), 0);
        assert_eq!(p.pick(Balancer::LeastOutstanding, &mut rng), 1);
        p.finished(0);
        assert_eq!(p.pick(Balancer::LeastOutstanding, &mut rng), 2);
        assert_eq!(p.pick(Balancer::LeastOutstanding, &mut rng), 0);
    }

    #[test]
    fn drained_instances_are_skipped_by_every_policy_unless_all_are() {
        let mut rng = SimRng::stream(3, "lb", 0);
        for policy in [
            Balancer::RoundRobin,
            Balancer::Random,
            Balancer::LeastOutstanding,
            Balancer::PowerOfTwoChoices,
        ] {
            let mut p = Picker::new(4);
            let mut seen = [0u32; 4];
            for _ in 0..200 {
                let i = p.pick_where(policy, &mut rng, |i| i != 1 && i != 2);
                seen[i] += 1;
                p.finished(i);
            }
            assert_eq!((seen[1], seen[2]), (0, 0), "{policy:?}: {seen:?}");
            assert!(seen[0] > 0 && seen[3] > 0, "{policy:?}: {seen:?}");
            // None eligible: exactly the plain pick.
            let (mut a, mut b) = (Picker::new(4), Picker::new(4));
            let (mut ra, mut rb) = (SimRng::stream(4, "lb", 0), SimRng::stream(4, "lb", 0));
            for _ in 0..10 {
                assert_eq!(
                    a.pick_where(policy, &mut ra, |_| false),
                    b.pick(policy, &mut rb)
                );
            }
        }
    }

    /// The sparse counts of large pickers choose exactly as the dense ones: a random
    /// sequence of picks (every policy, with and without drained instances) and ends,
    /// applied to both, gives the same instances and draws the same random numbers.
    #[test]
    fn sparse_counts_pick_exactly_like_dense_ones() {
        for n in [2usize, 3, 7, 20] {
            for policy in [
                Balancer::RoundRobin,
                Balancer::Random,
                Balancer::LeastOutstanding,
                Balancer::PowerOfTwoChoices,
            ] {
                let mut dense = Picker::new(n);
                let mut sparse = Picker {
                    next: 0,
                    outstanding: Counts::Sparse(BTreeMap::new(), n),
                };
                let (mut ra, mut rb) = (SimRng::stream(9, "lb", 0), SimRng::stream(9, "lb", 0));
                let mut ops = SimRng::stream(10, "ops", n as u64);
                let mut open: Vec<usize> = Vec::new();
                for step in 0..2_000 {
                    let r = ops.below(10);
                    if r < 6 || open.is_empty() {
                        let (a, b) = if step % 5 == 0 {
                            let keep = |i: usize| i % 3 != 1;
                            (
                                dense.pick_where(policy, &mut ra, keep),
                                sparse.pick_where(policy, &mut rb, keep),
                            )
                        } else {
                            (dense.pick(policy, &mut ra), sparse.pick(policy, &mut rb))
                        };
                        assert_eq!(a, b, "n {n} {policy:?} step {step}");
                        open.push(a);
                    } else {
                        let i = open.swap_remove(ops.below(open.len() as u64) as usize);
                        dense.finished(i);
                        sparse.finished(i);
                    }
                    if step % 700 == 699 {
                        dense.reset();
                        sparse.reset();
                        open.clear();
                    }
                }
                assert_eq!(ra.next_u64(), rb.next_u64());
            }
        }
    }

    #[test]
    fn power_of_two_never_picks_the_busier_of_its_pair() {
        let mut rng = SimRng::stream(2, "lb", 0);
        let mut p = Picker::new(2);
        p.outstanding = Counts::Dense(vec![5, 0]);
        for _ in 0..100 {
            assert_eq!(p.pick(Balancer::PowerOfTwoChoices, &mut rng), 1);
            p.finished(1);
        }
    }
}
