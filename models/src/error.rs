//! Why a run could not be made or finished: the error of every function that runs designs
//! ([`crate::single_run`], [`crate::run`], [`crate::reliability`], [`crate::chaos`]).
//!
//! A checked scenario ([`crate::plan::Checked`]) has no problem left that the file could
//! cause, so most variants name either a scenario the crate derived from a checked one (a
//! reliability state, a chaos schedule) or a limit of the run itself.

use crate::plan::Refused;
use std::fmt;

/// Why a run failed.
#[derive(Debug)]
pub enum RunError {
    /// A scenario to run was refused by its check (a scenario changed by code, or one a
    /// run derives: `what` says which).
    Refused {
        /// The scenario: `a reliability state's scenario`, `the scenario with its chaos
        /// faults`...
        what: &'static str,
        /// Its problems.
        refused: Refused,
    },
    /// The checked scenario has no design of this name.
    NoDesign(String),
    /// The network section was refused by the engine.
    Network(sim_core::error::SimError),
    /// The windowed metrics could not be set up.
    Metrics(sim_core::metrics::MetricsError),
    /// The engine refused a setting of the run (the client's permanent connectivity).
    Engine(sim_core::error::SimError),
    /// A fault could not be given to the engine: `at` is `faults[i]` or `chaos fault i`.
    Fault {
        /// Which fault.
        at: String,
        /// Why.
        message: String,
    },
    /// The failure process of a `reliability` section is out of bounds, or missing.
    Reliability(String),
    /// Writing the events of a single-stepped run failed.
    Output(String),
    /// One design of several failed.
    Design {
        /// Its name.
        design: String,
        /// Why.
        source: Box<RunError>,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Refused { what, refused } => write!(f, "{what}: {refused}"),
            RunError::NoDesign(name) => write!(f, "no design {name} in the scenario"),
            RunError::Network(e) => write!(f, "network.{e}"),
            RunError::Metrics(e) => write!(f, "{e}"),
            RunError::Engine(e) => write!(f, "{e}"),
            RunError::Fault { at, message } => write!(f, "{at}: {message}"),
            RunError::Reliability(message) | RunError::Output(message) => f.write_str(message),
            RunError::Design { design, source } => write!(f, "design {design}: {source}"),
        }
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RunError::Refused { refused, .. } => Some(refused),
            RunError::Network(e) | RunError::Engine(e) => Some(e),
            RunError::Metrics(e) => Some(e),
            RunError::Design { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<RunError> for String {
    fn from(e: RunError) -> String {
        e.to_string()
    }
}
