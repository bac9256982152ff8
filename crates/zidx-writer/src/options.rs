/// What to do when the same key is inserted more than once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
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

/// Which format version's features a build may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum FormatVersion {
    /// Format 1.0: XXH3-64 with seeds 0 to 7. Readers of every 1.x version
    /// read it, but keys chosen for those known seeds can make a build fail
    /// or lookups long (SPEC.md §6.3). For servers that still run a 1.0
    /// reader.
    V1_0,
    /// Format 1.1 (the default): SipHash-1-3 keyed by a seed derived from
    /// the records, so no set of keys chosen before the build can make it
    /// fail or make probes long. 1.0 readers refuse these files with their
    /// "unknown incompatible features" error.
    #[default]
    V1_1,
}

impl FormatVersion {
    /// `"1.0"` or `"1.1"`.
    pub const fn name(self) -> &'static str {
        match self {
            FormatVersion::V1_0 => "1.0",
            FormatVersion::V1_1 => "1.1",
        }
    }
}

impl std::str::FromStr for FormatVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "1.0" => Ok(FormatVersion::V1_0),
            "1.1" => Ok(FormatVersion::V1_1),
            other => Err(format!(
                "unknown format version {other:?}: expected 1.0 or 1.1"
            )),
        }
    }
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
    /// The format version to write.
    pub format_version: FormatVersion,
}

impl Options {
    /// These options with the duplicate-key policy `policy`.
    pub fn with_on_duplicate(mut self, policy: OnDuplicate) -> Options {
        self.on_duplicate = policy;
        self
    }

    /// These options with the format version `version`.
    pub fn with_format_version(mut self, version: FormatVersion) -> Options {
        self.format_version = version;
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
