//! A stateful mocked API server for the DatabaseSchemaSet controller
//! (kube-rs's `tower_test` approach): it holds one set, its ConfigMap,
//! Secrets and the DatabaseSchemas the set writes, answers the set
//! reconcile's requests as an API server would (server-side apply of
//! children bumps their generation when the spec changes; merge patches;
//! status patches), records every request, and feeds the controller's
//! stores as the watches would.

#![allow(dead_code)]

use super::mock_api::{serve, Recorded};
use k8s_openapi::api::core::v1::Secret;
use kube::core::PartialObjectMeta;
use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::runtime::reflector::{self, store::Writer};
use kube::runtime::watcher;
use revisor::fleet::DatabaseSchemaSet;
use revisor::k8s::fleet::{reconcile, FleetContext};
use revisor::resource::{DatabaseSchema, Phase};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

pub const NS: &str = "saas";
pub const SET: &str = "tenants";
pub const CM: &str = "tenant-migrations";
pub const SET_UID: &str = "5e7a1c9e-0000-4000-8000-000000000001";

/// A chain of `n` revisions `r1`..`rn` that run `SELECT 1`.
pub fn chain(n: usize) -> BTreeMap<String, String> {
    chain_with(n, |_| "SELECT 1;".into(), |_| "SELECT 1;".into())
}

/// A chain of `n` revisions `r1`..`rn`, revision `i` with `up(i)` and
/// `down(i)`.
pub fn chain_with(
    n: usize,
    up: impl Fn(usize) -> String,
    down: impl Fn(usize) -> String,
) -> BTreeMap<String, String> {
    (1..=n)
        .map(|i| {
            let parent = if i == 1 {
                String::new()
            } else {
                format!("-- down_revision: r{}\n", i - 1)
            };
            (
                format!("{i:03}.sql"),
                format!(
                    "-- revision: r{i}\n{parent}-- migrate:up\n{}\n-- migrate:down\n{}\n",
                    up(i),
                    down(i)
                ),
            )
        })
        .collect()
}

/// What the fake API server holds.
pub struct State {
    pub set: DatabaseSchemaSet,
    pub files: BTreeMap<String, String>,
    pub cm_version: u64,
    /// Secret name -> labels.
    pub secrets: BTreeMap<String, BTreeMap<String, String>>,
    pub children: BTreeMap<String, DatabaseSchema>,
    pub requests: Vec<Recorded>,
    /// Full reads of the ConfigMap (metadata reads aside).
    pub full_cm_reads: usize,
}

impl State {
    fn answer(
        &mut self,
        method: &str,
        path: &str,
        accept: &str,
        content_type: &str,
        body: &Value,
    ) -> (u16, Value) {
        let segments: Vec<&str> = path.split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["", "api", "v1", "namespaces", NS, "configmaps", CM]) => {
                let meta = json!({"name": CM, "namespace": NS, "resourceVersion": self.cm_version.to_string()});
                if accept.contains("PartialObjectMetadata") {
                    (
                        200,
                        json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadata", "metadata": meta}),
                    )
                } else {
                    self.full_cm_reads += 1;
                    (
                        200,
                        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": self.files}),
                    )
                }
            }
            (
                "PATCH",
                ["", "apis", "revisor.dev", "v1alpha1", "namespaces", NS, "databaseschemasets", SET],
            ) => {
                // An apply of metadata.finalizers: a set, merged.
                assert!(content_type.contains("apply-patch"), "{content_type}");
                let finalizers = self.set.metadata.finalizers.get_or_insert_with(Vec::new);
                for f in body["metadata"]["finalizers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let f = f.as_str().unwrap().to_owned();
                    if !finalizers.contains(&f) {
                        finalizers.push(f);
                    }
                }
                (200, serde_json::to_value(&self.set).unwrap())
            }
            (
                "PATCH",
                ["", "apis", "revisor.dev", "v1alpha1", "namespaces", NS, "databaseschemasets", SET, "status"],
            ) => {
                self.set.status = Some(serde_json::from_value(body["status"].clone()).unwrap());
                (200, serde_json::to_value(&self.set).unwrap())
            }
            (
                "PATCH",
                ["", "apis", "revisor.dev", "v1alpha1", "namespaces", NS, "databaseschemas", name],
            ) => {
                let name = (*name).to_owned();
                if content_type.contains("apply-patch") {
                    let spec = serde_json::from_value(body["spec"].clone()).unwrap();
                    let child = self.children.entry(name.clone()).or_insert_with(|| {
                        let mut c = DatabaseSchema::new(&name, spec);
                        c.metadata.namespace = Some(NS.into());
                        c.metadata.generation = Some(0);
                        c
                    });
                    let spec = serde_json::from_value(body["spec"].clone()).unwrap();
                    if child.metadata.generation == Some(0) || child.spec != spec {
                        child.spec = spec;
                        child.metadata.generation =
                            Some(child.metadata.generation.unwrap_or(0) + 1);
                    }
                    child.metadata.labels =
                        Some(serde_json::from_value(body["metadata"]["labels"].clone()).unwrap());
                    child.metadata.owner_references = Some(
                        serde_json::from_value(body["metadata"]["ownerReferences"].clone())
                            .unwrap(),
                    );
                } else {
                    let Some(child) = self.children.get_mut(&name) else {
                        return (
                            404,
                            json!({"kind": "Status", "apiVersion": "v1", "code": 404, "status": "Failure", "reason": "NotFound", "message": name}),
                        );
                    };
                    child.metadata.owner_references = Some(
                        serde_json::from_value(body["metadata"]["ownerReferences"].clone())
                            .unwrap(),
                    );
                    if let Some(labels) = &mut child.metadata.labels {
                        for (k, v) in body["metadata"]["labels"].as_object().into_iter().flatten() {
                            if v.is_null() {
                                labels.remove(k);
                            }
                        }
                    }
                }
                let mut v = serde_json::to_value(&self.children[&name]).unwrap();
                v["apiVersion"] = json!("revisor.dev/v1alpha1");
                v["kind"] = json!("DatabaseSchema");
                (200, v)
            }
            ("POST", ["", "apis", "events.k8s.io", "v1", "namespaces", NS, "events"]) => {
                (201, body.clone())
            }
            _ => (
                404,
                json!({"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": format!("{method} {path}")}),
            ),
        }
    }
}

/// The fake cluster, the controller's stores and its context.
pub struct Fleet {
    pub state: Arc<Mutex<State>>,
    secrets: Writer<PartialObjectMeta<Secret>>,
    schemas: Writer<DatabaseSchema>,
    ctx: Arc<FleetContext>,
    /// How many requests the state held before the last reconcile.
    mark: usize,
    /// How long the last reconcile took (the stores' refill aside).
    pub reconcile_time: std::time::Duration,
}

/// A set over Secrets labelled `revisor.dev/fleet: tenants`, with
/// `rollout` and the template target `target`.
pub fn set(target: &str, rollout: Value) -> DatabaseSchemaSet {
    let mut set: DatabaseSchemaSet = serde_json::from_value(json!({
        "apiVersion": "revisor.dev/v1alpha1",
        "kind": "DatabaseSchemaSet",
        "metadata": {"name": SET, "namespace": NS, "uid": SET_UID, "generation": 1},
        "spec": {
            "databases": {"secretSelector": {"matchLabels": {"revisor.dev/fleet": "tenants"}}},
            "template": {"targetRevision": target, "migrations": {"configMapRef": {"name": CM}}},
            "rollout": rollout,
        }
    }))
    .unwrap();
    set.metadata.namespace = Some(NS.into());
    set
}

/// `tenant-00`, `tenant-01`, ...
pub fn tenant(i: usize) -> String {
    format!("tenant-{i:02}")
}

impl Fleet {
    /// A cluster with `set`, the migration set `files`, and `databases`
    /// Secrets labelled for the set.
    pub fn new(set: DatabaseSchemaSet, files: BTreeMap<String, String>, databases: usize) -> Fleet {
        let state = Arc::new(Mutex::new(State {
            set,
            files,
            cm_version: 1,
            secrets: (0..databases)
                .map(|i| {
                    (
                        tenant(i),
                        [("revisor.dev/fleet".to_owned(), "tenants".to_owned())].into(),
                    )
                })
                .collect(),
            children: BTreeMap::new(),
            requests: Vec::new(),
            full_cm_reads: 0,
        }));
        let served = state.clone();
        let (client, _server) = serve(NS, move |request, headers| {
            let header = |h: &str| {
                headers
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            let mut s = served.lock().unwrap();
            let answer = s.answer(
                &request.method,
                &request.path,
                &header("accept"),
                &header("content-type"),
                &request.body,
            );
            s.requests.push(request);
            answer
        });
        let recorder = Recorder::new(
            client.clone(),
            Reporter {
                controller: "revisor".into(),
                instance: None,
            },
        );
        let (secret_store, secrets) = reflector::store();
        let (schema_store, schemas) = reflector::store();
        let ctx = Arc::new(FleetContext::new(
            client,
            recorder,
            secret_store,
            schema_store,
        ));
        Fleet {
            state,
            secrets,
            schemas,
            ctx,
            mark: 0,
            reconcile_time: std::time::Duration::ZERO,
        }
    }

    /// Feeds the stores from the state, as the watches would (a relist).
    fn sync_stores(&mut self) {
        let s = self.state.lock().unwrap();
        self.secrets.apply_watcher_event(&watcher::Event::Init);
        for (name, labels) in &s.secrets {
            let mut m: PartialObjectMeta<Secret> = PartialObjectMeta::default();
            m.metadata.name = Some(name.clone());
            m.metadata.namespace = Some(NS.into());
            m.metadata.labels = Some(labels.clone());
            self.secrets
                .apply_watcher_event(&watcher::Event::InitApply(m));
        }
        self.secrets.apply_watcher_event(&watcher::Event::InitDone);
        self.schemas.apply_watcher_event(&watcher::Event::Init);
        for c in s.children.values() {
            self.schemas
                .apply_watcher_event(&watcher::Event::InitApply(c.clone()));
        }
        self.schemas.apply_watcher_event(&watcher::Event::InitDone);
    }

    /// One reconcile of the set as the API server holds it; returns its
    /// action. [`Fleet::last`] has the requests it made.
    pub async fn reconcile(&mut self) -> Action {
        self.sync_stores();
        let set = {
            let s = self.state.lock().unwrap();
            self.mark = s.requests.len();
            Arc::new(s.set.clone())
        };
        let t0 = std::time::Instant::now();
        let action = reconcile(set, self.ctx.clone()).await.unwrap();
        self.reconcile_time = t0.elapsed();
        action
    }

    /// The requests of the last reconcile.
    pub fn last(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests[self.mark..].to_vec()
    }

    /// Names of the children the last reconcile applied (created or changed).
    pub fn applied(&self) -> Vec<String> {
        self.last()
            .iter()
            .filter(|r| {
                r.method == "PATCH"
                    && r.path.contains("/databaseschemas/")
                    && r.body.get("spec").is_some()
            })
            .map(|r| r.path.rsplit('/').next().unwrap().to_owned())
            .collect()
    }

    /// Reasons of the events the last reconcile published.
    pub fn events(&self) -> Vec<String> {
        self.last()
            .iter()
            .filter(|r| r.path.ends_with("/events"))
            .map(|r| r.body["reason"].as_str().unwrap_or("").to_owned())
            .collect()
    }

    /// The set's status as the API server holds it.
    pub fn status(&self) -> revisor::fleet::DatabaseSchemaSetStatus {
        self.state
            .lock()
            .unwrap()
            .set
            .status
            .clone()
            .unwrap_or_default()
    }

    /// Child `name` reports `phase` for its current generation, at the
    /// targets its spec names (as its own reconcile would write).
    pub fn report(&self, name: &str, phase: Phase, message: &str) {
        let mut s = self.state.lock().unwrap();
        let c = s
            .children
            .get_mut(name)
            .unwrap_or_else(|| panic!("no child {name}"));
        let targets: Vec<String> = c
            .spec
            .target_revision
            .split(',')
            .map(str::to_owned)
            .collect();
        c.status = Some(revisor::resource::DatabaseSchemaStatus {
            observed_generation: c.metadata.generation,
            phase,
            target_revisions: targets,
            message: message.into(),
            ..Default::default()
        });
    }

    /// Child `name`'s status becomes `status` (its reconcile's last write).
    pub fn set_child_status(&self, name: &str, status: revisor::resource::DatabaseSchemaStatus) {
        self.state
            .lock()
            .unwrap()
            .children
            .get_mut(name)
            .unwrap()
            .status = Some(status);
    }

    /// Every child that has a spec but no status for it yet becomes Ready.
    pub fn settle_all(&self) {
        let names: Vec<String> = {
            let s = self.state.lock().unwrap();
            s.children
                .values()
                .filter(|c| {
                    c.status.as_ref().and_then(|s| s.observed_generation) != c.metadata.generation
                })
                .map(|c| c.metadata.name.clone().unwrap())
                .collect()
        };
        for n in names {
            self.report(&n, Phase::Ready, "at the target");
        }
    }

    /// Children whose generation has no status yet (running), by name.
    pub fn running(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        s.children
            .values()
            .filter(|c| {
                c.status.as_ref().and_then(|s| s.observed_generation) != c.metadata.generation
                    || c.status
                        .as_ref()
                        .is_some_and(|s| s.phase == Phase::Migrating)
            })
            .map(|c| c.metadata.name.clone().unwrap())
            .collect()
    }

    /// Child `name` as the API server holds it.
    pub fn child(&self, name: &str) -> DatabaseSchema {
        self.state.lock().unwrap().children[name].clone()
    }

    /// The target each child's spec names, by child name.
    pub fn targets(&self) -> BTreeMap<String, String> {
        let s = self.state.lock().unwrap();
        s.children
            .iter()
            .map(|(n, c)| (n.clone(), c.spec.target_revision.clone()))
            .collect()
    }

    /// How many full ConfigMap reads (not metadata) the API server served.
    pub fn configmap_reads(&self) -> usize {
        self.state.lock().unwrap().full_cm_reads
    }
}
