//! `caplab sweep` and `caplab merge`: every point of a scenario's sweep × design ×
//! replication, on several threads, one row per (point, design).
//!
//! Each row is appended to `sweep.jsonl` (and flushed) as soon as its replications are
//! done: a run stopped by Ctrl-C, or killed, keeps its finished rows, and `--resume` skips
//! them. At the end every file is rebuilt from the rows sorted by (point, design), so the
//! output does not depend on `--jobs`, on resuming, or on sharding then merging.

use crate::{load, progress, EXIT_FAILURE, EXIT_INPUT};
use caplab::journal;
use caplab::sweep_runs::{self, Cell, CheckedPoint, SweepProgress};
use reports::sweep::{ParameterMeta, SweepMeta, SweepRow};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

/// What `caplab sweep` was asked.
pub struct SweepOptions {
    /// Replications per point and design (overrides the file's `sweep.replications`).
    pub replications: Option<u64>,
    /// Seed overriding the scenario's.
    pub seed: Option<u64>,
    /// Threads.
    pub jobs: usize,
    /// Output directory (default `out/<scenario>/sweep`).
    pub out: Option<PathBuf>,
    /// `(K, N)`: run only the points `i % N == K`.
    pub shard: Option<(usize, usize)>,
    /// Keep the rows already in the output directory and run only the others.
    pub resume: bool,
    /// Print nothing on success, draw no progress bar.
    pub quiet: bool,
}

/// The objectives rows are checked against: the scenario's assertions, or a default.
pub fn objectives(scenario: &models::scenario::Scenario) -> Vec<models::assertions::Assertion> {
    if scenario.assertions.is_empty() {
        vec![models::assertions::Assertion {
            expect: "failure_rate <= 0.01".to_string(),
            design: None,
            confidence: None,
            replications: None,
        }]
    } else {
        scenario.assertions.clone()
    }
}

/// `caplab sweep FILE`.
pub fn sweep(file: &Path, o: &SweepOptions) -> ExitCode {
    let scenario = match load(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let Some(spec) = scenario.sweep.clone() else {
        eprintln!(
            "{}: no `sweep` in this scenario (see README, Sweeps)",
            file.display()
        );
        return ExitCode::from(EXIT_INPUT);
    };
    let replications = o.replications.unwrap_or(spec.replications);
    if replications == 0 {
        eprintln!("error: --replications must be at least 1");
        return ExitCode::from(EXIT_INPUT);
    }
    let max_reps = models::validate::limits::MAX_REPLICATIONS;
    if replications > max_reps {
        eprintln!(
            "error: --replications {replications} is more than the limit of {max_reps} \
             replications"
        );
        return ExitCode::from(EXIT_INPUT);
    }
    let base = match models::sweep::base_value(&scenario) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let seed = o.seed.unwrap_or(scenario.seed);
    let seeds = reports::stats::replication_seeds(seed, replications);
    let goals = objectives(&scenario);
    let (k, n) = o.shard.unwrap_or((0, 1));
    let mut parameters = Vec::with_capacity(spec.parameters.len());
    for p in &spec.parameters {
        let mut values: Vec<serde_json::Value> = Vec::new();
        for x in p.raw_values() {
            let mut probe = base.clone();
            let mut written = serde_json::Value::Null;
            for path in p.all_paths() {
                match models::sweep::set_path(&mut probe, path, x) {
                    Ok(w) => written = w,
                    Err(e) => {
                        eprintln!("{}: sweep: {e}", file.display());
                        return ExitCode::from(EXIT_INPUT);
                    }
                }
            }
            if !values.contains(&written) {
                values.push(written);
            }
        }
        parameters.push(ParameterMeta {
            name: p.label(),
            paths: p.all_paths().iter().map(|s| s.to_string()).collect(),
            values,
        });
    }
    let meta = SweepMeta {
        scenario: scenario.name.clone(),
        caplab_version: models::run::CAPLAB_VERSION.to_string(),
        seed,
        replications,
        seeds: seeds.clone(),
        parameters,
        points: spec.point_count(),
        designs: scenario.designs.iter().map(|d| d.name.clone()).collect(),
        objectives: goals.iter().map(|a| a.expect.clone()).collect(),
        shard: o.shard.map(|(k, n)| format!("{k}/{n}")),
    };
    let dir = o.out.clone().unwrap_or_else(|| {
        Path::new("out")
            .join(crate::sanitise(&scenario.name))
            .join("sweep")
    });
    // The journal: earlier rows (with --resume), then each row as it finishes.
    let mut done: Vec<(SweepRow, String)> = Vec::new();
    if o.resume && dir.join("sweep.json").is_file() {
        match reports::files::read_sweep(&dir) {
            Ok((old, rows)) if old == meta => {
                if let Some(e) = journal::outside_grid(&meta, &rows) {
                    eprintln!("error: cannot resume from {}: {e}", dir.display());
                    return ExitCode::from(EXIT_INPUT);
                }
                done = rows;
            }
            Ok(_) => {
                eprintln!(
                    "error: {} holds another sweep (scenario, grid, seeds, replications or \
                     shard differ); remove it or choose another --out",
                    dir.display()
                );
                return ExitCode::from(EXIT_INPUT);
            }
            Err(e) => {
                eprintln!("error: cannot resume: {e}");
                return ExitCode::from(EXIT_INPUT);
            }
        }
    }
    let journal = match journal::open(&dir, &meta, &done) {
        Ok(f) => Mutex::new(f),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let have: std::collections::BTreeSet<(usize, usize)> = done
        .iter()
        .map(|(r, _)| (r.point, r.design_index))
        .collect();
    // The points of this shard still to run, applied.
    let mut points: Vec<CheckedPoint> = Vec::new();
    for i in (0..meta.points).filter(|i| i % n == k) {
        if (0..meta.designs.len()).all(|d| have.contains(&(i, d))) {
            continue;
        }
        match models::sweep::checked_point(&base, &spec, i) {
            Ok((point, scenario)) => points.push(CheckedPoint { point, scenario }),
            Err(e) => {
                eprintln!("{}: sweep: {e}", file.display());
                return ExitCode::from(EXIT_INPUT);
            }
        }
    }
    let mut cells: Vec<Cell> = Vec::new();
    for (pi, p) in points.iter().enumerate() {
        for d in (0..meta.designs.len()).filter(|d| !have.contains(&(p.point.index, *d))) {
            cells.push(Cell {
                point: pi,
                design: d,
            });
        }
    }
    let bar = RowsBar(progress::runs((cells.len() * seeds.len()) as u64, o.quiet));
    bar.0.set_message(format!("· rows 0/{}", cells.len()));
    let append = |line: &str| {
        let mut f = journal.lock().unwrap_or_else(|e| e.into_inner());
        f.write_all(line.as_bytes()).and_then(|_| f.flush())
    };
    let new_rows = sweep_runs::run_cells(&points, &cells, &seeds, &goals, o.jobs, &append, &bar);
    bar.0.finish_and_clear();
    let new_rows = match new_rows {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            eprintln!(
                "the finished rows are in {}; rerun with --resume to run only the others",
                dir.join("sweep.jsonl").display()
            );
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let mut rows = done;
    rows.extend(new_rows);
    finish(&dir, &meta, rows, o.quiet, Some(file))
}

/// The progress bar of a sweep: runs done, and rows finished in its message.
struct RowsBar(indicatif::ProgressBar);

impl SweepProgress for RowsBar {
    fn run_done(&self) {
        self.0.inc(1);
    }
    fn row_done(&self, finished: usize, total: usize) {
        self.0.set_message(format!("· rows {finished}/{total}"));
    }
}

/// Sorts the rows, checks that none is missing, writes every file and prints the table.
fn finish(
    dir: &Path,
    meta: &SweepMeta,
    rows: Vec<(SweepRow, String)>,
    quiet: bool,
    file: Option<&Path>,
) -> ExitCode {
    let rows = match journal::complete(meta, rows) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    let written = match reports::files::write_sweep(dir, meta, &rows) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    if !quiet {
        let plain: Vec<SweepRow> = rows.into_iter().map(|(r, _)| r).collect();
        out!("{}", reports::sweep::rows_text(meta, &plain));
        outln!();
        for s in reports::sweep::narrative(meta, &plain) {
            outln!("{s}");
        }
        outln!(
            "\nwrote {} files into {} (sweep.csv, sweep.jsonl, report.md, index.html, charts/)",
            written.len(),
            dir.display()
        );
        if let Some(f) = file {
            outln!(
                "replay a point: caplab run {} --point P --seed {} --design D",
                f.display(),
                meta.seed
            );
        }
    }
    ExitCode::SUCCESS
}

/// `caplab merge OUT SHARD_DIR...`: the shards' rows, as the unsharded run writes them.
pub fn merge(out: &Path, shards: &[PathBuf], quiet: bool) -> ExitCode {
    let (meta, rows) = match journal::merge_shards(shards) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_INPUT);
        }
    };
    if !quiet {
        outln!("merging {} rows from {} shards", rows.len(), shards.len());
    }
    finish(out, &meta, rows, quiet, None)
}
