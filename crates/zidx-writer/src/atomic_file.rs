//! The default [`Sink`]: a temporary file beside the target, published by
//! an atomic rename. Every file operation passes through one seam
//! (`Faults::check`), which the `test-hooks` feature uses to make the Nth
//! write, read, sync or rename fail.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::WriteError;
use crate::options::Replace;
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
    replace: Replace,
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
    /// Creates the temporary file for a build that will publish to `target`,
    /// after checking that `replace` allows replacing what is there.
    ///
    /// A symbolic link at `target` is followed: the index is published at the
    /// path it points to, and the link stays. The temporary file is private
    /// to its owner (mode 0600) until it is published; it is named
    /// `.NAME.PID.RANDOM.zidx-tmp` beside the target, and temporary files of
    /// builds of the same target whose process no longer exists and that
    /// are over an hour old (left by a killed build) are removed.
    pub fn create(target: &Path, replace: Replace) -> Result<AtomicFile, WriteError> {
        AtomicFile::create_with(target, replace, Faults::default())
    }

    pub(crate) fn create_with(
        target: &Path,
        replace: Replace,
        mut faults: Faults,
    ) -> Result<AtomicFile, WriteError> {
        let target = follow_links(target)?;
        check_target(&target, replace)?;
        let dir = parent_dir(&target);
        let io_err = |source| WriteError::Io {
            op: "create temporary file in",
            path: dir.clone(),
            source,
        };
        faults.check(Op::Create).map_err(io_err)?;
        let stem = temp_stem(&target);
        remove_stale_temps(&dir, &stem);
        let prefix = format!(".{stem}.{}.", std::process::id());
        // tempfile creates the file with mode 0600: a build's data stays
        // private until publish() gives it its final mode.
        let temp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(TEMP_SUFFIX)
            .tempfile_in(&dir)
            .map_err(io_err)?;
        Ok(AtomicFile {
            temp,
            target,
            replace,
            faults,
        })
    }

    /// Path of the temporary file, for cleanup on a signal.
    pub fn temp_path(&self) -> &Path {
        self.temp.path()
    }

    /// The path the index is published at (symbolic links followed).
    pub fn target(&self) -> &Path {
        &self.target
    }

    fn err(&self, op: &'static str, source: io::Error) -> WriteError {
        WriteError::Io {
            op,
            path: self.temp.path().to_path_buf(),
            source,
        }
    }
}

/// Suffix of every temporary file.
const TEMP_SUFFIX: &str = ".zidx-tmp";
/// Longest target name used as is in a temporary file's name; a longer one
/// is cut and completed with a hash, so that the temporary name stays under
/// the 255-byte limit of most filesystems.
const TEMP_STEM_MAX: usize = 128;
/// Age after which a temporary file of a dead process is removed.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);
/// Symbolic links followed at most, as the kernel's ELOOP limit.
const MAX_LINKS: usize = 40;

/// The part of a temporary file's name that names its target.
fn temp_stem(target: &Path) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.len() <= TEMP_STEM_MAX {
        return name;
    }
    let mut cut = 64;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{}~{:016x}",
        &name[..cut],
        zidx_format::checksum(name.as_bytes())
    )
}

/// `target` with symbolic links followed, up to [`MAX_LINKS`].
fn follow_links(target: &Path) -> Result<PathBuf, WriteError> {
    let mut path = target.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&path).map_err(|source| WriteError::Io {
                    op: "read symbolic link",
                    path: path.clone(),
                    source,
                })?;
                path = parent_dir(&path).join(link);
            }
            _ => return Ok(path),
        }
    }
    Err(WriteError::TargetInUse {
        path: target.to_path_buf(),
        problem: format!("more than {MAX_LINKS} symbolic links to follow"),
    })
}

/// Checks what is at `target` against `replace`; returns its metadata when
/// it is a file that will be replaced.
fn check_target(target: &Path, replace: Replace) -> Result<Option<std::fs::Metadata>, WriteError> {
    let refuse = |problem: String| WriteError::TargetInUse {
        path: target.to_path_buf(),
        problem,
    };
    let meta = match std::fs::metadata(target) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(WriteError::Io {
                op: "look at",
                path: target.to_path_buf(),
                source,
            })
        }
    };
    if !meta.is_file() {
        return Err(refuse("not a regular file".into()));
    }
    if replace == Replace::IndexOnly {
        let mut magic = [0u8; 8];
        let is_index = File::open(target)
            .and_then(|mut f| io::Read::read_exact(&mut f, &mut magic))
            .is_ok()
            && magic == zidx_format::MAGIC;
        if !is_index {
            return Err(refuse(
                "exists and is not a zidx index (use --force to replace it)".into(),
            ));
        }
        if meta.permissions().readonly() || !may_write(target) {
            return Err(refuse(
                "is read-only, or not this user's to write (use --force to replace it anyway)"
                    .into(),
            ));
        }
    }
    Ok(Some(meta))
}

/// Removes temporary files of builds of the same target left by processes
/// that no longer exist (a build killed with SIGKILL, a crash, a power
/// loss). Best effort: errors are ignored, and only files older than
/// [`STALE_AFTER`] and owned by this user are touched.
fn remove_stale_temps(dir: &Path, stem: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{stem}.");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(middle) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let Some(pid) = middle.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || process_exists(pid) {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if old && meta.is_file() && owned_by_me(&meta) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether this process may write `path` (access(2), W_OK): an index owned
/// by someone else is not this user's to replace, even in a directory this
/// user may write.
#[cfg(unix)]
fn may_write(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::WRITE_OK).is_ok()
}

#[cfg(not(unix))]
fn may_write(_path: &Path) -> bool {
    true
}

#[cfg(target_os = "linux")]
fn process_exists(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_exists(_pid: u32) -> bool {
    // Without /proc, assume it lives: never remove another build's file.
    true
}

#[cfg(unix)]
fn owned_by_me(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|me| me.uid() == meta.uid())
}

#[cfg(not(unix))]
fn owned_by_me(_meta: &std::fs::Metadata) -> bool {
    true
}

/// The mode a new file gets: 0666 less the process's umask (Linux reports
/// it in /proc/self/status; elsewhere the usual 022 is assumed).
#[cfg(unix)]
fn new_file_mode() -> u32 {
    let umask = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Umask:"))
                .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
        })
        .unwrap_or(0o022);
    0o666 & !umask
}

/// Gives the temporary file the mode (and, where permitted, the owner) of
/// the file it replaces, or a new file's mode: rebuilding a 0600 index keeps
/// it private.
#[cfg(unix)]
fn set_final_mode(file: &File, replaced: Option<&std::fs::Metadata>) -> io::Result<()> {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    let mode = match replaced {
        Some(meta) => {
            // Owner and group where this process may set them (root may;
            // others keep their own); the mode in any case.
            let _ = fchown(file, Some(meta.uid()), Some(meta.gid()));
            let _ = fchown(file, None, Some(meta.gid()));
            meta.mode() & 0o7777
        }
        None => new_file_mode(),
    };
    file.set_permissions(std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_final_mode(file: &File, replaced: Option<&std::fs::Metadata>) -> io::Result<()> {
    match replaced {
        Some(meta) => file.set_permissions(meta.permissions()),
        None => Ok(()),
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
    fn spill_dir(&self) -> Option<PathBuf> {
        Some(parent_dir(&self.target))
    }

    fn publish(mut self) -> Result<(), WriteError> {
        // Checked again: the target may have changed during the build.
        let replaced = check_target(&self.target, self.replace)?;
        set_final_mode(self.temp.as_file(), replaced.as_ref())
            .map_err(|e| self.err("set the mode of", e))?;
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
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Windows has no directory fsync; the rename is made durable by NTFS's journal.
    Ok(())
}
