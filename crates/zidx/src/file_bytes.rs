use std::fmt;

/// The bytes behind an [`Index`](crate::Index) opened from a path: a
/// read-only memory map, an owned buffer, or any other buffer the caller
/// supplies with [`FileBytes::custom`].
pub struct FileBytes(Inner);

enum Inner {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
    Custom(Box<dyn AsRef<[u8]> + Send + Sync>),
}

impl FileBytes {
    pub(crate) fn mapped(map: memmap2::Mmap) -> FileBytes {
        FileBytes(Inner::Mapped(map))
    }

    /// Bytes already in memory.
    pub fn owned(bytes: Vec<u8>) -> FileBytes {
        FileBytes(Inner::Owned(bytes))
    }

    /// Any buffer, for example a mapping made by the caller with options of
    /// its own, behind one type: an `Index<FileBytes>` then serves files opened
    /// every way.
    pub fn custom(bytes: Box<dyn AsRef<[u8]> + Send + Sync>) -> FileBytes {
        FileBytes(Inner::Custom(bytes))
    }

    /// Whether the bytes were memory-mapped by [`Index::open`](crate::Index::open).
    pub fn is_mapped(&self) -> bool {
        matches!(self.0, Inner::Mapped(_))
    }
}

impl From<Vec<u8>> for FileBytes {
    fn from(bytes: Vec<u8>) -> FileBytes {
        FileBytes::owned(bytes)
    }
}

impl AsRef<[u8]> for FileBytes {
    #[inline]
    fn as_ref(&self) -> &[u8] {
        match &self.0 {
            Inner::Mapped(m) => m,
            Inner::Owned(v) => v,
            Inner::Custom(c) => (**c).as_ref(),
        }
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            Inner::Mapped(_) => "mapped",
            Inner::Owned(_) => "owned",
            Inner::Custom(_) => "custom",
        };
        write!(f, "FileBytes({kind}, {} bytes)", self.as_ref().len())
    }
}
