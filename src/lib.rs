//! The application behind the `caplab` commands, as library functions that return data:
//! a run's designs and replications on threads ([`replicate`]), `caplab run` from a
//! checked scenario to its files ([`pipeline`]), golden results ([`golden`]), twin runs
//! ([`twin`]), a scenario's assertions and their JUnit report ([`verdicts`]), a sweep's
//! runs ([`sweep_runs`]), journal, shards and merge ([`journal`]), chaos runs and their counter-examples
//! ([`chaos_runs`]). The binary (`src/main.rs` and its command modules) keeps the command
//! line, the terminal (progress bars, tables) and exit codes.

pub mod chaos_runs;
pub mod golden;
pub mod journal;
pub mod pipeline;
pub mod replicate;
pub mod sweep_runs;
pub mod twin;
pub mod verdicts;
