//! Text formats for zidx: turning TSV, CSV and JSON Lines into key/value
//! pairs, as `zidx build` reads them (README.md, "Input formats"), and the
//! backslash escaping that `zidx dump` and `zidx get -` write.
//!
//! Each parser calls a function, the *sink*, for every record with the key,
//! the value and the 1-based line number the record starts on. Errors name
//! the input and the line ([`TextError`]). Memory is bounded by the longest
//! line allowed, never by the input size. The sink may fail with the
//! caller's own error type `E`; parse errors reach the caller as `E` too,
//! through `E: From<TextError>`, so a sink can hand its records to a writer
//! and pass the writer's errors straight through.
//!
//! # Features
//!
//! - `csv` (default): `read_csv` and `Format::Csv`, with the `csv` crate.
//! - `jsonl` (default): `read_jsonl` and `Format::Jsonl`, with `serde_json`.
//!
//! The [`escape`] module and the TSV parser are always there and need no
//! other crate: depend with `default-features = false` for only those.
//!
//! # Examples
//!
//! Escaping, and printing a key in a message:
//!
//! ```
//! use zidx_text::escape::{escape_record_into, unescape_into, ShowKey};
//!
//! let mut line = Vec::new();
//! escape_record_into(b"tab\there", b"line\nbreak", &mut line);
//! assert_eq!(line, b"tab\\there\tline\\nbreak\n");
//!
//! let mut key = Vec::new();
//! unescape_into(br"tab\there", &mut key).unwrap();
//! assert_eq!(key, b"tab\there");
//! assert_eq!(ShowKey(&key).to_string(), r#""tab\there""#);
//! ```
//!
//! Parsing a small TSV:
//!
//! ```
//! use zidx_text::{read_records, Format, TextError, DEFAULT_MAX_LINE};
//!
//! let input = b"red\t#ff0000\ngreen\t#00ff00\r\nescaped\\tkey\tvalue\n";
//! let mut pairs = Vec::new();
//! let count = read_records(
//!     &input[..],
//!     "colors.tsv",
//!     &Format::Tsv { escapes: true },
//!     DEFAULT_MAX_LINE,
//!     |key, value, line| {
//!         pairs.push((key.to_vec(), value.to_vec(), line));
//!         Ok::<(), TextError>(())
//!     },
//! )?;
//! assert_eq!(count, 3);
//! assert_eq!(pairs[1], (b"green".to_vec(), b"#00ff00".to_vec(), 2));
//! assert_eq!(pairs[2].0, b"escaped\tkey");
//!
//! // Errors name the input and the line.
//! let err = read_records(&b"a\t1\nno tab\n"[..], "x.tsv", &Format::Tsv { escapes: true },
//!     DEFAULT_MAX_LINE, |_, _, _| Ok::<(), TextError>(()))
//!     .unwrap_err();
//! assert_eq!(err.to_string(), "x.tsv:2: no tab on this line: expected KEY<TAB>VALUE");
//! # Ok::<(), TextError>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "csv")]
mod csv_input;
mod error;
pub mod escape;
#[cfg(feature = "jsonl")]
mod jsonl;
mod tsv;

use std::io::BufRead;

#[cfg(feature = "csv")]
pub use csv_input::read_csv;
pub use error::TextError;
#[cfg(feature = "jsonl")]
pub use jsonl::read_jsonl;
pub use tsv::read_tsv;

use crate::error::bad;

/// The longest input line accepted by default: 64 MiB.
pub const DEFAULT_MAX_LINE: usize = 64 << 20;

/// An input format and its options.
///
/// Non-exhaustive: the `csv` and `jsonl` features add their variants.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Tab-separated: key before the first tab, value after it.
    Tsv {
        /// Decode backslash escapes (`\\ \t \n \r \xHH`) in key and value.
        escapes: bool,
    },
    /// Comma-separated with a header row.
    #[cfg(feature = "csv")]
    Csv {
        /// Name of the key column; the first column when `None`.
        key: Option<String>,
    },
    /// One JSON object per line.
    #[cfg(feature = "jsonl")]
    Jsonl {
        /// Name of the key field.
        key: String,
    },
}

/// Reads every record of `input` in `format`, calling `sink(key, value,
/// line)` for each. `name` names the input in error messages. Returns the
/// number of records.
///
/// Stops at the first error: a parse error (as `E`, from [`TextError`]) or
/// the first error `sink` returns, unchanged.
pub fn read_records<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    format: &Format,
    max_line: usize,
    sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<u64, E> {
    match format {
        Format::Tsv { escapes } => read_tsv(input, name, *escapes, max_line, sink),
        #[cfg(feature = "csv")]
        Format::Csv { key } => read_csv(input, name, key.as_deref(), max_line, sink),
        #[cfg(feature = "jsonl")]
        Format::Jsonl { key } => read_jsonl(input, name, key, max_line, sink),
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
) -> Result<bool, TextError> {
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
