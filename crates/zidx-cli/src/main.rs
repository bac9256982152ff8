//! `zidx`: build, query, inspect, verify and dump zidx index files.
//!
//! Exit codes: 0 success, 1 a key was not found, 2 usage error, bad input or
//! corrupt index.
#![forbid(unsafe_code)]

mod build_guards;
mod cli;
mod commands;
mod failure;
mod line_map;
mod signals;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::failure::{printable, Failure, Outcome, EXIT_ERROR};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    match run(cli) {
        Ok(code) => code,
        Err(failure) => {
            if !failure.message.is_empty() {
                let _ = writeln!(
                    std::io::stderr(),
                    "zidx: error: {}",
                    printable(&failure.message)
                );
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Runs the command. `--no-mmap` before the subcommand name counts as if it
/// were given after it, for the commands that read an index.
fn run(cli: Cli) -> Outcome {
    let top = cli.no_mmap;
    match cli.command {
        Command::Build(args) => {
            refuse_no_mmap(top, "build")?;
            commands::build::run(args)
        }
        Command::Get(mut args) => {
            args.read.no_mmap |= top;
            commands::get::run(args)
        }
        Command::Inspect(mut args) => {
            args.read.no_mmap |= top;
            commands::inspect::run(args)
        }
        Command::Scan(mut args) => {
            args.read.no_mmap |= top;
            commands::scan::run(args)
        }
        Command::Verify(mut args) => {
            args.read.no_mmap |= top;
            commands::verify::run(args)
        }
        Command::Dump(mut args) => {
            args.read.no_mmap |= top;
            commands::dump::run(args)
        }
        Command::Keys(mut args) => {
            args.read.no_mmap |= top;
            commands::keys::run(args)
        }
        Command::Stats(mut args) => {
            args.read.no_mmap |= top;
            commands::stats::run(args)
        }
        Command::Count(mut args) => {
            args.read.no_mmap |= top;
            commands::count::run(args)
        }
        Command::Bench(mut args) => {
            args.read.no_mmap |= top;
            commands::bench::run(args)
        }
        Command::Manifest(args) => {
            refuse_no_mmap(top, "manifest")?;
            commands::manifest::run(args)
        }
        Command::Completions(args) => {
            refuse_no_mmap(top, "completions")?;
            commands::completions::run(args)
        }
        Command::Man(args) => {
            refuse_no_mmap(top, "man")?;
            commands::completions::man(args)
        }
    }
}

/// `zidx --no-mmap build ...`: the option would do nothing, and saying
/// nothing would let the user believe it did something.
fn refuse_no_mmap(given: bool, command: &str) -> Result<(), Failure> {
    if given {
        return Err(Failure::error(format!(
            "--no-mmap applies to the commands that read an index \
             (get, inspect, verify, dump, keys, stats, count, bench), not to {command}"
        )));
    }
    Ok(())
}

/// A command line clap refused (or `--help`, `--version`). Its message can
/// echo an argument (`invalid value '...'`), and clap prints it raw on a
/// terminal. So when any argument holds a control character, the message is
/// printed plain (without colours) with control characters escaped;
/// otherwise clap prints it, coloured on a terminal.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    let hostile = std::env::args_os().any(|arg| {
        arg.as_encoded_bytes()
            .iter()
            .any(|&b| b < 0x20 || b == 0x7f || b == 0xc2)
    });
    if !hostile || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let _ = write!(std::io::stderr(), "{}", printable(&e.render().to_string()));
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_ERROR))
}
