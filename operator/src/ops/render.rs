//! Operations to SQL for one dialect, through the autogenerate renderer
//! ([`crate::render`]). Pure.
//!
//! Each operation becomes a schema change ([`crate::diff::Op`]) where one
//! exists, rendered by [`crate::render::render`] (so SQLite's batch
//! rebuild, constraint names and quoting are the autogenerate ones), or a
//! statement of its own (`rename_table`, column renames, `bulk_insert`,
//! `execute`). A [`Model`] of the schema is carried from one operation to
//! the next: it starts as the live schema, introspected right before the
//! step runs (complete), or offline as what earlier operation revisions of
//! the same run created (partial). Operations that need a table's current
//! definition (SQLite rebuilds; MySQL's `MODIFY COLUMN`, which restates the
//! whole column; `drop_constraint` on MySQL, which needs the kind) fail
//! with a clear error when the model does not have it.

use super::apply::apply;
pub use super::check::{check, check_type};
use super::lower::{column, default_of, fk, index, table, ty};
use super::rows::{bulk_delete, bulk_insert};
use super::OpsError;
use super::{AlterColumn, ColumnState, Execute, ForeignKeySpec, Operation};
use crate::dialect::Dialect;
use crate::diff::Op;
use crate::render::quote;
use crate::schema::{Check, Column, Index, Schema, Table, Type, Unique};

/// The schema operations are rendered against.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// Tables known so far.
    pub schema: Schema,
    /// Whether `schema` is the whole database (introspected): a table it
    /// does not have does not exist. A partial model (offline) only knows
    /// what operations created.
    pub complete: bool,
}

/// What an operation failed on: its index in the list and why.
pub type OpError = (usize, OpsError);

/// The SQLAlchemy name of a dialect, the key of per-dialect maps.
pub fn dialect_key(d: Dialect) -> &'static str {
    d.name()
}

/// Whether rendering `ops` for `d` may need the definition of a table that
/// already exists (so a live step introspects first).
pub fn needs_state(ops: &[Operation], d: Dialect) -> bool {
    ops.iter().any(|op| match op {
        Operation::CreateTable(_)
        | Operation::RenameTable(_)
        | Operation::CreateIndex(_)
        | Operation::BulkInsert(_)
        | Operation::Execute(_) => false,
        Operation::AddColumn(a) => {
            d.sql().rebuilds_tables()
                && (a.column.autoincrement
                    || a.column.primary_key
                    || (a.column.nullable == Some(false)
                        && a.column.default.is_none()
                        && a.column.default_sql.is_none()))
        }
        Operation::DropIndex(_) => false,
        Operation::DropTable(_) => false,
        _ => true,
    })
}

/// The statements of `ops` for `d`, against `model`, which is brought to
/// the state after them.
///
/// # Errors
/// The index of the operation that cannot be rendered and why (a type map
/// without this dialect, a table definition the model does not have where
/// one is needed, `execute` without SQL for this dialect).
pub fn render(ops: &[Operation], d: Dialect, model: &mut Model) -> Result<Vec<String>, OpError> {
    let mut out = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let stmts = render_one(op, d, model).map_err(|e| (i, e))?;
        out.extend(stmts);
    }
    Ok(out)
}

/// The table as the model knows it, or an error when the rendering needs it.
fn known<'m>(model: &'m Model, t: &str, why: &str) -> Result<&'m Table, OpsError> {
    model.schema.tables.get(t).ok_or_else(|| {
        if model.complete {
            OpsError::Missing(format!("table {t} does not exist"))
        } else {
            OpsError::NeedsDefinition(format!(
                "{why} needs the current definition of table {t}, which is not known offline (it was not created by an operation revision in this run); run against the database, or give the old state (`from:`/`definition:`)"
            ))
        }
    })
}

/// Renders one schema change through the autogenerate renderer and applies
/// it to the model.
fn change(op: Op, d: Dialect, model: &mut Model) -> Vec<String> {
    let name = op.table().to_owned();
    let known = model.schema.tables.contains_key(&name);
    if !(d.sql().rebuilds_tables() && known && crate::render::needs_rebuild(&op)) {
        // No rebuild: the statements need only the model as it is (no
        // copies of whole tables), and the model takes the change in place.
        let stmts = crate::render::render_single(&op, d, &model.schema);
        match op {
            Op::CreateTable(t) => {
                model.schema.tables.insert(name, t);
            }
            Op::DropTable(_) => {
                model.schema.tables.remove(&name);
            }
            // A table the model does not know stays unknown.
            _ if known => apply(&mut model.schema, &op),
            _ => {}
        }
        return stmts;
    }
    let mut before = Schema::default();
    let was_known = match model.schema.tables.get(&name) {
        Some(t) => {
            before.tables.insert(name.clone(), t.clone());
            true
        }
        None => false,
    };
    let mut after = before.clone();
    apply(&mut after, &op);
    let stmts = crate::render::render(std::slice::from_ref(&op), d, &before, &after);
    match after.tables.remove(&name) {
        // A table the model did not know stays unknown: a stub would pass
        // for its whole definition later.
        Some(t) if was_known || matches!(op, Op::CreateTable(_)) => {
            model.schema.tables.insert(name, t);
        }
        Some(_) => {}
        None => {
            model.schema.tables.remove(&name);
        }
    }
    stmts
}

/// Whether SQLite rebuilds the table for `op` (it then needs the table).
fn sqlite_rebuilds(op: &Op, d: Dialect) -> bool {
    d.sql().rebuilds_tables() && crate::render::needs_rebuild(op)
}

fn render_one(op: &Operation, d: Dialect, model: &mut Model) -> Result<Vec<String>, OpsError> {
    let alter = |t: &str| format!("ALTER TABLE {}", quote(t, d));
    Ok(match op {
        Operation::CreateTable(t) => {
            let name = t.name.clone().unwrap_or_default();
            change(Op::CreateTable(table(&name, t, d)?), d, model)
        }
        Operation::DropTable(x) => {
            let t = match (model.schema.tables.get(&x.name), &x.definition) {
                (Some(t), _) => t.clone(),
                (None, Some(def)) => table(&x.name, def, d)?,
                (None, None) => Table {
                    name: x.name.clone(),
                    ..Table::default()
                },
            };
            change(Op::DropTable(t), d, model)
        }
        Operation::RenameTable(r) => {
            if let Some(mut t) = model.schema.tables.remove(&r.from) {
                t.name = r.to.clone();
                model.schema.tables.insert(r.to.clone(), t);
            }
            vec![format!("{} RENAME TO {}", alter(&r.from), quote(&r.to, d))]
        }
        Operation::AddColumn(a) => {
            let mut col = column(&a.column, d)?;
            if a.column.primary_key {
                col.nullable = false;
            }
            let op = Op::AddColumn {
                table: a.table.clone(),
                column: col,
            };
            if sqlite_rebuilds(&op, d) {
                known(
                    model,
                    &a.table,
                    "adding a NOT NULL column without a default on SQLite (a table rebuild)",
                )?;
            }
            change(op, d, model)
        }
        Operation::DropColumn(x) => {
            let current = model
                .schema
                .tables
                .get(&x.table)
                .and_then(|t| t.column(&x.column))
                .cloned();
            let col = match (current, &x.definition) {
                (Some(c), _) => c,
                (None, Some(def)) => state_column(&x.column, def, d)?,
                (None, None) => Column::new(&x.column, Type::Other("unknown".into())),
            };
            if d.sql().rebuilds_tables() && !model.schema.tables.contains_key(&x.table) {
                // No definition to rebuild from: SQLite 3.35+ drops a plain column in place.
                return Ok(vec![format!(
                    "{} DROP COLUMN {}",
                    alter(&x.table),
                    quote(&x.column, d)
                )]);
            }
            change(
                Op::DropColumn {
                    table: x.table.clone(),
                    column: col,
                },
                d,
                model,
            )
        }
        Operation::AlterColumn(a) => alter_column(a, d, model)?,
        Operation::CreateIndex(c) => {
            let mut stmts = change(
                Op::CreateIndex {
                    table: c.table.clone(),
                    index: Index {
                        name: c.name.clone(),
                        columns: c.columns.clone(),
                        unique: c.unique,
                        predicate: c.predicate.clone(),
                        ..Index::default()
                    },
                },
                d,
                model,
            );
            if c.concurrently && d.sql().concurrent_index() {
                for s in &mut stmts {
                    *s = s
                        .replacen("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ", 1)
                        .replacen(
                            "CREATE UNIQUE INDEX ",
                            "CREATE UNIQUE INDEX CONCURRENTLY ",
                            1,
                        );
                }
            }
            stmts
        }
        Operation::DropIndex(x) => {
            let current = model
                .schema
                .tables
                .get(&x.table)
                .and_then(|t| t.indexes.iter().find(|i| i.name == x.name))
                .cloned();
            let idx = current.unwrap_or_else(|| match &x.definition {
                Some(def) => index(&x.name, def),
                None => Index {
                    name: x.name.clone(),
                    columns: Vec::new(),
                    unique: false,
                    predicate: None,
                    ..Index::default()
                },
            });
            let mut stmts = change(
                Op::DropIndex {
                    table: x.table.clone(),
                    index: idx,
                },
                d,
                model,
            );
            if x.concurrently && d.sql().concurrent_index() {
                for s in &mut stmts {
                    *s = s.replacen("DROP INDEX ", "DROP INDEX CONCURRENTLY ", 1);
                }
            }
            stmts
        }
        Operation::AddForeignKey(f) => {
            let op = Op::AddForeignKey {
                table: f.table.clone(),
                fk: fk(&ForeignKeySpec {
                    name: Some(f.name.clone()),
                    columns: f.columns.clone(),
                    references: f.references.clone(),
                    on_delete: f.on_delete.clone(),
                    on_update: f.on_update.clone(),
                })?,
            };
            constraint_change(
                op,
                d,
                model,
                "adding a foreign key on SQLite (a table rebuild)",
            )?
        }
        Operation::AddUnique(u) => {
            let op = Op::AddUnique {
                table: u.table.clone(),
                unique: Unique {
                    name: Some(u.name.clone()),
                    columns: u.columns.clone(),
                    ..Unique::default()
                },
            };
            constraint_change(
                op,
                d,
                model,
                "adding a unique constraint on SQLite (a table rebuild)",
            )?
        }
        Operation::AddCheck(c) => {
            let op = Op::AddCheck {
                table: c.table.clone(),
                check: Check {
                    name: Some(c.name.clone()),
                    expression: c.expression.clone(),
                    not_valid: false,
                },
            };
            constraint_change(
                op,
                d,
                model,
                "adding a check constraint on SQLite (a table rebuild)",
            )?
        }
        Operation::DropConstraint(x) => drop_constraint(x, d, model)?,
        Operation::BulkInsert(r) => bulk_insert(r, d),
        Operation::BulkDelete(r) => bulk_delete(r, d, model),
        Operation::Execute(e) => {
            let sql = match e {
                Execute::Sql(s) => s.clone(),
                Execute::PerDialect(m) => m.get(dialect_key(d)).cloned().ok_or_else(|| {
                    OpsError::NotForDialect(format!(
                        "no SQL for `{}` (the map has {})",
                        dialect_key(d),
                        m.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                })?,
            };
            vec![sql.trim().trim_end_matches(';').trim_end().to_owned()]
        }
    })
}

fn constraint_change(
    op: Op,
    d: Dialect,
    model: &mut Model,
    why: &str,
) -> Result<Vec<String>, OpsError> {
    let name = op.table().to_owned();
    if sqlite_rebuilds(&op, d) {
        known(model, &name, why)?;
    }
    Ok(change(op, d, model))
}

fn state_column(name: &str, s: &ColumnState, d: Dialect) -> Result<Column, OpsError> {
    let mut c = Column::new(
        name,
        match &s.ty {
            Some(t) => ty(t, d)?,
            None => Type::Other("unknown".into()),
        },
    );
    c.nullable = s.nullable.unwrap_or(true);
    c.default = default_of(&s.default, &s.default_sql, d);
    c.identity = s.autoincrement;
    Ok(c)
}

fn alter_column(a: &AlterColumn, d: Dialect, model: &mut Model) -> Result<Vec<String>, OpsError> {
    let current = model
        .schema
        .tables
        .get(&a.table)
        .and_then(|t| t.column(&a.column))
        .cloned();
    if current.is_none() && model.complete {
        return Err(OpsError::Missing(format!(
            "column {}.{} does not exist",
            a.table, a.column
        )));
    }
    let changes = a.ty.is_some() || a.nullable.is_some() || a.changes_default();
    let mut out = Vec::new();
    if changes {
        let new_ty = a.ty.as_ref().map(|t| ty(t, d)).transpose()?;
        let new_default = if a.drop_default {
            Some(None)
        } else if a.changes_default() {
            Some(default_of(&a.default, &a.default_sql, d))
        } else {
            None
        };
        let from = match &current {
            Some(c) => c.clone(),
            None => {
                if d.sql().rebuilds_tables() {
                    known(model, &a.table, "alter_column on SQLite (a table rebuild)")?;
                }
                // Offline without the table: the old state from `from:`,
                // and on PostgreSQL anything else marked as changed.
                let st = a.from.clone().unwrap_or_default();
                let mut c = state_column(&a.column, &st, d)?;
                if st.nullable.is_none() {
                    c.nullable = a.nullable.is_none_or(|n| !n);
                }
                if d.sql().alter_restates_column()
                    && (st.ty.is_none() && a.ty.is_none()
                        || st.nullable.is_none() && a.nullable.is_none()
                        || !a.changes_default() && a.from.is_none())
                {
                    return Err(OpsError::Invalid(format!(
                        "alter_column on MySQL restates the whole column (MODIFY COLUMN): offline, give `from: {{type, nullable, default}}` for {}.{}",
                        a.table, a.column
                    )));
                }
                if new_default.is_some()
                    && st.default.is_none()
                    && st.default_sql.is_none()
                    && a.from.is_none()
                {
                    c.default = Some("NULL /* unknown */".into());
                }
                c
            }
        };
        let mut to = from.clone();
        if let Some(t) = new_ty {
            to.ty = t;
        }
        if let Some(n) = a.nullable {
            to.nullable = n;
        }
        if let Some(def) = new_default {
            to.default = def;
        }
        if to != from {
            let op = Op::AlterColumn {
                table: a.table.clone(),
                from,
                to,
            };
            if sqlite_rebuilds(&op, d) {
                known(model, &a.table, "alter_column on SQLite (a table rebuild)")?;
            }
            out.extend(change(op, d, model));
        }
    }
    if let Some(new) = &a.rename_to {
        out.push(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            quote(&a.table, d),
            quote(&a.column, d),
            quote(new, d)
        ));
        if let Some(t) = model.schema.tables.get_mut(&a.table) {
            rename_column(t, &a.column, new);
        }
    }
    Ok(out)
}

fn rename_column(t: &mut Table, old: &str, new: &str) {
    let fix = |v: &mut Vec<String>| {
        for c in v.iter_mut().filter(|c| *c == old) {
            *c = new.to_owned();
        }
    };
    for c in t.columns.iter_mut().filter(|c| c.name == old) {
        c.name = new.to_owned();
    }
    fix(&mut t.primary_key);
    for u in &mut t.uniques {
        fix(&mut u.columns);
    }
    for i in &mut t.indexes {
        fix(&mut i.columns);
    }
    for f in &mut t.foreign_keys {
        fix(&mut f.columns);
    }
}

fn drop_constraint(
    x: &super::DropConstraint,
    d: Dialect,
    model: &mut Model,
) -> Result<Vec<String>, OpsError> {
    let current = model.schema.tables.get(&x.table);
    let named = |n: &Option<String>| n.as_deref() == Some(x.name.as_str());
    let found = current.and_then(|t| {
        t.foreign_keys
            .iter()
            .find(|f| named(&f.name))
            .map(|f| Op::DropForeignKey {
                table: x.table.clone(),
                fk: f.clone(),
            })
            .or_else(|| {
                t.uniques
                    .iter()
                    .find(|u| named(&u.name))
                    .map(|u| Op::DropUnique {
                        table: x.table.clone(),
                        unique: u.clone(),
                    })
            })
            .or_else(|| {
                t.checks
                    .iter()
                    .find(|c| named(&c.name))
                    .map(|c| Op::DropCheck {
                        table: x.table.clone(),
                        check: c.clone(),
                    })
            })
    });
    let from_def = || -> Result<Option<Op>, OpsError> {
        let Some(def) = &x.definition else {
            return Ok(None);
        };
        let name = Some(x.name.clone());
        let table = x.table.clone();
        Ok(Some(if let Some(f) = &def.foreign_key {
            let mut k = fk(f)?;
            k.name = name;
            Op::DropForeignKey { table, fk: k }
        } else if let Some(u) = &def.unique {
            Op::DropUnique {
                table,
                unique: Unique {
                    name,
                    columns: u.columns.clone(),
                    ..Unique::default()
                },
            }
        } else {
            let c = def
                .check
                .as_ref()
                .map(|c| c.expression.clone())
                .unwrap_or_default();
            Op::DropCheck {
                table,
                check: Check {
                    name,
                    expression: c,
                    not_valid: false,
                },
            }
        }))
    };
    let op = match found {
        Some(op) => op,
        None => match from_def()? {
            Some(op) => op,
            None if d.sql().drops_any_constraint_by_name() => {
                return Ok(vec![format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    quote(&x.table, d),
                    quote(&x.name, d)
                )])
            }
            None if model.complete && current.is_some() => {
                return Err(OpsError::Missing(format!(
                    "table {} has no constraint {}",
                    x.table, x.name
                )))
            }
            None => {
                known(model, &x.table, "drop_constraint on MySQL and SQLite")?;
                return Err(OpsError::Missing(format!(
                    "table {} has no constraint {}",
                    x.table, x.name
                )));
            }
        },
    };
    constraint_change(op, d, model, "drop_constraint on SQLite (a table rebuild)")
}
