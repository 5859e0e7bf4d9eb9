//! `revisor upgrade`: its flags and what it runs.

use crate::cli::migrate::MigrateFlags;
use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor upgrade` (the command's help is on
/// [`crate::cli::Command::Upgrade`]).
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The flags shared with `downgrade`.
    #[command(flatten)]
    pub flags: MigrateFlags,
    /// Target expression, relative ones included (`+1`, `shop@+2`).
    #[arg(allow_hyphen_values = true)]
    pub target: String,
}

/// Runs `revisor upgrade`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: UpgradeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    migrate(&args.flags, &args.target, Mode::Upgrade, out).await
}
