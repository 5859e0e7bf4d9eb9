//! Bounded connection pools: one idle list per database URL, one cap per
//! database server. I/O.
//!
//! Why not sqlx's `Pool`: it bounds the connections of one URL (one
//! database), while the limit that matters is the server's
//! `max_connections`, shared by every database on it. Revisor may serve a
//! thousand DatabaseSchemas spread over many databases of one server, and
//! its migration lock needs a session of its own. So every physical
//! connection, migration or lock, holds one of the server's
//! [`PoolConfig::max_per_server`] slots from connect to close, and a waiter
//! for one URL may close another URL's idle connection to take its slot.
//!
//! - [`Pools::acquire`] reuses an idle connection of the same URL, else opens
//!   a new one while the server has a free slot, else closes the oldest idle
//!   connection of another URL on the server, else waits (at most
//!   [`PoolConfig::acquire_timeout`], then [`DbError::PoolTimeout`]).
//! - A [`Pooled`] connection goes back to its idle list when dropped, unless
//!   it was [discarded](Pooled::discard) (session state it must not pass
//!   on); a discarded one is closed and its slot freed after the close.
//! - [`Pools::reap`] closes connections idle longer than
//!   [`PoolConfig::idle_timeout`]; the operator calls it periodically.
//!
//! Slots are released only after a connection is closed, so the pool never
//! holds more than the cap. The server's count can lag by a few
//! milliseconds: closing sends Terminate without waiting for the backend to
//! exit, so when a waiter closes another URL's idle connection and connects
//! at once, PostgreSQL may list both for a moment (seen as 21 of 20 in
//! `tests/load.rs` with a URL per resource). Leave that headroom below
//! `max_connections`; the default cap of 20 leaves 80.

use super::DbError;
use sqlx::{ConnectOptions, Connection};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Limits of a [`Pools`].
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Connections open at once to one server (host and port; a SQLite
    /// file), lock connections included.
    pub max_per_server: usize,
    /// An idle connection older than this is closed by [`Pools::reap`].
    pub idle_timeout: Duration,
    /// How long [`Pools::acquire`] waits for a slot.
    pub acquire_timeout: Duration,
}

/// `--max-db-connections`'s default: a fifth of PostgreSQL's and MySQL's
/// default `max_connections` (100, 151), leaving the rest to the
/// applications that share the server.
pub const DEFAULT_MAX_PER_SERVER: usize = 20;

/// An idle connection outlives a burst of reconciles (they come in waves on
/// a watch restart) but not the quiet minutes between periodic rechecks.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Long enough for the running steps of other reconciles to finish and
/// free a slot; short enough that a starved reconcile goes Pending and
/// retries instead of holding its worker.
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

impl Default for PoolConfig {
    fn default() -> Self {
        PoolConfig {
            max_per_server: DEFAULT_MAX_PER_SERVER,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            acquire_timeout: DEFAULT_ACQUIRE_TIMEOUT,
        }
    }
}

/// A connection of any dialect, as the idle lists keep it.
pub enum AnyConn {
    /// PostgreSQL.
    Pg(sqlx::postgres::PgConnection),
    /// MySQL or MariaDB.
    My(sqlx::mysql::MySqlConnection),
    /// SQLite.
    Lite(sqlx::sqlite::SqliteConnection),
}

impl AnyConn {
    async fn close(self) {
        let _ = match self {
            AnyConn::Pg(c) => c.close().await,
            AnyConn::My(c) => c.close().await,
            AnyConn::Lite(c) => c.close().await,
        };
    }
}

/// A sqlx connection type that the pools can hold.
pub trait PoolConn: Connection + Sized + Send + 'static {
    /// Into the idle lists' type.
    fn into_any(self) -> AnyConn;
    /// Back out of it; `None` for another dialect (never the case for one URL).
    fn from_any(c: AnyConn) -> Option<Self>;
}

impl PoolConn for sqlx::postgres::PgConnection {
    fn into_any(self) -> AnyConn {
        AnyConn::Pg(self)
    }
    fn from_any(c: AnyConn) -> Option<Self> {
        match c {
            AnyConn::Pg(c) => Some(c),
            _ => None,
        }
    }
}

impl PoolConn for sqlx::mysql::MySqlConnection {
    fn into_any(self) -> AnyConn {
        AnyConn::My(self)
    }
    fn from_any(c: AnyConn) -> Option<Self> {
        match c {
            AnyConn::My(c) => Some(c),
            _ => None,
        }
    }
}

impl PoolConn for sqlx::sqlite::SqliteConnection {
    fn into_any(self) -> AnyConn {
        AnyConn::Lite(self)
    }
    fn from_any(c: AnyConn) -> Option<Self> {
        match c {
            AnyConn::Lite(c) => Some(c),
            _ => None,
        }
    }
}

/// The pools of a process: shared by every run (CLI command or reconcile).
pub struct Pools {
    config: PoolConfig,
    servers: Mutex<HashMap<String, Arc<Server>>>,
    round_trips: Arc<AtomicU64>,
    closed: Arc<AtomicU64>,
}

impl std::fmt::Debug for Pools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pools")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// One server's slots and idle connections.
struct Server {
    max: usize,
    state: Mutex<State>,
    /// Woken whenever a slot or an idle connection becomes available.
    changed: Notify,
}

#[derive(Default)]
struct State {
    /// Connections open or being opened (each holds a slot).
    open: usize,
    /// Idle connections by URL key, most recently used last.
    idle: HashMap<String, Vec<Idle>>,
}

struct Idle {
    conn: AnyConn,
    since: Instant,
}

impl Server {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counts half-updated
        // (each update is one statement), so a poisoned state is still sound.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Frees `n` slots whose connections are closed.
    fn free(&self, n: usize) {
        if n > 0 {
            let mut s = self.lock();
            s.open = s.open.saturating_sub(n);
            drop(s);
            self.changed.notify_waiters();
        }
    }
}

impl Pools {
    /// Empty pools with `config`'s limits.
    pub fn new(config: PoolConfig) -> Pools {
        Pools {
            config,
            servers: Mutex::default(),
            round_trips: Arc::default(),
            closed: Arc::default(),
        }
    }

    /// Connections closed so far (discarded, evicted or idle too long),
    /// for tests and benchmarks: each one is a reconnect later.
    pub fn closed(&self) -> u64 {
        self.closed.load(Ordering::Relaxed)
    }

    /// The limits.
    pub fn config(&self) -> &PoolConfig {
        &self.config
    }

    /// Statements and queries sent through connections of these pools, for
    /// benchmarks and tests (a no-op reconcile should cost one).
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Connections open to `server` now (idle and in use).
    pub fn open(&self, server: &str) -> usize {
        self.server(server).lock().open
    }

    fn server(&self, key: &str) -> Arc<Server> {
        let mut servers = self.servers.lock().unwrap_or_else(|p| p.into_inner());
        servers
            .entry(key.to_owned())
            .or_insert_with(|| {
                Arc::new(Server {
                    max: self.config.max_per_server.max(1),
                    state: Mutex::default(),
                    changed: Notify::new(),
                })
            })
            .clone()
    }

    /// One connection to the database of `options`, idle list `url_key`, on
    /// `server` (see the module docs for the order of preference).
    ///
    /// # Errors
    /// [`DbError::PoolTimeout`] when no slot frees up in time;
    /// [`DbError::Connect`] when connecting fails (`describe` names the
    /// database, without its password).
    pub async fn acquire<C: PoolConn>(
        &self,
        server_key: &str,
        url_key: &str,
        options: &C::Options,
        describe: &str,
    ) -> Result<Pooled<C>, DbError> {
        let server = self.server(server_key);
        let deadline = tokio::time::Instant::now() + self.config.acquire_timeout;
        loop {
            let notified = server.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            enum Got {
                Idle(AnyConn),
                Slot(Option<AnyConn>),
                Wait,
            }
            let got = {
                let mut s = server.lock();
                if let Some(i) = s.idle.get_mut(url_key).and_then(Vec::pop) {
                    Got::Idle(i.conn)
                } else if s.open < server.max {
                    s.open += 1;
                    Got::Slot(None)
                } else if let Some(victim) = oldest_idle(&mut s.idle) {
                    // Its slot passes to us once it is closed.
                    Got::Slot(Some(victim))
                } else {
                    Got::Wait
                }
            };
            match got {
                Got::Idle(conn) => {
                    if let Some(conn) = C::from_any(conn) {
                        return Ok(self.wrap(server.clone(), url_key, conn));
                    }
                    server.free(1);
                }
                Got::Slot(victim) => {
                    if let Some(v) = victim {
                        self.closed.fetch_add(1, Ordering::Relaxed);
                        v.close().await;
                    }
                    return match options.connect().await {
                        Ok(conn) => Ok(self.wrap(server.clone(), url_key, conn)),
                        Err(e) => {
                            server.free(1);
                            Err(DbError::connect(describe, &e))
                        }
                    };
                }
                Got::Wait => {
                    if tokio::time::timeout_at(deadline, notified).await.is_err() {
                        return Err(DbError::PoolTimeout {
                            seconds: self.config.acquire_timeout.as_secs(),
                            max: server.max,
                        });
                    }
                }
            }
        }
    }

    fn wrap<C: PoolConn>(&self, server: Arc<Server>, url_key: &str, conn: C) -> Pooled<C> {
        Pooled {
            conn: Some(conn),
            url_key: url_key.to_owned(),
            server,
            reuse: true,
            round_trips: self.round_trips.clone(),
            closed: self.closed.clone(),
        }
    }

    /// Closes every connection idle for longer than the idle timeout.
    pub async fn reap(&self) {
        let servers: Vec<Arc<Server>> = self
            .servers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for server in servers {
            let expired: Vec<AnyConn> = {
                let mut s = server.lock();
                let mut out = Vec::new();
                for list in s.idle.values_mut() {
                    let (old, keep): (Vec<Idle>, Vec<Idle>) = std::mem::take(list)
                        .into_iter()
                        .partition(|i| i.since.elapsed() >= self.config.idle_timeout);
                    *list = keep;
                    out.extend(old.into_iter().map(|i| i.conn));
                }
                s.idle.retain(|_, l| !l.is_empty());
                out
            };
            let n = expired.len();
            self.closed.fetch_add(n as u64, Ordering::Relaxed);
            for c in expired {
                c.close().await;
            }
            server.free(n);
        }
    }
}

/// Takes the idle connection unused for longest, of any URL.
fn oldest_idle(idle: &mut HashMap<String, Vec<Idle>>) -> Option<AnyConn> {
    let key = idle
        .iter()
        .filter_map(|(k, l)| l.first().map(|i| (k.clone(), i.since)))
        .min_by_key(|(_, since)| *since)?
        .0;
    let list = idle.get_mut(&key)?;
    let conn = list.remove(0).conn;
    if list.is_empty() {
        idle.remove(&key);
    }
    Some(conn)
}

/// A connection out of [`Pools`]; back to its idle list on drop.
pub struct Pooled<C: PoolConn> {
    conn: Option<C>,
    url_key: String,
    server: Arc<Server>,
    reuse: bool,
    round_trips: Arc<AtomicU64>,
    closed: Arc<AtomicU64>,
}

impl<C: PoolConn> std::fmt::Debug for Pooled<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pooled")
            .field("reuse", &self.reuse)
            .finish_non_exhaustive()
    }
}

impl<C: PoolConn> Pooled<C> {
    /// The connection, counting one round trip: call it once per statement
    /// or query sent.
    pub fn conn(&mut self) -> &mut C {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        self.conn
            .as_mut()
            .expect("a Pooled holds its connection until dropped")
    }

    /// Passes `result` through, discarding the connection when it is an
    /// error: after a failure the session may be broken or mid-transaction.
    pub fn check<T>(&mut self, result: Result<T, DbError>) -> Result<T, DbError> {
        if result.is_err() {
            self.discard();
        }
        result
    }

    /// Closes the connection instead of returning it to the pool: it may
    /// carry session state (a `SET` of a migration, a half-finished
    /// transaction, a lock it failed to release).
    pub fn discard(&mut self) {
        self.reuse = false;
    }
}

impl<C: PoolConn> Drop for Pooled<C> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.reuse {
            let mut s = self.server.lock();
            s.idle.entry(self.url_key.clone()).or_default().push(Idle {
                conn: conn.into_any(),
                since: Instant::now(),
            });
            drop(s);
            self.server.changed.notify_waiters();
            return;
        }
        self.closed.fetch_add(1, Ordering::Relaxed);
        let server = self.server.clone();
        match tokio::runtime::Handle::try_current() {
            // Free the slot only once the server has been told goodbye.
            Ok(rt) => {
                rt.spawn(async move {
                    conn.into_any().close().await;
                    server.free(1);
                });
            }
            Err(_) => {
                drop(conn);
                server.free(1);
            }
        }
    }
}
