//! `revisor lint` on the built binary: scopes, exit codes, suppression, and
//! the GitHub annotations parsed back.

mod support;

use revisor::db::{Backend, Database, Dialect};
use revisor::with_backend;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn set(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "revisor-lint-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    for (n, t) in files {
        std::fs::write(dir.join("migrations").join(n), t).unwrap();
    }
    dir
}

fn lint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_revisor"))
        .current_dir(dir)
        .arg("lint")
        .args(args)
        .env_remove("REVISOR_DATABASE_URL")
        .env_remove("REVISOR_DIALECT")
        .output()
        .unwrap()
}

const BASE: (&str, &str) = ("1.sql", "-- revision: a1\n-- migrate:up\nCREATE TABLE users (id INT PRIMARY KEY, email TEXT);\n-- migrate:down\nDROP TABLE users;\n");

#[test]
fn github_annotations_name_file_line_and_code_and_errors_exit_1() {
    let dir = set(&[
        BASE,
        ("2.sql", "-- revision: b2\n-- down_revision: a1\n-- migrate:up\nALTER TABLE users ADD COLUMN name TEXT;\n\nDROP TABLE users;\n-- migrate:down\nSELECT 1;\n"),
    ]);
    let o = lint(&dir, &["-o", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    // ::error file=...,line=...,title=...::message
    let parsed: Vec<(String, String, String, String)> = out
        .lines()
        .map(|l| {
            let (head, message) = l.trim_start_matches("::").split_once("::").unwrap();
            let (level, props) = head.split_once(' ').unwrap();
            let get = |k: &str| {
                props
                    .split(',')
                    .find_map(|p| p.strip_prefix(&format!("{k}=")))
                    .unwrap()
                    .replace("%2C", ",")
                    .replace("%3A", ":")
            };
            (
                level.to_owned(),
                get("file"),
                get("line"),
                format!("{} | {message}", get("title")),
            )
        })
        .collect();
    assert!(
        parsed
            .iter()
            .any(|(level, file, line, msg)| level == "error"
                && file == "migrations/2.sql"
                && line == "6"
                && msg.starts_with("RV101 b2 | DROP TABLE users")),
        "{out}"
    );
}

#[test]
fn suppressions_with_a_reason_silence_and_without_one_are_findings() {
    let ok = set(&[
        BASE,
        ("2.sql", "-- revision: b2\n-- down_revision: a1\n-- lint_allow: RV501 the archive is kept elsewhere\n-- migrate:up\n-- revisor:allow RV101 moved to the archive database\nDROP TABLE users;\n"),
    ]);
    let o = lint(&ok, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let bare = set(&[
        BASE,
        ("2.sql", "-- revision: b2\n-- down_revision: a1\n-- migrate:up\n-- revisor:allow RV101\nDROP TABLE users;\n-- migrate:down\nSELECT 1;\n"),
    ]);
    let o = lint(&bare, &["-o", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["RV001"]);
}

#[test]
fn a_plan_scope_lints_only_what_it_applies_and_new_tables_are_not_locking_risks() {
    let dir = set(&[
        BASE,
        ("2.sql", "-- revision: b2\n-- down_revision: a1\n-- migrate:up\nCREATE INDEX ix_users_email ON users (email);\n-- migrate:down\nDROP INDEX ix_users_email;\n"),
    ]);
    // On its own, b2 indexes a table an earlier revision made: a locking risk.
    let all = String::from_utf8(lint(&dir, &["-o", "json"]).stdout).unwrap();
    assert!(all.contains("RV301"), "{all}");
    // In one plan from base, users is new: nothing to lock.
    let plan = lint(&dir, &["--current", "base", "-o", "json"]);
    assert_eq!(String::from_utf8(plan.stdout).unwrap().trim(), "[]");
    // --since a1 lints b2 alone.
    let since = String::from_utf8(lint(&dir, &["--since", "a1", "-o", "json"]).stdout).unwrap();
    assert!(
        since.contains("RV301") && !since.contains("\"a1\""),
        "{since}"
    );
    // MySQL has no such rule.
    let mysql =
        String::from_utf8(lint(&dir, &["--dialect", "mysql", "-o", "json"]).stdout).unwrap();
    assert!(!mysql.contains("RV301"), "{mysql}");
}

#[test]
fn the_readme_lists_every_finding_code() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    for r in revisor::lint::RULES {
        assert!(
            readme.contains(&format!("| `{}` |", r.code)),
            "README lacks {}",
            r.code
        );
    }
}

#[tokio::test]
async fn live_risk_raises_a_locking_finding_on_a_large_table_and_clears_it_on_an_empty_one() {
    let url = support::databases::fresh(Dialect::Postgres).await;
    let mut db = Database::connect(&url).await.unwrap();
    for sql in [
        "CREATE TABLE big (a INT)",
        "INSERT INTO big SELECT generate_series(1, 2000000)",
        "CREATE TABLE empty (a INT)",
        "ANALYZE big",
        "ANALYZE empty",
    ] {
        with_backend!(&mut db, |b| b.execute(sql).await).unwrap();
    }
    let dir = set(&[(
        "1.sql",
        "-- revision: r1\n-- migrate:up\nCREATE INDEX ix_big ON big (a);\nCREATE INDEX ix_empty ON empty (a);\n-- migrate:down\nDROP INDEX ix_big;\nDROP INDEX ix_empty;\n",
    )]);
    // Without the database both are warnings: exit 0.
    assert_eq!(lint(&dir, &[]).status.code(), Some(0));
    let o = lint(&dir, &["--database", &url, "-o", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "the large table makes it an error"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let of = |t: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|f| f["table"] == t)
            .unwrap_or_else(|| panic!("no finding on {t}: {v}"))
            .clone()
    };
    let big = of("big");
    assert_eq!(
        (big["code"].as_str(), big["severity"].as_str()),
        (Some("RV301"), Some("error"))
    );
    assert!(big["message"].as_str().unwrap().contains("rows)"), "{big}");
    let empty = of("empty");
    assert_eq!(empty["severity"], "warning");
    assert!(
        empty["message"]
            .as_str()
            .unwrap()
            .starts_with("harmless now: table empty is empty"),
        "{empty}"
    );
    // A higher threshold keeps the big table a warning.
    let o = lint(&dir, &["--database", &url, "--large-table-rows", "5000000"]);
    assert_eq!(o.status.code(), Some(0));
}
