//! Backslash escapes as in PostgreSQL's COPY text format.
//!
//! `\\`, `\t`, `\n`, `\r` and `\xHH` (exactly two hex digits, any byte).
//! Any other character after a backslash, or a backslash at the end, is an
//! error. [`escape_into`] writes the inverse: backslash, tab, LF and CR
//! always escaped, other control bytes and U+FEFF (the byte-order mark) as
//! `\xHH`, everything else as is, so `unescape(escape(b)) == b` for any
//! bytes.
//!
//! [`ShowKey`] prints a key in messages, escaped the same way.
//!
//! ```
//! use zidx_text::escape::{escape_into, unescape_into};
//! let mut out = Vec::new();
//! unescape_into(br"a\tb\x00\\", &mut out).unwrap();
//! assert_eq!(out, b"a\tb\0\\");
//! let mut back = Vec::new();
//! escape_into(&out, &mut back);
//! assert_eq!(back, br"a\tb\x00\\");
//! ```

/// Why an escaped string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EscapeError {
    /// Byte position of the backslash that starts the bad escape.
    pub position: usize,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for EscapeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.problem, self.position + 1)
    }
}

impl std::error::Error for EscapeError {}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Appends the decoding of `src` to `out`.
pub fn unescape_into(src: &[u8], out: &mut Vec<u8>) -> Result<(), EscapeError> {
    let mut rest = src;
    while let Some(pos) = rest.iter().position(|&b| b == b'\\') {
        out.extend_from_slice(&rest[..pos]);
        let at = src.len() - rest.len() + pos;
        let err = |problem: String| EscapeError {
            position: at,
            problem,
        };
        let (decoded, used) = match rest.get(pos + 1) {
            Some(b'\\') => (b'\\', 2),
            Some(b't') => (b'\t', 2),
            Some(b'n') => (b'\n', 2),
            Some(b'r') => (b'\r', 2),
            Some(b'x') => match (
                rest.get(pos + 2).copied().and_then(hex),
                rest.get(pos + 3).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => (h << 4 | l, 4),
                _ => {
                    return Err(err(
                        "invalid escape: \\x needs exactly two hex digits".into()
                    ))
                }
            },
            Some(&c) => {
                let shown = if c.is_ascii_graphic() {
                    (c as char).to_string()
                } else {
                    format!("\\x{c:02x}")
                };
                return Err(err(format!(
                    "invalid escape \\{shown} (allowed: \\\\ \\t \\n \\r \\xHH)"
                )));
            }
            None => return Err(err("backslash at end of field".into())),
        };
        out.push(decoded);
        rest = &rest[pos + used..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// Appends the escaped form of `src` to `out`.
pub fn escape_into(src: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = src.get(i) {
        // The escaped form, and how many bytes of `src` it stands for.
        let (esc, used): (&[u8], usize) = match b {
            b'\\' => (b"\\\\", 1),
            b'\t' => (b"\\t", 1),
            b'\n' => (b"\\n", 1),
            b'\r' => (b"\\r", 1),
            0..=0x1F | 0x7F => (&[], 1),
            // U+FEFF, the byte-order mark, which `zidx build` drops at the
            // start of its input: written escaped, a key that starts with
            // it survives `zidx dump --escaped | zidx build`, and messages
            // show it.
            0xEF if src[i..].starts_with(b"\xef\xbb\xbf") => (b"\\xef\\xbb\\xbf", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.extend_from_slice(&src[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]);
        } else {
            out.extend_from_slice(esc);
        }
        i += used;
        start = i;
    }
    out.extend_from_slice(&src[start..]);
}

/// Appends one TSV line, `KEY<TAB>VALUE<LF>`, both escaped: the form
/// `zidx dump --escaped` and `zidx get --escaped` write and
/// `zidx build --format tsv-escaped` reads back.
pub fn escape_record_into(key: &[u8], value: &[u8], out: &mut Vec<u8>) {
    escape_into(key, out);
    out.push(b'\t');
    escape_into(value, out);
    out.push(b'\n');
}

/// How many bytes of a key [`ShowKey`] prints.
const SHOWN_BYTES: usize = 100;

/// A key in an error message: `"` + the escaped key + `"`, cut after its
/// first 100 bytes with ` (first 100 of N bytes)` appended. Escaping is
/// that of [`escape_into`]; bytes that are not UTF-8 print as U+FFFD.
///
/// Every message that names a key prints it with this, so a key looks the
/// same in the library's errors and the `zidx` command's.
///
/// ```
/// use zidx_text::escape::ShowKey;
/// assert_eq!(ShowKey(b"a\tb\x00").to_string(), r#""a\tb\x00""#);
/// let long = [b'k'; 150];
/// assert_eq!(
///     ShowKey(&long).to_string(),
///     format!("\"{}\" (first 100 of 150 bytes)", "k".repeat(100))
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShowKey<'a>(pub &'a [u8]);

impl std::fmt::Display for ShowKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let key = self.0;
        let mut out = Vec::new();
        escape_into(&key[..key.len().min(SHOWN_BYTES)], &mut out);
        write!(f, "\"{}\"", String::from_utf8_lossy(&out))?;
        if key.len() > SHOWN_BYTES {
            write!(f, " (first {SHOWN_BYTES} of {} bytes)", key.len())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn unescape(s: &[u8]) -> Result<Vec<u8>, EscapeError> {
        let mut v = Vec::new();
        unescape_into(s, &mut v).map(|()| v)
    }

    #[test]
    fn every_escape_decodes() {
        assert_eq!(unescape(br"\\\t\n\r\x41\xfF").unwrap(), b"\\\t\n\rA\xff");
        assert_eq!(unescape(b"plain").unwrap(), b"plain");
    }

    #[test]
    fn bad_escapes_are_errors() {
        assert_eq!(unescape(br"ab\q").unwrap_err().position, 2);
        assert!(unescape(br"\x4").is_err());
        assert!(unescape(br"\xg0").is_err());
        assert!(unescape(b"x\\").unwrap_err().problem.contains("end"));
        assert!(unescape(br"\N").is_err());
    }

    #[test]
    fn show_key_escapes_and_cuts() {
        assert_eq!(ShowKey(b"").to_string(), "\"\"");
        assert_eq!(
            ShowKey(b"a\\\t\n\r\x7f\xff").to_string(),
            "\"a\\\\\\t\\n\\r\\x7f\u{fffd}\""
        );
        let exact = [b'x'; 100];
        assert_eq!(
            ShowKey(&exact).to_string(),
            format!("\"{}\"", "x".repeat(100))
        );
        let long = [b'x'; 101];
        assert_eq!(
            ShowKey(&long).to_string(),
            format!("\"{}\" (first 100 of 101 bytes)", "x".repeat(100))
        );
    }

    #[test]
    fn byte_order_mark_is_escaped_anywhere() {
        let mut e = Vec::new();
        escape_into(b"\xef\xbb\xbfk\xef\xbbx\xef\xbb\xbf", &mut e);
        assert_eq!(e, b"\\xef\\xbb\\xbfk\xef\xbbx\\xef\\xbb\\xbf");
        assert_eq!(unescape(&e).unwrap(), b"\xef\xbb\xbfk\xef\xbbx\xef\xbb\xbf");
    }

    proptest! {
        #[test]
        fn escape_round_trips(bytes in proptest::collection::vec(prop_oneof![any::<u8>(), Just(0xef), Just(0xbb), Just(0xbf)], 0..64)) {
            let mut e = Vec::new();
            escape_into(&bytes, &mut e);
            prop_assert!(!e.contains(&b'\t') && !e.contains(&b'\n') && !e.contains(&b'\r'));
            prop_assert!(!e.windows(3).any(|w| w == b"\xef\xbb\xbf"));
            prop_assert_eq!(unescape(&e).unwrap(), bytes);
        }
    }
}
