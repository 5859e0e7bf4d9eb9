//! Serial and identity columns as pg_dump writes them: a `CREATE
//! SEQUENCE`, an `ALTER SEQUENCE ... OWNED BY` and an `ALTER TABLE ...
//! ALTER COLUMN ... SET DEFAULT nextval(...)` for `serial`, and `ALTER
//! TABLE ... ALTER COLUMN ... ADD GENERATED ... AS IDENTITY (SEQUENCE NAME
//! ...)` for an identity column. Pure.
//!
//! The model holds a sequence only as a column's: named
//! `<table>_<column>_seq` ([`sequence_name`]), owned by that column, with
//! the default options (start 1, step 1, no bounds, cache 1, no cycle).
//! Anything else, a standalone sequence included, is refused with the
//! line of its statement: a dump that needs it would not round-trip.
//!
//! sqlparser reads neither `ALTER SEQUENCE` nor `SEQUENCE NAME` among an
//! identity's options; both are read from sqlparser's tokens here.

use crate::dialect::Dialect;
use crate::schema::{sequence_name, IdentityKind, Schema};
use sqlparser::ast::{Expr, SequenceOptions, Value};
use sqlparser::dialect::GenericDialect;
use sqlparser::tokenizer::{Token, Tokenizer};
use std::collections::BTreeMap;

/// Where a statement is: file and 1-based line.
pub(super) type At = (String, usize);

/// A declared sequence.
#[derive(Debug)]
struct Sequence {
    at: At,
    /// `OWNED BY` table and column.
    owner: Option<(String, String)>,
    /// Whether a column's default draws from it.
    used: bool,
}

/// The sequences of a declared schema and the column defaults that draw
/// from them, resolved into serial columns once every file is read.
#[derive(Debug, Default)]
pub(super) struct Sequences {
    declared: BTreeMap<String, Sequence>,
    /// `(at, table, column, sequence)` of each `DEFAULT nextval(...)`.
    uses: Vec<(At, String, String, String)>,
    /// Where the statement being read is.
    pub(super) at: At,
    /// The `SEQUENCE NAME` taken out of the statement being read.
    pub(super) identity_name: Option<String>,
}

/// The words and other tokens of `code`, white space and comments left out.
fn tokens(code: &str) -> Vec<Token> {
    Tokenizer::new(&GenericDialect {}, code)
        .tokenize()
        .unwrap_or_default()
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .collect()
}

fn is_word(t: Option<&Token>, w: &str) -> bool {
    matches!(t, Some(Token::Word(x)) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
}

/// A dotted name starting at `tokens[i]`: its parts, folded as `dialect`
/// folds identifiers, and the index after it.
fn dotted(tokens: &[Token], mut i: usize, dialect: Dialect) -> (Vec<String>, usize) {
    let mut parts = Vec::new();
    while let Some(Token::Word(w)) = tokens.get(i) {
        parts.push(dialect.sql().fold_ident(&w.value, w.quote_style.is_some()));
        i += 1;
        if tokens.get(i) != Some(&Token::Period) {
            break;
        }
        i += 1;
    }
    (parts, i)
}

impl Sequences {
    /// `ALTER SEQUENCE s OWNED BY t.c` (or `OWNED BY NONE`): `None` when
    /// `code` is no `ALTER SEQUENCE`; an error for any other form.
    pub(super) fn alter_sequence(
        &mut self,
        code: &str,
        dialect: Dialect,
    ) -> Option<Result<(), String>> {
        let t = tokens(code);
        if !(is_word(t.first(), "ALTER") && is_word(t.get(1), "SEQUENCE")) {
            return None;
        }
        let (name, i) = dotted(&t, 2, dialect);
        let seq = name.last().cloned().unwrap_or_default();
        if !(is_word(t.get(i), "OWNED") && is_word(t.get(i + 1), "BY")) {
            return Some(Err(format!(
                "ALTER SEQUENCE {seq}: only OWNED BY is read (a sequence's other settings are not in Revisor's model)"
            )));
        }
        let (owner, end) = dotted(&t, i + 2, dialect);
        if end < t.len() && t.get(end) != Some(&Token::SemiColon) {
            return Some(Err(format!("ALTER SEQUENCE {seq}: cannot read OWNED BY")));
        }
        Some(self.own(&seq, &owner))
    }

    fn own(&mut self, seq: &str, owner: &[String]) -> Result<(), String> {
        let s = self.declared.get_mut(seq).ok_or_else(|| {
            format!("ALTER SEQUENCE {seq}: the sequence is not declared before it")
        })?;
        s.owner = match owner {
            [.., t, c] => Some((t.clone(), c.clone())),
            _ => None,
        };
        Ok(())
    }

    /// `code` without the `SEQUENCE NAME s` of an identity's options, which
    /// sqlparser does not read; `s` is kept for [`Sequences::check_identity`].
    /// `None` when `code` has none.
    pub(super) fn without_sequence_name(&mut self, code: &str, dialect: Dialect) -> Option<String> {
        let t = tokens(code);
        let i = (0..t.len())
            .find(|&i| is_word(t.get(i), "SEQUENCE") && is_word(t.get(i + 1), "NAME"))?;
        if !t.iter().any(|x| is_word(Some(x), "IDENTITY")) {
            return None;
        }
        let (name, end) = dotted(&t, i + 2, dialect);
        self.identity_name = name.last().cloned();
        let kept: Vec<String> = t[..i]
            .iter()
            .chain(&t[end..])
            .map(|x| x.to_string())
            .collect();
        Some(kept.join(" "))
    }

    /// `CREATE SEQUENCE name ...`, with its options.
    pub(super) fn create(
        &mut self,
        name: String,
        options: &[SequenceOptions],
    ) -> Result<(), String> {
        check_options(&name, options)?;
        if self.declared.contains_key(&name) {
            return Err(format!("sequence {name} is declared twice"));
        }
        let mut owner = None;
        for o in options {
            if let SequenceOptions::OwnedBy(Some(n)) = o {
                let parts: Vec<String> =
                    n.0.iter()
                        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
                        .collect();
                if let [.., t, c] = parts.as_slice() {
                    owner = Some((t.clone(), c.clone()));
                }
            }
        }
        self.declared.insert(
            name,
            Sequence {
                at: self.at.clone(),
                owner,
                used: false,
            },
        );
        Ok(())
    }

    /// A column's `DEFAULT nextval('s'::regclass)`: `true` when `default`
    /// is one (recorded, resolved by [`Sequences::resolve`]).
    pub(super) fn default_uses(
        &mut self,
        table: &str,
        column: &str,
        default: &Expr,
        dialect: Dialect,
    ) -> bool {
        let Some(seq) = nextval_of(default, dialect) else {
            return false;
        };
        self.uses
            .push((self.at.clone(), table.to_owned(), column.to_owned(), seq));
        true
    }

    /// The identity of `table.column` added by `ADD GENERATED ... AS
    /// IDENTITY`: its options must be the defaults and its sequence, if
    /// named, the standard one.
    pub(super) fn check_identity(
        &mut self,
        table: &str,
        column: &str,
        options: &[SequenceOptions],
    ) -> Result<(), String> {
        let name = sequence_name(table, column);
        check_options(&name, options)?;
        match self.identity_name.take() {
            Some(n) if n != name => Err(format!(
                "column {table}.{column}: its identity's sequence is named {n}; Revisor's model holds only the standard name {name}"
            )),
            _ => Ok(()),
        }
    }

    /// Makes every column whose default draws from its own sequence a
    /// serial column, and refuses every other use and every sequence no
    /// column owns.
    ///
    /// # Errors
    /// `(at, message)` for each sequence or default that is not a serial
    /// column's.
    pub(super) fn resolve(mut self, schema: &mut Schema) -> Vec<(At, String)> {
        let mut errors = Vec::new();
        for (at, table, column, seq) in std::mem::take(&mut self.uses) {
            let ok = self.declared.get_mut(&seq).is_some_and(|s| {
                s.used = true;
                s.owner.as_ref().is_some_and(|(t, c)| {
                    t.eq_ignore_ascii_case(&table) && c.eq_ignore_ascii_case(&column)
                })
            }) && seq == sequence_name(&table, &column);
            let col = schema
                .tables
                .get_mut(&table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column));
            match (ok, col) {
                (true, Some(c)) => {
                    c.identity = true;
                    c.identity_kind = Some(IdentityKind::Serial);
                    c.default = None;
                }
                (_, None) => errors.push((at, format!("column {table}.{column} is not declared before its default"))),
                (false, _) => errors.push((
                    at,
                    format!(
                        "column {table}.{column}: its default draws from sequence {seq}, which is not its own serial sequence ({}, owned by the column); standalone sequences are not in Revisor's model yet",
                        sequence_name(&table, &column)
                    ),
                )),
            }
        }
        for (name, s) in self.declared {
            if !s.used {
                errors.push((
                    s.at,
                    format!("sequence {name}: no column's default draws from it; standalone sequences are not in Revisor's model yet"),
                ));
            }
        }
        errors
    }
}

/// The sequence `e` draws from, when it is `nextval('[schema.]s'[::regclass])`.
fn nextval_of(e: &Expr, dialect: Dialect) -> Option<String> {
    let Expr::Function(f) = e else { return None };
    if !f.name.to_string().eq_ignore_ascii_case("nextval") {
        return None;
    }
    let text = f.args.to_string();
    let arg = text.trim_matches(|c| c == '(' || c == ')');
    let lit = arg.split("::").next()?.trim();
    let name = lit.strip_prefix('\'')?.strip_suffix('\'')?;
    let last = name.rsplit('.').next()?;
    Some(
        match last.strip_prefix('"').and_then(|l| l.strip_suffix('"')) {
            Some(q) => dialect.sql().fold_ident(q, true),
            None => dialect.sql().fold_ident(last, false),
        },
    )
}

/// Refuses sequence options other than the defaults pg_dump writes
/// (`START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1`).
pub(super) fn check_options(name: &str, options: &[SequenceOptions]) -> Result<(), String> {
    let one = |e: &Expr| matches!(e, Expr::Value(v) if v.value == Value::Number("1".into(), false));
    for o in options {
        let default = match o {
            SequenceOptions::DataType(_) | SequenceOptions::OwnedBy(_) => true,
            SequenceOptions::IncrementBy(e, _)
            | SequenceOptions::StartWith(e, _)
            | SequenceOptions::Cache(e) => one(e),
            SequenceOptions::MinValue(e) => e.as_ref().is_none_or(one),
            SequenceOptions::MaxValue(e) => e.is_none(),
            SequenceOptions::Cycle(no) => *no,
        };
        if !default {
            return Err(format!(
                "sequence {name}: option `{}` is not the default; sequence settings are not in Revisor's model yet",
                o.to_string().trim()
            ));
        }
    }
    Ok(())
}
