#!/usr/bin/env python3
"""Adoption test: a database Alembic migrated is continued by Revisor, and back.

For SQLite and PostgreSQL (REVISOR_TEST_POSTGRES_URL):
1. real Alembic upgrades a fresh database to revision b (tables t_a, t_b);
2. `revisor upgrade head --version-table alembic_version` continues with the
   same revision ids as SQL files; a and b would fail if run again, so
   Revisor must not run them;
3. the version table holds c, t_c exists, Revisor's history has only c;
4. `alembic current` reads c back, and `alembic downgrade b` undoes c on the
   database Revisor wrote.

Closing line: `N passed, M failed`.
Usage: adopt.py --revisor PATH
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import warnings

from alembic import command
from alembic_env import ENV_PY
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

warnings.simplefilter("ignore")


REVISIONS = [("a", None), ("b", "a"), ("c", "b")]


def write_project(base):
    script = os.path.join(base, "alembic")
    os.makedirs(os.path.join(script, "versions"))
    with open(os.path.join(script, "env.py"), "w") as f:
        f.write(ENV_PY)
    sqldir = os.path.join(base, "sql")
    os.makedirs(sqldir)
    for rev, down in REVISIONS:
        with open(os.path.join(script, "versions", f"{rev}.py"), "w") as f:
            f.write(
                f"from alembic import op\nrevision = {rev!r}\ndown_revision = {down!r}\nbranch_labels = None\ndepends_on = None\n"
                f"def upgrade():\n    op.execute('CREATE TABLE t_{rev} (id INTEGER)')\n"
                f"def downgrade():\n    op.execute('DROP TABLE t_{rev}')\n"
            )
        with open(os.path.join(sqldir, f"{rev}.sql"), "w") as f:
            f.write(
                f"-- revision: {rev}\n-- down_revision: {down or ''}\n-- migrate:up\nCREATE TABLE t_{rev} (id INTEGER);\n"
                f"-- migrate:down\nDROP TABLE t_{rev};\n"
            )
    return script, sqldir


def check(name, revisor, sa_url, revisor_url, base):
    script, sqldir = write_project(base)
    cfg = Config()
    cfg.set_main_option("script_location", script)
    cfg.set_main_option("sqlalchemy.url", sa_url)
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)

    command.upgrade(cfg, "b")
    env = dict(os.environ, REVISOR_DATABASE_URL=revisor_url)
    proc = subprocess.run(
        [revisor, "upgrade", "head", "--dir", sqldir, "--version-table", "alembic_version"],
        capture_output=True, text=True, env=env,
    )
    expect(proc.returncode == 0, f"revisor upgrade failed: {proc.stderr.strip()}")
    engine = create_engine(sa_url)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        tables = set(inspect(conn).get_table_names())
        history = [tuple(r) for r in conn.execute(text("SELECT direction, revision FROM alembic_version_history ORDER BY id"))]
    expect(rows == ["c"], f"alembic_version after revisor: {rows}")
    expect({"t_a", "t_b", "t_c"} <= tables, f"tables after revisor: {sorted(tables)}")
    expect(history == [("up", "c")], f"revisor ran only c: {history}")

    command.current(cfg)  # must not raise on what Revisor wrote
    with engine.connect() as conn:
        seen = list(MigrationContext.configure(conn).get_current_heads())
    expect(seen == ["c"], f"alembic reads back {seen}")
    command.downgrade(cfg, "b")
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))]
        tables = set(inspect(conn).get_table_names())
    expect(rows == ["b"] and "t_c" not in tables, f"alembic downgrade after revisor: rows {rows}, tables {sorted(tables)}")
    proc = subprocess.run(
        [revisor, "current", "--dir", sqldir, "--version-table", "alembic_version"], capture_output=True, text=True, env=env
    )
    expect(proc.stdout.startswith("b"), f"revisor current after alembic downgrade: {proc.stdout!r} {proc.stderr!r}")
    engine.dispose()
    for f in failures:
        print(f"FAIL {name}: {f}")
    return not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--revisor", required=True)
    args = ap.parse_args()
    root = tempfile.mkdtemp(prefix="revisor-adopt-")
    passed = failed = 0
    cases = [("sqlite", f"sqlite:///{root}/adopt.db", f"sqlite://{root}/adopt.db")]
    pg = os.environ.get("REVISOR_TEST_POSTGRES_URL")
    if not pg:
        print("FAIL postgres: REVISOR_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")
        failed += 1
    else:
        prefix = pg.rsplit("/", 1)[0]
        db = f"revisor_adopt_{os.getpid()}"
        quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
        subprocess.run(["psql", pg, "-qc", f"DROP DATABASE IF EXISTS {db}", "-c", f"CREATE DATABASE {db}"], check=True, env=quiet)
        sa = prefix.replace("postgres://", "postgresql+psycopg2://", 1) + f"/{db}"
        cases.append(("postgres", sa, f"{prefix}/{db}"))
    for name, sa_url, revisor_url in cases:
        base = os.path.join(root, name)
        try:
            ok = check(name, args.revisor, sa_url, revisor_url, base)
        except Exception as e:  # an Alembic or driver failure is a test failure
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            ok = False
        passed += ok
        failed += not ok
        print(f"{'ok' if ok else 'FAILED'}: Alembic -> Revisor -> Alembic on {name}")
    shutil.rmtree(root, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
