//! The built binary as a user runs it, and paths in the repository.

#![allow(dead_code)]

use std::borrow::Borrow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `revisor` binary, with no `REVISOR_*` or `DATABASE_URL` variable
/// of the test's own environment (a test sets what it means to).
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_revisor"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("REVISOR_") || k == "DATABASE_URL")
    {
        cmd.env_remove(k);
    }
    cmd
}

/// Standard output and standard error, one after the other.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Standard output of a run that must have succeeded (else the test
/// fails showing both streams).
pub fn ok(o: impl Borrow<Output>) -> String {
    let o = o.borrow();
    assert!(o.status.success(), "{}", text(o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `path` in the repository (relative to its top level).
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// A new, empty directory under the system's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "revisor-{name}-{}-{}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A database client tool (`pg_dump`, `mariadb-dump`, `sqlite3`): the
/// newest installed PostgreSQL's own for its tools, else the first of
/// `names` on the PATH.
pub fn client_tool(names: &[&str]) -> String {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|d| names.iter().map(move |n| d.path().join("bin").join(n)))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    if let Some(p) = versions.pop() {
        return p.display().to_string();
    }
    names
        .iter()
        .find(|n| Command::new(n).arg("--version").output().is_ok())
        .unwrap_or_else(|| panic!("none of {names:?} is installed (.ci/run installs them)"))
        .to_string()
}
