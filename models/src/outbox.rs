//! Answers that leave a node once its work time for them has passed: a slab of pending
//! `(destination, message)` pairs, each released by a `Msg::WorkDone` timer. Used by the
//! single-node services that answer every request after a sampled work time (the lock
//! service, the account store).

use crate::ledger::Ledger;
use crate::msg::Msg;
use sim_core::dist::Dist;
use sim_core::network::NodeId;
use sim_core::simulation::Ctx;

/// Pending answers of one node.
#[derive(Debug, Default)]
pub struct Outbox {
    pending: Vec<Option<(NodeId, Msg)>>,
    free: Vec<u32>,
}

impl Outbox {
    /// Sends `msg` to `to` after a work time drawn from `work_ms` (stretched by slow faults).
    pub fn answer(&mut self, to: NodeId, msg: Msg, work_ms: &Dist, ctx: &mut Ctx<'_, Msg, Ledger>) {
        let drawn = work_ms.sample_duration_ms(ctx.rng());
        let work = ctx.work(drawn);
        let slot = match self.free.pop() {
            Some(s) => {
                self.pending[s as usize] = Some((to, msg));
                s
            }
            None => {
                self.pending.push(Some((to, msg)));
                (self.pending.len() - 1) as u32
            }
        };
        ctx.set_timer(work, Msg::WorkDone { slot });
    }

    /// The work of `slot` is done: send its answer.
    pub fn done(&mut self, slot: u32, ctx: &mut Ctx<'_, Msg, Ledger>) {
        if let Some((to, msg)) = self.pending.get_mut(slot as usize).and_then(Option::take) {
            self.free.push(slot);
            // Every destination is a node of the design: sending cannot fail.
            ctx.send(to, msg);
        }
    }

    /// The node crashed: answers in progress die with it.
    pub fn clear(&mut self) {
        self.pending.clear();
        self.free.clear();
    }
}
