//! The operator at scale, with no cluster: 1,000 DatabaseSchemas (each with
//! its own version table, all in one real PostgreSQL database, one shared
//! migration set) reconciled concurrently through the real reconcile path
//! (mocked API server) and one shared connection pool, as `revisor run`
//! does with its defaults. A monitor samples `pg_stat_activity` throughout.
//!
//! `REVISOR_LOAD_RESOURCES` changes the count (default 1,000).

mod support;

use futures::StreamExt;
use revisor::db::pool::{PoolConfig, Pools, DEFAULT_MAX_PER_SERVER};
use revisor::db::{Backend, Database};
use revisor::resource::DatabaseSchema;
use revisor::with_backend;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::mock_api::{postgres_url, rows_of, run_with, schema, with_last_status, Cluster};

/// `revisor run`'s default `--max-concurrent-reconciles`.
const CONCURRENCY: usize = revisor::cli::DEFAULT_MAX_CONCURRENT_RECONCILES as usize;

fn trivial_set() -> Vec<(String, String)> {
    ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let parent = if i == 0 {
                String::new()
            } else {
                format!("-- down_revision: {}\n", ["a", "b"][i - 1])
            };
            (
                format!("{}_{r}.sql", i + 1),
                format!("-- revision: {r}\n{parent}-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"),
            )
        })
        .collect()
}

fn resource(i: usize) -> DatabaseSchema {
    schema("head", json!({"versionTable": format!("v{i}")}))
}

/// Samples the connections to `db` until `stop`: the peak of client
/// backends (what `max_connections` counts) into `peak`, and of other
/// backends on the database (autovacuum workers, which have their own
/// slots) into `others`.
async fn monitor(
    db: String,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicUsize>,
    others: Arc<AtomicUsize>,
) {
    let base = std::env::var("REVISOR_TEST_POSTGRES_URL").unwrap();
    let mut admin = Database::connect(&base).await.unwrap();
    let sql = format!(
        "SELECT CAST(count(*) FILTER (WHERE backend_type = 'client backend') AS TEXT), \
         CAST(count(*) FILTER (WHERE backend_type <> 'client backend') AS TEXT) \
         FROM pg_stat_activity WHERE datname = '{db}' AND pid <> pg_backend_pid()"
    );
    while !stop.load(Ordering::SeqCst) {
        let rows = with_backend!(&mut admin, |b| b.query(&sql).await).unwrap();
        let n = |i: usize| -> usize { rows[0][i].as_deref().unwrap_or("0").parse().unwrap() };
        peak.fetch_max(n(0), Ordering::SeqCst);
        others.fetch_max(n(1), Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_resources_reach_ready_within_the_connection_bound_and_then_idle_cheaply() {
    let n: usize = std::env::var("REVISOR_LOAD_RESOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let url = postgres_url("load").await;
    let db = url.rsplit('/').next().unwrap().to_owned();
    let pools = Arc::new(Pools::new(PoolConfig::default()));
    let (stop, peak, others) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let watcher = tokio::spawn(monitor(db, stop.clone(), peak.clone(), others.clone()));

    let cluster = |url: &str| Cluster {
        files: trivial_set(),
        url: url.to_owned(),
    };
    let t0 = Instant::now();
    let first: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let (pools, c) = (pools.clone(), cluster(&url));
            async move { (i, run_with(resource(i), c, &pools).await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let took = t0.elapsed();
    let mut ready = vec![None; n];
    for (i, (result, requests)) in first {
        result.unwrap_or_else(|e| panic!("resource {i}: {e}"));
        let obj = with_last_status(resource(i), &requests);
        let status = obj.status.as_ref().unwrap();
        assert_eq!(
            (
                status.phase,
                status.progress.as_ref().map(|p| p.summary.as_str())
            ),
            (revisor::resource::Phase::Ready, Some("3/3")),
            "resource {i}: {}",
            status.message
        );
        ready[i] = Some(obj);
    }
    println!("{n} resources Ready in {took:?}");

    // The periodic recheck of all of them: a drift check and one read
    // each, nothing written.
    let before = pools.round_trips();
    let t_recheck = std::time::Instant::now();
    let again: Vec<_> = futures::stream::iter(ready.into_iter().map(Option::unwrap))
        .map(|obj| {
            let (pools, c) = (pools.clone(), cluster(&url));
            async move { run_with(obj, c, &pools).await }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (result, requests) in again {
        result.unwrap();
        assert!(
            !requests.iter().any(|r| r.method == "PATCH"),
            "a no-op patches nothing: {requests:?}"
        );
    }
    println!(
        "recheck of {n} resources (drift check included) in {:?}",
        t_recheck.elapsed()
    );
    // The set creates no tables: introspection is one catalog query (which
    // leaves out every resource's bookkeeping tables), then the snapshot
    // table's existence and latest fingerprint, then the version table.
    assert_eq!(
        pools.round_trips() - before,
        4 * n as u64,
        "four database round trips per no-op reconcile"
    );
    stop.store(true, Ordering::SeqCst);
    watcher.await.unwrap();
    // Checked after the monitor stopped: this read is the test's own connection.
    assert_eq!(rows_of(&url, &format!("v{}", n - 1)).await, vec!["c"]);
    let peak = peak.load(Ordering::SeqCst);
    println!(
        "peak client connections: {peak} (bound {DEFAULT_MAX_PER_SERVER}); other backends on the database at most {}; connections closed by the pool: {}",
        others.load(Ordering::SeqCst),
        pools.closed()
    );
    assert!(peak > 0, "the monitor saw the reconciles' connections");
    assert!(
        peak <= DEFAULT_MAX_PER_SERVER,
        "peak {peak} connections over the bound {DEFAULT_MAX_PER_SERVER}"
    );
}
