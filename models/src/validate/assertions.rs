//! Checking the scenario's `assertions`: each parses, names a metric results can have, an
//! endpoint of the workload and a design of the file.

use super::Problem;
use crate::results::shape::{results_shape, shape_has};
use crate::scenario::assertion::{parse, resolve, Op};
use crate::scenario::limits::MAX_REPLICATIONS;
use crate::scenario::Scenario;
use serde_json::Value;

/// Names a request class can have in results: endpoints, class names, publish destinations.
fn class_names(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let classes = serde_json::to_value(&s.workload.classes).unwrap_or(Value::Null);
    for c in classes.as_array().into_iter().flatten() {
        for key in ["endpoint", "name"] {
            if let Some(n) = c.get(key).and_then(Value::as_str) {
                out.push(n.to_string());
            }
        }
        if let Some(p) = c.get("publish").and_then(Value::as_object) {
            for key in ["queue", "topic", "log"] {
                if let Some(n) = p.get(key).and_then(Value::as_str) {
                    out.push(n.to_string());
                }
            }
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

/// The problems of the scenario's assertions, under `assertions[i]`.
pub fn problems(s: &Scenario) -> Vec<Problem> {
    let mut out = Vec::new();
    if s.assertions.is_empty() {
        return out;
    }
    let shape = results_shape();
    let classes = class_names(s);
    for (i, a) in s.assertions.iter().enumerate() {
        let at = format!("assertions[{i}]");
        match parse(&a.expect) {
            Err(e) => out.push(Problem::new(format!("{at}.expect"), e.to_string())),
            Ok(expr) => {
                let path = resolve(&expr.metric);
                if let Some(shape) = &shape {
                    if let Err(e) = shape_has(shape, &path) {
                        out.push(Problem::new(
                            format!("{at}.expect"),
                            format!("`{}`: {e}", expr.metric),
                        ));
                    }
                }
                if path.len() >= 3 && path[0] == "endpoints" && !classes.contains(&path[1]) {
                    out.push(Problem::new(
                        format!("{at}.expect"),
                        format!(
                            "no endpoint `{}` in the workload (it has: {})",
                            path[1],
                            classes.join(", ")
                        ),
                    ));
                }
                let ordered = matches!(expr.bound, Some((Op::Lt | Op::Le | Op::Gt | Op::Ge, _)));
                if a.confidence.is_some() && !ordered {
                    out.push(Problem::new(
                        format!("{at}.confidence"),
                        "a confidence applies to <, <=, > and >= only (== and booleans must \
                         hold in every replication)",
                    ));
                }
            }
        }
        if let Some(d) = &a.design {
            if !s.designs.iter().any(|x| &x.name == d) {
                let known: Vec<&str> = s.designs.iter().map(|x| x.name.as_str()).collect();
                out.push(Problem::new(
                    format!("{at}.design"),
                    format!("no design `{d}` (the file has: {})", known.join(", ")),
                ));
            }
        }
        if let Some(c) = a.confidence {
            if !(c > 0.0 && c < 1.0) {
                out.push(Problem::new(
                    format!("{at}.confidence"),
                    "must be between 0 and 1 (like 0.95)",
                ));
            }
        }
        match (a.replications, a.confidence) {
            (Some(0), _) => out.push(Problem::new(
                format!("{at}.replications"),
                "must be at least 1",
            )),
            (Some(1), Some(_)) => out.push(Problem::new(
                format!("{at}.replications"),
                "a confidence needs at least 2 replications",
            )),
            (Some(n), _) if n > MAX_REPLICATIONS => out.push(Problem::new(
                format!("{at}.replications"),
                format!(
                    "{n} replications, more than the limit of {}",
                    MAX_REPLICATIONS
                ),
            )),
            _ => {}
        }
    }
    out
}
