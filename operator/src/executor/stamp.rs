//! Stamp (write the version table without running SQL, as `alembic
//! stamp` does) and resolve (clear a dirty mark), each under the lock.

use super::snapshot::take_snapshot;
use super::{ExecError, Options};
use crate::db::tables::{now, HistoryRow, Tables};
use crate::db::Backend;
use crate::graph::RevisionGraph;
use crate::plan::PlanError;
use crate::redact::redact;

/// Writes the version table so that `target` is current, running no SQL,
/// as `alembic stamp` does: rows on other lineages stay, rows on the
/// target's lineage are replaced (all rows with `purge`). Each stamped
/// revision gets a `stamp` history row. Returns the new rows.
///
/// # Errors
/// [`ExecError::Plan`] for a bad target, [`ExecError::Db`] otherwise.
pub(super) async fn stamp<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    target: &str,
    purge: bool,
    opts: &Options,
) -> Result<Vec<String>, ExecError> {
    // A target that does not resolve is refused before anything is written.
    let targets = graph.resolve_targets(target).map_err(PlanError::from)?;
    db.lock(&tables.version, opts.lock_timeout).await?;
    let result = async {
        tables.ensure(db).await?;
        let heads = tables.heads(db).await?;
        let rows = stamp_rows(db, tables, graph, &targets, &heads, purge, opts).await?;
        if opts.snapshot {
            // Stamping adopts a database (an Alembic one, say) as it is.
            if let Err(e) = take_snapshot(db, tables, opts, "stamp").await {
                tracing::warn!(error = %redact(&e.to_string()), "no schema snapshot after the stamp");
            }
        }
        Ok::<_, ExecError>(rows)
    }
    .await;
    super::run::released(db, result).await
}

/// The rows a stamp of `targets` writes over `heads` (rows on other
/// lineages stay unless `purge`), written in one transaction with a
/// `stamp` history row per target.
pub(super) async fn stamp_rows<B: Backend>(
    db: &mut B,
    tables: &Tables,
    graph: &RevisionGraph,
    targets: &[usize],
    heads: &[String],
    purge: bool,
    opts: &Options,
) -> Result<Vec<String>, ExecError> {
    let lineage = graph
        .ancestors(targets.iter().copied(), true)
        .union(&graph.descendants(targets.iter().copied(), true))
        .collect::<Vec<_>>();
    let keep: Vec<usize> = if purge || targets.is_empty() {
        Vec::new()
    } else {
        heads
            .iter()
            .filter_map(|h| graph.index_of(h))
            .filter(|h| !lineage.contains(h))
            .collect()
    };
    let applied = graph.closure(keep.iter().chain(targets.iter()).copied());
    let rows = graph.ids(graph.heads_of(&applied));
    db.execute("BEGIN").await?;
    tables.set_rows(db, &rows).await?;
    for &t in targets {
        let r = graph.rev(t);
        let row = HistoryRow {
            revision: r.id.clone(),
            direction: "stamp".into(),
            checksum: r.checksum.clone(),
            down_revisions: graph.ids(graph.parents(t).iter().copied()),
            depends_on: graph.ids(graph.dependencies(t).iter().copied()),
            down_sql: r.down_sql.clone(),
            message: r.message.clone(),
            started_at: now(),
            finished_at: Some(now()),
            duration_ms: Some(0),
            success: Some(true),
            applied_by: opts.applied_by.clone(),
            ..HistoryRow::default()
        };
        tables.insert_history(db, &row).await?;
    }
    db.execute("COMMIT").await?;
    Ok(rows)
}

/// Clears the dirty mark after a person has repaired the database; returns
/// how many steps were dirty.
///
/// # Errors
/// [`ExecError::Db`].
pub(super) async fn resolve<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
) -> Result<u64, ExecError> {
    db.lock(&tables.version, opts.lock_timeout).await?;
    let result = tables.resolve(db).await.map_err(ExecError::from);
    super::run::released(db, result).await
}
