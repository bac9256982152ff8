//! zidx-text's typed input (`typed::read_typed`, `zidx build --schema`) on
//! arbitrary CSV and JSON Lines: accepted values are legal and round-trip
//! through their JSON form; see `typed_exercise`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/typed_exercise.rs"]
mod typed_exercise;

fuzz_target!(|data: &[u8]| {
    typed_exercise::typed_exercise(data);
});
