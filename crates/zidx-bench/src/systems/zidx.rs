//! zidx itself: `zidx_writer::Writer` in data-set order, `zidx::Index::open`;
//! the same in format 1.0 (XXH3, for comparison with earlier reports); and
//! the hot mode, `zidx::Index::load`.

use std::path::{Path, PathBuf};

use zidx::{FileBytes, Index};
use zidx_writer::{FormatVersion, Options, Replace, Writer};

use super::{or_panic, Access, BuildOutcome, Opened, Reader, Result, System};
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
}

const FILE: &str = "index.zidx";

impl System for Zidx {
    fn id(&self) -> &'static str {
        match self {
            Zidx::Default => "zidx",
            Zidx::V1_0 => "zidx-1.0",
            Zidx::Hot => "zidx-hot",
        }
    }
    fn name(&self) -> &'static str {
        match self {
            Zidx::Default => "zidx",
            Zidx::V1_0 => "zidx (format 1.0)",
            Zidx::Hot => "zidx hot (`Index::load`)",
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
        }
    }
    fn limits(&self) -> &'static str {
        "Read-only once built (rebuild to change); point lookups and iteration in insertion \
         order, no ordered, range or prefix queries; keys up to 64 KiB - 1, values up to 4 GiB - 1, \
         records up to 256 TiB."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let version = match self {
            Zidx::V1_0 => FormatVersion::V1_0,
            Zidx::Default | Zidx::Hot => FormatVersion::V1_1,
        };
        let options = Options::default()
            .with_format_version(version)
            .with_replace(Replace::Any);
        let mut w = Writer::create(dir.join(FILE), options)?;
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
        w.finish()?;
        Ok(BuildOutcome::default())
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
        if *self != Zidx::Default {
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
}

struct ZidxReader<'a>(&'a Index);

impl Reader for ZidxReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        or_panic("zidx", self.0.get(key)).map(digest)
    }
}
