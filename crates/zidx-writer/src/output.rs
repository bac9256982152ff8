//! The writer's file operations, in one place: the temporary file, positional
//! reads and writes, syncs and the atomic rename. Every operation passes
//! through [`Faults::check`], the seam tests use to make the Nth write, sync
//! or rename fail.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::WriteError;

/// A kind of file operation, for fault injection.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Creating the temporary file.
    Create,
    /// Any write.
    Write,
    /// Any read-back of the temporary file.
    Read,
    /// An fsync of the file or its directory.
    Sync,
    /// The rename over the target.
    Rename,
}

/// Test hook: fail the `nth` (1-based) operation of kind `op` (or of any kind
/// when `op` is `None`) with an injected I/O error.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The kind of operation to fail, or `None` for any.
    pub op: Option<Op>,
    /// Which one, counting from 1.
    pub nth: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Faults {
    plan: Option<Fault>,
    seen: u64,
}

impl Faults {
    pub(crate) fn new(plan: Option<Fault>) -> Faults {
        Faults { plan, seen: 0 }
    }

    fn check(&mut self, op: Op) -> io::Result<()> {
        let Some(plan) = self.plan else { return Ok(()) };
        if plan.op.is_none_or(|o| o == op) {
            self.seen += 1;
            if self.seen == plan.nth {
                return Err(io::Error::other(format!(
                    "injected fault at {op:?} #{}",
                    plan.nth
                )));
            }
        }
        Ok(())
    }
}

/// The temporary file a build writes, and the path it will be renamed to.
pub(crate) struct Output {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    faults: Faults,
    /// Checksum of the bytes written through [`Write`] since
    /// [`Output::start_checksum`]. Hashing here, behind the write buffer,
    /// hashes megabyte chunks instead of every small record.
    checksum: Option<xxhash_rust::xxh3::Xxh3>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("temp", &self.temp.path())
            .field("target", &self.target)
            .finish()
    }
}

fn parent_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Output {
    /// Creates a temporary file next to `target` (same directory, so the
    /// final rename cannot cross filesystems).
    pub(crate) fn create(target: &Path, fault: Option<Fault>) -> Result<Output, WriteError> {
        let mut faults = Faults::new(fault);
        let dir = parent_dir(target);
        let io_err = |source| WriteError::Io {
            op: "create temporary file in",
            path: dir.clone(),
            source,
        };
        faults.check(Op::Create).map_err(io_err)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".zidx-tmp");
        // Temporary files are created private (0600); the published index
        // should get the permissions of any new file, 0666 less the umask.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let temp = builder.tempfile_in(&dir).map_err(io_err)?;
        Ok(Output {
            temp,
            target: target.to_path_buf(),
            faults,
            checksum: None,
        })
    }

    /// Writes `len` zero bytes at the cursor: room for the header, or
    /// alignment padding.
    pub(crate) fn write_zeros(&mut self, len: usize) -> Result<(), WriteError> {
        let r = self.write_all(&vec![0u8; len]);
        r.map_err(|e| self.err("write", e))
    }

    /// Starts checksumming the bytes written through [`Write`].
    pub(crate) fn start_checksum(&mut self) {
        self.checksum = Some(xxhash_rust::xxh3::Xxh3::new());
    }

    /// The checksum of the bytes written since [`Output::start_checksum`];
    /// stops checksumming.
    pub(crate) fn take_checksum(&mut self) -> u64 {
        self.checksum
            .take()
            .map_or(zidx_format::checksum(b""), |h| h.digest())
    }

    /// Path of the temporary file, for messages.
    pub(crate) fn temp_path(&self) -> PathBuf {
        self.temp.path().to_path_buf()
    }

    fn err(&self, op: &'static str, source: io::Error) -> WriteError {
        WriteError::Io {
            op,
            path: self.temp.path().to_path_buf(),
            source,
        }
    }

    /// Reads exactly `buf.len()` bytes at `pos`.
    pub(crate) fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> Result<(), WriteError> {
        let r = self
            .faults
            .check(Op::Read)
            .and_then(|()| read_exact_at(self.temp.as_file(), pos, buf));
        r.map_err(|e| self.err("read", e))
    }

    /// Writes all of `buf` at `pos`.
    pub(crate) fn write_at(&mut self, pos: u64, buf: &[u8]) -> Result<(), WriteError> {
        let r = self
            .faults
            .check(Op::Write)
            .and_then(|()| write_all_at(self.temp.as_file(), pos, buf));
        r.map_err(|e| self.err("write", e))
    }

    /// Moves the file cursor, where [`Write`] writes, to `pos`.
    pub(crate) fn seek(&mut self, pos: u64) -> Result<(), WriteError> {
        use std::io::Seek;
        let r = self.temp.as_file().seek(io::SeekFrom::Start(pos)).map(drop);
        r.map_err(|e| self.err("seek", e))
    }

    /// Truncates or extends the file to `len` bytes.
    pub(crate) fn set_len(&mut self, len: u64) -> Result<(), WriteError> {
        let r = self
            .faults
            .check(Op::Write)
            .and_then(|()| self.temp.as_file().set_len(len));
        r.map_err(|e| self.err("truncate", e))
    }

    /// Syncs the temporary file, renames it over the target and syncs the
    /// directory. The target changes in one step, from its old contents (or
    /// absence) to the complete new file.
    pub(crate) fn publish(mut self) -> Result<(), WriteError> {
        let r = self
            .faults
            .check(Op::Sync)
            .and_then(|()| self.temp.as_file().sync_all());
        r.map_err(|e| self.err("sync", e))?;
        let target = self.target.clone();
        if let Err(source) = self.faults.check(Op::Rename) {
            return Err(WriteError::Io {
                op: "rename temporary file to",
                path: target,
                source,
            });
        }
        let mut faults = std::mem::take(&mut self.faults);
        self.temp.persist(&target).map_err(|e| WriteError::Io {
            op: "rename temporary file to",
            path: target.clone(),
            source: e.error,
        })?;
        // The rename is in the directory's metadata: without this sync a
        // crash could bring back the old file (or none) after we reported
        // success. An error here is fatal like any fsync error, though the
        // new file is already in place.
        let dir = parent_dir(&target);
        faults
            .check(Op::Sync)
            .and_then(|()| sync_dir(&dir))
            .map_err(|source| WriteError::Io {
                op: "sync directory",
                path: dir,
                source,
            })
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.faults.check(Op::Write)?;
        let n = self.temp.as_file().write(buf)?;
        if let Some(h) = &mut self.checksum {
            h.update(buf.get(..n).unwrap_or_default());
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, pos: u64, buf: &mut [u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, pos)
}

#[cfg(unix)]
fn write_all_at(file: &File, pos: u64, buf: &[u8]) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, pos)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut pos: u64, mut buf: &mut [u8]) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, pos)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                pos += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_all_at(file: &File, mut pos: u64, mut buf: &[u8]) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        let n = file.seek_write(buf, pos)?;
        buf = &buf[n..];
        pos += n as u64;
    }
    Ok(())
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows has no directory fsync; the rename is made durable by NTFS's journal.
    Ok(())
}
