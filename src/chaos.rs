//! `caplab chaos FILE --runs N`: runs every design under N seeds of the scenario's chaos
//! schedule, checks every invariant of each run, and for each design that broke one,
//! shrinks the schedule of its first failing seed to a minimal one, writes it as a plain
//! scenario (chaos off, faults explicit) and prints the command that replays it.

use crate::{load, sanitise, EXIT_FAILURE, EXIT_INPUT};
use caplab::chaos_runs::{self, RunVerdict};
use models::chaos::Violation;
use models::plan::Checked as CheckedScenario;
use models::scenario::Design;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `caplab chaos` was asked.
pub struct ChaosOptions {
    /// Seeds per design (default: the file's `chaos.runs`, or 1 without chaos).
    pub runs: Option<u32>,
    /// The first seed (default: the file's).
    pub seed: Option<u64>,
    /// Only these designs (all when empty).
    pub designs: Vec<String>,
    /// Threads.
    pub jobs: usize,
    /// Output directory (default: `out/<scenario>/chaos`).
    pub out: Option<PathBuf>,
    /// Most reruns spent shrinking one counter-example.
    pub shrink_budget: usize,
    /// Print only failures.
    pub quiet: bool,
}

/// `caplab chaos`.
pub fn chaos(file: &Path, o: &ChaosOptions) -> ExitCode {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    if let Err(code) = crate::known_designs(file, &scenario, &o.designs) {
        return code;
    }
    let runs = o
        .runs
        .unwrap_or_else(|| scenario.chaos.as_ref().map_or(1, |c| c.runs));
    if runs == 0 {
        eprintln!("error: --runs must be at least 1");
        return ExitCode::from(EXIT_INPUT);
    }
    let seed = o.seed.unwrap_or(scenario.seed);
    let seeds = reports::stats::replication_seeds(seed, u64::from(runs));
    let designs: Vec<&Design> = scenario
        .designs
        .iter()
        .filter(|d| o.designs.is_empty() || o.designs.contains(&d.name))
        .collect();
    if !o.quiet {
        let what = scenario
            .chaos
            .as_ref()
            .map_or("no chaos section: the file's own faults".to_string(), |c| {
                c.summary()
            });
        outln!(
            "chaos {} · {} run(s) per design from seed {seed} · {what}",
            scenario.name,
            seeds.len()
        );
    }
    // A model that panics is a finding, caught and shrunk like any violation: keep the
    // default hook's message and backtrace off the terminal (the violation carries it).
    std::panic::set_hook(Box::new(|_| {}));
    let checked = match chaos_runs::check_all(&scenario, &designs, &seeds, o.jobs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let dir = o.out.clone().unwrap_or_else(|| {
        Path::new("out")
            .join(sanitise(&scenario.name))
            .join("chaos")
    });
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    let mut failed = false;
    let mut table = String::new();
    for (d, rows) in designs.iter().zip(&checked) {
        let bad: Vec<u64> = seeds
            .iter()
            .zip(rows)
            .filter(|(_, c)| !c.violations.is_empty())
            .map(|(s, _)| *s)
            .collect();
        table.push_str(&format!(
            "{:<16} {:>5} {:>9}  {}\n",
            d.name,
            rows.len(),
            bad.len(),
            match bad.first() {
                Some(s) => format!("first at seed {s}"),
                None => "every invariant held".to_string(),
            }
        ));
    }
    if !o.quiet {
        outln!("\n{:<16} {:>5} {:>9}", "design", "runs", "violated");
        out!("{table}");
    }
    for (d, rows) in designs.iter().zip(&checked) {
        let Some(k) = rows.iter().position(|c| !c.violations.is_empty()) else {
            continue;
        };
        failed = true;
        let s = seeds[k];
        match counterexample(file, &scenario, d, s, &rows[k].violations, &dir, o) {
            Ok(text) => out!("{text}"),
            Err(e) => {
                eprintln!("{}: design {}: seed {s}: {e}", file.display(), d.name);
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    }
    if let Err(e) = write_summary(&dir, &scenario, &designs, &seeds, &checked) {
        eprintln!("error: cannot write {}: {e}", dir.display());
        return ExitCode::from(EXIT_FAILURE);
    }
    if !o.quiet {
        outln!("\nwrote {}", dir.join("chaos.json").display());
    }
    if failed {
        ExitCode::from(EXIT_FAILURE)
    } else {
        ExitCode::SUCCESS
    }
}

/// Shrinks the schedule of the failing run, writes the replay file, checks that it still
/// fails, and returns the text to print.
fn counterexample(
    file: &Path,
    scenario: &CheckedScenario,
    design: &Design,
    seed: u64,
    violations: &[Violation],
    dir: &Path,
    o: &ChaosOptions,
) -> Result<String, String> {
    let first = &violations[0];
    let mut out = format!(
        "\nFAIL  design {}: seed {seed}: {}: {}\n",
        design.name, first.invariant, first.detail
    );
    for v in &violations[1..] {
        out.push_str(&format!("      also: {}: {}\n", v.invariant, v.detail));
    }
    let Some(c) =
        chaos_runs::counterexample(scenario, design, seed, &first.invariant, o.shrink_budget)?
    else {
        // Nothing random to shrink: the file's own faults (or none) break it.
        out.push_str(&format!(
            "      no chaos faults: the file's own faults break it\n      replay: caplab chaos {} --seed {seed} --design {}\n",
            file.display(),
            design.name
        ));
        return Ok(out);
    };
    let path = dir.join(format!("replay-{}-{seed}.json", sanitise(&design.name)));
    let text = serde_json::to_string_pretty(&c.replay).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    out.push_str(&format!(
        "      {} chaos fault(s) shrunk to {} in {} rerun(s){}:\n",
        c.generated,
        c.shrunk.faults.len(),
        c.shrunk.runs,
        if c.shrunk.budget_exhausted {
            " (budget spent: may not be minimal)"
        } else {
            ""
        }
    ));
    if c.shrunk.faults.is_empty() {
        out.push_str("        none: the scenario's own faults break it alone\n");
    }
    for f in &c.shrunk.faults {
        out.push_str(&format!("        {}\n", models::chaos::describe(f)));
    }
    match &c.reproduced {
        Some(v) => out.push_str(&format!("      replayed: {}\n", v.detail)),
        None => out.push_str("      warning: the shrunk schedule did not reproduce on replay\n"),
    }
    out.push_str(&format!(
        "      replay: caplab chaos {} --seed {seed} --design {}\n      report: caplab run {} --seed {seed} --design {}\n",
        path.display(),
        design.name,
        path.display(),
        design.name
    ));
    Ok(out)
}

/// Writes `chaos.json` into `dir`.
fn write_summary(
    dir: &Path,
    scenario: &CheckedScenario,
    designs: &[&Design],
    seeds: &[u64],
    verdicts: &[Vec<RunVerdict>],
) -> std::io::Result<()> {
    let v = chaos_runs::summary_json(scenario, designs, seeds, verdicts);
    let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("chaos.json"), text + "\n")
}
