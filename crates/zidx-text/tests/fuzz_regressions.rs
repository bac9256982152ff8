//! Replays every committed input of the `input_parsers` and `typed_input`
//! fuzz targets, and their seeds, through the targets' bodies.

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

#[path = "../../../fuzz/src/typed_exercise.rs"]
mod typed_exercise;

/// The `typed_input` target's seeds and regressions.
#[test]
fn typed_fuzz_regressions_replay() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut n = 0;
    for dir in ["regressions/typed_input", "seeds/typed_input"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries {
            typed_exercise::typed_exercise(&std::fs::read(entry.unwrap().path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 7);
}
