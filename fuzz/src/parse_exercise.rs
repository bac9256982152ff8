//! The input-parser fuzz target's body, shared with `cargo test`, which
//! replays the committed regression inputs
//! (crates/zidx-text/tests/fuzz_regressions.rs includes it).

use zidx_text::escape::escape_record_into;
use zidx_text::{read_records, read_tsv, Format, TextError};

/// Parses `data` (first byte: format and options) and checks that TSV
/// records survive an escape/parse round trip.
pub fn parse_exercise(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let format = match selector % 5 {
        0 => Format::Tsv { escapes: true },
        1 => Format::Tsv { escapes: false },
        2 => Format::Csv { key: None },
        3 => Format::Csv {
            key: Some("k".to_string()),
        },
        _ => Format::Jsonl {
            key: "k".to_string(),
        },
    };
    let max_line = 1 + usize::from(selector / 5) * 64;
    let mut records = Vec::new();
    let mut last_line = 0;
    let _ = read_records(input, "fuzz", &format, max_line, |k, v, line| {
        assert!(line >= last_line, "line numbers went backwards");
        last_line = line;
        records.push((k.to_vec(), v.to_vec()));
        Ok::<(), TextError>(())
    });
    if format == (Format::Tsv { escapes: true }) {
        // What zidx dump writes, zidx build reads back unchanged.
        let mut text = Vec::new();
        for (k, v) in &records {
            escape_record_into(k, v, &mut text);
        }
        let mut again = Vec::new();
        read_tsv(&text[..], "again", true, usize::MAX, |k, v, _| {
            again.push((k.to_vec(), v.to_vec()));
            Ok::<(), TextError>(())
        })
        .expect("escaped records must parse");
        assert_eq!(again, records);
    }
}
