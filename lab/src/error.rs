//! [`LabError`]: what can go wrong in a lab run, from its command line to its report.
//!
//! Every variant's [`Display`](std::fmt::Display) is the one-line message the lab prints
//! (the same text the functions returned as a `String` before they had a typed error);
//! callers that only want that text convert with `String::from` (or `?` into a
//! `Result<_, String>`).

use models::load::ScenarioError;
use reports::ReportError;
use sim_core::dist::DistError;
use sim_core::error::SimError;
use sim_core::metrics::MetricsError;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// What failed in a lab run: a command-line value, the setup, a file, the output, the
/// report, or a check of a grading pack.
#[derive(Debug)]
#[non_exhaustive]
pub enum LabError {
    /// A write to the output failed because its reader went away (`| head`): the program
    /// ends quietly (`the output was closed`, as `args::CLOSED_PIPE` says).
    ClosedOutput,
    /// A write to the output failed (`cannot write: <error>`).
    Output(io::Error),
    /// The command line did not parse (clap's message, usage included).
    CommandLine(clap::Error),
    /// A contact rule that is none of `home`, `sticky`, `random` or a replica's number.
    BadContact(String),
    /// A `--window` that is not `FROM_MS..TO_MS` with `FROM < TO`.
    BadWindow(String),
    /// `--seeds 0`.
    ZeroSeeds,
    /// A `--duration` that is not a positive number of seconds.
    BadDuration(f64),
    /// `--keys` for a workload without keys.
    NoKeys,
    /// A `--latency-ms` mean that is not a positive number.
    BadLatencyMean(f64),
    /// A latency distribution of the nemesis that does not validate (`--latency-ms: ...`).
    BadLatency(DistError),
    /// A probability option (`--loss`, `--duplicate`) outside `[0, 1]`.
    BadProbability {
        /// The option.
        option: &'static str,
        /// Its value.
        value: f64,
    },
    /// A `--fault-rate` that is not a finite number `>= 0`.
    BadFaultRate(f64),
    /// Fault durations of the nemesis out of order (`0 < min <= max`).
    BadFaultDurations {
        /// The shortest fault, in seconds.
        min_s: f64,
        /// The longest fault, in seconds.
        max_s: f64,
    },
    /// A `--nemesis` word caplab does not know.
    UnknownNemesisWord {
        /// The word.
        word: String,
        /// The words there are (`nemesis::WORDS`).
        words: &'static str,
    },
    /// `--state` without `--step`.
    StateWithoutStep,
    /// A `--state` replica the setup does not have.
    NoReplica {
        /// The replicas' name (`kv`).
        store: String,
        /// The replica asked for.
        replica: u32,
        /// How many replicas there are.
        replicas: u32,
    },
    /// A `--state` name that is a node, but not one replica.
    NotOneReplica {
        /// The name given.
        name: String,
        /// The replicas' name (`kv`).
        store: String,
        /// How many replicas there are.
        replicas: u32,
    },
    /// A `--state` name that is no node (`--state: <why>`).
    State(Box<LabError>),
    /// `chaos` given an option of a single run (`--seed`, `--step`, `--state`, `--window`).
    ChaosSingleRunOptions,
    /// A value of the setup, a scenario or a pack, named by its JSON path (`<path>:
    /// <message>`).
    Invalid {
        /// The JSON path (`workload.read`, `checks[2].seeds`).
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// A value, named by its JSON path, that is wrong for the reason `source` gives.
    Field {
        /// The JSON path (`checks[0].contact`).
        path: String,
        /// What is wrong with it.
        source: Box<LabError>,
    },
    /// A setup without replicas or without client groups.
    NoNodes,
    /// The network was refused by the engine (`network.<error>`).
    Network(SimError),
    /// The time series of the run could not be set up (`window_s: <error>`).
    Metrics(MetricsError),
    /// A fault target or node name that names no node of the lab.
    NoNode {
        /// The name.
        target: String,
        /// The nodes the lab has.
        nodes: LabNodes,
    },
    /// A node name `name#i` whose instance `i` is no number.
    BadInstance {
        /// The name.
        target: String,
        /// The nodes the lab has.
        nodes: LabNodes,
    },
    /// A scenario file (or bundled scenario) that could not be loaded.
    Scenario(ScenarioError),
    /// A fault of the setup that could not be turned into the engine's faults
    /// (`faults[<i>]: <why>`).
    Fault {
        /// The fault's index in the setup's faults.
        index: usize,
        /// Why.
        message: String,
    },
    /// A fault the engine refused to schedule (`faults[<i>]: <error>`).
    ScheduleFault {
        /// The fault's index in the setup's faults.
        index: usize,
        /// The engine's error.
        source: SimError,
    },
    /// A file that could not be read (`<path>: cannot read: <error>`).
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A grading pack that could not be read (`<path>: cannot read: <error> (a pack is a
    /// directory holding pack.json, or that file)`).
    ReadPack {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A `pack.json` that does not parse (`<path>:<line>:<column>: <error>`).
    InvalidPack {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A `--faults` file that does not parse (`<path>:<line>:<column>: not a list of
    /// faults: <error>`).
    InvalidFaults {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// Something wrong in a file that parsed (`<path>: <why>`).
    InFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: Box<LabError>,
    },
    /// A directory that could not be created (`cannot create <path>: <error>`).
    CreateDir {
        /// The directory.
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
    /// The run's files (`results.json`...) that could not be written into a directory
    /// (`cannot write into <path>: <error>`).
    WriteInto {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A diagram left by an earlier run that could not be removed (`cannot remove the
    /// stale <path>: <error>`).
    RemoveStale {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Something that could not be serialised as JSON (`cannot serialise the <what>:
    /// <error>`).
    Serialise {
        /// What: `grades`, `faults`.
        what: &'static str,
        /// The error.
        source: serde_json::Error,
    },
    /// The report (or one of its charts) could not be drawn or written.
    Report(ReportError),
    /// A check of a grading pack that could not be run (`checks[<i>] (<name>): <why>`).
    Check {
        /// The check's index in the pack.
        index: usize,
        /// The check's name.
        name: String,
        /// Why.
        source: Box<LabError>,
    },
}

/// The nodes of a lab setup, as an error about a node name lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabNodes {
    /// The replicas' name (`kv`).
    pub store: String,
    /// How many replicas.
    pub replicas: u32,
    /// The client groups' name (`app`).
    pub group: String,
    /// How many client groups.
    pub groups: u32,
}

impl fmt::Display for LabNodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the lab has replicas {s}#0..{s}#{} (or {s}) and client groups {g}#0..{g}#{} \
             (or {g}, or client)",
            self.replicas.saturating_sub(1),
            self.groups.saturating_sub(1),
            s = self.store,
            g = self.group,
        )
    }
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::ClosedOutput => f.write_str("the output was closed"),
            LabError::Output(e) => write!(f, "cannot write: {e}"),
            LabError::CommandLine(e) => write!(f, "{e}"),
            LabError::BadContact(v) => {
                write!(f, "home, sticky, random or a replica's number, not {v}")
            }
            LabError::BadWindow(v) => write!(f, "FROM_MS..TO_MS with FROM < TO, not {v}"),
            LabError::ZeroSeeds => f.write_str("--seeds: at least 1"),
            LabError::BadDuration(d) => write!(f, "--duration: seconds, > 0, not {d}"),
            LabError::NoKeys => {
                f.write_str("--keys: only register and Kafka-log workloads have keys")
            }
            LabError::BadLatencyMean(ms) => {
                write!(f, "--latency-ms: a mean in ms, > 0, not {ms}")
            }
            LabError::BadLatency(e) => write!(f, "--latency-ms: {e}"),
            LabError::BadProbability { option, value } => {
                write!(f, "{option}: a probability in [0, 1], not {value}")
            }
            LabError::BadFaultRate(r) => {
                write!(f, "--fault-rate: faults per minute, >= 0, not {r}")
            }
            LabError::BadFaultDurations { min_s, max_s } => {
                write!(f, "fault durations: 0 < min ({min_s}) <= max ({max_s})")
            }
            LabError::UnknownNemesisWord { word, words } => {
                write!(f, "--nemesis: unknown word {word:?}; the words are {words}")
            }
            LabError::StateWithoutStep => {
                f.write_str("--state prints a replica's state in single-step mode: add --step")
            }
            LabError::NoReplica {
                store,
                replica,
                replicas,
            } => write!(
                f,
                "--state: no replica {store}#{replica} (the lab has {replicas} replicas)"
            ),
            LabError::NotOneReplica {
                name,
                store,
                replicas,
            } => write!(
                f,
                "--state: {name} is not one replica (they are {store}#0..{store}#{})",
                replicas.saturating_sub(1)
            ),
            LabError::State(e) => write!(f, "--state: {e}"),
            LabError::ChaosSingleRunOptions => f.write_str(
                "chaos runs --seeds seeds from --first-seed: --seed, --step, --state and \
                 --window belong to a single run (the replay line)",
            ),
            LabError::Invalid { path, message } => write!(f, "{path}: {message}"),
            LabError::Field { path, source } => write!(f, "{path}: {source}"),
            LabError::NoNodes => {
                f.write_str("the lab needs at least one replica and one client group")
            }
            LabError::Network(e) => write!(f, "network.{e}"),
            LabError::Metrics(e) => write!(f, "window_s: {e}"),
            LabError::NoNode { target, nodes } => write!(f, "no node {target:?}: {nodes}"),
            LabError::BadInstance { target, nodes } => {
                write!(f, "bad instance in {target:?}: {nodes}")
            }
            LabError::Scenario(e) => write!(f, "{e}"),
            LabError::Fault { index, message } => write!(f, "faults[{index}]: {message}"),
            LabError::ScheduleFault { index, source } => write!(f, "faults[{index}]: {source}"),
            LabError::Read { path, source } => {
                write!(f, "{}: cannot read: {source}", path.display())
            }
            LabError::ReadPack { path, source } => write!(
                f,
                "{}: cannot read: {source} (a pack is a directory holding pack.json, or that \
                 file)",
                path.display()
            ),
            LabError::InvalidPack { path, source } => write!(
                f,
                "{}:{}:{}: {source}",
                path.display(),
                source.line(),
                source.column()
            ),
            LabError::InvalidFaults { path, source } => write!(
                f,
                "{}:{}:{}: not a list of faults: {source}",
                path.display(),
                source.line(),
                source.column()
            ),
            LabError::InFile { path, source } => write!(f, "{}: {source}", path.display()),
            LabError::CreateDir { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            LabError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            LabError::WriteInto { path, source } => {
                write!(f, "cannot write into {}: {source}", path.display())
            }
            LabError::RemoveStale { path, source } => {
                write!(f, "cannot remove the stale {}: {source}", path.display())
            }
            LabError::Serialise { what, source } => {
                write!(f, "cannot serialise the {what}: {source}")
            }
            LabError::Report(e) => write!(f, "{e}"),
            LabError::Check {
                index,
                name,
                source,
            } => write!(f, "checks[{index}] ({name}): {source}"),
        }
    }
}

impl std::error::Error for LabError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LabError::Output(e) => Some(e),
            LabError::CommandLine(e) => Some(e),
            LabError::BadLatency(e) => Some(e),
            LabError::Network(e) | LabError::ScheduleFault { source: e, .. } => Some(e),
            LabError::Metrics(e) => Some(e),
            LabError::Scenario(e) => Some(e),
            LabError::Report(e) => Some(e),
            LabError::Read { source, .. }
            | LabError::ReadPack { source, .. }
            | LabError::CreateDir { source, .. }
            | LabError::Write { source, .. }
            | LabError::WriteInto { source, .. }
            | LabError::RemoveStale { source, .. } => Some(source),
            LabError::InvalidPack { source, .. }
            | LabError::InvalidFaults { source, .. }
            | LabError::Serialise { source, .. } => Some(source),
            LabError::State(source)
            | LabError::Field { source, .. }
            | LabError::InFile { source, .. }
            | LabError::Check { source, .. } => Some(source.as_ref()),
            LabError::ClosedOutput
            | LabError::BadContact(_)
            | LabError::BadWindow(_)
            | LabError::ZeroSeeds
            | LabError::BadDuration(_)
            | LabError::NoKeys
            | LabError::BadLatencyMean(_)
            | LabError::BadProbability { .. }
            | LabError::BadFaultRate(_)
            | LabError::BadFaultDurations { .. }
            | LabError::UnknownNemesisWord { .. }
            | LabError::StateWithoutStep
            | LabError::NoReplica { .. }
            | LabError::NotOneReplica { .. }
            | LabError::ChaosSingleRunOptions
            | LabError::Invalid { .. }
            | LabError::NoNodes
            | LabError::NoNode { .. }
            | LabError::BadInstance { .. }
            | LabError::Fault { .. } => None,
        }
    }
}

impl From<LabError> for String {
    fn from(e: LabError) -> String {
        e.to_string()
    }
}

impl From<ScenarioError> for LabError {
    fn from(e: ScenarioError) -> LabError {
        LabError::Scenario(e)
    }
}

impl From<ReportError> for LabError {
    fn from(e: ReportError) -> LabError {
        LabError::Report(e)
    }
}

impl LabError {
    /// The error of a failed write to the output: [`LabError::ClosedOutput`] when its
    /// reader went away, else [`LabError::Output`].
    pub fn output(e: io::Error) -> LabError {
        if e.kind() == io::ErrorKind::BrokenPipe {
            LabError::ClosedOutput
        } else {
            LabError::Output(e)
        }
    }

    /// An invalid value at `path` (a JSON path), with what is wrong with it.
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> LabError {
        LabError::Invalid {
            path: path.into(),
            message: message.into(),
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

    fn nodes() -> LabNodes {
        LabNodes {
            store: "kv".to_string(),
            replicas: 3,
            group: "app".to_string(),
            groups: 2,
        }
    }

    fn sim_error() -> SimError {
        SimError::invalid("loss", "must be in [0, 1], got 2")
    }

    /// `LabError` goes where a `Box<dyn Error + Send + Sync>` is wanted (clap's value
    /// parsers, threads).
    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<LabError>();
    }

    /// Each message is the text the functions returned as a `String` before (the
    /// expected strings are the former `format!`s, with their arguments).
    #[test]
    fn messages_are_the_former_strings() {
        let path = Path::new("packs/x/pack.json");
        let p = || path.to_path_buf();
        let e = json();
        let (line, column) = (e.line(), e.column());
        let known = "the lab has replicas kv#0..kv#2 (or kv) and client groups app#0..app#1 \
                     (or app, or client)";
        let dist = DistError {
            path: "exponential.mean".to_string(),
            message: "must be a finite number > 0, got -1".to_string(),
        };
        let scenario = ScenarioError {
            file: "bad.json".to_string(),
            problems: vec![models::load::Problem::new("seed", "not a number")],
        };
        let cases: Vec<(LabError, String)> = vec![
            (LabError::ClosedOutput, "the output was closed".to_string()),
            (LabError::Output(io()), format!("cannot write: {}", io())),
            (
                LabError::BadContact("x".to_string()),
                "home, sticky, random or a replica's number, not x".to_string(),
            ),
            (
                LabError::BadWindow("5..1".to_string()),
                "FROM_MS..TO_MS with FROM < TO, not 5..1".to_string(),
            ),
            (LabError::ZeroSeeds, "--seeds: at least 1".to_string()),
            (
                LabError::BadDuration(-1.5),
                "--duration: seconds, > 0, not -1.5".to_string(),
            ),
            (
                LabError::NoKeys,
                "--keys: only register and Kafka-log workloads have keys".to_string(),
            ),
            (
                LabError::BadLatencyMean(0.0),
                "--latency-ms: a mean in ms, > 0, not 0".to_string(),
            ),
            (
                LabError::BadLatency(dist.clone()),
                format!("--latency-ms: {dist}"),
            ),
            (
                LabError::BadProbability {
                    option: "--loss",
                    value: 1.5,
                },
                "--loss: a probability in [0, 1], not 1.5".to_string(),
            ),
            (
                LabError::BadFaultRate(f64::NAN),
                "--fault-rate: faults per minute, >= 0, not NaN".to_string(),
            ),
            (
                LabError::BadFaultDurations {
                    min_s: 2.0,
                    max_s: 1.5,
                },
                "fault durations: 0 < min (2) <= max (1.5)".to_string(),
            ),
            (
                LabError::UnknownNemesisWord {
                    word: "chaos".to_string(),
                    words: crate::nemesis::WORDS,
                },
                format!(
                    "--nemesis: unknown word \"chaos\"; the words are {}",
                    crate::nemesis::WORDS
                ),
            ),
            (
                LabError::StateWithoutStep,
                "--state prints a replica's state in single-step mode: add --step".to_string(),
            ),
            (
                LabError::NoReplica {
                    store: "kv".to_string(),
                    replica: 7,
                    replicas: 3,
                },
                "--state: no replica kv#7 (the lab has 3 replicas)".to_string(),
            ),
            (
                LabError::NotOneReplica {
                    name: "kv".to_string(),
                    store: "kv".to_string(),
                    replicas: 3,
                },
                "--state: kv is not one replica (they are kv#0..kv#2)".to_string(),
            ),
            (
                LabError::State(Box::new(LabError::NoNode {
                    target: "db#1".to_string(),
                    nodes: nodes(),
                })),
                format!("--state: no node \"db#1\": {known}"),
            ),
            (
                LabError::ChaosSingleRunOptions,
                "chaos runs --seeds seeds from --first-seed: --seed, --step, --state and \
                 --window belong to a single run (the replay line)"
                    .to_string(),
            ),
            (
                LabError::invalid("workload.read", "a fraction must be in [0, 1], got 2"),
                "workload.read: a fraction must be in [0, 1], got 2".to_string(),
            ),
            (
                LabError::Field {
                    path: "checks[0].contact".to_string(),
                    source: Box::new(LabError::BadContact("far".to_string())),
                },
                "checks[0].contact: home, sticky, random or a replica's number, not far"
                    .to_string(),
            ),
            (
                LabError::NoNodes,
                "the lab needs at least one replica and one client group".to_string(),
            ),
            (
                LabError::Network(sim_error()),
                format!("network.{}", sim_error()),
            ),
            (
                LabError::Metrics(MetricsError::ZeroWindow),
                format!("window_s: {}", MetricsError::ZeroWindow),
            ),
            (
                LabError::NoNode {
                    target: "db#1".to_string(),
                    nodes: nodes(),
                },
                format!("no node \"db#1\": {known}"),
            ),
            (
                LabError::BadInstance {
                    target: "kv#x".to_string(),
                    nodes: nodes(),
                },
                format!("bad instance in \"kv#x\": {known}"),
            ),
            (LabError::Scenario(scenario.clone()), scenario.to_string()),
            (
                LabError::Fault {
                    index: 2,
                    message: "the lab has no load balancer to drain a node from".to_string(),
                },
                "faults[2]: the lab has no load balancer to drain a node from".to_string(),
            ),
            (
                LabError::ScheduleFault {
                    index: 1,
                    source: sim_error(),
                },
                format!("faults[1]: {}", sim_error()),
            ),
            (
                LabError::Read {
                    path: p(),
                    source: io(),
                },
                format!("{}: cannot read: {}", path.display(), io()),
            ),
            (
                LabError::ReadPack {
                    path: p(),
                    source: io(),
                },
                format!(
                    "{}: cannot read: {} (a pack is a directory holding pack.json, or that file)",
                    path.display(),
                    io()
                ),
            ),
            (
                LabError::InvalidPack {
                    path: p(),
                    source: json(),
                },
                format!("{}:{line}:{column}: {e}", path.display()),
            ),
            (
                LabError::InvalidFaults {
                    path: p(),
                    source: json(),
                },
                format!(
                    "{}:{line}:{column}: not a list of faults: {e}",
                    path.display()
                ),
            ),
            (
                LabError::InFile {
                    path: p(),
                    source: Box::new(LabError::invalid("seeds", "at least 1")),
                },
                format!("{}: seeds: at least 1", path.display()),
            ),
            (
                LabError::CreateDir {
                    path: p(),
                    source: io(),
                },
                format!("cannot create {}: {}", path.display(), io()),
            ),
            (
                LabError::Write {
                    path: p(),
                    source: io(),
                },
                format!("cannot write {}: {}", path.display(), io()),
            ),
            (
                LabError::WriteInto {
                    path: p(),
                    source: io(),
                },
                format!("cannot write into {}: {}", path.display(), io()),
            ),
            (
                LabError::RemoveStale {
                    path: p(),
                    source: io(),
                },
                format!("cannot remove the stale {}: {}", path.display(), io()),
            ),
            (
                LabError::Serialise {
                    what: "grades",
                    source: json(),
                },
                format!("cannot serialise the grades: {e}"),
            ),
            (
                LabError::Report(ReportError::Draw("backend error".to_string())),
                "backend error".to_string(),
            ),
            (
                LabError::Check {
                    index: 3,
                    name: "crashes".to_string(),
                    source: Box::new(LabError::invalid(
                        "availability.group",
                        "app#9 is not a client group",
                    )),
                },
                "checks[3] (crashes): availability.group: app#9 is not a client group".to_string(),
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message, "{error:?}");
            assert_eq!(String::from(error), message);
        }
    }

    /// A clap error is shown as clap shows it.
    #[test]
    fn command_line_errors_are_clap_s() {
        let e = clap::Error::raw(clap::error::ErrorKind::InvalidValue, "bad value\n");
        let message = e.to_string();
        assert_eq!(LabError::CommandLine(e).to_string(), message);
    }

    #[test]
    fn sources_are_the_inner_errors() {
        let read = LabError::Read {
            path: "x".into(),
            source: io(),
        };
        assert_eq!(read.source().map(|s| s.to_string()), Some(io().to_string()));
        let check = LabError::Check {
            index: 0,
            name: "a".to_string(),
            source: Box::new(LabError::ZeroSeeds),
        };
        assert_eq!(
            check.source().map(|s| s.to_string()),
            Some("--seeds: at least 1".to_string())
        );
        let report = LabError::from(ReportError::Draw("backend error".to_string()));
        assert!(report
            .source()
            .is_some_and(|s| s.downcast_ref::<ReportError>().is_some()));
        assert!(LabError::Network(sim_error())
            .source()
            .is_some_and(|s| s.downcast_ref::<SimError>().is_some()));
        assert!(LabError::NoKeys.source().is_none());
    }

    /// A closed pipe is told apart from other failed writes.
    #[test]
    fn output_tells_a_closed_pipe() {
        assert!(matches!(
            LabError::output(io::Error::from(io::ErrorKind::BrokenPipe)),
            LabError::ClosedOutput
        ));
        assert!(matches!(LabError::output(io()), LabError::Output(_)));
        // The CLI ends quietly on this message (`args::CLOSED_PIPE`).
        assert_eq!(LabError::ClosedOutput.to_string(), crate::args::CLOSED_PIPE);
    }
}
