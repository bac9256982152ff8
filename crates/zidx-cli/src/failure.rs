//! A failed command: its message and exit code.

use std::fmt::Display;
use std::io;

/// Exit code when a key is not found.
pub const EXIT_NOT_FOUND: u8 = 1;
/// Exit code for usage errors, bad input and corrupt indexes.
pub const EXIT_BAD: u8 = 2;

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Exit 2 with `message`.
    pub fn bad(message: impl Display) -> Failure {
        Failure {
            code: EXIT_BAD,
            message: message.to_string(),
        }
    }

    /// A failed write to stdout. A closed pipe (`zidx dump | head`) is not
    /// worth a message but still stops the command.
    pub fn stdout(e: io::Error) -> Failure {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure {
                code: 0,
                message: String::new(),
            }
        } else {
            Failure::bad(format!("writing to standard output: {e}"))
        }
    }
}

pub type Outcome = Result<std::process::ExitCode, Failure>;
