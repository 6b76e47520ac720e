//! models: caplab's architecture building blocks and the scenario file they are built from.
pub mod balancer;
pub mod broker;
pub mod client;
pub mod database;
pub mod ledger;
pub mod load;
pub mod msg;
pub mod plan;
pub mod results;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod service;
pub mod validate;
