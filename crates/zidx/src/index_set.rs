//! Index sets (format-spec/SETS.md): N shard files and a manifest, read as
//! one index.

use std::io::Read;
use std::path::{Path, PathBuf};

use zidx_format::manifest::{Manifest, MAX_MANIFEST_LEN, SET_MAGIC};

use crate::error::Error;
use crate::file_bytes::FileBytes;
use crate::index::{io_error, open_file, Index, Lookup};
use crate::ordered::Values;
use crate::records::Records;

/// A set of shard indexes named by a manifest, looked up as one index: each
/// key is routed to the one shard that can hold it.
///
/// Opening reads the manifest, opens every shard and checks that each is
/// the file the manifest names (length, header checksum, record count), so
/// a missing shard, one of another generation or a damaged one is an error
/// naming it, never a wrong answer.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let manifest = dir.path().join("colors.zidxset");
/// let mut writer = zidx_writer::SetWriter::create(&manifest, 4, Default::default())?;
/// writer.insert(b"red", b"#ff0000")?;
/// writer.insert(b"green", b"#00ff00")?;
/// writer.finish()?;
///
/// let set = zidx::IndexSet::open(&manifest)?;
/// assert_eq!(set.get(b"red")?, Some(&b"#ff0000"[..]));
/// assert_eq!(set.get(b"blue")?, None);
/// assert_eq!(set.len(), 2);
/// set.verify()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct IndexSet {
    path: PathBuf,
    manifest: Manifest,
    shards: Vec<Index<FileBytes>>,
}

/// Whether the file at `path` starts with the set manifest's magic bytes
/// (so that a tool can accept an index or a set at the same place). An
/// unreadable or short file is not a manifest.
pub fn is_manifest(path: impl AsRef<Path>) -> bool {
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == SET_MAGIC)
}

impl IndexSet {
    /// Opens the set whose manifest is at `path`, memory-mapping every shard
    /// ([`Index::open`]).
    pub fn open(path: impl AsRef<Path>) -> Result<IndexSet, Error> {
        IndexSet::open_with(path.as_ref(), |p| Index::open(p))
    }

    /// Opens the set whose manifest is at `path`, reading every shard into
    /// memory ([`Index::read`]).
    pub fn read(path: impl AsRef<Path>) -> Result<IndexSet, Error> {
        IndexSet::open_with(path.as_ref(), |p| Index::read(p))
    }

    fn open_with(
        path: &Path,
        open: impl Fn(&Path) -> Result<Index<FileBytes>, Error>,
    ) -> Result<IndexSet, Error> {
        let manifest = read_manifest(path)?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let mut shards = Vec::with_capacity(manifest.shards().len());
        for (i, info) in manifest.shards().iter().enumerate() {
            let shard_error = |problem: String| Error::Shard {
                manifest: path.to_path_buf(),
                shard: u32::try_from(i).unwrap_or(u32::MAX),
                name: info.name.clone(),
                problem,
            };
            let index = open(&dir.join(&info.name)).map_err(|e| match e {
                Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    shard_error("missing: the file does not exist".to_string())
                }
                other => shard_error(other.to_string()),
            })?;
            let layout = index.layout();
            let found = (layout.file_len(), layout.header_checksum(), index.len());
            let expected = (info.file_len, info.header_checksum, info.record_count);
            if found != expected {
                return Err(shard_error(format!(
                    "not the shard this manifest names (another generation, or a replaced file): \
                     {} bytes, header checksum {:#018x}, {} records; the manifest says {} bytes, \
                     {:#018x}, {} records",
                    found.0, found.1, found.2, expected.0, expected.1, expected.2
                )));
            }
            // Typed values are read by one schema for the whole set.
            if let Some(first) = shards.first() {
                let (ours, theirs) = (
                    Index::layout(first).value_schema(),
                    index.layout().value_schema(),
                );
                if ours != theirs {
                    let show = |s: Option<&zidx_format::ValueSchema>| {
                        s.map_or_else(|| "untyped values".to_string(), |s| s.describe())
                    };
                    return Err(shard_error(format!(
                        "its values are {}, but shard 0's are {}",
                        show(theirs),
                        show(ours)
                    )));
                }
            }
            shards.push(index);
        }
        Ok(IndexSet {
            path: path.to_path_buf(),
            manifest,
            shards,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The shards, shard 0 first.
    pub fn shards(&self) -> &[Index<FileBytes>] {
        &self.shards
    }

    /// The number of records in all shards.
    pub fn len(&self) -> u64 {
        self.manifest.record_count()
    }

    /// Whether the set holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The shard `key` belongs to.
    fn shard(&self, key: &[u8]) -> &Index<FileBytes> {
        let i = self.manifest.shard_of(key) as usize;
        // route() is below the shard count, which is the shards' length.
        &self.shards[i.min(self.shards.len().saturating_sub(1))]
    }

    /// The value of `key`, from its shard ([`Index::get`]).
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<&[u8]>, Error> {
        let key = key.as_ref();
        self.shard(key).get(key)
    }

    /// Every value of `key`, from its shard ([`Index::get_all`]).
    pub fn get_all(&self, key: impl AsRef<[u8]>) -> Result<Values<'_, FileBytes>, Error> {
        let key = key.as_ref();
        self.shard(key).get_all(key)
    }

    /// Looks up many keys: grouped by shard, each group with
    /// [`Index::get_many`]; `out` is cleared, then gets one result per key,
    /// in the order of `keys`.
    pub fn get_many<'a, K: AsRef<[u8]>>(
        &'a self,
        keys: &[K],
        out: &mut Vec<Lookup<'a, FileBytes>>,
    ) {
        out.clear();
        let mut groups: Vec<Vec<usize>> = vec![Vec::new(); self.shards.len()];
        for (i, key) in keys.iter().enumerate() {
            let s = self.manifest.shard_of(key.as_ref()) as usize;
            if let Some(group) = groups.get_mut(s) {
                group.push(i);
            }
        }
        let mut answers: Vec<Option<Lookup<'a, FileBytes>>> = Vec::new();
        answers.resize_with(keys.len(), || None);
        let mut found = Vec::new();
        let mut group_keys: Vec<&[u8]> = Vec::new();
        for (shard, group) in self.shards.iter().zip(&groups) {
            group_keys.clear();
            group_keys.extend(group.iter().map(|&i| keys[i].as_ref()));
            shard.get_many(&group_keys, &mut found);
            for (&i, answer) in group.iter().zip(found.drain(..)) {
                answers[i] = Some(answer);
            }
        }
        out.extend(answers.into_iter().map(|a| a.unwrap_or(Ok(None))));
    }

    /// Every record of every shard, shard 0 first, each shard in its stored
    /// order.
    pub fn iter(&self) -> impl Iterator<Item = Result<(&[u8], &[u8]), Error>> + '_ {
        self.shards.iter().flat_map(Index::iter)
    }

    /// The records of shard `i` ([`Index::iter`]).
    pub fn shard_records(&self, i: usize) -> Option<Records<'_, FileBytes>> {
        self.shards.get(i).map(Index::iter)
    }

    /// Verifies every shard ([`Index::verify`]) and that every key of shard
    /// `i` routes to `i`; the first problem, naming the shard.
    pub fn verify(&self) -> Result<(), Error> {
        for (i, (shard, info)) in self.shards.iter().zip(self.manifest.shards()).enumerate() {
            let shard_index = u32::try_from(i).unwrap_or(u32::MAX);
            let shard_error = |problem: String| Error::Shard {
                manifest: self.path.clone(),
                shard: shard_index,
                name: info.name.clone(),
                problem,
            };
            shard.verify().map_err(|e| shard_error(e.to_string()))?;
            for record in shard.iter() {
                let (key, _) = record.map_err(|e| shard_error(e.to_string()))?;
                let routed = self.manifest.shard_of(key);
                if routed != shard_index {
                    return Err(shard_error(format!(
                        "holds key {}, which routes to shard {routed}",
                        zidx_text::escape::ShowKey(key)
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Reads and checks the manifest at `path`, reading at most
/// [`MAX_MANIFEST_LEN`] bytes.
fn read_manifest(path: &Path) -> Result<Manifest, Error> {
    let (file, len) = open_file(path)?;
    let manifest_error = |problem: String| Error::Manifest {
        path: path.to_path_buf(),
        problem,
    };
    if len > MAX_MANIFEST_LEN {
        return Err(manifest_error(format!(
            "{len} bytes; a manifest has at most {MAX_MANIFEST_LEN}"
        )));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(MAX_MANIFEST_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, e))?;
    Manifest::decode(&bytes).map_err(|e| manifest_error(e.to_string()))
}
