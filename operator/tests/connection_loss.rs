//! A step whose connection dies is not a failed migration (issue 22): the
//! connection is killed in the middle of a step (PostgreSQL's
//! `pg_terminate_backend`, MariaDB's `KILL`) while the reconciler runs a
//! three-step plan; the resource is `Pending` (DatabaseUnavailable), not
//! `Failed`, nothing is dirty, the attempt shows in the history, and the
//! next reconcile reaches `Ready` with each step applied once.

#[macro_use]
mod support;

use revisor::db::{Backend, Database, Dialect};
use revisor::executor::Options;
use serde_json::json;
use std::time::Duration;
use support::databases::{fresh, session};
use support::mock_api::{condition, last_status, run, schema, Cluster};

/// a, then b (which sleeps first: the window to kill it in), then c.
fn files(dialect: Dialect) -> Vec<(String, String)> {
    let sleep = match dialect {
        Dialect::Postgres => "SELECT pg_sleep(2)",
        _ => "SELECT SLEEP(2)",
    };
    vec![
        ("1_a.sql".into(), "-- revision: a\n-- migrate:up\nCREATE TABLE t_a (id INT);\n-- migrate:down\nDROP TABLE t_a;\n".into()),
        ("2_b.sql".into(), format!("-- revision: b\n-- down_revision: a\n-- migrate:up\n{sleep};\nCREATE TABLE t_b (id INT);\n-- migrate:down\nDROP TABLE t_b;\n")),
        ("3_c.sql".into(), "-- revision: c\n-- down_revision: b\n-- migrate:up\nCREATE TABLE t_c (id INT);\n-- migrate:down\nDROP TABLE t_c;\n".into()),
    ]
}

/// Kills the session that runs b's sleep, once, as soon as it shows.
async fn kill_the_sleeping_step(url: String, dialect: Dialect) {
    let (find, kill): (&str, fn(&str) -> String) = match dialect {
        Dialect::Postgres => (
            "SELECT CAST(pid AS TEXT) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()",
            |id| format!("SELECT CAST(pg_terminate_backend({id}) AS TEXT)"),
        ),
        _ => (
            "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST WHERE INFO LIKE '%SLEEP(2)%' AND ID <> CONNECTION_ID()",
            |id| format!("KILL CONNECTION {id}"),
        ),
    };
    let mut admin = Database::connect(&url).await.unwrap();
    for _ in 0..200 {
        let rows = admin.query(find).await.unwrap();
        if let Some(id) = rows.first().and_then(|r| r[0].clone()) {
            admin.query(&kill(&id)).await.unwrap();
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{dialect:?}: the step's session never showed");
}

async fn a_lost_connection_is_pending_then_ready(dialect: Dialect) {
    let url = fresh(dialect).await;
    let cluster = || Cluster {
        files: files(dialect),
        url: url.clone(),
    };
    let killer = tokio::spawn(kill_the_sleeping_step(url.clone(), dialect));
    let (_, requests) = run(schema("head", json!({})), cluster()).await;
    killer.await.unwrap();
    let status = last_status(&requests);
    assert_eq!(status["phase"], "Pending", "{dialect:?}: {status}");
    let ready = condition(&status, "Ready").unwrap();
    assert_eq!(
        ready["reason"], "DatabaseUnavailable",
        "{dialect:?}: {status}"
    );
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("lost its connection"),
        "{status}"
    );

    let (_, requests) = run(schema("head", json!({})), cluster()).await;
    let status = last_status(&requests);
    assert_eq!(status["phase"], "Ready", "{dialect:?}: {status}");

    let mut db = Database::connect(&url).await.unwrap();
    let history = session(&mut db, &Options::default())
        .history()
        .await
        .unwrap();
    assert!(
        history.iter().all(|h| !h.dirty),
        "{dialect:?}: {history:#?}"
    );
    for rev in ["a", "b", "c"] {
        let ok = history
            .iter()
            .filter(|h| h.revision == rev && h.success == Some(true))
            .count();
        assert_eq!(ok, 1, "{dialect:?}: {rev} applied {ok} times");
    }
    // The killed attempt is in the history, as a failure.
    assert!(
        history
            .iter()
            .any(|h| h.revision == "b" && h.success == Some(false)),
        "{dialect:?}: {history:#?}"
    );
}

#[tokio::test]
async fn a_lost_connection_is_pending_then_ready_on_postgres() {
    a_lost_connection_is_pending_then_ready(Dialect::Postgres).await;
}

#[tokio::test]
async fn a_lost_connection_is_pending_then_ready_on_mariadb() {
    a_lost_connection_is_pending_then_ready(Dialect::MySql).await;
}
