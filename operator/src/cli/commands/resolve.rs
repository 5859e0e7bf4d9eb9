//! `revisor resolve`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor resolve` (the command's help is on
/// [`crate::cli::Command::Resolve`]).
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
}

/// Runs `revisor resolve`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: ResolveArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let ResolveArgs { db } = args;
    dbcmd::resolve(&db, out).await
}
