//! The client: the workload generator and the end of every request's story.
//!
//! Open loop: requests arrive as a Poisson process whose rate may change at given times
//! (memoryless, so at a rate change the next arrival is simply redrawn at the new rate).
//! Closed loop: each user issues a request, waits for its outcome, thinks, and repeats.
//! Every request ends exactly once in the ledger: with the entry service's answer, or with a
//! client timeout; what has not ended when the run stops is in flight.
//!
//! Arrivals, class choices and think times come from streams named after their purpose, not
//! after the design, so every design of a scenario sees the same requests at the same times.

use crate::balancer::Picker;
use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg, Outcome};
use crate::plan::{ArrivalPlan, Plan};
use crate::trace::{SpanRef, NO_SPAN};
use sim_core::dist::Dist;
use sim_core::network::NodeId;
use sim_core::rng::SimRng;
use sim_core::simulation::{Component, Ctx, Event, TimerId};
use sim_core::time::SimTime;
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

/// The "user" of an open-loop request: nobody thinks after it.
const OPEN_LOOP: u32 = u32::MAX;

#[derive(Debug, Default)]
struct Request {
    generation: u32,
    live: bool,
    class: u16,
    user: u32,
    instance: usize,
    issued_at: SimTime,
    timer: Option<TimerId>,
    origin: u32,
    /// The root span of the request's trace.
    span: SpanRef,
}

/// The random streams of one arrival source.
struct SourceRngs {
    arrivals: SimRng,
    classes: SimRng,
    think: SimRng,
}

/// The client node (node 0 of every design).
pub struct Client {
    plan: Rc<Plan>,
    sources: Vec<SourceRngs>,
    balance: SimRng,
    picker: Picker,
    requests: Vec<Request>,
    free: Vec<u32>,
    in_flight: u64,
}

impl Client {
    /// The client of `plan`; its streams derive from the scenario `seed`.
    pub fn new(plan: Rc<Plan>, seed: u64) -> Client {
        let instances = plan.services[usize::from(plan.entry)].instances.len();
        let sources = plan
            .sources
            .iter()
            .map(|s| SourceRngs {
                arrivals: SimRng::stream(seed, &format!("workload/{}/arrivals", s.name), 0),
                classes: SimRng::stream(seed, &format!("workload/{}/classes", s.name), 0),
                think: SimRng::stream(seed, &format!("workload/{}/think", s.name), 0),
            })
            .collect();
        Client {
            sources,
            balance: SimRng::stream(seed, "workload/balancer", 0),
            picker: Picker::new(instances),
            requests: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            plan,
        }
    }

    /// Requests still waiting for an outcome.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// Schedules source `src`'s next open-loop arrival, or a wake-up at its next rate change.
    fn schedule_arrival(&mut self, src: u16, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let ArrivalPlan::Open(segments) = &plan.sources[usize::from(src)].arrivals else {
            return;
        };
        let now = ctx.now();
        let current = segments
            .iter()
            .rposition(|(from, _)| *from <= now)
            .unwrap_or(0);
        let rate = segments[current].1;
        let boundary = segments
            .get(current + 1)
            .map_or(plan.end, |(from, _)| (*from).min(plan.end));
        let next = if rate > 0.0 {
            let rng = &mut self.sources[usize::from(src)].arrivals;
            now + Dist::Exponential { mean: 1e3 / rate }.sample_duration_ms(rng)
        } else {
            SimTime::MAX
        };
        if next < boundary {
            ctx.set_timer(
                next.saturating_since(now),
                Msg::Arrival {
                    source: src,
                    issue: true,
                },
            );
        } else if boundary < plan.end {
            ctx.set_timer(
                boundary.saturating_since(now),
                Msg::Arrival {
                    source: src,
                    issue: false,
                },
            );
        }
    }

    /// The source a closed-loop user belongs to.
    fn source_of(&self, user: u32) -> u16 {
        self.plan
            .sources
            .iter()
            .rposition(|s| s.first_user <= user && matches!(s.arrivals, ArrivalPlan::Closed { .. }))
            .unwrap_or(0) as u16
    }

    fn schedule_think(&mut self, user: u32, ctx: &mut Cx) {
        if user == OPEN_LOOP {
            return;
        }
        let src = usize::from(self.source_of(user));
        if let ArrivalPlan::Closed { think_ms, .. } = &self.plan.sources[src].arrivals {
            let d = think_ms.sample_duration_ms(&mut self.sources[src].think);
            if ctx.now() + d < self.plan.end {
                ctx.set_timer(d, Msg::Think { user });
            }
        }
    }

    fn issue(&mut self, src: u16, user: u32, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let source = &plan.sources[usize::from(src)];
        let class = if source.classes.len() == 1 {
            source.classes[0].0
        } else {
            let u = self.sources[usize::from(src)].classes.next_f64();
            source
                .classes
                .iter()
                .find(|(_, cum)| u < *cum)
                .or(source.classes.last())
                .map_or(0, |(c, _)| *c)
        };
        let now = ctx.now();
        ctx.world().issued(now, class);
        // Requests are numbered in issue order (warm-up included): the trace's request id.
        let seq = ctx.world().all_issued - 1;
        if self.in_flight >= plan.max_in_flight {
            let outcome = Outcome::Rejected(plan.cause_client_overload);
            if let Some(t) = ctx.world().trace() {
                t.rejected_at_client(seq, class, CLIENT, now, plan.cause_client_overload);
            }
            ctx.world().ended(now, class, now, outcome);
            self.schedule_think(user, ctx);
            return;
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.requests.push(Request::default());
                (self.requests.len() - 1) as u32
            }
        };
        let entry = &plan.services[usize::from(plan.entry)];
        let instance = match plan.classes[class].instance {
            Some(i) if i < entry.instances.len() => {
                self.picker.pin(i);
                i
            }
            _ if plan.drains.is_empty() => self.picker.pick(entry.balancer, &mut self.balance),
            _ => self
                .picker
                .pick_where(entry.balancer, &mut self.balance, |i| {
                    plan.in_rotation(entry.instances[i], now)
                }),
        };
        let r = &mut self.requests[slot as usize];
        r.live = true;
        r.class = class as u16;
        r.user = user;
        r.instance = instance;
        r.issued_at = now;
        let tag = CallTag {
            exec: slot,
            generation: r.generation,
            sub: 0,
            attempt: 0,
        };
        r.timer = Some(ctx.set_timer(plan.classes[class].timeout, Msg::ClientTimeout { tag }));
        let key = self.draw_key(src, class);
        let origin = ctx.world().new_origin(class, now, key);
        let span = match ctx.world().trace() {
            Some(t) => t.begin_request(origin, seq, class, CLIENT, now),
            None => NO_SPAN,
        };
        self.requests[slot as usize].origin = origin;
        self.requests[slot as usize].span = span;
        self.in_flight += 1;
        ctx.world().client_in_flight = self.in_flight;
        if let Some((broker, dest)) = plan.classes[class].publish {
            let dest = dest.pack();
            ctx.send(broker, Msg::Publish { tag, dest, origin });
            return;
        }
        let endpoint = plan.classes[class].endpoint;
        // The entry instances are nodes of this design: sending cannot fail.
        ctx.send(
            entry.instances[instance],
            Msg::Call {
                tag,
                endpoint,
                origin,
                span,
            },
        );
    }

    /// The key a request of `class` touches (uniform or Zipf over the class's keys).
    fn draw_key(&mut self, src: u16, class: usize) -> u32 {
        let c = &self.plan.classes[class];
        if c.key_count == 0 {
            return 0;
        }
        let rng = &mut self.sources[usize::from(src)].classes;
        if c.key_cumulative.is_empty() {
            return rng.below(u64::from(c.key_count)) as u32;
        }
        let u = rng.next_f64();
        c.key_cumulative
            .partition_point(|&cum| cum <= u)
            .min(c.key_count as usize - 1) as u32
    }

    fn end(&mut self, tag: CallTag, outcome: Outcome, ctx: &mut Cx) {
        let Some(r) = self.requests.get_mut(tag.exec as usize) else {
            return;
        };
        if !r.live || r.generation != tag.generation {
            ctx.world().late_replies += 1;
            return;
        }
        if let Some(t) = r.timer.take() {
            ctx.cancel_timer(t);
        }
        r.live = false;
        r.generation = r.generation.wrapping_add(1);
        let (class, issued_at, user, instance) = (r.class, r.issued_at, r.user, r.instance);
        let (origin, span) = (r.origin, r.span);
        let now = ctx.now();
        if let Some(t) = ctx.world().trace() {
            t.end_request(origin, span, now, outcome);
        }
        ctx.world().release(origin);
        self.free.push(tag.exec);
        self.in_flight -= 1;
        ctx.world().client_in_flight = self.in_flight;
        self.picker.finished(instance);
        ctx.world()
            .ended(now, usize::from(class), issued_at, outcome);
        self.schedule_think(user, ctx);
    }
}

impl Component<Msg, Ledger> for Client {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Init => {
                let plan = Rc::clone(&self.plan);
                for (src, source) in plan.sources.iter().enumerate() {
                    match source.arrivals {
                        ArrivalPlan::Open(_) => self.schedule_arrival(src as u16, ctx),
                        ArrivalPlan::Closed { users, .. } => {
                            for user in source.first_user..source.first_user + users {
                                self.schedule_think(user, ctx);
                            }
                        }
                    }
                }
            }
            Event::Timer(Msg::Arrival { source, issue }) => {
                if issue {
                    self.issue(source, OPEN_LOOP, ctx);
                }
                self.schedule_arrival(source, ctx);
            }
            Event::Timer(Msg::Think { user }) => {
                let src = self.source_of(user);
                self.issue(src, user, ctx);
            }
            Event::Timer(Msg::ClientTimeout { tag }) => {
                if let Some(r) = self.requests.get_mut(tag.exec as usize) {
                    r.timer = None;
                }
                let cause = self.plan.cause_client_timeout;
                self.end(tag, Outcome::Timeout(cause), ctx);
            }
            Event::Message {
                msg: Msg::Reply { tag, outcome },
                ..
            } => self.end(tag, outcome, ctx),
            _ => {}
        }
    }

    fn on_crash(&mut self, _ledger: &mut Ledger) {
        // The client stands for the users: it does not crash in any scenario so far.
    }
}

/// Node of the client in every design.
pub const CLIENT: NodeId = NodeId(0);
