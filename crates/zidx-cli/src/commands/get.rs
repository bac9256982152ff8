//! `zidx get`.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use zidx_text::escape::{escape_record_into, unescape_into};

use crate::cli::GetArgs;
use crate::commands::open_index;
use crate::failure::{Failure, Outcome, EXIT_NOT_FOUND};

pub fn run(args: GetArgs, no_mmap: bool) -> Outcome {
    let index = open_index(&args.index, no_mmap)?;
    let path = args.index.display().to_string();
    let corrupt = |e: zidx::Error| Failure::error(format!("{path}: {e}"));
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());

    if args.keys.len() == 1 && args.keys[0] == "-" {
        return from_stdin(&index, &path, args.no_escapes, &mut out);
    }
    let mut missing = 0usize;
    for key in &args.keys {
        let key = key.as_encoded_bytes();
        match index.get(key).map_err(corrupt)? {
            Some(value) => out
                .write_all(value)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(Failure::stdout)?,
            None => {
                missing += 1;
                out.flush().map_err(Failure::stdout)?;
                let _ = writeln!(
                    io::stderr(),
                    "zidx: key not found: {}",
                    String::from_utf8_lossy(key)
                );
            }
        }
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(if missing > 0 {
        ExitCode::from(EXIT_NOT_FOUND)
    } else {
        ExitCode::SUCCESS
    })
}

fn from_stdin(index: &zidx::Index, path: &str, no_escapes: bool, out: &mut impl Write) -> Outcome {
    let stdin = io::stdin();
    let mut input = io::BufReader::with_capacity(1 << 16, stdin.lock());
    let mut line = Vec::new();
    let mut key = Vec::new();
    let mut escaped = Vec::new();
    let (mut asked, mut missing) = (0u64, 0u64);
    let mut line_no = 0u64;
    loop {
        line.clear();
        line_no += 1;
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| Failure::error(format!("<stdin>: {e}")))?;
        if n == 0 {
            break;
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        let key: &[u8] = if no_escapes {
            text
        } else {
            key.clear();
            unescape_into(text, &mut key)
                .map_err(|e| Failure::error(format!("<stdin>:{line_no}: in key: {e}")))?;
            &key
        };
        asked += 1;
        match index
            .get(key)
            .map_err(|e| Failure::error(format!("{path}: {e}")))?
        {
            Some(value) => {
                escaped.clear();
                escape_record_into(key, value, &mut escaped);
                out.write_all(&escaped).map_err(Failure::stdout)?;
            }
            None => missing += 1,
        }
    }
    out.flush().map_err(Failure::stdout)?;
    if missing > 0 {
        let _ = writeln!(io::stderr(), "zidx: {missing} of {asked} keys not found");
        Ok(ExitCode::from(EXIT_NOT_FOUND))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
