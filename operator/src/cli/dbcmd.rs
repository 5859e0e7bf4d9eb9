//! The commands that talk to a database: upgrade, downgrade, stamp, current,
//! history, resolve, and the rows `plan --database` plans from.

use super::{runtime, CliError, DbArgs, Output, RunArgs};
use crate::db::DbError;
use crate::executor::{self, Event, ExecError, Options, Session};
use crate::graph::RevisionGraph;
use crate::outcome::Classify;
use crate::plan::{Mode, StepDirection};
use std::io::Write;
use std::time::Duration;

impl From<DbError> for CliError {
    fn from(e: DbError) -> Self {
        CliError::classified(e.class(), e.to_string())
    }
}

impl From<ExecError> for CliError {
    fn from(e: ExecError) -> Self {
        CliError::classified(e.class(), e.to_string())
    }
}

/// The executor's options for these flags, written once for every command.
pub(super) fn options(db: &DbArgs, run: Option<&RunArgs>) -> Options {
    Options {
        version_table: db.version_table.clone(),
        lock_timeout: Duration::from_secs(db.lock_timeout),
        transaction_mode: run.map(|r| r.transaction_mode.into()).unwrap_or_default(),
        allow_checksum_mismatch: run.is_some_and(|r| r.allow_checksum_mismatch),
        statement_timeout: run
            .and_then(|r| r.statement_timeout)
            .map(Duration::from_secs),
        drift_exclude: db.drift_exclude.clone(),
        snapshot: !db.no_snapshot,
        ..Options::default()
    }
}

/// A session on `--database` with the options of these flags.
async fn session(db: &DbArgs, run: Option<&RunArgs>) -> Result<Session, CliError> {
    Ok(Session::connect(db.url()?, options(db, run)).await?)
}

/// `upgrade` / `downgrade`: runs the directional plan, printing each step.
pub async fn migrate(
    graph: &RevisionGraph,
    db: &DbArgs,
    run: &RunArgs,
    target: &str,
    mode: Mode,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut session = session(db, Some(run)).await?;
    let mut printed: std::io::Result<()> = Ok(());
    let mut on_event = |e: Event| {
        let r = match e {
            Event::LockWaiting { holder, timeout } => {
                eprintln!("{}", executor::waiting_message(holder.as_deref(), timeout));
                Ok(())
            }
            Event::Planned(_) | Event::StepStarted { .. } => Ok(()),
            Event::StepFinished {
                index,
                total,
                step,
                duration,
            } => {
                let dir = if step.direction == StepDirection::Up {
                    "up  "
                } else {
                    "down"
                };
                writeln!(
                    out,
                    "[{}/{total}] {dir} {}  {} ({} ms)",
                    index + 1,
                    step.revision,
                    step.message,
                    duration.as_millis()
                )
            }
        };
        if printed.is_ok() {
            printed = r;
        }
    };
    let p = session.run(graph, target, mode, &mut on_event).await?;
    printed.map_err(runtime)?;
    if p.steps.is_empty() {
        writeln!(
            out,
            "Nothing to do: the database is at [{}]",
            p.from_heads.join(", ")
        )
        .map_err(runtime)?;
    } else {
        writeln!(
            out,
            "At [{}] after {} step(s)",
            p.final_heads.join(", "),
            p.steps.len()
        )
        .map_err(runtime)?;
    }
    Ok(())
}

/// `stamp`: writes the version table without running SQL.
pub async fn stamp(
    graph: &RevisionGraph,
    db: &DbArgs,
    target: &str,
    purge: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let rows = session(db, None).await?.stamp(graph, target, purge).await?;
    writeln!(out, "Stamped: the version table is [{}]", rows.join(", ")).map_err(runtime)
}

/// The version-table rows, read without the lock.
pub async fn heads(db: &DbArgs) -> Result<Vec<String>, CliError> {
    Ok(session(db, None).await?.heads().await?)
}

/// The rows, history and orphaned revisions, read without the lock (for
/// `plan --database`).
pub async fn state(graph: &RevisionGraph, db: &DbArgs) -> Result<executor::State, CliError> {
    Ok(session(db, None).await?.state(graph).await?)
}

/// `current`: the rows, marked `(head)` where the migration set says so.
pub async fn current(
    graph: Option<&RevisionGraph>,
    db: &DbArgs,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let rows = heads(db).await?;
    if rows.is_empty() {
        return writeln!(out, "base (nothing applied)").map_err(runtime);
    }
    for r in rows {
        let (head, message) = match graph.and_then(|g| g.index_of(&r).map(|i| (g, i))) {
            Some((g, i)) => (
                if g.heads().contains(&i) {
                    " (head)"
                } else {
                    ""
                },
                format!(" {}", g.rev(i).message),
            ),
            None => ("", String::new()),
        };
        writeln!(out, "{r}{head}{message}").map_err(runtime)?;
    }
    Ok(())
}

/// `history`: every step recorded, oldest first.
pub async fn history(db: &DbArgs, output: Output, out: &mut dyn Write) -> Result<(), CliError> {
    let mut session = session(db, None).await?;
    let (rows, snapshots) = (session.history().await?, session.snapshots().await?);
    // The snapshot each run left, by the run's last history row.
    let after = |id: i64| {
        snapshots
            .iter()
            .rev()
            .find(|s| s.history_id == Some(id))
            .map(|s| s.fingerprint.as_str())
    };
    match output {
        Output::Json => {
            let v: Vec<serde_json::Value> = rows
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "id": h.id, "revision": h.revision, "direction": h.direction, "checksum": h.checksum,
                        "started_at": h.started_at, "finished_at": h.finished_at, "duration_ms": h.duration_ms,
                        "success": h.success, "dirty": h.dirty, "error": h.error, "applied_by": h.applied_by,
                        "snapshot": after(h.id),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)
        }
        Output::Text => {
            for h in &rows {
                let status = match (h.success, h.dirty) {
                    (_, true) => "DIRTY",
                    (Some(true), _) => "ok",
                    (Some(false), _) => "failed",
                    (None, _) => "running",
                };
                let ms = h.duration_ms.map(|d| format!("{d} ms")).unwrap_or_default();
                writeln!(
                    out,
                    "{:>5} {} {:<5} {:<32} {:<7} {:>8}  {}",
                    h.id, h.started_at, h.direction, h.revision, status, ms, h.applied_by
                )
                .map_err(runtime)?;
                if let Some(e) = &h.error {
                    writeln!(out, "      error: {e}").map_err(runtime)?;
                }
                if let Some(fp) = after(h.id) {
                    writeln!(out, "      snapshot {}", short(fp)).map_err(runtime)?;
                }
            }
            for s in snapshots.iter().filter(|s| s.history_id.is_none()) {
                writeln!(
                    out,
                    "      snapshot {} {} ({})",
                    short(&s.fingerprint),
                    s.taken_at,
                    s.reason
                )
                .map_err(runtime)?;
            }
            Ok(())
        }
    }
}

/// `drift`: the live schema against the last snapshot (exit 1 when they
/// differ), or with `accept`, a new snapshot under the migration lock.
pub async fn drift(
    db: &DbArgs,
    accept: bool,
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut session = session(db, None).await?;
    if accept {
        let row = session.accept_drift().await?;
        let fp = row.map(|r| r.fingerprint).unwrap_or_default();
        return writeln!(out, "Snapshot taken: {fp}").map_err(runtime);
    }
    let check = session.check_drift(false).await?;
    let Some(snapshot) = &check.snapshot_fingerprint else {
        return Err(CliError::Input(
            "no schema snapshot yet (Revisor takes one after each run and stamp): `revisor drift --accept` takes the live schema as the first".into(),
        ));
    };
    match output {
        Output::Json => {
            let v = serde_json::json!({
                "drifted": check.drifted(),
                "live_fingerprint": check.live_fingerprint,
                "snapshot_fingerprint": snapshot,
                "changes": check.changes,
            });
            serde_json::to_writer_pretty(&mut *out, &v)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)?;
        }
        Output::Text if check.drifted() => {
            writeln!(
                out,
                "The live schema left snapshot {} (live {}):",
                short(snapshot),
                short(&check.live_fingerprint)
            )
            .map_err(runtime)?;
            for c in &check.changes {
                writeln!(out, "  {c}").map_err(runtime)?;
            }
        }
        Output::Text => {
            writeln!(
                out,
                "No drift: the live schema is snapshot {}",
                short(snapshot)
            )
            .map_err(runtime)?;
        }
    }
    if check.drifted() {
        return Err(CliError::Runtime(format!(
            "schema drift: {} change(s) since the last snapshot",
            check.changes.len()
        )));
    }
    Ok(())
}

/// The first 12 characters of a fingerprint.
fn short(fingerprint: &str) -> &str {
    &fingerprint[..fingerprint.len().min(12)]
}

/// `resolve`: clears the dirty mark.
pub async fn resolve(db: &DbArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let n = session(db, None).await?.resolve().await?;
    writeln!(out, "{n} dirty step(s) marked resolved").map_err(runtime)
}

/// How often `wait` looks again: quick enough that an application starts
/// within seconds of its schema, rare enough to be invisible to the database.
const WAIT_POLL: Duration = Duration::from_secs(2);

/// `wait --revision`: blocks until every revision `revision` names is
/// applied, or `timeout` passes (0: no limit).
///
/// A revision counts as applied when it is a version-table row or an
/// ancestor of one, through the migration set when `graph` is given and
/// through the parents the history recorded otherwise, so an init container
/// needs no migration files. Connection failures are retried until the
/// timeout: the database may not be up yet.
pub async fn wait(
    graph: Option<&RevisionGraph>,
    db: &DbArgs,
    revision: &str,
    timeout: u64,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let wanted: Vec<String> = match graph {
        Some(g) => g.ids(
            g.resolve_targets(revision)
                .map_err(|e| CliError::Input(format!("--revision: {e}")))?,
        ),
        None => revision
            .split(',')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
    };
    let started = std::time::Instant::now();
    // Progress goes to stderr (an init container's log): where it waits,
    // each change of the database's heads, and a line every
    // WAIT_REPORT_EVERY while nothing changes.
    eprintln!(
        "waiting for {} on {} (version table {}{})",
        wanted.join(", "),
        crate::redact::redact(db.url()?),
        db.version_table,
        if timeout > 0 {
            format!(", at most {timeout}s")
        } else {
            ", no time limit".to_owned()
        }
    );
    let mut last_error = String::new();
    let mut last_said = std::time::Instant::now();
    loop {
        let seen = match applied_set(graph, db).await {
            Ok((rows, applied)) => {
                if wanted.iter().all(|w| applied.contains(w)) {
                    return writeln!(
                        out,
                        "{} applied (database at [{}])",
                        wanted.join(", "),
                        rows.join(", ")
                    )
                    .map_err(runtime);
                }
                format!("database at [{}]", rows.join(", "))
            }
            Err(e) => e.to_string(),
        };
        if seen != last_error || last_said.elapsed() >= WAIT_REPORT_EVERY {
            eprintln!("waiting ({}s): {seen}", started.elapsed().as_secs());
            last_said = std::time::Instant::now();
        }
        last_error = seen;
        if timeout > 0 && started.elapsed() >= Duration::from_secs(timeout) {
            return Err(CliError::Runtime(format!(
                "timed out after {timeout}s waiting for {}: {last_error}",
                wanted.join(", ")
            )));
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}

/// How often `wait` says it is still waiting when nothing changes: often
/// enough that a log shows it alive, rarely enough to stay readable.
const WAIT_REPORT_EVERY: Duration = Duration::from_secs(30);

/// The version-table rows and every revision they imply.
async fn applied_set(
    graph: Option<&RevisionGraph>,
    db: &DbArgs,
) -> Result<(Vec<String>, std::collections::BTreeSet<String>), CliError> {
    let mut session = session(db, None).await?;
    let (rows, history) = (session.heads().await?, session.history().await?);
    let mut applied = std::collections::BTreeSet::new();
    let mut todo: Vec<String> = rows.clone();
    while let Some(r) = todo.pop() {
        if !applied.insert(r.clone()) {
            continue;
        }
        if let Some(i) = graph.and_then(|g| g.index_of(&r)) {
            let g = graph.expect("index came from the graph");
            todo.extend(g.ids(g.parents(i).iter().chain(g.dependencies(i)).copied()));
        } else if let Some(h) = history
            .iter()
            .rev()
            .find(|h| h.revision == r && h.success == Some(true) && h.direction != "down")
        {
            todo.extend(h.down_revisions.iter().chain(&h.depends_on).cloned());
        }
    }
    Ok((rows, applied))
}

/// The applied revisions of the database, for `graph --database`.
pub async fn applied_for_graph(
    graph: &RevisionGraph,
    db: &DbArgs,
) -> Result<Vec<String>, CliError> {
    let (_, applied) = applied_set(Some(graph), db).await?;
    Ok(applied.into_iter().collect())
}
