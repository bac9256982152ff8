//! `zidx get`: one key (its value), several keys (`KEY<TAB>VALUE` lines),
//! or `-` (keys from stdin, `KEY<TAB>VALUE` lines).
//!
//! With several keys, each answer carries its key, so that values can be
//! matched to keys when some are missing; missing keys are named on stderr.

use std::borrow::Cow;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use zidx_text::escape::ShowKey;

use crate::cli::GetArgs;
use crate::commands::json_lines::JsonForm;
use crate::commands::lines::{
    end_stopped_stream, push_record, push_value_line, refused_record, Form, KeyLines, NotRaw,
};
use crate::commands::target::Target;
use crate::failure::{Failure, Outcome, EXIT_NOT_FOUND};

/// Runs `zidx get`.
pub fn run(args: GetArgs) -> Outcome {
    let index = Target::open(&args.index, args.read.no_mmap)?;
    let path = args.index.display().to_string();
    let json = match args.json {
        true => Some(JsonForm::for_index(&index, &path)?),
        false => None,
    };
    let ask = Ask {
        index: &index,
        json,
        path,
        form: Form::new(args.escaped),
        default: args.default.as_ref().map(|d| d.as_encoded_bytes()),
        all: args.all,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let missing = match args.keys.as_slice() {
        [only] if only == "-" => ask.stdin_keys(&mut out)?,
        [only] => ask.one(only.as_encoded_bytes(), &mut out)?,
        keys => ask.several(keys, &mut out)?,
    };
    out.flush().map_err(Failure::stdout)?;
    Ok(if missing {
        ExitCode::from(EXIT_NOT_FOUND)
    } else {
        ExitCode::SUCCESS
    })
}

/// What every form of `get` needs.
struct Ask<'a> {
    index: &'a Target,
    /// `--json`: typed values as JSON.
    json: Option<JsonForm<'a>>,
    /// The index's path, for messages.
    path: String,
    form: Form,
    /// `--default`: the value printed for a missing key.
    default: Option<&'a [u8]>,
    /// `--all`: every value of each key.
    all: bool,
}

impl Ask<'_> {
    /// The value of `key`, or the `--default` value; `None` for a miss.
    fn value<'v>(&'v self, key: &[u8]) -> Result<Option<Cow<'v, [u8]>>, Failure> {
        let found = self
            .index
            .get(key)
            .map_err(|e| Failure::error(format!("{}: {e}", self.path)))?;
        Ok(found.or(self.default.map(Cow::Borrowed)))
    }

    /// The values of `key` to print: the first (or `--default`), or with
    /// `--all` every one; empty for a miss.
    fn values<'v>(&'v self, key: &[u8]) -> Result<Vec<Cow<'v, [u8]>>, Failure> {
        if !self.all {
            return Ok(self.value(key)?.into_iter().collect());
        }
        let failed = |e: zidx::Error| Failure::error(format!("{}: {e}", self.path));
        let mut values = Vec::new();
        for value in self.index.get_all(key).map_err(failed)? {
            values.push(value.map_err(failed)?);
        }
        if values.is_empty() {
            values.extend(self.default.map(Cow::Borrowed));
        }
        Ok(values)
    }

    /// One key: its value and a newline. Returns whether it was missing.
    fn one(&self, key: &[u8], out: &mut impl Write) -> Result<bool, Failure> {
        let values = self.values(key)?;
        if values.is_empty() {
            not_found(key);
            return Ok(true);
        }
        let mut line = Vec::new();
        for value in values {
            line.clear();
            match self.json {
                Some(json) => json.push_value_line(&value, &mut line).map_err(|why| {
                    Failure::error(format!("{}: key {}: {why}", self.path, ShowKey(key)))
                })?,
                None => push_value_line(self.form, &value, &mut line),
            }
            out.write_all(&line).map_err(Failure::stdout)?;
        }
        Ok(false)
    }

    /// Several keys from the command line: `KEY<TAB>VALUE` per key found,
    /// in argument order; each missing key named on stderr. Returns whether
    /// any was missing.
    fn several(&self, keys: &[std::ffi::OsString], out: &mut impl Write) -> Result<bool, Failure> {
        let mut missing = false;
        let mut line = Vec::new();
        for (n, key) in keys.iter().enumerate() {
            let key = key.as_encoded_bytes();
            let values = self.values(key)?;
            if values.is_empty() {
                missing = true;
                // What was printed so far comes first, as the user ran it.
                out.flush().map_err(Failure::stdout)?;
                not_found(key);
                continue;
            }
            for value in values {
                line.clear();
                if let Err(refused) = self.push_record(key, &value, &mut line) {
                    end_stopped_stream(out);
                    return Err(refused.failure(format!(
                        "key {} (argument {})",
                        ShowKey(key),
                        n + 1
                    )));
                }
                out.write_all(&line).map_err(Failure::stdout)?;
            }
        }
        Ok(missing)
    }

    /// Keys from stdin, one per line: `KEY<TAB>VALUE` per key found; misses
    /// counted on stderr. Returns whether any was missing.
    fn stdin_keys(&self, out: &mut impl Write) -> Result<bool, Failure> {
        let stdin = io::stdin();
        let input = io::BufReader::with_capacity(1 << 16, stdin.lock());
        let mut keys = KeyLines::new(input, "<stdin>", self.form);
        let (mut asked, mut missing) = (0u64, 0u64);
        let mut line = Vec::new();
        while let Some(key) = keys.next_key()? {
            asked += 1;
            let values = self.values(key)?;
            if values.is_empty() {
                missing += 1;
                continue;
            }
            for value in values {
                line.clear();
                if let Err(refused) = self.push_record(key, &value, &mut line) {
                    let shown = ShowKey(key).to_string();
                    end_stopped_stream(out);
                    return Err(refused.failure(format!("{}: key {shown}", keys.position())));
                }
                out.write_all(&line).map_err(Failure::stdout)?;
            }
        }
        if missing > 0 {
            out.flush().map_err(Failure::stdout)?;
            let _ = writeln!(io::stderr(), "zidx: {missing} of {asked} keys not found");
        }
        Ok(missing > 0)
    }
}

impl Ask<'_> {
    /// Appends a record line: `KEY<TAB>VALUE` in the form asked for, or
    /// with `--json` a JSON object; or why the form cannot carry it.
    fn push_record(&self, key: &[u8], value: &[u8], line: &mut Vec<u8>) -> Result<(), Refused> {
        match self.json {
            Some(json) => json.push_record(key, value, line).map_err(Refused::Json),
            None => push_record(self.form, key, value, line).map_err(Refused::Raw),
        }
    }
}

/// Why a record line could not be written.
enum Refused {
    /// Raw TSV cannot carry it.
    Raw(NotRaw),
    /// JSON cannot (a key that is not UTF-8, an illegal value).
    Json(String),
}

impl Refused {
    /// The failure, `what` naming the record.
    fn failure(self, what: String) -> Failure {
        match self {
            Refused::Raw(why) => refused_record(what, why),
            Refused::Json(why) => Failure::error(format!("{what}: {why}")),
        }
    }
}

/// `zidx: key not found: "KEY"` on stderr, the key escaped as in every
/// message ([`ShowKey`]): a key can hold any bytes, ESC sequences included.
fn not_found(key: &[u8]) {
    let _ = writeln!(io::stderr(), "zidx: key not found: {}", ShowKey(key));
}
