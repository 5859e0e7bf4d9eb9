//! [`Session`]: the one way into a database about revisions. I/O.
//!
//! Every command and the reconciler that reads or writes Revisor's tables,
//! runs steps, stamps, resolves, checks drift or takes a snapshot does so
//! through a `Session`: `apply` and the operator (through
//! [`crate::engine`]), `upgrade`, `downgrade`, `stamp`, `current`,
//! `history`, `plan --database`, `drift`, `wait`, offline SQL (a session on
//! a [`crate::offline::Recorder`]) and autogenerate's replay. The
//! algorithms behind it (`executor/run.rs`, `step.rs`, `stamp.rs`,
//! `snapshot.rs`) are private to the executor, as sqlx's `Migrate`
//! algorithm sits behind its `Migrator`.
//!
//! Every lock a session takes is released on every path before the method
//! returns: the work's error is reported first, a failed release second.

use super::{ExecError, Options, State};
use crate::db::pool::Pools;
use crate::db::tables::{HistoryRow, SnapshotRow, Tables};
use crate::db::{Backend, Database, DbError, Dialect};
use crate::drift::DriftCheck;
use crate::graph::RevisionGraph;
use crate::plan::{Mode, Plan};
use std::sync::Arc;

/// An open database and the options every operation on it uses.
///
/// `B` is [`Database`] for a live database, or the offline recorder.
#[derive(Debug)]
pub struct Session<B: Backend = Database> {
    db: B,
    opts: Options,
    tables: Tables,
}

impl Session<Database> {
    /// Opens `url` (dialect by its scheme) with its migration connection
    /// from `pools`.
    ///
    /// # Errors
    /// [`DbError::TableName`] for a bad `opts.version_table`, before any
    /// connection; else as [`Database::open`] (URLs redacted).
    pub async fn open(pools: &Arc<Pools>, url: &str, opts: Options) -> Result<Self, DbError> {
        let tables = Tables::new(&opts.version_table, Dialect::from_url(url)?)?;
        let db = Database::open(pools, url).await?;
        Ok(Session { db, opts, tables })
    }

    /// Opens `url` on pools of its own, for a one-off command: see
    /// [`Session::open`].
    ///
    /// # Errors
    /// As [`Session::open`].
    pub async fn connect(url: &str, opts: Options) -> Result<Self, DbError> {
        let tables = Tables::new(&opts.version_table, Dialect::from_url(url)?)?;
        let db = Database::connect(url).await?;
        Ok(Session { db, opts, tables })
    }
}

impl<B: Backend> Session<B> {
    /// A session on an open backend.
    ///
    /// # Errors
    /// [`DbError::TableName`] for a bad `opts.version_table`.
    pub fn new(db: B, opts: Options) -> Result<Self, DbError> {
        let mut tables = Tables::new(&opts.version_table, db.dialect())?;
        if db.offline() {
            tables = tables.in_script();
        }
        Ok(Session { db, opts, tables })
    }

    /// The database's dialect.
    pub fn dialect(&self) -> Dialect {
        self.db.dialect()
    }

    /// The options every operation of this session uses.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The backend, for SQL that is not about revisions (introspection,
    /// catalog estimates, a test's own statements).
    pub fn backend(&mut self) -> &mut B {
        &mut self.db
    }

    /// The bookkeeping tables' names.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// The version-table rows, read without the lock (empty when the
    /// table does not exist yet).
    ///
    /// # Errors
    /// [`DbError`].
    pub async fn heads(&mut self) -> Result<Vec<String>, DbError> {
        self.tables.heads(&mut self.db).await
    }

    /// The version-table rows in one query, for a table that exists: the
    /// periodic recheck's single read.
    ///
    /// # Errors
    /// [`DbError`], also when the table is missing.
    pub async fn rows(&mut self) -> Result<Vec<String>, DbError> {
        self.tables.rows(&mut self.db).await
    }

    /// Every history row, oldest first (empty without the table).
    ///
    /// # Errors
    /// [`DbError`].
    pub async fn history(&mut self) -> Result<Vec<HistoryRow>, DbError> {
        self.tables.history(&mut self.db).await
    }

    /// Every snapshot row, without the schema JSON, oldest first.
    ///
    /// # Errors
    /// [`DbError`].
    pub async fn snapshots(&mut self) -> Result<Vec<SnapshotRow>, DbError> {
        self.tables.snapshots(&mut self.db).await
    }

    /// What the database holds, read without the lock: rows, the facts
    /// the refusal rules need, and `files` extended with orphaned
    /// revisions (for `plan --database` and offline SQL).
    ///
    /// # Errors
    /// [`ExecError::Unknown`] for a row the history cannot explain, and
    /// [`ExecError::Db`].
    pub async fn state(&mut self, files: &RevisionGraph) -> Result<State, ExecError> {
        super::run::read_state(&mut self.db, &self.tables, files).await
    }

    /// Plans from the database's rows to `target` and runs the plan under
    /// the lock (see [`super`] for the algorithm); a plan that is empty or
    /// refused takes no lock and writes nothing. `on_event` sees the plan
    /// and every step as it starts and finishes. Returns the plan that ran.
    ///
    /// # Errors
    /// [`ExecError`]; on a failed step, the steps before it stay applied in
    /// `PerMigration` mode and nothing stays applied in `All` mode.
    pub async fn run<F: FnMut(super::Event)>(
        &mut self,
        graph: &RevisionGraph,
        target: &str,
        mode: Mode,
        on_event: &mut F,
    ) -> Result<Plan, ExecError> {
        super::run::run(
            &mut self.db,
            &self.tables,
            graph,
            target,
            mode,
            &self.opts,
            on_event,
        )
        .await
    }

    /// Writes the version table so that `target` is current, running no
    /// SQL, as `alembic stamp` does (all rows replaced with `purge`);
    /// returns the new rows.
    ///
    /// # Errors
    /// [`ExecError::Plan`] for a bad target (nothing written),
    /// [`ExecError::Db`] otherwise.
    pub async fn stamp(
        &mut self,
        graph: &RevisionGraph,
        target: &str,
        purge: bool,
    ) -> Result<Vec<String>, ExecError> {
        super::stamp::stamp(&mut self.db, &self.tables, graph, target, purge, &self.opts).await
    }

    /// Clears the dirty mark under the lock after a person has repaired
    /// the database; returns how many steps were dirty.
    ///
    /// # Errors
    /// [`ExecError::Db`].
    pub async fn resolve(&mut self) -> Result<u64, ExecError> {
        super::stamp::resolve(&mut self.db, &self.tables, &self.opts).await
    }

    /// The live schema against the last snapshot: fingerprints first, the
    /// full diff only when they differ. With `adopt`, a managed database
    /// without a snapshot, or with one older than its version rows, gets
    /// one, under the lock; while another run holds the lock nothing is
    /// adopted (that run takes its own snapshot).
    ///
    /// # Errors
    /// [`DbError`] when introspection or a bookkeeping query fails.
    pub async fn check_drift(&mut self, adopt: bool) -> Result<DriftCheck, DbError> {
        let adoption = if adopt {
            super::snapshot::Adoption::Now
        } else {
            super::snapshot::Adoption::Never
        };
        super::snapshot::check_drift(&mut self.db, &self.tables, &self.opts, adoption).await
    }

    /// The drift check before a run: as [`Session::check_drift`] with
    /// adoption, but writing nothing; a missing or stale snapshot comes
    /// back [`DriftCheck::adoptable`], for [`Session::adopt_snapshot`] once
    /// the run passed its gates (a refused run leaves the database as it
    /// was).
    ///
    /// # Errors
    /// [`DbError`] when introspection or a bookkeeping query fails.
    pub async fn check_drift_before_run(&mut self) -> Result<DriftCheck, DbError> {
        super::snapshot::check_drift(
            &mut self.db,
            &self.tables,
            &self.opts,
            super::snapshot::Adoption::Later,
        )
        .await
    }

    /// Adopts the live schema as the snapshot, under the lock when it is
    /// free at once (a run holding it takes its own); returns whether it
    /// did.
    ///
    /// # Errors
    /// [`DbError`].
    pub async fn adopt_snapshot(&mut self) -> Result<bool, DbError> {
        super::snapshot::adopt_snapshot(&mut self.db, &self.tables, &self.opts).await
    }

    /// Takes the live schema as the new snapshot, under the lock (`revisor
    /// drift --accept`, `revisor.dev/accept-drift`). `None` offline.
    ///
    /// # Errors
    /// [`DbError`], [`DbError::LockTimeout`] included.
    pub async fn accept_drift(&mut self) -> Result<Option<SnapshotRow>, DbError> {
        super::snapshot::locked_snapshot(
            &mut self.db,
            &self.tables,
            &self.opts,
            "accept",
            self.opts.lock_timeout,
        )
        .await
    }

    /// Runs `plan` as given: bookkeeping DDL, then each step, with no
    /// lock, no planning and no refusal rules (the caller applied them).
    /// What an offline script records ([`crate::offline`]).
    ///
    /// # Errors
    /// [`ExecError`] as a step fails.
    pub(crate) async fn run_given<F: FnMut(super::Event)>(
        &mut self,
        graph: &RevisionGraph,
        plan: &Plan,
        on_event: &mut F,
    ) -> Result<(), ExecError> {
        self.tables.ensure(&mut self.db).await?;
        let mut session_changed = false;
        super::step::run_steps(
            &mut self.db,
            &self.tables,
            graph,
            plan,
            &self.opts,
            on_event,
            &mut session_changed,
        )
        .await
    }

    /// Stamps `targets` (graph indexes) over the rows `heads` as given,
    /// with no lock: the bookkeeping DDL, the rows and a `stamp` history
    /// row per target. What an offline stamp script records.
    ///
    /// # Errors
    /// [`ExecError::Db`].
    pub(crate) async fn stamp_given(
        &mut self,
        graph: &RevisionGraph,
        targets: &[usize],
        heads: &[String],
        purge: bool,
        on_start: impl FnOnce(),
    ) -> Result<Vec<String>, ExecError> {
        self.tables.ensure(&mut self.db).await?;
        on_start();
        super::stamp::stamp_rows(
            &mut self.db,
            &self.tables,
            graph,
            targets,
            heads,
            purge,
            &self.opts,
        )
        .await
    }
}
