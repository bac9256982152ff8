use zidx_format::{RecordCodec, SectionInfo};

use crate::error::Error;
use crate::file_bytes::FileBytes;
use crate::record_access;
use crate::storage::Storage;

/// Iterator over the records of an [`Index`](crate::Index) in stored order,
/// from [`Index::iter`](crate::Index::iter). In a file with record checks,
/// each record is checked before it is yielded.
///
/// Yields at most the record count stored in the section table, so it ends
/// on any input; after yielding an error it yields nothing more.
pub struct Records<'a, S: Storage + ?Sized = FileBytes> {
    storage: &'a S,
    section: &'a SectionInfo,
    codec: RecordCodec,
    pos: u64,
    remaining: u64,
}

impl<S: Storage + ?Sized> std::fmt::Debug for Records<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Records")
            .field("pos", &self.pos)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<S: Storage + ?Sized> Clone for Records<'_, S> {
    fn clone(&self) -> Self {
        Records { ..*self }
    }
}

impl<'a, S: Storage + ?Sized> Records<'a, S> {
    pub(crate) fn new(
        storage: &'a S,
        section: &'a SectionInfo,
        codec: RecordCodec,
    ) -> Records<'a, S> {
        Records {
            storage,
            section,
            codec,
            pos: 0,
            remaining: section.item_count,
        }
    }

    /// Offset within the records section of the next record.
    pub fn position(&self) -> u64 {
        self.pos
    }
}

impl<'a, S: Storage + ?Sized> Iterator for Records<'a, S> {
    type Item = Result<(S::Bytes<'a>, S::Bytes<'a>), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        match record_access::read(self.storage, self.section, self.codec, self.pos) {
            Ok((k, v, next)) => {
                self.pos = next;
                self.remaining -= 1;
                Some(Ok((k, v)))
            }
            Err(e) => {
                self.remaining = 0;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, usize::try_from(self.remaining).ok())
    }
}
