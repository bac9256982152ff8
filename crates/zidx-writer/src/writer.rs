//! The streaming [`Writer`].

use std::io::{BufWriter, Write};
use std::path::Path;

use byteorder::{WriteBytesExt, LE};
use xxhash_rust::xxh3::Xxh3;
use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::IntoBytes;
use zidx_format::{
    checksum, key_hash, HashParams, Header, SectionEntry, SectionId, Slot, HASH_FUNCTION_XXH3_64,
    HASH_PARAMS_SIZE, HEADER_CHECKSUM_OFFSET, HEADER_SIZE, MAGIC, MAX_DISPLACEMENT, MAX_KEY_LEN,
    MAX_RECORDS_BYTES, MAX_VALUE_LEN, RECORD_HEADER_SIZE, SECTION_ALIGN, SECTION_ENTRY_SIZE,
    SECTION_FLAG_REQUIRED, SLOT_SIZE, VERSION_MAJOR, VERSION_MINOR,
};

use crate::error::WriteError;
use crate::options::{OnDuplicate, Options};
use crate::output::{Fault, Output};
use zidx_format::table_layout::{
    emit_slots, max_displacement, slot_count_for, sort_entries, Entry,
};

/// Where the writer puts things (SPEC.md §2.2): header, section table, hash
/// parameters, then the records, then the slots.
const TABLE_OFFSET: u64 = HEADER_SIZE as u64;
const SECTION_COUNT: usize = 3;
const PARAMS_OFFSET: u64 = TABLE_OFFSET + (SECTION_COUNT * SECTION_ENTRY_SIZE) as u64;
const RECORDS_OFFSET: u64 = PARAMS_OFFSET + HASH_PARAMS_SIZE as u64;
const _: () = assert!(RECORDS_OFFSET % SECTION_ALIGN == 0 && RECORDS_OFFSET == 352);

/// Seeds tried, in order (0, 1, ..., 7), before refusing the input as a
/// hash-flooding attack.
const SEED_ATTEMPTS: u32 = 8;
/// Marks an entry dropped as a duplicate; offsets are below 2^48.
const DEAD: u64 = 1 << 63;
/// Size of the buffers for streaming writes and read-back.
const BUFFER: usize = 1 << 20;

/// What a finished build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Records in the index.
    pub records: u64,
    /// Records inserted, including dropped duplicates.
    pub inserted: u64,
    /// Size of the file in bytes.
    pub file_len: u64,
    /// The hash seed chosen.
    pub seed: u64,
    /// Home slots of the hash table.
    pub slot_count: u64,
    /// Largest displacement in the hash table.
    pub max_displacement: u32,
}

/// Builds one index file. See the [crate docs](crate) for an example.
///
/// Dropping a `Writer` without calling [`finish`](Writer::finish) discards
/// the build: the temporary file is removed and the target is untouched.
pub struct Writer {
    out: BufWriter<Output>,
    options: Options,
    entries: Vec<Entry>,
    records_len: u64,
    /// Set when a write failed: the file no longer matches `entries`, so
    /// the build cannot go on.
    failed: bool,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("out", self.out.get_ref())
            .field("inserted", &self.entries.len())
            .field("records_len", &self.records_len)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts a build that will publish to `path` when finished.
    pub fn create(path: impl AsRef<Path>, options: Options) -> Result<Writer, WriteError> {
        Writer::create_with_fault(path, options, None)
    }

    /// [`Writer::create`] with a fault injected into the Nth file operation.
    #[doc(hidden)]
    pub fn create_with_fault(
        path: impl AsRef<Path>,
        options: Options,
        fault: Option<Fault>,
    ) -> Result<Writer, WriteError> {
        let mut out = Output::create(path.as_ref(), fault)?;
        // Room for header, section table and hash parameters, filled in by
        // finish(); the records that follow are checksummed as written.
        out.write_zeros(RECORDS_OFFSET as usize)?;
        out.start_checksum();
        let out = BufWriter::with_capacity(BUFFER, out);
        Ok(Writer {
            out,
            options,
            entries: Vec::new(),
            records_len: 0,
            failed: false,
        })
    }

    /// Number of records inserted so far (including duplicates).
    pub fn inserted(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Appends a record. The value goes to disk now; only the key's hash and
    /// the record's offset stay in memory.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), WriteError> {
        let record = self.inserted();
        if key.len() > MAX_KEY_LEN {
            return Err(WriteError::KeyTooLong {
                record,
                len: key.len(),
                max: MAX_KEY_LEN,
            });
        }
        if value.len() > MAX_VALUE_LEN {
            return Err(WriteError::ValueTooLong {
                record,
                len: value.len(),
                max: MAX_VALUE_LEN,
            });
        }
        let len = (RECORD_HEADER_SIZE + key.len()) as u64 + value.len() as u64;
        if self.records_len + len >= MAX_RECORDS_BYTES {
            return Err(WriteError::TooLarge { record });
        }
        let mut head = [0u8; RECORD_HEADER_SIZE];
        let mut cursor = &mut head[..];
        // Lengths were checked against the format limits above.
        cursor
            .write_u16::<LE>(key.len() as u16)
            .and_then(|()| cursor.write_u32::<LE>(value.len() as u32))
            .ok();
        self.check_not_failed()?;
        let w = &mut self.out;
        if let Err(e) = w
            .write_all(&head)
            .and_then(|()| w.write_all(key))
            .and_then(|()| w.write_all(value))
        {
            self.failed = true;
            return Err(io_error(w, "write", e));
        }
        let hash = self.hash(key, 0);
        self.entries.push(Entry {
            hash,
            offset: self.records_len,
        });
        self.records_len += len;
        Ok(())
    }

    fn check_not_failed(&self) -> Result<(), WriteError> {
        if self.failed {
            let source = std::io::Error::other(
                "an earlier write to this file failed; start the build again",
            );
            return Err(io_error(&self.out, "write", source));
        }
        Ok(())
    }

    fn hash(&self, key: &[u8], seed: u64) -> u64 {
        hash_with(&self.options, key, seed)
    }

    /// Lays out the hash table, writes it with the header and section table,
    /// and atomically publishes the file at the target path.
    pub fn finish(self) -> Result<Summary, WriteError> {
        self.check_not_failed()?;
        let Writer {
            out,
            options,
            mut entries,
            mut records_len,
            ..
        } = self;
        let mut out = into_output(out)?;
        let inserted = entries.len() as u64;
        let mut records_checksum = out.take_checksum();

        // Duplicates are removed under seed 0, whatever seed is finally used;
        // the survivors (first or last of each key) do not depend on the seed.
        let mut dead: Vec<u64> = Vec::new();
        let mut seed = 0u64;
        let mut deduplicated = false;
        let mut last_problem = String::new();
        let mut placed = None;
        for attempt in 0..SEED_ATTEMPTS {
            seed = u64::from(attempt);
            if attempt > 0 {
                rehash(&mut out, &options, &mut entries, &dead, records_len, seed)?;
            }
            sort_entries(&mut entries);
            if !deduplicated {
                match deduplicate(&mut out, &options, &mut entries, &mut dead)? {
                    Ok(()) => deduplicated = true,
                    Err(problem) => {
                        last_problem = problem;
                        continue;
                    }
                }
            }
            let slot_count = slot_count_for(entries.len() as u64);
            match max_displacement(&entries, slot_count) {
                Ok(max) => {
                    placed = Some((slot_count, max));
                    break;
                }
                Err((slot, disp)) => {
                    last_problem = format!("slot {slot} would be {disp} slots from its home (limit {MAX_DISPLACEMENT})");
                }
            }
        }
        let Some((slot_count, max_disp)) = placed else {
            return Err(WriteError::HashFlooding {
                seeds: SEED_ATTEMPTS,
                detail: last_problem,
            });
        };

        if !dead.is_empty() {
            let (len, sum) = compact(&mut out, &mut entries, &mut dead, records_len)?;
            records_len = len;
            records_checksum = sum;
            sort_entries(&mut entries);
        }

        // Slots, after padding the records to an 8-byte boundary.
        let records_end = RECORDS_OFFSET + records_len;
        let slots_offset = records_end.next_multiple_of(SECTION_ALIGN);
        out.seek(records_end)?;
        out.write_zeros((slots_offset - records_end) as usize)?;
        out.start_checksum();
        let mut w = BufWriter::with_capacity(BUFFER, out);
        emit_slots(&entries, slot_count, max_disp, |slot: Slot| {
            w.write_all(&slot.to_bytes())
        })
        .map_err(|e| io_error(&w, "write", e))?;
        let mut out = into_output(w)?;
        let slots_checksum = out.take_checksum();
        let slot_total = slot_count + u64::from(max_disp);
        let slots_len = slot_total * SLOT_SIZE as u64;
        let file_len = slots_offset + slots_len;

        let params = HashParams {
            seed: U64::new(seed),
            slot_count: U64::new(slot_count),
            max_displacement: U32::new(max_disp),
            hash_function: U32::new(HASH_FUNCTION_XXH3_64),
            reserved: [0; 8],
        };
        let section = |id: SectionId,
                       offset: u64,
                       length: u64,
                       item_count: u64,
                       item_size: u64,
                       checksum: u64| SectionEntry {
            id: U32::new(id.code()),
            flags: U32::new(SECTION_FLAG_REQUIRED),
            offset: U64::new(offset),
            length: U64::new(length),
            item_count: U64::new(item_count),
            item_size: U64::new(item_size),
            checksum: U64::new(checksum),
            reserved: [0; 16],
        };
        let table = [
            section(
                SectionId::HashParams,
                PARAMS_OFFSET,
                HASH_PARAMS_SIZE as u64,
                1,
                HASH_PARAMS_SIZE as u64,
                checksum(params.as_bytes()),
            ),
            section(
                SectionId::Records,
                RECORDS_OFFSET,
                records_len,
                entries.len() as u64,
                0,
                records_checksum,
            ),
            section(
                SectionId::HashSlots,
                slots_offset,
                slots_len,
                slot_total,
                SLOT_SIZE as u64,
                slots_checksum,
            ),
        ];
        let mut header = Header {
            magic: MAGIC,
            version_major: U16::new(VERSION_MAJOR),
            version_minor: U16::new(VERSION_MINOR),
            header_size: U32::new(HEADER_SIZE as u32),
            compat_features: U64::new(0),
            incompat_features: U64::new(0),
            file_len: U64::new(file_len),
            section_table_offset: U64::new(TABLE_OFFSET),
            section_count: U32::new(SECTION_COUNT as u32),
            section_entry_size: U32::new(SECTION_ENTRY_SIZE as u32),
            section_table_checksum: U64::new(checksum(table.as_bytes())),
            reserved: [0; 56],
            header_checksum: U64::new(0),
        };
        let header_sum = checksum(
            header
                .as_bytes()
                .get(..HEADER_CHECKSUM_OFFSET)
                .unwrap_or_default(),
        );
        header.header_checksum = U64::new(header_sum);
        let mut head = Vec::with_capacity(RECORDS_OFFSET as usize);
        head.extend_from_slice(header.as_bytes());
        head.extend_from_slice(table.as_bytes());
        head.extend_from_slice(params.as_bytes());
        out.write_at(0, &head)?;
        out.publish()?;
        Ok(Summary {
            records: entries.len() as u64,
            inserted,
            file_len,
            seed,
            slot_count,
            max_displacement: max_disp,
        })
    }
}

fn hash_with(options: &Options, key: &[u8], seed: u64) -> u64 {
    match options.hash_override {
        Some(f) => f(key, seed),
        None => key_hash(key, seed),
    }
}

fn io_error(w: &BufWriter<Output>, op: &'static str, source: std::io::Error) -> WriteError {
    WriteError::Io {
        op,
        path: w.get_ref().temp_path(),
        source,
    }
}

/// Flushes the buffer and returns the file.
fn into_output(w: BufWriter<Output>) -> Result<Output, WriteError> {
    w.into_inner().map_err(|e| {
        let (source, w) = e.into_parts();
        WriteError::Io {
            op: "write",
            path: w.get_ref().temp_path(),
            source,
        }
    })
}

/// A record seen by [`Scanner`]: its offset and key.
struct Scanned<'a> {
    offset: u64,
    key: &'a [u8],
}

/// Reads record headers and keys of the records section front to back, in
/// buffered chunks, skipping values.
struct Scanner<'a> {
    out: &'a mut Output,
    records_len: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    buf_len: usize,
}

impl<'a> Scanner<'a> {
    fn new(out: &'a mut Output, records_len: u64) -> Scanner<'a> {
        Scanner {
            out,
            records_len,
            pos: 0,
            buf: vec![0; BUFFER],
            buf_start: 0,
            buf_len: 0,
        }
    }

    /// The next record.
    fn next(&mut self) -> Result<Option<Scanned<'_>>, WriteError> {
        if self.pos >= self.records_len {
            return Ok(None);
        }
        let at = self.pos;
        let head = self.bytes(at, RECORD_HEADER_SIZE)?;
        let key_len = usize::from(u16::from_le_bytes([head[0], head[1]]));
        let value_len = u64::from(u32::from_le_bytes([head[2], head[3], head[4], head[5]]));
        let total = (RECORD_HEADER_SIZE + key_len) as u64 + value_len;
        self.pos = at + total;
        let key = self.bytes(at + RECORD_HEADER_SIZE as u64, key_len)?;
        Ok(Some(Scanned { offset: at, key }))
    }

    /// `len` bytes at records offset `at`; `len` is at most 65,535 bytes.
    fn bytes(&mut self, at: u64, len: usize) -> Result<&[u8], WriteError> {
        let in_buf =
            at >= self.buf_start && at + len as u64 <= self.buf_start + self.buf_len as u64;
        if !in_buf {
            let want = (self.records_len - at).min(self.buf.len() as u64) as usize;
            self.out
                .read_at(RECORDS_OFFSET + at, &mut self.buf[..want])?;
            self.buf_start = at;
            self.buf_len = want;
        }
        let s = (at - self.buf_start) as usize;
        Ok(&self.buf[s..s + len])
    }
}

/// Reads the key of the record at records offset `offset`.
fn read_key(out: &mut Output, offset: u64) -> Result<Vec<u8>, WriteError> {
    let mut head = [0u8; RECORD_HEADER_SIZE];
    out.read_at(RECORDS_OFFSET + offset, &mut head)?;
    let mut key = vec![0u8; usize::from(u16::from_le_bytes([head[0], head[1]]))];
    out.read_at(
        RECORDS_OFFSET + offset + RECORD_HEADER_SIZE as u64,
        &mut key,
    )?;
    Ok(key)
}

/// Recomputes every live entry's hash under `seed`, reading keys back in
/// one sequential pass.
fn rehash(
    out: &mut Output,
    options: &Options,
    entries: &mut Vec<Entry>,
    dead: &[u64],
    records_len: u64,
    seed: u64,
) -> Result<(), WriteError> {
    entries.clear();
    let mut dead = dead.iter().copied().peekable();
    let mut scan = Scanner::new(out, records_len);
    while let Some(Scanned { offset, key }) = scan.next()? {
        if dead.next_if_eq(&offset).is_some() {
            continue;
        }
        entries.push(Entry {
            hash: hash_with(options, key, seed),
            offset,
        });
    }
    Ok(())
}

/// Finds records with equal keys among `entries` (sorted by hash, offset)
/// and applies the duplicate policy: dropped records move to `dead`.
/// The inner `Err` asks for another seed: more than 255 different keys share
/// one full hash, which no table could hold.
fn deduplicate(
    out: &mut Output,
    options: &Options,
    entries: &mut Vec<Entry>,
    dead: &mut Vec<u64>,
) -> Result<Result<(), String>, WriteError> {
    let mut i = 0;
    while i < entries.len() {
        let hash = entries[i].hash;
        let run_end = i + entries[i..].iter().take_while(|e| e.hash == hash).count();
        if run_end - i > 1 {
            // (key, index of the surviving entry) for each distinct key.
            let mut distinct: Vec<(Vec<u8>, usize)> = Vec::new();
            for j in i..run_end {
                let key = read_key(out, entries[j].offset)?;
                match distinct.iter().position(|(k, _)| *k == key) {
                    Some(d) => match options.on_duplicate {
                        OnDuplicate::Error => {
                            let (first, second) =
                                (entries[distinct[d].1].offset, entries[j].offset);
                            return Err(WriteError::DuplicateKey {
                                key,
                                first: record_ordinal(entries, first & !DEAD),
                                second: record_ordinal(entries, second),
                            });
                        }
                        OnDuplicate::First => entries[j].offset |= DEAD,
                        OnDuplicate::Last => {
                            entries[distinct[d].1].offset |= DEAD;
                            distinct[d].1 = j;
                        }
                    },
                    None if distinct.len() > MAX_DISPLACEMENT as usize => {
                        return Ok(Err(format!(
                            "more than {} different keys share the hash {hash:#018x}",
                            MAX_DISPLACEMENT + 1
                        )));
                    }
                    None => distinct.push((key, j)),
                }
            }
        }
        i = run_end;
    }
    entries.retain(|e| {
        if e.offset & DEAD != 0 {
            dead.push(e.offset & !DEAD);
            false
        } else {
            true
        }
    });
    dead.sort_unstable();
    Ok(Ok(()))
}

/// 0-based insertion index of the record at `offset`: the number of
/// records before it, all of which are still in `entries` during
/// deduplication (dropped ones marked with [`DEAD`]).
fn record_ordinal(entries: &[Entry], offset: u64) -> u64 {
    entries.iter().filter(|e| e.offset & !DEAD < offset).count() as u64
}

/// Removes the dropped duplicates from the records section, moving live
/// records down in place, and updates the entries' offsets. Returns the new
/// records length and checksum. Leaves `entries` sorted by offset.
///
/// Every record is either live (in `entries`) or dropped (in `dead`), so a
/// record's length is the distance to the next offset in either list: no
/// pass over the file is needed to find them.
fn compact(
    out: &mut Output,
    entries: &mut [Entry],
    dead: &mut [u64],
    records_len: u64,
) -> Result<(u64, u64), WriteError> {
    entries.sort_unstable_by_key(|e| e.offset);
    dead.sort_unstable();
    let mut hasher = Xxh3::new();
    let mut buf = vec![0u8; BUFFER];
    // Records before the first dropped one stay where they are: hash them in
    // large reads.
    let unmoved = dead.first().copied().unwrap_or(records_len);
    let mut done = 0u64;
    while done < unmoved {
        let n = (unmoved - done).min(buf.len() as u64) as usize;
        out.read_at(RECORDS_OFFSET + done, &mut buf[..n])?;
        hasher.update(&buf[..n]);
        done += n as u64;
    }
    let mut write_pos = unmoved;
    let mut next_dead = 0;
    for i in entries.partition_point(|e| e.offset < unmoved)..entries.len() {
        let offset = entries[i].offset;
        while dead.get(next_dead).is_some_and(|&d| d <= offset) {
            next_dead += 1;
        }
        let next_live = entries.get(i + 1).map_or(records_len, |e| e.offset);
        let len = next_live.min(dead.get(next_dead).copied().unwrap_or(records_len)) - offset;
        // Copy front to back: the destination is never after the source.
        let mut copied = 0u64;
        while copied < len {
            let n = (len - copied).min(buf.len() as u64) as usize;
            out.read_at(RECORDS_OFFSET + offset + copied, &mut buf[..n])?;
            out.write_at(RECORDS_OFFSET + write_pos + copied, &buf[..n])?;
            hasher.update(&buf[..n]);
            copied += n as u64;
        }
        entries[i].offset = write_pos;
        write_pos += len;
    }
    out.set_len(RECORDS_OFFSET + write_pos)?;
    Ok((write_pos, hasher.digest()))
}
