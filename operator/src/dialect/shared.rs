//! Small types and pieces of SQL the dialects share with the rest of
//! Revisor: how a server changes a table online ([`OnlineDdl`]), how its
//! foreign-key enforcement is switched ([`ForeignKeySwitch`]), and a
//! constraint's deferral clause ([`deferral`]). Pure.

/// How a dialect's server changes a table under a running application,
/// which decides lint's locking rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlineDdl {
    /// PostgreSQL: each command takes a documented table lock (`ACCESS
    /// EXCLUSIVE` for most `ALTER TABLE` forms, `SHARE` for a plain `CREATE
    /// INDEX`), some rewrite or scan the table, and `CONCURRENTLY` and `NOT
    /// VALID` are the ways out: the ground squawk and strong_migrations cover.
    LockLevels,
    /// MySQL and MariaDB (InnoDB): each `ALTER TABLE` runs with an algorithm,
    /// `INSTANT`, `INPLACE` (with or without a rebuild) or `COPY` (writes
    /// blocked), by operation and server version; an `ALGORITHM=` clause
    /// makes the server refuse rather than fall back.
    Algorithms,
    /// SQLite: one writer at a time; changes beyond adding, renaming and
    /// dropping columns rebuild the table (Alembic's batch mode).
    Rebuilds,
}

/// How a dialect turns foreign-key enforcement off for a step and checks
/// afterwards what it would have refused (SQLite, whose table rebuild drops
/// and recreates referenced tables).
#[derive(Debug, Clone, Copy)]
pub struct ForeignKeySwitch {
    /// A query whose one text column is `1` while enforcement is on.
    pub query: &'static str,
    /// Turns enforcement on.
    pub on: &'static str,
    /// Turns enforcement off.
    pub off: &'static str,
    /// A query listing each violated reference as one line of text.
    pub violations: &'static str,
}

/// A constraint's deferral clause: `""`, ` DEFERRABLE` or ` DEFERRABLE
/// INITIALLY DEFERRED` (`initially_deferred` implies `DEFERRABLE`).
pub fn deferral(deferrable: bool, initially_deferred: bool) -> &'static str {
    match (deferrable, initially_deferred) {
        (_, true) => " DEFERRABLE INITIALLY DEFERRED",
        (true, false) => " DEFERRABLE",
        (false, false) => "",
    }
}
