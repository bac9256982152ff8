//! The crate's only `unsafe` code: mapping a file into memory.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;

/// Maps `file` read-only and advises the kernel that access will be random.
///
/// MADV_RANDOM turns off readahead: a lookup touches one or two pages of a
/// file that may be far larger than memory, and readahead would pull in
/// dozens of neighbours per fault (about 30x read amplification measured on
/// random reads).
pub(crate) fn map_read_only(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: `Mmap::map` is unsafe because the returned `&[u8]` is only
    // valid while no one modifies or truncates the file. Rust cannot enforce
    // that for a file other processes can open. zidx's contract (documented
    // on `Index::open` and in the README) is that index files are immutable
    // once published: the writer never modifies a file in place, it writes a
    // new file and renames it over the old one, which leaves existing
    // mappings of the old inode intact. A program that violates the contract
    // by writing into or truncating a mapped index can make this process read
    // changing bytes or die of SIGBUS; the parser never relies on two reads of
    // the same byte agreeing for memory safety (every read is bounds-checked
    // against the mapping's fixed length), but the values it returns are then
    // meaningless. Callers who cannot rule that out use `Index::read`.
    let map = unsafe { memmap2::MmapOptions::new().map(file)? };
    // Advice is an optimisation; a kernel that rejects it still serves reads.
    let _ = map.advise(memmap2::Advice::Random);
    Ok(map)
}
