//! `caplab check`: a scenario's assertions (evaluated by `caplab::verdicts`), printed, with
//! a JUnit report for CI.

use crate::{load, progress, EXIT_FAILURE, EXIT_INPUT};
use caplab::verdicts::{self, failure_text, junit_xml, FileVerdicts};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
        let k = verdicts::replications(&scenario, replications);
        if k == 0 {
            eprintln!("error: --replications must be at least 1");
            return ExitCode::from(EXIT_INPUT);
        }
        let bar = progress::Simulated::new(
            scenario.designs.len() as u64 * k,
            scenario.duration_s,
            quiet,
        );
        let found = verdicts::verdicts(&scenario, k, jobs, &bar);
        bar.finish();
        let verdicts = match found {
            Ok(v) => v,
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
