use std::io::{self, BufRead, Read};

use super::bad;
use crate::error::WriteError;

/// Reads CSV (RFC 4180, comma-separated, `"`-quoted) with a header row.
///
/// The key is the field of column `key` (the first column when `None`). The
/// value is the row's other fields, in column order, encoded as one CSV
/// record: fields joined by commas, a field quoted (with `"` doubled) when it
/// contains a comma, quote, CR or LF, no line terminator. A row with only the
/// key column has an empty value.
pub fn read_csv<R: BufRead>(
    input: R,
    name: &str,
    key: Option<&str>,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), WriteError>,
) -> Result<u64, WriteError> {
    let limited = LineLimit {
        inner: input,
        since_newline: 0,
        max_line,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(limited);
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        let line = if line == 0 { 1 } else { line };
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
        return Err(bad(name, 1, "no header row"));
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
        let line = record.position().map_or(0, |p| p.line());
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

/// Fails the read when a physical line grows past `max_line` bytes, so the
/// CSV parser never buffers more than that.
struct LineLimit<R> {
    inner: R,
    since_newline: usize,
    max_line: usize,
}

impl<R: Read> Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in buf.get(..n).unwrap_or_default() {
            if b == b'\n' {
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > self.max_line {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("line longer than {} bytes", self.max_line),
                    ));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str, key: Option<&str>) -> Result<Vec<(String, String, u64)>, WriteError> {
        let mut out = Vec::new();
        read_csv(input.as_bytes(), "t.csv", key, 1000, |k, v, l| {
            out.push((
                String::from_utf8(k.to_vec()).unwrap(),
                String::from_utf8(v.to_vec()).unwrap(),
                l,
            ));
            Ok(())
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
