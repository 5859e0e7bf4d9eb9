//! Leader handover (issue 27): two `revisor run --leader-election`
//! processes against a fake API server that keeps one Lease (and answers
//! the controller's lists with nothing); SIGTERM to the leader releases
//! the Lease, and the standby leads within 2 s, not after the rest of the
//! Lease duration (30 s).

mod support;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LEASE_PATH: &str = "/apis/coordination.k8s.io/v1/namespaces/ops/leases/revisor-leader";

/// The one Lease the fake API server keeps, as JSON.
type Lease = Arc<Mutex<Option<Value>>>;

/// A JSON response (axum's `Json` needs a feature the project leaves off).
fn reply(status: StatusCode, v: &Value) -> axum::response::Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn not_found() -> axum::response::Response {
    reply(
        StatusCode::NOT_FOUND,
        &json!({"apiVersion": "v1", "kind": "Status", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"}),
    )
}

/// Answers the Lease requests from state, list requests with empty lists,
/// watches by closing at once (the clients watch again), the rest with 201.
async fn api(
    State(lease): State<Lease>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> axum::response::Response {
    let path = uri.path();
    let mut l = lease.lock().unwrap();
    if path == LEASE_PATH {
        match method {
            Method::GET => {
                return l
                    .clone()
                    .map_or_else(not_found, |v| reply(StatusCode::OK, &v))
            }
            Method::PATCH => {
                let patch: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let current = l.get_or_insert_with(|| {
                    json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                           "metadata": {"name": "revisor-leader", "namespace": "ops", "resourceVersion": "1"},
                           "spec": {}})
                });
                if let Some(spec) = patch["spec"].as_object() {
                    for (k, v) in spec {
                        if v.is_null() {
                            current["spec"].as_object_mut().unwrap().remove(k);
                        } else {
                            current["spec"][k] = v.clone();
                        }
                    }
                }
                let rv: u64 = current["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("1")
                    .parse()
                    .unwrap_or(1);
                current["metadata"]["resourceVersion"] = json!((rv + 1).to_string());
                return reply(StatusCode::OK, current);
            }
            _ => {}
        }
    }
    if method == Method::POST && path.ends_with("/leases") {
        let mut created: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        created["metadata"]["resourceVersion"] = json!("1");
        *l = Some(created.clone());
        return reply(StatusCode::CREATED, &created);
    }
    if method == Method::GET {
        if uri.query().is_some_and(|q| q.contains("watch=true")) {
            return StatusCode::OK.into_response();
        }
        return reply(
            StatusCode::OK,
            &json!({"apiVersion": "v1", "kind": "List", "items": [], "metadata": {"resourceVersion": "1"}}),
        );
    }
    reply(StatusCode::CREATED, &json!({}))
}

fn holder(lease: &Lease) -> Option<String> {
    lease.lock().unwrap().as_ref()?["spec"]["holderIdentity"]
        .as_str()
        .map(str::to_owned)
}

fn operator(kubeconfig: &std::path::Path, identity: &str, metrics: u16) -> Child {
    support::cli::bin()
        .env("KUBECONFIG", kubeconfig)
        .env("RUST_LOG", "warn")
        .args([
            "run",
            "--leader-election",
            "--lease-namespace",
            "ops",
            "--namespace",
            "ops",
            "--identity",
            identity,
            "--metrics-addr",
            &format!("127.0.0.1:{metrics}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_for(lease: &Lease, who: &str, within: Duration) -> Duration {
    let t0 = Instant::now();
    while holder(lease).as_deref() != Some(who) {
        assert!(
            t0.elapsed() < within,
            "{who} did not lead within {within:?} (holder {:?})",
            holder(lease)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    t0.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminated_leader_hands_the_lease_over_within_two_seconds() {
    let lease: Lease = Arc::default();
    let app = axum::Router::new().fallback(api).with_state(lease.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = support::cli::scratch("handover");
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: fake\n  user: {{}}\ncontexts:\n- name: fake\n  context: {{cluster: fake, user: fake, namespace: ops}}\ncurrent-context: fake\n"),
    )
    .unwrap();

    let mut a = operator(&kubeconfig, "a", free_port());
    wait_for(&lease, "a", Duration::from_secs(20)).await;
    let mut b = operator(&kubeconfig, "b", free_port());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        holder(&lease).as_deref(),
        Some("a"),
        "the standby took a held Lease"
    );

    Command::new("kill")
        .args(["-TERM", &a.id().to_string()])
        .status()
        .unwrap();
    let took = wait_for(&lease, "b", Duration::from_secs(10)).await;
    let exited = a.wait().unwrap();
    let _ = b.kill();
    let _ = b.wait();
    println!("handover after SIGTERM: {took:?} (leader exited: {exited})");
    assert!(
        took < Duration::from_secs(2),
        "the standby led {took:?} after the leader's SIGTERM"
    );
}
