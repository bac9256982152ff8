use std::fs::File;
use std::io::Read;
use std::ops::Range;
use std::path::Path;

use zidx_format::{home_slot, FileLayout, KeyHasher, RecordCodec, SLOT_SIZE};

use crate::error::Error;
use crate::file_bytes::FileBytes;
use crate::mmap::map_read_only;
use crate::probe::Probe;
use crate::record_access;
use crate::records::Records;
use crate::resident::{self, Fallback, ResidentLayout};
use crate::stats::HashStats;
use crate::storage::Storage;

/// An open zidx index.
///
/// `S` is where the bytes live: [`FileBytes`] for files opened with
/// [`Index::open`] or [`Index::read`], any `AsRef<[u8]>` passed to
/// [`Index::from_bytes`], or any other [`Storage`] passed to
/// [`Index::from_storage`]. An `Index` is immutable, so it is `Send + Sync`
/// whenever `S` is, and one instance serves any number of threads.
#[derive(Debug)]
pub struct Index<S = FileBytes> {
    storage: S,
    layout: FileLayout,
    hasher: KeyHasher,
    /// Set when the storage holds the file in memory: lookups then take
    /// the in-memory path first.
    resident: Option<ResidentLayout>,
    codec: RecordCodec,
    /// The top level of `key_fences`, parsed on the first ordered query.
    pub(crate) fences:
        std::sync::OnceLock<Result<zidx_format::fences::FenceTop, zidx_format::FormatError>>,
}

/// Slots and records up to this size are looked up one key at a time by
/// [`Index::get_many`]: they sit in the cache, where overlapping memory
/// accesses gains nothing. Half the benchmark machine's 32 MiB L3, and
/// below the L3 of most server CPUs.
const CACHE_RESIDENT_BYTES: u64 = 16 << 20;

/// The result of one key of [`Index::get_many`]: what [`Index::get`] gives,
/// with the (rare) error boxed, so that a batch's results stay small (24
/// bytes each for in-memory storage) and cheap to write and read.
pub type Lookup<'a, S> = Result<Option<<S as Storage>::Bytes<'a>>, Box<Error>>;

impl Index<FileBytes> {
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
    pub fn open(path: impl AsRef<Path>) -> Result<Index<FileBytes>, Error> {
        let path = path.as_ref();
        let (file, len) = open_file(path)?;
        // Too short to be an index: read it so the parser reports exactly why,
        // and avoid mapping empty files, which some platforms refuse.
        let data = if len < zidx_format::HEADER_SIZE as u64 {
            FileBytes::owned(read_all(file, len).map_err(|e| io_error(path, e))?)
        } else {
            FileBytes::mapped(map_read_only(&file).map_err(|e| io_error(path, e))?)
        };
        Index::from_bytes(data)
    }

    /// Opens the index at `path` by reading the whole file into memory.
    ///
    /// Slower to open than [`Index::open`] and uses memory for the whole file,
    /// but immune to the file changing afterwards. The header and section
    /// table are checked (against the file's real length) before anything
    /// else is read, so a sparse or forged file that claims to be huge is
    /// refused, or fails to allocate with an error, instead of being read.
    pub fn read(path: impl AsRef<Path>) -> Result<Index<FileBytes>, Error> {
        let path = path.as_ref();
        let (file, len) = open_file(path)?;
        FileLayout::read_from(len, |offset, buf: &mut [u8]| {
            read_exact_at(&file, offset, buf).map_err(|e| io_error(path, e))
        })?;
        let too_large = || Error::OutOfMemory {
            bytes: len,
            purpose: "the file's bytes",
        };
        // Read into 64-byte-aligned blocks, so that typed values lie at
        // their alignment (SPEC.md §13.2), with room for one byte past the
        // checked length: a file that grew since is caught by the parser's
        // length check, and nothing is read without bound.
        let size = usize::try_from(len)
            .ok()
            .and_then(|n| n.checked_add(1))
            .ok_or_else(too_large)?;
        let mut blocks = Vec::new();
        blocks
            .try_reserve_exact(size.div_ceil(64))
            .map_err(|_| too_large())?;
        blocks.resize(size.div_ceil(64), crate::file_bytes::AlignedBlock::ZERO);
        let buf = zerocopy::IntoBytes::as_mut_bytes(blocks.as_mut_slice());
        let buf = buf.get_mut(..size).unwrap_or_default();
        let mut filled = 0;
        while filled < buf.len() {
            match (&file).read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(path, e)),
            }
        }
        Index::from_bytes(FileBytes::aligned(blocks, filled))
    }
}

impl Index<FileBytes> {
    /// Opens the index at `path` for the fastest lookups ("hot mode"): reads
    /// the whole file into anonymous memory advised `MADV_HUGEPAGE`, so that
    /// where the kernel grants 2 MiB pages a TLB entry covers 512 times more
    /// of the index than with the page cache's 4 KiB pages.
    /// [`FileBytes::huge_page_bytes`] tells how much was obtained.
    ///
    /// Like [`Index::read`], it checks the header and section table before
    /// reading anything else, and is immune to the file changing afterwards;
    /// it costs the file's size in memory and a read of the whole file.
    pub fn load(path: impl AsRef<Path>) -> Result<Index<FileBytes>, Error> {
        let path = path.as_ref();
        let (mut file, len) = open_file(path)?;
        FileLayout::read_from(len, |offset, buf: &mut [u8]| {
            read_exact_at(&file, offset, buf).map_err(|e| io_error(path, e))
        })?;
        let size = usize::try_from(len).map_err(|_| Error::OutOfMemory {
            bytes: len,
            purpose: "the file's bytes",
        })?;
        let mut map = memmap2::MmapMut::map_anon(size.max(1)).map_err(|_| Error::OutOfMemory {
            bytes: len,
            purpose: "the file's bytes",
        })?;
        // Advice is an optimisation: a kernel without transparent huge pages
        // serves the same bytes with small pages.
        #[cfg(target_os = "linux")]
        let _ = map.advise(memmap2::Advice::HugePage);
        let buf = map.get_mut(..size).unwrap_or_default();
        file.read_exact(buf).map_err(|e| io_error(path, e))?;
        let map = map.make_read_only().map_err(|e| io_error(path, e))?;
        Index::from_bytes(FileBytes::anonymous(map, size))
    }
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens `path` for reading; returns the file and its length. Refuses
/// anything but a regular file: reading `/dev/zero` or a FIFO would never
/// end.
pub(crate) fn open_file(path: &Path) -> Result<(File, u64), Error> {
    // Look before opening: opening a FIFO for reading blocks until a writer
    // comes. The check after opening catches a swap in between.
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            kind: file_kind(&meta.file_type()),
        });
    }
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let meta = file.metadata().map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            kind: file_kind(&meta.file_type()),
        });
    }
    Ok((file, meta.len()))
}

fn file_kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(mut file: &File, offset: u64, buf: &mut [u8]) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(buf)
}

/// The bytes of a file shorter than a header (`len_hint` < 128).
pub(crate) fn read_all(file: File, len_hint: u64) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(usize::try_from(len_hint).unwrap_or(0));
    file.take(len_hint.saturating_add(1))
        .read_to_end(&mut buf)?;
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
        Index::from_storage(data)
    }

    /// The underlying bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.storage.as_ref()
    }
}

impl<S: Storage> Index<S> {
    /// Opens an index whose bytes `storage` gives access to. Reads the
    /// header, the section table and the hash parameters (for files from the
    /// reference writer, the first 352 bytes) and nothing else.
    pub fn from_storage(storage: S) -> Result<Index<S>, Error> {
        let layout = FileLayout::read_from(storage.file_len(), |offset, buf: &mut [u8]| {
            let bytes = storage.read_at(offset, buf.len() as u64)?;
            let bytes = bytes.as_ref();
            if bytes.len() != buf.len() {
                return Err(Error::ShortRead {
                    offset,
                    expected: buf.len() as u64,
                    found: bytes.len() as u64,
                });
            }
            buf.copy_from_slice(bytes);
            Ok(())
        })?;
        let hasher = layout.key_hasher();
        let resident = storage
            .resident()
            .and_then(|_| ResidentLayout::new(&layout));
        let codec = layout.record_codec();
        Ok(Index {
            storage,
            layout,
            hasher,
            resident,
            codec,
            fences: std::sync::OnceLock::new(),
        })
    }

    /// Looks up `key`: `Ok(Some(value))` borrowed from the file, `Ok(None)`
    /// when absent, and `Err` only when the bytes consulted are corrupt.
    ///
    /// Reads the run of at most `max_displacement + 1` contiguous slots that
    /// starts at the key's home, and one record per slot whose 8-bit
    /// fingerprint matches (on average about one record for a hit and 1/256
    /// of one for a miss).
    #[inline]
    pub fn get(&self, key: &[u8]) -> Result<Option<S::Bytes<'_>>, Error> {
        if self.layout.slot_count() == 0 {
            return Ok(None);
        }
        self.get_hashed(key, self.hasher.hash(key))
    }

    /// [`get`](Index::get) for a key whose hash is known: the in-memory
    /// path first when the storage allows it, else (or when it cannot
    /// answer) the general one.
    #[inline]
    fn get_hashed(&self, key: &[u8], hash: u64) -> Result<Option<S::Bytes<'_>>, Error> {
        if let (Some(fast), Some(file)) = (&self.resident, self.storage.resident()) {
            match fast.find(file, key, hash) {
                Ok(None) => return Ok(None),
                Ok(Some(value)) => {
                    let len = (value.end - value.start) as u64;
                    return self.storage.read_at(value.start as u64, len).map(Some);
                }
                Err(Fallback) => {}
            }
        }
        let mut probe = self.probe(hash)?;
        self.resolve(key, &mut probe, None)
    }

    /// Looks up many keys, overlapping their memory accesses: the slots of a
    /// group of keys are requested before any is inspected, then their
    /// records, so cache and TLB misses (or, for remote storage, requests)
    /// are served together instead of one after another. Each key is probed
    /// once. An index in memory small enough to stay in the cache (slots
    /// and records up to 16 MiB) is looked up key by key, which is as fast
    /// there; storage that reads on demand always takes the staged path.
    ///
    /// `out` is cleared, then gets one result per key, in the order of
    /// `keys`: the same result [`get`](Index::get) gives for that key (its
    /// error boxed: see [`Lookup`]). A corrupt record makes its key's result
    /// an `Err` and leaves every other key's result as it would be.
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
    /// index.get_many(&[&b"a"[..], b"b"], &mut out);
    /// assert_eq!(out[0].as_ref().ok(), Some(&Some(&b"1"[..])));
    /// assert_eq!(out[1].as_ref().ok(), Some(&None));
    /// # Ok(()) }
    /// ```
    pub fn get_many<'a, K: AsRef<[u8]>>(&'a self, keys: &[K], out: &mut Vec<Lookup<'a, S>>) {
        // Each stage issues up to GROUP independent loads from a short loop,
        // so they fit in the CPU's reorder window together and their cache
        // and TLB misses overlap; a small group would leave memory-level
        // parallelism unused, a large one evicts its own lines.
        const GROUP: usize = 32;
        out.clear();
        out.reserve(keys.len());
        if self.layout.slot_count() == 0 {
            out.extend(keys.iter().map(|_| Ok(None)));
            return;
        }
        // An index whose slots and records fit in the last-level cache
        // gains nothing from overlapping misses it does not have, and the
        // stages cost a little. Measured with a mapped file on a machine
        // with a 32 MiB L3: at 35k records (5 MB) the staged loop took 70
        // ns per hit against 43 for `get`; at 300k (41 MB) 104 against 239,
        // and 39 against 46 per miss.
        let hot_bytes = self.layout.hash_slots().length + self.layout.records().length;
        // Storage that reads on demand (remote storage) always takes the
        // staged path: its prefetches are what batch a group's requests.
        if hot_bytes <= CACHE_RESIDENT_BYTES && self.storage.resident().is_some() {
            out.extend(keys.iter().map(|k| self.get(k.as_ref()).map_err(Box::new)));
            return;
        }
        if let (Some(fast), Some(file)) = (&self.resident, self.storage.resident()) {
            return self.get_many_resident::<GROUP, K>(fast, file, keys, out);
        }
        self.get_many_staged::<GROUP, K>(keys, out);
    }

    /// [`get_many`](Index::get_many)'s stages over storage that reads on
    /// demand: each stage asks [`Storage::prefetch`] for what the next one
    /// reads.
    fn get_many_staged<'a, const GROUP: usize, K: AsRef<[u8]>>(
        &'a self,
        keys: &[K],
        out: &mut Vec<Lookup<'a, S>>,
    ) {
        let section = self.layout.records();
        let records_base = section.offset;
        let mut hashes = [0u64; GROUP];
        let mut ranges: Vec<Range<u64>> = Vec::with_capacity(GROUP);
        // Each key's probe, with its first candidate already taken; `None`
        // when its slots could not be read (stage 3 reads them again for
        // the error, which is rare, so the common case stays small).
        type Started<'a, S> = Option<(Probe<<S as Storage>::Bytes<'a>>, Option<u64>)>;
        let mut probes: Vec<Started<'a, S>> = Vec::with_capacity(GROUP);
        for group in keys.chunks(GROUP) {
            // Stage 1: hash every key, and ask for its run of slots (the
            // window `probe` reads; memory storage touches its first byte).
            ranges.clear();
            let window = (u64::from(self.layout.max_displacement()) + 1) * SLOT_SIZE as u64;
            for (h, key) in hashes.iter_mut().zip(group) {
                *h = self.hasher.hash(key.as_ref());
                let home = self.slot_offset(home_slot(*h, self.layout.slot_count()));
                ranges.push(home..home + window);
            }
            self.storage.prefetch(&ranges);
            // Stage 2: probe each key's slots (now arriving) to its first
            // candidate record, and ask for every candidate.
            probes.clear();
            ranges.clear();
            for &h in &hashes[..group.len()] {
                let probe = self.probe(h).ok().map(|mut p| {
                    let first = p.next();
                    (p, first)
                });
                if let Some((_, Some(at))) = &probe {
                    ranges.push(records_base + at..records_base + at + 1);
                }
                probes.push(probe);
            }
            self.storage.prefetch(&ranges);
            // Stage 3: with the candidates' headers arriving, ask for the
            // ends of their keys and values, which a record longer than a
            // cache line keeps on other lines: otherwise each would be
            // one more miss, taken one key at a time in stage 4.
            ranges.clear();
            for (_, first) in probes.iter().flatten() {
                if let Some(extent) = first.and_then(|at| {
                    record_access::locate(&self.storage, section, self.codec(), at).ok()
                }) {
                    let ends = [extent.key.end, extent.end];
                    ranges.extend(ends.map(|end| {
                        let last = records_base + end.saturating_sub(1);
                        last..last + 1
                    }));
                }
            }
            self.storage.prefetch(&ranges);
            // Stage 4: compare the candidates, going on down a probe only
            // when a fingerprint matched another key.
            for ((probe, key), &h) in probes.drain(..).zip(group).zip(&hashes) {
                let result = match probe {
                    // The probe ended without a candidate: absent.
                    Some((_, None)) => Ok(None),
                    Some((mut p, first)) => self.resolve(key.as_ref(), &mut p, first),
                    None => self
                        .probe(h)
                        .and_then(|mut p| self.resolve(key.as_ref(), &mut p, None)),
                };
                out.push(result.map_err(Box::new));
            }
        }
    }

    /// [`get_many`](Index::get_many)'s stages over storage that holds the
    /// file in memory: the loads of each stage are plain reads of the
    /// slices, and the last stage is [`get_hashed`](Index::get_hashed) over
    /// lines that are now in the cache.
    fn get_many_resident<'a, const GROUP: usize, K: AsRef<[u8]>>(
        &'a self,
        fast: &ResidentLayout,
        file: &[u8],
        keys: &[K],
        out: &mut Vec<Lookup<'a, S>>,
    ) {
        let mut hashes = [0u64; GROUP];
        let mut at = [0usize; GROUP];
        let mut candidates = [Ok(None::<usize>); GROUP];
        let mut ends = Vec::with_capacity(2 * GROUP);
        for group in keys.chunks(GROUP) {
            // Stage 1: hash every key, and touch its home slot.
            for ((h, a), key) in hashes.iter_mut().zip(&mut at).zip(group) {
                *h = self.hasher.hash(key.as_ref());
                *a = fast.home_at(*h);
            }
            resident::touch(file, &at[..group.len()]);
            // Stage 2: probe to the first candidate, and touch its header.
            let mut n = 0;
            for (c, &h) in candidates.iter_mut().zip(&hashes[..group.len()]) {
                *c = fast.candidate_at(file, h);
                if let Ok(Some(c)) = *c {
                    at[n] = c;
                    n += 1;
                }
            }
            resident::touch(file, &at[..n]);
            // Stage 3: touch the last bytes of each candidate's key and
            // value, which a record longer than a line keeps elsewhere.
            ends.clear();
            for c in &candidates[..group.len()] {
                if let Ok(Some(c)) = *c {
                    ends.extend(fast.ends_at(file, c).into_iter().flatten());
                }
            }
            resident::touch(file, &ends);
            // Stage 4: the lookups themselves, on cached lines.
            for ((key, &h), c) in group.iter().zip(&hashes).zip(&candidates) {
                let result = match c {
                    // The probe ended without a candidate: absent.
                    Ok(None) => Ok(None),
                    // A candidate to compare (a different key with the same
                    // fingerprint sends the probe on), or something out of
                    // place, which the general path reports.
                    _ => self.get_hashed(key.as_ref(), h),
                };
                out.push(result.map_err(Box::new));
            }
        }
    }

    /// File offset of slot `i`.
    #[inline]
    fn slot_offset(&self, i: u64) -> u64 {
        self.layout.hash_slots().offset + i * SLOT_SIZE as u64
    }

    /// The probe for `hash`: the slots from its home up to the largest
    /// displacement, read at once.
    #[inline]
    fn probe(&self, hash: u64) -> Result<Probe<S::Bytes<'_>>, Error> {
        let home = home_slot(hash, self.layout.slot_count());
        // home < slot_count and the table holds slot_count + max_displacement
        // slots (checked at open), so the window lies inside it.
        let window = (u64::from(self.layout.max_displacement()) + 1) * SLOT_SIZE as u64;
        let slots = self.storage.read_at(self.slot_offset(home), window)?;
        Ok(Probe::new(slots, hash))
    }

    /// Follows `probe` (whose next candidate, if already taken, is `first`)
    /// until a record's key is `key`; returns its value.
    #[inline]
    fn resolve<'s>(
        &'s self,
        key: &[u8],
        probe: &mut Probe<S::Bytes<'s>>,
        first: Option<u64>,
    ) -> Result<Option<S::Bytes<'s>>, Error> {
        Ok(self
            .resolve_record(key, probe, first)?
            .map(|(_, value)| value))
    }

    /// [`resolve`](Index::resolve), returning the record's offset too.
    /// In a file with record checks, the record found is checked, and so
    /// is every candidate whose key differs (its fingerprint matched, so
    /// its key may be ours, damaged): a damaged record is an error, not a
    /// miss.
    #[inline]
    fn resolve_record<'s>(
        &'s self,
        key: &[u8],
        probe: &mut Probe<S::Bytes<'s>>,
        first: Option<u64>,
    ) -> Result<Option<(u64, S::Bytes<'s>)>, Error> {
        let section = self.layout.records();
        let codec = self.codec();
        let mut candidate = match first {
            Some(at) => Some(at),
            None => probe.next(),
        };
        while let Some(at) = candidate {
            let extent = record_access::locate(&self.storage, section, codec, at)?;
            let stored = record_access::bytes(&self.storage, section, extent.key.clone())?;
            let found = stored.as_ref() == key;
            record_access::verify(&self.storage, section, codec, at, &extent)?;
            if found {
                let value = record_access::bytes(&self.storage, section, extent.value)?;
                return Ok(Some((at, value)));
            }
            candidate = probe.next();
        }
        Ok(None)
    }

    /// The offset of the record `key` leads to through the hash index
    /// (with several values per key, the first of its group).
    pub(crate) fn find_record(&self, key: &[u8]) -> Result<Option<u64>, Error> {
        if self.layout.slot_count() == 0 {
            return Ok(None);
        }
        let mut probe = self.probe(self.hasher.hash(key))?;
        Ok(self
            .resolve_record(key, &mut probe, None)?
            .map(|(at, _)| at))
    }

    /// How the file's records are laid out.
    #[inline]
    pub(crate) fn codec(&self) -> RecordCodec {
        self.codec
    }

    /// Number of records.
    pub fn len(&self) -> u64 {
        self.layout.record_count()
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Iterates over every record in stored order: the order they were
    /// inserted, or key order in an ordered file. Yields `Err` once and
    /// stops if a record is corrupt (or, in a file with record checks,
    /// damaged).
    pub fn iter(&self) -> Records<'_, S> {
        Records::new(&self.storage, self.layout.records(), self.codec)
    }

    /// The index's key hash (its function and seed).
    pub fn key_hasher(&self) -> &KeyHasher {
        &self.hasher
    }

    /// The validated header and section table.
    pub fn layout(&self) -> &FileLayout {
        &self.layout
    }

    /// The backing storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// Load factor and probe lengths of the hash table. Reads every slot of
    /// a table up to 8 MiB, and an evenly spaced 8 MiB sample of a larger
    /// one ([`HashStats::slots_read`] says which).
    pub fn hash_stats(&self) -> Result<HashStats, Error> {
        HashStats::compute(&self.storage, &self.layout)
    }
}

impl<'a, S: Storage> IntoIterator for &'a Index<S> {
    type Item = Result<(S::Bytes<'a>, S::Bytes<'a>), Error>;
    type IntoIter = Records<'a, S>;
    fn into_iter(self) -> Records<'a, S> {
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

    /// Reads by copying and does not offer the file as one slice, so that
    /// `get_many` takes its general staged path.
    struct OnDemand(Vec<u8>);

    impl Storage for OnDemand {
        type Bytes<'a> = Vec<u8>;
        fn file_len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
            self.0.as_slice().read_at(offset, len).map(<[u8]>::to_vec)
        }
    }

    fn answers<B: AsRef<[u8]>>(results: Vec<Result<Option<B>, Box<Error>>>) -> Vec<String> {
        results
            .into_iter()
            .map(|r| match r {
                Ok(v) => format!("{:?}", v.map(|v| v.as_ref().to_vec())),
                Err(e) => format!("error: {e}"),
            })
            .collect()
    }

    fn gets<S: Storage>(index: &Index<S>, keys: &[Vec<u8>]) -> Vec<String> {
        answers(
            keys.iter()
                .map(|k| index.get(k).map_err(Box::new))
                .collect(),
        )
    }

    proptest::proptest! {
        /// Both staged loops of `get_many` (used above 16 MiB, called here
        /// directly on small files) answer each key as `get` does, on
        /// valid files and on files with overwritten bytes.
        #[test]
        fn staged_get_many_answers_as_get(
            n in 1u32..400,
            flips in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 0..6),
            absent in 0u32..40,
        ) {
            let mut w = zidx_writer::Writer::memory(Default::default());
            for i in 0..n {
                let value = vec![u8::try_from(i % 251).unwrap_or(0); (i as usize * 7) % 150];
                w.insert(format!("key-{i}").as_bytes(), &value).unwrap();
            }
            let mut file = w.finish().unwrap();
            // Past the header, section table and hash parameters, which
            // open checks.
            for (at, byte) in flips {
                let i = 352 + at.index(file.len() - 352);
                file[i] = byte;
            }
            let keys: Vec<Vec<u8>> = (0..n + absent)
                .map(|i| format!("key-{i}").into_bytes())
                .collect();
            let (Ok(resident), Ok(general)) =
                (Index::from_bytes(file.clone()), Index::from_storage(OnDemand(file)))
            else {
                return Ok(());
            };
            let expected = gets(&resident, &keys);
            proptest::prop_assert_eq!(&gets(&general, &keys), &expected);
            let mut out = Vec::new();
            let (Some(fast), Some(bytes)) = (&resident.resident, resident.storage.resident()) else {
                return Err(proptest::test_runner::TestCaseError::fail("not resident"));
            };
            resident.get_many_resident::<4, _>(fast, bytes, &keys, &mut out);
            proptest::prop_assert_eq!(answers(out), expected.clone());
            let mut out = Vec::new();
            general.get_many_staged::<4, _>(&keys, &mut out);
            proptest::prop_assert_eq!(answers(out), expected);
        }
    }
}
