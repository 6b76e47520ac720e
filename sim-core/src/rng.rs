//! Randomness: one scenario seed, many named, independent ChaCha streams.
//!
//! A stream is identified by a name and an index (for example `("arrivals", 0)` or
//! `("net", node)`); its key is a stable hash of the scenario seed and the name, its ChaCha
//! stream number the index. Streams never depend on the order in which they are created, so
//! adding a component or a design does not shift the numbers any other stream draws: this is
//! what makes common random numbers across designs possible.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random-number generator of one stream: ChaCha with 8 rounds, a named algorithm whose
/// output is fixed by its specification, so runs replay on any machine and any version.
#[derive(Clone, Debug)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    /// The stream `(name, index)` of the scenario seed `seed`.
    pub fn stream(seed: u64, name: &str, index: u64) -> SimRng {
        let mut key = [0u8; 32];
        let mut h = stable_hash(seed, name.as_bytes());
        for chunk in key.chunks_exact_mut(8) {
            h = splitmix64(h);
            chunk.copy_from_slice(&h.to_le_bytes());
        }
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(index);
        SimRng(rng)
    }

    /// Wraps a ChaCha8 generator the caller made (seeded, positioned) itself.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// use rand_chacha::ChaCha8Rng;
    /// use sim_core::rng::SimRng;
    ///
    /// let mut a = SimRng::from_chacha(ChaCha8Rng::seed_from_u64(7));
    /// let mut b = SimRng::from_chacha(ChaCha8Rng::seed_from_u64(7));
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// assert_eq!(a.into_chacha().get_word_pos(), 2);
    /// ```
    pub fn from_chacha(rng: ChaCha8Rng) -> SimRng {
        SimRng(rng)
    }

    /// The wrapped ChaCha8 generator, at its current position.
    pub fn into_chacha(self) -> ChaCha8Rng {
        self.0
    }

    /// A uniformly distributed 64-bit integer.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in `(0, 1]`: safe to take the logarithm of.
    #[inline]
    pub fn next_f64_open0(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p` (clamped to `[0, 1]`).
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            false
        } else if p >= 1.0 {
            true
        } else {
            self.next_f64() < p
        }
    }

    /// A uniform integer in `0..n` (`n > 0`), without modulo bias (Lemire's method).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no value to return");
        loop {
            let m = (self.0.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n || low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }
}

/// `SimRng` is a `rand` generator, so the samplers of `rand` and `rand_distr` draw from a
/// stream directly. Their values are reproducible only as far as their float functions are:
/// `caplab`'s own distributions (`crate::dist`) use `libm` throughout.
///
/// ```
/// use rand::{Rng, RngCore};
/// use sim_core::rng::SimRng;
///
/// let mut a = SimRng::stream(1, "node/x", 0);
/// let mut b = a.clone();
/// let x: f64 = a.r#gen();
/// assert!((0.0..1.0).contains(&x));
/// let mut bytes = [0u8; 8];
/// b.fill_bytes(&mut bytes);
/// assert_eq!(a.next_u64(), b.next_u64(), "both consumed one word");
/// ```
impl RngCore for SimRng {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    #[inline]
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill_bytes(dest);
    }

    #[inline]
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.try_fill_bytes(dest)
    }
}

/// FNV-1a over the seed's bytes then the name's, finished by SplitMix64: stable across
/// platforms and Rust versions (unlike `std`'s `DefaultHasher`).
pub fn stable_hash(seed: u64, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.to_le_bytes().iter().chain(bytes) {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix64(h)
}

/// One step of SplitMix64: a bijective 64-bit mixer.
#[inline]
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of replication `k` of a run under `seed`: `seed` itself for `k = 0` (so the
/// first replication is the run that `--seed` replays), else `splitmix64(seed ^ k)`.
/// Replications of the failure process and of whole runs are seeded this way alike.
///
/// ```
/// use sim_core::rng::{replication_seed, splitmix64};
///
/// assert_eq!(replication_seed(42, 0), 42);
/// assert_eq!(replication_seed(42, 3), splitmix64(42 ^ 3));
/// ```
pub fn replication_seed(seed: u64, k: u64) -> u64 {
    if k == 0 { seed } else { splitmix64(seed ^ k) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(rng: &mut SimRng, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.next_u64()).collect()
    }

    #[test]
    fn same_name_same_numbers_whatever_else_exists() {
        let mut a = SimRng::stream(7, "arrivals", 0);
        let first = draws(&mut a, 16);
        // Creating and using other streams in between changes nothing.
        let mut other = SimRng::stream(7, "faults", 0);
        let _ = draws(&mut other, 100);
        let mut new_stream = SimRng::stream(7, "a-new-component", 3);
        let _ = draws(&mut new_stream, 100);
        let mut again = SimRng::stream(7, "arrivals", 0);
        assert_eq!(first, draws(&mut again, 16));
    }

    #[test]
    fn names_indexes_and_seeds_all_separate_streams() {
        let base = draws(&mut SimRng::stream(7, "arrivals", 0), 4);
        assert_ne!(base, draws(&mut SimRng::stream(7, "arrivals", 1), 4));
        assert_ne!(base, draws(&mut SimRng::stream(7, "arrival", 0), 4));
        assert_ne!(base, draws(&mut SimRng::stream(8, "arrivals", 0), 4));
    }

    #[test]
    fn unit_floats_stay_in_their_intervals() {
        let mut r = SimRng::stream(1, "u", 0);
        for _ in 0..10_000 {
            let x = r.next_f64();
            assert!((0.0..1.0).contains(&x));
            let y = r.next_f64_open0();
            assert!(y > 0.0 && y <= 1.0);
        }
    }

    #[test]
    fn below_is_uniform_enough() {
        let mut r = SimRng::stream(3, "below", 0);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[r.below(6) as usize] += 1;
        }
        // Each cell expects 10,000 with sd ~91; 5 sd either side.
        for c in counts {
            assert!((9_545..=10_455).contains(&c), "{counts:?}");
        }
    }
}
