//! What a new user and an attacker found in `zidx build`'s input side (issue
//! "Hostile keys, lost rows, clobbered files", items 6, 8, 9, 10, 13, 14 and
//! the input part of 16). Each test says what zidx 1.0 (commit 64a6207) did;
//! each failed there.

mod common;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::*;

/// A fresh output name in `dir`, so that one test can build many times.
fn fresh_output(dir: &Path) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    dir.join(format!("out{}.zidx", NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// `zidx build INPUT -o DIR/outN.zidx OPTIONS`, the output beside the input;
/// returns the run and the output path.
fn build_file(input: &Path, options: &[&str]) -> (Output, PathBuf) {
    let out = fresh_output(input.parent().expect("input in a directory"));
    let mut argv = args([&"build", &input, &"-o", &out]);
    argv.extend(options.iter().map(OsString::from));
    (zidx(argv), out)
}

/// `zidx build - -o DIR/outN.zidx OPTIONS` with `input` on stdin.
fn build_stdin(dir: &Path, input: impl AsRef<[u8]>, options: &[&str]) -> (Output, PathBuf) {
    let out = fresh_output(dir);
    let mut argv = args([&"build", &"-", &"-o", &out]);
    argv.extend(options.iter().map(OsString::from));
    (zidx_stdin(argv, input), out)
}

/// Asserts a failed build: exit 2, `needle` on stderr, no output and no
/// temporary file.
#[track_caller]
fn refused(run: &Output, out: &Path, needle: &str) {
    run.code(2).stderr_has(needle);
    assert!(!out.exists(), "a failed build created {}", out.display());
    assert_no_temp_files(out.parent().expect("output in a directory"));
}

/// `zidx get INDEX KEY`, asserting success; the value printed.
#[track_caller]
fn get(index: &Path, key: &str) -> Vec<u8> {
    let out = zidx(args([&"get", &index, &"--", &key]));
    out.ok();
    out.stdout
}

/// The number of records in an index.
#[track_caller]
fn records(index: &Path) -> u64 {
    inspect_json(index)["records"]
        .as_u64()
        .expect("records is a number")
}

// ---- 8. CSV unterminated quote ---------------------------------------------

/// zidx 1.0 ended the quoted field at the end of the input: the rows after
/// the quote vanished into one value, exit 0 (1 record here). Now the build
/// fails, naming the line where the quote opened, and writes nothing.
#[test]
fn csv_unterminated_quote_fails_naming_the_line_it_opened_on() {
    let dir = tempdir();
    let (run, out) = build_stdin(dir.path(), "k,a\n1,\"x\n2,y\n", &["--format", "csv"]);
    refused(&run, &out, "<stdin>:2: unterminated quoted field");

    // On a 1,000-row file 999 rows vanished; the quote opened on line 3.
    let mut csv = String::from("id,note\n1,fine\n2,\"oops\n");
    for i in 3..=1000 {
        csv.push_str(&format!("{i},row {i}\n"));
    }
    let input = write_file(dir.path(), "rows.csv", &csv);
    let (run, out) = build_file(&input, &[]);
    refused(
        &run,
        &out,
        &format!("{}:3: unterminated quoted field", input.display()),
    );
}

// ---- 9. The CSV limiter agrees with the parser -------------------------------

/// zidx 1.0's line limiter took every `"` for a quote, so `5" screen` (data
/// to the parser) opened a "quote" that never closed, and the 20,000 rows
/// after it made one over-long line: the build was refused.
#[test]
fn csv_quote_inside_an_unquoted_field_is_data() {
    let mut csv = String::from("id,size\n1,5\" screen\n");
    for i in 2..=20_001 {
        csv.push_str(&format!("{i},{i} cm\n"));
    }
    let dir = tempdir();
    let input = write_file(dir.path(), "screens.csv", &csv);
    let (run, out) = build_file(&input, &["--max-line", "100000"]);
    run.ok();
    assert_eq!(records(&out), 20_001);
    // The value is the other fields as a CSV record: the quote is doubled.
    assert_eq!(get(&out, "1"), b"\"5\"\" screen\"\n");
    assert_eq!(get(&out, "20001"), b"20001 cm\n");
}

/// zidx 1.0's limiter thought `x"y,"` closed a quote that the parser saw
/// open, so it reset its count at every line of the quoted field and let a
/// record of any size through (a 200 MB record, 463 MB of memory, with
/// `--max-line 100000`). Now the record is refused once it passes the limit,
/// and zidx stops reading: it never takes in the whole record.
#[test]
fn csv_record_past_max_line_in_a_quoted_field_is_refused_early() {
    const TOTAL: usize = 20 << 20;
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    let mut child = Command::new(ZIDX)
        .args([
            "build",
            "-",
            "--format",
            "csv",
            "--max-line",
            "100000",
            "-o",
        ])
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start zidx");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let feeder = std::thread::spawn(move || {
        let mut sent = 0;
        if stdin.write_all(b"k,v,w\n1,x\"y,\"").is_err() {
            return sent;
        }
        // Short lines inside the quoted field: 20 MiB of them.
        let chunk = b"a line of the quoted field\n".repeat(40_000);
        while sent < TOTAL {
            if stdin.write_all(&chunk).is_err() {
                return sent;
            }
            sent += chunk.len();
        }
        let _ = stdin.write_all(b"\"\n");
        sent
    });
    let output = child.wait_with_output().expect("wait for zidx");
    let sent = feeder.join().expect("feeder thread");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("<stdin>:2: record longer than 100000 bytes"),
        "{stderr}"
    );
    assert!(
        sent < TOTAL,
        "zidx read all {sent} bytes of the record instead of stopping"
    );
    assert!(!out.exists());
}

/// The csv crate reads CR-only CSV; zidx 1.0's limiter counted only LF, so
/// such a file was one long line, refused past `--max-line` (and shorter
/// ones got wrong line numbers). CR, LF and CRLF each end one line now.
#[test]
fn csv_with_cr_only_line_endings_builds_and_counts_lines() {
    let dir = tempdir();
    let mut csv = String::from("k,v\r");
    for i in 1..=200 {
        csv.push_str(&format!("{i},value {i}\r"));
    }
    let (run, out) = build_stdin(dir.path(), &csv, &["--format", "csv", "--max-line", "1024"]);
    run.ok();
    assert_eq!(records(&out), 200);
    assert_eq!(get(&out, "200"), b"value 200\n");

    // A bad row after mixed line endings and a multi-line field: line 6.
    let (run, out) = build_stdin(
        dir.path(),
        "k,v\r1,a\r\n2,\"x\ry\"\n3,b\r4\n",
        &["--format", "csv"],
    );
    refused(&run, &out, "<stdin>:6: row has 1 fields, the header has 2");
}

// ---- 10. Plain TSV is taken as it is ---------------------------------------

/// zidx 1.0 decoded backslash escapes in every TSV: `C:\new\table` was
/// stored as `C:`, LF, `ew`, TAB, `able`, exit 0, and `\'` failed the build
/// thousands of lines later. Plain TSV, the default, has no escapes.
#[test]
fn plain_tsv_is_stored_byte_for_byte() {
    let dir = tempdir();
    let tsv = "p\tC:\\new\\table\nlatex\t\\table[H] \\'quoted\\' \\x41\n";
    let (run, out) = build_stdin(dir.path(), tsv, &[]);
    run.ok();
    assert_eq!(get(&out, "p"), b"C:\\new\\table\n");
    assert_eq!(get(&out, "latex"), b"\\table[H] \\'quoted\\' \\x41\n");
}

/// zidx 1.0 kept a CR that ends no line as data, so a file with CR-only
/// line endings became one record, exit 0. Raw TSV cannot carry a CR: the
/// build fails naming the line and pointing at tsv-escaped.
#[test]
fn a_lone_cr_in_plain_tsv_is_refused() {
    let dir = tempdir();
    let (run, out) = build_stdin(dir.path(), "a\t1\rb\t2\rc\t3\r", &[]);
    refused(
        &run,
        &out,
        "<stdin>:1: carriage return (CR) not followed by a line feed",
    );
    run.stderr_has("tsv-escaped");
    let (run, out) = build_stdin(dir.path(), "a\t1\r\nb\tx\ry\r\n", &[]);
    refused(&run, &out, "<stdin>:2: carriage return (CR)");
}

/// The escaped form (`zidx dump --escaped`) is read back by `--format
/// tsv-escaped`, reproducing any index byte for byte; zidx 1.0 had no such
/// format (and `--format tsv-escaped` was a usage error).
#[test]
fn escaped_dump_and_tsv_escaped_rebuild_any_index_byte_for_byte() {
    let dir = tempdir();
    let tsv = "tab\\tkey\tline\\nbreak\\r\\x00\nbom\\xef\\xbb\\xbfkey\tv\nplain\tC:\\\\new\n";
    let (run, a) = build_stdin(dir.path(), tsv, &["--format", "tsv-escaped"]);
    run.ok();
    let dumped = zidx(args([&"dump", &"--escaped", &a]));
    dumped.ok();
    let b = dir.path().join("b.zidx");
    zidx_stdin(
        args([&"build", &"-", &"--format", &"tsv-escaped", &"-o", &b]),
        &dumped.stdout,
    )
    .ok();
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
}

/// `--no-escapes` was zidx 1.0's way to read plain TSV (and it was silently
/// ignored with CSV). Plain is the default now; the flag is refused with
/// the way to the escaped format.
#[test]
fn no_escapes_is_refused_with_a_hint() {
    let dir = tempdir();
    let (run, out) = build_stdin(dir.path(), "k\tv\n", &["--no-escapes"]);
    refused(&run, &out, "--format tsv-escaped");
}

// ---- 13. Input formats -----------------------------------------------------

/// `id,color` CSV with two rows, as `gzip -9n`, `xz -6` and `zstd -19` write
/// it.
const FRUIT_CSV: &[u8] = b"id,color\napple,red\nbanana,yellow\n";
const FRUIT_GZ: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\x4c\xd1\x49\xce\xcf\xc9\x2f\xe2\x4a\x2c\x28\xc8\x49\xd5\x29\x4a\x4d\xe1\x4a\x4a\xcc\x03\x42\x9d\xca\xd4\x9c\x9c\xfc\x72\x2e\x00\x94\xe6\x59\x53\x21\x00\x00\x00";
const FRUIT_XZ: &[u8] = b"\xfd\x37\x7a\x58\x5a\x00\x00\x04\xe6\xd6\xb4\x46\x02\x00\x21\x01\x16\x00\x00\x00\x74\x2f\xe5\xa3\x01\x00\x20\x69\x64\x2c\x63\x6f\x6c\x6f\x72\x0a\x61\x70\x70\x6c\x65\x2c\x72\x65\x64\x0a\x62\x61\x6e\x61\x6e\x61\x2c\x79\x65\x6c\x6c\x6f\x77\x0a\x00\x00\x00\x00\x9f\xb9\x32\x89\x89\x60\x45\xb7\x00\x01\x39\x21\xcf\x28\x6b\x62\x1f\xb6\xf3\x7d\x01\x00\x00\x00\x00\x04\x59\x5a";
const FRUIT_ZST: &[u8] = b"\x28\xb5\x2f\xfd\x24\x21\x09\x01\x00\x69\x64\x2c\x63\x6f\x6c\x6f\x72\x0a\x61\x70\x70\x6c\x65\x2c\x72\x65\x64\x0a\x62\x61\x6e\x61\x6e\x61\x2c\x79\x65\x6c\x6c\x6f\x77\x0a\x96\x1c\xa9\x1e";

/// zidx 1.0 read every input as TSV: `build s.csv`, `x.tsv.gz` and `.xz`
/// all failed with "no tab on this line". Compression is recognised by its
/// magic bytes (whatever the name) and the format by the name, looking
/// through a compression suffix.
#[test]
fn compressed_input_and_format_from_the_file_name() {
    let dir = tempdir();
    let plain = build_bytes(FRUIT_CSV, &["--format", "csv"]);
    for (name, bytes) in [
        ("fruit.csv", FRUIT_CSV),
        ("fruit.csv.gz", FRUIT_GZ),
        ("fruit.csv.xz", FRUIT_XZ),
        ("fruit.csv.zst", FRUIT_ZST),
        ("FRUIT.CSV.GZ", FRUIT_GZ),
    ] {
        let input = write_file(dir.path(), name, bytes);
        let (run, out) = build_file(&input, &[]);
        run.ok();
        assert!(std::fs::read(&out).unwrap() == plain, "{name}");
        assert_eq!(get(&out, "banana"), b"yellow\n", "{name}");
    }
    // By magic bytes, not by name: compressed CSV on stdin, or misnamed.
    for bytes in [FRUIT_GZ, FRUIT_XZ, FRUIT_ZST] {
        assert!(build_bytes(bytes, &["--format", "csv"]) == plain);
    }
    let misnamed = write_file(dir.path(), "fruit.csv.txt", FRUIT_GZ);
    let (run, out) = build_file(&misnamed, &["--format", "csv"]);
    run.ok();
    assert!(std::fs::read(&out).unwrap() == plain);
}

/// `cat a.gz b.gz` is one gzip file of two members; zidx reads both.
#[test]
fn concatenated_gzip_members_are_read_whole() {
    let two: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\xe6\x34\xe4\x02\x00\x3d\x7a\x3a\xe4\x04\x00\x00\x00\
\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\xe2\x34\xe2\x02\x00\x9b\x4e\xab\x77\x04\x00\x00\x00";
    let dir = tempdir();
    let (run, out) = build_stdin(dir.path(), two, &[]);
    run.ok();
    assert_eq!(get(&out, "k"), b"1\n");
    assert_eq!(get(&out, "j"), b"2\n");
}

/// A truncated compressed file must fail, not build from the part that
/// decoded (rows would be lost silently).
#[test]
fn truncated_compressed_input_is_an_error() {
    let dir = tempdir();
    for bytes in [FRUIT_GZ, FRUIT_XZ, FRUIT_ZST] {
        let (run, out) = build_stdin(dir.path(), &bytes[..bytes.len() - 6], &["--format", "csv"]);
        refused(&run, &out, "read error");
    }
}

/// The extension picks the format; `--format` always wins; other names and
/// stdin are TSV.
#[test]
fn format_from_the_extension_and_format_wins() {
    let dir = tempdir();
    let d = dir.path();
    let cases: [(&str, &[u8], &str, &[u8]); 5] = [
        (
            "a.jsonl",
            b"{\"key\":\"k\",\"n\":1}\n",
            "k",
            b"{\"key\":\"k\",\"n\":1}\n",
        ),
        ("a.ndjson", b"{\"key\":\"k\"}\n", "k", b"{\"key\":\"k\"}\n"),
        ("a.txt", b"k\tv\n", "k", b"v\n"),
        ("a.data", b"k\tv\n", "k", b"v\n"),
        ("a.tsv", b"k\tC:\\new\n", "k", b"C:\\new\n"),
    ];
    for (name, bytes, key, value) in cases {
        let input = write_file(d, name, bytes);
        let (run, out) = build_file(&input, &[]);
        run.ok();
        assert_eq!(get(&out, key), value, "{name}");
    }
    // A .csv read as TSV because --format says so.
    let input = write_file(d, "b.csv", "k\tv,w\n");
    let (run, out) = build_file(&input, &["--format", "tsv"]);
    run.ok();
    assert_eq!(get(&out, "k"), b"v,w\n");
    // An option of another format than the one the name gave is refused.
    let input = write_file(d, "c.csv", "k,v\n1,2\n");
    let (run, out) = build_file(&input, &["--value", "x"]);
    refused(&run, &out, "--value applies to --format jsonl");
    run.stderr_has("taken from the input's name");
}

/// zidx 1.0 read an index given as input as TSV and failed with "no tab on
/// this line". It is recognised by its magic bytes and refused, with the
/// command that does what was meant.
#[test]
fn an_index_given_as_input_is_refused() {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "words.zidx", "k\tv\n");
    let out = dir.path().join("copy.zidx");
    let run = zidx(args([&"build", &index, &"-o", &out]));
    refused(&run, &out, "is a zidx index, not text");
    run.stderr_has(&format!("zidx dump --escaped {}", index.display()));
    let run = zidx_stdin(
        args([&"build", &"-", &"-o", &out]),
        std::fs::read(&index).unwrap(),
    );
    refused(&run, &out, "<stdin>: this is a zidx index");
}

/// zidx 1.0 refused blank lines in TSV ("no tab on this line") but skipped
/// them silently in CSV and JSONL. One rule now: a line that is empty or
/// only spaces and tabs is skipped in every format, and the build says how
/// many it skipped.
#[test]
fn blank_lines_are_skipped_in_every_format_and_counted() {
    let dir = tempdir();
    let cases: [(&str, &[&str], &str); 3] = [
        ("\na\t1\n   \r\n\nb\t2\n", &[], "2\n"),
        ("k,v\n\na,1\n  \t\n\r\nb,2\n", &["--format", "csv"], "2\n"),
        (
            "\n{\"key\":\"a\"}\n \n\n{\"key\":\"b\"}\n",
            &["--format", "jsonl"],
            "{\"key\":\"b\"}\n",
        ),
    ];
    for (input, options, b_value) in cases {
        let (run, out) = build_stdin(dir.path(), input, options);
        run.code(0);
        assert_eq!(run.stderr, "zidx: skipped 3 blank lines\n", "{options:?}");
        assert_eq!(records(&out), 2);
        assert_eq!(get(&out, "b"), b_value.as_bytes());
    }
    // No blank line, no message.
    let (run, _) = build_stdin(dir.path(), "a\t1\n", &[]);
    run.ok();
    // A line with a tab is a record even if it holds nothing else: what
    // `zidx dump` writes for an empty key and value.
    let (run, out) = build_stdin(dir.path(), "\t\n", &[]);
    run.ok();
    assert_eq!(get(&out, ""), b"\n");
}

/// zidx 1.0 failed on JSONL that starts with a UTF-8 byte-order mark
/// ("invalid JSON"), and kept it as part of the first key in TSV and CSV
/// headers. It is dropped at the start of every format.
#[test]
fn a_byte_order_mark_is_dropped_in_every_format() {
    let dir = tempdir();
    let cases: [(&str, &[&str], &str); 3] = [
        (
            "\u{feff}{\"key\":\"a\"}\n",
            &["--format", "jsonl"],
            "{\"key\":\"a\"}\n",
        ),
        ("\u{feff}a\t1\n", &[], "1\n"),
        (
            "\u{feff}id,v\na,1\n",
            &["--format", "csv", "--key", "id"],
            "1\n",
        ),
    ];
    for (input, options, value) in cases {
        let (run, out) = build_stdin(dir.path(), input, options);
        run.ok();
        assert_eq!(get(&out, "a"), value.as_bytes(), "{options:?}");
    }
}

/// zidx 1.0's JSONL errors named two line numbers: ours and serde_json's
/// "at line 1 column N". Now only ours, and the column.
#[test]
fn jsonl_errors_name_one_line() {
    let dir = tempdir();
    let (run, out) = build_stdin(
        dir.path(),
        "{\"key\":1}\n\n{\"key\":2,}\n",
        &["--format", "jsonl"],
    );
    refused(
        &run,
        &out,
        "<stdin>:3: invalid JSON: trailing comma at column 10",
    );
    assert!(!run.stderr.contains("line 1"), "{}", run.stderr);
}

// ---- 14. --max-line sizes ----------------------------------------------------

/// zidx 1.0 refused `--max-line 1K` ("invalid digit found in string").
/// Sizes take K, M and G (powers of 1024), with or without `iB`/`B`.
#[test]
fn max_line_takes_size_suffixes() {
    let dir = tempdir();
    let fits = format!("k\t{}\n", "v".repeat(1022));
    let too_long = format!("k\t{}\n", "v".repeat(1023));
    for size in ["1K", "1KiB", "1kb", "1024"] {
        let (run, _) = build_stdin(dir.path(), &fits, &["--max-line", size]);
        run.ok();
        let (run, out) = build_stdin(dir.path(), &too_long, &["--max-line", size]);
        refused(&run, &out, "<stdin>:1: line longer than 1024 bytes");
    }
    let (run, _) = build_stdin(dir.path(), &too_long, &["--max-line", "1M"]);
    run.ok();
    for bad in ["1X", "0", "K", "-1"] {
        let (run, out) = build_stdin(dir.path(), "k\tv\n", &[&format!("--max-line={bad}")]);
        refused(&run, &out, "--max-line");
    }
}

// ---- 16. CSV and JSONL options -----------------------------------------------

/// zidx 1.0 had no `--delimiter`: `;`- or tab-separated files could not be
/// read as CSV.
#[test]
fn csv_delimiter() {
    let dir = tempdir();
    let (run, out) = build_stdin(
        dir.path(),
        "id;name;note\n1;Ann;\"a;b\"\n",
        &["--format", "csv", "--delimiter", ";", "--key", "name"],
    );
    run.ok();
    // The value is written in the input's dialect.
    assert_eq!(get(&out, "Ann"), b"1;\"a;b\"\n");
    for tab in ["tab", "\\t", "\t"] {
        let (run, out) = build_stdin(
            dir.path(),
            "id\tname\n1\t\"Ann, B\"\n",
            &["--format", "csv", "--delimiter", tab],
        );
        run.ok();
        assert_eq!(get(&out, "1"), b"Ann, B\n");
    }
    let (run, out) = build_stdin(dir.path(), "a\n", &["--format", "csv", "--delimiter", "\""]);
    refused(&run, &out, "--delimiter");
    let (run, out) = build_stdin(dir.path(), "a\tb\n", &["--delimiter", ";"]);
    refused(&run, &out, "--delimiter applies to --format csv");
}

/// zidx 1.0 had no `--no-header`, and `--key` was a column name only.
/// Without a header, columns are numbered from 1; with one, `--key 2` is the
/// column named "2" if there is one, else the second column.
#[test]
fn csv_without_header_and_key_by_number() {
    let dir = tempdir();
    let (run, out) = build_stdin(
        dir.path(),
        "1,Ann,x\n2,Bo,y\n",
        &["--format", "csv", "--no-header", "--key", "2"],
    );
    run.ok();
    assert_eq!(records(&out), 2);
    assert_eq!(get(&out, "Bo"), b"2,y\n");
    let (run, _) = build_stdin(dir.path(), "1,Ann\n", &["--format", "csv", "--no-header"]);
    run.ok();
    let (run, out) = build_stdin(
        dir.path(),
        "1,Ann\n",
        &["--format", "csv", "--no-header", "--key", "name"],
    );
    refused(
        &run,
        &out,
        "without a header row the key column is a number",
    );

    let (run, out) = build_stdin(
        dir.path(),
        "a,2,c\nx,y,z\n",
        &["--format", "csv", "--key", "2"],
    );
    run.ok();
    assert_eq!(get(&out, "y"), b"x,z\n");
    let (run, out) = build_stdin(
        dir.path(),
        "a,b,c\nx,y,z\n",
        &["--format", "csv", "--key", "3"],
    );
    run.ok();
    assert_eq!(get(&out, "z"), b"x,y\n");
}

/// zidx 1.0 had no `--value` and no nested key paths: `--key user.id` looked
/// for a top-level field named `user.id`.
#[test]
fn jsonl_value_field_and_nested_key() {
    let dir = tempdir();
    let input = "{\"user\":{\"id\":7},\"payload\":\"caf\\u00e9\"}\n\
                 {\"user\":{\"id\":\"x\"},\"payload\":{\"a\": [1, 2.50]}}\n\
                 {\"user\":{\"id\":8},\"payload\":1.50,\"a.b\":\"dotted\"}\n";
    let (run, out) = build_stdin(
        dir.path(),
        input,
        &[
            "--format", "jsonl", "--key", "user.id", "--value", "payload",
        ],
    );
    run.ok();
    assert_eq!(get(&out, "7"), "café\n".as_bytes());
    assert_eq!(get(&out, "x"), b"{\"a\": [1, 2.50]}\n");
    assert_eq!(get(&out, "8"), b"1.50\n");
    // A dot in a field name is written `\.`.
    let (run, out) = build_stdin(
        dir.path(),
        "{\"a.b\":\"k\"}\n",
        &["--format", "jsonl", "--key", "a\\.b"],
    );
    run.ok();
    assert_eq!(get(&out, "k"), b"{\"a.b\":\"k\"}\n");
    let (run, out) = build_stdin(
        dir.path(),
        "{\"key\":1,\"v\":null}\n",
        &["--format", "jsonl", "--value", "v"],
    );
    refused(&run, &out, "<stdin>:1: field \"v\" is null");
}

// ---- 6. Input shown in messages is escaped -----------------------------------

/// zidx 1.0 printed CSV header names raw in "no column named" messages: an
/// ESC sequence in a header recoloured (or retitled, or rewrote) the user's
/// terminal. They are escaped as `zidx dump --escaped` writes them.
#[test]
fn csv_header_names_are_escaped_in_messages() {
    let dir = tempdir();
    let (run, out) = build_stdin(
        dir.path(),
        "id,\x1b[31mname\x1b]0;owned\x07\n1,2\n",
        &["--format", "csv", "--key", "missing"],
    );
    refused(
        &run,
        &out,
        "(columns: \"id\", \"\\x1b[31mname\\x1b]0;owned\\x07\")",
    );
    assert!(
        !run.stderr.contains('\x1b'),
        "raw ESC on stderr: {:?}",
        run.stderr
    );
    assert!(
        !run.stderr.contains('\x07'),
        "raw BEL on stderr: {:?}",
        run.stderr
    );
}

/// The same for JSONL: a field name given on the command line, and a key
/// decoded from the input (`\u001b` is ESC), are shown escaped.
#[test]
fn jsonl_field_names_and_keys_are_escaped_in_messages() {
    let dir = tempdir();
    let (run, out) = build_stdin(
        dir.path(),
        "{\"key\":\"\\u001b[2J\"}\n{\"key\":\"\\u001b[2J\"}\n",
        &["--format", "jsonl"],
    );
    refused(
        &run,
        &out,
        "<stdin>:2: duplicate key \"\\x1b[2J\": first on line 1",
    );
    assert!(
        !run.stderr.contains('\x1b'),
        "raw ESC on stderr: {:?}",
        run.stderr
    );
    let (run, out) = build_stdin(
        dir.path(),
        "{\"x\":1}\n",
        &["--format", "jsonl", "--key", "\x1b[2Jid"],
    );
    refused(&run, &out, "object has no field \"\\x1b[2Jid\"");
    assert!(
        !run.stderr.contains('\x1b'),
        "raw ESC on stderr: {:?}",
        run.stderr
    );
}
