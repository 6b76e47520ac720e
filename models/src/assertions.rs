//! Assertions over a design's results, for CI: `p99_latency_ms < 120`,
//! `failure_rate <= 0.01`, `endpoints.checkout.failure_rate < 1%`, or a bare boolean metric
//! (`linearizable`), optionally required to hold with a confidence across replications.
//!
//! **Metrics** are paths into a design's entry of `results.json` (`failure_rate`,
//! `latency_ms.p99`, `requests.ok`, `network.lost`, `messages.duplicates`,
//! `endpoints.NAME.latency_ms.p99`, `causes.CAUSE`, `cost_month_usd`, and any field added
//! to the results later), plus aliases: `p99_latency_ms` and `latency_p99_ms` for
//! `latency_ms.p99` (and mean, p50, p90, p999, max), `requests.error` for
//! `requests.by_outcome.error` (and timeout, rejected, in_flight), `messages.lost` for the
//! sum of the lost messages. A metric that results cannot have is a load-time problem: the
//! paths are checked against the shape of [`DesignResult`], read from its serde
//! implementation (so new result fields are known without a list to maintain).
//!
//! **Verdicts.** With K replications the value is the mean over them. With a `confidence`
//! c, an ordered comparison must hold for the far end of the two-sided c interval
//! (`mean ± t · s/√K`): the upper end for `<` and `<=`, the lower end for `>` and `>=`.
//! `==`, `!=` and bare booleans must hold in every replication. The seed to replay is that
//! of the replication with the worst value.

use crate::load::Problem;
use crate::results::DesignResult;
use crate::scenario::Scenario;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim_core::metrics::Welford;

/// An expectation on the results of every design (or of one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub confidence: Option<f64>,
    /// Replications needed. Absent: 5 with a `confidence`, else 1.
    #[serde(default)]
    pub replications: Option<u64>,
}

impl Assertion {
    /// Replications this assertion needs.
    pub fn needed_replications(&self) -> u64 {
        self.replications
            .unwrap_or(if self.confidence.is_some() { 5 } else { 1 })
    }
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    fn holds(self, x: f64, bound: f64) -> bool {
        match self {
            Op::Lt => x < bound,
            Op::Le => x <= bound,
            Op::Gt => x > bound,
            Op::Ge => x >= bound,
            Op::Eq => x == bound,
            Op::Ne => x != bound,
        }
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
pub fn parse(text: &str) -> Result<Expr, String> {
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
            let x: f64 = digits.replace('_', "").parse().map_err(|_| {
                format!("`{n}` is not a number (expected `METRIC OP NUMBER`, like `p99_latency_ms < 120`)")
            })?;
            if !x.is_finite() {
                return Err(format!("`{n}` is not a finite number"));
            }
            x * scale
        }
    };
    Ok(Expr {
        metric: metric.to_string(),
        bound: Some((op, bound)),
    })
}

fn check_metric_syntax(metric: &str) -> Result<(), String> {
    if metric.is_empty() {
        return Err("no metric (expected `METRIC OP NUMBER`, like `failure_rate <= 0.01`)".into());
    }
    let ok = metric.split('.').all(|s| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | ' ' | '#'))
    });
    if !ok || metric.contains("  ") {
        return Err(format!("`{metric}` is not a metric name"));
    }
    Ok(())
}

const LATENCY_FIELDS: [&str; 6] = ["mean", "p50", "p90", "p99", "p999", "max"];
const OUTCOME_ALIASES: [&str; 4] = ["error", "timeout", "rejected", "in_flight"];

/// The path into a design's results that `metric` names (aliases resolved).
pub fn resolve(metric: &str) -> Vec<String> {
    let segs: Vec<&str> = metric.split('.').collect();
    // endpoints.NAME.rest: the rest as for a design.
    if segs.len() >= 3 && segs[0] == "endpoints" {
        let mut out = vec!["endpoints".to_string(), segs[1].to_string()];
        out.extend(resolve(&segs[2..].join(".")));
        return out;
    }
    if segs.len() == 1 {
        for q in LATENCY_FIELDS {
            if metric == format!("{q}_latency_ms") || metric == format!("latency_{q}_ms") {
                return vec!["latency_ms".into(), q.into()];
            }
        }
    }
    if segs.len() == 2 && segs[0] == "requests" && OUTCOME_ALIASES.contains(&segs[1]) {
        return vec!["requests".into(), "by_outcome".into(), segs[1].into()];
    }
    segs.iter().map(|s| s.to_string()).collect()
}

/// The value of `metric` in `d` (booleans as 1 and 0; an absent cause counts 0).
pub fn metric_value(d: &DesignResult, metric: &str) -> Result<f64, String> {
    let v = serde_json::to_value(d).map_err(|e| e.to_string())?;
    value_at(&v, &resolve(metric), &d.name, metric)
}

fn value_at(root: &Value, path: &[String], design: &str, metric: &str) -> Result<f64, String> {
    if path == ["messages", "lost"] {
        if let Some(m) = root.pointer("/messages/lost").and_then(Value::as_object) {
            // A fold from +0: an empty `sum()` of floats is -0, printed "-0".
            return Ok(m.values().filter_map(Value::as_f64).fold(0.0, |a, b| a + b));
        }
    }
    let mut v = root;
    for (i, seg) in path.iter().enumerate() {
        if v.is_null() {
            return Err(no_value(&path[..i]));
        }
        match v.get(seg.as_str()) {
            Some(child) => v = child,
            None if i == 1 && path[0] == "causes" => return Ok(0.0),
            None => {
                let here = path[..i].join(".");
                let known: Vec<String> = v
                    .as_object()
                    .map(|m| m.keys().cloned().collect())
                    .unwrap_or_default();
                return Err(format!(
                    "design {design} has no `{metric}` in its results{}",
                    if known.is_empty() || here.is_empty() {
                        String::new()
                    } else {
                        format!(" (`{here}` has: {})", known.join(", "))
                    }
                ));
            }
        }
    }
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| format!("`{metric}` is not a number")),
        Value::Bool(b) => Ok(if *b { 1.0 } else { 0.0 }),
        Value::Null => Err(no_value(path)),
        _ => Err(format!(
            "`{metric}` is not a number or a boolean in design {design}'s results"
        )),
    }
}

/// Why a metric that exists in the results has no value in this design's: a latency
/// without samples is `null`, and an assertion on it is a violation, never a pass.
fn no_value(path: &[String]) -> String {
    let why = if path.last().is_some_and(|s| s == "completion_latency_ms") {
        "no message of a measured request was processed"
    } else if path.last().is_some_and(|s| s == "latency_ms") {
        "no successful requests"
    } else if path.last().is_some_and(|s| s == "wait_ms") {
        "no lock was granted"
    } else if path.last().is_some_and(|s| s == "replication_lag_ms") {
        "no write was replicated"
    } else {
        "no value"
    };
    format!("no value ({why})")
}

// ---------------------------------------------------------------------------------------
// The shape of the results, from serde.

/// A `DesignResult` as JSON with every optional part present, every map holding one entry
/// keyed `*`, numbers 0 and booleans false: the paths a metric may take. Read from the
/// type's `Deserialize` implementation.
pub fn results_shape() -> Option<Value> {
    let d = DesignResult::deserialize(Shape { depth: 0 }).ok()?;
    serde_json::to_value(d).ok()
}

/// Whether `path` leads to a number or a boolean in `shape`.
fn shape_has(shape: &Value, path: &[String]) -> Result<(), String> {
    if path == ["messages", "lost"] {
        return Ok(());
    }
    let mut v = shape;
    for seg in path {
        let next = match v {
            Value::Object(m) => m.get(seg.as_str()).or_else(|| m.get("*")),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => {
                let known: Vec<String> = v
                    .as_object()
                    .map(|m| m.keys().filter(|k| *k != "*").cloned().collect())
                    .unwrap_or_default();
                return Err(if known.is_empty() {
                    format!("`{seg}` is not a metric")
                } else {
                    format!("`{seg}` is not a metric here (known: {})", known.join(", "))
                });
            }
        }
    }
    match v {
        Value::Number(_) | Value::Bool(_) => Ok(()),
        Value::Object(m) => Err(format!(
            "names a group of metrics; pick one of: {}",
            m.keys().cloned().collect::<Vec<_>>().join(", ")
        )),
        _ => Err("is not a number or a boolean".to_string()),
    }
}

/// A deserializer that produces a sample of any derived type: zeros, `false`, `"*"`,
/// `Some`, one-entry maps, empty sequences, the first variant of enums.
struct Shape {
    depth: u32,
}

type ShapeError = de::value::Error;

const MAX_DEPTH: u32 = 12;

impl Shape {
    fn deeper(&self) -> Shape {
        Shape {
            depth: self.depth + 1,
        }
    }
}

macro_rules! shape_numbers {
    ($($method:ident => $visit:ident($v:expr)),* $(,)?) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
            visitor.$visit($v)
        })*
    };
}

impl<'de> Deserializer<'de> for Shape {
    type Error = ShapeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ShapeError> {
        Err(de::Error::custom(
            "a self-describing type cannot be sampled",
        ))
    }

    shape_numbers! {
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i64(0),
        deserialize_i16 => visit_i64(0),
        deserialize_i32 => visit_i64(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
        deserialize_char => visit_char('*'),
        deserialize_str => visit_str("*"),
        deserialize_string => visit_str("*"),
        deserialize_identifier => visit_str("*"),
        deserialize_bytes => visit_bytes(&[]),
        deserialize_byte_buf => visit_bytes(&[]),
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        if self.depth > MAX_DEPTH {
            visitor.visit_none()
        } else {
            visitor.visit_some(self.deeper())
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_newtype_struct(self.deeper())
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        visitor.visit_seq(Elements {
            left: 0,
            depth: self.depth + 1,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_seq(Elements {
            left: len,
            depth: self.depth + 1,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ShapeError> {
        let keys: &'static [&'static str] = if self.depth > MAX_DEPTH { &[] } else { &["*"] };
        visitor.visit_map(Members {
            keys,
            at: 0,
            depth: self.depth + 1,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        visitor.visit_map(Members {
            keys: fields,
            at: 0,
            depth: self.depth + 1,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        let first = variants
            .first()
            .ok_or_else(|| de::Error::custom("an enum without variants"))?;
        visitor.visit_enum(FirstVariant {
            name: first,
            depth: self.depth + 1,
        })
    }
}

struct Elements {
    left: usize,
    depth: u32,
}

impl<'de> de::SeqAccess<'de> for Elements {
    type Error = ShapeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ShapeError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(Shape { depth: self.depth }).map(Some)
    }
}

struct Members {
    keys: &'static [&'static str],
    at: usize,
    depth: u32,
}

impl<'de> de::MapAccess<'de> for Members {
    type Error = ShapeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ShapeError> {
        let Some(key) = self.keys.get(self.at) else {
            return Ok(None);
        };
        self.at += 1;
        seed.deserialize((*key).into_deserializer()).map(Some)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ShapeError> {
        seed.deserialize(Shape { depth: self.depth })
    }
}

struct FirstVariant {
    name: &'static str,
    depth: u32,
}

impl<'de> de::EnumAccess<'de> for FirstVariant {
    type Error = ShapeError;
    type Variant = Shape;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Shape), ShapeError> {
        let v = seed.deserialize(self.name.into_deserializer())?;
        Ok((v, Shape { depth: self.depth }))
    }
}

impl<'de> de::VariantAccess<'de> for Shape {
    type Error = ShapeError;
    fn unit_variant(self) -> Result<(), ShapeError> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ShapeError> {
        seed.deserialize(self)
    }
    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ShapeError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}

// ---------------------------------------------------------------------------------------
// Validation.

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
            Err(e) => out.push(Problem::new(format!("{at}.expect"), e)),
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
            (Some(n), _) if n > crate::validate::limits::MAX_REPLICATIONS => {
                out.push(Problem::new(
                    format!("{at}.replications"),
                    format!(
                        "{n} replications, more than the limit of {}",
                        crate::validate::limits::MAX_REPLICATIONS
                    ),
                ))
            }
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Evaluation.

/// The verdict of one assertion on one design.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// The design.
    pub design: String,
    /// The expectation as written.
    pub expect: String,
    /// The metric as written.
    pub metric: String,
    /// Replications evaluated.
    pub n: usize,
    /// Mean over the replications (NaN when the metric could not be read).
    pub mean: f64,
    /// Half-width of the confidence interval (with a confidence and 2+ replications).
    pub half_width: Option<f64>,
    /// The confidence asked for.
    pub confidence: Option<f64>,
    /// The comparison (`None`: a boolean that must be true).
    pub bound: Option<(Op, f64)>,
    /// The value compared with the bound (the interval's far end, or the mean).
    pub tested: f64,
    /// Whether the assertion holds.
    pub passed: bool,
    /// The seed of the replication to replay (the worst one).
    pub seed: u64,
    /// Why the metric could not be read, when it could not.
    pub error: Option<String>,
}

impl Verdict {
    /// `153.2 ± 4.1 (95% CI, 5 replications)`, `0.004`, `false in replication 3`.
    pub fn measured(&self) -> String {
        if let Some(e) = &self.error {
            return e.clone();
        }
        let mut s = format_number(self.mean);
        if let (Some(h), Some(c)) = (self.half_width, self.confidence) {
            s.push_str(&format!(
                " ± {} ({}% CI, {} replications)",
                format_number(h),
                format_number(c * 100.0),
                self.n
            ));
        } else if self.n > 1 {
            s.push_str(&format!(" (mean of {} replications)", self.n));
        }
        s
    }

    /// `< 120`, `is true`.
    pub fn bound_text(&self) -> String {
        match self.bound {
            Some((op, b)) => format!("{} {}", op.symbol(), format_number(b)),
            None => "is true".to_string(),
        }
    }
}

/// A number for messages: up to 6 significant digits, no trailing zeros.
pub fn format_number(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let digits = (5 - x.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{x:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// Evaluates `a` on one design's runs (`runs[k]` under `seeds[k]`).
pub fn evaluate(a: &Assertion, runs: &[DesignResult], seeds: &[u64]) -> Verdict {
    let design = runs.first().map(|r| r.name.clone()).unwrap_or_default();
    let base = Verdict {
        design: design.clone(),
        expect: a.expect.clone(),
        metric: String::new(),
        n: runs.len(),
        mean: f64::NAN,
        half_width: None,
        confidence: a.confidence,
        bound: None,
        tested: f64::NAN,
        passed: false,
        seed: seeds.first().copied().unwrap_or(0),
        error: None,
    };
    let expr = match parse(&a.expect) {
        Ok(e) => e,
        Err(e) => {
            return Verdict {
                error: Some(e),
                ..base
            }
        }
    };
    let base = Verdict {
        metric: expr.metric.clone(),
        bound: expr.bound,
        ..base
    };
    let mut values = Vec::with_capacity(runs.len());
    for r in runs {
        match metric_value(r, &expr.metric) {
            Ok(v) => values.push(v),
            Err(e) => {
                return Verdict {
                    error: Some(e),
                    ..base
                }
            }
        }
    }
    if values.is_empty() {
        return Verdict {
            error: Some("no runs".to_string()),
            ..base
        };
    }
    let w: Welford = values.iter().copied().collect();
    let mean = w.mean();
    let half_width = a.confidence.and_then(|c| w.half_width(c));
    // The worst replication: the one to replay.
    let worst_by = |better_low: bool| {
        let mut best = 0;
        for (k, &v) in values.iter().enumerate() {
            let worse = if better_low {
                v > values[best]
            } else {
                v < values[best]
            };
            if worse {
                best = k;
            }
        }
        best
    };
    let (tested, passed, worst) = match expr.bound {
        None => {
            let bad = values.iter().position(|&v| v == 0.0);
            (mean, bad.is_none(), bad.unwrap_or(0))
        }
        Some((op @ (Op::Eq | Op::Ne), b)) => {
            let bad = values.iter().position(|&v| !op.holds(v, b));
            (mean, bad.is_none(), bad.unwrap_or(0))
        }
        Some((op @ (Op::Lt | Op::Le), b)) => {
            let t = mean + half_width.unwrap_or(0.0);
            (t, op.holds(t, b), worst_by(true))
        }
        Some((op, b)) => {
            let t = mean - half_width.unwrap_or(0.0);
            (t, op.holds(t, b), worst_by(false))
        }
    };
    Verdict {
        mean,
        half_width,
        tested,
        passed: passed && tested.is_finite(),
        seed: seeds.get(worst).copied().unwrap_or(base.seed),
        ..base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_parse_with_every_operator_percentages_and_booleans() {
        let e = parse("p99_latency_ms < 120").unwrap();
        assert_eq!(e.metric, "p99_latency_ms");
        assert_eq!(e.bound, Some((Op::Lt, 120.0)));
        assert_eq!(
            parse("failure_rate<=1%").unwrap().bound,
            Some((Op::Le, 0.01))
        );
        assert_eq!(parse("a >= 2").unwrap().bound, Some((Op::Ge, 2.0)));
        assert_eq!(parse("a > 2").unwrap().bound, Some((Op::Gt, 2.0)));
        assert_eq!(parse("a == 0").unwrap().bound, Some((Op::Eq, 0.0)));
        assert_eq!(parse("a != 1_000").unwrap().bound, Some((Op::Ne, 1000.0)));
        assert_eq!(parse("linearizable").unwrap().bound, None);
        for bad in ["< 3", "a < b", "a <", "x y.", "a < 1e999"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn aliases_resolve_to_result_paths() {
        assert_eq!(resolve("p99_latency_ms"), ["latency_ms", "p99"]);
        assert_eq!(resolve("latency_mean_ms"), ["latency_ms", "mean"]);
        assert_eq!(
            resolve("requests.timeout"),
            ["requests", "by_outcome", "timeout"]
        );
        assert_eq!(
            resolve("endpoints.get.p999_latency_ms"),
            ["endpoints", "get", "latency_ms", "p999"]
        );
        assert_eq!(resolve("network.lost"), ["network", "lost"]);
    }

    #[test]
    fn the_shape_of_results_knows_every_metric() {
        let shape = results_shape().expect("DesignResult can be sampled");
        let ok = |m: &str| shape_has(&shape, &resolve(m));
        for m in [
            "failure_rate",
            "throughput_per_s",
            "p99_latency_ms",
            "requests.rejected",
            "requests.total",
            "endpoints.x.failure_rate",
            "causes.client: timeout",
            "messages.duplicates",
            "messages.completion_latency_ms.p99",
            "messages.lost",
            "network.lost",
            "cost_month_usd",
        ] {
            assert!(ok(m).is_ok(), "{m}: {:?}", ok(m));
        }
        for m in [
            "p98_latency_ms",
            "latency_ms",
            "requests.nope",
            "name",
            "series",
        ] {
            assert!(ok(m).is_err(), "{m} accepted");
        }
    }
}
