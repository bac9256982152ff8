//! Command-line arguments.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use zidx_writer::OnDuplicate;

#[derive(Debug, Parser)]
#[command(
    name = "zidx",
    version,
    about = "Build and query zidx files: immutable, memory-mapped key/value indexes",
    after_help = "Exit codes: 0 success, 1 a key was not found, 2 usage error, bad input or corrupt index.\n\n\
Examples:\n  zidx build words.tsv -o words.zidx\n  zidx get words.zidx apple\n  zidx inspect words.zidx\n  zidx verify words.zidx"
)]
pub struct Cli {
    /// Read the index into memory instead of memory-mapping it (for network
    /// filesystems, or files that might change while zidx reads them)
    #[arg(long, global = true)]
    pub no_mmap: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build an index from TSV, CSV or JSON Lines
    Build(BuildArgs),
    /// Look up keys
    Get(GetArgs),
    /// Show version, sections and hash-table statistics
    Inspect(InspectArgs),
    /// Check every checksum and invariant
    Verify(VerifyArgs),
    /// Print every record as escaped TSV, in stored order
    Dump(DumpArgs),
    /// Measure lookups on this index, on this machine: warm ns and cold pages
    Bench(BenchArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// KEY<TAB>VALUE per line, backslash escapes decoded
    Tsv,
    /// CSV with a header row; the value is the other columns as a CSV record
    Csv,
    /// One JSON object per line; the value is the line
    Jsonl,
}

/// `--on-duplicate`: the writer's [`OnDuplicate`], by its names (`error`,
/// `first`, `last`), each with a line of help.
fn on_duplicate_parser() -> impl TypedValueParser<Value = OnDuplicate> {
    PossibleValuesParser::new([
        PossibleValue::new("error").help("Fail, naming both lines"),
        PossibleValue::new("first").help("Keep the first record with the key"),
        PossibleValue::new("last").help("Keep the last record with the key"),
    ])
    .map(|name| {
        name.parse::<OnDuplicate>()
            .expect("every possible value of --on-duplicate names an OnDuplicate")
    })
}

#[derive(Debug, Args)]
#[command(after_help = "Input formats:\n  \
tsv    key before the first tab, value after it; escapes \\\\ \\t \\n \\r \\xHH decoded (unless --no-escapes)\n  \
csv    header row; --key names the key column (default: the first); the value is the other\n         columns, in order, as one CSV record\n  \
jsonl  one JSON object per line; --key names the key field (default: \"key\"); the value is the line\n\n\
The output is written to a temporary file and renamed over OUT only when complete;\n\
on any error OUT is left as it was.\n\n\
Examples:\n  zidx build words.tsv -o words.zidx\n  zcat ids.tsv.gz | zidx build - -o ids.zidx --on-duplicate last\n  \
zidx build people.csv --format csv --key email -o people.zidx\n  zidx build events.jsonl --format jsonl --key id -o events.zidx")]
pub struct BuildArgs {
    /// Input file, or - for standard input
    #[arg(default_value = "-")]
    pub input: PathBuf,
    /// Where to write the index
    #[arg(short, long)]
    pub output: PathBuf,
    /// Input format
    #[arg(long, value_enum, default_value_t = InputFormat::Tsv)]
    pub format: InputFormat,
    /// Key column (csv) or field (jsonl)
    #[arg(long)]
    pub key: Option<String>,
    /// What to do when a key appears twice
    #[arg(long, value_parser = on_duplicate_parser(), default_value_t = OnDuplicate::Error)]
    pub on_duplicate: OnDuplicate,
    /// Take TSV bytes as they are, without decoding backslash escapes
    #[arg(long)]
    pub no_escapes: bool,
    /// Refuse input lines longer than this many bytes
    #[arg(long, default_value_t = zidx_text::DEFAULT_MAX_LINE)]
    pub max_line: usize,
}

#[derive(Debug, Args)]
#[command(
    after_help = "With keys as arguments, prints each value followed by a newline; a missing key\n\
is reported on stderr and makes the exit code 1.\n\n\
With - as the only key, reads keys from stdin, one per line, escaped as for `zidx build`,\n\
and prints KEY<TAB>VALUE (both escaped) for each key found; misses are counted on stderr.\n\n\
Examples:\n  zidx get words.zidx apple pear\n  cut -f1 queries.tsv | zidx get words.zidx - > hits.tsv"
)]
pub struct GetArgs {
    /// The index
    pub index: PathBuf,
    /// Keys to look up (raw bytes), or - to read escaped keys from stdin
    #[arg(required = true)]
    pub keys: Vec<std::ffi::OsString>,
    /// With -, take stdin keys as they are, without decoding escapes
    #[arg(long)]
    pub no_escapes: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  zidx inspect words.zidx\n  zidx inspect words.zidx --json | jq .hash_index"
)]
pub struct InspectArgs {
    /// The index
    pub index: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Prints `ok` and exits 0, or names the first problem (section and byte offset)\n\
and exits 2.\n\nExamples:\n  zidx verify words.zidx"
)]
pub struct VerifyArgs {
    /// The index
    pub index: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Output is KEY<TAB>VALUE per record with backslash escapes, the input format of\n\
`zidx build`: `zidx dump a.zidx | zidx build - -o b.zidx` gives a file identical to a.zidx\n\
when a.zidx was built with default options.\n\nExamples:\n  zidx dump words.zidx | head"
)]
pub struct DumpArgs {
    /// The index
    pub index: PathBuf,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Warm: median ns per lookup over --passes passes in random order, hits and misses\n\
separately, one by one (get) and batched (get_many). Keys are a uniform sample of the index\n\
and as many random absent keys, or the escaped keys of --keys FILE (one per line).\n\
Cold (Linux, not with --no-mmap): evicts the file from the page cache, looks up --cold keys,\n\
and reports microseconds and pages of the file brought in per lookup.\n\n\
Examples:\n  zidx bench words.zidx\n  zidx bench words.zidx --keys queries.txt --cold 0"
)]
pub struct BenchArgs {
    /// The index
    pub index: PathBuf,
    /// Escaped keys to look up, one per line, instead of a sample of the index
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Keys sampled from the index
    #[arg(long, default_value_t = 100_000)]
    pub samples: usize,
    /// Timed passes over the keys (the median is reported)
    #[arg(long, default_value_t = 5)]
    pub passes: usize,
    /// Keys looked up cold; 0 skips the cold measurement
    #[arg(long, default_value_t = 1000)]
    pub cold: usize,
}

#[cfg(test)]
mod tests {
    use clap::builder::TypedValueParser;
    use zidx_writer::OnDuplicate;

    /// The parser accepts exactly the names of `OnDuplicate::ALL`, each
    /// giving its own value.
    #[test]
    fn on_duplicate_names_match_the_writer() {
        let parser = super::on_duplicate_parser();
        let names: Vec<String> = parser
            .possible_values()
            .expect("a fixed list")
            .map(|v| v.get_name().to_string())
            .collect();
        let all: Vec<String> = OnDuplicate::ALL.iter().map(|d| d.to_string()).collect();
        assert_eq!(names, all);
        let cmd = clap::Command::new("t");
        for d in OnDuplicate::ALL {
            let parsed = parser
                .parse_ref(&cmd, None, std::ffi::OsStr::new(&d.to_string()))
                .unwrap();
            assert_eq!(parsed, d);
        }
        assert!(parser
            .parse_ref(&cmd, None, std::ffi::OsStr::new("never"))
            .is_err());
    }
}
