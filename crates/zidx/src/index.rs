use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use zidx_format::{
    fingerprint, home_slot, key_hash, read_record, FormatError, Layout, Slot, HEADER_SIZE,
};

use crate::data::{Data, Inner};
use crate::error::Error;
use crate::mmap::map_read_only;
use crate::records::Records;
use crate::stats::HashStats;

/// An open zidx index.
///
/// `D` is where the bytes live: [`Data`] for files opened with
/// [`Index::open`] or [`Index::read`], or any `AsRef<[u8]>` passed to
/// [`Index::from_bytes`]. An `Index` is immutable, so it is `Send + Sync`
/// whenever `D` is, and one instance serves any number of threads.
#[derive(Debug)]
pub struct Index<D = Data> {
    data: D,
    layout: Layout,
    records: Range<usize>,
    slots: Range<usize>,
}

impl Index<Data> {
    /// Opens the index at `path` by memory-mapping it.
    ///
    /// Checks the header, the section table and the hash parameters (and the
    /// header's file length against the mapped length); touches nothing else.
    ///
    /// # Memory-mapping hazard
    ///
    /// A mapping is only as stable as the file behind it. If another program
    /// **writes into or truncates** the file while this `Index` is alive, the
    /// bytes this process sees change underneath borrowed `&[u8]` values, and
    /// reading a page past a truncation kills the process with `SIGBUS`. Rust
    /// cannot rule this out for files other processes can open, which is why
    /// `memmap2::Mmap::map` is `unsafe` (see RUSTSEC advisory
    /// GHSA-mj73-j457-8x9q about a crate that hid it behind a safe function).
    ///
    /// zidx's choice: this function is safe to call, and its contract is that
    /// index files are never modified in place. zidx's own writer keeps that
    /// contract: it writes a new file and atomically renames it over the old
    /// one, which leaves existing mappings intact (they keep the old inode),
    /// so rebuilding an index under live readers is safe. Copying a file over
    /// an index in place (`cp new.zidx live.zidx`, `dd`, truncation) breaks
    /// it. When you cannot rule that out (network filesystems, files from
    /// other people), use [`Index::read`], which copies the file into memory.
    pub fn open(path: impl AsRef<Path>) -> Result<Index<Data>, Error> {
        let path = path.as_ref();
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        // Too short to be an index: read it so the parser reports exactly why,
        // and avoid mapping empty files, which some platforms refuse.
        let data = if len < HEADER_SIZE as u64 {
            Data(Inner::Owned(read_all(file, len).map_err(io_err)?))
        } else {
            Data(Inner::Mapped(map_read_only(&file).map_err(io_err)?))
        };
        Index::from_bytes(data)
    }

    /// Opens the index at `path` by reading the whole file into memory.
    ///
    /// Slower to open than [`Index::open`] and uses memory for the whole file,
    /// but immune to the file changing afterwards.
    pub fn read(path: impl AsRef<Path>) -> Result<Index<Data>, Error> {
        let path = path.as_ref();
        let io_err = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_err)?;
        let len = file.metadata().map_err(io_err)?.len();
        Index::from_bytes(Data(Inner::Owned(read_all(file, len).map_err(io_err)?)))
    }
}

/// The probe of SPEC.md §6.4: the offsets of the slots at displacement `d`
/// from `home` with a matching fingerprint, for d = 0, 1, ..., stopping at
/// an empty slot, at a record closer to its home than `d`, or after
/// `max_d`. At most 255 slots, whatever the file says.
struct Candidates<'s> {
    slots: &'s [u8],
    home: u64,
    d: u64,
    max_d: u64,
    fp: u8,
}

impl Iterator for Candidates<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        while self.d <= self.max_d {
            let d = self.d;
            let slot = Slot::read(self.slots, self.home.saturating_add(d));
            let sd = u64::from(slot.displacement_byte());
            // An empty slot (255), or a record closer to its home than we
            // are to ours, means every record with our home has been passed.
            if sd == 255 || sd < d {
                self.d = self.max_d.saturating_add(1);
                return None;
            }
            self.d += 1;
            if sd == d && slot.fingerprint() == self.fp {
                return Some(slot.offset());
            }
        }
        None
    }
}

fn read_all(mut file: File, len_hint: u64) -> std::io::Result<Vec<u8>> {
    // The hint sizes the first allocation only; `read_to_end` grows as needed
    // if the file changed length since we asked.
    let mut buf = Vec::with_capacity(usize::try_from(len_hint).unwrap_or(0));
    file.read_to_end(&mut buf)?;
    Ok(buf)
}

impl<D: AsRef<[u8]>> Index<D> {
    /// Parses an index held in memory. The buffer may start at any alignment.
    ///
    /// ```
    /// let err = zidx::Index::from_bytes(&b"not an index"[..]).unwrap_err();
    /// assert!(err.to_string().contains("truncated"));
    /// ```
    pub fn from_bytes(data: D) -> Result<Index<D>, Error> {
        let layout = Layout::parse(data.as_ref())?;
        let records = layout.records.range();
        let slots = layout.hash_slots.range();
        Ok(Index {
            data,
            layout,
            records,
            slots,
        })
    }

    /// Looks up `key`: `Ok(Some(value))` borrowed from the file, `Ok(None)`
    /// when absent, and `Err` only when the bytes consulted are corrupt.
    ///
    /// Reads at most `max_displacement + 1` slots, which are contiguous, and
    /// one record per slot whose 8-bit fingerprint matches (on average
    /// about one record for a hit and 1/256 of one for a miss).
    #[inline]
    pub fn get(&self, key: &[u8]) -> Result<Option<&[u8]>, Error> {
        if self.layout.slot_count == 0 {
            return Ok(None);
        }
        let hash = key_hash(key, self.layout.seed);
        self.get_hashed(key, hash)
    }

    /// Looks up many keys, overlapping their memory accesses: the slots of a
    /// group of keys are requested before any is inspected, then their
    /// records, so cache and TLB misses are served in parallel instead of one
    /// after another. Results go to `out` (cleared first) in the order of
    /// `keys`. Same results as calling [`get`](Index::get) for each key.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// # let path = dir.path().join("t.zidx");
    /// # let mut w = zidx_writer::Writer::create(&path, Default::default())?;
    /// # w.insert(b"a", b"1")?;
    /// # w.finish()?;
    /// let index = zidx::Index::open(&path)?;
    /// let mut out = Vec::new();
    /// index.get_many(&[&b"a"[..], b"b"], &mut out)?;
    /// assert_eq!(out, [Some(&b"1"[..]), None]);
    /// # Ok(()) }
    /// ```
    pub fn get_many<'a, K: AsRef<[u8]>>(
        &'a self,
        keys: &[K],
        out: &mut Vec<Option<&'a [u8]>>,
    ) -> Result<(), Error> {
        // Each stage issues up to GROUP independent loads from a short loop,
        // so they fit in the CPU's reorder window together and their cache
        // and TLB misses overlap; a small group would leave memory-level
        // parallelism unused, a large one evicts its own lines.
        const GROUP: usize = 32;
        out.clear();
        out.reserve(keys.len());
        if self.layout.slot_count == 0 {
            out.extend(keys.iter().map(|_| None));
            return Ok(());
        }
        let slots = self.slots_bytes();
        let records = self.records_bytes();
        let mut hashes = [0u64; GROUP];
        let mut homes = [0u64; GROUP];
        let mut candidates = [u64::MAX; GROUP];
        for group in keys.chunks(GROUP) {
            let n = group.len();
            // Stage 1: hash every key (no loads but the keys themselves).
            for ((h, home), key) in hashes.iter_mut().zip(homes.iter_mut()).zip(group) {
                *h = key_hash(key.as_ref(), self.layout.seed);
                *home = home_slot(*h, self.layout.slot_count);
            }
            // Stage 2: load every home slot.
            let mut touched = 0u64;
            for &home in &homes[..n] {
                touched ^= Slot::read(slots, home).0;
            }
            // Stage 3: find each key's first candidate record (slots now
            // cached), then load every candidate record.
            for ((c, &h), &home) in candidates.iter_mut().zip(&hashes[..n]).zip(&homes[..n]) {
                *c = self.first_candidate(slots, h, home).unwrap_or(u64::MAX);
            }
            for &c in &candidates[..n] {
                let at = usize::try_from(c).unwrap_or(usize::MAX);
                touched ^= u64::from(records.get(at).copied().unwrap_or(0));
            }
            // The loads above matter only for their cache effects; black_box
            // keeps the compiler from dropping them.
            std::hint::black_box(touched);
            // Stage 4: the real lookups, served from cache.
            for (&h, key) in hashes.iter().zip(group) {
                out.push(self.get_hashed(key.as_ref(), h)?);
            }
        }
        Ok(())
    }

    /// The records a lookup of `hash` must compare, in probe order.
    #[inline]
    fn candidates<'s>(&self, slots: &'s [u8], hash: u64, home: u64) -> Candidates<'s> {
        Candidates {
            slots,
            home,
            d: 0,
            max_d: u64::from(self.layout.max_displacement),
            fp: fingerprint(hash),
        }
    }

    /// Offset of the first record whose slot matches `hash`'s home and
    /// fingerprint, without reading any record.
    fn first_candidate(&self, slots: &[u8], hash: u64, home: u64) -> Option<u64> {
        self.candidates(slots, hash, home).next()
    }

    #[inline]
    fn get_hashed(&self, key: &[u8], hash: u64) -> Result<Option<&[u8]>, Error> {
        let home = home_slot(hash, self.layout.slot_count);
        for offset in self.candidates(self.slots_bytes(), hash, home) {
            let (k, v) = self.record_at(offset)?;
            if k == key {
                return Ok(Some(v));
            }
        }
        Ok(None)
    }

    /// The record at `offset` within the records section.
    pub(crate) fn record_at(&self, offset: u64) -> Result<(&[u8], &[u8]), FormatError> {
        let records = self.records_bytes();
        read_record(records, self.layout.records.offset, offset).map(|(k, v, _)| (k, v))
    }

    pub(crate) fn records_bytes(&self) -> &[u8] {
        self.data
            .as_ref()
            .get(self.records.clone())
            .unwrap_or_default()
    }

    pub(crate) fn slots_bytes(&self) -> &[u8] {
        self.data
            .as_ref()
            .get(self.slots.clone())
            .unwrap_or_default()
    }

    /// Number of records.
    pub fn len(&self) -> u64 {
        self.layout.record_count()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates over every record in stored order (the order they were
    /// inserted). Yields `Err` once and stops if a record is corrupt.
    pub fn iter(&self) -> Records<'_> {
        Records::new(
            self.records_bytes(),
            self.layout.records.offset,
            self.layout.record_count(),
        )
    }

    /// The validated header and section table.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.data.as_ref()
    }

    /// The backing storage.
    pub fn data(&self) -> &D {
        &self.data
    }

    /// Load factor and probe lengths of the hash table (reads every slot).
    pub fn hash_stats(&self) -> HashStats {
        HashStats::compute(self.slots_bytes(), &self.layout)
    }
}

impl<'a, D: AsRef<[u8]>> IntoIterator for &'a Index<D> {
    type Item = Result<(&'a [u8], &'a [u8]), Error>;
    type IntoIter = Records<'a>;
    fn into_iter(self) -> Records<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Index>();
        check::<Index<Vec<u8>>>();
        check::<Index<&[u8]>>();
    }
}
