//! The schema diff: two schemas in, an ordered list of operations out.
//! Pure.
//!
//! Order (so that every statement is valid where it runs): foreign keys
//! that go away are dropped first, then indexes, unique and check
//! constraints that go away; then tables are dropped (referencing tables
//! before the tables they reference) and created (referenced tables
//! first, their foreign keys inline when the referenced table exists by
//! then); then columns are added, altered and dropped; then new unique
//! constraints, indexes and checks; then new foreign keys; comments last.
//!
//! Every operation carries the full old and new state, so it can be
//! [reversed](Op::reverse): the down section of a revision is the reverse
//! of each operation, in reverse order.
//!
//! Renames are not guessed (as Alembic): a dropped and an added column of
//! the same type in one table stay a drop and an add, and
//! [`rename_hints`] names the pair so the file can say so.

use crate::dialect::Dialect;
use crate::schema::{Check, ForeignKey, Schema, Table};
use std::collections::{BTreeSet, HashSet};

mod describe;
mod op;
mod partitions;
mod types;
mod views;

pub use op::Op;

pub use types::labels_only_added;
use types::{domain_changes, enum_changes, sequence_changes};

/// The operations that turn `from` into `to`, both read for `dialect`
/// (normalised here), in the order of the module docs.
pub fn diff(from: &Schema, to: &Schema, dialect: Dialect) -> Vec<Op> {
    let from = from.normalized(dialect);
    let to = to
        .normalized(dialect)
        .spelled_like(&from, dialect.sql().name_case());
    let mut drop_fks = Vec::new();
    let mut drop_constraints = Vec::new();
    let mut columns = Vec::new();
    let mut add_constraints = Vec::new();
    let mut add_fks = Vec::new();
    let mut comments = Vec::new();
    // Tables dropped and created for a changed partition key.
    let recreated = partitions::recreated(&from, &to);
    let kept = |name: &String| !recreated.contains(name);

    for (name, old) in &from.tables {
        let Some(new) = to.tables.get(name).filter(|_| kept(name)) else {
            continue;
        };
        // A table that leaves or joins a partitioned table: what it has
        // from it as its own.
        let (old, new) = (
            &*partitions::with_inherited(old, new, &from),
            &*partitions::with_inherited(new, old, &to),
        );
        let table = || name.clone();
        // Constraints compare by content: a name the server chose, or one
        // that Revisor gave an unnamed constraint, is no difference.
        // A valid live constraint satisfies a declared NOT VALID one (the
        // rows were checked after all); a NOT VALID live one does not
        // satisfy a declared valid one (it is added again, checked).
        let same_fk = |live: &ForeignKey, declared: &ForeignKey| {
            (
                &live.columns,
                &live.ref_table,
                &live.ref_columns,
                live.on_delete,
                live.on_update,
                live.deferrable,
                live.initially_deferred,
            ) == (
                &declared.columns,
                &declared.ref_table,
                &declared.ref_columns,
                declared.on_delete,
                declared.on_update,
                declared.deferrable,
                declared.initially_deferred,
            ) && (declared.not_valid || !live.not_valid)
        };
        let same_check = |live: &Check, declared: &Check| {
            live.key() == declared.key() && (declared.not_valid || !live.not_valid)
        };
        for fk in &old.foreign_keys {
            if !new.foreign_keys.iter().any(|x| same_fk(fk, x)) {
                drop_fks.push(Op::DropForeignKey {
                    table: table(),
                    fk: fk.clone(),
                });
            }
        }
        for fk in &new.foreign_keys {
            if !old.foreign_keys.iter().any(|x| same_fk(x, fk)) {
                add_fks.push(Op::AddForeignKey {
                    table: table(),
                    fk: fk.clone(),
                });
            }
        }
        for i in &old.indexes {
            if !new.indexes.iter().any(|x| x.key() == i.key()) {
                drop_constraints.push(Op::DropIndex {
                    table: table(),
                    index: i.clone(),
                });
            }
        }
        for u in &old.uniques {
            if !new.uniques.iter().any(|x| x.same_key(u)) {
                drop_constraints.push(Op::DropUnique {
                    table: table(),
                    unique: u.clone(),
                });
            }
        }
        for c in &old.checks {
            if !new.checks.iter().any(|x| same_check(c, x)) {
                drop_constraints.push(Op::DropCheck {
                    table: table(),
                    check: c.clone(),
                });
            }
        }
        // Exclusion constraints compare by definition.
        for x in &old.exclusions {
            if !new.exclusions.iter().any(|n| n.definition == x.definition) {
                drop_constraints.push(Op::DropExclusion {
                    table: table(),
                    exclusion: x.clone(),
                });
            }
        }
        let (detach, attach) = partitions::storage_changes(name, old, new);
        drop_fks.extend(detach);
        comments.extend(attach);
        // Columns: add, alter, drop (a new key column is added before the
        // key moves); a partition's follow its parent's.
        let partition_columns = partitions::partition_columns(old, new, &from, &to, dialect);
        let own_columns = partition_columns.is_none();
        columns.extend(partition_columns.into_iter().flatten());
        for c in new.columns.iter().filter(|_| own_columns) {
            match old.column(&c.name) {
                None => columns.push(Op::AddColumn {
                    table: table(),
                    column: c.clone(),
                }),
                Some(o) if o != c => columns.push(Op::AlterColumn {
                    table: table(),
                    from: o.clone(),
                    to: c.clone(),
                }),
                Some(_) => {}
            }
        }
        if old.primary_key != new.primary_key
            || old.primary_key_name != new.primary_key_name
            || (
                old.primary_key_deferrable,
                old.primary_key_initially_deferred,
            ) != (
                new.primary_key_deferrable,
                new.primary_key_initially_deferred,
            )
        {
            columns.push(Op::SetPrimaryKey {
                table: table(),
                from: old.primary_key.clone(),
                to: new.primary_key.clone(),
            });
        }
        for c in old.columns.iter().filter(|_| own_columns) {
            if new.column(&c.name).is_none() {
                columns.push(Op::DropColumn {
                    table: table(),
                    column: c.clone(),
                });
            }
        }
        for u in &new.uniques {
            if !old.uniques.iter().any(|x| x.same_key(u)) {
                add_constraints.push(Op::AddUnique {
                    table: table(),
                    unique: u.clone(),
                });
            }
        }
        for i in &new.indexes {
            if !old.indexes.iter().any(|x| x.key() == i.key()) {
                add_constraints.push(Op::CreateIndex {
                    table: table(),
                    index: i.clone(),
                });
            }
        }
        for c in &new.checks {
            if !old.checks.iter().any(|x| same_check(x, c)) {
                add_constraints.push(Op::AddCheck {
                    table: table(),
                    check: c.clone(),
                });
            }
        }
        for x in &new.exclusions {
            if !old.exclusions.iter().any(|o| o.definition == x.definition) {
                add_constraints.push(Op::AddExclusion {
                    table: table(),
                    exclusion: x.clone(),
                });
            }
        }
        if !new.options.satisfied_by(&old.options) {
            comments.push(Op::SetTableOptions {
                table: table(),
                from: old.options.clone(),
                to: new.options.clone(),
            });
        }
        if old.comment != new.comment {
            comments.push(Op::SetTableComment {
                table: table(),
                from: old.comment.clone(),
                to: new.comment.clone(),
            });
        }
    }

    // Tables that go away, referencing ones first.
    let dropped: Vec<&Table> = from
        .tables
        .values()
        .filter(|t| !to.tables.contains_key(&t.name) || !kept(&t.name))
        .collect();
    let mut drops: Vec<Op> = dependency_order(&dropped)
        .into_iter()
        .rev()
        .map(|t| Op::DropTable(t.clone()))
        .collect();
    for t in &dropped {
        drop_constraints.extend(partitions::dropped_partition(t, &from, dialect));
    }
    // Tables that come, referenced ones first; a foreign key to a table
    // that does not exist yet (a cycle) is added after all of them.
    let created: Vec<&Table> = to
        .tables
        .values()
        .filter(|t| !from.tables.contains_key(&t.name) || !kept(&t.name))
        .collect();
    let mut exists: HashSet<String> = from
        .tables
        .keys()
        .filter(|k| to.tables.contains_key(*k) && kept(k))
        .cloned()
        .collect();
    let mut creates = Vec::new();
    for t in dependency_order(&created) {
        let mut t = t.clone();
        exists.insert(t.name.clone());
        // NOT VALID exists only for ALTER TABLE ... ADD CONSTRAINT.
        let (inline, later): (Vec<ForeignKey>, Vec<ForeignKey>) = t
            .foreign_keys
            .drain(..)
            .partition(|fk| exists.contains(&fk.ref_table) && !fk.not_valid);
        let (checks, unchecked): (Vec<Check>, Vec<Check>) =
            t.checks.drain(..).partition(|c| !c.not_valid);
        t.checks = checks;
        for check in unchecked {
            add_constraints.push(Op::AddCheck {
                table: t.name.clone(),
                check,
            });
        }
        t.foreign_keys = inline;
        for fk in later {
            add_fks.push(Op::AddForeignKey {
                table: t.name.clone(),
                fk,
            });
        }
        columns.extend(partitions::created_partition(&t, &to, dialect));
        creates.push(Op::CreateTable(t));
    }

    // Extensions, then enum types, come first (columns and indexes may use
    // them) and go last.
    let (mut enums, mut drop_enums) = enum_changes(&from, &to);
    let (mut domains, mut drop_domains) = domain_changes(&from, &to);
    let (mut sequences, mut drop_sequences) = sequence_changes(&from, &to);
    enums.append(&mut domains);
    enums.append(&mut sequences);
    drop_domains.append(&mut drop_enums);
    drop_domains.append(&mut drop_sequences);
    let mut drop_enums = drop_domains;
    let extension = |name: &String, create: bool| Op::Extension {
        name: name.clone(),
        create,
    };
    let mut ops: Vec<Op> = to
        .extensions
        .difference(&from.extensions)
        .map(|n| extension(n, true))
        .collect();
    ops.append(&mut drop_fks);
    ops.append(&mut enums);
    ops.append(&mut drop_constraints);
    ops.append(&mut drops);
    ops.append(&mut creates);
    ops.append(&mut columns);
    ops.append(&mut add_constraints);
    ops.append(&mut add_fks);
    ops.append(&mut comments);
    ops.append(&mut drop_enums);
    ops.extend(
        from.extensions
            .difference(&to.extensions)
            .map(|n| extension(n, false)),
    );
    // Functions that change are dropped before the others and created
    // after; views go before everything they read changes and come
    // after; triggers go before the tables, views and functions they name
    // change, and come back last.
    let mut touched: BTreeSet<String> = ops.iter().map(|o| o.table().to_owned()).collect();
    // A recreated enum or domain converts its columns' tables too.
    for o in &ops {
        if let Op::Enum { columns, .. } | Op::Domain { columns, .. } = o {
            touched.extend(columns.iter().map(|(table, _, _)| table.clone()));
        }
    }
    let (mut function_drops, mut function_creates) = views::function_changes(&from, &to);
    // Views and triggers name a function by its name (any overload).
    touched.extend(function_drops.iter().map(|o| match o {
        Op::Function { from: Some(f), .. } => f.name.clone(),
        other => other.table().to_owned(),
    }));
    let (mut view_drops, mut view_creates) = views::view_changes(&from, &to, &touched, dialect);
    touched.extend(view_drops.iter().map(|o| o.table().to_owned()));
    let (mut out, trigger_creates) = views::trigger_changes(&from, &to, &touched);
    out.append(&mut view_drops);
    out.append(&mut function_drops);
    out.append(&mut ops);
    out.append(&mut function_creates);
    out.append(&mut view_creates);
    out.extend(trigger_creates);
    out
}

/// Tables ordered so that a table comes after the tables it references
/// and the partitioned table it is a partition of (within `tables`); ties
/// and cycles by name.
fn dependency_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    topological(
        tables,
        |t| t.name.as_str(),
        |t| {
            t.foreign_keys
                .iter()
                .map(|fk| fk.ref_table.as_str())
                .chain(t.storage.partition_of.iter().map(|p| p.parent.as_str()))
        },
    )
}

/// `items` ordered so that each comes after those of `items` it `needs`
/// (by `name`); ties by the given order, a cycle broken at the first
/// remaining item. Tables by their foreign keys, views by what they read.
fn topological<'a, T, I>(
    items: &[&'a T],
    name: impl Fn(&T) -> &str,
    needs: impl Fn(&'a T) -> I,
) -> Vec<&'a T>
where
    I: Iterator<Item = &'a str>,
{
    let names: BTreeSet<&str> = items.iter().map(|t| name(t)).collect();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::with_capacity(items.len());
    while out.len() < items.len() {
        let ready: Vec<&'a T> = items
            .iter()
            .filter(|t| !done.contains(name(t)))
            .filter(|t| needs(t).all(|n| n == name(t) || !names.contains(n) || done.contains(n)))
            .copied()
            .collect();
        let next: Vec<&'a T> = if ready.is_empty() {
            items
                .iter()
                .filter(|t| !done.contains(name(t)))
                .take(1)
                .copied()
                .collect()
        } else {
            ready
        };
        for t in next {
            done.insert(name(t));
            out.push(t);
        }
    }
    out
}

/// For each table, pairs of (dropped, added) columns of the same type:
/// possibly renames, which autogenerate does not guess.
pub fn rename_hints(ops: &[Op]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for op in ops {
        if let Op::DropColumn { table, column } = op {
            for other in ops {
                if let Op::AddColumn {
                    table: t2,
                    column: added,
                } = other
                {
                    if t2 == table && added.ty == column.ty {
                        out.push((table.clone(), column.name.clone(), added.name.clone()));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declared;

    fn schema(sql: &str) -> Schema {
        declared::parse(&[("s.sql".into(), sql.into())], Dialect::Postgres).unwrap()
    }

    fn kinds(ops: &[Op]) -> Vec<String> {
        ops.iter().map(Op::describe).collect()
    }

    #[test]
    fn nothing_differs_between_equal_schemas() {
        let s = schema("CREATE TABLE users (id INT PRIMARY KEY, name TEXT NOT NULL);");
        assert!(diff(&s, &s, Dialect::Postgres).is_empty());
    }

    #[test]
    fn referenced_tables_are_created_first_and_dropped_last() {
        let empty = Schema::default();
        let s = schema(
            "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT REFERENCES customers (id));\n\
             CREATE TABLE customers (id INT PRIMARY KEY);",
        );
        // Declared in the wrong order on purpose: parse() needs nothing in order.
        let up = diff(&empty, &s, Dialect::Postgres);
        assert_eq!(kinds(&up), ["add table customers", "add table orders"]);
        let down = diff(&s, &empty, Dialect::Postgres);
        assert_eq!(
            kinds(&down),
            ["remove table orders", "remove table customers"]
        );
    }

    #[test]
    fn a_foreign_key_cycle_is_added_after_both_tables() {
        let s = schema(
            "CREATE TABLE a (id INT PRIMARY KEY, b_id INT REFERENCES b (id));\n\
             CREATE TABLE b (id INT PRIMARY KEY, a_id INT REFERENCES a (id));",
        );
        let up = diff(&Schema::default(), &s, Dialect::Postgres);
        assert_eq!(
            kinds(&up),
            [
                "add table a",
                "add table b",
                "add foreign key a (b_id) -> b"
            ]
        );
    }

    #[test]
    fn a_rename_is_a_drop_and_an_add_with_a_hint() {
        let a = schema("CREATE TABLE users (id INT PRIMARY KEY, name TEXT);");
        let b = schema("CREATE TABLE users (id INT PRIMARY KEY, full_name TEXT);");
        let ops = diff(&a, &b, Dialect::Postgres);
        assert_eq!(
            kinds(&ops),
            ["add column users.full_name", "remove column users.name"]
        );
        assert_eq!(
            rename_hints(&ops),
            [("users".into(), "name".into(), "full_name".into())]
        );
        assert!(ops[1].destructive().is_some());
    }

    #[test]
    fn reversing_every_operation_in_reverse_order_is_the_diff_back() {
        let a = schema(
            "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(40));\nCREATE INDEX ix_name ON users (name);",
        );
        let b = schema(
            "CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, email TEXT UNIQUE);\n\
             CREATE TABLE posts (id INT PRIMARY KEY, user_id INT REFERENCES users (id));",
        );
        let up = diff(&a, &b, Dialect::Postgres);
        let down: Vec<Op> = up.iter().rev().map(Op::reverse).collect();
        let back = diff(&b, &a, Dialect::Postgres);
        let set = |v: &[Op]| v.iter().map(Op::describe).collect::<BTreeSet<_>>();
        assert_eq!(set(&down), set(&back));
        assert!(up
            .iter()
            .any(|o| o.destructive().is_some_and(|d| d.contains("narrows"))));
    }
}
