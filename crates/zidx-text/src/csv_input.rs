use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::rc::Rc;

use crate::error::{bad, TextError};

/// Reads CSV (RFC 4180, comma-separated, `"`-quoted) with a header row.
///
/// The key is the field of column `key` (the first column when `None`). The
/// value is the row's other fields, in column order, encoded as one CSV
/// record: fields joined by commas, a field quoted (with `"` doubled) when it
/// contains a comma, quote, CR or LF, no line terminator. A row with only the
/// key column has an empty value.
///
/// `max_line` bounds each record, newlines inside quoted fields included.
/// Returns the number of records; see [`read_records`](crate::read_records)
/// for `name`, `sink` and errors.
pub fn read_csv<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    key: Option<&str>,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<u64, E> {
    // Line numbers are counted here rather than taken from the csv crate,
    // whose counts are off by one after CRLF line endings.
    let lines = Rc::new(RefCell::new(Newlines::default()));
    let limited = LineLimit {
        inner: input,
        lines: Rc::clone(&lines),
        since_newline: 0,
        in_quotes: false,
        max_line,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(limited);
    let csv_err = |e: csv::Error| {
        let mut lines = lines.borrow_mut();
        if let Some(line) = lines.too_long {
            return bad(name, line, format!("line longer than {max_line} bytes"));
        }
        let line = e.position().map_or(1, |p| lines.line_of(p.byte()));
        let msg = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("row has {len} fields, the header has {expected_len}")
            }
            csv::ErrorKind::Io(io) => io.to_string(),
            _ => e.to_string(),
        };
        bad(name, line, msg)
    };
    let headers = reader.byte_headers().map_err(csv_err)?.clone();
    if headers.is_empty() {
        return Err(bad(name, 1, "no header row").into());
    }
    let key_col = match key {
        None => 0,
        Some(k) => headers
            .iter()
            .position(|h| h == k.as_bytes())
            .ok_or_else(|| {
                let cols: Vec<String> = headers
                    .iter()
                    .map(|h| String::from_utf8_lossy(h).into_owned())
                    .collect();
                bad(
                    name,
                    1,
                    format!(
                        "no column named {k:?} in the header (columns: {})",
                        cols.join(", ")
                    ),
                )
            })?,
    };
    let mut record = csv::ByteRecord::new();
    let mut value = Vec::new();
    let mut count = 0u64;
    while reader.read_byte_record(&mut record).map_err(csv_err)? {
        let line = record
            .position()
            .map_or(0, |p| lines.borrow_mut().line_of(p.byte()));
        value.clear();
        let mut first = true;
        for (i, field) in record.iter().enumerate() {
            if i == key_col {
                continue;
            }
            if !first {
                value.push(b',');
            }
            first = false;
            encode_field(field, &mut value);
        }
        sink(record.get(key_col).unwrap_or_default(), &value, line)?;
        count += 1;
    }
    Ok(count)
}

/// Newlines read but not yet passed by the parser, to turn a record's byte
/// offset into a line number. Holds at most the parser's read-ahead.
#[derive(Debug, Default)]
struct Newlines {
    /// Absolute offsets of newlines not yet passed.
    ahead: VecDeque<u64>,
    /// Newlines already passed.
    passed: u64,
    /// Bytes read so far.
    read: u64,
    /// Set when a line was too long: its number.
    too_long: Option<u64>,
}

impl Newlines {
    /// The 1-based line of a record starting at byte `offset`; offsets must
    /// not decrease. A record never starts with a newline, so an offset on
    /// one (the csv crate reports the LF of a CRLF as the next record's
    /// start) belongs to the line after it.
    fn line_of(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&nl| nl <= offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

fn encode_field(field: &[u8], out: &mut Vec<u8>) {
    if field
        .iter()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        out.push(b'"');
        for &b in field {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field);
    }
}

/// Records newlines for [`Newlines`] and fails the read when a physical
/// line grows past `max_line` bytes, so the parser never buffers more.
struct LineLimit<R> {
    inner: R,
    lines: Rc<RefCell<Newlines>>,
    since_newline: usize,
    in_quotes: bool,
    max_line: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut lines = self.lines.borrow_mut();
        for &b in buf.get(..n).unwrap_or_default() {
            // A newline inside quotes does not end the record, so the limit
            // counts from the last newline outside quotes: it bounds a whole
            // record, multi-line fields included. (`""` flips twice.)
            if b == b'"' {
                self.in_quotes = !self.in_quotes;
            }
            if b == b'\n' {
                let at = lines.read;
                lines.ahead.push_back(at);
                if !self.in_quotes {
                    self.since_newline = 0;
                }
            } else {
                self.since_newline += 1;
                if self.since_newline > self.max_line {
                    let line = lines.passed + lines.ahead.len() as u64 + 1;
                    lines.too_long = Some(line);
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("line longer than {} bytes", self.max_line),
                    ));
                }
            }
            lines.read += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str, key: Option<&str>) -> Result<Vec<(String, String, u64)>, TextError> {
        let mut out = Vec::new();
        read_csv(input.as_bytes(), "t.csv", key, 1000, |k, v, l| {
            out.push((
                String::from_utf8(k.to_vec()).unwrap(),
                String::from_utf8(v.to_vec()).unwrap(),
                l,
            ));
            Ok::<(), TextError>(())
        })?;
        Ok(out)
    }

    #[test]
    fn key_column_and_value_encoding() {
        let got = parse(
            "id,name,note\n1,Ann,\"a, b\"\n2,\"Bo \"\"B\"\"\",\"x\ny\"\n3,Cy,\n",
            Some("name"),
        )
        .unwrap();
        assert_eq!(got[0], ("Ann".into(), "1,\"a, b\"".into(), 2));
        assert_eq!(got[1], ("Bo \"B\"".into(), "2,\"x\ny\"".into(), 3));
        assert_eq!(got[2], ("Cy".into(), "3,".into(), 5));
        assert_eq!(
            parse("k\na\n", None).unwrap(),
            vec![("a".into(), "".into(), 2)]
        );
    }

    #[test]
    fn the_limit_bounds_records_with_quoted_newlines() {
        // 1000 bytes allowed; a quoted field of 600 lines of 9 bytes each.
        let field = "abcdefgh\n".repeat(600);
        let e = parse(&format!("k,v\na,\"{field}\"\n"), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.csv:") && e.ends_with("line longer than 1000 bytes"),
            "{e}"
        );
        // The same bytes as separate short records are fine.
        assert_eq!(parse(&format!("k\n{field}"), None).unwrap().len(), 600);
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("a,b\n1,2\n3\n", None).unwrap_err().to_string();
        assert_eq!(e, "t.csv:3: row has 1 fields, the header has 2");
        let e = parse("a,b\n1,2\n", Some("c")).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv:1: no column named \"c\" in the header (columns: a, b)"
        );
    }
}
