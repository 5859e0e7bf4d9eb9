//! Live schema drift on real SQLite, PostgreSQL and MariaDB: a run leaves a
//! snapshot and no drift; each change made by hand (a column added, a
//! column type changed, an index dropped, a table created, a foreign key
//! dropped) is drift naming the object, and reverting it clears it. A stamp
//! adopts an Alembic database with a snapshot; another DatabaseSchema's
//! bookkeeping tables in the same database are never drift.

#[macro_use]
mod support;

use revisor::db::introspect::Introspect;
use revisor::db::{Backend, Database, Dialect};
use revisor::drift::DriftCheck;
use revisor::executor::Options;
use revisor::graph::RevisionGraph;
use revisor::plan::Mode;
use revisor::with_backend;
use support::databases::{fresh, session};

const BASE: &str = "revision: r0
upgrade:
  - create_table:
      name: customers
      columns:
        - {name: id, type: integer, primary_key: true}
        - {name: email, type: varchar(100), nullable: false}
  - create_table:
      name: orders
      columns:
        - {name: id, type: integer, primary_key: true}
        - {name: customer_id, type: integer}
        - {name: note, type: text}
      foreign_keys:
        - {name: fk_orders_customer, columns: [customer_id], references: {table: customers, columns: [id]}}
  - create_index: {name: ix_customers_email, table: customers, columns: [email]}
  - create_table:
      name: notes
      columns:
        - {name: id, type: integer, primary_key: true}
        - {name: body, type: varchar(100)}
";

const NEXT: &str = "revision: r1
down_revision: r0
upgrade:
  - add_column: {table: customers, column: {name: name, type: varchar(50)}}
";

fn set() -> RevisionGraph {
    RevisionGraph::from_files(&[("0.yaml", BASE), ("1.yaml", NEXT)]).unwrap()
}

async fn exec(db: &mut Database, sql: &str) {
    for stmt in sql.split(";\n").filter(|s| !s.trim().is_empty()) {
        with_backend!(db, |b| b.execute(stmt).await).unwrap_or_else(|e| panic!("{stmt}: {e}"));
    }
}

async fn check(db: &mut Database) -> DriftCheck {
    let opts = Options::default();
    session(db, &opts).check_drift(false).await.unwrap()
}

/// Runs `g` up to `target` with `opts`.
async fn upgrade(db: &mut Database, g: &RevisionGraph, target: &str, opts: &Options) {
    session(db, opts)
        .run(g, target, Mode::Upgrade, &mut |_| {})
        .await
        .unwrap();
}

/// One change by hand, its revert, and a word the drift must name.
struct Change {
    what: &'static str,
    apply: String,
    revert: String,
    names: &'static str,
}

/// SQLite changes a column or a constraint by rebuilding the table.
fn sqlite_rebuild(table: &str, body: &str) -> String {
    format!(
        "PRAGMA foreign_keys = OFF;\nCREATE TABLE {table}_new ({body});\nINSERT INTO {table}_new SELECT * FROM {table};\nDROP TABLE {table};\nALTER TABLE {table}_new RENAME TO {table};\nPRAGMA foreign_keys = ON;\n"
    )
}

fn changes(d: Dialect) -> Vec<Change> {
    let drop_index = match d {
        Dialect::MySql => "DROP INDEX ix_customers_email ON customers;\n",
        _ => "DROP INDEX ix_customers_email;\n",
    };
    let (type_to, type_back) = match d {
        Dialect::Postgres => (
            "ALTER TABLE notes ALTER COLUMN body TYPE VARCHAR(200);\n".to_owned(),
            "ALTER TABLE notes ALTER COLUMN body TYPE VARCHAR(100);\n".to_owned(),
        ),
        Dialect::MySql => (
            "ALTER TABLE notes MODIFY body VARCHAR(200);\n".to_owned(),
            "ALTER TABLE notes MODIFY body VARCHAR(100);\n".to_owned(),
        ),
        Dialect::Sqlite => (
            sqlite_rebuild("notes", "id INTEGER PRIMARY KEY, body VARCHAR(200)"),
            sqlite_rebuild("notes", "id INTEGER PRIMARY KEY, body VARCHAR(100)"),
        ),
    };
    let (fk_drop, fk_back) = match d {
        Dialect::Postgres => (
            "ALTER TABLE orders DROP CONSTRAINT fk_orders_customer;\n".to_owned(),
            "ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);\n".to_owned(),
        ),
        Dialect::MySql => (
            "ALTER TABLE orders DROP FOREIGN KEY fk_orders_customer;\n".to_owned(),
            "ALTER TABLE orders ADD CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id);\n".to_owned(),
        ),
        Dialect::Sqlite => (
            sqlite_rebuild("orders", "id INTEGER PRIMARY KEY, customer_id INTEGER, note TEXT")
,
            sqlite_rebuild(
                "orders",
                "id INTEGER PRIMARY KEY, customer_id INTEGER, note TEXT, CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)",
            ),
        ),
    };
    let mut changes = vec![
        Change {
            what: "a column added",
            apply: "ALTER TABLE orders ADD COLUMN gift VARCHAR(20);\n".into(),
            revert: "ALTER TABLE orders DROP COLUMN gift;\n".into(),
            names: "orders.gift",
        },
        Change {
            what: "a column type changed",
            apply: type_to,
            revert: type_back,
            names: "notes.body",
        },
        Change {
            what: "an index dropped",
            apply: drop_index.into(),
            revert: "CREATE INDEX ix_customers_email ON customers (email);\n".into(),
            names: "ix_customers_email",
        },
        Change {
            what: "a table created",
            apply: "CREATE TABLE audit (id INTEGER);\n".into(),
            revert: "DROP TABLE audit;\n".into(),
            names: "audit",
        },
        Change {
            what: "a foreign key dropped",
            apply: fk_drop,
            revert: fk_back,
            names: "foreign key orders",
        },
    ];
    // Views are read on every dialect (issue 26).
    changes.push(Change {
        what: "a view created",
        apply: "CREATE VIEW order_notes AS SELECT id, note FROM orders;\n".into(),
        revert: "DROP VIEW order_notes;\n".into(),
        names: "view order_notes",
    });
    // Functions on PostgreSQL: a changed body is drift.
    if d == Dialect::Postgres {
        changes.push(Change {
            what: "a function created",
            apply: "CREATE FUNCTION order_total() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
                .into(),
            revert: "DROP FUNCTION order_total();\n".into(),
            names: "function order_total",
        });
        changes.push(Change {
            what: "a sequence created",
            apply: "CREATE SEQUENCE order_numbers START WITH 100;\n".into(),
            revert: "DROP SEQUENCE order_numbers;\n".into(),
            names: "sequence order_numbers",
        });
    }
    // Triggers (PostgreSQL's need a function: see the function above).
    let trigger = match d {
        Dialect::Sqlite => Some("CREATE TRIGGER orders_note AFTER INSERT ON orders BEGIN UPDATE orders SET note = 'new' WHERE id = new.id; END;\n"),
        Dialect::MySql => Some("CREATE TRIGGER orders_note BEFORE INSERT ON orders FOR EACH ROW BEGIN SET NEW.note = 'new'; END;\n"),
        Dialect::Postgres => None,
    };
    if let Some(apply) = trigger {
        changes.push(Change {
            what: "a trigger created",
            apply: apply.into(),
            revert: "DROP TRIGGER orders_note;\n".into(),
            names: "trigger orders.orders_note",
        });
    }
    changes
}

async fn changes_by_hand_are_drift(dialect: Dialect) {
    let url = fresh(dialect).await;
    let mut db = Database::connect(&url).await.unwrap();
    let g = set();
    let opts = Options::default();
    upgrade(&mut db, &g, "r0", &opts).await;
    let first = check(&mut db).await;
    assert!(
        first.snapshot_fingerprint.is_some(),
        "{dialect:?}: no snapshot after the run"
    );
    assert!(!first.drifted(), "{dialect:?}: {:?}", first.changes);
    // One snapshot per run (in the last step's transaction on PostgreSQL
    // and SQLite, after the steps on MariaDB), tied to its last history row.
    let snaps = session(&mut db, &Options::default())
        .snapshots()
        .await
        .unwrap();
    let last = session(&mut db, &Options::default())
        .history()
        .await
        .unwrap()
        .last()
        .map(|h| h.id);
    assert_eq!(snaps.len(), 1, "{dialect:?}");
    assert_eq!(snaps[0].history_id, last, "{dialect:?}");
    assert_eq!(snaps[0].heads, vec!["r0"], "{dialect:?}");
    for c in changes(dialect) {
        exec(&mut db, &c.apply).await;
        let found = check(&mut db).await;
        assert!(found.drifted(), "{dialect:?} {}: not reported", c.what);
        assert!(
            found.changes.iter().any(|x| x.contains(c.names)),
            "{dialect:?} {}: {:?} does not name {}",
            c.what,
            found.changes,
            c.names
        );
        exec(&mut db, &c.revert).await;
        let back = check(&mut db).await;
        assert!(
            !back.drifted(),
            "{dialect:?} {} reverted: {:?}",
            c.what,
            back.changes
        );
    }
    // A migration Revisor runs is never drift: it takes a new snapshot.
    upgrade(&mut db, &g, "r1", &opts).await;
    let after = check(&mut db).await;
    assert!(!after.drifted(), "{dialect:?}: {:?}", after.changes);
    assert_ne!(after.snapshot_fingerprint, first.snapshot_fingerprint);
    // Another DatabaseSchema's bookkeeping in the same database is not drift.
    let other = Options {
        version_table: "other_version".into(),
        ..Options::default()
    };
    let g2 =
        RevisionGraph::from_files(&[("x.yaml", "revision: x\nupgrade:\n  - execute: SELECT 1\n")])
            .unwrap();
    upgrade(&mut db, &g2, "x", &other).await;
    let shared = check(&mut db).await;
    assert!(!shared.drifted(), "{dialect:?}: {:?}", shared.changes);
}

each_dialect!(changes_by_hand_are_drift, changes_by_hand_are_drift);

/// Stamping an Alembic database adopts its schema as the first snapshot;
/// `alembic_version` is not part of it; an excluded table is not drift.
#[tokio::test]
async fn a_stamped_alembic_database_is_adopted_with_a_snapshot() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql] {
        let url = fresh(dialect).await;
        let mut db = Database::connect(&url).await.unwrap();
        exec(
            &mut db,
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(40));\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\nINSERT INTO alembic_version VALUES ('a1');\n",
        )
        .await;
        let g = RevisionGraph::from_files(&[(
            "a1.sql",
            "-- revision: a1\n-- migrate:up\nCREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(40));\n",
        )])
        .unwrap();
        let opts = Options {
            version_table: "alembic_version".into(),
            drift_exclude: vec!["tmp_*".into()],
            ..Options::default()
        };
        session(&mut db, &opts)
            .stamp(&g, "a1", false)
            .await
            .unwrap();
        exec(&mut db, "CREATE TABLE tmp_import (id INTEGER);\n").await;
        let c = session(&mut db, &opts).check_drift(false).await.unwrap();
        assert!(
            c.snapshot_fingerprint.is_some(),
            "{dialect:?}: stamp took no snapshot"
        );
        assert!(!c.drifted(), "{dialect:?}: {:?}", c.changes);
        exec(
            &mut db,
            "ALTER TABLE accounts ADD COLUMN email VARCHAR(80);\n",
        )
        .await;
        let c = session(&mut db, &opts).check_drift(false).await.unwrap();
        assert_eq!(c.changes, vec!["add column accounts.email"], "{dialect:?}");
    }
}

/// A run that ended between its last step and its snapshot (a crash) left
/// a stale snapshot: the operator's check (which adopts) sees the version
/// rows moved and takes a new one instead of reporting Revisor's own step
/// as drift; a change by hand with the rows unchanged is still drift.
#[tokio::test]
async fn a_snapshot_older_than_the_version_rows_is_retaken_not_reported() {
    let url = fresh(Dialect::Postgres).await;
    let mut db = Database::connect(&url).await.unwrap();
    let g = set();
    let opts = Options::default();
    upgrade(&mut db, &g, "r0", &opts).await;
    // r1 runs as if the process died before its snapshot.
    let no_snapshot = Options {
        snapshot: false,
        ..Options::default()
    };
    upgrade(&mut db, &g, "r1", &no_snapshot).await;
    assert!(check(&mut db).await.drifted(), "without adoption: reported");
    let adopted = session(&mut db, &opts).check_drift(true).await.unwrap();
    assert!(!adopted.drifted(), "{:?}", adopted.changes);
    assert!(!check(&mut db).await.drifted());
    exec(&mut db, "CREATE TABLE audit (id INTEGER);\n").await;
    let by_hand = session(&mut db, &opts).check_drift(true).await.unwrap();
    assert_eq!(by_hand.changes, vec!["add table audit"]);
}

/// Two DatabaseSchemas share one PostgreSQL database, each in its own
/// schema by the URL's `search_path` (the usual way to share one): each
/// one's snapshot and drift cover its own schema, so the other's run and
/// tables are not drift, a change by hand in one schema is drift only for
/// its owner, and `public` is not looked at.
#[tokio::test]
async fn schemas_by_search_path_keep_drift_apart_on_postgres() {
    if support::databases::server(Dialect::Postgres).is_none() {
        eprintln!("SKIPPED: REVISOR_TEST_POSTGRES_URL is not set");
        return;
    }
    let url = fresh(Dialect::Postgres).await;
    let mut admin = Database::connect(&url).await.unwrap();
    exec(
        &mut admin,
        "CREATE SCHEMA tenant_a;\nCREATE SCHEMA tenant_b;\nCREATE TABLE public.unrelated (id INT)",
    )
    .await;
    let at = |schema: &str| format!("{url}?options=-c%20search_path%3D{schema}");
    let mut a = Database::connect(&at("tenant_a")).await.unwrap();
    let mut b = Database::connect(&at("tenant_b")).await.unwrap();
    let g = set();
    let opts = Options::default();
    for db in [&mut a, &mut b] {
        upgrade(db, &g, "r0", &opts).await;
    }
    for db in [&mut a, &mut b] {
        let c = check(db).await;
        assert!(c.snapshot_fingerprint.is_some());
        assert!(!c.drifted(), "{:?}", c.changes);
    }
    // The migrations ran in each schema.
    let rows = with_backend!(&mut admin, |x| x
        .query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'orders' ORDER BY 1")
        .await)
    .unwrap();
    assert_eq!(
        rows,
        [[Some("tenant_a".to_owned())], [Some("tenant_b".to_owned())]]
    );
    // By hand, in tenant_a and in public: only tenant_a's owner sees it.
    exec(
        &mut admin,
        "ALTER TABLE tenant_a.orders ADD COLUMN gift BOOLEAN;\nCREATE TABLE public.more (id INT)",
    )
    .await;
    let found = check(&mut a).await;
    assert_eq!(found.changes.len(), 1, "{:?}", found.changes);
    assert!(
        found.changes[0].contains("orders.gift"),
        "{:?}",
        found.changes
    );
    let other = check(&mut b).await;
    assert!(!other.drifted(), "{:?}", other.changes);
    // tenant_b's next run is not drift for tenant_a's owner beyond its own change.
    upgrade(&mut b, &g, "r1", &opts).await;
    assert!(!check(&mut b).await.drifted());
    assert_eq!(check(&mut a).await.changes, found.changes);
}

/// One snapshot per run would grow without bound: the newest keep their
/// schema, older ones keep the rest of their row (what `history` shows).
#[tokio::test]
async fn old_snapshots_keep_their_row_but_not_their_schema() {
    use revisor::db::tables::SNAPSHOTS_WITH_SCHEMA;
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql] {
        let url = fresh(dialect).await;
        let mut db = Database::connect(&url).await.unwrap();
        let opts = Options::default();
        let taken = SNAPSHOTS_WITH_SCHEMA as usize + 3;
        for _ in 0..taken {
            session(&mut db, &opts).accept_drift().await.unwrap();
        }
        let text = if dialect == Dialect::MySql {
            "CHAR"
        } else {
            "TEXT"
        };
        let with_schema = db
            .query(&format!(
                "SELECT CAST(id AS {text}) FROM revisor_version_snapshot WHERE schema_json <> ''"
            ))
            .await
            .unwrap();
        let all = session(&mut db, &opts).snapshots().await.unwrap();
        assert_eq!(all.len(), taken, "{dialect:?}");
        assert!(all.iter().all(|s| !s.fingerprint.is_empty()), "{dialect:?}");
        let newest: Vec<i64> = all[taken - SNAPSHOTS_WITH_SCHEMA as usize..]
            .iter()
            .map(|s| s.id)
            .collect();
        let mut kept: Vec<i64> = with_schema
            .into_iter()
            .map(|r| r[0].as_deref().unwrap().parse().unwrap())
            .collect();
        kept.sort();
        assert_eq!(kept, newest, "{dialect:?}");
        // The drift check still reads the newest in full.
        assert!(!check(&mut db).await.drifted(), "{dialect:?}");
    }
}

/// `spec.drift.policy: Off`: the operator takes no snapshot, reads no
/// schema on a recheck, and shows no SchemaDrift condition, even after a
/// change by hand.
#[tokio::test]
async fn drift_policy_off_takes_no_snapshot_and_reports_nothing() {
    use serde_json::json;
    use support::mock_api::{cluster, condition, last_status, run, schema};
    let url = fresh(Dialect::Sqlite).await;
    let off = || schema("head", json!({"drift": {"policy": "Off"}}));
    let (_, first) = run(off(), cluster(&url)).await;
    let mut db = Database::connect(&url).await.unwrap();
    exec(&mut db, "CREATE TABLE by_hand (id INTEGER);\n").await;
    let (_, second) = run(off(), cluster(&url)).await;
    for requests in [first, second] {
        let status = last_status(&requests);
        assert_eq!(status["phase"], "Ready", "{status}");
        assert!(condition(&status, "SchemaDrift").is_none(), "{status}");
    }
    let snapshots = db
        .query("SELECT name FROM sqlite_master WHERE name = 'revisor_version_snapshot'")
        .await
        .unwrap();
    assert!(snapshots.is_empty(), "a snapshot table was created");
}

/// A snapshot taken by a Revisor whose model saw less (version 1: no
/// identity kinds, enum types, index methods) is no drift after an
/// upgrade of Revisor: the live schema compares in that model's terms, the
/// snapshot is retaken in the current one, and a change by hand is still
/// drift.
#[tokio::test]
async fn a_snapshot_of_an_older_model_is_retaken_not_reported() {
    let url = fresh(Dialect::Postgres).await;
    let mut db = Database::connect(&url).await.unwrap();
    let g = set();
    let opts = Options::default();
    upgrade(&mut db, &g, "r0", &opts).await;
    exec(
        &mut db,
        "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE serials (id serial PRIMARY KEY, m mood);\nCREATE INDEX ix_serials_m ON serials USING hash (m);\n",
    )
    .await;
    session(&mut db, &opts).accept_drift().await.unwrap();
    // What the version-1 model wrote: its schema (no "model" key) and its
    // fingerprint.
    let live = with_backend!(&mut db, |b| b
        .introspect(&revisor::db::introspect::Options::default())
        .await)
    .unwrap()
    .normalized(Dialect::Postgres)
    .as_of(1);
    let json = serde_json::to_string(&live).unwrap().replace('\'', "''");
    let fingerprint = live.fingerprint(Dialect::Postgres);
    exec(
        &mut db,
        &format!("UPDATE revisor_version_snapshot SET schema_json = '{json}', fingerprint = '{fingerprint}';\n"),
    )
    .await;
    assert!(
        !check(&mut db).await.drifted(),
        "a model upgrade is no drift"
    );
    let retaken = session(&mut db, &opts).check_drift(true).await.unwrap();
    assert!(!retaken.drifted(), "{:?}", retaken.changes);
    let rows = db
        .query("SELECT schema_json FROM revisor_version_snapshot ORDER BY id DESC LIMIT 1")
        .await
        .unwrap();
    let newest = rows[0][0].clone().unwrap();
    assert_eq!(
        revisor::schema::Schema::model_of(&newest),
        revisor::schema::MODEL_VERSION
    );
    exec(&mut db, "ALTER TABLE serials ADD COLUMN note text;\n").await;
    assert_eq!(
        check(&mut db).await.changes,
        vec!["add column serials.note"]
    );
}
