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
Examples:\n  zidx build words.tsv -o words.zidx\n  zidx get words.zidx apple\n  zidx get words.zidx apple pear -- -dash-key\n  \
zidx dump words.zidx | zidx build - -o copy.zidx\n  zidx stats words.zidx\n  zidx inspect words.zidx\n  zidx verify words.zidx"
)]
pub struct Cli {
    /// `--no-mmap` before the subcommand name (`zidx --no-mmap inspect X`),
    /// still accepted there for the commands that read an index. Hidden: the
    /// option is documented on those commands, so that `zidx build --help`
    /// does not offer an option that does nothing for it.
    #[arg(long, hide = true)]
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
    /// Print every record as KEY<TAB>VALUE, in stored order
    Dump(DumpArgs),
    /// Print the records of a key range or prefix, in key order (ordered indexes)
    Scan(ScanArgs),
    /// Print every key, one per line, in stored order
    Keys(KeysArgs),
    /// Key and value length distributions
    Stats(StatsArgs),
    /// Print the number of records
    Count(CountArgs),
    /// Measure lookups on this index, on this machine: warm ns and cold pages
    Bench(BenchArgs),
    /// Assemble an index set's manifest from shards built apart (--shard I/N)
    Manifest(ManifestArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    Man(ManArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// KEY<TAB>VALUE per line, bytes as they are (IANA text/tab-separated-values)
    Tsv,
    /// KEY<TAB>VALUE per line, escapes \\ \t \n \r \xHH decoded: what `zidx dump --escaped` writes
    TsvEscaped,
    /// CSV, with a header row unless --no-header; the value is the other columns as a CSV record
    Csv,
    /// One JSON object per line; the value is the line, or the --value field
    Jsonl,
}

/// `--on-duplicate`: the writer's [`OnDuplicate`], by its names (`error`,
/// `first`, `last`), each with a line of help.
fn on_duplicate_parser() -> impl TypedValueParser<Value = OnDuplicate> {
    PossibleValuesParser::new([
        PossibleValue::new("error").help("Fail, naming both lines"),
        PossibleValue::new("first").help("Keep the first record with the key"),
        PossibleValue::new("last").help("Keep the last record with the key"),
        PossibleValue::new("keep").help(
            "Keep every record: the key gets several values (`get --all`); implies --ordered, format 1.2",
        ),
    ])
    .map(|name| {
        name.parse::<OnDuplicate>()
            .expect("every possible value of --on-duplicate names an OnDuplicate")
    })
}

#[derive(Debug, Args)]
#[command(
    after_help = "Input formats (--format; by default from the file name: .tsv .txt .csv .jsonl .ndjson,\n\
also under .gz .xz .zst; otherwise and on stdin tsv):\n  \
tsv          key before the first tab, value after it, bytes as they are; a CR that is not\n               part of a CRLF is an error\n  \
tsv-escaped  as tsv, with \\\\ \\t \\n \\r \\xHH decoded: what `zidx dump --escaped` writes;\n               `zidx dump --escaped a.zidx | zidx build - --format tsv-escaped -o b.zidx`\n               copies any a.zidx\n  \
csv          RFC 4180; a header row unless --no-header; --key names the key column, or numbers\n               it from 1 when no column has that name (default: the first); --delimiter;\n               the value is the other columns, in order, as one CSV record\n  \
jsonl        one JSON object per line; --key is the key field (default: \"key\"), a path like\n               user.id (write a dot in a name as \\.); the value is the line, or --value FIELD\n\n\
gzip, xz and zstd input is decompressed, whatever its name. Blank lines (empty or only spaces\n\
and tabs) are skipped and counted on stderr; a UTF-8 byte-order mark at the start is dropped.\n\n\
The output is written to a temporary file and renamed over OUT only when complete;\n\
on any error OUT is left as it was.\n\n\
Examples:\n  zidx build words.tsv -o words.zidx\n  zidx build ids.tsv.gz -o ids.zidx --on-duplicate last\n  \
zidx build people.csv --key email -o people.zidx\n  zidx build - --format csv --no-header --delimiter ';' --key 2 -o x.zidx < x.txt\n  \
zidx build events.jsonl --key user.id --value payload -o events.zidx\n  \
zidx dump --escaped old.zidx | zidx build - --format tsv-escaped -o new.zidx"
)]
pub struct BuildArgs {
    /// Input file, or - for standard input
    #[arg(default_value = "-")]
    pub input: PathBuf,
    /// Where to write the index
    #[arg(short, long)]
    pub output: PathBuf,
    /// Input format [default: from the input's name, else tsv]
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,
    /// Key column (csv: a name, or a number from 1) or field path (jsonl: a.b)
    #[arg(long)]
    pub key: Option<String>,
    /// Value field path (jsonl); without it the value is the whole line
    #[arg(long, value_name = "FIELD")]
    pub value: Option<String>,
    /// CSV field delimiter: one ASCII character, or `tab` (or \t) [default: ,]
    #[arg(long, value_name = "CHAR", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// CSV without a header row: columns are numbered from 1
    #[arg(long)]
    pub no_header: bool,
    /// What to do when a key appears twice
    #[arg(long, value_parser = on_duplicate_parser(), default_value_t = OnDuplicate::Error)]
    pub on_duplicate: OnDuplicate,
    /// Removed in favour of `--format tsv` (now the default, bytes as they
    /// are) and `--format tsv-escaped`; hidden, kept only to say so.
    #[arg(long, hide = true)]
    pub no_escapes: bool,
    /// Refuse input lines (CSV: records) longer than this: bytes, or with a
    /// suffix K, M, G (KiB, MiB, GiB)
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_line: usize,
    /// Replace OUT even if it is not a zidx index, or is read-only (without
    /// it, only an existing index its owner may write is replaced)
    #[arg(long)]
    pub force: bool,
    /// Oldest format version whose readers must read the file: 1.3
    /// (default: every feature; the file is a 1.3 file only with --schema,
    /// 1.2 with --checked or --on-duplicate keep, else 1.1), 1.2, 1.1, or
    /// 1.0 (zidx 1.0 readers; its hash uses known seeds, so keys chosen for
    /// them can make lookups slow or the build fail)
    #[arg(long, value_name = "VERSION", default_value = "1.3", value_parser = parse_format_version)]
    pub format_version: zidx_writer::FormatVersion,
    /// Store records in key order, for `zidx scan` and range queries (a
    /// compatible feature: readers of any 1.x version still read the file)
    #[arg(long)]
    pub ordered: bool,
    /// Follow every record with a checksum that every read verifies, so that a
    /// damaged record is an error, never a value (format 1.2; 4 bytes per record)
    #[arg(long)]
    pub checked: bool,
    /// Typed values (format 1.3): every value has this fixed layout, built
    /// from the CSV columns or JSON fields of the same names, e.g.
    /// 'sku:u64,cents:u32,name:str[24]'. Types: u8 u16 u32 u64 i8 i16 i32 i64
    /// f32 f64 bool str[N] bytes[N], and arrays of them (f32[3]); laid out as
    /// a #[repr(C)] struct of the fields in this order
    #[arg(long, value_name = "FIELDS", value_parser = parse_schema)]
    pub schema: Option<zidx_format::ValueSchema>,
    /// Write an index set of N shards (format-spec/SETS.md): OUT is its
    /// manifest (name it NAME.zidxset); the shards go beside it, named
    /// NAME-GENERATION-IIIII-of-NNNNN.zidx
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65536), conflicts_with = "shard")]
    pub shards: Option<u32>,
    /// Build shard I (from 0) of a set of N from the whole input: only the
    /// records whose keys route to it. Build the others alike (on other
    /// machines), then `zidx manifest` assembles the set
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,
    /// The routing seed of --shards and --shard (every shard of a set must
    /// use the same)
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    pub route_seed: u64,
    /// The most of --memory that holds an ordered build's records while
    /// they are sorted: bytes, or with a suffix K, M, G
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub sort_buffer: usize,
    /// Memory for the build, whatever the input's size (at least 64MiB):
    /// beyond it, the keys' hashes (16 bytes a record) and an ordered
    /// build's records are sorted in runs in unnamed temporary files beside
    /// the output, and merged. Default: a quarter of RAM, at most 1GiB.
    /// Peak memory is this plus about 32MiB of buffers
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub memory: Option<usize>,
}

/// `--memory`: a size ([`parse_size`]) of at least 64 MiB.
fn parse_memory(text: &str) -> Result<usize, String> {
    let bytes = parse_size(text)?;
    if bytes < MIN_MEMORY {
        return Err(format!(
            "{text:?} is less than 64MiB: the writer needs 32MiB of buffers beside its sorting memory"
        ));
    }
    Ok(bytes)
}

/// The least `--memory`.
const MIN_MEMORY: usize = 64 << 20;

/// `--max-line`: a number of bytes, or a number with a suffix `K`, `M` or
/// `G` for powers of 1024, optionally followed by `iB` or `B` (`64K`,
/// `64KiB`, `1M`). Case does not matter.
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &text[digits.len()..];
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => {
            return Err(format!(
                "unknown unit {unit:?}: give bytes, or a number with K, M or G (64K, 1MiB)"
            ))
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("not a size: {text:?} (bytes, or a number with K, M or G)"))?;
    if n == 0 {
        return Err("must be at least 1 byte".to_string());
    }
    n.checked_mul(1 << shift)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("{text:?} is too large"))
}

/// `--delimiter`: one ASCII character other than a quote, CR or LF; `tab`
/// or `\t` for a tab (hard to type in a shell).
fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => return Ok(b'\t'),
        _ => {}
    }
    match text.as_bytes() {
        [b'"' | b'\r' | b'\n'] => Err("the delimiter cannot be a quote, CR or LF".to_string()),
        &[b] if b.is_ascii() => Ok(b),
        _ => Err(format!(
            "{text:?} is not one ASCII character (for a tab, write tab or \\t)"
        )),
    }
}

#[cfg(test)]
mod input_arg_tests {
    use super::{parse_delimiter, parse_size};

    #[test]
    fn sizes_take_binary_suffixes() {
        for (text, bytes) in [
            ("1", 1),
            ("100000", 100_000),
            ("64K", 64 << 10),
            ("64k", 64 << 10),
            ("64KiB", 64 << 10),
            ("64KB", 64 << 10),
            ("1M", 1 << 20),
            ("2MiB", 2 << 20),
            ("1G", 1 << 30),
            ("7B", 7),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for bad in [
            "",
            "0",
            "K",
            "1X",
            "-1",
            "1.5M",
            "many",
            "99999999999999999999G",
        ] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn delimiters() {
        assert_eq!(parse_delimiter(";"), Ok(b';'));
        assert_eq!(parse_delimiter("tab"), Ok(b'\t'));
        assert_eq!(parse_delimiter("\\t"), Ok(b'\t'));
        assert_eq!(parse_delimiter("\t"), Ok(b'\t'));
        for bad in ["", "\"", "\n", ";;", "é"] {
            assert!(parse_delimiter(bad).is_err(), "{bad:?}");
        }
    }
}

/// Options of every command that reads an index.
#[derive(Debug, Clone, Copy, Args)]
pub struct ReadArgs {
    /// Read the index into memory instead of memory-mapping it (for network
    /// filesystems, or files that might change while zidx reads them)
    #[arg(long)]
    pub no_mmap: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "With one key, prints its value followed by a newline.\n\n\
With several keys, prints KEY<TAB>VALUE for each key found, in argument order, so that\n\
values can be matched to keys; each missing key is named on stderr and makes the exit code 1.\n\n\
With - as the only key, reads keys from stdin, one per line, and prints KEY<TAB>VALUE for\n\
each key found; misses are counted on stderr and make the exit code 1. Lines longer than\n\
262,142 bytes (the longest escaped key and a CRLF) are refused.\n\n\
KEY<TAB>VALUE lines are raw TSV: the bytes as they are, as `zidx build` reads by default. A\n\
key holding a tab, LF or CR (or starting with a byte-order mark or gzip, xz or zstd magic\n\
bytes), or a value holding LF or CR, cannot be written that way: zidx stops with exit 2,\n\
suggests --escaped, and ends the output with a line without a tab. With --escaped, keys on stdin are read escaped\n\
(\\\\ \\t \\n \\r \\xHH) and KEY<TAB>VALUE lines and single values are written escaped, as for\n\
`zidx build --format tsv-escaped`. Keys given as arguments are always taken as they are.\n\n\
Keys that start with - go after --, which ends the options.\n\n\
Examples:\n  zidx get words.zidx apple\n  zidx get words.zidx apple pear plum\n  \
zidx get words.zidx -- -1 --weird-key\n  zidx get words.zidx apple --default none\n  \
cut -f1 queries.tsv | zidx get words.zidx - > hits.tsv"
)]
pub struct GetArgs {
    /// The index: a path, or an http:// or https:// URL (by HTTP range requests)
    pub index: PathBuf,
    /// Keys to look up (bytes as they are), or - to read keys from stdin
    #[arg(required = true)]
    pub keys: Vec<std::ffi::OsString>,
    /// Read stdin keys escaped and write KEY<TAB>VALUE lines and values escaped
    #[arg(long)]
    pub escaped: bool,
    /// Print this value for a missing key instead of failing (exit 0)
    #[arg(long, value_name = "VALUE", allow_hyphen_values = true)]
    pub default: Option<std::ffi::OsString>,
    /// Print every value of each key (indexes built with --on-duplicate keep),
    /// in insertion order: one line per value
    #[arg(long)]
    pub all: bool,
    /// Typed indexes (built with --schema): print each value as a JSON object
    /// of its fields; with several keys, one {"key":...,"value":{...}} line per
    /// value
    #[arg(long, conflicts_with_all = ["escaped", "default"])]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Needs an index built with --ordered (or --on-duplicate keep). Prints KEY<TAB>VALUE
per record in key order, as `zidx dump` does (raw TSV, or --escaped), or only keys with
--keys-only, or only the number of records with --count (answered from the key index,
without reading the records). --from is inclusive and --to exclusive; --through is an
inclusive end. Bounds and the prefix are bytes as given.

Examples:
  zidx scan words.zidx --prefix app
  zidx scan words.zidx --from b --to c --count
  zidx scan words.zidx --reverse --limit 10 --keys-only"
)]
pub struct ScanArgs {
    /// The index: a path, or an http:// or https:// URL (by HTTP range requests)
    pub index: PathBuf,
    /// Only keys that start with this
    #[arg(long, value_name = "P", conflicts_with_all = ["from", "to", "through"])]
    pub prefix: Option<std::ffi::OsString>,
    /// First key of the range (inclusive)
    #[arg(long, value_name = "A")]
    pub from: Option<std::ffi::OsString>,
    /// End of the range (exclusive)
    #[arg(long, value_name = "B", conflicts_with = "through")]
    pub to: Option<std::ffi::OsString>,
    /// End of the range (inclusive)
    #[arg(long, value_name = "B")]
    pub through: Option<std::ffi::OsString>,
    /// Walk the range from its end
    #[arg(long)]
    pub reverse: bool,
    /// Print at most N records
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Print keys only
    #[arg(long, conflicts_with = "count")]
    pub keys_only: bool,
    /// Print the number of records in the range
    #[arg(long)]
    pub count: bool,
    /// Write backslash escapes, for `zidx build --format tsv-escaped`
    #[arg(long)]
    pub escaped: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  zidx inspect words.zidx\n  zidx inspect words.zidx --json | jq .hash_index"
)]
pub struct InspectArgs {
    /// The index: a path, or an http:// or https:// URL (by HTTP range requests)
    pub index: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Prints `ok` and exits 0, or names the first problem (section and byte offset)\n\
and exits 2.\n\nExamples:\n  zidx verify words.zidx"
)]
pub struct VerifyArgs {
    /// The index: a path, or an http:// or https:// URL (one plain GET, checked in memory)
    pub index: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Output is raw TSV, KEY<TAB>VALUE<LF> per record with the bytes as they are: what\n\
`zidx build` reads by default, so `zidx dump a.zidx | zidx build - -o b.zidx` gives a file\n\
identical to a.zidx (built with default options). A record raw TSV cannot carry (a key with a\n\
tab, LF or CR, or starting with a byte-order mark or gzip, xz or zstd magic bytes; a value\n\
with LF or CR) stops the dump with exit 2, naming the record; its last output line then\n\
holds no tab, so that a `zidx build` reading the output fails too.\n\n\
--escaped writes every record with backslash escapes (\\\\ \\t \\n \\r \\xHH), which any\n\
record survives: read it back with `zidx build --format tsv-escaped`.\n\n\
Examples:\n  zidx dump words.zidx | head\n  zidx dump words.zidx | zidx build - -o copy.zidx\n  \
zidx dump --escaped blobs.zidx | zidx build - --format tsv-escaped -o copy.zidx"
)]
pub struct DumpArgs {
    /// The index: a path, or an http:// or https:// URL (by HTTP range requests)
    pub index: PathBuf,
    /// Write backslash escapes, for `zidx build --format tsv-escaped`
    #[arg(long)]
    pub escaped: bool,
    /// Typed indexes (built with --schema): one {"key":...,"value":{...}} JSON
    /// line per record, for `zidx build --format jsonl --value value --schema ...`
    #[arg(long, conflicts_with = "escaped")]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "One key per line, in stored order, bytes as they are: the input of `zidx get INDEX -`.\n\
A key holding LF or CR stops the listing with exit 2, naming the record; --escaped writes\n\
every key with backslash escapes, the input of `zidx get INDEX - --escaped`.\n\n\
Examples:\n  zidx keys words.zidx | head\n  zidx keys words.zidx | zidx get other.zidx -"
)]
pub struct KeysArgs {
    /// The index: a path, or an http:// or https:// URL (by HTTP range requests)
    pub index: PathBuf,
    /// Write keys with backslash escapes
    #[arg(long)]
    pub escaped: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "For keys and for values, in bytes: total, min, max, mean, and the nearest-rank median,\n\
90th and 99th percentiles (the smallest length that at least that share of records do not\n\
exceed), then the number of records per power-of-two length range. Reads every record.\n\n\
Examples:\n  zidx stats words.zidx\n  zidx stats words.zidx --json | jq .value_length.p99"
)]
pub struct StatsArgs {
    /// The index
    pub index: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The count is in the header: no record is read.\n\nExamples:\n  zidx count words.zidx"
)]
pub struct CountArgs {
    /// The index: a path, or an http:// or https:// URL (by HTTP range requests)
    pub index: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Warm: median ns per lookup over --passes passes in random order, hits and misses\n\
separately, one by one (get) and batched (get_many). Keys are a uniform sample of the index\n\
and as many random absent keys, or the keys of --keys FILE (one per line, as `zidx keys`\n\
writes them; escaped with --escaped).\n\
Cold (Linux, not with --no-mmap): evicts the file from the page cache, looks up --cold keys,\n\
and reports microseconds and pages of the file brought in per lookup.\n\n\
Examples:\n  zidx bench words.zidx\n  zidx bench words.zidx --keys queries.txt --cold 0"
)]
pub struct BenchArgs {
    /// The index
    pub index: PathBuf,
    /// Keys to look up, one per line, instead of a sample of the index
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// The keys of --keys FILE are escaped (\\ \t \n \r \xHH)
    #[arg(long, requires = "keys")]
    pub escaped: bool,
    /// Keys sampled from the index
    #[arg(long, default_value_t = 100_000)]
    pub samples: usize,
    /// Timed passes over the keys (the median is reported)
    #[arg(long, default_value_t = 5)]
    pub passes: usize,
    /// Keys looked up cold; 0 skips the cold measurement
    #[arg(long, default_value_t = 1000)]
    pub cold: usize,
    #[command(flatten)]
    pub read: ReadArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Checks that the shards agree before writing anything: each opens, has the features and\n\
value schema of shard 0, and holds only keys that route to its place (every key is read). The\n\
shards must be in the manifest's directory; the manifest names them by file name. It is written\n\
to a temporary file and renamed over OUT (an existing OUT must be a manifest, unless --force).\n\n\
Examples:\n  for i in 0 1 2 3; do zidx build words.tsv --shard $i/4 -o words-$i.zidx; done\n  \
zidx manifest words-0.zidx words-1.zidx words-2.zidx words-3.zidx -o words.zidxset\n  \
zidx get words.zidxset apple"
)]
pub struct ManifestArgs {
    /// The shards, shard 0 first
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Where to write the manifest (NAME.zidxset)
    #[arg(short, long)]
    pub output: PathBuf,
    /// The routing seed the shards were built with (zidx build --route-seed)
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    pub route_seed: u64,
    /// Replace OUT even if it is not a set manifest
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  zidx completions bash > /etc/bash_completion.d/zidx\n  \
zidx completions zsh > \"${fpath[1]}/_zidx\"\n  zidx completions fish > ~/.config/fish/completions/zidx.fish"
)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Without COMMAND, the page zidx(1); with one, the page zidx-COMMAND(1).\n\n\
Examples:\n  zidx man > zidx.1 && man ./zidx.1\n  zidx man get | man -l -"
)]
pub struct ManArgs {
    /// A subcommand whose page to print instead
    pub command: Option<String>,
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

/// `--shard I/N`: shard I (0 ≤ I < N ≤ 65,536).
fn parse_shard(s: &str) -> Result<(u32, u32), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?} is not I/N (shard I, from 0, of N): e.g. 0/4"))?;
    let i: u32 = i
        .trim()
        .parse()
        .map_err(|_| format!("{i:?} is not a shard number"))?;
    let n: u32 = n
        .trim()
        .parse()
        .map_err(|_| format!("{n:?} is not a shard count"))?;
    if n == 0 || n > zidx_format::manifest::MAX_SHARDS {
        return Err(format!(
            "a set has 1 to {} shards, not {n}",
            zidx_format::manifest::MAX_SHARDS
        ));
    }
    if i >= n {
        return Err(format!(
            "shard {i} of {n}: shards are numbered from 0 to {}",
            n - 1
        ));
    }
    Ok((i, n))
}

/// `--schema`: the textual form of a value schema (SPEC.md §13.1).
fn parse_schema(s: &str) -> Result<zidx_format::ValueSchema, String> {
    zidx_format::ValueSchema::parse(s).map_err(|e| e.to_string())
}

/// `--format-version`: `1.0`, `1.1`, `1.2` or `1.3`.
fn parse_format_version(s: &str) -> Result<zidx_writer::FormatVersion, String> {
    s.parse()
}
