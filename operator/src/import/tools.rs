//! Each tool's file naming and annotations, and its version table, read
//! as the tool reads them. Pure.

use super::{unwrapped, version_order, ImportError, Imported, Tool};
use std::collections::BTreeMap;

/// `name` split as `<version><sep><rest>`, the version being the leading
/// run of `allowed` characters.
fn leading(name: &str, allowed: impl Fn(char) -> bool) -> Option<(&str, &str)> {
    let end = name.find(|c: char| !allowed(c)).unwrap_or(name.len());
    (end > 0).then(|| (&name[..end], &name[end..]))
}

fn words(s: &str) -> String {
    s.replace('_', " ").trim().to_owned()
}

fn error(file: &str, message: impl Into<String>) -> ImportError {
    ImportError {
        file: file.to_owned(),
        message: message.into(),
    }
}

pub(super) fn read(
    tool: Tool,
    files: &[(String, String)],
) -> Result<Vec<Imported>, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    match tool {
        Tool::Alembic => errors.push(error(
            "alembic.ini",
            "an Alembic project is read by Alembic itself: revisor import alembic --config alembic.ini --dialect D",
        )),
        Tool::Flyway => flyway(files, &mut out, &mut errors),
        Tool::GolangMigrate | Tool::Sqlx => pairs(tool, files, &mut out, &mut errors),
        Tool::Goose => goose(files, &mut out, &mut errors),
        Tool::Dbmate => dbmate(files, &mut out, &mut errors),
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Flyway: `V<version>__<description>.sql` (the version's `_` is a `.`),
/// `U<version>__...` undo, `<file>.conf` with `executeInTransaction`.
fn flyway(files: &[(String, String)], out: &mut Vec<Imported>, errors: &mut Vec<ImportError>) {
    let conf: BTreeMap<&str, &str> = files
        .iter()
        .filter_map(|(n, t)| n.strip_suffix(".conf").map(|s| (s, t.as_str())))
        .collect();
    let mut undo: BTreeMap<String, (&str, &str)> = BTreeMap::new();
    let mut versioned = Vec::new();
    for (name, text) in files {
        if name.ends_with(".conf") {
            continue;
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            if name.ends_with(".java") || name.ends_with(".class") {
                errors.push(error(
                    name,
                    "a Java migration cannot be carried over: write its SQL as a V script",
                ));
            }
            continue;
        };
        let (kind, rest) = stem.split_at(stem.len().min(1));
        if kind == "R" {
            errors.push(error(
                name,
                "a repeatable migration (R__) has no place in a revision graph: rerun on every change, it has no version; fold it into a versioned script",
            ));
            continue;
        }
        let Some((version, description)) = rest.split_once("__") else {
            if kind == "V" || kind == "U" {
                errors.push(error(name, "no `__` between version and description"));
            }
            continue;
        };
        let version = version.replace('_', ".");
        match kind {
            "V" => versioned.push((name, version, words(description), text)),
            "U" => {
                undo.insert(version, (name.as_str(), text.as_str()));
            }
            _ => {}
        }
    }
    for (name, version, message, text) in versioned {
        let settings = conf.get(name.as_str()).copied().unwrap_or_default();
        let no_transaction = settings
            .lines()
            .filter_map(|l| l.split_once('='))
            .any(|(k, v)| k.trim() == "executeInTransaction" && v.trim() == "false");
        let down = undo
            .iter()
            .find(|(v, _)| version_order(v, &version) == std::cmp::Ordering::Equal);
        let source = match down {
            Some((_, (u, _))) => format!("{name}, {u}"),
            None => name.clone(),
        };
        out.push(Imported {
            id: version.replace('.', "_"),
            down: down.map(|(_, (_, t))| unwrapped(t)),
            up: unwrapped(text),
            transactional: !no_transaction,
            version,
            message,
            source,
        });
    }
}

/// A version's description, and its up and down scripts as `(file,
/// text)`.
type Pair = (String, Option<(String, String)>, Option<(String, String)>);

/// golang-migrate's `<version>_<title>.up.sql`/`.down.sql`; sqlx's the
/// same, or `<version>_<description>.sql` alone (irreversible), with `--
/// no-transaction` as its first line.
fn pairs(
    tool: Tool,
    files: &[(String, String)],
    out: &mut Vec<Imported>,
    errors: &mut Vec<ImportError>,
) {
    let mut by_version: BTreeMap<String, Pair> = BTreeMap::new();
    for (name, text) in files {
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let (stem, dir) = if let Some(s) = stem.strip_suffix(".up") {
            (s, "up")
        } else if let Some(s) = stem.strip_suffix(".down") {
            (s, "down")
        } else if tool == Tool::Sqlx {
            (stem, "up")
        } else {
            errors.push(error(name, "neither .up.sql nor .down.sql"));
            continue;
        };
        let Some((version, title)) = leading(stem, |c| c.is_ascii_digit()) else {
            errors.push(error(name, "no version at the start of the name"));
            continue;
        };
        let e = by_version
            .entry(version.to_owned())
            .or_insert_with(|| (words(title.trim_start_matches('_')), None, None));
        let slot = if dir == "up" { &mut e.1 } else { &mut e.2 };
        if slot.is_some() {
            errors.push(error(
                name,
                format!("a second {dir} script for version {version}"),
            ));
        }
        *slot = Some((name.clone(), text.clone()));
    }
    for (version, (message, up, down)) in by_version {
        let Some((up_name, up)) = up else {
            let name = down.map(|d| d.0).unwrap_or_default();
            errors.push(error(
                &name,
                format!("version {version} has a down script and no up"),
            ));
            continue;
        };
        let no_transaction = tool == Tool::Sqlx && up.trim_start().starts_with("-- no-transaction");
        out.push(Imported {
            id: version.clone(),
            source: match &down {
                Some((d, _)) => format!("{up_name}, {d}"),
                None => up_name,
            },
            up: unwrapped(&up),
            down: down.map(|(_, t)| unwrapped(&t)),
            transactional: !no_transaction,
            version,
            message,
        });
    }
}

/// The sections of a file split at lines that start with one of
/// `markers`: `(marker line, body)` in order.
fn sections(text: &str, is_marker: impl Fn(&str) -> bool) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    for line in text.lines() {
        if is_marker(line.trim()) {
            out.push((line.trim(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

/// goose: `<version>_<name>.sql` with `-- +goose Up` / `Down` sections,
/// `-- +goose StatementBegin`/`End` around statements that hold
/// semicolons (Revisor's splitter needs no help), `-- +goose NO
/// TRANSACTION`.
fn goose(files: &[(String, String)], out: &mut Vec<Imported>, errors: &mut Vec<ImportError>) {
    for (name, text) in files {
        if name.ends_with(".go") {
            errors.push(error(
                name,
                "a Go migration cannot be carried over: write its SQL as a .sql migration",
            ));
            continue;
        }
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let Some((version, title)) = leading(stem, |c| c.is_ascii_digit()) else {
            errors.push(error(name, "no version at the start of the name"));
            continue;
        };
        let marks = sections(text, |l| {
            l.strip_prefix("-- +goose ")
                .is_some_and(|r| r.starts_with("Up") || r.starts_with("Down"))
        });
        let body = |dir: &str| {
            marks
                .iter()
                .find(|(m, _)| m.trim_start_matches("-- +goose ").starts_with(dir))
                .map(|(_, b)| {
                    b.lines()
                        .filter(|l| !l.trim_start().starts_with("-- +goose "))
                        .collect::<Vec<_>>()
                        .join("\n")
                })
        };
        let Some(up) = body("Up") else {
            errors.push(error(name, "no `-- +goose Up` section"));
            continue;
        };
        out.push(Imported {
            id: version.to_owned(),
            version: version.to_owned(),
            message: words(title.trim_start_matches('_')),
            up: unwrapped(&up),
            down: body("Down").map(|d| unwrapped(&d)),
            transactional: !text.lines().any(|l| l.trim() == "-- +goose NO TRANSACTION"),
            source: name.clone(),
        });
    }
}

/// dbmate: `<version>_<name>.sql` with `-- migrate:up` and `--
/// migrate:down` sections (`transaction:false` on the marker line).
fn dbmate(files: &[(String, String)], out: &mut Vec<Imported>, errors: &mut Vec<ImportError>) {
    for (name, text) in files {
        let Some(stem) = name.strip_suffix(".sql") else {
            continue;
        };
        let Some((version, title)) = leading(stem, |c| c.is_ascii_digit()) else {
            errors.push(error(name, "no version at the start of the name"));
            continue;
        };
        let marks = sections(text, |l| l.starts_with("-- migrate:"));
        let find = |dir: &str| {
            marks
                .iter()
                .find(|(m, _)| m.starts_with(&format!("-- migrate:{dir}")))
        };
        let Some((up_marker, up)) = find("up") else {
            errors.push(error(name, "no `-- migrate:up` section"));
            continue;
        };
        out.push(Imported {
            id: version.to_owned(),
            version: version.to_owned(),
            message: words(title.trim_start_matches('_')),
            up: unwrapped(up),
            down: find("down").map(|(_, d)| unwrapped(d)),
            transactional: !up_marker.contains("transaction:false"),
            source: name.clone(),
        });
    }
}

/// A row of a tool's version table, in the columns the tool has (absent
/// ones `None`), in the table's own order (`installed_rank`, `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableRow {
    /// The version.
    pub version: Option<String>,
    /// Flyway's `type` (`SQL`, `UNDO_SQL`, `BASELINE`, `DELETE`...).
    pub kind: Option<String>,
    /// `false`: a failed migration (Flyway's and sqlx's `success`), a
    /// dirty one (golang-migrate's `dirty`), an unapplied one (goose's
    /// `is_applied`, which [`adopted`] reads as a down step instead).
    pub ok: bool,
}

/// The revision a database stands at by its tool's table (`rows` in the
/// table's order), among `set` (the imported migrations): the last
/// version applied, `None` when none is.
///
/// # Errors
/// A message naming the row: a failed or dirty migration, a version the
/// set lacks, or an earlier version left out while a later one is applied
/// (Flyway's out-of-order runs, dbmate's gaps).
pub fn adopted(tool: Tool, rows: &[TableRow], set: &[Imported]) -> Result<Option<String>, String> {
    let mut applied: Vec<String> = Vec::new();
    for r in rows {
        let Some(v) = r.version.clone().filter(|v| !v.is_empty()) else {
            continue;
        };
        match tool {
            Tool::Alembic => {
                return Err("an Alembic database needs no adoption: pass --version-table alembic_version".into())
            }
            Tool::Goose if v == "0" => {}
            Tool::Goose if !r.ok => applied.retain(|a| version_order(a, &v) != std::cmp::Ordering::Equal),
            _ if !r.ok => {
                return Err(format!(
                    "{} shows version {v} failed or dirty: repair it with {} first (Revisor adopts only a clean state)",
                    tool.table(),
                    tool.name()
                ))
            }
            Tool::Flyway if r.kind.as_deref() == Some("UNDO_SQL") => {
                applied.retain(|a| version_order(a, &v) != std::cmp::Ordering::Equal)
            }
            Tool::Flyway if r.kind.as_deref() == Some("DELETE") => {}
            // A baseline (Flyway's) or the one row golang-migrate keeps:
            // every version up to it counts as applied.
            Tool::Flyway | Tool::GolangMigrate
                if tool == Tool::GolangMigrate || r.kind.as_deref() == Some("BASELINE") =>
            {
                applied.extend(
                    set.iter()
                        .filter(|m| version_order(&m.version, &v) != std::cmp::Ordering::Greater)
                        .map(|m| m.version.clone()),
                );
                applied.push(v);
            }
            _ => applied.push(v),
        }
    }
    let Some(last) = applied.iter().max_by(|a, b| version_order(a, b)).cloned() else {
        return Ok(None);
    };
    let at = |v: &str| {
        set.iter()
            .position(|m| version_order(&m.version, v) == std::cmp::Ordering::Equal)
    };
    let Some(i) = at(&last) else {
        return Err(format!(
            "{} shows version {last} applied, which the migration set lacks",
            tool.table()
        ));
    };
    if let Some(missing) = set[..i].iter().find(|m| {
        !applied
            .iter()
            .any(|a| version_order(a, &m.version) == std::cmp::Ordering::Equal)
    }) {
        return Err(format!(
            "{} shows version {last} applied but not the earlier {}: a linear chain cannot stand there",
            tool.table(),
            missing.version
        ));
    }
    Ok(Some(set[i].id.clone()))
}
