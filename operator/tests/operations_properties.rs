//! Derived downgrades, over random operation lists on SQLite: apply an
//! operation revision without a `downgrade:`, then downgrade it; the
//! introspected schema is the one before (`PROPTEST_CASES`, default 48).
//!
//! The lists are built from random choices against a model of the schema,
//! so that every operation is valid where it runs and states what it drops
//! (as a reversible revision must). The revision goes through
//! `ops::to_yaml` and the parser, as a written file would.

mod support;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use revisor::db::introspect::{Introspect, Options as IntrospectOptions};
use revisor::db::{Database, Dialect};
use revisor::executor::Options;
use revisor::graph::RevisionGraph;
use revisor::ops::*;
use revisor::plan::Mode;
use revisor::schema::Schema;
use revisor::with_backend;
use std::collections::BTreeMap;
use support::databases::fresh;

const BASE: &str = "revision: r0
upgrade:
  - create_table:
      name: a
      columns:
        - {name: id, type: integer, primary_key: true}
        - {name: x, type: text}
        - {name: y, type: integer, nullable: false, default: 0}
  - create_table:
      name: b
      columns:
        - {name: id, type: integer, primary_key: true}
        - {name: a_id, type: integer}
        - {name: label, type: varchar(20)}
";

/// What the builder knows of a table: its plain columns (name, type,
/// nullable), and whether anything but those columns hangs on it.
#[derive(Clone)]
struct T {
    cols: Vec<(String, &'static str, bool)>,
    /// Indexes and constraints the list added: (kind, name, column).
    extras: Vec<(&'static str, String, String)>,
    /// Another table's foreign key points here, or this one has one.
    linked: bool,
}

struct Builder {
    tables: BTreeMap<String, T>,
    n: usize,
}

fn col(name: &str, ty: &str, nullable: bool) -> ColumnSpec {
    ColumnSpec {
        name: name.into(),
        ty: TypeSpec::Portable(ty.into()),
        nullable: Some(nullable),
        default: None,
        default_sql: None,
        primary_key: false,
        autoincrement: false,
        comment: None,
    }
}

impl Builder {
    fn new() -> Builder {
        let mut tables = BTreeMap::new();
        let t = |cols: &[(&str, &'static str, bool)]| T {
            cols: cols.iter().map(|(n, t, b)| ((*n).into(), *t, *b)).collect(),
            extras: Vec::new(),
            linked: false,
        };
        tables.insert("a".into(), t(&[("x", "text", true)]));
        tables.insert(
            "b".into(),
            t(&[("a_id", "integer", true), ("label", "varchar(20)", true)]),
        );
        Builder { tables, n: 0 }
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.n += 1;
        format!("{prefix}{}", self.n)
    }

    fn pick<X>(v: &[X], k: u8) -> Option<&X> {
        (!v.is_empty()).then(|| &v[usize::from(k) % v.len()])
    }

    /// A free column (in no index or constraint) of a table.
    fn free_column(&self, t: &str, k: u8) -> Option<(String, &'static str, bool)> {
        let tt = &self.tables[t];
        let free: Vec<_> = tt
            .cols
            .iter()
            .filter(|c| !tt.extras.iter().any(|e| e.2 == c.0))
            .cloned()
            .collect();
        Self::pick(&free, k).cloned()
    }

    /// The operation for choice `(op, k1, k2)`, or `None` when it does not
    /// apply to the current model.
    fn op(&mut self, (op, k1, k2): (u8, u8, u8)) -> Option<Operation> {
        let names: Vec<String> = self.tables.keys().cloned().collect();
        let table = Self::pick(&names, k1)?.clone();
        let types = [
            "integer",
            "text",
            "varchar(20)",
            "boolean",
            "bigint",
            "date",
        ];
        Some(match op % 12 {
            0 => {
                let name = self.fresh("t");
                self.tables.insert(
                    name.clone(),
                    T {
                        cols: vec![("c".into(), "text", true)],
                        extras: Vec::new(),
                        linked: false,
                    },
                );
                Operation::CreateTable(TableSpec {
                    name: Some(name),
                    columns: vec![
                        ColumnSpec {
                            primary_key: true,
                            ..col("id", "integer", false)
                        },
                        col("c", "text", true),
                    ],
                    ..TableSpec::default()
                })
            }
            1 => {
                let t = self.tables.get(&table)?;
                if t.linked || !t.extras.is_empty() || table == "a" {
                    return None;
                }
                let mut columns = vec![ColumnSpec {
                    primary_key: true,
                    ..col("id", "integer", false)
                }];
                columns.extend(t.cols.iter().map(|(n, ty, nl)| col(n, ty, *nl)));
                self.tables.remove(&table);
                Operation::DropTable(DropTable {
                    name: table,
                    definition: Some(TableSpec {
                        name: None,
                        columns,
                        ..TableSpec::default()
                    }),
                })
            }
            2 => {
                if self.tables[&table].linked || table == "a" {
                    return None;
                }
                let to = self.fresh("r");
                let t = self.tables.remove(&table)?;
                self.tables.insert(to.clone(), t);
                Operation::RenameTable(RenameTable { from: table, to })
            }
            3 => {
                let name = self.fresh("c");
                let ty = types[usize::from(k2) % types.len()];
                let with_default = k2 % 3 == 0 && ty == "integer";
                self.tables
                    .get_mut(&table)?
                    .cols
                    .push((name.clone(), ty, !with_default));
                Operation::AddColumn(AddColumn {
                    table,
                    column: ColumnSpec {
                        default: with_default.then(|| Value::Number(7.into())),
                        ..col(&name, ty, !with_default)
                    },
                })
            }
            4 => {
                let (name, ty, nullable) = self.free_column(&table, k2)?;
                self.tables.get_mut(&table)?.cols.retain(|c| c.0 != name);
                Operation::DropColumn(DropColumn {
                    table,
                    column: name,
                    definition: Some(ColumnState {
                        ty: Some(TypeSpec::Portable(ty.into())),
                        nullable: Some(nullable),
                        ..ColumnState::default()
                    }),
                })
            }
            5 => {
                let (name, ty, nullable) = self.free_column(&table, k2)?;
                let new_ty = match ty {
                    "varchar(20)" => "varchar(40)",
                    "varchar(40)" => "varchar(20)",
                    "integer" => "bigint",
                    "bigint" => "integer",
                    other => other,
                };
                let rename = (k2 % 2 == 0).then(|| self.fresh("n"));
                let t = self.tables.get_mut(&table)?;
                for c in t.cols.iter_mut().filter(|c| c.0 == name) {
                    c.1 = new_ty;
                    c.2 = !nullable;
                    if let Some(r) = &rename {
                        c.0 = r.clone();
                    }
                }
                Operation::AlterColumn(AlterColumn {
                    table,
                    column: name,
                    ty: (new_ty != ty).then(|| TypeSpec::Portable(new_ty.into())),
                    nullable: Some(!nullable),
                    default: None,
                    default_sql: None,
                    drop_default: false,
                    rename_to: rename,
                    from: Some(ColumnState {
                        ty: (new_ty != ty).then(|| TypeSpec::Portable(ty.into())),
                        nullable: Some(nullable),
                        ..ColumnState::default()
                    }),
                })
            }
            6 | 7 => {
                let (column, _, _) = self.free_column(&table, k2)?;
                let name = self.fresh("ix");
                let unique = op % 12 == 7;
                self.tables
                    .get_mut(&table)?
                    .extras
                    .push(("index", name.clone(), column.clone()));
                Operation::CreateIndex(CreateIndex {
                    name,
                    table,
                    columns: vec![column],
                    unique,
                    predicate: None,
                    concurrently: k2 % 2 == 0,
                })
            }
            8 => {
                let t = self.tables.get(&table)?;
                let ix: Vec<_> = t
                    .extras
                    .iter()
                    .filter(|e| e.0 == "index")
                    .cloned()
                    .collect();
                let (_, name, column) = Self::pick(&ix, k2)?.clone();
                self.tables.get_mut(&table)?.extras.retain(|e| e.1 != name);
                Operation::DropIndex(DropIndex {
                    name,
                    table,
                    definition: Some(IndexSpec {
                        name: None,
                        columns: vec![column],
                        unique: false,
                        predicate: None,
                    }),
                    concurrently: false,
                })
            }
            9 => {
                let (column, _, _) = self.free_column(&table, k2)?;
                let name = self.fresh("uq");
                self.tables
                    .get_mut(&table)?
                    .extras
                    .push(("unique", name.clone(), column.clone()));
                Operation::AddUnique(AddUnique {
                    name,
                    table,
                    columns: vec![column],
                })
            }
            10 => {
                let name = self.fresh("ck");
                self.tables
                    .get_mut(&table)?
                    .extras
                    .push(("check", name.clone(), "id".into()));
                Operation::AddCheck(AddCheck {
                    name,
                    table,
                    expression: "id >= 0".into(),
                })
            }
            _ => {
                // A foreign key from a fresh integer column to a.id.
                if table == "a" {
                    return None;
                }
                let column = self.fresh("fk_col");
                let name = self.fresh("fk");
                let t = self.tables.get_mut(&table)?;
                t.cols.push((column.clone(), "integer", true));
                t.extras.push(("fk", name.clone(), column.clone()));
                t.linked = true;
                self.tables.get_mut("a")?.linked = true;
                return Some(Operation::AddForeignKey(AddForeignKey {
                    name,
                    table,
                    columns: vec![column],
                    references: References {
                        table: "a".into(),
                        columns: vec!["id".into()],
                    },
                    on_delete: (k2 % 2 == 0).then(|| "cascade".into()),
                    on_update: None,
                }));
            }
        })
    }
}

/// The column the foreign key needs comes first, in the same list.
fn with_fk_columns(ops: Vec<Operation>) -> Vec<Operation> {
    ops.into_iter()
        .flat_map(|op| match &op {
            Operation::AddForeignKey(f) => vec![
                Operation::AddColumn(AddColumn {
                    table: f.table.clone(),
                    column: col(&f.columns[0], "integer", true),
                }),
                op,
            ],
            _ => vec![op],
        })
        .collect()
}

fn by_name(mut s: Schema) -> Schema {
    s = s.normalized(Dialect::Sqlite);
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

async fn live(db: &mut Database) -> Schema {
    by_name(with_backend!(db, |b| b.introspect(&IntrospectOptions::default()).await).unwrap())
}

async fn step(
    db: &mut Database,
    g: &RevisionGraph,
    target: &str,
    mode: Mode,
) -> Result<(), String> {
    let opts = Options::default();
    support::databases::session(db, &opts)
        .run(g, target, mode, &mut |_| {})
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn round_trip(choices: Vec<(u8, u8, u8)>) -> Result<(), String> {
    let mut b = Builder::new();
    let ops = with_fk_columns(choices.into_iter().filter_map(|c| b.op(c)).collect());
    if ops.is_empty() {
        return Ok(());
    }
    let file = format!(
        "revision: op\ndown_revision: r0\nupgrade:\n{}",
        revisor::ops::to_yaml(&ops)
    );
    let g = RevisionGraph::from_files(&[("0001.yaml", BASE), ("0002.yaml", file.as_str())])
        .map_err(|e| format!("{e}\n{file}"))?;
    let url = fresh(Dialect::Sqlite).await;
    let mut db = Database::connect(&url).await.map_err(|e| e.to_string())?;
    step(&mut db, &g, "r0", Mode::Upgrade).await?;
    let before = live(&mut db).await;
    step(&mut db, &g, "op", Mode::Upgrade)
        .await
        .map_err(|e| format!("up: {e}\n{file}"))?;
    step(&mut db, &g, "r0", Mode::Downgrade)
        .await
        .map_err(|e| format!("down: {e}\n{file}"))?;
    let after = live(&mut db).await;
    if after != before {
        return Err(format!(
            "up + derived down is not the identity\n{file}\nbefore: {before:#?}\nafter: {after:#?}"
        ));
    }
    Ok(())
}

#[test]
fn derived_downgrades_undo_random_operation_lists_on_sqlite() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
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
        .run(
            &prop::collection::vec(any::<(u8, u8, u8)>(), 1..10),
            |choices| {
                let result = rt.block_on(round_trip(choices));
                prop_assert!(result.is_ok(), "{}", result.unwrap_err());
                Ok(())
            },
        )
        .unwrap();
}
