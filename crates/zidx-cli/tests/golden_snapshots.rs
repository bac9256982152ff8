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
