//! Every command that writes to stdout stops quietly when stdout is a
//! closed pipe (`zidx inspect X | head -c1`): exit code 0, nothing on
//! stderr, and above all no panic.
#![cfg(unix)]

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

const FRUIT: &str = "apple\tred\nbanana\tyellow\ncherry\tdark red\n";

/// Runs `zidx ARGS` into a closed pipe and checks it ended quietly.
#[track_caller]
fn quiet_on_closed_stdout(argv: &[&dyn AsRef<std::ffi::OsStr>]) {
    let argv: Vec<_> = argv.iter().map(|a| a.as_ref().to_os_string()).collect();
    let out = zidx_closed_stdout(&argv);
    assert!(
        !out.stderr.contains("panicked"),
        "zidx {argv:?} panicked on a closed stdout:\n{}",
        out.stderr
    );
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (0, ""),
        "zidx {argv:?} on a closed stdout: exit code and stderr"
    );
}

fn fruit(dir: &Path) -> std::path::PathBuf {
    build_tsv(dir, "fruit.zidx", FRUIT)
}

#[test]
fn inspect_on_a_closed_pipe() {
    let dir = tempdir();
    let index = fruit(dir.path());
    quiet_on_closed_stdout(&[&"inspect", &index]);
    quiet_on_closed_stdout(&[&"inspect", &"--json", &index]);
    quiet_on_closed_stdout(&[&"--no-mmap", &"inspect", &index]);
}

#[test]
fn dump_on_a_closed_pipe() {
    let dir = tempdir();
    let index = fruit(dir.path());
    quiet_on_closed_stdout(&[&"dump", &index]);
    quiet_on_closed_stdout(&[&"dump", &"--no-mmap", &index]);
}

#[test]
fn verify_get_and_bench_on_a_closed_pipe() {
    let dir = tempdir();
    let index = fruit(dir.path());
    quiet_on_closed_stdout(&[&"verify", &index]);
    quiet_on_closed_stdout(&[&"get", &index, &"apple", &"cherry"]);
    quiet_on_closed_stdout(&[
        &"bench",
        &index,
        &"--samples",
        &"3",
        &"--passes",
        &"1",
        &"--cold",
        &"0",
    ]);
}

/// The reader leaves after the first byte of a dump far larger than the
/// pipe's buffer, so zidx is blocked in a write when the pipe closes.
#[test]
fn dump_stops_quietly_when_the_reader_leaves_mid_stream() {
    let dir = tempdir();
    let tsv: String = (0..50_000)
        .map(|i| format!("key{i:06}\tvalue number {i} of fifty thousand\n"))
        .collect();
    let index = build_tsv(dir.path(), "big.zidx", &tsv);
    let mut child = Command::new(ZIDX)
        .args([std::ffi::OsStr::new("dump"), index.as_os_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .spawn()
        .expect("start zidx dump");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut first = [0u8; 1];
    stdout
        .read_exact(&mut first)
        .expect("first byte of the dump");
    assert_eq!(&first, b"k");
    drop(stdout);
    let out = child.wait_with_output().expect("wait for zidx dump");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "zidx dump panicked:\n{stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "exit code; stderr: {stderr}");
    assert_eq!(stderr, "");
}
