//! Operation revisions (`*.yaml`): one file to one [`Revision`] whose
//! [`Revision::ops`] holds the operations ([`crate::ops`]), and the SQL
//! such a revision renders to for one dialect ([`preview`]).

use super::{ParseError, ParseErrorKind, Revision};
use crate::ops::{derive_downgrade, ops_checksum, render, Body, List, Operation};
use crate::sqltext::checksum;
use serde::Deserialize;
use std::sync::Arc;

/// The header and body of an operation revision file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    revision: Option<String>,
    #[serde(default)]
    down_revision: Option<List>,
    #[serde(default)]
    branch_labels: Option<List>,
    #[serde(default)]
    depends_on: Option<List>,
    #[serde(default)]
    transactional: Option<bool>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    lint_allow: Option<List>,
    // serde_yaml 0.9 reads enums from `!tag`s; the format's
    // `- add_column: {...}` is a single-key map.
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    upgrade: Option<Vec<Operation>>,
    #[serde(default, with = "serde_yaml::with::singleton_map_recursive")]
    downgrade: Option<Vec<Operation>>,
}

/// Whether a file name is an operation revision (`*.yaml` or `*.yml`).
pub fn is_ops_file(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Whether a `*.yaml` file is a Kubernetes or kustomize manifest rather
/// than an operation revision (a top-level `apiVersion:` or `kind:` key, or
/// the name `kustomization.yaml`), so that a migrations directory or
/// ConfigMap can sit beside its manifests: those are skipped, as other
/// files are, while any other YAML file must be a valid revision.
pub fn is_manifest(name: &str, contents: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    is_ops_file(name)
        && (base.starts_with("kustomization.")
            || contents
                .lines()
                .any(|l| l.starts_with("apiVersion:") || l.starts_with("kind:")))
}

/// Parses an operation revision file into a [`Revision`] whose
/// [`Revision::ops`] holds the operations; `up_sql` is empty and
/// `down_sql` a placeholder comment when there is a downgrade (so that
/// [`Revision::is_reversible`] holds), since SQL exists only once a dialect
/// is known.
///
/// # Errors
/// Every problem, with the file and 1-based line: YAML syntax, unknown
/// keys or operations, missing fields, invalid ids, unknown types, empty
/// names.
pub fn parse(file: &str, contents: &str) -> Result<Revision, Vec<ParseError>> {
    let err = |line: usize, kind: ParseErrorKind| ParseError {
        file: file.to_owned(),
        line: line.max(1),
        kind,
    };
    let parsed: File = match serde_yaml::from_str(contents) {
        Ok(f) => f,
        Err(e) => {
            let line = e.location().map_or(1, |l| l.line());
            let msg = e.to_string();
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m)
                .to_owned();
            let hint = if msg.contains("unknown field") && msg.contains(")`") {
                " (inside `{...}` a comma separates fields: quote a type such as \"numeric(10,2)\")"
            } else {
                ""
            };
            return Err(vec![err(
                line,
                ParseErrorKind::Yaml(format!("{msg}{hint}")),
            )]);
        }
    };
    let key_line = |key: &str| {
        contents
            .lines()
            .position(|l| l.strip_prefix(key).is_some_and(|r| r.starts_with(':')))
            .map_or(0, |i| i + 1)
    };
    // The header goes through the SQL format's rules, as `-- key: value` lines.
    let mut header = String::new();
    let pad_to = |line: usize, text: String, header: &mut String| {
        let have = header.matches('\n').count() + 1;
        for _ in have..line.max(1) {
            header.push('\n');
        }
        header.push_str(&text);
        header.push('\n');
    };
    let joined = |l: &Option<List>| l.as_ref().map(|l| l.items().join(", "));
    let mut fields: Vec<(&str, Option<String>)> = vec![
        ("revision", parsed.revision.clone()),
        ("down_revision", joined(&parsed.down_revision)),
        ("branch_labels", joined(&parsed.branch_labels)),
        ("depends_on", joined(&parsed.depends_on)),
        ("transactional", parsed.transactional.map(|b| b.to_string())),
        ("message", parsed.message.clone()),
    ];
    if let Some(l) = &parsed.lint_allow {
        for item in l.items() {
            fields.push(("lint_allow", Some(item)));
        }
    }
    let mut placed: Vec<(usize, String)> = fields
        .into_iter()
        .filter_map(|(k, v)| Some((key_line(k), format!("-- {k}: {}", v?))))
        .collect();
    placed.sort_by_key(|(l, _)| *l);
    for (line, text) in placed {
        pad_to(line, text, &mut header);
    }
    header.push_str("-- migrate:up\n");
    let mut rev = Revision::parse(&format!("{file}#header"), &header).map_err(|errs| {
        errs.into_iter()
            .map(|e| err(e.line, e.kind))
            .collect::<Vec<_>>()
    })?;
    rev.file = file.to_owned();
    // No `-- migrate:` markers in this format: lines are the operations' own.
    rev.lines.up = 0;
    rev.lines.down = 0;

    let mut errors = Vec::new();
    let Some(upgrade) = parsed.upgrade else {
        return Err(vec![err(
            1,
            ParseErrorKind::Yaml("missing `upgrade:` (a list of operations)".into()),
        )]);
    };
    let upgrade_lines = item_lines(contents, "upgrade", upgrade.len());
    let downgrade_lines = item_lines(
        contents,
        "downgrade",
        parsed.downgrade.as_ref().map_or(0, Vec::len),
    );
    for (section, ops, lines) in [
        ("upgrade", Some(&upgrade), &upgrade_lines),
        ("downgrade", parsed.downgrade.as_ref(), &downgrade_lines),
    ] {
        for (i, op) in ops.into_iter().flatten().enumerate() {
            if let Err(message) = render::check(op) {
                errors.push(err(
                    lines[i],
                    ParseErrorKind::Operation {
                        section,
                        index: i,
                        op: op.name().to_owned(),
                        message: message.to_string(),
                    },
                ));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let downgrade_written = parsed.downgrade.is_some();
    let downgrade = match parsed.downgrade {
        Some(d) => Some(d),
        None => derive_downgrade(&upgrade).ok(),
    };
    rev.checksum = ops_checksum(&upgrade);
    rev.down_checksum = match &downgrade {
        Some(d) => ops_checksum(d),
        None => checksum(""),
    };
    rev.up_sql = String::new();
    rev.down_sql = downgrade
        .as_ref()
        .map(|_| "-- operations: rendered for the database's dialect when the step runs\n".into());
    if upgrade
        .iter()
        .chain(downgrade.iter().flatten())
        .any(Operation::concurrently)
    {
        rev.transactional = false;
    }
    rev.ops = Some(Arc::new(Body {
        upgrade,
        downgrade,
        downgrade_written,
        upgrade_lines,
        downgrade_lines,
    }));
    Ok(rev)
}

/// `rev` with `up_sql` and `down_sql` holding its operations rendered for
/// `dialect` as far as that is possible without a database, for lint and
/// `show`: each operation's statements start on the operation's own line
/// of the file, and an operation that needs the live schema (a SQLite
/// rebuild of an existing table, say) becomes a comment that says so. A
/// SQL revision comes back unchanged.
pub fn preview(rev: &Revision, dialect: crate::dialect::Dialect) -> Revision {
    let mut out = rev.clone();
    let Some(body) = &rev.ops else {
        return out;
    };
    let mut model = render::Model::default();
    let text = |ops: &[Operation], lines: &[usize], model: &mut render::Model| {
        let mut sql = String::new();
        let mut line = 1;
        for (i, op) in ops.iter().enumerate() {
            let want = lines.get(i).copied().unwrap_or(0);
            while line < want {
                sql.push('\n');
                line += 1;
            }
            let stmts = match render::render(std::slice::from_ref(op), dialect, model) {
                Ok(stmts) => stmts,
                Err((_, why)) => vec![format!(
                    "-- {}: rendered when the step runs ({})",
                    op.name(),
                    why.to_string().lines().next().unwrap_or("")
                )],
            };
            for s in stmts {
                // The renderer's notes (`-- DESTRUCTIVE: ...`) would move the
                // statement off the operation's line; lint finds those itself.
                let s = match s.lines().position(|l| !l.trim_start().starts_with("--")) {
                    Some(i) if i > 0 => s.lines().skip(i).collect::<Vec<_>>().join("\n"),
                    _ => s,
                };
                let s = if s.trim_start().starts_with("--") && !s.contains('\n') {
                    format!("{s}\n")
                } else {
                    format!("{s};\n")
                };
                line += s.matches('\n').count();
                sql.push_str(&s);
            }
        }
        sql
    };
    out.up_sql = text(&body.upgrade, &body.upgrade_lines, &mut model);
    out.down_sql = body
        .section(false)
        .map(|(ops, lines)| text(ops, lines, &mut model));
    out
}

/// 1-based lines of the first `count` items of the top-level list `key:`
/// (block style); 0 for items not found (flow style).
fn item_lines(contents: &str, key: &str, count: usize) -> Vec<usize> {
    let mut out = Vec::with_capacity(count);
    let mut lines = contents.lines().enumerate();
    let start = format!("{key}:");
    if lines.by_ref().any(|(_, l)| l.starts_with(&start)) {
        let mut indent = None;
        for (i, l) in lines {
            let t = l.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let n = l.len() - t.len();
            if n == 0 && !t.starts_with('-') {
                break;
            }
            if t.starts_with("- ") || t == "-" {
                let want = *indent.get_or_insert(n);
                if n == want {
                    out.push(i + 1);
                    if out.len() == count {
                        break;
                    }
                }
            }
        }
    }
    out.resize(count, 0);
    out
}
