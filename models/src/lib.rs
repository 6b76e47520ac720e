//! models: caplab's architecture building blocks and the scenario file they are built from.
pub mod account;
pub mod assertions;
pub mod balancer;
pub mod broker;
pub mod bundled;
pub mod chaos;
pub mod client;
pub mod cost {
    //! Infrastructure cost of a design (the format's `cost`, [`crate::scenario::cost`]).
    pub use crate::scenario::cost::*;
}
pub mod database;
pub mod error;
pub mod ledger;
pub mod load;
pub mod lock;
pub mod msg;
pub mod outbox;
pub mod plan;
pub mod reliability;
pub mod replica;
pub mod run;
pub mod scenario;
pub mod schema;
pub mod service;
pub mod single_run;
pub mod store_ledger;
pub mod sweep;
pub mod trace;
pub mod validate;

/// The history checkers (the `caplab-checker` crate), under the path they have always had.
pub use ::checker;
pub use ::results;
