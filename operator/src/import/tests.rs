use super::*;

fn files(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect()
}

#[test]
fn flyway_versions_order_numerically_with_undo_and_settings() {
    let m = read(
        Tool::Flyway,
        &files(&[
            ("V1_10__later.sql", "SELECT 110;"),
            ("V1_9__earlier.sql", "SELECT 19;"),
            (
                "V1__init.sql",
                "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n",
            ),
            ("U1__init.sql", "DROP TABLE t;"),
            ("V1_9__earlier.sql.conf", "executeInTransaction=false\n"),
            ("README.md", "not a migration"),
        ]),
    )
    .unwrap();
    let ids: Vec<&str> = m.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["1", "1_9", "1_10"]);
    assert_eq!(
        m[0].up.trim(),
        "CREATE TABLE t (id int);",
        "the wrapper goes"
    );
    assert_eq!(m[0].down.as_deref(), Some("DROP TABLE t;"));
    assert_eq!(m[1].message, "earlier");
    assert!(!m[1].transactional && m[2].transactional);
    assert!(m[1].down.is_none(), "no undo script: irreversible");
}

#[test]
fn what_a_tool_cannot_carry_over_is_refused_naming_the_file() {
    let e = read(
        Tool::Flyway,
        &files(&[
            ("R__views.sql", "CREATE VIEW v AS SELECT 1;"),
            ("V2__x.java", ""),
        ]),
    )
    .unwrap_err();
    assert!(e
        .iter()
        .any(|x| x.file == "R__views.sql" && x.message.contains("repeatable")));
    assert!(e
        .iter()
        .any(|x| x.file == "V2__x.java" && x.message.contains("Java")));
    let e = read(Tool::Goose, &files(&[("00002_seed.go", "package m")])).unwrap_err();
    assert!(e[0].message.contains("Go migration"), "{e:?}");
    let e = read(
        Tool::GolangMigrate,
        &files(&[("1_a.up.sql", "SELECT 1;"), ("01_b.up.sql", "SELECT 2;")]),
    )
    .unwrap_err();
    assert!(e[0].message.contains("version"), "{e:?}");
}

#[test]
fn golang_migrate_sqlx_goose_and_dbmate_read_as_their_tools_do() {
    let gm = read(
        Tool::GolangMigrate,
        &files(&[
            ("20240102_add_users.up.sql", "CREATE TABLE users (id int);"),
            ("20240102_add_users.down.sql", "DROP TABLE users;"),
            ("20240103_seed.up.sql", "INSERT INTO users VALUES (1);"),
        ]),
    )
    .unwrap();
    assert_eq!(
        (gm[0].id.as_str(), gm[0].message.as_str()),
        ("20240102", "add users")
    );
    assert!(gm[0].down.is_some() && gm[1].down.is_none());
    let sqlx = read(
        Tool::Sqlx,
        &files(&[
            (
                "20240101000000_init.sql",
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);",
            ),
            ("20240102000000_more.up.sql", "SELECT 1;"),
            ("20240102000000_more.down.sql", "SELECT 2;"),
        ]),
    )
    .unwrap();
    assert!(!sqlx[0].transactional && sqlx[0].down.is_none());
    assert_eq!(sqlx[1].down.as_deref(), Some("SELECT 2;"));
    let goose = read(
        Tool::Goose,
        &files(&[(
            "00001_create.sql",
            "-- +goose NO TRANSACTION\n-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- +goose StatementEnd\n-- +goose Down\nDROP FUNCTION f();\n",
        )]),
    )
    .unwrap();
    assert_eq!(goose[0].id, "00001");
    assert!(!goose[0].transactional);
    assert!(!goose[0].up.contains("+goose") && goose[0].up.contains("$$ SELECT 1; $$"));
    assert_eq!(
        goose[0].down.as_deref().map(str::trim),
        Some("DROP FUNCTION f();")
    );
    let dbmate = read(
        Tool::Dbmate,
        &files(&[(
            "20240101120000_create_users.sql",
            "-- migrate:up transaction:false\nCREATE TABLE users (id int);\n\n-- migrate:down\n",
        )]),
    )
    .unwrap();
    assert!(!dbmate[0].transactional);
    assert_eq!(dbmate[0].down.as_deref().map(str::trim), Some(""));
}

#[test]
fn the_revisions_are_a_linear_chain_with_an_empty_down_kept_reversible() {
    let m = read(
        Tool::Dbmate,
        &files(&[
            ("1_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n"),
            ("2_b.sql", "-- migrate:up\nSELECT 2;\n"),
        ]),
    )
    .unwrap();
    let out = revision_files(Tool::Dbmate, &m);
    let graph = crate::graph::RevisionGraph::from_files(
        &out.iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(graph.ids(graph.heads().iter().copied()), ["2"]);
    let first = graph.rev(graph.index_of("1").unwrap());
    let second = graph.rev(graph.index_of("2").unwrap());
    assert!(
        first.is_reversible(),
        "an empty down script undoes nothing, on purpose"
    );
    assert!(!second.is_reversible(), "no down script: irreversible");
    assert_eq!(second.down_revisions, ["1"]);
}

#[test]
fn versions_order_part_by_part() {
    use std::cmp::Ordering::*;
    assert_eq!(version_order("1.10", "1.9"), Greater);
    assert_eq!(version_order("1", "1.0"), Equal);
    assert_eq!(version_order("2", "10"), Less);
    assert_eq!(version_order("001", "1"), Equal);
}

fn set() -> Vec<Imported> {
    read(
        Tool::Flyway,
        &files(&[
            ("V1__a.sql", "SELECT 1;"),
            ("V2__b.sql", "SELECT 2;"),
            ("V3__c.sql", "SELECT 3;"),
        ]),
    )
    .unwrap()
}

fn row(version: &str, kind: &str, ok: bool) -> TableRow {
    TableRow {
        version: Some(version.into()),
        kind: Some(kind.into()),
        ok,
    }
}

#[test]
fn adoption_reads_the_tools_table_and_refuses_what_is_not_clean() {
    let s = set();
    let rows = [row("1", "SQL", true), row("2", "SQL", true)];
    assert_eq!(
        adopted(Tool::Flyway, &rows, &s).unwrap().as_deref(),
        Some("2")
    );
    assert_eq!(adopted(Tool::Flyway, &[], &s).unwrap(), None);
    let failed = adopted(
        Tool::Flyway,
        &[row("1", "SQL", true), row("2", "SQL", false)],
        &s,
    );
    assert!(failed.unwrap_err().contains("version 2 failed"));
    let unknown = adopted(Tool::Flyway, &[row("9", "SQL", true)], &s);
    assert!(unknown.unwrap_err().contains("lacks"));
    let gap = adopted(
        Tool::Flyway,
        &[row("1", "SQL", true), row("3", "SQL", true)],
        &s,
    );
    assert!(gap.unwrap_err().contains("not the earlier 2"));
    let baseline = [row("2", "BASELINE", true), row("3", "SQL", true)];
    assert_eq!(
        adopted(Tool::Flyway, &baseline, &s).unwrap().as_deref(),
        Some("3")
    );
    let undone = [
        row("1", "SQL", true),
        row("2", "SQL", true),
        row("2", "UNDO_SQL", true),
    ];
    assert_eq!(
        adopted(Tool::Flyway, &undone, &s).unwrap().as_deref(),
        Some("1")
    );
    // golang-migrate keeps one row: its version, and whether it is dirty.
    let gm = |ok| {
        [TableRow {
            version: Some("2".into()),
            kind: None,
            ok,
        }]
    };
    assert_eq!(
        adopted(Tool::GolangMigrate, &gm(true), &s)
            .unwrap()
            .as_deref(),
        Some("2")
    );
    assert!(adopted(Tool::GolangMigrate, &gm(false), &s).is_err());
    // goose: rows in order, `is_applied = false` a down step.
    let goose = [
        row("0", "", true),
        row("1", "", true),
        row("2", "", true),
        row("2", "", false),
    ];
    assert_eq!(
        adopted(Tool::Goose, &goose, &s).unwrap().as_deref(),
        Some("1")
    );
}
