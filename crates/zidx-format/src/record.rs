//! Records in the records section (SPEC.md §5).

use zerocopy::little_endian::{U16, U32};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

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
    /// Total record length (header, key and value) in bytes.
    pub fn record_len(&self) -> u64 {
        RECORD_HEADER_SIZE as u64 + u64::from(self.key_len.get()) + u64::from(self.value_len.get())
    }
}
