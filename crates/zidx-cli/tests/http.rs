//! `zidx get`, `inspect`, `scan`, `count` and `verify` of an http:// URL,
//! against a small range-request server on 127.0.0.1 (the request budget
//! and the faults are zidx-http's tests, against nginx).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Output};

/// Serves `file` at `http://127.0.0.1:PORT/x.zidx`, honouring Range,
/// until the test process ends; answers `GET /any-other` with 404.
fn serve(file: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x.zidx", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(&conn);
            let (mut line, mut range, mut path) = (String::new(), None, String::new());
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some(p) = line.strip_prefix("GET ") {
                    path = p.split(' ').next().unwrap_or("").to_string();
                }
                if let Some(r) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    let (a, b) = r.trim().split_once('-').unwrap();
                    range = Some((a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()));
                }
                line.clear();
            }
            let mut conn = &conn;
            if path != "/x.zidx" {
                let _ = conn.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            }
            let head = match range {
                Some((a, b)) => {
                    let b = b.min(file.len() - 1);
                    let body = &file[a..=b];
                    let head = format!(
                        "HTTP/1.1 206 Partial Content\r\nETag: \"e1\"\r\nContent-Range: bytes {a}-{b}/{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        file.len(),
                        body.len()
                    );
                    (head, body)
                }
                None => (
                    format!(
                        "HTTP/1.1 200 OK\r\nETag: \"e1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        file.len()
                    ),
                    &file[..],
                ),
            };
            let _ = conn.write_all(head.0.as_bytes());
            let _ = conn.write_all(head.1);
        }
    });
    url
}

fn zidx(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zidx"))
        .args(args)
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap()
}

fn index(ordered: bool) -> Vec<u8> {
    let mut options = zidx_writer::Options::default();
    options.ordered = ordered;
    let mut w = zidx_writer::Writer::memory(options);
    for i in 0..3000 {
        w.insert(
            format!("key-{i:05}").as_bytes(),
            format!("value {i}").as_bytes(),
        )
        .unwrap();
    }
    w.finish().unwrap()
}

#[test]
fn get_inspect_count_and_verify_read_a_url() {
    let url = serve(index(false));
    let out = zidx(&["get", &url, "key-00042"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"value 42\n");
    let out = zidx(&["get", &url, "absent"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("key not found"));
    let out = zidx(&["get", &url, "key-00001", "key-02999"]);
    assert_eq!(out.stdout, b"key-00001\tvalue 1\nkey-02999\tvalue 2999\n");
    let out = zidx(&["inspect", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3000"));
    let out = zidx(&["count", &url]);
    assert_eq!(out.stdout, b"3000\n");
    let out = zidx(&["verify", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"ok\n");
}

#[test]
fn scan_reads_an_ordered_url() {
    let url = serve(index(true));
    let out = zidx(&["scan", "--prefix", "key-0002", "--keys-only", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = String::from_utf8(out.stdout).unwrap();
    assert_eq!(keys.lines().count(), 10);
    assert!(keys.starts_with("key-00020\n"));
}

#[test]
fn verify_of_a_damaged_url_fails_and_a_missing_one_is_an_error() {
    let mut bytes = index(false);
    let n = bytes.len();
    bytes[n - 100] ^= 0xff;
    let url = serve(bytes);
    let out = zidx(&["verify", &url]);
    assert_eq!(out.status.code(), Some(2));
    let missing = url.replace("x.zidx", "y.zidx");
    let out = zidx(&["get", &missing, "k"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("404"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A server that declares a body larger than the temporary directory's
/// free space (here 2^60 bytes) is refused before any of it is written,
/// and nothing is left in TMPDIR.
#[test]
fn verify_refuses_a_download_larger_than_the_free_space() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/x.zidx", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut reader = BufReader::new(&conn);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let mut conn = &conn;
            let _ = conn.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1152921504606846976\r\nConnection: close\r\n\r\nZIDX",
            );
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zidx"))
        .args(["verify", &url])
        .env("TMPDIR", tmp.path())
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1152921504606846976 bytes") && stderr.contains("free"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);
}
