//! Caller-side load balancing over the instances of a service.

use crate::scenario::Balancer;
use sim_core::rng::SimRng;

/// One caller's view of one service: a round-robin cursor and its outstanding calls per
/// instance (what least-outstanding and power-of-two-choices look at).
#[derive(Clone, Debug, Default)]
pub struct Picker {
    next: usize,
    outstanding: Vec<u32>,
}

impl Picker {
    /// A picker over `instances` instances.
    pub fn new(instances: usize) -> Picker {
        Picker {
            next: 0,
            outstanding: vec![0; instances],
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
                    let start = self.next % n;
                    let best = (0..n)
                        .map(|k| (start + k) % n)
                        .min_by_key(|&i| self.outstanding[i])
                        .unwrap_or(0);
                    self.next = (best + 1) % n;
                    best
                }
                Balancer::PowerOfTwoChoices => {
                    let a = rng.below(n as u64) as usize;
                    let b = (a + 1 + rng.below(n as u64 - 1) as usize) % n;
                    if self.outstanding[b] < self.outstanding[a] {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        self.outstanding[i] += 1;
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
                    .min_by_key(|&i| self.outstanding[i])
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
                    if self.outstanding[b] < self.outstanding[a] {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        self.outstanding[i] += 1;
        i
    }

    /// Counts a call outstanding on instance `i`, chosen by the caller itself.
    pub fn pin(&mut self, i: usize) {
        self.outstanding[i] += 1;
    }

    /// A call to instance `i` ended (answered, timed out, or abandoned).
    pub fn finished(&mut self, i: usize) {
        self.outstanding[i] = self.outstanding[i].saturating_sub(1);
    }

    /// Forgets every outstanding call (the caller crashed).
    pub fn reset(&mut self) {
        self.outstanding.iter_mut().for_each(|o| *o = 0);
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

    #[test]
    fn power_of_two_never_picks_the_busier_of_its_pair() {
        let mut rng = SimRng::stream(2, "lb", 0);
        let mut p = Picker::new(2);
        p.outstanding = vec![5, 0];
        for _ in 0..100 {
            assert_eq!(p.pick(Balancer::PowerOfTwoChoices, &mut rng), 1);
            p.finished(1);
        }
    }
}
