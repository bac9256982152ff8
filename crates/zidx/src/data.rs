use std::fmt;

/// The bytes behind an [`Index`](crate::Index) opened from a path: a
/// read-only memory map, or an owned buffer.
pub struct Data(pub(crate) Inner);

pub(crate) enum Inner {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Data {
    /// Whether the bytes are memory-mapped (as opposed to read into memory).
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Inner::Mapped(_))
    }
}

impl AsRef<[u8]> for Data {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            Inner::Mapped(m) => m,
            Inner::Owned(v) => v,
        }
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.is_mapped() { "mapped" } else { "owned" };
        write!(f, "Data({kind}, {} bytes)", self.as_ref().len())
    }
}
