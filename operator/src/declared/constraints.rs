//! Keys, foreign keys and checks as declared, inline or as table
//! constraints, with what PostgreSQL adds to them: `DEFERRABLE`,
//! `INITIALLY DEFERRED`, `NOT VALID`, a named primary key. What the model
//! lacks (`NOT ENFORCED`, `MATCH FULL`, a deferrable key) is refused. Pure.

use super::indexes::{index, index_column, key_columns};
use super::{ident, object};
use crate::dialect::Dialect;
use crate::schema::{Action, Check, ForeignKey, Index, Table, Unique};
use sqlparser::ast::{
    ConstraintCharacteristics, ConstraintReferenceMatchKind, DeferrableInitial,
    ForeignKeyConstraint, Ident, ReferentialAction, TableConstraint,
};

/// Table constraint `c` into `t`; `not_valid` when it was added `NOT
/// VALID` (PostgreSQL's `ALTER TABLE ... ADD CONSTRAINT ... NOT VALID`).
pub(super) fn add_constraint(
    t: &mut Table,
    c: &TableConstraint,
    not_valid: bool,
    dialect: Dialect,
) -> Result<(), String> {
    let name = |n: &Option<Ident>| n.as_ref().map(|n| ident(n, dialect));
    match c {
        TableConstraint::PrimaryKey(pk) => {
            (t.primary_key_deferrable, t.primary_key_initially_deferred) =
                key_deferral(&pk.characteristics, &t.name, dialect)?;
            t.primary_key_name = name(&pk.name);
            t.primary_key = pk
                .columns
                .iter()
                .map(|c| index_column(c, dialect))
                .collect();
        }
        // MySQL's `UNIQUE KEY u (a)` names the index, which is the
        // constraint's name there.
        // One with a prefix length or an order is a unique index there.
        TableConstraint::Unique(u) => {
            let (deferrable, initially_deferred) =
                key_deferral(&u.characteristics, &t.name, dialect)?;
            let named = name(&u.name).or_else(|| name(&u.index_name));
            match key_columns(&u.columns, &t.name, dialect) {
                Ok(columns) => t.uniques.push(Unique {
                    name: named,
                    columns,
                    deferrable,
                    initially_deferred,
                }),
                Err(_) if !dialect.sql().folds_unquoted() => {
                    let i = index(String::new(), &u.columns, true, None, dialect);
                    let name = named.unwrap_or_else(|| i.columns[0].clone());
                    t.indexes.push(Index { name, ..i });
                }
                Err(e) => return Err(e),
            }
        }
        // MySQL's inline `KEY`/`INDEX`: an index of the table, named after
        // its first column when unnamed (as MySQL names it).
        TableConstraint::Index(ix) => {
            let method = ix.index_type.as_ref().map(|m| m.to_string().to_lowercase());
            let i = index(String::new(), &ix.columns, false, method, dialect);
            let name = name(&ix.name).unwrap_or_else(|| i.columns[0].clone());
            t.indexes.push(Index { name, ..i });
        }
        // MySQL's `FULLTEXT KEY`/`SPATIAL KEY`: an index whose method is
        // the kind.
        TableConstraint::FulltextOrSpatial(fs) => {
            let kind = if fs.fulltext { "fulltext" } else { "spatial" };
            let i = index(
                String::new(),
                &fs.columns,
                false,
                Some(kind.into()),
                dialect,
            );
            let name = name(&fs.opt_index_name).unwrap_or_else(|| i.columns[0].clone());
            t.indexes.push(Index { name, ..i });
        }
        TableConstraint::ForeignKey(fk) => t.foreign_keys.push(ForeignKey {
            not_valid,
            ..foreign_key(
                name(&fk.name),
                fk.columns.iter().map(|c| ident(c, dialect)).collect(),
                fk,
                dialect,
            )?
        }),
        TableConstraint::Check(ch) => {
            if ch.enforced == Some(false) {
                return Err(format!(
                    "table {}: check `{}` is NOT ENFORCED, which Revisor's model does not hold",
                    t.name, ch.expr
                ));
            }
            t.checks.push(Check {
                name: name(&ch.name),
                expression: ch.expr.to_string(),
                not_valid,
            })
        }
        TableConstraint::Exclude(x) if dialect.sql().exclusion_constraints() => {
            t.exclusions.push(exclusion(x, &t.name, dialect)?)
        }
        other => {
            return Err(format!(
                "table {}: unsupported constraint `{other}`",
                t.name
            ))
        }
    }
    Ok(())
}

/// An exclusion constraint of `table`: its name (one must be given, as
/// pg_dump gives it) and what follows the name, as sqlparser prints it.
fn exclusion(
    x: &sqlparser::ast::ExcludeConstraint,
    table: &str,
    dialect: Dialect,
) -> Result<crate::schema::Exclusion, String> {
    let name = x.name.as_ref().map(|n| ident(n, dialect)).ok_or_else(|| {
        format!("table {table}: an exclusion constraint needs a name (CONSTRAINT name EXCLUDE ...)")
    })?;
    let mut unnamed = x.clone();
    unnamed.name = None;
    Ok(crate::schema::Exclusion {
        name,
        definition: unnamed.to_string(),
    })
}

/// An exclusion constraint as the catalog prints it
/// (`pg_get_constraintdef`), in the words the declared side uses: read
/// and printed by sqlparser. `None` when it does not read.
pub fn exclusion_definition(definition: &str, dialect: Dialect) -> Option<String> {
    let sql = format!("ALTER TABLE t ADD CONSTRAINT c {definition}");
    let parsed = dialect.sql().parse(&sql).ok()?;
    let Some(sqlparser::ast::Statement::AlterTable(at)) = parsed.first() else {
        return None;
    };
    at.operations.iter().find_map(|op| match op {
        sqlparser::ast::AlterTableOperation::AddConstraint {
            constraint: TableConstraint::Exclude(x),
            ..
        } => exclusion(x, "t", dialect).ok().map(|x| x.definition),
        _ => None,
    })
}

/// A foreign key on `columns` as `fk` declares it (inline or table-level).
pub(super) fn foreign_key(
    name: Option<String>,
    columns: Vec<String>,
    fk: &ForeignKeyConstraint,
    dialect: Dialect,
) -> Result<ForeignKey, String> {
    if let Some(m) = fk
        .match_kind
        .filter(|m| !matches!(m, ConstraintReferenceMatchKind::Simple))
    {
        return Err(format!(
            "foreign key ({}): `{m}` is not in Revisor's model (MATCH SIMPLE only)",
            columns.join(", ")
        ));
    }
    let (deferrable, initially_deferred) = deferral(&fk.characteristics)?;
    Ok(ForeignKey {
        name,
        columns,
        deferrable,
        initially_deferred,
        not_valid: false,
        ref_table: object(&fk.foreign_table, dialect)?,
        ref_columns: fk
            .referred_columns
            .iter()
            .map(|c| ident(c, dialect))
            .collect(),
        on_delete: action(fk.on_delete),
        on_update: action(fk.on_update),
    })
}

fn action(a: Option<ReferentialAction>) -> Action {
    match a {
        Some(ReferentialAction::Cascade) => Action::Cascade,
        Some(ReferentialAction::Restrict) => Action::Restrict,
        Some(ReferentialAction::SetNull) => Action::SetNull,
        Some(ReferentialAction::SetDefault) => Action::SetDefault,
        Some(ReferentialAction::NoAction) | None => Action::NoAction,
    }
}

/// `DEFERRABLE` and `INITIALLY DEFERRED` of a foreign key.
///
/// # Errors
/// `NOT ENFORCED`, which the model does not hold.
fn deferral(c: &Option<ConstraintCharacteristics>) -> Result<(bool, bool), String> {
    let Some(c) = c else {
        return Ok((false, false));
    };
    if c.enforced == Some(false) {
        return Err("a NOT ENFORCED constraint is not in Revisor's model".into());
    }
    let deferred = c.initially == Some(DeferrableInitial::Deferred);
    Ok((c.deferrable == Some(true) || deferred, deferred))
}

/// `DEFERRABLE` and `INITIALLY DEFERRED` of a primary key or unique
/// constraint of `table`.
///
/// # Errors
/// A deferrable one where the dialect has none (MySQL, SQLite), and
/// `NOT ENFORCED`.
pub(super) fn key_deferral(
    c: &Option<ConstraintCharacteristics>,
    table: &str,
    dialect: Dialect,
) -> Result<(bool, bool), String> {
    match deferral(c)? {
        (true, _) if !dialect.sql().deferrable_keys() => Err(format!(
            "table {table}: a DEFERRABLE primary key or unique constraint is PostgreSQL's"
        )),
        d => Ok(d),
    }
}
