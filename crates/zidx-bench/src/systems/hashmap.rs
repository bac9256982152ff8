//! The ceiling: every record in a `hashbrown::HashMap<Box<[u8]>, Box<[u8]>>`
//! in RAM (default hasher, foldhash). "Build" loads the data set; nothing is
//! written, and every process that wants it must load it again.

use std::path::{Path, PathBuf};

use hashbrown::HashMap;

use super::{Access, BuildOutcome, Opened, Reader, Result, System};
use crate::datagen::{digest, for_each, in_memory, read_header};
use crate::measure::resident_bytes;

pub struct HashMapSystem;

type Map = HashMap<Box<[u8]>, Box<[u8]>>;

fn load(data: &Path) -> Result<Map> {
    let header = read_header(data)?;
    let mut map = Map::with_capacity(in_memory(header.records)?);
    for_each(data, |_, k, v| {
        map.insert(k.into(), v.into());
        Ok(())
    })?;
    Ok(map)
}

impl System for HashMapSystem {
    fn id(&self) -> &'static str {
        "hashmap"
    }
    fn name(&self) -> &'static str {
        "hashbrown HashMap (RAM)"
    }
    fn setup(&self) -> &'static str {
        "`HashMap<Box<[u8]>, Box<[u8]>>::with_capacity(n)` filled from the data set in the \
         process that queries it. Its build time is a load time, its size the RAM it holds \
         (resident memory after minus before loading)."
    }
    fn limits(&self) -> &'static str {
        "Not a file: every process pays the full load time and holds every byte in RAM \
         (no sharing through the page cache); the data set must fit in memory."
    }
    fn build(&self, data: &Path, _dir: &Path) -> Result<BuildOutcome> {
        let before = resident_bytes();
        let map = load(data)?;
        let after = resident_bytes();
        std::hint::black_box(&map);
        Ok(BuildOutcome {
            in_memory_bytes: after.zip(before).map(|(a, b)| a.saturating_sub(b)),
            ..BuildOutcome::default()
        })
    }
    fn files(&self, _dir: &Path) -> Vec<PathBuf> {
        Vec::new()
    }
    fn open(&self, data: &Path, _dir: &Path, _access: Access) -> Result<Box<dyn Opened + '_>> {
        Ok(Box::new(Loaded(load(data)?)))
    }
}

struct Loaded(Map);

impl Opened for Loaded {
    fn reader(&self) -> Result<Box<dyn Reader + '_>> {
        Ok(Box::new(MapReader(&self.0)))
    }
}

struct MapReader<'a>(&'a Map);

impl Reader for MapReader<'_> {
    #[inline]
    fn get(&mut self, key: &[u8]) -> Option<u64> {
        self.0.get(key).map(|v| digest(v))
    }
}
