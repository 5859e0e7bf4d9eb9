//! Statements read by their leading words: those `sqlparser` does not parse
//! (`REINDEX`, `CLUSTER`, `DO`, `ALTER DOMAIN`, `ALTER SEQUENCE`, `DROP
//! INDEX CONCURRENTLY IF EXISTS`, MySQL's `ALTER TABLE ... ENGINE=`, ...)
//! and those whose rule needs no more than their words (transaction
//! control, `SET lock_timeout`).
//!
//! [`before_parse`] runs first; [`after_parse_error`] decides whether a
//! statement the parser refused is a form the server accepts (checked by
//! its words) or a syntax error.

use super::algorithms::AlterOp;
use super::state::{Facts, Seen};
use super::Hit;
use crate::dialect::OnlineDdl;

/// The statement's code (comments dropped), and its first words upper-cased.
pub(super) struct Words {
    /// The statement without its comment lines, on one line.
    pub text: String,
    /// Up to six leading words, upper-cased.
    pub words: Vec<String>,
}

impl Words {
    /// Reads `sql`.
    pub(super) fn of(sql: &str) -> Words {
        let text: String = sql
            .lines()
            .filter(|l| !l.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join(" ");
        let words = text
            .split(|c: char| c.is_whitespace() || c == '(' || c == ';' || c == '=')
            .filter(|w| !w.is_empty())
            .take(6)
            .map(str::to_uppercase)
            .collect();
        Words { text, words }
    }

    fn w(&self, i: usize) -> &str {
        self.words.get(i).map(String::as_str).unwrap_or("")
    }

    /// Whether the words of `phrase` appear in a row (case-insensitive).
    fn has_phrase(&self, phrase: &str) -> bool {
        let want: Vec<&str> = phrase.split(' ').collect();
        let words: Vec<&str> = self
            .text
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .collect();
        words.windows(want.len()).any(|win| {
            win.iter()
                .zip(&want)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
        })
    }

    fn has(&self, word: &str) -> bool {
        self.text
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|w| w.eq_ignore_ascii_case(word))
    }
}

/// What the words say before parsing: `Some(hits)` when they decide the
/// statement (it is not parsed), `None` to parse it.
pub(super) fn before_parse(w: &Words, facts: &Facts<'_>, seen: &mut Seen) -> Option<Vec<Hit>> {
    let pg = facts.family == OnlineDdl::LockLevels;
    match (w.w(0), w.w(1)) {
        ("BEGIN" | "COMMIT" | "ROLLBACK" | "START" | "SAVEPOINT", _) => {
            Some(vec![Hit::new("RV403")])
        }
        ("END", "") | ("END", "TRANSACTION" | "WORK") => Some(vec![Hit::new("RV403")]),
        ("SET", _) => {
            let lower = w.text.to_lowercase();
            seen.lock_timeout |=
                lower.contains("lock_timeout") || lower.contains("lock_wait_timeout");
            seen.statement_timeout |=
                lower.contains("statement_timeout") || lower.contains("max_statement_time");
            if lower.contains("foreign_key_checks") {
                seen.foreign_key_checks_off = lower.contains('0') || lower.contains("off");
            }
            Some(Vec::new())
        }
        ("REINDEX", _) if pg => {
            let concurrently = w.has("CONCURRENTLY");
            Some(if concurrently && facts.in_transaction {
                vec![Hit::new("RV401")]
            } else if concurrently {
                Vec::new()
            } else {
                vec![Hit::new("RV314")]
            })
        }
        ("CLUSTER", _) if pg => Some(vec![Hit::new("RV306")]),
        ("DO", _) if pg => {
            seen.ddl = true;
            Some(Vec::new())
        }
        ("DROP", "INDEX") if pg && w.w(2) == "CONCURRENTLY" => {
            seen.ddl = true;
            Some(if facts.in_transaction {
                vec![Hit::new("RV401")]
            } else if !w.has("EXISTS") {
                vec![Hit::new("RV405")]
            } else {
                Vec::new()
            })
        }
        ("ALTER", "DOMAIN") if pg => {
            seen.ddl = true;
            let mut hits = Vec::new();
            if w.has("RENAME") && !w.has("CONSTRAINT") {
                hits.push(Hit::new("RV201"));
            }
            if w.w(3) == "ADD" && !w.has("VALID") {
                hits.push(Hit::new("RV316"));
            }
            Some(hits)
        }
        ("ALTER", "SEQUENCE") | ("ALTER", "MATERIALIZED") => {
            seen.ddl = true;
            Some(if w.has("RENAME") {
                vec![Hit::new("RV201")]
            } else {
                Vec::new()
            })
        }
        _ => None,
    }
}

/// A statement the parser refused: `Some(hits)` when its words show a form
/// the server accepts, `None` for a syntax error (RV002).
pub(super) fn after_parse_error(
    w: &Words,
    facts: &Facts<'_>,
    seen: &mut Seen,
) -> Option<(Vec<Hit>, Vec<AlterOp>)> {
    let mysql = facts.family == OnlineDdl::Algorithms;
    match (w.w(0), w.w(1)) {
        ("ALTER", "TABLE") if mysql => {
            seen.ddl = true;
            let op = if w.has("ENGINE") {
                AlterOp::Engine
            } else if w.has("CONVERT") {
                AlterOp::Convert
            } else if w.has("COMMENT") || w.has("INDEX") || w.has("KEY") {
                AlterOp::Metadata
            } else {
                return None;
            };
            Some((Vec::new(), vec![op]))
        }
        ("OPTIMIZE", "TABLE") if mysql => Some((Vec::new(), vec![AlterOp::Engine])),
        // Forms the parser lacks, with no hazard of their own: ownership,
        // per-column statistics and storage, extended statistics, LIKE ...
        // INCLUDING, an index on the partitioned parent ONLY, identity
        // added to a column (a sequence, no rewrite), pg_dump's
        // materialized views `WITH NO DATA`.
        _ if w.has_phrase("OWNER TO")
            || w.has_phrase("SET SCHEMA")
            || (w.w(0) == "ALTER" && w.w(1) == "TABLE" && w.has("STATISTICS"))
            || (w.w(0) == "ALTER" && w.w(1) == "TABLE" && w.has("STORAGE"))
            || (w.w(0) == "ALTER" && w.w(1) == "TABLE" && w.has_phrase("ADD GENERATED"))
            || (matches!(w.w(0), "CREATE" | "ALTER" | "DROP") && w.w(1) == "STATISTICS")
            || (w.w(0) == "CREATE" && w.w(1) == "TABLE" && w.has("LIKE"))
            || (w.w(0) == "CREATE" && matches!(w.w(1), "INDEX" | "UNIQUE") && w.has("ONLY")) =>
        {
            seen.ddl = true;
            Some((Vec::new(), Vec::new()))
        }
        ("CREATE", "MATERIALIZED") if w.has_phrase("WITH NO DATA") || w.has_phrase("WITH DATA") => {
            seen.ddl = true;
            if let Some(name) = w.words.get(3) {
                let name = name.rsplit('.').next().unwrap_or(name).to_lowercase();
                seen.created_other.insert(name);
            }
            Some((Vec::new(), Vec::new()))
        }
        _ => None,
    }
}

/// The parser's message in Revisor's words: `sql parser error: Expected:
/// X, found: Y at Line: 1, Column: 7` becomes `expected X, found Y`, with
/// the line and column returned apart (1-based, within the statement).
pub(super) fn parse_error(message: &str) -> (String, usize, usize) {
    let m = message.trim_start_matches("sql parser error: ");
    let (text, at) = match m.rsplit_once(" at Line: ") {
        Some((text, at)) => (text, Some(at)),
        None => (m, None),
    };
    let (line, column) = at
        .and_then(|at| at.split_once(", Column: "))
        .map(|(l, c)| (l.trim().parse().unwrap_or(1), c.trim().parse().unwrap_or(1)))
        .unwrap_or((1, 1));
    let text = text.replacen("Expected: ", "expected ", 1);
    (text, line, column)
}

/// Whether a statement can run again after it (or a later statement of its
/// step) failed: not DDL, or DDL guarded by `IF [NOT] EXISTS` or `OR
/// REPLACE`.
pub(super) fn rerunnable(w: &Words) -> bool {
    let guarded = w.has("EXISTS") || (w.has("OR") && w.has("REPLACE"));
    match w.w(0) {
        "CREATE" | "DROP" => guarded,
        "ALTER" => guarded || !(w.has("ADD") || w.has("DROP") || w.has("RENAME")),
        _ => true,
    }
}
