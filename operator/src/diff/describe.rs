//! What an operation means to a person: whether it may lose data, and a
//! one-line description. Pure.

use super::Op;
use crate::schema::{Column, IdentityKind};

impl Op {
    /// Why the operation may lose data, if it may: a dropped table or
    /// column, a narrowed type, a column made NOT NULL.
    pub fn destructive(&self) -> Option<String> {
        match self {
            Op::DropTable(x) => Some(format!("drops table {} and its rows", x.name)),
            Op::DropColumn { table, column } => Some(format!(
                "drops column {table}.{} and its values",
                column.name
            )),
            Op::AlterColumn { table, from, to } if from.ty.narrows_to(&to.ty) => Some(format!(
                "narrows {table}.{} from {} to {}; values that do not fit fail or are cut",
                to.name, from.ty, to.ty
            )),
            Op::Enum {
                name,
                from: Some(from),
                to: Some(to),
                ..
            } if from.iter().any(|l| !to.contains(l)) => Some(format!(
                "removes labels of enum type {name}; rows that hold them fail the conversion"
            )),
            // utf8mb4 holds every character; any other target may not.
            Op::SetTableOptions { table, from, to }
                if to.charset.is_some()
                    && from.charset.is_some()
                    && to.charset != from.charset
                    && to.charset.as_deref() != Some("utf8mb4") =>
            {
                Some(format!(
                    "converts the text columns of {table} to {}; characters it lacks are lost",
                    to.charset.as_deref().unwrap_or_default()
                ))
            }
            _ => None,
        }
    }

    /// A one-line description, for `revisor check` and comments.
    pub fn describe(&self) -> String {
        match self {
            Op::CreateTable(x) => format!("add table {}", x.name),
            Op::DropTable(x) => format!("remove table {}", x.name),
            Op::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Op::DropColumn { table, column } => format!("remove column {table}.{}", column.name),
            Op::AlterColumn { table, from, to } => {
                let mut what = Vec::new();
                if from.ty != to.ty {
                    what.push(format!("type {} -> {}", from.ty, to.ty));
                }
                if from.nullable != to.nullable {
                    what.push(if to.nullable {
                        "nullable".to_owned()
                    } else {
                        "NOT NULL".to_owned()
                    });
                }
                if from.default != to.default {
                    let d = |d: &Option<String>| d.clone().unwrap_or_else(|| "none".into());
                    what.push(format!(
                        "default {} -> {}",
                        d(&from.default),
                        d(&to.default)
                    ));
                }
                if from.identity != to.identity || from.identity_kind != to.identity_kind {
                    let form = |c: &Column| match (c.identity, c.identity_kind) {
                        (false, _) => "none",
                        (true, None) => "identity",
                        (true, Some(IdentityKind::Serial)) => "serial",
                        (true, Some(IdentityKind::Always)) => "identity always",
                    };
                    what.push(format!("identity {} -> {}", form(from), form(to)));
                }
                if from.collation != to.collation {
                    what.push("collation".into());
                }
                if from.comment != to.comment {
                    what.push("comment".into());
                }
                if from.on_update != to.on_update {
                    what.push("ON UPDATE".into());
                }
                format!("modify column {table}.{}: {}", to.name, what.join(", "))
            }
            Op::SetPrimaryKey { table, to, .. } if to.is_empty() => {
                format!("remove the primary key of {table}")
            }
            Op::SetPrimaryKey { table, to, .. } => {
                format!("primary key of {table} -> ({})", to.join(", "))
            }
            Op::AddUnique { table, unique } => format!(
                "add unique constraint on {table} ({})",
                unique.columns.join(", ")
            ),
            Op::DropUnique { table, unique } => format!(
                "remove unique constraint on {table} ({})",
                unique.columns.join(", ")
            ),
            Op::CreateIndex { table, index } => format!("add index {} on {table}", index.name),
            Op::DropIndex { table, index } => format!("remove index {} on {table}", index.name),
            Op::AddForeignKey { table, fk } => format!(
                "add foreign key {table} ({}) -> {}",
                fk.columns.join(", "),
                fk.ref_table
            ),
            Op::DropForeignKey { table, fk } => format!(
                "remove foreign key {table} ({}) -> {}",
                fk.columns.join(", "),
                fk.ref_table
            ),
            Op::AddCheck { table, check } => format!("add check on {table}: {}", check.expression),
            Op::AddExclusion { table, exclusion } => {
                format!("add exclusion constraint {} on {table}", exclusion.name)
            }
            Op::DropExclusion { table, exclusion } => {
                format!("remove exclusion constraint {} on {table}", exclusion.name)
            }
            Op::DropCheck { table, check } => {
                format!("remove check on {table}: {}", check.expression)
            }
            Op::SetTableComment { table, .. } => format!("comment on table {table}"),
            Op::SetStorage { table, from, to } => {
                let mut parts = Vec::new();
                if from.partition_of != to.partition_of {
                    if let Some(p) = &from.partition_of {
                        parts.push(format!("detach {table} from {}", p.parent));
                    }
                    if let Some(p) = &to.partition_of {
                        parts.push(format!("attach {table} to {} {}", p.parent, p.bound));
                    }
                }
                if from.unlogged != to.unlogged {
                    let how = if to.unlogged { "unlogged" } else { "logged" };
                    parts.push(format!("make {table} {how}"));
                }
                parts.join("; ")
            }
            Op::SetTableOptions { table, to, .. } => {
                let stated: Vec<String> = [
                    ("engine", &to.engine),
                    ("charset", &to.charset),
                    ("collation", &to.collation),
                ]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                .collect();
                format!("table options of {table} -> {}", stated.join(", "))
            }
            Op::Domain {
                name, from: None, ..
            } => format!("add domain {name}"),
            Op::Domain { name, to: None, .. } => format!("remove domain {name}"),
            Op::Sequence {
                name, from: None, ..
            } => format!("add sequence {name}"),
            Op::Sequence { name, to: None, .. } => format!("remove sequence {name}"),
            Op::Sequence { name, .. } => format!("modify sequence {name}"),
            Op::Domain { name, .. } => format!("modify domain {name}"),
            Op::View {
                name, from: None, ..
            } => format!("add view {name}"),
            Op::View { name, to: None, .. } => format!("remove view {name}"),
            Op::View { name, .. } => format!("replace view {name}"),
            Op::Function {
                name, from: None, ..
            } => format!("add function {name}"),
            Op::Function { name, to: None, .. } => format!("remove function {name}"),
            Op::Function { name, .. } => format!("replace function {name}"),
            Op::Trigger {
                name, from: None, ..
            } => format!("add trigger {name}"),
            Op::Trigger { name, to: None, .. } => format!("remove trigger {name}"),
            Op::Trigger { name, .. } => format!("modify trigger {name}"),
            Op::Extension { name, create: true } => format!("add extension {name}"),
            Op::Extension {
                name,
                create: false,
            } => format!("remove extension {name}"),
            Op::Enum { name, to: None, .. } => format!("remove enum type {name}"),
            Op::Enum {
                name,
                from: None,
                to: Some(to),
                ..
            } => format!("add enum type {name} ({})", to.join(", ")),
            Op::Enum {
                name,
                from: Some(from),
                to: Some(to),
                ..
            } => format!(
                "enum type {name}: ({}) -> ({})",
                from.join(", "),
                to.join(", ")
            ),
        }
    }
}
