//! `zidx count`: the number of records, from the header (no record is
//! read, so it takes as long as opening).

use std::io::{self, Write};
use std::process::ExitCode;

use crate::cli::CountArgs;
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// Runs `zidx count`.
pub fn run(args: CountArgs) -> Outcome {
    let index = Target::open(&args.index, args.read.no_mmap)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{}", index.len())
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
