//! Scenarios against a real cluster (KUBECONFIG) and a real PostgreSQL,
//! with the operator running out of cluster as a child process. Each test
//! makes its own namespace and database, and asserts on the API server's
//! state and the database's history, never on log lines.
//!
//! Run with `bash e2e/run.sh`; a plain `cargo test` reports them ignored.

use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Secret};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use kube::Client;
use revisor::db::tables::Tables;
use revisor::db::{Backend, Database};
use revisor::resource::DatabaseSchema;
use revisor::with_backend;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How long a scenario waits for the operator: generous for a cold kind
/// cluster on a 2-core machine.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A chain of `n` revisions, each creating a table; with `slow`, each up
/// step also sleeps a second (to be interrupted).
fn chain(n: usize, slow: bool) -> BTreeMap<String, String> {
    (1..=n)
        .map(|i| {
            let parent = if i == 1 { String::new() } else { format!("r{}", i - 1) };
            let sleep = if slow { "SELECT pg_sleep(1);\n" } else { "" };
            let text = format!("-- revision: r{i}\n-- down_revision: {parent}\n-- migrate:up\n{sleep}CREATE TABLE t{i} (id INT);\n-- migrate:down\nDROP TABLE t{i};\n");
            (format!("{i:03}.sql"), text)
        })
        .collect()
}

/// One scenario's world: a namespace, a database, operator processes.
struct World {
    client: Client,
    ns: String,
    url: String,
    operators: Vec<Child>,
    /// The server's admin URL and the database made for the scenario,
    /// dropped with the world (on success and on failure: a panicking test
    /// drops it too).
    admin_url: String,
    db: String,
}

impl World {
    async fn new(name: &str) -> World {
        let client = Client::try_default()
            .await
            .expect("KUBECONFIG names a reachable cluster");
        let ns = format!("revisor-e2e-{name}-{}", std::process::id());
        let namespaces: Api<Namespace> = Api::all(client.clone());
        namespaces
            .create(
                &PostParams::default(),
                &serde_json::from_value(json!({"metadata": {"name": ns}})).unwrap(),
            )
            .await
            .unwrap();
        let base = std::env::var("REVISOR_TEST_POSTGRES_URL")
            .expect("e2e/run.sh sets REVISOR_TEST_POSTGRES_URL");
        let db = format!("e2e_{}_{}", name.replace('-', "_"), std::process::id());
        let mut admin = Database::connect(&base).await.unwrap();
        with_backend!(&mut admin, |b| {
            b.execute(&format!("DROP DATABASE IF EXISTS {db}"))
                .await
                .unwrap();
            b.execute(&format!("CREATE DATABASE {db}")).await.unwrap();
        });
        let url = format!("{}/{db}", base.rsplit_once('/').unwrap().0);
        World {
            client,
            ns,
            url,
            operators: Vec::new(),
            admin_url: base,
            db,
        }
    }

    /// Starts an operator process watching this namespace.
    fn start_operator(&mut self, leader_election: bool) {
        self.start_operator_with(leader_election, &[]);
    }

    /// Starts an operator process watching this namespace, with more flags.
    fn start_operator_with(&mut self, leader_election: bool, extra: &[&str]) {
        let bin = std::env::var("REVISOR_BIN").expect("e2e/run.sh sets REVISOR_BIN");
        let mut cmd = Command::new(bin);
        cmd.args([
            "run",
            "--namespace",
            &self.ns,
            "--metrics-addr",
            "127.0.0.1:0",
        ]);
        cmd.args(extra);
        if leader_election {
            cmd.args([
                "--leader-election",
                "--lease-namespace",
                &self.ns,
                "--identity",
                &format!("e2e-{}", self.operators.len()),
            ]);
        }
        self.operators
            .push(cmd.spawn().expect("revisor run starts"));
    }

    async fn apply_inputs(&self, files: &BTreeMap<String, String>) {
        let pp = PatchParams::apply("revisor-e2e").force();
        let cms: Api<ConfigMap> = Api::namespaced(self.client.clone(), &self.ns);
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "migrations"}, "data": files});
        cms.patch("migrations", &pp, &Patch::Apply(&cm))
            .await
            .unwrap();
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), &self.ns);
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"url": self.url}});
        secrets.patch("db", &pp, &Patch::Apply(&s)).await.unwrap();
    }

    async fn apply_schema(&self, target: &str, extra: Value) {
        let mut spec = json!({
            "targetRevision": target,
            "database": {"urlSecretRef": {"name": "db", "key": "url"}},
            "migrations": {"configMapRef": {"name": "migrations"}},
        });
        spec.as_object_mut()
            .unwrap()
            .extend(extra.as_object().cloned().unwrap_or_default());
        let obj = json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchema", "metadata": {"name": "shop"}, "spec": spec});
        self.api()
            .patch(
                "shop",
                &PatchParams::apply("revisor-e2e").force(),
                &Patch::Apply(&obj),
            )
            .await
            .unwrap();
    }

    fn api(&self) -> Api<DatabaseSchema> {
        Api::namespaced(self.client.clone(), &self.ns)
    }

    /// Polls the status until `done` holds (panics after TIMEOUT); returns
    /// every distinct progress summary seen on the way.
    async fn wait_for(&self, what: &str, done: impl Fn(&Value) -> bool) -> (Value, Vec<String>) {
        let t0 = Instant::now();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let obj = serde_json::to_value(self.api().get("shop").await.unwrap()).unwrap();
            let status = obj["status"].clone();
            if let Some(p) = status["progress"]["summary"].as_str() {
                if seen.last().map(String::as_str) != Some(p) {
                    seen.push(p.to_owned());
                }
            }
            if done(&status) {
                return (status, seen);
            }
            assert!(
                t0.elapsed() < TIMEOUT,
                "timed out waiting for {what}; status: {status}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn phase(&self, phase: &str) -> Value {
        self.wait_for(phase, |s| s["phase"] == phase).await.0
    }

    /// `(direction, revision)` of every successful history row.
    async fn history(&self) -> Vec<(String, String)> {
        let mut db = Database::connect(&self.url).await.unwrap();
        with_backend!(&mut db, |b| {
            let t = Tables::new("revisor_version", b.dialect()).unwrap();
            t.history(b)
                .await
                .unwrap()
                .into_iter()
                .filter(|h| h.success == Some(true))
                .map(|h| (h.direction, h.revision))
                .collect()
        })
    }

    fn kubectl(&self, args: &[&str]) -> std::process::Output {
        Command::new("kubectl")
            .args(args)
            .args(["-n", &self.ns])
            .output()
            .unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for op in &mut self.operators {
            let _ = op.kill();
            let _ = op.wait();
        }
        let _ = Command::new("kubectl")
            .args(["delete", "namespace", &self.ns, "--wait=false"])
            .output();
        // The operators are gone: drop the scenario's database.
        drop_databases(&self.admin_url, std::slice::from_ref(&self.db));
    }
}

/// Drops `names` on the server of `admin_url` (`WITH (FORCE)`), on a
/// thread of its own: a runtime cannot block inside the test's runtime,
/// and this runs from `Drop`, on success and on failure alike.
fn drop_databases(admin_url: &str, names: &[String]) {
    let (admin_url, names) = (admin_url.to_owned(), names.to_vec());
    let dropped = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut admin = Database::connect(&admin_url).await?;
            for db in &names {
                admin
                    .execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                    .await?;
            }
            Ok::<_, revisor::db::DbError>(())
        })
    })
    .join();
    if !matches!(dropped, Ok(Ok(_))) {
        eprintln!("e2e: could not drop databases: {dropped:?}");
    }
}

fn ups(history: &[(String, String)]) -> Vec<String> {
    history
        .iter()
        .filter(|(d, _)| d == "up")
        .map(|(_, r)| r.clone())
        .collect()
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn a_fresh_database_reaches_ready_and_kubectl_shows_it() {
    let mut w = World::new("fresh").await;
    w.apply_inputs(&chain(3, false)).await;
    w.apply_schema("head", json!({})).await;
    w.start_operator(false);
    let status = w.phase("Ready").await;
    assert_eq!(status["currentRevisions"], json!(["r3"]));
    assert_eq!(status["currentRevision"], "r3");
    assert_eq!(status["progress"]["summary"], "3/3");
    // The Ready status stays as it is: a later status write or recheck does
    // not reset the last run's progress.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let out = String::from_utf8(w.kubectl(&["get", "databaseschemas"]).stdout).unwrap();
    let header: Vec<&str> = out
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        ["NAME", "TARGET", "CURRENT", "PHASE", "PROGRESS", "AGE"],
        "{out}"
    );
    let row: Vec<&str> = out
        .lines()
        .find(|l| l.starts_with("shop "))
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        row.get(1..5),
        Some(&["head", "r3", "Ready", "3/3"][..]),
        "Current is text, progress persists:\n{out}"
    );
    let waited = w.kubectl(&["wait", "--for=condition=Ready", "dbs/shop", "--timeout=30s"]);
    assert!(
        waited.status.success(),
        "{}",
        String::from_utf8_lossy(&waited.stderr)
    );
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn a_target_bump_upgrades_step_by_step() {
    let mut w = World::new("bump").await;
    w.apply_inputs(&chain(5, true)).await;
    w.apply_schema("r1", json!({})).await;
    w.start_operator(false);
    w.phase("Ready").await;
    w.apply_schema("r5", json!({})).await;
    let (status, seen) = w
        .wait_for("Ready at r5", |s| {
            s["phase"] == "Ready" && s["currentRevisions"] == json!(["r5"])
        })
        .await;
    assert_eq!(status["progress"]["summary"], "4/4");
    assert!(
        seen.len() >= 3,
        "progress was reported step by step, saw {seen:?}"
    );
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn a_downgrade_is_blocked_until_allowed() {
    let mut w = World::new("downgrade").await;
    w.apply_inputs(&chain(3, false)).await;
    w.apply_schema("r3", json!({})).await;
    w.start_operator(false);
    w.phase("Ready").await;
    w.apply_schema("r1", json!({})).await;
    let blocked = w.phase("Blocked").await;
    assert!(
        blocked["message"]
            .as_str()
            .unwrap()
            .contains("allowDowngrade"),
        "{blocked}"
    );
    assert_eq!(blocked["currentRevisions"], json!(["r3"]));
    w.apply_schema("r1", json!({"allowDowngrade": true})).await;
    w.wait_for("Ready at r1", |s| {
        s["phase"] == "Ready" && s["currentRevisions"] == json!(["r1"])
    })
    .await;
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn manual_approval_waits_for_the_annotation() {
    let mut w = World::new("approval").await;
    w.apply_inputs(&chain(2, false)).await;
    w.apply_schema("r2", json!({"approval": "Manual"})).await;
    w.start_operator(false);
    let waiting = w.phase("AwaitingApproval").await;
    assert!(w.history().await.is_empty(), "nothing ran before approval");
    let hash = waiting["plan"]["hash"].as_str().unwrap().to_owned();
    let out = w.kubectl(&[
        "annotate",
        "dbs",
        "shop",
        &format!("revisor.dev/approved-plan={hash}"),
        "--overwrite",
    ]);
    assert!(out.status.success());
    w.phase("Ready").await;
    assert_eq!(ups(&w.history().await), vec!["r1", "r2"]);
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn an_edited_applied_revision_is_reported_as_drift() {
    let mut w = World::new("drift").await;
    let mut files = chain(2, false);
    w.apply_inputs(&files).await;
    w.apply_schema("r2", json!({})).await;
    w.start_operator(false);
    w.phase("Ready").await;
    files.insert(
        "001.sql".into(),
        files["001.sql"].replace("CREATE TABLE t1 (id INT);", "CREATE TABLE t1 (id BIGINT);"),
    );
    w.apply_inputs(&files).await;
    let blocked = w.phase("Blocked").await;
    assert!(
        blocked["message"].as_str().unwrap().contains("drift"),
        "{blocked}"
    );
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn a_bad_migration_set_is_blocked_and_a_fixed_one_recovers() {
    let mut w = World::new("badset").await;
    let mut files = chain(2, false);
    files.insert(
        "002.sql".into(),
        "-- revision: r2\n-- down_revision: r1\n-- colour: red\n-- migrate:up\nSELECT 1;\n".into(),
    );
    w.apply_inputs(&files).await;
    w.apply_schema("head", json!({})).await;
    w.start_operator(false);
    let blocked = w.phase("Blocked").await;
    assert!(
        blocked["message"].as_str().unwrap().contains("002.sql:3"),
        "{blocked}"
    );
    w.apply_inputs(&chain(2, false)).await;
    w.phase("Ready").await;
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn an_operator_killed_mid_plan_resumes_and_applies_each_step_once() {
    let mut w = World::new("sigkill").await;
    w.apply_inputs(&chain(6, true)).await;
    w.apply_schema("r6", json!({})).await;
    w.start_operator(false);
    w.wait_for("a step or two done", |s| {
        s["progress"]["completed"].as_u64().unwrap_or(0) >= 2
    })
    .await;
    let mut killed = w.operators.remove(0);
    killed.kill().unwrap(); // SIGKILL
    killed.wait().unwrap();
    w.start_operator(false);
    w.wait_for("Ready at r6", |s| {
        s["phase"] == "Ready" && s["currentRevisions"] == json!(["r6"])
    })
    .await;
    assert_eq!(
        ups(&w.history().await),
        vec!["r1", "r2", "r3", "r4", "r5", "r6"],
        "each step exactly once"
    );
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn two_replicas_with_leader_election_never_apply_a_step_twice() {
    let mut w = World::new("replicas").await;
    w.apply_inputs(&chain(4, true)).await;
    w.apply_schema("r4", json!({})).await;
    w.start_operator(true);
    w.start_operator(true);
    w.wait_for("Ready at r4", |s| {
        s["phase"] == "Ready" && s["currentRevisions"] == json!(["r4"])
    })
    .await;
    assert_eq!(ups(&w.history().await), vec!["r1", "r2", "r3", "r4"]);
}

/// A hand-made `ALTER TABLE` on a Ready resource shows `SchemaDrift=True`,
/// naming the table, within one recheck interval; reverting it clears it.
#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn a_change_by_hand_is_schema_drift_within_one_recheck() {
    let mut w = World::new("live-drift").await;
    w.apply_inputs(&chain(2, false)).await;
    w.apply_schema("head", json!({})).await;
    w.start_operator_with(false, &["--recheck-interval", "10s"]);
    w.phase("Ready").await;
    let drift = |s: &Value| {
        s["conditions"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["type"] == "SchemaDrift"))
            .cloned()
    };
    let mut db = Database::connect(&w.url).await.unwrap();
    with_backend!(&mut db, |b| b
        .execute("ALTER TABLE t2 ADD COLUMN gift TEXT")
        .await
        .unwrap());
    let t0 = Instant::now();
    let (status, _) = w
        .wait_for("SchemaDrift=True", |s| {
            drift(s).is_some_and(|c| c["status"] == "True")
        })
        .await;
    // One recheck interval (10 s, +10 % jitter) and the reconcile itself.
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
    let c = drift(&status).unwrap();
    assert!(
        c["message"].as_str().unwrap_or("").contains("t2.gift"),
        "{c}"
    );
    assert_eq!(status["phase"], "Ready", "Report keeps Ready: {status}");
    with_backend!(&mut db, |b| b
        .execute("ALTER TABLE t2 DROP COLUMN gift")
        .await
        .unwrap());
    w.wait_for("SchemaDrift=False", |s| {
        drift(s).is_some_and(|c| c["status"] == "False")
    })
    .await;
}

/// At scale against the real API server: `REVISOR_E2E_RESOURCES`
/// DatabaseSchemas (default 100; the reviewers' runs use 1,000) on one
/// PostgreSQL database, each in its own schema by its URL's `search_path`
/// (each with its own Secret), all from one ConfigMap. All reach Ready
/// with the database's client connections never above the operator's
/// `--max-db-connections` (plus this test's monitor); then, with a short
/// recheck interval, two rounds of rechecks write nothing: no object's
/// resourceVersion moves (a status write is a watch event for everyone).
#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn many_resources_reach_ready_within_the_connection_bound_and_then_write_nothing() {
    let n: usize = std::env::var("REVISOR_E2E_RESOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let mut w = World::new("scale").await;
    let pp = PatchParams::apply("revisor-e2e").force();
    let cms: Api<ConfigMap> = Api::namespaced(w.client.clone(), &w.ns);
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "migrations"}, "data": chain(3, false)});
    cms.patch("migrations", &pp, &Patch::Apply(&cm))
        .await
        .unwrap();
    let mut admin = Database::connect(&w.url).await.unwrap();
    let secrets: Api<Secret> = Api::namespaced(w.client.clone(), &w.ns);
    for i in 0..n {
        with_backend!(&mut admin, |b| b
            .execute(&format!("CREATE SCHEMA s{i}"))
            .await
            .unwrap());
        let url = format!("{}?options=-c%20search_path%3Ds{i}", w.url);
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("db{i}")}, "stringData": {"url": url}});
        secrets
            .patch(&format!("db{i}"), &pp, &Patch::Apply(&s))
            .await
            .unwrap();
        let obj = json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchema", "metadata": {"name": format!("s{i}")}, "spec": {
            "targetRevision": "head",
            "database": {"urlSecretRef": {"name": format!("db{i}"), "key": "url"}},
            "migrations": {"configMapRef": {"name": "migrations"}},
        }});
        w.api()
            .patch(&format!("s{i}"), &pp, &Patch::Apply(&obj))
            .await
            .unwrap();
    }
    drop(admin);
    // The monitor: peak client connections to the database, its own excluded.
    let db_name = w.url.rsplit('/').next().unwrap().to_owned();
    let (stop, peak) = (
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)),
    );
    let monitor = {
        let (stop, peak, url) = (stop.clone(), peak.clone(), w.url.clone());
        tokio::spawn(async move {
            use std::sync::atomic::Ordering;
            let mut db = Database::connect(&url).await.unwrap();
            let sql = format!(
                "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity WHERE datname = '{db_name}' \
                 AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            );
            while !stop.load(Ordering::SeqCst) {
                let rows = with_backend!(&mut db, |b| b.query(&sql).await).unwrap();
                let c: usize = rows[0][0].as_deref().unwrap_or("0").parse().unwrap();
                peak.fetch_max(c, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let t0 = Instant::now();
    w.start_operator_with(false, &["--recheck-interval", "20s"]);
    let ready_within = TIMEOUT + Duration::from_millis(600 * n as u64);
    let versions = loop {
        let list = w.api().list(&Default::default()).await.unwrap();
        let ready = list
            .items
            .iter()
            .filter(|o| {
                o.status
                    .as_ref()
                    .is_some_and(|s| s.phase == revisor::resource::Phase::Ready)
            })
            .count();
        if ready == n {
            break list
                .items
                .iter()
                .map(|o| (o.metadata.name.clone(), o.metadata.resource_version.clone()))
                .collect::<BTreeMap<_, _>>();
        }
        assert!(
            t0.elapsed() < ready_within,
            "{ready} of {n} Ready after {:?}",
            t0.elapsed()
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    eprintln!("{n} DatabaseSchemas Ready in {:?}", t0.elapsed());
    // Two recheck intervals (20 s, +10 % jitter) with nothing to do.
    tokio::time::sleep(Duration::from_secs(45)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    monitor.await.unwrap();
    let after: BTreeMap<_, _> = w
        .api()
        .list(&Default::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| (o.metadata.name.clone(), o.metadata.resource_version.clone()))
        .collect();
    let moved = versions
        .iter()
        .filter(|(k, v)| after.get(*k) != Some(*v))
        .count();
    assert_eq!(moved, 0, "{moved} of {n} were written while idle");
    let peak = peak.load(std::sync::atomic::Ordering::SeqCst);
    eprintln!("peak client connections: {peak}");
    // A URL per resource: a connection the pool closes to make room holds
    // its slot until the server no longer lists it (operator/src/db/pool.rs).
    assert!(
        peak <= revisor::db::pool::DEFAULT_MAX_PER_SERVER,
        "peak {peak} connections"
    );
}

/// Throwaway databases on the test server, dropped when this goes out of
/// scope (after the operators that use them: declare it before the World).
struct Databases {
    admin_url: String,
    names: Vec<String>,
}

impl Drop for Databases {
    fn drop(&mut self) {
        drop_databases(&self.admin_url, &self.names);
    }
}

#[tokio::test]
#[ignore = "needs cluster (KUBECONFIG)"]
async fn a_fleet_halts_on_a_failing_database_and_resumes_once_it_is_fixed() {
    const TENANTS: usize = 20;
    let base = std::env::var("REVISOR_TEST_POSTGRES_URL").unwrap();
    let prefix = base.rsplit_once('/').unwrap().0.to_owned();
    let names: Vec<String> = (0..TENANTS)
        .map(|i| format!("e2e_fleet_{}_t{i:02}", std::process::id()))
        .collect();
    let mut admin = Database::connect(&base).await.unwrap();
    for n in &names {
        with_backend!(&mut admin, |b| {
            b.execute(&format!("DROP DATABASE IF EXISTS {n}"))
                .await
                .unwrap();
            b.execute(&format!("CREATE DATABASE {n}")).await.unwrap();
        });
    }
    let _databases = Databases {
        admin_url: base.clone(),
        names: names.clone(),
    };
    let url = |i: usize| format!("{prefix}/{}", names[i]);
    let mut w = World::new("fleet").await;
    let pp = PatchParams::apply("revisor-e2e").force();
    let cms: Api<ConfigMap> = Api::namespaced(w.client.clone(), &w.ns);
    let put_migrations = |files: BTreeMap<String, String>| {
        let cms = cms.clone();
        let pp = pp.clone();
        async move {
            let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "migrations"}, "data": files});
            cms.patch("migrations", &pp, &Patch::Apply(&cm))
                .await
                .unwrap();
        }
    };
    put_migrations(chain(1, false)).await;
    let secrets: Api<Secret> = Api::namespaced(w.client.clone(), &w.ns);
    for i in 0..TENANTS {
        let name = format!("tenant-{i:02}");
        let s = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "labels": {"revisor.dev/fleet": "tenants"}}, "stringData": {"url": url(i)}});
        secrets.patch(&name, &pp, &Patch::Apply(&s)).await.unwrap();
    }
    let sets: Api<revisor::fleet::DatabaseSchemaSet> = Api::namespaced(w.client.clone(), &w.ns);
    let set = json!({"apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchemaSet", "metadata": {"name": "tenants"}, "spec": {
        "databases": {"secretSelector": {"matchLabels": {"revisor.dev/fleet": "tenants"}}},
        "template": {"targetRevision": "head", "migrations": {"configMapRef": {"name": "migrations"}}},
        "rollout": {"canary": 1, "maxParallel": 3},
    }});
    sets.patch("tenants", &pp, &Patch::Apply(&set))
        .await
        .unwrap();
    w.start_operator(false);
    let wait_set = |what: &'static str, done: fn(&Value) -> bool| {
        let sets = sets.clone();
        async move {
            let t0 = Instant::now();
            loop {
                let s = serde_json::to_value(sets.get("tenants").await.unwrap()).unwrap();
                if done(&s["status"]) {
                    return s["status"].clone();
                }
                assert!(
                    t0.elapsed() < TIMEOUT * 2,
                    "timed out waiting for {what}: {}",
                    s["status"]
                );
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    };
    let status = wait_set("20/20 at r1", |s| {
        s["phase"] == "Ready" && s["summary"] == "20/20"
    })
    .await;
    assert_eq!(status["targetRevisions"], json!(["r1"]));
    let out = String::from_utf8(w.kubectl(&["get", "dbss"]).stdout).unwrap();
    assert!(out.contains("20/20") && out.contains("Ready"), "{out}");
    let children = w.api().list(&Default::default()).await.unwrap().items;
    assert_eq!(children.len(), TENANTS);

    // r2 creates t2, which tenant-07 already has: its step fails there.
    let mut db = Database::connect(&url(7)).await.unwrap();
    with_backend!(&mut db, |b| b
        .execute("CREATE TABLE t2 (id INT)")
        .await
        .unwrap());
    put_migrations(chain(2, false)).await;
    let status = wait_set("Halted", |s| s["phase"] == "Halted").await;
    assert_eq!(status["failures"][0]["database"], "tenant-07", "{status}");
    // Nothing beyond the wave that was running starts: tenants 10..19 are
    // still at r1 a while later.
    tokio::time::sleep(Duration::from_secs(5)).await;
    for i in 10..TENANTS {
        assert_eq!(
            heads(&url(i)).await,
            ["r1"],
            "tenant-{i:02} was touched while the set was halted"
        );
    }
    assert_eq!(
        serde_json::to_value(sets.get("tenants").await.unwrap()).unwrap()["status"]["phase"],
        "Halted"
    );

    // The fix by hand: the failed child retries on its own backoff, and the
    // set goes on once it is Ready.
    with_backend!(&mut db, |b| b.execute("DROP TABLE t2").await.unwrap());
    let status = wait_set("20/20 at r2", |s| {
        s["phase"] == "Ready" && s["summary"] == "20/20"
    })
    .await;
    assert_eq!(status["targetRevisions"], json!(["r2"]));
    for i in 0..TENANTS {
        assert_eq!(heads(&url(i)).await, ["r2"], "tenant-{i:02}");
    }
    // Deleting the set with no propagation policy (kube-rs's default, as
    // client-go's) keeps its children: the set's `orphan` finalizer has the
    // garbage collector take their owner references away.
    let set_uid = sets.get("tenants").await.unwrap().metadata.uid.unwrap();
    assert!(
        sets.get("tenants")
            .await
            .unwrap()
            .metadata
            .finalizers
            .unwrap_or_default()
            .contains(&"orphan".to_owned()),
        "the set carries Kubernetes' orphan finalizer"
    );
    sets.delete("tenants", &DeleteParams::default())
        .await
        .unwrap();
    let schemas: Api<DatabaseSchema> = Api::namespaced(w.client.clone(), &w.ns);
    let t0 = Instant::now();
    loop {
        let gone = sets.get_opt("tenants").await.unwrap().is_none();
        let children = schemas.list(&ListParams::default()).await.unwrap().items;
        let owned = children
            .iter()
            .filter(|c| {
                c.metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .any(|o| o.uid == set_uid)
            })
            .count();
        if gone && owned == 0 {
            assert_eq!(children.len(), TENANTS, "every child is still there");
            break;
        }
        assert!(
            t0.elapsed() < TIMEOUT,
            "set gone: {gone}; {} children, {owned} still owned",
            children.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The version-table rows of the database at `url`.
async fn heads(url: &str) -> Vec<String> {
    let mut db = Database::connect(url).await.unwrap();
    with_backend!(&mut db, |b| Tables::new("revisor_version", b.dialect())
        .unwrap()
        .heads(b)
        .await
        .unwrap())
}
