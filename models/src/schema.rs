//! The JSON Schema (draft 2020-12) of the scenario file, for editors: completion, hover text
//! and early errors while writing a scenario (point a file's `"$schema"` at
//! `caplab.schema.json`, or configure the editor).
//!
//! Derived from the serde types of [`crate::scenario`] (and `sim_core::dist::Dist`) by
//! `schemars`: field names, variants, defaults, the doc comments as descriptions and the
//! ranges written on the fields (`#[schemars(range(..))]`) come from one place, so the
//! schema cannot drift from the format. `caplab.schema.json` at the root is this function's
//! output, checked by the tests. It holds the shape and simple ranges only: references
//! between parts and cycles are [`crate::validate`]'s.

use serde_json::Value;

/// The JSON Schema of the scenario file format.
pub fn json_schema() -> Value {
    schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<crate::scenario::Scenario>()
        .to_value()
}
