//! `revisor history`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor history` (the command's help is on
/// [`crate::cli::Command::History`]).
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Runs `revisor history`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: HistoryArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let HistoryArgs { db, output } = args;
    dbcmd::history(&db, output, out).await
}
