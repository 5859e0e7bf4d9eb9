#!/usr/bin/env python3
"""Import test: `revisor import alembic` against real Alembic (issue 24).

An Alembic project with create_table (foreign key, unique, check),
add/alter/drop column, a branch label, depends_on, a merge with an empty
downgrade(), a concurrent index in an autocommit_block, bulk_insert with a
quote in a value, create_foreign_key, and a revision that needs a
connection. For SQLite, PostgreSQL (REVISOR_TEST_POSTGRES_URL) and MariaDB
(REVISOR_TEST_MYSQL_URL):
1. the imported graph equals Alembic's ScriptDirectory (ids, parents,
   declared branch labels, depends_on);
2. the revision that needs a connection is reported and `validate` refuses
   the set until a person writes its SQL;
3. `revisor upgrade head` gives the catalog and rows `alembic upgrade heads`
   gives on a second database;
4. `revisor downgrade base` leaves nothing but Revisor's bookkeeping;
5. a database Alembic took halfway continues with `--version-table
   alembic_version`.

Closing line: `N passed, M failed`.
Usage: import_test.py --revisor PATH
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic_env import ENV_PY
from sqlalchemy import create_engine, inspect, text

warnings.simplefilter("ignore")

HEAD = "from alembic import op\nimport sqlalchemy as sa\n"
REVISIONS = {
    "a1": (None, None, None, '''
def upgrade():
    op.create_table("users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("age", sa.Integer),
        sa.UniqueConstraint("name", name="uq_users_name"),
        sa.CheckConstraint("age >= 0", name="ck_users_age"))
    op.create_table("orders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_orders_user")),
        sa.Column("note", sa.String(100)))
def downgrade():
    op.drop_table("orders")
    op.drop_table("users")
'''),
    # Batch mode, with the table given as offline rendering needs it
    # (SQLite rebuilds the table; other dialects alter in place).
    "b2": ("a1", None, None, '''
def orders(note):
    return sa.Table("orders", sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", name="fk_orders_user")),
        sa.Column("note", sa.String(note)))
def upgrade():
    op.add_column("users", sa.Column("email", sa.String(100)))
    with op.batch_alter_table("orders", copy_from=orders(100)) as b:
        b.alter_column("note", existing_type=sa.String(100), type_=sa.String(200))
def downgrade():
    with op.batch_alter_table("orders", copy_from=orders(200)) as b:
        b.alter_column("note", existing_type=sa.String(200), type_=sa.String(100))
    op.drop_column("users", "email")
'''),
    "c3": ("a1", ("feature",), None, '''
def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("ix_orders_note", "orders", ["note"], postgresql_concurrently=True)
def downgrade():
    # b2 rebuilds orders on SQLite from a copy without this index.
    op.drop_index("ix_orders_note", table_name="orders", if_exists=True)
'''),
    "d4": ("b2", None, "c3", '''
def upgrade():
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("age", sa.Integer))
    op.bulk_insert(users, [{"id": 1, "name": "O'Brien", "age": 40}, {"id": 2, "name": "Ada", "age": 36}])
def downgrade():
    op.execute("DELETE FROM users")
'''),
    "e5": (("d4", "c3"), None, None, '''
def upgrade():
    pass
def downgrade():
    pass
'''),
    "f6": ("e5", None, None, '''
def tags(*extra):
    return sa.Table("tags", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("order_id", sa.Integer), *extra)
def upgrade():
    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True), sa.Column("order_id", sa.Integer))
    with op.batch_alter_table("tags", copy_from=tags()) as b:
        b.create_foreign_key("fk_tags_order", "orders", ["order_id"], ["id"])
def downgrade():
    fk = sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_tags_order")
    with op.batch_alter_table("tags", copy_from=tags(fk)) as b:
        b.drop_constraint("fk_tags_order", type_="foreignkey")
    op.drop_table("tags")
'''),
    "g7": ("f6", None, None, '''
def upgrade():
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE users SET age = age + 1"))
def downgrade():
    conn = op.get_bind()
    conn.execute(sa.text("UPDATE users SET age = age - 1"))
'''),
}
# What the person writes for g7.
G7_SQL = "-- migrate:up\nUPDATE users SET age = age + 1;\n\n-- migrate:down\nUPDATE users SET age = age - 1;\n"


def write_project(base, sa_url):
    os.makedirs(os.path.join(base, "alembic", "versions"))
    with open(os.path.join(base, "alembic", "env.py"), "w") as f:
        f.write(ENV_PY)
    with open(os.path.join(base, "alembic.ini"), "w") as f:
        f.write(f"[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {sa_url}\n")
    for rev, (down, labels, deps, body) in REVISIONS.items():
        with open(os.path.join(base, "alembic", "versions", f"{rev}.py"), "w") as f:
            f.write(f'"""revision {rev}"""\n{HEAD}revision = {rev!r}\ndown_revision = {down!r}\n'
                    f"branch_labels = {labels!r}\ndepends_on = {deps!r}\n{body}")


def header(path):
    keys = {}
    for line in open(path):
        m = re.match(r"-- (\w+): ?(.*)", line)
        if m:
            keys[m.group(1)] = m.group(2).strip()
        if line.startswith("-- migrate:"):
            break
    return keys


def split(v):
    return sorted(x.strip() for x in v.split(",") if x.strip()) if v else []


def as_list(v):
    return sorted([v] if isinstance(v, str) else list(v or []))


def catalog(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        i = inspect(conn)
        names = sorted(t for t in i.get_table_names() if not t.startswith(("alembic_version", "revisor_")))
        shape = {}
        for t in names:
            shape[t] = (
                sorted((c["name"], str(c["type"]).split("(")[0].lower(), c["nullable"]) for c in i.get_columns(t)),
                sorted(tuple(x["column_names"]) for x in i.get_indexes(t)),
                sorted((tuple(x["constrained_columns"]), x["referred_table"]) for x in i.get_foreign_keys(t)),
            )
        rows = [tuple(r) for r in conn.execute(text("SELECT id, name, age FROM users ORDER BY id"))] if "users" in names else []
    engine.dispose()
    return shape, rows


def run(revisor, *args, cwd=None):
    return subprocess.run([revisor, *args], capture_output=True, text=True, cwd=cwd)


def check(name, dialect, revisor, urls, base):
    failures = []

    def expect(cond, what):
        if not cond:
            failures.append(what)

    (sa_a, rv_a), (sa_b, rv_b), (sa_c, rv_c) = urls
    write_project(base, sa_a)
    migs = os.path.join(base, "migs")
    p = run(revisor, "import", "alembic", "--config", os.path.join(base, "alembic.ini"),
            "--dialect", dialect, "--out", migs, "--python", sys.executable)
    expect(p.returncode == 0, f"import: {p.stderr.strip()}")
    expect("g7" in p.stdout and "need a person" in p.stdout, f"import names g7: {p.stdout!r}")
    # 1. The graph is Alembic's.
    script = ScriptDirectory.from_config(Config(os.path.join(base, "alembic.ini")))
    files = {header(os.path.join(migs, f))["revision"]: os.path.join(migs, f) for f in os.listdir(migs)}
    for rev in script.walk_revisions():
        h = header(files[rev.revision])
        expect(split(h.get("down_revision")) == as_list(rev.down_revision), f"{rev.revision} parents {h}")
        expect(split(h.get("branch_labels")) == as_list(rev.module.branch_labels), f"{rev.revision} labels {h}")
        expect(split(h.get("depends_on")) == as_list(rev.module.depends_on), f"{rev.revision} depends_on {h}")
    expect(header(files["c3"]).get("transactional") == "false", "c3 runs outside a transaction")
    # 2. validate refuses the set until a person writes g7's SQL.
    p = run(revisor, "validate", "--dir", migs)
    expect(p.returncode == 2 and "g7" in (p.stdout + p.stderr) and "needs its SQL" in (p.stdout + p.stderr),
           f"validate with g7 untouched: {p.returncode} {p.stderr.strip()}")
    text_g7 = open(files["g7"]).read()
    keys = r"-- (revision|down_revision|branch_labels|depends_on|transactional|message):"
    head = "".join(l for l in text_g7.splitlines(True) if re.match(keys, l))
    with open(files["g7"], "w") as f:
        f.write(head + "\n" + G7_SQL)
    p = run(revisor, "validate", "--dir", migs)
    expect(p.returncode == 0, f"validate after the person: {p.stderr.strip()}")
    # 3. Same catalog and rows as Alembic's own upgrade.
    cfg = Config(os.path.join(base, "alembic.ini"))
    cfg.set_main_option("script_location", os.path.join(base, "alembic"))
    cfg.set_main_option("sqlalchemy.url", sa_a)
    command.upgrade(cfg, "heads")
    p = run(revisor, "upgrade", "head", "--dir", migs, "--database", rv_b)
    expect(p.returncode == 0, f"revisor upgrade head: {p.stderr.strip()}")
    by_alembic, by_revisor = catalog(sa_a), catalog(sa_b)
    expect(by_alembic == by_revisor, f"catalogs differ:\n  alembic {by_alembic}\n  revisor {by_revisor}")
    expect(by_revisor[1] == [(1, "O'Brien", 41), (2, "Ada", 37)], f"rows {by_revisor[1]}")
    # 4. downgrade base leaves nothing.
    p = run(revisor, "downgrade", "base", "--dir", migs, "--database", rv_b)
    expect(p.returncode == 0, f"revisor downgrade base: {p.stderr.strip()}")
    expect(catalog(sa_b)[0] == {}, f"left after downgrade base: {catalog(sa_b)[0]}")
    # 5. A database Alembic took halfway continues.
    cfg.set_main_option("sqlalchemy.url", sa_c)
    command.upgrade(cfg, "d4")
    p = run(revisor, "upgrade", "head", "--dir", migs, "--database", rv_c, "--version-table", "alembic_version")
    expect(p.returncode == 0, f"revisor continues Alembic's database: {p.stderr.strip()}")
    expect(catalog(sa_c) == by_alembic, f"continued catalog {catalog(sa_c)}")
    for f in failures:
        print(f"FAIL {name}: {f}")
    return not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--revisor", required=True)
    args = ap.parse_args()
    revisor = os.path.abspath(args.revisor)
    root = tempfile.mkdtemp(prefix="revisor-import-")
    passed = failed = 0
    cases = [("sqlite", "sqlite", [(f"sqlite:///{root}/{x}.db", f"sqlite://{root}/{x}.db") for x in "abc"])]
    pg = os.environ.get("REVISOR_TEST_POSTGRES_URL")
    if not pg:
        print("FAIL postgres: REVISOR_TEST_POSTGRES_URL is not set (scripts/test.sh sets it)")
        failed += 1
    else:
        prefix = pg.rsplit("/", 1)[0]
        quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
        urls = []
        for x in "abc":
            db = f"revisor_import_{os.getpid()}_{x}"
            subprocess.run(["psql", pg, "-qc", f"DROP DATABASE IF EXISTS {db}", "-c", f"CREATE DATABASE {db}"], check=True, env=quiet)
            urls.append((prefix.replace("postgres://", "postgresql+psycopg2://", 1) + f"/{db}", f"{prefix}/{db}"))
        cases.append(("postgres", "postgresql", urls))
    my = os.environ.get("REVISOR_TEST_MYSQL_URL")
    if not my:
        print("FAIL mariadb: REVISOR_TEST_MYSQL_URL is not set (scripts/test.sh sets it)")
        failed += 1
    else:
        import pymysql

        prefix = my.rsplit("/", 1)[0]
        rest = prefix.split("://", 1)[1]
        user, hostport = rest.rsplit("@", 1) if "@" in rest else ("root", rest)
        user, _, password = user.partition(":")
        host, _, port = hostport.partition(":")
        admin = pymysql.connect(host=host, port=int(port or 3306), user=user, password=password, autocommit=True)
        urls = []
        for x in "abc":
            db = f"revisor_import_{os.getpid()}_{x}"
            with admin.cursor() as c:
                c.execute(f"DROP DATABASE IF EXISTS {db}")
                c.execute(f"CREATE DATABASE {db}")
            urls.append((prefix.replace("mysql://", "mysql+pymysql://", 1).replace("mariadb://", "mysql+pymysql://", 1) + f"/{db}",
                         f"{prefix}/{db}"))
        admin.close()
        cases.append(("mariadb", "mysql", urls))
    for name, dialect, urls in cases:
        try:
            ok = check(name, dialect, revisor, urls, os.path.join(root, name))
        except Exception as e:  # an Alembic or driver failure is a test failure
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            ok = False
        passed += ok
        failed += not ok
        print(f"{'ok' if ok else 'FAILED'}: Alembic project imported and run on {name}")
    shutil.rmtree(root, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
