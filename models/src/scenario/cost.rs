//! Infrastructure cost of a design: a price per node per month, overridable per component,
//! plus a fixed amount. The nodes are those the design runs (every service instance,
//! database, broker and store; not the client), so sweeping `instances` changes the cost.

use super::{node_names, Design};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a design costs to run, per month, in US dollars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    /// Price of each node (service instance, database, broker, store) per month.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub per_node_month_usd: f64,
    /// Price per node of the named components (a service: each of its instances),
    /// replacing `per_node_month_usd` for them.
    #[serde(default)]
    pub nodes_month_usd: BTreeMap<String, f64>,
    /// A fixed amount per month on top (managed services, licences).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub fixed_month_usd: f64,
}

/// The component a node belongs to: `api` for `api#3`.
pub(crate) fn component(node: &str) -> &str {
    node.split_once('#').map_or(node, |(c, _)| c)
}

/// The design's monthly cost, or `None` when it declares none.
pub fn month_usd(design: &Design) -> Option<f64> {
    let cost = design.cost.as_ref()?;
    let nodes = node_names(design);
    let per_node: f64 = nodes
        .iter()
        .skip(1) // the client
        .map(|n| {
            cost.nodes_month_usd
                .get(component(n))
                .copied()
                .unwrap_or(cost.per_node_month_usd)
        })
        .sum();
    Some(cost.fixed_month_usd + per_node)
}
