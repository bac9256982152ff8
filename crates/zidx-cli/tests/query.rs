//! `zidx get`, `inspect`, `verify` and `dump`, with and without `--no-mmap`.
//! (The newer reader commands and hostile output: `output_hostile.rs`.)

mod common;

use std::path::{Path, PathBuf};

use common::*;

const FRUIT: &str = "apple\tred\nbanana\tyellow\ncherry\tdark red\n";

/// A directory holding `fruit.zidx` built from [`FRUIT`].
fn fruit() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "fruit.zidx", FRUIT);
    (dir, index)
}

/// Copies `index` to `dir/name` with `edit` applied to its bytes.
fn damaged(index: &Path, name: &str, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(index).expect("read index");
    edit(&mut bytes);
    let path = index.with_file_name(name);
    std::fs::write(&path, bytes).expect("write damaged index");
    path
}

/// `(offset, length)` of section `name`, from `inspect --json`.
fn section(index: &Path, name: &str) -> (u64, u64) {
    let json = inspect_json(index);
    let s = json["sections"]
        .as_array()
        .expect("sections array")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no section {name} in {json}"));
    (
        s["offset"].as_u64().expect("offset"),
        s["length"].as_u64().expect("length"),
    )
}

// ---- get KEY... -------------------------------------------------------------

#[test]
fn get_one_key_prints_its_value_raw_with_newline() {
    let (_dir, index) = fruit();
    zidx(args([&"get", &index, &"cherry"]))
        .ok()
        .stdout_is("dark red\n");
}

#[test]
fn get_several_keys_prints_key_tab_value_in_argument_order() {
    let (_dir, index) = fruit();
    zidx(args([
        &"get", &index, &"cherry", &"apple", &"banana", &"apple",
    ]))
    .ok()
    .stdout_is("cherry\tdark red\napple\tred\nbanana\tyellow\napple\tred\n");
}

#[test]
fn get_does_not_escape_values() {
    let dir = tempdir();
    let index = build_tsv_escaped(dir.path(), "x.zidx", "k\ta\\tb\\nc\\\\d\\x01\n");
    zidx(args([&"get", &index, &"k"]))
        .ok()
        .stdout_is(b"a\tb\nc\\d\x01\n");
    // --escaped: one line whatever the value holds.
    zidx(args([&"get", &index, &"k", &"--escaped"]))
        .ok()
        .stdout_is(b"a\\tb\\nc\\\\d\\x01\n");
}

#[test]
fn get_missing_key_exits_1_and_still_prints_found_keys() {
    let (_dir, index) = fruit();
    let out = zidx(args([&"get", &index, &"apple", &"durian", &"cherry"]));
    out.code(1)
        .stdout_is("apple\tred\ncherry\tdark red\n")
        .stderr_has("zidx: key not found: \"durian\"");
    assert!(!out.stderr.contains("apple") && !out.stderr.contains("cherry"));
    assert_eq!(out.stderr.lines().count(), 1, "{:?}", out.stderr);
}

#[test]
fn get_every_key_missing() {
    let (_dir, index) = fruit();
    let out = zidx(args([&"get", &index, &"x", &"y"]));
    out.code(1)
        .stdout_is("")
        .stderr_has("key not found: \"x\"")
        .stderr_has("key not found: \"y\"");
}

#[test]
fn get_is_exact_and_case_sensitive() {
    let (_dir, index) = fruit();
    for key in ["Apple", "appl", "apple ", "", "apple\n"] {
        zidx(args([&"get", &index, &key])).code(1).stdout_is("");
    }
}

#[test]
fn get_single_dash_with_other_keys_is_a_literal_key() {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "x.zidx", "-\tdash\na\t1\n");
    zidx(args([&"get", &index, &"a", &"-"]))
        .ok()
        .stdout_is("a\t1\n-\tdash\n");
}

#[test]
fn get_without_keys_is_a_usage_error() {
    let (_dir, index) = fruit();
    zidx(args([&"get", &index]))
        .code(2)
        .stdout_is("")
        .stderr_has("Usage:");
}

#[test]
fn get_on_missing_index_exits_2() {
    let dir = tempdir();
    let missing = dir.path().join("nope.zidx");
    zidx(args([&"get", &missing, &"k"]))
        .code(2)
        .stdout_is("")
        .stderr_has(&missing.display().to_string());
}

// ---- get - ----------------------------------------------------------------

#[test]
fn get_stdin_escaped_prints_escaped_hits_and_counts_misses() {
    let dir = tempdir();
    let index = build_tsv_escaped(
        dir.path(),
        "x.zidx",
        "apple\tred\ntab\\tkey\tline\\nvalue\n\\x00\\xff\tbinary\n\tempty key\n",
    );
    let queries = "apple\nnope\ntab\\tkey\n\\x00\\xFF\n\nmissing too\n";
    zidx_stdin(args([&"get", &index, &"-", &"--escaped"]), queries)
        .code(1)
        .stdout_is(
            b"apple\tred\ntab\\tkey\tline\\nvalue\n\\x00\xff\tbinary\n\tempty key\n".as_slice(),
        )
        .stderr_has("zidx: 2 of 6 keys not found");
}

#[test]
fn get_stdin_all_found_exits_0_silently() {
    let (_dir, index) = fruit();
    zidx_stdin(args([&"get", &index, &"-"]), "cherry\napple\n")
        .ok()
        .stdout_is("cherry\tdark red\napple\tred\n");
}

#[test]
fn get_stdin_all_missing() {
    let (_dir, index) = fruit();
    zidx_stdin(args([&"get", &index, &"-"]), "x\ny\nz\n")
        .code(1)
        .stdout_is("")
        .stderr_has("3 of 3 keys not found");
}

#[test]
fn get_stdin_empty_input_exits_0() {
    let (_dir, index) = fruit();
    zidx_stdin(args([&"get", &index, &"-"]), "")
        .ok()
        .stdout_is("");
}

#[test]
fn get_stdin_crlf_and_last_line_without_newline() {
    let (_dir, index) = fruit();
    zidx_stdin(args([&"get", &index, &"-"]), "apple\r\nbanana")
        .ok()
        .stdout_is("apple\tred\nbanana\tyellow\n");
}

#[test]
fn get_stdin_takes_keys_literally_unless_escaped() {
    let dir = tempdir();
    let index = build_tsv_escaped(dir.path(), "x.zidx", "a\\\\tb\t1\na\\tb\t2\n");
    // Key bytes `a\tb` (backslash, t) and `a<TAB>b`.
    zidx_stdin(args([&"get", &index, &"-"]), "a\\tb\n")
        .ok()
        .stdout_is("a\\tb\t1\n");
    zidx_stdin(args([&"get", &index, &"-", &"--escaped"]), "a\\tb\n")
        .ok()
        .stdout_is("a\\tb\t2\n");
    // Raw output cannot carry the key `a<TAB>b`: refused, naming the line.
    zidx_stdin(args([&"get", &index, &"-"]), "x\na\tb\n")
        .code(2)
        .stderr_has("<stdin>:2: key \"a\\tb\": its key holds a tab")
        .stderr_has("use --escaped");
    // A bad escape is just a key without --escaped.
    zidx_stdin(args([&"get", &index, &"-"]), "\\q\n")
        .code(1)
        .stderr_has("1 of 1 keys not found");
}

#[test]
fn get_stdin_bad_escape_exits_2_with_line_number() {
    let (_dir, index) = fruit();
    for (input, line, problem) in [
        ("apple\nbanana\n\\q\n", 3, "invalid escape \\q"),
        (
            "\\x4\n",
            1,
            "invalid escape: \\x needs exactly two hex digits",
        ),
        ("apple\r\nab\\\r\n", 2, "backslash at end of field"),
    ] {
        zidx_stdin(args([&"get", &index, &"-", &"--escaped"]), input)
            .code(2)
            .stderr_has(&format!("zidx: error: <stdin>:{line}: in key: {problem}"));
    }
}

// ---- inspect --------------------------------------------------------------

#[test]
fn inspect_text_report() {
    let (_dir, index) = fruit();
    let out = zidx(args([&"inspect", &index]));
    out.ok();
    let text = out.text();
    let line = |prefix: &str| -> Vec<&str> {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{text}"))
            .split_whitespace()
            .collect()
    };
    // Builds write format 1.1 (SPEC.md §9).
    assert_eq!(line("format version"), ["format", "version", "1.1"]);
    assert_eq!(line("records"), ["records", "3"]);
    let file_len = std::fs::metadata(&index).unwrap().len().to_string();
    assert_eq!(line("file length"), ["file", "length", &file_len, "bytes"]);
    for name in ["hash_params", "records", "hash_slots"] {
        let row = line(&format!("{} ", section_id(name)));
        assert_eq!(row[1], name, "section row {row:?}");
        assert_eq!(row[2], "required");
    }
    let lf = line("load factor");
    let lf: f64 = lf[2].parse().expect("load factor is a number");
    assert!(lf > 0.0 && lf <= 1.0, "load factor {lf}");
}

fn section_id(name: &str) -> u32 {
    match name {
        "records" => 1,
        "hash_params" => 2,
        "hash_slots" => 3,
        _ => unreachable!(),
    }
}

#[test]
fn inspect_json_report() {
    let (_dir, index) = fruit();
    let json = inspect_json(&index);
    assert_eq!(json["version"], "1.1");
    assert_eq!(json["records"], 3);
    assert_eq!(
        json["file_len"].as_u64(),
        Some(std::fs::metadata(&index).unwrap().len())
    );
    let sections = json["sections"].as_array().expect("sections");
    let mut names: Vec<&str> = sections
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["hash_params", "hash_slots", "records"]);
    for s in sections {
        assert_eq!(s["required"], true);
        assert_eq!(
            s["id"].as_u64(),
            Some(u64::from(section_id(s["name"].as_str().unwrap())))
        );
    }
    let records = sections.iter().find(|s| s["name"] == "records").unwrap();
    assert_eq!(records["item_count"], 3);
    let lf = json["hash_index"]["load_factor"]
        .as_f64()
        .expect("hash_index.load_factor is a number");
    assert!(lf > 0.0 && lf <= 1.0, "load factor {lf}");
    let home = json["hash_index"]["home_slots"].as_f64().unwrap();
    assert!(
        (lf - 3.0 / home).abs() < 1e-9,
        "load factor is records / home slots"
    );
}

#[test]
fn inspect_text_and_json_agree_with_no_mmap() {
    let (_dir, index) = fruit();
    let mapped = zidx(args([&"inspect", &index]));
    mapped.ok();
    zidx(args([&"--no-mmap", &"inspect", &index]))
        .ok()
        .stdout_is(&mapped.stdout);
    let json = zidx(args([&"inspect", &"--json", &index]));
    json.ok();
    zidx(args([&"inspect", &index, &"--json", &"--no-mmap"]))
        .ok()
        .stdout_is(&json.stdout);
}

#[test]
fn inspect_matches_the_spec_example() {
    // format-spec/SPEC.md §11.1: the three fruit records give a 448-byte
    // format 1.1 file with these checksums (read off its hex dump).
    let (_dir, index) = fruit();
    let json = inspect_json(&index);
    assert_eq!(json["version"], "1.1");
    assert_eq!(json["file_len"], 448);
    assert_eq!(json["header_checksum"], "0x604a8767792e536a");
    assert_eq!(json["section_table_checksum"], "0xfd79ddbeffdbf0b7");
    let checksum = |name: &str| {
        json["sections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["checksum"]
            .clone()
    };
    assert_eq!(checksum("hash_params"), "0x397fd107cc50a12d");
    assert_eq!(checksum("records"), "0xdadc6e54f206c894");
    assert_eq!(checksum("hash_slots"), "0x889b4a53d5f04e69");
    assert_eq!(json["hash_index"]["home_slots"], 4);
    assert_eq!(json["hash_index"]["table_slots"], 5);
}

#[test]
fn inspect_empty_index() {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "x.zidx", "");
    let json = inspect_json(&index);
    assert_eq!(json["records"], 0);
    assert_eq!(json["hash_index"]["load_factor"].as_f64(), Some(0.0));
    let out = zidx(args([&"inspect", &index]));
    out.ok();
    assert!(
        out.text()
            .lines()
            .any(|l| l.split_whitespace().eq(["records", "0"])),
        "{}",
        out.text()
    );
    assert!(out.text().contains("load factor      0.0000"));
}

#[test]
fn inspect_bad_file_exits_2() {
    let dir = tempdir();
    let not_index = write_file(dir.path(), "x.txt", "hello\n".repeat(100));
    zidx(args([&"inspect", &not_index]))
        .code(2)
        .stdout_is("")
        .stderr_has("not a zidx file");
    zidx(args([&"inspect", &"--json", &not_index]))
        .code(2)
        .stdout_is("");
}

// ---- verify ---------------------------------------------------------------

#[test]
fn verify_good_file() {
    let (_dir, index) = fruit();
    zidx(args([&"verify", &index])).ok().stdout_is("ok\n");
    zidx(args([&"--no-mmap", &"verify", &index]))
        .ok()
        .stdout_is("ok\n");
}

#[test]
fn verify_flipped_byte_in_records_names_section_and_offset() {
    let (_dir, index) = fruit();
    let (offset, length) = section(&index, "records");
    for at in [offset, offset + 5, offset + length - 1] {
        let at = usize::try_from(at).unwrap();
        let bad = damaged(&index, "bad.zidx", |b| b[at] ^= 0x01);
        for no_mmap in [false, true] {
            let mut argv = args([&"verify", &bad]);
            if no_mmap {
                argv.insert(0, "--no-mmap".into());
            }
            zidx(&argv)
                .code(2)
                .stdout_is("")
                .stderr_has(&bad.display().to_string())
                .stderr_has("checksum mismatch in records")
                .stderr_has(&format!("bytes {offset}..{}", offset + length));
        }
    }
}

#[test]
fn verify_flipped_byte_in_each_region_names_it() {
    let (_dir, index) = fruit();
    let (slots, _) = section(&index, "hash_slots");
    let (params, _) = section(&index, "hash_params");
    for (at, name) in [
        (20u64, "header"),
        (130, "section table"),
        (params + 1, "hash_params"),
        (slots + 2, "hash_slots"),
    ] {
        let at = usize::try_from(at).unwrap();
        let bad = damaged(&index, "bad.zidx", |b| b[at] ^= 0x40);
        zidx(args([&"verify", &bad]))
            .code(2)
            .stdout_is("")
            .stderr_has(&format!("checksum mismatch in {name}"));
    }
}

#[test]
fn verify_truncated_file() {
    let (_dir, index) = fruit();
    let len = usize::try_from(std::fs::metadata(&index).unwrap().len()).unwrap();
    for keep in [len - 1, len - 8, len / 2, 200, 128, 127, 8, 0] {
        let bad = damaged(&index, "short.zidx", |b| b.truncate(keep));
        for global in [None, Some("--no-mmap")] {
            let mut argv = args([&"verify", &bad]);
            argv.splice(0..0, global.map(Into::into));
            let out = zidx(&argv);
            out.code(2)
                .stdout_is("")
                .stderr_has(&bad.display().to_string());
            assert!(
                out.stderr.contains("truncated") || out.stderr.contains("file_len"),
                "kept {keep} bytes: {}",
                out.stderr
            );
        }
    }
}

#[test]
fn verify_file_with_bytes_appended() {
    let (_dir, index) = fruit();
    let bad = damaged(&index, "long.zidx", |b| b.extend_from_slice(&[0; 8]));
    zidx(args([&"verify", &bad])).code(2).stderr_has("file_len");
}

#[test]
fn verify_non_zidx_files() {
    let dir = tempdir();
    let long_text = write_file(dir.path(), "long.txt", "not an index\n".repeat(64));
    let short_text = write_file(dir.path(), "short.txt", "hello\n");
    let empty = write_file(dir.path(), "empty", "");
    let tsv = write_file(dir.path(), "data.tsv", FRUIT);
    for path in [&long_text, &short_text, &empty, &tsv] {
        for global in [None, Some("--no-mmap")] {
            let mut argv = args([&"verify", path]);
            argv.splice(0..0, global.map(Into::into));
            let out = zidx(&argv);
            out.code(2).stdout_is("");
            assert!(
                out.stderr.contains("not a zidx file") || out.stderr.contains("truncated"),
                "{}: {}",
                path.display(),
                out.stderr
            );
        }
    }
    zidx(args([&"verify", &long_text]))
        .code(2)
        .stderr_has("not a zidx file");
    zidx(args([&"verify", &empty]))
        .code(2)
        .stderr_has("truncated");
}

#[test]
fn verify_missing_file_and_directory() {
    let dir = tempdir();
    let missing = dir.path().join("missing.zidx");
    zidx(args([&"verify", &missing]))
        .code(2)
        .stdout_is("")
        .stderr_has(&missing.display().to_string());
    zidx(args([&"verify", &dir.path()])).code(2).stdout_is("");
}

#[test]
fn corrupt_records_make_dump_exit_2() {
    let (_dir, index) = fruit();
    let (offset, _) = section(&index, "records");
    let offset = usize::try_from(offset).unwrap();
    // The first record's key length becomes huge: it runs past the section.
    let bad = damaged(&index, "bad.zidx", |b| b[offset + 1] = 0xff);
    zidx(args([&"dump", &bad]))
        .code(2)
        .stderr_has("corrupt record");
    zidx(args([&"verify", &bad])).code(2).stderr_has("records");
}

// ---- dump -----------------------------------------------------------------

#[test]
fn dump_escaped_prints_escaped_tsv_in_insertion_order() {
    let dir = tempdir();
    let input = "zebra\tstripes\n\
        b\\\\s\tback\\\\slash\n\
        t\\tab\tv\\talue\n\
        l\\nf\tv\\nv\n\
        c\\rr\tv\\rv\n\
        \\x00\\x1b\\x7f\tctl\\x01\\x1f\n\
        \\x41\\x7e\\x20\t\\xe2\\x82\\xac\\xff\n\
        \tempty key\n\
        empty value\t\n\
        apple\tlast\n";
    let index = build_tsv_escaped(dir.path(), "x.zidx", input);
    let expected: &[u8] = b"zebra\tstripes\n\
        b\\\\s\tback\\\\slash\n\
        t\\tab\tv\\talue\n\
        l\\nf\tv\\nv\n\
        c\\rr\tv\\rv\n\
        \\x00\\x1b\\x7f\tctl\\x01\\x1f\n\
        A~ \t\xe2\x82\xac\xff\n\
        \tempty key\n\
        empty value\t\n\
        apple\tlast\n";
    zidx(args([&"dump", &"--escaped", &index]))
        .ok()
        .stdout_is(expected);
    zidx(args([&"--no-mmap", &"dump", &"--escaped", &index]))
        .ok()
        .stdout_is(expected);
    zidx(args([&"dump", &"--no-mmap", &index, &"--escaped"]))
        .ok()
        .stdout_is(expected);
    // Raw, the third record's key holds a tab: refused, naming it, after
    // the two records before it and a last line that holds no tab.
    let out = zidx(args([&"dump", &index]));
    out.code(2)
        .stderr_has("record 3 (key \"t\\tab\"): its key holds a tab");
    let lines: Vec<&[u8]> = out.stdout.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(
        lines[..2],
        [&b"zebra\tstripes\n"[..], b"b\\s\tback\\slash\n"]
    );
    assert_eq!(lines.len(), 3);
    assert!(!lines[2].contains(&b'\t'), "{:?}", out.text());
}

#[test]
fn dump_prints_raw_tsv_in_insertion_order() {
    let dir = tempdir();
    let input: &[u8] = b"zebra\tstripes\nb\\s\tback\\slash\tand tab\n\x01\x1b\xff\tctl \x7f\n\tempty key\nempty value\t\n";
    let index = build_tsv(dir.path(), "x.zidx", input);
    zidx(args([&"dump", &index])).ok().stdout_is(input);
}

/// `zidx dump` of an index built from `input` with `options`, fed back into
/// `zidx build -`, must give the same file: raw (`dump | build`) when
/// `raw` says every record fits raw TSV, escaped (`dump --escaped | build
/// --format tsv-escaped`) always. When `raw` is false, the raw dump must be
/// refused instead.
#[track_caller]
fn assert_dump_round_trips(input: &[u8], options: &[&str], raw: bool) {
    let dir = tempdir();
    let first = dir.path().join("first.zidx");
    std::fs::write(&first, build_bytes(input, options)).unwrap();
    let a = std::fs::read(&first).unwrap();
    let forms: [(&[&str], &[&str]); 2] =
        [(&[], &[]), (&["--escaped"], &["--format", "tsv-escaped"])];
    for (i, (dump_options, build_options)) in forms.into_iter().enumerate() {
        let mut argv = args([&"dump", &first]);
        argv.extend(dump_options.iter().map(Into::into));
        let dumped = zidx(&argv);
        if i == 0 && !raw {
            dumped
                .code(2)
                .stderr_has("raw TSV cannot carry; use --escaped");
            continue;
        }
        dumped.ok();
        let second = dir.path().join("second.zidx");
        let mut argv = args([&"build", &"-", &"-o", &second]);
        argv.extend(build_options.iter().map(Into::into));
        zidx_stdin(argv, &dumped.stdout).ok();
        let b = std::fs::read(&second).unwrap();
        assert!(
            a == b,
            "dump {dump_options:?} | build {build_options:?} is not identical \
             (options {options:?}, {} vs {} bytes)",
            a.len(),
            b.len()
        );
        // And the dump of the rebuilt file is the same text.
        let mut argv = args([&"dump", &second]);
        argv.extend(dump_options.iter().map(Into::into));
        zidx(&argv).ok().stdout_is(&dumped.stdout);
        std::fs::remove_file(&second).unwrap();
    }
}

#[test]
fn dump_then_build_is_byte_identical() {
    assert_dump_round_trips(FRUIT.as_bytes(), &[], true);
    assert_dump_round_trips(b"", &[], true);
    assert_dump_round_trips(
        b"k\\\\\\t\\n\\r\\x00\\xff\tv\\\\\\t\\n\\r\\x00\\xff\n\tempty\nempty\t\n\\x7f\\x80\t\\x1b\n",
        &["--format", "tsv-escaped"],
        false,
    );
    // Backslashes, control bytes and tabs in values are ordinary raw bytes.
    assert_dump_round_trips(
        b"k\\\\\\x00\tv\\\\\\t\\x00\n\\x7f\\x80\t\\x1b\\t\\t\n",
        &["--format", "tsv-escaped"],
        true,
    );
    assert_dump_round_trips(b"a\t1\r\nb\tx\ty\r\nc\t3", &[], true);
}

#[test]
fn dump_then_build_is_identical_for_other_formats_and_policies() {
    // A quoted newline in a CSV field is a newline in the value: escaped only.
    assert_dump_round_trips(
        b"id,name,note\n1,Ann,\"a, b\"\n2,\"Bo \"\"B\"\"\",\"x\ny\"\n",
        &["--format", "csv", "--key", "name"],
        false,
    );
    assert_dump_round_trips(
        b"id,name,note\n1,Ann,\"a, b\"\n2,\"Bo \"\"B\"\"\",xy\n",
        &["--format", "csv", "--key", "name"],
        true,
    );
    assert_dump_round_trips(
        b"{\"key\":\"a\",\"v\":\"tab\\there\"}\n{\"key\":2}\n",
        &["--format", "jsonl"],
        true,
    );
    assert_dump_round_trips(b"a\t1\nb\t2\na\t3\n", &["--on-duplicate", "first"], true);
    assert_dump_round_trips(b"a\t1\nb\t2\na\t3\n", &["--on-duplicate", "last"], true);
    // Backslashes taken as they are round-trip both ways.
    assert_dump_round_trips(b"a\\tb\tc\\\nx\\x00\t\\\\\n", &[], true);
}

#[test]
fn dump_then_build_is_identical_for_many_records() {
    // Enough records for a real hash table with collisions and
    // displacements, with keys and values of every byte.
    let mut input = Vec::new();
    for i in 0u32..5000 {
        let b = u8::try_from(i % 256).unwrap();
        input.extend_from_slice(
            format!("key{i}\\x{b:02x}\tvalue {i} \\x{:02x}", 255 - b).as_bytes(),
        );
        input.extend_from_slice(if i % 3 == 0 { b"\r\n" } else { b"\n" });
    }
    let escaped = ["--format", "tsv-escaped"];
    // Keys of every byte, tabs and newlines included: escaped only.
    assert_dump_round_trips(&input, &escaped, false);
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(&input, &escaped)).unwrap();
    assert_eq!(inspect_json(&index)["records"], 5000);
    zidx(args([&"verify", &index])).ok().stdout_is("ok\n");
    // 0x87 and 0xff are not control bytes: printed as they are.
    zidx_stdin(
        args([&"get", &index, &"-", &"--escaped"]),
        "key4999\\x87\nkey0\\x00\nkey5000\n",
    )
    .code(1)
    .stdout_is(b"key4999\x87\tvalue 4999 x\nkey0\\x00\tvalue 0 \xff\n")
    .stderr_has("1 of 3 keys not found");
}

#[test]
fn dump_then_build_is_identical_for_unicode_data() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/unicode-data.tsv");
    let Ok(input) = std::fs::read(&path) else {
        eprintln!("skipped: {} is not there", path.display());
        return;
    };
    assert_dump_round_trips(&input, &[], true);
    // Plain text dumps as itself.
    let dir = tempdir();
    let index = dir.path().join("u.zidx");
    zidx(args([&"build", &path, &"-o", &index])).ok();
    assert!(dump(&index) == input, "dump differs from the source TSV");
}

#[test]
fn two_builds_of_the_same_input_are_identical() {
    let dir = tempdir();
    let dir = dir.path();
    let input = write_file(dir, "in.tsv", "b\t2\na\t1\n\\x00\tnul\nc\t3\n");
    let one = dir.join("one.zidx");
    let two = dir.join("two.zidx");
    zidx(args([&"build", &input, &"-o", &one])).ok();
    zidx(args([&"build", &input, &"-o", &two])).ok();
    assert!(std::fs::read(&one).unwrap() == std::fs::read(&two).unwrap());
    // Rebuilding over the first file gives the same bytes again.
    let before = std::fs::read(&one).unwrap();
    zidx(args([&"build", &input, &"-o", &one])).ok();
    assert!(std::fs::read(&one).unwrap() == before);
}

#[test]
fn dump_of_missing_or_bad_file_exits_2() {
    let dir = tempdir();
    let missing = dir.path().join("missing.zidx");
    zidx(args([&"dump", &missing])).code(2).stdout_is("");
    let text = write_file(dir.path(), "t.txt", "x".repeat(500));
    zidx(args([&"dump", &text]))
        .code(2)
        .stdout_is("")
        .stderr_has("not a zidx file");
}

// ---- --no-mmap ------------------------------------------------------------

#[test]
fn no_mmap_gives_the_same_answers() {
    let (_dir, index) = fruit();
    for global in [["--no-mmap"].as_slice(), &[]] {
        let with = |rest: &[&dyn AsRef<std::ffi::OsStr>]| {
            let mut v: Vec<std::ffi::OsString> = global.iter().map(Into::into).collect();
            v.extend(rest.iter().map(|a| a.as_ref().to_os_string()));
            v
        };
        zidx(with(&[&"get", &index, &"banana", &"apple"]))
            .ok()
            .stdout_is("banana\tyellow\napple\tred\n");
        zidx(with(&[&"get", &index, &"nope"]))
            .code(1)
            .stderr_has("key not found: \"nope\"");
        zidx_stdin(with(&[&"get", &index, &"-"]), "cherry\nnope\n")
            .code(1)
            .stdout_is("cherry\tdark red\n")
            .stderr_has("1 of 2 keys not found");
        zidx(with(&[&"verify", &index])).ok().stdout_is("ok\n");
        zidx(with(&[&"dump", &index])).ok().stdout_is(FRUIT);
    }
}

#[test]
fn no_mmap_goes_before_or_after_the_arguments() {
    let (_dir, index) = fruit();
    zidx(args([&"get", &"--no-mmap", &index, &"apple"]))
        .ok()
        .stdout_is("red\n");
    zidx(args([&"get", &index, &"apple", &"--no-mmap"]))
        .ok()
        .stdout_is("red\n");
    zidx(args([&"verify", &index, &"--no-mmap"]))
        .ok()
        .stdout_is("ok\n");
    zidx(args([&"dump", &index, &"--no-mmap"]))
        .ok()
        .stdout_is(FRUIT);
}

#[test]
fn no_mmap_reports_corruption_too() {
    let (_dir, index) = fruit();
    let (offset, _) = section(&index, "records");
    let offset = usize::try_from(offset).unwrap();
    let bad = damaged(&index, "bad.zidx", |b| b[offset + 7] ^= 0x20);
    zidx(args([&"--no-mmap", &"verify", &bad]))
        .code(2)
        .stderr_has("checksum mismatch in records");
    let short = damaged(&index, "short.zidx", |b| b.truncate(100));
    for cmd in ["get", "dump", "verify", "inspect"] {
        let mut argv = args([&"--no-mmap", &cmd, &short]);
        if cmd == "get" {
            argv.push("apple".into());
        }
        zidx(&argv).code(2).stdout_is("").stderr_has("truncated");
    }
}

/// `zidx scan` and `get --all` on an index with several values per key;
/// `scan` on an index without ordered keys says how to build one.
#[test]
fn scan_and_get_all() {
    let dir = tempdir();
    let input = dir.path().join("words.tsv");
    std::fs::write(&input, "b\t1\na\t2\nb\t3\nc\t4\nab\t5\n").unwrap();
    let index = dir.path().join("words.zidx");
    zidx(args([
        &"build",
        &input,
        &"-o",
        &index,
        &"--on-duplicate",
        &"keep",
    ]))
    .ok();
    zidx(args([&"scan", &index])).stdout_is("a\t2\nab\t5\nb\t1\nb\t3\nc\t4\n");
    zidx(args([&"scan", &index, &"--prefix", &"a"])).stdout_is("a\t2\nab\t5\n");
    zidx(args([&"scan", &index, &"--from", &"ab", &"--to", &"c"])).stdout_is("ab\t5\nb\t1\nb\t3\n");
    zidx(args([
        &"scan",
        &index,
        &"--from",
        &"ab",
        &"--through",
        &"c",
        &"--reverse",
        &"--keys-only",
    ]))
    .stdout_is("c\nb\nb\nab\n");
    zidx(args([&"scan", &index, &"--limit", &"2", &"--reverse"])).stdout_is("c\t4\nb\t3\n");
    zidx(args([&"scan", &index, &"--count"])).stdout_is("5\n");
    zidx(args([&"scan", &index, &"--prefix", &"zz", &"--count"])).stdout_is("0\n");
    zidx(args([&"get", &index, &"b", &"--all"])).stdout_is("1\n3\n");
    zidx(args([&"get", &index, &"b"])).stdout_is("1\n");
    zidx(args([&"get", &index, &"b", &"c", &"--all"])).stdout_is("b\t1\nb\t3\nc\t4\n");
    zidx(args([&"get", &index, &"x", &"--all"])).code(1);
    zidx(args([&"verify", &index])).stdout_is("ok\n");

    let plain = build_tsv(dir.path(), "plain.zidx", FRUIT);
    zidx(args([&"scan", &plain]))
        .code(2)
        .stderr_has("built without ordered keys")
        .stderr_has("zidx build --ordered");
    zidx(args([&"scan", &plain, &"--prefix", &"a", &"--from", &"b"])).code(2);
}

/// A damaged record of a `--checked` index is an error for every reading
/// command, never a value; without --checked, the damaged value comes back.
#[test]
fn checked_records_turn_damage_into_errors() {
    let dir = tempdir();
    let input = dir.path().join("fruit.tsv");
    std::fs::write(&input, FRUIT).unwrap();
    for (checked, name) in [(true, "checked.zidx"), (false, "plain.zidx")] {
        let index = dir.path().join(name);
        let mut a = args([&"build", &input, &"-o", &index, &"--ordered"]);
        if checked {
            a.push("--checked".into());
        }
        zidx(a).ok();
        let (offset, _) = section(&index, "records");
        // The `y` of `yellow`, banana's value: the second record starts at
        // 14 (+4 with checks), its value 12 bytes further.
        let at = usize::try_from(offset).expect("a small test file")
            + if checked { 18 + 12 } else { 14 + 12 };
        let bad = damaged(&index, &format!("bad-{name}"), |b| {
            assert_eq!(b[at], b'y');
            b[at] = b'Y';
        });
        if checked {
            for cmd in [
                args([&"get", &bad, &"banana"]),
                args([&"get", &bad, &"banana", &"--all"]),
                args([&"dump", &bad]),
                args([&"scan", &bad]),
                args([&"scan", &bad, &"--reverse"]),
            ] {
                zidx(cmd).code(2).stderr_has("damaged record at offset");
            }
            zidx(args([&"verify", &bad])).code(2);
            zidx(args([&"get", &bad, &"apple"])).stdout_is("red\n");
        } else {
            zidx(args([&"get", &bad, &"banana"])).stdout_is("Yellow\n");
            zidx(args([&"verify", &bad])).code(2);
        }
    }
}
