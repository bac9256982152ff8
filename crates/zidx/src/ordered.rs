//! Ordered queries over a file whose records are stored in key order
//! (SPEC.md §12): ranges, prefixes, first and last, rank, and every value of
//! a key.
//!
//! A seek is the lookup of SPEC.md §12.2: a binary search of the top level
//! (parsed once, on the first ordered query), then of one 4 KiB fence
//! block, then a scan of at most one run of records. Records are then read
//! in place, in order, so a range's keys and values borrow from the file.

use std::ops::{Bound, RangeBounds};

use zidx_format::fences::{FenceBlock, FenceTop, FENCE_BLOCK_SIZE};
use zidx_format::FormatError;

use crate::error::Error;
use crate::index::Index;
use crate::record_access;
use crate::storage::Storage;

/// Where a seek landed: the ordinal of a record and its offset in the
/// records section (the section's length and the record count at the end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    ordinal: u64,
    at: u64,
}

/// How a bound compares: the first key at or after it, or after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seek {
    AtOrAfter,
    After,
}

impl<S: Storage> Index<S> {
    /// The parsed top level of `key_fences`, or the error for a file that
    /// has none, named after `operation`.
    fn fence_top(&self, operation: &'static str) -> Result<&FenceTop, Error> {
        let Some(section) = self.layout().key_fences() else {
            return Err(FormatError::NotOrdered { operation }.into());
        };
        if let Some(top) = self.fences.get() {
            return top.as_ref().map_err(|e| e.clone().into());
        }
        // A storage error (a remote read that failed) is returned and not
        // kept, so that the next query tries again; what the bytes say, a
        // valid top level or a format error, is kept.
        let storage = self.storage();
        let read =
            |range: std::ops::Range<u64>| storage.read_at(range.start, range.end - range.start);
        let trailer_range = FenceTop::trailer_range(section.offset, section.length)?;
        let trailer = read(trailer_range)?;
        let parsed = match FenceTop::read_trailer(trailer.as_ref(), section.offset, section.length)
        {
            Ok((trailer, top_range)) => {
                let top = read(top_range)?;
                FenceTop::parse(
                    &trailer,
                    top.as_ref(),
                    section.offset,
                    section.item_count,
                    self.len(),
                )
            }
            Err(e) => Err(e),
        };
        let top = self.fences.get_or_init(|| parsed);
        top.as_ref().map_err(|e| e.clone().into())
    }

    /// The bytes of block `block`: at most one 4 KiB block, or a block
    /// holding one fence of up to 65,535 key bytes, whatever the top level
    /// says about where the next block starts (a forged top level cannot
    /// make a seek read the whole section). Returns the block's file
    /// offset, first run and number of runs with the bytes.
    fn read_block(
        &self,
        top: &FenceTop,
        block: usize,
    ) -> Result<(u64, u64, u64, S::Bytes<'_>), Error> {
        let (range, first_run, runs) = top.block(block).ok_or_else(|| FormatError::Fences {
            offset: range_start(self),
            problem: format!("no block {block}"),
        })?;
        let most = if runs == 1 {
            MAX_SINGLE_FENCE_BLOCK
        } else {
            FENCE_BLOCK_SIZE as u64
        };
        let len = (range.end - range.start).min(most);
        if let Some(file) = self.storage().resident() {
            // The binary search of the block would take its lines one
            // dependent miss at a time: load them all at once first.
            touch_lines(file, range.start, range.start + len.min(BLOCK_PREFETCH));
        }
        let bytes = self.storage().read_at(range.start, len)?;
        Ok((range.start, first_run, runs, bytes))
    }

    /// The offset in the records section of the first record of `run`, and
    /// of the next run's (the section's length after the last run).
    fn run_bounds(&self, top: &FenceTop, run: u64) -> Result<(u64, u64), Error> {
        let block = top.block_of_run(run);
        let (offset, first_run, runs, bytes) = self.read_block(top, block)?;
        let fences = FenceBlock::new(bytes.as_ref(), offset, runs)?;
        let j = usize::try_from(run - first_run).unwrap_or(usize::MAX);
        let (start, _) = fences.fence(j)?;
        let end = if run + 1 >= top.runs() {
            self.layout().records().length
        } else if j + 1 < fences.len() {
            fences.fence(j + 1)?.0
        } else {
            let (offset, _, runs, bytes) = self.read_block(top, block + 1)?;
            FenceBlock::new(bytes.as_ref(), offset, runs)?.fence(0)?.0
        };
        Ok((start, end))
    }

    /// The first record whose key is at or after `key` (`Seek::AtOrAfter`)
    /// or after it (`Seek::After`): SPEC.md §12.2.
    fn seek(&self, top: &FenceTop, key: &[u8], how: Seek) -> Result<Position, Error> {
        let inclusive = how == Seek::After;
        let end = Position {
            ordinal: self.len(),
            at: self.layout().records().length,
        };
        if top.runs() == 0 {
            return Ok(end);
        }
        let block = top.block_for(key, inclusive);
        let (offset, first_run, runs, bytes) = self.read_block(top, block)?;
        let fences = FenceBlock::new(bytes.as_ref(), offset, runs)?;
        let before = fences.count_before(key, inclusive)?;
        // The top level sent us here because this block's first separator
        // is before the key, so `before` is at least 1 in a valid file.
        let j = before.saturating_sub(1);
        let (mut at, _) = fences.fence(j)?;
        let run = first_run + j as u64;
        let section = self.layout().records();
        // The run's records are read one after the other, each header
        // giving the next one's place: a chain of dependent cache misses.
        // Loading every line of the run first lets those misses overlap
        // (the next fence says where the run ends).
        if let Some(file) = self.storage().resident() {
            let run_end = fences
                .fence(j + 1)
                .map_or(at + RUN_PREFETCH, |(end, _)| end);
            let start = section.offset.saturating_add(at);
            let end = section
                .offset
                .saturating_add(run_end.min(at + RUN_PREFETCH).min(section.length));
            touch_lines(file, start, end);
        }
        let codec = self.codec();
        let first = run * top.run_len();
        let resident = self.storage().resident();
        for i in 0..top.records_in_run(run) {
            let fast = resident.and_then(|file| {
                let (k, _, next) = record_access::read_resident(file, section, codec, at)?;
                Some((file.get(k)?, next))
            });
            let general;
            let (stored, next) = match fast {
                Some(found) => found,
                None => {
                    let (k, _, next) = record_access::read(self.storage(), section, codec, at)?;
                    general = k;
                    (general.as_ref(), next)
                }
            };
            let found = match how {
                Seek::AtOrAfter => stored >= key,
                Seek::After => stored > key,
            };
            if found {
                return Ok(Position {
                    ordinal: first + i,
                    at,
                });
            }
            at = next;
        }
        // Not in the run: the answer is the next run's first record, which
        // starts where this run ends, and where its fence says (when it is
        // in this block) unless the fences are damaged.
        if let Ok((next_run, _)) = fences.fence(j + 1) {
            if next_run != at {
                return Err(run_mismatch(self, run, at, next_run));
            }
        }
        let ordinal = first + top.records_in_run(run);
        Ok(if ordinal >= self.len() {
            end
        } else {
            Position { ordinal, at }
        })
    }

    /// The records whose keys lie in `range`, in key order (and in
    /// insertion order among equal keys). Every form of range works:
    /// `"a".."c"`, `"a"..="c"`, `"a"..`, `..`, or a pair of [`Bound`]s.
    ///
    /// The iterator is double-ended (`.rev()` walks the range backwards)
    /// and knows its length. Keys and values borrow from the file. Finding
    /// the start reads the top level of the fences (once per index), one
    /// 4 KiB block of fences and at most one run of 16 records.
    ///
    /// Needs a file built with ordered keys (`zidx build --ordered`); any
    /// other file gives [`FormatError::NotOrdered`].
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use zidx_writer::{Options, Writer};
    /// let mut w = Writer::memory(Options::default().with_ordered(true));
    /// for (k, v) in [("pear", "3"), ("apple", "1"), ("fig", "2")] {
    ///     w.insert(k.as_bytes(), v.as_bytes())?;
    /// }
    /// let index = zidx::Index::from_bytes(w.finish()?)?;
    /// let keys: Vec<&[u8]> = index
    ///     .range("b".."p")?
    ///     .map(|r| r.map(|(k, _)| k))
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(keys, [&b"fig"[..]]);
    /// assert_eq!(index.range::<&str, _>(..)?.rev().count(), 3);
    /// assert_eq!(index.rank("g")?, 2);
    /// # Ok(()) }
    /// ```
    pub fn range<K: AsRef<[u8]> + ?Sized, R: RangeBounds<K>>(
        &self,
        range: R,
    ) -> Result<KeyRange<'_, S>, Error> {
        let top = self.fence_top("range")?;
        let start = match range.start_bound() {
            Bound::Unbounded => Position { ordinal: 0, at: 0 },
            Bound::Included(k) => self.seek(top, k.as_ref(), Seek::AtOrAfter)?,
            Bound::Excluded(k) => self.seek(top, k.as_ref(), Seek::After)?,
        };
        let end = match range.end_bound() {
            Bound::Unbounded => self.len(),
            Bound::Included(k) => self.seek(top, k.as_ref(), Seek::After)?.ordinal,
            Bound::Excluded(k) => self.seek(top, k.as_ref(), Seek::AtOrAfter)?.ordinal,
        };
        Ok(KeyRange {
            index: self,
            top,
            front: start,
            back: end.max(start.ordinal),
            run_cache: None,
            failed: false,
            bounds: (
                owned_bound(range.start_bound()),
                owned_bound(range.end_bound()),
            ),
            ends: (start.ordinal, end.max(start.ordinal).saturating_sub(1)),
        })
    }

    /// The records whose keys start with `prefix`, in key order. See
    /// [`range`](Index::range).
    pub fn prefix(&self, prefix: impl AsRef<[u8]>) -> Result<KeyRange<'_, S>, Error> {
        let prefix = prefix.as_ref();
        match prefix_end(prefix) {
            Some(end) => {
                self.range::<[u8], _>((Bound::Included(prefix), Bound::Excluded(&end[..])))
            }
            None => self.range::<[u8], _>((Bound::Included(prefix), Bound::Unbounded)),
        }
    }

    /// The record with the smallest key (the first inserted among equal
    /// ones), or `None` for an empty index. Needs ordered keys.
    #[allow(clippy::type_complexity)]
    pub fn first(&self) -> Result<Option<(S::Bytes<'_>, S::Bytes<'_>)>, Error> {
        self.range::<[u8], _>(..)?.next().transpose()
    }

    /// The record with the largest key (the last inserted among equal
    /// ones), or `None` for an empty index. Needs ordered keys.
    #[allow(clippy::type_complexity)]
    pub fn last(&self) -> Result<Option<(S::Bytes<'_>, S::Bytes<'_>)>, Error> {
        self.range::<[u8], _>(..)?.next_back().transpose()
    }

    /// The number of records whose key is less than `key`: the ordinal of
    /// `key` if it is stored (of its first value, with several values per
    /// key), else where it would go. Needs ordered keys.
    pub fn rank(&self, key: impl AsRef<[u8]>) -> Result<u64, Error> {
        let top = self.fence_top("rank")?;
        Ok(self.seek(top, key.as_ref(), Seek::AtOrAfter)?.ordinal)
    }

    /// Every value of `key`, in insertion order: one probe of the hash
    /// index, then the records that follow while the key is equal. A file
    /// built without several values per key (`--on-duplicate keep`) gives
    /// at most one. Works on any file.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use zidx_writer::{OnDuplicate, Options, Writer};
    /// let mut w = Writer::memory(Options::default().with_on_duplicate(OnDuplicate::Keep));
    /// for (k, v) in [("word", "doc1"), ("other", "doc9"), ("word", "doc7")] {
    ///     w.insert(k.as_bytes(), v.as_bytes())?;
    /// }
    /// let index = zidx::Index::from_bytes(w.finish()?)?;
    /// let docs: Vec<&[u8]> = index.get_all("word")?.collect::<Result<_, _>>()?;
    /// assert_eq!(docs, [&b"doc1"[..], b"doc7"]);
    /// assert_eq!(index.get(b"word")?, Some(&b"doc1"[..]));
    /// # Ok(()) }
    /// ```
    pub fn get_all(&self, key: impl AsRef<[u8]>) -> Result<Values<'_, S>, Error> {
        let key = key.as_ref();
        let at = self.find_record(key)?;
        Ok(Values {
            index: self,
            key: key.to_vec(),
            at: at.unwrap_or(0),
            remaining: match at {
                None => 0,
                Some(_) if self.layout().multi_value() => self.len(),
                Some(_) => 1,
            },
        })
    }
}

fn owned_bound<K: AsRef<[u8]> + ?Sized>(b: Bound<&K>) -> Bound<Vec<u8>> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Most bytes of a run loaded ahead of a seek's scan: 16 records of 256
/// bytes. Longer runs are scanned without it.
const RUN_PREFETCH: u64 = 4096;

/// Most bytes of a fence block loaded ahead of its binary search: a whole
/// block of the reference writer.
const BLOCK_PREFETCH: u64 = 4096;

/// Largest block that holds a single fence: the count, one offset, the
/// fence's fixed part and a 65,535-byte separator.
const MAX_SINGLE_FENCE_BLOCK: u64 = 2 + 2 + 10 + u16::MAX as u64;

/// The error for a run whose records do not end where the next run's
/// fence says it starts: damaged fences or records.
fn run_mismatch<S: Storage>(index: &Index<S>, run: u64, ends: u64, next: u64) -> Error {
    FormatError::Fences {
        offset: range_start(index),
        problem: format!(
            "run {run}'s records end at records offset {ends}, but the next run's fence says {next}"
        ),
    }
    .into()
}

/// Loads one byte of every 64-byte line of `file[start..end]`, so that the
/// lines' cache misses are in flight together; only their effect on the
/// cache matters.
fn touch_lines(file: &[u8], start: u64, end: u64) {
    let (Ok(start), Ok(end)) = (usize::try_from(start), usize::try_from(end)) else {
        return;
    };
    let lines = file.get(start..end.min(file.len())).unwrap_or_default();
    let mut touched = 0u8;
    for line in lines.chunks(64) {
        touched ^= line[0];
    }
    std::hint::black_box(touched);
}

impl<S: Storage> Index<S> {
    /// The checked key and value of the record at records offset `at`, and
    /// the next record's offset: straight from the slice when the file is
    /// in memory, else (or to report a problem) through the storage.
    #[inline]
    fn read_record(&self, at: u64) -> Result<(S::Bytes<'_>, S::Bytes<'_>, u64), Error> {
        let section = self.layout().records();
        let codec = self.codec();
        if let Some((key, value, next)) = self
            .storage()
            .resident()
            .and_then(|file| record_access::read_resident(file, section, codec, at))
        {
            let storage = self.storage();
            let read = |r: std::ops::Range<usize>| {
                storage.read_at(r.start as u64, (r.end - r.start) as u64)
            };
            if let (Ok(key), Ok(value)) = (read(key), read(value)) {
                return Ok((key, value, next));
            }
        }
        record_access::read(self.storage(), section, codec, at)
    }
}

/// File offset of the key fences, for errors.
fn range_start<S: Storage>(index: &Index<S>) -> u64 {
    index.layout().key_fences().map_or(0, |s| s.offset)
}

/// The smallest key greater than every key that starts with `prefix`:
/// `prefix` without its trailing `FF` bytes, its last byte incremented.
/// `None` when there is none (an empty or all-`FF` prefix).
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let keep = prefix.iter().rposition(|&b| b != 0xFF)?;
    let mut end = prefix[..=keep].to_vec();
    end[keep] += 1;
    Some(end)
}

/// The records of a key range, from [`Index::range`] and [`Index::prefix`]:
/// `(key, value)` pairs borrowed from the file, in key order, from either
/// end. After an error it yields nothing more.
pub struct KeyRange<'a, S: Storage> {
    index: &'a Index<S>,
    top: &'a FenceTop,
    /// The next record from the front.
    front: Position,
    /// One past the last record to yield, as an ordinal.
    back: u64,
    /// The offsets of the records of one run, for walking backwards.
    run_cache: Option<(u64, Vec<u64>)>,
    failed: bool,
    /// The range asked for: a record outside it means damaged fences, and
    /// is reported as such rather than yielded.
    bounds: (Bound<Vec<u8>>, Bound<Vec<u8>>),
    /// The ordinals of the range's first and last records, whose keys are
    /// compared with the bounds.
    ends: (u64, u64),
}

impl<S: Storage> std::fmt::Debug for KeyRange<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRange")
            .field("front", &self.front.ordinal)
            .field("back", &self.back)
            .finish_non_exhaustive()
    }
}

impl<'a, S: Storage> KeyRange<'a, S> {
    /// The ordinal (rank) of the next record from the front.
    pub fn position(&self) -> u64 {
        self.front.ordinal
    }

    fn fail(&mut self, e: Error) -> Option<<Self as Iterator>::Item> {
        self.failed = true;
        Some(Err(e))
    }

    /// An error if `key` lies outside the range asked for.
    ///
    /// Only the range's first and last records are compared: the records
    /// between them are in key order (SPEC.md §12.1), so they are inside
    /// the range when both ends are. That catches what damaged fences can
    /// do (start a range too early, end it too late) at the cost of two
    /// comparisons per range instead of one per record.
    fn check_bounds(&self, key: &[u8], ordinal: u64, at: u64) -> Result<(), Error> {
        if ordinal != self.ends.0 && ordinal != self.ends.1 {
            return Ok(());
        }
        // Both bounds, for both ends: in a range of one record, or one
        // whose last key is damaged, an end can fail either.
        let after_start = match &self.bounds.0 {
            Bound::Included(b) => key >= b.as_slice(),
            Bound::Excluded(b) => key > b.as_slice(),
            Bound::Unbounded => true,
        };
        let before_end = match &self.bounds.1 {
            Bound::Included(b) => key <= b.as_slice(),
            Bound::Excluded(b) => key < b.as_slice(),
            Bound::Unbounded => true,
        };
        if after_start && before_end {
            return Ok(());
        }
        Err(FormatError::Fences {
            offset: range_start(self.index),
            problem: format!(
                "a seek led to the record at records offset {at}, outside the range asked for"
            ),
        }
        .into())
    }

    /// The offset of the record with ordinal `ordinal`, through the offsets
    /// of its run.
    fn offset_of(&mut self, ordinal: u64) -> Result<u64, Error> {
        let k = self.top.run_len();
        let run = ordinal / k;
        let cached = matches!(&self.run_cache, Some((r, _)) if *r == run);
        if !cached {
            let index = self.index;
            let (mut at, end) = index.run_bounds(self.top, run)?;
            let section = index.layout().records();
            if let Some(file) = index.storage().resident() {
                let start = section.offset.saturating_add(at);
                let end = section
                    .offset
                    .saturating_add((at + RUN_PREFETCH).min(section.length));
                touch_lines(file, start, end);
            }
            let count = self.top.records_in_run(run);
            let mut offsets = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
            for _ in 0..count {
                offsets.push(at);
                at = record_access::locate(index.storage(), section, index.codec(), at)?.end;
            }
            // The walk must end where the next run starts: a fence pointing
            // at another run's records would otherwise repeat some records
            // and skip others.
            if at != end {
                return Err(run_mismatch(index, run, at, end));
            }
            self.run_cache = Some((run, offsets));
        }
        let offsets = self.run_cache.as_ref().map(|(_, o)| o.as_slice());
        offsets
            .and_then(|o| o.get(usize::try_from(ordinal - run * k).ok()?))
            .copied()
            .ok_or_else(|| {
                FormatError::Fences {
                    offset: range_start(self.index),
                    problem: format!("run {run} does not hold record {ordinal}"),
                }
                .into()
            })
    }
}

impl<'a, S: Storage> Iterator for KeyRange<'a, S> {
    type Item = Result<(S::Bytes<'a>, S::Bytes<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.front.ordinal >= self.back {
            return None;
        }
        let index = self.index;
        match index.read_record(self.front.at) {
            Ok((key, value, next)) => {
                if let Err(e) = self.check_bounds(key.as_ref(), self.front.ordinal, self.front.at) {
                    return self.fail(e);
                }
                self.front = Position {
                    ordinal: self.front.ordinal + 1,
                    at: next,
                };
                Some(Ok((key, value)))
            }
            Err(e) => self.fail(e),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.failed {
            0
        } else {
            self.back.saturating_sub(self.front.ordinal)
        };
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

impl<S: Storage> DoubleEndedIterator for KeyRange<'_, S> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.failed || self.front.ordinal >= self.back {
            return None;
        }
        let ordinal = self.back - 1;
        let index = self.index;
        let record = self.offset_of(ordinal).and_then(|at| {
            let (key, value, _) = index.read_record(at)?;
            self.check_bounds(key.as_ref(), ordinal, at)?;
            Ok((key, value))
        });
        match record {
            Ok((key, value)) => {
                self.back = ordinal;
                Some(Ok((key, value)))
            }
            Err(e) => self.fail(e),
        }
    }
}

impl<S: Storage> ExactSizeIterator for KeyRange<'_, S> {}

/// The values of one key, from [`Index::get_all`], in insertion order,
/// borrowed from the file. After an error it yields nothing more.
pub struct Values<'a, S: Storage> {
    index: &'a Index<S>,
    key: Vec<u8>,
    at: u64,
    /// Records left to look at; bounds the walk whatever the file says.
    remaining: u64,
}

impl<S: Storage> std::fmt::Debug for Values<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Values")
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl<'a, S: Storage> Iterator for Values<'a, S> {
    type Item = Result<S::Bytes<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let index = self.index;
        let section = index.layout().records();
        if self.at >= section.length {
            self.remaining = 0;
            return None;
        }
        match index.read_record(self.at) {
            Ok((key, value, next)) => {
                if key.as_ref() != self.key.as_slice() {
                    self.remaining = 0;
                    return None;
                }
                self.at = next;
                Some(Ok(value))
            }
            Err(e) => {
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_ends() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_end(b"a\xff\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_end(b"\xff"), None);
        assert_eq!(prefix_end(b""), None);
    }
}
