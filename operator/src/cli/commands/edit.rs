//! `revisor edit`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor edit` (the command's help is on
/// [`crate::cli::Command::Edit`]).
#[derive(Debug, Args)]
pub struct EditArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// The revision.
    pub revision: String,
}

/// Runs `revisor edit`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: EditArgs, _out: &mut dyn Write) -> Result<(), CliError> {
    let EditArgs { set, revision } = args;
    browse::edit(&source::load_dir(&set.dir)?, &set.dir, &revision)
}
