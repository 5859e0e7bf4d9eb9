//! Views in a declared schema (`CREATE [OR REPLACE] [MATERIALIZED] VIEW`),
//! and what a view reads, for declared and live schemas alike. Pure.

use super::{object, Dialect};
use crate::schema::{Schema, View};
use sqlparser::ast::CreateView;
use std::collections::BTreeSet;

/// Reads one `CREATE VIEW` into `schema`: the query as `sqlparser` prints
/// it back (so spacing, comments and keyword case do not count).
///
/// # Errors
/// A view declared twice, a column list, a materialized view where the
/// dialect has none, and a dialect whose server rewrites view queries in
/// ways not yet read (MySQL).
pub(super) fn create_view(
    schema: &mut Schema,
    cv: &CreateView,
    dialect: Dialect,
) -> Result<(), String> {
    let name = object(&cv.name, dialect)?;
    if !dialect.sql().views() {
        return Err(format!(
            "view {name}: views are not yet read for this dialect (PostgreSQL and SQLite are)"
        ));
    }
    if cv.materialized && !dialect.sql().enum_types() {
        return Err(format!(
            "view {name}: only PostgreSQL has materialized views"
        ));
    }
    if !cv.columns.is_empty() {
        return Err(format!(
            "view {name}: a column list is not supported; name the columns in the query (`SELECT a AS x`)"
        ));
    }
    if schema.views.contains_key(&name) && !cv.or_replace {
        return Err(format!("view {name} is declared twice"));
    }
    schema.views.insert(
        name.clone(),
        View {
            name,
            definition: cv.query.to_string(),
            materialized: cv.materialized,
            indexes: Vec::new(),
            reads: BTreeSet::new(),
            columns: Vec::new(),
        },
    );
    Ok(())
}

/// A `CREATE MATERIALIZED VIEW` without its final `WITH [NO] DATA`
/// (pg_dump writes `WITH NO DATA` and fills the view in its data section;
/// the parser reads neither, and a migration creates the view filled):
/// `None` for any other statement.
pub(super) fn without_data_clause(code: &str) -> Option<String> {
    let words: Vec<&str> = code.split_whitespace().collect();
    let starts = words.len() > 3
        && words[..3]
            .iter()
            .zip(["CREATE", "MATERIALIZED", "VIEW"])
            .all(|(w, k)| w.eq_ignore_ascii_case(k));
    if !starts {
        return None;
    }
    let trimmed = code.trim_end().trim_end_matches(';').trim_end();
    let upper = trimmed.to_ascii_uppercase();
    ["WITH NO DATA", "WITH DATA"]
        .iter()
        .find(|clause| upper.ends_with(*clause))
        .map(|clause| {
            trimmed[..trimmed.len() - clause.len()]
                .trim_end()
                .to_owned()
        })
}

/// Fills in what each view and trigger of `schema` reads: every table,
/// view, function, enum type or domain of the schema whose name appears
/// as a word in its
/// statement (an over-estimate, as a column named like a table counts
/// too, which only makes it dropped and created around one more change).
pub fn resolve_reads(schema: &mut Schema, dialect: Dialect) {
    let names: BTreeSet<String> = schema
        .tables
        .keys()
        .chain(schema.views.keys())
        .chain(schema.enums.keys())
        .chain(schema.domains.keys())
        .cloned()
        .chain(schema.functions.values().map(|f| f.name.clone()))
        .collect();
    for v in schema.views.values_mut() {
        v.reads = named(&v.definition, &v.name, &names, dialect);
    }
    for t in schema.triggers.values_mut() {
        t.reads = named(&t.definition, &t.name, &names, dialect);
    }
    let functions: BTreeSet<String> = schema.functions.values().map(|f| f.name.clone()).collect();
    for f in schema.functions.values_mut() {
        f.reads = named(&f.definition, &f.name, &functions, dialect);
    }
}

/// The words of `sql` that are among `names`, but `itself`.
fn named(sql: &str, itself: &str, names: &BTreeSet<String>, dialect: Dialect) -> BTreeSet<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(&sqlparser::dialect::GenericDialect {}, sql)
        .tokenize()
        .unwrap_or_default();
    tokens
        .into_iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(dialect.sql().fold_ident(&w.value, w.quote_style.is_some())),
            _ => None,
        })
        .filter(|w| w != itself && names.contains(w))
        .collect()
}
