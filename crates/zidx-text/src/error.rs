/// Why text input could not be turned into keys and values.
///
/// Every error names the input and the line, and displays as
/// `NAME:LINE: PROBLEM`, the form `zidx build` prints.
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
}

/// A [`TextError::BadInput`].
pub(crate) fn bad(input: &str, line: u64, problem: impl Into<String>) -> TextError {
    TextError::BadInput {
        input: input.to_string(),
        line,
        problem: problem.into(),
    }
}
