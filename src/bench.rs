//! `caplab bench`: the engine against a bare `BinaryHeap` + ChaCha8 loop doing the same work,
//! measured in the same process, alternating, median of several rounds.
//!
//! The bare loop is an honest ceiling: its own ChaCha8 generator, `rand_distr`'s ziggurat
//! exponential (the fastest exact sampler at hand), a `std` binary heap of plain tuples, no
//! digest, no cancellation bookkeeping, no crash checks, no network. The engine's models
//! draw with the same sampler through `ctx.rng()` (a `SimRng` is a `rand` generator), so the
//! ratio is the engine's own overhead; the cost of the engine's `Dist` sampling (its own
//! deterministic ziggurat, `libm` on the rare paths) is measured apart, in the sampler rows.
//!
//! Models: the hold model (each event schedules one more at now + Exp(1 ms)) with 1,000 and
//! 100,000 events outstanding; an M/M/c queue counted in logical events (an arrival and a
//! departure per customer, whatever the engine's model needs: its events per customer are
//! shown beside it), written as one component with two timers, and again as a source that
//! sends each arrival to a station over the network (a timer, a message, a departure); and a
//! timer-heavy model in which 99% of timeouts are cancelled.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use sim_core::dist::Dist;
use sim_core::network::NodeId;
use sim_core::rng::SimRng;
use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
use sim_core::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

/// One measured model: logical events per run and their rates for the engine and the bare
/// loop.
pub struct BenchRow {
    /// What was measured.
    pub name: String,
    /// Logical events per run (the same for both sides).
    pub events: u64,
    /// Engine events per logical event (1 unless the engine's model takes more steps).
    pub engine_per_event: f64,
    /// Median engine logical events per wall second.
    pub engine_eps: f64,
    /// Median bare-loop logical events per wall second.
    pub bare_eps: f64,
}

impl BenchRow {
    /// Engine speed over bare-loop speed (> 1: the engine is faster).
    pub fn ratio(&self) -> f64 {
        self.engine_eps / self.bare_eps
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// What one side of a benchmark did: logical events, and the engine events it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Work {
    logical: u64,
    steps: u64,
}

/// Times `engine` and `bare` alternately `rounds` times.
fn measure(
    name: &str,
    rounds: usize,
    engine: impl Fn() -> Work,
    bare: impl Fn() -> Work,
) -> BenchRow {
    let (mut e, mut b) = (Vec::new(), Vec::new());
    let mut work = Work {
        logical: 0,
        steps: 0,
    };
    for _ in 0..rounds {
        let t = Instant::now();
        work = engine();
        e.push(work.logical as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let bare_work = bare();
        b.push(bare_work.logical as f64 / t.elapsed().as_secs_f64());
        assert_eq!(
            work.logical, bare_work.logical,
            "{name}: engine and bare loop did different work"
        );
    }
    BenchRow {
        name: name.to_string(),
        events: work.logical,
        engine_per_event: work.steps as f64 / work.logical.max(1) as f64,
        engine_eps: median(e),
        bare_eps: median(b),
    }
}

/// An exponential delay of mean `mean_ns`, in whole nanoseconds: the sampler both sides use.
#[inline]
fn exp_ns<R: RngCore + ?Sized>(rng: &mut R, mean_ns: f64) -> u64 {
    let x: f64 = Exp1.sample(rng);
    (x * mean_ns) as u64
}

const MS: f64 = 1e6;

// ---------------------------------------------------------------- hold model

struct Hold {
    outstanding: usize,
}

impl Component<u32, ()> for Hold {
    fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
        let n = if let Event::Init = event {
            self.outstanding
        } else {
            1
        };
        for _ in 0..n {
            let d = exp_ns(ctx.rng(), MS);
            ctx.set_timer(SimDuration(d), 0);
        }
    }
}

fn hold_engine(outstanding: usize, events: u64) -> Work {
    let mut sim = Simulation::new(1, ());
    sim.add_component("hold", Box::new(Hold { outstanding }));
    sim.run(RunLimits {
        until: SimTime::MAX,
        max_events: events,
    });
    std::hint::black_box(sim.digest());
    let n = sim.events_processed();
    Work {
        logical: n,
        steps: n,
    }
}

fn hold_bare(outstanding: usize, events: u64) -> Work {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut heap = BinaryHeap::with_capacity(outstanding);
    let mut seq = 0u64;
    // The engine's Init event counts as one event.
    let mut done = 1;
    for _ in 0..outstanding {
        heap.push(Reverse((exp_ns(&mut rng, MS), seq, 0u32)));
        seq += 1;
    }
    while done < events {
        let Some(Reverse((t, _, target))) = heap.pop() else {
            break;
        };
        done += 1;
        heap.push(Reverse((t + exp_ns(&mut rng, MS), seq, target)));
        seq += 1;
    }
    std::hint::black_box(heap.len());
    Work {
        logical: done,
        steps: done,
    }
}

// ---------------------------------------------------------------- M/M/c

#[derive(Clone, Debug)]
enum Mmc {
    Arrival,
    Departure,
}

struct MmcWorld {
    arrivals: u64,
    customers: u64,
    wait_ns_sum: u128,
}

/// Sends `customers` arrivals to the station, Poisson: a timer, then a message, each.
struct Source {
    station: NodeId,
    mean_ns: f64,
}

impl Component<Mmc, MmcWorld> for Source {
    fn on_event(&mut self, event: Event<Mmc>, ctx: &mut Ctx<'_, Mmc, MmcWorld>) {
        if !matches!(event, Event::Init) {
            ctx.world().arrivals += 1;
            ctx.send(self.station, Mmc::Arrival);
        }
        if ctx.world().arrivals < ctx.world().customers {
            let d = exp_ns(ctx.rng(), self.mean_ns);
            ctx.set_timer(SimDuration(d), Mmc::Arrival);
        }
    }
}

struct Station {
    servers: usize,
    busy: usize,
    queue: VecDeque<SimTime>,
    mean_ns: f64,
}

impl Component<Mmc, MmcWorld> for Station {
    fn on_event(&mut self, event: Event<Mmc>, ctx: &mut Ctx<'_, Mmc, MmcWorld>) {
        match event {
            Event::Init => {}
            Event::Message { .. } => {
                if self.busy < self.servers {
                    self.busy += 1;
                    let d = exp_ns(ctx.rng(), self.mean_ns);
                    ctx.set_timer(SimDuration(d), Mmc::Departure);
                } else {
                    self.queue.push_back(ctx.now());
                }
            }
            Event::Timer(_) => match self.queue.pop_front() {
                Some(arrived) => {
                    let wait = ctx.now().saturating_since(arrived).as_nanos();
                    ctx.world().wait_ns_sum += u128::from(wait);
                    let d = exp_ns(ctx.rng(), self.mean_ns);
                    ctx.set_timer(SimDuration(d), Mmc::Departure);
                }
                None => self.busy -= 1,
            },
        }
    }
}

/// The same queue as one component, as a user of the public API would write it: an
/// arrival timer and a departure timer, two engine events per customer (the bare loop's
/// two). The source-and-station model above also sends each arrival over the network.
struct MmcNode {
    servers: usize,
    busy: usize,
    queue: VecDeque<SimTime>,
}

impl Component<Mmc, MmcWorld> for MmcNode {
    fn on_event(&mut self, event: Event<Mmc>, ctx: &mut Ctx<'_, Mmc, MmcWorld>) {
        match event {
            Event::Init => {
                let d = exp_ns(ctx.rng(), MMC_INTERARRIVAL_NS);
                ctx.set_timer(SimDuration(d), Mmc::Arrival);
            }
            Event::Timer(Mmc::Arrival) => {
                let world = ctx.world();
                world.arrivals += 1;
                if world.arrivals < world.customers {
                    let d = exp_ns(ctx.rng(), MMC_INTERARRIVAL_NS);
                    ctx.set_timer(SimDuration(d), Mmc::Arrival);
                }
                if self.busy < self.servers {
                    self.busy += 1;
                    let d = exp_ns(ctx.rng(), MMC_SERVICE_NS);
                    ctx.set_timer(SimDuration(d), Mmc::Departure);
                } else {
                    self.queue.push_back(ctx.now());
                }
            }
            Event::Timer(Mmc::Departure) => match self.queue.pop_front() {
                Some(arrived) => {
                    let wait = ctx.now().saturating_since(arrived).as_nanos();
                    ctx.world().wait_ns_sum += u128::from(wait);
                    let d = exp_ns(ctx.rng(), MMC_SERVICE_NS);
                    ctx.set_timer(SimDuration(d), Mmc::Departure);
                }
                None => self.busy -= 1,
            },
            Event::Message { .. } => {}
        }
    }
}

const MMC_SERVERS: usize = 4;
const MMC_RHO: f64 = 0.9;
const MMC_SERVICE_NS: f64 = MS;
const MMC_INTERARRIVAL_NS: f64 = MMC_SERVICE_NS / (MMC_RHO * MMC_SERVERS as f64);

fn mmc_engine(customers: u64) -> Work {
    let world = MmcWorld {
        arrivals: 0,
        customers,
        wait_ns_sum: 0,
    };
    let mut sim = Simulation::new(2, world);
    let station = NodeId(1);
    sim.add_component(
        "source",
        Box::new(Source {
            station,
            mean_ns: MMC_INTERARRIVAL_NS,
        }),
    );
    sim.add_component(
        "station",
        Box::new(Station {
            servers: MMC_SERVERS,
            busy: 0,
            queue: VecDeque::new(),
            mean_ns: MMC_SERVICE_NS,
        }),
    );
    sim.run(RunLimits::UNLIMITED);
    std::hint::black_box(sim.world().wait_ns_sum);
    Work {
        logical: 2 * sim.world().arrivals,
        steps: sim.events_processed(),
    }
}

/// The one-component M/M/c: an arrival and a departure timer per customer, plus the init
/// event (counted as one logical event, as the bare loop's first arrival is).
fn mmc_node_engine(customers: u64) -> Work {
    let world = MmcWorld {
        arrivals: 0,
        customers,
        wait_ns_sum: 0,
    };
    let mut sim = Simulation::new(2, world);
    sim.add_component(
        "station",
        Box::new(MmcNode {
            servers: MMC_SERVERS,
            busy: 0,
            queue: VecDeque::new(),
        }),
    );
    sim.run(RunLimits::UNLIMITED);
    std::hint::black_box(sim.world().wait_ns_sum);
    Work {
        logical: 2 * sim.world().arrivals,
        steps: sim.events_processed(),
    }
}

/// The same queue by hand: an arrival event and a departure event per customer.
fn mmc_bare(customers: u64) -> Work {
    const ARRIVAL: u8 = 0;
    const DEPARTURE: u8 = 1;
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut queue: VecDeque<u64> = VecDeque::new();
    let (mut busy, mut arrivals, mut wait_sum, mut events) = (0usize, 0u64, 0u128, 0u64);
    heap.push(Reverse((
        exp_ns(&mut rng, MMC_INTERARRIVAL_NS),
        seq,
        ARRIVAL,
    )));
    seq += 1;
    while let Some(Reverse((now, _, kind))) = heap.pop() {
        events += 1;
        if kind == ARRIVAL {
            arrivals += 1;
            if arrivals < customers {
                let d = exp_ns(&mut rng, MMC_INTERARRIVAL_NS);
                heap.push(Reverse((now + d, seq, ARRIVAL)));
                seq += 1;
            }
            if busy < MMC_SERVERS {
                busy += 1;
                let d = exp_ns(&mut rng, MMC_SERVICE_NS);
                heap.push(Reverse((now + d, seq, DEPARTURE)));
                seq += 1;
            } else {
                queue.push_back(now);
            }
        } else {
            match queue.pop_front() {
                Some(arrived) => {
                    wait_sum += u128::from(now - arrived);
                    let d = exp_ns(&mut rng, MMC_SERVICE_NS);
                    heap.push(Reverse((now + d, seq, DEPARTURE)));
                    seq += 1;
                }
                None => busy -= 1,
            }
        }
    }
    std::hint::black_box(wait_sum);
    debug_assert_eq!(events, 2 * arrivals);
    Work {
        logical: events,
        steps: events,
    }
}

// ---------------------------------------------------------------- timer-heavy

#[derive(Clone, Debug)]
enum Rpc {
    Reply(u64),
    Timeout,
}

struct Caller {
    issued: u64,
    limit: u64,
    pending: Option<(u64, sim_core::simulation::TimerId)>,
}

const RPC_TIMEOUT: SimDuration = SimDuration::from_secs(1);
const RPC_REPLY_PROB: f64 = 0.99;
const RPC_REPLY_MEAN_NS: f64 = 5.0 * MS;

impl Caller {
    fn issue(&mut self, ctx: &mut Ctx<'_, Rpc, ()>) {
        if self.issued == self.limit {
            return;
        }
        let id = self.issued;
        self.issued += 1;
        let timer = ctx.set_timer(RPC_TIMEOUT, Rpc::Timeout);
        self.pending = Some((id, timer));
        if ctx.rng().gen_bool(RPC_REPLY_PROB) {
            let d = exp_ns(ctx.rng(), RPC_REPLY_MEAN_NS);
            ctx.set_timer(SimDuration(d), Rpc::Reply(id));
        }
    }
}

impl Component<Rpc, ()> for Caller {
    fn on_event(&mut self, event: Event<Rpc>, ctx: &mut Ctx<'_, Rpc, ()>) {
        match event {
            Event::Timer(Rpc::Reply(id)) => {
                if let Some((p, timer)) = self.pending {
                    if p == id {
                        ctx.cancel_timer(timer);
                        self.issue(ctx);
                    }
                }
            }
            Event::Timer(Rpc::Timeout) | Event::Init => self.issue(ctx),
            Event::Message { .. } => {}
        }
    }
}

fn timers_engine(callers: usize, per_caller: u64) -> Work {
    let mut sim = Simulation::new(3, ());
    for i in 0..callers {
        sim.add_component(
            format!("caller{i}"),
            Box::new(Caller {
                issued: 0,
                limit: per_caller,
                pending: None,
            }),
        );
    }
    sim.run(RunLimits::UNLIMITED);
    std::hint::black_box(sim.digest());
    let n = sim.events_processed();
    Work {
        logical: n,
        steps: n,
    }
}

/// (time, seq, caller, is_reply, request id)
type BareTimer = (u64, u64, u32, bool, u64);

struct BareCallers {
    rngs: Vec<ChaCha8Rng>,
    heap: BinaryHeap<Reverse<BareTimer>>,
    cancelled: Vec<bool>,
    issued: Vec<u64>,
    pending: Vec<u64>,
    per_caller: u64,
    seq: u64,
}

impl BareCallers {
    fn issue(&mut self, c: usize, now: u64) {
        if self.issued[c] == self.per_caller {
            return;
        }
        self.issued[c] += 1;
        let id = self.cancelled.len() as u64;
        self.cancelled.push(false);
        self.pending[c] = id;
        self.heap.push(Reverse((
            now + RPC_TIMEOUT.0,
            self.seq,
            c as u32,
            false,
            id,
        )));
        self.seq += 1;
        if self.rngs[c].gen_bool(RPC_REPLY_PROB) {
            let d = exp_ns(&mut self.rngs[c], RPC_REPLY_MEAN_NS);
            self.heap
                .push(Reverse((now + d, self.seq, c as u32, true, id)));
            self.seq += 1;
        }
    }
}

fn timers_bare(callers: usize, per_caller: u64) -> Work {
    // The usual hand-written loop: cancelled timeouts stay in the heap, flagged in a table
    // indexed by request id, and are skipped when they surface.
    let mut b = BareCallers {
        rngs: (0..callers)
            .map(|i| ChaCha8Rng::seed_from_u64(3 + i as u64))
            .collect(),
        heap: BinaryHeap::new(),
        cancelled: Vec::new(),
        issued: vec![0; callers],
        pending: vec![u64::MAX; callers],
        per_caller,
        seq: 0,
    };
    let mut events = callers as u64;
    for c in 0..callers {
        b.issue(c, 0);
    }
    while let Some(Reverse((now, _, c, is_reply, id))) = b.heap.pop() {
        if !is_reply && b.cancelled[id as usize] {
            continue;
        }
        events += 1;
        let c = c as usize;
        if is_reply {
            if b.pending[c] == id {
                b.cancelled[id as usize] = true;
                b.issue(c, now);
            }
        } else {
            b.issue(c, now);
        }
    }
    Work {
        logical: events,
        steps: events,
    }
}

// ---------------------------------------------------------------- samplers

/// `draws` draws of `draw` from `rng`, summed so none is optimised away.
fn draw_loop<R>(rng: &mut R, draws: u64, mut draw: impl FnMut(&mut R) -> u64) -> Work {
    let mut acc = 0u64;
    for _ in 0..draws {
        acc = acc.wrapping_add(draw(rng));
    }
    std::hint::black_box(acc);
    Work {
        logical: draws,
        steps: draws,
    }
}

/// Exponential draws per wall second: the engine's `Dist` (its ziggurat, through
/// `sample_duration_ms`) over a `SimRng` against the bare loop's `rand_distr` ziggurat over
/// its own ChaCha8, alternating.
fn sampler_row(draws: u64, rounds: usize) -> BenchRow {
    let dist = Dist::exponential(1.0);
    measure(
        "exponential draws: Dist vs ziggurat",
        rounds,
        || {
            let mut rng = SimRng::stream(4, "node/sampler", 0);
            draw_loop(&mut rng, draws, |r| dist.sample_duration_ms(r).0)
        },
        || draw_loop(&mut ChaCha8Rng::seed_from_u64(4), draws, |r| exp_ns(r, MS)),
    )
}

/// Log-normal draws per wall second (every latency of the bundled scenarios is one): the
/// engine's `Dist` (`exp` of its ziggurat normal) against `exp` of `rand_distr`'s ziggurat
/// normal, both through `libm::exp`.
fn log_normal_row(draws: u64, rounds: usize) -> BenchRow {
    let (mu, sigma) = (1.0, 0.5);
    let dist = Dist::LogNormal { mu, sigma };
    measure(
        "log-normal draws: Dist vs ziggurat normal",
        rounds,
        || {
            let mut rng = SimRng::stream(5, "node/sampler", 0);
            draw_loop(&mut rng, draws, |r| dist.sample_duration_ms(r).0)
        },
        || {
            draw_loop(&mut ChaCha8Rng::seed_from_u64(5), draws, |r| {
                let z: f64 = StandardNormal.sample(r);
                SimDuration::from_millis_f64(libm::exp(mu + sigma * z)).0
            })
        },
    )
}

/// The models `caplab bench --only` can run alone (once, one side), for `/usr/bin/time -v`.
pub const MODELS: [&str; 5] = ["hold-1k", "hold-100k", "mmc", "mmc-net", "timers"];

/// Runs one model once on one side (`engine` or `bare`) and describes what it did: for
/// measuring peak memory with an outside tool.
pub fn run_one(model: &str, side: &str, scale: f64) -> Result<String, String> {
    let n = |x: f64| (x * scale).max(1.0) as u64;
    let engine = match side {
        "engine" => true,
        "bare" => false,
        other => return Err(format!("--side must be engine or bare, got {other}")),
    };
    let work = match (model, engine) {
        ("hold-1k", true) => hold_engine(1_000, n(5_000_000.0)),
        ("hold-1k", false) => hold_bare(1_000, n(5_000_000.0)),
        ("hold-100k", true) => hold_engine(100_000, n(5_000_000.0)),
        ("hold-100k", false) => hold_bare(100_000, n(5_000_000.0)),
        ("mmc", true) => mmc_node_engine(n(1_000_000.0)),
        ("mmc-net", true) => mmc_engine(n(1_000_000.0)),
        ("mmc" | "mmc-net", false) => mmc_bare(n(1_000_000.0)),
        ("timers", true) => timers_engine(1_000, n(2_000.0)),
        ("timers", false) => timers_bare(1_000, n(2_000.0)),
        (other, _) => {
            return Err(format!(
                "unknown model {other}; one of {}",
                MODELS.join(", ")
            ))
        }
    };
    Ok(format!(
        "{model} ({side}): {} logical events, {} steps\n",
        work.logical, work.steps
    ))
}

/// Runs every engine benchmark; `scale` multiplies the work (1.0 = full size).
pub fn run_engine_benches(scale: f64, rounds: usize) -> Vec<BenchRow> {
    let n = |x: f64| (x * scale).max(1.0) as u64;
    let hold_events = n(5_000_000.0);
    let customers = n(1_000_000.0);
    let per_caller = n(2_000.0);
    vec![
        measure(
            "hold, 1,000 outstanding",
            rounds,
            || hold_engine(1_000, hold_events),
            || hold_bare(1_000, hold_events),
        ),
        measure(
            "hold, 100,000 outstanding",
            rounds,
            || hold_engine(100_000, hold_events),
            || hold_bare(100_000, hold_events),
        ),
        measure(
            "M/M/4 at rho 0.9, 1M customers",
            rounds,
            || mmc_node_engine(customers),
            || mmc_bare(customers),
        ),
        measure(
            "M/M/4, arrivals sent source -> station",
            rounds,
            || mmc_engine(customers),
            || mmc_bare(customers),
        ),
        measure(
            "timeouts, 99% cancelled, 1,000 callers",
            rounds,
            || timers_engine(1_000, per_caller),
            || timers_bare(1_000, per_caller),
        ),
        sampler_row(n(10_000_000.0), rounds),
        log_normal_row(n(10_000_000.0), rounds),
    ]
}

/// The table `caplab bench` prints.
pub fn format_rows(rows: &[BenchRow]) -> String {
    let mut out = format!(
        "{:<42} {:>12} {:>10} {:>16} {:>16} {:>8}\n",
        "model", "events", "engine/ev", "engine ev/s", "bare loop ev/s", "ratio"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<42} {:>12} {:>10.2} {:>16.0} {:>16.0} {:>8.2}\n",
            r.name,
            r.events,
            r.engine_per_event,
            r.engine_eps,
            r.bare_eps,
            r.ratio()
        ));
    }
    out.push_str(
        "events: logical events (M/M/4: an arrival and a departure per customer); engine/ev: \
         the engine's events per logical event (M/M/4 as one component: two timers per \
         customer; sent source -> station: a timer, a message and a departure); both sides \
         sample with rand_distr's ziggurat, except the last two rows: the engine's Dist (its \
         own deterministic ziggurat) against rand_distr's\n",
    );
    out
}

/// Runs the bundled request/response scenarios scaled to about 1,000,000 requests and
/// reports simulated requests and engine events per wall second and per CPU second (user +
/// system time of this process: steadier on a shared machine), and how many times slower
/// per event the whole model path is than the raw engine (`raw_eps`: the hold model's
/// events/s measured in the same process).
pub fn run_scenario_benches(scale: f64, raw_eps: f64) -> Result<String, String> {
    let mut out = format!(
        "\n{:<44} {:>12} {:>12} {:>14} {:>14} {:>14} {:>10} {:>12}\n",
        "scenario (design)",
        "requests",
        "events",
        "requests/s",
        "events/s",
        "events/cpu s",
        "ev/request",
        "raw/model"
    );
    for file in ["saas-fanout", "inventory-sync-vs-async"] {
        let scenario = models::bundled::load_path_or_name(std::path::Path::new(file))
            .map_err(|e| e.to_string())?;
        for design in &scenario.designs {
            // Stretch the run so that about a million requests are issued.
            let probe = models::run::run_design(&scenario, design, scenario.seed)?;
            let per_s = probe.requests.total as f64 / (scenario.duration_s - scenario.warmup_s);
            let s = scenario.edited(|s| {
                s.duration_s = s.warmup_s + (1_000_000.0 * scale / per_s).max(1.0);
                s.limits.max_windows = usize::MAX;
            })?;
            let (wall, cpu, r) = timed(|| models::run::run_design(&s, design, s.seed));
            let r = r?;
            let cpu_eps = cpu.map_or("-".to_string(), |c| {
                format!("{:.0}", r.events as f64 / c.max(0.01))
            });
            out.push_str(&format!(
                "{:<44} {:>12} {:>12} {:>14.0} {:>14.0} {:>14} {:>10.1} {:>12.2}\n",
                format!("{} ({})", scenario.name, design.name),
                r.requests.total,
                r.events,
                r.requests.total as f64 / wall,
                r.events as f64 / wall,
                cpu_eps,
                r.events as f64 / r.requests.total.max(1) as f64,
                raw_eps / (r.events as f64 / wall)
            ));
        }
    }
    out.push_str(&pipeline_bench(scale)?);
    Ok(out)
}

/// The event pipeline's 100-instance design at 200,000 events/s for 60 simulated seconds
/// (12 million events at `scale` 1): wall time and simulated seconds per wall second.
fn pipeline_bench(scale: f64) -> Result<String, String> {
    let file = std::path::Path::new("event-pipeline");
    let s = models::bundled::load_path_or_name(file)
        .map_err(|e| e.to_string())?
        .edited(|s| {
            s.workload.arrivals = models::scenario::Arrivals::Poisson {
                rate_per_s: 200_000.0,
            };
            s.duration_s =
                (60.0 * scale).max(s.faults.iter().map(|f| f.at_s + 1.0).fold(2.0, f64::max));
        })?;
    let design = s
        .designs
        .iter()
        .find(|d| d.name == "processors-100")
        .ok_or("event-pipeline.json has no processors-100 design")?
        .clone();
    let t = Instant::now();
    let r = models::run::run_design(&s, &design, s.seed)?;
    let wall = t.elapsed().as_secs_f64();
    let m = r.messages.unwrap_or_default();
    Ok(format!(
        "\nevent-pipeline (processors-100), 200,000 events/s for {:.0} simulated s: {} events entered, \
         {} processed, {} lost; {} engine events in {:.1} s wall ({:.2} simulated s per wall s)\n",
        s.duration_s,
        m.entered,
        m.processed,
        m.lost.values().sum::<u64>(),
        r.events,
        wall,
        s.duration_s / wall
    ))
}

/// Times the linearizability checker on a correct history of 100,000 operations over
/// 1,000 keys (scaled), median of 5 checks.
pub fn checker_bench(scale: f64) -> String {
    use models::checker::{bench_history, check_operations, CheckConfig, Verdict};
    let ops = ((100_000.0 * scale) as usize).max(1_000);
    let history = bench_history(ops, 1_000, 1);
    let mut times = Vec::new();
    let mut verdict = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        let report = check_operations(&history, &CheckConfig::default());
        times.push(t.elapsed().as_secs_f64());
        verdict = match report {
            Ok(r) => match r.verdict {
                Verdict::Linearizable => "linearizable".to_string(),
                other => format!("{other:?}"),
            },
            Err(e) => e.to_string(),
        };
    }
    format!(
        "linearizability checker: {ops} operations over 1,000 keys: {verdict} in {:.1} ms (median of 5)\n\n",
        median(times) * 1e3
    )
}

/// `caplab bench --reliability`: S11's fast mode (a year × its replications, per design)
/// against the full request-level simulation of the same failure process over `scale`
/// simulated days (one replication), measured in the same process; the full mode's time is
/// extrapolated linearly to the fast mode's horizon and replications.
pub fn reliability_bench(scale: f64) -> Result<String, String> {
    let file = "logistics-migration";
    let scenario = models::bundled::load_path_or_name(std::path::Path::new(file))
        .map_err(|e| e.to_string())?;
    let rel = scenario
        .reliability
        .clone()
        .ok_or_else(|| format!("{file} has no reliability section"))?;
    let mut out = format!(
        "\n{:<36} {:>10} {:>12} {:>14} {:>12} {:>14} {:>16} {:>10}\n",
        "reliability (design)",
        "fast s",
        "fast states",
        "full days",
        "full s",
        "full events/s",
        "full, projected",
        "speed-up"
    );
    let days = scale.max(0.01);
    for design in &scenario.designs {
        let t = Instant::now();
        let fast = models::reliability::summarise(&scenario, design, scenario.seed)?
            .ok_or_else(|| "no summary".to_string())?;
        let fast_s = t.elapsed().as_secs_f64();
        let short = scenario.edited(|s| {
            if let Some(r) = s.reliability.as_mut() {
                r.horizon_days = days;
            }
            s.limits.max_windows = usize::MAX;
        })?;
        let t = Instant::now();
        let full = models::reliability::full_run(&short, design, scenario.seed, 0)?;
        let full_s = t.elapsed().as_secs_f64();
        let projected = full_s * rel.horizon_days / days * f64::from(rel.replications);
        out.push_str(&format!(
            "{:<36} {:>10.3} {:>12} {:>14} {:>12.2} {:>14.0} {:>15.0}s {:>9.0}×\n",
            format!("{} ({})", scenario.name, design.name),
            fast_s,
            fast.states,
            days,
            full_s,
            full.result.events as f64 / full_s,
            projected,
            projected / fast_s
        ));
    }
    out.push_str(&format!(
        "fast: {} days × {} replications per design; full: one replication of {days} day(s), \
         projected to the same horizon and replications\n",
        rel.horizon_days, rel.replications
    ));
    Ok(out)
}

/// CPU seconds this process has used (user + system), from `/proc/self/stat` in clock
/// ticks of 1/100 s (Linux); `None` elsewhere. On a shared machine it is steadier than the
/// wall clock: time spent descheduled is not counted.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Wall and CPU seconds taken by `f`, and its result.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, Option<f64>, T) {
    let (t, c) = (Instant::now(), cpu_seconds());
    let out = f();
    let wall = t.elapsed().as_secs_f64();
    let cpu = c.zip(cpu_seconds()).map(|(a, b)| b - a);
    (wall, cpu, out)
}

/// Tracing's cost on the whole model path: each bundled request/response design stretched
/// to about a million requests, run with tracing off and on at 1% (the default settings:
/// failed requests kept too, 1,000 traces at most), alternating, `rounds` rounds each;
/// medians of events per second (wall clock, and CPU time where the system gives it), and
/// the ratio of tracing on over off measured in the same process.
pub fn tracing_bench(scale: f64, rounds: usize) -> Result<String, String> {
    use models::trace::TraceConfig;
    let mut out = format!(
        "\n{:<44} {:>10} {:>12} {:>12} {:>8} {:>12} {:>12} {:>8} {:>8} {:>10}\n",
        "tracing: scenario (design)",
        "requests",
        "off ev/s",
        "on 1% ev/s",
        "on/off",
        "off cpu ev/s",
        "on cpu ev/s",
        "on/off",
        "kept",
        "peak spans"
    );
    let on = TraceConfig::from_spec(&models::scenario::TraceSpec::default());
    for file in ["saas-fanout", "inventory-sync-vs-async", "silent-failure"] {
        let scenario = models::bundled::load_path_or_name(std::path::Path::new(file))
            .map_err(|e| e.to_string())?;
        for design in &scenario.designs {
            let s = scenario.edited(|s| s.trace = None)?;
            let probe = models::run::run_design(&s, design, s.seed)?;
            let per_s = probe.requests.total as f64 / (s.duration_s - s.warmup_s);
            let s = s.edited(|s| {
                s.duration_s = s.warmup_s + (1_000_000.0 * scale / per_s).max(1.0);
                s.limits.max_windows = usize::MAX;
            })?;
            let (mut off, mut on_) = ((Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
            let mut last = None;
            for _ in 0..rounds {
                let (wall, cpu, r) =
                    timed(|| models::run::run_design_traced(&s, design, s.seed, None));
                let r = r?;
                off.0.push(r.events as f64 / wall);
                off.1.extend(cpu.map(|c| r.events as f64 / c.max(0.01)));
                let (wall, cpu, traced) =
                    timed(|| models::run::run_design_traced(&s, design, s.seed, Some(on.clone())));
                let traced = traced?;
                on_.0.push(traced.events as f64 / wall);
                on_.1
                    .extend(cpu.map(|c| traced.events as f64 / c.max(0.01)));
                if traced.digest != r.digest {
                    return Err(format!("{file} {}: tracing moved the digest", design.name));
                }
                last = Some(traced);
            }
            let r = last.ok_or("no round ran")?;
            let t = r.tracing.unwrap_or_default();
            let (off_wall, on_wall) = (median(off.0), median(on_.0));
            let cpu = |v: Vec<f64>| (!v.is_empty()).then(|| median(v));
            let (off_cpu, on_cpu) = (cpu(off.1), cpu(on_.1));
            let show = |x: Option<f64>, digits: usize| {
                x.map_or("-".to_string(), |x| format!("{x:.digits$}"))
            };
            out.push_str(&format!(
                "{:<44} {:>10} {:>12.0} {:>12.0} {:>8.3} {:>12} {:>12} {:>8} {:>8} {:>10}\n",
                format!("{} ({})", scenario.name, design.name),
                r.requests.total,
                off_wall,
                on_wall,
                on_wall / off_wall,
                show(off_cpu, 0),
                show(on_cpu, 0),
                show(off_cpu.zip(on_cpu).map(|(a, b)| b / a), 3),
                t.kept,
                t.peak_buffered_spans
            ));
        }
    }
    Ok(out)
}
