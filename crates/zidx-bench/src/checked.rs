//! The `checked` command: what `--checked` (a 4-byte XXH3 check after every
//! record, verified by every read) costs warm lookups and the file, on the
//! same data in the same run: zidx with and without it, unordered and
//! ordered, each file mapped (`Index::open`) and loaded (`Index::load`).
//!
//! The two files of a pair are open at once and their timed passes
//! alternate (A B, then B A, ...), so that drift of the machine falls on
//! both alike; each repetition also gives a ratio of the two.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use zidx::Index;

use crate::datagen::{self, digest, Probe, Source, Spec};
use crate::machine::{self, Machine};
use crate::measure::{self, median, BuildFigures};
use crate::report::{header, machine_section, num, row};
use crate::systems::{self, Result};

/// Options of `checked`.
#[derive(Debug, Clone)]
pub struct CheckedOptions {
    /// Records of the random data set.
    pub records: u64,
    /// Where CHECKED.md goes.
    pub out: PathBuf,
    /// Where the data set and builds go.
    pub data_dir: PathBuf,
    /// Keep the generated data set.
    pub keep_data: bool,
    /// Hits per pass, and as many misses.
    pub probes: usize,
    /// Timed passes of each kind per file.
    pub repeats: usize,
    /// The command line, for the report.
    pub command: String,
}

/// The pairs compared: (without, with) `--checked`, by system id.
const PAIRS: [(&str, &str); 2] = [
    ("zidx", "zidx-checked"),
    ("zidx-ordered", "zidx-ordered-checked"),
];

const FILE: &str = "index.zidx";

/// ns per lookup over the timed passes of one file.
#[derive(Debug, Clone, Default)]
struct Passes {
    /// Hits, the value's length, first and last byte read.
    hit: Vec<f64>,
    /// Hits, every byte of the value read.
    hit_whole: Vec<f64>,
    /// Misses.
    miss: Vec<f64>,
}

/// What a pass looks up and reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hit,
    HitWhole,
    Miss,
}

impl Passes {
    fn of(&mut self, kind: Kind) -> &mut Vec<f64> {
        match kind {
            Kind::Hit => &mut self.hit,
            Kind::HitWhole => &mut self.hit_whole,
            Kind::Miss => &mut self.miss,
        }
    }
}

/// One pair, opened one way.
#[derive(Debug, Clone)]
struct Comparison {
    layout: &'static str,
    open: &'static str,
    plain: Passes,
    checked: Passes,
    /// Huge-page bytes of each loaded file, as (without, with).
    huge_pages: Option<(u64, u64)>,
    /// CPUs other processes kept busy during the passes, on average.
    others_cpu: Option<f64>,
}

/// One system's build.
#[derive(Debug, Clone)]
struct Built {
    name: &'static str,
    build: BuildFigures,
}

/// Runs everything and writes CHECKED.md; returns its path.
pub fn checked(options: CheckedOptions) -> Result<PathBuf> {
    let start = Instant::now();
    let log = |what: &str| eprintln!("[{:>6.1}s] {what}", start.elapsed().as_secs_f64());
    std::fs::create_dir_all(&options.data_dir)?;
    let machine = Machine::probe(&options.data_dir);
    let spec = Spec {
        name: format!("random-{}", options.records),
        source: Source::Random {
            records: options.records,
        },
    };
    log("data set");
    let data = datagen::generate(&spec, &options.data_dir)?;
    let (hits, misses) = datagen::probes(&data, options.probes.max(1))?;
    let dir_of = |id: &str| options.data_dir.join(format!("{}.{id}", spec.name));
    let mut builds = Vec::new();
    let mut comparisons = Vec::new();
    for (plain, checked) in PAIRS {
        for id in [plain, checked] {
            log(&format!("build {id}"));
            let system = systems::by_id(id).ok_or_else(|| format!("no system {id}"))?;
            let dir = dir_of(id);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
            std::fs::create_dir_all(&dir)?;
            builds.push(Built {
                name: system.name(),
                build: measure::build_in_child(system.as_ref(), &data.path, &dir)?,
            });
        }
        let layout = if plain == "zidx" {
            "unordered"
        } else {
            "`--ordered`"
        };
        let (a, b) = (dir_of(plain).join(FILE), dir_of(checked).join(FILE));
        log(&format!("{plain} and {checked}, mapped"));
        let (x, y) = (Index::open(&a)?, Index::open(&b)?);
        let cpu = machine::CpuSample::now();
        let (p, c) = compare(&x, &y, &hits, &misses, options.repeats)?;
        comparisons.push(Comparison {
            layout,
            open: "mapped (`Index::open`)",
            plain: p,
            checked: c,
            huge_pages: None,
            others_cpu: cpu.and_then(|c| c.others_since()),
        });
        drop((x, y));
        log(&format!("{plain} and {checked}, loaded"));
        let (x, y) = (Index::load(&a)?, Index::load(&b)?);
        let cpu = machine::CpuSample::now();
        let (p, c) = compare(&x, &y, &hits, &misses, options.repeats)?;
        let huge = |i: &Index| i.storage().huge_page_bytes().unwrap_or(0);
        comparisons.push(Comparison {
            layout,
            open: "loaded (`Index::load`)",
            plain: p,
            checked: c,
            huge_pages: Some((huge(&x), huge(&y))),
            others_cpu: cpu.and_then(|c| c.others_since()),
        });
        drop((x, y));
        for id in [plain, checked] {
            std::fs::remove_dir_all(dir_of(id))?;
        }
    }
    if !options.keep_data {
        std::fs::remove_file(&data.path)?;
        let _ = std::fs::remove_dir(&options.data_dir);
    }
    let report = render(
        &options,
        &machine,
        data.header.records,
        &builds,
        &comparisons,
        start.elapsed(),
    );
    std::fs::create_dir_all(&options.out)?;
    let path = options.out.join("CHECKED.md");
    std::fs::write(&path, report)?;
    log(&format!("wrote {}", path.display()));
    Ok(path)
}

/// One pass of `get` over `probes`: ns per lookup and wrong answers.
/// With `whole`, every byte of each value found is read (summed).
fn pass(index: &Index, probes: &[Probe], whole: bool) -> Result<(f64, u64)> {
    let mut wrong = 0;
    let mut sum = 0u64;
    let t = Instant::now();
    for p in probes {
        let value = index.get(&p.key)?;
        if whole {
            if let Some(v) = value {
                sum = v.iter().fold(sum, |s, &b| s.wrapping_add(u64::from(b)));
            }
        }
        wrong += u64::from(value.map(digest) != p.expect);
    }
    let ns = t.elapsed().as_secs_f64() * 1e9 / probes.len().max(1) as f64;
    std::hint::black_box(sum);
    Ok((ns, wrong))
}

/// An untimed pass of each kind on each file, then `repeats` rounds in
/// which each file does a pass of each kind, the order of the files
/// swapped every round.
fn compare(
    plain: &Index,
    checked: &Index,
    hits: &[Probe],
    misses: &[Probe],
    repeats: usize,
) -> Result<(Passes, Passes)> {
    let mut out = (Passes::default(), Passes::default());
    let probes = |kind| if kind == Kind::Miss { misses } else { hits };
    let kinds = [Kind::Hit, Kind::HitWhole, Kind::Miss];
    for index in [plain, checked] {
        for kind in kinds {
            if pass(index, probes(kind), kind == Kind::HitWhole)?.1 != 0 {
                return Err("wrong answers in warm lookups".into());
            }
        }
    }
    for round in 0..repeats.max(1) {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for kind in kinds {
            for which in order {
                let (index, to) = if which == 0 {
                    (plain, &mut out.0)
                } else {
                    (checked, &mut out.1)
                };
                let (ns, wrong) = pass(index, probes(kind), kind == Kind::HitWhole)?;
                if wrong != 0 {
                    return Err("wrong answers in warm lookups".into());
                }
                to.of(kind).push(ns);
            }
        }
    }
    Ok(out)
}

fn spread(xs: &[f64]) -> String {
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{} ({}–{})", num(median(xs.to_vec())), num(min), num(max))
}

fn percent(x: f64) -> String {
    format!("{:+.1}%", (x - 1.0) * 100.0)
}

fn render(
    options: &CheckedOptions,
    machine: &Machine,
    records: u64,
    builds: &[Built],
    comparisons: &[Comparison],
    elapsed: Duration,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# What `--checked` costs\n\nCommand: `{}`  \nDate: {}  \nTotal wall time: {:.0} s\n",
        options.command,
        machine.date,
        elapsed.as_secs_f64()
    );
    out.push_str(&machine_section(machine, &machine::load()));
    let _ = writeln!(
        out,
        "\n## Warm lookups\n\n{} random records (keys 8-40 bytes, values 8-200 bytes, the \
         `run` command's data set). {} stored keys and {} random absent keys, each list in \
         random order; `Index::get`, then the length, first and last byte of the value \
         (\"whole value read\": every byte of it summed as well, as a caller that uses the \
         value does; the check reads every byte of the record in both cases). Both files \
         of a row open at once; {} rounds, each a pass of each kind on each file, the \
         order of the two files swapped every round. Figures: median ns per lookup over \
         the rounds (fastest–slowest); the cost is the checked median over the unchecked \
         one, and the per-round ratio is the same from the two passes of one round \
         (median, then lowest–highest). \"Others' CPUs\": how many CPUs other processes \
         kept busy on average during the row's passes (noise; 0 on a quiet machine).\n",
        num(records as f64),
        num(options.probes as f64),
        num(options.probes as f64),
        options.repeats.max(1)
    );
    out.push_str(&header(&[
        "layout",
        "opened",
        "lookups",
        "ns without `--checked`",
        "ns with",
        "cost (medians)",
        "per-round ratio",
        "≤ 5%?",
        "others' CPUs",
    ]));
    for c in comparisons {
        for (what, p, k) in [
            ("hits", &c.plain.hit, &c.checked.hit),
            (
                "hits, whole value read",
                &c.plain.hit_whole,
                &c.checked.hit_whole,
            ),
            ("misses", &c.plain.miss, &c.checked.miss),
        ] {
            let cost = median(k.clone()) / median(p.clone());
            let ratios: Vec<f64> = k.iter().zip(p).map(|(k, p)| k / p).collect();
            let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            out.push_str(&row(&[
                c.layout.into(),
                c.open.into(),
                what.into(),
                spread(p),
                spread(k),
                percent(cost),
                format!(
                    "{} ({} to {})",
                    percent(median(ratios)),
                    percent(lo),
                    percent(hi)
                ),
                match (what, cost <= 1.05) {
                    ("misses", _) => "(aim is for hits)".into(),
                    (_, true) => "met".into(),
                    (_, false) => "**not met**".into(),
                },
                c.others_cpu.map_or("n/a".into(), num),
            ]));
        }
    }
    for c in comparisons {
        if let Some((a, b)) = c.huge_pages {
            let _ = writeln!(
                out,
                "\n{} files, loaded: transparent huge pages granted: {:.0} MiB without \
                 `--checked`, {:.0} MiB with.",
                c.layout.trim_matches('`'),
                a as f64 / (1 << 20) as f64,
                b as f64 / (1 << 20) as f64
            );
        }
    }
    let _ = writeln!(
        out,
        "\n## Builds and sizes\n\nEach build once, in a child process (time: wall time of \
         the build; peak: its VmHWM).\n"
    );
    out.push_str(&header(&["build", "s", "peak MiB", "bytes", "B/record"]));
    let n = records.max(1) as f64;
    for b in builds {
        let size = b.build.size_bytes.unwrap_or(0) as f64;
        out.push_str(&row(&[
            b.name.into(),
            format!("{:.2}", b.build.time.as_secs_f64()),
            b.build
                .peak_bytes
                .map_or("n/a".into(), |p| num(p as f64 / (1 << 20) as f64)),
            num(size),
            num(size / n),
        ]));
    }
    out.push('\n');
    for pair in builds.chunks(2) {
        if let [a, b] = pair {
            let (x, y) = (a.build.size_bytes, b.build.size_bytes);
            if let (Some(x), Some(y)) = (x, y) {
                let _ = writeln!(
                    out,
                    "{} against {}: {} B/record more on disk.\n",
                    b.name,
                    a.name,
                    num((y as f64 - x as f64) / n)
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_spread() {
        assert_eq!(percent(1.034), "+3.4%");
        assert_eq!(percent(0.99), "-1.0%");
        assert_eq!(spread(&[3.0, 1.0, 2.0]), "2.00 (1.00–3.00)");
    }

    /// Both pairs answer correctly (nothing timed is asserted on).
    #[test]
    fn compare_checks_answers() {
        let dir = std::env::temp_dir().join(format!("zidx-bench-checked-{}", std::process::id()));
        let spec = Spec {
            name: "t".into(),
            source: Source::Random { records: 2000 },
        };
        let data = datagen::generate(&spec, &dir).unwrap();
        let (hits, misses) = datagen::probes(&data, 100).unwrap();
        for (plain, checked) in PAIRS {
            let mut files = Vec::new();
            for id in [plain, checked] {
                let at = dir.join(id);
                std::fs::create_dir_all(&at).unwrap();
                systems::by_id(id).unwrap().build(&data.path, &at).unwrap();
                files.push(Index::open(at.join(FILE)).unwrap());
            }
            let (p, c) = compare(&files[0], &files[1], &hits, &misses, 2).unwrap();
            assert_eq!(
                (p.hit.len(), p.hit_whole.len(), p.miss.len(), c.hit.len()),
                (2, 2, 2, 2)
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
