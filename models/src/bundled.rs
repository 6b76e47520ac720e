//! The scenarios shipped with caplab, compiled into the library so that `caplab list`,
//! `caplab run NAME` and the lab work from any directory, not only from the repository.
//!
//! A name is the file's stem (`cap-partition` for `scenarios/cap-partition.json`); the text
//! is the file's bytes as they are in the repository, so a bundled run and a run of the
//! file give the same digests.

use crate::load::{load_str, ScenarioError};

/// One bundled scenario: its name (the file stem) and the file's text.
#[derive(Debug, Clone, Copy)]
pub struct Bundled {
    /// The name a command line uses (`cap-partition`).
    pub name: &'static str,
    /// The scenario file's text.
    pub text: &'static str,
}

macro_rules! bundle {
    ($($name:literal),* $(,)?) => {
        &[$(Bundled {
            name: $name,
            text: include_str!(concat!("../../scenarios/", $name, ".json")),
        }),*]
    };
}

/// Every bundled scenario, in name order.
pub const ALL: &[Bundled] = bundle![
    "cap-partition",
    "chaos",
    "event-pipeline",
    "fintech-degradation",
    "inventory-sync-vs-async",
    "logistics-migration",
    "payment-lock",
    "pool-exhaustion",
    "primary-failover",
    "recommendations-eventual",
    "redis-worker-failover",
    "saas-fanout",
    "silent-failure",
    "when-to-distribute",
];

/// The bundled scenario called `name` (a file stem, with or without `.json`).
pub fn find(name: &str) -> Option<&'static Bundled> {
    let stem = name.strip_suffix(".json").unwrap_or(name);
    ALL.iter().find(|b| b.name == stem)
}

/// Reads the scenario at `path`; a path that names no file (nothing, or a directory) but is
/// a bundled scenario's name (`cap-partition`, `cap-partition.json`) loads that one. A path that is neither gives the
/// file's "cannot read" error, which then lists the bundled names.
pub fn load_path_or_name(path: &std::path::Path) -> Result<crate::plan::Checked, ScenarioError> {
    if !path.is_file() && path.parent().is_none_or(|p| p.as_os_str().is_empty()) {
        if let Some(b) = path.to_str().and_then(find) {
            return b.load();
        }
    }
    crate::load::load_file(path).map_err(|mut e| {
        if !path.exists() {
            if let Some(first) = e.problems.first_mut() {
                let names: Vec<&str> = ALL.iter().map(|b| b.name).collect();
                first.message = format!(
                    "{} (nor is it a bundled scenario: {})",
                    first.message,
                    names.join(", ")
                );
            }
        }
        e
    })
}

impl Bundled {
    /// The scenario, parsed and checked; its errors are labelled `<bundled NAME>`.
    pub fn load(&self) -> Result<crate::plan::Checked, ScenarioError> {
        load_str(&self.label(), self.text)
    }

    /// How messages name this scenario: `<bundled cap-partition>`.
    pub fn label(&self) -> String {
        format!("<bundled {}>", self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_scenario_loads_and_names_sort() {
        for b in ALL {
            let s = b.load().unwrap_or_else(|e| panic!("{}: {e}", b.name));
            assert!(!s.designs.is_empty(), "{} has no design", b.name);
        }
        let names: Vec<&str> = ALL.iter().map(|b| b.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(
            find("cap-partition.json").map(|b| b.name),
            Some("cap-partition")
        );
        assert!(find("no-such").is_none());
    }

    #[test]
    fn every_file_under_scenarios_is_bundled() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut stems: Vec<String> = std::fs::read_dir(&dir)
            .expect("scenarios/ exists")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        stems.sort();
        let names: Vec<String> = ALL.iter().map(|b| b.name.to_string()).collect();
        assert_eq!(
            stems, names,
            "add new files under scenarios/ to bundled::ALL"
        );
    }
}
