//! On-disk structures of the zidx index format, version 1.
//!
//! This crate is the byte-level truth of `format-spec/SPEC.md`: one
//! [`zerocopy`] struct per on-disk structure, the constants that give their
//! fields meaning, the hash and checksum functions, the section registry
//! ([`SECTIONS`]), the canonical table placement ([`placement`]) and
//! [`FileLayout::read_from`], which validates the header and section table of
//! a file. It does no I/O and contains no `unsafe` code; the reader (`zidx`)
//! and the writer (`zidx-writer`) both build on it. ARCHITECTURE.md at the
//! repository root maps each byte of the spec to the item here that defines
//! it.
//!
//! Every struct is `Unaligned` and uses little-endian field types, so it can
//! be read in place from any offset of any buffer, on any host.
//!
//! ```
//! use zidx_format::{Header, MAGIC, HEADER_SIZE};
//! use zerocopy::FromBytes;
//!
//! let mut bytes = [0u8; HEADER_SIZE];
//! bytes[..8].copy_from_slice(&MAGIC);
//! let (header, _rest) = Header::ref_from_prefix(&bytes).unwrap();
//! assert_eq!(header.magic, MAGIC);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod checksum;
mod error;
pub mod fences;
mod file_layout;
mod hash;
mod header;
pub mod manifest;
pub mod placement;
mod record;
pub mod schema;
mod section;
mod siphash;
mod slot;

pub use checksum::{checksum, expect_checksum, Checksum, CHECKSUMS_ENFORCED};
pub use error::FormatError;
pub use file_layout::{nonzero_padding, FileLayout, SectionInfo};
pub use hash::{
    fingerprint, home_slot, key_digest, key_hash, HashParams, KeyHasher, SeedDeriver, DIGEST_KEY,
    HASH_FUNCTION_SIPHASH13, HASH_FUNCTION_XXH3_64, HASH_PARAMS_SIZE, KEY_HALF,
    MAX_LOAD_DENOMINATOR, MAX_LOAD_NUMERATOR, MAX_RECORDS_BYTES, SEED_ATTEMPTS, SEED_KEY,
};
pub use header::{
    Header, COMPAT_FEATURES_KNOWN, COMPAT_ORDERED_KEYS, HEADER_CHECKSUM_OFFSET, HEADER_SIZE,
    INCOMPAT_FEATURES_KNOWN, INCOMPAT_KEYED_HASH, INCOMPAT_MULTI_VALUE, INCOMPAT_RECORD_CHECKSUMS,
    INCOMPAT_TYPED_VALUES, MAGIC, VERSION_MAJOR, VERSION_MINOR, VERSION_MINOR_1_0,
    VERSION_MINOR_1_1, VERSION_MINOR_1_2,
};
pub use record::{
    header_past_end, read_record, record_check, RecordCodec, RecordExtent, RecordHeader,
    RecordSpans, MAX_KEY_LEN, MAX_VALUE_LEN, RECORD_CHECK_SIZE, RECORD_HEADER_SIZE,
    TYPED_HEADER_SIZE,
};
pub use schema::{Field, FieldType, ValueLayout, ValueSchema};
pub use section::{
    ItemSize, SectionDescriptor, SectionEntry, SectionId, HASH_PARAMS, HASH_SLOTS, KEY_FENCES,
    MAX_SECTIONS, RECORDS, SECTIONS, SECTION_ALIGN, SECTION_ENTRY_SIZE, SECTION_FLAG_REQUIRED,
    VALUE_SCHEMA,
};
pub use slot::{Slot, EMPTY_DISPLACEMENT, MAX_DISPLACEMENT, SLOT_SIZE};
