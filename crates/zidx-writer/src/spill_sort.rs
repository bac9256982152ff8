//! Sorting fixed-size items in bounded memory: the hash entries of a build
//! (16 bytes per record) and the offsets of dropped duplicates.
//!
//! Items collect in a buffer of at most `budget` bytes. A full buffer is
//! sorted on every core and written to an unnamed temporary file (removed
//! by the operating system when it is closed, even if the process is
//! killed) as a sorted run. [`SpillSorter::finish`] returns the sorted
//! items: the buffer itself when nothing was spilled, or the runs, which
//! [`Sorted::stream`] merges as often as asked (placement reads the table's
//! entries twice). At most [`MAX_FAN_IN`] runs are merged at once; when
//! there are more, groups of them are merged into longer runs first, so
//! the read buffers stay at most `MAX_FAN_IN` × [`RUN_BUFFER`] (4 MiB)
//! whatever the input's size.
//!
//! The items' order is total (a hash entry's offset is unique), so the
//! result does not depend on the budget, the number of runs or of threads:
//! a build that spills writes the same bytes as one that does not
//! (`tests/bounded_memory.rs`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use zidx_format::placement::HashedRecord;

/// Read buffer of each run during a merge.
pub(crate) const RUN_BUFFER: usize = 64 << 10;
/// Most runs merged at once.
pub(crate) const MAX_FAN_IN: usize = 64;
/// The smallest buffer a sorter uses, whatever its budget: 4,096 entries.
const MIN_BUDGET: usize = 64 << 10;

/// An item of fixed size with a total order, stored little-endian in runs.
pub(crate) trait FixedItem: Copy + Ord + Send {
    /// Bytes of one item in a run.
    const SIZE: usize;
    /// Writes the item's `SIZE` bytes.
    fn put(&self, out: &mut [u8]);
    /// Reads an item from `SIZE` bytes.
    fn get(bytes: &[u8]) -> Self;
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

impl FixedItem for HashedRecord {
    const SIZE: usize = 16;
    fn put(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.hash.to_le_bytes());
        out[8..16].copy_from_slice(&self.offset.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> HashedRecord {
        HashedRecord::new(u64_at(bytes, 0), u64_at(bytes, 8))
    }
}

impl FixedItem for u64 {
    const SIZE: usize = 8;
    fn put(&self, out: &mut [u8]) {
        out[..8].copy_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> u64 {
        u64_at(bytes, 0)
    }
}

/// Where a sorter's runs go, and what spilling them cost.
#[derive(Debug, Clone)]
pub(crate) struct SpillDir {
    dir: PathBuf,
}

impl SpillDir {
    pub(crate) fn new(dir: PathBuf) -> SpillDir {
        SpillDir { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    fn create(&self) -> io::Result<File> {
        tempfile::tempfile_in(&self.dir)
    }
}

/// Sorts items of type `T` in at most about `budget` bytes of memory.
pub(crate) struct SpillSorter<T: FixedItem> {
    buf: Vec<T>,
    /// Items per run: the budget divided by the item's size.
    capacity: usize,
    runs: Vec<Run>,
    dir: SpillDir,
    len: u64,
    /// Runs written, counting those the merges wrote.
    spilled_runs: u64,
    /// Bytes written to runs, counting those the merges wrote.
    spilled_bytes: u64,
}

/// One sorted run in a temporary file.
struct Run {
    file: File,
    items: u64,
}

impl<T: FixedItem> SpillSorter<T> {
    /// A sorter that keeps at most about `budget` bytes of items in memory
    /// (but at least 64 KiB), spilling runs into `dir`.
    pub(crate) fn new(budget: usize, dir: SpillDir) -> SpillSorter<T> {
        SpillSorter {
            buf: Vec::new(),
            capacity: budget.max(MIN_BUDGET) / T::SIZE,
            runs: Vec::new(),
            dir,
            len: 0,
            spilled_runs: 0,
            spilled_bytes: 0,
        }
    }

    /// Adds an item.
    #[inline]
    pub(crate) fn push(&mut self, item: T) -> io::Result<()> {
        if self.buf.len() >= self.capacity {
            self.spill()?;
        }
        if self.buf.len() == self.buf.capacity() {
            // Grows by doubling, but never past the budget.
            let want = self.buf.len().max(4096).min(self.capacity - self.buf.len());
            self.buf.reserve_exact(want);
        }
        self.buf.push(item);
        self.len += 1;
        Ok(())
    }

    /// Items pushed so far.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Sorts the buffer and writes it as a run; merges groups of runs when
    /// there are [`MAX_FAN_IN`] of them.
    fn spill(&mut self) -> io::Result<()> {
        sort_items(&mut self.buf);
        let mut out = BufWriter::with_capacity(RUN_BUFFER, self.dir.create()?);
        let mut bytes = vec![0u8; T::SIZE];
        for item in &self.buf {
            item.put(&mut bytes);
            out.write_all(&bytes)?;
        }
        let items = self.buf.len() as u64;
        self.runs.push(Run {
            file: rewind(out)?,
            items,
        });
        self.spilled_runs += 1;
        self.spilled_bytes += items * T::SIZE as u64;
        self.buf.clear();
        if self.runs.len() >= MAX_FAN_IN {
            let runs = std::mem::take(&mut self.runs);
            let merged = merge_into_run::<T>(runs, &self.dir)?;
            self.spilled_runs += 1;
            self.spilled_bytes += merged.items * T::SIZE as u64;
            self.runs.push(merged);
        }
        Ok(())
    }

    /// The items in order: in memory if they never filled the buffer,
    /// else in runs (the last buffer spilled too, so that the memory is
    /// free for whatever reads them).
    pub(crate) fn finish(mut self) -> io::Result<Sorted<T>> {
        if self.runs.is_empty() {
            sort_items(&mut self.buf);
            return Ok(Sorted {
                inner: Inner::Memory(self.buf),
                len: self.len,
                spilled_runs: 0,
                spilled_bytes: 0,
            });
        }
        if !self.buf.is_empty() {
            self.spill()?;
        }
        self.buf = Vec::new();
        Ok(Sorted {
            inner: Inner::Runs(self.runs),
            len: self.len,
            spilled_runs: self.spilled_runs,
            spilled_bytes: self.spilled_bytes,
        })
    }
}

/// Sorts on every core. Items are totally ordered (hash entries by hash,
/// then offset, as `zidx_format::placement::sort_canonical` does; offsets
/// are distinct), so any correct sort gives the same items, and the file
/// the same bytes, whatever the number of threads (`RAYON_NUM_THREADS`).
pub(crate) fn sort_items<T: FixedItem>(items: &mut [T]) {
    use rayon::slice::ParallelSliceMut;
    items.par_sort_unstable();
}

/// The file `out` wrote, flushed and rewound for reading.
fn rewind(out: BufWriter<File>) -> io::Result<File> {
    let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Merges `runs` into one new run.
fn merge_into_run<T: FixedItem>(mut runs: Vec<Run>, dir: &SpillDir) -> io::Result<Run> {
    let mut out = BufWriter::with_capacity(RUN_BUFFER, dir.create()?);
    let mut stream = Merge::<T>::new(&mut runs)?;
    let mut bytes = vec![0u8; T::SIZE];
    let mut items = 0u64;
    for item in stream.by_ref() {
        item.put(&mut bytes);
        out.write_all(&bytes)?;
        items += 1;
    }
    stream.check()?;
    Ok(Run {
        file: rewind(out)?,
        items,
    })
}

enum Inner<T> {
    Memory(Vec<T>),
    Runs(Vec<Run>),
}

/// Sorted items, read with [`Sorted::stream`] as often as needed.
pub(crate) struct Sorted<T: FixedItem> {
    inner: Inner<T>,
    len: u64,
    spilled_runs: u64,
    spilled_bytes: u64,
}

impl<T: FixedItem> Sorted<T> {
    /// No items, in memory.
    pub(crate) fn empty() -> Sorted<T> {
        Sorted {
            inner: Inner::Memory(Vec::new()),
            len: 0,
            spilled_runs: 0,
            spilled_bytes: 0,
        }
    }

    /// Number of items.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Bytes of memory the items hold: 0 once they are in runs.
    pub(crate) fn memory_bytes(&self) -> usize {
        match &self.inner {
            Inner::Memory(items) => items.capacity() * T::SIZE,
            Inner::Runs(_) => 0,
        }
    }

    /// Runs written to temporary files (0 when the items fit in memory).
    pub(crate) fn spilled_runs(&self) -> u64 {
        self.spilled_runs
    }

    /// Bytes written to temporary files.
    pub(crate) fn spilled_bytes(&self) -> u64 {
        self.spilled_bytes
    }

    /// The items in order. A failure to read a run ends the stream early;
    /// [`Stream::check`] reports it, and must be called after the stream
    /// is used.
    pub(crate) fn stream(&mut self) -> io::Result<Stream<'_, T>> {
        Ok(match &mut self.inner {
            Inner::Memory(items) => Stream::Memory(items.iter()),
            Inner::Runs(runs) => Stream::Merge(Merge::new(runs)?),
        })
    }
}

/// The items of a [`Sorted`], in order.
pub(crate) enum Stream<'a, T: FixedItem> {
    Memory(std::slice::Iter<'a, T>),
    Merge(Merge<'a, T>),
}

impl<T: FixedItem> Stream<'_, T> {
    /// The error that ended the stream early, if one did.
    pub(crate) fn check(self) -> io::Result<()> {
        match self {
            Stream::Memory(_) => Ok(()),
            Stream::Merge(m) => m.check(),
        }
    }
}

impl<T: FixedItem> Iterator for Stream<'_, T> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        match self {
            Stream::Memory(items) => items.next().copied(),
            Stream::Merge(m) => m.next(),
        }
    }
}

/// A k-way merge of sorted runs.
pub(crate) struct Merge<'a, T: FixedItem> {
    /// Each run's reader and the items left in it.
    readers: Vec<RunReader<'a>>,
    /// Each run's next item, smallest first.
    heap: BinaryHeap<Reverse<(T, usize)>>,
    error: Option<io::Error>,
    bytes: Vec<u8>,
}

impl<'a, T: FixedItem> Merge<'a, T> {
    fn new(runs: &'a mut [Run]) -> io::Result<Merge<'a, T>> {
        let count = runs.len();
        let mut readers = Vec::with_capacity(count);
        for run in runs.iter_mut() {
            run.file.seek(SeekFrom::Start(0))?;
            readers.push(RunReader {
                reader: BufReader::with_capacity(RUN_BUFFER, &run.file),
                left: run.items,
            });
        }
        let mut merge = Merge {
            readers,
            heap: BinaryHeap::with_capacity(count),
            error: None,
            bytes: vec![0u8; T::SIZE],
        };
        for run in 0..merge.readers.len() {
            if let Some(item) = read_item::<T>(&mut merge.readers[run], &mut merge.bytes)? {
                merge.heap.push(Reverse((item, run)));
            }
        }
        Ok(merge)
    }

    /// The error that ended the merge early, if one did.
    pub(crate) fn check(self) -> io::Result<()> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<T: FixedItem> Iterator for Merge<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let Merge {
            readers,
            heap,
            error,
            bytes,
        } = self;
        // The smallest head is replaced in place by its run's next item:
        // one sift-down per item instead of a pop and a push.
        let mut top = heap.peek_mut()?;
        let Reverse((item, run)) = *top;
        match read_item::<T>(&mut readers[run], bytes) {
            Ok(Some(next)) => *top = Reverse((next, run)),
            Ok(None) => drop(std::collections::binary_heap::PeekMut::pop(top)),
            Err(e) => {
                drop(top);
                // Stop here: an entry missing from the middle would build
                // a wrong table, so the caller must see the error.
                *error = Some(e);
                heap.clear();
                return None;
            }
        }
        Some(item)
    }
}

/// A run being read: it ends after the items it was written with, so a
/// run file that came back shorter is an error, not a shorter stream.
struct RunReader<'a> {
    reader: BufReader<&'a File>,
    left: u64,
}

/// The next item of a run, or `None` at its end.
fn read_item<T: FixedItem>(run: &mut RunReader<'_>, bytes: &mut [u8]) -> io::Result<Option<T>> {
    if run.left == 0 {
        return Ok(None);
    }
    run.reader.read_exact(bytes)?;
    run.left -= 1;
    Ok(Some(T::get(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> SpillDir {
        SpillDir::new(std::env::temp_dir())
    }

    fn sorted_with(budget: usize, items: &[u64]) -> (Vec<u64>, u64) {
        let mut s = SpillSorter::<u64>::new(budget, dir());
        for &i in items {
            s.push(i).unwrap();
        }
        let mut sorted = s.finish().unwrap();
        assert_eq!(sorted.len(), items.len() as u64);
        let mut stream = sorted.stream().unwrap();
        let out: Vec<u64> = stream.by_ref().collect();
        stream.check().unwrap();
        // A second pass reads the same.
        let again: Vec<u64> = sorted.stream().unwrap().collect();
        assert_eq!(out, again);
        (out, sorted.spilled_runs())
    }

    /// A run file that lost its tail (truncated behind the writer's back)
    /// ends the stream with an error instead of fewer items.
    #[test]
    fn a_run_that_came_back_short_is_an_error() {
        let mut s = SpillSorter::<u64>::new(0, dir());
        for i in 0..20_000u64 {
            s.push(i).unwrap();
        }
        let mut sorted = s.finish().unwrap();
        let Inner::Runs(runs) = &mut sorted.inner else {
            panic!("20,000 items in a 64 KiB budget must spill");
        };
        runs[1].file.set_len(8 * 100).unwrap();
        let mut stream = sorted.stream().unwrap();
        let items = stream.by_ref().count();
        assert!(items < 20_000, "{items}");
        assert!(stream.check().is_err());
    }

    proptest::proptest! {
        /// Spilled or not, the items come out sorted, all of them.
        #[test]
        fn sorts_in_any_budget(items in proptest::collection::vec(0u64..50, 0..30_000)) {
            let (out, _) = sorted_with(0, &items);
            let mut expected = items.clone();
            expected.sort_unstable();
            proptest::prop_assert_eq!(out, expected);
        }
    }

    #[test]
    fn more_runs_than_the_fan_in_are_merged_in_groups() {
        // 8,192 items a run: 100 runs before the merges.
        let items: Vec<u64> = (0..819_200u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9))
            .collect();
        let (out, runs) = sorted_with(0, &items);
        assert!(runs > 100, "{runs} runs");
        let mut expected = items;
        expected.sort_unstable();
        assert!(out == expected);
    }

    #[test]
    fn items_within_the_budget_stay_in_memory() {
        let items: Vec<u64> = (0..1000).rev().collect();
        let (out, runs) = sorted_with(1 << 20, &items);
        assert_eq!(runs, 0);
        assert_eq!(out, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn hash_entries_round_trip_through_runs() {
        let mut s = SpillSorter::<HashedRecord>::new(0, dir());
        let n = 20_000u64;
        for i in 0..n {
            s.push(HashedRecord::new(u64::MAX - i / 3, i)).unwrap();
        }
        let mut sorted = s.finish().unwrap();
        assert!(sorted.spilled_runs() >= 4);
        assert_eq!(sorted.spilled_bytes(), 16 * n);
        let out: Vec<HashedRecord> = sorted.stream().unwrap().collect();
        let mut expected: Vec<HashedRecord> = (0..n)
            .map(|i| HashedRecord::new(u64::MAX - i / 3, i))
            .collect();
        expected.sort_unstable();
        assert!(out == expected);
    }

    /// The parallel sort gives the canonical order of zidx-format, with
    /// ties on the hash (as hash collisions and multi-value keys make).
    #[test]
    fn the_parallel_sort_is_the_canonical_order() {
        use zidx_format::placement::sort_canonical;
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut entries: Vec<HashedRecord> = (0..200_000u64)
            .map(|offset| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Few distinct hashes, so that many ties need the offset.
                HashedRecord::new(x % 5_000, offset * 7)
            })
            .collect();
        let mut canonical = entries.clone();
        sort_canonical(&mut canonical);
        sort_items(&mut entries);
        assert!(entries == canonical);
    }
}
