//! One slot of the hash table (SPEC.md §6.2): the only place its bits are
//! packed and unpacked.

/// Size of one slot in bytes.
pub const SLOT_SIZE: usize = 8;
/// Largest displacement a slot may record.
pub const MAX_DISPLACEMENT: u32 = 254;
/// The displacement byte of an empty slot.
pub const EMPTY_DISPLACEMENT: u8 = 0xFF;
/// Bits of a slot that hold the record's offset.
const OFFSET_MASK: u64 = (1 << 48) - 1;
/// Byte of the little-endian slot holding the fingerprint.
const FINGERPRINT_BYTE: usize = 6;
/// Byte of the little-endian slot holding the displacement.
const DISPLACEMENT_BYTE: usize = 7;

/// A decoded slot: `offset` in bits 0..48, `fingerprint` in bits 48..56,
/// `displacement` in bits 56..64. A slot whose displacement byte is
/// [`EMPTY_DISPLACEMENT`] is empty; writers store empty slots as all ones.
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
            (offset & OFFSET_MASK)
                | (u64::from(fingerprint) << (8 * FINGERPRINT_BYTE))
                | (u64::from(displacement) << (8 * DISPLACEMENT_BYTE)),
        )
    }

    /// Slot `i` of a slot table's bytes, or `None` when the table has no
    /// slot `i`.
    #[inline]
    pub fn read(table: &[u8], i: u64) -> Option<Slot> {
        let at = usize::try_from(i).ok()?.checked_mul(SLOT_SIZE)?;
        let raw = table.get(at..at.checked_add(SLOT_SIZE)?)?;
        Slot::from_bytes(raw)
    }

    /// The slot stored in `raw`, which must be [`SLOT_SIZE`] bytes.
    #[inline]
    pub fn from_bytes(raw: &[u8]) -> Option<Slot> {
        raw.try_into().ok().map(|b| Slot(u64::from_le_bytes(b)))
    }

    /// Every slot of a slot table's bytes, in order (a trailing partial slot
    /// is ignored; the parser refuses tables whose length is not a multiple
    /// of [`SLOT_SIZE`]).
    pub fn all(table: &[u8]) -> impl Iterator<Item = Slot> + '_ {
        table.chunks_exact(SLOT_SIZE).filter_map(Slot::from_bytes)
    }

    /// Whether the slot holds no record.
    #[inline]
    pub fn is_empty(self) -> bool {
        self.displacement_byte() == EMPTY_DISPLACEMENT
    }

    /// Offset of the record from the start of the records section.
    #[inline]
    pub fn offset(self) -> u64 {
        self.0 & OFFSET_MASK
    }

    /// The record's key fingerprint.
    #[inline]
    pub fn fingerprint(self) -> u8 {
        self.0.to_le_bytes()[FINGERPRINT_BYTE]
    }

    /// Distance of the slot from the record's home slot;
    /// [`EMPTY_DISPLACEMENT`] for an empty slot.
    #[inline]
    pub fn displacement_byte(self) -> u8 {
        self.0.to_le_bytes()[DISPLACEMENT_BYTE]
    }

    /// The slot as stored on disk.
    pub fn to_bytes(self) -> [u8; SLOT_SIZE] {
        self.0.to_le_bytes()
    }
}

impl core::fmt::Display for Slot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_empty() {
            write!(f, "{:#018x} (empty)", self.0)
        } else {
            write!(
                f,
                "{:#018x} (record at {}, fingerprint {:#04x}, displacement {})",
                self.0,
                self.offset(),
                self.fingerprint(),
                self.displacement_byte()
            )
        }
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
        let table = [s.to_bytes(), Slot::EMPTY.to_bytes()].concat();
        assert_eq!(Slot::read(&table, 0), Some(s));
        assert_eq!(Slot::read(&table, 1), Some(Slot::EMPTY));
        assert_eq!(Slot::read(&table, 2), None);
        assert_eq!(Slot::read(&table, u64::MAX), None);
        assert_eq!(Slot::all(&table).count(), 2);
    }
}
