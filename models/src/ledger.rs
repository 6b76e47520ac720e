//! The ledger: where every request's end is written, the world state of a run. It keeps
//! counts, histograms and windows only, so its memory does not grow with requests.

use crate::msg::Outcome;
use crate::plan::Plan;
use sim_core::digest::fold;
use sim_core::metrics::{Histogram, MetricsError, TimeSeries};
use sim_core::time::{SimDuration, SimTime};
use std::collections::BTreeMap;

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

pub use crate::store_ledger::StoreLedger;

/// What the clients of a lock service observed.
#[derive(Debug, Default)]
pub struct LockLedger {
    /// Grants the coordinators received in time.
    pub acquired: u64,
    /// Requests that found the lock held and waited in line (conflicts).
    pub conflicts: u64,
    /// Requests made.
    pub requests: u64,
    /// Waits that ran out before the grant (the step failed).
    pub wait_timeouts: u64,
    /// Leases that expired while held (the holder never released in time).
    pub lease_expiries: u64,
    /// Time from request to grant, in nanoseconds (grants received in time).
    pub wait: Histogram,
}

/// One payment's write: what the coordinator sent (account, new balance, the version its
/// balance was computed from, its fencing token) and what became of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Payment {
    /// The account.
    pub key: u32,
    /// The amount paid.
    pub amount: u32,
    /// The balance written: the balance read minus the amount.
    pub balance: u32,
    /// The version the balance was read at (0: the opening balance).
    pub read_version: u32,
    /// The fencing token of the lock held (0: none).
    pub token: u32,
    /// The store applied the write; the payment is then the account's new version.
    pub stored: bool,
    /// The coordinator was told it succeeded (the customer was told "paid").
    pub acked: bool,
}

/// What happened to the accounts of an account store. Every stored payment is a version of
/// its account whose parent is the version it read, so an account's balance is the opening
/// balance minus the payments on the path from its last version back to the opening one;
/// a payment acknowledged as paid but not on that path was paid out without being deducted:
/// a double spend.
#[derive(Debug)]
pub struct AccountLedger {
    /// Payments by number (0: the opening balance, a placeholder).
    pub payments: Vec<Payment>,
    /// Each account's latest version (accounts never written are absent).
    pub heads: BTreeMap<u32, u32>,
    /// Opening balance of every account.
    pub initial_balance: u32,
    /// Payments refused because the balance read did not cover them.
    pub declined: u64,
    /// Writes refused for an old fencing token.
    pub fenced: u64,
    /// Writes stored over a version other than the one they read (a lost update).
    pub lost_updates: u64,
}

impl AccountLedger {
    fn new(initial_balance: u32) -> AccountLedger {
        AccountLedger {
            payments: vec![Payment::default()],
            heads: BTreeMap::new(),
            initial_balance,
            declined: 0,
            fenced: 0,
            lost_updates: 0,
        }
    }

    /// Numbers a payment's write; the number names the version it creates once stored.
    pub fn new_payment(&mut self, p: Payment) -> u32 {
        self.payments.push(p);
        (self.payments.len() - 1) as u32
    }

    /// The record of payment `n` (the placeholder for an unknown number).
    pub fn payment(&self, n: u32) -> Payment {
        self.payments.get(n as usize).copied().unwrap_or_default()
    }

    /// The store applied payment `n` over `current` (the account's version then).
    pub fn stored(&mut self, n: u32, current: u32) {
        let Some(p) = self.payments.get_mut(n as usize) else {
            return;
        };
        p.stored = true;
        if p.read_version != current {
            self.lost_updates += 1;
        }
        self.heads.insert(p.key, n);
    }

    /// The coordinator of payment `n` was told it succeeded.
    pub fn acked(&mut self, n: u32) {
        if let Some(p) = self.payments.get_mut(n as usize) {
            p.acked = true;
        }
    }

    /// Per account, the payments whose deduction survives: the path from the account's
    /// last version back to the opening balance.
    fn surviving(&self) -> Vec<bool> {
        let mut on_path = vec![false; self.payments.len()];
        for &head in self.heads.values() {
            let mut v = head as usize;
            // Versions point to strictly older payments (read before they were written).
            while v != 0 && !on_path[v] {
                on_path[v] = true;
                v = self.payments[v].read_version as usize;
            }
        }
        on_path
    }

    /// Payments acknowledged as paid whose deduction did not survive, and their total.
    pub fn double_spends(&self) -> (u64, u64) {
        let on_path = self.surviving();
        self.payments
            .iter()
            .zip(&on_path)
            .skip(1)
            .filter(|(p, &kept)| p.acked && !kept)
            .fold((0, 0), |(n, total), (p, _)| {
                (n + 1, total + u64::from(p.amount))
            })
    }

    /// Per written account: (final balance, opening balance minus the surviving payments).
    /// The two agree for every account unless the store lost track of money.
    pub fn balance_check(&self) -> Vec<(u32, u64, u64)> {
        let on_path = self.surviving();
        let mut deducted: BTreeMap<u32, u64> = BTreeMap::new();
        for (p, _) in self
            .payments
            .iter()
            .zip(&on_path)
            .skip(1)
            .filter(|(_, &k)| k)
        {
            *deducted.entry(p.key).or_default() += u64::from(p.amount);
        }
        self.heads
            .iter()
            .map(|(&key, &head)| {
                let expected = u64::from(self.initial_balance)
                    .saturating_sub(deducted.get(&key).copied().unwrap_or(0));
                (
                    key,
                    u64::from(self.payments[head as usize].balance),
                    expected,
                )
            })
            .collect()
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
    /// Lock services: grants, conflicts, waits.
    pub locks: Vec<LockLedger>,
    /// Account stores: payments and their fate.
    pub accounts: Vec<AccountLedger>,
    /// Popped messages handed to each node (by node index) and not yet finished by it,
    /// including those still on the wire: a crash of the node loses exactly these.
    pub held_by_node: Vec<u64>,
    /// A digest of what the run's clients were told: every request's end (time, class,
    /// outcome, cause) and every store read's value. The engine's digest covers the order of
    /// events, not what messages said; folded together, two runs that differ only in a
    /// payload differ in their digest too.
    pub observed_digest: u64,
    /// Errors callers caught and ignored (`on_error`), by (catching service, cause),
    /// warm-up included.
    pub swallowed: BTreeMap<(u16, crate::plan::CauseId), u64>,
    /// The span recorder, when the run is traced.
    pub tracer: Option<Box<crate::trace::Tracer>>,
    origins: Vec<Origin>,
    free_origins: Vec<u32>,
    /// Log records the brokers retain (every log, every partition).
    pub log_records: u64,
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
                .map(|st| {
                    let versioned = st.protocol != crate::scenario::Protocol::Cp;
                    StoreLedger::new(st.history_cap, st.replicas.len(), versioned)
                })
                .collect(),
            locks: plan.locks.iter().map(|_| LockLedger::default()).collect(),
            accounts: plan
                .accounts
                .iter()
                .map(|a| AccountLedger::new(a.initial_balance))
                .collect(),
            observed_digest: 0,
            swallowed: BTreeMap::new(),
            tracer: None,
            origins: Vec::new(),
            free_origins: Vec::new(),
            log_records: 0,
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

    /// The span recorder, when the run is traced: hooks read `if let Some(t) = ...trace()`.
    #[inline]
    pub fn trace(&mut self) -> Option<&mut crate::trace::Tracer> {
        self.tracer.as_deref_mut()
    }

    /// The key the request behind `origin` touches (0 when none).
    pub fn origin_key(&self, origin: u32) -> u32 {
        self.origins.get(origin as usize).map_or(0, |o| o.key)
    }

    /// Bytes of model state that grows with the load, estimated from counts (so the same
    /// on every machine): request origins (a slab that keeps its peak), broker queue
    /// entries and log records, the client's requests in flight, replicated stores' writes
    /// and histories, payments, and trace spans buffered. What `limits.max_memory_mb`
    /// is checked against, with the engine's pending events.
    pub fn held_bytes(&self) -> u64 {
        let origins = (self.origins.len() * std::mem::size_of::<Origin>()) as u64;
        let queued = (self.messages.queued + self.messages.unacked).saturating_mul(48);
        let records = self.log_records.saturating_mul(8);
        let client = self.client_in_flight.saturating_mul(96);
        let stores: u64 = self.stores.iter().map(StoreLedger::held_bytes).sum();
        let payments: u64 = self
            .accounts
            .iter()
            .map(|a| (a.payments.len() * std::mem::size_of::<Payment>()) as u64)
            .sum();
        let spans = self.tracer.as_ref().map_or(0, |t| t.buffered_spans() * 48);
        origins
            .saturating_add(queued)
            .saturating_add(records)
            .saturating_add(client)
            .saturating_add(stores)
            .saturating_add(payments)
            .saturating_add(spans)
    }

    /// One more holder (a message copy) of `origin`; returns the origin the holder must
    /// keep. A request that has already ended and whose every holder is done has been
    /// freed (its id may be reused): a copy that arrives after that (a publish delayed past
    /// its timeout by a pause or a latency spike) holds no origin, [`NO_ORIGIN`], rather
    /// than resurrecting a freed id and releasing it twice later.
    pub fn acquire(&mut self, origin: u32) -> u32 {
        match self.origins.get_mut(origin as usize) {
            Some(o) if o.refs > 0 => {
                o.refs += 1;
                origin
            }
            _ => NO_ORIGIN,
        }
    }

    /// Whether `origin` is still held by someone (its request in flight, or a message copy).
    pub fn is_live(&self, origin: u32) -> bool {
        self.origins
            .get(origin as usize)
            .is_some_and(|o| o.refs > 0)
    }

    /// One holder of `origin` is done with it.
    pub fn release(&mut self, origin: u32) {
        if let Some(o) = self.origins.get_mut(origin as usize) {
            o.refs -= 1;
            if o.refs == 0 {
                self.free_origins.push(origin);
                if let Some(t) = self.tracer.as_deref_mut() {
                    t.release(origin);
                }
            }
        }
    }

    /// A message copy stemming from `origin` was processed now: record its completion
    /// latency, then release the copy's reference.
    pub fn completed(&mut self, now: SimTime, origin: u32) {
        if let Some(o) = self.origins.get(origin as usize).copied() {
            if o.issued_at >= self.warmup {
                self.completion[usize::from(o.class)]
                    .record((now.saturating_since(o.issued_at)).as_nanos());
            }
            self.release(origin);
        }
    }

    /// Folds a value a client observed (a read's result) into `observed_digest`.
    #[inline]
    pub fn observe(&mut self, word: u64) {
        self.observed_digest = fold(self.observed_digest, word);
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
        let cause = outcome.cause().map_or(0, |c| u64::from(c) + 1);
        self.observed_digest = fold(
            fold(self.observed_digest, now.0),
            (class as u64) << 40 ^ (outcome.index() as u64) << 32 ^ cause,
        );
        self.series.add(now, 1 + outcome.index(), 1);
        let cell = (class * self.series.window_count() + self.series.window_index(now)) * 2
            + usize::from(outcome != Outcome::Ok);
        self.class_series[cell] += 1;
        let latency = now.saturating_since(issued_at);
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
