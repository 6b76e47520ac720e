//! Chaos: a seeded schedule of random faults (kill nodes, pause processes, partition groups,
//! inject latency, slow CPUs down, skew clocks) drawn from the scenario's `chaos` section, the invariants every run must
//! keep under it, and the shrinking of a schedule that breaks one.
//!
//! **The schedule** is drawn from its own stream, `chaos/schedule`, of the run's seed, and
//! depends on nothing else: every design of a run faces the same faults (common random
//! numbers), and adding chaos shifts no other stream. Faults arrive as one Poisson process
//! per kind (`rate_per_min`), each lasting between `min_duration_s` and `max_duration_s`;
//! a candidate that would break a limit (more than `max_concurrent` at once, more than a
//! kind's `max`, a target already under a fault, a second partition while one is active —
//! the engine heals every partition at once) is skipped. Nothing starts before `start_s`
//! and everything has ended `quiet_s` before the run does, so work in flight can drain
//! before the invariants are judged. The generated faults are ordinary [`FaultSpec`]s
//! appended to the scenario's own (see [`expanded`]), so results, fault windows and charts
//! see them like any other.
//!
//! **Invariants** ([`check_run`]): every request issued ends once or is in flight
//! (`all_issued = all_ended + client_in_flight`, and the results' outcomes add up); every
//! broker message copy is accounted for ([`crate::ledger::MessageStats::balanced`]); the
//! scenario's `assertions` hold on the run; no replicated store's history is a
//! linearizability violation.
//!
//! **Shrinking** ([`shrink`]): delta debugging (ddmin) over the generated faults, keeping
//! the scenario's own faults, then halving each remaining fault's duration while the same
//! invariant still breaks on the same design and seed; every candidate is a full rerun, so
//! the shrunk schedule is a real counter-example, not an estimate.

use crate::load::Problem;
use crate::results::DesignResult;
use crate::scenario::{Design, FaultAction, FaultSpec, Scenario};
use serde::{Deserialize, Serialize};
use sim_core::dist::Dist;
use sim_core::rng::SimRng;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// The scenario's `chaos` section: which faults to inject at random, how often, and within
/// which limits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chaos {
    /// Nodes the generator picks from (`service#i`, a service, a database, a broker, a
    /// store, `store#i`). Empty: every node that every design has, the client aside.
    #[serde(default)]
    pub targets: Vec<String>,
    /// No chaos fault starts before this, in seconds. Absent: at the end of the warm-up.
    #[serde(default)]
    pub start_s: Option<f64>,
    /// Every chaos fault has ended this many seconds before the run does, so that work in
    /// flight can drain before the invariants are judged.
    #[serde(default = "default_quiet_s")]
    pub quiet_s: f64,
    /// Most chaos faults active at once.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent: u32,
    /// Shortest chaos fault, in seconds.
    #[serde(default = "default_min_duration_s")]
    pub min_duration_s: f64,
    /// Longest chaos fault, in seconds.
    #[serde(default = "default_max_duration_s")]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChaosRate {
    /// Mean arrivals per simulated minute (a Poisson process).
    pub rate_per_min: f64,
    /// Most faults of this kind in one run. Absent: no limit but the others.
    #[serde(default)]
    pub max: Option<u32>,
}

/// Latency injection: a rate and the extra one-way latency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyChaos {
    /// Mean arrivals per simulated minute (a Poisson process).
    pub rate_per_min: f64,
    /// Most latency faults in one run. Absent: no limit but the others.
    #[serde(default)]
    pub max: Option<u32>,
    /// Extra one-way latency of each fault, in milliseconds (drawn once per fault).
    pub extra_ms: Dist,
}

/// CPU slowdown: a rate and the slowdown factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowChaos {
    /// Mean arrivals per simulated minute (a Poisson process).
    pub rate_per_min: f64,
    /// Most slow faults in one run. Absent: no limit but the others.
    #[serde(default)]
    pub max: Option<u32>,
    /// Multiplier on the node's work durations, drawn once per fault (3: three times as
    /// slow; values below 1 would speed it up).
    pub factor: Dist,
}

/// Clock skew: a rate, the offset and the drift.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockSkewChaos {
    /// Mean arrivals per simulated minute (a Poisson process).
    pub rate_per_min: f64,
    /// Most clock-skew faults in one run. Absent: no limit but the others.
    #[serde(default)]
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
    fn window(&self, scenario: &Scenario) -> (f64, f64) {
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
        .map(|d| crate::plan::node_names(d).into_iter().collect())
        .collect();
    crate::plan::node_names(first)
        .into_iter()
        .skip(1) // the client
        .filter(|n| others.iter().all(|o| o.contains(n)))
        .collect()
}

/// The component a target belongs to (`api` for `api#2`): two targets of one component
/// overlap.
fn component(target: &str) -> &str {
    target.split_once('#').map_or(target, |(c, _)| c)
}

fn overlaps(a: &str, b: &str) -> bool {
    a == b || ((!a.contains('#') || !b.contains('#')) && component(a) == component(b))
}

/// The targets a fault names.
fn fault_targets(action: &FaultAction) -> Vec<&str> {
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
fn round_ms(x: f64) -> f64 {
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

/// Problems of the chaos section: ranges, and targets every design must have.
pub fn problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    let Some(c) = &s.chaos else {
        return out;
    };
    let bad = |x: f64| !(x.is_finite() && x >= 0.0);
    let mut report = |path: &str, message: String| {
        let path = if path.is_empty() {
            "chaos".to_string()
        } else {
            format!("chaos.{path}")
        };
        out.push(Problem::new(path, message));
    };
    if bad(c.quiet_s) {
        report(
            "quiet_s",
            format!("must be a number >= 0, got {}", c.quiet_s),
        );
    }
    if let Some(start) = c.start_s {
        if bad(start) {
            report("start_s", format!("must be a number >= 0, got {start}"));
        }
    }
    if !(c.min_duration_s.is_finite() && c.min_duration_s > 0.0) {
        report(
            "min_duration_s",
            format!("must be a number > 0, got {}", c.min_duration_s),
        );
    }
    if !(c.max_duration_s.is_finite() && c.max_duration_s >= c.min_duration_s) {
        report(
            "max_duration_s",
            format!(
                "must be a number >= min_duration_s ({}), got {}",
                c.min_duration_s, c.max_duration_s
            ),
        );
    }
    if c.max_concurrent < 1 {
        report("max_concurrent", "must be at least 1".to_string());
    }
    if c.runs < 1 {
        report("runs", "must be at least 1".to_string());
    }
    let mut total = 0.0;
    // The kind asking for the most faults: where a "too many faults" problem points.
    let mut busiest: Option<(&str, f64)> = None;
    for (name, rate) in [
        ("kill", c.kill.as_ref().map(|r| r.rate_per_min)),
        ("pause", c.pause.as_ref().map(|r| r.rate_per_min)),
        ("partition", c.partition.as_ref().map(|r| r.rate_per_min)),
        ("latency", c.latency.as_ref().map(|r| r.rate_per_min)),
        ("slow", c.slow.as_ref().map(|r| r.rate_per_min)),
        ("clock_skew", c.clock_skew.as_ref().map(|r| r.rate_per_min)),
    ] {
        if let Some(r) = rate {
            if bad(r) {
                report(
                    &format!("{name}.rate_per_min"),
                    format!("must be a number >= 0, got {r}"),
                );
            } else {
                total += r;
                if busiest.is_none_or(|(_, b)| r > b) {
                    busiest = Some((name, r));
                }
            }
        }
    }
    let dists = [
        ("latency.extra_ms", c.latency.as_ref().map(|l| &l.extra_ms)),
        ("slow.factor", c.slow.as_ref().map(|l| &l.factor)),
        (
            "clock_skew.offset_ms",
            c.clock_skew.as_ref().map(|l| &l.offset_ms),
        ),
        (
            "clock_skew.drift_ppm",
            c.clock_skew.as_ref().and_then(|l| l.drift_ppm.as_ref()),
        ),
    ];
    for (at, dist) in dists {
        if let Some(Err(e)) = dist.map(Dist::validate) {
            let path = if e.path.is_empty() {
                at.to_string()
            } else {
                format!("{at}.{}", e.path)
            };
            report(&path, e.message);
        }
    }
    let (start, end) = c.window(s);
    if total > 0.0 && s.duration_s.is_finite() && end <= start {
        report(
            "quiet_s",
            format!(
                "leaves no time for chaos: faults may start at {start} s and must end by \
                 duration_s - quiet_s = {end} s"
            ),
        );
    }
    if total / 60.0 * (end - start).max(0.0) > MAX_EXPECTED_FAULTS {
        let at = busiest.map_or_else(String::new, |(name, _)| format!("{name}.rate_per_min"));
        report(
            &at,
            format!(
                "the rates ask for about {:.0} faults per run, more than {MAX_EXPECTED_FAULTS}",
                total / 60.0 * (end - start)
            ),
        );
    }
    // Every node name and every component name (`api` of `api#3`) of each design.
    let nodes: Vec<BTreeSet<String>> = s
        .designs
        .iter()
        .map(|d| {
            let mut names: BTreeSet<String> = BTreeSet::new();
            for n in crate::plan::node_names(d) {
                names.insert(component(&n).to_string());
                names.insert(n);
            }
            names
        })
        .collect();
    for (i, t) in c.targets.iter().enumerate() {
        for (d, names) in s.designs.iter().zip(&nodes) {
            let known = names.contains(t);
            if !known || t == "client" {
                report(
                    &format!("targets[{i}]"),
                    format!(
                        "design `{}` has no node `{t}` (every design faces the same chaos, so \
                         every design needs every target)",
                        d.name
                    ),
                );
            }
        }
    }
    if total > 0.0 && c.targets.is_empty() && common_nodes(s).is_empty() {
        report(
            "targets",
            "the designs have no node in common: name the targets".to_string(),
        );
    }
    out
}

// ---------------------------------------------------------------------------------------
// Invariants.

/// One invariant broken by one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant: `request accounting`, `message accounting`, `assertion <expect>`
    /// or `linearizability of <store>`; shrinking keeps it.
    pub invariant: String,
    /// What was measured.
    pub detail: String,
}

/// A run and the invariants it broke.
#[derive(Clone, Debug)]
pub struct RunCheck {
    /// The run's results (`None` when the model panicked: a bug, reported as a violation).
    pub result: Option<DesignResult>,
    /// Every invariant broken, in a fixed order.
    pub violations: Vec<Violation>,
}

/// Runs `design` of `scenario` (its chaos faults for `seed` included) under `seed` and
/// returns its results and every invariant it broke. A panic inside the model (an
/// arithmetic overflow in an accounting counter, say) is caught and reported as the
/// violation `no panic`, so that chaos shrinks model bugs like any other counter-example.
pub fn check_run(scenario: &Scenario, design: &Design, seed: u64) -> Result<RunCheck, String> {
    let plain = expanded(scenario, seed);
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::run::run_design_accounted(&plain, design, seed)
    }));
    let (result, acc) = match run {
        Ok(r) => r?,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic without a message".to_string());
            return Ok(RunCheck {
                result: None,
                violations: vec![Violation {
                    invariant: "no panic".to_string(),
                    detail: format!("the model panicked: {message}"),
                }],
            });
        }
    };
    let mut out = Vec::new();
    if acc.all_issued != acc.all_ended + acc.client_in_flight {
        out.push(Violation {
            invariant: "request accounting".to_string(),
            detail: format!(
                "{} requests issued, {} ended, {} in flight at the client",
                acc.all_issued, acc.all_ended, acc.client_in_flight
            ),
        });
    }
    let outcomes: u64 = result.requests.by_outcome.values().sum();
    if outcomes != result.requests.total {
        out.push(Violation {
            invariant: "request accounting".to_string(),
            detail: format!(
                "the outcomes add up to {outcomes}, not the {} requests measured",
                result.requests.total
            ),
        });
    }
    if !acc.messages.balanced() {
        let m = &acc.messages;
        out.push(Violation {
            invariant: "message accounting".to_string(),
            detail: format!(
                "{} copies entered; {} processed, {} failed, {} dead-lettered, {} lost, {} \
                 outstanding",
                m.entered,
                m.processed,
                m.failed,
                m.dead_lettered,
                m.lost(),
                m.outstanding()
            ),
        });
    }
    for a in &plain.assertions {
        if a.design.as_ref().is_some_and(|d| d != &design.name) {
            continue;
        }
        let v = crate::assertions::evaluate(a, std::slice::from_ref(&result), &[seed]);
        if !v.passed {
            out.push(Violation {
                invariant: format!("assertion {}", a.expect),
                detail: match &v.error {
                    Some(e) => e.clone(),
                    None => format!("measured {}; bound {}", v.measured(), v.bound_text()),
                },
            });
        }
    }
    for (name, st) in &result.stores {
        if st.linearizability == "violation" {
            out.push(Violation {
                invariant: format!("linearizability of {name}"),
                detail: st
                    .counterexample
                    .clone()
                    .unwrap_or_else(|| "not linearizable".to_string()),
            });
        }
    }
    Ok(RunCheck {
        result: Some(result),
        violations: out,
    })
}

/// Whether `design` breaks `invariant` under `seed` when `scenario` (no chaos) faces
/// `faults` on top of its own.
fn still_fails(
    scenario: &Scenario,
    design: &Design,
    seed: u64,
    faults: &[FaultSpec],
    invariant: &str,
) -> Result<bool, String> {
    let s = with_faults(scenario, faults);
    let checked = check_run(&s, design, seed)?;
    Ok(checked.violations.iter().any(|v| v.invariant == invariant))
}

/// A shrunk counter-example.
#[derive(Clone, Debug, PartialEq)]
pub struct Shrunk {
    /// The chaos faults left: every one is needed (removing any single one, or halving
    /// its duration, no longer breaks the invariant, as far as the budget allowed).
    pub faults: Vec<FaultSpec>,
    /// Reruns spent.
    pub runs: usize,
    /// Whether the budget ran out before the schedule was minimal.
    pub budget_exhausted: bool,
}

/// Shrinks `faults` (the chaos faults of a run of `design` under `seed` that broke
/// `invariant`) with at most `budget` reruns: ddmin over the list, then durations halved
/// (down to 1 ms) while the invariant still breaks.
pub fn shrink(
    scenario: &Scenario,
    design: &Design,
    seed: u64,
    faults: &[FaultSpec],
    invariant: &str,
    budget: usize,
) -> Result<Shrunk, String> {
    let base = with_faults(scenario, &[]);
    let mut runs = 0usize;
    let mut test = |candidate: &[FaultSpec]| -> Result<Option<bool>, String> {
        if runs >= budget {
            return Ok(None);
        }
        runs += 1;
        still_fails(&base, design, seed, candidate, invariant).map(Some)
    };
    let (mut current, mut exhausted) = ddmin(faults.to_vec(), &mut test)?;
    // A single fault may be unnecessary too (the scenario's own faults break it alone).
    if !exhausted && current.len() == 1 {
        match test(&[])? {
            None => exhausted = true,
            Some(true) => current.clear(),
            Some(false) => {}
        }
    }
    if !exhausted {
        (current, exhausted) = halve_durations(current, &mut test)?;
    }
    Ok(Shrunk {
        faults: current,
        runs,
        budget_exhausted: exhausted,
    })
}

/// Whether a candidate list of faults still breaks what is being shrunk: `Ok(None)` when
/// the rerun budget is spent.
pub type StillFails<'a> = dyn FnMut(&[FaultSpec]) -> Result<Option<bool>, String> + 'a;

/// Delta debugging (ddmin) over `current`: each of n chunks alone, then each complement;
/// n refined when neither fails. The smallest list found that still fails, and whether
/// the budget ran out first.
pub fn ddmin(
    mut current: Vec<FaultSpec>,
    test: &mut StillFails<'_>,
) -> Result<(Vec<FaultSpec>, bool), String> {
    let mut n = 2usize;
    'ddmin: while current.len() >= 2 {
        let chunk = current.len().div_ceil(n);
        let parts: Vec<Vec<FaultSpec>> = current.chunks(chunk).map(<[_]>::to_vec).collect();
        for part in &parts {
            match test(part)? {
                None => return Ok((current, true)),
                Some(true) => {
                    current = part.clone();
                    n = 2;
                    continue 'ddmin;
                }
                Some(false) => {}
            }
        }
        if parts.len() > 2 {
            for skip in 0..parts.len() {
                let complement: Vec<FaultSpec> = parts
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .flat_map(|(_, p)| p.iter().cloned())
                    .collect();
                match test(&complement)? {
                    None => return Ok((current, true)),
                    Some(true) => {
                        current = complement;
                        n = (n - 1).max(2);
                        continue 'ddmin;
                    }
                    Some(false) => {}
                }
            }
        }
        if n >= current.len() {
            break;
        }
        n = (2 * n).min(current.len());
    }
    Ok((current, false))
}

/// Shorter faults, one at a time: each duration halved (to the millisecond, down to 1 ms)
/// while the list still fails. The list found, and whether the budget ran out first.
pub fn halve_durations(
    mut current: Vec<FaultSpec>,
    test: &mut StillFails<'_>,
) -> Result<(Vec<FaultSpec>, bool), String> {
    for i in 0..current.len() {
        while let Some(d) = current[i].duration_s {
            let half = round_ms(d / 2.0);
            if half < 0.001 || half >= d {
                break;
            }
            let mut candidate = current.clone();
            candidate[i].duration_s = Some(half);
            match test(&candidate)? {
                None => return Ok((current, true)),
                Some(true) => current = candidate,
                Some(false) => break,
            }
        }
    }
    Ok((current, false))
}

/// A fault as a person reads it: `at 41.317 s for 4.2 s: crash worker#1`.
pub fn describe(f: &FaultSpec) -> String {
    match f.duration_s {
        Some(d) => format!("at {} s for {} s: {}", f.at_s, d, f.action),
        None => format!("at {} s: {}", f.at_s, f.action),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(chaos: Chaos) -> Scenario {
        let text = r#"{
            "version": 1, "name": "c", "description": "d", "seed": 1, "duration_s": 600,
            "warmup_s": 10,
            "workload": {"arrivals": {"poisson": {"rate_per_s": 1}},
                         "classes": [{"endpoint": "e"}]},
            "designs": [
              {"name": "a", "entry": "api",
               "services": {"api": {"instances": 3, "workers": 1, "handlers": {"e": []}}},
               "databases": {"db": {}}},
              {"name": "b", "entry": "api",
               "services": {"api": {"instances": 2, "workers": 1, "handlers": {"e": []}},
                            "extra": {"workers": 1, "handlers": {"e": []}}},
               "databases": {"db": {}}}
            ]
        }"#;
        let mut s: Scenario = serde_json::from_str(text).expect("parses");
        s.chaos = Some(chaos);
        s
    }

    fn chaos() -> Chaos {
        Chaos {
            targets: Vec::new(),
            start_s: None,
            quiet_s: 20.0,
            max_concurrent: 2,
            min_duration_s: 1.0,
            max_duration_s: 30.0,
            kill: Some(ChaosRate {
                rate_per_min: 3.0,
                max: Some(10),
            }),
            pause: Some(ChaosRate {
                rate_per_min: 1.0,
                max: None,
            }),
            partition: Some(ChaosRate {
                rate_per_min: 1.0,
                max: None,
            }),
            latency: Some(LatencyChaos {
                rate_per_min: 1.0,
                max: None,
                extra_ms: Dist::constant(50.0),
            }),
            slow: None,
            clock_skew: None,
            runs: 5,
        }
    }

    #[test]
    fn default_targets_are_the_nodes_every_design_has() {
        let s = scenario(chaos());
        assert_eq!(common_nodes(&s), vec!["api#0", "api#1", "db"]);
    }

    #[test]
    fn the_schedule_keeps_its_window_and_limits_and_depends_only_on_the_seed() {
        let s = scenario(chaos());
        let a = schedule(&s, 7);
        assert_eq!(a, schedule(&s, 7));
        assert_ne!(a, schedule(&s, 8));
        assert!(a.len() >= 5, "{a:?}");
        let kills = a
            .iter()
            .filter(|f| matches!(f.action, FaultAction::Crash { .. }))
            .count();
        assert!(kills <= 10);
        for f in &a {
            let end = f.at_s + f.duration_s.expect("every chaos fault ends");
            assert!(f.at_s >= 10.0 && end <= 580.0 + 1e-9, "{f:?}");
            // At most two at once, never two on one target, never two partitions.
            let overlapping: Vec<&FaultSpec> = a
                .iter()
                .filter(|g| g.at_s <= f.at_s && g.at_s + g.duration_s.unwrap_or(0.0) > f.at_s)
                .collect();
            assert!(overlapping.len() <= 2, "{overlapping:?}");
            let mut seen = BTreeSet::new();
            let mut partitions = 0;
            for g in &overlapping {
                if matches!(g.action, FaultAction::Partition { .. }) {
                    partitions += 1;
                }
                for t in fault_targets(&g.action) {
                    assert!(seen.insert(component(t).to_string()) || t.contains('#'));
                }
            }
            assert!(partitions <= 1);
        }
    }

    #[test]
    fn a_scenario_without_chaos_is_left_as_it_is() {
        let mut s = scenario(chaos());
        s.chaos = None;
        assert!(matches!(expanded(&s, 3), Cow::Borrowed(_)));
        assert!(schedule(&s, 3).is_empty());
    }

    #[test]
    fn bad_chaos_settings_are_reported_with_their_paths() {
        let mut c = chaos();
        c.quiet_s = -1.0;
        c.max_duration_s = 0.5;
        c.targets = vec!["extra".into(), "api#1".into()];
        c.kill = Some(ChaosRate {
            rate_per_min: f64::NAN,
            max: None,
        });
        let s = scenario(c);
        let paths: Vec<String> = problems(&s).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            vec![
                "chaos.quiet_s",
                "chaos.max_duration_s",
                "chaos.kill.rate_per_min",
                "chaos.targets[0]"
            ]
        );
    }

    /// Only the two new kinds, often enough to reach their limits.
    fn slow_and_skew(slow_max: Option<u32>, skew_max: Option<u32>) -> Chaos {
        Chaos {
            kill: None,
            pause: None,
            partition: None,
            latency: None,
            max_concurrent: 3,
            slow: Some(SlowChaos {
                rate_per_min: 4.0,
                max: slow_max,
                factor: Dist::Uniform {
                    low: 2.0,
                    high: 5.0,
                },
            }),
            clock_skew: Some(ClockSkewChaos {
                rate_per_min: 4.0,
                max: skew_max,
                offset_ms: Dist::Uniform {
                    low: 100.0,
                    high: 900.0,
                },
                drift_ppm: Some(Dist::constant(50.0)),
            }),
            ..chaos()
        }
    }

    #[test]
    fn slow_and_clock_skew_faults_draw_their_values_within_the_limits() {
        let s = scenario(slow_and_skew(None, None));
        let mut slow = Vec::new();
        let mut skew = Vec::new();
        for seed in 0..20 {
            let faults = schedule(&s, seed);
            for f in &faults {
                let end = f.at_s + f.duration_s.expect("every chaos fault ends");
                assert!(f.at_s >= 10.0 && end <= 580.0 + 1e-9, "{f:?}");
                let at_once = faults
                    .iter()
                    .filter(|g| g.at_s <= f.at_s && g.at_s + g.duration_s.unwrap_or(0.0) > f.at_s)
                    .count();
                assert!(at_once <= 3, "seed {seed}: {at_once} at {}", f.at_s);
                match &f.action {
                    FaultAction::Slow { factor, .. } => slow.push(*factor),
                    FaultAction::ClockSkew {
                        offset_ms,
                        drift_ppm,
                        ..
                    } => skew.push((*offset_ms, *drift_ppm)),
                    other => panic!("only slow and clock skew were asked for: {other:?}"),
                }
            }
        }
        assert!(
            slow.len() > 50 && skew.len() > 50,
            "{} {}",
            slow.len(),
            skew.len()
        );
        assert!(slow.iter().all(|f| (2.0..=5.0).contains(f)), "{slow:?}");
        // Offsets in ±[100, 900] ms, ahead and behind both drawn, the drift in the
        // offset's direction.
        assert!(skew.iter().all(|(o, _)| (100.0..=900.0).contains(&o.abs())));
        assert!(skew.iter().all(|&(o, d)| d == 50.0_f64.copysign(o)));
        let ahead = skew.iter().filter(|(o, _)| *o > 0.0).count();
        assert!(
            ahead > skew.len() / 4 && ahead < skew.len() * 3 / 4,
            "{ahead} of {}",
            skew.len()
        );
    }

    #[test]
    fn each_new_kind_keeps_its_own_maximum() {
        let s = scenario(slow_and_skew(Some(2), Some(0)));
        for seed in 0..20 {
            let faults = schedule(&s, seed);
            let slow = faults
                .iter()
                .filter(|f| matches!(f.action, FaultAction::Slow { .. }))
                .count();
            assert_eq!(slow, 2, "seed {seed}: the maximum, reached at 4 per minute");
            assert_eq!(faults.len(), 2, "no clock skew with a maximum of 0");
        }
    }

    #[test]
    fn new_kinds_left_out_change_no_existing_schedule() {
        // The kinds are read in a fixed order and those absent draw nothing: a scenario
        // without slow or clock skew keeps its schedule byte for byte.
        let s = scenario(chaos());
        let mut with_zero = chaos();
        with_zero.slow = Some(SlowChaos {
            rate_per_min: 0.0,
            max: None,
            factor: Dist::constant(3.0),
        });
        assert_eq!(schedule(&s, 7), schedule(&scenario(with_zero), 7));
        assert_eq!(
            slow_and_skew(None, Some(3)).summary(),
            "slow 4/min, clock skew 4/min (at most 3)"
        );
    }

    #[test]
    fn bad_slow_and_skew_settings_are_reported_with_their_paths() {
        let mut c = slow_and_skew(None, None);
        if let Some(sl) = &mut c.slow {
            sl.rate_per_min = -1.0;
            sl.factor = Dist::Uniform {
                low: 3.0,
                high: 1.0,
            };
        }
        if let Some(k) = &mut c.clock_skew {
            k.drift_ppm = Some(Dist::constant(f64::INFINITY));
        }
        let paths: Vec<String> = problems(&scenario(c)).into_iter().map(|p| p.path).collect();
        assert_eq!(
            paths,
            vec![
                "chaos.slow.rate_per_min",
                "chaos.slow.factor.uniform.high",
                "chaos.clock_skew.drift_ppm.constant.value"
            ]
        );
    }
}
