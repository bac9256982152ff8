//! zidx itself: `zidx_writer::Writer` in data-set order, `zidx::Index::open`.

use std::path::{Path, PathBuf};

use zidx::{FileBytes, Index};
use zidx_writer::{Options, Writer};

use super::{must, Access, BuildOutcome, Opened, Reader, Result, System};
use crate::datagen::{digest, for_each};
use crate::mmap::map_file;

pub struct Zidx;

const FILE: &str = "index.zidx";

impl System for Zidx {
    fn id(&self) -> &'static str {
        "zidx"
    }
    fn name(&self) -> &'static str {
        "zidx"
    }
    fn setup(&self) -> &'static str {
        "`Writer::create` + `insert` in data-set order + `finish` (which fsyncs and renames); \
         `Index::open` (mmap + MADV_RANDOM); `get` returns a slice of the mapping."
    }
    fn limits(&self) -> &'static str {
        "Read-only once built (rebuild to change); point lookups and iteration in insertion \
         order, no ordered, range or prefix queries; keys up to 64 KiB - 1, values up to 4 GiB - 1, \
         records up to 256 TiB."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let mut w = Writer::create(dir.join(FILE), Options::default())?;
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
        Ok(Box::new(match access {
            Access::Default | Access::NoReadahead => Index::open(path)?,
            Access::Readahead => {
                Index::from_bytes(FileBytes::custom(Box::new(map_file(&path, false)?)))?
            }
        }))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
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
        must("zidx", self.0.get(key)).map(digest)
    }
}
