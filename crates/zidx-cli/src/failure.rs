//! A failed command: its message and exit code.

use std::borrow::Cow;
use std::fmt::Display;
use std::io;

use zidx_text::TextError;

/// Exit code when a key is not found.
pub const EXIT_NOT_FOUND: u8 = 1;
/// Exit code for errors: usage errors, bad input, corrupt indexes, failed
/// I/O.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// An error: `zidx: error: MESSAGE` on stderr, exit code 2.
    pub fn error(message: impl Display) -> Failure {
        Failure {
            code: EXIT_ERROR,
            message: message.to_string(),
        }
    }

    /// A failed write to stdout. A closed pipe (`zidx dump | head`) is not
    /// worth a message but still stops the command, with exit code 0.
    pub fn stdout(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure {
                code: 0,
                message: String::new(),
            }
        } else {
            Failure::error(format!("writing to standard output: {e}"))
        }
    }
}

/// Bad input: `NAME:LINE: PROBLEM`, exit code 2.
impl From<TextError> for Failure {
    fn from(e: TextError) -> Failure {
        Failure::error(e)
    }
}

pub type Outcome = Result<std::process::ExitCode, Failure>;

/// `text` with every control character but LF escaped: C0 controls, DEL and
/// C1 controls (U+0080 to U+009F, which some terminals obey like their
/// ESC-sequence forms) as the `\xHH` escapes of their UTF-8 bytes.
///
/// Messages name files and echo keys, header names and arguments that come
/// from anyone who can name a file or write an input; printed raw, an ESC
/// sequence in one would recolour, retitle or rewrite the user's terminal.
/// Keys are already shown escaped ([`zidx_text::escape::ShowKey`]); this is
/// the last line of defence for everything else, applied to every message
/// `zidx` prints on stderr.
///
/// A line feed stays a line break, but the next line is indented, so that
/// no text a message repeats (a file name with a newline in it) can start a
/// line that looks like another `zidx:` message.
pub fn printable(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n';
    if !text.chars().any(|c| c == '\n' || unsafe_char(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if c == '\n' {
            out.push_str("\n  ");
        } else if unsafe_char(c) {
            let mut utf8 = [0u8; 4];
            for b in c.encode_utf8(&mut utf8).bytes() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(
            printable("plain: caf\u{e9} \u{1f600}"),
            "plain: caf\u{e9} \u{1f600}"
        );
        // A newline cannot start a line that looks like another message.
        assert_eq!(
            printable("x.tsv\nzidx: error: fake"),
            "x.tsv\n  zidx: error: fake"
        );
        assert_eq!(printable("\u{1b}[31mred\u{7}"), "\\x1b[31mred\\x07");
        assert_eq!(printable("tab\there\r"), "tab\\x09here\\x0d");
        assert_eq!(printable("c1 \u{9b}2J"), "c1 \\xc2\\x9b2J");
        assert_eq!(printable("\u{7f}"), "\\x7f");
    }
}
