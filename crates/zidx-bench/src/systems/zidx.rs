//! zidx itself: `zidx_writer::Writer` in data-set order, `zidx::Index::open`;
//! the same in format 1.0 (XXH3, for comparison with earlier reports); the
//! hot mode, `zidx::Index::load`; and the format 1.2 builds the `ordered`
//! and `checked` commands measure (`--ordered`, `--checked`, both).

use std::ops::Bound;
use std::path::{Path, PathBuf};

use zidx::{FileBytes, Index};
use zidx_writer::{FormatVersion, Options, Replace, Writer};

use super::{
    or_panic, pages_of, record_digest, Access, BuildOutcome, Opened, OrderedReader, Reader, Result,
    System,
};
use crate::datagen::{digest, for_each};
use crate::mmap::map_file;

/// Which zidx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zidx {
    /// Format 1.1 (SipHash-1-3), `Index::open`: the default.
    Default,
    /// Format 1.0 (XXH3), `Index::open`.
    V1_0,
    /// Format 1.1, `Index::load`: anonymous memory advised MADV_HUGEPAGE.
    Hot,
    /// Format 1.2, records in key order with key fences (`--ordered`),
    /// `Index::open`.
    Ordered,
    /// Format 1.2, a check after every record (`--checked`), `Index::open`.
    Checked,
    /// Format 1.2, `--ordered --checked`, `Index::open`.
    OrderedChecked,
}

const FILE: &str = "index.zidx";

impl System for Zidx {
    fn id(&self) -> &'static str {
        match self {
            Zidx::Default => "zidx",
            Zidx::V1_0 => "zidx-1.0",
            Zidx::Hot => "zidx-hot",
            Zidx::Ordered => "zidx-ordered",
            Zidx::Checked => "zidx-checked",
            Zidx::OrderedChecked => "zidx-ordered-checked",
        }
    }
    fn name(&self) -> &'static str {
        match self {
            Zidx::Default => "zidx",
            Zidx::V1_0 => "zidx (format 1.0)",
            Zidx::Hot => "zidx hot (`Index::load`)",
            Zidx::Ordered => "zidx --ordered",
            Zidx::Checked => "zidx --checked",
            Zidx::OrderedChecked => "zidx --ordered --checked",
        }
    }
    fn setup(&self) -> &'static str {
        match self {
            Zidx::Default => {
                "`Writer::create` + `insert` in data-set order + `finish` (which fsyncs and \
                 renames), format 1.1 (SipHash-1-3 keyed by a seed derived from the records); \
                 `Index::open` (mmap + MADV_RANDOM); `get` returns a slice of the mapping."
            }
            Zidx::V1_0 => {
                "As zidx, but written as format 1.0 (`FormatVersion::V1_0`: XXH3-64 with seed 0, \
                 not robust to chosen keys): the same code on the hash of the earlier reports."
            }
            Zidx::Hot => {
                "As zidx, opened with `Index::load`: the file read into anonymous memory \
                 advised MADV_HUGEPAGE (the report says how much huge-page memory was granted)."
            }
            Zidx::Ordered => {
                "Format 1.2, `Options::with_ordered(true)`: records stored in key order plus \
                 the `key_fences` sparse index; `Index::open`; seeks and scans through \
                 `Index::range((Included(key), Unbounded))`, keys and values borrowed from \
                 the mapping."
            }
            Zidx::Checked => {
                "Format 1.2, `Options::with_record_checksums(true)`: a 4-byte XXH3 check \
                 after every record, verified by every read; `Index::open`."
            }
            Zidx::OrderedChecked => {
                "Format 1.2, `with_ordered(true)` and `with_record_checksums(true)`; \
                 `Index::open`."
            }
        }
    }
    fn limits(&self) -> &'static str {
        match self {
            Zidx::Ordered | Zidx::OrderedChecked => {
                "Read-only once built (rebuild to change); the build sorts the records \
                 (in memory up to the sort buffer, then in runs spilled to temporary files); \
                 keys up to 64 KiB - 1, values up to 4 GiB - 1, records up to 256 TiB."
            }
            _ => {
                "Read-only once built (rebuild to change); point lookups and iteration in \
                 insertion order, no ordered, range or prefix queries; keys up to 64 KiB - 1, \
                 values up to 4 GiB - 1, records up to 256 TiB."
            }
        }
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let version = match self {
            Zidx::V1_0 => FormatVersion::V1_0,
            Zidx::Default | Zidx::Hot => FormatVersion::V1_1,
            Zidx::Ordered | Zidx::Checked | Zidx::OrderedChecked => FormatVersion::V1_2,
        };
        let options = Options::default()
            .with_format_version(version)
            .with_replace(Replace::Any)
            .with_ordered(matches!(self, Zidx::Ordered | Zidx::OrderedChecked))
            .with_record_checksums(matches!(self, Zidx::Checked | Zidx::OrderedChecked));
        let mut w = Writer::create(dir.join(FILE), options.clone())?;
        let mut failed = None;
        for_each(data, |_, k, v| {
            if failed.is_none() {
                failed = w.insert(k, v).err();
            }
            Ok(())
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
        let summary = w.finish()?;
        Ok(BuildOutcome {
            sort_runs: options.is_ordered().then_some(summary.sort_runs),
            ..BuildOutcome::default()
        })
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(FILE)]
    }
    fn open(&self, _data: &Path, dir: &Path, access: Access) -> Result<Box<dyn Opened + '_>> {
        let path = dir.join(FILE);
        if *self == Zidx::Hot {
            return Ok(Box::new(Index::load(path)?));
        }
        Ok(Box::new(match access {
            Access::Default | Access::NoReadahead => Index::open(path)?,
            Access::Readahead => {
                Index::from_bytes(FileBytes::custom(Box::new(map_file(&path, false)?)))?
            }
        }))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        if !matches!(self, Zidx::Default | Zidx::Ordered) {
            return &[];
        }
        &[
            (Access::Default, "`Index::open` (MADV_RANDOM)"),
            (
                Access::Readahead,
                "own mmap, MADV_NORMAL, `Index::from_bytes`",
            ),
        ]
    }
}

impl Opened for Index {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        Ok(Box::new(ZidxReader(self)))
    }
    fn as_zidx(&self) -> Option<&Index> {
        Some(self)
    }
    fn ordered(&self) -> Result<Box<dyn OrderedReader + '_>> {
        if self.layout().key_fences().is_none() {
            return Err("zidx: the file was not built with --ordered".into());
        }
        Ok(Box::new(ZidxReader(self)))
    }
}

struct ZidxReader<'a>(&'a Index);

impl Reader for ZidxReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        or_panic("zidx", self.0.get(key)).map(digest)
    }
}

impl ZidxReader<'_> {
    /// The records from the first at or after `key` on.
    #[inline]
    fn from(&self, key: &[u8]) -> zidx::KeyRange<'_, zidx::FileBytes> {
        or_panic(
            "zidx",
            self.0
                .range::<[u8], _>((Bound::Included(key), Bound::Unbounded)),
        )
    }
}

impl OrderedReader for ZidxReader<'_> {
    #[inline]
    fn seek(&mut self, key: &[u8]) -> Option<u64> {
        let (k, v) = or_panic("zidx", self.from(key).next()?);
        Some(record_digest(k, v))
    }
    #[inline]
    fn scan(&mut self, key: &[u8], n: usize) -> (usize, u64) {
        let mut count = 0;
        let mut sum = 0u64;
        for record in self.from(key).take(n) {
            let (k, v) = or_panic("zidx", record);
            count += 1;
            sum = sum.wrapping_add(record_digest(k, v));
        }
        (count, sum)
    }
    fn seek_pages(&mut self, key: &[u8], pages: &mut Vec<usize>) -> Option<u64> {
        let (k, v) = or_panic("zidx", self.from(key).next()?);
        pages_of(k, pages);
        pages_of(v, pages);
        Some(record_digest(k, v))
    }
}
