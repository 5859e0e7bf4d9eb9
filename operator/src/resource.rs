//! The `DatabaseSchema` resource as data: its spec, its status, and the
//! pure function from a run's outcome to a status. No Kubernetes client
//! here: `revisor apply -f` reads these from a file, and the operator will
//! read them from the API server (SPEC.md, "The DatabaseSchema resource").

use crate::executor::ExecError;
use crate::plan::{Plan, StepDirection};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `apiVersion` of the resource.
pub const API_VERSION: &str = "revisor.dev/v1alpha1";
/// `kind` of the resource.
pub const KIND: &str = "DatabaseSchema";

/// A `DatabaseSchema` manifest as a file holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Must be [`API_VERSION`].
    pub api_version: String,
    /// Must be [`KIND`].
    pub kind: String,
    /// Name, namespace, annotations.
    pub metadata: Metadata,
    /// What the database should look like.
    pub spec: DatabaseSchemaSpec,
}

/// The parts of `metadata` Revisor reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Metadata {
    /// Resource name.
    pub name: String,
    /// Namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Annotations (`revisor.dev/approved-plan`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// The annotation that approves a plan under `approval: Manual`.
pub const APPROVED_PLAN_ANNOTATION: &str = "revisor.dev/approved-plan";

/// `spec` of a `DatabaseSchema`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseSchemaSpec {
    /// Any target expression but relative ones.
    pub target_revision: String,
    /// Where the database URL is.
    pub database: DatabaseRef,
    /// Where the migration files are.
    pub migrations: MigrationsSource,
    /// Version table (default `revisor_version`).
    #[serde(default = "default_version_table")]
    pub version_table: String,
    /// Whether the plan may unapply revisions.
    #[serde(default)]
    pub allow_downgrade: bool,
    /// Automatic, or Manual (plans run once their hash is approved).
    #[serde(default)]
    pub approval: Approval,
    /// PerMigration or All.
    #[serde(default)]
    pub transaction_mode: TransactionModeSpec,
    /// Seconds to wait for the migration lock (default 60).
    #[serde(default = "default_lock_timeout")]
    pub lock_timeout_seconds: u64,
    /// Stop reconciling.
    #[serde(default)]
    pub suspend: bool,
}

fn default_version_table() -> String {
    crate::executor::DEFAULT_VERSION_TABLE.to_owned()
}

fn default_lock_timeout() -> u64 {
    crate::executor::DEFAULT_LOCK_TIMEOUT.as_secs()
}

/// `spec.database`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseRef {
    /// A key of a Secret in the same namespace holding the URL.
    pub url_secret_ref: SecretKeyRef,
}

/// A key of a Secret in the resource's namespace.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretKeyRef {
    /// Secret name.
    pub name: String,
    /// Key in it.
    pub key: String,
}

/// `spec.migrations`: exactly one source.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MigrationsSource {
    /// One ConfigMap in the same namespace; its keys are file names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_ref: Option<NameRef>,
    /// Several ConfigMaps by label, for sets over 1 MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map_selector: Option<LabelSelector>,
    /// Files in the resource itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<InlineFiles>,
}

/// A reference by name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NameRef {
    /// The name.
    pub name: String,
}

/// A label selector.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LabelSelector {
    /// Labels that must all match.
    pub match_labels: BTreeMap<String, String>,
}

/// Inline migration files.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InlineFiles {
    /// File name -> contents.
    pub files: BTreeMap<String, String>,
}

/// `spec.approval`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum Approval {
    /// Plans run as soon as they are computed.
    #[default]
    Automatic,
    /// Plans run once `revisor.dev/approved-plan` carries their hash.
    Manual,
}

/// `spec.transactionMode`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum TransactionModeSpec {
    /// Each step in its own transaction.
    #[default]
    PerMigration,
    /// The whole plan in one transaction.
    All,
}

impl From<TransactionModeSpec> for crate::executor::TransactionMode {
    fn from(m: TransactionModeSpec) -> Self {
        match m {
            TransactionModeSpec::PerMigration => crate::executor::TransactionMode::PerMigration,
            TransactionModeSpec::All => crate::executor::TransactionMode::All,
        }
    }
}

/// `status.phase`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub enum Phase {
    /// Not reconciled yet, or waiting for the lock.
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
    /// Refused before running: needs a change to the resource or its inputs.
    Blocked,
    /// A step or the database failed; retried.
    Failed,
}

/// `status`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSchemaStatus {
    /// Lifecycle phase.
    pub phase: Phase,
    /// The version-table rows.
    #[serde(default)]
    pub current_revisions: Vec<String>,
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
}

/// `status.plan`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanStatus {
    /// The plan hash to approve.
    pub hash: String,
    /// The steps.
    pub steps: Vec<PlanStepStatus>,
}

/// One step in `status.plan`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PlanStepStatus {
    /// Revision id.
    pub revision: String,
    /// `up` or `down`.
    pub direction: String,
    /// The revision's message.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// `status.progress`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Progress {
    /// Steps finished.
    pub completed: usize,
    /// Steps in the plan.
    pub total: usize,
}

/// `status.lastApplied`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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

impl PlanStatus {
    /// The plan as status shows it.
    pub fn of(p: &Plan) -> PlanStatus {
        PlanStatus {
            hash: p.hash.clone(),
            steps: p
                .steps
                .iter()
                .map(|s| PlanStepStatus {
                    revision: s.revision.clone(),
                    direction: if s.direction == StepDirection::Up {
                        "up"
                    } else {
                        "down"
                    }
                    .to_owned(),
                    message: s.message.clone(),
                })
                .collect(),
        }
    }
}

/// Status after a successful run of `plan` (which may have had no steps).
pub fn ready(p: &Plan, targets: Vec<String>, last: Option<LastApplied>) -> DatabaseSchemaStatus {
    DatabaseSchemaStatus {
        phase: Phase::Ready,
        current_revisions: p.final_heads.clone(),
        target_revisions: targets,
        plan: Some(PlanStatus::of(p)),
        progress: Some(Progress {
            completed: p.steps.len(),
            total: p.steps.len(),
        }),
        last_applied: last,
        message: if p.steps.is_empty() {
            "at the target revision".to_owned()
        } else {
            format!("applied {} step(s)", p.steps.len())
        },
    }
}

/// Status after a run that did not finish: which phase the error means
/// (Blocked for what needs a change, AwaitingApproval, Pending for a held
/// lock, Failed otherwise) and a message that says what and how to fix it.
/// `planned` is the plan that started running, if one did; `completed`
/// counts its finished steps.
pub fn from_error(
    e: &ExecError,
    current: Vec<String>,
    targets: Vec<String>,
    planned: Option<&Plan>,
    completed: usize,
    last: Option<LastApplied>,
) -> DatabaseSchemaStatus {
    use crate::db::DbError;
    let (phase, plan, progress) = match e {
        ExecError::AwaitingApproval(p) => (
            Phase::AwaitingApproval,
            Some(PlanStatus::of(p)),
            Some(Progress {
                completed: 0,
                total: p.steps.len(),
            }),
        ),
        ExecError::DowngradeNotAllowed(p) => (
            Phase::Blocked,
            Some(PlanStatus::of(p)),
            Some(Progress {
                completed: 0,
                total: p.steps.len(),
            }),
        ),
        ExecError::Plan(_)
        | ExecError::Irreversible(_)
        | ExecError::AllRefused(_)
        | ExecError::Drift(_)
        | ExecError::OrphanUp(_)
        | ExecError::Unsupported(_)
        | ExecError::Unknown(_)
        | ExecError::Dirty { .. } => (Phase::Blocked, None, None),
        ExecError::Db(DbError::LockTimeout { .. }) => (Phase::Pending, None, None),
        ExecError::Db(DbError::TableName(_) | DbError::Scheme(_) | DbError::Url { .. }) => {
            (Phase::Blocked, None, None)
        }
        ExecError::Step { .. } | ExecError::Db(_) => (
            Phase::Failed,
            planned.map(PlanStatus::of),
            planned.map(|p| Progress {
                completed,
                total: p.steps.len(),
            }),
        ),
    };
    // A refused plan knows the rows it would have started from.
    let current = match e {
        ExecError::AwaitingApproval(p) | ExecError::DowngradeNotAllowed(p) => p.from_heads.clone(),
        _ => current,
    };
    DatabaseSchemaStatus {
        phase,
        current_revisions: current,
        target_revisions: targets,
        plan,
        progress,
        last_applied: last,
        message: crate::redact::redact(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let m: Manifest = serde_yaml::from_str(SPEC_EXAMPLE).unwrap();
        assert_eq!(m.spec.target_revision, "1975ea83b712");
        assert_eq!(
            m.spec.migrations.config_map_ref,
            Some(NameRef {
                name: "shop-migrations".into()
            })
        );
        assert_eq!(m.spec.database.url_secret_ref.key, "url");
        assert_eq!(m.metadata.namespace.as_deref(), Some("shop"));
    }

    #[test]
    fn defaults_fill_in_and_unknown_fields_are_refused() {
        let minimal = "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {name: x}\nspec:\n  targetRevision: head\n  database: {urlSecretRef: {name: s, key: url}}\n  migrations: {inline: {files: {}}}\n";
        let m: Manifest = serde_yaml::from_str(minimal).unwrap();
        assert_eq!(m.spec.version_table, "revisor_version");
        assert_eq!(m.spec.lock_timeout_seconds, 60);
        assert_eq!(m.spec.approval, Approval::Automatic);
        let typo = minimal.replace("targetRevision", "targetRevison");
        let err = serde_yaml::from_str::<Manifest>(&typo)
            .unwrap_err()
            .to_string();
        assert!(err.contains("targetRevison"), "{err}");
    }

    #[test]
    fn errors_map_to_phases() {
        let lock = ExecError::Db(crate::db::DbError::LockTimeout {
            seconds: 60,
            holder: Some("pid 7".into()),
        });
        let s = from_error(&lock, vec!["a".into()], vec!["b".into()], None, 0, None);
        assert_eq!(s.phase, Phase::Pending);
        assert!(s.message.contains("held by pid 7"));
        let irreversible = ExecError::Irreversible(vec!["a".into()]);
        assert_eq!(
            from_error(&irreversible, vec![], vec![], None, 0, None).phase,
            Phase::Blocked
        );
        let g = crate::graph::RevisionGraph::from_files(&[
            ("1.sql", "-- revision: a\n-- migrate:up\nSELECT 1;\n"),
            (
                "2.sql",
                "-- revision: b\n-- down_revision: a\n-- migrate:up\nSELECT 1;\n",
            ),
        ])
        .unwrap();
        let p = crate::plan::plan(&g, &[], "b", crate::plan::Mode::Declarative).unwrap();
        let step = ExecError::Step {
            revision: "b".into(),
            direction: "up",
            error: "boom".into(),
            dirty: false,
            completed: 1,
        };
        let s = from_error(&step, vec!["a".into()], vec!["b".into()], Some(&p), 1, None);
        assert_eq!(s.phase, Phase::Failed);
        assert_eq!(
            s.progress,
            Some(Progress {
                completed: 1,
                total: 2
            })
        );
        assert_eq!(s.plan.map(|p| p.steps.len()), Some(2));
        assert!(
            s.message.contains("step up b failed: boom"),
            "{}",
            s.message
        );
    }
}
