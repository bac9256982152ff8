//! The `typed` command: zidx's typed values (format 1.3, `TypedIndex<T>`)
//! against the two fixed-size hash tables a user of 24-byte structs would
//! otherwise pick: odht (rustc's on-disk table, memory-mapped) and
//! `hashbrown::HashMap` in RAM, on the same records and the same lookup
//! keys, in one run.
//!
//! Records: key = the 8 little-endian bytes of a distinct pseudo-random
//! u64, value = [`Row`] (24 bytes). Every lookup reads the whole row (its
//! four fields folded into an accumulator), and every answer is checked.
//! All systems are open at once and their timed passes interleaved, the
//! order rotated every round, so that drift of the machine falls on all of
//! them alike.

use std::borrow::Borrow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use memmap2::Mmap;
use odht::{Config, FxHashFn, HashTable, HashTableOwned};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
use zidx::TypedIndex;

use crate::datagen::{Rng, SEED};
use crate::machine::{self, Machine};
use crate::measure::median;
use crate::mmap::map_file;
use crate::report::{header, machine_section, num, row};
use crate::systems::Result;

/// The value of every record: 24 bytes, alignment 8, no padding.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
pub struct Row {
    /// A random id.
    pub id: u64,
    /// A random price.
    pub price: u32,
    /// A random stock count.
    pub stock: u32,
    /// A random score in [0, 1000).
    pub score: f64,
}
zidx::impl_schema!(Row {
    id: u64,
    price: u32,
    stock: u32,
    score: f64
});

/// Bytes of a record's key and value: what every system must store.
const PAYLOAD: u64 = 8 + 24;
/// odht's maximum load factor: the value of its `Default` table and its
/// tests, and what rustc uses (odht's docs recommend no other).
const ODHT_MAX_LOAD_PERCENT: u8 = 87;
/// splitmix64's increment (odd, so `i * GOLDEN` is a bijection of u64).
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;
const KEY_SEED: u64 = SEED ^ 0x7479_7065_645f_6b65; // "typed_ke"
const ROW_SEED: u64 = SEED ^ 0x7479_7065_645f_726f; // "typed_ro"

/// Options of `typed`.
#[derive(Debug, Clone)]
pub struct TypedOptions {
    /// Record counts.
    pub records: Vec<u64>,
    /// Where TYPED.md goes.
    pub out: PathBuf,
    /// Where the builds go.
    pub data_dir: PathBuf,
    /// Hits per pass, and as many misses.
    pub lookups: usize,
    /// Timed passes of each kind per system (the median is reported).
    pub passes: usize,
    /// Keys per `get_many` call.
    pub batch: usize,
    /// The command line, for the report.
    pub command: String,
}

/// splitmix64's output function: a bijection of u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The `i`th key of the splitmix64 stream seeded with [`KEY_SEED`]: keys
/// `0..n` are the records, keys from `n` on are misses. Distinct `i` give
/// distinct keys (every step is a bijection), so no check is needed.
fn key_of(i: u64) -> u64 {
    mix(KEY_SEED.wrapping_add(i.wrapping_mul(GOLDEN)))
}

/// The low 32 bits.
fn low32(x: u64) -> u32 {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "keeps the low half on purpose"
    )]
    let low = x as u32;
    low
}

/// The value of record `i`.
fn row_of(i: u64) -> Row {
    let a = mix(ROW_SEED.wrapping_add((2 * i).wrapping_mul(GOLDEN)));
    let b = mix(ROW_SEED.wrapping_add((2 * i + 1).wrapping_mul(GOLDEN)));
    Row {
        id: a,
        price: low32(b >> 32),
        stock: low32(b),
        score: (a >> 11) as f64 / (1u64 << 53) as f64 * 1000.0,
    }
}

/// What a lookup computes from the row it found: all 24 bytes read.
#[inline]
fn fold(r: &Row) -> u64 {
    r.id ^ u64::from(r.price) ^ u64::from(r.stock) ^ r.score.to_bits()
}

/// odht's table: u64 key -> [`Row`], both stored inline in the slots.
struct RowTable;

impl Config for RowTable {
    type Key = u64;
    type Value = Row;
    type EncodedKey = [u8; 8];
    type EncodedValue = [u8; 24];
    type H = FxHashFn;
    #[inline]
    fn encode_key(k: &u64) -> [u8; 8] {
        k.to_le_bytes()
    }
    #[inline]
    fn encode_value(v: &Row) -> [u8; 24] {
        zerocopy::transmute!(*v)
    }
    #[inline]
    fn decode_key(k: &[u8; 8]) -> u64 {
        u64::from_le_bytes(*k)
    }
    #[inline]
    fn decode_value(v: &[u8; 24]) -> Row {
        zerocopy::transmute!(*v)
    }
}

/// `HashTable` wants `Borrow<[u8]>`, which `Mmap` lacks.
struct Bytes(Mmap);

impl Borrow<[u8]> for Bytes {
    fn borrow(&self) -> &[u8] {
        &self.0
    }
}

/// One lookup of one system: the row of `key`, copied out (all of it read).
trait Lookup {
    fn lookup(&self, key: u64) -> std::result::Result<Option<Row>, zidx::Error>;
}

impl Lookup for TypedIndex<Row> {
    #[inline]
    fn lookup(&self, key: u64) -> std::result::Result<Option<Row>, zidx::Error> {
        self.get(&key.to_le_bytes()).map(Option::<&Row>::copied)
    }
}

impl Lookup for HashTable<RowTable, Bytes> {
    #[inline]
    fn lookup(&self, key: u64) -> std::result::Result<Option<Row>, zidx::Error> {
        Ok(self.get(&key))
    }
}

impl Lookup for hashbrown::HashMap<u64, Row> {
    #[inline]
    fn lookup(&self, key: u64) -> std::result::Result<Option<Row>, zidx::Error> {
        Ok(self.get(&key).copied())
    }
}

/// What a pass found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tally {
    /// [`fold`] of every row found, summed.
    sum: u64,
    found: usize,
    errors: usize,
}

impl Tally {
    const ZERO: Tally = Tally {
        sum: 0,
        found: 0,
        errors: 0,
    };

    #[inline]
    fn add(&mut self, answer: std::result::Result<Option<&Row>, &zidx::Error>) {
        match answer {
            Ok(Some(r)) => {
                self.sum = self.sum.wrapping_add(fold(r));
                self.found += 1;
            }
            Ok(None) => {}
            Err(_) => self.errors += 1,
        }
    }
}

/// One timed pass of one-at-a-time lookups: ns per lookup and the tally.
fn pass<L: Lookup>(system: &L, keys: &[u64]) -> (f64, Tally) {
    let mut tally = Tally::ZERO;
    let t = Instant::now();
    for &k in keys {
        tally.add(system.lookup(k).as_ref().map(Option::as_ref));
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / keys.len().max(1) as f64;
    (ns, std::hint::black_box(tally))
}

/// One timed pass of `get_many` calls of `batch` keys.
fn pass_many(index: &TypedIndex<Row>, keys: &[[u8; 8]], batch: usize) -> (f64, Tally) {
    let mut tally = Tally::ZERO;
    let mut out = Vec::with_capacity(batch);
    let t = Instant::now();
    for chunk in keys.chunks(batch.max(1)) {
        index.get_many(chunk, &mut out);
        for answer in &out {
            tally.add(answer.as_ref().copied());
        }
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / keys.len().max(1) as f64;
    (ns, std::hint::black_box(tally))
}

/// The lookup keys of one size, shared by every system.
struct Probes {
    /// Record numbers of the hits, in random order (with repeats).
    hit_ids: Vec<u64>,
    hits: Vec<u64>,
    misses: Vec<u64>,
    hit_bytes: Vec<[u8; 8]>,
    miss_bytes: Vec<[u8; 8]>,
    /// The tally a correct hit pass gives.
    hit_tally: Tally,
}

impl Probes {
    fn new(n: u64, lookups: usize) -> Probes {
        let mut rng = Rng::new(SEED ^ 0x7479_7065_6400_0000 ^ n); // "typed"
        let hit_ids: Vec<u64> = (0..lookups).map(|_| rng.below(n)).collect();
        let hits: Vec<u64> = hit_ids.iter().map(|&i| key_of(i)).collect();
        // Keys `n..` of the stream: never a record's key.
        let misses: Vec<u64> = (n..).take(lookups).map(key_of).collect();
        let mut hit_tally = Tally::ZERO;
        for &i in &hit_ids {
            hit_tally.add(Ok(Some(&row_of(i))));
        }
        Probes {
            hit_bytes: hits.iter().map(|k| k.to_le_bytes()).collect(),
            miss_bytes: misses.iter().map(|k| k.to_le_bytes()).collect(),
            hit_ids,
            hits,
            misses,
            hit_tally,
        }
    }

    /// Lookups whose answer differs from the right one, over every hit and
    /// miss, one at a time.
    fn wrong<L: Lookup>(&self, system: &L) -> usize {
        let hits = self
            .hit_ids
            .iter()
            .zip(&self.hits)
            .filter(|&(&i, &k)| !same(system.lookup(k).ok().flatten(), Some(row_of(i))))
            .count();
        let misses = self
            .misses
            .iter()
            .filter(|&&k| !matches!(system.lookup(k), Ok(None)))
            .count();
        hits + misses
    }

    /// The same for `get_many`.
    fn wrong_many(&self, index: &TypedIndex<Row>, batch: usize) -> usize {
        let mut wrong = 0;
        let mut out = Vec::new();
        for (ids, keys) in self
            .hit_ids
            .chunks(batch.max(1))
            .zip(self.hit_bytes.chunks(batch.max(1)))
        {
            index.get_many(keys, &mut out);
            wrong += ids
                .iter()
                .zip(&out)
                .filter(|(&i, r)| {
                    !same(r.as_ref().ok().copied().flatten().copied(), Some(row_of(i)))
                })
                .count();
            wrong += keys.len().abs_diff(out.len());
        }
        for keys in self.miss_bytes.chunks(batch.max(1)) {
            index.get_many(keys, &mut out);
            wrong += out.iter().filter(|r| !matches!(r, Ok(None))).count();
            wrong += keys.len().abs_diff(out.len());
        }
        wrong
    }
}

/// Bitwise equality of two answers.
fn same(a: Option<Row>, b: Option<Row>) -> bool {
    a.as_ref().map(IntoBytes::as_bytes) == b.as_ref().map(IntoBytes::as_bytes)
}

/// Hits or misses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hit,
    Miss,
}

/// The contenders, in the report's order.
const CONTENDERS: [&str; 6] = [
    "zidx typed, mapped, `get`",
    "zidx typed, mapped, `get_many`",
    "zidx typed, loaded, `get`",
    "zidx typed, loaded, `get_many`",
    "odht, mapped",
    "hashbrown `HashMap`, RAM",
];
/// Indices into [`CONTENDERS`].
const ZIDX_MAPPED: usize = 0;
const ZIDX_LOADED: usize = 2;
const ODHT: usize = 4;
const HASHBROWN: usize = 5;

/// One build.
#[derive(Debug, Clone)]
struct Build {
    name: &'static str,
    /// Wall time of the build.
    time: Duration,
    /// Bytes the system needs: its file, or the map's memory.
    bytes: u64,
    /// How `bytes` was obtained.
    note: String,
}

/// Everything about one size.
#[derive(Debug, Clone)]
struct SizeResult {
    records: u64,
    builds: Vec<Build>,
    /// Time to open and to load the zidx file, and odht's open.
    opens: Vec<(&'static str, Duration)>,
    /// ns per lookup of each pass, per contender: (hits, misses).
    passes: Vec<(Vec<f64>, Vec<f64>)>,
    /// Huge-page bytes of the loaded zidx file, and its length.
    huge_pages: Option<(u64, u64)>,
    /// CPUs other processes kept busy during the timed passes.
    others_cpu: Option<f64>,
    /// Load averages before the builds and after the timed passes.
    load: (String, String),
    elapsed: Duration,
}

impl SizeResult {
    fn hit(&self, c: usize) -> f64 {
        median(self.passes[c].0.clone())
    }
    fn miss(&self, c: usize) -> f64 {
        median(self.passes[c].1.clone())
    }
    fn overhead(&self, b: &Build) -> f64 {
        (b.bytes as f64 - (self.records * PAYLOAD) as f64) / self.records.max(1) as f64
    }
}

/// Runs everything and writes TYPED.md; returns its path.
pub fn typed(options: TypedOptions) -> Result<PathBuf> {
    let start = Instant::now();
    let log = |what: &str| eprintln!("[{:>6.1}s] {what}", start.elapsed().as_secs_f64());
    std::fs::create_dir_all(&options.data_dir)?;
    let machine = Machine::probe(&options.data_dir);
    let mut results = Vec::new();
    for &n in &options.records {
        if n == 0 {
            return Err("--records: every size must be at least 1".into());
        }
        results.push(one_size(&options, n, &log)?);
    }
    let _ = std::fs::remove_dir(&options.data_dir);
    let report = render(&options, &machine, &results, start.elapsed());
    std::fs::create_dir_all(&options.out)?;
    let path = options.out.join("TYPED.md");
    std::fs::write(&path, report)?;
    log(&format!("wrote {}", path.display()));
    Ok(path)
}

fn one_size(options: &TypedOptions, n: u64, log: &dyn Fn(&str)) -> Result<SizeResult> {
    let start = Instant::now();
    let load_before = machine::load();
    let dir = options.data_dir.join(format!("typed-{n}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let (zidx_path, odht_path) = (dir.join("rows.zidx"), dir.join("rows.odht"));
    let capacity = usize::try_from(n)?;
    log(&format!("{n} records: lookup keys"));
    let probes = Probes::new(n, options.lookups.max(1));

    log(&format!("{n} records: build zidx"));
    let t = Instant::now();
    let schema = zidx::value_schema::<Row>()?;
    let mut writer = zidx_writer::Writer::create(
        &zidx_path,
        zidx_writer::Options::default().with_value_schema(schema),
    )?;
    for i in 0..n {
        writer.insert_typed(&key_of(i).to_le_bytes(), &row_of(i))?;
    }
    writer.finish()?;
    let zidx_build = Build {
        name: "zidx typed",
        time: t.elapsed(),
        bytes: std::fs::metadata(&zidx_path)?.len(),
        note: "file".into(),
    };

    log(&format!("{n} records: build odht"));
    let t = Instant::now();
    let mut table = HashTableOwned::<RowTable>::with_capacity(capacity, ODHT_MAX_LOAD_PERCENT);
    let mut duplicate = false;
    for i in 0..n {
        duplicate |= table.insert(&key_of(i), &row_of(i)).is_some();
    }
    if duplicate {
        return Err("odht: a key inserted twice (the keys should be distinct)".into());
    }
    let mut file = File::create(&odht_path)?;
    file.write_all(table.raw_bytes())?;
    file.sync_all()?;
    drop((file, table));
    let odht_build = Build {
        name: "odht",
        time: t.elapsed(),
        bytes: std::fs::metadata(&odht_path)?.len(),
        note: "file".into(),
    };

    log(&format!("{n} records: build hashbrown"));
    let t = Instant::now();
    let mut map = hashbrown::HashMap::<u64, Row>::with_capacity(capacity);
    for i in 0..n {
        map.insert(key_of(i), row_of(i));
    }
    let map_time = t.elapsed();
    let (estimate, allocated) = hashbrown_bytes(&map);
    let hashbrown_build = Build {
        name: "hashbrown `HashMap`",
        time: map_time,
        bytes: estimate,
        note: format!(
            "memory, estimated (see Method); `allocation_size()` says {}",
            num(allocated as f64)
        ),
    };

    log(&format!("{n} records: open"));
    let t = Instant::now();
    let mapped = TypedIndex::<Row>::open(&zidx_path)?;
    let open_mapped = t.elapsed();
    let t = Instant::now();
    let loaded = TypedIndex::<Row>::load(&zidx_path)?;
    let open_loaded = t.elapsed();
    let t = Instant::now();
    let odht = HashTable::<RowTable, Bytes>::from_raw_bytes(Bytes(map_file(&odht_path, false)?))
        .map_err(|e| e.to_string())?;
    let open_odht = t.elapsed();
    let huge_pages = loaded
        .index()
        .storage()
        .huge_page_bytes()
        .map(|h| (h, zidx_build.bytes));

    // Warm-up, and every answer checked.
    log(&format!("{n} records: check every answer (warm-up)"));
    let batch = options.batch.max(1);
    for (name, wrong) in [
        (CONTENDERS[0], probes.wrong(&mapped)),
        (CONTENDERS[1], probes.wrong_many(&mapped, batch)),
        (CONTENDERS[2], probes.wrong(&loaded)),
        (CONTENDERS[3], probes.wrong_many(&loaded, batch)),
        (CONTENDERS[4], probes.wrong(&odht)),
        (CONTENDERS[5], probes.wrong(&map)),
    ] {
        if wrong != 0 {
            return Err(format!("{name}: {wrong} wrong answers at {n} records").into());
        }
    }

    log(&format!("{n} records: timed passes"));
    let run = |c: usize, kind: Kind| -> (f64, Tally) {
        let (keys, bytes) = match kind {
            Kind::Hit => (&probes.hits, &probes.hit_bytes),
            Kind::Miss => (&probes.misses, &probes.miss_bytes),
        };
        match c {
            0 => pass(&mapped, keys),
            1 => pass_many(&mapped, bytes, batch),
            2 => pass(&loaded, keys),
            3 => pass_many(&loaded, bytes, batch),
            4 => pass(&odht, keys),
            _ => pass(&map, keys),
        }
    };
    let mut passes = vec![(Vec::new(), Vec::new()); CONTENDERS.len()];
    let cpu = machine::CpuSample::now();
    for round in 0..options.passes.max(1) {
        for j in 0..CONTENDERS.len() {
            let c = (j + round) % CONTENDERS.len();
            for kind in [Kind::Hit, Kind::Miss] {
                let (ns, tally) = run(c, kind);
                let expect = match kind {
                    Kind::Hit => probes.hit_tally,
                    Kind::Miss => Tally::ZERO,
                };
                if tally != expect {
                    return Err(format!(
                        "{}: {kind:?} pass found {tally:?}, expected {expect:?}",
                        CONTENDERS[c]
                    )
                    .into());
                }
                match kind {
                    Kind::Hit => passes[c].0.push(ns),
                    Kind::Miss => passes[c].1.push(ns),
                }
            }
        }
    }
    let others_cpu = cpu.and_then(|c| c.others_since());
    let load_after = machine::load();
    drop((mapped, loaded, odht, map));
    std::fs::remove_dir_all(&dir)?;
    Ok(SizeResult {
        records: n,
        builds: vec![zidx_build, odht_build, hashbrown_build],
        opens: vec![
            ("zidx `TypedIndex::open` (mmap)", open_mapped),
            (
                "zidx `TypedIndex::load` (read into huge pages)",
                open_loaded,
            ),
            ("odht mmap + `HashTable::from_raw_bytes`", open_odht),
        ],
        passes,
        huge_pages,
        others_cpu,
        load: (load_before, load_after),
        elapsed: start.elapsed(),
    })
}

/// hashbrown's memory for `map`: (the formula of the report, and what
/// `allocation_size` says). The table holds `buckets` (a power of two)
/// `(u64, Row)` pairs and `buckets + 16` control bytes (one per bucket and
/// a group's width more, for SSE2's 16-byte groups); `capacity()` is 7/8 of
/// the buckets, so buckets = next power of two of capacity × 8 / 7.
fn hashbrown_bytes(map: &hashbrown::HashMap<u64, Row>) -> (u64, u64) {
    let buckets = (map.capacity() * 8 / 7).next_power_of_two();
    let pair = std::mem::size_of::<(u64, Row)>();
    let estimate = buckets * (pair + 1) + 16;
    (estimate as u64, map.allocation_size() as u64)
}

/// `x` and `x ÷ base`.
fn with_ratio(x: f64, base: f64) -> String {
    format!("{} ({:.2}×)", num(x), x / base)
}

fn spread(xs: &[f64]) -> String {
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{}–{}", num(min), num(max))
}

/// A target's verdict.
fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "**not met**"
    }
}

fn render(
    options: &TypedOptions,
    machine: &Machine,
    results: &[SizeResult],
    elapsed: Duration,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Typed values (format 1.3): zidx against odht and hashbrown\n\nCommand: `{}`  \n\
         Date: {}  \nTotal wall time: {:.0} s\n",
        options.command,
        machine.date,
        elapsed.as_secs_f64()
    );
    out.push_str(&machine_section(machine, &machine::load()));
    out.push_str("\nPer size (load averages 1/5/15 min before the builds and after the timed passes; \"others' CPUs\": how many CPUs other processes kept busy on average during the timed passes):\n\n");
    for r in results {
        let _ = writeln!(
            out,
            "- {} records: load {} before, {} after; others' CPUs {}; {:.0} s",
            num(r.records as f64),
            r.load.0,
            r.load.1,
            r.others_cpu.map_or("n/a".into(), num),
            r.elapsed.as_secs_f64()
        );
    }

    let _ = writeln!(
        out,
        "\n## Method\n\n\
         - **Records**: N records; the key is the 8 little-endian bytes of the i-th output \
         of a splitmix64 stream (distinct by construction), the value a 24-byte \
         `#[repr(C)] struct Row {{ id: u64, price: u32, stock: u32, score: f64 }}` of \
         pseudo-random fields. Payload: 32 bytes a record.\n\
         - **Lookups**: {lookups} hits (stored keys drawn at random, with repeats) and \
         {lookups} misses (later outputs of the same stream, so never stored), each list \
         in random order; every system gets the same lists. Every lookup reads the whole \
         row: `id ^ price ^ stock ^ score.to_bits()` is summed into an accumulator given to \
         `std::hint::black_box`.\n\
         - **Checks**: before timing, one untimed pass per contender (also the warm-up) \
         compares every answer with the expected row, bit for bit, and every miss with \
         none; every timed pass must then give the expected sum and count of rows found.\n\
         - **Timing**: all contenders open at once; {passes} rounds, each a hit pass and a \
         miss pass of every contender, the contenders' order rotated every round. Figures: \
         median ns per lookup over the rounds (fastest–slowest); (×) is the figure over \
         that of zidx mapped `get` of the same size.\n\
         - **zidx typed**: `zidx_writer::Writer::create` with \
         `Options::default().with_value_schema(zidx::value_schema::<Row>()?)` (format 1.3, \
         SipHash-1-3 keyed by a seed derived from the records), `insert_typed(&key, &row)` \
         in record order, `finish()` (which fsyncs and renames). Read with \
         `TypedIndex::<Row>::open` (mmap, MADV_RANDOM) and `TypedIndex::<Row>::load` \
         (anonymous memory advised MADV_HUGEPAGE); `get(&key)` returns `&Row` in place; \
         `get_many` takes {batch} keys a call.\n\
         - **odht 0.3**: `Config` with Key u64, Value Row, EncodedKey `[u8; 8]`, \
         EncodedValue `[u8; 24]` (zerocopy transmutes), hash `FxHashFn`; \
         `HashTableOwned::with_capacity(N, {odht_load})` ({odht_load}% is odht's own default \
         and rustc's; odht's docs recommend no other value), `insert` in record order, \
         `raw_bytes()` written to a file and fsynced (inside the build time, as zidx's). \
         Read by memory-mapping the file (MADV_NORMAL) and `HashTable::from_raw_bytes`; \
         `get(&key)` decodes the row by value. odht rounds its slot count up to a power \
         of two, so its real load is N ÷ slots.\n\
         - **hashbrown 0.17**: `HashMap<u64, Row>` with the default hasher (foldhash), \
         `with_capacity(N)` then `insert`; `get(&key)`. In RAM only: no file, so its \
         build writes nothing.\n\
         - **Size** and **overhead**: the file's bytes for zidx and odht; overhead per \
         record = (bytes − N × 32) ÷ N. For hashbrown, bytes = buckets × \
         (size_of::<(u64, Row)>() + 1) + 16 = buckets × 33 + 16, where buckets = next \
         power of two of `capacity()` × 8 ÷ 7 (a bucket per pair, one control byte per \
         bucket, plus a 16-byte SSE2 group of control bytes; `capacity()` is 7/8 of the \
         buckets); hashbrown's own `allocation_size()` is shown beside it.\n\
         - **Build time**: wall time in this process, generating each record on the fly \
         (the same generator for all three).\n",
        lookups = num(options.lookups as f64),
        passes = options.passes.max(1),
        batch = options.batch.max(1),
        odht_load = ODHT_MAX_LOAD_PERCENT,
    );

    out.push_str("## Warm lookups\n\nns per lookup, median (× zidx mapped `get`), then the fastest–slowest pass.\n\n");
    out.push_str(&header(&[
        "records",
        "system",
        "hits ns (×)",
        "hits range",
        "misses ns (×)",
        "misses range",
    ]));
    for r in results {
        let (bh, bm) = (r.hit(ZIDX_MAPPED), r.miss(ZIDX_MAPPED));
        for (c, name) in CONTENDERS.iter().enumerate() {
            out.push_str(&row(&[
                num(r.records as f64),
                (*name).into(),
                with_ratio(r.hit(c), bh),
                spread(&r.passes[c].0),
                with_ratio(r.miss(c), bm),
                spread(&r.passes[c].1),
            ]));
        }
    }
    out.push_str("\nRatios of the peers to each way of reading zidx (peer ns ÷ zidx ns; above 1: zidx is faster):\n\n");
    out.push_str(&header(&[
        "records",
        "zidx",
        "odht ÷ zidx, hits",
        "odht ÷ zidx, misses",
        "hashbrown ÷ zidx, hits",
        "hashbrown ÷ zidx, misses",
    ]));
    for r in results {
        for (c, name) in CONTENDERS.iter().enumerate().take(ODHT) {
            out.push_str(&row(&[
                num(r.records as f64),
                (*name).into(),
                format!("{:.2}", r.hit(ODHT) / r.hit(c)),
                format!("{:.2}", r.miss(ODHT) / r.miss(c)),
                format!("{:.2}", r.hit(HASHBROWN) / r.hit(c)),
                format!("{:.2}", r.miss(HASHBROWN) / r.miss(c)),
            ]));
        }
    }
    for r in results {
        if let Some((h, len)) = r.huge_pages {
            let _ = writeln!(
                out,
                "\n{} records, zidx loaded: {:.0} of {:.0} MiB in transparent huge pages.",
                num(r.records as f64),
                h as f64 / (1u64 << 20) as f64,
                len as f64 / (1u64 << 20) as f64
            );
        }
    }

    out.push_str("\n## Builds and sizes\n\n");
    out.push_str(&header(&[
        "records",
        "system",
        "build s (×)",
        "bytes",
        "B/record",
        "overhead B/record (×)",
        "what",
    ]));
    for r in results {
        let zidx = &r.builds[0];
        for b in &r.builds {
            out.push_str(&row(&[
                num(r.records as f64),
                b.name.into(),
                format!(
                    "{:.2} ({:.2}×)",
                    b.time.as_secs_f64(),
                    b.time.as_secs_f64() / zidx.time.as_secs_f64()
                ),
                num(b.bytes as f64),
                num(b.bytes as f64 / r.records as f64),
                with_ratio(r.overhead(b), r.overhead(zidx)),
                b.note.clone(),
            ]));
        }
    }
    out.push_str("\nOpening (page cache warm, once): ");
    let opens: Vec<String> = results
        .iter()
        .map(|r| {
            let each: Vec<String> = r
                .opens
                .iter()
                .map(|(what, d)| format!("{what} {:.3} s", d.as_secs_f64()))
                .collect();
            format!("at {} records, {}", num(r.records as f64), each.join(", "))
        })
        .collect();
    let _ = writeln!(out, "{}.\n", opens.join("; "));

    targets(&mut out, results);
    out
}

/// The targets: zidx `get` (and `get_many`, for reference) against the
/// peers, and the overhead.
fn targets(out: &mut String, results: &[SizeResult]) {
    out.push_str("## Targets\n\nSpeed targets compare one-at-a-time `get`; the like-for-like pair is marked *: zidx mapped against odht mapped, zidx loaded against hashbrown in RAM. The `get_many` rows are for reference.\n\n");
    out.push_str(&header(&["records", "target", "measured", "verdict"]));
    let mut not_met = Vec::new();
    for r in results {
        let n = num(r.records as f64);
        // `counts`: a target; otherwise a row for reference, its verdict
        // in parentheses.
        let mut push = |target: String, measured: String, met: bool, counts: bool| {
            let said = if counts {
                if !met {
                    not_met.push(format!("{target} at {n} records"));
                }
                verdict(met).to_string()
            } else {
                format!("({})", verdict(met).trim_matches('*'))
            };
            out.push_str(&row(&[n.clone(), target, measured, said]));
        };
        for (c, like) in [
            (ZIDX_MAPPED, "*"),
            (ZIDX_LOADED, ""),
            (ZIDX_MAPPED + 1, ""),
            (ZIDX_LOADED + 1, ""),
        ] {
            let z = CONTENDERS[c];
            for (kind, zt, ot) in [
                ("hits", r.hit(c), r.hit(ODHT)),
                ("misses", r.miss(c), r.miss(ODHT)),
            ] {
                push(
                    format!("{z}{like} faster than odht on {kind}"),
                    format!("{} ns vs {} ns ({:.2}×)", num(zt), num(ot), zt / ot),
                    zt < ot,
                    c == ZIDX_MAPPED || c == ZIDX_LOADED,
                );
            }
        }
        for (c, like) in [
            (ZIDX_LOADED, "*"),
            (ZIDX_MAPPED, ""),
            (ZIDX_LOADED + 1, ""),
            (ZIDX_MAPPED + 1, ""),
        ] {
            let z = CONTENDERS[c];
            for (kind, zt, ht) in [
                ("hits", r.hit(c), r.hit(HASHBROWN)),
                ("misses", r.miss(c), r.miss(HASHBROWN)),
            ] {
                push(
                    format!("{z}{like} ≤ 1.2 × hashbrown on {kind}"),
                    format!("{} ns vs {} ns ({:.2}×)", num(zt), num(ht), zt / ht),
                    zt <= 1.2 * ht,
                    c == ZIDX_MAPPED || c == ZIDX_LOADED,
                );
            }
        }
        let (z, o) = (r.overhead(&r.builds[0]), r.overhead(&r.builds[1]));
        push(
            "zidx overhead per record ≤ odht's".into(),
            format!("{} B vs {} B", num(z), num(o)),
            z <= o,
            true,
        );
    }
    if not_met.is_empty() {
        out.push_str("\nEvery target is met.\n");
    } else {
        let _ = writeln!(out, "\nNot met: {}.\n", not_met.join("; "));
    }
    out.push_str(WHY);
}

/// What the targets' verdicts rest on: facts of the three designs, and the
/// measurements elsewhere in results/ that explain the speed gap.
const WHY: &str = "## Why\n\n\
**Speed.** A warm lookup waits for one or two cache misses, and what decides its cost is how many \
lookups the CPU overlaps, which falls as the instructions per lookup rise (results/COSTS.md, \
`zidx-bench costs`; results/COUNTERS.md, `scripts/counters.sh`). odht hashes a `u64` with one \
multiply (FxHash) and hashbrown with foldhash's few; both then compare fixed-size keys in a \
table of fixed-size entries. zidx hashes every key with SipHash-1-3 keyed by a seed derived \
from the records (SPEC.md §6.3: no set of keys chosen before a build can make it fail or its \
lookups slow; a multiply hash in a file whose seed anyone can read offers no such thing), \
about 140 of its 300-380 instructions per lookup; COSTS.md measures a lookup that only \
hashes and loads its home slot at about 95 ns with SipHash-1-3 against 45 ns with XXH3. \
Then it follows the slot's offset to a variable-length record (a second dependent miss on a \
hit) and checks its bounds. Typed values remove the copy and the parsing of a value, not \
these. Reaching odht would take a second table layout for fixed-size keys (entries inline, \
as odht's) with a hash cheap enough to overlap lookups yet safe against chosen keys; that is \
a format change, left for a later release.\n\n\
**Size.** A typed record of an 8-byte key here is 40 bytes (2-byte key length, key, 6 bytes \
of padding to the value's 8-byte alignment, 24-byte value): 8 bytes over the payload, plus \
the slot table's 8 bytes a slot at 87.5% load, 9.14 B a record. odht's entries are the \
payload with 1 metadata byte, but it rounds its slot count up to a power of two: \
33 × slots ÷ N − 32 bytes a record, 23.4 at 10M records (slots 2^24) and 37.2 at 1M (2^21), \
and 5.9 at best, when N ÷ 0.87 falls just under a power of two. The overhead target is met at \
these sizes because of that rounding, not in general.\n";
