//! Input past the limits: a line longer than the default 64 MiB limit
//! streamed through stdin, and a file of nothing but invalid lines. Both
//! stop with a clear error naming the line, exit 2, and create nothing.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn a_line_past_the_default_limit_is_refused_without_buffering_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.zidx");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zidx"))
        .args(["build", "-", "-o"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        stdin.write_all(b"ok\tfine\nhuge\t").unwrap();
        let chunk = vec![b'x'; 1 << 20];
        // 80 MiB on line 2; zidx stops reading at 64 MiB, so the pipe may
        // close under us.
        for _ in 0..80 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
        let _ = stdin.write_all(b"\n");
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "zidx: error: <stdin>:2: line longer than 67108864 bytes"
    );
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn a_file_of_only_invalid_lines_fails_at_line_one() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.tsv");
    std::fs::write(&input, "no tab here\nnor here\n\\q\tx\n").unwrap();
    let out = dir.path().join("out.zidx");
    let output = Command::new(env!("CARGO_BIN_EXE_zidx"))
        .arg("build")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "zidx: error: {}:1: no tab on this line",
            input.display()
        )),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn a_memory_budget_below_the_buffers_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.tsv");
    std::fs::write(&input, "a\t1\n").unwrap();
    let out = dir.path().join("out.zidx");
    let output = Command::new(env!("CARGO_BIN_EXE_zidx"))
        .arg("build")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--memory", "16MiB"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"16MiB\" is less than 64MiB"), "{stderr}");
    assert!(!out.exists());
}

/// A build whose hash entries exceed `--memory` (2.2M records: 35 MB of
/// entries against 32 MiB of a 64 MiB budget) spills them and gives the
/// same bytes as a build in the default budget, leaving no file behind.
#[test]
fn a_build_past_its_memory_budget_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.tsv");
    let mut text = Vec::with_capacity(40 << 20);
    for i in 0..2_200_000u32 {
        writeln!(text, "k{i}\t{}", i.wrapping_mul(7)).unwrap();
    }
    std::fs::write(&input, text).unwrap();
    let build = |name: &str, memory: Option<&str>| {
        let out = dir.path().join(name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_zidx"));
        command.arg("build").arg(&input).arg("-o").arg(&out);
        if let Some(memory) = memory {
            command.args(["--memory", memory]);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(out).unwrap()
    };
    let tight = build("tight.zidx", Some("64MiB"));
    let roomy = build("roomy.zidx", None);
    assert!(tight == roomy, "the budget changed the bytes");
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["in.tsv", "roomy.zidx", "tight.zidx"]);
}
