//! Alembic's project commands over the revision files: `show`, `branches`,
//! `log` (Alembic's `history`; Revisor's `history` is the database's audit
//! log), `merge` and `edit`.

use super::{runtime, CliError, Output};
use crate::graph::{RevIdx, RevisionGraph};
use std::io::Write;
use std::path::Path;

/// Revisions newest first: every revision before its parents and
/// dependencies, ties in reverse load order (as `alembic history`).
pub fn newest_first(g: &RevisionGraph) -> Vec<RevIdx> {
    let n = g.len();
    let mut remaining: Vec<usize> = (0..n).map(|i| g.all_children(i).len()).collect();
    let mut ready: Vec<RevIdx> = (0..n).filter(|&i| remaining[i] == 0).collect();
    let mut out = Vec::with_capacity(n);
    while let Some(i) = ready.iter().copied().max() {
        ready.retain(|&r| r != i);
        out.push(i);
        for &p in g.parents(i).iter().chain(g.dependencies(i)) {
            remaining[p] -= 1;
            if remaining[p] == 0 {
                ready.push(p);
            }
        }
    }
    out
}

fn describe(g: &RevisionGraph, i: RevIdx, current: &[String]) -> String {
    let r = g.rev(i);
    let parents = if r.down_revisions.is_empty() {
        "<base>".to_owned()
    } else {
        r.down_revisions.join(", ")
    };
    let mut marks = Vec::new();
    if !r.branch_labels.is_empty() {
        marks.push(format!("({})", r.branch_labels.join(", ")));
    }
    if g.heads().contains(&i) {
        marks.push("(head)".into());
    }
    if g.children(i).len() > 1 {
        marks.push("(branchpoint)".into());
    }
    if r.down_revisions.len() > 1 {
        marks.push("(mergepoint)".into());
    }
    if current.contains(&r.id) {
        marks.push("(current)".into());
    }
    let marks = if marks.is_empty() {
        String::new()
    } else {
        format!(" {}", marks.join(" "))
    };
    format!("{parents} -> {}{marks}, {}", r.id, r.message)
}

/// `log [-r FROM:TO] [--indicate-current]`: the revision files newest first;
/// `FROM:TO` keeps those that descend from FROM (inclusive) and lead to TO
/// (inclusive); either side may be empty (base, heads).
pub fn log(
    g: &RevisionGraph,
    range: Option<&str>,
    current: &[String],
    output: Output,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let mut keep: Vec<bool> = vec![true; g.len()];
    if let Some(r) = range {
        let (from, to) = r
            .split_once(':')
            .ok_or_else(|| CliError::Input(format!("-r {r}: use FROM:TO (either may be empty)")))?;
        let resolve = |s: &str| -> Result<Vec<RevIdx>, CliError> {
            g.resolve_targets(s)
                .map_err(|e| CliError::Input(format!("-r {r}: {e}")))
        };
        if !from.is_empty() {
            let d = g.descendants(resolve(from)?, true);
            for (i, k) in keep.iter_mut().enumerate() {
                *k &= d.contains(i);
            }
        }
        if !to.is_empty() {
            let a = g.ancestors(resolve(to)?, true);
            for (i, k) in keep.iter_mut().enumerate() {
                *k &= a.contains(i);
            }
        }
    }
    let order: Vec<RevIdx> = newest_first(g).into_iter().filter(|&i| keep[i]).collect();
    match output {
        Output::Text => {
            for i in order {
                writeln!(out, "{}", describe(g, i, current)).map_err(runtime)?;
            }
            Ok(())
        }
        Output::Json => {
            let v: Vec<serde_json::Value> = order
                .iter()
                .map(|&i| {
                    let r = g.rev(i);
                    serde_json::json!({
                        "revision": r.id, "down_revisions": r.down_revisions, "branch_labels": r.branch_labels,
                        "depends_on": r.depends_on, "message": r.message, "file": r.file,
                        "head": g.heads().contains(&i), "current": current.contains(&r.id),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &v)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            writeln!(out).map_err(runtime)
        }
    }
}

/// `branches`: each branch point and its children (as `alembic branches`).
pub fn branches(g: &RevisionGraph, out: &mut dyn Write) -> Result<(), CliError> {
    for i in newest_first(g).into_iter().rev() {
        let children = g.children(i);
        if children.len() > 1 {
            writeln!(out, "{}", describe(g, i, &[])).map_err(runtime)?;
            for &c in children {
                writeln!(out, "    -> {}", describe(g, c, &[])).map_err(runtime)?;
            }
        }
    }
    Ok(())
}

/// `show REV`: everything about one revision.
pub fn show(g: &RevisionGraph, dir: &Path, rev: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let targets = g
        .resolve_targets(rev)
        .map_err(|e| CliError::Input(format!("{rev}: {e}")))?;
    let [i] = targets.as_slice() else {
        return Err(CliError::Input(format!(
            "{rev}: names {} revisions; show takes one",
            targets.len()
        )));
    };
    let r = g.rev(*i);
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    let (up, down) = match &r.ops {
        // An operation revision: its operations (SQL exists per dialect only).
        Some(body) => (
            format!("upgrade:\n{}", crate::ops::to_yaml(&body.upgrade)),
            match &body.downgrade {
                Some(d) => format!(
                    "downgrade{}:\n{}",
                    if body.downgrade_written {
                        ""
                    } else {
                        " (derived)"
                    },
                    crate::ops::to_yaml(d)
                ),
                None => "downgrade: (none: irreversible)".to_owned(),
            },
        ),
        None => (
            format!("-- migrate:up\n{}", r.up_sql.trim_end()),
            format!(
                "-- migrate:down\n{}",
                r.down_sql
                    .as_deref()
                    .map_or("(none: irreversible)", str::trim_end)
            ),
        ),
    };
    let text = format!(
        "Rev: {}{}\nParent: {}\nChildren: {}\nBranch labels: {}\nDepends on: {}\nTransactional: {}\nChecksum: {}\nPath: {}\n\n    {}\n\n{}\n{}",
        r.id,
        if g.heads().contains(i) { " (head)" } else { "" },
        list(r.down_revisions.clone()),
        list(g.ids(g.children(*i).iter().copied())),
        list(r.branch_labels.clone()),
        list(r.depends_on.clone()),
        r.transactional,
        r.checksum,
        dir.join(&r.file).display(),
        r.message,
        up.trim_end(),
        down.trim_end(),
    );
    writeln!(out, "{text}").map_err(runtime)
}

/// The parents a merge of `revs` gets, checked: at least two distinct
/// revisions, none an ancestor of another (as `alembic merge`).
///
/// # Errors
/// [`CliError::Input`].
pub fn merge_parents(g: &RevisionGraph, revs: &[String]) -> Result<String, CliError> {
    let mut ids: Vec<RevIdx> = Vec::new();
    for r in revs.iter().flat_map(|r| r.split(',')) {
        for i in g
            .resolve_targets(r.trim())
            .map_err(|e| CliError::Input(format!("{r}: {e}")))?
        {
            if !ids.contains(&i) {
                ids.push(i);
            }
        }
    }
    if ids.len() < 2 {
        return Err(CliError::Input(format!(
            "merge needs at least two revisions to merge, got {}: {}",
            ids.len(),
            g.ids(ids.iter().copied()).join(", ")
        )));
    }
    for &a in &ids {
        for &b in &ids {
            if a != b && g.ancestors([b], true).contains(a) {
                return Err(CliError::Input(format!(
                    "{} is an ancestor of {}: nothing to merge",
                    g.rev(a).id,
                    g.rev(b).id
                )));
            }
        }
    }
    Ok(g.ids(ids).join(","))
}

/// `edit REV`: opens the revision's file in `$EDITOR` (default `vi`).
pub fn edit(g: &RevisionGraph, dir: &Path, rev: &str) -> Result<(), CliError> {
    let targets = g
        .resolve_targets(rev)
        .map_err(|e| CliError::Input(format!("{rev}: {e}")))?;
    let [i] = targets.as_slice() else {
        return Err(CliError::Input(format!(
            "{rev}: names {} revisions; edit takes one",
            targets.len()
        )));
    };
    let path = dir.join(&g.rev(*i).file);
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    let status = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("{editor} \"$0\""),
            &path.display().to_string(),
        ])
        .status()
        .map_err(|e| CliError::Runtime(format!("cannot start {editor}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::Runtime(format!("{editor} exited with {status}")))
    }
}

/// Alembic's verbose form of one revision (`heads -v`, `current -v`).
pub fn verbose(g: &RevisionGraph, dir: &Path, i: RevIdx) -> String {
    let r = g.rev(i);
    let list = |v: &[String]| {
        if v.is_empty() {
            "<base>".to_owned()
        } else {
            v.join(", ")
        }
    };
    format!(
        "Rev: {}{}\nParent: {}\nBranch names: {}\nPath: {}\n\n    {}\n",
        r.id,
        if g.heads().contains(&i) {
            " (head)"
        } else {
            ""
        },
        list(&r.down_revisions),
        if r.branch_labels.is_empty() {
            "-".to_owned()
        } else {
            r.branch_labels.join(", ")
        },
        dir.join(&r.file).display(),
        r.message
    )
}
