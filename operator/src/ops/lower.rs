//! An operation's fields lowered to the schema model for one dialect:
//! types, columns, keys, indexes and tables. Pure.

use super::check::action;
use super::render::dialect_key;
use super::OpsError;
use super::{ColumnSpec, ForeignKeySpec, IndexSpec, TableSpec, TypeSpec, Value};
use crate::dialect::Dialect;
use crate::render::literal;
use crate::schema::{Action, Check, Column, ForeignKey, Index, Table, Type, Unique};

/// The type for `d`.
pub(super) fn ty(t: &TypeSpec, d: Dialect) -> Result<Type, OpsError> {
    match t {
        TypeSpec::Portable(s) => Ok(Type::parse(s)),
        TypeSpec::PerDialect(m) => m
            .get(dialect_key(d))
            .map(|s| Type::parse(s))
            .ok_or_else(|| {
                OpsError::NotForDialect(format!("the type map has no `{}` entry", dialect_key(d)))
            }),
    }
}

/// A literal value as SQL.
pub(super) fn value_sql(v: &Value, d: Dialect) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => literal(s, d),
        _ => "NULL".into(),
    }
}

pub(super) fn default_of(v: &Option<Value>, sql: &Option<String>, d: Dialect) -> Option<String> {
    match (v, sql) {
        (Some(Value::Null), _) => None,
        (Some(v), _) => Some(value_sql(v, d)),
        (None, Some(s)) => Some(s.trim().to_owned()),
        (None, None) => None,
    }
}

pub(super) fn column(c: &ColumnSpec, d: Dialect) -> Result<Column, OpsError> {
    let mut col = Column::new(
        &c.name,
        ty(&c.ty, d).map_err(|e| e.within(&format!("column {}", c.name)))?,
    );
    col.nullable = c.nullable.unwrap_or(!c.primary_key) && !c.primary_key;
    col.default = default_of(&c.default, &c.default_sql, d);
    col.identity = c.autoincrement;
    col.comment = c.comment.clone();
    Ok(col)
}

pub(super) fn fk(f: &ForeignKeySpec) -> Result<ForeignKey, OpsError> {
    Ok(ForeignKey {
        name: f.name.clone(),
        columns: f.columns.clone(),
        ref_table: f.references.table.clone(),
        ref_columns: f.references.columns.clone(),
        on_delete: f
            .on_delete
            .as_deref()
            .map_or(Ok(Action::NoAction), action)?,
        on_update: f
            .on_update
            .as_deref()
            .map_or(Ok(Action::NoAction), action)?,
        ..ForeignKey::default()
    })
}

pub(super) fn index(name: &str, i: &IndexSpec) -> Index {
    Index {
        name: name.to_owned(),
        columns: i.columns.clone(),
        unique: i.unique,
        predicate: i.predicate.clone(),
        ..Index::default()
    }
}

pub(super) fn table(name: &str, t: &TableSpec, d: Dialect) -> Result<Table, OpsError> {
    let columns = t
        .columns
        .iter()
        .map(|c| column(c, d))
        .collect::<Result<Vec<_>, _>>()?;
    let mut primary_key: Vec<String> = t
        .columns
        .iter()
        .filter(|c| c.primary_key)
        .map(|c| c.name.clone())
        .collect();
    if let Some(pk) = &t.primary_key {
        primary_key = pk.clone();
    }
    let mut table = Table {
        name: name.to_owned(),
        columns,
        primary_key,
        primary_key_name: None,
        primary_key_deferrable: false,
        primary_key_initially_deferred: false,
        exclusions: Vec::new(),
        options: Default::default(),
        storage: Default::default(),
        uniques: t
            .unique
            .iter()
            .map(|u| Unique {
                name: u.name.clone(),
                columns: u.columns.clone(),
                ..Unique::default()
            })
            .collect(),
        indexes: t
            .indexes
            .iter()
            .map(|i| index(i.name.as_deref().unwrap_or(""), i))
            .collect(),
        foreign_keys: t.foreign_keys.iter().map(fk).collect::<Result<_, _>>()?,
        checks: t
            .checks
            .iter()
            .map(|c| Check {
                name: c.name.clone(),
                expression: c.expression.clone(),
                not_valid: false,
            })
            .collect(),
        comment: t.comment.clone(),
    };
    let pk = table.primary_key.clone();
    for c in table.columns.iter_mut().filter(|c| pk.contains(&c.name)) {
        c.nullable = false;
    }
    Ok(table)
}
