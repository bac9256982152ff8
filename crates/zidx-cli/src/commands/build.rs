//! `zidx build`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use zidx_format::manifest::route;
use zidx_text::escape::ShowKey;
use zidx_text::typed::read_typed;
use zidx_text::{read_records, CsvOptions, Format, FormatKind, JsonlOptions, TextError};
use zidx_writer::{Options, Replace, WriteError};

use crate::build_guards;
use crate::cli::{BuildArgs, InputFormat};
use crate::commands::build_output::BuildOutput;
use crate::failure::{Failure, Outcome};
use crate::signals;

pub fn run(args: BuildArgs) -> Outcome {
    let from_stdin = args.input.as_os_str() == "-";
    let name = if from_stdin {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let format = input_format(&args, from_stdin)?;
    if args.route_seed != 0 && args.shards.is_none() && args.shard.is_none() {
        return Err(Failure::error(
            "--route-seed applies to sets: give --shards N or --shard I/N",
        ));
    }
    if from_stdin {
        build_guards::refuse_terminal_stdin()?;
    } else {
        build_guards::refuse_output_over_input(&args.input, &args.output)?;
    }

    let progress = progress_bar(&args, from_stdin);
    let raw: Box<dyn BufRead> = if from_stdin {
        Box::new(BufReader::with_capacity(
            1 << 20,
            progress.wrap_read(io::stdin().lock()),
        ))
    } else {
        let file = File::open(&args.input).map_err(|e| Failure::error(format!("{name}: {e}")))?;
        Box::new(BufReader::with_capacity(1 << 20, progress.wrap_read(file)))
    };
    // Compressed input is decoded and an index given as input refused by
    // their first bytes, before the output is touched.
    let (input, _compression) = zidx_text::input::decode(raw, &name)?;

    let mut options = Options::default()
        .with_on_duplicate(args.on_duplicate)
        .with_format_version(args.format_version)
        .with_ordered(args.ordered)
        .with_record_checksums(args.checked)
        .with_sort_buffer(args.sort_buffer)
        .with_memory(args.memory.unwrap_or_else(zidx_writer::default_memory))
        .with_replace(if args.force {
            Replace::Any
        } else {
            Replace::IndexOnly
        });
    if let Some(schema) = &args.schema {
        options = options.with_value_schema(schema.clone());
    }
    signals::install();
    let (mut writer, mut lines) = BuildOutput::create(
        &args.output,
        options,
        args.shards,
        args.shard,
        args.route_seed,
    )
    .map_err(Failure::error)?;
    if let Some(temp) = writer.temp_path() {
        signals::set_pending(temp.to_path_buf());
    }
    let router = writer.router();
    let mut record = 0u64;
    let mut sink = |key: &[u8], value: &[u8], line: u64| {
        record += 1;
        // Limits of the format are the input's fault: name the line.
        writer
            .insert(key, value, line, &mut lines)
            .map_err(|e| match e {
                WriteError::KeyTooLong { len, max, .. } => bad_input(
                    &name,
                    line,
                    format!("key of {len} bytes is longer than the limit of {max} bytes"),
                ),
                WriteError::ValueTooLong { len, max, .. } => bad_input(
                    &name,
                    line,
                    format!("value of {len} bytes is longer than the limit of {max} bytes"),
                ),
                WriteError::TooLarge { .. } => bad_input(
                    &name,
                    line,
                    "the index would exceed the format's 2^48-byte limit".into(),
                ),
                other => Failure::error(other),
            })
    };
    let (blank_lines, unused) = match &args.schema {
        Some(schema) => {
            let read = read_typed(input, &name, &format, schema, args.max_line, &mut sink)?;
            (read.blank_lines, Some((read.unused, read.more_unused)))
        }
        None => {
            let read = read_records(input, &name, &format, args.max_line, &mut sink)?;
            (read.blank_lines, None)
        }
    };
    // Finishing sorts the keys, writes the hash table and syncs: minutes
    // for hundreds of millions of records, so each phase gets a bar.
    if !progress.is_hidden() {
        progress.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}%, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        progress.set_message(format!("{record} records read"));
        writer.on_progress(progress.clone());
    }
    let finished = writer.finish();
    signals::clear_pending();
    progress.finish_and_clear();
    let summary = finished.map_err(|e| match e {
        WriteError::DuplicateKey { key, first, second } => {
            let map = router.map_or(0, |(seed, n)| route(&key, seed, n) as usize);
            Failure::error(format!(
                "{name}:{}: duplicate key {}: first on line {}; use --on-duplicate first or last to keep one",
                lines.line(map, second),
                ShowKey(&key),
                lines.line(map, first),
            ))
        }
        other => Failure::error(other),
    })?;
    // Skipping blank lines is the one thing a build does to its input
    // without failing, so it is never silent.
    if blank_lines > 0 {
        let _ = writeln!(
            io::stderr(),
            "zidx: skipped {} blank line{}",
            blank_lines,
            if blank_lines == 1 { "" } else { "s" }
        );
    }
    // Columns the schema leaves out were the user's choice, but never a
    // silent one.
    if let Some((names, more)) = unused.filter(|(names, _)| !names.is_empty()) {
        let _ = writeln!(
            io::stderr(),
            "zidx: not stored (not in the schema): {}{}",
            crate::failure::printable(&names.join(", ")),
            if more { ", ..." } else { "" }
        );
    }
    if io::stderr().is_terminal() {
        let _ = writeln!(
            io::stderr(),
            "zidx: wrote {} ({} records, {} bytes)",
            crate::failure::printable(&args.output.display().to_string()),
            summary.records,
            summary.bytes
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The input format and its options: `--format`, else what the input's name
/// says (`x.csv.gz` is CSV), else TSV. Options of another format than the
/// one read are refused rather than ignored.
fn input_format(args: &BuildArgs, from_stdin: bool) -> Result<Format, Failure> {
    if args.no_escapes {
        return Err(Failure::error(
            "--no-escapes is gone: `--format tsv` (the default) now takes TSV bytes as they are; \
             to decode backslash escapes, as `zidx dump --escaped` writes them, use --format tsv-escaped",
        ));
    }
    let guessed = if from_stdin {
        None
    } else {
        FormatKind::from_path(&args.input)
    };
    let kind = args.format.unwrap_or(match guessed {
        Some(FormatKind::Csv) => InputFormat::Csv,
        Some(FormatKind::Jsonl) => InputFormat::Jsonl,
        Some(FormatKind::TsvEscaped) => InputFormat::TsvEscaped,
        _ => InputFormat::Tsv,
    });
    let name = match kind {
        InputFormat::Tsv => "tsv",
        InputFormat::TsvEscaped => "tsv-escaped",
        InputFormat::Csv => "csv",
        InputFormat::Jsonl => "jsonl",
    };
    // Say where a format nobody asked for came from.
    let why = match (args.format, from_stdin) {
        (Some(_), _) => String::new(),
        (None, true) => " (standard input is read as tsv unless --format says otherwise)".into(),
        (None, false) => format!(
            " (the format {name} was taken from the input's name; --format chooses another)"
        ),
    };
    let refuse = |option: &str, applies: &str| {
        Err(Failure::error(format!(
            "{option} applies to {applies}, and the input is read as {name}{why}"
        )))
    };
    let is_tsv = matches!(kind, InputFormat::Tsv | InputFormat::TsvEscaped);
    if args.key.is_some() && is_tsv {
        return Err(Failure::error(format!(
            "--key applies to --format csv and jsonl; in TSV the key is the first field{why}"
        )));
    }
    if kind != InputFormat::Csv {
        if args.delimiter.is_some() {
            return refuse("--delimiter", "--format csv");
        }
        if args.no_header {
            return refuse("--no-header", "--format csv");
        }
    }
    if args.schema.is_some() && is_tsv {
        return Err(Failure::error(format!(
            "--schema takes its fields from CSV columns or JSON fields by name: use --format csv \
             (with a header row) or jsonl; the input is read as {name}{why}"
        )));
    }
    if args.value.is_some() && kind != InputFormat::Jsonl {
        return refuse("--value", "--format jsonl");
    }
    Ok(match kind {
        InputFormat::Tsv => Format::Tsv { escapes: false },
        InputFormat::TsvEscaped => Format::Tsv { escapes: true },
        InputFormat::Csv => {
            let mut options = CsvOptions::default()
                .with_delimiter(args.delimiter.unwrap_or(b','))
                .with_header(!args.no_header);
            if let Some(key) = &args.key {
                options = options.with_key(key.clone());
            }
            Format::Csv(options)
        }
        InputFormat::Jsonl => {
            let mut options = JsonlOptions::default();
            if let Some(key) = &args.key {
                options = options.with_key(key.clone());
            }
            if let Some(value) = &args.value {
                options = options.with_value(value.clone());
            }
            Format::Jsonl(options)
        }
    })
}

/// Bad input at `name:line`, printed as the parsers print theirs.
fn bad_input(name: &str, line: u64, problem: String) -> Failure {
    Failure::from(TextError::BadInput {
        input: name.to_string(),
        line,
        problem,
    })
}

/// A progress bar on stderr when it is a terminal; a hidden one otherwise.
fn progress_bar(args: &BuildArgs, from_stdin: bool) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total = if from_stdin {
        None
    } else {
        std::fs::metadata(&args.input).ok().map(|m| m.len())
    };
    match total {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template(
                "{spinner} reading {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} reading {bytes} ({bytes_per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        ),
    }
}

#[cfg(test)]
mod tests {
    /// zidx-text depends on no zidx crate, so it repeats the magic bytes by
    /// which it refuses an index given as input.
    #[test]
    fn the_text_crate_knows_the_index_magic() {
        assert_eq!(zidx_text::input::ZIDX_MAGIC, zidx_format::MAGIC);
    }
}
