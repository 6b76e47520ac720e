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
    /// A database's answer.
    QueryDone {
        /// The caller's query.
        tag: CallTag,
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
