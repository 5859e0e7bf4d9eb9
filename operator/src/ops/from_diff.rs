//! Autogenerate's schema changes ([`crate::diff::Op`]) as operations, for
//! `revision --autogenerate --format ops`. Pure.
//!
//! Every operation carries what it drops (`definition`, `from`), so the
//! downgrade is derived and not written. Types outside the portable
//! vocabulary become a per-dialect map holding the type for the dialect
//! autogenerate compared in. Constraints the schema leaves unnamed get the
//! names the SQL renderer would give them. Some changes have no
//! operation: a primary-key change, a comment change, PostgreSQL's enum
//! types and its serial and `ALWAYS` identity columns (`autoincrement` is
//! the dialect's one form); for those the error says to use `--format
//! sql`.

use super::OpsError;
use super::{
    AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, CheckSpec, ColumnSpec, ColumnState,
    ConstraintSpec, CreateIndex, DropColumn, DropConstraint, DropIndex, DropTable, ForeignKeySpec,
    IndexSpec, Operation, References, TableSpec, TypeSpec, UniqueSpec, Value,
};
use crate::dialect::Dialect;
use crate::diff::Op;
use crate::render::constraint_name;
use crate::schema::{Action, Column, ForeignKey, Table, Type};

/// The operations for `ops`, compared in `dialect`.
///
/// # Errors
/// The description of the first change no operation expresses.
pub fn operations(ops: &[Op], dialect: Dialect) -> Result<Vec<Operation>, OpsError> {
    ops.iter().map(|op| operation(op, dialect)).collect()
}

fn operation(op: &Op, d: Dialect) -> Result<Operation, OpsError> {
    let unsupported = || {
        Err(OpsError::Invalid(format!(
            "{}: no operation expresses this change; use --format sql",
            op.describe()
        )))
    };
    // `autoincrement` is the dialect's one identity form: a serial or
    // `ALWAYS` identity column has no operation; nor has a partitioned,
    // partition or unlogged table, or an exclusion constraint.
    let kinded = match op {
        Op::CreateTable(t) | Op::DropTable(t) => {
            t.columns.iter().any(|c| c.identity_kind.is_some())
                || !t.storage.is_plain()
                || !t.exclusions.is_empty()
        }
        Op::AddColumn { column, .. } | Op::DropColumn { column, .. } => {
            column.identity_kind.is_some()
        }
        _ => false,
    };
    if kinded {
        return unsupported();
    }
    Ok(match op {
        Op::CreateTable(t) => Operation::CreateTable(TableSpec {
            name: Some(t.name.clone()),
            ..table(t, d)
        }),
        Op::DropTable(t) => Operation::DropTable(DropTable {
            name: t.name.clone(),
            definition: Some(table(t, d)),
        }),
        Op::AddColumn { table, column } => Operation::AddColumn(AddColumn {
            table: table.clone(),
            column: column_spec(column, d, false),
        }),
        Op::DropColumn { table, column } => Operation::DropColumn(DropColumn {
            table: table.clone(),
            column: column.name.clone(),
            definition: Some(state(column, d)),
        }),
        Op::AlterColumn { table, from, to } => {
            if from.comment != to.comment
                || from.collation != to.collation
                || from.identity != to.identity
                || from.identity_kind != to.identity_kind
            {
                return unsupported();
            }
            let (default, default_sql) = default(&to.default);
            let changes_default = from.default != to.default;
            Operation::AlterColumn(AlterColumn {
                table: table.clone(),
                column: to.name.clone(),
                ty: (from.ty != to.ty).then(|| ty(&to.ty, d)),
                nullable: (from.nullable != to.nullable).then_some(to.nullable),
                default: default.filter(|_| changes_default),
                default_sql: default_sql.filter(|_| changes_default),
                drop_default: changes_default && to.default.is_none(),
                rename_to: None,
                from: Some(state(from, d)),
            })
        }
        Op::CreateIndex { table, index } => Operation::CreateIndex(CreateIndex {
            name: index.name.clone(),
            table: table.clone(),
            columns: index.columns.clone(),
            unique: index.unique,
            predicate: index.predicate.clone(),
            concurrently: false,
        }),
        Op::DropIndex { table, index } => Operation::DropIndex(DropIndex {
            name: index.name.clone(),
            table: table.clone(),
            definition: Some(IndexSpec {
                name: None,
                columns: index.columns.clone(),
                unique: index.unique,
                predicate: index.predicate.clone(),
            }),
            concurrently: false,
        }),
        Op::AddUnique { table, unique } => Operation::AddUnique(AddUnique {
            name: unique
                .name
                .clone()
                .unwrap_or_else(|| constraint_name("key", table, &unique.columns, d)),
            table: table.clone(),
            columns: unique.columns.clone(),
        }),
        Op::DropUnique { table, unique } => Operation::DropConstraint(DropConstraint {
            name: unique
                .name
                .clone()
                .unwrap_or_else(|| constraint_name("key", table, &unique.columns, d)),
            table: table.clone(),
            definition: Some(ConstraintSpec {
                foreign_key: None,
                unique: Some(UniqueSpec {
                    name: None,
                    columns: unique.columns.clone(),
                }),
                check: None,
            }),
        }),
        Op::AddForeignKey { table, fk } => {
            let f = fk_spec(fk);
            Operation::AddForeignKey(AddForeignKey {
                name: fk_name(table, fk, d),
                table: table.clone(),
                columns: f.columns,
                references: f.references,
                on_delete: f.on_delete,
                on_update: f.on_update,
            })
        }
        Op::DropForeignKey { table, fk } => Operation::DropConstraint(DropConstraint {
            name: fk_name(table, fk, d),
            table: table.clone(),
            definition: Some(ConstraintSpec {
                foreign_key: Some(fk_spec(fk)),
                unique: None,
                check: None,
            }),
        }),
        Op::AddCheck { table, check } => Operation::AddCheck(AddCheck {
            name: crate::render::check_name(check, table, d),
            table: table.clone(),
            expression: check.expression.clone(),
        }),
        Op::DropCheck { table, check } => Operation::DropConstraint(DropConstraint {
            name: crate::render::check_name(check, table, d),
            table: table.clone(),
            definition: Some(ConstraintSpec {
                foreign_key: None,
                unique: None,
                check: Some(CheckSpec {
                    name: None,
                    expression: check.expression.clone(),
                }),
            }),
        }),
        Op::SetPrimaryKey { .. }
        | Op::SetTableComment { .. }
        | Op::SetTableOptions { .. }
        | Op::SetStorage { .. }
        | Op::Enum { .. }
        | Op::Domain { .. }
        | Op::Sequence { .. }
        | Op::AddExclusion { .. }
        | Op::DropExclusion { .. }
        | Op::Extension { .. }
        | Op::View { .. }
        | Op::Trigger { .. }
        | Op::Function { .. } => return unsupported(),
    })
}

fn fk_name(table: &str, fk: &ForeignKey, d: Dialect) -> String {
    fk.name
        .clone()
        .unwrap_or_else(|| constraint_name("fkey", table, &fk.columns, d))
}

/// The portable word for a type, or a one-dialect map for any other.
fn ty(t: &Type, d: Dialect) -> TypeSpec {
    let n = |v: &Option<u32>| v.map(|n| format!("({n})")).unwrap_or_default();
    let word = match t {
        Type::SmallInt => "smallint".to_owned(),
        Type::Integer => "integer".to_owned(),
        Type::BigInt => "bigint".to_owned(),
        Type::Boolean => "boolean".to_owned(),
        Type::Text => "text".to_owned(),
        Type::Varchar(l) => format!("varchar{}", n(l)),
        Type::Char(l) => format!("char{}", n(l)),
        Type::Numeric(Some(p), Some(s)) => format!("numeric({p},{s})"),
        Type::Numeric(p, _) => format!("numeric{}", n(p)),
        Type::Real => "real".to_owned(),
        Type::Double => "double".to_owned(),
        Type::Date => "date".to_owned(),
        Type::Time(p) => with_precision("time", *p),
        Type::Timestamp(p) => with_precision("timestamp", *p),
        Type::TimestampTz(p) => with_precision("timestamptz", *p),
        Type::Json => "json".to_owned(),
        Type::Uuid => "uuid".to_owned(),
        Type::Bytes => "bytes".to_owned(),
        Type::Other(raw) => {
            return TypeSpec::PerDialect(
                [(super::render::dialect_key(d).to_owned(), raw.clone())].into(),
            )
        }
    };
    TypeSpec::Portable(word)
}

/// A normalised default as a literal (`'x'`, a number, a boolean) or SQL.
fn default(d: &Option<String>) -> (Option<Value>, Option<String>) {
    let Some(d) = d else {
        return (None, None);
    };
    if let Some(inner) = d.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        if !inner.replace("''", "").contains('\'') {
            return (Some(Value::String(inner.replace("''", "'"))), None);
        }
    }
    match d.as_str() {
        "true" => return (Some(Value::Bool(true)), None),
        "false" => return (Some(Value::Bool(false)), None),
        _ => {}
    }
    if let Ok(n) = serde_yaml::from_str::<serde_yaml::Number>(d) {
        if n.to_string() == *d {
            return (Some(Value::Number(n)), None);
        }
    }
    (None, Some(d.clone()))
}

fn column_spec(c: &Column, d: Dialect, primary_key: bool) -> ColumnSpec {
    let (default, default_sql) = default(&c.default);
    ColumnSpec {
        name: c.name.clone(),
        ty: ty(&c.ty, d),
        nullable: Some(c.nullable),
        default,
        default_sql,
        primary_key,
        autoincrement: c.identity,
        comment: c.comment.clone(),
    }
}

fn state(c: &Column, d: Dialect) -> ColumnState {
    let (default, default_sql) = default(&c.default);
    ColumnState {
        ty: Some(ty(&c.ty, d)),
        nullable: Some(c.nullable),
        default,
        default_sql,
        autoincrement: c.identity,
    }
}

fn action(a: Action) -> Option<String> {
    match a {
        Action::NoAction => None,
        Action::Restrict => Some("restrict".into()),
        Action::Cascade => Some("cascade".into()),
        Action::SetNull => Some("set_null".into()),
        Action::SetDefault => Some("set_default".into()),
    }
}

fn fk_spec(f: &ForeignKey) -> ForeignKeySpec {
    ForeignKeySpec {
        name: f.name.clone(),
        columns: f.columns.clone(),
        references: References {
            table: f.ref_table.clone(),
            columns: f.ref_columns.clone(),
        },
        on_delete: action(f.on_delete),
        on_update: action(f.on_update),
    }
}

fn table(t: &Table, d: Dialect) -> TableSpec {
    let single_key = t.primary_key.len() == 1;
    TableSpec {
        name: None,
        columns: t
            .columns
            .iter()
            .map(|c| column_spec(c, d, single_key && t.primary_key[0] == c.name))
            .collect(),
        primary_key: (t.primary_key.len() > 1).then(|| t.primary_key.clone()),
        unique: t
            .uniques
            .iter()
            .map(|u| UniqueSpec {
                name: u.name.clone(),
                columns: u.columns.clone(),
            })
            .collect(),
        foreign_keys: t.foreign_keys.iter().map(fk_spec).collect(),
        checks: t
            .checks
            .iter()
            .map(|c| CheckSpec {
                name: c.name.clone(),
                expression: c.expression.clone(),
            })
            .collect(),
        indexes: t
            .indexes
            .iter()
            .map(|i| IndexSpec {
                name: Some(i.name.clone()),
                columns: i.columns.clone(),
                unique: i.unique,
                predicate: i.predicate.clone(),
            })
            .collect(),
        comment: t.comment.clone(),
    }
}

/// `name` or `name(p)`.
fn with_precision(name: &str, p: Option<u32>) -> String {
    p.map_or_else(|| name.to_owned(), |p| format!("{name}({p})"))
}
