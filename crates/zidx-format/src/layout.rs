//! Validation of the header, section table and hash parameters: everything a
//! reader checks when it opens a file, and nothing that needs more than the
//! first bytes of the file and the small `hash_params` section.

use core::ops::Range;

use zerocopy::FromBytes;

use crate::error::FormatError;
use crate::hash_index::{
    HashParams, HASH_FUNCTION_XXH3_64, HASH_PARAMS_SIZE, MAX_DISPLACEMENT, MAX_RECORDS_BYTES,
    SLOT_SIZE,
};
use crate::header::{
    checksum, Header, HEADER_CHECKSUM_OFFSET, HEADER_SIZE, INCOMPAT_FEATURES_KNOWN, MAGIC,
    VERSION_MAJOR,
};
use crate::record::{RecordHeader, RECORD_HEADER_SIZE};
use crate::section::{
    section_name, SectionEntry, SectionId, MAX_SECTIONS, SECTION_ALIGN, SECTION_ENTRY_SIZE,
    SECTION_FLAG_REQUIRED,
};
use crate::CHECKSUMS_ENFORCED;

/// One section-table entry after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionInfo {
    /// Position of the entry in the section table.
    pub entry: u32,
    /// Stored section id.
    pub id: u32,
    /// Stored flags.
    pub flags: u32,
    /// Offset of the section in the file.
    pub offset: u64,
    /// Length of the section in bytes.
    pub length: u64,
    /// Number of items.
    pub item_count: u64,
    /// Size of one item, 0 when variable.
    pub item_size: u64,
    /// Stored checksum of the section's bytes.
    pub checksum: u64,
}

impl SectionInfo {
    /// The section's name: the known name or `unknown(N)`.
    pub fn name(&self) -> String {
        section_name(self.id)
    }

    /// Whether the section is marked required.
    pub fn required(&self) -> bool {
        self.flags & SECTION_FLAG_REQUIRED != 0
    }

    /// The section's byte range. Valid for the buffer that was parsed: the
    /// range was checked against its length.
    pub fn range(&self) -> Range<usize> {
        // Both ends were checked to be <= the buffer length, a usize.
        let start = usize::try_from(self.offset).unwrap_or(usize::MAX);
        let end = usize::try_from(self.offset + self.length).unwrap_or(usize::MAX);
        start..end
    }
}

/// The validated structure of a zidx file.
///
/// [`Layout::parse`] reads the header, the section table and the 32-byte
/// `hash_params` section, checks every rule of SPEC.md §3–§4 and §6.1 that
/// they can be checked against, and records where each section lies. It reads
/// no record and no slot, so it costs the same for any file size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// Major version (always 1 for a parsed file).
    pub version_major: u16,
    /// Minor version.
    pub version_minor: u16,
    /// Compatible feature bits as stored.
    pub compat_features: u64,
    /// Incompatible feature bits as stored (all known to this reader).
    pub incompat_features: u64,
    /// Length of the file.
    pub file_len: u64,
    /// Stored header checksum.
    pub header_checksum: u64,
    /// Offset of the section table.
    pub section_table_offset: u64,
    /// Stored section table checksum.
    pub section_table_checksum: u64,
    /// Every entry of the section table, in table order, including unknown
    /// optional sections, which readers otherwise skip.
    pub sections: Vec<SectionInfo>,
    /// The records section.
    pub records: SectionInfo,
    /// The hash parameters section.
    pub hash_params: SectionInfo,
    /// The hash slots section.
    pub hash_slots: SectionInfo,
    /// Hash seed.
    pub seed: u64,
    /// Number of home slots.
    pub slot_count: u64,
    /// Largest displacement in the slot table.
    pub max_displacement: u32,
}

fn invalid(
    field: impl Into<String>,
    offset: u64,
    found: u64,
    expected: impl Into<String>,
) -> FormatError {
    FormatError::InvalidField {
        field: field.into(),
        offset,
        found,
        expected: expected.into(),
    }
}

fn check_sum(what: &str, bytes: &[u8], start: u64, stored: u64) -> Result<(), FormatError> {
    if !CHECKSUMS_ENFORCED {
        return Ok(());
    }
    let computed = checksum(bytes);
    if computed == stored {
        Ok(())
    } else {
        Err(FormatError::Checksum {
            what: what.to_string(),
            start,
            end: start + bytes.len() as u64,
            stored,
            computed,
        })
    }
}

/// `bytes[start..start+len]`, or a `Truncated` error naming `what`.
pub(crate) fn slice_at<'a>(
    bytes: &'a [u8],
    what: &'static str,
    start: u64,
    len: u64,
) -> Result<&'a [u8], FormatError> {
    let truncated = || FormatError::Truncated {
        what,
        start,
        end: start.saturating_add(len),
        len: bytes.len() as u64,
    };
    let end = start.checked_add(len).ok_or_else(truncated)?;
    let s = usize::try_from(start).map_err(|_| truncated())?;
    let e = usize::try_from(end).map_err(|_| truncated())?;
    bytes.get(s..e).ok_or_else(truncated)
}

impl Layout {
    /// Validates the header, section table and hash parameters of `bytes`.
    ///
    /// Never panics, whatever the input; every length and offset read from
    /// the buffer is checked before use.
    pub fn parse(bytes: &[u8]) -> Result<Layout, FormatError> {
        let header_bytes = slice_at(bytes, "header", 0, HEADER_SIZE as u64)?;
        let header = Header::ref_from_bytes(header_bytes).map_err(|_| FormatError::Truncated {
            what: "header",
            start: 0,
            end: HEADER_SIZE as u64,
            len: bytes.len() as u64,
        })?;
        if header.magic != MAGIC {
            return Err(FormatError::BadMagic {
                found: header.magic,
                expected: MAGIC,
            });
        }
        let major = header.version_major.get();
        let minor = header.version_minor.get();
        if major != VERSION_MAJOR {
            return Err(FormatError::UnsupportedVersion {
                major,
                minor,
                supported: VERSION_MAJOR,
            });
        }
        let covered = header_bytes
            .get(..HEADER_CHECKSUM_OFFSET)
            .unwrap_or_default();
        check_sum("header", covered, 0, header.header_checksum.get())?;
        if header.header_size.get() as usize != HEADER_SIZE {
            return Err(invalid(
                "header.header_size",
                12,
                header.header_size.get().into(),
                "128",
            ));
        }
        if let Some(pos) = header.reserved.iter().position(|&b| b != 0) {
            return Err(invalid(
                "header.reserved",
                64 + pos as u64,
                header.reserved[pos].into(),
                "0",
            ));
        }
        let incompat = header.incompat_features.get();
        if incompat & !INCOMPAT_FEATURES_KNOWN != 0 {
            return Err(FormatError::UnknownIncompatFeatures {
                unknown: incompat & !INCOMPAT_FEATURES_KNOWN,
            });
        }
        let file_len = header.file_len.get();
        if file_len != bytes.len() as u64 {
            return Err(invalid(
                "header.file_len",
                32,
                file_len,
                format!("{} (the file's actual length)", bytes.len()),
            ));
        }
        if header.section_entry_size.get() as usize != SECTION_ENTRY_SIZE {
            return Err(invalid(
                "header.section_entry_size",
                52,
                header.section_entry_size.get().into(),
                "64",
            ));
        }
        let table_offset = header.section_table_offset.get();
        if table_offset % SECTION_ALIGN != 0 || table_offset < HEADER_SIZE as u64 {
            return Err(invalid(
                "header.section_table_offset",
                40,
                table_offset,
                "a multiple of 8, at least 128",
            ));
        }
        let count = header.section_count.get();
        if count > MAX_SECTIONS {
            return Err(invalid(
                "header.section_count",
                48,
                count.into(),
                format!("at most {MAX_SECTIONS}"),
            ));
        }
        let table_len = u64::from(count) * SECTION_ENTRY_SIZE as u64;
        let table = slice_at(bytes, "section table", table_offset, table_len)?;
        check_sum(
            "section table",
            table,
            table_offset,
            header.section_table_checksum.get(),
        )?;

        let entries =
            <[SectionEntry]>::ref_from_bytes(table).map_err(|_| FormatError::Truncated {
                what: "section table",
                start: table_offset,
                end: table_offset + table_len,
                len: file_len,
            })?;
        // `count` entries fit in the file, so this allocation is bounded by its length.
        let mut sections = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let i = i as u32;
            let base = table_offset + u64::from(i) * SECTION_ENTRY_SIZE as u64;
            let field = |name: &str| format!("section[{i}].{name}");
            if let Some(pos) = e.reserved.iter().position(|&b| b != 0) {
                return Err(invalid(
                    field("reserved"),
                    base + 48 + pos as u64,
                    e.reserved[pos].into(),
                    "0",
                ));
            }
            let offset = e.offset.get();
            let length = e.length.get();
            if offset % SECTION_ALIGN != 0 {
                return Err(invalid(
                    field("offset"),
                    base + 8,
                    offset,
                    "a multiple of 8",
                ));
            }
            match offset.checked_add(length) {
                Some(end) if end <= file_len => {}
                _ => {
                    return Err(invalid(
                        field("length"),
                        base + 16,
                        length,
                        format!(
                            "at most {} (section must end inside the file)",
                            file_len.saturating_sub(offset)
                        ),
                    ));
                }
            }
            let info = SectionInfo {
                entry: i,
                id: e.id.get(),
                flags: e.flags.get(),
                offset,
                length,
                item_count: e.item_count.get(),
                item_size: e.item_size.get(),
                checksum: e.checksum.get(),
            };
            if SectionId::from_code(info.id).is_none() && info.required() {
                return Err(FormatError::UnknownRequiredSection {
                    entry: i,
                    id: info.id,
                });
            }
            if let Some(prev) = sections.iter().find(|s: &&SectionInfo| s.id == info.id) {
                return Err(FormatError::DuplicateSection {
                    name: info.name(),
                    first: prev.entry,
                    second: i,
                });
            }
            sections.push(info);
        }
        check_overlaps(table_offset, table_len, &sections)?;

        let find = |id: SectionId| -> Result<SectionInfo, FormatError> {
            sections.iter().find(|s| s.id == id.code()).cloned().ok_or(
                FormatError::MissingSection {
                    name: id.name(),
                    id: id.code(),
                },
            )
        };
        let records = find(SectionId::Records)?;
        let hash_params = find(SectionId::HashParams)?;
        let hash_slots = find(SectionId::HashSlots)?;
        for s in [&records, &hash_params, &hash_slots] {
            if !s.required() {
                let offset = table_offset + u64::from(s.entry) * SECTION_ENTRY_SIZE as u64 + 4;
                return Err(invalid(
                    format!("section[{}].flags", s.entry),
                    offset,
                    s.flags.into(),
                    "bit 0 (REQUIRED) set",
                ));
            }
        }
        let entry_field = |s: &SectionInfo, name: &str, rel: u64| {
            (
                format!("section[{}].{name}", s.entry),
                table_offset + u64::from(s.entry) * SECTION_ENTRY_SIZE as u64 + rel,
            )
        };

        // Records: variable-size items of at least a header each.
        if records.item_size != 0 {
            let (f, o) = entry_field(&records, "item_size", 32);
            return Err(invalid(f, o, records.item_size, "0 (records vary in size)"));
        }
        if records.length >= MAX_RECORDS_BYTES {
            let (f, o) = entry_field(&records, "length", 16);
            return Err(invalid(f, o, records.length, "less than 2^48"));
        }
        if records
            .item_count
            .checked_mul(RECORD_HEADER_SIZE as u64)
            .is_none_or(|min| min > records.length)
        {
            let (f, o) = entry_field(&records, "item_count", 24);
            return Err(invalid(
                f,
                o,
                records.item_count,
                format!(
                    "at most {} (length / 6)",
                    records.length / RECORD_HEADER_SIZE as u64
                ),
            ));
        }

        // Hash parameters: exactly one 32-byte struct.
        for (value, name, rel, expected) in [
            (hash_params.length, "length", 16, HASH_PARAMS_SIZE as u64),
            (hash_params.item_count, "item_count", 24, 1),
            (
                hash_params.item_size,
                "item_size",
                32,
                HASH_PARAMS_SIZE as u64,
            ),
        ] {
            if value != expected {
                let (f, o) = entry_field(&hash_params, name, rel);
                return Err(invalid(f, o, value, expected.to_string()));
            }
        }
        let params_bytes = slice_at(bytes, "hash_params", hash_params.offset, hash_params.length)?;
        let params =
            HashParams::ref_from_bytes(params_bytes).map_err(|_| FormatError::Truncated {
                what: "hash_params",
                start: hash_params.offset,
                end: hash_params.offset + hash_params.length,
                len: file_len,
            })?;
        // The parameters steer every lookup, so their checksum is checked at
        // open (it costs 32 bytes) rather than left to verify.
        check_sum(
            "hash_params",
            params_bytes,
            hash_params.offset,
            hash_params.checksum,
        )?;
        let p_off = hash_params.offset;
        if params.hash_function.get() != HASH_FUNCTION_XXH3_64 {
            return Err(invalid(
                "hash_params.hash_function",
                p_off + 20,
                params.hash_function.get().into(),
                "1 (XXH3-64)",
            ));
        }
        if let Some(pos) = params.reserved.iter().position(|&b| b != 0) {
            return Err(invalid(
                "hash_params.reserved",
                p_off + 24 + pos as u64,
                params.reserved[pos].into(),
                "0",
            ));
        }
        let max_displacement = params.max_displacement.get();
        if max_displacement > MAX_DISPLACEMENT {
            return Err(invalid(
                "hash_params.max_displacement",
                p_off + 16,
                max_displacement.into(),
                "at most 254",
            ));
        }
        let slot_count = params.slot_count.get();
        if slot_count < records.item_count {
            return Err(invalid(
                "hash_params.slot_count",
                p_off + 8,
                slot_count,
                format!("at least the record count {}", records.item_count),
            ));
        }

        if records.item_count == 0 && (slot_count != 0 || max_displacement != 0) {
            return Err(invalid(
                "hash_params.slot_count",
                p_off + 8,
                slot_count,
                "0, with max_displacement 0, in an index without records",
            ));
        }

        // Slots: exactly slot_count + max_displacement slots of 8 bytes.
        let table_slots = slot_count.checked_add(u64::from(max_displacement));
        if hash_slots.item_size != SLOT_SIZE as u64 {
            let (f, o) = entry_field(&hash_slots, "item_size", 32);
            return Err(invalid(f, o, hash_slots.item_size, "8"));
        }
        if Some(hash_slots.item_count) != table_slots {
            let (f, o) = entry_field(&hash_slots, "item_count", 24);
            return Err(invalid(
                f,
                o,
                hash_slots.item_count,
                "slot_count + max_displacement",
            ));
        }
        if hash_slots.item_count.checked_mul(SLOT_SIZE as u64) != Some(hash_slots.length) {
            let (f, o) = entry_field(&hash_slots, "length", 16);
            return Err(invalid(f, o, hash_slots.length, "item_count * 8"));
        }

        Ok(Layout {
            version_major: major,
            version_minor: minor,
            compat_features: header.compat_features.get(),
            incompat_features: incompat,
            file_len,
            header_checksum: header.header_checksum.get(),
            section_table_offset: table_offset,
            section_table_checksum: header.section_table_checksum.get(),
            sections,
            records,
            hash_params,
            hash_slots,
            seed: params.seed.get(),
            slot_count,
            max_displacement,
        })
    }

    /// Number of records in the file.
    pub fn record_count(&self) -> u64 {
        self.records.item_count
    }

    /// Checks the checksum of every section against `bytes` (the buffer this
    /// layout was parsed from), in table order.
    pub fn verify_section_checksums(&self, bytes: &[u8]) -> Result<(), FormatError> {
        for s in &self.sections {
            let what = s.name();
            let body = slice_at(bytes, "section", s.offset, s.length)?;
            check_sum(&what, body, s.offset, s.checksum)?;
        }
        Ok(())
    }
}

impl Layout {
    /// Checks that every byte outside the header, the section table and the
    /// sections (alignment padding) is zero, so that no byte of a valid file
    /// escapes every checksum.
    pub fn verify_gaps(&self, bytes: &[u8]) -> Result<(), FormatError> {
        let table_end =
            self.section_table_offset + self.sections.len() as u64 * SECTION_ENTRY_SIZE as u64;
        let mut regions: Vec<(u64, u64)> = vec![
            (0, HEADER_SIZE as u64),
            (self.section_table_offset, table_end),
        ];
        regions.extend(
            self.sections
                .iter()
                .map(|s| (s.offset, s.offset + s.length)),
        );
        regions.push((self.file_len, self.file_len));
        regions.sort_unstable();
        let mut covered_to = 0u64;
        for (start, end) in regions {
            if start > covered_to {
                let gap = slice_at(bytes, "padding", covered_to, start - covered_to)?;
                if let Some(pos) = gap.iter().position(|&b| b != 0) {
                    let offset = covered_to + pos as u64;
                    return Err(invalid(
                        "padding byte outside any section",
                        offset,
                        gap[pos].into(),
                        "0",
                    ));
                }
            }
            covered_to = covered_to.max(end);
        }
        Ok(())
    }
}

fn check_overlaps(
    table_offset: u64,
    table_len: u64,
    sections: &[SectionInfo],
) -> Result<(), FormatError> {
    let mut regions: Vec<(u64, u64, String)> = Vec::with_capacity(sections.len() + 2);
    regions.push((0, HEADER_SIZE as u64, "header".to_string()));
    regions.push((
        table_offset,
        table_offset + table_len,
        "section table".to_string(),
    ));
    for s in sections {
        if s.length > 0 {
            regions.push((
                s.offset,
                s.offset + s.length,
                format!("section {}", s.name()),
            ));
        }
    }
    regions.sort();
    for pair in regions.windows(2) {
        if let [(a_start, a_end, a), (b_start, b_end, b)] = pair {
            if b_start < a_end {
                return Err(FormatError::Overlap {
                    first: a.clone(),
                    first_start: *a_start,
                    first_end: *a_end,
                    second: b.clone(),
                    second_start: *b_start,
                    second_end: *b_end,
                });
            }
        }
    }
    Ok(())
}

/// Reads the record at `at` (an offset within `records`, the records
/// section's bytes, which start at absolute offset `section_offset`).
///
/// Returns the key, the value and the offset of the next record. Never
/// panics: a record that runs past the section is an error.
pub fn read_record(
    records: &[u8],
    section_offset: u64,
    at: u64,
) -> Result<(&[u8], &[u8], u64), FormatError> {
    let bad = |problem: String| FormatError::Record {
        offset: section_offset.saturating_add(at),
        section_offset: at,
        problem,
    };
    let start = usize::try_from(at).map_err(|_| bad("offset out of range".into()))?;
    let head = records
        .get(start..)
        .and_then(|rest| RecordHeader::ref_from_prefix(rest).ok())
        .map(|(h, _)| h)
        .ok_or_else(|| {
            bad(format!(
                "record header (6 bytes) runs past the end of the section ({} bytes)",
                records.len()
            ))
        })?;
    let key_start = start + RECORD_HEADER_SIZE;
    let key_end = key_start + usize::from(head.key_len.get());
    let value_end = usize::try_from(head.value_len.get())
        .ok()
        .and_then(|v| key_end.checked_add(v))
        .filter(|&end| end <= records.len())
        .ok_or_else(|| {
            bad(format!(
                "key of {} bytes and value of {} bytes run past the end of the section ({} bytes)",
                head.key_len.get(),
                head.value_len.get(),
                records.len()
            ))
        })?;
    let key = records
        .get(key_start..key_end)
        .ok_or_else(|| bad("key out of range".into()))?;
    let value = records
        .get(key_end..value_end)
        .ok_or_else(|| bad("value out of range".into()))?;
    Ok((key, value, value_end as u64))
}
