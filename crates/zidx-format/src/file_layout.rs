//! Validation of the header, section table and hash parameters: everything a
//! reader checks when it opens a file. Every check is here, in the order of
//! SPEC.md §3, so that a file is accepted or refused in one place (the model
//! is regex-automata's `util/wire.rs`).
//!
//! Parsing reads through a callback, by offset and length, so that it works
//! the same on a mapped file, a buffer, or storage that is not in memory at
//! all: it reads the 128-byte header, the section table (at most 16 KiB) and
//! the 32-byte hash parameters, and nothing else. For files from the
//! reference writer the three lie in the first 352 bytes.

use core::mem::offset_of;
use core::ops::Range;

use zerocopy::FromBytes;

use crate::checksum::{checksum, expect_checksum};
use crate::error::FormatError;
use crate::hash::{
    HashParams, KeyHasher, HASH_FUNCTION_SIPHASH13, HASH_FUNCTION_XXH3_64, HASH_PARAMS_SIZE,
    MAX_RECORDS_BYTES,
};
use crate::header::{
    Header, COMPAT_ORDERED_KEYS, HEADER_SIZE, INCOMPAT_FEATURES_KNOWN, INCOMPAT_KEYED_HASH,
    INCOMPAT_MULTI_VALUE, INCOMPAT_RECORD_CHECKSUMS, INCOMPAT_TYPED_VALUES, MAGIC, VERSION_MAJOR,
};
use crate::record::RecordCodec;
use crate::schema::{ValueSchema, MAX_SCHEMA_LEN};
use crate::section::{
    ItemSize, SectionEntry, SectionId, MAX_SECTIONS, SECTIONS, SECTION_ALIGN, SECTION_ENTRY_SIZE,
    SECTION_FLAG_REQUIRED,
};
use crate::slot::{MAX_DISPLACEMENT, SLOT_SIZE};

/// File offset of a field of a struct stored at `base`.
macro_rules! at {
    ($base:expr, $ty:ty, $field:ident) => {
        ($base) + offset_of!($ty, $field) as u64
    };
}

/// One section-table entry after validation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SectionInfo {
    /// Position of the entry in the section table.
    pub entry: u32,
    /// Stored section id.
    pub id: SectionId,
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
    /// The section's name: the registered name or `unknown(N)`.
    pub fn name(&self) -> String {
        self.id.to_string()
    }

    /// Whether the section is marked required.
    pub fn required(&self) -> bool {
        self.flags & SECTION_FLAG_REQUIRED != 0
    }

    /// The section's byte range in the file.
    pub fn range(&self) -> Range<u64> {
        // offset + length <= file_len was checked when parsing.
        self.offset..self.offset.saturating_add(self.length)
    }

    /// File offset of one of this entry's fields, for messages.
    fn field_offset(&self, table_offset: u64, field: usize) -> u64 {
        table_offset + u64::from(self.entry) * SECTION_ENTRY_SIZE as u64 + field as u64
    }
}

/// The validated structure of a zidx file: header fields, the section
/// table, and the hash parameters.
///
/// [`FileLayout::parse`] checks every rule of SPEC.md §3–§4 and §6.1 that
/// these can be checked against, and records where each section lies. It
/// reads no record and no slot, so it costs the same for any file size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLayout {
    version: (u16, u16),
    compat_features: u64,
    incompat_features: u64,
    file_len: u64,
    header_checksum: u64,
    section_table_offset: u64,
    section_table_checksum: u64,
    sections: Vec<SectionInfo>,
    records: SectionInfo,
    hash_slots: SectionInfo,
    params_offset: u64,
    hash_function: u32,
    seed: u64,
    slot_count: u64,
    max_displacement: u32,
    schema: Option<ValueSchema>,
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

/// Checks that bytes `start..start + len` lie inside a file of `file_len`
/// bytes, or names `what` in a `Truncated` error.
fn check_in_file(
    what: &'static str,
    start: u64,
    len: u64,
    file_len: u64,
) -> Result<(), FormatError> {
    match start.checked_add(len) {
        Some(end) if end <= file_len => Ok(()),
        _ => Err(FormatError::Truncated {
            what,
            start,
            end: start.saturating_add(len),
            len: file_len,
        }),
    }
}

/// `bytes[start..start + len]`, or a `Truncated` error naming `what`.
fn slice_at<'a>(
    bytes: &'a [u8],
    what: &'static str,
    start: u64,
    len: u64,
) -> Result<&'a [u8], FormatError> {
    check_in_file(what, start, len, bytes.len() as u64)?;
    // In range of a slice, so both ends fit in usize.
    let s = usize::try_from(start).unwrap_or(usize::MAX);
    let e = usize::try_from(start + len).unwrap_or(usize::MAX);
    bytes.get(s..e).ok_or(FormatError::Truncated {
        what,
        start,
        end: start + len,
        len: bytes.len() as u64,
    })
}

impl FileLayout {
    /// Validates the header, section table and hash parameters of a file
    /// held in memory.
    ///
    /// Never panics, whatever the input; every length and offset read from
    /// the buffer is checked before use.
    pub fn parse(bytes: &[u8]) -> Result<FileLayout, FormatError> {
        FileLayout::read_from(bytes.len() as u64, |offset, buf: &mut [u8]| {
            let src = slice_at(bytes, "file", offset, buf.len() as u64)?;
            buf.copy_from_slice(src);
            Ok::<(), FormatError>(())
        })
    }

    /// Validates a file of `file_len` bytes that `read` gives access to:
    /// `read(offset, buf)` must fill `buf` with the file's bytes at `offset`.
    /// Every range asked for lies inside `0..file_len`; at most three reads
    /// are made (header, section table, hash parameters), of at most 16 KiB
    /// in all.
    pub fn read_from<E: From<FormatError>>(
        file_len: u64,
        mut read: impl FnMut(u64, &mut [u8]) -> Result<(), E>,
    ) -> Result<FileLayout, E> {
        check_in_file("header", 0, HEADER_SIZE as u64, file_len)?;
        let mut header_bytes = [0u8; HEADER_SIZE];
        read(0, &mut header_bytes)?;
        let header =
            Header::read_from_bytes(&header_bytes).map_err(|_| FormatError::Truncated {
                what: "header",
                start: 0,
                end: HEADER_SIZE as u64,
                len: file_len,
            })?;
        let (table_offset, count) = check_header(&header, file_len)?;

        let table_len = u64::from(count) * SECTION_ENTRY_SIZE as u64;
        check_in_file("section table", table_offset, table_len, file_len)?;
        // At most MAX_SECTIONS (256) entries of 64 bytes: 16 KiB.
        let mut table = vec![0u8; count as usize * SECTION_ENTRY_SIZE];
        read(table_offset, &mut table)?;
        expect_checksum(
            "section table",
            table_offset,
            table_len,
            header.section_table_checksum.get(),
            checksum(&table),
        )?;
        let sections = check_section_table(&table, table_offset, file_len)?;

        let required = |id: SectionId| -> Result<SectionInfo, FormatError> {
            sections
                .iter()
                .find(|s| s.id == id)
                .cloned()
                .ok_or(FormatError::MissingSection {
                    name: id.descriptor().map_or("unknown", |d| d.name),
                    id: id.0,
                })
        };
        for descriptor in SECTIONS.iter().filter(|d| d.always) {
            required(descriptor.id)?;
        }
        let records = required(SectionId::RECORDS)?;
        let params_entry = required(SectionId::HASH_PARAMS)?;
        let hash_slots = required(SectionId::HASH_SLOTS)?;
        let incompat = header.incompat_features.get();
        let schema = read_schema(
            &sections,
            incompat,
            header.version_minor.get(),
            &records,
            table_offset,
            &mut read,
        )?;
        let codec = RecordCodec::new(incompat & INCOMPAT_RECORD_CHECKSUMS != 0)
            .with_typed(schema.as_ref().map(ValueSchema::value_layout));
        check_records(&records, table_offset, codec)?;
        check_ordering(
            header.compat_features.get(),
            incompat,
            sections.iter().find(|s| s.id == SectionId::KEY_FENCES),
            table_offset,
        )?;
        if params_entry.item_count != 1 {
            return Err(invalid(
                format!("section[{}].item_count", params_entry.entry),
                params_entry.field_offset(table_offset, offset_of!(SectionEntry, item_count)),
                params_entry.item_count,
                "1",
            )
            .into());
        }

        let mut params_bytes = [0u8; HASH_PARAMS_SIZE];
        // The entry's length was checked to be HASH_PARAMS_SIZE and to lie
        // inside the file.
        read(params_entry.offset, &mut params_bytes)?;
        let params =
            HashParams::read_from_bytes(&params_bytes).map_err(|_| FormatError::Truncated {
                what: "hash_params",
                start: params_entry.offset,
                end: params_entry.offset + HASH_PARAMS_SIZE as u64,
                len: file_len,
            })?;
        // The parameters steer every lookup, so their checksum is checked at
        // open (it costs 32 bytes) rather than left to verify.
        expect_checksum(
            "hash_params",
            params_entry.offset,
            HASH_PARAMS_SIZE as u64,
            params_entry.checksum,
            checksum(&params_bytes),
        )?;
        check_hash_params(
            &params,
            params_entry.offset,
            &records,
            header.incompat_features.get(),
        )?;
        let (slot_count, max_displacement) =
            (params.slot_count.get(), params.max_displacement.get());
        check_hash_slots(&hash_slots, table_offset, slot_count, max_displacement)?;

        Ok(FileLayout {
            version: (header.version_major.get(), header.version_minor.get()),
            compat_features: header.compat_features.get(),
            incompat_features: header.incompat_features.get(),
            file_len,
            header_checksum: header.header_checksum.get(),
            section_table_offset: table_offset,
            section_table_checksum: header.section_table_checksum.get(),
            sections,
            records,
            hash_slots,
            params_offset: params_entry.offset,
            hash_function: params.hash_function.get(),
            seed: params.seed.get(),
            slot_count,
            max_displacement,
            schema,
        })
    }

    /// `(major, minor)` format version.
    pub fn version(&self) -> (u16, u16) {
        self.version
    }

    /// Compatible feature bits as stored.
    pub fn compat_features(&self) -> u64 {
        self.compat_features
    }

    /// Incompatible feature bits as stored (all known to this reader).
    pub fn incompat_features(&self) -> u64 {
        self.incompat_features
    }

    /// Whether records are stored in key order with a `key_fences` section
    /// (SPEC.md §12.1).
    pub fn ordered_keys(&self) -> bool {
        self.compat_features & COMPAT_ORDERED_KEYS != 0
    }

    /// Whether keys may repeat (SPEC.md §12.3).
    pub fn multi_value(&self) -> bool {
        self.incompat_features & INCOMPAT_MULTI_VALUE != 0
    }

    /// How the file's records are laid out: with a check after each one
    /// when `RECORD_CHECKSUMS` is set (SPEC.md §12.4).
    pub fn record_codec(&self) -> RecordCodec {
        RecordCodec::new(self.incompat_features & INCOMPAT_RECORD_CHECKSUMS != 0)
            .with_typed(self.schema.as_ref().map(ValueSchema::value_layout))
    }

    /// The layout of every value, in a typed file (SPEC.md §13).
    pub fn value_schema(&self) -> Option<&ValueSchema> {
        self.schema.as_ref()
    }

    /// The `key_fences` section, present exactly when keys are ordered.
    pub fn key_fences(&self) -> Option<&SectionInfo> {
        self.section(SectionId::KEY_FENCES)
    }

    /// Length of the file.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// Stored header checksum.
    pub fn header_checksum(&self) -> u64 {
        self.header_checksum
    }

    /// Offset of the section table.
    pub fn section_table_offset(&self) -> u64 {
        self.section_table_offset
    }

    /// Stored section table checksum.
    pub fn section_table_checksum(&self) -> u64 {
        self.section_table_checksum
    }

    /// Every entry of the section table, in table order, including unknown
    /// optional sections, which readers otherwise skip.
    pub fn sections(&self) -> &[SectionInfo] {
        &self.sections
    }

    /// The section with id `id`, if the file has one.
    pub fn section(&self, id: SectionId) -> Option<&SectionInfo> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// The records section (every file has one).
    #[inline]
    pub fn records(&self) -> &SectionInfo {
        &self.records
    }

    /// The hash slots section (every file has one).
    #[inline]
    pub fn hash_slots(&self) -> &SectionInfo {
        &self.hash_slots
    }

    /// File offset of the hash parameters.
    pub fn hash_params_offset(&self) -> u64 {
        self.params_offset
    }

    /// Number of records in the file.
    #[inline]
    pub fn record_count(&self) -> u64 {
        self.records.item_count
    }

    /// Hash seed.
    #[inline]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The stored `hash_function`.
    pub fn hash_function(&self) -> u32 {
        self.hash_function
    }

    /// The file's key hash: its function with its seed. The function was
    /// checked when parsing, so this never fails for a parsed layout.
    pub fn key_hasher(&self) -> KeyHasher {
        KeyHasher::new(self.hash_function, self.seed).unwrap_or(KeyHasher::xxh3(self.seed))
    }

    /// Number of home slots.
    #[inline]
    pub fn slot_count(&self) -> u64 {
        self.slot_count
    }

    /// Largest displacement in the slot table.
    #[inline]
    pub fn max_displacement(&self) -> u32 {
        self.max_displacement
    }

    /// The error for a stored `max_displacement` that differs from the one
    /// the records' placement gives.
    pub fn wrong_max_displacement(&self, computed: u32) -> FormatError {
        invalid(
            "hash_params.max_displacement",
            at!(self.params_offset, HashParams, max_displacement),
            self.max_displacement.into(),
            format!("{computed}, the largest displacement of the records' layout"),
        )
    }

    /// The error for a seed under which some record lies more than
    /// [`MAX_DISPLACEMENT`] slots from home.
    pub fn unusable_seed(&self, slot: u64, displacement: u64) -> FormatError {
        invalid(
            "hash_params.seed",
            at!(self.params_offset, HashParams, seed),
            self.seed,
            format!("a seed under which no record is more than {MAX_DISPLACEMENT} slots from home (slot {slot} would be {displacement})"),
        )
    }

    /// The byte ranges of the file outside the header, the section table and
    /// every section: alignment padding, which must be zero so that no byte
    /// of a valid file escapes every checksum.
    pub fn padding(&self) -> Vec<Range<u64>> {
        let table_end =
            self.section_table_offset + self.sections.len() as u64 * SECTION_ENTRY_SIZE as u64;
        let mut regions: Vec<Range<u64>> =
            vec![0..HEADER_SIZE as u64, self.section_table_offset..table_end];
        regions.extend(self.sections.iter().map(SectionInfo::range));
        regions.push(self.file_len..self.file_len);
        regions.sort_unstable_by_key(|r| (r.start, r.end));
        let mut gaps = Vec::new();
        let mut covered_to = 0u64;
        for r in regions {
            if r.start > covered_to {
                gaps.push(covered_to..r.start);
            }
            covered_to = covered_to.max(r.end);
        }
        gaps
    }
}

/// The error for a padding byte that is not zero.
pub fn nonzero_padding(offset: u64, byte: u8) -> FormatError {
    invalid("padding byte outside any section", offset, byte.into(), "0")
}

/// Checks the header's fields in the order of SPEC.md §3; returns the
/// section table's offset and entry count.
fn check_header(header: &Header, file_len: u64) -> Result<(u64, u32), FormatError> {
    if header.magic != MAGIC {
        return Err(FormatError::BadMagic {
            found: header.magic,
            expected: MAGIC,
        });
    }
    let (major, minor) = (header.version_major.get(), header.version_minor.get());
    if major != VERSION_MAJOR {
        return Err(FormatError::UnsupportedVersion {
            major,
            minor,
            supported: VERSION_MAJOR,
        });
    }
    expect_checksum(
        "header",
        0,
        offset_of!(Header, header_checksum) as u64,
        header.header_checksum.get(),
        header.computed_checksum(),
    )?;
    if header.header_size.get() as usize != HEADER_SIZE {
        return Err(invalid(
            "header.header_size",
            at!(0, Header, header_size),
            header.header_size.get().into(),
            HEADER_SIZE.to_string(),
        ));
    }
    if let Some(pos) = header.reserved.iter().position(|&b| b != 0) {
        return Err(invalid(
            "header.reserved",
            at!(0, Header, reserved) + pos as u64,
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
    if header.file_len.get() != file_len {
        return Err(invalid(
            "header.file_len",
            at!(0, Header, file_len),
            header.file_len.get(),
            format!("{file_len} (the file's actual length)"),
        ));
    }
    if header.section_entry_size.get() as usize != SECTION_ENTRY_SIZE {
        return Err(invalid(
            "header.section_entry_size",
            at!(0, Header, section_entry_size),
            header.section_entry_size.get().into(),
            SECTION_ENTRY_SIZE.to_string(),
        ));
    }
    let table_offset = header.section_table_offset.get();
    if !table_offset.is_multiple_of(SECTION_ALIGN) || table_offset < HEADER_SIZE as u64 {
        return Err(invalid(
            "header.section_table_offset",
            at!(0, Header, section_table_offset),
            table_offset,
            format!("a multiple of {SECTION_ALIGN}, at least {HEADER_SIZE}"),
        ));
    }
    let count = header.section_count.get();
    if count > MAX_SECTIONS {
        return Err(invalid(
            "header.section_count",
            at!(0, Header, section_count),
            count.into(),
            format!("at most {MAX_SECTIONS}"),
        ));
    }
    Ok((table_offset, count))
}

/// Checks every entry of the section table (SPEC.md §4) against the file
/// and the section registry.
fn check_section_table(
    table: &[u8],
    table_offset: u64,
    file_len: u64,
) -> Result<Vec<SectionInfo>, FormatError> {
    let entries = <[SectionEntry]>::ref_from_bytes(table).map_err(|_| FormatError::Truncated {
        what: "section table",
        start: table_offset,
        end: table_offset + table.len() as u64,
        len: file_len,
    })?;
    // At most MAX_SECTIONS entries.
    let mut sections: Vec<SectionInfo> = Vec::with_capacity(entries.len());
    for (i, e) in (0u32..).zip(entries) {
        let base = table_offset + u64::from(i) * SECTION_ENTRY_SIZE as u64;
        let field = |name: &str| format!("section[{i}].{name}");
        if let Some(pos) = e.reserved.iter().position(|&b| b != 0) {
            return Err(invalid(
                field("reserved"),
                at!(base, SectionEntry, reserved) + pos as u64,
                e.reserved[pos].into(),
                "0",
            ));
        }
        let (offset, length) = (e.offset.get(), e.length.get());
        if !offset.is_multiple_of(SECTION_ALIGN) {
            return Err(invalid(
                field("offset"),
                at!(base, SectionEntry, offset),
                offset,
                format!("a multiple of {SECTION_ALIGN}"),
            ));
        }
        if offset.checked_add(length).is_none_or(|end| end > file_len) {
            return Err(invalid(
                field("length"),
                at!(base, SectionEntry, length),
                length,
                format!(
                    "at most {} (section must end inside the file)",
                    file_len.saturating_sub(offset)
                ),
            ));
        }
        let info = SectionInfo {
            entry: i,
            id: SectionId(e.id.get()),
            flags: e.flags.get(),
            offset,
            length,
            item_count: e.item_count.get(),
            item_size: e.item_size.get(),
            checksum: e.checksum.get(),
        };
        match info.id.descriptor() {
            None if info.required() => {
                return Err(FormatError::UnknownRequiredSection {
                    entry: i,
                    id: info.id.0,
                })
            }
            None => {}
            Some(descriptor) => {
                if descriptor.required && !info.required() {
                    return Err(invalid(
                        field("flags"),
                        at!(base, SectionEntry, flags),
                        info.flags.into(),
                        "bit 0 (REQUIRED) set",
                    ));
                }
                if info.item_size != descriptor.item_size.stored() {
                    let expected = match descriptor.item_size {
                        ItemSize::Variable => format!("0 ({} items vary in size)", descriptor.name),
                        ItemSize::Fixed(n) => n.to_string(),
                    };
                    return Err(invalid(
                        field("item_size"),
                        at!(base, SectionEntry, item_size),
                        info.item_size,
                        expected,
                    ));
                }
                if let ItemSize::Fixed(size) = descriptor.item_size {
                    if info.item_count.checked_mul(size) != Some(info.length) {
                        return Err(invalid(
                            field("length"),
                            at!(base, SectionEntry, length),
                            info.length,
                            format!("item_count * {size}"),
                        ));
                    }
                }
            }
        }
        if let Some(prev) = sections.iter().find(|s| s.id == info.id) {
            return Err(FormatError::DuplicateSection {
                name: info.name(),
                first: prev.entry,
                second: i,
            });
        }
        sections.push(info);
    }
    check_overlaps(table_offset, table.len() as u64, &sections)?;
    Ok(sections)
}

/// Records: variable-size items of at least a header each (SPEC.md §5).
/// The 1.2 bits that go together (SPEC.md §12): `MULTI_VALUE` needs
/// `ORDERED_KEYS`, and `ORDERED_KEYS` goes with a `key_fences` section.
fn check_ordering(
    compat: u64,
    incompat: u64,
    fences: Option<&SectionInfo>,
    table_offset: u64,
) -> Result<(), FormatError> {
    let ordered = compat & COMPAT_ORDERED_KEYS != 0;
    if incompat & INCOMPAT_MULTI_VALUE != 0 && !ordered {
        return Err(invalid(
            "header.compat_features",
            at!(0, Header, compat_features),
            compat,
            "bit 0 (ORDERED_KEYS) set, as incompat bit 1 (MULTI_VALUE) requires",
        ));
    }
    if let Some(fences) = fences.filter(|f| f.required()) {
        // Older readers must be able to skip it (SPEC.md §12.2).
        return Err(invalid(
            format!("section[{}].flags", fences.entry),
            fences.field_offset(table_offset, offset_of!(SectionEntry, flags)),
            fences.flags.into(),
            "0: key_fences is optional, so that older readers skip it",
        ));
    }
    if ordered != fences.is_some() {
        return Err(invalid(
            "header.compat_features",
            at!(0, Header, compat_features),
            compat,
            if ordered {
                "bit 0 (ORDERED_KEYS) clear, since the file has no key_fences section"
            } else {
                "bit 0 (ORDERED_KEYS) set, since the file has a key_fences section"
            },
        ));
    }
    Ok(())
}

/// The `value_schema` section of a typed file (SPEC.md §13), read and
/// checked whole: present exactly when `TYPED_VALUES` is set, at most
/// 64 KiB, valid, with the records section aligned to its values and a
/// minor version of at least 3.
fn read_schema<E: From<FormatError>>(
    sections: &[SectionInfo],
    incompat: u64,
    minor: u16,
    records: &SectionInfo,
    table_offset: u64,
    read: &mut impl FnMut(u64, &mut [u8]) -> Result<(), E>,
) -> Result<Option<ValueSchema>, E> {
    let typed = incompat & INCOMPAT_TYPED_VALUES != 0;
    let section = sections.iter().find(|s| s.id == SectionId::VALUE_SCHEMA);
    let section = match (typed, section) {
        (false, None) => return Ok(None),
        (true, Some(s)) => s,
        (true, None) => {
            return Err(FormatError::MissingSection {
                name: "value_schema",
                id: SectionId::VALUE_SCHEMA.0,
            }
            .into())
        }
        (false, Some(_)) => {
            return Err(invalid(
                "header.incompat_features",
                at!(0, Header, incompat_features),
                incompat,
                "bit 3 (TYPED_VALUES) set, since the file has a value_schema section",
            )
            .into())
        }
    };
    if minor < 3 {
        return Err(invalid(
            "header.version_minor",
            at!(0, Header, version_minor),
            minor.into(),
            "at least 3, as incompat bit 3 (TYPED_VALUES) requires",
        )
        .into());
    }
    if section.length > MAX_SCHEMA_LEN {
        return Err(invalid(
            format!("section[{}].length", section.entry),
            section.field_offset(table_offset, offset_of!(SectionEntry, length)),
            section.length,
            format!("at most {MAX_SCHEMA_LEN} (value_schema)"),
        )
        .into());
    }
    // At most 64 KiB, checked above.
    let mut bytes = vec![0u8; usize::try_from(section.length).unwrap_or(0)];
    read(section.offset, &mut bytes)?;
    expect_checksum(
        "value_schema",
        section.offset,
        section.length,
        section.checksum,
        checksum(&bytes),
    )?;
    let schema = ValueSchema::decode(&bytes, section.item_count, section.offset)?;
    if !records.offset.is_multiple_of(u64::from(schema.align())) {
        return Err(invalid(
            format!("section[{}].offset", records.entry),
            records.field_offset(table_offset, offset_of!(SectionEntry, offset)),
            records.offset,
            format!(
                "a multiple of {}, the typed values' alignment",
                schema.align()
            ),
        )
        .into());
    }
    Ok(Some(schema))
}

fn check_records(
    records: &SectionInfo,
    table_offset: u64,
    codec: RecordCodec,
) -> Result<(), FormatError> {
    let field = |name: &str| format!("section[{}].{name}", records.entry);
    if records.length >= MAX_RECORDS_BYTES {
        return Err(invalid(
            field("length"),
            records.field_offset(table_offset, offset_of!(SectionEntry, length)),
            records.length,
            "less than 2^48",
        ));
    }
    if records
        .item_count
        .checked_mul(codec.min_record_len())
        .is_none_or(|min| min > records.length)
    {
        let overhead = codec.min_record_len();
        return Err(invalid(
            field("item_count"),
            records.field_offset(table_offset, offset_of!(SectionEntry, item_count)),
            records.item_count,
            format!(
                "at most {} (length / {overhead})",
                records.length / overhead
            ),
        ));
    }
    Ok(())
}

/// The hash parameters (SPEC.md §6.1).
fn check_hash_params(
    params: &HashParams,
    base: u64,
    records: &SectionInfo,
    incompat_features: u64,
) -> Result<(), FormatError> {
    // The keyed hash and its feature bit go together: a 1.0 reader refuses
    // the bit, so a file must not use the function without it.
    let function = params.hash_function.get();
    let expected = if incompat_features & INCOMPAT_KEYED_HASH != 0 {
        (
            HASH_FUNCTION_SIPHASH13,
            "SipHash-1-3, as incompat bit 0 says",
        )
    } else {
        (HASH_FUNCTION_XXH3_64, "XXH3-64; 2 needs incompat bit 0")
    };
    if function != expected.0 {
        return Err(invalid(
            "hash_params.hash_function",
            at!(base, HashParams, hash_function),
            function.into(),
            format!("{} ({})", expected.0, expected.1),
        ));
    }
    if let Some(pos) = params.reserved.iter().position(|&b| b != 0) {
        return Err(invalid(
            "hash_params.reserved",
            at!(base, HashParams, reserved) + pos as u64,
            params.reserved[pos].into(),
            "0",
        ));
    }
    let max_displacement = params.max_displacement.get();
    if max_displacement > MAX_DISPLACEMENT {
        return Err(invalid(
            "hash_params.max_displacement",
            at!(base, HashParams, max_displacement),
            max_displacement.into(),
            format!("at most {MAX_DISPLACEMENT}"),
        ));
    }
    let slot_count = params.slot_count.get();
    // With several values per key, the table holds one slot per distinct
    // key (SPEC.md §12.3), which only verify can count.
    let least = if incompat_features & INCOMPAT_MULTI_VALUE != 0 {
        records.item_count.min(1)
    } else {
        records.item_count
    };
    if slot_count < least {
        return Err(invalid(
            "hash_params.slot_count",
            at!(base, HashParams, slot_count),
            slot_count,
            format!("at least {least}, for {} records", records.item_count),
        ));
    }
    if records.item_count == 0 && (slot_count != 0 || max_displacement != 0) {
        return Err(invalid(
            "hash_params.slot_count",
            at!(base, HashParams, slot_count),
            slot_count,
            "0, with max_displacement 0, in an index without records",
        ));
    }
    Ok(())
}

/// The slots: exactly `slot_count + max_displacement` of them (SPEC.md §6.2).
/// Their size and the section's length were checked against the registry.
fn check_hash_slots(
    hash_slots: &SectionInfo,
    table_offset: u64,
    slot_count: u64,
    max_displacement: u32,
) -> Result<(), FormatError> {
    let table_slots = slot_count.checked_add(u64::from(max_displacement));
    if Some(hash_slots.item_count) != table_slots {
        return Err(invalid(
            format!("section[{}].item_count", hash_slots.entry),
            hash_slots.field_offset(table_offset, offset_of!(SectionEntry, item_count)),
            hash_slots.item_count,
            "slot_count + max_displacement",
        ));
    }
    debug_assert_eq!(hash_slots.item_size, SLOT_SIZE as u64);
    Ok(())
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
    for s in sections.iter().filter(|s| s.length > 0) {
        regions.push((s.offset, s.offset + s.length, format!("section {}", s.id)));
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
