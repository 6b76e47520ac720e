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

//!
//! The format's types and paths are [`crate::scenario::sweep`]; expansion and checking of
//! points, [`crate::validate::sweep`]; running the points is the application's.

pub use crate::scenario::sweep::*;
pub use crate::validate::sweep::{apply, describe, point, problems};

use crate::plan::Checked;

/// Point `index` of `sweep` set into `base` and checked once ([`Checked::new`]: validated
/// and compiled); an invalid point gives [`apply`]'s error (its first problem).
pub fn checked_point(
    base: &serde_json::Value,
    sweep: &Sweep,
    index: usize,
) -> Result<(Point, Checked), SweepError> {
    let p = point(base, sweep, index)?;
    match Checked::new(p.scenario.clone()) {
        Ok(checked) => Ok((p, checked)),
        Err(refused) => {
            let first = refused.problems.first();
            Err(SweepError::Point {
                index,
                values: describe(&p.values),
                why: first.map_or_else(String::new, |f| format!("{}: {}", f.path, f.message)),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use serde_json::Value;

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
        let e = set_path(&mut v, "t", 1.0).unwrap_err().to_string();
        assert!(e.contains("`t` holds a string"), "{e}");
        let e = set_path(&mut v, "d[0].s.c.n", 1.0).unwrap_err();
        assert!(matches!(&e, SweepError::NoField { key, .. } if key == "c"));
        let e = e.to_string();
        assert!(e.contains("`d[0].s` has no field `c`"), "{e}");
        let e = set_path(&mut v, "d[5].s", 1.0).unwrap_err().to_string();
        assert!(e.contains("no [5]"), "{e}");
    }
}
