//! The options several commands share.

use super::{dialect, CliError};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Options every command that reads a migration set takes.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The migration set: a directory of `*.sql` revision files and `*.yaml`
    /// operation revisions.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "migrations",
        env = "REVISOR_MIGRATIONS_DIR"
    )]
    pub dir: PathBuf,
}

/// How to reach the database.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// Database URL: postgres://, mysql:// (MariaDB too) or sqlite://. Prefer
    /// the environment variable: arguments are visible to others in `ps`.
    #[arg(
        long,
        value_name = "URL",
        env = "REVISOR_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Version table; `alembic_version` adopts a database Alembic managed.
    #[arg(long, value_name = "NAME", default_value = crate::executor::DEFAULT_VERSION_TABLE, env = "REVISOR_VERSION_TABLE")]
    pub version_table: String,
    /// Seconds to wait for the migration lock.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub lock_timeout: u64,
    /// Leave tables matching this glob out of schema snapshots and drift
    /// checks (repeatable; `*` and `?`).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub drift_exclude: Vec<String>,
    /// Take no schema snapshot after a run or stamp (live drift detection
    /// off, as `spec.drift.policy: Off`).
    #[arg(long)]
    pub no_snapshot: bool,
}

impl DbArgs {
    /// The database URL.
    ///
    /// # Errors
    /// [`CliError::Input`] when none was given.
    pub fn url(&self) -> Result<&str, CliError> {
        self.database
            .as_deref()
            .ok_or_else(|| CliError::Input("needs --database URL (or REVISOR_DATABASE_URL)".into()))
    }
}

/// A database read without the lock (plan, graph, log): optional.
#[derive(Debug, Args)]
pub struct ReadDbArgs {
    /// The database to read the version table of (without the lock).
    #[arg(
        long,
        value_name = "URL",
        env = "REVISOR_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Version table to read with --database.
    #[arg(long, value_name = "NAME", default_value = crate::executor::DEFAULT_VERSION_TABLE, env = "REVISOR_VERSION_TABLE")]
    pub version_table: String,
}

impl ReadDbArgs {
    /// The database as [`DbArgs`], when one was named.
    pub fn db(&self) -> Option<DbArgs> {
        self.database.as_ref().map(|d| DbArgs {
            database: Some(d.clone()),
            version_table: self.version_table.clone(),
            lock_timeout: 0,
            drift_exclude: Vec::new(),
            no_snapshot: false,
        })
    }
}

/// `--sql`: print the script instead of running it (Alembic's offline mode).
#[derive(Debug, Args, Clone)]
pub struct OfflineArgs {
    /// Print the exact SQL the run would execute (transactions, statements,
    /// version-table and history writes, bookkeeping DDL) instead of
    /// running it.
    #[arg(long)]
    pub sql: bool,
    /// With --sql: the version-table rows to start from (comma-separated;
    /// `base` for none) instead of reading --database; no connection is made.
    #[arg(long, value_name = "REV[,REV]", requires = "sql")]
    pub current: Option<String>,
    /// With --sql and no database: the dialect to write for (postgresql,
    /// mysql, sqlite).
    #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
    pub dialect: Option<dialect::DialectName>,
}

/// Options of commands that run migrations.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// per-migration: each step commits alone; all: the whole plan in one
    /// transaction (PostgreSQL and SQLite only).
    #[arg(long, value_enum, default_value_t = TxMode::PerMigration)]
    pub transaction_mode: TxMode,
    /// Run although applied revisions' files changed since they were
    /// applied (checksum mismatch). `--allow-drift` is the old name.
    #[arg(long, visible_alias = "allow-drift")]
    pub allow_checksum_mismatch: bool,
    /// Cancel any single migration statement running longer than this
    /// (PostgreSQL statement_timeout, MariaDB max_statement_time).
    #[arg(long, value_name = "SECONDS")]
    pub statement_timeout: Option<u64>,
}

/// `--transaction-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TxMode {
    /// One transaction per step.
    PerMigration,
    /// One transaction for the whole plan.
    All,
}

impl From<TxMode> for crate::executor::TransactionMode {
    fn from(m: TxMode) -> Self {
        match m {
            TxMode::PerMigration => crate::executor::TransactionMode::PerMigration,
            TxMode::All => crate::executor::TransactionMode::All,
        }
    }
}

/// Output format of commands that print data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// For people.
    Text,
    /// For programs: one JSON document on stdout.
    Json,
}

/// Graph drawing format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz.
    Dot,
    /// Mermaid flowchart.
    Mermaid,
}
