//! LMDB through `heed`: bulk-loaded in key order with MDB_APPEND in one
//! write transaction (keys sorted in memory first, values fetched from the
//! data file by offset). Readers use one read transaction per thread.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use heed::types::Bytes;
use heed::{CommitOrAbort, Database, Env, EnvFlags, EnvOpenOptions, PutFlags, RoTxn, WithTls};

use super::{or_panic, Access, BuildOutcome, Opened, Reader, Result, System};
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

impl Opened for OpenLmdb {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        let env = &self.0;
        let rtxn = env.read_txn()?;
        let db: Db<'_> = env
            .open_databases_and_commit(rtxn, |dbo, rtxn| {
                dbo.open_database(rtxn, None)
                    .map(CommitOrAbort::<_, ()>::Commit)
            })?
            .unwrap_commit()
            .ok_or("LMDB: no unnamed database")?;
        Ok(Box::new(LmdbReader {
            txn: env.read_txn()?,
            db,
        }))
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
