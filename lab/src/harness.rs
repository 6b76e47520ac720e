//! The harness: your node type as replicas, closed-loop clients, the setup's network and
//! faults, in one sim-core simulation; and what the clients observed, recorded.
//!
//! Nodes `0..n` are the replicas (`kv#i`), then the clients of each group (`app#g.cK`).
//! A client sends one request at a time to a replica chosen by `Setup::contact`, waits
//! up to the workload's timeout, records what it was told (or that it was told nothing:
//! an unknown outcome), pauses, and goes on. Every request ends exactly once: ok, error
//! (the replica refused, or answered nonsense), timeout, or in flight at the end.

use crate::error::LabError;
use crate::node::{Effect, Node, NodeCtx, ReplicaId, Request};
use crate::setup::{Check, Contact, Setup};
use crate::workload::{Answer, ClientMemory, Observation, Op};
use models::checker::convergence::{Observed, Sample};
use models::scenario::FaultAction;
use sim_core::dist::Dist;
use sim_core::fault::Fault;
use sim_core::message_log::{Fate, MessageLogConfig, MessageRecord};
use sim_core::metrics::{Histogram, TimeSeries};
use sim_core::network::{LinkSpec, NetStats, NodeId};
use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation, StopReason};
use sim_core::step::StepWindow;
use sim_core::time::{SimDuration, SimTime};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt::{self, Debug};
use std::io::Write;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

/// What travels between nodes and what timers carry.
#[derive(Clone)]
pub enum Wire<M, T> {
    /// A client's request to a replica.
    Request(Request),
    /// A replica's answer to a client's request number `id`.
    Answer {
        /// The request's number.
        id: u64,
        /// The answer.
        answer: Answer,
    },
    /// A message between replicas (your `Node::Msg`).
    Peer(M),
    /// One of your node's timers (`Node::Timer`), with the harness's number for it.
    Timer(u64, T),
    /// The harness samples the replica for a convergence check.
    Sample,
    /// A client's next request is due.
    ClientNext,
    /// A client's request number `.0` timed out.
    ClientTimeout(u64),
}

impl<M: Debug, T: Debug> Debug for Wire<M, T> {
    /// Short forms for single-step output and diagrams: `req 7 write(k0, 12)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wire::Request(r) => write!(f, "req {} {}", r.id, op_text(&r.op)),
            Wire::Answer { id, answer } => write!(f, "ans {id} {}", answer_text(answer)),
            Wire::Peer(m) => write!(f, "{m:?}"),
            Wire::Timer(_, t) => write!(f, "timer {t:?}"),
            Wire::Sample => write!(f, "sample"),
            Wire::ClientNext => write!(f, "next"),
            Wire::ClientTimeout(id) => write!(f, "timeout {id}"),
        }
    }
}

/// An operation, short: `write(k0, 12)`, `read(k0)`, `add(3)`.
pub fn op_text(op: &Op) -> String {
    match op {
        Op::Read { key } => format!("read(k{key})"),
        Op::Write { key, value } => format!("write(k{key}, {value})"),
        Op::Cas { key, expected, new } => format!("cas(k{key}, {expected}→{new})"),
        Op::Add { amount } => format!("add({amount})"),
        Op::ReadCounter => "read()".to_string(),
        Op::Append { value } => format!("append({value})"),
        Op::ReadLog => "read()".to_string(),
        Op::Insert { value } => format!("insert({value})"),
        Op::ReadSet => "read()".to_string(),
        Op::GenerateId => "generate()".to_string(),
        Op::Broadcast { value } => format!("broadcast({value})"),
        Op::ReadMessages => "read()".to_string(),
        Op::Send { key, msg } => format!("send(k{key}, {msg})"),
        Op::Poll { offsets } => format!("poll({})", key_offsets(offsets)),
        Op::CommitOffsets { offsets } => format!("commit({})", key_offsets(offsets)),
        Op::ListCommittedOffsets { keys } => {
            let keys: Vec<String> = keys.iter().map(|k| format!("k{k}")).collect();
            format!("list_committed({})", keys.join(", "))
        }
    }
}

/// Offsets by key, short: `k0@3, k1@0`.
fn key_offsets(offsets: &BTreeMap<u64, u64>) -> String {
    let parts: Vec<String> = offsets.iter().map(|(k, o)| format!("k{k}@{o}")).collect();
    parts.join(", ")
}

/// A poll's messages of one key, short: `[3:31, 4:40]`, or the first and last three of
/// a long list.
pub fn polled_text(entries: &[(u64, u64)]) -> String {
    let pair = |(o, m): &(u64, u64)| format!("{o}:{m}");
    let parts: Vec<String> = if entries.len() > 8 {
        let head = entries[..3].iter().map(pair);
        let tail = entries[entries.len() - 3..].iter().map(pair);
        head.chain([format!("… {} in all …", entries.len())])
            .chain(tail)
            .collect()
    } else {
        entries.iter().map(pair).collect()
    };
    format!("[{}]", parts.join(", "))
}

/// An answer, short: `12`, `ok`, `unavailable`.
pub fn answer_text(answer: &Answer) -> String {
    match answer {
        Answer::Value(Some(v)) => v.to_string(),
        Answer::Value(None) => "absent".to_string(),
        Answer::Written | Answer::Added | Answer::Appended | Answer::Inserted => "ok".to_string(),
        Answer::Cas(true) => "ok".to_string(),
        Answer::Cas(false) => "failed".to_string(),
        Answer::Counter(v) => v.to_string(),
        Answer::Log(l) => few(l.iter()),
        Answer::Set(s) | Answer::Messages(s) => few(s.iter()),
        Answer::Id(v) => v.to_string(),
        Answer::Broadcasted | Answer::Committed => "ok".to_string(),
        Answer::Offset(o) => format!("offset {o}"),
        Answer::Polled(got) => {
            let parts: Vec<String> = got
                .iter()
                .map(|(k, l)| format!("k{k} {}", polled_text(l)))
                .collect();
            parts.join(", ")
        }
        Answer::CommittedOffsets(c) => format!("{{{}}}", key_offsets(c).replace('@', ": ")),
        Answer::Unavailable => "unavailable".to_string(),
    }
}

/// A collection, short: `[1, 2, 3]`, or `[1, 2, 3, 4, 5, 6, … 40 in all]`.
fn few<'a>(items: impl ExactSizeIterator<Item = &'a u64>) -> String {
    let n = items.len();
    let mut parts: Vec<String> = items.take(6).map(u64::to_string).collect();
    if n > 6 {
        parts.push(format!("… {n} in all"));
    }
    format!("[{}]", parts.join(", "))
}

/// A word for the digest of what a client was told.
fn answer_word(answer: &Answer) -> u64 {
    use sim_core::digest::fold;
    match answer {
        Answer::Value(v) => fold(1, v.map_or(u64::MAX, |v| v)),
        Answer::Written => 2,
        Answer::Cas(ok) => fold(3, u64::from(*ok)),
        Answer::Added => 4,
        Answer::Counter(v) => fold(5, *v as u64),
        Answer::Appended => 6,
        Answer::Log(l) => l.iter().fold(7, |d, v| fold(d, *v)),
        Answer::Inserted => 8,
        Answer::Set(s) => s.iter().fold(9, |d, v| fold(d, *v)),
        Answer::Unavailable => 10,
        Answer::Id(v) => fold(11, *v),
        Answer::Broadcasted => 12,
        Answer::Messages(s) => s.iter().fold(13, |d, v| fold(d, *v)),
        Answer::Offset(o) => fold(14, *o),
        Answer::Polled(got) => got.iter().fold(15, |d, (k, l)| {
            l.iter()
                .fold(fold(d, *k), |d, (o, m)| fold(fold(d, *o), *m))
        }),
        Answer::Committed => 16,
        Answer::CommittedOffsets(c) => c.iter().fold(17, |d, (k, o)| fold(fold(d, *k), *o)),
    }
}

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Answered.
    Ok,
    /// The replica refused ([`Answer::Unavailable`]), answered with the wrong kind of
    /// answer, or the client crashed waiting.
    Error,
    /// No answer within the timeout.
    Timeout,
    /// Still waiting when the run ended.
    InFlight,
}

/// One client operation as recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct OpRecord {
    /// Invocation number, unique in the run.
    pub id: u64,
    /// The client (`ClientId`).
    pub client: u32,
    /// The client's group.
    pub group: u32,
    /// The replica it was sent to.
    pub replica: ReplicaId,
    /// What was asked.
    pub op: Op,
    /// When, in nanoseconds.
    pub invoke_ns: u64,
    /// When the answer came (`None`: timeout, error or in flight: outcome unknown).
    pub complete_ns: Option<u64>,
    /// The answer, when it came.
    pub answer: Option<Answer>,
    /// How it ended.
    pub outcome: Outcome,
}

/// Per-endpoint (group × operation) counts over the measured period.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Issued after the warm-up.
    pub issued: u64,
    /// Ended `[ok, error, timeout, rejected]` (rejected is always 0 here).
    pub ended: [u64; 4],
    /// Latency of successes.
    pub latency: Histogram,
    /// Per window: ended `[ok, not ok]`.
    pub series: Vec<[u64; 2]>,
}

/// What the run recorded; the world every node of a lab run shares.
pub struct LabWorld {
    /// The operations, in invocation order (at most `Setup::max_ops`).
    pub ops: Vec<OpRecord>,
    /// Operations invoked past the cap.
    pub not_recorded: u64,
    /// Invocation time of the first one not recorded.
    pub truncated_at_ns: Option<u64>,
    /// Per `group#g op` endpoint.
    pub tallies: BTreeMap<String, Tally>,
    /// Per window: issued, ok, error, timeout, rejected, with latencies.
    pub series: TimeSeries,
    /// Non-ok requests by cause.
    pub causes: BTreeMap<String, u64>,
    /// Convergence samples (when the check is `Converges`).
    pub samples: Vec<Sample>,
    /// Messages your nodes sent to a replica that does not exist (a bug in the node).
    pub bad_sends: u64,
    /// Messages your nodes sent to other replicas (a broadcast's cost).
    pub peer_messages: u64,
    /// A digest of what clients were told (every request's end and answer): the engine's
    /// digest covers the order of events, this one what they said, so that a node whose
    /// answers differ between two runs of the same seed is caught even when the events
    /// keep their order.
    pub observed_digest: u64,
    /// The first panic of a node's handler, caught: the run goes on without that node.
    pub panic: Option<NodePanic>,
    /// In single-step mode with a watched replica: its state after its last event.
    pub(crate) snapshot: Option<String>,
    next_value: u64,
    next_op: u64,
}

/// A node's handler panicked: where, when, and what it said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePanic {
    /// Simulated time, in nanoseconds.
    pub at_ns: u64,
    /// The node (`kv#1`).
    pub node: String,
    /// Which handler: `boot`, `on_request`, `on_message from kv#0`, `on_timer`, `observe`.
    pub handler: String,
    /// The panic's message.
    pub message: String,
    /// Where in the code (`src/lib.rs:61:13`), when [`quiet_node_panics`] is on.
    pub location: Option<String>,
}

impl fmt::Display for NodePanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} panicked at {} in {}{}: {}",
            self.node,
            crate::harness::seconds(self.at_ns),
            self.handler,
            self.location
                .as_ref()
                .map_or(String::new(), |l| format!(" ({l})")),
            self.message
        )
    }
}

thread_local! {
    /// Whether this thread is inside a node's handler.
    static IN_NODE: Cell<bool> = const { Cell::new(false) };
    /// Where the last panic inside a node's handler happened.
    static PANIC_AT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs, once per process, a panic hook under which a panic inside a node's handler is
/// not printed but recorded with its location: the lab reports it once, with the simulated
/// time, the node and the event (a chaos run may rerun a panicking seed many times). Any
/// other panic is printed by the hook that was there before. `Example::run` turns it on.
pub fn quiet_node_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let before = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_NODE.with(Cell::get) {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                PANIC_AT.with(|p| *p.borrow_mut() = at);
            } else {
                before(info);
            }
        }));
    });
}

/// Runs `f` as a node's handler: a panic is caught (and, under [`quiet_node_panics`], its
/// location recorded instead of printed).
fn in_node<R>(f: impl FnOnce() -> R) -> Result<R, Box<dyn Any + Send>> {
    IN_NODE.with(|c| c.set(true));
    let r = std::panic::catch_unwind(AssertUnwindSafe(f));
    IN_NODE.with(|c| c.set(false));
    r
}

/// `12.345678900 s`.
pub fn seconds(ns: u64) -> String {
    format!("{}.{:09} s", ns / 1_000_000_000, ns % 1_000_000_000)
}

/// Shared, read-only facts of a run.
struct Env {
    replicas: u32,
    contact: Contact,
    home: Vec<ReplicaId>,
    workload: crate::workload::Workload,
    think_ms: Dist,
    timeout: SimDuration,
    end: SimTime,
    warmup: SimTime,
    updates_until: SimTime,
    window: SimDuration,
    windows: usize,
    sample: Option<SimDuration>,
    max_ops: usize,
    group_name: String,
    names: Vec<String>,
    /// Crashes also lose `Node::Durable` (a disk that was never synced).
    amnesia: bool,
    /// Single-step mode: the replica whose state is kept after each of its events.
    watch: Option<u32>,
}

/// A finished run: the world and the engine's figures.
pub struct LabRun {
    /// The seed it ran under.
    pub seed: u64,
    /// What was recorded.
    pub world: LabWorld,
    /// Digest of the run: the engine's digest of the events folded with the digest of what
    /// clients were told (`LabWorld::observed_digest`), as `caplab run` reports designs.
    pub digest: u64,
    /// Events processed.
    pub events: u64,
    /// Why it stopped.
    pub stop: StopReason,
    /// Network accounting.
    pub net: NetStats,
    /// Node names, by node index.
    pub names: Vec<String>,
    /// Messages recorded by the message log, when one was asked for.
    pub messages: Option<Vec<MessageRecord>>,
    /// Records the message log had to evict (its capacity was reached).
    pub messages_evicted: u64,
}

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Print every event as it is processed (single-step mode).
    pub step: bool,
    /// In single-step mode, print only events in this window (`None`: all).
    pub step_window: Option<(SimTime, SimTime)>,
    /// Record the messages sent in this window, at most `.2` of them.
    pub message_log: Option<(SimTime, SimTime, usize)>,
    /// Overrides the setup's seed.
    pub seed: Option<u64>,
    /// In single-step mode, print this replica's state (`Debug`) after each of its events.
    pub watch: Option<ReplicaId>,
    /// In single-step mode, stop at the first panic of a node (the run is not finished).
    pub stop_at_panic: bool,
}

fn secs(s: f64) -> SimTime {
    SimTime(SimDuration::from_secs_f64(s).as_nanos())
}

/// The simulation of a lab run of `N`.
pub type LabSimulation<N> = Simulation<Wire<<N as Node>::Msg, <N as Node>::Timer>, LabWorld>;

/// Builds the simulation of `N` under `setup`; the caller runs it.
pub fn build<N: Node>(setup: &Setup, seed: u64) -> Result<LabSimulation<N>, LabError> {
    build_watching::<N>(setup, seed, None)
}

fn build_watching<N: Node>(
    setup: &Setup,
    seed: u64,
    watch: Option<ReplicaId>,
) -> Result<LabSimulation<N>, LabError> {
    setup.validate()?;
    if let Some(w) = watch {
        if w.0 >= setup.replicas {
            return Err(LabError::NoReplica {
                store: setup.store_name.clone(),
                replica: w.0,
                replicas: setup.replicas,
            });
        }
    }
    let end = secs(setup.duration_s);
    let window = SimDuration::from_secs_f64(setup.window_s);
    let max_windows = 100_000;
    let series = TimeSeries::new(
        window,
        end,
        max_windows,
        &["issued", "ok", "error", "timeout", "rejected"],
    )
    .map_err(LabError::Metrics)?;
    let env = Rc::new(Env {
        replicas: setup.replicas,
        contact: setup.contact,
        home: setup.home.clone(),
        workload: setup.workload.clone(),
        think_ms: Dist::exponential(setup.workload.think_ms).prepared(),
        timeout: SimDuration::from_millis_f64(setup.workload.timeout_ms),
        end,
        warmup: secs(setup.warmup_s),
        updates_until: setup.workload.updates_until_s.map_or(SimTime::MAX, secs),
        window,
        windows: series.window_count(),
        sample: (setup.check == Check::Converges)
            .then(|| SimDuration::from_millis_f64(setup.sample_ms)),
        max_ops: setup.max_ops,
        group_name: setup.group_name.clone(),
        names: setup.node_names(),
        amnesia: setup.amnesia,
        watch: watch.map(|w| w.0),
    });
    let world = LabWorld {
        ops: Vec::new(),
        not_recorded: 0,
        truncated_at_ns: None,
        tallies: BTreeMap::new(),
        series,
        causes: BTreeMap::new(),
        samples: Vec::new(),
        bad_sends: 0,
        peer_messages: 0,
        observed_digest: 0,
        panic: None,
        snapshot: None,
        next_value: 0,
        next_op: 0,
    };
    let link = LinkSpec {
        latency_ms: setup.link.latency_ms.prepared(),
        ..setup.link.clone()
    };
    let mut sim = Simulation::with_link(seed, link.clone(), world).map_err(LabError::Network)?;
    let names = setup.node_names();
    for (r, name) in names.iter().take(setup.replicas as usize).enumerate() {
        let host: Host<N> = Host {
            me: ReplicaId(r as u32),
            node: None,
            durable: N::Durable::default(),
            timers: BTreeMap::new(),
            next_timer: 0,
            effects: Vec::new(),
            env: Rc::clone(&env),
            dead: false,
        };
        sim.add_component(name.clone(), Box::new(host));
    }
    let mut client = 0u32;
    for g in 0..setup.groups {
        for _ in 0..setup.workload.clients_per_group {
            let node: ClientNode<N::Msg, N::Timer> = ClientNode {
                client,
                group: g,
                env: Rc::clone(&env),
                current: None,
                next_request: 0,
                memory: ClientMemory::default(),
                _wire: PhantomData,
            };
            sim.add_component(
                names[(setup.replicas + client) as usize].clone(),
                Box::new(node),
            );
            client += 1;
        }
    }
    // A client's connection to a replica never duplicates (it deduplicates, as TCP does):
    // duplication is a property of the network between replicas. Loss and latency apply.
    if setup.link.duplicate > 0.0 {
        let once = LinkSpec {
            duplicate: 0.0,
            ..link.clone()
        };
        let clients = setup.groups * setup.workload.clients_per_group;
        for c in 0..clients {
            let c = NodeId(setup.replicas + c);
            for r in 0..setup.replicas {
                let r = NodeId(r);
                sim.set_link(c, r, once.clone())
                    .and_then(|()| sim.set_link(r, c, once.clone()))
                    .map_err(LabError::Network)?;
            }
        }
    }
    for (i, f) in setup.faults.iter().enumerate() {
        let faults =
            engine_faults(setup, f).map_err(|message| LabError::Fault { index: i, message })?;
        for (at, fault) in faults {
            sim.schedule_fault(at, fault)
                .map_err(|source| LabError::ScheduleFault { index: i, source })?;
        }
    }
    Ok(sim)
}

/// Runs `N` under `setup`; in single-step mode, prints each event to `out`.
pub fn run<N: Node>(
    setup: &Setup,
    options: &RunOptions,
    out: &mut dyn Write,
) -> Result<LabRun, LabError> {
    let seed = options.seed.unwrap_or(setup.seed);
    let watch = options.watch.filter(|_| options.step);
    let mut sim = build_watching::<N>(setup, seed, watch)?;
    if let Some((from, to, capacity)) = options.message_log {
        sim.set_message_log(MessageLogConfig::window(from, to, capacity));
    }
    let limits = RunLimits {
        until: secs(setup.duration_s),
        max_events: setup.max_events,
    };
    let names = setup.node_names();
    let stop = if options.step {
        let window = options
            .step_window
            .map_or(StepWindow::ALL, |(a, b)| StepWindow::new(a, b));
        if options.message_log.is_none() {
            // The sends of each printed event come from the message log of the window.
            let to = SimTime(window.to.as_nanos().saturating_add(1));
            sim.set_message_log(MessageLogConfig::window(window.from, to, STEP_LOG));
        }
        step_printing::<N>(&mut sim, limits, window, watch, options.stop_at_panic, out)
            .map_err(LabError::output)?
    } else {
        sim.run(limits)
    };
    let messages = sim.message_log().map(|l| l.records());
    let messages_evicted = sim.message_log().map_or(0, |l| l.evicted());
    let digest = sim_core::digest::fold(sim.digest(), sim.world().observed_digest);
    let events = sim.events_processed();
    let net = sim.net_stats().clone();
    let world = sim.into_world();
    Ok(LabRun {
        seed,
        world,
        digest,
        events,
        stop,
        net,
        names,
        messages,
        messages_evicted,
    })
}

/// Most messages single-step mode keeps to print the sends of its window.
const STEP_LOG: usize = 1 << 22;

/// Single-step mode: runs at full speed to the window, then one event at a time, printing
/// each event, the messages its handler sent (with their fate: due when, lost, dropped by
/// a partition) and, for the watched replica, its state after the event; then the rest at
/// full speed. Processes exactly the events of a plain run, so the digest is the same.
fn step_printing<N: Node>(
    sim: &mut LabSimulation<N>,
    limits: RunLimits,
    window: StepWindow,
    watch: Option<ReplicaId>,
    stop_at_panic: bool,
    out: &mut dyn Write,
) -> std::io::Result<StopReason> {
    if window.from > SimTime::ZERO {
        let before = SimTime(window.from.as_nanos() - 1).min(limits.until);
        sim.run(RunLimits {
            until: before,
            ..limits
        });
    }
    let inside = RunLimits {
        until: limits.until.min(window.to),
        ..limits
    };
    let logged = |sim: &LabSimulation<N>| {
        sim.message_log()
            .map_or(0, |l| l.iter().count() as u64 + l.evicted())
    };
    let name = |sim: &LabSimulation<N>, n: NodeId| {
        sim.node_name(n)
            .map_or_else(|| format!("node {}", n.0), str::to_string)
    };
    loop {
        let before = logged(sim);
        if sim.step_within(inside).is_err() {
            break;
        }
        let Some(record) = sim.last_event() else {
            continue;
        };
        writeln!(out, "{}", sim.step_line(&record))?;
        let sent = logged(sim) - before;
        if let Some(log) = sim.message_log() {
            let kept = log.iter().count();
            let skip = kept.saturating_sub(sent as usize);
            for m in log.iter().skip(skip) {
                let to = name(sim, m.to);
                let copy = if m.duplicate { " (a duplicate)" } else { "" };
                let line = match m.fate {
                    Fate::InFlight { arrive_at } | Fate::Delivered { at: arrive_at } => {
                        format!(
                            "{:28}→ {to:<10} {}{copy}  (due {:.9}s)",
                            "",
                            m.detail,
                            arrive_at.as_secs_f64()
                        )
                    }
                    Fate::DroppedAtDownNode { at } => format!(
                        "{:28}✗ {to:<10} {}{copy}  (dropped at the down node, {:.9}s)",
                        "",
                        m.detail,
                        at.as_secs_f64()
                    ),
                    Fate::Lost => format!("{:28}✗ {to:<10} {}{copy}  (lost)", "", m.detail),
                    Fate::Partitioned => format!(
                        "{:28}✗ {to:<10} {}{copy}  (dropped by the partition)",
                        "", m.detail
                    ),
                };
                writeln!(out, "{line}")?;
            }
        }
        if let Some(state) = sim.world_mut().snapshot.take() {
            if watch.is_some_and(|w| record.target == Some(NodeId(w.0))) {
                writeln!(out, "{:28}state: {state}", "")?;
            }
        }
        if stop_at_panic && sim.world().panic.is_some() {
            return Ok(StopReason::Idle);
        }
    }
    Ok(sim.run(limits))
}

/// The event during which a node panicked, as single-step mode prints it (the run is
/// replayed to that instant): `#1234  10.300000000s kv#2  message  from kv#0: Store {..}`.
pub fn panicking_event<N: Node>(setup: &Setup, seed: u64, panic: &NodePanic) -> Option<String> {
    let at = SimTime(panic.at_ns);
    let options = RunOptions {
        seed: Some(seed),
        step: true,
        step_window: Some((at, at)),
        stop_at_panic: true,
        ..RunOptions::default()
    };
    let mut out = Vec::new();
    let run = run::<N>(setup, &options, &mut out).ok()?;
    run.world.panic.as_ref()?;
    let text = String::from_utf8_lossy(&out).into_owned();
    // The event is the last line printed that is not one of its sends.
    text.lines()
        .rev()
        .find(|l| l.starts_with('#'))
        .map(str::to_string)
}

/// The engine faults of one fault of the setup (start and, with a duration, undo).
fn engine_faults(
    setup: &Setup,
    f: &models::scenario::FaultSpec,
) -> Result<Vec<(SimTime, Fault)>, String> {
    if let FaultAction::Drain { .. } = f.action {
        return Err("the lab has no load balancer to drain a node from".to_string());
    }
    models::run::fault_to_engine(f, &|t: &str| {
        Ok(setup
            .resolve(t)?
            .into_iter()
            .map(|i| NodeId(i as u32))
            .collect())
    })
}

// ------------------------------------------------------------------------------- replicas

/// Hosts one replica: builds your node, wipes it on a crash, keeps its durable state, and
/// applies the effects its handlers ask for.
struct Host<N: Node> {
    me: ReplicaId,
    node: Option<N>,
    durable: N::Durable,
    /// The harness's timer numbers → the engine's timers, for cancelling.
    timers: BTreeMap<u64, sim_core::simulation::TimerId>,
    next_timer: u64,
    effects: Vec<Effect<N::Msg, N::Timer>>,
    env: Rc<Env>,
    /// A handler panicked: the node handles nothing more.
    dead: bool,
}

type LabCtx<'a, N> = Ctx<'a, Wire<<N as Node>::Msg, <N as Node>::Timer>, LabWorld>;

impl<N: Node> Host<N> {
    /// Runs `f` (the handler `handler`) on a context for this node, then applies what it
    /// asked for. A panic in `f` is caught: the node is dead for the rest of the run, what
    /// the handler asked for is dropped, and the first panic of the run is recorded.
    fn handle(
        &mut self,
        ctx: &mut LabCtx<'_, N>,
        handler: &dyn Fn() -> String,
        f: impl FnOnce(Option<&mut N>, &mut NodeCtx<'_, N>) -> Option<N>,
    ) {
        if self.dead {
            return;
        }
        let mut effects = std::mem::take(&mut self.effects);
        let now = ctx.now();
        let local_time = ctx.local_time();
        let result = {
            let mut nctx = NodeCtx {
                me: self.me,
                replicas: self.env.replicas,
                now,
                local_time,
                rng: ctx.rng(),
                durable: &mut self.durable,
                effects: &mut effects,
                next_timer: &mut self.next_timer,
            };
            let node = self.node.as_mut();
            in_node(move || f(node, &mut nctx))
        };
        match result {
            Ok(Some(node)) => self.node = Some(node),
            Ok(None) => {}
            Err(payload) => {
                effects.clear();
                self.die(ctx, handler(), &*payload);
            }
        }
        for effect in effects.drain(..) {
            self.apply(ctx, effect);
        }
        self.effects = effects;
        self.snapshot(ctx);
    }

    /// The node panicked in `handler`: it stops for good, and the run records the panic.
    fn die(&mut self, ctx: &mut LabCtx<'_, N>, handler: String, payload: &(dyn Any + Send)) {
        self.dead = true;
        self.node = None;
        for (_, t) in std::mem::take(&mut self.timers) {
            ctx.cancel_timer(t);
        }
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(a panic without a message)".to_string());
        let node = self.env.names[self.me.0 as usize].clone();
        let at_ns = ctx.now().as_nanos();
        let world = ctx.world();
        if world.panic.is_none() {
            world.panic = Some(NodePanic {
                at_ns,
                node,
                handler,
                message,
                location: PANIC_AT.with(|p| p.borrow_mut().take()),
            });
        }
    }

    /// In single-step mode, the watched replica's state after its event.
    fn snapshot(&mut self, ctx: &mut LabCtx<'_, N>) {
        if self.env.watch != Some(self.me.0) {
            return;
        }
        let durable = format!("{:?}", self.durable);
        let node = match (&self.node, self.dead) {
            (_, true) => "(dead: it panicked)".to_string(),
            (Some(n), false) => format!("{n:?}"),
            (None, false) => "(down: volatile state gone)".to_string(),
        };
        ctx.world().snapshot = Some(if durable == "()" {
            node
        } else {
            format!("{node}  durable: {durable}")
        });
    }

    fn apply(&mut self, ctx: &mut LabCtx<'_, N>, effect: Effect<N::Msg, N::Timer>) {
        match effect {
            Effect::Send(to, msg) => {
                if to.0 < self.env.replicas {
                    if to != self.me {
                        ctx.world().peer_messages += 1;
                    }
                    ctx.send(NodeId(to.0), Wire::Peer(msg));
                } else {
                    ctx.world().bad_sends += 1;
                }
            }
            Effect::Reply(req, answer) => {
                let client = NodeId(self.env.replicas + req.client.0);
                ctx.send(client, Wire::Answer { id: req.id, answer });
            }
            Effect::SetTimer(id, delay, timer) => {
                let handle = ctx.set_timer(delay, Wire::Timer(id.0, timer));
                self.timers.insert(id.0, handle);
            }
            Effect::CancelTimer(id) => {
                if let Some(handle) = self.timers.remove(&id.0) {
                    ctx.cancel_timer(handle);
                }
            }
        }
    }

    fn boot(&mut self, ctx: &mut LabCtx<'_, N>) {
        self.handle(ctx, &|| "boot".to_string(), |_, nctx| Some(N::boot(nctx)));
        if let Some(period) = self.env.sample {
            // The next multiple of the period, so that every replica samples together.
            let p = period.as_nanos();
            let next = (ctx.now().as_nanos() / p + 1) * p;
            ctx.set_timer(SimTime(next).saturating_since(ctx.now()), Wire::Sample);
        }
    }

    fn sample(&mut self, ctx: &mut LabCtx<'_, N>) {
        let Some(period) = self.env.sample else {
            return;
        };
        let k = (ctx.now().as_nanos() / period.as_nanos()) as usize;
        let observed = match (&self.node, self.dead) {
            (Some(node), false) => {
                let durable = &self.durable;
                match in_node(|| node.observe(durable)) {
                    Ok(o) => o,
                    Err(payload) => {
                        self.die(ctx, "observe".to_string(), &*payload);
                        None
                    }
                }
            }
            _ => None,
        };
        let observed = match observed {
            Some(Observation::Counter(v)) => Observed::Counter(v),
            Some(Observation::Set(s)) => Observed::Set(s),
            None => Observed::Down,
        };
        let n = self.env.replicas as usize;
        let samples = &mut ctx.world().samples;
        // Bounded by the run's length over the period (validated positive).
        while samples.len() <= k {
            let at_ns = samples.len() as u64 * period.as_nanos();
            samples.push(Sample {
                at_ns,
                replicas: vec![Observed::Down; n],
            });
        }
        samples[k].replicas[self.me.0 as usize] = observed;
        if ctx.now() + period <= self.env.end {
            ctx.set_timer(period, Wire::Sample);
        }
    }
}

impl<N: Node> Component<Wire<N::Msg, N::Timer>, LabWorld> for Host<N> {
    fn on_event(&mut self, event: Event<Wire<N::Msg, N::Timer>>, ctx: &mut LabCtx<'_, N>) {
        match event {
            Event::Init => self.boot(ctx),
            Event::Message { from, msg } => match msg {
                Wire::Request(req) => {
                    self.handle(ctx, &|| "on_request".to_string(), |node, nctx| {
                        if let Some(node) = node {
                            node.on_request(nctx, req);
                        }
                        None
                    });
                }
                Wire::Peer(m) if from.0 < self.env.replicas => {
                    let env = Rc::clone(&self.env);
                    let handler = move || format!("on_message from {}", env.names[from.index()]);
                    self.handle(ctx, &handler, |node, nctx| {
                        if let Some(node) = node {
                            node.on_message(nctx, ReplicaId(from.0), m);
                        }
                        None
                    });
                }
                _ => {}
            },
            Event::Timer(Wire::Timer(id, t)) => {
                if self.timers.remove(&id).is_some() {
                    self.handle(ctx, &|| "on_timer".to_string(), |node, nctx| {
                        if let Some(node) = node {
                            node.on_timer(nctx, t);
                        }
                        None
                    });
                }
            }
            Event::Timer(Wire::Sample) => self.sample(ctx),
            Event::Timer(_) => {}
        }
    }

    fn on_crash(&mut self, world: &mut LabWorld) {
        // Volatile state goes; the durable state stays with the harness, unless the setup
        // says crashes lose it too.
        self.node = None;
        self.timers.clear();
        if self.env.amnesia {
            self.durable = N::Durable::default();
        }
        if self.env.watch == Some(self.me.0) {
            world.snapshot = Some("(crashed: volatile state gone)".to_string());
        }
    }

    fn on_restart(&mut self, ctx: &mut LabCtx<'_, N>) {
        if self.dead {
            return;
        }
        self.boot(ctx);
    }
}

// -------------------------------------------------------------------------------- clients

struct Current {
    id: u64,
    /// Index in `LabWorld::ops`, if recorded.
    record: Option<usize>,
    endpoint: String,
    counted: bool,
    invoked: SimTime,
    op: Op,
    timeout: sim_core::simulation::TimerId,
}

/// A closed-loop client: one request at a time.
struct ClientNode<M, T> {
    client: u32,
    group: u32,
    env: Rc<Env>,
    current: Option<Current>,
    next_request: u64,
    /// What the client remembers between requests (a Kafka client's positions).
    memory: ClientMemory,
    _wire: PhantomData<fn() -> (M, T)>,
}

impl<M: Clone + Debug + 'static, T: Clone + Debug + 'static> ClientNode<M, T> {
    fn think(&mut self, ctx: &mut Ctx<'_, Wire<M, T>, LabWorld>) {
        let d = self.env.think_ms.sample_duration_ms(ctx.rng());
        if ctx.now() + d < self.env.end {
            ctx.set_timer(d, Wire::ClientNext);
        }
    }

    fn issue(&mut self, ctx: &mut Ctx<'_, Wire<M, T>, LabWorld>) {
        let now = ctx.now();
        let fresh = {
            let w = ctx.world();
            w.next_value += 1;
            w.next_value
        };
        let reads_only = now >= self.env.updates_until;
        let op = self
            .env
            .workload
            .draw(ctx.rng(), fresh, reads_only, &self.memory);
        let replica = match self.env.contact {
            Contact::Home => self.env.home[self.group as usize],
            Contact::Fixed(r) => r,
            Contact::Random => ReplicaId(ctx.rng().below(u64::from(self.env.replicas)) as u32),
            Contact::Sticky => ReplicaId(self.client % self.env.replicas),
        };
        let id = self.next_request;
        self.next_request += 1;
        let counted = now >= self.env.warmup;
        let endpoint = format!("{}#{} {}", self.env.group_name, self.group, op.name());
        let env = Rc::clone(&self.env);
        let world = ctx.world();
        let op_id = world.next_op;
        world.next_op += 1;
        let record = if world.ops.len() < env.max_ops {
            world.ops.push(OpRecord {
                id: op_id,
                client: self.client,
                group: self.group,
                replica,
                op: op.clone(),
                invoke_ns: now.as_nanos(),
                complete_ns: None,
                answer: None,
                outcome: Outcome::InFlight,
            });
            Some(world.ops.len() - 1)
        } else {
            world.not_recorded += 1;
            world.truncated_at_ns.get_or_insert(now.as_nanos());
            None
        };
        if counted {
            world.series.add(now, 0, 1);
            let t = world.tallies.entry(endpoint.clone()).or_default();
            t.issued += 1;
            if t.series.is_empty() {
                t.series = vec![[0, 0]; env.windows];
            }
        }
        let timeout = ctx.set_timer(self.env.timeout, Wire::ClientTimeout(id));
        ctx.send(
            NodeId(replica.0),
            Wire::Request(Request {
                client: crate::node::ClientId(self.client),
                id,
                op: op.clone(),
            }),
        );
        self.current = Some(Current {
            id,
            record,
            endpoint,
            counted,
            invoked: now,
            op,
            timeout,
        });
    }

    /// Ends the current request as `outcome` (with the answer, if any) under `cause`.
    fn end(
        &mut self,
        ctx: &mut Ctx<'_, Wire<M, T>, LabWorld>,
        outcome: Outcome,
        answer: Option<Answer>,
        cause: Option<String>,
    ) {
        let Some(cur) = self.current.take() else {
            return;
        };
        if let (Outcome::Ok, Some(a)) = (outcome, &answer) {
            self.memory.learn(&cur.op, a);
        }
        let now = ctx.now();
        let window = (now.as_nanos() / self.env.window.as_nanos()) as usize;
        let world = ctx.world();
        let told = [
            now.as_nanos(),
            u64::from(self.client),
            cur.id,
            outcome as u64,
            answer.as_ref().map_or(0, answer_word),
        ];
        for word in told {
            world.observed_digest = sim_core::digest::fold(world.observed_digest, word);
        }
        if let Some(i) = cur.record {
            let rec = &mut world.ops[i];
            rec.outcome = outcome;
            if outcome == Outcome::Ok {
                rec.complete_ns = Some(now.as_nanos());
                rec.answer = answer;
            }
        }
        if cur.counted {
            let column = match outcome {
                Outcome::Ok => 1,
                Outcome::Error => 2,
                _ => 3,
            };
            world.series.add(now, column, 1);
            let t = world.tallies.entry(cur.endpoint).or_default();
            t.ended[column - 1] += 1;
            let w = window.min(t.series.len().saturating_sub(1));
            if let Some(cell) = t.series.get_mut(w) {
                cell[usize::from(outcome != Outcome::Ok)] += 1;
            }
            if outcome == Outcome::Ok {
                let latency = now.saturating_since(cur.invoked);
                t.latency.record_duration(latency);
                world.series.record_latency(now, latency);
            }
            if let Some(c) = cause {
                *world.causes.entry(c).or_default() += 1;
            }
        }
    }
}

impl<M: Clone + Debug + 'static, T: Clone + Debug + 'static> Component<Wire<M, T>, LabWorld>
    for ClientNode<M, T>
{
    fn on_event(&mut self, event: Event<Wire<M, T>>, ctx: &mut Ctx<'_, Wire<M, T>, LabWorld>) {
        match event {
            Event::Init => self.think(ctx),
            Event::Timer(Wire::ClientNext) => self.issue(ctx),
            Event::Timer(Wire::ClientTimeout(id))
                if self.current.as_ref().is_some_and(|c| c.id == id) =>
            {
                let cause = format!("timeout: no answer within {}", self.env.timeout);
                self.end(ctx, Outcome::Timeout, None, Some(cause));
                self.think(ctx);
            }
            Event::Message {
                msg: Wire::Answer { id, answer },
                ..
            } => {
                let Some(cur) = self.current.as_ref().filter(|c| c.id == id) else {
                    return; // a late answer to a request already given up
                };
                let timer = cur.timeout;
                let (outcome, cause) = if answer == Answer::Unavailable {
                    (Outcome::Error, Some("unavailable".to_string()))
                } else if !cur.op.fits(&answer) {
                    let cause = format!("wrong answer to {}: {answer:?}", cur.op.name());
                    (Outcome::Error, Some(cause))
                } else {
                    (Outcome::Ok, None)
                };
                ctx.cancel_timer(timer);
                self.end(ctx, outcome, Some(answer), cause);
                self.think(ctx);
            }
            _ => {}
        }
    }

    fn on_crash(&mut self, world: &mut LabWorld) {
        // The request in flight is abandoned: an error with an unknown outcome.
        if let Some(cur) = self.current.take() {
            if let Some(i) = cur.record {
                world.ops[i].outcome = Outcome::Error;
            }
            if cur.counted {
                let t = world.tallies.entry(cur.endpoint).or_default();
                t.ended[1] += 1;
                *world
                    .causes
                    .entry("client crashed".to_string())
                    .or_default() += 1;
            }
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx<'_, Wire<M, T>, LabWorld>) {
        self.think(ctx);
    }
}
