/// What to do when the same key is inserted more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// Fail the build, naming both records (the default).
    #[default]
    Error,
    /// Keep the first record with the key; later ones are dropped.
    First,
    /// Keep the last record with the key, at the position of that record.
    Last,
}

impl OnDuplicate {
    /// Every policy, in the order of their names in help texts.
    pub const ALL: [OnDuplicate; 3] = [OnDuplicate::Error, OnDuplicate::First, OnDuplicate::Last];

    /// The policy's name: `error`, `first` or `last` (`zidx build
    /// --on-duplicate`).
    pub const fn name(self) -> &'static str {
        match self {
            OnDuplicate::Error => "error",
            OnDuplicate::First => "first",
            OnDuplicate::Last => "last",
        }
    }
}

/// Prints the policy's [name](OnDuplicate::name).
impl std::fmt::Display for OnDuplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a policy's [name](OnDuplicate::name), exactly (`error`, `first`
/// or `last`).
impl std::str::FromStr for OnDuplicate {
    type Err = ParseOnDuplicateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OnDuplicate::ALL
            .into_iter()
            .find(|d| d.name() == s)
            .ok_or_else(|| ParseOnDuplicateError {
                input: s.to_string(),
            })
    }
}

/// A string that names no [`OnDuplicate`] policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown duplicate-key policy {input:?}: expected error, first or last")]
pub struct ParseOnDuplicateError {
    /// The string given.
    pub input: String,
}

/// What an existing file at the target path may be for a build to replace
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Replace {
    /// Only a zidx index (its first bytes are the zidx magic) that its owner
    /// may write: the target is absent, or a previous build of this index.
    /// Anything else (a text file, an input file, a read-only index) is
    /// refused before the build starts and again before the rename, so a
    /// mistyped `-o` never destroys data. The default.
    #[default]
    IndexOnly,
    /// Any regular file (`zidx build --force`).
    Any,
}

/// Options for [`Writer`](crate::Writer). New options are added with
/// defaults, so build one from [`Options::default`]:
///
/// ```
/// use zidx_writer::{OnDuplicate, Options};
/// let options = Options::default().with_on_duplicate(OnDuplicate::Last);
/// assert_eq!(options.on_duplicate, OnDuplicate::Last);
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Options {
    /// Duplicate-key policy.
    pub on_duplicate: OnDuplicate,
    /// What an existing target may be.
    pub replace: Replace,
}

impl Options {
    /// These options with the duplicate-key policy `policy`.
    pub fn with_on_duplicate(mut self, policy: OnDuplicate) -> Options {
        self.on_duplicate = policy;
        self
    }

    /// These options with the replacement policy `replace`.
    pub fn with_replace(mut self, replace: Replace) -> Options {
        self.replace = replace;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::OnDuplicate;

    #[test]
    fn names_round_trip() {
        for d in OnDuplicate::ALL {
            assert_eq!(d.to_string().parse::<OnDuplicate>(), Ok(d));
        }
        assert_eq!(OnDuplicate::Last.to_string(), "last");
        let e = "Last".parse::<OnDuplicate>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown duplicate-key policy \"Last\": expected error, first or last"
        );
    }
}
