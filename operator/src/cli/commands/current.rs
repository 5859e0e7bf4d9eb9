//! `revisor current`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor current` (the command's help is on
/// [`crate::cli::Command::Current`]).
#[derive(Debug, Args)]
pub struct CurrentArgs {
    /// Where the migration set is (optional: marks heads and messages).
    #[command(flatten)]
    pub set: SetArgs,
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// Print each revision in full (parent, labels, path, message).
    #[arg(short, long)]
    pub verbose: bool,
}

/// Runs `revisor current`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: CurrentArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let CurrentArgs { set, db, verbose } = args;
    let g = source::load_dir(&set.dir).ok();
    if verbose {
        let rows = dbcmd::heads(&db).await?;
        for r in rows {
            match g.as_ref().and_then(|g| g.index_of(&r).map(|i| (g, i))) {
                Some((g, i)) => writeln!(out, "{}", browse::verbose(g, &set.dir, i)),
                None => writeln!(out, "Rev: {r} (not in the migration set)\n"),
            }
            .map_err(runtime)?;
        }
        return Ok(());
    }
    dbcmd::current(g.as_ref(), &db, out).await
}
