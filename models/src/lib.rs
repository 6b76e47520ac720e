//! models: caplab's architecture building blocks and the scenario file they are built from.
pub mod results;
pub mod scenario;
pub mod balancer;
pub mod client;
pub mod database;
pub mod ledger;
pub mod msg;
pub mod plan;
pub mod service;
pub mod load;
pub mod schema;
pub mod validate;
pub mod run;
