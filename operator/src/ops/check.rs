//! What can be checked of an operation without a dialect: types are
//! portable (or per-dialect maps of known dialects), names are not empty,
//! actions and values are of the kinds the format allows. Pure.

use super::OpsError;
use super::{
    ColumnSpec, ColumnState, Execute, ForeignKeySpec, Operation, TableSpec, TypeSpec, Value,
    DIALECT_KEYS, PORTABLE_TYPES,
};
use crate::schema::{Action, Type};

/// Checks what can be checked without a dialect: types are portable (or
/// per-dialect maps with known keys), names are not empty, actions are
/// known, values are scalars, a `drop_constraint` definition names one
/// kind.
///
/// # Errors
/// A message for the first problem.
pub fn check(op: &Operation) -> Result<(), OpsError> {
    let name = |n: &str, what: &str| {
        if n.trim().is_empty() {
            Err(OpsError::Invalid(format!("`{what}` must not be empty")))
        } else {
            Ok(())
        }
    };
    let cols = |c: &[String], what: &str| {
        if c.is_empty() || c.iter().any(|c| c.trim().is_empty()) {
            Err(OpsError::Invalid(format!(
                "`{what}` needs at least one column name"
            )))
        } else {
            Ok(())
        }
    };
    match op {
        Operation::CreateTable(t) => {
            name(t.name.as_deref().unwrap_or(""), "name")?;
            check_table(t)
        }
        Operation::DropTable(d) => {
            name(&d.name, "name")?;
            d.definition.as_ref().map_or(Ok(()), check_table)
        }
        Operation::RenameTable(r) => {
            name(&r.from, "from")?;
            name(&r.to, "to")
        }
        Operation::AddColumn(a) => {
            name(&a.table, "table")?;
            check_column(&a.column)
        }
        Operation::DropColumn(d) => {
            name(&d.table, "table")?;
            name(&d.column, "column")?;
            d.definition.as_ref().map_or(Ok(()), check_state)
        }
        Operation::AlterColumn(a) => {
            name(&a.table, "table")?;
            name(&a.column, "column")?;
            if let Some(t) = &a.ty {
                check_type(t)?;
            }
            if a.default.is_some() as u8 + a.default_sql.is_some() as u8 + a.drop_default as u8 > 1
            {
                return Err(OpsError::Invalid(
                    "give one of `default`, `default_sql`, `drop_default`".into(),
                ));
            }
            if let Some(v) = &a.default {
                check_value(v)?;
            }
            if a.ty.is_none()
                && a.nullable.is_none()
                && !a.changes_default()
                && a.rename_to.is_none()
            {
                return Err(OpsError::Invalid(
                    "nothing to change: give type, nullable, default, default_sql, drop_default or rename_to"
                        .into(),
                ));
            }
            a.from.as_ref().map_or(Ok(()), check_state)
        }
        Operation::CreateIndex(c) => {
            name(&c.name, "name")?;
            name(&c.table, "table")?;
            cols(&c.columns, "columns")
        }
        Operation::DropIndex(d) => {
            name(&d.name, "name")?;
            name(&d.table, "table")?;
            d.definition
                .as_ref()
                .map_or(Ok(()), |i| cols(&i.columns, "definition.columns"))
        }
        Operation::AddForeignKey(f) => {
            name(&f.name, "name")?;
            name(&f.table, "table")?;
            cols(&f.columns, "columns")?;
            check_fk_parts(&f.references, &f.on_delete, &f.on_update, f.columns.len())
        }
        Operation::AddUnique(u) => {
            name(&u.name, "name")?;
            name(&u.table, "table")?;
            cols(&u.columns, "columns")
        }
        Operation::AddCheck(c) => {
            name(&c.name, "name")?;
            name(&c.table, "table")?;
            name(&c.expression, "expression")
        }
        Operation::DropConstraint(d) => {
            name(&d.name, "name")?;
            name(&d.table, "table")?;
            if let Some(def) = &d.definition {
                let kinds = def.foreign_key.is_some() as u8
                    + def.unique.is_some() as u8
                    + def.check.is_some() as u8;
                if kinds != 1 {
                    return Err(OpsError::Invalid(
                        "`definition` takes exactly one of foreign_key, unique, check".into(),
                    ));
                }
                if let Some(f) = &def.foreign_key {
                    check_fk(f)?;
                }
            }
            Ok(())
        }
        Operation::BulkInsert(r) | Operation::BulkDelete(r) => {
            name(&r.table, "table")?;
            for row in &r.rows {
                if row.is_empty() {
                    return Err(OpsError::Invalid("a row without columns".into()));
                }
                row.values().try_for_each(check_value)?;
            }
            Ok(())
        }
        Operation::Execute(Execute::Sql(s)) => name(s, "execute"),
        Operation::Execute(Execute::PerDialect(m)) => {
            for k in m.keys() {
                known_dialect(k)?;
            }
            Ok(())
        }
    }
}

pub(super) fn known_dialect(k: &str) -> Result<(), OpsError> {
    if DIALECT_KEYS.contains(&k) {
        Ok(())
    } else {
        Err(OpsError::Invalid(format!(
            "unknown dialect `{k}` (use {})",
            DIALECT_KEYS.join(", ")
        )))
    }
}

pub(super) fn check_table(t: &TableSpec) -> Result<(), OpsError> {
    if t.columns.is_empty() {
        return Err(OpsError::Invalid(
            "a table needs at least one column".into(),
        ));
    }
    t.columns.iter().try_for_each(check_column)?;
    t.foreign_keys.iter().try_for_each(check_fk)?;
    for i in &t.indexes {
        if i.name.as_deref().unwrap_or("").is_empty() {
            return Err(OpsError::Invalid("an index needs a `name`".into()));
        }
    }
    Ok(())
}

pub(super) fn check_fk(f: &ForeignKeySpec) -> Result<(), OpsError> {
    check_fk_parts(&f.references, &f.on_delete, &f.on_update, f.columns.len())
}

pub(super) fn check_fk_parts(
    r: &super::References,
    on_delete: &Option<String>,
    on_update: &Option<String>,
    n: usize,
) -> Result<(), OpsError> {
    if r.columns.len() != n {
        return Err(OpsError::Invalid(format!(
            "{n} column(s) reference {} column(s) of {}",
            r.columns.len(),
            r.table
        )));
    }
    for a in [on_delete, on_update].into_iter().flatten() {
        action(a)?;
    }
    Ok(())
}

pub(super) fn action(a: &str) -> Result<Action, OpsError> {
    match a {
        "cascade" => Ok(Action::Cascade),
        "set_null" => Ok(Action::SetNull),
        "set_default" => Ok(Action::SetDefault),
        "restrict" => Ok(Action::Restrict),
        "no_action" => Ok(Action::NoAction),
        other => Err(OpsError::Invalid(format!(
            "unknown action `{other}` (use cascade, set_null, set_default, restrict, no_action)"
        ))),
    }
}

pub(super) fn check_column(c: &ColumnSpec) -> Result<(), OpsError> {
    if c.name.trim().is_empty() {
        return Err(OpsError::Invalid("a column needs a `name`".into()));
    }
    check_type(&c.ty).map_err(|e| e.within(&format!("column {}", c.name)))?;
    if c.default.is_some() && c.default_sql.is_some() {
        return Err(OpsError::Invalid(format!(
            "column {}: give `default` or `default_sql`, not both",
            c.name
        )));
    }
    c.default.as_ref().map_or(Ok(()), check_value)
}

pub(super) fn check_state(s: &ColumnState) -> Result<(), OpsError> {
    if let Some(t) = &s.ty {
        check_type(t)?;
    }
    s.default.as_ref().map_or(Ok(()), check_value)
}

pub(super) fn check_value(v: &Value) -> Result<(), OpsError> {
    match v {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => Ok(()),
        _ => Err(OpsError::Invalid(
            "values must be null, a boolean, a number or a string".into(),
        )),
    }
}

/// Checks a type: a portable word with its arguments, or a per-dialect map.
///
/// # Errors
/// An unknown word (with the vocabulary), or an unknown dialect key.
pub fn check_type(t: &TypeSpec) -> Result<(), OpsError> {
    match t {
        TypeSpec::Portable(s) => {
            let word = s
                .split('(')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !PORTABLE_TYPES.contains(&word.as_str()) {
                return Err(OpsError::Invalid(format!(
                    "unknown type `{s}` (portable types: {}; or a map such as {{postgresql: jsonb, mysql: json, sqlite: text}})",
                    PORTABLE_TYPES.join(", ")
                )));
            }
            if matches!(Type::parse(s), Type::Other(_)) {
                return Err(OpsError::Invalid(format!("cannot read type `{s}`")));
            }
            Ok(())
        }
        TypeSpec::PerDialect(m) => m.keys().try_for_each(|k| known_dialect(k)),
    }
}
