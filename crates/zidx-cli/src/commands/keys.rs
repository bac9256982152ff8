//! `zidx keys`: every key, one per line, in stored order (cdb's `-l`), raw
//! (the default) or escaped: the input of `zidx get INDEX -`.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use zidx_text::escape::ShowKey;

use crate::cli::KeysArgs;
use crate::commands::lines::{push_key_line, refused_key, Form};
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// Runs `zidx keys`.
pub fn run(args: KeysArgs) -> Outcome {
    let index = Target::open(&args.index, args.read.no_mmap)?;
    let path = args.index.display().to_string();
    let form = Form::new(args.escaped);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::new();
    for (n, record) in index.iter().enumerate() {
        let (key, _) = record.map_err(|e| Failure::error(format!("{path}: {e}")))?;
        let key = &*key;
        line.clear();
        if let Err(why) = push_key_line(form, key, &mut line) {
            // The keys before it are good keys: flush them, as a listing
            // that was cut by a closed pipe would have.
            out.flush().map_err(Failure::stdout)?;
            return Err(refused_key(
                format_args!("{path}: record {} (key {})", n + 1, ShowKey(key)),
                why,
            ));
        }
        out.write_all(&line).map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
