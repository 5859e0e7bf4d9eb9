//! Autogenerate's contract on real dumps (issue 25): build a database from
//! hand-written DDL, dump it with the server's own tool (`pg_dump
//! --schema-only`, `mariadb-dump --no-data`, `sqlite3 .schema`), use the
//! dump unedited as the declared schema, and then
//! - `revision --autogenerate` from an empty set and `upgrade head` give a
//!   catalog equal to the original database's;
//! - `check --database` exits 0 and a second autogenerate writes nothing;
//! - `downgrade base` removes every object it made.

#[macro_use]
mod support;

use revisor::autogen;
use revisor::db::introspect::{Introspect, Options as IntrospectOptions};
use revisor::db::{Backend, Database, Dialect};
use revisor::with_backend;
use support::cli::{bin, client_tool, ok, scratch, text};
use support::databases::{fresh, server};

/// What each dialect's dump holds (features the model keeps today; the
/// issue lists the rest).
fn ddl(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Postgres => &[
            "CREATE TABLE \"Album\" (id integer PRIMARY KEY, \"timestamp\" timestamp(6) NOT NULL, name varchar(50) DEFAULT 'x', price numeric(10,2) CHECK (price >= 0))",
            "CREATE TABLE track (id bigint PRIMARY KEY, album_id integer REFERENCES \"Album\"(id) ON DELETE CASCADE, title text NOT NULL, at time(3), UNIQUE (album_id, title))",
            "CREATE INDEX album_ts ON \"Album\" (\"timestamp\")",
            "CREATE INDEX track_lower ON track (lower(title)) WHERE title <> ''",
            "COMMENT ON TABLE track IS 'tracks'",
        ],
        Dialect::MySql => &[
            "CREATE TABLE `Album` (`AlbumId` int(11) NOT NULL AUTO_INCREMENT, `Title` varchar(160) NOT NULL, `rating` enum('G','PG','R') DEFAULT 'G', `special` set('Trailers','Deleted Scenes') DEFAULT NULL, `last_update` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), `created` datetime(3) DEFAULT NULL, `plays` int(10) unsigned NOT NULL DEFAULT 0, `released` year(4) DEFAULT NULL, PRIMARY KEY (`AlbumId`), UNIQUE KEY `uq_title` (`Title`), KEY `idx_rating` (`rating`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COMMENT='albums'",
            "CREATE TABLE `Track` (`TrackId` int NOT NULL, `AlbumId` int NOT NULL, PRIMARY KEY (`TrackId`), CONSTRAINT `fk_album` FOREIGN KEY (`AlbumId`) REFERENCES `Album` (`AlbumId`) ON DELETE CASCADE)",
        ],
        Dialect::Sqlite => &[
            "CREATE TABLE \"Album\" (AlbumId INTEGER PRIMARY KEY, Title VARCHAR(160) NOT NULL, at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP)",
            "CREATE TABLE Track (TrackId INTEGER PRIMARY KEY, AlbumId INTEGER NOT NULL REFERENCES \"Album\" (AlbumId) ON DELETE CASCADE, Name TEXT)",
            "CREATE INDEX ix_track_album ON Track (AlbumId)",
        ],
    }
}

/// The dump of `url` by the dialect's own tool.
fn dump(dialect: Dialect, url: &str) -> String {
    let out = match dialect {
        Dialect::Postgres => std::process::Command::new(client_tool(&["pg_dump"]))
            .args(["--schema-only", url])
            .output(),
        Dialect::MySql => {
            let (rest, name) = url.rsplit_once('/').unwrap();
            let hostport = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "3306"));
            std::process::Command::new(client_tool(&["mariadb-dump", "mysqldump"]))
                .args(["--no-data", "-uroot", "-h", host, "-P", port, name])
                .output()
        }
        Dialect::Sqlite => std::process::Command::new(client_tool(&["sqlite3"]))
            .args([url.trim_start_matches("sqlite://"), ".schema"])
            .output(),
    }
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

async fn live(url: &str) -> revisor::schema::Schema {
    let mut db = Database::connect(url).await.unwrap();
    with_backend!(&mut db, |b| b
        .introspect(&IntrospectOptions::default())
        .await)
    .unwrap()
}

async fn round_trip(dialect: Dialect) {
    let original = fresh(dialect).await;
    {
        let mut db = Database::connect(&original).await.unwrap();
        for s in ddl(dialect) {
            with_backend!(&mut db, |b| b.execute(s).await).unwrap();
        }
    }
    let dir = scratch(&format!("dumps-{}", dialect.name()));
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    std::fs::write(dir.join("schema.sql"), dump(dialect, &original)).unwrap();
    let target = fresh(dialect).await;
    let run = |args: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(&dir).args(args);
        if let Some(dev) = server(dialect) {
            cmd.env("REVISOR_DEV_DATABASE_URL", dev);
        }
        cmd.output().unwrap()
    };
    let d = dialect.name();
    ok(run(&[
        "revision",
        "--autogenerate",
        "-m",
        "init",
        "--dialect",
        d,
    ]));
    ok(run(&["upgrade", "head", "--database", &target]));
    // The catalog equals the original database's.
    let (a, b) = (live(&original).await, live(&target).await);
    let left = autogen::migration(&a, &b, dialect).ops;
    assert!(left.is_empty(), "{dialect:?}: {left:#?}");
    ok(run(&["check", "--database", &target, "--dialect", d]));
    let again = ok(run(&[
        "revision",
        "--autogenerate",
        "-m",
        "again",
        "--dialect",
        d,
    ]));
    assert!(again.contains("nothing written"), "{again}");
    let down = run(&["downgrade", "base", "--database", &target]);
    assert!(down.status.success(), "{}", text(&down));
    assert!(
        live(&target).await.tables.is_empty(),
        "downgrade base left tables"
    );
}

each_dialect!(a_dump_round_trips_through_autogenerate, round_trip);
