//! `caplab check` as data: a scenario's assertions evaluated over its designs' replications
//! ([`verdicts`]), the text of a failed one ([`failure_text`]) and the JUnit report of many
//! files ([`junit_xml`]).

use crate::replicate::{self, Progress, ReplicationError};
use models::assertions::{evaluate, Verdict};
use models::plan::Checked;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One file's verdicts.
#[derive(Clone, Debug)]
pub struct FileVerdicts {
    /// The file, as named.
    pub file: PathBuf,
    /// The scenario's name (empty when the file could not be read).
    pub scenario: String,
    /// The verdicts, per assertion then design.
    pub verdicts: Vec<Verdict>,
    /// Why the file could not be checked (bad input, failed run).
    pub error: Option<String>,
}

/// Replications a check of `scenario` runs: `requested`, or the most any assertion asks
/// for (at least 1).
pub fn replications(scenario: &Checked, requested: Option<u64>) -> u64 {
    requested.unwrap_or_else(|| {
        scenario
            .assertions
            .iter()
            .map(|a| a.needed_replications())
            .max()
            .unwrap_or(1)
    })
}

/// Runs every design of `scenario` under `replications` seeds (on `jobs` threads) and
/// evaluates each assertion on each design it names, in file order.
pub fn verdicts(
    scenario: &Checked,
    replications: u64,
    jobs: usize,
    progress: &dyn Progress,
) -> Result<Vec<Verdict>, ReplicationError> {
    let seeds = reports::stats::replication_seeds(scenario.seed, replications);
    let designs: Vec<&models::scenario::Design> = scenario.designs.iter().collect();
    let runs = replicate::run_all(scenario, &designs, &seeds, jobs, progress)?;
    let mut verdicts = Vec::new();
    for a in &scenario.assertions {
        for (d, reps) in scenario.designs.iter().zip(&runs) {
            if a.design.as_ref().is_some_and(|x| x != &d.name) {
                continue;
            }
            verdicts.push(evaluate(a, reps, &seeds));
        }
    }
    Ok(verdicts)
}

/// `FAIL file: design d: expect: measured X; bound B; replay: caplab run ...`.
pub fn failure_text(file: &Path, v: &Verdict) -> String {
    let tested = match (v.bound, v.half_width) {
        (Some(_), Some(_)) if v.error.is_none() => format!(
            " (tested {}, the interval's far end)",
            models::assertions::format_number(v.tested)
        ),
        _ => String::new(),
    };
    format!(
        "FAIL  {}: design {}: {}: measured {}{tested}; bound {}; replay: caplab run {} --design {} --seed {}",
        file.display(),
        v.design,
        v.expect,
        v.measured(),
        v.bound_text(),
        file.display(),
        v.design,
        v.seed
    )
}

fn xml(s: &str) -> String {
    reports::format::escape(s).replace('\'', "&apos;")
}

/// A JUnit XML report: a test suite per file, a test case per (assertion, design).
pub fn junit_xml(all: &[FileVerdicts]) -> String {
    let tests: usize = all.iter().map(|f| f.verdicts.len().max(1)).sum();
    let failures: usize = all
        .iter()
        .map(|f| f.verdicts.iter().filter(|v| !v.passed).count())
        .sum();
    let errors = all.iter().filter(|f| f.error.is_some()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"caplab check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    for f in all {
        let file = f.file.display().to_string();
        let fails = f.verdicts.iter().filter(|v| !v.passed).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" errors=\"{}\">",
            xml(&file),
            f.verdicts.len().max(1),
            usize::from(f.error.is_some())
        );
        if let Some(e) = &f.error {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{}\" name=\"run\">\n      <error message=\"{}\"/>\n    </testcase>",
                xml(&file),
                xml(e)
            );
        }
        for v in &f.verdicts {
            let _ = write!(
                out,
                "    <testcase classname=\"{}.{}\" name=\"{}\"",
                xml(&f.scenario),
                xml(&v.design),
                xml(&v.expect)
            );
            if v.passed {
                out.push_str("/>\n");
            } else {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"measured {}; bound {}\" type=\"assertion\">{}</failure>\n    </testcase>",
                    xml(&v.measured()),
                    xml(&v.bound_text()),
                    xml(&failure_text(&f.file, v))
                );
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
