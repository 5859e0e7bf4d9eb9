//! A refused run leaves the database exactly as it was (SPEC.md, "The
//! DatabaseSchema resource"): the five refused plans of issue 22, each
//! through the reconciler (mocked API server) and through `revisor apply`
//! (the built binary), on SQLite, PostgreSQL and MariaDB. The database is
//! brought to `c` without a schema snapshot, as an offline script or an
//! older Revisor leaves it, which is where a refused run used to adopt one.
//! The table list and every table's row count are compared before and
//! after.

#[macro_use]
mod support;

use revisor::db::{Backend, Database, Dialect};
use revisor::executor::Options;
use revisor::graph::RevisionGraph;
use revisor::plan::Mode;
use serde_json::{json, Value};
use support::cli::{bin, scratch, text};
use support::databases::{fresh, session};
use support::mock_api::{condition, last_status, run, schema, Cluster};

/// a -> b -> c (no down section) -> n (transactional: false); x branches
/// off a.
const FILES: [(&str, &str); 5] = [
    ("1_a.sql", "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\nINSERT INTO t_a VALUES (1);\n-- migrate:down\nDROP TABLE t_a;\n"),
    ("2_b.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n"),
    ("3_c.sql", "-- revision: c\n-- down_revision: b\n-- migrate:up\nCREATE TABLE t_c (id INT);\n"),
    ("4_n.sql", "-- revision: n\n-- down_revision: c\n-- transactional: false\n-- migrate:up\nCREATE TABLE t_n (id INT);\n-- migrate:down\nDROP TABLE t_n;\n"),
    ("5_x.sql", "-- revision: x\n-- down_revision: a\n-- branch_labels: other\n-- migrate:up\nCREATE TABLE t_x (id INT);\n-- migrate:down\nDROP TABLE t_x;\n"),
];

/// The refused runs: what each asks, and the reason it is refused for.
fn refusals() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        (
            "a downgrade without allowDowngrade",
            json!({"targetRevision": "b", "allowDowngrade": false}),
            "DowngradeNotAllowed",
        ),
        (
            "a downgrade denied by default",
            json!({"targetRevision": "a"}),
            "DowngradeNotAllowed",
        ),
        (
            "a mixed up/down plan",
            json!({"targetRevision": "x"}),
            "DowngradeNotAllowed",
        ),
        (
            "a downgrade through an irreversible revision",
            json!({"targetRevision": "a", "allowDowngrade": true}),
            "IrreversibleStep",
        ),
        (
            "transactionMode All with a non-transactional step",
            json!({"targetRevision": "n", "transactionMode": "All"}),
            "TransactionModeRefused",
        ),
    ]
}

/// Every table of the database's schema with its row count, sorted.
async fn contents(db: &mut Database) -> Vec<(String, String)> {
    let list = match db.dialect() {
        Dialect::Postgres => {
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()"
        }
        Dialect::MySql => {
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
        }
        Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
    };
    let cast = if db.dialect() == Dialect::MySql {
        "CHAR"
    } else {
        "TEXT"
    };
    let mut out = Vec::new();
    for row in db.query(list).await.unwrap() {
        let table = row[0].clone().unwrap();
        let n = db
            .query(&format!("SELECT CAST(COUNT(*) AS {cast}) FROM {table}"))
            .await
            .unwrap();
        out.push((table, n[0][0].clone().unwrap()));
    }
    out.sort();
    out
}

/// A fresh database at `c`, migrated without a snapshot; its URL.
async fn at_c(dialect: Dialect) -> String {
    let url = fresh(dialect).await;
    let mut db = Database::connect(&url).await.unwrap();
    let files: Vec<(String, String)> = FILES
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    let g = RevisionGraph::from_files(&files).unwrap();
    let no_snapshot = Options {
        snapshot: false,
        ..Options::default()
    };
    session(&mut db, &no_snapshot)
        .run(&g, "c", Mode::Upgrade, &mut |_| {})
        .await
        .unwrap();
    url
}

/// The reason in the status the reconciler patched last.
fn patched_reason(requests: &[support::mock_api::Recorded]) -> String {
    let status = last_status(requests);
    let ready = condition(&status, "Ready").unwrap();
    assert_eq!(status["phase"], "Blocked", "{status}");
    ready["reason"].as_str().unwrap().to_owned()
}

async fn refused_reconciles_write_nothing(dialect: Dialect) {
    for (what, spec, reason) in refusals() {
        let url = at_c(dialect).await;
        let mut db = Database::connect(&url).await.unwrap();
        let before = contents(&mut db).await;
        let target = spec["targetRevision"].as_str().unwrap().to_owned();
        let mut extra = spec.clone();
        extra.as_object_mut().unwrap().remove("targetRevision");
        let cluster = Cluster {
            files: FILES
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            url: url.clone(),
        };
        let (_, requests) = run(schema(&target, extra), cluster).await;
        assert_eq!(patched_reason(&requests), reason, "{dialect:?}: {what}");
        assert_eq!(
            contents(&mut db).await,
            before,
            "{dialect:?}: {what} changed the database"
        );
    }
}

each_dialect!(
    refused_reconciles_write_nothing_to_the_database,
    refused_reconciles_write_nothing
);

async fn refused_applies_write_nothing(dialect: Dialect) {
    let dir = scratch("refusals");
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    for (n, t) in FILES {
        std::fs::write(migrations.join(n), t).unwrap();
    }
    for (what, spec, _) in refusals() {
        let url = at_c(dialect).await;
        let mut db = Database::connect(&url).await.unwrap();
        let before = contents(&mut db).await;
        let mut manifest = json!({
            "apiVersion": "revisor.dev/v1alpha1", "kind": "DatabaseSchema",
            "metadata": {"name": "shop"},
            "spec": {"database": {"urlSecretRef": {"name": "db", "key": "url"}},
                     "migrations": {"configMapRef": {"name": "m"}}},
        });
        manifest["spec"]
            .as_object_mut()
            .unwrap()
            .extend(spec.as_object().unwrap().clone());
        let file = dir.join("schema.yaml");
        std::fs::write(&file, serde_yaml::to_string(&manifest).unwrap()).unwrap();
        let out = bin()
            .args(["apply", "-f"])
            .arg(&file)
            .arg("--dir")
            .arg(&migrations)
            .args(["--database", &url])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{dialect:?}: {what}: {}",
            text(&out)
        );
        assert_eq!(
            contents(&mut db).await,
            before,
            "{dialect:?}: {what} changed the database"
        );
    }
}

each_dialect!(
    refused_applies_write_nothing_to_the_database,
    refused_applies_write_nothing
);

/// An empty `spec.targetRevision` is refused (exit 2), not read as `base`;
/// nothing is written, not even a database file.
#[test]
fn an_empty_target_is_refused_by_apply() {
    let dir = scratch("empty-target");
    let migrations = dir.join("migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(migrations.join(FILES[0].0), FILES[0].1).unwrap();
    let file = dir.join("schema.yaml");
    std::fs::write(
        &file,
        "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {name: shop}\nspec:\n  targetRevision: \"\"\n  database: {urlSecretRef: {name: db, key: url}}\n  migrations: {configMapRef: {name: m}}\n",
    )
    .unwrap();
    let db_file = dir.join("shop.db");
    let out = bin()
        .current_dir(&dir)
        .args(["apply", "-f"])
        .arg(&file)
        .arg("--dir")
        .arg(&migrations)
        .args(["--database", &format!("sqlite://{}", db_file.display())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("empty"), "{}", text(&out));
    assert!(!db_file.exists(), "apply created {}", db_file.display());
}
