use std::collections::HashMap;
use std::io::BufRead;

use serde_json::value::RawValue;

use crate::error::{bad, TextError};
use crate::{read_line, trim_eol};

/// Reads JSON Lines: one JSON object per line. The key is the object's field
/// `key` (a string's UTF-8 bytes, or the JSON text of a number or boolean);
/// the value is the line itself, byte for byte, without its line ending.
/// Lines holding only whitespace are skipped. If a field name repeats, the
/// last one counts (as in most JSON parsers).
///
/// Returns the number of records; see [`read_records`](crate::read_records)
/// for `name`, `max_line`, `sink` and errors.
pub fn read_jsonl<R: BufRead, E: From<TextError>>(
    mut input: R,
    name: &str,
    key: &str,
    max_line: usize,
    mut sink: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<u64, E> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    let mut count = 0u64;
    loop {
        line += 1;
        if !read_line(&mut input, &mut buf, max_line, name, line)? {
            return Ok(count);
        }
        let text = trim_eol(&buf);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let key_buf: String;
        // One parse in the common case; on failure, a second one tells
        // "not JSON" from "JSON but not an object".
        let obj: HashMap<String, &RawValue> = serde_json::from_slice(text).map_err(|e| {
            match serde_json::from_slice::<&RawValue>(text) {
                Ok(_) => bad(name, line, "expected a JSON object"),
                Err(_) => bad(name, line, format!("invalid JSON: {e}")),
            }
        })?;
        let field = obj
            .get(key)
            .ok_or_else(|| bad(name, line, format!("object has no field {key:?}")))?
            .get();
        // A string key is its decoded text; a number or boolean key is its
        // JSON text exactly as written (`1.50` stays `1.50`).
        let k: &str = match field.as_bytes().first() {
            Some(b'"') => {
                key_buf = serde_json::from_str(field)
                    .map_err(|e| bad(name, line, format!("invalid JSON: {e}")))?;
                &key_buf
            }
            Some(b'-' | b'0'..=b'9' | b't' | b'f') => field,
            _ => {
                return Err(bad(
                    name,
                    line,
                    format!("field {key:?} must be a string, number or boolean"),
                )
                .into())
            }
        };
        sink(k.as_bytes(), text, line)?;
        count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &str) -> Result<Vec<(String, String, u64)>, TextError> {
        let mut out = Vec::new();
        read_jsonl(input.as_bytes(), "t.jsonl", "id", 1000, |k, v, l| {
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
    fn keys_and_values() {
        let got = parse("{\"id\":\"a\",\"x\":1}\r\n\n{\"id\": 42}\n{\"id\":true}").unwrap();
        assert_eq!(got[0], ("a".into(), "{\"id\":\"a\",\"x\":1}".into(), 1));
        assert_eq!(got[1], ("42".into(), "{\"id\": 42}".into(), 3));
        assert_eq!(got[2].0, "true");
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            parse("{\"id\":1}\n{oops\n")
                .unwrap_err()
                .to_string()
                .split(": ")
                .take(2)
                .collect::<Vec<_>>(),
            ["t.jsonl:2", "invalid JSON"]
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
    }
}
