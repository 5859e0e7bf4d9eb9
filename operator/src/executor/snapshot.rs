//! Schema snapshots (taken after every run and stamp) and the live drift
//! check against the last one.

use super::run::LOCK_FIRST_TRY;
use super::Options;
use crate::db::tables::{now, SnapshotRow, Tables};
use crate::db::{Backend, DbError};
use std::time::Duration;

/// The introspection options of snapshots and drift checks.
fn drift_options(opts: &Options) -> crate::db::introspect::Options {
    crate::db::introspect::Options {
        schema: None,
        version_table: opts.version_table.clone(),
        exclude: opts.drift_exclude.clone(),
    }
}

/// Introspects the database and stores the schema as the new snapshot
/// (`reason`: `run`, `stamp`, `adopt` or `accept`), tied to the latest
/// history row. Returns it; `None` offline.
///
/// # Errors
/// [`DbError`] when introspection or the insert fails.
pub(super) async fn take_snapshot<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    reason: &str,
) -> Result<Option<SnapshotRow>, DbError> {
    let Some(live) = db.live_schema(&drift_options(opts)).await? else {
        return Ok(None);
    };
    let dialect = db.dialect();
    let normal = live.normalized(dialect);
    let history_id = match reason {
        "run" | "stamp" => tables.last_history_id(db).await?,
        _ => None,
    };
    let row = SnapshotRow {
        id: 0,
        taken_at: now(),
        history_id,
        reason: reason.to_owned(),
        heads: tables.heads(db).await?,
        fingerprint: normal.fingerprint(dialect),
        exclude: opts.drift_exclude.clone(),
        schema_json: normal.snapshot_json(),
    };
    tables.insert_snapshot(db, &row).await?;
    Ok(Some(row))
}

/// [`take_snapshot`] under the migration lock, waiting at most `wait` for
/// it; the lock is released on every path (the snapshot's error first).
///
/// # Errors
/// [`DbError::LockTimeout`] when the lock stays held, else as
/// [`take_snapshot`].
pub(super) async fn locked_snapshot<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    reason: &str,
    wait: Duration,
) -> Result<Option<SnapshotRow>, DbError> {
    db.lock(&tables.version, wait).await?;
    let taken = take_snapshot(db, tables, opts, reason).await;
    super::run::released(db, taken).await
}

/// Adopts the live schema as a snapshot, under the lock, when the lock is
/// free at once; while another run holds it, that run takes its own
/// snapshot and nothing is adopted. Returns whether a snapshot was taken.
pub(super) async fn adopt_snapshot<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
) -> Result<bool, DbError> {
    match locked_snapshot(db, tables, opts, "adopt", LOCK_FIRST_TRY).await {
        Ok(_) => Ok(true),
        Err(DbError::LockTimeout { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// What a drift check does about a missing or stale snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adoption {
    /// Nothing: a missing snapshot is no drift, a stale one is reported.
    Never,
    /// Recognise it (no drift) and say so ([`DriftCheck::adoptable`]),
    /// writing nothing: the caller adopts once its run passed its gates,
    /// so that a refused run leaves the database as it was.
    ///
    /// [`DriftCheck::adoptable`]: crate::drift::DriftCheck::adoptable
    Later,
    /// Recognise it and adopt the live schema now, under the lock.
    Now,
}

/// No drift, though the fingerprints differ (a run's snapshot missing, a
/// snapshot of an older model): the live schema is adopted now under
/// [`Adoption::Now`], or said adoptable under [`Adoption::Later`].
async fn not_drift<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    adoption: Adoption,
    live_fingerprint: String,
    snapshot_fingerprint: String,
) -> Result<crate::drift::DriftCheck, DbError> {
    let adopted = adoption == Adoption::Now && adopt_snapshot(db, tables, opts).await?;
    Ok(crate::drift::DriftCheck {
        snapshot_fingerprint: Some(if adopted {
            live_fingerprint.clone()
        } else {
            snapshot_fingerprint
        }),
        live_fingerprint,
        changes: Vec::new(),
        adoptable: adoption == Adoption::Later,
    })
}

/// Compares the live schema with the last snapshot: fingerprints first,
/// the full diff only when they differ. A managed database with no
/// snapshot yet (migrated before snapshots, or by an offline script), or
/// with one older than its version rows (a run that died before its
/// snapshot), is no drift where `adoption` recognises it.
///
/// # Errors
/// [`DbError`] when introspection or a bookkeeping query fails, or a
/// stored snapshot cannot be read back.
pub(super) async fn check_drift<B: Backend>(
    db: &mut B,
    tables: &Tables,
    opts: &Options,
    adoption: Adoption,
) -> Result<crate::drift::DriftCheck, DbError> {
    let adopt = adoption != Adoption::Never;
    let dialect = db.dialect();
    let Some(live) = db.live_schema(&drift_options(opts)).await? else {
        return Ok(crate::drift::DriftCheck::default());
    };
    let live = live.normalized(dialect);
    let live_fingerprint = live.fingerprint(dialect);
    let Some(snap) = tables.latest_snapshot(db, false).await? else {
        // Only a managed database (version rows) is adopted: a fresh one
        // gets its first snapshot from its first run.
        let adoptable = adopt && !tables.heads(db).await?.is_empty();
        let adopted =
            adoptable && adoption == Adoption::Now && adopt_snapshot(db, tables, opts).await?;
        return Ok(crate::drift::DriftCheck {
            snapshot_fingerprint: adopted.then(|| live_fingerprint.clone()),
            live_fingerprint,
            changes: Vec::new(),
            adoptable: adoptable && !adopted,
        });
    };
    if snap.fingerprint != live_fingerprint && adopt {
        // The version rows moved since the snapshot: a run ended between
        // its last step and its snapshot (a crash, a kill), or a Revisor
        // without snapshots ran. The schema is Revisor's doing, not drift.
        let mut rows = tables.rows(db).await.unwrap_or_default();
        let mut then = snap.heads.clone();
        rows.sort();
        then.sort();
        if rows != then {
            // Not drift either way: adopted now, or (the lock held) a run is
            // under way that takes its own snapshot.
            return not_drift(
                db,
                tables,
                opts,
                adoption,
                live_fingerprint,
                snap.fingerprint,
            )
            .await;
        }
    }
    if snap.fingerprint == live_fingerprint {
        return Ok(crate::drift::DriftCheck {
            live_fingerprint,
            snapshot_fingerprint: Some(snap.fingerprint),
            changes: Vec::new(),
            adoptable: false,
        });
    }
    let full = tables.latest_snapshot(db, true).await?.unwrap_or_default();
    let stored: crate::schema::Schema =
        serde_json::from_str(&full.schema_json).map_err(|e| DbError::Corrupt {
            table: tables.snapshot.clone(),
            reason: format!("snapshot {} does not read back: {e}", full.id),
        })?;
    let mut changes = crate::drift::compare(&stored, &live, dialect);
    let model = crate::schema::Schema::model_of(&full.schema_json);
    if !changes.is_empty() && model < crate::schema::MODEL_VERSION {
        // A snapshot of an older model: only what that model saw counts,
        // and with no drift in its terms the snapshot is taken again in
        // the current one (an upgrade of Revisor is no drift).
        let old = crate::drift::compare(&stored.as_of(model), &live.as_of(model), dialect);
        if old.is_empty() {
            tracing::info!(
                model,
                "snapshot of an older model: retaken in the current one"
            );
            return not_drift(
                db,
                tables,
                opts,
                adoption,
                live_fingerprint,
                snap.fingerprint,
            )
            .await;
        }
        changes = old;
    }
    if changes.is_empty() {
        // Same schema, another fingerprint (an older normal form): say so
        // rather than report nothing.
        changes.push(format!(
            "fingerprint {} differs from the snapshot's {} with no difference in the schema model",
            &live_fingerprint[..12],
            &snap.fingerprint[..snap.fingerprint.len().min(12)]
        ));
    }
    Ok(crate::drift::DriftCheck {
        live_fingerprint,
        snapshot_fingerprint: Some(snap.fingerprint),
        changes,
        adoptable: false,
    })
}
