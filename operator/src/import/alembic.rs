//! Alembic projects: what the importer script (`alembic.py`, run with the
//! user's interpreter and Alembic) reports, written as revision files.
//! Pure.
//!
//! The script walks the project's `ScriptDirectory` and renders each
//! revision's `upgrade()` and `downgrade()` in Alembic's offline mode
//! (`as_sql`, `literal_binds`) for the dialect, one revision at a time, in
//! one interpreter. Revisor keeps the graph as Alembic has it: ids,
//! parents (merges), declared branch labels, `depends_on`, messages.

use serde::Deserialize;

/// The importer script, run as `PY - ALEMBIC_INI DIALECT` with the
/// script on standard input.
pub const SCRIPT: &str = include_str!("alembic.py");

/// One revision as the importer script reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AlembicRevision {
    /// `revision`.
    pub id: String,
    /// `down_revision`, as a list (two or more: a merge).
    pub down_revisions: Vec<String>,
    /// The module's own `branch_labels` (not the inherited ones).
    pub branch_labels: Vec<String>,
    /// `depends_on`: ids or branch labels.
    pub depends_on: Vec<String>,
    /// The docstring's message.
    pub message: String,
    /// `false` when the revision uses `autocommit_block`.
    pub transactional: bool,
    /// The SQL `upgrade()` emits offline.
    pub up: String,
    /// The SQL `downgrade()` emits offline (empty: nothing to undo).
    pub down: String,
    /// Why a person must write this revision's SQL, if they must.
    pub needs_sql: Option<String>,
    /// The revision's Python source.
    pub python: String,
}

/// The script's report.
///
/// # Errors
/// A message when the report is not the script's JSON.
pub fn parse_report(json: &str) -> Result<Vec<AlembicRevision>, String> {
    serde_json::from_str(json)
        .map_err(|e| format!("the Alembic importer's report does not read: {e}"))
}

/// `sql` without the `COMMIT;`/`BEGIN;` lines Alembic prints around an
/// `autocommit_block` in offline mode (the revision runs outside a
/// transaction instead).
fn without_autocommit_markers(sql: &str) -> String {
    sql.lines()
        .filter(|l| !matches!(l.trim(), "COMMIT;" | "BEGIN;"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The revisions as Revisor revision files, `(file name, text)`.
pub fn revision_files(revs: &[AlembicRevision]) -> Vec<(String, String)> {
    revs.iter()
        .map(|r| {
            let mut text = format!(
                "-- revision: {}\n-- down_revision: {}\n",
                r.id,
                r.down_revisions.join(", ")
            );
            if !r.branch_labels.is_empty() {
                text.push_str(&format!("-- branch_labels: {}\n", r.branch_labels.join(", ")));
            }
            if !r.depends_on.is_empty() {
                text.push_str(&format!("-- depends_on: {}\n", r.depends_on.join(", ")));
            }
            if !r.transactional {
                text.push_str("-- transactional: false\n");
            }
            let message = r.message.lines().next().unwrap_or("").trim().to_owned();
            text.push_str(&format!("-- message: {message}\n"));
            match &r.needs_sql {
                Some(why) => {
                    text.push_str(&format!("-- needs_sql: {why}\n\n-- migrate:up\n-- The Alembic revision, for the person who writes its SQL:\n"));
                    for l in r.python.lines() {
                        text.push_str(&format!("-- | {l}\n"));
                    }
                    text.push_str("\n-- migrate:down\n-- (write the downgrade's SQL here)\n");
                }
                None => {
                    let clean = |s: &str| {
                        let s = if r.transactional {
                            s.to_owned()
                        } else {
                            without_autocommit_markers(s)
                        };
                        s.trim().to_owned()
                    };
                    let (up, down) = (clean(&r.up), clean(&r.down));
                    text.push_str(&format!("-- Imported from Alembic.\n\n-- migrate:up\n{up}\n\n-- migrate:down\n"));
                    if down.is_empty() {
                        // Not irreversible: a merge, or a revision that
                        // undoes nothing, goes down as Alembic's does.
                        text.push_str("-- nothing to undo (Alembic's downgrade() emits no SQL)\n");
                    } else {
                        text.push_str(&format!("{down}\n"));
                    }
                }
            }
            (super::file_name(&r.id, &message), text)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(id: &str, down: &[&str]) -> AlembicRevision {
        AlembicRevision {
            id: id.into(),
            down_revisions: down.iter().map(|d| (*d).to_owned()).collect(),
            branch_labels: Vec::new(),
            depends_on: Vec::new(),
            message: format!("rev {id}"),
            transactional: true,
            up: "CREATE TABLE t (id INTEGER);\n\n".into(),
            down: String::new(),
            needs_sql: None,
            python: "def upgrade():\n    pass\n".into(),
        }
    }

    #[test]
    fn the_graph_is_alembics_and_an_empty_downgrade_stays_reversible() {
        let mut b = rev("b", &["a"]);
        b.branch_labels = vec!["feature".into()];
        b.depends_on = vec!["x".into()];
        let mut c = rev("c", &["a"]);
        c.transactional = false;
        c.up = "COMMIT;\nCREATE INDEX CONCURRENTLY i ON t (id);\nBEGIN;\n".into();
        let mut d = rev("d", &["b", "c"]);
        d.needs_sql = Some("its code uses get_bind(".into());
        let files = revision_files(&[rev("a", &[]), b, c, d, rev("x", &[])]);
        // The graph reads once the person's line is gone.
        let g = super::super::check_set(&files).unwrap();
        let at = |id: &str| g.rev(g.index_of(id).unwrap());
        assert_eq!(at("d").down_revisions, ["b", "c"]);
        assert_eq!(at("b").branch_labels, ["feature"]);
        assert_eq!(at("b").depends_on, ["x"]);
        assert!(
            at("a").is_reversible(),
            "an empty downgrade() is a no-op, not irreversible"
        );
        assert!(!at("c").transactional);
        assert!(!at("c").up_sql.contains("COMMIT") && at("c").up_sql.contains("CONCURRENTLY"));
        // As written, the revision that needs a person does not load.
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let e = crate::graph::RevisionGraph::from_files(&refs)
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs its SQL written by a person"), "{e}");
        assert!(
            files[3].1.contains("-- | def upgrade():"),
            "the Python is kept"
        );
    }
}
