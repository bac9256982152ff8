use std::io::BufRead;

use crate::error::{bad, TextError};
use crate::escape::unescape_into;
use crate::{find_lone_cr, is_blank, read_line, skip_bom, trim_eol, Summary};

/// What a CR that ends no line means in each form of TSV.
const LONE_CR_RAW: &str = "carriage return (CR) not followed by a line feed: plain TSV \
    cannot hold a CR in a key or value, and CR-only line endings are not supported; \
    convert the line endings, or write the CR as \\r and use the tsv-escaped format";
const LONE_CR_ESCAPED: &str = "carriage return (CR) not followed by a line feed: in \
    escaped TSV a CR in a key or value is written \\r, and CR-only line endings are not \
    supported";

/// Reads TSV: on each line, the key is the text before the first tab and the
/// value everything after it (tabs included). Lines end in LF or CRLF; a last
/// line without a newline counts.
///
/// Without `escapes` (IANA `text/tab-separated-values`, `zidx build --format
/// tsv`) key and value are the bytes as they are. With `escapes`
/// (`--format tsv-escaped`, what `zidx dump --escaped` writes) both are decoded with
/// [`unescape_into`](crate::escape::unescape_into).
///
/// Either way a CR that is not part of a CRLF is an error, never data: TSV
/// cannot carry one, and a file with CR-only line endings would otherwise be
/// one record. Blank lines (empty or only spaces) are skipped and counted; a
/// line with a tab is always a record, so `\t` alone is an empty key with an
/// empty value. A UTF-8 byte-order mark at the start is dropped.
///
/// See [`read_records`](crate::read_records) for `name`, `max_line`, `sink`
/// and errors.
pub fn read_tsv<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    escapes: bool,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<Summary, E> {
    let mut input = skip_bom(input, name)?;
    let lone_cr = if escapes {
        LONE_CR_ESCAPED
    } else {
        LONE_CR_RAW
    };
    let mut buf = Vec::new();
    let (mut key, mut value) = (Vec::new(), Vec::new());
    let mut summary = Summary::default();
    let mut line = 0u64;
    loop {
        line += 1;
        if !read_line(&mut input, &mut buf, max_line, name, line, Some(lone_cr))? {
            return Ok(summary);
        }
        if find_lone_cr(&buf).is_some() {
            return Err(bad(name, line, lone_cr).into());
        }
        let text = trim_eol(&buf);
        if is_blank(text, Some(b'\t')) {
            summary.blank_lines += 1;
            continue;
        }
        let Some(tab) = text.iter().position(|&b| b == b'\t') else {
            return Err(bad(name, line, "no tab on this line: expected KEY<TAB>VALUE").into());
        };
        let (k, v) = (&text[..tab], &text[tab + 1..]);
        if escapes {
            key.clear();
            value.clear();
            unescape_into(k, &mut key).map_err(|e| bad(name, line, format!("in key: {e}")))?;
            unescape_into(v, &mut value).map_err(|e| bad(name, line, format!("in value: {e}")))?;
            sink(&key, &value, line)?;
        } else {
            sink(k, v, line)?;
        }
        summary.records += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Parsed = Vec<(Vec<u8>, Vec<u8>, u64)>;

    fn parse(input: &[u8], escapes: bool) -> Result<Parsed, TextError> {
        let mut out = Vec::new();
        read_tsv(input, "t.tsv", escapes, 1000, |k, v, l| {
            out.push((k.to_vec(), v.to_vec(), l));
            Ok::<(), TextError>(())
        })?;
        Ok(out)
    }

    #[test]
    fn lines_tabs_and_endings() {
        for escapes in [false, true] {
            let got = parse(b"a\t1\r\nb\tx\ty\n\tempty key\n\t\nlast\t", escapes).unwrap();
            assert_eq!(
                got,
                vec![
                    (b"a".to_vec(), b"1".to_vec(), 1),
                    (b"b".to_vec(), b"x\ty".to_vec(), 2),
                    (b"".to_vec(), b"empty key".to_vec(), 3),
                    (b"".to_vec(), b"".to_vec(), 4),
                    (b"last".to_vec(), b"".to_vec(), 5),
                ]
            );
            assert!(parse(b"", escapes).unwrap().is_empty());
        }
    }

    #[test]
    fn plain_tsv_keeps_backslashes() {
        let got = parse(b"p\tC:\\new\\table\n", false).unwrap();
        assert_eq!(got[0].1, b"C:\\new\\table");
        assert_eq!(parse(b"k\\x41\tv\\q\\\n", false).unwrap()[0].0, b"k\\x41");
    }

    #[test]
    fn escapes_decode_only_when_asked() {
        assert_eq!(parse(b"k\\x41\tv\\n\n", true).unwrap()[0].0, b"kA");
        assert_eq!(parse(b"k\\x41\tv\\n\n", false).unwrap()[0].1, b"v\\n");
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        let input = b"\na\t1\n  \r\n\nb\t2\n \n";
        let mut summary = Summary::default();
        for escapes in [false, true] {
            let mut lines = Vec::new();
            summary = read_tsv(&input[..], "t", escapes, 100, |_, _, l| {
                lines.push(l);
                Ok::<(), TextError>(())
            })
            .unwrap();
            assert_eq!(lines, [2, 5]);
        }
        assert_eq!(
            summary,
            Summary {
                records: 2,
                blank_lines: 4
            }
        );
    }

    #[test]
    fn a_lone_cr_is_an_error_naming_its_line() {
        for escapes in [false, true] {
            for input in [
                &b"a\t1\nb\tx\ry\n"[..],
                b"a\t1\nb\tv\r",
                b"a\t1\nb\tv\r\r\n",
            ] {
                let e = parse(input, escapes).unwrap_err().to_string();
                assert!(e.starts_with("t.tsv:2: carriage return (CR)"), "{e}");
            }
        }
        // CR-only line endings: one "line", longer than the limit or not.
        let e = parse(b"a\t1\rb\t2\r", false).unwrap_err().to_string();
        assert!(e.starts_with("t.tsv:1: carriage return (CR)"), "{e}");
        let long = b"k\tvvvvvvvvv\r".repeat(200);
        let e = parse(&long, false).unwrap_err().to_string();
        assert!(e.contains("CR-only line endings"), "{e}");
    }

    #[test]
    fn byte_order_mark_is_dropped() {
        let got = parse(b"\xef\xbb\xbfk\tv\n", false).unwrap();
        assert_eq!(got, vec![(b"k".to_vec(), b"v".to_vec(), 1)]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse(b"a\t1\nno tab\n", true).unwrap_err().to_string();
        assert_eq!(e, "t.tsv:2: no tab on this line: expected KEY<TAB>VALUE");
        let e = parse(b"a\t1\nb\t\\q\n", true).unwrap_err().to_string();
        assert!(
            e.starts_with("t.tsv:2: in value: invalid escape \\q"),
            "{e}"
        );
        let long = [b"k\t".as_slice(), &[b'x'; 2000]].concat();
        let e = parse(&long, true).unwrap_err().to_string();
        assert_eq!(e, "t.tsv:1: line longer than 1000 bytes");
    }
}
