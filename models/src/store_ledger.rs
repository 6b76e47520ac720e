//! What a replicated store's clients observed, and the replicas' disks.
//!
//! **Writes are numbered** from 1 (0 is "absent"); the number is also the value written, so
//! the history checker sees every write's value as unique. Each write's metadata lives here:
//! its key, last-writer-wins timestamp, which replica stamped it and when, and, for the
//! protocols where one replica coordinates each write, its **version vector** (one counter
//! per replica): a write supersedes exactly the versions its coordinating replica held for
//! the key when it accepted it. Two versions neither of which dominates the other are
//! concurrent, and the store's `conflicts` setting reconciles them. Replicas decide with
//! version vectors, as real ones do; the ledger also remembers, as an oracle, exactly which
//! versions each write replaced (its *parents*), because a version vector cannot tell a
//! version its replica dropped in a merge from one it saw and overwrote.
//!
//! **The disks.** Each replica's data (per key, the versions it holds: one, or several
//! siblings) is kept here, the replica reading and writing it through its context: it
//! survives crashes by construction, and after the run the lost writes are found on it.
//!
//! **Measures.** Stale reads (a read that returned an older value than a write acknowledged
//! before it began), replication lag (from a write's acceptance to its arrival at each other
//! replica), t-visibility (the share of fresh reads by time since the key's last
//! acknowledged write), sibling reads, and lost writes (acknowledged, and replaced by no
//! write that knew of it: not an ancestor, through parents, of any version left on a disk).

use crate::checker::history::HistoryRecorder;
use sim_core::metrics::Histogram;
use sim_core::time::SimTime;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// Acknowledged writes remembered per key for staleness (older ones are summarised away).
const ACKED_PER_KEY: usize = 64;

/// Upper edges of the t-visibility bins, in milliseconds since the key's last acknowledged
/// write (the last bin is open).
pub const VISIBILITY_EDGES_MS: [f64; 13] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0,
];

const NOBODY: u16 = u16::MAX;

#[derive(Clone, Copy, Debug)]
struct WriteInfo {
    key: u32,
    ts: u64,
    /// Replica that stamped it (`NOBODY`: not yet, or stamped by a client under `cp`).
    by: u16,
    accepted_at: SimTime,
    acked: bool,
}

/// A replicated store's ledger.
#[derive(Debug)]
pub struct StoreLedger {
    /// The history, for the linearizability checker.
    pub history: HistoryRecorder,
    replicas: usize,
    /// Writes carry version vectors (every protocol but `cp`).
    versioned: bool,
    writes: Vec<WriteInfo>,
    /// Version vectors, `replicas` counters per write, flattened.
    vv: Vec<u32>,
    /// Per replica, the counter of its last stamped write (durable).
    counters: Vec<u32>,
    /// Per write, the range of its parents in `parents` (the versions it replaced).
    parent_ranges: Vec<(u32, u32)>,
    parents: Vec<u32>,
    /// Per replica, per key, the versions held (siblings under `conflicts: siblings`).
    disks: Vec<BTreeMap<u32, Vec<u32>>>,
    /// Per key, the (timestamp, acknowledgement time) of its last acknowledged writes.
    acked: HashMap<u32, VecDeque<(u64, SimTime)>>,
    /// Reads completed.
    pub reads: u64,
    /// Of which returned an older value than a write acknowledged before the read began.
    pub stale_reads: u64,
    /// Sum, over stale reads, of how many acknowledged writes they missed.
    pub versions_behind: u64,
    /// Largest number of acknowledged writes a read missed.
    pub max_versions_behind: u64,
    /// Reads that found concurrent versions (siblings) of their key.
    pub sibling_reads: u64,
    /// Primaries elected by failover.
    pub failovers: u64,
    /// Time from a write's acceptance to its arrival at each other replica, in ns.
    pub replication_lag: Histogram,
    /// Per t-visibility bin: (reads, fresh reads).
    pub visibility: [(u64, u64); VISIBILITY_EDGES_MS.len() + 1],
}

impl StoreLedger {
    /// The ledger of a store of `replicas` replicas; `versioned` for every protocol in which
    /// one replica coordinates each write.
    /// Bytes held for the writes and the history so far, estimated from their counts
    /// (for the run's memory budget; deterministic).
    pub fn held_bytes(&self) -> u64 {
        let writes = self.writes.len() * std::mem::size_of::<WriteInfo>()
            + self.vv.len() * 4
            + self.parent_ranges.len() * 8
            + self.parents.len() * 4;
        let history =
            self.history.len() * std::mem::size_of::<crate::checker::history::Operation>();
        (writes + history) as u64
    }

    pub fn new(history_cap: usize, replicas: usize, versioned: bool) -> StoreLedger {
        StoreLedger {
            history: HistoryRecorder::new(history_cap),
            replicas,
            versioned,
            writes: vec![WriteInfo {
                key: 0,
                ts: 0,
                by: NOBODY,
                accepted_at: SimTime::ZERO,
                acked: false,
            }],
            vv: vec![0; if versioned { replicas } else { 0 }],
            counters: vec![0; replicas],
            parent_ranges: vec![(0, 0)],
            parents: Vec::new(),
            disks: vec![BTreeMap::new(); replicas],
            acked: HashMap::new(),
            reads: 0,
            stale_reads: 0,
            versions_behind: 0,
            max_versions_behind: 0,
            sibling_reads: 0,
            failovers: 0,
            replication_lag: Histogram::default(),
            visibility: [(0, 0); VISIBILITY_EDGES_MS.len() + 1],
        }
    }

    /// Numbers a new write of `key` with timestamp `ts` (0 until a replica stamps it).
    pub fn new_write(&mut self, key: u32, ts: u64) -> u32 {
        self.writes.push(WriteInfo {
            key,
            ts,
            by: NOBODY,
            accepted_at: SimTime::ZERO,
            acked: false,
        });
        if self.versioned {
            self.vv.extend(std::iter::repeat_n(0, self.replicas));
        }
        self.parent_ranges.push((0, 0));
        (self.writes.len() - 1) as u32
    }

    /// The timestamp of write `w` (0 for "absent").
    pub fn ts(&self, w: u32) -> u64 {
        self.writes.get(w as usize).map_or(0, |i| i.ts)
    }

    /// Whether a replica has stamped write `w` already (a coordinator's retry).
    pub fn is_stamped(&self, w: u32) -> bool {
        self.writes.get(w as usize).is_some_and(|i| i.by != NOBODY)
    }

    fn vv(&self, w: u32) -> &[u32] {
        let n = self.replicas;
        &self.vv[w as usize * n..(w as usize + 1) * n]
    }

    /// `a` supersedes (or is) `b`: every counter of `a` is at least `b`'s. Without version
    /// vectors, the newer timestamp supersedes.
    pub fn dominates(&self, a: u32, b: u32) -> bool {
        if b == 0 || a == b {
            return true;
        }
        if a == 0 {
            return false;
        }
        if !self.versioned {
            return self.ts(a) >= self.ts(b);
        }
        self.vv(a).iter().zip(self.vv(b)).all(|(x, y)| x >= y)
    }

    /// Replica `replica` accepts write `w` of `key` now, with timestamp `ts`: the write
    /// supersedes every version the replica holds for the key, and replaces them on its disk.
    pub fn stamp(&mut self, w: u32, replica: usize, ts: u64, now: SimTime) {
        let key = self.writes[w as usize].key;
        let held = self.disks[replica].get(&key).cloned().unwrap_or_default();
        let start = self.parents.len() as u32;
        self.parents.extend_from_slice(&held);
        self.parent_ranges[w as usize] = (start, self.parents.len() as u32);
        if self.versioned {
            let n = self.replicas;
            let mut vv = vec![0u32; n];
            for &s in &held {
                for (m, x) in vv.iter_mut().zip(self.vv(s)) {
                    *m = (*m).max(*x);
                }
            }
            self.counters[replica] += 1;
            vv[replica] = self.counters[replica];
            self.vv[w as usize * n..(w as usize + 1) * n].copy_from_slice(&vv);
        }
        let info = &mut self.writes[w as usize];
        info.ts = ts;
        info.by = replica as u16;
        info.accepted_at = now;
        self.disks[replica].insert(key, vec![w]);
    }

    /// Replica `replica` receives write `w` (shipped, repaired, anti-entropy) now: it keeps
    /// what neither supersedes, and reconciles concurrent versions by `siblings` (keep both)
    /// or last writer wins. Returns whether the replica stored `w`.
    pub fn apply(&mut self, replica: usize, w: u32, siblings: bool, now: SimTime) -> bool {
        let Some(info) = self.writes.get(w as usize).copied() else {
            return false;
        };
        if w == 0 {
            return false;
        }
        let held = self.disks[replica]
            .get(&info.key)
            .cloned()
            .unwrap_or_default();
        if held.iter().any(|&h| self.dominates(h, w)) {
            return false;
        }
        let mut kept: Vec<u32> = held
            .into_iter()
            .filter(|&h| !self.dominates(w, h))
            .collect();
        let stored = if kept.is_empty() || siblings {
            kept.push(w);
            true
        } else {
            // Last writer wins among the concurrent versions: one survives.
            let best = kept
                .iter()
                .copied()
                .max_by_key(|&h| (self.ts(h), h))
                .unwrap_or(0);
            if (info.ts, w) > (self.ts(best), best) {
                kept = vec![w];
                true
            } else {
                kept = vec![best];
                false
            }
        };
        if stored && usize::from(info.by) != replica && info.by != NOBODY {
            self.replication_lag
                .record((now.saturating_since(info.accepted_at.min(now))).as_nanos());
        }
        self.disks[replica].insert(info.key, kept);
        stored
    }

    /// The newest version replica `replica` holds for `key` (0: none) and how many it holds.
    pub fn newest(&self, replica: usize, key: u32) -> (u32, u16) {
        let held = self.disks[replica]
            .get(&key)
            .map_or(&[][..], |v| v.as_slice());
        let best = held
            .iter()
            .copied()
            .max_by_key(|&h| (self.ts(h), h))
            .unwrap_or(0);
        (best, held.len().min(usize::from(u16::MAX)) as u16)
    }

    /// The newest of the versions write `w` replaced where it was stamped (0: none).
    pub fn replaced(&self, w: u32) -> u32 {
        let Some(&(start, end)) = self.parent_ranges.get(w as usize) else {
            return 0;
        };
        self.parents[start as usize..end as usize]
            .iter()
            .copied()
            .max_by_key(|&h| (self.ts(h), h))
            .unwrap_or(0)
    }

    /// Every version on `replica`'s disk, key by key (anti-entropy).
    pub fn held(&self, replica: usize) -> Vec<u32> {
        self.disks[replica].values().flatten().copied().collect()
    }

    /// Write `w` to `key` was acknowledged now.
    pub fn write_acked(&mut self, key: u32, w: u32, now: SimTime) {
        let ts = self.ts(w);
        if let Some(info) = self.writes.get_mut(w as usize) {
            info.acked = true;
        }
        let ring = self.acked.entry(key).or_default();
        ring.push_back((ts, now));
        if ring.len() > ACKED_PER_KEY {
            ring.pop_front();
        }
    }

    /// A read of `key` invoked at `invoked` returned write `w`: count it, whether it was
    /// stale, and where it falls on the t-visibility curve.
    pub fn read_done(&mut self, key: u32, w: u32, invoked: SimTime) {
        self.reads += 1;
        let ts = self.ts(w);
        let Some(ring) = self.acked.get(&key) else {
            return;
        };
        let missed = ring
            .iter()
            .filter(|(t, at)| *at < invoked && *t > ts)
            .count() as u64;
        if missed > 0 {
            self.stale_reads += 1;
            self.versions_behind += missed;
            self.max_versions_behind = self.max_versions_behind.max(missed);
        }
        // The key's last write acknowledged before the read began.
        if let Some(&(last_ts, at)) = ring.iter().rev().find(|(_, at)| *at < invoked) {
            let after_ms = (invoked.saturating_since(at)).as_nanos() as f64 / 1e6;
            let bin = VISIBILITY_EDGES_MS
                .iter()
                .position(|&edge| after_ms < edge)
                .unwrap_or(VISIBILITY_EDGES_MS.len());
            self.visibility[bin].0 += 1;
            self.visibility[bin].1 += u64::from(ts >= last_ts);
        }
    }

    /// Writes acknowledged to their clients.
    pub fn writes_acked(&self) -> u64 {
        self.writes.iter().filter(|i| i.acked).count() as u64
    }

    /// Acknowledged writes that were dropped rather than replaced: no write made knowing
    /// them replaced them, and no disk holds them or anything built on them — the version a
    /// merge threw away in favour of a concurrent one (last writer wins), or the last
    /// unshipped write of a key on a primary that crashed. (Writes that a dropped version
    /// itself had replaced are not counted again: they were overwritten, not lost.) Always 0
    /// without version vectors (`cp` orders every write).
    pub fn lost_writes(&self) -> u64 {
        if !self.versioned {
            return 0;
        }
        let mut known = vec![false; self.writes.len()];
        let mut stack: Vec<u32> = self
            .disks
            .iter()
            .flat_map(|d| d.values().flatten())
            .copied()
            .collect();
        while let Some(v) = stack.pop() {
            if std::mem::replace(&mut known[v as usize], true) {
                continue;
            }
            let (a, b) = self.parent_ranges[v as usize];
            stack.extend_from_slice(&self.parents[a as usize..b as usize]);
        }
        let mut replaced = vec![false; self.writes.len()];
        for &p in &self.parents {
            replaced[p as usize] = true;
        }
        (1..self.writes.len())
            .filter(|&w| self.writes[w].acked && !known[w] && !replaced[w])
            .count() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime(ms * 1_000_000)
    }

    #[test]
    fn a_write_supersedes_what_its_replica_held_and_concurrent_writes_are_reconciled() {
        // Two replicas; each accepts a write of key 7 without having seen the other's.
        let mut l = StoreLedger::new(100, 2, true);
        let a = l.new_write(7, 0);
        l.stamp(a, 0, 10, t(1));
        let b = l.new_write(7, 0);
        l.stamp(b, 1, 20, t(2));
        assert!(!l.dominates(a, b) && !l.dominates(b, a), "concurrent");
        l.write_acked(7, a, t(1));
        l.write_acked(7, b, t(2));
        // Last writer wins: replica 0 takes b (newer) and drops a; a is lost.
        assert!(l.apply(0, b, false, t(3)));
        assert!(!l.apply(1, a, false, t(3)));
        assert_eq!(l.newest(0, 7), (b, 1));
        assert_eq!(l.lost_writes(), 1);
        // A write accepted at replica 0 now supersedes b; its version vector covers a too
        // (replica 0 stamped a), but a was dropped, not replaced: it stays lost.
        let c = l.new_write(7, 0);
        l.stamp(c, 0, 30, t(4));
        assert!(l.dominates(c, b) && l.dominates(c, a));
        assert_eq!(l.lost_writes(), 1);
        assert!(l.apply(1, c, false, t(5)));
        assert!(!l.apply(1, b, false, t(6)), "an older version is ignored");
        // Replication lag: b reached replica 0 1 ms after its acceptance, c replica 1 in 1.
        assert_eq!(l.replication_lag.count(), 2);
    }

    #[test]
    fn siblings_keep_concurrent_writes_until_a_write_that_saw_both() {
        let mut l = StoreLedger::new(100, 2, true);
        let a = l.new_write(1, 0);
        l.stamp(a, 0, 10, t(1));
        let b = l.new_write(1, 0);
        l.stamp(b, 1, 5, t(1));
        l.write_acked(1, a, t(1));
        l.write_acked(1, b, t(1));
        assert!(l.apply(0, b, true, t(2)));
        assert_eq!(l.newest(0, 1), (a, 2), "both kept; the newest first");
        assert_eq!(l.lost_writes(), 0);
        let c = l.new_write(1, 0);
        l.stamp(c, 0, 11, t(3));
        assert!(l.dominates(c, a) && l.dominates(c, b));
        assert_eq!(l.newest(0, 1), (c, 1));
        assert_eq!(l.lost_writes(), 0, "a and b were superseded, not lost");
    }

    #[test]
    fn t_visibility_bins_reads_by_time_since_the_last_acknowledged_write() {
        let mut l = StoreLedger::new(100, 1, false);
        let a = l.new_write(3, 100);
        l.write_acked(3, a, t(10));
        l.read_done(3, 0, t(10) + sim_core::time::SimDuration::from_micros(500)); // stale, 0.5 ms
        l.read_done(3, a, t(13)); // fresh, 3 ms
        l.read_done(3, a, t(20_000)); // fresh, ~20 s
        assert_eq!(l.visibility[0], (1, 0));
        assert_eq!(l.visibility[2], (1, 1));
        assert_eq!(l.visibility[VISIBILITY_EDGES_MS.len()], (1, 1));
        assert_eq!((l.stale_reads, l.reads), (1, 3));
    }
}
