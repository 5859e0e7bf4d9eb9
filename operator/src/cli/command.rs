//! The commands and their flags, as clap derives them.

use super::*;
use clap::Subcommand;

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
