//! The commands and their flags, as clap derives them.

use super::*;
use clap::Subcommand;

/// The `revisor` subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a migration set; exit 2 with every problem listed.
    ///
    /// Example: revisor validate --dir migrations
    Validate(commands::validate::ValidateArgs),
    /// Print the heads of the migration set (revisions no revision names as
    /// down_revision), as `alembic heads` does.
    ///
    /// Example: revisor heads --verbose
    Heads(commands::heads::HeadsArgs),
    /// Print the plan from the current heads to TARGET.
    ///
    /// Default is a declarative plan: unapply what the target does not need,
    /// then apply what it needs. --upgrade and --downgrade plan as Alembic's
    /// `upgrade` and `downgrade` commands do.
    ///
    /// Example: revisor plan head --current 0003_orders -o json
    Plan(commands::plan::PlanArgs),
    /// Apply, parents first, every revision TARGET needs (`alembic upgrade`).
    ///
    /// Example: revisor upgrade head
    Upgrade(commands::upgrade::UpgradeArgs),
    /// Unapply, children first, what descends from TARGET (`alembic downgrade`).
    ///
    /// Example: revisor downgrade -- -1
    Downgrade(commands::downgrade::DowngradeArgs),
    /// Write the version table so TARGET is current, running no SQL (`alembic stamp`).
    ///
    /// Example: revisor stamp head --version-table alembic_version
    Stamp(commands::stamp::StampArgs),
    /// Convert another tool's migration directory into a Revisor migration
    /// set: Flyway, golang-migrate, goose, dbmate or sqlx, read as that
    /// tool reads it, written as a linear chain of revisions whose ids are
    /// the tool's versions; a version without a down script is
    /// irreversible.
    ///
    /// Example: revisor import flyway db/migration --out migrations
    Import(commands::import::ImportArgs),
    /// Stamp a database another tool manages at the revision its table
    /// shows (after `revisor import`), refusing a failed or dirty row or a
    /// version the set lacks; the tool's table is left as it is.
    ///
    /// Example: revisor adopt flyway --database "$DATABASE_URL" --dir migrations
    Adopt(commands::import::AdoptArgs),
    /// Print the version-table rows (`alembic current`).
    ///
    /// Example: revisor current --verbose
    Current(commands::current::CurrentArgs),
    /// One declarative reconcile of a DatabaseSchema manifest, with no cluster;
    /// prints the resulting status as YAML.
    ///
    /// Example: revisor apply -f databaseschema.yaml --dir migrations
    Apply(commands::apply::ApplyArgs),
    /// Block until the database has REVISION applied, for an application's
    /// init container: needs only the database, no cluster and no files.
    ///
    /// Example: revisor wait --revision 0003_orders --timeout 300
    Wait(commands::wait::WaitArgs),
    /// Print every step recorded in the history table.
    ///
    /// Example: revisor history -o json
    History(commands::history::HistoryArgs),
    /// Compare the live schema with the snapshot Revisor took after its
    /// last change: exit 0 when they match, 1 listing the differences (live
    /// drift: someone changed the database by hand). --accept takes the
    /// live schema as the new snapshot.
    ///
    /// Example: revisor drift --database sqlite://shop.db -o json
    Drift(commands::drift::DriftArgs),
    /// Mark a dirty step resolved, after repairing the database by hand.
    ///
    /// Example: revisor resolve
    Resolve(commands::resolve::ResolveArgs),
    /// Print the CustomResourceDefinitions as YAML (what `crds/` holds):
    /// both, as two documents, or the one `--kind` names.
    ///
    /// Example: revisor crd --kind DatabaseSchemaSet > crds/databaseschemasets.revisor.dev.yaml
    Crd(CrdArgs),
    /// Run the operator: reconcile DatabaseSchemas in the cluster KUBECONFIG
    /// (or the pod's service account) points at.
    ///
    /// Example: revisor run --namespace shop --max-concurrent-reconciles 10
    Run(run::RunOptions),
    /// Draw the revision graph.
    ///
    /// Example: revisor graph --format mermaid
    Graph(commands::graph::GraphArgs),
    /// Write a new revision file whose parent is the current head
    /// (`alembic revision`); with --autogenerate, its up and down sections
    /// turn the migration set's schema into the declared one.
    ///
    /// Example: revisor revision --autogenerate -m "add email column"
    #[command(visible_alias = "new")]
    Revision(commands::revision::RevisionArgs),
    /// Exit 0 when autogenerate would write nothing, 1 listing the
    /// differences otherwise (`alembic check`); with --database, the live
    /// database's drift from the declared schema.
    ///
    /// Example: revisor check --dev-database postgres://localhost/postgres
    Check(commands::check::CheckArgs),
    /// Merge several heads into one revision (`alembic merge`).
    ///
    /// Example: revisor merge loyalty@head fulfilment@head -m "merge branches"
    Merge(commands::merge::MergeArgs),
    /// Show one revision: header, parents, children, labels, dependencies,
    /// checksum and both sections (`alembic show`).
    ///
    /// Example: revisor show head
    Show(commands::show::ShowArgs),
    /// List branch points and their children (`alembic branches`).
    ///
    /// Example: revisor branches
    Branches(commands::branches::BranchesArgs),
    /// List the revision files newest first (`alembic history`; `revisor
    /// history` is the database's audit log).
    ///
    /// Example: revisor log -r 0002:head --indicate-current
    Log(commands::log::LogArgs),
    /// Open a revision's file in $VISUAL or $EDITOR (`alembic edit`).
    ///
    /// Example: revisor edit head
    Edit(commands::edit::EditArgs),
    /// Start a project: revisor.toml, schema.sql and migrations/ (`alembic init`).
    ///
    /// Example: revisor init myapp --template sqlite
    Init(commands::init::InitArgs),
    /// List the templates of `init`.
    ///
    /// Example: revisor list-templates
    ListTemplates,
    /// Approve the plan a DatabaseSchema waits on (approval: Manual): print
    /// it, confirm, and set revisor.dev/approved-plan to its hash. With
    /// --set, every child of a DatabaseSchemaSet that waits on the canary's
    /// plan. Uses your kubeconfig; also `kubectl revisor approve`.
    ///
    /// Example: revisor approve shop -n shop --yes
    Approve(commands::approve::ApproveArgs),
    /// Every DatabaseSchema's target, current revision, phase, progress and
    /// message. Uses your kubeconfig; also `kubectl revisor status`.
    ///
    /// Example: revisor status -A
    Status(commands::status::StatusArgs),
    /// Print a shell completion script.
    ///
    /// Example: revisor completion bash > /etc/bash_completion.d/revisor
    Completion(commands::completion::CompletionArgs),
    /// Classify every statement of the revisions in scope: destructive,
    /// backward-incompatible, locking, transaction hazards, irreversible.
    /// Exit 1 on any error-level finding.
    ///
    /// Example: revisor lint --since 0003_orders -o github
    Lint(commands::lint::LintArgs),
    /// Read and compare schemas.
    ///
    /// Example: revisor schema dump --database sqlite://app.db
    Schema(commands::schema::SchemaArgs),
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

/// `revisor crd` arguments.
#[derive(Debug, clap::Args)]
pub struct CrdArgs {
    /// Only this kind's CRD.
    #[arg(long, value_enum)]
    pub kind: Option<CrdKind>,
}

/// The kinds `revisor crd` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CrdKind {
    /// `databaseschemas.revisor.dev`.
    #[value(name = "DatabaseSchema")]
    DatabaseSchema,
    /// `databaseschemasets.revisor.dev`.
    #[value(name = "DatabaseSchemaSet")]
    DatabaseSchemaSet,
}

impl CrdArgs {
    /// The YAML to print.
    pub fn yaml(&self) -> String {
        match self.kind {
            Some(CrdKind::DatabaseSchema) => crate::resource::crd_yaml(),
            Some(CrdKind::DatabaseSchemaSet) => crate::fleet::crd_yaml(),
            None => format!(
                "{}---\n{}",
                crate::resource::crd_yaml(),
                crate::fleet::crd_yaml()
            ),
        }
    }
}
