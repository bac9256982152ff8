//! zidx-text's TSV, CSV and JSON Lines parsers, and the decompression and
//! sniffing of `input::decode`, on arbitrary input. The first byte picks the
//! format and options (delimiter, header, key by number or name, nested key
//! and value paths), see `parse_exercise`. TSV records must survive a
//! write/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/parse_exercise.rs"]
mod parse_exercise;

fuzz_target!(|data: &[u8]| {
    parse_exercise::parse_exercise(data);
});
