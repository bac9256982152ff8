use std::collections::HashMap;
use std::io::BufRead;

use serde_json::value::RawValue;

use crate::error::{bad, TextError};
use crate::escape::ShowKey;
use crate::{find_lone_cr, is_blank, read_line, skip_bom, trim_eol, Summary};

/// Options of the JSON Lines format; build with [`JsonlOptions::default`]
/// and the `with_` methods.
///
/// Fields are named by *paths*: `a.b` is field `b` of the object in field
/// `a`. A dot that is part of a field name is written `\.`, and a backslash
/// `\\` (`a\.b` is the top-level field `a.b`); any other backslash is itself.
///
/// ```
/// use zidx_text::JsonlOptions;
/// let options = JsonlOptions::default().with_key("user.id").with_value("payload");
/// assert_eq!(options.key, "user.id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JsonlOptions {
    /// Path of the key field. Default `key`.
    pub key: String,
    /// Path of the value field; `None` (the default): the value is the whole
    /// line.
    pub value: Option<String>,
}

impl Default for JsonlOptions {
    fn default() -> JsonlOptions {
        JsonlOptions {
            key: "key".to_string(),
            value: None,
        }
    }
}

impl JsonlOptions {
    /// With `key` as the key field's path.
    pub fn with_key(mut self, key: impl Into<String>) -> JsonlOptions {
        self.key = key.into();
        self
    }

    /// With `value` as the value field's path.
    pub fn with_value(mut self, value: impl Into<String>) -> JsonlOptions {
        self.value = Some(value.into());
        self
    }
}

/// A field path as written and split into names.
struct Path<'s> {
    written: &'s str,
    names: Vec<String>,
}

impl<'s> Path<'s> {
    fn new(written: &'s str) -> Path<'s> {
        let mut names = Vec::new();
        let mut name = String::new();
        let mut chars = written.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if matches!(chars.peek(), Some('.' | '\\')) => {
                    name.push(chars.next().unwrap_or('\\'));
                }
                '.' => names.push(std::mem::take(&mut name)),
                c => name.push(c),
            }
        }
        names.push(name);
        Path { written, names }
    }

    /// The field at this path in `object`, or the problem.
    fn find<'a>(&self, object: &HashMap<String, &'a RawValue>) -> Result<&'a RawValue, String> {
        let missing = || {
            let mut problem = format!("object has no field {}", ShowKey(self.written.as_bytes()));
            if self.names.len() > 1 && object.contains_key(self.written) {
                problem.push_str(&format!(
                    " (it has a field named {}: write its dots as \\.)",
                    ShowKey(self.written.as_bytes())
                ));
            }
            problem
        };
        let (first, rest) = self.names.split_first().ok_or_else(missing)?;
        let mut field = *object.get(first).ok_or_else(missing)?;
        for (depth, name) in rest.iter().enumerate() {
            let inner: HashMap<String, &'a RawValue> =
                serde_json::from_str(field.get()).map_err(|_| {
                    let parent = self.names[..=depth].join(".");
                    format!(
                        "field {} is not an object, so it has no field {}",
                        ShowKey(parent.as_bytes()),
                        ShowKey(name.as_bytes())
                    )
                })?;
            field = *inner.get(name).ok_or_else(missing)?;
        }
        Ok(field)
    }
}

/// Reads JSON Lines: one JSON object per line.
///
/// The key is the field at [`JsonlOptions::key`]: a string's UTF-8 bytes, or
/// the JSON text of a number or boolean exactly as written (`1.50` stays
/// `1.50`). The value is the line itself, byte for byte, without its line
/// ending; or, with [`JsonlOptions::value`], that field: a string's UTF-8
/// bytes, or the JSON text of a number, boolean, object or array as written
/// (`null` is an error, as it is neither a value nor missing). If a field
/// name repeats, the last one counts (as in most JSON parsers).
///
/// Blank lines (empty or only spaces and tabs) are skipped and counted; a
/// UTF-8 byte-order mark at the start is dropped. Error messages name one
/// line, the input's (`at column N` within it).
///
/// Returns what was read; see [`read_records`](crate::read_records) for
/// `name`, `max_line`, `sink` and errors.
pub fn read_jsonl<R: BufRead, E: From<TextError>>(
    input: R,
    name: &str,
    options: &JsonlOptions,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<Summary, E> {
    let mut input = skip_bom(input, name)?;
    let key_path = Path::new(&options.key);
    let value_path = options.value.as_deref().map(Path::new);
    let too_long_cr = format!(
        "line longer than {max_line} bytes; it holds carriage returns not followed by a \
         line feed: CR-only line endings are not supported"
    );
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut summary = Summary::default();
    loop {
        line += 1;
        if !read_line(
            &mut input,
            &mut buf,
            max_line,
            name,
            line,
            Some(&too_long_cr),
        )? {
            return Ok(summary);
        }
        let text = trim_eol(&buf);
        if is_blank(text, None) {
            summary.blank_lines += 1;
            continue;
        }
        let fail = |problem: String| bad(name, line, problem);
        // Decoded strings, when the key or value is one.
        let (key_buf, value_buf): (String, String);
        // One parse in the common case; on failure, a second one tells
        // "not JSON" from "JSON but not an object".
        let object: HashMap<String, &RawValue> = serde_json::from_slice(text).map_err(|e| {
            let mut problem = match serde_json::from_slice::<&RawValue>(text) {
                Ok(_) => "expected a JSON object".to_string(),
                Err(_) => format!("invalid JSON: {}", json_problem(&e)),
            };
            if find_lone_cr(text).is_some() {
                problem.push_str(
                    " (the line holds a carriage return not followed by a line feed: \
                     CR-only line endings are not supported)",
                );
            }
            fail(problem)
        })?;

        let field = key_path.find(&object).map_err(fail)?;
        // A string key is its decoded text; a number or boolean key is its
        // JSON text exactly as written.
        let key: &str = match field.get().as_bytes().first() {
            Some(b'"') => {
                key_buf = decode_string(field).map_err(fail)?;
                &key_buf
            }
            Some(b'-' | b'0'..=b'9' | b't' | b'f') => field.get(),
            _ => {
                return Err(fail(format!(
                    "field {} must be a string, number or boolean",
                    ShowKey(options.key.as_bytes())
                ))
                .into())
            }
        };
        let value: &[u8] = match &value_path {
            None => text,
            Some(path) => {
                let field = path.find(&object).map_err(fail)?;
                match field.get().as_bytes().first() {
                    Some(b'"') => {
                        value_buf = decode_string(field).map_err(fail)?;
                        value_buf.as_bytes()
                    }
                    Some(b'n') => {
                        return Err(fail(format!(
                            "field {} is null; the value must be a string, number, boolean, \
                             object or array",
                            ShowKey(path.written.as_bytes())
                        ))
                        .into())
                    }
                    _ => field.get().as_bytes(),
                }
            }
        };
        sink(key.as_bytes(), value, line)?;
        summary.records += 1;
    }
}

/// The text of a JSON string.
fn decode_string(field: &RawValue) -> Result<String, String> {
    serde_json::from_str(field.get()).map_err(|e| format!("invalid JSON: {}", json_problem(&e)))
}

/// serde_json's message for `e`, with its position as `at column N`: the
/// line it counts is always 1 (it sees one line), and the message already
/// names the input's line. Control characters are escaped, as the message
/// may quote the input.
fn json_problem(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = match message.strip_suffix(&suffix) {
        Some(m) if e.line() != 0 => format!("{m} at column {}", e.column()),
        _ => message,
    };
    let mut shown = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            shown.push_str(&format!("\\x{:02x}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::Records;

    fn parse_with(input: &str, options: &JsonlOptions) -> Result<(Records, Summary), TextError> {
        let mut out = Vec::new();
        let summary = read_jsonl(input.as_bytes(), "t.jsonl", options, 1000, |k, v, l| {
            out.push(crate::test_support::as_text(k, v, l));
            Ok::<(), TextError>(())
        })?;
        Ok((out, summary))
    }

    fn parse(input: &str) -> Result<Vec<(String, String, u64)>, TextError> {
        Ok(parse_with(input, &JsonlOptions::default().with_key("id"))?.0)
    }

    #[test]
    fn keys_and_values() {
        let got = parse("{\"id\":\"a\",\"x\":1}\r\n\n{\"id\": 42}\n{\"id\":true}").unwrap();
        assert_eq!(got[0], ("a".into(), "{\"id\":\"a\",\"x\":1}".into(), 1));
        assert_eq!(got[1], ("42".into(), "{\"id\": 42}".into(), 3));
        assert_eq!(got[2].0, "true");
    }

    #[test]
    fn blank_lines_and_byte_order_mark() {
        let (got, summary) = parse_with(
            "\u{feff}{\"key\":1}\n\n \t\r\n{\"key\":2}\n",
            &JsonlOptions::default(),
        )
        .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!((got[1].2, summary.blank_lines), (4, 2));
    }

    #[test]
    fn nested_paths_and_value_fields() {
        let options = JsonlOptions::default()
            .with_key("user.id")
            .with_value("data");
        let input = "{\"user\":{\"id\":7},\"data\":\"a\\tb\"}\n\
                     {\"user\":{\"id\":\"x\"},\"data\":{\"k\": [1, 2.50]}}\n\
                     {\"user\":{\"id\":8},\"data\":1.50}\n";
        let (got, _) = parse_with(input, &options).unwrap();
        assert_eq!(got[0], ("7".into(), "a\tb".into(), 1));
        assert_eq!(got[1], ("x".into(), "{\"k\": [1, 2.50]}".into(), 2));
        assert_eq!(got[2].1, "1.50");
        // A dot in a field name.
        let options = JsonlOptions::default().with_key("a\\.b");
        let (got, _) = parse_with("{\"a.b\":\"x\",\"a\":{\"b\":\"y\"}}\n", &options).unwrap();
        assert_eq!(got[0].0, "x");
        let options = JsonlOptions::default().with_key("a.b");
        let (got, _) = parse_with("{\"a.b\":\"x\",\"a\":{\"b\":\"y\"}}\n", &options).unwrap();
        assert_eq!(got[0].0, "y");
        let e = parse_with("{\"a.b\":\"x\"}\n", &options).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.jsonl:1: object has no field \"a.b\" (it has a field named \"a.b\": \
             write its dots as \\.)"
        );
        let e = parse_with("{\"a\":[1]}\n", &options).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.jsonl:1: field \"a\" is not an object, so it has no field \"b\""
        );
        let options = JsonlOptions::default().with_value("v");
        let e = parse_with("{\"key\":1,\"v\":null}\n", &options).unwrap_err();
        assert!(e.to_string().starts_with("t.jsonl:1: field \"v\" is null"));
    }

    #[test]
    fn errors_name_one_line() {
        let e = parse("{\"id\":1}\n{oops\n").unwrap_err().to_string();
        assert_eq!(
            e,
            "t.jsonl:2: invalid JSON: key must be a string at column 2"
        );
        assert_eq!(
            parse("[1]\n").unwrap_err().to_string(),
            "t.jsonl:1: expected a JSON object"
        );
        assert_eq!(
            parse("{\"x\":1}\n").unwrap_err().to_string(),
            "t.jsonl:1: object has no field \"id\""
        );
        assert_eq!(
            parse("{\"id\":null}\n").unwrap_err().to_string(),
            "t.jsonl:1: field \"id\" must be a string, number or boolean"
        );
        let e = parse("{\"id\":1}\r{\"id\":2}\r").unwrap_err().to_string();
        assert!(e.contains("CR-only line endings"), "{e}");
    }

    #[test]
    fn field_names_are_escaped_in_messages() {
        let options = JsonlOptions::default().with_key("\x1b[2J");
        let e = parse_with("{\"a\":1}\n", &options).unwrap_err().to_string();
        assert_eq!(e, "t.jsonl:1: object has no field \"\\x1b[2J\"");
        let e = parse("{\"id\":\"\x1b\"}\n").unwrap_err().to_string();
        assert!(!e.contains('\x1b'), "{e:?}");
    }
}
