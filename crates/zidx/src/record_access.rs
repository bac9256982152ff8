//! Reading one record through [`Storage`]: the only place the reader turns
//! a records-section offset into a key and a value.

use zidx_format::{header_past_end, RecordExtent, RecordHeader, SectionInfo, RECORD_HEADER_SIZE};

use crate::error::Error;
use crate::storage::Storage;

/// Where the key and value of the record at `at` (an offset within the
/// records section) lie, checked against the section's end.
#[inline]
pub(crate) fn locate<S: Storage + ?Sized>(
    storage: &S,
    section: &SectionInfo,
    at: u64,
) -> Result<RecordExtent, Error> {
    let header_end = at.checked_add(RECORD_HEADER_SIZE as u64);
    if header_end.is_none_or(|end| end > section.length) {
        return Err(header_past_end(at, section.offset, section.length).into());
    }
    let raw = storage.read_at(section.offset + at, RECORD_HEADER_SIZE as u64)?;
    let head = RecordHeader::read(raw.as_ref())
        .ok_or_else(|| header_past_end(at, section.offset, section.length))?;
    Ok(head.locate(at, section.offset, section.length)?)
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

/// The key and value of the record at `at`, and the offset of the next one.
pub(crate) fn read<'s, S: Storage + ?Sized>(
    storage: &'s S,
    section: &SectionInfo,
    at: u64,
) -> Result<(S::Bytes<'s>, S::Bytes<'s>, u64), Error> {
    let extent = locate(storage, section, at)?;
    let next = extent.value.end;
    let key = bytes(storage, section, extent.key)?;
    let value = bytes(storage, section, extent.value)?;
    Ok((key, value, next))
}
