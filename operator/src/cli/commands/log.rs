//! `revisor log`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor log` (the command's help is on
/// [`crate::cli::Command::Log`]).
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Only FROM:TO (inclusive; either side may be empty).
    #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
    pub range: Option<String>,
    /// Mark the revisions the database is at (needs --database).
    #[arg(short, long)]
    pub indicate_current: bool,
    /// The database (read without the lock).
    #[command(flatten)]
    pub read: ReadDbArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Runs `revisor log`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: LogArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let LogArgs {
        set,
        range,
        indicate_current,
        read,
        output,
    } = args;
    let g = source::load_dir(&set.dir)?;
    let current = match (indicate_current, read.db()) {
        (false, _) => Vec::new(),
        (true, Some(db)) => dbcmd::heads(&db).await?,
        (true, None) => {
            return Err(CliError::Input(
                "--indicate-current needs --database (or REVISOR_DATABASE_URL)".into(),
            ))
        }
    };
    browse::log(&g, range.as_deref(), &current, output, out)
}
