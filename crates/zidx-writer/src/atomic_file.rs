//! The default [`Sink`]: a temporary file beside the target, published by
//! an atomic rename. Every file operation passes through one seam
//! (`Faults::check`), which the `test-hooks` feature uses to make the Nth
//! write, read, sync or rename fail.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::WriteError;
use crate::sink::Sink;

/// A kind of file operation, for fault injection.
#[cfg(feature = "test-hooks")]
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
#[cfg(feature = "test-hooks")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The kind of operation to fail, or `None` for any.
    pub op: Option<Op>,
    /// Which one, counting from 1.
    pub nth: u64,
}

#[cfg(not(feature = "test-hooks"))]
#[derive(Debug, Clone, Copy)]
enum Op {
    Create,
    Write,
    Read,
    Sync,
    Rename,
}

/// The fault plan of a build; without the `test-hooks` feature it is empty
/// and every check compiles to nothing.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    #[cfg(feature = "test-hooks")]
    plan: Option<Fault>,
    #[cfg(feature = "test-hooks")]
    seen: u64,
}

impl Faults {
    #[cfg(feature = "test-hooks")]
    pub(crate) fn new(plan: Option<Fault>) -> Faults {
        Faults { plan, seen: 0 }
    }

    #[cfg(feature = "test-hooks")]
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

    #[cfg(not(feature = "test-hooks"))]
    #[inline(always)]
    fn check(&mut self, _op: Op) -> io::Result<()> {
        Ok(())
    }
}

fn parent_dir(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A build's pending file: a temporary file in the target's directory
/// (so the final rename cannot cross filesystems), renamed over the target
/// by [`Sink::publish`] once complete. Dropped unpublished, it is removed.
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    target: PathBuf,
    faults: Faults,
}

impl std::fmt::Debug for AtomicFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicFile")
            .field("temp", &self.temp.path())
            .field("target", &self.target)
            .finish()
    }
}

impl AtomicFile {
    /// Creates the temporary file for a build that will publish to `target`.
    pub fn create(target: &Path) -> Result<AtomicFile, WriteError> {
        AtomicFile::create_with(target, Faults::default())
    }

    pub(crate) fn create_with(target: &Path, mut faults: Faults) -> Result<AtomicFile, WriteError> {
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
        Ok(AtomicFile {
            temp,
            target: target.to_path_buf(),
            faults,
        })
    }

    fn err(&self, op: &'static str, source: io::Error) -> WriteError {
        WriteError::Io {
            op,
            path: self.temp.path().to_path_buf(),
            source,
        }
    }
}

impl Sink for AtomicFile {
    type Published = ();

    fn write_at(&mut self, pos: u64, bytes: &[u8]) -> io::Result<()> {
        self.faults.check(Op::Write)?;
        write_all_at(self.temp.as_file(), pos, bytes)
    }

    fn read_at(&mut self, pos: u64, buf: &mut [u8]) -> io::Result<()> {
        self.faults.check(Op::Read)?;
        read_exact_at(self.temp.as_file(), pos, buf)
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.faults.check(Op::Write)?;
        self.temp.as_file().set_len(len)
    }

    /// Syncs the temporary file, renames it over the target and syncs the
    /// directory. The target changes in one step, from its old contents (or
    /// absence) to the complete new file.
    fn publish(mut self) -> Result<(), WriteError> {
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

    fn name(&self) -> PathBuf {
        self.temp.path().to_path_buf()
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
