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
use crate::ledger::{Ledger, NO_ORIGIN};
use crate::msg::{CallTag, Msg, Outcome};
use crate::plan::{CallPlan, ConsumeSource, EndpointIx, Plan, ServiceIx, StepPlan};
use crate::scenario::OnError;
use crate::trace::{SpanKind, SpanRef, SpanStatus, NO_SPAN};
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event, TimerId};
use sim_core::time::{SimDuration, SimTime};
use std::collections::VecDeque;
use std::rc::Rc;

mod payment;
mod store;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

/// `CallTag::sub` of a publish (parallel calls use small indexes).
const PUBLISH_SUB: u16 = u16::MAX;

/// A fetch not answered within its blocking time plus this margin is given up.
const GUARD_MARGIN: SimDuration = SimDuration::from_secs(2);

#[derive(Clone, Copy, Debug, Default)]
struct CallState {
    attempt: u16,
    /// The instance index of the attempt in flight (for the picker), if any.
    instance: Option<usize>,
    timer: Option<TimerId>,
    done: bool,
    /// The attempt's span (or the backoff's, between attempts).
    span: SpanRef,
}

#[derive(Debug, Default)]
struct Exec {
    generation: u32,
    live: bool,
    caller: Caller,
    /// The client request this execution works for (`NO_ORIGIN` if none).
    origin: u32,
    /// The key of that request, read when the execution starts: origins are reused once
    /// their request has ended, and an execution can outlive its request (the client gave
    /// up), so the key is not looked up again later.
    key: u32,
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
    /// A replicated-store operation in progress.
    store: Option<store::StoreWait>,
    /// Payment steps: the lock held, the balance read.
    pay: payment::PayState,
    /// The execution's span (server or consumer) when traced.
    span: SpanRef,
    /// The current step's span (work, pool wait, query, publish, ...).
    step_span: SpanRef,
    /// A call's error was caught with `no_reply`: the execution ends without answering.
    no_reply: bool,
}

/// Who is waiting for an execution's outcome.
#[derive(Clone, Copy, Debug, Default)]
enum Caller {
    /// Nobody.
    #[default]
    None,
    /// A caller over the network, answered with a `Reply`.
    Call(NodeId, CallTag),
    /// A consumer loop that took a message; it acknowledges or commits when done.
    Message {
        /// The loop.
        index: u16,
        /// How the message came.
        from: Consumed,
    },
}

/// How a consumed message came, and so how its processing is reported.
#[derive(Clone, Copy, Debug)]
enum Consumed {
    /// Naive pop: the consumer holds the only copy.
    Popped,
    /// Acknowledged delivery.
    Delivery(u32),
    /// Record `first + done` of a batch of `count` log records.
    Record {
        /// Partition.
        partition: u16,
        /// Offset of the batch's first record.
        first: u32,
        /// Records in the batch.
        count: u16,
        /// Records of the batch already processed.
        done: u16,
        /// Of which failed.
        failed: u16,
    },
}

#[derive(Clone, Copy, Debug, Default)]
struct LoopState {
    generation: u32,
    /// Waiting for a worker to become free before fetching.
    parked: bool,
    /// Timer guarding a fetch that may never be answered (broker crash, partition).
    guard: Option<TimerId>,
    /// Has polled its log since this instance (re)started.
    joined: bool,
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

/// What a caller keeps per service it calls.
#[derive(Debug)]
struct Callee {
    service: ServiceIx,
    picker: Picker,
    breaker: Breaker,
}

/// One instance of a service.
pub struct ServiceInstance {
    plan: Rc<Plan>,
    svc: ServiceIx,
    busy: u32,
    queue: VecDeque<(NodeId, CallTag, EndpointIx, u32, SpanRef)>,
    execs: Vec<Exec>,
    free: Vec<u32>,
    pools: Vec<PoolState>,
    /// Per service this instance has called since it (re)started, sorted by service: its
    /// balancer state and circuit breaker. Made on the first call, so an instance's memory
    /// grows with the services it calls, not with the design's size.
    callees: Vec<Callee>,
    loops: Vec<LoopState>,
    /// Per replicated store, the replica this instance believes is the primary.
    /// Sorted by store; a store not listed has replica 0 as believed primary (the
    /// default), so memory grows with the stores this instance has redirected, not with
    /// the design's size.
    primaries: Vec<(usize, u16)>,
    /// This instance's node, learnt at start (for crash accounting).
    me: Option<NodeId>,
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
            callees: Vec::new(),
            loops: Vec::new(),
            primaries: Vec::new(),
            me: None,
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
        self.primaries.clear();
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
        // Fresh pickers and closed breakers, made again on each callee's first call.
        self.callees.clear();
        let loops = svc.consume.as_ref().map_or(0, |c| c.concurrency as usize);
        let generations: Vec<u32> = self
            .loops
            .iter()
            .map(|l| l.generation.wrapping_add(1))
            .collect();
        self.loops = (0..loops)
            .map(|i| LoopState {
                generation: generations.get(i).copied().unwrap_or(0),
                parked: false,
                guard: None,
                joined: false,
            })
            .collect();
    }

    /// The state kept for calls to service `svc`, made fresh on the first call.
    fn callee(&mut self, svc: usize) -> &mut Callee {
        let at = match self
            .callees
            .binary_search_by_key(&svc, |c| usize::from(c.service))
        {
            Ok(at) => at,
            Err(at) => {
                let instances = self.plan.services[svc].instances.len();
                self.callees.insert(
                    at,
                    Callee {
                        service: svc as ServiceIx,
                        picker: Picker::new(instances),
                        breaker: Breaker::Closed { failures: 0 },
                    },
                );
                at
            }
        };
        &mut self.callees[at]
    }

    /// The replica this instance believes is store `store`'s primary.
    fn primary(&self, store: usize) -> u16 {
        self.primaries
            .binary_search_by_key(&store, |&(s, _)| s)
            .map_or(0, |at| self.primaries[at].1)
    }

    /// The belief about store `store`'s primary, to change it.
    fn primary_mut(&mut self, store: usize) -> &mut u16 {
        let at = match self.primaries.binary_search_by_key(&store, |&(s, _)| s) {
            Ok(at) => at,
            Err(at) => {
                self.primaries.insert(at, (store, 0));
                at
            }
        };
        &mut self.primaries[at].1
    }

    /// A call to instance `i` of service `svc` ended (nothing to do if the service was
    /// never called since the last restart: a fresh picker counts nothing).
    fn finished_on(callees: &mut [Callee], svc: usize, i: usize) {
        if let Ok(at) = callees.binary_search_by_key(&svc, |c| usize::from(c.service)) {
            callees[at].picker.finished(i);
        }
    }

    fn tag(&self, slot: u32) -> CallTag {
        CallTag {
            exec: slot,
            generation: self.execs[slot as usize].generation,
            sub: 0,
            attempt: 0,
        }
    }

    /// Opens a span of `kind` for the current step of `slot` (traced runs only).
    fn begin_step_span(&mut self, slot: u32, kind: SpanKind, a: u16, b: u16, ctx: &mut Cx) {
        let (now, me) = (ctx.now(), ctx.me());
        let e = &self.execs[slot as usize];
        let (origin, parent) = (e.origin, e.span);
        if let Some(t) = ctx.world().trace() {
            self.execs[slot as usize].step_span = t.begin(origin, parent, kind, me, now, a, b);
        }
    }

    /// Ends the current step's span of `slot`, if any, with `status`.
    fn end_step_span(&mut self, slot: u32, status: SpanStatus, ctx: &mut Cx) {
        let e = &mut self.execs[slot as usize];
        let span = std::mem::replace(&mut e.step_span, NO_SPAN);
        let origin = e.origin;
        if span != NO_SPAN {
            let now = ctx.now();
            if let Some(t) = ctx.world().trace() {
                t.end(origin, span, now, status);
            }
        }
    }

    /// Ends the span of call `sub` of `slot`, if any, with `status` (no answer crossed).
    fn end_call_span(&mut self, slot: u32, sub: u16, status: SpanStatus, ctx: &mut Cx) {
        let e = &mut self.execs[slot as usize];
        let origin = e.origin;
        let Some(state) = e.calls.get_mut(usize::from(sub)) else {
            return;
        };
        let span = std::mem::replace(&mut state.span, NO_SPAN);
        if span != NO_SPAN {
            let now = ctx.now();
            if let Some(t) = ctx.world().trace() {
                t.end(origin, span, now, status);
            }
        }
    }

    /// The execution named by `tag`, if it is still the one the tag was made for.
    fn valid(&self, tag: CallTag) -> bool {
        self.execs
            .get(tag.exec as usize)
            .is_some_and(|e| e.live && e.generation == tag.generation)
    }

    /// A fresh tag for a single wait (publish, key-value operation, query) of `slot`.
    fn next_wait_tag(&mut self, slot: u32, sub: u16) -> CallTag {
        let e = &mut self.execs[slot as usize];
        e.query_seq = e.query_seq.wrapping_add(1);
        CallTag {
            exec: slot,
            generation: e.generation,
            sub,
            attempt: e.query_seq,
        }
    }

    /// The step `slot` is at.
    fn current_step(&self, slot: u32) -> Option<&StepPlan> {
        let &(ep, step) = self.execs.get(slot as usize)?.frames.last()?;
        self.plan.services[usize::from(self.svc)].endpoints[usize::from(ep)]
            .steps
            .get(usize::from(step))
    }

    /// The answer to a single wait arrived: go on, or end the execution with `failure`.
    fn wait_answered(&mut self, slot: u32, failure: Option<Outcome>, ctx: &mut Cx) {
        if let Some(t) = self.execs[slot as usize].timer.take() {
            ctx.cancel_timer(t);
        }
        match failure {
            None => {
                self.end_step_span(slot, SpanStatus::Ok, ctx);
                self.next_step(slot);
                self.advance(slot, ctx);
            }
            Some(outcome) => self.finish(slot, outcome, ctx),
        }
    }

    fn on_publish_answer(&mut self, tag: CallTag, outcome: Outcome, ctx: &mut Cx) {
        if self.query_is_current(tag) {
            let failure = (outcome != Outcome::Ok).then_some(outcome);
            self.wait_answered(tag.exec, failure, ctx);
        }
    }

    /// A consumer loop's timer: the sleep after an empty fetch ended, or a fetch went
    /// unanswered for too long. Either way, fetch again (if the timer is still current).
    fn on_wake(&mut self, index: u16, generation: u32, ctx: &mut Cx) {
        let Some(state) = self.loops.get_mut(usize::from(index)) else {
            return;
        };
        if state.generation == generation {
            state.guard = None;
            self.fetch(index, ctx);
        }
    }

    /// `true` when `tag` names the query the execution is waiting for now.
    fn query_is_current(&self, tag: CallTag) -> bool {
        self.valid(tag) && self.execs[tag.exec as usize].query_seq == tag.attempt
    }

    #[allow(clippy::too_many_arguments)]
    fn on_call(
        &mut self,
        from: NodeId,
        tag: CallTag,
        endpoint: EndpointIx,
        origin: u32,
        parent: SpanRef,
        ctx: &mut Cx,
    ) {
        let (now, me, svc_ix) = (ctx.now(), ctx.me(), self.svc);
        let span = match ctx.world().trace() {
            Some(t) => t.receive(origin, parent, me, now, svc_ix, endpoint),
            None => NO_SPAN,
        };
        let svc = &self.plan.services[usize::from(self.svc)];
        if self.busy < svc.workers {
            self.start(Caller::Call(from, tag), endpoint, origin, span, ctx);
        } else if svc
            .queue_capacity
            .is_none_or(|cap| self.queue.len() < cap as usize)
        {
            self.queue.push_back((from, tag, endpoint, origin, span));
            if let Some(t) = ctx.world().trace() {
                t.begin(origin, span, SpanKind::QueueWait, me, now, svc_ix, 0);
            }
        } else {
            let outcome = Outcome::Rejected(svc.cause_queue_full);
            if let Some(t) = ctx.world().trace() {
                t.end(origin, span, now, outcome.into());
            }
            ctx.send(from, Msg::Reply { tag, outcome });
        }
    }

    fn start(
        &mut self,
        caller: Caller,
        endpoint: EndpointIx,
        origin: u32,
        span: SpanRef,
        ctx: &mut Cx,
    ) {
        let span = match ctx.world().tracer.is_some() {
            false => NO_SPAN,
            true => self.trace_start(&caller, endpoint, origin, span, ctx),
        };
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
        e.origin = origin;
        e.key = ctx.world().origin_key(origin);
        e.frames.clear();
        e.frames.push((endpoint, 0));
        e.pool = None;
        e.timer = None;
        e.pay = payment::PayState::default();
        e.span = span;
        e.step_span = NO_SPAN;
        e.no_reply = false;
        self.busy += 1;
        self.advance(slot, ctx);
    }

    /// The execution's span: a consumer's opens now; a call's server span ends its queue wait.
    fn trace_start(
        &mut self,
        caller: &Caller,
        endpoint: EndpointIx,
        origin: u32,
        span: SpanRef,
        ctx: &mut Cx,
    ) -> SpanRef {
        let (now, me, svc) = (ctx.now(), ctx.me(), self.svc);
        let Some(t) = ctx.world().trace() else {
            return NO_SPAN;
        };
        match caller {
            Caller::Message { .. } if origin != NO_ORIGIN => {
                t.consume(origin, me, now, svc, endpoint)
            }
            Caller::Message { .. } => NO_SPAN,
            _ => {
                t.started(origin, span, now);
                span
            }
        }
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
                    let d = dist.sample_duration_ms(ctx.rng());
                    let d = ctx.work(d);
                    let tag = self.tag(slot);
                    self.execs[slot as usize].timer = Some(ctx.set_timer(d, Msg::StepDone { tag }));
                    self.begin_step_span(slot, SpanKind::Work, self.svc, 0, ctx);
                    return;
                }
                StepPlan::Local(callee) => e.frames.push((*callee, 0)),
                StepPlan::Publish {
                    broker,
                    dest,
                    timeout,
                } => {
                    let tag = self.next_wait_tag(slot, PUBLISH_SUB);
                    let origin = self.execs[slot as usize].origin;
                    let node = plan.brokers[*broker].node;
                    let dest = dest.pack();
                    ctx.send(node, Msg::Publish { tag, dest, origin });
                    if let Some(t) = timeout {
                        self.execs[slot as usize].timer =
                            Some(ctx.set_timer(*t, Msg::QueryTimeout { tag }));
                    }
                    self.begin_step_span(slot, SpanKind::Publish, *broker as u16, 0, ctx);
                    let span = self.execs[slot as usize].step_span;
                    if let Some(t) = ctx.world().trace() {
                        t.published(origin, span);
                    }
                    return;
                }
                StepPlan::Store { store, op } => return self.store_begin(slot, *store, *op, ctx),
                StepPlan::Kv { store, timeout } => {
                    let tag = self.next_wait_tag(slot, 0);
                    let kv = &plan.kv_stores[*store];
                    let work = kv.op_ms.sample_duration_ms(ctx.rng());
                    ctx.send(kv.node, Msg::Query { tag, work });
                    if let Some(t) = timeout {
                        self.execs[slot as usize].timer =
                            Some(ctx.set_timer(*t, Msg::QueryTimeout { tag }));
                    }
                    self.begin_step_span(slot, SpanKind::Kv, *store as u16, 0, ctx);
                    return;
                }
                StepPlan::Lock { service, timeout } => {
                    return self.lock_begin(slot, *service, *timeout, ctx)
                }
                StepPlan::Unlock { service } => {
                    self.release_lock(slot, Some(*service), ctx);
                    self.next_step(slot);
                }
                StepPlan::ReadBalance { store } => {
                    return self.read_balance_begin(slot, *store, ctx)
                }
                StepPlan::Debit { store, amount } => {
                    return self.debit_begin(slot, *store, *amount, ctx)
                }
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
                    self.begin_step_span(slot, SpanKind::PoolWait, self.svc, *pool, ctx);
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
                            self.record_call_result(slot, sub as u16, outcome, ctx);
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
            match self.callee(callee).breaker {
                Breaker::Open { until } if now < until => {
                    return Some(self.refused_by_breaker(slot, call, ctx));
                }
                Breaker::Open { .. } => {
                    self.callee(callee).breaker = Breaker::HalfOpen { probing: true }
                }
                Breaker::HalfOpen { probing: true } => {
                    return Some(self.refused_by_breaker(slot, call, ctx));
                }
                Breaker::HalfOpen { probing: false } => {
                    self.callee(callee).breaker = Breaker::HalfOpen { probing: true }
                }
                Breaker::Closed { .. } => {}
            }
        }
        let plan = Rc::clone(&self.plan);
        let target = &plan.services[callee];
        let i = if plan.drains.is_empty() {
            self.callee(callee).picker.pick(target.balancer, ctx.rng())
        } else {
            let now = ctx.now();
            self.callee(callee)
                .picker
                .pick_where(target.balancer, ctx.rng(), |k| {
                    plan.in_rotation(target.instances[k], now)
                })
        };
        let e = &mut self.execs[slot as usize];
        let state = &mut e.calls[usize::from(sub)];
        state.instance = Some(i);
        let tag = CallTag {
            exec: slot,
            generation: e.generation,
            sub,
            attempt: state.attempt,
        };
        let (origin, parent) = (e.origin, e.span);
        let (now, me) = (ctx.now(), ctx.me());
        let span = match ctx.world().trace() {
            None => NO_SPAN,
            Some(t) => {
                let s = t.begin(
                    origin,
                    parent,
                    SpanKind::Call,
                    me,
                    now,
                    call.service,
                    call.endpoint,
                );
                t.set_attempt(origin, s, tag.attempt.saturating_add(1));
                s
            }
        };
        self.execs[slot as usize].calls[usize::from(sub)].span = span;
        ctx.send(
            target.instances[i],
            Msg::Call {
                tag,
                endpoint: call.endpoint,
                origin,
                span,
            },
        );
        if let Some(t) = call.timeout {
            self.execs[slot as usize].calls[usize::from(sub)].timer =
                Some(ctx.set_timer(t, Msg::CallTimeout { tag }));
        }
        None
    }

    /// An open breaker refuses a call: a rejected attempt that never left.
    fn refused_by_breaker(&mut self, slot: u32, call: &CallPlan, ctx: &mut Cx) -> Outcome {
        let outcome = Outcome::Rejected(call.cause_breaker);
        let (now, me) = (ctx.now(), ctx.me());
        let e = &self.execs[slot as usize];
        let (origin, parent) = (e.origin, e.span);
        if let Some(t) = ctx.world().trace() {
            let s = t.begin(
                origin,
                parent,
                SpanKind::Call,
                me,
                now,
                call.service,
                call.endpoint,
            );
            t.end(origin, s, now, outcome.into());
        }
        outcome
    }

    /// A call of `slot` failed for good: what its `on_error` makes of the failure.
    fn caught(&mut self, slot: u32, sub: u16, outcome: Outcome, ctx: &mut Cx) -> Outcome {
        let on_error = self
            .current_calls(slot)
            .and_then(|c| c.get(usize::from(sub)))
            .map_or(OnError::Fail, |c| c.on_error);
        let e = &self.execs[slot as usize];
        let consumer = matches!(e.caller, Caller::Message { .. });
        let (Some(cause), false) = (outcome.cause(), on_error == OnError::Fail) else {
            return outcome;
        };
        if on_error == OnError::NoReply && consumer {
            // A consumer's answer is its broker's acknowledgement: it fails instead.
            return outcome;
        }
        let (origin, parent) = (e.origin, e.span);
        let (now, me, svc) = (ctx.now(), ctx.me(), self.svc);
        let w = ctx.world();
        *w.swallowed.entry((svc, cause)).or_insert(0) += 1;
        if let Some(t) = w.trace() {
            let status = SpanStatus::Swallowed(cause);
            t.mark(origin, parent, SpanKind::Swallowed, me, now, status, svc);
        }
        match on_error {
            OnError::Swallow => Outcome::Ok,
            _ => {
                self.execs[slot as usize].no_reply = true;
                outcome
            }
        }
    }

    fn record_call_result(&mut self, slot: u32, sub: u16, outcome: Outcome, ctx: &mut Cx) {
        let outcome = match outcome {
            Outcome::Ok => outcome,
            failed => self.caught(slot, sub, failed, ctx),
        };
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
        let e = &self.execs[slot as usize];
        if e.no_reply {
            let outcome = e.first_failure.unwrap_or(Outcome::Ok);
            return self.finish(slot, outcome, ctx);
        }
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
        let origin = e.origin;
        for (sub, state) in e.calls.iter_mut().enumerate() {
            if let Some(t) = state.timer.take() {
                ctx.cancel_timer(t);
            }
            let span = std::mem::replace(&mut state.span, NO_SPAN);
            if span != NO_SPAN {
                let now = ctx.now();
                if let Some(t) = ctx.world().trace() {
                    t.end(origin, span, now, SpanStatus::Cancelled);
                }
            }
            if let Some(i) = state.instance.take() {
                if let Some(call) = calls.get(sub) {
                    Self::finished_on(&mut self.callees, usize::from(call.service), i);
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
            Self::finished_on(&mut self.callees, callee, i);
        }
        let span = std::mem::replace(&mut state.span, NO_SPAN);
        if span != NO_SPAN {
            let (now, origin) = (ctx.now(), self.execs[tag.exec as usize].origin);
            if let Some(t) = ctx.world().trace() {
                t.answered(origin, span, now, outcome);
            }
        }
        if let Some((threshold, open_for)) = breaker {
            let now = ctx.now();
            let entry = self.callee(callee);
            entry.breaker = match (entry.breaker, outcome == Outcome::Ok) {
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
            let (now, me, e) = (ctx.now(), ctx.me(), &self.execs[tag.exec as usize]);
            let (origin, parent) = (e.origin, e.span);
            if let Some(t) = ctx.world().trace() {
                let s = t.begin(origin, parent, SpanKind::Backoff, me, now, 0, 0);
                t.set_attempt(origin, s, retry.attempt.saturating_add(1));
                self.execs[tag.exec as usize].calls[usize::from(tag.sub)].span = s;
            }
            return;
        }
        self.record_call_result(tag.exec, tag.sub, outcome, ctx);
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
        self.end_call_span(tag.exec, tag.sub, SpanStatus::Ok, ctx);
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
            self.record_call_result(tag.exec, tag.sub, outcome, ctx);
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
        let work = ms.sample_duration_ms(ctx.rng());
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
        ctx.send(db, Msg::Query { tag, work });
        self.execs[slot as usize].timer =
            Some(ctx.set_timer(p.query_timeout, Msg::QueryTimeout { tag }));
        self.end_step_span(slot, SpanStatus::Ok, ctx);
        self.begin_step_span(slot, SpanKind::Query, self.svc, pool, ctx);
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
        self.release_lock(slot, None, ctx);
        self.end_step_span(slot, outcome.into(), ctx);
        let e = &mut self.execs[slot as usize];
        if let Some(t) = e.timer.take() {
            ctx.cancel_timer(t);
        }
        let pool = e.pool.take();
        let caller = std::mem::take(&mut e.caller);
        let origin = e.origin;
        let no_reply = std::mem::take(&mut e.no_reply);
        let span = std::mem::replace(&mut e.span, NO_SPAN);
        if span != NO_SPAN {
            let now = ctx.now();
            let status = if no_reply {
                SpanStatus::NoReply
            } else {
                outcome.into()
            };
            if let Some(t) = ctx.world().trace() {
                t.end(origin, span, now, status);
            }
        }
        e.live = false;
        e.generation = e.generation.wrapping_add(1);
        self.free.push(slot);
        self.busy -= 1;
        if let Some((pool, true)) = pool {
            self.release(pool, ctx);
        }
        match caller {
            Caller::None => {}
            // The handler caught an error and forgot to answer: its caller waits.
            Caller::Call(..) if no_reply => {}
            Caller::Call(to, tag) => {
                ctx.send(to, Msg::Reply { tag, outcome });
            }
            Caller::Message { index, from } => self.consumed(index, from, origin, outcome, ctx),
        }
        if let Some((from, tag, endpoint, origin, span)) = self.queue.pop_front() {
            self.start(Caller::Call(from, tag), endpoint, origin, span, ctx);
        } else {
            self.unpark(ctx);
        }
    }

    // ------------------------------------------------------------------ consumer loops

    fn consume_plan(&self) -> Option<&crate::plan::ConsumePlan> {
        self.plan.services[usize::from(self.svc)].consume.as_ref()
    }

    fn start_loops(&mut self, ctx: &mut Cx) {
        for index in 0..self.loops.len() {
            self.fetch(index as u16, ctx);
        }
    }

    /// Asks the broker for the next message of loop `index` (or parks the loop while every
    /// worker is busy).
    fn fetch(&mut self, index: u16, ctx: &mut Cx) {
        let Some(c) = self.consume_plan() else {
            return;
        };
        let (broker, source, block, max) = (c.broker, c.source, c.block_timeout, c.batch);
        let workers = self.plan.services[usize::from(self.svc)].workers;
        let state = &mut self.loops[usize::from(index)];
        if let Some(t) = state.guard.take() {
            ctx.cancel_timer(t);
        }
        if self.busy >= workers {
            state.parked = true;
            return;
        }
        state.parked = false;
        state.generation = state.generation.wrapping_add(1);
        // The first poll after a (re)start says so: the broker must treat this consumer as
        // a new member and hand its partitions out from the committed offsets.
        let tag = CallTag {
            exec: u32::from(index),
            generation: state.generation,
            sub: index,
            attempt: u16::from(!state.joined),
        };
        state.joined = true;
        let block_ms = u32::try_from(block.as_nanos() / 1_000_000).unwrap_or(u32::MAX);
        let msg = match source {
            ConsumeSource::Queue(queue) => Msg::Fetch {
                tag,
                queue,
                block_ms,
            },
            ConsumeSource::Log { log, group } => Msg::Poll {
                tag,
                log,
                group,
                block_ms,
                max,
            },
        };
        let node = self.plan.brokers[broker].node;
        ctx.send(node, msg);
        // If no answer comes (the broker crashed, a partition), fetch again.
        let wake = Msg::ConsumerWake {
            index,
            generation: state.generation,
        };
        state.guard = Some(ctx.set_timer(block + GUARD_MARGIN, wake));
    }

    fn unpark(&mut self, ctx: &mut Cx) {
        if let Some(i) = self.loops.iter().position(|l| l.parked) {
            self.fetch(i as u16, ctx);
        }
    }

    /// A message arrived for loop `index`: process it with the consumer's endpoint.
    fn on_consumed(&mut self, tag: CallTag, from: Consumed, origin: u32, ctx: &mut Cx) {
        let index = tag.sub;
        let Some(state) = self.loops.get_mut(usize::from(index)) else {
            return;
        };
        if state.generation == tag.generation {
            if let Some(t) = state.guard.take() {
                ctx.cancel_timer(t);
            }
        }
        let Some(endpoint) = self.consume_plan().map(|c| c.endpoint) else {
            return;
        };
        // A late answer to an abandoned fetch is processed all the same: for a popped
        // message it is the only copy.
        self.start(
            Caller::Message { index, from },
            endpoint,
            origin,
            NO_SPAN,
            ctx,
        );
    }

    /// Loop `index` finished a message: report it, then fetch the next one.
    fn consumed(
        &mut self,
        index: u16,
        from: Consumed,
        origin: u32,
        outcome: Outcome,
        ctx: &mut Cx,
    ) {
        let Some(c) = self.consume_plan() else {
            return;
        };
        let node = self.plan.brokers[c.broker].node;
        let ok = outcome == Outcome::Ok;
        match (from, c.source) {
            (Consumed::Popped, _) => {
                let now = ctx.now();
                let me = ctx.me().index();
                let w = ctx.world();
                w.finished_by(me);
                if ok {
                    w.processed(now, 1);
                    w.completed(now, origin);
                } else {
                    w.messages.failed += 1;
                    w.release(origin);
                }
            }
            // A failed delivery is not acknowledged: it comes back after its visibility
            // timeout (and is dead-lettered after too many).
            (Consumed::Delivery(delivery), ConsumeSource::Queue(queue)) if ok => {
                ctx.send(node, Msg::Ack { queue, delivery });
            }
            (
                Consumed::Record {
                    partition,
                    first,
                    count,
                    done,
                    failed,
                },
                ConsumeSource::Log { log, group },
            ) => {
                let (done, failed) = (done + 1, failed + u16::from(!ok));
                if done < count {
                    // The next record of the batch, on the same loop and worker slot.
                    let next = Consumed::Record {
                        partition,
                        first,
                        count,
                        done,
                        failed,
                    };
                    let endpoint = c.endpoint;
                    self.start(
                        Caller::Message { index, from: next },
                        endpoint,
                        NO_ORIGIN,
                        NO_SPAN,
                        ctx,
                    );
                    return;
                }
                let commit = Msg::Commit {
                    log,
                    group,
                    partition,
                    offset: first + u32::from(count) - 1,
                    count,
                    failed,
                };
                ctx.send(node, commit);
            }
            _ => {}
        }
        if self
            .loops
            .get(usize::from(index))
            .is_some_and(|l| l.guard.is_none())
        {
            self.fetch(index, ctx);
        }
    }
}

impl Component<Msg, Ledger> for ServiceInstance {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Message { from, msg } => match msg {
                Msg::Call {
                    tag,
                    endpoint,
                    origin,
                    span,
                } => self.on_call(from, tag, endpoint, origin, span, ctx),
                Msg::Reply { tag, outcome } if self.store_current(tag) => {
                    let answer = match outcome {
                        Outcome::Ok => store::StoreAnswer::Stored,
                        refused => store::StoreAnswer::Refused(refused),
                    };
                    self.store_answer(tag, answer, ctx)
                }
                Msg::StoreValue {
                    tag,
                    write,
                    siblings,
                } if self.store_current(tag) => {
                    self.store_answer(tag, store::StoreAnswer::Value(write, siblings), ctx)
                }
                Msg::StoreRedirect { tag, primary } if self.store_current(tag) => {
                    self.store_answer(tag, store::StoreAnswer::Redirect(primary), ctx)
                }
                Msg::Reply { tag, outcome } if tag.sub == PUBLISH_SUB => {
                    self.on_publish_answer(tag, outcome, ctx)
                }
                Msg::Reply { tag, outcome } => self.on_call_answer(tag, outcome, ctx),
                Msg::QueryDone { tag, ok } if self.query_is_current(tag) => {
                    match self.current_step(tag.exec) {
                        Some(StepPlan::Kv { store, .. }) => {
                            let refused = Outcome::Rejected(self.plan.kv_stores[*store].cause_full);
                            self.wait_answered(tag.exec, (!ok).then_some(refused), ctx);
                        }
                        Some(StepPlan::Query { .. }) => {
                            let e = &mut self.execs[tag.exec as usize];
                            if let Some((pool, true)) = e.pool {
                                if let Some(t) = e.timer.take() {
                                    ctx.cancel_timer(t);
                                }
                                e.pool = None;
                                self.release(pool, ctx);
                                self.end_step_span(tag.exec, SpanStatus::Ok, ctx);
                                self.next_step(tag.exec);
                                self.advance(tag.exec, ctx);
                            }
                        }
                        _ => {}
                    }
                }
                Msg::LockGranted { tag, token, key } => {
                    self.on_lock_granted(from, tag, token, key, ctx)
                }
                Msg::Balance {
                    tag,
                    balance,
                    version,
                } if self.query_is_current(tag) => self.on_balance(tag, balance, version, ctx),
                Msg::DebitDone { tag, stored } if self.query_is_current(tag) => {
                    self.on_debit_done(tag, stored, ctx)
                }
                Msg::Delivered {
                    tag,
                    delivery,
                    origin,
                } => {
                    let from = if delivery == 0 {
                        Consumed::Popped
                    } else {
                        Consumed::Delivery(delivery)
                    };
                    self.on_consumed(tag, from, origin, ctx);
                }
                Msg::Record {
                    tag,
                    partition,
                    offset,
                    count,
                } => {
                    let from = Consumed::Record {
                        partition,
                        first: offset,
                        count: count.max(1),
                        done: 0,
                        failed: 0,
                    };
                    // Completion latency of log records is recorded by the broker at commit.
                    self.on_consumed(tag, from, NO_ORIGIN, ctx);
                }
                Msg::Empty { tag } => {
                    let sleep = self.consume_plan().map(|c| c.sleep);
                    if let (Some(state), Some(sleep)) =
                        (self.loops.get_mut(usize::from(tag.sub)), sleep)
                    {
                        if state.generation == tag.generation {
                            if let Some(t) = state.guard.take() {
                                ctx.cancel_timer(t);
                            }
                            let wake = Msg::ConsumerWake {
                                index: tag.sub,
                                generation: state.generation,
                            };
                            state.guard = Some(ctx.set_timer(sleep, wake));
                        }
                    }
                }
                _ => {}
            },
            Event::Timer(msg) => match msg {
                Msg::StepDone { tag } if self.valid(tag) => {
                    self.execs[tag.exec as usize].timer = None;
                    self.end_step_span(tag.exec, SpanStatus::Ok, ctx);
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
                        let timeout = Outcome::Timeout(cause);
                        self.end_call_span(tag.exec, tag.sub, timeout.into(), ctx);
                        self.on_call_answer(tag, timeout, ctx);
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
                Msg::QueryTimeout { tag } if self.store_current(tag) => {
                    self.store_timeout(tag.exec, ctx)
                }
                Msg::QueryTimeout { tag } if self.query_is_current(tag) => {
                    self.execs[tag.exec as usize].timer = None;
                    let plan = Rc::clone(&self.plan);
                    let svc = &plan.services[usize::from(self.svc)];
                    let cause = match self.current_step(tag.exec) {
                        Some(StepPlan::Query { pool, .. }) => {
                            svc.pools[usize::from(*pool)].cause_query
                        }
                        Some(StepPlan::Kv { store, .. }) => plan.kv_stores[*store].cause_timeout,
                        Some(StepPlan::Publish { broker, .. }) => {
                            plan.brokers[*broker].cause_timeout
                        }
                        Some(
                            StepPlan::Lock { .. }
                            | StepPlan::ReadBalance { .. }
                            | StepPlan::Debit { .. },
                        ) => return self.payment_timeout(tag.exec, ctx),
                        _ => return,
                    };
                    self.finish(tag.exec, Outcome::Timeout(cause), ctx);
                }
                Msg::ConsumerWake { index, generation } => self.on_wake(index, generation, ctx),
                _ => {}
            },
            Event::Init => {
                self.me = Some(ctx.me());
                self.start_loops(ctx);
            }
        }
    }

    fn on_restart(&mut self, ctx: &mut Cx) {
        self.start_loops(ctx);
    }

    fn on_crash(&mut self, ledger: &mut Ledger) {
        // Popped messages die with the consumer that held them (and those on the wire to it).
        for e in &self.execs {
            if let (
                true,
                Caller::Message {
                    from: Consumed::Popped,
                    ..
                },
            ) = (e.live, e.caller)
            {
                ledger.release(e.origin);
            }
        }
        if let Some(me) = self.me {
            ledger.crashed(me.index());
        }
        self.reset();
    }
}
