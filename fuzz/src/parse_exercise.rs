//! The input-parser fuzz target's body, shared with `cargo test`, which
//! replays the committed regression inputs
//! (crates/zidx-text/tests/fuzz_regressions.rs includes it).
//!
//! The first byte picks the format, its options and `max_line`; formats with
//! more options take them from the next bytes. The rest is the input.

use std::io::Read;

use zidx_text::escape::escape_record_into;
use zidx_text::{read_records, CsvOptions, Format, JsonlOptions, TextError};

/// Formats chosen by the first byte, modulo this.
const FORMATS: u8 = 10;

/// Key and value paths the JSONL cases pick from: plain, nested, an escaped
/// dot, a missing one.
const JSONL_KEYS: [&str; 4] = ["k", "a.b", "a\\.b", "k.k"];
const JSONL_VALUES: [Option<&str>; 4] = [None, Some("v"), Some("a.v"), Some("k")];

/// Parses `data` (first byte: format and options) and checks what every
/// parse must hold: line numbers only go forward, the count is right, and
/// TSV records survive a write/parse round trip.
pub fn parse_exercise(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let max_line = 1 + usize::from(selector / FORMATS) * 64;
    let take = |rest: &[u8]| -> Option<(u8, Vec<u8>)> {
        rest.split_first().map(|(&b, r)| (b, r.to_vec()))
    };
    // (format, input, whether to go through input::decode first)
    let (format, input, decode) = match selector % FORMATS {
        0 => (Format::Tsv { escapes: true }, rest.to_vec(), false),
        1 => (Format::Tsv { escapes: false }, rest.to_vec(), false),
        2 => (Format::Csv(CsvOptions::default()), rest.to_vec(), false),
        3 => (
            Format::Csv(CsvOptions::default().with_key("k")),
            rest.to_vec(),
            false,
        ),
        4 => (
            Format::Jsonl(JsonlOptions::default().with_key("k")),
            rest.to_vec(),
            false,
        ),
        5 => {
            // Delimiter byte, then flags: header, key by number or name.
            let Some((delimiter, rest)) = take(rest) else {
                return;
            };
            let Some((flags, rest)) = take(&rest) else {
                return;
            };
            let mut options = CsvOptions::default()
                .with_delimiter(delimiter)
                .with_header(flags & 1 == 0);
            options = match (flags >> 1) & 3 {
                0 => options,
                1 => options.with_key("2"),
                2 => options.with_key("k"),
                _ => options.with_key("0"),
            };
            (Format::Csv(options), rest, false)
        }
        6 => {
            let Some((flags, rest)) = take(rest) else {
                return;
            };
            let mut options = JsonlOptions::default().with_key(JSONL_KEYS[usize::from(flags & 3)]);
            if let Some(value) = JSONL_VALUES[usize::from((flags >> 2) & 3)] {
                options = options.with_value(value);
            }
            (Format::Jsonl(options), rest, false)
        }
        7 => (Format::Tsv { escapes: false }, rest.to_vec(), true),
        8 => (Format::Csv(CsvOptions::default()), rest.to_vec(), true),
        _ => (
            Format::Jsonl(JsonlOptions::default().with_key("k").with_value("v")),
            rest.to_vec(),
            true,
        ),
    };

    let mut records = Vec::new();
    let mut last_line = 0;
    let mut sink = |k: &[u8], v: &[u8], line: u64| {
        assert!(line > last_line, "line numbers must go forward");
        last_line = line;
        records.push((k.to_vec(), v.to_vec()));
        Ok::<(), TextError>(())
    };
    let parsed = if decode {
        match zidx_text::input::decode(&input[..], "fuzz") {
            // A small compressed input can stand for a lot of text: a
            // megabyte is enough to exercise the parsers.
            Ok((text, _)) => read_records(
                std::io::BufReader::new(text.take(1 << 20)),
                "fuzz",
                &format,
                max_line,
                &mut sink,
            ),
            Err(_) => return,
        }
    } else {
        read_records(&input[..], "fuzz", &format, max_line, &mut sink)
    };
    let Ok(summary) = parsed else {
        return;
    };
    assert_eq!(summary.records, records.len() as u64);

    if let Format::Tsv { escapes } = format {
        // What was read, written back (escaped, as zidx dump --escaped does, or as
        // it is), reads back the same. A byte-order mark in front is
        // dropped, exactly one.
        let mut text = b"\xef\xbb\xbf".to_vec();
        for (k, v) in &records {
            if escapes {
                escape_record_into(k, v, &mut text);
            } else {
                for field in [k, v] {
                    assert!(!field.contains(&b'\n'), "LF in a plain TSV field");
                    assert!(!field.contains(&b'\r'), "CR in a plain TSV field");
                }
                assert!(!k.contains(&b'\t'), "tab in a plain TSV key");
                text.extend_from_slice(k);
                text.push(b'\t');
                text.extend_from_slice(v);
                text.push(b'\n');
            }
        }
        let mut again = Vec::new();
        let summary = read_records(&text[..], "again", &format, usize::MAX, |k, v, _| {
            again.push((k.to_vec(), v.to_vec()));
            Ok::<(), TextError>(())
        })
        .expect("written records must parse");
        assert_eq!(again, records);
        assert_eq!(summary.blank_lines, 0);
    }
}
