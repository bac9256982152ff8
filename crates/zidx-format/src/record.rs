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
    /// The value's bytes.
    pub value: Range<u64>,
    /// Where the next record starts: `value.end`, plus 4 when records
    /// carry a check (which lies in `value.end..end`).
    pub end: u64,
}

impl RecordHeader {
    /// Where the key and value of this header's record lie, for a record
    /// at offset `at` of a records section of `section_len` bytes that
    /// starts at file offset `section_offset` (for the error). A record that
    /// runs past the section is an error.
    /// `codec` says whether a check follows the value.
    #[inline]
    pub fn locate(
        &self,
        codec: RecordCodec,
        at: u64,
        section_offset: u64,
        section_len: u64,
    ) -> Result<RecordExtent, FormatError> {
        let key_start = at.saturating_add(RECORD_HEADER_SIZE as u64);
        let key_end = key_start.saturating_add(u64::from(self.key_len.get()));
        let value_end = key_end.saturating_add(u64::from(self.value_len.get()));
        let end = value_end.saturating_add(codec.trailer() as u64);
        if end > section_len {
            let check = if codec.checked() {
                " and its check"
            } else {
                ""
            };
            return Err(FormatError::Record {
                offset: section_offset.saturating_add(at),
                section_offset: at,
                problem: format!(
                    "key of {} bytes and value of {} bytes{check} run past the end of the section ({section_len} bytes)",
                    self.key_len.get(),
                    self.value_len.get(),
                ),
            });
        }
        Ok(RecordExtent {
            key: key_start..key_end,
            value: key_end..value_end,
            end,
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
/// panics: a record that runs past the section, or whose check (under
/// `codec`) does not match, is an error.
pub fn read_record(
    records: &[u8],
    codec: RecordCodec,
    section_offset: u64,
    at: u64,
) -> Result<(&[u8], &[u8], u64), FormatError> {
    let len = records.len() as u64;
    let head = usize::try_from(at)
        .ok()
        .and_then(|start| records.get(start..))
        .and_then(RecordHeader::read)
        .ok_or_else(|| header_past_end(at, section_offset, len))?;
    let extent = head.locate(codec, at, section_offset, len)?;
    // Both ranges end at or before `len`, a usize, so they convert exactly.
    let range = |r: Range<u64>| {
        let start = usize::try_from(r.start).unwrap_or(usize::MAX);
        start..usize::try_from(r.end).unwrap_or(start)
    };
    if codec.checked() {
        let covered = records.get(range(at..extent.value.end)).unwrap_or_default();
        let check = records
            .get(range(extent.value.end..extent.end))
            .unwrap_or_default();
        codec.verify(covered, check, at, section_offset)?;
    }
    let key = records.get(range(extent.key.clone())).unwrap_or_default();
    let value = records.get(range(extent.value.clone())).unwrap_or_default();
    Ok((key, value, extent.end))
}

/// Size of the check that follows every record of a file with
/// `RECORD_CHECKSUMS` set (SPEC.md §12.4).
pub const RECORD_CHECK_SIZE: usize = 4;

/// The check of a record (SPEC.md §12.4): the low 32 bits of XXH3-64 of
/// its header, key and value bytes, `covered`.
#[inline]
pub fn record_check(covered: &[u8]) -> u32 {
    // The low half of the 64-bit hash, as the spec defines it.
    #[allow(clippy::cast_possible_truncation)]
    let low = xxhash_rust::xxh3::xxh3_64(covered) as u32;
    low
}

/// How records are laid out in one file: with or without the trailing
/// check of SPEC.md §12.4. Every reader and writer path asks it for record
/// lengths, so the two layouts are defined here once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordCodec {
    checked: bool,
}

impl RecordCodec {
    /// Records without a check (formats 1.0 and 1.1, and 1.2 files without
    /// `RECORD_CHECKSUMS`).
    pub const PLAIN: RecordCodec = RecordCodec { checked: false };
    /// Records followed by a 4-byte check.
    pub const CHECKED: RecordCodec = RecordCodec { checked: true };

    /// The codec for files whose `RECORD_CHECKSUMS` bit is `checked`.
    pub const fn new(checked: bool) -> RecordCodec {
        RecordCodec { checked }
    }

    /// Whether records carry a check.
    #[inline]
    pub const fn checked(self) -> bool {
        self.checked
    }

    /// Bytes of a record besides its key and value: 6, or 10 with a check.
    #[inline]
    pub const fn overhead(self) -> u64 {
        if self.checked {
            (RECORD_HEADER_SIZE + RECORD_CHECK_SIZE) as u64
        } else {
            RECORD_HEADER_SIZE as u64
        }
    }

    /// Bytes after the value: 0, or 4 for the check.
    #[inline]
    pub const fn trailer(self) -> usize {
        if self.checked {
            RECORD_CHECK_SIZE
        } else {
            0
        }
    }

    /// Total length of the record `head` starts.
    #[inline]
    pub fn record_len(self, head: &RecordHeader) -> u64 {
        head.record_len() + self.trailer() as u64
    }

    /// Checks the record whose header, key and value are `covered` and
    /// whose next bytes are `check` (empty for plain records), at records
    /// offset `at` of a section at file offset `section_offset`.
    #[inline]
    pub fn verify(
        self,
        covered: &[u8],
        check: &[u8],
        at: u64,
        section_offset: u64,
    ) -> Result<(), FormatError> {
        if !self.checked || !crate::checksum::CHECKSUMS_ENFORCED {
            return Ok(());
        }
        let stored = check
            .get(..RECORD_CHECK_SIZE)
            .and_then(|b| <[u8; RECORD_CHECK_SIZE]>::try_from(b).ok())
            .map_or(0, u32::from_le_bytes);
        let computed = record_check(covered);
        if stored == computed {
            Ok(())
        } else {
            Err(FormatError::RecordChecksum {
                offset: section_offset.saturating_add(at),
                section_offset: at,
                stored,
                computed,
            })
        }
    }
}
