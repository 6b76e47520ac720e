//! The event queue: a total, deterministic order by (time, insertion sequence), with O(1)
//! cancellation.
//!
//! The queue orders keys only: an event's time and its slot. Payloads live in a slab indexed
//! by slot; a freed slot is reused first (LIFO), so in steady state the slab stays small and
//! warm in cache.
//!
//! The keys are held in a ladder (`Ladder`): a short sorted run of the keys due soonest, and
//! behind it buckets of unsorted keys by time, each opened (sorted into the run) when the run
//! is used up. A push far ahead is an append, a pop takes the run's last key, and no pop
//! sifts through all the keys as a heap's does. Keys of equal time keep the order they were
//! pushed in by where they are (appended to a bucket or the top, read front to back), so no
//! key carries an insertion number: a key waiting in a bucket is one 8-byte word. The pops
//! come out in exactly the (time, insertion) order of a single heap: the same events, the
//! same digests.
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

use crate::packed::U32Bytes;
use crate::time::SimTime;
use std::collections::VecDeque;

const SLOT_BITS: u32 = 26;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
/// The most events that can be outstanding at once (about 67 million).
pub const MAX_OUTSTANDING: usize = 1 << SLOT_BITS;
/// Dead keys are swept out once they outnumber live ones and exceed this floor.
const COMPACT_FLOOR: usize = 4_096;
/// Bytes first reserved for the slots and for the chunks: a block this large is mapped by the
/// allocator on its own, and its pages cost memory only once touched, so a small queue pays
/// nothing for it, and a large one grows it in place instead of through the small-object
/// heap, where every block outgrown stays resident.
const FIRST_BLOCK: usize = 160 << 10;
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
    /// `IN_LANE`. Kept as bytes, as the simulation's payload fields are, so that a slot has no
    /// padding (see `U32Bytes`).
    generation: U32Bytes,
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
            slots: Vec::with_capacity(FIRST_BLOCK / std::mem::size_of::<Slot<T>>().max(1)),
            free: Vec::new(),
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
                    generation: U32Bytes::new(0),
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
            let generation = entry.generation.get();
            entry.generation = U32Bytes::new(generation | IN_LANE);
            self.lane.push_back(slot);
            return Some(EventHandle { slot, generation });
        }
        let entry = &mut self.slots[slot as usize];
        debug_assert!(
            entry.payload.is_none(),
            "a slot in use was handed out again"
        );
        entry.payload = Some(payload);
        self.ladder.push(time.0, slot);
        Some(EventHandle {
            slot,
            generation: entry.generation.get(),
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
        let generation = entry.generation.get();
        if generation & !IN_LANE != handle.generation || entry.payload.is_none() {
            return false;
        }
        entry.payload = None;
        let in_lane = generation & IN_LANE != 0;
        // A dead slot in the lane keeps its lane bit until the lane reaches it.
        entry.generation = U32Bytes::new(Self::bump(generation) | (generation & IN_LANE));
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
        self.slots.get(handle.slot as usize).is_some_and(|e| {
            e.generation.get() & !IN_LANE == handle.generation && e.payload.is_some()
        })
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
            let slot = key_slot(key) as usize;
            if self.slots[slot].payload.is_some() {
                return Some(SimTime(key_time(key)));
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
                        entry.generation = U32Bytes::new(Self::bump(entry.generation.get()));
                        self.free.push(slot);
                        self.live -= 1;
                        return Some((self.current, payload));
                    }
                    None => self.release_lane(slot),
                }
                continue;
            }
            let key = top?;
            let time = SimTime(key_time(key));
            if time > until {
                return None;
            }
            self.ladder.pop();
            let slot = key_slot(key) as usize;
            let entry = &mut self.slots[slot];
            match entry.payload.take() {
                Some(payload) => {
                    entry.generation = U32Bytes::new(Self::bump(entry.generation.get()));
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
        !self.lane.is_empty() && top.is_none_or(|k| key_time(k) > self.current.0)
    }

    /// Frees the slot of a cancelled event taken from the lane.
    fn release_lane(&mut self, slot: u32) {
        let entry = &mut self.slots[slot as usize];
        entry.generation = U32Bytes::new(entry.generation.get() & !IN_LANE);
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
        self.ladder.retain(|slot| {
            let alive = slots[slot as usize].payload.is_some();
            if !alive {
                freed.push(slot);
            }
            alive
        });
        debug_assert_eq!(freed.len(), self.dead, "every dead key of the ladder");
        self.free.extend(freed);
        self.dead = 0;
    }
}

/// The order of keys among themselves: `time << 64 | order << 32 | slot`, where `order`
/// numbers the near tier's keys in the order they were pushed (see `Near`).
#[inline]
fn key_time(key: u128) -> u64 {
    (key >> 64) as u64
}

#[inline]
fn key_slot(key: u128) -> u32 {
    key as u32
}

/// A key without its order bits (`time << 64 | slot`), as the top and the scratch hold them:
/// there, and in the buckets, keys stay in the order they were pushed.
#[inline]
fn plain_key(time: u64, slot: u32) -> u128 {
    u128::from(time) << 64 | u128::from(slot)
}

/// The ladder's near tier: the keys due soonest, sorted largest first, so that the smallest
/// pops off the end. It holds one bucket (tens of keys), sorted when the bucket is opened;
/// a key pushed into it is due soon, so it goes in near the end and little is moved.
///
/// Keys of equal time must pop in the order they were pushed. Elsewhere in the ladder that
/// order is kept by position (a bucket and the top are appended to, and emptied front to
/// back); here each key gets an order number as it arrives, counting up from 0 when the
/// tier is filled from a bucket, and the sort breaks ties by it.
#[derive(Default)]
struct Near {
    keys: Vec<u128>,
    /// The order number of the next key.
    next_order: u32,
    /// Sort keys of a bucket being opened (see `fill`).
    sort: Vec<u64>,
}

impl Near {
    fn len(&self) -> usize {
        self.keys.len()
    }

    /// Inserts from the end: the keys it passes are the ones due before it, few for a key due
    /// soon.
    #[inline(always)]
    fn push(&mut self, time: u64, slot: u32) {
        if self.next_order == u32::MAX {
            self.renumber();
        }
        let key = plain_key(time, slot) | u128::from(self.next_order) << 32;
        self.next_order += 1;
        self.keys.push(key);
        let keys = &mut self.keys[..];
        let mut i = keys.len() - 1;
        // Its order number is above every other's, so it goes before each key due at or
        // before it: comparing times alone (one 64-bit word, not two) gives the same place.
        while i > 0 && key_time(keys[i - 1]) <= time {
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

    /// Makes the (empty) tier `plain`'s keys, given in the order they were pushed, all due at
    /// or after `base`; hands back `plain`'s vector, emptied, for the caller to reuse.
    fn fill(&mut self, mut plain: Vec<u128>, base: u64) -> Vec<u128> {
        let latest = plain.iter().map(|&k| key_time(k) - base).max().unwrap_or(0);
        if latest <= u64::from(u32::MAX) && plain.len() <= u32::MAX as usize {
            self.fill_by_offset(plain.len(), |i| key_time(plain[i]) - base, |i| plain[i]);
            plain.clear();
            return plain;
        }
        debug_assert!(self.keys.is_empty());
        self.next_order = plain.len() as u32;
        for (order, key) in plain.iter_mut().enumerate() {
            *key |= (order as u128) << 32;
        }
        let old = std::mem::replace(&mut self.keys, plain);
        self.keys.sort_unstable_by(|a, b| b.cmp(a));
        old
    }

    /// Makes the (empty) tier the keys of a narrow rung's bucket, as its words (in the order
    /// pushed), the rung starting at `start` and the bucket at `base`, under 2^32 ns wide.
    fn fill_words(&mut self, words: &[u64], start: u64, base: u64) {
        let first = base - start;
        self.fill_by_offset(
            words.len(),
            |i| (words[i] >> SLOT_BITS) - first,
            |i| {
                plain_key(
                    start + (words[i] >> SLOT_BITS),
                    (words[i] & SLOT_MASK) as u32,
                )
            },
        );
    }

    /// Makes the (empty) tier `n` keys, numbered in the order pushed: key `i` is `plain(i)`,
    /// due `offset(i)` (under 2^32) after the earliest any can be. It sorts 8-byte surrogates
    /// (offset, order number): about half the work of sorting the 16-byte keys.
    #[inline]
    fn fill_by_offset(
        &mut self,
        n: usize,
        offset: impl Fn(usize) -> u64,
        plain: impl Fn(usize) -> u128,
    ) {
        debug_assert!(self.keys.is_empty());
        self.next_order = n as u32;
        self.sort.clear();
        self.sort.extend((0..n).map(|i| offset(i) << 32 | i as u64));
        self.sort.sort_unstable();
        self.keys.extend(self.sort.iter().rev().map(|&s| {
            let i = s as u32;
            plain(i as usize) | u128::from(i) << 32
        }));
    }

    /// Numbers the keys again from 0 in their order, once 2^32 pushes have used up the order
    /// numbers (a small queue that never leaves the near tier).
    #[cold]
    fn renumber(&mut self) {
        let n = self.keys.len();
        for (i, key) in self.keys.iter_mut().enumerate() {
            let order = (n - 1 - i) as u128;
            *key = (*key & !(u128::from(u32::MAX) << 32)) | order << 32;
        }
        self.next_order = n as u32;
    }

    /// Takes the later half of the keys, in the order they would pop (so keys of equal time in
    /// the order they were pushed), as plain keys.
    fn take_later_half(&mut self) -> Vec<u128> {
        let half = self.keys.len() / 2;
        let mut moved: Vec<u128> = self
            .keys
            .drain(..half)
            .map(|k| k & !(u128::from(u32::MAX) << 32))
            .collect();
        moved.reverse();
        moved
    }

    fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        self.keys.retain(|&k| keep(key_slot(k)));
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
/// A near tier this large gives its later half to the top (with no rung behind it) or to a
/// finer rung (see `Ladder::spawn_rung`).
const NEAR_MAX: usize = 64;
/// A top this large is laid out as a rung at once (see `spill_top`). The top's vector is
/// reserved at this size (16 KiB), so it never grows by doubling.
const TOP_LIMIT: usize = 1024;
/// Words per chunk of a bucket (a chunk is 120 bytes). Under a hold model at 100,000 pending,
/// chunks of 14 words held the fewest bytes: chunks of 22 or 30 leave more room unused in
/// each bucket's last chunk, chunks of 6 add more headers.
const CHUNK: usize = 14;
/// No chunk: the end of a bucket's chain (or a bucket without one).
const NO_CHUNK: u32 = u32::MAX;
/// A rung spanning at most this many nanoseconds stores a key in one word: its time from the
/// rung's start, above the slot's bits. A wider rung stores the time and the slot in two.
const NARROW_SPAN: u128 = 1 << (64 - SLOT_BITS);

/// Part of a bucket: up to `CHUNK` words and the next chunk of the same bucket.
#[derive(Clone, Copy)]
struct Chunk {
    words: [u64; CHUNK],
    len: u32,
    next: u32,
}

/// Every bucket's keys, in chunks of one arena: a bucket is a chain of chunks, appended to at
/// its tail and read from its head (so in the order pushed), and a freed chunk is reused
/// first. Buckets then cost no allocation of their own, and the memory held is the keys plus
/// at most one part-filled chunk per bucket (growable vectors per bucket held their keys
/// about twice over, and fragmented the allocator).
struct Chunks {
    arena: Vec<Chunk>,
    free: Vec<u32>,
}

impl Default for Chunks {
    fn default() -> Self {
        Chunks {
            arena: Vec::with_capacity(FIRST_BLOCK / std::mem::size_of::<Chunk>()),
            free: Vec::new(),
        }
    }
}

/// A chain of chunks and the words it holds.
#[derive(Clone, Copy)]
struct Bucket {
    head: u32,
    tail: u32,
    len: u32,
}

impl Bucket {
    const EMPTY: Bucket = Bucket {
        head: NO_CHUNK,
        tail: NO_CHUNK,
        len: 0,
    };
}

impl Chunks {
    #[inline(always)]
    fn push(&mut self, bucket: &mut Bucket, word: u64) {
        if bucket.tail == NO_CHUNK || self.arena[bucket.tail as usize].len == CHUNK as u32 {
            self.add_chunk(bucket);
        }
        let chunk = &mut self.arena[bucket.tail as usize];
        chunk.words[chunk.len as usize] = word;
        chunk.len += 1;
        bucket.len += 1;
    }

    /// Links a new (or freed) chunk at the bucket's tail.
    #[inline(never)]
    fn add_chunk(&mut self, bucket: &mut Bucket) {
        let c = match self.free.pop() {
            Some(c) => {
                // Its old words are overwritten before they are read.
                let chunk = &mut self.arena[c as usize];
                chunk.len = 0;
                chunk.next = NO_CHUNK;
                c
            }
            None => {
                self.arena.push(Chunk {
                    words: [0; CHUNK],
                    len: 0,
                    next: NO_CHUNK,
                });
                (self.arena.len() - 1) as u32
            }
        };
        if bucket.tail == NO_CHUNK {
            bucket.head = c;
        } else {
            self.arena[bucket.tail as usize].next = c;
        }
        bucket.tail = c;
    }

    /// Keeps, in place and in order, the keys of `width` words (1 or 2, the slot in the first
    /// word's low bits or in the second word) whose slot `keep` accepts; frees the chunks
    /// left empty.
    fn retain(&mut self, bucket: &mut Bucket, width: usize, mut keep: impl FnMut(u32) -> bool) {
        let (mut to, mut at) = (bucket.head, 0usize);
        let mut kept = 0u32;
        let mut from = bucket.head;
        while from != NO_CHUNK {
            let len = self.arena[from as usize].len as usize;
            for i in (0..len).step_by(width) {
                let words = &self.arena[from as usize].words;
                let (first, second) = (words[i], words.get(i + 1).copied().unwrap_or(0));
                let slot = if width == 2 {
                    second as u32
                } else {
                    (first & SLOT_MASK) as u32
                };
                if !keep(slot) {
                    continue;
                }
                if at == CHUNK {
                    to = self.arena[to as usize].next;
                    at = 0;
                }
                let into = &mut self.arena[to as usize].words;
                into[at] = first;
                if width == 2 {
                    into[at + 1] = second;
                }
                at += width;
                kept += width as u32;
            }
            from = self.arena[from as usize].next;
        }
        if kept == 0 {
            self.drain(bucket, |_| {});
            return;
        }
        // The chunks after the last one written are freed.
        let mut c = std::mem::replace(&mut self.arena[to as usize].next, NO_CHUNK);
        self.arena[to as usize].len = at as u32;
        while c != NO_CHUNK {
            self.free.push(c);
            c = self.arena[c as usize].next;
        }
        bucket.tail = to;
        bucket.len = kept;
    }

    /// Copies the words of the bucket's first chunk to `out`, frees that chunk, and returns how
    /// many there were; `None` once the bucket is empty.
    #[inline]
    fn take_front(&mut self, bucket: &mut Bucket, out: &mut [u64; CHUNK]) -> Option<usize> {
        if bucket.head == NO_CHUNK {
            return None;
        }
        let c = bucket.head;
        let chunk = &self.arena[c as usize];
        let n = chunk.len as usize;
        out[..n].copy_from_slice(&chunk.words[..n]);
        bucket.head = chunk.next;
        bucket.len -= n as u32;
        if bucket.head == NO_CHUNK {
            *bucket = Bucket::EMPTY;
        }
        self.free.push(c);
        Some(n)
    }

    /// Calls `each` on the bucket's words in the order pushed, and frees its chunks.
    #[inline]
    fn drain(&mut self, bucket: &mut Bucket, mut each: impl FnMut(&[u64])) {
        let mut c = bucket.head;
        while c != NO_CHUNK {
            let chunk = &self.arena[c as usize];
            each(&chunk.words[..chunk.len as usize]);
            self.free.push(c);
            c = chunk.next;
        }
        *bucket = Bucket::EMPTY;
    }
}

/// Buckets of equal width (2^`shift` nanoseconds): bucket `b` holds the keys, in the order
/// pushed, with times in `[start + b << shift, start + (b + 1) << shift)`; those before
/// `next` are used up.
struct Rung {
    start: u64,
    shift: u32,
    next: usize,
    /// The last time the rung covers: the end of its last bucket, or less for a rung taken
    /// from the near tier (see `Ladder::spawn_rung`), which ends where the near tier did.
    last: u64,
    /// Keys take two words (time, slot) instead of one: the rung spans more than
    /// `NARROW_SPAN`.
    wide: bool,
    buckets: Vec<Bucket>,
}

impl Rung {
    fn new(start: u64, shift: u32, nb: usize) -> Rung {
        let end = u128::from(start) + ((nb as u128) << shift);
        Rung {
            start,
            shift,
            next: 0,
            last: u64::try_from(end - 1).unwrap_or(u64::MAX),
            wide: (nb as u128) << shift > NARROW_SPAN,
            buckets: vec![Bucket::EMPTY; nb],
        }
    }

    /// Where bucket `b` begins, at most just past `last` (the end of time when that is past
    /// it).
    fn edge(&self, b: usize) -> u64 {
        let edge = u128::from(self.start) + ((b as u128) << self.shift);
        let edge = edge.min(u128::from(self.last) + 1);
        u64::try_from(edge).unwrap_or(u64::MAX)
    }

    /// The bucket for `time` (at least `start`), if it falls in this rung.
    #[inline]
    fn bucket(&self, time: u64) -> Option<usize> {
        (time <= self.last).then_some(((time - self.start) >> self.shift) as usize)
    }

    /// Appends a key (its time in this rung) to bucket `b`.
    #[inline(always)]
    fn push(&mut self, chunks: &mut Chunks, b: usize, time: u64, slot: u32) {
        let bucket = &mut self.buckets[b];
        if self.wide {
            chunks.push(bucket, time);
            chunks.push(bucket, u64::from(slot));
        } else {
            chunks.push(bucket, (time - self.start) << SLOT_BITS | u64::from(slot));
        }
    }

    /// Appends a key (its time in this rung) to its bucket.
    #[inline(always)]
    fn push_key(&mut self, chunks: &mut Chunks, time: u64, slot: u32) {
        let b = ((time - self.start) >> self.shift) as usize;
        self.push(chunks, b, time, slot);
    }

    /// Moves bucket `b`'s keys, in the order pushed, to `finer` (which covers the bucket), and
    /// empties it. Each chunk is freed as soon as its words are read, for `finer` to reuse: the
    /// move holds no key twice.
    fn move_bucket(&mut self, chunks: &mut Chunks, b: usize, finer: &mut Rung) {
        let mut bucket = std::mem::replace(&mut self.buckets[b], Bucket::EMPTY);
        let mut words = [0; CHUNK];
        // A wide key's time, when its slot is the next word (the two may lie in two chunks).
        let mut time = None;
        while let Some(n) = chunks.take_front(&mut bucket, &mut words) {
            if !self.wide {
                for &w in &words[..n] {
                    let slot = (w & SLOT_MASK) as u32;
                    finer.push_key(chunks, self.start + (w >> SLOT_BITS), slot);
                }
                continue;
            }
            for &w in &words[..n] {
                match time.take() {
                    Some(t) => finer.push_key(chunks, t, w as u32),
                    None => time = Some(w),
                }
            }
        }
    }

    /// Keys in bucket `b`.
    fn keys_in(&self, b: usize) -> usize {
        let words = self.buckets[b].len as usize;
        if self.wide { words / 2 } else { words }
    }

    /// Appends bucket `b`'s keys to `out` as plain keys, in the order pushed, and empties it.
    fn drain(&mut self, chunks: &mut Chunks, b: usize, out: &mut Vec<u128>) {
        out.reserve(self.keys_in(b));
        let start = self.start;
        if self.wide {
            // A key's two words may lie in two chunks.
            let mut time = None;
            chunks.drain(&mut self.buckets[b], |words| {
                for &w in words {
                    match time.take() {
                        None => time = Some(w),
                        Some(t) => out.push(plain_key(t, w as u32)),
                    }
                }
            });
        } else {
            chunks.drain(&mut self.buckets[b], |words| {
                out.extend(
                    words
                        .iter()
                        .map(|&w| plain_key(start + (w >> SLOT_BITS), (w & SLOT_MASK) as u32)),
                );
            });
        }
    }
}

/// The queue's keys in tiers (a ladder queue): a short sorted run of the keys due before
/// `horizon`, rungs of buckets of keys in the order pushed (each rung finer than the one
/// before and covering one bucket of it or, taken from a crowded near tier, the end of it;
/// or, laid out early from the top, beginning where the one after it ends), and a top beyond
/// the coarsest rung, also in the order pushed. Every near key is before every bucket key,
/// each bucket's keys before the next bucket's, the finest rung's before the coarser ones',
/// and all before the top's, so the near tier's last key is the first of all. Keys of equal
/// time are in one place, in the order pushed, except where the near tier gave its later
/// half away (to the top or to a finer rung): it keeps those pushed earlier.
///
/// A push ahead of the horizon is an append to a bucket; the near tier only ever holds one
/// small bucket and what is pushed into it (past `NEAR_MAX` keys, its later half goes to a
/// finer rung). When it empties, the next non-empty bucket of the finest rung becomes it,
/// or, holding more than `SPLIT` keys, is spread over a finer rung first; when the rungs are
/// used up, the top is laid out as a new rung spanning its keys. The order of pops is
/// exactly the order of (time, push).
struct Ladder {
    near: Near,
    /// Keys below this time go to the near tier.
    horizon: u64,
    /// Coarsest first.
    rungs: Vec<Rung>,
    chunks: Chunks,
    /// Keys beyond the rungs (plain keys, in the order pushed), with bounds on their times.
    top: Vec<u128>,
    top_min: u64,
    top_max: u64,
    /// A wide bucket's keys (or a bucket's over 2^32 ns wide) on their way to the near tier.
    scratch: Vec<u128>,
    /// A narrow bucket's words on their way to the near tier.
    words: Vec<u64>,
    /// Keys in the rungs and the top.
    far: usize,
}

impl Default for Ladder {
    fn default() -> Self {
        Ladder {
            near: Near::default(),
            horizon: 0,
            rungs: Vec::new(),
            chunks: Chunks::default(),
            // Reserved once at the size it is laid out at, not grown by doubling: every block
            // outgrown would stay resident (the pages of this one only once touched).
            top: Vec::with_capacity(TOP_LIMIT),
            top_min: 0,
            top_max: 0,
            scratch: Vec::new(),
            words: Vec::new(),
            far: 0,
        }
    }
}

impl Ladder {
    fn len(&self) -> usize {
        self.near.len() + self.far
    }

    #[inline]
    fn push(&mut self, time: u64, slot: u32) {
        if time < self.horizon {
            self.near.push(time, slot);
            if self.near.len() > NEAR_MAX {
                if self.rungs.is_empty() {
                    self.spill_near();
                } else if self.rungs.len() < MAX_RUNGS {
                    self.spawn_rung();
                }
            }
            return;
        }
        if self.far == 0 && self.rungs.is_empty() && self.near.len() < SMALL_TOP {
            // Nothing lies beyond the near tier: it takes the key, and its bound moves past it
            // (a small queue, as an M/M/c station's, never leaves the near tier).
            self.horizon = time.saturating_add(1);
            self.near.push(time, slot);
            return;
        }
        self.far += 1;
        for rung in self.rungs.iter_mut().rev() {
            if let Some(b) = rung.bucket(time) {
                if b < rung.next {
                    // Only when a rung's end saturated at the end of time.
                    self.far -= 1;
                    self.near.push(time, slot);
                } else {
                    rung.push(&mut self.chunks, b, time, slot);
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
        self.top.push(plain_key(time, slot));
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
            let k = rung.keys_in(b);
            if k == 0 {
                continue;
            }
            self.far -= k;
            let split = k > SPLIT && rung.shift > 0 && depth < MAX_RUNGS;
            if !split && !rung.wide && rung.shift <= 32 {
                // The near tier is empty: it takes the bucket's words as they are.
                let mut words = std::mem::take(&mut self.words);
                self.chunks
                    .drain(&mut rung.buckets[b], |w| words.extend_from_slice(w));
                self.near.fill_words(&words, rung.start, bucket_start);
                words.clear();
                self.words = words;
                return;
            }
            if split {
                let parts = (k / PER_BUCKET).next_power_of_two().min(MAX_BUCKETS);
                let shift = rung.shift.saturating_sub(parts.trailing_zeros());
                let nb = 1usize << (rung.shift - shift);
                let mut finer = Rung::new(bucket_start, shift, nb);
                // The bucket ends where its rung does, if that is sooner (a rung taken from the
                // near tier ends at the horizon it had).
                finer.last = finer.last.min(rung.last);
                rung.move_bucket(&mut self.chunks, b, &mut finer);
                self.far += k;
                self.rungs.push(finer);
                continue;
            }
            let mut keys = std::mem::take(&mut self.scratch);
            rung.drain(&mut self.chunks, b, &mut keys);
            // The near tier is empty: it takes the bucket's keys, its vector is the scratch.
            self.scratch = self.near.fill(keys, bucket_start);
            return;
        }
    }

    /// A rung of `nb` buckets from `start` holding `keys` (plain keys in the order pushed),
    /// which it empties, shrinking the vector as it goes: a large top is not held twice.
    fn rung_of(&mut self, start: u64, shift: u32, nb: usize, keys: &mut Vec<u128>) -> Rung {
        let mut rung = Rung::new(start, shift, nb);
        self.far += keys.len();
        let mut from = 0;
        while from < keys.len() {
            // A quarter at a time, front to back (the order pushed), then the rest moved down.
            let to = keys.len().min(from + (keys.len() / 4).max(TOP_LIMIT));
            for &key in &keys[from..to] {
                rung.push_key(&mut self.chunks, key_time(key), key_slot(key));
            }
            from = to;
            if from < keys.len() && keys.capacity() > 4 * TOP_LIMIT {
                keys.drain(..from);
                keys.shrink_to_fit();
                from = 0;
            }
        }
        keys.clear();
        rung
    }

    /// Spreads the top over a new rung (or, when it is small, makes it the near tier).
    fn lay_out_top(&mut self) {
        let (min, max) = (self.top_min, self.top_max);
        let n = self.top.len();
        self.top_max = 0;
        self.far -= n;
        let mut top = std::mem::take(&mut self.top);
        if n <= SMALL_TOP || min == max {
            self.horizon = max.saturating_add(1);
            self.top = self.near.fill(top, min);
            return;
        }
        self.horizon = min;
        let (shift, nb) = Self::layout(n, max - min);
        let rung = self.rung_of(min, shift, nb, &mut top);
        self.rungs.push(rung);
        self.top = top;
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
    /// before it (and pushed before those moved of equal time), every key moved and every
    /// later push after.
    ///
    /// The keys moved go before the top's: they are due no later, and pushed earlier where
    /// equal (at the end of time, where a saturated horizon lets the near tier and the top
    /// hold equal times).
    #[cold]
    fn spill_near(&mut self) {
        let moved = self.near.take_later_half();
        if let (Some(&first), Some(&last)) = (moved.first(), moved.last()) {
            let (min, max) = (key_time(first), key_time(last));
            self.top_min = if self.top.is_empty() {
                min
            } else {
                self.top_min.min(min)
            };
            self.top_max = self.top_max.max(max);
            self.horizon = min;
        }
        self.far += moved.len();
        // Into the top's own vector (reserved once; see `Ladder::default`).
        self.top.splice(0..0, moved);
        if self.top.len() >= TOP_LIMIT {
            self.spill_top();
        }
    }

    /// Moves the later half of a near tier grown past `NEAR_MAX` (pushes landing before the
    /// horizon, with rungs behind it) to a new finest rung from the earliest key moved to the
    /// horizon, which becomes the new horizon: the near tier stays short, so a push into it
    /// moves few keys. Every key left is at or before the earliest moved (and pushed before
    /// those moved of equal time), every key moved and every later push after.
    #[cold]
    fn spawn_rung(&mut self) {
        let half = self.near.len() / 2;
        let earliest = key_time(self.near.keys[half - 1]);
        if key_time(self.near.keys[0]) >= self.horizon {
            // Only at the end of time, where the horizon saturates: the near tier holds keys
            // due at it, which no rung ending there can take.
            return;
        }
        let mut keys = self.near.take_later_half();
        let span = self.horizon - earliest;
        let wanted = (keys.len() / PER_BUCKET).clamp(2, MAX_BUCKETS) as u64;
        let shift = 64 - (span / wanted).leading_zeros();
        let nb = ((span - 1) >> shift) as usize + 1;
        let mut rung = self.rung_of(earliest, shift, nb, &mut keys);
        rung.last = self.horizon - 1;
        self.rungs.push(rung);
        self.horizon = earliest;
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

    /// Checks that no key can be pushed into the near tier ahead of a key waiting further
    /// up: the horizon is at or before every unopened bucket and the top.
    #[cfg(test)]
    fn check(&self) {
        for rung in &self.rungs {
            if rung.next < rung.buckets.len() {
                assert!(
                    self.horizon <= rung.edge(rung.next),
                    "horizon past a bucket"
                );
            }
        }
        if !self.top.is_empty() {
            assert!(self.horizon <= self.top_min, "horizon past the top");
        }
    }

    /// The bytes the ladder's vectors hold (in chunks, the high-water mark: a chunk once used
    /// stays in the arena).
    #[cfg(test)]
    fn held_bytes(&self) -> usize {
        use std::mem::size_of;
        self.chunks.arena.len() * size_of::<Chunk>()
            + self.chunks.free.capacity() * 4
            + (self.top.capacity() + self.scratch.capacity() + self.near.keys.capacity()) * 16
            + (self.words.capacity() + self.near.sort.capacity()) * 8
            + self
                .rungs
                .iter()
                .map(|r| r.buckets.capacity())
                .sum::<usize>()
                * size_of::<Bucket>()
    }

    /// Keeps the keys whose slot `keep` accepts, each where it was.
    fn retain(&mut self, mut keep: impl FnMut(u32) -> bool) {
        self.near.retain(&mut keep);
        let mut far = 0;
        for rung in &mut self.rungs {
            let width = if rung.wide { 2 } else { 1 };
            for b in rung.next..rung.buckets.len() {
                self.chunks.retain(&mut rung.buckets[b], width, &mut keep);
                far += rung.keys_in(b);
            }
        }
        self.top.retain(|&k| keep(key_slot(k)));
        self.far = far + self.top.len();
    }
}

/// A slot's size with the given payload.
#[cfg(test)]
pub(crate) fn slot_bytes<T>() -> usize {
    std::mem::size_of::<Slot<T>>()
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
    fn the_keys_of_a_hold_load_take_under_ten_bytes_each() {
        // The ladder's share of the memory of a queue (the slots come on top): one 8-byte word
        // per key in a bucket, plus chunk headers, part-filled last chunks, the bucket arrays,
        // the top and the near tier. Measured: 12.15 and 10.12 bytes; chunks of 22 words take
        // 13.23 and 10.65, of 30 words 14.40 and 11.32, and a top reserved at 4,096 keys 14.94 at
        // 20,000.
        for (outstanding, most) in [(20_000u32, 12.5), (100_000, 10.5)] {
            let mut q = EventQueue::new();
            let mut exp = exp_stream(11);
            let mut peak = 0;
            for i in 0..outstanding {
                q.push(SimTime(exp()), i);
                peak = peak.max(q.ladder.held_bytes());
            }
            for _ in 0..200_000 {
                let (t, v) = q.pop().unwrap();
                q.push(SimTime(t.0 + exp()), v);
                peak = peak.max(q.ladder.held_bytes());
            }
            let per_key = peak as f64 / f64::from(outstanding);
            assert!(per_key < most, "{outstanding}: {per_key:.2} bytes per key");
        }
    }

    /// Exponential delays of mean 1 ms, in nanoseconds (the hold model's), drawn from
    /// `stream(seed)`.
    fn exp_stream(seed: u64) -> impl FnMut() -> u64 {
        let mut next = stream(seed);
        move || {
            let u = (next() >> 11) as f64 / (1u64 << 53) as f64;
            (-(1.0 - u).ln() * 1e6) as u64
        }
    }

    /// A deterministic stream of random words.
    fn stream(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x = crate::rng::splitmix64(x);
            x
        }
    }

    /// Against a reference ordered by (time, insertion number): random pushes (a third of
    /// them at the current instant, so into the lane; the others `ahead()` of it), cancels
    /// of random handles, pops with and without a limit.
    fn agrees_with_a_reference(seed: u64, steps: u64, mut ahead: impl FnMut(u64) -> u64) {
        use std::collections::BTreeMap;
        let mut next = stream(seed);
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
            q.ladder.check();
        }
        // Drained, the queue gives back exactly what the reference holds, in its order.
        let rest: Vec<(u64, u64)> = std::iter::from_fn(|| q.pop().map(|(t, v)| (t.0, v))).collect();
        let want: Vec<(u64, u64)> = reference.into_iter().map(|(k, v)| (k.0, v)).collect();
        if let Some(i) = (0..rest.len().min(want.len())).find(|&i| rest[i] != want[i]) {
            panic!(
                "first difference at {i} of {}/{}: got {:?} want {:?}",
                rest.len(),
                want.len(),
                &rest[i.saturating_sub(2)..(i + 3).min(rest.len())],
                &want[i.saturating_sub(2)..(i + 3).min(want.len())]
            );
        }
        assert_eq!(rest.len(), want.len());
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
        let mut next = stream(11);
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

    /// Bursts of pushes landing before the horizon while far keys wait in coarse rungs (a
    /// request fanning out into hops of microseconds while timeouts wait seconds ahead): the
    /// near tier grows past `NEAR_MAX` again and again, and its later half becomes a finer
    /// rung ending at the horizon, against a reference.
    #[test]
    fn a_crowded_near_tier_moves_to_a_finer_rung_in_order() {
        use std::collections::BTreeMap;
        let mut next = stream(3);
        let mut q = EventQueue::new();
        let mut reference = BTreeMap::new();
        let mut now = 0;
        let mut i = 0u64;
        let mut push = |q: &mut EventQueue<u64>, reference: &mut BTreeMap<_, _>, t: u64| {
            q.push(SimTime(t), i);
            reference.insert((t, i), i);
            i += 1;
        };
        for _ in 0..20_000 {
            let t = next() % (1 << 30);
            push(&mut q, &mut reference, t);
        }
        let mut near = 0;
        for _ in 0..200_000 {
            let want = reference.pop_first().map(|((t, _), v)| (t, v));
            let got = q.pop().map(|(t, v)| (t.0, v));
            assert_eq!(got, want);
            now = got.map_or(now, |(t, _)| t);
            let r = next();
            if r % 2 == 0 {
                push(&mut q, &mut reference, now + (r >> 8) % (1 << 30));
            } else {
                for k in 0..1 + r % 2 {
                    let t = now + 1 + (r >> (8 + 16 * k)) % (1 << 14);
                    push(&mut q, &mut reference, t);
                }
            }
            q.ladder.check();
            near += q.ladder.near.len();
        }
        // Without the finer rungs, the near tier would hold every burst until the horizon.
        let mean = near as f64 / 200_000.0;
        assert!(mean < 32.0, "{mean} keys in the near tier on average");
    }

    /// With a thousand or a hundred thousand events outstanding, each popped event replaced by
    /// one an exponential time later (the hold model), the near tier holds a few dozen keys,
    /// not all of them: the buckets take the rest.
    #[test]
    fn the_near_heap_stays_small_under_a_hold_load() {
        for outstanding in [1_000u32, 100_000] {
            let mut q = EventQueue::new();
            let mut exp = exp_stream(7);
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

    /// At the end of time the horizon saturates, so the near tier and the top can both hold
    /// keys due then; a near tier spilled to the top must put its keys (pushed earlier) first.
    #[test]
    fn keys_due_at_the_end_of_time_keep_their_order_through_a_spill() {
        let mut q = EventQueue::new();
        // The first `SMALL_TOP` go to the near tier (a small queue), the rest to the top.
        for i in 0..40u64 {
            q.push(SimTime::MAX, i);
        }
        // Due before them, into the near tier, until it spills its later half to the top.
        for i in 0..60u64 {
            q.push(SimTime(10 + i), 100 + i);
        }
        let popped: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(_, v)| v)).collect();
        let want: Vec<u64> = (100..160).chain(0..40).collect();
        assert_eq!(popped, want);
    }

    /// Sweeping a bucket keeps its keys in order, packed into as few chunks as they need, and
    /// frees the rest; with two-word keys (a wide rung) too.
    #[test]
    fn a_swept_bucket_keeps_its_order_and_frees_its_empty_chunks() {
        for width in [1usize, 2] {
            let mut chunks = Chunks::default();
            let mut bucket = Bucket::EMPTY;
            let n = 200u64;
            let word = |k: u64| (k << SLOT_BITS) | k;
            for k in 0..n {
                if width == 2 {
                    chunks.push(&mut bucket, 1_000 + k);
                    chunks.push(&mut bucket, k);
                } else {
                    chunks.push(&mut bucket, word(k));
                }
            }
            let keep = |slot: u32| slot % 3 == 0 || (100..110).contains(&slot);
            chunks.retain(&mut bucket, width, keep);
            let want: Vec<u64> = (0..n).filter(|&k| keep(k as u32)).collect();
            let (mut words, mut chain) = (Vec::new(), 0);
            let mut c = bucket.head;
            while c != NO_CHUNK {
                let chunk = &chunks.arena[c as usize];
                words.extend_from_slice(&chunk.words[..chunk.len as usize]);
                chain += 1;
                c = chunk.next;
            }
            let got: Vec<u64> = if width == 2 {
                assert!(words.chunks(2).all(|p| p[0] == 1_000 + p[1]));
                words.chunks(2).map(|p| p[1]).collect()
            } else {
                words.iter().map(|w| w & SLOT_MASK).collect()
            };
            assert_eq!(got, want);
            assert_eq!(bucket.len as usize, want.len() * width);
            // Packed into as few chunks as they need; the others are free.
            let needed = (want.len() * width).div_ceil(CHUNK);
            assert_eq!(chain, needed);
            assert_eq!(chunks.free.len(), chunks.arena.len() - needed);
            // Swept again with nothing kept, the bucket is empty and every chunk free.
            chunks.retain(&mut bucket, width, |_| false);
            assert_eq!((bucket.head, bucket.len), (NO_CHUNK, 0));
            assert_eq!(chunks.free.len(), chunks.arena.len());
        }
    }

    #[test]
    fn renumbering_the_near_tier_preserves_order() {
        let mut q = EventQueue::new();
        q.ladder.near.next_order = u32::MAX - 3;
        for i in 0..10u32 {
            q.push(SimTime(7), i);
        }
        q.push(SimTime(6), 99);
        let popped: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, v)| v)).collect();
        assert_eq!(popped, vec![99, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
}
