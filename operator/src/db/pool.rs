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
//!   a new one while the server has a free slot, else asks whether the
//!   sessions of closed connections (ghosts, below) have ended, else closes
//!   the oldest idle connection of another URL on the server, else waits
//!   (at most [`PoolConfig::acquire_timeout`], then [`DbError::PoolTimeout`]).
//! - A [`Pooled`] connection goes back to its idle list when dropped, unless
//!   it was [discarded](Pooled::discard) (session state it must not pass
//!   on); a discarded one is closed, and its slot freed once its session
//!   has ended.
//! - [`Pools::reap`] closes connections idle longer than
//!   [`PoolConfig::idle_timeout`]; the operator calls it periodically.
//!
//! Slots are released only once the server no longer has the connection,
//! so the server does not list more than the cap from these pools. Closing
//! sends Terminate (PostgreSQL) or COM_QUIT (MySQL) without waiting for
//! the session to end (only over TLS does sqlx read to the server's end),
//! and the server lists a leaving session a moment longer: as long as it
//! takes to drop its temporary tables, say (`tests/pool.rs` sees it on
//! every replacement without the check below). So a
//! closed connection stays a *ghost* that holds its slot: the pool learns
//! each session's id when it connects (`pg_backend_pid()`,
//! `CONNECTION_ID()`), and a waiter that needs the slot asks the server
//! through another idle connection of it whether the ghost's session is
//! still listed (`pg_stat_activity`, `information_schema.PROCESSLIST`).
//! When no idle connection is there to ask, a ghost is taken as gone
//! [`GHOST_GRACE`] after its close (a session ends within milliseconds:
//! the one place where the cap rests on timing); one older than
//! [`GHOST_MAX_AGE`] (a session the server keeps after the network
//! failed) too. Neither query
//! counts in [`Pools::round_trips`]; [`Pools::own_queries`] counts them.
//! On MySQL a session of another user is not listed to this one, so there
//! the check trusts the close for URLs with different users.

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

/// A closed connection whose session the server may still list holds its
/// slot this long when no idle connection of the server can be asked:
/// a session ends within milliseconds of its close.
pub const GHOST_GRACE: Duration = Duration::from_secs(1);

/// A closed connection whose session the server still lists after this
/// long (the network failed, and the server has not noticed yet) no
/// longer holds a slot: it would starve every run, and the server drops it
/// on its own (TCP keepalive).
pub const GHOST_MAX_AGE: Duration = Duration::from_secs(60);

/// How long a waiter waits before it asks again whether a ghost's session
/// has ended: doubled after each answer that it has not, up to 64 times
/// this (a session the server keeps for long is not polled hot).
const GHOST_POLL: Duration = Duration::from_millis(2);

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

    /// The server's id of this session (PostgreSQL's backend pid, MySQL's
    /// connection id); `None` for SQLite, which has no server.
    async fn session_id(&mut self) -> Option<u64> {
        let id: Result<String, sqlx::Error> = match self {
            AnyConn::Pg(c) => {
                sqlx::query_scalar("SELECT pg_backend_pid()::text")
                    .fetch_one(c)
                    .await
            }
            AnyConn::My(c) => {
                sqlx::query_scalar("SELECT CAST(CONNECTION_ID() AS CHAR)")
                    .fetch_one(c)
                    .await
            }
            AnyConn::Lite(_) => return None,
        };
        id.ok()?.parse().ok()
    }

    /// Which of the sessions `ids` the server still lists.
    async fn listed(&mut self, ids: &[u64]) -> Result<Vec<u64>, sqlx::Error> {
        let list = ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        let rows: Vec<String> = match self {
            AnyConn::Pg(c) => {
                let sql = format!("SELECT pid::text FROM pg_stat_activity WHERE pid IN ({list})");
                sqlx::query_scalar(&sql)
                    .persistent(false)
                    .fetch_all(c)
                    .await?
            }
            AnyConn::My(c) => {
                let sql = format!(
                    "SELECT CAST(ID AS CHAR) FROM information_schema.PROCESSLIST WHERE ID IN ({list})"
                );
                sqlx::query_scalar(&sql)
                    .persistent(false)
                    .fetch_all(c)
                    .await?
            }
            AnyConn::Lite(_) => Vec::new(),
        };
        Ok(rows.iter().filter_map(|r| r.parse().ok()).collect())
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
    own_queries: Arc<AtomicU64>,
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
    /// Slots taken: connections open or being opened, and ghosts.
    open: usize,
    /// Idle connections by URL key, most recently used last.
    idle: HashMap<String, Vec<Idle>>,
    /// Closed connections whose sessions the server may still list.
    ghosts: Vec<Ghost>,
}

struct Idle {
    conn: AnyConn,
    session: Option<u64>,
    since: Instant,
}

struct Ghost {
    session: u64,
    closed: Instant,
}

impl State {
    /// A connection of session `session` was closed: its slot is freed at
    /// once when the server has no session to list for it, else held by a
    /// ghost.
    fn closed(&mut self, session: Option<u64>) {
        match session {
            Some(session) => self.ghosts.push(Ghost {
                session,
                closed: Instant::now(),
            }),
            None => self.open = self.open.saturating_sub(1),
        }
    }

    /// Frees the slots of ghosts that no longer count: those past
    /// [`GHOST_MAX_AGE`], and those past [`GHOST_GRACE`] when no idle
    /// connection is there to ask about them.
    fn forget_ghosts(&mut self) {
        let before = self.ghosts.len();
        let askable = self.idle.values().any(|l| !l.is_empty());
        self.ghosts.retain(|g| {
            let age = g.closed.elapsed();
            age < GHOST_MAX_AGE && (askable || age < GHOST_GRACE)
        });
        self.open -= before - self.ghosts.len();
    }

    /// Frees the slots of the ghosts whose sessions `listed` leaves out
    /// (of those asked about); how many.
    fn gone(&mut self, asked: &[u64], listed: &[u64]) -> usize {
        let before = self.ghosts.len();
        self.ghosts
            .retain(|g| !asked.contains(&g.session) || listed.contains(&g.session));
        let freed = before - self.ghosts.len();
        self.open -= freed;
        freed
    }
}

impl Server {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counts half-updated
        // (each update is one statement), so a poisoned state is still sound.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Closes `conn`, then [`State::closed`].
    async fn retire(&self, conn: AnyConn, session: Option<u64>) {
        conn.close().await;
        self.lock().closed(session);
        self.changed.notify_waiters();
    }
}

impl Pools {
    /// Empty pools with `config`'s limits.
    pub fn new(config: PoolConfig) -> Pools {
        Pools {
            config,
            servers: Mutex::default(),
            round_trips: Arc::default(),
            own_queries: Arc::default(),
            closed: Arc::default(),
        }
    }

    /// Queries the pools sent of their own (a session id per new
    /// connection, ghost checks), apart from [`Pools::round_trips`].
    pub fn own_queries(&self) -> u64 {
        self.own_queries.load(Ordering::Relaxed)
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

    /// Slots taken on `server` now: connections idle and in use, and
    /// closed ones whose sessions the server may still list.
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
        let mut asked_in_vain: u32 = 0;
        let timeout = || DbError::PoolTimeout {
            seconds: self.config.acquire_timeout.as_secs(),
            max: server.max,
        };
        loop {
            let notified = server.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            enum Got {
                Idle(Idle),
                Slot,
                Ask(String, Idle, Vec<u64>),
                Evict(Idle),
                Wait,
            }
            let got = {
                let mut s = server.lock();
                s.forget_ghosts();
                if let Some(i) = s.idle.get_mut(url_key).and_then(Vec::pop) {
                    Got::Idle(i)
                } else if s.open < server.max {
                    s.open += 1;
                    Got::Slot
                } else if !s.ghosts.is_empty() {
                    // A ghost holds the slot we need: ask the server about
                    // it through an idle connection, if one is there.
                    let asked = s.ghosts.iter().map(|g| g.session).collect();
                    match newest_idle(&mut s.idle) {
                        Some((key, i)) => Got::Ask(key, i, asked),
                        None => Got::Wait,
                    }
                } else if let Some(victim) = oldest_idle(&mut s.idle) {
                    Got::Evict(victim)
                } else {
                    Got::Wait
                }
            };
            match got {
                Got::Idle(i) => {
                    if let Some(conn) = C::from_any(i.conn) {
                        return Ok(self.wrap(server.clone(), url_key, conn, i.session));
                    }
                    server.lock().open -= 1;
                    server.changed.notify_waiters();
                }
                Got::Slot => {
                    let conn = match options.connect().await {
                        Ok(conn) => conn,
                        Err(e) => {
                            server.lock().open -= 1;
                            server.changed.notify_waiters();
                            return Err(DbError::connect(describe, &e));
                        }
                    };
                    let mut any = conn.into_any();
                    self.own_queries.fetch_add(1, Ordering::Relaxed);
                    let session = any.session_id().await;
                    let conn = C::from_any(any).expect("the same dialect");
                    return Ok(self.wrap(server.clone(), url_key, conn, session));
                }
                Got::Ask(key, mut i, asked) => {
                    self.own_queries.fetch_add(1, Ordering::Relaxed);
                    match i.conn.listed(&asked).await {
                        Ok(listed) => {
                            let freed = {
                                let mut s = server.lock();
                                s.idle.entry(key).or_default().push(i);
                                s.gone(&asked, &listed)
                            };
                            server.changed.notify_waiters();
                            if freed == 0 {
                                tokio::time::sleep(GHOST_POLL * (1 << asked_in_vain.min(6))).await;
                                asked_in_vain += 1;
                                if tokio::time::Instant::now() >= deadline {
                                    return Err(timeout());
                                }
                            }
                        }
                        Err(_) => {
                            self.closed.fetch_add(1, Ordering::Relaxed);
                            server.retire(i.conn, i.session).await;
                        }
                    }
                }
                Got::Evict(victim) => {
                    // Its slot passes on once its session has ended.
                    self.closed.fetch_add(1, Ordering::Relaxed);
                    server.retire(victim.conn, victim.session).await;
                }
                Got::Wait => {
                    // With ghosts, look again once the grace may be over.
                    let ghosts = server.lock().ghosts.len();
                    let until = if ghosts == 0 {
                        deadline
                    } else {
                        deadline.min(tokio::time::Instant::now() + GHOST_POLL * 25)
                    };
                    if tokio::time::timeout_at(until, notified).await.is_err()
                        && tokio::time::Instant::now() >= deadline
                    {
                        return Err(timeout());
                    }
                }
            }
        }
    }

    fn wrap<C: PoolConn>(
        &self,
        server: Arc<Server>,
        url_key: &str,
        conn: C,
        session: Option<u64>,
    ) -> Pooled<C> {
        Pooled {
            conn: Some(conn),
            session,
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
            let expired: Vec<Idle> = {
                let mut s = server.lock();
                let mut out = Vec::new();
                for list in s.idle.values_mut() {
                    let (old, keep): (Vec<Idle>, Vec<Idle>) = std::mem::take(list)
                        .into_iter()
                        .partition(|i| i.since.elapsed() >= self.config.idle_timeout);
                    *list = keep;
                    out.extend(old);
                }
                s.idle.retain(|_, l| !l.is_empty());
                out
            };
            self.closed
                .fetch_add(expired.len() as u64, Ordering::Relaxed);
            for i in expired {
                server.retire(i.conn, i.session).await;
            }
        }
    }
}

/// Takes the idle connection unused for longest, of any URL.
fn oldest_idle(idle: &mut HashMap<String, Vec<Idle>>) -> Option<Idle> {
    let key = idle
        .iter()
        .filter_map(|(k, l)| l.first().map(|i| (k.clone(), i.since)))
        .min_by_key(|(_, since)| *since)?
        .0;
    let list = idle.get_mut(&key)?;
    let conn = list.remove(0);
    if list.is_empty() {
        idle.remove(&key);
    }
    Some(conn)
}

/// Takes the idle connection used last, of any URL, with its URL key.
fn newest_idle(idle: &mut HashMap<String, Vec<Idle>>) -> Option<(String, Idle)> {
    let key = idle
        .iter()
        .filter_map(|(k, l)| l.last().map(|i| (k.clone(), i.since)))
        .max_by_key(|(_, since)| *since)?
        .0;
    let list = idle.get_mut(&key)?;
    let conn = list.pop()?;
    if list.is_empty() {
        idle.remove(&key);
    }
    Some((key, conn))
}

/// A connection out of [`Pools`]; back to its idle list on drop.
pub struct Pooled<C: PoolConn> {
    conn: Option<C>,
    /// The server's id of the session ([`AnyConn::session_id`]).
    session: Option<u64>,
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
        let session = self.session;
        if self.reuse {
            let mut s = self.server.lock();
            s.idle.entry(self.url_key.clone()).or_default().push(Idle {
                conn: conn.into_any(),
                session,
                since: Instant::now(),
            });
            drop(s);
            self.server.changed.notify_waiters();
            return;
        }
        self.closed.fetch_add(1, Ordering::Relaxed);
        let server = self.server.clone();
        match tokio::runtime::Handle::try_current() {
            // The slot is freed once the session has ended.
            Ok(rt) => {
                rt.spawn(async move { server.retire(conn.into_any(), session).await });
            }
            Err(_) => {
                drop(conn);
                server.lock().closed(session);
            }
        }
    }
}
