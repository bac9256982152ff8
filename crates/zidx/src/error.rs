use std::path::PathBuf;

use zidx_format::FormatError;

/// Everything that can go wrong when reading an index.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened, read or mapped. Check the path and
    /// permissions.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The path is not a regular file (a directory, a device such as
    /// `/dev/zero`, a FIFO or a socket): an index is always a regular file,
    /// and reading the others would not end or would not mean anything.
    #[error("{path}: not a regular file ({kind}); an index is a regular file")]
    NotAFile {
        /// The path.
        path: PathBuf,
        /// What it is instead.
        kind: &'static str,
    },
    /// An index set's manifest could not be read or breaks a rule of
    /// format-spec/SETS.md: rebuild the set, or assemble its manifest again.
    #[error("{path}: {problem}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A shard of an index set is missing, is not the file its manifest
    /// names (another generation, a replaced or damaged file), or fails
    /// verification.
    #[error("{manifest}: shard {shard} ({name}): {problem}")]
    Shard {
        /// The manifest.
        manifest: PathBuf,
        /// The shard's number, from 0.
        shard: u32,
        /// Its file name.
        name: String,
        /// What is wrong.
        problem: String,
    },
    /// The bytes are not a valid zidx file (or not one this version reads).
    /// The variant names the offset and what was wrong; rebuild the index
    /// from its source data.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A [`Storage`](crate::Storage) backend returned fewer or more bytes
    /// than asked for.
    #[error("storage returned {found} bytes at offset {offset}, expected {expected}")]
    ShortRead {
        /// Where the read started.
        offset: u64,
        /// Bytes asked for.
        expected: u64,
        /// Bytes returned.
        found: u64,
    },
    /// A [`Storage`](crate::Storage) backend that reads on demand (such as
    /// zidx-http's, over HTTP range requests) could not read: the boxed
    /// error is the backend's own typed error, which says what was asked,
    /// what came back and where; downcast it to tell its cases apart.
    #[error(transparent)]
    Storage(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// An operation needed more memory than could be allocated. Only
    /// [`Index::verify`](crate::Index::verify) allocates in proportion to the
    /// file (16 bytes per record); run it where that memory is available.
    #[error("cannot allocate {bytes} bytes for {purpose}")]
    OutOfMemory {
        /// Bytes requested.
        bytes: u64,
        /// What for.
        purpose: &'static str,
    },
    /// A typed view was asked of a file whose values have another layout
    /// than the type's, or of an untyped file. Both layouts are shown; use
    /// a type that matches the file's `value_schema` (`zidx inspect`
    /// prints it), or rebuild the file with the type's schema.
    #[error("{type_name} does not match the index's values: the file has {file}; {type_name} is {expected}")]
    SchemaMismatch {
        /// The Rust type asked for.
        type_name: &'static str,
        /// The file's layout (`untyped` for a file without a schema).
        file: String,
        /// The type's layout.
        expected: String,
    },
    /// A typed value does not lie at a multiple of its alignment in memory:
    /// the buffer given to [`Index::from_bytes`](crate::Index::from_bytes)
    /// starts at an address that is not a multiple of the values'
    /// alignment (open the file with [`Index::open`](crate::Index::open),
    /// [`Index::read`](crate::Index::read) or [`Index::load`](crate::Index::load),
    /// which align it), or a damaged slot points between records.
    #[error("typed value at file offset {offset} is at address {address:#x}, not a multiple of its alignment {align}")]
    Misaligned {
        /// File offset of the value.
        offset: u64,
        /// Its address in memory.
        address: usize,
        /// The alignment the schema asks for.
        align: u32,
    },
}
