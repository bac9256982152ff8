//! One module per subcommand.

pub mod bench;
pub mod build;
pub mod completions;
pub mod count;
pub mod dump;
pub mod get;
pub mod inspect;
pub mod json_lines;
pub mod keys;
pub mod lines;
pub mod scan;
pub mod stats;
pub mod verify;

use std::path::Path;

use zidx::{FileBytes, Index};

use crate::failure::Failure;

/// Opens an index, mapped or read into memory; failures exit 2.
pub fn open_index(path: &Path, no_mmap: bool) -> Result<Index<FileBytes>, Failure> {
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
