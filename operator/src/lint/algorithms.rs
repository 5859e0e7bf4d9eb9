//! MySQL and MariaDB (InnoDB): the algorithm the server picks for each
//! `ALTER TABLE` operation, by server version.
//!
//! The server runs an `ALTER` with the cheapest algorithm every one of its
//! operations supports: `INSTANT` (metadata only), `INPLACE` without a
//! rebuild (an index build; writes continue), `INPLACE` with a rebuild (the
//! table is rewritten in place; writes continue) or `COPY` (a new table is
//! filled row by row; writes blocked). Sources: the MySQL 8.0/8.4
//! reference's "Online DDL Operations" tables and MariaDB's "InnoDB Online
//! DDL Operations" pages; the MariaDB claims are checked against the server
//! CI runs by `tests/lint_effects.rs`, which issues each statement with the
//! claimed `ALGORITHM=` (accepted) and with the next cheaper one (refused).

use super::config::ServerVersion;
use super::types::SqlType;

/// An `ALTER TABLE` algorithm, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Algorithm {
    /// Metadata only.
    Instant,
    /// In place, no rebuild (index builds, drops); writes continue.
    InPlace,
    /// In place with a table rebuild; writes continue.
    Rebuild,
    /// Table copy; writes blocked.
    Copy,
}

impl Algorithm {
    /// The `ALGORITHM=` value that asks for it.
    pub(super) fn clause(self) -> &'static str {
        match self {
            Algorithm::Instant => "INSTANT",
            Algorithm::InPlace | Algorithm::Rebuild => "INPLACE",
            Algorithm::Copy => "COPY",
        }
    }
}

/// One `ALTER TABLE` operation as the algorithm rules see it.
#[derive(Debug, Clone)]
pub(super) enum AlterOp {
    /// `ADD COLUMN`; `positioned` for `FIRST`/`AFTER`.
    AddColumn {
        /// `FIRST` or `AFTER col`.
        positioned: bool,
        /// `AS (...) STORED`.
        stored_generated: bool,
        /// `AUTO_INCREMENT`.
        auto_increment: bool,
    },
    /// `DROP COLUMN`.
    DropColumn,
    /// `RENAME COLUMN`, or `CHANGE` to the same type.
    RenameColumn,
    /// `MODIFY`/`CHANGE` with a type: the old type when an earlier
    /// revision says it, and whether nullability changes (when known).
    ChangeType {
        /// The column's type before, if known.
        from: Option<SqlType>,
        /// The new type.
        to: SqlType,
        /// NULL to NOT NULL or back.
        nullability: bool,
    },
    /// `SET DEFAULT`, `DROP DEFAULT`, table `COMMENT`, `AUTO_INCREMENT=`,
    /// `RENAME TO`, `RENAME INDEX`.
    Metadata,
    /// `ADD INDEX`, `ADD UNIQUE`.
    AddIndex,
    /// `ADD FULLTEXT`/`SPATIAL` index.
    AddFulltext,
    /// `DROP INDEX`, `DROP FOREIGN KEY`, `DROP CONSTRAINT`.
    DropIndex,
    /// `ADD PRIMARY KEY`.
    AddPrimaryKey,
    /// `DROP PRIMARY KEY`.
    DropPrimaryKey,
    /// `ADD FOREIGN KEY`; `checks_off` after `SET foreign_key_checks = 0`.
    AddForeignKey {
        /// `foreign_key_checks` is off in the session.
        checks_off: bool,
    },
    /// `ADD CHECK`.
    AddCheck,
    /// `ENGINE=` (a null rebuild).
    Engine,
    /// `CONVERT TO CHARACTER SET`.
    Convert,
}

fn varchar_len(t: &SqlType) -> Option<u32> {
    (t.base() == "varchar").then(|| t.modifiers().first().copied())?
}

/// The algorithm `op` gets on `server`, and why, in a few words.
pub(super) fn algorithm(op: &AlterOp, server: ServerVersion) -> (Algorithm, &'static str) {
    use Algorithm::*;
    let maria = server.is_mariadb();
    match op {
        AlterOp::AddColumn {
            stored_generated: true,
            ..
        } => (Copy, "a stored generated column"),
        AlterOp::AddColumn {
            auto_increment: true,
            ..
        } => (Rebuild, "an AUTO_INCREMENT column"),
        AlterOp::AddColumn { positioned, .. } => {
            let instant = if maria {
                server.at_least(10, 4, 0) || (!positioned && server.at_least(10, 3, 2))
            } else {
                server.at_least(8, 0, 29) || (!positioned && server.at_least(8, 0, 12))
            };
            if instant {
                (Instant, "ADD COLUMN")
            } else {
                (Rebuild, "ADD COLUMN on this version")
            }
        }
        AlterOp::DropColumn => {
            if (maria && server.at_least(10, 4, 0)) || (!maria && server.at_least(8, 0, 29)) {
                (Instant, "DROP COLUMN")
            } else {
                (Rebuild, "DROP COLUMN on this version")
            }
        }
        AlterOp::RenameColumn => {
            if (maria && server.at_least(10, 4, 0)) || (!maria && server.at_least(8, 0, 28)) {
                (Instant, "RENAME COLUMN")
            } else {
                (InPlace, "RENAME COLUMN")
            }
        }
        AlterOp::ChangeType {
            from,
            to,
            nullability,
        } => change_type(from.as_ref(), to, *nullability, server),
        AlterOp::Metadata => (Instant, "a metadata change"),
        AlterOp::AddIndex | AlterOp::DropIndex => (InPlace, "an index change"),
        AlterOp::AddFulltext => (Rebuild, "a FULLTEXT or SPATIAL index"),
        AlterOp::AddPrimaryKey => (Rebuild, "ADD PRIMARY KEY (the clustered index)"),
        AlterOp::DropPrimaryKey => (Copy, "DROP PRIMARY KEY without a new one"),
        AlterOp::AddForeignKey { checks_off: false } => {
            (Copy, "ADD FOREIGN KEY with foreign_key_checks on")
        }
        AlterOp::AddForeignKey { checks_off: true } => (InPlace, "ADD FOREIGN KEY"),
        AlterOp::AddCheck => (Copy, "ADD CHECK (validates by copying)"),
        AlterOp::Engine => (Rebuild, "ENGINE= (a rebuild)"),
        AlterOp::Convert => (Copy, "CONVERT TO CHARACTER SET"),
    }
}

fn change_type(
    from: Option<&SqlType>,
    to: &SqlType,
    nullability: bool,
    server: ServerVersion,
) -> (Algorithm, &'static str) {
    use Algorithm::*;
    let Some(from) = from else {
        return (
            Copy,
            "a column type change (the old type is not known here)",
        );
    };
    if from == to {
        return if nullability {
            (Rebuild, "a NULL/NOT NULL change")
        } else {
            (Instant, "a column attribute change")
        };
    }
    let widened = match (varchar_len(from), varchar_len(to)) {
        (Some(a), Some(b)) if b >= a => {
            // MySQL keeps the length prefix's size: 1 byte up to 255 bytes
            // (utf8mb4: 63 characters), 2 above; MariaDB 10.4+ changes it
            // in place as well.
            let same_prefix = (a * 4 < 256) == (b * 4 < 256);
            if server.is_mariadb() && server.at_least(10, 4, 3) {
                Some(Instant)
            } else if same_prefix {
                Some(InPlace)
            } else {
                None
            }
        }
        _ => None,
    };
    let appended = from.base() == "enum"
        && to.base() == "enum"
        && to.labels().starts_with(from.labels())
        && to.labels().len() > from.labels().len();
    match (widened, appended) {
        (Some(a), _) if !nullability => (a, "a VARCHAR widening"),
        (_, true) if !nullability => (Instant, "ENUM labels appended at the end"),
        _ => (Copy, "a column type change"),
    }
}
