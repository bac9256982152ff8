//! A server that misbehaves on purpose: every fault is an error (after
//! bounded retries where one may pass), never a wrong answer or an
//! unbounded read.

mod support;

use std::time::{Duration, Instant};

use support::{index_bytes, options, value, FaultServer, Reply};
use zidx_http::{http_error, open_url, HttpError, HttpStorage};

const N: u32 = 5000;

fn file() -> Vec<u8> {
    index_bytes(N, 0)
}

fn err_of<T: std::fmt::Debug>(r: Result<T, zidx::Error>) -> HttpError {
    let e = r.expect_err("expected an error");
    match e {
        zidx::Error::Storage(b) => *b.downcast::<HttpError>().expect("an HttpError"),
        other => panic!("not a storage error: {other}"),
    }
}

#[test]
fn a_good_server_answers_like_the_local_file() {
    let bytes = file();
    let local = zidx::Index::from_bytes(bytes.clone()).unwrap();
    let server = FaultServer::start(bytes, |_| Reply::Good);
    let index = open_url(&server.url, options()).unwrap();
    assert_eq!(server.requests(), 1);
    for i in (0..N).step_by(97) {
        let key = format!("key-{i}");
        assert_eq!(index.get(key.as_bytes()).unwrap(), Some(value(i)));
        assert_eq!(
            index.get(key.as_bytes()).unwrap().as_deref(),
            local.get(key.as_bytes()).unwrap()
        );
    }
    assert_eq!(index.get(b"absent").unwrap(), None);
    // Every request after the first carried the validator.
    let seen = server.seen.lock().unwrap().clone();
    assert!(seen[0].if_match.is_none());
    assert!(seen[1..]
        .iter()
        .all(|s| s.if_match.as_deref() == Some("\"v1\"")));
}

#[test]
fn range_ignored_is_an_error_without_reading_the_file() {
    let server = FaultServer::start(file(), |_| Reply::IgnoreRange);
    let e = err_of(open_url(&server.url, options()));
    assert!(
        matches!(e, HttpError::RangeIgnored { content_length: Some(n), .. } if n > 16384),
        "{e}"
    );
    assert!(e.to_string().contains("ignored the Range header"), "{e}");
    assert_eq!(server.requests(), 1, "not retried");
    let stats_server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::IgnoreRange
        }
    });
    let s = HttpStorage::open(&stats_server.url, options()).unwrap();
    let index = zidx::Index::from_storage(s).unwrap();
    let e = err_of(index.get(b"key-1"));
    assert!(matches!(e, HttpError::RangeIgnored { .. }), "{e}");
    // The body of the whole file was not read: only the first request's.
    assert!(
        index.storage().stats().bytes <= 16384,
        "{:?}",
        index.storage().stats()
    );
}

#[test]
fn a_small_file_served_whole_is_used() {
    let small = index_bytes(20, 0);
    assert!(small.len() < 16384);
    let server = FaultServer::start(small, |_| Reply::IgnoreRange);
    let index = open_url(&server.url, options()).unwrap();
    assert_eq!(index.get(b"key-3").unwrap(), Some(value(3)));
    assert_eq!(server.requests(), 1, "the whole file is cached");
}

#[test]
fn truncated_bodies_are_retried_then_reported() {
    let server = FaultServer::start(file(), |n| match n {
        0 => Reply::Good,
        1 | 2 => Reply::Truncate(100),
        _ => Reply::Good,
    });
    let index = open_url(&server.url, options()).unwrap();
    assert_eq!(index.get(b"key-7").unwrap(), Some(value(7)));
    assert_eq!(index.storage().stats().retries, 2);

    let server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::Truncate(10)
        }
    });
    let index = open_url(&server.url, options()).unwrap();
    let e = err_of(index.get(b"key-7"));
    match &e {
        HttpError::GaveUp { attempts, last } => {
            assert_eq!(*attempts, 4);
            assert!(
                matches!(**last, HttpError::BodyLength { found: 10, .. }),
                "{last}"
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(server.requests(), 1 + 4);
}

#[test]
fn a_longer_body_is_refused_after_one_byte_past_the_range() {
    let server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::Long(1 << 20)
        }
    });
    let index = open_url(&server.url, options()).unwrap();
    let before = index.storage().stats().bytes;
    let e = err_of(index.get(b"key-9"));
    let HttpError::BodyLength {
        expected, found, ..
    } = e
    else {
        panic!("{e}")
    };
    assert_eq!(found, expected + 1);
    assert_eq!(index.storage().stats().bytes - before, expected + 1);
}

#[test]
fn a_changed_etag_is_an_error_never_a_mixed_answer() {
    let server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::OtherETag
        }
    });
    let index = open_url(&server.url, options()).unwrap();
    let e = err_of(index.get(b"key-1"));
    assert!(matches!(e, HttpError::Changed { what: "ETag", .. }), "{e}");
    assert!(e.to_string().contains("changed since it was opened"), "{e}");
    assert_eq!(server.requests(), 2, "not retried");
    // A server that honours If-Match answers 412 for another version.
    let e = http_error(&zidx::Error::Storage(Box::new(HttpError::NotHttp {
        url: "x".into(),
    })))
    .map(|e| e.to_string());
    assert_eq!(e.as_deref(), Some("x: not an http:// or https:// URL"));
}

#[test]
fn precondition_failed_is_reported_as_changed() {
    let server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::Status(412)
        }
    });
    let index = open_url(&server.url, options()).unwrap();
    let e = err_of(index.get(b"key-1"));
    assert!(matches!(e, HttpError::Changed { .. }), "{e}");
    assert!(e.to_string().contains("412"), "{e}");
}

#[test]
fn another_length_or_content_range_is_an_error() {
    let server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::OtherLength
        }
    });
    let index = open_url(&server.url, options()).unwrap();
    assert!(matches!(
        err_of(index.get(b"key-1")),
        HttpError::Changed { what: "length", .. }
    ));
    let server = FaultServer::start(file(), |n| {
        if n == 0 {
            Reply::Good
        } else {
            Reply::WrongContentRange
        }
    });
    let index = open_url(&server.url, options()).unwrap();
    assert!(matches!(
        err_of(index.get(b"key-1")),
        HttpError::BadContentRange { .. }
    ));
}

#[test]
fn resets_and_5xx_are_retried_with_backoff() {
    let server = FaultServer::start(file(), |n| match n {
        0 => Reply::Reset,
        1 => Reply::Status(503),
        2 => Reply::Good,
        3 => Reply::Status(500),
        4 => Reply::Reset,
        5 => Reply::Status(416),
        6 => Reply::Good,
        7 => Reply::Status(429),
        _ => Reply::Good,
    });
    let index = open_url(&server.url, options()).unwrap();
    // A record past the first 16 KiB: the slots' request fails three
    // times, the record's once.
    assert_eq!(index.get(b"key-4000").unwrap(), Some(value(4000)));
    assert_eq!(index.storage().stats().retries, 6);
    assert_eq!(server.requests(), 9);

    let server = FaultServer::start(file(), |_| Reply::Reset);
    let mut o = options();
    o.retries = 2;
    o.backoff = Duration::from_millis(20);
    let started = Instant::now();
    let e = err_of(open_url(&server.url, o));
    // Waits of 20 and 40 ms between the three tries.
    assert!(started.elapsed() >= Duration::from_millis(60));
    assert!(
        matches!(&e, HttpError::GaveUp { attempts: 3, last } if matches!(**last, HttpError::Transport { .. })),
        "{e}"
    );
    assert_eq!(server.requests(), 3);
}

#[test]
fn a_client_error_is_not_retried() {
    let server = FaultServer::start(file(), |_| Reply::Status(404));
    let e = err_of(open_url(&server.url, options()));
    assert!(matches!(e, HttpError::Status { status: 404, .. }), "{e}");
    assert_eq!(server.requests(), 1);
}

#[test]
fn the_request_timeout_holds() {
    let server = FaultServer::start(file(), |_| Reply::Hang);
    let mut o = options();
    o.retries = 0;
    o.request_timeout = Duration::from_millis(300);
    let started = Instant::now();
    let e = err_of(open_url(&server.url, o));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(&e, HttpError::GaveUp { last, .. } if matches!(**last, HttpError::Transport { .. })),
        "{e}"
    );
}

#[test]
fn not_a_url_and_reads_past_the_end() {
    assert!(matches!(
        err_of(open_url("/tmp/x.zidx", options())),
        HttpError::NotHttp { .. }
    ));
    let server = FaultServer::start(file(), |_| Reply::Good);
    let s = HttpStorage::open(&server.url, options()).unwrap();
    let len = zidx::Storage::file_len(&s);
    assert!(matches!(
        zidx::Storage::read_at(&s, len - 1, 2).map_err(|e| http_error(&e).map(|e| e.to_string())),
        Err(Some(m)) if m.contains("past the end")
    ));
    let mut o = options();
    o.max_read = 100;
    let s = HttpStorage::open(&server.url, o).unwrap();
    let r = zidx::Storage::read_at(&s, 0, 101);
    assert!(matches!(
        r.map_err(|e| http_error(&e).is_some_and(|e| matches!(e, HttpError::TooLarge { .. }))),
        Err(true)
    ));
}

#[test]
fn a_corrupt_record_fails_its_check_as_locally() {
    // Damage one value byte: the record check (on by default) catches it.
    let mut bytes = support::index_bytes_with(N, 0, true);
    let local = zidx::Index::from_bytes(bytes.clone()).unwrap();
    let value = local.get(b"key-5").unwrap().unwrap();
    let at = value.as_ptr() as usize - local.as_bytes().as_ptr() as usize;
    bytes[at] ^= 0x20;
    let local = zidx::Index::from_bytes(bytes.clone()).unwrap();
    let local_err = local.get(b"key-5").unwrap_err().to_string();
    let server = FaultServer::start(bytes, |_| Reply::Good);
    let index = open_url(&server.url, options()).unwrap();
    let remote_err = index.get(b"key-5").unwrap_err().to_string();
    assert_eq!(remote_err, local_err);
}

#[test]
fn download_is_bounded() {
    let bytes = file();
    let server = FaultServer::start(bytes.clone(), |_| Reply::Good);
    assert_eq!(
        zidx_http::download(&server.url, &options(), 1 << 30).unwrap(),
        bytes
    );
    let e = zidx_http::download(&server.url, &options(), 1000).unwrap_err();
    assert!(
        matches!(e, HttpError::TooLarge { len, limit: 1000, .. } if len == bytes.len() as u64),
        "{e}"
    );
}

#[test]
fn the_cache_stays_within_its_size_and_serves_repeats() {
    let server = FaultServer::start(file(), |_| Reply::Good);
    let mut o = options();
    o.cache_bytes = 16 << 10;
    let index = open_url(&server.url, o).unwrap();
    let s = index.storage();
    for i in (0..N).step_by(23) {
        assert_eq!(
            index.get(format!("key-{i}").as_bytes()).unwrap(),
            Some(value(i))
        );
        assert!(s.stats().cached_bytes <= 16 << 10, "{:?}", s.stats());
        // The key just read is served from the cache.
        let before = s.stats().requests;
        assert_eq!(
            index.get(format!("key-{i}").as_bytes()).unwrap(),
            Some(value(i))
        );
        assert_eq!(s.stats().requests, before);
    }
    // The first keys' blocks were evicted: reading one again is a request.
    let before = s.stats().requests;
    assert_eq!(index.get(b"key-0").unwrap(), Some(value(0)));
    assert!(s.stats().requests > before);
    // No cache at all: every read is a request, and answers still agree.
    let mut o = options();
    o.cache_bytes = 0;
    let index = open_url(&server.url, o).unwrap();
    assert_eq!(index.get(b"key-77").unwrap(), Some(value(77)));
    assert_eq!(index.storage().stats().cached_bytes, 0);
}

#[test]
fn a_first_answer_claiming_a_huge_file_is_refused_by_the_parser() {
    let server = FaultServer::start(file(), |_| Reply::HugeTotal);
    let e = open_url(&server.url, options()).unwrap_err();
    // The header's own length disagrees: a format error, nothing allocated
    // or fetched beyond the first request.
    assert!(matches!(e, zidx::Error::Format(_)), "{e}");
    assert_eq!(server.requests(), 1);
    let server = FaultServer::start(file(), |_| Reply::WrongContentRange);
    assert!(matches!(
        err_of(open_url(&server.url, options())),
        HttpError::BadContentRange { .. }
    ));
}

#[test]
fn download_to_streams_into_a_file_and_retries_from_its_start() {
    use std::io::{Read, Seek};
    let bytes = file();
    // The first attempt is reset; the retry must start the file afresh.
    let server = FaultServer::start(bytes.clone(), |n| match n {
        0 => Reply::Reset,
        _ => Reply::Good,
    });
    let mut out = tempfile::tempfile().unwrap();
    std::io::Write::write_all(&mut out, &vec![0xAA; bytes.len() + 100]).unwrap();
    let len = zidx_http::download_to(&server.url, &options(), 1 << 30, &mut out).unwrap();
    assert_eq!(len, bytes.len() as u64);
    let mut got = Vec::new();
    out.rewind().unwrap();
    out.read_to_end(&mut got).unwrap();
    assert!(got == bytes, "the file holds other bytes than the server's");

    let e = zidx_http::download_to(&server.url, &options(), 1000, &mut out).unwrap_err();
    assert!(
        matches!(e, HttpError::TooLarge { len, limit: 1000, .. } if len == bytes.len() as u64),
        "{e}"
    );
}

/// A server that never stalls long enough for a read to time out but
/// sends almost nothing is cut off once the request timeout has passed.
#[test]
fn a_download_that_drips_is_cut_off() {
    let server = FaultServer::start(file(), |_| Reply::Drip);
    let mut o = options();
    o.request_timeout = std::time::Duration::from_millis(300);
    o.min_download_rate = 1 << 20;
    let mut out = tempfile::tempfile().unwrap();
    let started = std::time::Instant::now();
    let e = zidx_http::download_to(&server.url, &o, 1 << 30, &mut out).unwrap_err();
    assert!(matches!(e, HttpError::TooSlow { .. }), "{e}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
