//! `caplab bench`: the engine against a bare `BinaryHeap` + ChaCha loop doing the same work,
//! measured in the same process, alternating, median of several rounds.
//!
//! Three models: the hold model (each event schedules one more at now + Exp(1 ms)) with 1,000
//! and 100,000 events outstanding; an M/M/c queue run to a number of completed customers;
//! and a timer-heavy model in which 99% of timeouts are cancelled.

use sim_core::dist::Dist;
use sim_core::network::{LinkSpec, NodeId};
use sim_core::rng::SimRng;
use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
use sim_core::time::{SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

/// One measured model: events processed and wall seconds for the engine and the bare loop.
pub struct BenchRow {
    /// What was measured.
    pub name: String,
    /// Events (live) processed per run.
    pub events: u64,
    /// Median engine events per wall second.
    pub engine_eps: f64,
    /// Median bare-loop events per wall second.
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

/// Times `engine` and `bare` alternately `rounds` times; both return the events they ran.
fn measure(
    name: &str,
    rounds: usize,
    engine: impl Fn() -> u64,
    bare: impl Fn() -> u64,
) -> BenchRow {
    let (mut e, mut b) = (Vec::new(), Vec::new());
    let mut events = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        events = engine();
        e.push(events as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let bare_events = bare();
        b.push(bare_events as f64 / t.elapsed().as_secs_f64());
        assert_eq!(
            events, bare_events,
            "{name}: engine and bare loop did different work"
        );
    }
    BenchRow {
        name: name.to_string(),
        events,
        engine_eps: median(e),
        bare_eps: median(b),
    }
}

// ---------------------------------------------------------------- hold model

struct Hold {
    outstanding: usize,
    delay: Dist,
}

impl Component<u32, ()> for Hold {
    fn on_event(&mut self, event: Event<u32>, ctx: &mut Ctx<'_, u32, ()>) {
        if let Event::Init = event {
            for _ in 0..self.outstanding {
                let d = self.delay.sample_duration(ctx.rng());
                ctx.set_timer(d, 0);
            }
        } else {
            let d = self.delay.sample_duration(ctx.rng());
            ctx.set_timer(d, 0);
        }
    }
}

fn hold_engine(outstanding: usize, events: u64) -> u64 {
    let Ok(mut sim) = Simulation::new(1, LinkSpec::constant_ms(0.0), ()) else {
        unreachable!("a constant zero-latency link is valid")
    };
    sim.add_component(
        "hold",
        Box::new(Hold {
            outstanding,
            delay: Dist::exponential(1.0),
        }),
    );
    sim.run(RunLimits {
        until: SimTime::MAX,
        max_events: events,
    });
    std::hint::black_box(sim.digest());
    sim.events_processed()
}

fn hold_bare(outstanding: usize, events: u64) -> u64 {
    let delay = Dist::exponential(1.0);
    let mut rng = SimRng::stream(1, "node/hold", 0);
    let mut heap = BinaryHeap::with_capacity(outstanding);
    let mut seq = 0u64;
    // The engine's Init event counts as one event.
    let mut done = 1;
    for _ in 0..outstanding {
        heap.push(Reverse((delay.sample_duration(&mut rng).0, seq, 0u32)));
        seq += 1;
    }
    while done < events {
        let Some(Reverse((t, _, target))) = heap.pop() else {
            break;
        };
        done += 1;
        let d = delay.sample_duration(&mut rng).0;
        heap.push(Reverse((t + d, seq, target)));
        seq += 1;
    }
    std::hint::black_box(heap.len());
    done
}

// ---------------------------------------------------------------- M/M/c

#[derive(Clone, Debug)]
enum Mmc {
    Arrival,
    Departure,
}

struct MmcWorld {
    completed: u64,
    target: u64,
    wait_ns_sum: u128,
}

struct Source {
    station: NodeId,
    interarrival: Dist,
}

impl Component<Mmc, MmcWorld> for Source {
    fn on_event(&mut self, event: Event<Mmc>, ctx: &mut Ctx<'_, Mmc, MmcWorld>) {
        if !matches!(event, Event::Init) {
            let _ = ctx.send(self.station, Mmc::Arrival);
        }
        if ctx.world().completed < ctx.world().target {
            let d = self.interarrival.sample_duration(ctx.rng());
            ctx.set_timer(d, Mmc::Arrival);
        }
    }
}

struct Station {
    servers: usize,
    busy: usize,
    queue: VecDeque<SimTime>,
    service: Dist,
}

impl Component<Mmc, MmcWorld> for Station {
    fn on_event(&mut self, event: Event<Mmc>, ctx: &mut Ctx<'_, Mmc, MmcWorld>) {
        match event {
            Event::Init => {}
            Event::Message { .. } => {
                if self.busy < self.servers {
                    self.busy += 1;
                    let d = self.service.sample_duration(ctx.rng());
                    ctx.set_timer(d, Mmc::Departure);
                } else {
                    self.queue.push_back(ctx.now());
                }
            }
            Event::Timer(_) => {
                ctx.world().completed += 1;
                match self.queue.pop_front() {
                    Some(arrived) => {
                        let wait = (ctx.now() - arrived).as_nanos();
                        ctx.world().wait_ns_sum += u128::from(wait);
                        let d = self.service.sample_duration(ctx.rng());
                        ctx.set_timer(d, Mmc::Departure);
                    }
                    None => self.busy -= 1,
                }
            }
        }
    }
}

const MMC_SERVERS: usize = 4;
const MMC_SERVICE_MS: f64 = 1.0;
const MMC_RHO: f64 = 0.9;

fn mmc_engine(customers: u64) -> u64 {
    let world = MmcWorld {
        completed: 0,
        target: customers,
        wait_ns_sum: 0,
    };
    let Ok(mut sim) = Simulation::new(2, LinkSpec::constant_ms(0.0), world) else {
        unreachable!("a constant zero-latency link is valid")
    };
    let station = NodeId(1);
    let interarrival = Dist::exponential(MMC_SERVICE_MS / (MMC_RHO * MMC_SERVERS as f64));
    sim.add_component(
        "source",
        Box::new(Source {
            station,
            interarrival,
        }),
    );
    sim.add_component(
        "station",
        Box::new(Station {
            servers: MMC_SERVERS,
            busy: 0,
            queue: VecDeque::new(),
            service: Dist::exponential(MMC_SERVICE_MS),
        }),
    );
    sim.run(RunLimits::UNLIMITED);
    std::hint::black_box(sim.world().wait_ns_sum);
    sim.events_processed()
}

fn mmc_bare(customers: u64) -> u64 {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Kind {
        Timer,
        Delivery,
    }
    let interarrival = Dist::exponential(MMC_SERVICE_MS / (MMC_RHO * MMC_SERVERS as f64));
    let service = Dist::exponential(MMC_SERVICE_MS);
    let mut source_rng = SimRng::stream(2, "node/source", 0);
    let mut station_rng = SimRng::stream(2, "node/station", 0);
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut queue: VecDeque<u64> = VecDeque::new();
    let (mut busy, mut completed, mut wait_sum, mut events) = (0usize, 0u64, 0u128, 2u64);
    heap.push(Reverse((
        interarrival.sample_duration(&mut source_rng).0,
        seq,
        0u8,
        Kind::Timer,
    )));
    seq += 1;
    while let Some(Reverse((now, _, node, kind))) = heap.pop() {
        events += 1;
        match (node, kind) {
            (0, _) => {
                heap.push(Reverse((now, seq, 1, Kind::Delivery)));
                seq += 1;
                if completed < customers {
                    let d = interarrival.sample_duration(&mut source_rng).0;
                    heap.push(Reverse((now + d, seq, 0, Kind::Timer)));
                    seq += 1;
                }
            }
            (_, Kind::Delivery) => {
                if busy < MMC_SERVERS {
                    busy += 1;
                    let d = service.sample_duration(&mut station_rng).0;
                    heap.push(Reverse((now + d, seq, 1, Kind::Timer)));
                    seq += 1;
                } else {
                    queue.push_back(now);
                }
            }
            (_, Kind::Timer) => {
                completed += 1;
                match queue.pop_front() {
                    Some(arrived) => {
                        wait_sum += u128::from(now - arrived);
                        let d = service.sample_duration(&mut station_rng).0;
                        heap.push(Reverse((now + d, seq, 1, Kind::Timer)));
                        seq += 1;
                    }
                    None => busy -= 1,
                }
            }
        }
    }
    std::hint::black_box(wait_sum);
    events
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

impl Caller {
    fn issue(&mut self, ctx: &mut Ctx<'_, Rpc, ()>) {
        if self.issued == self.limit {
            return;
        }
        let id = self.issued;
        self.issued += 1;
        let timer = ctx.set_timer(RPC_TIMEOUT, Rpc::Timeout);
        self.pending = Some((id, timer));
        if ctx.rng().chance(RPC_REPLY_PROB) {
            let d = Dist::exponential(5.0).sample_duration(ctx.rng());
            ctx.set_timer(d, Rpc::Reply(id));
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

fn timers_engine(callers: usize, per_caller: u64) -> u64 {
    let Ok(mut sim) = Simulation::new(3, LinkSpec::constant_ms(0.0), ()) else {
        unreachable!("a constant zero-latency link is valid")
    };
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
    sim.events_processed()
}

/// (time, seq, caller, is_reply, request id)
type BareTimer = (u64, u64, u32, bool, u64);

struct BareCallers {
    rngs: Vec<SimRng>,
    reply: Dist,
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
        if self.rngs[c].chance(RPC_REPLY_PROB) {
            let d = self.reply.sample_duration(&mut self.rngs[c]).0;
            self.heap
                .push(Reverse((now + d, self.seq, c as u32, true, id)));
            self.seq += 1;
        }
    }
}

fn timers_bare(callers: usize, per_caller: u64) -> u64 {
    // The usual hand-written loop: cancelled timeouts stay in the heap, flagged in a table
    // indexed by request id, and are skipped when they surface.
    let mut b = BareCallers {
        rngs: (0..callers)
            .map(|i| SimRng::stream(3, &format!("node/caller{i}"), 0))
            .collect(),
        reply: Dist::exponential(5.0),
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
    events
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
            || mmc_engine(customers),
            || mmc_bare(customers),
        ),
        measure(
            "timeouts, 99% cancelled, 1,000 callers",
            rounds,
            || timers_engine(1_000, per_caller),
            || timers_bare(1_000, per_caller),
        ),
    ]
}

/// The table `caplab bench` prints.
pub fn format_rows(rows: &[BenchRow]) -> String {
    let mut out = format!(
        "{:<42} {:>12} {:>16} {:>16} {:>8}\n",
        "model", "events", "engine ev/s", "bare loop ev/s", "ratio"
    );
    for r in rows {
        out.push_str(&format!(
            "{:<42} {:>12} {:>16.0} {:>16.0} {:>8.2}\n",
            r.name,
            r.events,
            r.engine_eps,
            r.bare_eps,
            r.ratio()
        ));
    }
    out
}

/// Runs the bundled request/response scenarios scaled to about 1,000,000 requests and
/// reports simulated requests and engine events per wall second, and how many times slower
/// per event the whole model path is than the raw engine (`raw_eps`: the hold model's
/// events/s measured in the same process).
pub fn run_scenario_benches(scale: f64, raw_eps: f64) -> Result<String, String> {
    let mut out = format!(
        "\n{:<44} {:>12} {:>12} {:>14} {:>14} {:>10} {:>12}\n",
        "scenario (design)",
        "requests",
        "events",
        "requests/s",
        "events/s",
        "ev/request",
        "raw/model"
    );
    for file in ["saas-fanout", "inventory-sync-vs-async"] {
        let scenario = models::bundled::load_path_or_name(std::path::Path::new(file))
            .map_err(|e| e.to_string())?;
        for design in &scenario.designs {
            let mut s = scenario.clone();
            // Stretch the run so that about a million requests are issued.
            let probe = models::run::run_design(&s, design, s.seed)?;
            let per_s = probe.requests.total as f64 / (s.duration_s - s.warmup_s);
            s.duration_s = s.warmup_s + (1_000_000.0 * scale / per_s).max(1.0);
            s.limits.max_windows = usize::MAX;
            let t = Instant::now();
            let r = models::run::run_design(&s, design, s.seed)?;
            let wall = t.elapsed().as_secs_f64();
            out.push_str(&format!(
                "{:<44} {:>12} {:>12} {:>14.0} {:>14.0} {:>10.1} {:>12.2}\n",
                format!("{} ({})", scenario.name, design.name),
                r.requests.total,
                r.events,
                r.requests.total as f64 / wall,
                r.events as f64 / wall,
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
    let mut s = models::bundled::load_path_or_name(file).map_err(|e| e.to_string())?;
    s.workload.arrivals = models::scenario::Arrivals::Poisson {
        rate_per_s: 200_000.0,
    };
    s.duration_s = (60.0 * scale).max(s.faults.iter().map(|f| f.at_s + 1.0).fold(2.0, f64::max));
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
        let mut short = scenario.clone();
        if let Some(r) = short.reliability.as_mut() {
            r.horizon_days = days;
        }
        short.limits.max_windows = usize::MAX;
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
            let mut s = scenario.clone();
            s.trace = None;
            let probe = models::run::run_design(&s, design, s.seed)?;
            let per_s = probe.requests.total as f64 / (s.duration_s - s.warmup_s);
            s.duration_s = s.warmup_s + (1_000_000.0 * scale / per_s).max(1.0);
            s.limits.max_windows = usize::MAX;
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
