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
mod objects;
mod sequences;
mod types;
mod versions;

pub use versions::MODEL_VERSION;

pub use names::NameCase;

pub use objects::{signature, Function, Trigger, View};

pub use types::{normalize_default, normalize_expr, Type};

/// The name PostgreSQL gives a serial or identity column's sequence,
/// `<table>_<column>_seq`: the only name the model holds (a dump that
/// names it otherwise is refused by `declared`).
pub fn sequence_name(table: &str, column: &str) -> String {
    format!("{table}_{column}_seq")
}

pub use sequences::{sequence_type, Sequence, SequenceOptions};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A schema: tables by (normalised) name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Tables, by name.
    pub tables: BTreeMap<String, Table>,
    /// Enum types (PostgreSQL's `CREATE TYPE ... AS ENUM`), by name: their
    /// labels in order. Empty in dialects whose enums are column types
    /// (MySQL's `ENUM(...)` is a [`Type::Other`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub enums: BTreeMap<String, Vec<String>>,
    /// Extensions installed in the schema (PostgreSQL's `CREATE
    /// EXTENSION`), by name; their versions are not compared (`ALTER
    /// EXTENSION ... UPDATE` is the extension's own business).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub extensions: BTreeSet<String>,
    /// Domains (PostgreSQL's `CREATE DOMAIN`), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub domains: BTreeMap<String, Domain>,
    /// Standalone sequences (PostgreSQL's, no column's own), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sequences: BTreeMap<String, Sequence>,
    /// Views (and PostgreSQL's materialized views), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub views: BTreeMap<String, View>,
    /// Triggers, by [`Trigger::key`] (table and name: PostgreSQL scopes a
    /// trigger's name to its table, and a real schema gives fourteen tables
    /// one `last_updated` trigger).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub triggers: BTreeMap<String, Trigger>,
    /// Functions, procedures and aggregates, by [`Function::key`] (name
    /// and argument types: overloads are apart).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, Function>,
}

/// A domain: a base type with a default, `NOT NULL` and checks of its own
/// (PostgreSQL). A column of the domain has [`Type::Other`] of its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// Name.
    pub name: String,
    /// The base type.
    #[serde(rename = "type")]
    pub ty: Type,
    /// `NOT NULL`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_null: bool,
    /// Default, as a column's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Collation, when one was set (without its schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    /// Checks on `VALUE`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
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
    /// The primary key's name, when it is not the one the server would
    /// choose (PostgreSQL's `<table>_pkey`; MySQL's is always `PRIMARY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key_name: Option<String>,
    /// The primary key is `DEFERRABLE` (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary_key_deferrable: bool,
    /// The primary key is `INITIALLY DEFERRED` (with `DEFERRABLE`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary_key_initially_deferred: bool,
    /// Unique constraints.
    pub uniques: Vec<Unique>,
    /// Indexes (other than those backing the primary key and unique constraints).
    pub indexes: Vec<Index>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Check constraints.
    pub checks: Vec<Check>,
    /// Exclusion constraints (PostgreSQL).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// Table comment, where the dialect has them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// MySQL's storage engine and default character set and collation.
    #[serde(default, skip_serializing_if = "TableOptions::is_empty")]
    pub options: TableOptions,
    /// PostgreSQL's partitioning and persistence: `PARTITION BY`,
    /// `PARTITION OF` and `UNLOGGED`.
    #[serde(default, skip_serializing_if = "Storage::is_plain")]
    pub storage: Storage,
}

/// How a PostgreSQL table is laid out: partitioned by a key, a partition
/// of another table, unlogged (the plain heap table: all empty).
///
/// A partition's columns are its parent's (PostgreSQL keeps them equal);
/// the model holds them, as pg_dump writes them, but a partition holds
/// only its *own* keys, unique and check constraints, foreign keys and
/// indexes: those it has from its parent (the catalog's `conparentid`,
/// `coninhcount`, attached indexes) are the parent's, created with it by
/// PostgreSQL. Changing a partition key cannot be done in place: the
/// table and its partitions are dropped and created (SPEC: partitioned
/// tables).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    /// `PARTITION BY` as the catalog prints it (`pg_get_partkeydef`):
    /// the method in capitals and the key in parentheses,
    /// `RANGE (created_at)`, `LIST (region)`, `HASH (id)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// The table is a partition: of which table, for which values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<PartitionOf>,
    /// `UNLOGGED`: not written to the WAL (emptied after a crash).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unlogged: bool,
}

impl Storage {
    /// Whether this is a plain table: not partitioned, no partition,
    /// logged.
    pub fn is_plain(&self) -> bool {
        *self == Storage::default()
    }
}

/// Where a partition belongs: its partitioned table and its bound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOf {
    /// The partitioned table (in the same schema).
    pub parent: String,
    /// The bound as the catalog prints it (`pg_get_expr(relpartbound)`):
    /// `FOR VALUES FROM ('2022-01-01') TO ('2022-02-01')`, `FOR VALUES
    /// IN ('a', 'b')`, `FOR VALUES WITH (modulus 4, remainder 0)` or
    /// `DEFAULT`. Range bounds of time types are printed by the server in
    /// its session's time zone, so a declared one compares in the
    /// server's words through the dev database.
    pub bound: String,
}

/// The table options that change what a MySQL table is: its storage
/// engine and its default character set and collation. Each is compared
/// only where the declared schema states it (`None`: the server's
/// default, whatever it is).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableOptions {
    /// `ENGINE=...`, lower case (`innodb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// `DEFAULT CHARSET=...`, lower case (`utf8` is `utf8mb3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub charset: Option<String>,
    /// `COLLATE=...`, lower case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

impl TableOptions {
    /// Whether no option is stated.
    pub fn is_empty(&self) -> bool {
        *self == TableOptions::default()
    }

    /// Whether `live` has every option this (declared) one states.
    pub fn satisfied_by(&self, live: &TableOptions) -> bool {
        let ok = |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
        ok(&self.engine, &live.engine)
            && ok(&self.charset, &live.charset)
            && ok(&self.collation, &live.collation)
    }
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
    /// Identity / auto-increment / serial: the database makes the values.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identity: bool,
    /// How an identity column makes its values, where that is not the
    /// dialect's one form (`None`: PostgreSQL's `GENERATED BY DEFAULT AS
    /// IDENTITY`, MySQL's `AUTO_INCREMENT`, SQLite's rowid). PostgreSQL
    /// only; `None` whenever `identity` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_kind: Option<IdentityKind>,
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
            identity_kind: None,
            collation: None,
            comment: None,
            on_update: None,
        }
    }
}

/// PostgreSQL's other two forms of identity column (the default form is
/// `GENERATED BY DEFAULT AS IDENTITY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// `serial` (`smallserial`, `bigserial`): a sequence named
    /// `<table>_<column>_seq`, owned by the column, and `DEFAULT
    /// nextval(...)`, as pg_dump writes it in three statements.
    Serial,
    /// `GENERATED ALWAYS AS IDENTITY`: an explicit value is refused unless
    /// the INSERT says `OVERRIDING SYSTEM VALUE`.
    Always,
}

/// What makes two indexes the same (see [`Index::key`]).
pub type IndexKey = (
    String,
    Vec<String>,
    bool,
    Option<String>,
    (Option<String>, Vec<String>, Vec<String>, bool),
);

impl Index {
    /// What makes two indexes the same: name, columns, uniqueness, the
    /// predicate and expressions squashed by [`normalize_expr`] (servers
    /// rewrite them), method, column options, `INCLUDE` and `NULLS NOT
    /// DISTINCT`.
    pub fn key(&self) -> IndexKey {
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
            (
                self.method.clone(),
                self.column_options.clone(),
                self.include.clone(),
                self.nulls_not_distinct,
            ),
        )
    }

    /// The options that follow key column `i` (`""`: none).
    pub fn column_option(&self, i: usize) -> &str {
        self.column_options.get(i).map_or("", String::as_str)
    }
}

/// A unique constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    /// Name, when explicitly chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Columns.
    pub columns: Vec<String>,
    /// `DEFERRABLE` (PostgreSQL): checked at the end of the transaction
    /// when deferred.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (with `deferrable`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
}

impl Unique {
    /// Whether `other` is the same constraint: columns and deferral (a
    /// name is no difference: constraints compare by content).
    pub fn same_key(&self, other: &Unique) -> bool {
        (&self.columns, self.deferrable, self.initially_deferred)
            == (&other.columns, other.deferrable, other.initially_deferred)
    }
}

/// An index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Access method, lower case: PostgreSQL's `gin`, `gist`, `hash`,
    /// `brin`, `spgist`; MySQL's `fulltext`, `spatial`. `None`: the
    /// dialect's default (btree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// What follows each key column, by position: an operator class
    /// (`gin_trgm_ops`), `DESC`, `NULLS FIRST`/`NULLS LAST`, a MySQL
    /// prefix length (`(10)`), as normal-form text (see `dialect/normal.rs`);
    /// `""` for nothing. Empty when nothing follows any column.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_options: Vec<String>,
    /// `INCLUDE` columns (PostgreSQL 11+).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// `NULLS NOT DISTINCT` (PostgreSQL 15+): NULLs count as equal in a
    /// unique index.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nulls_not_distinct: bool,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `DEFERRABLE` (PostgreSQL, SQLite): checked at the end of the
    /// transaction when deferred.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED` (with `deferrable`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
    /// `NOT VALID` (PostgreSQL): added without checking the rows already
    /// there. A valid live key satisfies a declared `NOT VALID` one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
}

/// An exclusion constraint (PostgreSQL's `EXCLUDE USING gist (...)`),
/// compared by its definition.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusion {
    /// Name.
    pub name: String,
    /// What follows the name, as `sqlparser` prints it (a declared one and
    /// the catalog's `pg_get_constraintdef` are both read through it):
    /// `EXCLUDE USING gist (during WITH &&)`.
    pub definition: String,
}

/// A check constraint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Name, when explicitly chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The expression as written (rendered back as is).
    pub expression: String,
    /// `NOT VALID` (PostgreSQL), as [`ForeignKey::not_valid`].
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_valid: bool,
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

    /// This table with the keys, unique constraints, indexes, foreign keys
    /// and checks of `parent` (its partitioned table) as its own, under
    /// the names PostgreSQL gives a partition's copies: `<table>_pkey`,
    /// `<table>_<columns>_key`, `<table>_<columns>_idx` (`expr` for an
    /// expression; names longer than 63 bytes are not shortened as the
    /// server does), foreign keys and checks by the parent's names. What
    /// a partition has once detached, or needs before it is attached.
    pub fn with_parent_objects(&self, parent: &Table) -> Table {
        let mut t = self.clone();
        let named = |cols: &[String], suffix: &str| {
            let cols: Vec<&str> = cols
                .iter()
                .map(|c| if c.starts_with('(') { "expr" } else { c })
                .collect();
            format!("{}_{}_{suffix}", self.name, cols.join("_"))
        };
        if t.primary_key.is_empty() && !parent.primary_key.is_empty() {
            t.primary_key = parent.primary_key.clone();
            t.primary_key_name = Some(format!("{}_pkey", t.name));
        }
        for u in &parent.uniques {
            let mut u = u.clone();
            u.name = Some(named(&u.columns, "key"));
            t.uniques.push(u);
        }
        for i in &parent.indexes {
            let mut i = i.clone();
            i.name = named(&i.columns, "idx");
            t.indexes.push(i);
        }
        t.foreign_keys.extend(parent.foreign_keys.iter().cloned());
        t.checks.extend(parent.checks.iter().cloned());
        t
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
            ..Schema::default()
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
            ..Unique::default()
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
