//! Structure-aware: a valid index built from fuzzer-chosen records, then
//! fuzzer-chosen byte mutations, then every operation. Results are checked
//! against the records when no byte changed, and for consistency whenever
//! the damaged file still verifies.
#![no_main]

use std::collections::HashSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[path = "../src/exercise.rs"]
mod exercise;

#[derive(Debug, Arbitrary)]
struct Case {
    records: Vec<(Vec<u8>, Vec<u8>)>,
    mutations: Vec<(u16, u8)>,
    truncate: Option<u16>,
}

fuzz_target!(|case: Case| {
    let mut seen = HashSet::new();
    let records: Vec<_> = case.records.into_iter().filter(|(k, _)| k.len() <= 1024 && seen.insert(k.clone())).take(200).collect();
    let dir = match std::fs::metadata("/dev/shm") {
        Ok(m) if m.is_dir() => tempfile::tempdir_in("/dev/shm"),
        _ => tempfile::tempdir(),
    }
    .expect("temp dir");
    let path = dir.path().join("f.zidx");
    let mut w = zidx_writer::Writer::create(&path, Default::default()).expect("create");
    for (k, v) in &records {
        w.insert(k, v).expect("insert");
    }
    w.finish().expect("finish");
    let original = std::fs::read(&path).expect("read back");

    let mut bytes = original.clone();
    for (pos, xor) in case.mutations.iter().take(16) {
        if !bytes.is_empty() {
            let at = usize::from(*pos) % bytes.len();
            bytes[at] ^= xor;
        }
    }
    if let Some(t) = case.truncate {
        bytes.truncate(usize::from(t));
    }
    let result = exercise::exercise(&bytes);
    if bytes == original {
        assert_eq!(result.expect("an intact index must verify"), records, "records differ from those inserted");
    }
});
