//! Records in the records section (SPEC.md §5).

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use core::ops::Range;

use crate::error::FormatError;

/// Size of [`RecordHeader`] in bytes.
pub const RECORD_HEADER_SIZE: usize = 6;
/// Longest key the format can store, in bytes.
pub const MAX_KEY_LEN: usize = u16::MAX as usize;
/// Longest value the format can store, in bytes.
pub const MAX_VALUE_LEN: usize = u32::MAX as usize;

/// The fixed header in front of every record's key and value bytes.
///
/// A record is `key_len: u16, value_len: u32, key, value`, with no padding,
/// so one lookup reads one contiguous run of bytes.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct RecordHeader {
    /// Length of the key in bytes.
    pub key_len: U16,
    /// Length of the value in bytes.
    pub value_len: U32,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<RecordHeader>() == RECORD_HEADER_SIZE);
    assert!(offset_of!(RecordHeader, key_len) == 0);
    assert!(offset_of!(RecordHeader, value_len) == 2);
};

impl RecordHeader {
    /// The header of a record with a key of `key_len` and a value of
    /// `value_len` bytes. The types are the format's limits
    /// ([`MAX_KEY_LEN`], [`MAX_VALUE_LEN`]).
    pub fn new(key_len: u16, value_len: u32) -> RecordHeader {
        RecordHeader {
            key_len: U16::new(key_len),
            value_len: U32::new(value_len),
        }
    }

    /// The header at the start of `bytes`, if there are enough of them.
    #[inline]
    pub fn read(bytes: &[u8]) -> Option<&RecordHeader> {
        RecordHeader::ref_from_prefix(bytes).ok().map(|(h, _)| h)
    }

    /// Total record length (header, key and value) in bytes.
    pub fn record_len(&self) -> u64 {
        RECORD_HEADER_SIZE as u64 + u64::from(self.key_len.get()) + u64::from(self.value_len.get())
    }
}

/// Where one record's key and value lie, as offsets within the records
/// section, after [`RecordHeader::locate`] checked them against its length.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordExtent {
    /// The key's bytes.
    pub key: Range<u64>,
    /// The value's bytes; `value.end` is where the next record starts.
    pub value: Range<u64>,
}

impl RecordHeader {
    /// Where the key and value of this header's record lie, for a record
    /// at offset `at` of a records section of `section_len` bytes that
    /// starts at file offset `section_offset` (for the error). A record that
    /// runs past the section is an error.
    #[inline]
    pub fn locate(
        &self,
        at: u64,
        section_offset: u64,
        section_len: u64,
    ) -> Result<RecordExtent, FormatError> {
        let key_start = at.saturating_add(RECORD_HEADER_SIZE as u64);
        let key_end = key_start.saturating_add(u64::from(self.key_len.get()));
        let value_end = key_end.saturating_add(u64::from(self.value_len.get()));
        if value_end > section_len {
            return Err(FormatError::Record {
                offset: section_offset.saturating_add(at),
                section_offset: at,
                problem: format!(
                    "key of {} bytes and value of {} bytes run past the end of the section ({section_len} bytes)",
                    self.key_len.get(),
                    self.value_len.get(),
                ),
            });
        }
        Ok(RecordExtent {
            key: key_start..key_end,
            value: key_end..value_end,
        })
    }
}

/// The error for a record header that does not fit in the section.
pub fn header_past_end(at: u64, section_offset: u64, section_len: u64) -> FormatError {
    FormatError::Record {
        offset: section_offset.saturating_add(at),
        section_offset: at,
        problem: format!(
            "record header ({RECORD_HEADER_SIZE} bytes) runs past the end of the section ({section_len} bytes)"
        ),
    }
}

/// Reads the record at `at` (an offset within `records`, the records
/// section's bytes, which start at absolute offset `section_offset`).
///
/// Returns the key, the value and the offset of the next record. Never
/// panics: a record that runs past the section is an error.
pub fn read_record(
    records: &[u8],
    section_offset: u64,
    at: u64,
) -> Result<(&[u8], &[u8], u64), FormatError> {
    let len = records.len() as u64;
    let head = usize::try_from(at)
        .ok()
        .and_then(|start| records.get(start..))
        .and_then(RecordHeader::read)
        .ok_or_else(|| header_past_end(at, section_offset, len))?;
    let extent = head.locate(at, section_offset, len)?;
    // Both ranges end at or before `len`, a usize, so they convert exactly.
    let range = |r: Range<u64>| {
        let start = usize::try_from(r.start).unwrap_or(usize::MAX);
        start..usize::try_from(r.end).unwrap_or(start)
    };
    let key = records.get(range(extent.key.clone())).unwrap_or_default();
    let value = records.get(range(extent.value.clone())).unwrap_or_default();
    Ok((key, value, extent.value.end))
}
