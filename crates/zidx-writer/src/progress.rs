//! What a build reports while [`Writer::finish`](crate::Writer::finish)
//! works, for progress bars.

/// A step of [`Writer::finish`](crate::Writer::finish), in the order they
/// run. Not every build runs every step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Ordered builds: writing the records in key order, merging sorted
    /// runs. Counts records.
    WritingRecords,
    /// Sorting the hash entries (the last run, and merging the runs
    /// that spilled). Counts entries.
    Sorting,
    /// Finding records with equal keys. Counts entries.
    Duplicates,
    /// Removing dropped duplicate records. Counts bytes of records.
    Compacting,
    /// Hashing every key with the table's seed. Counts bytes of records.
    Hashing,
    /// Placing the entries in the table. Counts entries.
    Placing,
    /// Writing the hash slots. Counts slots.
    WritingSlots,
    /// Syncing the file to disk and publishing it. Counts 0, then 1.
    Syncing,
}

impl Phase {
    /// A short lower-case name: "sorting", "writing slots".
    pub const fn name(self) -> &'static str {
        match self {
            Phase::WritingRecords => "writing records in key order",
            Phase::Sorting => "sorting",
            Phase::Duplicates => "finding duplicates",
            Phase::Compacting => "removing duplicates",
            Phase::Hashing => "hashing",
            Phase::Placing => "placing",
            Phase::WritingSlots => "writing slots",
            Phase::Syncing => "syncing",
        }
    }
}

/// How far a [`Phase`] is: `done` of `total` units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The step.
    pub phase: Phase,
    /// Units done.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

/// A progress callback, and how often to call it.
pub(crate) struct Reporter {
    callback: Option<Box<dyn FnMut(Progress) + Send>>,
}

/// Units between two reports of a phase counted in items.
pub(crate) const REPORT_EVERY: u64 = 1 << 20;

impl Reporter {
    pub(crate) fn none() -> Reporter {
        Reporter { callback: None }
    }

    pub(crate) fn new(callback: Box<dyn FnMut(Progress) + Send>) -> Reporter {
        Reporter {
            callback: Some(callback),
        }
    }

    /// Reports `done` of `total` in `phase`.
    #[inline]
    pub(crate) fn report(&mut self, phase: Phase, done: u64, total: u64) {
        if let Some(f) = &mut self.callback {
            f(Progress { phase, done, total });
        }
    }

    /// Reports every [`REPORT_EVERY`] units, and the last.
    #[inline]
    pub(crate) fn tick(&mut self, phase: Phase, done: u64, total: u64) {
        if done.is_multiple_of(REPORT_EVERY) || done == total {
            self.report(phase, done, total);
        }
    }
}
