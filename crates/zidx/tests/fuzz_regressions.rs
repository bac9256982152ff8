//! Replays every committed fuzz regression input, and the golden files, through
//! the fuzz targets' bodies. Unlike the fuzzing builds, these builds enforce
//! checksums, so here a record whose check does not match must never be
//! returned as data (see fuzz/src/exercise.rs and fuzz/src/mutated.rs).

use std::path::{Path, PathBuf};

#[path = "../../../fuzz/src/exercise.rs"]
mod exercise;
#[path = "../../../fuzz/src/mutated.rs"]
mod mutated;
#[path = "../../../fuzz/src/schema_exercise.rs"]
mod schema_exercise;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn fuzz_regressions_replay() {
    let root = root();
    let mut n = 0;
    for dir in [
        "fuzz/regressions/open_bytes",
        "testdata",
        "testdata/v1.1",
        "testdata/v1.2",
        "testdata/v1.3",
    ] {
        for path in files(&root.join(dir)) {
            if dir.starts_with("testdata") && path.extension().is_none_or(|e| e != "zidx") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let verified = exercise::exercise(&bytes);
            if dir.starts_with("testdata") {
                assert!(verified.is_some(), "{} does not verify", path.display());
            }
            n += 1;
        }
    }
    assert!(n >= 3);
}

/// The schema target's committed inputs (fuzz/regressions/value_schema/),
/// the golden files' schema sections, and schema texts.
#[test]
fn value_schema_regressions_replay() {
    let dir = root().join("fuzz/regressions/value_schema");
    if dir.exists() {
        for path in files(&dir) {
            schema_exercise::exercise(&std::fs::read(&path).unwrap());
        }
    }
    for path in files(&root().join("testdata/v1.3")) {
        let index = zidx::Index::open(&path).unwrap();
        if let Some(s) = index.layout().section(zidx::SectionId(5)) {
            let range =
                usize::try_from(s.offset).unwrap()..usize::try_from(s.offset + s.length).unwrap();
            schema_exercise::exercise(&index.as_bytes()[range]);
        }
    }
    for text in [
        "a:u8",
        "a:u64,b:str[3][2],c:bool",
        "x:bytes[7],y:f32[3]",
        "",
        "a:u8,a:u8",
    ] {
        schema_exercise::exercise(text.as_bytes());
    }
}

/// The structure-aware target's committed inputs (fuzz/regressions/mutated_index/).
#[test]
fn mutated_index_regressions_replay() {
    for path in files(&root().join("fuzz/regressions/mutated_index")) {
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        mutated::run(&std::fs::read(&path).unwrap());
    }
}

/// The structure-aware target's body on pseudo-random inputs, with
/// checksums enforced: what a fuzzing build cannot check (a damaged record
/// of a file with record checks is an error, never a value).
#[test]
fn mutated_index_random_inputs() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..300 {
        let len = 16 + usize::try_from(next() % 600).unwrap();
        let mut input: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        // Every other case: checked records, a short common prefix and no
        // bulk records, so that most of the work is on checked files.
        if case % 2 == 0 {
            input[0] = (input[0] | 0x02) & !0xA0;
            input[2] %= 8;
        }
        mutated::run(&input);
    }
}

/// Replays a directory of structure-aware inputs (a fuzzing corpus) with
/// checksums enforced: `ZIDX_FUZZ_CORPUS=fuzz/corpus/mutated_index cargo
/// test -p zidx --test fuzz_regressions -- --ignored corpus`.
#[test]
#[ignore = "needs ZIDX_FUZZ_CORPUS"]
fn mutated_index_corpus_replay() {
    let dir = std::env::var_os("ZIDX_FUZZ_CORPUS").expect("ZIDX_FUZZ_CORPUS");
    let mut n = 0;
    for path in files(Path::new(&dir)) {
        mutated::run(&std::fs::read(&path).unwrap());
        n += 1;
    }
    eprintln!("replayed {n} inputs");
}
