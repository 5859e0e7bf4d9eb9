//! `revisor plan`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor plan` (the command's help is on
/// [`crate::cli::Command::Plan`]).
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Target expression: an id or unique prefix, a branch label, head,
    /// heads, base, LABEL@head, ID@head; several joined by commas; with
    /// --upgrade/--downgrade also +N, -N, ID+N, ID-N, LABEL@+N.
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// The version-table rows to plan from, comma-separated; `base` or an
    /// empty value for nothing applied. Instead of --database.
    #[arg(
        long,
        value_name = "REV[,REV]",
        required_unless_present = "database",
        conflicts_with = "database"
    )]
    pub current: Option<String>,
    /// The database (read without the lock).
    #[command(flatten)]
    pub read: ReadDbArgs,
    /// Plan as `alembic upgrade`: apply only.
    #[arg(long, conflicts_with = "downgrade")]
    pub upgrade: bool,
    /// Plan as `alembic downgrade`: unapply only.
    #[arg(long)]
    pub downgrade: bool,
    /// Print the script the plan would run instead (offline mode).
    #[arg(long)]
    pub sql: bool,
    /// With --sql and --current: the dialect to write for.
    #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
    pub dialect: Option<dialect::DialectName>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Runs `revisor plan`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: PlanArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let PlanArgs {
        set,
        target,
        current,
        read,
        upgrade,
        downgrade,
        sql,
        dialect,
        output,
    } = args;
    migrate::plan(
        set, target, current, read, upgrade, downgrade, sql, dialect, output, out,
    )
    .await
}
