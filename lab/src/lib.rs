//! lab: caplab's teaching workbench. Write a replica in Rust, run several copies of it
//! under a scenario's network and faults with clients issuing a workload, and get a
//! verdict on the history the clients observed (linearizable? sequentially consistent?
//! convergent?), with latency and availability like any caplab design, a counter-example
//! when it fails, and a space-time diagram of the moment it failed.
//!
//! The pieces, in the order of a run:
//! - [`Node`] and [`NodeCtx`] (`node`): what you implement, and what your handlers can do
//!   (send, reply, set timers, read the durable state that survives crashes);
//! - [`Workload`] and [`Op`]/[`Answer`] (`workload`): what clients ask, what replicas
//!   answer: registers (read/write/CAS, one key or several), counters, logs, sets,
//!   unique ids, broadcast, Kafka-style logs with offsets;
//! - [`Setup`] (`setup`): replicas, client groups, network, faults, check; in code or
//!   from a scenario file such as `scenarios/cap-partition.json` (the mapping of its fault
//!   targets onto your nodes is documented there);
//! - `harness`: the simulation; `verdict`: the checkers of `models::checker`;
//!   `results`: `results.json`; `lamport` and `report`: the diagram and the report files;
//! - [`Nemesis`] (`nemesis`): seeded random faults and network trouble for a run;
//!   `chaos`: many seeds, and the shrinking of a failing seed's faults; `grade`: a pack of
//!   checks × seeds, graded, as JSON and JUnit;
//! - [`Example`] and [`evaluate`] (`example`): all of it from `main`; `args` and `cli`:
//!   its command line (clap: one run, `chaos`, `grade`) and exit codes.
//! - [`LabError`] (`error`): what can go wrong, from a command-line value to the report;
//!   its message is the one the command line prints.
//!
//! A whole lab in a few lines (a register that forgets nothing because nothing fails):
//!
//! ```
//! use lab::{evaluate, Answer, Node, NodeCtx, Op, ReplicaId, Request, Setup, Workload};
//!
//! #[derive(Debug)]
//! struct Single(Option<u64>);
//!
//! impl Node for Single {
//!     type Msg = ();
//!     type Timer = ();
//!     type Durable = ();
//!     fn boot(_: &mut NodeCtx<'_, Self>) -> Self {
//!         Single(None)
//!     }
//!     fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
//!         let answer = match req.op {
//!             Op::Read { .. } => Answer::Value(self.0),
//!             Op::Write { value, .. } => {
//!                 self.0 = Some(value);
//!                 Answer::Written
//!             }
//!             Op::Cas { expected, new, .. } => {
//!                 let ok = self.0 == Some(expected);
//!                 if ok {
//!                     self.0 = Some(new);
//!                 }
//!                 Answer::Cas(ok)
//!             }
//!             _ => Answer::Unavailable,
//!         };
//!         ctx.reply(&req, answer);
//!     }
//!     fn on_message(&mut self, _: &mut NodeCtx<'_, Self>, _: ReplicaId, _: ()) {}
//! }
//!
//! let mut setup = Setup::new(Workload::register());
//! setup.replicas = 1;
//! setup.home = vec![ReplicaId(0), ReplicaId(0)];
//! setup.duration_s = 2.0;
//! let e = evaluate::<Single>(&setup, "single", None, None).expect("a valid setup");
//! assert!(e.verdict.holds(), "{}", e.verdict.summary);
//! ```
#![warn(missing_docs)]

pub mod args;
pub mod chaos;
pub mod cli;
pub mod error;
pub mod example;
pub mod grade;
pub mod harness;
/// Space-time diagrams (they live in `reports`, which draws them for caplab's own designs too).
pub use reports::lamport;
pub mod nemesis;
pub mod node;
pub mod report;
pub mod results;
pub mod setup;
pub mod verdict;
pub mod workload;

pub use args::RunArgs;
pub use error::{LabError, LabNodes};
pub use example::{evaluate, Evaluation, Example};
pub use harness::{LabRun, NodePanic, OpRecord, Outcome, RunOptions};
pub use nemesis::Nemesis;
pub use node::{ClientId, Node, NodeCtx, ReplicaId, Request, TimerId};
pub use setup::{Check, Contact, Setup};
pub use sim_core::time::{SimDuration, SimTime};
pub use verdict::LabVerdict;
pub use workload::{Answer, DataType, Observation, Op, Workload};
