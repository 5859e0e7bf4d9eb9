//! The `revisor` binary: output, JSON shape and exit codes (0 success,
//! 2 bad input), run as a user would.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn revisor(args: &[&str]) -> Output {
    support::cli::bin()
        .args(args)
        .output()
        .expect("revisor runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs revisor with `args` and asserts exit code 2 with `reason` on stderr.
fn fails_with<S: AsRef<std::ffi::OsStr>>(args: &[S], reason: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args(args)
        .output()
        .expect("revisor runs");
    assert_eq!(o.status.code(), Some(2), "stdout: {}", stdout(&o));
    assert!(
        stderr(&o).contains(reason),
        "expected `{reason}` in: {}",
        stderr(&o)
    );
}

/// `revisor plan TARGET --dir <quickstart> --current CURRENT [extra] -o json`,
/// asserted to succeed, parsed.
fn plan_json(target: &str, current: &str, extra: &[&str]) -> serde_json::Value {
    let qs = quickstart();
    let mut args = vec![
        "plan",
        target,
        "--dir",
        &qs,
        "--current",
        current,
        "-o",
        "json",
    ];
    args.extend_from_slice(extra);
    let o = revisor(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("plan -o json prints JSON")
}

fn quickstart() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/quickstart/migrations")
        .display()
        .to_string()
}

/// A fresh temporary directory for one test.
fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("revisor-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn validate_accepts_the_quickstart_set() {
    let o = revisor(&["validate", "--dir", &quickstart()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("7 revisions, 1 heads, valid"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn validate_lists_every_problem_and_exits_2() {
    let dir = tempdir("invalid");
    write(
        &dir,
        "a.sql",
        "-- revision: a\n-- colour: red\n-- migrate:up\nSELECT 1;\n",
    );
    write(
        &dir,
        "b.sql",
        "-- revision: b\n-- down_revision: a\n-- migrate:up\nSELECT 1;\n",
    );
    write(&dir, "c.sql", "-- revision: c\nSELECT 1;\n");
    write(
        &dir,
        "d.sql",
        "-- revision: d\n-- down_revision: missing\n-- migrate:up\nSELECT 1;\n",
    );
    let o = revisor(&["validate", "--dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let expected = [
        "a.sql:2: unknown header key `colour`",
        "c.sql:2: SQL before `-- migrate:up`",
        "c.sql:1: missing `-- migrate:up` marker",
        "d.sql:2: revision d names unknown down_revision `missing`",
    ];
    for e in expected {
        assert!(err.contains(e), "missing `{e}` in: {err}");
    }
    // b's parent is a.sql, which is broken but known: no second error for it.
    assert!(!err.contains("b.sql"), "{err}");
    assert_eq!(err.lines().count(), expected.len(), "{err}");
}

#[test]
fn heads_prints_branch_heads_with_labels() {
    let o = revisor(&["heads", "--dir", &quickstart()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "0007_status_idx (head) index orders by status without blocking writes\n"
    );
}

#[test]
fn plan_json_has_exactly_the_spec_fields() {
    let v = plan_json("0006_merge", "0003_orders", &["--upgrade"]);
    let keys: std::collections::BTreeSet<&str> =
        v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["direction", "final_heads", "from_heads", "hash", "steps"]
            .into_iter()
            .collect()
    );
    assert_eq!(v["direction"], "upgrade");
    assert_eq!(v["from_heads"], serde_json::json!(["0003_orders"]));
    assert_eq!(v["final_heads"], serde_json::json!(["0006_merge"]));
    let steps: Vec<(&str, &str)> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["revision"].as_str().unwrap(),
                s["direction"].as_str().unwrap(),
            )
        })
        .collect();
    // Alembic's order: the walk from the merge takes its first parent's branch last.
    assert_eq!(
        steps,
        vec![
            ("0005_status", "up"),
            ("0004_loyalty", "up"),
            ("0006_merge", "up")
        ]
    );
    // The rows after each step: a branch point adds one, the merge collapses them.
    let rows: Vec<&serde_json::Value> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["heads_after"])
        .collect();
    assert_eq!(rows[0], &serde_json::json!(["0005_status"]));
    assert_eq!(rows[1], &serde_json::json!(["0005_status", "0004_loyalty"]));
    assert_eq!(rows[2], &serde_json::json!(["0006_merge"]));
    assert_eq!(
        v["steps"][2]["heads_removed"],
        serde_json::json!(["0004_loyalty", "0005_status"])
    );
    assert_eq!(v["hash"].as_str().unwrap().len(), 64);
}

#[test]
fn plan_from_base_accepts_empty_current_and_relative_targets() {
    let v = plan_json("+2", "", &["--upgrade"]);
    assert_eq!(v["final_heads"], serde_json::json!(["0002_products"]));
    let v = plan_json("-1", "0002_products", &["--downgrade"]);
    assert_eq!(v["direction"], "downgrade");
    assert_eq!(v["final_heads"], serde_json::json!(["0001_customers"]));
}

#[test]
fn declarative_plan_switching_branches_is_mixed() {
    let v = plan_json("fulfilment@head", "0004_loyalty", &[]);
    // fulfilment@head is the merge, which needs both branches: nothing to unapply.
    assert_eq!(v["direction"], "upgrade");
    let v = plan_json("fulfilment", "0004_loyalty", &[]);
    assert_eq!(v["direction"], "mixed");
    assert_eq!(v["steps"][0]["revision"], "0004_loyalty");
    assert_eq!(v["steps"][0]["direction"], "down");
}

#[test]
fn plan_text_output_is_readable() {
    let o = revisor(&["plan", "head", "--dir", &quickstart(), "--current", "base"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("Plan: Upgrade, 7 step(s), from [base] to [0007_status_idx]\n"),
        "{out}"
    );
    assert!(
        out.contains("    1. up   0001_customers  create customers\n"),
        "{out}"
    );
    assert!(out.contains("\nhash: "), "{out}");
}

#[test]
fn bad_targets_and_flags_exit_2_with_the_reason() {
    let qs = quickstart();
    let plan = |target: &str, current: &str| {
        vec!["plan", target, "--dir", &qs, "--current", current]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    fails_with(&plan("nope", "base"), "no such revision or branch `nope`");
    fails_with(&plan("000", "base"), "ambiguous prefix `000`");
    fails_with(&plan("+1", "base"), "only for `upgrade` and `downgrade`");
    fails_with(
        &plan("head", "0009_nope"),
        "current revision `0009_nope` is not in the migration set",
    );
    fails_with(
        &[plan("head", "base"), vec!["--bogus".into()]].concat(),
        "unexpected argument '--bogus'",
    );
    fails_with(
        &[
            plan("head", "base"),
            vec!["--upgrade".into(), "--downgrade".into()],
        ]
        .concat(),
        "cannot be used with",
    );
}

#[test]
fn downgrade_through_an_irreversible_revision_is_refused() {
    let dir = tempdir("irreversible");
    write(
        &dir,
        "1.sql",
        "-- revision: a\n-- migrate:up\nCREATE TABLE t (id int);\n",
    );
    write(&dir, "2.sql", "-- revision: b\n-- down_revision: a\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n");
    let o = revisor(&[
        "plan",
        "base",
        "--dir",
        dir.to_str().unwrap(),
        "--current",
        "b",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("irreversible revision(s) a"),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("IRREVERSIBLE"), "{}", stdout(&o));
}

#[test]
fn graph_draws_dot_and_mermaid() {
    let o = revisor(&["graph", "--dir", &quickstart(), "--format", "dot"]);
    assert_eq!(o.status.code(), Some(0));
    let dot = stdout(&o);
    assert!(dot.contains("\"0006_merge\" -> \"0004_loyalty\";"), "{dot}");
    assert!(dot.contains("\"0006_merge\" -> \"0005_status\";"), "{dot}");
    let o = revisor(&["graph", "--dir", &quickstart(), "--format", "mermaid"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("0006_merge --> 0005_status"));
}

#[test]
fn new_writes_a_revision_on_the_head_and_refuses_several_heads() {
    let dir = tempdir("new");
    let d = dir.to_str().unwrap();
    let o = revisor(&["new", "--dir", d, "-m", "Create users", "--rev-id", "a1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).trim_end().ends_with("a1_create_users.sql"));
    let text = std::fs::read_to_string(dir.join("a1_create_users.sql")).unwrap();
    assert!(
        text.starts_with("-- revision: a1\n-- down_revision: \n-- message: Create users\n"),
        "{text}"
    );
    assert!(text.contains("-- migrate:up\n") && text.contains("-- migrate:down\n"));

    let o = revisor(&["new", "--dir", d, "-m", "add email"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = PathBuf::from(stdout(&o).trim_end());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("-- down_revision: a1\n"), "{text}");

    // A revision on a non-head starts a branch: Alembic's --splice asks for it.
    let branch = [
        "new",
        "--dir",
        d,
        "-m",
        "second branch",
        "--head",
        "a1",
        "--rev-id",
        "b2",
    ];
    let o = revisor(&branch);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a1 is not a head; pass --splice"),
        "{}",
        stderr(&o)
    );
    let o = revisor(&[&branch[..], &["--splice"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = revisor(&["new", "--dir", d, "-m", "next"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("multiple heads"), "{}", stderr(&o));
    let o = revisor(&[
        "new", "--dir", d, "-m", "merge", "--head", "heads", "--rev-id", "m3",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = revisor(&["heads", "--dir", d]);
    assert_eq!(stdout(&o), "m3 (head) merge\n");
    let o = revisor(&["new", "--dir", d, "-m", "dup", "--rev-id", "m3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("duplicate revision id `m3`"),
        "{}",
        stderr(&o)
    );
}

/// Runs `revisor apply` in `dir` (where the default SQLite file goes) and
/// returns the exit code and the parsed `status`.
fn apply(dir: &Path, manifest: &str, extra: &[&str]) -> (Option<i32>, serde_yaml::Value) {
    let path = dir.join("schema.yaml");
    std::fs::write(&path, manifest).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .current_dir(dir)
        .args([
            "apply",
            "-f",
            path.to_str().unwrap(),
            "--dir",
            &quickstart(),
        ])
        .args(extra)
        .env_remove("REVISOR_DATABASE_URL")
        .output()
        .unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    (o.status.code(), doc["status"].clone())
}

fn manifest(target: &str, extra_spec: &str) -> String {
    format!(
        "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata: {{name: shop}}\nspec:\n  targetRevision: {target}\n  database: {{urlSecretRef: {{name: db, key: url}}}}\n  migrations: {{configMapRef: {{name: m}}}}\n{extra_spec}"
    )
}

#[test]
fn apply_reaches_the_target_on_an_embedded_sqlite_file_and_is_idempotent() {
    let dir = tempdir("apply");
    let (code, status) = apply(&dir, &manifest("0006_merge", ""), &[]);
    assert_eq!(code, Some(0));
    assert_eq!(status["phase"], "Ready");
    assert_eq!(status["currentRevisions"][0], "0006_merge");
    assert_eq!(status["progress"]["completed"], 6);
    assert_eq!(status["lastApplied"]["revision"], "0006_merge");
    assert!(
        dir.join("shop.db").exists(),
        "default database is <name>.db"
    );
    let (code, status) = apply(&dir, &manifest("0006_merge", ""), &[]);
    assert_eq!((code, status["phase"].as_str()), (Some(0), Some("Ready")));
    assert_eq!(status["progress"]["total"], 0);
}

#[test]
fn apply_blocks_a_downgrade_unless_allowed() {
    let dir = tempdir("apply-down");
    apply(&dir, &manifest("0006_merge", ""), &[]);
    let (code, status) = apply(&dir, &manifest("0003_orders", ""), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(status["phase"], "Blocked");
    assert_eq!(status["currentRevisions"][0], "0006_merge", "nothing ran");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("allowDowngrade"),
        "{status:?}"
    );
    let (code, status) = apply(
        &dir,
        &manifest("0003_orders", "  allowDowngrade: true\n"),
        &[],
    );
    assert_eq!(code, Some(0));
    assert_eq!(status["currentRevisions"][0], "0003_orders");
}

#[test]
fn apply_with_manual_approval_waits_for_the_plan_hash() {
    let dir = tempdir("apply-manual");
    let m = manifest("0006_merge", "  approval: Manual\n");
    let (code, status) = apply(&dir, &m, &[]);
    assert_eq!(code, Some(0));
    assert_eq!(status["phase"], "AwaitingApproval");
    let hash = status["plan"]["hash"].as_str().unwrap().to_owned();
    let (code, status) = apply(&dir, &m, &["--approve", "0000"]);
    assert_eq!(
        (code, status["phase"].as_str()),
        (Some(0), Some("AwaitingApproval")),
        "a wrong hash approves nothing"
    );
    let (code, status) = apply(&dir, &m, &["--approve", &hash]);
    assert_eq!((code, status["phase"].as_str()), (Some(0), Some("Ready")));
    assert_eq!(status["plan"]["hash"], hash.as_str());
}

#[test]
fn apply_reports_a_bad_target_as_blocked_and_needs_files_for_configmaps() {
    let dir = tempdir("apply-bad");
    let (code, status) = apply(&dir, &manifest("nope", ""), &[]);
    assert_eq!(code, Some(2));
    assert_eq!(status["phase"], "Blocked");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .contains("spec.targetRevision"),
        "{status:?}"
    );
    let path = dir.join("m.yaml");
    std::fs::write(&path, manifest("0006_merge", "")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .current_dir(&dir)
        .args(["apply", "-f", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("need a cluster; pass --dir"),
        "{}",
        stderr(&o)
    );
}

/// A three-revision chain a <- b <- c in a fresh directory, and a SQLite
/// URL beside it with revisions up to `at` applied.
fn chain_db(name: &str, at: &str) -> (PathBuf, String) {
    let dir = tempdir(name);
    let set = dir.join("m");
    std::fs::create_dir_all(&set).unwrap();
    for (id, parent) in [("a", ""), ("b", "a"), ("c", "b")] {
        write(&set, &format!("{id}.sql"), &format!("-- revision: {id}\n-- down_revision: {parent}\n-- migrate:up\nCREATE TABLE t_{id} (id INT);\n-- migrate:down\nDROP TABLE t_{id};\n"));
    }
    let url = format!("sqlite://{}", dir.join("db.sqlite").display());
    let o = revisor(&[
        "upgrade",
        at,
        "--dir",
        set.to_str().unwrap(),
        "--database",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    (set, url)
}

#[test]
fn wait_returns_once_the_revision_or_a_descendant_is_applied() {
    let (set, url) = chain_db("wait", "b");
    // a is no row, but b's history row says a is its parent: no files needed.
    let o = revisor(&["wait", "--revision", "a", "--database", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("a applied (database at [b])"),
        "{}",
        stdout(&o)
    );
    let o = revisor(&[
        "wait",
        "--revision",
        "c",
        "--timeout",
        "1",
        "--database",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("timed out after 1s waiting for c: database at [b]"),
        "{}",
        stderr(&o)
    );
    // A waiter started before the upgrade returns after it.
    let waiter = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args([
            "wait",
            "--revision",
            "c",
            "--timeout",
            "30",
            "--database",
            &url,
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let o = revisor(&[
        "upgrade",
        "c",
        "--dir",
        set.to_str().unwrap(),
        "--database",
        &url,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let waited = waiter.wait_with_output().unwrap();
    assert_eq!(waited.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&waited.stdout).contains("c applied"));
}

#[test]
fn graph_with_a_database_fills_the_applied_revisions() {
    let (set, url) = chain_db("graph-db", "b");
    let o = revisor(&["graph", "--dir", set.to_str().unwrap(), "--database", &url]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dot = stdout(&o);
    assert!(dot.contains("\"a\" [label=\"a\", style=filled"), "{dot}");
    assert!(dot.contains("\"b\" [label=\"b\", style=filled"), "{dot}");
    assert!(dot.contains("\"c\" [label=\"c\", style=bold];"), "{dot}");
}

#[test]
fn run_without_a_cluster_fails_clearly() {
    let o = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args(["run", "--metrics-addr", "127.0.0.1:0"])
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .env_remove("KUBERNETES_SERVICE_HOST")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no Kubernetes configuration"),
        "{}",
        stderr(&o)
    );
}

/// `wait` tells its log where it waits (the URL without its password),
/// and each change of the database's heads, while it waits.
#[test]
fn wait_says_where_it_waits_and_when_the_heads_change() {
    use std::io::{BufRead, BufReader};
    let (set, url) = chain_db("wait-progress", "a");
    let mut waiter = Command::new(env!("CARGO_BIN_EXE_revisor"))
        .args([
            "wait",
            "--revision",
            "c",
            "--timeout",
            "60",
            "--database",
            &url,
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(waiter.stderr.take().unwrap()).lines();
    let mut next = || lines.next().unwrap().unwrap();
    let start = next();
    assert!(
        start.starts_with("waiting for c on sqlite://")
            && start.contains("version table revisor_version"),
        "{start}"
    );
    let first = next();
    assert!(first.ends_with("database at [a]"), "{first}");
    let upgrade = |to: &str| {
        let o = revisor(&[
            "upgrade",
            to,
            "--dir",
            set.to_str().unwrap(),
            "--database",
            &url,
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    upgrade("b");
    let changed = next();
    assert!(changed.ends_with("database at [b]"), "{changed}");
    upgrade("c");
    let waited = waiter.wait_with_output().unwrap();
    assert_eq!(waited.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&waited.stdout).contains("c applied (database at [c])"));
}
