//! Live schema drift: the live schema against the snapshot Revisor stored
//! after its own last change (SPEC.md's "Live drift"). Pure.
//!
//! The fingerprints decide ([`crate::schema::Schema::fingerprint`]); only
//! when they differ is the snapshot read in full and diffed against the
//! live schema, and the differences are described from the snapshot's side
//! ("add column orders.note": someone added it).

use crate::dialect::Dialect;
use crate::schema::Schema;
use serde::Serialize;

/// Longest condition or event message, in characters: readable in `kubectl
/// describe`, and far under the API server's limits.
pub const MESSAGE_CAP: usize = 1000;

/// What a drift check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DriftCheck {
    /// Fingerprint of the live schema.
    pub live_fingerprint: String,
    /// Fingerprint of the last snapshot (`None`: there was none).
    pub snapshot_fingerprint: Option<String>,
    /// The differences, snapshot to live (empty: no drift).
    pub changes: Vec<String>,
    /// The database is managed but its snapshot is missing or older than
    /// its version rows, and the check wrote nothing: the live schema is
    /// to be adopted once the run passed its gates.
    #[serde(skip)]
    pub adoptable: bool,
}

impl DriftCheck {
    /// Whether the live schema left the snapshot.
    pub fn drifted(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The differences in one line, capped at [`MESSAGE_CAP`] characters.
    pub fn message(&self) -> String {
        message(&self.changes, MESSAGE_CAP)
    }
}

/// The differences from `snapshot` to `live` (both read for `dialect`):
/// one description per schema change, in the diff's order; empty when the
/// two are equivalent.
pub fn compare(snapshot: &Schema, live: &Schema, dialect: Dialect) -> Vec<String> {
    crate::diff::diff(snapshot, live, dialect)
        .iter()
        .map(crate::diff::Op::describe)
        .collect()
}

/// `changes` joined with `; `, cut to at most `cap` characters with the
/// number of changes left out.
pub fn message(changes: &[String], cap: usize) -> String {
    let mut out = format!("{} change(s) since the last snapshot: ", changes.len());
    for (i, c) in changes.iter().enumerate() {
        let more = format!(" (and {} more)", changes.len() - i);
        let sep = if i == 0 { "" } else { "; " };
        if out.chars().count() + sep.len() + c.chars().count() + more.len() > cap {
            out.push_str(more.trim_start());
            return out;
        }
        out.push_str(sep);
        out.push_str(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Table, Type};

    fn users(cols: &[(&str, Type)]) -> Schema {
        let mut s = Schema::default();
        s.tables.insert(
            "users".into(),
            Table {
                name: "users".into(),
                columns: cols
                    .iter()
                    .map(|(n, t)| Column::new(n, t.clone()))
                    .collect(),
                ..Table::default()
            },
        );
        s
    }

    #[test]
    fn changes_name_the_table_and_column() {
        let snap = users(&[("id", Type::Integer)]);
        let live = users(&[("id", Type::BigInt), ("email", Type::Text)]);
        let changes = compare(&snap, &live, Dialect::Postgres);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(
            changes.iter().any(|c| c == "add column users.email"),
            "{changes:?}"
        );
        assert!(
            changes
                .iter()
                .any(|c| c.starts_with("modify column users.id: type")),
            "{changes:?}"
        );
        assert!(compare(&snap, &snap, Dialect::Postgres).is_empty());
    }

    #[test]
    fn the_message_is_capped_with_a_count_of_the_rest() {
        let changes: Vec<String> = (0..100).map(|i| format!("add table t{i}")).collect();
        let m = message(&changes, 120);
        assert!(m.chars().count() <= 120, "{m}");
        assert!(
            m.starts_with("100 change(s) since the last snapshot: add table t0; "),
            "{m}"
        );
        assert!(m.ends_with("more)"), "{m}");
        assert_eq!(
            message(&changes[..1], 120),
            "1 change(s) since the last snapshot: add table t0"
        );
    }
}
