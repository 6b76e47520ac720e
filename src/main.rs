//! The `caplab` command line: parse, run, report. Only this crate touches files, the
//! terminal and the wall clock.

/// `print!` that never panics: see [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::write_stdout(format_args!($($arg)*)) };
}

/// `println!` that never panics: see [`write_stdout`].
macro_rules! outln {
    () => { $crate::write_stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

mod bench;
mod chaos;
mod check;
mod progress;
mod step;
mod sweep;
mod trace;

use caplab::{golden, pipeline, replicate};
use clap::{Parser, Subcommand, ValueEnum};
use models::plan::Checked;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Deterministic discrete-event simulator of distributed-system architectures: run a
/// scenario's designs against the same workload and faults, with a seed, and compare them.
#[derive(Parser)]
#[command(name = "caplab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: every design (or those given) under one seed; print tables, write results.
    Run {
        /// The scenario: a file (JSON) or a bundled scenario's name (`caplab list`).
        file: PathBuf,
        /// Seed overriding the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Run only this design (repeatable).
        #[arg(long = "design", value_name = "NAME")]
        designs: Vec<String>,
        /// Directory for results.json and the CSV files (default: out/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// What to print on standard output.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Print results.json on standard output (the same as --format json), for scripts.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Print nothing on success (files are still written).
        #[arg(long, short)]
        quiet: bool,
        /// Independent replications per design: seeds derived from the run's seed
        /// (replication 0 is the seed itself); writes replications.json with means and 95%
        /// confidence intervals, and paired differences between designs.
        #[arg(long, value_name = "K", default_value_t = 1)]
        replications: u64,
        /// Runs in parallel (default: every core); the output does not depend on it.
        #[arg(long, value_name = "N", default_value_t = 0)]
        jobs: usize,
        /// Also write the report (index.html, report.md, charts/) into this directory.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Also run each design twice in lockstep and name the first event where the two
        /// runs differ, if any (exit code 1 then).
        #[arg(long)]
        check_determinism: bool,
        /// Golden results: fail (exit code 1) when results.json differs from this file
        /// (digest or any metric; the caplab version aside), naming what changed.
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
        /// With --expect: write the results into that file instead of comparing.
        #[arg(long, requires = "expect")]
        bless: bool,
        /// Run the scenario at this point of its sweep (to replay a row of `caplab sweep`).
        #[arg(long, value_name = "P")]
        point: Option<usize>,
        /// Single-step mode: print each event as it is processed (index, instant, node,
        /// kind, sender, payload), then each design's digest; writes no files.
        #[arg(long, conflicts_with_all = ["replications", "report", "check_determinism", "expect", "json", "format", "out", "quiet"])]
        step: bool,
        /// With --step: print only the events at or after this instant (seconds).
        #[arg(long, value_name = "S", requires = "step")]
        from_s: Option<f64>,
        /// With --step: print only the events at or before this instant (seconds).
        #[arg(long, value_name = "S", requires = "step")]
        to_s: Option<f64>,
    },
    /// Run every point of a scenario's `sweep` × design × replication; write one table.
    Sweep {
        /// The scenario (a file or a bundled name), with a `sweep`.
        file: PathBuf,
        /// Replications per point and design (default: the file's `sweep.replications`).
        #[arg(long, value_name = "K")]
        replications: Option<u64>,
        /// Seed overriding the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// Runs in parallel (default: every core); the output does not depend on it.
        #[arg(long, value_name = "N", default_value_t = 0)]
        jobs: usize,
        /// Output directory (default: out/<scenario name>/sweep).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run only shard K of N (0-based): the points i with i % N == K.
        #[arg(long, value_name = "K/N")]
        shard: Option<String>,
        /// Keep the rows already in the output directory and run only the missing ones.
        #[arg(long)]
        resume: bool,
        /// Print nothing on success, draw no progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Join the output directories of `caplab sweep --shard` runs into one, as a single run
    /// writes it.
    Merge {
        /// Output directory.
        out: PathBuf,
        /// The shards' output directories.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run every design under N seeds of the file's chaos schedule and check every invariant;
    /// on a violation, print the seed, a shrunk schedule and the command that replays it
    /// (exit code 1).
    Chaos {
        /// The scenario, a file or a bundled name (with a `chaos` section; without one, its own faults only).
        file: PathBuf,
        /// Seeds per design (default: the file's `chaos.runs`, or 1 without chaos).
        #[arg(long, value_name = "N")]
        runs: Option<u32>,
        /// First seed (default: the file's); the others derive from it.
        #[arg(long)]
        seed: Option<u64>,
        /// Only this design (repeatable).
        #[arg(long = "design", value_name = "NAME")]
        designs: Vec<String>,
        /// Runs in parallel (default: every core); the output does not depend on it.
        #[arg(long, value_name = "N", default_value_t = 0)]
        jobs: usize,
        /// Output directory (default: out/<scenario name>/chaos).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Most reruns spent shrinking one counter-example.
        #[arg(long, value_name = "N", default_value_t = 300)]
        shrink_budget: usize,
        /// Print only failures.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Run the scenarios' assertions; exit code 1 on any violation.
    Check {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Replications per design (default: the most any assertion asks for).
        #[arg(long, value_name = "K")]
        replications: Option<u64>,
        /// Runs in parallel (default: every core).
        #[arg(long, value_name = "N", default_value_t = 0)]
        jobs: usize,
        /// Also write a JUnit XML report here.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        /// Print only the failures.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Write the report (index.html, report.md, charts/) of a results directory.
    Report {
        /// The directory holding results.json (and replications.json and the
        /// spacetime-<design>.json message windows, if any).
        results_dir: PathBuf,
        /// Where to write the report (default: the results directory).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print nothing on success.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Show the differences between two runs (two commits of a design, two seeds).
    Compare {
        /// Run A: a results.json or the directory holding it.
        a: PathBuf,
        /// Run B: a results.json or the directory holding it.
        b: PathBuf,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check scenario files without running them; exit code 2 on any problem.
    Validate {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of scenario files (for editors: reference it with "$schema").
    Schema,
    /// List the bundled scenarios (runnable by name from any directory: `caplab run
    /// cap-partition`) with their descriptions and designs.
    List {
        /// List the scenario files (*.json) of this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Trace requests: print the waterfall of one request (or of the slowest or first
    /// failed ones) and write them as Chrome trace-event and OTLP JSON.
    #[command(group(clap::ArgGroup::new("pick").required(true).args(["request", "slowest", "failed"])))]
    Trace {
        /// The scenario: a file (JSON) or a bundled scenario's name (`caplab list`).
        file: PathBuf,
        /// Trace only this design (repeatable).
        #[arg(long = "design", value_name = "NAME")]
        designs: Vec<String>,
        /// Seed overriding the scenario's.
        #[arg(long)]
        seed: Option<u64>,
        /// The request with this number (0 = the first issued, warm-up included).
        #[arg(long, value_name = "N")]
        request: Option<u64>,
        /// The K slowest requests.
        #[arg(long, value_name = "K")]
        slowest: Option<usize>,
        /// The first K requests that failed.
        #[arg(long, value_name = "K")]
        failed: Option<usize>,
        /// Write the traces shown as Chrome trace-event JSON (Perfetto, chrome://tracing).
        #[arg(long, value_name = "OUT.json")]
        chrome: Option<PathBuf>,
        /// Write the traces shown as OTLP JSON (OpenTelemetry).
        #[arg(long, value_name = "OUT.json")]
        otlp: Option<PathBuf>,
        /// Columns of the timeline bar.
        #[arg(long, default_value_t = 40)]
        width: usize,
    },
    /// Measure the engine against a bare BinaryHeap loop doing the same work.
    Bench {
        /// Multiplier on the work of each model (1.0 = full size).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Rounds per model; the median is reported.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Also run the scenario benchmarks (1,000,000 requests each).
        #[arg(long)]
        scenarios: bool,
        /// Also time the linearizability checker on a correct 100,000-operation history
        /// over 1,000 keys.
        #[arg(long)]
        checker: bool,
        /// Also time S11's reliability fast mode against the full request-level simulation
        /// of the same failures over `--scale` simulated days.
        #[arg(long)]
        reliability: bool,
        /// Also measure tracing's cost: the request/response scenarios stretched to a
        /// million requests, tracing off against on at 1%, alternating.
        #[arg(long)]
        tracing: bool,
        /// Run only this model, once, on one side (`--side`), and print what it did: for
        /// measuring peak memory with `/usr/bin/time -v` (hold-1k, hold-100k, mmc, mmc-net,
        /// timers).
        #[arg(long, value_name = "MODEL")]
        only: Option<String>,
        /// The side `--only` runs: engine or bare.
        #[arg(long, default_value = "engine", requires = "only")]
        side: String,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned tables.
    Table,
    /// results.json on standard output.
    Json,
    /// The per-endpoint CSV on standard output.
    Csv,
}

/// Bad input (scenario problems, bad arguments).
const EXIT_INPUT: u8 = 2;
/// A run that could not complete.
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = dispatch(cli.command);
    flush_stdout();
    code
}

fn dispatch(command: Command) -> ExitCode {
    match command {
        Command::Run {
            file,
            seed,
            designs,
            out,
            format,
            json,
            quiet,
            replications,
            jobs,
            report,
            check_determinism,
            expect,
            bless,
            point,
            step,
            from_s,
            to_s,
        } => {
            if step {
                let options = step::StepOptions {
                    seed,
                    designs,
                    from_s,
                    to_s,
                    point,
                };
                return step::step(&file, &options);
            }
            let format = if json { Format::Json } else { format };
            let options = RunOptions {
                format,
                quiet,
                replications,
                jobs: replicate::jobs(jobs),
                report,
                expect,
                bless,
                point,
            };
            let code = run(&file, seed, &designs, out, &options);
            if code == ExitCode::SUCCESS && check_determinism {
                twin(&file, seed, &designs)
            } else {
                code
            }
        }
        Command::Sweep {
            file,
            replications,
            seed,
            jobs,
            out,
            shard,
            resume,
            quiet,
        } => {
            let shard = match shard.as_deref().map(reports::sweep::parse_shard) {
                None => None,
                Some(Some(s)) => Some(s),
                Some(None) => {
                    eprintln!("error: --shard takes K/N with 0 <= K < N (like 0/4)");
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            let options = sweep::SweepOptions {
                replications,
                seed,
                jobs: replicate::jobs(jobs),
                out,
                shard,
                resume,
                quiet,
            };
            sweep::sweep(&file, &options)
        }
        Command::Merge { out, shards, quiet } => sweep::merge(&out, &shards, quiet),
        Command::Chaos {
            file,
            runs,
            seed,
            designs,
            jobs,
            out,
            shrink_budget,
            quiet,
        } => chaos::chaos(
            &file,
            &chaos::ChaosOptions {
                runs,
                seed,
                designs,
                jobs: replicate::jobs(jobs),
                out,
                shrink_budget,
                quiet,
            },
        ),
        Command::Check {
            files,
            replications,
            jobs,
            junit,
            quiet,
        } => check::check(
            &files,
            replications,
            replicate::jobs(jobs),
            junit.as_deref(),
            quiet,
        ),
        Command::Report {
            results_dir,
            out,
            quiet,
        } => report(&results_dir, out.as_deref(), quiet),
        Command::Compare { a, b, json } => compare(&a, &b, json),
        Command::Validate { files } => validate(&files),
        Command::Schema => {
            match serde_json::to_string_pretty(&models::schema::json_schema()) {
                Ok(s) => outln!("{s}"),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_FAILURE);
                }
            }
            ExitCode::SUCCESS
        }
        Command::List { dir } => list(dir.as_deref()),
        Command::Trace {
            file,
            designs,
            seed,
            request,
            slowest,
            failed,
            chrome,
            otlp,
            width,
        } => {
            let pick = match (request, slowest, failed) {
                (Some(n), _, _) => trace::Pick::Request(n),
                (_, Some(k), _) => trace::Pick::Slowest(k),
                (_, _, k) => trace::Pick::Failed(k.unwrap_or(1)),
            };
            let options = trace::TraceOptions {
                pick,
                designs,
                seed,
                chrome,
                otlp,
                width,
            };
            trace::trace(&file, &options)
        }
        Command::Bench {
            scale,
            rounds,
            scenarios,
            checker,
            reliability,
            tracing,
            only,
            side,
        } => {
            if !(scale.is_finite() && scale > 0.0) || rounds == 0 {
                eprintln!("error: --scale must be > 0 and --rounds at least 1");
                return ExitCode::from(EXIT_INPUT);
            }
            if let Some(model) = only {
                return match bench::run_one(&model, &side, scale) {
                    Ok(text) => {
                        out!("{text}");
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::from(EXIT_INPUT)
                    }
                };
            }
            if checker {
                out!("{}", bench::checker_bench(scale));
            }
            if reliability {
                match bench::reliability_bench(scale) {
                    Ok(text) => out!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(EXIT_FAILURE);
                    }
                }
            }
            let rows = bench::run_engine_benches(scale, rounds);
            out!("{}", bench::format_rows(&rows));
            if scenarios {
                // The raw engine's speed: the hold model with 1,000 events outstanding.
                let raw_eps = rows[0].engine_eps;
                match bench::run_scenario_benches(scale, raw_eps) {
                    Ok(text) => out!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(EXIT_FAILURE);
                    }
                }
            }
            if tracing {
                match bench::tracing_bench(scale, rounds) {
                    Ok(text) => out!("{text}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::from(EXIT_FAILURE);
                    }
                }
            }
            ExitCode::SUCCESS
        }
    }
}

/// Writes to standard output. A reader that went away (`caplab list | head`) ends the
/// program quietly with exit code 0; any other write error (`> /dev/full`) with a one-line
/// error and exit code 1. `print!` would panic (exit code 101) in both cases.
fn write_stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args) {
        stdout_failed(e);
    }
}

/// Flushes standard output, with [`write_stdout`]'s handling of errors.
fn flush_stdout() {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().flush() {
        stdout_failed(e);
    }
}

fn stdout_failed(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("error: cannot write to standard output: {e}");
    std::process::exit(i32::from(EXIT_FAILURE));
}

/// Prints `text` on standard output (see [`write_stdout`]); success.
fn print_or_exit(text: &str) -> ExitCode {
    out!("{text}");
    ExitCode::SUCCESS
}

fn load(file: &Path) -> Result<Checked, ExitCode> {
    models::bundled::load_path_or_name(file).map_err(|e| {
        eprint!("{e}");
        if !e.to_string().ends_with('\n') {
            eprintln!();
        }
        ExitCode::from(EXIT_INPUT)
    })
}

/// What `caplab run` does besides running.
struct RunOptions {
    format: Format,
    quiet: bool,
    replications: u64,
    jobs: usize,
    report: Option<PathBuf>,
    expect: Option<PathBuf>,
    bless: bool,
    point: Option<usize>,
}

/// Whether to colour standard output: a terminal, and no `NO_COLOR`.
fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn run(
    file: &Path,
    seed: Option<u64>,
    designs: &[String],
    out: Option<PathBuf>,
    options: &RunOptions,
) -> ExitCode {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let scenario = match options.point {
        None => scenario,
        Some(p) => match at_point(&scenario, p) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: --point {p}: {e}", file.display());
                return ExitCode::from(EXIT_INPUT);
            }
        },
    };
    if let Err(code) = known_designs(file, &scenario, designs) {
        return code;
    }
    if options.replications == 0 {
        eprintln!("error: --replications must be at least 1");
        return ExitCode::from(EXIT_INPUT);
    }
    let max_reps = models::validate::limits::MAX_REPLICATIONS;
    if options.replications > max_reps {
        eprintln!(
            "error: --replications {} is more than the limit of {max_reps} replications",
            options.replications
        );
        return ExitCode::from(EXIT_INPUT);
    }
    // A missing or corrupt golden file is bad input, found before running.
    if let (Some(golden), false) = (&options.expect, options.bless) {
        if let Err(e) = golden::read(golden) {
            eprintln!("error: --expect: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    }
    let seed = seed.unwrap_or(scenario.seed);
    let selected = scenario
        .designs
        .iter()
        .filter(|d| designs.is_empty() || designs.contains(&d.name))
        .count();
    let bar = progress::Simulated::new(
        (selected as u64) * options.replications,
        scenario.duration_s,
        options.quiet,
    );
    let spec = pipeline::RunSpec {
        scenario: &scenario,
        seed,
        designs,
        replications: options.replications,
        jobs: options.jobs,
    };
    let output = pipeline::run(&spec, &bar);
    bar.finish();
    let output = match output {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let dir = out.unwrap_or_else(|| Path::new("out").join(sanitise(&scenario.name)));
    let written = match pipeline::write(&dir, &output) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let pipeline::RunOutput {
        results,
        replications: reps,
        windows,
    } = output;
    let mut report_index = None;
    if let Some(report_dir) = &options.report {
        match write_report(report_dir, &results, reps.as_ref(), &windows) {
            Ok(index) => report_index = Some(index),
            Err(code) => return code,
        }
    }
    if !options.quiet {
        match options.format {
            Format::Table => {
                let style = reports::table::Style { color: color() };
                out!("{}", reports::table::render_text_styled(&results, style));
                let traced = reports::trace::summary_text(&results);
                if !traced.is_empty() {
                    out!("\n{traced}");
                }
                if let Some(reps) = &reps {
                    outln!();
                    out!("{}", reports::table::replications_text(reps, style));
                }
                outln!(
                    "\nwrote {}",
                    written
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(index) = report_index {
                    outln!("report: {}", index.display());
                }
                outln!("replay: caplab run {} --seed {seed}", file.display());
            }
            Format::Json => out!("{}", reports::files::results_json(&results)),
            Format::Csv => out!("{}", reports::files::endpoints_csv(&results)),
        }
    }
    // Compared after every file is written, so CI keeps the results and the report of a
    // run that differs from its golden file.
    let mut golden_failed = false;
    if let Some(golden) = &options.expect {
        let fresh = reports::files::results_json(&results);
        if options.bless {
            if let Err(e) = golden::bless(golden, &fresh) {
                eprintln!("error: cannot write {}: {e}", golden.display());
                return ExitCode::from(EXIT_FAILURE);
            }
            eprintln!("blessed {}", golden.display());
        } else if let Some(d) = golden_failure(golden, &fresh) {
            eprintln!(
                "{}: results differ from {}:\n{d}\nif the change is intended: caplab run {} --expect {} --bless",
                file.display(),
                golden.display(),
                file.display(),
                golden.display()
            );
            golden_failed = true;
        }
    }
    if golden_failed {
        return ExitCode::from(EXIT_FAILURE);
    }
    ExitCode::SUCCESS
}

/// What differs between `golden` and the fresh results (or why they could not be
/// compared); `None` when they agree.
fn golden_failure(golden: &Path, fresh: &str) -> Option<String> {
    match golden::differences(golden, fresh) {
        Ok(d) if d.is_empty() => None,
        Ok(d) => Some(golden::differences_text(&d)),
        Err(e) => Some(e.to_string()),
    }
}

/// The scenario at point `p` of its sweep.
fn at_point(scenario: &Checked, p: usize) -> Result<Checked, String> {
    let sweep = scenario
        .sweep
        .as_ref()
        .ok_or_else(|| "the scenario has no sweep".to_string())?;
    if p >= sweep.point_count() {
        return Err(format!("the sweep has {} points", sweep.point_count()));
    }
    let base = models::sweep::base_value(scenario)?;
    Ok(models::sweep::checked_point(&base, sweep, p)?.1)
}

/// Builds and writes a report (with the space-time figures of `windows`); returns the
/// path of its index.html.
fn write_report(
    dir: &Path,
    results: &models::results::RunResults,
    reps: Option<&reports::stats::Replications>,
    windows: &[reports::spacetime::Window],
) -> Result<PathBuf, ExitCode> {
    let figures = reports::spacetime::figures(results, windows).map_err(|e| {
        eprintln!("error: cannot draw the space-time figures: {e}");
        ExitCode::from(EXIT_INPUT)
    })?;
    let report = reports::report::build_with(results, reps, figures).map_err(|e| {
        eprintln!("error: cannot draw the report: {e}");
        ExitCode::from(EXIT_FAILURE)
    })?;
    reports::files::write_report(dir, &report, true).map_err(|e| {
        eprintln!("error: cannot write the report: {e}");
        ExitCode::from(EXIT_FAILURE)
    })?;
    Ok(dir.join("index.html"))
}

/// `caplab report RESULTS_DIR`: the report of results already on disk.
fn report(results_dir: &Path, out: Option<&Path>, quiet: bool) -> ExitCode {
    let results = match reports::files::read_results(&results_dir.join("results.json")) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let reps_path = results_dir.join("replications.json");
    let reps = if reps_path.is_file() {
        match reports::files::read_replications(&reps_path) {
            Ok(r) => Some(r),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(EXIT_INPUT);
            }
        }
    } else {
        None
    };
    let (windows, missing) = match reports::files::read_spacetime(results_dir, &results) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    for design in missing {
        eprintln!(
            "warning: design {design} is not linearizable but {} has no message window for it \
             (caplab run writes one): the report has no space-time diagram of it",
            results_dir.display()
        );
    }
    let dir = out.unwrap_or(results_dir);
    match write_report(dir, &results, reps.as_ref(), &windows) {
        Ok(index) => {
            if !quiet {
                outln!("report: {}", index.display());
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}

/// `caplab compare A B`.
fn compare(a_path: &Path, b_path: &Path, json: bool) -> ExitCode {
    let read = |p: &Path| {
        let file = if p.is_dir() {
            p.join("results.json")
        } else {
            p.to_path_buf()
        };
        reports::files::read_results(&file)
    };
    let (a, b) = match (read(a_path), read(b_path)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    if a.scenario != b.scenario {
        eprintln!(
            "error: {} and {} are runs of different scenarios ({} and {}): compare two runs \
             of one scenario (two seeds, two commits of a design)",
            a_path.display(),
            b_path.display(),
            a.scenario,
            b.scenario
        );
        return ExitCode::from(EXIT_INPUT);
    }
    let c = reports::compare::compare(&a, &b);
    if c.designs.is_empty() {
        eprintln!(
            "error: {} and {} have no design in common: nothing to compare",
            a_path.display(),
            b_path.display()
        );
        return ExitCode::from(EXIT_INPUT);
    }
    if json {
        out!("{}", reports::compare::comparison_json(&c));
    } else {
        let style = reports::table::Style { color: color() };
        out!("{}", reports::table::comparison_text(&c, style));
    }
    ExitCode::SUCCESS
}

/// Runs every selected design twice in lockstep and reports the verdict.
fn twin(file: &Path, seed: Option<u64>, designs: &[String]) -> ExitCode {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let seed = seed.unwrap_or(scenario.seed);
    let mut code = ExitCode::SUCCESS;
    for design in &scenario.designs {
        if !designs.is_empty() && !designs.contains(&design.name) {
            continue;
        }
        let verdict = match caplab::twin::twin_design(&scenario, design, seed) {
            Ok(v) => v,
            Err(_) => {
                eprintln!("design {}: cannot be built", design.name);
                return ExitCode::from(EXIT_FAILURE);
            }
        };
        match verdict {
            sim_core::twin::TwinVerdict::Identical { digest, events } => outln!(
                "twin run {}: identical (digest {digest:016x}, {events} events)",
                design.name
            ),
            sim_core::twin::TwinVerdict::Diverged(d) => {
                outln!("twin run {}: {d}", design.name);
                code = ExitCode::from(EXIT_FAILURE);
            }
        }
    }
    code
}

fn sanitise(name: &str) -> String {
    reports::files::file_name(name)
}

/// Every `--design` names a design of the file; otherwise an input error that lists them.
fn known_designs(file: &Path, scenario: &Checked, designs: &[String]) -> Result<(), ExitCode> {
    match designs
        .iter()
        .find(|d| !scenario.designs.iter().any(|x| &x.name == *d))
    {
        None => Ok(()),
        Some(d) => {
            let known: Vec<&str> = scenario.designs.iter().map(|x| x.name.as_str()).collect();
            eprintln!(
                "{}: --design {d}: no such design (the file has: {})",
                file.display(),
                known.join(", ")
            );
            Err(ExitCode::from(EXIT_INPUT))
        }
    }
}

fn validate(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for f in files {
        match load(f) {
            Ok(s) => outln!("{}: ok ({} designs)", f.display(), s.designs.len()),
            Err(_) => failed = true,
        }
    }
    if failed {
        ExitCode::from(EXIT_INPUT)
    } else {
        ExitCode::SUCCESS
    }
}

fn list(dir: Option<&Path>) -> ExitCode {
    let mut out = String::new();
    match dir {
        None => {
            for b in models::bundled::ALL {
                out.push_str(&list_entry(b.name, b.load()));
            }
        }
        Some(dir) => {
            let entries = match std::fs::read_dir(dir) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("error: cannot list {}: {e}", dir.display());
                    return ExitCode::from(EXIT_INPUT);
                }
            };
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            for f in files {
                out.push_str(&list_entry(
                    &f.display().to_string(),
                    models::load::load_file(&f),
                ));
            }
        }
    }
    print_or_exit(&out)
}

/// One scenario of `caplab list`: its name, the first sentence of its description, its designs.
fn list_entry(name: &str, loaded: Result<Checked, models::load::ScenarioError>) -> String {
    match loaded {
        Ok(s) => {
            let first = s
                .description
                .split(". ")
                .next()
                .unwrap_or("")
                .trim_end_matches('.');
            let designs: Vec<&str> = s.designs.iter().map(|d| d.name.as_str()).collect();
            format!(
                "{name:<44} {first}.\n{:<44} designs: {}\n",
                "",
                designs.join(", ")
            )
        }
        Err(e) => format!("{name:<44} (invalid: {} problems)\n", e.problems.len()),
    }
}
