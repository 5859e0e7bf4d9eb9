use super::*;
use std::collections::BTreeSet;

const PG: Dialect = Dialect::Postgres;
const MY: Dialect = Dialect::MySql;
const LITE: Dialect = Dialect::Sqlite;

/// Settings with every rule on (style included), for `dialect` at `server`.
fn all_rules(dialect: Dialect, server: Option<&str>) -> Settings {
    Settings {
        dialect,
        server: server.map(|s| ServerVersion::parse(s).unwrap()),
        config: LintConfig {
            enable: vec!["all".into()],
            ..LintConfig::default()
        },
        functions: BTreeMap::new(),
    }
}

fn revision(header: &str, up: &str, down: Option<&str>) -> Revision {
    let down = down
        .map(|d| format!("-- migrate:down\n{d}\n"))
        .unwrap_or_default();
    let text = format!("-- revision: r1\n{header}-- migrate:up\n{up}\n{down}");
    Revision::parse("r1.sql", &text).unwrap_or_else(|e| panic!("{e:?}"))
}

fn codes_with(settings: Settings, header: &str, up: &str, down: Option<&str>) -> Vec<&'static str> {
    Linter::new(settings)
        .revision("r1.sql", &revision(header, up, down), false)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

fn run(up: &str, down: Option<&str>, dialect: Dialect) -> Vec<&'static str> {
    codes_with(Settings::for_dialect(dialect), "", up, down)
}

fn run_header(header: &str, up: &str, down: Option<&str>, dialect: Dialect) -> Vec<&'static str> {
    codes_with(Settings::for_dialect(dialect), header, up, down)
}

/// Lints `earlier` then `up` as two revisions of one set (not one plan):
/// `up` meets the tables `earlier` built, with their rows.
fn after(earlier: &str, up: &str, dialect: Dialect, server: Option<&str>) -> Vec<&'static str> {
    let mut l = Linter::new(all_rules(dialect, server));
    l.revision("r0.sql", &revision("", earlier, Some("SELECT 1;")), false);
    l.revision("r1.sql", &revision("", up, Some("SELECT 1;")), false)
        .into_iter()
        .map(|f| f.code)
        .collect()
}

/// (code, dialect, dangerous, safe): the first raises the code, the second
/// (the safe alternative, or a known false alarm) does not.
#[rustfmt::skip]
const CASES: &[(&str, Dialect, &str, &str)] = &[
    ("RV002", PG, "CREATE TABLE t (id int;", "CREATE TABLE t (id int);"),
    ("RV002", PG, "ALTR TABLE t ADD COLUMN a int;", "REINDEX INDEX CONCURRENTLY ix;"),
    ("RV101", PG, "DROP TABLE users;", "CREATE TABLE t (id INT);\nDROP TABLE t;"),
    ("RV102", PG, "ALTER TABLE users DROP COLUMN email;", "ALTER TABLE users ADD COLUMN b int;\nALTER TABLE users DROP COLUMN b;"),
    ("RV103", PG, "DROP VIEW v;", "CREATE VIEW v AS SELECT 1;"),
    ("RV104", PG, "TRUNCATE users;", "DELETE FROM users WHERE id = 1;"),
    ("RV105", PG, "DELETE FROM users;", "DELETE FROM users WHERE created < '2020-01-01';"),
    ("RV105", PG, "UPDATE users SET a = 1;", "UPDATE users SET a = 1 WHERE id < 1000;"),
    ("RV106", PG, "ALTER TABLE users ALTER COLUMN name TYPE varchar(20);", "ALTER TABLE users ALTER COLUMN name TYPE text;"),
    ("RV107", PG, "ALTER TABLE users ALTER COLUMN name DROP DEFAULT;", "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'y';"),
    ("RV201", PG, "ALTER TABLE users RENAME COLUMN a TO b;", "ALTER TABLE users ADD COLUMN b TEXT;"),
    ("RV201", PG, "ALTER TABLE users RENAME TO people;", "CREATE TABLE t (a int);\nALTER TABLE t RENAME TO t2;"),
    ("RV201", PG, "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';", "ALTER TYPE mood ADD VALUE 'blue' BEFORE 'sad';"),
    ("RV201", PG, "ALTER SCHEMA billing RENAME TO invoicing;", "CREATE SCHEMA invoicing;"),
    ("RV201", PG, "ALTER VIEW v RENAME TO v2;", "CREATE VIEW v2 AS SELECT 1;"),
    ("RV201", PG, "ALTER SEQUENCE s RENAME TO s2;", "ALTER SEQUENCE s RESTART WITH 10;"),
    ("RV201", PG, "ALTER FUNCTION f(int) RENAME TO g;", "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1';"),
    ("RV201", MY, "RENAME TABLE a TO b;", "CREATE TABLE b (id int);"),
    ("RV202", PG, "ALTER TABLE users ADD COLUMN a INT NOT NULL;", "ALTER TABLE users ADD COLUMN a INT NOT NULL DEFAULT 0;"),
    ("RV203", PG, "ALTER TABLE u ADD COLUMN b INT;\nALTER TABLE u DROP COLUMN a;", "ALTER TABLE u ADD COLUMN b INT;\nALTER TABLE u DROP COLUMN b;"),
    ("RV204", PG, "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;", "ALTER TABLE users ALTER COLUMN email SET DEFAULT '';"),
    ("RV205", PG, "ALTER TYPE mood ADD VALUE 'meh';", "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';"),
    ("RV206", PG, "ALTER TABLE users ADD COLUMN prefs json;", "ALTER TABLE users ADD COLUMN prefs jsonb;"),
    ("RV301", PG, "CREATE INDEX ix ON users (a);", "CREATE TABLE t (a INT);\nCREATE INDEX ix ON t (a);"),
    ("RV302", PG, "ALTER TABLE users ADD COLUMN at TIMESTAMP DEFAULT clock_timestamp();", "ALTER TABLE users ADD COLUMN at TIMESTAMP DEFAULT now();"),
    ("RV302", PG, "ALTER TABLE users ADD COLUMN t uuid DEFAULT gen_random_uuid();", "ALTER TABLE users ADD COLUMN c int DEFAULT 0 NOT NULL;"),
    ("RV303", PG, "ALTER TABLE users ALTER COLUMN a TYPE bigint;", "ALTER TABLE users ALTER COLUMN a TYPE text;"),
    ("RV304", PG, "ALTER TABLE users ALTER COLUMN a SET NOT NULL;", "ALTER TABLE users ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;"),
    ("RV305", PG, "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id);", "ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;"),
    ("RV305", PG, "ALTER TABLE o ADD CONSTRAINT c CHECK (total > 0);", "ALTER TABLE o ADD CONSTRAINT c CHECK (total > 0) NOT VALID;"),
    ("RV305", PG, "ALTER TABLE o ADD COLUMN u int REFERENCES users (id);", "ALTER TABLE o ADD COLUMN u int;"),
    ("RV306", PG, "VACUUM FULL users;", "ANALYZE users;"),
    ("RV306", PG, "CLUSTER users USING users_pkey;", "ANALYZE users;"),
    ("RV307", PG, "ALTER TABLE users ADD PRIMARY KEY (id);", "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;"),
    ("RV307", PG, "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);", "ALTER TABLE users ADD CONSTRAINT u UNIQUE USING INDEX users_email_idx;"),
    ("RV308", PG, "ALTER TABLE users ADD COLUMN n serial;", "CREATE TABLE t (id serial);"),
    ("RV308", PG, "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;", "ALTER TABLE users ADD COLUMN n bigint;"),
    ("RV308", PG, "ALTER TABLE users ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED;", "ALTER TABLE users ADD COLUMN g int;"),
    ("RV309", PG, "ALTER TABLE b ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);", "CREATE TABLE b2 (r int);\nALTER TABLE b2 ADD CONSTRAINT x EXCLUDE USING gist (r WITH &&);"),
    ("RV310", PG, "ALTER TABLE o ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nALTER TABLE o VALIDATE CONSTRAINT c;", "ALTER TABLE o VALIDATE CONSTRAINT c;"),
    ("RV311", MY, "ALTER TABLE users MODIFY id BIGINT;", "ALTER TABLE users MODIFY id BIGINT, ALGORITHM=INPLACE, LOCK=NONE;"),
    ("RV311", MY, "ALTER TABLE users ADD COLUMN g int AS (a * 2) STORED;", "ALTER TABLE users ADD COLUMN g int AS (a * 2) VIRTUAL;"),
    ("RV311", MY, "ALTER TABLE users DROP PRIMARY KEY;", "ALTER TABLE users DROP INDEX ix;"),
    ("RV312", MY, "ALTER TABLE users ADD PRIMARY KEY (id);", "ALTER TABLE users ADD INDEX ix (a);"),
    ("RV312", MY, "ALTER TABLE users ENGINE=InnoDB;", "ALTER TABLE users COMMENT = 'x';"),
    ("RV313", PG, "DROP INDEX ix;", "DROP INDEX CONCURRENTLY IF EXISTS ix;"),
    ("RV314", PG, "REINDEX INDEX ix;", "REINDEX INDEX CONCURRENTLY ix;"),
    ("RV315", PG, "ALTER TABLE p DETACH PARTITION c;", "ALTER TABLE p DETACH PARTITION c CONCURRENTLY;"),
    ("RV316", PG, "CREATE DOMAIN pos AS int CHECK (VALUE > 0);", "CREATE DOMAIN pos AS int;"),
    ("RV316", PG, "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0);", "ALTER DOMAIN pos ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;"),
    ("RV317", LITE, "ALTER TABLE users DROP COLUMN legacy;", "ALTER TABLE users ADD COLUMN bio text;"),
    ("RV401", PG, "CREATE INDEX CONCURRENTLY ix ON users (a);", "SELECT 1;"),
    ("RV402", MY, "CREATE TABLE x (a INT);\nINSERT INTO x VALUES (1);", "CREATE TABLE x (a INT);"),
    ("RV403", PG, "COMMIT;", "SELECT 1;"),
    ("RV404", PG, "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';\nUPDATE people SET mood = 'meh' WHERE id = 1;", "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok';"),
    ("RV601", PG, "ALTER TABLE users ADD COLUMN bio text;", "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN bio text;"),
    ("RV602", PG, "ALTER TABLE users ADD COLUMN bio text;", "SET statement_timeout = '5min';\nALTER TABLE users ADD COLUMN bio text;"),
    ("RV603", PG, "CREATE TABLE t (index_users_on_a_very_long_list_of_columns_that_goes_on_and_on_forever int);", "CREATE TABLE t (a int);"),
    ("RV604", PG, "UPDATE users SET plan = 'a', plan = 'b' WHERE id = 1;", "UPDATE users SET plan = 'a', tier = 'b' WHERE id = 1;"),
    ("RV604", PG, "INSERT INTO t (a, a) VALUES (1, 2);", "INSERT INTO t (a, b) VALUES (1, 2);"),
    ("RV701", PG, "CREATE TABLE t (id int);", "CREATE TABLE t (id bigint);"),
    ("RV702", PG, "CREATE TABLE t (id serial);", "CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY);"),
    ("RV703", PG, "CREATE TABLE t (name varchar(100));", "CREATE TABLE t (name text);"),
    ("RV704", PG, "CREATE TABLE t (at timestamp);", "CREATE TABLE t (at timestamptz);"),
    ("RV705", PG, "CREATE TABLE t (doc json);", "CREATE TABLE t (doc jsonb);"),
];

#[test]
fn each_rule_fires_on_its_case_and_not_on_the_safe_one() {
    for (code, dialect, bad, good) in CASES {
        let b = codes_with(all_rules(*dialect, None), "", bad, Some("SELECT 1;"));
        assert!(b.contains(code), "{code} on {bad}: {b:?}");
        let g = codes_with(all_rules(*dialect, None), "", good, Some("DROP TABLE t;"));
        assert!(!g.contains(code), "{code} on {good}: {g:?}");
    }
}

#[test]
fn every_rule_has_a_case_and_its_readme_example_raises_it() {
    for r in RULES {
        // RV405 needs a `transactional: false` revision: its own test.
        let covered = CASES.iter().any(|c| c.0 == r.code)
            || ["RV001", "RV405", "RV501", "RV502"].contains(&r.code);
        assert!(covered, "{} has no case", r.code);
        if r.example.starts_with('(') || r.code == "RV001" || r.code == "RV502" {
            continue;
        }
        let dialect = match r.code {
            "RV311" | "RV312" | "RV402" => MY,
            "RV317" => LITE,
            _ => PG,
        };
        let header = if r.code == "RV405" {
            "-- transactional: false\n"
        } else {
            ""
        };
        let got = codes_with(
            all_rules(dialect, None),
            header,
            r.example,
            Some("SELECT 1;"),
        );
        assert!(
            got.contains(&r.code),
            "{}: {} -> {got:?}",
            r.code,
            r.example
        );
    }
}

#[test]
fn style_rules_are_opt_in_and_config_turns_rules_off_and_relevels_them() {
    assert!(!run("CREATE TABLE t (id int);", Some("DROP TABLE t;"), PG).contains(&"RV701"));
    let config = LintConfig {
        enable: vec!["style".into()],
        disable: vec!["RV601".into()],
        severity: [("RV301".to_owned(), Severity::Error)].into(),
        server_version: None,
    };
    config.validate().unwrap();
    let settings = Settings {
        config,
        ..Settings::for_dialect(PG)
    };
    let f = Linter::new(settings).revision(
        "r1.sql",
        &revision(
            "",
            "CREATE TABLE t (id int);\nCREATE INDEX ix ON users (a);",
            Some("DROP TABLE t;"),
        ),
        false,
    );
    let code = |c: &str| f.iter().find(|x| x.code == c);
    assert!(code("RV701").is_some(), "{f:#?}");
    assert!(code("RV601").is_none(), "{f:#?}");
    assert_eq!(code("RV301").unwrap().severity, Severity::Error);
    let bad = LintConfig {
        disable: vec!["RV999".into()],
        ..LintConfig::default()
    };
    assert!(bad.validate().unwrap_err().contains("RV999"));
}

#[test]
fn version_dependent_rules_follow_the_server_version() {
    let add_value = "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';";
    // Fine in a transaction since PostgreSQL 12 (a known false alarm).
    assert!(
        !codes_with(all_rules(PG, Some("12")), "", add_value, Some("SELECT 1;")).contains(&"RV401")
    );
    assert!(codes_with(
        all_rules(PG, Some("11.9")),
        "",
        add_value,
        Some("SELECT 1;")
    )
    .contains(&"RV401"));
    // Fast defaults since PostgreSQL 11.
    let constant = "ALTER TABLE users ADD COLUMN plan text DEFAULT 'free';";
    assert!(
        !codes_with(all_rules(PG, Some("11")), "", constant, Some("SELECT 1;")).contains(&"RV302")
    );
    assert!(
        codes_with(all_rules(PG, Some("10")), "", constant, Some("SELECT 1;")).contains(&"RV302")
    );
    // MySQL: ADD COLUMN ... FIRST is instant from 8.0.29, a rebuild before.
    let first = "ALTER TABLE users ADD COLUMN a int FIRST;";
    assert!(
        !codes_with(all_rules(MY, Some("8.0.29")), "", first, Some("SELECT 1;")).contains(&"RV312")
    );
    assert!(
        codes_with(all_rules(MY, Some("8.0.20")), "", first, Some("SELECT 1;")).contains(&"RV312")
    );
    assert!(!codes_with(
        all_rules(MY, Some("10.11.6-MariaDB")),
        "",
        first,
        Some("SELECT 1;")
    )
    .contains(&"RV312"));
}

#[test]
fn type_changes_use_the_type_earlier_revisions_gave_the_column() {
    let create = "CREATE TABLE users (name varchar(20), n int);";
    // Binary-coercible: no rewrite, no narrowing (known false alarms).
    let wider = after(
        create,
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(40);",
        PG,
        None,
    );
    assert!(
        !wider.contains(&"RV303") && !wider.contains(&"RV106"),
        "{wider:?}"
    );
    let text = after(
        create,
        "ALTER TABLE users ALTER COLUMN name TYPE text;",
        PG,
        None,
    );
    assert!(!text.contains(&"RV303"), "{text:?}");
    let shorter = after(
        create,
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(10);",
        PG,
        None,
    );
    assert!(
        shorter.contains(&"RV303") && shorter.contains(&"RV106"),
        "{shorter:?}"
    );
    let bigint = after(
        create,
        "ALTER TABLE users ALTER COLUMN n TYPE bigint;",
        PG,
        None,
    );
    assert!(
        bigint.contains(&"RV303") && !bigint.contains(&"RV106"),
        "{bigint:?}"
    );
    // MariaDB: widening a VARCHAR is instant; narrowing copies.
    let maria = Some("10.11");
    assert!(!after(
        create,
        "ALTER TABLE users MODIFY name varchar(40);",
        MY,
        maria
    )
    .contains(&"RV311"));
    assert!(after(
        create,
        "ALTER TABLE users MODIFY name varchar(10);",
        MY,
        maria
    )
    .contains(&"RV311"));
}

#[test]
fn a_validated_not_null_check_makes_set_not_null_cheap_on_12() {
    let check = "ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;";
    let mut l = Linter::new(all_rules(PG, Some("12")));
    l.revision("r0.sql", &revision("", check, Some("SELECT 1;")), false);
    l.revision(
        "r1.sql",
        &revision(
            "",
            "ALTER TABLE users VALIDATE CONSTRAINT email_nn;",
            Some("SELECT 1;"),
        ),
        false,
    );
    let f = l.revision(
        "r2.sql",
        &revision(
            "",
            "ALTER TABLE users ALTER COLUMN email SET NOT NULL;",
            Some("SELECT 1;"),
        ),
        false,
    );
    assert!(!f.iter().any(|f| f.code == "RV304"), "{f:#?}");
}

#[test]
fn non_transactional_steps_must_be_rerunnable() {
    let header = "-- transactional: false\n";
    let two = "CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t (a);\nCREATE INDEX CONCURRENTLY b ON t (b);";
    assert!(run_header(header, two, Some("SELECT 1;"), PG).contains(&"RV405"));
    let guarded =
        "DROP INDEX CONCURRENTLY IF EXISTS a;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t (a);";
    let g = run_header(header, guarded, Some("SELECT 1;"), PG);
    assert!(!g.contains(&"RV405") && !g.contains(&"RV401"), "{g:?}");
}

#[test]
fn syntax_errors_are_findings_at_their_line() {
    let rev = revision(
        "",
        "SELECT 1;\n\nCREATE TABLE t (\n  id int\n  name text\n);",
        Some("SELECT 1;"),
    );
    let f = Linter::new(Settings::for_dialect(PG)).revision("r1.sql", &rev, false);
    let e = f
        .iter()
        .find(|f| f.code == "RV002")
        .expect("a syntax finding");
    assert_eq!(e.severity, Severity::Error);
    // Line 1 is the header, 2 the marker; `name text` is on line 7.
    assert_eq!(e.line, 7, "{e:#?}");
    assert!(e.message.contains("expected"), "{}", e.message);
    assert!(!e.message.contains("sql parser error"), "{}", e.message);
}

#[test]
fn mysql_rules() {
    assert!(!run("CREATE INDEX ix ON users (a);", Some("SELECT 1;"), MY).contains(&"RV301"));
    assert!(run(
        "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);",
        Some("SELECT 1;"),
        MY
    )
    .contains(&"RV311"));
    assert!(!run("SET foreign_key_checks = 0;\nALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);", Some("SELECT 1;"), MY).contains(&"RV311"));
    // New tables have no rows to copy.
    assert!(!run(
        "CREATE TABLE t (a int);\nALTER TABLE t MODIFY a bigint;",
        Some("DROP TABLE t;"),
        MY
    )
    .contains(&"RV311"));
}

#[test]
fn irreversibility_and_expand_contract() {
    assert!(run("SELECT 1;", None, PG).contains(&"RV501"));
    assert!(run("CREATE TABLE t (a INT);", Some("SELECT 1;"), PG).contains(&"RV502"));
    assert!(!run("CREATE TABLE t (a INT);", Some("DROP TABLE t;"), PG).contains(&"RV502"));
    assert!(!run(
        "CREATE TABLE scratch (a INT);\nINSERT INTO scratch VALUES (1);\nDROP TABLE scratch;",
        Some("SELECT 1;"),
        PG
    )
    .contains(&"RV502"));
    assert!(!run("SELECT 1;", Some("SELECT 1;"), PG).contains(&"RV501"));
}

#[test]
fn suppressions_need_a_reason() {
    let with = run(
        "-- revisor:allow RV101,RV601,RV602 the table moved to the archive DB\nDROP TABLE users;",
        Some("SELECT 1;"),
        PG,
    );
    assert!(with.is_empty(), "{with:?}");
    let bare = run(
        "-- revisor:allow RV101\nDROP TABLE users;",
        Some("SELECT 1;"),
        PG,
    );
    assert!(
        bare.contains(&"RV001") && !bare.contains(&"RV101"),
        "{bare:?}"
    );
    let header = run_header(
        "-- lint_allow: RV501 merge revision\n",
        "SELECT 1;",
        None,
        PG,
    );
    assert!(header.is_empty(), "{header:?}");
}

#[test]
fn live_row_estimates_raise_or_clear_locking_findings() {
    let text = "-- revision: r1\n-- migrate:up\nCREATE INDEX ix_big ON big (a);\nCREATE INDEX ix_empty ON empty (a);\nCREATE INDEX ix_mid ON mid (a);\n-- migrate:down\nSELECT 1;\n";
    let rev = Revision::parse("r1.sql", text).unwrap();
    let mut f = lint("r1.sql", &rev, PG, &mut BTreeSet::new());
    let rows = [
        ("big".to_owned(), 2_000_000),
        ("empty".to_owned(), 0),
        ("mid".to_owned(), 500),
    ]
    .into();
    weigh(&mut f, &rows, LARGE_TABLE_ROWS);
    let by_table = |t: &str| {
        f.iter()
            .find(|x| x.code == "RV301" && x.table.as_deref() == Some(t))
            .unwrap()
    };
    assert_eq!(by_table("big").severity, Severity::Error);
    assert!(by_table("big").message.contains("about 2000000 rows"));
    assert!(by_table("empty").message.starts_with("harmless now"));
    assert_eq!(by_table("mid").severity, Severity::Warning);
}

#[test]
fn findings_point_at_the_statement_line() {
    let text = "-- revision: r1\n-- migrate:up\nSELECT 1;\n\n-- why\nDROP TABLE users;\n-- migrate:down\nSELECT 1;\n";
    let rev = Revision::parse("r1.sql", text).unwrap();
    let f = lint("r1.sql", &rev, PG, &mut BTreeSet::new());
    let drop = f.iter().find(|f| f.code == "RV101").unwrap();
    assert_eq!(
        (drop.line, drop.statement.as_str()),
        (6, "DROP TABLE users")
    );
}

#[test]
fn operations_that_rebuild_a_sqlite_table_are_found_at_their_line() {
    let text = "revision: a\nupgrade:\n  - add_column: {table: t, column: {name: c, type: text}}\n  - drop_column: {table: t, column: b}\n";
    let rev = Revision::parse("0002_a.yaml", text).unwrap();
    let f = Linter::new(Settings::for_dialect(LITE)).revision("0002_a.yaml", &rev, false);
    let rebuild: Vec<usize> = f
        .iter()
        .filter(|f| f.code == "RV317")
        .map(|f| f.line)
        .collect();
    assert_eq!(rebuild, [4], "{f:#?}");
}
