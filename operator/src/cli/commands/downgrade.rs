//! `revisor downgrade`: its flags and what it runs.

use crate::cli::migrate::MigrateFlags;
use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor downgrade` (the command's help is on
/// [`crate::cli::Command::Downgrade`]).
#[derive(Debug, Args)]
pub struct DowngradeArgs {
    /// The flags shared with `upgrade`.
    #[command(flatten)]
    pub flags: MigrateFlags,
    /// Target expression, relative ones included (`-1`, `shop@-1`), or `base`.
    #[arg(allow_hyphen_values = true)]
    pub target: String,
}

/// Runs `revisor downgrade`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: DowngradeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    migrate(&args.flags, &args.target, Mode::Downgrade, out).await
}
