//! Every request ends exactly once: ok, error, timeout, rejected, or still in flight at the
//! end. Checked on random scenarios (random designs, workloads and faults) two ways: the
//! results' counts add up, and the ledger's issued/ended counts agree with the requests the
//! client itself still holds.

use models::scenario::*;
use proptest::prelude::*;
use sim_core::dist::Dist;
use sim_core::simulation::RunLimits;
use std::collections::BTreeMap;

fn call(service: usize, timeout_ms: Option<f64>, retries: u32, breaker: bool) -> CallSpec {
    CallSpec {
        service: Some(format!("s{service}")),
        endpoint: "work".to_string(),
        timeout_ms,
        retries,
        backoff: Backoff::default(),
        circuit_breaker: breaker.then_some(CircuitBreaker {
            failure_threshold: 3,
            open_ms: 50.0,
        }),
        on_error: Default::default(),
    }
}

#[derive(Clone, Debug)]
struct Knobs {
    seed: u64,
    services: usize,
    workers: Vec<u32>,
    queues: Vec<Option<u32>>,
    step_kinds: Vec<u8>,
    rate: f64,
    closed_users: Option<u32>,
    faults: Vec<(f64, u8, usize)>,
}

fn scenario(k: &Knobs) -> Scenario {
    let n = k.services;
    let mut services = BTreeMap::new();
    for i in 0..n {
        let mut steps = vec![Step::Compute {
            ms: Dist::exponential(2.0),
        }];
        let kind = k.step_kinds[i] % 6;
        let next = (i + 1) % n;
        if n > 1 && i + 1 < n {
            steps.push(match kind {
                0 => Step::Call(call(next, Some(30.0), 0, false)),
                1 => Step::Call(call(next, Some(20.0), 2, true)),
                2 => Step::Parallel {
                    calls: vec![call(next, Some(25.0), 1, false), call(next, None, 0, false)],
                    wait: Wait::First,
                },
                3 => Step::Call(call(next, None, 0, false)),
                4 => Step::Parallel {
                    calls: vec![call(next, Some(40.0), 0, true); 3],
                    wait: Wait::Quorum(2),
                },
                _ => Step::Fail {
                    probability: 0.1,
                    cause: "bug".to_string(),
                },
            });
        }
        let mut pools = BTreeMap::new();
        if kind % 2 == 0 {
            pools.insert(
                "db".to_string(),
                Pool {
                    database: "db".to_string(),
                    size: 2,
                    acquire_timeout_ms: 5.0,
                    query_timeout_ms: 50.0,
                },
            );
            steps.push(Step::Query {
                pool: "db".to_string(),
                ms: Dist::exponential(3.0),
            });
        }
        let mut handlers = BTreeMap::new();
        handlers.insert("work".to_string(), steps);
        services.insert(
            format!("s{i}"),
            Service {
                instances: 1 + (i as u32 % 2),
                balancer: [
                    Balancer::RoundRobin,
                    Balancer::Random,
                    Balancer::LeastOutstanding,
                    Balancer::PowerOfTwoChoices,
                ][i % 4],
                workers: k.workers[i],
                queue_capacity: k.queues[i],
                pools,
                handlers,
                consume: None,
            },
        );
    }
    let mut databases = BTreeMap::new();
    databases.insert(
        "db".to_string(),
        Database {
            max_concurrency: Some(3),
        },
    );
    let faults = k
        .faults
        .iter()
        .map(|&(at, kind, target)| FaultSpec {
            at_s: at,
            duration_s: Some(0.5),
            action: match kind % 4 {
                0 => FaultAction::Crash {
                    target: format!("s{}", target % n),
                },
                1 => FaultAction::Partition {
                    groups: vec![vec![format!("s{}", target % n)]],
                },
                2 => FaultAction::Crash {
                    target: "db".to_string(),
                },
                _ => FaultAction::Slow {
                    target: format!("s{}", target % n),
                    factor: 5.0,
                },
            },
        })
        .collect();
    Scenario {
        schema: None,
        version: 1,
        name: "random".to_string(),
        description: "random accounting scenario".to_string(),
        seed: k.seed,
        duration_s: 3.0,
        warmup_s: 0.5,
        window_s: 0.5,
        limits: Limits::default(),
        network: NetworkSpec {
            latency_ms: Dist::exponential(0.5),
            loss: 0.01,
            duplicate: 0.01,
        },
        workload: Workload {
            arrivals: match k.closed_users {
                Some(users) => Arrivals::Closed {
                    users,
                    think_ms: Dist::exponential(20.0),
                },
                None => Arrivals::Poisson { rate_per_s: k.rate },
            },
            classes: vec![RequestClass {
                endpoint: "work".to_string(),
                publish: None,
                weight: 1.0,
                timeout_ms: 200.0,
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
            name: "d".to_string(),
            description: String::new(),
            entry: "s0".to_string(),
            services,
            databases,
            brokers: BTreeMap::new(),
            kv_stores: BTreeMap::new(),
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
    (1usize..5).prop_flat_map(|n| {
        (
            any::<u64>(),
            Just(n),
            prop::collection::vec(1u32..6, n),
            prop::collection::vec(prop::option::of(0u32..8), n),
            prop::collection::vec(any::<u8>(), n),
            50.0..600.0f64,
            prop::option::of(1u32..40),
            prop::collection::vec((0.2..2.5f64, any::<u8>(), 0usize..4), 0..4),
        )
            .prop_map(
                |(seed, services, workers, queues, step_kinds, rate, closed_users, faults)| Knobs {
                    seed,
                    services,
                    workers,
                    queues,
                    step_kinds,
                    rate,
                    closed_users,
                    faults,
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    #[test]
    fn every_request_ends_exactly_once(k in knobs()) {
        let s = models::plan::Checked::new(scenario(&k));
        prop_assert!(s.is_ok(), "generated an invalid scenario: {:?}", s.err());
        let s = s.expect("checked");
        let design = &s.designs[0];
        let mut run = models::run::build(&s, design, s.seed).expect("builds");
        run.sim.run(RunLimits::until(run.plan.end));
        let ledger = run.sim.world();
        prop_assert_eq!(ledger.all_issued, ledger.all_ended + ledger.client_in_flight);
        let measured_in_flight: u64 = ledger.classes.iter().map(|t| t.in_flight()).sum();
        prop_assert!(measured_in_flight <= ledger.client_in_flight);

        let r = models::run::run_design(&s, design, s.seed).expect("runs");
        let sum: u64 = r.requests.by_outcome.values().sum();
        prop_assert_eq!(sum, r.requests.total);
        prop_assert_eq!(r.requests.ok, r.requests.by_outcome["ok"]);
        let causes: u64 = r.causes.values().sum();
        let failed = r.requests.by_outcome["error"] + r.requests.by_outcome["timeout"] + r.requests.by_outcome["rejected"];
        prop_assert_eq!(causes, failed, "every failure has a cause");
        let per_endpoint: u64 = r.endpoints.values().map(|e| e.requests.total).sum();
        prop_assert_eq!(per_endpoint, r.requests.total);
        let series_issued: u64 = r.series.iter().map(|w| w.issued).sum();
        prop_assert_eq!(series_issued, ledger.all_issued);
    }
}
