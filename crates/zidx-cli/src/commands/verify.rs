//! `zidx verify`.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// The largest file `zidx verify URL` downloads (into a temporary file,
/// so that memory stays bounded whatever the size).
const MAX_DOWNLOAD: u64 = 1 << 48;

/// Bytes free for an unprivileged user on the file system of `dir`.
#[cfg(target_os = "linux")]
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    stat.f_bavail.checked_mul(stat.f_frsize)
}

#[cfg(not(target_os = "linux"))]
fn free_bytes(_dir: &std::path::Path) -> Option<u64> {
    None
}

/// Runs `zidx verify`: `ok`, or the first problem (exit 2).
pub fn run(args: VerifyArgs) -> Outcome {
    let failed = |e: zidx::Error| Failure::error(format!("{}: {e}", args.index.display()));
    if let Some(url) = crate::commands::url_of(&args.index) {
        // One plain GET streams the whole file (bounded by its
        // Content-Length), instead of verify's many reads each being a
        // range request. The file goes to a temporary file in $TMPDIR, mapped and then
        // unlinked before it is checked, so memory stays bounded and
        // nothing is left behind once the mapping is gone.
        let temp = tempfile::NamedTempFile::new()
            .map_err(|e| Failure::error(format!("a temporary file for {url}: {e}")))?;
        let mut file = temp
            .reopen()
            .map_err(|e| Failure::error(format!("a temporary file for {url}: {e}")))?;
        // A server may declare any length: the download must fit in the
        // temporary directory's free space, checked before the body is read.
        let limit = free_bytes(&std::env::temp_dir()).map_or(MAX_DOWNLOAD, |f| f.min(MAX_DOWNLOAD));
        zidx_http::download_to(url, &crate::commands::http_options(), limit, &mut file).map_err(
            |e| match e {
                zidx_http::HttpError::TooLarge { len, limit, .. } if limit < MAX_DOWNLOAD => {
                    Failure::error(format!(
                        "{url}: the file of {len} bytes does not fit in the {limit} bytes free in {} (set TMPDIR to a larger disk)",
                        std::env::temp_dir().display()
                    ))
                }
                e => Failure::error(e.to_string()),
            },
        )?;
        let index = zidx::Index::open(temp.path()).map_err(failed)?;
        drop(temp.close());
        index.verify().map_err(failed)?;
    } else {
        let index = Target::open(&args.index, args.read.no_mmap)?;
        index.verify().map_err(failed)?;
    }
    let mut out = io::stdout().lock();
    out.write_all(b"ok\n")
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
