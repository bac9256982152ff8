//! The section table (SPEC.md §4).

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::hash::HASH_PARAMS_SIZE;
use crate::slot::SLOT_SIZE;

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
    /// What the section holds; see [`SectionId`] and [`SECTIONS`].
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

impl SectionEntry {
    /// The entry for a section of kind `section` at `offset`: its flags and
    /// item size come from the registry, so a writer cannot get them wrong.
    pub fn new(
        section: &SectionDescriptor,
        offset: u64,
        length: u64,
        item_count: u64,
        checksum: u64,
    ) -> SectionEntry {
        SectionEntry {
            id: U32::new(section.id.0),
            flags: U32::new(if section.required {
                SECTION_FLAG_REQUIRED
            } else {
                0
            }),
            offset: U64::new(offset),
            length: U64::new(length),
            item_count: U64::new(item_count),
            item_size: U64::new(section.item_size.stored()),
            checksum: U64::new(checksum),
            reserved: [0; 16],
        }
    }
}

/// A section id as stored in the section table. Ids this version knows have
/// a [`SectionDescriptor`] in [`SECTIONS`]; any other id is legal in a file
/// as long as its entry is not marked required (SPEC.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SectionId(pub u32);

impl SectionId {
    /// Id 1: the key/value records (SPEC.md §5).
    pub const RECORDS: SectionId = SectionId(1);
    /// Id 2: the hash parameters (SPEC.md §6.1).
    pub const HASH_PARAMS: SectionId = SectionId(2);
    /// Id 3: the hash slots (SPEC.md §6.2).
    pub const HASH_SLOTS: SectionId = SectionId(3);
    /// Id 4: the sparse index over ordered keys (SPEC.md §12.2).
    pub const KEY_FENCES: SectionId = SectionId(4);
    /// Id 5: the layout of typed values (SPEC.md §13.1).
    pub const VALUE_SCHEMA: SectionId = SectionId(5);

    /// What this version knows about the id, if anything.
    pub fn descriptor(self) -> Option<&'static SectionDescriptor> {
        SECTIONS.iter().find(|d| d.id == self)
    }
}

/// The section's name, or `unknown(N)` for an id this version does not know.
impl core::fmt::Display for SectionId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.descriptor() {
            Some(d) => f.write_str(d.name),
            None => write!(f, "unknown({})", self.0),
        }
    }
}

/// The size of a section's items, as recorded in `item_size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ItemSize {
    /// Items vary in size; `item_size` is 0.
    Variable,
    /// Every item has this many bytes.
    Fixed(u64),
}

impl ItemSize {
    /// The value stored in a section entry's `item_size`.
    pub const fn stored(self) -> u64 {
        match self {
            ItemSize::Variable => 0,
            ItemSize::Fixed(n) => n,
        }
    }
}

/// Everything the format says about one kind of section. The table
/// [`SECTIONS`] drives parsing (item sizes, required flags, presence),
/// writing ([`SectionEntry::new`]) and `zidx inspect` (names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SectionDescriptor {
    /// The id stored on disk.
    pub id: SectionId,
    /// The name used by the spec, error messages and `zidx inspect`.
    pub name: &'static str,
    /// The size of its items; a file that disagrees is refused.
    pub item_size: ItemSize,
    /// Whether it is flagged `REQUIRED` wherever it appears. An optional
    /// section is written without the flag, so that older readers skip it.
    pub required: bool,
    /// Whether every file has it.
    pub always: bool,
    /// The format version (major, minor) that introduced it.
    pub since: (u16, u16),
}

/// Every section this version knows, by id. Adding a section starts here
/// (ARCHITECTURE.md, "How to add a section").
pub const SECTIONS: &[SectionDescriptor] = &[
    SectionDescriptor {
        id: SectionId::RECORDS,
        name: "records",
        item_size: ItemSize::Variable,
        required: true,
        always: true,
        since: (1, 0),
    },
    SectionDescriptor {
        id: SectionId::HASH_PARAMS,
        name: "hash_params",
        item_size: ItemSize::Fixed(HASH_PARAMS_SIZE as u64),
        required: true,
        always: true,
        since: (1, 0),
    },
    SectionDescriptor {
        id: SectionId::HASH_SLOTS,
        name: "hash_slots",
        item_size: ItemSize::Fixed(SLOT_SIZE as u64),
        required: true,
        always: true,
        since: (1, 0),
    },
    SectionDescriptor {
        id: SectionId::KEY_FENCES,
        name: "key_fences",
        item_size: ItemSize::Variable,
        required: false,
        always: false,
        since: (1, 2),
    },
    SectionDescriptor {
        id: SectionId::VALUE_SCHEMA,
        name: "value_schema",
        item_size: ItemSize::Variable,
        required: true,
        always: false,
        since: (1, 3),
    },
];

/// The descriptor of a section this crate defines. Panics at compile time
/// (in a const context) or in tests if `id` is missing from [`SECTIONS`]:
/// only for ids declared above.
pub(crate) const fn known(id: SectionId) -> &'static SectionDescriptor {
    let mut i = 0;
    while i < SECTIONS.len() {
        if SECTIONS[i].id.0 == id.0 {
            return &SECTIONS[i];
        }
        i += 1;
    }
    panic!("section id missing from SECTIONS")
}

/// The descriptor of the records section.
pub const RECORDS: &SectionDescriptor = known(SectionId::RECORDS);
/// The descriptor of the hash parameters section.
pub const HASH_PARAMS: &SectionDescriptor = known(SectionId::HASH_PARAMS);
/// The descriptor of the hash slots section.
pub const HASH_SLOTS: &SectionDescriptor = known(SectionId::HASH_SLOTS);
/// The descriptor of the ordered-key index.
pub const KEY_FENCES: &SectionDescriptor = known(SectionId::KEY_FENCES);
/// The descriptor of the typed values' schema.
pub const VALUE_SCHEMA: &SectionDescriptor = known(SectionId::VALUE_SCHEMA);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique() {
        for (i, a) in SECTIONS.iter().enumerate() {
            for b in &SECTIONS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
            }
        }
        assert_eq!(SectionId(3).to_string(), "hash_slots");
        assert_eq!(SectionId(99).to_string(), "unknown(99)");
    }
}
