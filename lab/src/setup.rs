//! The world a node runs in: how many replicas, the client groups and which replica each
//! talks to, the network, the fault schedule, the workload and the check; built in code or
//! read from a scenario file.
//!
//! **From a scenario file** ([`Setup::from_scenario`]): the lab reads the file's seed,
//! duration, warm-up, window, network and faults, and takes its shape from the first design
//! that has a replicated store:
//! - that store's replicas become your replicas: `STORE#i` (`kv#2`) is replica *i* and
//!   `STORE` (`kv`) all of them;
//! - the instances of the design's entry service become client groups: `ENTRY#i`
//!   (`app#1`) is every client of group *i*, and `ENTRY` (`app`) or `client` every client;
//! - group *i*'s home replica (the one its clients talk to with [`Contact::Home`]) is the
//!   first replica in the same group of the file's first partition, or replica `i mod n`
//!   without a partition;
//! - the file's workload, designs, `chaos` and `reliability` sections are not used: the
//!   clients run [`Workload`], the faults are the file's `faults`; a `drain` fault is an
//!   error (there is no load balancer: clients choose their replica, [`Contact`]).
//!
//! Any other fault target is an error naming the file, the JSON path and the position.

use crate::error::{LabError, LabNodes};
use crate::node::ReplicaId;
use crate::workload::Workload;
use models::load::{PositionIndex, Problem, ScenarioError};
use models::scenario::{FaultAction, FaultSpec, Scenario};
use sim_core::dist::Dist;
use sim_core::network::LinkSpec;
use std::path::Path;

/// Which replica a client sends its requests to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contact {
    /// Its group's home replica (`Setup::home`).
    Home,
    /// Always this replica (a single server, or a fixed primary).
    Fixed(ReplicaId),
    /// A replica drawn at random for each request.
    Random,
    /// Each client keeps to one replica, client `i` to replica `i mod n` (sticky sessions
    /// spread over every replica).
    Sticky,
}

/// What the history is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Linearizability (registers: the fast register checker; other data types: the
    /// generic search).
    Linearizable,
    /// Sequential consistency (registers only).
    Sequential,
    /// Eventual convergence (counters, sets, broadcast; the node must implement `observe`).
    Converges,
    /// Read-your-writes: a client never reads a value older, causally, than its own last
    /// write of the key (registers).
    ReadYourWrites,
    /// Monotonic reads: a client never reads a value older, causally, than one it read
    /// (registers).
    MonotonicReads,
    /// Causal consistency (registers).
    Causal,
    /// Every identifier handed out is unique (unique-id workloads).
    Unique,
    /// A Kafka-style log keeps its promises (Kafka-log workloads): one message per offset,
    /// polls in order that skip no acknowledged message, committed offsets never going
    /// backwards.
    Kafka,
}

impl Check {
    /// The property's name.
    pub fn property(self) -> &'static str {
        match self {
            Check::Linearizable => "linearizable",
            Check::Sequential => "sequentially consistent",
            Check::Converges => "convergent",
            Check::ReadYourWrites => "read-your-writes",
            Check::MonotonicReads => "monotonic reads",
            Check::Causal => "causally consistent",
            Check::Unique => "unique",
            Check::Kafka => "kafka-consistent",
        }
    }
}

/// Everything a lab run needs besides the node type.
#[derive(Clone, Debug, PartialEq)]
pub struct Setup {
    /// The run's name (the scenario's, or yours), for results and reports.
    pub name: String,
    /// One paragraph about it.
    pub description: String,
    /// Where it came from (a scenario file), for replay lines.
    pub source: Option<String>,
    /// The seed: same setup, node and seed, same run.
    pub seed: u64,
    /// Simulated seconds.
    pub duration_s: f64,
    /// Operations invoked before this are not counted in latency and availability (they are
    /// still checked).
    pub warmup_s: f64,
    /// Width of a time-series window, in seconds.
    pub window_s: f64,
    /// Replica name prefix (`kv`): replicas are `kv#0`, `kv#1`, ...
    pub store_name: String,
    /// Client group name prefix (`app`): groups are `app#0`, ...; clients `app#0.c1`.
    pub group_name: String,
    /// Number of replicas.
    pub replicas: u32,
    /// Number of client groups.
    pub groups: u32,
    /// Each group's home replica.
    pub home: Vec<ReplicaId>,
    /// Which replica clients talk to.
    pub contact: Contact,
    /// Every link's behaviour.
    pub link: LinkSpec,
    /// The fault schedule, with targets named as above.
    pub faults: Vec<FaultSpec>,
    /// The clients.
    pub workload: Workload,
    /// The check.
    pub check: Check,
    /// How often replicas are sampled for a convergence check, in ms.
    pub sample_ms: f64,
    /// Most operations recorded in the history (more are counted, not recorded).
    pub max_ops: usize,
    /// Most events processed (the run stops with `event_budget` past it).
    pub max_events: u64,
    /// Crashes lose [`crate::Node::Durable`] too, as if the disk was never synced (or the
    /// replica was replaced by an empty one): what survives a crash is then nothing.
    pub amnesia: bool,
}

impl Setup {
    /// Three replicas, two client groups (homes: replica 0 and 2), a 0.25 ms network, no
    /// fault, 60 s: the shape of `scenarios/cap-partition.json` without its partition.
    pub fn new(workload: Workload) -> Setup {
        Setup {
            name: "lab".to_string(),
            description: String::new(),
            source: None,
            seed: 1,
            duration_s: 60.0,
            warmup_s: 0.0,
            window_s: 1.0,
            store_name: "kv".to_string(),
            group_name: "app".to_string(),
            replicas: 3,
            groups: 2,
            home: vec![ReplicaId(0), ReplicaId(2)],
            contact: Contact::Home,
            link: LinkSpec::constant_ms(0.25),
            faults: Vec::new(),
            workload,
            check: Check::Linearizable,
            sample_ms: 100.0,
            max_ops: 200_000,
            max_events: 50_000_000,
            amnesia: false,
        }
    }

    /// The setup of a scenario file, or of a bundled scenario by name (`cap-partition`):
    /// a path that exists is read; otherwise a bundled name is looked up (so the lab works
    /// from any directory); otherwise the file's error, listing the bundled names. The
    /// setup's `source` is what was given, so that a replay line names it the same way.
    pub fn load(path_or_name: &str, workload: Workload) -> Result<Setup, ScenarioError> {
        let path = Path::new(path_or_name);
        if !path.exists() {
            if let Some(b) = models::bundled::find(path_or_name) {
                let scenario = b.load()?;
                let mut setup = Setup::from_loaded(&scenario, &b.label(), b.text, workload)?;
                setup.source = Some(b.name.to_string());
                return Ok(setup);
            }
        }
        let scenario = models::bundled::load_path_or_name(path)?;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut setup = Setup::from_loaded(&scenario, path_or_name, &text, workload)?;
        setup.source = Some(path_or_name.to_string());
        Ok(setup)
    }

    /// The setup of a scenario file (see the module documentation for the mapping).
    pub fn from_scenario(path: &Path, workload: Workload) -> Result<Setup, ScenarioError> {
        let scenario = models::load::load_file(path)?;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        Setup::from_loaded(&scenario, &path.display().to_string(), &text, workload)
    }

    /// The setup of a scenario already loaded from `file` (its text, for positions).
    pub fn from_loaded(
        scenario: &Scenario,
        file: &str,
        text: &str,
        workload: Workload,
    ) -> Result<Setup, ScenarioError> {
        let mut setup = Setup::new(workload);
        setup.name = scenario.name.clone();
        setup.description = scenario.description.clone();
        setup.source = Some(file.to_string());
        setup.seed = scenario.seed;
        setup.duration_s = scenario.duration_s;
        setup.warmup_s = scenario.warmup_s;
        setup.window_s = scenario.window_s;
        setup.link = LinkSpec {
            latency_ms: scenario.network.latency_ms.clone(),
            loss: scenario.network.loss,
            duplicate: scenario.network.duplicate,
            bandwidth_bytes_per_s: None,
        };
        if let Some(design) = scenario
            .designs
            .iter()
            .find(|d| !d.replicated_stores.is_empty())
        {
            if let Some((name, store)) = design.replicated_stores.iter().next() {
                setup.store_name = name.clone();
                setup.replicas = store.replicas;
            }
            setup.group_name = design.entry.clone();
            setup.groups = design
                .services
                .get(&design.entry)
                .map_or(1, |s| s.instances.max(1));
        }
        setup.faults = scenario.faults.clone();
        setup.home = setup.homes();
        if let Err(mut problem) = setup.check_targets() {
            PositionIndex::new(text).fill(&mut problem);
            return Err(ScenarioError {
                file: file.to_string(),
                problems: vec![problem],
            });
        }
        Ok(setup)
    }

    /// Each group's home: the first replica sharing its side of the first partition, else
    /// replica `i mod n`.
    fn homes(&self) -> Vec<ReplicaId> {
        let first_partition = self.faults.iter().find_map(|f| match &f.action {
            FaultAction::Partition { groups } => Some(groups.clone()),
            _ => None,
        });
        (0..self.groups)
            .map(|g| {
                let fallback = ReplicaId(g % self.replicas.max(1));
                let Some(sides) = &first_partition else {
                    return fallback;
                };
                let me = format!("{}#{g}", self.group_name);
                sides
                    .iter()
                    .find(|side| side.contains(&me))
                    .and_then(|side| {
                        side.iter().find_map(|t| match self.resolve(t) {
                            Ok(nodes) => nodes
                                .first()
                                .filter(|n| (**n as u32) < self.replicas)
                                .map(|n| ReplicaId(*n as u32)),
                            Err(_) => None,
                        })
                    })
                    .unwrap_or(fallback)
            })
            .collect()
    }

    /// Node indices of a fault target: replicas are `0..replicas`, then the clients of
    /// group 0, group 1, ...
    pub(crate) fn resolve(&self, target: &str) -> Result<Vec<usize>, LabError> {
        let n = self.replicas as usize;
        let per = self.workload.clients_per_group as usize;
        let group = |g: usize| (n + g * per..n + (g + 1) * per).collect::<Vec<_>>();
        if target == self.store_name {
            return Ok((0..n).collect());
        }
        if target == self.group_name || target == "client" {
            return Ok((0..self.groups as usize).flat_map(group).collect());
        }
        let nodes = || LabNodes {
            store: self.store_name.clone(),
            replicas: self.replicas,
            group: self.group_name.clone(),
            groups: self.groups,
        };
        let no_node = || LabError::NoNode {
            target: target.to_string(),
            nodes: nodes(),
        };
        let Some((name, index)) = target.split_once('#') else {
            return Err(no_node());
        };
        let Ok(i) = index.parse::<usize>() else {
            return Err(LabError::BadInstance {
                target: target.to_string(),
                nodes: nodes(),
            });
        };
        if name == self.store_name && i < n {
            Ok(vec![i])
        } else if name == self.group_name && i < self.groups as usize {
            Ok(group(i))
        } else {
            Err(no_node())
        }
    }

    /// Checks every fault target; the problem carries the JSON path of the first bad one.
    pub(crate) fn check_targets(&self) -> Result<(), Problem> {
        for (i, f) in self.faults.iter().enumerate() {
            if let FaultAction::Drain { .. } = f.action {
                return Err(Problem::new(
                    format!("faults[{i}].action.drain"),
                    "the lab has no load balancer to drain a node from: clients pick their \
                     replica themselves (Setup::contact)",
                ));
            }
            for (path, target) in targets(&f.action) {
                if let Err(e) = self.resolve(target) {
                    return Err(Problem::new(
                        format!("faults[{i}].action.{path}"),
                        e.to_string(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Checks the numbers and the targets; the error names the field.
    pub fn validate(&self) -> Result<(), LabError> {
        self.workload.validate()?;
        if self.replicas == 0 || self.groups == 0 {
            return Err(LabError::NoNodes);
        }
        if self.home.len() != self.groups as usize || self.home.iter().any(|r| r.0 >= self.replicas)
        {
            return Err(LabError::invalid(
                "home",
                format!(
                    "one replica (below {}) per client group ({} groups)",
                    self.replicas, self.groups
                ),
            ));
        }
        if let Contact::Fixed(r) = self.contact {
            if r.0 >= self.replicas {
                return Err(LabError::invalid("contact", format!("no replica {}", r.0)));
            }
        }
        for (name, v) in [
            ("duration_s", self.duration_s),
            ("window_s", self.window_s),
            ("sample_ms", self.sample_ms),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(LabError::invalid(
                    name,
                    format!("must be a positive number, got {v}"),
                ));
            }
        }
        if !(self.warmup_s.is_finite() && self.warmup_s >= 0.0 && self.warmup_s < self.duration_s) {
            return Err(LabError::invalid(
                "warmup_s",
                format!("must be in [0, duration_s), got {}", self.warmup_s),
            ));
        }
        self.link.validate().map_err(LabError::Network)?;
        self.check_targets().map_err(|p| LabError::Invalid {
            path: p.path,
            message: p.message,
        })
    }

    /// The node names: replicas, then clients.
    pub fn node_names(&self) -> Vec<String> {
        let mut names: Vec<String> = (0..self.replicas)
            .map(|r| format!("{}#{r}", self.store_name))
            .collect();
        for g in 0..self.groups {
            for c in 0..self.workload.clients_per_group {
                names.push(format!("{}#{g}.c{c}", self.group_name));
            }
        }
        names
    }

    /// A constant-latency network, for setups built in code.
    pub fn with_latency_ms(mut self, ms: f64) -> Setup {
        self.link.latency_ms = Dist::constant(ms);
        self
    }
}

/// `(JSON path below the action, target)` of every target a fault names.
fn targets(action: &FaultAction) -> Vec<(String, &str)> {
    match action {
        FaultAction::Crash { target } => vec![("crash.target".to_string(), target)],
        FaultAction::Slow { target, .. } => vec![("slow.target".to_string(), target)],
        FaultAction::Pause { target } => vec![("pause.target".to_string(), target)],
        FaultAction::Drain { target } => vec![("drain.target".to_string(), target)],
        FaultAction::ClockSkew { target, .. } => vec![("clock_skew.target".to_string(), target)],
        FaultAction::Partition { groups } => groups
            .iter()
            .enumerate()
            .flat_map(|(g, side)| {
                side.iter()
                    .enumerate()
                    .map(move |(k, t)| (format!("partition.groups[{g}][{k}]"), t.as_str()))
            })
            .collect(),
        FaultAction::OneWayPartition { from, to } => from
            .iter()
            .enumerate()
            .map(|(k, t)| (format!("one_way_partition.from[{k}]"), t.as_str()))
            .chain(
                to.iter()
                    .enumerate()
                    .map(|(k, t)| (format!("one_way_partition.to[{k}]"), t.as_str())),
            )
            .collect(),
        FaultAction::LatencySpike { targets, .. } => targets
            .iter()
            .enumerate()
            .map(|(k, t)| (format!("latency_spike.targets[{k}]"), t.as_str()))
            .collect(),
    }
}
