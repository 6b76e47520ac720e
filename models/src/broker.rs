//! A message broker: work queues (naive pop or acknowledged delivery with a visibility
//! timeout, dead-lettering), publish/subscribe topics, and partitioned logs with consumer
//! groups, committed offsets and rebalancing.
//!
//! The broker is also the accountant of the copies it holds (see `ledger::MessageStats`):
//! it counts what enters, what it hands out, what is acknowledged or committed, and what a
//! crash of an in-memory broker destroys.

use crate::ledger::{Ledger, NO_ORIGIN};
use crate::msg::{CallTag, Msg, Outcome};
use crate::plan::{BrokerPlan, Dest, Plan};
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event, TimerId};
use sim_core::time::{SimDuration, SimTime};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

/// Marks a log poll in `Msg::WaitExpired::source`.
pub const LOG_WAITER: u16 = 1 << 15;

#[derive(Clone, Copy, Debug)]
struct Entry {
    origin: u32,
    deliveries: u32,
    /// When it entered the queue (for its trace).
    since: SimTime,
}

#[derive(Clone, Copy, Debug)]
struct Waiter {
    id: u32,
    node: NodeId,
    tag: CallTag,
    timer: TimerId,
    /// Records wanted (log polls).
    max: u16,
}

#[derive(Debug, Default)]
struct QueueState {
    ready: VecDeque<Entry>,
    unacked: BTreeMap<u32, (Entry, TimerId)>,
    waiters: VecDeque<Waiter>,
    blocked: VecDeque<(NodeId, CallTag, u32)>,
    next_delivery: u32,
}

#[derive(Debug, Default)]
struct GroupPartition {
    /// Next offset to hand out.
    next: u64,
    /// Everything below is committed.
    committed: u64,
    /// Everything below has been processed at least once.
    processed_upto: u64,
}

#[derive(Debug)]
struct Member {
    node: NodeId,
    index: u16,
    last_poll: SimTime,
}

#[derive(Debug, Default)]
struct GroupState {
    /// Sorted by (node, loop index), always.
    members: Vec<Member>,
    /// Every member's last poll, oldest first: the session expiry looks at the front only,
    /// so a poll costs O(log members), not O(members).
    polls: BTreeSet<(SimTime, NodeId, u16)>,
    /// Owner (index in `members`) of each partition.
    owner: Vec<Option<usize>>,
    /// Partitions of each member, and where its next poll starts looking.
    owned: Vec<Vec<usize>>,
    cursor: Vec<usize>,
    partitions: Vec<GroupPartition>,
    /// The poll each member has waiting, if any.
    waiting: Vec<Option<Waiter>>,
}

#[derive(Debug, Default)]
struct LogState {
    /// Per partition: retained records (their origins) and the offset of the first.
    records: Vec<(VecDeque<u32>, u64)>,
    /// Records retained over every partition (at most the log's capacity).
    held: u64,
    groups: Vec<GroupState>,
}

/// A broker node.
pub struct BrokerNode {
    plan: Rc<Plan>,
    index: usize,
    queues: Vec<QueueState>,
    logs: Vec<LogState>,
    next_waiter: u32,
}

impl BrokerNode {
    /// Broker `index` of `plan`.
    pub fn new(plan: Rc<Plan>, index: usize) -> BrokerNode {
        let mut b = BrokerNode {
            plan,
            index,
            queues: Vec::new(),
            logs: Vec::new(),
            next_waiter: 0,
        };
        b.clear();
        b
    }

    fn spec(&self) -> &BrokerPlan {
        &self.plan.brokers[self.index]
    }

    fn clear(&mut self) {
        let plan = Rc::clone(&self.plan);
        let spec = &plan.brokers[self.index];
        self.queues = spec.queues.iter().map(|_| QueueState::default()).collect();
        self.logs = spec
            .logs
            .iter()
            .map(|l| LogState {
                records: vec![(VecDeque::new(), 0); l.partitions as usize],
                held: 0,
                groups: l
                    .groups
                    .iter()
                    .map(|_| GroupState {
                        owner: vec![None; l.partitions as usize],
                        partitions: (0..l.partitions)
                            .map(|_| GroupPartition::default())
                            .collect(),
                        ..GroupState::default()
                    })
                    .collect(),
            })
            .collect();
    }

    fn held(&self, q: usize) -> u64 {
        (self.queues[q].ready.len() + self.queues[q].unacked.len()) as u64
    }

    fn reply(ctx: &mut Cx, to: NodeId, tag: CallTag, outcome: Outcome) {
        // Every sender is a node of this design: sending cannot fail.
        ctx.send(to, Msg::Reply { tag, outcome });
    }

    // ------------------------------------------------------------------ queues

    /// Puts a copy into queue `q` if there is room; `false` when full.
    fn enqueue(&mut self, q: usize, origin: u32, ctx: &mut Cx) -> bool {
        if self.spec().queues[q]
            .capacity
            .is_some_and(|c| self.held(q) >= c)
        {
            return false;
        }
        let stats = &mut ctx.world().messages;
        stats.entered += 1;
        stats.queued += 1;
        let since = ctx.now();
        self.queues[q].ready.push_back(Entry {
            origin,
            deliveries: 0,
            since,
        });
        self.serve_waiters(q, ctx);
        true
    }

    fn on_publish(&mut self, from: NodeId, tag: CallTag, dest: u16, origin: u32, ctx: &mut Cx) {
        let cause_full = self.spec().cause_full;
        match Dest::unpack(dest) {
            Dest::Queue(q) => {
                let q = usize::from(q);
                if q >= self.queues.len() {
                    return;
                }
                let origin = ctx.world().acquire(origin);
                if self.enqueue(q, origin, ctx) {
                    Self::reply(ctx, from, tag, Outcome::Ok);
                } else {
                    ctx.world().release(origin);
                    if self.spec().queues[q].block_when_full {
                        self.queues[q].blocked.push_back((from, tag, origin));
                    } else {
                        Self::reply(ctx, from, tag, Outcome::Rejected(cause_full));
                    }
                }
            }
            Dest::Topic(t) => {
                let plan = Rc::clone(&self.plan);
                let Some(subscribers) = plan.brokers[self.index].topics.get(usize::from(t)) else {
                    return;
                };
                for &q in subscribers {
                    let origin = ctx.world().acquire(origin);
                    if !self.enqueue(usize::from(q), origin, ctx) {
                        // The publisher was told yes: a copy that finds no room is lost.
                        let stats = &mut ctx.world().messages;
                        stats.entered += 1;
                        stats.lost_overflow += 1;
                        ctx.world().release(origin);
                    }
                }
                Self::reply(ctx, from, tag, Outcome::Ok);
            }
            Dest::Log(l) => {
                let l = usize::from(l);
                if l >= self.logs.len() {
                    return;
                }
                // A full log refuses the record, like a queue that rejects when full.
                if self.logs[l].held >= self.spec().logs[l].capacity {
                    Self::reply(ctx, from, tag, Outcome::Rejected(cause_full));
                    return;
                }
                self.append(l, origin, ctx);
                Self::reply(ctx, from, tag, Outcome::Ok);
            }
        }
    }

    fn serve_waiters(&mut self, q: usize, ctx: &mut Cx) {
        while !self.queues[q].ready.is_empty() {
            let Some(w) = self.queues[q].waiters.pop_front() else {
                return;
            };
            ctx.cancel_timer(w.timer);
            // A consumer process that died reset its connection: the broker drops its
            // blocked fetch instead of handing it a message (what Redis does on a reset).
            if ctx.is_up(w.node) {
                self.deliver(q, w.node, w.tag, ctx);
            }
        }
    }

    /// Hands the first ready message of `q` to `node` (there is one).
    fn deliver(&mut self, q: usize, node: NodeId, tag: CallTag, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        let spec = &plan.brokers[self.index].queues[q];
        let Some(mut entry) = self.queues[q].ready.pop_front() else {
            return;
        };
        ctx.world().messages.queued -= 1;
        let (now, me, index) = (ctx.now(), ctx.me(), self.index as u16);
        if let Some(t) = ctx.world().trace() {
            let n = entry.deliveries.saturating_add(1).min(u32::from(u16::MAX)) as u16;
            t.in_queue(entry.origin, me, entry.since, now, index, q as u16, n);
        }
        if !spec.ack {
            ctx.world().hand_to(node.index());
            ctx.send(
                node,
                Msg::Delivered {
                    tag,
                    delivery: 0,
                    origin: entry.origin,
                },
            );
            self.unblock(q, ctx);
            return;
        }
        if spec.max_deliveries.is_some_and(|m| entry.deliveries >= m) {
            self.dead_letter(q, entry, ctx);
            // Try the next message for this consumer.
            if self.queues[q].ready.is_empty() {
                ctx.send(node, Msg::Empty { tag });
            } else {
                self.deliver(q, node, tag, ctx);
            }
            return;
        }
        entry.deliveries += 1;
        let qs = &mut self.queues[q];
        qs.next_delivery = qs.next_delivery.wrapping_add(1).max(1);
        let delivery = qs.next_delivery;
        let timer = ctx.set_timer(
            spec.visibility,
            Msg::Visibility {
                queue: q as u16,
                delivery,
            },
        );
        self.queues[q].unacked.insert(delivery, (entry, timer));
        ctx.world().messages.unacked += 1;
        ctx.send(
            node,
            Msg::Delivered {
                tag,
                delivery,
                origin: entry.origin,
            },
        );
    }

    fn dead_letter(&mut self, q: usize, entry: Entry, ctx: &mut Cx) {
        ctx.world().messages.dead_lettered += 1;
        match self.spec().queues[q].dead_letter {
            Some(dlq) if usize::from(dlq) != q => {
                if !self.enqueue(usize::from(dlq), entry.origin, ctx) {
                    let stats = &mut ctx.world().messages;
                    stats.entered += 1;
                    stats.lost_overflow += 1;
                    ctx.world().release(entry.origin);
                }
            }
            _ => ctx.world().release(entry.origin),
        }
        self.unblock(q, ctx);
    }

    /// Room freed in `q`: let a blocked producer in.
    fn unblock(&mut self, q: usize, ctx: &mut Cx) {
        if let Some((node, tag, origin)) = self.queues[q].blocked.pop_front() {
            let held = ctx.world().acquire(origin);
            if self.enqueue(q, held, ctx) {
                Self::reply(ctx, node, tag, Outcome::Ok);
            } else {
                ctx.world().release(held);
                self.queues[q].blocked.push_front((node, tag, origin));
            }
        }
    }

    fn on_fetch(&mut self, from: NodeId, tag: CallTag, q: usize, block_ms: u32, ctx: &mut Cx) {
        if q >= self.queues.len() {
            return;
        }
        if !self.queues[q].ready.is_empty() {
            return self.deliver(q, from, tag, ctx);
        }
        let id = self.next_waiter;
        self.next_waiter = self.next_waiter.wrapping_add(1);
        let timer = ctx.set_timer(
            SimDuration::from_millis(u64::from(block_ms)),
            Msg::WaitExpired {
                source: q as u16,
                waiter: id,
            },
        );
        self.queues[q].waiters.push_back(Waiter {
            id,
            node: from,
            tag,
            timer,
            max: 1,
        });
    }

    fn on_ack(&mut self, q: usize, delivery: u32, ctx: &mut Cx) {
        let Some(qs) = self.queues.get_mut(q) else {
            return;
        };
        match qs.unacked.remove(&delivery) {
            Some((entry, timer)) => {
                ctx.cancel_timer(timer);
                let now = ctx.now();
                let w = ctx.world();
                w.messages.unacked -= 1;
                w.processed(now, 1);
                w.completed(now, entry.origin);
                self.unblock(q, ctx);
            }
            // The delivery had expired and the message went back to the queue: this
            // processing did not count, and the message will be processed again.
            None => ctx.world().messages.duplicates += 1,
        }
    }

    fn on_visibility(&mut self, q: usize, delivery: u32, ctx: &mut Cx) {
        if let Some((entry, _)) = self
            .queues
            .get_mut(q)
            .and_then(|qs| qs.unacked.remove(&delivery))
        {
            let stats = &mut ctx.world().messages;
            stats.unacked -= 1;
            stats.queued += 1;
            self.queues[q].ready.push_front(entry);
            self.serve_waiters(q, ctx);
        }
    }

    // ------------------------------------------------------------------ logs

    fn append(&mut self, l: usize, origin: u32, ctx: &mut Cx) {
        let partitions = self.logs[l].records.len() as u64;
        let p = ctx.rng().below(partitions.max(1)) as usize;
        let groups = self.logs[l].groups.len();
        // A request freed before its record arrived: the record holds no origin.
        let origin = if ctx.world().is_live(origin) {
            origin
        } else {
            NO_ORIGIN
        };
        self.logs[l].records[p].0.push_back(origin);
        self.logs[l].held += 1;
        let w = ctx.world();
        w.log_records += 1;
        w.messages.entered += groups as u64;
        w.messages.log_pending += groups as u64;
        // Each group's copy holds a reference to the origin (the record itself holds none).
        for _ in 0..groups {
            w.acquire(origin);
        }
        for g in 0..groups {
            let Some(m) = self.logs[l].groups[g].owner[p] else {
                continue;
            };
            if let Some(w) = self.logs[l].groups[g]
                .waiting
                .get_mut(m)
                .and_then(Option::take)
            {
                ctx.cancel_timer(w.timer);
                match self.next_record(l, g, m, w.max) {
                    Some((p, offset, count)) => {
                        self.send_records(w.node, w.tag, p, offset, count, ctx)
                    }
                    None => self.logs[l].groups[g].waiting[m] = Some(w),
                }
            }
        }
    }

    fn end_offset(&self, l: usize, p: usize) -> u64 {
        let (records, base) = &self.logs[l].records[p];
        base + records.len() as u64
    }

    fn record_origin(&self, l: usize, p: usize, offset: u64) -> u32 {
        let (records, base) = &self.logs[l].records[p];
        offset
            .checked_sub(*base)
            .and_then(|i| records.get(i as usize))
            .copied()
            .unwrap_or(NO_ORIGIN)
    }

    /// Expels members silent for longer than the session timeout, then, if anything
    /// changed, reassigns partitions round-robin over the members (sorted by node and loop):
    /// new owners start from the committed offsets, so uncommitted work is done again.
    fn refresh_group(&mut self, l: usize, g: usize, now: SimTime, mut changed: bool, ctx: &mut Cx) {
        let timeout = self.spec().logs[l].session_timeout;
        let group = &mut self.logs[l].groups[g];
        // The members silent for longer than the session timeout are the oldest polls.
        while let Some(&(last, node, index)) = group.polls.first() {
            if now.saturating_since(last) <= timeout {
                break;
            }
            group.polls.pop_first();
            if let Ok(i) = group
                .members
                .binary_search_by_key(&(node, index), |m| (m.node, m.index))
            {
                group.members.remove(i);
                changed = true;
            }
        }
        if !changed {
            return;
        }
        // Waiting polls are answered empty; their consumers poll again under the new plan.
        for w in group.waiting.drain(..).flatten() {
            ctx.cancel_timer(w.timer);
            ctx.send(w.node, Msg::Empty { tag: w.tag });
        }
        group.members.sort_by_key(|m| (m.node, m.index));
        let n = group.members.len();
        group.waiting = vec![None; n];
        group.owned = vec![Vec::new(); n];
        group.cursor = vec![0; n];
        for (p, owner) in group.owner.iter_mut().enumerate() {
            *owner = (n > 0).then_some(p % n.max(1));
            if let Some(m) = *owner {
                group.owned[m].push(p);
            }
            group.partitions[p].next = group.partitions[p].committed;
        }
    }

    fn member_index(
        &mut self,
        l: usize,
        g: usize,
        node: NodeId,
        index: u16,
        ctx: &mut Cx,
    ) -> usize {
        let now = ctx.now();
        let find = |group: &GroupState| {
            group
                .members
                .binary_search_by_key(&(node, index), |m| (m.node, m.index))
        };
        let group = &mut self.logs[l].groups[g];
        match find(group) {
            Ok(i) => {
                let member = &mut group.members[i];
                group.polls.remove(&(member.last_poll, node, index));
                member.last_poll = now;
                group.polls.insert((now, node, index));
                self.refresh_group(l, g, now, false, ctx);
            }
            Err(at) => {
                group.members.insert(
                    at,
                    Member {
                        node,
                        index,
                        last_poll: now,
                    },
                );
                group.polls.insert((now, node, index));
                self.refresh_group(l, g, now, true, ctx);
            }
        }
        find(&self.logs[l].groups[g]).unwrap_or(0)
    }

    /// The next records (at most `max`) for member `m`: (partition, first offset, count).
    fn next_record(&mut self, l: usize, g: usize, m: usize, max: u16) -> Option<(usize, u64, u16)> {
        let owned = self.logs[l].groups[g].owned.get(m)?.len();
        for k in 0..owned {
            let group = &self.logs[l].groups[g];
            let i = (group.cursor[m] + k) % owned;
            let p = group.owned[m][i];
            let next = group.partitions[p].next;
            let end = self.end_offset(l, p);
            if next < end {
                let count = (end - next).min(u64::from(max.max(1))) as u16;
                let group = &mut self.logs[l].groups[g];
                group.partitions[p].next = next + u64::from(count);
                group.cursor[m] = i + 1;
                return Some((p, next, count));
            }
        }
        None
    }

    fn send_records(
        &self,
        node: NodeId,
        tag: CallTag,
        p: usize,
        offset: u64,
        count: u16,
        ctx: &mut Cx,
    ) {
        ctx.send(
            node,
            Msg::Record {
                tag,
                partition: p as u16,
                offset: offset as u32,
                count,
            },
        );
    }

    fn on_poll(
        &mut self,
        from: NodeId,
        tag: CallTag,
        l: usize,
        g: usize,
        block_ms: u32,
        max: u16,
        ctx: &mut Cx,
    ) {
        if l >= self.logs.len() || g >= self.logs[l].groups.len() {
            return;
        }
        if tag.attempt == 1 {
            // A consumer that (re)started: whatever its previous incarnation was handed and
            // did not commit must be handed out again.
            let group = &mut self.logs[l].groups[g];
            if let Ok(i) = group
                .members
                .binary_search_by_key(&(from, tag.sub), |m| (m.node, m.index))
            {
                let gone = group.members.remove(i);
                group.polls.remove(&(gone.last_poll, from, tag.sub));
            }
            let now = ctx.now();
            self.refresh_group(l, g, now, true, ctx);
        }
        let m = self.member_index(l, g, from, tag.sub, ctx);
        if let Some((p, offset, count)) = self.next_record(l, g, m, max) {
            return self.send_records(from, tag, p, offset, count, ctx);
        }
        let id = self.next_waiter;
        self.next_waiter = self.next_waiter.wrapping_add(1);
        let timer = ctx.set_timer(
            SimDuration::from_millis(u64::from(block_ms)),
            Msg::WaitExpired {
                source: LOG_WAITER | l as u16,
                waiter: id,
            },
        );
        let waiter = Waiter {
            id,
            node: from,
            tag,
            timer,
            max,
        };
        if let Some(slot) = self.logs[l].groups[g].waiting.get_mut(m) {
            if let Some(old) = slot.replace(waiter) {
                ctx.cancel_timer(old.timer);
            }
        }
    }

    fn on_commit(
        &mut self,
        l: usize,
        g: usize,
        p: usize,
        offset: u64,
        count: u16,
        failed: u16,
        ctx: &mut Cx,
    ) {
        if l >= self.logs.len() || g >= self.logs[l].groups.len() || p >= self.logs[l].records.len()
        {
            return;
        }
        let now = ctx.now();
        let first = (offset + 1).saturating_sub(u64::from(count.max(1)));
        if offset >= self.end_offset(l, p) {
            return; // a commit for records lost with an earlier incarnation of the broker
        }
        let gp = &mut self.logs[l].groups[g].partitions[p];
        gp.committed = gp.committed.max(offset + 1);
        let done_before = gp.processed_upto;
        if offset < done_before {
            ctx.world().messages.duplicates += offset + 1 - first;
            return;
        }
        // Records are processed in order within a partition: everything up to `offset` is
        // now processed; the part of the batch below `done_before` was processed before.
        gp.processed_upto = offset + 1;
        let newly = offset + 1 - done_before;
        ctx.world().messages.duplicates += done_before.saturating_sub(first);
        ctx.world().messages.log_pending -= newly;
        let failed = u64::from(failed).min(newly);
        ctx.world().processed(now, newly - failed);
        ctx.world().messages.failed += failed;
        for o in done_before..=offset {
            let origin = self.record_origin(l, p, o);
            if origin != NO_ORIGIN {
                ctx.world().completed(now, origin);
            }
        }
        self.truncate(l, p, ctx);
    }

    /// Drops records every group has processed, beyond the retention window.
    fn truncate(&mut self, l: usize, p: usize, ctx: &mut Cx) {
        let retention = self.spec().logs[l].retention;
        let slowest = self.logs[l]
            .groups
            .iter()
            .map(|g| g.partitions[p].processed_upto)
            .min()
            .unwrap_or(0);
        let keep_from = slowest.saturating_sub(retention);
        let (records, base) = &mut self.logs[l].records[p];
        let before = records.len();
        while *base < keep_from && !records.is_empty() {
            records.pop_front();
            *base += 1;
        }
        let dropped = (before - records.len()) as u64;
        self.logs[l].held -= dropped;
        ctx.world().log_records -= dropped;
    }

    fn on_wait_expired(&mut self, source: u16, waiter: u32, ctx: &mut Cx) {
        if source & LOG_WAITER != 0 {
            let l = usize::from(source & !LOG_WAITER);
            if let Some(log) = self.logs.get_mut(l) {
                for g in &mut log.groups {
                    for slot in &mut g.waiting {
                        if slot.is_some_and(|w| w.id == waiter) {
                            if let Some(w) = slot.take() {
                                ctx.send(w.node, Msg::Empty { tag: w.tag });
                            }
                            return;
                        }
                    }
                }
            }
        } else if let Some(qs) = self.queues.get_mut(usize::from(source)) {
            if let Some(i) = qs.waiters.iter().position(|w| w.id == waiter) {
                if let Some(w) = qs.waiters.remove(i) {
                    ctx.send(w.node, Msg::Empty { tag: w.tag });
                }
            }
        }
    }
}

impl Component<Msg, Ledger> for BrokerNode {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Message { from, msg } => match msg {
                Msg::Publish { tag, dest, origin } => self.on_publish(from, tag, dest, origin, ctx),
                Msg::Fetch {
                    tag,
                    queue,
                    block_ms,
                } => self.on_fetch(from, tag, usize::from(queue), block_ms, ctx),
                Msg::Ack { queue, delivery } => self.on_ack(usize::from(queue), delivery, ctx),
                Msg::Poll {
                    tag,
                    log,
                    group,
                    block_ms,
                    max,
                } => self.on_poll(
                    from,
                    tag,
                    usize::from(log),
                    usize::from(group),
                    block_ms,
                    max,
                    ctx,
                ),
                Msg::Commit {
                    log,
                    group,
                    partition,
                    offset,
                    count,
                    failed,
                } => self.on_commit(
                    usize::from(log),
                    usize::from(group),
                    usize::from(partition),
                    u64::from(offset),
                    count,
                    failed,
                    ctx,
                ),
                _ => {}
            },
            Event::Timer(Msg::Visibility { queue, delivery }) => {
                self.on_visibility(usize::from(queue), delivery, ctx)
            }
            Event::Timer(Msg::WaitExpired { source, waiter }) => {
                self.on_wait_expired(source, waiter, ctx)
            }
            _ => {}
        }
    }

    fn on_crash(&mut self, ledger: &mut Ledger) {
        // Connections die with the process: waiting consumers and blocked producers are
        // forgotten (they time out on their side), and so are group memberships.
        for q in &mut self.queues {
            q.waiters.clear();
            for (_, _, origin) in q.blocked.drain(..) {
                let _ = origin;
            }
        }
        let durable = self.plan.brokers[self.index].durable;
        if durable {
            // On disk: unacknowledged messages become ready again at restart (their late
            // acknowledgements will count as duplicates).
            let stats = &mut ledger.messages;
            for q in &mut self.queues {
                let unacked = std::mem::take(&mut q.unacked);
                for (_, (entry, _)) in unacked.into_iter().rev() {
                    stats.unacked -= 1;
                    stats.queued += 1;
                    q.ready.push_front(entry);
                }
            }
            for log in &mut self.logs {
                for g in &mut log.groups {
                    g.members.clear();
                    g.polls.clear();
                    g.waiting.clear();
                    g.owned.clear();
                    g.cursor.clear();
                    g.owner.iter_mut().for_each(|o| *o = None);
                    for p in &mut g.partitions {
                        p.next = p.committed;
                    }
                }
            }
            return;
        }
        let mut origins = Vec::new();
        let stats = &mut ledger.messages;
        for q in &self.queues {
            stats.queued -= q.ready.len() as u64;
            stats.unacked -= q.unacked.len() as u64;
            stats.lost_broker_crash += (q.ready.len() + q.unacked.len()) as u64;
            origins.extend(q.ready.iter().map(|e| e.origin));
            origins.extend(q.unacked.values().map(|(e, _)| e.origin));
        }
        for log in &self.logs {
            for g in &log.groups {
                for (p, gp) in g.partitions.iter().enumerate() {
                    let (records, base) = &log.records[p];
                    let end = base + records.len() as u64;
                    let pending = end.saturating_sub(gp.processed_upto);
                    stats.log_pending -= pending;
                    stats.lost_broker_crash += pending;
                    for offset in gp.processed_upto.max(*base)..end {
                        origins.push(records[(offset - base) as usize]);
                    }
                }
            }
        }
        for o in origins {
            ledger.release(o);
        }
        ledger.log_records -= self.logs.iter().map(|log| log.held).sum::<u64>();
        // Offsets keep counting after the loss, so that a commit still in flight for a
        // record that died with the broker can never be taken for a new record.
        let ends: Vec<Vec<u64>> = self
            .logs
            .iter()
            .map(|log| {
                log.records
                    .iter()
                    .map(|(r, base)| base + r.len() as u64)
                    .collect()
            })
            .collect();
        self.clear();
        for (log, ends) in self.logs.iter_mut().zip(ends) {
            for (p, end) in ends.into_iter().enumerate() {
                log.records[p].1 = end;
                for g in &mut log.groups {
                    let gp = &mut g.partitions[p];
                    gp.next = end;
                    gp.committed = end;
                    gp.processed_upto = end;
                }
            }
        }
    }
}
