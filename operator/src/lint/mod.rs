//! Migration lint: every statement of the revisions in scope, classified.
//! Pure.
//!
//! Statements are parsed with `sqlparser` in the target's dialect; a few it
//! does not parse are read by their leading words ([`words`]), and any
//! other statement it cannot parse is a finding (RV002), never silence.
//! Each [`Finding`] has a stable code, a severity, the revision, file and
//! line, the statement, and what to do instead ([`RULES`]).
//!
//! The rules judge a statement by what came before it: a [`Linter`] keeps
//! a model of the revisions it has read (column types, NOT NULL checks,
//! tables created earlier in the same plan) and of the revision it reads
//! (objects born in it are exempt from locking and destructive rules).
//! Version-dependent rules read [`ServerVersion`] (`--server-version`, the
//! live server's, or [`ServerVersion::assumed`]).
//!
//! Suppression: a `-- revisor:allow CODE[,CODE] reason` comment before a
//! statement, or a `-- lint_allow: CODE[,CODE] reason` header line for the
//! whole revision. A suppression without a reason is itself a finding
//! (RV001). `revisor.toml`'s `[lint]` ([`LintConfig`]) turns rules on and
//! off and re-levels them.

mod algorithms;
mod column;
mod config;
mod rules;
mod state;
mod statement;
mod types;
mod volatility;
mod words;

pub use config::{LintConfig, ServerVersion};
pub use rules::{rule_of, Category, Rule, Severity, RULES};

use crate::dialect::{Dialect, OnlineDdl};
use crate::revision::{split_statements_with, Revision};
use serde::Serialize;
use state::{Facts, Model, Seen};
use std::collections::BTreeMap;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code (see [`RULES`]).
    pub code: &'static str,
    /// Severity (the rule's, re-levelled by `[lint.severity]` or by live
    /// row estimates, [`weigh`]).
    pub severity: Severity,
    /// The revision.
    pub revision: String,
    /// The file.
    pub file: String,
    /// 1-based line in the file.
    pub line: usize,
    /// The statement (its first line).
    pub statement: String,
    /// What it finds (with the detail of this case), then what to do instead.
    pub message: String,
    /// The table the statement changes, where lint can tell (for live risk).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

impl Finding {
    /// The rule's category.
    pub fn category(&self) -> Category {
        rule_of(self.code).map_or(Category::Lint, |r| r.category)
    }
}

/// A rule hit inside a statement, before it becomes a [`Finding`].
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    code: &'static str,
    detail: String,
    table: Option<String>,
    /// The file line, where it is not the statement's first (a syntax
    /// error's).
    line: Option<usize>,
}

impl Hit {
    fn new(code: &'static str) -> Hit {
        Hit {
            code,
            detail: String::new(),
            table: None,
            line: None,
        }
    }

    fn on(code: &'static str, table: &str) -> Hit {
        Hit {
            table: Some(table.to_owned()),
            ..Hit::new(code)
        }
    }

    fn detail(code: &'static str, detail: String) -> Hit {
        Hit::new(code).with(detail)
    }

    fn with(mut self, detail: String) -> Hit {
        self.detail = detail;
        self
    }
}

/// What lint knows beyond the revisions' text.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The dialect whose rules apply.
    pub dialect: Dialect,
    /// The server version (`None`: [`ServerVersion::assumed`] for the
    /// dialect, or the config's `server_version`).
    pub server: Option<ServerVersion>,
    /// `[lint]`.
    pub config: LintConfig,
    /// Function volatility from the live catalog, by lower-case name
    /// (`true` for volatile); the built-in table covers the rest.
    pub functions: BTreeMap<String, bool>,
}

impl Settings {
    /// The defaults for `dialect`.
    pub fn for_dialect(dialect: Dialect) -> Settings {
        Settings {
            dialect,
            ..Settings::default()
        }
    }
}

/// One statement of a revision's up section, parsed.
struct Parsed {
    /// Its text (comments before it included).
    sql: String,
    /// 1-based line within the section.
    line: usize,
    /// The parser's statements, or its message.
    parsed: Result<Vec<sqlparser::ast::Statement>, String>,
}

/// A revision made ready for the rules: its operations rendered, its up
/// section split and parsed. Pure and independent of other revisions, so
/// [`Linter::revisions`] makes them on every core.
struct Prepared {
    /// The SQL an operation revision renders to here.
    rendered: Option<Revision>,
    /// The statements, or why the section does not split.
    statements: Result<Vec<Parsed>, String>,
}

impl Prepared {
    fn new(dialect: Dialect, rev: &Revision) -> Prepared {
        let rendered = rev
            .ops
            .is_some()
            .then(|| crate::revision::yaml::preview(rev, dialect));
        let sql = &rendered.as_ref().unwrap_or(rev).up_sql;
        let statements = split_statements_with(sql, dialect.sql().backslash_escapes())
            .map(|list| {
                list.into_iter()
                    .map(|st| Parsed {
                        sql: st.sql.to_owned(),
                        line: st.line,
                        parsed: dialect.sql().parse(st.sql).map_err(|e| e.to_string()),
                    })
                    .collect()
            })
            .map_err(|e| e.to_string());
        Prepared {
            rendered,
            statements,
        }
    }
}

/// Lints revisions in order, remembering what each built.
pub struct Linter {
    settings: Settings,
    server: ServerVersion,
    model: Model,
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

impl Linter {
    /// A linter with `settings`.
    pub fn new(settings: Settings) -> Linter {
        let family = settings.dialect.sql().online_ddl();
        let server = settings
            .server
            .or_else(|| {
                settings
                    .config
                    .server_version
                    .as_deref()
                    .and_then(|v| ServerVersion::parse(v).ok())
            })
            .unwrap_or_else(|| ServerVersion::assumed(family));
        Linter {
            settings,
            server,
            model: Model::default(),
        }
    }

    /// The server version the rules assume.
    pub fn server(&self) -> ServerVersion {
        self.server
    }

    /// Lints one revision (`file` is the path findings name). `in_plan`:
    /// the revisions linted before it run in the same plan, so the tables
    /// they created are new (empty, unused) when this one runs; otherwise
    /// each revision meets a database the earlier ones built long ago.
    pub fn revision(&mut self, file: &str, rev: &Revision, in_plan: bool) -> Vec<Finding> {
        let prepared = Prepared::new(self.settings.dialect, rev);
        self.prepared(file, rev, &prepared, in_plan)
    }

    /// Lints `revisions` in order, as [`Linter::revision`] does one by one;
    /// their statements are split and parsed on every core first (pure
    /// work, in any order), then judged in order. `(file, revision,
    /// in_plan)` each; one list of findings per revision.
    pub fn revisions(&mut self, revisions: &[(String, &Revision, bool)]) -> Vec<Vec<Finding>> {
        let dialect = self.settings.dialect;
        // Parsing runs ahead on other cores while the rules run in order,
        // and in chunks, so that only a few chunks' syntax trees are alive
        // at once (all 10,000 statements' trees cost more in page faults
        // than their parsing).
        let mut out = Vec::with_capacity(revisions.len());
        crate::par::pipeline(
            revisions,
            128,
            |(_, rev, _)| Prepared::new(dialect, rev),
            |(file, rev, in_plan), p| out.push(self.prepared(file, rev, &p, *in_plan)),
        );
        out
    }

    fn prepared(
        &mut self,
        file: &str,
        rev: &Revision,
        prepared: &Prepared,
        in_plan: bool,
    ) -> Vec<Finding> {
        if !in_plan {
            self.model.new_tables.clear();
        }
        let Linter {
            settings,
            server,
            model,
        } = self;
        let dialect = settings.dialect;
        let family = dialect.sql().online_ddl();
        let (up_line, down_line) = (rev.lines.up, rev.lines.down);
        let config = &settings.config;
        let mut out = Vec::new();
        let mut revision_allow: Vec<String> = Vec::new();
        let finding = |code: &'static str, line: usize, statement: &str, hit: Option<&Hit>| {
            let r = rule_of(code).expect("a known rule code");
            Finding {
                code,
                severity: config.severity(r),
                revision: rev.id.clone(),
                file: file.to_owned(),
                line,
                statement: statement
                    .lines()
                    .find(|l| !l.trim_start().starts_with("--") && !l.trim().is_empty())
                    .unwrap_or("")
                    .trim()
                    .to_owned(),
                message: format!(
                    "{}{}; instead: {}",
                    r.what,
                    hit.map_or("", |h| h.detail.as_str()),
                    r.instead
                ),
                table: hit.and_then(|h| h.table.clone()),
            }
        };
        let on = |code: &str| rule_of(code).is_some_and(|r| config.is_on(r));
        for (line, value) in &rev.lint_allow {
            let (codes, reason) = parse_allow(value);
            if reason.is_empty() {
                out.push(finding(
                    "RV001",
                    *line,
                    &format!("-- lint_allow: {value}"),
                    None,
                ));
            }
            revision_allow.extend(codes);
        }
        let rev = prepared.rendered.as_ref().unwrap_or(rev);
        let facts = Facts {
            family,
            server: *server,
            in_transaction: rev.transactional && dialect.transactional_ddl(),
            functions: &settings.functions,
            identifier_limit: dialect.sql().identifier_limit(),
        };
        let mut seen = Seen::default();
        // Operations that rebuild an existing SQLite table render only when
        // the step runs (they need its live definition): the preview holds
        // a comment in their place.
        if family == OnlineDdl::Rebuilds && rev.ops.is_some() && on("RV317") {
            for (i, l) in rev.up_sql.lines().enumerate() {
                if l.starts_with("-- ") && l.contains("rendered when the step runs") {
                    out.push(finding("RV317", up_line + i + 1, l, None));
                }
            }
        }
        let statements: &[Parsed] = match &prepared.statements {
            Ok(s) => s,
            Err(e) => {
                let mut f = finding("RV002", up_line + 1, "(the up section)", None);
                f.message = format!("{e}; {}", f.message);
                out.push(f);
                &[]
            }
        };
        let mut timeouts_reported = false;
        for st in statements {
            let sql_lines: Vec<&str> = st.sql.lines().collect();
            let comment_lines = sql_lines
                .iter()
                .take_while(|l| l.trim_start().starts_with("--") || l.trim().is_empty())
                .count();
            let line = up_line + st.line + comment_lines;
            let mut allow: Vec<String> = revision_allow.clone();
            for l in sql_lines.iter().take(comment_lines) {
                if let Some(v) = l.trim().strip_prefix("-- revisor:allow") {
                    let (codes, reason) = parse_allow(v);
                    if reason.is_empty() {
                        out.push(finding("RV001", line, l, None));
                    }
                    allow.extend(codes);
                }
            }
            let (hits, locking_any) = classify(model, st, line, comment_lines, &facts, &mut seen);
            seen.statements += 1;
            let mut hits = hits;
            // The timeouts, once per revision, at the first statement that
            // takes a table lock (PostgreSQL's settings).
            if family == OnlineDdl::LockLevels && locking_any && !timeouts_reported {
                timeouts_reported = true;
                if !seen.lock_timeout {
                    hits.push(Hit::new("RV601"));
                }
                if !seen.statement_timeout {
                    hits.push(Hit::new("RV602"));
                }
            }
            // A `transactional: false` step with several statements: a
            // rerun after a failure meets what the first statements did.
            if !rev.transactional
                && dialect.transactional_ddl()
                && statements.len() > 1
                && !hits.iter().any(|h| h.code == "RV405")
                && !words::rerunnable(&words::Words::of(&st.sql))
            {
                hits.push(Hit::new("RV405"));
            }
            for h in hits {
                if !on(h.code) || allow.iter().any(|a| a == h.code) {
                    continue;
                }
                out.push(finding(h.code, h.line.unwrap_or(line), &st.sql, Some(&h)));
            }
        }
        // A view or function dropped and created in the same revision is
        // replaced, not lost (autogenerate drops and creates views and
        // functions around the changes they depend on).
        out.retain(|f| {
            f.code != "RV103"
                || f.table
                    .as_ref()
                    .is_none_or(|name| !seen.created_other.contains(name))
        });
        let allowed = |code: &str| on(code) && !revision_allow.iter().any(|a| a == code);
        if seen.added_columns > 0 && seen.dropped_columns > 0 && allowed("RV203") {
            out.push(finding("RV203", up_line, "(the whole revision)", None));
        }
        if !dialect.transactional_ddl() && seen.ddl && seen.dml && allowed("RV402") {
            out.push(finding("RV402", up_line, "(the whole revision)", None));
        }
        match &rev.down_sql {
            None if allowed("RV501") => out.push(finding(
                "RV501",
                up_line,
                "(no -- migrate:down section)",
                None,
            )),
            Some(down) => {
                let d = down.to_lowercase();
                for t in &seen.created_tables {
                    let undone = d.contains("drop table") && d.contains(&t.to_lowercase());
                    if !undone && allowed("RV502") {
                        out.push(finding(
                            "RV502",
                            down_line.max(up_line),
                            &format!("CREATE TABLE {t} is not dropped in the down section"),
                            None,
                        ));
                    }
                }
            }
            None => {}
        }
        model.new_tables.extend(seen.created_tables);
        out
    }
}

/// The hits of one statement, and whether it takes a table lock that
/// waits behind other transactions (for RV601/RV602).
fn classify(
    model: &mut Model,
    st: &Parsed,
    line: usize,
    comment_lines: usize,
    facts: &Facts<'_>,
    seen: &mut Seen,
) -> (Vec<Hit>, bool) {
    let sql = st.sql.as_str();
    let w = words::Words::of(sql);
    if w.words.is_empty() {
        return (Vec::new(), false);
    }
    if let Some(hits) = words::before_parse(&w, facts, seen) {
        let locking = hits.iter().any(|h| is_locking(h.code))
            || matches!(w.words[0].as_str(), "REINDEX" | "CLUSTER");
        return (hits, locking);
    }
    let statements = match &st.parsed {
        Ok(s) => s,
        Err(e) => {
            if let Some((hits, ops)) = words::after_parse_error(&w, facts, seen) {
                let mut hits = hits;
                let checker = statement::Checker { facts, model, seen };
                let table = w.words.get(2).map(|t| t.to_lowercase()).unwrap_or_default();
                if !ops.is_empty() && !checker.seen.is_new(checker.model, &table) {
                    checker.algorithm(&table, &ops, None, &mut hits);
                }
                return (hits, false);
            }
            let (message, l, column) = words::parse_error(&e.to_string());
            // The parser counts lines from the statement's start, which
            // includes the comment lines before it.
            let at = line + l.saturating_sub(1).saturating_sub(comment_lines);
            let mut hit = Hit::detail("RV002", format!(": {message} (column {column})"));
            hit.line = Some(at);
            return (vec![hit], false);
        }
    };
    let mut checker = statement::Checker { facts, model, seen };
    let mut hits = Vec::new();
    let mut locking = false;
    for s in statements {
        let h = checker.statement(s, sql);
        locking |= takes_table_lock(s, checker.seen, checker.model);
        hits.extend(h);
    }
    (hits, locking)
}

fn is_locking(code: &str) -> bool {
    rule_of(code).is_some_and(|r| r.category == Category::Locking)
}

/// Whether `s` waits for a lock on a table that existed before the
/// revision (`ALTER TABLE`, a plain `CREATE INDEX`, `DROP`, `TRUNCATE`,
/// `LOCK`, `VACUUM FULL`): what `lock_timeout` bounds.
fn takes_table_lock(s: &sqlparser::ast::Statement, seen: &Seen, model: &Model) -> bool {
    use sqlparser::ast::{ObjectType, Statement};
    match s {
        Statement::AlterTable(at) => !seen.is_new(model, &statement::last(&at.name)),
        Statement::CreateIndex(ci) => {
            !ci.concurrently && !seen.is_new(model, &statement::last(&ci.table_name))
        }
        Statement::Drop {
            object_type: ObjectType::Table | ObjectType::Index,
            names,
            ..
        } => names
            .iter()
            .any(|n| !seen.is_new(model, &statement::last(n))),
        Statement::Truncate(_) | Statement::Lock(_) => true,
        Statement::Vacuum(v) => v.full,
        _ => false,
    }
}

/// Lints one revision with the default settings for `dialect`; `earlier`
/// are the tables created by revisions that run before it in the same
/// plan, and receives the tables this one creates. A shorthand for one
/// [`Linter::revision`] call.
pub fn lint(
    file: &str,
    rev: &Revision,
    dialect: Dialect,
    earlier: &mut std::collections::BTreeSet<String>,
) -> Vec<Finding> {
    let mut linter = Linter::new(Settings::for_dialect(dialect));
    linter.model.new_tables = std::mem::take(earlier);
    let out = linter.revision(file, rev, true);
    *earlier = std::mem::take(&mut linter.model.new_tables);
    out
}

/// `--large-table-rows`' default: a million rows is where a table rewrite
/// or a blocking index build stops taking seconds and starts taking minutes.
pub const LARGE_TABLE_ROWS: u64 = 1_000_000;

/// Live risk: locking findings on tables with `rows` (estimates from the
/// catalog, by table) of at least `large` rows become errors naming the
/// size; on an empty table they are marked harmless (and stay warnings).
pub fn weigh(findings: &mut [Finding], rows: &BTreeMap<String, u64>, large: u64) {
    for f in findings
        .iter_mut()
        .filter(|f| f.category() == Category::Locking)
    {
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

#[cfg(test)]
mod tests;
