//! The `chaos` section and the seeded schedule of faults it stands for: drawn from the
//! stream `chaos/schedule` of the run's seed and appended to the scenario's own faults (see
//! `crate::chaos` for the invariants and the shrinking).

use super::{FaultAction, FaultSpec, Scenario};
use serde::{Deserialize, Serialize};
use sim_core::dist::Dist;
use sim_core::rng::SimRng;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// The scenario's `chaos` section: which faults to inject at random, how often, and within
/// which limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Chaos {
    /// Nodes the generator picks from (`service#i`, a service, a database, a broker, a
    /// store, `store#i`). Empty: every node that every design has, the client aside.
    #[serde(default)]
    pub targets: Vec<String>,
    /// No chaos fault starts before this, in seconds. Absent: at the end of the warm-up.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub start_s: Option<f64>,
    /// Every chaos fault has ended this many seconds before the run does, so that work in
    /// flight can drain before the invariants are judged.
    #[serde(default = "default_quiet_s")]
    #[schemars(range(min = 0))]
    pub quiet_s: f64,
    /// Most chaos faults active at once.
    #[serde(default = "default_max_concurrent")]
    #[schemars(range(min = 1))]
    pub max_concurrent: u32,
    /// Shortest chaos fault, in seconds.
    #[serde(default = "default_min_duration_s")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub min_duration_s: f64,
    /// Longest chaos fault, in seconds.
    #[serde(default = "default_max_duration_s")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub max_duration_s: f64,
    /// Kill a node (it restarts when the fault ends: a supervisor or an autoscaler
    /// replacing it).
    #[serde(default)]
    pub kill: Option<ChaosRate>,
    /// Pause a node's process (a long garbage-collection pause, a stopped VM).
    #[serde(default)]
    pub pause: Option<ChaosRate>,
    /// Cut a random group of the targets (up to half of them) off from the rest.
    #[serde(default)]
    pub partition: Option<ChaosRate>,
    /// Add latency to every message from or to a node.
    #[serde(default)]
    pub latency: Option<LatencyChaos>,
    /// Slow a node's CPU down: its work takes `factor` times as long (a noisy neighbour, a
    /// throttled VM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow: Option<SlowChaos>,
    /// Skew a node's clock: an offset, and optionally a drift (a broken NTP daemon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_skew: Option<ClockSkewChaos>,
    /// Seeds `caplab chaos` runs when `--runs` is not given.
    #[serde(default = "default_runs")]
    #[schemars(range(min = 1))]
    pub runs: u32,
}

fn default_quiet_s() -> f64 {
    10.0
}

fn default_max_concurrent() -> u32 {
    1
}

fn default_min_duration_s() -> f64 {
    1.0
}

fn default_max_duration_s() -> f64 {
    10.0
}

fn default_runs() -> u32 {
    20
}

/// How often one kind of chaos fault arrives, and how many a run may have.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChaosRate {
    /// Mean arrivals per simulated minute (a Poisson process).
    #[schemars(range(min = 0))]
    pub rate_per_min: f64,
    /// Most faults of this kind in one run. Absent: no limit but the others.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub max: Option<u32>,
}

/// Latency injection: a rate and the extra one-way latency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LatencyChaos {
    /// Mean arrivals per simulated minute (a Poisson process).
    #[schemars(range(min = 0))]
    pub rate_per_min: f64,
    /// Most latency faults in one run. Absent: no limit but the others.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub max: Option<u32>,
    /// Extra one-way latency of each fault, in milliseconds (drawn once per fault).
    pub extra_ms: Dist,
}

/// CPU slowdown: a rate and the slowdown factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlowChaos {
    /// Mean arrivals per simulated minute (a Poisson process).
    #[schemars(range(min = 0))]
    pub rate_per_min: f64,
    /// Most slow faults in one run. Absent: no limit but the others.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub max: Option<u32>,
    /// Multiplier on the node's work durations, drawn once per fault (3: three times as
    /// slow; values below 1 would speed it up).
    pub factor: Dist,
}

/// Clock skew: a rate, the offset and the drift.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockSkewChaos {
    /// Mean arrivals per simulated minute (a Poisson process).
    #[schemars(range(min = 0))]
    pub rate_per_min: f64,
    /// Most clock-skew faults in one run. Absent: no limit but the others.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub max: Option<u32>,
    /// How far the clock is off, in milliseconds, drawn once per fault; ahead or behind
    /// with even odds.
    pub offset_ms: Dist,
    /// How fast it drifts further, in parts per million, drawn once per fault, in the
    /// direction of the offset. Absent: no drift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_ppm: Option<Dist>,
}

/// Most chaos faults one run may be expected to draw (rates × window); a scenario asking
/// for more is refused by validation rather than filling memory.
pub const MAX_EXPECTED_FAULTS: f64 = 10_000.0;

/// The kinds of chaos fault, in the fixed order their rates are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Kill,
    Pause,
    Partition,
    Latency,
    Slow,
    ClockSkew,
}

/// One counter per [`Kind`].
const KINDS: usize = 6;

impl Chaos {
    fn rates(&self) -> Vec<(Kind, f64, Option<u32>)> {
        let mut out = Vec::new();
        if let Some(r) = &self.kill {
            out.push((Kind::Kill, r.rate_per_min, r.max));
        }
        if let Some(r) = &self.pause {
            out.push((Kind::Pause, r.rate_per_min, r.max));
        }
        if let Some(r) = &self.partition {
            out.push((Kind::Partition, r.rate_per_min, r.max));
        }
        if let Some(r) = &self.latency {
            out.push((Kind::Latency, r.rate_per_min, r.max));
        }
        if let Some(r) = &self.slow {
            out.push((Kind::Slow, r.rate_per_min, r.max));
        }
        if let Some(r) = &self.clock_skew {
            out.push((Kind::ClockSkew, r.rate_per_min, r.max));
        }
        out.retain(|(_, rate, _)| *rate > 0.0);
        out
    }

    /// `[start, end)` in which chaos faults live.
    pub(crate) fn window(&self, scenario: &Scenario) -> (f64, f64) {
        let start = self.start_s.unwrap_or(scenario.warmup_s);
        (start, scenario.duration_s - self.quiet_s)
    }

    /// A one-line summary of the rates (`kill 2/min, pause 1/min`).
    pub fn summary(&self) -> String {
        let parts: Vec<String> = self
            .rates()
            .iter()
            .map(|(k, rate, max)| {
                let name = match k {
                    Kind::Kill => "kill",
                    Kind::Pause => "pause",
                    Kind::Partition => "partition",
                    Kind::Latency => "latency",
                    Kind::Slow => "slow",
                    Kind::ClockSkew => "clock skew",
                };
                let cap = max.map_or(String::new(), |m| format!(" (at most {m})"));
                format!("{name} {rate}/min{cap}")
            })
            .collect();
        if parts.is_empty() {
            "no chaos".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Nodes every design has, in the first design's order, the client aside: the default
/// chaos targets.
pub fn common_nodes(scenario: &Scenario) -> Vec<String> {
    let Some(first) = scenario.designs.first() else {
        return Vec::new();
    };
    let others: Vec<BTreeSet<String>> = scenario.designs[1..]
        .iter()
        .map(|d| crate::scenario::node_names(d).into_iter().collect())
        .collect();
    crate::scenario::node_names(first)
        .into_iter()
        .skip(1) // the client
        .filter(|n| others.iter().all(|o| o.contains(n)))
        .collect()
}

/// The component a target belongs to (`api` for `api#2`): two targets of one component
/// overlap.
pub(crate) fn component(target: &str) -> &str {
    target.split_once('#').map_or(target, |(c, _)| c)
}

pub(crate) fn overlaps(a: &str, b: &str) -> bool {
    a == b || ((!a.contains('#') || !b.contains('#')) && component(a) == component(b))
}

/// The targets a fault names.
pub(crate) fn fault_targets(action: &FaultAction) -> Vec<&str> {
    match action {
        FaultAction::Crash { target }
        | FaultAction::Slow { target, .. }
        | FaultAction::Pause { target }
        | FaultAction::Drain { target }
        | FaultAction::ClockSkew { target, .. } => vec![target.as_str()],
        FaultAction::Partition { groups } => groups.iter().flatten().map(String::as_str).collect(),
        FaultAction::OneWayPartition { from, to } => {
            from.iter().chain(to).map(String::as_str).collect()
        }
        FaultAction::LatencySpike { targets, .. } => targets.iter().map(String::as_str).collect(),
    }
}

/// Milliseconds are plenty for a schedule a person reads; rounding keeps replay files tidy.
pub(crate) fn round_ms(x: f64) -> f64 {
    libm::round(x * 1000.0) / 1000.0
}

/// The chaos faults of `scenario` under `seed` (empty without a `chaos` section). Drawn
/// from the stream `chaos/schedule` only, so every design of the run gets the same list.
pub fn schedule(scenario: &Scenario, seed: u64) -> Vec<FaultSpec> {
    let Some(chaos) = &scenario.chaos else {
        return Vec::new();
    };
    let rates = chaos.rates();
    let targets = if chaos.targets.is_empty() {
        common_nodes(scenario)
    } else {
        chaos.targets.clone()
    };
    let (start, end) = chaos.window(scenario);
    let total_per_s: f64 = rates.iter().map(|(_, r, _)| r / 60.0).sum();
    if rates.is_empty() || targets.is_empty() || end <= start || total_per_s <= 0.0 {
        return Vec::new();
    }
    let extra = chaos.latency.as_ref().map(|l| l.extra_ms.prepared());
    let factor = chaos.slow.as_ref().map(|c| c.factor.prepared());
    let skew = chaos.clock_skew.as_ref().map(|c| {
        (
            c.offset_ms.prepared(),
            c.drift_ppm.as_ref().map(Dist::prepared),
        )
    });
    let mut rng = SimRng::stream(seed, "chaos/schedule", 0);
    let mut out: Vec<FaultSpec> = Vec::new();
    let mut per_kind = [0u32; KINDS];
    let mut t = start;
    loop {
        t += -libm::log(rng.next_f64_open0()) / total_per_s;
        if t >= end {
            break;
        }
        // The kind, by rate.
        let mut pick = rng.next_f64() * total_per_s;
        let mut chosen = rates[rates.len() - 1];
        for r in &rates {
            if pick < r.1 / 60.0 {
                chosen = *r;
                break;
            }
            pick -= r.1 / 60.0;
        }
        let (kind, _, max) = chosen;
        let at = round_ms(t);
        let span = chaos.max_duration_s - chaos.min_duration_s;
        let duration = round_ms((chaos.min_duration_s + rng.next_f64() * span).min(end - at));
        let n = targets.len() as u64;
        let action = match kind {
            Kind::Kill => FaultAction::Crash {
                target: targets[rng.below(n) as usize].clone(),
            },
            Kind::Pause => FaultAction::Pause {
                target: targets[rng.below(n) as usize].clone(),
            },
            Kind::Partition => {
                // A random group of 1..=n/2 targets, cut off from the rest (partial
                // Fisher–Yates: the first `size` of a shuffle).
                let size = 1 + rng.below((n / 2).max(1)) as usize;
                let mut pool = targets.clone();
                for i in 0..size {
                    let j = i + rng.below((pool.len() - i) as u64) as usize;
                    pool.swap(i, j);
                }
                pool.truncate(size);
                FaultAction::Partition { groups: vec![pool] }
            }
            Kind::Latency => {
                let target = targets[rng.below(n) as usize].clone();
                let ms = extra.as_ref().map_or(0.0, |d| d.sample(&mut rng));
                FaultAction::LatencySpike {
                    targets: vec![target],
                    extra_ms: round_ms(ms.max(0.0)),
                }
            }
            Kind::Slow => {
                let target = targets[rng.below(n) as usize].clone();
                let f = factor.as_ref().map_or(1.0, |d| d.sample(&mut rng));
                FaultAction::Slow {
                    target,
                    factor: round_ms(f.max(0.0)),
                }
            }
            Kind::ClockSkew => {
                let target = targets[rng.below(n) as usize].clone();
                let sign = if rng.chance(0.5) { 1.0 } else { -1.0 };
                let (offset, drift) = skew.as_ref().map_or((0.0, 0.0), |(o, d)| {
                    let offset = o.sample(&mut rng);
                    (offset, d.as_ref().map_or(0.0, |d| d.sample(&mut rng)))
                });
                FaultAction::ClockSkew {
                    target,
                    offset_ms: sign * round_ms(offset.max(0.0)),
                    drift_ppm: sign * round_ms(drift.max(0.0)),
                }
            }
        };
        if duration <= 0.0 {
            continue;
        }
        let active: Vec<&FaultSpec> = out
            .iter()
            .filter(|f| f.at_s + f.duration_s.unwrap_or(f64::INFINITY) > at)
            .collect();
        let ix = kind as usize;
        let busy = active.len() >= chaos.max_concurrent as usize
            || max.is_some_and(|m| per_kind[ix] >= m)
            || (kind == Kind::Partition
                && active
                    .iter()
                    .any(|f| matches!(f.action, FaultAction::Partition { .. })))
            || active.iter().any(|f| {
                fault_targets(&f.action)
                    .iter()
                    .any(|a| fault_targets(&action).iter().any(|b| overlaps(a, b)))
            });
        if busy {
            continue;
        }
        per_kind[ix] += 1;
        out.push(FaultSpec {
            at_s: at,
            duration_s: Some(duration),
            action,
        });
    }
    out
}

/// `scenario` with its chaos faults for `seed` appended to its own, and no `chaos` section
/// left: what a run under `seed` faces, as a plain scenario (borrowed when it has no chaos).
pub fn expanded(scenario: &Scenario, seed: u64) -> Cow<'_, Scenario> {
    if scenario.chaos.is_none() {
        return Cow::Borrowed(scenario);
    }
    let generated = schedule(scenario, seed);
    Cow::Owned(with_faults(scenario, &generated))
}

/// `scenario` without its chaos section, facing its own faults and then `extra`.
pub fn with_faults(scenario: &Scenario, extra: &[FaultSpec]) -> Scenario {
    let mut s = scenario.clone();
    s.chaos = None;
    s.faults.extend(extra.iter().cloned());
    s
}

/// The scenario that replays a (shrunk) counter-example of design `design`: chaos off,
/// `faults` explicit after the scenario's own, `seed` as its seed, and a name of its own
/// (so that its results do not overwrite the original's).
pub fn replay(scenario: &Scenario, design: &str, seed: u64, faults: &[FaultSpec]) -> Scenario {
    let mut s = with_faults(scenario, faults);
    s.schema = None;
    s.seed = seed;
    s.name = format!("{}-replay-{design}-{seed}", scenario.name);
    s.description = format!(
        "Replay of a chaos counter-example: design {design} under seed {seed}, with the shrunk \
         chaos schedule as explicit faults (caplab chaos). {}",
        scenario.description
    );
    s
}
