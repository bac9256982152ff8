//! One module per subcommand.

pub mod bench;
pub mod build;
pub mod build_output;
pub mod completions;
pub mod count;
pub mod dump;
pub mod get;
pub mod inspect;
pub mod json_lines;
pub mod keys;
pub mod lines;
pub mod manifest;
pub mod scan;
pub mod stats;
pub mod target;
pub mod verify;

use std::path::Path;

use zidx::{FileBytes, Index};
use zidx_http::HttpStorage;

use crate::failure::Failure;

/// Opens an index, mapped or read into memory; failures exit 2. A set
/// manifest is refused with a pointer to its shards: only the commands of
/// [`target`] read sets.
pub fn open_index(path: &Path, no_mmap: bool) -> Result<Index<FileBytes>, Failure> {
    if zidx::is_manifest(path) {
        return Err(Failure::error(format!(
            "{}: an index set's manifest; this command reads one index at a time: give it a \
             shard (`zidx inspect` lists them), or use get, dump, keys, count, inspect or verify, \
             which read whole sets",
            path.display()
        )));
    }
    let opened = if no_mmap {
        Index::read(path)
    } else {
        Index::open(path)
    };
    opened.map_err(|e| match e {
        zidx::Error::Io { .. } => Failure::error(e),
        other => Failure::error(format!("{}: {other}", path.display())),
    })
}

/// The URL `path` names, if it is an `http://` or `https://` URL rather
/// than a file.
pub fn url_of(path: &Path) -> Option<&str> {
    path.to_str().filter(|s| zidx_http::is_url(s))
}

/// Options for reading over HTTP: zidx-http's defaults, with the timeouts
/// `ZIDX_HTTP_TIMEOUT` (seconds, per request) sets.
pub fn http_options() -> zidx_http::HttpOptions {
    let mut options = zidx_http::HttpOptions::default();
    if let Some(secs) = std::env::var("ZIDX_HTTP_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0 && *s < 1e6)
    {
        options.request_timeout = std::time::Duration::from_secs_f64(secs);
        options.connect_timeout = std::time::Duration::from_secs_f64(secs);
    }
    options
}

/// Opens the index at `url` over range requests; failures exit 2.
pub fn open_url(url: &str) -> Result<Index<HttpStorage>, Failure> {
    zidx_http::open_url(url, http_options()).map_err(|e| match e {
        zidx::Error::Storage(_) => Failure::error(e),
        other => Failure::error(format!("{url}: {other}")),
    })
}
