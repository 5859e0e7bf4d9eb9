//! Statements for the schema's own types (PostgreSQL's enums and
//! domains). Pure.

use crate::dialect::Dialect;
use crate::schema::{Check, Domain, Schema};

/// An enum type's change: `CREATE TYPE`, `DROP TYPE`, `ADD VALUE` for each
/// label only added (at its place, `BEFORE` the next old label or `AFTER`
/// the one before it), or else PostgreSQL's recreation: the old type
/// renamed, the new one created, each column converted through text (its
/// default dropped and set again around it) and the old type dropped.
pub(super) fn enum_statements(
    name: &str,
    from: Option<&[String]>,
    to: Option<&[String]>,
    columns: &[(String, String, Option<String>)],
    dialect: Dialect,
) -> Vec<String> {
    let sql = dialect.sql();
    let q = sql.quote(name);
    let create = |labels: &[String]| {
        let labels: Vec<String> = labels.iter().map(|l| sql.string_literal(l)).collect();
        format!("CREATE TYPE {q} AS ENUM ({})", labels.join(", "))
    };
    let (from, to) = match (from, to) {
        (None, Some(to)) => return vec![create(to)],
        (Some(_), None) | (None, None) => return vec![format!("DROP TYPE {q}")],
        (Some(from), Some(to)) => (from, to),
    };
    if crate::diff::labels_only_added(from, to) {
        return to
            .iter()
            .enumerate()
            .filter(|(_, l)| !from.contains(l))
            .map(|(i, l)| {
                let place = match to[i + 1..].iter().find(|n| from.contains(n)) {
                    Some(next) => format!(" BEFORE {}", sql.string_literal(next)),
                    None => to[..i]
                        .last()
                        .map(|p| format!(" AFTER {}", sql.string_literal(p)))
                        .unwrap_or_default(),
                };
                format!("ALTER TYPE {q} ADD VALUE {}{place}", sql.string_literal(l))
            })
            .collect();
    }
    let old = sql.quote(&format!("{name}_old"));
    let mut v = vec![format!("ALTER TYPE {q} RENAME TO {old}"), create(to)];
    v.extend(convert(columns, &q, &format!("text::{q}"), dialect));
    v.push(format!("DROP TYPE {old}"));
    v
}

/// The statements that move `columns` (`(table, column, default)`) to the
/// recreated type `ty` (quoted), each value cast through `via`: the
/// default dropped and set again around the change.
fn convert(
    columns: &[(String, String, Option<String>)],
    ty: &str,
    via: &str,
    dialect: Dialect,
) -> Vec<String> {
    let sql = dialect.sql();
    let mut v = Vec::new();
    for (table, column, default) in columns {
        let alter = format!(
            "ALTER TABLE {} ALTER COLUMN {}",
            sql.quote(table),
            sql.quote(column)
        );
        if default.is_some() {
            v.push(format!("{alter} DROP DEFAULT"));
        }
        v.push(format!(
            "{alter} TYPE {ty} USING {}::{via}",
            sql.quote(column)
        ));
        if let Some(d) = default {
            v.push(format!("{alter} SET DEFAULT {d}"));
        }
    }
    v
}

/// A domain's check as a clause: `CONSTRAINT name CHECK (e)`, or `CHECK
/// (e)` when unnamed (the server names it `<domain>_check`).
fn check_clause(c: &Check, dialect: Dialect) -> String {
    let name = c
        .name
        .as_ref()
        .map(|n| format!("CONSTRAINT {} ", dialect.sql().quote(n)))
        .unwrap_or_default();
    format!("{name}CHECK ({})", c.expression)
}

fn create_domain(d: &Domain, dialect: Dialect) -> String {
    let sql = dialect.sql();
    let mut s = format!(
        "CREATE DOMAIN {} AS {}",
        sql.quote(&d.name),
        d.ty.sql(dialect)
    );
    if let Some(c) = &d.collation {
        s.push_str(&format!(" COLLATE {}", sql.quote_always(c)));
    }
    if d.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(x) = &d.default {
        s.push_str(&format!(" DEFAULT {x}"));
    }
    for c in &d.checks {
        s.push(' ');
        s.push_str(&check_clause(c, dialect));
    }
    s
}

/// A domain's change: `CREATE DOMAIN`, `DROP DOMAIN`, `ALTER DOMAIN` for a
/// default, `NOT NULL` or check, or, when the base type or collation
/// changes (which `ALTER DOMAIN` cannot do), the enum's recreation: the
/// old domain renamed, the new one created, each column converted, the old
/// one dropped. Checks go by the names `before` (the database's raw
/// schema) gives them.
pub(super) fn domain_statements(
    name: &str,
    from: Option<&Domain>,
    to: Option<&Domain>,
    columns: &[(String, String, Option<String>)],
    before: &Schema,
    dialect: Dialect,
) -> Vec<String> {
    let sql = dialect.sql();
    let q = sql.quote(name);
    let (from, to) = match (from, to) {
        (None, Some(to)) => return vec![create_domain(to, dialect)],
        (Some(_), None) | (None, None) => return vec![format!("DROP DOMAIN {q}")],
        (Some(from), Some(to)) => (from, to),
    };
    if from.ty != to.ty || from.collation != to.collation {
        let old = sql.quote(&format!("{name}_old"));
        let mut v = vec![
            format!("ALTER DOMAIN {q} RENAME TO {old}"),
            create_domain(to, dialect),
        ];
        v.extend(convert(columns, &q, &to.ty.sql(dialect), dialect));
        v.push(format!("DROP DOMAIN {old}"));
        return v;
    }
    let alter = format!("ALTER DOMAIN {q}");
    let mut v = Vec::new();
    for c in from
        .checks
        .iter()
        .filter(|c| !to.checks.iter().any(|x| x.key() == c.key()))
    {
        let real = before
            .domains
            .get(name)
            .and_then(|d| d.checks.iter().find(|x| x.key() == c.key()))
            .and_then(|x| x.name.clone());
        let check = real
            .or_else(|| c.name.clone())
            .unwrap_or_else(|| format!("{name}_check"));
        v.push(format!("{alter} DROP CONSTRAINT {}", sql.quote(&check)));
    }
    if from.default != to.default {
        v.push(match &to.default {
            Some(d) => format!("{alter} SET DEFAULT {d}"),
            None => format!("{alter} DROP DEFAULT"),
        });
    }
    if from.not_null != to.not_null {
        v.push(format!(
            "{alter} {} NOT NULL",
            if to.not_null { "SET" } else { "DROP" }
        ));
    }
    for c in to
        .checks
        .iter()
        .filter(|c| !from.checks.iter().any(|x| x.key() == c.key()))
    {
        v.push(format!("{alter} ADD {}", check_clause(c, dialect)));
    }
    v
}
