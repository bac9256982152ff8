//! SQLite through `rusqlite` (bundled): one table, the key a BLOB PRIMARY
//! KEY of a WITHOUT ROWID table, every record inserted in key order (sorted
//! in memory first, as a bulk load should be) in one transaction with a
//! prepared statement. Readers open their own read-only connection, keep
//! one read transaction open (as LMDB readers do) and use a cached prepared
//! SELECT.

use std::fs::File;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{or_panic, Access, BuildOutcome, Opened, Reader, Result, System};
use crate::datagen::{digest, locator, read_at, SortedKeys};

pub struct Sqlite;

const FILE: &str = "data.sqlite";
const SELECT: &str = "SELECT v FROM kv WHERE k = ?1";

impl System for Sqlite {
    fn id(&self) -> &'static str {
        "sqlite"
    }
    fn name(&self) -> &'static str {
        "SQLite (rusqlite)"
    }
    fn setup(&self) -> &'static str {
        "`CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID`; every key \
         and its data-file offset read into memory and sorted; all rows inserted in key order \
         in one transaction through one prepared statement (default pragmas: rollback \
         journal, synchronous=FULL, 2 MB page cache). Reader: a read-only connection per \
         thread holding one read transaction (`BEGIN`), `prepare_cached(\"SELECT v FROM kv \
         WHERE k = ?1\")`, the value read in place with `get_ref`."
    }
    fn limits(&self) -> &'static str {
        "A general-purpose SQL database, so every lookup runs a prepared statement through \
         the VDBE and copies pages from the OS into the connection's own page cache (no \
         mmap unless `PRAGMA mmap_size` is set); a connection cannot be shared between \
         threads; no whole-file checksum (`PRAGMA integrity_check` checks structure)."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let mut conn = Connection::open(dir.join(FILE))?;
        conn.execute(
            "CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID",
            (),
        )?;
        let keys = SortedKeys::build(data, |offset, k, v| Ok(locator(offset, k, v)))?;
        let file = File::open(data)?;
        let mut buf = Vec::new();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO kv (k, v) VALUES (?1, ?2)")?;
            for (key, at) in keys.iter() {
                let klen = read_at(&file, at, &mut buf)?;
                insert.execute((key, &buf[klen..]))?;
            }
        }
        tx.commit()?;
        conn.close().map_err(|(_, e)| e)?;
        Ok(BuildOutcome::default())
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(FILE)]
    }
    fn open(&self, _data: &Path, dir: &Path, _access: Access) -> Result<Box<dyn Opened + '_>> {
        Ok(Box::new(OpenSqlite(dir.join(FILE))))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        &[(
            Access::Default,
            "read-only connection (pread, kernel readahead)",
        )]
    }
}

/// Connections are per thread, so "open" keeps only the path.
struct OpenSqlite(PathBuf);

impl Opened for OpenSqlite {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.0, flags)?;
        conn.execute_batch("BEGIN")?;
        conn.prepare_cached(SELECT)?;
        Ok(Box::new(SqliteReader(conn)))
    }
}

struct SqliteReader(Connection);

impl Reader for SqliteReader {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        let mut stmt = or_panic("sqlite", self.0.prepare_cached(SELECT));
        let mut rows = or_panic("sqlite", stmt.query([key]));
        let row = or_panic("sqlite", rows.next())?;
        let value = or_panic("sqlite", row.get_ref(0));
        Some(digest(or_panic("sqlite", value.as_blob())))
    }
}
