//! `zidx build` on good input: TSV (plain and escaped, line endings, tabs,
//! empty and binary keys), CSV, JSON Lines, and the duplicate-key policies.
//! Records are checked through `get` and `dump`, byte for byte.

mod common;

use common::*;

/// `--format tsv-escaped`: TSV with backslash escapes decoded.
const ESCAPED: &[&str] = &["--format", "tsv-escaped"];

/// `zidx dump --escaped` of an index, asserting success: every record in a
/// form any bytes survive.
#[track_caller]
fn dump_escaped(index: &std::path::Path) -> Vec<u8> {
    let out = zidx(args([&"dump", &"--escaped", &index]));
    out.ok();
    out.stdout
}

/// Builds from `input` (stdin) with `options` and returns the escaped dump.
#[track_caller]
fn build_and_dump_escaped(input: impl AsRef<[u8]>, options: &[&str]) -> Vec<u8> {
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, options)).expect("write index");
    dump_escaped(&index)
}

/// `zidx get INDEX KEY` on an index built from `input`, asserting success.
#[track_caller]
fn get_one(input: &[u8], options: &[&str], key: &str) -> Vec<u8> {
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, options)).expect("write index");
    let out = zidx(args([&"get", &index, &key]));
    out.ok();
    out.stdout
}

// ---- TSV ------------------------------------------------------------------

#[test]
fn build_from_file_and_from_stdin_are_identical() {
    let dir = tempdir();
    let dir = dir.path();
    let tsv = "apple\tred\nbanana\tyellow\ncherry\tdark red\n";
    let input = write_file(dir, "fruit.tsv", tsv);
    let from_file = dir.join("file.zidx");
    let from_stdin = dir.join("stdin.zidx");
    zidx(args([&"build", &input, &"-o", &from_file]))
        .ok()
        .stdout_is("");
    zidx_stdin(args([&"build", &"-", &"-o", &from_stdin]), tsv)
        .ok()
        .stdout_is("");
    let a = std::fs::read(&from_file).unwrap();
    let b = std::fs::read(&from_stdin).unwrap();
    assert!(a == b, "file and stdin builds differ");
    zidx(args([&"get", &from_file, &"banana", &"apple", &"cherry"]))
        .ok()
        .stdout_is("banana\tyellow\napple\tred\ncherry\tdark red\n");
    assert_eq!(
        listing(dir),
        ["file.zidx", "fruit.tsv", "stdin.zidx"],
        "only the outputs are added, no temporary files"
    );
}

#[test]
fn build_reads_stdin_when_input_is_omitted() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    zidx_stdin(args([&"build", &"-o", &out]), "k\tv\n").ok();
    zidx(args([&"get", &out, &"k"])).ok().stdout_is("v\n");
}

#[test]
fn build_with_long_output_flag_and_options_before_input() {
    let dir = tempdir();
    let dir = dir.path();
    let input = write_file(dir, "in.tsv", "k\tv\n");
    let out = dir.join("x.zidx");
    zidx(args([
        &"build",
        &"--on-duplicate",
        &"last",
        &"--output",
        &out,
        &input,
    ]))
    .ok();
    zidx(args([&"get", &out, &"k"])).ok().stdout_is("v\n");
}

#[test]
fn build_overwrites_an_existing_output() {
    let dir = tempdir();
    let dir = dir.path();
    let out = build_tsv(dir, "x.zidx", "old\t1\n");
    zidx_stdin(args([&"build", &"-", &"-o", &out]), "new\t2\n").ok();
    zidx(args([&"get", &out, &"new"])).ok().stdout_is("2\n");
    zidx(args([&"get", &out, &"old"])).code(1);
    assert_eq!(listing(dir), ["x.zidx"]);
}

#[test]
fn empty_input_builds_an_empty_index() {
    let dir = tempdir();
    let out = build_tsv(dir.path(), "x.zidx", "");
    assert_eq!(inspect_json(&out)["records"], 0);
    zidx(args([&"verify", &out])).ok().stdout_is("ok\n");
    zidx(args([&"dump", &out])).ok().stdout_is("");
    zidx(args([&"get", &out, &"a"]))
        .code(1)
        .stdout_is("")
        .stderr_has("key not found");
}

#[test]
fn crlf_line_endings_are_stripped() {
    let lf = build_bytes("a\t1\nb\t2\n", &[]);
    let crlf = build_bytes("a\t1\r\nb\t2\r\n", &[]);
    assert!(lf == crlf, "CRLF input should give the same file as LF");
    assert_eq!(get_one(b"a\t1\r\nb\t2\r\n", &[], "a"), b"1\n");
    // Mixed endings in one file.
    assert_eq!(
        build_and_dump("a\t1\r\nb\t2\nc\t3\r\n", &[]),
        b"a\t1\nb\t2\nc\t3\n"
    );
}

/// zidx 1.0 took a CR that is not part of a CRLF as data. TSV cannot carry
/// one (and a file with CR-only line endings became one record), so it is
/// an error naming the line; escaped TSV writes it `\r`.
#[test]
fn only_crlf_is_a_line_ending_and_a_lone_cr_is_refused() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    for input in ["k\tv\r\r\n", "k\tv\rw\n", "a\t1\rb\t2\r"] {
        for format in ["tsv", "tsv-escaped"] {
            zidx_stdin(
                args([&"build", &"-", &"-o", &out, &"--format", &format]),
                input,
            )
            .code(2)
            .stderr_has("<stdin>:1: carriage return (CR) not followed by a line feed");
            assert!(!out.exists());
        }
    }
    assert_eq!(get_one(b"k\tv\\r\r\n", ESCAPED, "k"), b"v\r\n");
}

#[test]
fn last_line_without_newline_counts() {
    let with = build_bytes("a\t1\nb\t2\n", &[]);
    let without = build_bytes("a\t1\nb\t2", &[]);
    assert!(with == without, "a missing final newline changes nothing");
    assert_eq!(get_one(b"a\t1\nb\t2", &[], "b"), b"2\n");
}

#[test]
fn value_keeps_every_tab_after_the_first() {
    assert_eq!(get_one(b"k\tx\ty\t\tz\t\n", &[], "k"), b"x\ty\t\tz\t\n");
    assert_eq!(build_and_dump_escaped("k\t\tx\n", &[]), b"k\t\\tx\n");
}

#[test]
fn every_escape_decodes_in_key_and_value() {
    let input = b"k\\\\\\t\\n\\r\\x41\\x7e\\x00\\xFF\\xfe\tv\\\\\\t\\n\\r\\x41\\x7E\\x00\\xff\n";
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, ESCAPED)).unwrap();
    // Decoded, the key is k \ TAB LF CR A ~ NUL 0xff 0xfe and the value
    // v \ TAB LF CR A ~ NUL 0xff. dump escapes backslash, tab, LF, CR and
    // control bytes; other bytes (A, ~, 0xff, 0xfe) are written as they are.
    let expected = b"k\\\\\\t\\n\\rA~\\x00\xff\xfe\tv\\\\\\t\\n\\rA~\\x00\xff\n";
    let dumped = dump_escaped(&index);
    assert_eq!(dumped, expected, "{:?}", String::from_utf8_lossy(&dumped));
    // The key, escaped, finds the record through `get --escaped -` (NUL
    // cannot be an argument), which answers in the same escaped form.
    zidx_stdin(
        args([&"get", &"--escaped", &index, &"-"]),
        &input[..input.iter().position(|&b| b == b'\t').unwrap()],
    )
    .ok()
    .stdout_is(expected);
    assert_eq!(inspect_json(&index)["records"], 1);
}

#[cfg(unix)]
#[test]
fn every_escape_value_is_printed_raw_by_get() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    // A key without NUL (arguments cannot hold one), holding every other
    // escape, including bytes that are not UTF-8.
    let input = b"k\\\\\\t\\n\\r\\x41\\xff\tv\\\\\\t\\n\\r\\x41\\x7E\\x00\\xff\n";
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, ESCAPED)).unwrap();
    let key = OsStr::from_bytes(b"k\\\t\n\rA\xff");
    zidx(args([&"get", &index, &key]))
        .ok()
        .stdout_is(b"v\\\t\n\rA~\x00\xff\n");
}

#[test]
fn hex_escapes_accept_both_cases() {
    let lower = build_bytes("\\xab\\xcd\t\\xef\n", ESCAPED);
    let upper = build_bytes("\\xAB\\xCD\t\\xEF\n", ESCAPED);
    let mixed = build_bytes("\\xAb\\xcD\t\\xeF\n", ESCAPED);
    assert!(lower == upper && upper == mixed);
}

#[test]
fn empty_key() {
    assert_eq!(
        get_one(b"\tvalue of empty\nk\tv\n", &[], ""),
        b"value of empty\n"
    );
}

#[test]
fn empty_value() {
    assert_eq!(get_one(b"k\t\nj\tx\n", &[], "k"), b"\n");
}

#[test]
fn empty_key_and_empty_value() {
    assert_eq!(get_one(b"\t\n", &[], ""), b"\n");
    assert_eq!(build_and_dump("\t\n", &[]), b"\t\n");
}

#[test]
fn binary_keys_via_hex_escapes() {
    let input = "\\x00\tnul\n\\x00\\x00\ttwo nuls\n\\x01\\x02\\xfe\\xff\tbytes\n\\x0a\tlf\n";
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, ESCAPED)).unwrap();
    // The keys are distinct, and each comes back under its own escape.
    zidx_stdin(
        args([&"get", &"--escaped", &index, &"-"]),
        "\\x00\\x00\n\\x00\n\\x01\\x02\\xFE\\xFF\n\\n\n",
    )
    .ok()
    .stdout_is(b"\\x00\\x00\ttwo nuls\n\\x00\tnul\n\\x01\\x02\xfe\xff\tbytes\n\\n\tlf\n");
}

#[cfg(unix)]
#[test]
fn binary_key_as_raw_argument() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(
        &index,
        build_bytes("\\xfe\\xff\\x01\tbinary\nok\t1\n", ESCAPED),
    )
    .unwrap();
    let key = OsStr::from_bytes(b"\xfe\xff\x01");
    zidx(args([&"get", &index, &key]))
        .ok()
        .stdout_is("binary\n");
}

/// zidx 1.0 decoded backslash escapes by default, so `C:\new\table`
/// became `C:`, LF, `ew`, TAB, `able`; plain TSV, the default now, takes
/// backslashes as they are.
#[test]
fn plain_tsv_takes_backslashes_literally() {
    assert_eq!(
        get_one(b"p\tC:\\new\\table\n", &[], "p"),
        b"C:\\new\\table\n"
    );
    let input = b"a\\tb\tc\\nd\\q\\\nx\\x41\t\\\\\r\n";
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, &[])).unwrap();
    zidx(args([&"get", &index, &"a\\tb", &"x\\x41"]))
        .ok()
        .stdout_is("a\\tb\tc\\nd\\q\\\nx\\x41\t\\\\\n");
    // Decoded spellings are different keys.
    zidx(args([&"get", &index, &"a\tb", &"xA"])).code(1);
    // The value still splits on the first real tab and drops CRLF.
    assert_eq!(
        dump_escaped(&index),
        b"a\\\\tb\tc\\\\nd\\\\q\\\\\nx\\\\x41\t\\\\\\\\\n"
    );
}

#[test]
fn raw_control_and_non_utf8_bytes_pass_through() {
    // Bytes that need no escape in the input are taken as they are; dump
    // escapes the control bytes.
    let input = b"k\x01\xff\tv\x1b\x7f\x80\n";
    assert_eq!(
        build_and_dump_escaped(input, &[]),
        b"k\\x01\xff\tv\\x1b\\x7f\x80\n"
    );
    assert_eq!(
        build_bytes(input, &[]),
        build_bytes("k\\x01\\xff\tv\\x1b\\x7f\\x80\n", ESCAPED)
    );
}

#[test]
fn escaped_tsv_differs_from_plain_only_for_backslashes() {
    let plain = "k\tv\nkey two\tvalue two\n";
    assert!(build_bytes(plain, &[]) == build_bytes(plain, ESCAPED));
}

#[test]
fn unicode_keys_and_values() {
    let input = "ключ\tзначение\n鍵\t値\n🔑\t🗝\n";
    assert_eq!(get_one(input.as_bytes(), &[], "鍵"), "値\n".as_bytes());
    assert_eq!(build_and_dump(input, &[]), input.as_bytes());
}

#[test]
fn key_of_exactly_65535_bytes_is_accepted() {
    let key = "k".repeat(65_535);
    let input = format!("a\t1\n{key}\tlong\n");
    assert_eq!(get_one(input.as_bytes(), &[], &key), b"long\n");
    // The limit is on decoded bytes: 65,535 four-byte escapes are fine.
    let escaped = format!("{}\tv\n", "\\x41".repeat(65_535));
    assert_eq!(
        get_one(escaped.as_bytes(), ESCAPED, &"A".repeat(65_535)),
        b"v\n"
    );
}

#[test]
fn line_of_exactly_max_line_bytes_is_accepted() {
    // "k\t" + 14 bytes = 16 bytes, newline not counted.
    let input = "k\t0123456789abcd\n";
    assert_eq!(
        get_one(input.as_bytes(), &["--max-line", "16"], "k"),
        b"0123456789abcd\n"
    );
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--max-line", &"15"]),
        input,
    )
    .code(2)
    .stderr_has("<stdin>:1: line longer than 15 bytes");
}

#[test]
fn records_keep_insertion_order() {
    let input = "zebra\t1\napple\t2\nmango\t3\n\\x00\t4\nbanana\t5\n";
    assert_eq!(build_and_dump(input, &[]), input.as_bytes());
}

// ---- CSV ------------------------------------------------------------------

#[test]
fn csv_default_key_is_first_column() {
    let input = "id,name,note\n1,Ann,x\n2,Bob,\"a,b\"\n";
    assert_eq!(
        build_and_dump(input, &["--format", "csv"]),
        b"1\tAnn,x\n2\tBob,\"a,b\"\n"
    );
}

#[test]
fn csv_key_column_in_the_middle() {
    let input = "id,name,note\n1,Ann,x\n2,Bob,y\n";
    let opts = ["--format", "csv", "--key", "name"];
    assert_eq!(build_and_dump(input, &opts), b"Ann\t1,x\nBob\t2,y\n");
    assert_eq!(get_one(input.as_bytes(), &opts, "Bob"), b"2,y\n");
}

#[test]
fn csv_key_column_last() {
    let input = "a,b,email\n1,2,x@example.com\n";
    assert_eq!(
        get_one(
            input.as_bytes(),
            &["--format", "csv", "--key", "email"],
            "x@example.com"
        ),
        b"1,2\n"
    );
}

#[test]
fn csv_value_quotes_fields_with_comma_quote_cr_lf() {
    let input = b"k,comma,quote,lf,cr,plain,quoted_plain,empty\n\
        r1,\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"c\rd\",plain,\"qp\",\n";
    let value = get_one(input, &["--format", "csv"], "r1");
    assert_eq!(
        value,
        b"\"a,b\",\"say \"\"hi\"\"\",\"x\ny\",\"c\rd\",plain,qp,\n",
        "{:?}",
        String::from_utf8_lossy(&value)
    );
}

#[test]
fn csv_key_from_quoted_field() {
    let input = b"name,id\n\"Bo \"\"B\"\"\",1\n\"a,b\",2\n";
    let opts = ["--format", "csv", "--key", "name"];
    assert_eq!(get_one(input, &opts, "Bo \"B\""), b"1\n");
    assert_eq!(get_one(input, &opts, "a,b"), b"2\n");
}

#[test]
fn csv_crlf_line_endings() {
    let lf = build_bytes("id,v\n1,a\n2,b\n", &["--format", "csv"]);
    let crlf = build_bytes("id,v\r\n1,a\r\n2,b\r\n", &["--format", "csv"]);
    assert!(lf == crlf, "CRLF CSV should give the same file as LF");
    assert_eq!(
        build_and_dump("id,v\r\n1,a\r\n2,b", &["--format", "csv"]),
        b"1\ta\n2\tb\n"
    );
}

#[test]
fn csv_multiline_field_value() {
    let input = "id,note\n1,\"line one\r\nline two\"\n2,x\n";
    assert_eq!(
        build_and_dump_escaped(input, &["--format", "csv"]),
        b"1\t\"line one\\r\\nline two\"\n2\tx\n"
    );
}

#[test]
fn csv_single_column_gives_empty_values() {
    assert_eq!(
        build_and_dump("k\na\nb\n", &["--format", "csv"]),
        b"a\t\nb\t\n"
    );
}

#[test]
fn csv_header_only_gives_empty_index() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--format", &"csv"]),
        "a,b\n",
    )
    .ok();
    assert_eq!(inspect_json(&out)["records"], 0);
}

#[test]
fn csv_empty_key_field() {
    assert_eq!(
        get_one(b"k,v\n,empty key\n", &["--format", "csv"], ""),
        b"empty key\n"
    );
}

#[test]
fn csv_does_not_decode_backslash_escapes() {
    assert_eq!(
        build_and_dump_escaped("k,v\na\\tb,c\\n\n", &["--format", "csv"]),
        b"a\\\\tb\tc\\\\n\n"
    );
}

#[test]
fn csv_key_for_tsv_is_a_usage_error() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--key", &"id"]),
        "k\tv\n",
    )
    .code(2)
    .stderr_has("--key applies to --format csv and jsonl");
    assert!(!out.exists());
    assert_no_temp_files(dir.path());
}

// ---- JSON Lines -----------------------------------------------------------

#[test]
fn jsonl_default_key_field_and_verbatim_value() {
    let line1 = r#"{ "v" : [1, 2.50, "x\ty"],  "key": "a" }"#;
    let line2 = r#"{"key":"b","nested":{"key":"not this one"}}"#;
    let input = format!("{line1}\n{line2}\n");
    let opts = ["--format", "jsonl"];
    assert_eq!(
        get_one(input.as_bytes(), &opts, "a"),
        format!("{line1}\n").as_bytes()
    );
    assert_eq!(
        get_one(input.as_bytes(), &opts, "b"),
        format!("{line2}\n").as_bytes()
    );
}

#[test]
fn jsonl_named_key_field() {
    let input = "{\"id\":\"x1\",\"key\":\"ignored\"}\n{\"id\":\"x2\"}\n";
    assert_eq!(
        build_and_dump(input, &["--format", "jsonl", "--key", "id"]),
        b"x1\t{\"id\":\"x1\",\"key\":\"ignored\"}\nx2\t{\"id\":\"x2\"}\n"
    );
}

#[test]
fn jsonl_number_and_bool_keys() {
    let input = "{\"key\":42}\n{\"key\":-7}\n{\"key\":true}\n{\"key\":false}\n{\"key\":0}\n";
    let dumped = build_and_dump(input, &["--format", "jsonl"]);
    assert_eq!(
        dumped,
        b"42\t{\"key\":42}\n-7\t{\"key\":-7}\ntrue\t{\"key\":true}\n\
          false\t{\"key\":false}\n0\t{\"key\":0}\n"
    );
}

/// CLI bug: the key of `{"key":1.50}` should be the JSON text `1.50`
/// (jsonl.rs: "the JSON text of a number"), but is `1.5`; `1e3` gives
/// `1000.0` and `1.0` and `1e0` are the same key `1.0`.
#[test]

fn jsonl_float_keys_are_their_json_text() {
    let input = "{\"key\":1.50}\n{\"key\":1e3}\n{\"key\":1.0}\n{\"key\":1e0}\n";
    assert_eq!(
        build_and_dump(input, &["--format", "jsonl"]),
        b"1.50\t{\"key\":1.50}\n1e3\t{\"key\":1e3}\n1.0\t{\"key\":1.0}\n1e0\t{\"key\":1e0}\n"
    );
}

#[test]
fn jsonl_string_key_is_decoded() {
    let input = "{\"key\":\"caf\\u00e9 \\\"q\\\" \\t\"}\n";
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, &["--format", "jsonl"])).unwrap();
    zidx(args([&"get", &index, &"café \"q\" \t"]))
        .ok()
        .stdout_is(input);
}

#[test]
fn jsonl_skips_blank_and_whitespace_lines() {
    let input = "\n{\"key\":\"a\"}\n\n  \t \n\r\n{\"key\":\"b\"}\n\n";
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    let built = zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--format", &"jsonl"]),
        input,
    );
    built.code(0);
    // Skipped, and said so.
    assert_eq!(built.stderr, "zidx: skipped 5 blank lines\n");
    assert_eq!(dump(&out), b"a\t{\"key\":\"a\"}\nb\t{\"key\":\"b\"}\n");
}

#[test]
fn jsonl_crlf_and_missing_final_newline() {
    let input = "{\"key\":\"a\"}\r\n{\"key\":\"b\"}";
    assert_eq!(
        build_and_dump(input, &["--format", "jsonl"]),
        b"a\t{\"key\":\"a\"}\nb\t{\"key\":\"b\"}\n"
    );
}

#[test]
fn jsonl_only_blank_lines_gives_empty_index() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    let built = zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--format", &"jsonl"]),
        "\n\n  \n",
    );
    built.code(0);
    // Skipped, and said so.
    assert_eq!(built.stderr, "zidx: skipped 3 blank lines\n");
    assert_eq!(inspect_json(&out)["records"], 0);
}

// ---- Duplicates -----------------------------------------------------------

const DUPS: &str = "a\t1\nb\t2\na\t3\nc\t4\nb\t5\na\t6\n";

#[test]
fn on_duplicate_first_keeps_first_value() {
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(DUPS, &["--on-duplicate", "first"])).unwrap();
    zidx(args([&"get", &index, &"a", &"b", &"c"]))
        .ok()
        .stdout_is("a\t1\nb\t2\nc\t4\n");
    assert_eq!(dump(&index), b"a\t1\nb\t2\nc\t4\n");
    assert_eq!(inspect_json(&index)["records"], 3);
    zidx(args([&"verify", &index])).ok().stdout_is("ok\n");
}

#[test]
fn on_duplicate_last_keeps_last_value_at_its_position() {
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(DUPS, &["--on-duplicate", "last"])).unwrap();
    zidx(args([&"get", &index, &"a", &"b", &"c"]))
        .ok()
        .stdout_is("a\t6\nb\t5\nc\t4\n");
    assert_eq!(dump(&index), b"c\t4\nb\t5\na\t6\n");
    assert_eq!(inspect_json(&index)["records"], 3);
    zidx(args([&"verify", &index])).ok().stdout_is("ok\n");
}

#[test]
fn on_duplicate_applies_to_csv_and_jsonl() {
    assert_eq!(
        build_and_dump(
            "k,v\na,1\na,2\n",
            &["--format", "csv", "--on-duplicate", "last"]
        ),
        b"a\t2\n"
    );
    assert_eq!(
        build_and_dump(
            "{\"key\":1,\"n\":1}\n{\"key\":\"1\",\"n\":2}\n",
            &["--format", "jsonl", "--on-duplicate", "first"]
        ),
        b"1\t{\"key\":1,\"n\":1}\n"
    );
}

#[test]
fn without_duplicates_every_policy_gives_the_same_file() {
    let input = "a\t1\nb\t2\nc\t3\n";
    let error = build_bytes(input, &["--on-duplicate", "error"]);
    assert!(error == build_bytes(input, &[]));
    assert!(error == build_bytes(input, &["--on-duplicate", "first"]));
    assert!(error == build_bytes(input, &["--on-duplicate", "last"]));
}
