//! Migration lint: every statement of the revisions in scope, classified.
//! Pure.
//!
//! Statements are parsed with `sqlparser` in the target's dialect (a few
//! that it does not parse, such as `VACUUM`, are read by their leading
//! words). Each [`Finding`] has a stable code, a severity, the revision,
//! file and line, the statement, and what to do instead ([`RULES`]).
//!
//! Suppression: a `-- revisor:allow CODE[,CODE] reason` comment before a
//! statement, or a `-- lint_allow: CODE[,CODE] reason` header line for the
//! whole revision. A suppression without a reason is itself a finding
//! (RV001).

use crate::dialect::Dialect;
use crate::revision::{split_statements_with, Revision};
use serde::Serialize;
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnOption, Expr, ObjectType, Statement,
    TableConstraint,
};
use std::collections::BTreeSet;

/// How bad a finding is: errors make `revisor lint` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks (exit 1; the policy's subject).
    Error,
    /// Worth a look.
    Warning,
}

/// A rule: code, severity, category, and the safe alternative.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable code.
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// destructive, incompatible, locking, transaction, irreversible, lint.
    pub category: &'static str,
    /// What it finds.
    pub what: &'static str,
    /// What to do instead.
    pub instead: &'static str,
}

const fn rule(
    code: &'static str,
    severity: Severity,
    category: &'static str,
    what: &'static str,
    instead: &'static str,
) -> Rule {
    Rule {
        code,
        severity,
        category,
        what,
        instead,
    }
}

use Severity::{Error, Warning};

/// Every rule, by code (the README's table is this list).
pub const RULES: &[Rule] = &[
    rule("RV001", Error, "lint", "a suppression without a reason", "say why: `-- revisor:allow CODE reason`"),
    rule("RV101", Error, "destructive", "DROP TABLE drops the table and its rows", "keep the table until nothing reads it, back it up, then drop it in a revision of its own"),
    rule("RV102", Error, "destructive", "DROP COLUMN drops the column's values, and running code that selects it fails", "stop reading and writing the column first (expand/contract), then drop it in a later revision"),
    rule("RV103", Error, "destructive", "DROP SCHEMA/DATABASE/VIEW drops everything in it", "drop the objects one by one in reviewed revisions"),
    rule("RV104", Error, "destructive", "TRUNCATE deletes every row", "delete the rows you mean with a WHERE clause, or keep the data"),
    rule("RV105", Error, "destructive", "DELETE or UPDATE without WHERE touches every row", "add a WHERE clause; for a backfill, update in batches by key range"),
    rule("RV106", Warning, "destructive", "a column type change may narrow the type or rewrite the table", "add a new column of the new type, backfill in batches, switch readers, then drop the old one"),
    rule("RV107", Warning, "destructive", "dropping the default of a column: inserts that relied on it fail if it is NOT NULL", "deploy code that sets the value first, then drop the default"),
    rule("RV201", Error, "incompatible", "a renamed table or column breaks the running application", "add the new name (or a view), migrate readers and writers, then drop the old name"),
    rule("RV202", Error, "incompatible", "a NOT NULL column without a default breaks inserts of the running application (and fails on a table with rows)", "add the column nullable or with a default, backfill, then SET NOT NULL"),
    rule("RV203", Warning, "incompatible", "one revision both adds and drops columns: expand and contract in one step", "split it: add (expand) in one revision, drop (contract) in a later one"),
    rule("RV301", Warning, "locking", "CREATE INDEX without CONCURRENTLY blocks writes to an existing table while it builds (PostgreSQL)", "CREATE INDEX CONCURRENTLY in a `transactional: false` revision"),
    rule("RV302", Warning, "locking", "ADD COLUMN with a volatile default rewrites the table under an exclusive lock (PostgreSQL)", "add the column without a default (or with a constant), backfill in batches, then set the default"),
    rule("RV303", Warning, "locking", "ALTER COLUMN ... TYPE rewrites the table under an exclusive lock (PostgreSQL)", "add a new column, backfill in batches, swap, drop the old one"),
    rule("RV304", Warning, "locking", "SET NOT NULL scans the table under an exclusive lock (PostgreSQL)", "ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, then SET NOT NULL (PostgreSQL 12+ uses the check)"),
    rule("RV305", Warning, "locking", "ADD FOREIGN KEY or CHECK validates every row under a lock (PostgreSQL)", "add it NOT VALID, then VALIDATE CONSTRAINT in a later step"),
    rule("RV306", Warning, "locking", "VACUUM FULL, CLUSTER and LOCK TABLE hold exclusive locks for their whole run (PostgreSQL)", "use pg_repack or plain VACUUM; do not lock tables in migrations"),
    rule("RV311", Warning, "locking", "MODIFY/CHANGE COLUMN copies the table unless the server can change it in place (MySQL; MariaDB before 10.3 also for columns not added last)", "use ALGORITHM=INSTANT or INPLACE where the server allows it, or an online schema change tool"),
    rule("RV401", Error, "transaction", "CREATE INDEX CONCURRENTLY, ALTER TYPE ... ADD VALUE and VACUUM cannot run inside a transaction (PostgreSQL)", "mark the revision `transactional: false`, with that statement alone in it"),
    rule("RV402", Warning, "transaction", "DDL and DML in one MySQL revision: DDL commits implicitly, so a failure leaves it half-applied", "put the data change in a revision of its own"),
    rule("RV403", Error, "transaction", "BEGIN, COMMIT or ROLLBACK inside a section breaks the step's own transaction", "let Revisor manage transactions; use `transactional: false` for statements that need none"),
    rule("RV501", Warning, "irreversible", "no down section: the revision cannot be downgraded", "write `-- migrate:down` (an empty one with a comment marks a deliberate no-op)"),
    rule("RV502", Warning, "irreversible", "the down section does not undo the up section", "drop in the down section what the up section creates"),
];

/// The rule of `code`.
pub fn rule_of(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code (see [`RULES`]).
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// The revision.
    pub revision: String,
    /// The file.
    pub file: String,
    /// 1-based line in the file.
    pub line: usize,
    /// The statement (its first line).
    pub statement: String,
    /// What it finds, then what to do instead.
    pub message: String,
    /// The table the statement changes, where lint can tell (for live risk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

impl Finding {
    /// The rule's category (destructive, incompatible, locking, ...).
    pub fn category(&self) -> &'static str {
        rule_of(self.code).map_or("", |r| r.category)
    }
}

/// `CODE[,CODE] reason` -> (codes, reason).
fn parse_allow(s: &str) -> (Vec<String>, String) {
    let s = s.trim();
    let (codes, reason) = s.split_once(char::is_whitespace).unwrap_or((s, ""));
    (
        codes
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect(),
        reason.trim().to_owned(),
    )
}

/// What one revision's statements touch, for the rules that look across
/// statements.
#[derive(Default)]
struct Seen {
    created_tables: BTreeSet<String>,
    created_columns: BTreeSet<(String, String)>,
    added_columns: usize,
    dropped_columns: usize,
    ddl: bool,
    dml: bool,
    /// The table of the statement classified last.
    table: Option<String>,
}

fn last(name: &sqlparser::ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_lowercase())
        .unwrap_or_default()
}

/// Whether a default calls a VOLATILE function (PostgreSQL's
/// `pg_proc.provolatile = 'v'`): only those make `ADD COLUMN ... DEFAULT`
/// rewrite the table since PostgreSQL 11. `now()`, `CURRENT_TIMESTAMP` and
/// the other transaction-time functions are STABLE: one value for the
/// whole statement, stored once as the column's fast default.
fn volatile(e: &Expr) -> bool {
    let s = e.to_string().to_lowercase();
    [
        "random()",
        "gen_random_uuid()",
        "clock_timestamp()",
        "uuid_generate_v4()",
        "timeofday()",
    ]
    .iter()
    .any(|f| s.contains(f))
}

/// Lints one revision (`file` is the path findings name); `earlier` are
/// tables created by revisions that run before it in the same plan (an
/// index on such a table locks nothing that exists yet), and receives the
/// tables this one creates.
pub fn lint(
    file: &str,
    rev: &Revision,
    dialect: Dialect,
    earlier: &mut BTreeSet<String>,
) -> Vec<Finding> {
    let (up_line, down_line) = (rev.lines.up, rev.lines.down);
    let mut out = Vec::new();
    let mut revision_allow: Vec<String> = Vec::new();
    let finding = |code: &'static str, line: usize, statement: &str| {
        let r = rule_of(code).expect("a known rule code");
        Finding {
            code,
            severity: r.severity,
            revision: rev.id.clone(),
            file: file.to_owned(),
            line,
            statement: statement
                .lines()
                .find(|l| !l.trim_start().starts_with("--"))
                .unwrap_or("")
                .trim()
                .to_owned(),
            message: format!("{}; instead: {}", r.what, r.instead),
            table: None,
        }
    };
    // Header suppressions.
    for (line, value) in &rev.lint_allow {
        let (codes, reason) = parse_allow(value);
        if reason.is_empty() {
            out.push(finding("RV001", *line, &format!("-- lint_allow: {value}")));
        }
        revision_allow.extend(codes);
    }
    // Where DDL commits implicitly (MySQL), a step mixing DDL and data
    // changes cannot be rolled back as a whole (RV402).
    let implicit_commit = !dialect.transactional_ddl();
    // An operation revision is linted as the SQL it renders to here.
    let rendered;
    let rev = if rev.ops.is_some() {
        rendered = crate::revision::yaml::preview(rev, dialect);
        &rendered
    } else {
        rev
    };
    let mut seen = Seen::default();
    let up =
        split_statements_with(&rev.up_sql, dialect.sql().backslash_escapes()).unwrap_or_default();
    for st in &up {
        // The statement's own suppressions, in the comments before it.
        let mut allow: Vec<String> = revision_allow.clone();
        let comment_lines = st
            .sql
            .lines()
            .take_while(|l| l.trim_start().starts_with("--"))
            .count();
        let line = up_line + st.line + comment_lines;
        for l in st.sql.lines().take(comment_lines) {
            if let Some(v) = l.trim().strip_prefix("-- revisor:allow") {
                let (codes, reason) = parse_allow(v);
                if reason.is_empty() {
                    out.push(finding("RV001", up_line + st.line, l));
                }
                allow.extend(codes);
            }
        }
        for code in classify(st.sql, dialect, rev.transactional, earlier, &mut seen) {
            if !allow.iter().any(|a| a == code) {
                let mut f = finding(code, line, st.sql);
                f.table = seen.table.clone();
                out.push(f);
            }
        }
    }
    if seen.added_columns > 0
        && seen.dropped_columns > 0
        && !revision_allow.iter().any(|a| a == "RV203")
    {
        out.push(finding("RV203", up_line, "(the whole revision)"));
    }
    if implicit_commit && seen.ddl && seen.dml && !revision_allow.iter().any(|a| a == "RV402") {
        out.push(finding("RV402", up_line, "(the whole revision)"));
    }
    // Irreversibility.
    match &rev.down_sql {
        None if !revision_allow.iter().any(|a| a == "RV501") => {
            out.push(finding("RV501", up_line, "(no -- migrate:down section)"))
        }
        Some(down) => {
            let d = down.to_lowercase();
            for t in &seen.created_tables {
                let undone = d.contains("drop table") && d.contains(t.as_str());
                if !undone && !revision_allow.iter().any(|a| a == "RV502") {
                    out.push(finding(
                        "RV502",
                        down_line.max(up_line),
                        &format!("CREATE TABLE {t} is not dropped in the down section"),
                    ));
                }
            }
        }
        None => {}
    }
    earlier.extend(seen.created_tables);
    out
}

/// `--large-table-rows`' default: a million rows is where a table rewrite
/// or a blocking index build stops taking seconds and starts taking minutes.
pub const LARGE_TABLE_ROWS: u64 = 1_000_000;

/// Live risk: locking findings on tables with `rows` (estimates from the
/// catalog, by table) of at least `large` rows become errors naming the
/// size; on an empty table they are marked harmless (and stay warnings).
pub fn weigh(findings: &mut [Finding], rows: &std::collections::BTreeMap<String, u64>, large: u64) {
    for f in findings.iter_mut().filter(|f| f.category() == "locking") {
        let Some(n) = f.table.as_ref().and_then(|t| rows.get(t)) else {
            continue;
        };
        if *n >= large {
            f.severity = Severity::Error;
            f.message = format!(
                "{} (table {} has about {n} rows)",
                f.message,
                f.table.as_deref().unwrap_or("")
            );
        } else if *n == 0 {
            f.severity = Severity::Warning;
            f.message = format!(
                "harmless now: table {} is empty; {}",
                f.table.as_deref().unwrap_or(""),
                f.message
            );
        }
    }
}

/// The codes one statement raises.
fn classify(
    sql: &str,
    dialect: Dialect,
    transactional: bool,
    earlier: &BTreeSet<String>,
    seen: &mut Seen,
) -> Vec<&'static str> {
    // PostgreSQL's lock levels per statement (squawk's and
    // strong_migrations' ground).
    let pg = dialect.sql().lints_lock_levels();
    let code_text: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join(" ");
    let words: Vec<String> = code_text
        .split_whitespace()
        .take(3)
        .map(|w| w.to_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let mut codes = Vec::new();
    // Statements read by their leading words.
    match (w(0), w(1)) {
        ("BEGIN" | "COMMIT" | "ROLLBACK" | "START", _) => return vec!["RV403"],
        ("VACUUM", _) if pg => {
            if !transactional {
                return if w(1) == "FULL" {
                    vec!["RV306"]
                } else {
                    Vec::new()
                };
            }
            return if w(1) == "FULL" {
                vec!["RV401", "RV306"]
            } else {
                vec!["RV401"]
            };
        }
        ("CLUSTER", _) | ("LOCK", _) if pg => return vec!["RV306"],
        ("ALTER", "TYPE") if pg && code_text.to_uppercase().contains("ADD VALUE") => {
            return if transactional {
                vec!["RV401"]
            } else {
                Vec::new()
            };
        }
        _ => {}
    }
    let parsed = dialect.sql().parse(sql);
    seen.table = None;
    let Ok(statements) = parsed else {
        return codes;
    };
    for s in statements {
        match s {
            Statement::CreateTable(ct) => {
                seen.ddl = true;
                let t = last(&ct.name);
                for c in &ct.columns {
                    seen.created_columns
                        .insert((t.clone(), c.name.value.to_lowercase()));
                }
                seen.created_tables.insert(t);
            }
            Statement::Drop {
                object_type, names, ..
            } => {
                seen.ddl = true;
                match object_type {
                    ObjectType::Table => {
                        if names.iter().any(|n| {
                            !seen.created_tables.contains(&last(n)) && !earlier.contains(&last(n))
                        }) {
                            codes.push("RV101");
                        }
                        // A table this revision creates and drops again is
                        // gone after it: no down section needs to drop it.
                        for n in names {
                            seen.created_tables.remove(&last(&n));
                        }
                    }
                    ObjectType::Schema
                    | ObjectType::Database
                    | ObjectType::View
                    | ObjectType::MaterializedView => codes.push("RV103"),
                    _ => {}
                }
            }
            Statement::Truncate(_) => codes.push("RV104"),
            Statement::Delete(d) => {
                seen.dml = true;
                if d.selection.is_none() {
                    codes.push("RV105");
                }
            }
            Statement::Update(u) => {
                seen.dml = true;
                if u.selection.is_none() {
                    codes.push("RV105");
                }
            }
            Statement::Insert(_) => seen.dml = true,
            Statement::CreateIndex(ci) => {
                seen.ddl = true;
                let t = last(&ci.table_name);
                seen.table = Some(t.clone());
                if ci.concurrently && transactional && pg {
                    codes.push("RV401");
                }
                if pg
                    && !ci.concurrently
                    && !seen.created_tables.contains(&t)
                    && !earlier.contains(&t)
                {
                    codes.push("RV301");
                }
            }
            Statement::AlterTable(at) => {
                seen.ddl = true;
                let t = last(&at.name);
                seen.table = Some(t.clone());
                let new_table = seen.created_tables.contains(&t) || earlier.contains(&t);
                for op in &at.operations {
                    match op {
                        AlterTableOperation::DropColumn { column_names, .. } => {
                            seen.dropped_columns += 1;
                            if !new_table
                                && column_names.iter().any(|c| {
                                    !seen
                                        .created_columns
                                        .contains(&(t.clone(), c.value.to_lowercase()))
                                })
                            {
                                codes.push("RV102");
                            }
                        }
                        AlterTableOperation::RenameColumn { .. }
                        | AlterTableOperation::RenameTable { .. } => codes.push("RV201"),
                        AlterTableOperation::ChangeColumn {
                            old_name, new_name, ..
                        } => {
                            if old_name.value != new_name.value {
                                codes.push("RV201");
                            }
                            codes.push("RV311");
                        }
                        AlterTableOperation::ModifyColumn { .. } => codes.push("RV311"),
                        AlterTableOperation::AddColumn { column_def, .. } => {
                            seen.added_columns += 1;
                            seen.created_columns
                                .insert((t.clone(), column_def.name.value.to_lowercase()));
                            let not_null = column_def
                                .options
                                .iter()
                                .any(|o| matches!(o.option, ColumnOption::NotNull));
                            let default = column_def.options.iter().find_map(|o| match &o.option {
                                ColumnOption::Default(e) => Some(e),
                                _ => None,
                            });
                            if not_null && default.is_none() && !new_table {
                                codes.push("RV202");
                            }
                            if pg && default.is_some_and(volatile) && !new_table {
                                codes.push("RV302");
                            }
                        }
                        AlterTableOperation::AlterColumn { op, .. } => match op {
                            AlterColumnOperation::SetDataType { .. } => {
                                codes.push("RV106");
                                if pg && !new_table {
                                    codes.push("RV303");
                                }
                            }
                            AlterColumnOperation::SetNotNull if pg && !new_table => {
                                codes.push("RV304")
                            }
                            AlterColumnOperation::DropDefault => codes.push("RV107"),
                            _ => {}
                        },
                        AlterTableOperation::AddConstraint {
                            constraint,
                            not_valid,
                        } => {
                            let validates = matches!(
                                constraint,
                                TableConstraint::ForeignKey(_) | TableConstraint::Check(_)
                            );
                            if pg && validates && !not_valid && !new_table {
                                codes.push("RV305");
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    codes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(up: &str, down: Option<&str>, dialect: Dialect) -> Vec<&'static str> {
        run_header("", up, down, dialect)
    }

    fn run_header(
        header: &str,
        up: &str,
        down: Option<&str>,
        dialect: Dialect,
    ) -> Vec<&'static str> {
        let down = down
            .map(|d| format!("-- migrate:down\n{d}\n"))
            .unwrap_or_default();
        let text = format!("-- revision: r1\n{header}-- migrate:up\n{up}\n{down}");
        let rev = Revision::parse("r1.sql", &text).unwrap_or_else(|e| panic!("{e:?}"));
        lint("r1.sql", &rev, dialect, &mut BTreeSet::new())
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    const PG: Dialect = Dialect::Postgres;

    #[test]
    fn each_rule_fires_on_its_statement_and_not_on_the_safe_one() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "RV101",
                "DROP TABLE users;",
                "CREATE TABLE t (id INT);\nDROP TABLE t;",
            ),
            ("RV102", "ALTER TABLE users DROP COLUMN email;", "SELECT 1;"),
            ("RV103", "DROP VIEW v;", "CREATE VIEW v AS SELECT 1;"),
            (
                "RV104",
                "TRUNCATE users;",
                "DELETE FROM users WHERE id = 1;",
            ),
            (
                "RV105",
                "DELETE FROM users;",
                "DELETE FROM users WHERE created < '2020-01-01';",
            ),
            (
                "RV105",
                "UPDATE users SET a = 1;",
                "UPDATE users SET a = 1 WHERE id < 1000;",
            ),
            (
                "RV106",
                "ALTER TABLE users ALTER COLUMN name TYPE varchar(20);",
                "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x';",
            ),
            (
                "RV107",
                "ALTER TABLE users ALTER COLUMN name DROP DEFAULT;",
                "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'y';",
            ),
            (
                "RV201",
                "ALTER TABLE users RENAME COLUMN a TO b;",
                "ALTER TABLE users ADD COLUMN b TEXT;",
            ),
            (
                "RV202",
                "ALTER TABLE users ADD COLUMN a INT NOT NULL;",
                "ALTER TABLE users ADD COLUMN a INT NOT NULL DEFAULT 0;",
            ),
            (
                "RV301",
                "CREATE INDEX ix ON users (a);",
                "CREATE TABLE t (a INT);\nCREATE INDEX ix ON t (a);",
            ),
            (
                "RV302",
                "ALTER TABLE users ADD COLUMN at TIMESTAMP DEFAULT clock_timestamp();",
                "ALTER TABLE users ADD COLUMN at TIMESTAMP DEFAULT now();",
            ),
            (
                "RV303",
                "ALTER TABLE users ALTER COLUMN a TYPE bigint;",
                "ALTER TABLE users ALTER COLUMN a DROP NOT NULL;",
            ),
            (
                "RV304",
                "ALTER TABLE users ALTER COLUMN a SET NOT NULL;",
                "ALTER TABLE users ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;",
            ),
            (
                "RV305",
                "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id);",
                "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;",
            ),
            ("RV306", "VACUUM FULL users;", "ANALYZE users;"),
            (
                "RV401",
                "CREATE INDEX CONCURRENTLY ix ON users (a);",
                "SELECT 1;",
            ),
            ("RV403", "COMMIT;", "SELECT 1;"),
        ];
        for (code, bad, good) in cases {
            assert!(
                run(bad, Some("SELECT 1;"), PG).contains(code),
                "{code} on {bad}: {:?}",
                run(bad, Some("SELECT 1;"), PG)
            );
            assert!(
                !run(good, Some("DROP TABLE t;"), PG).contains(code),
                "{code} on {good}: {:?}",
                run(good, Some("DROP TABLE t;"), PG)
            );
        }
    }

    #[test]
    fn mysql_rules() {
        assert!(run(
            "ALTER TABLE t MODIFY COLUMN a BIGINT;",
            Some("SELECT 1;"),
            Dialect::MySql
        )
        .contains(&"RV311"));
        assert!(run(
            "CREATE TABLE x (a INT);\nINSERT INTO x VALUES (1);",
            Some("DROP TABLE x;"),
            Dialect::MySql
        )
        .contains(&"RV402"));
        assert!(!run(
            "CREATE TABLE x (a INT);",
            Some("DROP TABLE x;"),
            Dialect::MySql
        )
        .contains(&"RV402"));
        // No PostgreSQL locking rules elsewhere.
        assert!(!run(
            "CREATE INDEX ix ON users (a);",
            Some("SELECT 1;"),
            Dialect::MySql
        )
        .contains(&"RV301"));
    }

    #[test]
    fn irreversibility_and_expand_contract() {
        assert!(run("SELECT 1;", None, PG).contains(&"RV501"));
        assert!(run("CREATE TABLE t (a INT);", Some("SELECT 1;"), PG).contains(&"RV502"));
        assert!(!run("CREATE TABLE t (a INT);", Some("DROP TABLE t;"), PG).contains(&"RV502"));
        // Created and dropped again in the same up section: nothing to undo.
        assert!(!run(
            "CREATE TABLE scratch (a INT);\nINSERT INTO scratch VALUES (1);\nDROP TABLE scratch;",
            Some("SELECT 1;"),
            PG
        )
        .contains(&"RV502"));
        assert!(run(
            "ALTER TABLE u ADD COLUMN b INT;\nALTER TABLE u DROP COLUMN a;",
            Some("SELECT 1;"),
            PG
        )
        .contains(&"RV203"));
        assert!(!run(
            "ALTER TABLE u ADD COLUMN b INT;",
            Some("ALTER TABLE u DROP COLUMN b;"),
            PG
        )
        .contains(&"RV203"));
        assert!(!run("SELECT 1;", Some("SELECT 1;"), PG).contains(&"RV501"));
    }

    #[test]
    fn suppressions_need_a_reason() {
        let with = run(
            "-- revisor:allow RV101 the table moved to the archive DB\nDROP TABLE users;",
            Some("SELECT 1;"),
            PG,
        );
        assert!(
            !with.contains(&"RV101") && !with.contains(&"RV001"),
            "{with:?}"
        );
        let bare = run(
            "-- revisor:allow RV101\nDROP TABLE users;",
            Some("SELECT 1;"),
            PG,
        );
        assert!(
            bare.contains(&"RV001") && !bare.contains(&"RV101"),
            "{bare:?}"
        );
        let header = run_header(
            "-- lint_allow: RV501 merge revision\n",
            "SELECT 1;",
            None,
            PG,
        );
        assert!(header.is_empty(), "{header:?}");
    }

    #[test]
    fn live_row_estimates_raise_or_clear_locking_findings() {
        let text = "-- revision: r1\n-- migrate:up\nCREATE INDEX ix_big ON big (a);\nCREATE INDEX ix_empty ON empty (a);\nCREATE INDEX ix_mid ON mid (a);\n-- migrate:down\nSELECT 1;\n";
        let rev = Revision::parse("r1.sql", text).unwrap();
        let mut f = lint("r1.sql", &rev, PG, &mut BTreeSet::new());
        let rows = [
            ("big".to_owned(), 2_000_000),
            ("empty".to_owned(), 0),
            ("mid".to_owned(), 500),
        ]
        .into();
        weigh(&mut f, &rows, LARGE_TABLE_ROWS);
        let by_table = |t: &str| f.iter().find(|x| x.table.as_deref() == Some(t)).unwrap();
        assert_eq!(by_table("big").severity, Severity::Error);
        assert!(by_table("big").message.contains("about 2000000 rows"));
        assert!(by_table("empty").message.starts_with("harmless now"));
        assert_eq!(by_table("mid").severity, Severity::Warning);
    }

    #[test]
    fn findings_point_at_the_statement_line() {
        let text = "-- revision: r1\n-- migrate:up\nSELECT 1;\n\nDROP TABLE users;\n-- migrate:down\nSELECT 1;\n";
        let rev = Revision::parse("r1.sql", text).unwrap();
        let f = lint("r1.sql", &rev, PG, &mut BTreeSet::new());
        assert_eq!(
            (f[0].code, f[0].line, f[0].statement.as_str()),
            ("RV101", 5, "DROP TABLE users")
        );
    }
}
