//! One step: its SQL (a SQL section as written, or operations rendered
//! for the dialect now), run statement by statement, with its version-row
//! changes and history row in the same transaction where the dialect
//! allows; a step that cannot be rolled back is marked dirty first.

use super::snapshot::take_snapshot;
use super::{Event, ExecError, Options, TransactionMode};
use crate::db::tables::{now, HistoryRow, Tables};
use crate::db::{Backend, DbError, Dialect};
use crate::graph::RevisionGraph;
use crate::plan::{Plan, Step, StepDirection};
use crate::redact::redact;
use crate::sqltext::split_statements_with;
use std::time::{Duration, Instant};

pub(super) async fn run_steps<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    p: &Plan,
    opts: &Options,
    on_event: &mut F,
    session_changed: &mut bool,
) -> Result<(), ExecError> {
    let was_enforcing = foreign_keys(db, false).await?;
    let result = run_steps_inner(db, tables, graph, p, opts, on_event, session_changed).await;
    if was_enforcing {
        foreign_keys(db, true).await?;
    }
    result
}

/// Where the dialect switches foreign-key enforcement off for steps
/// ([`crate::dialect::SqlDialect::foreign_key_switch`], SQLite): turns it on
/// or off (outside any transaction, where the switch works); turning it off
/// returns whether it was on. Steps run with it off, because a table
/// rebuild drops and recreates a table others reference, and [`run_sql`]
/// checks every foreign key before the step commits instead.
async fn foreign_keys<B: Backend>(db: &mut B, on: bool) -> Result<bool, DbError> {
    let Some(switch) = db.dialect().sql().foreign_key_switch() else {
        return Ok(false);
    };
    if on {
        db.execute(switch.on).await?;
        return Ok(true);
    }
    let rows = db.query(switch.query).await?;
    let was_on = rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .flatten()
        .as_deref()
        == Some("1");
    if was_on {
        db.execute(switch.off).await?;
    }
    Ok(was_on)
}

async fn run_steps_inner<B: Backend, F: FnMut(Event)>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    p: &Plan,
    opts: &Options,
    on_event: &mut F,
    session_changed: &mut bool,
) -> Result<(), ExecError> {
    let total = p.steps.len();
    match opts.transaction_mode {
        TransactionMode::PerMigration => {
            for (index, step) in p.steps.iter().enumerate() {
                if opts
                    .stop
                    .as_ref()
                    .is_some_and(|s| s.load(std::sync::atomic::Ordering::SeqCst))
                {
                    return Err(ExecError::Interrupted { completed: index });
                }
                on_event(Event::StepStarted {
                    index,
                    total,
                    step: step.clone(),
                });
                let t0 = Instant::now();
                *session_changed = true;
                run_step(db, tables, graph, step, opts, index, index + 1 == total).await?;
                on_event(Event::StepFinished {
                    index,
                    total,
                    step: step.clone(),
                    duration: t0.elapsed(),
                });
            }
        }
        TransactionMode::All => {
            db.execute("BEGIN").await?;
            for (index, step) in p.steps.iter().enumerate() {
                on_event(Event::StepStarted {
                    index,
                    total,
                    step: step.clone(),
                });
                let t0 = Instant::now();
                let started = now();
                *session_changed = true;
                let outcome =
                    step_in_transaction(db, tables, graph, step, opts, &started, t0).await;
                if let Err(e) = outcome {
                    let _ = db.execute("ROLLBACK").await;
                    return Err(record_failure(
                        db, tables, graph, step, &started, opts, t0, e, false, 0,
                    )
                    .await);
                }
                on_event(Event::StepFinished {
                    index,
                    total,
                    step: step.clone(),
                    duration: t0.elapsed(),
                });
            }
            snapshot_in_transaction(db, tables, opts).await;
            db.execute("COMMIT").await?;
        }
    }
    Ok(())
}

/// Whether the snapshot of a run that ends with `result` was written in its
/// last step's transaction ([`snapshot_in_transaction`]): the run
/// succeeded, on a dialect whose DDL is transactional, and its last step
/// ran in a transaction (in `All` mode every step does). Otherwise the run
/// takes it after its steps.
pub(super) fn snapshot_in_last_step(
    result: &Result<(), ExecError>,
    p: &Plan,
    dialect: Dialect,
) -> bool {
    result.is_ok() && dialect.transactional_ddl() && p.steps.last().is_some_and(|s| s.transactional)
}

/// Takes the run's snapshot inside the open transaction of its last step,
/// so that the step, its bookkeeping and the snapshot commit together;
/// behind a savepoint, so that a snapshot that fails (logged) never rolls
/// the step back. Not offline: a script takes no snapshot.
async fn snapshot_in_transaction<B: Backend>(db: &mut B, tables: &Tables, opts: &Options) {
    if !opts.snapshot || db.offline() || !db.dialect().transactional_ddl() {
        return;
    }
    if db.execute("SAVEPOINT revisor_snapshot").await.is_err() {
        return;
    }
    match take_snapshot(db, tables, opts, "run").await {
        Ok(_) => {
            let _ = db.execute("RELEASE SAVEPOINT revisor_snapshot").await;
        }
        Err(e) => {
            let _ = db.execute("ROLLBACK TO SAVEPOINT revisor_snapshot").await;
            tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot after the run");
        }
    }
}

/// Limits how long each migration statement may run, on the migration
/// connection only (the bookkeeping and the lock are not limited).
pub(super) async fn set_statement_timeout<B: Backend>(
    db: &mut B,
    t: Duration,
) -> Result<(), ExecError> {
    let sql = db.dialect().sql();
    let mariadb = if sql.asks_server_flavour() {
        let version = db.query("SELECT VERSION()").await?;
        version
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .is_some_and(|v| v.contains("MariaDB"))
    } else {
        false
    };
    let set = sql
        .statement_timeout(t, mariadb)
        .map_err(|why| ExecError::Unsupported(why.into()))?;
    db.execute(&set).await?;
    Ok(())
}

/// One step in `PerMigration` mode.
async fn run_step<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    step: &Step,
    opts: &Options,
    completed: usize,
    last: bool,
) -> Result<(), ExecError> {
    let started = now();
    let t0 = Instant::now();
    if step.transactional && db.dialect().transactional_ddl() {
        db.execute("BEGIN").await?;
        let mut outcome = step_in_transaction(db, tables, graph, step, opts, &started, t0).await;
        if outcome.is_ok() && last {
            snapshot_in_transaction(db, tables, opts).await;
        }
        if outcome.is_ok() {
            outcome = db.execute("COMMIT").await.map(|_| ());
        }
        if let Err(e) = outcome {
            let _ = db.execute("ROLLBACK").await;
            return Err(record_failure(
                db, tables, graph, step, &started, opts, t0, e, false, completed,
            )
            .await);
        }
        return Ok(());
    }
    // Cannot be rolled back: mark it dirty first, so a crash stays visible.
    let sql = match step_sql(db, graph, step, opts).await {
        Ok(sql) => sql,
        Err(e) => {
            return Err(ExecError::Step {
                revision: step.revision.clone(),
                direction: step.direction.as_str(),
                error: redact(&e.to_string()),
                dirty: false,
                completed,
            })
        }
    };
    let mut pending = history_row(graph, step, &started, opts, None, true, None, None);
    pending.down_sql = sql.down_sql;
    let id = tables.insert_history(db, &pending).await?;
    if let Err((e, ran)) = run_sql(db, step, &sql.sql).await {
        let error = redact(&e.to_string());
        // The connection died before the step's first statement finished,
        // and that statement is atomic: nothing of the step stayed, so it
        // is no dirty step but a transient failure, retried. The pending
        // row is finished on a new connection; where that fails, it stays
        // dirty (a person looks).
        if e.is_transient() && ran == 0 && db.dialect().sql().atomic_statements() {
            let cleared = db.reconnect().await.is_ok()
                && tables
                    .finish_history(db, id, false, false, millis(t0.elapsed()), Some(&error))
                    .await
                    .is_ok();
            if cleared {
                return Err(ExecError::ConnectionLost {
                    revision: step.revision.clone(),
                    direction: step.direction.as_str(),
                    error,
                    completed,
                });
            }
        }
        let _ = tables
            .finish_history(db, id, false, true, millis(t0.elapsed()), Some(&error))
            .await;
        return Err(ExecError::Step {
            revision: step.revision.clone(),
            direction: step.direction.as_str(),
            error,
            dirty: true,
            completed,
        });
    }
    // The SQL ran; record it. If the bookkeeping fails, the pending row
    // stays dirty: the schema changed but the version table does not say so.
    db.execute("BEGIN").await?;
    let mut done = tables
        .change_rows(db, &step.heads_removed, &step.heads_added)
        .await;
    if done.is_ok() {
        done = tables
            .finish_history(db, id, true, false, millis(t0.elapsed()), None)
            .await;
    }
    if done.is_ok() {
        done = db.execute("COMMIT").await.map(|_| ());
    }
    if let Err(e) = done {
        let _ = db.execute("ROLLBACK").await;
        return Err(e.into());
    }
    Ok(())
}

/// A step inside the caller's transaction: its SQL, then its version-row
/// changes and its success history row (one round trip; see
/// [`Tables::record_step`]).
async fn step_in_transaction<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    step: &Step,
    opts: &Options,
    started: &str,
    t0: Instant,
) -> Result<(), DbError> {
    let sql = step_sql(db, graph, step, opts).await?;
    run_sql(db, step, &sql.sql).await.map_err(|(e, _)| e)?;
    let mut row = history_row(
        graph,
        step,
        started,
        opts,
        Some(true),
        false,
        Some(t0.elapsed()),
        None,
    );
    row.down_sql = sql.down_sql;
    tables
        .record_step(db, &step.heads_removed, &step.heads_added, &row)
        .await
}

/// What a step runs, and for an up step the down SQL its history row keeps
/// (so that a revision whose file is gone can still be downgraded).
struct StepSql {
    sql: String,
    down_sql: Option<String>,
}

/// The SQL of a step: a SQL revision's section as written, or an operation
/// revision's operations rendered now for this database's dialect (against
/// its introspected schema when the operations need the current tables;
/// offline, against what earlier steps created). An up step's down SQL is
/// rendered against the schema as the up operations leave it.
async fn step_sql<B: Backend>(
    db: &mut B,
    graph: &RevisionGraph,
    step: &Step,
    opts: &Options,
) -> Result<StepSql, DbError> {
    let Some(r) = graph.index_of(&step.revision).map(|i| graph.rev(i)) else {
        return Err(DbError::Sql(format!(
            "revision {} is not in the migration set",
            step.revision
        )));
    };
    let up = step.direction == StepDirection::Up;
    let Some(body) = &r.ops else {
        return Ok(if up {
            StepSql {
                sql: r.up_sql.clone(),
                down_sql: r.down_sql.clone(),
            }
        } else {
            StepSql {
                sql: r.down_sql.clone().unwrap_or_default(),
                down_sql: None,
            }
        });
    };
    use crate::ops::render::{needs_state, render, Model};
    let d = db.dialect();
    let Some((ops, lines)) = body.section(up) else {
        return Err(DbError::Sql(format!(
            "{}: irreversible (an operation cannot be undone and no `downgrade:` is written)",
            r.file
        )));
    };
    let down = if up { body.downgrade.as_deref() } else { None };
    let need = needs_state(ops, d) || down.is_some_and(|o| needs_state(o, d));
    let mut model = if need || db.offline() {
        db.render_model(&opts.version_table).await?
    } else {
        Model::default()
    };
    let section = if up { "upgrade" } else { "downgrade" };
    let located = |(i, m): crate::ops::render::OpError,
                   lines: &[usize],
                   section: &str,
                   ops: &[crate::ops::Operation]| {
        let line = lines.get(i).copied().filter(|l| *l > 0);
        DbError::Sql(format!(
            "{}{}: {section}[{i}] {}: {m}",
            r.file,
            line.map(|l| format!(":{l}")).unwrap_or_default(),
            ops.get(i).map_or("", |o| o.name())
        ))
    };
    let rendered = render(ops, d, &mut model);
    let stmts = match rendered {
        Ok(s) => s,
        Err(e) => {
            db.keep_model(model);
            return Err(located(e, lines, section, ops));
        }
    };
    let down_sql = match down {
        Some(down_ops) => {
            // Only the tables the downgrade touches, so a long offline run
            // does not copy its whole model per step.
            let mut m = Model {
                complete: model.complete,
                ..Model::default()
            };
            for t in down_ops.iter().flat_map(crate::ops::Operation::tables) {
                if let Some(x) = model.schema.tables.get(t) {
                    m.schema.tables.insert(t.to_owned(), x.clone());
                }
            }
            let down_lines = body.section(false).map_or(&[][..], |(_, l)| l);
            Some(
                render(down_ops, d, &mut m)
                    .map(|s| join_statements(&s))
                    .map_err(|e| located(e, down_lines, "downgrade", down_ops))?,
            )
        }
        None => None,
    };
    db.keep_model(model);
    Ok(StepSql {
        sql: join_statements(&stmts),
        down_sql,
    })
}

/// Rendered statements as one section of SQL.
fn join_statements(stmts: &[String]) -> String {
    let mut s = String::new();
    for x in stmts {
        s.push_str(x);
        s.push_str(";\n");
    }
    s
}

/// Runs the step's SQL statement by statement; on failure, the error and
/// how many statements had finished.
async fn run_sql<B: Backend>(db: &mut B, step: &Step, sql: &str) -> Result<(), (DbError, usize)> {
    let statements = split_statements_with(sql, db.dialect().sql().backslash_escapes())
        .map_err(|e| (DbError::Sql(e.to_string()), 0))?;
    let total = statements.len();
    for (ran, s) in statements.into_iter().enumerate() {
        db.execute(s.sql).await.map_err(|e| {
            let at = format!(
                " (statement at line {} of the {} section)",
                s.line,
                step.direction.as_str()
            );
            // A lost connection stays transient; the statement's place goes
            // into the message either way.
            let e = match e {
                DbError::Unavailable(m) => DbError::Unavailable(format!("{m}{at}")),
                other => DbError::Sql(format!("{other}{at}")),
            };
            (e, ran)
        })?;
    }
    if let Some(switch) = db.dialect().sql().foreign_key_switch() {
        // Enforcement is off during the step: check what it would have.
        let broken = db.query(switch.violations).await.map_err(|e| (e, total))?;
        if let Some(first) = broken.first().and_then(|r| r.first()).cloned().flatten() {
            return Err((
                DbError::Sql(format!(
                    "foreign key violated after the {} section: {first}{}",
                    step.direction.as_str(),
                    if broken.len() > 1 {
                        format!(" (and {} more)", broken.len() - 1)
                    } else {
                        String::new()
                    }
                )),
                total,
            ));
        }
    }
    Ok(())
}

/// Writes the failed history row of a rolled-back step (best effort) and
/// returns the error to report. A step whose connection died was rolled
/// back by the server: that is transient ([`ExecError::ConnectionLost`],
/// retried), and its row is written on a new connection where one can be
/// had, so the attempt shows in the history.
#[allow(clippy::too_many_arguments)]
async fn record_failure<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    step: &Step,
    started: &str,
    opts: &Options,
    t0: Instant,
    e: DbError,
    dirty: bool,
    completed: usize,
) -> ExecError {
    let error = redact(&e.to_string());
    let lost = e.is_transient() && !dirty;
    if lost && db.reconnect().await.is_err() {
        return ExecError::ConnectionLost {
            revision: step.revision.clone(),
            direction: step.direction.as_str(),
            error,
            completed,
        };
    }
    let row = history_row(
        graph,
        step,
        started,
        opts,
        Some(false),
        dirty,
        Some(t0.elapsed()),
        Some(&error),
    );
    let _ = tables.insert_history(db, &row).await;
    if lost {
        return ExecError::ConnectionLost {
            revision: step.revision.clone(),
            direction: step.direction.as_str(),
            error,
            completed,
        };
    }
    ExecError::Step {
        revision: step.revision.clone(),
        direction: step.direction.as_str(),
        error,
        dirty,
        completed,
    }
}

#[allow(clippy::too_many_arguments)]
fn history_row(
    graph: &RevisionGraph,
    step: &Step,
    started: &str,
    opts: &Options,
    success: Option<bool>,
    dirty: bool,
    duration: Option<Duration>,
    error: Option<&str>,
) -> HistoryRow {
    let rev = graph.index_of(&step.revision).map(|i| (i, graph.rev(i)));
    let (parents, deps) = rev.map_or((Vec::new(), Vec::new()), |(i, _)| {
        (
            graph.ids(graph.parents(i).iter().copied()),
            graph.ids(graph.dependencies(i).iter().copied()),
        )
    });
    HistoryRow {
        id: 0,
        revision: step.revision.clone(),
        direction: step.direction.as_str().to_owned(),
        checksum: rev.map(|(_, r)| r.checksum.clone()).unwrap_or_default(),
        down_revisions: parents,
        depends_on: deps,
        down_sql: match step.direction {
            StepDirection::Up => rev.and_then(|(_, r)| r.down_sql.clone()),
            StepDirection::Down => None,
        },
        message: step.message.clone(),
        started_at: started.to_owned(),
        finished_at: duration.map(|_| now()),
        duration_ms: duration.map(millis),
        success,
        dirty,
        error: error.map(str::to_owned),
        applied_by: opts.applied_by.clone(),
    }
}

pub(super) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}
