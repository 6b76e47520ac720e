//! caplab's integration and property tests: one binary, a module per topic.
mod engine;
mod queueing;
