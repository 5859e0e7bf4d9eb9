//! Fleets: one migration set and one target for many databases (SPEC.md,
//! "Fleets: one schema, many databases"). The `DatabaseSchemaSet`
//! resource as data, the names and specs of the `DatabaseSchema`s it owns
//! (its children, one per selected Secret), and the rollout rule
//! ([`rollout::decide`]) that says which children get the new target now.
//! Pure: the set controller ([`crate::k8s::fleet`]) does the I/O.

pub mod approval;
pub mod rollout;

use crate::resource::{DatabaseRef, DatabaseSchemaSpec, LabelSelector, SecretKeyRef};
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `kind` of the resource.
pub const KIND: &str = "DatabaseSchemaSet";

/// The label a child carries with its set's name (when the name fits a
/// label value, 63 characters), for `kubectl get dbs -l revisor.dev/set=NAME`.
pub const SET_LABEL: &str = "revisor.dev/set";

/// The label a child carries with the name of its database's Secret.
pub const SECRET_LABEL: &str = "revisor.dev/secret";

// kube generates `DatabaseSchemaSet` (metadata, this spec, a status) from
// this struct; the doc comments are what `kubectl explain` shows.
/// Many databases (one per Secret the selector matches) kept at one
/// revision of one migration set, rolled out canary first, then in waves.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, KubeSchema, Debug, Clone, Serialize, Deserialize, PartialEq)]
#[kube(
    group = "revisor.dev",
    version = "v1alpha1",
    kind = "DatabaseSchemaSet",
    plural = "databaseschemasets",
    namespaced,
    status = "DatabaseSchemaSetStatus",
    shortname = "dbss",
    doc = "Rolls one Alembic-style SQL migration set out to many databases (one per selected Secret), canary first, then in waves; owns one DatabaseSchema per database.",
    printcolumn(
        name = "Target",
        type_ = "string",
        json_path = ".spec.template.targetRevision"
    ),
    printcolumn(name = "Databases", type_ = "string", json_path = ".status.summary"),
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseSchemaSetSpec {
    /// Which databases: every Secret in the set's namespace that the
    /// selector matches is one database, its URL under `key`.
    pub databases: DatabaseSelector,
    /// The spec of every database's DatabaseSchema, without `database`
    /// (the set fills it in from the Secret). The target is resolved to
    /// revision ids by the set and rolled out in waves: a moved `head` rolls
    /// out like a changed target.
    pub template: SchemaTemplate,
    /// How a new target reaches the databases.
    #[serde(default)]
    pub rollout: Rollout,
}

/// `spec.databases`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, KubeSchema)]
#[x_kube(cel, validation = Rule::new("self.secretSelector.matchLabels.size() > 0").message("secretSelector.matchLabels must name at least one label: an empty selector would take every Secret in the namespace"))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseSelector {
    /// Secrets in the set's namespace with all these labels are the
    /// databases (metadata only is watched; a Secret is read by its own
    /// DatabaseSchema's reconcile, as any other).
    pub secret_selector: LabelSelector,
    /// The key of each Secret that holds the database URL.
    #[serde(default = "default_key")]
    #[schemars(length(min = 1))]
    pub key: String,
}

fn default_key() -> String {
    "url".into()
}

/// `spec.rollout`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rollout {
    /// How many databases (the first by Secret name) get a new target
    /// first, alone; the others wait until they are Ready. 0 skips the
    /// canary. A failed canary halts the rollout whatever failurePolicy says.
    #[serde(default = "default_canary")]
    #[schemars(range(min = 0))]
    pub canary: u32,
    /// How many databases may be migrating at once after the canary
    /// (planning, migrating or awaiting approval; counted over all of the
    /// set's databases).
    #[serde(default = "default_max_parallel")]
    #[schemars(range(min = 1))]
    pub max_parallel: u32,
    /// Halt (default): after a database fails (phase Failed or Blocked at
    /// the new target) no other database starts until the set changes or
    /// the annotation revisor.dev/retry gets a new value. Continue: the
    /// rollout goes on around failed databases.
    #[serde(default)]
    pub failure_policy: FailurePolicy,
}

fn default_canary() -> u32 {
    1
}

fn default_max_parallel() -> u32 {
    10
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout {
            canary: default_canary(),
            max_parallel: default_max_parallel(),
            failure_policy: FailurePolicy::default(),
        }
    }
}

/// `spec.rollout.failurePolicy`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum FailurePolicy {
    /// Start no other database after a failure.
    #[default]
    Halt,
    /// Go on with the other databases.
    Continue,
}

/// `spec.template`: a DatabaseSchema spec without `database`, kept as the
/// JSON the API server holds and read into a [`DatabaseSchemaSpec`] by
/// [`SchemaTemplate::spec`]. Its schema is DatabaseSchema's spec schema
/// (with its CEL rules and docs) less `database`, so the two cannot drift
/// apart.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct SchemaTemplate(pub serde_json::Map<String, serde_json::Value>);

impl JsonSchema for SchemaTemplate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SchemaTemplate".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let mut schema = DatabaseSchemaSpec::json_schema(generator);
        if let Some(props) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) {
            props.remove("database");
        }
        if let Some(required) = schema.get_mut("required").and_then(|r| r.as_array_mut()) {
            required.retain(|r| r != "database");
        }
        schema.insert(
            "description".into(),
            "A DatabaseSchema spec without `database`.".into(),
        );
        schema
    }
}

impl SchemaTemplate {
    /// The template as the spec of the DatabaseSchema of `database`.
    ///
    /// # Errors
    /// The field that does not fit a DatabaseSchema spec, as
    /// `spec.template: <serde's message>`.
    pub fn spec(&self, database: DatabaseRef) -> Result<DatabaseSchemaSpec, String> {
        let mut m = self.0.clone();
        if m.contains_key("database") {
            return Err(
                "spec.template.database: the set fills in each database from its Secret; remove it"
                    .into(),
            );
        }
        m.insert(
            "database".into(),
            serde_json::to_value(database).map_err(|e| e.to_string())?,
        );
        serde_json::from_value(serde_json::Value::Object(m))
            .map_err(|e| format!("spec.template: {e}"))
    }
}

/// The database reference of the child for Secret `secret`.
pub fn database_ref(secret: &str, key: &str) -> DatabaseRef {
    DatabaseRef {
        url_secret_ref: SecretKeyRef {
            name: secret.to_owned(),
            key: key.to_owned(),
        },
    }
}

/// Whether `child` is `desired` with `database` as its database: the
/// desired spec of a child, compared field by field without building it
/// (a template with inline files would be copied once per child and
/// reconcile otherwise). Every field is named, so a new field of the spec
/// cannot be forgotten here.
pub fn is_desired(
    child: &DatabaseSchemaSpec,
    desired: &DatabaseSchemaSpec,
    database: &DatabaseRef,
) -> bool {
    let DatabaseSchemaSpec {
        target_revision,
        database: child_database,
        migrations,
        version_table,
        allow_downgrade,
        approval,
        transaction_mode,
        lock_timeout_seconds,
        suspend,
        policy,
        drift,
        adopt_from,
    } = child;
    child_database == database
        && *target_revision == desired.target_revision
        && *migrations == desired.migrations
        && *version_table == desired.version_table
        && *allow_downgrade == desired.allow_downgrade
        && *approval == desired.approval
        && *transaction_mode == desired.transaction_mode
        && *lock_timeout_seconds == desired.lock_timeout_seconds
        && *suspend == desired.suspend
        && *policy == desired.policy
        && *drift == desired.drift
        && *adopt_from == desired.adopt_from
}

/// The child's `spec.targetRevision` for resolved revision ids: the ids
/// joined by commas (the target expression for several heads), or `base`
/// when the target resolved to none.
pub fn target_expression(ids: &[String]) -> String {
    if ids.is_empty() {
        "base".into()
    } else {
        ids.join(",")
    }
}

/// Longest child name: a DNS-1123 label, so the name can also be a label
/// value.
pub const MAX_CHILD_NAME: usize = 63;

/// The name of set `set`'s child for Secret `secret`: `<set>-<secret>`,
/// lower-cased, with any character outside `[a-z0-9-]` (a Secret name may
/// hold dots) as `-`. A name over [`MAX_CHILD_NAME`] is cut and ends in
/// `-` and the first 8 hex digits of the SHA-256 of the whole name, so two
/// long names that share a prefix stay apart and the same inputs always
/// give the same name.
pub fn child_name(set: &str, secret: &str) -> String {
    let full: String = format!("{set}-{secret}")
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-') => c,
            _ => '-',
        })
        .collect();
    if full.len() <= MAX_CHILD_NAME {
        return full;
    }
    let digest = Sha256::digest(full.as_bytes());
    let hash = crate::sqltext::hex(&digest[..4]);
    let keep = full[..MAX_CHILD_NAME - hash.len() - 1].trim_end_matches('-');
    format!("{keep}-{hash}")
}

/// `status.phase` of a set.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
pub enum SetPhase {
    /// The rollout is under way (or not started).
    #[default]
    Progressing,
    /// Every database is Ready at the set's target.
    Ready,
    /// A database failed and failurePolicy is Halt (or it was a canary):
    /// no other database starts until the set changes or is retried.
    Halted,
    /// The set itself is unusable (its template, migration set or target):
    /// no database is touched until it changes.
    Blocked,
}

/// `status` of a set.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSchemaSetStatus {
    /// The metadata.generation this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Progressing, Ready, Halted or Blocked.
    pub phase: SetPhase,
    /// The template's target resolved to revision ids: what every database
    /// is being moved to.
    #[serde(default)]
    pub target_revisions: Vec<String>,
    /// Databases by state.
    #[serde(default)]
    pub databases: DatabaseCounts,
    /// `ready/total`, for the Databases column.
    #[serde(default)]
    pub summary: String,
    /// Databases whose DatabaseSchema is Failed or Blocked, the first 20 by
    /// Secret name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<DatabaseFailure>,
    /// What happened, and what to do about it.
    #[serde(default)]
    pub message: String,
    /// kstatus conditions: Ready, Reconciling, Stalled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition>,
    /// The `revisor.dev/retry` annotation value last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_retry: Option<String>,
    /// Databases (Secret names) whose failure at targetRevisions a retry
    /// let the rollout pass; cleared when the target changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resumed: Vec<String>,
}

/// `status.databases`: every selected database is counted once.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseCounts {
    /// Selected databases (matching Secrets).
    pub total: usize,
    /// Ready at the set's target.
    pub ready: usize,
    /// On their way to a target (pending, planning, migrating), or given
    /// the target this moment.
    pub progressing: usize,
    /// Waiting for a plan approval.
    pub awaiting_approval: usize,
    /// Not given the target yet: their wave has not come.
    pub waiting: usize,
    /// Failed (a step ran and failed).
    pub failed: usize,
    /// Blocked (bad input or a gate).
    pub blocked: usize,
}

/// One failed database in `status.failures`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseFailure {
    /// The Secret's name.
    pub database: String,
    /// The DatabaseSchema's name (`kubectl describe dbs NAME`).
    pub database_schema: String,
    /// Failed or Blocked.
    pub phase: String,
    /// The DatabaseSchema's status message (no URL or password).
    pub message: String,
}

/// At most this many failures are listed in status.
pub const FAILURES_SHOWN: usize = 20;

/// The CustomResourceDefinition as YAML, as `revisor crd` prints it and
/// `crds/databaseschemasets.revisor.dev.yaml` holds it.
pub fn crd_yaml() -> String {
    use kube::CustomResourceExt;
    let yaml = serde_yaml::to_string(&DatabaseSchemaSet::crd()).unwrap_or_default();
    format!("# Generated by `revisor crd` from operator/src/fleet/mod.rs; do not edit.\n{yaml}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_names_join_set_and_secret_and_stay_dns_labels() {
        assert_eq!(child_name("tenants", "tenant-42"), "tenants-tenant-42");
        assert_eq!(child_name("t", "db.eu-1"), "t-db-eu-1");
        let long = "x".repeat(80);
        let a = child_name("tenants", &format!("{long}a"));
        let b = child_name("tenants", &format!("{long}b"));
        assert!(a.len() <= MAX_CHILD_NAME && b.len() <= MAX_CHILD_NAME);
        assert_ne!(a, b, "a cut name keeps a hash of the whole");
        assert_eq!(a, child_name("tenants", &format!("{long}a")));
        assert!(a.starts_with("tenants-xxx"));
        // A cut at a dash leaves no double dash.
        let dashy = child_name(&"a".repeat(53), "-----------b");
        assert!(!dashy.contains("--"), "{dashy}");
    }

    #[test]
    fn the_template_is_a_spec_without_database() {
        let t: SchemaTemplate = serde_json::from_value(serde_json::json!({
            "targetRevision": "head",
            "migrations": {"configMapRef": {"name": "m"}},
            "approval": "Manual",
        }))
        .unwrap();
        let spec = t.spec(database_ref("tenant-1", "url")).unwrap();
        assert_eq!(spec.database.url_secret_ref.name, "tenant-1");
        assert_eq!(spec.approval, crate::resource::Approval::Manual);
        assert_eq!(spec.version_table, "revisor_version");
        let mut typo = t.clone();
        typo.0.insert("targetRevison".into(), "x".into());
        let err = typo.spec(database_ref("s", "url")).unwrap_err();
        assert!(err.contains("targetRevison"), "{err}");
        let mut with_db = t.clone();
        with_db.0.insert("database".into(), serde_json::json!({}));
        assert!(with_db
            .spec(database_ref("s", "url"))
            .unwrap_err()
            .contains("spec.template.database"));
    }

    #[test]
    fn the_template_schema_is_the_spec_schema_without_database() {
        use kube::CustomResourceExt;
        let crd = serde_json::to_value(DatabaseSchemaSet::crd()).unwrap();
        let spec = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"];
        let template = &spec["properties"]["template"];
        assert!(template["properties"]["database"].is_null());
        assert!(template["properties"]["targetRevision"]["x-kubernetes-validations"].is_array());
        assert_eq!(
            template["required"],
            serde_json::json!(["migrations", "targetRevision"])
        );
    }

    #[test]
    fn a_child_is_desired_when_only_its_database_differs_from_the_template() {
        let t: SchemaTemplate = serde_json::from_value(serde_json::json!({
            "targetRevision": "r1",
            "migrations": {"inline": {"files": {"1.sql": "x"}}},
        }))
        .unwrap();
        let desired = t.spec(database_ref("-", "url")).unwrap();
        let db = database_ref("tenant-1", "url");
        let child = t.spec(db.clone()).unwrap();
        assert!(is_desired(&child, &desired, &db));
        assert!(!is_desired(
            &child,
            &desired,
            &database_ref("tenant-2", "url")
        ));
        assert!(!is_desired(
            &child,
            &desired,
            &database_ref("tenant-1", "dsn")
        ));
        let mut moved = child.clone();
        moved.target_revision = "r2".into();
        assert!(!is_desired(&moved, &desired, &db));
        let mut suspended = child.clone();
        suspended.suspend = true;
        assert!(!is_desired(&suspended, &desired, &db));
    }

    #[test]
    fn several_ids_are_one_target_expression_and_none_is_base() {
        assert_eq!(target_expression(&[]), "base");
        assert_eq!(target_expression(&["a".into(), "b".into()]), "a,b");
    }
}
