//! The streaming [`Writer`].

use std::path::Path;

use std::path::PathBuf;
use zerocopy::IntoBytes;
use zidx_format::fences::{separator, FencesBuilder, DEFAULT_RUN_LEN, FENCE_BLOCK_SIZE};
use zidx_format::placement::{emit_slots, home_slots_for, max_displacement, HashedRecord};
use zidx_format::{
    checksum, key_digest, key_hash, Checksum, HashParams, Header, KeyHasher, RecordCodec,
    RecordHeader, SectionDescriptor, SectionEntry, SeedDeriver, Slot, ValueSchema,
    COMPAT_ORDERED_KEYS, HASH_FUNCTION_SIPHASH13, HASH_FUNCTION_XXH3_64, HASH_PARAMS,
    HASH_PARAMS_SIZE, HASH_SLOTS, HEADER_SIZE, INCOMPAT_KEYED_HASH, INCOMPAT_MULTI_VALUE,
    INCOMPAT_RECORD_CHECKSUMS, INCOMPAT_TYPED_VALUES, KEY_FENCES, MAX_DISPLACEMENT, MAX_KEY_LEN,
    MAX_RECORDS_BYTES, MAX_VALUE_LEN, RECORDS, RECORD_HEADER_SIZE, SECTION_ALIGN,
    SECTION_ENTRY_SIZE, SEED_ATTEMPTS, SLOT_SIZE, VALUE_SCHEMA, VERSION_MINOR, VERSION_MINOR_1_0,
    VERSION_MINOR_1_1, VERSION_MINOR_1_2,
};

use crate::atomic_file::AtomicFile;
use crate::buffered::{Buffered, BUFFER};
use crate::error::WriteError;
use crate::options::{FormatVersion, OnDuplicate, Options, MEMORY_RESERVE};
use crate::progress::{Phase, Progress, Reporter, REPORT_EVERY};
use crate::sink::Sink;
use crate::sorter::Sorter;
use crate::spill_sort::{Sorted as SortedEntries, SpillDir, SpillSorter};
use zidx_format::SectionId;

/// The sections this writer writes, in section-table order (SPEC.md §2.2).
/// The header, this table and the hash parameters come first, so that a
/// reader's first page holds them; the records follow, then the slots.
/// Ordered files add the key fences last, at a multiple of 4096 bytes
/// (SPEC.md §12.1), and typed files the schema after the hash parameters
/// (SPEC.md §13.2): see `Plan::new`. A new section is added there, with
/// its bytes in `finish_into`'s table.
const SECTIONS_WRITTEN: &[&SectionDescriptor] = &[HASH_PARAMS, RECORDS, HASH_SLOTS];
const TABLE_OFFSET: u64 = HEADER_SIZE as u64;

/// What a build writes, fixed by its options when it starts.
#[derive(Debug, Clone)]
struct Plan {
    sections: Vec<&'static SectionDescriptor>,
    codec: RecordCodec,
    ordered: bool,
    multi_value: bool,
    /// Typed builds: the schema and its section's bytes.
    schema: Option<(ValueSchema, Vec<u8>)>,
}

/// Where a typed file's records start: a multiple of every alignment a
/// schema may ask for (SPEC.md §13.2).
const TYPED_RECORDS_ALIGN: u64 = 64;

impl Plan {
    /// The plan for `options`, or the feature its format version cannot
    /// carry.
    fn new(options: &Options) -> Result<Plan, WriteError> {
        let multi_value = options.on_duplicate == OnDuplicate::Keep;
        let version = options.format_version;
        let needs = if options.value_schema.is_some() && version < FormatVersion::V1_3 {
            Some(("--schema", "1.3"))
        } else if version < FormatVersion::V1_2 {
            if multi_value {
                Some(("--on-duplicate keep", "1.2"))
            } else if options.record_checksums {
                Some(("--checked", "1.2"))
            } else {
                None
            }
        } else {
            None
        };
        if let Some((feature, needs)) = needs {
            return Err(WriteError::NeedsNewerFormat {
                feature,
                needs,
                version: version.name(),
            });
        }
        let ordered = options.is_ordered();
        let mut sections = vec![HASH_PARAMS];
        if options.value_schema.is_some() {
            sections.push(VALUE_SCHEMA);
        }
        sections.extend([RECORDS, HASH_SLOTS]);
        if ordered {
            sections.push(KEY_FENCES);
        }
        let schema = options.value_schema.clone().map(|s| {
            let bytes = s.encode();
            (s, bytes)
        });
        Ok(Plan {
            sections,
            codec: RecordCodec::new(options.record_checksums)
                .with_typed(schema.as_ref().map(|(s, _)| s.value_layout())),
            ordered,
            multi_value,
            schema,
        })
    }

    /// The plan of a build whose options were refused: plain records.
    fn refused() -> Plan {
        Plan {
            sections: SECTIONS_WRITTEN.to_vec(),
            codec: RecordCodec::PLAIN,
            ordered: false,
            multi_value: false,
            schema: None,
        }
    }

    fn schema_len(&self) -> usize {
        self.schema.as_ref().map_or(0, |(_, b)| b.len())
    }

    /// Bytes of the header, section table, hash parameters and schema.
    fn head_len(&self) -> usize {
        HEADER_SIZE
            + self.sections.len() * SECTION_ENTRY_SIZE
            + HASH_PARAMS_SIZE
            + self.schema_len()
    }

    fn params_offset(&self) -> u64 {
        TABLE_OFFSET + (self.sections.len() * SECTION_ENTRY_SIZE) as u64
    }

    /// Where the schema starts: right after the hash parameters.
    fn schema_offset(&self) -> u64 {
        self.params_offset() + HASH_PARAMS_SIZE as u64
    }

    /// Where the records section starts: right after the head, a multiple
    /// of 8 (the head is made of 8-byte multiples), or of 64 for typed
    /// records.
    fn records_offset(&self) -> u64 {
        let head = self.head_len() as u64;
        if self.schema.is_some() {
            head.next_multiple_of(TYPED_RECORDS_ALIGN)
        } else {
            head
        }
    }

    /// Entries in the section table (at most 5).
    fn section_count(&self) -> u32 {
        u32::try_from(self.sections.len()).unwrap_or(u32::MAX)
    }

    /// `(version_minor, compat, incompat)` for the header.
    fn header_bits(&self, version: FormatVersion) -> (u16, u64, u64) {
        let compat = if self.ordered { COMPAT_ORDERED_KEYS } else { 0 };
        let mut incompat = if version == FormatVersion::V1_0 {
            0
        } else {
            INCOMPAT_KEYED_HASH
        };
        if self.multi_value {
            incompat |= INCOMPAT_MULTI_VALUE;
        }
        if self.codec.checked() {
            incompat |= INCOMPAT_RECORD_CHECKSUMS;
        }
        if self.schema.is_some() {
            incompat |= INCOMPAT_TYPED_VALUES;
        }
        let minor = if incompat & INCOMPAT_TYPED_VALUES != 0 {
            VERSION_MINOR
        } else if compat != 0 || incompat & !INCOMPAT_KEYED_HASH != 0 {
            VERSION_MINOR_1_2
        } else if incompat != 0 {
            VERSION_MINOR_1_1
        } else {
            VERSION_MINOR_1_0
        };
        (minor, compat, incompat)
    }
}

/// `remaining` bytes, but at most `cap`: the size of the next chunk.
fn chunk_len(remaining: u64, cap: usize) -> usize {
    usize::try_from(remaining).map_or(cap, |r| r.min(cap))
}

/// The hash that lays out the table: the format's, or a test's.
#[derive(Debug, Clone, Copy)]
enum TableHash {
    Format(KeyHasher),
    /// A test's hash, its seed, and the function the file records.
    Override(HashFunction, u64, u32),
}

impl TableHash {
    fn hash(&self, key: &[u8]) -> u64 {
        match self {
            TableHash::Format(h) => h.hash(key),
            TableHash::Override(f, seed, _) => f(key, *seed),
        }
    }

    fn seed(&self) -> u64 {
        match self {
            TableHash::Format(h) => h.seed(),
            TableHash::Override(_, seed, _) => *seed,
        }
    }

    /// The hasher whose function and seed the file records. A test's
    /// override is recorded as the format's function with the same seed.
    fn stored(&self) -> KeyHasher {
        match self {
            TableHash::Format(h) => *h,
            TableHash::Override(_, seed, function) => {
                KeyHasher::new(*function, *seed).unwrap_or(KeyHasher::xxh3(*seed))
            }
        }
    }
}
/// What a finished build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Distinct keys: the records, unless keys have several values.
    pub distinct_keys: u64,
    /// Sorted runs an ordered build wrote to temporary files (0 when its
    /// records fit in [`Options::sort_buffer`]).
    pub sort_runs: u64,
    /// Sorted runs of hash entries written to temporary files (0 when
    /// they fit in [`Options::memory`]).
    pub hash_runs: u64,
    /// Bytes of those runs, in all (each was removed once merged).
    pub spilled_bytes: u64,
}

/// Builds one index. See the [crate docs](crate) for an example.
///
/// `S` is where the bytes go: an [`AtomicFile`] published at a path
/// ([`Writer::create`]), memory ([`Writer::memory`]), or any [`Sink`].
/// Dropping a `Writer` without finishing discards the build: an
/// `AtomicFile`'s temporary file is removed and the target is untouched.
pub struct Writer<S: Sink = AtomicFile> {
    out: Buffered<S>,
    options: Options,
    plan: Plan,
    /// Ordered builds: the records, until they are written in key order.
    sorter: Option<Sorter>,
    inserted: u64,
    /// Record bytes for a check to be computed over.
    scratch: Vec<u8>,
    /// Options no format can carry (`Writer::memory` reports them late).
    refused: Option<(&'static str, &'static str, &'static str)>,
    /// One `(first hash, offset)` per record (per distinct key in an
    /// ordered build), sorted in bounded memory.
    entries: SpillSorter<HashedRecord>,
    /// Where sorted runs go: beside the output.
    spill: SpillDir,
    progress: Reporter,
    records_len: u64,
    /// Test hook: a table hash replacing the format's.
    hash_override: Option<HashFunction>,
    /// The type whose schema `insert_typed` found equal to the build's.
    typed_as: Option<std::any::TypeId>,
}

/// A table hash: key and seed to hash.
type HashFunction = fn(&[u8], u64) -> u64;

impl<S: Sink> std::fmt::Debug for Writer<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("sink", &self.out.name())
            .field("inserted", &self.inserted)
            .field("records_len", &self.records_len)
            .finish_non_exhaustive()
    }
}

impl Writer<AtomicFile> {
    /// Starts a build that will publish to `path` when finished.
    pub fn create(path: impl AsRef<Path>, options: Options) -> Result<Writer, WriteError> {
        Writer::to_sink(AtomicFile::create(path.as_ref(), options.replace)?, options)
    }

    /// [`Writer::create`] with a fault injected into the Nth file operation.
    #[cfg(feature = "test-hooks")]
    pub fn create_with_fault(
        path: impl AsRef<Path>,
        options: Options,
        fault: Option<crate::atomic_file::Fault>,
    ) -> Result<Writer, WriteError> {
        let faults = crate::atomic_file::Faults::new(fault);
        Writer::to_sink(
            AtomicFile::create_with(path.as_ref(), options.replace, faults)?,
            options,
        )
    }

    /// Lays out the hash table, writes it with the header and section table,
    /// and atomically publishes the file at the target path.
    pub fn finish(self) -> Result<Summary, WriteError> {
        self.finish_into().map(|(summary, ())| summary)
    }
}

impl Writer<Vec<u8>> {
    /// Starts a build in memory, as fst's `Builder::memory()` does:
    /// [`finish`](Writer::<Vec<u8>>::finish) returns the file's bytes.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut writer = zidx_writer::Writer::memory(Default::default());
    /// writer.insert(b"k", b"v")?;
    /// let bytes = writer.finish()?;
    /// let index = zidx::Index::from_bytes(bytes)?;
    /// assert_eq!(index.get(b"k")?, Some(&b"v"[..]));
    /// # Ok(()) }
    /// ```
    ///
    /// Options that no format version can carry together (see
    /// [`WriteError::NeedsNewerFormat`]) make the first
    /// [`insert`](Writer::insert) fail.
    pub fn memory(options: Options) -> Writer<Vec<u8>> {
        let plan = Plan::new(&options);
        let mut writer = Writer::with_plan(Vec::new(), options, plan.as_ref().ok().cloned());
        if let Err(WriteError::NeedsNewerFormat {
            feature,
            needs,
            version,
        }) = plan
        {
            writer.refused = Some((feature, needs, version));
        }
        // Appending to memory cannot fail.
        let _ = writer.start();
        writer
    }

    /// Lays out the hash table and returns the complete file.
    pub fn finish(self) -> Result<Vec<u8>, WriteError> {
        self.finish_into().map(|(_, bytes)| bytes)
    }
}

impl<S: Sink> Writer<S> {
    /// Starts a build that writes to `sink`.
    pub fn to_sink(sink: S, options: Options) -> Result<Writer<S>, WriteError> {
        let plan = Plan::new(&options)?;
        let mut writer = Writer::with_plan(sink, options, Some(plan));
        writer.start()?;
        Ok(writer)
    }

    fn with_plan(sink: S, options: Options, plan: Option<Plan>) -> Writer<S> {
        let plan = plan.unwrap_or_else(Plan::refused);
        let spill = SpillDir::new(sink.spill_dir().unwrap_or_else(std::env::temp_dir));
        let budgets = Budgets::new(&options, plan.ordered);
        Writer {
            out: Buffered::new(sink),
            sorter: plan
                .ordered
                .then(|| Sorter::new(budgets.records, spill.path().to_path_buf())),
            options,
            plan,
            inserted: 0,
            scratch: Vec::new(),
            refused: None,
            entries: SpillSorter::new(budgets.entries, spill.clone()),
            spill,
            progress: Reporter::none(),
            records_len: 0,
            hash_override: None,
            typed_as: None,
        }
    }

    /// Room for header, section table and hash parameters, filled in by
    /// finish(); the records that follow are checksummed as written.
    fn start(&mut self) -> Result<(), WriteError> {
        // The head, and a typed file's padding up to its records.
        let head = usize::try_from(self.plan.records_offset()).unwrap_or(usize::MAX);
        self.out.append_zeros(head)?;
        self.out.start_checksum()
    }

    /// Test hook: replaces XXH3 as the writer's hash function. Files built
    /// with it are not readable unless the hook falls back to
    /// [`zidx_format::key_hash`] for the seed finally chosen; it exists to
    /// test the hash-flooding defence.
    #[cfg(feature = "test-hooks")]
    pub fn with_hash_function(mut self, hasher: fn(&[u8], u64) -> u64) -> Writer<S> {
        self.hash_override = Some(hasher);
        self
    }

    /// Where the build is going; for an [`AtomicFile`], its temporary file's
    /// path, which a program removes if a signal stops it before `finish`.
    pub fn sink(&self) -> &S {
        self.out.sink()
    }

    /// Number of records inserted so far (including duplicates).
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Calls `report` as [`finish`](Writer::finish) goes through its
    /// [`Phase`]s, for a progress bar: at the start and end of each, and
    /// every million entries or so in between.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::sync::{Arc, Mutex};
    /// use zidx_writer::{Phase, Writer};
    ///
    /// let phases = Arc::new(Mutex::new(Vec::new()));
    /// let seen = Arc::clone(&phases);
    /// let mut writer = Writer::memory(Default::default());
    /// writer.on_progress(move |p| seen.lock().unwrap().push(p.phase));
    /// writer.insert(b"k", b"v")?;
    /// writer.finish()?;
    /// assert!(phases.lock().unwrap().contains(&Phase::WritingSlots));
    /// # Ok(()) }
    /// ```
    pub fn on_progress(&mut self, report: impl FnMut(Progress) + Send + 'static) {
        self.progress = Reporter::new(Box::new(report));
    }

    /// Appends a record. The value goes to the sink now; only the key's hash
    /// and the record's offset stay in memory. In an ordered build the
    /// record goes to the sort buffer instead (spilled to temporary files
    /// beyond [`Options::sort_buffer`]).
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), WriteError> {
        self.check_options()?;
        let record = self.inserted();
        let key_len = u16::try_from(key.len()).map_err(|_| WriteError::KeyTooLong {
            record,
            len: key.len(),
            max: MAX_KEY_LEN,
        })?;
        let value_len = u32::try_from(value.len()).map_err(|_| WriteError::ValueTooLong {
            record,
            len: value.len(),
            max: MAX_VALUE_LEN,
        })?;
        if let Some((schema, _)) = &self.plan.schema {
            if value.len() != schema.size() as usize {
                return Err(WriteError::ValueSize {
                    record,
                    len: value.len(),
                    expected: schema.size(),
                });
            }
            // What `verify` would call damaged is refused here, so that a
            // build never writes a file that fails it.
            schema
                .check_value(value)
                .map_err(|problem| WriteError::InvalidValue { record, problem })?;
        }
        let len = self
            .plan
            .codec
            .record_len(u64::from(key_len), u64::from(value_len));
        if self.records_len + len >= MAX_RECORDS_BYTES {
            return Err(WriteError::TooLarge { record });
        }
        if let Some(sorter) = &mut self.sorter {
            sorter
                .push(key, value, record)
                .map_err(|source| WriteError::Io {
                    op: "write a sorted run in",
                    path: self.spill.path().to_path_buf(),
                    source,
                })?;
        } else {
            append_record(
                &mut self.out,
                self.plan.codec,
                &mut self.scratch,
                key,
                value,
            )?;
            let entry = HashedRecord::new(self.first_hash(key), self.records_len);
            self.entries
                .push(entry)
                .map_err(spill_error(&self.spill, "write a sorted run in"))?;
        }
        self.records_len += len;
        self.inserted += 1;
        Ok(())
    }

    /// Appends a typed record: `value`'s bytes, which must have the
    /// build's schema ([`Options::with_value_schema`]). The first insert of
    /// each type compares its [`Schema`](zidx_format::schema::Schema) with
    /// the build's, and refuses a mismatch, showing both.
    pub fn insert_typed<T>(&mut self, key: &[u8], value: &T) -> Result<(), WriteError>
    where
        T: zidx_format::schema::Schema + zerocopy::IntoBytes + 'static,
    {
        let id = std::any::TypeId::of::<T>();
        if self.typed_as != Some(id) {
            let theirs = T::value_schema().map_err(|e| WriteError::TypedMismatch {
                problem: e.to_string(),
            })?;
            match &self.plan.schema {
                Some((ours, _)) if *ours == theirs => self.typed_as = Some(id),
                Some((ours, _)) => {
                    return Err(WriteError::TypedMismatch {
                        problem: format!(
                            "{} is {}, but the build's schema is {}",
                            std::any::type_name::<T>(),
                            theirs.describe(),
                            ours.describe()
                        ),
                    })
                }
                None => {
                    return Err(WriteError::TypedMismatch {
                        problem:
                            "the build has no schema: give one with Options::with_value_schema"
                                .to_string(),
                    })
                }
            }
        }
        self.insert(key, value.as_bytes())
    }

    /// Writes the sorted records in key order to the records section,
    /// applying the duplicate policy to each group of equal keys; keeps one
    /// `(hash, offset)` per distinct key and returns the key fences.
    fn write_sorted(&mut self, sorter: Sorter) -> Result<Sorted, WriteError> {
        let codec = self.plan.codec;
        let policy = self.options.on_duplicate;
        let (version, hash_override) = (self.options.format_version, self.hash_override);
        let total = self.inserted;
        let Writer {
            out,
            scratch,
            entries,
            spill,
            progress,
            ..
        } = self;
        let mut fences = FencesBuilder::new(DEFAULT_RUN_LEN);
        let mut written = 0u64;
        let mut offset = 0u64;
        // The last key written: its run's separator and its group.
        let mut prev: Option<Vec<u8>> = None;
        // Writes one record in key order, with its fence when it starts a
        // run and its hash entry when it starts a group of equal keys.
        let mut emit = |key: &[u8], value: &[u8]| -> Result<(), WriteError> {
            if written.is_multiple_of(u64::from(fences.run_len())) {
                let sep = prev.as_deref().map_or(&key[..0], |p| separator(p, key));
                fences.push(offset, sep);
            }
            if prev.as_deref() != Some(key) {
                let entry = HashedRecord::new(first_hash_of(version, hash_override, key), offset);
                entries
                    .push(entry)
                    .map_err(spill_error(spill, "write a sorted run in"))?;
                let p = prev.get_or_insert_with(Vec::new);
                p.clear();
                p.extend_from_slice(key);
            }
            // Lengths were checked when the record was inserted.
            append_record(out, codec, scratch, key, value)?;
            offset += codec.record_len(key.len() as u64, value.len() as u64);
            written += 1;
            progress.tick(Phase::WritingRecords, written, total);
            Ok(())
        };
        // The previous record's key and its group's first insertion index.
        let mut last_key: Option<Vec<u8>> = None;
        let mut group_first = 0u64;
        // `last`: the record waiting for its group to end.
        let mut pending: Option<(Vec<u8>, Vec<u8>)> = None;
        let sort_error = spill_error(spill, "read a sorted run from");
        sorter.drain(
            sort_error,
            |key: &[u8], value: &[u8], ordinal: u64| -> Result<(), WriteError> {
                let repeat = last_key.as_deref() == Some(key);
                if !repeat {
                    group_first = ordinal;
                }
                match (policy, repeat) {
                    (OnDuplicate::Error, true) => {
                        return Err(WriteError::DuplicateKey {
                            key: key.to_vec(),
                            first: group_first,
                            second: ordinal,
                        })
                    }
                    (OnDuplicate::First, true) => {}
                    (OnDuplicate::Last, _) => {
                        if let Some((k, v)) = pending.take().filter(|_| !repeat) {
                            emit(&k, &v)?;
                        }
                        pending = Some((key.to_vec(), value.to_vec()));
                    }
                    _ => emit(key, value)?,
                }
                let k = last_key.get_or_insert_with(Vec::new);
                k.clear();
                k.extend_from_slice(key);
                Ok(())
            },
        )?;
        if let Some((k, v)) = pending.take() {
            emit(&k, &v)?;
        }
        let (runs, fences) = fences.finish();
        self.records_len = offset;
        Ok(Sorted {
            fences,
            runs,
            records: written,
        })
    }

    /// The error for options no format version carries, if any.
    fn check_options(&self) -> Result<(), WriteError> {
        match self.refused {
            Some((feature, needs, version)) => Err(WriteError::NeedsNewerFormat {
                feature,
                needs,
                version,
            }),
            None => Ok(()),
        }
    }

    /// The hash kept for each record while records arrive, which finds
    /// duplicates: in 1.1 the key's digest (SPEC.md §6.3), in 1.0 the table
    /// hash under seed 0.
    fn first_hash(&self, key: &[u8]) -> u64 {
        first_hash_of(self.options.format_version, self.hash_override, key)
    }

    /// Lays out the hash table, writes it with the header and section table,
    /// and publishes the file through the sink. Returns what was built and
    /// what the sink handed back.
    ///
    /// Every pass streams: the hash entries are sorted in runs on disk
    /// beyond [`Options::memory`], duplicates are found and the table
    /// placed by merging them, and records are read back in one sequential
    /// pass per seed tried, so memory stays within the budget whatever the
    /// input's size (`tests/bounded_memory.rs`).
    pub fn finish_into(mut self) -> Result<(Summary, S::Published), WriteError> {
        self.check_options()?;
        self.out.check_not_failed()?;
        let mut sort_runs = 0;
        let sorted = match self.sorter.take() {
            Some(sorter) => {
                sort_runs = sorter.spilled_runs() as u64;
                Some(self.write_sorted(sorter)?)
            }
            None => None,
        };
        let Writer {
            mut out,
            options,
            plan,
            inserted,
            entries,
            spill,
            mut progress,
            mut records_len,
            hash_override,
            ..
        } = self;
        let records_offset = plan.records_offset();
        let mut records_checksum = out.take_checksum()?;
        let budget = Budgets::new(&options, plan.ordered).entries;
        let mut spilled = Spilled::default();

        let version = options.format_version;
        let table_hash = |seed: u64| -> TableHash {
            match (hash_override, version) {
                (Some(f), FormatVersion::V1_0) => {
                    TableHash::Override(f, seed, HASH_FUNCTION_XXH3_64)
                }
                (Some(f), _) => TableHash::Override(f, seed, HASH_FUNCTION_SIPHASH13),
                (None, FormatVersion::V1_0) => TableHash::Format(KeyHasher::xxh3(seed)),
                (None, _) => TableHash::Format(KeyHasher::siphash13(seed)),
            }
        };
        let mut passes = Passes {
            out: &mut out,
            plan: &plan,
            spill: &spill,
            progress: &mut progress,
        };

        // Duplicates are found with the first hash, whatever seed is
        // finally used; the survivors (first or last of each key) do not
        // depend on the seed. In 1.1 the first hash is the key's digest,
        // and the seeds come from the digests (SPEC.md §6.3); in 1.0 it is
        // the table hash, and a seed that gives 256 keys one hash is
        // replaced by the next.
        let n = entries.len();
        passes.progress.report(Phase::Sorting, 0, n);
        let mut first = entries
            .finish()
            .map_err(spill_error(&spill, "write a sorted run in"))?;
        spilled.add(&first);
        passes.progress.report(Phase::Sorting, n, n);
        let mut attempt = 0u64;
        let mut last_problem = String::new();
        let duplicates = loop {
            if attempt > 0 {
                drop(std::mem::replace(&mut first, SortedEntries::empty()));
                first = passes.hash_records(&table_hash(attempt), records_len, budget)?;
                spilled.add(&first);
            }
            let dropped_budget = budget.saturating_sub(first.memory_bytes());
            match passes.find_duplicates(&options, &mut first, records_len, dropped_budget)? {
                Ok(d) => break d,
                Err(problem) if version == FormatVersion::V1_0 => {
                    last_problem = problem;
                    attempt += 1;
                    if attempt >= SEED_ATTEMPTS {
                        return Err(WriteError::HashFlooding {
                            seeds: u32::try_from(SEED_ATTEMPTS).unwrap_or(u32::MAX),
                            detail: last_problem,
                        });
                    }
                }
                Err(problem) => {
                    return Err(WriteError::HashFlooding {
                        seeds: 1,
                        detail: problem,
                    })
                }
            }
        };
        let Duplicates { mut dropped, seeds } = duplicates;
        spilled.add(&dropped);
        let no_drops = dropped.len() == 0;
        if !no_drops {
            let (len, sum) = passes.compact(records_offset, &mut dropped, records_len)?;
            records_len = len;
            records_checksum = sum;
        }
        drop(dropped);

        // The table: hashed under the attempt's seed, placed, and hashed
        // again under the next seed if some key lands too far from home.
        // A 1.0 build without duplicates keeps the entries it already has.
        let mut reusable = (version == FormatVersion::V1_0 && no_drops).then_some(first);
        if version != FormatVersion::V1_0 {
            attempt = 0;
        }
        let mut placed = None;
        while attempt < SEED_ATTEMPTS {
            let hasher = match version {
                FormatVersion::V1_0 => table_hash(attempt),
                _ => table_hash(seeds.seed(attempt)),
            };
            let mut hashes = match reusable.take() {
                Some(entries) => entries,
                None => {
                    let t = passes.hash_records(&hasher, records_len, budget)?;
                    spilled.add(&t);
                    t
                }
            };
            let slot_count = home_slots_for(hashes.len());
            let total = hashes.len();
            let mut done = 0u64;
            let progress = &mut *passes.progress;
            progress.report(Phase::Placing, 0, total);
            let mut stream = hashes
                .stream()
                .map_err(spill_error(&spill, "read a sorted run from"))?;
            let max = max_displacement(
                stream.by_ref().inspect(|_| {
                    done += 1;
                    progress.tick(Phase::Placing, done, total);
                }),
                slot_count,
            );
            stream
                .check()
                .map_err(spill_error(&spill, "read a sorted run from"))?;
            match max {
                Ok(max) => {
                    placed = Some((hashes, hasher, slot_count, max));
                    break;
                }
                Err(o) => {
                    last_problem = format!(
                        "slot {} would be {} slots from its home (limit {MAX_DISPLACEMENT})",
                        o.slot, o.displacement
                    );
                }
            }
            attempt += 1;
        }
        let Some((mut hashes, hasher, slot_count, max_disp)) = placed else {
            return Err(WriteError::HashFlooding {
                seeds: u32::try_from(SEED_ATTEMPTS).unwrap_or(u32::MAX),
                detail: last_problem,
            });
        };
        let seed = hasher.seed();

        // Slots, after padding the records to an 8-byte boundary.
        let records_end = records_offset + records_len;
        let slots_offset = records_end.next_multiple_of(SECTION_ALIGN);
        out.seek(records_end)?;
        // At most SECTION_ALIGN - 1 bytes.
        out.append_zeros(chunk_len(slots_offset - records_end, FENCE_BLOCK_SIZE))?;
        out.start_checksum()?;
        let slot_total = slot_count + u64::from(max_disp);
        let mut written = 0u64;
        progress.report(Phase::WritingSlots, 0, slot_total);
        let mut stream = hashes
            .stream()
            .map_err(spill_error(&spill, "read a sorted run from"))?;
        emit_slots(stream.by_ref(), slot_count, max_disp, |slot: Slot| {
            written += 1;
            progress.tick(Phase::WritingSlots, written, slot_total);
            out.append(&[&slot.to_bytes()])
        })?;
        stream
            .check()
            .map_err(spill_error(&spill, "read a sorted run from"))?;
        let slots_checksum = out.take_checksum()?;
        let slots_len = slot_total * SLOT_SIZE as u64;
        let slots_end = slots_offset + slots_len;
        // Ordered files end with the key fences, at a page boundary so
        // that no block straddles two pages (SPEC.md §12.2).
        let (fences_offset, fences_checksum) = match &sorted {
            Some(sorted) => {
                let at = slots_end.next_multiple_of(FENCE_BLOCK_SIZE as u64);
                out.append_zeros(chunk_len(at - slots_end, FENCE_BLOCK_SIZE))?;
                out.start_checksum()?;
                out.append(&[&sorted.fences])?;
                (at, out.take_checksum()?)
            }
            None => (slots_end, 0),
        };
        let fences_len = sorted.as_ref().map_or(0, |s| s.fences.len() as u64);
        let file_len = fences_offset + fences_len;
        let record_count = sorted.as_ref().map_or(hashes.len(), |s| s.records);
        let params = HashParams::new(hasher.stored(), slot_count, max_disp);
        // One entry per written section, in the plan's order.
        let table: Vec<SectionEntry> = plan
            .sections
            .iter()
            .map(|&section| {
                let (offset, length, items, sum) = match section.id {
                    SectionId::HASH_PARAMS => (
                        plan.params_offset(),
                        HASH_PARAMS_SIZE as u64,
                        1,
                        checksum(params.as_bytes()),
                    ),
                    SectionId::RECORDS => {
                        (records_offset, records_len, record_count, records_checksum)
                    }
                    SectionId::VALUE_SCHEMA => {
                        let (schema, bytes) =
                            plan.schema.as_ref().map_or((0, &[][..]), |(s, b)| {
                                (s.fields().len() as u64, b.as_slice())
                            });
                        (
                            plan.schema_offset(),
                            bytes.len() as u64,
                            schema,
                            checksum(bytes),
                        )
                    }
                    SectionId::KEY_FENCES => (
                        fences_offset,
                        fences_len,
                        sorted.as_ref().map_or(0, |s| s.runs),
                        fences_checksum,
                    ),
                    _ => (slots_offset, slots_len, slot_total, slots_checksum),
                };
                SectionEntry::new(section, offset, length, items, sum)
            })
            .collect();
        let (minor, compat, incompat) = plan.header_bits(version);
        let header = Header::new(
            minor,
            compat,
            incompat,
            file_len,
            TABLE_OFFSET,
            plan.section_count(),
            checksum(table.as_slice().as_bytes()),
        );
        let mut head = Vec::with_capacity(plan.head_len());
        head.extend_from_slice(header.as_bytes());
        head.extend_from_slice(table.as_slice().as_bytes());
        head.extend_from_slice(params.as_bytes());
        if let Some((_, bytes)) = &plan.schema {
            head.extend_from_slice(bytes);
        }
        out.write_at(0, &head)?;
        progress.report(Phase::Syncing, 0, 1);
        let published = out.into_sink()?.publish()?;
        progress.report(Phase::Syncing, 1, 1);
        Ok((
            Summary {
                records: record_count,
                inserted,
                file_len,
                seed,
                slot_count,
                max_displacement: max_disp,
                distinct_keys: hashes.len(),
                sort_runs,
                hash_runs: spilled.runs,
                spilled_bytes: spilled.bytes,
            },
            published,
        ))
    }
}

/// The hash kept for each record while records arrive (see
/// `Writer::first_hash`).
fn first_hash_of(version: FormatVersion, hash_override: Option<HashFunction>, key: &[u8]) -> u64 {
    match (version, hash_override) {
        (FormatVersion::V1_0, Some(f)) => f(key, 0),
        (FormatVersion::V1_0, None) => key_hash(key, 0),
        (_, _) => key_digest(key),
    }
}

/// Appends one record, laid out as `codec` says.
fn append_record<S: Sink>(
    out: &mut Buffered<S>,
    codec: RecordCodec,
    scratch: &mut Vec<u8>,
    key: &[u8],
    value: &[u8],
) -> Result<(), WriteError> {
    if codec == RecordCodec::PLAIN {
        // The common case, without a copy. Lengths were checked by insert.
        let head = RecordHeader::new(
            u16::try_from(key.len()).unwrap_or(u16::MAX),
            u32::try_from(value.len()).unwrap_or(u32::MAX),
        );
        return out.append(&[head.as_bytes(), key, value]);
    }
    scratch.clear();
    codec.encode(key, value, scratch);
    out.append(&[scratch])
}

/// What `Writer::write_sorted` wrote.
struct Sorted {
    /// The `key_fences` section.
    fences: Vec<u8>,
    /// Its runs.
    runs: u64,
    /// Records written.
    records: u64,
}

/// A record seen by [`Scanner`]: its offset and key.
struct Scanned<'a> {
    offset: u64,
    key: &'a [u8],
}

/// Reads record headers and keys of the records section front to back, in
/// buffered chunks, skipping values.
struct Scanner<'a, S: Sink> {
    out: &'a mut Buffered<S>,
    /// File offset of the records section.
    base: u64,
    codec: RecordCodec,
    records_len: u64,
    pos: u64,
    buf: Vec<u8>,
    buf_start: u64,
    buf_len: usize,
}

impl<'a, S: Sink> Scanner<'a, S> {
    fn new(out: &'a mut Buffered<S>, plan: &Plan, records_len: u64) -> Scanner<'a, S> {
        Scanner {
            out,
            base: plan.records_offset(),
            codec: plan.codec,
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
        let codec = self.codec;
        let head = self.bytes(at, codec.head_len())?;
        // The writer wrote these headers itself; a short read cannot happen.
        let (key_len, value_len) = codec.lengths(head).unwrap_or((0, 0));
        let spans = codec.spans(key_len, value_len);
        self.pos = at + spans.end;
        // At most 65,535 bytes.
        let key_len = usize::try_from(key_len).unwrap_or(0);
        let key = self.bytes(at + spans.key_start, key_len)?;
        Ok(Some(Scanned { offset: at, key }))
    }

    /// `len` bytes at records offset `at`; `len` is at most 65,535 bytes.
    fn bytes(&mut self, at: u64, len: usize) -> Result<&[u8], WriteError> {
        let in_buf =
            at >= self.buf_start && at + len as u64 <= self.buf_start + self.buf_len as u64;
        if !in_buf {
            let want = chunk_len(self.records_len - at, self.buf.len());
            self.out.read_at(self.base + at, &mut self.buf[..want])?;
            self.buf_start = at;
            self.buf_len = want;
        }
        // `at` lies in the buffer, so its distance from the start fits.
        let s = chunk_len(at - self.buf_start, self.buf_len);
        Ok(&self.buf[s..s + len])
    }
}

/// Reads the key of the record at records offset `offset`.
fn read_key<S: Sink>(
    out: &mut Buffered<S>,
    codec: RecordCodec,
    base: u64,
    offset: u64,
) -> Result<Vec<u8>, WriteError> {
    let mut head = [0u8; RECORD_HEADER_SIZE];
    let head = &mut head[..codec.head_len()];
    out.read_at(base + offset, head)?;
    let (key_len, value_len) = codec.lengths(head).unwrap_or((0, 0));
    let spans = codec.spans(key_len, value_len);
    let mut key = vec![0u8; usize::try_from(key_len).unwrap_or(0)];
    out.read_at(base + offset + spans.key_start, &mut key)?;
    Ok(key)
}

/// How [`Options::memory`] is shared: the records of an ordered build
/// (at most [`Options::sort_buffer`]) and the hash entries, after
/// [`MEMORY_RESERVE`] for buffers.
struct Budgets {
    records: usize,
    entries: usize,
}

impl Budgets {
    fn new(options: &Options, ordered: bool) -> Budgets {
        let available = options.memory.saturating_sub(MEMORY_RESERVE);
        let records = if ordered {
            options.sort_buffer.min(available / 2)
        } else {
            0
        };
        Budgets {
            records,
            entries: available - records,
        }
    }
}

/// The error for a failed read or write of a sorted run in `spill`.
fn spill_error(spill: &SpillDir, op: &'static str) -> impl Fn(std::io::Error) -> WriteError {
    let path: PathBuf = spill.path().to_path_buf();
    move |source| WriteError::Io {
        op,
        path: path.clone(),
        source,
    }
}

/// Sorted runs written to temporary files, for the [`Summary`].
#[derive(Default)]
struct Spilled {
    runs: u64,
    bytes: u64,
}

impl Spilled {
    fn add<T: crate::spill_sort::FixedItem>(&mut self, sorted: &SortedEntries<T>) {
        self.runs += sorted.spilled_runs();
        self.bytes += sorted.spilled_bytes();
    }
}

/// What [`Passes::find_duplicates`] found.
struct Duplicates {
    /// Offsets of the records that the duplicate policy drops, sorted.
    dropped: SortedEntries<u64>,
    /// The seed derivation over the surviving keys' digests (1.1).
    seeds: SeedDeriver,
}

/// The passes of [`Writer::finish_into`] over the records and the sorted
/// hash entries.
struct Passes<'a, S: Sink> {
    out: &'a mut Buffered<S>,
    plan: &'a Plan,
    spill: &'a SpillDir,
    progress: &'a mut Reporter,
}

impl<S: Sink> Passes<'_, S> {
    /// Hashes every key with `hasher`, reading the records in one
    /// sequential pass, and sorts the entries in at most `budget` bytes.
    /// With several values per key, only the first record of each group
    /// has an entry (SPEC.md §12.3).
    fn hash_records(
        &mut self,
        hasher: &TableHash,
        records_len: u64,
        budget: usize,
    ) -> Result<SortedEntries<HashedRecord>, WriteError> {
        let mut sorter = SpillSorter::new(budget, self.spill.clone());
        let write_error = spill_error(self.spill, "write a sorted run in");
        let multi_value = self.plan.multi_value;
        let mut scan = Scanner::new(self.out, self.plan, records_len);
        let mut previous: Option<Vec<u8>> = None;
        let mut count = 0u64;
        self.progress.report(Phase::Hashing, 0, records_len);
        while let Some(Scanned { offset, key }) = scan.next()? {
            count += 1;
            if count.is_multiple_of(REPORT_EVERY) {
                self.progress.report(Phase::Hashing, offset, records_len);
            }
            if multi_value {
                if previous.as_deref() == Some(key) {
                    continue;
                }
                let p = previous.get_or_insert_with(Vec::new);
                p.clear();
                p.extend_from_slice(key);
            }
            sorter
                .push(HashedRecord::new(hasher.hash(key), offset))
                .map_err(&write_error)?;
        }
        self.progress
            .report(Phase::Hashing, records_len, records_len);
        let n = sorter.len();
        self.progress.report(Phase::Sorting, 0, n);
        let sorted = sorter.finish().map_err(&write_error)?;
        self.progress.report(Phase::Sorting, n, n);
        Ok(sorted)
    }

    /// Finds records with equal keys among `entries` (sorted by hash,
    /// offset) and applies the duplicate policy. Only entries that share a
    /// hash have their keys read, and a group of equal hashes keeps one
    /// entry per distinct key (at most 255 of them), however many records
    /// repeat a key. The inner `Err` asks for another seed: more than 255
    /// different keys share one full hash, which no table could hold.
    fn find_duplicates(
        &mut self,
        options: &Options,
        entries: &mut SortedEntries<HashedRecord>,
        records_len: u64,
        dropped_budget: usize,
    ) -> Result<Result<Duplicates, String>, WriteError> {
        let read_error = spill_error(self.spill, "read a sorted run from");
        let write_error = spill_error(self.spill, "write a sorted run in");
        let (codec, base) = (self.plan.codec, self.plan.records_offset());
        let mut dropped = SpillSorter::<u64>::new(dropped_budget, self.spill.clone());
        let mut seeds = SeedDeriver::new();
        let total = entries.len();
        let mut stream = entries.stream().map_err(&read_error)?;
        // The current group of equal hashes: its hash; its only entry
        // while it has one (whose key is not read); then each distinct
        // key with the offset of the record that survives so far.
        let mut group: Option<u64> = None;
        let mut lone: Option<u64> = None;
        let mut distinct: Vec<(Vec<u8>, u64)> = Vec::new();
        let mut done = 0u64;
        self.progress.report(Phase::Duplicates, 0, total);
        for e in stream.by_ref() {
            done += 1;
            self.progress.tick(Phase::Duplicates, done, total);
            if group != Some(e.hash) {
                if let Some(hash) = group {
                    for _ in 0..distinct.len().max(1) {
                        seeds.add(hash);
                    }
                }
                group = Some(e.hash);
                lone = Some(e.offset);
                distinct.clear();
                continue;
            }
            if let Some(first) = lone.take() {
                distinct.push((read_key(self.out, codec, base, first)?, first));
            }
            let key = read_key(self.out, codec, base, e.offset)?;
            match distinct.iter().position(|(k, _)| *k == key) {
                Some(d) => match options.on_duplicate {
                    // `keep` builds are ordered, and their entries hold
                    // one record per distinct key: reaching here would be
                    // a bug, reported rather than dropping a record.
                    OnDuplicate::Error | OnDuplicate::Keep => {
                        let first = distinct[d].1;
                        drop(stream);
                        return Err(WriteError::DuplicateKey {
                            key,
                            first: self.ordinal(records_len, first)?,
                            second: self.ordinal(records_len, e.offset)?,
                        });
                    }
                    OnDuplicate::First => dropped.push(e.offset).map_err(&write_error)?,
                    OnDuplicate::Last => {
                        dropped.push(distinct[d].1).map_err(&write_error)?;
                        distinct[d].1 = e.offset;
                    }
                },
                None if distinct.len() > MAX_DISPLACEMENT as usize => {
                    return Ok(Err(format!(
                        "more than {} different keys share the hash {:#018x}",
                        MAX_DISPLACEMENT + 1,
                        e.hash
                    )));
                }
                None => distinct.push((key, e.offset)),
            }
        }
        stream.check().map_err(&read_error)?;
        if let Some(hash) = group {
            for _ in 0..distinct.len().max(1) {
                seeds.add(hash);
            }
        }
        Ok(Ok(Duplicates {
            dropped: dropped.finish().map_err(&write_error)?,
            seeds,
        }))
    }

    /// 0-based insertion index of the record at `offset` of an unordered
    /// build: the number of records before it. For an error message only:
    /// it reads the records up to `offset`.
    fn ordinal(&mut self, records_len: u64, offset: u64) -> Result<u64, WriteError> {
        let mut scan = Scanner::new(self.out, self.plan, records_len);
        let mut n = 0u64;
        while let Some(r) = scan.next()? {
            if r.offset >= offset {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// Removes the `dropped` records (sorted offsets) from the records
    /// section, moving the others down in place, front to back. Returns the
    /// new records length and checksum.
    fn compact(
        &mut self,
        base: u64,
        dropped: &mut SortedEntries<u64>,
        records_len: u64,
    ) -> Result<(u64, u64), WriteError> {
        let read_error = spill_error(self.spill, "read a sorted run from");
        let codec = self.plan.codec;
        let mut sum = Checksum::new();
        let mut buf = vec![0u8; BUFFER];
        let (mut read, mut write) = (0u64, 0u64);
        let mut stream = dropped.stream().map_err(&read_error)?;
        self.progress.report(Phase::Compacting, 0, records_len);
        loop {
            let next = stream.next();
            let live_end = next.unwrap_or(records_len);
            // The live records between two dropped ones. The destination
            // is never after the source, and each chunk is read before it
            // is overwritten.
            let mut copied = 0u64;
            while read + copied < live_end {
                let n = chunk_len(live_end - read - copied, buf.len());
                self.out.read_at(base + read + copied, &mut buf[..n])?;
                if write != read {
                    self.out.write_at(base + write + copied, &buf[..n])?;
                }
                sum.update(&buf[..n]);
                copied += n as u64;
            }
            write += copied;
            let Some(at) = next else { break };
            read = at + record_len_at(self.out, codec, base, at)?;
            self.progress.report(Phase::Compacting, read, records_len);
        }
        stream.check().map_err(&read_error)?;
        self.out.truncate(base + write)?;
        self.progress
            .report(Phase::Compacting, records_len, records_len);
        Ok((write, sum.finish()))
    }
}

/// The length of the record at records offset `offset`.
fn record_len_at<S: Sink>(
    out: &mut Buffered<S>,
    codec: RecordCodec,
    base: u64,
    offset: u64,
) -> Result<u64, WriteError> {
    let mut head = [0u8; RECORD_HEADER_SIZE];
    let head = &mut head[..codec.head_len()];
    out.read_at(base + offset, head)?;
    let (key_len, value_len) = codec.lengths(head).unwrap_or((0, 0));
    Ok(codec.spans(key_len, value_len).end)
}
