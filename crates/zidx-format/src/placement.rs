//! The canonical hash-table layout (SPEC.md §6.3): which slot each record
//! takes. Writers use it to build the table and verifiers to check it.
//!
//! With `home = (hash * H) >> 64`, homes are monotone in the hash, so sorting
//! the records by `(hash, offset)` and placing each at
//! `max(home, previous position + 1)` produces a linear-probing table in
//! which every cluster is ordered by home: the Robin Hood invariant, built
//! without a single swap, in one pass after the sort. [`Placement`] is that
//! pass, and the only place the rule is written.

use crate::hash::{fingerprint, home_slot, MAX_LOAD_DENOMINATOR, MAX_LOAD_NUMERATOR};
use crate::slot::{Slot, MAX_DISPLACEMENT};

/// A record to place: its key's hash and its offset in the records section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub struct HashedRecord {
    /// The key's hash under the table's seed.
    pub hash: u64,
    /// The record's offset in the records section.
    pub offset: u64,
}

impl HashedRecord {
    /// The record at `offset` whose key hashes to `hash`.
    #[inline]
    pub fn new(hash: u64, offset: u64) -> HashedRecord {
        HashedRecord { hash, offset }
    }
}

/// Sorts records by `(hash, offset)`, the table's canonical order.
///
/// A plain pattern-defeating quicksort: an in-place radix pass on the
/// uniform hashes was measured 4x slower at 6.6 million entries (its swaps
/// are random accesses), and an out-of-place one would double the writer's
/// memory per key.
pub fn sort_canonical(records: &mut [HashedRecord]) {
    records.sort_unstable();
}

/// Home slots for `records` records: `ceil(records * 8 / 7)`, a load factor
/// of at most 7/8.
pub fn home_slots_for(records: u64) -> u64 {
    // Real record counts are below 2^45 (each record is >= 6 bytes of a
    // < 2^48-byte section), so saturation never happens for a valid file.
    records
        .saturating_mul(MAX_LOAD_DENOMINATOR)
        .div_ceil(MAX_LOAD_NUMERATOR)
}

/// Where one record goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Placed {
    /// The record.
    pub record: HashedRecord,
    /// Its slot in the table.
    pub slot: u64,
    /// `slot - home`.
    pub displacement: u64,
}

/// The placement of records sorted by [`sort_canonical`]: each record at
/// `max(home, previous slot + 1)`, in order. Takes the records from any
/// iterator, so that a writer can stream them from sorted runs on disk.
#[derive(Debug, Clone)]
pub struct Placement<I> {
    sorted: I,
    slot_count: u64,
    next_free: u64,
}

impl<I: Iterator<Item = HashedRecord>> Placement<I> {
    /// The placement of `sorted` in a table of `slot_count` home slots.
    pub fn new(sorted: impl IntoIterator<IntoIter = I>, slot_count: u64) -> Placement<I> {
        Placement {
            sorted: sorted.into_iter(),
            slot_count,
            next_free: 0,
        }
    }
}

impl<I: Iterator<Item = HashedRecord>> Iterator for Placement<I> {
    type Item = Placed;

    #[inline]
    fn next(&mut self) -> Option<Placed> {
        let record = self.sorted.next()?;
        let home = home_slot(record.hash, self.slot_count);
        let slot = home.max(self.next_free);
        self.next_free = slot + 1;
        Some(Placed {
            record,
            slot,
            displacement: slot - home,
        })
    }
}

/// A record placed farther from home than a slot can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DisplacementOverflow {
    /// The slot it would take.
    pub slot: u64,
    /// Its displacement there, above [`MAX_DISPLACEMENT`].
    pub displacement: u64,
}

/// The largest displacement of the placement of `sorted`, or the first
/// record whose displacement exceeds [`MAX_DISPLACEMENT`].
pub fn max_displacement(
    sorted: impl IntoIterator<Item = HashedRecord>,
    slot_count: u64,
) -> Result<u32, DisplacementOverflow> {
    let mut max = 0u32;
    for p in Placement::new(sorted, slot_count) {
        match u32::try_from(p.displacement) {
            Ok(d) if d <= MAX_DISPLACEMENT => max = max.max(d),
            _ => {
                return Err(DisplacementOverflow {
                    slot: p.slot,
                    displacement: p.displacement,
                })
            }
        }
    }
    Ok(max)
}

/// Emits every slot of the table for `sorted`, in order: exactly
/// `slot_count + max_displacement` slots. `max_displacement` must be what
/// [`max_displacement`] returned for the same records.
pub fn emit_slots<E>(
    sorted: impl IntoIterator<Item = HashedRecord>,
    slot_count: u64,
    max_displacement: u32,
    mut emit: impl FnMut(Slot) -> Result<(), E>,
) -> Result<(), E> {
    let total = slot_count + u64::from(max_displacement);
    let mut next = 0u64;
    for p in Placement::new(sorted, slot_count) {
        while next < p.slot {
            emit(Slot::EMPTY)?;
            next += 1;
        }
        // The displacement is at most MAX_DISPLACEMENT (254): checked by
        // max_displacement(); saturation would only mark a bad call.
        let displacement = u8::try_from(p.displacement).unwrap_or(u8::MAX);
        emit(Slot::occupied(
            p.record.offset,
            fingerprint(p.record.hash),
            displacement,
        ))?;
        next = p.slot + 1;
    }
    while next < total {
        emit(Slot::EMPTY)?;
        next += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_colliding_homes() {
        // Three records with home 0 in a 4-slot table, one with home 3.
        let h = |home: u64| home * (u64::MAX / 4 + 1);
        let r = |hash, offset| HashedRecord { hash, offset };
        let sorted = [r(h(0), 0), r(h(0) + 1, 10), r(h(0) + 2, 20), r(h(3), 30)];
        assert_eq!(max_displacement(sorted.iter().copied(), 4), Ok(2));
        let mut slots = Vec::new();
        emit_slots::<()>(sorted, 4, 2, |s| {
            slots.push(s);
            Ok(())
        })
        .unwrap();
        let disp: Vec<u8> = slots.iter().map(|s| s.displacement_byte()).collect();
        assert_eq!(disp, [0, 1, 2, 0, 255, 255]);
        let offs: Vec<u64> = slots
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.offset())
            .collect();
        assert_eq!(offs, [0, 10, 20, 30]);
    }

    #[test]
    fn overflow_beyond_254_is_refused() {
        let sorted: Vec<HashedRecord> = (0..300)
            .map(|i| HashedRecord { hash: 7, offset: i })
            .collect();
        assert_eq!(
            max_displacement(sorted.iter().copied(), 400),
            Err(DisplacementOverflow {
                slot: 255,
                displacement: 255
            })
        );
    }

    #[test]
    fn home_slots_are_eight_sevenths() {
        assert_eq!(home_slots_for(0), 0);
        assert_eq!(home_slots_for(1), 2);
        assert_eq!(home_slots_for(7), 8);
        assert_eq!(home_slots_for(1_000_000), 1_142_858);
    }
}
