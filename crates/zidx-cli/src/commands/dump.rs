//! `zidx dump`.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use zidx_text::escape::escape_record_into;

use crate::cli::DumpArgs;
use crate::commands::open_index;
use crate::failure::{Failure, Outcome};

pub fn run(args: DumpArgs, no_mmap: bool) -> Outcome {
    let index = open_index(&args.index, no_mmap)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::new();
    for record in index.iter() {
        let (key, value) =
            record.map_err(|e| Failure::error(format!("{}: {e}", args.index.display())))?;
        line.clear();
        escape_record_into(key, value, &mut line);
        out.write_all(&line).map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
