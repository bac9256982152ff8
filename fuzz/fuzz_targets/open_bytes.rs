//! Arbitrary bytes into every read operation: open, get, get_many, iterate,
//! hash statistics and verify. Checksums are not enforced under
//! `cfg(fuzzing)`, so mutated files reach the structural checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zidx_fuzz_exercise::exercise(data);
});

#[path = "../src/exercise.rs"]
mod zidx_fuzz_exercise;
