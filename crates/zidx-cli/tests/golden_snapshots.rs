//! Snapshots of `zidx inspect`, `zidx dump` and `zidx stats` on the golden
//! files. The accepted inspect snapshots were checked by hand against
//! format-spec/SPEC.md §11 (offsets, lengths, checksums, hash parameters);
//! the stats snapshots against the source TSV files (see `stats_golden_files`).

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

/// The format 1.1 golden files: version 1.1, incompat bit 0, hash function
/// 2 and the seed of SPEC.md §11.1 (`0x93283f64a9498bd9` =
/// 10603795024213281753 for the spec example), checked by hand against the
/// spec's hex dump.
#[test]
fn inspect_golden_files_v1_1() {
    for name in ["spec-example", "empty", "unicode-data"] {
        let file = path(&format!("v1.1/{name}.zidx"));
        insta::assert_snapshot!(format!("inspect_v1.1_{name}"), zidx(&["inspect", &file]));
        insta::assert_snapshot!(
            format!("inspect_json_v1.1_{name}"),
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

/// `zidx stats` on the golden files. The accepted snapshots were checked
/// against the source TSV files with an independent Python computation
/// (byte lengths of the text before and after the first tab; nearest-rank
/// percentiles; ranges by `bit_length`): spec-example, keys 3 records,
/// total 17, 5..6, median/p90/p99 6; values total 17, 3..8, median 6, p90
/// and p99 8. unicode-data: 34,924 records; keys total 227,578, 6..8, mean
/// 6.52, percentiles 7, ranges 4-7: 34,922 and 8-15: 2; values total
/// 1,686,126, 21..203, mean 48.28, median 44, p90 68, p99 97, ranges
/// 1,214 / 29,054 / 4,637 / 19 from 16-31 to 128-255.
#[test]
fn stats_golden_files() {
    for name in ["spec-example", "unicode-data"] {
        let file = path(&format!("{name}.zidx"));
        insta::assert_snapshot!(format!("stats_{name}"), zidx(&["stats", &file]));
        insta::assert_snapshot!(
            format!("stats_json_{name}"),
            zidx(&["stats", "--json", &file])
        );
    }
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

/// The format 1.2 golden files. The accepted inspect snapshots were checked
/// by hand against SPEC.md §12: version 1.2; compat bit 0 exactly for the
/// ordered files, incompat bit 1 for the multi-value and bit 2 for the
/// checked ones; `key_fences` optional, at a multiple of 4096, with one
/// run per 16 records; records sections 4 bytes per record longer when
/// checked (spec example: 52 + 12 = 64 bytes).
#[test]
fn inspect_golden_files_v1_2() {
    for name in [
        "spec-example.ordered",
        "spec-example.checked",
        "spec-example.ordered-checked",
        "spec-example.ordered-v1.0",
        "fruit.multi",
        "fruit.multi-checked",
        "empty.ordered-checked",
    ] {
        let file = path(&format!("v1.2/{name}.zidx"));
        insta::assert_snapshot!(format!("inspect_v1.2_{name}"), zidx(&["inspect", &file]));
    }
}

/// `zidx scan` on the 1.2 golden files. The accepted snapshots were
/// checked against the sources: testdata/fruit.tsv sorted by key with
/// equal keys in input order (apple: red, green, yellow; banana: yellow,
/// green; cherry), and the Unicode Greek capitals U+0391..U+03A9 (24
/// assigned code points) from testdata/unicode-data.tsv.
#[test]
fn scan_golden_files_v1_2() {
    let fruit = path("v1.2/fruit.multi-checked.zidx");
    insta::assert_snapshot!("scan_v1.2_fruit_all", zidx(&["scan", &fruit]));
    insta::assert_snapshot!(
        "scan_v1.2_fruit_reverse_keys",
        zidx(&["scan", &fruit, "--reverse", "--keys-only"])
    );
    insta::assert_snapshot!(
        "scan_v1.2_fruit_prefix_b",
        zidx(&["scan", &fruit, "--prefix", "b"])
    );
    assert_eq!(
        zidx(&["scan", &fruit, "--from", "b", "--to", "c", "--count"]),
        "2\n"
    );
    let unicode = path("v1.2/unicode-data.ordered-checked.zidx");
    insta::assert_snapshot!(
        "scan_v1.2_unicode_greek_capitals",
        zidx(&["scan", &unicode, "--from", "U+0391", "--through", "U+03A9"])
    );
    insta::assert_snapshot!(
        "scan_v1.2_unicode_last_three",
        zidx(&["scan", &unicode, "--reverse", "--limit", "3"])
    );
    assert_eq!(zidx(&["scan", &unicode, "--count"]), "34924\n");
}
