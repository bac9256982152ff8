//! The systems under test, each used the way its own users would use it,
//! behind one small trait.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Duration;

mod cdb;
mod fst;
mod fst_ordered;
mod hashmap;
mod lmdb;
mod odht;
mod sqlite;
mod tinycdb;
mod zidx;

/// Errors from a system's own library, boxed.
pub type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// How a file-backed system reads its file, for cold lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// What the system does by itself (zidx's `Index::open`: MADV_RANDOM).
    Default,
    /// Forced kernel readahead (MADV_NORMAL).
    Readahead,
    /// Forced no readahead (MADV_RANDOM, or LMDB's MDB_NORDAHEAD).
    NoReadahead,
}

/// What a build reports beyond what the harness measures itself.
#[derive(Debug, Default)]
pub struct BuildOutcome {
    /// Replaces the harness's timing (e.g. when part of `build` is setup).
    pub time: Option<Duration>,
    /// Replaces the build process's own peak memory (e.g. an external tool's).
    pub peak_bytes: Option<u64>,
    /// For in-memory systems: bytes of memory the structure holds.
    pub in_memory_bytes: Option<u64>,
    /// zidx ordered builds: sorted runs spilled to temporary files
    /// (`Summary::sort_runs`).
    pub sort_runs: Option<u64>,
}

/// One system under test.
pub trait System: Sync {
    /// Stable identifier, used on the command line and in file names.
    fn id(&self) -> &'static str;
    /// Name in the report.
    fn name(&self) -> &'static str;
    /// How the harness uses it (for the report).
    fn setup(&self) -> &'static str;
    /// What it cannot do (for the report).
    fn limits(&self) -> &'static str;
    /// `Err(reason)` when it cannot run here (a missing tool, a limit).
    fn available(&self, _payload_bytes: u64, _records: u64) -> std::result::Result<(), String> {
        Ok(())
    }
    /// Whether lookups are measured (false: build figures only).
    fn lookups(&self) -> bool {
        true
    }
    /// Builds from the data file `data` into the empty directory `dir`.
    /// Runs in a child process of its own.
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome>;
    /// The files a build leaves (empty for in-memory systems).
    fn files(&self, dir: &Path) -> Vec<PathBuf>;
    /// Opens what `build` made, ready for lookups from any thread.
    fn open(&self, data: &Path, dir: &Path, access: Access) -> Result<Box<dyn Opened + '_>>;
    /// Ways to open it for cold lookups, with a label each.
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        &[]
    }
}

/// An open system, shared by all lookup threads.
pub trait Opened: Sync {
    /// A per-thread reader (a transaction, a connection, or just a borrow).
    fn reader(&self) -> Result<Box<dyn Reader + '_>>;
    /// zidx only: the index, for `get_many` and `verify`.
    fn as_zidx(&self) -> Option<&::zidx::Index> {
        None
    }
    /// A per-thread reader for ordered queries, for the systems that answer
    /// them (the `ordered` command's: zidx built ordered, fst, LMDB).
    fn ordered(&self) -> Result<Box<dyn OrderedReader + '_>> {
        Err("this system answers no ordered queries".into())
    }
}

/// Ordered queries on one thread: each reads the key and the value of every
/// record it returns (through [`record_digest`]).
pub trait OrderedReader {
    /// The first record whose key is at or after `key`: its
    /// [`record_digest`], or `None` past the last key.
    fn seek(&mut self, key: &[u8]) -> Option<u64>;
    /// Up to `n` consecutive records from the first at or after `key`:
    /// how many there were and the wrapping sum of their [`record_digest`]s.
    fn scan(&mut self, key: &[u8], n: usize) -> (usize, u64);
    /// As [`seek`](OrderedReader::seek), also adding to `pages` the memory
    /// pages ([`pages_of`]) of the bytes the answer borrows from the
    /// system's files: the record returned, as the cold measurement counts
    /// the other pages a seek reads.
    fn seek_pages(&mut self, key: &[u8], pages: &mut Vec<usize>) -> Option<u64>;
}

/// What an ordered query computes from each record it returns, so that
/// every system really reads the key and the value (length, first and last
/// byte of each) and the harness can check the answer.
#[inline]
pub fn record_digest(key: &[u8], value: &[u8]) -> u64 {
    combine_digest(key, crate::datagen::digest(value))
}

/// [`record_digest`] from a key and its value's [`digest`](crate::datagen::digest).
#[inline]
pub fn combine_digest(key: &[u8], value_digest: u64) -> u64 {
    value_digest.rotate_left(32) ^ crate::datagen::digest(key)
}

/// The 4 KiB pages of memory that `bytes` spans, by address. The files are
/// mapped at page-aligned addresses from offset 0, so distinct pages of
/// memory are distinct pages of a file.
pub fn pages_of(bytes: &[u8], pages: &mut Vec<usize>) {
    const PAGE: usize = 4096;
    let start = bytes.as_ptr() as usize;
    let end = start + bytes.len().max(1);
    pages.extend(start / PAGE..=(end - 1) / PAGE);
}

/// Looks keys up on one thread.
pub trait Reader {
    /// `Some(digest(value))` for a present key, `None` for an absent one.
    /// Panics on a library error: the harness built every file itself.
    fn get(&mut self, key: &[u8]) -> Option<u64>;
}

/// Every system, zidx first.
pub fn all() -> Vec<Box<dyn System>> {
    vec![
        Box::new(zidx::Zidx::Default),
        Box::new(zidx::Zidx::V1_0),
        Box::new(zidx::Zidx::Hot),
        Box::new(hashmap::HashMapSystem),
        Box::new(cdb::Cdb),
        Box::new(tinycdb::TinyCdb),
        Box::new(fst::Fst),
        Box::new(odht::Odht),
        Box::new(lmdb::Lmdb),
        Box::new(sqlite::Sqlite),
    ]
}

/// The systems only the `ordered` and `checked` commands measure: zidx
/// built ordered, checked or both, and fst with its values in key order
/// (LMDB, the third peer of ordered queries, is in [`all`]).
pub fn variants() -> Vec<Box<dyn System>> {
    vec![
        Box::new(zidx::Zidx::Ordered),
        Box::new(zidx::Zidx::Checked),
        Box::new(zidx::Zidx::OrderedChecked),
        Box::new(fst_ordered::FstOrdered),
    ]
}

/// The system with id `id`, from [`all`] or [`variants`].
pub fn by_id(id: &str) -> Option<Box<dyn System>> {
    all().into_iter().chain(variants()).find(|s| s.id() == id)
}

/// Unwraps a library result inside a lookup, naming the system.
fn or_panic<T, E: std::fmt::Display>(system: &str, r: std::result::Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{system}: lookup failed: {e}"),
    }
}

/// Reads a `len:u32 LE, value` entry at `offset` of a values file.
fn value_at(values: &[u8], offset: u64) -> &[u8] {
    // Offsets are into the values file, which is mapped in memory: each
    // fits in a usize.
    #[allow(clippy::cast_possible_truncation)]
    let at = offset as usize;
    let len = u32::from_le_bytes(values[at..at + 4].try_into().unwrap_or_default()) as usize;
    &values[at + 4..at + 4 + len]
}
