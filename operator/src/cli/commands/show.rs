//! `revisor show`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor show` (the command's help is on
/// [`crate::cli::Command::Show`]).
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// The revision (any expression naming one).
    pub revision: String,
}

/// Runs `revisor show`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: ShowArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let ShowArgs { set, revision } = args;
    let g = source::load_dir(&set.dir)?;
    browse::show(&g, &set.dir, &revision, out)
}
