//! Operation revisions (`*.yaml`) on real SQLite, PostgreSQL and MariaDB:
//! every operation up, then down. After the up the introspected schema has
//! the change; after the down it equals the schema before; the rows of a
//! table SQLite rebuilds survive. The same file has one checksum on every
//! dialect, and editing an applied operation is drift.

#[macro_use]
mod support;

use revisor::db::introspect::{Introspect, Options as IntrospectOptions};
use revisor::db::{Backend, Database, Dialect};
use revisor::executor::{ExecError, Options};
use revisor::graph::RevisionGraph;
use revisor::plan::Mode;
use revisor::schema::{Schema, Type};
use revisor::with_backend;
use support::databases::fresh;

/// The base: customers and orders, with rows, as an operation revision.
const BASE: &str = "revision: r0
message: customers and orders
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
        - {name: customer_id, type: integer, nullable: false}
        - {name: status, type: varchar(20), nullable: false, default: new}
        - {name: total, type: \"numeric(10,2)\"}
        - {name: note, type: text}
  - create_index: {name: ix_orders_note, table: orders, columns: [note]}
  - bulk_insert:
      table: customers
      rows: [{id: 1, email: a@example.com}, {id: 2, email: b@example.com}]
  - bulk_insert:
      table: orders
      rows:
        - {id: 1, customer_id: 1, status: new, total: 10.5}
        - {id: 2, customer_id: 2, status: paid, total: 3}
";

/// One operation revision on top of the base, and what its up must show.
struct Case {
    name: &'static str,
    ops: &'static str,
    check: fn(&Schema) -> bool,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "create_table",
            ops: "  - create_table:\n      name: notes\n      columns:\n        - {name: id, type: bigint, primary_key: true, autoincrement: true}\n        - {name: body, type: text, nullable: false}\n        - {name: at, type: timestamp, nullable: false, default_sql: CURRENT_TIMESTAMP}\n        - {name: flag, type: boolean, default: false}\n        - {name: customer_id, type: integer}\n      unique: [{name: uq_notes_body, columns: [body]}]\n      foreign_keys: [{name: fk_notes_customer, columns: [customer_id], references: {table: customers, columns: [id]}, on_delete: cascade}]\n      checks: [{name: ck_notes_body, expression: \"body <> ''\"}]\n",
            check: |s| s.tables.get("notes").is_some_and(|t| t.columns.len() == 5 && t.foreign_keys.len() == 1),
        },
        Case {
            name: "drop_table",
            ops: "  - drop_table:\n      name: customers\n      definition:\n        columns:\n          - {name: id, type: integer, primary_key: true}\n          - {name: email, type: varchar(100), nullable: false}\n",
            check: |s| !s.tables.contains_key("customers"),
        },
        Case {
            name: "rename_table",
            ops: "  - rename_table: {from: customers, to: clients}\n",
            check: |s| s.tables.contains_key("clients") && !s.tables.contains_key("customers"),
        },
        Case {
            name: "add_column",
            ops: "  - add_column: {table: orders, column: {name: shipped, type: boolean, nullable: false, default: false}}\n",
            check: |s| s.tables["orders"].column("shipped").is_some_and(|c| !c.nullable),
        },
        Case {
            name: "drop_column",
            ops: "  - drop_column: {table: orders, column: total, definition: {type: \"numeric(10,2)\"}}\n",
            check: |s| s.tables["orders"].column("total").is_none(),
        },
        Case {
            name: "alter_column",
            ops: "  - alter_column: {table: orders, column: status, type: varchar(40), nullable: true, default: open, rename_to: state,\n                   from: {type: varchar(20), nullable: false, default: new}}\n",
            check: |s| {
                s.tables["orders"].column("state").is_some_and(|c| {
                    c.ty == Type::Varchar(Some(40)) && c.nullable && c.default.as_deref() == Some("'open'")
                }) && s.tables["orders"].column("status").is_none()
            },
        },
        Case {
            name: "create_index",
            ops: "  - create_index: {name: ix_orders_status, table: orders, columns: [status, id], unique: true, concurrently: true}\n",
            // MySQL reads a unique index back as a unique constraint.
            check: |s| {
                s.tables["orders"].indexes.iter().any(|i| i.name == "ix_orders_status" && i.unique)
                    || s.tables["orders"].uniques.iter().any(|u| u.columns == ["status", "id"])
            },
        },
        Case {
            name: "drop_index",
            ops: "  - drop_index: {name: ix_orders_note, table: orders, definition: {columns: [note]}}\n",
            check: |s| s.tables["orders"].indexes.is_empty(),
        },
        Case {
            name: "add_foreign_key",
            ops: "  - add_foreign_key: {name: fk_orders_customer, table: orders, columns: [customer_id], references: {table: customers, columns: [id]}, on_delete: cascade}\n",
            check: |s| s.tables["orders"].foreign_keys.iter().any(|f| f.ref_table == "customers"),
        },
        Case {
            name: "add_unique",
            ops: "  - add_unique: {name: uq_customers_email, table: customers, columns: [email]}\n",
            check: |s| s.tables["customers"].uniques.iter().any(|u| u.columns == ["email"]),
        },
        Case {
            name: "add_check",
            ops: "  - add_check: {name: ck_orders_total, table: orders, expression: \"total >= 0\"}\n",
            check: |s| !s.tables["orders"].checks.is_empty(),
        },
        Case {
            name: "drop_constraint",
            ops: "  - add_unique: {name: uq_orders_note, table: orders, columns: [note]}\n  - drop_constraint: {name: uq_orders_note, table: orders, definition: {unique: {columns: [note]}}}\n  - add_column: {table: orders, column: {name: marker, type: integer}}\n",
            check: |s| s.tables["orders"].uniques.is_empty() && s.tables["orders"].column("marker").is_some(),
        },
        Case {
            name: "bulk_insert",
            ops: "  - bulk_insert: {table: customers, rows: [{id: 3, email: \"c'3@example.com\"}]}\n  - add_column: {table: customers, column: {name: marker, type: integer}}\n",
            check: |s| s.tables["customers"].column("marker").is_some(),
        },
        Case {
            name: "execute",
            ops: "  - execute:\n      postgresql: CREATE VIEW v_orders AS SELECT id, status FROM orders\n      mysql: CREATE VIEW v_orders AS SELECT id, status FROM orders\n      sqlite: CREATE VIEW v_orders AS SELECT id, status FROM orders\n  - add_column: {table: orders, column: {name: marker, type: integer}}\ndowngrade:\n  - drop_column: {table: orders, column: marker}\n  - execute: DROP VIEW v_orders\n",
            check: |s| s.tables["orders"].column("marker").is_some(),
        },
    ]
}

fn graph(case: &Case) -> RevisionGraph {
    let rev = format!(
        "revision: op\ndown_revision: r0\nmessage: {}\nupgrade:\n{}",
        case.name, case.ops
    );
    RevisionGraph::from_files(&[("0001_base.yaml", BASE), ("0002_op.yaml", rev.as_str())])
        .unwrap_or_else(|e| panic!("{}: {e}", case.name))
}

async fn schema(db: &mut Database) -> Schema {
    with_backend!(db, |b| b.introspect(&IntrospectOptions::default()).await).unwrap()
}

async fn count(db: &mut Database, table: &str) -> i64 {
    let rows = with_backend!(db, |b| b
        .query(&format!("SELECT CAST(COUNT(*) AS CHAR(20)) FROM {table}"))
        .await);
    let rows = match rows {
        Ok(r) => r,
        // PostgreSQL's CHAR(20) pads; TEXT is the portable spelling there.
        Err(_) => with_backend!(db, |b| b
            .query(&format!("SELECT CAST(COUNT(*) AS TEXT) FROM {table}"))
            .await)
        .unwrap(),
    };
    rows[0][0].as_deref().unwrap().trim().parse().unwrap()
}

/// Columns sorted by name: a column added back by a downgrade comes last,
/// as with Alembic's `add_column` (no dialect but MySQL can place it).
fn by_name(mut s: Schema) -> Schema {
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

async fn run(
    db: &mut Database,
    g: &RevisionGraph,
    target: &str,
    mode: Mode,
) -> Result<Vec<String>, ExecError> {
    let opts = Options::default();
    let p = support::databases::session(db, &opts)
        .run(g, target, mode, &mut |_| {})
        .await?;
    Ok(p.final_heads)
}

async fn every_operation_up_and_down(dialect: Dialect) {
    for case in cases() {
        let url = fresh(dialect).await;
        let mut db = Database::connect(&url).await.unwrap();
        let g = graph(&case);
        run(&mut db, &g, "r0", Mode::Upgrade)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?} base for {}: {e}", case.name));
        let before = schema(&mut db).await;
        assert_eq!(count(&mut db, "orders").await, 2);
        run(&mut db, &g, "op", Mode::Upgrade)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?} {} up: {e}", case.name));
        let after = schema(&mut db).await.normalized(dialect);
        assert!(
            (case.check)(&after),
            "{dialect:?} {}: the change is not there: {after:#?}",
            case.name
        );
        if after.tables.contains_key("orders") {
            assert_eq!(
                count(&mut db, "orders").await,
                2,
                "{dialect:?} {}",
                case.name
            );
        }
        run(&mut db, &g, "r0", Mode::Downgrade)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?} {} down: {e}", case.name));
        let back = schema(&mut db).await;
        assert_eq!(
            by_name(back.normalized(dialect)),
            by_name(before.normalized(dialect)),
            "{dialect:?} {}: the downgrade did not restore the schema",
            case.name
        );
        assert_eq!(
            count(&mut db, "orders").await,
            2,
            "{dialect:?} {}",
            case.name
        );
        if case.name != "drop_table" {
            // A dropped table comes back empty, as in Alembic.
            assert_eq!(
                count(&mut db, "customers").await,
                2,
                "{dialect:?} {}",
                case.name
            );
        }
    }
}

each_dialect!(every_operation_up_and_down, every_operation_up_and_down);

const ADD_NOTE: &str = "revision: op\ndown_revision: r0\nupgrade:\n  - add_column: {table: orders, column: {name: gift_note, type: varchar(50)}}\n";

async fn history(db: &mut Database) -> Vec<revisor::db::tables::HistoryRow> {
    with_backend!(db, |b| {
        let t = revisor::db::tables::Tables::new("revisor_version", b.dialect()).unwrap();
        t.history(b).await.unwrap()
    })
}

/// The checksum is the operations', not the SQL's: applied on three
/// dialects, the history holds one checksum. Editing an applied operation
/// is drift, and a revision whose file is gone downgrades from the down
/// SQL the history kept.
#[tokio::test]
async fn one_checksum_on_every_dialect_and_an_edited_operation_is_drift() {
    let g =
        RevisionGraph::from_files(&[("0001_base.yaml", BASE), ("0002_op.yaml", ADD_NOTE)]).unwrap();
    let expected = g.rev(g.index_of("op").unwrap()).checksum.clone();
    let edited = RevisionGraph::from_files(&[
        ("0001_base.yaml", BASE),
        (
            "0002_op.yaml",
            &ADD_NOTE.replace("varchar(50)", "varchar(80)"),
        ),
    ])
    .unwrap();
    let base_only = RevisionGraph::from_files(&[("0001_base.yaml", BASE)]).unwrap();
    for dialect in [Dialect::Sqlite, Dialect::Postgres, Dialect::MySql] {
        let url = fresh(dialect).await;
        let mut db = Database::connect(&url).await.unwrap();
        run(&mut db, &g, "op", Mode::Upgrade).await.unwrap();
        let recorded: Vec<String> = history(&mut db)
            .await
            .into_iter()
            .filter(|h| h.revision == "op")
            .map(|h| h.checksum)
            .collect();
        assert_eq!(recorded, vec![expected.clone()], "{dialect:?}");
        let err = run(&mut db, &edited, "head", Mode::Upgrade)
            .await
            .unwrap_err();
        assert!(
            matches!(err, ExecError::Refused(revisor::plan::policy::Refusal::ChecksumMismatch(ref d)) if d[0].revision == "op"),
            "{dialect:?}: {err}"
        );
        // The file is gone (a Git revert): the history's down SQL undoes it.
        run(&mut db, &base_only, "r0", Mode::Downgrade)
            .await
            .unwrap_or_else(|e| panic!("{dialect:?}: {e}"));
        let s = schema(&mut db).await;
        assert!(
            s.tables["orders"].column("gift_note").is_none(),
            "{dialect:?}"
        );
    }
}
