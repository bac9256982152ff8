//! Every golden file in testdata/ is read by this and every later version
//! (format-spec/SPEC.md §9), and the spec's worked example is the real file.

use std::path::PathBuf;

use zidx::Index;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// Golden files of every released format version, with their `(major,
/// minor)` version.
const GOLDEN: [(&str, (u16, u16)); 21] = [
    ("spec-example.zidx", (1, 0)),
    ("empty.zidx", (1, 0)),
    ("unicode-data.zidx", (1, 0)),
    ("v1.1/spec-example.zidx", (1, 1)),
    ("v1.1/empty.zidx", (1, 1)),
    ("v1.1/unicode-data.zidx", (1, 1)),
    ("v1.2/spec-example.ordered.zidx", (1, 2)),
    ("v1.2/spec-example.checked.zidx", (1, 2)),
    ("v1.2/spec-example.ordered-checked.zidx", (1, 2)),
    ("v1.2/spec-example.ordered-v1.0.zidx", (1, 2)),
    ("v1.2/fruit.multi.zidx", (1, 2)),
    ("v1.2/fruit.multi-checked.zidx", (1, 2)),
    ("v1.2/empty.ordered-checked.zidx", (1, 2)),
    ("v1.2/unicode-data.ordered-v1.0.zidx", (1, 2)),
    ("v1.2/unicode-data.ordered-checked.zidx", (1, 2)),
    ("v1.3/spec-example.typed.zidx", (1, 3)),
    ("v1.3/spec-example.typed-checked.zidx", (1, 3)),
    ("v1.3/spec-example.typed-ordered-checked.zidx", (1, 3)),
    ("v1.3/fruit.typed-multi.zidx", (1, 3)),
    ("v1.3/spec-example.typed-align64.zidx", (1, 3)),
    ("v1.3/empty.typed.zidx", (1, 3)),
];

mod typed {
    #![allow(dead_code)]
    include!("../../../testdata/typed_golden.rs");
}

/// Lines of a TSV source, with their index.
fn tsv_lines(name: &str) -> Vec<(usize, String, String)> {
    std::fs::read_to_string(testdata(name))
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let (k, v) = l.split_once('\t').unwrap();
            (i, k.to_string(), v.to_string())
        })
        .collect()
}

/// The 1.3 golden files give each value as a `&T` in place, in every open
/// mode, as `testdata/typed_golden.rs` derives it from the source line.
#[test]
fn format_1_3_golden_files_answer_as_their_sources() {
    use zidx::TypedIndex;
    for name in [
        "v1.3/spec-example.typed.zidx",
        "v1.3/spec-example.typed-checked.zidx",
        "v1.3/spec-example.typed-ordered-checked.zidx",
    ] {
        for index in [
            TypedIndex::<typed::Fruit>::open(testdata(name)).unwrap(),
            TypedIndex::<typed::Fruit>::read(testdata(name)).unwrap(),
            TypedIndex::<typed::Fruit>::load(testdata(name)).unwrap(),
        ] {
            for (i, k, v) in tsv_lines("spec-example.tsv") {
                let found = index.get(k.as_bytes()).unwrap().unwrap();
                assert_eq!(
                    *found,
                    typed::fruit(i, k.as_bytes(), v.as_bytes()),
                    "{name} {k}"
                );
                let at = found as *const typed::Fruit as usize;
                assert_eq!(at % 8, 0, "{name}: aligned in place");
            }
            assert!(index.get(b"kiwi").unwrap().is_none());
            assert_eq!(index.iter().count(), 3);
        }
    }
    // Several values per key, in insertion order.
    let multi = TypedIndex::<typed::Fruit>::open(testdata("v1.3/fruit.typed-multi.zidx")).unwrap();
    let lines = tsv_lines("fruit.tsv");
    let apples: Vec<typed::Fruit> = multi
        .get_all(b"apple")
        .unwrap()
        .map(|r| *r.unwrap())
        .collect();
    let expected: Vec<typed::Fruit> = lines
        .iter()
        .filter(|(_, k, _)| k == "apple")
        .map(|(i, k, v)| typed::fruit(*i, k.as_bytes(), v.as_bytes()))
        .collect();
    assert_eq!(apples, expected);
    assert_eq!(multi.len(), 6);
    // The largest alignment, in every mode.
    for index in [
        TypedIndex::<typed::Wide>::open(testdata("v1.3/spec-example.typed-align64.zidx")).unwrap(),
        TypedIndex::<typed::Wide>::read(testdata("v1.3/spec-example.typed-align64.zidx")).unwrap(),
        TypedIndex::<typed::Wide>::load(testdata("v1.3/spec-example.typed-align64.zidx")).unwrap(),
    ] {
        for (i, k, v) in tsv_lines("spec-example.tsv") {
            let found = index.get(k.as_bytes()).unwrap().unwrap();
            assert_eq!(*found, typed::wide(i, k.as_bytes(), v.as_bytes()));
            assert_eq!(found as *const typed::Wide as usize % 64, 0);
        }
    }
    let empty = TypedIndex::<typed::Fruit>::open(testdata("v1.3/empty.typed.zidx")).unwrap();
    assert!(empty.is_empty() && empty.get(b"a").unwrap().is_none());
    // The untyped reader reads the same files, values as their bytes.
    let plain = Index::open(testdata("v1.3/spec-example.typed.zidx")).unwrap();
    assert_eq!(plain.get(b"apple").unwrap().map(<[u8]>::len), Some(40));
    assert_eq!(
        plain.layout().value_schema().unwrap().to_string(),
        typed::FRUIT_SCHEMA
    );
}

/// The 1.2 golden files answer every query as their sources say.
#[test]
fn format_1_2_golden_files_answer_as_their_sources() {
    for name in [
        "v1.2/spec-example.ordered.zidx",
        "v1.2/spec-example.checked.zidx",
        "v1.2/spec-example.ordered-checked.zidx",
        "v1.2/spec-example.ordered-v1.0.zidx",
    ] {
        let index = Index::open(testdata(name)).unwrap();
        assert_eq!(
            index.get(b"banana").unwrap(),
            Some(&b"yellow"[..]),
            "{name}"
        );
        assert_eq!(index.get(b"kiwi").unwrap(), None, "{name}");
        if index.layout().ordered_keys() {
            let keys: Vec<&[u8]> = index.range("b"..).unwrap().map(|r| r.unwrap().0).collect();
            assert_eq!(keys, [&b"banana"[..], b"cherry"], "{name}");
            assert_eq!(index.rank(b"cherry").unwrap(), 2);
        }
    }
    for name in ["v1.2/fruit.multi.zidx", "v1.2/fruit.multi-checked.zidx"] {
        let index = Index::open(testdata(name)).unwrap();
        let apples: Vec<&[u8]> = index
            .get_all(b"apple")
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(apples, [&b"red"[..], b"green", b"yellow"], "{name}");
        assert_eq!(index.get(b"banana").unwrap(), Some(&b"yellow"[..]));
        assert_eq!(index.len(), 6);
        assert_eq!(index.prefix(b"b").unwrap().len(), 2);
    }
    let tsv = std::fs::read_to_string(testdata("unicode-data.tsv")).unwrap();
    let mut lines: Vec<(&str, &str)> = tsv.lines().map(|l| l.split_once('\t').unwrap()).collect();
    lines.sort();
    for name in [
        "v1.2/unicode-data.ordered-v1.0.zidx",
        "v1.2/unicode-data.ordered-checked.zidx",
    ] {
        let index = Index::open(testdata(name)).unwrap();
        let mut n = 0;
        for (record, (k, v)) in index.range::<[u8], _>(..).unwrap().zip(&lines) {
            let (key, value) = record.unwrap();
            assert_eq!((key, value), (k.as_bytes(), v.as_bytes()));
            n += 1;
        }
        assert_eq!(n, lines.len());
        let greek: Vec<&[u8]> = index
            .range("U+0391"..="U+03A9")
            .unwrap()
            .map(|r| r.unwrap().1)
            .collect();
        assert_eq!(greek.len(), 0x3A9 - 0x391);
        // SPEC.md §12.6's seek example.
        assert_eq!(index.rank(b"U+0013").unwrap(), 19);
        assert!(greek[0].starts_with(b"GREEK CAPITAL LETTER ALPHA"));
    }
}

/// The same file in every version's form.
fn versions(name: &str) -> [String; 2] {
    [name.to_string(), format!("v1.1/{name}")]
}

#[test]
fn golden_files_open_and_verify_in_every_mode() {
    for (name, version) in GOLDEN {
        for index in [
            Index::open(testdata(name)).unwrap(),
            Index::read(testdata(name)).unwrap(),
            Index::load(testdata(name)).unwrap(),
        ] {
            index.verify().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(index.layout().version(), version, "{name}");
        }
    }
}

/// Hot mode answers as the mapping does, and reports its huge pages
/// (Linux: from /proc/self/smaps).
#[test]
fn load_answers_like_open() {
    for name in versions("unicode-data.zidx") {
        let loaded = Index::load(testdata(&name)).unwrap();
        let mapped = Index::open(testdata(&name)).unwrap();
        for record in mapped.iter() {
            let (k, v) = record.unwrap();
            assert_eq!(loaded.get(k).unwrap(), Some(v));
        }
        if cfg!(target_os = "linux") {
            let huge = loaded.storage().huge_page_bytes();
            assert!(huge.is_some_and(|b| b <= 4 << 20), "{huge:?}");
        }
    }
}

#[test]
fn spec_example_answers() {
    for name in versions("spec-example.zidx") {
        let index = Index::open(testdata(&name)).unwrap();
        assert!(index.storage().is_mapped());
        assert_eq!(index.len(), 3);
        assert_eq!(index.get(b"apple").unwrap(), Some(&b"red"[..]));
        assert_eq!(index.get(b"banana").unwrap(), Some(&b"yellow"[..]));
        assert_eq!(index.get(b"cherry").unwrap(), Some(&b"dark red"[..]));
        assert_eq!(index.get(b"a").unwrap(), None);
        assert_eq!(index.get(b"").unwrap(), None);
    }
}

#[test]
fn empty_index_has_nothing() {
    for name in versions("empty.zidx") {
        let index = Index::open(testdata(&name)).unwrap();
        assert_eq!(index.len(), 0);
        assert!(index.is_empty());
        assert_eq!(index.get(b"anything").unwrap(), None);
        assert_eq!(index.iter().count(), 0);
    }
}

#[test]
fn unicode_index_holds_every_line_of_its_source() {
    let tsv = std::fs::read_to_string(testdata("unicode-data.tsv")).unwrap();
    for name in versions("unicode-data.zidx") {
        let index = Index::load(testdata(&name)).unwrap();
        assert!(index
            .storage()
            .huge_page_bytes()
            .is_some_and(|b| b <= 4 << 20));
        let mut n = 0;
        for line in tsv.lines() {
            let (k, v) = line.split_once('\t').unwrap();
            assert_eq!(index.get(k.as_bytes()).unwrap(), Some(v.as_bytes()), "{k}");
            n += 1;
        }
        assert_eq!(index.len(), n);
        assert_eq!(index.get(b"U+110000").unwrap(), None);
    }
}

/// The hex dumps in SPEC.md §11 are exactly `xxd` of the golden files.
#[test]
fn spec_hex_dumps_are_the_golden_files() {
    let spec = std::fs::read_to_string(testdata("../format-spec/SPEC.md")).unwrap();
    for (marker, file) in [
        ("Its full hex dump", "spec-example.zidx"),
        (
            "`testdata/v1.1/spec-example.zidx`, as printed",
            "v1.1/spec-example.zidx",
        ),
    ] {
        let start = spec.find(marker).expect("section 11 of the spec");
        let block = spec[start..]
            .split("```")
            .nth(1)
            .expect("code block")
            .trim();
        let bytes = std::fs::read(testdata(file)).unwrap();
        assert_eq!(block, xxd(&bytes).trim(), "{file}");
    }
}

/// Every hex line in SPEC.md §12.6 and §13.5 is the `xxd` line of its
/// golden file at that offset: the blocks follow the paragraph naming
/// their file.
#[test]
fn spec_1_2_and_1_3_hex_lines_are_the_golden_files() {
    let spec = std::fs::read_to_string(testdata("../format-spec/SPEC.md")).unwrap();
    let start = spec.find("### 12.6 Worked examples").expect("section 12.6");
    let mut file: Option<Vec<u8>> = None;
    let mut lines = 0;
    for (i, part) in spec[start..].split("```").enumerate() {
        if i % 2 == 0 {
            // Prose: the last golden file it names is the one that follows.
            if let Some(at) = part.rfind("`testdata/v1.") {
                let name = part[at + 1..].split('`').next().unwrap();
                file = Some(std::fs::read(testdata(&name["testdata/".len()..])).unwrap());
            }
            continue;
        }
        let bytes = file.as_ref().expect("a file named before the block");
        for line in part.trim().lines() {
            let offset = usize::from_str_radix(&line[..8], 16).unwrap();
            let end = (offset + 16).min(bytes.len());
            let expected = xxd(&bytes[offset..end]);
            let expected = expected.trim_end().replacen("00000000", &line[..8], 1);
            assert_eq!(line, expected, "SPEC.md §12.6 line at {offset:#x}");
            lines += 1;
        }
    }
    assert!(lines >= 45, "{lines} lines checked");
}

fn xxd(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (i, chunk) in bytes.chunks(16).enumerate() {
        let mut hex = String::new();
        for (j, b) in chunk.iter().enumerate() {
            hex.push_str(&format!("{b:02x}"));
            if j % 2 == 1 {
                hex.push(' ');
            }
        }
        let text: String = chunk
            .iter()
            .map(|&b| {
                if (0x20..0x7f).contains(&b) {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!("{:08x}: {hex:<40} {text}\n", i * 16));
    }
    out
}
