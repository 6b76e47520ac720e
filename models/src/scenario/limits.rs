//! Limits on the size of what a scenario declares, checked by `validate` before anything
//! is built, so that a valid file runs in memory proportional to them (see the README's
//! *Limits*). Each refusal names the limit and its value.

/// Most nodes of one design: the client, every service instance, every replica, and
/// every database, key-value store, broker, lock service and account store.
pub const MAX_NODES: u64 = 50_000;
/// Most consumer loops of one design (`instances × consume.concurrency`, summed over
/// the services that consume).
pub const MAX_CONSUMER_LOOPS: u64 = 100_000;
/// Most consumer loops per instance (`consume.concurrency`).
pub const MAX_CONCURRENCY: u32 = 10_000;
/// Most members of one consumer group of a log (`instances × consume.concurrency` of
/// the services consuming the log in that group): each member's join rebalances the
/// group.
pub const MAX_GROUP_MEMBERS: u64 = 1_024;
/// Most closed-loop users over every arrival process (each user is a timer).
pub const MAX_USERS: u64 = 1_000_000;
/// Most keys of a class with a Zipf distribution (its cumulative table holds 8 bytes a
/// key); uniform keys need no table and may go to 4,294,967,295.
pub const MAX_ZIPF_KEYS: u32 = 10_000_000;
/// Most replications: `reliability.replications`, `sweep.replications`, an
/// assertion's `replications` and `caplab run --replications`.
pub const MAX_REPLICATIONS: u64 = 1_000;
/// Most time-series cells: windows × (request classes + 1).
pub const MAX_SERIES_CELLS: u64 = 20_000_000;
/// Most calls of one `parallel` step (calls are numbered in 16 bits).
pub const MAX_PARALLEL_CALLS: usize = 1_024;
/// Longest name, in characters, of the scenario, a design or a node (names become
/// file names: `series-DESIGN.csv`).
pub const MAX_NAME_CHARS: usize = 100;
