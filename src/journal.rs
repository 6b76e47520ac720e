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
