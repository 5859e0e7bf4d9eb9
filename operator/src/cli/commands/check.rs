//! `revisor check`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor check` (the command's help is on
/// [`crate::cli::Command::Check`]).
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Where the schemas come from.
    #[command(flatten)]
    pub auto: autogen::AutogenArgs,
}

/// Runs `revisor check`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: CheckArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let CheckArgs { set, auto } = args;
    autogen::check(&set.dir, &auto, out).await
}
