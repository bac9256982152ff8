//! Snapshots of `zidx inspect` and `zidx dump` on the golden files. The
//! accepted snapshots were checked by hand against format-spec/SPEC.md §11
//! (offsets, lengths, checksums, hash parameters).

use std::path::PathBuf;
use std::process::Command;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

fn zidx(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_zidx"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "zidx {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn path(name: &str) -> String {
    testdata(name).to_string_lossy().into_owned()
}

#[test]
fn inspect_golden_files() {
    for name in ["spec-example", "empty", "unicode-data"] {
        let file = path(&format!("{name}.zidx"));
        insta::assert_snapshot!(format!("inspect_{name}"), zidx(&["inspect", &file]));
        insta::assert_snapshot!(
            format!("inspect_json_{name}"),
            zidx(&["inspect", "--json", &file])
        );
    }
}

#[test]
fn dump_golden_files() {
    insta::assert_snapshot!(
        "dump_spec_example",
        zidx(&["dump", &path("spec-example.zidx")])
    );
    assert_eq!(zidx(&["dump", &path("empty.zidx")]), "");
    // The Unicode dump is its 2 MB source file, line for line.
    let source = std::fs::read_to_string(testdata("unicode-data.tsv")).unwrap();
    assert!(zidx(&["dump", &path("unicode-data.zidx")]) == source);
}

#[test]
fn bench_measures_a_golden_file() {
    let out = zidx(&[
        "bench",
        &path("unicode-data.zidx"),
        "--samples",
        "500",
        "--passes",
        "1",
        "--cold",
        "20",
    ]);
    assert!(out.contains("keys       500 present, 500 absent"), "{out}");
    for needle in ["warm", "  hit   get", "  miss  get", "get_many"] {
        assert!(out.contains(needle), "missing {needle:?} in {out}");
    }
    if cfg!(target_os = "linux") {
        assert!(out.contains("pages per lookup"), "{out}");
    }
    // Keys from a file: one present, one absent.
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.txt");
    std::fs::write(&keys, "U+0041\nnot-a-key\n").unwrap();
    let out = zidx(&[
        "bench",
        &path("unicode-data.zidx"),
        "--keys",
        keys.to_str().unwrap(),
        "--passes",
        "1",
        "--cold",
        "0",
    ]);
    assert!(out.contains("keys       1 present, 1 absent\n"), "{out}");
}
