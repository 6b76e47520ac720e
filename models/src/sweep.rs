//! Parameter sweeps: a scenario's `sweep` names numeric fields of the scenario itself (by
//! JSON path) and the values each takes; the points are the grid of every combination.
//!
//! A point is applied to the scenario's JSON value (the scenario serialised with every
//! default filled in, so any numeric field can be addressed, set in the file or not), and
//! the result is deserialised and validated again like a file: a value out of range at some
//! point is reported as a problem of the sweep, at load time, with the point named.
//!
//! Paths: keys separated by dots, array indexes in brackets, `*` for every member of an
//! object and `[*]` for every element of an array: `workload.arrivals.closed.users`,
//! `designs[1].services.api.instances`, `designs[*].services.*.workers`. A field that holds
//! an integer keeps holding one: the value is rounded.
//!
//! Grid order: the last parameter varies fastest (nested loops in file order); point `i` is
//! the `i`-th combination, counted from 0.

use crate::load::Problem;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most points a sweep may have.
pub const MAX_POINTS: usize = 100_000;

/// A sweep: parameters crossed as a grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// The parameters, crossed as a grid (the last varies fastest).
    pub parameters: Vec<SweepParameter>,
    /// Replications per point and design (`caplab sweep --replications` overrides it).
    #[serde(default = "one_u64")]
    pub replications: u64,
}

fn one_u64() -> u64 {
    1
}

/// One swept parameter: a named variable set into one or more numeric fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub values: Option<Vec<f64>>,
    /// Evenly spaced values, linearly or logarithmically.
    #[serde(default)]
    pub range: Option<SweepRange>,
}

/// `steps` values from `from` to `to`, both included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepRange {
    /// First value.
    pub from: f64,
    /// Last value.
    pub to: f64,
    /// Number of values (at least 1; with 1, only `from`).
    pub steps: u32,
    /// Spacing of the values.
    #[serde(default)]
    pub scale: Scale,
}

/// Spacing of a range.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
pub fn parse_path(path: &str) -> Result<Vec<Seg>, String> {
    if path.is_empty() {
        return Err("empty path".to_string());
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
                    let i = inner
                        .parse::<usize>()
                        .map_err(|_| format!("bad index `[{inner}]` in `{path}`"))?;
                    segs.push(Seg::Index(i));
                }
                expect_key = false;
            }
            '.' => {
                chars.next();
                if expect_key {
                    return Err(format!("empty key in `{path}`"));
                }
                expect_key = true;
            }
            _ => {
                if !expect_key {
                    return Err(format!("`.` or `[` expected before `{c}` in `{path}`"));
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
        return Err(format!("path `{path}` ends with `.`"));
    }
    Ok(segs)
}

/// Sets `x` into every field `path` addresses in `root`; returns the value written into the
/// first (rounded when the field holds an integer).
pub fn set_path(root: &mut Value, path: &str, x: f64) -> Result<Value, String> {
    set_path_all(root, path, x)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("`{path}` addresses no field"))
}

/// Sets `x` into every field `path` addresses in `root`; returns every value written, in
/// order.
fn set_path_all(root: &mut Value, path: &str, x: f64) -> Result<Vec<Value>, String> {
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
) -> Result<(), String> {
    let Some((seg, rest)) = segs.split_first() else {
        let new =
            number_for(v, x).map_err(|kind| format!("`{here}` holds {kind}, not a number"))?;
        written.push(new.clone());
        *v = new;
        return Ok(());
    };
    let kind = kind_of(v);
    match (seg, v) {
        (Seg::Key(k), Value::Object(m)) => {
            let known: Vec<String> = m.keys().cloned().collect();
            let child = m.get_mut(k).ok_or_else(|| {
                format!(
                    "`{}` has no field `{k}` (it has: {})",
                    display(&here),
                    known.join(", ")
                )
            })?;
            set_in(child, rest, join_key(&here, k), x, written)
        }
        (Seg::Index(i), Value::Array(a)) => {
            let len = a.len();
            let child = a
                .get_mut(*i)
                .ok_or_else(|| format!("`{}` has {len} elements, no [{i}]", display(&here)))?;
            set_in(child, rest, format!("{here}[{i}]"), x, written)
        }
        (Seg::All, Value::Array(a)) => {
            if a.is_empty() {
                return Err(format!("`{}` is empty", display(&here)));
            }
            for (i, child) in a.iter_mut().enumerate() {
                set_in(child, rest, format!("{here}[{i}]"), x, written)?;
            }
            Ok(())
        }
        (Seg::All, Value::Object(m)) => {
            if m.is_empty() {
                return Err(format!("`{}` is empty", display(&here)));
            }
            for (k, child) in m.iter_mut() {
                let at = join_key(&here, k);
                set_in(child, rest, at, x, written)?;
            }
            Ok(())
        }
        (seg, _) => Err(format!(
            "`{}` holds {kind}: cannot take {}",
            display(&here),
            match seg {
                Seg::Key(k) => format!("field `{k}`"),
                Seg::Index(i) => format!("element [{i}]"),
                Seg::All => "`*`".to_string(),
            }
        )),
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
pub fn base_value(scenario: &Scenario) -> Result<Value, String> {
    let mut v = serde_json::to_value(scenario).map_err(|e| e.to_string())?;
    if let Value::Object(m) = &mut v {
        m.shift_remove("sweep");
    }
    Ok(v)
}

/// Applies point `index` of `sweep` to `base` (see [`base_value`]): sets every path,
/// deserialises and validates the result.
pub fn apply(base: &Value, sweep: &Sweep, index: usize) -> Result<Point, String> {
    let raw = sweep.raw_point(index);
    let mut v = base.clone();
    let mut values = Vec::with_capacity(raw.len());
    for (p, x) in sweep.parameters.iter().zip(raw) {
        let mut written = None;
        for path in p.all_paths() {
            let w = set_path(&mut v, path, x)?;
            written.get_or_insert(w);
        }
        values.push((p.label(), written.unwrap_or(Value::Null)));
    }
    let describe = |values: &[(String, Value)]| {
        values
            .iter()
            .map(|(n, v)| format!("{n} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let scenario: Scenario = serde_json::from_value(v)
        .map_err(|e| format!("at point {index} ({}): {e}", describe(&values)))?;
    let problems = crate::validate::validate(&scenario);
    if let Some(p) = problems.first() {
        return Err(format!(
            "at point {index} ({}): {}: {}",
            describe(&values),
            p.path,
            p.message
        ));
    }
    Ok(Point {
        index,
        values,
        scenario,
    })
}

/// The sweep's problems (paths that address no number, empty or bad values, points that make
/// the scenario invalid), as scenario problems under `sweep`.
pub fn problems(s: &Scenario) -> Vec<Problem> {
    let Some(sweep) = &s.sweep else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if sweep.parameters.is_empty() {
        out.push(Problem::new(
            "sweep.parameters",
            "a sweep needs at least one parameter",
        ));
    }
    if sweep.replications == 0 {
        out.push(Problem::new("sweep.replications", "must be at least 1"));
    }
    let max_reps = crate::validate::limits::MAX_REPLICATIONS;
    if sweep.replications > max_reps {
        out.push(Problem::new(
            "sweep.replications",
            format!(
                "{} replications, more than the limit of {max_reps}",
                sweep.replications
            ),
        ));
    }
    let base = match base_value(s) {
        Ok(b) => b,
        Err(e) => {
            out.push(Problem::new("sweep", e));
            return out;
        }
    };
    let mut names = std::collections::BTreeSet::new();
    for (i, p) in sweep.parameters.iter().enumerate() {
        let at = format!("sweep.parameters[{i}]");
        if p.all_paths().is_empty() {
            out.push(Problem::new(at.clone(), "needs a `path` (or `paths`)"));
        }
        for (j, path) in p.all_paths().iter().enumerate() {
            let where_ = if p.path.is_some() && j == 0 {
                format!("{at}.path")
            } else {
                let k = if p.path.is_some() { j - 1 } else { j };
                format!("{at}.paths[{k}]")
            };
            if path.starts_with("sweep") {
                out.push(Problem::new(where_, "a sweep cannot change itself"));
                continue;
            }
            let mut probe = base.clone();
            if let Err(e) = set_path(&mut probe, path, 1.0) {
                out.push(Problem::new(where_, e));
            }
        }
        if !names.insert(p.label()) {
            out.push(Problem::new(
                format!("{at}.name"),
                format!("two parameters are named `{}`", p.label()),
            ));
        }
        match (&p.values, &p.range) {
            (Some(_), Some(_)) | (None, None) => out.push(Problem::new(
                at.clone(),
                "needs exactly one of `values` and `range`",
            )),
            (Some(v), None) => {
                if v.is_empty() {
                    out.push(Problem::new(format!("{at}.values"), "no values"));
                }
                for (k, x) in v.iter().enumerate() {
                    if !x.is_finite() {
                        out.push(Problem::new(format!("{at}.values[{k}]"), "must be finite"));
                    }
                }
            }
            (None, Some(r)) => {
                let rp = format!("{at}.range");
                if !r.from.is_finite() || !r.to.is_finite() {
                    out.push(Problem::new(rp.clone(), "`from` and `to` must be finite"));
                }
                if r.steps == 0 {
                    out.push(Problem::new(format!("{rp}.steps"), "must be at least 1"));
                }
                if r.steps as usize > MAX_POINTS {
                    out.push(Problem::new(
                        format!("{rp}.steps"),
                        format!(
                            "{} steps, more than the limit of {MAX_POINTS} points per sweep",
                            r.steps
                        ),
                    ));
                }
                if r.scale == Scale::Log && !(r.from > 0.0 && r.to > 0.0) {
                    out.push(Problem::new(
                        format!("{rp}.scale"),
                        "a log range needs `from` and `to` > 0",
                    ));
                }
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    let n = sweep.point_count();
    if n > MAX_POINTS {
        out.push(Problem::new(
            "sweep.parameters",
            format!("{n} points, more than the limit of {MAX_POINTS} points per sweep"),
        ));
        return out;
    }
    // Every point must give a valid scenario; the first that does not is reported. Points
    // that write the same values (an integer field rounds neighbouring values of a range
    // alike) are the same scenario: each is validated once. Linear in the points.
    let ids = written_ids(&base, sweep);
    let mut seen: std::collections::BTreeSet<Vec<u32>> = std::collections::BTreeSet::new();
    for i in 0..n {
        if let Some(ids) = &ids {
            let mut rest = i;
            let mut key = vec![0u32; ids.len()];
            for (k, per_value) in ids.iter().enumerate().rev() {
                let len = per_value.len().max(1);
                key[k] = per_value.get(rest % len).copied().unwrap_or(0);
                rest /= len;
            }
            if !seen.insert(key) {
                continue;
            }
        }
        if let Err(e) = apply(&base, sweep, i) {
            out.push(Problem::new("sweep", e));
            break;
        }
    }
    out
}

/// For each parameter, a number per value index naming what it writes into the scenario
/// (equal numbers: the same values written in every field), or `None` if a value cannot
/// be written (then every point is validated).
fn written_ids(base: &Value, sweep: &Sweep) -> Option<Vec<Vec<u32>>> {
    let mut probe = base.clone();
    let mut out = Vec::with_capacity(sweep.parameters.len());
    for p in &sweep.parameters {
        let mut names: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
        let mut ids = Vec::with_capacity(p.value_count());
        for i in 0..p.value_count() {
            let x = p.raw_value(i);
            let mut written = String::new();
            for path in p.all_paths() {
                for w in set_path_all(&mut probe, path, x).ok()? {
                    written.push_str(&w.to_string());
                    written.push(' ');
                }
            }
            let next = names.len() as u32;
            ids.push(*names.entry(written).or_insert(next));
        }
        out.push(ids);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn param(v: Value) -> SweepParameter {
        serde_json::from_value(v).expect("parameter")
    }

    #[test]
    fn paths_parse_with_keys_indexes_and_wildcards() {
        assert_eq!(
            parse_path("designs[1].services.*.instances").unwrap(),
            vec![
                Seg::Key("designs".into()),
                Seg::Index(1),
                Seg::Key("services".into()),
                Seg::All,
                Seg::Key("instances".into()),
            ]
        );
        assert_eq!(
            parse_path("a[*]").unwrap(),
            vec![Seg::Key("a".into()), Seg::All]
        );
        for bad in ["", "a.", ".a", "a..b", "a[x]", "a[1]b"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ranges_are_linear_or_logarithmic_and_end_exactly() {
        let lin = param(json!({"path": "x", "range": {"from": 0, "to": 10, "steps": 5}}));
        assert_eq!(lin.raw_values(), vec![0.0, 2.5, 5.0, 7.5, 10.0]);
        let log = param(
            json!({"path": "x", "range": {"from": 10, "to": 100000, "steps": 5, "scale": "log"}}),
        );
        let v = log.raw_values();
        assert_eq!(v.len(), 5);
        for (got, want) in v.iter().zip([10.0, 100.0, 1000.0, 10000.0, 100000.0]) {
            assert!((got - want).abs() < 1e-6 * want, "{got} vs {want}");
        }
        assert_eq!(v[4], 100000.0);
        assert_eq!(lin.label(), "x");
    }

    #[test]
    fn the_grid_varies_the_last_parameter_fastest() {
        let s = Sweep {
            parameters: vec![
                param(json!({"path": "a", "values": [1, 2]})),
                param(json!({"path": "b", "values": [10, 20, 30]})),
            ],
            replications: 1,
        };
        assert_eq!(s.point_count(), 6);
        let pts: Vec<Vec<f64>> = (0..6).map(|i| s.raw_point(i)).collect();
        assert_eq!(pts[0], vec![1.0, 10.0]);
        assert_eq!(pts[2], vec![1.0, 30.0]);
        assert_eq!(pts[3], vec![2.0, 10.0]);
        assert_eq!(pts[5], vec![2.0, 30.0]);
    }

    #[test]
    fn integer_fields_stay_integers_and_wildcards_set_every_member() {
        let mut v = json!({"d": [{"s": {"a": {"n": 2}, "b": {"n": 3}}}, {"s": {"a": {"n": 4}}}], "f": 1.5, "o": null, "t": "x"});
        assert_eq!(set_path(&mut v, "d[*].s.*.n", 2.6).unwrap(), json!(3));
        assert_eq!(v["d"][0]["s"]["b"]["n"], json!(3));
        assert_eq!(v["d"][1]["s"]["a"]["n"], json!(3));
        assert_eq!(set_path(&mut v, "f", 2.6).unwrap(), json!(2.6));
        assert_eq!(set_path(&mut v, "o", 7.0).unwrap(), json!(7));
        let e = set_path(&mut v, "t", 1.0).unwrap_err();
        assert!(e.contains("`t` holds a string"), "{e}");
        let e = set_path(&mut v, "d[0].s.c.n", 1.0).unwrap_err();
        assert!(e.contains("`d[0].s` has no field `c`"), "{e}");
        let e = set_path(&mut v, "d[5].s", 1.0).unwrap_err();
        assert!(e.contains("no [5]"), "{e}");
    }
}
