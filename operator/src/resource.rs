//! The `DatabaseSchema` resource as data: its spec and its status. Pure: no
//! Kubernetes client here. `revisor apply -f` reads these from a file, and
//! the operator from the API server (SPEC.md, "The DatabaseSchema
//! resource"); [`crate::status`] computes a status from a run's outcome.

use crate::plan::{Plan, StepDirection};
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `apiVersion` of the resource.
pub const API_VERSION: &str = "revisor.dev/v1alpha1";
/// `kind` of the resource.
pub const KIND: &str = "DatabaseSchema";

/// The annotation that approves a plan under `approval: Manual`.
pub const APPROVED_PLAN_ANNOTATION: &str = "revisor.dev/approved-plan";

/// The annotation that says a dirty database was repaired: each new value
/// clears the dirty mark once (SPEC.md, "Database side"), like `revisor resolve`.
pub const RETRY_ANNOTATION: &str = "revisor.dev/retry";

/// The annotation that accepts live schema drift: when its value is the
/// live schema's fingerprint (shown in the `SchemaDrift` condition), the
/// live schema becomes the new snapshot.
pub const ACCEPT_DRIFT_ANNOTATION: &str = "revisor.dev/accept-drift";

// kube generates the resource type `DatabaseSchema` (metadata, this spec,
// a status) from this struct; the doc comments below are what `kubectl
// explain` shows, so they are written for users.
/// The database's desired state: the revision to be at, where the
/// migrations and the database URL are, and the safety gates.
// Each printcolumn(...) has its own `type_`; clippy reads them as duplicates.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Debug, Clone, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "revisor.dev",
    version = "v1alpha1",
    kind = "DatabaseSchema",
    plural = "databaseschemas",
    namespaced,
    status = "DatabaseSchemaStatus",
    shortname = "dbschema",
    shortname = "dbs",
    doc = "Pins a database to a revision of an Alembic-style SQL migration set; the Revisor operator migrates it there.",
    printcolumn(name = "Target", type_ = "string", json_path = ".spec.targetRevision"),
    printcolumn(
        name = "Current",
        type_ = "string",
        json_path = ".status.currentRevision"
    ),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Progress",
        type_ = "string",
        json_path = ".status.progress.summary"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[x_kube(cel)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseSchemaSpec {
    /// The revision the database should be at: a revision id or unique
    /// prefix, a branch label, `head`, `heads`, `base`, `<label>@head`,
    /// `<id>@head`, or several joined by commas. Relative targets (`+1`,
    /// `-1`) are for the CLI only.
    #[x_kube(validation = Rule::new("self.size() > 0 && !self.matches('[+-][0-9]+$')").message("targetRevision must be a non-relative target expression (no +N or -N)"))]
    #[schemars(length(min = 1))]
    pub target_revision: String,
    /// Where the database URL is.
    pub database: DatabaseRef,
    /// Where the migration files are: exactly one of configMapRef,
    /// configMapSelector, inline.
    pub migrations: MigrationsSource,
    /// The version table. `alembic_version` adopts a database Alembic managed.
    #[serde(default = "default_version_table")]
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]{0,53}$"))]
    pub version_table: String,
    /// Whether a plan may unapply revisions. Without it, a plan with down
    /// steps is Blocked.
    #[serde(default)]
    pub allow_downgrade: bool,
    /// Automatic: plans run as soon as they are computed. Manual: a plan runs
    /// once the annotation `revisor.dev/approved-plan` carries its hash
    /// (status.plan.hash).
    #[serde(default)]
    pub approval: Approval,
    /// PerMigration (default): each step commits with its version-table
    /// change. All: the whole plan in one transaction (PostgreSQL and SQLite).
    #[serde(default)]
    pub transaction_mode: TransactionModeSpec,
    /// Seconds to wait for the database migration lock.
    #[serde(default = "default_lock_timeout")]
    #[schemars(range(min = 1))]
    pub lock_timeout_seconds: u64,
    /// Stop reconciling this database.
    #[serde(default)]
    pub suspend: bool,
    /// What a plan with lint findings needs (see `revisor lint`).
    #[serde(default)]
    pub policy: PolicySpec,
    /// Live schema drift: what a change made behind Revisor's back does.
    #[serde(default)]
    pub drift: DriftSpec,
    /// The tool that managed this database before Revisor (its migrations
    /// imported with `revisor import`). Once, before the first plan, while
    /// the version table is empty, the tool's own table is read and the
    /// version it shows stamped; a failed or dirty row, or a version the
    /// migration set lacks, is Blocked. An Alembic database needs none:
    /// set versionTable to alembic_version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopt_from: Option<AdoptFrom>,
}

/// `spec.adoptFrom`: the tools whose tables Revisor reads.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum AdoptFrom {
    /// `flyway_schema_history`.
    #[serde(rename = "flyway")]
    Flyway,
    /// golang-migrate's `schema_migrations`.
    #[serde(rename = "golang-migrate")]
    GolangMigrate,
    /// `goose_db_version`.
    #[serde(rename = "goose")]
    Goose,
    /// dbmate's `schema_migrations`.
    #[serde(rename = "dbmate")]
    Dbmate,
    /// `_sqlx_migrations`.
    #[serde(rename = "sqlx")]
    Sqlx,
}

impl AdoptFrom {
    /// The importer's name for the tool.
    pub fn tool(self) -> crate::import::Tool {
        use crate::import::Tool;
        match self {
            AdoptFrom::Flyway => Tool::Flyway,
            AdoptFrom::GolangMigrate => Tool::GolangMigrate,
            AdoptFrom::Goose => Tool::Goose,
            AdoptFrom::Dbmate => Tool::Dbmate,
            AdoptFrom::Sqlx => Tool::Sqlx,
        }
    }
}

/// `spec.drift`: live schema drift detection (SPEC.md, "Live drift").
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DriftSpec {
    /// Report (default): the SchemaDrift condition, event and gauge say so
    /// and Ready stays True. Block: the next plan does not run (phase
    /// Blocked) until the drift is reverted or accepted.
    #[serde(default)]
    pub policy: DriftPolicy,
    /// Table-name globs (`*`, `?`) left out of snapshots and comparisons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// What live schema drift does.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum DriftPolicy {
    /// Report it; plans still run.
    #[default]
    Report,
    /// Block the next plan until the drift is gone or accepted.
    Block,
    /// No drift detection: no schema snapshot is taken and no recheck
    /// reads the schema (for databases whose schema others change by
    /// design, or where the catalog reads cost too much).
    Off,
}

/// `spec.policy`: what a plan whose up steps have lint findings needs.
/// An approval by plan hash covers the findings shown with that plan.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicySpec {
    /// Destructive and backward-incompatible findings (drops, truncates,
    /// unbounded deletes, renames, NOT NULL without default). Default
    /// RequireApproval.
    #[serde(default = "require_approval")]
    pub destructive: PolicyAction,
    /// Locking findings (table rewrites, indexes without CONCURRENTLY,
    /// constraints without NOT VALID). Default Allow.
    #[serde(default)]
    pub locking_risk: PolicyAction,
}

fn require_approval() -> PolicyAction {
    PolicyAction::RequireApproval
}

impl Default for PolicySpec {
    fn default() -> Self {
        PolicySpec {
            destructive: PolicyAction::RequireApproval,
            locking_risk: PolicyAction::Allow,
        }
    }
}

/// What `spec.policy` does with a kind of finding.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum PolicyAction {
    /// The plan runs.
    #[default]
    Allow,
    /// The plan waits at AwaitingApproval for its hash in
    /// `revisor.dev/approved-plan`, with the findings in status.
    RequireApproval,
    /// The plan is Blocked, with the findings in status.
    Block,
}

impl From<PolicyAction> for crate::plan::policy::Gate {
    fn from(a: PolicyAction) -> Self {
        use crate::plan::policy::Gate;
        match a {
            PolicyAction::Allow => Gate::Allow,
            PolicyAction::RequireApproval => Gate::RequireApproval,
            PolicyAction::Block => Gate::Block,
        }
    }
}

fn default_version_table() -> String {
    crate::defaults::DEFAULT_VERSION_TABLE.to_owned()
}

fn default_lock_timeout() -> u64 {
    crate::defaults::DEFAULT_LOCK_TIMEOUT.as_secs()
}

/// Where the database URL is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseRef {
    /// A key of a Secret in the DatabaseSchema's own namespace holding the
    /// database URL (postgres://, mysql:// or sqlite://).
    pub url_secret_ref: SecretKeyRef,
}

/// A key of a Secret in the DatabaseSchema's namespace (another namespace
/// cannot be named).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretKeyRef {
    /// Secret name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Key in the Secret.
    #[schemars(length(min = 1))]
    pub key: String,
}

/// Where the migration files are: exactly one source.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, KubeSchema)]
#[x_kube(cel, validation = Rule::new("[has(self.configMapRef), has(self.configMapSelector), has(self.inline)].filter(x, x).size() == 1").message("set exactly one of configMapRef, configMapSelector, inline"))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MigrationsSource {
    /// One ConfigMap in the same namespace; each key is a file name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<NameRef>,
    /// Several ConfigMaps in the same namespace, by label, for sets over
    /// 1 MiB; their keys together are the files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_selector: Option<LabelSelector>,
    /// Files in the resource itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<InlineFiles>,
}

/// A reference by name, in the same namespace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NameRef {
    /// The name.
    #[schemars(length(min = 1))]
    pub name: String,
}

/// A label selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Labels that must all match.
    pub match_labels: BTreeMap<String, String>,
}

impl LabelSelector {
    /// Whether `labels` carry every label of the selector.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
    }

    /// The selector as the API's `labelSelector` query (`a=b,c=d`).
    pub fn to_query(&self) -> String {
        self.match_labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Inline migration files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InlineFiles {
    /// File name (`*.sql`) to contents.
    pub files: BTreeMap<String, String>,
}

/// The CustomResourceDefinition as YAML, as `revisor crd` prints it and
/// `crds/databaseschemas.revisor.dev.yaml` holds it.
pub fn crd_yaml() -> String {
    use kube::CustomResourceExt;
    let yaml = serde_yaml::to_string(&DatabaseSchema::crd()).unwrap_or_default();
    format!("# Generated by `revisor crd` from operator/src/resource.rs; do not edit.\n{yaml}")
}

/// `spec.approval`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum Approval {
    /// Plans run as soon as they are computed.
    #[default]
    Automatic,
    /// Plans run once `revisor.dev/approved-plan` carries their hash.
    Manual,
}

/// `spec.transactionMode`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum TransactionModeSpec {
    /// Each step in its own transaction.
    #[default]
    PerMigration,
    /// The whole plan in one transaction.
    All,
}

/// `status.phase`. Each phase means one thing (SPEC.md).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum Phase {
    /// Not reconciled yet, or a transient condition (database unreachable
    /// or out of connections, lock held elsewhere); retried with backoff.
    #[default]
    Pending,
    /// Computing the plan.
    Planning,
    /// A plan waits for its hash to be approved.
    AwaitingApproval,
    /// Running steps.
    Migrating,
    /// At the target.
    Ready,
    /// Refused before running (bad input or a gate): waits for a change to
    /// the resource or its inputs.
    Blocked,
    /// A step ran and failed; retried with backoff.
    Failed,
}

/// `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSchemaStatus {
    /// The metadata.generation this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Pending, Planning, AwaitingApproval, Migrating, Ready, Blocked or Failed.
    pub phase: Phase,
    /// The version-table rows.
    #[serde(default)]
    pub current_revisions: Vec<String>,
    /// The same rows as text (`a1b2`, or `a1b2, c3d4` for several heads), for
    /// the Current column.
    #[serde(default)]
    pub current_revision: String,
    /// The target, resolved to full ids.
    #[serde(default)]
    pub target_revisions: Vec<String>,
    /// The plan computed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanStatus>,
    /// Steps done of the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
    /// The last step that finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied: Option<LastApplied>,
    /// What happened, and what to do about it.
    #[serde(default)]
    pub message: String,
    /// kstatus conditions: Ready, Reconciling, Stalled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition>,
    /// SHA-256 of the inputs (migration files, target, database) that the
    /// last full check found at the target with no drift. While it holds,
    /// the periodic recheck reads only the version table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_digest: Option<String>,
    /// The `revisor.dev/retry` annotation value last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_retry: Option<String>,
}

/// `status.plan`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanStatus {
    /// The plan hash to approve.
    pub hash: String,
    /// The steps: the first 100 (`PLAN_STEPS_SHOWN`), the rest counted in
    /// `omittedSteps`.
    pub steps: Vec<PlanStepStatus>,
    /// How many steps follow those listed (`revisor plan` prints them all).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_steps: usize,
}

/// At most this many steps are listed in `status.plan`: a resource is one
/// object in etcd (1.5 MiB at most) and every status write is sent to
/// every watcher, while an Alembic history brought over can be thousands of
/// revisions long. The hash still covers the whole plan.
pub const PLAN_STEPS_SHOWN: usize = 100;

/// A finding's statement in status is cut to this many characters (a
/// one-line bulk INSERT can be megabytes; `revisor lint` shows it whole).
pub const FINDING_STATEMENT_CHARS: usize = 200;

/// `s` cut to `max` characters, with `...` when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_owned(),
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One step in `status.plan`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct PlanStepStatus {
    /// Revision id.
    pub revision: String,
    /// `up` or `down`.
    pub direction: String,
    /// The revision's message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Lint findings of this step that spec.policy held or blocked the plan for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<StepFinding>,
}

/// A lint finding in status (see `revisor lint`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct StepFinding {
    /// Stable code, e.g. RV102.
    pub code: String,
    /// error or warning.
    pub severity: String,
    /// Line in the revision's file.
    pub line: usize,
    /// The statement.
    pub statement: String,
    /// What it finds and what to do instead.
    pub message: String,
}

/// `status.progress`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub struct Progress {
    /// Steps finished.
    pub completed: usize,
    /// Steps in the plan.
    pub total: usize,
    /// `completed/total`, for the Progress column.
    pub summary: String,
}

impl Progress {
    /// `completed` of `total` steps.
    pub fn new(completed: usize, total: usize) -> Progress {
        Progress {
            completed,
            total,
            summary: format!("{completed}/{total}"),
        }
    }
}

/// `status.lastApplied`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LastApplied {
    /// Revision id.
    pub revision: String,
    /// `up` or `down`.
    pub direction: String,
    /// RFC 3339 UTC.
    pub finished_at: String,
    /// Milliseconds.
    pub duration_ms: u64,
}

impl LastApplied {
    /// The record of a step that just finished after `duration`.
    pub fn finished(
        revision: &str,
        direction: StepDirection,
        duration: std::time::Duration,
    ) -> LastApplied {
        LastApplied {
            revision: revision.to_owned(),
            direction: direction.as_str().to_owned(),
            finished_at: crate::db::tables::now(),
            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl From<crate::outcome::Disposition> for Phase {
    fn from(d: crate::outcome::Disposition) -> Phase {
        use crate::outcome::Disposition;
        match d {
            Disposition::Blocked => Phase::Blocked,
            Disposition::AwaitingApproval => Phase::AwaitingApproval,
            Disposition::Pending => Phase::Pending,
            Disposition::Failed => Phase::Failed,
        }
    }
}

impl PlanStatus {
    /// The plan with `findings` listed on their steps.
    pub fn with_findings(p: &Plan, findings: &[crate::lint::Finding]) -> PlanStatus {
        let mut status = PlanStatus::of(p);
        for step in &mut status.steps {
            step.findings = findings
                .iter()
                .filter(|f| f.revision == step.revision && step.direction == "up")
                .map(|f| StepFinding {
                    code: f.code.to_owned(),
                    severity: format!("{:?}", f.severity).to_lowercase(),
                    line: f.line,
                    statement: shorten(&f.statement, FINDING_STATEMENT_CHARS),
                    message: f.message.clone(),
                })
                .collect();
        }
        status
    }

    /// The plan as status shows it: its first [`PLAN_STEPS_SHOWN`] steps.
    pub fn of(p: &Plan) -> PlanStatus {
        PlanStatus {
            hash: p.hash.clone(),
            omitted_steps: p.steps.len().saturating_sub(PLAN_STEPS_SHOWN),
            steps: p
                .steps
                .iter()
                .take(PLAN_STEPS_SHOWN)
                .map(|s| PlanStepStatus {
                    revision: s.revision.clone(),
                    direction: s.direction.as_str().to_owned(),
                    message: s.message.clone(),
                    findings: Vec::new(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_statements_are_cut_for_status() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcd", 3), "abc...");
        assert_eq!(shorten("ééé", 2), "éé...");
    }

    const SPEC_EXAMPLE: &str = r#"
apiVersion: revisor.dev/v1alpha1
kind: DatabaseSchema
metadata: {name: shop, namespace: shop}
spec:
  targetRevision: 1975ea83b712
  database:
    urlSecretRef: {name: shop-db, key: url}
  migrations:
    configMapRef: {name: shop-migrations}
  versionTable: revisor_version
  allowDowngrade: false
  approval: Automatic
  transactionMode: PerMigration
  lockTimeoutSeconds: 60
  suspend: false
"#;

    #[test]
    fn the_spec_example_parses() {
        let m: DatabaseSchema = serde_yaml::from_str(SPEC_EXAMPLE).unwrap();
        assert_eq!(m.spec.target_revision, "1975ea83b712");
        assert_eq!(
            m.spec.migrations.config_map_ref,
            Some(NameRef {
                name: "shop-migrations".into()
            })
        );
        assert_eq!(m.spec.database.url_secret_ref.key, "url");
        assert_eq!(m.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(m.metadata.name.as_deref(), Some("shop"));
    }

    #[test]
    fn defaults_fill_in_and_unknown_fields_are_refused() {
        let minimal = "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {name: x}\nspec:\n  targetRevision: head\n  database: {urlSecretRef: {name: s, key: url}}\n  migrations: {inline: {files: {}}}\n";
        let m: DatabaseSchema = serde_yaml::from_str(minimal).unwrap();
        assert_eq!(m.spec.version_table, "revisor_version");
        assert_eq!(m.spec.lock_timeout_seconds, 60);
        assert_eq!(m.spec.approval, Approval::Automatic);
        let typo = minimal.replace("targetRevision", "targetRevison");
        let err = serde_yaml::from_str::<DatabaseSchema>(&typo)
            .unwrap_err()
            .to_string();
        assert!(err.contains("targetRevison"), "{err}");
    }
}
