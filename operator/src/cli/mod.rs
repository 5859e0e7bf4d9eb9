//! The `revisor` command line: clap commands and their output.
//!
//! Exit codes (SPEC.md, "The CLI"): 0 success, 1 a runtime failure, 2 bad
//! input (unknown target, invalid migration set, bad flags), with the reason
//! on stderr.

mod apply;
mod autogen;
mod browse;
pub mod cluster;
mod dbcmd;
pub mod dialect;
mod draw;
mod init;
mod lint;
mod new;
mod offline;
pub mod project;
mod run;

pub use run::DEFAULT_MAX_CONCURRENT_RECONCILES;

use crate::graph::RevisionGraph;
use crate::plan::{self, Mode, Plan, StepDirection};
use crate::source::{self, SourceError};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;

/// Revisor: Alembic-compatible schema migrations, for GitOps.
#[derive(Debug, Parser)]
#[command(name = "revisor", version, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

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
    /// Run although applied revisions changed since they were applied.
    #[arg(long)]
    pub allow_drift: bool,
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

/// The `revisor` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a migration set; exit 2 with every problem listed.
    ///
    /// Example: revisor validate --dir migrations
    Validate {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
    },
    /// Print the heads of the migration set (revisions no revision names as
    /// down_revision), as `alembic heads` does.
    ///
    /// Example: revisor heads --verbose
    Heads {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Print only real heads: those no revision depends on either.
        #[arg(long)]
        resolve_dependencies: bool,
        /// Print each head in full (parent, labels, path, message).
        #[arg(short, long)]
        verbose: bool,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Print the plan from the current heads to TARGET.
    ///
    /// Default is a declarative plan: unapply what the target does not need,
    /// then apply what it needs. --upgrade and --downgrade plan as Alembic's
    /// `upgrade` and `downgrade` commands do.
    ///
    /// Example: revisor plan head --current 0003_orders -o json
    Plan {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Target expression: an id or unique prefix, a branch label, head,
        /// heads, base, LABEL@head, ID@head; several joined by commas; with
        /// --upgrade/--downgrade also +N, -N, ID+N, ID-N, LABEL@+N.
        #[arg(allow_hyphen_values = true)]
        target: String,
        /// The version-table rows to plan from, comma-separated; `base` or an
        /// empty value for nothing applied. Instead of --database.
        #[arg(
            long,
            value_name = "REV[,REV]",
            required_unless_present = "database",
            conflicts_with = "database"
        )]
        current: Option<String>,
        /// The database (read without the lock).
        #[command(flatten)]
        read: ReadDbArgs,
        /// Plan as `alembic upgrade`: apply only.
        #[arg(long, conflicts_with = "downgrade")]
        upgrade: bool,
        /// Plan as `alembic downgrade`: unapply only.
        #[arg(long)]
        downgrade: bool,
        /// Print the script the plan would run instead (offline mode).
        #[arg(long)]
        sql: bool,
        /// With --sql and --current: the dialect to write for.
        #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
        dialect: Option<dialect::DialectName>,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Apply, parents first, every revision TARGET needs (`alembic upgrade`).
    ///
    /// Example: revisor upgrade head
    Upgrade {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// How to run.
        #[command(flatten)]
        run: RunArgs,
        /// Offline mode.
        #[command(flatten)]
        offline: OfflineArgs,
        /// Output format of --sql.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Target expression, relative ones included (`+1`, `shop@+2`).
        #[arg(allow_hyphen_values = true)]
        target: String,
    },
    /// Unapply, children first, what descends from TARGET (`alembic downgrade`).
    ///
    /// Example: revisor downgrade -- -1
    Downgrade {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// How to run.
        #[command(flatten)]
        run: RunArgs,
        /// Offline mode.
        #[command(flatten)]
        offline: OfflineArgs,
        /// Output format of --sql.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Target expression, relative ones included (`-1`, `shop@-1`), or `base`.
        #[arg(allow_hyphen_values = true)]
        target: String,
    },
    /// Write the version table so TARGET is current, running no SQL (`alembic stamp`).
    ///
    /// Example: revisor stamp head --version-table alembic_version
    Stamp {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// Offline mode.
        #[command(flatten)]
        offline: OfflineArgs,
        /// Output format of --sql.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Target expression.
        target: String,
        /// Replace every row, not only those on TARGET's lineage.
        #[arg(long)]
        purge: bool,
    },
    /// Print the version-table rows (`alembic current`).
    ///
    /// Example: revisor current --verbose
    Current {
        /// Where the migration set is (optional: marks heads and messages).
        #[command(flatten)]
        set: SetArgs,
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// Print each revision in full (parent, labels, path, message).
        #[arg(short, long)]
        verbose: bool,
    },
    /// One declarative reconcile of a DatabaseSchema manifest, with no cluster;
    /// prints the resulting status as YAML.
    ///
    /// Example: revisor apply -f databaseschema.yaml --dir migrations
    Apply {
        /// The DatabaseSchema manifest.
        #[arg(short = 'f', long = "filename", value_name = "MANIFEST")]
        file: PathBuf,
        /// Migration set directory (default: the manifest's inline files).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Database URL (default: an embedded SQLite file `<metadata.name>.db`).
        #[arg(
            long,
            value_name = "URL",
            env = "REVISOR_DATABASE_URL",
            hide_env_values = true
        )]
        database: Option<String>,
        /// Under `approval: Manual`, the plan hash to run.
        #[arg(long, value_name = "HASH")]
        approve: Option<String>,
        /// Print the script the reconcile would run instead (offline mode).
        #[arg(long)]
        sql: bool,
        /// With --sql: the version-table rows to start from instead of the database.
        #[arg(long, value_name = "REV[,REV]", requires = "sql")]
        current: Option<String>,
        /// With --sql and --current: the dialect to write for.
        #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
        dialect: Option<dialect::DialectName>,
    },
    /// Block until the database has REVISION applied, for an application's
    /// init container: needs only the database, no cluster and no files.
    ///
    /// Example: revisor wait --revision 0003_orders --timeout 300
    Wait {
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// Revision id(s), comma-separated (with --dir, any target expression).
        #[arg(long, value_name = "REV")]
        revision: String,
        /// Give up after this many seconds and exit 1 (0: wait forever).
        #[arg(long, value_name = "SECONDS", default_value_t = 0)]
        timeout: u64,
        /// Migration set, to resolve expressions and ancestors (optional).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Print every step recorded in the history table.
    ///
    /// Example: revisor history -o json
    History {
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Compare the live schema with the snapshot Revisor took after its
    /// last change: exit 0 when they match, 1 listing the differences (live
    /// drift: someone changed the database by hand). --accept takes the
    /// live schema as the new snapshot.
    ///
    /// Example: revisor drift --database sqlite://shop.db -o json
    Drift {
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
        /// Take the live schema as the new snapshot (under the migration lock).
        #[arg(long)]
        accept: bool,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Mark a dirty step resolved, after repairing the database by hand.
    ///
    /// Example: revisor resolve
    Resolve {
        /// Where the database is.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Print the DatabaseSchema CustomResourceDefinition as YAML (what
    /// `crds/` holds).
    ///
    /// Example: revisor crd > crds/databaseschemas.revisor.dev.yaml
    Crd,
    /// Run the operator: reconcile DatabaseSchemas in the cluster KUBECONFIG
    /// (or the pod's service account) points at.
    ///
    /// Example: revisor run --namespace shop --max-concurrent-reconciles 10
    Run(run::RunOptions),
    /// Draw the revision graph.
    ///
    /// Example: revisor graph --format mermaid
    Graph {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Drawing format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
        format: GraphFormat,
        /// The database (read without the lock).
        #[command(flatten)]
        read: ReadDbArgs,
    },
    /// Write a new revision file whose parent is the current head
    /// (`alembic revision`); with --autogenerate, its up and down sections
    /// turn the migration set's schema into the declared one.
    ///
    /// Example: revisor revision --autogenerate -m "add email column"
    #[command(visible_alias = "new")]
    Revision {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// The revision's message; also names the file.
        #[arg(short, long)]
        message: String,
        /// Parent revision(s) instead of the single head: an expression such
        /// as `shop@head`, several joined by commas (a merge), or `base` for
        /// a new root.
        #[arg(long, value_name = "TARGET")]
        head: Option<String>,
        /// Branch label(s) for the new revision, comma-separated.
        #[arg(long)]
        branch_label: Option<String>,
        /// Revisions or labels the new revision depends on, comma-separated.
        #[arg(long)]
        depends_on: Option<String>,
        /// The revision id instead of a random 12-digit hex one.
        #[arg(long)]
        rev_id: Option<String>,
        /// Allow --head to name a revision that is not a head, starting a
        /// new branch from it (as Alembic's --splice).
        #[arg(long)]
        splice: bool,
        /// Write the sections from the difference between the migration
        /// set's heads (or --database) and the declared schema.
        #[arg(long)]
        autogenerate: bool,
        /// The file to write: `sql` (a `.sql` revision) or `ops` (a `.yaml`
        /// operation revision, rendered per dialect when it runs, its
        /// downgrade derived).
        #[arg(long, value_name = "FORMAT", value_parser = ["sql", "ops"], default_value = "sql")]
        format: String,
        /// Where the schemas come from (with --autogenerate).
        #[command(flatten)]
        auto: autogen::AutogenArgs,
    },
    /// Exit 0 when autogenerate would write nothing, 1 listing the
    /// differences otherwise (`alembic check`); with --database, the live
    /// database's drift from the declared schema.
    ///
    /// Example: revisor check --dev-database postgres://localhost/postgres
    Check {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Where the schemas come from.
        #[command(flatten)]
        auto: autogen::AutogenArgs,
    },
    /// Merge several heads into one revision (`alembic merge`).
    ///
    /// Example: revisor merge loyalty@head fulfilment@head -m "merge branches"
    Merge {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// The revisions to merge (two or more; expressions such as `heads`).
        #[arg(required = true)]
        revisions: Vec<String>,
        /// The merge revision's message.
        #[arg(short, long)]
        message: String,
        /// Branch label(s) for the merge revision.
        #[arg(long)]
        branch_label: Option<String>,
        /// The revision id instead of a random one.
        #[arg(long)]
        rev_id: Option<String>,
    },
    /// Show one revision: header, parents, children, labels, dependencies,
    /// checksum and both sections (`alembic show`).
    ///
    /// Example: revisor show head
    Show {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// The revision (any expression naming one).
        revision: String,
    },
    /// List branch points and their children (`alembic branches`).
    ///
    /// Example: revisor branches
    Branches {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
    },
    /// List the revision files newest first (`alembic history`; `revisor
    /// history` is the database's audit log).
    ///
    /// Example: revisor log -r 0002:head --indicate-current
    Log {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Only FROM:TO (inclusive; either side may be empty).
        #[arg(short = 'r', long = "rev-range", value_name = "FROM:TO")]
        range: Option<String>,
        /// Mark the revisions the database is at (needs --database).
        #[arg(short, long)]
        indicate_current: bool,
        /// The database (read without the lock).
        #[command(flatten)]
        read: ReadDbArgs,
        /// Output format.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Open a revision's file in $VISUAL or $EDITOR (`alembic edit`).
    ///
    /// Example: revisor edit head
    Edit {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// The revision.
        revision: String,
    },
    /// Start a project: revisor.toml, schema.sql and migrations/ (`alembic init`).
    ///
    /// Example: revisor init myapp --template sqlite
    Init {
        /// The directory (created if missing; must be empty unless --force).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// The template (see `revisor list-templates`).
        #[arg(long, short, default_value = "sqlite")]
        template: String,
        /// Write into a directory that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// List the templates of `init`.
    ///
    /// Example: revisor list-templates
    ListTemplates,
    /// Approve the plan a DatabaseSchema waits on (approval: Manual): print
    /// it, confirm, and set revisor.dev/approved-plan to its hash. Uses
    /// your kubeconfig; also `kubectl revisor approve`.
    ///
    /// Example: revisor approve shop -n shop --yes
    Approve {
        /// The DatabaseSchema.
        name: String,
        /// Its namespace (default: the kubeconfig context's).
        #[arg(short, long)]
        namespace: Option<String>,
        /// Approve without asking.
        #[arg(short, long)]
        yes: bool,
    },
    /// Every DatabaseSchema's target, current revision, phase, progress and
    /// message. Uses your kubeconfig; also `kubectl revisor status`.
    ///
    /// Example: revisor status -A
    Status {
        /// Only this namespace (default: the kubeconfig context's).
        #[arg(short, long, conflicts_with = "all_namespaces")]
        namespace: Option<String>,
        /// All namespaces.
        #[arg(short = 'A', long)]
        all_namespaces: bool,
    },
    /// Print a shell completion script.
    ///
    /// Example: revisor completion bash > /etc/bash_completion.d/revisor
    Completion {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Classify every statement of the revisions in scope: destructive,
    /// backward-incompatible, locking, transaction hazards, irreversible.
    /// Exit 1 on any error-level finding.
    ///
    /// Example: revisor lint --since 0003_orders -o github
    Lint {
        /// Where the migration set is.
        #[command(flatten)]
        set: SetArgs,
        /// Only the revisions an upgrade from REV to --target applies.
        #[arg(long, value_name = "REV", conflicts_with = "current")]
        since: Option<String>,
        /// Only the revisions a plan from these rows to --target applies.
        #[arg(long, value_name = "REV[,REV]")]
        current: Option<String>,
        /// Only the revisions a plan from this database's rows applies
        /// (read without the lock).
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Version table to read with --database.
        #[arg(long, value_name = "NAME", default_value = crate::executor::DEFAULT_VERSION_TABLE, env = "REVISOR_VERSION_TABLE")]
        version_table: String,
        /// The target of --since, --current and --database.
        #[arg(long, default_value = "heads")]
        target: String,
        /// The dialect whose rules apply (default: the database URL's, else
        /// postgresql, which has the most locking rules).
        #[arg(long, value_name = "DIALECT", env = "REVISOR_DIALECT", value_enum)]
        dialect: Option<dialect::DialectName>,
        /// Output: text, json, or github (workflow-command annotations).
        #[arg(short, long, value_enum, default_value_t = lint::LintOutput::Text)]
        output: lint::LintOutput,
        /// With --database: a locking finding on a table of at least this
        /// many rows (catalog estimate) is an error; on an empty one, harmless.
        #[arg(long, value_name = "ROWS", default_value_t = crate::lint::LARGE_TABLE_ROWS)]
        large_table_rows: u64,
    },
    /// Read and compare schemas.
    ///
    /// Example: revisor schema dump --database sqlite://app.db
    Schema {
        /// What to do.
        #[command(subcommand)]
        command: SchemaCommand,
    },
}

/// `revisor schema` subcommands.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Print a live database's schema as declared-schema DDL (a starting
    /// schema.sql for an existing database).
    ///
    /// Example: revisor schema dump --database sqlite://shop.db > schema.sql
    Dump {
        /// Options; --database (or REVISOR_DATABASE_URL) names the database.
        #[command(flatten)]
        auto: autogen::AutogenArgs,
    },
    /// Print the SQL that turns FROM into TO; each is a schema file or
    /// directory, a database URL, or a revision of the set (replayed).
    ///
    /// Example: revisor schema diff 0003_orders schema.sql
    Diff {
        /// Where the migration set is (for revision sides).
        #[command(flatten)]
        set: SetArgs,
        /// The schema to start from.
        from: String,
        /// The schema to reach.
        to: String,
        /// Options.
        #[command(flatten)]
        auto: autogen::AutogenArgs,
        /// text: the SQL; json: operations, up and down.
        #[arg(short, long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
}

/// A command's failure, sorted by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A failure the engine classified; it keeps its [`Class`] (reason and
    /// disposition), so the exit code and any machine-readable report come
    /// from the same place as the operator's phase and condition reason.
    #[error("{message}")]
    Classified {
        /// Why, as the engine said.
        class: crate::outcome::Class,
        /// The message, redacted.
        message: String,
    },
    /// Bad input the command itself found (flags, files): exit code 2.
    #[error("{0}")]
    Input(String),
    /// A runtime failure of the command itself (output, a timeout): exit
    /// code 1.
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    /// The error for a failure of `class` (the message is redacted).
    pub fn classified(class: crate::outcome::Class, message: String) -> CliError {
        CliError::Classified {
            class,
            message: crate::redact::redact(&message),
        }
    }

    /// The reason, for a failure the engine classified.
    pub fn reason(&self) -> Option<crate::outcome::Reason> {
        match self {
            CliError::Classified { class, .. } => Some(class.reason),
            _ => None,
        }
    }

    /// The process exit code (SPEC.md, "The CLI"): 2 for bad input
    /// (Blocked), 1 for runtime failures (Pending, Failed, and a plan
    /// left waiting for approval by a command that cannot wait).
    pub fn exit_code(&self) -> u8 {
        use crate::outcome::Disposition;
        match self {
            CliError::Classified { class, .. } => match class.disposition {
                Disposition::Blocked => 2,
                Disposition::AwaitingApproval | Disposition::Pending | Disposition::Failed => 1,
            },
            CliError::Input(_) => 2,
            CliError::Runtime(_) => 1,
        }
    }
}

impl From<SourceError> for CliError {
    fn from(e: SourceError) -> Self {
        CliError::classified(
            crate::outcome::Reason::InvalidMigrationSet.class(),
            e.to_string(),
        )
    }
}

impl From<plan::PlanError> for CliError {
    fn from(e: plan::PlanError) -> Self {
        CliError::classified(crate::outcome::Reason::InvalidTarget.class(), e.to_string())
    }
}

fn runtime(e: std::io::Error) -> CliError {
    CliError::Runtime(e.to_string())
}

/// Runs one command, writing its output to `out`.
///
/// # Errors
/// [`CliError`], whose [`CliError::exit_code`] the binary exits with.
pub async fn run(cli: Cli, out: &mut dyn Write) -> Result<(), CliError> {
    match cli.command {
        Command::Validate { set } => {
            let g = source::load_dir(&set.dir)?;
            writeln!(
                out,
                "{}: {} revisions, {} heads, valid",
                set.dir.display(),
                g.len(),
                g.heads().len()
            )
            .map_err(runtime)
        }
        Command::Heads {
            set,
            resolve_dependencies,
            verbose,
            output,
        } => {
            let g = source::load_dir(&set.dir)?;
            let heads = if resolve_dependencies {
                g.real_heads()
            } else {
                g.heads()
            };
            if verbose && output == Output::Text {
                for &h in heads {
                    writeln!(out, "{}", browse::verbose(&g, &set.dir, h)).map_err(runtime)?;
                }
                return Ok(());
            }
            print_heads(&g, heads, output, out).map_err(runtime)
        }
        Command::Plan {
            set,
            target,
            current,
            read,
            upgrade,
            downgrade,
            sql,
            dialect,
            output,
        } => {
            let g = source::load_dir(&set.dir)?;
            let mode = match (upgrade, downgrade) {
                (true, _) => Mode::Upgrade,
                (_, true) => Mode::Downgrade,
                _ => Mode::Declarative,
            };
            if sql {
                let db = DbArgs {
                    database: read.database.clone(),
                    version_table: read.version_table.clone(),
                    lock_timeout: 0,
                    drift_exclude: Vec::new(),
                };
                let off = OfflineArgs {
                    sql,
                    current: current.clone(),
                    dialect,
                };
                let start = offline::start(&g, &db, &off, None).await?;
                let opts = dbcmd::options(&db, None);
                return offline::run(&g, &start, &target, mode, &opts, output, out).await;
            }
            let database_dialect = read
                .database
                .as_deref()
                .and_then(|d| crate::db::Dialect::from_url(d).ok());
            let state = match read.db() {
                Some(db) if current.is_none() => Some(dbcmd::state(&g, &db).await?),
                _ => None,
            };
            let current = match (&current, &state) {
                (Some(c), _) => parse_current(c),
                (None, Some(s)) => s.heads.clone(),
                (None, None) => Vec::new(),
            };
            let graph = state.as_ref().map_or(&g, |s| s.graph(&g));
            let p = plan::plan(graph, &current, &target, mode)?;
            match output {
                Output::Json => {
                    serde_json::to_writer_pretty(&mut *out, &plan_json(&p))
                        .map_err(|e| CliError::Runtime(e.to_string()))?;
                    writeln!(out).map_err(runtime)?;
                }
                Output::Text => print_plan(&p, out).map_err(runtime)?,
            }
            // The rules a run would apply to this plan, so that a printed
            // plan is exactly what would run (or be refused).
            let facts = state.as_ref().map(|s| s.facts.clone()).unwrap_or_default();
            let dialect = database_dialect.unwrap_or_default();
            let policy = crate::executor::Options::default().policy(mode, &target, dialect);
            match crate::plan::policy::check(graph, &p, &facts, &policy) {
                Ok(()) => Ok(()),
                Err(refusal) => {
                    use crate::outcome::Classify;
                    Err(CliError::classified(refusal.class(), refusal.to_string()))
                }
            }
        }
        Command::Upgrade {
            set,
            db,
            run,
            offline,
            output,
            target,
        } => {
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
        Command::Downgrade {
            set,
            db,
            run,
            offline,
            output,
            target,
        } => {
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
        Command::Stamp {
            set,
            db,
            offline,
            output,
            target,
            purge,
        } => {
            let g = source::load_dir(&set.dir)?;
            if offline.sql {
                let (from, target) = offline::range(&target);
                let start = offline::start(&g, &db, &offline, from).await?;
                let opts = dbcmd::options(&db, None);
                return offline::stamp(&g, &start, target, purge, &opts, output, out).await;
            }
            dbcmd::stamp(&g, &db, &target, purge, out).await
        }
        Command::Current { set, db, verbose } => {
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
        Command::History { db, output } => dbcmd::history(&db, output, out).await,
        Command::Run(opts) => run::run(opts).await,
        Command::Crd => out
            .write_all(crate::resource::crd_yaml().as_bytes())
            .map_err(runtime),
        Command::Wait {
            db,
            revision,
            timeout,
            dir,
        } => {
            let g = match dir {
                Some(d) => Some(source::load_dir(&d)?),
                None => None,
            };
            dbcmd::wait(g.as_ref(), &db, &revision, timeout, out).await
        }
        Command::Apply {
            file,
            dir,
            database,
            approve,
            sql,
            current,
            dialect,
        } => {
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
        Command::Resolve { db } => dbcmd::resolve(&db, out).await,
        Command::Drift { db, accept, output } => dbcmd::drift(&db, accept, output, out).await,
        Command::Graph { set, format, read } => {
            let g = source::load_dir(&set.dir)?;
            let applied = match read.db() {
                Some(db) => dbcmd::applied_for_graph(&g, &db).await?,
                None => Vec::new(),
            };
            let text = match format {
                GraphFormat::Dot => draw::dot(&g, &applied),
                GraphFormat::Mermaid => draw::mermaid(&g, &applied),
            };
            out.write_all(text.as_bytes()).map_err(runtime)
        }
        Command::Revision {
            set,
            message,
            head,
            branch_label,
            depends_on,
            rev_id,
            splice,
            autogenerate,
            format,
            auto,
        } => {
            let opts = new::NewRevision {
                message,
                head,
                branch_label,
                depends_on,
                rev_id,
                splice,
                ops: (format == "ops").then(String::new),
                ..Default::default()
            };
            if autogenerate {
                return autogen::revision(&set.dir, opts, &auto, out).await;
            }
            let path = new::write(&set.dir, &opts)?;
            writeln!(out, "{}", path.display()).map_err(runtime)
        }
        Command::Check { set, auto } => autogen::check(&set.dir, &auto, out).await,
        Command::Merge {
            set,
            revisions,
            message,
            branch_label,
            rev_id,
        } => {
            let g = source::load_dir(&set.dir)?;
            let parents = browse::merge_parents(&g, &revisions)?;
            let opts = new::NewRevision {
                message,
                head: Some(parents),
                branch_label,
                rev_id,
                splice: true,
                ..Default::default()
            };
            let path = new::write(&set.dir, &opts)?;
            writeln!(out, "{}", path.display()).map_err(runtime)
        }
        Command::Show { set, revision } => {
            let g = source::load_dir(&set.dir)?;
            browse::show(&g, &set.dir, &revision, out)
        }
        Command::Branches { set } => browse::branches(&source::load_dir(&set.dir)?, out),
        Command::Log {
            set,
            range,
            indicate_current,
            read,
            output,
        } => {
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
        Command::Edit { set, revision } => {
            browse::edit(&source::load_dir(&set.dir)?, &set.dir, &revision)
        }
        Command::Init {
            dir,
            template,
            force,
        } => init::init(&dir, &template, force, out),
        Command::ListTemplates => init::list(out),
        Command::Lint {
            set,
            since,
            current,
            database,
            version_table,
            target,
            dialect,
            output,
            large_table_rows,
        } => {
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
            });
            let scope = lint::Scope {
                since: since.as_deref(),
                current: current.as_deref(),
                db: db.as_ref(),
                target: &target,
                large_table_rows,
            };
            lint::run(&set.dir, dialect, scope, output, out).await
        }
        Command::Approve {
            name,
            namespace,
            yes,
        } => {
            let client = cluster::client().await?;
            let stdin = std::io::stdin();
            cluster::approve(
                &client,
                namespace.as_deref(),
                &name,
                yes,
                &mut stdin.lock(),
                out,
            )
            .await
        }
        Command::Status {
            namespace,
            all_namespaces,
        } => {
            let client = cluster::client().await?;
            cluster::status(&client, namespace.as_deref(), all_namespaces, out).await
        }
        Command::Completion { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "revisor", out);
            Ok(())
        }
        Command::Schema { command } => match command {
            SchemaCommand::Dump { auto } => {
                let url = auto
                    .database
                    .clone()
                    .or_else(|| std::env::var("REVISOR_DATABASE_URL").ok())
                    .ok_or_else(|| {
                        CliError::Input(
                            "schema dump needs --database URL (or REVISOR_DATABASE_URL)".into(),
                        )
                    })?;
                autogen::dump(&url, &auto, out).await
            }
            SchemaCommand::Diff {
                set,
                from,
                to,
                auto,
                output,
            } => autogen::diff(&set.dir, &from, &to, &auto, output, out).await,
        },
    }
}

/// `upgrade` / `downgrade`: the run, or with `--sql` its script.
#[allow(clippy::too_many_arguments)]
async fn migrate(
    set: &SetArgs,
    db: &DbArgs,
    run: &RunArgs,
    off: &OfflineArgs,
    output: Output,
    target: &str,
    mode: Mode,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let g = source::load_dir(&set.dir)?;
    if off.sql {
        let (from, target) = offline::range(target);
        let start = offline::start(&g, db, off, from).await?;
        let opts = dbcmd::options(db, Some(run));
        let result = offline::run(&g, &start, target, mode, &opts, output, out).await;
        crate::par::drop_later(g);
        return result;
    }
    dbcmd::migrate(&g, db, run, target, mode, out).await
}

/// The plan as `plan -o json` prints it: SPEC.md's fields, and on each step
/// also the rows after it (`heads_after`).
fn plan_json(p: &Plan) -> serde_json::Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    if let Some(steps) = v.get_mut("steps").and_then(serde_json::Value::as_array_mut) {
        for (step, rows) in steps.iter_mut().zip(p.heads_after()) {
            step["heads_after"] = serde_json::json!(rows);
        }
    }
    v
}

/// `--current` as revision ids: comma-separated; `base` or empty is none.
fn parse_current(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty() && *r != "base")
        .map(str::to_owned)
        .collect()
}

fn print_heads(
    g: &RevisionGraph,
    heads: &[usize],
    output: Output,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match output {
        Output::Json => {
            let v: Vec<serde_json::Value> = heads
                .iter()
                .map(|&h| {
                    let r = g.rev(h);
                    serde_json::json!({"revision": r.id, "branch_labels": r.branch_labels, "message": r.message})
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        Output::Text => {
            for &h in heads {
                let r = g.rev(h);
                let labels = if r.branch_labels.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.branch_labels.join(", "))
                };
                writeln!(
                    out,
                    "{}{} (head){}",
                    r.id,
                    labels,
                    if r.message.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", r.message)
                    }
                )?;
            }
            Ok(())
        }
    }
}

fn print_plan(p: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    let show = |v: &[String]| {
        if v.is_empty() {
            "base".to_owned()
        } else {
            v.join(", ")
        }
    };
    writeln!(
        out,
        "Plan: {:?}, {} step(s), from [{}] to [{}]",
        p.direction,
        p.steps.len(),
        show(&p.from_heads),
        show(&p.final_heads)
    )?;
    for (i, s) in p.steps.iter().enumerate() {
        let dir = match s.direction {
            StepDirection::Up => "up  ",
            StepDirection::Down => "down",
        };
        let mut notes = Vec::new();
        if !s.transactional {
            notes.push("non-transactional");
        }
        if !s.reversible {
            notes.push("IRREVERSIBLE");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join(", "))
        };
        writeln!(
            out,
            "  {:>3}. {dir} {}{notes}  {}",
            i + 1,
            s.revision,
            s.message
        )?;
    }
    writeln!(out, "hash: {}", p.hash)
}
