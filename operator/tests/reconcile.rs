//! The reconciler against a mocked API server (kube-rs's `tower_test`
//! approach) and a real SQLite database: every request the reconciler
//! makes is recorded and answered by method and path, and the tests assert
//! on that record (status patches, events) and on the database.

use http::{Request, Response};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;
use kube::client::Body;
use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::Client;
use revisor::db::tables::Tables;
use revisor::db::{Backend, Database};
use revisor::k8s::reconcile::{reconcile, Context, ReconcileError, RECHECK};
use revisor::resource::{DatabaseSchema, DatabaseSchemaSpec};
use revisor::with_backend;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// One request the reconciler made.
#[derive(Debug, Clone)]
struct Recorded {
    method: String,
    path: String,
    query: String,
    body: Value,
}

const FILES: [(&str, &str); 3] = [
    ("1_a.sql", "-- revision: a\n-- message: create a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n-- migrate:down\nDROP TABLE t_a;\n"),
    ("2_b.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
    ("3_c.sql", "-- revision: c\n-- down_revision: b\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n"),
];

/// A fake cluster: a ConfigMap with `files`, a Secret with `url`.
struct Cluster {
    files: Vec<(String, String)>,
    url: String,
}

impl Cluster {
    fn answer(&self, method: &str, path: &str, body: &Value, obj: &Value) -> (u16, Value) {
        match (method, path) {
            ("GET", "/api/v1/namespaces/shop/configmaps/shop-migrations") => {
                let data: serde_json::Map<String, Value> = self
                    .files
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                (
                    200,
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shop-migrations", "namespace": "shop"}, "data": data}),
                )
            }
            ("GET", "/api/v1/namespaces/shop/secrets/shop-db") => {
                // k8s-openapi's ByteString serialises Secret data as base64.
                let secret = Secret {
                    metadata: ObjectMeta {
                        name: Some("shop-db".into()),
                        namespace: Some("shop".into()),
                        ..Default::default()
                    },
                    data: Some(
                        [("url".to_owned(), ByteString(self.url.clone().into_bytes()))].into(),
                    ),
                    ..Default::default()
                };
                let mut v = serde_json::to_value(secret).unwrap();
                v["apiVersion"] = json!("v1");
                v["kind"] = json!("Secret");
                (200, v)
            }
            ("PATCH", "/apis/revisor.dev/v1alpha1/namespaces/shop/databaseschemas/shop/status") => {
                let mut o = obj.clone();
                o["status"] = body["status"].clone();
                (200, o)
            }
            ("POST", "/apis/events.k8s.io/v1/namespaces/shop/events") => (201, body.clone()),
            _ => (
                404,
                json!({"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": format!("{method} {path}")}),
            ),
        }
    }
}

fn schema(target: &str, extra: Value) -> DatabaseSchema {
    let mut spec = json!({
        "targetRevision": target,
        "database": {"urlSecretRef": {"name": "shop-db", "key": "url"}},
        "migrations": {"configMapRef": {"name": "shop-migrations"}},
    });
    if let (Some(s), Some(e)) = (spec.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    let spec: DatabaseSchemaSpec = serde_json::from_value(spec).unwrap();
    let mut obj = DatabaseSchema::new("shop", spec);
    obj.metadata.namespace = Some("shop".into());
    obj.metadata.generation = Some(1);
    obj.metadata.uid = Some("0b4c6f3e-1d9a-4f3e-9c1a-2b3c4d5e6f70".into());
    obj
}

/// Runs one reconcile against the fake cluster; returns its result and
/// every request it made.
async fn run(
    obj: DatabaseSchema,
    cluster: Cluster,
) -> (Result<Action, ReconcileError>, Vec<Recorded>) {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = Client::new(service, "shop");
    let recorded: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let log = recorded.clone();
    let obj_json = serde_json::to_value(&obj).unwrap();
    let server = tokio::spawn(async move {
        while let Some((req, send)) = handle.next_request().await {
            let (parts, body) = req.into_parts();
            let bytes = body.collect_bytes().await.unwrap();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let (method, path) = (parts.method.to_string(), parts.uri.path().to_owned());
            let (code, answer) = cluster.answer(&method, &path, &body, &obj_json);
            log.lock().unwrap().push(Recorded {
                method,
                path,
                query: parts.uri.query().unwrap_or("").to_owned(),
                body,
            });
            let response = Response::builder()
                .status(code)
                .body(Body::from(serde_json::to_vec(&answer).unwrap()))
                .unwrap();
            send.send_response(response);
        }
    });
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "revisor".into(),
            instance: None,
        },
    );
    let ctx = Arc::new(Context::new(client, recorder, "test".into()));
    let result = reconcile(Arc::new(obj), ctx).await;
    server.abort();
    let requests = recorded.lock().unwrap().clone();
    (result, requests)
}

fn sqlite_url(name: &str) -> String {
    let path = std::env::temp_dir().join(format!(
        "revisor-reconcile-{}-{name}.db",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    format!("sqlite://{}", path.display())
}

fn cluster(url: &str) -> Cluster {
    Cluster {
        files: FILES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        url: url.to_owned(),
    }
}

fn statuses(requests: &[Recorded]) -> Vec<&Value> {
    requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with("/status"))
        .map(|r| &r.body["status"])
        .collect()
}

fn event_reasons(requests: &[Recorded]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.path.ends_with("/events"))
        .map(|r| r.body["reason"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn rows(url: &str) -> Vec<String> {
    let mut db = Database::connect(url).await.unwrap();
    with_backend!(&mut db, |b| Tables::new("revisor_version", b.dialect())
        .unwrap()
        .heads(b)
        .await
        .unwrap())
}

#[tokio::test]
async fn a_fresh_database_goes_to_ready_with_progress_status_and_events() {
    let url = sqlite_url("fresh");
    let (result, requests) = run(schema("head", json!({})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::requeue(RECHECK));
    // Inputs first, from the resource's own namespace.
    assert_eq!(
        requests[0].path,
        "/api/v1/namespaces/shop/configmaps/shop-migrations"
    );
    assert_eq!(requests[1].path, "/api/v1/namespaces/shop/secrets/shop-db");
    let statuses = statuses(&requests);
    let last = statuses.last().expect("a status was written");
    assert_eq!(last["phase"], "Ready");
    assert_eq!(last["currentRevisions"], json!(["c"]));
    assert_eq!(last["targetRevisions"], json!(["c"]));
    assert_eq!(
        last["progress"],
        json!({"completed": 3, "total": 3, "summary": "3/3"})
    );
    assert_eq!(last["observedGeneration"], 1);
    let ready = last["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap();
    assert_eq!(
        (
            ready["status"].as_str(),
            ready["observedGeneration"].as_i64()
        ),
        (Some("True"), Some(1))
    );
    // Progress was written step by step while migrating.
    let migrating: Vec<i64> = statuses
        .iter()
        .filter(|s| s["phase"] == "Migrating")
        .map(|s| s["progress"]["completed"].as_i64().unwrap())
        .collect();
    assert_eq!(migrating, vec![0, 1, 2, 3]);
    // Status is written with server-side apply, with our field manager.
    let status_patches: Vec<&Recorded> = requests
        .iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with("/status"))
        .collect();
    assert!(!status_patches.is_empty());
    for r in status_patches {
        assert!(
            r.query.contains("fieldManager=revisor") && r.query.contains("force=true"),
            "{}",
            r.query
        );
        assert_eq!(
            (r.body["apiVersion"].as_str(), r.body["kind"].as_str()),
            (Some("revisor.dev/v1alpha1"), Some("DatabaseSchema"))
        );
    }
    let reasons = event_reasons(&requests);
    assert_eq!(
        reasons.iter().filter(|r| *r == "PlanComputed").count(),
        1,
        "{reasons:?}"
    );
    assert_eq!(
        reasons.iter().filter(|r| *r == "StepApplied").count(),
        3,
        "{reasons:?}"
    );
    assert_eq!(rows(&url).await, vec!["c"]);
}

#[tokio::test]
async fn a_downgrade_without_permission_is_blocked_with_nothing_run() {
    let url = sqlite_url("downgrade");
    let (first, _) = run(schema("head", json!({})), cluster(&url)).await;
    first.unwrap();
    let (result, requests) = run(schema("a", json!({})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::await_change());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Blocked");
    assert!(
        last["message"].as_str().unwrap().contains("allowDowngrade"),
        "{last}"
    );
    let stalled = last["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Stalled")
        .unwrap();
    assert_eq!(stalled["status"], "True");
    assert!(event_reasons(&requests).contains(&"DowngradeBlocked".to_owned()));
    assert_eq!(rows(&url).await, vec!["c"], "nothing ran");
    // With permission it runs.
    let (result, _) = run(schema("a", json!({"allowDowngrade": true})), cluster(&url)).await;
    result.unwrap();
    assert_eq!(rows(&url).await, vec!["a"]);
}

#[tokio::test]
async fn manual_approval_waits_for_the_plan_hash() {
    let url = sqlite_url("manual");
    let (result, requests) =
        run(schema("head", json!({"approval": "Manual"})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::await_change());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "AwaitingApproval");
    let hash = last["plan"]["hash"].as_str().unwrap().to_owned();
    assert!(rows(&url).await.is_empty(), "nothing ran before approval");
    let mut approved = schema("head", json!({"approval": "Manual"}));
    approved.metadata.annotations = Some([("revisor.dev/approved-plan".to_owned(), hash)].into());
    let (result, _) = run(approved, cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::requeue(RECHECK));
    assert_eq!(rows(&url).await, vec!["c"]);
}

#[tokio::test]
async fn a_bad_migration_set_is_blocked_naming_file_and_line() {
    let url = sqlite_url("bad");
    let mut c = cluster(&url);
    c.files[1].1 =
        "-- revision: b\n-- down_revision: a\n-- colour: red\n-- migrate:up\nSELECT 1;\n".into();
    let (result, requests) = run(schema("head", json!({})), c).await;
    assert_eq!(result.unwrap(), Action::await_change());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Blocked");
    assert!(
        last["message"]
            .as_str()
            .unwrap()
            .contains("2_b.sql:3: unknown header key `colour`"),
        "{last}"
    );
    assert!(event_reasons(&requests).contains(&"Blocked".to_owned()));
}

#[tokio::test]
async fn a_failing_step_is_failed_with_the_step_and_is_retried() {
    let url = sqlite_url("failing");
    let mut c = cluster(&url);
    c.files[2].1 = "-- revision: c\n-- down_revision: b\n-- migrate:up\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nSELECT 1;\n".into();
    let (result, requests) = run(schema("head", json!({})), c).await;
    assert!(
        matches!(result, Err(ReconcileError::Failed(ref m)) if m.contains("step up c failed")),
        "{result:?}"
    );
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Failed");
    assert_eq!(last["progress"]["summary"], "2/3");
    assert_eq!(last["currentRevisions"], json!(["b"]));
    assert!(
        last["message"].as_str().unwrap().contains("no_such_table"),
        "{last}"
    );
    assert!(event_reasons(&requests).contains(&"StepFailed".to_owned()));
}

#[tokio::test]
async fn a_database_password_never_reaches_status_or_events() {
    // Nothing listens on port 1: the connection fails, and the error must not carry the password.
    let secret = "s3cr3t-Pa55";
    let url = format!("postgres://app:{secret}@127.0.0.1:1/shop");
    let (result, requests) = run(schema("head", json!({})), cluster(&url)).await;
    let err = result.unwrap_err().to_string();
    assert!(!err.contains(secret), "{err}");
    assert!(statuses(&requests).last().unwrap()["phase"] == "Failed");
    for r in &requests {
        assert!(
            !r.body.to_string().contains(secret),
            "{} {} leaked the password: {}",
            r.method,
            r.path,
            r.body
        );
    }
}
