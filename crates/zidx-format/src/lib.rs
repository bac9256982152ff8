//! On-disk structures of the zidx index format, version 1.
//!
//! This crate is the byte-level truth of `format-spec/SPEC.md`: one
//! [`zerocopy`] struct per on-disk structure, the constants that give their
//! fields meaning, the hash and checksum functions, and [`Layout::parse`],
//! which validates the header and section table of a buffer. It does no I/O
//! and contains no `unsafe` code; the reader (`zidx`) and the writer
//! (`zidx-writer`) both build on it.
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

mod error;
mod hash_index;
mod header;
mod layout;
mod record;
mod section;
pub mod table_layout;

pub use error::FormatError;
pub use hash_index::{
    fingerprint, home_slot, key_hash, HashParams, Slot, HASH_FUNCTION_XXH3_64, HASH_PARAMS_SIZE,
    LOAD_FACTOR_DEN, LOAD_FACTOR_NUM, MAX_DISPLACEMENT, MAX_RECORDS_BYTES, SLOT_SIZE,
};
pub use header::{
    checksum, Header, COMPAT_FEATURES_KNOWN, HEADER_CHECKSUM_OFFSET, HEADER_SIZE,
    INCOMPAT_FEATURES_KNOWN, MAGIC, VERSION_MAJOR, VERSION_MINOR,
};
pub use layout::{read_record, Layout, SectionInfo};
pub use record::{RecordHeader, MAX_KEY_LEN, MAX_VALUE_LEN, RECORD_HEADER_SIZE};
pub use section::{
    SectionEntry, SectionId, MAX_SECTIONS, SECTION_ALIGN, SECTION_ENTRY_SIZE, SECTION_FLAG_REQUIRED,
};

/// Whether checksums are enforced. Fuzzing builds (`cfg(fuzzing)`) skip them so
/// that mutated inputs reach the structural checks behind them; every other
/// build enforces them.
pub const CHECKSUMS_ENFORCED: bool = !cfg!(fuzzing);
