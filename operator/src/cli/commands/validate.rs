//! `revisor validate`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor validate` (the command's help is on
/// [`crate::cli::Command::Validate`]).
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
}

/// Runs `revisor validate`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: ValidateArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let ValidateArgs { set } = args;
    let g = source::load_dir(&set.dir)?;
    writeln!(
        out,
        "{}: {} revisions, {} heads, valid",
        set.dir.display(),
        g.len(),
        g.heads().len()
    )
    .map_err(runtime)
}
