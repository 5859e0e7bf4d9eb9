//! `bulk_insert` and its reverse, `bulk_delete`, as SQL for one dialect.

use super::lower::value_sql;
use super::render::Model;
use super::{Rows, Value};
use crate::dialect::Dialect;
use crate::render::quote;

/// Groups consecutive rows with the same columns into one `INSERT`.
pub(super) fn bulk_insert(r: &Rows, d: Dialect) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut group: Vec<&std::collections::BTreeMap<String, Value>> = Vec::new();
    let flush = |group: &mut Vec<&std::collections::BTreeMap<String, Value>>,
                 out: &mut Vec<String>| {
        let Some(first) = group.first() else { return };
        let cols: Vec<String> = first.keys().map(|k| quote(k, d)).collect();
        let rows: Vec<String> = group
            .iter()
            .map(|row| {
                format!(
                    "({})",
                    row.values()
                        .map(|v| value_sql(v, d))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect();
        out.push(format!(
            "INSERT INTO {} ({}) VALUES {}",
            quote(&r.table, d),
            cols.join(", "),
            rows.join(", ")
        ));
        group.clear();
    };
    for row in &r.rows {
        if group.first().is_some_and(|g| !g.keys().eq(row.keys())) {
            flush(&mut group, &mut out);
        }
        group.push(row);
    }
    flush(&mut group, &mut out);
    out
}

/// One `DELETE` per row, by the primary key when the model knows it and
/// the row gives it, else by every value the row gives.
pub(super) fn bulk_delete(r: &Rows, d: Dialect, model: &Model) -> Vec<String> {
    let pk = model
        .schema
        .tables
        .get(&r.table)
        .map(|t| t.primary_key.clone())
        .unwrap_or_default();
    r.rows
        .iter()
        .map(|row| {
            let by_key = !pk.is_empty() && pk.iter().all(|k| row.contains_key(k));
            let conds: Vec<String> = row
                .iter()
                .filter(|(k, _)| !by_key || pk.contains(k))
                .map(|(k, v)| match v {
                    Value::Null => format!("{} IS NULL", quote(k, d)),
                    v => format!("{} = {}", quote(k, d), value_sql(v, d)),
                })
                .collect();
            format!(
                "DELETE FROM {} WHERE {}",
                quote(&r.table, d),
                conds.join(" AND ")
            )
        })
        .collect()
}
