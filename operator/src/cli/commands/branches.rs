//! `revisor branches`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor branches` (the command's help is on
/// [`crate::cli::Command::Branches`]).
#[derive(Debug, Args)]
pub struct BranchesArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
}

/// Runs `revisor branches`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: BranchesArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let BranchesArgs { set } = args;
    browse::branches(&source::load_dir(&set.dir)?, out)
}
