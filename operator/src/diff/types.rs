//! Types of the schema's own (PostgreSQL's enums and domains) and its
//! standalone sequences: created
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

/// A column's place and default: `(table, column, default)`.
type Users = Vec<(String, String, Option<String>)>;

/// The objects of `from` and `to` (by name) created or changed (first)
/// and dropped (last), each as the operation `op(name, before, after,
/// the columns of `from` that use it)`; the columns only for a change,
/// whose recreation converts them.
fn changes<T: Clone + PartialEq>(
    from: &Schema,
    of: impl Fn(&Schema) -> &std::collections::BTreeMap<String, T>,
    to: &Schema,
    op: impl Fn(String, Option<T>, Option<T>, Users) -> Op,
) -> (Vec<Op>, Vec<Op>) {
    let (before, after) = (of(from), of(to));
    let first = after
        .iter()
        .filter(|(name, x)| before.get(*name) != Some(*x))
        .map(|(name, x)| {
            let was = before.get(name).cloned();
            let columns = if was.is_some() {
                users(from, name)
            } else {
                Vec::new()
            };
            op(name.clone(), was, Some(x.clone()), columns)
        })
        .collect();
    let last = before
        .iter()
        .filter(|(name, _)| !after.contains_key(*name))
        .map(|(name, x)| op(name.clone(), Some(x.clone()), None, Vec::new()))
        .collect();
    (first, last)
}

/// The enum types created or relabelled (first) and dropped (last) from
/// `from` to `to`, with the columns of `from` each one's recreation
/// converts.
pub(super) fn enum_changes(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    changes(
        from,
        |s| &s.enums,
        to,
        |name, from, to, columns| Op::Enum {
            name,
            from,
            to,
            columns,
        },
    )
}

/// The domains created or changed (first, after the enums they may be
/// based on) and dropped (last, before the enums) from `from` to `to`.
pub(super) fn domain_changes(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    changes(
        from,
        |s| &s.domains,
        to,
        |name, from, to, columns| Op::Domain {
            name,
            from,
            to,
            columns,
        },
    )
}

/// The standalone sequences created or changed (first: column defaults
/// draw from them) and dropped (last) from `from` to `to`.
pub(super) fn sequence_changes(from: &Schema, to: &Schema) -> (Vec<Op>, Vec<Op>) {
    changes(
        from,
        |s| &s.sequences,
        to,
        |name, from, to, _| Op::Sequence { name, from, to },
    )
}

/// `(table, column, default)` of each column of `schema` whose type is
/// the enum or domain `name`.
fn users(schema: &Schema, name: &str) -> Users {
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
