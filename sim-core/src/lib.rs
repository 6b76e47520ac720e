//! sim-core: caplab's deterministic discrete-event engine.
pub mod rng;
pub mod time;
