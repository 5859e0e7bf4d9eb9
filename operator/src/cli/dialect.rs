//! `--dialect`, resolved in one place for every command.
//!
//! The rule: `--dialect` (or `REVISOR_DIALECT`, which `revisor.toml`'s
//! `dialect` sets), else the scheme of the first database URL the command
//! was given. With neither, the command's [`Fallback`] says what happens,
//! and each command documents it in its `--help`: commands that only read
//! files take PostgreSQL (lint and plan apply its rules, the most
//! complete), autogenerate takes SQLite (the only dialect it can replay
//! into without a server), and offline SQL refuses (a script in the wrong
//! dialect is worse than none).

use super::CliError;
use crate::dialect::Dialect;

/// A `--dialect` value: SQLAlchemy's names (SPEC.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DialectName {
    /// PostgreSQL.
    Postgresql,
    /// MySQL and MariaDB.
    Mysql,
    /// SQLite.
    Sqlite,
}

impl From<DialectName> for Dialect {
    fn from(d: DialectName) -> Dialect {
        use clap::ValueEnum;
        let name = d.to_possible_value().map(|v| v.get_name().to_owned());
        Dialect::from_name(name.as_deref().unwrap_or_default())
            .expect("every --dialect value is a dialect's SQLAlchemy name")
    }
}

/// The dialect autogenerate falls back to: the one it can replay a
/// migration set into without a server (SQLite's in-memory database).
pub fn serverless() -> Dialect {
    Dialect::ALL
        .into_iter()
        .find(|d| d.sql().scratch_url().is_some())
        .unwrap_or_default()
}

/// What a command does when no dialect is given or implied.
#[derive(Debug, Clone, Copy)]
pub enum Fallback {
    /// Use this dialect.
    Use(Dialect),
    /// Refuse (exit 2) with this message.
    Refuse(&'static str),
}

/// The dialect of a command: `flag`, else the first of `urls` given, else
/// `fallback` (see the module docs).
///
/// # Errors
/// [`CliError::Input`] for a URL of an unknown scheme, or a refusing
/// fallback.
pub fn resolve(
    flag: Option<DialectName>,
    urls: &[Option<&str>],
    fallback: Fallback,
) -> Result<Dialect, CliError> {
    if let Some(d) = flag {
        return Ok(d.into());
    }
    if let Some(url) = urls.iter().copied().flatten().next() {
        return Dialect::from_url(url).map_err(|e| CliError::Input(e.to_string()));
    }
    match fallback {
        Fallback::Use(d) => Ok(d),
        Fallback::Refuse(why) => Err(CliError::Input(why.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_a_dialect() {
        use clap::ValueEnum;
        for d in DialectName::value_variants() {
            assert_eq!(Dialect::from(*d).name(), format!("{d:?}").to_lowercase());
        }
        assert_eq!(serverless(), Dialect::Sqlite);
    }

    #[test]
    fn the_flag_beats_the_url_and_the_url_beats_the_fallback() {
        let pg = Some("postgres://h/db");
        let fb = Fallback::Use(Dialect::Sqlite);
        assert_eq!(
            resolve(Some(DialectName::Mysql), &[pg], fb).unwrap(),
            Dialect::MySql
        );
        assert_eq!(resolve(None, &[None, pg], fb).unwrap(), Dialect::Postgres);
        assert_eq!(resolve(None, &[None], fb).unwrap(), Dialect::Sqlite);
        assert!(resolve(None, &[], Fallback::Refuse("no")).is_err());
        assert!(resolve(None, &[Some("oracle://h")], fb).is_err());
    }
}
