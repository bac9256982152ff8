//! The hash index's parameters and hash functions (SPEC.md §6.1, §6.3).

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Size of [`HashParams`] in bytes.
pub const HASH_PARAMS_SIZE: usize = 32;
/// [`HashParams::hash_function`] value for XXH3-64, the only one in 1.0.
pub const HASH_FUNCTION_XXH3_64: u32 = 1;
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
    /// Always [`HASH_FUNCTION_XXH3_64`] in 1.0.
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
    /// displacement is `max_displacement`, hashed with XXH3-64 and `seed`.
    pub fn new(seed: u64, slot_count: u64, max_displacement: u32) -> HashParams {
        HashParams {
            seed: U64::new(seed),
            slot_count: U64::new(slot_count),
            max_displacement: U32::new(max_displacement),
            hash_function: U32::new(HASH_FUNCTION_XXH3_64),
            reserved: [0; 8],
        }
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

    #[test]
    fn home_is_in_range_and_monotone() {
        assert_eq!(home_slot(u64::MAX, 10), 9);
        assert_eq!(home_slot(0, 10), 0);
        assert_eq!(home_slot(1 << 63, 10), 5);
        assert_eq!(home_slot(12345, 0), 0);
    }
}
