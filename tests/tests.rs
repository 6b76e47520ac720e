//! caplab's integration and property tests: one binary, a module per topic.
mod accounting;
mod chaos;
mod cli;
mod consistency;
mod engine;
mod messaging;
mod payments;
mod queueing;
mod reliability;
mod reports;
mod scenarios;
mod sweep;
mod tracing;
