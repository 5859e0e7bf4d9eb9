//! The controller of DatabaseSchemaSets, in the same `revisor run`
//! process and under the same leader election as the DatabaseSchema
//! controller ([`super::controller`]), which it shares the DatabaseSchema
//! watch with: a set reads its children from that watch's store and is
//! triggered by [`SetTriggers`] fed from it, so 1,000 children are held in
//! memory once.
//!
//! A set is reconciled when:
//! - its generation or `revisor.dev/retry` changes (its own status writes
//!   trigger nothing, as for DatabaseSchemas);
//! - one of its children changes in what the rollout reads (generation,
//!   phase, observed generation, target, a failure's message), not on
//!   every progress write;
//! - a Secret in its namespace changes and matches its selector, or is
//!   the Secret of one of its children (a label removed);
//! - a ConfigMap it reads changes (a new revision moves `head`);
//! - and every recheck interval, as a safety net.

use super::controller::api;
use super::fleet::{self as reconcile, FleetContext};
use crate::fleet::DatabaseSchemaSet;
use crate::resource::DatabaseSchema;
use futures::{Stream, StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::core::PartialObjectMeta;
use kube::runtime::controller::{self, Controller};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, ResourceExt};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What triggers a reconcile of a set from its own watch: its generation
/// and the `revisor.dev/retry` annotation. Pure.
pub fn set_trigger_hash(set: &DatabaseSchemaSet) -> Option<u64> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    set.metadata.generation.hash(&mut h);
    set.annotations()
        .get(crate::resource::RETRY_ANNOTATION)
        .hash(&mut h);
    Some(h.finish())
}

/// The set that controls `child`, if one does.
pub fn owner_set(child: &DatabaseSchema) -> Option<ObjectRef<DatabaseSchemaSet>> {
    let owner = child
        .owner_references()
        .iter()
        .find(|o| o.kind == crate::fleet::KIND && o.controller == Some(true))?;
    Some(ObjectRef::new(&owner.name).within(&child.namespace().unwrap_or_default()))
}

/// What of a child the rollout reads, hashed.
fn child_hash(child: &DatabaseSchema) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    child.metadata.generation.hash(&mut h);
    for o in child.owner_references() {
        o.uid.hash(&mut h);
    }
    if let Some(s) = &child.status {
        s.observed_generation.hash(&mut h);
        format!("{:?}", s.phase).hash(&mut h);
        s.target_revisions.hash(&mut h);
        if matches!(
            s.phase,
            crate::resource::Phase::Failed | crate::resource::Phase::Blocked
        ) {
            s.message.hash(&mut h);
        }
    }
    h.finish()
}

/// Follows the DatabaseSchema watch and says which sets to reconcile: the
/// owner of a child that changed in what the rollout reads. Progress
/// writes (a child's steps) trigger nothing. Pure.
#[derive(Debug, Default)]
pub struct SetTriggers {
    seen: HashMap<ObjectRef<DatabaseSchema>, u64>,
    relisted: Option<HashSet<ObjectRef<DatabaseSchema>>>,
}

impl SetTriggers {
    /// The sets to reconcile after `event`.
    pub fn apply(
        &mut self,
        event: &watcher::Event<DatabaseSchema>,
    ) -> Vec<ObjectRef<DatabaseSchemaSet>> {
        match event {
            watcher::Event::Apply(o) | watcher::Event::InitApply(o) => {
                let r = ObjectRef::from_obj(o);
                if let Some(seen) = &mut self.relisted {
                    seen.insert(r.clone());
                }
                let Some(owner) = owner_set(o) else {
                    // Released (or never owned): the last owner saw the release.
                    return self.seen.remove(&r).map(|_| Vec::new()).unwrap_or_default();
                };
                let h = child_hash(o);
                if self.seen.insert(r, h) == Some(h) {
                    Vec::new()
                } else {
                    vec![owner]
                }
            }
            watcher::Event::Delete(o) => {
                self.seen.remove(&ObjectRef::from_obj(o));
                owner_set(o).into_iter().collect()
            }
            watcher::Event::Init => {
                self.relisted = Some(HashSet::new());
                Vec::new()
            }
            watcher::Event::InitDone => {
                if let Some(seen) = self.relisted.take() {
                    self.seen.retain(|r, _| seen.contains(r));
                }
                Vec::new()
            }
        }
    }

    /// How many children are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// The sets in `sets` that read ConfigMap `cm` (by name or selector).
fn configmap_readers(
    sets: &Store<DatabaseSchemaSet>,
    cm: &PartialObjectMeta<ConfigMap>,
) -> Vec<ObjectRef<DatabaseSchemaSet>> {
    let (ns, name) = (cm.namespace(), cm.name_any());
    sets.state()
        .iter()
        .filter(|s| s.namespace() == ns)
        .filter(|s| {
            let m = s.spec.template.0.get("migrations");
            let by_name = m
                .and_then(|m| m.pointer("/configMapRef/name"))
                .and_then(|v| v.as_str())
                == Some(name.as_str());
            let by_label = m
                .and_then(|m| m.pointer("/configMapSelector/matchLabels"))
                .and_then(|v| v.as_object())
                .is_some_and(|want| {
                    want.iter()
                        .all(|(k, v)| cm.labels().get(k).map(String::as_str) == v.as_str())
                });
            by_name || by_label
        })
        .map(|s| ObjectRef::from_obj(&**s))
        .collect()
}

/// The sets a Secret's change concerns: those whose selector matches it
/// now, and those owning a child of it (it may have stopped matching).
fn secret_readers(
    sets: &Store<DatabaseSchemaSet>,
    schemas: &Store<DatabaseSchema>,
    secret: &PartialObjectMeta<Secret>,
) -> Vec<ObjectRef<DatabaseSchemaSet>> {
    let (ns, name) = (secret.namespace(), secret.name_any());
    let mut out: HashSet<ObjectRef<DatabaseSchemaSet>> = sets
        .state()
        .iter()
        .filter(|s| {
            s.namespace() == ns && s.spec.databases.secret_selector.matches(secret.labels())
        })
        .map(|s| ObjectRef::from_obj(&**s))
        .collect();
    out.extend(
        schemas
            .state()
            .iter()
            .filter(|c| c.namespace() == ns && c.spec.database.url_secret_ref.name == name)
            .filter_map(|c| owner_set(c)),
    );
    out.into_iter().collect()
}

/// Runs the set controller until shutdown. `schemas` is the DatabaseSchema
/// controller's store; `children` yields the sets [`SetTriggers`] names.
pub async fn run(
    client: Client,
    settings: &super::controller::Settings,
    recorder: kube::runtime::events::Recorder,
    schemas: Store<DatabaseSchema>,
    recheck: std::time::Duration,
    children: impl Stream<Item = ObjectRef<DatabaseSchemaSet>> + Send + 'static,
    shutdown: impl std::future::Future<Output = ()> + Send + Sync + 'static,
) {
    // Secrets' names and labels only: annotations can hold a copy of the
    // data (kubectl's last-applied-configuration).
    let namespace = settings.namespace.clone();
    let (secrets, secrets_writer) = reflector::store();
    let secret_events = watcher(
        api::<PartialObjectMeta<Secret>>(&client, &namespace),
        watcher::Config::default(),
    )
    .default_backoff()
    .modify(|m| {
        m.metadata.managed_fields = None;
        m.metadata.annotations = None;
    })
    .reflect(secrets_writer)
    .touched_objects();
    let mut context = FleetContext::new(client.clone(), recorder, secrets, schemas);
    context.recheck = recheck;
    let ctx = Arc::new(context);
    let (sets, sets_writer) = reflector::store();
    let forget = ctx.clone();
    let set_events = watcher(
        api::<DatabaseSchemaSet>(&client, &namespace),
        watcher::Config::default(),
    )
    .default_backoff()
    .modify(|o| o.managed_fields_mut().clear())
    .inspect_ok(move |ev| {
        if let watcher::Event::Delete(s) = ev {
            forget.forget(&s.namespace().unwrap_or_default(), &s.name_any());
        }
    })
    .reflect(sets_writer)
    .applied_objects()
    .predicate_filter(set_trigger_hash, Default::default());
    let (sets_for_secrets, sets_for_cms) = (sets.clone(), sets.clone());
    let schemas = ctx.schemas.clone();
    Controller::for_stream(set_events, sets)
        .with_config(controller::Config::default().concurrency(settings.max_concurrent_reconciles))
        .watches_stream(secret_events, move |s| {
            secret_readers(&sets_for_secrets, &schemas, &s)
        })
        .watches(
            api::<PartialObjectMeta<ConfigMap>>(&client, &namespace),
            watcher::Config::default(),
            move |cm| configmap_readers(&sets_for_cms, &cm),
        )
        .reconcile_on(children)
        .graceful_shutdown_on(shutdown)
        .run(reconcile::reconcile, reconcile::error_policy, ctx)
        .for_each(|r| async move {
            if let Err(e) = r {
                tracing::debug!(error = %crate::redact::redact(&e.to_string()), "set controller");
            }
        })
        .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

    fn child(
        owner: Option<&str>,
        phase: crate::resource::Phase,
        generation: i64,
    ) -> DatabaseSchema {
        let spec = serde_json::from_value(serde_json::json!({
            "targetRevision": "r1",
            "database": {"urlSecretRef": {"name": "tenant-1", "key": "url"}},
            "migrations": {"configMapRef": {"name": "m"}},
        }))
        .unwrap();
        let mut c = DatabaseSchema::new("tenants-tenant-1", spec);
        c.metadata.namespace = Some("saas".into());
        c.metadata.generation = Some(generation);
        c.metadata.owner_references = owner.map(|o| {
            vec![OwnerReference {
                api_version: "revisor.dev/v1alpha1".into(),
                kind: "DatabaseSchemaSet".into(),
                name: o.into(),
                uid: "u1".into(),
                controller: Some(true),
                block_owner_deletion: None,
            }]
        });
        c.status = Some(crate::resource::DatabaseSchemaStatus {
            phase,
            observed_generation: Some(generation),
            ..Default::default()
        });
        c
    }

    #[test]
    fn a_set_hears_of_its_children_only_when_the_rollout_would_see_a_change() {
        use crate::resource::Phase;
        let mut t = SetTriggers::default();
        let apply = |t: &mut SetTriggers, c: &DatabaseSchema| -> Vec<String> {
            t.apply(&watcher::Event::Apply(c.clone()))
                .into_iter()
                .map(|r| format!("{}/{}", r.namespace.unwrap_or_default(), r.name))
                .collect()
        };
        let migrating = child(Some("tenants"), Phase::Migrating, 1);
        assert_eq!(apply(&mut t, &migrating), ["saas/tenants"]);
        // A progress write (a step done) changes nothing the rollout reads.
        let mut progress = migrating.clone();
        progress.status.as_mut().unwrap().message = "applied r1".into();
        progress.status.as_mut().unwrap().progress = Some(crate::resource::Progress::new(1, 3));
        assert!(apply(&mut t, &progress).is_empty());
        // Ready does.
        assert_eq!(
            apply(&mut t, &child(Some("tenants"), Phase::Ready, 1)),
            ["saas/tenants"]
        );
        // A recheck that writes the same status does not.
        assert!(apply(&mut t, &child(Some("tenants"), Phase::Ready, 1)).is_empty());
        // A DatabaseSchema no set owns never triggers, and is not remembered.
        let mut other = child(None, Phase::Ready, 1);
        other.metadata.name = Some("hand-made".into());
        assert!(apply(&mut t, &other).is_empty());
        assert_eq!(t.len(), 1);
        // A deleted child triggers its set.
        let gone: Vec<_> = t.apply(&watcher::Event::Delete(child(
            Some("tenants"),
            Phase::Ready,
            1,
        )));
        assert_eq!(gone.len(), 1);
        assert!(t.is_empty());
    }

    #[test]
    fn only_generation_and_retry_trigger_a_set_from_its_own_watch() {
        let set: DatabaseSchemaSet = serde_json::from_value(serde_json::json!({
            "apiVersion": "revisor.dev/v1alpha1",
            "kind": "DatabaseSchemaSet",
            "metadata": {"name": "tenants", "generation": 1},
            "spec": {
                "databases": {"secretSelector": {"matchLabels": {"a": "b"}}},
                "template": {"targetRevision": "head", "migrations": {"configMapRef": {"name": "m"}}},
            }
        }))
        .unwrap();
        let mut status_write = set.clone();
        status_write.status = Some(crate::fleet::DatabaseSchemaSetStatus {
            summary: "1/2".into(),
            ..Default::default()
        });
        assert_eq!(set_trigger_hash(&set), set_trigger_hash(&status_write));
        let mut retried = set.clone();
        retried
            .metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert(crate::resource::RETRY_ANNOTATION.into(), "1".into());
        assert_ne!(set_trigger_hash(&set), set_trigger_hash(&retried));
        let mut edited = set.clone();
        edited.metadata.generation = Some(2);
        assert_ne!(set_trigger_hash(&set), set_trigger_hash(&edited));
    }
}
