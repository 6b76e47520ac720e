//! The `reliability` section and the designs' `failures`: how components fail and come
//! back, and how operation over months is judged (run by `crate::reliability`).

use serde::{Deserialize, Serialize};
use sim_core::dist::Dist;

/// The scenario's `reliability` section: how long and how to judge operation over months.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reliability {
    /// Simulated operation per replication, in days.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub horizon_days: f64,
    /// Independent replications of the failure process (for confidence intervals).
    #[serde(default = "default_replications")]
    #[schemars(range(min = 1, max = crate::scenario::limits::MAX_REPLICATIONS))]
    pub replications: u32,
    /// An endpoint meets its success criterion when at least this fraction of its requests
    /// succeed (in a system state; in a window of the full simulation).
    #[serde(default = "default_min_availability")]
    #[schemars(range(min = 0, max = 1))]
    pub min_availability: f64,
    /// Measured seconds of each distinct system state's request-level simulation.
    #[serde(default = "default_state_s")]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub state_s: f64,
    /// Warm-up seconds of each state's simulation (not measured).
    #[serde(default = "default_state_warmup_s")]
    #[schemars(range(min = 0))]
    pub state_warmup_s: f64,
    /// Offered load of the peak-throughput measurement (all components up), requests per
    /// second, Poisson, instead of the shared arrivals. Absent: no peak measurement.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub peak_rate_per_s: Option<f64>,
    /// Most distinct system states simulated at request level per design; time spent in
    /// states beyond it counts as missing the criterion, and is reported.
    #[serde(default = "default_max_states")]
    #[schemars(range(min = 1))]
    pub max_states: usize,
}

fn default_replications() -> u32 {
    10
}

fn default_min_availability() -> f64 {
    0.99
}

fn default_state_s() -> f64 {
    60.0
}

fn default_state_warmup_s() -> f64 {
    10.0
}

fn default_max_states() -> usize {
    256
}

/// How one component fails and comes back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureModel {
    /// Mean time between failures of each instance, in hours (from recovery to the next
    /// failure).
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub mtbf_h: f64,
    /// Weibull shape of the time to failure (below 1: infant mortality; above 1: wear-out),
    /// with the same mean. Absent: exponential.
    #[serde(default)]
    #[schemars(range(min = 0.1))]
    pub weibull_shape: Option<f64>,
    /// Health checks that notice a failure. Absent: noticed at once.
    #[serde(default)]
    pub health_check: Option<HealthCheck>,
    /// Automatic restart once the failure is noticed. Absent: every failure pages the
    /// on-call human.
    #[serde(default)]
    pub supervisor: Option<Supervisor>,
    /// The on-call human, paged for what the supervisor does not fix.
    #[serde(default)]
    pub on_call: Option<OnCall>,
}

/// Periodic health checks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    /// Time between two checks, in seconds.
    #[schemars(extend("exclusiveMinimum" = 0))]
    pub interval_s: f64,
    /// Consecutive failed checks before the instance is declared down.
    #[serde(default = "default_threshold")]
    #[schemars(range(min = 1))]
    pub threshold: u32,
}

fn default_threshold() -> u32 {
    3
}

/// A supervisor (systemd, Kubernetes, an autoscaler) restarting or replacing an instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Supervisor {
    /// Time to restart or replace the instance, in seconds.
    pub restart_s: Dist,
    /// Probability that the restart fixes the failure (otherwise the on-call is paged).
    #[serde(default = "one")]
    #[schemars(range(min = 0, max = 1))]
    pub fixes: f64,
}

fn one() -> f64 {
    1.0
}

/// Manual recovery by a paged human.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnCall {
    /// Time from the page to someone working on it, in minutes.
    pub response_min: Dist,
    /// Time to repair once someone works on it, in minutes.
    pub repair_min: Dist,
}

/// Most state changes one replication of one design may have (a runaway guard: a scenario
/// needing more is refused when it runs, naming the design).
pub const MAX_TRANSITIONS: usize = 5_000_000;
