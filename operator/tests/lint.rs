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
    // The bare suppression is a finding and suppresses nothing else it
    // names; the missing timeouts are warnings of their own.
    assert!(
        codes.contains(&"RV001") && !codes.contains(&"RV101"),
        "{codes:?}"
    );
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

/// The README's rules table, rendered from `revisor::lint::RULES`.
fn rules_table() -> String {
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut t = String::from(
        "| code | severity | category | finds | example | instead | squawk | strong_migrations |\n|---|---|---|---|---|---|---|---|\n",
    );
    for r in revisor::lint::RULES {
        let severity = match r.severity {
            revisor::lint::Severity::Error => "error",
            revisor::lint::Severity::Warning => "warning",
        };
        let category = if r.default_on {
            r.category.name().to_owned()
        } else {
            format!("{} (opt-in)", r.category.name())
        };
        let example = if r.example.starts_with('(') {
            cell(r.example)
        } else {
            format!("`{}`", cell(r.example))
        };
        t.push_str(&format!(
            "| `{}` | {severity} | {category} | {} | {example} | {} | {} | {} |\n",
            r.code,
            cell(r.what),
            cell(r.instead),
            cell(r.squawk),
            cell(r.strong_migrations),
        ));
    }
    t
}

#[test]
fn the_readme_rules_table_is_the_rules_list() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let (start, end) = ("<!-- rules:start -->\n", "<!-- rules:end -->");
    let from = readme.find(start).expect("README has the rules markers") + start.len();
    let to = readme.find(end).unwrap();
    let want = rules_table();
    if readme[from..to] != want && std::env::var_os("REVISOR_BLESS_README").is_some() {
        std::fs::write(&path, format!("{}{want}{}", &readme[..from], &readme[to..])).unwrap();
        return;
    }
    assert!(
        readme[from..to] == want,
        "the README's rules table differs from RULES; rerun with REVISOR_BLESS_README=1 to rewrite it"
    );
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

#[test]
fn a_syntax_error_is_an_error_finding_with_its_line() {
    let dir = set(&[
        BASE,
        ("2.sql", "-- revision: b2\n-- down_revision: a1\n-- migrate:up\nCREATE TABLE orders (\n  id int\n  total int\n);\n-- migrate:down\nDROP TABLE orders;\n"),
    ]);
    let o = lint(&dir, &["-o", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "RV002")
        .expect("RV002");
    assert_eq!(f["line"], 6, "{f}");
    assert_eq!(f["severity"], "error");
}

#[test]
fn server_version_and_the_project_file_decide_version_rules_and_levels() {
    let dir = set(&[
        BASE,
        ("2.sql", "-- revision: b2\n-- down_revision: a1\n-- migrate:up\nALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';\n-- migrate:down\nSELECT 1;\n"),
    ]);
    let codes = |args: &[&str]| -> Vec<String> {
        let o = lint(&dir, &[&["-o", "json"], args].concat());
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}:{}",
                    f["code"].as_str().unwrap(),
                    f["severity"].as_str().unwrap()
                )
            })
            .collect()
    };
    // ADD VALUE runs in a transaction since PostgreSQL 12.
    assert!(!codes(&["--server-version", "15"])
        .iter()
        .any(|c| c.starts_with("RV401")));
    assert!(codes(&["--server-version", "11"]).contains(&"RV401:error".to_owned()));
    // [lint]: the version, a disabled rule, a severity.
    std::fs::write(
        dir.join("revisor.toml"),
        "migrations = \"migrations\"\n[lint]\nserver_version = \"11\"\ndisable = [\"RV401\"]\nenable = [\"style\"]\n[lint.severity]\nRV701 = \"error\"\n",
    )
    .unwrap();
    let c = codes(&[]);
    assert!(!c.iter().any(|c| c.starts_with("RV401")), "{c:?}");
    assert!(
        c.iter().any(|c| c == "RV701:error"),
        "style enabled, re-levelled: {c:?}"
    );
    let with_version = codes(&["--server-version", "15"]);
    assert!(!with_version.iter().any(|c| c.starts_with("RV401")));
    // An unknown code in the file is an error naming it.
    std::fs::write(dir.join("revisor.toml"), "[lint]\ndisable = [\"RV999\"]\n").unwrap();
    let o = lint(&dir, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("RV999"));
}
