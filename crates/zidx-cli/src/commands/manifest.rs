//! `zidx manifest`: assembles an index set's manifest from shards built
//! apart (`zidx build --shard I/N`), after checking that they agree.

use std::path::Path;
use std::process::ExitCode;

use zidx::Index;
use zidx_format::manifest::{route, Manifest, ShardInfo, MAX_SHARDS};
use zidx_text::escape::ShowKey;
use zidx_writer::{write_manifest, Replace};

use crate::cli::ManifestArgs;
use crate::commands::open_index;
use crate::failure::{printable, Failure, Outcome};

/// Runs `zidx manifest`.
pub fn run(args: ManifestArgs) -> Outcome {
    let n = u32::try_from(args.shards.len())
        .ok()
        .filter(|&n| n <= MAX_SHARDS)
        .ok_or_else(|| Failure::error(format!("a set has at most {MAX_SHARDS} shards")))?;
    // With two or more shards, a missing one changes N and so the routing,
    // which the key check below catches; a lone shard routes every key to
    // itself, so nothing would tell a part of a larger set.
    if n < 2 {
        return Err(Failure::error(
            "give at least 2 shards: one shard alone could be part of a larger set, which nothing \
             in it tells (a one-shard set is `zidx build --shards 1`)",
        ));
    }
    let dir = directory(&args.output)?;
    let mut infos = Vec::with_capacity(args.shards.len());
    let mut first: Option<Index<zidx::FileBytes>> = None;
    for (i, path) in (0..n).zip(&args.shards) {
        let shown = printable(&path.display().to_string()).into_owned();
        let fail = |problem: String| Failure::error(format!("shard {i} ({shown}): {problem}"));
        if directory(path)? != dir {
            return Err(fail(format!(
                "not in the manifest's directory {}: a manifest names its shards by file name; \
                 move them beside it",
                printable(&dir.display().to_string())
            )));
        }
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| fail("its file name is not UTF-8".to_string()))?
            .to_string();
        let index = open_index(path, false)?;
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
            let routed = route(key, args.route_seed, n);
            if routed != i {
                return Err(fail(format!(
                    "holds key {}, which routes to shard {routed} of {n} with routing seed {}: \
                     give the shards in order, built with --shard I/{n} and the same --route-seed",
                    ShowKey(key),
                    args.route_seed
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
    let manifest = Manifest::new(args.route_seed, infos).map_err(Failure::error)?;
    let replace = if args.force {
        Replace::Any
    } else {
        Replace::IndexOnly
    };
    write_manifest(&args.output, &manifest, replace).map_err(Failure::error)?;
    Ok(ExitCode::SUCCESS)
}

/// The directory a path lies in, resolved (so that `a/x` and `./a/x` agree).
fn directory(path: &Path) -> Result<std::path::PathBuf, Failure> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parent
        .canonicalize()
        .map_err(|e| Failure::error(format!("{}: {e}", printable(&parent.display().to_string()))))
}
