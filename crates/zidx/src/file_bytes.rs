use std::fmt;

/// The bytes behind an [`Index`](crate::Index) opened from a path: a
/// read-only memory map, an owned buffer, or any other buffer the caller
/// supplies with [`FileBytes::custom`].
pub struct FileBytes(Inner);

enum Inner {
    Mapped(memmap2::Mmap),
    /// Anonymous memory holding a copy of the file ([`Index::load`](crate::Index::load)),
    /// and the file's length (the mapping is at least one byte).
    Anonymous(memmap2::Mmap, usize),
    Owned(Vec<u8>),
    /// A copy of the file in 64-byte-aligned blocks ([`Index::read`](crate::Index::read)),
    /// so that typed values lie at their alignment, and the file's length.
    Aligned(Vec<AlignedBlock>, usize),
    Custom(Box<dyn AsRef<[u8]> + Send + Sync>),
}

/// 64 bytes at a multiple of 64: the largest alignment a typed value may
/// ask for (SPEC.md §13.1).
#[derive(
    Clone,
    Copy,
    zerocopy::FromBytes,
    zerocopy::IntoBytes,
    zerocopy::Immutable,
    zerocopy::KnownLayout,
)]
#[repr(C, align(64))]
pub(crate) struct AlignedBlock([u8; 64]);

impl AlignedBlock {
    pub(crate) const ZERO: AlignedBlock = AlignedBlock([0; 64]);
}

impl FileBytes {
    pub(crate) fn mapped(map: memmap2::Mmap) -> FileBytes {
        FileBytes(Inner::Mapped(map))
    }

    pub(crate) fn anonymous(map: memmap2::Mmap, len: usize) -> FileBytes {
        FileBytes(Inner::Anonymous(map, len))
    }

    /// Bytes held in transparent huge pages in the memory region of this
    /// index (the kernel may merge it with neighbouring regions), from the
    /// kernel's accounting in `/proc/self/smaps` (Linux): for
    /// [`Index::load`](crate::Index::load), whether `MADV_HUGEPAGE` was
    /// granted; for a file mapping, whether the page cache used large
    /// folios. `None` where the kernel does not say.
    pub fn huge_page_bytes(&self) -> Option<u64> {
        let (start, field) = match &self.0 {
            Inner::Mapped(m) => (m.as_ptr() as usize, "FilePmdMapped:"),
            Inner::Anonymous(m, _) => (m.as_ptr() as usize, "AnonHugePages:"),
            _ => return None,
        };
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut in_region = false;
        for line in smaps.lines() {
            // A region header: `START-END perms offset dev inode path`. The
            // kernel may merge neighbouring mappings into one region, so
            // the region is the one containing the bytes' first address.
            if let Some((range, _)) = line.split_once(' ') {
                if let Some((from, to)) = range.split_once('-') {
                    let parse = |x: &str| usize::from_str_radix(x, 16).ok();
                    if let (Some(from), Some(to)) = (parse(from), parse(to)) {
                        in_region = (from..to).contains(&start);
                        continue;
                    }
                }
            }
            if in_region {
                if let Some(kb) = line.strip_prefix(field) {
                    let kb = kb.trim().trim_end_matches("kB").trim();
                    return kb.parse::<u64>().ok().map(|k| k * 1024);
                }
            }
        }
        None
    }

    pub(crate) fn aligned(blocks: Vec<AlignedBlock>, len: usize) -> FileBytes {
        FileBytes(Inner::Aligned(blocks, len))
    }

    /// Bytes already in memory. A `Vec<u8>` is aligned as the allocator
    /// chose (16 bytes with glibc): enough for typed values of up to that
    /// alignment; [`Index::read`](crate::Index::read) aligns to 64.
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
            Inner::Anonymous(m, len) => m.get(..*len).unwrap_or_default(),
            Inner::Owned(v) => v,
            Inner::Aligned(blocks, len) => zerocopy::IntoBytes::as_bytes(blocks.as_slice())
                .get(..*len)
                .unwrap_or_default(),
            Inner::Custom(c) => (**c).as_ref(),
        }
    }
}

impl fmt::Debug for FileBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.0 {
            Inner::Mapped(_) => "mapped",
            Inner::Anonymous(..) => "loaded",
            Inner::Owned(_) | Inner::Aligned(..) => "owned",
            Inner::Custom(_) => "custom",
        };
        write!(f, "FileBytes({kind}, {} bytes)", self.as_ref().len())
    }
}
