//! The schema's objects beyond tables: views, triggers, functions
//! (procedures and aggregates too), and the signature that tells
//! overloads apart. Pure.

use super::{Index, Type};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A function or procedure (PostgreSQL): its whole `CREATE` statement,
/// as the server prints it (`pg_get_functiondef`, the schema's name taken
/// out), or as declared until normalised; compared as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// Name.
    pub name: String,
    /// A procedure (`CREATE PROCEDURE`), not a function.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub procedure: bool,
    /// An aggregate (`CREATE AGGREGATE`, PostgreSQL), not a function.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub aggregate: bool,
    /// The argument types that identify it (`integer, text`), for `DROP`.
    pub arguments: String,
    /// The `CREATE [OR REPLACE] FUNCTION ...` statement.
    pub definition: String,
    /// The other functions its statement names (an aggregate's state and
    /// final functions): what it is created after.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub reads: BTreeSet<String>,
}

impl Function {
    /// Its key in [`Schema::functions`]: the name and the argument types
    /// that identify it, `name(integer, text)` ([`signature`]), so that
    /// overloads (PostgreSQL's `f(integer)` and `f(text)`) are two
    /// functions, and one whose arguments change is another one.
    pub fn key(&self) -> String {
        format!("{}({})", self.name, signature(&self.arguments))
    }

    /// `FUNCTION`, `PROCEDURE` or `AGGREGATE`: the word its DDL uses.
    pub fn kind(&self) -> &'static str {
        if self.aggregate {
            "AGGREGATE"
        } else if self.procedure {
            "PROCEDURE"
        } else {
            "FUNCTION"
        }
    }
}

/// A trigger: its whole `CREATE TRIGGER` statement, with white space and
/// comments normalised (`sqltext::normalize_space`), compared as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// Name.
    pub name: String,
    /// The table (or view) it fires on.
    pub table: String,
    /// The `CREATE TRIGGER ...` statement, without a final semicolon.
    pub definition: String,
    /// The tables, views and functions its statement names (its table,
    /// the function it runs): what it is dropped and created around.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub reads: BTreeSet<String>,
}

impl Trigger {
    /// Its key in [`Schema::triggers`]: `table.name`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.table, self.name)
    }
}

/// A view: its query as the server keeps it (PostgreSQL's
/// `pg_get_viewdef`, MySQL's `information_schema.VIEWS`), or, for SQLite
/// and a declared view not yet normalised, as `sqlparser` prints it back.
/// Compared by that text: two spellings of one query are equal once both
/// are in the server's words (see `autogen::normalized`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// Name.
    pub name: String,
    /// The query (`SELECT ...`), without `CREATE VIEW ... AS` or a final
    /// semicolon.
    pub definition: String,
    /// A materialized view (PostgreSQL).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub materialized: bool,
    /// A materialized view's indexes (created with it, dropped with it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    /// The tables and views its query reads, by name: what it is dropped
    /// and created around.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub reads: BTreeSet<String>,
    /// Its columns as the server reports them, `name type` in order
    /// (PostgreSQL: `id integer`); empty where unknown (a declared view
    /// not normalised through a dev database, MySQL, SQLite). Not compared
    /// ([`View::same_as`]): what decides whether a changed view can be
    /// replaced in place (`CREATE OR REPLACE VIEW` keeps the columns).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
}

impl View {
    /// Whether `other` is the same view: all but [`View::columns`], which
    /// only one side may know.
    pub fn same_as(&self, other: &View) -> bool {
        (
            &self.name,
            &self.definition,
            self.materialized,
            &self.indexes,
            &self.reads,
        ) == (
            &other.name,
            &other.definition,
            other.materialized,
            &other.indexes,
            &other.reads,
        )
    }
}

/// The argument types that identify a routine, from its argument list as
/// declared or as the catalog gives it (`pg_get_function_identity_
/// arguments`: `p numeric, VARIADIC xs integer[]`): `OUT` arguments left
/// out (they do not identify it, as in PostgreSQL), modes (`IN`, `INOUT`,
/// `VARIADIC`), names, defaults and type modifiers dropped, each type in
/// the model's words ([`Type::parse`]: `int4` and `integer` alike), a
/// schema qualification taken off. Joined with `, `.
pub fn signature(arguments: &str) -> String {
    let mut out = Vec::new();
    for arg in split_top_level(arguments) {
        let mut words: Vec<&str> = arg.split_whitespace().collect();
        match words.first().map(|w| w.to_ascii_uppercase()).as_deref() {
            Some("OUT") => continue,
            Some("IN" | "INOUT" | "VARIADIC") => {
                words.remove(0);
            }
            _ => {}
        }
        if let Some(d) = words
            .iter()
            .position(|w| w.eq_ignore_ascii_case("DEFAULT") || *w == "=")
        {
            words.truncate(d);
        }
        if words.is_empty() {
            continue;
        }
        let whole = words.join(" ");
        // A name comes first when there is more than the type: every type
        // of more than one word is one the model knows, or starts with
        // one of SQL's multi-word type words.
        const MULTI_WORD: [&str; 7] = [
            "double",
            "character",
            "bit",
            "time",
            "timestamp",
            "interval",
            "national",
        ];
        let known = |t: &str| !matches!(Type::parse(t), Type::Other(_));
        let named = words.len() > 1
            && !known(&whole)
            && (known(&words[1..].join(" "))
                || !MULTI_WORD.contains(&words[0].to_ascii_lowercase().as_str()));
        let ty = if named { words[1..].join(" ") } else { whole };
        let dims = ty.matches("[]").count();
        let base = ty.replace("[]", "");
        let base = base.rsplit('.').next().unwrap_or(&base).trim_matches('"');
        let ty = match Type::parse(base) {
            Type::Varchar(_) => Type::Varchar(None),
            Type::Char(_) => Type::Char(None),
            Type::Numeric(..) => Type::Numeric(None, None),
            Type::Time(_) => Type::Time(None),
            Type::Timestamp(_) => Type::Timestamp(None),
            Type::TimestampTz(_) => Type::TimestampTz(None),
            Type::Other(o) => Type::Other(match o.find('(') {
                Some(i) => o[..i].to_owned(),
                None => o,
            }),
            t => t,
        };
        out.push(format!("{ty}{}", "[]".repeat(dims)));
    }
    out.join(", ")
}

/// `s` split at the commas outside parentheses and quotes.
fn split_top_level(s: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut quoted, mut start) = (Vec::new(), 0i32, false, 0);
    for (i, c) in s.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_the_identifying_argument_types_in_the_models_words() {
        assert_eq!(signature(""), "");
        assert_eq!(
            signature("p numeric, rate numeric DEFAULT 1.2"),
            "numeric, numeric"
        );
        assert_eq!(
            signature("int4, varchar(10)"),
            signature("a integer, b character varying")
        );
        assert_eq!(
            signature("IN a integer, OUT b text, INOUT c public.mood, VARIADIC xs int[]"),
            "integer, mood, integer[]"
        );
        assert_eq!(signature("double precision"), "double precision");
        assert_eq!(signature("x double precision"), "double precision");
        assert_eq!(signature("time timestamp"), "timestamp");
        assert_eq!(
            signature("time with time zone"),
            signature("t time with time zone")
        );
        assert_eq!(signature("timestamp with time zone"), "timestamptz");
        assert_eq!(signature("numeric(10,2), text"), "numeric, text");
        assert_ne!(signature("integer"), signature("text"));
    }
}
