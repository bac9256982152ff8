//! fst for ordered queries: an `fst::Map` from each key to the offset of
//! its value in a values file of `len:u32 LE, value` entries written IN KEY
//! ORDER, so that a range scan reads the values file sequentially (fst's
//! strongest configuration for scans; the point-lookup system in `fst.rs`
//! writes the values in data-set order instead). Seeks and scans go through
//! `map.range().ge(key).into_stream()`; both files are memory-mapped.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use fst::{IntoStreamer, Streamer};
use memmap2::Mmap;

use super::{
    pages_of, record_digest, value_at, Access, BuildOutcome, Opened, OrderedReader, Reader, Result,
    System,
};
use crate::datagen::{digest, locator, read_at, SortedKeys};
use crate::mmap::map_file;

/// fst with its values in key order.
#[derive(Debug)]
pub struct FstOrdered;

const MAP: &str = "keys.fst";
const VALUES: &str = "values.bin";

impl System for FstOrdered {
    fn id(&self) -> &'static str {
        "fst-ordered"
    }
    fn name(&self) -> &'static str {
        "fst + values file in key order"
    }
    fn setup(&self) -> &'static str {
        "Every key and its data-file offset read into memory and sorted; then in key order \
         each value is read from the data file and appended to `values.bin` as `len:u32, \
         value`, and `fst::MapBuilder` maps the key to that offset. Reader: both files \
         memory-mapped (memmap2, MADV_NORMAL); a seek or scan is \
         `map.range().ge(key).into_stream()`, each key's value read from the values file."
    }
    fn limits(&self) -> &'static str {
        "Values are u64 only (so byte values need a second file); keys must be inserted in \
         sorted order (the build sorts them all in memory); no checksum checked on reads."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let keys = SortedKeys::build(data, |offset, k, v| Ok(locator(offset, k, v)))?;
        let file = File::open(data)?;
        let mut values = BufWriter::with_capacity(1 << 20, File::create(dir.join(VALUES))?);
        let out = BufWriter::with_capacity(1 << 20, File::create(dir.join(MAP))?);
        let mut map = fst::MapBuilder::new(out)?;
        let mut buf = Vec::new();
        let mut at = 0u64;
        for (key, record) in keys.iter() {
            let klen = read_at(&file, record, &mut buf)?;
            let value = &buf[klen..];
            // The length was read from a u32 field of the data file.
            #[allow(clippy::cast_possible_truncation)]
            let len = value.len() as u32;
            values.write_all(&len.to_le_bytes())?;
            values.write_all(value)?;
            map.insert(key, at)?;
            at += 4 + value.len() as u64;
        }
        values.into_inner().map_err(|e| e.into_error())?;
        map.into_inner()?.into_inner().map_err(|e| e.into_error())?;
        Ok(BuildOutcome::default())
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(MAP), dir.join(VALUES)]
    }
    fn open(&self, _data: &Path, dir: &Path, access: Access) -> Result<Box<dyn Opened + '_>> {
        let random = access == Access::NoReadahead;
        Ok(Box::new(OpenFst {
            map: fst::Map::new(map_file(&dir.join(MAP), random)?)?,
            values: map_file(&dir.join(VALUES), random)?,
        }))
    }
    fn cold_modes(&self) -> &'static [(Access, &'static str)] {
        &[
            (Access::Default, "mmap, MADV_NORMAL"),
            (Access::NoReadahead, "mmap + MADV_RANDOM"),
        ]
    }
}

struct OpenFst {
    map: fst::Map<Mmap>,
    values: Mmap,
}

impl Opened for OpenFst {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        Ok(Box::new(FstReader(self)))
    }
    fn ordered(&self) -> Result<Box<dyn OrderedReader + '_>> {
        Ok(Box::new(FstReader(self)))
    }
}

struct FstReader<'a>(&'a OpenFst);

impl Reader for FstReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        let offset = self.0.map.get(key)?;
        Some(digest(value_at(&self.0.values, offset)))
    }
}

impl OrderedReader for FstReader<'_> {
    #[inline]
    fn seek(&mut self, key: &[u8]) -> Option<u64> {
        let mut stream = self.0.map.range().ge(key).into_stream();
        let (k, offset) = stream.next()?;
        Some(record_digest(k, value_at(&self.0.values, offset)))
    }
    #[inline]
    fn scan(&mut self, key: &[u8], n: usize) -> (usize, u64) {
        let mut stream = self.0.map.range().ge(key).into_stream();
        let mut count = 0;
        let mut sum = 0u64;
        while count < n {
            let Some((k, offset)) = stream.next() else {
                break;
            };
            count += 1;
            sum = sum.wrapping_add(record_digest(k, value_at(&self.0.values, offset)));
        }
        (count, sum)
    }
    fn seek_pages(&mut self, key: &[u8], pages: &mut Vec<usize>) -> Option<u64> {
        let mut stream = self.0.map.range().ge(key).into_stream();
        let (k, offset) = stream.next()?;
        let value = value_at(&self.0.values, offset);
        // The record is the values-file entry, length field included; the
        // key is spelled by the FST's nodes, which are its index.
        // Offsets are into the mapped values file: each fits in a usize.
        #[allow(clippy::cast_possible_truncation)]
        let at = offset as usize;
        pages_of(&self.0.values[at..at + 4 + value.len()], pages);
        Some(record_digest(k, value))
    }
}
