//! The `ordered` command: ordered queries on zidx built with `--ordered`
//! against fst (values file in key order) and LMDB, in the same run on the
//! same data, plus what `--ordered` costs a build and a file.
//!
//! For each data set: the builds (each in a child process; zidx with and
//! without `--ordered` several times, alternating, for the build-time
//! comparison), then warm seeks and warm scans with all three systems open
//! at once and their timed passes interleaved (so that drift of the machine
//! falls on all of them alike), then cold seeks, one system at a time.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::datagen::{self, DataSet, Rng, SortedKeys, Source, Spec, SEED};
use crate::machine::{self, Machine};
use crate::measure::{self, BuildFigures, ColdSeeks};
use crate::systems::{self, combine_digest, OrderedReader, Result, System};

mod report;

/// Options of `ordered`.
#[derive(Debug, Clone)]
pub struct OrderedOptions {
    /// Record counts of the random data sets.
    pub records: Vec<u64>,
    /// Where ORDERED.md goes.
    pub out: PathBuf,
    /// Where data sets and builds go.
    pub data_dir: PathBuf,
    /// Keep the generated data sets.
    pub keep_data: bool,
    /// Seek keys per pass: half stored keys, half random other keys.
    pub seeks: usize,
    /// Scans per pass.
    pub scans: usize,
    /// Records per scan.
    pub scan_len: usize,
    /// Timed passes (the median is reported).
    pub passes: usize,
    /// Seeks per cold measurement.
    pub cold: usize,
    /// Builds of zidx with and without `--ordered` per data set.
    pub build_repeats: usize,
    /// The command line, for the report.
    pub command: String,
}

/// The three systems compared, by id: zidx first.
pub const SYSTEMS: [&str; 3] = ["zidx-ordered", "fst-ordered", "lmdb"];
/// The unordered zidx build, for the size and build-time differences.
pub const PLAIN: &str = "zidx";

/// One system's figures on one data set.
#[derive(Debug, Clone)]
pub struct SystemFigures {
    /// `System::name`.
    pub name: &'static str,
    /// `System::setup`.
    pub setup: &'static str,
    /// Every build of it (zidx several, the peers one).
    pub builds: Vec<BuildFigures>,
    /// ns per seek, one per timed pass.
    pub seek_ns: Vec<f64>,
    /// ns per record returned by scans, one per timed pass.
    pub scan_ns: Vec<f64>,
    /// Cold seeks, one per way of opening.
    pub cold: Vec<ColdSeeks>,
}

/// One data set's results.
#[derive(Debug, Clone)]
pub struct SetResult {
    /// The data set.
    pub data: DataSet,
    /// Time to generate (or find) the data file.
    pub generate_time: Duration,
    /// zidx without `--ordered`: builds only.
    pub plain: SystemFigures,
    /// [`SYSTEMS`], in that order.
    pub systems: Vec<SystemFigures>,
    /// Seeks per pass.
    pub seeks: usize,
    /// Scans per pass, and the records they return in all.
    pub scans: (usize, usize),
    /// Seeks per cold measurement.
    pub cold: usize,
    /// CPUs that other processes kept busy during the warm passes, on
    /// average (noise: 0 on a quiet machine).
    pub others_cpu: Option<f64>,
    /// zidx: bytes of the top level of the key fences (with their 32-byte
    /// trailer), which the first ordered query after an open reads whole.
    pub fence_top_bytes: Option<u64>,
    /// Wall time for this data set.
    pub elapsed: Duration,
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct OrderedRun {
    /// Where it ran.
    pub machine: Machine,
    /// The options.
    pub options: OrderedOptions,
    /// Per data set, smallest first as given.
    pub sets: Vec<SetResult>,
    /// Whether `fincore` was there to count pages.
    pub fincore: bool,
    /// Load averages at the end.
    pub load_end: String,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// A seek key and the answers every system must give for it.
struct Query {
    key: Box<[u8]>,
    /// `combine_digest` of the first record at or after the key.
    seek: Option<u64>,
    /// Records and digest sum of the scan from the key.
    scan: (usize, u64),
}

/// Runs everything and writes ORDERED.md; returns its path.
pub fn ordered(options: OrderedOptions) -> Result<PathBuf> {
    let start = Instant::now();
    std::fs::create_dir_all(&options.data_dir)?;
    let machine = Machine::probe(&options.data_dir);
    let fincore = measure::cold::have_fincore();
    if !fincore {
        eprintln!("note: `fincore` (util-linux) not found: cold page counts will be missing");
    }
    let mut sets = Vec::new();
    for &records in &options.records {
        let log = |what: &str| {
            eprintln!(
                "[{:>6.1}s] {records} records: {what}",
                start.elapsed().as_secs_f64()
            );
        };
        sets.push(one_set(records, &options, &log)?);
    }
    if !options.keep_data {
        // Only removes the directory if nothing else is left in it.
        let _ = std::fs::remove_dir(&options.data_dir);
    }
    let run = OrderedRun {
        machine,
        options: options.clone(),
        sets,
        fincore,
        load_end: machine::load(),
        elapsed: start.elapsed(),
    };
    std::fs::create_dir_all(&options.out)?;
    let path = options.out.join("ORDERED.md");
    std::fs::write(&path, report::render(&run))?;
    eprintln!(
        "[{:>6.1}s] wrote {}",
        start.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(path)
}

fn system(id: &str) -> Result<Box<dyn System>> {
    systems::by_id(id).ok_or_else(|| format!("no system {id}").into())
}

fn figures(system: &dyn System) -> SystemFigures {
    SystemFigures {
        name: system.name(),
        setup: system.setup(),
        builds: Vec::new(),
        seek_ns: Vec::new(),
        scan_ns: Vec::new(),
        cold: Vec::new(),
    }
}

/// Builds `system` into a fresh `dir` in a child process.
fn build(system: &dyn System, data: &Path, dir: &Path) -> Result<BuildFigures> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    measure::build_in_child(system, data, dir)
}

fn one_set(records: u64, options: &OrderedOptions, log: &dyn Fn(&str)) -> Result<SetResult> {
    let t = Instant::now();
    let spec = Spec {
        name: format!("random-{records}"),
        source: Source::Random { records },
    };
    log("data set");
    let data = datagen::generate(&spec, &options.data_dir)?;
    let generate_time = t.elapsed();
    log("queries and their answers");
    let queries = queries(&data, options)?;

    let dir_of = |id: &str| options.data_dir.join(format!("{}.{id}", spec.name));
    let plain_system = system(PLAIN)?;
    let mut plain = figures(plain_system.as_ref());
    let systems: Vec<Box<dyn System>> =
        SYSTEMS.iter().map(|id| system(id)).collect::<Result<_>>()?;
    let mut results: Vec<SystemFigures> = systems.iter().map(|s| figures(s.as_ref())).collect();
    // zidx with and without --ordered, alternating; the last build of each
    // stays for the measurements.
    for i in 0..options.build_repeats.max(1) {
        log(&format!("build {} of zidx and zidx --ordered", i + 1));
        plain
            .builds
            .push(build(plain_system.as_ref(), &data.path, &dir_of(PLAIN))?);
        results[0]
            .builds
            .push(build(systems[0].as_ref(), &data.path, &dir_of(SYSTEMS[0]))?);
    }
    std::fs::remove_dir_all(dir_of(PLAIN))?;
    for (s, r) in systems.iter().zip(&mut results).skip(1) {
        log(&format!("build {}", s.id()));
        r.builds
            .push(build(s.as_ref(), &data.path, &dir_of(s.id()))?);
    }

    let fence_top_bytes = fence_top_bytes(&dir_of(SYSTEMS[0]).join("index.zidx"))?;
    log("warm seeks and scans");
    let cpu = machine::CpuSample::now();
    warm(&systems, &data, &dir_of, &queries, options, &mut results)?;
    let others_cpu = cpu.and_then(|c| c.others_since());

    log("cold seeks");
    let n = options.cold.min(queries.len());
    let keys: Vec<&[u8]> = queries[..n].iter().map(|q| &*q.key).collect();
    let expect: Vec<Option<u64>> = queries[..n].iter().map(|q| q.seek).collect();
    for (s, r) in systems.iter().zip(&mut results) {
        r.cold = measure::cold_seeks(s.as_ref(), &data.path, &dir_of(s.id()), &keys, &expect)?;
    }
    for s in &systems {
        std::fs::remove_dir_all(dir_of(s.id()))?;
    }
    if !options.keep_data {
        std::fs::remove_file(&data.path)?;
    }
    let scans = options.scans.min(queries.len());
    Ok(SetResult {
        data,
        generate_time,
        plain,
        systems: results,
        seeks: queries.len(),
        scans: (scans, queries[..scans].iter().map(|q| q.scan.0).sum()),
        cold: n,
        others_cpu,
        fence_top_bytes,
        elapsed: t.elapsed(),
    })
}

/// The bytes of the top level of the key fences of the zidx file at
/// `path` and of their trailer (SPEC.md §12.2), if it has key fences.
fn fence_top_bytes(path: &Path) -> Result<Option<u64>> {
    let index = zidx::Index::open(path)?;
    let Some(section) = index.layout().key_fences() else {
        return Ok(None);
    };
    let trailer = zidx_format::fences::FenceTop::trailer_range(section.offset, section.length)?;
    // The range lies inside the mapped file, whose length fits in a usize.
    #[allow(clippy::cast_possible_truncation)]
    let bytes = &index.as_bytes()[trailer.start as usize..trailer.end as usize];
    let (_, top) =
        zidx_format::fences::FenceTop::read_trailer(bytes, section.offset, section.length)?;
    Ok(Some(trailer.end - top.start))
}

/// The seek keys in random order, half stored keys (drawn uniformly) and
/// half random keys of the same shape, with the answers computed from the
/// sorted keys of the data set.
fn queries(data: &DataSet, options: &OrderedOptions) -> Result<Vec<Query>> {
    let half = (options.seeks / 2).max(1);
    let (hits, misses) = datagen::probes(data, half)?;
    let mut keys: Vec<Box<[u8]>> = hits.into_iter().chain(misses).map(|p| p.key).collect();
    Rng::new(SEED ^ 0x7365_656b).shuffle(&mut keys); // "seek"
    let sorted = SortedKeys::build(&data.path, |_, _, value| Ok(datagen::digest(value)))?;
    if sorted.is_empty() {
        return Err("the data set has no records".into());
    }
    let digest_at = |i: usize| sorted.get(i).map(|(k, d)| combine_digest(k, d));
    Ok(keys
        .into_iter()
        .map(|key| {
            let at = sorted.seek(&key);
            let end = (at + options.scan_len).min(sorted.len());
            let sum = (at..end)
                .filter_map(digest_at)
                .fold(0u64, u64::wrapping_add);
            Query {
                seek: digest_at(at),
                scan: (end - at, sum),
                key,
            }
        })
        .collect())
}

/// One pass of seeks over `queries` from `start` (wrapping around): the
/// time per seek in ns, and the wrong answers.
fn seek_pass(reader: &mut dyn OrderedReader, queries: &[Query], start: usize) -> (f64, u64) {
    let (tail, head) = queries.split_at(start);
    let mut wrong = 0;
    let t = Instant::now();
    for q in head.iter().chain(tail) {
        wrong += u64::from(reader.seek(&q.key) != q.seek);
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / queries.len().max(1) as f64;
    (ns, wrong)
}

/// One pass of scans of `len` records from each of `queries`, from
/// `start`: the time per record returned in ns, and the wrong answers.
fn scan_pass(
    reader: &mut dyn OrderedReader,
    queries: &[Query],
    len: usize,
    start: usize,
) -> (f64, u64) {
    let (tail, head) = queries.split_at(start);
    let mut wrong = 0;
    let mut returned = 0;
    let t = Instant::now();
    for q in head.iter().chain(tail) {
        let got = reader.scan(&q.key, len);
        returned += got.0;
        wrong += u64::from(got != q.scan);
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / returned.max(1) as f64;
    (ns, wrong)
}

/// Warm seeks, then warm scans: every system opened its default way, one
/// untimed pass each (it checks every answer and brings the pages in), then
/// `options.passes` timed passes in which the systems take turns.
fn warm(
    systems: &[Box<dyn System>],
    data: &DataSet,
    dir_of: &dyn Fn(&str) -> PathBuf,
    queries: &[Query],
    options: &OrderedOptions,
    results: &mut [SystemFigures],
) -> Result<()> {
    let opened = systems
        .iter()
        .map(|s| s.open(&data.path, &dir_of(s.id()), systems::Access::Default))
        .collect::<Result<Vec<_>>>()?;
    let mut readers = opened
        .iter()
        .map(|o| o.ordered())
        .collect::<Result<Vec<_>>>()?;
    let scans = &queries[..options.scans.min(queries.len())];
    let check = |id: &str, what: &str, wrong: u64| -> Result<()> {
        if wrong == 0 {
            Ok(())
        } else {
            Err(format!("{id}: {wrong} wrong answers in warm {what}").into())
        }
    };
    for (r, s) in readers.iter_mut().zip(systems) {
        check(s.id(), "seeks", seek_pass(r.as_mut(), queries, 0).1)?;
        check(
            s.id(),
            "scans",
            scan_pass(r.as_mut(), scans, options.scan_len, 0).1,
        )?;
    }
    let passes = options.passes.max(1);
    for pass in 0..passes {
        for ((r, s), fig) in readers.iter_mut().zip(systems).zip(results.iter_mut()) {
            let (ns, wrong) = seek_pass(r.as_mut(), queries, queries.len() * pass / passes);
            check(s.id(), "seeks", wrong)?;
            fig.seek_ns.push(ns);
        }
    }
    for pass in 0..passes {
        for ((r, s), fig) in readers.iter_mut().zip(systems).zip(results.iter_mut()) {
            let start = scans.len() * pass / passes;
            let (ns, wrong) = scan_pass(r.as_mut(), scans, options.scan_len, start);
            check(s.id(), "scans", wrong)?;
            fig.scan_ns.push(ns);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every system of the comparison gives the reference answers on a
    /// small data set (correctness only: nothing here is timed).
    #[test]
    fn ordered_systems_agree_with_the_reference() {
        let dir = std::env::temp_dir().join(format!("zidx-bench-ordered-{}", std::process::id()));
        let spec = Spec {
            name: "t".into(),
            source: Source::Random { records: 3000 },
        };
        let data = datagen::generate(&spec, &dir).unwrap();
        let options = OrderedOptions {
            records: vec![3000],
            out: dir.clone(),
            data_dir: dir.clone(),
            keep_data: false,
            seeks: 400,
            scans: 100,
            scan_len: 100,
            passes: 1,
            cold: 50,
            build_repeats: 1,
            command: String::new(),
        };
        let queries = queries(&data, &options).unwrap();
        assert_eq!(queries.len(), 400);
        // Some scans run off the end of the keys, most return 100.
        assert!(queries.iter().any(|q| q.scan.0 == 100));
        for id in SYSTEMS {
            let system = system(id).unwrap();
            let at = dir.join(id);
            std::fs::create_dir_all(&at).unwrap();
            system.build(&data.path, &at).unwrap();
            let opened = system
                .open(&data.path, &at, systems::Access::Default)
                .unwrap();
            let mut reader = opened.ordered().unwrap();
            assert_eq!(seek_pass(reader.as_mut(), &queries, 7).1, 0, "{id} seeks");
            assert_eq!(
                scan_pass(reader.as_mut(), &queries, 100, 3).1,
                0,
                "{id} scans"
            );
            if id == SYSTEMS[0] {
                let top = fence_top_bytes(&at.join("index.zidx")).unwrap();
                assert!(top.is_some_and(|b| b > 32), "{top:?}");
            }
            let mut pages = Vec::new();
            for q in &queries[..20] {
                assert_eq!(reader.seek_pages(&q.key, &mut pages), q.seek, "{id}");
            }
            assert!(!pages.is_empty());
        }
        // An unordered zidx file refuses ordered queries.
        let plain = system(PLAIN).unwrap();
        let at = dir.join(PLAIN);
        std::fs::create_dir_all(&at).unwrap();
        plain.build(&data.path, &at).unwrap();
        let opened = plain
            .open(&data.path, &at, systems::Access::Default)
            .unwrap();
        assert!(opened.ordered().is_err());
        assert_eq!(fence_top_bytes(&at.join("index.zidx")).unwrap(), None);
        drop(opened);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
