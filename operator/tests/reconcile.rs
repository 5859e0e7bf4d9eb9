//! The reconciler against a mocked API server (kube-rs's `tower_test`
//! approach) and a real PostgreSQL database: every request the reconciler
//! makes is recorded and answered by method and path, and the tests assert
//! on that record (status patches, events) and on the database.

mod support;

use kube::runtime::controller::Action;
use revisor::k8s::reconcile::{ReconcileError, RECHECK};
use serde_json::{json, Value};
use support::mock_api::{cluster, postgres_url, rows, run, schema, Recorded};

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

#[tokio::test]
async fn a_fresh_database_goes_to_ready_with_progress_status_and_events() {
    let url = postgres_url("fresh").await;
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
    let url = postgres_url("downgrade").await;
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
    let url = postgres_url("manual").await;
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
    let url = postgres_url("bad").await;
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
    let url = postgres_url("failing").await;
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

#[tokio::test]
async fn a_target_bump_upgrades_to_the_new_revision() {
    let url = postgres_url("bump").await;
    let (first, _) = run(schema("b", json!({})), cluster(&url)).await;
    first.unwrap();
    assert_eq!(rows(&url).await, vec!["b"]);
    let (result, requests) = run(schema("c", json!({})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::requeue(RECHECK));
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Ready");
    assert_eq!(
        last["plan"]["steps"],
        json!([{"revision": "c", "direction": "up"}])
    );
    assert_eq!(last["lastApplied"]["revision"], "c");
    assert_eq!(rows(&url).await, vec!["c"]);
    // Up to date: nothing runs, no step event, status stays Ready.
    let (result, requests) = run(schema("c", json!({})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::requeue(RECHECK));
    assert!(!event_reasons(&requests).contains(&"StepApplied".to_owned()));
    assert_eq!(
        statuses(&requests).last().unwrap()["progress"]["summary"],
        "0/0"
    );
}
