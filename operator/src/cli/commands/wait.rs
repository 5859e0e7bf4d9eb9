//! `revisor wait`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor wait` (the command's help is on
/// [`crate::cli::Command::Wait`]).
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// Revision id(s), comma-separated (with --dir, any target expression).
    #[arg(long, value_name = "REV")]
    pub revision: String,
    /// Give up after this many seconds and exit 1 (0: wait forever).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    pub timeout: u64,
    /// Migration set, to resolve expressions and ancestors (optional).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `revisor wait`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: WaitArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let WaitArgs {
        db,
        revision,
        timeout,
        dir,
    } = args;
    let g = match dir {
        Some(d) => Some(source::load_dir(&d)?),
        None => None,
    };
    dbcmd::wait(g.as_ref(), &db, &revision, timeout, out).await
}
