//! The `zidx` command as a whole: help, version, usage errors and their exit
//! codes, and what `build` does to the output path when it cannot run.
//!
//! The other test files: `build_input.rs` (input formats), `build_errors.rs`
//! (bad input), `query.rs` (get, inspect, verify, dump, --no-mmap).

mod common;

use common::*;

// ---- Help and version -----------------------------------------------------

const SUBCOMMANDS: [&str; 11] = [
    "build",
    "get",
    "inspect",
    "verify",
    "dump",
    "keys",
    "stats",
    "count",
    "bench",
    "completions",
    "man",
];

#[test]
fn top_level_help_lists_commands_exit_codes_and_examples() {
    for flag in ["--help", "-h"] {
        let out = zidx([flag]);
        out.ok();
        let text = out.text();
        assert!(text.contains("Usage: zidx"), "{text}");
        assert!(text.contains("Examples"), "{text}");
        assert!(text.contains("Exit codes: 0 success, 1 a key was not found, 2"));
        for sub in SUBCOMMANDS {
            assert!(text.contains(sub), "help should list {sub}: {text}");
        }
    }
}

#[test]
fn every_subcommand_help_has_examples() {
    for sub in SUBCOMMANDS {
        for argv in [vec![sub, "--help"], vec!["help", sub], vec![sub, "-h"]] {
            let out = zidx(&argv);
            out.ok();
            let text = out.text();
            assert!(
                text.contains(&format!("Usage: zidx {sub}")),
                "{argv:?}: {text}"
            );
            assert!(text.contains("Examples"), "{argv:?}: {text}");
            assert!(
                text.contains(&format!("zidx {sub} ")),
                "{argv:?}: examples should show `zidx {sub}`: {text}"
            );
        }
    }
}

#[test]
fn build_help_describes_input_formats_and_options() {
    let out = zidx(["build", "--help"]);
    out.ok();
    let text = out.text();
    for needle in [
        "--format",
        "--key",
        "--on-duplicate",
        "--max-line",
        "tsv",
        "tsv-escaped",
        "csv",
        "jsonl",
        "\\\\ \\t \\n \\r \\xHH",
        "on any error OUT is left as it was",
    ] {
        assert!(
            text.contains(needle),
            "build --help lacks {needle:?}:\n{text}"
        );
    }
    // Options that do nothing for build are not offered (issue 8, item 14):
    // --no-mmap belongs to the commands that read an index.
    for absent in ["--no-mmap", "--no-escapes"] {
        assert!(
            !text.contains(absent),
            "build --help offers {absent}:\n{text}"
        );
    }
}

#[test]
fn version_flag() {
    let out = zidx(["--version"]);
    out.ok();
    assert_eq!(
        out.text(),
        format!("zidx {}\n", env!("CARGO_PKG_VERSION")),
        "--version"
    );
}

// ---- Usage errors exit 2 --------------------------------------------------

#[track_caller]
fn usage_error(argv: &[&str], needle: &str) {
    let out = zidx(argv);
    out.code(2).stdout_is("").stderr_has(needle);
}

#[test]
fn usage_errors_exit_2() {
    usage_error(&[], "Usage: zidx");
    usage_error(&["frobnicate"], "unrecognized subcommand");
    usage_error(&["--bogus", "dump", "x"], "unexpected argument '--bogus'");
    usage_error(&["build", "in.tsv"], "--output <OUTPUT>");
    usage_error(&["build", "in.tsv", "-o"], "a value is required");
    usage_error(
        &["build", "-", "-o", "x", "--format", "xml"],
        "invalid value 'xml'",
    );
    usage_error(
        &["build", "-", "-o", "x", "--on-duplicate", "second"],
        "invalid value 'second'",
    );
    usage_error(
        &["build", "-", "-o", "x", "--max-line", "many"],
        "invalid value 'many'",
    );
    usage_error(
        &["build", "-", "-o", "x", "--max-line=-1"],
        "invalid value '-1'",
    );
    usage_error(&["build", "a", "b", "-o", "x"], "unexpected argument 'b'");
    usage_error(&["get"], "<INDEX>");
    usage_error(&["get", "x.zidx"], "<KEYS>...");
    usage_error(&["inspect"], "<INDEX>");
    usage_error(&["inspect", "a", "b"], "unexpected argument 'b'");
    usage_error(&["inspect", "a", "--yaml"], "unexpected argument '--yaml'");
    usage_error(&["verify"], "<INDEX>");
    usage_error(&["dump"], "<INDEX>");
    usage_error(&["dump", "a", "b"], "unexpected argument 'b'");
    usage_error(&["keys"], "<INDEX>");
    usage_error(&["stats", "a", "--yaml"], "unexpected argument '--yaml'");
    usage_error(&["count"], "<INDEX>");
    usage_error(&["completions"], "<SHELL>");
    usage_error(&["completions", "cmd.exe"], "invalid value 'cmd.exe'");
    usage_error(&["man", "frobnicate"], "no command \"frobnicate\"");
    // --no-escapes was replaced by --escaped (raw keys are the default).
    usage_error(
        &["get", "x.zidx", "-", "--no-escapes"],
        "unexpected argument",
    );
    usage_error(&["bench", "x.zidx", "--escaped"], "--keys <KEYS>");
}

#[test]
fn usage_errors_do_not_touch_the_output() {
    let dir = tempdir();
    let dir = dir.path();
    let out = build_tsv(dir, "x.zidx", "k\tv\n");
    let before = std::fs::read(&out).unwrap();
    let input = write_file(dir, "in.tsv", "new\tvalue\n");
    for extra in [
        vec!["--format", "xml"],
        vec!["--on-duplicate", "never"],
        vec!["--max-line", "x"],
        vec!["--key", "k"], // --key is for csv and jsonl only
        vec!["--no-such-flag"],
    ] {
        let mut argv = args([&"build", &input, &"-o", &out]);
        argv.extend(extra.iter().map(Into::into));
        zidx(&argv).code(2).stdout_is("");
        assert!(
            std::fs::read(&out).unwrap() == before,
            "{extra:?} changed the output"
        );
        assert_no_temp_files(dir);
        assert_eq!(listing(dir), ["in.tsv", "x.zidx"]);
    }
}

#[test]
fn key_option_with_tsv_is_refused() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--key", &"k"]),
        "k\tv\n",
    )
    .code(2)
    .stdout_is("")
    .stderr_has("zidx: error: --key applies to --format csv and jsonl");
    assert!(!out.exists());
}

// ---- build: missing input, bad output paths -------------------------------

#[test]
fn missing_input_file_exits_2_and_creates_nothing() {
    let dir = tempdir();
    let dir = dir.path();
    let input = dir.join("no-such.tsv");
    let out = dir.join("x.zidx");
    zidx(args([&"build", &input, &"-o", &out]))
        .code(2)
        .stdout_is("")
        .stderr_has(&format!("zidx: error: {}: ", input.display()));
    assert!(!out.exists());
    assert_no_temp_files(dir);
    assert!(listing(dir).is_empty());
}

#[test]
fn missing_input_file_leaves_existing_output_unchanged() {
    let dir = tempdir();
    let dir = dir.path();
    let out = build_tsv(dir, "x.zidx", "k\tv\n");
    let before = std::fs::read(&out).unwrap();
    let input = dir.join("no-such.tsv");
    zidx(args([&"build", &input, &"-o", &out]))
        .code(2)
        .stderr_has(&input.display().to_string());
    assert!(std::fs::read(&out).unwrap() == before);
    assert_no_temp_files(dir);
    assert_eq!(listing(dir), ["x.zidx"]);
}

#[test]
fn input_that_is_a_directory_exits_2() {
    let dir = tempdir();
    let dir = dir.path();
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let out = dir.join("x.zidx");
    zidx(args([&"build", &sub, &"-o", &out]))
        .code(2)
        .stdout_is("");
    assert!(!out.exists());
    assert_no_temp_files(dir);
}

#[test]
fn output_in_missing_directory_exits_2() {
    let dir = tempdir();
    let out = dir.path().join("no").join("such").join("x.zidx");
    zidx_stdin(args([&"build", &"-", &"-o", &out]), "k\tv\n")
        .code(2)
        .stdout_is("")
        .stderr_has("zidx: error: ");
    assert!(!out.exists());
    assert!(listing(dir.path()).is_empty());
}

#[test]
fn output_that_is_a_directory_exits_2_and_cleans_up() {
    let dir = tempdir();
    let dir = dir.path();
    let target = dir.join("target.zidx");
    std::fs::create_dir(&target).unwrap();
    zidx_stdin(args([&"build", &"-", &"-o", &target]), "k\tv\n")
        .code(2)
        .stdout_is("")
        .stderr_has(&target.display().to_string());
    assert!(target.is_dir());
    assert!(listing(&target).is_empty());
    assert_no_temp_files(dir);
    assert_eq!(listing(dir), ["target.zidx"]);
}

#[test]
fn successful_build_is_silent_when_stderr_is_not_a_terminal() {
    let dir = tempdir();
    let input = write_file(dir.path(), "in.tsv", "k\tv\n");
    let out = dir.path().join("x.zidx");
    zidx(args([&"build", &input, &"-o", &out]))
        .ok()
        .stdout_is("");
    assert_eq!(listing(dir.path()), ["in.tsv", "x.zidx"]);
}

// ---- Exit codes of the query commands --------------------------------------

#[test]
fn exit_codes_of_every_command() {
    let dir = tempdir();
    let dir = dir.path();
    let index = build_tsv(dir, "x.zidx", "k\tv\n");
    let junk = write_file(dir, "junk", "j".repeat(1000));
    let missing = dir.join("missing.zidx");
    for (argv, code) in [
        (args([&"get", &index, &"k"]), 0),
        (args([&"get", &index, &"nope"]), 1),
        (args([&"get", &index, &"k", &"nope"]), 1),
        (args([&"get", &junk, &"k"]), 2),
        (args([&"get", &missing, &"k"]), 2),
        (args([&"inspect", &index]), 0),
        (args([&"inspect", &junk]), 2),
        (args([&"inspect", &missing]), 2),
        (args([&"verify", &index]), 0),
        (args([&"verify", &junk]), 2),
        (args([&"verify", &missing]), 2),
        (args([&"dump", &index]), 0),
        (args([&"dump", &junk]), 2),
        (args([&"dump", &missing]), 2),
        (args([&"keys", &index]), 0),
        (args([&"keys", &junk]), 2),
        (args([&"keys", &missing]), 2),
        (args([&"stats", &index]), 0),
        (args([&"stats", &junk]), 2),
        (args([&"stats", &missing]), 2),
        (args([&"count", &index]), 0),
        (args([&"count", &junk]), 2),
        (args([&"count", &missing]), 2),
        (args([&"get", &index, &"nope", &"--default", &"d"]), 0),
    ] {
        let out = zidx(&argv);
        assert_eq!(out.code, code, "{argv:?}: {}", out.stderr);
        if code == 2 {
            assert!(out.stdout.is_empty(), "{argv:?}");
            assert!(
                out.stderr.starts_with("zidx: error: "),
                "{argv:?}: {}",
                out.stderr
            );
        }
    }
}
