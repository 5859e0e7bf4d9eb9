//! `revisor apply -f MANIFEST`: one declarative reconcile of a
//! `DatabaseSchema` with no cluster, through the same engine as the
//! operator ([`crate::engine`]); prints the resulting status as YAML. An
//! adapter: it reads the manifest and the files, draws the progress bar,
//! and maps the outcome to an exit code through the same [`Class`] the
//! operator's phases come from.
//!
//! Decisions (README, "revisor apply"):
//! - Migrations come from `--dir`, else the manifest's inline files; a
//!   manifest that names ConfigMaps needs `--dir` (no cluster to read them from).
//! - The database is `--database` (or `REVISOR_DATABASE_URL`), else an
//!   embedded SQLite file `<metadata.name>.db` in the current directory;
//!   `spec.database.urlSecretRef` is a cluster reference and is not read.
//! - `approval: Manual` runs a plan only when `--approve HASH` (or the
//!   manifest's `revisor.dev/approved-plan` annotation) is its hash.
//! - Exit codes: [`crate::outcome::Disposition::exit_code`]: 0 for Ready,
//!   AwaitingApproval and suspended; 2 for Blocked (the manifest, the files,
//!   the target or the database's state need a change); 1 for Failed and
//!   Pending (database or lock).

use super::{runtime, CliError};
use crate::db::pool::{PoolConfig, Pools};
use crate::engine::{self, Input};
use crate::executor::Event;
use crate::outcome::{Classify, Disposition};
use crate::resource::{self, DatabaseSchema, DatabaseSchemaStatus};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// What `apply` was given besides the manifest.
#[derive(Debug, Default)]
pub struct ApplyArgs<'a> {
    /// `--dir`.
    pub dir: Option<&'a Path>,
    /// `--database`.
    pub database: Option<String>,
    /// `--approve`.
    pub approve: Option<String>,
    /// `--sql` and where it starts: print the script instead of running.
    pub offline: Option<super::OfflineArgs>,
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
    let url = args
        .database
        .clone()
        .unwrap_or_else(|| format!("sqlite://{name}.db"));
    let annotations = m.metadata.annotations.clone().unwrap_or_default();
    if let Some(off) = &args.offline {
        return offline_apply(
            &m,
            &files,
            &url,
            &annotations,
            args.approve.clone(),
            off,
            out,
        )
        .await;
    }
    let old = DatabaseSchemaStatus::default();
    let input = Input {
        spec: &m.spec,
        files: &files,
        old: &old,
        generation: m.metadata.generation,
        url: &url,
        approved_plan: args
            .approve
            .clone()
            .or_else(|| annotations.get(resource::APPROVED_PLAN_ANNOTATION).cloned()),
        retry: annotations.get(resource::RETRY_ANNOTATION).cloned(),
        applied_by: crate::executor::applied_by(),
        stop: None,
        accept_drift: None,
    };
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
        bar.set_style(style);
    }
    let on_event = |e: Event| match e {
        Event::LockWaiting { holder, timeout } => {
            bar.set_message(crate::executor::waiting_message(holder.as_deref(), timeout))
        }
        Event::Planned(p) => bar.set_length(p.steps.len() as u64),
        Event::StepStarted { step, .. } => {
            bar.set_message(format!("{} {}", step.direction.as_str(), step.revision))
        }
        Event::StepFinished { .. } => bar.inc(1),
    };
    let pools = Arc::new(Pools::new(PoolConfig::default()));
    let report = engine::run(&pools, input, on_event).await;
    bar.finish_and_clear();
    let now =
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now());
    let status = report.status(&old, m.metadata.generation, now);
    print(&status, out)?;
    match &report.result {
        Err(e) => match e.class() {
            // Waiting for approval is where Manual approval stops by design.
            c if c.disposition == Disposition::AwaitingApproval => Ok(()),
            c => Err(CliError::classified(c, e.to_string())),
        },
        Ok(_) => Ok(()),
    }
}

/// `apply --sql`: the declarative reconcile's script, with the manifest's gates.
async fn offline_apply(
    m: &DatabaseSchema,
    files: &[(String, String)],
    url: &str,
    annotations: &std::collections::BTreeMap<String, String>,
    approve: Option<String>,
    off: &super::OfflineArgs,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let g = crate::graph::RevisionGraph::from_files(files)
        .map_err(|e| CliError::Input(format!("invalid migration set:\n{e}")))?;
    let db = super::DbArgs {
        database: Some(url.to_owned()),
        version_table: m.spec.version_table.clone(),
        lock_timeout: m.spec.lock_timeout_seconds,
        drift_exclude: Vec::new(),
        no_snapshot: false,
    };
    let start = super::offline::start(&g, &db, off, None).await?;
    let approved = approve.or_else(|| annotations.get(resource::APPROVED_PLAN_ANNOTATION).cloned());
    let opts = crate::executor::Options::from(&m.spec).approved(approved);
    super::offline::run(
        &g,
        &start,
        &m.spec.target_revision,
        crate::plan::Mode::Declarative,
        &opts,
        super::Output::Text,
        out,
    )
    .await
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
