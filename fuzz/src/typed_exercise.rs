//! The `typed_input` fuzz target's body, shared with `cargo test`, which
//! replays its seeds and committed regression inputs
//! (crates/zidx-text/tests/fuzz_regressions.rs includes it).
//!
//! The first byte picks a schema (every field type, arrays, padding), the
//! format (CSV or JSON Lines) and `max_line`; the rest is the input. Every
//! value `read_typed` accepts must be the schema's size and a legal value
//! of it (what `zidx verify` checks), and must survive the JSON round trip
//! of `zidx dump --json | zidx build --format jsonl --value value`.

use zidx_format::ValueSchema;
use zidx_text::typed::{json_string, read_typed, value_json};
use zidx_text::{CsvOptions, Format, JsonlOptions, TextError};

/// Schemas the first byte picks from.
const SCHEMAS: [&str; 6] = [
    "a:u8",
    "a:i64,b:str[4]",
    "x:f32,y:f64,ok:bool",
    "h:bytes[3],n:u16[2],s:str[2][2]",
    "a:i8,b:u32,c:i16,d:u64,e:i32,f:u16",
    "v:f32[3],t:bool[2]",
];

/// Reads `data` (first byte: schema, format, `max_line`) as typed input
/// and checks every value it yields.
pub fn typed_exercise(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let schema = ValueSchema::parse(SCHEMAS[usize::from(selector) % SCHEMAS.len()])
        .expect("the target's schemas are valid");
    let csv = (selector / 8) % 2 == 0;
    let max_line = 1 + usize::from(selector / 16) * 64;
    let format = if csv {
        Format::Csv(CsvOptions::default().with_key("k"))
    } else {
        Format::Jsonl(JsonlOptions::default().with_key("k"))
    };
    let mut values = Vec::new();
    let mut last_line = 0;
    let read = read_typed(input, "fuzz", &format, &schema, max_line, |k, v, line| {
        assert!(line > last_line, "line numbers must go forward");
        last_line = line;
        values.push((k.to_vec(), v.to_vec()));
        Ok::<(), TextError>(())
    });
    let Ok(summary) = read else {
        return;
    };
    assert_eq!(summary.records, values.len() as u64);
    for (key, value) in &values {
        assert_eq!(value.len(), schema.size() as usize);
        schema
            .check_value(value)
            .expect("an accepted value is a legal value of its schema");
        // Its JSON reads back to the same bytes (the input refuses NaN and
        // infinities, the one thing JSON cannot carry back).
        let Ok(key) = std::str::from_utf8(key) else {
            continue;
        };
        let mut line = String::from("{\"k\":");
        json_string(key, &mut line);
        line.push_str(",\"value\":");
        value_json(&schema, value, &mut line).expect("an accepted value renders");
        line.push_str("}\n");
        let mut again = Vec::new();
        read_typed(
            line.as_bytes(),
            "again",
            &Format::Jsonl(JsonlOptions::default().with_key("k").with_value("value")),
            &schema,
            usize::MAX,
            |_, v, _| {
                again.push(v.to_vec());
                Ok::<(), TextError>(())
            },
        )
        .unwrap_or_else(|e| panic!("the JSON of an accepted value reads back: {e}: {line}"));
        assert_eq!(again, std::slice::from_ref(value), "{line}");
    }
}
