//! [`ReportError`]: what can go wrong drawing a report or reading and writing its files.
//!
//! Every variant's [`Display`](std::fmt::Display) is the one-line message the CLI prints
//! (the same text the functions returned as a `String` before they had a typed error);
//! callers that only want that text convert with `String::from` (or `?` into a
//! `Result<_, String>`).

use std::fmt;
use std::io;
use std::path::PathBuf;

/// What failed in a report, a chart, or a results, replications, sweep or message-window
/// file.
#[derive(Debug)]
#[non_exhaustive]
pub enum ReportError {
    /// plotters could not draw a chart; its message is all it gives.
    Draw(String),
    /// A chart drawn but not encoded as PNG.
    PngEncode(png::EncodingError),
    /// A chart of a report that could not be drawn (`chart <id>: <why>`).
    Chart {
        /// The chart's id.
        id: String,
        /// Why it could not be drawn.
        source: Box<ReportError>,
    },
    /// A file that could not be read (`cannot read <path>: <error>`).
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file that could not be written (`cannot write <path>: <error>`).
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// An output directory that could not be created (`cannot create <path>: <error>`).
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The directory of a file to write (`charts/`, `figures/`) that could not be created;
    /// the message is the I/O error's alone.
    CreateParent {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A `results.json` that does not parse (`<path>:<line>:<column>: invalid results
    /// file: <message>`, the location given once).
    InvalidResults {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A `replications.json` that does not parse (`<path>:<line>:<column>: invalid
    /// replications file: <error>`).
    InvalidReplications {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A saved message window (`spacetime-<design>.json`) that does not parse
    /// (`<path>:<line>:<column>: invalid message window: <error>`).
    InvalidWindow {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A saved message window of another design than the one its file name says.
    WindowOfOtherDesign {
        /// The file.
        path: PathBuf,
        /// The design the window is of.
        found: String,
        /// The design the file is named after.
        expected: String,
    },
    /// A sweep file that could not be read (`<path>: cannot read: <error>`).
    ReadSweep {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A `sweep.json` that does not parse (`<path>: <error>`).
    InvalidSweepMeta {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A `sweep.jsonl` whose rows are wrong (`<path>: <why>`).
    SweepRows {
        /// The file.
        path: PathBuf,
        /// What is wrong with its rows.
        source: Box<ReportError>,
    },
    /// A line of a `sweep.jsonl`, not the last one, that does not parse (`line <n>:
    /// <error>`, lines counted from 1).
    InvalidSweepLine {
        /// The line number, from 1.
        line: usize,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Two rows of a sweep for the same point and design, with different results.
    DuplicateRow {
        /// The point.
        point: usize,
        /// The design.
        design: String,
    },
    /// A saved message whose fate has a time (delivered, in flight, dropped at a down
    /// node) but none is given.
    MissingArrival {
        /// The message's fate.
        fate: String,
    },
    /// A saved message with a fate caplab does not know.
    UnknownFate(String),
    /// A saved message whose node index does not fit a node id.
    NodeOutOfRange(usize),
    /// The run recording a design's message window failed; the caller's message.
    Recording(String),
    /// The run with the message log on did not have the design's digest: the log changed
    /// the run.
    LogChangedRun {
        /// The design.
        design: String,
        /// The digest of the run with the message log on.
        recorded: String,
        /// The design's digest.
        plain: String,
    },
    /// A saved message window that is not the one of this run's counter-example.
    WindowMismatch {
        /// The design.
        design: String,
        /// The window saved.
        saved: Box<WindowKey>,
        /// The window of this run's counter-example.
        run: Box<WindowKey>,
    },
    /// Something wrong with one design's data (`design <name>: <why>`).
    InDesign {
        /// The design.
        design: String,
        /// What is wrong.
        source: Box<ReportError>,
    },
}

/// What identifies a message window: the run's digest, the store and the time span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowKey {
    /// The run's digest.
    pub digest: String,
    /// The store whose counter-example the window shows.
    pub store: String,
    /// Window start, ns.
    pub from_ns: u64,
    /// Window end, ns.
    pub to_ns: u64,
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::Draw(message) => f.write_str(message),
            ReportError::PngEncode(e) => write!(f, "{e}"),
            ReportError::Chart { id, source } => write!(f, "chart {id}: {source}"),
            ReportError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            ReportError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            ReportError::CreateDir { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            ReportError::CreateParent { source, .. } => write!(f, "{source}"),
            ReportError::InvalidResults { path, source } => {
                // serde_json ends its message with the location; it is given once, first.
                let message = source.to_string();
                let suffix = format!(" at line {} column {}", source.line(), source.column());
                let message = message.strip_suffix(&suffix).unwrap_or(&message);
                write!(
                    f,
                    "{}:{}:{}: invalid results file: {message}",
                    path.display(),
                    source.line(),
                    source.column()
                )
            }
            ReportError::InvalidReplications { path, source } => write!(
                f,
                "{}:{}:{}: invalid replications file: {source}",
                path.display(),
                source.line(),
                source.column()
            ),
            ReportError::InvalidWindow { path, source } => write!(
                f,
                "{}:{}:{}: invalid message window: {source}",
                path.display(),
                source.line(),
                source.column()
            ),
            ReportError::WindowOfOtherDesign {
                path,
                found,
                expected,
            } => write!(
                f,
                "{}: the window of design {found}, not {expected}",
                path.display()
            ),
            ReportError::ReadSweep { path, source } => {
                write!(f, "{}: cannot read: {source}", path.display())
            }
            ReportError::InvalidSweepMeta { path, source } => {
                write!(f, "{}: {source}", path.display())
            }
            ReportError::SweepRows { path, source } => write!(f, "{}: {source}", path.display()),
            ReportError::InvalidSweepLine { line, source } => write!(f, "line {line}: {source}"),
            ReportError::DuplicateRow { point, design } => write!(
                f,
                "point {point} design {design} appears twice with different results"
            ),
            ReportError::MissingArrival { fate } => write!(f, "a {fate} message without at_ns"),
            ReportError::UnknownFate(fate) => write!(f, "unknown fate {fate:?}"),
            ReportError::NodeOutOfRange(i) => write!(f, "node {i} out of range"),
            ReportError::Recording(message) => f.write_str(message),
            ReportError::LogChangedRun {
                design,
                recorded,
                plain,
            } => write!(
                f,
                "design {design}: the run with the message log on has digest {recorded}, the \
                 plain run {plain}: the log changed the run"
            ),
            ReportError::WindowMismatch { design, saved, run } => write!(
                f,
                "design {design}: the saved message window (digest {}, store {}, {} ns to {} ns) \
                 is not this run's (digest {}, store {}, {} ns to {} ns)",
                saved.digest,
                saved.store,
                saved.from_ns,
                saved.to_ns,
                run.digest,
                run.store,
                run.from_ns,
                run.to_ns
            ),
            ReportError::InDesign { design, source } => write!(f, "design {design}: {source}"),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::PngEncode(e) => Some(e),
            ReportError::Chart { source, .. }
            | ReportError::SweepRows { source, .. }
            | ReportError::InDesign { source, .. } => Some(source.as_ref()),
            ReportError::Read { source, .. }
            | ReportError::Write { source, .. }
            | ReportError::CreateDir { source, .. }
            | ReportError::CreateParent { source, .. }
            | ReportError::ReadSweep { source, .. } => Some(source),
            ReportError::InvalidResults { source, .. }
            | ReportError::InvalidReplications { source, .. }
            | ReportError::InvalidWindow { source, .. }
            | ReportError::InvalidSweepMeta { source, .. }
            | ReportError::InvalidSweepLine { source, .. } => Some(source),
            ReportError::Draw(_)
            | ReportError::WindowOfOtherDesign { .. }
            | ReportError::DuplicateRow { .. }
            | ReportError::MissingArrival { .. }
            | ReportError::UnknownFate(_)
            | ReportError::NodeOutOfRange(_)
            | ReportError::Recording(_)
            | ReportError::LogChangedRun { .. }
            | ReportError::WindowMismatch { .. } => None,
        }
    }
}

impl From<ReportError> for String {
    fn from(e: ReportError) -> String {
        e.to_string()
    }
}

impl ReportError {
    /// The error as the `std::io::Error` the `write_*` functions that return one have
    /// always given: same kind, same message.
    pub(crate) fn into_io(self) -> io::Error {
        match self {
            ReportError::CreateParent { source, .. } => source,
            ReportError::Read { ref source, .. }
            | ReportError::Write { ref source, .. }
            | ReportError::CreateDir { ref source, .. }
            | ReportError::ReadSweep { ref source, .. } => {
                io::Error::new(source.kind(), self.to_string())
            }
            other => io::Error::other(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;
    use std::path::Path;

    fn io() -> io::Error {
        io::Error::new(io::ErrorKind::PermissionDenied, "denied")
    }

    fn json() -> serde_json::Error {
        serde_json::from_str::<u32>("\n  \"x\"").unwrap_err()
    }

    /// Each message is the text the functions returned as a `String` before.
    #[test]
    fn messages_are_the_former_strings() {
        let path = Path::new("out/run/results.json");
        let p = || path.to_path_buf();
        let e = json();
        let (line, column) = (e.line(), e.column());
        let draw = || ReportError::Draw("backend error".to_string());
        let cases: Vec<(ReportError, String)> = vec![
            (draw(), "backend error".to_string()),
            (
                ReportError::Chart {
                    id: "cdf".to_string(),
                    source: Box::new(draw()),
                },
                "chart cdf: backend error".to_string(),
            ),
            (
                ReportError::Read {
                    path: p(),
                    source: io(),
                },
                format!("cannot read {}: {}", path.display(), io()),
            ),
            (
                ReportError::Write {
                    path: p(),
                    source: io(),
                },
                format!("cannot write {}: {}", path.display(), io()),
            ),
            (
                ReportError::CreateDir {
                    path: p(),
                    source: io(),
                },
                format!("cannot create {}: {}", path.display(), io()),
            ),
            (
                ReportError::CreateParent {
                    path: p(),
                    source: io(),
                },
                io().to_string(),
            ),
            (
                ReportError::InvalidResults {
                    path: p(),
                    source: json(),
                },
                format!(
                    "{}:{line}:{column}: invalid results file: {}",
                    path.display(),
                    e.to_string()
                        .strip_suffix(&format!(" at line {line} column {column}"))
                        .expect("serde_json locates its errors")
                ),
            ),
            (
                ReportError::InvalidReplications {
                    path: p(),
                    source: json(),
                },
                format!(
                    "{}:{line}:{column}: invalid replications file: {e}",
                    path.display()
                ),
            ),
            (
                ReportError::InvalidWindow {
                    path: p(),
                    source: json(),
                },
                format!(
                    "{}:{line}:{column}: invalid message window: {e}",
                    path.display()
                ),
            ),
            (
                ReportError::WindowOfOtherDesign {
                    path: p(),
                    found: "a".to_string(),
                    expected: "b".to_string(),
                },
                format!("{}: the window of design a, not b", path.display()),
            ),
            (
                ReportError::ReadSweep {
                    path: p(),
                    source: io(),
                },
                format!("{}: cannot read: {}", path.display(), io()),
            ),
            (
                ReportError::InvalidSweepMeta {
                    path: p(),
                    source: json(),
                },
                format!("{}: {e}", path.display()),
            ),
            (
                ReportError::SweepRows {
                    path: p(),
                    source: Box::new(ReportError::InvalidSweepLine {
                        line: 3,
                        source: json(),
                    }),
                },
                format!("{}: line 3: {e}", path.display()),
            ),
            (
                ReportError::DuplicateRow {
                    point: 4,
                    design: "cp".to_string(),
                },
                "point 4 design cp appears twice with different results".to_string(),
            ),
            (
                ReportError::InDesign {
                    design: "ap".to_string(),
                    source: Box::new(ReportError::MissingArrival {
                        fate: "delivered".to_string(),
                    }),
                },
                "design ap: a delivered message without at_ns".to_string(),
            ),
            (
                ReportError::UnknownFate("teleported".to_string()),
                "unknown fate \"teleported\"".to_string(),
            ),
            (
                ReportError::NodeOutOfRange(5_000_000_000),
                "node 5000000000 out of range".to_string(),
            ),
            (
                ReportError::Recording("no design x".to_string()),
                "no design x".to_string(),
            ),
            (
                ReportError::LogChangedRun {
                    design: "ap".to_string(),
                    recorded: "01".to_string(),
                    plain: "02".to_string(),
                },
                "design ap: the run with the message log on has digest 01, the plain run 02: \
                 the log changed the run"
                    .to_string(),
            ),
            (
                ReportError::WindowMismatch {
                    design: "ap".to_string(),
                    saved: Box::new(WindowKey {
                        digest: "01".to_string(),
                        store: "kv".to_string(),
                        from_ns: 1,
                        to_ns: 2,
                    }),
                    run: Box::new(WindowKey {
                        digest: "02".to_string(),
                        store: "kv2".to_string(),
                        from_ns: 3,
                        to_ns: 4,
                    }),
                },
                "design ap: the saved message window (digest 01, store kv, 1 ns to 2 ns) is \
                 not this run's (digest 02, store kv2, 3 ns to 4 ns)"
                    .to_string(),
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message, "{error:?}");
            assert_eq!(String::from(error), message);
        }
    }

    #[test]
    fn sources_are_the_inner_errors() {
        let read = ReportError::Read {
            path: "x".into(),
            source: io(),
        };
        assert_eq!(read.source().map(|s| s.to_string()), Some(io().to_string()));
        let chart = ReportError::Chart {
            id: "cdf".to_string(),
            source: Box::new(ReportError::Draw("backend error".to_string())),
        };
        assert_eq!(
            chart.source().map(|s| s.to_string()),
            Some("backend error".to_string())
        );
        assert!(ReportError::UnknownFate("x".to_string()).source().is_none());
    }

    /// The `write_*` functions that return an `io::Error` keep its kind and message.
    #[test]
    fn io_errors_keep_kind_and_message() {
        let write = ReportError::Write {
            path: "a/b.csv".into(),
            source: io(),
        };
        let message = write.to_string();
        let e = write.into_io();
        assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(e.to_string(), message);
        let parent = ReportError::CreateParent {
            path: "a".into(),
            source: io(),
        }
        .into_io();
        assert_eq!(parent.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(parent.to_string(), io().to_string());
    }
}
