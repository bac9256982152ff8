//! Where `zidx build` puts records: one index, an index set (`--shards N`),
//! or one shard of a set built elsewhere (`--shard I/N`). Each keeps the
//! record numbering of the writer that takes the record, so that a
//! duplicate-key error can name both input lines.

use std::path::Path;

use zidx_format::manifest::route;
use zidx_writer::{Options, SetWriter, WriteError, Writer};

use crate::line_map::LineMap;

/// The build's writer(s).
pub enum BuildOutput {
    /// One index.
    One(Writer),
    /// A set: records go to the shard their key routes to.
    Set {
        /// The set's writer.
        writer: SetWriter,
        /// The routing, to map a shard's record numbers back to lines.
        seed: u64,
        /// N.
        shards: u32,
    },
    /// Shard `shard` of `shards`: only the records routed to it.
    Shard {
        /// The shard's writer.
        writer: Writer,
        /// I.
        shard: u32,
        /// N.
        shards: u32,
        /// The routing seed.
        seed: u64,
    },
}

/// What was written.
pub struct Built {
    /// Records in the output (all shards).
    pub records: u64,
    /// Bytes of the output (all shards).
    pub bytes: u64,
}

/// Input lines per writer: one map per shard of a set, else one.
pub struct Lines {
    maps: Vec<LineMap>,
    next: Vec<u64>,
}

impl Lines {
    fn new(maps: usize) -> Lines {
        Lines {
            maps: (0..maps).map(|_| LineMap::default()).collect(),
            next: vec![0; maps],
        }
    }

    fn note(&mut self, map: usize, line: u64) {
        if let (Some(m), Some(n)) = (self.maps.get_mut(map), self.next.get_mut(map)) {
            m.record(*n, line);
            *n += 1;
        }
    }

    /// The line of record `record` of writer `map`.
    pub fn line(&self, map: usize, record: u64) -> u64 {
        self.maps.get(map).map_or(0, |m| m.line(record))
    }
}

impl BuildOutput {
    /// Opens the output: `shards` is `--shards`, `shard` `--shard I/N`.
    pub fn create(
        path: &Path,
        options: Options,
        shards: Option<u32>,
        shard: Option<(u32, u32)>,
        seed: u64,
    ) -> Result<(BuildOutput, Lines), WriteError> {
        Ok(match (shards, shard) {
            (Some(n), _) => (
                BuildOutput::Set {
                    writer: SetWriter::create_with_seed(path, n, seed, options)?,
                    seed,
                    shards: n,
                },
                Lines::new(n as usize),
            ),
            (None, Some((i, n))) => (
                BuildOutput::Shard {
                    writer: Writer::create(path, options)?,
                    shard: i,
                    shards: n,
                    seed,
                },
                Lines::new(1),
            ),
            (None, None) => (
                BuildOutput::One(Writer::create(path, options)?),
                Lines::new(1),
            ),
        })
    }

    /// The temporary file to remove on a signal (single-file outputs).
    pub fn temp_path(&self) -> Option<&Path> {
        match self {
            BuildOutput::One(w) | BuildOutput::Shard { writer: w, .. } => {
                Some(w.sink().temp_path())
            }
            BuildOutput::Set { .. } => None,
        }
    }

    /// Takes a record from input line `line`.
    pub fn insert(
        &mut self,
        key: &[u8],
        value: &[u8],
        line: u64,
        lines: &mut Lines,
    ) -> Result<(), WriteError> {
        match self {
            BuildOutput::One(w) => {
                lines.note(0, line);
                w.insert(key, value)
            }
            BuildOutput::Set {
                writer,
                seed,
                shards,
            } => {
                lines.note(route(key, *seed, *shards) as usize, line);
                writer.insert(key, value)
            }
            BuildOutput::Shard {
                writer,
                shard,
                shards,
                seed,
            } => {
                if route(key, *seed, *shards) == *shard {
                    lines.note(0, line);
                    writer.insert(key, value)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Shows each phase of `finish` on `bar`: its name (and shard), how
    /// far it is, and an estimate of the time left.
    pub fn on_progress(&mut self, bar: indicatif::ProgressBar) {
        match self {
            BuildOutput::One(w) | BuildOutput::Shard { writer: w, .. } => {
                let mut phase = PhaseBar::new(bar, None);
                w.on_progress(move |p| phase.show(p));
            }
            BuildOutput::Set { writer, .. } => {
                let mut phase = PhaseBar::new(bar, Some(writer.shard_count()));
                writer.on_progress(move |shard, p| {
                    phase.shard = shard;
                    phase.show(p);
                });
            }
        }
    }

    /// For a set: the routing (seed, N) that picks the line map of a key.
    pub fn router(&self) -> Option<(u64, u32)> {
        match self {
            BuildOutput::Set { seed, shards, .. } => Some((*seed, *shards)),
            _ => None,
        }
    }

    /// Finishes and publishes.
    pub fn finish(self) -> Result<Built, WriteError> {
        match self {
            BuildOutput::One(w) => {
                let s = w.finish()?;
                Ok(Built {
                    records: s.records,
                    bytes: s.file_len,
                })
            }
            BuildOutput::Shard { writer, .. } => {
                let s = writer.finish()?;
                Ok(Built {
                    records: s.records,
                    bytes: s.file_len,
                })
            }
            BuildOutput::Set { writer, .. } => {
                let s = writer.finish()?;
                let m = &s.manifest;
                Ok(Built {
                    records: m.record_count(),
                    bytes: m.shards().iter().map(|s| s.file_len).sum(),
                })
            }
        }
    }
}

/// A progress bar that restarts at each phase of a build's `finish`.
struct PhaseBar {
    bar: indicatif::ProgressBar,
    /// Shards of a set being built, and the one finishing.
    shards: Option<usize>,
    shard: usize,
    current: Option<(usize, zidx_writer::Phase)>,
}

impl PhaseBar {
    fn new(bar: indicatif::ProgressBar, shards: Option<usize>) -> PhaseBar {
        PhaseBar {
            bar,
            shards,
            shard: 0,
            current: None,
        }
    }

    fn show(&mut self, p: zidx_writer::Progress) {
        if self.current != Some((self.shard, p.phase)) {
            self.current = Some((self.shard, p.phase));
            // A new phase: its own length, and an estimate from its own rate.
            self.bar.reset();
            self.bar.set_length(p.total.max(1));
            self.bar.set_message(match self.shards {
                Some(n) => format!("shard {}/{n}: {}", self.shard + 1, p.phase.name()),
                None => p.phase.name().to_string(),
            });
        }
        self.bar.set_position(p.done);
    }
}
