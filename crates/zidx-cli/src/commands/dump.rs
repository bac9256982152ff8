//! `zidx dump`: every record as a `KEY<TAB>VALUE` line, in stored order,
//! raw (the default) or escaped ([`crate::commands::lines`]).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use zidx_text::escape::ShowKey;

use crate::cli::DumpArgs;
use crate::commands::json_lines::JsonForm;
use crate::commands::lines::{end_stopped_stream, push_record, refused_record, Form};
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome};

/// Runs `zidx dump`.
pub fn run(args: DumpArgs) -> Outcome {
    let index = Target::open(&args.index, args.read.no_mmap)?;
    let path = args.index.display().to_string();
    let form = Form::new(args.escaped);
    let json = match args.json {
        true => Some(JsonForm::for_index(&index, &path)?),
        false => None,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut line = Vec::new();
    for (n, record) in index.iter().enumerate() {
        let (key, value) = record.map_err(|e| Failure::error(format!("{path}: {e}")))?;
        let (key, value) = (&*key, &*value);
        line.clear();
        let what = || format!("{path}: record {} (key {})", n + 1, ShowKey(key));
        match json {
            Some(json) => {
                if let Err(why) = json.push_record(key, value, &mut line) {
                    end_stopped_stream(&mut out);
                    return Err(Failure::error(format!("{}: {why}", what())));
                }
            }
            None => {
                if let Err(why) = push_record(form, key, value, &mut line) {
                    end_stopped_stream(&mut out);
                    return Err(refused_record(what(), why));
                }
            }
        }
        out.write_all(&line).map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
