//! Which SQL dialect a database speaks, and everything that differs
//! between dialects: one [`SqlDialect`] impl per dialect, in one file each
//! ([`postgres`], [`mysql`], [`sqlite`]). Pure.
//!
//! The rest of Revisor never branches on the dialect: it asks
//! [`Dialect::sql`] for the impl and calls it (quoting, literals, type
//! names, DDL pieces, normal forms, what runs in a transaction, session
//! settings, the SQL parser). The dialect's I/O (connections, the lock,
//! introspection) sits beside it in `db/`. Adding a dialect is adding a
//! file here and one there. A test (`tests/architecture.rs`) fails when a
//! dialect is named outside `dialect/`, `db/` and test code.

mod columns;
mod ddl;
pub mod mysql;
mod normal;
pub mod postgres;
mod shared;
pub mod sqlite;

pub use ddl::SqlDialect;
pub use shared::{deferral, ForeignKeySwitch, OnlineDdl};

/// A SQL dialect: PostgreSQL, MySQL/MariaDB or SQLite.
///
/// The default, where nothing names a dialect (no `--dialect`, no URL) and
/// a command needs one for its rules (`lint`, `plan`), is PostgreSQL: its
/// lint and policy rules are the most complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Dialect {
    /// `postgres://` or `postgresql://`.
    #[default]
    Postgres,
    /// `mysql://` or `mariadb://` (MySQL and MariaDB).
    MySql,
    /// `sqlite://` (a file, or `sqlite::memory:`).
    Sqlite,
}

/// A URL scheme or dialect name Revisor does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported database URL scheme `{0}`: use postgres://, mysql:// or sqlite://")]
pub struct UnknownScheme(pub String);

/// A `--dialect` value Revisor does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown dialect `{0}`: use postgresql, mysql or sqlite (SQLAlchemy's names)")]
pub struct UnknownDialect(pub String);

impl Dialect {
    /// The dialect of `url`, by its scheme.
    ///
    /// # Errors
    /// [`UnknownScheme`] for any other scheme.
    pub fn from_url(url: &str) -> Result<Dialect, UnknownScheme> {
        let scheme = url.split(':').next().unwrap_or("");
        match scheme {
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::MySql),
            "sqlite" => Ok(Dialect::Sqlite),
            _ => Err(UnknownScheme(scheme.to_owned())),
        }
    }

    /// The dialect named `name`: SQLAlchemy's names (`postgresql`, `mysql`
    /// for MySQL and MariaDB, `sqlite`), as `--dialect` takes them (SPEC.md).
    ///
    /// # Errors
    /// [`UnknownDialect`].
    pub fn from_name(name: &str) -> Result<Dialect, UnknownDialect> {
        match name {
            "postgresql" => Ok(Dialect::Postgres),
            "mysql" => Ok(Dialect::MySql),
            "sqlite" => Ok(Dialect::Sqlite),
            _ => Err(UnknownDialect(name.to_owned())),
        }
    }

    /// SQLAlchemy's name of the dialect.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgresql",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Whether DDL runs inside transactions (MySQL commits implicitly).
    pub fn transactional_ddl(self) -> bool {
        self.sql().transactional_ddl()
    }

    /// Everything that differs in this dialect: its [`SqlDialect`] impl.
    pub fn sql(self) -> &'static dyn SqlDialect {
        match self {
            Dialect::Postgres => &postgres::Postgres,
            Dialect::MySql => &mysql::MySql,
            Dialect::Sqlite => &sqlite::Sqlite,
        }
    }

    /// Every dialect, in a fixed order (for tests and benchmarks that run
    /// on each).
    pub const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];
}

/// The tokens of `sql` in `dialect` without white space and comments, for
/// [`SqlDialect::tokens`].
fn significant_tokens(
    dialect: &dyn sqlparser::dialect::Dialect,
    sql: &str,
) -> Option<Vec<sqlparser::tokenizer::Token>> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    Some(
        Tokenizer::new(dialect, sql)
            .tokenize()
            .ok()?
            .into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_)))
            .collect(),
    )
}

/// The column a partition has from its parent's `c` when created with
/// `PARTITION OF`: the same but for what PostgreSQL does not pass on: an
/// identity (the parent's makes the values; PostgreSQL 15 gives the
/// partition's column none), a serial column's ownership of its sequence
/// (the partition's default draws from the parent's sequence), the
/// comment.
pub fn partition_column(
    parent: &str,
    c: &crate::schema::Column,
    dialect: Dialect,
) -> crate::schema::Column {
    let mut col = c.clone();
    col.comment = None;
    if c.identity {
        col.identity = false;
        col.identity_kind = None;
        if c.identity_kind == Some(crate::schema::IdentityKind::Serial) {
            let seq = dialect
                .sql()
                .quote(&crate::schema::sequence_name(parent, &c.name));
            let nextval = format!("nextval({}::regclass)", dialect.sql().string_literal(&seq));
            col.default = crate::schema::normalize_default(&nextval, &c.ty);
        }
    }
    col
}
