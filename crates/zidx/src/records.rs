use zidx_format::read_record;

use crate::error::Error;

/// Iterator over the records of an [`Index`](crate::Index) in stored order,
/// from [`Index::iter`](crate::Index::iter).
///
/// Yields at most the record count stored in the section table, so it ends
/// on any input; after yielding an error it yields nothing more.
#[derive(Debug, Clone)]
pub struct Records<'a> {
    bytes: &'a [u8],
    section_offset: u64,
    pos: u64,
    remaining: u64,
}

impl<'a> Records<'a> {
    pub(crate) fn new(bytes: &'a [u8], section_offset: u64, count: u64) -> Records<'a> {
        Records {
            bytes,
            section_offset,
            pos: 0,
            remaining: count,
        }
    }

    /// Offset within the records section of the next record.
    pub fn position(&self) -> u64 {
        self.pos
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<(&'a [u8], &'a [u8]), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        match read_record(self.bytes, self.section_offset, self.pos) {
            Ok((k, v, next)) => {
                self.pos = next;
                self.remaining -= 1;
                Some(Ok((k, v)))
            }
            Err(e) => {
                self.remaining = 0;
                Some(Err(e.into()))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, usize::try_from(self.remaining).ok())
    }
}
