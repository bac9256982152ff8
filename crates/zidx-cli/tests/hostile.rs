//! What a new user and an attacker found (issue "Hostile keys, lost rows,
//! clobbered files"): each test here failed on zidx 1.0.

mod common;

use common::*;

/// `zidx bench` made up absent keys with the lengths of sampled keys and
/// looped forever when the index held every key of such a length.
#[test]
fn bench_ends_on_an_index_of_every_one_byte_key() {
    let dir = tempdir();
    let mut tsv = Vec::new();
    for b in 0..=255u8 {
        tsv.extend_from_slice(format!("\\x{b:02x}\tv\n").as_bytes());
    }
    let index = build_tsv(dir.path(), "all.zidx", &tsv);
    let out = zidx(args([&"bench", &index, &"--passes", &"1", &"--cold", &"0"]));
    out.code(0);
    let text = out.text();
    assert!(text.contains("256 present"), "{text}");
    assert!(text.contains("miss"), "{text}");
}

/// 1.0: `zidx build x.tsv -o x.tsv` replaced the input with an index.
#[test]
fn the_output_is_never_the_input() {
    let dir = tempdir();
    let input = write_file(dir.path(), "x.tsv", "k\tv\n");
    let link = dir.path().join("link.tsv");
    std::os::unix::fs::symlink("x.tsv", &link).unwrap();
    for out in [&input, &link] {
        zidx(args([&"build", &input, &"-o", out, &"--force"]))
            .code(2)
            .stderr_has("the output is the input file");
    }
    assert_eq!(std::fs::read(&input).unwrap(), b"k\tv\n");
    assert_no_temp_files(dir.path());
}

/// 1.0: `-o notes.txt` replaced an unrelated file; now only an index is
/// replaced unless --force is given.
#[test]
fn a_file_that_is_not_an_index_needs_force() {
    let dir = tempdir();
    let input = write_file(dir.path(), "in.tsv", "k\tv\n");
    let notes = write_file(dir.path(), "notes.txt", "my notes\n");
    zidx(args([&"build", &input, &"-o", &notes]))
        .code(2)
        .stderr_has("not a zidx index");
    assert_eq!(std::fs::read(&notes).unwrap(), b"my notes\n");
    zidx(args([&"build", &input, &"-o", &notes, &"--force"])).ok();
    zidx(args([&"get", &notes, &"k"])).ok().stdout_is("v\n");
    // Rebuilding an index needs no --force.
    zidx(args([&"build", &input, &"-o", &notes])).ok();
    assert_no_temp_files(dir.path());
}

/// 1.0: `zidx build -o x.zidx` with no input waited on the terminal, and
/// Ctrl-D wrote an empty index over x.zidx.
#[test]
fn records_are_not_read_from_a_terminal() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    // `script` gives the command a pseudo-terminal as stdin; it exits at
    // once because zidx refuses to read it.
    let status = std::process::Command::new("script")
        .args(["-qec"])
        .arg(format!("{ZIDX} build -o {}", out.display()))
        .arg("/dev/null")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .output();
    let Ok(run) = status else {
        eprintln!("`script` (util-linux) is not installed: skipped");
        return;
    };
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("standard input is a terminal"), "{text}");
    assert_eq!(run.status.code(), Some(2), "{text}");
    assert!(!out.exists());
}

/// 1.0: SIGINT, SIGTERM and SIGHUP left `.NAME.XXXXXX.zidx-tmp` behind with
/// the record data.
#[test]
fn signals_remove_the_temporary_file() {
    use std::io::Write;
    for (signal, number) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let dir = tempdir();
        let out = dir.path().join("s.zidx");
        let mut child = std::process::Command::new(ZIDX)
            .args(["build", "-", "-o"])
            .arg(&out)
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&b"key\tvalue\n".repeat(200_000)).unwrap();
        stdin.flush().unwrap();
        // Wait until the build has its temporary file.
        let started = std::time::Instant::now();
        while listing(dir.path()).is_empty() {
            assert!(
                started.elapsed().as_secs() < 30,
                "no temporary file appeared"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = child.wait().unwrap().code();
        drop(stdin);
        assert_eq!(code, Some(128 + number), "SIG{signal}");
        assert_eq!(listing(dir.path()), Vec::<String>::new(), "SIG{signal}");
    }
}

/// 1.0: SIGXFSZ (a file size limit) killed the build and left its
/// temporary file; now the write fails and the build cleans up.
#[test]
fn a_file_size_limit_fails_the_build_cleanly() {
    let dir = tempdir();
    let input = write_file(dir.path(), "big.tsv", "key\tvalue\n".repeat(100_000));
    let out = dir.path().join("big.zidx");
    let run = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 64; exec {ZIDX} build {} -o {}",
            input.display(),
            out.display()
        ))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2), "{run:?}");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("File too large") || stderr.contains("too large"),
        "{stderr}"
    );
    assert_eq!(listing(dir.path()), ["big.tsv"]);
}

/// A 1.0 index goes through `dump | build --format-version 1.0` byte for
/// byte, as the README's pipeline promises, and the default build gives a
/// 1.1 file with the same records.
#[test]
fn a_format_1_0_index_round_trips_with_its_version() {
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/spec-example.zidx");
    let dump = zidx(args([&"dump", &golden]));
    dump.ok();
    let dir = tempdir();
    let again = dir.path().join("again.zidx");
    zidx_stdin(
        args([&"build", &"-", &"-o", &again, &"--format-version", &"1.0"]),
        &dump.stdout,
    )
    .ok();
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&golden).unwrap()
    );
    let v11 = dir.path().join("v11.zidx");
    zidx_stdin(args([&"build", &"-", &"-o", &v11]), &dump.stdout).ok();
    zidx(args([&"dump", &v11])).ok().stdout_is(&dump.stdout);
    zidx(args([&"count", &v11])).ok().stdout_is("3\n");
}
