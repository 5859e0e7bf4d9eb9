//! `revisor completion`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor completion` (the command's help is on
/// [`crate::cli::Command::Completion`]).
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Runs `revisor completion`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: CompletionArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let CompletionArgs { shell } = args;
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "revisor", out);
    Ok(())
}
