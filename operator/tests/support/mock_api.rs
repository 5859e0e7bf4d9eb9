//! A mocked API server for the reconciler (kube-rs's `tower_test`
//! approach): every request is recorded and answered by method and path
//! from a fake cluster holding one ConfigMap and one Secret. Shared by
//! tests/reconcile.rs and benches/reconcile.rs.

#![allow(dead_code)]

use http::{Request, Response};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::ByteString;
use kube::client::Body;
use kube::runtime::controller::Action;
use kube::runtime::events::{Recorder, Reporter};
use kube::Client;
use revisor::db::pool::{PoolConfig, Pools};
use revisor::db::tables::Tables;
use revisor::db::{Backend, Database};
use revisor::k8s::reconcile::{reconcile, Context, ReconcileError};
use revisor::resource::{DatabaseSchema, DatabaseSchemaSpec};
use revisor::with_backend;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// One request the reconciler made.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: Value,
}

pub const FILES: [(&str, &str); 3] = [
    ("1_a.sql", "-- revision: a\n-- message: create a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n-- migrate:down\nDROP TABLE t_a;\n"),
    ("2_b.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
    ("3_c.sql", "-- revision: c\n-- down_revision: b\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n"),
];

/// A fake cluster: a ConfigMap with `files`, a Secret with `url`.
pub struct Cluster {
    pub files: Vec<(String, String)>,
    pub url: String,
}

impl Cluster {
    /// Answers by method and path: any ConfigMap holds `files`, any
    /// Secret holds `url` under `url`, and status patches and events are
    /// echoed.
    pub fn answer(&self, method: &str, path: &str, body: &Value, obj: &Value) -> (u16, Value) {
        let segments: Vec<&str> = path.split('/').collect();
        match (method, segments.as_slice()) {
            ("GET", ["", "api", "v1", "namespaces", ns, "configmaps", name]) => {
                let data: serde_json::Map<String, Value> = self
                    .files
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                (
                    200,
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data}),
                )
            }
            ("GET", ["", "api", "v1", "namespaces", ns, "secrets", name]) => {
                // k8s-openapi's ByteString serialises Secret data as base64.
                let secret = Secret {
                    metadata: ObjectMeta {
                        name: Some((*name).into()),
                        namespace: Some((*ns).into()),
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
            (
                "PATCH",
                ["", "apis", "revisor.dev", "v1alpha1", "namespaces", _, "databaseschemas", _, "status"],
            ) => {
                let mut o = obj.clone();
                o["status"] = body["status"].clone();
                (200, o)
            }
            ("POST", ["", "apis", "events.k8s.io", "v1", "namespaces", _, "events"]) => {
                (201, body.clone())
            }
            _ => (
                404,
                json!({"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": format!("{method} {path}")}),
            ),
        }
    }
}

pub fn schema(target: &str, extra: Value) -> DatabaseSchema {
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

/// A mocked API server for a client of namespace `ns`: each request is
/// read whole and answered by `answer` (given it as recorded, and its
/// headers) with a status code and a JSON body. Returns the client and
/// the server's task.
pub fn serve(
    ns: &str,
    mut answer: impl FnMut(Recorded, &http::HeaderMap) -> (u16, Value) + Send + 'static,
) -> (Client, tokio::task::JoinHandle<()>) {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = Client::new(service, ns);
    let server = tokio::spawn(async move {
        while let Some((req, send)) = handle.next_request().await {
            let (parts, body) = req.into_parts();
            let bytes = body.collect_bytes().await.unwrap();
            let request = Recorded {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().unwrap_or("").to_owned(),
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            };
            let (code, body) = answer(request, &parts.headers);
            send.send_response(
                Response::builder()
                    .status(code)
                    .body(Body::from(serde_json::to_vec(&body).unwrap()))
                    .unwrap(),
            );
        }
    });
    (client, server)
}

/// Runs one reconcile against the fake cluster with pools of its own;
/// returns its result and every request it made.
pub async fn run(
    obj: DatabaseSchema,
    cluster: Cluster,
) -> (Result<Action, ReconcileError>, Vec<Recorded>) {
    run_with(obj, cluster, &Arc::new(Pools::new(PoolConfig::default()))).await
}

/// Runs one reconcile against the fake cluster, with connections from
/// `pools` (shared by the runs of a test, as by an operator's reconciles).
pub async fn run_with(
    obj: DatabaseSchema,
    cluster: Cluster,
    pools: &Arc<Pools>,
) -> (Result<Action, ReconcileError>, Vec<Recorded>) {
    let recorded: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let log = recorded.clone();
    let obj_json = serde_json::to_value(&obj).unwrap();
    let (client, server) = serve("shop", move |request, _headers| {
        let (code, answer) =
            cluster.answer(&request.method, &request.path, &request.body, &obj_json);
        log.lock().unwrap().push(request);
        (code, answer)
    });
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "revisor".into(),
            instance: None,
        },
    );
    let ctx = Arc::new(Context::new(client, recorder, "test".into(), pools.clone()));
    let result = reconcile(Arc::new(obj), ctx).await;
    server.abort();
    let requests = recorded.lock().unwrap().clone();
    (result, requests)
}

/// A fresh PostgreSQL database on `REVISOR_TEST_POSTGRES_URL` (which
/// `scripts/test.sh` provides); the reconciler runs real migrations on it.
pub async fn postgres_url(name: &str) -> String {
    let base = std::env::var("REVISOR_TEST_POSTGRES_URL")
        .expect("REVISOR_TEST_POSTGRES_URL is not set: run `bash scripts/test.sh`, which starts a throwaway server");
    let db = format!("revisor_rec_{}_{name}", std::process::id());
    let mut admin = Database::connect(&base).await.unwrap();
    with_backend!(&mut admin, |b| {
        b.execute(&format!("DROP DATABASE IF EXISTS {db}"))
            .await
            .unwrap();
        b.execute(&format!("CREATE DATABASE {db}")).await.unwrap();
    });
    let (prefix, _) = base.rsplit_once('/').unwrap();
    format!("{prefix}/{db}")
}

pub fn cluster(url: &str) -> Cluster {
    Cluster {
        files: FILES
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        url: url.to_owned(),
    }
}

/// The version-table rows of `url`.
pub async fn rows(url: &str) -> Vec<String> {
    rows_of(url, "revisor_version").await
}

/// The rows of version table `table` of `url`.
pub async fn rows_of(url: &str, table: &str) -> Vec<String> {
    let mut db = Database::connect(url).await.unwrap();
    with_backend!(&mut db, |b| Tables::new(table, b.dialect())
        .unwrap()
        .heads(b)
        .await
        .unwrap())
}

/// Whether table `table` exists in `url`'s database.
pub async fn table_exists(url: &str, table: &str) -> bool {
    let mut db = Database::connect(url).await.unwrap();
    with_backend!(&mut db, |b| b
        .query(&format!("SELECT 1 FROM {table} WHERE 1 = 0"))
        .await
        .is_ok())
}

/// The status a reconcile wrote last, as the API server would now hold it.
/// The status the reconciler patched last, as JSON.
pub fn last_status(requests: &[Recorded]) -> Value {
    requests
        .iter()
        .rev()
        .find(|r| r.method == "PATCH" && r.path.ends_with("/status"))
        .map(|r| r.body["status"].clone())
        .expect("a status was written")
}

/// The condition of `type_` in a status, if it has one.
pub fn condition<'a>(status: &'a Value, type_: &str) -> Option<&'a Value> {
    status["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == type_))
}

pub fn with_last_status(mut obj: DatabaseSchema, requests: &[Recorded]) -> DatabaseSchema {
    let last = requests
        .iter()
        .rev()
        .find(|r| r.method == "PATCH" && r.path.ends_with("/status"))
        .expect("a status was written");
    obj.status = Some(serde_json::from_value(last.body["status"].clone()).unwrap());
    obj
}
