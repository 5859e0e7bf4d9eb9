//! Offline SQL (`--sql`, Alembic's offline mode): the exact script a run
//! would execute, printed instead of run.
//!
//! The script is not written by a second renderer: the executor's own step
//! code runs against a [`Recorder`], a [`Backend`] that keeps every
//! statement instead of sending it, so transaction boundaries, each step's
//! statements, the version-table changes, the history rows and the
//! bookkeeping DDL are exactly what a run sends. What only a live run can
//! know is written as SQL that finds it: a history row's id (see
//! [`crate::db::tables::LAST_INSERTED`]). The lock is not part of a script
//! (whoever runs it holds the database); a comment says so.

use crate::db::tables::LAST_INSERTED;
use crate::db::{Backend, DbError, Dialect};
use crate::executor::{Event, ExecError, Options, Session};
use crate::graph::RevisionGraph;
use crate::plan::Plan;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A section of a script: the bookkeeping before the first step, or a step.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Part {
    /// The revision of a step (`None` for the bookkeeping).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `up`, `down` or `stamp` for a step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    /// The statements, in order (transaction control included).
    pub statements: Vec<String>,
}

/// A backend that records instead of executing, for one dialect.
#[derive(Debug)]
pub struct Recorder {
    dialect: Dialect,
    parts: Arc<Mutex<Vec<Part>>>,
    /// What earlier operation revisions of the run created (partial).
    model: crate::ops::render::Model,
}

impl Recorder {
    /// An empty recording for `dialect`.
    pub fn new(dialect: Dialect) -> Recorder {
        Recorder {
            dialect,
            parts: Arc::new(Mutex::new(vec![Part::default()])),
            model: crate::ops::render::Model::default(),
        }
    }

    fn push(&self, sql: &str) {
        let mut parts = self.parts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = parts.last_mut() {
            p.statements.push(sql.trim().to_owned());
        }
    }

    /// Starts a new part (a step) on the recording.
    fn start(parts: &Arc<Mutex<Vec<Part>>>, revision: &str, direction: &str) {
        parts.lock().unwrap_or_else(|p| p.into_inner()).push(Part {
            revision: Some(revision.to_owned()),
            direction: Some(direction.to_owned()),
            statements: Vec::new(),
        });
    }

    /// The recording, empty parts left out; the recorder is left empty.
    pub fn parts(&self) -> Vec<Part> {
        let mut parts = std::mem::take(&mut *self.parts.lock().unwrap_or_else(|p| p.into_inner()));
        parts.retain(|p| !p.statements.is_empty() || p.revision.is_some());
        parts
    }
}

impl Backend for Recorder {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn execute(&mut self, sql: &str) -> Result<u64, DbError> {
        self.push(sql);
        // What the executor checks: one row per statement of a batch
        // (counted by the splitter, which knows quotes).
        let n = crate::sqltext::split_statements_with(sql, self.dialect.sql().backslash_escapes())
            .map(|v| v.len())
            .unwrap_or(1);
        Ok(n as u64)
    }

    async fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        // Case-insensitive, without a lowercased copy of every history
        // insert (each carries its step's down SQL).
        let has = |needle: &str| {
            sql.as_bytes()
                .windows(needle.len())
                .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
        };
        if has("pragma_foreign_keys()") {
            // Reported as on, so the script turns enforcement off and back on.
            return Ok(vec![vec![Some("1".into())]]);
        }
        self.push(sql);
        if has("returning") || has("last_insert_id()") {
            return Ok(vec![vec![Some(LAST_INSERTED.to_string())]]);
        }
        if has("version()") {
            return Ok(vec![vec![Some("MariaDB (offline)".into())]]);
        }
        Ok(Vec::new())
    }

    async fn lock(&mut self, _name: &str, _timeout: Duration) -> Result<(), DbError> {
        Ok(())
    }

    async fn unlock(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    async fn reset_session(&mut self) {}

    async fn render_model(
        &mut self,
        _version_table: &str,
    ) -> Result<crate::ops::render::Model, DbError> {
        // Taken, not cloned: a long run's model is handed back after the step.
        Ok(std::mem::take(&mut self.model))
    }

    async fn live_schema(
        &mut self,
        _opts: &crate::db::introspect::Options,
    ) -> Result<Option<crate::schema::Schema>, DbError> {
        // A script takes no snapshot: the first recheck adopts one.
        Ok(None)
    }

    fn offline(&self) -> bool {
        true
    }

    fn keep_model(&mut self, model: crate::ops::render::Model) {
        self.model = model;
    }
}

/// The script of running `plan` (made from the rows the caller knows) on
/// `dialect`: bookkeeping DDL, then each step as a run executes it.
///
/// # Errors
/// [`ExecError`] as a run would fail before any step (a bad version table
/// name).
pub async fn run_script(
    dialect: Dialect,
    graph: &RevisionGraph,
    plan: &Plan,
    opts: &Options,
) -> Result<Vec<Part>, ExecError> {
    let mut session = Session::new(Recorder::new(dialect), opts.clone())?;
    if plan.steps.is_empty() {
        return Ok(Vec::new());
    }
    let parts = session.backend().parts.clone();
    let mut on_event = |e: Event| {
        if let Event::StepStarted { step, .. } = e {
            Recorder::start(&parts, &step.revision, step.direction.as_str());
        }
    };
    session.run_given(graph, plan, &mut on_event).await?;
    Ok(session.backend().parts())
}

/// The script of stamping `target` over the rows `heads`.
///
/// # Errors
/// [`ExecError::Plan`] for a target that does not resolve.
pub async fn stamp_script(
    dialect: Dialect,
    graph: &RevisionGraph,
    target: &str,
    heads: &[String],
    purge: bool,
    opts: &Options,
) -> Result<Vec<Part>, ExecError> {
    let targets = graph
        .resolve_targets(target)
        .map_err(crate::plan::PlanError::from)?;
    let mut session = Session::new(Recorder::new(dialect), opts.clone())?;
    let parts = session.backend().parts.clone();
    session
        .stamp_given(graph, &targets, heads, purge, || {
            Recorder::start(&parts, target, "stamp")
        })
        .await?;
    Ok(session.backend().parts())
}

/// Says in a script's header that it starts from base because nothing
/// said where to start (Alembic's offline default).
pub const FROM_BASE_NOTE: &str = "-- No --current, FROM:TO range or --database: the script starts from base (an empty database), as Alembic's offline mode does.\n";

/// The script as text: a header (with `notes`, each a comment line), then
/// each part under a comment, every statement ending in `;`.
pub fn text(
    parts: &[Part],
    dialect: Dialect,
    from: &[String],
    to: &[String],
    notes: &[&str],
) -> String {
    let show = |v: &[String]| {
        if v.is_empty() {
            "base".to_owned()
        } else {
            v.join(", ")
        }
    };
    let size: usize = parts
        .iter()
        .map(|p| 32 + p.statements.iter().map(|s| s.len() + 2).sum::<usize>())
        .sum();
    let mut out = String::with_capacity(size + 200);
    out += &format!(
        "-- Revisor offline script for {} (from [{}] to [{}]).\n-- Run it holding the database: it takes no migration lock.\n",
        dialect.name(),
        show(from),
        show(to)
    );
    for n in notes {
        out += n;
    }
    for p in parts {
        out.push('\n');
        match (&p.revision, &p.direction) {
            (Some(r), Some(d)) => {
                for x in ["-- ", d, " ", r, "\n"] {
                    out.push_str(x);
                }
            }
            _ => out.push_str("-- bookkeeping tables\n"),
        }
        for s in &p.statements {
            out.push_str(s);
            out.push_str(";\n");
        }
    }
    out
}
