//! `revisor init`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor init` (the command's help is on
/// [`crate::cli::Command::Init`]).
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory (created if missing; must be empty unless --force).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The template (see `revisor list-templates`).
    #[arg(long, short, default_value = "sqlite")]
    pub template: String,
    /// Write into a directory that is not empty.
    #[arg(long)]
    pub force: bool,
}

/// Runs `revisor init`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: InitArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let InitArgs {
        dir,
        template,
        force,
    } = args;
    init::init(&dir, &template, force, out)
}
