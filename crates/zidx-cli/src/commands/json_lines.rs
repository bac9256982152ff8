//! Typed values as JSON (`zidx get --json`, `zidx dump --json`): a value as
//! a JSON object of its schema's fields (`zidx_text::typed::value_json`),
//! and a record as `{"key":KEY,"value":{...}}` on one line, which
//! `zidx build --format jsonl --value value --schema ...` reads back.

use zidx_format::ValueSchema;
use zidx_text::typed::{json_string, value_json};

use crate::commands::target::Target;
use crate::failure::Failure;

/// The schema `--json` writes values by: the index's.
#[derive(Clone, Copy)]
pub struct JsonForm<'s> {
    schema: &'s ValueSchema,
}

impl<'s> JsonForm<'s> {
    /// The form for `index`; an error naming `path` when the index is not
    /// typed (its values are bytes, with no fields to write).
    pub fn for_index(index: &'s Target, path: &str) -> Result<JsonForm<'s>, Failure> {
        match index.value_schema() {
            Some(schema) => Ok(JsonForm { schema }),
            None => Err(Failure::error(format!(
                "{path}: --json writes typed values by their schema, and this index has none \
                 (its values are bytes; build with --schema for typed values)"
            ))),
        }
    }

    /// Appends the value as a JSON object and a newline.
    pub fn push_value_line(self, value: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        let mut text = String::new();
        value_json(self.schema, value, &mut text)?;
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
        Ok(())
    }

    /// Appends `{"key":KEY,"value":{...}}` and a newline. A key that is not
    /// UTF-8 is refused: a JSON string cannot carry it.
    pub fn push_record(self, key: &[u8], value: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
        let key = std::str::from_utf8(key).map_err(|_| {
            "its key is not UTF-8, which a JSON string cannot carry; \
             use zidx dump --escaped for the bytes"
                .to_string()
        })?;
        let mut text = String::from("{\"key\":");
        json_string(key, &mut text);
        text.push_str(",\"value\":");
        value_json(self.schema, value, &mut text)?;
        text.push_str("}\n");
        out.extend_from_slice(text.as_bytes());
        Ok(())
    }
}
