//! A replica of a replicated store: a value (a write number) per key, last-writer-wins by
//! the writes' timestamps, and the replica's part of each protocol: forwarding writes to its
//! peers (multi-leader and primary/backup), waiting for backups (primary/backup sync), and
//! anti-entropy (resending every value periodically, so replicas that missed updates during
//! a partition converge after it heals).
//!
//! Replica data is durable: it survives a crash (what a crash loses is in-flight work).

use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg, Outcome};
use crate::plan::Plan;
use crate::scenario::Protocol;
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event};
use std::collections::BTreeMap;
use std::rc::Rc;

type Cx<'a> = Ctx<'a, Msg, Ledger>;

/// A write the primary holds until every backup has acknowledged it.
#[derive(Debug)]
struct SyncWrite {
    coordinator: NodeId,
    tag: CallTag,
    missing: u32,
}

/// One replica.
pub struct ReplicaNode {
    plan: Rc<Plan>,
    store: usize,
    index: usize,
    values: BTreeMap<u32, u32>,
    /// Answers waiting for the replica's work time.
    answers: Vec<Option<(NodeId, Msg)>>,
    free: Vec<u32>,
    sync_writes: Vec<Option<SyncWrite>>,
}

impl ReplicaNode {
    /// Replica `index` of store `store` of `plan`.
    pub fn new(plan: Rc<Plan>, store: usize, index: usize) -> ReplicaNode {
        ReplicaNode {
            plan,
            store,
            index,
            values: BTreeMap::new(),
            answers: Vec::new(),
            free: Vec::new(),
            sync_writes: Vec::new(),
        }
    }

    fn protocol(&self) -> Protocol {
        self.plan.stores[self.store].protocol
    }

    /// Applies `write` to `key` if it is newer (last writer wins).
    fn apply(&mut self, key: u32, write: u32, ctx: &mut Cx) {
        let ledger = &ctx.world().stores[self.store];
        let current = self.values.get(&key).copied().unwrap_or(0);
        if ledger.ts(write) > ledger.ts(current) {
            self.values.insert(key, write);
        }
    }

    /// Sends `msg` to `to` once this replica's work time for the operation has passed.
    fn answer(&mut self, to: NodeId, msg: Msg, ctx: &mut Cx) {
        let work = self.plan.stores[self.store]
            .op_ms
            .sample_duration(ctx.rng());
        let work = ctx.work(work);
        let slot = match self.free.pop() {
            Some(s) => {
                self.answers[s as usize] = Some((to, msg));
                s
            }
            None => {
                self.answers.push(Some((to, msg)));
                (self.answers.len() - 1) as u32
            }
        };
        ctx.set_timer(work, Msg::ReplicaDone { slot });
    }

    fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        let me = self.index;
        self.plan.stores[self.store]
            .replicas
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i != me)
            .map(|(_, n)| *n)
    }

    fn on_write(
        &mut self,
        from: NodeId,
        tag: CallTag,
        key: u32,
        write: u32,
        forward: bool,
        ctx: &mut Cx,
    ) {
        self.apply(key, write, ctx);
        let peers: Vec<NodeId> = self.peers().collect();
        if forward && self.protocol() == Protocol::PrimaryBackupSync && !peers.is_empty() {
            let slot = match self.sync_writes.iter().position(Option::is_none) {
                Some(s) => s,
                None => {
                    self.sync_writes.push(None);
                    self.sync_writes.len() - 1
                }
            };
            self.sync_writes[slot] = Some(SyncWrite {
                coordinator: from,
                tag,
                missing: peers.len() as u32,
            });
            for (i, peer) in peers.into_iter().enumerate() {
                let t = CallTag {
                    exec: slot as u32,
                    generation: 0,
                    sub: i as u16,
                    attempt: 0,
                };
                let _ = ctx.send(peer, Msg::StoreReplicate { tag: t, key, write });
            }
            return;
        }
        if forward {
            for peer in peers {
                let _ = ctx.send(peer, Msg::StorePropagate { key, write });
            }
        }
        self.answer(
            from,
            Msg::Reply {
                tag,
                outcome: Outcome::Ok,
            },
            ctx,
        );
    }

    fn on_backup_ack(&mut self, tag: CallTag, ctx: &mut Cx) {
        let Some(Some(w)) = self.sync_writes.get_mut(tag.exec as usize) else {
            return;
        };
        w.missing = w.missing.saturating_sub(1);
        if w.missing == 0 {
            let (to, t) = (w.coordinator, w.tag);
            self.sync_writes[tag.exec as usize] = None;
            self.answer(
                to,
                Msg::Reply {
                    tag: t,
                    outcome: Outcome::Ok,
                },
                ctx,
            );
        }
    }

    fn arm_anti_entropy(&self, ctx: &mut Cx) {
        if self.protocol() != Protocol::Cp {
            ctx.set_timer(self.plan.stores[self.store].anti_entropy, Msg::AntiEntropy);
        }
    }
}

impl Component<Msg, Ledger> for ReplicaNode {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Cx) {
        match event {
            Event::Init => self.arm_anti_entropy(ctx),
            Event::Message { from, msg } => match msg {
                Msg::StoreWrite {
                    tag,
                    key,
                    write,
                    forward,
                } => self.on_write(from, tag, key, write, forward, ctx),
                Msg::StoreRead { tag, key } => {
                    let write = self.values.get(&key).copied().unwrap_or(0);
                    self.answer(from, Msg::StoreValue { tag, write }, ctx);
                }
                Msg::StorePropagate { key, write } => self.apply(key, write, ctx),
                Msg::StoreReplicate { tag, key, write } => {
                    self.apply(key, write, ctx);
                    self.answer(
                        from,
                        Msg::Reply {
                            tag,
                            outcome: Outcome::Ok,
                        },
                        ctx,
                    );
                }
                Msg::Reply { tag, .. } => self.on_backup_ack(tag, ctx),
                _ => {}
            },
            Event::Timer(Msg::ReplicaDone { slot }) => {
                if let Some((to, msg)) = self.answers.get_mut(slot as usize).and_then(Option::take)
                {
                    self.free.push(slot);
                    let _ = ctx.send(to, msg);
                }
            }
            Event::Timer(Msg::AntiEntropy) => {
                let peers: Vec<NodeId> = self.peers().collect();
                for (&key, &write) in &self.values {
                    for &peer in &peers {
                        let _ = ctx.send(peer, Msg::StorePropagate { key, write });
                    }
                }
                self.arm_anti_entropy(ctx);
            }
            _ => {}
        }
    }

    fn on_crash(&mut self, _ledger: &mut Ledger) {
        // The data is on disk; answers and synchronous writes in progress die with the process.
        self.answers.clear();
        self.free.clear();
        self.sync_writes.clear();
    }

    fn on_restart(&mut self, ctx: &mut Cx) {
        self.arm_anti_entropy(ctx);
    }
}
