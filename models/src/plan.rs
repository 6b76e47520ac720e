//! A checked scenario and its designs compiled for the event loop: names resolved to dense
//! ids, durations to nanoseconds, failure causes interned.
//!
//! [`Checked::new`] is the one pass from a parsed file to what the runner takes: it validates
//! the scenario's values and compiles every design, resolving each name once (a name that
//! does not resolve is a problem at its path, reported with validation's); a [`Plan`]
//! exists only inside a [`Checked`], so nothing can run a scenario that was not checked. A
//! run clones its design's plan (adding the drain windows of its faults) and shares it,
//! read-only, with every component.

pub use crate::scenario::node_names;
use crate::scenario::{self, Arrivals, Balancer, Design, Scenario, Step, Wait};
use crate::validate::{at, key, listing, Problem};
use sim_core::dist::Dist;
use sim_core::network::NodeId;
use sim_core::time::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// Index of a service in `Plan::services`.
pub type ServiceIx = u16;
/// Index of an endpoint in `ServicePlan::endpoints`.
pub type EndpointIx = u16;
/// Index of an interned failure cause in `Plan::causes`.
pub type CauseId = u16;

/// The compiled design plus the workload it faces.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Services, in name order.
    pub services: Vec<ServicePlan>,
    /// Databases, in name order, with their node.
    pub databases: Vec<DatabasePlan>,
    /// Key-value stores, in name order.
    pub kv_stores: Vec<KvPlan>,
    /// Brokers, in name order.
    pub brokers: Vec<BrokerPlan>,
    /// Replicated stores, in name order.
    pub stores: Vec<StorePlan>,
    /// Lock services, in name order.
    pub locks: Vec<LockPlan>,
    /// Account stores, in name order.
    pub accounts: Vec<AccountPlan>,
    /// The service that receives client requests.
    pub entry: ServiceIx,
    /// Request classes in file order.
    pub classes: Vec<ClassPlan>,
    /// Arrival processes: the shared one (if any class uses it) first, then one per class
    /// with arrivals of its own.
    pub sources: Vec<SourcePlan>,
    /// Interned failure causes (`"inventory: call timeout"`...).
    pub causes: Vec<String>,
    /// Cause of a client-side timeout.
    pub cause_client_timeout: CauseId,
    /// Cause of a request refused because too many are in flight.
    pub cause_client_overload: CauseId,
    /// The client node.
    pub client: NodeId,
    /// Requests issued before this are not counted in the metrics.
    pub warmup: SimTime,
    /// End of the run; open-loop arrivals stop here.
    pub end: SimTime,
    /// Most requests in flight at once.
    pub max_in_flight: u64,
    /// Instances out of the balancers' rotation (`drain` faults): node, from, until.
    pub drains: Vec<(NodeId, SimTime, SimTime)>,
    /// Services pass trace ids on to their callees.
    pub propagate_trace_ids: bool,
}

impl Plan {
    /// Whether callers may send to `node` at `now` (no drain covers it).
    pub fn in_rotation(&self, node: NodeId, now: SimTime) -> bool {
        !self
            .drains
            .iter()
            .any(|&(n, from, until)| n == node && from <= now && now < until)
    }
}

/// A request class.
#[derive(Clone, Debug)]
pub struct ClassPlan {
    /// The endpoint's name (or the publish destination's), the class label in results.
    pub name: String,
    /// Endpoint of the entry service.
    pub endpoint: EndpointIx,
    /// Set when the client publishes straight to a broker: its node and destination.
    pub publish: Option<(NodeId, Dest)>,
    /// Entry instance every request of the class goes to, if pinned.
    pub instance: Option<usize>,
    /// Cumulative key weights (uniform when empty and `key_count` > 0).
    pub key_cumulative: Vec<f64>,
    /// Number of keys (0: the class touches no key).
    pub key_count: u32,
    /// Client-side timeout.
    pub timeout: SimDuration,
}

/// One arrival process and the classes its requests are drawn from.
#[derive(Clone, Debug)]
pub struct SourcePlan {
    /// Name of its random streams (`shared` or the class's endpoint and index).
    pub name: String,
    /// When requests arrive.
    pub arrivals: ArrivalPlan,
    /// `(class, cumulative weight)`, the weights normalised to end at 1.
    pub classes: Vec<(usize, f64)>,
    /// Closed loop: the id of this source's first user (users are numbered across sources).
    pub first_user: u32,
}

/// The arrival process, in engine units.
#[derive(Clone, Debug)]
pub enum ArrivalPlan {
    /// Poisson with a piecewise-constant rate: `(from, rate per second)`, sorted.
    Open(Vec<(SimTime, f64)>),
    /// Closed loop.
    Closed {
        /// Users.
        users: u32,
        /// Think time, in milliseconds.
        think_ms: Dist,
    },
}

/// One service.
#[derive(Clone, Debug)]
pub struct ServicePlan {
    /// Its name.
    pub name: String,
    /// Nodes of its instances.
    pub instances: Vec<NodeId>,
    /// How callers pick an instance.
    pub balancer: Balancer,
    /// Workers per instance.
    pub workers: u32,
    /// Queue capacity per instance (`None`: unbounded).
    pub queue_capacity: Option<u32>,
    /// Connection pools of each instance.
    pub pools: Vec<PoolPlan>,
    /// Endpoints, in name order.
    pub endpoints: Vec<EndpointPlan>,
    /// Cause of a rejection because the queue is full.
    pub cause_queue_full: CauseId,
    /// What the service consumes, if it is a worker.
    pub consume: Option<ConsumePlan>,
}

/// A worker service's consumer loops.
#[derive(Clone, Debug)]
pub struct ConsumePlan {
    /// Broker index.
    pub broker: usize,
    /// Queue or log (with the group's index in the log's groups).
    pub source: ConsumeSource,
    /// Handler run per message.
    pub endpoint: EndpointIx,
    /// Loops per instance.
    pub concurrency: u32,
    /// Longest blocking fetch.
    pub block_timeout: SimDuration,
    /// Pause after an empty fetch.
    pub sleep: SimDuration,
    /// Records per log poll.
    pub batch: u16,
}

/// What a consumer reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsumeSource {
    /// A queue, by index in its broker.
    Queue(u16),
    /// A log and a consumer group, by index.
    Log {
        /// The log.
        log: u16,
        /// The group.
        group: u16,
    },
}

/// A replicated store.
#[derive(Clone, Debug)]
pub struct StorePlan {
    /// Its name.
    pub name: String,
    /// Replica nodes.
    pub replicas: Vec<NodeId>,
    /// Protocol.
    pub protocol: scenario::Protocol,
    /// Replica work per operation, in milliseconds.
    pub op_ms: Dist,
    /// Coordinator timeout.
    pub timeout: SimDuration,
    /// Anti-entropy period.
    pub anti_entropy: SimDuration,
    /// History cap.
    pub history_cap: usize,
    /// Concurrent versions: siblings (otherwise last writer wins).
    pub siblings: bool,
    /// Time to ship a write to the peers, in milliseconds.
    pub replication_delay_ms: Dist,
    /// Replicas (the coordinating one included) that must have a write before it is
    /// acknowledged (coordinating-replica protocols).
    pub write_acks: u32,
    /// Replicas a read waits for (leaderless; 1 otherwise).
    pub read_quorum: u32,
    /// Leaderless reads repair the stale replicas they heard from.
    pub read_repair: bool,
    /// Primary/backup failover: (detection time, heartbeat period).
    pub failover: Option<(SimDuration, SimDuration)>,
    /// Cause of an operation that got no quorum / answer in time.
    pub cause_timeout: CauseId,
    /// Cause of a write whose coordinating replica gave up waiting for its peers'
    /// acknowledgements (synchronous replication with a peer down or cut off).
    pub cause_unreplicated: CauseId,
}

/// A lock service.
#[derive(Clone, Debug)]
pub struct LockPlan {
    /// Its name.
    pub name: String,
    /// Its node.
    pub node: NodeId,
    /// Lease length.
    pub lease: SimDuration,
    /// Work per request, in milliseconds.
    pub op_ms: Dist,
    /// Cause of a lock wait that ran out.
    pub cause_wait: CauseId,
}

/// An account store.
#[derive(Clone, Debug)]
pub struct AccountPlan {
    /// Its name.
    pub name: String,
    /// Its node.
    pub node: NodeId,
    /// Every account's opening balance.
    pub initial_balance: u32,
    /// Refuse writes with an old fencing token.
    pub fencing: bool,
    /// Work per operation, in milliseconds.
    pub op_ms: Dist,
    /// Longest wait for an answer.
    pub timeout: SimDuration,
    /// Cause of an operation without an answer in time.
    pub cause_timeout: CauseId,
    /// Cause of a payment the balance read does not cover.
    pub cause_insufficient: CauseId,
    /// Cause of a write refused for its old fencing token.
    pub cause_fenced: CauseId,
}

/// A key-value store.
#[derive(Clone, Debug)]
pub struct KvPlan {
    /// Its name.
    pub name: String,
    /// Its node.
    pub node: NodeId,
    /// Time of one operation, in milliseconds.
    pub op_ms: Dist,
    /// Operations waiting at most (`None`: unbounded).
    pub capacity: Option<u32>,
    /// Cause of an operation timeout.
    pub cause_timeout: CauseId,
    /// Cause of a refusal (store full).
    pub cause_full: CauseId,
}

/// A broker.
#[derive(Clone, Debug)]
pub struct BrokerPlan {
    /// Its name.
    pub name: String,
    /// Its node.
    pub node: NodeId,
    /// Messages survive a crash.
    pub durable: bool,
    /// Queues, in name order.
    pub queues: Vec<QueuePlan>,
    /// Topics, in name order: the queues each copies into.
    pub topics: Vec<Vec<u16>>,
    /// Logs, in name order.
    pub logs: Vec<LogPlan>,
    /// Cause of a publish refused by a full queue.
    pub cause_full: CauseId,
    /// Cause of a publish the broker never answered in time.
    pub cause_timeout: CauseId,
}

/// A queue.
#[derive(Clone, Debug)]
pub struct QueuePlan {
    /// Its name.
    pub name: String,
    /// Most messages held.
    pub capacity: Option<u64>,
    /// Block the producer instead of refusing when full.
    pub block_when_full: bool,
    /// Acknowledged delivery (otherwise naive pop).
    pub ack: bool,
    /// Visibility timeout of acknowledged delivery.
    pub visibility: SimDuration,
    /// Deliveries before dead-lettering.
    pub max_deliveries: Option<u32>,
    /// Dead-letter queue.
    pub dead_letter: Option<u16>,
}

/// A partitioned log.
#[derive(Clone, Debug)]
pub struct LogPlan {
    /// Its name.
    pub name: String,
    /// Partitions.
    pub partitions: u32,
    /// Records kept behind the slowest group.
    pub retention: u64,
    /// Consumer session timeout.
    pub session_timeout: SimDuration,
    /// Consumer groups reading it (by name, sorted).
    pub groups: Vec<String>,
    /// Most records retained over every partition; publishes beyond are rejected.
    pub capacity: u64,
}

/// Where a publish step sends its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// A queue.
    Queue(u16),
    /// A topic.
    Topic(u16),
    /// A log.
    Log(u16),
}

impl Dest {
    /// Packs the destination in 16 bits for messages: 2 bits of kind, 14 of index.
    pub fn pack(self) -> u16 {
        match self {
            Dest::Queue(i) => i,
            Dest::Topic(i) => 1 << 14 | i,
            Dest::Log(i) => 2 << 14 | i,
        }
    }
    /// The inverse of `pack`.
    pub fn unpack(v: u16) -> Dest {
        let i = v & 0x3fff;
        match v >> 14 {
            0 => Dest::Queue(i),
            1 => Dest::Topic(i),
            _ => Dest::Log(i),
        }
    }
}

/// A connection pool.
#[derive(Clone, Debug)]
pub struct PoolPlan {
    /// Its name.
    pub name: String,
    /// The database's index.
    pub database: usize,
    /// Connections.
    pub size: u32,
    /// Longest wait for a connection.
    pub acquire_timeout: SimDuration,
    /// Longest wait for a query's answer.
    pub query_timeout: SimDuration,
    /// Cause of an acquire timeout.
    pub cause_acquire: CauseId,
    /// Cause of a query timeout.
    pub cause_query: CauseId,
}

/// An endpoint's handler.
#[derive(Clone, Debug)]
pub struct EndpointPlan {
    /// Its name.
    pub name: String,
    /// Its steps.
    pub steps: Vec<StepPlan>,
}

/// A compiled handler step.
#[derive(Clone, Debug)]
pub enum StepPlan {
    /// Hold the worker for a while.
    Compute(Dist),
    /// In-process call: run another endpoint of the same service on the same worker.
    Local(EndpointIx),
    /// Network calls; `needed` successes end the step.
    Calls {
        /// The calls (one for a plain call step).
        calls: Vec<CallPlan>,
        /// Successes needed.
        needed: u16,
    },
    /// A query through a pool.
    Query {
        /// Pool index.
        pool: u16,
        /// Query time in milliseconds.
        ms: Dist,
    },
    /// Publish a message to a broker and wait for it to be accepted.
    Publish {
        /// Broker index.
        broker: usize,
        /// Destination.
        dest: Dest,
        /// Longest wait for the broker.
        timeout: Option<SimDuration>,
    },
    /// One replicated-store operation on the request's key.
    Store {
        /// Store index.
        store: usize,
        /// The operation.
        op: scenario::StoreOp,
    },
    /// One key-value store operation.
    Kv {
        /// Store index.
        store: usize,
        /// Longest wait.
        timeout: Option<SimDuration>,
    },
    /// Take the lock of the request's key.
    Lock {
        /// Lock service index.
        service: usize,
        /// Longest wait for the grant.
        timeout: SimDuration,
    },
    /// Release the lock held.
    Unlock {
        /// Lock service index.
        service: usize,
    },
    /// Read the balance of the request's key.
    ReadBalance {
        /// Account store index.
        store: usize,
    },
    /// Pay from the balance read.
    Debit {
        /// Account store index.
        store: usize,
        /// The amount.
        amount: u32,
    },
    /// Fail with a probability.
    Fail {
        /// Probability.
        probability: f64,
        /// Cause reported.
        cause: CauseId,
    },
}

/// A compiled network call.
#[derive(Clone, Debug)]
pub struct CallPlan {
    /// The callee service.
    pub service: ServiceIx,
    /// The callee endpoint.
    pub endpoint: EndpointIx,
    /// Per-attempt timeout (`None`: wait forever).
    pub timeout: Option<SimDuration>,
    /// Attempts after the first.
    pub retries: u32,
    /// Backoff base, cap and jitter.
    pub backoff_base: SimDuration,
    /// Backoff cap.
    pub backoff_max: SimDuration,
    /// Full jitter.
    pub jitter: bool,
    /// `(consecutive failures, open time)`.
    pub breaker: Option<(u32, SimDuration)>,
    /// Cause of an attempt timeout.
    pub cause_timeout: CauseId,
    /// Cause of a rejection by the open breaker.
    pub cause_breaker: CauseId,
    /// What the caller does when the call fails for good.
    pub on_error: scenario::OnError,
}

/// A database.
#[derive(Clone, Debug)]
pub struct DatabasePlan {
    /// Its name.
    pub name: String,
    /// Its node.
    pub node: NodeId,
    /// Queries at once (`None`: unlimited).
    pub max_concurrency: Option<u32>,
}

struct Interner(BTreeMap<String, CauseId>, Vec<String>);

impl Interner {
    fn id(&mut self, s: String) -> CauseId {
        if let Some(&id) = self.0.get(&s) {
            return id;
        }
        let id = self.1.len() as CauseId;
        self.0.insert(s.clone(), id);
        self.1.push(s);
        id
    }
}

fn ms(x: f64) -> SimDuration {
    SimDuration::from_millis_f64(x)
}

fn secs(x: f64) -> SimTime {
    SimTime(SimDuration::from_secs_f64(x).as_nanos())
}

/// A scenario that passed validation, with every design compiled: the only input of a run.
/// Read the scenario through `Deref`; change it with [`Checked::edited`] (which checks the
/// result again) or take it back with [`Checked::into_scenario`].
#[derive(Clone, Debug)]
pub struct Checked {
    scenario: Scenario,
    /// One per design, in the order of `scenario.designs`.
    plans: Vec<Plan>,
}

/// Why a scenario was refused: every problem found, with its JSON path (positions are
/// added by [`crate::load`], which has the text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// What is wrong; never empty.
    pub problems: Vec<Problem>,
}

impl std::fmt::Display for Refused {
    /// `path: message`, one problem per line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            if p.path.is_empty() {
                write!(f, "{}", p.message)?;
            } else {
                write!(f, "{}: {}", p.path, p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Refused {}

impl From<Refused> for String {
    fn from(r: Refused) -> String {
        r.to_string()
    }
}

impl Checked {
    /// Validates `scenario` and compiles its designs: every problem at once, or the
    /// checked scenario.
    pub fn new(scenario: Scenario) -> Result<Checked, Refused> {
        let validated = crate::validate::validate(&scenario);
        debug_assert!(
            validated.compilable || !validated.problems.is_empty(),
            "a scenario too large to compile has its sizes reported"
        );
        let mut problems = validated.problems;
        let mut plans = Vec::with_capacity(scenario.designs.len());
        if validated.compilable {
            // Compiled even when validation found problems: a name that does not resolve is
            // found here, and reported with them.
            for (i, design) in scenario.designs.iter().enumerate() {
                match compile(&scenario, i, design) {
                    Ok(plan) => plans.push(plan),
                    Err(unresolved) => problems.extend(unresolved),
                }
            }
        }
        // A class's publish is resolved in every design: a problem that does not depend on
        // the design (two destinations, say) is said once, not once per design.
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        problems.retain(|p| seen.insert((p.path.clone(), p.message.clone())));
        if problems.is_empty() {
            Ok(Checked { scenario, plans })
        } else {
            Err(Refused { problems })
        }
    }

    /// This scenario changed by `edit`, checked again.
    pub fn edited(&self, edit: impl FnOnce(&mut Scenario)) -> Result<Checked, Refused> {
        let mut scenario = self.scenario.clone();
        edit(&mut scenario);
        Checked::new(scenario)
    }

    /// This scenario without its `chaos` section, facing its own faults and then `extra`
    /// (a chaos schedule, a shrunk one), checked: only the faults can be wrong (designs,
    /// and so plans, are unchanged), so only they are validated again.
    pub fn with_faults(&self, extra: &[scenario::FaultSpec]) -> Result<Checked, Refused> {
        let scenario = scenario::chaos::with_faults(&self.scenario, extra);
        let problems = crate::validate::fault_problems(&scenario);
        if problems.is_empty() {
            Ok(Checked {
                scenario,
                plans: self.plans.clone(),
            })
        } else {
            Err(Refused { problems })
        }
    }

    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The scenario, to change (and check again with [`Checked::new`]).
    pub fn into_scenario(self) -> Scenario {
        self.scenario
    }

    /// The design named `name` and its plan.
    pub fn design(&self, name: &str) -> Option<(&Design, &Plan)> {
        let i = self.scenario.designs.iter().position(|d| d.name == name)?;
        Some((&self.scenario.designs[i], &self.plans[i]))
    }
}

impl std::ops::Deref for Checked {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.scenario
    }
}

/// Resolves the names a design uses while it is compiled: a name that does not resolve is a
/// problem at its path (the compiled plan is then thrown away, so the index returned in its
/// place, 0, is never used).
struct Names<'a> {
    design: &'a Design,
    problems: Vec<Problem>,
}

impl Names<'_> {
    /// The position of `name` among `keys`, or a problem at `path` saying `why`.
    fn find<'k>(
        &mut self,
        mut keys: impl Iterator<Item = &'k String>,
        name: &str,
        path: String,
        why: impl FnOnce() -> String,
    ) -> usize {
        match keys.position(|k| k == name) {
            Some(i) => i,
            None => {
                self.problems.push(Problem::new(path, why()));
                0
            }
        }
    }

    /// `name`, a component of this design (`what`, as messages say it: "key-value store")
    /// among `keys`, referred to at `path`.
    fn component<'k>(
        &mut self,
        keys: impl Iterator<Item = &'k String> + Clone,
        name: &str,
        path: String,
        what: &str,
        plural: &str,
    ) -> usize {
        let design = self.design;
        let listed = keys.clone();
        self.find(keys, name, path, || {
            format!(
                "`{name}` is not {} {what} of design `{}` ({plural}: {})",
                if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                },
                design.name,
                listing(listed)
            )
        })
    }

    /// Endpoint `ep` of service `svc` (which exists), referred to at `path`; `why` is the
    /// message when it has none.
    fn endpoint(
        &mut self,
        svc: &scenario::Service,
        ep: &str,
        path: String,
        why: impl FnOnce(String) -> String,
    ) -> EndpointIx {
        let handlers = svc.handlers.keys();
        self.find(svc.handlers.keys(), ep, path, || why(listing(handlers))) as EndpointIx
    }
}

/// Compiles design `index` of `scenario`, resolving every name it uses; the names that do
/// not resolve are problems with the paths and messages of [`crate::validate`]'s. Assumes
/// only that the counts that size the plan are within limits (`Validated::compilable`):
/// other values may be wrong, and are reported by validation.
fn compile(scenario: &Scenario, index: usize, design: &Design) -> Result<Plan, Vec<Problem>> {
    let design_path = at("designs", index);
    let mut names = Names {
        design,
        problems: Vec::new(),
    };
    let mut causes = Interner(BTreeMap::new(), Vec::new());
    let cause_client_timeout = causes.id("client: timeout".to_string());
    let cause_client_overload = causes.id("client: too many in flight".to_string());
    let service_ix: BTreeMap<&str, ServiceIx> = design
        .services
        .keys()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i as ServiceIx))
        .collect();

    let mut next_node = 1u32;
    let mut services = Vec::new();
    for (name, svc) in &design.services {
        let svc_path = key(&key(&design_path, "services"), name);
        let instances = (0..svc.instances).map(|i| NodeId(next_node + i)).collect();
        next_node += svc.instances;
        let mut pools = Vec::new();
        for (pool_name, p) in &svc.pools {
            let path = key(&key(&key(&svc_path, "pools"), pool_name), "database");
            pools.push(PoolPlan {
                name: pool_name.clone(),
                database: names.component(
                    design.databases.keys(),
                    &p.database,
                    path,
                    "database",
                    "databases",
                ),
                size: p.size,
                acquire_timeout: ms(p.acquire_timeout_ms),
                query_timeout: ms(p.query_timeout_ms),
                cause_acquire: causes.id(format!("{name}.{pool_name}: pool timeout")),
                cause_query: causes.id(format!("{name}.{pool_name}: query timeout")),
            });
        }
        let mut endpoints = Vec::new();
        for (ep_name, steps) in &svc.handlers {
            let handler_path = key(&key(&svc_path, "handlers"), ep_name);
            let mut plan_steps = Vec::new();
            for (k, step) in steps.iter().enumerate() {
                let path = at(&handler_path, k);
                plan_steps.push(match step {
                    Step::Compute { ms } => StepPlan::Compute(ms.prepared()),
                    Step::Call(c) if c.service.is_none() => {
                        StepPlan::Local(in_process(&mut names, name, svc, c, &key(&path, "call")))
                    }
                    Step::Call(c) => StepPlan::Calls {
                        calls: vec![compile_call(
                            &mut names,
                            name,
                            c,
                            &key(&path, "call"),
                            &service_ix,
                            &mut causes,
                        )],
                        needed: 1,
                    },
                    Step::Parallel { calls, wait } => {
                        let calls_path = key(&path, "parallel.calls");
                        let mut compiled = Vec::new();
                        for (c, call) in calls.iter().enumerate() {
                            let call_path = at(&calls_path, c);
                            if call.service.is_none() {
                                names.problems.push(Problem::new(
                                    key(&call_path, "service"),
                                    "the calls of a parallel step go over the network: name \
                                     their `service` (an in-process call runs on the \
                                     caller's worker, one at a time)",
                                ));
                                continue;
                            }
                            compiled.push(compile_call(
                                &mut names,
                                name,
                                call,
                                &call_path,
                                &service_ix,
                                &mut causes,
                            ));
                        }
                        let needed = match wait {
                            Wait::All => compiled.len() as u16,
                            Wait::First => 1,
                            Wait::Quorum(k) => (*k).min(compiled.len() as u32) as u16,
                        };
                        StepPlan::Calls {
                            calls: compiled,
                            needed,
                        }
                    }
                    Step::Query { pool, ms } => {
                        let listed = svc.pools.keys();
                        let pool_ix =
                            names.find(svc.pools.keys(), pool, key(&path, "query.pool"), || {
                                format!(
                                    "`{pool}` is not a pool of service `{name}` in design `{}` \
                                     (pools: {})",
                                    design.name,
                                    listing(listed)
                                )
                            });
                        StepPlan::Query {
                            pool: pool_ix as u16,
                            ms: ms.prepared(),
                        }
                    }
                    Step::Publish(p) => {
                        let (b, dest) = resolve_dest(&mut names, p, &key(&path, "publish"));
                        StepPlan::Publish {
                            broker: b,
                            dest,
                            timeout: p.timeout_ms.map(ms),
                        }
                    }
                    Step::Store { store, op } => StepPlan::Store {
                        store: names.component(
                            design.replicated_stores.keys(),
                            store,
                            key(&path, "store.store"),
                            "replicated store",
                            "stores",
                        ),
                        op: *op,
                    },
                    Step::Kv { store, timeout_ms } => StepPlan::Kv {
                        store: names.component(
                            design.kv_stores.keys(),
                            store,
                            key(&path, "kv.store"),
                            "key-value store",
                            "stores",
                        ),
                        timeout: timeout_ms.map(ms),
                    },
                    Step::Lock {
                        service,
                        timeout_ms,
                    } => StepPlan::Lock {
                        service: names.component(
                            design.lock_services.keys(),
                            service,
                            key(&path, "lock.service"),
                            "lock service",
                            "lock services",
                        ),
                        timeout: ms(*timeout_ms),
                    },
                    Step::Unlock { service } => StepPlan::Unlock {
                        service: names.component(
                            design.lock_services.keys(),
                            service,
                            key(&path, "unlock.service"),
                            "lock service",
                            "lock services",
                        ),
                    },
                    Step::ReadBalance { store } => StepPlan::ReadBalance {
                        store: names.component(
                            design.account_stores.keys(),
                            store,
                            key(&path, "read_balance.store"),
                            "account store",
                            "account stores",
                        ),
                    },
                    Step::Debit { store, amount } => StepPlan::Debit {
                        store: names.component(
                            design.account_stores.keys(),
                            store,
                            key(&path, "debit.store"),
                            "account store",
                            "account stores",
                        ),
                        amount: *amount,
                    },
                    Step::Fail { probability, cause } => StepPlan::Fail {
                        probability: *probability,
                        cause: causes.id(format!("{name}.{ep_name}: {cause}")),
                    },
                });
            }
            endpoints.push(EndpointPlan {
                name: ep_name.clone(),
                steps: plan_steps,
            });
        }
        services.push(ServicePlan {
            name: name.clone(),
            instances,
            balancer: svc.balancer,
            workers: svc.workers,
            queue_capacity: svc.queue_capacity,
            pools,
            endpoints,
            cause_queue_full: causes.id(format!("{name}: queue full")),
            consume: svc
                .consume
                .as_ref()
                .map(|c| compile_consume(&mut names, name, svc, c, &key(&svc_path, "consume"))),
        });
    }
    let databases = design
        .databases
        .iter()
        .enumerate()
        .map(|(i, (name, db))| DatabasePlan {
            name: name.clone(),
            node: NodeId(next_node + i as u32),
            max_concurrency: db.max_concurrency,
        })
        .collect();
    let first_kv = next_node + design.databases.len() as u32;
    let kv_stores = design
        .kv_stores
        .iter()
        .enumerate()
        .map(|(i, (name, kv))| KvPlan {
            name: name.clone(),
            node: NodeId(first_kv + i as u32),
            op_ms: kv.op_ms.prepared(),
            capacity: kv.capacity,
            cause_timeout: causes.id(format!("{name}: kv timeout")),
            cause_full: causes.id(format!("{name}: kv full")),
        })
        .collect();
    let first_broker = first_kv + design.kv_stores.len() as u32;
    let mut brokers = Vec::new();
    for (i, (name, b)) in design.brokers.iter().enumerate() {
        let broker_path = key(&key(&design_path, "brokers"), name);
        let mut queues = Vec::new();
        for (qname, q) in &b.queues {
            let dead_letter = q.dead_letter.as_deref().map(|dlq| {
                let path = key(&key(&key(&broker_path, "queues"), qname), "dead_letter");
                let why = || {
                    format!(
                        "`{dlq}` must be another queue of broker `{name}` (queues: {})",
                        listing(b.queues.keys())
                    )
                };
                if dlq == qname {
                    names.problems.push(Problem::new(path, why()));
                    return 0;
                }
                names.find(b.queues.keys(), dlq, path, why) as u16
            });
            queues.push(QueuePlan {
                name: qname.clone(),
                capacity: Some(q.capacity.unwrap_or(scenario::DEFAULT_BROKER_CAPACITY)),
                block_when_full: q.when_full == scenario::WhenFull::Block,
                ack: q.delivery == scenario::Delivery::Ack,
                visibility: ms(q.visibility_timeout_ms),
                max_deliveries: q.max_deliveries,
                dead_letter,
            });
        }
        let mut topics = Vec::new();
        for (tname, t) in &b.topics {
            let subscribers_path = key(&key(&key(&broker_path, "topics"), tname), "subscribers");
            topics.push(
                t.subscribers
                    .iter()
                    .enumerate()
                    .map(|(k, q)| {
                        names.find(b.queues.keys(), q, at(&subscribers_path, k), || {
                            format!("`{q}` is not a queue of broker `{name}`")
                        }) as u16
                    })
                    .collect(),
            );
        }
        let logs = b
            .logs
            .iter()
            .map(|(lname, l)| LogPlan {
                name: lname.clone(),
                partitions: l.partitions,
                retention: l.retention_records,
                session_timeout: ms(l.session_timeout_ms),
                groups: consumer_groups(design, name, lname),
                capacity: l.capacity.unwrap_or(scenario::DEFAULT_BROKER_CAPACITY),
            })
            .collect();
        brokers.push(BrokerPlan {
            name: name.clone(),
            node: NodeId(first_broker + i as u32),
            durable: b.durable,
            queues,
            topics,
            logs,
            cause_full: causes.id(format!("{name}: queue full")),
            cause_timeout: causes.id(format!("{name}: publish timeout")),
        });
    }
    let mut next_replica = first_broker + design.brokers.len() as u32;
    let mut stores = Vec::new();
    for (name, r) in &design.replicated_stores {
        let n = r.replicas;
        let (write_acks, read_quorum, read_repair) = match r.protocol {
            scenario::Protocol::PrimaryBackupSync => match r.sync_acks {
                scenario::SyncAcks::All => (n, 1, false),
                scenario::SyncAcks::Majority => (n / 2 + 1, 1, false),
            },
            scenario::Protocol::Leaderless {
                r: reads,
                w,
                read_repair,
            } => (w, reads, read_repair),
            scenario::Protocol::Cp => (n / 2 + 1, n / 2 + 1, false),
            scenario::Protocol::PrimaryBackupAsync | scenario::Protocol::Ap => (1, 1, false),
        };
        stores.push(StorePlan {
            name: name.clone(),
            replicas: (0..r.replicas).map(|i| NodeId(next_replica + i)).collect(),
            protocol: r.protocol,
            op_ms: r.op_ms.prepared(),
            timeout: ms(r.timeout_ms),
            anti_entropy: ms(r.anti_entropy_ms),
            history_cap: r.history_cap,
            siblings: r.conflicts == scenario::Conflicts::Siblings,
            replication_delay_ms: r.replication_delay_ms.prepared(),
            write_acks,
            read_quorum,
            read_repair,
            failover: r
                .failover
                .as_ref()
                .filter(|_| r.protocol.has_primary())
                .map(|f| (ms(f.detection_ms), ms(f.heartbeat_ms))),
            cause_timeout: causes.id(format!("{name}: no answer in time")),
            cause_unreplicated: causes.id(format!("{name}: replicas did not acknowledge in time")),
        });
        next_replica += r.replicas;
    }
    let mut next_node = next_replica;
    let mut locks = Vec::new();
    for (name, l) in &design.lock_services {
        locks.push(LockPlan {
            name: name.clone(),
            node: NodeId(next_node),
            lease: ms(l.lease_ms),
            op_ms: l.op_ms.prepared(),
            cause_wait: causes.id(format!("{name}: lock wait timeout")),
        });
        next_node += 1;
    }
    let mut accounts = Vec::new();
    for (name, a) in &design.account_stores {
        accounts.push(AccountPlan {
            name: name.clone(),
            node: NodeId(next_node),
            initial_balance: a.initial_balance,
            fencing: a.fencing,
            op_ms: a.op_ms.prepared(),
            timeout: ms(a.timeout_ms),
            cause_timeout: causes.id(format!("{name}: no answer in time")),
            cause_insufficient: causes.id(format!("{name}: insufficient funds")),
            cause_fenced: causes.id(format!("{name}: stale fencing token")),
        });
        next_node += 1;
    }
    let entry_service = design.services.get(&design.entry);
    let entry = match service_ix.get(design.entry.as_str()) {
        Some(&ix) => ix,
        None => {
            names.problems.push(Problem::new(
                key(&design_path, "entry"),
                format!(
                    "`{}` is not a service of design `{}` (services: {})",
                    design.entry,
                    design.name,
                    listing(design.services.keys())
                ),
            ));
            0
        }
    };
    let mut classes = Vec::new();
    for (j, c) in scenario.workload.classes.iter().enumerate() {
        let class_path = at("workload.classes", j);
        classes.push(match &c.publish {
            Some(p) => {
                let (b, dest) = resolve_dest(&mut names, p, &key(&class_path, "publish"));
                let dest_name = p.queue.as_ref().or(p.topic.as_ref()).or(p.log.as_ref());
                ClassPlan {
                    name: c
                        .name
                        .clone()
                        .or_else(|| dest_name.cloned())
                        .unwrap_or_default(),
                    endpoint: 0,
                    publish: Some((NodeId(first_broker + b as u32), dest)),
                    instance: None,
                    key_cumulative: Vec::new(),
                    key_count: 0,
                    timeout: ms(c.timeout_ms),
                }
            }
            None => ClassPlan {
                name: c.name.clone().unwrap_or_else(|| c.endpoint.clone()),
                // Without its entry service (reported above) a class has no endpoint to miss.
                endpoint: entry_service.map_or(0, |svc| {
                    names.endpoint(svc, &c.endpoint, key(&class_path, "endpoint"), |listed| {
                        format!(
                            "`{}` is not an endpoint of design `{}`'s entry service `{}` \
                             (endpoints: {listed})",
                            c.endpoint, design.name, design.entry
                        )
                    })
                }),
                publish: None,
                instance: c.instance.map(|i| i as usize),
                key_cumulative: key_weights(c.keys.as_ref()),
                key_count: c.keys.as_ref().map_or(0, |k| k.count),
                timeout: ms(c.timeout_ms),
            },
        });
    }
    let arrival_plan = |a: &Arrivals| match a {
        Arrivals::Poisson { rate_per_s } => ArrivalPlan::Open(vec![(SimTime::ZERO, *rate_per_s)]),
        Arrivals::Piecewise { segments } => ArrivalPlan::Open(
            segments
                .iter()
                .map(|s| (secs(s.from_s), s.rate_per_s))
                .collect(),
        ),
        Arrivals::Closed { users, think_ms } => ArrivalPlan::Closed {
            users: *users,
            think_ms: think_ms.prepared(),
        },
    };
    let mut sources = Vec::new();
    let shared: Vec<usize> = (0..classes.len())
        .filter(|&i| scenario.workload.classes[i].arrivals.is_none())
        .collect();
    if !shared.is_empty() {
        let total: f64 = shared
            .iter()
            .map(|&i| scenario.workload.classes[i].weight)
            .sum();
        let mut acc = 0.0;
        let mut mix: Vec<(usize, f64)> = shared
            .iter()
            .map(|&i| {
                acc += scenario.workload.classes[i].weight / total;
                (i, acc)
            })
            .collect();
        if let Some(last) = mix.last_mut() {
            last.1 = 1.0;
        }
        sources.push(SourcePlan {
            name: "shared".to_string(),
            arrivals: arrival_plan(&scenario.workload.arrivals),
            classes: mix,
            first_user: 0,
        });
    }
    for (i, c) in scenario.workload.classes.iter().enumerate() {
        if let Some(a) = &c.arrivals {
            sources.push(SourcePlan {
                name: format!("class/{i}/{}", c.endpoint),
                arrivals: arrival_plan(a),
                classes: vec![(i, 1.0)],
                first_user: 0,
            });
        }
    }
    let mut users = 0u32;
    for s in &mut sources {
        s.first_user = users;
        if let ArrivalPlan::Closed { users: n, .. } = s.arrivals {
            users = users.saturating_add(n);
        }
    }
    // Ids are 16 bits: a design too large for them is an error, never a wrapped id.
    if causes.1.len() > usize::from(u16::MAX) {
        names.problems.push(Problem::new(
            design_path.clone(),
            format!(
                "the design has {} distinct failure causes, more than {} (fewer calls, pools \
                 or fail steps)",
                causes.1.len(),
                u16::MAX
            ),
        ));
    }
    if let Some(s) = services
        .iter()
        .find(|s| s.endpoints.len() > usize::from(u16::MAX))
    {
        names.problems.push(Problem::new(
            design_path.clone(),
            format!(
                "service {} has {} endpoints, more than {}",
                s.name,
                s.endpoints.len(),
                u16::MAX
            ),
        ));
    }
    if !names.problems.is_empty() {
        return Err(names.problems);
    }
    Ok(Plan {
        services,
        databases,
        kv_stores,
        brokers,
        stores,
        locks,
        accounts,
        entry,
        classes,
        sources,
        causes: causes.1,
        cause_client_timeout,
        cause_client_overload,
        client: NodeId(0),
        warmup: secs(scenario.warmup_s),
        end: secs(scenario.duration_s),
        max_in_flight: scenario.limits.max_in_flight,
        drains: Vec::new(),
        propagate_trace_ids: design.propagate_trace_ids,
    })
}

/// The in-process call `c` of service `svc` (named `name`), at `path`: its endpoint.
fn in_process(
    names: &mut Names,
    name: &str,
    svc: &scenario::Service,
    c: &scenario::CallSpec,
    path: &str,
) -> EndpointIx {
    names.endpoint(svc, &c.endpoint, key(path, "endpoint"), |listed| {
        format!(
            "`{}` is not an endpoint of this service `{name}` (a call without `service` stays \
             in-process; endpoints: {listed})",
            c.endpoint
        )
    })
}

/// Cumulative Zipf weights over the keys (empty for uniform or no keys).
fn key_weights(keys: Option<&scenario::KeySpec>) -> Vec<f64> {
    let Some(k) = keys else {
        return Vec::new();
    };
    let Some(s) = k.zipf else {
        return Vec::new();
    };
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = (1..=k.count)
        .map(|rank| {
            acc += 1.0 / libm::pow(f64::from(rank), s);
            acc
        })
        .collect();
    if let Some(&total) = cumulative.last() {
        cumulative.iter_mut().for_each(|c| *c /= total);
    }
    cumulative
}

/// The consumer groups of log `log` of broker `broker`: the group name of every service
/// that consumes it (its own name by default), sorted, without duplicates.
fn consumer_groups(design: &Design, broker: &str, log: &str) -> Vec<String> {
    let mut groups: Vec<String> = design
        .services
        .iter()
        .filter_map(|(sname, s)| {
            let c = s.consume.as_ref()?;
            (c.broker == broker && c.log.as_deref() == Some(log))
                .then(|| c.group.clone().unwrap_or_else(|| sname.clone()))
        })
        .collect();
    groups.sort();
    groups.dedup();
    groups
}

/// The broker a publish or a consumer at `path` names, or `None` (reported).
fn broker_of<'a>(
    names: &mut Names<'a>,
    broker: &str,
    path: &str,
) -> Option<(usize, &'a scenario::Broker)> {
    let design = names.design;
    let found = design.brokers.get_key_value(broker).map(|(name, b)| {
        let i = design.brokers.keys().position(|k| k == name).unwrap_or(0);
        (i, b)
    });
    if found.is_none() {
        names.problems.push(Problem::new(
            key(path, "broker"),
            format!(
                "`{broker}` is not a broker of design `{}` (brokers: {})",
                design.name,
                listing(design.brokers.keys())
            ),
        ));
    }
    found
}

/// The broker and destination of the publish `p` at `path`.
fn resolve_dest(names: &mut Names, p: &scenario::PublishSpec, path: &str) -> (usize, Dest) {
    let Some((b, broker)) = broker_of(names, &p.broker, path) else {
        return (0, Dest::Queue(0));
    };
    let mut find = |what: &str, keys: Vec<&String>, n: &str| {
        names.find(keys.into_iter(), n, key(path, what), || {
            format!("`{n}` is not a {what} of broker `{}`", p.broker)
        }) as u16
    };
    let dest = match (&p.queue, &p.topic, &p.log) {
        (Some(q), None, None) => Dest::Queue(find("queue", broker.queues.keys().collect(), q)),
        (None, Some(t), None) => Dest::Topic(find("topic", broker.topics.keys().collect(), t)),
        (None, None, Some(l)) => Dest::Log(find("log", broker.logs.keys().collect(), l)),
        _ => {
            names
                .problems
                .push(Problem::new(path, "set exactly one of queue, topic, log"));
            Dest::Queue(0)
        }
    };
    (b, dest)
}

/// The consumer `c` of service `svc` (named `service`), at `path`.
fn compile_consume(
    names: &mut Names,
    service: &str,
    svc: &scenario::Service,
    c: &scenario::Consume,
    path: &str,
) -> ConsumePlan {
    let endpoint = names.endpoint(svc, &c.endpoint, key(path, "endpoint"), |listed| {
        format!(
            "`{}` is not an endpoint of service `{service}` (endpoints: {listed})",
            c.endpoint
        )
    });
    let (b, source) = match broker_of(names, &c.broker, path) {
        None => (0, ConsumeSource::Queue(0)),
        Some((b, broker)) => {
            let source = match (&c.queue, &c.log) {
                (Some(q), None) => {
                    let queue = names.find(broker.queues.keys(), q, key(path, "queue"), || {
                        format!("`{q}` is not a queue of broker `{}`", c.broker)
                    });
                    ConsumeSource::Queue(queue as u16)
                }
                (None, Some(l)) => {
                    let log = names.find(broker.logs.keys(), l, key(path, "log"), || {
                        format!("`{l}` is not a log of broker `{}`", c.broker)
                    });
                    let group_name = c.group.clone().unwrap_or_else(|| service.to_string());
                    let groups = consumer_groups(names.design, &c.broker, l);
                    let group = groups.iter().position(|g| *g == group_name).unwrap_or(0);
                    ConsumeSource::Log {
                        log: log as u16,
                        group: group as u16,
                    }
                }
                _ => {
                    names
                        .problems
                        .push(Problem::new(path, "set exactly one of queue, log"));
                    ConsumeSource::Queue(0)
                }
            };
            (b, source)
        }
    };
    ConsumePlan {
        broker: b,
        source,
        endpoint,
        concurrency: c.concurrency,
        block_timeout: ms(c.block_timeout_ms),
        sleep: ms(c.sleep_ms),
        batch: c.batch.clamp(1, u32::from(u16::MAX)) as u16,
    }
}

/// The network call `c` made by service `caller`, at `path`.
fn compile_call(
    names: &mut Names,
    caller: &str,
    c: &scenario::CallSpec,
    path: &str,
    service_ix: &BTreeMap<&str, ServiceIx>,
    causes: &mut Interner,
) -> CallPlan {
    let callee = c.service.as_deref().unwrap_or(caller);
    let design = names.design;
    let (service, endpoint) = match (service_ix.get(callee), design.services.get(callee)) {
        (Some(&ix), Some(svc)) => {
            let endpoint = names.endpoint(svc, &c.endpoint, key(path, "endpoint"), |listed| {
                format!(
                    "`{}` is not an endpoint of service `{callee}` (endpoints: {listed})",
                    c.endpoint
                )
            });
            (ix, endpoint)
        }
        _ => {
            names.problems.push(Problem::new(
                key(path, "service"),
                format!(
                    "`{callee}` is not a service of design `{}` (services: {})",
                    design.name,
                    listing(design.services.keys())
                ),
            ));
            (0, 0)
        }
    };
    CallPlan {
        service,
        endpoint,
        timeout: c.timeout_ms.map(ms),
        retries: c.retries,
        backoff_base: ms(c.backoff.base_ms),
        backoff_max: ms(c.backoff.max_ms),
        jitter: c.backoff.jitter,
        breaker: c
            .circuit_breaker
            .as_ref()
            .map(|b| (b.failure_threshold, ms(b.open_ms))),
        cause_timeout: causes.id(format!("{caller}→{callee}: call timeout")),
        cause_breaker: causes.id(format!("{caller}→{callee}: breaker open")),
        on_error: c.on_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled(name: &str) -> Checked {
        crate::bundled::find(name)
            .expect("bundled")
            .load()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_design_of_a_checked_scenario_has_its_plan() {
        for b in crate::bundled::ALL {
            let s = b.load().unwrap_or_else(|e| panic!("{e}"));
            for d in &s.designs {
                let (design, plan) = s.design(&d.name).expect("a plan per design");
                assert!(std::ptr::eq(design, d));
                assert_eq!(plan.services.len(), d.services.len(), "{}", b.name);
            }
            assert!(s.design("no such design").is_none());
        }
    }

    #[test]
    fn an_edit_is_checked_again_and_every_problem_is_returned() {
        let s = bundled("cap-partition");
        let refused = s
            .edited(|s| {
                s.duration_s = -1.0;
                s.designs[0].entry = "nowhere".to_string();
            })
            .expect_err("two problems");
        let paths: Vec<&str> = refused.problems.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"duration_s"), "{paths:?}");
        assert!(paths.contains(&"designs[0].entry"), "{paths:?}");
        assert!(refused.to_string().lines().count() >= 2, "{refused}");
        // A valid edit gives a checked scenario with the change.
        let shorter = s.edited(|s| s.duration_s = 12.0).expect("valid");
        assert_eq!(shorter.duration_s, 12.0);
        assert_eq!(shorter.into_scenario().designs.len(), s.designs.len());
    }
}
