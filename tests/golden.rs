//! Golden results: every bundled scenario's `results.json` at its own seed, byte for byte,
//! checked in under `tests/golden/`. A refactoring must leave them unchanged; a change
//! meant to move numbers (a new sampler, a model fix) regenerates them with
//! `CAPLAB_BLESS=1 cargo test --test tests golden` and commits them with the change, so
//! the review shows what moved.
//!
//! event-pipeline is checked on its `processors-10` design only (a design's results do not
//! depend on the others run beside it: `tests/scenarios.rs`); its full run is 43 million
//! events per design, too slow for a debug test.

use std::path::PathBuf;

/// The designs checked of each scenario: all, but for the slowest one.
fn designs_checked(name: &str) -> Vec<String> {
    match name {
        "event-pipeline" => vec!["processors-10".to_string()],
        _ => Vec::new(),
    }
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from("tests/golden").join(format!("{name}.json"))
}

#[test]
fn every_bundled_scenario_gives_its_golden_results() {
    let bless = std::env::var_os("CAPLAB_BLESS").is_some();
    let mut differ = Vec::new();
    for b in models::bundled::ALL {
        let scenario = b.load().unwrap_or_else(|e| panic!("{e}"));
        let mut results =
            models::run::run_scenario(&scenario, scenario.seed, &designs_checked(b.name))
                .unwrap_or_else(|e| panic!("{}: {e}", b.name));
        // The version moves with releases, not with behaviour.
        results.caplab_version = String::new();
        let text = reports::files::results_json(&results);
        let path = golden_path(b.name);
        if bless {
            std::fs::create_dir_all("tests/golden").expect("mkdir");
            std::fs::write(&path, &text).expect("write golden");
            continue;
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (CAPLAB_BLESS=1 cargo test --test tests golden writes it)",
                path.display()
            )
        });
        if golden != text {
            let first = golden
                .lines()
                .zip(text.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
                .map(|(i, (a, b))| format!("line {}: golden `{a}`, now `{b}`", i + 1))
                .unwrap_or_else(|| "lengths differ".to_string());
            differ.push(format!("{}: {first}", b.name));
        }
    }
    assert!(
        differ.is_empty(),
        "results differ from tests/golden (bless with CAPLAB_BLESS=1 if the change is meant):\n{}",
        differ.join("\n")
    );
}
