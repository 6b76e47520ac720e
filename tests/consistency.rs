//! Replicated stores and CAP: histories checked for linearizability, stale reads measured.

use models::results::{DesignResult, RunResults};
use models::scenario::*;
use proptest::prelude::*;
use sim_core::dist::Dist;
use std::collections::BTreeMap;
use std::path::Path;

fn design<'a>(r: &'a RunResults, name: &str) -> &'a DesignResult {
    r.designs.iter().find(|d| d.name == name).expect("design")
}

#[test]
fn s6_cp_refuses_the_minority_and_stays_linearizable_ap_serves_everyone_and_is_not() {
    let s = models::load::load_file(Path::new("scenarios/cap-partition.json")).unwrap();
    let r = models::run::run_scenario(&s, s.seed, &[]).unwrap();
    let (cp, ap) = (design(&r, "cp"), design(&r, "ap"));
    let (cp_store, ap_store) = (&cp.stores["kv"], &ap.stores["kv"]);
    assert_eq!(
        cp_store.linearizability, "linearizable",
        "{:?}",
        cp_store.counterexample
    );
    assert_eq!(cp_store.stale_reads, 0);
    assert_eq!(ap_store.linearizability, "violation");
    assert!(ap_store
        .counterexample
        .as_deref()
        .is_some_and(|c| c.contains("key")));
    assert!(
        ap_store.stale_read_fraction > 0.05,
        "{}",
        ap_store.stale_read_fraction
    );
    // The partition lasts 30 s of the 58 s measured: the minority side of CP fails about
    // half its requests, the majority side none; AP fails nothing.
    for side in ["read-minority", "write-minority"] {
        let f = cp.endpoints[side].failure_rate;
        assert!((0.4..0.6).contains(&f), "cp {side} failed {f:.3}");
        assert_eq!(ap.endpoints[side].failure_rate, 0.0);
    }
    for side in ["read-majority", "write-majority"] {
        assert_eq!(cp.endpoints[side].failure_rate, 0.0, "cp {side}");
    }
    // At the heal, last-writer-wins drops one side's version of every key both sides wrote
    // (20 keys, written about 30 times a second each side); siblings keep both.
    assert!((15..=60).contains(&ap_store.lost_writes), "{ap_store:?}");
    let sib = &design(&r, "ap-siblings").stores["kv"];
    assert_eq!(sib.lost_writes, 0);
    assert!(sib.sibling_reads > 0);
    assert_eq!(sib.stale_reads, ap_store.stale_reads);
    // The summary says in one sentence per design what it chose.
    let sentences = reports::narrative::consistency_sentences(&r);
    assert_eq!(sentences.len(), 3);
    assert!(
        sentences[0].starts_with("Design cp chose consistency"),
        "{sentences:?}"
    );
    assert!(sentences[1].starts_with("Design ap chose availability"));
    assert!(sentences[1].contains("acknowledged writes were lost"));
    assert!(sentences[2].starts_with("Design ap-siblings chose availability"));
    assert!(!sentences[2].contains("lost"));
    s6_space_time_diagrams(&s, &r);
}

/// The report's space-time diagram of AP's counter-example: drawn from a second run with
/// the message log on (same digest), it shows the counter-example's operations and the
/// partition dropping the write the stale read missed; CP has none.
fn s6_space_time_diagrams(s: &models::plan::Checked, r: &RunResults) {
    let mut runs = Vec::new();
    let windows = reports::spacetime::windows(r, |name, from, to| {
        runs.push(name.to_string());
        let d = s.designs.iter().find(|d| d.name == name).unwrap();
        let t = sim_core::time::SimTime;
        models::run::record_messages(s, d, r.seed, t(from), t(to), 4_000).map_err(String::from)
    })
    .unwrap();
    assert_eq!(runs, ["ap", "ap-siblings"]);
    // What is saved is the counter-example's story, a few dozen of the window's messages.
    for w in &windows {
        assert!(
            !w.messages.is_empty() && w.messages.len() < 40,
            "{}: {} of {}",
            w.design,
            w.messages.len(),
            w.recorded
        );
        assert!(w.recorded > 5 * w.messages.len() as u64, "{}", w.recorded);
    }
    let figures = reports::spacetime::figures(r, &windows).unwrap();
    assert_eq!(figures.len(), 2);
    let ap = design(r, "ap");
    let ops = &ap.stores["kv"].counterexample_ops;
    assert!(ops.len() >= 2, "{ops:?}");
    let v = reports::spacetime::first_violation(ap, r.duration_s).unwrap();
    let d = models::run::record_messages(
        s,
        s.designs.iter().find(|d| d.name == "ap").unwrap(),
        r.seed,
        sim_core::time::SimTime(v.from_ns),
        sim_core::time::SimTime(v.to_ns),
        4_000,
    )
    .unwrap();
    let diagram = reports::spacetime::diagram(&v, &d.names, &d.records, &r.faults);
    assert_eq!(diagram.ops.len(), ops.len());
    assert_eq!(diagram.spans.len(), 1, "the partition");
    // The write the stale read missed was cut off by the partition on its way to the
    // reader's side.
    let missed = ops.iter().filter_map(|o| o.written).max().unwrap();
    assert!(
        diagram
            .arrows
            .iter()
            .any(|a| a.fate == reports::lamport::ArrowFate::Partitioned
                && a.label.contains(&format!("write={missed}"))),
        "{:?}",
        diagram.arrows
    );
    // Only the counter-example's story is drawn, not every key's traffic.
    assert!(diagram.arrows.len() < 40, "{}", diagram.arrows.len());
    let report = reports::report::build_with(r, None, figures).unwrap();
    assert!(report.html.contains("<section id=\"consistency\">"));
    assert!(report.html.contains("figure-spacetime-ap"));
    assert_eq!(report.html.matches("<svg").count(), report.charts.len() + 2);
}

/// Checks `s` and runs its first design under `seed`.
fn run_first(s: &Scenario, seed: u64) -> DesignResult {
    let s = models::plan::Checked::new(s.clone()).unwrap_or_else(|e| panic!("{e}"));
    models::run::run_design(&s, &s.designs[0], seed).unwrap()
}

fn scenario(seed: u64, protocol: Protocol, replicas: u32, faults: Vec<FaultSpec>) -> Scenario {
    let mut handlers = BTreeMap::new();
    handlers.insert(
        "read".to_string(),
        vec![Step::Store {
            store: "kv".into(),
            op: StoreOp::Read,
        }],
    );
    handlers.insert(
        "write".to_string(),
        vec![Step::Store {
            store: "kv".into(),
            op: StoreOp::Write,
        }],
    );
    let mut services = BTreeMap::new();
    services.insert(
        "app".to_string(),
        Service {
            instances: 3,
            balancer: Balancer::RoundRobin,
            workers: 32,
            queue_capacity: None,
            pools: BTreeMap::new(),
            handlers,
            consume: None,
        },
    );
    let mut replicated_stores = BTreeMap::new();
    replicated_stores.insert(
        "kv".to_string(),
        ReplicatedStore {
            replicas,
            protocol,
            op_ms: Dist::exponential(0.2),
            timeout_ms: 50.0,
            anti_entropy_ms: 200.0,
            history_cap: 100_000,
            conflicts: Conflicts::LastWriterWins,
            replication_delay_ms: Dist::constant(0.0),
            sync_acks: SyncAcks::All,
            failover: None,
        },
    );
    let class = |endpoint: &str, weight: f64| RequestClass {
        endpoint: endpoint.into(),
        publish: None,
        weight,
        timeout_ms: 1000.0,
        arrivals: None,
        name: None,
        instance: None,
        keys: Some(KeySpec {
            count: 4,
            zipf: None,
        }),
    };
    Scenario {
        schema: None,
        version: 1,
        name: "random-partitions".into(),
        description: "a replicated register under random partitions".into(),
        seed,
        duration_s: 3.0,
        warmup_s: 0.0,
        window_s: 0.5,
        limits: Limits::default(),
        network: NetworkSpec {
            latency_ms: Dist::exponential(0.5),
            loss: 0.0,
            duplicate: 0.02,
        },
        workload: Workload {
            arrivals: Arrivals::Poisson { rate_per_s: 300.0 },
            classes: vec![class("read", 3.0), class("write", 2.0)],
        },
        faults,
        sweep: None,
        chaos: None,
        reliability: None,
        assertions: Vec::new(),
        trace: None,
        designs: vec![Design {
            name: "d".into(),
            description: String::new(),
            entry: "app".into(),
            services,
            databases: BTreeMap::new(),
            brokers: BTreeMap::new(),
            kv_stores: BTreeMap::new(),
            replicated_stores,
            lock_services: BTreeMap::new(),
            account_stores: BTreeMap::new(),
            cost: None,
            failures: BTreeMap::new(),
            propagate_trace_ids: true,
        }],
    }
}

fn partitions() -> impl Strategy<Value = Vec<FaultSpec>> {
    let nodes = [
        "app#0", "app#1", "app#2", "kv#0", "kv#1", "kv#2", "kv#3", "kv#4",
    ];
    prop::collection::vec(
        (
            0.1..2.5f64,
            0.1..1.0f64,
            prop::collection::vec(any::<bool>(), nodes.len()),
            any::<bool>(),
        ),
        1..4,
    )
    .prop_map(move |raw| {
        raw.into_iter()
            .map(|(at, duration, side, crash)| FaultSpec {
                at_s: at,
                duration_s: Some(duration),
                action: if crash {
                    FaultAction::Crash {
                        target: "kv#0".into(),
                    }
                } else {
                    let group: Vec<String> = nodes
                        .iter()
                        .zip(&side)
                        .filter(|(_, s)| **s)
                        .map(|(n, _)| n.to_string())
                        .collect();
                    FaultAction::Partition {
                        groups: vec![if group.is_empty() {
                            vec!["kv#1".to_string()]
                        } else {
                            group
                        }],
                    }
                },
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn cp_is_linearizable_under_random_partitions_and_crashes(seed in any::<u64>(), faults in partitions()) {
        let s = scenario(seed, Protocol::Cp, 5, faults);
        let checked = models::plan::Checked::new(s.clone());
        prop_assert!(checked.is_ok(), "{:?}", checked.err());
        let r = run_first(&s, seed);
        let store = &r.stores["kv"];
        prop_assert_eq!(&store.linearizability, "linearizable", "{:?}", store.counterexample);
        prop_assert_eq!(store.stale_reads, 0);
        prop_assert!(store.operations_checked > 100);
    }
}

#[test]
fn without_faults_strict_quorums_and_synchronous_replication_never_read_stale() {
    for protocol in [Protocol::Cp, Protocol::PrimaryBackupSync] {
        for seed in 1..4 {
            let s = scenario(seed, protocol, 3, Vec::new());
            let r = run_first(&s, seed);
            let store = &r.stores["kv"];
            assert_eq!(store.stale_reads, 0, "{protocol:?} seed {seed}");
            assert_eq!(
                store.linearizability, "linearizable",
                "{protocol:?}: {:?}",
                store.counterexample
            );
            assert!(store.reads > 300);
        }
    }
}

#[test]
fn asynchronous_replication_reads_stale_values_where_synchronous_does_not() {
    // Slow links make the asynchronous backups lag behind the primary.
    let mut s = scenario(7, Protocol::PrimaryBackupAsync, 3, Vec::new());
    s.network.latency_ms = Dist::Mixture {
        parts: vec![
            sim_core::dist::MixturePart {
                weight: 0.8,
                dist: Dist::constant(0.2),
            },
            sim_core::dist::MixturePart {
                weight: 0.2,
                dist: Dist::constant(5.0),
            },
        ],
    };
    let r = run_first(&s, 7);
    let store = &r.stores["kv"];
    assert!(store.stale_reads > 0, "{store:?}");
    assert_eq!(store.linearizability, "violation");
}

fn store_mut(s: &mut Scenario) -> &mut ReplicatedStore {
    s.designs[0]
        .replicated_stores
        .get_mut("kv")
        .expect("the store")
}

fn leaderless(r: u32, w: u32) -> Protocol {
    Protocol::Leaderless {
        r,
        w,
        read_repair: true,
    }
}

#[test]
fn strict_leaderless_quorums_never_read_stale_without_faults_partial_ones_do() {
    for seed in 1..4 {
        let mut s = scenario(seed, leaderless(2, 2), 3, Vec::new());
        store_mut(&mut s).replication_delay_ms = Dist::constant(2.0);
        let r = run_first(&s, seed);
        let store = &r.stores["kv"];
        assert_eq!(store.stale_reads, 0, "r=2 w=2 seed {seed}: {store:?}");
        assert!(store.reads > 300 && store.writes_acked > 200);
    }
    // r = w = 1: a read may ask a replica the write has not reached yet.
    let mut s = scenario(5, leaderless(1, 1), 3, Vec::new());
    store_mut(&mut s).replication_delay_ms = Dist::constant(2.0);
    let r = run_first(&s, 5);
    let store = &r.stores["kv"];
    assert!(store.stale_reads > 0, "{store:?}");
    assert_eq!(store.linearizability, "violation");
}

fn partition_of_app0_with_its_replica() -> Vec<FaultSpec> {
    // app#0's nearest replica is kv#1 (node index 1, modulo 3): both sides keep a writer and
    // a replica, and both write the same 4 keys for a second.
    vec![FaultSpec {
        at_s: 1.0,
        duration_s: Some(1.0),
        action: FaultAction::Partition {
            groups: vec![vec!["app#0".into(), "kv#1".into()]],
        },
    }]
}

#[test]
fn ap_last_writer_wins_drops_one_side_of_each_conflict_siblings_keep_both() {
    let mut lww = scenario(11, Protocol::Ap, 3, partition_of_app0_with_its_replica());
    lww.network.duplicate = 0.0;
    let r = run_first(&lww, 11);
    let store = &r.stores["kv"];
    // Each of the 4 keys was written on both sides: at the heal, one side's latest version
    // of each loses to the other's; later writes of a key may diverge again before the
    // anti-entropy round, so at least 4, and never more than the writes made.
    assert!(
        (4..=store.writes_acked).contains(&store.lost_writes),
        "{store:?}"
    );
    assert_eq!(store.sibling_reads, 0);
    let mut siblings = lww.clone();
    store_mut(&mut siblings).conflicts = Conflicts::Siblings;
    let r = run_first(&siblings, 11);
    let store = &r.stores["kv"];
    assert_eq!(store.lost_writes, 0, "{store:?}");
    assert!(store.sibling_reads > 0, "{store:?}");
}

fn primary_crash(seed: u64, protocol: Protocol, failover: Option<Failover>) -> DesignResult {
    let crash = FaultSpec {
        at_s: 1.0,
        duration_s: Some(1.5),
        action: FaultAction::Crash {
            target: "kv#0".into(),
        },
    };
    let mut s = scenario(seed, protocol, 3, vec![crash]);
    s.network.duplicate = 0.0;
    s.window_s = 0.1;
    let st = store_mut(&mut s);
    st.replication_delay_ms = Dist::constant(20.0);
    st.failover = failover;
    run_first(&s, seed)
}

/// Share of the writes that ended in `[from, to)` seconds that failed.
fn write_failures(d: &DesignResult, from: f64, to: f64) -> f64 {
    failures(d, "write", from, to)
}

fn failures(d: &DesignResult, endpoint: &str, from: f64, to: f64) -> f64 {
    let e = &d.endpoints[endpoint];
    let (mut ok, mut failed) = (0u64, 0u64);
    for (w, cells) in d.series.iter().zip(&e.series) {
        if w.start_s >= from - 1e-9 && w.start_s < to - 1e-9 {
            ok += cells[0];
            failed += cells[1];
        }
    }
    failed as f64 / (ok + failed).max(1) as f64
}

#[test]
fn a_primary_crash_stops_writes_until_the_backups_elect_another_and_async_loses_writes() {
    let detection = Failover {
        detection_ms: 300.0,
        heartbeat_ms: 50.0,
    };
    // Without failover, writes fail for the whole crash (1 s to 2.5 s); with it, for about
    // the detection time, and the store serves writes again while the old primary is down.
    let fixed = primary_crash(3, Protocol::PrimaryBackupAsync, None);
    assert!(
        write_failures(&fixed, 1.1, 2.4) > 0.95,
        "{:?}",
        fixed.stores["kv"]
    );
    let async_failover = primary_crash(3, Protocol::PrimaryBackupAsync, Some(detection.clone()));
    let store = &async_failover.stores["kv"];
    assert!(store.failovers >= 1, "{store:?}");
    assert!(write_failures(&async_failover, 1.1, 1.3) > 0.8);
    assert!(write_failures(&async_failover, 1.6, 2.4) < 0.05);
    // The writes the primary had not shipped (20 ms of them) die with it: each key's last
    // one is overwritten by the new primary's writes, which never knew it.
    assert!(store.lost_writes >= 1, "{store:?}");
    // Synchronous replication to every replica: each acknowledged write is on every backup,
    // so the new primary has it; but with the old primary down no write gathers every ack.
    let sync_failover = primary_crash(3, Protocol::PrimaryBackupSync, Some(detection));
    let store = &sync_failover.stores["kv"];
    assert!(store.failovers >= 1);
    assert_eq!(store.lost_writes, 0, "{store:?}");
    assert!(write_failures(&sync_failover, 1.6, 2.4) > 0.95);
    assert_eq!(
        store.linearizability, "linearizable",
        "{:?}",
        store.counterexample
    );
}

#[test]
fn replication_lag_follows_the_delay_and_reads_turn_fresh_after_it() {
    let mut s = scenario(21, Protocol::PrimaryBackupAsync, 3, Vec::new());
    s.network.duplicate = 0.0;
    s.network.latency_ms = Dist::constant(0.5);
    store_mut(&mut s).replication_delay_ms = Dist::constant(10.0);
    let r = run_first(&s, 21);
    let store = &r.stores["kv"];
    // Lag = shipping delay + one-way latency, exactly (the histogram's error is < 0.4%).
    let lag = store.replication_lag_ms.expect("writes were replicated");
    assert!(
        (lag.p50 - 10.5).abs() < 0.05 && (lag.max - 10.5).abs() < 0.05,
        "{lag:?}"
    );
    // Reads within the lag miss the write now and then; reads 20 ms or more after it never.
    let fresh = |from: f64, to: f64| {
        let bins: Vec<_> = store
            .visibility
            .iter()
            .filter(|b| b.after_ms >= from && b.before_ms.is_some_and(|x| x <= to))
            .collect();
        let reads: u64 = bins.iter().map(|b| b.reads).sum();
        let ok: f64 = bins.iter().map(|b| b.fresh_fraction * b.reads as f64).sum();
        (reads, ok / reads.max(1) as f64)
    };
    let (early_reads, early) = fresh(0.0, 10.0);
    let (late_reads, late) = fresh(20.0, 10_000.0);
    assert!(
        early_reads > 20 && late_reads > 100,
        "{:?}",
        store.visibility
    );
    assert!(early < 0.9, "{early}");
    assert_eq!(late, 1.0);
}

#[test]
fn primary_failover_scenario_shows_the_unavailability_window_and_what_each_design_loses() {
    let s = models::load::load_file(Path::new("scenarios/primary-failover.json")).unwrap();
    let r = models::run::run_scenario(&s, s.seed, &[]).unwrap();
    let (a, all, maj) = (
        design(&r, "async"),
        design(&r, "sync-all"),
        design(&r, "sync-majority"),
    );
    for d in [a, all, maj] {
        assert_eq!(d.stores["kv"].failovers, 1, "{}", d.name);
        // Before the crash nothing fails; after the election (2 s of silence, plus the
        // last heartbeat period and the coordinators' 200 ms timeouts) async and majority
        // writes are served again.
        assert_eq!(write_failures(d, 2.0, 20.0), 0.0, "{}", d.name);
    }
    for d in [a, maj] {
        assert!(write_failures(d, 20.0, 22.0) > 0.9, "{}", d.name);
        assert!(write_failures(d, 23.0, 60.0) < 0.002, "{}", d.name);
    }
    // Every replica must acknowledge: writes fail until the old primary is back, each
    // refused by the live primary (an error), not left to time out.
    assert!(write_failures(all, 20.5, 40.0) > 0.98);
    assert!(write_failures(all, 41.0, 60.0) < 0.002);
    assert!(
        all.causes["kv: replicas did not acknowledge in time"] > 1_000,
        "{:?}",
        all.causes
    );
    // So the coordinators keep faith in the new primary: reads after the election are
    // served as well with `all` as with a majority.
    for d in [all, maj] {
        assert!(failures(d, "read", 23.0, 60.0) < 0.002, "{}", d.name);
    }
    // The last 50 ms batch died unshipped with the primary.
    assert!(a.stores["kv"].lost_writes > 0, "{:?}", a.stores["kv"]);
    assert!(a.stores["kv"].stale_reads > 0);
    for d in [all, maj] {
        let st = &d.stores["kv"];
        assert_eq!(
            (st.lost_writes, st.stale_reads),
            (0, 0),
            "{}: {st:?}",
            d.name
        );
        assert_eq!(
            st.linearizability, "linearizable",
            "{:?}",
            st.counterexample
        );
    }
}
