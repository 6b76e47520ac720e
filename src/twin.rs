//! `caplab twin`: a design run twice in lockstep, compared event by event, naming the first
//! divergence (nondeterminism inside a model: iteration over a hash map, a clock read, a
//! shared random stream).

use models::error::RunError;
use models::plan::Checked;
use models::scenario::Design;
use sim_core::simulation::RunLimits;
use sim_core::twin::TwinVerdict;

/// Runs `design` of `scenario` under `seed` twice in lockstep to the end of the run (within
/// its event limit) and returns the verdict.
pub fn twin_design(
    scenario: &Checked,
    design: &Design,
    seed: u64,
) -> Result<TwinVerdict, RunError> {
    // Built once here, so that a design that cannot be built is an error, not a panic in
    // the lockstep run; the second copy is built the same way and cannot fail where the
    // first did not.
    let first = models::run::build(scenario, design, seed)?;
    let limits = RunLimits {
        until: first.plan.end,
        max_events: scenario.limits.max_events,
    };
    let spare = std::cell::RefCell::new(Some(first.sim));
    let build = || match spare.borrow_mut().take() {
        Some(sim) => sim,
        None => match models::run::build(scenario, design, seed) {
            Ok(run) => run.sim,
            Err(e) => unreachable!("the design built once already: {e}"),
        },
    };
    Ok(sim_core::twin::twin_run_by(
        build,
        limits,
        models::run::run_digest,
    ))
}
