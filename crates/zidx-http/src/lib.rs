//! Read zidx index files over HTTP(S) range requests: an index on a plain
//! web server or in an object store (any public or presigned HTTPS URL),
//! queried with no server code.
//!
//! ```no_run
//! # fn main() -> Result<(), zidx::Error> {
//! let index = zidx_http::open_url("https://example.com/colors.zidx", Default::default())?;
//! assert_eq!(index.get(b"red")?.as_deref(), Some(&b"#ff0000"[..]));
//! # Ok(()) }
//! ```
//!
//! # Request budget
//!
//! * **Open: one request**, for the first [`HttpOptions::first_fetch`]
//!   bytes (16 KiB), which hold the header, the section table and the hash
//!   parameters (352 bytes in files from the reference writer). Its
//!   `Content-Range` gives the file's length; its `ETag` / `Last-Modified`
//!   become the validator every later request carries.
//! * **A cold miss: one request**, for the key's run of slots.
//! * **A cold hit: at most two**, the run of slots and the record. (Each
//!   other key in the probed run whose 8-bit fingerprint matches adds the
//!   read of its record: rare, at most 1 lookup in 100 in
//!   crates/zidx-bench/results/HTTP.md.)
//! * **Over-read rule.** Every request fetches whole aligned blocks of
//!   [`HttpOptions::block_size`] bytes (4 KiB) covering the bytes asked
//!   for *and the [`HttpOptions::read_ahead`] bytes (2 KiB) after them*. A
//!   record's length is known only once its header is read, so the
//!   header's request also brings its key and value whenever the record
//!   ends within `read_ahead` bytes of its header: records of up to about
//!   2 KiB cost no extra round trip; a longer one costs one more request
//!   for its rest. Per request at most `block_size + read_ahead` bytes
//!   more than asked are transferred. A read that misses exactly where
//!   the previous fetch ended (iterating, scanning) doubles the read-ahead
//!   each time, up to [`HttpOptions::max_request`] (1 MiB), so that a
//!   pass over the records takes a few large requests, not one per block.
//! * **[`Index::get_many`](zidx::Index::get_many)** asks for the slots of
//!   a group of keys, then their records, through
//!   [`Storage::prefetch`](zidx::Storage::prefetch): ranges closer than
//!   [`HttpOptions::coalesce_gap`] are fetched by one request, and up to
//!   [`HttpOptions::parallel`] requests run at once.
//! * Fetched blocks stay in a bounded LRU cache of
//!   [`HttpOptions::cache_bytes`]; a read served from it costs nothing.
//!
//! # Correctness over a network
//!
//! * A file replaced between requests is an error
//!   ([`HttpError::Changed`]), never an answer mixed from two files: every
//!   request after the first carries `If-Match` (the first response's
//!   strong `ETag`) or `If-Unmodified-Since` (its `Last-Modified`), and
//!   every response's validator and total length are compared with the
//!   first's. A server that sends neither validator is checked by length
//!   only.
//! * A server that ignores `Range` (a `200` with the whole file) is an
//!   error ([`HttpError::RangeIgnored`]) and its body is not read, except
//!   for a file no longer than what was asked, which is used as is.
//! * Every body is read with a hard cap of the bytes asked for: a longer
//!   one is an error, a shorter one is retried.
//! * Connection failures, timeouts, short bodies, `408`, `416`, `429` and
//!   `5xx` are retried [`HttpOptions::retries`] times with doubling
//!   backoff, then reported ([`HttpError::GaveUp`]).
//! * Record checks and checksums are checked as for local files.
//!
//! Errors reach the caller as [`zidx::Error::Storage`] holding an
//! [`HttpError`]; [`http_error`] gets it back.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cache;
mod error;
mod storage;

pub use error::{http_error, HttpError};
pub use storage::{download, download_to, HttpOptions, HttpStats, HttpStorage, MAX_BACKOFF};

use zidx::Index;

/// Opens the index at `url` (`http://` or `https://`) for lookups over
/// range requests: one request, then at most two per cold lookup (see the
/// [crate docs](crate)).
pub fn open_url(url: &str, options: HttpOptions) -> Result<Index<HttpStorage>, zidx::Error> {
    let storage = HttpStorage::open(url, options).map_err(|e| zidx::Error::Storage(Box::new(e)))?;
    Index::from_storage(storage)
}

/// Whether `s` names a remote index (`http://` or `https://`, any case),
/// rather than a path.
pub fn is_url(s: &str) -> bool {
    let lower = |n: usize| s.get(..n).map(str::to_ascii_lowercase);
    lower(7).as_deref() == Some("http://") || lower(8).as_deref() == Some("https://")
}
