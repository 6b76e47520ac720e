//! Failures over months: uptime, time to recover, incidents and cost, without simulating
//! every request of every month.
//!
//! **Failure models.** A design's `failures` give components (a service: each of its
//! instances independently; a database, key-value store, broker or replicated store) a time
//! to failure (exponential, or Weibull with a shape, from an MTBF), a detection delay
//! (health checks every `interval_s`, `threshold` consecutive failures: the first failed
//! check comes uniformly within an interval, so the delay is `U·interval + (threshold − 1)
//! · interval`; without health checks a failure is noticed at once), and a recovery: a
//! supervisor restart (`restart_s`) that fixes the failure with probability `fixes`,
//! otherwise (or without a supervisor) a page to the on-call human (`response_min`, then
//! `repair_min`). A failed instance is crashed; once detected it is also out of its
//! balancers' rotation (a `drain`), so redundant instances take over: failover.
//!
//! **The fast mode** (the technique, and why it is sound). The component state process —
//! failures, detections, restarts, repairs — is simulated event by event over the whole
//! horizon: a few events per failure, so months cost microseconds. What requests see
//! depends only on the *system state* (for each component, how many instances are down and
//! not yet detected, and how many are down and out of rotation). Each distinct state that
//! the process visits is simulated once at request level (`state_s` measured seconds after
//! `state_warmup_s`, the state's faults applied from the start, the scenario's workload),
//! and cached; the months are then the states' request-level figures weighted by the time
//! spent in each. This is exact for the long-run fractions when transients (requests in
//! flight when a state changes, queues draining) are short beside the time spent in a
//! state, which holds when failures are hours apart and recoveries take minutes; what it
//! leaves out is bounded by the requests in flight around each transition.
//! [`full_run`] simulates the same failure timeline request by request, for validating
//! the fast mode on a shorter horizon with accelerated failures (`tests/reliability.rs`).
//!
//! **Metrics.** *Uptime*: the fraction of time an endpoint meets its success criterion —
//! at least `min_availability` of its requests succeed in the state the system is in (in
//! the full simulation: in each time window); the design's uptime needs every endpoint.
//! *Availability*: the fraction of requests that succeed. *Incidents*: component failures;
//! *time to recover*: from a failure to the component being back (a distribution).
//! *Outages*: intervals in which the design misses its criterion, and their lengths.
//! *Cost*: node-hours × the design's price per node-hour (its `cost` per month / 730 h),
//! and per successful request. Replications of the state process (seeds derived from the
//! run's) give 95% confidence intervals.

pub use crate::scenario::reliability::*;
pub use crate::validate::reliability::problems;

use crate::error::RunError;
use crate::plan::Checked;
use crate::results::{Estimate, ReliabilitySummary, Spread, StateRow};
use crate::scenario::{Arrivals, Design, FaultAction, FaultSpec, Scenario};
use sim_core::metrics::{Histogram, Welford};
use sim_core::rng::{replication_seed, SimRng};
use std::collections::BTreeMap;

const NS_PER_S: f64 = 1e9;

// ---------------------------------------------------------------------------------------
// The component state process.

/// A component with a failure model, and the nodes of its instances.
struct Component<'a> {
    nodes: Vec<String>,
    model: &'a FailureModel,
    /// Its instances are behind balancers (a service): detected failures are drained.
    balanced: bool,
}

fn components<'a>(design: &'a Design) -> Vec<Component<'a>> {
    design
        .failures
        .iter()
        .map(|(name, model)| {
            let (nodes, balanced) = if let Some(s) = design.services.get(name) {
                (
                    (0..s.instances).map(|i| format!("{name}#{i}")).collect(),
                    true,
                )
            } else if let Some(r) = design.replicated_stores.get(name) {
                (
                    (0..r.replicas).map(|i| format!("{name}#{i}")).collect(),
                    false,
                )
            } else {
                (vec![name.clone()], false)
            };
            Component {
                nodes,
                model,
                balanced,
            }
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Up,
    Undetected,
    Detected,
}

/// One failure of one instance, for the full simulation.
#[derive(Clone, Copy, Debug)]
struct Failure {
    component: usize,
    instance: usize,
    failed_ns: u64,
    detected_ns: u64,
    /// `None`: still down at the end of the horizon.
    recovered_ns: Option<u64>,
}

/// For each component with a failure model: instances down and not yet detected, and
/// instances down and out of rotation.
type StateKey = Vec<(u16, u16)>;

/// One replication of the failure process.
struct Timeline {
    /// `(start, state id)`, in time order, consecutive states distinct.
    segments: Vec<(u64, u32)>,
    /// Time to recover of each completed recovery, in nanoseconds.
    recoveries: Vec<u64>,
    /// Component failures.
    incidents: u64,
    failures: Vec<Failure>,
}

fn sample_ttf_ns(m: &FailureModel, rng: &mut SimRng) -> u64 {
    let mean_s = m.mtbf_h * 3600.0;
    let u = rng.next_f64_open0();
    let s = match m.weibull_shape {
        Some(k) => {
            let scale = mean_s / libm::tgamma(1.0 + 1.0 / k);
            scale * libm::pow(-libm::log(u), 1.0 / k)
        }
        None => -mean_s * libm::log(u),
    };
    (s * NS_PER_S) as u64
}

fn sample_detection_ns(m: &FailureModel, rng: &mut SimRng) -> u64 {
    match &m.health_check {
        None => 0,
        Some(h) => {
            let s = rng.next_f64() * h.interval_s + f64::from(h.threshold - 1) * h.interval_s;
            (s * NS_PER_S) as u64
        }
    }
}

fn sample_recovery_ns(m: &FailureModel, rng: &mut SimRng) -> u64 {
    let mut s = 0.0;
    let mut paged = true;
    if let Some(sup) = &m.supervisor {
        s += sup.restart_s.sample(rng).max(0.0);
        paged = !rng.chance(sup.fixes);
    }
    if paged {
        if let Some(oc) = &m.on_call {
            s += 60.0 * (oc.response_min.sample(rng).max(0.0) + oc.repair_min.sample(rng).max(0.0));
        }
    }
    (s * NS_PER_S) as u64
}

/// Simulates the failure process of `comps` over `horizon_ns` under `seed`; states are
/// interned in `states` (shared by the replications, so their request-level figures are
/// computed once).
fn timeline(
    comps: &[Component<'_>],
    horizon_ns: u64,
    seed: u64,
    states: &mut BTreeMap<StateKey, u32>,
    keep_failures: bool,
) -> Result<Timeline, RunError> {
    struct Inst {
        component: usize,
        instance: usize,
        phase: Phase,
        next_ns: u64,
        failure: usize,
        rng: SimRng,
    }
    let mut insts: Vec<Inst> = Vec::new();
    for (c, comp) in comps.iter().enumerate() {
        for (i, node) in comp.nodes.iter().enumerate() {
            // Named by node: two designs' `db` fail at the same times (common random
            // numbers), and adding a component shifts no other's draws.
            let mut rng = SimRng::stream(seed, &format!("reliability/{node}"), 0);
            let next_ns = sample_ttf_ns(comp.model, &mut rng);
            insts.push(Inst {
                component: c,
                instance: i,
                phase: Phase::Up,
                next_ns,
                failure: usize::MAX,
                rng,
            });
        }
    }
    let mut key: StateKey = vec![(0, 0); comps.len()];
    let mut intern = |key: &StateKey| -> u32 {
        let n = states.len() as u32;
        *states.entry(key.clone()).or_insert(n)
    };
    let mut out = Timeline {
        segments: vec![(0, intern(&key))],
        recoveries: Vec::new(),
        incidents: 0,
        failures: Vec::new(),
    };
    let mut transitions = 0usize;
    // The next transition; ties go to the first instance (a fixed order). Ordered by
    // (time, instance), so finding it costs O(log instances).
    let mut next: std::collections::BTreeSet<(u64, usize)> = insts
        .iter()
        .enumerate()
        .map(|(k, x)| (x.next_ns, k))
        .collect();
    while let Some((t, k)) = next.pop_first() {
        if t >= horizon_ns {
            break;
        }
        transitions += 1;
        if transitions > MAX_TRANSITIONS {
            return Err(RunError::Reliability(format!(
                "the failure process has more than {MAX_TRANSITIONS} state changes in one \
                 replication: raise the MTBFs or shorten reliability.horizon_days"
            )));
        }
        let x = &mut insts[k];
        let model = comps[x.component].model;
        let cell = &mut key[x.component];
        match x.phase {
            Phase::Up => {
                x.phase = Phase::Undetected;
                cell.0 += 1;
                x.next_ns = t.saturating_add(sample_detection_ns(model, &mut x.rng));
                out.incidents += 1;
                x.failure = out.failures.len();
                out.failures.push(Failure {
                    component: x.component,
                    instance: x.instance,
                    failed_ns: t,
                    detected_ns: t,
                    recovered_ns: None,
                });
            }
            Phase::Undetected => {
                x.phase = Phase::Detected;
                cell.0 -= 1;
                cell.1 += 1;
                x.next_ns = t.saturating_add(sample_recovery_ns(model, &mut x.rng));
                out.failures[x.failure].detected_ns = t;
            }
            Phase::Detected => {
                x.phase = Phase::Up;
                cell.1 -= 1;
                x.next_ns = t.saturating_add(sample_ttf_ns(model, &mut x.rng));
                let f = &mut out.failures[x.failure];
                f.recovered_ns = Some(t);
                out.recoveries.push(t - f.failed_ns);
            }
        }
        next.insert((insts[k].next_ns, k));
        let id = intern(&key);
        match out.segments.last_mut() {
            Some(last) if last.0 == t => last.1 = id,
            _ => out.segments.push((t, id)),
        }
        // Merge a segment that returned to the previous state at once.
        let n = out.segments.len();
        if n >= 2 && out.segments[n - 2].1 == out.segments[n - 1].1 {
            out.segments.pop();
        }
    }
    if !keep_failures {
        out.failures.clear();
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Request-level figures per state.

/// What requests see in one system state.
#[derive(Clone, Debug)]
struct StateFigures {
    /// The endpoints, in results order.
    endpoints: Vec<String>,
    /// Per endpoint: successes over completed requests.
    availability: Vec<f64>,
    /// Over every endpoint.
    overall: f64,
    /// Successes per second: requests issued per measured second × `overall` (counting
    /// successes by issue time would miss those still in flight at the end, and designs
    /// facing the same arrivals would differ by how many are).
    ok_per_s: f64,
    /// Events the state's simulation processed.
    events: u64,
}

/// The faults that put a design in state `key`, from `at_s` on, for `duration_s` (absent:
/// to the end): the down instances crashed, the detected ones drained as well.
fn state_faults(comps: &[Component<'_>], key: &StateKey, at_s: f64) -> Vec<FaultSpec> {
    let mut out = Vec::new();
    for (comp, &(undetected, detected)) in comps.iter().zip(key) {
        for (i, node) in comp.nodes.iter().enumerate() {
            let i = i as u16;
            if i >= detected + undetected {
                break;
            }
            out.push(FaultSpec {
                at_s,
                duration_s: None,
                action: FaultAction::Crash {
                    target: node.clone(),
                },
            });
            if i < detected && comp.balanced {
                out.push(FaultSpec {
                    at_s,
                    duration_s: None,
                    action: FaultAction::Drain {
                        target: node.clone(),
                    },
                });
            }
        }
    }
    out
}

/// `s` checked: a state's scenario is built from a checked one, so a problem here is a bug.
fn checked(s: &Scenario) -> Result<Checked, RunError> {
    Checked::new(s.clone()).map_err(|refused| RunError::Refused {
        what: "a reliability state's scenario",
        refused,
    })
}

/// `scenario` with `design` alone (without its failure models, which a request-level run
/// does not read), and without reliability, chaos, sweep, assertions and faults.
fn stripped(scenario: &Scenario, design: &Design) -> Scenario {
    let mut s = scenario.clone();
    s.designs.retain(|d| d.name == design.name);
    s.reliability = None;
    for d in &mut s.designs {
        d.failures.clear();
    }
    s.chaos = None;
    s.sweep = None;
    s.assertions.clear();
    s.faults.clear();
    s
}

/// `scenario` stripped of everything but what one request-level run of `design` needs.
fn bare(scenario: &Scenario, design: &Design, rel: &Reliability) -> Scenario {
    let mut s = stripped(scenario, design);
    s.duration_s = rel.state_warmup_s + rel.state_s;
    s.warmup_s = rel.state_warmup_s;
    s.window_s = s.duration_s;
    s
}

fn availability(ok: u64, total: u64, in_flight: u64) -> f64 {
    let ended = total - in_flight.min(total);
    if ended == 0 {
        1.0
    } else {
        ok as f64 / ended as f64
    }
}

fn state_figures(
    scenario: &Scenario,
    rel: &Reliability,
    design: &Design,
    comps: &[Component<'_>],
    key: &StateKey,
    seed: u64,
) -> Result<StateFigures, RunError> {
    let mut s = bare(scenario, design, rel);
    s.faults = state_faults(comps, key, 0.0);
    let r = crate::single_run::run_design(&checked(&s)?, design, seed)?;
    let in_flight =
        |c: &crate::results::RequestCounts| c.by_outcome.get("in_flight").copied().unwrap_or(0);
    let overall = availability(r.requests.ok, r.requests.total, in_flight(&r.requests));
    Ok(StateFigures {
        endpoints: r.endpoints.keys().cloned().collect(),
        availability: r
            .endpoints
            .values()
            .map(|e| availability(e.requests.ok, e.requests.total, in_flight(&e.requests)))
            .collect(),
        overall,
        ok_per_s: r.requests.total as f64 / rel.state_s * overall,
        events: r.events,
    })
}

// ---------------------------------------------------------------------------------------
// The summary.

fn estimate(w: &Welford) -> Estimate {
    Estimate {
        mean: w.mean(),
        half_width_95: w.half_width(0.95).unwrap_or(0.0),
    }
}

fn spread_min(h: &Histogram) -> Spread {
    if h.is_empty() {
        return Spread::default();
    }
    let min = |ns: u64| ns as f64 / NS_PER_S / 60.0;
    Spread {
        count: h.count(),
        mean: h.mean() / NS_PER_S / 60.0,
        p50: min(h.quantile(0.5)),
        p90: min(h.quantile(0.9)),
        p99: min(h.quantile(0.99)),
        max: min(h.max().unwrap_or(0)),
    }
}

/// The design's reliability over the scenario's horizon (fast mode), or `None` when the
/// scenario has no `reliability` section.
pub fn summarise(
    scenario: &Scenario,
    design: &Design,
    seed: u64,
) -> Result<Option<ReliabilitySummary>, RunError> {
    let Some(rel) = &scenario.reliability else {
        return Ok(None);
    };
    let comps = components(design);
    let horizon_s = rel.horizon_days * 86_400.0;
    let horizon_ns = (horizon_s * NS_PER_S) as u64;
    let mut states = BTreeMap::new();
    let mut timelines = Vec::new();
    // Every replication's timeline is kept until the states are simulated: the state
    // changes of all of them together are bounded, so memory does not grow with
    // `replications` beyond it.
    let mut kept = 0usize;
    for k in 0..u64::from(rel.replications) {
        let tl = timeline(
            &comps,
            horizon_ns,
            replication_seed(seed, k),
            &mut states,
            false,
        )?;
        kept += tl.segments.len() + tl.recoveries.len();
        if kept > 2 * MAX_TRANSITIONS {
            return Err(RunError::Reliability(format!(
                "the failure process has more than {MAX_TRANSITIONS} state changes over the \
                 {} replications: raise the MTBFs, shorten reliability.horizon_days or run \
                 fewer replications",
                rel.replications
            )));
        }
        timelines.push(tl);
    }
    // Request-level figures of every state visited, in the order first visited (state 0:
    // everything up), at most `max_states`.
    let mut by_id: Vec<StateKey> = vec![Vec::new(); states.len()];
    for (key, &id) in &states {
        by_id[id as usize] = key.clone();
    }
    let mut figures: Vec<Option<StateFigures>> = Vec::with_capacity(by_id.len());
    let mut state_events = 0;
    for (id, key) in by_id.iter().enumerate() {
        if id >= rel.max_states {
            figures.push(None);
            continue;
        }
        let f = state_figures(scenario, rel, design, &comps, key, seed)?;
        state_events += f.events;
        figures.push(Some(f));
    }
    // State 0 (everything up) is always simulated: `max_states` is at least 1.
    let endpoints: Vec<String> = figures
        .first()
        .and_then(Option::as_ref)
        .map(|f| f.endpoints.clone())
        .unwrap_or_default();
    let meets = |f: &StateFigures, e: usize| {
        f.availability.get(e).copied().unwrap_or(1.0) >= rel.min_availability
    };
    let mut uptime = Welford::new();
    let mut avail = Welford::new();
    let mut per_endpoint = vec![(Welford::new(), Welford::new()); endpoints.len()];
    let mut incidents = Welford::new();
    let mut outages = Welford::new();
    let mut requests_ok = Welford::new();
    let mut ttr = Histogram::default();
    let mut outage_len = Histogram::default();
    let mut unsimulated_s = 0.0;
    let mut state_s = vec![0.0; by_id.len()];
    for tl in &timelines {
        let mut up_s = 0.0;
        let mut avail_s = 0.0;
        let mut ok = 0.0;
        let mut ep = vec![(0.0, 0.0); endpoints.len()];
        let mut n_outages = 0u64;
        let mut outage_start: Option<u64> = None;
        for (i, &(start, id)) in tl.segments.iter().enumerate() {
            let end = tl.segments.get(i + 1).map_or(horizon_ns, |s| s.0);
            let dur_s = (end - start) as f64 / NS_PER_S;
            state_s[id as usize] += dur_s;
            let all_meet = match &figures[id as usize] {
                Some(f) => {
                    avail_s += dur_s * f.overall;
                    ok += dur_s * f.ok_per_s;
                    for (e, cell) in ep.iter_mut().enumerate() {
                        if meets(f, e) {
                            cell.0 += dur_s;
                        }
                        cell.1 += dur_s * f.availability.get(e).copied().unwrap_or(1.0);
                    }
                    (0..endpoints.len()).all(|e| meets(f, e))
                }
                None => {
                    unsimulated_s += dur_s;
                    false
                }
            };
            if all_meet {
                up_s += dur_s;
                if let Some(from) = outage_start.take() {
                    outage_len.record(start - from);
                }
            } else if outage_start.is_none() {
                outage_start = Some(start);
                n_outages += 1;
            }
        }
        if let Some(from) = outage_start {
            outage_len.record(horizon_ns - from);
        }
        uptime.push(up_s / horizon_s);
        avail.push(avail_s / horizon_s);
        requests_ok.push(ok);
        incidents.push(tl.incidents as f64);
        outages.push(n_outages as f64);
        for (w, (up, a)) in per_endpoint.iter_mut().zip(ep) {
            w.0.push(up / horizon_s);
            w.1.push(a / horizon_s);
        }
        for &r in &tl.recoveries {
            ttr.record(r);
        }
    }
    let peak_throughput_per_h = match rel.peak_rate_per_s {
        Some(rate) => Some(peak_per_h(scenario, rel, design, rate, seed)?),
        None => None,
    };
    let horizon_h = horizon_s / 3600.0;
    let nodes = crate::scenario::node_names(design).len().saturating_sub(1);
    let cost_usd =
        crate::scenario::cost::month_usd(design).map(|m| m * horizon_h / HOURS_PER_MONTH);
    let ok_mean = requests_ok.mean();
    let reps = f64::from(rel.replications.max(1));
    let names: Vec<&String> = design.failures.keys().collect();
    let state_table = by_id
        .iter()
        .zip(&figures)
        .zip(&state_s)
        .map(|((key, f), s)| StateRow {
            label: state_label(&names, key),
            hours: s / 3600.0 / reps,
            availability: f.as_ref().map(|f| f.overall),
            meets: f
                .as_ref()
                .is_some_and(|f| (0..endpoints.len()).all(|e| meets(f, e))),
        })
        .collect();
    Ok(Some(ReliabilitySummary {
        horizon_days: rel.horizon_days,
        replications: rel.replications,
        min_availability: rel.min_availability,
        uptime: estimate(&uptime),
        availability: estimate(&avail),
        endpoints: endpoints
            .into_iter()
            .zip(&per_endpoint)
            .map(|(name, (u, a))| {
                (
                    name,
                    crate::results::EndpointUptime {
                        uptime: estimate(u),
                        availability: estimate(a),
                    },
                )
            })
            .collect(),
        incidents: estimate(&incidents),
        time_to_recover_min: spread_min(&ttr),
        outages: estimate(&outages),
        outage_min: spread_min(&outage_len),
        peak_throughput_per_h,
        node_hours: nodes as f64 * horizon_h,
        cost_usd,
        requests_ok: ok_mean,
        cost_per_request_usd: cost_usd.filter(|_| ok_mean > 0.0).map(|c| c / ok_mean),
        states: by_id.len().min(rel.max_states) as u64,
        state_table,
        state_events,
        unsimulated_state_hours: unsimulated_s / 3600.0 / f64::from(rel.replications.max(1)),
    }))
}

/// Successes per hour with everything up under `rate_per_s` offered: requests that *ended*
/// ok during the measured seconds (by issue time, the requests still queued at the end
/// would be missing, and an overloaded design queues many).
fn peak_per_h(
    scenario: &Scenario,
    rel: &Reliability,
    design: &Design,
    rate_per_s: f64,
    seed: u64,
) -> Result<f64, RunError> {
    let mut s = bare(scenario, design, rel);
    s.workload.arrivals = Arrivals::Poisson { rate_per_s };
    s.window_s = 1.0;
    s.limits.max_windows = s.limits.max_windows.max(s.duration_s.ceil() as usize + 1);
    let r = crate::single_run::run_design(&checked(&s)?, design, seed)?;
    let ok: u64 = r
        .series
        .iter()
        .filter(|w| w.start_s >= rel.state_warmup_s)
        .map(|w| w.ok)
        .sum();
    Ok(ok as f64 / rel.state_s * 3600.0)
}

/// `routing: 1 undetected, 1 out of rotation; db: 1 out of rotation`, or `all up`.
fn state_label(names: &[&String], key: &StateKey) -> String {
    let parts: Vec<String> = names
        .iter()
        .zip(key)
        .filter(|(_, &(u, d))| u + d > 0)
        .map(|(name, &(u, d))| {
            let mut what = Vec::new();
            if u > 0 {
                what.push(format!("{u} down, undetected"));
            }
            if d > 0 {
                what.push(format!("{d} down, detected"));
            }
            format!("{name}: {}", what.join(", "))
        })
        .collect();
    if parts.is_empty() {
        "all up".to_string()
    } else {
        parts.join("; ")
    }
}

/// Hours in a month: 8,760 / 12, the conversion of monthly prices to node-hours.
pub const HOURS_PER_MONTH: f64 = 730.0;

// ---------------------------------------------------------------------------------------
// The full simulation, for validation.

/// One replication simulated request by request over the whole horizon.
#[derive(Clone, Debug, PartialEq)]
pub struct FullRun {
    /// Fraction of the measured windows in which every endpoint met the criterion.
    pub uptime: f64,
    /// Successes over completed requests.
    pub availability: f64,
    /// The request-level results.
    pub result: crate::results::DesignResult,
}

/// Replication `k` of the failure process of `design`, simulated request by request: the
/// same failure timeline as the fast mode's replication `k`, as crash and drain faults
/// starting after the scenario's `warmup_s`, over `horizon_days`, judged per window of
/// `window_s`. Meant for short horizons (it simulates every request).
pub fn full_run(
    scenario: &Scenario,
    design: &Design,
    seed: u64,
    k: u64,
) -> Result<FullRun, RunError> {
    let rel = scenario.reliability.as_ref().ok_or_else(|| {
        RunError::Reliability("the scenario has no reliability section".to_string())
    })?;
    let comps = components(design);
    let horizon_s = rel.horizon_days * 86_400.0;
    let mut states = BTreeMap::new();
    let tl = timeline(
        &comps,
        (horizon_s * NS_PER_S) as u64,
        replication_seed(seed, k),
        &mut states,
        true,
    )?;
    let mut s = stripped(scenario, design);
    s.duration_s = scenario.warmup_s + horizon_s;
    let offset = scenario.warmup_s;
    let secs = |ns: u64| ns as f64 / NS_PER_S;
    for f in &tl.failures {
        let comp = &comps[f.component];
        let node = comp.nodes[f.instance].clone();
        let end = f.recovered_ns.map(secs);
        s.faults.push(FaultSpec {
            at_s: offset + secs(f.failed_ns),
            duration_s: end.map(|e| e - secs(f.failed_ns)),
            action: FaultAction::Crash {
                target: node.clone(),
            },
        });
        if comp.balanced && end.is_none_or(|e| e > secs(f.detected_ns)) {
            s.faults.push(FaultSpec {
                at_s: offset + secs(f.detected_ns),
                duration_s: end.map(|e| e - secs(f.detected_ns)),
                action: FaultAction::Drain { target: node },
            });
        }
    }
    // A restart at the very instant of the crash would be a zero-length fault.
    s.faults.retain(|f| f.duration_s.is_none_or(|d| d > 0.0));
    let result = crate::single_run::run_design(&checked(&s)?, design, seed)?;
    let first = (scenario.warmup_s / s.window_s).ceil() as usize;
    let windows = result.series.len().saturating_sub(first);
    let mut meeting = 0usize;
    for w in first..result.series.len() {
        let all = result.endpoints.values().all(|e| {
            e.series.get(w).is_none_or(|c| {
                let ended = c[0] + c[1];
                ended == 0 || c[0] as f64 / ended as f64 >= rel.min_availability
            })
        });
        if all {
            meeting += 1;
        }
    }
    let in_flight = result
        .requests
        .by_outcome
        .get("in_flight")
        .copied()
        .unwrap_or(0);
    Ok(FullRun {
        uptime: if windows == 0 {
            1.0
        } else {
            meeting as f64 / windows as f64
        },
        availability: availability(result.requests.ok, result.requests.total, in_flight),
        result,
    })
}

/// The fast mode's per-replication uptime and availability (what [`summarise`]'s
/// estimates are made of), for comparing with [`full_run`] replication by replication.
pub fn fast_replications(
    scenario: &Scenario,
    design: &Design,
    seed: u64,
) -> Result<Vec<(f64, f64)>, RunError> {
    let Some(rel) = &scenario.reliability else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for k in 0..u64::from(rel.replications) {
        let mut one = scenario.clone();
        if let Some(r) = one.reliability.as_mut() {
            r.replications = 1;
        }
        let summary = summarise(&one, design, replication_seed(seed, k))?;
        if let Some(s) = summary {
            out.push((s.uptime.mean, s.availability.mean));
        }
    }
    Ok(out)
}
