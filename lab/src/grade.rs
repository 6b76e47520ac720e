//! Grading: a course's pack of checks (kept from the students), each run over many seeds,
//! with a pass or fail per check, written as JSON and JUnit XML.
//!
//! A pack is a directory holding `pack.json` (and any scenario files it names):
//!
//! ```json
//! {
//!   "name": "replicated register",
//!   "seeds": 10,
//!   "checks": [
//!     {"name": "linearizable under the partition", "scenario": "cap-partition",
//!      "nemesis": "jitter,loss"},
//!     {"name": "linearizable under crashes", "scenario": "none",
//!      "nemesis": "network,crash,partition", "duration_s": 20},
//!     {"name": "the majority side stays available", "scenario": "cap-partition",
//!      "availability": {"group": "app#0", "from_s": 10, "to_s": 40, "at_least": 0.99}}
//!   ]
//! }
//! ```
//!
//! - A **safety** check (no `availability`) passes only if the property (`check`, default
//!   the node's) holds on every seed: all or nothing. A node that panics fails it; a
//!   verdict the checker could not reach (`unknown`) fails it too, listed apart.
//! - An **availability** check passes if the fraction of requests answered (of those
//!   invoked in `[from_s, to_s)` by `group`'s clients, or every client's) averaged over
//!   the seeds is at least `at_least`. The lowest seed's fraction is reported too.
//!
//! `scenario` is a file next to `pack.json`, a bundled scenario's name, or `none`;
//! `nemesis`, `amnesia`, `duration_s` and `seeds` are those of the lab's command line
//! (`seeds` and `duration_s` may be given for the whole pack). Seeds run from 1. Every
//! failure comes with the replay line of its first failing seed.

use crate::args::{CheckArg, GradeArgs, RunArgs};
use crate::chaos::run_one;
use crate::error::LabError;
use crate::example::Example;
use crate::harness::{self, Outcome, RunOptions};
use crate::node::Node;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// `pack.json`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The pack's name.
    pub name: String,
    /// Seeds per check (default 10).
    #[serde(default)]
    pub seeds: Option<u64>,
    /// Simulated seconds of each run (default: each scenario's).
    #[serde(default)]
    pub duration_s: Option<f64>,
    /// The checks.
    pub checks: Vec<PackCheck>,
}

/// One check of a pack.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackCheck {
    /// What it checks, for people.
    pub name: String,
    /// A scenario file (next to `pack.json`), a bundled name, or `none`.
    #[serde(default)]
    pub scenario: Option<String>,
    /// Nemesis words (`--nemesis`).
    #[serde(default)]
    pub nemesis: Option<String>,
    /// Crashes lose the durable state too.
    #[serde(default)]
    pub amnesia: bool,
    /// Register workloads: the number of keys.
    #[serde(default)]
    pub keys: Option<u32>,
    /// The property (default: the node's): `linearizable`, `sequential`, `converges`,
    /// `read-your-writes`, `monotonic-reads`, `causal`, `unique`, `kafka`.
    #[serde(default)]
    pub check: Option<String>,
    /// Simulated seconds of each run.
    #[serde(default)]
    pub duration_s: Option<f64>,
    /// Seeds (default: the pack's).
    #[serde(default)]
    pub seeds: Option<u64>,
    /// Which replica clients talk to: `home`, `sticky`, `random` or a number.
    #[serde(default)]
    pub contact: Option<String>,
    /// Makes it an availability check.
    #[serde(default)]
    pub availability: Option<Availability>,
}

/// An availability threshold.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
    /// Only this client group's requests (`app#0`); absent: every client's.
    #[serde(default)]
    pub group: Option<String>,
    /// Requests invoked from this instant, in seconds (default: the end of the warm-up).
    #[serde(default)]
    pub from_s: Option<f64>,
    /// ... until this one (default: the end).
    #[serde(default)]
    pub to_s: Option<f64>,
    /// The lowest mean fraction of requests answered that passes, in [0, 1].
    pub at_least: f64,
}

/// The grade of one check.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckGrade {
    /// The check's name.
    pub name: String,
    /// `safety` or `availability`.
    pub kind: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// The seeds run.
    pub seeds: u64,
    /// Safety: the seeds whose history broke the property (or whose node panicked).
    pub failed_seeds: Vec<u64>,
    /// Safety: the seeds the checker could not decide.
    pub unknown_seeds: Vec<u64>,
    /// Availability: the mean fraction answered over the seeds.
    pub mean: Option<f64>,
    /// Availability: the lowest seed's fraction.
    pub min: Option<f64>,
    /// Availability: the threshold.
    pub at_least: Option<f64>,
    /// One line about the outcome.
    pub message: String,
    /// The replay line of the first failing seed.
    pub replay: Option<String>,
}

/// The grades of a pack.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Grades {
    /// The pack's name.
    pub pack: String,
    /// The node graded (the example's name).
    pub node: String,
    /// Checks passed.
    pub passed: usize,
    /// Checks in all.
    pub total: usize,
    /// Each check's grade, in the pack's order.
    pub checks: Vec<CheckGrade>,
}

/// Reads `dir/pack.json` (or `dir` itself when it is a file): the pack and its directory.
pub fn load_pack(dir: &Path) -> Result<(Pack, PathBuf), LabError> {
    let (file, base) = if dir.is_dir() {
        (dir.join("pack.json"), dir.to_path_buf())
    } else {
        let base = dir.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        (dir.to_path_buf(), base)
    };
    let text = std::fs::read_to_string(&file).map_err(|source| LabError::ReadPack {
        path: file.clone(),
        source,
    })?;
    let pack: Pack = serde_json::from_str(&text).map_err(|source| LabError::InvalidPack {
        path: file.clone(),
        source,
    })?;
    let in_file = |e: LabError| LabError::InFile {
        path: file.clone(),
        source: Box::new(e),
    };
    let bad = |path: String, msg: String| Err(in_file(LabError::invalid(path, msg)));
    if pack.checks.is_empty() {
        return bad("checks".into(), "a pack needs at least one check".into());
    }
    if pack.seeds == Some(0) {
        return bad("seeds".into(), "at least 1".into());
    }
    for (i, c) in pack.checks.iter().enumerate() {
        if c.seeds == Some(0) {
            return bad(format!("checks[{i}].seeds"), "at least 1".into());
        }
        if let Some(a) = &c.availability {
            if !(0.0..=1.0).contains(&a.at_least) {
                return bad(
                    format!("checks[{i}].availability.at_least"),
                    format!("a fraction in [0, 1], not {}", a.at_least),
                );
            }
        }
        if let Some(word) = &c.contact {
            if let Err(e) = crate::args::parse_contact(word) {
                return Err(in_file(LabError::Field {
                    path: format!("checks[{i}].contact"),
                    source: Box::new(e),
                }));
            }
        }
        if let Some(word) = &c.check {
            if check_arg(word).is_none() {
                return bad(
                    format!("checks[{i}].check"),
                    format!(
                        "linearizable, sequential, converges, read-your-writes, \
                         monotonic-reads, causal, unique or kafka, not {word:?}"
                    ),
                );
            }
        }
    }
    Ok((pack, base))
}

fn check_arg(word: &str) -> Option<CheckArg> {
    CheckArg::from_word(word)
}

/// The run arguments of check `c` of a pack in `base`.
fn run_args(pack: &Pack, base: &Path, c: &PackCheck) -> RunArgs {
    let scenario = c.scenario.as_ref().map(|s| {
        let file = base.join(s);
        if s != "none" && file.exists() {
            file.display().to_string()
        } else {
            s.clone()
        }
    });
    RunArgs {
        scenario,
        check: c.check.as_deref().and_then(check_arg),
        duration: c.duration_s.or(pack.duration_s),
        nemesis: c.nemesis.clone(),
        amnesia: c.amnesia,
        keys: c.keys,
        contact: c
            .contact
            .as_deref()
            .and_then(|w| crate::args::parse_contact(w).ok()),
        ..RunArgs::default()
    }
}

/// Grades `N` (the program `example`) against `pack` (found in `base`), `seeds` per check
/// when given; `each` is called after every check.
pub fn grade<N: Node>(
    example: &Example,
    pack: &Pack,
    base: &Path,
    seeds: Option<u64>,
    each: &mut dyn FnMut(&CheckGrade),
) -> Result<Grades, LabError> {
    let mut checks = Vec::new();
    for (i, c) in pack.checks.iter().enumerate() {
        let n = seeds.or(c.seeds).or(pack.seeds).unwrap_or(10);
        let args = run_args(pack, base, c);
        let context = |e: LabError| LabError::Check {
            index: i,
            name: c.name.clone(),
            source: Box::new(e),
        };
        let grade = match &c.availability {
            None => safety::<N>(example, c, &args, n).map_err(context)?,
            Some(a) => availability::<N>(example, c, a, &args, n).map_err(context)?,
        };
        each(&grade);
        checks.push(grade);
    }
    Ok(Grades {
        pack: pack.name.clone(),
        node: example.name().to_string(),
        passed: checks.iter().filter(|c| c.passed).count(),
        total: checks.len(),
        checks,
    })
}

fn safety<N: Node>(
    example: &Example,
    c: &PackCheck,
    args: &RunArgs,
    seeds: u64,
) -> Result<CheckGrade, LabError> {
    let (mut failed, mut unknown) = (Vec::new(), Vec::new());
    let mut first_summary = None;
    for seed in 1..=seeds {
        let setup = example.setup_for(args, "none", seed)?;
        let r = run_one::<N>(&setup, seed)?;
        if r.failed() {
            first_summary.get_or_insert(r.summary.clone());
            failed.push(seed);
        } else if r.word == "unknown" {
            first_summary.get_or_insert(r.summary.clone());
            unknown.push(seed);
        }
    }
    let passed = failed.is_empty() && unknown.is_empty();
    let property = example.base_setup(args)?.check.property();
    let first = failed.first().or(unknown.first()).copied();
    Ok(CheckGrade {
        name: c.name.clone(),
        kind: "safety",
        passed,
        seeds,
        message: if passed {
            format!("{property} on all {seeds} seeds")
        } else {
            format!(
                "{} of {seeds} seeds failed{}: first: {}",
                failed.len() + unknown.len(),
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!(" ({} undecided)", unknown.len())
                },
                first_summary.unwrap_or_default()
            )
        },
        replay: first.map(|s| example.replay_line(args, s, None)),
        failed_seeds: failed,
        unknown_seeds: unknown,
        mean: None,
        min: None,
        at_least: None,
    })
}

fn availability<N: Node>(
    example: &Example,
    c: &PackCheck,
    a: &Availability,
    args: &RunArgs,
    seeds: u64,
) -> Result<CheckGrade, LabError> {
    let mut fractions = Vec::new();
    let mut worst: Option<(f64, u64)> = None;
    for seed in 1..=seeds {
        let setup = example.setup_for(args, "none", seed)?;
        let group = match &a.group {
            None => None,
            Some(g) => {
                let clients = setup.resolve(g)?;
                let first = setup.replicas as usize;
                let per = setup.workload.clients_per_group as usize;
                match clients.first() {
                    Some(&c) if c >= first => Some(((c - first) / per.max(1)) as u32),
                    _ => {
                        return Err(LabError::invalid(
                            "availability.group",
                            format!("{g} is not a client group"),
                        ))
                    }
                }
            }
        };
        let options = RunOptions {
            seed: Some(seed),
            ..RunOptions::default()
        };
        let run = harness::run::<N>(&setup, &options, &mut std::io::sink())?;
        let from = a.from_s.unwrap_or(setup.warmup_s);
        let to = a.to_s.unwrap_or(setup.duration_s);
        let (lo, hi) = ((from * 1e9) as u64, (to * 1e9) as u64);
        let ended: Vec<_> = run
            .world
            .ops
            .iter()
            .filter(|o| group.is_none_or(|g| o.group == g))
            .filter(|o| o.invoke_ns >= lo && o.invoke_ns < hi && o.outcome != Outcome::InFlight)
            .collect();
        let ok = ended.iter().filter(|o| o.outcome == Outcome::Ok).count();
        let f = if ended.is_empty() {
            0.0
        } else {
            ok as f64 / ended.len() as f64
        };
        if worst.is_none_or(|(w, _)| f < w) {
            worst = Some((f, seed));
        }
        fractions.push(f);
    }
    let mean = fractions.iter().sum::<f64>() / fractions.len().max(1) as f64;
    let (min, worst_seed) = worst.unwrap_or((0.0, 1));
    let passed = mean >= a.at_least;
    Ok(CheckGrade {
        name: c.name.clone(),
        kind: "availability",
        passed,
        seeds,
        failed_seeds: Vec::new(),
        unknown_seeds: Vec::new(),
        mean: Some(mean),
        min: Some(min),
        at_least: Some(a.at_least),
        message: format!(
            "{:.4} of requests answered on average ({} {}; lowest {:.4}, seed {worst_seed})",
            mean,
            if passed { "≥" } else { "<" },
            a.at_least,
            min
        ),
        replay: (!passed).then(|| example.replay_line(args, worst_seed, None)),
    })
}

/// The grades as JUnit XML: one test suite, one test case per check, a failure for each
/// check that failed.
pub fn junit(g: &Grades) -> String {
    let esc = reports::format::escape;
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\">\n  <testsuite name=\"{}\" \
         tests=\"{}\" failures=\"{}\">\n",
        esc(&g.pack),
        g.total,
        g.total - g.passed,
        esc(&g.node),
        g.total,
        g.total - g.passed
    ));
    for c in &g.checks {
        x.push_str(&format!(
            "    <testcase classname=\"{}.{}\" name=\"{}\">\n",
            esc(&g.node),
            c.kind,
            esc(&c.name)
        ));
        if !c.passed {
            x.push_str(&format!(
                "      <failure message=\"{}\">{}</failure>\n",
                esc(&c.message),
                esc(c.replay.as_deref().unwrap_or(""))
            ));
        }
        x.push_str(&format!(
            "      <system-out>{}</system-out>\n    </testcase>\n",
            esc(&c.message)
        ));
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// `grade` on the command line.
pub(crate) fn grade_command<N: Node>(
    example: &Example,
    g: &GradeArgs,
    out: &mut dyn Write,
) -> Result<bool, LabError> {
    let w = LabError::output;
    if g.seeds == Some(0) {
        return Err(LabError::ZeroSeeds);
    }
    let (pack, base) = load_pack(&g.pack)?;
    if !g.quiet {
        writeln!(
            out,
            "grade {} against pack {:?} ({} checks)",
            example.name(),
            pack.name,
            pack.checks.len()
        )
        .map_err(w)?;
    }
    let quiet = g.quiet;
    let grades = grade::<N>(example, &pack, &base, g.seeds, &mut |c| {
        if !quiet {
            let _ = writeln!(
                out,
                "  {}  {:<12} {}: {}",
                if c.passed { "PASS" } else { "FAIL" },
                c.kind,
                c.name,
                c.message
            );
            if let Some(r) = &c.replay {
                let _ = writeln!(out, "        replay: {r}");
            }
        }
    })?;
    writeln!(
        out,
        "result: {} of {} checks passed",
        grades.passed, grades.total
    )
    .map_err(w)?;
    let write = |path: &Path, text: String| {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| LabError::CreateDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(path, text).map_err(|source| LabError::Write {
            path: path.to_path_buf(),
            source,
        })
    };
    if let Some(path) = &g.json {
        let text = serde_json::to_string_pretty(&grades).map_err(|source| LabError::Serialise {
            what: "grades",
            source,
        })?;
        write(path, text + "\n")?;
    }
    if let Some(path) = &g.junit {
        write(path, junit(&grades))?;
    }
    Ok(grades.passed == grades.total)
}
