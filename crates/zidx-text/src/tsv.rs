use std::io::BufRead;

use crate::error::{bad, TextError};
use crate::escape::unescape_into;
use crate::{read_line, trim_eol};

/// Reads TSV: on each line, the key is the text before the first tab and the
/// value everything after it (tabs included). Lines end in LF or CRLF; a last
/// line without a newline counts. With `escapes`, both are decoded with
/// [`unescape_into`](crate::escape::unescape_into). Returns the number of
/// records; see [`read_records`](crate::read_records) for `name`,
/// `max_line`, `sink` and errors.
pub fn read_tsv<R: BufRead, E: From<TextError>>(
    mut input: R,
    name: &str,
    escapes: bool,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<u64, E> {
    let mut buf = Vec::new();
    let (mut key, mut value) = (Vec::new(), Vec::new());
    let mut line = 0u64;
    loop {
        line += 1;
        if !read_line(&mut input, &mut buf, max_line, name, line)? {
            return Ok(line - 1);
        }
        let text = trim_eol(&buf);
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
        let got = parse(b"a\t1\r\nb\tx\ty\n\tempty key\nlast\t", true).unwrap();
        assert_eq!(
            got,
            vec![
                (b"a".to_vec(), b"1".to_vec(), 1),
                (b"b".to_vec(), b"x\ty".to_vec(), 2),
                (b"".to_vec(), b"empty key".to_vec(), 3),
                (b"last".to_vec(), b"".to_vec(), 4),
            ]
        );
        assert!(parse(b"", true).unwrap().is_empty());
    }

    #[test]
    fn escapes_decode_only_when_asked() {
        assert_eq!(parse(b"k\\x41\tv\\n\n", true).unwrap()[0].0, b"kA");
        assert_eq!(parse(b"k\\x41\tv\\n\n", false).unwrap()[0].1, b"v\\n");
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
