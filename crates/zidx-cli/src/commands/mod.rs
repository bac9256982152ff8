//! One module per subcommand.

pub mod bench;
pub mod build;
pub mod build_output;
pub mod completions;
pub mod count;
pub mod dump;
pub mod get;
pub mod inspect;
pub mod json_lines;
pub mod keys;
pub mod lines;
pub mod manifest;
pub mod scan;
pub mod stats;
pub mod target;
pub mod verify;

use std::path::Path;

use zidx::{FileBytes, Index};

use crate::failure::Failure;

/// Opens an index, mapped or read into memory; failures exit 2. A set
/// manifest is refused with a pointer to its shards: only the commands of
/// [`target`] read sets.
pub fn open_index(path: &Path, no_mmap: bool) -> Result<Index<FileBytes>, Failure> {
    if zidx::is_manifest(path) {
        return Err(Failure::error(format!(
            "{}: an index set's manifest; this command reads one index at a time: give it a \
             shard (`zidx inspect` lists them), or use get, dump, keys, count, inspect or verify, \
             which read whole sets",
            path.display()
        )));
    }
    let opened = if no_mmap {
        Index::read(path)
    } else {
        Index::open(path)
    };
    opened.map_err(|e| match e {
        zidx::Error::Io { .. } => Failure::error(e),
        other => Failure::error(format!("{}: {other}", path.display())),
    })
}
