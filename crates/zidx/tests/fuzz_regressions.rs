//! Replays every committed fuzz regression input, and the golden files, through
//! the fuzz target's body.

use std::path::PathBuf;

#[path = "../../../fuzz/src/exercise.rs"]
mod exercise;

#[test]
fn fuzz_regressions_replay() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut n = 0;
    for dir in ["fuzz/regressions/open_bytes", "testdata"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if dir == "testdata" && path.extension().is_none_or(|e| e != "zidx") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let verified = exercise::exercise(&bytes);
            if dir == "testdata" {
                assert!(verified.is_some(), "{} does not verify", path.display());
            }
            n += 1;
        }
    }
    assert!(n >= 3);
}
