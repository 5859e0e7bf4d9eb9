//! Names that the server compares without regard to case: SQLite's table
//! and column names, MySQL's column names. A schema keeps them as written
//! (SPEC: "names keep their case where the dialect keeps it"), so `CREATE
//! TABLE T (ID ...)` on SQLite is the live table `t` with column `id`, not
//! a new table, and `CREATE INDEX ix ON users (name)` names `Users.Name`.
//! One mechanism serves both: the diff spells the declared schema as the
//! live one ([`Schema::spelled_like`]), the declared-schema reader spells
//! its references as their declarations (the schema against itself).

use super::{Schema, Table};
use std::collections::BTreeMap;

/// Which names a server compares without regard to case
/// (`SqlDialect::name_case`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NameCase {
    /// Table names (SQLite).
    pub tables: bool,
    /// Column names (MySQL, SQLite).
    pub columns: bool,
}

/// `name` as spelled in `known`, when it differs from it only in case.
fn spelled<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<String> {
    known
        .into_iter()
        .find(|k| *k != name && k.eq_ignore_ascii_case(name))
        .map(str::to_owned)
}

/// `to` with every name that `dialect` compares case-insensitively spelled
/// as `from` spells it (tables, columns, and the references to them).
pub(super) fn respell(from: &Schema, mut to: Schema, case: NameCase) -> Schema {
    let (tables_ci, columns_ci) = (case.tables, case.columns);
    if !tables_ci && !columns_ci {
        return to;
    }
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    if tables_ci {
        let keys: Vec<String> = to.tables.keys().cloned().collect();
        for k in keys {
            if from.tables.contains_key(&k) {
                continue;
            }
            if let Some(live) = spelled(&k, from.tables.keys().map(String::as_str)) {
                let mut t = to.tables.remove(&k).expect("a key just read");
                t.name = live.clone();
                renamed.insert(k, live.clone());
                to.tables.insert(live, t);
            }
        }
    }
    // A referenced table: renamed above, else (where table names compare
    // without case) spelled as `from` or `to` spells it.
    let keys: Vec<String> = from
        .tables
        .keys()
        .chain(to.tables.keys())
        .cloned()
        .collect();
    let table_of = |n: &str| {
        renamed.get(n).cloned().unwrap_or_else(|| {
            let known = keys.iter().any(|k| k == n);
            match tables_ci && !known {
                true => spelled(n, keys.iter().map(String::as_str)).unwrap_or_else(|| n.to_owned()),
                false => n.to_owned(),
            }
        })
    };
    for t in to.tables.values_mut() {
        for fk in &mut t.foreign_keys {
            fk.ref_table = table_of(&fk.ref_table);
        }
        if let Some(p) = &mut t.storage.partition_of {
            p.parent = table_of(&p.parent);
        }
        if !columns_ci {
            continue;
        }
        let Some(live) = from.tables.get(&t.name) else {
            continue;
        };
        let fix = |n: &mut String, of: &Table| {
            if of.column(n).is_none() {
                if let Some(s) = spelled(n, of.columns.iter().map(|c| c.name.as_str())) {
                    *n = s;
                }
            }
        };
        for c in &mut t.columns {
            fix(&mut c.name, live);
        }
        for n in t.primary_key.iter_mut() {
            fix(n, live);
        }
        for u in &mut t.uniques {
            u.columns.iter_mut().for_each(|n| fix(n, live));
        }
        for i in &mut t.indexes {
            i.columns.iter_mut().for_each(|n| fix(n, live));
        }
        for fk in &mut t.foreign_keys {
            fk.columns.iter_mut().for_each(|n| fix(n, live));
            if let Some(theirs) = from.tables.get(&fk.ref_table) {
                fk.ref_columns.iter_mut().for_each(|n| fix(n, theirs));
            }
        }
    }
    to
}
