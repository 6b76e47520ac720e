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
                "description": "Short name (used in results and reports)."
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
            "limits": reference("Limits", "Safety limits that stop a runaway scenario."),
            "network": reference("NetworkSpec", "The network between every pair of nodes."),
            "workload": reference("Workload", "The load every design faces."),
            "faults": with_default(
                array(reference("FaultSpec", "A fault."), 0, "The faults every design faces."),
                json!([]),
            ),
            "designs": array(reference("Design", "A design."), 1, "The designs compared."),
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
                        json!(2_000_000_000_u64),
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
                    "arrivals": reference("Arrivals", "The arrival process."),
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
                            "users": integer(1, "Number of users."),
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
                    "endpoint": string("The endpoint of the design's entry service."),
                    "weight": with_default(positive("Relative weight in the mix."), json!(1.0)),
                    "timeout_ms": with_default(
                        positive("The client gives up after this long, in milliseconds (the \
                                  request ends as a timeout)."),
                        json!(30_000.0),
                    ),
                }),
                &["endpoint"],
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
                                service instance `name#i` (from 0), a database name, or `client`."
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
                        "description": "Short name, unique in the file."
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
                }),
                &["name", "entry", "services"],
            )),
        ),
        (
            "Service",
            Value::Object(object(
                "A deployable process, possibly several instances behind a load balancer. \
                 Endpoints of one service call each other in-process: same worker, same pools, \
                 same fate.",
                json!({
                    "instances": with_default(integer(1, "Number of instances."), json!(1)),
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
                }),
                &["endpoint"],
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
