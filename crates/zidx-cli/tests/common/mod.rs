//! Helpers shared by the CLI integration tests: run the built `zidx` binary,
//! capture its exit code and output, and look at the files it leaves behind.
#![allow(dead_code)] // Each test binary uses a different subset.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The binary under test.
pub const ZIDX: &str = env!("CARGO_BIN_EXE_zidx");

/// What a run of `zidx` did.
#[derive(Debug)]
pub struct Output {
    /// Exit code.
    pub code: i32,
    /// Standard output, byte for byte.
    pub stdout: Vec<u8>,
    /// Standard error (lossily decoded: it is only matched against text).
    pub stderr: String,
}

impl Output {
    /// Panics, showing both streams, unless the exit code is `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Output {
        assert_eq!(
            self.code,
            code,
            "exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }

    /// Exit code 0 and nothing on stderr.
    #[track_caller]
    pub fn ok(&self) -> &Output {
        self.code(0);
        assert_eq!(self.stderr, "", "stderr of a successful run");
        self
    }

    /// Panics unless stdout is exactly `expected`.
    #[track_caller]
    pub fn stdout_is(&self, expected: impl AsRef<[u8]>) -> &Output {
        let expected = expected.as_ref();
        assert_eq!(
            self.stdout,
            expected,
            "stdout\n  actual:   {:?}\n  expected: {:?}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(expected),
            self.stderr
        );
        self
    }

    /// Panics unless stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Output {
        assert!(
            self.stderr.contains(needle),
            "stderr should contain {needle:?}, but is:\n{}",
            self.stderr
        );
        self
    }

    /// Stdout as UTF-8 text.
    #[track_caller]
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.stdout).expect("stdout is UTF-8")
    }
}

/// How long one run of `zidx` may take before the test kills it: a command
/// that does not end (an unbounded loop) fails its test instead of hanging
/// the suite.
pub const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Kills a process with SIGKILL unless dropped within [`RUN_LIMIT`].
struct Watchdog(Option<std::sync::mpsc::Sender<()>>);

impl Watchdog {
    fn start(pid: u32) -> Watchdog {
        let (done, wait) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(RUN_LIMIT) {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
        });
        Watchdog(Some(done))
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(done) = self.0.take() {
            let _ = done.send(());
        }
    }
}

/// Runs `zidx ARGS` with stdin connected to nothing (an empty input).
pub fn zidx<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(args, None)
}

/// Runs `zidx ARGS` with `input` on stdin.
pub fn zidx_stdin<I, S>(args: I, input: impl AsRef<[u8]>) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run(args, Some(input.as_ref()))
}

fn run<I, S>(args: I, input: Option<&[u8]>) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(ZIDX);
    cmd.args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG");
    let mut child = cmd.spawn().expect("start zidx");
    // Feed stdin from another thread so a large input cannot deadlock against
    // a full stdout pipe. A write error just means zidx stopped reading
    // (it failed early), which the caller checks through the exit code.
    let feeder = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("piped stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let watchdog = Watchdog::start(child.id());
    let out = child.wait_with_output().expect("wait for zidx");
    drop(watchdog);
    if let Some(feeder) = feeder {
        feeder.join().expect("stdin feeder thread");
    }
    Output {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("zidx killed by a signal: {:?}", out.status)),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `zidx ARGS` with stdout a pipe whose read end is closed before
/// zidx starts, so every write to stdout fails with EPIPE, as in
/// `zidx dump X | head -c0`, but deterministic. Stdin is empty.
#[cfg(unix)]
pub fn zidx_closed_stdout<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    // Close-on-exec, so that no other test's child inherits the read end
    // in the moment before it is closed.
    let (read, write) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).expect("create pipe");
    drop(read);
    let out = Command::new(ZIDX)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG")
        .output()
        .expect("run zidx");
    Output {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("zidx killed by a signal: {:?}", out.status)),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Concatenation of OS-string pieces, for building argument lists from
/// paths and literals.
pub fn args<const N: usize>(parts: [&dyn AsRef<OsStr>; N]) -> Vec<OsString> {
    parts.iter().map(|p| p.as_ref().to_os_string()).collect()
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create temporary directory")
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write test input");
    path
}

/// Builds `dir/name` from TSV bytes given on stdin with default options,
/// asserting success, and returns its path.
#[track_caller]
pub fn build_tsv(dir: &Path, name: &str, tsv: impl AsRef<[u8]>) -> PathBuf {
    let out = dir.join(name);
    zidx_stdin(args([&"build", &"-", &"-o", &out]), tsv).ok();
    assert!(out.is_file(), "build did not create {}", out.display());
    out
}

/// Builds `dir/name` from escaped TSV bytes (`--format tsv-escaped`: `\\`,
/// `\t`, `\n`, `\r`, `\xHH` decoded) given on stdin, asserting success,
/// and returns its path.
#[track_caller]
pub fn build_tsv_escaped(dir: &Path, name: &str, tsv: impl AsRef<[u8]>) -> PathBuf {
    let out = dir.join(name);
    zidx_stdin(
        args([&"build", &"-", &"-o", &out, &"--format", &"tsv-escaped"]),
        tsv,
    )
    .ok();
    assert!(out.is_file(), "build did not create {}", out.display());
    out
}

/// Builds an index from `input` (given on stdin) with extra build options,
/// asserting success; returns the index bytes.
#[track_caller]
pub fn build_bytes(input: impl AsRef<[u8]>, options: &[&str]) -> Vec<u8> {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    let mut argv = args([&"build", &"-", &"-o", &out]);
    argv.extend(options.iter().map(OsString::from));
    zidx_stdin(argv, input).ok();
    std::fs::read(&out).expect("read built index")
}

/// `zidx dump` of an index, asserting success.
#[track_caller]
pub fn dump(index: &Path) -> Vec<u8> {
    let out = zidx(args([&"dump", &index]));
    out.ok();
    out.stdout
}

/// Builds from `input` (stdin) with `options` and returns the dump.
#[track_caller]
pub fn build_and_dump(input: impl AsRef<[u8]>, options: &[&str]) -> Vec<u8> {
    let dir = tempdir();
    let index = dir.path().join("x.zidx");
    std::fs::write(&index, build_bytes(input, options)).expect("write index");
    dump(&index)
}

/// `zidx inspect --json`, parsed.
#[track_caller]
pub fn inspect_json(index: &Path) -> serde_json::Value {
    let out = zidx(args([&"inspect", &"--json", &index]));
    out.ok();
    serde_json::from_slice(&out.stdout).expect("inspect --json prints JSON")
}

/// Sorted names of the entries of `dir`, hidden ones included.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read directory")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Panics if `dir` holds a build's temporary file (`.NAME.XXXX.zidx-tmp`).
#[track_caller]
pub fn assert_no_temp_files(dir: &Path) {
    let stray: Vec<String> = listing(dir)
        .into_iter()
        .filter(|n| n.starts_with('.') && n.ends_with(".zidx-tmp"))
        .collect();
    assert!(stray.is_empty(), "temporary files left behind: {stray:?}");
}
