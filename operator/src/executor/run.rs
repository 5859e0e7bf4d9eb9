//! The run algorithm: read and plan without the lock, refuse, lock, read
//! and plan again, run the steps ([`super::step`]).

use super::snapshot::take_snapshot;
use super::step::{run_steps, set_statement_timeout, snapshot_in_last_step};
use super::{Event, ExecError, Options, State};
use crate::db::tables::Tables;
use crate::db::{Backend, DbError};
use crate::graph::RevisionGraph;
use crate::plan::policy::{self, DirtyStep, Facts, Policy};
use crate::plan::{plan, Mode, Plan};
use crate::redact::redact;
use std::time::Duration;

/// Plans from the database's rows to `target` and runs the plan under the
/// lock; a plan that is empty or refused takes no lock and writes nothing.
///
/// `on_event` sees the plan (when it has steps) and every step as it
/// starts and finishes. Returns the plan that ran.
///
/// # Errors
/// [`ExecError`]; on a failed step, the steps before it stay applied in
/// `PerMigration` mode and nothing stays applied in `All` mode.
pub(super) async fn run<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    target: &str,
    mode: Mode,
    opts: &Options,
    on_event: &mut F,
) -> Result<Plan, ExecError> {
    let policy = opts.policy(mode, target, db.dialect());
    // 1-2: read, plan and check without the lock. A dirty step that has not
    // finished may be running in another process right now: the lock
    // decides (under it, an unfinished step is one whose process died).
    let mut state = read_state(db, tables, graph).await?;
    let in_flight = state.facts.dirty.as_ref().is_some_and(|d| d.unfinished);
    if in_flight {
        state.facts.dirty = None;
    }
    let p = check_plan(&state, graph, target, mode, &policy)?;
    let dirty_to_clear = opts.clear_dirty && state.facts.dirty.is_some();
    if p.steps.is_empty() && !dirty_to_clear && !in_flight {
        return Ok(p);
    }
    // 3-5: under the lock.
    lock(db, tables, opts, on_event).await?;
    let result = run_locked(db, tables, graph, target, mode, opts, &policy, on_event).await;
    released(db, result).await
}

/// Releases the migration lock after the work that held it, on every path,
/// and returns the work's result: its error first, a failed release second.
/// (A backend dropped while holding the lock closes the lock's connection
/// instead of pooling it, so a cancelled run releases it too.)
///
/// # Errors
/// The work's error, else the release's.
pub(super) async fn released<B: Backend, T, E: From<DbError>>(
    db: &mut B,
    result: Result<T, E>,
) -> Result<T, E> {
    let unlocked = db.unlock().await;
    let value = result?;
    unlocked?;
    Ok(value)
}

/// A first, short try for the lock: long enough for a free lock, short
/// enough that a held one is reported (and the holder named) at once.
pub(super) const LOCK_FIRST_TRY: Duration = Duration::from_secs(1);

/// Takes the migration lock; when the first short try finds it held,
/// reports [`Event::LockWaiting`] and waits for the rest of the timeout.
async fn lock<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    on_event: &mut F,
) -> Result<(), DbError> {
    if opts.lock_timeout <= LOCK_FIRST_TRY {
        return db.lock(&tables.version, opts.lock_timeout).await;
    }
    match db.lock(&tables.version, LOCK_FIRST_TRY).await {
        Err(DbError::LockTimeout { holder, .. }) => {
            on_event(Event::LockWaiting {
                holder,
                timeout: opts.lock_timeout,
            });
            db.lock(&tables.version, opts.lock_timeout - LOCK_FIRST_TRY)
                .await
                .map_err(|e| match e {
                    DbError::LockTimeout { holder, .. } => DbError::LockTimeout {
                        seconds: opts.lock_timeout.as_secs(),
                        holder,
                    },
                    other => other,
                })
        }
        other => other,
    }
}

/// Plans from `state` and applies the refusal rules.
fn check_plan(
    state: &State,
    graph: &RevisionGraph,
    target: &str,
    mode: Mode,
    policy: &Policy,
) -> Result<Plan, ExecError> {
    policy::check_dirty(&state.facts, policy)?;
    let g = state.graph(graph);
    let p = plan(g, &state.heads, target, mode)?;
    policy::check(g, &p, &state.facts, policy)?;
    Ok(p)
}

/// Reads the rows and the history (neither table need exist), and rebuilds
/// every applied revision whose file is gone (and its missing ancestors)
/// from its last successful up or stamp history row: parents, dependencies,
/// checksum and down section.
///
/// # Errors
/// [`ExecError::Unknown`] for a row the history cannot explain, and
/// [`ExecError::Db`].
pub(super) async fn read_state<B: Backend>(
    db: &mut B,
    tables: &Tables,
    files: &RevisionGraph,
) -> Result<State, ExecError> {
    let heads = tables.heads(db).await?;
    let history = tables.history(db).await?;
    let mut facts = Facts {
        dirty: history.iter().rev().find(|h| h.dirty).map(|h| DirtyStep {
            revision: h.revision.clone(),
            direction: h.direction.clone(),
            error: h.error.clone(),
            unfinished: h.success.is_none(),
        }),
        ..Facts::default()
    };
    // The last successful up or stamp of each revision; a stamp records no
    // checksum to hold the file to.
    for h in history
        .iter()
        .filter(|h| h.success == Some(true) && h.direction != "down")
    {
        if h.direction == "up" {
            facts
                .applied_checksums
                .insert(h.revision.clone(), h.checksum.clone());
        } else {
            facts.applied_checksums.remove(&h.revision);
        }
    }
    let mut todo: Vec<String> = heads
        .iter()
        .filter(|h| files.index_of(h).is_none())
        .cloned()
        .collect();
    let mut orphans: Vec<crate::revision::Revision> = Vec::new();
    while let Some(id) = todo.pop() {
        if orphans.iter().any(|o| o.id == id) {
            continue;
        }
        let row = history
            .iter()
            .rev()
            .find(|h| {
                h.revision == id
                    && h.success == Some(true)
                    && (h.direction == "up" || h.direction == "stamp")
            })
            .ok_or_else(|| ExecError::Unknown(id.clone()))?;
        for p in row.down_revisions.iter().chain(&row.depends_on) {
            if files.index_of(p).is_none() {
                todo.push(p.clone());
            }
        }
        orphans.push(crate::revision::Revision {
            id: id.clone(),
            down_revisions: row.down_revisions.clone(),
            branch_labels: Vec::new(),
            depends_on: row.depends_on.clone(),
            transactional: true,
            message: format!("{} (file gone; down section from the history)", row.message),
            up_sql: String::new(),
            down_checksum: crate::sqltext::checksum(row.down_sql.as_deref().unwrap_or("")),
            down_sql: row.down_sql.clone(),
            checksum: row.checksum.clone(),
            file: format!("{} history row {}", tables.history, row.id),
            lines: Default::default(),
            lint_allow: Vec::new(),
            ops: None,
        });
    }
    if orphans.is_empty() {
        return Ok(State {
            heads,
            facts,
            graph: None,
        });
    }
    orphans.sort_by(|a, b| a.id.cmp(&b.id));
    facts.orphans = orphans.iter().map(|o| o.id.clone()).collect();
    let graph = files.with_extra(orphans).map_err(|e| {
        ExecError::Db(DbError::Corrupt {
            table: tables.history.clone(),
            reason: e.to_string(),
        })
    })?;
    Ok(State {
        heads,
        facts,
        graph: Some(graph),
    })
}

#[allow(clippy::too_many_arguments)]
async fn run_locked<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    target: &str,
    mode: Mode,
    opts: &Options,
    policy: &Policy,
    on_event: &mut F,
) -> Result<Plan, ExecError> {
    // Another run may have moved the database since the unlocked read.
    let state = read_state(db, tables, graph).await?;
    let p = check_plan(&state, graph, target, mode, policy)?;
    if opts.clear_dirty && state.facts.dirty.is_some() {
        tables.resolve(db).await?;
    }
    if p.steps.is_empty() {
        return Ok(p);
    }
    tables.ensure(db).await?;
    let graph = state.graph(graph);
    let mut session_changed = false;
    if let Some(t) = opts.statement_timeout {
        session_changed = true;
        if let Err(e) = set_statement_timeout(db, t).await {
            db.reset_session().await;
            return Err(e);
        }
    }
    on_event(Event::Planned(p.clone()));
    let result = run_steps(db, tables, graph, &p, opts, on_event, &mut session_changed).await;
    if opts.snapshot && !snapshot_in_last_step(&result, &p, db.dialect()) {
        // Whatever the steps did (a failed one was rolled back, or is
        // dirty), the schema is now Revisor's doing. Best effort: a run
        // that migrated does not fail for want of a snapshot.
        if let Err(e) = take_snapshot(db, tables, opts, "run").await {
            tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot after the run");
        }
    }
    if session_changed {
        db.reset_session().await;
    }
    result.map(|()| p)
}
