//! The writer reproduces every golden file in testdata/ byte for byte.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;

use zidx_text::{read_tsv, DEFAULT_MAX_LINE};
use zidx_writer::{FormatVersion, OnDuplicate, Options, Writer};

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

fn build_from_tsv(tsv: &str, out: &std::path::Path, options: Options) {
    let input = BufReader::new(File::open(testdata(tsv)).unwrap());
    let mut w = Writer::create(out, options).unwrap();
    read_tsv(input, tsv, true, DEFAULT_MAX_LINE, |k, v, _| {
        w.insert(k, v).map_err(Box::<dyn std::error::Error>::from)
    })
    .unwrap();
    w.finish().unwrap();
}

/// The options of a golden file's build.
#[derive(Clone, Copy)]
enum Build {
    /// A version, no other option.
    Version(FormatVersion),
    /// Format 1.2 features, on top of a version's hash.
    Features {
        version: FormatVersion,
        ordered: bool,
        checked: bool,
        keep: bool,
    },
}

impl Build {
    fn options(self) -> Options {
        match self {
            Build::Version(v) => Options::default().with_format_version(v),
            Build::Features {
                version,
                ordered,
                checked,
                keep,
            } => {
                let o = Options::default()
                    .with_format_version(version)
                    .with_ordered(ordered)
                    .with_record_checksums(checked);
                if keep {
                    o.with_on_duplicate(OnDuplicate::Keep)
                } else {
                    o
                }
            }
        }
    }
}

const fn v1_2(ordered: bool, checked: bool, keep: bool) -> Build {
    Build::Features {
        version: FormatVersion::V1_2,
        ordered,
        checked,
        keep,
    }
}

/// Every golden file: its source, how it was built, its name. The 1.2
/// files cover every combination of the 1.2 bits the writer produces
/// (ordered keys also under the 1.0 hash, for 1.0 readers).
const GOLDEN: &[(&str, Build, &str)] = &[
    (
        "spec-example.tsv",
        Build::Version(FormatVersion::V1_0),
        "spec-example.zidx",
    ),
    (
        "empty.tsv",
        Build::Version(FormatVersion::V1_0),
        "empty.zidx",
    ),
    (
        "unicode-data.tsv",
        Build::Version(FormatVersion::V1_0),
        "unicode-data.zidx",
    ),
    (
        "spec-example.tsv",
        Build::Version(FormatVersion::V1_1),
        "v1.1/spec-example.zidx",
    ),
    (
        "empty.tsv",
        Build::Version(FormatVersion::V1_1),
        "v1.1/empty.zidx",
    ),
    (
        "unicode-data.tsv",
        Build::Version(FormatVersion::V1_1),
        "v1.1/unicode-data.zidx",
    ),
    // Without a 1.2 option, the default (1.2) writer writes 1.1 files.
    (
        "spec-example.tsv",
        Build::Version(FormatVersion::V1_2),
        "v1.1/spec-example.zidx",
    ),
    (
        "unicode-data.tsv",
        Build::Version(FormatVersion::V1_2),
        "v1.1/unicode-data.zidx",
    ),
    (
        "spec-example.tsv",
        v1_2(true, false, false),
        "v1.2/spec-example.ordered.zidx",
    ),
    (
        "spec-example.tsv",
        v1_2(false, true, false),
        "v1.2/spec-example.checked.zidx",
    ),
    (
        "spec-example.tsv",
        v1_2(true, true, false),
        "v1.2/spec-example.ordered-checked.zidx",
    ),
    (
        "fruit.tsv",
        v1_2(true, false, true),
        "v1.2/fruit.multi.zidx",
    ),
    (
        "fruit.tsv",
        v1_2(true, true, true),
        "v1.2/fruit.multi-checked.zidx",
    ),
    (
        "empty.tsv",
        v1_2(true, true, false),
        "v1.2/empty.ordered-checked.zidx",
    ),
    (
        "spec-example.tsv",
        Build::Features {
            version: FormatVersion::V1_0,
            ordered: true,
            checked: false,
            keep: false,
        },
        "v1.2/spec-example.ordered-v1.0.zidx",
    ),
    (
        "unicode-data.tsv",
        Build::Features {
            version: FormatVersion::V1_0,
            ordered: true,
            checked: false,
            keep: false,
        },
        "v1.2/unicode-data.ordered-v1.0.zidx",
    ),
    (
        "unicode-data.tsv",
        v1_2(true, true, false),
        "v1.2/unicode-data.ordered-checked.zidx",
    ),
];

/// `ZIDX_WRITE_GOLDEN=1 cargo test -p zidx-writer --test golden_rebuild`
/// writes golden files that do not exist yet; existing ones are never
/// rewritten (a golden file is a promise to every later reader).
#[test]
fn golden_files_rebuild_byte_identically() {
    let dir = tempfile::tempdir().unwrap();
    let write_missing = std::env::var_os("ZIDX_WRITE_GOLDEN").is_some();
    for &(tsv, build, golden) in GOLDEN {
        let out = dir.path().join("built.zidx");
        build_from_tsv(tsv, &out, build.options());
        let built = std::fs::read(&out).unwrap();
        let path = testdata(golden);
        if write_missing && !path.exists() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &built).unwrap();
        }
        let golden_bytes = std::fs::read(&path).unwrap();
        assert!(
            built == golden_bytes,
            "{golden} differs from a fresh build of {tsv}"
        );
    }
}

mod typed {
    #![allow(dead_code)]
    include!("../../../testdata/typed_golden.rs");
}

/// How a typed golden file is built: its schema's type, and the 1.2
/// options on top.
#[derive(Clone, Copy)]
enum TypedValue {
    Fruit,
    Wide,
}

/// The format 1.3 golden files: typed values (SPEC.md §13), alone and with
/// each 1.2 feature, with the largest alignment, and empty.
const TYPED_GOLDEN: &[(&str, TypedValue, Build, &str)] = &[
    (
        "spec-example.tsv",
        TypedValue::Fruit,
        Build::Version(FormatVersion::V1_3),
        "v1.3/spec-example.typed.zidx",
    ),
    (
        "spec-example.tsv",
        TypedValue::Fruit,
        v1_3(false, true, false),
        "v1.3/spec-example.typed-checked.zidx",
    ),
    (
        "spec-example.tsv",
        TypedValue::Fruit,
        v1_3(true, true, false),
        "v1.3/spec-example.typed-ordered-checked.zidx",
    ),
    (
        "fruit.tsv",
        TypedValue::Fruit,
        v1_3(true, false, true),
        "v1.3/fruit.typed-multi.zidx",
    ),
    (
        "spec-example.tsv",
        TypedValue::Wide,
        Build::Version(FormatVersion::V1_3),
        "v1.3/spec-example.typed-align64.zidx",
    ),
    (
        "empty.tsv",
        TypedValue::Fruit,
        Build::Version(FormatVersion::V1_3),
        "v1.3/empty.typed.zidx",
    ),
];

const fn v1_3(ordered: bool, checked: bool, keep: bool) -> Build {
    Build::Features {
        version: FormatVersion::V1_3,
        ordered,
        checked,
        keep,
    }
}

/// The typed golden files rebuild byte for byte from their TSV sources
/// and `testdata/typed_golden.rs`; `ZIDX_WRITE_GOLDEN=1` writes missing
/// ones, as for the others.
#[test]
fn typed_golden_files_rebuild_byte_identically() {
    use zidx::Schema;
    let dir = tempfile::tempdir().unwrap();
    let write_missing = std::env::var_os("ZIDX_WRITE_GOLDEN").is_some();
    for &(tsv, value, build, golden) in TYPED_GOLDEN {
        let out = dir.path().join("built.zidx");
        let schema = match value {
            TypedValue::Fruit => typed::Fruit::value_schema(),
            TypedValue::Wide => typed::Wide::value_schema(),
        }
        .unwrap();
        if let TypedValue::Fruit = value {
            assert_eq!(
                schema,
                zidx_format::ValueSchema::parse(typed::FRUIT_SCHEMA).unwrap()
            );
        }
        let mut w = Writer::create(&out, build.options().with_value_schema(schema)).unwrap();
        let input = BufReader::new(File::open(testdata(tsv)).unwrap());
        let mut i = 0;
        read_tsv(input, tsv, true, DEFAULT_MAX_LINE, |k, v, _| {
            let r = match value {
                TypedValue::Fruit => w.insert_typed(k, &typed::fruit(i, k, v)),
                TypedValue::Wide => w.insert_typed(k, &typed::wide(i, k, v)),
            };
            i += 1;
            r.map_err(Box::<dyn std::error::Error>::from)
        })
        .unwrap();
        w.finish().unwrap();
        let built = std::fs::read(&out).unwrap();
        let path = testdata(golden);
        if write_missing && !path.exists() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &built).unwrap();
        }
        let golden_bytes = std::fs::read(&path).unwrap();
        assert!(
            built == golden_bytes,
            "{golden} differs from a fresh build of {tsv}"
        );
    }
}
