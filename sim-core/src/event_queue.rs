//! The event queue: a total, deterministic order by (time, insertion sequence), with O(1)
//! cancellation.
//!
//! The heap holds 16-byte keys only: `time << 64 | seq << SLOT_BITS | slot`. Comparing keys
//! compares time, then the insertion sequence (unique), so the slot bits never decide the
//! order. Payloads live in a slab indexed by slot; a freed slot is reused first (LIFO), so in
//! steady state the slab stays small and warm in cache.
//!
//! Events due at the instant of the last pop (zero-delay sends and timers, a node's first
//! event) skip the heap: they go to a FIFO lane, drained after the heap's events of that same
//! instant and before any later one. Those heap events were all pushed before the lane's
//! (a push at the current instant always goes to the lane), so this is exactly the
//! (time, insertion sequence) order, at the cost of a queue append and pop.
//!
//! Cancelling marks the slot dead and drops its payload at once: no heap search. The dead key
//! stays in the heap until it is popped (and skipped) or until dead keys outnumber live ones,
//! when the heap is compacted in one O(n) pass. A slot is only reused after its key has left
//! the heap, and every slot carries a generation, so a stale handle can never cancel a newer
//! event.

use crate::time::SimTime;
use std::collections::VecDeque;

const SLOT_BITS: u32 = 26;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
/// The most events that can be outstanding at once (about 67 million).
pub const MAX_OUTSTANDING: usize = 1 << SLOT_BITS;
const SEQ_LIMIT: u64 = 1 << (64 - SLOT_BITS);
/// Dead keys are swept out once they outnumber live ones and exceed this floor.
const COMPACT_FLOOR: usize = 4_096;
/// The top bit of a slot's generation says that its event waits in the lane, not the heap.
const IN_LANE: u32 = 1 << 31;

/// Names one scheduled event so that it can be cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventHandle {
    slot: u32,
    generation: u32,
}

impl EventHandle {
    /// A handle that names no event: cancelling it does nothing.
    pub fn dangling() -> EventHandle {
        EventHandle {
            slot: u32::MAX,
            generation: 0,
        }
    }
}

struct Slot<T> {
    /// Bumped when the slot's event runs or is cancelled (31 bits, wrapping); the top bit is
    /// `IN_LANE`.
    generation: u32,
    /// `Some` while the event is live; `None` once cancelled (key still in the heap) or free.
    payload: Option<T>,
}

/// A priority queue of events ordered by (time, insertion sequence).
pub struct EventQueue<T> {
    heap: QuadHeap,
    /// Slots of the events due at `current`, in insertion order.
    lane: VecDeque<u32>,
    /// The time of the last pop: events pushed for this instant go to the lane.
    current: SimTime,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
    /// Cancelled keys still in the heap.
    dead: usize,
}

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> EventQueue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: QuadHeap::default(),
            lane: VecDeque::new(),
            current: SimTime::ZERO,
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
            live: 0,
            dead: 0,
        }
    }

    /// Live (not cancelled) events waiting.
    pub fn len(&self) -> usize {
        self.live
    }

    /// `true` when no live event waits.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Keys in the heap and the lane, cancelled ones included (for tests and memory
    /// accounting).
    pub fn heap_len(&self) -> usize {
        self.heap.len() + self.lane.len()
    }

    /// Schedules `payload` at `time`. Returns `None` when `MAX_OUTSTANDING` events are
    /// already outstanding; the payload is then dropped and the caller must report it.
    #[inline]
    pub fn push(&mut self, time: SimTime, payload: T) -> Option<EventHandle> {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                if self.slots.len() >= MAX_OUTSTANDING {
                    return None;
                }
                self.slots.push(Slot {
                    generation: 0,
                    payload: None,
                });
                (self.slots.len() - 1) as u32
            }
        };
        self.live += 1;
        if time == self.current {
            let entry = &mut self.slots[slot as usize];
            debug_assert!(
                entry.payload.is_none(),
                "a slot in use was handed out again"
            );
            entry.payload = Some(payload);
            entry.generation |= IN_LANE;
            self.lane.push_back(slot);
            return Some(EventHandle {
                slot,
                generation: entry.generation & !IN_LANE,
            });
        }
        if self.next_seq == SEQ_LIMIT {
            self.renumber();
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = &mut self.slots[slot as usize];
        debug_assert!(
            entry.payload.is_none(),
            "a slot in use was handed out again"
        );
        entry.payload = Some(payload);
        let key = (u128::from(time.0) << 64) | u128::from(seq << SLOT_BITS | u64::from(slot));
        self.heap.push(key);
        Some(EventHandle {
            slot,
            generation: entry.generation,
        })
    }

    /// The next generation of a slot whose event ran or was cancelled (out of the lane).
    #[inline]
    fn bump(generation: u32) -> u32 {
        generation.wrapping_add(1) & !IN_LANE
    }

    /// Cancels an event; returns `false` when it already ran or was already cancelled.
    #[inline]
    pub fn cancel(&mut self, handle: EventHandle) -> bool {
        let Some(entry) = self.slots.get_mut(handle.slot as usize) else {
            return false;
        };
        if entry.generation & !IN_LANE != handle.generation || entry.payload.is_none() {
            return false;
        }
        entry.payload = None;
        let in_lane = entry.generation & IN_LANE != 0;
        // A dead slot in the lane keeps its lane bit until the lane reaches it.
        entry.generation = Self::bump(entry.generation) | (entry.generation & IN_LANE);
        self.live -= 1;
        if in_lane {
            return true;
        }
        self.dead += 1;
        if self.dead > COMPACT_FLOOR && self.dead > self.live {
            self.compact();
        }
        true
    }

    /// `true` while the event named by `handle` is scheduled and not cancelled.
    pub fn is_pending(&self, handle: EventHandle) -> bool {
        self.slots
            .get(handle.slot as usize)
            .is_some_and(|e| e.generation & !IN_LANE == handle.generation && e.payload.is_some())
    }

    /// The time of the next live event, if any (skips and frees cancelled keys on the way).
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        loop {
            let top = self.heap.peek();
            if self.lane_first(top) {
                let slot = self.lane[0];
                if self.slots[slot as usize].payload.is_some() {
                    return Some(self.current);
                }
                self.lane.pop_front();
                self.release_lane(slot);
                continue;
            }
            let key = top?;
            let slot = (key as u64 & SLOT_MASK) as usize;
            if self.slots[slot].payload.is_some() {
                return Some(SimTime((key >> 64) as u64));
            }
            self.heap.pop();
            self.release_dead(slot);
        }
    }

    /// Removes and returns the earliest live event if it is due at or before `until`.
    /// Inlined into the event loop: returned through memory, the event is written and read
    /// back at different widths, and the load waits for the store (about a quarter of the
    /// loop's time, measured).
    #[inline(always)]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, T)> {
        loop {
            let top = self.heap.peek();
            if self.lane_first(top) {
                if self.current > until {
                    return None;
                }
                let Some(slot) = self.lane.pop_front() else {
                    unreachable!("lane_first saw an entry")
                };
                let entry = &mut self.slots[slot as usize];
                match entry.payload.take() {
                    Some(payload) => {
                        entry.generation = Self::bump(entry.generation);
                        self.free.push(slot);
                        self.live -= 1;
                        return Some((self.current, payload));
                    }
                    None => self.release_lane(slot),
                }
                continue;
            }
            let key = top?;
            let time = SimTime((key >> 64) as u64);
            if time > until {
                return None;
            }
            self.heap.pop();
            let slot = (key as u64 & SLOT_MASK) as usize;
            let entry = &mut self.slots[slot];
            match entry.payload.take() {
                Some(payload) => {
                    entry.generation = Self::bump(entry.generation);
                    self.free.push(slot as u32);
                    self.live -= 1;
                    self.current = time;
                    self.warm_next_slot();
                    return Some((time, payload));
                }
                None => self.release_dead(slot),
            }
        }
    }

    /// `true` when the lane's front comes next: the lane holds an entry and no heap key is
    /// due at the current instant or before (`top`: the heap's smallest key).
    #[inline]
    fn lane_first(&self, top: Option<u128>) -> bool {
        !self.lane.is_empty() && top.is_none_or(|k| (k >> 64) as u64 > self.current.0)
    }

    /// Frees the slot of a cancelled event taken from the lane.
    fn release_lane(&mut self, slot: u32) {
        self.slots[slot as usize].generation &= !IN_LANE;
        self.free.push(slot);
    }

    /// Loads the slot of the next event now, so that its cache miss overlaps with the
    /// handling of this one instead of stalling the next pop (a software prefetch without
    /// `unsafe`: the loaded value is only passed to `black_box`).
    #[inline]
    fn warm_next_slot(&self) {
        // With a hole at the root, the next smallest key is the smallest of the root's (up to
        // four) children, which share a cache line; a push may still undercut it, rarely.
        let keys = &self.heap.keys;
        let next = if self.heap.hole {
            keys.get(1..keys.len().min(5)).and_then(|c| c.iter().min())
        } else {
            keys.first()
        };
        if let Some(&key) = next {
            let slot = (key as u64 & SLOT_MASK) as usize;
            std::hint::black_box(self.slots[slot].generation);
        }
    }

    /// Removes and returns the earliest live event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, T)> {
        self.pop_until(SimTime::MAX)
    }

    fn release_dead(&mut self, slot: usize) {
        self.dead -= 1;
        self.free.push(slot as u32);
    }

    /// Sweeps cancelled keys out of the heap in one pass and frees their slots.
    fn compact(&mut self) {
        let slots = &self.slots;
        let mut freed = Vec::with_capacity(self.dead);
        self.heap.retain(|&key| {
            let slot = (key as u64 & SLOT_MASK) as usize;
            let alive = slots[slot].payload.is_some();
            if !alive {
                freed.push(slot as u32);
            }
            alive
        });
        debug_assert_eq!(freed.len(), self.dead, "every dead key of the heap");
        self.free.extend(freed);
        self.dead = 0;
    }

    /// Reassigns sequence numbers 0.. in the current order once the sequence space (2^38
    /// pushes) is used up; the order of outstanding events is unchanged.
    fn renumber(&mut self) {
        self.compact();
        let mut keys = self.heap.take_keys();
        keys.sort_unstable();
        for (seq, key) in keys.iter_mut().enumerate() {
            let time = *key >> 64;
            let slot = *key as u64 & SLOT_MASK;
            *key = (time << 64) | u128::from((seq as u64) << SLOT_BITS | slot);
        }
        self.next_seq = keys.len() as u64;
        // A sorted array is a valid heap.
        self.heap.keys = keys;
    }
}

/// A 4-ary min-heap of unique `u128` keys. Four children per node halve the depth of a
/// binary heap and keep siblings in one cache line (4 × 16 bytes).
///
/// Popping leaves a hole at the root instead of refilling it at once: when the next
/// operation is a push (the common case in a discrete-event loop, where handling an event
/// schedules the next one), the new key drops into the hole with a single sift-down, so a
/// pop-then-push costs one pass through the heap instead of two.
#[derive(Default)]
struct QuadHeap {
    keys: Vec<u128>,
    /// `keys[0]` has been popped and is stale.
    hole: bool,
}

impl QuadHeap {
    fn len(&self) -> usize {
        self.keys.len() - usize::from(self.hole)
    }

    /// Refills a pending hole with the last key.
    #[inline]
    fn settle(&mut self) {
        if self.hole {
            self.hole = false;
            if let Some(last) = self.keys.pop() {
                if !self.keys.is_empty() {
                    self.sift_down(0, last);
                }
            }
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u128> {
        self.settle();
        self.keys.first().copied()
    }

    #[inline]
    fn push(&mut self, key: u128) {
        if self.hole {
            self.hole = false;
            self.sift_down(0, key);
            return;
        }
        let mut i = self.keys.len();
        self.keys.push(key);
        while i > 0 {
            let parent = (i - 1) / 4;
            let p = self.keys[parent];
            if p <= key {
                break;
            }
            self.keys[i] = p;
            i = parent;
        }
        self.keys[i] = key;
    }

    /// Removes the smallest key (leaving a hole at the root until the next operation).
    #[inline]
    fn pop(&mut self) -> Option<u128> {
        self.settle();
        let top = *self.keys.first()?;
        self.hole = true;
        Some(top)
    }

    /// Places `key` in the hole at `i`, moving smaller children up.
    ///
    /// The smallest of four children is chosen without branches (a tournament of two pairs,
    /// each winner picked by index): which child is smallest is a coin toss the branch
    /// predictor loses about half the time, and this choice is most of the cost of a pop.
    /// Keys are unique, so the choice is the same as a branching one.
    #[inline]
    fn sift_down(&mut self, mut i: usize, key: u128) {
        let keys = &mut self.keys[..];
        let n = keys.len();
        loop {
            let first = 4 * i + 1;
            if let Some(c) = keys.get(first..first + 4) {
                let i01 = usize::from(c[1] < c[0]);
                let i23 = 2 + usize::from(c[3] < c[2]);
                let (m01, m23) = (c[i01], c[i23]);
                let pick = usize::from(m23 < m01);
                let best = [i01, i23][pick];
                let best_key = [m01, m23][pick];
                if key <= best_key {
                    break;
                }
                keys[i] = best_key;
                i = first + best;
                continue;
            }
            // The last inner node, with fewer than four children.
            if first >= n {
                break;
            }
            let mut best = first;
            let mut best_key = keys[first];
            for (c, &k) in keys.iter().enumerate().take(n).skip(first + 1) {
                if k < best_key {
                    best = c;
                    best_key = k;
                }
            }
            if key <= best_key {
                break;
            }
            keys[i] = best_key;
            i = best;
        }
        keys[i] = key;
    }

    fn retain(&mut self, keep: impl FnMut(&u128) -> bool) {
        self.settle();
        self.keys.retain(keep);
        // Floyd's heap construction: sift down every inner node, last first.
        let n = self.keys.len();
        if n > 1 {
            for i in (0..=(n - 2) / 4).rev() {
                let k = self.keys[i];
                self.sift_down(i, k);
            }
        }
    }

    fn take_keys(&mut self) -> Vec<u128> {
        self.settle();
        std::mem::take(&mut self.keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simultaneous_events_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        for i in 0..100u32 {
            q.push(SimTime(5), i);
        }
        q.push(SimTime(1), 1000);
        assert_eq!(q.pop(), Some((SimTime(1), 1000)));
        for i in 0..100u32 {
            assert_eq!(q.pop(), Some((SimTime(5), i)));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn cancelled_events_never_pop_and_stale_handles_do_nothing() {
        let mut q = EventQueue::new();
        let a = q.push(SimTime(1), 'a').unwrap();
        let b = q.push(SimTime(2), 'b').unwrap();
        assert!(q.cancel(a));
        assert!(
            !q.cancel(a),
            "a second cancel must report nothing to cancel"
        );
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop(), Some((SimTime(2), 'b')));
        // The freed slot is reused; the old handle must not touch the new event.
        let c = q.push(SimTime(3), 'c').unwrap();
        assert!(!q.cancel(b));
        assert!(q.is_pending(c));
        assert_eq!(q.pop(), Some((SimTime(3), 'c')));
        assert!(q.is_empty());
    }

    #[test]
    fn compaction_keeps_the_heap_bounded_and_the_order_intact() {
        let mut q = EventQueue::new();
        let mut keep = Vec::new();
        for i in 0..100_000u64 {
            let h = q.push(SimTime(1_000_000 - i), i).unwrap();
            if i % 100 == 0 {
                keep.push(i);
            } else {
                q.cancel(h);
            }
        }
        assert!(
            q.heap_len() <= 2 * q.len() + COMPACT_FLOOR + 1,
            "{}",
            q.heap_len()
        );
        let popped: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(_, v)| v)).collect();
        keep.reverse();
        assert_eq!(popped, keep);
    }

    #[test]
    fn quad_heap_pops_in_sorted_order_after_pushes_and_retain() {
        let mut h = QuadHeap::default();
        let mut x: u64 = 12345;
        let mut all = Vec::new();
        for _ in 0..5_000 {
            x = crate::rng::splitmix64(x);
            let k = u128::from(x % 100_000) << 20 | all.len() as u128;
            all.push(k);
            h.push(k);
        }
        h.retain(|k| k % 3 != 0);
        all.retain(|k| k % 3 != 0);
        all.sort_unstable();
        let popped: Vec<u128> = std::iter::from_fn(|| h.pop()).collect();
        assert_eq!(popped, all);
    }

    /// Against a reference ordered by (time, insertion number): random pushes (a third of
    /// them at the current instant, so into the lane), cancels of random handles, pops with
    /// and without a limit.
    #[test]
    fn the_lane_keeps_the_time_then_insertion_order() {
        use std::collections::BTreeMap;
        let mut x: u64 = 5;
        let mut next = || {
            x = crate::rng::splitmix64(x);
            x
        };
        let mut q = EventQueue::new();
        let mut reference: BTreeMap<(u64, u64), u64> = BTreeMap::new();
        let mut handles = Vec::new();
        let mut now = 0u64;
        for i in 0..200_000u64 {
            match next() % 10 {
                0..=2 => {
                    let t = now;
                    let h = q.push(SimTime(t), i).unwrap();
                    reference.insert((t, i), i);
                    handles.push((h, (t, i)));
                }
                3..=5 => {
                    let t = now + next() % 50;
                    let h = q.push(SimTime(t), i).unwrap();
                    reference.insert((t, i), i);
                    handles.push((h, (t, i)));
                }
                6 if !handles.is_empty() => {
                    let k = (next() % handles.len() as u64) as usize;
                    let (h, key) = handles.swap_remove(k);
                    assert_eq!(q.cancel(h), reference.remove(&key).is_some());
                }
                7 => {
                    let until = now + next() % 20;
                    let want = reference.first_key_value().filter(|(k, _)| k.0 <= until);
                    let want = want.map(|(k, v)| (k.0, *v));
                    let got = q.pop_until(SimTime(until)).map(|(t, v)| (t.0, v));
                    assert_eq!(got, want);
                    if let Some((t, _)) = got {
                        reference.pop_first();
                        now = t;
                    }
                }
                _ => {
                    let want = reference.pop_first().map(|(k, v)| (k.0, v));
                    assert_eq!(q.peek_time().map(|t| t.0), want.map(|w| w.0));
                    let got = q.pop().map(|(t, v)| (t.0, v));
                    assert_eq!(got, want);
                    if let Some((t, _)) = got {
                        now = t;
                    }
                }
            }
            assert_eq!(q.len(), reference.len());
        }
    }

    #[test]
    fn renumbering_preserves_order() {
        let mut q = EventQueue::new();
        q.next_seq = SEQ_LIMIT - 3;
        for i in 0..10u32 {
            q.push(SimTime(7), i);
        }
        q.push(SimTime(6), 99);
        let popped: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, v)| v)).collect();
        assert_eq!(popped, vec![99, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
}
