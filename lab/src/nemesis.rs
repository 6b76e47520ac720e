//! The nemesis: seeded random faults for a lab run, the same kinds caplab's chaos gives
//! scenario designs, aimed at your replicas.
//!
//! A [`Nemesis`] changes the network (latency jitter, loss, duplication between replicas)
//! and draws a fault schedule from the run's seed (stream `lab/nemesis`, so it depends on
//! the seed and the nemesis only): crashes (the node restarts when the fault ends; with
//! [`Nemesis::amnesia`] a crash loses `Node::Durable` too), partitions (a minority of the
//! replicas, with the client groups whose home replica is among them, cut off from the
//! rest), one-way partitions (a minority of replicas cannot send to the others, but hears
//! them), pauses (a process stops, keeping its state; what is addressed to it waits),
//! clock skew (an offset and a drift of the replica's `local_time`) and latency spikes.
//!
//! Each kind of fault arrives as a Poisson process at [`Nemesis::rate_per_min`] and lasts
//! between [`Nemesis::min_s`] and [`Nemesis::max_s`]; a fault that would touch a replica
//! already under a fault, or start a partition while one is active (the scenario's own
//! partitions included: the engine heals every partition at once), is skipped. Nothing
//! starts in the first second, and everything has ended [`Nemesis::quiet_s`] before the
//! run does, so that work in flight drains before the history is judged.
//!
//! The generated faults are ordinary scenario faults appended to the setup's own, so a
//! run under a nemesis is a plain run with explicit faults: it can be shrunk (`chaos`)
//! and replayed from a faults file (`--faults`).

use crate::error::LabError;
use crate::setup::Setup;
use models::scenario::{FaultAction, FaultSpec};
use sim_core::dist::Dist;
use sim_core::rng::SimRng;

/// The kinds of fault a nemesis may inject, in the fixed order their arrivals are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Crash a replica; it restarts when the fault ends.
    Crash,
    /// Cut a minority of replicas (with their clients) off from the rest.
    Partition,
    /// A minority of replicas cannot send to the other replicas.
    OneWay,
    /// Stop a replica's process for a while, state kept.
    Pause,
    /// Offset and drift a replica's clock.
    ClockSkew,
    /// Add latency to every message from or to a replica.
    LatencySpike,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Crash,
        Kind::Partition,
        Kind::OneWay,
        Kind::Pause,
        Kind::ClockSkew,
        Kind::LatencySpike,
    ];

    /// The name on the command line: `crash`, `partition`, `one-way`, `pause`, `skew`,
    /// `spike`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Crash => "crash",
            Kind::Partition => "partition",
            Kind::OneWay => "one-way",
            Kind::Pause => "pause",
            Kind::ClockSkew => "skew",
            Kind::LatencySpike => "spike",
        }
    }
}

/// What the nemesis does to a run. `Nemesis::default()` does nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Nemesis {
    /// Replaces every link's latency (jitter: `exponential`, say), in ms.
    pub latency_ms: Option<Dist>,
    /// Replaces every link's loss probability.
    pub loss: Option<f64>,
    /// Replaces the duplication probability of links between replicas (a client's
    /// connection never duplicates).
    pub duplicate: Option<f64>,
    /// The fault kinds injected.
    pub kinds: Vec<Kind>,
    /// Mean arrivals per simulated minute of each kind.
    pub rate_per_min: f64,
    /// Shortest fault, in seconds.
    pub min_s: f64,
    /// Longest fault, in seconds.
    pub max_s: f64,
    /// Every fault has ended this many seconds before the run does.
    pub quiet_s: f64,
    /// Crashes lose `Node::Durable` too.
    pub amnesia: bool,
}

impl Default for Nemesis {
    fn default() -> Nemesis {
        Nemesis {
            latency_ms: None,
            loss: None,
            duplicate: None,
            kinds: Vec::new(),
            rate_per_min: 6.0,
            min_s: 0.5,
            max_s: 5.0,
            quiet_s: 3.0,
            amnesia: false,
        }
    }
}

/// The jitter `jitter` means: exponential latency, mean 1 ms.
pub const JITTER_MEAN_MS: f64 = 1.0;
/// The loss `loss` means: 5% of messages.
pub const LOSS: f64 = 0.05;
/// The duplication `duplicate` means: 2% of messages between replicas.
pub const DUPLICATE: f64 = 0.02;

/// The words `--nemesis` understands.
pub const WORDS: &str =
    "jitter, loss, duplicate, crash, partition, one-way, pause, skew, spike, faults (crash, \
     partition, one-way, pause, skew, spike), network (jitter, loss, duplicate), all";

impl Nemesis {
    /// Parses `--nemesis` words, comma-separated (see [`WORDS`]); `none` is no nemesis.
    pub fn parse(words: &str) -> Result<Nemesis, LabError> {
        let mut n = Nemesis::default();
        for word in words.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "none" => {}
                "jitter" => n.latency_ms = Some(Dist::exponential(JITTER_MEAN_MS)),
                "loss" => n.loss = Some(LOSS),
                "duplicate" => n.duplicate = Some(DUPLICATE),
                "network" => {
                    n.latency_ms = Some(Dist::exponential(JITTER_MEAN_MS));
                    n.loss = Some(LOSS);
                    n.duplicate = Some(DUPLICATE);
                }
                "faults" => n.kinds = Kind::ALL.to_vec(),
                "all" => {
                    n.latency_ms = Some(Dist::exponential(JITTER_MEAN_MS));
                    n.loss = Some(LOSS);
                    n.duplicate = Some(DUPLICATE);
                    n.kinds = Kind::ALL.to_vec();
                }
                other => match Kind::ALL.iter().find(|k| k.name() == other) {
                    Some(k) => n.kinds.push(*k),
                    None => {
                        return Err(LabError::UnknownNemesisWord {
                            word: other.to_string(),
                            words: WORDS,
                        })
                    }
                },
            }
        }
        n.kinds.sort_unstable();
        n.kinds.dedup();
        Ok(n)
    }

    /// Whether it changes nothing.
    pub fn is_none(&self) -> bool {
        self.latency_ms.is_none()
            && self.loss.is_none()
            && self.duplicate.is_none()
            && self.kinds.is_empty()
            && !self.amnesia
    }

    /// Checks the numbers; the error names the option.
    pub fn validate(&self) -> Result<(), LabError> {
        for (option, p) in [("--loss", self.loss), ("--duplicate", self.duplicate)] {
            if let Some(value) = p {
                if !(0.0..=1.0).contains(&value) {
                    return Err(LabError::BadProbability { option, value });
                }
            }
        }
        if let Some(d) = &self.latency_ms {
            d.validate().map_err(LabError::BadLatency)?;
        }
        if !(self.rate_per_min.is_finite() && self.rate_per_min >= 0.0) {
            return Err(LabError::BadFaultRate(self.rate_per_min));
        }
        if !(self.min_s.is_finite() && self.min_s > 0.0 && self.max_s >= self.min_s) {
            return Err(LabError::BadFaultDurations {
                min_s: self.min_s,
                max_s: self.max_s,
            });
        }
        Ok(())
    }

    /// One line: `jitter (exponential, mean 1 ms), loss 5%, crash + partition 6/min`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = &self.latency_ms {
            parts.push(format!("latency {}", dist_text(d)));
        }
        if let Some(p) = self.loss {
            parts.push(format!("loss {}%", p * 100.0));
        }
        if let Some(p) = self.duplicate {
            parts.push(format!("duplication {}% between replicas", p * 100.0));
        }
        if !self.kinds.is_empty() {
            let names: Vec<&str> = self.kinds.iter().map(|k| k.name()).collect();
            parts.push(format!(
                "{} faults, each {}/min, {}–{} s",
                names.join(" + "),
                self.rate_per_min,
                self.min_s,
                self.max_s
            ));
        }
        if self.amnesia {
            parts.push("crashes lose the durable state".to_string());
        }
        if parts.is_empty() {
            "no nemesis".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// `setup` under this nemesis and `seed`: the network changed, the generated faults
    /// appended to the setup's own (or `faults` instead of generated ones, when given: a
    /// shrunk schedule replayed).
    pub fn apply(&self, setup: &Setup, seed: u64, faults: Option<&[FaultSpec]>) -> Setup {
        let mut s = setup.clone();
        if let Some(d) = &self.latency_ms {
            s.link.latency_ms = d.clone();
        }
        if let Some(p) = self.loss {
            s.link.loss = p;
        }
        if let Some(p) = self.duplicate {
            s.link.duplicate = p;
        }
        s.amnesia |= self.amnesia;
        match faults {
            Some(f) => s.faults.extend(f.iter().cloned()),
            None => {
                let generated = self.schedule(setup, seed);
                s.faults.extend(generated);
            }
        }
        s
    }

    /// The faults this nemesis draws for `setup` under `seed`.
    pub fn schedule(&self, setup: &Setup, seed: u64) -> Vec<FaultSpec> {
        let (start, end) = (
            1.0_f64.min(setup.duration_s),
            setup.duration_s - self.quiet_s,
        );
        let per_s = self.rate_per_min / 60.0 * self.kinds.len() as f64;
        let n = setup.replicas as usize;
        if self.kinds.is_empty() || per_s <= 0.0 || end <= start || n == 0 {
            return Vec::new();
        }
        let mut rng = SimRng::stream(seed, "lab/nemesis", 0);
        // What is busy when: (from, to, replicas touched, is a partition); the setup's own
        // faults first.
        let mut busy: Vec<(f64, f64, Vec<usize>, bool)> = setup
            .faults
            .iter()
            .map(|f| {
                let to = f.duration_s.map_or(f64::INFINITY, |d| f.at_s + d);
                let (replicas, partition) = claims(setup, &f.action);
                (f.at_s, to, replicas, partition)
            })
            .collect();
        let mut out = Vec::new();
        let mut t = start;
        loop {
            t += -libm::log(rng.next_f64_open0()) / per_s;
            if t >= end {
                break;
            }
            let kind = self.kinds[rng.below(self.kinds.len() as u64) as usize];
            let at = round_ms(t);
            let length = self.min_s + rng.next_f64() * (self.max_s - self.min_s);
            let duration = round_ms(length.min(end - at));
            let action = self.action(kind, setup, &mut rng);
            if duration <= 0.0 {
                continue;
            }
            let (replicas, partition) = claims(setup, &action);
            let clash = busy.iter().any(|(from, to, r, p)| {
                *from < at + duration
                    && at < *to
                    && ((partition && *p) || r.iter().any(|x| replicas.contains(x)))
            });
            if clash {
                continue;
            }
            busy.push((at, at + duration, replicas, partition));
            out.push(FaultSpec {
                at_s: at,
                duration_s: Some(duration),
                action,
            });
        }
        out
    }

    fn action(&self, kind: Kind, setup: &Setup, rng: &mut SimRng) -> FaultAction {
        let n = setup.replicas as u64;
        let replica = |i: u64| format!("{}#{i}", setup.store_name);
        // A minority: 1..=(n-1)/2 replicas (one, for three or four), drawn without
        // replacement (the first `size` of a partial Fisher–Yates shuffle).
        let mut minority = || {
            let size = 1 + rng.below(((n.max(2) - 1) / 2).max(1)) as usize;
            let mut pool: Vec<u64> = (0..n).collect();
            for i in 0..size.min(pool.len()) {
                let j = i + rng.below((pool.len() - i) as u64) as usize;
                pool.swap(i, j);
            }
            pool.truncate(size);
            pool.sort_unstable();
            pool
        };
        match kind {
            Kind::Crash => FaultAction::Crash {
                target: replica(rng.below(n)),
            },
            Kind::Pause => FaultAction::Pause {
                target: replica(rng.below(n)),
            },
            Kind::Partition => {
                let side = minority();
                let mut group: Vec<String> = side.iter().map(|i| replica(*i)).collect();
                for (g, home) in setup.home.iter().enumerate() {
                    if side.contains(&u64::from(home.0)) {
                        group.push(format!("{}#{g}", setup.group_name));
                    }
                }
                FaultAction::Partition {
                    groups: vec![group],
                }
            }
            Kind::OneWay => {
                let side = minority();
                FaultAction::OneWayPartition {
                    from: side.iter().map(|i| replica(*i)).collect(),
                    to: (0..n).filter(|i| !side.contains(i)).map(replica).collect(),
                }
            }
            Kind::ClockSkew => {
                let target = replica(rng.below(n));
                let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
                let offset = round_ms(50.0 + rng.next_f64() * 950.0);
                FaultAction::ClockSkew {
                    target,
                    offset_ms: sign * offset,
                    drift_ppm: sign * 100.0,
                }
            }
            Kind::LatencySpike => FaultAction::LatencySpike {
                targets: vec![replica(rng.below(n))],
                extra_ms: round_ms(5.0 + rng.next_f64() * 95.0),
            },
        }
    }
}

/// What a fault holds while it lasts: the replicas it acts on (crash, pause, skew, spike),
/// or the network's one partition slot.
fn claims(setup: &Setup, action: &FaultAction) -> (Vec<usize>, bool) {
    match action {
        FaultAction::Partition { .. } | FaultAction::OneWayPartition { .. } => (Vec::new(), true),
        other => (touched(setup, other), false),
    }
}

/// The replicas a fault names (indices).
fn touched(setup: &Setup, action: &FaultAction) -> Vec<usize> {
    let names: Vec<&String> = match action {
        FaultAction::Crash { target }
        | FaultAction::Slow { target, .. }
        | FaultAction::Pause { target }
        | FaultAction::Drain { target }
        | FaultAction::ClockSkew { target, .. } => vec![target],
        FaultAction::Partition { groups } => groups.iter().flatten().collect(),
        FaultAction::OneWayPartition { from, to } => from.iter().chain(to).collect(),
        FaultAction::LatencySpike { targets, .. } => targets.iter().collect(),
    };
    let mut out: Vec<usize> = names
        .into_iter()
        .filter_map(|t| setup.resolve(t).ok())
        .flatten()
        .filter(|i| *i < setup.replicas as usize)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn round_ms(x: f64) -> f64 {
    libm::round(x * 1000.0) / 1000.0
}

/// A distribution in a few words: `exponential, mean 1 ms`.
pub fn dist_text(d: &Dist) -> String {
    match d {
        Dist::Constant { value } => format!("constant {value} ms"),
        Dist::Exponential { mean } => format!("exponential, mean {mean} ms"),
        Dist::Uniform { low, high } => format!("uniform {low}–{high} ms"),
        other => serde_json::to_string(other).unwrap_or_else(|_| format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::Workload;

    #[test]
    fn words_parse_and_bad_words_are_named() {
        let n = Nemesis::parse("crash,jitter, loss").expect("valid");
        assert_eq!(n.kinds, vec![Kind::Crash]);
        assert_eq!(n.loss, Some(LOSS));
        assert!(n.duplicate.is_none());
        assert_eq!(Nemesis::parse("all").expect("valid").kinds.len(), 6);
        assert!(Nemesis::parse("none").expect("valid").is_none());
        let e = Nemesis::parse("crash,flood")
            .expect_err("no flood")
            .to_string();
        assert!(e.contains("\"flood\"") && e.contains("one-way"), "{e}");
    }

    #[test]
    fn the_schedule_depends_on_the_seed_and_keeps_its_limits() {
        let mut setup = Setup::new(Workload::register());
        setup.duration_s = 60.0;
        let n = Nemesis::parse("faults").expect("valid");
        let a = n.schedule(&setup, 3);
        assert_eq!(a, n.schedule(&setup, 3));
        assert_ne!(a, n.schedule(&setup, 4));
        // 6 kinds at 6/min over 56 s: about 34 candidates, fewer kept.
        assert!(a.len() >= 5, "{a:?}");
        for f in &a {
            let end = f.at_s + f.duration_s.expect("every fault ends");
            assert!(f.at_s >= 1.0 && end <= 57.0 + 1e-9, "{f:?}");
            assert!(setup.check_targets().is_ok());
        }
        // Never two faults on one replica at once, never two partitions at once.
        for (i, f) in a.iter().enumerate() {
            for g in &a[i + 1..] {
                let overlap = g.at_s < f.at_s + f.duration_s.unwrap_or(0.0)
                    && f.at_s < g.at_s + g.duration_s.unwrap_or(0.0);
                if overlap {
                    let (x, p) = claims(&setup, &f.action);
                    let (y, q) = claims(&setup, &g.action);
                    assert!(x.iter().all(|r| !y.contains(r)), "{f:?} {g:?}");
                    assert!(!(p && q), "two partitions at once: {f:?} {g:?}");
                }
            }
        }
        // A partition takes the client groups of the replicas it cuts off with them.
        let with_clients = (0..20).flat_map(|s| n.schedule(&setup, s)).any(|f| {
            matches!(&f.action, FaultAction::Partition { groups }
                if groups[0].contains(&"kv#2".to_string()) && groups[0].contains(&"app#1".to_string()))
        });
        assert!(with_clients);
    }

    #[test]
    fn apply_changes_the_network_and_replays_given_faults() {
        let setup = Setup::new(Workload::register());
        let n = Nemesis::parse("all").expect("valid");
        let s = n.apply(&setup, 1, None);
        assert_eq!(s.link.loss, LOSS);
        assert_eq!(s.link.duplicate, DUPLICATE);
        assert_eq!(s.faults, n.schedule(&setup, 1));
        let only = vec![s.faults[0].clone()];
        assert_eq!(n.apply(&setup, 1, Some(&only)).faults, only);
    }
}
