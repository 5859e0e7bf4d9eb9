//! `plan`, `upgrade` and `downgrade`, and how plans and heads print.

use super::{
    dbcmd, offline, runtime, CliError, DbArgs, OfflineArgs, Output, ReadDbArgs, RunArgs, SetArgs,
};
use crate::graph::RevisionGraph;
use crate::plan::{self, Mode, Plan, StepDirection};
use crate::source;
use std::io::Write;

/// `plan`: the plan from `--current` or `--database`'s rows (or from
/// base) to `target`, printed; the refusal rules a run would apply decide
/// the exit code, so a printed plan is exactly what would run (or be
/// refused). With `--sql`, the script instead.
#[allow(clippy::too_many_arguments)]
pub(super) async fn plan(
    set: SetArgs,
    target: String,
    current: Option<String>,
    read: ReadDbArgs,
    upgrade: bool,
    downgrade: bool,
    sql: bool,
    dialect: Option<super::dialect::DialectName>,
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let g = source::load_dir(&set.dir)?;
    let mode = match (upgrade, downgrade) {
        (true, _) => Mode::Upgrade,
        (_, true) => Mode::Downgrade,
        _ => Mode::Declarative,
    };
    if sql {
        let db = DbArgs {
            database: read.database.clone(),
            version_table: read.version_table.clone(),
            lock_timeout: 0,
            drift_exclude: Vec::new(),
            no_snapshot: false,
        };
        let off = OfflineArgs {
            sql,
            current: current.clone(),
            dialect,
        };
        let start = offline::start(&g, &db, &off, None).await?;
        let opts = dbcmd::options(&db, None);
        return offline::run(&g, &start, &target, mode, &opts, output, out).await;
    }
    let database_dialect = read
        .database
        .as_deref()
        .and_then(|d| crate::db::Dialect::from_url(d).ok());
    let state = match read.db() {
        Some(db) if current.is_none() => Some(dbcmd::state(&g, &db).await?),
        _ => None,
    };
    let current = match (&current, &state) {
        (Some(c), _) => parse_current(c),
        (None, Some(s)) => s.heads.clone(),
        (None, None) => Vec::new(),
    };
    let graph = state.as_ref().map_or(&g, |s| s.graph(&g));
    let p = plan::plan(graph, &current, &target, mode)?;
    match output {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, &plan_json(&p))
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)?;
        }
        Output::Text => print_plan(&p, out).map_err(runtime)?,
    }
    // The rules a run would apply to this plan, so that a printed
    // plan is exactly what would run (or be refused).
    let facts = state.as_ref().map(|s| s.facts.clone()).unwrap_or_default();
    let dialect = database_dialect.unwrap_or_default();
    let policy = crate::executor::Options::default().policy(mode, &target, dialect);
    match crate::plan::policy::check(graph, &p, &facts, &policy) {
        Ok(()) => Ok(()),
        Err(refusal) => {
            use crate::outcome::Classify;
            Err(CliError::classified(refusal.class(), refusal.to_string()))
        }
    }
}

/// The flags `upgrade` and `downgrade` share (each adds its target, whose
/// help differs).
#[derive(Debug, clap::Args)]
pub struct MigrateFlags {
    /// Where the migration set is.
    #[command(flatten)]
    pub set: SetArgs,
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
    /// How to run.
    #[command(flatten)]
    pub run: RunArgs,
    /// Offline mode.
    #[command(flatten)]
    pub offline: OfflineArgs,
    /// Output format of --sql.
    #[arg(short, long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// `upgrade` / `downgrade`: the run, or with `--sql` its script.
pub(super) async fn migrate(
    flags: &MigrateFlags,
    target: &str,
    mode: Mode,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let MigrateFlags {
        set,
        db,
        run,
        offline: off,
        output,
    } = flags;
    let output = *output;
    let g = source::load_dir(&set.dir)?;
    if off.sql {
        let (from, target) = offline::range(target);
        let start = offline::start(&g, db, off, from).await?;
        let opts = dbcmd::options(db, Some(run));
        let result = offline::run(&g, &start, target, mode, &opts, output, out).await;
        crate::par::drop_later(g);
        return result;
    }
    dbcmd::migrate(&g, db, run, target, mode, out).await
}

/// The plan as `plan -o json` prints it: SPEC.md's fields, and on each step
/// also the rows after it (`heads_after`).
pub(super) fn plan_json(p: &Plan) -> serde_json::Value {
    let mut v = serde_json::to_value(p).unwrap_or_default();
    if let Some(steps) = v.get_mut("steps").and_then(serde_json::Value::as_array_mut) {
        for (step, rows) in steps.iter_mut().zip(p.heads_after()) {
            step["heads_after"] = serde_json::json!(rows);
        }
    }
    v
}

/// `--current` as revision ids: comma-separated; `base` or empty is none.
pub(super) fn parse_current(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty() && *r != "base")
        .map(str::to_owned)
        .collect()
}

pub(super) fn print_heads(
    g: &RevisionGraph,
    heads: &[usize],
    output: Output,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match output {
        Output::Json => {
            let v: Vec<serde_json::Value> = heads
                .iter()
                .map(|&h| {
                    let r = g.rev(h);
                    serde_json::json!({"revision": r.id, "branch_labels": r.branch_labels, "message": r.message})
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)?;
            writeln!(out)
        }
        Output::Text => {
            for &h in heads {
                let r = g.rev(h);
                let labels = if r.branch_labels.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.branch_labels.join(", "))
                };
                writeln!(
                    out,
                    "{}{} (head){}",
                    r.id,
                    labels,
                    if r.message.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", r.message)
                    }
                )?;
            }
            Ok(())
        }
    }
}

pub(super) fn print_plan(p: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    let show = |v: &[String]| {
        if v.is_empty() {
            "base".to_owned()
        } else {
            v.join(", ")
        }
    };
    writeln!(
        out,
        "Plan: {:?}, {} step(s), from [{}] to [{}]",
        p.direction,
        p.steps.len(),
        show(&p.from_heads),
        show(&p.final_heads)
    )?;
    for (i, s) in p.steps.iter().enumerate() {
        let dir = match s.direction {
            StepDirection::Up => "up  ",
            StepDirection::Down => "down",
        };
        let mut notes = Vec::new();
        if !s.transactional {
            notes.push("non-transactional");
        }
        if !s.reversible {
            notes.push("IRREVERSIBLE");
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", notes.join(", "))
        };
        writeln!(
            out,
            "  {:>3}. {dir} {}{notes}  {}",
            i + 1,
            s.revision,
            s.message
        )?;
    }
    writeln!(out, "hash: {}", p.hash)
}
