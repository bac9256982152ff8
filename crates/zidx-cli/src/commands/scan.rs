//! `zidx scan`: the records of a key range or prefix, in key order, from an
//! index built with ordered keys.

use std::io::{self, BufWriter, Write};
use std::ops::Bound;
use std::process::ExitCode;

use zidx::{Index, KeyRange, Storage};
use zidx_text::escape::ShowKey;

use crate::cli::ScanArgs;
use crate::commands::lines::{
    end_stopped_stream, push_key_line, push_record, refused_key, refused_record, Form,
};
use crate::commands::open_index;
use crate::failure::{Failure, Outcome};

/// Runs `zidx scan`.
pub fn run(args: ScanArgs) -> Outcome {
    match crate::commands::url_of(&args.index) {
        Some(url) => scan(&crate::commands::open_url(url)?, &args),
        None => scan(&open_index(&args.index, args.read.no_mmap)?, &args),
    }
}

/// The scan, over any storage.
fn scan<S: Storage>(index: &Index<S>, args: &ScanArgs) -> Outcome {
    let path = args.index.display().to_string();
    let failed = |e: zidx::Error| Failure::error(format!("{path}: {e}"));
    let range = select(index, args).map_err(failed)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let limit = args.limit.unwrap_or(u64::MAX);
    if args.count {
        let n = (range.len() as u64).min(limit);
        writeln!(out, "{n}").map_err(Failure::stdout)?;
        out.flush().map_err(Failure::stdout)?;
        return Ok(ExitCode::SUCCESS);
    }
    let records: Box<dyn Iterator<Item = _>> = if args.reverse {
        Box::new(range.rev())
    } else {
        Box::new(range)
    };
    let form = Form::new(args.escaped);
    let mut line = Vec::new();
    for (n, record) in records
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .enumerate()
    {
        let (key, value) = record.map_err(failed)?;
        let (key, value) = (key.as_ref(), value.as_ref());
        line.clear();
        let what = || {
            format!(
                "{path}: record {} of the range (key {})",
                n + 1,
                ShowKey(key)
            )
        };
        if args.keys_only {
            if let Err(why) = push_key_line(form, key, &mut line) {
                out.flush().map_err(Failure::stdout)?;
                return Err(refused_key(what(), why));
            }
        } else if let Err(why) = push_record(form, key, value, &mut line) {
            end_stopped_stream(&mut out);
            return Err(refused_record(what(), why));
        }
        out.write_all(&line).map_err(Failure::stdout)?;
    }
    out.flush().map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}

/// The range the options ask for.
fn select<'a, S: Storage>(
    index: &'a Index<S>,
    args: &ScanArgs,
) -> Result<KeyRange<'a, S>, zidx::Error> {
    if let Some(prefix) = &args.prefix {
        return index.prefix(prefix.as_encoded_bytes());
    }
    let start = match &args.from {
        Some(a) => Bound::Included(a.as_encoded_bytes()),
        None => Bound::Unbounded,
    };
    let end = match (&args.to, &args.through) {
        (Some(b), _) => Bound::Excluded(b.as_encoded_bytes()),
        (None, Some(b)) => Bound::Included(b.as_encoded_bytes()),
        (None, None) => Bound::Unbounded,
    };
    index.range::<[u8], _>((start, end))
}
