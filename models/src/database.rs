//! A database server: runs queries for their sampled time, at most `max_concurrency` at
//! once, the rest waiting in line (FIFO).

use crate::ledger::Ledger;
use crate::msg::{CallTag, Msg};
use sim_core::network::NodeId;
use sim_core::simulation::{Component, Ctx, Event};
use sim_core::time::SimDuration;
use std::collections::VecDeque;

/// A database node (or, with one query at a time, a Redis-like key-value store).
pub struct DatabaseNode {
    max_concurrency: Option<u32>,
    capacity: Option<u32>,
    running: Vec<Option<(NodeId, CallTag)>>,
    free: Vec<u32>,
    busy: u32,
    line: VecDeque<(NodeId, CallTag, SimDuration)>,
}

impl DatabaseNode {
    /// A database running at most `max_concurrency` queries at once (`None`: unlimited),
    /// with at most `capacity` waiting (`None`: unbounded; beyond it queries are refused).
    pub fn new(max_concurrency: Option<u32>, capacity: Option<u32>) -> DatabaseNode {
        DatabaseNode {
            max_concurrency,
            capacity,
            running: Vec::new(),
            free: Vec::new(),
            busy: 0,
            line: VecDeque::new(),
        }
    }

    fn start(
        &mut self,
        from: NodeId,
        tag: CallTag,
        work: SimDuration,
        ctx: &mut Ctx<'_, Msg, Ledger>,
    ) {
        let slot = match self.free.pop() {
            Some(s) => {
                self.running[s as usize] = Some((from, tag));
                s
            }
            None => {
                self.running.push(Some((from, tag)));
                (self.running.len() - 1) as u32
            }
        };
        self.busy += 1;
        let d = ctx.work(work);
        ctx.set_timer(d, Msg::DbDone { slot });
    }
}

impl Component<Msg, Ledger> for DatabaseNode {
    fn on_event(&mut self, event: Event<Msg>, ctx: &mut Ctx<'_, Msg, Ledger>) {
        match event {
            Event::Message {
                from,
                msg: Msg::Query { tag, work },
            } => {
                if self.max_concurrency.is_none_or(|m| self.busy < m) {
                    self.start(from, tag, work, ctx);
                } else if self.capacity.is_some_and(|c| self.line.len() >= c as usize) {
                    ctx.send(from, Msg::QueryDone { tag, ok: false });
                } else {
                    self.line.push_back((from, tag, work));
                }
            }
            Event::Timer(Msg::DbDone { slot }) => {
                if let Some((to, tag)) = self.running[slot as usize].take() {
                    self.free.push(slot);
                    self.busy -= 1;
                    // The caller is a node of the design: sending cannot fail.
                    ctx.send(to, Msg::QueryDone { tag, ok: true });
                }
                if let Some((from, tag, work)) = self.line.pop_front() {
                    self.start(from, tag, work, ctx);
                }
            }
            _ => {}
        }
    }

    fn on_crash(&mut self, _ledger: &mut Ledger) {
        self.running.clear();
        self.free.clear();
        self.busy = 0;
        self.line.clear();
    }
}
