//! Read zidx index files: immutable key/value tables that are memory-mapped
//! and queried in place, without loading or parsing the file.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("colors.zidx");
//! # let mut w = zidx_writer::Writer::create(&path, Default::default())?;
//! # w.insert(b"red", b"#ff0000")?;
//! # w.insert(b"green", b"#00ff00")?;
//! # w.finish()?;
//! use zidx::Index;
//!
//! let index = Index::open(&path)?;
//! assert_eq!(index.get(b"red")?, Some(&b"#ff0000"[..]));
//! assert_eq!(index.get(b"blue")?, None);
//! assert_eq!(index.len(), 2);
//! for record in index.iter() {
//!     let (key, value) = record?;
//!     println!("{} = {}", String::from_utf8_lossy(key), String::from_utf8_lossy(value));
//! }
//! # Ok(()) }
//! ```
//!
//! # Where the bytes come from
//!
//! * [`Index::open`] memory-maps the file (read its "Memory-mapping hazard"
//!   section).
//! * [`Index::read`] reads the whole file into an owned buffer: for network
//!   filesystems and files that other programs might change.
//! * [`Index::from_bytes`] parses any buffer you already hold (`&[u8]`,
//!   `Vec<u8>`, `Arc<[u8]>`, ...).
//! * [`Index::from_storage`] reads through any [`Storage`]: a backend that
//!   reads by offset and length, such as one over HTTP range requests.
//!
//! Opening checks the header, the section table and their checksums and
//! reads nothing else, so it costs the same for a 1 KiB and a 100 GiB file.
//! Lookups bounds-check everything they read; a corrupt file gives an
//! [`Error`], never a panic. [`Index::verify`] checks every byte.
#![deny(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod file_bytes;
mod index;
mod index_set;
mod mmap;
mod ordered;
mod probe;
mod record_access;
mod records;
mod resident;
mod shard_check;
mod stats;
mod storage;
mod typed;
mod verify;

pub use error::Error;
pub use file_bytes::FileBytes;
pub use index::{Index, Lookup};
pub use index_set::{is_manifest, IndexSet};
pub use ordered::{KeyRange, Values};
pub use records::Records;
pub use shard_check::manifest_of_shards;
pub use stats::HashStats;
pub use storage::Storage;
pub use typed::{value_schema, TypedIndex, TypedRecords};
pub use zidx_format::impl_schema;
pub use zidx_format::schema::{str_text, Schema};
pub use zidx_format::{Field, FieldType, ValueSchema};
pub use zidx_format::{FileLayout, FormatError, SectionId, SectionInfo};
