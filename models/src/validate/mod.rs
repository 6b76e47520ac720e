//! Semantic validation of a parsed [`Scenario`]: everything serde cannot check (ranges,
//! shapes, limits, duplicate and reserved names, call cycles, the sections that name nodes),
//! every problem reported at once with its JSON path. Whether a component, endpoint, pool,
//! queue... that a design names exists is decided where the name is resolved, by compiling
//! the design (`crate::plan`), which reports it with the same kind of path:
//! [`crate::plan::Checked::new`] runs both and returns every problem of both.
//!
//! Choices worth knowing:
//! - `queue_capacity: 0` is allowed and means no waiting line: a request that finds every
//!   worker busy is rejected at once.
//! - A handler with no steps is allowed: an endpoint that answers at once.
//! - Calls without `service` run in-process (same worker), so they cannot time out, retry or
//!   trip a breaker; setting those on them is reported rather than silently ignored.
//! - In-process call cycles are reported (the handler would recurse for ever on one worker);
//!   network call cycles are not: they are legal, if unwise, and end in timeouts.
//! - Names used as fault targets must be unambiguous: a service and a database of a design may
//!   not share a name, and no node may be called `client` or contain `#`.

pub mod assertions;
pub mod chaos;
pub mod cost;
pub mod reliability;
pub mod sweep;

use crate::scenario;
pub use crate::scenario::limits;
pub use crate::scenario::node_count;
use crate::scenario::{
    Arrivals, CallSpec, Design, FaultAction, Scenario, Service, Step, Wait, FORMAT_VERSION,
};
use sim_core::dist::Dist;
use std::collections::{BTreeMap, BTreeSet};

/// What [`validate`] found.
#[derive(Debug)]
pub struct Validated {
    /// Every problem found, in no particular order, with paths but no positions.
    pub problems: Vec<Problem>,
    /// Whether the counts that size a compiled design (nodes, instances, consumer loops,
    /// users, Zipf keys) are within [`limits`]: only then may [`crate::plan::Checked::new`]
    /// compile the designs, even with other problems, to report their names too.
    pub compilable: bool,
}

/// Every problem of `s` that needs no name looked up: shapes, ranges, limits, duplicate
/// and reserved names, cycles, and the sections that name nodes (faults, chaos,
/// reliability, cost, assertions). Whether each component, endpoint, pool, queue... that a
/// design names exists is decided once, where it is resolved: by compiling the design
/// ([`crate::plan::Checked::new`] reports both, with the same paths). A sweep's points are
/// checked here too: a sweep sets numbers, which cannot break a name.
pub fn validate(s: &Scenario) -> Validated {
    let mut c = Checker::default();
    c.top_level(s);
    c.workload(s);
    let sized = c.sizes(s);
    c.designs(s);
    c.faults(s);
    if sized {
        // These walk every node of every design (cost and chaos targets, failure models)
        // or apply the sweep's points: only once the counts are known to be within limits.
        c.problems.extend(cost::problems(s));
        c.problems.extend(sweep::problems(s));
        c.problems.extend(chaos::problems(s));
        c.problems.extend(reliability::problems(s));
    }
    c.problems.extend(assertions::problems(s));
    let keys_in_limits = s.workload.classes.iter().all(|c| {
        c.keys
            .as_ref()
            .is_none_or(|k| k.zipf.is_none() || k.count <= limits::MAX_ZIPF_KEYS)
    });
    Validated {
        problems: c.problems,
        compilable: sized && keys_in_limits,
    }
}

/// The problems of `s.faults` alone (times, durations, targets, actions): all that faults
/// added to a valid scenario can break (nothing else reads them).
pub fn fault_problems(s: &Scenario) -> Vec<Problem> {
    let mut c = Checker::default();
    c.faults(s);
    c.problems
}

/// `base.key`, or `key` at the root.
pub(crate) fn key(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

/// `base[i]`.
pub(crate) fn at(base: &str, i: usize) -> String {
    format!("{base}[{i}]")
}

/// `a, b, c` in backquotes, or `none` — for messages listing what would have been valid.
pub(crate) fn listing<'a>(names: impl IntoIterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Collects problems.
#[derive(Default)]
struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn report(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// Reports unless `x` is finite and `ok`; `want` describes the range (" > 0").
    fn number(&mut self, path: &str, x: f64, ok: bool, want: &str) -> bool {
        let good = x.is_finite() && ok;
        if !good {
            self.report(path, format!("must be a finite number{want}, got {x}"));
        }
        good
    }

    fn positive(&mut self, path: &str, x: f64) -> bool {
        self.number(path, x, x > 0.0, " > 0")
    }

    fn non_negative(&mut self, path: &str, x: f64) -> bool {
        self.number(path, x, x >= 0.0, " >= 0")
    }

    fn finite(&mut self, path: &str, x: f64) -> bool {
        self.number(path, x, true, "")
    }

    fn probability(&mut self, path: &str, x: f64) -> bool {
        self.number(path, x, (0.0..=1.0).contains(&x), " in [0, 1]")
    }

    fn at_least_one(&mut self, path: &str, n: u64, what: &str) {
        if n < 1 {
            self.report(path, format!("must be at least 1 ({what})"));
        }
    }

    fn dist(&mut self, path: &str, d: &Dist) {
        if let Err(e) = d.validate() {
            let full = if e.path.is_empty() {
                path.to_string()
            } else {
                key(path, &e.path)
            };
            self.report(full, e.message);
        }
    }

    /// A name that becomes a file name or a label: at most `MAX_NAME_CHARS` characters.
    fn name_length(&mut self, path: &str, name: &str) {
        let n = name.chars().count();
        if n > limits::MAX_NAME_CHARS {
            self.report(
                path,
                format!(
                    "a name of {n} characters is longer than the limit of {} (names become \
                     file names)",
                    limits::MAX_NAME_CHARS
                ),
            );
        }
    }

    /// The counts that size a run: nodes, consumer loops and group members per design,
    /// closed-loop users. Returns whether they are all within [`limits`].
    fn sizes(&mut self, s: &Scenario) -> bool {
        let before = self.problems.len();
        let users: u64 = std::iter::once(&s.workload.arrivals)
            .chain(
                s.workload
                    .classes
                    .iter()
                    .filter_map(|c| c.arrivals.as_ref()),
            )
            .map(|a| match a {
                Arrivals::Closed { users, .. } => u64::from(*users),
                _ => 0,
            })
            .fold(0, u64::saturating_add);
        if users > limits::MAX_USERS {
            self.report(
                "workload",
                format!(
                    "{users} closed-loop users in all, more than the limit of {} users",
                    limits::MAX_USERS
                ),
            );
        }
        for (i, design) in s.designs.iter().enumerate() {
            let path = at("designs", i);
            let nodes = node_count(design);
            if nodes > limits::MAX_NODES {
                self.report(
                    &path,
                    format!(
                        "design `{}` has {nodes} nodes (the client, every service instance \
                         and replica, every other component), more than the limit of {} \
                         nodes per design",
                        design.name,
                        limits::MAX_NODES
                    ),
                );
            }
            let mut loops = 0u64;
            // (broker, log, group) → members.
            let mut groups: BTreeMap<(&str, &str, &str), u64> = BTreeMap::new();
            for (svc_name, svc) in &design.services {
                let Some(c) = &svc.consume else { continue };
                let c_path = key(&key(&key(&path, "services"), svc_name), "consume");
                if c.concurrency > limits::MAX_CONCURRENCY {
                    self.report(
                        key(&c_path, "concurrency"),
                        format!(
                            "{} consumer loops per instance, more than the limit of {}",
                            c.concurrency,
                            limits::MAX_CONCURRENCY
                        ),
                    );
                }
                let n = u64::from(svc.instances).saturating_mul(u64::from(c.concurrency));
                loops = loops.saturating_add(n);
                if let Some(log) = &c.log {
                    let group = c.group.as_deref().unwrap_or(svc_name.as_str());
                    let members = groups.entry((&c.broker, log, group)).or_default();
                    *members = members.saturating_add(n);
                }
            }
            if loops > limits::MAX_CONSUMER_LOOPS {
                self.report(
                    key(&path, "services"),
                    format!(
                        "design `{}` runs {loops} consumer loops (instances × \
                         consume.concurrency), more than the limit of {} per design",
                        design.name,
                        limits::MAX_CONSUMER_LOOPS
                    ),
                );
            }
            for ((broker, log, group), members) in groups {
                if members > limits::MAX_GROUP_MEMBERS {
                    self.report(
                        key(&key(&key(&path, "brokers"), broker), &format!("logs.{log}")),
                        format!(
                            "consumer group `{group}` of log `{log}` has {members} members \
                             (instances × consume.concurrency), more than the limit of {} \
                             members per group",
                            limits::MAX_GROUP_MEMBERS
                        ),
                    );
                }
            }
        }
        self.problems.len() == before
    }

    fn top_level(&mut self, s: &Scenario) {
        if s.version != FORMAT_VERSION {
            self.report(
                "version",
                format!(
                    "this caplab reads format version {FORMAT_VERSION}, the file has {}",
                    s.version
                ),
            );
        }
        if s.name.trim().is_empty() {
            self.report("name", "must not be empty (it names the results)");
        }
        self.name_length("name", &s.name);
        let duration_ok = self.positive("duration_s", s.duration_s);
        if self.non_negative("warmup_s", s.warmup_s) && duration_ok && s.warmup_s >= s.duration_s {
            self.report(
                "warmup_s",
                format!(
                    "the warm-up ({} s) must end before the run does (duration_s = {} s), or \
                     nothing is measured",
                    s.warmup_s, s.duration_s
                ),
            );
        }
        let window_ok = self.positive("window_s", s.window_s);
        let limits = &s.limits;
        self.at_least_one("limits.max_events", limits.max_events, "a run needs events");
        self.at_least_one(
            "limits.max_windows",
            limits.max_windows as u64,
            "a run needs a time-series window",
        );
        self.at_least_one(
            "limits.max_in_flight",
            limits.max_in_flight,
            "a run needs a request in flight",
        );
        self.at_least_one(
            "limits.max_memory_mb",
            limits.max_memory_mb,
            "a run needs memory",
        );
        if duration_ok && window_ok {
            let windows = (s.duration_s / s.window_s).ceil();
            // As f64: a count past usize's range must fail, not wrap.
            if windows > limits.max_windows as f64 {
                self.report(
                    "window_s",
                    format!(
                        "duration_s / window_s gives {windows} time-series windows, more than \
                         limits.max_windows = {}: widen the window or raise the limit",
                        limits.max_windows
                    ),
                );
            } else {
                let cells = windows * (s.workload.classes.len() as f64 + 1.0);
                if cells > self::limits::MAX_SERIES_CELLS as f64 {
                    self.report(
                        "window_s",
                        format!(
                            "{windows} time-series windows × {} request classes (plus the \
                             total) make {cells} series cells, more than the limit of {}: \
                             widen the window",
                            s.workload.classes.len(),
                            self::limits::MAX_SERIES_CELLS
                        ),
                    );
                }
            }
        }
        self.dist("network.latency_ms", &s.network.latency_ms);
        self.probability("network.loss", s.network.loss);
        self.probability("network.duplicate", s.network.duplicate);
        if let Some(t) = &s.trace {
            self.trace(t);
        }
    }

    fn trace(&mut self, t: &scenario::TraceSpec) {
        self.probability("trace.sample_rate", t.sample_rate);
        if let Some(slow) = t.slow_ms {
            self.positive("trace.slow_ms", slow);
        }
        self.at_least_one(
            "trace.max_traces",
            u64::from(t.max_traces),
            "a trace must be kept",
        );
        if !(1..=u32::from(u16::MAX)).contains(&t.max_spans_per_trace) {
            self.report(
                "trace.max_spans_per_trace",
                format!(
                    "must be between 1 and 65535 (spans are numbered in 16 bits), got {}",
                    t.max_spans_per_trace
                ),
            );
        }
        self.at_least_one(
            "trace.max_buffered_spans",
            t.max_buffered_spans,
            "requests in flight need a buffer",
        );
    }

    /// An arrival process at `base` (the shared one, or a class's own).
    fn arrivals(&mut self, base: &str, arrivals: &Arrivals) {
        match arrivals {
            Arrivals::Poisson { rate_per_s } => {
                self.non_negative(&key(base, "poisson.rate_per_s"), *rate_per_s);
            }
            Arrivals::Piecewise { segments } => {
                let path = key(base, "piecewise.segments");
                if segments.is_empty() {
                    self.report(&path, "needs at least one segment");
                }
                let mut previous: Option<f64> = None;
                for (i, seg) in segments.iter().enumerate() {
                    let seg_path = at(&path, i);
                    let from_path = key(&seg_path, "from_s");
                    if self.non_negative(&from_path, seg.from_s) {
                        if i == 0 && seg.from_s != 0.0 {
                            self.report(
                                &from_path,
                                format!(
                                    "the first segment must start at 0 (the rate before it \
                                     would be undefined), got {}",
                                    seg.from_s
                                ),
                            );
                        }
                        if let Some(prev) = previous.filter(|&p| seg.from_s <= p) {
                            self.report(
                                &from_path,
                                format!(
                                    "segments must start in strictly increasing order: {} \
                                     follows {prev}",
                                    seg.from_s
                                ),
                            );
                        }
                        previous = Some(seg.from_s);
                    }
                    self.non_negative(&key(&seg_path, "rate_per_s"), seg.rate_per_s);
                }
            }
            Arrivals::Closed { users, think_ms } => {
                let path = key(base, "closed");
                self.at_least_one(
                    &key(&path, "users"),
                    u64::from(*users),
                    "a closed loop needs a user",
                );
                self.dist(&key(&path, "think_ms"), think_ms);
            }
        }
    }

    fn workload(&mut self, s: &Scenario) {
        self.arrivals("workload.arrivals", &s.workload.arrivals);
        let classes = &s.workload.classes;
        if classes.is_empty() {
            self.report("workload.classes", "needs at least one request class");
        }
        let mut weights_ok = true;
        for (j, class) in classes.iter().enumerate() {
            let path = at("workload.classes", j);
            match &class.arrivals {
                // A class with arrivals of its own is not in the shared mix: its weight is
                // ignored, so it is not held against it.
                Some(own) => self.arrivals(&key(&path, "arrivals"), own),
                None => weights_ok &= self.positive(&key(&path, "weight"), class.weight),
            }
            self.positive(&key(&path, "timeout_ms"), class.timeout_ms);
            if let Some(p) = &class.publish {
                if !class.endpoint.is_empty() {
                    self.report(&path, "set exactly one of endpoint and publish");
                }
                self.publish(&key(&path, "publish"), p);
            }
            if let Some(keys) = &class.keys {
                let keys_path = key(&path, "keys");
                self.at_least_one(&key(&keys_path, "count"), u64::from(keys.count), "keys");
                if let Some(zipf) = keys.zipf {
                    self.positive(&key(&keys_path, "zipf"), zipf);
                    if keys.count > limits::MAX_ZIPF_KEYS {
                        self.report(
                            key(&keys_path, "count"),
                            format!(
                                "{} Zipf-distributed keys, more than the limit of {} (a \
                                 table of 8 bytes a key); uniform keys (no `zipf`) have no \
                                 such limit",
                                keys.count,
                                limits::MAX_ZIPF_KEYS
                            ),
                        );
                    }
                }
            }
        }
        let shared = classes.iter().filter(|c| c.arrivals.is_none());
        // Each weight is finite, but their sum could overflow and break the mix.
        if weights_ok && !shared.map(|c| c.weight).sum::<f64>().is_finite() {
            self.report(
                "workload.classes",
                "the weights' sum overflows: scale them down",
            );
        }
    }

    fn designs(&mut self, s: &Scenario) {
        if s.designs.is_empty() {
            self.report("designs", "needs at least one design");
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, design) in s.designs.iter().enumerate() {
            let path = at("designs", i);
            self.name_length(&key(&path, "name"), &design.name);
            if design.name.trim().is_empty() {
                self.report(
                    key(&path, "name"),
                    "must not be empty (it names the results)",
                );
            } else if let Some(first) = seen.insert(&design.name, i) {
                self.report(
                    key(&path, "name"),
                    format!(
                        "design name `{}` is already used by designs[{first}]",
                        design.name
                    ),
                );
                // Keep pointing later duplicates at the first one.
                seen.insert(&design.name, first);
            }
            self.design(s, &path, design);
        }
    }

    fn design(&mut self, s: &Scenario, path: &str, design: &Design) {
        let name = &design.name;
        let services_path = key(path, "services");
        if design.services.is_empty() {
            self.report(&services_path, "needs at least one service");
        }
        let databases_path = key(path, "databases");
        for (db_name, db) in &design.databases {
            let db_path = key(&databases_path, db_name);
            self.node_name(&db_path, db_name);
            if design.services.contains_key(db_name) {
                self.report(
                    &db_path,
                    format!(
                        "`{db_name}` names both a service and a database of design `{name}`; \
                         fault targets would be ambiguous"
                    ),
                );
            }
            if db.max_concurrency == Some(0) {
                self.report(
                    key(&db_path, "max_concurrency"),
                    "must be at least 1 (0 would run no query ever; leave it out for unlimited)",
                );
            }
        }
        for (svc_name, service) in &design.services {
            let svc_path = key(&services_path, svc_name);
            self.node_name(&svc_path, svc_name);
            self.service(&svc_path, service);
        }
        self.messaging(design, path);
        self.stores(design, path);
        self.payments(design, path);
        for (j, class) in s.workload.classes.iter().enumerate() {
            let class_path = at("workload.classes", j);
            if let (Some(i), Some(entry)) = (class.instance, design.services.get(&design.entry)) {
                if i >= entry.instances {
                    self.report(
                        key(&class_path, "instance"),
                        format!(
                            "design `{}`'s entry service has {} instance(s), numbered from 0",
                            design.name, entry.instances
                        ),
                    );
                }
            }
        }
    }

    /// Brokers, key-value stores, and the names they share with other nodes.
    fn messaging(&mut self, design: &Design, path: &str) {
        let name = &design.name;
        let kv_path = key(path, "kv_stores");
        for (kv_name, kv) in &design.kv_stores {
            let p = key(&kv_path, kv_name);
            self.node_name(&p, kv_name);
            if design.services.contains_key(kv_name) || design.databases.contains_key(kv_name) {
                self.report(
                    &p,
                    format!("`{kv_name}` names two nodes of design `{name}`"),
                );
            }
            self.dist(&key(&p, "op_ms"), &kv.op_ms);
            if kv.capacity == Some(0) {
                self.report(
                    key(&p, "capacity"),
                    "must be at least 1 (leave it out for unbounded)",
                );
            }
        }
        let brokers_path = key(path, "brokers");
        for (b_name, broker) in &design.brokers {
            let p = key(&brokers_path, b_name);
            self.node_name(&p, b_name);
            if design.services.contains_key(b_name)
                || design.databases.contains_key(b_name)
                || design.kv_stores.contains_key(b_name)
            {
                self.report(&p, format!("`{b_name}` names two nodes of design `{name}`"));
            }
            for (q_name, q) in &broker.queues {
                let qp = key(&key(&p, "queues"), q_name);
                if q.capacity == Some(0) {
                    self.report(
                        key(&qp, "capacity"),
                        "must be at least 1 (leave it out for unbounded)",
                    );
                }
                self.positive(&key(&qp, "visibility_timeout_ms"), q.visibility_timeout_ms);
                if q.max_deliveries == Some(0) {
                    self.report(key(&qp, "max_deliveries"), "must be at least 1");
                }
            }
            for (t_name, t) in &broker.topics {
                if t.subscribers.is_empty() {
                    let tp = key(&key(&p, "topics"), t_name);
                    self.report(key(&tp, "subscribers"), "needs at least one queue");
                }
            }
            for (l_name, l) in &broker.logs {
                let lp = key(&key(&p, "logs"), l_name);
                if l.partitions == 0 || l.partitions > 16_384 {
                    self.report(key(&lp, "partitions"), "must be between 1 and 16,384");
                }
                self.positive(&key(&lp, "session_timeout_ms"), l.session_timeout_ms);
                if l.capacity == Some(0) {
                    self.report(
                        key(&lp, "capacity"),
                        "must be at least 1 (leave it out for the default, 10,000,000)",
                    );
                }
            }
            if broker.queues.len() + broker.topics.len() + broker.logs.len() == 0 {
                self.report(&p, "a broker needs at least one queue, topic or log");
            }
        }
    }

    /// Replicated stores: sizes and times.
    fn stores(&mut self, design: &Design, path: &str) {
        let name = &design.name;
        let stores_path = key(path, "replicated_stores");
        for (st_name, st) in &design.replicated_stores {
            let p = key(&stores_path, st_name);
            self.node_name(&p, st_name);
            if design.services.contains_key(st_name)
                || design.databases.contains_key(st_name)
                || design.kv_stores.contains_key(st_name)
                || design.brokers.contains_key(st_name)
            {
                self.report(
                    &p,
                    format!("`{st_name}` names two nodes of design `{name}`"),
                );
            }
            if st.replicas == 0 || st.replicas > 32 {
                self.report(key(&p, "replicas"), "must be between 1 and 32");
            }
            self.dist(&key(&p, "op_ms"), &st.op_ms);
            self.positive(&key(&p, "timeout_ms"), st.timeout_ms);
            self.positive(&key(&p, "anti_entropy_ms"), st.anti_entropy_ms);
            self.dist(&key(&p, "replication_delay_ms"), &st.replication_delay_ms);
            if let scenario::Protocol::Leaderless { r, w, .. } = st.protocol {
                for (field, q) in [("r", r), ("w", w)] {
                    if q < 1 || q > st.replicas {
                        self.report(
                            key(&p, &format!("protocol.leaderless.{field}")),
                            format!(
                                "a quorum of {q} is impossible with {} replica(s): it must be \
                                 between 1 and the number of replicas",
                                st.replicas
                            ),
                        );
                    }
                }
            }
            if let Some(f) = &st.failover {
                let fp = key(&p, "failover");
                if !st.protocol.has_primary() {
                    self.report(
                        &fp,
                        format!(
                            "failover elects a primary: it applies to primary_backup_async and \
                             primary_backup_sync, not to {}",
                            st.protocol.name()
                        ),
                    );
                }
                self.positive(&key(&fp, "detection_ms"), f.detection_ms);
                self.positive(&key(&fp, "heartbeat_ms"), f.heartbeat_ms);
            }
        }
    }

    /// Lock services and account stores: names and settings.
    fn payments(&mut self, design: &Design, path: &str) {
        let others = |n: &String| {
            design.services.contains_key(n)
                || design.databases.contains_key(n)
                || design.kv_stores.contains_key(n)
                || design.brokers.contains_key(n)
                || design.replicated_stores.contains_key(n)
        };
        let locks_path = key(path, "lock_services");
        for (l_name, l) in &design.lock_services {
            let p = key(&locks_path, l_name);
            self.node_name(&p, l_name);
            if others(l_name) || design.account_stores.contains_key(l_name) {
                self.report(
                    &p,
                    format!("`{l_name}` names two nodes of design `{}`", design.name),
                );
            }
            self.positive(&key(&p, "lease_ms"), l.lease_ms);
            self.dist(&key(&p, "op_ms"), &l.op_ms);
        }
        let accounts_path = key(path, "account_stores");
        for (a_name, a) in &design.account_stores {
            let p = key(&accounts_path, a_name);
            self.node_name(&p, a_name);
            if others(a_name) {
                self.report(
                    &p,
                    format!("`{a_name}` names two nodes of design `{}`", design.name),
                );
            }
            self.dist(&key(&p, "op_ms"), &a.op_ms);
            self.positive(&key(&p, "timeout_ms"), a.timeout_ms);
        }
    }

    /// A publish's settings (a step's or a class's). Its broker and destination are
    /// resolved by compiling.
    fn publish(&mut self, path: &str, p: &scenario::PublishSpec) {
        if let Some(t) = p.timeout_ms {
            self.positive(&key(path, "timeout_ms"), t);
        }
    }

    /// A consumer's settings. Its broker, source and endpoint are resolved by compiling.
    fn consume(&mut self, path: &str, c: &scenario::Consume) {
        if c.concurrency == 0 {
            self.report(key(path, "concurrency"), "must be at least 1");
        }
        if c.batch == 0 || c.batch > u32::from(u16::MAX) {
            self.report(key(path, "batch"), "must be between 1 and 65,535");
        }
        self.positive(&key(path, "block_timeout_ms"), c.block_timeout_ms);
        self.non_negative(&key(path, "sleep_ms"), c.sleep_ms);
        if c.queue.is_some() && c.log.is_none() {
            if c.group.is_some() {
                self.report(key(path, "group"), "consumer groups apply to logs only");
            }
            if c.batch > 1 {
                self.report(key(path, "batch"), "batches apply to logs only");
            }
        }
    }

    /// Node names appear in fault targets (`name`, `name#i`, `client`), which must parse one
    /// way only.
    fn node_name(&mut self, path: &str, name: &str) {
        self.name_length(path, name);
        if name.is_empty() {
            self.report(path, "a node name must not be empty");
        } else if name == "client" {
            self.report(
                path,
                "`client` is reserved for the load generator in fault targets",
            );
        } else if name.contains('#') {
            self.report(
                path,
                format!("`{name}` contains `#`, which fault targets use for instances (`name#0`)"),
            );
        }
    }

    fn service(&mut self, path: &str, service: &Service) {
        self.at_least_one(
            &key(path, "instances"),
            u64::from(service.instances),
            "a service runs somewhere",
        );
        self.at_least_one(
            &key(path, "workers"),
            u64::from(service.workers),
            "requests need a worker",
        );
        let handlers_path = key(path, "handlers");
        if service.handlers.is_empty() {
            self.report(&handlers_path, "needs at least one endpoint");
        }
        for (pool_name, pool) in &service.pools {
            let pool_path = key(&key(path, "pools"), pool_name);
            self.at_least_one(
                &key(&pool_path, "size"),
                u64::from(pool.size),
                "queries need a connection",
            );
            self.non_negative(
                &key(&pool_path, "acquire_timeout_ms"),
                pool.acquire_timeout_ms,
            );
            self.positive(&key(&pool_path, "query_timeout_ms"), pool.query_timeout_ms);
        }
        for (handler, steps) in &service.handlers {
            let h_path = key(&handlers_path, handler);
            for (k, step) in steps.iter().enumerate() {
                self.step(&at(&h_path, k), step);
                if let Step::Debit { store, .. } = step {
                    let read_before = steps[..k]
                        .iter()
                        .any(|s| matches!(s, Step::ReadBalance { store: r } if r == store));
                    if !read_before {
                        self.report(
                            key(&at(&h_path, k), "debit"),
                            format!(
                                "a debit writes back the balance read before it: put a \
                                 `read_balance` of `{store}` earlier in this handler"
                            ),
                        );
                    }
                }
            }
        }
        self.in_process_cycles(&handlers_path, service);
        if let Some(c) = &service.consume {
            self.consume(&key(path, "consume"), c);
        }
    }

    /// A step's settings. Whether the components it names exist is decided by compiling.
    fn step(&mut self, path: &str, step: &Step) {
        match step {
            Step::Compute { ms } => self.dist(&key(path, "compute.ms"), ms),
            Step::Query { ms, .. } => self.dist(&key(path, "query.ms"), ms),
            Step::Fail { probability, .. } => {
                self.probability(&key(path, "fail.probability"), *probability);
            }
            Step::Call(call) => self.call(&key(path, "call"), call),
            Step::Publish(p) => self.publish(&key(path, "publish"), p),
            Step::Store { .. } | Step::ReadBalance { .. } | Step::Unlock { .. } => {}
            Step::Kv { timeout_ms, .. } => {
                if let Some(t) = timeout_ms {
                    self.positive(&key(path, "kv.timeout_ms"), *t);
                }
            }
            Step::Lock { timeout_ms, .. } => {
                self.positive(&key(path, "lock.timeout_ms"), *timeout_ms);
            }
            Step::Debit { amount, .. } => {
                if *amount == 0 {
                    self.report(key(path, "debit.amount"), "must be at least 1");
                }
            }
            Step::Parallel { calls, wait } => {
                let p_path = key(path, "parallel");
                let calls_path = key(&p_path, "calls");
                if calls.is_empty() {
                    self.report(&calls_path, "needs at least one call");
                }
                if calls.len() > limits::MAX_PARALLEL_CALLS {
                    self.report(
                        &calls_path,
                        format!(
                            "{} calls in one parallel step, more than the limit of {}",
                            calls.len(),
                            limits::MAX_PARALLEL_CALLS
                        ),
                    );
                }
                for (c, call) in calls.iter().enumerate() {
                    self.call(&at(&calls_path, c), call);
                }
                if let Wait::Quorum(k) = *wait {
                    if k < 1 || k as usize > calls.len() {
                        self.report(
                            key(&p_path, "wait.quorum"),
                            format!(
                                "a quorum of {k} is impossible with {} call(s): it must be \
                                 between 1 and the number of calls",
                                calls.len()
                            ),
                        );
                    }
                }
            }
        }
    }

    /// A call's settings. Whether its callee and endpoint exist is decided by compiling.
    fn call(&mut self, path: &str, call: &CallSpec) {
        if call.service.is_none() {
            let why = "means nothing for an in-process call (no `service`): it runs on \
                           the caller's worker and cannot be lost or time out";
            if call.timeout_ms.is_some() {
                self.report(key(path, "timeout_ms"), format!("a timeout {why}"));
            }
            if call.retries != 0 {
                self.report(key(path, "retries"), format!("retrying {why}"));
            }
            if call.circuit_breaker.is_some() {
                self.report(
                    key(path, "circuit_breaker"),
                    format!("a circuit breaker {why}"),
                );
            }
            if call.on_error != scenario::OnError::Fail {
                self.report(
                    key(path, "on_error"),
                    "catching the error of an in-process call (no `service`) is not \
                         modelled: the callee's failure ends the execution it shares",
                );
            }
        }
        if let Some(t) = call.timeout_ms {
            self.positive(&key(path, "timeout_ms"), t);
        }
        let b_path = key(path, "backoff");
        let base_ok = self.non_negative(&key(&b_path, "base_ms"), call.backoff.base_ms);
        let max_ok = self.non_negative(&key(&b_path, "max_ms"), call.backoff.max_ms);
        if base_ok && max_ok && call.backoff.base_ms > call.backoff.max_ms {
            self.report(
                key(&b_path, "base_ms"),
                format!(
                    "the first delay ({} ms) must not exceed the largest (max_ms = {} ms)",
                    call.backoff.base_ms, call.backoff.max_ms
                ),
            );
        }
        if let Some(cb) = &call.circuit_breaker {
            let cb_path = key(path, "circuit_breaker");
            self.at_least_one(
                &key(&cb_path, "failure_threshold"),
                u64::from(cb.failure_threshold),
                "a breaker opens after some failure",
            );
            self.positive(&key(&cb_path, "open_ms"), cb.open_ms);
        }
    }

    /// Reports each in-process call that closes a cycle among `service`'s handlers (they would
    /// recurse for ever on one worker). Depth-first search, iterative so that a long chain of
    /// handlers cannot overflow the stack; each back edge is one cycle, reported at its call.
    fn in_process_cycles(&mut self, handlers_path: &str, service: &Service) {
        // handler → [(callee, path of the call)], in file order for stable reports.
        let mut edges: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
        for (handler, steps) in &service.handlers {
            let h_path = key(handlers_path, handler);
            let out = edges.entry(handler.as_str()).or_default();
            for (k, step) in steps.iter().enumerate() {
                let step_path = at(&h_path, k);
                // Only a `call` step runs in process: a parallel step's calls go over the
                // network (compiling refuses one without `service`).
                let Step::Call(call) = step else { continue };
                // Dangling endpoints are reported by compiling; they close no cycle.
                if call.service.is_none() && service.handlers.contains_key(&call.endpoint) {
                    out.push((call.endpoint.as_str(), key(&step_path, "call")));
                }
            }
        }
        let mut done: BTreeSet<&str> = BTreeSet::new();
        for &root in edges.keys() {
            if done.contains(root) {
                continue;
            }
            // The current chain: (handler, index of the next edge to follow).
            let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
            let mut on_stack: BTreeSet<&str> = BTreeSet::from([root]);
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let out = edges.get(node).map_or(&[][..], Vec::as_slice);
                let Some((callee, path)) = out.get(*next) else {
                    stack.pop();
                    on_stack.remove(node);
                    done.insert(node);
                    continue;
                };
                *next += 1;
                if on_stack.contains(callee) {
                    let start = stack.iter().position(|&(n, _)| n == *callee).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[start..].iter().map(|&(n, _)| n).collect();
                    cycle.push(callee);
                    self.report(
                        path.clone(),
                        format!(
                            "in-process call cycle {}: it would recurse for ever on one \
                             worker; break it or make a call go over the network (set `service`)",
                            cycle.join(" -> ")
                        ),
                    );
                } else if !done.contains(callee) {
                    stack.push((callee, 0));
                    on_stack.insert(callee);
                }
            }
        }
    }

    fn faults(&mut self, s: &Scenario) {
        for (i, fault) in s.faults.iter().enumerate() {
            let path = at("faults", i);
            let at_path = key(&path, "at_s");
            let duration_ok = s.duration_s.is_finite() && s.duration_s > 0.0;
            if self.non_negative(&at_path, fault.at_s) && duration_ok && fault.at_s >= s.duration_s
            {
                self.report(
                    &at_path,
                    format!(
                        "the fault would start at or after the end of the run (duration_s = {} s)",
                        s.duration_s
                    ),
                );
            }
            if let Some(d) = fault.duration_s {
                self.positive(&key(&path, "duration_s"), d);
            }
            let a_path = key(&path, "action");
            match &fault.action {
                FaultAction::Crash { target } => {
                    self.target(s, &key(&a_path, "crash.target"), target);
                }
                FaultAction::Partition { groups } => {
                    let g_path = key(&a_path, "partition.groups");
                    if groups.is_empty() {
                        self.report(&g_path, "needs at least one group");
                    }
                    for (g, group) in groups.iter().enumerate() {
                        let path = at(&g_path, g);
                        if group.is_empty() {
                            self.report(&path, "a group needs at least one target");
                        }
                        self.targets(s, &path, group);
                    }
                }
                FaultAction::OneWayPartition { from, to } => {
                    let base = key(&a_path, "one_way_partition");
                    for (field, list) in [("from", from), ("to", to)] {
                        let path = key(&base, field);
                        if list.is_empty() {
                            self.report(
                                &path,
                                "needs at least one target (else the fault does nothing)",
                            );
                        }
                        self.targets(s, &path, list);
                    }
                }
                FaultAction::Slow { target, factor } => {
                    self.target(s, &key(&a_path, "slow.target"), target);
                    self.non_negative(&key(&a_path, "slow.factor"), *factor);
                }
                FaultAction::LatencySpike { targets, extra_ms } => {
                    self.targets(s, &key(&a_path, "latency_spike.targets"), targets);
                    self.non_negative(&key(&a_path, "latency_spike.extra_ms"), *extra_ms);
                }
                FaultAction::Pause { target } => {
                    self.target(s, &key(&a_path, "pause.target"), target);
                    if fault.duration_s.is_none() {
                        self.report(key(&path, "duration_s"), "a pause needs a duration_s");
                    }
                }
                FaultAction::Drain { target } => {
                    self.target(s, &key(&a_path, "drain.target"), target);
                }
                FaultAction::ClockSkew {
                    target,
                    offset_ms,
                    drift_ppm,
                } => {
                    self.target(s, &key(&a_path, "clock_skew.target"), target);
                    self.finite(&key(&a_path, "clock_skew.offset_ms"), *offset_ms);
                    self.finite(&key(&a_path, "clock_skew.drift_ppm"), *drift_ppm);
                }
            }
        }
    }

    fn targets(&mut self, s: &Scenario, path: &str, targets: &[String]) {
        for (k, target) in targets.iter().enumerate() {
            self.target(s, &at(path, k), target);
        }
    }

    /// A fault target must name a node in every design, since every design faces every fault.
    fn target(&mut self, s: &Scenario, path: &str, target: &str) {
        if target == "client" {
            return;
        }
        if let Some((svc, instance)) = target.split_once('#') {
            // A syntax error, the same in every design: say it once.
            if instance.parse::<u32>().is_err() {
                self.report(
                    path,
                    format!(
                        "`{instance}` in `{target}` is not an instance number (write `{svc}#0`, \
                         `{svc}#1`...)"
                    ),
                );
                return;
            }
        }
        for design in &s.designs {
            if let Some(problem) = target_problem(design, target) {
                self.report(path, problem);
            }
        }
    }
}

/// Why `target` names no node of `design`, if it does not.
fn target_problem(design: &Design, target: &str) -> Option<String> {
    let name = &design.name;
    if let Some((svc, instance)) = target.split_once('#') {
        if let Some(store) = design.replicated_stores.get(svc) {
            let i = instance.parse::<u32>().unwrap_or(u32::MAX);
            if i >= store.replicas {
                return Some(format!(
                    "design `{name}`'s replicated store `{svc}` has {} replica(s), numbered \
                     from 0; there is no `{target}`",
                    store.replicas
                ));
            }
            return None;
        }
        let Some(service) = design.services.get(svc) else {
            return Some(format!(
                "design `{name}` has no service `{svc}` (target `{target}`)"
            ));
        };
        // The caller has checked the number.
        let i = instance.parse::<u32>().unwrap_or(u32::MAX);
        if i >= service.instances {
            return Some(format!(
                "design `{name}`'s service `{svc}` has {} instance(s), numbered from 0; there is \
                 no `{target}`",
                service.instances
            ));
        }
        return None;
    }
    if design.services.contains_key(target)
        || design.databases.contains_key(target)
        || design.kv_stores.contains_key(target)
        || design.brokers.contains_key(target)
        || design.replicated_stores.contains_key(target)
        || design.lock_services.contains_key(target)
        || design.account_stores.contains_key(target)
    {
        return None;
    }
    Some(format!(
        "design `{name}` has no service or database `{target}` (every design faces every fault, \
         so every design needs the target)"
    ))
}

/// One thing wrong with a scenario file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path of the offending value, like `designs[0].services.api.workers`; empty for the
    /// whole file.
    pub path: String,
    /// 1-based line of the value (of its key, for an object member), when known.
    pub line: Option<usize>,
    /// 1-based column (in characters) of the value or key, when known.
    pub column: Option<usize>,
    /// What is wrong, and where useful what would be right.
    pub message: String,
}

impl Problem {
    /// A problem at `path` whose position in the text is not known (yet).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// A valid scenario with two designs, as JSON to mutate.
    fn base() -> Value {
        json!({
            "version": 1,
            "name": "v",
            "description": "",
            "seed": 1,
            "duration_s": 10.0,
            "workload": {
                "arrivals": {"poisson": {"rate_per_s": 5.0}},
                "classes": [{"endpoint": "get"}]
            },
            "designs": [
                {
                    "name": "one",
                    "entry": "api",
                    "services": {
                        "api": {
                            "workers": 2,
                            "instances": 2,
                            "pools": {"main": {"database": "db", "size": 4}},
                            "handlers": {
                                "get": [
                                    {"compute": {"ms": {"constant": {"value": 1.0}}}},
                                    {"query": {"pool": "main", "ms": {"exponential": {"mean": 2.0}}}},
                                    {"call": {
                                        "service": "cart",
                                        "endpoint": "list",
                                        "timeout_ms": 100.0,
                                        "retries": 2,
                                        "circuit_breaker": {"failure_threshold": 5, "open_ms": 1000.0}
                                    }}
                                ]
                            }
                        },
                        "cart": {"workers": 1, "queue_capacity": 0, "handlers": {"list": []}}
                    },
                    "databases": {"db": {}}
                },
                {
                    "name": "two",
                    "entry": "api",
                    "services": {
                        "api": {
                            "workers": 1,
                            "handlers": {
                                "get": [{"parallel": {
                                    "calls": [
                                        {"service": "api", "endpoint": "helper"},
                                        {"service": "api", "endpoint": "helper"}
                                    ],
                                    "wait": {"quorum": 2}
                                }}],
                                "helper": [{"fail": {"probability": 0.1}}]
                            }
                        }
                    }
                }
            ],
            "faults": [
                {"at_s": 1.0, "duration_s": 2.0, "action": {"crash": {"target": "api"}}},
                {"at_s": 2.0, "action": {"partition": {"groups": [["client"], ["api#0"]]}}}
            ]
        })
    }

    /// Every problem of the scenario `v`: validation's and, compiling its designs, the
    /// names that do not resolve.
    fn check(v: Value) -> Vec<Problem> {
        let s: Scenario = serde_json::from_value(v).expect("the test's JSON fits the types");
        crate::plan::Checked::new(s)
            .err()
            .map_or_else(Vec::new, |r| r.problems)
    }

    fn paths(problems: &[Problem]) -> Vec<&str> {
        let mut p: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        p.sort_unstable();
        p
    }

    #[test]
    fn the_base_scenario_is_valid() {
        assert_eq!(check(base()), vec![]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut v = base();
        v["version"] = json!(2);
        v["name"] = json!(" ");
        v["window_s"] = json!(0.0);
        v["limits"] = json!({"max_in_flight": 0});
        v["network"] = json!({
            "loss": 1.5,
            "latency_ms": {"mixture": {"parts": [{"weight": 1.0, "dist": {"uniform": {"low": 2.0, "high": 1.0}}}]}}
        });
        v["workload"]["classes"] = json!([{"endpoint": "get", "weight": 0.0, "timeout_ms": -1.0}]);
        let one = &mut v["designs"][0];
        one["databases"]["db"]["max_concurrency"] = json!(0);
        let api = &mut one["services"]["api"];
        api["workers"] = json!(0);
        api["instances"] = json!(0);
        api["pools"]["main"] = json!({"database": "nodb", "size": 0, "acquire_timeout_ms": -1.0, "query_timeout_ms": 0.0});
        api["handlers"]["get"][1]["query"]["pool"] = json!("other");
        api["handlers"]["get"][2]["call"]["timeout_ms"] = json!(0.0);
        api["handlers"]["get"][2]["call"]["backoff"] = json!({"base_ms": 100.0, "max_ms": 10.0});
        api["handlers"]["get"][2]["call"]["circuit_breaker"] =
            json!({"failure_threshold": 0, "open_ms": 0.0});
        one["services"]["cart"]["handlers"] = json!({});
        let two = &mut v["designs"][1];
        two["name"] = json!("one");
        two["entry"] = json!("gateway");
        two["services"]["api"]["handlers"]["get"][0]["parallel"]["wait"] = json!({"quorum": 3});
        two["services"]["api"]["handlers"]["helper"][0]["fail"]["probability"] = json!(2.0);
        v["faults"] = json!([
            {"at_s": 10.0, "duration_s": 0.0, "action": {"crash": {"target": "api"}}},
            {"at_s": 1.0, "action": {"slow": {"target": "api", "factor": -1.0}}},
            {"at_s": 1.0, "action": {"partition": {"groups": [[]]}}},
            {"at_s": 1.0, "action": {"latency_spike": {"extra_ms": -1.0}}},
            {"at_s": 1.0, "action": {"one_way_partition": {"from": [], "to": ["client"]}}}
        ]);
        let problems = check(v);
        let api = "designs[0].services.api";
        let expected = [
            "version".to_string(),
            "name".into(),
            "window_s".into(),
            "limits.max_in_flight".into(),
            "network.loss".into(),
            "network.latency_ms.mixture.parts[0].dist.uniform.high".into(),
            "workload.classes[0].weight".into(),
            "workload.classes[0].timeout_ms".into(),
            "designs[0].databases.db.max_concurrency".into(),
            format!("{api}.workers"),
            format!("{api}.instances"),
            format!("{api}.pools.main.database"),
            format!("{api}.pools.main.size"),
            format!("{api}.pools.main.acquire_timeout_ms"),
            format!("{api}.pools.main.query_timeout_ms"),
            format!("{api}.handlers.get[1].query.pool"),
            format!("{api}.handlers.get[2].call.endpoint"),
            format!("{api}.handlers.get[2].call.timeout_ms"),
            format!("{api}.handlers.get[2].call.backoff.base_ms"),
            format!("{api}.handlers.get[2].call.circuit_breaker.failure_threshold"),
            format!("{api}.handlers.get[2].call.circuit_breaker.open_ms"),
            "designs[0].services.cart.handlers".into(),
            "designs[1].name".into(),
            "designs[1].entry".into(),
            "designs[1].services.api.handlers.get[0].parallel.wait.quorum".into(),
            "designs[1].services.api.handlers.helper[0].fail.probability".into(),
            "faults[0].at_s".into(),
            "faults[0].duration_s".into(),
            "faults[1].action.slow.factor".into(),
            "faults[2].action.partition.groups[0]".into(),
            "faults[3].action.latency_spike.extra_ms".into(),
            "faults[4].action.one_way_partition.from".into(),
        ];
        let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        expected.sort_unstable();
        assert_eq!(paths(&problems), expected, "{problems:#?}");
        let by_path = |p: &str| {
            problems
                .iter()
                .find(|x| x.path == p)
                .map(|x| x.message.clone())
                .unwrap_or_default()
        };
        assert!(by_path("designs[1].name").contains("already used by designs[0]"));
        assert!(by_path("designs[1].entry").contains("`gateway` is not a service of design `one`"));
        assert!(by_path("version").contains("format version 1"));
    }

    #[test]
    fn piecewise_segments_start_at_zero_and_increase() {
        let mut v = base();
        v["workload"]["arrivals"] = json!({"piecewise": {"segments": []}});
        assert_eq!(
            paths(&check(v.clone())),
            ["workload.arrivals.piecewise.segments"]
        );
        v["workload"]["arrivals"] = json!({"piecewise": {"segments": [
            {"from_s": 1.0, "rate_per_s": 1.0},
            {"from_s": 1.0, "rate_per_s": -1.0},
            {"from_s": 0.5, "rate_per_s": 1.0},
            {"from_s": 3.0, "rate_per_s": 1.0}
        ]}});
        let seg = "workload.arrivals.piecewise.segments";
        assert_eq!(
            paths(&check(v)),
            [
                format!("{seg}[0].from_s"),
                format!("{seg}[1].from_s"),
                format!("{seg}[1].rate_per_s"),
                format!("{seg}[2].from_s"),
            ]
        );
    }

    #[test]
    fn closed_loop_needs_users_and_a_valid_think_time() {
        let mut v = base();
        v["workload"]["arrivals"] =
            json!({"closed": {"users": 0, "think_ms": {"exponential": {"mean": 0.0}}}});
        assert_eq!(
            paths(&check(v)),
            [
                "workload.arrivals.closed.think_ms.exponential.mean",
                "workload.arrivals.closed.users"
            ]
        );
    }

    #[test]
    fn a_class_with_its_own_arrivals_is_checked_and_its_weight_ignored() {
        let mut v = base();
        v["workload"]["classes"] = json!([
            {"endpoint": "get"},
            {"endpoint": "get", "weight": 0.0, "arrivals": {"closed": {
                "users": 0, "think_ms": {"constant": {"value": 1.0}}
            }}}
        ]);
        assert_eq!(
            paths(&check(v)),
            ["workload.classes[1].arrivals.closed.users"]
        );
    }

    #[test]
    fn warmup_must_end_before_the_run_and_windows_are_bounded() {
        let mut v = base();
        v["warmup_s"] = json!(10.0);
        v["limits"] = json!({"max_windows": 9});
        let problems = check(v);
        assert_eq!(paths(&problems), ["warmup_s", "window_s"]);
        assert!(
            problems[1].message.contains("10 time-series windows"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_class_endpoint_missing_from_one_design_names_that_design() {
        let mut v = base();
        // Design two's entry endpoint is renamed from `get` to `fetch`.
        if let Some(h) = v["designs"][1]["services"]["api"]["handlers"].as_object_mut() {
            let get = h.shift_remove("get").unwrap_or_default();
            h.insert("fetch".to_string(), get);
        }
        let problems = check(v);
        assert_eq!(paths(&problems), ["workload.classes[0].endpoint"]);
        let m = &problems[0].message;
        assert!(m.contains("design `two`") && m.contains("`fetch`"), "{m}");
    }

    #[test]
    fn in_process_cycles_are_reported_at_the_closing_call() {
        let mut v = base();
        v["designs"][1]["services"]["api"]["handlers"] = json!({
            "get": [{"call": {"endpoint": "a"}}],
            "a": [{"call": {"endpoint": "b"}}],
            "b": [{"compute": {"ms": {"constant": {"value": 1.0}}}}, {"call": {"endpoint": "a"}}],
            "c": [{"parallel": {"calls": [{"endpoint": "helper"}, {"endpoint": "c"}]}}],
            "helper": []
        });
        let problems = check(v);
        let h = "designs[1].services.api.handlers";
        assert_eq!(
            paths(&problems),
            [
                format!("{h}.b[1].call"),
                format!("{h}.c[0].parallel.calls[0].service"),
                format!("{h}.c[0].parallel.calls[1].service")
            ],
            "{problems:#?}"
        );
        let msg = |p: &str| {
            problems
                .iter()
                .find(|x| x.path == p)
                .map(|x| x.message.as_str())
        };
        assert!(msg(&format!("{h}.b[1].call"))
            .unwrap_or("")
            .contains("a -> b -> a"));
        // A parallel step's calls go over the network: one without `service` is refused
        // (so it closes no in-process cycle).
        assert!(msg(&format!("{h}.c[0].parallel.calls[1].service"))
            .unwrap_or("")
            .contains("the calls of a parallel step go over the network"));
    }

    #[test]
    fn network_call_cycles_are_allowed() {
        let mut v = base();
        let services = &mut v["designs"][0]["services"];
        // api → cart → api, and api → api, all over the network.
        services["cart"]["handlers"]["list"] =
            json!([{"call": {"service": "api", "endpoint": "get"}}]);
        services["api"]["handlers"]["again"] =
            json!([{"call": {"service": "api", "endpoint": "again"}}]);
        assert_eq!(check(v), vec![]);
    }

    #[test]
    fn in_process_calls_cannot_time_out_retry_or_break() {
        let mut v = base();
        v["designs"][1]["services"]["api"]["handlers"]["get"] = json!([{"call": {
            "endpoint": "helper",
            "timeout_ms": 5.0,
            "retries": 1,
            "circuit_breaker": {"failure_threshold": 1, "open_ms": 1.0}
        }}]);
        let c = "designs[1].services.api.handlers.get[0].call";
        assert_eq!(
            paths(&check(v.clone())),
            [
                format!("{c}.circuit_breaker"),
                format!("{c}.retries"),
                format!("{c}.timeout_ms")
            ]
        );
        // And an in-process endpoint must exist in the same service.
        v["designs"][1]["services"]["api"]["handlers"]["get"] =
            json!([{"call": {"endpoint": "nothere"}}]);
        assert_eq!(paths(&check(v)), [format!("{c}.endpoint")]);
    }

    #[test]
    fn trace_settings_are_in_range_and_in_process_errors_cannot_be_caught() {
        let mut v = base();
        v["trace"] = json!({"sample_rate": 0.1, "slow_ms": 50.0});
        assert!(check(v.clone()).is_empty());
        v["trace"] = json!({
            "sample_rate": 1.5,
            "slow_ms": 0.0,
            "max_traces": 0,
            "max_spans_per_trace": 70000,
            "max_buffered_spans": 0
        });
        v["designs"][1]["services"]["api"]["handlers"]["get"] =
            json!([{"call": {"endpoint": "helper", "on_error": "swallow"}}]);
        assert_eq!(
            paths(&check(v)),
            [
                "designs[1].services.api.handlers.get[0].call.on_error",
                "trace.max_buffered_spans",
                "trace.max_spans_per_trace",
                "trace.max_traces",
                "trace.sample_rate",
                "trace.slow_ms",
            ]
        );
    }

    #[test]
    fn a_quorum_must_be_reachable() {
        let mut v = base();
        v["designs"][1]["services"]["api"]["handlers"]["get"][0]["parallel"]["wait"] =
            json!({"quorum": 0});
        assert_eq!(
            paths(&check(v.clone())),
            ["designs[1].services.api.handlers.get[0].parallel.wait.quorum"]
        );
        v["designs"][1]["services"]["api"]["handlers"]["get"][0]["parallel"] = json!({"calls": []});
        assert_eq!(
            paths(&check(v)),
            ["designs[1].services.api.handlers.get[0].parallel.calls"]
        );
    }

    #[test]
    fn a_fault_target_missing_in_one_design_names_that_design() {
        let mut v = base();
        v["faults"] = json!([{"at_s": 1.0, "action": {"crash": {"target": "cart"}}}]);
        let problems = check(v.clone());
        assert_eq!(paths(&problems), ["faults[0].action.crash.target"]);
        assert!(
            problems[0].message.contains("design `two`"),
            "{}",
            problems[0].message
        );
        assert!(!problems[0].message.contains("design `one`"));

        // Instances count from 0; design two's api has one.
        v["faults"] =
            json!([{"at_s": 1.0, "action": {"slow": {"target": "api#1", "factor": 2.0}}}]);
        let problems = check(v.clone());
        assert_eq!(paths(&problems), ["faults[0].action.slow.target"]);
        assert!(problems[0].message.contains("design `two`"));

        // Databases, `client`, list targets.
        v["faults"] = json!([
            {"at_s": 1.0, "action": {"latency_spike": {"targets": ["client", "db"], "extra_ms": 5.0}}},
            {"at_s": 1.0, "action": {"clock_skew": {"target": "api#x", "offset_ms": -3.0}}}
        ]);
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                "faults[0].action.latency_spike.targets[1]",
                "faults[1].action.clock_skew.target"
            ]
        );
        // A malformed instance number is said once, not once per design.
        assert!(problems[1].message.contains("not an instance number"));
    }

    #[test]
    fn node_names_must_make_targets_unambiguous() {
        let mut v = base();
        let one = &mut v["designs"][0];
        one["databases"]["cart"] = json!({});
        one["services"]["client"] = json!({"workers": 1, "handlers": {"x": []}});
        one["services"]["a#b"] = json!({"workers": 1, "handlers": {"x": []}});
        assert_eq!(
            paths(&check(v)),
            [
                "designs[0].databases.cart",
                "designs[0].services.a#b",
                "designs[0].services.client"
            ]
        );
    }

    /// `base()` with design one given a broker (queues, a topic, a log), a key-value store, a
    /// handler that publishes and reads the store, and two consumers: a valid starting point
    /// for the messaging checks.
    fn messaging_base() -> Value {
        let mut v = base();
        let one = &mut v["designs"][0];
        one["brokers"] = json!({"mq": {
            "queues": {
                "jobs": {"delivery": "ack", "max_deliveries": 3, "dead_letter": "dead"},
                "dead": {}
            },
            "topics": {"news": {"subscribers": ["jobs"]}},
            "logs": {"events": {"partitions": 2}}
        }});
        one["kv_stores"] = json!({"cache": {"op_ms": {"constant": {"value": 0.1}}}});
        one["services"]["api"]["handlers"]["put"] = json!([
            {"publish": {"broker": "mq", "queue": "jobs"}},
            {"kv": {"store": "cache", "timeout_ms": 5.0}}
        ]);
        one["services"]["worker"] = json!({
            "workers": 1,
            "handlers": {"work": []},
            "consume": {"broker": "mq", "queue": "jobs", "endpoint": "work"}
        });
        one["services"]["reader"] = json!({
            "workers": 1,
            "handlers": {"read": []},
            "consume": {"broker": "mq", "log": "events", "group": "g", "batch": 10, "endpoint": "read"}
        });
        v
    }

    const PUT: &str = "designs[0].services.api.handlers.put";
    const MQ: &str = "designs[0].brokers.mq";

    #[test]
    fn the_messaging_base_is_valid() {
        assert_eq!(check(messaging_base()), vec![]);
    }

    #[test]
    fn a_publish_step_names_a_broker_and_exactly_one_existing_destination() {
        let mut v = messaging_base();
        let publish = |v: &mut Value, p: Value| {
            v["designs"][0]["services"]["api"]["handlers"]["put"][0] = json!({ "publish": p });
        };
        publish(&mut v, json!({"broker": "nomq", "queue": "jobs"}));
        let problems = check(v.clone());
        assert_eq!(paths(&problems), [format!("{PUT}[0].publish.broker")]);
        assert!(
            problems[0]
                .message
                .contains("`nomq` is not a broker of design `one`"),
            "{}",
            problems[0].message
        );

        publish(&mut v, json!({"broker": "mq", "queue": "nojobs"}));
        assert_eq!(
            paths(&check(v.clone())),
            [format!("{PUT}[0].publish.queue")]
        );
        publish(&mut v, json!({"broker": "mq", "topic": "nonews"}));
        assert_eq!(
            paths(&check(v.clone())),
            [format!("{PUT}[0].publish.topic")]
        );
        publish(&mut v, json!({"broker": "mq", "log": "noevents"}));
        assert_eq!(paths(&check(v.clone())), [format!("{PUT}[0].publish.log")]);

        publish(
            &mut v,
            json!({"broker": "mq", "queue": "jobs", "topic": "news"}),
        );
        let problems = check(v.clone());
        assert_eq!(paths(&problems), [format!("{PUT}[0].publish")]);
        assert!(
            problems[0]
                .message
                .contains("exactly one of queue, topic, log"),
            "{}",
            problems[0].message
        );
        publish(&mut v, json!({"broker": "mq"}));
        assert_eq!(paths(&check(v.clone())), [format!("{PUT}[0].publish")]);

        publish(
            &mut v,
            json!({"broker": "mq", "log": "events", "timeout_ms": 0.0}),
        );
        assert_eq!(paths(&check(v)), [format!("{PUT}[0].publish.timeout_ms")]);
    }

    #[test]
    fn a_consumer_reads_exactly_one_existing_source_into_an_endpoint_of_its_own() {
        let worker = "designs[0].services.worker.consume";
        let reader = "designs[0].services.reader.consume";
        let mut v = messaging_base();
        v["designs"][0]["services"]["worker"]["consume"]["log"] = json!("events");
        let problems = check(v);
        assert_eq!(paths(&problems), [worker]);
        assert!(
            problems[0].message.contains("exactly one of queue, log"),
            "{}",
            problems[0].message
        );

        let mut v = messaging_base();
        v["designs"][0]["services"]["worker"]["consume"]["endpoint"] = json!("read");
        let problems = check(v);
        assert_eq!(paths(&problems), [format!("{worker}.endpoint")]);
        assert!(
            problems[0]
                .message
                .contains("`read` is not an endpoint of service `worker`"),
            "{}",
            problems[0].message
        );

        let mut v = messaging_base();
        let c = &mut v["designs"][0]["services"]["worker"]["consume"];
        c["group"] = json!("g");
        c["batch"] = json!(5);
        assert_eq!(
            paths(&check(v)),
            [format!("{worker}.batch"), format!("{worker}.group")]
        );

        let mut v = messaging_base();
        v["designs"][0]["services"]["worker"]["consume"]["queue"] = json!("nojobs");
        v["designs"][0]["services"]["reader"]["consume"]["broker"] = json!("nomq");
        assert_eq!(
            paths(&check(v)),
            [format!("{reader}.broker"), format!("{worker}.queue")]
        );

        let mut v = messaging_base();
        let c = &mut v["designs"][0]["services"]["reader"]["consume"];
        c["log"] = json!("noevents");
        c["batch"] = json!(0);
        c["concurrency"] = json!(0);
        c["block_timeout_ms"] = json!(0.0);
        c["sleep_ms"] = json!(-1.0);
        assert_eq!(
            paths(&check(v)),
            [
                format!("{reader}.batch"),
                format!("{reader}.block_timeout_ms"),
                format!("{reader}.concurrency"),
                format!("{reader}.log"),
                format!("{reader}.sleep_ms"),
            ]
        );
    }

    #[test]
    fn topic_subscribers_are_queues_of_the_same_broker() {
        let mut v = messaging_base();
        v["designs"][0]["brokers"]["mq"]["topics"]["news"]["subscribers"] =
            json!(["jobs", "events", "nowhere"]);
        let problems = check(v.clone());
        let subs = format!("{MQ}.topics.news.subscribers");
        assert_eq!(
            paths(&problems),
            [format!("{subs}[1]"), format!("{subs}[2]")]
        );
        // A log is not a queue, even on the same broker.
        assert!(
            problems[0]
                .message
                .contains("`events` is not a queue of broker `mq`"),
            "{}",
            problems[0].message
        );
        v["designs"][0]["brokers"]["mq"]["topics"]["news"]["subscribers"] = json!([]);
        assert_eq!(paths(&check(v)), [subs]);
    }

    #[test]
    fn a_dead_letter_queue_is_another_queue_of_the_broker() {
        let dlq = format!("{MQ}.queues.jobs.dead_letter");
        let mut v = messaging_base();
        v["designs"][0]["brokers"]["mq"]["queues"]["jobs"]["dead_letter"] = json!("jobs");
        assert_eq!(paths(&check(v.clone())), [dlq.as_str()]);
        v["designs"][0]["brokers"]["mq"]["queues"]["jobs"]["dead_letter"] = json!("graveyard");
        let problems = check(v);
        assert_eq!(paths(&problems), [dlq.as_str()]);
        assert!(
            problems[0]
                .message
                .contains("`graveyard` must be another queue of broker `mq`"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn queue_and_log_settings_are_in_range() {
        let mut v = messaging_base();
        let mq = &mut v["designs"][0]["brokers"]["mq"];
        mq["logs"]["events"]["partitions"] = json!(0);
        mq["logs"]["events"]["session_timeout_ms"] = json!(0.0);
        mq["queues"]["dead"] =
            json!({"capacity": 0, "max_deliveries": 0, "visibility_timeout_ms": -1.0});
        assert_eq!(
            paths(&check(v.clone())),
            [
                format!("{MQ}.logs.events.partitions"),
                format!("{MQ}.logs.events.session_timeout_ms"),
                format!("{MQ}.queues.dead.capacity"),
                format!("{MQ}.queues.dead.max_deliveries"),
                format!("{MQ}.queues.dead.visibility_timeout_ms"),
            ]
        );
        let mut v = messaging_base();
        v["designs"][0]["brokers"]["mq"]["logs"]["events"]["partitions"] = json!(16_385);
        assert_eq!(
            paths(&check(v.clone())),
            [format!("{MQ}.logs.events.partitions")]
        );
        v["designs"][0]["brokers"]["mq"]["logs"]["events"]["partitions"] = json!(16_384);
        assert_eq!(check(v), vec![]);
    }

    #[test]
    fn a_broker_needs_a_queue_topic_or_log() {
        let mut v = base();
        v["designs"][0]["brokers"] = json!({"mq": {"durable": true}});
        assert_eq!(paths(&check(v)), [MQ]);
    }

    #[test]
    fn a_kv_step_names_a_store_of_the_design() {
        let mut v = messaging_base();
        v["designs"][0]["services"]["api"]["handlers"]["put"][1] =
            json!({"kv": {"store": "redis", "timeout_ms": 0.0}});
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                format!("{PUT}[1].kv.store"),
                format!("{PUT}[1].kv.timeout_ms")
            ]
        );
        let store = problems
            .iter()
            .find(|p| p.path.ends_with("kv.store"))
            .map(|p| p.message.as_str())
            .unwrap_or_default();
        assert!(
            store.contains("`redis` is not a key-value store of design `one`"),
            "{store}"
        );
        let mut v = messaging_base();
        let cache = &mut v["designs"][0]["kv_stores"]["cache"];
        cache["capacity"] = json!(0);
        cache["op_ms"] = json!({"exponential": {"mean": 0.0}});
        assert_eq!(
            paths(&check(v)),
            [
                "designs[0].kv_stores.cache.capacity",
                "designs[0].kv_stores.cache.op_ms.exponential.mean"
            ]
        );
    }

    #[test]
    fn a_class_either_calls_an_endpoint_or_publishes() {
        let mut v = messaging_base();
        // Design two gets a broker too, so a publishing class fits both designs.
        v["designs"][1]["brokers"] = json!({"mq": {"queues": {"jobs": {}}}});
        v["workload"]["classes"] = json!([
            {"endpoint": "get"},
            {"publish": {"broker": "mq", "queue": "jobs"}}
        ]);
        assert_eq!(check(v.clone()), vec![]);

        v["workload"]["classes"][1]["endpoint"] = json!("get");
        let problems = check(v.clone());
        // Said once, though both designs check the class.
        assert_eq!(paths(&problems), ["workload.classes[1]"], "{problems:#?}");
        assert!(
            problems[0]
                .message
                .contains("exactly one of endpoint and publish"),
            "{}",
            problems[0].message
        );

        // A destination one design lacks names that design.
        v["workload"]["classes"][1] = json!({"publish": {"broker": "mq", "topic": "news"}});
        let problems = check(v.clone());
        assert_eq!(paths(&problems), ["workload.classes[1].publish.topic"]);
        assert!(
            problems[0]
                .message
                .contains("`news` is not a topic of broker `mq`"),
            "{}",
            problems[0].message
        );
        v["workload"]["classes"][1] = json!({"publish": {"broker": "kafka", "log": "events"}});
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                "workload.classes[1].publish.broker",
                "workload.classes[1].publish.broker"
            ]
        );
        assert!(problems.iter().any(|p| p.message.contains("design `one`")));
        assert!(problems.iter().any(|p| p.message.contains("design `two`")));
    }

    #[test]
    fn brokers_and_stores_share_no_name_with_other_nodes() {
        let mut v = messaging_base();
        let one = &mut v["designs"][0];
        one["brokers"]["api"] = json!({"queues": {"q": {}}});
        one["kv_stores"]["db"] = json!({"op_ms": {"constant": {"value": 1.0}}});
        one["kv_stores"]["client"] = json!({"op_ms": {"constant": {"value": 1.0}}});
        one["brokers"]["cache"] = json!({"queues": {"q": {}}});
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                "designs[0].brokers.api",
                "designs[0].brokers.cache",
                "designs[0].kv_stores.client",
                "designs[0].kv_stores.db"
            ],
            "{problems:#?}"
        );
        assert!(problems
            .iter()
            .any(|p| p.message.contains("`api` names two nodes of design `one`")));
    }

    #[test]
    fn brokers_and_stores_are_fault_targets() {
        let mut v = messaging_base();
        v["designs"][1]["brokers"] = json!({"mq": {"queues": {"jobs": {}}}});
        v["designs"][1]["kv_stores"] = json!({"cache": {"op_ms": {"constant": {"value": 1.0}}}});
        v["faults"] = json!([
            {"at_s": 1.0, "action": {"crash": {"target": "mq"}}},
            {"at_s": 1.0, "action": {"slow": {"target": "cache", "factor": 3.0}}}
        ]);
        assert_eq!(check(v.clone()), vec![]);
        v["designs"][1]["kv_stores"] = json!({});
        assert_eq!(paths(&check(v)), ["faults[1].action.slow.target"]);
    }

    #[test]
    fn designs_are_required() {
        let mut v = base();
        v["designs"] = json!([]);
        // The class endpoint cannot be checked against no design: only the one problem.
        assert_eq!(paths(&check(v)), ["designs"]);
    }

    /// `base()` with a 3-replica store `kv` in both designs, a handler of design one that
    /// writes and reads it, and keys on the class: a valid starting point for the store checks.
    fn store_base() -> Value {
        let mut v = base();
        for d in 0..2 {
            v["designs"][d]["replicated_stores"] = json!({"kv": {"replicas": 3, "protocol": "cp"}});
        }
        v["designs"][0]["services"]["api"]["handlers"]["put"] = json!([
            {"store": {"store": "kv", "op": "write"}},
            {"store": {"store": "kv", "op": "read"}}
        ]);
        v["workload"]["classes"][0]["keys"] = json!({"count": 100, "zipf": 1.2});
        v
    }

    fn payment_base() -> Value {
        let mut v = base();
        for d in 0..2 {
            v["designs"][d]["lock_services"] = json!({"locks": {"lease_ms": 1000}});
            v["designs"][d]["account_stores"] =
                json!({"accounts": {"initial_balance": 100, "fencing": true}});
        }
        v["designs"][0]["services"]["api"]["handlers"]["put"] = json!([
            {"lock": {"service": "locks"}},
            {"read_balance": {"store": "accounts"}},
            {"debit": {"store": "accounts", "amount": 5}},
            {"unlock": {"service": "locks"}}
        ]);
        v
    }

    #[test]
    fn the_payment_base_is_valid() {
        assert_eq!(check(payment_base()), vec![]);
    }

    #[test]
    fn payment_steps_name_services_of_the_design_and_a_debit_follows_a_read() {
        let mut v = payment_base();
        v["designs"][0]["services"]["api"]["handlers"]["put"] = json!([
            {"lock": {"service": "mutex", "timeout_ms": 0}},
            {"debit": {"store": "accounts", "amount": 0}},
            {"read_balance": {"store": "ledger"}},
            {"unlock": {"service": "mutex"}}
        ]);
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                format!("{PUT}[0].lock.service"),
                format!("{PUT}[0].lock.timeout_ms"),
                format!("{PUT}[1].debit"),
                format!("{PUT}[1].debit.amount"),
                format!("{PUT}[2].read_balance.store"),
                format!("{PUT}[3].unlock.service"),
            ]
        );
        let at_path = |p: String| {
            problems
                .iter()
                .find(|x| x.path == p)
                .map(|x| x.message.as_str())
                .unwrap_or_default()
        };
        assert!(at_path(format!("{PUT}[0].lock.service"))
            .contains("`mutex` is not a lock service of design `one`"));
        assert!(at_path(format!("{PUT}[1].debit")).contains("put a `read_balance` of `accounts`"));
    }

    #[test]
    fn lock_services_and_account_stores_are_checked_and_are_fault_targets() {
        let mut v = payment_base();
        v["designs"][0]["lock_services"]["locks"]["lease_ms"] = json!(0);
        v["designs"][0]["account_stores"]["accounts"]["timeout_ms"] = json!(-1);
        v["designs"][1]["lock_services"]["api"] = json!({"lease_ms": 5});
        v["faults"] = json!([
            {"at_s": 1, "duration_s": 1, "action": {"crash": {"target": "locks"}}},
            {"at_s": 1, "duration_s": 1, "action": {"pause": {"target": "accounts"}}}
        ]);
        assert_eq!(
            paths(&check(v)),
            [
                "designs[0].account_stores.accounts.timeout_ms",
                "designs[0].lock_services.locks.lease_ms",
                "designs[1].lock_services.api",
            ]
        );
    }

    #[test]
    fn the_store_base_is_valid() {
        assert_eq!(check(store_base()), vec![]);
    }

    #[test]
    fn a_store_step_names_a_replicated_store_of_the_design() {
        let mut v = store_base();
        v["designs"][0]["services"]["api"]["handlers"]["put"][1] =
            json!({"store": {"store": "nope", "op": "read"}});
        let problems = check(v);
        assert_eq!(paths(&problems), [format!("{PUT}[1].store.store")]);
        assert!(
            problems[0]
                .message
                .contains("`nope` is not a replicated store of design `one` (stores: `kv`)"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn replicated_store_settings_are_in_range() {
        let mut v = store_base();
        let one = &mut v["designs"][0]["replicated_stores"]["kv"];
        one["replicas"] = json!(0);
        one["timeout_ms"] = json!(0.0);
        let two = &mut v["designs"][1]["replicated_stores"]["kv"];
        two["replicas"] = json!(33);
        two["timeout_ms"] = json!(-5.0);
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                "designs[0].replicated_stores.kv.replicas",
                "designs[0].replicated_stores.kv.timeout_ms",
                "designs[1].replicated_stores.kv.replicas",
                "designs[1].replicated_stores.kv.timeout_ms"
            ],
            "{problems:#?}"
        );
        assert!(problems
            .iter()
            .any(|p| p.message.contains("between 1 and 32")));
        // 1 and 32 replicas are fine.
        let mut v = store_base();
        v["designs"][0]["replicated_stores"]["kv"]["replicas"] = json!(1);
        v["designs"][1]["replicated_stores"]["kv"]["replicas"] = json!(32);
        assert_eq!(check(v), vec![]);
    }

    #[test]
    fn a_class_instance_must_exist_in_every_design() {
        // Design one's api has 2 instances, design two's 1.
        let mut v = store_base();
        v["workload"]["classes"][0]["instance"] = json!(0);
        assert_eq!(check(v.clone()), vec![]);
        v["workload"]["classes"][0]["instance"] = json!(1);
        let problems = check(v.clone());
        assert_eq!(paths(&problems), ["workload.classes[0].instance"]);
        assert!(
            problems[0]
                .message
                .contains("design `two`'s entry service has 1 instance(s)"),
            "{}",
            problems[0].message
        );
        v["workload"]["classes"][0]["instance"] = json!(2);
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                "workload.classes[0].instance",
                "workload.classes[0].instance"
            ]
        );
        assert!(problems.iter().any(|p| p.message.contains("design `one`")));
    }

    #[test]
    fn class_keys_need_a_key_and_a_positive_zipf_exponent() {
        let mut v = store_base();
        v["workload"]["classes"][0]["keys"] = json!({"count": 0, "zipf": 0.0});
        let problems = check(v.clone());
        // Said once, though there are two designs.
        assert_eq!(
            paths(&problems),
            [
                "workload.classes[0].keys.count",
                "workload.classes[0].keys.zipf"
            ],
            "{problems:#?}"
        );
        v["workload"]["classes"][0]["keys"] = json!({"count": 1, "zipf": -1.0});
        assert_eq!(paths(&check(v.clone())), ["workload.classes[0].keys.zipf"]);
        // No exponent: uniform.
        v["workload"]["classes"][0]["keys"] = json!({"count": 1});
        assert_eq!(check(v), vec![]);
    }

    #[test]
    fn store_replicas_are_fault_targets_numbered_from_0() {
        let mut v = store_base();
        v["faults"] = json!([
            {"at_s": 1.0, "action": {"crash": {"target": "kv#2"}}},
            {"at_s": 1.0, "action": {"partition": {"groups": [["kv#0"], ["kv"]]}}}
        ]);
        assert_eq!(check(v.clone()), vec![]);
        v["faults"] = json!([{"at_s": 1.0, "action": {"crash": {"target": "kv#3"}}}]);
        let problems = check(v);
        // Once per design: both have 3 replicas.
        assert_eq!(
            paths(&problems),
            [
                "faults[0].action.crash.target",
                "faults[0].action.crash.target"
            ]
        );
        assert!(
            problems[0]
                .message
                .contains("replicated store `kv` has 3 replica(s), numbered from 0"),
            "{}",
            problems[0].message
        );
    }

    #[test]
    fn a_store_shares_no_name_with_other_nodes() {
        let mut v = store_base();
        let one = &mut v["designs"][0];
        one["replicated_stores"]["api"] = json!({"replicas": 1, "protocol": "ap"});
        one["replicated_stores"]["db"] = json!({"replicas": 1, "protocol": "primary_backup_sync"});
        let problems = check(v);
        assert_eq!(
            paths(&problems),
            [
                "designs[0].replicated_stores.api",
                "designs[0].replicated_stores.db"
            ],
            "{problems:#?}"
        );
        assert!(problems
            .iter()
            .any(|p| p.message.contains("`api` names two nodes of design `one`")));
    }
}
