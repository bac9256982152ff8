use std::ops::Range;

/// Everything that can go wrong reading an index over HTTP. Each variant
/// names the URL and, for one request, the byte range asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// A download could not be written to its local file (`download_to`).
    #[error("{url}: writing the download to a local file: {source}")]
    Local {
        /// The URL.
        url: String,
        /// The local error.
        source: std::io::Error,
    },
    /// A whole-file download fell below `HttpOptions::min_download_rate`.
    #[error("{url}: {received} bytes in {seconds:.1} s, slower than the least rate of {min_rate} bytes/s")]
    TooSlow {
        /// The URL.
        url: String,
        /// Bytes received so far.
        received: u64,
        /// Seconds since the body started.
        seconds: f64,
        /// `HttpOptions::min_download_rate`.
        min_rate: u64,
    },
    /// The URL is not an `http://` or `https://` URL.
    #[error("{url}: not an http:// or https:// URL")]
    NotHttp {
        /// What was given.
        url: String,
    },
    /// The request could not be made or its answer not read (DNS,
    /// connection refused or reset, TLS, timeout).
    #[error("{url}: bytes {}-{}: {source}", range.start, range.end.saturating_sub(1))]
    Transport {
        /// The URL.
        url: String,
        /// Bytes asked for.
        range: Range<u64>,
        /// The client's error.
        #[source]
        source: ureq::Error,
    },
    /// The server answered with a status other than `206 Partial Content`
    /// (`200` for a whole-file download).
    #[error("{url}: bytes {}-{}: HTTP status {status}, expected {expected}", range.start, range.end.saturating_sub(1))]
    Status {
        /// The URL.
        url: String,
        /// Bytes asked for.
        range: Range<u64>,
        /// The status received.
        status: u16,
        /// What was expected.
        expected: &'static str,
    },
    /// The server ignored the `Range` header and answered `200` with the
    /// whole file, which is larger than what was asked: the body was not
    /// read. Serve the file from a server that supports range requests
    /// (every common web server and object store does for static files).
    #[error("{url}: bytes {}-{}: the server ignored the Range header (200 with {} bytes); range requests are required", range.start, range.end.saturating_sub(1), content_length.map_or("an unknown number of".to_string(), |n| n.to_string()))]
    RangeIgnored {
        /// The URL.
        url: String,
        /// Bytes asked for.
        range: Range<u64>,
        /// The length of the whole file the server offered, if it said.
        content_length: Option<u64>,
    },
    /// The file at the URL is not the one opened: its validator (`ETag` or
    /// `Last-Modified`) or its length changed, or the server refused the
    /// `If-Match` / `If-Unmodified-Since` condition (`412`). It was replaced
    /// since: open it again.
    #[error("{url}: the file changed since it was opened: {what} was {expected}, now {found}")]
    Changed {
        /// The URL.
        url: String,
        /// What changed: `ETag`, `Last-Modified`, `length`, or the
        /// precondition (`412`).
        what: &'static str,
        /// At open.
        expected: String,
        /// Now.
        found: String,
    },
    /// A `206` response whose `Content-Range` is missing, malformed, or
    /// covers other bytes than were asked for.
    #[error("{url}: bytes {}-{}: Content-Range {found:?}, expected bytes {}-{}/LENGTH", range.start, range.end.saturating_sub(1), range.start, range.end.saturating_sub(1))]
    BadContentRange {
        /// The URL.
        url: String,
        /// Bytes asked for.
        range: Range<u64>,
        /// The header received (empty when missing).
        found: String,
    },
    /// The body was shorter than the range (the connection closed early)
    /// or longer (more bytes than asked for were refused unread).
    #[error("{url}: bytes {}-{}: body of {found} bytes, expected {expected}", range.start, range.end.saturating_sub(1))]
    BodyLength {
        /// The URL.
        url: String,
        /// Bytes asked for.
        range: Range<u64>,
        /// Bytes expected.
        expected: u64,
        /// Bytes received: for a long body, the first `expected + 1`.
        found: u64,
    },
    /// A read longer than [`HttpOptions::max_read`](crate::HttpOptions::max_read),
    /// or a download longer than its limit: refused before any byte was
    /// fetched or allocated.
    #[error("{url}: {what} of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// What was to be read.
        what: &'static str,
        /// Its length.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// A read outside the file (a bug in the caller: the index parser
    /// never asks for one).
    #[error("{url}: bytes {start}..{end} are past the end of the {len}-byte file")]
    OutOfRange {
        /// The URL.
        url: String,
        /// Where the read started.
        start: u64,
        /// Where it ended.
        end: u64,
        /// The file's length.
        len: u64,
    },
    /// The last of `attempts` tries of a request failed in a way worth
    /// retrying (a reset, a short body, `5xx`, ...).
    #[error("{last} (gave up after {attempts} attempts)")]
    GaveUp {
        /// How many requests were made.
        attempts: u32,
        /// The last one's error.
        #[source]
        last: Box<HttpError>,
    },
}

impl HttpError {
    /// Whether another try of the same request may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            HttpError::Transport { .. } => true,
            HttpError::BodyLength {
                found, expected, ..
            } => found < expected,
            HttpError::Status { status, .. } => {
                matches!(status, 408 | 416 | 429) || (500..600).contains(status)
            }
            _ => false,
        }
    }
}

impl From<HttpError> for zidx::Error {
    fn from(e: HttpError) -> zidx::Error {
        zidx::Error::Storage(Box::new(e))
    }
}

/// The [`HttpError`] inside a reader's error, if an HTTP read caused it.
pub fn http_error(e: &zidx::Error) -> Option<&HttpError> {
    match e {
        zidx::Error::Storage(inner) => inner.downcast_ref::<HttpError>(),
        _ => None,
    }
}
