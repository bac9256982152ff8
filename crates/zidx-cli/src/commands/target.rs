//! What `get`, `dump`, `keys`, `count` and `verify` read: an index, or an
//! index set given by its manifest (format-spec/SETS.md), told apart by
//! the file's first bytes; or an index at an `http(s)://` URL, read by
//! range requests (zidx-http).

use std::borrow::Cow;
use std::path::Path;

use zidx::{Error, FileBytes, Index, IndexSet};
use zidx_format::ValueSchema;
use zidx_http::HttpStorage;

use crate::commands::open_index;
use crate::failure::Failure;

/// An opened index or set.
pub enum Target {
    /// One index file.
    Index(Box<Index<FileBytes>>),
    /// A set of shards.
    Set(IndexSet),
    /// One index file on a web server.
    Remote(Box<Index<HttpStorage>>),
}

/// A record: key and value, borrowed from the file (or, over HTTP, copies).
type Record<'a> = Result<(Cow<'a, [u8]>, Cow<'a, [u8]>), Error>;

/// Values of one key.
type ValueIter<'a> = Box<dyn Iterator<Item = Result<Cow<'a, [u8]>, Error>> + 'a>;

impl Target {
    /// Opens `path` as a set if it is a manifest, else as an index.
    pub fn open(path: &Path, no_mmap: bool) -> Result<Target, Failure> {
        if let Some(url) = crate::commands::url_of(path) {
            return crate::commands::open_url(url).map(|i| Target::Remote(Box::new(i)));
        }
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
    pub fn get(&self, key: &[u8]) -> Result<Option<Cow<'_, [u8]>>, Error> {
        Ok(match self {
            Target::Index(i) => i.get(key)?.map(Cow::Borrowed),
            Target::Set(s) => s.get(key)?.map(Cow::Borrowed),
            Target::Remote(i) => i.get(key)?.map(Cow::Owned),
        })
    }

    /// Every value of `key`.
    pub fn get_all(&self, key: &[u8]) -> Result<ValueIter<'_>, Error> {
        Ok(match self {
            Target::Index(i) => Box::new(i.get_all(key)?.map(|v| v.map(Cow::Borrowed))),
            Target::Set(s) => Box::new(s.get_all(key)?.map(|v| v.map(Cow::Borrowed))),
            Target::Remote(i) => Box::new(i.get_all(key)?.map(|v| v.map(Cow::Owned))),
        })
    }

    /// Every record: in stored order, or shard by shard.
    pub fn iter(&self) -> Box<dyn Iterator<Item = Record<'_>> + '_> {
        fn borrowed<'a>(r: Result<(&'a [u8], &'a [u8]), Error>) -> Record<'a> {
            r.map(|(k, v)| (Cow::Borrowed(k), Cow::Borrowed(v)))
        }
        match self {
            Target::Index(i) => Box::new(i.iter().map(borrowed)),
            Target::Set(s) => Box::new(s.iter().map(borrowed)),
            Target::Remote(i) => Box::new(
                i.iter()
                    .map(|r| r.map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))),
            ),
        }
    }

    /// The number of records.
    pub fn len(&self) -> u64 {
        match self {
            Target::Index(i) => i.len(),
            Target::Set(s) => s.len(),
            Target::Remote(i) => i.len(),
        }
    }

    /// Every check of the index, or of every shard and the routing.
    pub fn verify(&self) -> Result<(), Error> {
        match self {
            Target::Index(i) => i.verify(),
            Target::Set(s) => s.verify(),
            Target::Remote(i) => i.verify(),
        }
    }

    /// The values' schema, if typed (a set's shards share one: checked at
    /// open).
    pub fn value_schema(&self) -> Option<&ValueSchema> {
        match self {
            Target::Index(i) => i.layout().value_schema(),
            Target::Set(s) => s.shards().first().and_then(|i| i.layout().value_schema()),
            Target::Remote(i) => i.layout().value_schema(),
        }
    }
}
