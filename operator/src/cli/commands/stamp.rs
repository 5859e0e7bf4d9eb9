//! `revisor stamp`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor stamp` (the command's help is on
/// [`crate::cli::Command::Stamp`]).
#[derive(Debug, Args)]
pub struct StampArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// Offline mode.
    #[command(flatten)]
    pub offline: OfflineArgs,
    /// Output format of --sql.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Target expression.
    pub target: String,
    /// Replace every row, not only those on TARGET's lineage.
    #[arg(long)]
    pub purge: bool,
}

/// Runs `revisor stamp`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: StampArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let StampArgs {
        set,
        db,
        offline,
        output,
        target,
        purge,
    } = args;
    let g = source::load_dir(&set.dir)?;
    if offline.sql {
        let (from, target) = offline::range(&target);
        let start = offline::start(&g, &db, &offline, from).await?;
        let opts = dbcmd::options(&db, None);
        return offline::stamp(&g, &start, target, purge, &opts, output, out).await;
    }
    dbcmd::stamp(&g, &db, &target, purge, out).await
}
