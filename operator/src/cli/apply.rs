//! `revisor apply -f MANIFEST`: one declarative reconcile of a
//! `DatabaseSchema` with no cluster, through the same executor the operator
//! uses; prints the resulting status as YAML.
//!
//! Decisions (README, "revisor apply"):
//! - Migrations come from `--dir`, else the manifest's inline files; a
//!   manifest that names ConfigMaps needs `--dir` (no cluster to read them from).
//! - The database is `--database` (or `REVISOR_DATABASE_URL`), else an
//!   embedded SQLite file `<metadata.name>.db` in the current directory;
//!   `spec.database.urlSecretRef` is a cluster reference and is not read.
//! - `approval: Manual` runs a plan only when `--approve HASH` (or the
//!   manifest's `revisor.dev/approved-plan` annotation) is its hash.
//! - Exit codes: 0 for Ready, AwaitingApproval and suspended; 2 for Blocked
//!   (the manifest, the files or the target need a change); 1 for Failed and
//!   Pending (database or lock).

use super::{runtime, CliError};
use crate::db::Database;
use crate::executor::{self, Event, Options};
use crate::graph::RevisionGraph;
use crate::plan::{Mode, Plan};
use crate::resource::{self, Approval, DatabaseSchema, DatabaseSchemaStatus, LastApplied, Phase};
use crate::with_backend;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// What `apply` was given besides the manifest.
#[derive(Debug, Default)]
pub struct ApplyArgs<'a> {
    /// `--dir`.
    pub dir: Option<&'a Path>,
    /// `--database`.
    pub database: Option<String>,
    /// `--approve`.
    pub approve: Option<String>,
}

/// Runs `apply` and prints `status:` as YAML.
///
/// # Errors
/// [`CliError::Input`] for an unreadable manifest and for Blocked,
/// [`CliError::Runtime`] for Failed and Pending.
pub async fn apply(
    manifest_path: &Path,
    args: ApplyArgs<'_>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let text = std::fs::read_to_string(manifest_path)
        .map_err(|e| CliError::Input(format!("cannot read {}: {e}", manifest_path.display())))?;
    // apiVersion and kind first: the typed parse would blame the spec instead.
    let head: serde_yaml::Value = serde_yaml::from_str(&text)
        .map_err(|e| CliError::Input(format!("{}: {e}", manifest_path.display())))?;
    let (api_version, kind) = (
        head["apiVersion"].as_str().unwrap_or(""),
        head["kind"].as_str().unwrap_or(""),
    );
    if api_version != resource::API_VERSION || kind != resource::KIND {
        return Err(CliError::Input(format!(
            "{}: expected apiVersion {} and kind {}, found `{api_version}` `{kind}`",
            manifest_path.display(),
            resource::API_VERSION,
            resource::KIND,
        )));
    }
    let m: DatabaseSchema = serde_yaml::from_str(&text)
        .map_err(|e| CliError::Input(format!("{}: {e}", manifest_path.display())))?;
    let name = m
        .metadata
        .name
        .clone()
        .unwrap_or_else(|| "revisor".to_owned());
    let sources = &m.spec.migrations;
    let count = [
        sources.config_map_ref.is_some(),
        sources.config_map_selector.is_some(),
        sources.inline.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if count != 1 {
        return Err(CliError::Input(format!(
            "{}: spec.migrations needs exactly one of configMapRef, configMapSelector, inline (found {count})",
            manifest_path.display()
        )));
    }
    let files: Vec<(String, String)> = match (args.dir, &sources.inline) {
        (Some(dir), _) => crate::source::read_dir(dir)?,
        (None, Some(inline)) => inline.files.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        (None, None) => {
            return Err(CliError::Input(format!(
                "{}: spec.migrations names ConfigMaps, which need a cluster; pass --dir with the same files",
                manifest_path.display()
            )))
        }
    };
    if m.spec.suspend {
        let status = DatabaseSchemaStatus {
            message: "suspended: spec.suspend is true, nothing was done".into(),
            ..Default::default()
        };
        return print(&status, out);
    }
    let blocked = |message: String, out: &mut dyn Write| -> Result<(), CliError> {
        let status = DatabaseSchemaStatus {
            phase: Phase::Blocked,
            message: message.clone(),
            ..Default::default()
        };
        print(&status, out)?;
        Err(CliError::Input(message))
    };
    let graph = match RevisionGraph::from_files(&files) {
        Ok(g) => g,
        Err(e) => return blocked(format!("invalid migration set:\n{e}"), out),
    };
    let targets = match graph.resolve_targets(&m.spec.target_revision) {
        Ok(t) => graph.ids(t),
        Err(e) => return blocked(format!("spec.targetRevision: {e}"), out),
    };
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{name}.db"));
    let approved = match m.spec.approval {
        Approval::Automatic => None,
        Approval::Manual => Some(
            args.approve
                .clone()
                .or_else(|| {
                    m.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get(resource::APPROVED_PLAN_ANNOTATION))
                        .cloned()
                })
                .unwrap_or_default(),
        ),
    };
    let opts = Options {
        version_table: m.spec.version_table.clone(),
        transaction_mode: m.spec.transaction_mode.into(),
        lock_timeout: Duration::from_secs(m.spec.lock_timeout_seconds),
        allow_downgrade: m.spec.allow_downgrade,
        approved_plan: approved,
        ..Options::default()
    };

    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let mut planned: Option<Plan> = None;
    let mut completed = 0;
    let mut last: Option<LastApplied> = None;
    let mut on_event = |e: Event<'_>| match e {
        Event::Planned(p) => {
            bar.set_length(p.steps.len() as u64);
            planned = Some(p.clone());
        }
        Event::StepStarted { step, .. } => {
            bar.set_message(format!("{} {}", step.direction.as_str(), step.revision))
        }
        Event::StepFinished { step, duration, .. } => {
            bar.inc(1);
            completed += 1;
            last = Some(LastApplied::finished(
                &step.revision,
                step.direction,
                duration,
            ));
        }
    };
    let mut database = match Database::connect(&url).await {
        Ok(d) => d,
        Err(e) => {
            let e = executor::ExecError::Db(e);
            let status = resource::from_error(&e, Vec::new(), targets, None, 0, None);
            print(&status, out)?;
            return Err(e.into());
        }
    };
    let result = with_backend!(&mut database, |b| executor::run(
        b,
        &graph,
        &m.spec.target_revision,
        Mode::Declarative,
        &opts,
        &mut on_event
    )
    .await);
    bar.finish_and_clear();
    let (status, outcome) = match result {
        Ok(p) => (resource::ready(&p, targets, last), Ok(())),
        Err(e) => {
            // The rows when it stopped: before the plan, or after its last finished step.
            let current = planned
                .as_ref()
                .map(|p| p.rows_after(completed))
                .unwrap_or_default();
            let status =
                resource::from_error(&e, current, targets, planned.as_ref(), completed, last);
            // Waiting for approval is where Manual approval stops by design.
            let outcome = if status.phase == Phase::AwaitingApproval {
                Ok(())
            } else {
                Err(e.into())
            };
            (status, outcome)
        }
    };
    print(&status, out)?;
    outcome
}

fn print(status: &DatabaseSchemaStatus, out: &mut dyn Write) -> Result<(), CliError> {
    #[derive(serde::Serialize)]
    struct Doc<'a> {
        status: &'a DatabaseSchemaStatus,
    }
    let yaml =
        serde_yaml::to_string(&Doc { status }).map_err(|e| CliError::Runtime(e.to_string()))?;
    out.write_all(yaml.as_bytes()).map_err(runtime)
}
