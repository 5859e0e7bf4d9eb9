//! Triggers and functions in a declared schema (SQLite's triggers,
//! PostgreSQL's triggers, functions and procedures): read by their words,
//! not by `sqlparser`, which reads neither SQLite's trigger bodies nor
//! every PostgreSQL function; kept whole, with white space and comments
//! normalised. Pure.

use super::Dialect;
use crate::schema::{Function, Trigger};
use sqlparser::tokenizer::{Token, Tokenizer};

/// The trigger `sql` creates, when it is a `CREATE [OR REPLACE]
/// [TEMP|TEMPORARY|CONSTRAINT] TRIGGER`: `None` for any other statement.
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
    if words.get(at).is_some_and(|t| keyword(t, "OR")) {
        at += 2;
    }
    while words
        .get(at)
        .is_some_and(|t| keyword(t, "TEMP") || keyword(t, "TEMPORARY") || keyword(t, "CONSTRAINT"))
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
        reads: Default::default(),
    }))
}

/// The function or procedure `sql` creates, when it is a `CREATE [OR
/// REPLACE] FUNCTION|PROCEDURE`: `None` for any other statement.
///
/// # Errors
/// A name or argument list that cannot be read, and an aggregate.
pub(super) fn read_function(sql: &str, dialect: Dialect) -> Option<Result<Function, String>> {
    let tokens = Tokenizer::new(&sqlparser::dialect::PostgreSqlDialect {}, sql)
        .tokenize()
        .ok()?;
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    let keyword = |t: &Token, k: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    if !words.first().is_some_and(|t| keyword(t, "CREATE")) {
        return None;
    }
    let mut at = 1;
    if words.get(at).is_some_and(|t| keyword(t, "OR")) {
        at += 2;
    }
    let procedure = match words.get(at) {
        Some(t) if keyword(t, "FUNCTION") => false,
        Some(t) if keyword(t, "PROCEDURE") => true,
        Some(t) if keyword(t, "AGGREGATE") => {
            return Some(Err(
                "CREATE AGGREGATE: aggregates are not supported yet".into()
            ))
        }
        _ => return None,
    };
    at += 1;
    let mut name = None;
    while let Some(Token::Word(w)) = words.get(at) {
        name = Some(dialect.sql().fold_ident(&w.value, w.quote_style.is_some()));
        at += 1;
        if words.get(at) == Some(&&Token::Period) {
            at += 1;
        } else {
            break;
        }
    }
    let (Some(name), Some(Token::LParen)) = (name, words.get(at)) else {
        return Some(Err(
            "CREATE FUNCTION: cannot read the name and arguments".into()
        ));
    };
    // The arguments up to the matching parenthesis, each without its
    // DEFAULT: the identity `DROP FUNCTION` takes.
    let mut depth = 0usize;
    let mut args: Vec<Vec<String>> = vec![Vec::new()];
    let mut defaulted = false;
    for t in &words[at..] {
        match t {
            Token::LParen => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Token::Comma if depth == 1 => {
                args.push(Vec::new());
                defaulted = false;
                continue;
            }
            _ => {}
        }
        if keyword(t, "DEFAULT") || matches!(t, Token::Eq) {
            defaulted = true;
        }
        if !defaulted {
            if let Some(last) = args.last_mut() {
                last.push(t.to_string());
            }
        }
    }
    let arguments = args
        .iter()
        .map(|a| a.join(" "))
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    Some(Ok(Function {
        name,
        procedure,
        arguments,
        definition: crate::sqltext::normalize_space(sql),
    }))
}
