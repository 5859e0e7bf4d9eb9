//! One reconcile of a `DatabaseSchemaSet`: an adapter around the pure
//! rollout rule ([`crate::fleet::rollout`]).
//!
//! ```text
//! template -> DatabaseSchema spec (pure)          Blocked when it does not fit
//! migration set -> target ids (client, cached by the ConfigMaps' resourceVersions)
//! selected Secrets (metadata store) + children (the DatabaseSchema store)
//!   -> rollout::decide (pure)
//!   -> server-side apply of started children, release of unselected ones
//!   -> status patched only when it changed; events for waves, halts, completion
//! ```
//!
//! The set changes its children only through their spec (and its own
//! owner reference and labels): each child is reconciled by the one
//! DatabaseSchema reconcile, like any other.

use super::dereference::{migration_files, DereferenceError};
use crate::fleet::rollout::{self, Child, ChildStatus, Input};
use crate::fleet::{self, DatabaseSchemaSet, DatabaseSchemaSetStatus, SetPhase};
use crate::graph::RevisionGraph;
use crate::redact::redact;
use crate::resource::{self, DatabaseSchema, DatabaseSchemaSpec, MigrationsSource};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{OwnerReference, Time};
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::Action;
use kube::runtime::events::{EventType, Recorder};
use kube::runtime::reflector::Store;
use kube::{Client, Resource, ResourceExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The field manager of the set's writes (children and its own status).
pub const FIELD_MANAGER: &str = "revisor-set";

/// The field manager of the set's `orphan` finalizer ([`ORPHAN_FINALIZER`]).
pub const FINALIZER_MANAGER: &str = "revisor-set-finalizer";

/// What every set reconcile shares.
pub struct FleetContext {
    /// The API client.
    pub client: Client,
    /// Publishes events.
    pub recorder: Recorder,
    /// Secrets' metadata (names and labels only), for the selectors.
    pub secrets: Store<PartialObjectMeta<Secret>>,
    /// Every DatabaseSchema, as the DatabaseSchema controller's watch
    /// holds it: the children are read from here, never listed.
    pub schemas: Store<DatabaseSchema>,
    /// How often a set is checked again when nothing triggers it.
    pub recheck: std::time::Duration,
    /// The last resolution per set (`namespace/name`): the fingerprint of
    /// its inputs (ConfigMap resourceVersions, target) and the outcome.
    resolved: Mutex<HashMap<String, Resolved>>,
}

/// A set's inputs' fingerprint and what its target resolved to (ids, or
/// why not).
type Resolved = (String, Result<Vec<String>, String>);

impl FleetContext {
    /// A context over the two stores.
    pub fn new(
        client: Client,
        recorder: Recorder,
        secrets: Store<PartialObjectMeta<Secret>>,
        schemas: Store<DatabaseSchema>,
    ) -> FleetContext {
        FleetContext {
            client,
            recorder,
            secrets,
            schemas,
            recheck: super::reconcile::RECHECK,
            resolved: Mutex::default(),
        }
    }

    /// Forgets what is kept for a deleted set.
    pub fn forget(&self, namespace: &str, name: &str) {
        self.resolved
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&format!("{namespace}/{name}"));
    }
}

/// Reconciles one set.
///
/// # Errors
/// The API server's errors (reading the migration set, writing children
/// or status); the controller backs off and retries.
pub async fn reconcile(
    set: Arc<DatabaseSchemaSet>,
    ctx: Arc<FleetContext>,
) -> Result<Action, kube::Error> {
    // A set decided on stores not yet listed would see no children and no
    // Secrets: it would start children already running and write a false
    // status. A store is ready once its first list is in (a relist swaps
    // the new list in whole, never leaving it empty).
    if ctx.schemas.wait_until_ready().await.is_err()
        || ctx.secrets.wait_until_ready().await.is_err()
    {
        return Ok(Action::requeue(std::time::Duration::from_secs(1)));
    }
    let ns = set.namespace().unwrap_or_else(|| "default".into());
    let name = set.name_any();
    let generation = set.metadata.generation;
    let old = set.status.clone().unwrap_or_default();
    let api: Api<DatabaseSchemaSet> = Api::namespaced(ctx.client.clone(), &ns);
    if set.meta().deletion_timestamp.is_some() {
        // Being deleted: Kubernetes' garbage collector lets go of the
        // children (or deletes them, as the delete asked); nothing to do.
        return Ok(Action::await_change());
    }
    if !set.finalizers().iter().any(|f| f == ORPHAN_FINALIZER) {
        orphan_on_delete(&api, &name).await?;
    }
    let key = &set.spec.databases.key;
    let base = match set.spec.template.spec(fleet::database_ref("-", key)) {
        Ok(spec) => spec,
        Err(message) => return block(&ctx, &api, &set, &old, message).await,
    };
    let target = match resolve(&ctx, &ns, &name, &base).await? {
        Ok(ids) => ids,
        Err(message) => return block(&ctx, &api, &set, &old, message).await,
    };
    let base = DatabaseSchemaSpec {
        target_revision: fleet::target_expression(&target),
        ..base
    };
    let desired = |secret: &str| DatabaseSchemaSpec {
        database: fleet::database_ref(secret, key),
        ..base.clone()
    };
    let selector = &set.spec.databases.secret_selector;
    let databases: Vec<String> = ctx
        .secrets
        .state()
        .iter()
        .filter(|s| s.namespace().as_deref() == Some(ns.as_str()) && selector.matches(s.labels()))
        .map(|s| s.name_any())
        .collect();
    let uid = set.uid().unwrap_or_default();
    let owned: Vec<Arc<DatabaseSchema>> = ctx
        .schemas
        .state()
        .into_iter()
        .filter(|c| {
            c.namespace().as_deref() == Some(ns.as_str())
                && c.owner_references().iter().any(|o| o.uid == uid)
        })
        .collect();
    let children: Vec<Child> = owned
        .iter()
        .map(|c| {
            let secret = c.spec.database.url_secret_ref.name.clone();
            Child {
                name: c.name_any(),
                updated: fleet::is_desired(&c.spec, &base, &fleet::database_ref(&secret, key)),
                secret,
                generation: c.metadata.generation,
                status: c.status.as_ref().map(|s| ChildStatus {
                    phase: s.phase,
                    observed_generation: s.observed_generation,
                    target_revisions: s.target_revisions.clone(),
                    message: s.message.clone(),
                }),
            }
        })
        .collect();
    let retry = set.annotations().get(resource::RETRY_ANNOTATION).cloned();
    let decision = rollout::decide(
        &Input {
            rollout: &set.spec.rollout,
            target: &target,
            databases: &databases,
            children: &children,
            old: &old,
            retry: retry.as_deref(),
            generation,
        },
        now(),
    );

    let schemas: Api<DatabaseSchema> = Api::namespaced(ctx.client.clone(), &ns);
    let owner = owner_reference(&set);
    for secret in &decision.start {
        let child = child_object(&set, &owner, secret, &desired(secret));
        schemas
            .patch(
                &fleet::child_name(&name, secret),
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&child),
            )
            .await?;
    }
    for child in &decision.release {
        release(&schemas, &owned, child, &uid).await?;
    }
    if !decision.start.is_empty() {
        let stage = if decision.canary { "canary" } else { "wave" };
        let note = format!(
            "{stage}: {} database(s) to {}: {}",
            decision.start.len(),
            fleet::target_expression(&target),
            decision.start.join(", ")
        );
        event(&ctx, &set, EventType::Normal, "WaveStarted", note).await;
    }
    let status = decision.status;
    if status.phase != old.phase {
        match status.phase {
            SetPhase::Halted => {
                let note = status.message.clone();
                event(&ctx, &set, EventType::Warning, "Halted", note).await;
            }
            SetPhase::Ready if status.databases.total > 0 => {
                let note = status.message.clone();
                event(&ctx, &set, EventType::Normal, "RolloutCompleted", note).await;
            }
            _ => {}
        }
    }
    let phase = status.phase;
    write_status(&api, &set, &old, status).await?;
    tracing::debug!(set = %format!("{ns}/{name}"), ?phase, started = decision.start.len(), "set reconciled");
    // Children's changes trigger the set; the recheck is a safety net.
    Ok(Action::requeue(super::reconcile::jittered(ctx.recheck)))
}

/// Writes a Blocked status (and an event when it is new); the set waits
/// for a change.
async fn block(
    ctx: &FleetContext,
    api: &Api<DatabaseSchemaSet>,
    set: &DatabaseSchemaSet,
    old: &DatabaseSchemaSetStatus,
    message: String,
) -> Result<Action, kube::Error> {
    let message = redact(&message);
    let status = rollout::blocked(old, message.clone(), set.metadata.generation, now());
    if write_status(api, set, old, status).await? {
        event(ctx, set, EventType::Warning, "Blocked", message).await;
    }
    Ok(Action::await_change())
}

/// The template's target as revision ids, resolved against its migration
/// set; the inner error says why it does not resolve (Blocked). The
/// migration files are read again only when a ConfigMap's resourceVersion
/// or the target changed: one metadata read per reconcile otherwise.
async fn resolve(
    ctx: &FleetContext,
    ns: &str,
    name: &str,
    spec: &DatabaseSchemaSpec,
) -> Result<Result<Vec<String>, String>, kube::Error> {
    let fingerprint = match fingerprint(&ctx.client, ns, &spec.migrations).await? {
        Ok(f) => format!("{f}|{}", spec.target_revision),
        Err(message) => return Ok(Err(message)),
    };
    let key = format!("{ns}/{name}");
    if let Some((f, outcome)) = ctx
        .resolved
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
    {
        if *f == fingerprint {
            return Ok(outcome.clone());
        }
    }
    let outcome = match migration_files(&ctx.client, ns, &spec.migrations).await {
        Ok(files) => target_ids(&files, &spec.target_revision),
        Err(DereferenceError::Api(e)) => return Err(e),
        Err(e) => Err(template_field(&e.to_string())),
    };
    ctx.resolved
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, (fingerprint, outcome.clone()));
    Ok(outcome)
}

/// The revision ids `target` resolves to in the migration set `files`.
/// Pure.
///
/// # Errors
/// The migration set's errors or the target's, as text naming the field.
pub fn target_ids(files: &[(String, String)], target: &str) -> Result<Vec<String>, String> {
    let graph = RevisionGraph::from_files(files)
        .map_err(|e| format!("spec.template.migrations: the migration set is invalid: {e}"))?;
    let found = graph
        .resolve_targets(target)
        .map_err(|e| format!("spec.template.targetRevision: {e}"))?;
    Ok(graph.ids(found.iter().copied()))
}

/// A reference to `spec.migrations` in a message, as the set's field.
fn template_field(message: &str) -> String {
    message.replace("spec.migrations", "spec.template.migrations")
}

/// What the migration source is now, in one metadata read: the ConfigMaps'
/// names and resourceVersions, or a digest of inline files.
async fn fingerprint(
    client: &Client,
    ns: &str,
    sources: &MigrationsSource,
) -> Result<Result<String, String>, kube::Error> {
    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let version = |m: &PartialObjectMeta<ConfigMap>| {
        format!(
            "{}@{}",
            m.name_any(),
            m.resource_version().unwrap_or_default()
        )
    };
    if let Some(r) = &sources.config_map_ref {
        return Ok(match configmaps.get_metadata_opt(&r.name).await? {
            Some(m) => Ok(version(&m)),
            None => Err(format!(
                "ConfigMap {ns}/{} (spec.template.migrations.configMapRef) not found",
                r.name
            )),
        });
    }
    if let Some(sel) = &sources.config_map_selector {
        let list = configmaps
            .list_metadata(&ListParams::default().labels(&sel.to_query()))
            .await?;
        let mut versions: Vec<String> = list.items.iter().map(version).collect();
        versions.sort();
        return Ok(Ok(versions.join(",")));
    }
    let text = serde_json::to_string(&sources.inline).unwrap_or_default();
    Ok(Ok(crate::revision::checksum(&text)))
}

/// Kubernetes' own finalizer that makes the garbage collector orphan an
/// object's dependents when it is deleted (`metav1.FinalizerOrphanDependents`).
pub const ORPHAN_FINALIZER: &str = "orphan";

/// Deleting a set keeps its children by default: the set carries
/// Kubernetes' `orphan` finalizer, which the garbage collector itself acts
/// on (it removes the children's owner references, then the finalizer), so
/// deletion never waits on Revisor and works with the operator gone. A
/// delete that names a propagation policy (`kubectl delete dbss NAME
/// --cascade=background`) overrides it and deletes the DatabaseSchemas
/// (never a database). Applied with a field manager of its own, as one
/// member of the finalizer set: other finalizers stay.
async fn orphan_on_delete(api: &Api<DatabaseSchemaSet>, name: &str) -> Result<(), kube::Error> {
    let patch = serde_json::json!({
        "apiVersion": resource::API_VERSION,
        "kind": fleet::KIND,
        "metadata": {"name": name, "finalizers": [ORPHAN_FINALIZER]},
    });
    api.patch(
        name,
        &PatchParams::apply(FINALIZER_MANAGER),
        &Patch::Apply(&patch),
    )
    .await
    .map(|_| ())
}

/// The set as its children's controller owner. No `blockOwnerDeletion`:
/// deleting the set never waits on a child.
fn owner_reference(set: &DatabaseSchemaSet) -> OwnerReference {
    OwnerReference {
        api_version: resource::API_VERSION.into(),
        kind: fleet::KIND.into(),
        name: set.name_any(),
        uid: set.uid().unwrap_or_default(),
        controller: Some(true),
        block_owner_deletion: None,
    }
}

/// The child object the set applies for `secret`.
fn child_object(
    set: &DatabaseSchemaSet,
    owner: &OwnerReference,
    secret: &str,
    spec: &DatabaseSchemaSpec,
) -> serde_json::Value {
    let mut labels = serde_json::Map::new();
    for (label, value) in [
        (fleet::SET_LABEL, set.name_any()),
        (fleet::SECRET_LABEL, secret.to_owned()),
    ] {
        if value.len() <= 63 && !value.contains('.') {
            labels.insert(label.into(), value.into());
        }
    }
    serde_json::json!({
        "apiVersion": resource::API_VERSION,
        "kind": resource::KIND,
        "metadata": {
            "name": fleet::child_name(&set.name_any(), secret),
            "labels": labels,
            "ownerReferences": [owner],
        },
        "spec": spec,
    })
}

/// Lets go of child `name`: drops the set's owner reference and label, so
/// deleting the set no longer deletes it. The child and its database stay.
async fn release(
    api: &Api<DatabaseSchema>,
    owned: &[Arc<DatabaseSchema>],
    name: &str,
    uid: &str,
) -> Result<(), kube::Error> {
    let Some(child) = owned.iter().find(|c| c.name_any() == name) else {
        return Ok(());
    };
    let others: Vec<&OwnerReference> = child
        .owner_references()
        .iter()
        .filter(|o| o.uid != uid)
        .collect();
    let patch = serde_json::json!({
        "metadata": {
            "ownerReferences": others,
            "labels": {fleet::SET_LABEL: null},
        }
    });
    api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await?;
    Ok(())
}

/// Writes `status` when it differs from `old` (transition times aside);
/// returns whether it wrote.
async fn write_status(
    api: &Api<DatabaseSchemaSet>,
    set: &DatabaseSchemaSet,
    old: &DatabaseSchemaSetStatus,
    status: DatabaseSchemaSetStatus,
) -> Result<bool, kube::Error> {
    if !rollout::differs(old, &status) {
        return Ok(false);
    }
    let patch = serde_json::json!({
        "apiVersion": resource::API_VERSION,
        "kind": fleet::KIND,
        "status": status,
    });
    api.patch_status(
        &set.name_any(),
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(true)
}

/// Publishes an event about the set (best effort).
async fn event(
    ctx: &FleetContext,
    set: &DatabaseSchemaSet,
    type_: EventType,
    reason: &str,
    note: String,
) {
    let regarding = set.object_ref(&());
    super::reconcile::publish(&ctx.recorder, &regarding, type_, reason, reason, &note).await;
}

fn now() -> Time {
    Time(k8s_openapi::jiff::Timestamp::now())
}

/// Backoff for a set whose reconcile failed at the API server.
pub fn error_policy(
    set: Arc<DatabaseSchemaSet>,
    err: &kube::Error,
    _: Arc<FleetContext>,
) -> Action {
    tracing::warn!(set = %set.name_any(), error = %redact(&err.to_string()), "set reconcile failed; retrying");
    Action::requeue(super::reconcile::backoff(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_resolves_to_ids_or_names_the_field() {
        let files = vec![
            (
                "1.sql".to_owned(),
                "-- revision: a1b2c3\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n".to_owned(),
            ),
            (
                "2.sql".to_owned(),
                "-- revision: b2\n-- down_revision: a1b2c3\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n".to_owned(),
            ),
        ];
        assert_eq!(target_ids(&files, "head").unwrap(), ["b2"]);
        assert_eq!(target_ids(&files, "a1b2").unwrap(), ["a1b2c3"]);
        assert!(target_ids(&files, "base").unwrap().is_empty());
        let err = target_ids(&files, "zz").unwrap_err();
        assert!(err.starts_with("spec.template.targetRevision:"), "{err}");
        let bad = vec![("1.sql".to_owned(), "-- revision: a\nnonsense".to_owned())];
        assert!(target_ids(&bad, "head")
            .unwrap_err()
            .starts_with("spec.template.migrations:"));
    }
}
