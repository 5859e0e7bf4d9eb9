//! `revisor lint`: findings for the revisions in scope, as text, JSON, or
//! GitHub workflow commands (so a pull request shows them inline).

use super::{browse, parse_current, runtime, CliError, DbArgs};
use crate::dialect::Dialect;
use crate::graph::RevisionGraph;
use crate::lint::{self, Finding, Severity};
use crate::plan::{self, Mode, StepDirection};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// `-o` of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintOutput {
    /// For people.
    Text,
    /// One JSON document.
    Json,
    /// GitHub workflow commands (`::error file=...,line=...::...`).
    Github,
}

/// What to lint: all revisions, those an upgrade from `since` applies, or
/// those a plan from `current` (or the database's rows) to `target` applies.
pub struct Scope<'a> {
    /// `--since REV`.
    pub since: Option<&'a str>,
    /// `--current REV[,REV]`.
    pub current: Option<&'a str>,
    /// `--database` (its rows, read without the lock).
    pub db: Option<&'a DbArgs>,
    /// The target (default `heads`).
    pub target: &'a str,
    /// Rows from which a locking finding is an error (with `db`).
    pub large_table_rows: u64,
    /// `--server-version` (beats the live server's and the config's).
    pub server_version: Option<crate::lint::ServerVersion>,
    /// `revisor.toml`'s `[lint]`.
    pub config: crate::lint::LintConfig,
}

/// Row estimates of `tables` from `--database`'s catalog (see
/// [`crate::db::introspect::Introspect::row_estimates`]).
async fn row_estimates(
    db: &DbArgs,
    tables: &BTreeSet<String>,
) -> Result<crate::db::introspect::RowEstimates, CliError> {
    use crate::db::introspect::Introspect;
    let mut database = crate::db::Database::connect(db.url()?).await?;
    Ok(database.row_estimates(tables).await?)
}

/// The server version and function volatility of `--database`.
async fn lint_facts(db: &DbArgs) -> Result<crate::db::introspect::LintFacts, CliError> {
    use crate::db::introspect::Introspect;
    let mut database = crate::db::Database::connect(db.url()?).await?;
    Ok(database.lint_facts().await?)
}

/// Lints the set in `dir` for `dialect`, prints, and fails (exit 1) when
/// any finding is an error.
///
/// # Errors
/// [`CliError::Runtime`] with the count of errors; [`CliError::Input`] for
/// a bad set or scope.
pub async fn run(
    dir: &Path,
    dialect: Dialect,
    scope: Scope<'_>,
    output: LintOutput,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let graph = crate::source::load_dir(dir)?;
    // A plan's revisions run together: a table created earlier in the plan
    // is new (empty, unused) when a later one indexes it. Linting the whole
    // set means each revision meets a database the earlier ones built.
    let is_plan = scope.since.is_some() || scope.current.is_some() || scope.db.is_some();
    let ids: Vec<String> = match (scope.since, scope.current, scope.db) {
        (Some(since), _, _) => {
            up_steps(&graph, &parse_current(since), scope.target, Mode::Upgrade)?
        }
        (None, Some(c), _) => up_steps(&graph, &parse_current(c), scope.target, Mode::Declarative)?,
        (None, None, Some(db)) => {
            let rows = super::dbcmd::heads(db).await?;
            up_steps(&graph, &rows, scope.target, Mode::Declarative)?
        }
        _ => browse::newest_first(&graph)
            .into_iter()
            .rev()
            .map(|i| graph.rev(i).id.clone())
            .collect(),
    };
    let mut settings = lint::Settings {
        dialect,
        server: scope.server_version,
        config: scope.config.clone(),
        functions: Default::default(),
    };
    if let Some(db) = scope.db {
        let facts = lint_facts(db).await?;
        settings.functions = facts.functions;
        if settings.server.is_none() {
            settings.server = lint::ServerVersion::parse(&facts.server_version).ok();
        }
    }
    let mut linter = lint::Linter::new(settings);
    let mut findings: Vec<Finding> = Vec::new();
    // Every revision of the set is read in order (the model of column
    // types needs the ones before the scope); findings come from those in
    // scope.
    let in_scope: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut previous_in_plan = false;
    let mut order = Vec::new();
    for i in browse::newest_first(&graph).into_iter().rev() {
        let rev = graph.rev(i);
        let path = dir.join(&rev.file).display().to_string();
        let here = in_scope.contains(rev.id.as_str());
        // Tables of earlier revisions of the same plan are new here.
        order.push((path, rev, is_plan && here && previous_in_plan));
        previous_in_plan = is_plan && here;
    }
    for ((_, rev, _), found) in order.iter().zip(linter.revisions(&order)) {
        if in_scope.contains(rev.id.as_str()) {
            findings.extend(found);
        }
    }
    if let Some(db) = scope.db {
        let tables: BTreeSet<String> = findings.iter().filter_map(|f| f.table.clone()).collect();
        if !tables.is_empty() {
            let rows = row_estimates(db, &tables).await?;
            lint::weigh(&mut findings, &rows, scope.large_table_rows);
        }
    }
    print(&findings, output, out)?;
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    if errors > 0 {
        return Err(CliError::Runtime(format!(
            "{errors} error(s), {} warning(s) in {} revision(s)",
            findings.len() - errors,
            ids.len()
        )));
    }
    Ok(())
}

fn up_steps(
    g: &RevisionGraph,
    current: &[String],
    target: &str,
    mode: Mode,
) -> Result<Vec<String>, CliError> {
    let p = plan::plan(g, current, target, mode)?;
    Ok(p.steps
        .iter()
        .filter(|s| s.direction == StepDirection::Up)
        .map(|s| s.revision.clone())
        .collect())
}

fn print(findings: &[Finding], output: LintOutput, out: &mut dyn Write) -> Result<(), CliError> {
    // Thousands of lines: one write per buffer, not per line.
    let mut buffered = std::io::BufWriter::new(out);
    print_to(findings, output, &mut buffered)?;
    buffered.flush().map_err(runtime)
}

fn print_to(findings: &[Finding], output: LintOutput, out: &mut dyn Write) -> Result<(), CliError> {
    match output {
        LintOutput::Text => {
            for f in findings {
                writeln!(
                    out,
                    "{}:{}: {} {} [{}] {}\n    {}",
                    f.file,
                    f.line,
                    match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    f.code,
                    f.revision,
                    f.statement,
                    f.message
                )
                .map_err(runtime)?;
            }
            Ok(())
        }
        LintOutput::Json => {
            serde_json::to_writer_pretty(&mut *out, findings)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)
        }
        LintOutput::Github => {
            // GitHub's workflow-command escaping: % \r \n in data; also , : in properties.
            let data = |s: &str| {
                s.replace('%', "%25")
                    .replace('\r', "%0D")
                    .replace('\n', "%0A")
            };
            let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
            for f in findings {
                writeln!(
                    out,
                    "::{} file={},line={},title={}::{}",
                    match f.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    prop(&f.file),
                    f.line,
                    prop(&format!("{} {}", f.code, f.revision)),
                    data(&format!("{}: {}", f.statement, f.message))
                )
                .map_err(runtime)?;
            }
            Ok(())
        }
    }
}
