//! Checking the `sweep` section: every point is expanded and validated like a file.

use super::Problem;
use crate::scenario::sweep::{
    base_value, set_path, set_path_all, Point, Scale, Sweep, SweepError, MAX_POINTS,
};
use crate::scenario::Scenario;
use serde_json::Value;

/// Applies point `index` of `sweep` to `base` (see [`base_value`]): sets every path,
/// deserialises and validates the result.
pub fn apply(base: &Value, sweep: &Sweep, index: usize) -> Result<Point, SweepError> {
    let point = point(base, sweep, index)?;
    // A point sets numbers only, which cannot break a name: the checks that need no name
    // resolved are all a point can fail.
    let problems = crate::validate::validate(&point.scenario).problems;
    if let Some(p) = problems.first() {
        return Err(SweepError::Point {
            index,
            values: describe(&point.values),
            why: format!("{}: {}", p.path, p.message),
        });
    }
    Ok(point)
}

/// A point's values as `name = value, ...`.
pub fn describe(values: &[(String, Value)]) -> String {
    values
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Point `index` of `sweep` set into `base`, deserialised but not validated (for a caller
/// that checks it next, as `plan::Checked::new` does).
pub fn point(base: &Value, sweep: &Sweep, index: usize) -> Result<Point, SweepError> {
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
    let scenario: Scenario = serde_json::from_value(v).map_err(|e| SweepError::Point {
        index,
        values: describe(&values),
        why: e.to_string(),
    })?;
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
    let max_reps = crate::scenario::limits::MAX_REPLICATIONS;
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
