//! Runs (design, seed) pairs on several threads. Each run is a whole single-threaded
//! simulation, so results do not depend on which thread ran it or when: they are collected
//! by index, and the output is byte-identical whatever the number of jobs.

use models::error::RunError;
use models::plan::Checked;
use models::results::DesignResult;
use models::scenario::Design;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

/// The number of jobs to use: `requested`, or every core when 0; at least 1.
pub fn jobs(requested: usize) -> usize {
    if requested > 0 {
        requested
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Where runs report how far they have got (a progress bar, or nothing). Called from the
/// thread that runs each design.
pub trait Progress: Sync {
    /// A run advanced by `simulated_ms` of simulated time and `events` events.
    fn advance(&self, simulated_ms: u64, events: u64);
    /// A run ended.
    fn run_done(&self);
}

/// No progress shown.
pub struct Silent;

impl Progress for Silent {
    fn advance(&self, _: u64, _: u64) {}
    fn run_done(&self) {}
}

/// Why a set of replications failed.
#[derive(Debug)]
pub enum ReplicationError {
    /// The first failing run in (design, replication) order.
    Run {
        /// The design.
        design: String,
        /// The seed of the run.
        seed: u64,
        /// Why it failed.
        source: RunError,
    },
    /// A run was skipped without a failing run before it (never expected: runs are
    /// claimed in order and a failure stops the claims after it).
    Incomplete,
}

impl fmt::Display for ReplicationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplicationError::Run {
                design,
                seed,
                source,
            } => write!(f, "design {design} (seed {seed}): {source}"),
            ReplicationError::Incomplete => f.write_str("a run failed"),
        }
    }
}

impl std::error::Error for ReplicationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReplicationError::Run { source, .. } => Some(source),
            ReplicationError::Incomplete => None,
        }
    }
}

impl From<ReplicationError> for String {
    fn from(e: ReplicationError) -> String {
        e.to_string()
    }
}

/// Runs every design under every seed on up to `jobs` threads and returns
/// `results[design][replication]`. On failure, the error of the first failing run in
/// (design, replication) order, prefixed with the design's name and the seed.
/// Each run reports its progress in simulated time to `progress`, from the thread that
/// runs it.
pub fn run_all(
    scenario: &Checked,
    designs: &[&Design],
    seeds: &[u64],
    jobs: usize,
    progress: &dyn Progress,
) -> Result<Vec<Vec<DesignResult>>, ReplicationError> {
    let tasks = designs.len() * seeds.len();
    if tasks == 0 {
        return Ok(designs.iter().map(|_| Vec::new()).collect());
    }
    let slots: Vec<Mutex<Option<Result<DesignResult, RunError>>>> =
        (0..tasks).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= tasks || failed.load(Ordering::Relaxed) {
            break;
        }
        let (d, k) = (i / seeds.len(), i % seeds.len());
        let (mut ms, mut events) = (0, 0);
        let result = models::run::run_design_observed(scenario, designs[d], seeds[k], &mut |p| {
            let now_ms = p.now.0 / 1_000_000;
            progress.advance(now_ms.saturating_sub(ms), p.events.saturating_sub(events));
            (ms, events) = (now_ms, p.events);
        });
        progress.run_done();
        if result.is_err() {
            failed.store(true, Ordering::Relaxed);
        }
        let mut slot = slots[i].lock().unwrap_or_else(|e| e.into_inner());
        *slot = Some(result);
    };
    let threads = jobs.clamp(1, tasks);
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(work);
            }
        });
    }
    let mut out: Vec<Vec<DesignResult>> = designs
        .iter()
        .map(|_| Vec::with_capacity(seeds.len()))
        .collect();
    for (i, slot) in slots.into_iter().enumerate() {
        let (d, k) = (i / seeds.len(), i % seeds.len());
        let result = slot.into_inner().unwrap_or_else(|e| e.into_inner());
        match result {
            Some(Ok(r)) => out[d].push(r),
            Some(Err(source)) => {
                return Err(ReplicationError::Run {
                    design: designs[d].name.clone(),
                    seed: seeds[k],
                    source,
                })
            }
            // Skipped after a failure. Runs are claimed in index order, so every run before
            // the first failing one ran: the first error in this order is always the same.
            None => {}
        }
    }
    if out.iter().any(|r| r.len() != seeds.len()) {
        return Err(ReplicationError::Incomplete);
    }
    Ok(out)
}

/// Calls `work(i)` for every `i < tasks` on up to `jobs` threads, claiming indexes in
/// increasing order; stops claiming once `stop` is set.
pub fn parallel(tasks: usize, jobs: usize, stop: &AtomicBool, work: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    let run = || loop {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= tasks {
            break;
        }
        work(i);
    };
    let threads = jobs.clamp(1, tasks.max(1));
    if threads == 1 {
        run();
    } else {
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(run);
            }
        });
    }
}
