//! The hash index's parameters and hash functions (SPEC.md §6.1, §6.3).

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::siphash::{siphash13, SipHash24Words};

/// Size of [`HashParams`] in bytes.
pub const HASH_PARAMS_SIZE: usize = 32;
/// [`HashParams::hash_function`] value for XXH3-64 with the seed (format
/// 1.0; fast, but not robust to keys chosen for a known seed).
pub const HASH_FUNCTION_XXH3_64: u32 = 1;
/// [`HashParams::hash_function`] value for SipHash-1-3 keyed by the seed,
/// with a seed derived from the records (format 1.1, SPEC.md §6.3): keys
/// chosen before a build cannot collide on purpose.
pub const HASH_FUNCTION_SIPHASH13: u32 = 2;

/// The SipHash key of the records digest (SPEC.md §6.3): the ASCII bytes
/// `zidx.dig` and `est.v1.1`, little-endian.
pub const DIGEST_KEY: (u64, u64) = (
    u64::from_le_bytes(*b"zidx.dig"),
    u64::from_le_bytes(*b"est.v1.1"),
);
/// The SipHash key of the seed derivation: `zidx.see`, `d.v1.1..`.
pub const SEED_KEY: (u64, u64) = (
    u64::from_le_bytes(*b"zidx.see"),
    u64::from_le_bytes(*b"d.v1.1.."),
);
/// Second half of the key hash's SipHash key: `seed ^ KEY_HALF`, with
/// `KEY_HALF` the bytes `zidx.key`.
pub const KEY_HALF: u64 = u64::from_le_bytes(*b"zidx.key");
/// Seed derivation attempts a writer makes before refusing the records
/// ([`SeedDeriver::seed`] for attempt 0, 1, ...).
pub const SEED_ATTEMPTS: u64 = 8;
/// The records section must be shorter than this, since a slot stores a
/// record's offset in 48 bits.
pub const MAX_RECORDS_BYTES: u64 = 1 << 48;
/// Writers fill at most 7 of every 8 home slots: the load factor is
/// `MAX_LOAD_NUMERATOR / MAX_LOAD_DENOMINATOR` = 7/8, so a table for `n`
/// records has `ceil(n * 8 / 7)` home slots. Readers do not depend on it.
pub const MAX_LOAD_NUMERATOR: u64 = 7;
/// See [`MAX_LOAD_NUMERATOR`].
pub const MAX_LOAD_DENOMINATOR: u64 = 8;

/// Parameters of the hash index: the contents of the `hash_params` section.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct HashParams {
    /// Seed passed to the hash function.
    pub seed: U64,
    /// Number of home slots `H`: a key's home is `(hash * H) >> 64`.
    pub slot_count: U64,
    /// Largest displacement of any slot; the slot table holds
    /// `slot_count + max_displacement` slots.
    pub max_displacement: U32,
    /// [`HASH_FUNCTION_XXH3_64`] (1.0) or [`HASH_FUNCTION_SIPHASH13`] (1.1).
    pub hash_function: U32,
    /// Must be zero.
    pub reserved: [u8; 8],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<HashParams>() == HASH_PARAMS_SIZE);
    assert!(offset_of!(HashParams, seed) == 0);
    assert!(offset_of!(HashParams, slot_count) == 8);
    assert!(offset_of!(HashParams, max_displacement) == 16);
    assert!(offset_of!(HashParams, hash_function) == 20);
    assert!(offset_of!(HashParams, reserved) == 24);
};

impl HashParams {
    /// The parameters of a table of `slot_count` home slots whose largest
    /// displacement is `max_displacement`, hashed by `hasher`.
    pub fn new(hasher: KeyHasher, slot_count: u64, max_displacement: u32) -> HashParams {
        HashParams {
            seed: U64::new(hasher.seed()),
            slot_count: U64::new(slot_count),
            max_displacement: U32::new(max_displacement),
            hash_function: U32::new(hasher.function()),
            reserved: [0; 8],
        }
    }
}

/// The hash function of one index: the stored `hash_function` and `seed`,
/// ready to hash keys (SPEC.md §6.3).
#[derive(Clone, Copy)]
pub struct KeyHasher(Function);

#[derive(Clone, Copy)]
enum Function {
    Xxh3 { seed: u64 },
    SipHash13 { seed: u64 },
}

impl KeyHasher {
    /// The hasher for a stored `hash_function` and `seed`, if the function
    /// is one this version knows.
    pub fn new(function: u32, seed: u64) -> Option<KeyHasher> {
        match function {
            HASH_FUNCTION_XXH3_64 => Some(KeyHasher::xxh3(seed)),
            HASH_FUNCTION_SIPHASH13 => Some(KeyHasher::siphash13(seed)),
            _ => None,
        }
    }

    /// Function 1 (format 1.0): XXH3-64 with `seed`.
    pub fn xxh3(seed: u64) -> KeyHasher {
        KeyHasher(Function::Xxh3 { seed })
    }

    /// Function 2 (format 1.1): SipHash-1-3 with the key
    /// `(seed, seed ^ KEY_HALF)`.
    pub fn siphash13(seed: u64) -> KeyHasher {
        KeyHasher(Function::SipHash13 { seed })
    }

    /// The stored `hash_function` value.
    pub fn function(&self) -> u32 {
        match self.0 {
            Function::Xxh3 { .. } => HASH_FUNCTION_XXH3_64,
            Function::SipHash13 { .. } => HASH_FUNCTION_SIPHASH13,
        }
    }

    /// The stored seed.
    pub fn seed(&self) -> u64 {
        match self.0 {
            Function::Xxh3 { seed } | Function::SipHash13 { seed } => seed,
        }
    }

    /// The 64-bit hash of `key`.
    #[inline]
    pub fn hash(&self, key: &[u8]) -> u64 {
        match &self.0 {
            Function::Xxh3 { seed } => key_hash(key, *seed),
            Function::SipHash13 { seed } => siphash13(*seed, *seed ^ KEY_HALF, key),
        }
    }
}

impl core::fmt::Debug for KeyHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyHasher")
            .field("function", &self.function())
            .field("seed", &format_args!("{:#x}", self.seed()))
            .finish()
    }
}

/// A key's contribution to the records digest of format 1.1: SipHash-1-3
/// of the key with [`DIGEST_KEY`]. Equal keys have equal digests, so a
/// writer also finds duplicate keys with it.
#[inline]
pub fn key_digest(key: &[u8]) -> u64 {
    siphash13(DIGEST_KEY.0, DIGEST_KEY.1, key)
}

/// The seed of a format 1.1 index (SPEC.md §6.3), computed over the
/// records' key digests ([`key_digest`]) given in ascending order:
/// SipHash-2-4 with [`SEED_KEY`] of the digests, then the record count, then
/// the attempt number, each as 8 little-endian bytes. A writer uses the
/// first attempt (0, 1, ...) under which no record is more than 254 slots
/// from home.
///
/// The digests go through the hash one by one, not as a sum: no choice of
/// a few extra keys can steer the seed to a value chosen in advance short
/// of inverting SipHash-2-4.
///
/// ```
/// use zidx_format::{key_digest, SeedDeriver};
/// let mut digests = [key_digest(b"b"), key_digest(b"a")];
/// digests.sort_unstable();
/// let mut seeds = SeedDeriver::new();
/// for d in digests {
///     seeds.add(d);
/// }
/// assert_ne!(seeds.seed(0), seeds.seed(1));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct SeedDeriver {
    state: SipHash24Words,
    records: u64,
}

impl SeedDeriver {
    /// A derivation over no records yet.
    pub fn new() -> SeedDeriver {
        SeedDeriver {
            state: SipHash24Words::new(SEED_KEY.0, SEED_KEY.1),
            records: 0,
        }
    }

    /// Adds the next record's key digest; digests must come in ascending
    /// order (equal ones in any order).
    #[inline]
    pub fn add(&mut self, digest: u64) {
        self.state.write_u64(digest);
        self.records += 1;
    }

    /// The seed of attempt `attempt`.
    pub fn seed(&self, attempt: u64) -> u64 {
        let mut state = self.state;
        state.write_u64(self.records);
        state.write_u64(attempt);
        state.finish()
    }
}

impl Default for SeedDeriver {
    fn default() -> SeedDeriver {
        SeedDeriver::new()
    }
}

/// The 64-bit hash of a key: XXH3-64 of the key bytes with the index's seed.
///
/// ```
/// assert_eq!(zidx_format::key_hash(b"", 0), 0x2d06800538d394c2);
/// ```
#[inline]
pub fn key_hash(key: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(key, seed)
}

/// A key's home slot: `floor(hash * slot_count / 2^64)`, always `< slot_count`
/// when `slot_count > 0`. The map is monotone in the hash, which is what lets
/// a writer lay the table out by sorting hashes.
#[inline]
pub fn home_slot(hash: u64, slot_count: u64) -> u64 {
    let wide = u128::from(hash) * u128::from(slot_count);
    // The high half of a u64 x u64 product always fits in a u64.
    #[allow(clippy::cast_possible_truncation)]
    let home = (wide >> 64) as u64;
    home
}

/// The 8-bit fingerprint kept in a slot: the hash's low byte, independent of
/// the high bits that choose the home slot.
#[inline]
pub fn fingerprint(hash: u64) -> u8 {
    hash.to_le_bytes()[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets of digests with equal sums get unrelated seeds: the derivation is
    /// no sum, so extra keys cannot be solved for to reach a chosen seed.
    #[test]
    fn equal_digest_sums_give_different_seeds() {
        let seed = |digests: &[u64]| {
            let mut s = SeedDeriver::new();
            for &d in digests {
                s.add(d);
            }
            s.seed(0)
        };
        assert_ne!(seed(&[1, 4]), seed(&[2, 3]));
        assert_ne!(seed(&[0, u64::MAX]), seed(&[1, u64::MAX - 1]));
        assert_ne!(seed(&[5]), seed(&[5, 0]));
    }

    #[test]
    fn home_is_in_range_and_monotone() {
        assert_eq!(home_slot(u64::MAX, 10), 9);
        assert_eq!(home_slot(0, 10), 0);
        assert_eq!(home_slot(1 << 63, 10), 5);
        assert_eq!(home_slot(12345, 0), 0);
    }
}
