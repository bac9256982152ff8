//! Structure-aware: a valid index built from fuzzer-chosen records with
//! fuzzer-chosen writer options (ordered, record checks, duplicate policy
//! including several values per key, a sort buffer small enough to spill,
//! format 1.0), then fuzzer-chosen byte mutations aimed at any part of the
//! file (header and section table, hash parameters, records, record headers
//! and checks, slots, key-fence blocks, top level and trailer), then every
//! read operation and fuzzer-chosen ordered queries. See `mutated::run` for
//! the input's layout and the properties checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../src/exercise.rs"]
mod exercise;
#[path = "../src/mutated.rs"]
mod mutated;

fuzz_target!(|data: &[u8]| {
    static TMPDIR: std::sync::Once = std::sync::Once::new();
    TMPDIR.call_once(|| {
        // Spilled sort runs go to temporary files: keep them in memory.
        if std::fs::metadata("/dev/shm").is_ok_and(|m| m.is_dir()) {
            std::env::set_var("TMPDIR", "/dev/shm");
        }
    });
    mutated::run(data);
});
