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
        let problems = models::validate::validate(&s);
        prop_assert!(problems.is_empty(), "{problems:?}");
        let r = models::run::run_design(&s, &s.designs[0], seed).unwrap();
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
            let r = models::run::run_design(&s, &s.designs[0], seed).unwrap();
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
    let r = models::run::run_design(&s, &s.designs[0], 7).unwrap();
    let store = &r.stores["kv"];
    assert!(store.stale_reads > 0, "{store:?}");
    assert_eq!(store.linearizability, "violation");
}
