//! The 128-byte file header at offset 0 (SPEC.md §3).

use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::checksum::checksum;
use crate::section::SECTION_ENTRY_SIZE;

/// The first eight bytes of every zidx file: `\x89 Z I D X \r \n \x1a`.
///
/// The non-ASCII first byte catches 7-bit transports, the CR LF pair catches
/// newline translation in either direction, and `\x1a` stops `type` on DOS
/// (the PNG trick).
pub const MAGIC: [u8; 8] = *b"\x89ZIDX\r\n\x1a";

/// Major version this crate reads and writes. Readers refuse any other major.
pub const VERSION_MAJOR: u16 = 1;
/// The newest minor version this crate knows and writes (for files that use
/// a feature of 1.2). Readers accept any minor of their major.
pub const VERSION_MINOR: u16 = 3;
/// The minor version of files that set a 1.2 bit and no later one.
pub const VERSION_MINOR_1_2: u16 = 2;
/// Minor version of files that use the keyed hash and no 1.2 feature, which
/// 1.1 readers read.
pub const VERSION_MINOR_1_1: u16 = 1;
/// Minor version of files that use only 1.0 features, which 1.0 readers
/// read (written on request: `zidx build --format-version 1.0`).
pub const VERSION_MINOR_1_0: u16 = 0;

/// Size of [`Header`] in bytes; fixed for every 1.x version.
pub const HEADER_SIZE: usize = 128;
/// [`HEADER_SIZE`] as stored in [`Header::header_size`].
const HEADER_SIZE_U32: u32 = 128;
const _: () = assert!(HEADER_SIZE_U32 as usize == HEADER_SIZE);
/// [`SECTION_ENTRY_SIZE`] as stored in [`Header::section_entry_size`].
const SECTION_ENTRY_SIZE_U32: u32 = 64;
const _: () = assert!(SECTION_ENTRY_SIZE_U32 as usize == SECTION_ENTRY_SIZE);
/// Offset of [`Header::header_checksum`]; the checksum covers bytes `0..120`.
pub const HEADER_CHECKSUM_OFFSET: usize = core::mem::offset_of!(Header, header_checksum);

/// Compatible feature bit 0 (1.2): records are stored in key order and a
/// `key_fences` section indexes them (SPEC.md §12.1). Older readers ignore
/// it and still read the file.
pub const COMPAT_ORDERED_KEYS: u64 = 1;
/// Compatible feature bits defined by this version. A reader ignores
/// compatible bits it does not know.
pub const COMPAT_FEATURES_KNOWN: u64 = COMPAT_ORDERED_KEYS;
/// Incompatible feature bit 0 (1.1): the hash index uses the keyed hash
/// ([`HASH_FUNCTION_SIPHASH13`](crate::HASH_FUNCTION_SIPHASH13)), which a
/// 1.0 reader cannot compute, so it must refuse the file.
pub const INCOMPAT_KEYED_HASH: u64 = 1;
/// Incompatible feature bit 1 (1.2): keys may repeat, one slot per
/// distinct key (SPEC.md §12.3). Requires [`COMPAT_ORDERED_KEYS`].
pub const INCOMPAT_MULTI_VALUE: u64 = 1 << 1;
/// Incompatible feature bit 2 (1.2): every record is followed by a 4-byte
/// check (SPEC.md §12.4).
pub const INCOMPAT_RECORD_CHECKSUMS: u64 = 1 << 2;
/// Incompatible feature bit 3 (1.3): every value has the fixed layout of
/// the `value_schema` section, and records have no `value_len`
/// (SPEC.md §13).
pub const INCOMPAT_TYPED_VALUES: u64 = 1 << 3;
/// Incompatible feature bits defined by this version. A reader refuses a
/// file that sets an incompatible bit it does not know.
pub const INCOMPAT_FEATURES_KNOWN: u64 =
    INCOMPAT_KEYED_HASH | INCOMPAT_MULTI_VALUE | INCOMPAT_RECORD_CHECKSUMS | INCOMPAT_TYPED_VALUES;

/// The file header (SPEC.md §3), at offset 0.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct Header {
    /// Always [`MAGIC`].
    pub magic: [u8; 8],
    /// Major format version; this crate reads [`VERSION_MAJOR`] only.
    pub version_major: U16,
    /// Minor format version; any value is accepted.
    pub version_minor: U16,
    /// Always [`HEADER_SIZE`] (128) in 1.x.
    pub header_size: U32,
    /// Compatible feature bits: unknown ones are ignored.
    pub compat_features: U64,
    /// Incompatible feature bits: unknown ones make a reader refuse the file.
    pub incompat_features: U64,
    /// Length of the whole file in bytes.
    pub file_len: U64,
    /// Offset of the section table; a multiple of 8.
    pub section_table_offset: U64,
    /// Number of entries in the section table.
    pub section_count: U32,
    /// Size of one section-table entry; always 64 in 1.x.
    pub section_entry_size: U32,
    /// [`checksum`](crate::checksum) of the section table's bytes.
    pub section_table_checksum: U64,
    /// Must be zero.
    pub reserved: [u8; 56],
    /// [`checksum`](crate::checksum) of header bytes `0..120`.
    pub header_checksum: U64,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<Header>() == HEADER_SIZE);
    assert!(offset_of!(Header, magic) == 0);
    assert!(offset_of!(Header, version_major) == 8);
    assert!(offset_of!(Header, version_minor) == 10);
    assert!(offset_of!(Header, header_size) == 12);
    assert!(offset_of!(Header, compat_features) == 16);
    assert!(offset_of!(Header, incompat_features) == 24);
    assert!(offset_of!(Header, file_len) == 32);
    assert!(offset_of!(Header, section_table_offset) == 40);
    assert!(offset_of!(Header, section_count) == 48);
    assert!(offset_of!(Header, section_entry_size) == 52);
    assert!(offset_of!(Header, section_table_checksum) == 56);
    assert!(offset_of!(Header, reserved) == 64);
    assert!(offset_of!(Header, header_checksum) == 120);
};

impl Header {
    /// A sealed header for a file of `file_len` bytes whose section table of
    /// `section_count` entries lies at `section_table_offset` and has the
    /// checksum `section_table_checksum`: every other field takes the one
    /// value this version writes, and `header_checksum` is filled in.
    ///
    /// `minor` and the feature bits say which version's features the file
    /// uses: `(VERSION_MINOR_1_0, 0, 0)` for a file 1.0 readers read.
    pub fn new(
        minor: u16,
        compat_features: u64,
        incompat_features: u64,
        file_len: u64,
        section_table_offset: u64,
        section_count: u32,
        section_table_checksum: u64,
    ) -> Header {
        let mut header = Header {
            magic: MAGIC,
            version_major: U16::new(VERSION_MAJOR),
            version_minor: U16::new(minor),
            header_size: U32::new(HEADER_SIZE_U32),
            compat_features: U64::new(compat_features),
            incompat_features: U64::new(incompat_features),
            file_len: U64::new(file_len),
            section_table_offset: U64::new(section_table_offset),
            section_count: U32::new(section_count),
            section_entry_size: U32::new(SECTION_ENTRY_SIZE_U32),
            section_table_checksum: U64::new(section_table_checksum),
            reserved: [0; 56],
            header_checksum: U64::new(0),
        };
        header.seal();
        header
    }

    /// The checksum of the bytes the header checksum covers (`0..120`).
    pub fn computed_checksum(&self) -> u64 {
        checksum(
            self.as_bytes()
                .get(..HEADER_CHECKSUM_OFFSET)
                .unwrap_or_default(),
        )
    }

    /// Recomputes `header_checksum` after a field changed.
    pub fn seal(&mut self) {
        self.header_checksum = U64::new(self.computed_checksum());
    }
}
