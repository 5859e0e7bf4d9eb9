//! `revisor lint`: its flags and what it runs.

use crate::cli::*;
use clap::Args;
use std::io::Write;

/// The flags of `revisor lint` (the command's help is on
/// [`crate::cli::Command::Lint`]).
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Only the revisions an upgrade from REV to --target applies.
    #[arg(long, value_name = "REV", conflicts_with = "current")]
    pub since: Option<String>,
    /// Only the revisions a plan from these rows to --target applies.
    #[arg(long, value_name = "REV[,REV]")]
    pub current: Option<String>,
    /// Only the revisions a plan from this database's rows applies
    /// (read without the lock).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Version table to read with --database.
    #[arg(long, value_name = "NAME", default_value = crate::executor::DEFAULT_VERSION_TABLE, env = "REVISOR_VERSION_TABLE")]
    pub version_table: String,
    /// The target of --since, --current and --database.
    #[arg(long, default_value = "heads")]
    pub target: String,
    /// The dialect whose rules apply (default: the database URL's, else
    /// postgresql, which has the most locking rules).
    #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
    pub dialect: Option<dialect::DialectName>,
    /// Output: text, json, or github (workflow-command annotations).
    #[arg(short, long, value_enum, default_value_t = lint::LintOutput::Text)]
    pub output: lint::LintOutput,
    /// With --database: a locking finding on a table of at least this
    /// many rows (catalog estimate) is an error; on an empty one, harmless.
    #[arg(long, value_name = "ROWS", default_value_t = crate::lint::LARGE_TABLE_ROWS)]
    pub large_table_rows: u64,
    /// The server version the version-dependent rules assume (15, 8.0.36,
    /// mariadb-10.11); default: --database's, else `[lint] server_version`,
    /// else PostgreSQL 14, MySQL 8.4, SQLite 3.35.
    #[arg(long, value_name = "VERSION", env = "REVISOR_SERVER_VERSION", value_parser = parse_server_version)]
    pub server_version: Option<crate::lint::ServerVersion>,
}

fn parse_server_version(s: &str) -> Result<crate::lint::ServerVersion, String> {
    crate::lint::ServerVersion::parse(s)
}

/// Runs `revisor lint`.
///
/// # Errors
/// [`CliError`], whose exit code the binary exits with.
pub async fn run(args: LintArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let LintArgs {
        set,
        since,
        current,
        database,
        version_table,
        target,
        dialect,
        output,
        large_table_rows,
        server_version,
    } = args;
    let dialect = dialect::resolve(
        dialect,
        &[database.as_deref()],
        dialect::Fallback::Use(crate::dialect::Dialect::default()),
    )?;
    let db = database.map(|d| DbArgs {
        database: Some(d),
        version_table,
        lock_timeout: 0,
        drift_exclude: Vec::new(),
        no_snapshot: false,
    });
    let scope = lint::Scope {
        since: since.as_deref(),
        current: current.as_deref(),
        db: db.as_ref(),
        target: &target,
        large_table_rows,
        server_version,
        config: crate::cli::project::loaded()
            .map(|p| p.lint.clone())
            .unwrap_or_default(),
    };
    lint::run(&set.dir, dialect, scope, output, out).await
}
