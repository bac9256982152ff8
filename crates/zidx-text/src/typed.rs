//! Typed values (format 1.3, SPEC.md §13): CSV columns and JSON fields
//! encoded into fixed-layout values by a [`ValueSchema`], and typed values
//! written back as JSON objects.
//!
//! What each type takes, in a CSV cell and in a JSON field:
//!
//! | type | CSV cell | JSON field |
//! | --- | --- | --- |
//! | `u8`..`u64`, `i8`..`i64` | decimal digits (`-` for signed types) | a number without fraction or exponent |
//! | `f32`, `f64` | a decimal number (`1.5`, `-2e-3`) | a number |
//! | `bool` | `true`, `false`, `1` or `0` | `true` or `false` |
//! | `str[N]` | the text, at most N bytes of UTF-8, no NUL | a string, as in CSV |
//! | `bytes[N]` | 2N hexadecimal digits | a string of 2N hexadecimal digits |
//! | `T[K]` (arrays) | a JSON array of K elements | an array of K elements |
//!
//! Nothing is rounded into range, truncated or padded silently: a number
//! that does not fit its type, NaN or an infinity (or a number so large it
//! would become one), a string longer than its field, a NUL in a string
//! (the padding byte, which would be lost), a `bytes` field of another
//! length and an array of another length are errors naming the line, the
//! column or field, and its type. A float's text is rounded once, to the
//! nearest value of its type, as Rust's `str::parse` does.
//!
//! ```
//! use zidx_format::ValueSchema;
//! use zidx_text::typed::{read_typed, value_json};
//! use zidx_text::{CsvOptions, Format, TextError, DEFAULT_MAX_LINE};
//!
//! let schema = ValueSchema::parse("price:u32,name:str[8]").unwrap();
//! let csv = b"sku,name,price\nA1,pear,150\nB2,fig,99\n";
//! let mut values = Vec::new();
//! read_typed(&csv[..], "t.csv", &Format::Csv(CsvOptions::default()), &schema,
//!     DEFAULT_MAX_LINE, |key, value, _line| {
//!         values.push((key.to_vec(), value.to_vec()));
//!         Ok::<(), TextError>(())
//!     })?;
//! assert_eq!(values[0].0, b"A1");
//! assert_eq!(values[0].1, b"\x96\0\0\0pear\0\0\0\0");
//! let mut json = String::new();
//! value_json(&schema, &values[1].1, &mut json).unwrap();
//! assert_eq!(json, r#"{"price":99,"name":"fig"}"#);
//!
//! let bad = b"sku,name,price\nA1,pear,-1\n";
//! let e = read_typed(&bad[..], "t.csv", &Format::Csv(CsvOptions::default()), &schema,
//!     DEFAULT_MAX_LINE, |_, _, _| Ok::<(), TextError>(())).unwrap_err();
//! assert_eq!(e.to_string(), r#"t.csv:2: column "price" (price:u32): "-1" does not fit u32 (0 to 4294967295)"#);
//! # Ok::<(), TextError>(())
//! ```

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::BufRead;

use serde_json::value::RawValue;
use zidx_format::schema::{str_text, Field, FieldType, ValueSchema};

use crate::csv_input::read_csv_rows;
use crate::error::{bad, bad_option, TextError};
use crate::escape::ShowKey;
use crate::{read_jsonl, Format};

/// How many names of unused columns or fields a summary keeps.
const UNUSED_SHOWN: usize = 20;
/// How many bytes of an offending cell an error message quotes.
const QUOTED: usize = 40;

/// What [`read_typed`] read, besides the records it passed on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypedSummary {
    /// Records passed to the sink.
    pub records: u64,
    /// Blank lines skipped.
    pub blank_lines: u64,
    /// Input columns (CSV) or fields (JSON Lines) that are neither the key
    /// nor in the schema, so were not stored: the first names in sorted
    /// order, so that the caller can say what was left out.
    pub unused: Vec<String>,
    /// More unused names than [`unused`](TypedSummary::unused) holds.
    pub more_unused: bool,
}

impl TypedSummary {
    fn note_unused(&mut self, names: &mut BTreeSet<String>) {
        self.more_unused = names.len() > UNUSED_SHOWN;
        self.unused = std::mem::take(names)
            .into_iter()
            .take(UNUSED_SHOWN)
            .collect();
    }
}

/// Reads `input` in `format` (CSV or JSON Lines), encoding each record's
/// value by `schema` and calling `sink(key, value, line)` with the
/// [`size`](ValueSchema::size) bytes of the value.
///
/// - **CSV** with a header: each schema field takes the column of its name;
///   a field without a column is an error on the header line. Without a
///   header row, the schema's fields take the columns other than the key's,
///   in order, and there must be as many.
/// - **JSON Lines**: each schema field takes the object's field of its
///   name: the line's object, or with [`JsonlOptions::value`](crate::JsonlOptions)
///   the object in that field. A missing field is an error.
///
/// Columns and fields the schema does not name (other than the key) are not
/// stored; [`TypedSummary::unused`] names them. TSV carries no field names,
/// so it is refused.
pub fn read_typed<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    format: &Format,
    schema: &ValueSchema,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<TypedSummary, E> {
    let mut unused = BTreeSet::new();
    let mut value = vec![0u8; schema.size() as usize];
    let mut summary = TypedSummary::default();
    match format {
        Format::Tsv { .. } => {
            return Err(bad_option(
                "typed values need named fields: give CSV with a header row, or JSON Lines",
            )
            .into())
        }
        Format::Csv(options) => {
            // For each schema field, its column.
            let columns = std::cell::OnceCell::new();
            let read = read_csv_rows(
                input,
                name,
                options,
                max_line,
                |header| {
                    let found = csv_columns(schema, header, &mut unused)
                        .map_err(|problem| bad(name, header.line, problem))?;
                    let _ = columns.set(found);
                    Ok::<(), E>(())
                },
                |row, line| {
                    value.fill(0);
                    let columns = columns.get().map_or(&[][..], Vec::as_slice);
                    for (field, &column) in schema.fields().iter().zip(columns) {
                        let cell = row.field(column);
                        encode_cell(field, cell, &mut value).map_err(|problem| {
                            let what = match &options.header {
                                true => format!("column {}", ShowKey(field.name.as_bytes())),
                                false => format!("column {}", column + 1),
                            };
                            bad(name, line, format!("{what} ({field}): {problem}"))
                        })?;
                    }
                    sink(row.key(), &value, line)
                },
            )?;
            summary.records = read.records;
            summary.blank_lines = read.blank_lines;
        }
        Format::Jsonl(options) => {
            // Leaving the key out of the unused fields needs its top-level
            // name; a whole-line value holds it.
            let key_top = match &options.value {
                Some(_) => None,
                None => Some(top_name(&options.key)),
            };
            let read = read_jsonl(input, name, options, max_line, |key, object, line| {
                value.fill(0);
                encode_object(schema, object, key_top.as_deref(), &mut unused, &mut value)
                    .map_err(|problem| bad(name, line, problem))?;
                sink(key, &value, line)
            })?;
            summary.records = read.records;
            summary.blank_lines = read.blank_lines;
        }
    }
    summary.note_unused(&mut unused);
    Ok(summary)
}

/// The top-level name of a JSON Lines field path (`a` of `a.b`, `a.b` of
/// `a\.b`).
fn top_name(path: &str) -> String {
    let mut name = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('.' | '\\')) => {
                name.push(chars.next().unwrap_or('\\'));
            }
            '.' => break,
            c => name.push(c),
        }
    }
    name
}

/// The column of each schema field, and the unused columns' names.
fn csv_columns(
    schema: &ValueSchema,
    header: &crate::csv_input::CsvHeader,
    unused: &mut BTreeSet<String>,
) -> Result<Vec<usize>, String> {
    if header.names.is_empty() {
        // No header row: the non-key columns in order. Their count is known
        // only at the first row, which the row check then enforces as
        // `fields + 1` (the key column must exist too).
        return Ok((0..schema.fields().len())
            .map(|i| if i < header.key_column { i } else { i + 1 })
            .collect());
    }
    let mut columns = Vec::with_capacity(schema.fields().len());
    for field in schema.fields() {
        let found = header.names.iter().position(|n| n == field.name.as_bytes());
        match found {
            Some(c) if c == header.key_column => {
                return Err(format!(
                "column {} is the key column; the schema's field {field} needs a column of its own",
                ShowKey(field.name.as_bytes())
            ))
            }
            Some(c) => columns.push(c),
            None => {
                let names: Vec<String> = header
                    .names
                    .iter()
                    .take(UNUSED_SHOWN)
                    .map(|n| ShowKey(n).to_string())
                    .collect();
                return Err(format!(
                    "no column named {} for the schema's field {field} (columns: {}{})",
                    ShowKey(field.name.as_bytes()),
                    names.join(", "),
                    if header.names.len() > UNUSED_SHOWN {
                        ", ..."
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    for (i, n) in header.names.iter().enumerate() {
        if i != header.key_column && !columns.contains(&i) {
            unused.insert(ShowKey(n).to_string());
        }
    }
    Ok(columns)
}

/// Encodes one CSV cell into `field`'s bytes of `value`.
fn encode_cell(field: &Field, cell: &[u8], value: &mut [u8]) -> Result<(), String> {
    let out = field_bytes(field, value)?;
    match field.count {
        None => encode_text(field.ty, cell, out),
        Some(count) => {
            let elements: Vec<&RawValue> = serde_json::from_slice(cell)
                .map_err(|_| format!("{} is not a JSON array of {count} elements", quote(cell)))?;
            encode_array(field.ty, count, &elements, out)
        }
    }
}

/// Encodes a JSON object's fields into `value` by `schema`.
fn encode_object(
    schema: &ValueSchema,
    object: &[u8],
    key_top: Option<&str>,
    unused: &mut BTreeSet<String>,
    value: &mut [u8],
) -> Result<(), String> {
    let fields: HashMap<String, &RawValue> = serde_json::from_slice(object).map_err(|_| {
        format!(
            "the value {} is not a JSON object: a typed value takes one field per schema field",
            quote(object)
        )
    })?;
    for field in schema.fields() {
        let raw = fields.get(&field.name).ok_or_else(|| {
            format!(
                "no field {} for the schema's field {field}",
                ShowKey(field.name.as_bytes())
            )
        })?;
        encode_json_field(field, raw, value).map_err(|problem| {
            format!(
                "field {} ({field}): {problem}",
                ShowKey(field.name.as_bytes())
            )
        })?;
    }
    if unused.len() <= UNUSED_SHOWN {
        for name in fields.keys() {
            if schema.field(name).is_none() && Some(name.as_str()) != key_top {
                unused.insert(ShowKey(name.as_bytes()).to_string());
            }
        }
    }
    Ok(())
}

/// Encodes one JSON field into `field`'s bytes of `value`.
fn encode_json_field(field: &Field, raw: &RawValue, value: &mut [u8]) -> Result<(), String> {
    let out = field_bytes(field, value)?;
    match field.count {
        None => encode_json(field.ty, raw, out),
        Some(count) => {
            let elements: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|_| {
                format!(
                    "{} is not an array of {count} elements",
                    quote(raw.get().as_bytes())
                )
            })?;
            encode_array(field.ty, count, &elements, out)
        }
    }
}

/// Where `field` lies in a value; `None` past the address space.
fn field_range(field: &Field) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(field.offset).ok()?;
    let end = start.checked_add(usize::try_from(field.size()).ok()?)?;
    Some(start..end)
}

/// `field`'s bytes of `value`.
fn field_bytes<'v>(field: &Field, value: &'v mut [u8]) -> Result<&'v mut [u8], String> {
    field_range(field)
        .and_then(|range| value.get_mut(range))
        .ok_or_else(|| format!("field {field} lies outside the value"))
}

/// Encodes the elements of an array field.
fn encode_array(
    ty: FieldType,
    count: u32,
    elements: &[&RawValue],
    out: &mut [u8],
) -> Result<(), String> {
    if elements.len() != count as usize {
        return Err(format!(
            "an array of {} elements, but the type holds {count}",
            elements.len()
        ));
    }
    let width = ty.width() as usize;
    for (i, (element, slot)) in elements.iter().zip(out.chunks_exact_mut(width)).enumerate() {
        encode_json(ty, element, slot).map_err(|p| format!("element {i}: {p}"))?;
    }
    Ok(())
}

/// Encodes one JSON element of type `ty` into `out` (its width).
fn encode_json(ty: FieldType, raw: &RawValue, out: &mut [u8]) -> Result<(), String> {
    let text = raw.get();
    match ty {
        FieldType::Str(_) | FieldType::Bytes(_) => {
            let s: String = serde_json::from_str(text)
                .map_err(|_| format!("{} is not a string", quote(text.as_bytes())))?;
            encode_text(ty, s.as_bytes(), out)
        }
        FieldType::Bool => match text {
            "true" => encode_text(ty, b"true", out),
            "false" => encode_text(ty, b"false", out),
            _ => Err(format!("{} is not true or false", quote(text.as_bytes()))),
        },
        _ => {
            // A JSON number, read from its text as written, so that it is
            // rounded once (floats) or not at all (integers).
            if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
                return Err(format!("{} is not a number", quote(text.as_bytes())));
            }
            encode_text(ty, text.as_bytes(), out)
        }
    }
}

/// Encodes one element of type `ty` from its text into `out` (its width).
fn encode_text(ty: FieldType, text: &[u8], out: &mut [u8]) -> Result<(), String> {
    macro_rules! int {
        ($t:ty) => {{
            let s = std::str::from_utf8(text).unwrap_or("");
            let n: $t = s.parse().map_err(|_| {
                if !text.is_empty() && is_integer_text(text) {
                    format!(
                        "{} does not fit {} ({} to {})",
                        quote(text),
                        ty,
                        <$t>::MIN,
                        <$t>::MAX
                    )
                } else {
                    format!("{} is not an integer", quote(text))
                }
            })?;
            out.copy_from_slice(&n.to_le_bytes());
        }};
    }
    macro_rules! float {
        ($t:ty) => {{
            let s = std::str::from_utf8(text).unwrap_or("");
            // Rust also parses inf, infinity and NaN (any case): refused
            // below as not finite, with the same message as 1e999.
            let x: $t = s
                .parse()
                .map_err(|_| format!("{} is not a number", quote(text)))?;
            if !x.is_finite() {
                return Err(format!(
                    "{} is not a finite {} (NaN and infinities are not accepted)",
                    quote(text),
                    ty
                ));
            }
            out.copy_from_slice(&x.to_le_bytes());
        }};
    }
    match ty {
        FieldType::U8 => int!(u8),
        FieldType::U16 => int!(u16),
        FieldType::U32 => int!(u32),
        FieldType::U64 => int!(u64),
        FieldType::I8 => int!(i8),
        FieldType::I16 => int!(i16),
        FieldType::I32 => int!(i32),
        FieldType::I64 => int!(i64),
        FieldType::F32 => float!(f32),
        FieldType::F64 => float!(f64),
        FieldType::Bool => {
            out[0] = match text {
                b"true" | b"1" => 1,
                b"false" | b"0" => 0,
                _ => return Err(format!("{} is not true, false, 1 or 0", quote(text))),
            }
        }
        FieldType::Str(n) => {
            std::str::from_utf8(text).map_err(|e| format!("{} is not UTF-8: {e}", quote(text)))?;
            if text.contains(&0) {
                return Err(format!(
                    "{} holds a NUL byte, which str pads with (it would be lost)",
                    quote(text)
                ));
            }
            let slot = out.get_mut(..text.len()).ok_or_else(|| {
                format!(
                    "{} is {} bytes, longer than str[{n}]",
                    quote(text),
                    text.len()
                )
            })?;
            slot.copy_from_slice(text);
        }
        FieldType::Bytes(n) => {
            let digits = text.trim_ascii();
            if digits.len() != 2 * out.len() || !digits.iter().all(u8::is_ascii_hexdigit) {
                return Err(format!(
                    "{} is not {} hexadecimal digits (bytes[{n}])",
                    quote(text),
                    2 * out.len()
                ));
            }
            for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
                *byte = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
            }
        }
        _ => return Err(format!("type {} cannot be read from text", ty)),
    }
    Ok(())
}

/// Whether `text` is an optional sign and digits: an integer that may be out
/// of range, rather than not an integer.
fn is_integer_text(text: &[u8]) -> bool {
    let digits = text
        .strip_prefix(b"-")
        .or_else(|| text.strip_prefix(b"+"))
        .unwrap_or(text);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// The value of one hexadecimal digit (checked by the caller).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        _ => {
            digit
                .to_ascii_lowercase()
                .wrapping_sub(b'a')
                .wrapping_add(10)
                & 0x0f
        }
    }
}

/// Input quoted in a message: escaped, and cut after [`QUOTED`] bytes.
fn quote(text: &[u8]) -> String {
    match text.get(..QUOTED) {
        Some(head) if text.len() > QUOTED => format!("{}...", ShowKey(head)),
        _ => ShowKey(text).to_string(),
    }
}

/// Writes `value` (the bytes of one value of `schema`) as a JSON object of
/// its fields, in schema order: integers as numbers, floats in the shortest
/// form that reads back to the same value (NaN and infinities, which JSON
/// lacks, as `null`), `bool` as `true`/`false`, `str` as a string, `bytes`
/// as a string of hexadecimal digits, arrays as arrays. The output reads
/// back through [`read_typed`] to the same bytes (but for NaN and
/// infinities). An illegal value (a `bool` byte other than 0 or 1, a `str`
/// that is not UTF-8 with NUL padding, a value of another size) is an
/// error, as `zidx verify` would report it.
pub fn value_json(schema: &ValueSchema, value: &[u8], out: &mut String) -> Result<(), String> {
    if value.len() != schema.size() as usize {
        return Err(format!(
            "value of {} bytes; the schema's values have {}",
            value.len(),
            schema.size()
        ));
    }
    schema.check_value(value)?;
    out.push('{');
    for (i, field) in schema.fields().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(&field.name, out);
        out.push(':');
        let bytes = field_range(field)
            .and_then(|range| value.get(range))
            .ok_or("value shorter than its schema")?;
        let width = field.ty.width() as usize;
        match field.count {
            None => element_json(field.ty, bytes, out)?,
            Some(_) => {
                out.push('[');
                for (j, element) in bytes.chunks_exact(width).enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    element_json(field.ty, element, out)?;
                }
                out.push(']');
            }
        }
    }
    out.push('}');
    Ok(())
}

/// Appends `s` as a JSON string.
pub fn json_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

/// Appends one element as JSON.
fn element_json(ty: FieldType, b: &[u8], out: &mut String) -> Result<(), String> {
    macro_rules! le {
        ($t:ty) => {
            <$t>::from_le_bytes(b.try_into().map_err(|_| "element of the wrong width")?)
        };
    }
    let _ = match ty {
        FieldType::U8 => write!(out, "{}", b[0]),
        FieldType::U16 => write!(out, "{}", le!(u16)),
        FieldType::U32 => write!(out, "{}", le!(u32)),
        FieldType::U64 => write!(out, "{}", le!(u64)),
        FieldType::I8 => write!(out, "{}", b[0] as i8),
        FieldType::I16 => write!(out, "{}", le!(i16)),
        FieldType::I32 => write!(out, "{}", le!(i32)),
        FieldType::I64 => write!(out, "{}", le!(i64)),
        // `{:?}` is the shortest text that parses back to the same value of
        // the same type, with an exponent for very large or small numbers
        // and `.0` on integral ones: all valid JSON numbers.
        FieldType::F32 => match le!(f32) {
            x if x.is_finite() => write!(out, "{x:?}"),
            _ => write!(out, "null"),
        },
        FieldType::F64 => match le!(f64) {
            x if x.is_finite() => write!(out, "{x:?}"),
            _ => write!(out, "null"),
        },
        FieldType::Bool => write!(out, "{}", b[0] != 0),
        FieldType::Str(_) => {
            json_string(str_text(b)?, out);
            Ok(())
        }
        FieldType::Bytes(_) => {
            out.push('"');
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
            out.push('"');
            Ok(())
        }
        _ => return Err(format!("type {} has no JSON form", ty)),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CsvOptions, JsonlOptions, DEFAULT_MAX_LINE};

    type Values = Vec<(Vec<u8>, Vec<u8>, u64)>;

    fn read(format: &Format, schema: &str, input: &str) -> Result<(Values, TypedSummary), String> {
        let schema = ValueSchema::parse(schema).unwrap();
        let mut values = Vec::new();
        let summary = read_typed(
            input.as_bytes(),
            "t",
            format,
            &schema,
            DEFAULT_MAX_LINE,
            |k, v, line| {
                values.push((k.to_vec(), v.to_vec(), line));
                Ok::<(), TextError>(())
            },
        )
        .map_err(|e| e.to_string())?;
        Ok((values, summary))
    }

    fn csv(schema: &str, input: &str) -> Result<Values, String> {
        read(&Format::Csv(CsvOptions::default()), schema, input).map(|r| r.0)
    }

    fn jsonl(schema: &str, input: &str) -> Result<Values, String> {
        read(&Format::Jsonl(JsonlOptions::default()), schema, input).map(|r| r.0)
    }

    fn json_of(schema: &str, value: &[u8]) -> String {
        let mut out = String::new();
        value_json(&ValueSchema::parse(schema).unwrap(), value, &mut out).unwrap();
        out
    }

    #[test]
    fn every_type_from_csv_and_back_to_json() {
        let schema = "a:u8,b:u16,c:u32,d:u64,e:i8,f:i16,g:i32,h:i64,x:f32,y:f64,t:bool,s:str[5],h2:bytes[2],v:i16[3]";
        let input = "k,a,b,c,d,e,f,g,h,x,y,t,s,h2,v\n\
                     one,255,65535,4294967295,18446744073709551615,-128,-32768,-2147483648,-9223372036854775808,0.1,1e300,true,héé,BEef,\"[1,-2,3]\"\n";
        let values = csv(schema, input).unwrap();
        assert_eq!(values.len(), 1);
        let (key, value, line) = &values[0];
        assert_eq!((key.as_slice(), *line), (&b"one"[..], 2));
        assert_eq!(
            json_of(schema, value),
            r#"{"a":255,"b":65535,"c":4294967295,"d":18446744073709551615,"e":-128,"f":-32768,"g":-2147483648,"h":-9223372036854775808,"x":0.1,"y":1e300,"t":true,"s":"héé","h2":"beef","v":[1,-2,3]}"#
        );
        // The JSON form reads back to the same bytes.
        let line = format!(
            r#"{{"key":"one",{}}}"#,
            &json_of(schema, value)[1..json_of(schema, value).len() - 1]
        );
        let again = jsonl(schema, &line).unwrap();
        assert_eq!(&again[0].1, value);
    }

    #[test]
    fn out_of_range_and_malformed_cells_name_line_column_and_type() {
        let e = |schema: &str, cell: &str| csv(schema, &format!("k,f\nkey,{cell}\n")).unwrap_err();
        assert_eq!(
            e("f:u8", "256"),
            r#"t:2: column "f" (f:u8): "256" does not fit u8 (0 to 255)"#
        );
        assert_eq!(
            e("f:i8", "-129"),
            r#"t:2: column "f" (f:i8): "-129" does not fit i8 (-128 to 127)"#
        );
        assert_eq!(
            e("f:u32", "1.5"),
            r#"t:2: column "f" (f:u32): "1.5" is not an integer"#
        );
        assert_eq!(
            e("f:u32", ""),
            r#"t:2: column "f" (f:u32): "" is not an integer"#
        );
        assert_eq!(
            e("f:u32", "twelve"),
            r#"t:2: column "f" (f:u32): "twelve" is not an integer"#
        );
        assert!(e("f:f64", "NaN").contains("is not a finite f64"));
        assert!(e("f:f64", "inf").contains("is not a finite f64"));
        assert!(e("f:f32", "1e39").contains("\"1e39\" is not a finite f32"));
        assert!(e("f:f64", "x1").contains("is not a number"));
        assert_eq!(
            e("f:str[3]", "abcd"),
            r#"t:2: column "f" (f:str[3]): "abcd" is 4 bytes, longer than str[3]"#
        );
        assert!(e("f:str[3]", "\u{e9}\u{e9}").contains("4 bytes, longer than str[3]"));
        assert!(e("f:bool", "yes").contains("not true, false, 1 or 0"));
        assert!(e("f:bytes[2]", "abc").contains("is not 4 hexadecimal digits (bytes[2])"));
        assert!(e("f:bytes[2]", "abcdef").contains("is not 4 hexadecimal digits"));
        assert!(
            e("f:u8[2]", "\"[1,2,3]\"").contains("an array of 3 elements, but the type holds 2")
        );
        assert!(e("f:u8[2]", "\"[1,300]\"").contains("element 1: \"300\" does not fit u8"));
        assert!(e("f:u8[2]", "1").contains("is not a JSON array of 2 elements"));
    }

    #[test]
    fn strings_keep_their_bytes_or_are_refused() {
        let values = csv("f:str[4]", "k,f\na,ab\nb,\n").unwrap();
        assert_eq!(values[0].1, b"ab\0\0");
        assert_eq!(values[1].1, b"\0\0\0\0");
        let e = csv("f:str[4]", "k,f\na,\"a\0b\"\n").unwrap_err();
        assert!(e.contains("holds a NUL byte"), "{e}");
        let e = csv("f:str[4]", "k,f\na,\u{0}\n").unwrap_err();
        assert!(e.contains("NUL"), "{e}");
    }

    #[test]
    fn csv_columns_by_name_and_unused_ones_reported() {
        let (values, summary) = read(
            &Format::Csv(CsvOptions::default().with_key("id")),
            "b:u8,a:u8",
            "x,a,id,b,y\n9,1,k,2,8\n",
        )
        .unwrap();
        assert_eq!(values[0].0, b"k");
        assert_eq!(values[0].1, [2, 1]);
        assert_eq!(summary.unused, ["\"x\"", "\"y\""]);
        let e = csv("a:u8,zz:u8", "k,a\nq,1\n").unwrap_err();
        assert_eq!(
            e,
            r#"t:1: no column named "zz" for the schema's field zz:u8 (columns: "k", "a")"#
        );
        let e = csv("k:u8", "k,a\nq,1\n").unwrap_err();
        assert!(e.contains("is the key column"), "{e}");
    }

    #[test]
    fn headerless_csv_takes_the_other_columns_in_order() {
        let format = Format::Csv(CsvOptions::default().with_header(false).with_key("2"));
        let (values, _) = read(&format, "a:u8,b:u8", "1,k,2\n").unwrap();
        assert_eq!(values[0].0, b"k");
        assert_eq!(values[0].1, [1, 2]);
        let e = read(&format, "a:u8,b:u8", "1,k,300\n").unwrap_err();
        assert!(e.starts_with("t:1: column 3 (b:u8):"), "{e}");
    }

    #[test]
    fn jsonl_fields_by_name() {
        let schema = "n:u16,s:str[4],ok:bool,f:f32[2]";
        let values = jsonl(
            schema,
            r#"{"key":"a","n":7,"s":"hi","ok":false,"f":[0.5,-1],"extra":[1]}"#,
        )
        .unwrap();
        assert_eq!(values[0].1, b"\x07\0hi\0\0\0\0\0\0\0\x3f\0\0\x80\xbf");
        let e = |line: &str| jsonl(schema, line).unwrap_err();
        assert_eq!(
            e(r#"{"key":"a","n":7,"s":"hi","ok":false}"#),
            "t:1: no field \"f\" for the schema's field f:f32[2]"
        );
        assert_eq!(
            e(r#"{"key":"a","n":"7","s":"hi","ok":false,"f":[0,0]}"#),
            r#"t:1: field "n" (n:u16): ""7"" is not a number"#
        );
        assert!(e(r#"{"key":"a","n":7.0,"s":"hi","ok":false,"f":[0,0]}"#)
            .contains("\"7.0\" is not an integer"));
        assert!(
            e(r#"{"key":"a","n":7,"s":"hi","ok":1,"f":[0,0]}"#).contains("is not true or false")
        );
        assert!(e(r#"{"key":"a","n":7,"s":"hi","ok":true,"f":[0,null]}"#)
            .contains("element 1: \"null\" is not a number"));
        assert!(e(r#"{"key":"a","n":7,"s":"hi","ok":true,"f":[0,1e39]}"#)
            .contains("is not a finite f32"));
        // The value in a field of its own.
        let format = Format::Jsonl(JsonlOptions::default().with_value("v"));
        let (values, summary) = read(&format, "n:u8", r#"{"key":"a","v":{"n":3,"m":4}}"#).unwrap();
        assert_eq!(values[0].1, [3]);
        assert_eq!(summary.unused, ["\"m\""]);
        let e = read(&format, "n:u8", r#"{"key":"a","v":"text"}"#).unwrap_err();
        assert!(e.contains("is not a JSON object"), "{e}");
    }

    #[test]
    fn tsv_is_refused() {
        let e = read(&Format::Tsv { escapes: false }, "a:u8", "k\t1\n").unwrap_err();
        assert!(e.contains("need named fields"), "{e}");
    }

    #[test]
    fn illegal_values_are_not_rendered() {
        let schema = ValueSchema::parse("t:bool,s:str[2]").unwrap();
        let mut out = String::new();
        assert!(value_json(&schema, &[2, 0, 0], &mut out).is_err());
        assert!(value_json(&schema, &[1, 0xff, 0], &mut out).is_err());
        assert!(value_json(&schema, &[1, 0], &mut out).is_err());
        assert_eq!(
            json_of(
                "x:f64,y:f32",
                &[0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0, 0, 0x80, 0x7f, 0, 0, 0, 0]
            ),
            r#"{"x":null,"y":null}"#
        );
    }

    #[test]
    fn floats_print_shortest_and_read_back_exactly() {
        for x in [0.1f32, 1e-40, 3.4028235e38, -0.0, 16777217.0, 1.0 / 3.0] {
            let json = json_of("x:f32", &x.to_le_bytes());
            let again = jsonl(
                "x:f32",
                &format!(r#"{{"key":"k",{}}}"#, &json[1..json.len() - 1]),
            )
            .unwrap();
            assert_eq!(again[0].1, x.to_le_bytes(), "{json}");
        }
        for x in [0.1f64, 5e-324, f64::MAX, 1.0 / 3.0, 123456789012345680.0] {
            let json = json_of("x:f64", &x.to_le_bytes());
            let again = jsonl(
                "x:f64",
                &format!(r#"{{"key":"k",{}}}"#, &json[1..json.len() - 1]),
            )
            .unwrap();
            assert_eq!(again[0].1, x.to_le_bytes(), "{json}");
        }
    }
}
