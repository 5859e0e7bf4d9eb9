//! `revisor approve` and `revisor status` against a mocked API server
//! (kube-rs's `tower_test` approach): every request is recorded, and the
//! tests assert exactly what was sent.

use http::{Request, Response};
use kube::client::Body;
use kube::Client;
use revisor::cli::cluster;
use revisor::cli::CliError;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const PATH: &str = "/apis/revisor.dev/v1alpha1/namespaces/shop/databaseschemas/shop";

#[derive(Debug, Clone)]
struct Sent {
    method: String,
    path: String,
    query: String,
    content_type: String,
    body: Value,
}

fn schema(status: Value) -> Value {
    json!({
        "apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchema",
        "metadata": {"name": "shop", "namespace": "shop", "generation": 1, "resourceVersion": "42"},
        "spec": {"targetRevision": "head", "approval": "Manual",
                 "database": {"urlSecretRef": {"name": "db", "key": "url"}},
                 "migrations": {"configMapRef": {"name": "m"}}},
        "status": status,
    })
}

fn awaiting() -> Value {
    schema(json!({
        "phase": "AwaitingApproval", "message": "plan abc awaits approval",
        "plan": {"hash": "abc123", "steps": [{"revision": "r1", "direction": "up", "message": "create users"}]},
    }))
}

/// A client whose API server answers GETs of the object (and lists) with
/// `obj` and records every request.
fn mock(obj: Value) -> (Client, Arc<Mutex<Vec<Sent>>>) {
    mock_with(move |_, target| {
        if target
            .split('?')
            .next()
            .unwrap()
            .ends_with("/databaseschemas")
        {
            json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchemaList", "metadata": {}, "items": [obj.clone()]})
        } else {
            obj.clone()
        }
    })
}

/// A client whose API server answers each request with `answer(method,
/// path with query)` and records every request.
fn mock_with(
    answer: impl Fn(&str, &str) -> Value + Send + 'static,
) -> (Client, Arc<Mutex<Vec<Sent>>>) {
    let (service, mut handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();
    let log = sent.clone();
    tokio::spawn(async move {
        while let Some((req, send)) = handle.next_request().await {
            let (parts, body) = req.into_parts();
            let bytes = body.collect_bytes().await.unwrap();
            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            let target = parts
                .uri
                .path_and_query()
                .map_or(String::new(), |p| p.to_string());
            log.lock().unwrap().push(Sent {
                method: parts.method.to_string(),
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().unwrap_or("").to_owned(),
                content_type: parts
                    .headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned(),
                body,
            });
            let answer = answer(parts.method.as_str(), &target);
            send.send_response(
                Response::builder()
                    .status(200)
                    .body(Body::from(serde_json::to_vec(&answer).unwrap()))
                    .unwrap(),
            );
        }
    });
    (Client::new(service, "shop"), sent)
}

async fn approve(obj: Value, yes: bool, answer: &str) -> (Result<(), CliError>, Vec<Sent>, String) {
    let (client, sent) = mock(obj);
    let mut out = Vec::new();
    let mut input = answer.as_bytes();
    let r = cluster::approve(&client, Some("shop"), "shop", yes, &mut input, &mut out).await;
    let sent = sent.lock().unwrap().clone();
    (r, sent, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn approve_patches_exactly_the_annotation_with_the_current_hash() {
    let (r, sent, out) = approve(awaiting(), true, "").await;
    r.unwrap();
    assert!(
        out.contains("Plan abc123") && out.contains("up   r1  create users"),
        "{out}"
    );
    let patches: Vec<&Sent> = sent.iter().filter(|s| s.method == "PATCH").collect();
    assert_eq!(patches.len(), 1, "{sent:?}");
    assert_eq!(patches[0].path, PATH);
    assert_eq!(patches[0].content_type, "application/merge-patch+json");
    assert_eq!(
        patches[0].body,
        json!({"metadata": {"resourceVersion": "42", "annotations": {"revisor.dev/approved-plan": "abc123"}}})
    );
}

#[tokio::test]
async fn approve_asks_and_a_no_patches_nothing() {
    let (r, sent, out) = approve(awaiting(), false, "n\n").await;
    assert!(
        matches!(r, Err(CliError::Input(ref m)) if m == "not approved"),
        "{r:?}"
    );
    assert!(out.contains("Approve this plan? [y/N]"));
    assert!(sent.iter().all(|s| s.method == "GET"), "{sent:?}");
    let (r, sent, _) = approve(awaiting(), false, "y\n").await;
    r.unwrap();
    assert_eq!(sent.iter().filter(|s| s.method == "PATCH").count(), 1);
}

#[tokio::test]
async fn approve_refuses_a_resource_that_is_not_awaiting_approval_or_has_no_plan() {
    let ready = schema(json!({"phase": "Ready", "message": "applied 1 step(s)"}));
    let (r, sent, _) = approve(ready, true, "").await;
    assert!(
        matches!(r, Err(CliError::Input(ref m)) if m.contains("not AwaitingApproval")),
        "{r:?}"
    );
    assert!(sent.iter().all(|s| s.method == "GET"));
    let no_plan = schema(json!({"phase": "AwaitingApproval", "message": "?"}));
    let (r, sent, _) = approve(no_plan, true, "").await;
    assert!(
        matches!(r, Err(CliError::Input(ref m)) if m.contains("no plan")),
        "{r:?}"
    );
    assert!(sent.iter().all(|s| s.method == "GET"));
    assert_eq!(CliError::Input(String::new()).exit_code(), 2);
}

#[tokio::test]
async fn status_lists_target_current_phase_progress_and_message() {
    let obj = schema(json!({
        "phase": "Ready", "message": "applied 3 step(s)", "currentRevisions": ["r3"], "currentRevision": "r3",
        "progress": {"completed": 3, "total": 3, "summary": "3/3"},
    }));
    let (client, sent) = mock(obj);
    let mut out = Vec::new();
    cluster::status(&client, None, true, &mut out)
        .await
        .unwrap();
    let out = String::from_utf8(out).unwrap();
    let row: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(
        &row[..6],
        ["shop", "shop", "head", "r3", "Ready", "3/3"],
        "{out}"
    );
    assert_eq!(
        sent.lock().unwrap()[0].path,
        "/apis/revisor.dev/v1alpha1/databaseschemas"
    );
}

#[test]
fn the_binary_is_a_kubectl_plugin_under_the_name_kubectl_revisor() {
    let dir = std::env::temp_dir().join(format!("revisor-plugin-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let link = dir.join("kubectl-revisor");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_revisor"), &link).unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("kubectl")
        .args(["revisor", "list-templates"])
        .env("PATH", path)
        .output()
        .expect("kubectl is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("gitops"));
}

/// A child of set `tenants` for Secret `secret`.
fn child(secret: &str, phase: &str, plan: Option<&str>, approved: Option<&str>) -> Value {
    let mut obj = schema(json!({
        "phase": phase, "message": "",
        "plan": plan.map(|h| json!({"hash": h, "steps": []})),
    }));
    obj["metadata"]["name"] = json!(format!("tenants-{secret}"));
    obj["metadata"]["resourceVersion"] = json!(format!("rv-{secret}"));
    obj["metadata"]["labels"] = json!({"revisor.dev/set": "tenants", "revisor.dev/secret": secret});
    if let Some(h) = approved {
        obj["metadata"]["annotations"] = json!({"revisor.dev/approved-plan": h});
    }
    obj
}

#[tokio::test]
async fn approve_set_approves_the_children_waiting_on_the_canarys_plan_and_no_other() {
    let children = vec![
        child("t1", "Ready", Some("h1"), Some("h1")),
        child("t2", "AwaitingApproval", Some("h1"), None),
        child("t3", "AwaitingApproval", Some("h2"), None),
        child("t4", "AwaitingApproval", Some("h1"), None),
        child("t5", "Pending", None, None),
    ];
    let set = json!({
        "apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchemaSet",
        "metadata": {"name": "tenants", "namespace": "shop"},
        "spec": {"databases": {"secretSelector": {"matchLabels": {"tier": "tenant"}}},
                 "template": {"targetRevision": "head", "approval": "Manual",
                              "migrations": {"configMapRef": {"name": "m"}}},
                 "rollout": {"canary": 1, "maxParallel": 2}},
    });
    let (client, sent) = mock_with(move |_, target| {
        if target.contains("/databaseschemasets/") {
            set.clone()
        } else if target
            .split('?')
            .next()
            .unwrap()
            .ends_with("/databaseschemas")
        {
            json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchemaList",
                   "metadata": {}, "items": children.clone()})
        } else {
            // A PATCH of one child: the child.
            let path = target.split('?').next().unwrap();
            let name = path.rsplit('/').next().unwrap();
            children
                .iter()
                .find(|c| c["metadata"]["name"] == name)
                .cloned()
                .unwrap_or(Value::Null)
        }
    });
    let mut out = Vec::new();
    let r = cluster::approve_set(
        &client,
        Some("shop"),
        "tenants",
        true,
        &mut "".as_bytes(),
        &mut out,
    )
    .await;
    let out = String::from_utf8(out).unwrap();
    r.unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(
        out.contains("Plan h1 of the canary tenants-t1") && out.contains("skip     tenants-t3"),
        "{out}"
    );
    let sent = sent.lock().unwrap().clone();
    let list = sent
        .iter()
        .find(|s| s.path.ends_with("/databaseschemas"))
        .unwrap();
    assert!(
        list.query
            .contains("labelSelector=revisor.dev%2Fset%3Dtenants"),
        "{list:?}"
    );
    let patches: Vec<(&str, &Value)> = sent
        .iter()
        .filter(|s| s.method == "PATCH")
        .map(|s| (s.path.rsplit('/').next().unwrap(), &s.body))
        .collect();
    assert_eq!(
        patches,
        [
            (
                "tenants-t2",
                &json!({"metadata": {"resourceVersion": "rv-t2", "annotations": {"revisor.dev/approved-plan": "h1"}}})
            ),
            (
                "tenants-t4",
                &json!({"metadata": {"resourceVersion": "rv-t4", "annotations": {"revisor.dev/approved-plan": "h1"}}})
            ),
        ]
    );
}
