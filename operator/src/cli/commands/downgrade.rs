//! `revisor downgrade`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor downgrade` (the command's help is on
/// [`crate::cli::Command::Downgrade`]).
#[derive(Debug, Args)]
pub struct DowngradeArgs {
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
    /// Target expression, relative ones included (`-1`, `shop@-1`), or `base`.
    #[arg(allow_hyphen_values = true)]
    pub target: String,
}

/// Runs `revisor downgrade`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: DowngradeArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let DowngradeArgs {
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
        Mode::Downgrade,
        out,
    )
    .await
}
