//! models: caplab's architecture building blocks and the scenario file they are built from.
pub mod results;
pub mod scenario;
