//! The one error type of this crate: what was wrong with the bytes.

/// A buffer is not a valid zidx file, or not one this version can read.
///
/// Every variant names the byte offset or section at fault, what was found
/// and what was expected. None of them can be fixed by retrying: the file is
/// damaged, truncated, not a zidx file, or from a newer incompatible version.
/// Rebuild it from its source data (`zidx build`), or upgrade zidx when the
/// error says the file needs a newer reader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The buffer ends before a structure it must contain.
    #[error("file is truncated: {what} needs bytes {start}..{end} but the file has {len} bytes")]
    Truncated {
        /// The structure that does not fit.
        what: &'static str,
        /// First byte it needs.
        start: u64,
        /// One past the last byte it needs.
        end: u64,
        /// Length of the buffer.
        len: u64,
    },
    /// The first eight bytes are not [`MAGIC`](crate::MAGIC).
    #[error("not a zidx file: magic at offset 0 is {found:02x?}, expected {expected:02x?}")]
    BadMagic {
        /// The bytes found.
        found: [u8; 8],
        /// [`MAGIC`](crate::MAGIC).
        expected: [u8; 8],
    },
    /// The major version is not one this reader supports.
    #[error("unsupported format version {major}.{minor} at offset 8: this reader reads major version {supported}; use a zidx release that reads {major}.x")]
    UnsupportedVersion {
        /// Major version found.
        major: u16,
        /// Minor version found.
        minor: u16,
        /// The major version this reader reads.
        supported: u16,
    },
    /// The file sets incompatible feature bits this reader does not know.
    #[error("file needs unknown incompatible features {unknown:#x} (header offset 24); upgrade zidx to read it")]
    UnknownIncompatFeatures {
        /// The unknown bits.
        unknown: u64,
    },
    /// A stored checksum does not match the bytes it covers.
    #[error("checksum mismatch in {what} (bytes {start}..{end}): stored {stored:#018x}, computed {computed:#018x}")]
    Checksum {
        /// What the checksum covers: `header`, `section table` or a section name.
        what: String,
        /// First byte covered.
        start: u64,
        /// One past the last byte covered.
        end: u64,
        /// The checksum stored in the file.
        stored: u64,
        /// The checksum of the bytes as they are.
        computed: u64,
    },
    /// A field holds a value the spec does not allow.
    #[error("invalid {field} at offset {offset}: found {found}, expected {expected}")]
    InvalidField {
        /// The field, e.g. `header.file_len` or `section[2].offset`.
        field: String,
        /// Absolute file offset of the field.
        offset: u64,
        /// The value found.
        found: u64,
        /// What the spec allows.
        expected: String,
    },
    /// Two sections, or a section and the header or table, share bytes.
    #[error("{first} (bytes {first_start}..{first_end}) overlaps {second} (bytes {second_start}..{second_end})")]
    Overlap {
        /// One region.
        first: String,
        /// Its first byte.
        first_start: u64,
        /// One past its last byte.
        first_end: u64,
        /// The other region.
        second: String,
        /// Its first byte.
        second_start: u64,
        /// One past its last byte.
        second_end: u64,
    },
    /// A section id appears twice.
    #[error("section {name} appears twice in the section table (entries {first} and {second})")]
    DuplicateSection {
        /// Section name.
        name: String,
        /// Index of the first entry.
        first: u32,
        /// Index of the second entry.
        second: u32,
    },
    /// A required section is unknown to this reader.
    #[error("section table entry {entry} has unknown id {id} marked required; upgrade zidx to read this file")]
    UnknownRequiredSection {
        /// Index of the entry.
        entry: u32,
        /// Its id.
        id: u32,
    },
    /// A section every 1.x file has is missing.
    #[error("required section {name} (id {id}) is missing from the section table")]
    MissingSection {
        /// Section name.
        name: &'static str,
        /// Section id.
        id: u32,
    },
    /// A record is malformed: it runs past the end of the records section,
    /// or a slot points at something that is not a record.
    #[error(
        "corrupt record at offset {offset} (records section offset {section_offset}): {problem}"
    )]
    Record {
        /// Absolute file offset of the record.
        offset: u64,
        /// Offset of the record within the records section.
        section_offset: u64,
        /// What is wrong.
        problem: String,
    },
    /// A record's check (SPEC.md §12.4) does not match its bytes: the
    /// record is damaged, and none of its bytes are returned.
    #[error("damaged record at offset {offset} (records section offset {section_offset}): its check is {stored:#010x} but its bytes give {computed:#010x}; rebuild the index from its source (`zidx verify` reports every problem)")]
    RecordChecksum {
        /// Absolute file offset of the record.
        offset: u64,
        /// Offset of the record within the records section.
        section_offset: u64,
        /// The check stored after the record.
        stored: u32,
        /// The check of the record's bytes as they are.
        computed: u32,
    },
    /// The ordered-key index (`key_fences`, SPEC.md §12.2) is malformed.
    #[error("corrupt key_fences section at offset {offset}: {problem}")]
    Fences {
        /// Absolute file offset of the bytes at fault.
        offset: u64,
        /// What is wrong.
        problem: String,
    },
    /// An ordered query was asked of a file built without ordered keys.
    #[error("this index was built without ordered keys, so it cannot answer {operation}; rebuild it with `zidx build --ordered`")]
    NotOrdered {
        /// The query asked, e.g. `range`.
        operation: &'static str,
    },
    /// A hash slot contradicts the record it points to or its neighbours.
    #[error("corrupt hash slot {slot} at offset {offset}: {problem}")]
    Slot {
        /// Index of the slot.
        slot: u64,
        /// Absolute file offset of the slot.
        offset: u64,
        /// What is wrong.
        problem: String,
    },
    /// A value schema breaks a rule of SPEC.md §13.1 (from text or a
    /// Rust type: nothing was read from a file).
    #[error("invalid value schema: {problem}")]
    Schema {
        /// What is wrong.
        problem: String,
    },
    /// A file's `value_schema` section breaks a rule of SPEC.md §13.1;
    /// nothing in it is trusted.
    #[error("invalid value_schema section at offset {offset}: {problem}")]
    InvalidSchema {
        /// Absolute file offset of the bytes at fault.
        offset: u64,
        /// What is wrong.
        problem: String,
    },
    /// An index set's manifest breaks a rule of format-spec/SETS.md §2, or
    /// a set being assembled cannot have one; nothing in it is trusted.
    #[error("invalid set manifest (offset {offset}): {problem}")]
    InvalidManifest {
        /// Offset in the manifest of the bytes at fault (0 when the
        /// problem is the whole file or the shards given).
        offset: u64,
        /// What is wrong.
        problem: String,
    },
}
