//! `caplab run` as data: the selected designs of a checked scenario run under their
//! replication seeds ([`run`]), and the files of that run written ([`write`]). The command
//! line, the progress bar, the tables and the exit codes stay in the binary.

use crate::replicate::{self, Progress, ReplicationError};
use models::plan::Checked;
use models::results::RunResults;
use reports::spacetime::Window;
use reports::stats::Replications;
use reports::ReportError;
use std::fmt;
use std::path::{Path, PathBuf};

/// What to run.
#[derive(Clone, Copy, Debug)]
pub struct RunSpec<'a> {
    /// The scenario.
    pub scenario: &'a Checked,
    /// The seed of replication 0 (the others are derived from it).
    pub seed: u64,
    /// The designs to run, by name (all when empty).
    pub designs: &'a [String],
    /// Replications per design (at least 1).
    pub replications: u64,
    /// Threads.
    pub jobs: usize,
}

/// A run's outputs.
#[derive(Debug)]
pub struct RunOutput {
    /// `results.json`: replication 0 of every design (the plain run under the seed).
    pub results: RunResults,
    /// The replications' summary (more than one replication only).
    pub replications: Option<Replications>,
    /// The message windows of the designs whose histories are not linearizable (from a
    /// second run with the message log on), for their space-time figures.
    pub windows: Vec<Window>,
}

/// Why a run failed.
#[derive(Debug)]
pub enum PipelineError {
    /// A design's run failed.
    Runs(ReplicationError),
    /// The message windows could not be recorded.
    Windows(ReportError),
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Runs(e) => write!(f, "{e}"),
            PipelineError::Windows(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for PipelineError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PipelineError::Runs(e) => Some(e),
            PipelineError::Windows(e) => Some(e),
        }
    }
}

/// Runs the designs of `spec` under every replication seed (on `spec.jobs` threads; the
/// results do not depend on it), then records the message windows of the designs whose
/// histories are not linearizable.
pub fn run(spec: &RunSpec<'_>, progress: &dyn Progress) -> Result<RunOutput, PipelineError> {
    let scenario = spec.scenario;
    let selected: Vec<&models::scenario::Design> = scenario
        .designs
        .iter()
        .filter(|d| spec.designs.is_empty() || spec.designs.contains(&d.name))
        .collect();
    let seeds = reports::stats::replication_seeds(spec.seed, spec.replications);
    let runs = replicate::run_all(scenario, &selected, &seeds, spec.jobs, progress)
        .map_err(PipelineError::Runs)?;
    // Replication 0 runs under the seed itself: results.json is the plain run.
    let first: Vec<_> = runs.iter().filter_map(|r| r.first().cloned()).collect();
    let results = models::run::assemble(scenario, spec.seed, first);
    let replications = (spec.replications > 1)
        .then(|| reports::stats::summarise(&scenario.name, spec.seed, &seeds, &runs));
    // A design whose history is not linearizable: the messages of its counter-example's
    // window, from a second run with the message log on, saved beside results.json for
    // its space-time figure (the report draws it from there, never running a design).
    let windows = reports::spacetime::windows(&results, |name, from, to| {
        let design = scenario
            .designs
            .iter()
            .find(|d| d.name == name)
            .ok_or_else(|| format!("no design {name}"))?;
        models::run::record_messages(
            scenario,
            design,
            spec.seed,
            sim_core::time::SimTime(from),
            sim_core::time::SimTime(to),
            reports::spacetime::MAX_MESSAGES,
        )
        .map_err(String::from)
    })
    .map_err(PipelineError::Windows)?;
    Ok(RunOutput {
        results,
        replications,
        windows,
    })
}

/// A run's file that could not be written.
#[derive(Debug)]
pub struct WriteError {
    /// Which: `results`, `traces`, `replications`, `the message windows`.
    pub what: &'static str,
    /// Why.
    pub source: std::io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {}: {}", self.what, self.source)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes the files of `out` into `dir`: `results.json` and its CSV, the traces, the
/// replications, the message windows. Returns the paths written, in that order.
pub fn write(dir: &Path, out: &RunOutput) -> Result<Vec<PathBuf>, WriteError> {
    let failed = |what| move |source| WriteError { what, source };
    let mut written = reports::files::write_run(dir, &out.results).map_err(failed("results"))?;
    written.extend(reports::files::write_traces(dir, &out.results).map_err(failed("traces"))?);
    if let Some(reps) = &out.replications {
        written
            .extend(reports::files::write_replications(dir, reps).map_err(failed("replications"))?);
    }
    written.extend(
        reports::files::write_spacetime(dir, &out.results, &out.windows)
            .map_err(failed("the message windows"))?,
    );
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outputs_do_not_depend_on_the_number_of_threads() {
        let scenario = models::bundled::find("cap-partition")
            .expect("bundled")
            .load()
            .expect("valid")
            .edited(|s| s.duration_s = 12.0)
            .expect("valid");
        let spec = |jobs| RunSpec {
            scenario: &scenario,
            seed: 3,
            designs: &[],
            replications: 2,
            jobs,
        };
        let one = run(&spec(1), &replicate::Silent).expect("runs");
        let two = run(&spec(2), &replicate::Silent).expect("runs");
        assert_eq!(one.results, two.results);
        assert_eq!(one.results.designs.len(), scenario.designs.len());
        let (a, b) = (one.replications.expect("2"), two.replications.expect("2"));
        assert_eq!(
            serde_json::to_string(&a).expect("json"),
            serde_json::to_string(&b).expect("json")
        );
        assert_eq!(one.windows.len(), two.windows.len());
    }
}
