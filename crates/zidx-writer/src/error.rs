use std::path::PathBuf;

use zidx_text::escape::ShowKey;

/// Everything that can go wrong while building an index.
///
/// When a build fails, the target path is untouched and the temporary file
/// is gone, with one exception: if syncing the directory fails after the
/// rename (`op` is `sync directory`), the new index is already in place but
/// may not survive a crash.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A file operation failed (disk full, permissions, I/O error). An
    /// `fsync` failure is reported here and never retried: after a failed
    /// fsync the kernel may have dropped the data it could not write.
    #[error("{op} {path}: {source}")]
    Io {
        /// The operation: `create`, `write`, `read`, `sync`, `rename`, ...
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key is longer than the format allows (65,535 bytes).
    #[error("record {record}: key of {len} bytes exceeds the limit of {max} bytes")]
    KeyTooLong {
        /// 0-based index of the record in insertion order.
        record: u64,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A value is longer than the format allows (4 GiB - 1).
    #[error("record {record}: value of {len} bytes exceeds the limit of {max} bytes")]
    ValueTooLong {
        /// 0-based index of the record in insertion order.
        record: u64,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A typed build's value is not the schema's size (SPEC.md §13).
    #[error("record {record}: value of {len} bytes, but the schema's values are {expected} bytes")]
    ValueSize {
        /// 0-based index of the record in insertion order.
        record: u64,
        /// Its length.
        len: usize,
        /// The schema's value size.
        expected: u32,
    },
    /// A typed build's value has the schema's size but bytes no reader may
    /// accept (SPEC.md §13.4): non-zero padding, a `bool` byte other than 0
    /// or 1, a `str` that is not UTF-8 followed by NUL padding.
    #[error("record {record}: value is not a legal value of the schema: {problem}")]
    InvalidValue {
        /// 0-based index of the record in insertion order.
        record: u64,
        /// The first problem found.
        problem: String,
    },
    /// [`Writer::insert_typed`](crate::Writer::insert_typed) was given a
    /// type whose layout is not the build's schema, or the build has none.
    #[error("typed insert: {problem}")]
    TypedMismatch {
        /// Both layouts, or what is missing.
        problem: String,
    },
    /// The records would exceed the format's 2^48-byte records section.
    #[error("record {record}: the records section would exceed 2^48 bytes")]
    TooLarge {
        /// 0-based index of the record in insertion order.
        record: u64,
    },
    /// The same key was inserted twice with [`OnDuplicate::Error`](crate::OnDuplicate::Error).
    /// Remove one, or choose `first` or `last`.
    #[error("duplicate key {}: records {first} and {second} (0-based, insertion order)", ShowKey(.key))]
    DuplicateKey {
        /// The key.
        key: Vec<u8>,
        /// 0-based index of the first record with it.
        first: u64,
        /// 0-based index of the second.
        second: u64,
    },
    /// Too many keys share a hash value under every seed tried: the input is
    /// built to collide (hash flooding), or a test forced one hash value.
    #[error("hash flooding: {detail}, under each of {seeds} seeds; refusing to build a table whose lookups would be slow")]
    HashFlooding {
        /// Seeds tried.
        seeds: u32,
        /// What was found under the last seed.
        detail: String,
    },
    /// A feature was asked for together with a format version whose
    /// readers cannot read it. Drop the feature, or the version.
    #[error("{feature} needs format {needs}, but format {version} was asked for (readers of {version} would refuse the file); drop --format-version or the option")]
    NeedsNewerFormat {
        /// The feature, as its option is named.
        feature: &'static str,
        /// The oldest format version that has it.
        needs: &'static str,
        /// The version asked for.
        version: &'static str,
    },
    /// An index set cannot be built or assembled as asked (a shard count
    /// out of range, shards that disagree, a manifest name that is not
    /// UTF-8).
    #[error("index set: {problem}")]
    Set {
        /// What is wrong.
        problem: String,
    },
    /// The target path holds something a build must not replace under the
    /// [`Replace`](crate::Replace) policy in force. Choose another path, or
    /// remove the file, or replace it on purpose (`zidx build --force`,
    /// `Replace::Any`).
    #[error("{path}: {problem}; refusing to replace it")]
    TargetInUse {
        /// The target (after following symbolic links).
        path: PathBuf,
        /// What is there.
        problem: String,
    },
}
