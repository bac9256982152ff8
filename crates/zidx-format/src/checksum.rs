//! The one checksum of the format (SPEC.md §2.3): XXH3-64 with seed 0.

use crate::error::FormatError;

/// Whether checksums are enforced. Fuzzing builds (`cfg(fuzzing)`) skip them so
/// that mutated inputs reach the structural checks behind them; every other
/// build enforces them.
pub const CHECKSUMS_ENFORCED: bool = !cfg!(fuzzing);

/// The checksum used for the header, the section table and every section:
/// XXH3-64 with seed 0 over the bytes (SPEC.md §2.3).
///
/// ```
/// assert_eq!(zidx_format::checksum(b""), 0x2d06800538d394c2);
/// ```
#[inline]
pub fn checksum(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

/// The same checksum as [`checksum`], computed over bytes that arrive in
/// pieces: a writer streaming a section, or a verifier reading one in chunks.
///
/// ```
/// use zidx_format::{checksum, Checksum};
/// let mut sum = Checksum::new();
/// sum.update(b"ab");
/// sum.update(b"c");
/// assert_eq!(sum.finish(), checksum(b"abc"));
/// ```
#[derive(Clone)]
pub struct Checksum(xxhash_rust::xxh3::Xxh3);

impl Checksum {
    /// A checksum of no bytes yet.
    pub fn new() -> Checksum {
        Checksum(xxhash_rust::xxh3::Xxh3::new())
    }

    /// Adds `bytes` after those already added.
    #[inline]
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The checksum of every byte added so far.
    pub fn finish(&self) -> u64 {
        self.0.digest()
    }
}

impl Default for Checksum {
    fn default() -> Checksum {
        Checksum::new()
    }
}

impl core::fmt::Debug for Checksum {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Checksum({:#018x})", self.finish())
    }
}

/// Checks a stored checksum against the value computed over bytes
/// `start..start + len` of the file that `what` names. Always `Ok` in
/// fuzzing builds (see [`CHECKSUMS_ENFORCED`]).
pub fn expect_checksum(
    what: &str,
    start: u64,
    len: u64,
    stored: u64,
    computed: u64,
) -> Result<(), FormatError> {
    if !CHECKSUMS_ENFORCED || computed == stored {
        return Ok(());
    }
    Err(FormatError::Checksum {
        what: what.to_string(),
        start,
        end: start.saturating_add(len),
        stored,
        computed,
    })
}
