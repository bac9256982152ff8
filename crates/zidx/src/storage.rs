//! Where an index's bytes come from.

use std::ops::Range;

use zidx_format::FormatError;

use crate::error::Error;

/// Random access to the bytes of an index file, by offset and length: the
/// one interface the parser, the probe and the iterators read through.
///
/// Every `AsRef<[u8]>` (a mapping, a `Vec<u8>`, a `&[u8]`, [`FileBytes`](crate::FileBytes))
/// is a `Storage` whose reads are sub-slices: zero-copy, no allocation, one
/// bounds check. A backend that does not hold the file in memory (HTTP range
/// requests, an object store) implements `read_at` by fetching bytes, and
/// returns an owned or shared buffer as [`Storage::Bytes`]; the parse and
/// probe code is the same for both.
///
/// Reads never exceed the file length the parser validated, so a backend
/// may treat an out-of-range read as an error.
pub trait Storage {
    /// The bytes one read returns: `&[u8]` for storage in memory.
    type Bytes<'a>: AsRef<[u8]>
    where
        Self: 'a;

    /// Length of the file in bytes.
    fn file_len(&self) -> u64;

    /// Bytes `offset..offset + len` of the file.
    fn read_at(&self, offset: u64, len: u64) -> Result<Self::Bytes<'_>, Error>;

    /// The whole file, when the backend holds it in memory: lets bulk work
    /// (`verify`) walk it directly. `None` (the default) for backends that
    /// read on demand.
    fn resident(&self) -> Option<&[u8]> {
        None
    }

    /// Tells the backend that these ranges will be read soon, so that it can
    /// start fetching them together (memory loads for resident storage,
    /// coalesced requests for remote storage). The default does nothing.
    fn prefetch(&self, ranges: &[Range<u64>]) {
        let _ = ranges;
    }
}

impl<T: AsRef<[u8]> + ?Sized> Storage for T {
    type Bytes<'a>
        = &'a [u8]
    where
        T: 'a;

    #[inline]
    fn file_len(&self) -> u64 {
        self.as_ref().len() as u64
    }

    #[inline]
    fn read_at(&self, offset: u64, len: u64) -> Result<&[u8], Error> {
        let bytes = self.as_ref();
        offset
            .checked_add(len)
            .and_then(|end| {
                let start = usize::try_from(offset).ok()?;
                let end = usize::try_from(end).ok()?;
                bytes.get(start..end)
            })
            .ok_or_else(|| {
                FormatError::Truncated {
                    what: "read",
                    start: offset,
                    end: offset.saturating_add(len),
                    len: bytes.len() as u64,
                }
                .into()
            })
    }

    #[inline]
    fn resident(&self) -> Option<&[u8]> {
        Some(self.as_ref())
    }

    /// Loads one byte of each range, so that the cache and TLB misses of a
    /// batch are in flight together rather than one after another.
    #[inline]
    fn prefetch(&self, ranges: &[Range<u64>]) {
        let bytes = self.as_ref();
        let mut touched = 0u8;
        for r in ranges {
            let at = usize::try_from(r.start).unwrap_or(usize::MAX);
            touched ^= bytes.get(at).copied().unwrap_or(0);
        }
        // The loads matter only for their cache effects; black_box keeps the
        // compiler from dropping them.
        std::hint::black_box(touched);
    }
}
