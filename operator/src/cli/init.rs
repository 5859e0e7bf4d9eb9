//! `revisor init [DIR] --template NAME` and `revisor list-templates`:
//! a project ready for `revision --autogenerate` (Alembic's `init`).

use super::{runtime, CliError};
use std::io::Write;
use std::path::Path;

/// A template: its name, what it is for, and its files (`path`, contents).
pub struct Template {
    /// `--template` value.
    pub name: &'static str,
    /// One line for `list-templates`.
    pub about: &'static str,
    /// Files to write.
    pub files: &'static [(&'static str, &'static str)],
    /// What to run next, printed after `init`.
    pub next: &'static str,
}

const SCHEMA: &str = "-- The schema you want: edit it, then `revisor revision --autogenerate -m \"...\"`.\nCREATE TABLE users (\n    id INTEGER PRIMARY KEY,\n    name VARCHAR(100) NOT NULL\n);\n";

const GITIGNORE: &str = "*.db\n*.revisor-lock\n";

/// The templates `init` knows.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: "sqlite",
        about: "an embedded SQLite database (app.db): nothing to install",
        files: &[
            ("revisor.toml", "# Revisor's project file (flags, then environment, then this file).\nmigrations = \"migrations\"\nschema = \"schema.sql\"\ndatabase_url = \"sqlite://app.db\"\ndialect = \"sqlite\"\n"),
            ("schema.sql", SCHEMA),
            ("migrations/.gitkeep", ""),
            (".gitignore", GITIGNORE),
        ],
        next: "revisor revision --autogenerate -m \"create users\"\nrevisor upgrade head",
    },
    Template {
        name: "postgres",
        about: "PostgreSQL: the URL in $DATABASE_URL, scratch databases on $REVISOR_DEV_DATABASE_URL",
        files: &[
            ("revisor.toml", "# Revisor's project file (flags, then environment, then this file).\nmigrations = \"migrations\"\nschema = \"schema.sql\"\n# The URL holds a password: it stays in the environment.\ndatabase_url_env = \"DATABASE_URL\"\ndialect = \"postgresql\"\n# autogenerate replays the migrations into a throwaway database on this\n# server; set REVISOR_DEV_DATABASE_URL (e.g. postgres://localhost/postgres).\n"),
            ("schema.sql", SCHEMA),
            ("migrations/.gitkeep", ""),
        ],
        next: "export DATABASE_URL=postgres://user@localhost/app REVISOR_DEV_DATABASE_URL=postgres://user@localhost/postgres\nrevisor revision --autogenerate -m \"create users\"\nrevisor upgrade head",
    },
    Template {
        name: "mysql",
        about: "MySQL or MariaDB: the URL in $DATABASE_URL, scratch databases on $REVISOR_DEV_DATABASE_URL",
        files: &[
            ("revisor.toml", "# Revisor's project file (flags, then environment, then this file).\nmigrations = \"migrations\"\nschema = \"schema.sql\"\n# The URL holds a password: it stays in the environment.\ndatabase_url_env = \"DATABASE_URL\"\ndialect = \"mysql\"\n# autogenerate replays the migrations into a throwaway database on this\n# server; set REVISOR_DEV_DATABASE_URL (e.g. mysql://root@localhost/mysql).\n"),
            ("schema.sql", SCHEMA),
            ("migrations/.gitkeep", ""),
        ],
        next: "export DATABASE_URL=mysql://user@localhost/app REVISOR_DEV_DATABASE_URL=mysql://user@localhost/mysql\nrevisor revision --autogenerate -m \"create users\"\nrevisor upgrade head",
    },
    Template {
        name: "gitops",
        about: "PostgreSQL through the operator: kustomize, a DatabaseSchema, Argo CD and Flux",
        files: &[
            ("revisor.toml", "# Revisor's project file (flags, then environment, then this file).\nmigrations = \"migrations\"\nschema = \"schema.sql\"\ndatabase_url_env = \"DATABASE_URL\"\ndialect = \"postgresql\"\n"),
            ("schema.sql", SCHEMA),
            ("migrations/0001_create_users.sql", "-- revision: 0001\n-- message: create users\n\n-- migrate:up\nCREATE TABLE users (\n    id INTEGER NOT NULL,\n    name VARCHAR(100) NOT NULL,\n    PRIMARY KEY (id)\n);\n\n-- migrate:down\nDROP TABLE users;\n"),
            ("kustomization.yaml", "# The migration files become one ConfigMap beside the DatabaseSchema that\n# pins the target revision. Add each new revision file under `files:`.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: app\nresources:\n  - databaseschema.yaml\nconfigMapGenerator:\n  - name: app-migrations\n    files:\n      - migrations/0001_create_users.sql\ngeneratorOptions:\n  # A stable name, so the DatabaseSchema's reference holds and edits trigger a reconcile.\n  disableNameSuffixHash: true\n"),
            ("databaseschema.yaml", "apiVersion: revisor.dev/v1alpha1\nkind: DatabaseSchema\nmetadata:\n  name: app\nspec:\n  targetRevision: head\n  database:\n    # A Secret in the same namespace whose key `url` holds postgres://...\n    urlSecretRef: {name: app-db, key: url}\n  migrations:\n    configMapRef: {name: app-migrations}\n"),
            ("argocd/application.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app-schema\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/app.git\n    targetRevision: main\n    path: .\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: app\n  syncPolicy:\n    automated: {prune: true, selfHeal: true}\n"),
            ("flux/kustomization.yaml", "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app-schema\n  namespace: flux-system\nspec:\n  interval: 5m\n  path: ./\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: app\n  healthChecks:\n    - apiVersion: revisor.dev/v1alpha1\n      kind: DatabaseSchema\n      name: app\n      namespace: app\n"),
        ],
        next: "kubectl kustomize .   # the ConfigMap and the DatabaseSchema\nrevisor revision --autogenerate -m \"...\"   # after editing schema.sql; add the file to kustomization.yaml",
    },
];

/// `list-templates`.
pub fn list(out: &mut dyn Write) -> Result<(), CliError> {
    for t in TEMPLATES {
        writeln!(out, "{:<10} {}", t.name, t.about).map_err(runtime)?;
    }
    Ok(())
}

/// `init DIR --template NAME [--force]`: writes the template's files;
/// refuses a non-empty directory unless `force`.
pub fn init(dir: &Path, template: &str, force: bool, out: &mut dyn Write) -> Result<(), CliError> {
    let t = TEMPLATES
        .iter()
        .find(|t| t.name == template)
        .ok_or_else(|| {
            CliError::Input(format!(
                "unknown template `{template}`: use one of {} (revisor list-templates)",
                TEMPLATES
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
    let non_empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
    if non_empty && !force {
        return Err(CliError::Input(format!(
            "{} is not empty: choose an empty directory, or pass --force to write the template's files into it",
            dir.display()
        )));
    }
    for (path, text) in t.files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                CliError::Runtime(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        std::fs::write(&p, text)
            .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", p.display())))?;
    }
    writeln!(
        out,
        "Wrote the {} template into {}. Next, there:\n{}",
        t.name,
        dir.display(),
        t.next
    )
    .map_err(runtime)
}
