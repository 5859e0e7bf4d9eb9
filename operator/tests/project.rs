//! Alembic's project commands on the built binary: init and its templates,
//! revisor.toml, merge, show, branches, log, edit, --splice, --verbose and
//! completion, with the bad input each must refuse (exit 2, naming it).

mod support;

use revisor::db::Dialect;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::cli::{bin, ok, text};
use support::crd_check::api_server_errors;
use support::databases::{fresh, server};

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "revisor-project-{name}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ))
}

/// The binary in `dir`, with no REVISOR_* variables from the test's own environment.
fn revisor(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = bin();
    cmd.current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn refused(o: Output, says: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(says),
        "expected `{says}` in: {}",
        text(&o)
    );
}

/// init, then revision --autogenerate, then upgrade head, as `init` prints.
async fn template_works(template: &str, env: &[(&str, &str)]) {
    let dir = tmp(template);
    let out = ok(revisor(
        Path::new("/"),
        &["init", dir.to_str().unwrap(), "--template", template],
        &[],
    ));
    assert!(
        out.contains("revisor upgrade head") || out.contains("kubectl kustomize"),
        "{out}"
    );
    // From a subdirectory too: revisor.toml is found in a parent.
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    ok(revisor(
        &dir.join("sub"),
        &["revision", "--autogenerate", "-m", "create users"],
        env,
    ));
    ok(revisor(&dir, &["upgrade", "head"], env));
    let clean = ok(revisor(&dir, &["check"], env));
    assert!(clean.contains("No new upgrade operations"), "{clean}");
}

#[tokio::test]
async fn the_sqlite_template_works_as_printed() {
    template_works("sqlite", &[]).await;
}

#[tokio::test]
async fn the_postgres_template_works_as_printed() {
    let url = fresh(Dialect::Postgres).await;
    let dev = server(Dialect::Postgres).unwrap();
    template_works(
        "postgres",
        &[("DATABASE_URL", &url), ("REVISOR_DEV_DATABASE_URL", &dev)],
    )
    .await;
}

#[tokio::test]
async fn the_mysql_template_works_as_printed() {
    let url = fresh(Dialect::MySql).await;
    let dev = server(Dialect::MySql).unwrap();
    template_works(
        "mysql",
        &[("DATABASE_URL", &url), ("REVISOR_DEV_DATABASE_URL", &dev)],
    )
    .await;
}

#[test]
fn the_gitops_template_builds_with_kustomize_and_its_databaseschema_validates() {
    let dir = tmp("gitops");
    ok(revisor(
        Path::new("/"),
        &["init", dir.to_str().unwrap(), "--template", "gitops"],
        &[],
    ));
    let built = Command::new("kubectl")
        .args(["kustomize", dir.to_str().unwrap()])
        .output()
        .expect("kubectl is needed to build kustomize output");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let docs: Vec<serde_json::Value> = serde_yaml::Deserializer::from_slice(&built.stdout)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let schema = docs
        .iter()
        .find(|d| d["kind"] == "DatabaseSchema")
        .expect("a DatabaseSchema");
    assert_eq!(api_server_errors(schema), Vec::<String>::new());
    let cm = docs
        .iter()
        .find(|d| d["kind"] == "ConfigMap")
        .expect("the migrations ConfigMap");
    assert_eq!(
        cm["metadata"]["name"],
        schema["spec"]["migrations"]["configMapRef"]["name"]
    );
    // The files it ships are a valid set.
    ok(revisor(&dir, &["validate"], &[]));
}

#[test]
fn init_refuses_an_unknown_template_and_a_non_empty_directory() {
    let dir = tmp("refuse");
    refused(
        revisor(
            Path::new("/"),
            &["init", dir.to_str().unwrap(), "--template", "nope"],
            &[],
        ),
        "unknown template `nope`",
    );
    ok(revisor(
        Path::new("/"),
        &["init", dir.to_str().unwrap()],
        &[],
    ));
    refused(
        revisor(Path::new("/"), &["init", dir.to_str().unwrap()], &[]),
        "is not empty",
    );
    ok(revisor(
        Path::new("/"),
        &["init", dir.to_str().unwrap(), "--force"],
        &[],
    ));
    let listed = ok(revisor(Path::new("/"), &["list-templates"], &[]));
    for t in ["sqlite", "postgres", "mysql", "gitops"] {
        assert!(listed.contains(t), "{listed}");
    }
}

#[test]
fn revisor_toml_sets_defaults_below_environment_and_flags_and_refuses_unknown_keys() {
    let dir = tmp("toml");
    std::fs::create_dir_all(dir.join("db")).unwrap();
    std::fs::write(
        dir.join("db/1.sql"),
        "-- revision: a1\n-- migrate:up\nCREATE TABLE t (id INT);\n-- migrate:down\nDROP TABLE t;\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("revisor.toml"),
        "migrations = \"db\"\ndatabase_url = \"sqlite://app.db\"\nversion_table = \"from_file\"\nfile_template = \"%(slug)s-%(rev)s\"\npost_write_hooks = [\"echo hooked > {file}.hook\"]\n",
    )
    .unwrap();
    ok(revisor(&dir, &["upgrade", "head"], &[]));
    // The file's version table was used, and its database beside the file.
    assert!(dir.join("app.db").exists());
    let current = ok(revisor(&dir, &["current"], &[]));
    assert!(current.contains("a1"), "{current}");
    let env_wins = ok(revisor(
        &dir,
        &["current"],
        &[("REVISOR_VERSION_TABLE", "from_env")],
    ));
    assert!(env_wins.contains("base (nothing applied)"), "{env_wins}");
    let flag_wins = ok(revisor(
        &dir,
        &["current", "--version-table", "from_file"],
        &[("REVISOR_VERSION_TABLE", "from_env")],
    ));
    assert!(flag_wins.contains("a1"), "{flag_wins}");
    // file_template and post_write_hooks shape new files.
    let path = ok(revisor(
        &dir,
        &["revision", "-m", "add things", "--rev-id", "b2"],
        &[],
    ));
    assert!(path.trim_end().ends_with("db/add_things-b2.sql"), "{path}");
    assert!(
        dir.join("db/add_things-b2.sql.hook").exists(),
        "the post-write hook ran"
    );
    // An unknown key names the file and the line.
    std::fs::write(
        dir.join("revisor.toml"),
        "migrations = \"db\"\n\nversion_tabel = \"x\"\n",
    )
    .unwrap();
    refused(
        revisor(&dir, &["heads"], &[]),
        "revisor.toml:3: unknown field `version_tabel`",
    );
}

/// a1 -> b2 -> c3 and a1 -> x2 (two heads), labelled branches.
fn branched() -> PathBuf {
    let dir = tmp("branched");
    let m = dir.join("migrations");
    std::fs::create_dir_all(&m).unwrap();
    for (f, t) in [
        ("1_a1.sql", "-- revision: a1\n-- message: base\n-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"),
        ("2_b2.sql", "-- revision: b2\n-- down_revision: a1\n-- branch_labels: main\n-- message: main line\n-- migrate:up\nSELECT 2;\n-- migrate:down\nSELECT 2;\n"),
        ("3_c3.sql", "-- revision: c3\n-- down_revision: b2\n-- message: more main\n-- migrate:up\nSELECT 3;\n-- migrate:down\nSELECT 3;\n"),
        ("4_x2.sql", "-- revision: x2\n-- down_revision: a1\n-- branch_labels: side\n-- message: side line\n-- migrate:up\nSELECT 4;\n-- migrate:down\nSELECT 4;\n"),
    ] {
        std::fs::write(m.join(f), t).unwrap();
    }
    dir
}

#[test]
fn merge_joins_two_heads_and_refuses_fewer() {
    let dir = branched();
    refused(
        revisor(&dir, &["merge", "c3", "-m", "one"], &[]),
        "at least two revisions",
    );
    refused(
        revisor(&dir, &["merge", "a1", "c3", "-m", "overlap"], &[]),
        "a1 is an ancestor of c3",
    );
    let path = ok(revisor(
        &dir,
        &["merge", "heads", "-m", "join", "--rev-id", "m4"],
        &[],
    ));
    let file = std::fs::read_to_string(dir.join(path.trim_end())).unwrap();
    assert!(file.contains("-- down_revision: c3, x2"), "{file}");
    assert_eq!(ok(revisor(&dir, &["heads"], &[])), "m4 (head) join\n");
}

#[test]
fn a_new_revision_on_a_non_head_needs_splice() {
    let dir = branched();
    refused(
        revisor(&dir, &["revision", "-m", "x", "--head", "b2"], &[]),
        "b2 is not a head; pass --splice",
    );
    ok(revisor(
        &dir,
        &[
            "revision", "-m", "x", "--head", "b2", "--splice", "--rev-id", "s3",
        ],
        &[],
    ));
    assert!(ok(revisor(&dir, &["branches"], &[])).contains("-> s3"));
}

#[test]
fn show_branches_and_log_describe_the_files() {
    let dir = branched();
    let shown = ok(revisor(&dir, &["show", "b2"], &[]));
    for part in [
        "Rev: b2",
        "Parent: a1",
        "Children: c3",
        "Branch labels: main",
        "Checksum: ",
        "-- migrate:up\nSELECT 2;",
        "-- migrate:down\nSELECT 2;",
    ] {
        assert!(shown.contains(part), "`{part}` in {shown}");
    }
    let branches = ok(revisor(&dir, &["branches"], &[]));
    assert!(
        branches.starts_with("<base> -> a1 (branchpoint), base\n"),
        "{branches}"
    );
    assert!(
        branches.contains("    -> a1 -> b2 (main), main line")
            && branches.contains("    -> a1 -> x2 (side) (head), side line"),
        "{branches}"
    );
    let log = ok(revisor(&dir, &["log"], &[]));
    let ids: Vec<&str> = log
        .lines()
        .map(|l| {
            l.split(" -> ")
                .nth(1)
                .unwrap()
                .split([' ', ','])
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(
        ids.last(),
        Some(&"a1"),
        "newest first, the base last: {log}"
    );
    assert!(ids.iter().position(|i| *i == "c3") < ids.iter().position(|i| *i == "b2"));
    let range = ok(revisor(&dir, &["log", "-r", "b2:c3"], &[]));
    assert_eq!(range.lines().count(), 2, "{range}");
    refused(revisor(&dir, &["log", "-r", "zz9:"], &[]), "-r zz9:");
    let json: serde_json::Value =
        serde_json::from_str(&ok(revisor(&dir, &["log", "-o", "json"], &[]))).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
}

#[test]
fn log_marks_the_current_revisions_and_heads_and_current_have_a_verbose_form() {
    let dir = branched();
    let url = format!("sqlite://{}", dir.join("app.db").display());
    let env = [("REVISOR_DATABASE_URL", url.as_str())];
    ok(revisor(&dir, &["upgrade", "c3"], &env));
    let log = ok(revisor(&dir, &["log", "--indicate-current"], &env));
    assert!(
        log.contains("b2 -> c3 (head) (current), more main"),
        "{log}"
    );
    let heads = ok(revisor(&dir, &["heads", "--verbose"], &[]));
    assert!(heads.contains("Rev: c3 (head)\nParent: b2\n"), "{heads}");
    let current = ok(revisor(&dir, &["current", "--verbose"], &env));
    assert!(
        current.contains("Rev: c3 (head)") && current.contains("more main"),
        "{current}"
    );
}

#[test]
fn edit_opens_the_revision_file_in_the_editor() {
    let dir = branched();
    let o = revisor(
        &dir,
        &["edit", "x2"],
        &[("EDITOR", "sh -c 'echo edited >> \"$0\"'")],
    );
    ok(o);
    let file = std::fs::read_to_string(dir.join("migrations/4_x2.sql")).unwrap();
    assert!(file.ends_with("edited\n"), "{file}");
}

#[test]
fn completion_scripts_name_the_commands() {
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(revisor(Path::new("/"), &["completion", shell], &[]));
        assert!(
            script.contains("revisor") && script.contains("autogenerate"),
            "{shell}"
        );
    }
}

#[test]
fn every_subcommand_help_carries_an_example() {
    let help = ok(revisor(Path::new("/"), &["--help"], &[]));
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(commands.len() > 20, "{commands:?}");
    for c in commands {
        let h = ok(revisor(Path::new("/"), &[c, "--help"], &[]));
        assert!(h.contains("Example: revisor"), "{c} --help has no example");
    }
}
