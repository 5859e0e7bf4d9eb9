//! Types of the schema's own (PostgreSQL's enums and domains): created
//! before the tables that use them, changed in place where the server
//! can, recreated around their columns where it cannot, dropped last.
//! Pure.

use super::Op;
use crate::schema::{Schema, Type};

/// Whether `to` is `from` with labels only added (in any places): what
/// `ALTER TYPE ... ADD VALUE` can do without recreating the type.
pub fn labels_only_added(from: &[String], to: &[String]) -> bool {
    to.iter().filter(|l| from.contains(l)).eq(from.iter())
}

/// The enum types created or relabelled (first) and dropped (last) from
/// `from` to `to`, with the columns of `from` each one's recreation
/// converts.
pub(super) fn enum_changes(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    let users = |name: &str| users(from, name);
    let mut first = Vec::new();
    let mut last = Vec::new();
    for (name, labels) in &to.enums {
        let was = from.enums.get(name);
        if was != Some(labels) {
            first.push(Op::Enum {
                name: name.clone(),
                from: was.cloned(),
                to: Some(labels.clone()),
                columns: if was.is_some() {
                    users(name)
                } else {
                    Vec::new()
                },
            });
        }
    }
    for (name, labels) in &from.enums {
        if !to.enums.contains_key(name) {
            last.push(Op::Enum {
                name: name.clone(),
                from: Some(labels.clone()),
                to: None,
                columns: Vec::new(),
            });
        }
    }
    (first, last)
}

/// `(table, column, default)` of each column of `schema` whose type is
/// the enum or domain `name`.
fn users(schema: &Schema, name: &str) -> Vec<(String, String, Option<String>)> {
    schema
        .tables
        .values()
        .flat_map(|t| {
            t.columns
                .iter()
                .filter(|c| matches!(&c.ty, Type::Other(n) if n == name))
                .map(|c| (t.name.clone(), c.name.clone(), c.default.clone()))
        })
        .collect()
}

/// The domains created or changed (first, after the enums they may be
/// based on) and dropped (last, before the enums) from `from` to `to`.
pub(super) fn domain_changes(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    let mut first = Vec::new();
    let mut last = Vec::new();
    for (name, d) in &to.domains {
        let was = from.domains.get(name);
        if was != Some(d) {
            first.push(Op::Domain {
                name: name.clone(),
                from: was.cloned(),
                to: Some(d.clone()),
                columns: if was.is_some() {
                    users(from, name)
                } else {
                    Vec::new()
                },
            });
        }
    }
    for (name, d) in &from.domains {
        if !to.domains.contains_key(name) {
            last.push(Op::Domain {
                name: name.clone(),
                from: Some(d.clone()),
                to: None,
                columns: Vec::new(),
            });
        }
    }
    (first, last)
}
