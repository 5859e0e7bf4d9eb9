//! The dialect-neutral schema model: tables, columns, keys, indexes,
//! foreign keys, checks and comments, normalised so that equivalent
//! spellings compare equal per dialect, with a stable SHA-256 fingerprint.
//! Pure.
//!
//! Both sides of a comparison arrive here: the declared schema
//! ([`crate::declared`], parsed with `sqlparser`) and a live database
//! (`db::introspect`). [`Schema::normalized`] brings either to one form:
//!
//! - identifiers: unquoted ones folded to lower case (PostgreSQL's rule);
//!   MySQL and SQLite compare names case-insensitively, so theirs are
//!   folded too;
//! - types: one vocabulary ([`Type`]); `int`/`integer`/`int4`/`int(11)`,
//!   `bool`/`boolean`/`tinyint(1)`, `varchar`/`character varying`, and so on
//!   ([`Type::parse`]), then per dialect what the server cannot keep apart
//!   (MySQL has no time-zone timestamp and no uuid);
//! - defaults: casts, outer parentheses and `NULL` dropped, `now()` and
//!   `current_timestamp()` read as `CURRENT_TIMESTAMP`, quoted numbers and
//!   booleans unquoted for numeric and boolean columns ([`normalize_default`]);
//! - constraint names the server would have chosen anyway (PostgreSQL's
//!   `t_pkey`, `t_a_key`, `t_a_fkey`, `t_a_check`; MySQL's `t_ibfk_1`)
//!   count as unnamed, since autogenerate compares constraints by content.

mod names;
mod types;

pub use names::NameCase;

pub use types::{normalize_default, normalize_expr, Type};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A schema: tables by (normalised) name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Tables, by name.
    pub tables: BTreeMap<String, Table>,
}

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// Name.
    pub name: String,
    /// Columns, in their order.
    pub columns: Vec<Column>,
    /// Primary key columns (empty: none).
    pub primary_key: Vec<String>,
    /// Unique constraints.
    pub uniques: Vec<Unique>,
    /// Indexes (other than those backing the primary key and unique constraints).
    pub indexes: Vec<Index>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    pub checks: Vec<Check>,
    /// Table comment, where the dialect has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Server default, normalised SQL (`None`: no default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Identity / auto-increment / serial.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identity: bool,
    /// Collation, where the dialect has them and one was set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Column comment, where the dialect has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL's `ON UPDATE` value (`CURRENT_TIMESTAMP`), normalised as a
    /// default is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<String>,
}

impl Column {
    /// A nullable column of `ty` with no default.
    pub fn new(name: &str, ty: Type) -> Column {
        Column {
            name: name.to_owned(),
            ty,
            nullable: true,
            default: None,
            identity: false,
            collation: None,
            comment: None,
            on_update: None,
        }
    }
}

impl Index {
    /// What makes two indexes the same: name, columns, uniqueness, and the
    /// predicate and expressions squashed by [`normalize_expr`] (servers
    /// rewrite them).
    pub fn key(&self) -> (String, Vec<String>, bool, Option<String>) {
        let cols = self
            .columns
            .iter()
            .map(|c| {
                if c.starts_with('(') {
                    normalize_expr(c)
                } else {
                    c.clone()
                }
            })
            .collect();
        (
            self.name.clone(),
            cols,
            self.unique,
            self.predicate.as_deref().map(normalize_expr),
        )
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    /// Name, when explicitly chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<String>,
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Name.
    pub name: String,
    /// Columns, or expressions in parentheses (kept as normalised text).
    pub columns: Vec<String>,
    /// Whether it is unique.
    pub unique: bool,
    /// Partial index predicate (PostgreSQL, SQLite), normalised text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate: Option<String>,
}

/// What a foreign key does on delete or update of the referenced row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `NO ACTION` (the default).
    #[default]
    NoAction,
    /// `RESTRICT`.
    Restrict,
    /// `CASCADE`.
    Cascade,
    /// `SET NULL`.
    SetNull,
    /// `SET DEFAULT`.
    SetDefault,
}

impl Action {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            Action::NoAction => "NO ACTION",
            Action::Restrict => "RESTRICT",
            Action::Cascade => "CASCADE",
            Action::SetNull => "SET NULL",
            Action::SetDefault => "SET DEFAULT",
        }
    }

    /// From the SQL words (any case), as catalogs report them.
    pub fn parse(s: &str) -> Action {
        match s.trim().to_ascii_uppercase().replace('_', " ").as_str() {
            "RESTRICT" => Action::Restrict,
            "CASCADE" => Action::Cascade,
            "SET NULL" => Action::SetNull,
            "SET DEFAULT" => Action::SetDefault,
            _ => Action::NoAction,
        }
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// Name, when explicitly chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// On delete.
    pub on_delete: Action,
    /// On update.
    pub on_update: Action,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Name, when explicitly chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The expression as written (rendered back as is).
    pub expression: String,
}

impl Check {
    /// The expression squashed for comparison (see [`normalize_expr`]).
    pub fn key(&self) -> String {
        normalize_expr(&self.expression)
    }
}

impl Schema {
    /// This schema with every name the server compares without regard to
    /// case (`case`) spelled as `source` spells it (see `schema/names.rs`).
    pub fn spelled_like(self, source: &Schema, case: NameCase) -> Schema {
        names::respell(source, self, case)
    }

    /// The tables whose names match none of `exclude` (globs, `*` and `?`).
    pub fn without(mut self, exclude: &[String]) -> Schema {
        self.tables
            .retain(|name, _| !exclude.iter().any(|g| glob_match(g, name)));
        self
    }
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// Whether `name` matches the shell glob `glob` (`*`, `?`, `[abc]`,
/// `[!a-z]`), as `--exclude` takes them (Alembic's `include_object`), by the
/// `glob` crate's rules; a pattern that is not a valid glob matches only
/// itself.
pub fn glob_match(glob: &str, name: &str) -> bool {
    glob::Pattern::new(glob).map_or(glob == name, |p| p.matches(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Dialect;

    fn users(dialect_default: &str, ty: Type) -> Schema {
        let mut t = Table {
            name: "users".into(),
            primary_key: vec!["id".into()],
            ..Table::default()
        };
        t.columns.push(Column::new("id", Type::Integer));
        let mut c = Column::new("created", ty);
        c.default = Some(dialect_default.into());
        t.columns.push(c);
        Schema {
            tables: [("users".to_owned(), t)].into(),
        }
    }

    #[test]
    fn equivalent_defaults_have_one_fingerprint() {
        let a = users("now()", Type::Timestamp(None));
        let b = users("CURRENT_TIMESTAMP", Type::Timestamp(None));
        let c = users("current_timestamp()", Type::Timestamp(None));
        for d in [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite] {
            assert_eq!(a.fingerprint(d), b.fingerprint(d));
            assert_eq!(a.fingerprint(d), c.fingerprint(d));
        }
        assert_ne!(
            a.fingerprint(Dialect::Postgres),
            users("CURRENT_DATE", Type::Timestamp(None)).fingerprint(Dialect::Postgres)
        );
    }

    #[test]
    fn server_chosen_constraint_names_count_as_unnamed() {
        let mut s = users("0", Type::Integer);
        let t = s.tables.get_mut("users").unwrap();
        t.uniques.push(Unique {
            name: Some("users_created_key".into()),
            columns: vec!["created".into()],
        });
        let n = s.normalized(Dialect::Postgres);
        assert_eq!(n.tables["users"].uniques[0].name, None);
        let mut named = s.clone();
        named.tables.get_mut("users").unwrap().uniques[0].name = Some("uq_created".into());
        assert_eq!(
            named.normalized(Dialect::Postgres).tables["users"].uniques[0]
                .name
                .as_deref(),
            Some("uq_created")
        );
    }

    #[test]
    fn globs_match_like_shells() {
        assert!(glob_match("tmp_*", "tmp_x"));
        assert!(glob_match("*_audit", "orders_audit"));
        assert!(glob_match("t?", "t1"));
        assert!(!glob_match("tmp_*", "users"));
        // Character classes are classes, not literal brackets.
        assert!(glob_match("a[d]*", "ad_log") && !glob_match("a[d]*", "a[d]x"));
        assert!(glob_match("[!u]*", "orders") && !glob_match("[!u]*", "users"));
    }
}
