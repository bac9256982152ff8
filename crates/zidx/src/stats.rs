use zidx_format::{Layout, Slot, SLOT_SIZE};

/// Statistics of the hash table, as shown by `zidx inspect`.
#[derive(Debug, Clone, PartialEq)]
pub struct HashStats {
    /// Records in the table.
    pub records: u64,
    /// Home slots (the hash range).
    pub slot_count: u64,
    /// Slots stored (home slots plus the overflow tail).
    pub table_slots: u64,
    /// `records / slot_count`.
    pub load_factor: f64,
    /// Mean number of slots a successful lookup reads (mean displacement + 1).
    pub mean_probe_length: f64,
    /// Most slots any lookup reads (max displacement + 1).
    pub max_probe_length: u64,
}

impl HashStats {
    pub(crate) fn compute(slots: &[u8], layout: &Layout) -> HashStats {
        let mut occupied = 0u64;
        let mut displacement_sum = 0u64;
        for raw in slots.chunks_exact(SLOT_SIZE) {
            let slot = Slot(u64::from_le_bytes(raw.try_into().unwrap_or([0xFF; 8])));
            if !slot.is_empty() {
                occupied += 1;
                displacement_sum += u64::from(slot.displacement_byte());
            }
        }
        let ratio = |a: u64, b: u64| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        HashStats {
            records: layout.record_count(),
            slot_count: layout.slot_count,
            table_slots: layout.hash_slots.item_count,
            load_factor: ratio(layout.record_count(), layout.slot_count),
            mean_probe_length: if occupied == 0 {
                0.0
            } else {
                1.0 + ratio(displacement_sum, occupied)
            },
            max_probe_length: if occupied == 0 {
                0
            } else {
                u64::from(layout.max_displacement) + 1
            },
        }
    }
}
