//! A failed command: its message and exit code.

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
