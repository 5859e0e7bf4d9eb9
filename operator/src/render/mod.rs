//! Operations to SQL, per dialect. Pure.
//!
//! [`render`] turns [`Op`]s into statements for PostgreSQL, MySQL/MariaDB or
//! SQLite. On SQLite, whose `ALTER TABLE` can add a nullable column, rename
//! and little else, every other change to a table is rendered as one table
//! rebuild, as Alembic's batch mode does: create the new table, copy the
//! rows of the columns both have, drop the old table, rename the new one,
//! recreate its indexes. The executor runs a SQLite step with foreign-key
//! enforcement off and checks every foreign key (`PRAGMA
//! foreign_key_check`) before it commits, inside the step's transaction.
//!
//! Constraints the schema leaves unnamed get deterministic names
//! ([`constraint_name`]) where a later `DROP` needs one, so that a down
//! section written today can drop what the up section created.

mod types;

use crate::dialect::{Dialect, SqlDialect};
use crate::diff::Op;
use crate::schema::{Check, Index, Schema, Table, Type};
use std::collections::BTreeSet;

/// `name` as an identifier in `dialect`: bare when plain lower-case ASCII
/// and not reserved, else quoted (`"x"`, or `` `x` `` on MySQL).
pub fn quote(name: &str, dialect: Dialect) -> String {
    dialect.sql().quote(name)
}

/// A string literal in `dialect`.
pub fn literal(s: &str, dialect: Dialect) -> String {
    dialect.sql().string_literal(s)
}

/// The name a constraint gets when the schema leaves it unnamed (see
/// [`crate::dialect::SqlDialect::constraint_name`]).
pub fn constraint_name(kind: &str, table: &str, columns: &[String], dialect: Dialect) -> String {
    dialect.sql().constraint_name(kind, table, columns)
}

/// The name of a check constraint: its own, or one derived from the
/// expression's hash (so that a down section can drop it by name).
pub(crate) fn check_name(c: &Check, table: &str, dialect: Dialect) -> String {
    dialect.sql().check_name(c, table)
}

/// The key column that is SQLite's rowid alias: one INTEGER key column,
/// where the dialect has rowids.
fn rowid_key<'t>(t: &'t Table, sql: &dyn SqlDialect) -> Option<&'t str> {
    match t.primary_key.as_slice() {
        [k] if sql.rowid_alias() && t.column(k).is_some_and(|c| c.ty == Type::Integer) => Some(k),
        _ => None,
    }
}

/// `CREATE TABLE` for `t` named `as_name`, with its keys, unique
/// constraints, foreign keys and checks (indexes and comments are separate
/// statements: `table_extras`).
pub fn create_table(t: &Table, as_name: &str, dialect: Dialect) -> String {
    let sql = dialect.sql();
    let rowid = rowid_key(t, sql);
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .map(|c| sql.column_def(c, Some(c.name.as_str()) == rowid))
        .collect();
    if !t.primary_key.is_empty() && rowid.is_none() {
        let constraint = t
            .primary_key_name
            .as_ref()
            .map(|n| format!("CONSTRAINT {} ", sql.quote(n)))
            .unwrap_or_default();
        parts.push(format!(
            "{constraint}PRIMARY KEY ({}){}",
            sql.list(&t.primary_key),
            crate::dialect::deferral(t.primary_key_deferrable, t.primary_key_initially_deferred)
        ));
    }
    parts.extend(t.uniques.iter().map(|u| sql.unique_clause(u, &t.name)));
    parts.extend(t.foreign_keys.iter().map(|f| sql.fk_clause(f, &t.name)));
    parts.extend(t.checks.iter().map(|c| sql.check_clause(c, &t.name)));
    parts.extend(
        t.exclusions
            .iter()
            .map(|x| format!("CONSTRAINT {} {}", sql.quote(&x.name), x.definition)),
    );
    let partition_by = t
        .storage
        .partition_by
        .as_ref()
        .map(|k| format!(" PARTITION BY {k}"))
        .unwrap_or_default();
    // A partition has its parent's columns: only its own constraints are
    // written (a column that differs from the parent's is altered after).
    if let Some(p) = &t.storage.partition_of {
        let own = if parts.len() > t.columns.len() {
            format!(" (\n    {}\n)", parts[t.columns.len()..].join(",\n    "))
        } else {
            String::new()
        };
        return format!(
            "CREATE TABLE {} PARTITION OF {}{own} {}{partition_by}",
            sql.quote(as_name),
            sql.quote(&p.parent),
            p.bound
        );
    }
    format!(
        "CREATE {}TABLE {} (\n    {}\n){}{partition_by}",
        if t.storage.unlogged { "UNLOGGED " } else { "" },
        sql.quote(as_name),
        parts.join(",\n    "),
        sql.table_options_clause(t)
    )
}

/// `Op::SetStorage`: detach from the old partitioned table, attach to
/// the new one, `SET LOGGED` / `SET UNLOGGED` (PostgreSQL).
fn set_storage(
    table: &str,
    from: &crate::schema::Storage,
    to: &crate::schema::Storage,
    sql: &dyn SqlDialect,
) -> Vec<String> {
    let mut out = Vec::new();
    if from.partition_of != to.partition_of {
        if let Some(p) = &from.partition_of {
            out.push(format!(
                "ALTER TABLE {} DETACH PARTITION {}",
                sql.quote(&p.parent),
                sql.quote(table)
            ));
        }
        if let Some(p) = &to.partition_of {
            out.push(format!(
                "ALTER TABLE {} ATTACH PARTITION {} {}",
                sql.quote(&p.parent),
                sql.quote(table),
                p.bound
            ));
        }
    }
    if from.unlogged != to.unlogged {
        let how = if to.unlogged { "UNLOGGED" } else { "LOGGED" };
        out.push(format!("ALTER TABLE {} SET {how}", sql.quote(table)));
    }
    out
}

fn create_index(i: &Index, table: &str, dialect: Dialect) -> String {
    let sql = dialect.sql();
    let cols: Vec<String> = i
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let c = if c.starts_with('(') {
                c.clone()
            } else {
                sql.quote(c)
            };
            // A prefix length sticks to its column: `name(10)`.
            match i.column_option(k) {
                "" => c,
                o if o.starts_with('(') => format!("{c}{o}"),
                o => format!("{c} {o}"),
            }
        })
        .collect();
    let (kind, using) = sql.index_method(i.method.as_deref());
    let mut s = format!(
        "CREATE {}{kind}INDEX {} ON {}{using} ({})",
        if i.unique { "UNIQUE " } else { "" },
        sql.quote(&i.name),
        sql.quote(table),
        cols.join(", ")
    );
    if !i.include.is_empty() {
        s.push_str(&format!(" INCLUDE ({})", sql.list(&i.include)));
    }
    if i.nulls_not_distinct {
        s.push_str(" NULLS NOT DISTINCT");
    }
    match &i.predicate {
        Some(p) => sql.index_predicate(s, p),
        None => s,
    }
}

/// The statements that follow `CREATE TABLE`: indexes, and comments where
/// the dialect keeps them out of the table definition.
fn table_extras(t: &Table, dialect: Dialect) -> Vec<String> {
    let mut out: Vec<String> = t
        .indexes
        .iter()
        .map(|i| create_index(i, &t.name, dialect))
        .collect();
    out.extend(dialect.sql().comment_statements(t));
    out
}

/// Whether a dialect that rebuilds tables ([`SqlDialect::rebuilds_tables`],
/// SQLite) needs a rebuild for `op`: its `ALTER TABLE` adds a nullable
/// column or one with a default, renames, and little else.
pub(crate) fn needs_rebuild(op: &Op) -> bool {
    match op {
        Op::AddColumn { column, .. } => {
            !(column.nullable || column.default.is_some()) || column.identity
        }
        Op::CreateTable(_)
        | Op::DropTable(_)
        | Op::CreateIndex { .. }
        | Op::DropIndex { .. }
        | Op::SetTableComment { .. }
        | Op::Enum { .. }
        | Op::Domain { .. }
        | Op::Sequence { .. }
        | Op::SetTableOptions { .. }
        | Op::SetStorage { .. }
        | Op::Extension { .. }
        | Op::View { .. }
        | Op::Trigger { .. }
        | Op::Function { .. } => false,
        Op::AlterColumn { from, to, .. } => {
            // Comments and collations SQLite does not keep are no change.
            let mut a = from.clone();
            a.comment = to.comment.clone();
            a != *to
        }
        _ => true,
    }
}

/// The rebuild of a table from `before` to `after` (Alembic's batch mode,
/// for a dialect that [rebuilds tables](SqlDialect::rebuilds_tables)):
/// new table, copy of the shared columns, drop, rename, indexes.
pub fn rebuild(before: &Table, after: &Table, d: Dialect) -> Vec<String> {
    let temp = format!("_revisor_new_{}", after.name);
    let shared: Vec<String> = after
        .columns
        .iter()
        .filter(|c| before.column(&c.name).is_some())
        .map(|c| c.name.clone())
        .collect();
    let mut out = vec![
        format!(
            "-- SQLite cannot alter {} in place: rebuild it (batch mode)",
            after.name
        ),
        create_table(after, &temp, d),
        format!(
            "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
            quote(&temp, d),
            quote(&before.name, d),
            cols = d.sql().list(&shared)
        ),
        format!("DROP TABLE {}", quote(&before.name, d)),
        // Since SQLite 3.26 a rename checks every view and trigger, and one
        // that names the table fails while it is dropped; the legacy rename
        // leaves them be (they name the table again once it is back).
        "PRAGMA legacy_alter_table = ON".to_owned(),
        format!(
            "ALTER TABLE {} RENAME TO {}",
            quote(&temp, d),
            quote(&after.name, d)
        ),
        "PRAGMA legacy_alter_table = OFF".to_owned(),
    ];
    out.extend(table_extras(after, d));
    out
}

/// The statements for `ops`, which turn schema `before` into `after`, in
/// `dialect`. Comment lines (`-- ...`) mark destructive changes and
/// possible renames; they are part of the statement they precede.
pub fn render(ops: &[Op], dialect: Dialect, before: &Schema, after: &Schema) -> Vec<String> {
    // Names of existing constraints come from the raw schema, which keeps
    // the ones the server chose; table definitions from the normal form.
    let raw_before = before;
    let before = before.normalized(dialect);
    let after = after.normalized(dialect);
    let rebuilt: BTreeSet<&str> = if dialect.sql().rebuilds_tables() {
        ops.iter()
            .filter(|o| needs_rebuild(o))
            .map(Op::table)
            .filter(|t| before.tables.contains_key(*t) && after.tables.contains_key(*t))
            .collect()
    } else {
        BTreeSet::new()
    };
    let hints = crate::diff::rename_hints(ops);
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    for op in ops {
        let table = op.table();
        let mut notes = Vec::new();
        if let Some(why) = op.destructive() {
            notes.push(format!("-- DESTRUCTIVE: {why}"));
        }
        if let Op::DropColumn { table, column } = op {
            for (_, from, to) in hints
                .iter()
                .filter(|(t, f, _)| t == table && f == &column.name)
            {
                notes.push(format!("-- possibly a rename of {table}.{from} to {to}: autogenerate does not guess renames"));
            }
        }
        if rebuilt.contains(table) {
            if done.insert(table) {
                let mut stmts = rebuild(&before.tables[table], &after.tables[table], dialect);
                // Every destructive note of the table's ops goes with the rebuild.
                let mut all_notes: Vec<String> = ops
                    .iter()
                    .filter(|o| o.table() == table)
                    .filter_map(|o| o.destructive().map(|w| format!("-- DESTRUCTIVE: {w}")))
                    .collect();
                if !all_notes.is_empty() {
                    all_notes.push(stmts.remove(0));
                    stmts.insert(0, all_notes.join("\n"));
                }
                merge_leading_comments(&mut stmts);
                out.extend(stmts);
            }
            continue;
        }
        let stmts = statements(op, dialect, raw_before, Some(&after));
        for (i, s) in stmts.into_iter().enumerate() {
            if i == 0 && !notes.is_empty() {
                out.push(format!("{}\n{s}", notes.join("\n")));
            } else {
                out.push(s);
            }
        }
    }
    out
}

/// The statements of one operation that needs no SQLite rebuild, with its
/// destructive note, against `before` as the database has it (for the
/// names of existing constraints): [`render`] for a single operation,
/// without normalising whole schemas.
pub(crate) fn render_single(op: &Op, dialect: Dialect, before: &Schema) -> Vec<String> {
    let mut stmts = statements(op, dialect, before, None);
    if let (Some(why), Some(first)) = (op.destructive(), stmts.first_mut()) {
        *first = format!("-- DESTRUCTIVE: {why}\n{first}");
    }
    stmts
}

/// Folds comment-only entries into the statement that follows them.
fn merge_leading_comments(stmts: &mut Vec<String>) {
    let mut merged: Vec<String> = Vec::with_capacity(stmts.len());
    let mut pending: Vec<String> = Vec::new();
    for s in stmts.drain(..) {
        if s.lines().all(|l| l.trim_start().starts_with("--")) {
            pending.push(s);
        } else if pending.is_empty() {
            merged.push(s);
        } else {
            pending.push(s);
            merged.push(pending.join("\n"));
            pending.clear();
        }
    }
    *stmts = merged;
}

/// The statements of `op` against `before` (raw, for the names of
/// existing constraints) and, where known, `after` (normal form, for the
/// names the change gives).
fn statements(op: &Op, dialect: Dialect, before: &Schema, after: Option<&Schema>) -> Vec<String> {
    let sql = dialect.sql();
    let alter = |t: &str| format!("ALTER TABLE {}", sql.quote(t));
    match op {
        Op::CreateTable(t) => {
            let mut v = vec![create_table(t, &t.name, dialect)];
            v.extend(table_extras(t, dialect));
            v
        }
        Op::DropTable(t) => vec![format!("DROP TABLE {}", sql.quote(&t.name))],
        Op::AddColumn { table, column } => {
            let mut v = vec![format!(
                "{} ADD COLUMN {}",
                alter(table),
                sql.column_def(column, false)
            )];
            v.extend(sql.add_column_comment(table, column));
            v
        }
        Op::DropColumn { table, column } => {
            vec![format!(
                "{} DROP COLUMN {}",
                alter(table),
                sql.quote(&column.name)
            )]
        }
        Op::AlterColumn { table, from, to } => sql.alter_column(table, from, to),
        Op::SetPrimaryKey { table, from, to } => {
            let mut v = Vec::new();
            let name = |s: Option<&Schema>| {
                s.and_then(|s| s.tables.get(table))
                    .and_then(|t| t.primary_key_name.clone())
            };
            if !from.is_empty() {
                v.push(sql.drop_primary_key(table, name(Some(before)).as_deref()));
            }
            if !to.is_empty() {
                let constraint = name(after)
                    .map(|n| format!("CONSTRAINT {} ", sql.quote(&n)))
                    .unwrap_or_default();
                let deferral = after.and_then(|s| s.tables.get(table)).map_or("", |t| {
                    crate::dialect::deferral(
                        t.primary_key_deferrable,
                        t.primary_key_initially_deferred,
                    )
                });
                v.push(format!(
                    "{} ADD {constraint}PRIMARY KEY ({}){deferral}",
                    alter(table),
                    sql.list(to)
                ));
            }
            v
        }
        Op::AddUnique { table, unique } => vec![format!(
            "{} ADD {}",
            alter(table),
            sql.unique_clause(unique, table)
        )],
        Op::DropUnique { table, unique } => {
            let name = real_name(before, table, |t| {
                t.uniques
                    .iter()
                    .find(|u| u.columns == unique.columns)
                    .and_then(|u| u.name.clone())
            })
            .or_else(|| unique.name.clone())
            .unwrap_or_else(|| sql.constraint_name("key", table, &unique.columns));
            vec![sql.drop_unique(table, &name)]
        }
        Op::CreateIndex { table, index } => vec![create_index(index, table, dialect)],
        Op::DropIndex { table, index } => vec![sql.drop_index(&index.name, table)],
        Op::AddForeignKey { table, fk } => vec![format!(
            "{} ADD {}{}",
            alter(table),
            sql.fk_clause(fk, table),
            if fk.not_valid { " NOT VALID" } else { "" }
        )],
        Op::DropForeignKey { table, fk } => {
            let name = real_name(before, table, |t| {
                t.foreign_keys
                    .iter()
                    .find(|f| f.columns == fk.columns && f.ref_table == fk.ref_table)
                    .and_then(|f| f.name.clone())
            })
            .or_else(|| fk.name.clone())
            .unwrap_or_else(|| sql.constraint_name("fkey", table, &fk.columns));
            sql.drop_foreign_key(table, &name, fk, before.tables.get(table))
        }
        Op::AddExclusion { table, exclusion } => vec![format!(
            "{} ADD CONSTRAINT {} {}",
            alter(table),
            sql.quote(&exclusion.name),
            exclusion.definition
        )],
        Op::DropExclusion { table, exclusion } => vec![format!(
            "{} DROP CONSTRAINT {}",
            alter(table),
            sql.quote(&exclusion.name)
        )],
        Op::AddCheck { table, check } => vec![format!(
            "{} ADD {}{}",
            alter(table),
            sql.check_clause(check, table),
            if check.not_valid { " NOT VALID" } else { "" }
        )],
        Op::DropCheck { table, check } => {
            let name = real_name(before, table, |t| {
                t.checks
                    .iter()
                    .find(|c| c.key() == check.key())
                    .and_then(|c| c.name.clone())
            })
            .unwrap_or_else(|| sql.check_name(check, table));
            // DROP CONSTRAINT: MariaDB's and MySQL 8.0.19+'s spelling alike.
            vec![format!(
                "{} DROP CONSTRAINT {}",
                alter(table),
                sql.quote(&name)
            )]
        }
        Op::SetTableComment { table, to, .. } => sql.set_table_comment(table, to.as_deref()),
        Op::SetTableOptions { table, from, to } => sql.alter_table_options(table, from, to),
        Op::SetStorage { table, from, to } => set_storage(table, from, to, sql),
        Op::Enum {
            name,
            from,
            to,
            columns,
        } => types::enum_statements(name, from.as_deref(), to.as_deref(), columns, dialect),
        Op::Domain {
            name,
            from,
            to,
            columns,
        } => types::domain_statements(name, from.as_ref(), to.as_ref(), columns, before, dialect),
        Op::Sequence { name, from, to } => vec![match (from, to) {
            (_, None) => format!("DROP SEQUENCE {}", sql.quote(name)),
            (None, Some(s)) => format!("CREATE SEQUENCE {} {}", sql.quote(name), s.settings()),
            (Some(_), Some(s)) => format!("ALTER SEQUENCE {} {}", sql.quote(name), s.settings()),
        }],
        Op::Extension { name, create: true } => {
            vec![format!(
                "CREATE EXTENSION IF NOT EXISTS {}",
                sql.quote(name)
            )]
        }
        Op::Extension {
            name,
            create: false,
        } => vec![format!("DROP EXTENSION {}", sql.quote(name))],
        // Replaced in place (see `diff::views`).
        Op::View {
            from: Some(_),
            to: Some(v),
            ..
        } => vec![format!(
            "CREATE OR REPLACE VIEW {} AS {}",
            sql.quote(&v.name),
            v.definition
        )],
        Op::View {
            to: Some(v),
            from: None,
            ..
        } => std::iter::once(format!(
            "CREATE {}VIEW {} AS {}",
            if v.materialized { "MATERIALIZED " } else { "" },
            sql.quote(&v.name),
            v.definition
        ))
        .chain(v.indexes.iter().map(|i| create_index(i, &v.name, dialect)))
        .collect(),
        Op::View { from: Some(v), .. } => vec![format!(
            "DROP {}VIEW {}",
            if v.materialized { "MATERIALIZED " } else { "" },
            sql.quote(&v.name)
        )],
        Op::View { .. } => Vec::new(),
        Op::Trigger {
            to: Some(t),
            from: None,
            ..
        } => vec![t.definition.clone()],
        Op::Trigger { from: Some(t), .. } => vec![sql.drop_trigger(&t.name, &t.table)],
        Op::Trigger { .. } => Vec::new(),
        // Created, or replaced in place (see `diff`).
        Op::Function { to: Some(f), .. } => vec![f.definition.clone()],
        Op::Function { from: Some(f), .. } => {
            vec![sql.drop_routine(&f.name, &f.arguments, f.kind())]
        }
        Op::Function { .. } => Vec::new(),
    }
}

/// A constraint name as the database before the change has it (the
/// normalised model drops server-chosen names; the raw one keeps them).
fn real_name(
    before: &Schema,
    table: &str,
    find: impl Fn(&Table) -> Option<String>,
) -> Option<String> {
    before.tables.get(table).and_then(find)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared;
    use crate::diff::diff;

    fn schema(sql: &str, d: Dialect) -> Schema {
        declared::parse(&[("s.sql".into(), sql.into())], d).unwrap()
    }

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(quote("users", Dialect::Postgres), "users");
        assert_eq!(quote("user", Dialect::Postgres), "\"user\"");
        assert_eq!(quote("Order", Dialect::MySql), "`Order`");
    }

    #[test]
    fn adding_a_column_renders_per_dialect() {
        for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            let a = schema("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);", d);
            let b = schema(
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email VARCHAR(255));",
                d,
            );
            let sql = render(&diff(&a, &b, d), d, &a, &b);
            assert_eq!(
                sql,
                ["ALTER TABLE users ADD COLUMN email VARCHAR(255)"],
                "{d:?}"
            );
        }
    }

    #[test]
    fn sqlite_rebuilds_a_table_to_change_a_column() {
        let d = Dialect::Sqlite;
        let a = schema("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40));\nCREATE INDEX ix_users_name ON users (name);", d);
        let b = schema("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);\nCREATE INDEX ix_users_name ON users (name);", d);
        let sql = render(&diff(&a, &b, d), d, &a, &b);
        assert!(
            sql[0].contains("CREATE TABLE _revisor_new_users"),
            "{sql:#?}"
        );
        assert!(sql[1]
            .starts_with("INSERT INTO _revisor_new_users (id, name) SELECT id, name FROM users"));
        assert_eq!(sql[2], "DROP TABLE users");
        assert_eq!(sql[3], "PRAGMA legacy_alter_table = ON");
        assert_eq!(sql[4], "ALTER TABLE _revisor_new_users RENAME TO users");
        assert_eq!(sql[5], "PRAGMA legacy_alter_table = OFF");
        assert_eq!(sql[6], "CREATE INDEX ix_users_name ON users (name)");
        assert_eq!(sql.len(), 7);
    }

    #[test]
    fn destructive_changes_are_marked() {
        let d = Dialect::Postgres;
        let a = schema("CREATE TABLE t (id INT PRIMARY KEY, note TEXT);", d);
        let b = schema("CREATE TABLE t (id INT PRIMARY KEY);", d);
        let sql = render(&diff(&a, &b, d), d, &a, &b);
        assert!(
            sql[0].starts_with("-- DESTRUCTIVE: drops column t.note"),
            "{sql:?}"
        );
    }

    #[test]
    fn a_new_table_renders_its_keys_and_indexes() {
        let d = Dialect::Postgres;
        let b = schema(
            "CREATE TABLE c (id BIGINT PRIMARY KEY);\nCREATE TABLE o (id SERIAL PRIMARY KEY, c_id BIGINT NOT NULL REFERENCES c (id) ON DELETE CASCADE, s VARCHAR(20) NOT NULL DEFAULT 'new');\nCREATE INDEX ix_o_s ON o (s) WHERE s <> 'done';",
            d,
        );
        let sql = render(&diff(&Schema::default(), &b, d), d, &Schema::default(), &b);
        assert_eq!(
            sql[0],
            "CREATE TABLE c (\n    id BIGINT NOT NULL,\n    PRIMARY KEY (id)\n)"
        );
        assert!(sql[1].contains("id SERIAL NOT NULL"), "{}", sql[1]);
        assert!(
            sql[1].contains(
                "CONSTRAINT o_c_id_fkey FOREIGN KEY (c_id) REFERENCES c (id) ON DELETE CASCADE"
            ),
            "{}",
            sql[1]
        );
        assert_eq!(sql[2], "CREATE INDEX ix_o_s ON o (s) WHERE s <> 'done'");
    }
}
