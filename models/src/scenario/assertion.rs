//! The scenario's `assertions`: expectations on the results, parsed (evaluated by
//! `crate::assertions`).

pub use results::assertion::{resolve, Op};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an expectation does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprError {
    /// Nothing before the operator (or nothing at all).
    NoMetric,
    /// A metric with characters a metric name cannot have.
    NotAMetricName(String),
    /// A bound that is not a number.
    NotANumber(String),
    /// A bound that is infinite or NaN.
    NotFinite(String),
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExprError::NoMetric => {
                f.write_str("no metric (expected `METRIC OP NUMBER`, like `failure_rate <= 0.01`)")
            }
            ExprError::NotAMetricName(m) => write!(f, "`{m}` is not a metric name"),
            ExprError::NotANumber(n) => write!(
                f,
                "`{n}` is not a number (expected `METRIC OP NUMBER`, like `p99_latency_ms < 120`)"
            ),
            ExprError::NotFinite(n) => write!(f, "`{n}` is not a finite number"),
        }
    }
}

impl std::error::Error for ExprError {}

/// An expectation on the results of every design (or of one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assertion {
    /// `METRIC OP NUMBER` (ops `<`, `<=`, `>`, `>=`, `==`, `!=`; a number may end in `%`), or
    /// a boolean metric alone (it must be true).
    pub expect: String,
    /// Only this design. Absent: every design.
    #[serde(default)]
    pub design: Option<String>,
    /// The bound must hold for the far end of this two-sided confidence interval across
    /// the replications (e.g. 0.95). Absent: the mean must satisfy it.
    #[serde(default)]
    #[schemars(extend("exclusiveMinimum" = 0), extend("exclusiveMaximum" = 1))]
    pub confidence: Option<f64>,
    /// Replications needed. Absent: 5 with a `confidence`, else 1.
    #[serde(default)]
    #[schemars(range(min = 1, max = crate::scenario::limits::MAX_REPLICATIONS))]
    pub replications: Option<u64>,
}

impl Assertion {
    /// Replications this assertion needs.
    pub fn needed_replications(&self) -> u64 {
        self.replications
            .unwrap_or(if self.confidence.is_some() { 5 } else { 1 })
    }
}

/// A parsed expectation.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// The metric as written.
    pub metric: String,
    /// The comparison; `None` for a bare boolean metric.
    pub bound: Option<(Op, f64)>,
}

/// Parses `METRIC OP NUMBER` or `METRIC`.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let text = text.trim();
    let ops = ["<=", ">=", "==", "!=", "<", ">"];
    let found = ops
        .iter()
        .filter_map(|op| text.find(op).map(|at| (at, *op)))
        .min_by_key(|(at, op)| (*at, std::cmp::Reverse(op.len())));
    let Some((at, op)) = found else {
        check_metric_syntax(text)?;
        return Ok(Expr {
            metric: text.to_string(),
            bound: None,
        });
    };
    let metric = text[..at].trim();
    let number = text[at + op.len()..].trim();
    check_metric_syntax(metric)?;
    let op = match op {
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "==" => Op::Eq,
        _ => Op::Ne,
    };
    let bound = match number {
        "true" => 1.0,
        "false" => 0.0,
        n => {
            let (digits, scale) = match n.strip_suffix('%') {
                Some(d) => (d.trim(), 0.01),
                None => (n, 1.0),
            };
            let x: f64 = digits
                .replace('_', "")
                .parse()
                .map_err(|_| ExprError::NotANumber(n.to_string()))?;
            if !x.is_finite() {
                return Err(ExprError::NotFinite(n.to_string()));
            }
            x * scale
        }
    };
    Ok(Expr {
        metric: metric.to_string(),
        bound: Some((op, bound)),
    })
}

fn check_metric_syntax(metric: &str) -> Result<(), ExprError> {
    if metric.is_empty() {
        return Err(ExprError::NoMetric);
    }
    let ok = metric.split('.').all(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | ' ' | '#'))
    });
    if !ok || metric.contains("  ") {
        return Err(ExprError::NotAMetricName(metric.to_string()));
    }
    Ok(())
}
