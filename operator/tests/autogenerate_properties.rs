//! Round trips over random pairs of schemas (A, B), on real databases:
//! create A, apply the rendered `diff(A, B)` and introspect: B. Apply its
//! down section and introspect: A again.
//!
//! SQLite in every run (in memory, `PROPTEST_CASES`, default 64); PostgreSQL
//! and MariaDB with `REVISOR_ROUNDTRIP_CASES` (default 12) fresh databases
//! each, on the servers `scripts/test.sh` provides.

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use revisor::autogen;
use revisor::db::introspect::{Introspect, Options};
use revisor::db::{Backend, Database, Dialect};
use revisor::schema::{
    Action, Column, ForeignKey, IdentityKind, Index, PartitionOf, Schema, Storage, Table, Type,
    Unique,
};
use revisor::with_backend;
use support::databases::fresh;

/// The columns a table may have. Each name keeps to one family of types,
/// so that a type change is one any server can make on an empty table.
fn column(name: &'static str) -> BoxedStrategy<Column> {
    let ty: BoxedStrategy<Type> = match name {
        "qty" => prop_oneof![Just(Type::Integer), Just(Type::BigInt)].boxed(),
        "label" => {
            prop_oneof![Just(Type::Varchar(Some(20))), Just(Type::Varchar(Some(40)))].boxed()
        }
        "note" => Just(Type::Text).boxed(),
        "flag" => Just(Type::Boolean).boxed(),
        "price" => prop_oneof![
            Just(Type::Numeric(Some(10), Some(2))),
            Just(Type::Numeric(Some(12), Some(2)))
        ]
        .boxed(),
        _ => prop_oneof![Just(Type::Timestamp(None)), Just(Type::Date)].boxed(),
    };
    (ty, any::<bool>(), any::<bool>())
        .prop_map(move |(ty, nullable, with_default)| {
            let default = with_default
                .then(|| match ty {
                    Type::Integer | Type::BigInt => Some("7".to_owned()),
                    Type::Varchar(_) => Some("'x'".to_owned()),
                    Type::Boolean => Some("false".to_owned()),
                    Type::Numeric(..) => Some("1.5".to_owned()),
                    Type::Timestamp(_) => Some("CURRENT_TIMESTAMP".to_owned()),
                    _ => None,
                })
                .flatten();
            Column {
                nullable,
                default,
                ..Column::new(name, ty)
            }
        })
        .boxed()
}

const NAMES: [&str; 6] = ["qty", "label", "note", "flag", "price", "seen"];

fn table(name: &'static str, may_reference: Option<&'static str>) -> BoxedStrategy<Table> {
    let columns: Vec<BoxedStrategy<Option<Column>>> = NAMES
        .iter()
        .map(|n| proptest::option::of(column(n)).boxed())
        .collect();
    // The identity form of `id`, and what an index and a foreign key may
    // carry: dialects that lack one drop it in normal form (MySQL builds
    // `hash` as a B-tree and has no DEFERRABLE; SQLite has no methods and
    // no deferrable unique constraint).
    let extras = (0..4u8, any::<bool>(), any::<bool>(), any::<bool>());
    (columns, any::<bool>(), any::<bool>(), any::<bool>(), extras)
        .prop_map(
            move |(cols, index, unique, fk, (id_kind, desc, hash, deferred))| {
                let mut t = Table {
                    name: name.to_owned(),
                    primary_key: vec!["id".into()],
                    ..Table::default()
                };
                t.columns.push(Column {
                    nullable: false,
                    identity: id_kind > 0,
                    identity_kind: match id_kind {
                        2 => Some(IdentityKind::Serial),
                        3 => Some(IdentityKind::Always),
                        _ => None,
                    },
                    ..Column::new("id", Type::Integer)
                });
                t.columns.extend(cols.into_iter().flatten());
                if index && t.column("qty").is_some() {
                    t.indexes.push(Index {
                        name: format!("ix_{name}_qty"),
                        columns: vec!["qty".into()],
                        unique: false,
                        predicate: None,
                        // A hash index has no order.
                        method: hash.then(|| "hash".to_owned()),
                        column_options: if desc && !hash {
                            vec!["DESC".into()]
                        } else {
                            Vec::new()
                        },
                        ..Index::default()
                    });
                }
                if unique && t.column("label").is_some() {
                    // PostgreSQL's keys may be deferrable too.
                    t.uniques.push(Unique {
                        name: None,
                        columns: vec!["label".into()],
                        deferrable: deferred,
                        initially_deferred: deferred && desc,
                    });
                }
                if let (true, Some(parent)) = (fk, may_reference) {
                    t.columns.push(Column::new("parent_id", Type::Integer));
                    t.foreign_keys.push(ForeignKey {
                        name: None,
                        columns: vec!["parent_id".into()],
                        ref_table: parent.to_owned(),
                        ref_columns: vec!["id".into()],
                        on_delete: Action::Cascade,
                        on_update: Action::NoAction,
                        deferrable: deferred,
                        initially_deferred: deferred,
                        ..ForeignKey::default()
                    });
                }
                t
            },
        )
        .boxed()
}

/// A partitioned table `events` (by range or hash) with one or two
/// partitions, one maybe with a default of its own, and `events_old`,
/// attached or a plain table; an index on the parent. Elsewhere than on
/// PostgreSQL the normal form makes them plain tables.
fn events() -> BoxedStrategy<Vec<Table>> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(hash, second, own, attached, index)| {
            let mut columns = vec![
                Column {
                    nullable: false,
                    ..Column::new("id", Type::Integer)
                },
                Column {
                    nullable: false,
                    ..Column::new("at", Type::Integer)
                },
                Column {
                    default: Some("'k'".into()),
                    ..Column::new("kind", Type::Varchar(Some(20)))
                },
            ];
            let parent = Table {
                name: "events".into(),
                columns: columns.clone(),
                primary_key: vec!["id".into(), "at".into()],
                indexes: if index {
                    vec![Index {
                        name: "events_kind".into(),
                        columns: vec!["kind".into()],
                        ..Index::default()
                    }]
                } else {
                    Vec::new()
                },
                storage: Storage {
                    partition_by: Some(if hash { "HASH (at)" } else { "RANGE (at)" }.into()),
                    ..Storage::default()
                },
                ..Table::default()
            };
            let partition = |name: &str, bound: String, columns: Vec<Column>| Table {
                name: name.into(),
                columns,
                storage: Storage {
                    partition_of: Some(PartitionOf {
                        parent: "events".into(),
                        bound,
                    }),
                    ..Storage::default()
                },
                ..Table::default()
            };
            let bound = |k: u32| {
                if hash {
                    format!("FOR VALUES WITH (modulus 3, remainder {k})")
                } else {
                    format!("FOR VALUES FROM ({}) TO ({})", k * 100, k * 100 + 100)
                }
            };
            let mut out = vec![partition("events_a", bound(0), columns.clone())];
            if second {
                let mut cols = columns.clone();
                if own {
                    cols[2].default = Some("'own'".into());
                }
                out.push(partition("events_b", bound(1), cols));
            }
            let mut old = partition("events_old", bound(2), columns.split_off(0));
            if !attached {
                old.storage = Storage::default();
            }
            out.push(old);
            out.push(parent);
            out
        })
        .boxed()
}

/// A schema of up to three tables; `orders` may reference `customers`;
/// `notes` may be unlogged; maybe [`events`].
fn schema() -> impl Strategy<Value = Schema> {
    (
        proptest::option::of(table("customers", None)),
        proptest::option::of(table("orders", Some("customers"))),
        proptest::option::of(table("notes", None)),
        any::<bool>(),
        proptest::option::of(events()),
    )
        .prop_map(|(c, o, n, unlogged, events)| {
            let has_customers = c.is_some();
            let mut s = Schema::default();
            for mut t in [c, o, n].into_iter().flatten() {
                if !has_customers {
                    t.foreign_keys.clear();
                }
                t.storage.unlogged = unlogged && t.name == "notes";
                s.tables.insert(t.name.clone(), t);
            }
            for t in events.into_iter().flatten() {
                s.tables.insert(t.name.clone(), t);
            }
            s
        })
}

async fn apply(db: &mut Database, statements: &[String]) {
    for s in statements {
        with_backend!(&mut *db, |b| b.execute(s).await).unwrap_or_else(|e| panic!("{e}\n{s}"));
    }
}

async fn live(db: &mut Database) -> Schema {
    with_backend!(&mut *db, |b| b.introspect(&Options::default()).await).unwrap()
}

/// The property, for one pair on a fresh database of `dialect`.
async fn round_trip(dialect: Dialect, url: &str, a: &Schema, b: &Schema) -> Result<(), String> {
    let mut db = Database::connect(url).await.unwrap();
    if dialect == Dialect::Sqlite {
        // As the executor runs SQLite steps: enforcement off, checked after.
        with_backend!(&mut db, |x| x.execute("PRAGMA foreign_keys = OFF").await).unwrap();
    }
    apply(
        &mut db,
        &autogen::migration(&Schema::default(), a, dialect).up,
    )
    .await;
    let m = autogen::migration(a, b, dialect);
    let same = |live: &Schema, want: &Schema, what: &str| {
        let left = autogen::migration(live, want, dialect).ops;
        if left.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{what}: still differs by {left:#?}\nup: {:#?}\ndown: {:#?}",
                m.up, m.down
            ))
        }
    };
    same(&live(&mut db).await, a, "after creating A")?;
    apply(&mut db, &m.up).await;
    same(&live(&mut db).await, b, "after the up section")?;
    apply(&mut db, &m.down).await;
    same(&live(&mut db).await, a, "after the down section")
}

fn run(dialect: Dialect, cases: u32) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(schema(), schema()), |(a, b)| {
            let result = rt.block_on(async {
                let url = match dialect {
                    Dialect::Sqlite => "sqlite::memory:".to_owned(),
                    _ => fresh(dialect).await,
                };
                round_trip(dialect, &url, &a, &b).await
            });
            prop_assert!(result.is_ok(), "{}", result.unwrap_err());
            Ok(())
        })
        .unwrap();
}

fn server_cases() -> u32 {
    std::env::var("REVISOR_ROUNDTRIP_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12)
}

#[test]
fn diff_up_then_down_round_trips_on_sqlite() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    run(Dialect::Sqlite, cases);
}

#[test]
fn diff_up_then_down_round_trips_on_postgres() {
    run(Dialect::Postgres, server_cases());
}

#[test]
fn diff_up_then_down_round_trips_on_mariadb() {
    run(Dialect::MySql, server_cases());
}
