//! The reconciler against a mocked API server (kube-rs's `tower_test`
//! approach) and a real PostgreSQL database: every request the reconciler
//! makes is recorded and answered by method and path, and the tests assert
//! on that record (status patches, events) and on the database.

mod support;

use kube::runtime::controller::Action;
use revisor::db::pool::{PoolConfig, Pools};
use revisor::k8s::reconcile::{ReconcileError, RECHECK};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use support::mock_api::{
    cluster, postgres_url, rows, run, run_with, schema, table_exists, with_last_status, Cluster,
    Recorded,
};

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
    assert_recheck(&result.unwrap());
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
    assert_recheck(&result.unwrap());
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
        matches!(result, Err(ReconcileError::Run(ref e)) if e.to_string().contains("step up c failed")),
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
    let action = format!("{result:?}");
    assert!(!action.contains(secret), "{action}");
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Pending", "unreachable is transient: {last}");
    assert!(
        last["message"].as_str().unwrap().contains("cannot connect"),
        "{last}"
    );
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
    assert_recheck(&result.unwrap());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Ready");
    assert_eq!(
        last["plan"]["steps"],
        json!([{"revision": "c", "direction": "up"}])
    );
    assert_eq!(last["lastApplied"]["revision"], "c");
    assert_eq!(rows(&url).await, vec!["c"]);
    // Up to date: nothing runs, no step event, and nothing to write.
    let (result, requests) = run(
        with_last_status(schema("c", json!({})), &requests),
        cluster(&url),
    )
    .await;
    assert_recheck(&result.unwrap());
    assert!(!event_reasons(&requests).contains(&"StepApplied".to_owned()));
    assert!(statuses(&requests).is_empty(), "{requests:?}");
}

/// When `action` requeues, read from its Debug form (kube's `Action`
/// keeps the duration private).
fn requeue_after(action: &Action) -> Option<Duration> {
    format!("{action:?}")
        .split("requeue_after: Some(")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .and_then(parse_debug_duration)
}

/// A Ready resource is re-checked after RECHECK ± 10 %.
fn assert_recheck(action: &Action) {
    let d = requeue_after(action).expect("a requeue");
    assert!(
        d >= RECHECK.mul_f64(0.9) && d <= RECHECK.mul_f64(1.1),
        "recheck after {d:?}"
    );
}

/// `Duration`'s Debug form (`4.87s`, `300ms`) back to a Duration.
fn parse_debug_duration(s: &str) -> Option<Duration> {
    if let Some(ms) = s.strip_suffix("ms") {
        return ms
            .parse::<f64>()
            .ok()
            .map(|v| Duration::from_secs_f64(v / 1e3));
    }
    s.strip_suffix('s')?
        .parse::<f64>()
        .ok()
        .map(Duration::from_secs_f64)
}

#[tokio::test]
async fn a_recheck_at_the_target_checks_drift_reads_the_version_table_once_and_patches_nothing() {
    let url = postgres_url("recheck").await;
    let pools = Arc::new(Pools::new(PoolConfig::default()));
    let (first, requests) = run_with(schema("head", json!({})), cluster(&url), &pools).await;
    first.unwrap();
    let ready = with_last_status(schema("head", json!({})), &requests);
    let status = ready.status.clone().unwrap();
    assert_eq!(status.progress.as_ref().unwrap().summary, "3/3");
    assert_eq!(status.current_revision, "c");
    let before = pools.round_trips();
    let (result, requests) = run_with(ready, cluster(&url), &pools).await;
    assert_recheck(&result.unwrap());
    // The live drift check (four catalog queries of PostgreSQL's
    // introspection, the snapshot table's existence and its latest
    // fingerprint), then one read of the version table: no lock, no DDL.
    assert_eq!(
        pools.round_trips() - before,
        7,
        "drift check and one read of the version table"
    );
    assert!(
        statuses(&requests).is_empty(),
        "an unchanged status is not patched"
    );
    assert!(event_reasons(&requests).is_empty());
}

#[tokio::test]
async fn progress_persists_after_ready_when_the_inputs_change_but_not_the_database() {
    let url = postgres_url("persist").await;
    let (first, requests) = run(schema("head", json!({})), cluster(&url)).await;
    first.unwrap();
    let ready = with_last_status(schema("head", json!({})), &requests);
    // A new file that the target does not reach: the full check runs (the
    // inputs changed), finds nothing to do, and keeps the last run's figures.
    let mut c = cluster(&url);
    c.files.push(("4_d.sql".into(), "-- revision: d\n-- down_revision: a\n-- branch_labels: side\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n".into()));
    let mut obj = ready;
    obj.spec.target_revision = "c".into();
    let (result, requests) = run(obj, c).await;
    assert_recheck(&result.unwrap());
    let last = *statuses(&requests)
        .last()
        .expect("the digest changed, so status is written");
    assert_eq!(last["progress"]["summary"], "3/3");
    assert_eq!(last["phase"], "Ready");
}

#[tokio::test]
async fn a_transient_database_error_is_pending_with_backoff_not_failed() {
    // Nothing listens on port 1.
    let url = "postgres://app@127.0.0.1:1/shop".to_owned();
    let (result, requests) = run(schema("head", json!({})), cluster(&url)).await;
    let action = result.expect("Pending is not an error");
    assert!(
        requeue_after(&action)
            .is_some_and(|d| d >= Duration::from_secs(4) && d <= Duration::from_secs(6)),
        "first retry after 5 s ± 20 %: {action:?}"
    );
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Pending");
    let reconciling = last["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Reconciling")
        .unwrap();
    assert_eq!(
        (
            reconciling["status"].as_str(),
            reconciling["reason"].as_str()
        ),
        (Some("True"), Some("DatabaseUnavailable"))
    );
}

#[tokio::test]
async fn a_refused_run_creates_no_bookkeeping_tables() {
    let url = postgres_url("refused").await;
    let (result, _) = run(schema("head", json!({"approval": "Manual"})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::await_change());
    let (result, requests) = run(schema("nope", json!({})), cluster(&url)).await;
    assert_eq!(result.unwrap(), Action::await_change());
    assert_eq!(statuses(&requests).last().unwrap()["phase"], "Blocked");
    assert!(!table_exists(&url, "revisor_version").await);
    assert!(!table_exists(&url, "revisor_version_history").await);
}

#[tokio::test]
async fn the_retry_annotation_clears_a_dirty_mark_once() {
    let url = postgres_url("retry").await;
    // A non-transactional step that fails leaves the database dirty.
    let mut c = cluster(&url);
    c.files[2].1 = "-- revision: c\n-- down_revision: b\n-- transactional: false\n-- migrate:up\nINSERT INTO t_c_missing VALUES (1);\n-- migrate:down\nSELECT 1;\n".into();
    let (result, requests) = run(schema("head", json!({})), c).await;
    assert!(matches!(result, Err(ReconcileError::Run(_))), "{result:?}");
    let failed = with_last_status(schema("head", json!({})), &requests);
    let mut fixed = cluster(&url);
    fixed.files[2].1 = "-- revision: c\n-- down_revision: b\n-- transactional: false\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n".into();
    let fixed_files = fixed.files.clone();
    let (result, requests) = run(failed.clone(), fixed).await;
    assert_eq!(result.unwrap(), Action::await_change());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(
        (
            last["phase"].as_str(),
            last["conditions"][2]["reason"].as_str()
        ),
        (Some("Blocked"), Some("Dirty"))
    );
    let blocked = with_last_status(failed, &requests);
    let mut retried = blocked.clone();
    retried.metadata.annotations = Some([("revisor.dev/retry".to_owned(), "1".to_owned())].into());
    let c = support::mock_api::Cluster {
        files: fixed_files.clone(),
        url: url.clone(),
    };
    let (result, requests) = run(retried, c).await;
    assert_recheck(&result.unwrap());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Ready");
    assert_eq!(last["lastRetry"], "1");
    assert_eq!(rows(&url).await, vec!["c"]);
}

/// Runs `revisor apply` on `obj` with `files` against `url`; returns the
/// printed phase and the exit code.
fn apply_cli(
    obj: &revisor::resource::DatabaseSchema,
    files: &[(String, String)],
    url: &str,
) -> (String, i32) {
    let dir = std::env::temp_dir().join(format!(
        "revisor-parity-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(dir.join("m")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join("m").join(name), text).unwrap();
    }
    let manifest = dir.join("db.yaml");
    std::fs::write(&manifest, serde_yaml::to_string(obj).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args([
            "apply",
            "-f",
            manifest.to_str().unwrap(),
            "--dir",
            dir.join("m").to_str().unwrap(),
        ])
        .env("REVISOR_DATABASE_URL", url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let phase = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("phase: "))
        .unwrap_or("")
        .to_owned();
    (phase, out.status.code().unwrap_or(-1))
}

/// The exit code SPEC.md gives a phase.
fn exit_code_of(phase: &str) -> i32 {
    match phase {
        "Ready" | "AwaitingApproval" => 0,
        "Blocked" => 2,
        _ => 1,
    }
}

#[tokio::test]
async fn apply_and_reconcile_give_the_same_phase_and_exit_code_for_the_same_outcome() {
    let broken = {
        let mut c = cluster("");
        c.files[2].1 = "-- revision: c\n-- down_revision: b\n-- migrate:up\nINSERT INTO no_such_table VALUES (1);\n-- migrate:down\nSELECT 1;\n".into();
        c.files
    };
    let good = cluster("").files;
    // (scenario, target, spec extras, files, migrate to head first, reachable)
    let scenarios = [
        ("fresh", "head", json!({}), good.clone(), false, true),
        (
            "manual",
            "head",
            json!({"approval": "Manual"}),
            good.clone(),
            false,
            true,
        ),
        ("downgrade", "a", json!({}), good.clone(), true, true),
        ("badtarget", "nope", json!({}), good.clone(), false, true),
        ("failing", "head", json!({}), broken, false, true),
        ("unreachable", "head", json!({}), good.clone(), false, false),
    ];
    for (name, target, extra, files, prepare, reachable) in scenarios {
        let mut urls = Vec::new();
        for side in ["rec", "cli"] {
            urls.push(if reachable {
                postgres_url(&format!("parity_{name}_{side}")).await
            } else {
                "postgres://app@127.0.0.1:1/shop".to_owned()
            });
        }
        if prepare {
            for url in &urls {
                let (r, _) = run(schema("head", json!({})), cluster(url)).await;
                r.unwrap();
            }
        }
        let c = support::mock_api::Cluster {
            files: files.clone(),
            url: urls[0].clone(),
        };
        let (_, requests) = run(schema(target, extra.clone()), c).await;
        let reconciled = statuses(&requests).last().unwrap()["phase"]
            .as_str()
            .unwrap()
            .to_owned();
        let (applied, code) = apply_cli(&schema(target, extra), &files, &urls[1]);
        assert_eq!(applied, reconciled, "{name}: apply vs reconcile phase");
        assert_eq!(
            code,
            exit_code_of(&reconciled),
            "{name}: exit code of {reconciled}"
        );
    }
}

/// a creates t_a with a column; b drops the column (RV102, destructive).
fn dropping(url: &str) -> support::mock_api::Cluster {
    support::mock_api::Cluster {
        files: vec![
            ("1_a.sql".into(), "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT, note TEXT);\n-- migrate:down\nDROP TABLE t_a;\n".into()),
            ("2_b.sql".into(), "-- revision: b\n-- down_revision: a\n-- migrate:up\nALTER TABLE t_a DROP COLUMN note;\n-- migrate:down\nALTER TABLE t_a ADD COLUMN note TEXT;\n".into()),
        ],
        url: url.to_owned(),
    }
}

#[tokio::test]
async fn a_plan_that_drops_a_column_waits_for_approval_with_the_finding_in_status_then_runs() {
    let url = postgres_url("policy_approve").await;
    let (first, _) = run(schema("a", json!({})), dropping(&url)).await;
    first.unwrap();
    let (result, requests) = run(schema("b", json!({})), dropping(&url)).await;
    assert_eq!(result.unwrap(), Action::await_change());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "AwaitingApproval");
    let finding = &last["plan"]["steps"][0]["findings"][0];
    assert_eq!(
        (finding["code"].as_str(), finding["line"].as_i64()),
        (Some("RV102"), Some(4)),
        "{last}"
    );
    assert!(
        last["message"].as_str().unwrap().contains("RV102 in b"),
        "{last}"
    );
    assert_eq!(rows(&url).await, vec!["a"], "nothing ran");
    // The approval of that plan's hash covers its findings.
    let hash = last["plan"]["hash"].as_str().unwrap().to_owned();
    let mut approved = schema("b", json!({}));
    approved.metadata.annotations = Some([("revisor.dev/approved-plan".to_owned(), hash)].into());
    let (result, _) = run(approved, dropping(&url)).await;
    assert_recheck(&result.unwrap());
    assert_eq!(rows(&url).await, vec!["b"]);
}

#[tokio::test]
async fn the_policy_blocks_or_allows_a_destructive_plan() {
    let url = postgres_url("policy_block").await;
    run(schema("a", json!({})), dropping(&url)).await.0.unwrap();
    let (result, requests) = run(
        schema("b", json!({"policy": {"destructive": "Block"}})),
        dropping(&url),
    )
    .await;
    assert_eq!(result.unwrap(), Action::await_change());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Blocked");
    assert_eq!(last["plan"]["steps"][0]["findings"][0]["code"], "RV102");
    assert_eq!(rows(&url).await, vec!["a"], "nothing ran");
    let (result, _) = run(
        schema("b", json!({"policy": {"destructive": "Allow"}})),
        dropping(&url),
    )
    .await;
    assert_recheck(&result.unwrap());
    assert_eq!(rows(&url).await, vec!["b"]);
}

#[tokio::test]
async fn while_another_process_holds_the_lock_status_says_so_and_who() {
    use revisor::db::{Backend, Database};
    use revisor::with_backend;
    let url = postgres_url("lockheld").await;
    let mut holder = Database::connect(&url).await.unwrap();
    with_backend!(&mut holder, |b| b
        .lock("revisor_version", Duration::from_secs(1))
        .await)
    .unwrap();
    let release = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        with_backend!(&mut holder, |b| b.unlock().await).unwrap();
        holder
    });
    let (result, requests) = run(
        schema("head", json!({"lockTimeoutSeconds": 10})),
        cluster(&url),
    )
    .await;
    assert_recheck(&result.unwrap());
    let all = statuses(&requests);
    let waiting = all
        .iter()
        .find(|s| s["phase"] == "Pending")
        .expect("a Pending status while the lock is held");
    let message = waiting["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "waiting up to 10s for the migration lock, held by PostgreSQL backend pid"
        ),
        "{message}"
    );
    assert_eq!(waiting["conditions"][1]["reason"], "LockHeld");
    assert_eq!(all.last().unwrap()["phase"], "Ready");
    release.await.unwrap();
}

/// `spec.drift.policy: Block`: a change made by hand on a Ready database
/// sets SchemaDrift=True (with an event and the fingerprint that accepts
/// it) and blocks the next plan; `revisor.dev/accept-drift` with that
/// fingerprint takes a new snapshot and the plan runs.
#[tokio::test]
async fn drift_blocks_the_next_plan_until_accepted() {
    let url = postgres_url("drift_block").await;
    let block = json!({"drift": {"policy": "Block"}});
    let (first, _) = run(schema("b", block.clone()), cluster(&url)).await;
    first.unwrap();
    let mut db = revisor::db::Database::connect(&url).await.unwrap();
    revisor::with_backend!(&mut db, |b| revisor::db::Backend::execute(
        b,
        "CREATE TABLE audit (id INTEGER)"
    )
    .await)
    .unwrap();
    // The target moves on: the plan does not run while the schema drifted,
    // and the periodic recheck goes on (a revert by hand is no watch event).
    let (result, requests) = run(schema("c", block.clone()), cluster(&url)).await;
    assert_recheck(&result.unwrap());
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Blocked", "{last}");
    let drift = last["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "SchemaDrift")
        .expect("a SchemaDrift condition")
        .clone();
    assert_eq!(drift["status"], "True");
    let message = drift["message"].as_str().unwrap();
    assert!(message.contains("add table audit"), "{message}");
    assert!(
        event_reasons(&requests).contains(&"SchemaDrift".to_owned()),
        "{:?}",
        event_reasons(&requests)
    );
    assert_eq!(rows(&url).await, vec!["b"], "nothing ran");
    let fingerprint = message
        .rsplit("revisor.dev/accept-drift=")
        .next()
        .unwrap()
        .to_owned();
    // Accepted: the live schema is the new snapshot, and the plan runs.
    let mut accepted = schema("c", block);
    accepted.metadata.annotations =
        Some([("revisor.dev/accept-drift".to_owned(), fingerprint)].into());
    let (result, requests) = run(accepted, cluster(&url)).await;
    assert_recheck(&result.unwrap());
    assert_eq!(rows(&url).await, vec!["c"]);
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Ready");
    let drift = last["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "SchemaDrift")
        .unwrap()
        .clone();
    assert_eq!(drift["status"], "False", "{drift}");
}

/// The default policy (Report) keeps Ready and says so in the condition;
/// reverting the change clears it.
#[tokio::test]
async fn drift_is_reported_and_clears_when_reverted() {
    let url = postgres_url("drift_report").await;
    let pools = Arc::new(Pools::new(PoolConfig::default()));
    let (first, requests) = run_with(schema("head", json!({})), cluster(&url), &pools).await;
    first.unwrap();
    let ready = with_last_status(schema("head", json!({})), &requests);
    let mut db = revisor::db::Database::connect(&url).await.unwrap();
    revisor::with_backend!(&mut db, |b| revisor::db::Backend::execute(
        b,
        "ALTER TABLE t_c ADD COLUMN gift TEXT"
    )
    .await)
    .unwrap();
    let (result, requests) = run_with(ready.clone(), cluster(&url), &pools).await;
    assert_recheck(&result.unwrap());
    let last = *statuses(&requests).last().expect("the condition changed");
    assert_eq!(last["phase"], "Ready");
    let cond = |s: &Value, t: &str| {
        s["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == t)
            .map(|c| c["status"].as_str().unwrap().to_owned())
    };
    assert_eq!(cond(last, "SchemaDrift").as_deref(), Some("True"));
    assert_eq!(cond(last, "Ready").as_deref(), Some("True"));
    let drifted = with_last_status(ready, &requests);
    revisor::with_backend!(&mut db, |b| revisor::db::Backend::execute(
        b,
        "ALTER TABLE t_c DROP COLUMN gift"
    )
    .await)
    .unwrap();
    let (result, requests) = run_with(drifted, cluster(&url), &pools).await;
    assert_recheck(&result.unwrap());
    let last = *statuses(&requests)
        .last()
        .expect("the condition changed back");
    assert_eq!(cond(last, "SchemaDrift").as_deref(), Some("False"));
}

/// Under Block, reverting the change by hand unblocks at the next recheck.
#[tokio::test]
async fn a_revert_by_hand_unblocks_a_drift_blocked_plan() {
    let url = postgres_url("drift_revert").await;
    let block = json!({"drift": {"policy": "Block"}});
    let (first, _) = run(schema("b", block.clone()), cluster(&url)).await;
    first.unwrap();
    let mut db = revisor::db::Database::connect(&url).await.unwrap();
    revisor::with_backend!(&mut db, |b| revisor::db::Backend::execute(
        b,
        "ALTER TABLE t_a ADD COLUMN gift TEXT"
    )
    .await)
    .unwrap();
    let (_, requests) = run(schema("c", block.clone()), cluster(&url)).await;
    assert_eq!(statuses(&requests).last().unwrap()["phase"], "Blocked");
    revisor::with_backend!(&mut db, |b| revisor::db::Backend::execute(
        b,
        "ALTER TABLE t_a DROP COLUMN gift"
    )
    .await)
    .unwrap();
    let (result, _) = run(schema("c", block), cluster(&url)).await;
    assert_recheck(&result.unwrap());
    assert_eq!(rows(&url).await, vec!["c"]);
}

/// A plan of 300 quick steps (an Alembic history brought over): the status
/// lists the first 100 steps and counts the rest, and after the first 20
/// steps progress and `StepApplied` events go out at most once a second,
/// so the API server sees tens of writes, not hundreds.
#[tokio::test]
async fn a_long_plan_is_reported_in_bounded_writes() {
    let url = postgres_url("longplan").await;
    let n = 300;
    let files = (0..n)
        .map(|i| {
            let parent = if i == 0 {
                String::new()
            } else {
                format!("-- down_revision: r{}\n", i - 1)
            };
            (
                format!("{i:04}.sql"),
                format!("-- revision: r{i}\n{parent}-- migrate:up\nSELECT 1;\n"),
            )
        })
        .collect();
    let t0 = std::time::Instant::now();
    let (result, requests) = run(
        schema("head", json!({})),
        Cluster {
            files,
            url: url.clone(),
        },
    )
    .await;
    let took = t0.elapsed().as_secs() as usize;
    assert_recheck(&result.unwrap());
    assert_eq!(rows(&url).await, vec![format!("r{}", n - 1)]);
    let last = *statuses(&requests).last().unwrap();
    assert_eq!(last["phase"], "Ready");
    assert_eq!(last["progress"]["completed"], n);
    assert_eq!(last["plan"]["steps"].as_array().unwrap().len(), 100);
    assert_eq!(last["plan"]["omittedSteps"], n - 100);
    // 20 step by step, then one a second at most (and one more for the
    // second that was running when the run ended).
    let bound = revisor::status::STEP_BY_STEP + took + 1;
    let reasons = event_reasons(&requests);
    let applied = reasons.iter().filter(|r| *r == "StepApplied").count();
    assert!(
        (revisor::status::STEP_BY_STEP..=bound).contains(&applied),
        "{applied} StepApplied events in {took} s"
    );
    let writes = statuses(&requests).len();
    assert!(writes <= bound + 2, "{writes} status writes in {took} s");
}
