//! The hash index: its parameters and its slots (SPEC.md §6).

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Size of [`HashParams`] in bytes.
pub const HASH_PARAMS_SIZE: usize = 32;
/// Size of one slot in bytes.
pub const SLOT_SIZE: usize = 8;
/// [`HashParams::hash_function`] value for XXH3-64, the only one in 1.0.
pub const HASH_FUNCTION_XXH3_64: u32 = 1;
/// Largest displacement a slot may record; 255 marks an empty slot.
pub const MAX_DISPLACEMENT: u32 = 254;
/// The records section must be shorter than this, since a slot stores a
/// record's offset in 48 bits.
pub const MAX_RECORDS_BYTES: u64 = 1 << 48;
/// Writers size the table as `ceil(records * NUM / DEN)` home slots, a load
/// factor of 7/8. Readers do not depend on it.
pub const LOAD_FACTOR_NUM: u64 = 8;
/// See [`LOAD_FACTOR_NUM`].
pub const LOAD_FACTOR_DEN: u64 = 7;

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
    (wide >> 64) as u64
}

/// The 8-bit fingerprint kept in a slot: the hash's low byte, independent of
/// the high bits that choose the home slot.
#[inline]
pub fn fingerprint(hash: u64) -> u8 {
    hash.to_le_bytes()[0]
}

/// A decoded slot: `offset` in bits 0..48, `fingerprint` in bits 48..56,
/// `displacement` in bits 56..64. A slot whose displacement byte is 255 is
/// empty; writers store empty slots as all ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(pub u64);

impl Slot {
    /// The stored form of an empty slot.
    pub const EMPTY: Slot = Slot(u64::MAX);

    /// Packs an occupied slot. `offset` must be below 2^48 and `displacement`
    /// at most [`MAX_DISPLACEMENT`]; other bits are masked off.
    #[inline]
    pub fn occupied(offset: u64, fingerprint: u8, displacement: u8) -> Slot {
        Slot(
            (offset & 0xFFFF_FFFF_FFFF)
                | (u64::from(fingerprint) << 48)
                | (u64::from(displacement) << 56),
        )
    }

    /// Slot `i` of a slot table's bytes, or an empty slot when `i` is out of
    /// range (a reader's bounds were checked at open; this keeps a wrong
    /// index from panicking all the same).
    #[inline]
    pub fn read(table: &[u8], i: u64) -> Slot {
        let at = usize::try_from(i)
            .unwrap_or(usize::MAX)
            .saturating_mul(SLOT_SIZE);
        let raw = table
            .get(at..at.saturating_add(SLOT_SIZE))
            .and_then(|b| b.try_into().ok());
        Slot(u64::from_le_bytes(raw.unwrap_or([0xFF; 8])))
    }

    /// Whether the slot holds no record.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.displacement_byte() == 0xFF
    }

    /// Offset of the record from the start of the records section.
    #[inline]
    pub fn offset(self) -> u64 {
        self.0 & 0xFFFF_FFFF_FFFF
    }

    /// The record's key fingerprint.
    #[inline]
    pub fn fingerprint(self) -> u8 {
        self.0.to_le_bytes()[6]
    }

    /// Distance of the slot from the record's home slot; 255 for an empty slot.
    #[inline]
    pub fn displacement_byte(self) -> u8 {
        self.0.to_le_bytes()[7]
    }

    /// The slot as stored on disk.
    pub fn to_bytes(self) -> [u8; 8] {
        self.0.to_le_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_round_trip() {
        let s = Slot::occupied(0xABCDEF012345, 0x7E, 254);
        assert_eq!(s.offset(), 0xABCDEF012345);
        assert_eq!(s.fingerprint(), 0x7E);
        assert_eq!(s.displacement_byte(), 254);
        assert!(!s.is_empty());
        assert!(Slot::EMPTY.is_empty());
        assert_eq!(Slot::occupied(0, 0, 0).0, 0);
    }

    #[test]
    fn home_is_in_range_and_monotone() {
        assert_eq!(home_slot(u64::MAX, 10), 9);
        assert_eq!(home_slot(0, 10), 0);
        assert_eq!(home_slot(1 << 63, 10), 5);
        assert_eq!(home_slot(12345, 0), 0);
    }
}
