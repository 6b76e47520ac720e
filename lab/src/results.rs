//! A lab run as caplab results: latency and availability like any design (one design
//! named after your node, one endpoint per client group and operation, `app#1 write`), and
//! the verdict under `stores`, so `reports` renders tables, charts and reports for it and
//! `caplab compare` and assertions work on its `results.json`.

use crate::harness::{LabRun, Tally};
use crate::setup::Setup;
use crate::verdict::LabVerdict;
use crate::workload::{Answer, Op};
use models::results::{
    DesignResult, EndpointResult, FaultWindow, NetworkSummary, RunResults, StoreSummary,
};
use models::scenario::FaultAction;
use std::collections::BTreeMap;

use models::run::{counts, latency_summary as latency, rates};

/// The `results.json` of a lab run: one design named `design`.
pub fn build(setup: &Setup, run: &LabRun, verdict: &LabVerdict, design: &str) -> RunResults {
    let measured_s = setup.duration_s - setup.warmup_s;
    let mut total = Tally::default();
    let mut endpoints = BTreeMap::new();
    for (name, t) in &run.world.tallies {
        total.issued += t.issued;
        for k in 0..4 {
            total.ended[k] += t.ended[k];
        }
        total.latency.merge(&t.latency);
        let (failure_rate, throughput_per_s) = rates(t.ended, measured_s);
        endpoints.insert(
            name.clone(),
            EndpointResult {
                requests: counts(t.issued, t.ended),
                latency_ms: latency(&t.latency),
                failure_rate,
                throughput_per_s,
                series: t.series.clone(),
            },
        );
    }
    let (failure_rate, throughput_per_s) = rates(total.ended, measured_s);
    let series = models::run::window_rows(&run.world.series);
    let latency_cdf = models::run::latency_cdf(&total.latency);
    let (reads, stale, behind, max_behind) = staleness(run);
    let store = StoreSummary {
        protocol: design.to_string(),
        operations_checked: run.world.ops.len() as u64,
        operations_not_recorded: run.world.not_recorded,
        linearizability: match verdict.word {
            "holds" if verdict.property == "linearizable" => "linearizable".to_string(),
            "violated" if verdict.property == "linearizable" => "violation".to_string(),
            w => format!("{} {w}", verdict.property),
        },
        counterexample: (!verdict.holds() && !verdict.details.is_empty())
            .then(|| format!("{}\n{}", verdict.summary, verdict.details)),
        reads,
        stale_reads: stale,
        stale_read_fraction: if reads == 0 {
            0.0
        } else {
            stale as f64 / reads as f64
        },
        mean_versions_behind: if stale == 0 {
            0.0
        } else {
            behind as f64 / stale as f64
        },
        max_versions_behind: max_behind,
        writes_acked: run
            .world
            .ops
            .iter()
            .filter(|o| {
                matches!(
                    (&o.op, &o.answer),
                    (Op::Write { .. }, Some(Answer::Written))
                        | (Op::Cas { .. }, Some(Answer::Cas(true)))
                        | (Op::Send { .. }, Some(Answer::Offset(_)))
                )
            })
            .count() as u64,
        // Replica-side figures (lost writes, failovers, lag) belong to caplab's own
        // replicated stores; a student's node is judged from the clients' side only.
        ..StoreSummary::default()
    };
    let n = &run.net;
    let design = DesignResult {
        name: design.to_string(),
        digest: format!("{:016x}", run.digest),
        events: run.events,
        stop: run.stop.to_string(),
        requests: counts(total.issued, total.ended),
        latency_ms: latency(&total.latency),
        failure_rate,
        throughput_per_s,
        causes: run.world.causes.clone(),
        endpoints,
        network: NetworkSummary::from(n),
        series,
        latency_cdf,
        messages: None,
        cost_month_usd: None,
        stores: BTreeMap::from([(setup.store_name.clone(), store)]),
        locks: BTreeMap::new(),
        accounts: BTreeMap::new(),
        reliability: None,
        swallowed_errors: BTreeMap::new(),
        tracing: None,
        traces: Vec::new(),
    };
    RunResults {
        scenario: setup.name.clone(),
        seed: run.seed,
        caplab_version: models::run::CAPLAB_VERSION.to_string(),
        duration_s: setup.duration_s,
        warmup_s: setup.warmup_s,
        window_s: setup.window_s,
        designs: vec![design],
        description: setup.description.clone(),
        faults: fault_windows(setup),
    }
}

/// The setup's faults, each labelled by its action's name and the values of its fields
/// (`slow kv#1 3.0`; a partition as `caplab run` writes it: `partition [kv#0] | [kv#1]`).
pub fn fault_windows(setup: &Setup) -> Vec<FaultWindow> {
    let mut out: Vec<FaultWindow> = setup
        .faults
        .iter()
        .map(|f| {
            // Terser than `caplab run`'s labels (`FaultAction`'s Display) but for
            // partitions: the action's name and its fields' values.
            let label = match &f.action {
                FaultAction::Partition { .. } => f.action.to_string(),
                a => format!(
                    "{} {}",
                    a.kind().replace('_', " "),
                    a.field_values().join(" ")
                ),
            };
            FaultWindow {
                start_s: f.at_s,
                end_s: f.duration_s.map(|d| f.at_s + d),
                kind: f.action.kind().to_string(),
                label: label.trim_end().to_string(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
    out
}

/// Register reads that returned an overwritten value: `(reads, stale reads, versions
/// missed in all, most missed)`. A read of `v` missed a write `w` when `w` was acknowledged
/// before the read began and began after the write of `v` was acknowledged (so `v` was
/// certainly overwritten); a read of an absent key missed every write acknowledged before
/// it. Concurrent writes may be ordered either way and are never counted.
fn staleness(run: &LabRun) -> (u64, u64, u64, u64) {
    // Per key: acknowledged writes as (invoke, complete, value).
    let mut acked: BTreeMap<u64, Vec<(u64, u64, u64)>> = BTreeMap::new();
    for o in &run.world.ops {
        let (key, value) = match (&o.op, &o.answer) {
            (Op::Write { key, value }, Some(Answer::Written)) => (*key, *value),
            (Op::Cas { key, new, .. }, Some(Answer::Cas(true))) => (*key, *new),
            _ => continue,
        };
        if let Some(c) = o.complete_ns {
            acked.entry(key).or_default().push((o.invoke_ns, c, value));
        }
    }
    let (mut reads, mut stale, mut behind, mut max_behind) = (0, 0, 0, 0);
    for o in &run.world.ops {
        let (Op::Read { key }, Some(Answer::Value(seen)), Some(_)) =
            (&o.op, &o.answer, o.complete_ns)
        else {
            continue;
        };
        reads += 1;
        let Some(writes) = acked.get(key) else {
            continue;
        };
        let before = writes.iter().filter(|w| w.1 < o.invoke_ns);
        let missed = match seen {
            None => before.count(),
            Some(v) => match writes.iter().find(|w| w.2 == *v) {
                Some(src) => before.filter(|w| w.0 > src.1).count(),
                None => 0, // its write was not acknowledged: concurrent or unknown
            },
        } as u64;
        if missed > 0 {
            stale += 1;
            behind += missed;
            max_behind = max_behind.max(missed);
        }
    }
    (reads, stale, behind, max_behind)
}
