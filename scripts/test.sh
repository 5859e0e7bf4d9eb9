#!/usr/bin/env bash
# The one test command (README.md): formatting, lints, every Rust test
# (the database tests against real PostgreSQL, MariaDB and SQLite), and the
# differential test against real Alembic.
#
# Environment:
#   REVISOR_TEST_POSTGRES_URL, REVISOR_TEST_MYSQL_URL
#                           servers to test against; throwaway ones are
#                           started when these are unset or unreachable
#   REVISOR_ALEMBIC_GRAPHS  random graphs for the Alembic differential test (default 500)
#   REVISOR_ALEMBIC_SEED    its seed (default: random, printed)
#   PROPTEST_CASES          cases per property test (proptest's default: 256)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# --all-targets also type-checks the benches, so a broken bench fails here
# without a second, release-profile build of the whole tree.
step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "test databases"
# shellcheck source=scripts/test-databases.sh
source scripts/test-databases.sh

step "cargo test"
cargo test --workspace --locked

step "Alembic differential test"
venv=target/alembic-venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import alembic, psycopg2, pymysql' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r operator/tests/alembic/requirements.txt
fi
"$venv/bin/python" operator/tests/alembic/diff.py --revisor target/debug/revisor

step "Alembic adoption test"
"$venv/bin/python" operator/tests/alembic/adopt.py --revisor target/debug/revisor

step "Alembic import test"
"$venv/bin/python" operator/tests/alembic/import_test.py --revisor target/debug/revisor

step "End-to-end suite (needs a cluster; says SKIPPED without one)"
bash e2e/run.sh
