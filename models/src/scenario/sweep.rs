//! The `sweep` section: numeric fields of the scenario named by JSON path and the values
//! each takes, and the path machinery that writes a point's values into the scenario's JSON
//! value. Expanding a point into a checked scenario is `crate::validate::sweep::apply`.

use super::Scenario;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// Why a sweep path could not be parsed or written, or a point not applied.
#[derive(Debug)]
pub enum SweepError {
    /// An empty path.
    EmptyPath,
    /// `[x]` where x is neither a number nor `*`.
    BadIndex {
        /// What was between the brackets.
        index: String,
        /// The path.
        path: String,
    },
    /// `a..b` or a path starting with `.`.
    EmptyKey {
        /// The path.
        path: String,
    },
    /// A key right after `]` without a `.`.
    Unexpected {
        /// The character found.
        found: char,
        /// The path.
        path: String,
    },
    /// A path ending with `.`.
    TrailingDot {
        /// The path.
        path: String,
    },
    /// A path that addresses no field.
    AddressesNothing {
        /// The path.
        path: String,
    },
    /// The field addressed holds something else than a number.
    NotANumber {
        /// Where (`designs[0].name`).
        at: String,
        /// What it holds (`a string`).
        holds: &'static str,
    },
    /// An object without the key asked for.
    NoField {
        /// The object (`the scenario` at the top).
        at: String,
        /// The key.
        key: String,
        /// The keys it has.
        known: Vec<String>,
    },
    /// An array shorter than the index asked for.
    NoElement {
        /// The array.
        at: String,
        /// Its length.
        len: usize,
        /// The index.
        index: usize,
    },
    /// `*` over an empty array or object.
    Empty {
        /// The array or object.
        at: String,
    },
    /// A step into a value that is not a container of that kind.
    CannotTake {
        /// Where.
        at: String,
        /// What it holds.
        holds: &'static str,
        /// What the path asked (`field `x``, `element [2]`, `` `*` ``).
        step: String,
    },
    /// The scenario could not be turned into JSON.
    Json(serde_json::Error),
    /// A point whose scenario does not parse or is not valid.
    Point {
        /// The point's index.
        index: usize,
        /// Its values, `name = value, ...`.
        values: String,
        /// Why.
        why: String,
    },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::EmptyPath => f.write_str("empty path"),
            SweepError::BadIndex { index, path } => write!(f, "bad index `[{index}]` in `{path}`"),
            SweepError::EmptyKey { path } => write!(f, "empty key in `{path}`"),
            SweepError::Unexpected { found, path } => {
                write!(f, "`.` or `[` expected before `{found}` in `{path}`")
            }
            SweepError::TrailingDot { path } => write!(f, "path `{path}` ends with `.`"),
            SweepError::AddressesNothing { path } => write!(f, "`{path}` addresses no field"),
            SweepError::NotANumber { at, holds } => write!(f, "`{at}` holds {holds}, not a number"),
            SweepError::NoField { at, key, known } => {
                write!(
                    f,
                    "`{at}` has no field `{key}` (it has: {})",
                    known.join(", ")
                )
            }
            SweepError::NoElement { at, len, index } => {
                write!(f, "`{at}` has {len} elements, no [{index}]")
            }
            SweepError::Empty { at } => write!(f, "`{at}` is empty"),
            SweepError::CannotTake { at, holds, step } => {
                write!(f, "`{at}` holds {holds}: cannot take {step}")
            }
            SweepError::Json(e) => write!(f, "{e}"),
            SweepError::Point { index, values, why } => {
                write!(f, "at point {index} ({values}): {why}")
            }
        }
    }
}

impl std::error::Error for SweepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SweepError::Json(e) => Some(e),
            _ => None,
        }
    }
}

impl From<SweepError> for String {
    fn from(e: SweepError) -> String {
        e.to_string()
    }
}

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// A sweep: parameters crossed as a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The parameters, crossed as a grid (the last varies fastest).
    #[schemars(length(min = 1))]
    pub parameters: Vec<SweepParameter>,
    /// Replications per point and design (`caplab sweep --replications` overrides it).
    #[serde(default = "one_u64")]
    #[schemars(range(min = 1, max = crate::scenario::limits::MAX_REPLICATIONS))]
    pub replications: u64,
}

fn one_u64() -> u64 {
    1
}

/// One swept parameter: a named variable set into one or more numeric fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepParameter {
    /// Name in tables and charts. Absent: the last key of the first path.
    #[serde(default)]
    pub name: Option<String>,
    /// JSON path of the field set at each point.
    #[serde(default)]
    pub path: Option<String>,
    /// More paths set to the same value (with `path`, or instead of it).
    #[serde(default)]
    pub paths: Vec<String>,
    /// The values, in order (exactly one of `values` and `range`).
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub values: Option<Vec<f64>>,
    /// Evenly spaced values, linearly or logarithmically.
    #[serde(default)]
    pub range: Option<SweepRange>,
}

/// `steps` values from `from` to `to`, both included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SweepRange {
    /// First value.
    pub from: f64,
    /// Last value.
    pub to: f64,
    /// Number of values (at least 1; with 1, only `from`).
    #[schemars(range(min = 1, max = crate::scenario::sweep::MAX_POINTS))]
    pub steps: u32,
    /// Spacing of the values.
    #[serde(default)]
    pub scale: Scale,
}

/// Spacing of a range.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Equal differences.
    #[default]
    Linear,
    /// Equal ratios (`from` and `to` must be positive).
    Log,
}

impl SweepParameter {
    /// Every path the parameter sets, `path` first.
    pub fn all_paths(&self) -> Vec<&str> {
        self.path
            .iter()
            .map(String::as_str)
            .chain(self.paths.iter().map(String::as_str))
            .collect()
    }

    /// The parameter's name: `name`, or the last key of its first path.
    pub fn label(&self) -> String {
        if let Some(n) = &self.name {
            return n.clone();
        }
        let first = self.all_paths().first().copied().unwrap_or("");
        match parse_path(first) {
            Ok(segs) => segs
                .iter()
                .rev()
                .find_map(|s| match s {
                    Seg::Key(k) => Some(k.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| first.to_string()),
            Err(_) => first.to_string(),
        }
    }

    /// Number of values, without computing them.
    pub fn value_count(&self) -> usize {
        match (&self.values, &self.range) {
            (Some(v), _) => v.len(),
            (None, Some(r)) => (r.steps as usize).max(1),
            (None, None) => 0,
        }
    }

    /// Value `i` (before rounding to the fields' types), `i < value_count()`; computed
    /// alone, in constant time.
    pub fn raw_value(&self, i: usize) -> f64 {
        if let Some(v) = &self.values {
            return v.get(i).copied().unwrap_or(0.0);
        }
        let Some(r) = &self.range else {
            return 0.0;
        };
        let n = r.steps as usize;
        if n <= 1 || i == 0 {
            return r.from;
        }
        if i >= n - 1 {
            return r.to;
        }
        let t = i as f64 / (n - 1) as f64;
        match r.scale {
            Scale::Linear => r.from + t * (r.to - r.from),
            Scale::Log => libm::exp(libm::log(r.from) + t * (libm::log(r.to) - libm::log(r.from))),
        }
    }

    /// The raw values (before rounding to the fields' types).
    pub fn raw_values(&self) -> Vec<f64> {
        (0..self.value_count()).map(|i| self.raw_value(i)).collect()
    }
}

impl Sweep {
    /// Number of points: the product of the parameters' value counts (computed without
    /// expanding any range; saturates).
    pub fn point_count(&self) -> usize {
        self.parameters
            .iter()
            .map(SweepParameter::value_count)
            .fold(1usize, |a, n| a.saturating_mul(n))
    }

    /// The raw values of point `i` (one per parameter), the last parameter varying fastest.
    /// Constant time per parameter: no range is expanded.
    pub fn raw_point(&self, mut i: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.parameters.len()];
        for (k, p) in self.parameters.iter().enumerate().rev() {
            let n = p.value_count();
            if n == 0 {
                continue;
            }
            out[k] = p.raw_value(i % n);
            i /= n;
        }
        out
    }
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
    /// Every member (`*`) or element (`[*]`).
    All,
}

/// Parses `a.b[2].c`, `a[*].*.d`.
pub fn parse_path(path: &str) -> Result<Vec<Seg>, SweepError> {
    if path.is_empty() {
        return Err(SweepError::EmptyPath);
    }
    let mut segs = Vec::new();
    let mut chars = path.chars().peekable();
    let mut expect_key = true;
    while let Some(&c) = chars.peek() {
        match c {
            '[' => {
                chars.next();
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                if inner == "*" {
                    segs.push(Seg::All);
                } else {
                    let i = inner.parse::<usize>().map_err(|_| SweepError::BadIndex {
                        index: inner.clone(),
                        path: path.to_string(),
                    })?;
                    segs.push(Seg::Index(i));
                }
                expect_key = false;
            }
            '.' => {
                chars.next();
                if expect_key {
                    return Err(SweepError::EmptyKey {
                        path: path.to_string(),
                    });
                }
                expect_key = true;
            }
            _ => {
                if !expect_key {
                    return Err(SweepError::Unexpected {
                        found: c,
                        path: path.to_string(),
                    });
                }
                let mut key = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    key.push(c);
                    chars.next();
                }
                segs.push(if key == "*" { Seg::All } else { Seg::Key(key) });
                expect_key = false;
            }
        }
    }
    if expect_key {
        return Err(SweepError::TrailingDot {
            path: path.to_string(),
        });
    }
    Ok(segs)
}

/// Sets `x` into every field `path` addresses in `root`; returns the value written into the
/// first (rounded when the field holds an integer).
pub fn set_path(root: &mut Value, path: &str, x: f64) -> Result<Value, SweepError> {
    set_path_all(root, path, x)?
        .into_iter()
        .next()
        .ok_or_else(|| SweepError::AddressesNothing {
            path: path.to_string(),
        })
}

/// Sets `x` into every field `path` addresses in `root`; returns every value written, in
/// order.
pub(crate) fn set_path_all(root: &mut Value, path: &str, x: f64) -> Result<Vec<Value>, SweepError> {
    let segs = parse_path(path)?;
    let mut written = Vec::new();
    set_in(root, &segs, String::new(), x, &mut written)?;
    Ok(written)
}

fn set_in(
    v: &mut Value,
    segs: &[Seg],
    here: String,
    x: f64,
    written: &mut Vec<Value>,
) -> Result<(), SweepError> {
    let Some((seg, rest)) = segs.split_first() else {
        let new = number_for(v, x).map_err(|holds| SweepError::NotANumber {
            at: here.clone(),
            holds,
        })?;
        written.push(new.clone());
        *v = new;
        return Ok(());
    };
    let kind = kind_of(v);
    match (seg, v) {
        (Seg::Key(k), Value::Object(m)) => {
            let known: Vec<String> = m.keys().cloned().collect();
            let child = m.get_mut(k).ok_or_else(|| SweepError::NoField {
                at: display(&here).to_string(),
                key: k.clone(),
                known,
            })?;
            set_in(child, rest, join_key(&here, k), x, written)
        }
        (Seg::Index(i), Value::Array(a)) => {
            let len = a.len();
            let child = a.get_mut(*i).ok_or_else(|| SweepError::NoElement {
                at: display(&here).to_string(),
                len,
                index: *i,
            })?;
            set_in(child, rest, format!("{here}[{i}]"), x, written)
        }
        (Seg::All, Value::Array(a)) => {
            if a.is_empty() {
                return Err(SweepError::Empty {
                    at: display(&here).to_string(),
                });
            }
            for (i, child) in a.iter_mut().enumerate() {
                set_in(child, rest, format!("{here}[{i}]"), x, written)?;
            }
            Ok(())
        }
        (Seg::All, Value::Object(m)) => {
            if m.is_empty() {
                return Err(SweepError::Empty {
                    at: display(&here).to_string(),
                });
            }
            for (k, child) in m.iter_mut() {
                let at = join_key(&here, k);
                set_in(child, rest, at, x, written)?;
            }
            Ok(())
        }
        (seg, _) => Err(SweepError::CannotTake {
            at: display(&here).to_string(),
            holds: kind,
            step: match seg {
                Seg::Key(k) => format!("field `{k}`"),
                Seg::Index(i) => format!("element [{i}]"),
                Seg::All => "`*`".to_string(),
            },
        }),
    }
}

fn display(here: &str) -> &str {
    if here.is_empty() {
        "the scenario"
    } else {
        here
    }
}

fn join_key(here: &str, k: &str) -> String {
    if here.is_empty() {
        k.to_string()
    } else {
        format!("{here}.{k}")
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `x` as the field `old` would hold it: an integer field stays an integer (rounded); an
/// absent optional field (`null`) gets an integer when `x` is whole.
fn number_for(old: &Value, x: f64) -> Result<Value, &'static str> {
    let integer = match old {
        Value::Number(n) => n.is_u64() || n.is_i64(),
        Value::Null => x.fract() == 0.0,
        other => return Err(kind_of(other)),
    };
    if integer {
        let r = x.round();
        if r >= 0.0 && r <= u64::MAX as f64 {
            return Ok(Value::from(r as u64));
        }
        if r < 0.0 && r >= i64::MIN as f64 {
            return Ok(Value::from(r as i64));
        }
    }
    serde_json::Number::from_f64(x)
        .map(Value::Number)
        .ok_or("a value that is not finite")
}

/// A point applied: the scenario to run and the value each parameter took.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Index in the grid.
    pub index: usize,
    /// `(parameter name, value written)`, in parameter order.
    pub values: Vec<(String, Value)>,
    /// The scenario at this point (without its `sweep`).
    pub scenario: Scenario,
}

/// The scenario's JSON value with the sweep removed, the base every point is applied to.
pub fn base_value(scenario: &Scenario) -> Result<Value, SweepError> {
    let mut v = serde_json::to_value(scenario).map_err(SweepError::Json)?;
    if let Value::Object(m) = &mut v {
        m.shift_remove("sweep");
    }
    Ok(v)
}
