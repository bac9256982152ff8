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
    /// Keep every record, in insertion order: the key gets several values
    /// (`Index::get_all`; `get` returns the first). Makes the build ordered
    /// and the file format 1.2 with incompatible bit `MULTI_VALUE`
    /// (SPEC.md §12.3), which older readers refuse.
    Keep,
}

impl OnDuplicate {
    /// Every policy, in the order of their names in help texts.
    pub const ALL: [OnDuplicate; 4] = [
        OnDuplicate::Error,
        OnDuplicate::First,
        OnDuplicate::Last,
        OnDuplicate::Keep,
    ];

    /// The policy's name: `error`, `first`, `last` or `keep` (`zidx build
    /// --on-duplicate`).
    pub const fn name(self) -> &'static str {
        match self {
            OnDuplicate::Error => "error",
            OnDuplicate::First => "first",
            OnDuplicate::Last => "last",
            OnDuplicate::Keep => "keep",
        }
    }
}

/// Prints the policy's [name](OnDuplicate::name).
impl std::fmt::Display for OnDuplicate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a policy's [name](OnDuplicate::name), exactly (`error`, `first`,
/// `last` or `keep`).
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
#[error("unknown duplicate-key policy {input:?}: expected error, first, last or keep")]
pub struct ParseOnDuplicateError {
    /// The string given.
    pub input: String,
}

/// Which format version's features a build may use. Versions compare in
/// release order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
#[non_exhaustive]
pub enum FormatVersion {
    /// Format 1.0: XXH3-64 with seeds 0 to 7. Readers of every 1.x version
    /// read it, but keys chosen for those known seeds can make a build fail
    /// or lookups long (SPEC.md §6.3). For servers that still run a 1.0
    /// reader.
    V1_0,
    /// Format 1.1: SipHash-1-3 keyed by a seed derived from the records, so
    /// no set of keys chosen before the build can make it fail or make
    /// probes long. 1.0 readers refuse these files with their "unknown
    /// incompatible features" error.
    V1_1,
    /// Format 1.2: 1.1, plus the features of SPEC.md §12 when they are
    /// asked for. A build that asks for none writes a 1.1 file, byte for
    /// byte.
    V1_2,
    /// Format 1.3 (the default): 1.2, plus typed values (SPEC.md §13) when
    /// a schema is given. A build that asks for no newer feature writes a
    /// 1.2, 1.1 file, byte for byte.
    #[default]
    V1_3,
}

impl FormatVersion {
    /// `"1.0"`, `"1.1"`, `"1.2"` or `"1.3"`.
    pub const fn name(self) -> &'static str {
        match self {
            FormatVersion::V1_0 => "1.0",
            FormatVersion::V1_1 => "1.1",
            FormatVersion::V1_2 => "1.2",
            FormatVersion::V1_3 => "1.3",
        }
    }
}

impl std::str::FromStr for FormatVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "1.0" => Ok(FormatVersion::V1_0),
            "1.1" => Ok(FormatVersion::V1_1),
            "1.2" => Ok(FormatVersion::V1_2),
            "1.3" => Ok(FormatVersion::V1_3),
            other => Err(format!(
                "unknown format version {other:?}: expected 1.0, 1.1, 1.2 or 1.3"
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
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Options {
    /// Duplicate-key policy.
    pub on_duplicate: OnDuplicate,
    /// What an existing target may be.
    pub replace: Replace,
    /// The oldest format version whose readers must read the file: a
    /// feature that needs a newer one is refused when the build starts.
    pub format_version: FormatVersion,
    /// Store the records in key order, with the `key_fences` index, so the
    /// file answers range, prefix and rank queries (SPEC.md §12.1). A
    /// compatible feature: readers of every 1.x version still read the
    /// file. [`OnDuplicate::Keep`] implies it.
    pub ordered: bool,
    /// Follow every record with a 4-byte check that every read verifies
    /// (SPEC.md §12.4): a damaged record is an error, never a value. Format
    /// 1.2 only.
    pub record_checksums: bool,
    /// At most this many bytes of [`memory`](Options::memory) hold an
    /// ordered build's records while they are sorted; records beyond it
    /// are sorted in runs in temporary files beside the output and merged.
    pub sort_buffer: usize,
    /// The writer's memory budget in bytes, whatever the input's size:
    /// the hash entries (16 bytes a record) and an ordered build's records
    /// beyond it are sorted in runs in temporary files beside the output
    /// and merged. The default is [`default_memory`]: a quarter of the
    /// machine's RAM, at most 1 GiB. The writer's peak memory is this
    /// budget plus about [`MEMORY_RESERVE`] of buffers (`zidx build
    /// --memory`).
    pub memory: usize,
    /// Every value has this fixed layout (SPEC.md §13): values must be
    /// exactly its size, and each is stored at a multiple of its
    /// alignment, so readers can take `&T` in place. Format 1.3.
    pub value_schema: Option<zidx_format::ValueSchema>,
}

/// [`Options::sort_buffer`] unless set: 256 MiB.
pub const DEFAULT_SORT_BUFFER: usize = 256 << 20;

/// The most [`default_memory`] picks: 1 GiB.
pub const MAX_DEFAULT_MEMORY: usize = 1 << 30;

/// Memory the writer uses beside its budget: the output's write buffer,
/// the read buffers of merges and of the passes over the records, and the
/// keys compared when hashes collide.
pub const MEMORY_RESERVE: usize = 32 << 20;

/// [`Options::memory`] unless set: a quarter of the machine's physical
/// memory (from `/proc/meminfo`), at most 1 GiB; 1 GiB where the memory
/// cannot be read.
pub fn default_memory() -> usize {
    physical_memory().map_or(MAX_DEFAULT_MEMORY, |ram| {
        usize::try_from(ram / 4).map_or(MAX_DEFAULT_MEMORY, |q| q.min(MAX_DEFAULT_MEMORY))
    })
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
fn physical_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line
        .trim_start_matches("MemTotal:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

impl Default for Options {
    fn default() -> Options {
        Options {
            on_duplicate: OnDuplicate::default(),
            replace: Replace::default(),
            format_version: FormatVersion::default(),
            ordered: false,
            record_checksums: false,
            sort_buffer: DEFAULT_SORT_BUFFER,
            memory: default_memory(),
            value_schema: None,
        }
    }
}

impl Options {
    /// These options with records stored in key order (`zidx build
    /// --ordered`).
    pub fn with_ordered(mut self, ordered: bool) -> Options {
        self.ordered = ordered;
        self
    }

    /// These options with a check after every record (`zidx build
    /// --checked`).
    pub fn with_record_checksums(mut self, checked: bool) -> Options {
        self.record_checksums = checked;
        self
    }

    /// These options with typed values of `schema` (`zidx build
    /// --schema`); see [`Writer::insert_typed`](crate::Writer::insert_typed).
    pub fn with_value_schema(mut self, schema: zidx_format::ValueSchema) -> Options {
        self.value_schema = Some(schema);
        self
    }

    /// These options with `bytes` of memory for sorting.
    pub fn with_sort_buffer(mut self, bytes: usize) -> Options {
        self.sort_buffer = bytes;
        self
    }

    /// These options with a memory budget of `bytes` (`zidx build
    /// --memory`); see [`Options::memory`].
    ///
    /// ```
    /// let options = zidx_writer::Options::default().with_memory(256 << 20);
    /// assert_eq!(options.memory, 256 << 20);
    /// ```
    pub fn with_memory(mut self, bytes: usize) -> Options {
        self.memory = bytes;
        self
    }

    /// Whether the records are stored in key order: asked for, or implied
    /// by [`OnDuplicate::Keep`].
    pub fn is_ordered(&self) -> bool {
        self.ordered || self.on_duplicate == OnDuplicate::Keep
    }

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
            "unknown duplicate-key policy \"Last\": expected error, first, last or keep"
        );
    }
}
