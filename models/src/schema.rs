//! A JSON Schema (draft 2020-12) of the scenario file, for editors: completion, hover text and
//! early errors while writing a scenario (point a file's `"$schema"` at the schema, or
//! configure the editor).
//!
//! Built by hand to mirror [`crate::scenario`] (field names, variants, defaults, doc comments as
//! descriptions); the tests compare it with the serde types so a field added there and not here
//! fails them. It checks the shape and simple ranges only: references between parts (an
//! endpoint naming a handler, a fault target naming a node) and cycles are caplab's to check
//! (see [`crate::validate`]).

use serde_json::{json, Map, Value};

/// The JSON Schema of the scenario file format.
pub fn json_schema() -> Value {
    let mut defs = Map::new();
    for (name, def) in definitions() {
        defs.insert(name.to_string(), def);
    }
    let body = object(
        "A caplab scenario: one question, several designs facing the same workload and faults.",
        json!({
            "$schema": {
                "type": "string",
                "description": "Optional JSON Schema reference for editors; ignored by caplab."
            },
            "version": {
                "type": "integer",
                "const": crate::scenario::FORMAT_VERSION,
                "description": "Format version; must be 1."
            },
            "name": {
                "type": "string",
                "minLength": 1,
                "maxLength": crate::scenario::limits::MAX_NAME_CHARS,
                "description": "Short name (used in results and reports), at most 100 characters."
            },
            "description": string("What the scenario asks and every assumption it makes."),
            "seed": integer(0, "The scenario seed; `caplab run --seed` overrides it."),
            "duration_s": positive(
                "Simulated time of one run, in seconds (measured part plus warm-up)."
            ),
            "warmup_s": with_default(
                non_negative(
                    "Leading seconds excluded from metrics (requests issued before it are not \
                     counted). Must be less than duration_s."
                ),
                json!(0.0),
            ),
            "window_s": with_default(
                positive("Width of a time-series window, in seconds."),
                json!(1.0),
            ),
            "limits": with_default(
                reference("Limits", "Safety limits that stop a runaway scenario."),
                json!({"max_events": 200_000_000_u64, "max_windows": 100_000, "max_in_flight": 1_000_000, "max_memory_mb": 1_024}),
            ),
            "network": with_default(
                reference("NetworkSpec", "The network between every pair of nodes."),
                json!({"latency_ms": {"constant": {"value": 0.25}}, "loss": 0.0, "duplicate": 0.0}),
            ),
            "workload": reference("Workload", "The load every design faces."),
            "faults": with_default(
                array(reference("FaultSpec", "A fault."), 0, "The faults every design faces."),
                json!([]),
            ),
            "designs": array(reference("Design", "A design."), 1, "The designs compared."),
            "sweep": optional(reference(
                "Sweep",
                "Parameters to sweep (`caplab sweep`): numeric fields by JSON path, crossed as a \
                 grid."
            )),
            "assertions": with_default(
                array(
                    reference("Assertion", "An expectation."),
                    0,
                    "Expectations on every design's results (`caplab check`).",
                ),
                json!([]),
            ),
            "chaos": optional(reference(
                "Chaos",
                "Random faults drawn from the run's seed, the same for every design (`caplab \
                 chaos`)."
            )),
            "reliability": optional(reference(
                "Reliability",
                "Operation over months: the horizon and how uptime is judged, for the \
                 designs' `failures`."
            )),
            "trace": optional(reference(
                "TraceSpec",
                "Distributed tracing of the requests (observation only: it changes no result \
                 but the `tracing` summary). Absent: no tracing."
            )),
        }),
        &[
            "version",
            "name",
            "description",
            "seed",
            "duration_s",
            "workload",
            "designs",
        ],
    );
    // `$schema` and `title` first, for whoever reads the file.
    let mut root = Map::new();
    root.insert(
        "$schema".to_string(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("title".to_string(), json!("caplab scenario"));
    root.extend(body);
    root.insert("$defs".to_string(), Value::Object(defs));
    Value::Object(root)
}

/// The named sub-schemas, referenced as `#/$defs/NAME`.
fn definitions() -> Vec<(&'static str, Value)> {
    vec![
        (
            "Limits",
            Value::Object(object(
                "Limits that keep a huge scenario from exhausting the machine.",
                json!({
                    "max_events": with_default(
                        integer(1, "Most events one design's run may process; the run stops \
                                    there and says so."),
                        json!(200_000_000_u64),
                    ),
                    "max_windows": with_default(
                        integer(1, "Most time-series windows (duration / window)."),
                        json!(100_000),
                    ),
                    "max_in_flight": with_default(
                        integer(1, "Most requests in flight at once in one design (further \
                                    arrivals are rejected)."),
                        json!(1_000_000),
                    ),
                    "max_memory_mb": with_default(
                        integer(1, "Memory budget of one design's run, in megabytes: the model \
                                    state that grows with the load (events pending, requests, \
                                    queued messages and log records, store writes, trace \
                                    spans), estimated from counts, so the same on every \
                                    machine. Checked every 65,536 events; past it the run \
                                    stops (`memory_limit`)."),
                        json!(1_024),
                    ),
                }),
                &[],
            )),
        ),
        (
            "NetworkSpec",
            Value::Object(object(
                "The network every message crosses (between any two distinct nodes).",
                json!({
                    "latency_ms": with_default(
                        reference("Dist", "One-way latency, in milliseconds."),
                        json!({"constant": {"value": 0.25}}),
                    ),
                    "loss": with_default(probability("Probability that a message is lost."), json!(0.0)),
                    "duplicate": with_default(
                        probability("Probability that a message is delivered twice."),
                        json!(0.0),
                    ),
                }),
                &[],
            )),
        ),
        (
            "Workload",
            Value::Object(object(
                "Who sends requests, how often, and to which endpoints.",
                json!({
                    "arrivals": reference(
                        "Arrivals",
                        "The shared arrival process: each request picks a class (without its \
                         own `arrivals`) by weight."
                    ),
                    "classes": array(
                        reference("RequestClass", "A request class."),
                        1,
                        "Request classes and their mix.",
                    ),
                }),
                &["arrivals", "classes"],
            )),
        ),
        (
            "Arrivals",
            tagged(
                "How requests arrive.",
                vec![
                    variant(
                        "poisson",
                        "Open loop: a Poisson process at a constant rate.",
                        json!({"rate_per_s": non_negative("Requests per second.")}),
                        &["rate_per_s"],
                    ),
                    variant(
                        "piecewise",
                        "Open loop: a Poisson process whose rate changes at given times (peaks, \
                         spikes).",
                        json!({
                            "segments": array(
                                reference("RateSegment", "A segment."),
                                1,
                                "Segments in increasing `from_s`; the first starts at 0.",
                            )
                        }),
                        &["segments"],
                    ),
                    variant(
                        "closed",
                        "Closed loop: each user sends a request, waits for its outcome, thinks, \
                         repeats.",
                        json!({
                            "users": at_most(
                                integer(1, "Number of users (at most 1,000,000 over every \
                                            arrival process)."),
                                crate::scenario::limits::MAX_USERS,
                            ),
                            "think_ms": reference(
                                "Dist",
                                "Think time between a user's requests, in milliseconds."
                            ),
                        }),
                        &["users", "think_ms"],
                    ),
                ],
            ),
        ),
        (
            "RateSegment",
            Value::Object(object(
                "From `from_s` on (until the next segment), requests arrive at `rate_per_s`.",
                json!({
                    "from_s": non_negative("Start of the segment, in seconds."),
                    "rate_per_s": non_negative("Requests per second during the segment."),
                }),
                &["from_s", "rate_per_s"],
            )),
        ),
        (
            "RequestClass",
            Value::Object(object(
                "A kind of request: which endpoint of the entry service it calls, how often, and \
                 how long the client waits.",
                json!({
                    "endpoint": with_default(
                        string("The endpoint of the design's entry service (or, with `publish`, \
                                empty)."),
                        json!(""),
                    ),
                    "publish": optional(reference(
                        "PublishSpec",
                        "Instead of calling the entry service, the client publishes a message \
                         straight to a broker (an event producer); the request ends when the \
                         broker accepts it. The class is named after the destination in results."
                    )),
                    "weight": with_default(positive("Relative weight in the mix."), json!(1.0)),
                    "timeout_ms": with_default(
                        positive("The client gives up after this long, in milliseconds (the \
                                  request ends as a timeout)."),
                        json!(30_000.0),
                    ),
                    "arrivals": optional(reference(
                        "Arrivals",
                        "An arrival process of the class's own (a storm of one kind of request, \
                         say); the class then takes no part in the shared mix and its `weight` \
                         is ignored."
                    )),
                    "name": optional(string(
                        "Label of the class in results (default: its endpoint or destination)."
                    )),
                    "instance": optional(integer(
                        0,
                        "Sends every request of the class to this instance of the entry service \
                         (users of one region, say) instead of balancing; numbered from 0."
                    )),
                    "keys": optional(reference(
                        "KeySpec",
                        "Keys the class's requests touch (for replicated-store steps)."
                    )),
                }),
                &[],
            )),
        ),
        (
            "FaultSpec",
            Value::Object(object(
                "A fault at a time, optionally undone after a duration.",
                json!({
                    "at_s": non_negative("When the fault starts, in seconds (before duration_s)."),
                    "duration_s": optional(positive(
                        "How long it lasts, in seconds; it is then undone (restart, heal, normal \
                         speed, no spike). Absent: for the rest of the run."
                    )),
                    "action": reference("FaultAction", "What happens."),
                }),
                &["at_s", "action"],
            )),
        ),
        (
            "Target",
            json!({
                "type": "string",
                "minLength": 1,
                "description": "A node of every design: a service name (all its instances), a \
                                service instance `name#i` (from 0), a database, broker, \
                                key-value store or replicated store name (all its replicas), a \
                                replica `store#i` (from 0), or `client`."
            }),
        ),
        (
            "FaultAction",
            tagged(
                "A fault. Targets name nodes of the designs: a service name (all its instances), \
                 a service instance `name#i`, a database name, or `client`. Every design must \
                 have them.",
                vec![
                    variant(
                        "crash",
                        "The target crashes (volatile state lost); with `duration_s`, it restarts \
                         after it.",
                        json!({"target": reference("Target", "Node(s) to crash.")}),
                        &["target"],
                    ),
                    variant(
                        "partition",
                        "Groups of targets that cannot reach each other (the rest form one more \
                         group).",
                        json!({
                            "groups": array(
                                array(reference("Target", "A node."), 1, "A group."),
                                1,
                                "The groups.",
                            )
                        }),
                        &["groups"],
                    ),
                    variant(
                        "one_way_partition",
                        "Messages from `from` to `to` are dropped.",
                        json!({
                            "from": array(reference("Target", "A node."), 1, "Cut-off senders."),
                            "to": array(reference("Target", "A node."), 1, "Unreachable receivers."),
                        }),
                        &["from", "to"],
                    ),
                    variant(
                        "slow",
                        "The target's work takes `factor` times longer.",
                        json!({
                            "target": reference("Target", "Node(s) slowed."),
                            "factor": non_negative("Multiplier on work durations."),
                        }),
                        &["target", "factor"],
                    ),
                    variant(
                        "latency_spike",
                        "Messages from or to the targets take `extra_ms` longer.",
                        json!({
                            "targets": with_default(
                                array(reference("Target", "A node."), 0, "Node(s) affected; empty \
                                                                           means all."),
                                json!([]),
                            ),
                            "extra_ms": non_negative("Added one-way latency in milliseconds."),
                        }),
                        &["extra_ms"],
                    ),
                    variant(
                        "pause",
                        "The target's process stops for duration_s (required) without losing state, like a long garbage-collection pause: what is addressed to it waits.",
                        json!({ "target": reference("Target", "Node(s) paused.") }),
                        &["target"],
                    ),
                    variant(
                        "drain",
                        "The load balancers stop sending to the target (a health check took it out of rotation) for duration_s, or to the end; its process is untouched.",
                        json!({ "target": reference("Target", "Service instance(s) taken out of rotation.") }),
                        &["target"],
                    ),
                    variant(
                        "clock_skew",
                        "The target's clock is offset and drifts.",
                        json!({
                            "target": reference("Target", "Node(s) whose clocks change."),
                            "offset_ms": number("Offset in milliseconds (may be negative)."),
                            "drift_ppm": with_default(
                                number("Drift in parts per million."),
                                json!(0.0),
                            ),
                        }),
                        &["target", "offset_ms"],
                    ),
                ],
            ),
        ),
        (
            "Design",
            Value::Object(object(
                "One architecture answering the scenario's question.",
                json!({
                    "name": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": crate::scenario::limits::MAX_NAME_CHARS,
                        "description": "Short name, unique in the file, at most 100 characters."
                    },
                    "description": with_default(string("What the design is."), json!("")),
                    "entry": string("The service that receives the clients' requests."),
                    "services": {
                        "type": "object",
                        "description": "Services (deployable processes), by name.",
                        "minProperties": 1,
                        "additionalProperties": reference("Service", "A service.")
                    },
                    "databases": with_default(
                        json!({
                            "type": "object",
                            "description": "Databases, by name.",
                            "additionalProperties": reference("Database", "A database.")
                        }),
                        json!({}),
                    ),
                    "brokers": with_default(
                        json!({
                            "type": "object",
                            "description": "Message brokers (queues, topics, partitioned logs), \
                                            by name.",
                            "additionalProperties": reference("Broker", "A broker.")
                        }),
                        json!({}),
                    ),
                    "kv_stores": with_default(
                        json!({
                            "type": "object",
                            "description": "Key-value stores (single-threaded, Redis-like), by \
                                            name.",
                            "additionalProperties": reference("KvStore", "A key-value store.")
                        }),
                        json!({}),
                    ),
                    "replicated_stores": with_default(
                        json!({
                            "type": "object",
                            "description": "Replicated registers (one value per key, several \
                                            replicas), by name.",
                            "additionalProperties": reference(
                                "ReplicatedStore",
                                "A replicated store."
                            )
                        }),
                        json!({}),
                    ),
                    "lock_services": with_default(
                        json!({
                            "type": "object",
                            "description": "Lock services (leases with fencing tokens), by name.",
                            "additionalProperties": reference("LockService", "A lock service.")
                        }),
                        json!({}),
                    ),
                    "account_stores": with_default(
                        json!({
                            "type": "object",
                            "description": "Account stores (a balance per key, \
                                            read-modify-written by payments), by name.",
                            "additionalProperties": reference(
                                "AccountStore",
                                "An account store."
                            )
                        }),
                        json!({}),
                    ),
                    "cost": optional(reference(
                        "Cost",
                        "What the design costs to run per month (reported as `cost_month_usd`)."
                    )),
                    "failures": with_default(
                        json!({
                            "type": "object",
                            "description": "How components fail and recover, by component \
                                            name (a service: each instance).",
                            "additionalProperties": reference("FailureModel", "A failure model.")
                        }),
                        json!({}),
                    ),
                    "propagate_trace_ids": with_default(
                        json!({
                            "type": "boolean",
                            "description": "Whether the services pass trace ids on to the \
                                            services they call. `false` models a system without \
                                            distributed tracing: a trace holds only the \
                                            client's and the entry service's spans."
                        }),
                        json!(true),
                    ),
                }),
                &["name", "entry", "services"],
            )),
        ),
        (
            "TraceSpec",
            Value::Object(object(
                "Which request traces a run keeps (tail-based: decided when each request ends), \
                 and the caps that bound their memory.",
                json!({
                    "sample_rate": with_default(
                        probability("Fraction of requests kept whatever happens to them, chosen \
                                     by a hash of the seed and the request's number."),
                        json!(0.01),
                    ),
                    "keep_failed": with_default(
                        json!({
                            "type": "boolean",
                            "description": "Also keep the trace of every request that fails."
                        }),
                        json!(true),
                    ),
                    "slow_ms": optional(positive(
                        "Also keep the trace of every request slower than this, in milliseconds. \
                         Absent: slowness keeps nothing."
                    )),
                    "max_traces": with_default(
                        integer(1, "Most traces kept per design (failed before slow before \
                                    sampled); the rest are counted."),
                        json!(1_000),
                    ),
                    "max_spans_per_trace": with_default(
                        json!({
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 65_535,
                            "description": "Most spans one trace holds; later spans are counted."
                        }),
                        json!(512),
                    ),
                    "max_buffered_spans": with_default(
                        integer(1, "Most spans buffered at once for the requests in flight (the \
                                    memory bound); the rest are counted."),
                        json!(1_000_000),
                    ),
                }),
                &[],
            )),
        ),
        (
            "Cost",
            Value::Object(object(
                "What a design costs to run, per month, in US dollars.",
                json!({
                    "per_node_month_usd": with_default(
                        non_negative("Price of each node (service instance, database, broker, \
                                      store) per month."),
                        json!(0.0),
                    ),
                    "nodes_month_usd": with_default(
                        json!({
                            "type": "object",
                            "description": "Price per node of the named components (a service: \
                                            each of its instances), replacing \
                                            `per_node_month_usd` for them.",
                            "additionalProperties": non_negative("Price per node per month.")
                        }),
                        json!({}),
                    ),
                    "fixed_month_usd": with_default(
                        non_negative("A fixed amount per month on top (managed services, \
                                      licences)."),
                        json!(0.0),
                    ),
                }),
                &[],
            )),
        ),
        (
            "Sweep",
            Value::Object(object(
                "A sweep: parameters crossed as a grid (the last varies fastest).",
                json!({
                    "parameters": array(
                        reference("SweepParameter", "A parameter."),
                        1,
                        "The parameters, crossed as a grid (the last varies fastest).",
                    ),
                    "replications": with_default(
                        at_most(
                            integer(1, "Replications per point and design (`caplab sweep \
                                        --replications` overrides it), at most 1,000."),
                            crate::scenario::limits::MAX_REPLICATIONS,
                        ),
                        json!(1),
                    ),
                }),
                &["parameters"],
            )),
        ),
        (
            "SweepParameter",
            Value::Object(object(
                "One swept parameter: a named variable set into one or more numeric fields \
                 (give `values` or `range`).",
                json!({
                    "name": optional(string(
                        "Name in tables and charts. Absent: the last key of the first path."
                    )),
                    "path": optional(string(
                        "JSON path of the field set at each point: keys separated by dots, \
                         indexes in brackets, `*` and `[*]` for every member or element \
                         (`workload.arrivals.closed.users`, `designs[*].services.api.instances`)."
                    )),
                    "paths": with_default(
                        array(string("A JSON path."), 0, "More paths set to the same value."),
                        json!([]),
                    ),
                    "values": optional(array(
                        number("A value."),
                        1,
                        "The values, in order (exactly one of `values` and `range`).",
                    )),
                    "range": optional(reference(
                        "SweepRange",
                        "Evenly spaced values, linearly or logarithmically."
                    )),
                }),
                &[],
            )),
        ),
        (
            "SweepRange",
            Value::Object(object(
                "`steps` values from `from` to `to`, both included.",
                json!({
                    "from": number("First value."),
                    "to": number("Last value."),
                    "steps": at_most(
                        integer(1, "Number of values (with 1, only `from`), at most 100,000 \
                                    (the most points a sweep may have)."),
                        crate::scenario::sweep::MAX_POINTS as u64,
                    ),
                    "scale": with_default(
                        reference("Scale", "Spacing of the values."),
                        json!("linear"),
                    ),
                }),
                &["from", "to", "steps"],
            )),
        ),
        (
            "Scale",
            json!({
                "description": "Spacing of a range.",
                "oneOf": [
                    unit_variant("linear", "Equal differences."),
                    unit_variant("log", "Equal ratios (`from` and `to` must be positive)."),
                ]
            }),
        ),
        (
            "Chaos",
            Value::Object(object(
                "Random faults drawn from the run's seed (stream `chaos/schedule`), the same for \
                 every design: kill, pause, partition, latency, slow, clock skew, within limits.",
                json!({
                    "targets": with_default(
                        array(
                            string("A node: `service#i`, a service, a database, a broker, a store."),
                            0,
                            "Nodes the generator picks from. Empty: every node that every design \
                             has, the client aside.",
                        ),
                        json!([]),
                    ),
                    "start_s": optional(non_negative(
                        "No chaos fault starts before this, in seconds. Absent: at the end of \
                         the warm-up."
                    )),
                    "quiet_s": with_default(
                        non_negative("Every chaos fault has ended this many seconds before the \
                                      run does, so that work in flight can drain before the \
                                      invariants are judged."),
                        json!(10.0),
                    ),
                    "max_concurrent": with_default(
                        integer(1, "Most chaos faults active at once."),
                        json!(1),
                    ),
                    "min_duration_s": with_default(
                        positive("Shortest chaos fault, in seconds."),
                        json!(1.0),
                    ),
                    "max_duration_s": with_default(
                        positive("Longest chaos fault, in seconds."),
                        json!(10.0),
                    ),
                    "kill": optional(reference(
                        "ChaosRate",
                        "Kill a node (it restarts when the fault ends)."
                    )),
                    "pause": optional(reference(
                        "ChaosRate",
                        "Pause a node's process (a long garbage-collection pause)."
                    )),
                    "partition": optional(reference(
                        "ChaosRate",
                        "Cut a random group of the targets (up to half of them) off from the rest."
                    )),
                    "latency": optional(reference(
                        "LatencyChaos",
                        "Add latency to every message from or to a node."
                    )),
                    "slow": optional(reference(
                        "SlowChaos",
                        "Slow a node's CPU down: its work takes `factor` times as long."
                    )),
                    "clock_skew": optional(reference(
                        "ClockSkewChaos",
                        "Skew a node's clock: an offset, and optionally a drift."
                    )),
                    "runs": with_default(
                        integer(1, "Seeds `caplab chaos` runs when `--runs` is not given."),
                        json!(20),
                    ),
                }),
                &[],
            )),
        ),
        (
            "ChaosRate",
            Value::Object(object(
                "How often one kind of chaos fault arrives, and how many a run may have.",
                json!({
                    "rate_per_min": non_negative(
                        "Mean arrivals per simulated minute (a Poisson process)."
                    ),
                    "max": optional(integer(
                        0,
                        "Most faults of this kind in one run. Absent: no limit but the others."
                    )),
                }),
                &["rate_per_min"],
            )),
        ),
        (
            "LatencyChaos",
            Value::Object(object(
                "Latency injection: a rate and the extra one-way latency.",
                json!({
                    "rate_per_min": non_negative(
                        "Mean arrivals per simulated minute (a Poisson process)."
                    ),
                    "max": optional(integer(
                        0,
                        "Most latency faults in one run. Absent: no limit but the others."
                    )),
                    "extra_ms": reference(
                        "Dist",
                        "Extra one-way latency of each fault, in milliseconds (drawn once per \
                         fault)."
                    ),
                }),
                &["rate_per_min", "extra_ms"],
            )),
        ),
        (
            "SlowChaos",
            Value::Object(object(
                "CPU slowdown: a rate and the slowdown factor.",
                json!({
                    "rate_per_min": non_negative(
                        "Mean arrivals per simulated minute (a Poisson process)."
                    ),
                    "max": optional(integer(
                        0,
                        "Most slow faults in one run. Absent: no limit but the others."
                    )),
                    "factor": reference(
                        "Dist",
                        "Multiplier on the node's work durations, drawn once per fault (3: \
                         three times as slow)."
                    ),
                }),
                &["rate_per_min", "factor"],
            )),
        ),
        (
            "ClockSkewChaos",
            Value::Object(object(
                "Clock skew: a rate, the offset and the drift.",
                json!({
                    "rate_per_min": non_negative(
                        "Mean arrivals per simulated minute (a Poisson process)."
                    ),
                    "max": optional(integer(
                        0,
                        "Most clock-skew faults in one run. Absent: no limit but the others."
                    )),
                    "offset_ms": reference(
                        "Dist",
                        "How far the clock is off, in milliseconds, drawn once per fault; \
                         ahead or behind with even odds."
                    ),
                    "drift_ppm": optional(reference(
                        "Dist",
                        "How fast it drifts further, in parts per million, drawn once per \
                         fault, in the direction of the offset. Absent: no drift."
                    )),
                }),
                &["rate_per_min", "offset_ms"],
            )),
        ),
        (
            "Reliability",
            Value::Object(object(
                "Operation over months: each distinct system state of the failure process \
                 simulated at request level, weighted by the time spent in it.",
                json!({
                    "horizon_days": positive("Simulated operation per replication, in days."),
                    "replications": with_default(
                        at_most(
                            integer(1, "Independent replications of the failure process (for \
                                        confidence intervals), at most 1,000."),
                            crate::scenario::limits::MAX_REPLICATIONS,
                        ),
                        json!(10),
                    ),
                    "min_availability": with_default(
                        probability("An endpoint meets its success criterion when at least \
                                     this fraction of its requests succeed (in a system state; \
                                     in a window of the full simulation)."),
                        json!(0.99),
                    ),
                    "state_s": with_default(
                        positive("Measured seconds of each distinct system state's \
                                  request-level simulation."),
                        json!(60.0),
                    ),
                    "state_warmup_s": with_default(
                        non_negative("Warm-up seconds of each state's simulation (not \
                                      measured)."),
                        json!(10.0),
                    ),
                    "peak_rate_per_s": optional(positive(
                        "Offered load of the peak-throughput measurement (all components up), \
                         requests per second, Poisson, instead of the shared arrivals. Absent: \
                         no peak measurement."
                    )),
                    "max_states": with_default(
                        integer(1, "Most distinct system states simulated at request level per \
                                    design; time in states beyond it counts as missing the \
                                    criterion, and is reported."),
                        json!(256),
                    ),
                }),
                &["horizon_days"],
            )),
        ),
        (
            "FailureModel",
            Value::Object(object(
                "How one component fails and comes back.",
                json!({
                    "mtbf_h": positive("Mean time between failures of each instance, in hours \
                                        (from recovery to the next failure)."),
                    "weibull_shape": optional(json!({
                        "type": "number",
                        "minimum": 0.1,
                        "description": "Weibull shape of the time to failure (below 1: infant \
                                        mortality; above 1: wear-out), with the same mean. \
                                        Absent: exponential."
                    })),
                    "health_check": optional(reference(
                        "HealthCheck",
                        "Health checks that notice a failure. Absent: noticed at once."
                    )),
                    "supervisor": optional(reference(
                        "Supervisor",
                        "Automatic restart once the failure is noticed. Absent: every failure \
                         pages the on-call human."
                    )),
                    "on_call": optional(reference(
                        "OnCall",
                        "The on-call human, paged for what the supervisor does not fix."
                    )),
                }),
                &["mtbf_h"],
            )),
        ),
        (
            "HealthCheck",
            Value::Object(object(
                "Periodic health checks.",
                json!({
                    "interval_s": positive("Time between two checks, in seconds."),
                    "threshold": with_default(
                        integer(1, "Consecutive failed checks before the instance is declared \
                                    down."),
                        json!(3),
                    ),
                }),
                &["interval_s"],
            )),
        ),
        (
            "Supervisor",
            Value::Object(object(
                "A supervisor (systemd, Kubernetes, an autoscaler) restarting or replacing an \
                 instance.",
                json!({
                    "restart_s": reference(
                        "Dist",
                        "Time to restart or replace the instance, in seconds."
                    ),
                    "fixes": with_default(
                        probability("Probability that the restart fixes the failure (otherwise \
                                     the on-call is paged)."),
                        json!(1.0),
                    ),
                }),
                &["restart_s"],
            )),
        ),
        (
            "OnCall",
            Value::Object(object(
                "Manual recovery by a paged human.",
                json!({
                    "response_min": reference(
                        "Dist",
                        "Time from the page to someone working on it, in minutes."
                    ),
                    "repair_min": reference(
                        "Dist",
                        "Time to repair once someone works on it, in minutes."
                    ),
                }),
                &["response_min", "repair_min"],
            )),
        ),
        (
            "Assertion",
            Value::Object(object(
                "An expectation on the results of every design (or of one).",
                json!({
                    "expect": string(
                        "`METRIC OP NUMBER` (ops <, <=, >, >=, ==, !=; a number may end in %), \
                         or a boolean metric alone (it must be true): `p99_latency_ms < 120`, \
                         `failure_rate <= 0.01`, `endpoints.checkout.failure_rate < 1%`."
                    ),
                    "design": optional(string("Only this design. Absent: every design.")),
                    "confidence": optional(json!({
                        "type": "number",
                        "exclusiveMinimum": 0,
                        "exclusiveMaximum": 1,
                        "description": "The bound must hold for the far end of this two-sided \
                                        confidence interval across the replications (e.g. \
                                        0.95). Absent: the mean must satisfy it."
                    })),
                    "replications": optional(at_most(
                        integer(
                            1,
                            "Replications needed, at most 1,000. Absent: 5 with a \
                             `confidence`, else 1."
                        ),
                        crate::scenario::limits::MAX_REPLICATIONS,
                    )),
                }),
                &["expect"],
            )),
        ),
        (
            "Broker",
            Value::Object(object(
                "A message broker node: named queues, publish/subscribe topics and partitioned \
                 logs (at least one of them).",
                json!({
                    "durable": with_default(
                        json!({
                            "type": "boolean",
                            "description": "Messages survive a crash of the broker (written to \
                                            disk); otherwise a crash loses every message it \
                                            holds, and the loss is counted."
                        }),
                        json!(false),
                    ),
                    "queues": with_default(
                        json!({
                            "type": "object",
                            "description": "Work queues, by name.",
                            "additionalProperties": reference("QueueSpec", "A queue.")
                        }),
                        json!({}),
                    ),
                    "topics": with_default(
                        json!({
                            "type": "object",
                            "description": "Topics: a message published to one is copied into \
                                            each subscriber queue.",
                            "additionalProperties": reference("TopicSpec", "A topic.")
                        }),
                        json!({}),
                    ),
                    "logs": with_default(
                        json!({
                            "type": "object",
                            "description": "Partitioned logs (Kafka-like), by name.",
                            "additionalProperties": reference("LogSpec", "A log.")
                        }),
                        json!({}),
                    ),
                }),
                &[],
            )),
        ),
        (
            "QueueSpec",
            Value::Object(object(
                "A work queue.",
                json!({
                    "capacity": optional(integer(
                        1,
                        "Most messages held (queued and unacknowledged); a publish beyond it \
                         is rejected or blocks (`when_full`). Absent: 10,000,000."
                    )),
                    "when_full": with_default(
                        reference("WhenFull", "What a publish to a full queue does."),
                        json!("reject"),
                    ),
                    "delivery": with_default(
                        reference("Delivery", "How messages are handed to consumers."),
                        json!("pop"),
                    ),
                    "visibility_timeout_ms": with_default(
                        positive("With `ack` delivery: a message not acknowledged within this \
                                  time, in milliseconds, is delivered again."),
                        json!(30_000.0),
                    ),
                    "max_deliveries": optional(integer(
                        1,
                        "With `ack` delivery: a message delivered this many times without an \
                         acknowledgement is dead-lettered instead of delivered again. Absent: no \
                         limit."
                    )),
                    "dead_letter": optional(string(
                        "Queue (of the same broker, not this one) that receives dead-lettered \
                         messages, where they can be inspected or consumed. Absent: \
                         dead-lettered messages are only counted."
                    )),
                }),
                &[],
            )),
        ),
        (
            "OnError",
            json!({
                "description": "What a caller does with a call that failed for good.",
                "oneOf": [
                    unit_variant("fail", "The step fails: the failure travels up."),
                    unit_variant(
                        "swallow",
                        "The error is caught and ignored: the handler carries on as if the call \
                         had succeeded, without its data (counted in `swallowed_errors`)."
                    ),
                    unit_variant(
                        "no_reply",
                        "The error is caught and the handler ends without answering its caller, \
                         who waits (for ever without a timeout); counted in `swallowed_errors`."
                    ),
                ]
            }),
        ),
        (
            "WhenFull",
            json!({
                "description": "What happens to a publish when the queue is full.",
                "oneOf": [
                    unit_variant("reject", "The publish is refused; the producer sees a rejection."),
                    unit_variant(
                        "block",
                        "The producer waits (without an answer) until there is room, or its \
                         timeout."
                    ),
                ]
            }),
        ),
        (
            "Delivery",
            json!({
                "description": "How a queue hands messages to consumers.",
                "oneOf": [
                    unit_variant(
                        "pop",
                        "Naive pop (Redis `BLPOP`): a message handed out is gone from the broker; \
                         if the consumer dies before finishing it, it is lost."
                    ),
                    unit_variant(
                        "ack",
                        "Acknowledged delivery: a message stays (invisible) until acknowledged, \
                         and is delivered again after the visibility timeout: at-least-once."
                    ),
                ]
            }),
        ),
        (
            "TopicSpec",
            Value::Object(object(
                "A publish/subscribe topic.",
                json!({
                    "subscribers": array(
                        string("A queue of the broker."),
                        1,
                        "Queues (of the same broker) that each receive a copy.",
                    ),
                }),
                &["subscribers"],
            )),
        ),
        (
            "LogSpec",
            Value::Object(object(
                "A partitioned log.",
                json!({
                    "partitions": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 16_384,
                        "description": "Number of partitions; a message goes to partition \
                                        `hash(key) % partitions`."
                    },
                    "retention_records": with_default(
                        integer(0, "Records kept behind the slowest committed offset, for replay."),
                        json!(10_000),
                    ),
                    "session_timeout_ms": with_default(
                        positive("A consumer that has not polled for this long, in \
                                  milliseconds, leaves its group (rebalance)."),
                        json!(3_000.0),
                    ),
                    "capacity": optional(integer(
                        1,
                        "Most records the log retains over all its partitions (unprocessed \
                         ones and the retention window); a publish beyond it is rejected. \
                         Absent: 10,000,000."
                    )),
                }),
                &["partitions"],
            )),
        ),
        (
            "KvStore",
            Value::Object(object(
                "A single-threaded key-value store (Redis-like): operations run one at a time.",
                json!({
                    "op_ms": reference("Dist", "Time of one operation, in milliseconds."),
                    "capacity": optional(integer(
                        1,
                        "Most operations waiting; beyond it operations are refused. Absent: \
                         unbounded."
                    )),
                }),
                &["op_ms"],
            )),
        ),
        (
            "LockService",
            Value::Object(object(
                "A lock service (one node, like a Redis `SET NX PX` lock or a ZooKeeper/etcd \
                 lease): it grants the lock on a key to one holder at a time for a lease of \
                 `lease_ms`, with a fencing token that grows with every grant; a lease not \
                 released in time expires and the lock goes to the next waiter, whether or not \
                 the old holder knows it. State is volatile: a crash frees every lock.",
                json!({
                    "lease_ms": positive(
                        "How long a grant lasts unless released, in milliseconds."
                    ),
                    "op_ms": with_default(
                        reference("Dist", "Time the service takes per request, in milliseconds."),
                        json!({"constant": {"value": 0.1}}),
                    ),
                }),
                &["lease_ms"],
            )),
        ),
        (
            "AccountStore",
            Value::Object(object(
                "An account store (one node): a balance per key (account), read and then \
                 written back by payment steps: the read-modify-write that double-spends when \
                 two payments interleave. With `fencing`, a write carrying a lock token older \
                 than the newest token the store has seen for that account is refused \
                 (Kleppmann's fencing tokens). Balances are durable.",
                json!({
                    "initial_balance": integer(
                        0,
                        "Every account's balance at the start, in whole money units (cents, say)."
                    ),
                    "fencing": with_default(
                        json!({
                            "type": "boolean",
                            "description": "Refuse writes whose lock token is older than one \
                                            already seen for the account."
                        }),
                        json!(false),
                    ),
                    "op_ms": with_default(
                        reference("Dist", "Time of one read or write, in milliseconds."),
                        json!({"constant": {"value": 0.1}}),
                    ),
                    "timeout_ms": with_default(
                        positive("A payment step gives up on the store after this long, in \
                                  milliseconds (its outcome is then unknown)."),
                        json!(500.0),
                    ),
                }),
                &["initial_balance"],
            )),
        ),
        (
            "ReplicatedStore",
            Value::Object(object(
                "A replicated store: `replicas` nodes (`name#0`, `name#1`, ...) each holding a \
                 value per key, kept in step by one of several protocols. Every client operation \
                 on it is recorded in a history and checked for linearizability after the run.",
                json!({
                    "replicas": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 32,
                        "description": "Number of replicas."
                    },
                    "protocol": reference("Protocol", "How replicas agree."),
                    "op_ms": with_default(
                        reference("Dist", "Time a replica takes per operation, in milliseconds."),
                        json!({"constant": {"value": 0.1}}),
                    ),
                    "timeout_ms": with_default(
                        positive("A coordinator gives up on an operation after this long, in \
                                  milliseconds (its outcome is then unknown)."),
                        json!(500.0),
                    ),
                    "anti_entropy_ms": with_default(
                        positive("Replicas resend every value they hold to their peers this \
                                  often, in milliseconds (multi-leader `ap` and primary/backup), \
                                  so replicas that missed updates during a partition converge."),
                        json!(1_000.0),
                    ),
                    "history_cap": with_default(
                        integer(0, "Most operations recorded in the history (the rest are \
                                    counted, not recorded)."),
                        json!(200_000),
                    ),
                    "conflicts": with_default(
                        reference(
                            "Conflicts",
                            "How a replica reconciles two concurrent versions of a key.",
                        ),
                        json!("last_writer_wins"),
                    ),
                    "replication_delay_ms": with_default(
                        reference(
                            "Dist",
                            "Time a coordinating replica takes to ship a write to its peers \
                             (batching, log shipping), in milliseconds; a crash loses the \
                             writes not shipped yet.",
                        ),
                        json!({"constant": {"value": 0.0}}),
                    ),
                    "sync_acks": with_default(
                        reference(
                            "SyncAcks",
                            "`primary_backup_sync`: replicas (the primary included) that must \
                             have a write before it is acknowledged.",
                        ),
                        json!("all"),
                    ),
                    "failover": optional(reference(
                        "Failover",
                        "Primary/backup: backups that stop hearing the primary elect a new \
                         one. Absent: the primary is replica 0 for ever.",
                    )),
                }),
                &["replicas", "protocol"],
            )),
        ),
        (
            "Conflicts",
            json!({
                "description": "How concurrent versions are reconciled.",
                "oneOf": [
                    unit_variant(
                        "last_writer_wins",
                        "Keep the version with the newest timestamp; the other is lost (and \
                         counted)."
                    ),
                    unit_variant(
                        "siblings",
                        "Keep both (siblings, tracked by version vectors) until a write made \
                         knowing both replaces them; reads return the newest and count the \
                         siblings they saw."
                    ),
                ]
            }),
        ),
        (
            "SyncAcks",
            json!({
                "description": "Replicas a synchronous primary waits for.",
                "oneOf": [
                    unit_variant("all", "Every replica: one unreachable backup stops every write."),
                    unit_variant("majority", "A majority of the replicas."),
                ]
            }),
        ),
        (
            "Failover",
            Value::Object(object(
                "Failure detection and leader election for primary/backup stores: the primary \
                 sends a heartbeat every `heartbeat_ms`; a backup that has heard none for \
                 `detection_ms` (plus one heartbeat per backup ranked before it) makes itself \
                 primary of a new epoch. Two sides of a partition may each elect one (split \
                 brain): when they meet again the newer epoch wins.",
                json!({
                    "detection_ms": positive(
                        "Silence after which a backup declares the primary dead, in \
                         milliseconds."
                    ),
                    "heartbeat_ms": with_default(
                        positive("Heartbeat period, in milliseconds."),
                        json!(500.0),
                    ),
                }),
                &["detection_ms"],
            )),
        ),
        (
            "Protocol",
            json!({
                "description": "A replication protocol. Except under `cp`, a write is accepted \
                                by one coordinating replica, which stamps it (a timestamp from \
                                its own clock, so clock skew matters, and a version vector), \
                                ships it to its peers, and acknowledges it once enough \
                                replicas have it.",
                "oneOf": [
                    unit_variant(
                        "primary_backup_async",
                        "Writes go to the primary (replica 0, or the one elected by \
                         `failover`), which acknowledges at once and ships them to the backups \
                         later; reads go to the coordinator's nearest replica: stale reads."
                    ),
                    unit_variant(
                        "primary_backup_sync",
                        "Writes go to the primary, which acknowledges once `sync_acks` replicas \
                         have the write; reads go to the primary."
                    ),
                    variant(
                        "leaderless",
                        "Dynamo-style leaderless quorums: a write goes to the coordinator's \
                         nearest replica (the next on a timeout), which ships it to every peer \
                         and acknowledges once `w` replicas have it; a read asks every replica, \
                         answers with the newest of the first `r` answers and, with \
                         `read_repair`, repairs those that answered an older version. `r + w > \
                         n` never reads a value older than a write acknowledged before the read \
                         began; partial quorums may.",
                        json!({
                            "r": integer(1, "Replicas a read waits for."),
                            "w": integer(1, "Replicas that must have a write before it is \
                                            acknowledged."),
                            "read_repair": with_default(
                                json!({
                                    "type": "boolean",
                                    "description": "Repair stale replicas that answered a read."
                                }),
                                json!(true),
                            ),
                        }),
                        &["r", "w"],
                    ),
                    unit_variant(
                        "cp",
                        "CP: every operation needs a majority (reads write back what they \
                         return, as in the ABD algorithm): linearizable, and unavailable where \
                         no majority can be reached."
                    ),
                    unit_variant(
                        "ap",
                        "AP: any replica accepts reads and writes (the coordinator's nearest \
                         one, then the others); replicas ship writes to each other and \
                         reconcile concurrent versions by `conflicts` after a partition: always \
                         available, stale reads and lost writes."
                    ),
                ]
            }),
        ),
        (
            "KeySpec",
            Value::Object(object(
                "Keys a request class touches.",
                json!({
                    "count": integer(1, "Number of keys (0..count)."),
                    "zipf": optional(positive("Zipf exponent (popular keys). Absent: uniform.")),
                }),
                &["count"],
            )),
        ),
        (
            "StoreOp",
            json!({
                "description": "An operation on a replicated store.",
                "oneOf": [
                    unit_variant("read", "Read the request's key."),
                    unit_variant("write", "Write a fresh value to the request's key."),
                ]
            }),
        ),
        (
            "Consume",
            Value::Object(object(
                "Makes a service a consumer: each instance runs `concurrency` loops that take a \
                 message from a queue or a log, run `endpoint`'s handler on it, then acknowledge \
                 or commit.",
                json!({
                    "broker": string("The broker."),
                    "queue": optional(string("The queue consumed (exactly one of `queue` and `log`).")),
                    "log": optional(string(
                        "The log consumed, as a member of the consumer group `group`."
                    )),
                    "group": optional(string(
                        "Consumer group (logs only). Absent: the service's name."
                    )),
                    "endpoint": string("The handler run for each message."),
                    "concurrency": with_default(
                        at_most(
                            integer(1, "Consumer loops per instance (each holds one worker \
                                        while it processes), at most 10,000; at most 100,000 \
                                        per design and 1,024 in one consumer group of a log."),
                            u64::from(crate::scenario::limits::MAX_CONCURRENCY),
                        ),
                        json!(1),
                    ),
                    "batch": with_default(
                        json!({
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 65_535,
                            "description": "Logs only: records fetched per poll; they are \
                                            processed one after another and committed together."
                        }),
                        json!(1),
                    ),
                    "block_timeout_ms": with_default(
                        positive("A fetch waits this long, in milliseconds, for a message \
                                  (blocking pop), then returns empty."),
                        json!(5_000.0),
                    ),
                    "sleep_ms": with_default(
                        non_negative("Pause after an empty fetch, before the next one, in \
                                      milliseconds."),
                        json!(100.0),
                    ),
                }),
                &["broker", "endpoint"],
            )),
        ),
        (
            "Service",
            Value::Object(object(
                "A deployable process, possibly several instances behind a load balancer. \
                 Endpoints of one service call each other in-process: same worker, same pools, \
                 same fate.",
                json!({
                    "instances": with_default(
                        integer(1, "Number of instances (a design has at most 50,000 nodes)."),
                        json!(1),
                    ),
                    "balancer": with_default(
                        reference("Balancer", "How callers spread requests over the instances."),
                        json!("round_robin"),
                    ),
                    "workers": integer(1, "Worker threads per instance: requests handled at once."),
                    "queue_capacity": optional(integer(
                        0,
                        "Requests waiting for a worker, per instance; beyond it requests are \
                         rejected (0: no waiting line). Absent: unbounded (up to \
                         `limits.max_in_flight`)."
                    )),
                    "pools": with_default(
                        json!({
                            "type": "object",
                            "description": "Database connection pools of each instance, by name.",
                            "additionalProperties": reference("Pool", "A pool.")
                        }),
                        json!({}),
                    ),
                    "handlers": {
                        "type": "object",
                        "description": "Endpoint handlers: the steps each runs in order.",
                        "minProperties": 1,
                        "additionalProperties": array(
                            reference("Step", "A step."),
                            0,
                            "The endpoint's steps, in order (none: it answers at once).",
                        )
                    },
                    "consume": optional(reference(
                        "Consume",
                        "Consume messages from a broker (a worker service)."
                    )),
                }),
                &["workers", "handlers"],
            )),
        ),
        (
            "Balancer",
            json!({
                "description": "Load-balancing policy over a service's instances (applied by each \
                                caller).",
                "oneOf": [
                    unit_variant("round_robin", "Each caller cycles through the instances."),
                    unit_variant("random", "Uniformly at random."),
                    unit_variant(
                        "least_outstanding",
                        "The instance with the fewest calls outstanding from this caller."
                    ),
                    unit_variant(
                        "power_of_two_choices",
                        "Two random instances, the one with fewer outstanding calls."
                    ),
                ]
            }),
        ),
        (
            "Pool",
            Value::Object(object(
                "A connection pool to a database.",
                json!({
                    "database": string("The database the connections go to."),
                    "size": integer(1, "Connections in the pool."),
                    "acquire_timeout_ms": with_default(
                        non_negative("A query waits at most this long for a connection, in \
                                      milliseconds, then is rejected."),
                        json!(1_000.0),
                    ),
                    "query_timeout_ms": with_default(
                        positive("A query without an answer after this long, in milliseconds, \
                                  fails and frees its connection (the driver's socket timeout), \
                                  so a crashed database does not leak connections for ever."),
                        json!(30_000.0),
                    ),
                }),
                &["database", "size"],
            )),
        ),
        (
            "Database",
            Value::Object(object(
                "A database server.",
                json!({
                    "max_concurrency": optional(integer(
                        1,
                        "Queries executed at once; more wait in line. Absent: unlimited."
                    )),
                }),
                &[],
            )),
        ),
        (
            "Step",
            tagged(
                "One step of an endpoint handler.",
                vec![
                    variant(
                        "compute",
                        "Use the worker for a while.",
                        json!({
                            "ms": reference(
                                "Dist",
                                "Work time in milliseconds (stretched by slow-node faults)."
                            )
                        }),
                        &["ms"],
                    ),
                    json!({
                        "type": "object",
                        "description": "Call an endpoint and wait for its answer.",
                        "properties": {"call": reference("CallSpec", "The call.")},
                        "required": ["call"],
                        "additionalProperties": false
                    }),
                    variant(
                        "parallel",
                        "Call several endpoints at once and wait for all, the first, or k of \
                         them.",
                        json!({
                            "calls": array(reference("CallSpec", "A call."), 1, "The calls."),
                            "wait": with_default(
                                reference("Wait", "How many successes end the wait."),
                                json!("all"),
                            ),
                        }),
                        &["calls"],
                    ),
                    variant(
                        "query",
                        "Run a query through a pool: acquire a connection, query, release.",
                        json!({
                            "pool": string("The pool (of this service)."),
                            "ms": reference("Dist", "Query time on the database, in milliseconds."),
                        }),
                        &["pool", "ms"],
                    ),
                    json!({
                        "type": "object",
                        "description": "Publish a message and wait for the broker to accept it. A \
                                        handler that ends with a publish answers its caller once \
                                        the message is accepted (\"publish and return\"); the \
                                        message's processing is measured separately (completion \
                                        latency).",
                        "properties": {"publish": reference("PublishSpec", "The publish.")},
                        "required": ["publish"],
                        "additionalProperties": false
                    }),
                    variant(
                        "store",
                        "One operation on a replicated store, on the key of the request being \
                         served.",
                        json!({
                            "store": string("The store."),
                            "op": reference("StoreOp", "The operation."),
                        }),
                        &["store", "op"],
                    ),
                    variant(
                        "kv",
                        "One operation on a key-value store, waiting for its answer.",
                        json!({
                            "store": string("The store."),
                            "timeout_ms": optional(positive(
                                "Give up after this long, in milliseconds. Absent: wait forever."
                            )),
                        }),
                        &["store"],
                    ),
                    variant(
                        "lock",
                        "Take the lock of the request's key from a lock service, waiting in line \
                         up to `timeout_ms`; the lease and its fencing token are held until an \
                         `unlock` step, the end of the handler, or the lease's expiry (which the \
                         holder does not notice).",
                        json!({
                            "service": string("The lock service."),
                            "timeout_ms": with_default(
                                positive("Longest wait for the grant, in milliseconds."),
                                json!(5_000.0),
                            ),
                        }),
                        &["service"],
                    ),
                    variant(
                        "unlock",
                        "Release the lock taken by an earlier `lock` step (without waiting for an \
                         answer).",
                        json!({"service": string("The lock service.")}),
                        &["service"],
                    ),
                    variant(
                        "read_balance",
                        "Read the balance of the request's key (account) from an account store.",
                        json!({"store": string("The account store.")}),
                        &["store"],
                    ),
                    variant(
                        "debit",
                        "Pay `amount` from the account read by the last `read_balance` step: if \
                         the balance read covers it, write back `balance - amount` (with the \
                         lock's fencing token, if a lock is held); otherwise fail with \
                         \"insufficient funds\".",
                        json!({
                            "store": string("The account store (the one read)."),
                            "amount": integer(1, "The amount paid, in whole money units."),
                        }),
                        &["store", "amount"],
                    ),
                    variant(
                        "fail",
                        "Fail with a probability (a bug, a bad input, a dependency's own errors).",
                        json!({
                            "probability": probability("Probability of failing at this step."),
                            "cause": with_default(string("The cause reported."), json!("handler error")),
                        }),
                        &["probability"],
                    ),
                ],
            ),
        ),
        (
            "CallSpec",
            Value::Object(object(
                "A call to an endpoint, in-process (no `service`) or over the network.",
                json!({
                    "service": optional(string(
                        "The service called; absent means an endpoint of the same service, \
                         in-process."
                    )),
                    "endpoint": string("The endpoint called."),
                    "timeout_ms": optional(positive(
                        "Give up on an attempt after this long, in milliseconds (network calls \
                         only). Absent: wait forever."
                    )),
                    "retries": with_default(
                        integer(0, "Attempts after the first one, on error or timeout (network \
                                    calls only)."),
                        json!(0),
                    ),
                    "backoff": with_default(
                        reference("Backoff", "Delay before retry `k` (from 0): `min(max_ms, \
                                              base_ms * 2^k)`, with full jitter."),
                        json!({"base_ms": 10.0, "max_ms": 1_000.0, "jitter": true}),
                    ),
                    "circuit_breaker": optional(reference(
                        "CircuitBreaker",
                        "Stop calling a failing service for a while (network calls only)."
                    )),
                    "on_error": with_default(
                        reference("OnError", "What the caller does when the call fails for good \
                                              (after its retries)."),
                        json!("fail"),
                    ),
                }),
                &["endpoint"],
            )),
        ),
        (
            "PublishSpec",
            Value::Object(object(
                "Where a publish goes: exactly one of `queue`, `topic` and `log`.",
                json!({
                    "broker": string("The broker."),
                    "queue": optional(string("A queue of the broker.")),
                    "topic": optional(string("A topic of the broker.")),
                    "log": optional(string(
                        "A log of the broker (the partition is chosen by a random key per message)."
                    )),
                    "timeout_ms": optional(positive(
                        "Give up waiting for the broker after this long, in milliseconds. Absent: \
                         wait forever."
                    )),
                }),
                &["broker"],
            )),
        ),
        (
            "Backoff",
            Value::Object(object(
                "Exponential backoff between retries.",
                json!({
                    "base_ms": with_default(non_negative("First delay, in milliseconds."), json!(10.0)),
                    "max_ms": with_default(
                        non_negative("Largest delay, in milliseconds (at least base_ms)."),
                        json!(1_000.0),
                    ),
                    "jitter": with_default(
                        json!({
                            "type": "boolean",
                            "description": "Full jitter: the delay is uniform in [0, computed \
                                            delay]."
                        }),
                        json!(true),
                    ),
                }),
                &[],
            )),
        ),
        (
            "CircuitBreaker",
            Value::Object(object(
                "A circuit breaker, per calling instance and called service: after \
                 `failure_threshold` consecutive failures it opens and rejects calls for \
                 `open_ms`, then lets one probe through (half-open): success closes it, failure \
                 opens it again.",
                json!({
                    "failure_threshold": integer(1, "Consecutive failures that open the breaker."),
                    "open_ms": positive("How long it stays open, in milliseconds."),
                }),
                &["failure_threshold", "open_ms"],
            )),
        ),
        (
            "Wait",
            json!({
                "description": "How many calls of a parallel step must succeed.",
                "oneOf": [
                    unit_variant("all", "Every call must succeed."),
                    unit_variant("first", "The first success ends the step."),
                    {
                        "type": "object",
                        "description": "`k` successes end the step (1 <= k <= number of calls).",
                        "properties": {"quorum": integer(1, "k.")},
                        "required": ["quorum"],
                        "additionalProperties": false
                    },
                ]
            }),
        ),
        ("Dist", dist()),
        (
            "MixturePart",
            Value::Object(object(
                "One component of a mixture.",
                json!({
                    "weight": positive("Relative weight (positive, finite); normalised by the sum \
                                        over all parts."),
                    "dist": reference("Dist", "The distribution drawn from when this part is picked."),
                }),
                &["weight", "dist"],
            )),
        ),
    ]
}

/// Probability distributions (sim-core's `Dist`).
fn dist() -> Value {
    tagged(
        "A probability distribution over non-negative values, in the unit of the quantity \
         sampled (milliseconds for durations).",
        vec![
            variant(
                "constant",
                "Always `value`.",
                json!({"value": non_negative("The value.")}),
                &["value"],
            ),
            variant(
                "uniform",
                "Uniform between `low` and `high`, with `0 <= low <= high`.",
                json!({
                    "low": non_negative("Lower bound."),
                    "high": non_negative("Upper bound (>= low)."),
                }),
                &["low", "high"],
            ),
            variant(
                "exponential",
                "Exponential with the given `mean` (i.e. 1 / rate): memoryless gaps.",
                json!({"mean": positive("The mean.")}),
                &["mean"],
            ),
            variant(
                "normal",
                "Normal truncated at zero: `Normal(mean, std_dev)` conditioned on being \
                 non-negative.",
                json!({
                    "mean": non_negative("Mean of the untruncated normal."),
                    "std_dev": non_negative("Standard deviation of the untruncated normal."),
                }),
                &["mean", "std_dev"],
            ),
            variant(
                "log_normal",
                "Log-normal `exp(mu + sigma * Z)`, `Z` standard normal.",
                json!({
                    "mu": number("Mean of the underlying normal."),
                    "sigma": non_negative("Standard deviation of the underlying normal."),
                }),
                &["mu", "sigma"],
            ),
            variant(
                "log_normal_mean_p99",
                "Log-normal given by its mean and 99th percentile (above the mean, by at most a \
                 factor of about 14.97).",
                json!({
                    "mean": positive("The mean."),
                    "p99": positive("The 99th percentile (above the mean)."),
                }),
                &["mean", "p99"],
            ),
            variant(
                "pareto",
                "Pareto with minimum `scale` and tail index `shape`; its mean is finite only when \
                 `shape > 1`.",
                json!({
                    "scale": positive("Minimum value (x_m)."),
                    "shape": positive("Tail index (alpha)."),
                }),
                &["scale", "shape"],
            ),
            variant(
                "empirical",
                "Empirical percentile table: percentiles strictly increase from 0 to 100, values \
                 (>= 0) never decrease. Sampled by linear interpolation of the inverse CDF.",
                json!({
                    "points": {
                        "type": "array",
                        "description": "`[[percentile, value], ...]`.",
                        "minItems": 2,
                        "items": {
                            "type": "array",
                            "prefixItems": [
                                {"type": "number", "minimum": 0, "maximum": 100, "description": "Percentile."},
                                {"type": "number", "minimum": 0, "description": "Value."}
                            ],
                            "minItems": 2,
                            "items": false
                        }
                    }
                }),
                &["points"],
            ),
            variant(
                "mixture",
                "Weighted mixture: each draw picks one of `parts` with probability weight / total \
                 weight, then samples it.",
                json!({
                    "parts": array(reference("MixturePart", "A component."), 1, "The components."),
                }),
                &["parts"],
            ),
        ],
    )
}

/// A closed object schema (the format denies unknown fields everywhere).
fn object(description: &str, properties: Value, required: &[&str]) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".to_string(), json!("object"));
    m.insert("description".to_string(), json!(description));
    m.insert("properties".to_string(), properties);
    if !required.is_empty() {
        m.insert("required".to_string(), json!(required));
    }
    m.insert("additionalProperties".to_string(), json!(false));
    m
}

/// An externally tagged enum: one of the variants.
fn tagged(description: &str, variants: Vec<Value>) -> Value {
    json!({"description": description, "oneOf": variants})
}

/// A struct-like variant of an externally tagged enum: `{"tag": {fields}}`.
fn variant(tag: &str, description: &str, fields: Value, required: &[&str]) -> Value {
    let mut properties = Map::new();
    properties.insert(
        tag.to_string(),
        Value::Object(object(description, fields, required)),
    );
    json!({
        "type": "object",
        "description": description,
        "properties": properties,
        "required": [tag],
        "additionalProperties": false
    })
}

/// A unit variant, written as its name.
fn unit_variant(tag: &str, description: &str) -> Value {
    json!({"const": tag, "description": description})
}

fn reference(def: &str, description: &str) -> Value {
    json!({"$ref": format!("#/$defs/{def}"), "description": description})
}

fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

fn number(description: &str) -> Value {
    json!({"type": "number", "description": description})
}

fn non_negative(description: &str) -> Value {
    json!({"type": "number", "minimum": 0, "description": description})
}

fn positive(description: &str) -> Value {
    json!({"type": "number", "exclusiveMinimum": 0, "description": description})
}

fn probability(description: &str) -> Value {
    json!({"type": "number", "minimum": 0, "maximum": 1, "description": description})
}

fn integer(minimum: u64, description: &str) -> Value {
    json!({"type": "integer", "minimum": minimum, "description": description})
}

/// `schema` with an inclusive maximum.
fn at_most(mut schema: Value, maximum: u64) -> Value {
    schema["maximum"] = json!(maximum);
    schema
}

fn array(items: Value, min_items: usize, description: &str) -> Value {
    let mut v = json!({"type": "array", "items": items, "description": description});
    if min_items > 0 {
        v["minItems"] = json!(min_items);
    }
    v
}

/// Adds the value serde fills in when the field is absent.
fn with_default(mut schema: Value, default: Value) -> Value {
    schema["default"] = default;
    schema
}

/// An optional field: absent or `null` both mean none.
fn optional(schema: Value) -> Value {
    let description = schema.get("description").cloned().unwrap_or(Value::Null);
    json!({
        "description": description,
        "anyOf": [schema, {"type": "null"}]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::*;
    use serde::de::DeserializeOwned;
    use serde::Serialize;
    use sim_core::dist::{Dist, MixturePart};
    use std::collections::{BTreeMap, BTreeSet};

    // Samples with every field set (struct literals: a new field fails to compile here until
    // the sample, and then the schema, have it).

    fn call() -> CallSpec {
        CallSpec {
            service: Some("db-api".into()),
            endpoint: "read".into(),
            timeout_ms: Some(50.0),
            retries: 2,
            backoff: Backoff {
                base_ms: 5.0,
                max_ms: 80.0,
                jitter: false,
            },
            circuit_breaker: Some(CircuitBreaker {
                failure_threshold: 3,
                open_ms: 500.0,
            }),
            on_error: OnError::Swallow,
        }
    }

    fn service() -> Service {
        Service {
            instances: 3,
            balancer: Balancer::LeastOutstanding,
            workers: 8,
            queue_capacity: Some(16),
            pools: BTreeMap::from([("main".to_string(), pool())]),
            handlers: BTreeMap::from([("get".to_string(), steps())]),
            consume: Some(consume()),
        }
    }

    fn consume() -> Consume {
        Consume {
            broker: "mq".into(),
            queue: Some("jobs".into()),
            log: Some("events".into()),
            group: Some("workers".into()),
            endpoint: "get".into(),
            concurrency: 2,
            batch: 10,
            block_timeout_ms: 50.0,
            sleep_ms: 5.0,
        }
    }

    fn publish() -> PublishSpec {
        PublishSpec {
            broker: "mq".into(),
            queue: Some("jobs".into()),
            topic: Some("news".into()),
            log: Some("events".into()),
            timeout_ms: Some(20.0),
        }
    }

    fn broker() -> Broker {
        Broker {
            durable: true,
            queues: BTreeMap::from([("jobs".to_string(), queue())]),
            topics: BTreeMap::from([("news".to_string(), topic())]),
            logs: BTreeMap::from([("events".to_string(), log())]),
        }
    }

    fn queue() -> QueueSpec {
        QueueSpec {
            capacity: Some(100),
            when_full: WhenFull::Block,
            delivery: Delivery::Ack,
            visibility_timeout_ms: 500.0,
            max_deliveries: Some(3),
            dead_letter: Some("dead".into()),
        }
    }

    fn topic() -> TopicSpec {
        TopicSpec {
            subscribers: vec!["jobs".into()],
        }
    }

    fn log() -> LogSpec {
        LogSpec {
            partitions: 4,
            retention_records: 50,
            session_timeout_ms: 700.0,
            capacity: Some(80),
        }
    }

    fn kv_store() -> KvStore {
        KvStore {
            op_ms: Dist::constant(0.1),
            capacity: Some(64),
        }
    }

    fn pool() -> Pool {
        Pool {
            database: "db".into(),
            size: 4,
            acquire_timeout_ms: 20.0,
            query_timeout_ms: 200.0,
        }
    }

    fn database() -> Database {
        Database {
            max_concurrency: Some(32),
        }
    }

    fn design() -> Design {
        Design {
            name: "d".into(),
            description: "a design".into(),
            entry: "api".into(),
            services: BTreeMap::from([("api".to_string(), service())]),
            databases: BTreeMap::from([("db".to_string(), database())]),
            brokers: BTreeMap::from([("mq".to_string(), broker())]),
            kv_stores: BTreeMap::from([("cache".to_string(), kv_store())]),
            replicated_stores: BTreeMap::from([("kv".to_string(), replicated_store())]),
            lock_services: BTreeMap::from([("locks".to_string(), lock_service())]),
            account_stores: BTreeMap::from([("accounts".to_string(), account_store())]),
            cost: Some(cost()),
            failures: BTreeMap::from([("api".to_string(), failure_model())]),
            propagate_trace_ids: false,
        }
    }

    fn failure_model() -> crate::scenario::reliability::FailureModel {
        crate::scenario::reliability::FailureModel {
            mtbf_h: 100.0,
            weibull_shape: Some(1.5),
            health_check: Some(health_check()),
            supervisor: Some(supervisor()),
            on_call: Some(on_call()),
        }
    }

    fn health_check() -> crate::scenario::reliability::HealthCheck {
        crate::scenario::reliability::HealthCheck {
            interval_s: 10.0,
            threshold: 2,
        }
    }

    fn supervisor() -> crate::scenario::reliability::Supervisor {
        crate::scenario::reliability::Supervisor {
            restart_s: Dist::constant(30.0),
            fixes: 0.9,
        }
    }

    fn on_call() -> crate::scenario::reliability::OnCall {
        crate::scenario::reliability::OnCall {
            response_min: Dist::exponential(10.0),
            repair_min: Dist::constant(20.0),
        }
    }

    fn reliability() -> crate::scenario::reliability::Reliability {
        crate::scenario::reliability::Reliability {
            horizon_days: 30.0,
            replications: 4,
            min_availability: 0.95,
            state_s: 20.0,
            state_warmup_s: 2.0,
            peak_rate_per_s: Some(100.0),
            max_states: 10,
        }
    }

    fn lock_service() -> crate::scenario::LockService {
        crate::scenario::LockService {
            lease_ms: 500.0,
            op_ms: Dist::constant(0.2),
        }
    }

    fn account_store() -> crate::scenario::AccountStore {
        crate::scenario::AccountStore {
            initial_balance: 1_000,
            fencing: true,
            op_ms: Dist::constant(0.2),
            timeout_ms: 50.0,
        }
    }

    fn trace() -> TraceSpec {
        TraceSpec {
            sample_rate: 0.5,
            keep_failed: false,
            slow_ms: Some(250.0),
            max_traces: 10,
            max_spans_per_trace: 20,
            max_buffered_spans: 30,
        }
    }

    fn on_errors() -> Vec<OnError> {
        let all = vec![OnError::Fail, OnError::Swallow, OnError::NoReply];
        for o in &all {
            match o {
                OnError::Fail | OnError::Swallow | OnError::NoReply => {}
            }
        }
        all
    }

    fn replicated_store() -> ReplicatedStore {
        ReplicatedStore {
            replicas: 3,
            protocol: Protocol::Cp,
            op_ms: Dist::constant(0.2),
            timeout_ms: 50.0,
            anti_entropy_ms: 200.0,
            history_cap: 1_000,
            conflicts: crate::scenario::Conflicts::Siblings,
            replication_delay_ms: Dist::constant(2.0),
            sync_acks: crate::scenario::SyncAcks::Majority,
            failover: Some(crate::scenario::Failover {
                detection_ms: 3_000.0,
                heartbeat_ms: 250.0,
            }),
        }
    }

    fn key_spec() -> KeySpec {
        KeySpec {
            count: 10,
            zipf: Some(1.1),
        }
    }

    fn cost() -> crate::scenario::cost::Cost {
        crate::scenario::cost::Cost {
            per_node_month_usd: 40.0,
            nodes_month_usd: BTreeMap::from([("db".to_string(), 120.0)]),
            fixed_month_usd: 10.0,
        }
    }

    fn sweep() -> crate::scenario::sweep::Sweep {
        crate::scenario::sweep::Sweep {
            parameters: vec![sweep_parameter()],
            replications: 3,
        }
    }

    fn sweep_parameter() -> crate::scenario::sweep::SweepParameter {
        crate::scenario::sweep::SweepParameter {
            name: Some("users".into()),
            path: Some("workload.arrivals.closed.users".into()),
            paths: vec!["designs[0].services.api.instances".into()],
            values: Some(vec![1.0, 2.0]),
            range: Some(sweep_range()),
        }
    }

    fn sweep_range() -> crate::scenario::sweep::SweepRange {
        crate::scenario::sweep::SweepRange {
            from: 10.0,
            to: 1000.0,
            steps: 3,
            scale: crate::scenario::sweep::Scale::Log,
        }
    }

    fn assertion() -> crate::scenario::assertion::Assertion {
        crate::scenario::assertion::Assertion {
            expect: "p99_latency_ms < 120".into(),
            design: Some("d".into()),
            confidence: Some(0.95),
            replications: Some(5),
        }
    }

    fn fault() -> FaultSpec {
        FaultSpec {
            at_s: 1.0,
            duration_s: Some(2.0),
            action: faults()[0].clone(),
        }
    }

    fn scenario() -> Scenario {
        Scenario {
            schema: Some("caplab.schema.json".into()),
            version: 1,
            name: "s".into(),
            description: "all fields".into(),
            seed: 9,
            duration_s: 60.0,
            warmup_s: 5.0,
            window_s: 2.0,
            limits: limits(),
            network: network(),
            workload: workload(),
            faults: vec![fault()],
            designs: vec![design()],
            sweep: Some(sweep()),
            assertions: vec![assertion()],
            chaos: Some(chaos()),
            reliability: Some(reliability()),
            trace: Some(trace()),
        }
    }

    fn chaos() -> crate::scenario::chaos::Chaos {
        crate::scenario::chaos::Chaos {
            targets: vec!["api#0".into()],
            start_s: Some(5.0),
            quiet_s: 3.0,
            max_concurrent: 2,
            min_duration_s: 0.5,
            max_duration_s: 4.0,
            kill: Some(chaos_rate()),
            pause: Some(chaos_rate()),
            partition: Some(chaos_rate()),
            latency: Some(latency_chaos()),
            slow: Some(crate::scenario::chaos::SlowChaos {
                rate_per_min: 0.5,
                max: Some(1),
                factor: Dist::constant(3.0),
            }),
            clock_skew: Some(crate::scenario::chaos::ClockSkewChaos {
                rate_per_min: 0.5,
                max: None,
                offset_ms: Dist::constant(200.0),
                drift_ppm: Some(Dist::constant(50.0)),
            }),
            runs: 7,
        }
    }

    fn chaos_rate() -> crate::scenario::chaos::ChaosRate {
        crate::scenario::chaos::ChaosRate {
            rate_per_min: 2.0,
            max: Some(3),
        }
    }

    fn latency_chaos() -> crate::scenario::chaos::LatencyChaos {
        crate::scenario::chaos::LatencyChaos {
            rate_per_min: 1.0,
            max: Some(2),
            extra_ms: Dist::constant(40.0),
        }
    }

    fn limits() -> Limits {
        Limits {
            max_events: 10,
            max_windows: 20,
            max_in_flight: 30,
            max_memory_mb: 40,
        }
    }

    fn network() -> NetworkSpec {
        NetworkSpec {
            latency_ms: Dist::exponential(1.0),
            loss: 0.01,
            duplicate: 0.02,
        }
    }

    fn workload() -> Workload {
        Workload {
            arrivals: arrivals()[0].clone(),
            classes: vec![class()],
        }
    }

    fn class() -> RequestClass {
        RequestClass {
            endpoint: "get".into(),
            publish: Some(publish()),
            weight: 2.0,
            timeout_ms: 100.0,
            arrivals: Some(Arrivals::Poisson { rate_per_s: 1.0 }),
            name: Some("reads".into()),
            instance: Some(1),
            keys: Some(key_spec()),
        }
    }

    fn segment() -> RateSegment {
        RateSegment {
            from_s: 0.0,
            rate_per_s: 3.0,
        }
    }

    fn mixture_part() -> MixturePart {
        MixturePart {
            weight: 1.0,
            dist: Dist::constant(1.0),
        }
    }

    // Every variant of each enum; the `match` fails to compile when a variant is added.

    fn arrivals() -> Vec<Arrivals> {
        let all = vec![
            Arrivals::Poisson { rate_per_s: 1.0 },
            Arrivals::Piecewise {
                segments: vec![segment()],
            },
            Arrivals::Closed {
                users: 2,
                think_ms: Dist::constant(1.0),
            },
        ];
        for a in &all {
            match a {
                Arrivals::Poisson { .. } | Arrivals::Piecewise { .. } | Arrivals::Closed { .. } => {
                }
            }
        }
        all
    }

    fn faults() -> Vec<FaultAction> {
        let targets = vec!["api".to_string()];
        let all = vec![
            FaultAction::Crash {
                target: "api".into(),
            },
            FaultAction::Pause {
                target: "api".into(),
            },
            FaultAction::Partition {
                groups: vec![targets.clone()],
            },
            FaultAction::OneWayPartition {
                from: targets.clone(),
                to: targets.clone(),
            },
            FaultAction::Slow {
                target: "api".into(),
                factor: 2.0,
            },
            FaultAction::LatencySpike {
                targets,
                extra_ms: 3.0,
            },
            FaultAction::ClockSkew {
                target: "api".into(),
                offset_ms: -4.0,
                drift_ppm: 5.0,
            },
            FaultAction::Drain {
                target: "api".into(),
            },
        ];
        for f in &all {
            match f {
                FaultAction::Crash { .. }
                | FaultAction::Partition { .. }
                | FaultAction::OneWayPartition { .. }
                | FaultAction::Slow { .. }
                | FaultAction::LatencySpike { .. }
                | FaultAction::Pause { .. }
                | FaultAction::Drain { .. }
                | FaultAction::ClockSkew { .. } => {}
            }
        }
        all
    }

    fn steps() -> Vec<Step> {
        let all = vec![
            Step::Compute {
                ms: Dist::constant(1.0),
            },
            Step::Call(call()),
            Step::Parallel {
                calls: vec![call()],
                wait: Wait::First,
            },
            Step::Query {
                pool: "main".into(),
                ms: Dist::constant(1.0),
            },
            Step::Publish(publish()),
            Step::Store {
                store: "kv".into(),
                op: StoreOp::Write,
            },
            Step::Kv {
                store: "cache".into(),
                timeout_ms: Some(3.0),
            },
            Step::Lock {
                service: "locks".into(),
                timeout_ms: 100.0,
            },
            Step::Unlock {
                service: "locks".into(),
            },
            Step::ReadBalance {
                store: "accounts".into(),
            },
            Step::Debit {
                store: "accounts".into(),
                amount: 5,
            },
            Step::Fail {
                probability: 0.5,
                cause: "bug".into(),
            },
        ];
        for s in &all {
            match s {
                Step::Compute { .. }
                | Step::Call(_)
                | Step::Parallel { .. }
                | Step::Query { .. }
                | Step::Publish(_)
                | Step::Store { .. }
                | Step::Kv { .. }
                | Step::Lock { .. }
                | Step::Unlock { .. }
                | Step::ReadBalance { .. }
                | Step::Debit { .. }
                | Step::Fail { .. } => {}
            }
        }
        all
    }

    fn balancers() -> Vec<Balancer> {
        let all = vec![
            Balancer::RoundRobin,
            Balancer::Random,
            Balancer::LeastOutstanding,
            Balancer::PowerOfTwoChoices,
        ];
        for b in &all {
            match b {
                Balancer::RoundRobin
                | Balancer::Random
                | Balancer::LeastOutstanding
                | Balancer::PowerOfTwoChoices => {}
            }
        }
        all
    }

    fn when_fulls() -> Vec<WhenFull> {
        let all = vec![WhenFull::Reject, WhenFull::Block];
        for w in &all {
            match w {
                WhenFull::Reject | WhenFull::Block => {}
            }
        }
        all
    }

    fn deliveries() -> Vec<Delivery> {
        let all = vec![Delivery::Pop, Delivery::Ack];
        for d in &all {
            match d {
                Delivery::Pop | Delivery::Ack => {}
            }
        }
        all
    }

    fn protocols() -> Vec<Protocol> {
        let all = vec![
            Protocol::PrimaryBackupAsync,
            Protocol::PrimaryBackupSync,
            Protocol::Leaderless {
                r: 2,
                w: 1,
                read_repair: false,
            },
            Protocol::Cp,
            Protocol::Ap,
        ];
        for p in &all {
            match p {
                Protocol::PrimaryBackupAsync
                | Protocol::PrimaryBackupSync
                | Protocol::Leaderless { .. }
                | Protocol::Cp
                | Protocol::Ap => {}
            }
        }
        all
    }

    fn store_ops() -> Vec<StoreOp> {
        let all = vec![StoreOp::Read, StoreOp::Write];
        for o in &all {
            match o {
                StoreOp::Read | StoreOp::Write => {}
            }
        }
        all
    }

    fn waits() -> Vec<Wait> {
        let all = vec![Wait::All, Wait::First, Wait::Quorum(2)];
        for w in &all {
            match w {
                Wait::All | Wait::First | Wait::Quorum(_) => {}
            }
        }
        all
    }

    fn dists() -> Vec<Dist> {
        let all = vec![
            Dist::Constant { value: 1.0 },
            Dist::Uniform {
                low: 1.0,
                high: 2.0,
            },
            Dist::Exponential { mean: 1.0 },
            Dist::Normal {
                mean: 1.0,
                std_dev: 0.5,
            },
            Dist::LogNormal {
                mu: 0.0,
                sigma: 1.0,
            },
            Dist::LogNormalMeanP99 {
                mean: 1.0,
                p99: 3.0,
            },
            Dist::Pareto {
                scale: 1.0,
                shape: 2.0,
            },
            Dist::Empirical {
                points: vec![(0.0, 1.0), (100.0, 2.0)],
            },
            Dist::Mixture {
                parts: vec![mixture_part()],
            },
        ];
        for d in &all {
            match d {
                Dist::Constant { .. }
                | Dist::Uniform { .. }
                | Dist::Exponential { .. }
                | Dist::Normal { .. }
                | Dist::LogNormal { .. }
                | Dist::LogNormalMeanP99 { .. }
                | Dist::Pareto { .. }
                | Dist::Empirical { .. }
                | Dist::Mixture { .. } => {}
            }
        }
        all
    }

    fn def<'a>(schema: &'a Value, name: &str) -> &'a Value {
        let d = &schema["$defs"][name];
        assert!(d.is_object(), "no $defs/{name}");
        d
    }

    /// Follows a `$ref` to its definition.
    fn resolve<'a>(schema: &'a Value, v: &'a Value) -> &'a Value {
        match v["$ref"].as_str().and_then(|r| r.strip_prefix("#/$defs/")) {
            Some(name) => def(schema, name),
            None => v,
        }
    }

    fn keys(v: &Value) -> BTreeSet<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Checks an object schema against `full` (serde's output for a value with every field
    /// set) and `reparse` (serde's verdict on an object: re-serialised if accepted): same
    /// properties, `required` exactly the fields serde cannot do without, and each `default`
    /// what serde fills in.
    fn check_object(
        what: &str,
        obj: &Value,
        full: &Value,
        reparse: &dyn Fn(&Value) -> Option<Value>,
    ) {
        assert_eq!(keys(full), keys(&obj["properties"]), "{what}: properties");
        assert_eq!(obj["additionalProperties"], json!(false), "{what}");
        let required: BTreeSet<String> = obj["required"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|k| k.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        for k in keys(full) {
            let mut less = full.clone();
            if let Some(m) = less.as_object_mut() {
                m.shift_remove(&k);
            }
            assert_eq!(
                reparse(&less).is_none(),
                required.contains(&k),
                "{what}.{k}: required in the schema iff serde needs it"
            );
        }
        let mut minimal = full.clone();
        if let Some(m) = minimal.as_object_mut() {
            m.retain(|k, _| required.contains(k));
        }
        let back = reparse(&minimal).unwrap_or_else(|| panic!("{what}: required fields suffice"));
        for (k, prop) in obj["properties"].as_object().into_iter().flatten() {
            if required.contains(k) {
                continue;
            }
            match prop.get("default") {
                Some(d) => assert_eq!(&back[k], d, "{what}.{k}: schema default vs serde's"),
                None => assert!(
                    back[k].is_null(),
                    "{what}.{k}: serde defaults to {}",
                    back[k]
                ),
            }
        }
    }

    fn reparse<T: Serialize + DeserializeOwned>(v: &Value) -> Option<Value> {
        let t: T = serde_json::from_value(v.clone()).ok()?;
        serde_json::to_value(t).ok()
    }

    fn check_struct<T: Serialize + DeserializeOwned>(schema: &Value, name: &str, sample: &T) {
        let obj = if name == "Scenario" {
            schema
        } else {
            def(schema, name)
        };
        let full = serde_json::to_value(sample).expect("serialisable");
        check_object(name, obj, &full, &reparse::<T>);
    }

    /// Checks an externally tagged enum's schema: one alternative per variant (and no more),
    /// and for struct-like variants the same checks as [`check_struct`].
    fn check_enum<T: Serialize + DeserializeOwned>(schema: &Value, name: &str, samples: &[T]) {
        let alternatives = def(schema, name)["oneOf"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            alternatives.len(),
            samples.len(),
            "{name}: one alternative per variant"
        );
        for sample in samples {
            let v = serde_json::to_value(sample).expect("serialisable");
            if let Some(tag) = v.as_str() {
                let found = alternatives.iter().any(|a| a["const"] == json!(tag));
                assert!(found, "{name}: no alternative for `{tag}`");
                continue;
            }
            let tag = keys(&v).into_iter().next().expect("externally tagged");
            let alt = alternatives
                .iter()
                .find(|a| a["required"] == json!([tag]))
                .unwrap_or_else(|| panic!("{name}: no alternative for `{tag}`"));
            assert_eq!(keys(&alt["properties"]), BTreeSet::from([tag.clone()]));
            assert_eq!(alt["additionalProperties"], json!(false), "{name}.{tag}");
            let content = resolve(schema, &alt["properties"][&tag]);
            if v[&tag].is_object() && content.get("properties").is_some() {
                let wrap = |inner: &Value| {
                    let back = reparse::<T>(&json!({ tag.clone(): inner }))?;
                    Some(back[&tag].clone())
                };
                check_object(&format!("{name}.{tag}"), content, &v[&tag], &wrap);
            }
        }
    }

    #[test]
    fn the_schema_is_draft_2020_12_with_a_title() {
        let schema = json_schema();
        let text = serde_json::to_string_pretty(&schema).expect("serialisable");
        let back: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(back, schema);
        assert_eq!(
            schema["$schema"],
            json!("https://json-schema.org/draft/2020-12/schema")
        );
        assert_eq!(schema["title"], json!("caplab scenario"));
        assert_eq!(schema["type"], json!("object"));
    }

    #[test]
    fn the_schema_has_every_field_of_the_types_with_serdes_defaults() {
        let schema = json_schema();
        check_struct(&schema, "Scenario", &scenario());
        check_struct(&schema, "Design", &design());
        check_struct(&schema, "Service", &service());
        check_struct(&schema, "CallSpec", &call());
        check_struct(&schema, "Limits", &limits());
        check_struct(&schema, "NetworkSpec", &network());
        check_struct(&schema, "Workload", &workload());
        check_struct(&schema, "RateSegment", &segment());
        check_struct(&schema, "RequestClass", &class());
        check_struct(&schema, "FaultSpec", &fault());
        check_struct(&schema, "Pool", &pool());
        check_struct(&schema, "Database", &database());
        check_struct(&schema, "Backoff", &call().backoff);
        check_struct(&schema, "CircuitBreaker", &call().circuit_breaker);
        check_struct(&schema, "MixturePart", &mixture_part());
        check_struct(&schema, "Broker", &broker());
        check_struct(&schema, "QueueSpec", &queue());
        check_struct(&schema, "TopicSpec", &topic());
        check_struct(&schema, "LogSpec", &log());
        check_struct(&schema, "KvStore", &kv_store());
        check_struct(&schema, "ReplicatedStore", &replicated_store());
        check_struct(
            &schema,
            "Failover",
            &crate::scenario::Failover {
                detection_ms: 100.0,
                heartbeat_ms: 10.0,
            },
        );
        check_enum(
            &schema,
            "Conflicts",
            &[
                crate::scenario::Conflicts::LastWriterWins,
                crate::scenario::Conflicts::Siblings,
            ],
        );
        check_enum(
            &schema,
            "SyncAcks",
            &[
                crate::scenario::SyncAcks::All,
                crate::scenario::SyncAcks::Majority,
            ],
        );
        check_struct(&schema, "LockService", &lock_service());
        check_struct(&schema, "AccountStore", &account_store());
        check_struct(&schema, "KeySpec", &key_spec());
        check_struct(&schema, "Consume", &consume());
        check_struct(&schema, "PublishSpec", &publish());
        check_struct(&schema, "Cost", &cost());
        check_struct(&schema, "Sweep", &sweep());
        check_struct(&schema, "SweepParameter", &sweep_parameter());
        check_struct(&schema, "SweepRange", &sweep_range());
        check_struct(&schema, "Assertion", &assertion());
        check_struct(&schema, "Chaos", &chaos());
        check_struct(&schema, "ChaosRate", &chaos_rate());
        check_struct(&schema, "LatencyChaos", &latency_chaos());
        check_struct(&schema, "Reliability", &reliability());
        check_struct(&schema, "FailureModel", &failure_model());
        check_struct(&schema, "HealthCheck", &health_check());
        check_struct(&schema, "Supervisor", &supervisor());
        check_struct(&schema, "OnCall", &on_call());
        check_struct(&schema, "TraceSpec", &trace());
    }

    #[test]
    fn the_schema_has_every_variant_of_the_enums() {
        let schema = json_schema();
        check_enum(&schema, "Arrivals", &arrivals());
        check_enum(&schema, "FaultAction", &faults());
        check_enum(&schema, "Step", &steps());
        check_enum(&schema, "Balancer", &balancers());
        check_enum(&schema, "Wait", &waits());
        check_enum(&schema, "WhenFull", &when_fulls());
        check_enum(&schema, "OnError", &on_errors());
        check_enum(&schema, "Delivery", &deliveries());
        check_enum(&schema, "Protocol", &protocols());
        check_enum(&schema, "StoreOp", &store_ops());
        check_enum(&schema, "Dist", &dists());
        check_enum(
            &schema,
            "Scale",
            &[
                crate::scenario::sweep::Scale::Linear,
                crate::scenario::sweep::Scale::Log,
            ],
        );
    }

    /// Walks every sub-schema.
    fn walk<'a>(v: &'a Value, out: &mut Vec<&'a Value>) {
        match v {
            Value::Object(m) => {
                out.push(v);
                m.values().for_each(|c| walk(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_every_object_is_closed_and_every_property_described() {
        let schema = json_schema();
        let mut all = Vec::new();
        walk(&schema, &mut all);
        let mut used = BTreeSet::new();
        for v in &all {
            if let Some(r) = v.get("$ref").and_then(Value::as_str) {
                let name = r.strip_prefix("#/$defs/").unwrap_or(r);
                def(&schema, name);
                used.insert(name.to_string());
            }
            if v.get("type") == Some(&json!("object")) && v.get("properties").is_some() {
                assert_eq!(v["additionalProperties"], json!(false), "{v}");
            }
            for (k, p) in v
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let described = p["description"].as_str().is_some_and(|d| !d.is_empty());
                // `default` and `const` keys are values, not sub-schemas.
                if k != "default" {
                    assert!(described, "property `{k}` has no description");
                }
            }
        }
        assert_eq!(used, keys(&schema["$defs"]), "every definition is used");
    }

    #[test]
    fn the_checked_in_samples_are_consistent_with_serde() {
        // The samples above round-trip, so the schema tests compare against real serde output.
        let s = scenario();
        let text = serde_json::to_string(&s).expect("serialisable");
        let back: Scenario = serde_json::from_str(&text).expect("deserialisable");
        assert_eq!(back, s);
    }
}
