//! `revisor run`: the operator process.
//!
//! Watches DatabaseSchemas and DatabaseSchemaSets (unless `--no-fleets`)
//! in one namespace (`--namespace`) or all of them,
//! serves `/metrics`, `/healthz` and `/readyz`, logs as text or JSON
//! (`--log-format`; level from `RUST_LOG`, default `info`), and with
//! `--leader-election` runs the controller only while holding the Lease, so
//! several replicas never apply a step twice or race on status.

use super::CliError;
use crate::db::pool::{PoolConfig, Pools};
use crate::http::{serve, HttpState};
use crate::k8s::controller;
use crate::k8s::reconcile::Context;
use kube::runtime::events::{Recorder, Reporter};
use kube::Client;
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// `revisor run` options.
#[derive(Debug, clap::Args)]
pub struct RunOptions {
    /// Watch only this namespace (default: all namespaces).
    #[arg(long, env = "REVISOR_NAMESPACE")]
    pub namespace: Option<String>,
    /// Address of /metrics, /healthz and /readyz.
    #[arg(long, default_value = "0.0.0.0:8080")]
    pub metrics_addr: String,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Run the controller only while holding a Lease (for several replicas).
    #[arg(long)]
    pub leader_election: bool,
    /// The Lease's name.
    #[arg(long, default_value = "revisor-leader")]
    pub lease_name: String,
    /// The Lease's namespace (default: the pod's, from POD_NAMESPACE).
    #[arg(long, env = "POD_NAMESPACE", default_value = "default")]
    pub lease_namespace: String,
    /// This replica's identity (default: the pod name, from POD_NAME).
    #[arg(long, env = "POD_NAME")]
    pub identity: Option<String>,
    /// Reconciles running at once. Each one that migrates holds two
    /// connections (migration and lock), so the default is half of
    /// --max-db-connections' default: runs never starve each other of the
    /// second connection.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONCURRENT_RECONCILES)]
    pub max_concurrent_reconciles: u16,
    /// Database connections open at once to one database server (host and
    /// port), lock connections included. The default, 20, is a fifth of
    /// PostgreSQL's default max_connections of 100.
    #[arg(long, value_name = "N", default_value_t = crate::db::pool::DEFAULT_MAX_PER_SERVER)]
    pub max_db_connections: usize,
    /// How often a Ready resource is checked again (one read of its version
    /// table), with ±10 % jitter.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub recheck_interval: std::time::Duration,
    /// Do not run the DatabaseSchemaSet controller (for an operator whose
    /// RBAC may not create or patch DatabaseSchemas).
    #[arg(long)]
    pub no_fleets: bool,
}

/// `--max-concurrent-reconciles`' default: half of the default
/// `--max-db-connections` (a migrating reconcile holds two connections).
pub const DEFAULT_MAX_CONCURRENT_RECONCILES: u16 = 10;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Runs the operator until SIGTERM or SIGINT.
///
/// # Errors
/// [`CliError::Runtime`] when there is no Kubernetes configuration, the
/// metrics address cannot be bound, or leadership is lost.
pub async fn run(opts: RunOptions) -> Result<(), CliError> {
    // sqlx logs server notices ("relation ... already exists, skipping") at
    // INFO; they are below the operator's INFO unless RUST_LOG names sqlx.
    let wanted = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into());
    let directives = if wanted.contains("sqlx") {
        wanted
    } else {
        format!("{wanted},sqlx=warn")
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&directives)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match opts.log_format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
    let client = Client::try_default()
        .await
        .map_err(|e| CliError::Runtime(format!("no Kubernetes configuration: {e}")))?;
    let identity = opts
        .identity
        .clone()
        .unwrap_or_else(|| std::env::var("HOSTNAME").unwrap_or_else(|_| "revisor".into()));
    let recorder = Recorder::new(
        client.clone(),
        Reporter {
            controller: "revisor".into(),
            instance: Some(identity.clone()),
        },
    );
    if usize::from(opts.max_concurrent_reconciles) * 2 > opts.max_db_connections {
        tracing::warn!(
            max_concurrent_reconciles = opts.max_concurrent_reconciles,
            max_db_connections = opts.max_db_connections,
            "each migrating reconcile holds two connections; with more than half as many reconciles as connections, some will wait for a connection and go Pending"
        );
    }
    let pools = Arc::new(Pools::new(PoolConfig {
        max_per_server: opts.max_db_connections,
        ..PoolConfig::default()
    }));
    let mut context = Context::new(
        client.clone(),
        recorder,
        format!(
            "revisor-operator {identity} (revisor {})",
            env!("CARGO_PKG_VERSION")
        ),
        pools,
    );
    context.recheck = opts.recheck_interval;
    let ctx = Arc::new(context);
    let settings = controller::Settings {
        namespace: opts.namespace.clone(),
        max_concurrent_reconciles: opts.max_concurrent_reconciles,
        fleets: !opts.no_fleets,
    };
    let http = HttpState {
        metrics: ctx.metrics.clone(),
        ..Default::default()
    };
    let listener = tokio::net::TcpListener::bind(&opts.metrics_addr)
        .await
        .map_err(|e| CliError::Runtime(format!("cannot listen on {}: {e}", opts.metrics_addr)))?;
    tokio::spawn(serve(listener, http.clone()));
    tracing::info!(namespace = opts.namespace.as_deref().unwrap_or("<all>"), metrics = %opts.metrics_addr, "revisor operator starting");

    if !opts.leader_election {
        http.ready.store(true, Ordering::SeqCst);
        controller::run(client, settings, ctx).await;
        return Ok(());
    }
    let build = || async {
        kube_lease_manager::LeaseManagerBuilder::new(client.clone(), &opts.lease_name)
            .with_namespace(&opts.lease_namespace)
            .with_identity(&identity)
            .build()
            .await
            .map_err(|e| CliError::Runtime(format!("leader election: {e}")))
    };
    let (mut leader, mut task) = build().await?.watch().await;
    // A standby is ready: it serves health and waits for the Lease.
    http.ready.store(true, Ordering::SeqCst);
    tracing::info!(lease = %opts.lease_name, %identity, "waiting for leadership");
    let leases: kube::Api<k8s_openapi::api::coordination::v1::Lease> =
        kube::Api::namespaced(client.clone(), &opts.lease_namespace);
    while !*leader.borrow_and_update() {
        tokio::select! {
            changed = leader.changed() => {
                changed.map_err(|_| CliError::Runtime("leader election stopped".into()))?;
            }
            () = released(&leases, &opts.lease_name) => {
                // The Lease manager of a standby sleeps until the holder's
                // Lease would expire; a leader that shut down released it
                // already, so a new manager takes it now.
                tracing::info!(lease = %opts.lease_name, "the leader released the Lease; taking it");
                drop(leader);
                task.abort();
                (leader, task) = build().await?.watch().await;
            }
        }
    }
    tracing::info!(%identity, "leading");
    let lost = async {
        loop {
            if leader.changed().await.is_err() || !*leader.borrow_and_update() {
                return;
            }
        }
    };
    let result = tokio::select! {
        () = controller::run(client, settings, ctx.clone()) => Ok(()),
        () = lost => {
            // Stop applying at once; Kubernetes restarts this replica as a standby.
            ctx.shutdown.store(true, Ordering::SeqCst);
            Err(CliError::Runtime("lost the leader Lease; exiting so that only the new leader applies steps".into()))
        }
    };
    // Hand the Lease over now rather than let it expire: closing the watch
    // channel makes the manager release it; the process waits for that, at
    // most LEASE_RELEASE_TIMEOUT.
    drop(leader);
    match tokio::time::timeout(LEASE_RELEASE_TIMEOUT, task).await {
        Ok(Ok(Ok(_))) => tracing::info!(lease = %opts.lease_name, "released the leader Lease"),
        Ok(Ok(Err(e))) => {
            tracing::warn!(error = %e, "could not release the leader Lease; it expires instead")
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the Lease manager stopped; the Lease expires instead")
        }
        Err(_) => tracing::warn!("releasing the leader Lease timed out; it expires instead"),
    }
    result
}

/// Returns once the Lease named `name` has no holder (its leader released
/// it), asking every [`LEASE_POLL`]; API errors count as "not yet".
async fn released(leases: &kube::Api<k8s_openapi::api::coordination::v1::Lease>, name: &str) {
    loop {
        tokio::time::sleep(LEASE_POLL).await;
        if let Ok(lease) = leases.get(name).await {
            let holder = lease.spec.and_then(|s| s.holder_identity);
            if holder.is_none_or(|h| h.is_empty()) {
                return;
            }
        }
    }
}

/// How often a standby asks whether the leader released the Lease: a
/// handover within about a second, at one GET a second per standby.
const LEASE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Longest wait for the Lease release on shutdown: one API round trip with
/// room for a slow API server, well inside Kubernetes' default 30 s
/// termination grace period.
const LEASE_RELEASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
