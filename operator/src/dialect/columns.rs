//! Column pieces shared by the dialects: a column's definition, the
//! statements that change one, and the standard type names. The provided
//! [`SqlDialect`] methods call these; an impl overrides the method where
//! its dialect differs (MySQL restates a column with `MODIFY COLUMN`,
//! SQLite rebuilds the table). Pure.

use super::ddl::SqlDialect;
use crate::schema::{sequence_name, Column, IdentityKind, Type};

/// A column's definition in `CREATE TABLE` / `ADD COLUMN`. A serial
/// identity column is written with its serial type (`serial`), which
/// brings its sequence and default; other identity columns with the
/// dialect's identity clause.
pub(super) fn column_def<D: SqlDialect + ?Sized>(d: &D, c: &Column, inline_key: bool) -> String {
    let serial = c
        .identity_kind
        .filter(|k| c.identity && *k == IdentityKind::Serial)
        .and_then(|_| d.serial_type(&c.ty));
    let ty = serial.map_or_else(|| c.ty.sql(d.dialect()), str::to_owned);
    let mut s = format!("{} {ty}", d.quote(&c.name));
    // A collation by its catalog name, quoted where the name needs it
    // (PostgreSQL's `"C"`; MySQL takes `utf8mb4_bin` bare).
    if let (Some(coll), true) = (&c.collation, d.column_collation()) {
        s.push_str(&format!(" COLLATE {}", d.quote(coll)));
    }
    if inline_key {
        s.push_str(" PRIMARY KEY");
    }
    if c.identity && serial.is_none() {
        s.push_str(d.identity_clause(c.identity_kind));
    }
    if !c.nullable && !inline_key {
        s.push_str(" NOT NULL");
    }
    if let Some(x) = &c.default {
        s.push_str(&format!(" DEFAULT {}", d.default_clause(x)));
    }
    if let Some(u) = &c.on_update {
        s.push_str(&format!(" ON UPDATE {u}"));
    }
    if let (Some(comment), true) = (&c.comment, d.inline_column_comment()) {
        s.push_str(&format!(" COMMENT {}", d.string_literal(comment)));
    }
    s
}

/// The statements that end column `c`'s identity of `kind` (a serial's
/// default and sequence, or the identity).
fn drop_identity<D: SqlDialect + ?Sized>(
    d: &D,
    table: &str,
    c: &Column,
    kind: Option<IdentityKind>,
) -> Vec<String> {
    let alter = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        d.quote(table),
        d.quote(&c.name)
    );
    if kind == Some(IdentityKind::Serial) {
        vec![
            format!("{alter} DROP DEFAULT"),
            format!("DROP SEQUENCE {}", d.quote(&sequence_name(table, &c.name))),
        ]
    } else {
        vec![format!("{alter} DROP IDENTITY")]
    }
}

/// The statements that make column `c` an identity of `kind`. A serial
/// is what `serial` itself does: its sequence, owned by the column, then
/// the default.
fn add_identity<D: SqlDialect + ?Sized>(
    d: &D,
    table: &str,
    c: &Column,
    kind: Option<IdentityKind>,
) -> Vec<String> {
    let (t, col) = (d.quote(table), d.quote(&c.name));
    let alter = format!("ALTER TABLE {t} ALTER COLUMN {col}");
    // The rows already there keep their values: the sequence goes on after
    // the largest of them (a new one would start at 1 and collide).
    let go_on =
        |seq: String| format!("SELECT setval({seq}, COALESCE(MAX({col}), 0) + 1, false) FROM {t}");
    match kind {
        Some(IdentityKind::Serial) => {
            let seq = d.quote(&sequence_name(table, &c.name));
            vec![
                format!(
                    "CREATE SEQUENCE {seq} AS {} OWNED BY {t}.{col}",
                    c.ty.sql(d.dialect())
                ),
                format!("{alter} SET DEFAULT nextval({})", d.string_literal(&seq)),
                go_on(d.string_literal(&seq)),
            ]
        }
        Some(IdentityKind::Always) | None => vec![
            format!(
                "{alter} ADD GENERATED {} AS IDENTITY",
                if kind.is_some() {
                    "ALWAYS"
                } else {
                    "BY DEFAULT"
                }
            ),
            go_on(format!(
                "pg_get_serial_sequence({}, {})",
                d.string_literal(&t),
                d.string_literal(&c.name)
            )),
        ],
    }
}

/// Changes column `from` of `table` into `to` (type, default,
/// nullability, identity and its kind, comment), one statement per
/// change.
pub(super) fn alter_column<D: SqlDialect + ?Sized>(
    d: &D,
    table: &str,
    from: &Column,
    to: &Column,
) -> Vec<String> {
    let alter = format!("ALTER TABLE {}", d.quote(table));
    let col = d.quote(&to.name);
    let mut v = Vec::new();
    let kind = |c: &Column| c.identity.then_some(c.identity_kind);
    let (was, will) = (kind(from), kind(to));
    // Between the two identity forms, one clause; a serial's sequence is
    // another object, so to or from serial the old form goes first.
    let switch = was.is_some()
        && will.is_some()
        && was != will
        && !was
            .into_iter()
            .chain(will)
            .flatten()
            .any(|k| k == IdentityKind::Serial);
    if switch {
        v.push(format!(
            "{alter} ALTER COLUMN {col} SET GENERATED {}",
            if will == Some(Some(IdentityKind::Always)) {
                "ALWAYS"
            } else {
                "BY DEFAULT"
            }
        ));
    } else if let (Some(k), true) = (was, was != will) {
        v.extend(drop_identity(d, table, from, k));
    }
    if from.ty != to.ty || from.collation != to.collation {
        let coll = to
            .collation
            .as_ref()
            .map(|c| format!(" COLLATE {}", d.quote(c)))
            .unwrap_or_default();
        v.push(format!(
            "{alter} ALTER COLUMN {col} TYPE {ty}{coll} USING {col}::{ty}",
            ty = to.ty.sql(d.dialect())
        ));
    }
    if from.default != to.default {
        v.push(match &to.default {
            Some(x) => format!("{alter} ALTER COLUMN {col} SET DEFAULT {x}"),
            None => format!("{alter} ALTER COLUMN {col} DROP DEFAULT"),
        });
    }
    if from.nullable != to.nullable {
        v.push(format!(
            "{alter} ALTER COLUMN {col} {} NOT NULL",
            if to.nullable { "DROP" } else { "SET" }
        ));
    }
    if let (Some(k), false) = (will, switch || was == will) {
        v.extend(add_identity(d, table, to, k));
    }
    if from.comment != to.comment {
        v.push(format!(
            "COMMENT ON COLUMN {}.{col} IS {}",
            d.quote(table),
            to.comment
                .as_deref()
                .map_or("NULL".to_owned(), |c| d.string_literal(c))
        ));
    }
    v
}

/// Standard SQL's name of each type, as PostgreSQL and SQLite mostly write
/// it: the provided [`SqlDialect::type_name`], and the rest of an
/// override's.
pub(super) fn standard_type_name(ty: &Type) -> String {
    let n = |v: &Option<u32>| v.map(|n| format!("({n})")).unwrap_or_default();
    match ty {
        Type::SmallInt => "SMALLINT".into(),
        Type::Integer => "INTEGER".into(),
        Type::BigInt => "BIGINT".into(),
        Type::Boolean => "BOOLEAN".into(),
        Type::Text => "TEXT".into(),
        Type::Varchar(l) => format!("VARCHAR{}", n(l)),
        Type::Char(l) => format!("CHAR{}", n(l)),
        Type::Numeric(p, s) => match (p, s) {
            (Some(p), Some(s)) => format!("NUMERIC({p}, {s})"),
            (Some(p), None) => format!("NUMERIC({p})"),
            _ => "NUMERIC".into(),
        },
        Type::Real => "REAL".into(),
        Type::Double => "DOUBLE".into(),
        Type::Date => "DATE".into(),
        Type::Time(p) => precision("TIME", *p),
        Type::Timestamp(p) => precision("TIMESTAMP", *p),
        Type::TimestampTz(p) => precision("TIMESTAMPTZ", *p),
        Type::Json => "JSON".into(),
        Type::Uuid => "UUID".into(),
        Type::Bytes => "BLOB".into(),
        Type::Other(s) => upper_outside_quotes(s),
    }
}

/// `s` upper-cased except inside single quotes (ENUM/SET labels).
fn upper_outside_quotes(s: &str) -> String {
    let mut quoted = false;
    s.chars()
        .flat_map(|c| {
            if c == '\'' {
                quoted = !quoted;
            }
            let keep = quoted || c == '\'';
            let upper: Vec<char> = if keep {
                vec![c]
            } else {
                c.to_uppercase().collect()
            };
            upper
        })
        .collect()
}

/// `NAME` or `NAME(p)`: a time type with its fractional-second precision.
pub(super) fn precision(name: &str, p: Option<u32>) -> String {
    p.map_or_else(|| name.to_owned(), |p| format!("{name}({p})"))
}
