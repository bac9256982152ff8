//! `zidx manifest`: assembles an index set's manifest from shards built
//! apart (`zidx build --shard I/N`), after checking that they agree
//! (`zidx::manifest_of_shards`).

use std::process::ExitCode;

use zidx_writer::{write_manifest, Replace};

use crate::cli::ManifestArgs;
use crate::failure::{printable, Failure, Outcome};

/// Runs `zidx manifest`.
pub fn run(args: ManifestArgs) -> Outcome {
    let manifest = zidx::manifest_of_shards(&args.output, &args.shards, args.route_seed)
        .map_err(|e| Failure::error(printable(&e.to_string())))?;
    let replace = if args.force {
        Replace::Any
    } else {
        Replace::IndexOnly
    };
    write_manifest(&args.output, &manifest, replace).map_err(Failure::error)?;
    Ok(ExitCode::SUCCESS)
}
