//! The manifest of shards built apart (`zidx build --shard I/N`, or
//! Python tasks), after checking that they make one set: what `zidx
//! manifest` and Python's `zidx.write_manifest` publish.

use std::path::{Path, PathBuf};

use zidx_format::manifest::{route, Manifest, ShardInfo, MAX_SHARDS};
use zidx_text::escape::ShowKey;

use crate::error::Error;
use crate::index::Index;

/// Checks that `shard_paths`, given in shard order, make one index set
/// routed with `routing_seed`, and returns the manifest that names them
/// (to be published at `manifest_path` with `zidx_writer::write_manifest`).
///
/// Every shard must lie in the manifest's directory (a manifest names its
/// shards by file name), open, have shard 0's features and value schema,
/// and hold only keys that route to its place: every key is read, so
/// shards given out of order, a missing shard (which changes N) or one
/// built with another routing seed are refused, naming it. There must be
/// at least 2 shards: a lone shard routes every key to itself, so nothing
/// would tell a part of a larger set.
pub fn manifest_of_shards(
    manifest_path: &Path,
    shard_paths: &[impl AsRef<Path>],
    routing_seed: u64,
) -> Result<Manifest, Error> {
    let set_error = |problem: String| Error::Manifest {
        path: manifest_path.to_path_buf(),
        problem,
    };
    let n = u32::try_from(shard_paths.len())
        .ok()
        .filter(|&n| n <= MAX_SHARDS)
        .ok_or_else(|| set_error(format!("a set has at most {MAX_SHARDS} shards")))?;
    if n < 2 {
        return Err(set_error(
            "give at least 2 shards: one shard alone could be part of a larger set, which \
             nothing in it tells"
                .to_string(),
        ));
    }
    let dir = directory(manifest_path)?;
    let mut infos = Vec::with_capacity(shard_paths.len());
    let mut first: Option<Index> = None;
    for (i, path) in (0..n).zip(shard_paths) {
        let path = path.as_ref();
        let fail = |problem: String| Error::Shard {
            manifest: manifest_path.to_path_buf(),
            shard: i,
            name: path.display().to_string(),
            problem,
        };
        if directory(path)? != dir {
            return Err(fail(format!(
                "not in the manifest's directory {}: a manifest names its shards by file name; \
                 move them beside it",
                dir.display()
            )));
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| fail("its file name is not UTF-8".to_string()))?
            .to_string();
        let index = Index::open(path).map_err(|e| fail(e.to_string()))?;
        if let Some(first) = &first {
            let (a, b) = (first.layout(), index.layout());
            if (a.compat_features(), a.incompat_features())
                != (b.compat_features(), b.incompat_features())
            {
                return Err(fail(format!(
                    "its features (compat {:#x}, incompat {:#x}) differ from shard 0's ({:#x}, {:#x}): \
                     build every shard with the same options",
                    b.compat_features(),
                    b.incompat_features(),
                    a.compat_features(),
                    a.incompat_features()
                )));
            }
            if a.value_schema() != b.value_schema() {
                return Err(fail("its value schema differs from shard 0's".to_string()));
            }
        }
        for record in index.iter() {
            let (key, _) = record.map_err(|e| fail(e.to_string()))?;
            let routed = route(key, routing_seed, n);
            if routed != i {
                return Err(fail(format!(
                    "holds key {}, which routes to shard {routed} of {n} with routing seed \
                     {routing_seed}: give the shards in order, each built as shard I of {n} with \
                     the same routing seed",
                    ShowKey(key),
                )));
            }
        }
        let layout = index.layout();
        infos.push(ShardInfo::new(
            name,
            layout.file_len(),
            index.len(),
            layout.header_checksum(),
        ));
        if first.is_none() {
            first = Some(index);
        }
    }
    Manifest::new(routing_seed, infos).map_err(|e| set_error(e.to_string()))
}

/// The directory a path lies in, resolved (so that `a/x` and `./a/x` agree).
fn directory(path: &Path) -> Result<PathBuf, Error> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parent.canonicalize().map_err(|source| Error::Io {
        path: parent.to_path_buf(),
        source,
    })
}
