//! `zidx verify`.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// Runs `zidx verify`: `ok`, or the first problem (exit 2).
pub fn run(args: VerifyArgs) -> Outcome {
    let index = Target::open(&args.index, args.read.no_mmap)?;
    index
        .verify()
        .map_err(|e| Failure::error(format!("{}: {e}", args.index.display())))?;
    let mut out = io::stdout().lock();
    out.write_all(b"ok\n")
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
