//! `zidx verify`.

use std::process::ExitCode;

use crate::cli::VerifyArgs;
use crate::commands::open_index;
use crate::failure::{Failure, Outcome};

pub fn run(args: VerifyArgs, no_mmap: bool) -> Outcome {
    let index = open_index(&args.index, no_mmap)?;
    index
        .verify()
        .map_err(|e| Failure::bad(format!("{}: {e}", args.index.display())))?;
    println!("ok");
    Ok(ExitCode::SUCCESS)
}
