//! Records in the records section (SPEC.md §5).

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use core::ops::Range;

use crate::error::FormatError;
use crate::schema::ValueLayout;

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
/// section, after [`RecordCodec::locate`] checked them against its length.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordExtent {
    /// The key's bytes.
    pub key: Range<u64>,
    /// The value's bytes.
    pub value: Range<u64>,
    /// Where the next record starts: `value.end`, plus 4 when records
    /// carry a check (which lies at `value.end`), plus the padding of a
    /// typed record.
    pub end: u64,
}

/// The error for a record header that does not fit in the section.
pub fn header_past_end(
    codec: RecordCodec,
    at: u64,
    section_offset: u64,
    section_len: u64,
) -> FormatError {
    FormatError::Record {
        offset: section_offset.saturating_add(at),
        section_offset: at,
        problem: format!(
            "record header ({} bytes) runs past the end of the section ({section_len} bytes)",
            codec.head_len()
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
        .unwrap_or_default();
    let extent = codec.locate(head, at, section_offset, len)?;
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
/// check of SPEC.md §12.4, and plain (§5) or typed (§13.3). Every reader
/// and writer path asks it for record lengths, so the layouts are defined
/// here once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordCodec {
    checked: bool,
    typed: Option<ValueLayout>,
}

/// The offsets of a record's parts from its start (see [`RecordCodec::spans`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordSpans {
    /// Where the key starts.
    pub key_start: u64,
    /// Where the key ends.
    pub key_end: u64,
    /// Where the value starts (after a typed record's padding).
    pub value_start: u64,
    /// Where the value ends; the check, if any, starts here.
    pub value_end: u64,
    /// Where the record ends: the next record's start.
    pub end: u64,
}

/// `n` rounded up to a multiple of `align` (a power of two), saturating.
#[inline]
const fn align_up(n: u64, align: u64) -> u64 {
    match n.checked_add(align - 1) {
        Some(v) => v & !(align - 1),
        None => !(align - 1),
    }
}

/// Size of a typed record's header: the key length.
pub const TYPED_HEADER_SIZE: usize = 2;

impl RecordCodec {
    /// Records without a check (formats 1.0 and 1.1, and 1.2 files without
    /// `RECORD_CHECKSUMS`).
    pub const PLAIN: RecordCodec = RecordCodec {
        checked: false,
        typed: None,
    };
    /// Records followed by a 4-byte check.
    pub const CHECKED: RecordCodec = RecordCodec {
        checked: true,
        typed: None,
    };

    /// The codec for files whose `RECORD_CHECKSUMS` bit is `checked`.
    pub const fn new(checked: bool) -> RecordCodec {
        RecordCodec {
            checked,
            typed: None,
        }
    }

    /// This codec for typed records of `layout` (SPEC.md §13.3), or plain
    /// ones with `None`.
    pub const fn with_typed(self, layout: Option<ValueLayout>) -> RecordCodec {
        RecordCodec {
            checked: self.checked,
            typed: layout,
        }
    }

    /// Whether records carry a check.
    #[inline]
    pub const fn checked(self) -> bool {
        self.checked
    }

    /// The fixed value layout of typed records.
    #[inline]
    pub const fn typed(self) -> Option<ValueLayout> {
        self.typed
    }

    /// Bytes of the header before the key: 6, or 2 for typed records.
    #[inline]
    pub const fn head_len(self) -> usize {
        if self.typed.is_some() {
            TYPED_HEADER_SIZE
        } else {
            RECORD_HEADER_SIZE
        }
    }

    /// Bytes after the value: 0, or 4 for the check (before a typed
    /// record's trailing padding).
    #[inline]
    pub const fn trailer(self) -> usize {
        if self.checked {
            RECORD_CHECK_SIZE
        } else {
            0
        }
    }

    /// The fewest bytes a record takes: with an empty key (and an empty
    /// value, unless typed). The records section holds at least this many
    /// per record.
    pub const fn min_record_len(self) -> u64 {
        self.spans(0, 0).end
    }

    /// Where the parts of a record with a key of `key_len` and a value of
    /// `value_len` bytes lie, from the record's start (saturating: callers
    /// compare `end` with the section's length). A typed record's value is
    /// always the schema's size, whatever `value_len` says.
    #[inline]
    pub const fn spans(self, key_len: u64, value_len: u64) -> RecordSpans {
        let head = self.head_len() as u64;
        let key_end = head.saturating_add(key_len);
        let trailer = self.trailer() as u64;
        match self.typed {
            None => {
                let value_end = key_end.saturating_add(value_len);
                RecordSpans {
                    key_start: head,
                    key_end,
                    value_start: key_end,
                    value_end,
                    end: value_end.saturating_add(trailer),
                }
            }
            Some(layout) => {
                let align = layout.align() as u64;
                let value_start = align_up(key_end, align);
                let value_end = value_start.saturating_add(layout.size() as u64);
                RecordSpans {
                    key_start: head,
                    key_end,
                    value_start,
                    value_end,
                    end: align_up(value_end.saturating_add(trailer), align),
                }
            }
        }
    }

    /// The key and value lengths the header at the start of `head` gives,
    /// if it holds a whole header.
    #[inline]
    pub fn lengths(self, head: &[u8]) -> Option<(u64, u64)> {
        match self.typed {
            None => RecordHeader::read(head)
                .map(|h| (u64::from(h.key_len.get()), u64::from(h.value_len.get()))),
            Some(layout) => {
                let len = head.get(..TYPED_HEADER_SIZE)?;
                Some((
                    u64::from(u16::from_le_bytes([len[0], len[1]])),
                    u64::from(layout.size()),
                ))
            }
        }
    }

    /// Total length of a record with these key and value lengths.
    #[inline]
    pub const fn record_len(self, key_len: u64, value_len: u64) -> u64 {
        self.spans(key_len, value_len).end
    }

    /// Where the key and value of the record whose bytes start `head` lie,
    /// for a record at offset `at` of a records section of `section_len`
    /// bytes that starts at file offset `section_offset` (for the error).
    /// A header cut short, or a record that runs past the section, is an
    /// error.
    #[inline]
    pub fn locate(
        self,
        head: &[u8],
        at: u64,
        section_offset: u64,
        section_len: u64,
    ) -> Result<RecordExtent, FormatError> {
        let (key_len, value_len) = self
            .lengths(head)
            .ok_or_else(|| header_past_end(self, at, section_offset, section_len))?;
        let spans = self.spans(key_len, value_len);
        let end = at.saturating_add(spans.end);
        if end > section_len {
            let check = if self.checked { " and its check" } else { "" };
            return Err(FormatError::Record {
                offset: section_offset.saturating_add(at),
                section_offset: at,
                problem: format!(
                    "key of {key_len} bytes and value of {value_len} bytes{check} run past the end of the section ({section_len} bytes)",
                ),
            });
        }
        Ok(RecordExtent {
            key: at + spans.key_start..at + spans.key_end,
            value: at + spans.value_start..at + spans.value_end,
            end,
        })
    }

    /// Appends the record of `key` and `value` to `out`: header, key,
    /// padding, value, check. The caller has checked the lengths against
    /// the format's limits (and, for typed records, the value's size).
    pub fn encode(self, key: &[u8], value: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        let spans = self.spans(key.len() as u64, value.len() as u64);
        // Lengths were checked by the caller, so they fit their fields.
        let key_len = u16::try_from(key.len()).unwrap_or(u16::MAX);
        match self.typed {
            None => out.extend_from_slice(
                RecordHeader::new(key_len, u32::try_from(value.len()).unwrap_or(u32::MAX))
                    .as_bytes(),
            ),
            Some(_) => out.extend_from_slice(&key_len.to_le_bytes()),
        }
        out.extend_from_slice(key);
        let pad = usize::try_from(spans.value_start - spans.key_end).unwrap_or(0);
        out.resize(out.len() + pad, 0);
        out.extend_from_slice(value);
        if self.checked {
            let check = record_check(&out[start..]);
            out.extend_from_slice(&check.to_le_bytes());
        }
        let end = start + usize::try_from(spans.end).unwrap_or(0);
        if out.len() < end {
            out.resize(end, 0);
        }
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
