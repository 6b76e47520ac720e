//! reports: caplab's views of a run's [`RunResults`].
//!
//! Every report is a pure function of the results: the same results give the same bytes,
//! with no wall clock, no environment and no colour unless a [`Style`] asks for it (the
//! CLI decides: a terminal and no `NO_COLOR`). Only the [`files`] module touches the
//! disk (`write_*`, `read_*`); the others build strings and bytes:
//!
//! - [`table`]: terminal tables (designs, endpoints, causes, replications, comparisons);
//! - [`stats`]: replications: means, 95% intervals, paired and unpaired differences;
//! - [`chart`]: charts (plotters; SVG, and PNG with an embedded font); [`text`]: the
//!   font's metrics, text boxes read back from SVG, and the PNG text renderer;
//! - [`narrative`]: the generated sentences of a report;
//! - [`report`]: `index.html` and the Markdown summary; [`consistency`]: its section on
//!   replicated stores, payments and locks; [`spacetime`] and [`lamport`]: space-time
//!   diagrams of a store's first violation;
//! - [`reliability`]: operation over months: its charts, sentences and report section;
//! - [`compare`]: the differences between two runs;
//! - [`trace`]: request traces: the terminal waterfall, Chrome trace-event and OTLP JSON.
//!
//! Whatever can fail returns a [`ReportError`], whose message names what failed.
//!
//! [`RunResults`]: results::RunResults

pub mod chart;
pub mod compare;
pub mod consistency;
pub mod error;
pub mod files;
pub mod format;
pub mod lamport;
pub mod narrative;
pub mod reliability;
pub mod report;
pub mod run_charts;
pub mod spacetime;
pub mod stats;
pub mod sweep;
pub mod table;
pub mod text;
pub mod trace;

pub use error::ReportError;
pub use files::{
    differences_csv, endpoints_csv, read_replications, read_results, replications_csv,
    replications_json, results_json, series_csv, series_file_names, write_replications,
    write_report, write_run,
};
pub use table::{
    causes_table, comparison_text, endpoint_table, render_text, render_text_styled,
    replications_text, summary_table, Style,
};

/// A hand-built [`RunResults`](results::RunResults) shared by the unit tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use results::{
        DesignResult, EndpointResult, LatencySummary, NetworkSummary, RequestCounts, RunResults,
        WindowRow,
    };
    use std::collections::BTreeMap;

    /// Counts with all five outcomes present.
    pub(crate) fn counts(
        ok: u64,
        error: u64,
        timeout: u64,
        rejected: u64,
        in_flight: u64,
    ) -> RequestCounts {
        let by_outcome: BTreeMap<String, u64> = [
            ("ok", ok),
            ("error", error),
            ("timeout", timeout),
            ("rejected", rejected),
            ("in_flight", in_flight),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        RequestCounts {
            total: ok + error + timeout + rejected + in_flight,
            ok,
            by_outcome,
        }
    }

    fn latency(
        mean: f64,
        p50: f64,
        p90: f64,
        p99: f64,
        p999: f64,
        max: f64,
    ) -> Option<LatencySummary> {
        Some(LatencySummary {
            mean,
            p50,
            p90,
            p99,
            p999,
            max,
        })
    }

    fn window(start_s: f64, issued: u64, ok: u64, mean: f64, p99: f64) -> WindowRow {
        WindowRow {
            start_s,
            issued,
            ok,
            error: 1,
            timeout: 2,
            rejected: 0,
            latency_mean_ms: (ok > 0).then_some(mean),
            latency_p99_ms: (ok > 0).then_some(p99),
            ..WindowRow::default()
        }
    }

    /// Two designs (`leader`, `quorum-3`), two endpoints (`read`, `write`), three windows.
    pub(crate) fn sample() -> RunResults {
        let leader = DesignResult {
            name: "leader".to_string(),
            digest: "0123456789abcdef".to_string(),
            events: 9_876_543,
            stop: "time_limit".to_string(),
            // total 1,234,567
            requests: counts(1_219_000, 10_000, 5_000, 567, 0),
            latency_ms: latency(4.5678, 3.2, 7.0, 45.678, 1234.4, 2345.9),
            failure_rate: 0.0123,
            throughput_per_s: 20316.666,
            causes: [
                ("error: replica down".to_string(), 10_000),
                ("timeout: client".to_string(), 5_000),
                ("rejected: queue full".to_string(), 567),
            ]
            .into_iter()
            .collect(),
            endpoints: [
                (
                    "read".to_string(),
                    EndpointResult {
                        requests: counts(900_000, 5_000, 2_000, 0, 0),
                        latency_ms: latency(2.5, 2.0, 3.0, 9.876, 20.0, 30.0),
                        failure_rate: 0.0077,
                        throughput_per_s: 15000.0,
                        series: Vec::new(),
                    },
                ),
                (
                    "write".to_string(),
                    EndpointResult {
                        requests: counts(319_000, 5_000, 3_000, 567, 0),
                        latency_ms: latency(10.26, 8.0, 20.0, 123.45, 1234.4, 2345.9),
                        failure_rate: 0.0262,
                        throughput_per_s: 5316.666,
                        series: Vec::new(),
                    },
                ),
            ]
            .into_iter()
            .collect(),
            network: NetworkSummary {
                sent: 5_000_000,
                delivered: 4_990_000,
                lost: 10_000,
                ..NetworkSummary::default()
            },
            series: vec![
                window(10.0, 1000, 990, 4.25, 40.0),
                window(11.0, 1010, 1000, 4.5, 41.0),
                window(12.0, 990, 980, 1.0 / 3.0, 0.0),
            ],
            latency_cdf: vec![[0.5, 0.0], [3.2, 0.5], [45.678, 0.99], [2345.9, 1.0]],
            messages: None,
            stores: Default::default(),
            locks: Default::default(),
            accounts: Default::default(),
            reliability: None,
            cost_month_usd: None,
            swallowed_errors: Default::default(),
            tracing: None,
            traces: Vec::new(),
        };
        let quorum = DesignResult {
            name: "quorum-3".to_string(),
            digest: "fedcba9876543210".to_string(),
            events: 123,
            stop: "idle".to_string(),
            requests: counts(98_000, 200, 100, 0, 465),
            latency_ms: latency(12.5, 11.0, 15.0, 999.99, 1500.0, 9876.4),
            failure_rate: 0.005,
            throughput_per_s: 1633.333,
            causes: BTreeMap::new(),
            endpoints: [(
                "read".to_string(),
                EndpointResult {
                    requests: counts(98_000, 200, 100, 0, 465),
                    latency_ms: latency(12.5, 11.0, 15.0, 999.99, 1500.0, 9876.4),
                    failure_rate: 0.005,
                    throughput_per_s: 1633.333,
                    series: Vec::new(),
                },
            )]
            .into_iter()
            .collect(),
            network: NetworkSummary::default(),
            series: vec![
                window(10.0, 100, 99, 12.0, 20.0),
                window(11.0, 100, 98, 13.0, 21.0),
                window(12.0, 100, 97, 14.0, 22.0),
            ],
            latency_cdf: vec![[1.0, 0.0], [11.0, 0.5], [999.99, 0.99], [9876.4, 1.0]],
            messages: None,
            stores: Default::default(),
            locks: Default::default(),
            accounts: Default::default(),
            reliability: None,
            cost_month_usd: None,
            swallowed_errors: Default::default(),
            tracing: None,
            traces: Vec::new(),
        };
        RunResults {
            scenario: "checkout".to_string(),
            seed: 42,
            caplab_version: "0.1.0".to_string(),
            duration_s: 70.0,
            warmup_s: 10.0,
            window_s: 1.0,
            designs: vec![leader, quorum],
            description: "Checkout behind a replicated store.".to_string(),
            faults: vec![results::FaultWindow {
                start_s: 11.0,
                end_s: Some(12.0),
                kind: "crash".to_string(),
                label: "crash store#0".to_string(),
            }],
        }
    }
}
