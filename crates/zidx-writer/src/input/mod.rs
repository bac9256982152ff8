//! Turning text input into key/value pairs: TSV, CSV and JSON Lines, as
//! `zidx build` reads them (README.md, "Input formats").
//!
//! Each parser calls a function for every record with the key, the value and
//! the 1-based line number the record starts on; errors name the input and
//! the line. Memory is bounded by the longest line allowed, never by the
//! input size.

mod csv_input;
pub mod escape;
mod jsonl;
mod tsv;

use std::io::BufRead;

use crate::error::WriteError;

pub use csv_input::read_csv;
pub use jsonl::read_jsonl;
pub use tsv::read_tsv;

/// The longest input line accepted by default: 64 MiB.
pub const DEFAULT_MAX_LINE: usize = 64 << 20;

/// An input format and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// Tab-separated: key before the first tab, value after it.
    Tsv {
        /// Decode backslash escapes (`\\ \t \n \r \xHH`) in key and value.
        escapes: bool,
    },
    /// Comma-separated with a header row.
    Csv {
        /// Name of the key column; the first column when `None`.
        key: Option<String>,
    },
    /// One JSON object per line.
    Jsonl {
        /// Name of the key field.
        key: String,
    },
}

/// Reads every record of `input` in `format`, calling `sink(key, value,
/// line)` for each. `name` names the input in error messages. Returns the
/// number of records.
pub fn read_records<R: BufRead>(
    input: R,
    name: &str,
    format: &Format,
    max_line: usize,
    sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), WriteError>,
) -> Result<u64, WriteError> {
    match format {
        Format::Tsv { escapes } => read_tsv(input, name, *escapes, max_line, sink),
        Format::Csv { key } => read_csv(input, name, key.as_deref(), max_line, sink),
        Format::Jsonl { key } => read_jsonl(input, name, key, max_line, sink),
    }
}

pub(crate) fn bad(input: &str, line: u64, problem: impl Into<String>) -> WriteError {
    WriteError::BadInput {
        input: input.to_string(),
        line,
        problem: problem.into(),
    }
}

/// Reads one line (up to and including `\n`) into `buf`, refusing lines
/// longer than `max_line` bytes without buffering more than that. Returns
/// false at the end of the input.
pub(crate) fn read_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max_line: usize,
    name: &str,
    line: u64,
) -> Result<bool, WriteError> {
    use std::io::Read;
    buf.clear();
    let limit = (max_line as u64).saturating_add(1);
    let n = input
        .by_ref()
        .take(limit)
        .read_until(b'\n', buf)
        .map_err(|e| bad(name, line, format!("read error: {e}")))?;
    if n == 0 {
        return Ok(false);
    }
    let content = buf.len() - usize::from(buf.last() == Some(&b'\n'));
    if content > max_line {
        return Err(bad(
            name,
            line,
            format!("line longer than {max_line} bytes"),
        ));
    }
    Ok(true)
}

/// `line` without its line ending (LF or CRLF). A CR without LF (possible
/// only on a last line) is data.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    match line.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => line,
    }
}
