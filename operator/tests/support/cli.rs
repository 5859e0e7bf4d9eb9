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
