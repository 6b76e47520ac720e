//! A replica of a replicated store, and its part of each protocol.
//!
//! - **`cp`**: the coordinator (a service execution) does everything: it writes to and reads
//!   from a majority, and a replica keeps the version with the newest timestamp.
//! - **Every other protocol**: one *coordinating* replica accepts each write (the primary,
//!   or the coordinator's nearest replica): it stamps the write (timestamp from its own
//!   clock, version vector superseding what it holds), ships it to its peers after the
//!   store's replication delay, and acknowledges it once `write_acks` replicas have it. A
//!   peer keeps what neither version supersedes and reconciles concurrent versions by the
//!   store's `conflicts` rule (see `store_ledger`). Anti-entropy resends every version held,
//!   so replicas that missed updates (a partition, a crash before shipping) converge.
//! - **Failover** (primary/backup, optional): the primary sends heartbeats; a backup that
//!   hears none for the detection time elects itself primary of a new epoch; a replica that
//!   hears of a newer epoch follows it (and a primary steps down). A replica that is not the
//!   primary redirects what is meant for the primary.
//!
//! The data (the versions held per key) is on the replica's disk in the ledger, so it
//! survives a crash; answers, writes waiting for acknowledgements and writes not shipped yet
//! are lost with the process (a primary's unshipped writes are how asynchronous replication
//! loses acknowledged writes).

use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg, Outcome};
use crate::outbox::Outbox;
use crate::plan::{Plan, StorePlan};
use crate::scenario::Protocol;
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event};
use sim_core::time::{SimDuration, SimTime};
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

/// A write the coordinating replica holds until enough peers have acknowledged it.
#[derive(Debug)]
struct AckWait {
    generation: u32,
    live: bool,
    coordinator: NodeId,
    tag: CallTag,
    /// The write waited on.
    write: u32,
    /// Peer acknowledgements still needed.
    missing: u32,
    /// Peers that acknowledged (bit i: replica i).
    acked: u32,
}

/// A write waiting for the replication delay before it is shipped.
#[derive(Clone, Copy, Debug)]
struct Ship {
    write: u32,
    /// The acknowledgement wait it belongs to, if the coordinator waits for peers.
    wait: Option<(u32, u32)>,
}

/// One replica.
pub struct ReplicaNode {
    plan: Rc<Plan>,
    store: usize,
    index: usize,
    outbox: Outbox,
    waits: Vec<AckWait>,
    free_waits: Vec<u32>,
    ships: Vec<Option<Ship>>,
    free_ships: Vec<u32>,
    /// Failover: the epoch this replica knows of (durable) and its primary.
    epoch: u32,
    primary: usize,
    last_heard: SimTime,
}

impl ReplicaNode {
    /// Replica `index` of store `store` of `plan`.
    pub fn new(plan: Rc<Plan>, store: usize, index: usize) -> ReplicaNode {
        ReplicaNode {
            plan,
            store,
            index,
            outbox: Outbox::default(),
            waits: Vec::new(),
            free_waits: Vec::new(),
            ships: Vec::new(),
            free_ships: Vec::new(),
            epoch: 0,
            primary: 0,
            last_heard: SimTime::ZERO,
        }
    }

    fn spec(&self) -> &StorePlan {
        &self.plan.stores[self.store]
    }

    fn peers(&self) -> impl Iterator<Item = (usize, NodeId)> + '_ {
        let me = self.index;
        self.spec()
            .replicas
            .iter()
            .copied()
            .enumerate()
            .filter(move |(i, _)| *i != me)
    }

    /// Answers `to` once this replica's work time for the operation has passed.
    fn answer(&mut self, to: NodeId, msg: Msg, ctx: &mut Cx) {
        let plan = Rc::clone(&self.plan);
        self.outbox
            .answer(to, msg, &plan.stores[self.store].op_ms, ctx);
    }

    fn ok(&mut self, to: NodeId, tag: CallTag, ctx: &mut Cx) {
        let reply = Msg::Reply {
            tag,
            outcome: Outcome::Ok,
        };
        self.answer(to, reply, ctx);
    }

    fn apply(&mut self, write: u32, ctx: &mut Cx) {
        let (store, index, siblings) = (self.store, self.index, self.spec().siblings);
        let now = ctx.now();
        ctx.world().stores[store].apply(index, write, siblings, now);
    }

    /// This replica refuses operations meant for the primary (it knows another one).
    fn redirects(&self) -> bool {
        self.spec().failover.is_some() && self.primary != self.index
    }

    fn on_write(&mut self, from: NodeId, tag: CallTag, write: u32, coordinate: bool, ctx: &mut Cx) {
        if !coordinate {
            // `cp`: the coordinator writes to a majority itself.
            self.apply(write, ctx);
            return self.ok(from, tag, ctx);
        }
        if self.spec().protocol.has_primary() && self.redirects() {
            let primary = self.primary as u16;
            return self.answer(from, Msg::StoreRedirect { tag, primary }, ctx);
        }
        if ctx.world().stores[self.store].is_stamped(write) {
            // A copy of a write this replica coordinates and still waits on peers for (the
            // network duplicated the message, or the coordinator retried it here): the
            // answer waits for the acknowledgements too, and goes to the latest request.
            // Answering at once acknowledged a write before its quorum had it.
            if let Some(w) = self.waits.iter_mut().find(|w| w.live && w.write == write) {
                w.coordinator = from;
                w.tag = tag;
                return;
            }
            // The coordinator retried a write a replica accepted already.
            self.apply(write, ctx);
            return self.ok(from, tag, ctx);
        }
        // Last writer wins on (clock, replica): skewed clocks reorder writes.
        let ts = ctx.local_time().as_nanos().saturating_mul(4096) + (self.index % 4096) as u64 + 1;
        let (store, index, now) = (self.store, self.index, ctx.now());
        ctx.world().stores[store].stamp(write, index, ts, now);
        let missing = self.spec().write_acks.saturating_sub(1);
        let wait = if missing == 0 {
            self.ok(from, tag, ctx);
            None
        } else {
            Some(self.wait_for_acks(from, tag, write, missing, ctx))
        };
        self.ship(Ship { write, wait }, ctx);
    }

    fn wait_for_acks(
        &mut self,
        from: NodeId,
        tag: CallTag,
        write: u32,
        missing: u32,
        ctx: &mut Cx,
    ) -> (u32, u32) {
        let slot = match self.free_waits.pop() {
            Some(s) => s,
            None => {
                self.waits.push(AckWait {
                    generation: 0,
                    live: false,
                    coordinator: from,
                    tag,
                    write,
                    missing: 0,
                    acked: 0,
                });
                (self.waits.len() - 1) as u32
            }
        };
        let w = &mut self.waits[slot as usize];
        w.generation = w.generation.wrapping_add(1);
        w.live = true;
        w.coordinator = from;
        w.tag = tag;
        w.write = write;
        w.missing = missing;
        w.acked = 0;
        let generation = w.generation;
        // Half the coordinator's timeout, so the coordinator hears "not replicated" from a
        // live primary before it would take the silence for the primary's death.
        let wait = SimDuration::from_nanos(self.spec().timeout.as_nanos() / 2);
        ctx.set_timer(wait, Msg::AcksExpired { slot, generation });
        (slot, generation)
    }

    /// Ships a write to the peers now, or after the replication delay.
    fn ship(&mut self, ship: Ship, ctx: &mut Cx) {
        let delay = self
            .spec()
            .replication_delay_ms
            .sample_duration_ms(ctx.rng());
        if delay.as_nanos() == 0 {
            return self.ship_now(ship, ctx);
        }
        let slot = match self.free_ships.pop() {
            Some(s) => {
                self.ships[s as usize] = Some(ship);
                s
            }
            None => {
                self.ships.push(Some(ship));
                (self.ships.len() - 1) as u32
            }
        };
        ctx.set_timer(delay, Msg::ShipDue { slot });
    }

    fn ship_now(&mut self, ship: Ship, ctx: &mut Cx) {
        let peers: Vec<(usize, NodeId)> = self.peers().collect();
        for (i, peer) in peers {
            let msg = match ship.wait {
                Some((slot, generation)) => Msg::StoreReplicate {
                    tag: CallTag {
                        exec: slot,
                        generation,
                        sub: i as u16,
                        attempt: 0,
                    },
                    write: ship.write,
                },
                None => Msg::StorePropagate { write: ship.write },
            };
            ctx.send(peer, msg);
        }
    }

    fn on_peer_ack(&mut self, tag: CallTag, ctx: &mut Cx) {
        let Some(w) = self.waits.get_mut(tag.exec as usize) else {
            return;
        };
        let bit = 1u32 << (tag.sub % 32);
        if !w.live || w.generation != tag.generation || w.acked & bit != 0 {
            return;
        }
        w.acked |= bit;
        w.missing -= 1;
        if w.missing == 0 {
            w.live = false;
            let (to, t) = (w.coordinator, w.tag);
            self.free_waits.push(tag.exec);
            self.ok(to, t, ctx);
        }
    }

    /// The peers did not acknowledge a write in time: the write stays applied here (its
    /// outcome is unknown to the client), and the coordinator hears an error at once
    /// rather than timing out, so it does not take a live primary for a dead one.
    fn acks_expired(&mut self, slot: u32, generation: u32, ctx: &mut Cx) {
        let Some(w) = self.waits.get_mut(slot as usize) else {
            return;
        };
        if !w.live || w.generation != generation {
            return;
        }
        w.live = false;
        let (to, tag) = (w.coordinator, w.tag);
        self.free_waits.push(slot);
        let outcome = Outcome::Error(self.spec().cause_unreplicated);
        self.answer(to, Msg::Reply { tag, outcome }, ctx);
    }

    fn on_read(&mut self, from: NodeId, tag: CallTag, key: u32, ctx: &mut Cx) {
        let spec = self.spec();
        if spec.protocol == Protocol::PrimaryBackupSync && self.redirects() {
            let primary = self.primary as u16;
            return self.answer(from, Msg::StoreRedirect { tag, primary }, ctx);
        }
        let ledger = &ctx.world().stores[self.store];
        let (mut write, siblings) = ledger.newest(self.index, key);
        if spec.protocol == Protocol::PrimaryBackupSync {
            // A synchronous primary shows a write once every backup has it: a write it still
            // waits on acknowledgements for would die with it if it crashed now, and a read
            // that saw it would be followed by reads that do not (the new primary never had
            // it). Such a write's reads see the version it replaced.
            while write != 0 && self.waits.iter().any(|w| w.live && w.write == write) {
                write = ledger.replaced(write);
            }
        }
        self.answer(
            from,
            Msg::StoreValue {
                tag,
                write,
                siblings,
            },
            ctx,
        );
    }

    fn arm(&self, ctx: &mut Cx) {
        let spec = self.spec();
        if spec.protocol != Protocol::Cp {
            ctx.set_timer(spec.anti_entropy, Msg::AntiEntropy);
        }
        if let Some((_, heartbeat)) = spec.failover {
            ctx.set_timer(heartbeat, Msg::ReplicaTick);
        }
    }

    fn anti_entropy(&mut self, ctx: &mut Cx) {
        let held = ctx.world().stores[self.store].held(self.index);
        let peers: Vec<NodeId> = self.peers().map(|(_, n)| n).collect();
        for write in held {
            for &peer in &peers {
                ctx.send(peer, Msg::StorePropagate { write });
            }
        }
        let period = self.spec().anti_entropy;
        ctx.set_timer(period, Msg::AntiEntropy);
    }

    /// Primary: heartbeats. Backup: elect itself when the primary has been silent too long.
    fn tick(&mut self, ctx: &mut Cx) {
        let Some((detection, heartbeat)) = self.spec().failover else {
            return;
        };
        if self.primary == self.index {
            self.heartbeat(ctx);
        } else {
            let n = self.spec().replicas.len();
            let rank = (self.index + n - self.primary - 1) % n;
            let patience = detection
                + SimDuration::from_nanos(heartbeat.as_nanos().saturating_mul(rank as u64));
            if ctx.now().saturating_since(self.last_heard.min(ctx.now())) >= patience {
                self.epoch += 1;
                self.primary = self.index;
                ctx.world().stores[self.store].failovers += 1;
                self.heartbeat(ctx);
            }
        }
        ctx.set_timer(heartbeat, Msg::ReplicaTick);
    }

    fn heartbeat(&self, ctx: &mut Cx) {
        let msg = Msg::Heartbeat {
            epoch: self.epoch,
            primary: self.index as u16,
        };
        for (_, peer) in self.peers() {
            ctx.send(peer, msg.clone());
        }
    }

    fn on_heartbeat(&mut self, epoch: u32, primary: usize, ctx: &mut Cx) {
        // A newer epoch wins; within an epoch (two sides elected at once), the lower index.
        let newer =
            (epoch, std::cmp::Reverse(primary)) >= (self.epoch, std::cmp::Reverse(self.primary));
        if newer {
            self.epoch = epoch;
            self.primary = primary;
            self.last_heard = ctx.now();
        }
    }
}

impl Component<Msg, Ledger> for ReplicaNode {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Init => self.arm(ctx),
            Event::Message { from, msg } => match msg {
                Msg::StoreWrite {
                    tag,
                    write,
                    forward,
                    ..
                } => self.on_write(from, tag, write, forward, ctx),
                Msg::StoreRead { tag, key } => self.on_read(from, tag, key, ctx),
                Msg::StorePropagate { write } => self.apply(write, ctx),
                Msg::StoreReplicate { tag, write } => {
                    self.apply(write, ctx);
                    self.ok(from, tag, ctx);
                }
                Msg::Reply { tag, .. } => self.on_peer_ack(tag, ctx),
                Msg::Heartbeat { epoch, primary } => {
                    self.on_heartbeat(epoch, usize::from(primary), ctx)
                }
                _ => {}
            },
            Event::Timer(msg) => match msg {
                Msg::WorkDone { slot } => self.outbox.done(slot, ctx),
                Msg::AntiEntropy => self.anti_entropy(ctx),
                Msg::ReplicaTick => self.tick(ctx),
                Msg::ShipDue { slot } => {
                    if let Some(ship) = self.ships.get_mut(slot as usize).and_then(Option::take) {
                        self.free_ships.push(slot);
                        self.ship_now(ship, ctx);
                    }
                }
                Msg::AcksExpired { slot, generation } => self.acks_expired(slot, generation, ctx),
                _ => {}
            },
        }
    }

    fn on_crash(&mut self, _ledger: &mut Ledger) {
        // The data is on disk; answers, acknowledgement waits and unshipped writes die with
        // the process. The epoch is on disk too, and so is the primary it believed in.
        self.outbox.clear();
        for w in &mut self.waits {
            w.live = false;
        }
        self.free_waits = (0..self.waits.len() as u32).rev().collect();
        self.ships.clear();
        self.free_ships.clear();
    }

    fn on_restart(&mut self, ctx: &mut Cx) {
        self.last_heard = ctx.now();
        self.arm(ctx);
    }
}
