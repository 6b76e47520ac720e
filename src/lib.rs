//! The application behind the `caplab` commands, as library functions that return data:
//! a run's designs and replications on threads ([`replicate`]), `caplab run` from a
//! checked scenario to its files ([`pipeline`]), golden results ([`golden`]), twin runs
//! ([`twin`]), a scenario's assertions and their JUnit report ([`verdicts`]), a sweep's
//! runs ([`sweep_runs`]), journal, shards and merge ([`journal`]), chaos runs and their
//! counter-examples ([`chaos_runs`]), traced requests ([`traces`]). The binary
//! (`src/main.rs` and its command modules) keeps the command line, the terminal (progress
//! bars, tables) and exit codes.
//!
//! A scenario run from code, as `caplab run` does it (every error typed, so `?` composes):
//!
//! ```
//! use caplab::{pipeline, replicate};
//!
//! let scenario = models::bundled::find("cap-partition")
//!     .ok_or("not bundled")?
//!     .load()?
//!     .edited(|s| s.duration_s = 12.0)?;
//! let spec = pipeline::RunSpec {
//!     scenario: &scenario,
//!     seed: scenario.seed,
//!     designs: &[],
//!     replications: 1,
//!     jobs: 1,
//! };
//! let out = pipeline::run(&spec, &replicate::Silent)?;
//! assert_eq!(out.results.designs.len(), scenario.designs.len());
//! // The same scenario and seed give the same digest, run after run.
//! let again = pipeline::run(&spec, &replicate::Silent)?;
//! assert_eq!(out.results.designs[0].digest, again.results.designs[0].digest);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod chaos_runs;
pub mod golden;
pub mod journal;
pub mod pipeline;
pub mod replicate;
pub mod sweep_runs;
pub mod traces;
pub mod twin;
pub mod verdicts;
