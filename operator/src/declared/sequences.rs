//! Serial and identity columns as pg_dump writes them: a `CREATE
//! SEQUENCE`, an `ALTER SEQUENCE ... OWNED BY` and an `ALTER TABLE ...
//! ALTER COLUMN ... SET DEFAULT nextval(...)` for `serial`, and `ALTER
//! TABLE ... ALTER COLUMN ... ADD GENERATED ... AS IDENTITY (SEQUENCE NAME
//! ...)` for an identity column. Pure.
//!
//! A column's own sequence is the column's (serial): named
//! `<table>_<column>_seq` ([`sequence_name`]), owned by that column, with
//! the default options (start 1, step 1, no bounds, cache 1, no cycle). A
//! sequence no column owns is a standalone one ([`crate::schema::Sequence`],
//! every setting kept), and a column default that draws from it
//! (`nextval('public.s'::regclass)`, pg_dump's words) is kept in the
//! server's words (`nextval('s'::regclass)`). Anything else (a sequence
//! owned by a column that does not draw from it, or with another name or
//! settings) is refused with the line of its statement: a dump that needs
//! it would not round-trip.
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
    /// Its options as written (for a serial one, checked to be the
    /// defaults; for a standalone one, its settings).
    options: Vec<SequenceOptions>,
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
        if !super::starts_with_words(code, &["ALTER", "SEQUENCE"]) {
            return None;
        }
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
        if !(super::contains_word_ci(code, "SEQUENCE") && super::contains_word_ci(code, "IDENTITY"))
        {
            return None;
        }
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
                options: options.to_vec(),
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
    /// serial column, keeps every sequence no column owns as a standalone
    /// one (and the defaults that draw from it in the server's words), and
    /// refuses the rest.
    ///
    /// # Errors
    /// `(at, message)` for each sequence or default that is neither.
    pub(super) fn resolve(mut self, schema: &mut Schema, dialect: Dialect) -> Vec<(At, String)> {
        let mut errors = Vec::new();
        // Defaults written in the column (`DEFAULT nextval(...)` in CREATE
        // TABLE, as pg_dump writes a standalone sequence's user) are uses
        // too.
        let inline: Vec<(At, String, String, String)> = schema
            .tables
            .values()
            .flat_map(|t| {
                t.columns.iter().filter_map(|c| {
                    let seq = nextval_text(c.default.as_deref()?, dialect)?;
                    let at = self
                        .declared
                        .get(&seq)
                        .map_or_else(|| self.at.clone(), |s| s.at.clone());
                    Some((at, t.name.clone(), c.name.clone(), seq))
                })
            })
            .collect();
        self.uses.extend(inline);
        for (at, table, column, seq) in std::mem::take(&mut self.uses) {
            let declared = self.declared.get_mut(&seq);
            let standalone = declared.as_ref().is_some_and(|s| s.owner.is_none());
            // A partition's column draws from its parent's serial
            // sequence (PostgreSQL copies the default to the partition).
            let parent = schema
                .tables
                .get(&table)
                .and_then(|t| t.storage.partition_of.as_ref())
                .map(|p| p.parent.clone());
            let owned_by = |t: &str, c: &str| {
                declared.as_ref().is_some_and(|s| {
                    s.owner.as_ref().is_some_and(|(ot, oc)| {
                        ot.eq_ignore_ascii_case(t) && oc.eq_ignore_ascii_case(c)
                    })
                })
            };
            // The parent's serial column owns it: declared with its
            // sequence (pg_dump) or as `serial` (a user, `schema dump`).
            let parent_serial = |p: &str| {
                schema
                    .tables
                    .get(p)
                    .and_then(|t| t.column(&column))
                    .is_some_and(|c| c.identity_kind == Some(IdentityKind::Serial))
            };
            let standalone = standalone
                || parent.is_some_and(|p| {
                    (owned_by(&p, &column) || parent_serial(&p))
                        && seq == sequence_name(&p, &column)
                });
            let own = owned_by(&table, &column) && seq == sequence_name(&table, &column);
            if let Some(s) = declared {
                s.used = true;
            }
            let col = schema
                .tables
                .get_mut(&table)
                .and_then(|t| t.columns.iter_mut().find(|c| c.name == column));
            match (own, standalone, col) {
                (_, _, None) => errors.push((at, format!("column {table}.{column} is not declared before its default"))),
                (true, _, Some(c)) => {
                    let options = &self.declared[&seq].options;
                    if let Err(m) = check_options(&seq, options) {
                        errors.push((self.declared[&seq].at.clone(), m));
                    }
                    c.identity = true;
                    c.identity_kind = Some(IdentityKind::Serial);
                    c.default = None;
                }
                (false, true, Some(c)) => c.default = Some(nextval_default(&seq, dialect)),
                (false, false, _) => errors.push((
                    at,
                    format!(
                        "column {table}.{column}: its default draws from sequence {seq}, which is neither its own serial sequence ({}, owned by the column) nor a standalone one (declared, owned by no column)",
                        sequence_name(&table, &column)
                    ),
                )),
            }
        }
        for (name, s) in self.declared {
            if s.owner.is_none() {
                match standalone(&name, &s.options) {
                    Ok(q) => {
                        schema.sequences.insert(name, q);
                    }
                    Err(m) => errors.push((s.at, m)),
                }
            } else if !s.used {
                errors.push((
                    s.at,
                    format!(
                        "sequence {name}: owned by a column whose default does not draw from it"
                    ),
                ));
            }
        }
        errors
    }
}

/// A standalone sequence from its declared options.
fn standalone(name: &str, options: &[SequenceOptions]) -> Result<crate::schema::Sequence, String> {
    let number = |e: &Expr| -> Result<i64, String> {
        let text = e.to_string().replace(' ', "");
        text.parse()
            .map_err(|_| format!("sequence {name}: `{text}` is not a whole number"))
    };
    let mut o = crate::schema::SequenceOptions::default();
    for opt in options {
        match opt {
            SequenceOptions::DataType(t) => o.ty = Some(t.to_string()),
            SequenceOptions::IncrementBy(e, _) => o.increment = Some(number(e)?),
            SequenceOptions::MinValue(e) => o.min = e.as_ref().map(number).transpose()?,
            SequenceOptions::MaxValue(e) => o.max = e.as_ref().map(number).transpose()?,
            SequenceOptions::StartWith(e, _) => o.start = Some(number(e)?),
            SequenceOptions::Cache(e) => o.cache = Some(number(e)?),
            SequenceOptions::Cycle(no) => o.cycle = !no,
            SequenceOptions::OwnedBy(_) => {}
        }
    }
    crate::schema::Sequence::with_defaults(name, &o)
}

/// A default that draws from standalone sequence `seq`, in PostgreSQL's
/// words (`pg_get_expr`): `nextval('seq'::regclass)`, the name quoted
/// where it needs it.
fn nextval_default(seq: &str, dialect: Dialect) -> String {
    let name = dialect.sql().quote(seq);
    format!(
        "nextval({}::regclass)",
        crate::render::literal(&name, dialect)
    )
}

/// The sequence a default's text draws from, when it is
/// `nextval('[schema.]s'[::regclass])`.
fn nextval_text(default: &str, dialect: Dialect) -> Option<String> {
    if !default
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("nextval")
    {
        return None;
    }
    let parsed = dialect.sql().parse(&format!("SELECT {default}")).ok()?;
    let Some(sqlparser::ast::Statement::Query(q)) = parsed.first() else {
        return None;
    };
    let sqlparser::ast::SetExpr::Select(s) = q.body.as_ref() else {
        return None;
    };
    match s.projection.first()? {
        sqlparser::ast::SelectItem::UnnamedExpr(e) => nextval_of(e, dialect),
        _ => None,
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
