//! Full verification: every checksum and every invariant of SPEC.md §7.

use zidx_format::{fingerprint, home_slot, key_hash, read_record, FormatError, Slot, SLOT_SIZE};

use crate::error::Error;
use crate::index::Index;

impl<D: AsRef<[u8]>> Index<D> {
    /// Checks every byte of the file: the checksum of every section, that the
    /// records tile their section exactly, and that the hash table holds
    /// exactly one slot per record, at the place a lookup looks for it, with
    /// no duplicate keys. `Ok(())` means every lookup and iteration on this
    /// file succeeds and is answered from the file's records.
    ///
    /// Costs one pass over the file plus one random record read per record.
    /// Memory: 8 bytes per record plus one bit per record.
    pub fn verify(&self) -> Result<(), Error> {
        let layout = self.layout();
        layout.verify_section_checksums(self.as_bytes())?;

        // 1. Records tile the records section exactly.
        let records = self.records_bytes();
        let rec_base = layout.records.offset;
        let count = layout.record_count();
        // `count` records of at least 6 bytes fit in the section (checked at
        // open), so this allocation is bounded by the file size.
        let mut starts: Vec<u64> = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut pos = 0u64;
        for _ in 0..count {
            starts.push(pos);
            let (_, _, next) = read_record(records, rec_base, pos)?;
            pos = next;
        }
        if pos != records.len() as u64 {
            return Err(FormatError::Record {
                offset: rec_base + pos,
                section_offset: pos,
                problem: format!(
                    "{} trailing bytes after the last of {count} records",
                    records.len() as u64 - pos
                ),
            }
            .into());
        }

        // 2. Slots: each occupied slot points at a distinct record start, at
        //    the position the record's hash gives, in (hash, offset) order.
        let slots = self.slots_bytes();
        let slots_base = layout.hash_slots.offset;
        let mut seen = vec![0u64; starts.len().div_ceil(64)];
        let mut occupied = 0u64;
        let mut max_disp = 0u32;
        // Previous occupied slot in the current cluster: (hash, key).
        let mut prev: Option<(u64, &[u8])> = None;
        // Keys of the current run of equal hashes, to reject duplicates.
        let mut equal_run: Vec<&[u8]> = Vec::new();
        for (i, raw) in slots.chunks_exact(SLOT_SIZE).enumerate() {
            let i = i as u64;
            let slot_off = slots_base + i * SLOT_SIZE as u64;
            let bad = |problem: String| -> Error {
                FormatError::Slot {
                    slot: i,
                    offset: slot_off,
                    problem,
                }
                .into()
            };
            let slot = Slot(u64::from_le_bytes(raw.try_into().unwrap_or([0xFF; 8])));
            if slot.is_empty() {
                if slot != Slot::EMPTY {
                    return Err(bad(format!(
                        "empty slot is {:#018x}, expected all ones",
                        slot.0
                    )));
                }
                prev = None;
                continue;
            }
            let disp = u64::from(slot.displacement_byte());
            if disp > u64::from(layout.max_displacement) {
                return Err(bad(format!(
                    "displacement {disp} exceeds max_displacement {}",
                    layout.max_displacement
                )));
            }
            if disp > 0 && prev.is_none() {
                return Err(bad(format!(
                    "displacement {disp} after an empty slot (or at slot 0); expected 0"
                )));
            }
            let home = i
                .checked_sub(disp)
                .filter(|&h| h < layout.slot_count)
                .ok_or_else(|| {
                    bad(format!(
                        "home slot {} (slot - displacement) is outside 0..{}",
                        i as i128 - disp as i128,
                        layout.slot_count
                    ))
                })?;
            let idx = starts.binary_search(&slot.offset()).map_err(|_| {
                bad(format!(
                    "points to records offset {}, which is not the start of a record",
                    slot.offset()
                ))
            })?;
            let word = seen
                .get_mut(idx / 64)
                .ok_or_else(|| bad("record index out of range".into()))?;
            if *word & (1 << (idx % 64)) != 0 {
                return Err(bad(format!(
                    "points to record at offset {}, which another slot already points to",
                    slot.offset()
                )));
            }
            *word |= 1 << (idx % 64);
            let (key, _) = self.record_at(slot.offset())?;
            let hash = key_hash(key, layout.seed);
            if home_slot(hash, layout.slot_count) != home {
                return Err(bad(format!(
                    "record's key hashes to home slot {}, but slot says {home}",
                    home_slot(hash, layout.slot_count)
                )));
            }
            if fingerprint(hash) != slot.fingerprint() {
                return Err(bad(format!(
                    "fingerprint {:#04x}, record's key gives {:#04x}",
                    slot.fingerprint(),
                    fingerprint(hash)
                )));
            }
            match prev {
                Some((prev_hash, _)) if hash < prev_hash => {
                    return Err(bad("slots of a cluster are not in hash order".into()));
                }
                Some((prev_hash, _)) if hash == prev_hash => {
                    if equal_run.contains(&key) {
                        return Err(bad(format!(
                            "duplicate key {:?}",
                            String::from_utf8_lossy(key)
                        )));
                    }
                }
                _ => equal_run.clear(),
            }
            equal_run.push(key);
            prev = Some((hash, key));
            occupied += 1;
            max_disp = max_disp.max(slot.displacement_byte().into());
        }
        if occupied != count {
            return Err(FormatError::Slot {
                slot: 0,
                offset: slots_base,
                problem: format!("{occupied} occupied slots for {count} records"),
            }
            .into());
        }
        if count > 0 && max_disp != layout.max_displacement {
            return Err(FormatError::InvalidField {
                field: "hash_params.max_displacement".into(),
                offset: layout.hash_params.offset + 16,
                found: layout.max_displacement.into(),
                expected: format!("{max_disp}, the largest displacement in the table"),
            }
            .into());
        }
        Ok(())
    }
}
