//! Full verification: every checksum and every invariant of SPEC.md §7.

use zidx_format::table_layout::{emit_slots, max_displacement, sort_entries, Entry};
use zidx_format::{key_hash, read_record, FormatError, Slot, SLOT_SIZE};

use crate::error::Error;
use crate::index::Index;

impl<D: AsRef<[u8]>> Index<D> {
    /// Checks every byte of the file: the checksum of every section, that
    /// bytes outside sections are zero, that the records tile their section
    /// exactly with unique keys, and that the hash table is exactly the one
    /// SPEC.md §6.3 defines for these records. `Ok(())` means every lookup
    /// and iteration on this file succeeds and finds exactly the records
    /// stored.
    ///
    /// Runs at memory speed: two sequential passes over the file, a sort of
    /// 16 bytes per record, and one sequential pass over the slots. Memory:
    /// 16 bytes per record.
    pub fn verify(&self) -> Result<(), Error> {
        let layout = self.layout();
        let bytes = self.as_bytes();
        layout.verify_section_checksums(bytes)?;
        layout.verify_gaps(bytes)?;

        // Records tile their section; collect (hash, offset) of each.
        let records = self.records_bytes();
        let rec_base = layout.records.offset;
        let count = layout.record_count();
        // `count` records of at least 6 bytes fit in the section (checked at
        // open), so this allocation is bounded by the file size; a forged
        // file can still ask for more memory than there is: fail politely.
        let mut entries: Vec<Entry> = Vec::new();
        let wanted = usize::try_from(count).unwrap_or(usize::MAX);
        entries
            .try_reserve_exact(wanted)
            .map_err(|_| Error::OutOfMemory {
                bytes: count.saturating_mul(core::mem::size_of::<Entry>() as u64),
                purpose: "verify's (hash, offset) pairs, 16 bytes per record",
            })?;
        let mut pos = 0u64;
        for _ in 0..count {
            let (key, _, next) = read_record(records, rec_base, pos)?;
            entries.push(Entry {
                hash: key_hash(key, layout.seed),
                offset: pos,
            });
            pos = next;
        }
        if pos != records.len() as u64 {
            return Err(FormatError::Record {
                offset: rec_base + pos,
                section_offset: pos,
                problem: format!(
                    "{} bytes after the last of {count} records",
                    records.len() as u64 - pos
                ),
            }
            .into());
        }

        // The canonical order (SPEC.md §6.3). Placing it first bounds every
        // run of equal hashes to 255 records, which bounds the duplicate
        // search below.
        sort_entries(&mut entries);
        let params_offset = layout.hash_params.offset;
        let max_disp = max_displacement(&entries, layout.slot_count).map_err(|(slot, disp)| FormatError::InvalidField {
            field: "hash_params.seed".into(),
            offset: params_offset,
            found: layout.seed,
            expected: format!("a seed under which no record is more than 254 slots from home (slot {slot} would be {disp})"),
        })?;
        if max_disp != layout.max_displacement {
            return Err(FormatError::InvalidField {
                field: "hash_params.max_displacement".into(),
                offset: params_offset + 16,
                found: layout.max_displacement.into(),
                expected: format!("{max_disp}, the largest displacement of the records' layout"),
            }
            .into());
        }
        // Equal keys have equal hashes, so duplicates are adjacent.
        let mut run_start = 0;
        for i in 1..entries.len() {
            let (prev, cur) = (entries[i - 1], entries[i]);
            if prev.hash != cur.hash {
                run_start = i;
                continue;
            }
            let (key, _) = self.record_at(cur.offset)?;
            for earlier in &entries[run_start..i] {
                if self.record_at(earlier.offset)?.0 == key {
                    return Err(FormatError::Record {
                        offset: rec_base + cur.offset,
                        section_offset: cur.offset,
                        problem: format!(
                            "duplicate key {:?}, also at records offset {}",
                            String::from_utf8_lossy(key),
                            earlier.offset
                        ),
                    }
                    .into());
                }
            }
        }

        // The stored table must be the canonical one, slot for slot.
        let slots = self.slots_bytes();
        let slots_base = layout.hash_slots.offset;
        let mut stored = slots.chunks_exact(SLOT_SIZE);
        let mut index = 0u64;
        let compare = |expected: Slot| -> Result<(), FormatError> {
            let found = stored
                .next()
                .map(|raw| Slot(u64::from_le_bytes(raw.try_into().unwrap_or([0; 8]))));
            let here = index;
            index += 1;
            match found {
                Some(found) if found == expected => Ok(()),
                found => Err(FormatError::Slot {
                    slot: here,
                    offset: slots_base + here * SLOT_SIZE as u64,
                    problem: format!(
                        "found {}, expected {}",
                        found.map_or_else(|| "end of table".to_string(), describe),
                        describe(expected)
                    ),
                }),
            }
        };
        emit_slots(&entries, layout.slot_count, max_disp, compare)?;
        Ok(())
    }
}

fn describe(slot: Slot) -> String {
    if slot.is_empty() {
        format!("{:#018x} (empty)", slot.0)
    } else {
        format!(
            "{:#018x} (record at {}, fingerprint {:#04x}, displacement {})",
            slot.0,
            slot.offset(),
            slot.fingerprint(),
            slot.displacement_byte()
        )
    }
}
