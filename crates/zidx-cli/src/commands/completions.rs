//! `zidx completions SHELL` and `zidx man [COMMAND]`: generated from the
//! parser's own definitions (clap_complete, clap_mangen), so they list
//! exactly the commands and options `zidx` accepts.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::failure::{Failure, Outcome};

/// Runs `zidx completions SHELL`: the script on stdout.
pub fn run(args: CompletionsArgs) -> Outcome {
    let mut script = Vec::new();
    // Generated into memory, then written: clap_complete panics on a failed
    // write, and a closed stdout must end the command quietly.
    clap_complete::generate(args.shell, &mut Cli::command(), "zidx", &mut script);
    write_stdout(&script)
}

/// Runs `zidx man [COMMAND]`: the roff source of zidx(1), or of
/// zidx-COMMAND(1), on stdout.
pub fn man(args: ManArgs) -> Outcome {
    let mut cli = Cli::command();
    // Building names each subcommand's page (`zidx-get`, its display name).
    cli.build();
    let page = match &args.command {
        None => cli,
        Some(name) => {
            let Some(sub) = cli.find_subcommand(name) else {
                let names: Vec<&str> = cli.get_subcommands().map(|c| c.get_name()).collect();
                return Err(Failure::error(format!(
                    "no command {name:?}; the commands are {}",
                    names.join(", ")
                )));
            };
            sub.clone()
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| Failure::error(format!("rendering the manual page: {e}")))?;
    write_stdout(&roff)
}

fn write_stdout(bytes: &[u8]) -> Outcome {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}
