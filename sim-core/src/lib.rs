//! sim-core: caplab's deterministic discrete-event engine.
#![warn(missing_docs)]
pub mod digest;
pub mod dist;
pub mod error;
pub mod event_queue;
mod exp;
pub mod fault;
pub mod message_log;
pub mod metrics;
pub mod network;
mod packed;
pub mod rng;
pub mod simulation;
pub mod step;
pub mod time;
pub mod twin;
mod ziggurat;
