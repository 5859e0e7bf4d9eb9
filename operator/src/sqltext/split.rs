//! Splits a section of SQL into statements at top-level semicolons.
//!
//! Semicolons inside these survive: single-quoted strings (`''` doubles a
//! quote; `E'...'` strings also take backslash escapes, as in PostgreSQL),
//! double-quoted and backtick-quoted identifiers, `--` line comments, `/* */`
//! block comments (nested, as PostgreSQL allows), and dollar-quoted bodies
//! (`$$ ... $$`, `$fn$ ... $fn$`). `$1` style parameters are not quotes.
//! So do those in the body of a `CREATE ... TRIGGER|FUNCTION|PROCEDURE|EVENT
//! ... BEGIN ... END` (SQLite's triggers, MySQL's routines, PostgreSQL's
//! `BEGIN ATOMIC`): `BEGIN` and `CASE` open a
//! block, `END` closes one (`END IF`, `END LOOP`, `END WHILE` and `END
//! REPEAT` close no `BEGIN`), and the statement ends at the first
//! semicolon outside every block.
//! A `DELIMITER x` line between statements (the mysql client's, which
//! mysqldump writes around triggers and routines) makes `x` end statements
//! until the next one.
//! Statements that hold only white space and comments are dropped.

/// Why a section could not be split; `line` is 1-based within the section.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SplitError {
    /// A `'` string that never closes.
    #[error("unterminated string starting on line {line}")]
    String {
        /// 1-based line within the section where it starts.
        line: usize,
    },
    /// A `"` or backtick identifier that never closes.
    #[error("unterminated quoted identifier starting on line {line}")]
    Identifier {
        /// 1-based line within the section where it starts.
        line: usize,
    },
    /// A `/*` comment that never closes.
    #[error("unterminated /* comment starting on line {line}")]
    Comment {
        /// 1-based line within the section where it starts.
        line: usize,
    },
    /// A `$tag$` body that never closes.
    #[error("unterminated dollar-quoted body ${tag}$ starting on line {line}")]
    DollarQuote {
        /// The tag between the dollars, empty for `$$`.
        tag: String,
        /// 1-based line within the section where it starts.
        line: usize,
    },
}

impl SplitError {
    /// The 1-based line within the section where the unterminated construct starts.
    pub fn line(&self) -> usize {
        match self {
            SplitError::String { line }
            | SplitError::Identifier { line }
            | SplitError::Comment { line }
            | SplitError::DollarQuote { line, .. } => *line,
        }
    }
}

/// One statement of a section: its text without the closing semicolon,
/// trimmed, and the 1-based line it starts on within the section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement text.
    pub sql: &'a str,
    /// 1-based line within the section.
    pub line: usize,
}

/// Splits `sql` into statements.
///
/// # Errors
/// [`SplitError`] for an unterminated string, identifier, comment or
/// dollar-quoted body, naming the line where it starts.
pub fn split_statements(sql: &str) -> Result<Vec<Statement<'_>>, SplitError> {
    split_statements_with(sql, false)
}

/// [`split_statements`], with `backslash_escapes` for MySQL and MariaDB,
/// where `\'` escapes a quote in every string (unless the server runs with
/// `NO_BACKSLASH_ESCAPES`).
///
/// # Errors
/// As [`split_statements`].
pub fn split_statements_with(
    sql: &str,
    backslash_escapes: bool,
) -> Result<Vec<Statement<'_>>, SplitError> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut start = 0;
    let mut start_line = 1;
    // Whether the current statement holds anything but white space and comments.
    let mut has_code = false;
    // The current statement's first words (up to three, upper case), and
    // the depth of BEGIN/CASE blocks in a trigger body.
    let mut words: Vec<String> = Vec::new();
    let mut trigger = false;
    let mut blocks = 0usize;
    // The mysql client's `DELIMITER` (mysqldump's `DELIMITER ;;` around
    // triggers and routines): a line of its own between statements.
    let mut delimiter: Vec<u8> = b";".to_vec();
    while i < b.len() {
        if !has_code && starts_with_word(&b[i..], b"DELIMITER") {
            let rest = &b[i + 9..];
            let skip = rest
                .iter()
                .take_while(|c| **c == b' ' || **c == b'\t')
                .count();
            let token: Vec<u8> = rest[skip..]
                .iter()
                .take_while(|c| !c.is_ascii_whitespace())
                .copied()
                .collect();
            if !token.is_empty() {
                delimiter = token;
                i = (i..b.len()).find(|&j| b[j] == b'\n').unwrap_or(b.len());
                start = i;
                start_line = line;
                continue;
            }
        }
        if delimiter != b";" && b[i..].starts_with(&delimiter) {
            if has_code {
                out.push(statement(sql, start, i, start_line));
            }
            i += delimiter.len();
            start = i;
            start_line = line;
            has_code = false;
            words.clear();
            trigger = false;
            blocks = 0;
            continue;
        }
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let open_line = line;
                let mut depth = 0usize;
                loop {
                    if i >= b.len() {
                        return Err(SplitError::Comment { line: open_line });
                    }
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        if b[i] == b'\n' {
                            line += 1;
                        }
                        i += 1;
                    }
                }
            }
            b'\'' => {
                has_code = true;
                let escape_string =
                    i > 0 && matches!(b[i - 1], b'E' | b'e') && (i < 2 || !is_ident(b[i - 2]));
                let escapes = backslash_escapes || escape_string;
                let open_line = line;
                i = skip_quoted(b, i, b'\'', escapes, &mut line)
                    .ok_or(SplitError::String { line: open_line })?;
            }
            b'"' | b'`' => {
                has_code = true;
                let open_line = line;
                i = skip_quoted(b, i, c, false, &mut line)
                    .ok_or(SplitError::Identifier { line: open_line })?;
            }
            b'$' if dollar_tag(b, i).is_some() && (i == 0 || !is_ident(b[i - 1])) => {
                has_code = true;
                let tag_len = dollar_tag(b, i).unwrap_or(0);
                let tag = &b[i..i + tag_len];
                let open_line = line;
                i += tag_len;
                loop {
                    if i >= b.len() {
                        let tag = String::from_utf8_lossy(&tag[1..tag.len() - 1]).into_owned();
                        return Err(SplitError::DollarQuote {
                            tag,
                            line: open_line,
                        });
                    }
                    if b[i..].starts_with(tag) {
                        i += tag_len;
                        break;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b';' if blocks > 0 || delimiter != b";" => {
                has_code = true;
                i += 1;
            }
            b';' => {
                if has_code {
                    out.push(statement(sql, start, i, start_line));
                }
                i += 1;
                start = i;
                start_line = line;
                has_code = false;
                words.clear();
                trigger = false;
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if is_ident(c) && (i == 0 || !is_ident(b[i - 1])) => {
                has_code = true;
                let end = (i..b.len()).find(|&j| !is_ident(b[j])).unwrap_or(b.len());
                let word = &b[i..end];
                let was = trigger;
                if words.len() < 8 && !trigger {
                    words.push(String::from_utf8_lossy(word).to_ascii_uppercase());
                    trigger = is_routine(&words);
                }
                if was {
                    if word.eq_ignore_ascii_case(b"BEGIN") || word.eq_ignore_ascii_case(b"CASE") {
                        blocks += 1;
                    } else if word.eq_ignore_ascii_case(b"END") && !closes_no_block(b, end) {
                        blocks = blocks.saturating_sub(1);
                    }
                }
                i = end;
            }
            _ => {
                has_code = true;
                i += 1;
            }
        }
    }
    if has_code {
        out.push(statement(sql, start, b.len(), start_line));
    }
    Ok(out)
}

/// `sql` with MySQL's versioned comments (`/*!50001 ... */`, `/*! ... */`)
/// opened: their markers blanked (same length, so lines and columns hold)
/// and their contents left as code, as MySQL runs them. Strings and
/// quoted identifiers are left alone; other comments too.
pub fn open_versioned_comments(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = b.to_vec();
    let mut line = 0usize;
    let mut inside = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i = skip_quoted(b, i, q, q == b'\'', &mut line).unwrap_or(b.len());
            }
            b'*' if inside && b.get(i + 1) == Some(&b'/') => {
                out[i] = b' ';
                out[i + 1] = b' ';
                inside = false;
                i += 2;
            }
            b'/' if !inside && b[i..].starts_with(b"/*!") => {
                let mut j = i + 3;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                for c in &mut out[i..j] {
                    *c = b' ';
                }
                inside = true;
                i = j;
            }
            b'/' if b[i..].starts_with(b"/*") => {
                i = sql[i + 2..].find("*/").map_or(b.len(), |k| i + 2 + k + 2);
            }
            b'-' if b[i..].starts_with(b"--") => {
                i = (i..b.len()).find(|&j| b[j] == b'\n').unwrap_or(b.len());
            }
            _ => i += 1,
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| sql.to_owned())
}

/// `sql` with every run of white space and comments (outside strings,
/// quoted identifiers and dollar-quoted bodies) as one space, trimmed,
/// without a final semicolon: a statement's text in a form that spacing,
/// line breaks and comments do not change. Text that does not scan (an
/// unterminated quote) is only trimmed.
pub fn normalize_space(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut line = 0usize;
    let mut i = 0;
    let mut space = false;
    let push_space = |out: &mut Vec<u8>, space: &mut bool| {
        if *space && !out.is_empty() {
            out.push(b' ');
        }
        *space = false;
    };
    while i < b.len() {
        let c = b[i];
        let next = match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                space = true;
                (i..b.len()).find(|&j| b[j] == b'\n').unwrap_or(b.len())
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                space = true;
                match sql[i + 2..].find("*/") {
                    Some(k) => i + 2 + k + 2,
                    None => return sql.trim().to_owned(),
                }
            }
            c if c.is_ascii_whitespace() => {
                space = true;
                i + 1
            }
            b'\'' | b'"' | b'`' => {
                push_space(&mut out, &mut space);
                let Some(end) = skip_quoted(b, i, c, false, &mut line) else {
                    return sql.trim().to_owned();
                };
                out.extend_from_slice(&b[i..end]);
                end
            }
            b'$' if dollar_tag(b, i).is_some() && (i == 0 || !is_ident(b[i - 1])) => {
                push_space(&mut out, &mut space);
                let tag_len = dollar_tag(b, i).unwrap_or(0);
                let tag = &sql[i..i + tag_len];
                let Some(k) = sql[i + tag_len..].find(tag) else {
                    return sql.trim().to_owned();
                };
                let end = i + tag_len + k + tag_len;
                out.extend_from_slice(&b[i..end]);
                end
            }
            _ => {
                push_space(&mut out, &mut space);
                out.push(c);
                i + 1
            }
        };
        i = next;
    }
    let text = String::from_utf8(out).unwrap_or_else(|_| sql.to_owned());
    text.trim().trim_end_matches(';').trim_end().to_owned()
}

/// Whether `b` starts with the word `word` (any case), followed by a space
/// or a tab.
fn starts_with_word(b: &[u8], word: &[u8]) -> bool {
    b.len() > word.len()
        && b[..word.len()].eq_ignore_ascii_case(word)
        && matches!(b[word.len()], b' ' | b'\t')
}

/// Whether a statement starting with `words` creates a trigger, function,
/// procedure or event (its first object keyword after `CREATE`, so that
/// `DEFINER = ...`, `OR REPLACE` and `TEMP` may come before it): a body
/// of `BEGIN ... END` may follow.
fn is_routine(words: &[String]) -> bool {
    const KINDS: &[&str] = &[
        "TABLE",
        "VIEW",
        "INDEX",
        "SEQUENCE",
        "TYPE",
        "DOMAIN",
        "EXTENSION",
        "SCHEMA",
        "DATABASE",
        "ROLE",
        "USER",
        "POLICY",
        "AGGREGATE",
        "MATERIALIZED",
        "UNIQUE",
        "TRIGGER",
        "FUNCTION",
        "PROCEDURE",
        "EVENT",
    ];
    words.first().map(String::as_str) == Some("CREATE")
        && words[1..]
            .iter()
            .find(|w| KINDS.contains(&w.as_str()))
            .is_some_and(|k| matches!(k.as_str(), "TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT"))
}

/// Whether the `END` that ends at `at` is `END IF`, `END LOOP`, `END
/// WHILE` or `END REPEAT` (MySQL's compound statements, opened by no
/// `BEGIN`).
fn closes_no_block(b: &[u8], at: usize) -> bool {
    let rest = &b[at..];
    let skip = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
    let next: String = rest[skip..]
        .iter()
        .take_while(|c| is_ident(**c))
        .map(|c| c.to_ascii_uppercase() as char)
        .collect();
    matches!(next.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT")
}

fn statement(sql: &str, start: usize, end: usize, start_line: usize) -> Statement<'_> {
    let raw = &sql[start..end];
    let leading = &raw[..raw.len() - raw.trim_start().len()];
    Statement {
        sql: raw.trim(),
        line: start_line + leading.matches('\n').count(),
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Length of a dollar-quote tag (`$$` or `$name$`) starting at `i`, if any.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if b.get(j).is_some_and(u8::is_ascii_digit) {
        return None; // `$1` is a parameter
    }
    while j < b.len() && is_ident(b[j]) {
        j += 1;
    }
    (b.get(j) == Some(&b'$')).then_some(j + 1 - i)
}

/// Skips a quoted run that opens at `i` with `quote`; a doubled quote is an
/// escaped quote, and with `backslash` so is `\'`. Returns the index past the
/// closing quote, or `None` when it never closes.
fn skip_quoted(b: &[u8], i: usize, quote: u8, backslash: bool, line: &mut usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if backslash => j += 2,
            c if c == quote => {
                if b.get(j + 1) == Some(&quote) {
                    j += 2;
                } else {
                    return Some(j + 1);
                }
            }
            b'\n' => {
                *line += 1;
                j += 1;
            }
            _ => j += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(s: &str) -> Vec<&str> {
        split_statements(s)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        assert_eq!(
            sqls("CREATE TABLE a (x int);\nCREATE TABLE b (y int);\n"),
            vec!["CREATE TABLE a (x int)", "CREATE TABLE b (y int)"]
        );
    }

    #[test]
    fn a_trigger_body_is_one_statement() {
        // SQLite's trigger, with a CASE expression in its body.
        let sqlite = "CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN\n  UPDATE t SET at = CASE WHEN new.x > 0 THEN 1 ELSE 0 END WHERE id = new.id;\n  INSERT INTO log VALUES (new.id);\nEND;\nCREATE TEMP TRIGGER u BEFORE DELETE ON t BEGIN SELECT 1; END;\nSELECT 2;";
        assert_eq!(
            sqls(sqlite),
            vec![
                "CREATE TRIGGER t_touch AFTER UPDATE ON t BEGIN\n  UPDATE t SET at = CASE WHEN new.x > 0 THEN 1 ELSE 0 END WHERE id = new.id;\n  INSERT INTO log VALUES (new.id);\nEND",
                "CREATE TEMP TRIGGER u BEFORE DELETE ON t BEGIN SELECT 1; END",
                "SELECT 2"
            ]
        );
        // MySQL's, with IF ... END IF inside BEGIN ... END, and a
        // function with a DEFINER.
        let mysql = "CREATE TRIGGER b BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.x < 0 THEN SET NEW.x = 0; END IF; END;\nCREATE DEFINER=`r`@`h` FUNCTION f(x int) RETURNS int DETERMINISTIC BEGIN DECLARE y int; SET y = x; RETURN y; END;\nSELECT 1;";
        assert_eq!(sqls(mysql).len(), 3, "{:?}", sqls(mysql));
        // A table with a column named like a keyword is no body.
        assert_eq!(
            sqls("CREATE TABLE ev (id int, \"begin\" int, trigger_at int);\nSELECT 1;").len(),
            2
        );
        // PostgreSQL's has no body; a transaction's BEGIN is no block.
        assert_eq!(
            sqls("CREATE TRIGGER p BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();\nBEGIN;\nSELECT 1;\nCOMMIT;"),
            vec![
                "CREATE TRIGGER p BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()",
                "BEGIN",
                "SELECT 1",
                "COMMIT"
            ]
        );
    }

    #[test]
    fn space_and_comments_normalise_to_one_space_outside_quotes() {
        assert_eq!(
            normalize_space("CREATE TRIGGER t\n  AFTER UPDATE ON x -- why\nBEGIN /* note */ SELECT 'a  b', \"c  d\";\n END;\n"),
            "CREATE TRIGGER t AFTER UPDATE ON x BEGIN SELECT 'a  b', \"c  d\"; END"
        );
        assert_eq!(normalize_space("SELECT $$ a\n b $$"), "SELECT $$ a\n b $$");
        assert_eq!(normalize_space("SELECT 'open"), "SELECT 'open");
    }

    #[test]
    fn versioned_comments_open_and_keep_their_lines() {
        assert_eq!(
            open_versioned_comments(
                "/*!50001 CREATE VIEW `v` AS select '*/' AS `a` */;\n/*!50013 DEFINER=`r`@`h` */"
            ),
            "         CREATE VIEW `v` AS select '*/' AS `a`   ;\n         DEFINER=`r`@`h`   "
        );
        let other = "/* plain */ /*M!999999\\- sandbox */ SELECT 1";
        assert_eq!(open_versioned_comments(other), other);
    }

    #[test]
    fn delimiter_lines_change_what_ends_a_statement() {
        let dump = "SELECT 1;\nDELIMITER ;;\nCREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF NEW.a < 0 THEN SET NEW.a = 0; END IF; END ;;\nDELIMITER ;\nSELECT 2;";
        let got = split_statements(dump).unwrap();
        let sqls: Vec<&str> = got.iter().map(|s| s.sql).collect();
        assert_eq!(
            sqls,
            vec![
                "SELECT 1",
                "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN IF NEW.a < 0 THEN SET NEW.a = 0; END IF; END",
                "SELECT 2"
            ]
        );
        assert_eq!(got[1].line, 3);
        assert_eq!(got[2].line, 5);
    }

    #[test]
    fn last_statement_needs_no_semicolon() {
        assert_eq!(sqls("SELECT 1;\nSELECT 2"), vec!["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn semicolons_in_strings_and_identifiers_survive() {
        assert_eq!(
            sqls("INSERT INTO t VALUES ('a;b', 'it''s;');\nSELECT \"odd;name\", `x;y` FROM t;"),
            vec![
                "INSERT INTO t VALUES ('a;b', 'it''s;')",
                "SELECT \"odd;name\", `x;y` FROM t"
            ]
        );
    }

    #[test]
    fn escape_strings_take_backslashes() {
        assert_eq!(
            sqls("SELECT E'a\\';b';SELECT 2;"),
            vec!["SELECT E'a\\';b'", "SELECT 2"]
        );
    }

    #[test]
    fn mysql_strings_take_backslash_escapes() {
        let sql = "INSERT INTO t VALUES ('a\\';b');\nSELECT 2;";
        let got: Vec<&str> = split_statements_with(sql, true)
            .unwrap()
            .into_iter()
            .map(|s| s.sql)
            .collect();
        assert_eq!(got, vec!["INSERT INTO t VALUES ('a\\';b')", "SELECT 2"]);
        // Without backslash escapes the quote closes the string early and the
        // rest leaves a string open.
        assert!(split_statements(sql).is_err());
    }

    #[test]
    fn semicolons_in_comments_survive_and_comment_only_statements_drop() {
        assert_eq!(
            sqls("-- a; b\nSELECT 1; /* c; /* nested; */ d; */ SELECT 2;\n-- trailing;\n"),
            vec!["-- a; b\nSELECT 1", "/* c; /* nested; */ d; */ SELECT 2"]
        );
    }

    #[test]
    fn dollar_quoted_bodies_survive() {
        let body = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql;\nCREATE FUNCTION g() RETURNS text AS $fn$ SELECT '$$;'; $fn$ LANGUAGE sql;\nSELECT $1;";
        assert_eq!(
            sqls(body),
            vec![
                "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE plpgsql",
                "CREATE FUNCTION g() RETURNS text AS $fn$ SELECT '$$;'; $fn$ LANGUAGE sql",
                "SELECT $1",
            ]
        );
    }

    #[test]
    fn statement_lines_are_reported() {
        let got = split_statements("\n\nSELECT 1;\n\n  SELECT\n 2;").unwrap();
        assert_eq!(got.iter().map(|s| s.line).collect::<Vec<_>>(), vec![3, 5]);
    }

    #[test]
    fn unterminated_constructs_name_their_line() {
        assert_eq!(
            split_statements("SELECT 1;\nSELECT 'x"),
            Err(SplitError::String { line: 2 })
        );
        assert_eq!(
            split_statements("\n/* open"),
            Err(SplitError::Comment { line: 2 })
        );
        assert_eq!(
            split_statements("SELECT \"x"),
            Err(SplitError::Identifier { line: 1 })
        );
        assert_eq!(
            split_statements("\n\nDO $body$ BEGIN"),
            Err(SplitError::DollarQuote {
                tag: "body".into(),
                line: 3
            })
        );
    }
}
