//! `zidx`: build, query, inspect, verify and dump zidx index files.
//!
//! Exit codes: 0 success, 1 a key was not found, 2 usage error, bad input or
//! corrupt index.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod failure;
mod line_map;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Build(args) => commands::build::run(args),
        Command::Get(args) => commands::get::run(args, cli.no_mmap),
        Command::Inspect(args) => commands::inspect::run(args, cli.no_mmap),
        Command::Verify(args) => commands::verify::run(args, cli.no_mmap),
        Command::Dump(args) => commands::dump::run(args, cli.no_mmap),
        Command::Bench(args) => commands::bench::run(args, cli.no_mmap),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            if !failure.message.is_empty() {
                let _ = writeln!(std::io::stderr(), "zidx: error: {}", failure.message);
            }
            ExitCode::from(failure.code)
        }
    }
}
