//! The writer's output buffer: appends go to memory, then to the sink in
//! large positional writes, checksummed on the way.

use std::io;

use zidx_format::Checksum;

use crate::error::WriteError;
use crate::sink::Sink;

/// Size of the buffer for streaming writes and read-back.
pub(crate) const BUFFER: usize = 1 << 20;

/// A [`Sink`] behind a write buffer and a running [`Checksum`].
#[derive(Debug)]
pub(crate) struct Buffered<S> {
    sink: S,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    pos: u64,
    /// Checksum of the bytes flushed since [`Buffered::start_checksum`].
    /// Hashing here, behind the buffer, hashes megabyte chunks instead of
    /// every small record.
    checksum: Option<Checksum>,
    /// Set when a write failed: the file no longer matches what the writer
    /// believes it holds, so the build cannot go on.
    failed: bool,
}

impl<S: Sink> Buffered<S> {
    pub(crate) fn new(sink: S) -> Buffered<S> {
        Buffered {
            sink,
            buf: Vec::with_capacity(BUFFER),
            pos: 0,
            checksum: None,
            failed: false,
        }
    }

    /// The sink.
    pub(crate) fn sink(&self) -> &S {
        &self.sink
    }

    /// The sink's name, for messages.
    pub(crate) fn name(&self) -> std::path::PathBuf {
        self.sink.name()
    }

    pub(crate) fn io_error(&self, op: &'static str, source: io::Error) -> WriteError {
        WriteError::Io {
            op,
            path: self.sink.name(),
            source,
        }
    }

    /// An error if an earlier write failed.
    pub(crate) fn check_not_failed(&self) -> Result<(), WriteError> {
        if self.failed {
            let source =
                io::Error::other("an earlier write to this file failed; start the build again");
            return Err(self.io_error("write", source));
        }
        Ok(())
    }

    /// Appends `parts` at the cursor, in order.
    pub(crate) fn append(&mut self, parts: &[&[u8]]) -> Result<(), WriteError> {
        self.check_not_failed()?;
        for part in parts {
            if self.buf.len() + part.len() > BUFFER {
                self.flush()?;
            }
            if part.len() >= BUFFER {
                // Too big to buffer: straight through.
                self.write_through(part)?;
            } else {
                self.buf.extend_from_slice(part);
            }
        }
        Ok(())
    }

    /// Appends `len` zero bytes: room for the header, or padding.
    pub(crate) fn append_zeros(&mut self, len: usize) -> Result<(), WriteError> {
        self.append(&[&vec![0u8; len]])
    }

    fn write_through(&mut self, bytes: &[u8]) -> Result<(), WriteError> {
        if let Err(e) = self.sink.write_at(self.pos, bytes) {
            self.failed = true;
            return Err(self.io_error("write", e));
        }
        if let Some(sum) = &mut self.checksum {
            sum.update(bytes);
        }
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Writes the buffer to the sink.
    pub(crate) fn flush(&mut self) -> Result<(), WriteError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let buf = std::mem::take(&mut self.buf);
        let r = self.write_through(&buf);
        self.buf = buf;
        self.buf.clear();
        r
    }

    /// Flushes, then moves the cursor to `pos`.
    pub(crate) fn seek(&mut self, pos: u64) -> Result<(), WriteError> {
        self.flush()?;
        self.pos = pos;
        Ok(())
    }

    /// Starts checksumming appended bytes (flushes first).
    pub(crate) fn start_checksum(&mut self) -> Result<(), WriteError> {
        self.flush()?;
        self.checksum = Some(Checksum::new());
        Ok(())
    }

    /// The checksum of the bytes appended since [`Buffered::start_checksum`];
    /// stops checksumming.
    pub(crate) fn take_checksum(&mut self) -> Result<u64, WriteError> {
        self.flush()?;
        Ok(self.checksum.take().unwrap_or_default().finish())
    }

    /// Reads exactly `buf.len()` bytes at `pos` (flushed bytes only: call
    /// [`Buffered::flush`] first).
    pub(crate) fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<(), WriteError> {
        self.sink
            .read_at(pos, buf)
            .map_err(|e| self.io_error("read", e))
    }

    /// Writes `bytes` at `pos`, outside the buffer and the checksum.
    pub(crate) fn write_at(&mut self, pos: u64, bytes: &[u8]) -> Result<(), WriteError> {
        self.check_not_failed()?;
        if let Err(e) = self.sink.write_at(pos, bytes) {
            self.failed = true;
            return Err(self.io_error("write", e));
        }
        Ok(())
    }

    /// Cuts the file to `len` bytes.
    pub(crate) fn truncate(&mut self, len: u64) -> Result<(), WriteError> {
        self.flush()?;
        self.sink
            .truncate(len)
            .map_err(|e| self.io_error("truncate", e))
    }

    /// Flushes and hands back the sink.
    pub(crate) fn into_sink(mut self) -> Result<S, WriteError> {
        self.check_not_failed()?;
        self.flush()?;
        Ok(self.sink)
    }
}
