//! Build zidx index files.
//!
//! [`Writer`] streams key/value pairs into a new index: values go to disk as
//! they arrive, and each key leaves 16 bytes (its hash and offset) to sort,
//! never its value bytes. Beyond [`Options::memory`] (at most 1 GiB by
//! default) those are sorted in runs in temporary files beside the output,
//! so a build of any size fits its budget. [`Writer::finish`] lays out the hash table,
//! writes header and section table, and publishes the file atomically: it is
//! written to a temporary file in the target's directory, synced, renamed
//! over the target, and the directory is synced. Until that rename, the
//! target path is untouched; if anything fails, the temporary file is
//! removed. The same pairs in the same order always give the same bytes.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let dir = tempfile::tempdir()?;
//! # let path = dir.path().join("ids.zidx");
//! use zidx_writer::{OnDuplicate, Options, Writer};
//!
//! let mut writer = Writer::create(&path, Options::default().with_on_duplicate(OnDuplicate::Last))?;
//! writer.insert(b"alice", b"1")?;
//! writer.insert(b"bob", b"2")?;
//! writer.insert(b"alice", b"3")?; // replaces the first "alice"
//! let summary = writer.finish()?;
//! assert_eq!(summary.records, 2);
//!
//! let index = zidx::Index::open(&path)?;
//! assert_eq!(index.get(b"alice")?, Some(&b"3"[..]));
//! # Ok(()) }
//! ```
//!
//! The `zidx-text` crate parses TSV, CSV and JSON Lines into pairs, as
//! `zidx build` does.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod atomic_file;
mod buffered;
mod error;
mod options;
mod progress;
mod set_writer;
mod sink;
mod sorter;
mod spill_sort;
mod writer;

pub use atomic_file::AtomicFile;
#[cfg(feature = "test-hooks")]
pub use atomic_file::{Fault, Op};
pub use error::WriteError;
pub use options::{
    default_memory, FormatVersion, OnDuplicate, Options, ParseOnDuplicateError, Replace,
    DEFAULT_SORT_BUFFER, MAX_DEFAULT_MEMORY, MEMORY_RESERVE,
};
pub use progress::{Phase, Progress};
pub use set_writer::{write_manifest, SetSummary, SetWriter};
pub use sink::Sink;
pub use writer::{Summary, Writer};
