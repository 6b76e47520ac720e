//! One run of one design, and nothing above it: compile the design, build its nodes,
//! apply the shared faults (the file's and the chaos schedule's), run the event loop to the
//! end, and summarise the ledger into results. A design's months of operation (its
//! `reliability` summary) are added by [`crate::run`], which runs more designs.

use crate::client::Client;
use crate::database::DatabaseNode;
use crate::error::RunError;
use crate::ledger::Ledger;
use crate::msg::Msg;
use crate::plan::{self, Checked, Plan};
use crate::results::{
    DesignResult, EndpointResult, FaultWindow, LatencySummary, NetworkSummary, RequestCounts,
    RunResults, WindowRow, OUTCOMES,
};
use crate::scenario::{Arrivals, Design, FaultAction, FaultSpec, Scenario};
use crate::service::ServiceInstance;
use crate::trace::{TraceConfig, Tracer};
use sim_core::dist::Dist;
use sim_core::fault::Fault;
use sim_core::metrics::Histogram;
use sim_core::network::{LinkSpec, NodeId};
use sim_core::simulation::{RunLimits, Simulation, StopReason};
use sim_core::step::StepWindow;
use sim_core::time::{SimDuration, SimTime};
use std::collections::BTreeMap;
use std::rc::Rc;

pub use crate::results::{MessageWindow, CAPLAB_VERSION};

/// A design's simulation, built and ready to run.
pub struct DesignRun {
    /// The compiled plan.
    pub plan: Rc<Plan>,
    /// The simulation.
    pub sim: Simulation<Msg, Ledger>,
}

/// Builds the simulation of `design` under `seed`: nodes, network, faults (traced as the
/// scenario's `trace` section says). Designs are named: what runs is the design of
/// `design.name` in the checked `scenario`, with the plan compiled when it was checked.
pub fn build(scenario: &Checked, design: &Design, seed: u64) -> Result<DesignRun, RunError> {
    let trace = scenario.trace.as_ref().map(TraceConfig::from_spec);
    build_traced(scenario, design, seed, trace)
}

/// Builds the simulation of `design` under `seed`, traced with `trace` (`None`: not traced).
pub fn build_traced(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    trace: Option<TraceConfig>,
) -> Result<DesignRun, RunError> {
    let (design, plan) = scenario
        .design(&design.name)
        .ok_or_else(|| RunError::NoDesign(design.name.clone()))?;
    let mut plan = plan.clone();
    plan.drains = drains(scenario, design, &plan)?;
    let plan = Rc::new(plan);
    let window = SimDuration::from_secs_f64(scenario.window_s);
    let mut ledger =
        Ledger::new(&plan, window, scenario.limits.max_windows).map_err(RunError::Metrics)?;
    ledger.tracer = trace.map(|t| Box::new(Tracer::new(t, seed, &plan)));
    let link = LinkSpec {
        latency_ms: scenario.network.latency_ms.prepared(),
        loss: scenario.network.loss,
        duplicate: scenario.network.duplicate,
        bandwidth_bytes_per_s: None,
    };
    let mut sim = Simulation::with_link(seed, link, ledger).map_err(RunError::Network)?;
    let names = plan::node_names(design);
    sim.add_component("client", Box::new(Client::new(Rc::clone(&plan), seed)));
    let mut next = 1;
    for (ix, svc) in plan.services.iter().enumerate() {
        for _ in &svc.instances {
            let node = sim.add_component(
                names[next].clone(),
                Box::new(ServiceInstance::new(Rc::clone(&plan), ix as u16)),
            );
            debug_assert_eq!(node, svc.instances[node.index() - svc.instances[0].index()]);
            next += 1;
        }
    }
    for db in &plan.databases {
        let node = sim.add_component(
            names[next].clone(),
            Box::new(DatabaseNode::new(db.max_concurrency, None)),
        );
        debug_assert_eq!(node, db.node);
        next += 1;
    }
    for kv in &plan.kv_stores {
        // Single-threaded: one operation at a time, the rest in line.
        let node = sim.add_component(
            names[next].clone(),
            Box::new(DatabaseNode::new(Some(1), kv.capacity)),
        );
        debug_assert_eq!(node, kv.node);
        next += 1;
    }
    for (i, b) in plan.brokers.iter().enumerate() {
        let node = sim.add_component(
            names[next].clone(),
            Box::new(crate::broker::BrokerNode::new(Rc::clone(&plan), i)),
        );
        debug_assert_eq!(node, b.node);
        next += 1;
    }
    for (i, st) in plan.stores.iter().enumerate() {
        for (r, &node) in st.replicas.iter().enumerate() {
            let added = sim.add_component(
                names[next].clone(),
                Box::new(crate::replica::ReplicaNode::new(Rc::clone(&plan), i, r)),
            );
            debug_assert_eq!(added, node);
            next += 1;
        }
    }
    for (i, l) in plan.locks.iter().enumerate() {
        let added = sim.add_component(
            names[next].clone(),
            Box::new(crate::lock::LockNode::new(Rc::clone(&plan), i)),
        );
        debug_assert_eq!(added, l.node);
        next += 1;
    }
    for (i, a) in plan.accounts.iter().enumerate() {
        let added = sim.add_component(
            names[next].clone(),
            Box::new(crate::account::AccountNode::new(Rc::clone(&plan), i)),
        );
        debug_assert_eq!(added, a.node);
        next += 1;
    }
    // The load generator stands for users everywhere: no partition cuts it off.
    sim.set_always_connected(plan.client)
        .map_err(RunError::Engine)?;
    // The scenario's own faults, then the chaos faults of this seed (none without chaos).
    let chaos = crate::scenario::chaos::schedule(scenario, seed);
    for (i, f) in scenario.faults.iter().chain(&chaos).enumerate() {
        let at_path = if i < scenario.faults.len() {
            format!("faults[{i}]")
        } else {
            format!("chaos fault {}", i - scenario.faults.len())
        };
        let fault_error = |message: String| RunError::Fault {
            at: at_path.clone(),
            message,
        };
        let faults = engine_faults(f, design, &plan).map_err(|e| fault_error(e.to_string()))?;
        for (at, fault) in faults {
            sim.schedule_fault(at, fault)
                .map_err(|e| fault_error(e.to_string()))?;
        }
    }
    Ok(DesignRun { plan, sim })
}

/// The `drain` faults of the scenario: which instances are out of the balancers' rotation,
/// when. They act on the callers' balancers, not on the engine.
fn drains(
    scenario: &Scenario,
    design: &Design,
    plan: &Plan,
) -> Result<Vec<(NodeId, SimTime, SimTime)>, RunError> {
    let mut out = Vec::new();
    for (i, f) in scenario.faults.iter().enumerate() {
        if let FaultAction::Drain { target } = &f.action {
            let until = f.duration_s.map_or(SimTime(u64::MAX), |d| secs(f.at_s + d));
            let nodes = resolve_target(target, design, plan).map_err(|e| RunError::Fault {
                at: format!("faults[{i}]"),
                message: e.to_string(),
            })?;
            for node in nodes {
                out.push((node, secs(f.at_s), until));
            }
        }
    }
    Ok(out)
}

/// Why a fault target names no node of a design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetError {
    /// `name#i` where i is not a number.
    BadInstance(String),
    /// A replica index past the store's replicas.
    NoReplica {
        /// The design.
        design: String,
        /// The target.
        target: String,
    },
    /// No component of that name.
    NoNode {
        /// The design.
        design: String,
        /// The target.
        target: String,
    },
    /// An instance index past the service's instances.
    NoInstance {
        /// The design.
        design: String,
        /// The target.
        target: String,
    },
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::BadInstance(target) => write!(f, "bad instance in {target}"),
            TargetError::NoReplica { design, target } => {
                write!(f, "design {design} has no replica {target}")
            }
            TargetError::NoNode { design, target } => {
                write!(f, "design {design} has no node {target}")
            }
            TargetError::NoInstance { design, target } => {
                write!(f, "design {design} has no instance {target}")
            }
        }
    }
}

impl std::error::Error for TargetError {}

/// Nodes a fault target names in this design.
pub fn resolve_target(
    target: &str,
    design: &Design,
    plan: &Plan,
) -> Result<Vec<NodeId>, TargetError> {
    let named = |design: &Design| (design.name.clone(), target.to_string());
    if target == "client" {
        return Ok(vec![plan.client]);
    }
    if let Some(db) = plan.databases.iter().find(|d| d.name == target) {
        return Ok(vec![db.node]);
    }
    if let Some(kv) = plan.kv_stores.iter().find(|d| d.name == target) {
        return Ok(vec![kv.node]);
    }
    if let Some(b) = plan.brokers.iter().find(|d| d.name == target) {
        return Ok(vec![b.node]);
    }
    if let Some(l) = plan.locks.iter().find(|d| d.name == target) {
        return Ok(vec![l.node]);
    }
    if let Some(a) = plan.accounts.iter().find(|d| d.name == target) {
        return Ok(vec![a.node]);
    }
    let (name, index) = match target.split_once('#') {
        Some((n, i)) => (
            n,
            Some(
                i.parse::<usize>()
                    .map_err(|_| TargetError::BadInstance(target.to_string()))?,
            ),
        ),
        None => (target, None),
    };
    if let Some(st) = plan.stores.iter().find(|s| s.name == name) {
        return match index {
            None => Ok(st.replicas.clone()),
            Some(i) => st.replicas.get(i).map(|n| vec![*n]).ok_or_else(|| {
                let (design, target) = named(design);
                TargetError::NoReplica { design, target }
            }),
        };
    }
    let svc = plan
        .services
        .iter()
        .find(|s| s.name == name)
        .ok_or_else(|| {
            let (design, target) = named(design);
            TargetError::NoNode { design, target }
        })?;
    match index {
        None => Ok(svc.instances.clone()),
        Some(i) => svc.instances.get(i).map(|n| vec![*n]).ok_or_else(|| {
            let (design, target) = named(design);
            TargetError::NoInstance { design, target }
        }),
    }
}

fn secs(s: f64) -> SimTime {
    SimTime(SimDuration::from_secs_f64(s).as_nanos())
}

/// The engine faults (start and, with a duration, undo) for one fault of the file.
fn engine_faults(
    f: &FaultSpec,
    design: &Design,
    plan: &Plan,
) -> Result<Vec<(SimTime, Fault)>, TargetError> {
    fault_to_engine(f, &|t: &str| resolve_target(t, design, plan))
}

/// The engine faults (start and, with a duration, undo) for one fault, its targets named
/// by `resolve`. A `drain` gives none: it acts on the callers' balancers (see `drains`).
/// The lab's harness compiles its faults with it too.
pub fn fault_to_engine<E>(
    f: &FaultSpec,
    resolve: &dyn Fn(&str) -> Result<Vec<NodeId>, E>,
) -> Result<Vec<(SimTime, Fault)>, E> {
    let at = secs(f.at_s);
    let until = f.duration_s.map(|d| secs(f.at_s + d));
    let resolve_all = |ts: &[String]| -> Result<Vec<NodeId>, E> {
        let mut v = Vec::new();
        for t in ts {
            v.extend(resolve(t)?);
        }
        Ok(v)
    };
    let mut out = Vec::new();
    match &f.action {
        FaultAction::Crash { target } => {
            for node in resolve(target)? {
                out.push((
                    at,
                    Fault::Crash {
                        node,
                        restart_after: f.duration_s.map(SimDuration::from_secs_f64),
                    },
                ));
            }
        }
        FaultAction::Partition { groups } => {
            let groups = groups
                .iter()
                .map(|g| resolve_all(g))
                .collect::<Result<Vec<_>, _>>()?;
            out.push((at, Fault::Partition { groups }));
            if let Some(u) = until {
                out.push((u, Fault::Heal));
            }
        }
        FaultAction::OneWayPartition { from, to } => {
            out.push((
                at,
                Fault::OneWayPartition {
                    from: resolve_all(from)?,
                    to: resolve_all(to)?,
                },
            ));
            if let Some(u) = until {
                out.push((u, Fault::Heal));
            }
        }
        FaultAction::Slow { target, factor } => {
            for node in resolve(target)? {
                out.push((
                    at,
                    Fault::Slow {
                        node,
                        factor: *factor,
                    },
                ));
                if let Some(u) = until {
                    out.push((u, Fault::Slow { node, factor: 1.0 }));
                }
            }
        }
        FaultAction::LatencySpike { targets, extra_ms } => {
            let nodes = resolve_all(targets)?;
            out.push((
                at,
                Fault::LatencySpike {
                    nodes: nodes.clone(),
                    extra: SimDuration::from_millis_f64(*extra_ms),
                },
            ));
            if let Some(u) = until {
                out.push((
                    u,
                    Fault::LatencySpike {
                        nodes,
                        extra: SimDuration::ZERO,
                    },
                ));
            }
        }
        FaultAction::Pause { target } => {
            let duration = SimDuration::from_secs_f64(f.duration_s.unwrap_or(0.0));
            for node in resolve(target)? {
                out.push((at, Fault::Pause { node, duration }));
            }
        }
        // Out of the balancers' rotation: see `drains`; nothing for the engine.
        FaultAction::Drain { .. } => {}
        FaultAction::ClockSkew {
            target,
            offset_ms,
            drift_ppm,
        } => {
            for node in resolve(target)? {
                out.push((
                    at,
                    Fault::ClockSkew {
                        node,
                        offset_ns: (offset_ms * 1e6) as i64,
                        drift_ppb: (drift_ppm * 1e3) as i64,
                    },
                ));
                if let Some(u) = until {
                    out.push((
                        u,
                        Fault::ClockSkew {
                            node,
                            offset_ns: 0,
                            drift_ppb: 0,
                        },
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The digest of a design's run: the engine's digest of its events folded with the
/// ledger's digest of what clients observed (`Ledger::observed_digest`).
pub fn run_digest(sim: &Simulation<Msg, Ledger>) -> u64 {
    sim_core::digest::fold(sim.digest(), sim.world().observed_digest)
}

/// Runs `design` to the end of the scenario and summarises it (traced as the scenario's
/// `trace` section says).
pub fn run_design(
    scenario: &Checked,
    design: &Design,
    seed: u64,
) -> Result<DesignResult, RunError> {
    let trace = scenario.trace.as_ref().map(TraceConfig::from_spec);
    run_design_traced(scenario, design, seed, trace)
}

/// Runs `design` traced with `trace` (`None`: not traced); the kept traces are in
/// `DesignResult::traces`.
pub fn run_design_traced(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    trace: Option<TraceConfig>,
) -> Result<DesignResult, RunError> {
    run_design_full(scenario, design, seed, trace, &mut |sim, limits| {
        Ok(sim.run(limits))
    })
    .map(|(result, _)| result)
}

/// How far a run has got: for progress bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Simulated time reached.
    pub now: SimTime,
    /// Where the run stops (the scenario's end).
    pub end: SimTime,
    /// Events processed so far.
    pub events: u64,
}

/// [`run_design`], calling `observe` at each of about 200 steps of simulated time (and
/// once at the end). The run goes in slices of simulated time, which changes nothing:
/// a run stopped at an instant and resumed processes the same events in the same order
/// (`Simulation::run`'s example), so digests and results are the plain run's.
pub fn run_design_observed(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    observe: &mut dyn FnMut(Progress),
) -> Result<DesignResult, RunError> {
    let trace = scenario.trace.as_ref().map(TraceConfig::from_spec);
    run_design_full(scenario, design, seed, trace, &mut |sim, limits| {
        let start = sim.now();
        let slice = ((limits.until.0.saturating_sub(start.0)) / 200).max(1_000_000);
        let mut until = start;
        loop {
            until = SimTime(until.0.saturating_add(slice).min(limits.until.0));
            let stop = sim.run(RunLimits { until, ..limits });
            observe(Progress {
                now: sim.now(),
                end: limits.until,
                events: sim.events_processed(),
            });
            if stop != StopReason::TimeLimit || until >= limits.until {
                return Ok(stop);
            }
        }
    })
    .map(|(result, _)| result)
}

/// The ledger's own accounting at the end of a run, beside the results: what the
/// invariants of `caplab chaos` are checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accounting {
    /// Every request issued, warm-up included.
    pub all_issued: u64,
    /// Every request ended, warm-up included.
    pub all_ended: u64,
    /// Requests the client itself still holds as live.
    pub client_in_flight: u64,
    /// Message accounting (all zeros without brokers).
    pub messages: crate::ledger::MessageStats,
}

/// [`run_design`], also returning the ledger's accounting.
pub fn run_design_accounted(
    scenario: &Checked,
    design: &Design,
    seed: u64,
) -> Result<(DesignResult, Accounting), RunError> {
    let trace = scenario.trace.as_ref().map(TraceConfig::from_spec);
    run_design_full(scenario, design, seed, trace, &mut |sim, limits| {
        Ok(sim.run(limits))
    })
}

/// [`run_design`] in single-step mode: each event processed at an instant in `window` is
/// written to `out` as it is processed (`Simulation::step_line`: index, instant, node,
/// kind, sender, payload). The run itself is the plain run's, digest and results alike;
/// an error writing `out` (a closed pipe) stops the run with that error.
pub fn run_design_stepped(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    window: StepWindow,
    out: &mut dyn std::io::Write,
) -> Result<DesignResult, std::io::Error> {
    let trace = scenario.trace.as_ref().map(TraceConfig::from_spec);
    let mut written = Ok(());
    let run = run_design_full(scenario, design, seed, trace, &mut |sim, limits| {
        sim.run_printing(limits, window, out).map_err(|e| {
            let message = e.to_string();
            written = Err(e);
            RunError::Output(message)
        })
    });
    written?;
    run.map(|(result, _)| result).map_err(std::io::Error::other)
}

/// Events between two checks of the memory budget (`limits.max_memory_mb`).
pub const MEMORY_CHECK_EVERY: u64 = 1 << 16;

/// Bytes accounted for each event pending in the engine's queue (its key, 8 bytes in a
/// bucket and 16 in the near tier, and its slab slot, about 48 bytes with `Msg`): a round,
/// slightly high figure, kept as it is so that budgets stop runs where they did.
const EVENT_BYTES: u64 = 64;

/// The memory a design's run holds that grows with its load, estimated from counts
/// (events pending, and [`Ledger::held_bytes`]): deterministic, so a run stops at its
/// budget at the same event on every machine.
pub fn held_bytes(sim: &Simulation<Msg, Ledger>) -> u64 {
    (sim.events_pending() as u64)
        .saturating_mul(EVENT_BYTES)
        .saturating_add(sim.world().held_bytes())
}

/// Drives `sim` to the end of the run (`plan.end`) within `limits`: `max_events`, and the
/// memory budget checked every [`MEMORY_CHECK_EVERY`] events (the loop runs in chunks,
/// which processes exactly the events of one run). Returns the stop reason's name:
/// `memory_limit` when the budget was exceeded.
fn drive_bounded(
    sim: &mut Simulation<Msg, Ledger>,
    plan: &Plan,
    limits: &crate::scenario::Limits,
    drive: &mut Drive<'_>,
) -> Result<&'static str, RunError> {
    let budget = limits.max_memory_mb.saturating_mul(1 << 20);
    loop {
        let chunk = RunLimits {
            until: plan.end,
            max_events: sim
                .events_processed()
                .saturating_add(MEMORY_CHECK_EVERY)
                .min(limits.max_events),
        };
        let stop = drive(sim, chunk)?;
        if stop != StopReason::EventBudget || chunk.max_events >= limits.max_events {
            return Ok(stop.as_str());
        }
        if held_bytes(sim) > budget {
            return Ok("memory_limit");
        }
    }
}

/// How a design's event loop is driven to its limits: `Simulation::run`, or single-step
/// printing.
type Drive<'a> =
    dyn FnMut(&mut Simulation<Msg, Ledger>, RunLimits) -> Result<StopReason, RunError> + 'a;

/// Runs `design`, traced with `trace`, its event loop driven by `drive`: its results and
/// the ledger's accounting.
fn run_design_full(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    trace: Option<TraceConfig>,
    drive: &mut Drive<'_>,
) -> Result<(DesignResult, Accounting), RunError> {
    let DesignRun { plan, mut sim } = build_traced(scenario, design, seed, trace)?;
    let stop = drive_bounded(&mut sim, &plan, &scenario.limits, drive)?;
    let stores = store_summaries(&plan, &plan::node_names(design), &mut sim);
    let mut result = summarise(scenario, design, &plan, &sim, stop);
    result.stores = stores;
    result.locks = lock_summaries(&plan, sim.world());
    result.accounts = account_summaries(&plan, sim.world());
    let ledger = sim.world();
    let accounting = Accounting {
        all_issued: ledger.all_issued,
        all_ended: ledger.all_ended,
        client_in_flight: ledger.client_in_flight,
        messages: ledger.messages.clone(),
    };
    debug_assert_accounted(&design.name, ledger, &accounting);
    let now = sim.now();
    if let Some(mut tracer) = sim.world_mut().tracer.take() {
        tracer.finish(now);
        let names = plan::node_names(design);
        result.traces = tracer.traces(&plan, &names, &design.name, seed);
        result.tracing = Some(tracing_summary(&tracer, &plan, &names));
    }
    Ok((result, accounting))
}

/// In debug builds, the accounting invariants at the end of every design's run: every
/// request issued ended once (ok, error, timeout, rejected) or is still held by the client,
/// no request class ended more requests than it issued, and every broker message copy that
/// entered is processed, failed, dead-lettered, lost, queued or in flight.
fn debug_assert_accounted(design: &str, ledger: &Ledger, accounting: &Accounting) {
    debug_assert_eq!(
        accounting.all_issued,
        accounting.all_ended + accounting.client_in_flight,
        "design {design}: requests issued != ended + in flight at the client"
    );
    debug_assert!(
        ledger
            .classes
            .iter()
            .all(|t| t.ended.iter().sum::<u64>() <= t.issued),
        "design {design}: a request class ended more requests than it issued"
    );
    debug_assert!(
        accounting.messages.balanced(),
        "design {design}: broker messages do not balance: {:?}",
        accounting.messages
    );
}

/// Runs `design` again under `seed` with the message log on over `[from, to)` (at most
/// `capacity` messages) and returns what it recorded.
pub fn record_messages(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    from: SimTime,
    to: SimTime,
    capacity: usize,
) -> Result<MessageWindow, RunError> {
    let DesignRun { plan, mut sim } = build(scenario, design, seed)?;
    sim.set_message_log(sim_core::message_log::MessageLogConfig::window(
        from, to, capacity,
    ));
    drive_bounded(&mut sim, &plan, &scenario.limits, &mut |sim, limits| {
        Ok(sim.run(limits))
    })?;
    let (records, evicted) = sim
        .message_log()
        .map_or((Vec::new(), 0), |log| (log.records(), log.evicted()));
    Ok(MessageWindow {
        names: plan::node_names(design),
        records,
        evicted,
        digest: run_digest(&sim),
    })
}

fn tracing_summary(t: &Tracer, plan: &Plan, names: &[String]) -> crate::results::TracingSummary {
    let c = &t.counts;
    let config = t.config();
    let kept_by_reason = t.kept_by_reason();
    crate::results::TracingSummary {
        sample_rate: config.sample_rate,
        keep_failed: config.keep_failed,
        slow_ms: config.slow.map(|d| d.as_nanos() as f64 / 1e6),
        requests: c.requests,
        failed: c.failed,
        kept: kept_by_reason.values().sum(),
        kept_by_reason,
        max_traces: config.max_traces as u64,
        dropped_over_cap: c.dropped_over_cap,
        spans: c.spans,
        spans_dropped: c.spans_dropped,
        traces_truncated: c.traces_truncated,
        max_spans_per_trace: config.max_spans_per_trace as u64,
        max_buffered_spans: config.max_buffered_spans,
        peak_buffered_spans: c.peak_buffered_spans,
        root_causes: t.root_causes(plan, names),
    }
}

fn lock_summaries(plan: &Plan, ledger: &Ledger) -> BTreeMap<String, crate::results::LockSummary> {
    plan.locks
        .iter()
        .zip(&ledger.locks)
        .map(|(l, s)| {
            let summary = crate::results::LockSummary {
                requests: s.requests,
                acquired: s.acquired,
                conflicts: s.conflicts,
                conflict_rate: if s.requests == 0 {
                    0.0
                } else {
                    s.conflicts as f64 / s.requests as f64
                },
                wait_timeouts: s.wait_timeouts,
                lease_expiries: s.lease_expiries,
                wait_ms: latency_summary(&s.wait),
            };
            (l.name.clone(), summary)
        })
        .collect()
}

fn account_summaries(
    plan: &Plan,
    ledger: &Ledger,
) -> BTreeMap<String, crate::results::AccountSummary> {
    plan.accounts
        .iter()
        .zip(&ledger.accounts)
        .map(|(a, s)| {
            let (double_spends, double_spent_amount) = s.double_spends();
            let payments = &s.payments[1..];
            let summary = crate::results::AccountSummary {
                payments: payments.len() as u64,
                paid: payments.iter().filter(|p| p.acked).count() as u64,
                declined: s.declined,
                fenced: s.fenced,
                lost_updates: s.lost_updates,
                double_spends,
                double_spent_amount,
                unbalanced_accounts: s
                    .balance_check()
                    .iter()
                    .filter(|(_, balance, expected)| balance != expected)
                    .count() as u64,
            };
            (a.name.clone(), summary)
        })
        .collect()
}

/// Checks each replicated store's history and summarises what its clients observed.
fn store_summaries(
    plan: &Plan,
    names: &[String],
    sim: &mut Simulation<Msg, Ledger>,
) -> BTreeMap<String, crate::results::StoreSummary> {
    use crate::checker::history::HistoryRecorder;
    use crate::checker::linearizable::{check, CheckConfig, Verdict};
    let mut out = BTreeMap::new();
    for (st, ledger) in plan.stores.iter().zip(sim.world_mut().stores.iter_mut()) {
        let recorder = std::mem::replace(&mut ledger.history, HistoryRecorder::new(0));
        let history = recorder.finish();
        let mut culprits = Vec::new();
        let (verdict, counterexample, checked) = match check(&history, &CheckConfig::default()) {
            Ok(report) => {
                let text = match &report.verdict {
                    Verdict::Violation { counterexample, .. } => {
                        culprits = counterexample
                            .iter()
                            .map(|o| crate::results::CounterexampleOp {
                                // The coordinator numbers its clients `node << 16 | slot`.
                                node: names
                                    .get((o.client >> 16) as usize)
                                    .cloned()
                                    .unwrap_or_default(),
                                invoke_s: o.invoke_ns as f64 / 1e9,
                                complete_s: o.complete_ns.map(|c| c as f64 / 1e9),
                                op: crate::checker::render::short(o),
                                slot: o.client & 0xffff,
                                written: match o.kind {
                                    crate::checker::history::OpKind::Write { value } => Some(value),
                                    _ => None,
                                },
                            })
                            .collect();
                        let named: BTreeMap<u32, String> = counterexample
                            .iter()
                            .map(|o| (o.client, client_name(names, o.client)))
                            .collect();
                        Some(name_clients(&report.render(), &named))
                    }
                    _ => None,
                };
                let word = match report.verdict {
                    Verdict::Linearizable => "linearizable",
                    Verdict::Violation { .. } => "violation",
                    Verdict::Unknown { .. } => "unknown",
                };
                (word.to_string(), text, report.checked as u64)
            }
            Err(e) => (format!("unknown ({e})"), None, 0),
        };
        let stale_fraction = if ledger.reads == 0 {
            0.0
        } else {
            ledger.stale_reads as f64 / ledger.reads as f64
        };
        out.insert(
            st.name.clone(),
            crate::results::StoreSummary {
                protocol: st.protocol.name().to_string(),
                operations_checked: checked,
                operations_not_recorded: history.not_recorded,
                linearizability: verdict,
                counterexample,
                reads: ledger.reads,
                stale_reads: ledger.stale_reads,
                stale_read_fraction: stale_fraction,
                mean_versions_behind: if ledger.stale_reads == 0 {
                    0.0
                } else {
                    ledger.versions_behind as f64 / ledger.stale_reads as f64
                },
                max_versions_behind: ledger.max_versions_behind,
                writes_acked: ledger.writes_acked(),
                lost_writes: ledger.lost_writes(),
                sibling_reads: ledger.sibling_reads,
                failovers: ledger.failovers,
                replication_lag_ms: latency_summary(&ledger.replication_lag),
                replication_lag_cdf: latency_cdf(&ledger.replication_lag),
                visibility: visibility_bins(ledger),
                counterexample_ops: culprits,
            },
        );
    }
    out
}

/// A store client's name: the coordinating node and its execution slot (`app#0/3`); the
/// coordinator numbers its clients `node << 16 | slot`.
fn client_name(names: &[String], client: u32) -> String {
    let node = names
        .get((client >> 16) as usize)
        .map_or("?", String::as_str);
    format!("{node}/{}", client & 0xffff)
}

/// `text` with every `client <id>` of `named` replaced by its name, so a counter-example
/// reads `app#0/3` rather than `client 65539`.
fn name_clients(text: &str, named: &BTreeMap<u32, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("client ") {
        out.push_str(&rest[..at]);
        let after = &rest[at + "client ".len()..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits]
            .parse::<u32>()
            .ok()
            .and_then(|id| named.get(&id))
        {
            Some(name) => {
                out.push_str(name);
                rest = &after[digits..];
            }
            None => {
                out.push_str("client ");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn visibility_bins(ledger: &crate::ledger::StoreLedger) -> Vec<crate::results::VisibilityBin> {
    use crate::store_ledger::VISIBILITY_EDGES_MS as EDGES;
    ledger
        .visibility
        .iter()
        .enumerate()
        .filter(|(_, (reads, _))| *reads > 0)
        .map(|(i, &(reads, fresh))| crate::results::VisibilityBin {
            after_ms: if i == 0 { 0.0 } else { EDGES[i - 1] },
            before_ms: EDGES.get(i).copied(),
            reads,
            fresh_fraction: fresh as f64 / reads as f64,
        })
        .collect()
}

/// A histogram of nanoseconds as `results.json`'s latency summary, in milliseconds.
pub fn latency_summary(h: &Histogram) -> Option<LatencySummary> {
    if h.is_empty() {
        return None;
    }
    let ms = |ns: u64| ns as f64 / 1e6;
    Some(LatencySummary {
        mean: h.mean() / 1e6,
        p50: ms(h.quantile(0.5)),
        p90: ms(h.quantile(0.9)),
        p99: ms(h.quantile(0.99)),
        p999: ms(h.quantile(0.999)),
        max: ms(h.max().unwrap_or(0)),
    })
}

/// `[ms, q]` at q = 0, 0.01, ..., 0.99, 0.995, 0.999, 0.9999, 1 (empty for no samples).
pub fn latency_cdf(h: &Histogram) -> Vec<[f64; 2]> {
    if h.is_empty() {
        return Vec::new();
    }
    (0..100)
        .map(|i| f64::from(i) / 100.0)
        .chain([0.995, 0.999, 0.9999, 1.0])
        .map(|q| [h.quantile(q) as f64 / 1e6, q])
        .collect()
}

/// Requests issued and ended (ok, error, timeout, rejected) as `results.json`'s counts; the
/// rest are in flight.
pub fn counts(issued: u64, ended: [u64; 4]) -> RequestCounts {
    let in_flight = issued.saturating_sub(ended.iter().sum::<u64>());
    let values = [ended[0], ended[1], ended[2], ended[3], in_flight];
    RequestCounts {
        total: issued,
        ok: ended[0],
        by_outcome: OUTCOMES.iter().map(|o| o.to_string()).zip(values).collect(),
    }
}

/// The failure rate (non-ok over completed) and the successes per measured second.
pub fn rates(ended: [u64; 4], measured_s: f64) -> (f64, f64) {
    let completed: u64 = ended.iter().sum();
    let failure_rate = if completed == 0 {
        0.0
    } else {
        (completed - ended[0]) as f64 / completed as f64
    };
    (failure_rate, ended[0] as f64 / measured_s)
}

fn message_summary(ledger: &Ledger) -> crate::results::MessageSummary {
    let m = &ledger.messages;
    let mut completion = Histogram::default();
    for h in &ledger.completion {
        completion.merge(h);
    }
    let lost = [
        ("broker crash", m.lost_broker_crash),
        ("consumer crash", m.lost_consumer_crash),
        ("queue overflow", m.lost_overflow),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(c, n)| (c.to_string(), n))
    .collect();
    crate::results::MessageSummary {
        entered: m.entered,
        processed: m.processed,
        failed: m.failed,
        dead_lettered: m.dead_lettered,
        lost,
        queued: m.queued + m.log_pending,
        in_flight: m.unacked + m.held,
        duplicates: m.duplicates,
        completion_latency_ms: latency_summary(&completion),
        completion_latency_cdf: latency_cdf(&completion),
    }
}

/// The rows of `results.json`'s `series`, one per window of `s` (columns read by name:
/// `issued`, `ok`, `error`, `timeout`, `rejected`, and `processed` when `s` counts it).
pub fn window_rows(s: &sim_core::metrics::TimeSeries) -> Vec<WindowRow> {
    let column = |name| s.column(name);
    let (issued, ok, error, timeout, rejected, processed) = (
        column("issued"),
        column("ok"),
        column("error"),
        column("timeout"),
        column("rejected"),
        column("processed"),
    );
    let count = |i, c: Option<usize>| c.map_or(0, |c| s.count(i, c));
    (0..s.window_count())
        .map(|i| WindowRow {
            start_s: s.window_start(i).as_secs_f64(),
            issued: count(i, issued),
            ok: count(i, ok),
            error: count(i, error),
            timeout: count(i, timeout),
            rejected: count(i, rejected),
            processed: count(i, processed),
            latency_mean_ms: s.latency_mean_ms(i),
            latency_p99_ms: s.latency_quantile_ms(i, 0.99),
        })
        .collect()
}

fn summarise(
    scenario: &Scenario,
    design: &Design,
    plan: &Plan,
    sim: &Simulation<Msg, Ledger>,
    stop: &str,
) -> DesignResult {
    let ledger = sim.world();
    let measured_s = scenario.duration_s - scenario.warmup_s;
    let mut endpoints = BTreeMap::new();
    let mut total = crate::ledger::Tally::default();
    let windows = ledger.series.window_count();
    for (k, (class, tally)) in plan.classes.iter().zip(&ledger.classes).enumerate() {
        // Two classes may call the same endpoint: they merge under its name.
        let (entry, windowed) = endpoints
            .entry(class.name.clone())
            .or_insert_with(|| (crate::ledger::Tally::default(), vec![[0u64; 2]; windows]));
        let cells = &ledger.class_series[k * windows * 2..(k + 1) * windows * 2];
        for (w, c) in windowed.iter_mut().zip(cells.chunks_exact(2)) {
            w[0] += c[0];
            w[1] += c[1];
        }
        for t in [&mut total, entry] {
            t.issued += tally.issued;
            for k in 0..4 {
                t.ended[k] += tally.ended[k];
            }
            t.latency.merge(&tally.latency);
        }
    }
    let endpoints = endpoints
        .into_iter()
        .map(|(name, (t, series))| {
            let (failure_rate, throughput_per_s) = rates(t.ended, measured_s);
            (
                name,
                EndpointResult {
                    requests: counts(t.issued, t.ended),
                    latency_ms: latency_summary(&t.latency),
                    failure_rate,
                    throughput_per_s,
                    series,
                },
            )
        })
        .collect();
    let (failure_rate, throughput_per_s) = rates(total.ended, measured_s);
    let causes = plan
        .causes
        .iter()
        .zip(&ledger.causes)
        .filter(|(_, &n)| n > 0)
        .map(|(c, &n)| (c.clone(), n))
        .collect();
    let series = window_rows(&ledger.series);
    let n = sim.net_stats();
    DesignResult {
        name: design.name.clone(),
        digest: format!("{:016x}", run_digest(sim)),
        events: sim.events_processed(),
        stop: stop.to_string(),
        requests: counts(total.issued, total.ended),
        latency_ms: latency_summary(&total.latency),
        failure_rate,
        throughput_per_s,
        causes,
        endpoints,
        network: NetworkSummary::from(n),
        series,
        latency_cdf: latency_cdf(&total.latency),
        messages: (!plan.brokers.is_empty()).then(|| message_summary(ledger)),
        cost_month_usd: crate::scenario::cost::month_usd(design),
        stores: BTreeMap::new(),
        locks: BTreeMap::new(),
        accounts: BTreeMap::new(),
        reliability: None,
        swallowed_errors: ledger
            .swallowed
            .iter()
            .map(|(&(svc, cause), &n)| {
                let who = plan.services.get(usize::from(svc)).map_or("?", |s| &s.name);
                let what = plan.causes.get(usize::from(cause)).map_or("?", |c| c);
                (format!("{who} swallowed {what}"), n)
            })
            .collect(),
        tracing: None,
        traces: Vec::new(),
    }
}

/// The results of `scenario` under `seed` from its designs' results (which may have been
/// run in any order, or on several threads).
pub fn assemble(scenario: &Scenario, seed: u64, designs: Vec<DesignResult>) -> RunResults {
    RunResults {
        scenario: scenario.name.clone(),
        seed,
        caplab_version: CAPLAB_VERSION.to_string(),
        duration_s: scenario.duration_s,
        warmup_s: scenario.warmup_s,
        window_s: scenario.window_s,
        designs,
        description: scenario.description.clone(),
        faults: fault_windows(&crate::scenario::chaos::expanded(scenario, seed)),
    }
}

/// What every design faces, sorted by start (stable): each fault of the file, labelled from
/// its action (`crash api#0`, `partition [a] | [b]`), and each load spike, a segment of a
/// piecewise arrival process whose rate is more than twice the process's lowest rate.
pub fn fault_windows(scenario: &Scenario) -> Vec<FaultWindow> {
    let mut out: Vec<FaultWindow> = scenario
        .faults
        .iter()
        .map(|f| FaultWindow {
            start_s: f.at_s,
            end_s: f.duration_s.map(|d| f.at_s + d),
            kind: f.action.kind().to_string(),
            label: f.action.to_string(),
        })
        .collect();
    let mut processes = vec![("", &scenario.workload.arrivals)];
    for c in &scenario.workload.classes {
        if let Some(a) = &c.arrivals {
            processes.push((c.endpoint.as_str(), a));
        }
    }
    for (endpoint, arrivals) in processes {
        let Arrivals::Piecewise { segments } = arrivals else {
            continue;
        };
        let low = segments
            .iter()
            .map(|s| s.rate_per_s)
            .fold(f64::INFINITY, f64::min);
        for (i, seg) in segments.iter().enumerate() {
            if seg.rate_per_s > 2.0 * low && seg.from_s < scenario.duration_s {
                let end = segments.get(i + 1).map(|n| n.from_s);
                let who = if endpoint.is_empty() {
                    String::new()
                } else {
                    format!(" of {endpoint} requests")
                };
                out.push(FaultWindow {
                    start_s: seg.from_s,
                    end_s: end.filter(|&e| e < scenario.duration_s),
                    kind: "load_spike".to_string(),
                    label: format!("load spike{who} ({}/s)", seg.rate_per_s),
                });
            }
        }
    }
    out.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    out
}

/// A constant distribution, for building scenarios in code.
pub fn constant_ms(ms: f64) -> Dist {
    Dist::constant(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_examples_name_clients_by_node_and_slot() {
        let names: Vec<String> = ["client", "app#0", "app#1"].map(String::from).to_vec();
        let named: BTreeMap<u32, String> = [1 << 16, (2 << 16) | 3]
            .into_iter()
            .map(|c| (c, client_name(&names, c)))
            .collect();
        let text = "client 65536 write(1) -> ok\nthe read by client 131075, not client 7; client ";
        assert_eq!(
            name_clients(text, &named),
            "app#0/0 write(1) -> ok\nthe read by app#1/3, not client 7; client "
        );
    }
}
