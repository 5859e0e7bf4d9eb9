//! A schema change applied to a schema: the bookkeeping of the model an
//! operation revision renders against ([`super::render`]). Pure.

use crate::diff::Op;
use crate::schema::{Schema, Table};

/// Applies a schema change to a schema (the model's bookkeeping).
pub fn apply(s: &mut Schema, op: &Op) {
    let t = op.table().to_owned();
    match op {
        Op::CreateTable(x) => {
            s.tables.insert(t, x.clone());
            return;
        }
        Op::DropTable(_) => {
            s.tables.remove(&t);
            return;
        }
        Op::Domain { name, to, .. } => {
            match to {
                Some(d) => s.domains.insert(name.clone(), d.clone()),
                None => s.domains.remove(name),
            };
            return;
        }
        Op::Sequence { name, to, .. } => {
            match to {
                Some(q) => s.sequences.insert(name.clone(), q.clone()),
                None => s.sequences.remove(name),
            };
            return;
        }
        Op::Extension { name, create } => {
            if *create {
                s.extensions.insert(name.clone());
            } else {
                s.extensions.remove(name);
            }
            return;
        }
        Op::Enum { name, to, .. } => {
            match to {
                Some(labels) => s.enums.insert(name.clone(), labels.clone()),
                None => s.enums.remove(name),
            };
            return;
        }
        Op::View { name, to, .. } => {
            match to {
                Some(v) => s.views.insert(name.clone(), v.clone()),
                None => s.views.remove(name),
            };
            return;
        }
        Op::Trigger { name, to, .. } => {
            match to {
                Some(t) => s.triggers.insert(t.key(), t.clone()),
                None => s.triggers.remove(name),
            };
            return;
        }
        Op::Function { name, to, .. } => {
            match to {
                Some(f) => s.functions.insert(name.clone(), f.clone()),
                None => s.functions.remove(name),
            };
            return;
        }
        _ => {}
    }
    let table = s.tables.entry(t.clone()).or_insert_with(|| Table {
        name: t,
        ..Table::default()
    });
    match op {
        Op::AddColumn { column, .. } => table.columns.push(column.clone()),
        Op::DropColumn { column, .. } => {
            let n = &column.name;
            table.columns.retain(|c| &c.name != n);
            table.primary_key.retain(|c| c != n);
            table.uniques.retain(|u| !u.columns.contains(n));
            table.indexes.retain(|i| !i.columns.contains(n));
            table.foreign_keys.retain(|f| !f.columns.contains(n));
        }
        Op::AlterColumn { from, to, .. } => {
            for c in table.columns.iter_mut().filter(|c| c.name == from.name) {
                *c = to.clone();
            }
        }
        Op::SetPrimaryKey { to, .. } => table.primary_key = to.clone(),
        Op::AddUnique { unique, .. } => table.uniques.push(unique.clone()),
        Op::DropUnique { unique, .. } => table.uniques.retain(|u| {
            !(u.columns == unique.columns && (unique.name.is_none() || u.name == unique.name))
        }),
        Op::CreateIndex { index, .. } => table.indexes.push(index.clone()),
        Op::DropIndex { index, .. } => table.indexes.retain(|i| i.name != index.name),
        Op::AddForeignKey { fk, .. } => table.foreign_keys.push(fk.clone()),
        Op::DropForeignKey { fk, .. } => table.foreign_keys.retain(|f| {
            !(f.columns == fk.columns
                && f.ref_table == fk.ref_table
                && (fk.name.is_none() || f.name == fk.name))
        }),
        Op::AddCheck { check, .. } => table.checks.push(check.clone()),
        Op::AddExclusion { exclusion, .. } => table.exclusions.push(exclusion.clone()),
        Op::DropExclusion { exclusion, .. } => {
            table.exclusions.retain(|x| x.name != exclusion.name)
        }
        Op::DropCheck { check, .. } => table.checks.retain(|c| {
            !(c.key() == check.key() && (check.name.is_none() || c.name == check.name))
        }),
        Op::SetTableComment { to, .. } => table.comment = to.clone(),
        Op::SetTableOptions { to, .. } => table.options = to.clone(),
        Op::SetStorage { to, .. } => table.storage = to.clone(),
        Op::CreateTable(_)
        | Op::DropTable(_)
        | Op::Enum { .. }
        | Op::Domain { .. }
        | Op::Sequence { .. }
        | Op::Extension { .. }
        | Op::View { .. }
        | Op::Trigger { .. }
        | Op::Function { .. } => {}
    }
}
