//! The `key_fences` section (SPEC.md §12.2): a two-level sparse index over
//! records stored in key order.
//!
//! The records are cut into runs of `run_len` records; each run has a fence
//! (the offset of its first record and a separator key); fences are packed
//! into blocks of at most 4 KiB, and a top level with one entry per block
//! lets a reader find the block for any key without touching the others.
//! [`FencesBuilder`] writes the canonical section, [`FenceTop`] parses the
//! top level and trailer (every check in one place), and [`FenceBlock`]
//! reads one block in place. Nothing here panics on any input.

use core::ops::Range;

use zerocopy::little_endian::{U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::FormatError;

/// Blocks start at multiples of this many bytes from the section start,
/// and hold at most this many bytes unless they hold a single fence.
pub const FENCE_BLOCK_SIZE: usize = 4096;
/// Size of [`FencesTrailer`], the section's last bytes.
pub const FENCES_TRAILER_SIZE: usize = 32;
/// Records per run written by the reference writer: a seek scans at most
/// this many records after finding the run (about 2 KiB of 130-byte
/// records), and the fences cost about 1.3 bytes per record.
pub const DEFAULT_RUN_LEN: u32 = 16;
/// Bytes of a fence besides its key: `record_offset` (u64), `key_len` (u16).
const FENCE_FIXED: usize = 10;
/// Bytes of a top-level entry besides its key.
const TOP_FIXED: usize = 18;

/// The last 32 bytes of the section.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FencesTrailer {
    /// K, records per run.
    pub run_len: U32,
    /// Must be zero.
    pub reserved0: [u8; 4],
    /// Number of blocks.
    pub block_count: U64,
    /// Section offset of the top level.
    pub top_offset: U64,
    /// Must be zero.
    pub reserved1: [u8; 8],
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<FencesTrailer>() == FENCES_TRAILER_SIZE);
    assert!(offset_of!(FencesTrailer, run_len) == 0);
    assert!(offset_of!(FencesTrailer, reserved0) == 4);
    assert!(offset_of!(FencesTrailer, block_count) == 8);
    assert!(offset_of!(FencesTrailer, top_offset) == 16);
    assert!(offset_of!(FencesTrailer, reserved1) == 24);
};

/// The separator of a run (SPEC.md §12.2): the shortest prefix of `first`,
/// the run's first key, that is not less than `prev_last`, the previous
/// run's last key.
///
/// ```
/// use zidx_format::fences::separator;
/// assert_eq!(separator(b"apple", b"apricot"), b"apr");
/// assert_eq!(separator(b"ab", b"abc"), b"abc");
/// assert_eq!(separator(b"same", b"same"), b"same");
/// ```
pub fn separator<'a>(prev_last: &[u8], first: &'a [u8]) -> &'a [u8] {
    let common = prev_last
        .iter()
        .zip(first)
        .take_while(|(a, b)| a == b)
        .count();
    &first[..(common + 1).min(first.len())]
}

/// Number of runs of `run_len` records that `records` records make.
pub fn run_count(records: u64, run_len: u32) -> u64 {
    records.div_ceil(u64::from(run_len.max(1)))
}

/// Builds the canonical `key_fences` section, one fence at a time, in
/// section order.
#[derive(Debug)]
pub struct FencesBuilder {
    run_len: u32,
    /// Fences of the block being filled: `(record_offset, key range in keys)`.
    fences: Vec<(u64, Range<usize>)>,
    keys: Vec<u8>,
    /// Size the current block would have.
    block_len: usize,
    /// The section's bytes so far: the blocks written.
    out: Vec<u8>,
    runs: u64,
    blocks: u64,
    top: Vec<u8>,
}

impl FencesBuilder {
    /// A builder for runs of `run_len` records (at least 1).
    pub fn new(run_len: u32) -> FencesBuilder {
        FencesBuilder {
            run_len: run_len.max(1),
            fences: Vec::new(),
            keys: Vec::new(),
            block_len: 2,
            out: Vec::new(),
            runs: 0,
            blocks: 0,
            top: Vec::new(),
        }
    }

    /// Records per run.
    pub fn run_len(&self) -> u32 {
        self.run_len
    }

    /// Bytes of the section written so far (the completed blocks).
    pub fn written(&self) -> u64 {
        self.out.len() as u64
    }

    /// Adds the fence of the next run: its first record's offset in the
    /// records section and its [`separator`] (at most 65,535 bytes, as keys
    /// are).
    pub fn push(&mut self, record_offset: u64, separator: &[u8]) {
        let grows = 2 + FENCE_FIXED + separator.len();
        if !self.fences.is_empty() && self.block_len + grows > FENCE_BLOCK_SIZE {
            self.flush();
        }
        let start = self.keys.len();
        self.keys.extend_from_slice(separator);
        self.fences.push((record_offset, start..self.keys.len()));
        self.block_len += grows;
        self.runs += 1;
    }

    /// Writes the block being filled, after the padding that puts it at a
    /// multiple of [`FENCE_BLOCK_SIZE`], and its top-level entry.
    fn flush(&mut self) {
        let Some((_, first_key)) = self.fences.first() else {
            return;
        };
        let block_offset = self.written().next_multiple_of(FENCE_BLOCK_SIZE as u64);
        let first_run = self.runs - self.fences.len() as u64;
        self.top.extend_from_slice(&block_offset.to_le_bytes());
        self.top.extend_from_slice(&first_run.to_le_bytes());
        let first_key = &self.keys[first_key.clone()];
        self.top
            .extend_from_slice(&key_len(first_key).to_le_bytes());
        self.top.extend_from_slice(first_key);

        // Less than FENCE_BLOCK_SIZE bytes of padding.
        let padded = usize::try_from(block_offset).unwrap_or(self.out.len());
        self.out.resize(padded, 0);
        self.out
            .extend_from_slice(&len_u16(self.fences.len()).to_le_bytes());
        let mut at = 2 + 2 * self.fences.len();
        for (_, key) in &self.fences {
            self.out.extend_from_slice(&len_u16(at).to_le_bytes());
            at += FENCE_FIXED + key.len();
        }
        for (offset, key) in &self.fences {
            let key = &self.keys[key.clone()];
            self.out.extend_from_slice(&offset.to_le_bytes());
            self.out.extend_from_slice(&key_len(key).to_le_bytes());
            self.out.extend_from_slice(key);
        }
        self.blocks += 1;
        self.fences.clear();
        self.keys.clear();
        self.block_len = 2;
    }

    /// Writes the last block, the top level and the trailer. Returns the
    /// number of runs (the section's `item_count`) and the section's bytes.
    pub fn finish(mut self) -> (u64, Vec<u8>) {
        self.flush();
        let top_offset = self.written();
        self.out.extend_from_slice(&self.top);
        let trailer = FencesTrailer {
            run_len: U32::new(self.run_len),
            reserved0: [0; 4],
            block_count: U64::new(self.blocks),
            top_offset: U64::new(top_offset),
            reserved1: [0; 8],
        };
        self.out.extend_from_slice(trailer.as_bytes());
        (self.runs, self.out)
    }
}

/// A key's length as stored; keys are at most 65,535 bytes (checked when
/// they are inserted).
fn key_len(key: &[u8]) -> u16 {
    u16::try_from(key.len()).unwrap_or(u16::MAX)
}

/// An offset or count within a block: a block that holds more than one
/// fence is at most 4096 bytes, and a single fence's offset is 4.
fn len_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// One top-level entry, parsed.
#[derive(Debug, Clone)]
struct TopEntry {
    block_offset: u64,
    first_run: u64,
    key: Range<usize>,
}

/// The parsed top level and trailer of a `key_fences` section: what a
/// reader holds in memory to find the block of any key.
#[derive(Debug, Clone)]
pub struct FenceTop {
    run_len: u32,
    runs: u64,
    records: u64,
    section_offset: u64,
    top_offset: u64,
    entries: Vec<TopEntry>,
    keys: Vec<u8>,
}

impl FenceTop {
    /// Where the trailer lies, as a file range, for a section at `offset`
    /// of `length` bytes.
    pub fn trailer_range(offset: u64, length: u64) -> Result<Range<u64>, FormatError> {
        if length < FENCES_TRAILER_SIZE as u64 {
            return Err(FormatError::Fences {
                offset,
                problem: format!(
                    "the section is {length} bytes, shorter than its {FENCES_TRAILER_SIZE}-byte trailer"
                ),
            });
        }
        let start = offset + length - FENCES_TRAILER_SIZE as u64;
        Ok(start..offset + length)
    }

    /// Reads the trailer: returns it and the file range of the top level.
    pub fn read_trailer(
        bytes: &[u8],
        offset: u64,
        length: u64,
    ) -> Result<(FencesTrailer, Range<u64>), FormatError> {
        let at = Self::trailer_range(offset, length)?.start;
        let fail = |problem: String| FormatError::Fences {
            offset: at,
            problem,
        };
        let trailer = FencesTrailer::read_from_bytes(bytes)
            .map_err(|_| fail(format!("the trailer is {} bytes", bytes.len())))?;
        if trailer.reserved0 != [0; 4] || trailer.reserved1 != [0; 8] {
            return Err(fail("reserved bytes of the trailer are not zero".into()));
        }
        let top = trailer.top_offset.get();
        let top_end = length - FENCES_TRAILER_SIZE as u64;
        if top > top_end {
            return Err(fail(format!(
                "top_offset {top} lies past the trailer at section offset {top_end}"
            )));
        }
        Ok((trailer, offset + top..offset + top_end))
    }

    /// Parses the top level `top` (the bytes [`FenceTop::read_trailer`]
    /// located) of the section at file offset `offset`, of `length` bytes,
    /// whose entry says it has `runs` runs, over `records` records.
    ///
    /// Checks everything a seek relies on: the run count against the
    /// record count, one entry per block, blocks in order inside the
    /// section, runs in order. Memory is bounded by `top`'s length.
    pub fn parse(
        trailer: &FencesTrailer,
        top: &[u8],
        offset: u64,
        runs: u64,
        records: u64,
    ) -> Result<FenceTop, FormatError> {
        let top_offset = trailer.top_offset.get();
        let fail = |at: u64, problem: String| FormatError::Fences {
            offset: offset.saturating_add(at),
            problem,
        };
        let run_len = trailer.run_len.get();
        if run_len == 0 || run_len > u32::from(u16::MAX) {
            return Err(fail(
                top_offset,
                format!("run_len is {run_len}, expected 1 to 65535"),
            ));
        }
        if runs != run_count(records, run_len) {
            return Err(fail(
                0,
                format!(
                    "item_count is {runs} runs, but {records} records in runs of {run_len} make {}",
                    run_count(records, run_len)
                ),
            ));
        }
        let block_count = trailer.block_count.get();
        if (block_count == 0) != (runs == 0) || block_count > runs {
            return Err(fail(
                top_offset,
                format!("block_count is {block_count} for {runs} runs"),
            ));
        }
        // Each entry takes at least TOP_FIXED bytes of `top`, so the
        // allocation is bounded by the section's size.
        let mut entries = Vec::new();
        let mut keys = Vec::new();
        let mut at = 0usize;
        while at < top.len() {
            let here = top_offset + at as u64;
            let fixed = top
                .get(at..at + TOP_FIXED)
                .ok_or_else(|| fail(here, "a top-level entry is cut short".into()))?;
            let word = |i: usize| {
                let mut b = [0u8; 8];
                b.copy_from_slice(&fixed[i..i + 8]);
                u64::from_le_bytes(b)
            };
            let (block_offset, first_run) = (word(0), word(8));
            let len = usize::from(u16::from_le_bytes([fixed[16], fixed[17]]));
            let key = top
                .get(at + TOP_FIXED..at + TOP_FIXED + len)
                .ok_or_else(|| fail(here, "a top-level key is cut short".into()))?;
            if let Some(prev) = entries
                .last()
                .map(|e: &TopEntry| (e.block_offset, e.first_run))
            {
                if block_offset <= prev.0 || first_run <= prev.1 {
                    return Err(fail(here, format!(
                        "entry for block at {block_offset}, run {first_run}, does not follow the previous one (block at {}, run {})",
                        prev.0, prev.1
                    )));
                }
            } else if first_run != 0 {
                return Err(fail(
                    here,
                    format!("the first block starts at run {first_run}, expected 0"),
                ));
            }
            if block_offset >= top_offset || first_run >= runs {
                return Err(fail(here, format!(
                    "entry for block at {block_offset}, run {first_run}, lies past the blocks ({top_offset} bytes) or the runs ({runs})"
                )));
            }
            let start = keys.len();
            keys.extend_from_slice(key);
            entries.push(TopEntry {
                block_offset,
                first_run,
                key: start..keys.len(),
            });
            at += TOP_FIXED + len;
        }
        if entries.len() as u64 != block_count {
            return Err(fail(
                top_offset,
                format!(
                    "the top level has {} entries, but block_count is {block_count}",
                    entries.len()
                ),
            ));
        }
        Ok(FenceTop {
            run_len,
            runs,
            records,
            section_offset: offset,
            top_offset,
            entries,
            keys,
        })
    }

    /// Records per run.
    pub fn run_len(&self) -> u64 {
        u64::from(self.run_len)
    }

    /// Number of runs.
    pub fn runs(&self) -> u64 {
        self.runs
    }

    /// Number of records in run `run`.
    pub fn records_in_run(&self, run: u64) -> u64 {
        let start = run.saturating_mul(self.run_len());
        self.records.saturating_sub(start).min(self.run_len())
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.entries.len()
    }

    fn key(&self, entry: &TopEntry) -> &[u8] {
        self.keys.get(entry.key.clone()).unwrap_or_default()
    }

    /// The block whose first separator is the last one before `key` (or
    /// at or before it, when `inclusive`): the block that holds the run
    /// to start a seek from. Block 0 when there is none.
    pub fn block_for(&self, key: &[u8], inclusive: bool) -> usize {
        let n = self.entries.partition_point(|e| {
            let k = self.key(e);
            if inclusive {
                k <= key
            } else {
                k < key
            }
        });
        n.saturating_sub(1)
    }

    /// The block that holds run `run`.
    pub fn block_of_run(&self, run: u64) -> usize {
        self.entries
            .partition_point(|e| e.first_run <= run)
            .saturating_sub(1)
    }

    /// Where block `block` lies, as a file range (up to the next block or
    /// the top level, so it may include padding), and its first run and
    /// number of runs.
    pub fn block(&self, block: usize) -> Option<(Range<u64>, u64, u64)> {
        let entry = self.entries.get(block)?;
        let next = self.entries.get(block + 1);
        let end = next.map_or(self.top_offset, |e| e.block_offset);
        let runs_in = next.map_or(self.runs, |e| e.first_run) - entry.first_run;
        Some((
            self.section_offset + entry.block_offset..self.section_offset + end,
            entry.first_run,
            runs_in,
        ))
    }
}

/// One block, read in place from its bytes.
#[derive(Debug, Clone, Copy)]
pub struct FenceBlock<'a> {
    bytes: &'a [u8],
    count: usize,
    /// File offset of the block, for errors.
    offset: u64,
}

impl<'a> FenceBlock<'a> {
    /// The block in `bytes` (at file offset `offset`), which
    /// [`FenceTop::block`] says holds `runs` runs.
    pub fn new(bytes: &'a [u8], offset: u64, runs: u64) -> Result<FenceBlock<'a>, FormatError> {
        let count = bytes
            .get(..2)
            .map_or(0, |b| usize::from(u16::from_le_bytes([b[0], b[1]])));
        if count == 0 || count as u64 != runs || bytes.len() < 2 + 2 * count {
            return Err(FormatError::Fences {
                offset,
                problem: format!(
                    "block holds {count} fences in {} bytes, expected {runs}",
                    bytes.len()
                ),
            });
        }
        Ok(FenceBlock {
            bytes,
            count,
            offset,
        })
    }

    /// Number of fences.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the block holds no fence (never, for a parsed block).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Fence `i`: the records-section offset of its run's first record and
    /// its separator.
    pub fn fence(&self, i: usize) -> Result<(u64, &'a [u8]), FormatError> {
        let fail = || FormatError::Fences {
            offset: self.offset,
            problem: format!("fence {i} of the block lies outside it"),
        };
        if i >= self.count {
            return Err(FormatError::Fences {
                offset: self.offset,
                problem: format!("the block holds {} fences, not {}", self.count, i + 1),
            });
        }
        let slot = self.bytes.get(2 + 2 * i..4 + 2 * i).ok_or_else(fail)?;
        let at = usize::from(u16::from_le_bytes([slot[0], slot[1]]));
        let fixed = self.bytes.get(at..at + FENCE_FIXED).ok_or_else(fail)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(&fixed[..8]);
        let len = usize::from(u16::from_le_bytes([fixed[8], fixed[9]]));
        let key = self
            .bytes
            .get(at + FENCE_FIXED..at + FENCE_FIXED + len)
            .ok_or_else(fail)?;
        Ok((u64::from_le_bytes(word), key))
    }

    /// The number of fences whose separator is before `key` (at or before
    /// it, when `inclusive`), by binary search. A fence that cannot be read
    /// is an error.
    pub fn count_before(&self, key: &[u8], inclusive: bool) -> Result<usize, FormatError> {
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (_, sep) = self.fence(mid)?;
            let before = if inclusive { sep <= key } else { sep < key };
            if before {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }
}

#[cfg(test)]
// Test buffers are a few KiB: every offset fits in usize.
#[allow(clippy::cast_possible_truncation)]
mod tests {
    use super::*;

    fn build(seps: &[(u64, Vec<u8>)], run_len: u32) -> (Vec<u8>, u64, u64) {
        let mut b = FencesBuilder::new(run_len);
        for (o, s) in seps {
            b.push(*o, s);
        }
        let (runs, out) = b.finish();
        let len = out.len() as u64;
        (out, runs, len)
    }

    #[test]
    fn round_trip_and_block_boundaries() {
        // Keys of 200 bytes: 19 fences per block.
        let seps: Vec<(u64, Vec<u8>)> = (0..100u64)
            .map(|i| (i * 1000, format!("{i:0200}").into_bytes()))
            .collect();
        let (bytes, runs, len) = build(&seps, 4);
        assert_eq!((runs, len), (100, bytes.len() as u64));
        let t = FenceTop::trailer_range(0, len).unwrap();
        let (trailer, top) = FenceTop::read_trailer(&bytes[t.start as usize..], 0, len).unwrap();
        let top = FenceTop::parse(
            &trailer,
            &bytes[top.start as usize..top.end as usize],
            0,
            100,
            400,
        )
        .unwrap();
        assert!(top.blocks() > 4);
        let mut seen = 0;
        for b in 0..top.blocks() {
            let (range, first, n) = top.block(b).unwrap();
            assert_eq!(range.start % FENCE_BLOCK_SIZE as u64, 0);
            let block =
                FenceBlock::new(&bytes[range.start as usize..range.end as usize], 0, n).unwrap();
            assert!(2 + 2 * n as usize + 210 * n as usize <= FENCE_BLOCK_SIZE);
            for i in 0..block.len() {
                let (o, k) = block.fence(i).unwrap();
                assert_eq!((o, k), (seps[seen].0, &seps[seen].1[..]));
                assert_eq!(first + i as u64, seen as u64);
                seen += 1;
            }
        }
        assert_eq!(seen, 100);
    }

    #[test]
    fn a_fence_larger_than_a_block_gets_its_own() {
        let seps = vec![(0, Vec::new()), (10, vec![7u8; 5000]), (20, vec![8u8; 3])];
        let (bytes, runs, len) = build(&seps, 1);
        assert_eq!(runs, 3);
        let t = FenceTop::trailer_range(0, len).unwrap();
        let (trailer, top) = FenceTop::read_trailer(&bytes[t.start as usize..], 0, len).unwrap();
        let top = FenceTop::parse(
            &trailer,
            &bytes[top.start as usize..top.end as usize],
            0,
            3,
            3,
        )
        .unwrap();
        assert_eq!(top.blocks(), 3);
        assert_eq!(top.block_for(&[7u8; 6000], false), 1);
        assert_eq!(top.block_of_run(2), 2);
    }

    #[test]
    fn no_records_make_an_empty_index() {
        let (bytes, runs, len) = build(&[], 16);
        assert_eq!((runs, len), (0, FENCES_TRAILER_SIZE as u64));
        let (trailer, top) = FenceTop::read_trailer(&bytes, 0, len).unwrap();
        assert_eq!(top, 0..0);
        let top = FenceTop::parse(&trailer, &[], 0, 0, 0).unwrap();
        assert_eq!(top.blocks(), 0);
        assert!(top.block(0).is_none());
    }

    #[test]
    fn parse_refuses_inconsistent_counts() {
        let seps = vec![(0, Vec::new()), (10, b"b".to_vec())];
        let (bytes, _, len) = build(&seps, 2);
        let t = FenceTop::trailer_range(0, len).unwrap();
        let (trailer, top) = FenceTop::read_trailer(&bytes[t.start as usize..], 0, len).unwrap();
        let top = &bytes[top.start as usize..top.end as usize];
        assert!(FenceTop::parse(&trailer, top, 0, 2, 4).is_ok());
        // 5 records in runs of 2 make 3 runs, not 2.
        assert!(FenceTop::parse(&trailer, top, 0, 2, 5).is_err());
        assert!(FenceTop::parse(&trailer, &top[..top.len() - 1], 0, 2, 4).is_err());
    }
}
