//! The connection pools' bound as the server counts it, on real
//! PostgreSQL and MariaDB (issue 22): a connection closed to make room for
//! another database's holds its slot until the server no longer lists its
//! session, so the server never sees more than `--max-db-connections`.

#[macro_use]
mod support;

use revisor::db::pool::{PoolConfig, Pools};
use revisor::db::{Backend, Database, Dialect};
use revisor::with_backend;
use std::sync::Arc;
use support::databases::{fresh, server};

/// The sessions the server lists on database `name`, asked apart from the
/// pools.
async fn sessions_on(admin: &mut Database, dialect: Dialect, name: &str) -> usize {
    let sql = match dialect {
        Dialect::Postgres => format!(
            "SELECT CAST(count(*) AS TEXT) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
        _ => format!(
            "SELECT CAST(count(*) AS CHAR) FROM information_schema.PROCESSLIST WHERE DB = '{name}' AND ID <> CONNECTION_ID()"
        ),
    };
    let rows = with_backend!(admin, |b| b.query(&sql).await).unwrap();
    rows[0][0].as_deref().unwrap().parse().unwrap()
}

const ROUNDS: u64 = 5;

/// SQL that leaves 300 temporary tables in the session.
fn temporary_tables(dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => "DO $$ BEGIN FOR i IN 1..300 LOOP \
             EXECUTE format('CREATE TEMPORARY TABLE tmp%s (id int, note text)', i); END LOOP; END $$"
            .to_owned(),
        _ => (0..300)
            .map(|i| format!("CREATE TEMPORARY TABLE tmp{i} (id int, note text);"))
            .collect(),
    }
}

async fn a_replaced_connection_is_gone_before_its_replacement_opens(dialect: Dialect) {
    // Without TLS: closing a TLS connection waits for the server's end of
    // it (rustls reads to the end), which would hide the race.
    let plain = |url: String| match dialect {
        Dialect::Postgres => format!("{url}?sslmode=disable"),
        _ => url,
    };
    let (a, b) = (plain(fresh(dialect).await), plain(fresh(dialect).await));
    let name = |url: &str| {
        let db = url.rsplit('/').next().unwrap();
        db.split('?').next().unwrap().to_owned()
    };
    let mut admin = Database::connect(&server(dialect).unwrap()).await.unwrap();
    // A first connection to a new database is slow (PostgreSQL builds its
    // catalog cache file): made here, so that a replacement connects
    // quickly, as it does in a running operator.
    for url in [&a, &b] {
        drop(Database::connect(url).await.unwrap());
    }
    let mut own_queries = 0;
    for round in 0..ROUNDS {
        // The last round's sessions have ended (its pools were dropped).
        for _ in 0..500 {
            if sessions_on(&mut admin, dialect, &name(&a)).await
                + sessions_on(&mut admin, dialect, &name(&b)).await
                == 0
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let pools = Arc::new(Pools::new(PoolConfig {
            max_per_server: 2,
            ..PoolConfig::default()
        }));
        // Both slots idle on database a: the older is closed to make room
        // for b, whose connection opens only once that session has ended.
        // Its temporary tables make the ending slow: the server drops them
        // while it still lists the session.
        let (mut first, second) = (
            Database::open(&pools, &a).await.unwrap(),
            Database::open(&pools, &a).await.unwrap(),
        );
        with_backend!(&mut first, |b| b.execute(&temporary_tables(dialect)).await).unwrap();
        drop(first);
        drop(second);
        let on_b = Database::open(&pools, &b).await.unwrap();
        assert_eq!(
            sessions_on(&mut admin, dialect, &name(&a)).await,
            1,
            "{dialect:?}, round {round}: the closed connection's session is still listed"
        );
        assert_eq!(sessions_on(&mut admin, dialect, &name(&b)).await, 1);
        assert_eq!(pools.closed(), 1);
        drop(on_b);
        own_queries += pools.own_queries();
    }
    // Each new connection asked for its session id (3), and the
    // replacement asked at least once whether the closed one had ended.
    assert!(own_queries >= ROUNDS * 4, "{own_queries}");
}

#[tokio::test]
async fn a_replaced_connection_is_gone_before_its_replacement_opens_on_postgres() {
    a_replaced_connection_is_gone_before_its_replacement_opens(Dialect::Postgres).await;
}

#[tokio::test]
async fn a_replaced_connection_is_gone_before_its_replacement_opens_on_mariadb() {
    a_replaced_connection_is_gone_before_its_replacement_opens(Dialect::MySql).await;
}
