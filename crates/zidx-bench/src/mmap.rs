//! The bench crate's one memory map, for the systems whose users map files
//! themselves (fst, odht's values file, zidx without `Index::open`).

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::path::Path;

use memmap2::{Advice, Mmap};

/// Maps `path` read-only. With `random`, advises MADV_RANDOM (no
/// readahead); otherwise the kernel default (MADV_NORMAL) applies.
pub fn map_file(path: &Path, random: bool) -> io::Result<Mmap> {
    let file = File::open(path)?;
    // SAFETY: `Mmap::map` is unsafe because the slice it returns is only
    // valid while no one writes to or truncates the file. The files mapped
    // here are ones this harness built in its own private data directory;
    // nothing modifies them after their build finished, and each mapping is
    // dropped before its file is deleted.
    let map = unsafe { Mmap::map(&file)? };
    if random {
        map.advise(Advice::Random)?;
    }
    Ok(map)
}
