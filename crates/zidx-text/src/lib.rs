//! Text formats for zidx: turning TSV, CSV and JSON Lines into key/value
//! pairs, as `zidx build` reads them (README.md, "Input formats"), and the
//! backslash escaping that `zidx dump --escaped` and `zidx get --escaped`
//! write.
//!
//! Each parser calls a function, the *sink*, for every record with the key,
//! the value and the 1-based line number the record starts on. Errors name
//! the input and the line ([`TextError`]). Memory is bounded by the longest
//! line allowed, never by the input size. The sink may fail with the
//! caller's own error type `E`; parse errors reach the caller as `E` too,
//! through `E: From<TextError>`, so a sink can hand its records to a writer
//! and pass the writer's errors straight through.
//!
//! Rules shared by every format:
//!
//! - A UTF-8 byte-order mark at the very start of the input is not data: it
//!   is dropped.
//! - A *blank line* (empty, or only spaces and tabs, once its line ending is
//!   stripped) is skipped and counted ([`Summary::blank_lines`]), so that the
//!   caller can say so. A line holding the format's field separator (the
//!   tab in TSV, the delimiter in CSV) is never blank: it is a record of
//!   empty fields, and `zidx dump` writes such lines.
//!
//! # Features
//!
//! - `csv` (default): `read_csv` and `Format::Csv`.
//! - `jsonl` (default): `read_jsonl` and `Format::Jsonl`, with `serde_json`.
//! - `compression` (default): gzip, xz and zstd input in [`input::decode`].
//! - `typed` (default): the [`typed`] module, CSV and JSON Lines encoded into
//!   fixed-layout values by a schema (format 1.3), and values written as
//!   JSON; with zidx-format.
//!
//! The [`escape`] module, the TSV parser and [`input`] are always there: depend
//! with `default-features = false` for only those.
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
//! Parsing a small TSV, as it is and with escapes decoded:
//!
//! ```
//! use zidx_text::{read_records, Format, TextError, DEFAULT_MAX_LINE};
//!
//! let input = b"red\t#ff0000\ngreen\t#00ff00\r\n\nC:\\new\tpath\n";
//! let mut pairs = Vec::new();
//! let summary = read_records(
//!     &input[..],
//!     "colors.tsv",
//!     &Format::Tsv { escapes: false },
//!     DEFAULT_MAX_LINE,
//!     |key, value, line| {
//!         pairs.push((key.to_vec(), value.to_vec(), line));
//!         Ok::<(), TextError>(())
//!     },
//! )?;
//! assert_eq!((summary.records, summary.blank_lines), (3, 1));
//! assert_eq!(pairs[1], (b"green".to_vec(), b"#00ff00".to_vec(), 2));
//! assert_eq!(pairs[2], (b"C:\\new".to_vec(), b"path".to_vec(), 4));
//!
//! // The escaped form `zidx dump --escaped` writes.
//! let mut keys = Vec::new();
//! read_records(&b"tab\\tkey\tvalue\n"[..], "dump.tsv", &Format::Tsv { escapes: true },
//!     DEFAULT_MAX_LINE, |key, _, _| { keys.push(key.to_vec()); Ok::<(), TextError>(()) })?;
//! assert_eq!(keys, [b"tab\tkey".to_vec()]);
//!
//! // Errors name the input and the line.
//! let err = read_records(&b"a\t1\nno tab\n"[..], "x.tsv", &Format::Tsv { escapes: false },
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
pub mod input;
#[cfg(feature = "jsonl")]
mod jsonl;
mod tsv;
#[cfg(feature = "typed")]
pub mod typed;

use std::io::{BufRead, Read};

#[cfg(feature = "csv")]
pub use csv_input::{read_csv, CsvOptions};
pub use error::TextError;
#[cfg(feature = "jsonl")]
pub use jsonl::{read_jsonl, JsonlOptions};
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
        /// Decode backslash escapes (`\\ \t \n \r \xHH`) in key and value:
        /// `zidx build --format tsv-escaped`, the form `zidx dump --escaped`
        /// writes.
        /// Without, bytes are taken as they are (`--format tsv`).
        escapes: bool,
    },
    /// Comma-separated (or another delimiter), with or without a header row.
    #[cfg(feature = "csv")]
    Csv(CsvOptions),
    /// One JSON object per line.
    #[cfg(feature = "jsonl")]
    Jsonl(JsonlOptions),
}

/// The name of a format, without its options: what a file name suggests
/// ([`FormatKind::from_path`]) or a command line names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormatKind {
    /// [`Format::Tsv`] without escapes.
    Tsv,
    /// [`Format::Tsv`] with escapes.
    TsvEscaped,
    /// CSV.
    Csv,
    /// JSON Lines.
    Jsonl,
}

impl FormatKind {
    /// The format a file name suggests: `.tsv` and `.txt` are TSV, `.csv`
    /// CSV, `.jsonl` and `.ndjson` JSON Lines, looking through one
    /// compression suffix (`.gz`, `.xz`, `.zst`, `.zstd`: `x.csv.gz` is CSV).
    /// Case does not matter. `None` for any other name. Escaped TSV has no
    /// extension of its own: it is always asked for by name.
    pub fn from_path(path: &std::path::Path) -> Option<FormatKind> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let mut stem = name.as_str();
        for suffix in [".gz", ".xz", ".zst", ".zstd"] {
            if let Some(s) = stem.strip_suffix(suffix) {
                stem = s;
                break;
            }
        }
        let (_, ext) = stem.rsplit_once('.')?;
        match ext {
            "tsv" | "txt" => Some(FormatKind::Tsv),
            "csv" => Some(FormatKind::Csv),
            "jsonl" | "ndjson" => Some(FormatKind::Jsonl),
            _ => None,
        }
    }
}

/// What a parser read, besides the records it passed on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Records passed to the sink.
    pub records: u64,
    /// Blank lines skipped: reported so that skipping is never silent.
    pub blank_lines: u64,
}

/// Reads every record of `input` in `format`, calling `sink(key, value,
/// line)` for each. `name` names the input in error messages. `max_line`
/// bounds the bytes of one line (CSV: one record, quoted line breaks
/// included); longer lines are an error, found without buffering more.
///
/// Stops at the first error: a parse error (as `E`, from [`TextError`]) or
/// the first error `sink` returns, unchanged.
pub fn read_records<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    format: &Format,
    max_line: usize,
    sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<Summary, E> {
    match format {
        Format::Tsv { escapes } => read_tsv(input, name, *escapes, max_line, sink),
        #[cfg(feature = "csv")]
        Format::Csv(options) => read_csv(input, name, options, max_line, sink),
        #[cfg(feature = "jsonl")]
        Format::Jsonl(options) => read_jsonl(input, name, options, max_line, sink),
    }
}

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xef\xbb\xbf";

/// `input` without a leading UTF-8 byte-order mark. Reads up to three bytes
/// one buffer fill at a time (a pipe may deliver one byte per read) and puts
/// back whatever was not a byte-order mark.
pub(crate) fn skip_bom<R: BufRead>(
    mut input: R,
    name: &str,
) -> Result<std::io::Chain<std::io::Cursor<Vec<u8>>, R>, TextError> {
    let mut head = Vec::with_capacity(BOM.len());
    while head.len() < BOM.len() {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(bad(name, 1, format!("read error: {e}"))),
        };
        if buf.is_empty() {
            break;
        }
        let n = buf.len().min(BOM.len() - head.len());
        head.extend_from_slice(&buf[..n]);
        input.consume(n);
        if !BOM.starts_with(&head) {
            break;
        }
    }
    if head == BOM {
        head.clear();
    }
    Ok(std::io::Cursor::new(head).chain(input))
}

/// Whether a line (without its line ending) is blank: empty, or only spaces
/// and tabs, and without `separator`.
pub(crate) fn is_blank(line: &[u8], separator: Option<u8>) -> bool {
    line.iter()
        .all(|&b| (b == b' ' || b == b'\t') && Some(b) != separator)
}

/// Reads one line (up to and including `\n`) into `buf`, refusing lines
/// longer than `max_line` bytes without buffering more than that. Returns
/// false at the end of the input.
///
/// `lone_cr`, if given, is the problem to report instead of "too long" when
/// the part read holds a CR not followed by LF: a file with CR-only line
/// endings is one huge line, and the CR is what is wrong with it.
pub(crate) fn read_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    max_line: usize,
    name: &str,
    line: u64,
    lone_cr: Option<&str>,
) -> Result<bool, TextError> {
    buf.clear();
    // Two bytes more than the limit: the LF, and one byte to tell "exactly
    // max_line bytes and CRLF" from "too long".
    let limit = (max_line as u64).saturating_add(2);
    let n = input
        .by_ref()
        .take(limit)
        .read_until(b'\n', buf)
        .map_err(|e| bad(name, line, format!("read error: {e}")))?;
    if n == 0 {
        return Ok(false);
    }
    if trim_eol(buf).len() > max_line {
        if let Some(problem) = lone_cr {
            if find_lone_cr(buf).is_some() {
                return Err(bad(name, line, problem));
            }
        }
        return Err(bad(
            name,
            line,
            format!("line longer than {max_line} bytes"),
        ));
    }
    Ok(true)
}

/// `line` without its line ending (LF or CRLF). A CR not followed by LF is
/// left in place (see [`find_lone_cr`]).
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    match line.strip_suffix(b"\n") {
        Some(line) => line.strip_suffix(b"\r").unwrap_or(line),
        None => line,
    }
}

/// The position of the first CR not followed by LF in a line read by
/// [`read_line`] (its ending included, so the CR of a CRLF is followed by
/// its LF).
pub(crate) fn find_lone_cr(line: &[u8]) -> Option<usize> {
    line.iter()
        .enumerate()
        .position(|(i, &b)| b == b'\r' && line.get(i + 1) != Some(&b'\n'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn format_from_file_name() {
        let kind = |p: &str| FormatKind::from_path(Path::new(p));
        assert_eq!(kind("a.tsv"), Some(FormatKind::Tsv));
        assert_eq!(kind("dir.csv/a.TXT"), Some(FormatKind::Tsv));
        assert_eq!(kind("a.CSV"), Some(FormatKind::Csv));
        assert_eq!(kind("x.csv.gz"), Some(FormatKind::Csv));
        assert_eq!(kind("x.ndjson.zst"), Some(FormatKind::Jsonl));
        assert_eq!(kind("x.jsonl.xz"), Some(FormatKind::Jsonl));
        assert_eq!(kind("x.gz"), None);
        assert_eq!(kind("x.csv.gz.gz"), None);
        assert_eq!(kind("csv"), None);
        assert_eq!(kind("-"), None);
        assert_eq!(kind("x.zidx"), None);
    }

    /// A reader that hands out one byte per read, as a slow pipe may.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let Some((&b, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = b;
            self.0 = rest;
            Ok(1)
        }
    }

    fn without_bom(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        skip_bom(std::io::BufReader::with_capacity(1, OneByte(bytes)), "t")
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn byte_order_mark_is_dropped_only_at_the_start() {
        assert_eq!(without_bom(b"\xef\xbb\xbfk\tv"), b"k\tv");
        assert_eq!(without_bom(b"\xef\xbb\xbf"), b"");
        assert_eq!(without_bom(b"\xef\xbbk"), b"\xef\xbbk");
        assert_eq!(without_bom(b"\xef"), b"\xef");
        assert_eq!(without_bom(b"k\xef\xbb\xbf"), b"k\xef\xbb\xbf");
        assert_eq!(without_bom(b"\xef\xbb\xbf\xef\xbb\xbf"), b"\xef\xbb\xbf");
        assert_eq!(without_bom(b""), b"");
    }

    #[test]
    fn blank_lines() {
        assert!(is_blank(b"", None));
        assert!(is_blank(b" \t ", None));
        assert!(!is_blank(b" \t ", Some(b'\t')));
        assert!(is_blank(b"  ", Some(b'\t')));
        assert!(!is_blank(b" x", None));
        assert!(!is_blank(b"\x0c", None));
    }

    #[test]
    fn lone_carriage_returns() {
        assert_eq!(find_lone_cr(b"a\r\n"), None);
        assert_eq!(find_lone_cr(b"a\rb\n"), Some(1));
        assert_eq!(find_lone_cr(b"a\r"), Some(1));
        assert_eq!(find_lone_cr(b"a\r\r\n"), Some(1));
    }

    #[test]
    fn a_line_of_exactly_max_line_bytes_with_crlf_fits() {
        let mut buf = Vec::new();
        let mut input = &b"abcd\r\nabcde\r\n"[..];
        assert!(read_line(&mut input, &mut buf, 4, "t", 1, None).unwrap());
        assert_eq!(buf, b"abcd\r\n");
        let e = read_line(&mut input, &mut buf, 4, "t", 2, None).unwrap_err();
        assert_eq!(e.to_string(), "t:2: line longer than 4 bytes");
    }
}

/// What the CSV and JSONL parsers' unit tests share.
#[cfg(all(test, any(feature = "csv", feature = "jsonl")))]
mod test_support {
    /// (key, value, line) of each record, as text.
    pub(crate) type Records = Vec<(String, String, u64)>;

    /// One parsed record as text, for readable assertions.
    pub(crate) fn as_text(key: &[u8], value: &[u8], line: u64) -> (String, String, u64) {
        (
            String::from_utf8(key.to_vec()).unwrap(),
            String::from_utf8(value.to_vec()).unwrap(),
            line,
        )
    }
}
