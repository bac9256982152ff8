use zidx_format::{FileLayout, Slot, SLOT_SIZE};

use crate::error::Error;
use crate::storage::Storage;

/// Slots read per request while walking the table: 1 MiB.
const CHUNK_SLOTS: u64 = 1 << 17;
/// Tables up to this many slots (8 MiB) are read whole; larger ones are
/// sampled, so that the statistics of a crafted file with a huge sparse
/// slot table cost bounded time and memory.
const EXACT_LIMIT_SLOTS: u64 = 8 * CHUNK_SLOTS;
/// Evenly spaced chunks read from a larger table: 8 MiB in all.
const SAMPLE_CHUNKS: u64 = 64;
const SAMPLE_CHUNK_SLOTS: u64 = 1 << 14;

/// Statistics of the hash table, as shown by `zidx inspect`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct HashStats {
    /// Records in the table.
    pub records: u64,
    /// Home slots (the hash range).
    pub slot_count: u64,
    /// Slots stored (home slots plus the overflow tail).
    pub table_slots: u64,
    /// Occupied slots per home slot: `records / slot_count`, or, in a file
    /// with several values per key (one slot per distinct key), the
    /// occupied slots counted (estimated from the sample of a large table).
    pub load_factor: f64,
    /// Mean number of slots a successful lookup reads (mean displacement + 1).
    pub mean_probe_length: f64,
    /// Most slots any lookup reads (max displacement + 1).
    pub max_probe_length: u64,
    /// Slots read to compute `mean_probe_length`: all of them
    /// (`table_slots`), or an evenly spaced sample of a large table, which
    /// makes the mean an estimate.
    pub slots_read: u64,
}

impl HashStats {
    pub(crate) fn compute<S: Storage + ?Sized>(
        storage: &S,
        layout: &FileLayout,
    ) -> Result<HashStats, Error> {
        let table = layout.hash_slots();
        let mut occupied = 0u64;
        let mut displacement_sum = 0u64;
        let mut slots_read = 0u64;
        let mut read = |first: u64, n: u64| -> Result<(), Error> {
            let chunk = storage.read_at(
                table.offset + first * SLOT_SIZE as u64,
                n * SLOT_SIZE as u64,
            )?;
            for slot in Slot::all(chunk.as_ref()).filter(|s| !s.is_empty()) {
                occupied += 1;
                displacement_sum += u64::from(slot.displacement_byte());
            }
            slots_read += n;
            Ok(())
        };
        if table.item_count <= EXACT_LIMIT_SLOTS {
            let mut done = 0u64;
            while done < table.item_count {
                let n = (table.item_count - done).min(CHUNK_SLOTS);
                read(done, n)?;
                done += n;
            }
        } else {
            let stride = table.item_count / SAMPLE_CHUNKS;
            for i in 0..SAMPLE_CHUNKS {
                read(i * stride, SAMPLE_CHUNK_SLOTS.min(stride))?;
            }
        }
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        Ok(HashStats {
            records: layout.record_count(),
            slot_count: layout.slot_count(),
            table_slots: table.item_count,
            load_factor: if layout.multi_value() {
                ratio(occupied, slots_read) * ratio(table.item_count, layout.slot_count())
            } else {
                ratio(layout.record_count(), layout.slot_count())
            },
            mean_probe_length: if occupied == 0 {
                0.0
            } else {
                1.0 + ratio(displacement_sum, occupied)
            },
            max_probe_length: if layout.record_count() == 0 {
                0
            } else {
                u64::from(layout.max_displacement()) + 1
            },
            slots_read,
        })
    }
}
