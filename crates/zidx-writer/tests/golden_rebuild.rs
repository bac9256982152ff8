//! The writer reproduces every golden file in testdata/ byte for byte.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use zidx_text::{read_tsv, DEFAULT_MAX_LINE};
use zidx_writer::{Options, Writer};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

fn build_from_tsv(tsv: &str, out: &std::path::Path) {
    let input = BufReader::new(File::open(testdata(tsv)).unwrap());
    let mut w = Writer::create(out, Options::default()).unwrap();
    read_tsv(input, tsv, true, DEFAULT_MAX_LINE, |k, v, _| {
        w.insert(k, v).map_err(Box::<dyn std::error::Error>::from)
    })
    .unwrap();
    w.finish().unwrap();
}

#[test]
fn golden_files_rebuild_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    for stem in ["spec-example", "empty", "unicode-data"] {
        let out = dir.path().join(format!("{stem}.zidx"));
        build_from_tsv(&format!("{stem}.tsv"), &out);
        let built = std::fs::read(&out).unwrap();
        let golden = std::fs::read(testdata(&format!("{stem}.zidx"))).unwrap();
        assert!(
            built == golden,
            "{stem}.zidx differs from a fresh build of {stem}.tsv"
        );
    }
}
