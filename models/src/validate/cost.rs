//! Checking the designs' `cost`.

use super::Problem;
use crate::scenario::cost::component;
use crate::scenario::{node_names, Scenario};

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
        let nodes = node_names(d);
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
