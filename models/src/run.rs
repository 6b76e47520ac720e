//! Running a scenario's designs: one design's run ([`crate::single_run`]) with, when the
//! scenario has a `reliability` section, its months of operation
//! ([`crate::reliability::summarise`], which runs the design again in each system state).
//! Everything else of [`crate::single_run`] is here under the same names.

pub use crate::single_run::*;

use crate::error::RunError;
use crate::plan::Checked;
use crate::results::{DesignResult, RunResults};
use crate::scenario::Design;
use crate::single_run;
use crate::trace::TraceConfig;
use sim_core::step::StepWindow;

/// Adds `design`'s reliability summary (none without a `reliability` section).
fn with_reliability(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    mut result: DesignResult,
) -> Result<DesignResult, RunError> {
    result.reliability = crate::reliability::summarise(scenario, design, seed)?;
    Ok(result)
}

/// Runs `design` to the end of the scenario and summarises it (traced as the scenario's
/// `trace` section says).
pub fn run_design(
    scenario: &Checked,
    design: &Design,
    seed: u64,
) -> Result<DesignResult, RunError> {
    let result = single_run::run_design(scenario, design, seed)?;
    with_reliability(scenario, design, seed, result)
}

/// Runs `design` traced with `trace` (`None`: not traced); the kept traces are in
/// `DesignResult::traces`.
pub fn run_design_traced(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    trace: Option<TraceConfig>,
) -> Result<DesignResult, RunError> {
    let result = single_run::run_design_traced(scenario, design, seed, trace)?;
    with_reliability(scenario, design, seed, result)
}

/// [`run_design`], calling `observe` as the run advances (see
/// [`single_run::run_design_observed`]).
pub fn run_design_observed(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    observe: &mut dyn FnMut(Progress),
) -> Result<DesignResult, RunError> {
    let result = single_run::run_design_observed(scenario, design, seed, observe)?;
    with_reliability(scenario, design, seed, result)
}

/// [`run_design`], also returning the ledger's accounting.
pub fn run_design_accounted(
    scenario: &Checked,
    design: &Design,
    seed: u64,
) -> Result<(DesignResult, Accounting), RunError> {
    let (result, accounting) = single_run::run_design_accounted(scenario, design, seed)?;
    Ok((
        with_reliability(scenario, design, seed, result)?,
        accounting,
    ))
}

/// [`run_design`] in single-step mode (see [`single_run::run_design_stepped`]).
pub fn run_design_stepped(
    scenario: &Checked,
    design: &Design,
    seed: u64,
    window: StepWindow,
    out: &mut dyn std::io::Write,
) -> Result<DesignResult, std::io::Error> {
    let result = single_run::run_design_stepped(scenario, design, seed, window, out)?;
    with_reliability(scenario, design, seed, result).map_err(std::io::Error::other)
}

/// Runs the designs named in `only` (all when empty), in file order, under `seed`.
pub fn run_scenario(
    scenario: &Checked,
    seed: u64,
    only: &[String],
) -> Result<RunResults, RunError> {
    let mut designs = Vec::new();
    for d in &scenario.designs {
        if only.is_empty() || only.contains(&d.name) {
            designs.push(run_design(scenario, d, seed).map_err(|e| RunError::Design {
                design: d.name.clone(),
                source: Box::new(e),
            })?);
        }
    }
    Ok(assemble(scenario, seed, designs))
}
