//! `revisor upgrade`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor upgrade` (the command's help is on
/// [`crate::cli::Command::Upgrade`]).
#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// How to run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Offline mode.
    #[command(flatten)]
    pub offline: OfflineArgs,
    /// Output format of --sql.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Target expression, relative ones included (`+1`, `shop@+2`).
    #[arg(allow_hyphen_values = true)]
    pub target: String,
}

/// Runs `revisor upgrade`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: UpgradeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let UpgradeArgs {
        set,
        db,
        run,
        offline,
        output,
        target,
    } = args;
    migrate(
        &set,
        &db,
        &run,
        &offline,
        output,
        &target,
        Mode::Upgrade,
        out,
    )
    .await
}
