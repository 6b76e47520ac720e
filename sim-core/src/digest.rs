//! The digest fold: how the engine folds each event into its run digest, and how models fold
//! what their clients observed into theirs. One mixing step, so that every digest of caplab
//! is built the same way.

/// Folds `word` into `digest`: a rotation, an exclusive or and a multiplication by an odd
/// constant, so the result depends on every word and on their order.
///
/// ```
/// use sim_core::digest::fold;
///
/// let ab = fold(fold(0, 1), 2);
/// let ba = fold(fold(0, 2), 1);
/// assert_ne!(ab, ba); // the order of the words counts
/// assert_eq!(ab, fold(fold(0, 1), 2)); // and nothing else does
/// ```
#[inline]
pub fn fold(digest: u64, word: u64) -> u64 {
    (digest.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95)
}
