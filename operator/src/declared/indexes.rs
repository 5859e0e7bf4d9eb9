//! Indexes and keys as declared: columns, what follows each (operator
//! class, order, `NULLS`, MySQL prefix length), method, `INCLUDE`,
//! `NULLS NOT DISTINCT` and predicate. Pure.

use super::{first_words, ident, object, parse_one, table_key};
use crate::dialect::Dialect;
use crate::schema::{Index, Schema};
use sqlparser::ast::{CreateIndex, Expr, IndexColumn, Statement};

/// The columns of an index or key, and what follows each (see
/// [`Index::column_options`]): an operator class, the order and `NULLS`
/// placement, and on MySQL a prefix length (`name(10)`, which sqlparser
/// reads as a call).
pub(super) fn key_parts(cols: &[IndexColumn], dialect: Dialect) -> (Vec<String>, Vec<String>) {
    cols.iter()
        .map(|c| {
            let mut options = Vec::new();
            let column = match &c.column.expr {
                Expr::Function(f) if !dialect.sql().folds_unquoted() => {
                    let arg = f.args.to_string();
                    options.push(arg);
                    f.name
                        .0
                        .last()
                        .and_then(|p| p.as_ident())
                        .map_or_else(|| f.name.to_string(), |i| ident(i, dialect))
                }
                _ => index_column(c, dialect),
            };
            if let Some(class) = &c.operator_class {
                options.push(class.to_string());
            }
            let order = c.column.options.to_string();
            if !order.trim().is_empty() {
                options.push(order.trim().to_owned());
            }
            (column, options.join(" "))
        })
        .unzip()
}

/// The columns of a primary key or unique constraint, which hold no
/// per-column options in the model: any is refused, never dropped.
pub(super) fn key_columns(
    cols: &[IndexColumn],
    table: &str,
    dialect: Dialect,
) -> Result<Vec<String>, String> {
    let (columns, options) = key_parts(cols, dialect);
    match options.iter().zip(&columns).find(|(o, _)| !o.is_empty()) {
        Some((o, c)) => Err(format!(
            "table {table}: key column {c} has `{o}`, which a constraint cannot carry in Revisor's model; declare a unique index instead"
        )),
        None => Ok(columns),
    }
}

/// An index column: a plain column name, or an expression in parentheses.
pub(super) fn index_column(c: &IndexColumn, dialect: Dialect) -> String {
    match &c.column.expr {
        Expr::Identifier(i) => ident(i, dialect),
        e => format!("({e})"),
    }
}

/// An index on `columns`, what follows them, and its method.
pub(super) fn index(
    name: String,
    cols: &[IndexColumn],
    unique: bool,
    method: Option<String>,
    dialect: Dialect,
) -> Index {
    let (columns, column_options) = key_parts(cols, dialect);
    Index {
        name,
        columns,
        unique,
        method,
        column_options,
        ..Index::default()
    }
}

/// `CREATE INDEX` into the table it indexes, declared before it.
pub(super) fn create_index(
    schema: &mut Schema,
    ci: &CreateIndex,
    dialect: Dialect,
) -> Result<(), String> {
    let (table, index) = read_index(ci, dialect)?;
    let table = table_key(schema, &table, dialect);
    if let Some(t) = schema.tables.get_mut(&table) {
        t.indexes.push(index);
        return Ok(());
    }
    match schema.views.get_mut(&table) {
        Some(v) if v.materialized => {
            v.indexes.push(index);
            Ok(())
        }
        _ => Err(format!(
            "CREATE INDEX {}: table {table} is not declared before it",
            index.name
        )),
    }
}

/// The index a `CREATE INDEX` statement makes, and its table's name as
/// written: what a declared schema holds, and how PostgreSQL's
/// introspection reads `pg_get_indexdef`, so both sides of a comparison
/// come through one reader.
///
/// # Errors
/// A statement that is no `CREATE INDEX`, does not parse, has no name, or
/// has a clause the model cannot hold (`WITH (...)` storage parameters).
pub fn index_definition(sql: &str, dialect: Dialect) -> Result<(String, Index), String> {
    match parse_one(sql, dialect)? {
        Statement::CreateIndex(ci) => read_index(&ci, dialect),
        other => Err(format!(
            "not a CREATE INDEX: {}",
            first_words(&other.to_string())
        )),
    }
}

fn read_index(ci: &CreateIndex, dialect: Dialect) -> Result<(String, Index), String> {
    let table = object(&ci.table_name, dialect)?;
    let name = ci
        .name
        .as_ref()
        .map(|n| object(n, dialect))
        .transpose()?
        .ok_or_else(|| format!("CREATE INDEX on {table}: name the index"))?;
    if !ci.with.is_empty() {
        let with: Vec<String> = ci.with.iter().map(ToString::to_string).collect();
        return Err(format!(
            "CREATE INDEX {name}: storage parameters `WITH ({})` are not in Revisor's model yet",
            with.join(", ")
        ));
    }
    let method = ci.using.as_ref().map(|m| m.to_string().to_lowercase());
    let index = Index {
        predicate: ci.predicate.as_ref().map(|p| p.to_string()),
        include: ci.include.iter().map(|c| ident(c, dialect)).collect(),
        nulls_not_distinct: ci.nulls_distinct == Some(false),
        ..index(name, &ci.columns, ci.unique, method, dialect)
    };
    Ok((table, index))
}
/// MySQL's `CREATE FULLTEXT|SPATIAL INDEX name ON t (...)` (which
/// sqlparser does not read, and `schema dump` writes) as the `ALTER TABLE t
/// ADD FULLTEXT|SPATIAL INDEX name (...)` it means; `None` for any other
/// statement.
pub(super) fn fulltext_as_alter(code: &str) -> Option<String> {
    // Cheap test first: every statement of a dump comes this way.
    let mut head = code.split_whitespace();
    let create = head.next()?.eq_ignore_ascii_case("CREATE");
    let kind = head.next()?;
    if !create || !(kind.eq_ignore_ascii_case("FULLTEXT") || kind.eq_ignore_ascii_case("SPATIAL")) {
        return None;
    }
    let words: Vec<&str> = code.split_whitespace().collect();
    let upper = |i: usize| words.get(i).map(|w| w.to_ascii_uppercase());
    let kind = upper(1).filter(|k| k == "FULLTEXT" || k == "SPATIAL")?;
    if upper(0)? != "CREATE" || upper(2)? != "INDEX" || upper(4)? != "ON" {
        return None;
    }
    // The table may run into its column list: `t(a)`.
    let (table, columns) = match words.get(5)?.split_once('(') {
        Some((t, rest)) => (t.to_owned(), format!("({rest} {}", words[6..].join(" "))),
        None => (words[5].to_owned(), words[6..].join(" ")),
    };
    Some(format!(
        "ALTER TABLE {table} ADD {kind} INDEX {} {}",
        words[3],
        columns.trim_end()
    ))
}
