//! Figures for crates/zidx-bench/results/HTTP.md: requests and bytes per
//! open, hit and miss, and lookups/s one at a time and batched, against
//! nginx on 127.0.0.1, directly and through a proxy that delays every
//! request by 20 ms.
//!
//! `cargo run --release -p zidx-http --example http_bench -- [RECORDS] [DELAY_MS]`
//! (defaults 1000000 and 20). Needs nginx (apt-get install nginx-light).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use zidx_http::{open_url, HttpOptions, HttpStorage};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let records: u32 = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let delay_ms: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir().expect("temp dir");
    let www = dir.path().join("www");
    std::fs::create_dir(&www).expect("www");
    let mut w =
        zidx_writer::Writer::create(www.join("bench.zidx"), Default::default()).expect("writer");
    for i in 0..records {
        let len = 20 + (i as usize * 37) % 60;
        let value: Vec<u8> = format!("value-{i}-").bytes().cycle().take(len).collect();
        w.insert(format!("key-{i}").as_bytes(), &value)
            .expect("insert");
    }
    w.finish().expect("finish");
    let file_len = std::fs::metadata(www.join("bench.zidx"))
        .expect("meta")
        .len();
    let port = free_port();
    let d = dir.path().display();
    let user = match Command::new("id").arg("-u").output() {
        Ok(o) if o.stdout.starts_with(b"0") => "user root;",
        _ => "",
    };
    let conf = format!(
        "{user}\ndaemon off;\nmaster_process off;\nworker_processes 1;\npid {d}/nginx.pid;\n\
         error_log {d}/error.log warn;\nevents {{ worker_connections 256; }}\n\
         http {{ access_log off; client_body_temp_path {d}/t1; proxy_temp_path {d}/t2;\n\
         fastcgi_temp_path {d}/t3; uwsgi_temp_path {d}/t4; scgi_temp_path {d}/t5;\n\
         keepalive_requests 100000;\n\
         server {{ listen 127.0.0.1:{port}; root {d}/www; }} }}\n"
    );
    std::fs::write(dir.path().join("nginx.conf"), conf).expect("conf");
    let mut nginx = Command::new("nginx")
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        .stdout(Stdio::null())
        .spawn()
        .expect("nginx (apt-get install nginx-light)");
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let delayed = start_delay_proxy(port, Duration::from_millis(delay_ms));
    println!("file: {records} records, {file_len} bytes; nginx on 127.0.0.1");
    for (name, port) in [
        ("loopback".to_string(), port),
        (format!("+{delay_ms} ms per request"), delayed),
    ] {
        let url = format!("http://127.0.0.1:{port}/bench.zidx");
        println!("\n## {name}");
        measure(&url, records, delay_ms > 0 && port == delayed);
    }
    let _ = nginx.kill();
    let _ = nginx.wait();
}

fn options() -> HttpOptions {
    let mut o = HttpOptions::default();
    o.proxy_from_env = false;
    o
}

fn measure(url: &str, records: u32, slow: bool) {
    // Requests and bytes: open, then cold hits and misses.
    let index = open_url(url, options()).expect("open");
    let s: &HttpStorage = index.storage();
    let open = s.stats();
    println!("open: {} requests, {} bytes", open.requests, open.bytes);
    let samples = if slow { 100 } else { 1000 };
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for (kind, hit) in [("cold hit", true), ("cold miss", false)] {
        let (mut reqs, mut bytes) = (Vec::new(), Vec::new());
        for _ in 0..samples {
            s.clear_cache();
            let before = s.stats();
            let i = next() % u64::from(records);
            let key = if hit {
                format!("key-{i}")
            } else {
                format!("absent-{i}")
            };
            let found = index.get(key.as_bytes()).expect("get");
            assert_eq!(found.is_some(), hit);
            let after = s.stats();
            reqs.push(after.requests - before.requests);
            bytes.push(after.bytes - before.bytes);
        }
        println!(
            "{kind}: requests median {} max {} mean {:.3}; bytes median {} max {}",
            median(&mut reqs),
            reqs.iter().max().unwrap_or(&0),
            reqs.iter().sum::<u64>() as f64 / reqs.len() as f64,
            median(&mut bytes),
            bytes.iter().max().unwrap_or(&0)
        );
    }
    // Throughput: random hits, a fresh index (16 MiB cache) per run,
    // median of 3 runs.
    let one = if slow { 200 } else { 5000 };
    let batch = if slow { 2000 } else { 20000 };
    let mut singles = Vec::new();
    let mut batched = Vec::new();
    for _ in 0..3 {
        let index = open_url(url, options()).expect("open");
        let keys: Vec<String> = (0..one)
            .map(|_| format!("key-{}", next() % u64::from(records)))
            .collect();
        let started = Instant::now();
        for k in &keys {
            assert!(index.get(k.as_bytes()).expect("get").is_some());
        }
        singles.push(one as f64 / started.elapsed().as_secs_f64());
        let index = open_url(url, options()).expect("open");
        let keys: Vec<String> = (0..batch)
            .map(|_| format!("key-{}", next() % u64::from(records)))
            .collect();
        let before = index.storage().stats();
        let started = Instant::now();
        let mut out = Vec::new();
        for chunk in keys.chunks(1000) {
            index.get_many(chunk, &mut out);
            assert!(out.iter().all(|r| matches!(r, Ok(Some(_)))));
        }
        batched.push(batch as f64 / started.elapsed().as_secs_f64());
        let after = index.storage().stats();
        println!(
            "  batched run: {} keys, {} requests ({:.3}/key), {} bytes ({:.0}/key)",
            batch,
            after.requests - before.requests,
            (after.requests - before.requests) as f64 / batch as f64,
            after.bytes - before.bytes,
            (after.bytes - before.bytes) as f64 / batch as f64
        );
    }
    println!(
        "lookups/s one at a time ({one} random hits): median {:.0} of {:?}",
        medianf(&mut singles),
        singles.iter().map(|x| x.round()).collect::<Vec<_>>()
    );
    println!(
        "lookups/s get_many, batches of 1000 ({batch} random hits): median {:.0} of {:?}",
        medianf(&mut batched),
        batched.iter().map(|x| x.round()).collect::<Vec<_>>()
    );
}

fn median(v: &mut [u64]) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

fn medianf(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

/// A TCP proxy to `upstream` that waits `delay` before forwarding each
/// chunk a client sends (one request: requests are small), so that every
/// request takes `delay` longer, as across a network.
fn start_delay_proxy(upstream: u16, delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (Ok(mut c_read), Ok(mut s_write)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 << 10];
                while let Ok(n) = c_read.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    std::thread::sleep(delay);
                    if s_write.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = s_write.shutdown(std::net::Shutdown::Write);
            });
            let (mut s_read, mut c_write) = (server, client);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s_read, &mut c_write);
                let _ = c_write.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}
