//! What the reader commands write, and what they read besides the index,
//! for issue 8 ("Hostile keys, lost rows, clobbered files"): escaped keys
//! and names in messages (item 6), capped key lines (7), raw TSV output that
//! `zidx build` reads back exactly or refuses loudly (10), `--no-mmap` on
//! the reader commands only (14), `get` with several keys and `--default`
//! (15), and `keys`, `stats`, `count`, completions and the man page (16).
//!
//! Each test's comment says how zidx as of commit 64a6207 failed it.

mod common;

use std::ffi::OsString;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;

const FRUIT: &str = "apple\tred\nbanana\tyellow\ncherry\tdark red\n";

fn fruit() -> (tempfile::TempDir, PathBuf) {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "fruit.zidx", FRUIT);
    (dir, index)
}

/// Panics if `text` holds an ESC, BEL or other control character a
/// terminal would act on (LF aside).
#[track_caller]
fn assert_no_control_characters(text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n')
        .collect();
    assert!(bad.is_empty(), "control characters {bad:?} in {text:?}");
}

// ---- 6. Terminal injection --------------------------------------------------

/// A missing key is named escaped, as `zidx dump --escaped` writes it, so
/// that an ESC sequence in a key cannot recolour or rewrite the terminal.
/// On 64a6207 the key was printed raw (`key not found: <ESC>[31m...`).
#[test]
fn key_not_found_shows_the_key_escaped() {
    let (_dir, index) = fruit();
    let hostile = OsString::from("\u{1b}[31mred\u{7}\u{1b}]0;pwned\u{7}");
    let shown = "\"\\x1b[31mred\\x07\\x1b]0;pwned\\x07\"";
    let one = zidx(args([&"get", &index, &hostile]));
    one.code(1)
        .stdout_is("")
        .stderr_has(&format!("zidx: key not found: {shown}"));
    assert_no_control_characters(&one.stderr);
    let several = zidx(args([&"get", &index, &"apple", &hostile]));
    several
        .code(1)
        .stdout_is("apple\tred\n")
        .stderr_has(&format!("zidx: key not found: {shown}"));
    assert_no_control_characters(&several.stderr);
}

/// Error messages that name a file escape the control characters in its
/// name. On 64a6207 `zidx inspect` printed the name raw.
#[test]
fn error_messages_escape_control_characters_in_file_names() {
    let dir = tempdir();
    let name = dir.path().join("\u{1b}[2J\u{1b}]0;pwned\u{7}.zidx");
    for cmd in ["inspect", "verify", "dump", "keys", "stats", "count"] {
        let out = zidx(args([&cmd, &name]));
        out.code(2)
            .stdout_is("")
            .stderr_has("\\x1b[2J\\x1b]0;pwned\\x07.zidx");
        assert_no_control_characters(&out.stderr);
    }
    // The same file name in a file that exists but is no index.
    std::fs::write(&name, "not an index\n".repeat(20)).unwrap();
    let out = zidx(args([&"get", &name, &"k"]));
    out.code(2).stderr_has("not a zidx file");
    assert_no_control_characters(&out.stderr);
}

// ---- 7. Unbounded reads ------------------------------------------------------

/// Runs `zidx ARGS` with stdin reading `input` from a file, and returns the
/// output and how far into the file zidx read (the file offset it shares
/// with this process).
fn zidx_stdin_file(argv: &[OsString], input: &[u8]) -> (i32, Vec<u8>, String, u64) {
    let mut file = tempfile::tempfile().expect("temporary file");
    file.write_all(input).unwrap();
    file.rewind().unwrap();
    let out = Command::new(ZIDX)
        .args(argv)
        .stdin(Stdio::from(file.try_clone().unwrap()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("run zidx");
    let read = file.stream_position().unwrap();
    (
        out.status.code().expect("exit code"),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
        read,
    )
}

/// The longest line that can hold a key: 65,535 bytes, each escaped as
/// `\xHH`, and a CRLF.
const MAX_KEY_LINE: usize = 4 * 65_535 + 2;

/// `get -` refuses a line no key can fill, naming it, after reading at most
/// the cap (plus buffering) of it. On 64a6207 the 1 MB line was read whole
/// (a 1 GB line took 1.96 GB of memory) and looked up as a key: exit 1.
#[test]
fn get_stdin_refuses_a_line_longer_than_any_key_without_reading_it() {
    let (_dir, index) = fruit();
    let mut input = b"apple\n".to_vec();
    input.extend(std::iter::repeat_n(b'k', 1 << 20));
    input.extend_from_slice(b"\nbanana\n");
    for escaped in [false, true] {
        let mut argv = args([&"get", &index, &"-"]);
        if escaped {
            argv.push("--escaped".into());
        }
        let (code, stdout, stderr, read) = zidx_stdin_file(&argv, &input);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains(&format!(
                "zidx: error: <stdin>:2: line longer than {MAX_KEY_LINE} bytes"
            )),
            "{stderr}"
        );
        assert_eq!(stdout, b"apple\tred\n");
        // The cap, one 64 KiB buffer and std's own 8 KiB one: far from 1 MiB.
        assert!(
            read <= (MAX_KEY_LINE + (80 << 10)) as u64,
            "read {read} bytes of the input"
        );
    }
}

/// The cap is exact: the longest escaped key, with a CRLF, is a key (here
/// absent), one byte more is refused.
#[test]
fn get_stdin_accepts_the_longest_escaped_key_line() {
    let (_dir, index) = fruit();
    let longest = format!("{}\r\n", "\\xff".repeat(65_535));
    assert_eq!(longest.len(), MAX_KEY_LINE);
    zidx_stdin(args([&"get", &index, &"-", &"--escaped"]), &longest)
        .code(1)
        .stderr_has("1 of 1 keys not found");
    let longer = format!("x{longest}");
    zidx_stdin(args([&"get", &index, &"-", &"--escaped"]), &longer)
        .code(2)
        .stderr_has("<stdin>:1: line longer than");
}

/// `bench --keys FILE` reads its lines with the same cap. On 64a6207 the
/// line was read whole and the benchmark ran (exit 0).
#[test]
fn bench_keys_refuses_a_line_longer_than_any_key() {
    let (dir, index) = fruit();
    let mut keys = b"apple\n".to_vec();
    keys.extend(std::iter::repeat_n(b'k', 1 << 20));
    keys.push(b'\n');
    let file = write_file(dir.path(), "keys.txt", &keys);
    zidx(args([&"bench", &index, &"--keys", &file, &"--cold", &"0"]))
        .code(2)
        .stdout_is("")
        .stderr_has(&format!(
            "{}:2: line longer than {MAX_KEY_LINE} bytes",
            file.display()
        ));
}

// ---- 10. Raw TSV out, the one pipeline ----------------------------------------

/// Records any raw TSV carries: backslashes that look like escapes, tabs in
/// values, control bytes, bytes that are not UTF-8, empty keys and values,
/// spaces.
const RAW_SAFE: &[u8] = b"p\tC:\\new\\table\n\
    tex\t\\table[H] \\'\n\
    tabs\ta\tb\t\tc\n\
    ctl\x01\x1b[31m\t\x7f\x00\xff\xfe\n\
    \tempty key\n\
    empty value\t\n\
    \x20\t \n";

/// Records without backslashes, which every version of `zidx build` reads
/// the same way: tabs in values, control bytes, bytes that are not UTF-8.
const PLAIN: &[u8] = b"tabs\ta\tb\t\tc\nctl\x01\x1b[31m\t\x7f\x00\xff\xfe\nk\tv\n";

/// `zidx dump` writes raw TSV: the records' bytes as they are. On 64a6207
/// it wrote escapes (`a\\tb`, `\\x01`), which plain TSV tools and
/// `zidx build --format tsv` read as different bytes.
#[test]
fn dump_writes_the_bytes_as_they_are() {
    let dir = tempdir();
    let plain = build_tsv(dir.path(), "plain.zidx", PLAIN);
    zidx(args([&"dump", &plain])).ok().stdout_is(PLAIN);
    // Backslashes are bytes like any other.
    let index = build_tsv(dir.path(), "raw.zidx", RAW_SAFE);
    zidx(args([&"dump", &index])).ok().stdout_is(RAW_SAFE);
    zidx(args([&"dump", &"--no-mmap", &index]))
        .ok()
        .stdout_is(RAW_SAFE);
}

/// `sh -c 'zidx dump A | zidx build - -o B'`, in a shell without
/// `pipefail`: the exit code of the pipeline and whether B is A.
fn dump_pipe_build(a: &Path, b: &Path, dump_options: &str, build_options: &str) -> (i32, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "\"$ZIDX\" dump {dump_options} \"$A\" | \"$ZIDX\" build - {build_options} -o \"$B\""
        ))
        .env("ZIDX", ZIDX)
        .env("A", a)
        .env("B", b)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    (
        out.status.code().expect("exit code"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The documented pipeline reproduces an index byte for byte when raw TSV
/// can carry its records, and otherwise fails loudly: the dump names the
/// record and suggests `--escaped`, and the build fails on the dump's last
/// line, so B is not written even without `pipefail`. On 64a6207 the dump
/// never refused a record (it escaped them all, exit 0), and its build had
/// no `--format tsv-escaped` to read the escaped form (this test fails
/// there at building the first index, whose `\'` was a bad escape then).
#[test]
fn dump_pipe_build_reproduces_the_index_or_fails_loudly() {
    let dir = tempdir();
    let dir = dir.path();
    let a = build_tsv(dir, "a.zidx", RAW_SAFE);
    let b = dir.join("b.zidx");
    let (code, stderr) = dump_pipe_build(&a, &b, "", "");
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());

    // A key with a tab, a value with a newline: raw TSV cannot carry them.
    for (input, record, why) in [
        (&b"ok\t1\nt\\tab\tv\n"[..], 2, "its key holds a tab"),
        (b"k\tline\\nbreak\n", 1, "its value holds a line feed"),
        (b"k\tcr\\r\n", 1, "its value holds a carriage return"),
        (b"ok\t1\n\\xef\\xbb\\xbfbom\tv\n", 2, "byte-order mark"),
        (b"\\x1f\\x8bgz\tv\n", 1, "a gzip stream"),
    ] {
        let a = build_tsv_escaped(dir, "hard.zidx", input);
        let b = dir.join("never.zidx");
        let dumped = zidx(args([&"dump", &a]));
        dumped
            .code(2)
            .stderr_has(&format!("{}: record {record} (key ", a.display()))
            .stderr_has(why)
            .stderr_has("use --escaped");
        assert!(
            !dumped
                .stdout
                .split(|&b| b == b'\n')
                .nth(record - 1)
                .unwrap()
                .contains(&b'\t'),
            "the line in place of the refused record holds no tab"
        );
        let (code, stderr) = dump_pipe_build(&a, &b, "", "");
        assert_eq!(code, 2, "the build in the pipeline fails: {stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert!(!b.exists(), "{input:?}: a partial index was written");
        // The escaped form carries every record.
        let (code, stderr) = dump_pipe_build(&a, &b, "--escaped", "--format tsv-escaped");
        assert_eq!(code, 0, "{stderr}");
        assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
        std::fs::remove_file(&b).unwrap();
    }
}

/// `dump --escaped | build --format tsv-escaped` carries keys and values of
/// every byte. On 64a6207 `--escaped` was not an option (exit 2).
#[test]
fn escaped_dump_round_trips_every_byte() {
    let dir = tempdir();
    let dir = dir.path();
    let mut input = Vec::new();
    for b in 0..=255u8 {
        input.extend_from_slice(format!("k\\x{b:02x}\tv\\x{b:02x}\\x{:02x}\n", 255 - b).as_bytes());
    }
    let a = build_tsv_escaped(dir, "a.zidx", &input);
    let b = dir.join("b.zidx");
    let (code, stderr) = dump_pipe_build(&a, &b, "--escaped", "--format tsv-escaped");
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
}

/// `get -` reads keys as they are by default, and `--escaped` decodes them;
/// its output takes the same form. On 64a6207 stdin keys were always
/// decoded, so the key `C:\new` was looked up as `C:`, newline, `ew` (this
/// test fails there already at building its index, as the one above).
#[test]
fn get_stdin_reads_and_writes_raw_unless_escaped() {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "raw.zidx", RAW_SAFE);
    zidx_stdin(args([&"get", &index, &"-"]), "p\ntabs\n\nnope\n")
        .code(1)
        .stdout_is("p\tC:\\new\\table\ntabs\ta\tb\t\tc\n\tempty key\n")
        .stderr_has("zidx: 1 of 4 keys not found");
    zidx_stdin(
        args([&"get", &index, &"-", &"--escaped"]),
        "p\nctl\\x01\\x1b[31m\n",
    )
    .ok()
    .stdout_is(b"p\tC:\\\\new\\\\table\nctl\\x01\\x1b[31m\t\\x7f\\x00\xff\xfe\n");
}

/// `get` never writes a `KEY<TAB>VALUE` line raw TSV would misread: a value
/// with a newline is refused, naming the key and suggesting `--escaped`.
/// On 64a6207 `get -` escaped its output, and `get K1 K2` printed bare
/// values, newlines included, one answer running into the next.
#[test]
fn get_refuses_raw_lines_it_cannot_write() {
    let dir = tempdir();
    let index = build_tsv_escaped(dir.path(), "x.zidx", "a\t1\nml\tline 1\\nline 2\n");
    let out = zidx(args([&"get", &index, &"a", &"ml"]));
    out.code(2)
        .stderr_has("key \"ml\" (argument 2): its value holds a line feed")
        .stderr_has("use --escaped");
    assert!(out.stdout.starts_with(b"a\t1\n"), "{:?}", out.text());
    zidx(args([&"get", &index, &"a", &"ml", &"--escaped"]))
        .ok()
        .stdout_is("a\t1\nml\tline 1\\nline 2\n");
    zidx_stdin(args([&"get", &index, &"-"]), "a\nml\n")
        .code(2)
        .stderr_has("<stdin>:2: key \"ml\": its value holds a line feed");
    // One key: the value alone, raw, newlines and all.
    zidx(args([&"get", &index, &"ml"]))
        .ok()
        .stdout_is("line 1\nline 2\n");
}

// ---- 14. --no-mmap on the reader commands only --------------------------------

/// `--no-mmap` is an option of the commands that read an index, accepted
/// after their name or (as before) before it, and not offered by `build`.
/// On 64a6207 it was global, so `zidx build --help` listed it and `zidx
/// build --no-mmap` accepted it and did nothing.
#[test]
fn no_mmap_belongs_to_the_reader_commands() {
    let (_dir, index) = fruit();
    let build_help = zidx(["build", "--help"]);
    build_help.ok();
    assert!(
        !build_help.text().contains("--no-mmap"),
        "{}",
        build_help.text()
    );
    for (cmd, extra) in [
        ("get", vec!["apple"]),
        ("inspect", vec![]),
        ("verify", vec![]),
        ("dump", vec![]),
        ("keys", vec![]),
        ("stats", vec![]),
        ("count", vec![]),
        ("bench", vec!["--passes", "1", "--samples", "10"]),
    ] {
        let help = zidx([cmd, "--help"]);
        help.ok();
        assert!(help.text().contains("--no-mmap"), "{cmd} --help");
        let mut after = args([&cmd, &index]);
        after.extend(extra.iter().map(OsString::from));
        after.push("--no-mmap".into());
        let mut before = args([&"--no-mmap", &cmd, &index]);
        before.extend(extra.iter().map(OsString::from));
        let expected = zidx(&after);
        expected.ok();
        let got = zidx(&before);
        got.ok();
        if cmd != "bench" {
            got.stdout_is(&expected.stdout);
        }
    }
    let out = index.with_file_name("x.zidx");
    zidx_stdin(args([&"--no-mmap", &"build", &"-", &"-o", &out]), "k\tv\n")
        .code(2)
        .stdout_is("")
        .stderr_has("--no-mmap applies to the commands that read an index");
    zidx_stdin(args([&"build", &"-", &"-o", &out, &"--no-mmap"]), "k\tv\n")
        .code(2)
        .stderr_has("unexpected argument '--no-mmap'");
    assert!(!out.exists());
}

// ---- 15. get with several keys, --default ------------------------------------

/// With several keys each value comes with its key, so values can be
/// matched to keys when some are missing. On 64a6207 `get IDX apple nope
/// cherry` printed `red` and `dark red`: which key was missing could only
/// be guessed from stderr.
#[test]
fn get_several_keys_pairs_each_value_with_its_key() {
    let (_dir, index) = fruit();
    let out = zidx(args([
        &"get", &index, &"apple", &"nope", &"cherry", &"apple",
    ]));
    out.code(1)
        .stdout_is("apple\tred\ncherry\tdark red\napple\tred\n")
        .stderr_has("zidx: key not found: \"nope\"");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    // One key: the value alone.
    zidx(args([&"get", &index, &"banana"]))
        .ok()
        .stdout_is("yellow\n");
}

/// `--default VALUE` answers a missing key with VALUE (exit 0), in every
/// form of `get`. On 64a6207 there was no such option (exit 2).
#[test]
fn get_default_answers_missing_keys() {
    let (_dir, index) = fruit();
    zidx(args([&"get", &index, &"nope", &"--default", &"none"]))
        .ok()
        .stdout_is("none\n");
    zidx(args([&"get", &index, &"apple", &"nope", &"--default", &""]))
        .ok()
        .stdout_is("apple\tred\nnope\t\n");
    zidx(args([&"get", &index, &"--default", &"-1", &"nope"]))
        .ok()
        .stdout_is("-1\n");
    zidx_stdin(args([&"get", &index, &"-", &"--default=?"]), "x\ncherry\n")
        .ok()
        .stdout_is("x\t?\ncherry\tdark red\n");
    // The default is a value like any other: escaped with --escaped.
    zidx(args([
        &"get",
        &index,
        &"nope",
        &"--default",
        &"a\tb",
        &"--escaped",
    ]))
    .ok()
    .stdout_is("a\\tb\n");
}

/// Keys that start with `-` go after `--`, and `get --help` says so. On
/// 64a6207 the help did not mention it.
#[test]
fn get_keys_starting_with_a_dash_go_after_double_dash() {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "x.zidx", "-1\tminus one\n--all\tflag-like\n");
    zidx(args([&"get", &index, &"--", &"-1", &"--all"]))
        .ok()
        .stdout_is("-1\tminus one\n--all\tflag-like\n");
    zidx(args([&"get", &index, &"--", &"-1"]))
        .ok()
        .stdout_is("minus one\n");
    let help = zidx(["get", "--help"]);
    help.ok();
    assert!(
        help.text().contains("Keys that start with - go after --"),
        "{}",
        help.text()
    );
}

// ---- 16. keys, stats, count, completions, man ---------------------------------

/// `zidx keys` lists every key, raw or escaped, in stored order, and its
/// output is the input of `get -`. On 64a6207 there was no `keys` command.
#[test]
fn keys_lists_every_key() {
    let dir = tempdir();
    let index = build_tsv(dir.path(), "raw.zidx", RAW_SAFE);
    let listed = zidx(args([&"keys", &index]));
    listed
        .ok()
        .stdout_is(b"p\ntex\ntabs\nctl\x01\x1b[31m\n\nempty value\n \n".as_slice());
    // keys | get - finds every key.
    zidx_stdin(args([&"get", &index, &"-"]), &listed.stdout)
        .ok()
        .stdout_is(RAW_SAFE);
    let odd = build_tsv_escaped(dir.path(), "odd.zidx", "a\\nb\t1\nc\\td\t2\n");
    zidx(args([&"keys", &odd, &"--escaped"]))
        .ok()
        .stdout_is("a\\nb\nc\\td\n");
    zidx(args([&"keys", &odd]))
        .code(2)
        .stderr_has("record 1 (key \"a\\nb\"): its key holds a line feed")
        .stderr_has("use --escaped");
}

/// `zidx stats` gives the record count and the key and value length
/// distributions. On 64a6207 there was no `stats` command.
#[test]
fn stats_gives_length_distributions() {
    let dir = tempdir();
    let mut tsv = String::new();
    // Keys of 1 to 100 bytes; values of 0 bytes but one of 1000.
    for n in 1..=100 {
        let value = if n == 100 {
            "v".repeat(1000)
        } else {
            String::new()
        };
        tsv.push_str(&format!("{}\t{value}\n", "k".repeat(n)));
    }
    let index = build_tsv(dir.path(), "x.zidx", &tsv);
    let out = zidx(args([&"stats", &index, &"--json"]));
    out.ok();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["records"], 100);
    let keys = &json["key_length"];
    assert_eq!(
        [
            &keys["min"],
            &keys["max"],
            &keys["median"],
            &keys["p90"],
            &keys["p99"]
        ],
        [1, 100, 50, 90, 99]
    );
    assert_eq!(keys["total"], 5050);
    assert_eq!(keys["mean"], 50.5);
    let ranges: Vec<(u64, u64, u64)> = keys["histogram"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["from"].as_u64().unwrap(),
                r["to"].as_u64().unwrap(),
                r["records"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranges,
        [
            (1, 1, 1),
            (2, 3, 2),
            (4, 7, 4),
            (8, 15, 8),
            (16, 31, 16),
            (32, 63, 32),
            (64, 127, 37)
        ]
    );
    let values = &json["value_length"];
    assert_eq!(
        [
            &values["min"],
            &values["median"],
            &values["p99"],
            &values["max"]
        ],
        [0, 0, 0, 1000]
    );
    let text = zidx(args([&"stats", &index]));
    text.ok();
    assert!(
        text.text().starts_with("records      100\n"),
        "{}",
        text.text()
    );
    assert!(
        text.text().contains(
            "key bytes    total 5050, min 1, max 100, mean 50.50, median 50, p90 90, p99 99\n"
        ),
        "{}",
        text.text()
    );
    // No records: no lengths.
    let empty = build_tsv(dir.path(), "empty.zidx", "");
    zidx(args([&"stats", &empty]))
        .ok()
        .stdout_is("records      0\nkey bytes    (no records)\nvalue bytes  (no records)\n");
}

/// `zidx count` prints the record count from the header. On 64a6207 there
/// was no `count` command.
#[test]
fn count_prints_the_record_count() {
    let (dir, index) = fruit();
    zidx(args([&"count", &index])).ok().stdout_is("3\n");
    let empty = build_tsv(dir.path(), "empty.zidx", "");
    zidx(args([&"count", &empty])).ok().stdout_is("0\n");
}

/// Shell completions and the man page come from the parser itself. On
/// 64a6207 there were neither.
#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = zidx(["completions", shell]);
        out.ok();
        for needle in ["zidx", "stats", "--no-mmap", "--escaped"] {
            assert!(out.text().contains(needle), "{shell}: no {needle:?}");
        }
    }
    let man = zidx(["man"]);
    man.ok();
    assert!(man.text().contains(".TH zidx 1"), "{}", man.text());
    for needle in ["build", "keys", "stats", "Exit codes"] {
        assert!(man.text().contains(needle), "man page lacks {needle:?}");
    }
    let get = zidx(["man", "get"]);
    get.ok();
    assert!(get.text().contains(".TH zidx-get 1"), "{}", get.text());
    assert!(get.text().contains("\\-\\-default"), "{}", get.text());
}

/// A closed stdout ends the new commands quietly, as it ends `dump`.
#[cfg(unix)]
#[test]
fn new_commands_are_quiet_on_a_closed_stdout() {
    let (_dir, index) = fruit();
    for argv in [
        args([&"keys", &index]),
        args([&"stats", &index]),
        args([&"count", &index]),
        args([&"get", &index, &"apple", &"banana"]),
        args([&"completions", &"bash"]),
        args([&"man"]),
    ] {
        let out = zidx_closed_stdout(&argv);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{argv:?}");
    }
}
