//! The lab's tools around a run: a panicking node reported with its time, node and event;
//! a non-deterministic node traced to its first differing event; `chaos` shrinking to a
//! faults file whose replay line reproduces the run; grading to JSON and JUnit; the
//! starter template compiled against the lab; the report describing the lab run and
//! leaving no stale diagram; counter-examples naming clients as the diagram does and
//! labelling outcomes; convergence failures shown as differences.

#[allow(dead_code)]
#[path = "../lab/template/src/lib.rs"]
mod template;

use crate::lab::majority_register::MajorityRegister;
use crate::lab::primary_backup::PrimaryBackup;
use lab::harness::{self, RunOptions};
use lab::setup::{Check, Contact, Setup};
use lab::{
    evaluate, Answer, Example, Node, NodeCtx, Observation, Op, ReplicaId, Request, Workload,
};
use models::scenario::{FaultAction, FaultSpec};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lab-tools")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn run_cli<N: Node>(ex: &Example, list: &[&str]) -> (Result<bool, String>, String) {
    let mut out = Vec::new();
    let r = ex
        .run_with::<N>(&args(list), &mut out)
        .map_err(String::from);
    (r, String::from_utf8(out).expect("utf-8"))
}

/// A single register that panics at its 50th request on replica 1.
#[derive(Debug)]
struct Fragile {
    value: Option<u64>,
    seen: u64,
}

impl Node for Fragile {
    type Msg = ();
    type Timer = ();
    type Durable = ();
    fn boot(_: &mut NodeCtx<'_, Self>) -> Self {
        Fragile {
            value: None,
            seen: 0,
        }
    }
    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        self.seen += 1;
        if ctx.me() == ReplicaId(1) && self.seen == 50 {
            panic!("replica 1 gave up at its request {}", self.seen);
        }
        let answer = match req.op {
            Op::Read { .. } => Answer::Value(self.value),
            Op::Write { value, .. } => {
                self.value = Some(value);
                Answer::Written
            }
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }
    fn on_message(&mut self, _: &mut NodeCtx<'_, Self>, _: ReplicaId, _: ()) {}
}

fn fragile_setup() -> Setup {
    let mut s = Setup::new(Workload::register());
    s.duration_s = 5.0;
    s.home = vec![ReplicaId(0), ReplicaId(1)];
    s
}

#[test]
fn a_panicking_node_is_caught_and_reported_with_its_time_node_and_event() {
    // As `Example::run` does: a node's panic is recorded with its location, not printed.
    harness::quiet_node_panics();
    let setup = fragile_setup();
    let e = evaluate::<Fragile>(&setup, "fragile", None, None).expect("runs");
    assert_eq!(e.verdict.word, "panicked");
    let p = e.run.world.panic.clone().expect("recorded");
    assert_eq!(
        (p.node.as_str(), p.handler.as_str()),
        ("kv#1", "on_request")
    );
    assert!(p.message.contains("gave up at its request 50"), "{p:?}");
    assert!(
        p.location
            .as_deref()
            .is_some_and(|l| l.starts_with("tests/lab_tools.rs:")),
        "{p:?}"
    );
    assert!(
        e.verdict.summary.contains("kv#1 panicked at"),
        "{}",
        e.verdict.summary
    );
    // The run went on without kv#1: kv#0's clients were answered to the end, kv#1's not.
    let late = |g| {
        e.run
            .world
            .ops
            .iter()
            .filter(|o| o.group == g && o.invoke_ns > p.at_ns + 1_000_000)
            .map(|o| o.outcome == lab::Outcome::Ok)
            .collect::<Vec<bool>>()
    };
    assert!(!late(0).is_empty() && late(0).iter().all(|ok| *ok));
    assert!(late(1).iter().all(|ok| !*ok));
    // The event, replayed: the request that killed it.
    let line = harness::panicking_event::<Fragile>(&setup, setup.seed, &p).expect("replayed");
    assert!(
        line.contains("kv#1") && line.contains("message") && line.contains("req "),
        "{line}"
    );
    // Same seed, same panic, same run.
    let again = evaluate::<Fragile>(&setup, "fragile", None, None).expect("runs");
    assert_eq!(again.run.digest, e.run.digest);
    // On the command line: the panic, the event, and a --step line to see it.
    let ex = Example::new("fragile", Workload::register())
        .scenario("none")
        .contact(Contact::Random);
    let dir = tmp("panic");
    let (r, out) = run_cli::<Fragile>(
        &ex,
        &["--duration", "5", "--out", &dir.display().to_string()],
    );
    assert_eq!(r, Ok(false), "{out}");
    assert!(out.contains("panic: kv#1 panicked at"), "{out}");
    assert!(out.contains("  during event #"), "{out}");
    assert!(
        out.contains("--step --window") && out.contains("--state kv#1"),
        "{out}"
    );
}

static CALLS: AtomicU64 = AtomicU64::new(0);

/// Answers reads with a process-wide counter: two runs of one seed see different numbers.
#[derive(Debug)]
struct Leaky;

impl Node for Leaky {
    type Msg = ();
    type Timer = ();
    type Durable = ();
    fn boot(_: &mut NodeCtx<'_, Self>) -> Self {
        Leaky
    }
    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let answer = match req.op {
            Op::Read { .. } => Answer::Value(Some(CALLS.fetch_add(1, Ordering::Relaxed))),
            Op::Write { .. } => Answer::Written,
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }
    fn on_message(&mut self, _: &mut NodeCtx<'_, Self>, _: ReplicaId, _: ()) {}
}

#[test]
fn a_non_deterministic_node_is_traced_to_its_first_differing_event() {
    let mut setup = fragile_setup();
    setup.duration_s = 2.0;
    let d = lab::example::first_divergence::<Leaky>(&setup, 1)
        .expect("builds")
        .expect("the runs part");
    assert!(d.contains("a node is not deterministic"), "{d}");
    // The first answer that differs, named: the client that got it, from which replica.
    assert!(d.contains("message from kv#"), "{d}");
    assert!(d.contains("first run:") && d.contains("second run:"), "{d}");
    // A deterministic node gives none.
    assert_eq!(
        lab::example::first_divergence::<Fragile>(&setup, 1).expect("builds"),
        None
    );
}

#[test]
fn chaos_writes_a_shrunk_schedule_whose_replay_line_reproduces_the_run() {
    let ex = Example::new("primary-backup", Workload::register()).scenario("cap-partition");
    let dir = tmp("chaos");
    let out_dir = dir.display().to_string();
    let (r, out) = run_cli::<PrimaryBackup>(
        &ex,
        &[
            "chaos",
            "--scenario",
            "none",
            "--nemesis",
            "crash",
            "--seeds",
            "5",
            "--out",
            &out_dir,
        ],
    );
    assert_eq!(r, Ok(false), "{out}");
    assert!(
        out.contains("result: 5 of 5 seeds failed (seeds 1, 2, 3, 4, 5)"),
        "{out}"
    );
    let faults = dir.join("seed-1.faults.json");
    let shrunk: Vec<FaultSpec> =
        serde_json::from_str(&std::fs::read_to_string(&faults).expect("written")).expect("faults");
    assert_eq!(shrunk.len(), 1);
    assert!(matches!(&shrunk[0].action, FaultAction::Crash { target } if target == "kv#0"));
    // The replay line, run as it is printed, gives the same verdict and digest.
    let replay = out
        .lines()
        .find_map(|l| l.strip_prefix("replay: "))
        .and_then(|l| l.split("   (").next())
        .expect("a replay line");
    assert!(
        replay.contains("--scenario none") && replay.contains("--seed 1"),
        "{replay}"
    );
    let replay_args: Vec<&str> = replay
        .split(" -- ")
        .nth(1)
        .expect("arguments")
        .split_whitespace()
        .collect();
    let again_dir = tmp("chaos-replay").display().to_string();
    let mut list = replay_args.clone();
    list.extend(["--out", &again_dir]);
    let (r, again) = run_cli::<PrimaryBackup>(&ex, &list);
    assert_eq!(r, Ok(false), "{again}");
    let verdict = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("verdict:"))
            .map(str::to_string)
    };
    assert_eq!(verdict(&again), verdict(&out));
    let digest = |d: &str| {
        let json = std::fs::read_to_string(Path::new(d).join("results.json")).expect("written");
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        v["designs"][0]["digest"].clone()
    };
    assert_eq!(digest(&again_dir), digest(&out_dir));
}

#[test]
fn grading_is_all_or_nothing_for_safety_and_written_as_json_and_junit() {
    let dir = tmp("grade");
    let (json, xml) = (dir.join("g.json"), dir.join("g.xml"));
    let grade = |name: &str| -> (Result<bool, String>, String, serde_json::Value, String) {
        let ex = Example::new(name, Workload::register()).scenario("cap-partition");
        let list = [
            "grade",
            "--pack",
            "lab/packs/register",
            "--seeds",
            "4",
            "--json",
            &json.display().to_string(),
            "--junit",
            &xml.display().to_string(),
        ];
        let (r, out) = if name == "majority-register" {
            run_cli::<MajorityRegister>(&ex, &list)
        } else {
            run_cli::<PrimaryBackup>(&ex, &list)
        };
        let j =
            serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parses");
        (r, out, j, std::fs::read_to_string(&xml).expect("xml"))
    };
    let (r, out, j, x) = grade("majority-register");
    assert_eq!(r, Ok(true), "{out}");
    assert_eq!(
        (j["passed"].as_u64(), j["total"].as_u64()),
        (Some(6), Some(6))
    );
    assert!(
        x.contains("tests=\"6\" failures=\"0\"") && !x.contains("<failure"),
        "{x}"
    );
    let (r, out, j, x) = grade("primary-backup");
    assert_eq!(r, Ok(false), "{out}");
    let checks = j["checks"].as_array().expect("checks");
    let partition = &checks[1];
    assert_eq!(partition["kind"], "safety");
    assert_eq!(partition["passed"], false);
    assert_eq!(partition["failed_seeds"], serde_json::json!([1, 2, 3, 4]));
    assert!(partition["replay"]
        .as_str()
        .is_some_and(|r| r.contains("--scenario cap-partition") && r.ends_with("--seed 1")));
    let calm = &checks[0];
    assert_eq!(calm["passed"], true, "{calm}");
    let failures = x.matches("<failure").count() as u64;
    assert_eq!(
        failures,
        j["total"].as_u64().unwrap_or(0) - j["passed"].as_u64().unwrap_or(0)
    );
    // A pack with a typo is refused with its position; a threshold out of range by path.
    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).expect("dir");
    std::fs::write(
        bad.join("pack.json"),
        "{\"name\": \"x\", \"sedes\": 3, \"checks\": []}",
    )
    .expect("write");
    let e = lab::grade::load_pack(&bad)
        .expect_err("unknown field")
        .to_string();
    assert!(e.contains("pack.json:1:") && e.contains("sedes"), "{e}");
    std::fs::write(
        bad.join("pack.json"),
        r#"{"name": "x", "checks": [{"name": "a", "availability": {"at_least": 1.5}}]}"#,
    )
    .expect("write");
    let e = lab::grade::load_pack(&bad)
        .expect_err("out of range")
        .to_string();
    assert!(e.contains("checks[0].availability.at_least"), "{e}");
}

#[test]
fn the_template_compiles_against_the_lab_and_is_graded_unchanged() {
    // Its node module is compiled here, against the lab as it is; its Cargo.toml is a
    // workspace of its own and depends on the lab by path; its main.rs calls what lib.rs
    // offers.
    let toml = std::fs::read_to_string("lab/template/Cargo.toml").expect("template");
    assert!(toml.contains("caplab-lab = { path = \"..\" }") && toml.contains("[workspace]"));
    let main = std::fs::read_to_string("lab/template/src/main.rs").expect("template");
    assert!(main.contains("my_register::example().run::<my_register::MyRegister>()"));
    let ex = template::example();
    let setup = ex
        .setup_for(&lab::RunArgs::default(), "none", 2000)
        .expect("its defaults are valid");
    assert_eq!(setup.source.as_deref(), Some("cap-partition"));
    let e = evaluate::<template::MyRegister>(&setup, "my-register", None, None).expect("runs");
    assert!(e.verdict.holds(), "{}", e.verdict.summary);
    // In memory only: crashes break it, and grading says which checks.
    let mut grades = Vec::new();
    let (pack, base) = lab::grade::load_pack(Path::new("lab/packs/register")).expect("pack");
    let g = lab::grade::grade::<template::MyRegister>(&ex, &pack, &base, Some(3), &mut |c| {
        grades.push((c.name.clone(), c.passed))
    })
    .expect("grades");
    assert_eq!(g.total, 6);
    assert!(grades[0].1 && grades[1].1, "{grades:?}");
    assert!(!grades[2].1, "crashes empty it: {grades:?}");
    let replay = ex.replay_line(&lab::RunArgs::default(), 7, None);
    assert_eq!(replay, "cargo run -- --scenario cap-partition --seed 7");
}

#[test]
fn the_report_describes_the_lab_run_and_leaves_no_stale_diagram() {
    let dir = tmp("report");
    let d = dir.display().to_string();
    let pb = Example::new("primary-backup", Workload::register()).scenario("cap-partition");
    let (r, out) = run_cli::<PrimaryBackup>(&pb, &["--out", &d]);
    assert_eq!(r, Ok(false), "{out}");
    assert!(dir.join("lamport.svg").exists());
    let html = std::fs::read_to_string(dir.join("index.html")).expect("report");
    assert!(
        html.contains("Lab run of primary-backup: 3 replicas"),
        "scenario section"
    );
    assert!(html.contains("scenario cap-partition"));
    assert!(
        html.contains("cargo run --example primary-backup -- --scenario cap-partition --seed 2000")
    );
    assert!(!html.contains("caplab run &lt;scenario file&gt;"));
    // A run with no violation, into the same directory, removes the old diagram.
    let ab = Example::new("majority-register", Workload::register()).scenario("cap-partition");
    let (r, out) = run_cli::<MajorityRegister>(&ab, &["--out", &d, "--nemesis", "jitter"]);
    assert_eq!(r, Ok(true), "{out}");
    assert!(!dir.join("lamport.svg").exists(), "stale diagram left");
    let results = std::fs::read_to_string(dir.join("results.json")).expect("results");
    assert!(
        results.contains("latency exponential, mean 1 ms"),
        "the nemesis is described"
    );
    // Replay lines name every choice, `none` included.
    let (r, out) =
        run_cli::<MajorityRegister>(&ab, &["--scenario", "none", "--duration", "3", "--out", &d]);
    assert_eq!(r, Ok(true), "{out}");
    assert!(out.contains("replay: cargo run --example majority-register -- --scenario none --duration 3 --seed 1"), "{out}");
}

/// A grow-only set whose replicas never talk: they diverge.
#[derive(Debug)]
struct Islands;

#[derive(Clone, Debug, Default)]
struct Elements(BTreeSet<u64>);

impl Node for Islands {
    type Msg = ();
    type Timer = ();
    type Durable = Elements;
    fn boot(_: &mut NodeCtx<'_, Self>) -> Self {
        Islands
    }
    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        let answer = match req.op {
            Op::Insert { value } => {
                ctx.durable().0.insert(value);
                Answer::Inserted
            }
            Op::ReadSet => Answer::Set(ctx.durable().0.clone()),
            Op::Add { amount } => {
                ctx.durable().0.insert(amount as u64);
                Answer::Added
            }
            Op::ReadCounter => Answer::Counter(ctx.durable().0.len() as i64),
            _ => Answer::Unavailable,
        };
        ctx.reply(&req, answer);
    }
    fn on_message(&mut self, _: &mut NodeCtx<'_, Self>, _: ReplicaId, _: ()) {}
    fn observe(&self, d: &Elements) -> Option<Observation> {
        Some(Observation::Set(d.0.clone()))
    }
}

#[test]
fn a_diverged_set_is_shown_as_differences_and_counter_examples_name_clients() {
    let mut setup = Setup::new(Workload::set());
    setup.duration_s = 20.0;
    setup.contact = Contact::Random;
    setup.check = Check::Converges;
    let e = evaluate::<Islands>(&setup, "islands", None, None).expect("runs");
    assert_eq!(e.verdict.word, "violated");
    let d = &e.verdict.details;
    assert!(d.contains("kv#0 has") && d.contains("and lacks"), "{d}");
    assert!(d.len() < 1_000, "{} bytes: {d}", d.len());
    // The same node as a counter, checked for linearizability: replicas disagree, and the
    // counter-example names clients as the diagram does, with outcomes as they were.
    let mut counter = Setup::new(Workload::counter());
    counter.duration_s = 5.0;
    counter.contact = Contact::Random;
    let e = evaluate::<Islands>(&counter, "islands", None, None).expect("runs");
    assert_eq!(e.verdict.word, "violated", "{}", e.verdict.summary);
    let d = &e.verdict.details;
    assert!(d.contains("app#"), "{d}");
    assert!(!d.contains("client "), "{d}");
    // Nothing timed out in this run (no faults): no line may say so.
    assert!(e
        .run
        .world
        .ops
        .iter()
        .all(|o| o.outcome != lab::Outcome::Timeout));
    assert!(!d.contains("timed out"), "{d}");
    let diagram = e.diagram.expect("a diagram");
    for lane in diagram.lanes.iter().filter(|l| l.starts_with("app#")) {
        assert!(lane.contains(".c"), "{lane}");
    }
}

#[test]
fn amnesia_makes_a_crash_lose_the_durable_state() {
    // Boots are counted in Durable: kept across the crash, lost with amnesia.
    #[derive(Debug)]
    struct Boots;
    #[derive(Clone, Debug, Default)]
    struct Count(i64);
    impl Node for Boots {
        type Msg = ();
        type Timer = ();
        type Durable = Count;
        fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
            ctx.durable().0 += 1;
            Boots
        }
        fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
            let boots = ctx.durable().0;
            ctx.reply(&req, Answer::Counter(boots));
        }
        fn on_message(&mut self, _: &mut NodeCtx<'_, Self>, _: ReplicaId, _: ()) {}
    }
    let mut s = Setup::new(Workload::counter());
    s.replicas = 1;
    s.home = vec![ReplicaId(0), ReplicaId(0)];
    s.duration_s = 4.0;
    s.faults = vec![FaultSpec {
        at_s: 1.0,
        duration_s: Some(1.0),
        action: FaultAction::Crash {
            target: "kv#0".to_string(),
        },
    }];
    let last_read = |s: &Setup| {
        let run =
            harness::run::<Boots>(s, &RunOptions::default(), &mut std::io::sink()).expect("runs");
        run.world
            .ops
            .iter()
            .rev()
            .find_map(|o| match o.answer {
                Some(Answer::Counter(v)) => Some(v),
                _ => None,
            })
            .expect("a read")
    };
    assert_eq!(last_read(&s), 2);
    s.amnesia = true;
    assert_eq!(last_read(&s), 1);
}
