//! `--sql` on `upgrade`, `downgrade`, `stamp`, `plan` and `apply`: the
//! script a run would execute ([`crate::offline`]), printed.
//!
//! Where the run starts: `--current REV[,REV]`, or Alembic's `FROM:TO`
//! range in the target (`upgrade a1:c3 --sql`), with no connection; else
//! the rows (and history, for the refusal rules) of `--database`, read
//! without the lock. The dialect: `--dialect`, else the database URL's.

use super::{parse_current, runtime, CliError, DbArgs, OfflineArgs, Output};
use crate::dialect::Dialect;
use crate::executor::{Options, State};
use crate::graph::RevisionGraph;
use crate::offline::{self, Part};
use crate::outcome::Classify;
use crate::plan::policy::{self, Facts};
use crate::plan::{self as planner, Mode, Plan};
use std::io::Write;

/// Where an offline run starts: rows, facts, and orphans from the history.
pub struct Start {
    /// The version-table rows.
    pub heads: Vec<String>,
    /// What the refusal rules look at.
    pub facts: Facts,
    /// The set extended with orphaned revisions, when read from a database.
    pub state: Option<State>,
    /// The dialect to write for.
    pub dialect: Dialect,
    /// Nothing said where to start, so the script starts from base, as
    /// Alembic's offline mode does; its header says so.
    pub from_base: bool,
}

/// Splits Alembic's `FROM:TO` range off a target.
pub fn range(target: &str) -> (Option<Vec<String>>, &str) {
    match target.split_once(':') {
        Some((from, to)) => (Some(parse_current(from)), to),
        None => (None, target),
    }
}

fn dialect(off: &OfflineArgs, db: Option<&str>) -> Result<Dialect, CliError> {
    super::dialect::resolve(
        off.dialect,
        &[db],
        super::dialect::Fallback::Refuse(
            "--sql needs --dialect (postgresql, mysql or sqlite) or a --database URL",
        ),
    )
}

/// Where the run starts (see the module docs); `from` is a `FROM:TO` range's start.
///
/// # Errors
/// [`CliError::Input`] without a dialect or a starting point.
pub async fn start(
    g: &RevisionGraph,
    db: &DbArgs,
    off: &OfflineArgs,
    from: Option<Vec<String>>,
) -> Result<Start, CliError> {
    if let Some(heads) = from.or_else(|| off.current.as_deref().map(parse_current)) {
        return Ok(Start {
            heads,
            facts: Facts::default(),
            state: None,
            dialect: dialect(off, db.database.as_deref())?,
            from_base: false,
        });
    }
    let Ok(url) = db.url() else {
        // Alembic's offline mode starts from base when no range is given.
        return Ok(Start {
            heads: Vec::new(),
            facts: Facts::default(),
            state: None,
            dialect: dialect(off, None)?,
            from_base: true,
        });
    };
    let state = super::dbcmd::state(g, db).await?;
    Ok(Start {
        heads: state.heads.clone(),
        facts: state.facts.clone(),
        dialect: dialect(off, Some(url))?,
        state: Some(state),
        from_base: false,
    })
}

/// Plans `target` from `start`, applies the refusal rules, and prints the
/// script of the run.
///
/// # Errors
/// [`CliError::Input`] for a plan that cannot be made or is refused.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    g: &RevisionGraph,
    start: &Start,
    target: &str,
    mode: Mode,
    opts: &Options,
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let graph = start.state.as_ref().map_or(g, |s| s.graph(g));
    let p = planner::plan(graph, &start.heads, target, mode)?;
    refuse(graph, &p, &start.facts, opts, mode, target, start.dialect)?;
    let parts = offline::run_script(start.dialect, graph, &p, opts).await?;
    let printed = print(&parts, start, &p.from_heads, &p.final_heads, output, out);
    crate::par::drop_later((parts, p));
    printed
}

/// The refusal rules a run would apply.
///
/// # Errors
/// The refusal as [`CliError`].
pub fn refuse(
    g: &RevisionGraph,
    p: &Plan,
    facts: &Facts,
    opts: &Options,
    mode: Mode,
    target: &str,
    dialect: Dialect,
) -> Result<(), CliError> {
    policy::check(g, p, facts, &opts.policy(mode, target, dialect))
        .map_err(|r| CliError::classified(r.class(), r.to_string()))
}

/// Prints the parts as text or JSON.
///
/// # Errors
/// [`CliError::Runtime`] when output fails.
pub fn print(
    parts: &[Part],
    start: &Start,
    from: &[String],
    to: &[String],
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let dialect = start.dialect;
    let notes: &[&str] = if start.from_base {
        &[offline::FROM_BASE_NOTE]
    } else {
        &[]
    };
    match output {
        Output::Text => out
            .write_all(offline::text(parts, dialect, from, to, notes).as_bytes())
            .map_err(runtime),
        Output::Json => {
            let v = serde_json::json!({
                "dialect": dialect.name(), "from_heads": from, "final_heads": to, "parts": parts,
            });
            serde_json::to_writer_pretty(&mut *out, &v)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)
        }
    }
}

/// `stamp TARGET --sql`.
///
/// # Errors
/// As [`run`].
pub async fn stamp(
    g: &RevisionGraph,
    start: &Start,
    target: &str,
    purge: bool,
    opts: &Options,
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let parts = offline::stamp_script(start.dialect, g, target, &start.heads, purge, opts).await?;
    print(&parts, start, &start.heads, &[], output, out)
}
