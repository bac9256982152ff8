//! The section table (SPEC.md §4).

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

/// Size of one [`SectionEntry`] in bytes.
pub const SECTION_ENTRY_SIZE: usize = 64;
/// Every section, and the section table, starts at a multiple of this.
pub const SECTION_ALIGN: u64 = 8;
/// Most entries a section table may have (SPEC.md §3): bounds the work of
/// opening a file.
pub const MAX_SECTIONS: u32 = 256;
/// Flag bit 0: a reader that does not know this section id must refuse the file.
pub const SECTION_FLAG_REQUIRED: u32 = 1;

/// One entry of the section table.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SectionEntry {
    /// What the section holds; see [`SectionId`].
    pub id: U32,
    /// Bit 0 is [`SECTION_FLAG_REQUIRED`]; other bits are ignored by 1.0 readers.
    pub flags: U32,
    /// Offset of the section from the start of the file; a multiple of 8.
    pub offset: U64,
    /// Length of the section in bytes.
    pub length: U64,
    /// Number of items (records, slots, ...) in the section.
    pub item_count: U64,
    /// Size of one item, or 0 when items vary in size.
    pub item_size: U64,
    /// [`checksum`](crate::checksum) of the section's bytes.
    pub checksum: U64,
    /// Must be zero.
    pub reserved: [u8; 16],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SectionEntry>() == SECTION_ENTRY_SIZE);
    assert!(offset_of!(SectionEntry, id) == 0);
    assert!(offset_of!(SectionEntry, flags) == 4);
    assert!(offset_of!(SectionEntry, offset) == 8);
    assert!(offset_of!(SectionEntry, length) == 16);
    assert!(offset_of!(SectionEntry, item_count) == 24);
    assert!(offset_of!(SectionEntry, item_size) == 32);
    assert!(offset_of!(SectionEntry, checksum) == 40);
    assert!(offset_of!(SectionEntry, reserved) == 48);
};

/// Section ids defined by format 1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SectionId {
    /// Id 1: the key/value records, each a [`RecordHeader`](crate::RecordHeader)
    /// followed by key and value bytes.
    Records,
    /// Id 2: one [`HashParams`](crate::HashParams).
    HashParams,
    /// Id 3: the hash slots, one little-endian u64 [`Slot`](crate::Slot) each.
    HashSlots,
}

impl SectionId {
    /// Every id this version knows.
    pub const ALL: [SectionId; 3] = [
        SectionId::Records,
        SectionId::HashParams,
        SectionId::HashSlots,
    ];

    /// The numeric id stored on disk.
    pub const fn code(self) -> u32 {
        match self {
            SectionId::Records => 1,
            SectionId::HashParams => 2,
            SectionId::HashSlots => 3,
        }
    }

    /// The id for a stored number, if this version knows it.
    pub const fn from_code(code: u32) -> Option<SectionId> {
        match code {
            1 => Some(SectionId::Records),
            2 => Some(SectionId::HashParams),
            3 => Some(SectionId::HashSlots),
            _ => None,
        }
    }

    /// The name used by the spec and by `zidx inspect`.
    pub const fn name(self) -> &'static str {
        match self {
            SectionId::Records => "records",
            SectionId::HashParams => "hash_params",
            SectionId::HashSlots => "hash_slots",
        }
    }
}

/// Name of a section id for messages: the known name, or `unknown(N)`.
pub(crate) fn section_name(code: u32) -> String {
    match SectionId::from_code(code) {
        Some(id) => id.name().to_string(),
        None => format!("unknown({code})"),
    }
}
