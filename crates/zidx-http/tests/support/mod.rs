//! Test fixtures: index files, and a small HTTP server that misbehaves on
//! purpose. Loopback only.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zidx_http::HttpOptions;

/// An index of `n` records `key-{i}` -> a value of 20..80 bytes, plus
/// `big` -> `big_len` bytes.
pub fn index_bytes(n: u32, big_len: usize) -> Vec<u8> {
    index_bytes_with(n, big_len, false)
}

/// [`index_bytes`], with record checks if `checked`.
pub fn index_bytes_with(n: u32, big_len: usize, checked: bool) -> Vec<u8> {
    let options = zidx_writer::Options::default().with_record_checksums(checked);
    let mut w = zidx_writer::Writer::memory(options);
    for i in 0..n {
        w.insert(format!("key-{i}").as_bytes(), &value(i)).unwrap();
    }
    if big_len > 0 {
        w.insert(b"big", &vec![b'B'; big_len]).unwrap();
    }
    w.finish().unwrap()
}

/// The value of `key-{i}`.
pub fn value(i: u32) -> Vec<u8> {
    let len = 20 + (i as usize * 37) % 60;
    format!("value-{i}-").bytes().cycle().take(len).collect()
}

/// Options for tests: no proxy from the environment (loopback must not go
/// through one), fast retries.
pub fn options() -> HttpOptions {
    let mut o = HttpOptions::default();
    o.proxy_from_env = false;
    o.backoff = Duration::from_millis(1);
    o.connect_timeout = Duration::from_secs(5);
    o.request_timeout = Duration::from_secs(10);
    o
}

/// One request as the test server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `Range` header, if any.
    pub range: Option<(u64, u64)>,
    /// `If-Match` header, if any.
    pub if_match: Option<String>,
}

/// What the server does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// A correct 206 (or 200 without Range), `ETag: "v1"`, honouring If-Match.
    Good,
    /// 200 with the whole file, Range ignored.
    IgnoreRange,
    /// A 206 whose body stops after this many bytes (Content-Length full).
    Truncate(usize),
    /// A 206 with this many bytes more than the range (Content-Length too).
    Long(usize),
    /// Closes the connection without answering.
    Reset,
    /// Answers with this status and an empty body.
    Status(u16),
    /// A correct 206 with another ETag, If-Match ignored.
    OtherETag,
    /// A correct body but Content-Range shifted by one byte.
    WrongContentRange,
    /// A correct 206 but Content-Range's total one byte longer.
    OtherLength,
    /// Never answers (until the client gives up).
    Hang,
    /// A 200 with the whole file's Content-Length whose body comes 64
    /// bytes every 50 ms: never stalled, never done.
    Drip,
    /// A correct 206 whose Content-Range claims a file of 2^64 - 1 bytes.
    HugeTotal,
}

/// A test HTTP server on 127.0.0.1 serving `file`; `plan(n)` decides the
/// reply to the n-th request (from 0).
pub struct FaultServer {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
}

impl FaultServer {
    pub fn start(file: Vec<u8>, plan: impl Fn(usize) -> Reply + Send + 'static) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/test.zidx", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let n = seen2.lock().unwrap().len();
                let Some(req) = read_request(&conn) else {
                    continue;
                };
                seen2.lock().unwrap().push(req.clone());
                let _ = answer(conn, &file, &req, plan(n));
            }
        });
        FaultServer { url, seen, stop }
    }

    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so that it sees `stop`.
        if let Some(addr) = self
            .url
            .strip_prefix("http://")
            .and_then(|u| u.split('/').next())
        {
            let _ = TcpStream::connect(addr);
        }
    }
}

fn read_request(conn: &TcpStream) -> Option<Seen> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    if !line.starts_with("GET ") {
        return None;
    }
    let mut seen = Seen {
        range: None,
        if_match: None,
    };
    loop {
        line.clear();
        if reader.read_line(&mut line).ok()? == 0 || line == "\r\n" {
            break;
        }
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        match name.to_ascii_lowercase().as_str() {
            "range" => {
                let (a, b) = value.strip_prefix("bytes=")?.split_once('-')?;
                seen.range = Some((a.parse().ok()?, b.parse().ok()?));
            }
            "if-match" => seen.if_match = Some(value.to_string()),
            _ => {}
        }
    }
    Some(seen)
}

fn answer(mut conn: TcpStream, file: &[u8], req: &Seen, reply: Reply) -> std::io::Result<()> {
    let len = file.len() as u64;
    let (a, b) = match req.range {
        Some((a, b)) => (a, b.min(len.saturating_sub(1))),
        None => (0, len.saturating_sub(1)),
    };
    let at = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let body = file.get(at(a)..=at(b)).unwrap_or_default();
    let head = |status: &str, etag: &str, extra: String, clen: usize| {
        format!(
            "HTTP/1.1 {status}\r\nETag: {etag}\r\nContent-Length: {clen}\r\n{extra}Connection: close\r\n\r\n"
        )
    };
    let range206 = |total: u64, shift: u64| {
        format!(
            "Content-Range: bytes {}-{}/{total}\r\n",
            a + shift,
            b + shift
        )
    };
    if req.if_match.as_deref().is_some_and(|m| m != "\"v1\"") && reply == Reply::Good {
        conn.write_all(head("412 Precondition Failed", "\"v1\"", String::new(), 0).as_bytes())?;
        return Ok(());
    }
    match reply {
        Reply::Good if req.range.is_none() => {
            conn.write_all(head("200 OK", "\"v1\"", String::new(), file.len()).as_bytes())?;
            conn.write_all(file)?;
        }
        Reply::Good => {
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v1\"",
                    range206(len, 0),
                    body.len(),
                )
                .as_bytes(),
            )?;
            conn.write_all(body)?;
        }
        Reply::IgnoreRange => {
            conn.write_all(head("200 OK", "\"v1\"", String::new(), file.len()).as_bytes())?;
            // The client must not read all of it: a broken pipe is expected.
            let _ = conn.write_all(file);
        }
        Reply::Truncate(n) => {
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v1\"",
                    range206(len, 0),
                    body.len(),
                )
                .as_bytes(),
            )?;
            conn.write_all(&body[..n.min(body.len())])?;
        }
        Reply::Long(extra) => {
            let mut long = body.to_vec();
            long.extend(std::iter::repeat_n(b'!', extra));
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v1\"",
                    range206(len, 0),
                    long.len(),
                )
                .as_bytes(),
            )?;
            let _ = conn.write_all(&long);
        }
        Reply::Reset => {
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Reply::Status(code) => {
            conn.write_all(
                head(&format!("{code} Whatever"), "\"v1\"", String::new(), 0).as_bytes(),
            )?;
        }
        Reply::OtherETag => {
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v2\"",
                    range206(len, 0),
                    body.len(),
                )
                .as_bytes(),
            )?;
            conn.write_all(body)?;
        }
        Reply::WrongContentRange => {
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v1\"",
                    range206(len, 1),
                    body.len(),
                )
                .as_bytes(),
            )?;
            conn.write_all(body)?;
        }
        Reply::OtherLength => {
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v1\"",
                    range206(len + 1, 0),
                    body.len(),
                )
                .as_bytes(),
            )?;
            conn.write_all(body)?;
        }
        Reply::HugeTotal => {
            conn.write_all(
                head(
                    "206 Partial Content",
                    "\"v1\"",
                    range206(u64::MAX, 0),
                    body.len(),
                )
                .as_bytes(),
            )?;
            conn.write_all(body)?;
        }
        Reply::Hang => {
            std::thread::sleep(Duration::from_secs(3));
        }
        Reply::Drip => {
            conn.write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nETag: \"v1\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    file.len()
                )
                .as_bytes(),
            )?;
            for chunk in file.chunks(64) {
                conn.write_all(chunk)?;
                conn.flush()?;
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    conn.flush()
}
