//! History checking: record what clients observed of a register or key-value store, then
//! decide whether some single order of the operations, consistent with real time, explains
//! every result (linearizability), and when none does, show a small counter-example.
//!
//! The crate depends on nothing of caplab but `sim_core::rng`; `models` re-exports it as
//! `models::checker`.
//!
//! - `history`: the plain-data operations and the memory-bounded `HistoryRecorder`.
//! - `linearizable`: the checker (per-key decomposition, budget, verdict).
//! - `search`: the Wing–Gong / Porcupine search with memoisation, on one key.
//! - `shrink`: delta debugging of a violation down to a minimal counter-example.
//! - `render`: the counter-example as text, an ASCII timeline and an explanation.
//! - `generate`: random linearizable histories, for tests and `caplab bench`.
//! - `model`, `generic`: sequential specifications (registers, counters, logs, sets) and a
//!   model-based Wing–Gong search under real-time or program order, with shrinking.
//! - `sequential`: sequential consistency of register histories; `cycles` finds most
//!   violations first, as cycles of constraints every valid order must respect.
//! - `convergence`: eventual convergence of a replicated counter or set.
//! - `causal`: session guarantees (read-your-writes, monotonic reads) and causal
//!   consistency of register histories, by vector clocks and bad patterns.
//! - `unique`: identifiers handed out at most once.
//! - `kafka`: Kafka-style logs with offsets (one message per offset, no lost writes,
//!   polls in order, committed offsets never going backwards).

pub mod causal;
pub mod convergence;
pub mod cycles;
pub mod generate;
pub mod generic;
pub mod history;
pub mod kafka;
pub mod linearizable;
pub mod model;
pub mod render;
mod search;
pub mod sequential;
mod shrink;
pub mod unique;

pub use generate::{bench_history, random_history, GenConfig};
pub use history::{
    Call, History, HistoryRecorder, OpKind, OpRef, Operation, RecordError, Reply, Value,
};
pub use linearizable::{
    check, check_operations, violates, CheckConfig, CheckReport, HistoryError, Verdict,
};
