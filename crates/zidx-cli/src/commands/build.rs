//! `zidx build`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use zidx_text::escape::ShowKey;
use zidx_text::{read_records, Format, TextError};
use zidx_writer::{Options, WriteError, Writer};

use crate::cli::{BuildArgs, InputFormat};
use crate::failure::{Failure, Outcome};
use crate::line_map::LineMap;

pub fn run(args: BuildArgs) -> Outcome {
    let from_stdin = args.input.as_os_str() == "-";
    let name = if from_stdin {
        "<stdin>".to_string()
    } else {
        args.input.display().to_string()
    };
    let format = match args.format {
        InputFormat::Tsv => Format::Tsv {
            escapes: !args.no_escapes,
        },
        InputFormat::Csv => Format::Csv {
            key: args.key.clone(),
        },
        InputFormat::Jsonl => Format::Jsonl {
            key: args.key.clone().unwrap_or_else(|| "key".to_string()),
        },
    };
    if args.key.is_some() && args.format == InputFormat::Tsv {
        return Err(Failure::error(
            "--key applies to --format csv and jsonl; in TSV the key is the first field",
        ));
    }

    let progress = progress_bar(&args, from_stdin);
    let input: Box<dyn BufRead> = if from_stdin {
        Box::new(BufReader::with_capacity(
            1 << 20,
            progress.wrap_read(io::stdin().lock()),
        ))
    } else {
        let file = File::open(&args.input).map_err(|e| Failure::error(format!("{name}: {e}")))?;
        Box::new(BufReader::with_capacity(1 << 20, progress.wrap_read(file)))
    };

    let options = Options::default().with_on_duplicate(args.on_duplicate);
    let mut writer = Writer::create(&args.output, options).map_err(Failure::error)?;
    let mut lines = LineMap::default();
    let mut record = 0u64;
    read_records(input, &name, &format, args.max_line, |key, value, line| {
        lines.record(record, line);
        record += 1;
        // Limits of the format are the input's fault: name the line.
        writer.insert(key, value).map_err(|e| match e {
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
    })?;
    // Finishing sorts the keys, writes the hash table and syncs: seconds for
    // tens of millions of records, so say so.
    if !progress.is_hidden() {
        progress.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        progress.set_message(format!(
            "{record} records read; writing the hash table and syncing"
        ));
        progress.enable_steady_tick(std::time::Duration::from_millis(100));
    }
    let finished = writer.finish();
    progress.finish_and_clear();
    let summary = finished.map_err(|e| match e {
        WriteError::DuplicateKey { key, first, second } => Failure::error(format!(
            "{name}:{}: duplicate key {}: first on line {}; use --on-duplicate first or last to keep one",
            lines.line(second),
            ShowKey(&key),
            lines.line(first),
        )),
        other => Failure::error(other),
    })?;
    if io::stderr().is_terminal() {
        let _ = writeln!(
            io::stderr(),
            "zidx: wrote {} ({} records, {} bytes)",
            args.output.display(),
            summary.records,
            summary.file_len
        );
    }
    Ok(ExitCode::SUCCESS)
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
