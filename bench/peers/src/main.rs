//! caplab's engine beside other discrete-event engines from crates.io, on the hold model:
//! each event schedules one more at now + Exp(1 ms), with 1,000 and 100,000 events
//! outstanding. Every engine draws with the same sampler (`rand_distr`'s ziggurat on
//! ChaCha8) and runs single-threaded; the engines alternate within each round, and the
//! median of the rounds is shown, with each engine's speed over the bare loop's and
//! sim-core's over each peer's.
//!
//! `cargo run --release` (from this folder; its own workspace, so the main workspace's CI
//! never builds the peers). `cargo run --release -- ENGINE OUTSTANDING` runs one engine
//! once, for `/usr/bin/time -v`.
//!
//! Tried and left out: `desim` 0.4 (coroutines: nightly Rust only); `dslab-core` is not on
//! crates.io.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const MEAN_NS: f64 = 1e6;

#[inline]
fn exp_ns<R: RngCore + ?Sized>(rng: &mut R) -> u64 {
    let x: f64 = Exp1.sample(rng);
    // At least 1 ns: some engines refuse an event at the current instant.
    ((x * MEAN_NS) as u64).max(1)
}

// ------------------------------------------------------------------ bare loop

fn bare(outstanding: usize, events: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut heap = BinaryHeap::with_capacity(outstanding);
    let mut seq = 0u64;
    for _ in 0..outstanding {
        heap.push(Reverse((exp_ns(&mut rng), seq, 0u32)));
        seq += 1;
    }
    let mut done = 0;
    while done < events {
        let Some(Reverse((t, _, target))) = heap.pop() else {
            break;
        };
        done += 1;
        heap.push(Reverse((t + exp_ns(&mut rng), seq, target)));
        seq += 1;
    }
    std::hint::black_box(heap.len());
    done
}

// ------------------------------------------------------------------ sim-core

mod caplab {
    use super::*;
    use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
    use sim_core::time::{SimDuration, SimTime};

    struct Hold {
        outstanding: usize,
    }

    impl Component<(), ()> for Hold {
        fn on_event(&mut self, event: Event<()>, ctx: &mut Ctx<'_, (), ()>) {
            let n = if let Event::Init = event {
                self.outstanding
            } else {
                1
            };
            for _ in 0..n {
                let d = exp_ns(ctx.rng());
                ctx.set_timer(SimDuration::from_nanos(d), ());
            }
        }
    }

    pub fn run(outstanding: usize, events: u64) -> u64 {
        let mut sim = Simulation::new(1, ());
        sim.add_component("hold", Box::new(Hold { outstanding }));
        // The init event is one more.
        sim.run(RunLimits {
            until: SimTime::MAX,
            max_events: events + 1,
        });
        std::hint::black_box(sim.digest());
        sim.events_processed() - 1
    }
}

// ------------------------------------------------------------------ simrs

mod simrs_hold {
    use super::*;
    use simrs::{Component, ComponentId, Scheduler, Simulation, State};

    struct Hold {
        rng: RefCell<ChaCha8Rng>,
    }

    impl Component for Hold {
        type Event = ();
        fn process_event(
            &self,
            self_id: ComponentId<()>,
            _: &(),
            scheduler: &mut Scheduler,
            _: &mut State,
        ) {
            let d = exp_ns(&mut *self.rng.borrow_mut());
            scheduler.schedule(Duration::from_nanos(d), self_id, ());
        }
    }

    pub fn run(outstanding: usize, events: u64) -> u64 {
        let mut sim = Simulation::default();
        let hold = Hold {
            rng: RefCell::new(ChaCha8Rng::seed_from_u64(1)),
        };
        let id = sim.add_component(hold);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for _ in 0..outstanding {
            sim.schedule(Duration::from_nanos(exp_ns(&mut rng)), id, ());
        }
        let mut done = 0;
        while done < events && sim.step() {
            done += 1;
        }
        done
    }
}

// ------------------------------------------------------------------ nexosim

mod nexosim_hold {
    use super::*;
    use nexosim::model::{schedulable, Context, Model};
    use nexosim::simulation::{Mailbox, SimInit};
    use nexosim::time::MonotonicTime;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize)]
    pub struct Hold {
        rng: ChaCha8Rng,
        outstanding: usize,
        #[serde(skip)]
        fired: Arc<AtomicU64>,
    }

    #[Model]
    impl Hold {
        #[nexosim(init)]
        async fn init(&mut self, cx: &Context<Self>) {
            for _ in 0..self.outstanding {
                let d = exp_ns(&mut self.rng);
                cx.schedule_event(Duration::from_nanos(d), schedulable!(Self::fire), ())
                    .expect("a future instant");
            }
        }

        #[nexosim(schedulable)]
        async fn fire(&mut self, _: (), cx: &Context<Self>) {
            self.fired.fetch_add(1, Ordering::Relaxed);
            let d = exp_ns(&mut self.rng);
            cx.schedule_event(Duration::from_nanos(d), schedulable!(Self::fire), ())
                .expect("a future instant");
        }
    }

    /// Runs to the simulated time at which about `events` events have fired (the hold model
    /// fires `outstanding` events per mean delay) and returns how many did.
    pub fn run(outstanding: usize, events: u64) -> u64 {
        let fired = Arc::new(AtomicU64::new(0));
        let hold = Hold {
            rng: ChaCha8Rng::seed_from_u64(1),
            outstanding,
            fired: fired.clone(),
        };
        let t0 = MonotonicTime::EPOCH;
        let mut simu = SimInit::with_num_threads(1)
            .add_model(hold, Mailbox::new(), "hold")
            .init(t0)
            .expect("the model initialises");
        let horizon = (events as f64 / outstanding as f64 * MEAN_NS) as u64;
        simu.step_until(t0 + Duration::from_nanos(horizon))
            .expect("the run goes through");
        fired.load(Ordering::Relaxed)
    }
}

// ------------------------------------------------------------------ harness

type Engine = (&'static str, fn(usize, u64) -> u64);

const ENGINES: [Engine; 4] = [
    ("bare BinaryHeap loop", bare),
    ("caplab sim-core", caplab::run),
    ("simrs 0.2", simrs_hold::run),
    ("nexosim 1.0 (1 thread)", nexosim_hold::run),
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, engine, outstanding] = args.as_slice() {
        let outstanding: usize = outstanding.parse().expect("a number of outstanding events");
        let (name, run) = ENGINES
            .iter()
            .find(|(name, _)| name.starts_with(engine.as_str()))
            .expect("an engine: bare, caplab, simrs or nexosim");
        let n = run(outstanding, 5_000_000);
        println!("{name}: {n} events with {outstanding} outstanding");
        return;
    }
    let rounds = 5;
    for (outstanding, events) in [(1_000usize, 5_000_000u64), (100_000, 5_000_000)] {
        let mut rates = vec![Vec::new(); ENGINES.len()];
        for _ in 0..rounds {
            for (i, (_, run)) in ENGINES.iter().enumerate() {
                let t = Instant::now();
                let n = run(outstanding, events);
                rates[i].push(n as f64 / t.elapsed().as_secs_f64());
            }
        }
        let rates: Vec<f64> = rates.into_iter().map(median).collect();
        println!(
            "hold model, {outstanding} outstanding, {events} events, median of {rounds} rounds"
        );
        println!(
            "{:<26} {:>14} {:>10} {:>14}",
            "engine", "events/s", "/ bare", "sim-core / it"
        );
        for (i, (name, _)) in ENGINES.iter().enumerate() {
            println!(
                "{:<26} {:>14.0} {:>10.2} {:>14.2}",
                name,
                rates[i],
                rates[i] / rates[0],
                rates[1] / rates[i]
            );
        }
        println!();
    }
}
