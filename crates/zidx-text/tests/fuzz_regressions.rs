//! Replays every committed input of the `input_parsers` fuzz target, and its
//! seeds, through the target's body.

use std::path::PathBuf;

#[path = "../../../fuzz/src/parse_exercise.rs"]
mod parse_exercise;

#[test]
fn fuzz_regressions_replay() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for dir in ["regressions/input_parsers", "seeds/input_parsers"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            parse_exercise::parse_exercise(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 4);
}
