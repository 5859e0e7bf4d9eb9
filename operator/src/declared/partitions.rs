//! Partitioned tables and partitions in a declared schema (PostgreSQL),
//! in both forms they come in:
//!
//! - pg_dump's (15 and later): the partition as a `CREATE TABLE` with all
//!   its columns and the check constraints it inherits, then `ALTER TABLE
//!   ONLY parent ATTACH PARTITION child FOR VALUES ...`; the parent's
//!   indexes `CREATE INDEX ... ON ONLY parent`, the partitions' own copies
//!   created apart and joined with `ALTER INDEX parent_idx ATTACH
//!   PARTITION child_idx`;
//! - a user's: `CREATE TABLE child PARTITION OF parent FOR VALUES ...`,
//!   whose columns are the parent's.
//!
//! Either way the model holds the partition as [`crate::schema::Storage`]
//! says: its columns, and only its own constraints and indexes (what it
//! has from its parent is the parent's). Pure.

use super::{ident, object};
use crate::dialect::{partition_column, Dialect};
use crate::schema::{PartitionOf, Schema, Table};
use sqlparser::ast::{ColumnOption, CreateTable, Expr, ForValues};

/// `PARTITION BY`'s key as the catalog prints it (`pg_get_partkeydef`):
/// `RANGE (created_at)`. sqlparser reads `RANGE (a)` as a call.
pub(super) fn partition_key(e: &Expr) -> String {
    let text = e.to_string();
    match text.split_once('(') {
        Some((method, rest)) => format!("{} ({rest}", method.trim().to_uppercase()),
        None => text,
    }
}

/// A partition bound as the catalog prints it (`pg_get_expr(relpartbound)`).
pub(super) fn bound(v: &ForValues) -> String {
    match v {
        ForValues::With { modulus, remainder } => {
            format!("FOR VALUES WITH (modulus {modulus}, remainder {remainder})")
        }
        other => other.to_string(),
    }
}

/// A `CREATE TABLE child PARTITION OF parent ...`: the parent's columns
/// ([`crate::dialect::partition_column`]) with the options the statement gives them
/// (`DEFAULT`, `NOT NULL`), its table constraints, its bound.
///
/// # Errors
/// The parent is not declared before it, a column it names is not the
/// parent's, a column option other than `DEFAULT` / `[NOT] NULL`.
pub(super) fn partition_of(
    schema: &Schema,
    t: &mut Table,
    ct: &CreateTable,
    dialect: Dialect,
) -> Result<(), String> {
    let Some(parent) = &ct.partition_of else {
        return Ok(());
    };
    let parent = object(parent, dialect)?;
    let p = schema.tables.get(&parent).ok_or_else(|| {
        format!(
            "table {}: PARTITION OF {parent}: the partitioned table is not declared before it",
            t.name
        )
    })?;
    t.columns = p
        .columns
        .iter()
        .map(|c| partition_column(&parent, c, dialect))
        .collect();
    for cd in &ct.columns {
        let cname = ident(&cd.name, dialect);
        let col = t
            .columns
            .iter_mut()
            .find(|c| c.name == cname)
            .ok_or_else(|| format!("table {}: {parent} has no column {cname}", t.name))?;
        for o in &cd.options {
            match &o.option {
                ColumnOption::Default(e) => col.default = Some(e.to_string()),
                ColumnOption::NotNull => col.nullable = false,
                ColumnOption::Null => col.nullable = true,
                other => {
                    return Err(format!(
                        "column {}.{cname}: unsupported option `{other}` on a partition's column (DEFAULT and NOT NULL are read)",
                        t.name
                    ))
                }
            }
        }
    }
    t.storage.partition_of = Some(PartitionOf {
        parent,
        bound: ct.for_values.as_ref().map(bound).unwrap_or_default(),
    });
    Ok(())
}

/// `ALTER TABLE [ONLY] parent ATTACH PARTITION child FOR VALUES ...`:
/// `child` becomes a partition; the check constraints it has from the
/// parent (pg_dump writes them on the partition, which `ATTACH` needs)
/// are the parent's.
///
/// # Errors
/// Either table is not declared before it.
pub(super) fn attach(
    schema: &mut Schema,
    parent: &str,
    child: &str,
    bound: String,
) -> Result<(), String> {
    let checks: Vec<Option<String>> = schema
        .tables
        .get(parent)
        .ok_or_else(|| format!("ALTER TABLE {parent}: the table is not declared before it"))?
        .checks
        .iter()
        .map(|c| c.name.clone())
        .collect();
    let t = schema.tables.get_mut(child).ok_or_else(|| {
        format!("ALTER TABLE {parent} ATTACH PARTITION {child}: {child} is not declared before it")
    })?;
    t.checks
        .retain(|c| c.name.is_none() || !checks.contains(&c.name));
    t.storage.partition_of = Some(PartitionOf {
        parent: parent.to_owned(),
        bound,
    });
    Ok(())
}

/// `CREATE [UNIQUE] INDEX ... ON ONLY parent ...` (pg_dump: the parent's
/// index alone, its partitions' attached later) without `ONLY`, which
/// sqlparser does not read; `None` for any other statement.
pub(super) fn without_only(code: &str) -> Option<String> {
    // Cheap tests first: every statement of a dump comes this way.
    let mut words = code.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("CREATE") {
        return None;
    }
    let second = words.next()?;
    if !(second.eq_ignore_ascii_case("INDEX") || second.eq_ignore_ascii_case("UNIQUE")) {
        return None;
    }
    let at = code
        .as_bytes()
        .windows(" ON ONLY ".len())
        .position(|w| w.eq_ignore_ascii_case(b" ON ONLY "))?;
    Some(format!(
        "{} ON {}",
        &code[..at],
        &code[at + " ON ONLY ".len()..]
    ))
}

/// `ALTER INDEX parent_idx ATTACH PARTITION child_idx` (which sqlparser
/// does not read): the partition's index, key or unique constraint
/// `child_idx` is the parent's, so it leaves the partition's model.
/// `None` for any other statement.
pub(super) fn attach_index(code: &str, schema: &mut Schema) -> Option<Result<(), String>> {
    // Cheap test first: every statement of a dump comes this way.
    let mut head = code.split_whitespace();
    let alter_index =
        head.next()?.eq_ignore_ascii_case("ALTER") && head.next()?.eq_ignore_ascii_case("INDEX");
    if !alter_index {
        return None;
    }
    let words: Vec<&str> = code
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    // ALTER INDEX parent_idx ATTACH PARTITION child_idx
    let [_, _, _, attach, partition, child] = words.as_slice() else {
        return None;
    };
    if !(attach.eq_ignore_ascii_case("ATTACH") && partition.eq_ignore_ascii_case("PARTITION")) {
        return None;
    }
    let child = name(child);
    for t in schema.tables.values_mut() {
        if t.storage.partition_of.is_none() {
            continue;
        }
        let pkey = t
            .primary_key_name
            .clone()
            .unwrap_or_else(|| format!("{}_pkey", t.name));
        if !t.primary_key.is_empty() && pkey == child {
            t.primary_key.clear();
            t.primary_key_name = None;
            t.primary_key_deferrable = false;
            t.primary_key_initially_deferred = false;
            return Some(Ok(()));
        }
        let before = t.indexes.len() + t.uniques.len() + t.exclusions.len();
        t.indexes.retain(|i| i.name != child);
        t.uniques
            .retain(|u| u.name.as_deref() != Some(child.as_str()));
        t.exclusions.retain(|x| x.name != child);
        if t.indexes.len() + t.uniques.len() + t.exclusions.len() < before {
            return Some(Ok(()));
        }
    }
    Some(Err(format!(
        "ALTER INDEX ... ATTACH PARTITION {child}: no index, key or unique constraint {child} is declared before it"
    )))
}

/// For a `CREATE TABLE` the parser refused: the message naming the
/// partitioning clause the model cannot hold (MySQL's `PARTITION BY ...
/// (PARTITION p0 VALUES LESS THAN ...)`, as mysqldump writes it inside
/// `/*!50100 ... */`), in place of the parser's text.
pub(super) fn unread_partitioning(code: &str, dialect: Dialect) -> Option<String> {
    let upper = code.to_uppercase();
    let words: Vec<&str> = upper.split_whitespace().collect();
    let create_table = words.first() == Some(&"CREATE") && words.contains(&"TABLE");
    if !create_table || dialect.sql().partitioned_tables() {
        return None;
    }
    if !words.windows(2).any(|w| w == ["PARTITION", "BY"]) {
        return None;
    }
    let table = words
        .iter()
        .position(|w| *w == "TABLE")
        .and_then(|i| code.split_whitespace().nth(i + 1))
        .unwrap_or_default()
        .trim_matches(['`', '"', '(']);
    Some(format!(
        "table {table}: `PARTITION BY` is not in Revisor's model for {} yet; the table cannot be declared with it (and without it would mean another table)",
        dialect.name()
    ))
}

/// The last part of a possibly qualified, possibly quoted name, as
/// PostgreSQL folds it.
fn name(word: &str) -> String {
    let last = word.rsplit('.').next().unwrap_or(word);
    match last.strip_prefix('"').and_then(|w| w.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => last.to_lowercase(),
    }
}

/// After the whole schema is read: each partition's parent is declared,
/// and a partition's column is `NOT NULL` where its parent's is
/// (PostgreSQL passes that on, a key added to the parent later included).
///
/// # Errors
/// One message per partition whose parent is not declared.
pub(super) fn resolve(schema: &mut Schema) -> Vec<String> {
    let mut errors = Vec::new();
    let parents: Vec<(String, String)> = schema
        .tables
        .values()
        .filter_map(|t| {
            Some((
                t.name.clone(),
                t.storage.partition_of.as_ref()?.parent.clone(),
            ))
        })
        .collect();
    for (child, parent) in parents {
        let Some(p) = schema.tables.get(&parent) else {
            errors.push(format!(
                "partition {child}: its table {parent} is not declared"
            ));
            continue;
        };
        let not_null: Vec<String> = p
            .columns
            .iter()
            .filter(|c| !c.nullable || p.primary_key.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        if let Some(t) = schema.tables.get_mut(&child) {
            for c in &mut t.columns {
                if not_null.contains(&c.name) {
                    c.nullable = false;
                }
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_as_postgresql_folds_them() {
        assert_eq!(name("public.Payment_IDX"), "payment_idx");
        assert_eq!(name("public.\"Payment\"\"x\""), "Payment\"x");
    }

    #[test]
    fn only_is_taken_out_of_create_index_alone() {
        assert_eq!(
            without_only("CREATE INDEX i ON ONLY public.p USING btree (a)").as_deref(),
            Some("CREATE INDEX i ON public.p USING btree (a)")
        );
        assert_eq!(without_only("SELECT 1 FROM t WHERE x ON ONLY y"), None);
        assert_eq!(without_only("CREATE INDEX i ON p (a)"), None);
    }
}
