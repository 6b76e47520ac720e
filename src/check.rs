//! `caplab check` (a scenario's assertions, with a JUnit report for CI) and the golden
//! results of `caplab run --expect FILE [--bless]`.

use crate::{load, progress, EXIT_FAILURE, EXIT_INPUT};
use caplab::replicate;
use models::assertions::{evaluate, Verdict};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One file's verdicts.
struct FileVerdicts {
    file: PathBuf,
    scenario: String,
    verdicts: Vec<Verdict>,
    /// Why the file could not be checked (bad input, failed run).
    error: Option<String>,
}

/// `caplab check FILE...`: runs every design of each file (replications: the most any
/// assertion asks for, or `--replications`), evaluates its assertions, prints each
/// verdict; exit code 1 when any fails, 2 when a file is bad.
pub fn check(
    files: &[PathBuf],
    replications: Option<u64>,
    jobs: usize,
    junit: Option<&Path>,
    quiet: bool,
) -> ExitCode {
    let mut all = Vec::new();
    let mut bad_input = false;
    for file in files {
        let scenario = match load(file) {
            Ok(s) => s,
            Err(_) => {
                bad_input = true;
                all.push(FileVerdicts {
                    file: file.clone(),
                    scenario: String::new(),
                    verdicts: Vec::new(),
                    error: Some("the scenario is invalid (see above)".to_string()),
                });
                continue;
            }
        };
        if scenario.assertions.is_empty() {
            eprintln!("{}: warning: no assertions to check", file.display());
        }
        let k = replications.unwrap_or_else(|| {
            scenario
                .assertions
                .iter()
                .map(|a| a.needed_replications())
                .max()
                .unwrap_or(1)
        });
        if k == 0 {
            eprintln!("error: --replications must be at least 1");
            return ExitCode::from(EXIT_INPUT);
        }
        let seeds = reports::stats::replication_seeds(scenario.seed, k);
        let designs: Vec<&models::scenario::Design> = scenario.designs.iter().collect();
        let bar = progress::Simulated::new(
            (designs.len() * seeds.len()) as u64,
            scenario.duration_s,
            quiet,
        );
        let runs = replicate::run_all(&scenario, &designs, &seeds, jobs, &bar);
        bar.finish();
        let runs = match runs {
            Ok(r) => r,
            Err(e) => {
                all.push(FileVerdicts {
                    file: file.clone(),
                    scenario: scenario.name.clone(),
                    verdicts: Vec::new(),
                    error: Some(e.to_string()),
                });
                continue;
            }
        };
        let mut verdicts = Vec::new();
        for a in &scenario.assertions {
            for (d, reps) in scenario.designs.iter().zip(&runs) {
                if a.design.as_ref().is_some_and(|x| x != &d.name) {
                    continue;
                }
                verdicts.push(evaluate(a, reps, &seeds));
            }
        }
        all.push(FileVerdicts {
            file: file.clone(),
            scenario: scenario.name.clone(),
            verdicts,
            error: None,
        });
    }
    let mut failures = 0;
    for f in &all {
        if let Some(e) = &f.error {
            outln!("ERROR {}: {e}", f.file.display());
            failures += 1;
            continue;
        }
        for v in &f.verdicts {
            if v.passed {
                if !quiet {
                    outln!(
                        "ok    {}: design {}: {} (measured {})",
                        f.file.display(),
                        v.design,
                        v.expect,
                        v.measured()
                    );
                }
            } else {
                failures += 1;
                outln!("{}", failure_text(&f.file, v));
            }
        }
    }
    if let Some(path) = junit {
        if let Err(e) = std::fs::write(path, junit_xml(&all)) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(EXIT_FAILURE);
        }
    }
    let total: usize = all.iter().map(|f| f.verdicts.len()).sum();
    if !quiet || failures > 0 {
        outln!(
            "{} assertions checked, {} failed{}",
            total,
            failures,
            junit.map_or(String::new(), |p| format!(
                " (JUnit report: {})",
                p.display()
            ))
        );
    }
    if bad_input {
        ExitCode::from(EXIT_INPUT)
    } else if failures > 0 {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

/// `FAIL file: design d: expect: measured X; bound B; replay: caplab run ...`.
fn failure_text(file: &Path, v: &Verdict) -> String {
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
fn junit_xml(all: &[FileVerdicts]) -> String {
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
