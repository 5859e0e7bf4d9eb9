//! Triggers and functions in a declared schema (SQLite's triggers,
//! PostgreSQL's triggers, functions and procedures): read by their words,
//! not by `sqlparser`, which reads neither SQLite's trigger bodies nor
//! every PostgreSQL function; kept whole, with white space and comments
//! normalised. Pure.

use super::Dialect;
use crate::schema::{Function, Trigger};
use sqlparser::tokenizer::Token;

/// `definition` (normalised) without MySQL's `DEFINER = ...` clause when
/// it has one: `CREATE` and what follows the first of `kinds`.
fn without_definer(definition: String, definer: bool, kinds: &[&str]) -> String {
    if !definer {
        return definition;
    }
    let upper = definition.to_ascii_uppercase();
    match kinds.iter().filter_map(|k| upper.find(k)).min() {
        Some(i) => format!("CREATE{}", &definition[i..]),
        None => definition,
    }
}

/// Whether `t` is the unquoted keyword `k`.
fn keyword(t: &Token, k: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

/// Where the words after `CREATE [OR REPLACE]` start, if `words` start so.
fn after_create(words: &[Token]) -> Option<usize> {
    if !words.first().is_some_and(|t| keyword(t, "CREATE")) {
        return None;
    }
    Some(if words.get(1).is_some_and(|t| keyword(t, "OR")) {
        3
    } else {
        1
    })
}

/// The name at `at` (`schema.name` or `name`: the last part, folded) and
/// where the words after it start.
fn name_at(words: &[Token], mut at: usize, dialect: Dialect) -> Option<(String, usize)> {
    let mut name = None;
    while let Some(Token::Word(w)) = words.get(at) {
        name = Some(dialect.sql().fold_ident(&w.value, w.quote_style.is_some()));
        at += 1;
        if words.get(at) == Some(&Token::Period) {
            at += 1;
        } else {
            break;
        }
    }
    name.map(|n| (n, at))
}

/// The trigger `sql` creates, when it is a `CREATE [OR REPLACE]
/// [TEMP|TEMPORARY|CONSTRAINT] TRIGGER`: `None` for any other statement.
///
/// # Errors
/// A trigger whose name or table cannot be found.
/// Whether `code` (a statement without its comments) may be a `CREATE
/// TRIGGER`, `FUNCTION`, `PROCEDURE` or `AGGREGATE`: `CREATE` first and one
/// of those words among the next eight (after `OR REPLACE`, `DEFINER =
/// ...`, `TEMP`, `CONSTRAINT`). A cheap test on words, before [`read`] and
/// [`read_function`] tokenize the statement.
pub(super) fn may_be(code: &str) -> bool {
    let mut words = code.split_whitespace();
    words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("CREATE"))
        && words.take(8).any(|w| {
            ["TRIGGER", "FUNCTION", "PROCEDURE", "AGGREGATE"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
        })
}

pub(super) fn read(sql: &str, dialect: Dialect) -> Option<Result<Trigger, String>> {
    let words = dialect.sql().tokens(sql)?;
    let mut at = after_create(&words)?;
    // MySQL's `DEFINER = user@host` (mysqldump writes it): who the trigger
    // runs as, not what it is; left out of the definition below.
    let definer = words.get(at).is_some_and(|t| keyword(t, "DEFINER"));
    if definer {
        at = (at..words.len()).find(|&i| keyword(&words[i], "TRIGGER"))?;
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
    let Some((name, after)) = name_at(&words, at, dialect) else {
        return Some(Err("CREATE TRIGGER: cannot read the trigger's name".into()));
    };
    let on = (after..words.len()).find(|&i| keyword(&words[i], "ON"));
    let Some((table, _)) = on.and_then(|i| name_at(&words, i + 1, dialect)) else {
        return Some(Err(format!(
            "trigger {name}: cannot read the table after ON"
        )));
    };
    let definition = without_definer(
        crate::sqltext::normalize_space(sql),
        definer,
        &[" TRIGGER "],
    );
    Some(Ok(Trigger {
        name,
        table,
        definition,
        reads: Default::default(),
    }))
}

/// The function or procedure `sql` creates, when it is a `CREATE [OR
/// REPLACE] FUNCTION|PROCEDURE`: `None` for any other statement.
///
/// # Errors
/// A name or argument list that cannot be read, and an aggregate.
pub(super) fn read_function(sql: &str, dialect: Dialect) -> Option<Result<Function, String>> {
    let words = dialect.sql().tokens(sql)?;
    let mut at = after_create(&words)?;
    let definer = words.get(at).is_some_and(|t| keyword(t, "DEFINER"));
    if definer {
        at = (at..words.len())
            .find(|&i| keyword(&words[i], "FUNCTION") || keyword(&words[i], "PROCEDURE"))?;
    }
    let (procedure, aggregate) = match words.get(at) {
        Some(t) if keyword(t, "FUNCTION") => (false, false),
        Some(t) if keyword(t, "PROCEDURE") => (true, false),
        Some(t) if keyword(t, "AGGREGATE") => (false, true),
        _ => return None,
    };
    at += 1;
    let Some((name, at)) =
        name_at(&words, at, dialect).filter(|(_, at)| words.get(*at) == Some(&Token::LParen))
    else {
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
        aggregate,
        reads: Default::default(),
        arguments,
        definition: without_definer(
            crate::sqltext::normalize_space(sql),
            definer,
            &[" FUNCTION ", " PROCEDURE "],
        ),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_keeps_its_identity_arguments_without_defaults() {
        let f = read_function(
            "CREATE OR REPLACE FUNCTION public.with_tax(p numeric, rate numeric(4,2) DEFAULT 1.2, VARIADIC xs int[] = '{}') RETURNS numeric LANGUAGE sql AS $$ SELECT p * rate $$",
            Dialect::Postgres,
        )
        .unwrap()
        .unwrap();
        assert_eq!(f.name, "with_tax");
        assert!(!f.procedure);
        assert_eq!(
            f.arguments,
            "p numeric, rate numeric ( 4 , 2 ), VARIADIC xs int [ ]"
        );
        assert!(read_function("CREATE TABLE t (id int)", Dialect::Postgres).is_none());
        let a = read_function(
            "CREATE AGGREGATE a (int) (sfunc = f, stype = int)",
            Dialect::Postgres,
        )
        .unwrap()
        .unwrap();
        assert_eq!((a.kind(), a.arguments.as_str()), ("AGGREGATE", "int"));
    }

    #[test]
    fn a_trigger_is_named_with_its_table_in_either_dialect() {
        let t = read(
            "CREATE TRIGGER IF NOT EXISTS main.t_ins AFTER INSERT ON \"Orders\" BEGIN SELECT 1; END",
            Dialect::Sqlite,
        )
        .unwrap()
        .unwrap();
        assert_eq!((t.name.as_str(), t.table.as_str()), ("t_ins", "Orders"));
        let t = read(
            "CREATE OR REPLACE CONSTRAINT TRIGGER c AFTER UPDATE ON public.orders DEFERRABLE FOR EACH ROW EXECUTE FUNCTION f()",
            Dialect::Postgres,
        )
        .unwrap()
        .unwrap();
        assert_eq!((t.name.as_str(), t.table.as_str()), ("c", "orders"));
        assert!(read("CREATE VIEW v AS SELECT 1", Dialect::Sqlite).is_none());
        // mysqldump's, its DEFINER left out.
        let t = read(
            "CREATE   DEFINER=`root`@`localhost`  TRIGGER `t_ins` BEFORE INSERT ON `t` FOR EACH ROW BEGIN SET NEW.a = 1; END",
            Dialect::MySql,
        )
        .unwrap()
        .unwrap();
        assert_eq!((t.name.as_str(), t.table.as_str()), ("t_ins", "t"));
        assert_eq!(
            t.definition,
            "CREATE TRIGGER `t_ins` BEFORE INSERT ON `t` FOR EACH ROW BEGIN SET NEW.a = 1; END"
        );
    }
}
