//! Queueing truth: M/M/1 and M/M/c stations built on the engine reproduce the analytic mean
//! waiting and sojourn times (Erlang C) and Little's law, each within a 95% confidence
//! interval computed from independent replications.

use sim_core::dist::Dist;
use sim_core::metrics::confidence_interval_95;
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event, RunLimits, Simulation};
use sim_core::time::{SimDuration, SimTime};
use std::collections::VecDeque;

#[derive(Clone, Debug)]
enum Msg {
    Arrival,
    Departure(SimTime),
}

/// Per-replication measurements, over customers that arrive after the warm-up.
#[derive(Default)]
struct Tally {
    warmup: SimTime,
    end: SimTime,
    customers: u64,
    wait_ns: u128,
    sojourn_ns: u128,
    /// Integral of the number in system over [warmup, end], in customer-nanoseconds.
    area: u128,
    in_system: u64,
    last_change: SimTime,
    /// The same integral over the whole run, and the sojourns of every customer: once the
    /// system has drained, Little's law holds on the sample path exactly.
    area_all: u128,
    sojourn_all_ns: u128,
}

impl Tally {
    fn change(&mut self, now: SimTime, delta: i64) {
        let from = self.last_change.max(self.warmup);
        let to = now.min(self.end);
        if to > from {
            self.area +=
                u128::from(self.in_system) * u128::from((to.saturating_since(from)).as_nanos());
        }
        self.area_all += u128::from(self.in_system)
            * u128::from((now.saturating_since(self.last_change)).as_nanos());
        self.last_change = now;
        self.in_system = (self.in_system as i64 + delta) as u64;
    }
}

struct Source {
    station: NodeId,
    interarrival: Dist,
}

impl Component<Msg, Tally> for Source {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Ctx<'_, Msg, Tally>) {
        if let Event::Timer(_) = event {
            ctx.send(self.station, Msg::Arrival);
        }
        // Arrivals stop at the end so that the system drains.
        if ctx.now() >= ctx.world().end {
            return;
        }
        let d = self.interarrival.sample_duration_ms(ctx.rng());
        ctx.set_timer(d, Msg::Arrival);
    }
}

struct Station {
    servers: usize,
    busy: usize,
    queue: VecDeque<SimTime>,
    service: Dist,
}

impl Station {
    fn serve(&mut self, arrived: SimTime, ctx: &mut Ctx<'_, Msg, Tally>) {
        let now = ctx.now();
        let t = ctx.world();
        if arrived >= t.warmup && arrived < t.end {
            t.wait_ns += u128::from((now.saturating_since(arrived)).as_nanos());
        }
        let d = self.service.sample_duration_ms(ctx.rng());
        ctx.set_timer(d, Msg::Departure(arrived));
    }
}

impl Component<Msg, Tally> for Station {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Ctx<'_, Msg, Tally>) {
        let now = ctx.now();
        match event {
            Event::Message { .. } => {
                ctx.world().change(now, 1);
                if self.busy < self.servers {
                    self.busy += 1;
                    self.serve(now, ctx);
                } else {
                    self.queue.push_back(now);
                }
            }
            Event::Timer(Msg::Departure(arrived)) => {
                let t = ctx.world();
                t.change(now, -1);
                t.sojourn_all_ns += u128::from((now.saturating_since(arrived)).as_nanos());
                if arrived >= t.warmup && arrived < t.end {
                    t.customers += 1;
                    t.sojourn_ns += u128::from((now.saturating_since(arrived)).as_nanos());
                }
                match self.queue.pop_front() {
                    Some(next) => self.serve(next, ctx),
                    None => self.busy -= 1,
                }
            }
            _ => {}
        }
    }
}

struct Replication {
    wait_ms: f64,
    sojourn_ms: f64,
    number_in_system: f64,
    arrival_rate_per_ms: f64,
    /// Integral of N(t) over the whole run minus the sum of all sojourns (Little's law on
    /// the sample path: exactly zero once the system has drained).
    little_gap_ns: i128,
}

fn replicate(
    seed: u64,
    servers: usize,
    lambda_per_ms: f64,
    mu_per_ms: f64,
    horizon_ms: u64,
) -> Replication {
    let warmup = SimTime(SimDuration::from_millis(horizon_ms / 10).as_nanos());
    let end = SimTime(SimDuration::from_millis(horizon_ms).as_nanos());
    let tally = Tally {
        warmup,
        end,
        ..Tally::default()
    };
    let mut sim = Simulation::new(seed, tally);
    let station = NodeId(1);
    sim.add_component(
        "source",
        Box::new(Source {
            station,
            interarrival: Dist::exponential(1.0 / lambda_per_ms),
        }),
    );
    sim.add_component(
        "station",
        Box::new(Station {
            servers,
            busy: 0,
            queue: VecDeque::new(),
            service: Dist::exponential(1.0 / mu_per_ms),
        }),
    );
    // Arrivals stop at the end; run until every customer has left.
    assert_eq!(
        sim.run(RunLimits::UNLIMITED),
        sim_core::simulation::StopReason::Idle
    );
    let t = sim.into_world();
    assert_eq!(t.in_system, 0);
    let n = t.customers as f64;
    let window_ms = (end.saturating_since(warmup)).as_millis_f64();
    Replication {
        wait_ms: t.wait_ns as f64 / 1e6 / n,
        sojourn_ms: t.sojourn_ns as f64 / 1e6 / n,
        number_in_system: t.area as f64 / 1e6 / window_ms,
        arrival_rate_per_ms: n / window_ms,
        little_gap_ns: t.area_all as i128 - t.sojourn_all_ns as i128,
    }
}

/// Erlang C: the probability that an arriving customer waits in an M/M/c queue.
fn erlang_c(servers: usize, offered_load: f64) -> f64 {
    let c = servers as f64;
    let rho = offered_load / c;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..servers {
        term *= offered_load / k as f64;
        sum += term;
    }
    let last = term * offered_load / c / (1.0 - rho);
    last / (sum + last)
}

fn check_station(servers: usize, lambda: f64, mu: f64, horizon_ms: u64, reps: u64) {
    let runs: Vec<Replication> = (0..reps)
        .map(|r| replicate(1_000 + r, servers, lambda, mu, horizon_ms))
        .collect();
    let wq = erlang_c(servers, lambda / mu) / (servers as f64 * mu - lambda);
    let w = wq + 1.0 / mu;
    let (wait_mean, wait_hw) =
        confidence_interval_95(&runs.iter().map(|r| r.wait_ms).collect::<Vec<_>>());
    let (soj_mean, soj_hw) =
        confidence_interval_95(&runs.iter().map(|r| r.sojourn_ms).collect::<Vec<_>>());
    // Twice the 95% half-width (about 4 standard errors): a 95% interval misses the true
    // value 1 time in 20 whatever the sampler, so a fixed set of seeds passes or fails it by
    // luck. (It missed with 12 replications at seeds 1000..=1011 when the exponential sampler
    // became the ziggurat: 0.5385 ± 0.0080 ms against 0.5470; 120 replications from
    // seeds 5000.. gave 0.5459 ± 0.0054, and ten blocks of 12 from seeds 1000.. average
    // 0.5480, two of twenty such blocks missing: no bias.)
    assert!(
        (wait_mean - wq).abs() <= 2.0 * wait_hw,
        "M/M/{servers}: mean wait {wait_mean:.4} ± {wait_hw:.4} ms misses Erlang C's {wq:.4} ms"
    );
    assert!(
        (soj_mean - w).abs() <= 2.0 * soj_hw,
        "M/M/{servers}: mean sojourn {soj_mean:.4} ± {soj_hw:.4} ms misses {w:.4} ms"
    );
    // Little's law on each sample path: the area under N(t) equals the sum of sojourns.
    for r in &runs {
        assert_eq!(r.little_gap_ns, 0, "Little's law broken on a sample path");
    }
    // And in the steady-state window: L = lambda * W within the interval of the differences.
    let gaps: Vec<f64> = runs
        .iter()
        .map(|r| r.number_in_system - r.arrival_rate_per_ms * r.sojourn_ms)
        .collect();
    let (gap_mean, gap_hw) = confidence_interval_95(&gaps);
    assert!(
        gap_mean.abs() <= 3.0 * gap_hw,
        "windowed Little's law: L - lambda*W = {gap_mean:.5} ± {gap_hw:.5}"
    );
    // And L against the analytic value lambda * W.
    let (l_mean, l_hw) =
        confidence_interval_95(&runs.iter().map(|r| r.number_in_system).collect::<Vec<_>>());
    assert!(
        (l_mean - lambda * w).abs() <= l_hw,
        "M/M/{servers}: mean number in system {l_mean:.4} ± {l_hw:.4} misses {:.4}",
        lambda * w
    );
}

#[test]
fn mm1_matches_analytic_wait_sojourn_and_littles_law() {
    // rho = 0.5: Wq = rho / (mu - lambda) = 1 ms, W = 2 ms.
    check_station(1, 0.5, 1.0, 20_000, 120);
}

#[test]
fn mmc_matches_erlang_c() {
    // c = 3, rho = 0.7.
    check_station(3, 2.1, 1.0, 20_000, 120);
}

#[test]
fn erlang_c_matches_known_values() {
    // c = 1 reduces to rho; c = 2, a = 1 gives 1/3.
    assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
}
