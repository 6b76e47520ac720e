//! A sweep's journal (`sweep.json` and `sweep.jsonl`, one row per finished (point, design)):
//! opening it with the rows kept ([`open`]), refusing rows that are not of its grid
//! ([`outside_grid`]), the shards of one sweep read together ([`merge_shards`]), and the
//! rows of a finished sweep sorted and checked complete ([`complete`]).

use reports::sweep::{SweepMeta, SweepRow};
use reports::ReportError;
use std::fmt;
use std::path::{Path, PathBuf};

/// A journal row: the parsed row and its line as written.
pub type Row = (SweepRow, String);

/// Why a journal could not be opened.
#[derive(Debug)]
pub struct JournalError {
    /// What was being done: `create`, `write` or `open`.
    pub action: &'static str,
    /// The directory or file.
    pub path: PathBuf,
    /// Why.
    pub source: std::io::Error,
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} {}: {}",
            self.action,
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// Writes `sweep.json` and starts `sweep.jsonl` with the rows kept; the file to append the
/// next rows to.
pub fn open(dir: &Path, meta: &SweepMeta, kept: &[Row]) -> Result<std::fs::File, JournalError> {
    let failed = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| JournalError {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(failed("create", dir))?;
    let meta_path = dir.join("sweep.json");
    std::fs::write(&meta_path, reports::sweep::meta_json(meta))
        .map_err(failed("write", &meta_path))?;
    let path = dir.join("sweep.jsonl");
    let text: String = kept.iter().map(|(_, l)| l.as_str()).collect();
    std::fs::write(&path, text).map_err(failed("write", &path))?;
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(failed("open", &path))
}

/// The first journal row that does not belong to the grid `meta` describes (a point past
/// the last, a design it does not have or under another name, another shard's point, or
/// another number of replications), said as an error.
pub fn outside_grid(meta: &SweepMeta, rows: &[Row]) -> Option<String> {
    let shard = meta.shard.as_deref().and_then(|s| {
        let (k, n) = s.split_once('/')?;
        Some((k.parse::<usize>().ok()?, n.parse::<usize>().ok()?))
    });
    for (i, (row, _)) in rows.iter().enumerate() {
        let why = if row.point >= meta.points {
            format!(
                "point {} is past the grid's {} points",
                row.point, meta.points
            )
        } else if meta.designs.get(row.design_index) != Some(&row.design) {
            format!(
                "design {} `{}` is not the sweep's design {}",
                row.design_index, row.design, row.design_index
            )
        } else if shard.is_some_and(|(k, n)| n == 0 || row.point % n != k) {
            format!(
                "point {} does not belong to shard {}",
                row.point,
                meta.shard.as_deref().unwrap_or("")
            )
        } else if row.replications != meta.replications {
            format!(
                "{} replications where the sweep has {}",
                row.replications, meta.replications
            )
        } else {
            continue;
        };
        return Some(format!("sweep.jsonl row {}: {why}", i + 1));
    }
    None
}

/// Why shards could not be merged.
#[derive(Debug)]
pub enum MergeError {
    /// A shard directory that could not be read.
    Read(ReportError),
    /// A shard with a row outside its grid.
    OutsideGrid {
        /// The shard directory.
        dir: PathBuf,
        /// The row and why.
        why: String,
    },
    /// A shard of another sweep than the first shard's.
    OtherSweep {
        /// The shard directory.
        dir: PathBuf,
        /// The first shard's directory.
        first: PathBuf,
    },
    /// No shard given.
    NoShards,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MergeError::Read(e) => write!(f, "{e}"),
            MergeError::OutsideGrid { dir, why } => write!(f, "{}: {why}", dir.display()),
            MergeError::OtherSweep { dir, first } => write!(
                f,
                "{} is a shard of another sweep (scenario, grid, seeds or replications differ \
                 from {})",
                dir.display(),
                first.display()
            ),
            MergeError::NoShards => f.write_str("no shard directories given"),
        }
    }
}

impl std::error::Error for MergeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MergeError::Read(e) => Some(e),
            _ => None,
        }
    }
}

/// The rows of every shard of one sweep, and the sweep's description (unsharded).
pub fn merge_shards(shards: &[PathBuf]) -> Result<(SweepMeta, Vec<Row>), MergeError> {
    let mut meta: Option<SweepMeta> = None;
    let mut rows = Vec::new();
    for dir in shards {
        let (m, r) = reports::files::read_sweep(dir).map_err(MergeError::Read)?;
        if let Some(why) = outside_grid(&m, &r) {
            return Err(MergeError::OutsideGrid {
                dir: dir.clone(),
                why,
            });
        }
        let whole = SweepMeta { shard: None, ..m };
        match &meta {
            None => meta = Some(whole),
            Some(first) if *first != whole => {
                return Err(MergeError::OtherSweep {
                    dir: dir.clone(),
                    first: shards[0].clone(),
                })
            }
            Some(_) => {}
        }
        rows.extend(r);
    }
    let meta = meta.ok_or(MergeError::NoShards)?;
    Ok((meta, rows))
}

/// Why the rows of a sweep are not a finished sweep.
#[derive(Debug)]
pub enum IncompleteError {
    /// Rows that cannot be sorted (two rows for one (point, design)).
    Sort(ReportError),
    /// (point, design) pairs without a row.
    Missing(Vec<(usize, String)>),
}

impl fmt::Display for IncompleteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IncompleteError::Sort(e) => write!(f, "{e}"),
            IncompleteError::Missing(missing) => {
                let some: Vec<String> = missing
                    .iter()
                    .take(5)
                    .map(|(p, d)| format!("point {p} design {d}"))
                    .collect();
                write!(
                    f,
                    "{} rows missing ({}{})",
                    missing.len(),
                    some.join(", "),
                    if missing.len() > 5 { ", …" } else { "" }
                )
            }
        }
    }
}

impl std::error::Error for IncompleteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IncompleteError::Sort(e) => Some(e),
            IncompleteError::Missing(_) => None,
        }
    }
}

/// `rows` sorted by (point, design), every (point, design) of `meta` present once.
pub fn complete(meta: &SweepMeta, mut rows: Vec<Row>) -> Result<Vec<Row>, IncompleteError> {
    reports::sweep::sort_rows(&mut rows).map_err(IncompleteError::Sort)?;
    let missing = reports::sweep::missing(meta, &rows);
    if missing.is_empty() {
        Ok(rows)
    } else {
        Err(IncompleteError::Missing(missing))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep_runs::{self, Cell, CheckedPoint, SweepProgress};
    use std::sync::Mutex;

    struct Quiet;
    impl SweepProgress for Quiet {
        fn run_done(&self) {}
        fn row_done(&self, _: usize, _: usize) {}
    }

    /// Two points of the bundled sweep, every design, one replication: its description
    /// and its rows (as `run_cells` returns them, and as the journal received them).
    fn two_points() -> (SweepMeta, Vec<Row>, String) {
        let scenario = models::bundled::find("when-to-distribute")
            .expect("bundled")
            .load()
            .expect("valid");
        let spec = scenario.sweep.clone().expect("a sweep");
        let base = models::sweep::base_value(&scenario).expect("json");
        let points: Vec<CheckedPoint> = (0..2)
            .map(|i| {
                let (point, scenario) =
                    models::sweep::checked_point(&base, &spec, i).expect("a valid point");
                CheckedPoint { point, scenario }
            })
            .collect();
        let designs: Vec<String> = scenario.designs.iter().map(|d| d.name.clone()).collect();
        let cells: Vec<Cell> = (0..2)
            .flat_map(|point| (0..designs.len()).map(move |design| Cell { point, design }))
            .collect();
        let seeds = [scenario.seed];
        let goals = scenario.assertions.clone();
        let written = Mutex::new(String::new());
        let journal = |line: &str| {
            written.lock().expect("journal").push_str(line);
            Ok(())
        };
        let rows = sweep_runs::run_cells(&points, &cells, &seeds, &goals, 2, &journal, &Quiet)
            .expect("runs");
        let meta = SweepMeta {
            scenario: scenario.name.clone(),
            caplab_version: models::run::CAPLAB_VERSION.to_string(),
            seed: scenario.seed,
            replications: 1,
            seeds: seeds.to_vec(),
            parameters: Vec::new(),
            points: 2,
            designs,
            objectives: goals.iter().map(|a| a.expect.clone()).collect(),
            shard: None,
        };
        (meta, rows, written.into_inner().expect("journal"))
    }

    #[test]
    fn a_journal_is_complete_sorted_refuses_other_grids_and_merges_back() {
        let (meta, rows, written) = two_points();
        let n = 2 * meta.designs.len();
        assert_eq!(rows.len(), n);
        // Every row went to the journal, line for line.
        let mut lines: Vec<&str> = rows.iter().map(|(_, l)| l.as_str()).collect();
        let mut journal: Vec<&str> = written.split_inclusive('\n').collect();
        lines.sort();
        journal.sort();
        assert_eq!(lines, journal);
        // Complete: sorted by (point, design), whatever order the threads finished in.
        let sorted = complete(&meta, rows.iter().rev().cloned().collect()).expect("complete");
        let order: Vec<(usize, usize)> = sorted
            .iter()
            .map(|(r, _)| (r.point, r.design_index))
            .collect();
        let mut want = order.clone();
        want.sort();
        assert_eq!(order, want);
        // A missing row is named.
        let e = complete(&meta, sorted[..n - 1].to_vec()).expect_err("one missing");
        let last = meta.designs.last().expect("a design");
        assert_eq!(
            e.to_string(),
            format!("1 rows missing (point 1 design {last})")
        );
        // A row past a smaller grid, or of another replication count, is refused.
        let smaller = SweepMeta {
            points: 1,
            ..meta.clone()
        };
        let why = outside_grid(&smaller, &sorted).expect("outside");
        assert!(why.contains("point 1 is past the grid's 1 points"), "{why}");
        let more = SweepMeta {
            replications: 3,
            ..meta.clone()
        };
        let why = outside_grid(&more, &sorted).expect("outside");
        assert_eq!(
            why,
            "sweep.jsonl row 1: 1 replications where the sweep has 3"
        );
        assert!(outside_grid(&meta, &sorted).is_none());
        // Written as a journal and read back as a shard: the same sweep and rows.
        let dir = std::env::temp_dir().join(format!("caplab-journal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        drop(open(&dir, &meta, &sorted).expect("journal opened"));
        let (back, read) = merge_shards(std::slice::from_ref(&dir)).expect("merged");
        assert_eq!(back, meta);
        assert_eq!(read, sorted);
        assert!(matches!(merge_shards(&[]), Err(MergeError::NoShards)));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
