//! One lab run from end to end ([`evaluate`]): run the node, check the history, build the
//! results and, around the first violation (or a chosen window), the space-time diagram
//! from a second run of the same seed with the message log on. And [`Example`], the program
//! of the examples and of a student's crate, whose command line (`crate::cli`) is:
//!
//! ```text
//! cargo run --example NAME -- [OPTIONS]                 one run (the default)
//! cargo run --example NAME -- chaos --seeds 50 [OPTIONS]  many seeds under a nemesis
//! cargo run --example NAME -- grade --pack DIR [--seeds N] [--json F] [--junit F]
//! ```
//!
//! Run with `--help` for every option.

use crate::args::{contact_word, ChaosArgs, RunArgs};
use crate::chaos;
use crate::error::LabError;
use crate::harness::{self, seconds, LabRun, RunOptions};
use crate::lamport::Diagram;
use crate::nemesis::Nemesis;
use crate::node::{Node, ReplicaId};
use crate::report;
use crate::setup::{Check, Contact, Setup};
use crate::verdict::{judge, LabVerdict};
use crate::workload::Workload;
use models::results::RunResults;
use models::scenario::FaultSpec;
use sim_core::dist::Dist;
use sim_core::simulation::RunLimits;
use sim_core::time::SimTime;
use sim_core::twin::{twin_run_by, TwinVerdict};
use std::io::Write;
use std::path::{Path, PathBuf};

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
    /// When it did not: the first event at which two runs of the same seed differ, found
    /// by a twin run (see [`first_divergence`]).
    pub divergence: Option<String>,
}

/// Runs `N` under `setup` as design `design`, checks it, and draws the diagram of
/// `window_ns` or, when `None`, of the window around the first violation.
pub fn evaluate<N: Node>(
    setup: &Setup,
    design: &str,
    seed: Option<u64>,
    window_ns: Option<(u64, u64)>,
) -> Result<Evaluation, LabError> {
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
    let divergence = if replayed_identically == Some(false) {
        first_divergence::<N>(setup, run.seed)?
    } else {
        None
    };
    Ok(Evaluation {
        run,
        verdict,
        results,
        diagram,
        replayed_identically,
        divergence,
    })
}

/// Runs `N` twice under `setup` and `seed` in lockstep, comparing them after every event
/// (the engine's digest and what clients were told); `None` when they agree to the end,
/// else the first event at which they differ, with node names: a node whose behaviour
/// depends on something else than its inputs and its `ctx.rng()` (a `HashMap`'s order,
/// the wall clock, a global counter, a thread-local random number generator).
pub fn first_divergence<N: Node>(setup: &Setup, seed: u64) -> Result<Option<String>, LabError> {
    harness::build::<N>(setup, seed)?;
    let names = setup.node_names();
    let limits = RunLimits {
        until: SimTime(sim_core::time::SimDuration::from_secs_f64(setup.duration_s).as_nanos()),
        max_events: setup.max_events,
    };
    let verdict = twin_run_by(
        || match harness::build::<N>(setup, seed) {
            Ok(sim) => sim,
            // Built once above with the same arguments: it cannot fail now.
            Err(e) => unreachable!("{e}"),
        },
        limits,
        |sim| sim_core::digest::fold(sim.digest(), sim.world().observed_digest),
    );
    let TwinVerdict::Diverged(d) = verdict else {
        return Ok(None);
    };
    let show = |r: &Option<sim_core::simulation::EventRecord>| match r {
        Some(r) => {
            let node = r.target.map_or("engine".to_string(), |n| {
                names.get(n.index()).cloned().unwrap_or_default()
            });
            let from = r.source.map_or(String::new(), |n| {
                format!(
                    " from {}",
                    names.get(n.index()).cloned().unwrap_or_default()
                )
            });
            format!(
                "{} at {}: {}{from}: {}",
                node,
                seconds(r.time.as_nanos()),
                r.kind,
                r.detail
            )
        }
        None => "(the run had ended)".to_string(),
    };
    let node = d
        .first
        .as_ref()
        .or(d.second.as_ref())
        .and_then(|r| r.target)
        .map_or("the engine".to_string(), |n| {
            names.get(n.index()).cloned().unwrap_or_default()
        });
    Ok(Some(format!(
        "two runs of seed {seed} part at event #{} (in {node}): a node is not deterministic\n  \
         first run:  {}\n  second run: {}\n  (this event's handler, or the node that sent \
         what it received, used something else than its state, its input and ctx.rng(): a \
         HashMap's order, the wall clock, a global)",
        d.index,
        show(&d.first),
        show(&d.second)
    )))
}

/// An example program: a node type, its workload and defaults, and the command line.
///
/// Exit code 0 when the property holds (every seed, every check), 1 when it is violated
/// or unknown, 2 on bad input.
#[derive(Clone, Debug)]
pub struct Example {
    name: String,
    command: String,
    workload: Workload,
    scenario: Option<String>,
    contact: Contact,
    check: Check,
    replicas: Option<u32>,
}

impl Example {
    /// An example named `name` (its `cargo run --example` name) with this workload, run by
    /// default without faults, clients talking to their home replica, checked for
    /// linearizability.
    pub fn new(name: &str, workload: Workload) -> Example {
        Example {
            name: name.to_string(),
            command: format!("cargo run --example {name} --"),
            workload,
            scenario: None,
            contact: Contact::Home,
            check: Check::Linearizable,
            replicas: None,
        }
    }

    /// The command that runs this program, for replay lines (default `cargo run --example
    /// NAME --`; a student's crate: `cargo run --`).
    pub fn command(mut self, command: &str) -> Example {
        self.command = command.to_string();
        self
    }

    /// Runs under this scenario by default: a file, or a bundled scenario's name.
    pub fn scenario(mut self, path_or_name: &str) -> Example {
        self.scenario = Some(path_or_name.to_string());
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

    /// The example's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The setup of `a` before any nemesis: the scenario (the example's by default), the
    /// check, the contact rule, the duration.
    pub fn base_setup(&self, a: &RunArgs) -> Result<Setup, LabError> {
        let scenario = a.scenario.clone().or_else(|| self.scenario.clone());
        let mut setup = match scenario.as_deref() {
            Some("none") | None => {
                let mut s = Setup::new(self.workload.clone());
                if let Some(n) = self.replicas {
                    s.replicas = n;
                    s.home = (0..s.groups).map(|g| ReplicaId(g % n)).collect();
                }
                s.name = "no faults".to_string();
                s
            }
            Some(path) => Setup::load(path, self.workload.clone())?,
        };
        setup.contact = a.contact.unwrap_or(self.contact);
        setup.check = a.check.map_or(self.check, Check::from);
        if let Some(k) = a.keys {
            match &mut setup.workload.data {
                crate::workload::DataType::Register { keys, .. }
                | crate::workload::DataType::KafkaLog { keys, .. } => *keys = k,
                _ => return Err(LabError::NoKeys),
            }
        }
        if let Some(d) = a.duration {
            if !(d.is_finite() && d > 0.0) {
                return Err(LabError::BadDuration(d));
            }
            // Updates stop as long before the end as they did (a convergence check needs
            // the quiet time), but not before half of the run.
            if let Some(u) = setup.workload.updates_until_s {
                let before_end = (setup.duration_s - u).max(0.0);
                setup.workload.updates_until_s = Some((d - before_end).max(d / 2.0));
            }
            setup.duration_s = d;
            setup.warmup_s = setup.warmup_s.min(d / 10.0);
        }
        setup.validate()?;
        Ok(setup)
    }

    /// The nemesis of `a`: `--nemesis` words (or `default` when none are given), then the
    /// numbers that refine them.
    pub fn nemesis(a: &RunArgs, default: &str) -> Result<Nemesis, LabError> {
        let mut n = Nemesis::parse(a.nemesis.as_deref().unwrap_or(default))?;
        if let Some(ms) = a.latency_ms {
            if !(ms.is_finite() && ms > 0.0) {
                return Err(LabError::BadLatencyMean(ms));
            }
            n.latency_ms = Some(Dist::exponential(ms));
        }
        if a.loss.is_some() {
            n.loss = a.loss;
        }
        if a.duplicate.is_some() {
            n.duplicate = a.duplicate;
        }
        if let Some(r) = a.fault_rate {
            n.rate_per_min = r;
        }
        n.amnesia |= a.amnesia;
        n.validate()?;
        Ok(n)
    }

    /// The faults of `--faults FILE`, checked against `setup`'s nodes.
    pub fn faults_file(a: &RunArgs, setup: &Setup) -> Result<Option<Vec<FaultSpec>>, LabError> {
        let Some(path) = &a.faults else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path).map_err(|source| LabError::Read {
            path: path.clone(),
            source,
        })?;
        let faults: Vec<FaultSpec> =
            serde_json::from_str(&text).map_err(|source| LabError::InvalidFaults {
                path: path.clone(),
                source,
            })?;
        let only = Setup {
            faults: faults.clone(),
            ..setup.clone()
        };
        only.validate().map_err(|e| LabError::InFile {
            path: path.clone(),
            source: Box::new(e),
        })?;
        Ok(Some(faults))
    }

    /// The replay line of a run of `a` under `seed`, with `faults` instead of `--faults`.
    pub fn replay_line(&self, a: &RunArgs, seed: u64, faults: Option<&Path>) -> String {
        let mut line = self.command.clone();
        let scenario = a
            .scenario
            .clone()
            .or_else(|| self.scenario.clone())
            .unwrap_or_else(|| "none".to_string());
        line.push_str(&format!(" --scenario {scenario}"));
        if let Some(c) = a.check {
            line.push_str(&format!(" --check {}", c.word()));
        }
        if let Some(c) = a.contact {
            line.push_str(&format!(" --contact {}", contact_word(c)));
        }
        if let Some(d) = a.duration {
            line.push_str(&format!(" --duration {d}"));
        }
        if let Some(k) = a.keys {
            line.push_str(&format!(" --keys {k}"));
        }
        if let Some(n) = &a.nemesis {
            line.push_str(&format!(" --nemesis {n}"));
        }
        for (name, v) in [
            ("--latency-ms", a.latency_ms),
            ("--loss", a.loss),
            ("--duplicate", a.duplicate),
            ("--fault-rate", a.fault_rate),
        ] {
            if let Some(v) = v {
                line.push_str(&format!(" {name} {v}"));
            }
        }
        if a.amnesia {
            line.push_str(" --amnesia");
        }
        if let Some(f) = faults.or(a.faults.as_deref()) {
            line.push_str(&format!(" --faults {}", f.display()));
        }
        line.push_str(&format!(" --seed {seed}"));
        line
    }

    /// The setup of one run of `a` under `seed`: the base, the nemesis, the faults file, and
    /// a description of it all for the report.
    pub fn setup_for(
        &self,
        a: &RunArgs,
        default_nemesis: &str,
        seed: u64,
    ) -> Result<Setup, LabError> {
        let base = self.base_setup(a)?;
        let nemesis = Example::nemesis(a, default_nemesis)?;
        let faults = Example::faults_file(a, &base)?;
        let mut setup = nemesis.apply(&base, seed, faults.as_deref());
        setup.description = self.describe(&setup, &nemesis);
        setup.validate()?;
        Ok(setup)
    }

    /// What a run is, for the report's Scenario section.
    pub fn describe(&self, setup: &Setup, nemesis: &Nemesis) -> String {
        let n = setup.replicas;
        let contact = match setup.contact {
            Contact::Home => {
                let homes: Vec<String> = setup
                    .home
                    .iter()
                    .enumerate()
                    .map(|(g, r)| {
                        format!("{}#{g} → {}#{}", setup.group_name, setup.store_name, r.0)
                    })
                    .collect();
                format!("each group to its home replica ({})", homes.join(", "))
            }
            Contact::Fixed(r) => format!("every client to {}#{}", setup.store_name, r.0),
            Contact::Random => "each request to a replica drawn at random".to_string(),
            Contact::Sticky => format!(
                "each client to one replica (client i to {}#(i mod {n}))",
                setup.store_name
            ),
        };
        let w = &setup.workload;
        let link = &setup.link;
        format!(
            "Lab run of {}: {n} replica{} ({s}#0..{s}#{}) running your node; {} client group{} \
             ({g}#0..{g}#{}) of {} clients each, one request at a time (think time {} ms, \
             timeout {} ms), {contact}; workload: {}. Network: latency {}, loss {}, \
             duplication {} between replicas. Faults: {} from {}{}; nemesis: {}{}. Checked: {}, \
             from the clients' history only. {} simulated seconds.",
            self.name,
            if n == 1 { "" } else { "s" },
            n - 1,
            setup.groups,
            if setup.groups == 1 { "" } else { "s" },
            setup.groups - 1,
            w.clients_per_group,
            w.think_ms,
            w.timeout_ms,
            crate::workload::describe(w),
            crate::nemesis::dist_text(&link.latency_ms),
            link.loss,
            link.duplicate,
            setup.faults.len(),
            setup
                .source
                .as_deref()
                .map_or("no scenario file".to_string(), |s| format!("scenario {s}")),
            if nemesis.kinds.is_empty() {
                ""
            } else {
                " and the nemesis"
            },
            nemesis.summary(),
            if setup.amnesia {
                " (crashes lose the durable state)"
            } else {
                ""
            },
            setup.check.property(),
            setup.duration_s,
            s = setup.store_name,
            g = setup.group_name,
        )
    }

    pub(crate) fn run_once<N: Node>(
        &self,
        a: &RunArgs,
        out: &mut dyn Write,
    ) -> Result<bool, LabError> {
        let w = LabError::output;
        let base = self.base_setup(a)?;
        let seed = a.seed.unwrap_or(base.seed);
        let setup = self.setup_for(a, "none", seed)?;
        let replay = self.replay_line(a, seed, None);
        if a.state.is_some() && !a.step {
            return Err(LabError::StateWithoutStep);
        }
        if a.step {
            let watch = match &a.state {
                Some(name) => Some(replica_named(&setup, name)?),
                None => None,
            };
            let options = RunOptions {
                seed: Some(seed),
                step: true,
                step_window: a.window.map(|(x, y)| (SimTime(x), SimTime(y))),
                watch,
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
        let e = evaluate::<N>(&setup, &self.name, Some(seed), a.window)?;
        let dir = a
            .out
            .clone()
            .unwrap_or_else(|| Path::new("out/lab").join(&self.name));
        let files = self.write_report(&dir, &setup, &e, &replay)?;
        if !a.quiet {
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
                    .map_or("no scenario file (no faults)".to_string(), |s| format!(
                        "scenario {s}"
                    ))
            )
            .map_err(w)?;
            write!(out, "{}", reports::render_text(&e.results)).map_err(w)?;
            writeln!(out).map_err(w)?;
        }
        writeln!(out, "verdict: {}", e.verdict.summary).map_err(w)?;
        if !a.quiet {
            self.print_details::<N>(out, &setup, &e, &dir, &files, &replay)?;
        }
        Ok(e.verdict.holds())
    }

    /// Writes the report of `e` into `dir` (no stale diagram of an earlier run is left).
    fn write_report(
        &self,
        dir: &Path,
        setup: &Setup,
        e: &Evaluation,
        replay: &str,
    ) -> Result<Vec<PathBuf>, LabError> {
        let diagram_svg = e.diagram.as_ref().map(Diagram::svg);
        let charts = if setup.check == Check::Converges {
            vec![report::convergence_chart(setup, &e.run)]
        } else {
            Vec::new()
        };
        report::write(
            dir,
            &e.results,
            &e.verdict,
            diagram_svg.as_deref(),
            &charts,
            replay,
        )
    }

    /// The counter-example, the panic, the diagram, the notes, the files and the replay line.
    fn print_details<N: Node>(
        &self,
        out: &mut dyn Write,
        setup: &Setup,
        e: &Evaluation,
        dir: &Path,
        files: &[PathBuf],
        replay: &str,
    ) -> Result<(), LabError> {
        let w = LabError::output;
        write!(out, "{}", e.verdict.details).map_err(w)?;
        if let Some(p) = &e.run.world.panic {
            writeln!(out, "panic: {p}").map_err(w)?;
            if let Some(line) = harness::panicking_event::<N>(setup, e.run.seed, p) {
                writeln!(out, "  during event {}", line.trim()).map_err(w)?;
            }
            let ms = p.at_ns as f64 / 1e6;
            writeln!(
                out,
                "  see it event by event: {replay} --step --window {:.3}..{:.3} --state {}",
                (ms - 5.0).max(0.0),
                ms + 0.001,
                p.node
            )
            .map_err(w)?;
        }
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
        if let Some(d) = &e.divergence {
            writeln!(out, "{d}").map_err(w)?;
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
        Ok(())
    }

    pub(crate) fn chaos<N: Node>(
        &self,
        c: &ChaosArgs,
        out: &mut dyn Write,
    ) -> Result<bool, LabError> {
        let w = LabError::output;
        let a = &c.run;
        if a.seed.is_some() || a.step || a.state.is_some() || a.window.is_some() {
            return Err(LabError::ChaosSingleRunOptions);
        }
        if c.seeds == 0 {
            return Err(LabError::ZeroSeeds);
        }
        // The nemesis defaults to everything; the replay lines must say so.
        let mut a = a.clone();
        if a.nemesis.is_none() {
            a.nemesis = Some("all".to_string());
        }
        let base = self.base_setup(&a)?;
        let nemesis = Example::nemesis(&a, "all")?;
        let fixed = Example::faults_file(&a, &base)?;
        let dir = a
            .out
            .clone()
            .unwrap_or_else(|| Path::new("out/lab").join(&self.name));
        writeln!(
            out,
            "chaos {} · seeds {}..={} · {} · nemesis: {} · {} s each",
            self.name,
            c.first_seed,
            c.first_seed + c.seeds - 1,
            base.source
                .as_deref()
                .map_or("no scenario file".to_string(), |s| format!(
                    "scenario {s} (its own faults too)"
                )),
            nemesis.summary(),
            base.duration_s
        )
        .map_err(w)?;
        let seeds = c.first_seed..c.first_seed.saturating_add(c.seeds);
        let mut failed = Vec::new();
        let mut unknown = Vec::new();
        let results = chaos::run_seeds::<N>(&base, &nemesis, fixed.as_deref(), seeds, &mut |r| {
            if r.failed() {
                failed.push(r.seed);
            } else if r.word == "unknown" {
                unknown.push(r.seed);
            }
            if !a.quiet {
                let _ = writeln!(
                    out,
                    "  seed {:<6} {:<9} {} faults  {}",
                    r.seed, r.word, r.faults, r.summary
                );
            }
        })?;
        let list = |v: &[u64]| {
            let mut s: Vec<String> = v.iter().take(20).map(u64::to_string).collect();
            if v.len() > 20 {
                s.push("…".to_string());
            }
            s.join(", ")
        };
        writeln!(
            out,
            "result: {} of {} seeds failed{}{}",
            failed.len(),
            results.len(),
            if failed.is_empty() {
                String::new()
            } else {
                format!(" (seeds {})", list(&failed))
            },
            if unknown.is_empty() {
                String::new()
            } else {
                format!("; {} unknown (seeds {})", unknown.len(), list(&unknown))
            }
        )
        .map_err(w)?;
        let Some(first) = results.iter().find(|r| r.failed()) else {
            return Ok(unknown.is_empty());
        };
        // Shrink the first failing seed's generated faults (a fixed list from --faults is
        // shrunk the same way).
        let seed = first.seed;
        let generated = match &fixed {
            Some(f) => f.clone(),
            None => nemesis.schedule(&base, seed),
        };
        let shrunk = chaos::shrink::<N>(
            &base,
            &nemesis,
            seed,
            &generated,
            first.word,
            c.shrink_budget,
        )?;
        writeln!(
            out,
            "first failing seed {seed}: {} of its {} faults still fail it ({} reruns{}):",
            shrunk.faults.len(),
            generated.len(),
            shrunk.runs,
            if shrunk.budget_exhausted {
                ", shrinking budget exhausted"
            } else {
                ""
            }
        )
        .map_err(w)?;
        for f in &shrunk.faults {
            writeln!(out, "  {}", models::chaos::describe(f)).map_err(w)?;
        }
        std::fs::create_dir_all(&dir).map_err(|source| LabError::CreateDir {
            path: dir.clone(),
            source,
        })?;
        let faults_path = dir.join(format!("seed-{seed}.faults.json"));
        let json =
            serde_json::to_string_pretty(&shrunk.faults).map_err(|source| LabError::Serialise {
                what: "faults",
                source,
            })?;
        std::fs::write(&faults_path, json + "\n").map_err(|source| LabError::Write {
            path: faults_path.clone(),
            source,
        })?;
        let mut replay_args = a.clone();
        replay_args.faults = Some(faults_path.clone());
        let setup = self.setup_for(&replay_args, "all", seed)?;
        let replay = self.replay_line(&a, seed, Some(&faults_path));
        let e = evaluate::<N>(&setup, &self.name, Some(seed), None)?;
        let files = self.write_report(&dir, &setup, &e, &replay)?;
        writeln!(out, "verdict: {}", e.verdict.summary).map_err(w)?;
        self.print_details::<N>(out, &setup, &e, &dir, &files, &replay)?;
        writeln!(
            out,
            "the unshrunk run: {}",
            self.replay_line(&a, seed, None)
        )
        .map_err(w)?;
        Ok(false)
    }
}

/// The replica a `--state` argument names (`kv#2`).
fn replica_named(setup: &Setup, name: &str) -> Result<ReplicaId, LabError> {
    match setup.resolve(name) {
        Ok(nodes) if nodes.len() == 1 && nodes[0] < setup.replicas as usize => {
            Ok(ReplicaId(nodes[0] as u32))
        }
        Ok(_) => Err(LabError::NotOneReplica {
            name: name.to_string(),
            store: setup.store_name.clone(),
            replicas: setup.replicas,
        }),
        Err(e) => Err(LabError::State(Box::new(e))),
    }
}
