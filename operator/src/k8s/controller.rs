//! The controller of `revisor run`: watches DatabaseSchemas and the
//! ConfigMaps and Secrets they reference, and runs [`reconcile`] for each,
//! at most `--max-concurrent-reconciles` at a time.
//!
//! Sized for a large cluster (SPEC.md, "The operator process"):
//! - DatabaseSchema events pass a [trigger filter](trigger_hash): the
//!   generation and the `revisor.dev/approved-plan` and `revisor.dev/retry`
//!   annotations. A status write (ours, every one a watch event) triggers
//!   nothing.
//! - ConfigMaps and Secrets are watched as metadata only, and an event is
//!   mapped to the DatabaseSchemas that read the object through a
//!   [`RefIndex`] kept from the DatabaseSchema watch, never by scanning every
//!   resource. Only a referenced Secret is ever read in full, by the
//!   reconcile that needs it.
//!
//! The DatabaseSchemaSet controller ([`fleet_controller`]) runs beside it
//! on the same DatabaseSchema watch.
//!
//! With leader election (several replicas), only the holder of the Lease
//! runs the controllers, so only one replica ever writes status.

use super::fleet_controller::{self, SetTriggers};
use super::reconcile::{backoff, reconcile, Context, ReconcileError};
use crate::resource::{self, DatabaseSchema};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::Api;
use kube::core::PartialObjectMeta;
use kube::runtime::controller::{self, Action, Controller};
use kube::runtime::reflector::{self, ObjectRef};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, ResourceExt};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};

/// What triggers a reconcile of a DatabaseSchema besides its inputs and the
/// periodic recheck: its generation (the spec) and the two annotations
/// SPEC.md names. Status and other metadata changes hash the same. Pure.
pub fn trigger_hash(obj: &DatabaseSchema) -> Option<u64> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    obj.metadata.generation.hash(&mut h);
    let annotations = obj.annotations();
    for key in [
        resource::APPROVED_PLAN_ANNOTATION,
        resource::RETRY_ANNOTATION,
        resource::ACCEPT_DRIFT_ANNOTATION,
    ] {
        annotations.get(key).hash(&mut h);
    }
    Some(h.finish())
}

/// What one DatabaseSchema reads, for [`RefIndex`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reads {
    namespace: String,
    configmap: Option<String>,
    selector: Option<BTreeMap<String, String>>,
    secret: String,
}

/// Which DatabaseSchemas read which ConfigMaps and Secrets, kept up to date
/// from the DatabaseSchema watch, so that an event about a ConfigMap or a
/// Secret costs a map lookup (plus the label selectors of its namespace),
/// not a scan of every resource. Pure.
#[derive(Debug, Default)]
pub struct RefIndex {
    reads: HashMap<ObjectRef<DatabaseSchema>, Reads>,
    by_configmap: HashMap<(String, String), HashSet<ObjectRef<DatabaseSchema>>>,
    selectors: HashMap<String, HashSet<ObjectRef<DatabaseSchema>>>,
    by_secret: HashMap<(String, String), HashSet<ObjectRef<DatabaseSchema>>>,
    /// Objects listed since the last `Init` (a relist), when one is running.
    relisted: Option<HashSet<ObjectRef<DatabaseSchema>>>,
}

impl RefIndex {
    /// Records what `obj` reads (replacing what it read before).
    pub fn upsert(&mut self, obj: &DatabaseSchema) {
        let r = ObjectRef::from_obj(obj);
        self.remove_ref(&r);
        let m = &obj.spec.migrations;
        let reads = Reads {
            namespace: obj.namespace().unwrap_or_default(),
            configmap: m.config_map_ref.as_ref().map(|c| c.name.clone()),
            selector: m
                .config_map_selector
                .as_ref()
                .map(|s| s.match_labels.clone()),
            secret: obj.spec.database.url_secret_ref.name.clone(),
        };
        let ns = reads.namespace.clone();
        if let Some(cm) = &reads.configmap {
            self.by_configmap
                .entry((ns.clone(), cm.clone()))
                .or_default()
                .insert(r.clone());
        }
        if reads.selector.is_some() {
            self.selectors
                .entry(ns.clone())
                .or_default()
                .insert(r.clone());
        }
        self.by_secret
            .entry((ns, reads.secret.clone()))
            .or_default()
            .insert(r.clone());
        if let Some(seen) = &mut self.relisted {
            seen.insert(r.clone());
        }
        self.reads.insert(r, reads);
    }

    /// Forgets `obj`.
    pub fn remove(&mut self, obj: &DatabaseSchema) {
        self.remove_ref(&ObjectRef::from_obj(obj));
    }

    fn remove_ref(&mut self, r: &ObjectRef<DatabaseSchema>) {
        let Some(old) = self.reads.remove(r) else {
            return;
        };
        let drop_from =
            |map: &mut HashMap<(String, String), HashSet<ObjectRef<DatabaseSchema>>>,
             key: (String, String)| {
                if let Some(set) = map.get_mut(&key) {
                    set.remove(r);
                    if set.is_empty() {
                        map.remove(&key);
                    }
                }
            };
        if let Some(cm) = old.configmap {
            drop_from(&mut self.by_configmap, (old.namespace.clone(), cm));
        }
        drop_from(&mut self.by_secret, (old.namespace.clone(), old.secret));
        if let Some(set) = self.selectors.get_mut(&old.namespace) {
            set.remove(r);
            if set.is_empty() {
                self.selectors.remove(&old.namespace);
            }
        }
    }

    /// Follows the DatabaseSchema watch: applied objects are recorded,
    /// deleted ones forgotten, and after a relist (`Init` .. `InitDone`)
    /// whatever was not listed again is forgotten too. Returns the objects
    /// forgotten (deleted, or gone while the watch was down).
    pub fn apply(
        &mut self,
        event: &watcher::Event<DatabaseSchema>,
    ) -> Vec<ObjectRef<DatabaseSchema>> {
        match event {
            watcher::Event::Apply(o) | watcher::Event::InitApply(o) => {
                self.upsert(o);
                Vec::new()
            }
            watcher::Event::Delete(o) => {
                self.remove(o);
                vec![ObjectRef::from_obj(o)]
            }
            watcher::Event::Init => {
                self.relisted = Some(HashSet::new());
                Vec::new()
            }
            watcher::Event::InitDone => {
                let Some(seen) = self.relisted.take() else {
                    return Vec::new();
                };
                let gone: Vec<_> = self
                    .reads
                    .keys()
                    .filter(|r| !seen.contains(*r))
                    .cloned()
                    .collect();
                for r in &gone {
                    self.remove_ref(r);
                }
                gone
            }
        }
    }

    /// The DatabaseSchemas that read ConfigMap `ns/name` with `labels`: by
    /// name, or by a selector the labels match (same namespace only).
    pub fn configmap_readers(
        &self,
        ns: &str,
        name: &str,
        labels: &BTreeMap<String, String>,
    ) -> Vec<ObjectRef<DatabaseSchema>> {
        let mut out: HashSet<ObjectRef<DatabaseSchema>> = self
            .by_configmap
            .get(&(ns.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default();
        for r in self.selectors.get(ns).into_iter().flatten() {
            let matches = self
                .reads
                .get(r)
                .and_then(|x| x.selector.as_ref())
                .is_some_and(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)));
            if matches {
                out.insert(r.clone());
            }
        }
        out.into_iter().collect()
    }

    /// The DatabaseSchemas that read Secret `ns/name`.
    pub fn secret_readers(&self, ns: &str, name: &str) -> Vec<ObjectRef<DatabaseSchema>> {
        self.by_secret
            .get(&(ns.to_owned(), name.to_owned()))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// How many DatabaseSchemas are indexed.
    pub fn len(&self) -> usize {
        self.reads.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.reads.is_empty()
    }
}

/// How the controller runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Watch only this namespace.
    pub namespace: Option<String>,
    /// Reconciles at once (`--max-concurrent-reconciles`), per controller.
    pub max_concurrent_reconciles: u16,
    /// Run the DatabaseSchemaSet controller too (not `--no-fleets`).
    pub fleets: bool,
}

/// The API of `K` in namespace `ns`, or in all namespaces.
pub(super) fn api<K>(c: &Client, ns: &Option<String>) -> Api<K>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope>,
    K::DynamicType: Default,
{
    match ns {
        Some(ns) => Api::namespaced(c.clone(), ns),
        None => Api::all(c.clone()),
    }
}

/// Runs the controller until SIGTERM or SIGINT; in-flight reconciles finish
/// their current step first (see [`Context::shutdown`]).
pub async fn run(client: Client, settings: Settings, ctx: Arc<Context>) {
    let ns = &settings.namespace;
    let index: Arc<RwLock<RefIndex>> = Arc::default();
    let (reader, writer) = reflector::store();
    let indexer = index.clone();
    // The set controller reads children from this watch: its store, and
    // the sets whose children changed, through a channel.
    let mut set_triggers = SetTriggers::default();
    let (to_sets, for_sets) = futures::channel::mpsc::unbounded();
    let schemas = watcher(
        api::<DatabaseSchema>(&client, ns),
        watcher::Config::default(),
    )
    .default_backoff()
    // managedFields can outweigh the object; nothing here reads them.
    .modify(|o| o.managed_fields_mut().clear())
    .inspect_ok({
        let ctx = ctx.clone();
        move |ev| {
            let gone = indexer.write().unwrap_or_else(|p| p.into_inner()).apply(ev);
            for r in gone {
                ctx.forget(r.namespace.as_deref().unwrap_or_default(), &r.name);
            }
            for set in set_triggers.apply(ev) {
                let _ = to_sets.unbounded_send(set);
            }
        }
    })
    .reflect(writer)
    .applied_objects()
    .predicate_filter(trigger_hash, Default::default());
    let (cm_index, secret_index) = (index.clone(), index);
    // Idle database connections are closed after their timeout.
    let reaper = {
        let pools = ctx.pools.clone();
        let every = pools.config().idle_timeout / 2;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                pools.reap().await;
            }
        })
    };
    let sets = {
        let (client, settings, recorder, store) = (
            client.clone(),
            settings.clone(),
            ctx.recorder.clone(),
            reader.clone(),
        );
        let recheck = ctx.recheck;
        async move {
            if settings.fleets {
                fleet_controller::run(
                    client,
                    &settings,
                    recorder,
                    store,
                    recheck,
                    for_sets,
                    shutdown_signal(),
                )
                .await;
            }
        }
    };
    let schemas = Controller::for_stream(schemas, reader)
        .with_config(controller::Config::default().concurrency(settings.max_concurrent_reconciles))
        .watches(
            api::<PartialObjectMeta<ConfigMap>>(&client, ns),
            watcher::Config::default(),
            move |cm| {
                let (ns, name) = (cm.namespace().unwrap_or_default(), cm.name_any());
                cm_index
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .configmap_readers(&ns, &name, cm.labels())
            },
        )
        .watches(
            api::<PartialObjectMeta<Secret>>(&client, ns),
            watcher::Config::default(),
            move |s| {
                let (ns, name) = (s.namespace().unwrap_or_default(), s.name_any());
                secret_index
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .secret_readers(&ns, &name)
            },
        )
        .graceful_shutdown_on({
            let ctx = ctx.clone();
            async move {
                shutdown_signal().await;
                tracing::info!("shutting down: finishing the running steps");
                ctx.shutdown
                    .store(true, std::sync::atomic::Ordering::SeqCst);
            }
        })
        .run(reconcile, error_policy, ctx)
        .for_each(|r| async move {
            if let Err(e) = r {
                tracing::debug!(error = %crate::redact::redact(&e.to_string()), "controller");
            }
        });
    futures::join!(schemas, sets);
    reaper.abort();
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// Capped exponential backoff with jitter per object, for API failures and
/// failed steps (bad input never gets here: it is Blocked and waits for a
/// change; transient database trouble is Pending and requeued by the
/// reconcile itself). No error becomes success.
fn error_policy(obj: Arc<DatabaseSchema>, err: &ReconcileError, ctx: Arc<Context>) -> Action {
    let key = format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any());
    if matches!(err, ReconcileError::Kube(_)) {
        ctx.metrics.failed("ApiError");
    }
    let attempt = ctx.next_attempt(&key);
    let wait = backoff(attempt);
    tracing::warn!(object = %key, attempt, retry_in_s = wait.as_secs(), error = %err, "reconcile failed; retrying");
    Action::requeue(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DatabaseSchemaSpec;
    use futures::stream;

    fn schema(ns: &str, name: &str, migrations: serde_json::Value) -> DatabaseSchema {
        let spec: DatabaseSchemaSpec = serde_json::from_value(serde_json::json!({
            "targetRevision": "head",
            "database": {"urlSecretRef": {"name": "db", "key": "url"}},
            "migrations": migrations,
        }))
        .unwrap();
        let mut o = DatabaseSchema::new(name, spec);
        o.metadata.namespace = Some(ns.into());
        o.metadata.generation = Some(1);
        o
    }

    fn names(refs: Vec<ObjectRef<DatabaseSchema>>) -> Vec<String> {
        let mut n: Vec<String> = refs.into_iter().map(|r| r.name).collect();
        n.sort();
        n
    }

    #[test]
    fn configmaps_map_to_the_schemas_that_read_them_in_their_namespace() {
        let mut index = RefIndex::default();
        index.upsert(&schema(
            "shop",
            "by-ref",
            serde_json::json!({"configMapRef": {"name": "m"}}),
        ));
        index.upsert(&schema(
            "shop",
            "by-label",
            serde_json::json!({"configMapSelector": {"matchLabels": {"app": "shop", "part": "m"}}}),
        ));
        let none = BTreeMap::new();
        assert_eq!(
            names(index.configmap_readers("shop", "m", &none)),
            ["by-ref"]
        );
        assert!(
            index.configmap_readers("other", "m", &none).is_empty(),
            "another namespace's ConfigMap never triggers"
        );
        assert!(index.configmap_readers("shop", "n", &none).is_empty());
        let labels: BTreeMap<String, String> = [
            ("app".into(), "shop".into()),
            ("part".into(), "m".into()),
            ("x".into(), "y".into()),
        ]
        .into();
        assert_eq!(
            names(index.configmap_readers("shop", "any", &labels)),
            ["by-label"]
        );
        let partial: BTreeMap<String, String> = [("app".into(), "shop".into())].into();
        assert!(index.configmap_readers("shop", "any", &partial).is_empty());
    }

    #[test]
    fn secrets_map_by_name_in_the_same_namespace() {
        let mut index = RefIndex::default();
        index.upsert(&schema(
            "shop",
            "x",
            serde_json::json!({"configMapRef": {"name": "m"}}),
        ));
        assert_eq!(names(index.secret_readers("shop", "db")), ["x"]);
        assert!(index.secret_readers("shop", "other").is_empty());
        assert!(index.secret_readers("kube-system", "db").is_empty());
    }

    #[test]
    fn the_index_follows_edits_deletes_and_relists() {
        let mut index = RefIndex::default();
        let a = schema(
            "shop",
            "a",
            serde_json::json!({"configMapRef": {"name": "m1"}}),
        );
        let b = schema(
            "shop",
            "b",
            serde_json::json!({"configMapRef": {"name": "m1"}}),
        );
        index.apply(&watcher::Event::Apply(a.clone()));
        index.apply(&watcher::Event::Apply(b.clone()));
        assert_eq!(
            names(index.configmap_readers("shop", "m1", &BTreeMap::new())),
            ["a", "b"]
        );
        // a now reads another ConfigMap.
        let a2 = schema(
            "shop",
            "a",
            serde_json::json!({"configMapRef": {"name": "m2"}}),
        );
        index.apply(&watcher::Event::Apply(a2));
        assert_eq!(
            names(index.configmap_readers("shop", "m1", &BTreeMap::new())),
            ["b"]
        );
        assert_eq!(
            names(index.configmap_readers("shop", "m2", &BTreeMap::new())),
            ["a"]
        );
        assert_eq!(names(index.apply(&watcher::Event::Delete(b))), ["b"]);
        assert!(index
            .configmap_readers("shop", "m1", &BTreeMap::new())
            .is_empty());
        // A relist that no longer has a forgets it.
        assert!(index.apply(&watcher::Event::Init).is_empty());
        assert_eq!(names(index.apply(&watcher::Event::InitDone)), ["a"]);
        assert!(index.is_empty());
    }

    #[tokio::test]
    async fn the_trigger_filter_ignores_status_writes_and_reacts_to_spec_and_the_two_annotations() {
        let base = schema(
            "shop",
            "x",
            serde_json::json!({"configMapRef": {"name": "m"}}),
        );
        let mut status_write = base.clone();
        status_write.status = Some(crate::resource::DatabaseSchemaStatus {
            message: "applied 3 step(s)".into(),
            ..Default::default()
        });
        status_write.metadata.resource_version = Some("2".into());
        let mut other_annotation = status_write.clone();
        other_annotation.metadata.annotations = Some([("note".to_owned(), "x".to_owned())].into());
        let mut spec_change = other_annotation.clone();
        spec_change.spec.target_revision = "abc".into();
        spec_change.metadata.generation = Some(2);
        let annotate = |o: &DatabaseSchema, k: &str, v: &str| {
            let mut o = o.clone();
            o.metadata
                .annotations
                .get_or_insert_with(Default::default)
                .insert(k.into(), v.into());
            o
        };
        let approved = annotate(&spec_change, resource::APPROVED_PLAN_ANNOTATION, "h1");
        let retried = annotate(&approved, resource::RETRY_ANNOTATION, "1");
        let retried_again = annotate(&retried, resource::RETRY_ANNOTATION, "2");
        let events = vec![
            base,
            status_write,
            other_annotation,
            spec_change,
            approved.clone(),
            approved,
            retried,
            retried_again,
        ];
        let passed: Vec<DatabaseSchema> =
            stream::iter(events.into_iter().map(Ok::<_, watcher::Error>))
                .predicate_filter(trigger_hash, Default::default())
                .try_collect()
                .await
                .unwrap();
        let seen: Vec<(Option<i64>, Option<String>, Option<String>)> = passed
            .iter()
            .map(|o| {
                let a = o.annotations();
                (
                    o.metadata.generation,
                    a.get(resource::APPROVED_PLAN_ANNOTATION).cloned(),
                    a.get(resource::RETRY_ANNOTATION).cloned(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (Some(1), None, None),
                (Some(2), None, None),
                (Some(2), Some("h1".into()), None),
                (Some(2), Some("h1".into()), Some("1".into())),
                (Some(2), Some("h1".into()), Some("2".into())),
            ]
        );
    }
}
