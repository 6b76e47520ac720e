//! Errors for bad input to the engine API. Broken invariants inside the engine are bugs and
//! panic; anything a user can get wrong is a `SimError` naming what and where.

use std::fmt;

/// What went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimErrorKind {
    /// Occurs when a node id does not name a node of the simulation.
    UnknownNode(u32),
    /// Occurs when a parameter is out of its domain (negative, NaN, probability past 1...).
    InvalidValue,
}

/// A rejected input: the field it concerns (a dotted path, possibly empty) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimError {
    /// The kind of problem.
    pub kind: SimErrorKind,
    /// The field, as a dotted path relative to the call (e.g. `latency_ms.exponential.mean`).
    pub field: String,
    /// A sentence for a person.
    pub message: String,
}

impl SimError {
    /// An out-of-domain value in `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> SimError {
        SimError {
            kind: SimErrorKind::InvalidValue,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A node id that names no node.
    pub fn unknown_node(id: u32, nodes: usize) -> SimError {
        SimError {
            kind: SimErrorKind::UnknownNode(id),
            field: String::new(),
            message: format!("node {id} does not exist (the simulation has {nodes} nodes)"),
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for SimError {}
