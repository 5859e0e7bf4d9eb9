//! PostgreSQL's domains as pg_dump writes them: `CREATE DOMAIN name AS
//! type [COLLATE c] [NOT NULL] [DEFAULT expr] [CONSTRAINT n CHECK (...)]...`.
//! Pure.
//!
//! sqlparser reads the statement but neither `NOT NULL` nor a
//! schema-qualified collation (`COLLATE pg_catalog."C"`): both are taken
//! out of its tokens first, and `NOT NULL` handed to [`domain`].

use super::{ident, object};
use crate::dialect::Dialect;
use crate::schema::{Check, Domain};
use sqlparser::ast::{CreateDomain, DataType, TableConstraint};
use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

/// `code` without what sqlparser does not read, and whether it said `NOT
/// NULL`; `None` when `code` is no `CREATE DOMAIN`.
pub(super) fn without_unread_clauses(code: &str) -> Option<(String, bool)> {
    if !super::starts_with_words(code, &["CREATE", "DOMAIN"]) {
        return None;
    }
    let tokens: Vec<Token> = Tokenizer::new(&GenericDialect {}, code)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect();
    if !(is_word(tokens.first(), "CREATE") && is_word(tokens.get(1), "DOMAIN")) {
        return None;
    }
    let mut kept: Vec<String> = Vec::with_capacity(tokens.len());
    let (mut depth, mut not_null, mut i) = (0i32, false, 0);
    while i < tokens.len() {
        let t = &tokens[i];
        match t {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            _ => {}
        }
        if depth == 0 && is_word(Some(t), "NOT") && is_word(tokens.get(i + 1), "NULL") {
            not_null = true;
            i += 2;
            continue;
        }
        // A bare `NULL` (nullable, the default), not `DEFAULT NULL`.
        let after_default = kept
            .last()
            .is_some_and(|k| k.eq_ignore_ascii_case("DEFAULT"));
        if depth == 0 && is_word(Some(t), "NULL") && !after_default {
            i += 1;
            continue;
        }
        if depth == 0 && is_word(Some(t), "COLLATE") {
            // `COLLATE pg_catalog."C"`: the last part only.
            let mut j = i + 1;
            while tokens.get(j + 1) == Some(&Token::Period) {
                j += 2;
            }
            kept.push(t.to_string());
            kept.push(tokens.get(j).map(ToString::to_string).unwrap_or_default());
            i = j + 1;
            continue;
        }
        kept.push(t.to_string());
        i += 1;
    }
    Some((kept.join(" "), not_null))
}

/// The domain `cd` declares, `NOT NULL` when `not_null`.
///
/// # Errors
/// A constraint other than a check.
pub(super) fn domain(
    cd: &CreateDomain,
    not_null: bool,
    dialect: Dialect,
) -> Result<Domain, String> {
    let name = object(&cd.name, dialect)?;
    let raw_type = match &cd.data_type {
        DataType::Custom(n, args) if n.0.len() > 1 && args.is_empty() => {
            n.0.last()
                .map_or_else(|| cd.data_type.to_string(), |p| p.to_string())
        }
        other => other.to_string(),
    };
    let checks = cd
        .constraints
        .iter()
        .map(|c| match c {
            TableConstraint::Check(ch) => Ok(Check {
                name: ch.name.as_ref().map(|n| ident(n, dialect)),
                expression: ch.expr.to_string(),
                not_valid: false,
            }),
            other => Err(format!(
                "domain {name}: constraint `{other}` is not in Revisor's model (checks only)"
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Domain {
        ty: dialect.sql().read_type(&raw_type),
        not_null,
        default: cd.default.as_ref().map(ToString::to_string),
        collation: cd.collation.as_ref().map(|c| c.value.clone()),
        checks,
        name,
    })
}
