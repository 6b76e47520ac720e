//! The lab's command-line arguments (parsed by clap in `crate::cli`) and the error of a
//! failed write to the output.

use crate::error::LabError;
use crate::node::ReplicaId;
use crate::setup::{Check, Contact};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// The error of a write to the output that failed because its reader went away (`| head`):
/// the program ends quietly, with exit code 0, as `caplab` does.
pub const CLOSED_PIPE: &str = "the output was closed";

/// The error of a failed write to the output ([`LabError::ClosedOutput`] when its reader
/// went away).
pub fn write_error(e: std::io::Error) -> LabError {
    LabError::output(e)
}

/// The property to check, on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckArg {
    /// Linearizability.
    Linearizable,
    /// Sequential consistency (registers).
    Sequential,
    /// Convergence (counters, sets, broadcast).
    Converges,
    /// Read-your-writes (registers).
    ReadYourWrites,
    /// Monotonic reads (registers).
    MonotonicReads,
    /// Causal consistency (registers).
    Causal,
    /// Unique identifiers.
    Unique,
    /// A Kafka-style log: one message per offset, no lost writes, polls in order,
    /// committed offsets never going backwards.
    Kafka,
}

impl From<CheckArg> for Check {
    fn from(c: CheckArg) -> Check {
        match c {
            CheckArg::Linearizable => Check::Linearizable,
            CheckArg::Sequential => Check::Sequential,
            CheckArg::Converges => Check::Converges,
            CheckArg::ReadYourWrites => Check::ReadYourWrites,
            CheckArg::MonotonicReads => Check::MonotonicReads,
            CheckArg::Causal => Check::Causal,
            CheckArg::Unique => Check::Unique,
            CheckArg::Kafka => Check::Kafka,
        }
    }
}

impl CheckArg {
    pub(crate) fn word(self) -> &'static str {
        match self {
            CheckArg::Linearizable => "linearizable",
            CheckArg::Sequential => "sequential",
            CheckArg::Converges => "converges",
            CheckArg::ReadYourWrites => "read-your-writes",
            CheckArg::MonotonicReads => "monotonic-reads",
            CheckArg::Causal => "causal",
            CheckArg::Unique => "unique",
            CheckArg::Kafka => "kafka",
        }
    }

    /// The argument of a command-line word (`read-your-writes`), if it is one.
    pub fn from_word(word: &str) -> Option<CheckArg> {
        <CheckArg as ValueEnum>::from_str(word, false).ok()
    }
}

/// `home`, `sticky`, `random` or a replica's number.
pub(crate) fn parse_contact(v: &str) -> Result<Contact, LabError> {
    match v {
        "home" => Ok(Contact::Home),
        "sticky" => Ok(Contact::Sticky),
        "random" => Ok(Contact::Random),
        n => n
            .parse::<u32>()
            .map(|r| Contact::Fixed(ReplicaId(r)))
            .map_err(|_| LabError::BadContact(n.to_string())),
    }
}

/// A contact rule as the command line writes it.
pub(crate) fn contact_word(c: Contact) -> String {
    match c {
        Contact::Home => "home".to_string(),
        Contact::Sticky => "sticky".to_string(),
        Contact::Random => "random".to_string(),
        Contact::Fixed(r) => r.0.to_string(),
    }
}

/// `FROM_MS..TO_MS` in milliseconds → nanoseconds.
fn parse_window(v: &str) -> Result<(u64, u64), LabError> {
    v.split_once("..")
        .and_then(|(x, y)| {
            let x: f64 = x.parse().ok()?;
            let y: f64 = y.parse().ok()?;
            (x.is_finite() && y.is_finite() && 0.0 <= x && x < y)
                .then_some(((x * 1e6) as u64, (y * 1e6) as u64))
        })
        .ok_or_else(|| LabError::BadWindow(v.to_string()))
}

/// What a run is: the scenario, the nemesis, the check and the seed; shared by the run,
/// `chaos` and the replay lines.
#[derive(Args, Clone, Debug, Default)]
pub struct RunArgs {
    /// The seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// A scenario file, a bundled scenario's name (cap-partition), or `none` (no faults).
    #[arg(long, value_name = "FILE|NAME|none")]
    pub scenario: Option<String>,
    /// The property checked (default: the example's).
    #[arg(long, value_enum)]
    pub check: Option<CheckArg>,
    /// Which replica clients talk to: home (their group's), sticky (client i to replica
    /// i mod n), random (each request), or a replica's number (default: the example's).
    #[arg(long, value_name = "home|sticky|random|N", value_parser = parse_contact)]
    pub contact: Option<Contact>,
    /// Simulated seconds (default: the scenario's).
    #[arg(long, value_name = "S")]
    pub duration: Option<f64>,
    /// Random faults and network trouble, comma-separated: jitter, loss, duplicate, crash,
    /// partition, one-way, pause, skew, spike; or network, faults, all.
    #[arg(long, value_name = "WORDS")]
    pub nemesis: Option<String>,
    /// Latency jitter: exponential latency with this mean, in ms (implies jitter).
    #[arg(long, value_name = "MS")]
    pub latency_ms: Option<f64>,
    /// Loss probability of every message (implies loss).
    #[arg(long, value_name = "P")]
    pub loss: Option<f64>,
    /// Duplication probability of messages between replicas (implies duplicate).
    #[arg(long, value_name = "P")]
    pub duplicate: Option<f64>,
    /// Faults per simulated minute, of each kind the nemesis injects (default 6).
    #[arg(long, value_name = "PER_MIN")]
    pub fault_rate: Option<f64>,
    /// Crashes lose the node's durable state too (a disk never synced).
    #[arg(long)]
    pub amnesia: bool,
    /// Register and Kafka-log workloads: the number of keys (default: the example's).
    #[arg(long, value_name = "N")]
    pub keys: Option<u32>,
    /// Faults to run instead of those the nemesis draws (a JSON list, as a scenario's
    /// `faults`; `chaos` writes one for a shrunk counter-example).
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// The diagram's window (and, with --step, the events printed).
    #[arg(long, value_name = "FROM_MS..TO_MS", value_parser = parse_window)]
    pub window: Option<(u64, u64)>,
    /// Print every event as it is processed, with the messages it sent.
    #[arg(long)]
    pub step: bool,
    /// With --step: print this replica's state after each of its events (kv#2).
    #[arg(long, value_name = "REPLICA")]
    pub state: Option<String>,
    /// Where the report goes (default out/lab/NAME).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the verdict line only.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `chaos`: many seeds under a nemesis.
#[derive(Args, Clone, Debug)]
pub struct ChaosArgs {
    /// The run's scenario, nemesis and check (the nemesis defaults to `all`).
    #[command(flatten)]
    pub run: RunArgs,
    /// How many seeds.
    #[arg(long, default_value_t = 20)]
    pub seeds: u64,
    /// The first seed (then the next ones).
    #[arg(long, default_value_t = 1)]
    pub first_seed: u64,
    /// Most reruns spent shrinking the first failing seed's faults.
    #[arg(long, default_value_t = 100)]
    pub shrink_budget: usize,
}

/// `grade`: a pack of checks × seeds.
#[derive(Args, Clone, Debug)]
pub struct GradeArgs {
    /// The pack: a directory with pack.json (or the file itself).
    #[arg(long, value_name = "DIR")]
    pub pack: PathBuf,
    /// Seeds per check (default: the pack's).
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Write the grades as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the grades as JUnit XML here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Print the summary line only.
    #[arg(long, short)]
    pub quiet: bool,
}
