//! What `get`, `dump`, `keys`, `count` and `verify` read: an index, or an
//! index set given by its manifest (format-spec/SETS.md), told apart by
//! the file's first bytes.

use std::path::Path;

use zidx::{Error, FileBytes, Index, IndexSet, Values};
use zidx_format::ValueSchema;

use crate::commands::open_index;
use crate::failure::Failure;

/// An opened index or set.
pub enum Target {
    /// One index file.
    Index(Box<Index<FileBytes>>),
    /// A set of shards.
    Set(IndexSet),
}

/// A record: key and value, borrowed from the file.
type Record<'a> = Result<(&'a [u8], &'a [u8]), Error>;

impl Target {
    /// Opens `path` as a set if it is a manifest, else as an index.
    pub fn open(path: &Path, no_mmap: bool) -> Result<Target, Failure> {
        if !zidx::is_manifest(path) {
            return open_index(path, no_mmap).map(|i| Target::Index(Box::new(i)));
        }
        let opened = if no_mmap {
            IndexSet::read(path)
        } else {
            IndexSet::open(path)
        };
        opened.map(Target::Set).map_err(|e| match e {
            Error::Io { .. } | Error::Manifest { .. } | Error::Shard { .. } => Failure::error(e),
            other => Failure::error(format!("{}: {other}", path.display())),
        })
    }

    /// The value of `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<&[u8]>, Error> {
        match self {
            Target::Index(i) => i.get(key),
            Target::Set(s) => s.get(key),
        }
    }

    /// Every value of `key`.
    pub fn get_all(&self, key: &[u8]) -> Result<Values<'_, FileBytes>, Error> {
        match self {
            Target::Index(i) => i.get_all(key),
            Target::Set(s) => s.get_all(key),
        }
    }

    /// Every record: in stored order, or shard by shard.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Record<'_>> + '_> {
        match self {
            Target::Index(i) => Box::new(i.iter()),
            Target::Set(s) => Box::new(s.iter()),
        }
    }

    /// The number of records.
    pub fn len(&self) -> u64 {
        match self {
            Target::Index(i) => i.len(),
            Target::Set(s) => s.len(),
        }
    }

    /// Every check of the index, or of every shard and the routing.
    pub fn verify(&self) -> Result<(), Error> {
        match self {
            Target::Index(i) => i.verify(),
            Target::Set(s) => s.verify(),
        }
    }

    /// The values' schema, if typed (a set's shards share one: checked at
    /// open).
    pub fn value_schema(&self) -> Option<&ValueSchema> {
        match self {
            Target::Index(i) => i.layout().value_schema(),
            Target::Set(s) => s.shards().first().and_then(|i| i.layout().value_schema()),
        }
    }
}
