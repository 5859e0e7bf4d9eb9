//! `revisor import` and `revisor adopt`: another tool's migrations as a
//! Revisor set, and a database that tool manages stamped where it stands
//! (SPEC: "Moving from other tools"; the rules are [`crate::import`]'s).

use crate::cli::*;
use crate::db::Backend;
use crate::import::{self, Tool};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The flags of `revisor import` (the command's help is on
/// [`crate::cli::Command::Import`]).
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The tool whose migrations SRC holds.
    #[arg(value_enum)]
    pub tool: Tool,
    /// The tool's migration directory (not for alembic, which takes
    /// --config).
    #[arg(required_unless_present = "config")]
    pub src: Option<PathBuf>,
    /// Where to write the revisions: a new or empty directory.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Alembic: the project's alembic.ini (its directory is where Alembic
    /// runs, as `alembic` would).
    #[arg(long, value_name = "INI")]
    pub config: Option<PathBuf>,
    /// Alembic: the dialect to render the revisions' SQL for (SQLAlchemy's
    /// names: postgresql, mysql, sqlite).
    #[arg(long)]
    pub dialect: Option<String>,
    /// Alembic: the interpreter that has the project's Alembic and imports
    /// its revision modules.
    #[arg(long, default_value = "python3")]
    pub python: String,
}

/// The flags of `revisor adopt` (the command's help is on
/// [`crate::cli::Command::Adopt`]).
#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The tool whose table the database holds.
    #[arg(value_enum)]
    pub tool: Tool,
    /// The imported migration set.
    #[command(flatten)]
    pub set: SetArgs,
    /// Where the database is.
    #[command(flatten)]
    pub db: DbArgs,
}

/// The files of `dir` (not its subdirectories), by name.
fn files(dir: &Path) -> Result<Vec<(String, String)>, CliError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| CliError::Input(format!("{}: {e}", dir.display())))?;
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if !path.is_file() {
            continue;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let text = std::fs::read(&path)
            .map_err(|e| CliError::Input(format!("{}: {e}", path.display())))?;
        out.push((name, String::from_utf8_lossy(&text).into_owned()));
    }
    out.sort();
    Ok(out)
}

/// Runs `revisor import`.
///
/// # Errors
/// [`CliError::Input`] listing every file that cannot be carried over, or
/// when `--out` already holds migration files; nothing is written then.
pub async fn run_import(args: ImportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    if args.tool == Tool::Alembic {
        return run_alembic(args, out);
    }
    let ImportArgs {
        tool,
        src,
        out: dir,
        ..
    } = args;
    let src = src.ok_or_else(|| CliError::Input(format!("{}: name its directory", tool.name())))?;
    let migrations = import::read(tool, &files(&src)?).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| format!("  {}", e)).collect();
        CliError::Input(format!(
            "{} cannot be imported as it is:\n{}",
            src.display(),
            list.join("\n")
        ))
    })?;
    let written = import::revision_files(tool, &migrations);
    write_set(&dir, &written)?;
    let irreversible: Vec<&str> = migrations
        .iter()
        .filter(|m| m.down.is_none())
        .map(|m| m.id.as_str())
        .collect();
    writeln!(
        out,
        "Imported {} {} migration(s) into {} as a linear chain ending at {}.",
        migrations.len(),
        tool.name(),
        dir.display(),
        migrations.last().map_or("nothing", |m| m.id.as_str())
    )
    .map_err(runtime)?;
    if !irreversible.is_empty() {
        writeln!(
            out,
            "Irreversible (no down script): {}",
            irreversible.join(", ")
        )
        .map_err(runtime)?;
    }
    Ok(())
}

/// Writes `written` into `dir`, which must hold no migration files, once
/// the set validates (a `needs_sql` line aside: those are the person's).
fn write_set(dir: &Path, written: &[(String, String)]) -> Result<(), CliError> {
    if dir.exists()
        && files(dir)?
            .iter()
            .any(|(n, _)| crate::revision::is_migration_file(n))
    {
        return Err(CliError::Input(format!(
            "{} already holds migration files: import into a new or empty directory",
            dir.display()
        )));
    }
    import::check_set(written)
        .map_err(|e| CliError::Input(format!("the imported set would not validate:\n{e}")))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Runtime(format!("cannot create {}: {e}", dir.display())))?;
    for (name, text) in written {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// `revisor import alembic`: the importer script run with `--python` in
/// the directory of `--config`, its report written as revisions.
fn run_alembic(args: ImportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let (Some(config), Some(dialect)) = (&args.config, &args.dialect) else {
        return Err(CliError::Input(
            "alembic: pass --config alembic.ini and --dialect (postgresql, mysql or sqlite)".into(),
        ));
    };
    crate::dialect::Dialect::from_name(dialect).map_err(|e| CliError::Input(e.to_string()))?;
    let dir = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let ini = config
        .file_name()
        .map_or_else(|| config.clone(), PathBuf::from);
    let mut child = std::process::Command::new(&args.python)
        .current_dir(dir)
        .arg("-")
        .arg(&ini)
        .arg(dialect)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| CliError::Input(format!("cannot run {}: {e}", args.python)))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(import::alembic::SCRIPT.as_bytes())
            .map_err(|e| CliError::Runtime(format!("cannot feed {}: {e}", args.python)))?;
    }
    let done = child
        .wait_with_output()
        .map_err(|e| CliError::Runtime(format!("{}: {e}", args.python)))?;
    if !done.status.success() {
        return Err(CliError::Input(format!(
            "Alembic could not read {}:\n{}",
            config.display(),
            String::from_utf8_lossy(&done.stderr).trim()
        )));
    }
    let revs = import::alembic::parse_report(&String::from_utf8_lossy(&done.stdout))
        .map_err(CliError::Runtime)?;
    write_set(&args.out, &import::alembic::revision_files(&revs))?;
    writeln!(
        out,
        "Imported {} Alembic revision(s) into {}, rendered for {dialect}.",
        revs.len(),
        args.out.display()
    )
    .map_err(runtime)?;
    let person: Vec<String> = revs
        .iter()
        .filter_map(|r| r.needs_sql.as_ref().map(|why| format!("  {}: {why}", r.id)))
        .collect();
    if !person.is_empty() {
        writeln!(
            out,
            "These need a person to write their SQL (validate refuses the set until then):\n{}",
            person.join("\n")
        )
        .map_err(runtime)?;
    }
    Ok(())
}

/// Runs `revisor adopt`: reads the tool's table, finds the revision it
/// stands at, and stamps it, leaving the tool's table as it is.
///
/// # Errors
/// [`CliError::Input`] when the table shows a failed or dirty migration, a
/// version the set lacks, or a gap; nothing is stamped then.
pub async fn run_adopt(args: AdoptArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let AdoptArgs { tool, set, db } = args;
    let graph = source::load_dir(&set.dir)?;
    let chain = import::chain_of(&graph);
    let mut session =
        crate::executor::Session::connect(db.url()?, dbcmd::options(&db, None)).await?;
    let dialect = session.dialect();
    let query = import::table_query(tool, |e| dialect.sql().cast_text(e));
    let rows = session.backend().query(&query).await.map_err(|e| {
        CliError::Input(format!(
            "cannot read {}'s table {}: {e}",
            tool.name(),
            tool.table()
        ))
    })?;
    let rows = import::table_rows(rows);
    let Some(at) = import::adopted(tool, &rows, &chain).map_err(CliError::Input)? else {
        return writeln!(
            out,
            "{} shows nothing applied: nothing stamped; `revisor upgrade head` runs every revision",
            tool.table()
        )
        .map_err(runtime);
    };
    let stamped = session.stamp(&graph, &at, false).await?;
    writeln!(
        out,
        "Adopted from {}: the version table is [{}]; {} is left as it was",
        tool.table(),
        stamped.join(", "),
        tool.table()
    )
    .map_err(runtime)
}
