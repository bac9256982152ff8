//! CDB through the `cdb` crate: `CDBWriter` (temp file + rename, no fsync)
//! in data-set order; `CDB::open` maps the file (filebuffer, no madvise);
//! `get` returns the value copied into a new `Vec`.

use std::path::{Path, PathBuf};

use super::{or_panic, Access, BuildOutcome, Opened, Reader, Result, System};
use crate::datagen::{digest, for_each};

pub struct Cdb;

pub(super) const FILE: &str = "data.cdb";

/// CDB's offsets are u32: the whole file must stay below 4 GiB.
pub(super) fn fits(payload_bytes: u64, records: u64) -> std::result::Result<(), String> {
    // Header, 8 bytes of lengths per record, 16 bytes of hash slots per record.
    let size = 2048 + 24 * records + payload_bytes;
    if size > u64::from(u32::MAX) {
        Err(format!("would be {size} bytes, over CDB's 4 GiB limit"))
    } else {
        Ok(())
    }
}

pub(super) const LIMITS: &str = "Files up to 4 GiB (u32 offsets); no magic, version or checksum; \
     no iteration order guarantee beyond insertion order, no range queries.";

impl System for Cdb {
    fn id(&self) -> &'static str {
        "cdb"
    }
    fn name(&self) -> &'static str {
        "CDB (cdb crate)"
    }
    fn setup(&self) -> &'static str {
        "`cdb::CDBWriter::create` + `add` in data-set order + `finish` (temp file, rename, \
         no fsync); `CDB::open` (mmap via filebuffer, MADV_NORMAL); `get` copies the value \
         into a new `Vec<u8>`."
    }
    fn limits(&self) -> &'static str {
        LIMITS
    }
    fn available(&self, payload_bytes: u64, records: u64) -> std::result::Result<(), String> {
        fits(payload_bytes, records)
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let path = dir.join(FILE).to_string_lossy().into_owned();
        let mut w = cdb::CDBWriter::create(path)?;
        for_each(data, |_, k, v| w.add(k, v))?;
        w.finish()?;
        Ok(BuildOutcome::default())
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(FILE)]
    }
    fn open(&self, _data: &Path, dir: &Path, _access: Access) -> Result<Box<dyn Opened + '_>> {
        Ok(Box::new(OpenCdb(cdb::CDB::open(dir.join(FILE))?)))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        &[(Access::Default, "`CDB::open` (mmap, MADV_NORMAL)")]
    }
}

struct OpenCdb(cdb::CDB);

impl Opened for OpenCdb {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        Ok(Box::new(CdbReader(&self.0)))
    }
}

struct CdbReader<'a>(&'a cdb::CDB);

impl Reader for CdbReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        self.0.get(key).map(|r| digest(&or_panic("cdb", r)))
    }
}
