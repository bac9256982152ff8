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

/// Options for [`Writer`](crate::Writer).
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Duplicate-key policy.
    pub on_duplicate: OnDuplicate,
    /// Test hook: replaces XXH3 as the writer's hash function. Files built
    /// with it are not readable unless the hook falls back to
    /// [`zidx_format::key_hash`] for the seed finally chosen; it exists to
    /// test the hash-flooding defence. Not part of the stable API.
    #[doc(hidden)]
    pub hash_override: Option<fn(&[u8], u64) -> u64>,
}
