//! The `run` command: generate the data sets, then for each data set and
//! system build, measure, and delete the build; finally write the report
//! and the chart.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::datagen::{self, DataSet, Probe, Source, Spec};
use crate::machine::{self, Machine};
use crate::measure::{self, BuildFigures, Effort};
use crate::systems::{self, Result, System};
use crate::{chart, report};

/// Options of `run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Small data sets, fewer probes.
    pub quick: bool,
    /// Where the report and chart go.
    pub out: PathBuf,
    /// Where data sets and builds go (deleted at the end unless `keep_data`).
    pub data_dir: PathBuf,
    /// Keep the generated data sets.
    pub keep_data: bool,
    /// Only these systems (ids), zidx always included.
    pub only: Option<Vec<String>>,
    /// Record counts of the random data sets, instead of the defaults.
    pub records: Option<Vec<u64>>,
    /// The real data set.
    pub tsv: PathBuf,
    /// The command line, for the report.
    pub command: String,
}

/// Everything measured for one system on one data set.
#[derive(Debug, Clone)]
pub struct SystemResult {
    /// `System::id`.
    pub id: &'static str,
    /// `System::name`.
    pub name: &'static str,
    /// Why it was not run, if it was not.
    pub skipped: Option<String>,
    /// The first error, if a measurement failed.
    pub error: Option<String>,
    /// Build figures.
    pub build: Option<BuildFigures>,
    /// Open-to-first-answer, µs.
    pub open_us: Option<f64>,
    /// Warm lookups.
    pub warm: Option<measure::WarmFigures>,
    /// zidx only.
    pub batch: Option<measure::Batch>,
    /// zidx only: GB/s.
    pub verify_gbps: Option<f64>,
    /// zidx only: bytes of the index in transparent huge pages after the
    /// warm lookups, and the file's size.
    pub huge_pages: Option<(u64, u64)>,
    /// Cold lookups, one per way of opening.
    pub cold: Vec<measure::Cold>,
}

/// One data set's results.
#[derive(Debug, Clone)]
pub struct DataSetResult {
    /// The data set.
    pub data: DataSet,
    /// Probe keys per warm pass (hits; as many misses).
    pub probes: usize,
    /// Keys per cold measurement.
    pub cold: usize,
    /// One per system, zidx first.
    pub systems: Vec<SystemResult>,
    /// Time to generate the data file.
    pub generate_time: Duration,
    /// Time for everything on this data set.
    pub elapsed: Duration,
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Where it ran.
    pub machine: Machine,
    /// The options.
    pub options: RunOptions,
    /// The effort settings.
    pub effort: Effort,
    /// Per data set.
    pub datasets: Vec<DataSetResult>,
    /// Whether `fincore` was there to count pages.
    pub fincore: bool,
    /// Load averages at the end.
    pub load_end: String,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

fn specs(options: &RunOptions) -> Vec<Spec> {
    let random = |name: &str, records| Spec {
        name: name.into(),
        source: Source::Random { records },
    };
    let default: &[u64] = if options.quick {
        &[100_000]
    } else {
        &[1_000_000, 10_000_000]
    };
    let sizes = options.records.as_deref().unwrap_or(default);
    let mut specs: Vec<Spec> = sizes
        .iter()
        .map(|&n| random(&format!("random-{}", short(n)), n))
        .collect();
    specs.push(Spec {
        name: "unicode-data".into(),
        source: Source::Tsv(options.tsv.clone()),
    });
    specs
}

/// 100000 -> "100k", 10000000 -> "10M".
fn short(n: u64) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

fn effort(quick: bool) -> Effort {
    if quick {
        Effort {
            passes: 3,
            probes: 20_000,
            cold: 500,
            batch: 1024,
            opens: 100,
            open_budget: Duration::from_millis(200),
        }
    } else {
        Effort {
            passes: 3,
            probes: 200_000,
            cold: 2_000,
            batch: 1024,
            opens: 500,
            open_budget: Duration::from_secs(2),
        }
    }
}

/// Runs everything and writes the report; returns the report's path.
pub fn run(options: RunOptions) -> Result<PathBuf> {
    let start = Instant::now();
    std::fs::create_dir_all(&options.data_dir)?;
    let machine = Machine::probe(&options.data_dir);
    let effort = effort(options.quick);
    let fincore = measure::cold::have_fincore();
    if !fincore {
        eprintln!("note: `fincore` (util-linux) not found: cold page counts will be missing");
    }
    let all = systems::all();
    let chosen: Vec<&dyn System> = all
        .iter()
        .map(|s| s.as_ref())
        .filter(|s| {
            options
                .only
                .as_ref()
                .is_none_or(|only| s.id() == "zidx" || only.iter().any(|o| o == s.id()))
        })
        .collect();
    std::fs::create_dir_all(&options.data_dir)?;
    let mut datasets = Vec::new();
    for spec in specs(&options) {
        let t = Instant::now();
        eprintln!(
            "[{:>6.1}s] data set {}: generating",
            start.elapsed().as_secs_f64(),
            spec.name
        );
        let data = datagen::generate(&spec, &options.data_dir)?;
        let generate_time = t.elapsed();
        // More records than a usize holds: `effort.probes` is the limit.
        let records = usize::try_from(data.header.records).unwrap_or(usize::MAX);
        let probes = effort.probes.min(records.saturating_mul(4)).max(1);
        let (hits, misses) = datagen::probes(&data, probes)?;
        let mut results = Vec::new();
        for system in &chosen {
            eprintln!(
                "[{:>6.1}s] data set {}: {}",
                start.elapsed().as_secs_f64(),
                spec.name,
                system.name()
            );
            let dir = options
                .data_dir
                .join(format!("{}.{}", spec.name, system.id()));
            let r = one_system(*system, &data, &dir, &hits, &misses, &effort);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            if let Some(e) = &r.error {
                eprintln!("    error: {e}");
            }
            results.push(r);
        }
        if !options.keep_data {
            std::fs::remove_file(&data.path)?;
        }
        datasets.push(DataSetResult {
            data,
            probes,
            cold: effort.cold,
            systems: results,
            generate_time,
            elapsed: t.elapsed(),
        });
    }
    if !options.keep_data {
        // Only removes the directory if nothing else is left in it.
        let _ = std::fs::remove_dir(&options.data_dir);
    }
    let result = RunResult {
        machine,
        options: options.clone(),
        effort,
        datasets,
        fincore,
        load_end: machine::load(),
        elapsed: start.elapsed(),
    };
    std::fs::create_dir_all(&options.out)?;
    let chart_path = options.out.join("lookups.svg");
    std::fs::write(&chart_path, chart::render(&result))?;
    let report_path = options.out.join("REPORT.md");
    std::fs::write(
        &report_path,
        report::render(&result, Path::new("lookups.svg")),
    )?;
    eprintln!(
        "[{:>6.1}s] wrote {} and {}",
        start.elapsed().as_secs_f64(),
        report_path.display(),
        chart_path.display()
    );
    let failed: Vec<String> = result
        .datasets
        .iter()
        .flat_map(|d| {
            d.systems
                .iter()
                .filter(|s| s.error.is_some())
                .map(move |s| format!("{} on {}", s.id, d.data.spec.name))
        })
        .collect();
    if !failed.is_empty() {
        return Err(format!(
            "measurements failed for {} (see {})",
            failed.join(", "),
            report_path.display()
        )
        .into());
    }
    Ok(report_path)
}

fn one_system(
    system: &dyn System,
    data: &DataSet,
    dir: &Path,
    hits: &[Probe],
    misses: &[Probe],
    effort: &Effort,
) -> SystemResult {
    let mut r = SystemResult {
        id: system.id(),
        name: system.name(),
        skipped: None,
        error: None,
        build: None,
        open_us: None,
        warm: None,
        batch: None,
        verify_gbps: None,
        huge_pages: None,
        cold: Vec::new(),
    };
    if let Err(reason) = system.available(data.header.payload(), data.header.records) {
        r.skipped = Some(reason);
        return r;
    }
    if let Err(e) = measure_system(system, data, dir, hits, misses, effort, &mut r) {
        r.error = Some(e.to_string());
    }
    r
}

fn measure_system(
    system: &dyn System,
    data: &DataSet,
    dir: &Path,
    hits: &[Probe],
    misses: &[Probe],
    effort: &Effort,
    r: &mut SystemResult,
) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    r.build = Some(measure::build_in_child(system, &data.path, dir)?);
    if !system.lookups() {
        return Ok(());
    }
    let on_disk = !system.files(dir).is_empty();
    if on_disk {
        r.open_us = Some(measure::open_time(
            system,
            &data.path,
            dir,
            &hits[0].key,
            effort,
        )?);
    }
    {
        let opened = system.open(&data.path, dir, systems::Access::Default)?;
        let warm = measure::warm(opened.as_ref(), hits, misses, effort)?;
        let wrong = warm.wrong;
        r.warm = Some(warm);
        if wrong != 0 {
            return Err(format!("{wrong} wrong answers in warm lookups").into());
        }
        if let Some(index) = opened.as_zidx() {
            r.batch = Some(measure::batch(index, hits, misses, effort)?);
            r.verify_gbps = Some(measure::verify(index)?);
            r.huge_pages = index
                .storage()
                .huge_page_bytes()
                .map(|b| (b, index.as_bytes().len() as u64));
        }
    }
    if on_disk {
        let n = effort.cold.min(hits.len());
        r.cold = measure::cold_lookups(system, &data.path, dir, &hits[..n], &misses[..n])?;
    }
    Ok(())
}
