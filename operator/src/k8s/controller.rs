//! The controller of `revisor run`: watches DatabaseSchemas and the
//! ConfigMaps and Secrets they reference, runs [`reconcile`] for each, and
//! backs off per object on errors.
//!
//! With leader election (several replicas), only the holder of the Lease
//! runs the controller, so only one replica ever writes status; a replica
//! that loses the Lease exits, and Kubernetes restarts it as a standby.

use super::reconcile::{backoff, reconcile, Context, ReconcileError};
use crate::resource::DatabaseSchema;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use kube::api::Api;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use kube::{Client, ResourceExt};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

/// Whether `obj` reads ConfigMap `name` (with `labels`) in namespace `ns`:
/// by `configMapRef`, or by a `configMapSelector` the labels match. Pure.
pub fn reads_configmap(
    obj: &DatabaseSchema,
    ns: &str,
    name: &str,
    labels: &BTreeMap<String, String>,
) -> bool {
    if obj.namespace().as_deref() != Some(ns) {
        return false;
    }
    let m = &obj.spec.migrations;
    m.config_map_ref.as_ref().is_some_and(|r| r.name == name)
        || m.config_map_selector
            .as_ref()
            .is_some_and(|s| s.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

/// Whether `obj` reads Secret `name` in namespace `ns`. Pure.
pub fn reads_secret(obj: &DatabaseSchema, ns: &str, name: &str) -> bool {
    obj.namespace().as_deref() == Some(ns) && obj.spec.database.url_secret_ref.name == name
}

/// Runs the controller until SIGTERM or SIGINT; in-flight reconciles finish
/// their current step first (see [`Context::shutdown`]).
pub async fn run(client: Client, namespace: Option<String>, ctx: Arc<Context>) {
    let api = |c: &Client| -> (Api<DatabaseSchema>, Api<ConfigMap>, Api<Secret>) {
        match &namespace {
            Some(ns) => (
                Api::namespaced(c.clone(), ns),
                Api::namespaced(c.clone(), ns),
                Api::namespaced(c.clone(), ns),
            ),
            None => (
                Api::all(c.clone()),
                Api::all(c.clone()),
                Api::all(c.clone()),
            ),
        }
    };
    let (schemas, configmaps, secrets) = api(&client);
    let controller = Controller::new(schemas, watcher::Config::default());
    let store = controller.store();
    let cm_store = store.clone();
    let secret_store = store;
    controller
        .watches(configmaps, watcher::Config::default(), move |cm: ConfigMap| {
            let (ns, name, labels) = (cm.namespace().unwrap_or_default(), cm.name_any(), cm.labels().clone());
            cm_store.state().into_iter().filter(|o| reads_configmap(o, &ns, &name, &labels)).map(|o| ObjectRef::from_obj(&*o)).collect::<Vec<_>>()
        })
        .watches(secrets, watcher::Config::default(), move |s: Secret| {
            let (ns, name) = (s.namespace().unwrap_or_default(), s.name_any());
            secret_store.state().into_iter().filter(|o| reads_secret(o, &ns, &name)).map(|o| ObjectRef::from_obj(&*o)).collect::<Vec<_>>()
        })
        .graceful_shutdown_on({
            let ctx = ctx.clone();
            async move {
                shutdown_signal().await;
                tracing::info!("shutting down: finishing the running steps");
                ctx.shutdown.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        })
        .run(measured_reconcile, error_policy, ctx)
        .for_each(|r| async move {
            match r {
                Ok((obj, _)) => tracing::debug!(object = %obj, "reconciled"),
                Err(e) => tracing::warn!(error = %crate::redact::redact(&e.to_string()), "reconcile failed"),
            }
        })
        .await;
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

/// [`reconcile`] with metrics, and the backoff counter reset on success.
async fn measured_reconcile(
    obj: Arc<DatabaseSchema>,
    ctx: Arc<Context>,
) -> Result<Action, ReconcileError> {
    let key = format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any());
    let t0 = Instant::now();
    // The reconcile future borrows across awaits in ways rustc cannot prove
    // Send for (its higher-ranked Send inference, rust-lang/rust#110338), so
    // it runs on a blocking-pool thread through Handle::block_on, which takes
    // non-Send futures; the main thread keeps driving IO and timers.
    let handle = tokio::runtime::Handle::current();
    let (obj_for_task, ctx_for_task) = (obj, ctx.clone());
    let result =
        tokio::task::spawn_blocking(move || handle.block_on(reconcile(obj_for_task, ctx_for_task)))
            .await
            .unwrap_or_else(|e| {
                Err(ReconcileError::Failed(format!(
                    "reconcile task failed: {e}"
                )))
            });
    let outcome = match &result {
        Ok(_) => {
            ctx.attempts.lock().map(|mut a| a.remove(&key)).ok();
            "ok"
        }
        Err(ReconcileError::Kube(_)) => "error",
        Err(ReconcileError::Failed(_)) => "failed",
    };
    ctx.metrics.reconciled(outcome, t0.elapsed());
    if outcome != "ok" {
        ctx.metrics.failed(outcome);
    }
    result
}

/// Capped exponential backoff per object; bad input never gets here (it
/// is Blocked and waits for a change), and no error becomes success.
fn error_policy(obj: Arc<DatabaseSchema>, err: &ReconcileError, ctx: Arc<Context>) -> Action {
    let key = format!("{}/{}", obj.namespace().unwrap_or_default(), obj.name_any());
    let attempt = ctx
        .attempts
        .lock()
        .map(|mut a| {
            let n = a.entry(key.clone()).or_insert(0);
            *n += 1;
            *n - 1
        })
        .unwrap_or(0);
    let wait = backoff(attempt);
    tracing::info!(object = %key, attempt, retry_in_s = wait.as_secs(), error = %crate::redact::redact(&err.to_string()), "retrying");
    Action::requeue(wait)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::DatabaseSchemaSpec;

    fn schema(ns: &str, migrations: serde_json::Value) -> DatabaseSchema {
        let spec: DatabaseSchemaSpec = serde_json::from_value(serde_json::json!({
            "targetRevision": "head",
            "database": {"urlSecretRef": {"name": "db", "key": "url"}},
            "migrations": migrations,
        }))
        .unwrap();
        let mut o = DatabaseSchema::new("x", spec);
        o.metadata.namespace = Some(ns.into());
        o
    }

    #[test]
    fn configmaps_map_to_the_schemas_that_read_them_in_their_namespace() {
        let by_ref = schema("shop", serde_json::json!({"configMapRef": {"name": "m"}}));
        let none = BTreeMap::new();
        assert!(reads_configmap(&by_ref, "shop", "m", &none));
        assert!(
            !reads_configmap(&by_ref, "other", "m", &none),
            "another namespace's ConfigMap never triggers"
        );
        assert!(!reads_configmap(&by_ref, "shop", "n", &none));
        let by_label = schema(
            "shop",
            serde_json::json!({"configMapSelector": {"matchLabels": {"app": "shop", "part": "m"}}}),
        );
        let labels: BTreeMap<String, String> = [
            ("app".into(), "shop".into()),
            ("part".into(), "m".into()),
            ("x".into(), "y".into()),
        ]
        .into();
        assert!(reads_configmap(&by_label, "shop", "any", &labels));
        let partial: BTreeMap<String, String> = [("app".into(), "shop".into())].into();
        assert!(!reads_configmap(&by_label, "shop", "any", &partial));
    }

    #[test]
    fn secrets_map_by_name_in_the_same_namespace() {
        let o = schema("shop", serde_json::json!({"configMapRef": {"name": "m"}}));
        assert!(reads_secret(&o, "shop", "db"));
        assert!(!reads_secret(&o, "shop", "other"));
        assert!(!reads_secret(&o, "kube-system", "db"));
    }
}
