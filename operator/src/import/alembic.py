"""Revisor's Alembic importer: every revision of an Alembic project, its
graph and the SQL its upgrade() and downgrade() emit in Alembic's own
offline mode for one dialect, as JSON on stdout.

Run by `revisor import alembic` with the user's interpreter (the one that
has the project's Alembic and imports its revision modules), in one
process for the whole project:

    python - ALEMBIC_INI DIALECT < alembic.py
"""

import inspect
import io
import json
import sys
import warnings

from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

warnings.simplefilter("ignore")

# Code that needs a database to decide its SQL; offline rendering would
# drop or fake what it does.
ONLINE = (
    ("get_bind(", "op.get_bind()"),
    (".bind", "a bind"),
    ("get_context().connection", "the context's connection"),
    ("inspect(", "inspection of the database"),
)


def as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def render(fn, dialect):
    buf = io.StringIO()
    ctx = MigrationContext.configure(
        dialect_name=dialect,
        opts={"as_sql": True, "output_buffer": buf, "literal_binds": True},
    )
    with Operations.context(ctx):
        fn()
    return buf.getvalue()


def main():
    config_path, dialect = sys.argv[1], sys.argv[2]
    script = ScriptDirectory.from_config(Config(config_path))
    out = []
    for rev in script.walk_revisions():
        module = rev.module
        source = inspect.getsource(module)
        entry = {
            "id": rev.revision,
            "down_revisions": as_list(rev.down_revision),
            "branch_labels": sorted(as_list(getattr(module, "branch_labels", None))),
            "depends_on": as_list(getattr(module, "depends_on", None)),
            "message": (rev.doc or "").strip(),
            "transactional": "autocommit_block" not in source,
            "up": "",
            "down": "",
            "needs_sql": None,
            "python": source,
        }
        online = [name for pattern, name in ONLINE if pattern in source]
        if online:
            entry["needs_sql"] = "its code uses %s, which needs a live connection" % ", ".join(online)
        else:
            try:
                entry["up"] = render(module.upgrade, dialect)
                entry["down"] = render(module.downgrade, dialect)
            except Exception as e:  # noqa: BLE001 - any failure needs a person
                entry["needs_sql"] = "Alembic's offline mode could not render it: %s: %s" % (
                    type(e).__name__,
                    str(e).splitlines()[0] if str(e) else "",
                )
        out.append(entry)
    json.dump(out, sys.stdout)


main()
