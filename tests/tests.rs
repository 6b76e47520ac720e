//! caplab's integration and property tests: one binary, a module per topic.
mod accounting;
mod chaos;
mod checkers;
mod cli;
mod consistency;
mod engine;
mod lab;
mod messaging;
mod payments;
mod queueing;
mod reliability;
mod reports;
mod scenarios;
mod step;
mod sweep;
mod tracing;
mod tutorial;
