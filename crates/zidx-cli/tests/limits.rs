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
