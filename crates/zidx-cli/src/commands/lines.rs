//! The text the reader commands exchange with other programs: keys, one per
//! line (`zidx keys`, `get -`, `bench --keys`), and `KEY<TAB>VALUE` lines
//! (`zidx dump`, `zidx get`), each in one of two forms.
//!
//! - **Raw** (the default): the bytes as they are, what `zidx build` reads
//!   by default. Not every record fits: a tab in a key would move the split,
//!   and an LF or CR in a key or value would end the line early (or be taken
//!   as a CRLF line ending). Such a record is refused, never written
//!   ambiguously, so that raw output read back is always what was stored.
//!   So is a key that starts with bytes `zidx build` takes for a marker
//!   rather than data when they start its input: a UTF-8 byte-order mark
//!   (dropped) or the magic bytes of a gzip, xz or zstd stream (decoded).
//! - **Escaped** (`--escaped`): backslash escapes (`\\ \t \n \r \xHH`), which
//!   every record survives; `zidx build --format tsv-escaped` reads it.

use std::fmt;
use std::io::{self, BufRead, IsTerminal, Read, Write};

use zidx_format::MAX_KEY_LEN;
use zidx_text::escape::{escape_into, unescape_into};

use crate::failure::Failure;

/// Raw or escaped; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Bytes as they are.
    Raw,
    /// Backslash escapes.
    Escaped,
}

impl Form {
    /// The form an `--escaped` flag selects.
    pub fn new(escaped: bool) -> Form {
        if escaped {
            Form::Escaped
        } else {
            Form::Raw
        }
    }
}

/// Why the raw form cannot carry a key or a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRaw {
    /// The key or value (`part`) holds `byte` (tab, LF or CR).
    Holds { part: &'static str, byte: u8 },
    /// The key starts with the marker `what`.
    Starts { what: &'static str },
}

impl fmt::Display for NotRaw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            NotRaw::Holds { part, byte } => {
                let byte = match byte {
                    b'\t' => "a tab",
                    b'\n' => "a line feed",
                    _ => "a carriage return",
                };
                write!(f, "its {part} holds {byte}")
            }
            NotRaw::Starts { what } => write!(
                f,
                "its key starts with the bytes of {what}, which zidx build would \
                 take for a marker at the start of its input"
            ),
        }
    }
}

/// Prefixes `zidx build` interprets at the start of its input
/// (`zidx_text::input` and the BOM rule of the text formats). None holds a
/// tab, so only a key can start a line with one.
const MARKERS: [(&[u8], &str); 4] = [
    (b"\xef\xbb\xbf", "a UTF-8 byte-order mark"),
    (b"\x1f\x8b", "a gzip stream"),
    (b"\xfd7zXZ\x00", "an xz stream"),
    (b"\x28\xb5\x2f\xfd", "a zstd stream"),
];

/// The first byte of `bytes` among `forbidden`, as a [`NotRaw`] of `part`.
fn check(part: &'static str, bytes: &[u8], forbidden: &[u8]) -> Result<(), NotRaw> {
    match bytes.iter().find(|b| forbidden.contains(b)) {
        Some(&byte) => Err(NotRaw::Holds { part, byte }),
        None => Ok(()),
    }
}

/// A raw TSV key: no tab, LF or CR, and no marker at its start. Markers
/// matter only on the first line, but a rule that does not depend on the
/// position is one a user can predict (and such keys are rare).
fn check_tsv_key(key: &[u8]) -> Result<(), NotRaw> {
    check("key", key, b"\t\n\r")?;
    match MARKERS.iter().find(|(marker, _)| key.starts_with(marker)) {
        Some(&(_, what)) => Err(NotRaw::Starts { what }),
        None => Ok(()),
    }
}

/// Appends `key` and a newline, in `form`. Raw keys with LF or CR are
/// refused: a key list is read back one key per line, with LF and CRLF
/// endings. (A tab is an ordinary key byte there.)
pub fn push_key_line(form: Form, key: &[u8], out: &mut Vec<u8>) -> Result<(), NotRaw> {
    match form {
        Form::Raw => {
            check("key", key, b"\n\r")?;
            out.extend_from_slice(key);
        }
        Form::Escaped => escape_into(key, out),
    }
    out.push(b'\n');
    Ok(())
}

/// Appends `KEY<TAB>VALUE<LF>` in `form`. Raw records whose key holds a tab,
/// LF or CR or starts with a marker, or whose value holds LF or CR, are
/// refused (the value may hold tabs: the key ends at the first one).
pub fn push_record(form: Form, key: &[u8], value: &[u8], out: &mut Vec<u8>) -> Result<(), NotRaw> {
    match form {
        Form::Raw => {
            check_tsv_key(key)?;
            check("value", value, b"\n\r")?;
            out.extend_from_slice(key);
            out.push(b'\t');
            out.extend_from_slice(value);
        }
        Form::Escaped => {
            escape_into(key, out);
            out.push(b'\t');
            escape_into(value, out);
        }
    }
    out.push(b'\n');
    Ok(())
}

/// Appends a lone value and a newline: raw as it is (nothing to split), or
/// escaped.
pub fn push_value_line(form: Form, value: &[u8], out: &mut Vec<u8>) {
    match form {
        Form::Raw => out.extend_from_slice(value),
        Form::Escaped => escape_into(value, out),
    }
    out.push(b'\n');
}

/// The failure for a record raw TSV cannot carry, `what` naming it
/// (`INDEX: record 7 (key "...")`).
pub fn refused_record(what: impl fmt::Display, why: NotRaw) -> Failure {
    Failure::error(format!(
        "{what}: {why}, which raw TSV cannot carry; use --escaped \
         (and zidx build --format tsv-escaped to read it back)"
    ))
}

/// The failure for a key a raw key list cannot carry.
pub fn refused_key(what: impl fmt::Display, why: NotRaw) -> Failure {
    Failure::error(format!(
        "{what}: {why}, which a raw key list (one key per line) cannot carry; use --escaped"
    ))
}

/// The last line of a `KEY<TAB>VALUE` stream stopped by a refused record.
/// It holds no tab, so a `zidx build` reading the stream (`zidx dump A |
/// zidx build - -o B`) fails on it instead of building B from the records
/// before it, even in a shell without `pipefail`.
const STOPPED: &[u8] = b"zidx: output stopped before a record raw TSV cannot carry; \
see the error on standard error\n";

/// Ends a `KEY<TAB>VALUE` stream stopped by a refused record: flushes what
/// was written, then writes [`STOPPED`] unless stdout is a terminal (where
/// the error on stderr is seen anyway). Write errors are ignored: the
/// command is failing already.
pub fn end_stopped_stream(out: &mut impl Write) {
    let _ = out.flush();
    if !io::stdout().is_terminal() {
        let _ = out.write_all(STOPPED).and_then(|()| out.flush());
    }
}

/// The longest line that can hold a key, line ending included: a key of
/// [`MAX_KEY_LEN`] bytes, each escaped as `\xHH`, and a CRLF. Longer lines
/// cannot match, and reading them whole would let one line take any amount
/// of memory.
pub const MAX_KEY_LINE: usize = 4 * MAX_KEY_LEN + 2;

/// Keys read one per line (LF or CRLF endings, a last line without one
/// counts), raw or escaped, never buffering more than [`MAX_KEY_LINE`] + 1
/// bytes of a line.
#[derive(Debug)]
pub struct KeyLines<R> {
    input: R,
    name: String,
    form: Form,
    line: u64,
    buf: Vec<u8>,
    key: Vec<u8>,
}

impl<R: BufRead> KeyLines<R> {
    /// Keys of `input`, called `name` in messages, in `form`.
    pub fn new(input: R, name: impl Into<String>, form: Form) -> KeyLines<R> {
        KeyLines {
            input,
            name: name.into(),
            form,
            line: 0,
            buf: Vec::new(),
            key: Vec::new(),
        }
    }

    /// `NAME:LINE`, for messages about the last key.
    pub fn position(&self) -> String {
        format!("{}:{}", self.name, self.line)
    }

    /// The next key, or `None` at the end of the input. Errors (exit 2) name
    /// the input and the line: a read error, a line longer than
    /// [`MAX_KEY_LINE`], a bad escape.
    pub fn next_key(&mut self) -> Result<Option<&[u8]>, Failure> {
        self.buf.clear();
        self.line += 1;
        let limit = u64::try_from(MAX_KEY_LINE).unwrap_or(u64::MAX) + 1;
        let n = (&mut self.input)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Failure::error(format!("{}: {e}", self.position())))?;
        if n == 0 {
            return Ok(None);
        }
        if self.buf.len() > MAX_KEY_LINE {
            return Err(Failure::error(format!(
                "{}: line longer than {MAX_KEY_LINE} bytes: no key is longer than \
                 {MAX_KEY_LEN} bytes ({} escaped, plus a CRLF)",
                self.position(),
                4 * MAX_KEY_LEN
            )));
        }
        let text = self.buf.strip_suffix(b"\n").unwrap_or(&self.buf);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        match self.form {
            Form::Raw => Ok(Some(text)),
            Form::Escaped => {
                self.key.clear();
                if let Err(e) = unescape_into(text, &mut self.key) {
                    return Err(Failure::error(format!("{}: in key: {e}", self.position())));
                }
                Ok(Some(&self.key))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(input: &[u8], form: Form) -> Result<Vec<Vec<u8>>, String> {
        let mut lines = KeyLines::new(input, "in", form);
        let mut out = Vec::new();
        loop {
            match lines.next_key() {
                Ok(Some(k)) => out.push(k.to_vec()),
                Ok(None) => return Ok(out),
                Err(e) => return Err(e.message),
            }
        }
    }

    #[test]
    fn key_lines_raw_and_escaped() {
        let input = b"a\\tb\r\nc\td\n\nlast";
        assert_eq!(
            keys(input, Form::Raw).unwrap(),
            [&b"a\\tb"[..], b"c\td", b"", b"last"]
        );
        assert_eq!(
            keys(input, Form::Escaped).unwrap(),
            [&b"a\tb"[..], b"c\td", b"", b"last"]
        );
        assert_eq!(
            keys(b"ok\nbad\\q\n", Form::Escaped).unwrap_err(),
            "in:2: in key: invalid escape \\q (allowed: \\\\ \\t \\n \\r \\xHH) at byte 4"
        );
    }

    #[test]
    fn key_lines_cap_is_exact() {
        let longest = [vec![b'k'; MAX_KEY_LINE - 1], b"\n".to_vec()].concat();
        assert_eq!(
            keys(&longest, Form::Raw).unwrap()[0].len(),
            MAX_KEY_LINE - 1
        );
        let no_newline = vec![b'k'; MAX_KEY_LINE];
        assert_eq!(keys(&no_newline, Form::Raw).unwrap()[0].len(), MAX_KEY_LINE);
        let too_long = [
            b"short\n".to_vec(),
            vec![b'k'; MAX_KEY_LINE],
            b"\n".to_vec(),
        ]
        .concat();
        let err = keys(&too_long, Form::Raw).unwrap_err();
        assert!(
            err.starts_with("in:2: line longer than 262142 bytes"),
            "{err}"
        );
    }

    /// The markers are the ones `zidx build` acts on: zidx-text's
    /// compression detection, its BOM rule, and the zidx magic (which holds
    /// a CR, so no raw key can start with it).
    #[test]
    fn markers_match_what_zidx_build_detects() {
        use zidx_text::input::{Compression, ZIDX_MAGIC};
        for (marker, what) in MARKERS {
            let detected = Compression::detect(marker);
            if what.contains("byte-order mark") {
                assert_eq!(detected, Compression::None);
            } else {
                assert_ne!(detected, Compression::None, "{what}");
                assert!(what.contains(detected.name()), "{what}");
            }
        }
        assert!(ZIDX_MAGIC.contains(&b'\r'));
        assert_eq!(ZIDX_MAGIC, zidx_format::MAGIC);
    }

    #[test]
    fn raw_records_refuse_what_they_cannot_carry() {
        let mut out = Vec::new();
        assert!(push_record(Form::Raw, b"k", b"a\tb", &mut out).is_ok());
        assert_eq!(out, b"k\ta\tb\n");
        for (key, value, why) in [
            (&b"a\tb"[..], &b"v"[..], "its key holds a tab"),
            (b"a\nb", b"v", "its key holds a line feed"),
            (b"a\rb", b"v", "its key holds a carriage return"),
            (b"k", b"a\nb", "its value holds a line feed"),
            (b"k", b"ab\r", "its value holds a carriage return"),
        ] {
            let err = push_record(Form::Raw, key, value, &mut out).unwrap_err();
            assert_eq!(err.to_string(), why);
            let mut escaped = Vec::new();
            push_record(Form::Escaped, key, value, &mut escaped).unwrap();
            assert_eq!(escaped.iter().filter(|&&b| b == b'\t').count(), 1);
        }
        for key in [
            &b"\xef\xbb\xbfk"[..],
            b"\x1f\x8b",
            b"\xfd7zXZ\x00!",
            b"(\xb5/\xfd",
        ] {
            let err = push_record(Form::Raw, key, b"v", &mut out).unwrap_err();
            assert!(err
                .to_string()
                .starts_with("its key starts with the bytes of"));
        }
        // Shorter than a marker, or not at the start: ordinary bytes.
        assert!(push_record(Form::Raw, b"\x1f", b"\x8b", &mut out).is_ok());
        assert!(push_record(Form::Raw, b"k\xef\xbb\xbf", b"v", &mut out).is_ok());
        assert!(push_key_line(Form::Raw, b"a\tb", &mut out).is_ok());
        assert!(push_key_line(Form::Raw, b"a\rb", &mut out).is_err());
        assert!(!STOPPED.contains(&b'\t'));
    }
}
