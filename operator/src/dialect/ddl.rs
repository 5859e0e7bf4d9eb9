//! [`SqlDialect`]: what differs between dialects, as one trait. Provided
//! methods hold what the dialects share (standard SQL, as PostgreSQL and
//! SQLite write it); each impl overrides only where its dialect differs.

use super::shared::{deferral, ForeignKeySwitch, OnlineDdl};
use super::Dialect;
use crate::schema::{Check, Column, ForeignKey, IdentityKind, NameCase, Table, Type};
use std::time::Duration;

/// Words that need quoting as identifiers in at least one dialect (the
/// common ones; anything not plain lower-case ASCII is quoted too).
const RESERVED: &[&str] = &[
    "all",
    "alter",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "check",
    "column",
    "constraint",
    "create",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "end",
    "exists",
    "for",
    "foreign",
    "from",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "insert",
    "into",
    "is",
    "join",
    "key",
    "like",
    "limit",
    "not",
    "null",
    "on",
    "or",
    "order",
    "primary",
    "references",
    "select",
    "set",
    "table",
    "then",
    "to",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "when",
    "where",
    "with",
];

/// PostgreSQL's identifier limit in bytes (NAMEDATALEN - 1), the shortest
/// of the three (MySQL's is 64): generated names fit every dialect.
const MAX_GENERATED_NAME: usize = 63;

/// Everything that differs between SQL dialects. Pure: text in, text out.
///
/// Get the impl with [`Dialect::sql`]. Statement-level rendering of schema
/// changes is [`crate::render`]'s; it calls these methods for every piece
/// that differs.
pub trait SqlDialect: Sync + std::fmt::Debug {
    /// Which dialect this is.
    fn dialect(&self) -> Dialect;

    // ----- lexical -------------------------------------------------------

    /// `name` quoted as an identifier, always (`"x"`; MySQL `` `x` ``).
    fn quote_always(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// `name` as an identifier: bare when plain lower-case ASCII and not
    /// reserved, else quoted ([`SqlDialect::quote_always`]).
    fn quote(&self, name: &str) -> String {
        let plain = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !RESERVED.contains(&name);
        if plain {
            name.to_owned()
        } else {
            self.quote_always(name)
        }
    }

    /// Names as a comma-separated list of identifiers.
    fn list(&self, names: &[String]) -> String {
        names
            .iter()
            .map(|n| self.quote(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A string literal (`'it''s'`).
    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// Whether a backslash escapes inside string literals and `#` starts a
    /// comment (MySQL), for splitting a script into statements.
    fn backslash_escapes(&self) -> bool {
        false
    }

    /// An identifier as the database keeps it: PostgreSQL folds unquoted
    /// names to lower case and keeps quoted ones as written; MySQL and
    /// SQLite keep both as written (SPEC: "names keep their case where the
    /// dialect keeps it").
    fn fold_ident(&self, ident: &str, quoted: bool) -> String {
        if (quoted && self.keeps_quoted_case()) || !self.folds_unquoted() {
            ident.to_owned()
        } else {
            ident.to_lowercase()
        }
    }

    /// Whether the server folds unquoted identifiers (PostgreSQL to lower
    /// case). MySQL and SQLite keep every name as written (MySQL's table
    /// names are then case-sensitive on Linux; SQLite compares them
    /// case-insensitively), so Revisor keeps them as written too.
    fn folds_unquoted(&self) -> bool {
        false
    }

    /// Whether the server creates an index for each foreign key, named as
    /// the key (MySQL/InnoDB), which its dump then lists as a `KEY`: the
    /// model leaves it out on both sides, as introspection does.
    fn indexes_foreign_keys(&self) -> bool {
        false
    }

    /// Which names the server compares without regard to case: SQLite's
    /// tables and columns, MySQL's columns (its table names depend on
    /// `lower_case_table_names`, 0 and case-sensitive on Linux).
    fn name_case(&self) -> NameCase {
        NameCase::default()
    }

    /// Whether a quoted identifier keeps its case (PostgreSQL; MySQL and
    /// SQLite keep every name as written anyway).
    fn keeps_quoted_case(&self) -> bool {
        false
    }

    /// Parses `sql` with `sqlparser` in this dialect.
    ///
    /// # Errors
    /// The parser's error.
    fn parse(
        &self,
        sql: &str,
    ) -> Result<Vec<sqlparser::ast::Statement>, sqlparser::parser::ParserError>;

    /// The tokens of `sql` in this dialect (its quotes), white space and
    /// comments left out; `None` when it does not tokenize.
    fn tokens(&self, sql: &str) -> Option<Vec<sqlparser::tokenizer::Token>>;

    /// Whether functions and procedures are read and compared (PostgreSQL,
    /// MySQL).
    fn routines(&self) -> bool {
        false
    }

    /// The statement that drops routine `name` of `kind` (`FUNCTION`,
    /// `PROCEDURE`, `AGGREGATE`) with identity `arguments`.
    fn drop_routine(&self, name: &str, arguments: &str, kind: &str) -> String {
        format!("DROP {kind} {}({arguments})", self.quote(name))
    }

    // ----- types ---------------------------------------------------------

    /// A type as declared or as the catalog reports it ([`Type::parse`]),
    /// where the dialect keeps apart what the portable model merges.
    fn read_type(&self, raw: &str) -> Type {
        Type::parse(raw)
    }

    /// The type as the dialect can keep it apart (MySQL has no uuid, for
    /// one): two types with the same storage type are the same column.
    fn storage_type(&self, ty: &Type) -> Type {
        ty.clone()
    }

    /// The type's name in DDL, for a type already in storage form.
    fn type_name(&self, ty: &Type) -> String {
        standard_type_name(ty)
    }

    // ----- names ---------------------------------------------------------

    /// The name a constraint of `kind` (`key`, `fkey`, `check`) gets when
    /// the schema leaves it unnamed: the one PostgreSQL would choose
    /// (`t_a_b_key`, `t_a_fkey`, `t_x_check`), at most 63 characters.
    fn constraint_name(&self, kind: &str, table: &str, columns: &[String]) -> String {
        let cols = columns.join("_");
        let name = if kind == "check" {
            format!("{table}_{cols}_check")
        } else {
            format!("{table}_{cols}_{kind}")
        };
        name.chars().take(MAX_GENERATED_NAME).collect()
    }

    /// The name of a check constraint: its own, or one derived from the
    /// expression's hash (so that a down section can drop it by name).
    fn check_name(&self, c: &Check, table: &str) -> String {
        c.name.clone().unwrap_or_else(|| {
            use sha2::{Digest, Sha256};
            let h = crate::sqltext::hex(&Sha256::digest(c.key().as_bytes()));
            self.constraint_name("check", table, &[h[..8].to_owned()])
        })
    }

    /// Whether `name` is the one the server chooses for an unnamed
    /// constraint of `kind` (`key`, `fkey`, `pkey`) on `columns`.
    fn server_named(&self, name: &str, table: &str, columns: &[String], kind: &str) -> bool;

    /// Whether `name` is the one the server chooses for an unnamed check.
    fn server_named_check(&self, name: &str, table: &str) -> bool;

    // ----- what the catalog keeps ------------------------------------------

    /// Whether the dialect keeps table and column comments.
    fn keeps_comments(&self) -> bool {
        true
    }

    /// Whether a sole INTEGER primary key is the table's rowid, assigned
    /// automatically (SQLite).
    fn rowid_alias(&self) -> bool {
        false
    }

    /// Whether a unique index is the same thing as a unique constraint
    /// (MySQL lists both alike, as Alembic's MySQL comparison treats them).
    fn unique_index_is_constraint(&self) -> bool {
        false
    }

    /// Whether a foreign key's RESTRICT is its NO ACTION (InnoDB checks
    /// both at once and reports an unspecified action as RESTRICT).
    fn restrict_is_no_action(&self) -> bool {
        false
    }

    // ----- DDL pieces ------------------------------------------------------

    /// Whether a column may carry a COLLATE clause.
    fn column_collation(&self) -> bool {
        true
    }

    /// The clause that makes a column an identity (auto-increment) column
    /// of `kind` (see [`Column::identity_kind`]).
    fn identity_clause(&self, _kind: Option<IdentityKind>) -> &'static str {
        ""
    }

    /// Whether tables carry options the model keeps (MySQL's engine,
    /// character set and collation: [`crate::schema::TableOptions`]).
    fn table_options(&self) -> bool {
        false
    }

    /// The options clause after `CREATE TABLE (...)` for table `t`: `""`
    /// where the dialect has none.
    fn table_options_clause(&self, _t: &Table) -> String {
        String::new()
    }

    /// The statements that change `table`'s options from `from` to `to`.
    fn alter_table_options(
        &self,
        _table: &str,
        _from: &crate::schema::TableOptions,
        _to: &crate::schema::TableOptions,
    ) -> Vec<String> {
        Vec::new()
    }

    /// Whether foreign keys can be `DEFERRABLE` (PostgreSQL, SQLite; MySQL
    /// parses the words and ignores them).
    fn deferrable_foreign_keys(&self) -> bool {
        true
    }

    /// Whether foreign keys and checks can be added `NOT VALID`
    /// (PostgreSQL).
    fn not_valid_constraints(&self) -> bool {
        false
    }

    /// A primary key's name as the server keeps it, `None` where it is the
    /// one the server chooses anyway (PostgreSQL's `<table>_pkey`) or
    /// where names are not kept (MySQL's is always `PRIMARY`).
    fn primary_key_name(&self, name: &str, _table: &str) -> Option<String> {
        Some(name.to_owned())
    }

    /// An index method in normal form: `None` for the dialect's default
    /// (btree) and for methods the server does not keep apart.
    fn normal_index_method(&self, method: &str) -> Option<String> {
        let m = method.to_lowercase();
        (m != "btree").then_some(m)
    }

    /// Where an index's method goes in `CREATE INDEX`: a word before
    /// `INDEX` (MySQL's `FULLTEXT `) and a clause after the table (`
    /// USING gin`).
    fn index_method(&self, method: Option<&str>) -> (String, String) {
        (
            String::new(),
            method.map(|m| format!(" USING {m}")).unwrap_or_default(),
        )
    }

    /// Whether an identity column is NOT NULL whatever was written
    /// (PostgreSQL's serial and identity columns).
    fn identity_not_null(&self) -> bool {
        false
    }

    /// Whether triggers are read and compared (SQLite from
    /// `sqlite_schema`, PostgreSQL from `pg_get_triggerdef`, MySQL from
    /// `information_schema.TRIGGERS`).
    fn triggers(&self) -> bool {
        false
    }

    /// The statement that drops trigger `name` on `table`.
    fn drop_trigger(&self, name: &str, _table: &str) -> String {
        format!("DROP TRIGGER {}", self.quote(name))
    }

    /// Whether views are read and compared (PostgreSQL from
    /// `pg_get_viewdef`, MySQL from `information_schema.VIEWS`, SQLite
    /// from `sqlite_schema`).
    fn views(&self) -> bool {
        true
    }

    /// Whether `/*!NNNNN ... */` comments are code (MySQL and MariaDB run
    /// them; mysqldump wraps views and their settings in them).
    fn versioned_comments(&self) -> bool {
        false
    }

    /// Whether enums are types of their own (`CREATE TYPE ... AS ENUM`),
    /// held in [`crate::schema::Schema::enums`], and the schema holds
    /// extensions (PostgreSQL); elsewhere both are dropped in normal form.
    fn enum_types(&self) -> bool {
        false
    }

    /// Whether a primary key or unique constraint may be `DEFERRABLE`
    /// (PostgreSQL); elsewhere a declared one is refused.
    fn deferrable_keys(&self) -> bool {
        false
    }

    /// Whether tables may have exclusion constraints (PostgreSQL).
    fn exclusion_constraints(&self) -> bool {
        false
    }

    /// Whether tables may be partitioned with `PARTITION BY` / `PARTITION
    /// OF` and be `UNLOGGED` ([`crate::schema::Storage`]; PostgreSQL).
    /// Elsewhere a declared one is refused.
    fn partitioned_tables(&self) -> bool {
        false
    }

    /// Whether a view whose query changed from one with `old` columns to
    /// one with `new` (`name type`, empty where unknown) can be replaced
    /// in place with `CREATE OR REPLACE VIEW`, in both directions (the
    /// down section replaces it back). SQLite has no such statement.
    fn view_replaceable(&self, _old: &[String], _new: &[String]) -> bool {
        false
    }

    /// Whether identity columns come in kinds ([`IdentityKind`]:
    /// PostgreSQL's serial and `ALWAYS`); elsewhere the kind is dropped in
    /// normal form.
    fn identity_kinds(&self) -> bool {
        false
    }

    /// The serial type that stands for an integer identity column of
    /// [`IdentityKind::Serial`] (`serial` for `integer`), where the
    /// dialect has them.
    fn serial_type(&self, _ty: &Type) -> Option<&'static str> {
        None
    }

    /// Whether a column's comment is part of its definition (MySQL).
    fn inline_column_comment(&self) -> bool {
        false
    }

    /// A default as DDL takes it: an expression other than a literal goes
    /// in parentheses (SQLite and MySQL want them).
    fn default_clause(&self, default: &str) -> String {
        let literal_like = default.starts_with('\'')
            || default.parse::<f64>().is_ok()
            || matches!(
                default,
                "true" | "false" | "CURRENT_TIMESTAMP" | "CURRENT_DATE"
            );
        if literal_like {
            default.to_owned()
        } else {
            format!("({default})")
        }
    }

    /// A column's definition in `CREATE TABLE` / `ADD COLUMN`.
    fn column_def(&self, c: &Column, inline_key: bool) -> String {
        super::columns::column_def(self, c, inline_key)
    }

    /// A foreign key as a table constraint.
    fn fk_clause(&self, fk: &ForeignKey, table: &str) -> String {
        let name = fk
            .name
            .clone()
            .unwrap_or_else(|| self.constraint_name("fkey", table, &fk.columns));
        let mut s = format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
            self.quote(&name),
            self.list(&fk.columns),
            self.quote(&fk.ref_table),
            self.list(&fk.ref_columns)
        );
        if fk.on_delete != Default::default() {
            s.push_str(&format!(" ON DELETE {}", fk.on_delete.sql()));
        }
        if fk.on_update != Default::default() {
            s.push_str(&format!(" ON UPDATE {}", fk.on_update.sql()));
        }
        s.push_str(deferral(fk.deferrable, fk.initially_deferred));
        s
    }

    /// A unique constraint as a table constraint.
    fn unique_clause(&self, unique: &crate::schema::Unique, table: &str) -> String {
        let name = unique
            .name
            .clone()
            .unwrap_or_else(|| self.constraint_name("key", table, &unique.columns));
        format!(
            "CONSTRAINT {} UNIQUE ({}){}",
            self.quote(&name),
            self.list(&unique.columns),
            deferral(unique.deferrable, unique.initially_deferred)
        )
    }

    /// A check as a table constraint.
    fn check_clause(&self, c: &Check, table: &str) -> String {
        format!(
            "CONSTRAINT {} CHECK ({})",
            self.quote(&self.check_name(c, table)),
            c.expression
        )
    }

    /// `create` (a `CREATE INDEX`) with its partial-index predicate.
    fn index_predicate(&self, create: String, predicate: &str) -> String {
        format!("{create} WHERE {predicate}")
    }

    /// Whether `CREATE INDEX CONCURRENTLY` exists (and runs outside a
    /// transaction).
    fn concurrent_index(&self) -> bool {
        false
    }

    /// `DROP INDEX` of `index` on `table`.
    fn drop_index(&self, index: &str, _table: &str) -> String {
        format!("DROP INDEX {}", self.quote(index))
    }

    /// The statements after `CREATE TABLE` that set its comments, where the
    /// dialect keeps them out of the table definition.
    fn comment_statements(&self, _table: &Table) -> Vec<String> {
        Vec::new()
    }

    /// A column's comment after `ADD COLUMN`, where it is a statement of
    /// its own.
    fn add_column_comment(&self, _table: &str, _column: &Column) -> Vec<String> {
        Vec::new()
    }

    /// Sets (or with `None` removes) a table's comment.
    fn set_table_comment(&self, _table: &str, _to: Option<&str>) -> Vec<String> {
        Vec::new()
    }

    /// Drops `table`'s primary key, named `name` (`None`: the name the
    /// server chose, `<table>_pkey`).
    fn drop_primary_key(&self, table: &str, name: Option<&str>) -> String {
        let default = format!("{table}_pkey");
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.quote(table),
            self.quote(name.unwrap_or(&default))
        )
    }

    /// Drops the unique constraint `name` of `table`.
    fn drop_unique(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.quote(table),
            self.quote(name)
        )
    }

    /// Drops the foreign key `name` (`fk`) of `table`, which is `before`
    /// in the database.
    fn drop_foreign_key(
        &self,
        table: &str,
        name: &str,
        _fk: &ForeignKey,
        _before: Option<&Table>,
    ) -> Vec<String> {
        vec![format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            self.quote(table),
            self.quote(name)
        )]
    }

    /// Changes column `from` of `table` into `to` (type, default,
    /// nullability, identity, comment), one statement per change.
    fn alter_column(&self, table: &str, from: &Column, to: &Column) -> Vec<String> {
        super::columns::alter_column(self, table, from, to)
    }

    /// Whether changing a column restates its whole definition (MySQL's
    /// `MODIFY COLUMN`), so the old state must be known in full.
    fn alter_restates_column(&self) -> bool {
        false
    }

    /// Whether `DROP CONSTRAINT name` drops a constraint of any kind
    /// (PostgreSQL), so its kind need not be known.
    fn drops_any_constraint_by_name(&self) -> bool {
        false
    }

    /// Whether `ALTER TABLE` changes beyond adding a column and renaming are
    /// made by rebuilding the table (SQLite; Alembic's batch mode).
    fn rebuilds_tables(&self) -> bool {
        false
    }

    /// How the server changes a table while the application runs: what
    /// lint checks each DDL statement against (see [`OnlineDdl`]).
    fn online_ddl(&self) -> OnlineDdl;

    /// The longest identifier the server keeps, and whether it counts bytes
    /// (PostgreSQL's `NAMEDATALEN - 1`, which it cuts silently) or
    /// characters (MySQL's 64, which it refuses); `None` for no limit.
    fn identifier_limit(&self) -> Option<(usize, bool)> {
        None
    }

    // ----- transactions, sessions, bookkeeping ------------------------------

    /// Whether DDL runs inside transactions (MySQL commits implicitly).
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Whether a statement that runs outside a transaction is atomic: when
    /// its connection dies before it finishes, nothing of it stays. True
    /// for MySQL 8 and MariaDB 10.6+ (atomic DDL) and SQLite; not for
    /// PostgreSQL, whose statements outside a transaction are the
    /// `CONCURRENTLY` ones, which leave an invalid index behind.
    fn atomic_statements(&self) -> bool {
        true
    }

    /// The statement that limits each statement of the session to `t`;
    /// `mariadb` tells MariaDB from MySQL where the dialect covers both.
    ///
    /// # Errors
    /// Why the dialect cannot limit statements.
    fn statement_timeout(&self, t: Duration, mariadb: bool) -> Result<String, &'static str>;

    /// Whether [`SqlDialect::statement_timeout`] needs to know whether the
    /// server is MariaDB (one `SELECT VERSION()`).
    fn asks_server_flavour(&self) -> bool {
        false
    }

    /// How foreign-key enforcement is switched off for a step and checked
    /// after it; `None` where steps run with enforcement as it is.
    fn foreign_key_switch(&self) -> Option<ForeignKeySwitch> {
        None
    }

    /// The id column and the long-text type of the bookkeeping tables.
    fn id_and_text(&self) -> (&'static str, &'static str);

    /// `expr` cast to text, for reading any column as a string.
    fn cast_text(&self, expr: &str) -> String {
        format!("CAST({expr} AS TEXT)")
    }

    /// A query whose first row exists when the table named by the literal
    /// `table` exists in the current schema (or search path).
    fn table_exists_query(&self, table: &str) -> String;

    /// Whether several statements may go in one round trip (a batch).
    fn batches_statements(&self) -> bool {
        true
    }

    /// The query for the id of the row just inserted, where `INSERT ...
    /// RETURNING` is not to be had (MySQL); `None` uses `RETURNING`.
    fn last_insert_id(&self) -> Option<&'static str> {
        None
    }

    /// The database's clock as RFC 3339 UTC text with milliseconds, as SQL:
    /// the time an offline script writes into the history when it runs.
    fn clock_text(&self) -> &'static str;

    /// When the current transaction began, as [`SqlDialect::clock_text`]
    /// writes it, where the dialect keeps that (PostgreSQL's `now()`): a
    /// script's step starts with its `BEGIN`.
    fn transaction_start_text(&self) -> Option<&'static str> {
        None
    }

    /// Milliseconds from the RFC 3339 text timestamp `expr` to now, as SQL.
    fn millis_since(&self, expr: &str) -> String;

    /// Who runs a script, as SQL text (the session's user where the
    /// dialect has one).
    fn session_user(&self) -> &'static str;

    /// `a || b` as SQL.
    fn concat(&self, a: &str, b: &str) -> String {
        format!("{a} || {b}")
    }

    /// Drops the scratch database `name` that autogenerate replayed into
    /// (the server's sessions on it ended where the dialect can).
    fn drop_database(&self, name: &str) -> String {
        format!("DROP DATABASE IF EXISTS {name}")
    }

    /// The URL of a scratch database that needs no server (SQLite's in
    /// memory), or `None` where autogenerate needs `--dev-database`.
    fn scratch_url(&self) -> Option<&'static str> {
        None
    }
}

pub(super) use super::columns::{precision, standard_type_name};
