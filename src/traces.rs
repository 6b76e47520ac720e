//! `caplab trace` as data: a design run traced for the requests asked for (one by number,
//! the slowest, the first failed), and those requests' traces ([`traced`]).

use models::error::RunError;
use models::plan::Checked;
use models::results::TracingSummary;
use models::scenario::{Design, Scenario, TraceSpec};
use models::trace::{Trace, TraceConfig};
use std::collections::BTreeSet;

/// Which requests to show.
#[derive(Clone, Copy, Debug)]
pub enum Pick {
    /// Request number `N` (0 = the first issued).
    Request(u64),
    /// The `K` slowest requests (by time to their outcome, or age at the end).
    Slowest(usize),
    /// The first `K` requests that failed.
    Failed(usize),
}

/// The recorder's settings for `pick`: nothing sampled, only what was asked for kept (the
/// scenario's span caps apply).
pub fn config(scenario: &Scenario, pick: Pick) -> TraceConfig {
    let spec = scenario.trace.clone().unwrap_or_default();
    let mut c = TraceConfig::from_spec(&TraceSpec {
        sample_rate: 0.0,
        keep_failed: false,
        slow_ms: None,
        max_traces: 1,
        ..spec
    });
    match pick {
        Pick::Request(n) => c.requests = BTreeSet::from([n]),
        Pick::Slowest(k) => c.slowest = k,
        Pick::Failed(k) => {
            c.keep_failed = true;
            c.max_traces = k;
        }
    }
    c
}

fn failed(t: &Trace) -> bool {
    t.async_failed || !matches!(t.outcome.as_str(), "ok" | "in_flight")
}

/// The traces of one design that answer `pick`.
pub fn pick_traces(mut traces: Vec<Trace>, pick: Pick) -> Vec<Trace> {
    match pick {
        Pick::Request(n) => traces.retain(|t| t.request == n),
        Pick::Slowest(k) => {
            traces.sort_by_key(|t| (std::cmp::Reverse(t.end_ns - t.start_ns), t.request));
            traces.truncate(k);
        }
        Pick::Failed(k) => {
            traces.retain(failed);
            traces.truncate(k);
        }
    }
    traces
}

/// The traces of one design's run that answer `pick`, and the recorder's summary.
#[derive(Clone, Debug)]
pub struct Traced {
    /// The traces asked for.
    pub traces: Vec<Trace>,
    /// What the recorder kept and refused (requests issued, failures and their root causes).
    pub tracing: Option<TracingSummary>,
}

/// Runs `design` of `scenario` under `seed`, traced for `pick`.
pub fn traced(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    pick: Pick,
) -> Result<Traced, RunError> {
    let result =
        models::run::run_design_traced(scenario, design, seed, Some(config(scenario, pick)))?;
    Ok(Traced {
        traces: pick_traces(result.traces, pick),
        tracing: result.tracing,
    })
}
