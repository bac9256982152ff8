//! `zidx-bench`: builds zidx and its peers from the same data sets, measures
//! them, and writes a markdown report and an SVG chart.
//!
//! ```text
//! cargo run --release -p zidx-bench -- run [--quick] [--out DIR]
//! cargo run --release -p zidx-bench -- ordered [--records 1000000,10000000]
//! cargo run --release -p zidx-bench -- checked [--records 10000000]
//! cargo run --release -p zidx-bench -- typed [--records 1000000,10000000]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod chart;
mod checked;
mod costs;
mod count_lookups;
mod datagen;
mod machine;
mod measure;
mod mmap;
mod ordered;
mod report;
mod run;
mod scale;
mod systems;
mod typed;

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Benchmarks zidx against its peers and writes a report"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate the data sets, build every system, measure, write the report.
    Run {
        /// Small data sets (100k records) and fewer probes: well under a minute.
        #[arg(long)]
        quick: bool,
        /// Directory for REPORT.md and lookups.svg.
        #[arg(long, default_value = "target/zidx-bench-report")]
        out: PathBuf,
        /// Directory for data sets and builds (several GB for the full run).
        /// Default: $TMPDIR/zidx-bench-data.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Keep the generated data sets (builds are always deleted).
        #[arg(long)]
        keep_data: bool,
        /// Only these systems (comma-separated ids; zidx is always run):
        /// hashmap, cdb, tinycdb, fst, odht, lmdb, sqlite.
        #[arg(long, value_delimiter = ',')]
        only: Option<Vec<String>>,
        /// Sizes of the random data sets (comma-separated record counts).
        /// Default: 1000000,10000000 (with --quick: 100000).
        #[arg(long, value_delimiter = ',')]
        records: Option<Vec<u64>>,
        /// The real data set (KEY<TAB>VALUE lines). Default: the
        /// repository's testdata/unicode-data.tsv.
        #[arg(long)]
        tsv: Option<PathBuf>,
    },
    /// Ordered queries: zidx built with `--ordered` against fst (values in
    /// key order) and LMDB: warm seeks and 100-record scans, cold pages per
    /// seek, and what `--ordered` adds to the file and the build. Writes
    /// ORDERED.md.
    Ordered {
        /// Sizes of the random data sets (comma-separated record counts).
        #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
        records: Vec<u64>,
        /// Directory for ORDERED.md.
        #[arg(long, default_value = "target/zidx-bench-report")]
        out: PathBuf,
        /// Directory for data sets and builds. Default:
        /// $TMPDIR/zidx-bench-data.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Keep the generated data sets (builds are always deleted).
        #[arg(long)]
        keep_data: bool,
        /// Seek keys per pass (half stored keys, half other keys).
        #[arg(long, default_value_t = 200_000)]
        seeks: usize,
        /// Scans per pass (from the first of the seek keys).
        #[arg(long, default_value_t = 20_000)]
        scans: usize,
        /// Records per scan.
        #[arg(long, default_value_t = 100)]
        scan_len: usize,
        /// Timed passes of seeks and of scans (the median is reported).
        #[arg(long, default_value_t = 7)]
        passes: usize,
        /// Seeks per cold measurement.
        #[arg(long, default_value_t = 2_000)]
        cold: usize,
        /// Builds of zidx with and without `--ordered` per data set.
        #[arg(long, default_value_t = 3)]
        build_repeats: usize,
    },
    /// What `--checked` costs warm lookups and the file: zidx with and
    /// without it, unordered and ordered, mapped and loaded. Writes
    /// CHECKED.md.
    Checked {
        /// Records of the random data set.
        #[arg(long, default_value_t = 10_000_000)]
        records: u64,
        /// Directory for CHECKED.md.
        #[arg(long, default_value = "target/zidx-bench-report")]
        out: PathBuf,
        /// Directory for the data set and builds. Default:
        /// $TMPDIR/zidx-bench-data.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Keep the generated data set (builds are always deleted).
        #[arg(long)]
        keep_data: bool,
        /// Hits per pass, and as many misses.
        #[arg(long, default_value_t = 200_000)]
        probes: usize,
        /// Timed rounds (a pass of hits and one of misses per file).
        #[arg(long, default_value_t = 15)]
        repeats: usize,
    },
    /// Typed values (format 1.3): zidx `TypedIndex<Row>` (24-byte rows,
    /// 8-byte keys), mapped and loaded, `get` and `get_many`, against odht
    /// (mapped, FxHash) and `hashbrown::HashMap<u64, Row>` in RAM: warm hits
    /// and misses, build time, file size and overhead per record, and the
    /// targets (faster than odht, within 1.2x of hashbrown, overhead no
    /// larger than odht's). Writes TYPED.md.
    Typed {
        /// Record counts (comma-separated).
        #[arg(long, value_delimiter = ',', default_value = "1000000,10000000")]
        records: Vec<u64>,
        /// Directory for TYPED.md.
        #[arg(long, default_value = "target/zidx-bench-report")]
        out: PathBuf,
        /// Directory for the builds (deleted after each size). Default:
        /// $TMPDIR/zidx-bench-data.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Hits per pass, and as many misses.
        #[arg(long, default_value_t = 1_000_000)]
        lookups: usize,
        /// Timed rounds (a pass of hits and one of misses per system); the
        /// median is reported.
        #[arg(long, default_value_t = 7)]
        passes: usize,
        /// Keys per `get_many` call.
        #[arg(long, default_value_t = 1024)]
        batch: usize,
    },
    /// What a warm lookup's time is made of: hashing, the slot load and the
    /// probe's work, measured apart from any index (see src/costs.rs).
    Costs {
        /// Size the table for this many records.
        #[arg(long, default_value_t = 10_000_000)]
        records: u64,
        /// Random keys looked up per pass.
        #[arg(long, default_value_t = 2_000_000)]
        lookups: usize,
    },
    /// Build a zidx file of N random records (keys 8-40 bytes, values 8-64
    /// bytes) streamed into the writer, and report the build's time, peak
    /// memory and file size (the scale figures; see scripts/scale.sh).
    GenBuild {
        /// Records to write.
        #[arg(long)]
        records: u64,
        /// The index file to write.
        #[arg(long)]
        out: PathBuf,
        /// Write format 1.0 (XXH3 hash) instead of the default.
        #[arg(long)]
        v1_0: bool,
        /// Store the records in key order (`Options::with_ordered`).
        #[arg(long, conflicts_with = "v1_0")]
        ordered: bool,
        /// A check after every record (`Options::with_record_checksums`).
        #[arg(long, conflicts_with = "v1_0")]
        checked: bool,
        /// Memory for an ordered build's sort, in MiB (default: the
        /// writer's, 256 MiB).
        #[arg(long)]
        sort_buffer_mib: Option<usize>,
        /// The writer's memory budget in MiB (`Options::with_memory`;
        /// default: the writer's, a quarter of RAM, at most 1 GiB).
        #[arg(long)]
        memory_mib: Option<usize>,
    },
    /// Look up keys of INDEX one at a time, for a profiler: only
    /// `count_lookups::run_lookups` does the lookups, so that valgrind's
    /// `--toggle-collect` can count them alone (see scripts/counters.sh).
    CountLookups {
        /// The index.
        index: PathBuf,
        /// `hit` (keys sampled from the index) or `miss` (random keys).
        #[arg(long)]
        kind: String,
        /// Lookups to make.
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Read the file into memory (`Index::load`) instead of mapping it.
        #[arg(long)]
        load: bool,
    },
    /// Internal: build one system in this (child) process.
    #[command(hide = true)]
    BuildOne {
        #[arg(long)]
        system: String,
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        dir: PathBuf,
    },
}

/// Where data sets and builds go unless `--data-dir` says otherwise.
fn default_data_dir() -> PathBuf {
    std::env::temp_dir().join("zidx-bench-data")
}

/// The command as the user typed it, as far as this process can tell:
/// `cargo run` sets CARGO_PKG_NAME in the environment of what it runs.
fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let exe = std::env::current_exe().unwrap_or_default();
    if std::env::var_os("CARGO_PKG_NAME").is_some_and(|n| n == "zidx-bench") {
        let release = if exe.components().any(|c| c.as_os_str() == "release") {
            " --release"
        } else {
            ""
        };
        format!("cargo run{release} -p zidx-bench -- {}", args.join(" "))
    } else {
        format!("{} {}", exe.display(), args.join(" "))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            quick,
            out,
            data_dir,
            keep_data,
            only,
            records,
            tsv,
        } => {
            let tsv = tsv.unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/unicode-data.tsv")
            });
            run::run(run::RunOptions {
                quick,
                out,
                data_dir: data_dir.unwrap_or_else(default_data_dir),
                keep_data,
                only,
                records,
                tsv,
                command: command_line(),
            })
            .map(|report| println!("{}", report.display()))
        }
        Command::Costs { records, lookups } => costs::costs(records, lookups, &command_line())
            .map(|report| print!("{report}"))
            .map_err(Into::into),
        Command::CountLookups {
            index,
            kind,
            count,
            load,
        } => count_lookups::count_lookups(&index, &kind, count, load),
        Command::Ordered {
            records,
            out,
            data_dir,
            keep_data,
            seeks,
            scans,
            scan_len,
            passes,
            cold,
            build_repeats,
        } => ordered::ordered(ordered::OrderedOptions {
            records,
            out,
            data_dir: data_dir.unwrap_or_else(default_data_dir),
            keep_data,
            seeks,
            scans,
            scan_len,
            passes,
            cold,
            build_repeats,
            command: command_line(),
        })
        .map(|report| println!("{}", report.display())),
        Command::Checked {
            records,
            out,
            data_dir,
            keep_data,
            probes,
            repeats,
        } => checked::checked(checked::CheckedOptions {
            records,
            out,
            data_dir: data_dir.unwrap_or_else(default_data_dir),
            keep_data,
            probes,
            repeats,
            command: command_line(),
        })
        .map(|report| println!("{}", report.display())),
        Command::Typed {
            records,
            out,
            data_dir,
            lookups,
            passes,
            batch,
        } => typed::typed(typed::TypedOptions {
            records,
            out,
            data_dir: data_dir.unwrap_or_else(default_data_dir),
            lookups,
            passes,
            batch,
            command: command_line(),
        })
        .map(|report| println!("{}", report.display())),
        Command::GenBuild {
            records,
            out,
            v1_0,
            ordered,
            checked,
            sort_buffer_mib,
            memory_mib,
        } => scale::gen_build(
            records,
            &out,
            &scale::GenOptions {
                v1_0,
                ordered,
                checked,
                sort_buffer: sort_buffer_mib.map(|m| m << 20),
                memory: memory_mib.map(|m| m << 20),
            },
        ),
        Command::BuildOne { system, data, dir } => measure::child_main(&system, &data, &dir),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zidx-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
