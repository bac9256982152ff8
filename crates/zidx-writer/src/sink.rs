//! Where a build's bytes go.

use std::io;
use std::path::PathBuf;

use crate::error::WriteError;

/// The destination of a build: a file being written, or memory.
///
/// The writer streams the file front to back through [`Sink::write_at`] in
/// large chunks, reads keys back with [`Sink::read_at`] while it lays out the
/// hash table, may shrink the file with [`Sink::truncate`] when it drops
/// duplicate records, and calls [`Sink::publish`] once the file is complete.
/// [`AtomicFile`](crate::AtomicFile) (the default) publishes by an atomic
/// rename; `Vec<u8>` ([`Writer::memory`](crate::Writer::memory)) returns the
/// bytes.
pub trait Sink {
    /// What [`publish`](Sink::publish) hands back.
    type Published;

    /// Writes all of `bytes` at offset `pos`, extending the file as needed.
    fn write_at(&mut self, pos: u64, bytes: &[u8]) -> io::Result<()>;

    /// Reads exactly `buf.len()` bytes at `pos`, which were written before.
    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<()>;

    /// Cuts the file to `len` bytes.
    fn truncate(&mut self, len: u64) -> io::Result<()>;

    /// Makes the complete file available: the build succeeded.
    fn publish(self) -> Result<Self::Published, WriteError>;

    /// Names the destination in error messages.
    fn name(&self) -> PathBuf;

    /// Where the build's sorted runs go when its hash entries outgrow
    /// [`Options::memory`](crate::Options::memory): beside the output, so
    /// that they use the disk the output is going to. `None` (the
    /// default): the system's temporary directory.
    fn spill_dir(&self) -> Option<PathBuf> {
        None
    }
}

/// Builds in memory: [`publish`](Sink::publish) returns the file's bytes.
impl Sink for Vec<u8> {
    type Published = Vec<u8>;

    fn write_at(&mut self, pos: u64, bytes: &[u8]) -> io::Result<()> {
        let start = usize::try_from(pos).map_err(io::Error::other)?;
        let end = start
            .checked_add(bytes.len())
            .ok_or_else(|| io::Error::other("write past the address space"))?;
        if self.len() < end {
            self.resize(end, 0);
        }
        self[start..end].copy_from_slice(bytes);
        Ok(())
    }

    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<()> {
        let src = usize::try_from(pos)
            .ok()
            .and_then(|start| self.get(start..start.checked_add(buf.len())?))
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        Vec::truncate(self, usize::try_from(len).map_err(io::Error::other)?);
        Ok(())
    }

    fn publish(self) -> Result<Vec<u8>, WriteError> {
        Ok(self)
    }

    fn name(&self) -> PathBuf {
        PathBuf::from("<memory>")
    }
}
