//! A service instance: workers, a bounded queue, connection pools, and the handler steps of
//! its endpoints run as executions.
//!
//! An execution holds a worker from the moment it starts until it answers: the synchronous,
//! thread-per-request model of most services. Its handler runs step by step; an in-process
//! call pushes the callee endpoint on the execution's frame stack (same worker, same pools,
//! same fate). A network call step sends one attempt per call, retries on failure with
//! exponential backoff and full jitter, and is decided when enough calls have succeeded or
//! too many have failed; calls still open then are abandoned and their late answers ignored.

use crate::balancer::Picker;
use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg, Outcome};
use crate::plan::{CallPlan, EndpointIx, Plan, ServiceIx, StepPlan};
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event, TimerId};
use sim_core::time::{SimDuration, SimTime};
use std::collections::VecDeque;
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

#[derive(Clone, Copy, Debug, Default)]
struct CallState {
    attempt: u16,
    /// The instance index of the attempt in flight (for the picker), if any.
    instance: Option<usize>,
    timer: Option<TimerId>,
    done: bool,
}

#[derive(Debug, Default)]
struct Exec {
    generation: u32,
    live: bool,
    caller: Option<(NodeId, CallTag)>,
    /// (endpoint, step index) frames; the last is running.
    frames: Vec<(EndpointIx, u16)>,
    calls: Vec<CallState>,
    successes: u16,
    failures: u16,
    first_failure: Option<Outcome>,
    /// Timer of a compute step, an acquire wait or a query.
    timer: Option<TimerId>,
    /// Pool waited for or held.
    pool: Option<(u16, bool)>,
    /// Sequence number of the query in flight (to ignore a late answer).
    query_seq: u16,
}

#[derive(Debug, Default)]
struct PoolState {
    free: u32,
    waiting: VecDeque<(u32, u32)>,
}

#[derive(Clone, Copy, Debug)]
enum Breaker {
    Closed { failures: u32 },
    Open { until: SimTime },
    HalfOpen { probing: bool },
}

/// One instance of a service.
pub struct ServiceInstance {
    plan: Rc<Plan>,
    svc: ServiceIx,
    busy: u32,
    queue: VecDeque<(NodeId, CallTag, EndpointIx)>,
    execs: Vec<Exec>,
    free: Vec<u32>,
    pools: Vec<PoolState>,
    pickers: Vec<Picker>,
    breakers: Vec<Breaker>,
}

enum Decision {
    Pending,
    Succeeded,
    Failed(Outcome),
}

impl ServiceInstance {
    /// An instance of service `svc` of `plan`.
    pub fn new(plan: Rc<Plan>, svc: ServiceIx) -> ServiceInstance {
        let mut me = ServiceInstance {
            svc,
            busy: 0,
            queue: VecDeque::new(),
            execs: Vec::new(),
            free: Vec::new(),
            pools: Vec::new(),
            pickers: Vec::new(),
            breakers: Vec::new(),
            plan,
        };
        me.reset();
        me
    }

    fn reset(&mut self) {
        let plan = &self.plan;
        let svc = &plan.services[usize::from(self.svc)];
        self.busy = 0;
        self.queue.clear();
        for e in &mut self.execs {
            e.live = false;
            e.generation = e.generation.wrapping_add(1);
        }
        self.free = (0..self.execs.len() as u32).rev().collect();
        self.pools = svc
            .pools
            .iter()
            .map(|p| PoolState {
                free: p.size,
                waiting: VecDeque::new(),
            })
            .collect();
        self.pickers = plan
            .services
            .iter()
            .map(|s| Picker::new(s.instances.len()))
            .collect();
        self.breakers = vec![Breaker::Closed { failures: 0 }; plan.services.len()];
    }

    fn tag(&self, slot: u32) -> CallTag {
        CallTag {
            exec: slot,
            generation: self.execs[slot as usize].generation,
            sub: 0,
            attempt: 0,
        }
    }

    /// The execution named by `tag`, if it is still the one the tag was made for.
    fn valid(&self, tag: CallTag) -> bool {
        self.execs
            .get(tag.exec as usize)
            .is_some_and(|e| e.live && e.generation == tag.generation)
    }

    /// `true` when `tag` names the query the execution is waiting for now.
    fn query_is_current(&self, tag: CallTag) -> bool {
        self.valid(tag) && self.execs[tag.exec as usize].query_seq == tag.attempt
    }

    fn on_call(&mut self, from: NodeId, tag: CallTag, endpoint: EndpointIx, ctx: &mut Cx) {
        let svc = &self.plan.services[usize::from(self.svc)];
        if self.busy < svc.workers {
            self.start(Some((from, tag)), endpoint, ctx);
        } else if svc
            .queue_capacity
            .is_none_or(|cap| self.queue.len() < cap as usize)
        {
            self.queue.push_back((from, tag, endpoint));
        } else {
            let outcome = Outcome::Rejected(svc.cause_queue_full);
            let _ = ctx.send(from, Msg::Reply { tag, outcome });
        }
    }

    fn start(&mut self, caller: Option<(NodeId, CallTag)>, endpoint: EndpointIx, ctx: &mut Cx) {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.execs.push(Exec::default());
                (self.execs.len() - 1) as u32
            }
        };
        let e = &mut self.execs[slot as usize];
        e.live = true;
        e.caller = caller;
        e.frames.clear();
        e.frames.push((endpoint, 0));
        e.pool = None;
        e.timer = None;
        self.busy += 1;
        self.advance(slot, ctx);
    }

    /// Runs steps until one has to wait (or the execution ends).
    fn advance(&mut self, slot: u32, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let svc = &plan.services[usize::from(self.svc)];
        loop {
            let e = &mut self.execs[slot as usize];
            let Some(&(ep, step)) = e.frames.last() else {
                return self.finish(slot, Outcome::Ok, ctx);
            };
            let steps = &svc.endpoints[usize::from(ep)].steps;
            let Some(plan_step) = steps.get(usize::from(step)) else {
                e.frames.pop();
                if let Some(top) = e.frames.last_mut() {
                    top.1 += 1;
                }
                continue;
            };
            match plan_step {
                StepPlan::Compute(dist) => {
                    let d = dist.sample_duration(ctx.rng());
                    let d = ctx.work(d);
                    let tag = self.tag(slot);
                    self.execs[slot as usize].timer = Some(ctx.set_timer(d, Msg::StepDone { tag }));
                    return;
                }
                StepPlan::Local(callee) => e.frames.push((*callee, 0)),
                StepPlan::Fail { probability, cause } => {
                    if ctx.rng().chance(*probability) {
                        return self.finish(slot, Outcome::Error(*cause), ctx);
                    }
                    self.next_step(slot);
                }
                StepPlan::Query { pool, .. } => {
                    let p = usize::from(*pool);
                    let tag = self.tag(slot);
                    if self.pools[p].free > 0 {
                        self.pools[p].free -= 1;
                        return self.run_query(slot, *pool, ctx);
                    }
                    self.pools[p].waiting.push_back((slot, tag.generation));
                    let wait = svc.pools[p].acquire_timeout;
                    let e = &mut self.execs[slot as usize];
                    e.pool = Some((*pool, false));
                    e.timer = Some(ctx.set_timer(wait, Msg::AcquireTimeout { tag }));
                    return;
                }
                StepPlan::Calls { calls, .. } => {
                    e.calls.clear();
                    e.calls.resize(calls.len(), CallState::default());
                    e.successes = 0;
                    e.failures = 0;
                    e.first_failure = None;
                    for (sub, call) in calls.iter().enumerate() {
                        if let Some(outcome) = self.attempt(slot, sub as u16, call, ctx) {
                            self.record_call_result(slot, sub as u16, outcome);
                        }
                    }
                    return self.decide_calls(slot, ctx);
                }
            }
        }
    }

    fn next_step(&mut self, slot: u32) {
        if let Some(top) = self.execs[slot as usize].frames.last_mut() {
            top.1 += 1;
        }
    }

    fn current_calls(&self, slot: u32) -> Option<&[CallPlan]> {
        let e = &self.execs[slot as usize];
        let &(ep, step) = e.frames.last()?;
        match self.plan.services[usize::from(self.svc)].endpoints[usize::from(ep)]
            .steps
            .get(usize::from(step))?
        {
            StepPlan::Calls { calls, .. } => Some(calls),
            _ => None,
        }
    }

    /// Sends one attempt of call `sub`; returns an outcome when the breaker refuses it.
    fn attempt(&mut self, slot: u32, sub: u16, call: &CallPlan, ctx: &mut Cx) -> Option<Outcome> {
        let callee = usize::from(call.service);
        if call.breaker.is_some() {
            let now = ctx.now();
            match self.breakers[callee] {
                Breaker::Open { until } if now < until => {
                    return Some(Outcome::Rejected(call.cause_breaker));
                }
                Breaker::Open { .. } => self.breakers[callee] = Breaker::HalfOpen { probing: true },
                Breaker::HalfOpen { probing: true } => {
                    return Some(Outcome::Rejected(call.cause_breaker));
                }
                Breaker::HalfOpen { probing: false } => {
                    self.breakers[callee] = Breaker::HalfOpen { probing: true }
                }
                Breaker::Closed { .. } => {}
            }
        }
        let plan = Rc::clone(&self.plan);
        let target = &plan.services[callee];
        let i = self.pickers[callee].pick(target.balancer, ctx.rng());
        let e = &mut self.execs[slot as usize];
        let state = &mut e.calls[usize::from(sub)];
        state.instance = Some(i);
        let tag = CallTag {
            exec: slot,
            generation: e.generation,
            sub,
            attempt: state.attempt,
        };
        let _ = ctx.send(
            target.instances[i],
            Msg::Call {
                tag,
                endpoint: call.endpoint,
            },
        );
        if let Some(t) = call.timeout {
            self.execs[slot as usize].calls[usize::from(sub)].timer =
                Some(ctx.set_timer(t, Msg::CallTimeout { tag }));
        }
        None
    }

    fn record_call_result(&mut self, slot: u32, sub: u16, outcome: Outcome) {
        let e = &mut self.execs[slot as usize];
        e.calls[usize::from(sub)].done = true;
        if outcome == Outcome::Ok {
            e.successes += 1;
        } else {
            e.failures += 1;
            e.first_failure.get_or_insert(outcome);
        }
    }

    fn decision(&self, slot: u32) -> Decision {
        let e = &self.execs[slot as usize];
        let Some(&(ep, step)) = e.frames.last() else {
            return Decision::Pending;
        };
        let StepPlan::Calls { calls, needed } = &self.plan.services[usize::from(self.svc)]
            .endpoints[usize::from(ep)]
        .steps[usize::from(step)] else {
            return Decision::Pending;
        };
        if e.successes >= *needed {
            Decision::Succeeded
        } else if usize::from(e.failures) > calls.len() - usize::from(*needed) {
            Decision::Failed(e.first_failure.unwrap_or(Outcome::Ok))
        } else {
            Decision::Pending
        }
    }

    fn decide_calls(&mut self, slot: u32, ctx: &mut Cx) {
        match self.decision(slot) {
            Decision::Pending => {}
            Decision::Succeeded => {
                self.abandon_calls(slot, ctx);
                self.next_step(slot);
                self.advance(slot, ctx);
            }
            Decision::Failed(outcome) => self.finish(slot, outcome, ctx),
        }
    }

    /// Gives up on calls still open: cancel their timers, release their picker counts.
    fn abandon_calls(&mut self, slot: u32, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let e = &mut self.execs[slot as usize];
        let calls: &[CallPlan] = match e.frames.last() {
            Some(&(ep, step)) => match plan.services[usize::from(self.svc)].endpoints
                [usize::from(ep)]
            .steps
            .get(usize::from(step))
            {
                Some(StepPlan::Calls { calls, .. }) => calls,
                _ => &[],
            },
            None => &[],
        };
        for (sub, state) in e.calls.iter_mut().enumerate() {
            if let Some(t) = state.timer.take() {
                ctx.cancel_timer(t);
            }
            if let Some(i) = state.instance.take() {
                if let Some(call) = calls.get(sub) {
                    self.pickers[usize::from(call.service)].finished(i);
                }
            }
            state.done = true;
        }
    }

    fn on_call_answer(&mut self, tag: CallTag, outcome: Outcome, ctx: &mut Cx) {
        if !self.valid(tag) {
            return;
        }
        let Some(call) = self
            .current_calls(tag.exec)
            .and_then(|c| c.get(usize::from(tag.sub)))
        else {
            return;
        };
        let (callee, retries, breaker) = (usize::from(call.service), call.retries, call.breaker);
        let (base, max, jitter) = (call.backoff_base, call.backoff_max, call.jitter);
        let state = &mut self.execs[tag.exec as usize].calls[usize::from(tag.sub)];
        if state.done || state.attempt != tag.attempt {
            return;
        }
        if let Some(t) = state.timer.take() {
            ctx.cancel_timer(t);
        }
        if let Some(i) = state.instance.take() {
            self.pickers[callee].finished(i);
        }
        if let Some((threshold, open_for)) = breaker {
            let now = ctx.now();
            self.breakers[callee] = match (self.breakers[callee], outcome == Outcome::Ok) {
                (_, true) => Breaker::Closed { failures: 0 },
                (Breaker::Closed { failures }, false) if failures + 1 < threshold => {
                    Breaker::Closed {
                        failures: failures + 1,
                    }
                }
                (_, false) => Breaker::Open {
                    until: now + open_for,
                },
            };
        }
        let state = &mut self.execs[tag.exec as usize].calls[usize::from(tag.sub)];
        if outcome != Outcome::Ok && u32::from(state.attempt) < retries {
            state.attempt += 1;
            let exp = base
                .as_nanos()
                .saturating_mul(1u64 << u32::from(state.attempt - 1).min(40));
            let mut delay = SimDuration(exp.min(max.as_nanos()));
            if jitter && delay.as_nanos() > 0 {
                delay = SimDuration(ctx.rng().below(delay.as_nanos() + 1));
            }
            let retry = CallTag {
                attempt: state.attempt,
                ..tag
            };
            state.timer = Some(ctx.set_timer(delay, Msg::Retry { tag: retry }));
            return;
        }
        self.record_call_result(tag.exec, tag.sub, outcome);
        self.decide_calls(tag.exec, ctx);
    }

    fn on_retry(&mut self, tag: CallTag, ctx: &mut Cx) {
        if !self.valid(tag) {
            return;
        }
        let state = &mut self.execs[tag.exec as usize].calls[usize::from(tag.sub)];
        if state.done || state.attempt != tag.attempt {
            return;
        }
        state.timer = None;
        let plan = Rc::clone(&self.plan);
        let Some(&(ep, step)) = self.execs[tag.exec as usize].frames.last() else {
            return;
        };
        let StepPlan::Calls { calls, .. } = &plan.services[usize::from(self.svc)].endpoints
            [usize::from(ep)]
        .steps[usize::from(step)] else {
            return;
        };
        if let Some(outcome) = self.attempt(tag.exec, tag.sub, &calls[usize::from(tag.sub)], ctx) {
            self.record_call_result(tag.exec, tag.sub, outcome);
            self.decide_calls(tag.exec, ctx);
        }
    }

    fn run_query(&mut self, slot: u32, pool: u16, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let svc = &plan.services[usize::from(self.svc)];
        let p = &svc.pools[usize::from(pool)];
        let e = &self.execs[slot as usize];
        let &(ep, step) = e.frames.last().expect("a query runs inside a frame");
        let StepPlan::Query { ms, .. } = &svc.endpoints[usize::from(ep)].steps[usize::from(step)]
        else {
            unreachable!("run_query is only called on a query step");
        };
        let work = ms.sample_duration(ctx.rng());
        let e = &mut self.execs[slot as usize];
        e.pool = Some((pool, true));
        e.query_seq = e.query_seq.wrapping_add(1);
        let tag = CallTag {
            exec: slot,
            generation: e.generation,
            sub: 0,
            attempt: e.query_seq,
        };
        let db = plan.databases[p.database].node;
        let _ = ctx.send(db, Msg::Query { tag, work });
        self.execs[slot as usize].timer =
            Some(ctx.set_timer(p.query_timeout, Msg::QueryTimeout { tag }));
    }

    /// Returns a connection of `pool` and hands it to the first live waiter, if any.
    fn release(&mut self, pool: u16, ctx: &mut Cx) {
        let p = usize::from(pool);
        while let Some((slot, generation)) = self.pools[p].waiting.pop_front() {
            let e = &mut self.execs[slot as usize];
            if e.live && e.generation == generation && e.pool == Some((pool, false)) {
                if let Some(t) = e.timer.take() {
                    ctx.cancel_timer(t);
                }
                return self.run_query(slot, pool, ctx);
            }
        }
        self.pools[p].free += 1;
    }

    fn finish(&mut self, slot: u32, outcome: Outcome, ctx: &mut Cx) {
        self.abandon_calls(slot, ctx);
        let e = &mut self.execs[slot as usize];
        if let Some(t) = e.timer.take() {
            ctx.cancel_timer(t);
        }
        let pool = e.pool.take();
        let caller = e.caller.take();
        e.live = false;
        e.generation = e.generation.wrapping_add(1);
        self.free.push(slot);
        self.busy -= 1;
        if let Some((pool, true)) = pool {
            self.release(pool, ctx);
        }
        if let Some((to, tag)) = caller {
            let _ = ctx.send(to, Msg::Reply { tag, outcome });
        }
        if let Some((from, tag, endpoint)) = self.queue.pop_front() {
            self.start(Some((from, tag)), endpoint, ctx);
        }
    }
}

impl Component<Msg, Ledger> for ServiceInstance {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Message { from, msg } => match msg {
                Msg::Call { tag, endpoint } => self.on_call(from, tag, endpoint, ctx),
                Msg::Reply { tag, outcome } => self.on_call_answer(tag, outcome, ctx),
                Msg::QueryDone { tag } if self.query_is_current(tag) => {
                    let e = &mut self.execs[tag.exec as usize];
                    if let Some((pool, true)) = e.pool {
                        if let Some(t) = e.timer.take() {
                            ctx.cancel_timer(t);
                        }
                        e.pool = None;
                        self.release(pool, ctx);
                        self.next_step(tag.exec);
                        self.advance(tag.exec, ctx);
                    }
                }
                _ => {}
            },
            Event::Timer(msg) => match msg {
                Msg::StepDone { tag } if self.valid(tag) => {
                    self.execs[tag.exec as usize].timer = None;
                    self.next_step(tag.exec);
                    self.advance(tag.exec, ctx);
                }
                Msg::CallTimeout { tag } if self.valid(tag) => {
                    let cause = self
                        .current_calls(tag.exec)
                        .and_then(|c| c.get(usize::from(tag.sub)))
                        .map(|call| call.cause_timeout);
                    if let Some(cause) = cause {
                        self.execs[tag.exec as usize].calls[usize::from(tag.sub)].timer = None;
                        self.on_call_answer(tag, Outcome::Timeout(cause), ctx);
                    }
                }
                Msg::Retry { tag } => self.on_retry(tag, ctx),
                Msg::AcquireTimeout { tag } if self.valid(tag) => {
                    let e = &mut self.execs[tag.exec as usize];
                    if let Some((pool, false)) = e.pool {
                        e.timer = None;
                        e.pool = None;
                        let cause = self.plan.services[usize::from(self.svc)].pools
                            [usize::from(pool)]
                        .cause_acquire;
                        self.finish(tag.exec, Outcome::Rejected(cause), ctx);
                    }
                }
                Msg::QueryTimeout { tag } if self.query_is_current(tag) => {
                    let e = &mut self.execs[tag.exec as usize];
                    e.timer = None;
                    if let Some((pool, true)) = e.pool {
                        let cause = self.plan.services[usize::from(self.svc)].pools
                            [usize::from(pool)]
                        .cause_query;
                        self.finish(tag.exec, Outcome::Timeout(cause), ctx);
                    }
                }
                _ => {}
            },
            Event::Init => {}
        }
    }

    fn on_crash(&mut self) {
        self.reset();
    }
}
