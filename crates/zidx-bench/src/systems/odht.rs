//! odht (rustc's on-disk hash table) takes fixed-size keys and values only.
//! So the table maps a 64-bit XXH3 hash of each key to the u64 offset of
//! its record in a separate records file (`klen:u32, vlen:u32, key, value`,
//! data-set order), and a lookup compares the stored key to reject a
//! different key with the same hash. Two keys with the same 64-bit hash
//! would need a collision chain, which this scheme lacks: the build fails
//! then (never seen at these sizes: about 2^-38 for 10M keys).

use std::borrow::Borrow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use odht::{Config, FxHashFn, HashTable, HashTableOwned};
use xxhash_rust::xxh3::xxh3_64;

use super::{Access, BuildOutcome, Opened, Reader, Result, System};
use crate::datagen::{digest, for_each, in_memory, read_header};
use crate::mmap::map_file;

pub struct Odht;

const TABLE: &str = "table.odht";
const RECORDS: &str = "records.bin";
/// rustc's choice for its on-disk tables.
const MAX_LOAD_FACTOR_PERCENT: u8 = 87;

struct HashToOffset;

impl Config for HashToOffset {
    type Key = u64;
    type Value = u64;
    type EncodedKey = [u8; 8];
    type EncodedValue = [u8; 8];
    type H = FxHashFn;
    #[inline]
    fn encode_key(k: &u64) -> [u8; 8] {
        k.to_le_bytes()
    }
    #[inline]
    fn encode_value(v: &u64) -> [u8; 8] {
        v.to_le_bytes()
    }
    #[inline]
    fn decode_key(k: &[u8; 8]) -> u64 {
        u64::from_le_bytes(*k)
    }
    #[inline]
    fn decode_value(v: &[u8; 8]) -> u64 {
        u64::from_le_bytes(*v)
    }
}

/// `HashTable` wants `Borrow<[u8]>`, which `Mmap` lacks.
struct Bytes(Mmap);

impl Borrow<[u8]> for Bytes {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

impl System for Odht {
    fn id(&self) -> &'static str {
        "odht"
    }
    fn name(&self) -> &'static str {
        "odht + records file"
    }
    fn setup(&self) -> &'static str {
        "odht takes fixed-size keys and values, so: records appended to `records.bin` as \
         `klen:u32, vlen:u32, key, value`; `HashTableOwned<XXH3-64 of key -> u64 offset>` \
         built in memory (max load 87%, as rustc) and its raw bytes written to `table.odht`. \
         Reader: both files memory-mapped (MADV_NORMAL), `HashTable::from_raw_bytes`, then \
         the stored key is compared. A 64-bit hash collision fails the build."
    }
    fn limits(&self) -> &'static str {
        "Fixed-size keys and values only (variable-size data needs a second file, a \
         fingerprint and a key check, as here); the whole table is built in memory; no \
         checksum; no iteration order or range queries."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let header = read_header(data)?;
        let mut table = HashTableOwned::<HashToOffset>::with_capacity(
            in_memory(header.records)?,
            MAX_LOAD_FACTOR_PERCENT,
        );
        let mut records = BufWriter::with_capacity(1 << 20, File::create(dir.join(RECORDS))?);
        let mut at = 0u64;
        let mut collision = false;
        for_each(data, |_, k, v| {
            // Both lengths were read from u32 fields of the data file.
            #[allow(clippy::cast_possible_truncation)]
            let (klen, vlen) = (k.len() as u32, v.len() as u32);
            records.write_all(&klen.to_le_bytes())?;
            records.write_all(&vlen.to_le_bytes())?;
            records.write_all(k)?;
            records.write_all(v)?;
            collision |= table.insert(&xxh3_64(k), &at).is_some();
            at += 8 + (k.len() + v.len()) as u64;
            Ok(())
        })?;
        if collision {
            return Err("two keys with the same 64-bit hash".into());
        }
        records.into_inner().map_err(|e| e.into_error())?;
        std::fs::write(dir.join(TABLE), table.raw_bytes())?;
        Ok(BuildOutcome::default())
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(TABLE), dir.join(RECORDS)]
    }
    fn open(&self, _data: &Path, dir: &Path, access: Access) -> Result<Box<dyn Opened + '_>> {
        let random = access == Access::NoReadahead;
        let table = HashTable::from_raw_bytes(Bytes(map_file(&dir.join(TABLE), random)?))
            .map_err(|e| e.to_string())?;
        Ok(Box::new(OpenOdht {
            table,
            records: map_file(&dir.join(RECORDS), random)?,
        }))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        &[
            (Access::Default, "mmap, MADV_NORMAL"),
            (Access::NoReadahead, "mmap + MADV_RANDOM"),
        ]
    }
}

struct OpenOdht {
    table: HashTable<HashToOffset, Bytes>,
    records: Mmap,
}

impl Opened for OpenOdht {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        Ok(Box::new(OdhtReader(self)))
    }
}

struct OdhtReader<'a>(&'a OpenOdht);

impl Reader for OdhtReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        // The table holds offsets into the records file, which is mapped
        // in memory: each fits in a usize.
        #[allow(clippy::cast_possible_truncation)]
        let at = self.0.table.get(&xxh3_64(key))? as usize;
        let r = &self.0.records[at..];
        let klen = u32::from_le_bytes(r[..4].try_into().unwrap_or_default()) as usize;
        let vlen = u32::from_le_bytes(r[4..8].try_into().unwrap_or_default()) as usize;
        (&r[8..8 + klen] == key).then(|| digest(&r[8 + klen..8 + klen + vlen]))
    }
}
