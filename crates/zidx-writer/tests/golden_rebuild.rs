//! The writer reproduces every golden file in testdata/ byte for byte.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use zidx_text::{read_tsv, DEFAULT_MAX_LINE};
use zidx_writer::{FormatVersion, Options, Writer};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

fn build_from_tsv(tsv: &str, out: &std::path::Path, version: FormatVersion) {
    let input = BufReader::new(File::open(testdata(tsv)).unwrap());
    let options = Options::default().with_format_version(version);
    let mut w = Writer::create(out, options).unwrap();
    read_tsv(input, tsv, true, DEFAULT_MAX_LINE, |k, v, _| {
        w.insert(k, v).map_err(Box::<dyn std::error::Error>::from)
    })
    .unwrap();
    w.finish().unwrap();
}

/// Every golden file: its source, the version it was written as, its name.
const GOLDEN: &[(&str, FormatVersion, &str)] = &[
    ("spec-example.tsv", FormatVersion::V1_0, "spec-example.zidx"),
    ("empty.tsv", FormatVersion::V1_0, "empty.zidx"),
    ("unicode-data.tsv", FormatVersion::V1_0, "unicode-data.zidx"),
    (
        "spec-example.tsv",
        FormatVersion::V1_1,
        "v1.1/spec-example.zidx",
    ),
    ("empty.tsv", FormatVersion::V1_1, "v1.1/empty.zidx"),
    (
        "unicode-data.tsv",
        FormatVersion::V1_1,
        "v1.1/unicode-data.zidx",
    ),
];

/// `ZIDX_WRITE_GOLDEN=1 cargo test -p zidx-writer --test golden_rebuild`
/// writes golden files that do not exist yet; existing ones are never
/// rewritten (a golden file is a promise to every later reader).
#[test]
fn golden_files_rebuild_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    let write_missing = std::env::var_os("ZIDX_WRITE_GOLDEN").is_some();
    for &(tsv, version, golden) in GOLDEN {
        let out = dir.path().join("built.zidx");
        build_from_tsv(tsv, &out, version);
        let built = std::fs::read(&out).unwrap();
        let path = testdata(golden);
        if write_missing && !path.exists() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &built).unwrap();
        }
        let golden_bytes = std::fs::read(&path).unwrap();
        assert!(
            built == golden_bytes,
            "{golden} differs from a fresh {} build of {tsv}",
            version.name()
        );
    }
}
