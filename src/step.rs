//! `caplab run FILE --step`: replay a run one event at a time, printing each event as it
//! is processed (index, instant, node, kind, sender, payload), for reading what a failing
//! seed did or for stopping under a debugger at the event where it goes wrong.
//!
//! The run is the plain run: the same events in the same order, so the digest printed
//! after each design is the digest `caplab run` writes into `results.json`. Nothing is
//! written to disk.

use crate::{load, EXIT_FAILURE, EXIT_INPUT};
use sim_core::step::StepWindow;
use sim_core::time::{SimDuration, SimTime};
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::ExitCode;

/// What `caplab run --step` was asked for.
pub struct StepOptions {
    /// Seed overriding the scenario's.
    pub seed: Option<u64>,
    /// Only these designs (all when empty).
    pub designs: Vec<String>,
    /// Print only the events processed at or after this instant, in seconds.
    pub from_s: Option<f64>,
    /// Print only the events processed at or before this instant, in seconds.
    pub to_s: Option<f64>,
    /// The point of the scenario's sweep to run.
    pub point: Option<usize>,
}

/// Runs the selected designs of `file` in single-step mode, printing to standard output.
pub fn step(file: &Path, options: &StepOptions) -> ExitCode {
    let window = match window(options.from_s, options.to_s) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let scenario = match options.point {
        None => scenario,
        Some(p) => match crate::at_point(&scenario, p) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: --point {p}: {e}", file.display());
                return ExitCode::from(EXIT_INPUT);
            }
        },
    };
    if let Err(code) = crate::known_designs(file, &scenario, &options.designs) {
        return code;
    }
    let seed = options.seed.unwrap_or(scenario.seed);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for design in &scenario.designs {
        if !options.designs.is_empty() && !options.designs.contains(&design.name) {
            continue;
        }
        let done = writeln!(out, "design {} (seed {seed})", design.name).and_then(|()| {
            let result =
                models::run::run_design_stepped(&scenario, design, seed, window, &mut out)?;
            writeln!(
                out,
                "design {}: {} events, stop {}, digest {}\n",
                design.name, result.events, result.stop, result.digest
            )
        });
        match done {
            Ok(()) => {}
            // `caplab run --step ... | head`: the reader has seen enough.
            Err(e) if e.kind() == ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
            Err(e) => {
                let _ = out.flush();
                eprintln!("{}: design {}: {e}", file.display(), design.name);
                return ExitCode::from(EXIT_FAILURE);
            }
        }
    }
    match out.flush() {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => {
            eprintln!("error: cannot write: {e}");
            ExitCode::from(EXIT_FAILURE)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// The instants printed, from `--from-s`/`--to-s` (each optional).
fn window(from_s: Option<f64>, to_s: Option<f64>) -> Result<StepWindow, String> {
    let instant = |flag: &str, s: f64| {
        if s.is_finite() && s >= 0.0 {
            Ok(SimTime(SimDuration::from_secs_f64(s).as_nanos()))
        } else {
            Err(format!("{flag} must be a number of seconds >= 0, got {s}"))
        }
    };
    let from = from_s.map_or(Ok(SimTime::ZERO), |s| instant("--from-s", s))?;
    let to = to_s.map_or(Ok(SimTime::MAX), |s| instant("--to-s", s))?;
    if from > to {
        return Err(format!(
            "--from-s ({}) is after --to-s ({})",
            from_s.unwrap_or(0.0),
            to_s.unwrap_or(0.0)
        ));
    }
    Ok(StepWindow::new(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_inclusive_and_defaults_to_the_whole_run() {
        assert_eq!(window(None, None), Ok(StepWindow::ALL));
        let w = window(Some(1.5), Some(2.0)).expect("valid");
        assert_eq!(
            (w.from, w.to),
            (SimTime(1_500_000_000), SimTime(2_000_000_000))
        );
        assert_eq!(window(Some(3.0), None).map(|w| w.to), Ok(SimTime::MAX));
    }

    #[test]
    fn a_bad_window_names_the_flag() {
        assert!(window(Some(-1.0), None)
            .unwrap_err()
            .contains("--from-s must be"));
        assert!(window(None, Some(f64::NAN)).unwrap_err().contains("--to-s"));
        assert!(window(Some(2.0), Some(1.0))
            .unwrap_err()
            .contains("is after --to-s"));
    }
}
