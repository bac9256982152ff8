//! Full verification: every checksum and every invariant of SPEC.md §7.

use zidx_format::fences::{separator, FenceTop, FencesBuilder};
use zidx_format::placement::{emit_slots, max_displacement, sort_canonical, HashedRecord};
use zidx_format::{
    expect_checksum, key_digest, nonzero_padding, read_record, Checksum, FormatError, RecordCodec,
    SectionInfo, SeedDeriver, Slot, HASH_FUNCTION_SIPHASH13, SEED_ATTEMPTS, SLOT_SIZE,
};
use zidx_text::escape::ShowKey;

use crate::error::Error;
use crate::index::Index;
use crate::record_access;
use crate::storage::Storage;

/// Bytes read per request while streaming a section: 1 MiB.
const CHUNK: u64 = 1 << 20;

impl<S: Storage> Index<S> {
    /// Checks every byte of the file: the checksum of every section, that
    /// bytes outside sections are zero, that the records tile their section
    /// exactly with unique keys, and that the hash table is exactly the one
    /// SPEC.md §6.3 defines for these records. `Ok(())` means every lookup
    /// and iteration on this file succeeds and finds exactly the records
    /// stored.
    ///
    /// Runs at memory speed: two sequential passes over the file, a sort of
    /// 16 bytes per record, and one sequential pass over the slots. Memory:
    /// 16 bytes per record, and 8 more for format 1.1.
    pub fn verify(&self) -> Result<(), Error> {
        let layout = self.layout();
        let storage = self.storage();
        for section in layout.sections() {
            verify_checksum(storage, section)?;
        }
        for gap in layout.padding() {
            for_each_chunk(
                storage,
                gap.start,
                gap.end - gap.start,
                |at, bytes| match bytes.iter().position(|&b| b != 0) {
                    Some(pos) => Err(nonzero_padding(at + pos as u64, bytes[pos]).into()),
                    None => Ok(()),
                },
            )?;
        }

        // Records tile their section; collect (hash, offset) of each.
        let section = layout.records();
        let count = layout.record_count();
        // `count` records of at least 6 bytes fit in the section (checked at
        // open), so this allocation is bounded by the file size; a forged
        // file can still ask for more memory than there is: fail politely.
        let mut hashed: Vec<HashedRecord> = Vec::new();
        let wanted = usize::try_from(count).unwrap_or(usize::MAX);
        hashed
            .try_reserve_exact(wanted)
            .map_err(|_| Error::OutOfMemory {
                bytes: count.saturating_mul(core::mem::size_of::<HashedRecord>() as u64),
                purpose: "verify's (hash, offset) pairs, 16 bytes per record",
            })?;
        let hasher = self.key_hasher();
        let keyed = hasher.function() == HASH_FUNCTION_SIPHASH13;
        // 1.1: every key's digest, for the seed derivation (8 bytes per
        // record, bounded as the pairs above are).
        let mut digests: Vec<u64> = Vec::new();
        if keyed {
            digests
                .try_reserve_exact(wanted)
                .map_err(|_| Error::OutOfMemory {
                    bytes: count.saturating_mul(8),
                    purpose: "verify's key digests, 8 bytes per record",
                })?;
        }
        let codec = self.codec();
        let multi_value = layout.multi_value();
        // Ordered files (SPEC.md §12.5): keys in order, and the fences
        // rebuilt from them to be compared with the stored section.
        let mut fences = match layout.key_fences() {
            Some(section) => Some(FencesBuilder::new(stored_run_len(storage, section)?)),
            None => None,
        };
        // The rebuilt fences can only match a stored section of the same
        // length: stop as soon as they are longer, so that a forged trailer
        // (runs of one record) cannot make verify buffer every key.
        let fences_len = layout.key_fences().map_or(0, |f| f.length);
        let mut previous: Option<Vec<u8>> = None;
        let mut ordinal = 0u64;
        let mut on_record = |key: &[u8], pos: u64| -> Result<(), Error> {
            let repeat = previous.as_deref() == Some(key);
            if let Some(builder) = &mut fences {
                if let Some(prev) = previous.as_deref().filter(|p| *p > key) {
                    return Err(FormatError::Record {
                        offset: section.offset + pos,
                        section_offset: pos,
                        problem: format!(
                            "key {} comes after {} in a file whose keys are ordered",
                            ShowKey(key),
                            ShowKey(prev)
                        ),
                    }
                    .into());
                }
                if ordinal.is_multiple_of(u64::from(builder.run_len())) {
                    let sep = previous.as_deref().map_or(&key[..0], |p| separator(p, key));
                    builder.push(pos, sep);
                    if builder.written() > fences_len {
                        return Err(FormatError::Fences {
                            offset: layout.key_fences().map_or(0, |f| f.offset),
                            problem: format!(
                                "the records give more than the section's {fences_len} bytes of fences"
                            ),
                        }
                        .into());
                    }
                }
                let p = previous.get_or_insert_with(Vec::new);
                p.clear();
                p.extend_from_slice(key);
            }
            ordinal += 1;
            // One slot per distinct key (SPEC.md §12.3).
            if multi_value && repeat {
                return Ok(());
            }
            if keyed {
                digests.push(key_digest(key));
            }
            hashed.push(HashedRecord::new(hasher.hash(key), pos));
            Ok(())
        };
        let end = match storage.resident() {
            // In memory: walk the section's bytes directly, as fast as the
            // memory allows.
            Some(file) => {
                let bytes = usize::try_from(section.offset)
                    .ok()
                    .zip(usize::try_from(section.offset + section.length).ok())
                    .and_then(|(a, b)| file.get(a..b))
                    .unwrap_or_default();
                let mut pos = 0u64;
                for _ in 0..count {
                    let (key, _, next) = read_record(bytes, codec, section.offset, pos)?;
                    if let Some(schema) = layout.value_schema() {
                        // `pos..next` lies in the section: read_record checked it.
                        let record = usize::try_from(pos)
                            .ok()
                            .zip(usize::try_from(next).ok())
                            .and_then(|(a, b)| bytes.get(a..b))
                            .unwrap_or_default();
                        check_typed_record(codec, schema, record, section.offset, pos)?;
                    }
                    on_record(key, pos)?;
                    pos = next;
                }
                pos
            }
            None => {
                let mut records = self.iter();
                loop {
                    let offset = records.position();
                    let Some(record) = records.next() else { break };
                    let (key, _) = record?;
                    if let Some(schema) = layout.value_schema() {
                        let len = records.position() - offset;
                        let record = storage.read_at(section.offset + offset, len)?;
                        check_typed_record(codec, schema, record.as_ref(), section.offset, offset)?;
                    }
                    on_record(key.as_ref(), offset)?;
                }
                records.position()
            }
        };
        if end != section.length {
            return Err(FormatError::Record {
                offset: section.offset + end,
                section_offset: end,
                problem: format!(
                    "{} bytes after the last of {count} records",
                    section.length - end
                ),
            }
            .into());
        }
        if let (Some(builder), Some(stored)) = (fences, layout.key_fences()) {
            let (runs, expected) = builder.finish();
            compare_fences(storage, stored, runs, &expected)?;
        }

        check_version_minor(layout)?;
        // With several values per key the table has one slot per distinct
        // key, and at least as many home slots (SPEC.md §12.3).
        if multi_value && (hashed.len() as u64) > layout.slot_count() {
            return Err(FormatError::InvalidField {
                field: "hash_params.slot_count".into(),
                offset: layout.hash_params_offset() + 8,
                found: layout.slot_count(),
                expected: format!("at least the {} distinct keys", hashed.len()),
            }
            .into());
        }

        // 1.1: the seed is the one the records give (SPEC.md §6.3).
        if keyed {
            digests.sort_unstable();
            let mut seeds = SeedDeriver::new();
            for d in digests {
                seeds.add(d);
            }
            if !(0..SEED_ATTEMPTS).any(|a| seeds.seed(a) == layout.seed()) {
                return Err(FormatError::InvalidField {
                    field: "hash_params.seed".into(),
                    offset: layout.hash_params_offset(),
                    found: layout.seed(),
                    expected: format!(
                        "{:#x}, the seed derived from the records (SPEC.md §6.3)",
                        seeds.seed(0)
                    ),
                }
                .into());
            }
        }

        // The canonical order (SPEC.md §6.3). Placing it first bounds every
        // run of equal hashes to 255 records, which bounds the duplicate
        // search below.
        sort_canonical(&mut hashed);
        let max_disp = max_displacement(hashed.iter().copied(), layout.slot_count())
            .map_err(|o| layout.unusable_seed(o.slot, o.displacement))?;
        if max_disp != layout.max_displacement() {
            return Err(layout.wrong_max_displacement(max_disp).into());
        }
        check_unique_keys(storage, section, codec, &hashed)?;

        // The stored table must be the canonical one, slot for slot.
        let table = layout.hash_slots();
        let mismatch = |here: u64, found: Option<Slot>, expected: Slot| -> Error {
            FormatError::Slot {
                slot: here,
                offset: table.offset + here * SLOT_SIZE as u64,
                problem: format!(
                    "found {}, expected {expected}",
                    found.map_or_else(|| "end of table".to_string(), |s| s.to_string()),
                ),
            }
            .into()
        };
        // In memory, the whole table is one zero-copy read; otherwise it is
        // read in chunks.
        let chunk_slots = if storage.resident().is_some() {
            table.item_count.max(1)
        } else {
            CHUNK / SLOT_SIZE as u64
        };
        let mut index = 0u64;
        let mut chunk: Option<(u64, S::Bytes<'_>)> = None;
        let compare = |expected: Slot| -> Result<(), Error> {
            let here = index;
            index += 1;
            let first_in_chunk = here - here % chunk_slots;
            if chunk
                .as_ref()
                .is_none_or(|(start, _)| *start != first_in_chunk)
            {
                let n = (table.item_count.saturating_sub(first_in_chunk)).min(chunk_slots);
                let bytes = storage.read_at(
                    table.offset + first_in_chunk * SLOT_SIZE as u64,
                    n * SLOT_SIZE as u64,
                )?;
                chunk = Some((first_in_chunk, bytes));
            }
            let found = chunk
                .as_ref()
                .and_then(|(start, bytes)| Slot::read(bytes.as_ref(), here - start));
            match found {
                Some(found) if found == expected => Ok(()),
                found => Err(mismatch(here, found, expected)),
            }
        };
        emit_slots(
            hashed.iter().copied(),
            layout.slot_count(),
            max_disp,
            compare,
        )?;
        Ok(())
    }
}

/// `version_minor` is at least the minor of every feature the file uses
/// (SPEC.md §3): 2 for a bit of §12, 1 for `KEYED_HASH`. A later minor is
/// fine: it may use features this reader does not know.
/// A typed record's padding is zero and its value follows its schema
/// (SPEC.md §13.4); `record` is its bytes, at records offset `at`.
fn check_typed_record(
    codec: zidx_format::RecordCodec,
    schema: &zidx_format::ValueSchema,
    record: &[u8],
    section_offset: u64,
    at: u64,
) -> Result<(), Error> {
    let bad = |problem: String| -> Error {
        FormatError::Record {
            offset: section_offset + at,
            section_offset: at,
            problem,
        }
        .into()
    };
    let (key_len, value_len) = codec
        .lengths(record)
        .ok_or_else(|| bad("header cut short".into()))?;
    let spans = codec.spans(key_len, value_len);
    let part = |a: u64, b: u64| {
        usize::try_from(a)
            .ok()
            .zip(usize::try_from(b).ok())
            .and_then(|(a, b)| record.get(a..b))
    };
    let check_end = spans.value_end + codec.trailer() as u64;
    for (from, to) in [(spans.key_end, spans.value_start), (check_end, spans.end)] {
        let pad = part(from, to).ok_or_else(|| bad("record shorter than its layout".into()))?;
        if let Some(i) = pad.iter().position(|&b| b != 0) {
            return Err(bad(format!(
                "padding byte {} of the record is {:#04x}, not zero",
                from + i as u64,
                pad[i]
            )));
        }
    }
    let value = part(spans.value_start, spans.value_end)
        .ok_or_else(|| bad("record shorter than its layout".into()))?;
    schema
        .check_value(value)
        .map_err(|p| bad(format!("value: {p}")))
}

fn check_version_minor(layout: &zidx_format::FileLayout) -> Result<(), Error> {
    let uses_1_2 = layout.ordered_keys() || layout.multi_value() || layout.record_codec().checked();
    let least = if layout.value_schema().is_some() {
        3
    } else if uses_1_2 {
        2
    } else if layout.incompat_features() & zidx_format::INCOMPAT_KEYED_HASH != 0 {
        1
    } else {
        0
    };
    let (_, minor) = layout.version();
    if minor < least {
        return Err(FormatError::InvalidField {
            field: "header.version_minor".into(),
            offset: 10,
            found: minor.into(),
            expected: format!("at least {least}, for the features the file sets"),
        }
        .into());
    }
    Ok(())
}

/// The run length a `key_fences` section's trailer states (1 when it is
/// out of range: the comparison then fails on the trailer's bytes).
fn stored_run_len<S: Storage + ?Sized>(storage: &S, section: &SectionInfo) -> Result<u32, Error> {
    let range = FenceTop::trailer_range(section.offset, section.length)?;
    let bytes = storage.read_at(range.start, range.end - range.start)?;
    let (trailer, _) = FenceTop::read_trailer(bytes.as_ref(), section.offset, section.length)?;
    Ok(trailer.run_len.get().clamp(1, u32::from(u16::MAX)))
}

/// The stored `key_fences` section must be the canonical one for the
/// records (SPEC.md §12.2), byte for byte.
fn compare_fences<S: Storage + ?Sized>(
    storage: &S,
    stored: &SectionInfo,
    runs: u64,
    expected: &[u8],
) -> Result<(), Error> {
    if stored.item_count != runs {
        return Err(FormatError::Fences {
            offset: stored.offset,
            problem: format!(
                "item_count is {}, but the records make {runs} runs",
                stored.item_count
            ),
        }
        .into());
    }
    if stored.length != expected.len() as u64 {
        return Err(FormatError::Fences {
            offset: stored.offset,
            problem: format!(
                "the section is {} bytes, but the records give {} bytes of fences",
                stored.length,
                expected.len()
            ),
        }
        .into());
    }
    let mut at = 0usize;
    for_each_chunk(storage, stored.offset, stored.length, |offset, bytes| {
        let want = expected.get(at..at + bytes.len()).unwrap_or_default();
        if let Some(i) = bytes.iter().zip(want).position(|(a, b)| a != b) {
            return Err(FormatError::Fences {
                offset: offset + i as u64,
                problem: format!(
                    "byte is {:#04x}, but the records give {:#04x} (SPEC.md §12.2)",
                    bytes[i], want[i]
                ),
            }
            .into());
        }
        at += bytes.len();
        Ok(())
    })
}

/// Checks a section's bytes against its stored checksum.
fn verify_checksum<S: Storage + ?Sized>(storage: &S, section: &SectionInfo) -> Result<(), Error> {
    let mut sum = Checksum::new();
    for_each_chunk(storage, section.offset, section.length, |_, bytes| {
        sum.update(bytes);
        Ok(())
    })?;
    expect_checksum(
        &section.name(),
        section.offset,
        section.length,
        section.checksum,
        sum.finish(),
    )?;
    Ok(())
}

/// Calls `f(offset, bytes)` for the bytes `start..start + len`, read in
/// chunks of at most [`CHUNK`] bytes.
fn for_each_chunk<S: Storage + ?Sized>(
    storage: &S,
    start: u64,
    len: u64,
    mut f: impl FnMut(u64, &[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(CHUNK);
        let bytes = storage.read_at(start + done, n)?;
        f(start + done, bytes.as_ref())?;
        done += n;
    }
    Ok(())
}

/// Equal keys have equal hashes, so in canonical order duplicates are
/// neighbours within a run of equal hashes.
fn check_unique_keys<S: Storage + ?Sized>(
    storage: &S,
    section: &SectionInfo,
    codec: RecordCodec,
    hashed: &[HashedRecord],
) -> Result<(), Error> {
    let key_at = |at: u64| record_access::read(storage, section, codec, at).map(|(k, _, _)| k);
    let mut run_start = 0;
    for i in 1..hashed.len() {
        let (prev, cur) = (hashed[i - 1], hashed[i]);
        if prev.hash != cur.hash {
            run_start = i;
            continue;
        }
        let key = key_at(cur.offset)?;
        for earlier in &hashed[run_start..i] {
            if key_at(earlier.offset)?.as_ref() == key.as_ref() {
                return Err(FormatError::Record {
                    offset: section.offset + cur.offset,
                    section_offset: cur.offset,
                    problem: format!(
                        "duplicate key {}, also at records offset {}",
                        ShowKey(key.as_ref()),
                        earlier.offset
                    ),
                }
                .into());
            }
        }
    }
    Ok(())
}
