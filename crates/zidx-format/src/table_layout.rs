//! The canonical hash-table layout (SPEC.md §6.3): where each record's slot
//! goes. Writers use it to build the table and verifiers to check it.
//!
//! With `home = (hash * H) >> 64`, homes are monotone in the hash, so sorting
//! the records by `(hash, offset)` and placing each at
//! `max(home, previous position + 1)` produces a linear-probing table in
//! which every cluster is ordered by home: the Robin Hood invariant, built
//! without a single swap, in one pass after the sort.

use crate::hash_index::{
    fingerprint, home_slot, Slot, LOAD_FACTOR_DEN, LOAD_FACTOR_NUM, MAX_DISPLACEMENT,
};

/// A record to place: its key's hash and its offset in the records section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// The key's hash under the table's seed.
    pub hash: u64,
    /// The record's offset in the records section.
    pub offset: u64,
}

/// Sorts entries by `(hash, offset)`, the table's canonical order.
///
/// A plain pattern-defeating quicksort: an in-place radix pass on the
/// uniform hashes was measured 4x slower at 6.6 million entries (its swaps
/// are random accesses), and an out-of-place one would double the writer's
/// memory per key.
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_unstable();
}

/// Home slots for `records` records: `ceil(records * 8 / 7)`, load factor 7/8.
pub fn slot_count_for(records: u64) -> u64 {
    // Real record counts are below 2^45 (each record is >= 6 bytes of a
    // < 2^48-byte section), so saturation never happens for a valid file.
    records
        .saturating_mul(LOAD_FACTOR_NUM)
        .div_ceil(LOAD_FACTOR_DEN)
}

/// The largest displacement of the layout of `sorted` (sorted by hash), or
/// `Err((slot, displacement))` for the first record whose displacement
/// exceeds what a slot can store.
pub fn max_displacement(sorted: &[Entry], slot_count: u64) -> Result<u32, (u64, u64)> {
    let mut next_free = 0u64;
    let mut max = 0u64;
    for e in sorted {
        let home = home_slot(e.hash, slot_count);
        let pos = home.max(next_free);
        let disp = pos - home;
        if disp > u64::from(MAX_DISPLACEMENT) {
            return Err((pos, disp));
        }
        max = max.max(disp);
        next_free = pos + 1;
    }
    Ok(max as u32)
}

/// Emits every slot of the table for `sorted`, in order: exactly
/// `slot_count + max_displacement` slots.
pub fn emit_slots<E>(
    sorted: &[Entry],
    slot_count: u64,
    max_displacement: u32,
    mut emit: impl FnMut(Slot) -> Result<(), E>,
) -> Result<(), E> {
    let total = slot_count + u64::from(max_displacement);
    let mut next = 0u64;
    for e in sorted {
        let home = home_slot(e.hash, slot_count);
        let pos = home.max(next);
        while next < pos {
            emit(Slot::EMPTY)?;
            next += 1;
        }
        // pos - home <= max_displacement <= 254, checked by max_displacement().
        emit(Slot::occupied(
            e.offset,
            fingerprint(e.hash),
            (pos - home) as u8,
        ))?;
        next = pos + 1;
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
        let sorted = [
            Entry {
                hash: h(0),
                offset: 0,
            },
            Entry {
                hash: h(0) + 1,
                offset: 10,
            },
            Entry {
                hash: h(0) + 2,
                offset: 20,
            },
            Entry {
                hash: h(3),
                offset: 30,
            },
        ];
        assert_eq!(max_displacement(&sorted, 4), Ok(2));
        let mut slots = Vec::new();
        emit_slots::<()>(&sorted, 4, 2, |s| {
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
        let sorted: Vec<Entry> = (0..300).map(|i| Entry { hash: 7, offset: i }).collect();
        assert_eq!(max_displacement(&sorted, 400), Err((255, 255)));
    }

    #[test]
    fn slot_count_is_eight_sevenths() {
        assert_eq!(slot_count_for(0), 0);
        assert_eq!(slot_count_for(1), 2);
        assert_eq!(slot_count_for(7), 8);
        assert_eq!(slot_count_for(1_000_000), 1_142_858);
    }
}
