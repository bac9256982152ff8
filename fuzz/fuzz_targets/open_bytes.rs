//! Arbitrary bytes into every read operation: open (in place and through a
//! storage that copies each read), get, get_many, get_all, iteration, the
//! ordered queries (range forwards and backwards, consumed from both ends,
//! prefix, first, last, rank), hash statistics and verify; a file that
//! verifies must answer as a model of its own records. Checksums are not
//! enforced under `cfg(fuzzing)`, so mutated files reach the structural
//! checks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zidx_fuzz_exercise::exercise(data);
});

#[path = "../src/exercise.rs"]
mod zidx_fuzz_exercise;
