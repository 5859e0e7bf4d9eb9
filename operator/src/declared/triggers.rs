//! Triggers in a declared schema (SQLite so far): read by their words,
//! not by `sqlparser`, whose trigger grammar is PostgreSQL's; kept whole,
//! with white space and comments normalised. Pure.

use super::Dialect;
use crate::schema::Trigger;
use sqlparser::tokenizer::{Token, Tokenizer};

/// The trigger `sql` creates, when it is a `CREATE [TEMP|TEMPORARY]
/// TRIGGER`: `None` for any other statement.
///
/// # Errors
/// A trigger whose name or table cannot be found.
pub(super) fn read(sql: &str, dialect: Dialect) -> Option<Result<Trigger, String>> {
    let tokens = Tokenizer::new(&sqlparser::dialect::SQLiteDialect {}, sql)
        .tokenize()
        .ok()?;
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let keyword = |t: &Token, k: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let mut at = 0;
    if !words.first().is_some_and(|t| keyword(t, "CREATE")) {
        return None;
    }
    at += 1;
    if words
        .get(at)
        .is_some_and(|t| keyword(t, "TEMP") || keyword(t, "TEMPORARY"))
    {
        at += 1;
    }
    if !words.get(at).is_some_and(|t| keyword(t, "TRIGGER")) {
        return None;
    }
    at += 1;
    if words.get(at).is_some_and(|t| keyword(t, "IF")) {
        at += 3;
    }
    // `schema.name` or `name`: the last part.
    let name_at = |mut at: usize| -> Option<(String, usize)> {
        let mut name = None;
        while let Some(Token::Word(w)) = words.get(at) {
            name = Some(dialect.sql().fold_ident(&w.value, w.quote_style.is_some()));
            if words.get(at + 1) == Some(&&Token::Period) {
                at += 2;
            } else {
                return name.map(|n| (n, at + 1));
            }
        }
        name.map(|n| (n, at))
    };
    let Some((name, after)) = name_at(at) else {
        return Some(Err("CREATE TRIGGER: cannot read the trigger's name".into()));
    };
    let on = (after..words.len()).find(|&i| keyword(words[i], "ON"));
    let Some((table, _)) = on.and_then(|i| name_at(i + 1)) else {
        return Some(Err(format!(
            "trigger {name}: cannot read the table after ON"
        )));
    };
    Some(Ok(Trigger {
        name,
        table,
        definition: crate::sqltext::normalize_space(sql),
    }))
}
