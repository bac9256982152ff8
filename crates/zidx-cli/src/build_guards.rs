//! Checks `zidx build` makes before it reads a byte, so that a slip of the
//! keyboard loses nothing: records are not read from a terminal, and the
//! output is never the input. (Whether an existing output may be replaced
//! is the writer's rule: `zidx_writer::Replace`.)

use std::io::IsTerminal;
use std::path::Path;

use crate::failure::Failure;

/// Refuses to read records from a terminal: `zidx build -o x.zidx` with no
/// input would wait silently, and Ctrl-D would then write an empty index.
pub fn refuse_terminal_stdin() -> Result<(), Failure> {
    if std::io::stdin().is_terminal() {
        return Err(Failure::error(
            "no input file given, and standard input is a terminal; \
             name an input file (zidx build INPUT -o OUT), or pipe records in \
             (... | zidx build - -o OUT)",
        ));
    }
    Ok(())
}

/// Refuses an output that is the input file itself (the same inode, through
/// any path or link): the build would replace the data it reads.
pub fn refuse_output_over_input(input: &Path, output: &Path) -> Result<(), Failure> {
    let (Ok(i), Ok(o)) = (std::fs::metadata(input), std::fs::metadata(output)) else {
        return Ok(());
    };
    if same_file(&i, &o) {
        return Err(Failure::error(format!(
            "{}: the output is the input file; write the index to another path",
            output.display()
        )));
    }
    Ok(())
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_a: &std::fs::Metadata, _b: &std::fs::Metadata) -> bool {
    false
}
