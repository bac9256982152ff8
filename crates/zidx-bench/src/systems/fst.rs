//! fst: an `fst::Map` from each key to the offset of its value in a
//! separate values file of `len:u32 LE, value` entries (written in data-set
//! order). fst needs its keys inserted in sorted order, so the build reads
//! every key into memory and sorts it first. Both files are memory-mapped
//! by the reader, as fst's documentation shows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::{value_at, Access, BuildOutcome, Opened, Reader, Result, System};
use crate::datagen::{digest, SortedKeys};
use crate::mmap::map_file;

pub struct Fst;

const MAP: &str = "keys.fst";
const VALUES: &str = "values.bin";

impl System for Fst {
    fn id(&self) -> &'static str {
        "fst"
    }
    fn name(&self) -> &'static str {
        "fst + values file"
    }
    fn setup(&self) -> &'static str {
        "Values appended to `values.bin` as `len:u32, value` in data-set order while every \
         key and its value offset is kept in memory; keys sorted; `fst::MapBuilder` maps \
         each key to its value offset (inserted in key order). Reader: both files \
         memory-mapped (memmap2, MADV_NORMAL), `Map::get` then a read of the values file."
    }
    fn limits(&self) -> &'static str {
        "Values are u64 only (so byte values need a second file and a second lookup); keys \
         must be inserted in sorted order (the build sorts them all in memory); no checksum \
         checked on open (`verify()` is separate). In exchange: ordered, range, prefix, \
         regex and Levenshtein queries."
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let mut values = BufWriter::with_capacity(1 << 20, File::create(dir.join(VALUES))?);
        let mut at = 0u64;
        let keys = SortedKeys::build(data, |_, _, v| {
            // The length was read from a u32 field of the data file.
            #[allow(clippy::cast_possible_truncation)]
            let len = v.len() as u32;
            values.write_all(&len.to_le_bytes())?;
            values.write_all(v)?;
            let offset = at;
            at += 4 + v.len() as u64;
            Ok(offset)
        })?;
        values.into_inner().map_err(|e| e.into_error())?;
        let out = BufWriter::with_capacity(1 << 20, File::create(dir.join(MAP))?);
        let mut map = fst::MapBuilder::new(out)?;
        for (k, offset) in keys.iter() {
            map.insert(k, offset)?;
        }
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
}

struct FstReader<'a>(&'a OpenFst);

impl Reader for FstReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        let offset = self.0.map.get(key)?;
        Some(digest(value_at(&self.0.values, offset)))
    }
}
