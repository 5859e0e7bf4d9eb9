//! `revisor drift`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor drift` (the command's help is on
/// [`crate::cli::Command::Drift`]).
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// Take the live schema as the new snapshot (under the migration lock).
    #[arg(long)]
    pub accept: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Runs `revisor drift`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: DriftArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let DriftArgs { db, accept, output } = args;
    dbcmd::drift(&db, accept, output, out).await
}
