//! The lookup of SPEC.md §6.4 over bytes already in memory (a mapping or a
//! buffer): the probe of [`crate::probe`] and the record read of
//! [`crate::record_access`], in fewer instructions.
//!
//! Why a second path: a warm lookup mostly waits for two cache misses (the
//! slot, then the record). The CPU overlaps the misses of consecutive
//! lookups only while the instructions between them fit in its
//! out-of-order window, so each instruction on the path costs throughput
//! (`zidx-bench costs` shows it). The general path reads the slots, the
//! record header, the key and the value through [`Storage::read_at`], each
//! with its own checks and error values. Here the sections are slices taken
//! once, and whatever the general path would report as an error (a record
//! running past its section) makes this one return [`Fallback`], so that
//! the general path runs and reports it. A test compares the two on valid
//! and corrupted files.
//!
//! [`Storage::read_at`]: crate::Storage::read_at

use std::ops::Range;

use zidx_format::{
    fingerprint, home_slot, FileLayout, RecordCodec, Slot, EMPTY_DISPLACEMENT, SLOT_SIZE,
};

/// The byte ranges the in-memory path reads, fixed when the index opens.
#[derive(Debug, Clone)]
pub(crate) struct ResidentLayout {
    slots: Range<usize>,
    records: Range<usize>,
    slot_count: u64,
    /// Bytes of the window of `max_displacement + 1` slots.
    window_len: usize,
    /// The records' layout: with a check after each value, or not.
    codec: RecordCodec,
}

/// Loads one byte at each of `offsets` (those inside `file`), so that a
/// batch's cache and TLB misses are in flight together; the loads matter
/// only for their effect on the caches.
#[inline]
pub(crate) fn touch(file: &[u8], offsets: &[usize]) {
    let mut touched = 0u8;
    for &at in offsets {
        touched ^= file.get(at).copied().unwrap_or(0);
    }
    std::hint::black_box(touched);
}

/// The in-memory path did not answer; the general path will.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fallback;

impl ResidentLayout {
    /// The in-memory view of `layout`, when its ranges fit in `usize`.
    pub(crate) fn new(layout: &FileLayout) -> Option<ResidentLayout> {
        let range = |offset: u64, length: u64| -> Option<Range<usize>> {
            let start = usize::try_from(offset).ok()?;
            Some(start..start.checked_add(usize::try_from(length).ok()?)?)
        };
        let window_slots = usize::try_from(layout.max_displacement()).ok()? + 1;
        Some(ResidentLayout {
            slots: range(layout.hash_slots().offset, layout.hash_slots().length)?,
            records: range(layout.records().offset, layout.records().length)?,
            slot_count: layout.slot_count(),
            window_len: window_slots.checked_mul(SLOT_SIZE)?,
            codec: layout.record_codec(),
        })
    }

    /// The file offset of `hash`'s home slot, for a batch to touch before
    /// probing.
    #[inline]
    pub(crate) fn home_at(&self, hash: u64) -> usize {
        let home = usize::try_from(home_slot(hash, self.slot_count)).unwrap_or(usize::MAX);
        self.slots
            .start
            .saturating_add(home.saturating_mul(SLOT_SIZE))
    }

    /// The file offset of the first candidate record's header for `hash`:
    /// `Ok(None)` when the probe ends without one (the key is absent), and
    /// `Err` when anything is out of place (the general path then finds
    /// out what).
    #[inline]
    pub(crate) fn candidate_at(&self, file: &[u8], hash: u64) -> Result<Option<usize>, Fallback> {
        let slots = file.get(self.slots.clone()).ok_or(Fallback)?;
        let start = usize::try_from(home_slot(hash, self.slot_count))
            .map_err(|_| Fallback)?
            .checked_mul(SLOT_SIZE)
            .ok_or(Fallback)?;
        let window = slots
            .get(start..start.saturating_add(self.window_len))
            .ok_or(Fallback)?;
        let fp = fingerprint(hash);
        for (d, raw) in window.chunks_exact(SLOT_SIZE).enumerate() {
            let slot = Slot::from_bytes(raw).ok_or(Fallback)?;
            let stored = usize::from(slot.displacement_byte());
            if stored == usize::from(EMPTY_DISPLACEMENT) || stored < d {
                return Ok(None);
            }
            if stored == d && slot.fingerprint() == fp {
                let at = usize::try_from(slot.offset()).map_err(|_| Fallback)?;
                return self.records.start.checked_add(at).map(Some).ok_or(Fallback);
            }
        }
        Ok(None)
    }

    /// The file offsets of the last bytes of the key and the value of the
    /// record whose header is at file offset `at`, if they lie in the file.
    #[inline]
    pub(crate) fn ends_at(&self, file: &[u8], at: usize) -> Option<[usize; 2]> {
        let (key_len, value_len) = self.codec.lengths(file.get(at..self.records.end)?)?;
        let spans = self.codec.spans(key_len, value_len);
        let key_end = at.checked_add(usize::try_from(spans.key_end).ok()?)?;
        let end = at.checked_add(usize::try_from(spans.end).ok()?)?;
        Some([key_end.saturating_sub(1), end.saturating_sub(1)])
    }

    /// Where the value of `key` (whose hash is `hash`) lies in `file`:
    /// `Ok(None)` when the key is absent.
    #[inline]
    pub(crate) fn find(
        &self,
        file: &[u8],
        key: &[u8],
        hash: u64,
    ) -> Result<Option<Range<usize>>, Fallback> {
        let slots = file.get(self.slots.clone()).ok_or(Fallback)?;
        let records = file.get(self.records.clone()).ok_or(Fallback)?;
        // home < slot_count, and the table holds slot_count +
        // max_displacement slots (checked at open), so the window is inside
        // it; `get` keeps that a checked fact rather than an assumption.
        let home = usize::try_from(home_slot(hash, self.slot_count)).map_err(|_| Fallback)?;
        let start = home.checked_mul(SLOT_SIZE).ok_or(Fallback)?;
        let window = slots
            .get(start..start.saturating_add(self.window_len))
            .ok_or(Fallback)?;
        let fp = fingerprint(hash);
        for (d, raw) in window.chunks_exact(SLOT_SIZE).enumerate() {
            let slot = Slot::from_bytes(raw).ok_or(Fallback)?;
            let stored = usize::from(slot.displacement_byte());
            // An empty slot, or a record closer to its home than we are to
            // ours: every record with our home has been passed.
            if stored == usize::from(EMPTY_DISPLACEMENT) || stored < d {
                return Ok(None);
            }
            if stored != d || slot.fingerprint() != fp {
                continue;
            }
            let at = usize::try_from(slot.offset()).map_err(|_| Fallback)?;
            let record = records.get(at..).ok_or(Fallback)?;
            let (key_len, value_len) = self.codec.lengths(record).ok_or(Fallback)?;
            let spans = self.codec.spans(key_len, value_len);
            // Saturated spans are past any record, so the check below
            // sends them to the general path.
            let end = usize::try_from(spans.end).map_err(|_| Fallback)?;
            if end > record.len() {
                return Err(Fallback);
            }
            let [key_start, key_end, value_start, value_end] = [
                spans.key_start,
                spans.key_end,
                spans.value_start,
                spans.value_end,
            ]
            .map(|n| usize::try_from(n).unwrap_or(end));
            let found = record.get(key_start..key_end) == Some(key);
            // A damaged record, ours or a candidate whose key may be ours
            // damaged, is for the general path to report.
            if self
                .codec
                .verify(&record[..value_end], &record[value_end..end], 0, 0)
                .is_err()
            {
                return Err(Fallback);
            }
            if found {
                let base = self.records.start + at;
                return Ok(Some(base + value_start..base + value_end));
            }
        }
        Ok(None)
    }
}
