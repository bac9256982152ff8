//! [`HttpStorage`]: a zidx [`Storage`] over HTTP range requests.

use std::io::Read;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use zidx::Storage;

use crate::cache::BlockCache;
use crate::error::HttpError;

/// The longest wait between two retries, however many there are.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How [`HttpStorage`] fetches and caches. `Default` gives the values in
/// each field's doc.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Bytes fetched by the request that opens the file: the header,
    /// section table and hash parameters must lie within them for open to
    /// take one request (they take 352 bytes in files from the reference
    /// writer). Default 16 KiB.
    pub first_fetch: u64,
    /// Unit of fetching and caching, in bytes: requests ask for whole
    /// aligned blocks. Default 4 KiB.
    pub block_size: u64,
    /// Bytes fetched past the end of every read (see the crate docs'
    /// over-read rule). Default 2 KiB.
    pub read_ahead: u64,
    /// Memory for fetched blocks, in bytes; 0 caches nothing (every read
    /// is a request). Default 16 MiB.
    pub cache_bytes: u64,
    /// Prefetched ranges (those of one `get_many` stage) with at most this
    /// many bytes between them are fetched by one request. Default 64 KiB.
    pub coalesce_gap: u64,
    /// The largest request a prefetch coalesces ranges into. Default 1 MiB.
    pub max_request: u64,
    /// Requests a prefetch runs at once: a `get_many` group of 32 keys on a
    /// large file needs about 32 per stage, and across a network they wait
    /// in parallel. Default 16.
    pub parallel: usize,
    /// The longest single read: a record longer than this is refused
    /// rather than fetched into memory. Default 256 MiB.
    pub max_read: u64,
    /// Retries of a request that failed in a way that may pass (connection
    /// errors, short bodies, `408`, `416`, `429`, `5xx`). Default 3.
    pub retries: u32,
    /// The wait before the first retry; each further one waits twice as
    /// long. Default 100 ms.
    pub backoff: Duration,
    /// Limit on connecting (DNS included). Default 10 s.
    pub connect_timeout: Duration,
    /// Limit on one whole request, body included. Default 30 s
    /// ([`download`] applies it to each read of the body instead: a large
    /// file takes as long as it takes, a stalled one fails).
    pub request_timeout: Duration,
    /// The slowest a download into a file ([`download_to`], `zidx verify URL`)
    /// may run, in bytes per second on average, once `request_timeout`
    /// has passed: a server that sends a byte now and then, never
    /// stalling long enough for a read to time out, is cut off. Default
    /// 64 KiB/s.
    pub min_download_rate: u64,
    /// Use the `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` environment, as
    /// most HTTP clients do. Default true.
    pub proxy_from_env: bool,
}

impl Default for HttpOptions {
    fn default() -> HttpOptions {
        HttpOptions {
            first_fetch: 16 << 10,
            block_size: 4 << 10,
            read_ahead: 2 << 10,
            cache_bytes: 16 << 20,
            coalesce_gap: 64 << 10,
            max_request: 1 << 20,
            parallel: 16,
            max_read: 256 << 20,
            retries: 3,
            backoff: Duration::from_millis(100),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            min_download_rate: 64 << 10,
            proxy_from_env: true,
        }
    }
}

impl HttpOptions {
    /// The client; with `whole_file`, the request timeout bounds each
    /// read of the body (a stall) rather than the whole transfer.
    fn agent(&self, whole_file: bool) -> ureq::Agent {
        let proxy = match self.proxy_from_env {
            true => ureq::Proxy::try_from_env(),
            false => None,
        };
        ureq::Agent::config_builder()
            // Statuses are looked at here, each with its own meaning.
            .http_status_as_error(false)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global((!whole_file).then_some(self.request_timeout))
            .timeout_per_read(whole_file.then_some(self.request_timeout))
            .proxy(proxy)
            .user_agent(concat!("zidx-http/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent()
    }
}

/// Requests made and bytes received, counted since the storage was opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HttpStats {
    /// HTTP requests sent, retries included.
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Requests that were retries of a failed one.
    pub retries: u64,
    /// Bytes of blocks in the cache now (at most
    /// [`HttpOptions::cache_bytes`]).
    pub cached_bytes: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    bytes: AtomicU64,
    retries: AtomicU64,
}

/// What identifies the version of the file that was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Validator {
    /// A strong `ETag`: sent as `If-Match`.
    ETag(String),
    /// `Last-Modified` (with a weak or no `ETag`): sent as
    /// `If-Unmodified-Since`; a weak `ETag` is still compared.
    LastModified(String, Option<String>),
    /// Neither: only the length is compared.
    None(Option<String>),
}

/// A zidx file read by HTTP range requests, with a cache of fetched
/// blocks. Opened by [`HttpStorage::open`] (or [`open_url`](crate::open_url),
/// which also parses it); `Send + Sync`, so one `Index<HttpStorage>`
/// serves many threads.
#[derive(Debug)]
pub struct HttpStorage {
    url: String,
    agent: ureq::Agent,
    options: HttpOptions,
    len: u64,
    validator: Validator,
    cache: Mutex<BlockCache>,
    counters: Counters,
    /// Where the last fetch of a read ended and the read-ahead it used:
    /// a read that misses exactly there is reading on (iteration, scans),
    /// and gets twice the read-ahead, up to `max_request`.
    sequential: Mutex<(u64, u64)>,
}

/// One response's headers that matter.
struct Answer {
    status: u16,
    content_range: Option<String>,
    content_length: Option<u64>,
    etag: Option<String>,
    last_modified: Option<String>,
    body: ureq::Body,
}

impl HttpStorage {
    /// Opens `url` with one request for its first
    /// [`HttpOptions::first_fetch`] bytes, which learns the file's length
    /// and validator and caches those bytes for the parser.
    pub fn open(url: &str, options: HttpOptions) -> Result<HttpStorage, HttpError> {
        if !crate::is_url(url) {
            return Err(HttpError::NotHttp {
                url: url.to_string(),
            });
        }
        let mut options = options;
        // Bounded, so that one miss fetches a bounded amount.
        options.block_size = options.block_size.clamp(512, 16 << 20);
        options.read_ahead = options.read_ahead.min(16 << 20);
        options.first_fetch = options.first_fetch.clamp(1, 16 << 20);
        let blocks = usize::try_from(options.cache_bytes / options.block_size).unwrap_or(0);
        let mut storage = HttpStorage {
            url: url.to_string(),
            agent: options.agent(false),
            options,
            len: 0,
            validator: Validator::None(None),
            cache: Mutex::new(BlockCache::new(blocks)),
            counters: Counters::default(),
            sequential: Mutex::new((u64::MAX, 0)),
        };
        let want = storage.options.first_fetch;
        let first = storage.with_retries(|s| s.first_request(want))?;
        let (bytes, len, validator) = first;
        storage.len = len;
        storage.validator = validator;
        storage.store(0, &bytes);
        Ok(storage)
    }

    /// The URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests and bytes so far.
    pub fn stats(&self) -> HttpStats {
        HttpStats {
            requests: self.counters.requests.load(Ordering::Relaxed),
            bytes: self.counters.bytes.load(Ordering::Relaxed),
            retries: self.counters.retries.load(Ordering::Relaxed),
            cached_bytes: self.lock().len() as u64 * self.options.block_size,
        }
    }

    /// Empties the block cache (and forgets the reading-on state), so that
    /// the next reads are cold.
    pub fn clear_cache(&self) {
        let blocks =
            usize::try_from(self.options.cache_bytes / self.options.block_size).unwrap_or(0);
        *self.lock() = BlockCache::new(blocks);
        *self.sequential.lock().unwrap_or_else(|e| e.into_inner()) = (u64::MAX, 0);
    }

    fn lock(&self) -> MutexGuard<'_, BlockCache> {
        // A panic elsewhere cannot leave the cache inconsistent in a way
        // that matters: its blocks are immutable.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `attempt` up to 1 + retries times while it fails transiently,
    /// the wait doubling from `backoff` up to [`MAX_BACKOFF`].
    fn with_retries<T>(
        &self,
        mut attempt: impl FnMut(&Self) -> Result<T, HttpError>,
    ) -> Result<T, HttpError> {
        let mut wait = self.options.backoff;
        let mut tries = 0u32;
        loop {
            tries = tries.saturating_add(1);
            match attempt(self) {
                Ok(v) => return Ok(v),
                Err(e) if e.is_transient() && tries <= self.options.retries => {
                    self.counters.retries.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(wait);
                    wait = wait.saturating_mul(2).min(MAX_BACKOFF);
                }
                Err(e) if e.is_transient() => {
                    return Err(HttpError::GaveUp {
                        attempts: tries,
                        last: Box::new(e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends a GET, with `Range` when `range` is given and with the
    /// validator's condition once one is known.
    fn send(&self, range: Option<&Range<u64>>) -> Result<Answer, HttpError> {
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self
            .agent
            .get(&self.url)
            .header("Accept-Encoding", "identity");
        if let Some(r) = range {
            req = req.header("Range", format!("bytes={}-{}", r.start, r.end - 1));
        }
        match &self.validator {
            Validator::ETag(tag) => req = req.header("If-Match", tag),
            Validator::LastModified(date, _) => req = req.header("If-Unmodified-Since", date),
            Validator::None(_) => {}
        }
        let response = req.call().map_err(|source| HttpError::Transport {
            url: self.url.clone(),
            range: range.cloned().unwrap_or(0..0),
            source,
        })?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_range = header("content-range");
        let content_length = header("content-length").and_then(|v| v.trim().parse().ok());
        let etag = header("etag");
        let last_modified = header("last-modified");
        Ok(Answer {
            status: response.status().as_u16(),
            content_range,
            content_length,
            etag,
            last_modified,
            body: response.into_body(),
        })
    }

    /// The first request: bytes `0..want` (fewer for a shorter file), the
    /// file's length and its validator.
    fn first_request(&self, want: u64) -> Result<(Vec<u8>, u64, Validator), HttpError> {
        let range = 0..want;
        let answer = self.send(Some(&range))?;
        let validator = match (&answer.etag, &answer.last_modified) {
            (Some(tag), _) if !tag.starts_with("W/") => Validator::ETag(tag.clone()),
            (tag, Some(date)) => Validator::LastModified(date.clone(), tag.clone()),
            (tag, None) => Validator::None(tag.clone()),
        };
        match answer.status {
            206 => {
                let (start, end, total) = self.content_range(&answer, &range)?;
                if start != 0 || end > want || end != want.min(total) {
                    return Err(self.bad_range(&range, &answer));
                }
                let bytes = self.read_body(answer.body, &(0..end))?;
                Ok((bytes, total, validator))
            }
            // A file no longer than what was asked for, whole: as good as
            // a range, and bounded by `want`.
            200 if answer.content_length.is_some_and(|n| n <= want) => {
                let n = answer.content_length.unwrap_or(0);
                let bytes = self.read_body(answer.body, &(0..n))?;
                Ok((bytes, n, validator))
            }
            200 => Err(HttpError::RangeIgnored {
                url: self.url.clone(),
                range,
                content_length: answer.content_length,
            }),
            // An empty file: nothing is satisfiable; the parser reports it.
            416 if answer.content_range.as_deref().map(str::trim) == Some("bytes */0") => {
                Ok((Vec::new(), 0, validator))
            }
            status => Err(self.status(&range, status, "206 Partial Content")),
        }
    }

    fn status(&self, range: &Range<u64>, status: u16, expected: &'static str) -> HttpError {
        if status == 412 {
            return HttpError::Changed {
                url: self.url.clone(),
                what: "the precondition (412 Precondition Failed)",
                expected: self.validator_text(),
                found: "another version".into(),
            };
        }
        HttpError::Status {
            url: self.url.clone(),
            range: range.clone(),
            status,
            expected,
        }
    }

    fn validator_text(&self) -> String {
        match &self.validator {
            Validator::ETag(t) => format!("ETag {t}"),
            Validator::LastModified(d, _) => format!("Last-Modified {d}"),
            Validator::None(_) => "no validator".into(),
        }
    }

    fn bad_range(&self, range: &Range<u64>, answer: &Answer) -> HttpError {
        HttpError::BadContentRange {
            url: self.url.clone(),
            range: range.clone(),
            found: answer.content_range.clone().unwrap_or_default(),
        }
    }

    /// `Content-Range: bytes START-LAST/TOTAL` as `(START, LAST + 1, TOTAL)`.
    fn content_range(
        &self,
        answer: &Answer,
        range: &Range<u64>,
    ) -> Result<(u64, u64, u64), HttpError> {
        let parsed = answer.content_range.as_deref().and_then(|v| {
            let rest = v.trim().strip_prefix("bytes ")?;
            let (span, total) = rest.split_once('/')?;
            let (a, b) = span.split_once('-')?;
            let (a, b, total): (u64, u64, u64) = (
                a.trim().parse().ok()?,
                b.trim().parse().ok()?,
                total.trim().parse().ok()?,
            );
            let end = b.checked_add(1)?;
            (a < end && end <= total).then_some((a, end, total))
        });
        parsed.ok_or_else(|| self.bad_range(range, answer))
    }

    /// Checks a later response's validator and length against the first's.
    fn check_same_file(&self, answer: &Answer, total: u64) -> Result<(), HttpError> {
        let changed = |what, expected: &str, found: Option<&String>| HttpError::Changed {
            url: self.url.clone(),
            what,
            expected: expected.to_string(),
            found: found.cloned().unwrap_or_else(|| "none".into()),
        };
        match &self.validator {
            Validator::ETag(tag) if answer.etag.as_ref() != Some(tag) => {
                return Err(changed("ETag", tag, answer.etag.as_ref()));
            }
            Validator::LastModified(date, tag) => {
                if answer.last_modified.as_ref() != Some(date) {
                    return Err(changed(
                        "Last-Modified",
                        date,
                        answer.last_modified.as_ref(),
                    ));
                }
                if tag.is_some() && answer.etag != *tag {
                    let was = tag.clone().unwrap_or_default();
                    return Err(changed("ETag", &was, answer.etag.as_ref()));
                }
            }
            Validator::None(tag) if tag.is_some() && answer.etag != *tag => {
                let was = tag.clone().unwrap_or_default();
                return Err(changed("ETag", &was, answer.etag.as_ref()));
            }
            _ => {}
        }
        if total != self.len {
            return Err(changed(
                "length",
                &self.len.to_string(),
                Some(&total.to_string()),
            ));
        }
        Ok(())
    }

    /// Reads exactly `range.end - range.start` body bytes: more is an
    /// error (nothing past the cap is read), fewer a (transient) short body.
    /// The length of a plain GET's body: a 200 with a `Content-Length`
    /// of at most `limit`, checked before any of the body is read.
    fn download_len(
        &self,
        answer: &Answer,
        whole: &Range<u64>,
        limit: u64,
    ) -> Result<u64, HttpError> {
        if answer.status != 200 {
            return Err(self.status(whole, answer.status, "200 OK"));
        }
        let Some(len) = answer.content_length else {
            return Err(HttpError::TooLarge {
                url: self.url.clone(),
                what: "a download without Content-Length",
                len: u64::MAX,
                limit,
            });
        };
        if len > limit {
            return Err(HttpError::TooLarge {
                url: self.url.clone(),
                what: "the file",
                len,
                limit,
            });
        }
        Ok(len)
    }

    /// Fails a whole-file download that, past `request_timeout`, has
    /// averaged less than `min_download_rate` bytes per second.
    fn check_rate(&self, start: std::time::Instant, got: u64) -> Result<(), HttpError> {
        let elapsed = start.elapsed();
        let Some(over) = elapsed.checked_sub(self.options.request_timeout) else {
            return Ok(());
        };
        let needed = over.as_secs_f64() * self.options.min_download_rate as f64;
        if (got as f64) < needed {
            return Err(HttpError::TooSlow {
                url: self.url.clone(),
                received: got,
                seconds: elapsed.as_secs_f64(),
                min_rate: self.options.min_download_rate,
            });
        }
        Ok(())
    }

    /// Copies a body of `len` bytes into `out` (truncated first) through a
    /// fixed buffer, with the checks of [`read_body`](Self::read_body):
    /// no byte past `len` is read, and a short body is an error.
    fn copy_body(
        &self,
        body: ureq::Body,
        len: u64,
        out: &mut std::fs::File,
    ) -> Result<(), HttpError> {
        use std::io::{Seek, Write};
        let range = 0..len;
        let local = |source: std::io::Error| HttpError::Local {
            url: self.url.clone(),
            source,
        };
        out.set_len(0).map_err(local)?;
        out.rewind().map_err(local)?;
        let mut reader = body.into_reader().take(len.saturating_add(1));
        let mut buf = vec![0u8; 256 << 10];
        let mut got = 0u64;
        let start = std::time::Instant::now();
        loop {
            self.check_rate(start, got)?;
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // A connection closed mid-body is a short body, below.
                Err(e) if got > 0 => {
                    let _ = e;
                    break;
                }
                Err(e) => {
                    return Err(HttpError::Transport {
                        url: self.url.clone(),
                        range,
                        source: ureq::Error::Io(e),
                    })
                }
            };
            got += n as u64;
            self.counters.bytes.fetch_add(n as u64, Ordering::Relaxed);
            if got > len {
                break;
            }
            out.write_all(&buf[..n]).map_err(local)?;
        }
        if got != len {
            return Err(HttpError::BodyLength {
                url: self.url.clone(),
                range,
                expected: len,
                found: got,
            });
        }
        out.flush().map_err(local)?;
        Ok(())
    }

    fn read_body(&self, body: ureq::Body, range: &Range<u64>) -> Result<Vec<u8>, HttpError> {
        let want = range.end - range.start;
        let too_large = || HttpError::TooLarge {
            url: self.url.clone(),
            what: "a response body",
            len: want,
            limit: self.options.max_read,
        };
        let cap = usize::try_from(want).map_err(|_| too_large())?;
        let mut buf = Vec::new();
        buf.try_reserve_exact(cap).map_err(|_| too_large())?;
        // The body is read up to `want` into the buffer reserved for it,
        // then probed for one byte more: reading `want + 1` at once would
        // let the buffer grow (double) before the length is checked.
        let mut reader = body.into_reader();
        let mut got = (&mut reader).take(want).read_to_end(&mut buf);
        if got.is_ok() && buf.len() as u64 == want {
            let mut extra = [0u8; 1];
            got = match reader.read(&mut extra) {
                Ok(0) => Ok(0),
                // One byte past the range: reported as a long body below.
                Ok(_) => {
                    self.counters.bytes.fetch_add(want + 1, Ordering::Relaxed);
                    return Err(HttpError::BodyLength {
                        url: self.url.clone(),
                        range: range.clone(),
                        expected: want,
                        found: want + 1,
                    });
                }
                Err(e) => Err(e),
            };
        }
        self.counters
            .bytes
            .fetch_add(buf.len() as u64, Ordering::Relaxed);
        // A connection closed mid-body is a short body: say how short.
        if let Err(e) = got {
            if buf.is_empty() {
                return Err(HttpError::Transport {
                    url: self.url.clone(),
                    range: range.clone(),
                    source: ureq::Error::Io(e),
                });
            }
        }
        if buf.len() as u64 != want {
            return Err(HttpError::BodyLength {
                url: self.url.clone(),
                range: range.clone(),
                expected: want,
                found: buf.len() as u64,
            });
        }
        Ok(buf)
    }

    /// One ranged request for `range` (within the file), checked.
    fn fetch_once(&self, range: &Range<u64>) -> Result<Vec<u8>, HttpError> {
        let answer = self.send(Some(range))?;
        match answer.status {
            206 => {
                let (start, end, total) = self.content_range(&answer, range)?;
                self.check_same_file(&answer, total)?;
                if (start, end) != (range.start, range.end) {
                    return Err(self.bad_range(range, &answer));
                }
                self.read_body(answer.body, range)
            }
            200 => Err(HttpError::RangeIgnored {
                url: self.url.clone(),
                range: range.clone(),
                content_length: answer.content_length,
            }),
            status => Err(self.status(range, status, "206 Partial Content")),
        }
    }

    /// [`fetch_once`](Self::fetch_once) with retries.
    fn fetch(&self, range: &Range<u64>) -> Result<Vec<u8>, HttpError> {
        self.with_retries(|s| s.fetch_once(range))
    }

    /// Caches the blocks of `bytes`, fetched from `start` (a block
    /// boundary); a partial last block only at the end of the file.
    fn store(&self, start: u64, bytes: &[u8]) {
        let bs = self.options.block_size;
        let mut cache = self.lock();
        for (i, chunk) in bytes.chunks(to_usize(bs)).enumerate() {
            let at = start + i as u64 * bs;
            if chunk.len() as u64 == bs || at + chunk.len() as u64 == self.len {
                cache.insert(at / bs, Arc::from(chunk));
            }
        }
    }

    /// The aligned span of blocks a miss at `range` fetches: the blocks
    /// covering it and `read_ahead` bytes more, within the file.
    fn span(&self, range: &Range<u64>) -> Range<u64> {
        self.span_with(range, self.options.read_ahead)
    }

    /// [`span`](Self::span) with a read-ahead of `ahead` bytes.
    fn span_with(&self, range: &Range<u64>, ahead: u64) -> Range<u64> {
        let bs = self.options.block_size;
        let start = range.start / bs * bs;
        let end = range
            .end
            .saturating_add(ahead)
            .div_ceil(bs)
            .saturating_mul(bs)
            .min(self.len);
        start..end.max(range.end)
    }

    fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>, HttpError> {
        let end =
            offset
                .checked_add(len)
                .filter(|&e| e <= self.len)
                .ok_or(HttpError::OutOfRange {
                    url: self.url.clone(),
                    start: offset,
                    end: offset.saturating_add(len),
                    len: self.len,
                })?;
        if len > self.options.max_read {
            return Err(HttpError::TooLarge {
                url: self.url.clone(),
                what: "a read",
                len,
                limit: self.options.max_read,
            });
        }
        if len == 0 {
            return Ok(Vec::new());
        }
        let bs = self.options.block_size;
        let (first, last) = (offset / bs, (end - 1) / bs);
        // A read larger than the cache would evict itself: fetch exactly
        // its bytes, uncached.
        let capacity = self.options.cache_bytes / bs;
        if last - first + 1 > capacity {
            return self.fetch(&(offset..end));
        }
        let held: Vec<Option<Arc<[u8]>>> = {
            let mut cache = self.lock();
            (first..=last).map(|b| cache.get(b)).collect()
        };
        let missing = held.iter().position(Option::is_none);
        let (fetched_at, fetched) = match missing {
            None => (0, Vec::new()),
            Some(i) => {
                let from = (first + i as u64) * bs;
                let ahead = {
                    let mut seq = self.sequential.lock().unwrap_or_else(|e| e.into_inner());
                    let ahead = match *seq {
                        (at, last) if at == from => last.saturating_mul(2).clamp(
                            self.options.read_ahead,
                            self.options.max_request.max(self.options.read_ahead),
                        ),
                        _ => self.options.read_ahead,
                    };
                    let span = self.span_with(&(from..end), ahead);
                    *seq = (span.end, ahead);
                    ahead
                };
                let span = self.span_with(&(from..end), ahead);
                let bytes = self.fetch(&span)?;
                self.store(span.start, &bytes);
                (span.start, bytes)
            }
        };
        let mut out = Vec::new();
        out.try_reserve_exact(usize::try_from(len).unwrap_or(usize::MAX))
            .map_err(|_| HttpError::TooLarge {
                url: self.url.clone(),
                what: "a read",
                len,
                limit: self.options.max_read,
            })?;
        for (b, block) in (first..=last).zip(&held) {
            let block_start = b * bs;
            let lo = offset.max(block_start);
            let hi = end.min(block_start + bs);
            let piece = match block {
                Some(bytes) if missing.is_none_or(|i| b < first + i as u64) => bytes
                    .get(to_usize(lo - block_start)..to_usize(hi - block_start))
                    .unwrap_or_default(),
                _ => fetched
                    .get(to_usize(lo - fetched_at)..to_usize(hi - fetched_at))
                    .unwrap_or_default(),
            };
            out.extend_from_slice(piece);
        }
        Ok(out)
    }

    /// The blocks of `ranges` (each with its read-ahead) that the cache
    /// lacks, sorted and distinct.
    fn missing_blocks(&self, ranges: &[Range<u64>]) -> Vec<u64> {
        let bs = self.options.block_size;
        let capacity = self.options.cache_bytes / bs;
        // Never more than the cache holds (the prefetch would evict
        // itself), and never a range longer than one read may be: the
        // ranges come from the file (slot runs of a declared length), so
        // the list is capped while it is built, not after.
        let limit = usize::try_from(capacity).unwrap_or(usize::MAX);
        let mut blocks: Vec<u64> = Vec::new();
        {
            let cache = self.lock();
            'ranges: for r in ranges {
                if r.start >= r.end || r.end > self.len || r.end - r.start > self.options.max_read {
                    continue;
                }
                let span = self.span(r);
                for b in span.start / bs..span.end.div_ceil(bs) {
                    if blocks.len() >= limit {
                        break 'ranges;
                    }
                    if !cache.contains(b) {
                        blocks.push(b);
                    }
                }
            }
        }
        blocks.sort_unstable();
        blocks.dedup();
        blocks
    }

    /// Fetches the missing blocks of `ranges` (each with its read-ahead),
    /// nearby ones together, up to `parallel` requests at once. Failures
    /// are left for the reads that follow to report.
    fn prefetch_ranges(&self, ranges: &[Range<u64>]) {
        let bs = self.options.block_size;
        let blocks = self.missing_blocks(ranges);
        let gap = self.options.coalesce_gap / bs;
        let max = (self.options.max_request / bs).max(1);
        let mut spans: Vec<Range<u64>> = Vec::new();
        for b in blocks {
            match spans.last_mut() {
                Some(s) if b <= s.end + gap && b + 1 - s.start <= max => s.end = b + 1,
                _ => spans.push(b..b + 1),
            }
        }
        let spans: Vec<Range<u64>> = spans
            .into_iter()
            .map(|s| s.start * bs..(s.end * bs).min(self.len))
            .collect();
        let workers = self.options.parallel.clamp(1, 64).min(spans.len());
        if workers <= 1 {
            for span in &spans {
                match self.fetch(span) {
                    Ok(bytes) => self.store(span.start, &bytes),
                    Err(_) => return,
                }
            }
            return;
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while let Some(span) = spans.get(next.fetch_add(1, Ordering::Relaxed)) {
                        match self.fetch(span) {
                            Ok(bytes) => self.store(span.start, &bytes),
                            Err(_) => return,
                        }
                    }
                });
            }
        });
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl Storage for HttpStorage {
    type Bytes<'a> = Vec<u8>;

    fn file_len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, zidx::Error> {
        Ok(self.read(offset, len)?)
    }

    fn prefetch(&self, ranges: &[Range<u64>]) {
        self.prefetch_ranges(ranges);
    }
}

/// Downloads the whole file at `url` with one plain GET into memory,
/// refusing before reading a body longer than `limit` or without a
/// `Content-Length`, and reading no byte past its length. For files that
/// may be large, [`download_to`] writes to a file instead.
pub fn download(url: &str, options: &HttpOptions, limit: u64) -> Result<Vec<u8>, HttpError> {
    let storage = download_storage(url, options)?;
    let whole = 0..limit;
    storage.with_retries(|s| {
        let answer = s.send(None)?;
        let len = s.download_len(&answer, &whole, limit)?;
        s.read_body(answer.body, &(0..len))
    })
}

/// Downloads the whole file at `url` with one plain GET into `out` (for
/// `zidx verify URL`: the file passes the network once, in memory of a
/// fixed 256 KiB buffer), under the same bounds as [`download`]. `out` is
/// truncated first, and again before each retry. Returns the length.
pub fn download_to(
    url: &str,
    options: &HttpOptions,
    limit: u64,
    out: &mut std::fs::File,
) -> Result<u64, HttpError> {
    let storage = download_storage(url, options)?;
    let whole = 0..limit;
    storage.with_retries(|s| {
        let answer = s.send(None)?;
        let len = s.download_len(&answer, &whole, limit)?;
        s.copy_body(answer.body, len, out)?;
        Ok(len)
    })
}

/// A storage used only to send a plain GET with the options' agent,
/// retries and counters.
fn download_storage(url: &str, options: &HttpOptions) -> Result<HttpStorage, HttpError> {
    if !crate::is_url(url) {
        return Err(HttpError::NotHttp {
            url: url.to_string(),
        });
    }
    let options = options.clone();
    Ok(HttpStorage {
        url: url.to_string(),
        agent: options.agent(true),
        options,
        len: 0,
        validator: Validator::None(None),
        cache: Mutex::new(BlockCache::new(0)),
        counters: Counters::default(),
        sequential: Mutex::new((u64::MAX, 0)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A storage of a declared `len` at a URL nothing answers (the tests
    /// below never send a request).
    fn storage(len: u64) -> HttpStorage {
        let mut s = download_storage("http://127.0.0.1:9/x.zidx", &HttpOptions::default()).unwrap();
        s.len = len;
        s.cache = Mutex::new(BlockCache::new(
            usize::try_from(s.options.cache_bytes / s.options.block_size).unwrap(),
        ));
        s
    }

    /// The ranges a prefetch gets come from the file (a slot run of a
    /// declared length per key): however long, the blocks listed stay
    /// within the cache's size, and a range longer than one read may be
    /// is skipped without listing its blocks.
    #[test]
    fn prefetch_lists_at_most_the_cache_and_skips_overlong_ranges() {
        let s = storage(1 << 45);
        let capacity = s.options.cache_bytes / s.options.block_size;
        let huge: Vec<Range<u64>> = (0..32u64).map(|i| i << 36..(i << 36) + (1 << 35)).collect();
        assert!(s.missing_blocks(&huge).is_empty());
        let long: Vec<Range<u64>> = (0..32u64)
            .map(|i| i << 36..(i << 36) + s.options.max_read)
            .collect();
        let blocks = s.missing_blocks(&long);
        assert_eq!(blocks.len() as u64, capacity);
        assert!(blocks.windows(2).all(|w| w[0] < w[1]));
    }
}
