//! The messages and timers of the request/response models, and how a request ends.

use crate::plan::{CauseId, EndpointIx};
use sim_core::time::SimDuration;

/// How a call or a request ended. Failures carry the interned cause of their root failure,
/// and keep its kind as they propagate up a call chain: a request whose downstream call
/// timed out ends as a timeout, with that call as the cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Success.
    Ok,
    /// An error answer.
    Error(CauseId),
    /// No answer in time.
    Timeout(CauseId),
    /// Refused without being processed (queue full, breaker open, pool exhausted).
    Rejected(CauseId),
}

impl Outcome {
    /// Index in `results::OUTCOMES` (`ok`, `error`, `timeout`, `rejected`).
    pub fn index(self) -> usize {
        match self {
            Outcome::Ok => 0,
            Outcome::Error(_) => 1,
            Outcome::Timeout(_) => 2,
            Outcome::Rejected(_) => 3,
        }
    }

    /// The cause of a failure.
    pub fn cause(self) -> Option<CauseId> {
        match self {
            Outcome::Ok => None,
            Outcome::Error(c) | Outcome::Timeout(c) | Outcome::Rejected(c) => Some(c),
        }
    }
}

/// Names one attempt of one call of one execution, so that an answer finds its way back and
/// a stale answer (from an attempt already given up) is recognised and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallTag {
    /// Slot of the execution (or of the request, at the client).
    pub exec: u32,
    /// Generation of the slot.
    pub generation: u32,
    /// Which call of a parallel step.
    pub sub: u16,
    /// Which attempt.
    pub attempt: u16,
}

/// Everything that travels between nodes or wakes one up.
#[derive(Clone, Debug)]
pub enum Msg {
    /// A call to an endpoint; the answer goes back to the sender.
    Call {
        /// Names the caller's attempt.
        tag: CallTag,
        /// The endpoint called.
        endpoint: EndpointIx,
        /// The client request this call works for (`ledger::NO_ORIGIN` if none).
        origin: u32,
        /// The caller's span (`trace::NO_SPAN` when not traced): the trace context.
        span: u32,
    },
    /// The answer to a call.
    Reply {
        /// The caller's attempt.
        tag: CallTag,
        /// How it ended.
        outcome: Outcome,
    },
    /// A query for a database.
    Query {
        /// The caller's query.
        tag: CallTag,
        /// Time the query takes on the database.
        work: SimDuration,
    },
    /// A database's (or key-value store's) answer.
    QueryDone {
        /// The caller's query.
        tag: CallTag,
        /// `false` when the store refused the operation (full).
        ok: bool,
    },
    /// Publish a message to a broker; answered by a `Reply`.
    Publish {
        /// The publisher's attempt.
        tag: CallTag,
        /// `plan::Dest::pack`ed destination.
        dest: u16,
        /// The client request the message stems from.
        origin: u32,
    },
    /// A consumer asks a queue for a message (blocking up to `block_ms`).
    Fetch {
        /// The consumer loop.
        tag: CallTag,
        /// The queue.
        queue: u16,
        /// Longest wait, in milliseconds.
        block_ms: u32,
    },
    /// A message handed to a consumer.
    Delivered {
        /// The consumer loop.
        tag: CallTag,
        /// Delivery id (to acknowledge; 0 for naive pop).
        delivery: u32,
        /// The client request the message stems from.
        origin: u32,
    },
    /// Nothing to consume (the blocking wait ran out).
    Empty {
        /// The consumer loop.
        tag: CallTag,
    },
    /// A consumer acknowledges a delivery.
    Ack {
        /// The queue.
        queue: u16,
        /// The delivery.
        delivery: u32,
    },
    /// A consumer of a log asks for its next record (blocking up to `block_ms`).
    Poll {
        /// The consumer loop (`sub` is the loop index).
        tag: CallTag,
        /// The log.
        log: u16,
        /// The consumer group.
        group: u16,
        /// Longest wait, in milliseconds.
        block_ms: u32,
        /// Most records wanted.
        max: u16,
    },
    /// Log records handed to a consumer: `count` consecutive records of one partition.
    Record {
        /// The consumer loop.
        tag: CallTag,
        /// Partition.
        partition: u16,
        /// Offset of the first record.
        offset: u32,
        /// Number of records.
        count: u16,
    },
    /// A consumer commits processed records up to `offset` (and says whether processing of
    /// the last batch succeeded).
    Commit {
        /// The log.
        log: u16,
        /// The group.
        group: u16,
        /// Partition.
        partition: u16,
        /// Offset of the last record processed.
        offset: u32,
        /// Records of the batch (ending at `offset`).
        count: u16,
        /// Records of the batch whose processing failed.
        failed: u16,
    },
    /// Broker: a delivery's visibility timeout ran out.
    Visibility {
        /// The queue.
        queue: u16,
        /// The delivery.
        delivery: u32,
    },
    /// Broker: a blocked fetch or poll ran out of time.
    WaitExpired {
        /// Queue index, or `LOG_WAITER | log` for a log poll.
        source: u16,
        /// The waiter's id.
        waiter: u32,
    },
    /// A coordinator writes `write` (the write's number, which is also the value) to a
    /// replica; answered with a `Reply` (once enough replicas have it), or a `StoreRedirect`.
    StoreWrite {
        /// The coordinator's operation and phase (`sub`: replica index).
        tag: CallTag,
        /// Write number (its key is in the write's ledger record).
        write: u32,
        /// The replica coordinates the write: stamps it, ships it to its peers and answers
        /// once enough have it (every protocol but `cp`, whose coordinator writes to a
        /// majority itself).
        forward: bool,
    },
    /// A coordinator reads a key from a replica; answered with `StoreValue`.
    StoreRead {
        /// The coordinator's operation and phase.
        tag: CallTag,
        /// Key.
        key: u32,
    },
    /// A replica's answer to a read: the newest write it holds (0: none).
    StoreValue {
        /// The coordinator's operation and phase.
        tag: CallTag,
        /// Write number.
        write: u32,
        /// Versions the replica holds for the key (more than one: siblings).
        siblings: u16,
    },
    /// A replica that is not the primary (as far as it knows) refuses an operation meant
    /// for the primary and names the one it believes in.
    StoreRedirect {
        /// The coordinator's operation and phase.
        tag: CallTag,
        /// Index of the primary the replica believes in.
        primary: u16,
    },
    /// A primary tells the backups it is alive, and of which epoch.
    Heartbeat {
        /// The epoch (grows with each election).
        epoch: u32,
        /// The primary's index.
        primary: u16,
    },
    /// Replica: time to send heartbeats (primary) or to check on the primary (backup).
    ReplicaTick,
    /// Replica: a write's replication delay is over; ship it.
    ShipDue {
        /// Slot of the write waiting to be shipped.
        slot: u32,
    },
    /// Replica: a write waiting for its peers' acknowledgements is given up (the
    /// coordinator has timed out by now).
    AcksExpired {
        /// Slot of the waiting write.
        slot: u32,
        /// Its generation.
        generation: u32,
    },
    /// A replica ships a write to a peer (asynchronous replication, anti-entropy, read
    /// repair); the write's key is in its ledger record.
    StorePropagate {
        /// Write number.
        write: u32,
    },
    /// A coordinating replica ships a write to a peer and waits for its `Reply` (the write
    /// is acknowledged once enough peers have it).
    StoreReplicate {
        /// The coordinating replica's acknowledgement wait (`exec`, `generation`) and the
        /// peer (`sub`).
        tag: CallTag,
        /// Write number.
        write: u32,
    },
    /// Replica: time to resend every value to the peers.
    AntiEntropy,
    /// A coordinator asks a lock service for the lock of `key`; answered with `LockGranted`
    /// (at once, or when the lock comes free).
    LockAcquire {
        /// The coordinator's wait.
        tag: CallTag,
        /// The key locked.
        key: u32,
        /// How long the coordinator waits, in milliseconds (the service skips it after).
        wait_ms: u32,
    },
    /// The lock of a key is the coordinator's until the lease expires.
    LockGranted {
        /// The coordinator's wait.
        tag: CallTag,
        /// The fencing token of this grant (grows with every grant of the service; from 1).
        token: u32,
        /// The key (so that a grant that comes too late can be released at once).
        key: u32,
    },
    /// The holder of `token` releases the lock of `key`.
    LockRelease {
        /// The key.
        key: u32,
        /// The grant released (a stale release, after expiry, is ignored).
        token: u32,
    },
    /// Lock service: the lease of grant `token` on `key` runs out now.
    LeaseExpiry {
        /// The key.
        key: u32,
        /// The grant.
        token: u32,
    },
    /// A coordinator reads the balance of account `key`; answered with `Balance`.
    BalanceRead {
        /// The coordinator's wait.
        tag: CallTag,
        /// The account.
        key: u32,
        /// The fencing token of the lock held (0: none). A fenced store remembers the newest
        /// token it has seen on a read too, so that a holder whose lease expired cannot
        /// write after a newer holder has read.
        token: u32,
    },
    /// An account's balance and its version (the payment that wrote it; 0: the opening
    /// balance).
    Balance {
        /// The coordinator's wait.
        tag: CallTag,
        /// The balance, in the store's money units.
        balance: u32,
        /// Its version.
        version: u32,
    },
    /// A coordinator writes back the balance it computed (a read-modify-write). The write's
    /// contents (account, balance, version read, fencing token) are the payment's record in
    /// the ledger, so that the message stays as small as every other; answered with
    /// `DebitDone`.
    DebitWrite {
        /// The coordinator's wait.
        tag: CallTag,
        /// The payment's number in `ledger::AccountLedger`.
        payment: u32,
    },
    /// The account store's answer to a write: stored, or refused for an old fencing token.
    DebitDone {
        /// The coordinator's wait.
        tag: CallTag,
        /// `false`: refused (stale token).
        stored: bool,
    },
    /// Lock service or account store: a request's work is done; send its answer.
    WorkDone {
        /// Slot of the pending answer.
        slot: u32,
    },
    /// Consumer: time to fetch again (after a sleep, or when a fetch got no answer).
    ConsumerWake {
        /// Loop index.
        index: u16,
        /// Loop generation when the timer was set.
        generation: u32,
    },
    /// Client: time for the next open-loop arrival (or a rate change when `issue` is false).
    Arrival {
        /// The arrival source.
        source: u16,
        /// Whether a request is issued now.
        issue: bool,
    },
    /// Client: a closed-loop user finished thinking.
    Think {
        /// The user.
        user: u32,
    },
    /// Client: a request's deadline.
    ClientTimeout {
        /// The request's slot and generation.
        tag: CallTag,
    },
    /// Service: the current step of an execution finished its work.
    StepDone {
        /// The execution.
        tag: CallTag,
    },
    /// Service: a call attempt's deadline.
    CallTimeout {
        /// The attempt.
        tag: CallTag,
    },
    /// Service: a retry's backoff is over.
    Retry {
        /// The call to retry (attempt = the new attempt).
        tag: CallTag,
    },
    /// Service: waited too long for a pool connection.
    AcquireTimeout {
        /// The execution.
        tag: CallTag,
    },
    /// Service: a query got no answer in time.
    QueryTimeout {
        /// The execution.
        tag: CallTag,
    },
    /// Database: a query finished.
    DbDone {
        /// Index of the query in the database's table.
        slot: u32,
    },
}

#[cfg(test)]
mod tests {
    /// Every event carries a `Msg`: a variant that grows it slows every run (the engine
    /// copies payloads on push and pop). Large payloads travel by number, as records in the
    /// ledger (store writes, payments).
    #[test]
    fn a_message_fits_in_24_bytes() {
        assert!(std::mem::size_of::<super::Msg>() <= 24);
    }
}
