//! `caplab sweep`'s runs as data: every (point, design, replication) of a grid on `--jobs`
//! threads, a row per (point, design) as soon as its replications are done ([`run_cells`]).
//! Rows come back in the order they finished; the journal sorts them.

use crate::journal::Row;
use crate::replicate;
use models::assertions::{Assertion, Verdict};
use models::error::RunError;
use models::plan::Checked;
use models::results::DesignResult;
use models::sweep::Point;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A point of the grid and its scenario, checked.
pub struct CheckedPoint {
    /// The point (index, values).
    pub point: Point,
    /// Its scenario.
    pub scenario: Checked,
}

/// One (point, design) to run: indexes into the points and into the designs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Index into the points given to [`run_cells`].
    pub point: usize,
    /// Index of the design.
    pub design: usize,
}

/// Where the runs of a sweep report how far they have got.
pub trait SweepProgress: Sync {
    /// A run (one replication of one cell) ended.
    fn run_done(&self);
    /// A row was finished: `finished` of `total`.
    fn row_done(&self, finished: usize, total: usize);
}

/// Why a sweep stopped.
#[derive(Debug)]
pub enum SweepRunError {
    /// The first failing run, in task order.
    Run {
        /// The point's index in the grid.
        point: usize,
        /// The design.
        design: String,
        /// The seed.
        seed: u64,
        /// Why.
        source: RunError,
    },
    /// A finished row could not be written.
    Journal(std::io::Error),
}

impl fmt::Display for SweepRunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepRunError::Run {
                point,
                design,
                seed,
                source,
            } => write!(f, "point {point} design {design} (seed {seed}): {source}"),
            SweepRunError::Journal(e) => write!(f, "cannot write the journal: {e}"),
        }
    }
}

impl std::error::Error for SweepRunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SweepRunError::Run { source, .. } => Some(source),
            SweepRunError::Journal(e) => Some(e),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs every cell under every seed on `jobs` threads. When a cell's last replication
/// ends, its row (the replications' figures and the verdicts of `goals` on them) is made,
/// handed to `journal` (which appends its line to `sweep.jsonl`) and kept. Stops at the
/// first failing run or journal write; the rows finished before it are in the journal.
pub fn run_cells(
    points: &[CheckedPoint],
    cells: &[Cell],
    seeds: &[u64],
    goals: &[Assertion],
    jobs: usize,
    journal: &(dyn Fn(&str) -> std::io::Result<()> + Sync),
    progress: &dyn SweepProgress,
) -> Result<Vec<Row>, SweepRunError> {
    let runs: Vec<Mutex<Vec<Option<DesignResult>>>> = cells
        .iter()
        .map(|_| Mutex::new(vec![None; seeds.len()]))
        .collect();
    let left: Vec<AtomicUsize> = cells
        .iter()
        .map(|_| AtomicUsize::new(seeds.len()))
        .collect();
    let tasks = cells.len() * seeds.len();
    let cells_done = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, SweepRunError)>> = Mutex::new(None);
    let new_rows: Mutex<Vec<Row>> = Mutex::new(Vec::new());
    replicate::parallel(tasks, jobs, &stop, |t| {
        let (c, rep) = (t / seeds.len(), t % seeds.len());
        let cell = cells[c];
        let CheckedPoint { point, scenario } = &points[cell.point];
        let design = &scenario.designs[cell.design];
        let result = models::run::run_design(scenario, design, seeds[rep]);
        progress.run_done();
        let result = match result {
            Ok(r) => r,
            Err(source) => {
                stop.store(true, Ordering::Relaxed);
                let mut first = lock(&first_error);
                if first.as_ref().is_none_or(|(i, _)| t < *i) {
                    *first = Some((
                        t,
                        SweepRunError::Run {
                            point: point.index,
                            design: design.name.clone(),
                            seed: seeds[rep],
                            source,
                        },
                    ));
                }
                return;
            }
        };
        lock(&runs[c])[rep] = Some(result);
        if left[c].fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        // The last replication of the cell: the row.
        let done: Vec<DesignResult> = std::mem::take(&mut *lock(&runs[c]))
            .into_iter()
            .flatten()
            .collect();
        let verdicts: Vec<Verdict> = goals
            .iter()
            .filter(|a| a.design.as_ref().is_none_or(|d| d == &design.name))
            .map(|a| models::assertions::evaluate(a, &done, seeds))
            .collect();
        let row = reports::sweep::row(point.index, &point.values, cell.design, &done, &verdicts);
        let line = reports::sweep::row_line(&row);
        if let Err(e) = journal(&line) {
            stop.store(true, Ordering::Relaxed);
            *lock(&first_error) = Some((0, SweepRunError::Journal(e)));
        }
        lock(&new_rows).push((row, line));
        let finished = cells_done.fetch_add(1, Ordering::Relaxed) + 1;
        progress.row_done(finished, cells.len());
    });
    if let Some((_, e)) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    Ok(new_rows.into_inner().unwrap_or_else(|e| e.into_inner()))
}
