//! Reading one record through [`Storage`]: the only place the reader turns
//! a records-section offset into a key and a value, and checks the record's
//! check when the file has them (SPEC.md §12.4).

use zidx_format::{header_past_end, RecordCodec, RecordExtent, SectionInfo};

use crate::error::Error;
use crate::storage::Storage;

/// Where the key and value of the record at `at` (an offset within the
/// records section) lie, checked against the section's end. Does not
/// compare the record's check: [`verify`] does.
#[inline]
pub(crate) fn locate<S: Storage + ?Sized>(
    storage: &S,
    section: &SectionInfo,
    codec: RecordCodec,
    at: u64,
) -> Result<RecordExtent, Error> {
    let head_len = codec.head_len() as u64;
    let header_end = at.checked_add(head_len);
    if header_end.is_none_or(|end| end > section.length) {
        return Err(header_past_end(codec, at, section.offset, section.length).into());
    }
    let raw = storage.read_at(section.offset + at, head_len)?;
    Ok(codec.locate(raw.as_ref(), at, section.offset, section.length)?)
}

/// Compares the check of the record at `at`, which [`locate`] found at
/// `extent`, with its bytes; nothing to do for records without checks.
#[inline]
pub(crate) fn verify<S: Storage + ?Sized>(
    storage: &S,
    section: &SectionInfo,
    codec: RecordCodec,
    at: u64,
    extent: &RecordExtent,
) -> Result<(), Error> {
    if !codec.checked() {
        return Ok(());
    }
    let covered = bytes(storage, section, at..extent.value.end)?;
    let check = bytes(storage, section, extent.value.end..extent.end)?;
    Ok(codec.verify(covered.as_ref(), check.as_ref(), at, section.offset)?)
}

/// The bytes of `range`, a range of the records section that [`locate`]
/// returned.
#[inline]
pub(crate) fn bytes<'s, S: Storage + ?Sized>(
    storage: &'s S,
    section: &SectionInfo,
    range: std::ops::Range<u64>,
) -> Result<S::Bytes<'s>, Error> {
    let len = range.end - range.start;
    let offset = section.offset + range.start;
    let bytes = storage.read_at(offset, len)?;
    // A backend that returns fewer bytes must not shorten a value silently.
    let found = bytes.as_ref().len() as u64;
    if found != len {
        return Err(Error::ShortRead {
            offset,
            expected: len,
            found,
        });
    }
    Ok(bytes)
}

/// The key and value of the record at `at`, checked, and the offset of the
/// next one.
pub(crate) fn read<'s, S: Storage + ?Sized>(
    storage: &'s S,
    section: &SectionInfo,
    codec: RecordCodec,
    at: u64,
) -> Result<(S::Bytes<'s>, S::Bytes<'s>, u64), Error> {
    let extent = locate(storage, section, codec, at)?;
    verify(storage, section, codec, at, &extent)?;
    let next = extent.end;
    let key = bytes(storage, section, extent.key)?;
    let value = bytes(storage, section, extent.value)?;
    Ok((key, value, next))
}

/// The record at `at` read straight from `file`, the whole file in memory
/// (`Storage::resident`): the file ranges of its key and value and the
/// offset of the next record, checked as [`read`] checks them. `None` when
/// anything is out of place (a record past the section's end, a check that
/// does not match): [`read`] then reports what.
#[inline]
pub(crate) fn read_resident(
    file: &[u8],
    section: &SectionInfo,
    codec: RecordCodec,
    at: u64,
) -> Option<(std::ops::Range<usize>, std::ops::Range<usize>, u64)> {
    let base = usize::try_from(section.offset).ok()?;
    let len = usize::try_from(section.length).ok()?;
    let records = file.get(base..base.checked_add(len)?)?;
    let start = usize::try_from(at).ok()?;
    let record = records.get(start..)?;
    let (key_len, value_len) = codec.lengths(record)?;
    let spans = codec.spans(key_len, value_len);
    let end = usize::try_from(spans.end).ok()?;
    if end > record.len() {
        return None;
    }
    // All below `end`, which fits in usize.
    let [key_start, key_end, value_start, value_end] = [
        spans.key_start,
        spans.key_end,
        spans.value_start,
        spans.value_end,
    ]
    .map(|n| usize::try_from(n).unwrap_or(end));
    if codec.checked() {
        codec
            .verify(
                &record[..value_end],
                &record[value_end..end],
                at,
                section.offset,
            )
            .ok()?;
    }
    let abs = base + start;
    Some((
        abs + key_start..abs + key_end,
        abs + value_start..abs + value_end,
        at + end as u64,
    ))
}
