//! The command line of the examples and of a student's crate: parse, dispatch to one run,
//! `chaos` or `grade`, and the exit code.

use crate::args::{ChaosArgs, GradeArgs, RunArgs};
use crate::error::LabError;
use crate::example::Example;
use crate::grade;
use crate::harness;
use crate::node::Node;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::process::ExitCode;

#[derive(Subcommand, Clone, Debug)]
enum Command {
    /// Run the node over many seeds under a nemesis; shrink the first failing seed's
    /// faults, report it with its counter-example, diagram and replay line.
    Chaos(ChaosArgs),
    /// Grade the node against a pack of checks × seeds: safety all-or-nothing,
    /// availability against thresholds; JSON and JUnit.
    Grade(GradeArgs),
}

#[derive(Parser, Clone, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    disable_version_flag = true,
    about = "A lab node: one run under a scenario (the default), many seeds under a \
             nemesis (chaos), or a grading pack (grade)",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    run: RunArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

impl Example {
    /// Parses the process's arguments, runs, prints, writes the report; the exit code.
    pub fn run<N: Node>(self) -> ExitCode {
        harness::quiet_node_panics();
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut out = std::io::stdout().lock();
        match self.run_with::<N>(&args, &mut out) {
            Ok(holds) => ExitCode::from(u8::from(!holds)),
            Err(LabError::ClosedOutput) => ExitCode::SUCCESS,
            Err(e) => {
                let e = e.to_string();
                let e = e.trim_end();
                if e.starts_with("error:") {
                    eprintln!("{e}");
                } else {
                    eprintln!("error: {e}");
                }
                ExitCode::from(2)
            }
        }
    }

    /// Runs with `args` (without the program name), printing to `out`; `Ok(true)` when
    /// the property holds.
    pub fn run_with<N: Node>(
        &self,
        args: &[String],
        out: &mut dyn Write,
    ) -> Result<bool, LabError> {
        let argv = std::iter::once(self.name().to_string()).chain(args.iter().cloned());
        let cli = match Cli::try_parse_from(argv) {
            Ok(cli) => cli,
            Err(e) if !e.use_stderr() => {
                // --help
                write!(out, "{e}").map_err(LabError::output)?;
                return Ok(true);
            }
            Err(e) => return Err(LabError::CommandLine(e)),
        };
        match cli.command {
            None => self.run_once::<N>(&cli.run, out),
            Some(Command::Chaos(c)) => self.chaos::<N>(&c, out),
            Some(Command::Grade(g)) => grade::grade_command::<N>(self, &g, out),
        }
    }
}
