//! Partitioned tables and partitions in the diff (PostgreSQL). Pure.
//!
//! - A changed partition key cannot be altered: the table is dropped and
//!   created, and so is every partition under it ([`recreated`]).
//! - A table that moves to another partitioned table, leaves one or joins
//!   one is detached early and attached late ([`storage_changes`]), so
//!   that dropping its old parent does not drop it and its new parent
//!   exists when it is attached.
//! - A partition's columns follow its parent's: `ALTER TABLE parent`
//!   passes column changes on, so a partition's own column operations are
//!   only where it differs from what its parent gives it
//!   ([`partition_columns`], and [`created_partition`] after `PARTITION
//!   OF`).

use super::Op;
use crate::dialect::{partition_column, Dialect};
use crate::schema::{Column, Schema, Storage, Table};
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Tables on both sides that are dropped and created: those whose
/// partition key changed (or that became, or stopped being, partitioned)
/// and every partition under one of them, on either side.
pub(super) fn recreated(from: &Schema, to: &Schema) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = from
        .tables
        .values()
        .filter(|t| {
            to.tables
                .get(&t.name)
                .is_some_and(|n| n.storage.partition_by != t.storage.partition_by)
        })
        .map(|t| t.name.clone())
        .collect();
    loop {
        let more: Vec<String> = [from, to]
            .iter()
            .flat_map(|s| s.tables.values())
            .filter(|t| from.tables.contains_key(&t.name) && to.tables.contains_key(&t.name))
            .filter(|t| !out.contains(&t.name))
            .filter(|t| {
                t.storage
                    .partition_of
                    .as_ref()
                    .is_some_and(|p| out.contains(&p.parent))
            })
            .map(|t| t.name.clone())
            .collect();
        if more.is_empty() {
            return out;
        }
        out.extend(more);
    }
}

/// The storage changes of table `name` kept on both sides: a detach from
/// its old parent (run early) and an attach to its new one with
/// `SET [UN]LOGGED` (run late).
pub(super) fn storage_changes(name: &str, old: &Table, new: &Table) -> (Option<Op>, Option<Op>) {
    let (a, b) = (&old.storage, &new.storage);
    if a == b {
        return (None, None);
    }
    let moved = a.partition_of != b.partition_of;
    let detached = Storage {
        partition_of: None,
        ..a.clone()
    };
    let early = (moved && a.partition_of.is_some()).then(|| Op::SetStorage {
        table: name.to_owned(),
        from: a.clone(),
        to: detached.clone(),
    });
    let mid = if early.is_some() { &detached } else { a };
    let late = (mid != b).then(|| Op::SetStorage {
        table: name.to_owned(),
        from: mid.clone(),
        to: b.clone(),
    });
    (early, late)
}

/// Table `t` of `schema` with what it has from the partitioned table it
/// leaves or joins (`other` is the same table on the other side) as its
/// own ([`Table::with_parent_objects`]). A detached
/// partition keeps them as its own, so those the declared table lacks
/// are dropped; a table about to be attached gets them first, and
/// `ATTACH PARTITION` takes them as the parent's (it needs the checks).
/// `t` itself when it stays where it is.
pub(super) fn with_inherited<'a>(t: &'a Table, other: &Table, schema: &Schema) -> Cow<'a, Table> {
    let Some(p) = t.storage.partition_of.as_ref() else {
        return Cow::Borrowed(t);
    };
    let Some(parent) = schema.tables.get(&p.parent) else {
        return Cow::Borrowed(t);
    };
    if other.storage.partition_of.as_ref().map(|n| &n.parent) == Some(&p.parent) {
        return Cow::Borrowed(t);
    }
    Cow::Owned(t.with_parent_objects(parent))
}

/// The column operations of a partition kept on both sides under the same
/// parent (itself on both sides): each declared column against what the
/// partition's column is once its parent's changes have passed on (a
/// changed type, default or `NOT NULL` of the parent's column; a column
/// added to the parent). Never an added or dropped column: those are the
/// parent's. `None` when `new` is not such a partition (the ordinary
/// column diff applies).
pub(super) fn partition_columns(
    old: &Table,
    new: &Table,
    from: &Schema,
    to: &Schema,
    dialect: Dialect,
) -> Option<Vec<Op>> {
    let parent = &new.storage.partition_of.as_ref()?.parent;
    if old.storage.partition_of.as_ref().map(|p| &p.parent) != Some(parent) {
        return None;
    }
    let (old_parent, new_parent) = (from.tables.get(parent)?, to.tables.get(parent)?);
    let mut ops = Vec::new();
    for c in &new.columns {
        let Some(np) = new_parent.column(&c.name) else {
            continue;
        };
        let passed = partition_column(parent, np, dialect);
        let base = match (old.column(&c.name), old_parent.column(&c.name)) {
            (Some(o), Some(op)) => {
                let before = partition_column(parent, op, dialect);
                let mut base = o.clone();
                if before.ty != passed.ty {
                    base.ty = passed.ty.clone();
                }
                if before.default != passed.default {
                    base.default = passed.default.clone();
                }
                if before.nullable != passed.nullable {
                    base.nullable = passed.nullable;
                }
                base
            }
            _ => passed,
        };
        if base != *c {
            ops.push(Op::AlterColumn {
                table: new.name.clone(),
                from: base,
                to: c.clone(),
            });
        }
    }
    Some(ops)
}

/// After `CREATE TABLE t PARTITION OF parent` (the parent in `to`): the
/// columns of `t` that differ from what the parent gives them (its own
/// default, `NOT NULL`, comment), altered.
pub(super) fn created_partition(t: &Table, to: &Schema, dialect: Dialect) -> Vec<Op> {
    given_columns(t, to, dialect)
        .map(|(given, c)| Op::AlterColumn {
            table: t.name.clone(),
            from: given,
            to: c.clone(),
        })
        .collect()
}

/// Before `DROP TABLE t` of a partition (the parent in `from`): its
/// columns set back to what the parent gives them, so that the down
/// section, which creates it again with `PARTITION OF`, gives them back
/// their own (the reverse of these, after the create).
pub(super) fn dropped_partition(t: &Table, from: &Schema, dialect: Dialect) -> Vec<Op> {
    given_columns(t, from, dialect)
        .map(|(given, c)| Op::AlterColumn {
            table: t.name.clone(),
            from: c.clone(),
            to: given,
        })
        .collect()
}

/// The columns of partition `t` that differ from what its parent in
/// `schema` gives them: (given, its own).
fn given_columns<'a>(
    t: &'a Table,
    schema: &'a Schema,
    dialect: Dialect,
) -> impl Iterator<Item = (Column, &'a Column)> + 'a {
    let parent = t
        .storage
        .partition_of
        .as_ref()
        .and_then(|p| schema.tables.get(&p.parent));
    t.columns.iter().filter_map(move |c| {
        let parent = parent?;
        let given = partition_column(&parent.name, parent.column(&c.name)?, dialect);
        (given != *c).then_some((given, c))
    })
}
