//! `zidx verify`.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// The largest file `zidx verify URL` downloads: it holds the file in
/// memory while checking it.
const MAX_DOWNLOAD: u64 = 64 << 30;

/// Runs `zidx verify`: `ok`, or the first problem (exit 2).
pub fn run(args: VerifyArgs) -> Outcome {
    let failed = |e: zidx::Error| Failure::error(format!("{}: {e}", args.index.display()));
    if let Some(url) = crate::commands::url_of(&args.index) {
        // One plain GET streams the whole file (bounded by its
        // Content-Length), instead of verify's many reads each being a
        // range request.
        let bytes = zidx_http::download(url, &crate::commands::http_options(), MAX_DOWNLOAD)
            .map_err(|e| Failure::error(e.to_string()))?;
        zidx::Index::from_bytes(bytes)
            .and_then(|index| index.verify())
            .map_err(failed)?;
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
