//! The operator at scale, with no cluster: 1,000 DatabaseSchemas reconciled
//! concurrently through the real reconcile path (mocked API server) and one
//! shared connection pool, as `revisor run` does with its defaults, against
//! one real PostgreSQL database, while a monitor samples
//! `pg_stat_activity`. Two ways of sharing the database: each resource
//! with its own version table (one URL, a set that creates no tables), and
//! each in its own schema by its URL's `search_path` (a URL each, a set
//! that creates tables).
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
use support::pg_monitor::{monitor, rss};

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

/// One scenario: resource `i` reads `files` from the database at
/// `url_of(i)` with `resource_of(i)`; all reach Ready, then a recheck of
/// all of them costs exactly `trips` database round trips each and writes
/// nothing.
struct Load<U, R> {
    name: &'static str,
    files: Vec<(String, String)>,
    url_of: U,
    resource_of: R,
    version_table_of: fn(usize) -> String,
    trips: u64,
}

fn resources() -> usize {
    std::env::var("REVISOR_LOAD_RESOURCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

async fn reach_ready_then_idle_cheaply<U, R>(load: Load<U, R>, url: &str, n: usize)
where
    U: Fn(usize) -> String,
    R: Fn(usize) -> DatabaseSchema,
{
    let db = url.rsplit('/').next().unwrap().to_owned();
    let pools = Arc::new(Pools::new(PoolConfig::default()));
    let (stop, peak, others) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let watcher = tokio::spawn(monitor(db, stop.clone(), peak.clone(), others.clone()));

    let cluster = |i: usize| Cluster {
        files: load.files.clone(),
        url: (load.url_of)(i),
    };
    let t0 = Instant::now();
    let first: Vec<_> = futures::stream::iter(0..n)
        .map(|i| {
            let (pools, c, obj) = (pools.clone(), cluster(i), (load.resource_of)(i));
            async move { (i, run_with(obj, c, &pools).await) }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let took = t0.elapsed();
    let mut ready = vec![None; n];
    for (i, (result, requests)) in first {
        result.unwrap_or_else(|e| panic!("resource {i}: {e}"));
        let obj = with_last_status((load.resource_of)(i), &requests);
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
    println!("{}: {n} resources Ready in {took:?}", load.name);

    // The periodic recheck of all of them: a drift check and one read
    // each, nothing written.
    let before = pools.round_trips();
    let t_recheck = std::time::Instant::now();
    let again: Vec<_> = futures::stream::iter(ready.into_iter().map(Option::unwrap).enumerate())
        .map(|(i, obj)| {
            let (pools, c) = (pools.clone(), cluster(i));
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
        "{}: recheck of {n} resources (drift check included) in {:?}",
        load.name,
        t_recheck.elapsed()
    );
    assert_eq!(
        pools.round_trips() - before,
        load.trips * n as u64,
        "{} database round trips per no-op reconcile",
        load.trips
    );
    stop.store(true, Ordering::SeqCst);
    watcher.await.unwrap();
    // Checked after the monitor stopped: this read is the test's own connection.
    assert_eq!(
        rows_of(&(load.url_of)(n - 1), &(load.version_table_of)(n - 1)).await,
        vec!["c"]
    );
    let peak = peak.load(Ordering::SeqCst);
    let rss = rss();
    println!(
        "{}: resident memory of the test process (its {n} objects and mocked API servers included): {rss}",
        load.name
    );
    println!(
        "{}: peak client connections: {peak} (bound {DEFAULT_MAX_PER_SERVER}); other backends on the database at most {}; connections closed by the pool: {}; the pool's own queries (session ids, ghost checks): {}",
        load.name,
        others.load(Ordering::SeqCst),
        pools.closed(),
        pools.own_queries()
    );
    assert!(peak > 0, "the monitor saw the reconciles' connections");
    // A connection closed to make room holds its slot until the server
    // no longer lists its session (the pool's ghosts), so the bound holds
    // as the server counts, with a URL per resource too.
    assert!(
        peak <= DEFAULT_MAX_PER_SERVER,
        "peak {peak} connections over the bound {DEFAULT_MAX_PER_SERVER}"
    );
}

/// Each resource with its own version table in one database, and a set
/// that creates no tables: introspection is one catalog query (which
/// leaves out every resource's bookkeeping tables), then the snapshot
/// table's existence and latest fingerprint, then the version table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_resources_reach_ready_within_the_connection_bound_and_then_idle_cheaply() {
    let url = postgres_url("load").await;
    let load = Load {
        name: "version tables",
        files: trivial_set(),
        url_of: |_| url.clone(),
        resource_of: resource,
        version_table_of: |i| format!("v{i}"),
        trips: 4,
    };
    reach_ready_then_idle_cheaply(load, &url, resources()).await;
}

/// Each resource in its own schema of one database (its URL's
/// `search_path`), with a set that creates tables: a URL per resource (so
/// the pool's connections change hands between URLs), a lock key and a
/// snapshot per schema. A recheck reads the catalog four times (tables,
/// columns, constraints, indexes), then the snapshot and the version table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_resources_in_their_own_schemas_reach_ready_and_idle_cheaply() {
    let url = postgres_url("load_schemas").await;
    let n = resources();
    let mut admin = Database::connect(&url).await.unwrap();
    let create: String = (0..n).map(|i| format!("CREATE SCHEMA s{i};")).collect();
    with_backend!(&mut admin, |b| b.execute(&create).await).unwrap();
    drop(admin);
    // The connection that made the schemas is gone before the count starts.
    let base = std::env::var("REVISOR_TEST_POSTGRES_URL").unwrap();
    let mut watcher = Database::connect(&base).await.unwrap();
    let name = url.rsplit('/').next().unwrap().to_owned();
    let gone = format!(
        "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity WHERE datname = '{name}' AND backend_type = 'client backend'"
    );
    let t0 = Instant::now();
    while with_backend!(&mut watcher, |b| b.query(&gone).await).unwrap()[0][0].as_deref()
        != Some("0")
    {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "the setup connection did not go"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let files = trivial_set()
        .into_iter()
        .map(|(name, text)| {
            let table = name
                .trim_end_matches(".sql")
                .replace(|c: char| c.is_ascii_digit() || c == '_', "");
            let text = text
                .replace(
                    "-- migrate:up\nSELECT 1;",
                    &format!(
                        "-- migrate:up\nCREATE TABLE t_{table} (id INT PRIMARY KEY, note TEXT);"
                    ),
                )
                .replace(
                    "-- migrate:down\nSELECT 1;",
                    &format!("-- migrate:down\nDROP TABLE t_{table};"),
                );
            (name, text)
        })
        .collect();
    let load = Load {
        name: "schemas",
        files,
        url_of: |i| format!("{url}?options=-c%20search_path%3Ds{i}"),
        resource_of: |_| schema("head", json!({})),
        version_table_of: |_| "revisor_version".to_owned(),
        trips: 7,
    };
    reach_ready_then_idle_cheaply(load, &url, n).await;
}
