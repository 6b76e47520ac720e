//! The ledger: where every request's end is written, the world state of a run. It keeps
//! counts, histograms and windows only, so its memory does not grow with requests.

use crate::msg::Outcome;
use crate::plan::Plan;
use sim_core::metrics::{Histogram, MetricsError, TimeSeries};
use sim_core::time::{SimDuration, SimTime};

/// Series columns, in `results::WindowRow` order.
pub const SERIES_COLUMNS: [&str; 5] = ["issued", "ok", "error", "timeout", "rejected"];

/// Counts and latencies of one request class, for requests issued after the warm-up.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    /// Requests issued.
    pub issued: u64,
    /// Ended as ok, error, timeout, rejected.
    pub ended: [u64; 4],
    /// Latency of successes, in nanoseconds.
    pub latency: Histogram,
}

impl Tally {
    /// Requests still in flight: issued but not ended.
    pub fn in_flight(&self) -> u64 {
        self.issued - self.ended.iter().sum::<u64>()
    }
}

/// The world state shared by the components of one design's run.
#[derive(Debug)]
pub struct Ledger {
    warmup: SimTime,
    /// Per class, measured requests only.
    pub classes: Vec<Tally>,
    /// Measured failures by cause id.
    pub causes: Vec<u64>,
    /// Timeline of every request, warm-up included.
    pub series: TimeSeries,
    /// Every request issued, warm-up included (for the accounting invariant).
    pub all_issued: u64,
    /// Every request ended, warm-up included.
    pub all_ended: u64,
    /// Answers that reached the client after it had given up on the request.
    pub late_replies: u64,
    /// Requests the client itself holds as live (kept by the client, independently of the
    /// issued/ended counts, so that the two can be checked against each other).
    pub client_in_flight: u64,
}

impl Ledger {
    /// An empty ledger for `plan`, with windows of `window` up to the end of the run.
    pub fn new(
        plan: &Plan,
        window: SimDuration,
        max_windows: usize,
    ) -> Result<Ledger, MetricsError> {
        Ok(Ledger {
            warmup: plan.warmup,
            classes: vec![Tally::default(); plan.classes.len()],
            causes: vec![0; plan.causes.len()],
            series: TimeSeries::new(window, plan.end, max_windows, &SERIES_COLUMNS)?,
            all_issued: 0,
            all_ended: 0,
            late_replies: 0,
            client_in_flight: 0,
        })
    }

    /// A request of `class` is issued now.
    #[inline]
    pub fn issued(&mut self, now: SimTime, class: usize) {
        self.all_issued += 1;
        self.series.add(now, 0, 1);
        if now >= self.warmup {
            self.classes[class].issued += 1;
        }
    }

    /// A request of `class`, issued at `issued_at`, ended now with `outcome`.
    #[inline]
    pub fn ended(&mut self, now: SimTime, class: usize, issued_at: SimTime, outcome: Outcome) {
        self.all_ended += 1;
        self.series.add(now, 1 + outcome.index(), 1);
        let latency = now - issued_at;
        if outcome == Outcome::Ok {
            self.series.record_latency(now, latency);
        }
        if issued_at < self.warmup {
            return;
        }
        let tally = &mut self.classes[class];
        tally.ended[outcome.index()] += 1;
        match outcome.cause() {
            None => tally.latency.record(latency.as_nanos()),
            Some(c) => self.causes[usize::from(c)] += 1,
        }
    }
}
