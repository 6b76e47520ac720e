//! The teaching workbench: the example nodes under `scenarios/cap-partition.json`
//! (their verdicts, availability on each side, convergence), crashes and durable state,
//! determinism of a user's node, accounting, the message log and the diagram, bad input.

#[allow(dead_code)]
#[path = "../examples/broadcast.rs"]
pub(crate) mod broadcast;
#[allow(dead_code)]
#[path = "../examples/eventual-register.rs"]
pub(crate) mod eventual_register;
#[allow(dead_code)]
#[path = "../examples/gossip-counter.rs"]
pub(crate) mod gossip_counter;
#[allow(dead_code)]
#[path = "../examples/kafka-log.rs"]
pub(crate) mod kafka_log;
#[allow(dead_code)]
#[path = "../examples/majority-register.rs"]
pub(crate) mod majority_register;
#[allow(dead_code)]
#[path = "../examples/pn-counter.rs"]
pub(crate) mod pn_counter;
#[allow(dead_code)]
#[path = "../examples/primary-backup.rs"]
pub(crate) mod primary_backup;
#[allow(dead_code)]
#[path = "../examples/single-register.rs"]
pub(crate) mod single_register;
#[allow(dead_code)]
#[path = "../examples/unique-ids.rs"]
pub(crate) mod unique_ids;

use lab::harness::{self, RunOptions};
use lab::lamport::ArrowFate;
use lab::setup::{Check, Contact, Setup};
use lab::{evaluate, Answer, Node, NodeCtx, Op, Outcome, ReplicaId, Request, Workload};
use models::checker::convergence::Observed;
use models::scenario::{FaultAction, FaultSpec};
use sim_core::message_log::Fate;
use sim_core::network::NodeId;
use sim_core::simulation::RunLimits;
use sim_core::time::SimTime;
use sim_core::twin::{twin_run_by, TwinVerdict};
use std::path::Path;

const CAP: &str = "scenarios/cap-partition.json";
const S: u64 = 1_000_000_000;

fn cap(workload: Workload) -> Setup {
    Setup::from_scenario(Path::new(CAP), workload).expect("the bundled scenario loads")
}

#[test]
fn the_scenario_maps_onto_three_replicas_and_two_client_groups() {
    let s = cap(Workload::register());
    assert_eq!((s.replicas, s.groups), (3, 2));
    // app#0 shares a side with kv#0 and kv#1, app#1 with kv#2.
    assert_eq!(s.home, vec![ReplicaId(0), ReplicaId(2)]);
    assert_eq!(
        (s.store_name.as_str(), s.group_name.as_str()),
        ("kv", "app")
    );
    assert_eq!(s.seed, 2000);
}

#[test]
fn primary_backup_is_linearizable_without_faults_and_split_brained_by_the_partition() {
    let mut calm = cap(Workload::register());
    calm.faults.clear();
    let e = evaluate::<primary_backup::PrimaryBackup>(&calm, "pb", None, None).expect("runs");
    assert!(
        e.verdict.holds(),
        "{}\n{}",
        e.verdict.summary,
        e.verdict.details
    );

    let setup = cap(Workload::register());
    let e = evaluate::<primary_backup::PrimaryBackup>(&setup, "pb", None, None).expect("runs");
    assert_eq!(e.verdict.word, "violated", "{}", e.verdict.summary);
    assert!(e.verdict.details.contains("why:"), "{}", e.verdict.details);
    assert!(!e.verdict.culprits.is_empty());
    // The first violation comes once kv#2 has promoted itself: after the partition starts
    // (10 s) plus the 300 ms it waits for heartbeats, and before it heals (40 s).
    let (from, to) = e.verdict.window_ns.expect("a violation has a window");
    let last = e
        .run
        .world
        .ops
        .iter()
        .filter(|o| e.verdict.culprits.contains(&o.id))
        .map(|o| o.complete_ns.unwrap_or(o.invoke_ns))
        .max()
        .expect("culprits are recorded operations");
    assert!(last > 10 * S + 300_000_000 && last < 40 * S, "{last}");
    assert!(from < last && last < to);
    // Split brain: both sides answered every write, none refused.
    let results = &e.results.designs[0];
    assert_eq!(
        results.endpoints["app#1 write"].requests.by_outcome["error"],
        0
    );
    assert!(results.stores["kv"].stale_reads > 0);
    // The diagram comes from a second run with the message log on, identical to the first.
    assert_eq!(e.replayed_identically, Some(true));
    let d = e.diagram.expect("a diagram of the violation");
    assert!(d.lanes.iter().any(|l| l == "kv#2"));
    assert!(d.arrows.iter().any(|a| a.fate == ArrowFate::Partitioned));
    assert!(d.arrows.iter().any(|a| a.fate == ArrowFate::Delivered));
    assert!(d.ops.iter().any(|o| o.culprit));
    assert!(d
        .svg()
        .contains("partition [app#0, kv#0, kv#1] | [app#1, kv#2]"));
}

#[test]
fn the_majority_register_stays_linearizable_and_refuses_only_the_minority_during_the_partition() {
    let setup = cap(Workload::register());
    let e =
        evaluate::<majority_register::MajorityRegister>(&setup, "abd", None, None).expect("runs");
    assert!(
        e.verdict.holds(),
        "{}\n{}",
        e.verdict.summary,
        e.verdict.details
    );
    let (heal, start) = (40 * S, 10 * S);
    let mut minority_cut_off = 0;
    for o in &e.run.world.ops {
        if o.outcome == Outcome::InFlight {
            // Invoked just before the run's end (at 60 s): neither answered nor failed.
            continue;
        }
        let ok = o.outcome == Outcome::Ok;
        let inside = o.invoke_ns > start && o.invoke_ns + 300_000_000 < heal;
        match o.group {
            // The majority side never loses its quorum.
            0 => assert!(ok, "majority op failed: {o:?}"),
            // The minority side: nothing during the partition, everything outside it
            // (a round in flight at an edge may go either way).
            _ if inside => {
                assert!(!ok, "minority op succeeded during the partition: {o:?}");
                minority_cut_off += 1;
            }
            _ if o.invoke_ns + 1_000_000 < start || o.invoke_ns > heal + 1_000_000 => {
                assert!(ok, "minority op failed outside the partition: {o:?}")
            }
            _ => {}
        }
    }
    // Each minority client waits 300 ms for the give-up, then about 20 ms: about 94 attempts
    // per client over the 30 s partition, 4 clients.
    let expected = 4.0 * 30.0 / 0.32;
    let ratio = f64::from(minority_cut_off) / expected;
    assert!(
        (0.9..1.1).contains(&ratio),
        "{minority_cut_off} vs {expected}"
    );
    let d = &e.results.designs[0];
    assert_eq!(d.endpoints["app#0 read"].failure_rate, 0.0);
    assert!(d.causes["unavailable"] > 0);
    assert_eq!(
        d.stores["kv"].stale_reads, 0,
        "a linearizable history has no stale read"
    );
}

#[test]
fn the_gossip_counter_diverges_during_the_partition_and_converges_after_the_last_update() {
    let mut setup = cap(Workload::counter());
    setup.check = Check::Converges;
    let e = evaluate::<gossip_counter::GossipCounter>(&setup, "gossip", None, None).expect("runs");
    assert!(
        e.verdict.holds(),
        "{}\n{}",
        e.verdict.summary,
        e.verdict.details
    );
    // Updates stop at 50 s; gossip every 100 ms on 0.25 ms links, sampled every 100 ms:
    // converged within two sampling periods of the last update.
    let after = e.verdict.convergence_ns.expect("converged");
    assert!(after <= 200_000_000, "{after}");
    let at = e.verdict.converged_at_ns.expect("converged");
    assert!(at >= 50 * S, "{at}");
    // During the partition, the two sides' values part (each counts only its own side).
    let apart = e
        .run
        .world
        .samples
        .iter()
        .filter(|s| s.at_ns > 11 * S && s.at_ns < 39 * S)
        .filter(|s| s.replicas[0] != s.replicas[2])
        .count();
    assert!(apart > 200, "{apart} of ~280 samples apart");
    // Every acknowledged addition is in the final value, exactly: no unknown outcomes here.
    let acked: i64 = e
        .run
        .world
        .ops
        .iter()
        .filter(|o| o.outcome == Outcome::Ok)
        .filter_map(|o| match o.op {
            Op::Add { amount } => Some(amount),
            _ => None,
        })
        .sum();
    let last = e.run.world.samples.last().expect("samples");
    assert!(last.replicas.iter().all(|r| *r == Observed::Counter(acked)));
}

/// A node that counts its boots on disk and the requests it saw in memory; it answers a
/// counter read with `boots * 1_000_000 + seen`.
#[derive(Debug)]
struct Amnesiac {
    seen: i64,
}

#[derive(Clone, Debug, Default)]
struct Boots(i64);

impl Node for Amnesiac {
    type Msg = ();
    type Timer = ();
    type Durable = Boots;

    fn boot(ctx: &mut NodeCtx<'_, Self>) -> Self {
        ctx.durable().0 += 1;
        Amnesiac { seen: 0 }
    }

    fn on_request(&mut self, ctx: &mut NodeCtx<'_, Self>, req: Request) {
        self.seen += 1;
        let answer = match req.op {
            Op::ReadCounter => Answer::Counter(ctx.durable().0 * 1_000_000 + self.seen),
            _ => Answer::Added,
        };
        ctx.reply(&req, answer);
    }

    fn on_message(&mut self, _: &mut NodeCtx<'_, Self>, _: ReplicaId, _: ()) {}
}

fn crash_setup() -> Setup {
    let mut s = Setup::new(Workload::counter());
    s.replicas = 1;
    s.home = vec![ReplicaId(0), ReplicaId(0)];
    s.contact = Contact::Fixed(ReplicaId(0));
    s.duration_s = 4.0;
    s.faults = vec![FaultSpec {
        at_s: 1.0,
        duration_s: Some(1.0),
        action: FaultAction::Crash {
            target: "kv#0".to_string(),
        },
    }];
    s
}

#[test]
fn a_crash_wipes_volatile_state_keeps_durable_state_and_drops_what_was_in_flight() {
    let setup = crash_setup();
    let run = harness::run::<Amnesiac>(&setup, &RunOptions::default(), &mut std::io::sink())
        .expect("runs");
    let reads: Vec<(u64, i64)> = run
        .world
        .ops
        .iter()
        .filter_map(|o| match (&o.answer, o.complete_ns) {
            (Some(Answer::Counter(v)), Some(c)) => Some((c, *v)),
            _ => None,
        })
        .collect();
    let before: Vec<i64> = reads.iter().filter(|r| r.0 < S).map(|r| r.1).collect();
    let after: Vec<i64> = reads.iter().filter(|r| r.0 > 2 * S).map(|r| r.1).collect();
    assert!(
        before.iter().all(|v| v / 1_000_000 == 1),
        "first life: {before:?}"
    );
    assert!(
        after.iter().all(|v| v / 1_000_000 == 2),
        "booted twice: {after:?}"
    );
    // The volatile count starts again from nothing after the restart.
    let first_after = after.first().expect("reads after the restart") % 1_000_000;
    let last_before = before.last().expect("reads before the crash") % 1_000_000;
    assert!(
        first_after < 20 && last_before > 50,
        "{last_before} then {first_after}"
    );
    // While it is down, every request times out: nothing is answered in (1 s, 2 s).
    assert!(run
        .world
        .ops
        .iter()
        .filter(|o| o.invoke_ns > S + 1_000 && o.invoke_ns + 500_000_000 < 2 * S)
        .all(|o| o.outcome == Outcome::Timeout));
    assert!(run.net.to_down_node > 0);
}

#[test]
fn same_seed_same_run_and_a_twin_run_finds_no_divergence() {
    let setup = cap(Workload::register());
    let run = |seed| {
        let e = evaluate::<primary_backup::PrimaryBackup>(&setup, "pb", Some(seed), None)
            .expect("runs");
        (e.run.digest, reports::results_json(&e.results))
    };
    let (a, b, c) = (run(7), run(7), run(8));
    assert_eq!(a, b, "same seed: same digest and byte-identical results");
    assert_ne!(a.0, c.0, "another seed: another run");
    let mut short = setup.clone();
    short.duration_s = 12.0;
    // Compared on the engine's digest and on what the clients were told, event by event.
    let verdict = twin_run_by(
        || harness::build::<primary_backup::PrimaryBackup>(&short, 7).expect("builds"),
        RunLimits::until(SimTime(12 * S)),
        |sim| sim_core::digest::fold(sim.digest(), sim.world().observed_digest),
    );
    assert!(
        matches!(verdict, TwinVerdict::Identical { .. }),
        "{verdict:?}"
    );
}

#[test]
fn every_request_is_counted_once_and_the_two_accountings_agree() {
    for (name, workload) in [
        ("register", Workload::register()),
        ("counter", Workload::counter()),
    ] {
        let setup = cap(workload);
        let run = harness::run::<majority_register::MajorityRegister>(
            &setup,
            &RunOptions::default(),
            &mut std::io::sink(),
        )
        .expect("runs");
        let verdict = lab::verdict::judge(&setup, &run);
        let r = lab::results::build(&setup, &run, &verdict, name);
        let d = &r.designs[0];
        let warm = (setup.warmup_s * 1e9) as u64;
        let counted: Vec<_> = run
            .world
            .ops
            .iter()
            .filter(|o| o.invoke_ns >= warm)
            .collect();
        assert_eq!(d.requests.total, counted.len() as u64, "{name}");
        let by = |o: Outcome| counted.iter().filter(|x| x.outcome == o).count() as u64;
        assert_eq!(d.requests.by_outcome["ok"], by(Outcome::Ok), "{name}");
        assert_eq!(d.requests.by_outcome["error"], by(Outcome::Error), "{name}");
        assert_eq!(
            d.requests.by_outcome["timeout"],
            by(Outcome::Timeout),
            "{name}"
        );
        assert_eq!(
            d.requests.by_outcome["in_flight"],
            by(Outcome::InFlight),
            "{name}"
        );
        let sum: u64 = d.requests.by_outcome.values().sum();
        assert_eq!(sum, d.requests.total);
        // Completed means answered with a fitting answer: exactly the ok ones.
        assert!(run
            .world
            .ops
            .iter()
            .all(|o| o.complete_ns.is_some() == (o.outcome == Outcome::Ok)));
    }
}

#[test]
fn the_message_log_records_fates_and_changes_nothing() {
    let setup = crash_setup();
    let quiet = harness::run::<Amnesiac>(&setup, &RunOptions::default(), &mut std::io::sink())
        .expect("runs");
    assert!(quiet.messages.is_none(), "off by default");
    let logged = harness::run::<Amnesiac>(
        &setup,
        &RunOptions {
            message_log: Some((SimTime(900_000_000), SimTime(1_100_000_000), 10_000)),
            ..RunOptions::default()
        },
        &mut std::io::sink(),
    )
    .expect("runs");
    assert_eq!(
        logged.digest, quiet.digest,
        "logging does not change the run"
    );
    let records = logged.messages.expect("on");
    assert!(!records.is_empty());
    assert!(records
        .iter()
        .all(|m| m.sent_at >= SimTime(900_000_000) && m.sent_at < SimTime(1_100_000_000)));
    // Requests sent to kv#0 while it is down (from 1 s) are dropped at the down node;
    // before that they are delivered after the 0.25 ms link latency.
    for m in records.iter().filter(|m| m.to == NodeId(0)) {
        match m.fate {
            Fate::Delivered { at } => {
                assert!(m.sent_at < SimTime(S));
                assert_eq!(at.as_nanos() - m.sent_at.as_nanos(), 250_000);
            }
            Fate::DroppedAtDownNode { .. } => assert!(m.sent_at.as_nanos() + 250_000 >= S),
            other => panic!("unexpected fate {other:?} of {m:?}"),
        }
    }
    assert!(records
        .iter()
        .any(|m| matches!(m.fate, Fate::DroppedAtDownNode { .. })));
    // A capacity of 3 keeps the last three and counts the rest.
    let small = harness::run::<Amnesiac>(
        &setup,
        &RunOptions {
            message_log: Some((SimTime(900_000_000), SimTime(1_100_000_000), 3)),
            ..RunOptions::default()
        },
        &mut std::io::sink(),
    )
    .expect("runs");
    let kept = small.messages.expect("on");
    assert_eq!(kept.len(), 3);
    assert_eq!(small.messages_evicted as usize + 3, records.len());
    assert_eq!(kept[..], records[records.len() - 3..]);
}

#[test]
fn a_crash_in_the_window_is_drawn_on_its_lane() {
    let setup = crash_setup();
    let e = evaluate::<Amnesiac>(&setup, "amnesiac", None, Some((900_000_000, 1_200_000_000)))
        .expect("runs");
    let d = e.diagram.expect("a chosen window is drawn");
    let svg = d.svg();
    assert!(svg.contains("crash kv#0"), "the crash's label");
    assert!(d
        .arrows
        .iter()
        .any(|a| a.fate == ArrowFate::DroppedAtDownNode));
}

#[test]
fn single_step_mode_prints_every_event_with_node_names_and_the_same_digest() {
    let mut setup = cap(Workload::register());
    setup.duration_s = 1.0;
    setup.warmup_s = 0.0;
    let options = RunOptions {
        step: true,
        ..RunOptions::default()
    };
    let mut out = Vec::new();
    let stepped =
        harness::run::<single_register::SingleRegister>(&setup, &options, &mut out).expect("runs");
    let plain = harness::run::<single_register::SingleRegister>(
        &setup,
        &RunOptions::default(),
        &mut std::io::sink(),
    )
    .expect("runs");
    assert_eq!(stepped.digest, plain.digest);
    let text = String::from_utf8(out).expect("utf-8");
    // One line per event, each followed by the messages its handler sent.
    let events = text.lines().filter(|l| l.starts_with('#')).count();
    assert_eq!(events as u64, stepped.events);
    let sends = text
        .lines()
        .filter(|l| l.trim_start().starts_with(['→', '✗']))
        .count();
    assert_eq!(sends as u64, stepped.net.sent, "every send is printed once");
    assert!(
        text.lines().any(|l| l.contains("from app#0.c0: req ")),
        "{}",
        &text[..500]
    );
}

#[test]
fn a_fault_target_the_lab_does_not_have_is_an_error_with_its_position() {
    let text = std::fs::read_to_string(CAP).expect("bundled");
    // In the file: the scenario's own validation names the file, position and path.
    let bad = text.replacen("\"app#1\",", "\"db#1\",", 1);
    assert_ne!(bad, text);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lab-bad-target");
    std::fs::create_dir_all(&dir).expect("tmp");
    let file = dir.join("bad.json");
    std::fs::write(&file, bad).expect("write");
    let err = Setup::from_scenario(&file, Workload::register()).expect_err("no db#1");
    let msg = err.to_string();
    assert!(
        msg.contains("bad.json:") && msg.contains("faults[0].action.partition.groups[1][0]"),
        "{msg}"
    );
    // A target the designs have but the lab does not (a scenario edited in code): the
    // lab's own check, with the position of the value in the file's text.
    let mut scenario = models::load::load_file(Path::new(CAP))
        .expect("bundled")
        .into_scenario();
    let FaultAction::Partition { groups } = &mut scenario.faults[0].action else {
        panic!("the bundled fault is a partition")
    };
    groups[1][0] = "client#3".to_string();
    let err = Setup::from_loaded(&scenario, CAP, &text, Workload::register())
        .expect_err("client#3 is no lab node");
    let msg = err.to_string();
    assert!(
        msg.contains("faults[0].action.partition.groups[1][0]"),
        "{msg}"
    );
    assert!(msg.contains("no node \"client#3\""), "{msg}");
    let line = err.problems[0].line.expect("a position");
    assert!(
        text.lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("app#1")),
        "line {line}"
    );
    // And bad numbers in code are refused, not run.
    let mut s = Setup::new(Workload::register());
    s.workload.timeout_ms = -1.0;
    assert!(s
        .validate()
        .unwrap_err()
        .to_string()
        .contains("workload.timeout_ms"));
}
