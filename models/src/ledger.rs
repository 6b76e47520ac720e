//! The ledger: where every request's end is written, the world state of a run. It keeps
//! counts, histograms and windows only, so its memory does not grow with requests.

use crate::checker::history::HistoryRecorder;
use crate::msg::Outcome;
use crate::plan::Plan;
use sim_core::metrics::{Histogram, MetricsError, TimeSeries};
use sim_core::time::{SimDuration, SimTime};
use std::collections::{HashMap, VecDeque};

/// Series columns, in `results::WindowRow` order.
pub const SERIES_COLUMNS: [&str; 6] = ["issued", "ok", "error", "timeout", "rejected", "processed"];

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

/// "No request": the origin of messages published by no request.
pub const NO_ORIGIN: u32 = u32::MAX;

/// Where each message copy stands. Every copy that enters a queue or a log (per consumer
/// group) ends exactly once as processed, failed, dead-lettered or lost, or is still
/// queued, unacknowledged, held by a consumer, or pending in a log at the end:
/// `entered = processed + failed + dead_lettered + lost + queued + unacked + held + log_pending`.
/// Duplicates (processing beyond the first) are counted apart.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageStats {
    /// Copies accepted into a queue, or records appended (once per consumer group).
    pub entered: u64,
    /// Processed successfully (first time).
    pub processed: u64,
    /// Processed with an error and not retried (naive pop, or a log record).
    pub failed: u64,
    /// Moved out after too many deliveries.
    pub dead_lettered: u64,
    /// Lost when an in-memory broker crashed.
    pub lost_broker_crash: u64,
    /// Lost with a consumer that crashed while holding them (naive pop).
    pub lost_consumer_crash: u64,
    /// Topic copies dropped because a subscriber queue was full.
    pub lost_overflow: u64,
    /// Processing beyond the first (redeliveries, rebalances).
    pub duplicates: u64,
    /// Gauge: waiting in queues.
    pub queued: u64,
    /// Gauge: delivered, not yet acknowledged.
    pub unacked: u64,
    /// Gauge: popped by consumers and not yet finished (naive pop).
    pub held: u64,
    /// Gauge: log records not yet processed by a group.
    pub log_pending: u64,
}

impl MessageStats {
    /// Copies lost, whatever the cause.
    pub fn lost(&self) -> u64 {
        self.lost_broker_crash + self.lost_consumer_crash + self.lost_overflow
    }

    /// Copies not ended at the end of the run.
    pub fn outstanding(&self) -> u64 {
        self.queued + self.unacked + self.held + self.log_pending
    }

    /// `true` when every copy that entered is accounted for exactly once.
    pub fn balanced(&self) -> bool {
        self.entered
            == self.processed + self.failed + self.dead_lettered + self.lost() + self.outstanding()
    }
}

/// What a replicated store's clients observed: the history of their operations, the
/// last-writer-wins timestamp of every write (writes are numbered from 1; their number is
/// the value written), and read staleness against the writes acknowledged before each read.
#[derive(Debug)]
pub struct StoreLedger {
    /// The history, for the linearizability checker.
    pub history: HistoryRecorder,
    write_ts: Vec<u64>,
    /// Per key, the (timestamp, acknowledgement time) of its last acknowledged writes.
    acked: HashMap<u32, VecDeque<(u64, SimTime)>>,
    /// Reads completed.
    pub reads: u64,
    /// Of which returned an older value than a write acknowledged before the read began.
    pub stale_reads: u64,
    /// Sum, over stale reads, of how many acknowledged writes they missed.
    pub versions_behind: u64,
    /// Largest number of acknowledged writes a read missed.
    pub max_versions_behind: u64,
}

/// Acknowledged writes remembered per key for staleness (older ones are summarised away).
const ACKED_PER_KEY: usize = 64;

impl StoreLedger {
    fn new(history_cap: usize) -> StoreLedger {
        StoreLedger {
            history: HistoryRecorder::new(history_cap),
            write_ts: vec![0],
            acked: HashMap::new(),
            reads: 0,
            stale_reads: 0,
            versions_behind: 0,
            max_versions_behind: 0,
        }
    }

    /// Numbers a new write with timestamp `ts`; the number is the value written.
    pub fn new_write(&mut self, ts: u64) -> u32 {
        self.write_ts.push(ts);
        (self.write_ts.len() - 1) as u32
    }

    /// The timestamp of write `w` (0 for "absent").
    pub fn ts(&self, w: u32) -> u64 {
        self.write_ts.get(w as usize).copied().unwrap_or(0)
    }

    /// Write `w` to `key` was acknowledged now.
    pub fn write_acked(&mut self, key: u32, w: u32, now: SimTime) {
        let ts = self.ts(w);
        let ring = self.acked.entry(key).or_default();
        ring.push_back((ts, now));
        if ring.len() > ACKED_PER_KEY {
            ring.pop_front();
        }
    }

    /// A read of `key` invoked at `invoked` returned write `w`: count it, and whether it
    /// was stale.
    pub fn read_done(&mut self, key: u32, w: u32, invoked: SimTime) {
        self.reads += 1;
        let ts = self.ts(w);
        let Some(ring) = self.acked.get(&key) else {
            return;
        };
        let missed = ring
            .iter()
            .filter(|(t, at)| *at < invoked && *t > ts)
            .count() as u64;
        if missed > 0 {
            self.stale_reads += 1;
            self.versions_behind += missed;
            self.max_versions_behind = self.max_versions_behind.max(missed);
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Origin {
    class: u16,
    issued_at: SimTime,
    refs: u32,
    key: u32,
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
    /// Per class and window (those of `series`), requests that ended ok and not ok, warm-up
    /// included: `[(class * windows + window) * 2 + failed]`.
    pub class_series: Vec<u64>,
    /// Every request issued, warm-up included (for the accounting invariant).
    pub all_issued: u64,
    /// Every request ended, warm-up included.
    pub all_ended: u64,
    /// Answers that reached the client after it had given up on the request.
    pub late_replies: u64,
    /// Requests the client itself holds as live (kept by the client, independently of the
    /// issued/ended counts, so that the two can be checked against each other).
    pub client_in_flight: u64,
    /// Message accounting.
    pub messages: MessageStats,
    /// Per class: time from a request's issue to the processing of a message it published
    /// (measured requests only).
    pub completion: Vec<Histogram>,
    /// Replicated stores: histories, write timestamps, staleness.
    pub stores: Vec<StoreLedger>,
    /// Popped messages handed to each node (by node index) and not yet finished by it,
    /// including those still on the wire: a crash of the node loses exactly these.
    pub held_by_node: Vec<u64>,
    origins: Vec<Origin>,
    free_origins: Vec<u32>,
}

impl Ledger {
    /// An empty ledger for `plan`, with windows of `window` up to the end of the run.
    pub fn new(
        plan: &Plan,
        window: SimDuration,
        max_windows: usize,
    ) -> Result<Ledger, MetricsError> {
        let series = TimeSeries::new(window, plan.end, max_windows, &SERIES_COLUMNS)?;
        Ok(Ledger {
            warmup: plan.warmup,
            classes: vec![Tally::default(); plan.classes.len()],
            causes: vec![0; plan.causes.len()],
            class_series: vec![0; plan.classes.len() * series.window_count() * 2],
            series,
            all_issued: 0,
            all_ended: 0,
            late_replies: 0,
            client_in_flight: 0,
            messages: MessageStats::default(),
            completion: vec![Histogram::default(); plan.classes.len()],
            held_by_node: Vec::new(),
            stores: plan
                .stores
                .iter()
                .map(|st| StoreLedger::new(st.history_cap))
                .collect(),
            origins: Vec::new(),
            free_origins: Vec::new(),
        })
    }

    /// `n` message copies were processed successfully now (first time).
    pub fn processed(&mut self, now: SimTime, n: u64) {
        self.messages.processed += n;
        self.series.add(now, 5, n);
    }

    /// A popped message was handed to `node`.
    pub fn hand_to(&mut self, node: usize) {
        if self.held_by_node.len() <= node {
            self.held_by_node.resize(node + 1, 0);
        }
        self.held_by_node[node] += 1;
        self.messages.held += 1;
    }

    /// `node` finished a popped message.
    pub fn finished_by(&mut self, node: usize) {
        if let Some(h) = self.held_by_node.get_mut(node) {
            *h = h.saturating_sub(1);
        }
        self.messages.held -= 1;
    }

    /// `node` crashed: the popped messages it held, or that were on their way to it, are lost.
    pub fn crashed(&mut self, node: usize) {
        let lost = self.held_by_node.get(node).copied().unwrap_or(0);
        if lost > 0 {
            self.held_by_node[node] = 0;
            self.messages.held -= lost;
            self.messages.lost_consumer_crash += lost;
        }
    }

    /// Registers a request as the origin of calls and messages; one reference held.
    pub fn new_origin(&mut self, class: usize, issued_at: SimTime, key: u32) -> u32 {
        let o = Origin {
            class: class as u16,
            issued_at,
            refs: 1,
            key,
        };
        match self.free_origins.pop() {
            Some(id) => {
                self.origins[id as usize] = o;
                id
            }
            None => {
                self.origins.push(o);
                (self.origins.len() - 1) as u32
            }
        }
    }

    /// The key the request behind `origin` touches (0 when none).
    pub fn origin_key(&self, origin: u32) -> u32 {
        self.origins.get(origin as usize).map_or(0, |o| o.key)
    }

    /// One more holder (a message copy) of `origin`.
    pub fn acquire(&mut self, origin: u32) {
        if let Some(o) = self.origins.get_mut(origin as usize) {
            o.refs += 1;
        }
    }

    /// One holder of `origin` is done with it.
    pub fn release(&mut self, origin: u32) {
        if let Some(o) = self.origins.get_mut(origin as usize) {
            o.refs -= 1;
            if o.refs == 0 {
                self.free_origins.push(origin);
            }
        }
    }

    /// A message copy stemming from `origin` was processed now: record its completion
    /// latency, then release the copy's reference.
    pub fn completed(&mut self, now: SimTime, origin: u32) {
        if let Some(o) = self.origins.get(origin as usize).copied() {
            if o.issued_at >= self.warmup {
                self.completion[usize::from(o.class)].record((now - o.issued_at).as_nanos());
            }
            self.release(origin);
        }
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
        let cell = (class * self.series.window_count() + self.series.window_index(now)) * 2
            + usize::from(outcome != Outcome::Ok);
        self.class_series[cell] += 1;
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
