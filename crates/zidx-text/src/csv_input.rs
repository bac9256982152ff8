//! CSV, parsed by one byte state machine that bounds each record, counts
//! lines exactly and finds unterminated quotes.
//!
//! The grammar is RFC 4180 exactly as the csv crate's `csv_core` parses it
//! with its defaults (the unit tests compare the two on random input):
//!
//! - a `"` opens a quoted field only as the first byte of a field; anywhere
//!   else in an unquoted field it is data (`1,5" screen`);
//! - inside a quoted field `""` is one `"`, and delimiters, CR and LF are
//!   data;
//! - after the closing quote, other bytes continue the field (`"a"b` is
//!   `ab`);
//! - a record ends at LF, CR or CRLF outside quotes, so CR-only files work;
//!   empty lines are skipped.
//!
//! Where zidx is stricter than `csv_core`: input that ends inside a quoted
//! field is an error naming the line where the quote opened (`csv_core`
//! ends the field there, swallowing the rest of the file into one value); a
//! line of only spaces and tabs is skipped as blank, like an empty line
//! (`csv_core` makes it a one-field record); and a record longer than
//! `max_line` bytes is refused as soon as its byte `max_line + 1` is read,
//! since that is all the parser holds.

use std::io::BufRead;

use crate::error::{bad, bad_option, TextError};
use crate::escape::ShowKey;
use crate::{skip_bom, Summary};

/// Options of the CSV format; build with [`CsvOptions::default`] and the
/// `with_` methods.
///
/// ```
/// use zidx_text::CsvOptions;
/// let options = CsvOptions::default().with_delimiter(b';').with_key("email");
/// assert_eq!(options.delimiter, b';');
/// assert!(options.header);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsvOptions {
    /// The key column. With a header row: the column of that name; if no
    /// column has that name and it is all digits, the column of that number
    /// (from 1). Without a header row: a column number. `None`: the first
    /// column.
    pub key: Option<String>,
    /// The field delimiter: one ASCII byte other than `"`, CR and LF.
    /// Default `,`.
    pub delimiter: u8,
    /// Whether the first record is a header row of column names. Default
    /// true. Without one, columns are numbered from 1 and every record is
    /// data.
    pub header: bool,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            key: None,
            delimiter: b',',
            header: true,
        }
    }
}

impl CsvOptions {
    /// With `key` as the key column (see [`CsvOptions::key`]).
    pub fn with_key(mut self, key: impl Into<String>) -> CsvOptions {
        self.key = Some(key.into());
        self
    }

    /// With `delimiter` between fields.
    pub fn with_delimiter(mut self, delimiter: u8) -> CsvOptions {
        self.delimiter = delimiter;
        self
    }

    /// With or without a header row.
    pub fn with_header(mut self, header: bool) -> CsvOptions {
        self.header = header;
        self
    }
}

/// Reads CSV (RFC 4180, `"`-quoted; see the module documentation for the
/// exact grammar).
///
/// The key is the field of the key column ([`CsvOptions::key`]). The value
/// is the row's other fields, in column order, encoded as one CSV record in
/// the input's dialect: fields joined by the delimiter, a field quoted (with
/// `"` doubled) when it contains the delimiter, a quote, CR or LF, no line
/// terminator. A row with only the key column has an empty value. Every row
/// must have as many fields as the header (or, without one, the first row).
///
/// Line numbers count LF, CRLF and a lone CR as one line ending each, inside
/// quoted fields too. `max_line` bounds each record, line breaks inside
/// quoted fields included. Blank lines are skipped and counted; a UTF-8
/// byte-order mark at the start is dropped. Returns what was read; see
/// [`read_records`](crate::read_records) for `name`, `sink` and errors.
pub fn read_csv<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    options: &CsvOptions,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<Summary, E> {
    let delimiter = options.delimiter;
    let mut value = Vec::new();
    read_csv_rows(
        input,
        name,
        options,
        max_line,
        |_| Ok(()),
        |row, line| {
            value.clear();
            let mut joined = false;
            for (i, field) in row.fields().enumerate() {
                if i == row.key_column {
                    continue;
                }
                if joined {
                    value.push(delimiter);
                }
                joined = true;
                encode_field(field, delimiter, &mut value);
            }
            sink(row.key(), &value, line)
        },
    )
}

/// The header row of a CSV, as [`read_csv_rows`] passes it on.
pub(crate) struct CsvHeader {
    /// The column names; empty without a header row.
    pub(crate) names: Vec<Vec<u8>>,
    /// The key column, from 0.
    pub(crate) key_column: usize,
    /// The line of the header row (1 without one).
    pub(crate) line: u64,
}

/// One CSV row's fields, as [`read_csv_rows`] passes them on.
pub(crate) struct CsvRow {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// The key column, from 0.
    pub(crate) key_column: usize,
}

impl CsvRow {
    /// The fields, in column order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &[u8]> {
        self.ends.iter().scan(0, |start, &end| {
            let field = self.bytes.get(*start..end);
            *start = end;
            field
        })
    }

    /// Field `i` (from 0); empty past the last.
    pub(crate) fn field(&self, i: usize) -> &[u8] {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(start);
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// The key field.
    pub(crate) fn key(&self) -> &[u8] {
        self.field(self.key_column)
    }
}

/// Reads CSV as [`read_csv`] does, handing `on_header` the header (or, without
/// a header row, the key column) before any row, then each row to `on_row`
/// with the line it starts on. Every row has the header's field count (or,
/// without one, the first row's), checked before `on_row` sees it.
pub(crate) fn read_csv_rows<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    options: &CsvOptions,
    max_line: usize,
    on_header: impl FnOnce(&CsvHeader) -> Result<(), E>,
    mut on_row: impl FnMut(&CsvRow, u64) -> Result<(), E>,
) -> Result<Summary, E> {
    let delimiter = options.delimiter;
    if !delimiter.is_ascii() || matches!(delimiter, b'"' | b'\r' | b'\n') {
        return Err(bad_option(format!(
            "the CSV delimiter must be one ASCII byte other than a quote, CR or LF, not {}",
            ShowKey(&[delimiter])
        ))
        .into());
    }
    let mut input = skip_bom(input, name)?;
    let mut parser = Parser::new(name, delimiter, max_line);
    let mut summary = Summary::default();

    // The key column, and the field count every row must have.
    let (header, mut expected) = if options.header {
        let mut header = Header::new(options.key.as_deref());
        let Some((line, fields)) =
            parser.next_record(&mut input, &mut |i, field| header.field(i, field))?
        else {
            return Err(bad(name, 1, "no header row").into());
        };
        let key_column = header
            .key_column(fields)
            .map_err(|problem| bad(name, line, problem))?;
        (
            CsvHeader {
                names: header.names,
                key_column,
                line,
            },
            Some((fields, "the header")),
        )
    } else {
        (
            CsvHeader {
                names: Vec::new(),
                key_column: column_number(options.key.as_deref())?,
                line: 1,
            },
            None,
        )
    };
    on_header(&header)?;

    let mut row = CsvRow {
        bytes: Vec::new(),
        ends: Vec::new(),
        key_column: header.key_column,
    };
    loop {
        row.bytes.clear();
        row.ends.clear();
        let record = parser.next_record(&mut input, &mut |_, field| {
            row.bytes.extend_from_slice(field);
            row.ends.push(row.bytes.len());
        })?;
        let Some((line, fields)) = record else {
            summary.blank_lines = parser.blank_lines;
            return Ok(summary);
        };
        match expected {
            Some((n, what)) if n != fields => {
                return Err(bad(
                    name,
                    line,
                    format!("row has {fields} fields, {what} has {n}"),
                )
                .into());
            }
            Some(_) => {}
            None => {
                if row.key_column >= fields {
                    return Err(bad(
                        name,
                        line,
                        format!(
                            "no column {}: the first row has {fields} fields",
                            row.key_column + 1
                        ),
                    )
                    .into());
                }
                expected = Some((fields, "the first row"));
            }
        }
        on_row(&row, line)?;
        summary.records += 1;
    }
}

/// The key column of a CSV without a header: a number from 1, or the first
/// column.
fn column_number(key: Option<&str>) -> Result<usize, TextError> {
    let Some(key) = key else {
        return Ok(0);
    };
    let n = if key.bytes().all(|b| b.is_ascii_digit()) {
        key.parse::<usize>().ok()
    } else {
        None
    };
    match n {
        Some(n) if n >= 1 => Ok(n - 1),
        _ => Err(bad_option(format!(
            "without a header row the key column is a number (1 for the first column), not {}",
            ShowKey(key.as_bytes())
        ))),
    }
}

/// How many header names an error message lists.
const NAMES_SHOWN: usize = 20;

/// The header row, seen one field at a time: where the key column is, and
/// the first names, for messages.
struct Header<'k> {
    key: Option<&'k str>,
    found: Option<usize>,
    names: Vec<Vec<u8>>,
}

impl<'k> Header<'k> {
    fn new(key: Option<&'k str>) -> Header<'k> {
        Header {
            key,
            found: None,
            names: Vec::new(),
        }
    }

    fn field(&mut self, i: usize, name: &[u8]) {
        if self.found.is_none() && self.key.is_some_and(|k| k.as_bytes() == name) {
            self.found = Some(i);
        }
        // Every name is kept (typed builds map fields to columns by
        // name); the header row is bounded by `max_line`.
        self.names.push(name.to_vec());
    }

    /// The key column once the header's `fields` fields are seen: a column
    /// of that name, else a column number, else the problem.
    fn key_column(&self, fields: usize) -> Result<usize, String> {
        let Some(key) = self.key else {
            return Ok(0);
        };
        if let Some(i) = self.found {
            return Ok(i);
        }
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            if let Some(n) = key.parse::<usize>().ok().filter(|&n| n >= 1) {
                if n <= fields {
                    return Ok(n - 1);
                }
                return Err(format!(
                    "no column named {} in the header, which has only {fields} columns",
                    ShowKey(key.as_bytes())
                ));
            }
        }
        // Names are escaped: a header is input, and may hold terminal
        // control sequences.
        let mut list: Vec<String> = self
            .names
            .iter()
            .take(NAMES_SHOWN)
            .map(|n| ShowKey(n).to_string())
            .collect();
        if fields > list.len() {
            list.push(format!("and {} more", fields - list.len()));
        }
        Err(format!(
            "no column named {} in the header (columns: {})",
            ShowKey(key.as_bytes()),
            list.join(", ")
        ))
    }
}

/// Appends `field` to a CSV record being built, quoted if it must be.
fn encode_field(field: &[u8], delimiter: u8, out: &mut Vec<u8>) {
    if field
        .iter()
        .any(|&b| b == delimiter || matches!(b, b'"' | b'\r' | b'\n'))
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

/// Where the parser is, in `csv_core`'s terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between records: line endings here are empty lines.
    StartRecord,
    /// At the first byte of a field (after a delimiter).
    StartField,
    /// In an unquoted field, or in a quoted one after its closing quote.
    InField,
    /// In a quoted field.
    InQuoted,
    /// Just after a quote inside a quoted field: a second quote makes it
    /// data, anything else closed the quotes.
    QuoteInQuoted,
}

/// What the byte loop decided about the record in progress.
enum Step {
    /// Keep reading.
    More,
    /// The record ended at this byte (a line ending).
    End,
}

/// The CSV state machine. Holds the field being read (at most `max_line`
/// bytes) and nothing else of the input.
struct Parser<'n> {
    name: &'n str,
    delimiter: u8,
    max_line: usize,
    state: State,
    /// The line of the next byte (1-based).
    line: u64,
    /// Whether the last byte was a CR, whose LF then ends no further line.
    prev_cr: bool,
    /// Where the record in progress started, and its bytes so far.
    record_line: u64,
    record_len: usize,
    /// Fields of the record in progress already passed on.
    fields: usize,
    /// Whether the record so far is only spaces and tabs, unquoted and
    /// undelimited: a blank line if it ends so.
    blank: bool,
    /// Where the quoted field in progress opened.
    quote_line: u64,
    field: Vec<u8>,
    blank_lines: u64,
}

impl<'n> Parser<'n> {
    fn new(name: &'n str, delimiter: u8, max_line: usize) -> Parser<'n> {
        Parser {
            name,
            delimiter,
            max_line,
            state: State::StartRecord,
            line: 1,
            prev_cr: false,
            record_line: 1,
            record_len: 0,
            fields: 0,
            blank: true,
            quote_line: 1,
            field: Vec::new(),
            blank_lines: 0,
        }
    }

    /// Reads the next record, passing each field with its 0-based column to
    /// `on_field`, and returns its first line and its field count; `None` at
    /// the end of the input. Blank lines are skipped and counted.
    fn next_record<R: BufRead>(
        &mut self,
        input: &mut R,
        on_field: &mut dyn FnMut(usize, &[u8]),
    ) -> Result<Option<(u64, usize)>, TextError> {
        loop {
            let buf = match input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let line = if self.state == State::StartRecord {
                        self.line
                    } else {
                        self.record_line
                    };
                    return Err(bad(self.name, line, format!("read error: {e}")));
                }
            };
            if buf.is_empty() {
                return self.end_of_input(on_field);
            }
            let mut used = 0;
            let mut ended = false;
            for &b in buf {
                used += 1;
                if let Step::End = self.byte(b, on_field)? {
                    if self.finish_record(on_field) {
                        ended = true;
                        break;
                    }
                }
            }
            input.consume(used);
            if ended {
                return Ok(Some((self.record_line, self.fields)));
            }
        }
    }

    /// Takes one byte.
    fn byte(&mut self, b: u8, on_field: &mut dyn FnMut(usize, &[u8])) -> Result<Step, TextError> {
        let this_line = self.line;
        let is_eol = b == b'\r' || b == b'\n';
        // LF, CRLF and a lone CR each end one line.
        if b == b'\r' || (b == b'\n' && !self.prev_cr) {
            self.line += 1;
        }
        let crlf_tail = b == b'\n' && self.prev_cr;
        self.prev_cr = b == b'\r';

        if self.state == State::StartRecord {
            if is_eol {
                if !crlf_tail {
                    self.blank_lines += 1;
                }
                return Ok(Step::More);
            }
            self.record_line = this_line;
            self.record_len = 0;
            self.fields = 0;
            self.blank = true;
            self.field.clear();
            self.state = State::StartField;
        }
        // A line ending outside quotes ends the record and is not part of
        // it; every other byte counts.
        if !is_eol || self.state == State::InQuoted {
            self.record_len += 1;
            if self.record_len > self.max_line {
                return Err(self.too_long());
            }
        }
        match self.state {
            State::StartRecord => unreachable!("left above"),
            State::StartField if b == b'"' => {
                self.state = State::InQuoted;
                self.quote_line = this_line;
                self.blank = false;
            }
            State::StartField | State::InField | State::QuoteInQuoted => {
                if self.state == State::QuoteInQuoted && b == b'"' {
                    self.field.push(b'"');
                    self.state = State::InQuoted;
                } else if b == self.delimiter {
                    self.blank = false;
                    self.end_field(on_field);
                    self.state = State::StartField;
                } else if is_eol {
                    return Ok(Step::End);
                } else {
                    if b != b' ' && b != b'\t' {
                        self.blank = false;
                    }
                    self.field.push(b);
                    self.state = State::InField;
                }
            }
            State::InQuoted => {
                if b == b'"' {
                    self.state = State::QuoteInQuoted;
                } else {
                    self.field.push(b);
                }
            }
        }
        Ok(Step::More)
    }

    /// Passes on the field in progress.
    fn end_field(&mut self, on_field: &mut dyn FnMut(usize, &[u8])) {
        on_field(self.fields, &self.field);
        self.fields += 1;
        self.field.clear();
    }

    /// Ends the record in progress at a line ending or the end of the
    /// input. Returns false if it was a blank line, skipped.
    fn finish_record(&mut self, on_field: &mut dyn FnMut(usize, &[u8])) -> bool {
        self.state = State::StartRecord;
        if self.blank {
            self.blank_lines += 1;
            self.field.clear();
            return false;
        }
        self.end_field(on_field);
        true
    }

    fn end_of_input(
        &mut self,
        on_field: &mut dyn FnMut(usize, &[u8]),
    ) -> Result<Option<(u64, usize)>, TextError> {
        match self.state {
            State::StartRecord => Ok(None),
            State::InQuoted => Err(bad(
                self.name,
                self.quote_line,
                "unterminated quoted field: the quote opened on this line is never closed \
                 (the input ends inside it)",
            )),
            State::StartField | State::InField | State::QuoteInQuoted => {
                if self.finish_record(on_field) {
                    Ok(Some((self.record_line, self.fields)))
                } else {
                    Ok(None)
                }
            }
        }
    }

    fn too_long(&self) -> TextError {
        let mut problem = format!("record longer than {} bytes", self.max_line);
        if self.state == State::InQuoted {
            problem.push_str(&format!(
                ", inside a quoted field opened on line {} (is a closing quote missing?)",
                self.quote_line
            ));
        }
        bad(self.name, self.record_line, problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::Records;
    use proptest::prelude::*;

    fn parse_with(
        input: &[u8],
        options: &CsvOptions,
        max_line: usize,
    ) -> Result<(Records, Summary), TextError> {
        let mut out = Vec::new();
        let summary = read_csv(input, "t.csv", options, max_line, |k, v, l| {
            out.push(crate::test_support::as_text(k, v, l));
            Ok::<(), TextError>(())
        })?;
        Ok((out, summary))
    }

    fn parse(input: &str, key: Option<&str>) -> Result<Vec<(String, String, u64)>, TextError> {
        let mut options = CsvOptions::default();
        if let Some(key) = key {
            options = options.with_key(key);
        }
        Ok(parse_with(input.as_bytes(), &options, 1000)?.0)
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
    fn a_quote_inside_an_unquoted_field_is_data() {
        let got = parse("k,v\n1,5\" screen\n2,x\n", None).unwrap();
        assert_eq!(got[0], ("1".into(), "\"5\"\" screen\"".into(), 2));
        assert_eq!(got[1], ("2".into(), "x".into(), 3));
        // After a closing quote, the field goes on.
        let got = parse("k,v\n\"a\"b\"c,1\n", None).unwrap();
        assert_eq!(got[0].0, "ab\"c");
    }

    #[test]
    fn unterminated_quote_names_the_line_it_opened_on() {
        let e = parse("k,a\n1,\"x\n2,y\n", None).unwrap_err().to_string();
        assert!(e.starts_with("t.csv:2: unterminated quoted field"), "{e}");
        let e = parse("k,a\r\n1,a\r\n2,\"", None).unwrap_err().to_string();
        assert!(e.starts_with("t.csv:3: unterminated quoted field"), "{e}");
        // A quote closed at the very end is fine.
        assert_eq!(parse("k,a\n1,\"x\"", None).unwrap()[0].1, "x");
    }

    #[test]
    fn line_numbers_count_lf_crlf_and_lone_cr() {
        let got = parse("k,v\r1,a\r\n2,\"x\ry\r\nz\"\n3,b\r\r4,c", None).unwrap();
        let lines: Vec<u64> = got.iter().map(|r| r.2).collect();
        // Lines: 1 `k,v` CR, 2 `1,a` CRLF, 3-5 the quoted field, 6 `3,b`
        // CR, 7 empty, 8 `4,c`.
        assert_eq!(lines, [2, 3, 6, 8]);
        assert_eq!(got[1].1, "\"x\ry\r\nz\"");
    }

    #[test]
    fn cr_only_csv_parses() {
        let got = parse("k,v\r1,a\r2,b\r", None).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], ("2".into(), "b".into(), 3));
    }

    #[test]
    fn blank_lines_are_skipped_and_counted() {
        let input = b"\r\n  \nk,v\n\n1,a\r\n \t\r\n\r\n2,\" \"\n  ";
        let (got, summary) = parse_with(input, &CsvOptions::default(), 100).unwrap();
        assert_eq!(
            got,
            vec![("1".into(), "a".into(), 5), ("2".into(), " ".into(), 8)]
        );
        assert_eq!(summary.blank_lines, 6);
        // With tab as the delimiter, a line of tabs is a record of empty
        // fields.
        let options = CsvOptions::default().with_delimiter(b'\t');
        let (got, summary) = parse_with(b"k\tv\n\t\n", &options, 100).unwrap();
        assert_eq!((got.len(), summary.blank_lines), (1, 0));
    }

    #[test]
    fn the_limit_bounds_records_with_quoted_newlines() {
        // 1000 bytes allowed; a quoted field of 600 lines of 9 bytes each.
        let field = "abcdefgh\n".repeat(600);
        let e = parse(&format!("k,v\na,\"{field}\"\n"), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "t.csv:2: record longer than 1000 bytes, inside a quoted field opened on line 2"
            ),
            "{e}"
        );
        // The same bytes as separate short records are fine.
        assert_eq!(parse(&format!("k\n{field}"), None).unwrap().len(), 600);
    }

    #[test]
    fn a_record_of_exactly_max_line_bytes_fits() {
        let options = CsvOptions::default();
        assert!(parse_with(b"k,v\r\nab,cd\r\n", &options, 5).is_ok());
        let e = parse_with(b"k,v\nab,cde\r\n", &options, 5).unwrap_err();
        assert_eq!(e.to_string(), "t.csv:2: record longer than 5 bytes");
    }

    #[test]
    fn delimiter_and_headerless_input() {
        let options = CsvOptions::default()
            .with_delimiter(b';')
            .with_header(false)
            .with_key("2");
        let (got, _) = parse_with(b"a;b;c,d\ne;f;g\n", &options, 100).unwrap();
        assert_eq!(got[0], ("b".into(), "a;c,d".into(), 1));
        assert_eq!(got[1], ("f".into(), "e;g".into(), 2));
        let (got, _) = parse_with(b"a;x;\"q;r\"\n", &options, 100).unwrap();
        assert_eq!(got[0], ("x".into(), "a;\"q;r\"".into(), 1));
        let e = parse_with(b"a;b\nc\n", &options, 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:2: row has 1 fields, the first row has 2"
        );
        let e = parse_with(b"a\n", &options, 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:1: no column 2: the first row has 1 fields"
        );
        for bad_key in ["0", "name", ""] {
            let options = CsvOptions::default().with_header(false).with_key(bad_key);
            assert!(matches!(
                parse_with(b"a\n", &options, 100),
                Err(TextError::BadOption { .. })
            ));
        }
        for bad_delimiter in [b'"', b'\n', b'\r', 0xff] {
            let options = CsvOptions::default().with_delimiter(bad_delimiter);
            assert!(matches!(
                parse_with(b"a\n", &options, 100),
                Err(TextError::BadOption { .. })
            ));
        }
    }

    #[test]
    fn numbered_key_with_a_header_prefers_a_column_of_that_name() {
        let input = "a,2,c\nx,y,z\n";
        assert_eq!(parse(input, Some("2")).unwrap()[0].0, "y");
        assert_eq!(parse(input, Some("3")).unwrap()[0].0, "z");
        assert_eq!(parse(input, Some("1")).unwrap()[0].0, "x");
        let e = parse(input, Some("4")).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv:1: no column named \"4\" in the header, which has only 3 columns"
        );
    }

    #[test]
    fn byte_order_mark_is_dropped() {
        assert_eq!(parse("\u{feff}id,v\n1,a\n", Some("id")).unwrap()[0].0, "1");
    }

    #[test]
    fn errors_name_the_line_and_escape_the_header() {
        let e = parse("a,b\n1,2\n3\n", None).unwrap_err().to_string();
        assert_eq!(e, "t.csv:3: row has 1 fields, the header has 2");
        let e = parse("a,b\n1,2\n", Some("c")).unwrap_err().to_string();
        assert_eq!(
            e,
            "t.csv:1: no column named \"c\" in the header (columns: \"a\", \"b\")"
        );
        let e = parse("\n\nid,\x1b[31mred\n1,2\n", Some("\x1b]0;x\x07"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "t.csv:3: no column named \"\\x1b]0;x\\x07\" in the header \
             (columns: \"id\", \"\\x1b[31mred\")"
        );
        let wide: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
        let e = parse(&format!("{}\n", wide.join(",")), Some("x"))
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("\"c19\", and 5 more)"), "{e}");
        let e = parse("", None).unwrap_err().to_string();
        assert_eq!(e, "t.csv:1: no header row");
    }

    /// Records as the csv crate reads them: no header, any field count.
    fn csv_crate_records(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        reader
            .byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    /// Records as this parser reads them, or `None` on an error.
    fn our_records(input: &[u8], delimiter: u8) -> Option<Vec<Vec<Vec<u8>>>> {
        let mut parser = Parser::new("t", delimiter, usize::MAX);
        let mut input = input;
        let mut records = Vec::new();
        loop {
            let mut fields = Vec::new();
            match parser.next_record(&mut input, &mut |_, f| fields.push(f.to_vec())) {
                Ok(Some(_)) => records.push(fields),
                Ok(None) => return Some(records),
                Err(_) => return None,
            }
        }
    }

    proptest! {
        /// The same records as csv_core on any input made of the bytes
        /// that matter to it, except where zidx is stricter on purpose: an
        /// unterminated quote is an error here.
        #[test]
        fn agrees_with_the_csv_crate(
            input in proptest::collection::vec(
                proptest::sample::select(vec![b'a', b'b', b',', b'"', b'\r', b'\n']),
                0..40,
            )
        ) {
            if let Some(ours) = our_records(&input, b',') {
                prop_assert_eq!(ours, csv_crate_records(&input));
            } else {
                // Only an open quote at the end makes us refuse.
                let quotes_open = {
                    let mut p = Parser::new("t", b',', usize::MAX);
                    let mut i = &input[..];
                    while let Ok(Some(_)) = p.next_record(&mut i, &mut |_, _| {}) {}
                    p.state == State::InQuoted
                };
                prop_assert!(quotes_open);
            }
        }

        /// Any input, any options, one byte per read: no panic, and line
        /// numbers never go backwards.
        #[test]
        fn never_panics(
            input in proptest::collection::vec(any::<u8>(), 0..200),
            delimiter in any::<u8>(),
            header in any::<bool>(),
            max_line in 1usize..64,
        ) {
            let options = CsvOptions::default().with_delimiter(delimiter).with_header(header);
            let mut last = 0;
            let _ = read_csv(
                std::io::BufReader::with_capacity(1, &input[..]),
                "t",
                &options,
                max_line,
                |_, _, line| {
                    assert!(line > last);
                    last = line;
                    Ok::<(), TextError>(())
                },
            );
        }
    }
}
