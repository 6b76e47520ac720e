//! One lab run from end to end ([`evaluate`]): run the node, check the history, build the
//! results and, around the first violation (or a chosen window), the space-time diagram
//! from a second run of the same seed with the message log on. And the command line of
//! the examples ([`Example`]): `cargo run --example NAME -- [options]`.

use crate::harness::{self, LabRun, RunOptions};
use crate::lamport::Diagram;
use crate::node::Node;
use crate::report;
use crate::setup::{Check, Contact, Setup};
use crate::verdict::{judge, LabVerdict};
use crate::workload::Workload;
use models::results::RunResults;
use sim_core::time::SimTime;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Most messages a diagram's run records.
const DIAGRAM_MESSAGES: usize = 20_000;

/// Everything one lab run produced.
pub struct Evaluation {
    /// The run.
    pub run: LabRun,
    /// The verdict.
    pub verdict: LabVerdict,
    /// The results, as `results.json` has them.
    pub results: RunResults,
    /// The diagram of the window around the first violation (or the chosen one).
    pub diagram: Option<Diagram>,
    /// Whether the diagram's second run had the same digest as the first (it must: the
    /// message log does not change what happens, and runs are deterministic).
    pub replayed_identically: Option<bool>,
}

/// Runs `N` under `setup` as design `design`, checks it, and draws the diagram of
/// `window_ns` or, when `None`, of the window around the first violation.
pub fn evaluate<N: Node>(
    setup: &Setup,
    design: &str,
    seed: Option<u64>,
    window_ns: Option<(u64, u64)>,
) -> Result<Evaluation, String> {
    let options = RunOptions {
        seed,
        ..RunOptions::default()
    };
    let run = harness::run::<N>(setup, &options, &mut std::io::sink())?;
    let verdict = judge(setup, &run);
    let results = crate::results::build(setup, &run, &verdict, design);
    let window = window_ns.or(verdict.window_ns);
    let (diagram, replayed_identically) = match window {
        Some((from, to)) => {
            let logged = RunOptions {
                seed,
                message_log: Some((SimTime(from), SimTime(to), DIAGRAM_MESSAGES)),
                ..RunOptions::default()
            };
            let second = harness::run::<N>(setup, &logged, &mut std::io::sink())?;
            let title = format!(
                "{design} under {} (seed {}): {}",
                setup.name, run.seed, verdict.summary
            );
            let d = report::diagram(setup, &second, &verdict, from, to, &title);
            (Some(d), Some(second.digest == run.digest))
        }
        None => (None, None),
    };
    Ok(Evaluation {
        run,
        verdict,
        results,
        diagram,
        replayed_identically,
    })
}

/// An example program: a node type, its workload and defaults, and the command line.
///
/// Options: `--seed N`, `--scenario FILE` (`--scenario none`: no faults), `--check
/// linearizable|sequential|converges`, `--window FROM_MS..TO_MS` (the diagram's window,
/// and with `--step` the events printed), `--step` (print every event as it is
/// processed), `--out DIR` (default `out/lab/NAME`), `--quiet` (the verdict line only).
/// Exit code 0 when the property holds, 1 when it is violated or unknown, 2 on bad input.
#[derive(Clone, Debug)]
pub struct Example {
    name: String,
    workload: Workload,
    scenario: Option<PathBuf>,
    contact: Contact,
    check: Check,
    replicas: Option<u32>,
}

struct Args {
    seed: Option<u64>,
    scenario: Option<Option<PathBuf>>,
    check: Option<Check>,
    window_ns: Option<(u64, u64)>,
    step: bool,
    out: Option<PathBuf>,
    quiet: bool,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut a = Args {
        seed: None,
        scenario: None,
        check: None,
        window_ns: None,
        step: false,
        out: None,
        quiet: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--seed" => {
                let v = value("--seed")?;
                a.seed = Some(
                    v.parse()
                        .map_err(|_| format!("--seed: not a number: {v}"))?,
                );
            }
            "--scenario" => {
                let v = value("--scenario")?;
                a.scenario = Some((v != "none").then(|| PathBuf::from(v)));
            }
            "--check" => {
                a.check = Some(match value("--check")?.as_str() {
                    "linearizable" => Check::Linearizable,
                    "sequential" => Check::Sequential,
                    "converges" => Check::Converges,
                    other => {
                        return Err(format!(
                            "--check: linearizable, sequential or converges, not {other}"
                        ))
                    }
                });
            }
            "--window" => {
                let v = value("--window")?;
                let parsed = v.split_once("..").and_then(|(x, y)| {
                    let x: f64 = x.parse().ok()?;
                    let y: f64 = y.parse().ok()?;
                    (x.is_finite() && y.is_finite() && 0.0 <= x && x < y)
                        .then_some(((x * 1e6) as u64, (y * 1e6) as u64))
                });
                a.window_ns =
                    Some(parsed.ok_or_else(|| {
                        format!("--window: FROM_MS..TO_MS with FROM < TO, not {v}")
                    })?);
            }
            "--step" => a.step = true,
            "--out" => a.out = Some(PathBuf::from(value("--out")?)),
            "--quiet" | "-q" => a.quiet = true,
            other => {
                return Err(format!(
                    "unknown option {other} (see the example's documentation)"
                ))
            }
        }
    }
    Ok(a)
}

impl Example {
    /// An example named `name` (its `cargo run --example` name) with this workload, run by
    /// default without faults, clients talking to their home replica, checked for
    /// linearizability.
    pub fn new(name: &str, workload: Workload) -> Example {
        Example {
            name: name.to_string(),
            workload,
            scenario: None,
            contact: Contact::Home,
            check: Check::Linearizable,
            replicas: None,
        }
    }

    /// Runs under this scenario file by default.
    pub fn scenario(mut self, path: &str) -> Example {
        self.scenario = Some(PathBuf::from(path));
        self
    }

    /// Which replica clients talk to.
    pub fn contact(mut self, contact: Contact) -> Example {
        self.contact = contact;
        self
    }

    /// The property checked by default.
    pub fn check(mut self, check: Check) -> Example {
        self.check = check;
        self
    }

    /// The number of replicas when no scenario sets it.
    pub fn replicas(mut self, n: u32) -> Example {
        self.replicas = Some(n);
        self
    }

    /// Parses the process's arguments, runs, prints, writes the report; the exit code.
    pub fn run<N: Node>(self) -> ExitCode {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let mut out = std::io::stdout().lock();
        match self.run_with::<N>(&args, &mut out) {
            Ok(holds) => ExitCode::from(u8::from(!holds)),
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        }
    }

    /// The setup this example runs under `args`.
    fn setup(&self, args: &Args) -> Result<Setup, String> {
        let scenario = match &args.scenario {
            Some(chosen) => chosen.clone(),
            None => self.scenario.clone(),
        };
        let mut setup = match &scenario {
            Some(path) => {
                Setup::from_scenario(path, self.workload.clone()).map_err(|e| e.to_string())?
            }
            None => {
                let mut s = Setup::new(self.workload.clone());
                if let Some(n) = self.replicas {
                    s.replicas = n;
                    s.home = (0..s.groups).map(|g| crate::ReplicaId(g % n)).collect();
                }
                s.name = "no faults".to_string();
                s
            }
        };
        setup.contact = self.contact;
        setup.check = args.check.unwrap_or(self.check);
        setup.validate()?;
        Ok(setup)
    }

    /// Runs with `args` (without the program name), printing to `out`; `Ok(true)` when
    /// the property holds.
    pub fn run_with<N: Node>(&self, args: &[String], out: &mut dyn Write) -> Result<bool, String> {
        let args = parse(args)?;
        let setup = self.setup(&args)?;
        let w = |e: std::io::Error| format!("cannot write: {e}");
        let seed = args.seed.unwrap_or(setup.seed);
        let mut replay = format!("cargo run --example {} --", self.name);
        if let Some(s) = &setup.source {
            replay.push_str(&format!(" --scenario {s}"));
        }
        replay.push_str(&format!(" --seed {seed}"));
        if args.step {
            let options = RunOptions {
                seed: Some(seed),
                step: true,
                step_window: args.window_ns.map(|(a, b)| (SimTime(a), SimTime(b))),
                ..RunOptions::default()
            };
            let run = harness::run::<N>(&setup, &options, out)?;
            let verdict = judge(&setup, &run);
            writeln!(
                out,
                "{}\ndigest {:016x}  events {}",
                verdict.summary, run.digest, run.events
            )
            .map_err(w)?;
            return Ok(verdict.holds());
        }
        let e = evaluate::<N>(&setup, &self.name, Some(seed), args.window_ns)?;
        let dir = args
            .out
            .clone()
            .unwrap_or_else(|| Path::new("out/lab").join(&self.name));
        let diagram_svg = e.diagram.as_ref().map(Diagram::svg);
        let charts = if setup.check == crate::Check::Converges {
            vec![report::convergence_chart(&setup, &e.run)]
        } else {
            Vec::new()
        };
        let files = report::write(
            &dir,
            &e.results,
            &e.verdict,
            diagram_svg.as_deref(),
            &charts,
            &replay,
        )?;
        if !args.quiet {
            writeln!(
                out,
                "lab {} · {} replicas, {} client groups × {} clients · {}",
                self.name,
                setup.replicas,
                setup.groups,
                setup.workload.clients_per_group,
                setup
                    .source
                    .as_deref()
                    .unwrap_or("no scenario file (no faults)")
            )
            .map_err(w)?;
            write!(out, "{}", reports::render_text(&e.results)).map_err(w)?;
            writeln!(out).map_err(w)?;
        }
        writeln!(out, "verdict: {}", e.verdict.summary).map_err(w)?;
        if !args.quiet {
            write!(out, "{}", e.verdict.details).map_err(w)?;
            if let (Some(d), Some(same)) = (&e.diagram, e.replayed_identically) {
                writeln!(
                    out,
                    "diagram: {} ({} ms to {} ms, {} messages{})",
                    dir.join("lamport.svg").display(),
                    d.from_ns / 1_000_000,
                    d.to_ns / 1_000_000,
                    d.arrows.len(),
                    if same {
                        ", replayed with the same digest"
                    } else {
                        "; WARNING: the replay's digest differs: the node is not deterministic"
                    }
                )
                .map_err(w)?;
            }
            if e.run.messages_evicted > 0 {
                writeln!(out, "note: the diagram's message log was full").map_err(w)?;
            }
            if e.run.world.bad_sends > 0 {
                writeln!(
                    out,
                    "note: the node sent {} messages to replicas that do not exist",
                    e.run.world.bad_sends
                )
                .map_err(w)?;
            }
            let shown: Vec<String> = files
                .iter()
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n == "results.json" || n == "index.html")
                })
                .map(|p| p.display().to_string())
                .collect();
            writeln!(out, "wrote {}", shown.join(", ")).map_err(w)?;
            writeln!(out, "replay: {replay}   (add --step to print every event)").map_err(w)?;
        }
        Ok(e.verdict.holds())
    }
}
