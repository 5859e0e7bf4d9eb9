//! `revisor apply`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor apply` (the command's help is on
/// [`crate::cli::Command::Apply`]).
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The DatabaseSchema manifest.
    #[arg(short = 'f', long = "filename", value_name = "MANIFEST")]
    pub file: PathBuf,
    /// Migration set directory (default: the manifest's inline files).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// Database URL (default: an embedded SQLite file `<metadata.name>.db`).
    #[arg(
        long,
        value_name = "URL",
        env = "REVISOR_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Under `approval: Manual`, the plan hash to run.
    #[arg(long, value_name = "HASH")]
    pub approve: Option<String>,
    /// Print the script the reconcile would run instead (offline mode).
    #[arg(long)]
    pub sql: bool,
    /// With --sql: the version-table rows to start from instead of the database.
    #[arg(long, value_name = "REV[,REV]", requires = "sql")]
    pub current: Option<String>,
    /// With --sql and --current: the dialect to write for.
    #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
    pub dialect: Option<dialect::DialectName>,
}

/// Runs `revisor apply`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: ApplyArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let ApplyArgs {
        file,
        dir,
        database,
        approve,
        sql,
        current,
        dialect,
    } = args;
    apply::apply(
        &file,
        apply::ApplyArgs {
            dir: dir.as_deref(),
            database,
            approve,
            offline: sql.then_some(OfflineArgs {
                sql,
                current,
                dialect,
            }),
        },
        out,
    )
    .await
}
