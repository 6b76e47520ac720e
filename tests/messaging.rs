//! Asynchronous designs: the seed's queue and log stories, and message accounting under
//! random crashes.

use models::ledger::MessageStats;
use models::results::{DesignResult, MessageSummary, RunResults};
use models::scenario::*;
use proptest::prelude::*;
use sim_core::dist::Dist;
use sim_core::simulation::RunLimits;
use std::collections::BTreeMap;
use std::path::Path;

fn load(file: &str) -> models::plan::Checked {
    models::load::load_file(Path::new(file)).unwrap_or_else(|e| panic!("{e}"))
}

fn design<'a>(r: &'a RunResults, name: &str) -> &'a DesignResult {
    r.designs.iter().find(|d| d.name == name).expect("design")
}

fn messages(d: &DesignResult) -> &MessageSummary {
    d.messages
        .as_ref()
        .expect("a design with brokers reports messages")
}

fn balanced(m: &MessageSummary) -> bool {
    let lost: u64 = m.lost.values().sum();
    m.entered == m.processed + m.failed + m.dead_lettered + lost + m.queued + m.in_flight
}

fn lost(m: &MessageSummary) -> u64 {
    m.lost.values().sum()
}

#[test]
fn s2_naive_pop_loses_exactly_the_dead_workers_tasks_and_reliable_loses_none() {
    let s = load("scenarios/redis-worker-failover.json");
    let r = models::run::run_scenario(&s, s.seed, &[]).unwrap();
    let (naive, reliable) = (design(&r, "naive"), design(&r, "reliable"));
    let (n, m) = (messages(naive), messages(reliable));
    assert!(balanced(n) && balanced(m), "{n:?}\n{m:?}");
    assert_eq!(lost(m), 0, "the reliable design lost messages: {m:?}");
    assert_eq!(n.lost.get("consumer crash").copied().unwrap_or(0), lost(n));
    assert!(
        lost(n) >= 1,
        "the crash should catch worker#0 with tasks in hand: {n:?}"
    );
    // Same tasks, same survivor: what the naive design lost, the reliable one processed.
    assert_eq!(n.entered, m.entered);
    assert_eq!(n.queued + n.in_flight, m.queued + m.in_flight);
    assert_eq!(m.processed - n.processed, lost(n));
    // The survivor carries on: tasks are processed in every window after the crash.
    for d in [naive, reliable] {
        let after: Vec<u64> = d
            .series
            .iter()
            .filter(|w| w.start_s >= 32.0)
            .map(|w| w.processed)
            .collect();
        assert!(
            after.iter().all(|&p| p > 0),
            "{}: a window without progress: {after:?}",
            d.name
        );
    }
}

#[test]
fn s3_isolated_services_keep_every_feature_but_payments_alive() {
    let s = load("scenarios/fintech-degradation.json");
    let r = models::run::run_scenario(&s, s.seed, &[]).unwrap();
    let (shared, isolated) = (design(&r, "shared-fate"), design(&r, "isolated"));
    for feature in ["history", "recommendations", "fraud_check"] {
        let iso = isolated.endpoints[feature].failure_rate;
        let sh = shared.endpoints[feature].failure_rate;
        assert!(iso < 0.001, "isolated {feature} failed {iso:.4}");
        assert!(sh > 0.2, "shared {feature} failed only {sh:.4}");
    }
    assert!(isolated.endpoints["pay"].failure_rate > 0.3);
    assert!(shared.endpoints["pay"].failure_rate > 0.3);
    assert!(isolated.causes.keys().any(|c| c.contains("breaker open")));
}

#[test]
fn s7_async_inventory_shows_78_ms_and_0_3_percent_failure_beside_sync() {
    let s = load("scenarios/inventory-sync-vs-async.json");
    let r = models::run::run_scenario(&s, s.seed, &[]).unwrap();
    let a = design(&r, "async");
    let m = messages(a);
    // The article's 78 ms (±10%) is the model's mean over seeds: one run's mean completion
    // latency varies by about 5 ms from seed to seed (40 seeds: 83.3 ms, standard deviation
    // 4.8 ms; the file's seed gives 87.0), so one seed cannot decide it; sixteen do (their
    // average's standard deviation is about 1.2 ms).
    let completion = |r: &RunResults| {
        let m = messages(design(r, "async"));
        m.completion_latency_ms.expect("messages completed").mean
    };
    let seeds = 1..=16u64;
    let mean = seeds
        .clone()
        .map(|seed| {
            completion(&models::run::run_scenario(&s, seed, &["async".to_string()]).unwrap())
        })
        .sum::<f64>()
        / seeds.count() as f64;
    assert!(
        (mean - 78.0).abs() <= 7.8,
        "async completion latency {mean:.1} ms on average over 16 seeds"
    );
    let completed: u64 = a
        .requests
        .by_outcome
        .iter()
        .filter(|(k, _)| *k != "in_flight")
        .map(|(_, v)| v)
        .sum();
    let failed = completed - a.requests.ok + m.dead_lettered + m.failed + lost(m);
    let rate = 100.0 * failed as f64 / completed as f64;
    assert!((rate - 0.3).abs() <= 0.5, "async failure {rate:.2}%");
    assert!(balanced(m));
    // The acknowledgement itself is fast: the user is answered once the queue has the order.
    assert!(
        a.latency_ms.is_some_and(|l| l.mean < 5.0),
        "ack latency {:?} ms",
        a.latency_ms
    );
    let sync = design(&r, "sync");
    assert!(sync.failure_rate > 10.0 * rate / 100.0);
}

#[test]
fn s8_pipeline_scales_with_instances_and_loses_no_event_when_one_is_killed() {
    // A shorter run keeps the test quick: same rates, the kill earlier.
    let s = load("scenarios/event-pipeline.json")
        .edited(|s| {
            s.duration_s = 6.0;
            s.warmup_s = 1.0;
            s.faults[0].at_s = 2.5;
            s.faults[0].duration_s = Some(1.5);
            s.designs.retain(|d| {
                ["processors-1", "processors-10", "processors-100"].contains(&d.name.as_str())
            });
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let r = models::run::run_scenario(&s, s.seed, &[]).unwrap();
    // Throughput before the kill (1 s to 2 s), per second.
    let rate = |d: &DesignResult| -> f64 {
        d.series
            .iter()
            .filter(|w| w.start_s >= 1.0 && w.start_s < 2.0)
            .map(|w| w.processed as f64)
            .sum()
    };
    let (one, ten, hundred) = (
        rate(design(&r, "processors-1")),
        rate(design(&r, "processors-10")),
        rate(design(&r, "processors-100")),
    );
    assert!(
        (ten / one - 10.0).abs() < 2.0,
        "10 instances: {ten} vs 1: {one}"
    );
    assert!(hundred >= 180_000.0, "100 instances processed {hundred}/s");
    for d in &r.designs {
        let m = messages(d);
        assert!(balanced(m), "{}: {m:?}", d.name);
        assert_eq!(lost(m), 0, "{} lost events", d.name);
        assert_eq!(m.failed, 0);
    }
    assert!(
        messages(design(&r, "processors-10")).duplicates > 0,
        "the kill should cause reprocessing"
    );
}

// ------------------------------------------------------------------ random crash schedules

#[derive(Clone, Debug)]
struct Knobs {
    seed: u64,
    ack: bool,
    durable: bool,
    log: bool,
    workers: u32,
    crashes: Vec<(f64, u8, f64)>,
}

fn scenario(k: &Knobs) -> Scenario {
    let publish = PublishSpec {
        broker: "mq".into(),
        queue: (!k.log).then(|| "jobs".to_string()),
        topic: None,
        log: k.log.then(|| "jobs".to_string()),
        timeout_ms: Some(200.0),
    };
    let mut api_handlers = BTreeMap::new();
    api_handlers.insert("submit".to_string(), vec![Step::Publish(publish)]);
    let mut worker_handlers = BTreeMap::new();
    worker_handlers.insert(
        "work".to_string(),
        vec![
            Step::Compute {
                ms: Dist::exponential(20.0),
            },
            Step::Kv {
                store: "kv".into(),
                timeout_ms: Some(100.0),
            },
        ],
    );
    let service = |instances: u32, workers: u32, handlers, consume| Service {
        instances,
        balancer: Balancer::RoundRobin,
        workers,
        queue_capacity: None,
        pools: BTreeMap::new(),
        handlers,
        consume,
    };
    let mut services = BTreeMap::new();
    services.insert("api".to_string(), service(1, 64, api_handlers, None));
    services.insert(
        "worker".to_string(),
        service(
            2,
            k.workers,
            worker_handlers,
            Some(Consume {
                broker: "mq".into(),
                queue: (!k.log).then(|| "jobs".to_string()),
                log: k.log.then(|| "jobs".to_string()),
                group: None,
                endpoint: "work".into(),
                concurrency: k.workers,
                batch: if k.log { 4 } else { 1 },
                block_timeout_ms: 200.0,
                sleep_ms: 10.0,
            }),
        ),
    );
    let mut queues = BTreeMap::new();
    queues.insert(
        "jobs".to_string(),
        QueueSpec {
            capacity: None,
            when_full: WhenFull::Reject,
            delivery: if k.ack { Delivery::Ack } else { Delivery::Pop },
            visibility_timeout_ms: 300.0,
            max_deliveries: None,
            dead_letter: None,
        },
    );
    let mut logs = BTreeMap::new();
    logs.insert(
        "jobs".to_string(),
        LogSpec {
            partitions: 8,
            retention_records: 100,
            session_timeout_ms: 300.0,
            capacity: None,
        },
    );
    let mut brokers = BTreeMap::new();
    brokers.insert(
        "mq".to_string(),
        Broker {
            durable: k.durable,
            queues: if k.log { BTreeMap::new() } else { queues },
            topics: BTreeMap::new(),
            logs: if k.log { logs } else { BTreeMap::new() },
        },
    );
    let mut kv_stores = BTreeMap::new();
    kv_stores.insert(
        "kv".to_string(),
        KvStore {
            op_ms: Dist::constant(0.05),
            capacity: None,
        },
    );
    let targets = ["worker#0", "worker#1", "mq", "kv"];
    let faults = k
        .crashes
        .iter()
        .map(|&(at, t, d)| FaultSpec {
            at_s: at,
            duration_s: Some(d),
            action: FaultAction::Crash {
                target: targets[usize::from(t) % targets.len()].to_string(),
            },
        })
        .collect();
    Scenario {
        schema: None,
        version: 1,
        name: "random-crashes".into(),
        description: "messages under random crashes".into(),
        seed: k.seed,
        duration_s: 4.0,
        warmup_s: 0.0,
        window_s: 0.5,
        limits: Limits::default(),
        network: NetworkSpec::default(),
        workload: Workload {
            arrivals: Arrivals::Poisson { rate_per_s: 150.0 },
            classes: vec![RequestClass {
                endpoint: "submit".into(),
                publish: None,
                weight: 1.0,
                timeout_ms: 1000.0,
                arrivals: None,
                name: None,
                instance: None,
                keys: None,
            }],
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
            entry: "api".into(),
            services,
            databases: BTreeMap::new(),
            brokers,
            kv_stores,
            replicated_stores: BTreeMap::new(),
            lock_services: BTreeMap::new(),
            account_stores: BTreeMap::new(),
            cost: None,
            failures: BTreeMap::new(),
            propagate_trace_ids: true,
        }],
    }
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        any::<u64>(),
        any::<bool>(),
        any::<bool>(),
        1u32..4,
        prop::collection::vec((0.1..3.5f64, any::<u8>(), 0.05..1.0f64), 0..5),
    )
        .prop_map(|(seed, ack, log, workers, crashes)| Knobs {
            seed,
            ack,
            durable: true,
            log,
            workers,
            crashes,
        })
}

fn run(k: &Knobs) -> MessageStats {
    let s = models::plan::Checked::new(scenario(k))
        .unwrap_or_else(|e| panic!("invalid generated scenario: {e}"));
    let mut run = models::run::build(&s, &s.designs[0], s.seed).expect("builds");
    run.sim.run(RunLimits::until(run.plan.end));
    run.sim.world().messages.clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn reliable_designs_lose_nothing_under_random_crashes(k in knobs()) {
        // Acknowledged queues and logs on a durable broker: at-least-once, nothing lost.
        let k = Knobs { ack: true, ..k };
        let m = run(&k);
        prop_assert!(m.balanced(), "{m:?}");
        prop_assert_eq!(m.lost(), 0, "{:?}", m);
        prop_assert!(m.entered > 0);
    }

    #[test]
    fn every_copy_is_accounted_for_whatever_the_design(k in knobs(), durable in any::<bool>()) {
        let m = run(&Knobs { durable, ..k });
        prop_assert!(m.balanced(), "{m:?}");
    }
}
