//! Index sets (format-spec/SETS.md): [`SetWriter`] routes each record to
//! one of N shard builds and publishes the shards, then the manifest;
//! [`write_manifest`] publishes a manifest for shards built elsewhere.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use zerocopy::FromBytes;
use zidx_format::manifest::{route, Manifest, ShardInfo, MAX_SHARDS, SET_MAGIC};
use zidx_format::{Header, HEADER_SIZE};

use crate::atomic_file::sync_dir;
use crate::error::WriteError;
use crate::options::{Options, Replace};
use crate::progress::Progress;
use crate::writer::Writer;

/// What a set build made.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SetSummary {
    /// The manifest published.
    pub manifest: Manifest,
    /// The shards' paths, shard 0 first.
    pub shard_paths: Vec<PathBuf>,
    /// Records inserted, including dropped duplicates.
    pub inserted: u64,
}

/// Builds an index set: N shard indexes, each with the records whose keys
/// route to it (SETS.md §1), and the manifest naming them.
///
/// Every shard is an ordinary build with the same [`Options`]; a key's
/// records all go to one shard, so duplicate policies and ordering work as
/// in a single index. [`finish`](SetWriter::finish) publishes the shards
/// under names that carry the set's generation (never over the shards of
/// the set being replaced), then the manifest by rename, then removes the
/// replaced generation's shards. Dropping a `SetWriter` unfinished leaves
/// the old set as it was.
#[derive(Debug)]
pub struct SetWriter {
    manifest_path: PathBuf,
    routing_seed: u64,
    options: Options,
    shards: Vec<Writer>,
    building: Vec<PathBuf>,
    inserted: u64,
}

impl SetWriter {
    /// Starts a set of `shard_count` shards whose manifest will be
    /// `manifest_path`, routed with seed 0.
    pub fn create(
        manifest_path: impl AsRef<Path>,
        shard_count: u32,
        options: Options,
    ) -> Result<SetWriter, WriteError> {
        SetWriter::create_with_seed(manifest_path, shard_count, 0, options)
    }

    /// As [`create`](SetWriter::create), with a routing seed of your own
    /// (shards built apart, with `zidx build --shard I/N`, must use the
    /// same one).
    pub fn create_with_seed(
        manifest_path: impl AsRef<Path>,
        shard_count: u32,
        routing_seed: u64,
        options: Options,
    ) -> Result<SetWriter, WriteError> {
        let manifest_path = manifest_path.as_ref().to_path_buf();
        if !(1..=MAX_SHARDS).contains(&shard_count) {
            return Err(WriteError::Set {
                problem: format!("{shard_count} shards; a set has 1 to {MAX_SHARDS}"),
            });
        }
        check_manifest_target(&manifest_path, options.replace)?;
        let (dir, stem) = dir_and_stem(&manifest_path)?;
        let mut shards = Vec::with_capacity(shard_count as usize);
        let mut building = Vec::with_capacity(shard_count as usize);
        // The shards are built at once: they share the memory budget.
        let mut shard_options = options.clone();
        shard_options.memory = options.memory / shard_count as usize;
        for i in 0..shard_count {
            let path = dir.join(format!(
                "{stem}-building-{}-{i:05}-of-{shard_count:05}.zidx",
                std::process::id()
            ));
            shards.push(Writer::create(&path, shard_options.clone())?);
            building.push(path);
        }
        Ok(SetWriter {
            manifest_path,
            routing_seed,
            options,
            shards,
            building,
            inserted: 0,
        })
    }

    /// Appends a record to the shard its key routes to.
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<(), WriteError> {
        let n = u32::try_from(self.shards.len()).unwrap_or(MAX_SHARDS);
        let i = route(key, self.routing_seed, n) as usize;
        let shard = self.shards.get_mut(i).ok_or_else(|| WriteError::Set {
            problem: format!("key routed to shard {i} of {n}"),
        })?;
        shard.insert(key, value)?;
        self.inserted += 1;
        Ok(())
    }

    /// Appends a typed record ([`Writer::insert_typed`]) to its shard.
    pub fn insert_typed<T>(&mut self, key: &[u8], value: &T) -> Result<(), WriteError>
    where
        T: zidx_format::schema::Schema + zerocopy::IntoBytes + 'static,
    {
        let n = u32::try_from(self.shards.len()).unwrap_or(MAX_SHARDS);
        let i = route(key, self.routing_seed, n) as usize;
        let shard = self.shards.get_mut(i).ok_or_else(|| WriteError::Set {
            problem: format!("key routed to shard {i} of {n}"),
        })?;
        shard.insert_typed(key, value)?;
        self.inserted += 1;
        Ok(())
    }

    /// The number of shards.
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Records inserted so far.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Calls `report(shard, progress)` as [`finish`](SetWriter::finish)
    /// finishes each shard in turn; see [`Writer::on_progress`].
    pub fn on_progress(&mut self, report: impl FnMut(usize, Progress) + Send + 'static) {
        let report = std::sync::Arc::new(std::sync::Mutex::new(report));
        for (i, shard) in self.shards.iter_mut().enumerate() {
            let report = std::sync::Arc::clone(&report);
            shard.on_progress(move |p| {
                // A callback that panicked once is still called.
                let mut f = report
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                f(i, p);
            });
        }
    }

    /// Finishes every shard, publishes them and the manifest (SETS.md §5),
    /// and removes the shards of the set it replaced.
    pub fn finish(self) -> Result<SetSummary, WriteError> {
        let SetWriter {
            manifest_path,
            routing_seed,
            options,
            shards,
            building,
            inserted,
        } = self;
        // Whatever fails from here, no shard file is left behind.
        let mut cleanup = Cleanup(building.clone());
        let mut infos = Vec::with_capacity(shards.len());
        for (writer, path) in shards.into_iter().zip(&building) {
            let summary = writer.finish()?;
            let header_checksum = read_header_checksum(path)?;
            infos.push(ShardInfo::new(
                "-",
                summary.file_len,
                summary.records,
                header_checksum,
            ));
        }
        let (dir, stem) = dir_and_stem(&manifest_path)?;
        let n = u32::try_from(infos.len()).unwrap_or(MAX_SHARDS);
        // Names to derive the generation with; it does not depend on them.
        for (i, info) in infos.iter_mut().enumerate() {
            info.name = format!("shard{i}");
        }
        let generation = Manifest::new(routing_seed, infos.clone())
            .map_err(|e| WriteError::Set {
                problem: e.to_string(),
            })?
            .generation();
        let mut finals = Vec::with_capacity(infos.len());
        for (i, info) in (0..n).zip(infos.iter_mut()) {
            info.name = Manifest::shard_file_name(&stem, generation, i, n);
            finals.push(dir.join(&info.name));
        }
        let manifest = Manifest::new(routing_seed, infos).map_err(|e| WriteError::Set {
            problem: e.to_string(),
        })?;
        for (from, to) in building.iter().zip(&finals) {
            std::fs::rename(from, to).map_err(|source| WriteError::Io {
                op: "rename",
                path: to.clone(),
                source,
            })?;
        }
        cleanup.0.clone_from(&finals);
        sync_dir(&dir).map_err(|source| WriteError::Io {
            op: "sync directory",
            path: dir.clone(),
            source,
        })?;
        let replaced = old_shards(&manifest_path);
        write_manifest(&manifest_path, &manifest, options.replace)?;
        cleanup.0.clear();
        // The old generation's shards, now that no new reader can reach
        // them; a name the new set reuses (same generation) stays.
        for old in replaced {
            if !finals.contains(&old) {
                let _ = std::fs::remove_file(&old);
            }
        }
        Ok(SetSummary {
            manifest,
            shard_paths: finals,
            inserted,
        })
    }
}

/// Files removed on drop unless the list is cleared: the shards of a set
/// build that failed before its manifest was published.
struct Cleanup(Vec<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for path in &self.0 {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The directory of `manifest_path` and the stem shard names start with
/// (the file name without a `.zidxset` extension).
fn dir_and_stem(manifest_path: &Path) -> Result<(PathBuf, String), WriteError> {
    let name = manifest_path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| WriteError::Set {
            problem: format!(
                "{}: the manifest needs a UTF-8 file name",
                manifest_path.display()
            ),
        })?;
    let stem = name.strip_suffix(".zidxset").unwrap_or(name).to_string();
    let dir = match manifest_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, stem))
}

/// The header checksum field of the index at `path`.
fn read_header_checksum(path: &Path) -> Result<u64, WriteError> {
    let io = |op: &'static str| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { op, path, source }
    };
    let mut head = [0u8; HEADER_SIZE];
    File::open(path)
        .map_err(io("open"))?
        .read_exact(&mut head)
        .map_err(io("read"))?;
    let header = Header::read_from_bytes(&head).map_err(|_| WriteError::Set {
        problem: format!("{}: no header", path.display()),
    })?;
    Ok(header.header_checksum.get())
}

/// The shard paths of the manifest now at `path`, if it is a readable one.
fn old_shards(path: &Path) -> Vec<PathBuf> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let Ok(old) = Manifest::decode(&bytes) else {
        return Vec::new();
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    old.shards().iter().map(|s| dir.join(&s.name)).collect()
}

/// Refuses a manifest target the replace policy protects: with
/// [`Replace::IndexOnly`], anything but a set manifest.
fn check_manifest_target(path: &Path, replace: Replace) -> Result<(), WriteError> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let problem = if !meta.is_file() {
        Some("it is not a regular file".to_string())
    } else if replace == Replace::IndexOnly {
        let mut magic = [0u8; 8];
        let is_manifest = File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok_and(|()| magic == SET_MAGIC);
        (!is_manifest).then(|| "it is not a zidx set manifest".to_string())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(WriteError::TargetInUse {
            path: path.to_path_buf(),
            problem,
        }),
        None => Ok(()),
    }
}

/// Publishes `manifest` at `path` atomically (SETS.md §5): a temporary
/// file in the same directory, synced, renamed over `path`, and the
/// directory synced. An existing `path` that is not a manifest is replaced
/// only with [`Replace::Any`].
pub fn write_manifest(
    path: &Path,
    manifest: &Manifest,
    replace: Replace,
) -> Result<(), WriteError> {
    check_manifest_target(path, replace)?;
    let (dir, _) = dir_and_stem(path)?;
    let io = |op: &'static str, at: &Path| {
        let at = at.to_path_buf();
        move |source| WriteError::Io {
            op,
            path: at,
            source,
        }
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".zidxset-")
        .tempfile_in(&dir)
        .map_err(io("create", &dir))?;
    temp.write_all(&manifest.encode())
        .map_err(io("write", temp.path()))?;
    // A temporary file is private (0600); a manifest is read by whoever
    // reads the shards: keep the replaced manifest's mode, else 0644 (what
    // a umask of 022 gives a new index).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(io("chmod", temp.path()))?;
    }
    temp.as_file().sync_all().map_err(io("sync", temp.path()))?;
    temp.persist(path).map_err(|e| WriteError::Io {
        op: "rename",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    sync_dir(&dir).map_err(io("sync directory", &dir))
}
