//! Against a real web server: nginx on 127.0.0.1 serving generated files
//! and testdata/. The request budget is asserted from nginx's own access
//! log (each request's Range, status and body bytes).
//!
//! Skipped, with a printed reason, when nginx is not installed, unless
//! `ZIDX_REQUIRE_NGINX=1` (set by .ci/run), which makes that a failure.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{index_bytes, options, value};
use zidx_http::{http_error, open_url, HttpError, HttpStorage};

/// One line of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Logged {
    range: String,
    status: u16,
    bytes: u64,
}

struct Nginx {
    dir: tempfile::TempDir,
    child: Child,
    base: String,
}

impl Nginx {
    /// Starts nginx serving `dir/www`, or says why it cannot.
    fn start() -> Option<Nginx> {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists());
        let Some(binary) = binary else {
            let reason = "nginx is not installed (apt-get install nginx-light)";
            assert!(
                std::env::var_os("ZIDX_REQUIRE_NGINX").is_none_or(|v| v != "1"),
                "ZIDX_REQUIRE_NGINX=1 but {reason}"
            );
            eprintln!("skipped: {reason}");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let www = dir.path().join("www");
        std::fs::create_dir(&www).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let d = dir.path().display();
        // Workers of a root master run as `user`; root lets them read the
        // temporary directory (mode 0700).
        let user = match Command::new("id").arg("-u").output() {
            Ok(o) if o.stdout.starts_with(b"0") => "user root;",
            _ => "",
        };
        let conf = format!(
            "{user}
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 64; }}
http {{
    log_format zidx '$request|$http_range|$status|$body_bytes_sent';
    access_log {d}/access.log zidx;
    client_body_temp_path {d}/tmp-body;
    proxy_temp_path {d}/tmp-proxy;
    fastcgi_temp_path {d}/tmp-fastcgi;
    uwsgi_temp_path {d}/tmp-uwsgi;
    scgi_temp_path {d}/tmp-scgi;
    server {{
        listen 127.0.0.1:{port};
        root {d}/www;
    }}
}}
"
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "nginx did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Nginx {
            dir,
            child,
            base: format!("http://127.0.0.1:{port}"),
        })
    }

    fn www(&self) -> PathBuf {
        self.dir.path().join("www")
    }

    fn put(&self, name: &str, bytes: &[u8]) -> String {
        std::fs::write(self.www().join(name), bytes).unwrap();
        format!("{}/{name}", self.base)
    }

    /// Log lines since the last call, once the log holds `total` lines:
    /// nginx writes a request's line after sending its response, so the
    /// client can be faster than the log.
    fn take_log(&self, from: &mut usize, total: u64) -> Vec<Logged> {
        let started = Instant::now();
        let text = loop {
            let text =
                std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default();
            if text.lines().count() as u64 >= total || started.elapsed() > Duration::from_secs(5) {
                break text;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let lines: Vec<&str> = text.lines().collect();
        let new = lines[(*from).min(lines.len())..]
            .iter()
            .map(|l| {
                let parts: Vec<&str> = l.split('|').collect();
                Logged {
                    range: parts[1].to_string(),
                    status: parts[2].parse().unwrap(),
                    bytes: parts[3].parse().unwrap(),
                }
            })
            .collect();
        *from = lines.len();
        new
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const N: u32 = 20_000;

/// One open and, per key, a cold lookup (empty cache) and a warm one.
#[test]
fn request_budget_from_the_access_log() {
    let Some(nginx) = Nginx::start() else { return };
    let url = nginx.put("big.zidx", &index_bytes(N, 20_000));
    let mut at = 0;

    // Open: one request, for the first 16 KiB.
    let index = open_url(&url, options()).unwrap();
    let storage: &HttpStorage = index.storage();
    let log = nginx.take_log(&mut at, storage.stats().requests);
    assert_eq!(
        log,
        vec![Logged {
            range: "bytes=0-16383".into(),
            status: 206,
            bytes: 16384
        }]
    );
    assert_eq!(storage.stats().requests, 1);

    // Cold hits: at most two requests (slots, record), none larger than
    // what was asked plus a block and the read-ahead.
    let mut hit_requests = Vec::new();
    for i in (0..N).step_by(N as usize / 50) {
        storage.clear_cache();
        let key = format!("key-{i}");
        assert_eq!(index.get(key.as_bytes()).unwrap(), Some(value(i)), "{key}");
        let log = nginx.take_log(&mut at, storage.stats().requests);
        assert!(log.len() <= 2 && !log.is_empty(), "{key}: {log:?}");
        assert!(
            log.iter().all(|l| l.status == 206 && l.bytes <= 12 << 10),
            "{log:?}"
        );
        hit_requests.push(log.len());
        // Warm: the same key again costs nothing.
        assert_eq!(index.get(key.as_bytes()).unwrap(), Some(value(i)));
        assert!(nginx.take_log(&mut at, storage.stats().requests).is_empty());
    }
    assert!(
        hit_requests.iter().filter(|&&n| n == 2).count() >= 40,
        "{hit_requests:?}"
    );

    // Cold misses: one request (the run of slots), two only when a
    // fingerprint (1 in 256) matches another key's.
    let mut miss_requests = 0;
    for i in 0..100 {
        storage.clear_cache();
        assert_eq!(index.get(format!("absent-{i}").as_bytes()).unwrap(), None);
        let log = nginx.take_log(&mut at, storage.stats().requests);
        assert!(log.len() == 1 || log.len() == 2, "{log:?}");
        assert!(log.iter().all(|l| l.bytes <= 8 << 10), "{log:?}");
        miss_requests += log.len();
    }
    assert!(
        miss_requests <= 105,
        "{miss_requests} requests for 100 misses"
    );

    // A record longer than the read-ahead: one request more for its rest.
    storage.clear_cache();
    assert_eq!(index.get(b"big").unwrap().map(|v| v.len()), Some(20_000));
    let log = nginx.take_log(&mut at, storage.stats().requests);
    assert_eq!(log.len(), 3, "{log:?}");
}

#[test]
fn get_many_coalesces_and_answers_like_get() {
    let Some(nginx) = Nginx::start() else { return };
    let bytes = index_bytes(N, 0);
    let url = nginx.put("many.zidx", &bytes);
    let local = zidx::Index::from_bytes(bytes).unwrap();
    let mut at = 0;
    let mut o = options();
    o.parallel = 1;
    let index = open_url(&url, o).unwrap();
    let storage = index.storage();
    nginx.take_log(&mut at, storage.stats().requests);
    let keys: Vec<String> = (0..1000)
        .map(|i| match i % 4 {
            0 => format!("absent-{i}"),
            _ => format!("key-{}", i * 17 % N),
        })
        .collect();
    let mut out = Vec::new();
    index.get_many(&keys, &mut out);
    let log = nginx.take_log(&mut at, storage.stats().requests);
    for (key, got) in keys.iter().zip(&out) {
        let want = local.get(key.as_bytes()).unwrap();
        assert_eq!(got.as_ref().unwrap().as_deref(), want, "{key}");
    }
    // One by one, 1000 cold lookups take about 1750 requests; batched,
    // each group of 32 keys takes a few.
    assert!(log.len() <= 1000 / 4, "{} requests", log.len());
    assert!(log.iter().all(|l| l.status == 206 && l.bytes <= 1 << 20));
    assert_eq!(index.storage().stats().requests, 1 + log.len() as u64);
}

#[test]
fn a_replaced_file_is_an_error() {
    let Some(nginx) = Nginx::start() else { return };
    let url = nginx.put("swap.zidx", &index_bytes(N, 0));
    let index = open_url(&url, options()).unwrap();
    assert_eq!(index.get(b"key-1").unwrap(), Some(value(1)));
    // Replaced (another length, another mtime): nginx answers If-Match 412.
    std::thread::sleep(Duration::from_millis(1100));
    let tmp = nginx.www().join("swap.tmp");
    std::fs::write(&tmp, index_bytes(N + 7, 0)).unwrap();
    std::fs::rename(&tmp, nginx.www().join("swap.zidx")).unwrap();
    let e = index.get(b"key-19999").unwrap_err();
    let e = http_error(&e).unwrap_or_else(|| panic!("{e}"));
    assert!(matches!(e, HttpError::Changed { .. }), "{e}");
}

#[test]
fn testdata_files_over_http_answer_like_local_ones() {
    let Some(nginx) = Nginx::start() else { return };
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    for name in ["spec-example.zidx", "empty.zidx"] {
        let bytes = std::fs::read(testdata.join(name)).unwrap();
        let url = nginx.put(name, &bytes);
        let local = zidx::Index::from_bytes(bytes.clone()).unwrap();
        let remote = open_url(&url, options()).unwrap();
        assert_eq!(remote.len(), local.len());
        let local_records: Vec<(Vec<u8>, Vec<u8>)> = local
            .iter()
            .map(|r| r.map(|(k, v)| (k.to_vec(), v.to_vec())).unwrap())
            .collect();
        let remote_records: Vec<(Vec<u8>, Vec<u8>)> = remote.iter().map(|r| r.unwrap()).collect();
        assert_eq!(remote_records, local_records);
        for (k, v) in &local_records {
            assert_eq!(remote.get(k).unwrap().as_ref(), Some(v));
        }
        assert_eq!(
            zidx_http::download(&url, &options(), 1 << 20).unwrap(),
            bytes
        );
    }
    let e = open_url(&format!("{}/missing.zidx", nginx.base), options()).unwrap_err();
    assert!(
        matches!(http_error(&e), Some(HttpError::Status { status: 404, .. })),
        "{e}"
    );
}

#[test]
fn iteration_reads_on_in_growing_requests() {
    let Some(nginx) = Nginx::start() else { return };
    let bytes = index_bytes(N, 0);
    let url = nginx.put("iter.zidx", &bytes);
    let index = open_url(&url, options()).unwrap();
    let storage = index.storage();
    let mut at = 0;
    nginx.take_log(&mut at, storage.stats().requests);
    let mut n = 0u32;
    for record in index.iter() {
        let (key, value) = record.unwrap();
        assert_eq!(key, format!("key-{n}").into_bytes());
        assert_eq!(value, support::value(n));
        n += 1;
    }
    assert_eq!(n, N);
    let log = nginx.take_log(&mut at, storage.stats().requests);
    // 1.4 MB of records: read-aheads of 2, 4, ... KiB up to 1 MiB, each
    // request taking on where the last ended.
    let records = index.layout().records().length;
    assert!(records > 1 << 20, "{records}");
    assert!(log.len() <= 14, "{} requests: {log:?}", log.len());
    assert!(
        log.iter()
            .all(|l| l.status == 206 && l.bytes <= (1 << 20) + 8192),
        "{log:?}"
    );
}
