/// Why text input could not be turned into keys and values.
///
/// Every error about the input's bytes names the input and the line, and
/// displays as `NAME:LINE: PROBLEM`, the form `zidx build` prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// An input line or record could not be turned into a key and a value:
    /// bad syntax, a bad escape, a line over the length limit, or a read
    /// error.
    #[error("{input}:{line}: {problem}")]
    BadInput {
        /// The input's name, as given to the parser (`<stdin>` for
        /// standard input, by `zidx build`'s convention).
        input: String,
        /// 1-based line number where the record starts.
        line: u64,
        /// What is wrong.
        problem: String,
    },
    /// The input as a whole is not text of any format: a zidx index, or a
    /// compressed stream this build cannot decode. Displays as
    /// `NAME: PROBLEM`.
    #[error("{input}: {problem}")]
    NotText {
        /// The input's name.
        input: String,
        /// What it is, and what to do instead.
        problem: String,
    },
    /// The options cannot apply to any input (a CSV delimiter that is a
    /// quote, a key column numbered 0, ...).
    #[error("{problem}")]
    BadOption {
        /// What is wrong.
        problem: String,
    },
}

/// A [`TextError::BadInput`].
pub(crate) fn bad(input: &str, line: u64, problem: impl Into<String>) -> TextError {
    TextError::BadInput {
        input: input.to_string(),
        line,
        problem: problem.into(),
    }
}

/// A [`TextError::BadOption`].
#[cfg(feature = "csv")]
pub(crate) fn bad_option(problem: impl Into<String>) -> TextError {
    TextError::BadOption {
        problem: problem.into(),
    }
}
