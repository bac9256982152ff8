//! LMDB through `heed`: bulk-loaded in key order with MDB_APPEND in one
//! write transaction (keys sorted in memory first, values fetched from the
//! data file by offset). Readers use one read transaction per thread.

use std::fs::File;
use std::io;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use heed::types::Bytes;
use heed::{CommitOrAbort, Database, Env, EnvFlags, EnvOpenOptions, PutFlags, RoTxn, WithTls};

use super::{
    or_panic, pages_of, record_digest, Access, BuildOutcome, Opened, OrderedReader, Reader, Result,
    System,
};
use crate::datagen::{digest, locator, read_at, read_header, SortedKeys};

pub struct Lmdb;

const FILE: &str = "data.mdb";
const PAGE: u64 = 4096;

type Db<'e> = Database<'e, Bytes, Bytes>;

/// Opens an environment in `dir` with room for `map_size` bytes.
#[allow(unsafe_code)]
fn open_env(dir: &Path, map_size: u64, no_readahead: bool) -> heed::Result<Env> {
    let mut options = EnvOpenOptions::new();
    let map_size = usize::try_from(map_size.div_ceil(PAGE) * PAGE).map_err(|_| {
        io::Error::new(
            io::ErrorKind::OutOfMemory,
            "LMDB map size exceeds the address space",
        )
    })?;
    options.map_size(map_size);
    if no_readahead {
        // SAFETY: MDB_NORDAHEAD only changes the madvise() LMDB applies to
        // its map; it is none of the flags that relax durability or locking.
        unsafe { options.flags(EnvFlags::NO_READ_AHEAD) };
    }
    // SAFETY: heed marks opening unsafe because LMDB maps the file: it must
    // not be modified other than through LMDB. The environment lives in the
    // harness's private directory and only this process opens it.
    unsafe { options.open(dir) }
}

impl System for Lmdb {
    fn id(&self) -> &'static str {
        "lmdb"
    }
    fn name(&self) -> &'static str {
        "LMDB (heed)"
    }
    fn setup(&self) -> &'static str {
        "Every key and its data-file offset read into memory and sorted; one write \
         transaction of `put_with_flags(APPEND)` in key order (value read from the data \
         file), commit (fsync). Reader: `EnvOpenOptions::open` (default flags, readahead \
         on), one `read_txn` per thread, `Database<Bytes, Bytes>::get` borrows from the map."
    }
    fn limits(&self) -> &'static str {
        "Keys up to 511 bytes (default build); the map size must be chosen up front; a \
         reader needs the lock file (no read-only media without MDB_NOLOCK); one writer at a \
         time; no checksum: a corrupt page can crash the reader; not for network file systems."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let header = read_header(data)?;
        let keys = SortedKeys::build(data, |offset, k, v| Ok(locator(offset, k, v)))?;
        let env = open_env(
            dir,
            2 * header.payload() + 48 * header.records + (64 << 20),
            false,
        )?;
        let wtxn = env.write_txn()?;
        let db: Db<'_> = env
            .create_databases_and_commit(wtxn, |dbo, wtxn| {
                dbo.create_database(wtxn, None)
                    .map(CommitOrAbort::<_, ()>::Commit)
            })?
            .unwrap_commit();
        let file = File::open(data)?;
        let mut buf = Vec::new();
        let mut wtxn = env.write_txn()?;
        for (key, at) in keys.iter() {
            let klen = read_at(&file, at, &mut buf)?;
            db.put_with_flags(&mut wtxn, PutFlags::APPEND, key, &buf[klen..])?;
        }
        wtxn.commit()?;
        Ok(BuildOutcome::default())
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(FILE)]
    }
    fn open(&self, _data: &Path, dir: &Path, access: Access) -> Result<Box<dyn Opened + '_>> {
        let size = std::fs::metadata(dir.join(FILE))?.len() + PAGE;
        Ok(Box::new(OpenLmdb(open_env(
            dir,
            size,
            access == Access::NoReadahead,
        )?)))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        &[
            (Access::Default, "default (readahead)"),
            (Access::NoReadahead, "MDB_NORDAHEAD (MADV_RANDOM)"),
        ]
    }
}

struct OpenLmdb(Env);

impl OpenLmdb {
    /// A read transaction and the unnamed database.
    fn txn(&self) -> Result<LmdbReader<'_>> {
        let env = &self.0;
        let rtxn = env.read_txn()?;
        let db: Db<'_> = env
            .open_databases_and_commit(rtxn, |dbo, rtxn| {
                dbo.open_database(rtxn, None)
                    .map(CommitOrAbort::<_, ()>::Commit)
            })?
            .unwrap_commit()
            .ok_or("LMDB: no unnamed database")?;
        Ok(LmdbReader {
            txn: env.read_txn()?,
            db,
        })
    }
}

impl Opened for OpenLmdb {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        Ok(Box::new(self.txn()?))
    }
    fn ordered(&self) -> Result<Box<dyn OrderedReader + '_>> {
        Ok(Box::new(self.txn()?))
    }
}

struct LmdbReader<'e> {
    txn: RoTxn<'e, WithTls>,
    db: Db<'e>,
}

impl Reader for LmdbReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        or_panic("lmdb", self.db.get(&self.txn, key)).map(digest)
    }
}

impl LmdbReader<'_> {
    /// A cursor over the records from the first at or after `key` on
    /// (`Database::range`, which positions it with MDB_SET_RANGE).
    #[inline]
    fn from(&self, key: &[u8]) -> heed::RoRange<'_, Bytes, Bytes> {
        let range: (Bound<&[u8]>, Bound<&[u8]>) = (Bound::Included(key), Bound::Unbounded);
        or_panic("lmdb", self.db.range(&self.txn, &range))
    }
}

impl OrderedReader for LmdbReader<'_> {
    #[inline]
    fn seek(&mut self, key: &[u8]) -> Option<u64> {
        let (k, v) = or_panic("lmdb", self.from(key).next()?);
        Some(record_digest(k, v))
    }
    #[inline]
    fn scan(&mut self, key: &[u8], n: usize) -> (usize, u64) {
        let mut count = 0;
        let mut sum = 0u64;
        for record in self.from(key).take(n) {
            let (k, v) = or_panic("lmdb", record);
            count += 1;
            sum = sum.wrapping_add(record_digest(k, v));
        }
        (count, sum)
    }
    fn seek_pages(&mut self, key: &[u8], pages: &mut Vec<usize>) -> Option<u64> {
        let (k, v) = or_panic("lmdb", self.from(key).next()?);
        pages_of(k, pages);
        pages_of(v, pages);
        Some(record_digest(k, v))
    }
}
