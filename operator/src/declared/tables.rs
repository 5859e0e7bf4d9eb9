//! `CREATE TABLE` in a declared schema: columns, inline and table
//! constraints, table options, and PostgreSQL's partitioning
//! (`partitions`). Pure.

use super::constraints::{self, add_constraint, foreign_key};
use super::{ident, object, partitions, sequences};
use crate::dialect::Dialect;
use crate::schema::{
    Check, Column, IdentityKind, Schema, Storage, Table, TableOptions, Type, Unique,
};
use sqlparser::ast::{ColumnOption, CreateTable, DataType, GeneratedAs};

/// Clauses of CREATE TABLE that change what the table is, which the model
/// cannot hold yet: refused, never dropped (SPEC: "nothing is dropped
/// silently").
fn unmodelled_clause(ct: &CreateTable, dialect: Dialect) -> Option<&'static str> {
    let other = !dialect.sql().partitioned_tables();
    [
        (ct.unlogged && other, "UNLOGGED"),
        (ct.temporary, "TEMPORARY"),
        (ct.partition_by.is_some() && other, "PARTITION BY"),
        (ct.partition_of.is_some() && other, "PARTITION OF"),
        (ct.inherits.is_some(), "INHERITS"),
        (ct.like.is_some(), "LIKE"),
        (ct.query.is_some(), "AS SELECT"),
    ]
    .into_iter()
    .find_map(|(present, clause)| present.then_some(clause))
}

/// The table's comment (MySQL's `COMMENT='...'`, which its catalog keeps
/// as the table's comment), its engine, character set and collation
/// (compared), and the other options as written (`ROW_FORMAT=DYNAMIC`),
/// which are not compared but noted. `AUTO_INCREMENT=n` is the counter's
/// state, not the schema's: left out.
fn table_options(ct: &CreateTable) -> (Option<String>, TableOptions, Vec<String>) {
    use sqlparser::ast::{CommentDef, CreateTableOptions, SqlOption};
    let text = |c: &CommentDef| match c {
        CommentDef::WithEq(s) | CommentDef::WithoutEq(s) => s.clone(),
    };
    let mut comment = ct.comment.as_ref().map(text);
    let mut others = Vec::new();
    let options = match &ct.table_options {
        CreateTableOptions::None => &[][..],
        CreateTableOptions::With(o)
        | CreateTableOptions::Options(o)
        | CreateTableOptions::Plain(o)
        | CreateTableOptions::TableProperties(o) => o,
    };
    let mut kept = TableOptions::default();
    let value = |e: &sqlparser::ast::Expr| e.to_string().trim_matches(['\'', '"', '`']).to_owned();
    for o in options {
        match o {
            SqlOption::Comment(c) => comment = Some(text(c)),
            SqlOption::NamedParenthesizedList(l) if l.key.value.eq_ignore_ascii_case("ENGINE") => {
                kept.engine = l.name.as_ref().map(|n| n.value.clone());
            }
            SqlOption::KeyValue { key, value: v } => {
                match key.to_string().to_uppercase().as_str() {
                    "DEFAULT CHARSET" | "CHARSET" | "DEFAULT CHARACTER SET" | "CHARACTER SET" => {
                        kept.charset = Some(value(v));
                    }
                    "COLLATE" | "DEFAULT COLLATE" => kept.collation = Some(value(v)),
                    "AUTO_INCREMENT" => {}
                    _ => others.push(o.to_string()),
                }
            }
            other => others.push(other.to_string()),
        }
    }
    (comment, kept, others)
}

pub(super) fn create_table(
    schema: &mut Schema,
    ct: &CreateTable,
    dialect: Dialect,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let name = object(&ct.name, dialect)?;
    if schema.tables.contains_key(&name) {
        return Err(format!("table {name} is declared twice"));
    }
    if let Some(clause) = unmodelled_clause(ct, dialect) {
        return Err(format!(
            "table {name}: `{clause}` is not in Revisor's model yet; the table cannot be declared with it (and without it would mean another table)"
        ));
    }
    let (comment, options, others) = table_options(ct);
    if !others.is_empty() {
        notes.push(format!(
            "table {name}: table options not compared: {}",
            others.join(", ")
        ));
    }
    let mut t = Table {
        name: name.clone(),
        comment,
        options,
        storage: Storage {
            partition_by: ct.partition_by.as_deref().map(partitions::partition_key),
            partition_of: None,
            unlogged: ct.unlogged,
        },
        ..Table::default()
    };
    partitions::partition_of(schema, &mut t, ct, dialect)?;
    for cd in ct.columns.iter().filter(|_| ct.partition_of.is_none()) {
        let cname = ident(&cd.name, dialect);
        // A type of the schema itself (an enum) may be written qualified,
        // as pg_dump writes it (`public.mpaa_rating`); the model holds one
        // schema, so the name alone.
        let raw_type = match &cd.data_type {
            DataType::Custom(n, args) if n.0.len() > 1 && args.is_empty() => {
                n.0.last()
                    .map_or_else(|| cd.data_type.to_string(), |p| p.to_string())
            }
            other => other.to_string(),
        };
        let mut col = Column::new(&cname, dialect.sql().read_type(&raw_type));
        col.identity = Type::is_serial(&raw_type);
        col.identity_kind = col.identity.then_some(IdentityKind::Serial);
        for opt in &cd.options {
            let constraint_name = opt.name.as_ref().map(|n| ident(n, dialect));
            match &opt.option {
                ColumnOption::Null => col.nullable = true,
                ColumnOption::NotNull => col.nullable = false,
                ColumnOption::Default(e) => col.default = Some(e.to_string()),
                ColumnOption::PrimaryKey(pk) => {
                    (t.primary_key_deferrable, t.primary_key_initially_deferred) =
                        constraints::key_deferral(&pk.characteristics, &name, dialect)?;
                    t.primary_key = vec![cname.clone()];
                    t.primary_key_name =
                        constraint_name.or_else(|| pk.name.as_ref().map(|n| ident(n, dialect)));
                    col.nullable = false;
                }
                ColumnOption::Unique(u) => {
                    let (deferrable, initially_deferred) =
                        constraints::key_deferral(&u.characteristics, &name, dialect)?;
                    t.uniques.push(Unique {
                        name: constraint_name,
                        columns: vec![cname.clone()],
                        deferrable,
                        initially_deferred,
                    })
                }
                ColumnOption::ForeignKey(fk) => t.foreign_keys.push(foreign_key(
                    constraint_name,
                    vec![cname.clone()],
                    fk,
                    dialect,
                )?),
                ColumnOption::Check(c) => t.checks.push(Check {
                    name: constraint_name.or_else(|| c.name.as_ref().map(|n| ident(n, dialect))),
                    expression: c.expr.to_string(),
                    not_valid: false,
                }),
                // By its name as the catalog keeps it: `COLLATE "C"` and
                // `COLLATE pg_catalog."C"` are the catalog's `C`.
                ColumnOption::Collation(c) => col.collation = Some(object(c, dialect)?),
                // MySQL: a collation implies its character set, and the
                // model holds the collation; mysqldump writes both.
                ColumnOption::CharacterSet(cs) => {
                    let collated = cd
                        .options
                        .iter()
                        .any(|o| matches!(o.option, ColumnOption::Collation(_)));
                    if !collated {
                        return Err(format!(
                            "column {name}.{cname}: CHARACTER SET {cs} without COLLATE: name the collation too (as mysqldump writes it), which the column's character set follows"
                        ));
                    }
                }
                ColumnOption::Comment(c) => col.comment = Some(c.clone()),
                ColumnOption::OnUpdate(e) => col.on_update = Some(e.to_string()),
                ColumnOption::Generated {
                    generated_as: ga @ (GeneratedAs::Always | GeneratedAs::ByDefault),
                    generation_expr: None,
                    sequence_options,
                    ..
                } => {
                    sequences::check_options(
                        &crate::schema::sequence_name(&name, &cname),
                        sequence_options.as_deref().unwrap_or_default(),
                    )?;
                    col.identity = true;
                    col.identity_kind =
                        matches!(ga, GeneratedAs::Always).then_some(IdentityKind::Always);
                }
                ColumnOption::DialectSpecific(tokens)
                    if tokens.iter().any(|t| {
                        let w = t.to_string().to_uppercase();
                        w == "AUTO_INCREMENT" || w == "AUTOINCREMENT"
                    }) =>
                {
                    col.identity = true
                }
                other => {
                    return Err(format!(
                        "column {name}.{cname}: unsupported column option `{other}`"
                    ))
                }
            }
        }
        t.columns.push(col);
    }
    for c in &ct.constraints {
        add_constraint(&mut t, c, false, dialect)?;
    }
    for pk in t.primary_key.clone() {
        if let Some(c) = t.columns.iter_mut().find(|c| c.name == pk) {
            c.nullable = false;
        }
    }
    schema.tables.insert(name, t);
    Ok(())
}
