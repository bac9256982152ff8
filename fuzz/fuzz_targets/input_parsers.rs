//! zidx-text's TSV, CSV and JSON Lines parsers on arbitrary input. The first
//! byte picks the format and options. TSV records must survive an
//! escape/parse round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/parse_exercise.rs"]
mod parse_exercise;

fuzz_target!(|data: &[u8]| {
    parse_exercise::parse_exercise(data);
});
