//! Infrastructure cost of a design: a price per node per month, overridable per component,
//! plus a fixed amount. The nodes are those the design runs (every service instance,
//! database, broker and store; not the client), so sweeping `instances` changes the cost.

use crate::load::Problem;
use crate::scenario::{Design, Scenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a design costs to run, per month, in US dollars.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cost {
    /// Price of each node (service instance, database, broker, store) per month.
    #[serde(default)]
    pub per_node_month_usd: f64,
    /// Price per node of the named components (a service: each of its instances),
    /// replacing `per_node_month_usd` for them.
    #[serde(default)]
    pub nodes_month_usd: BTreeMap<String, f64>,
    /// A fixed amount per month on top (managed services, licences).
    #[serde(default)]
    pub fixed_month_usd: f64,
}

/// The component a node belongs to: `api` for `api#3`.
fn component(node: &str) -> &str {
    node.split_once('#').map_or(node, |(c, _)| c)
}

/// The design's monthly cost, or `None` when it declares none.
pub fn month_usd(design: &Design) -> Option<f64> {
    let cost = design.cost.as_ref()?;
    let nodes = crate::plan::node_names(design);
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

/// Problems of the designs' costs: negative or non-finite prices, unknown components.
pub fn problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, d) in s.designs.iter().enumerate() {
        let Some(cost) = &d.cost else { continue };
        let at = format!("designs[{i}].cost");
        let bad = |x: f64| !(x.is_finite() && x >= 0.0);
        if bad(cost.per_node_month_usd) {
            out.push(Problem::new(
                format!("{at}.per_node_month_usd"),
                "must be a number ≥ 0",
            ));
        }
        if bad(cost.fixed_month_usd) {
            out.push(Problem::new(
                format!("{at}.fixed_month_usd"),
                "must be a number ≥ 0",
            ));
        }
        let nodes = crate::plan::node_names(d);
        let components: Vec<&str> = nodes.iter().skip(1).map(|n| component(n)).collect();
        for (name, price) in &cost.nodes_month_usd {
            let here = format!("{at}.nodes_month_usd.{name}");
            if bad(*price) {
                out.push(Problem::new(here.clone(), "must be a number ≥ 0"));
            }
            if !components.contains(&name.as_str()) {
                let mut known = components.clone();
                known.dedup();
                out.push(Problem::new(
                    here,
                    format!(
                        "design {} has no component `{name}` (it has: {})",
                        d.name,
                        known.join(", ")
                    ),
                ));
            }
        }
    }
    out
}
