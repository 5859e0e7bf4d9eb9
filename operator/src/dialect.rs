//! Which SQL dialect a database speaks. Pure.

/// A SQL dialect: PostgreSQL, MySQL/MariaDB or SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// `postgres://` or `postgresql://`.
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
        self != Dialect::MySql
    }
}
