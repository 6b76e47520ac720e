//! The event queue: a total, deterministic order by (time, insertion sequence), with O(1)
//! cancellation.
//!
//! The queue orders 16-byte keys only: `time << 64 | seq << SLOT_BITS | slot`. Comparing keys
//! compares time, then the insertion sequence (unique), so the slot bits never decide the
//! order. Payloads live in a slab indexed by slot; a freed slot is reused first (LIFO), so in
//! steady state the slab stays small and warm in cache.
//!
//! The keys are held in a ladder (`Ladder`): a short sorted run of the keys due soonest, and
//! behind it buckets of unsorted keys by time, each opened (sorted into the run) when the run
//! is used up. A push far ahead is an append, a pop takes the run's last key, and no pop
//! sifts through all the keys as a heap's does. The pops come out in exactly the order of a
//! single heap: the same events, the same digests.
//!
//! Events due at the instant of the last pop (zero-delay sends and timers, a node's first
//! event) skip the ladder: they go to a FIFO lane, drained after the ladder's events of that
//! same instant and before any later one. Those ladder events were all pushed before the lane's
//! (a push at the current instant always goes to the lane), so this is exactly the
//! (time, insertion sequence) order, at the cost of a queue append and pop.
//!
//! Cancelling marks the slot dead and drops its payload at once: no search. The dead key
//! stays in the ladder until it is popped (and skipped) or until dead keys outnumber live
//! ones, when the ladder is compacted in one O(n) pass. A slot is only reused after its key
//! has left the ladder, and every slot carries a generation, so a stale handle can never
//! cancel a newer event.

use crate::time::SimTime;
use std::collections::VecDeque;

const SLOT_BITS: u32 = 26;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
/// The most events that can be outstanding at once (about 67 million).
pub const MAX_OUTSTANDING: usize = 1 << SLOT_BITS;
const SEQ_LIMIT: u64 = 1 << (64 - SLOT_BITS);
/// Dead keys are swept out once they outnumber live ones and exceed this floor.
const COMPACT_FLOOR: usize = 4_096;
/// The top bit of a slot's generation says that its event waits in the lane, not the ladder.
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
    /// `Some` while the event is live; `None` once cancelled (key still in the ladder) or free.
    payload: Option<T>,
}

/// A priority queue of events ordered by (time, insertion sequence).
pub struct EventQueue<T> {
    ladder: Ladder,
    /// Slots of the events due at `current`, in insertion order.
    lane: VecDeque<u32>,
    /// The time of the last pop: events pushed for this instant go to the lane.
    current: SimTime,
    slots: Vec<Slot<T>>,
    free: Vec<u32>,
    next_seq: u64,
    live: usize,
    /// Cancelled keys still in the ladder.
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
            ladder: Ladder::default(),
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

    /// Keys in the ladder and the lane, cancelled ones included (for tests and memory
    /// accounting).
    pub fn heap_len(&self) -> usize {
        self.ladder.len() + self.lane.len()
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
        self.ladder.push(key);
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
            let top = self.ladder.peek();
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
            self.ladder.pop();
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
            let top = self.ladder.peek();
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
            self.ladder.pop();
            let slot = (key as u64 & SLOT_MASK) as usize;
            let entry = &mut self.slots[slot];
            match entry.payload.take() {
                Some(payload) => {
                    entry.generation = Self::bump(entry.generation);
                    self.free.push(slot as u32);
                    self.live -= 1;
                    self.current = time;
                    return Some((time, payload));
                }
                None => self.release_dead(slot),
            }
        }
    }

    /// `true` when the lane's front comes next: the lane holds an entry and no ladder key is
    /// due at the current instant or before (`top`: the ladder's smallest key).
    #[inline]
    fn lane_first(&self, top: Option<u128>) -> bool {
        !self.lane.is_empty() && top.is_none_or(|k| (k >> 64) as u64 > self.current.0)
    }

    /// Frees the slot of a cancelled event taken from the lane.
    fn release_lane(&mut self, slot: u32) {
        self.slots[slot as usize].generation &= !IN_LANE;
        self.free.push(slot);
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

    /// Sweeps cancelled keys out of the ladder in one pass and frees their slots.
    fn compact(&mut self) {
        let slots = &self.slots;
        let mut freed = Vec::with_capacity(self.dead);
        self.ladder.retain(|&key| {
            let slot = (key as u64 & SLOT_MASK) as usize;
            let alive = slots[slot].payload.is_some();
            if !alive {
                freed.push(slot as u32);
            }
            alive
        });
        debug_assert_eq!(freed.len(), self.dead, "every dead key of the ladder");
        self.free.extend(freed);
        self.dead = 0;
    }

    /// Reassigns sequence numbers 0.. in the current order once the sequence space (2^38
    /// pushes) is used up; the order of outstanding events is unchanged.
    fn renumber(&mut self) {
        self.compact();
        let mut keys = self.ladder.take_keys();
        keys.sort_unstable();
        for (seq, key) in keys.iter_mut().enumerate() {
            let time = *key >> 64;
            let slot = *key as u64 & SLOT_MASK;
            *key = (time << 64) | u128::from((seq as u64) << SLOT_BITS | slot);
        }
        self.next_seq = keys.len() as u64;
        self.ladder.set_keys(keys);
    }
}

/// The ladder's near tier: the keys due soonest, sorted largest first, so that the smallest
/// pops off the end. It holds one bucket (tens of keys), sorted when the bucket is opened;
/// a key pushed into it is due soon, so it goes in near the end and little is moved.
#[derive(Default)]
struct Near {
    keys: Vec<u128>,
}

impl Near {
    fn len(&self) -> usize {
        self.keys.len()
    }

    /// Inserts from the end: the keys it passes are the ones due before it, few for a key due
    /// soon.
    #[inline]
    fn push(&mut self, key: u128) {
        self.keys.push(key);
        let keys = &mut self.keys[..];
        let mut i = keys.len() - 1;
        while i > 0 && keys[i - 1] < key {
            keys[i] = keys[i - 1];
            i -= 1;
        }
        keys[i] = key;
    }

    #[inline]
    fn peek(&self) -> Option<u128> {
        self.keys.last().copied()
    }

    #[inline]
    fn pop(&mut self) -> Option<u128> {
        self.keys.pop()
    }

    /// Sorts keys put in unsorted.
    fn sort(&mut self) {
        self.keys.sort_unstable_by(|a, b| b.cmp(a));
    }

    fn retain(&mut self, keep: impl FnMut(&u128) -> bool) {
        self.keys.retain(keep);
    }
}

/// Keys per bucket aimed at when a bucket is split into a finer rung.
const PER_BUCKET: usize = 4;
/// A bucket with more keys than this is split into a finer rung instead of becoming the
/// near tier (while its width allows and the ladder has fewer than `MAX_RUNGS` rungs).
const SPLIT: usize = 48;
/// The most buckets of a finer rung, and half the most of a rung laid out from the top.
const MAX_BUCKETS: usize = 1024;
/// The most rungs at once: no split, and no early layout of the top, beyond it.
const MAX_RUNGS: usize = 8;
/// A top this small goes straight into the near tier instead of being laid out in a rung.
const SMALL_TOP: usize = 32;
/// A near tier this large, with no rung behind it, gives its later half to the top.
const NEAR_MAX: usize = 64;
/// A top this large is laid out as a rung at once (see `spill_top`).
const TOP_LIMIT: usize = 4096;
/// Keys per chunk of a bucket (a chunk is 256 bytes).
const CHUNK: usize = 15;
/// No chunk: the end of a bucket's chain (or a bucket without one).
const NO_CHUNK: u32 = u32::MAX;

/// Part of a bucket: up to `CHUNK` keys and the next chunk of the same bucket.
#[derive(Clone, Copy)]
struct Chunk {
    keys: [u128; CHUNK],
    len: u32,
    next: u32,
}

/// Every bucket's keys, in chunks of one arena: a bucket is a chain of chunks, filled at its
/// head, and a freed chunk is reused first. Buckets then cost no allocation of their own, and
/// the memory held is the keys plus at most one part-filled chunk per bucket (growable
/// vectors per bucket held their keys about twice over, and fragmented the allocator).
#[derive(Default)]
struct Chunks {
    arena: Vec<Chunk>,
    free: Vec<u32>,
}

/// A chain of chunks and the keys it holds.
#[derive(Clone, Copy)]
struct Bucket {
    head: u32,
    len: u32,
}

impl Bucket {
    const EMPTY: Bucket = Bucket {
        head: NO_CHUNK,
        len: 0,
    };
}

impl Chunks {
    #[inline]
    fn push(&mut self, bucket: &mut Bucket, key: u128) {
        let full = bucket.head == NO_CHUNK || self.arena[bucket.head as usize].len == CHUNK as u32;
        if full {
            let next = bucket.head;
            bucket.head = match self.free.pop() {
                Some(c) => {
                    // Its old keys are overwritten before they are read.
                    let chunk = &mut self.arena[c as usize];
                    chunk.len = 0;
                    chunk.next = next;
                    c
                }
                None => {
                    self.arena.push(Chunk {
                        keys: [0; CHUNK],
                        len: 0,
                        next,
                    });
                    (self.arena.len() - 1) as u32
                }
            };
        }
        let chunk = &mut self.arena[bucket.head as usize];
        chunk.keys[chunk.len as usize] = key;
        chunk.len += 1;
        bucket.len += 1;
    }

    /// Appends the bucket's keys to `out` and frees its chunks.
    fn drain(&mut self, bucket: &mut Bucket, out: &mut Vec<u128>) {
        out.reserve(bucket.len as usize);
        let mut c = bucket.head;
        while c != NO_CHUNK {
            let chunk = &self.arena[c as usize];
            out.extend_from_slice(&chunk.keys[..chunk.len as usize]);
            self.free.push(c);
            c = chunk.next;
        }
        *bucket = Bucket::EMPTY;
    }
}

/// Buckets of equal width (2^`shift` nanoseconds): bucket `b` holds the keys, unsorted, with
/// times in `[start + b << shift, start + (b + 1) << shift)`; those before `next` are used
/// up.
struct Rung {
    start: u64,
    shift: u32,
    next: usize,
    buckets: Vec<Bucket>,
}

impl Rung {
    /// Where bucket `b` begins (the end of time when that is past it).
    fn edge(&self, b: usize) -> u64 {
        let edge = u128::from(self.start) + ((b as u128) << self.shift);
        u64::try_from(edge).unwrap_or(u64::MAX)
    }

    /// The bucket for `time` (at least `start`), if it falls in this rung.
    #[inline]
    fn bucket(&self, time: u64) -> Option<usize> {
        let b = (time - self.start) >> self.shift;
        (b < self.buckets.len() as u64).then_some(b as usize)
    }
}

/// The queue's keys in tiers (a ladder queue): a short sorted run of the keys due before
/// `horizon`, rungs of buckets of unsorted keys (each rung finer than the one before and
/// covering one bucket of it, or, laid out early from the top, beginning where the one
/// after it ends), and an unsorted top beyond the coarsest rung. Every near key
/// is below every bucket key, each bucket's keys below the next bucket's, the finest rung's
/// below the coarser ones', and all below the top's (by key: a later push at an equal time
/// has a higher sequence), so the near tier's last key is the smallest of all.
///
/// A push ahead of the horizon is an append to a bucket; the near tier only ever holds one
/// small bucket and what is pushed into it. When it empties, the next non-empty bucket of
/// the finest rung becomes it, or, holding more than `SPLIT` keys, is spread over a finer
/// rung first; when the rungs are used up, the top is laid out as a new rung spanning its
/// keys. The order of pops is exactly the order of keys.
#[derive(Default)]
struct Ladder {
    near: Near,
    /// Keys below this time go to the near tier.
    horizon: u64,
    /// Coarsest first.
    rungs: Vec<Rung>,
    chunks: Chunks,
    /// Keys beyond the rungs, unsorted, with bounds on their times.
    top: Vec<u128>,
    top_min: u64,
    top_max: u64,
    /// A bucket's keys on their way to a finer rung.
    scratch: Vec<u128>,
    /// Keys in the rungs and the top.
    far: usize,
}

impl Ladder {
    fn len(&self) -> usize {
        self.near.len() + self.far
    }

    #[inline]
    fn push(&mut self, key: u128) {
        let time = (key >> 64) as u64;
        if time < self.horizon {
            self.near.push(key);
            if self.near.len() > NEAR_MAX && self.rungs.is_empty() {
                self.spill_near();
            }
            return;
        }
        if self.far == 0 && self.rungs.is_empty() && self.near.len() < SMALL_TOP {
            // Nothing lies beyond the near tier: it takes the key, and its bound moves past it
            // (a small queue, as an M/M/c station's, never leaves the near tier).
            self.horizon = time.saturating_add(1);
            self.near.push(key);
            return;
        }
        self.far += 1;
        for rung in self.rungs.iter_mut().rev() {
            if let Some(b) = rung.bucket(time) {
                if b < rung.next {
                    // Only when a rung's end saturated at the end of time.
                    self.far -= 1;
                    self.near.push(key);
                } else {
                    self.chunks.push(&mut rung.buckets[b], key);
                }
                return;
            }
        }
        self.top_min = if self.top.is_empty() {
            time
        } else {
            self.top_min.min(time)
        };
        self.top_max = self.top_max.max(time);
        self.top.push(key);
        if self.top.len() >= TOP_LIMIT {
            self.spill_top();
        }
    }

    #[inline]
    fn peek(&mut self) -> Option<u128> {
        if self.near.len() == 0 {
            self.refill();
        }
        self.near.peek()
    }

    #[inline]
    fn pop(&mut self) -> Option<u128> {
        if self.near.len() == 0 {
            self.refill();
        }
        self.near.pop()
    }

    /// Makes the next non-empty bucket the near tier, which is empty: splitting crowded
    /// buckets into finer rungs, dropping used-up rungs, laying out the top when none is
    /// left.
    #[cold]
    fn refill(&mut self) {
        loop {
            let depth = self.rungs.len();
            let Some(rung) = self.rungs.last_mut() else {
                if self.top.is_empty() {
                    return;
                }
                self.lay_out_top();
                continue;
            };
            let b = rung.next;
            if b == rung.buckets.len() {
                self.rungs.pop();
                continue;
            }
            rung.next += 1;
            let bucket_start = rung.edge(b);
            self.horizon = rung.edge(rung.next);
            let k = rung.buckets[b].len as usize;
            if k == 0 {
                continue;
            }
            let mut keys = std::mem::take(&mut self.scratch);
            self.chunks.drain(&mut rung.buckets[b], &mut keys);
            self.far -= k;
            if k > SPLIT && rung.shift > 0 && depth < MAX_RUNGS {
                let parts = (k / PER_BUCKET).next_power_of_two().min(MAX_BUCKETS);
                let shift = rung.shift.saturating_sub(parts.trailing_zeros());
                let nb = 1usize << (rung.shift - shift);
                self.add_rung(bucket_start, shift, nb, &mut keys);
                self.scratch = keys;
                continue;
            }
            // The near tier is empty: it takes the bucket's keys, its vector is the scratch.
            self.scratch = std::mem::replace(&mut self.near.keys, keys);
            self.near.sort();
            return;
        }
    }

    /// A new finest rung of `nb` buckets from `start`, holding `keys` (which it empties, and
    /// shrinks as it goes: a large top is not held twice).
    fn add_rung(&mut self, start: u64, shift: u32, nb: usize, keys: &mut Vec<u128>) {
        let rung = self.rung_of(start, shift, nb, keys);
        self.rungs.push(rung);
    }

    /// A rung of `nb` buckets from `start` holding `keys` (see `add_rung`).
    fn rung_of(&mut self, start: u64, shift: u32, nb: usize, keys: &mut Vec<u128>) -> Rung {
        let mut buckets = vec![Bucket::EMPTY; nb];
        self.far += keys.len();
        while let Some(key) = keys.pop() {
            let b = (((key >> 64) as u64 - start) >> shift) as usize;
            self.chunks.push(&mut buckets[b], key);
            if keys.len() < keys.capacity() / 4 {
                keys.shrink_to_fit();
            }
        }
        Rung {
            start,
            shift,
            next: 0,
            buckets,
        }
    }

    /// Spreads the top over a new rung (or, when it is small, makes it the near tier).
    fn lay_out_top(&mut self) {
        let (min, max) = (self.top_min, self.top_max);
        let n = self.top.len();
        self.top_max = 0;
        self.far -= n;
        if n <= SMALL_TOP || min == max {
            self.horizon = max.saturating_add(1);
            std::mem::swap(&mut self.near.keys, &mut self.top);
            self.near.sort();
            return;
        }
        self.horizon = min;
        let mut top = std::mem::take(&mut self.top);
        let (shift, nb) = Self::layout(n, max - min);
        self.add_rung(min, shift, nb, &mut top);
    }

    /// The width (as a shift) and number of buckets of a rung for `n` keys over `span`.
    fn layout(n: usize, span: u64) -> (u32, usize) {
        let wanted = (n / PER_BUCKET).clamp(2, MAX_BUCKETS) as u64;
        // The narrowest power-of-two width with span >> shift < wanted (at most 63 bits).
        let shift = 64 - (span / wanted).leading_zeros();
        // Twice the span: keys pushed after the layout mostly land in the rung, not in the top
        // (which would hold them a second time in memory until the next layout).
        (shift, 2 * ((span >> shift) + 1) as usize)
    }

    /// Moves the later half of a near tier grown past `NEAR_MAX` (with no rung behind it) to
    /// the top, and brings the horizon down to the earliest key moved: every key left is at or
    /// before it (and before it in key order), every key moved and every later push after.
    #[cold]
    fn spill_near(&mut self) {
        let half = self.near.keys.len() / 2;
        let moved: Vec<u128> = self.near.keys.drain(..half).collect();
        let times = moved.iter().map(|&k| (k >> 64) as u64);
        let (min, max) = (times.clone().min(), times.max());
        if let (Some(min), Some(max)) = (min, max) {
            self.top_min = if self.top.is_empty() {
                min
            } else {
                self.top_min.min(min)
            };
            self.top_max = self.top_max.max(max);
            self.horizon = min;
        }
        self.far += moved.len();
        self.top.extend(moved);
        if self.top.len() >= TOP_LIMIT {
            self.spill_top();
        }
    }

    /// Lays out a top that reached `TOP_LIMIT` keys as a new coarsest rung, beginning where the
    /// rungs end (or at its smallest key if there is none), so that a long run of pushes
    /// ahead (a model starting up) is not held in one vector and then copied to buckets.
    #[cold]
    fn spill_top(&mut self) {
        let start = match self.rungs.first() {
            Some(coarsest) => coarsest.edge(coarsest.buckets.len()),
            None => self.top_min,
        };
        let n = self.top.len();
        if self.top_max <= start || self.rungs.len() >= MAX_RUNGS {
            return;
        }
        if self.rungs.is_empty() {
            // The near tier's keys are below the old horizon, hence below all of the top's.
            self.horizon = start;
        }
        let (shift, nb) = Self::layout(n, self.top_max - start);
        let mut top = std::mem::take(&mut self.top);
        self.far -= n;
        let rung = self.rung_of(start, shift, nb, &mut top);
        self.rungs.insert(0, rung);
        self.top = top;
        self.top_max = 0;
    }

    fn retain(&mut self, mut keep: impl FnMut(&u128) -> bool) {
        self.near.retain(&mut keep);
        let mut far = 0;
        let mut keys = Vec::new();
        for rung in &mut self.rungs {
            for bucket in &mut rung.buckets[rung.next..] {
                keys.clear();
                self.chunks.drain(bucket, &mut keys);
                for &key in keys.iter().filter(|k| keep(k)) {
                    self.chunks.push(bucket, key);
                }
                far += bucket.len as usize;
            }
        }
        self.top.retain(&mut keep);
        self.far = far + self.top.len();
    }

    /// All keys, in no order; leaves the ladder empty.
    fn take_keys(&mut self) -> Vec<u128> {
        let mut keys = std::mem::take(&mut self.near.keys);
        for mut rung in std::mem::take(&mut self.rungs) {
            for bucket in &mut rung.buckets {
                self.chunks.drain(bucket, &mut keys);
            }
        }
        keys.append(&mut self.top);
        self.far = 0;
        keys
    }

    /// Lays out `keys` (the ladder being empty) as the top is.
    fn set_keys(&mut self, keys: Vec<u128>) {
        debug_assert_eq!(self.len(), 0);
        let times = keys.iter().map(|&k| (k >> 64) as u64);
        self.top_min = times.clone().min().unwrap_or(0);
        self.top_max = times.max().unwrap_or(0);
        self.far = keys.len();
        self.top = keys;
        if !self.top.is_empty() {
            self.lay_out_top();
        }
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

    /// Against a reference ordered by (time, insertion number): random pushes (a third of
    /// them at the current instant, so into the lane; the others `ahead()` of it), cancels
    /// of random handles, pops with and without a limit.
    fn agrees_with_a_reference(seed: u64, steps: u64, mut ahead: impl FnMut(u64) -> u64) {
        use std::collections::BTreeMap;
        let mut x: u64 = seed;
        let mut next = || {
            x = crate::rng::splitmix64(x);
            x
        };
        let mut q = EventQueue::new();
        let mut reference: BTreeMap<(u64, u64), u64> = BTreeMap::new();
        let mut handles = Vec::new();
        let mut now = 0u64;
        for i in 0..steps {
            match next() % 10 {
                0..=2 => {
                    let t = now;
                    let h = q.push(SimTime(t), i).unwrap();
                    reference.insert((t, i), i);
                    handles.push((h, (t, i)));
                }
                3..=5 => {
                    let t = now.saturating_add(ahead(next()));
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
                    let until = now.saturating_add(ahead(next()) / 2);
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
        // Drained, the queue gives back exactly what the reference holds, in its order.
        let rest: Vec<(u64, u64)> = std::iter::from_fn(|| q.pop().map(|(t, v)| (t.0, v))).collect();
        let want: Vec<(u64, u64)> = reference.into_iter().map(|(k, v)| (k.0, v)).collect();
        assert_eq!(rest, want);
    }

    #[test]
    fn the_lane_keeps_the_time_then_insertion_order() {
        agrees_with_a_reference(5, 200_000, |r| r % 50);
    }

    /// Times spread over every scale (nanoseconds to the end of time, many equal), so that
    /// keys go through the ladder's rungs, their splits and its top, and reach the end of time.
    #[test]
    fn the_ladder_keeps_the_order_at_every_scale() {
        for seed in 1..=6 {
            agrees_with_a_reference(seed, 60_000, |r| match r % 6 {
                0 => r % 50,
                1 => r % 5_000,
                2 => r % 2_000_000,
                3 => (r >> 8) % (1 << 40),
                4 => 1 << (r % 64),
                _ => u64::MAX,
            });
        }
    }

    /// The hold model against a reference: thousands of events outstanding, each popped one
    /// replaced by one an exponential time later, a tenth cancelled: crowded buckets split
    /// into finer rungs while pushes keep landing in them.
    #[test]
    fn the_ladder_keeps_the_order_under_a_hold_load() {
        use std::collections::BTreeMap;
        let mut x: u64 = 11;
        let mut next = || {
            x = crate::rng::splitmix64(x);
            x
        };
        let mut q = EventQueue::new();
        let mut reference = BTreeMap::new();
        let mut handles = Vec::new();
        let mut now = 0;
        for i in 0..400_000u64 {
            if i >= 5_000 {
                let want = reference.pop_first().map(|((t, _), v)| (t, v));
                let got = q.pop().map(|(t, v)| (t.0, v));
                assert_eq!(got, want);
                now = got.map_or(now, |(t, _)| t);
            }
            if i >= 5_000 && next() % 10 == 0 {
                let k = (next() % handles.len() as u64) as usize;
                let (h, key) = handles.swap_remove(k);
                assert_eq!(q.cancel(h), reference.remove(&key).is_some());
            }
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            let t = now + (-(1.0 - u).ln() * 1e6) as u64;
            handles.push((q.push(SimTime(t), i).unwrap(), (t, i)));
            reference.insert((t, i), i);
            assert_eq!(q.len(), reference.len());
        }
    }

    /// With a thousand or a hundred thousand events outstanding, each popped event replaced by
    /// one an exponential time later (the hold model), the near tier holds a few dozen keys,
    /// not all of them: the buckets take the rest.
    #[test]
    fn the_near_heap_stays_small_under_a_hold_load() {
        for outstanding in [1_000u32, 100_000] {
            let mut q = EventQueue::new();
            let mut x: u64 = 7;
            let mut exp = || {
                x = crate::rng::splitmix64(x);
                let u = (x >> 11) as f64 / (1u64 << 53) as f64;
                (-(1.0 - u).ln() * 1e6) as u64
            };
            for i in 0..outstanding {
                q.push(SimTime(exp()), i);
            }
            let (mut near, pops) = (0usize, 300_000);
            for _ in 0..pops {
                let (t, v) = q.pop().unwrap();
                q.push(SimTime(t.0 + exp()), v);
                near += q.ladder.near.len();
            }
            let mean = near as f64 / f64::from(pops);
            assert!(
                mean < 64.0,
                "{outstanding}: {mean} keys in the near tier on average"
            );
            assert_eq!(q.len(), outstanding as usize);
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
