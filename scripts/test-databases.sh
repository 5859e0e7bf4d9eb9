#!/usr/bin/env bash
# Sourced by scripts/test.sh: makes sure a PostgreSQL and a MariaDB server
# are reachable for the tests and exports their URLs:
#
#   REVISOR_TEST_POSTGRES_URL  e.g. postgres://postgres@127.0.0.1:5432/postgres
#   REVISOR_TEST_MYSQL_URL     e.g. mysql://root@127.0.0.1:3306/mysql
#
# A URL that is already set and reachable is used as it is (the tests make
# their own databases on it). Otherwise a throwaway server is started from
# the installed binaries (the Debian packages are installed if missing), in
# a temporary directory, listening on 127.0.0.1 only, on a free port, and
# stopped when the calling shell exits.

revisor_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

revisor_pg_reachable() {
  command -v psql >/dev/null 2>&1 && psql "$1" -qAtc 'SELECT 1' >/dev/null 2>&1
}

revisor_mysql_reachable() {
  # mysql://user[:password]@host:port/db
  local rest=${1#mysql://} user host port
  user=${rest%%@*}; user=${user%%:*}
  host=${rest#*@}; host=${host%%/*}; port=${host##*:}; host=${host%%:*}
  command -v mariadb >/dev/null 2>&1 && mariadb --protocol=TCP -h "$host" -P "$port" -u "$user" -e 'SELECT 1' >/dev/null 2>&1
}

revisor_apt_install() {
  if [ -z "${REVISOR_APT_UPDATED:-}" ]; then
    apt-get update -q >/dev/null
    REVISOR_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

revisor_tmp=$(mktemp -d /tmp/revisor-test-db.XXXXXX)
chmod 755 "$revisor_tmp"
revisor_cleanup() {
  if [ -f "$revisor_tmp/pg/postmaster.pid" ]; then
    runuser -u postgres -- "$revisor_pgbin/pg_ctl" -D "$revisor_tmp/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -f "$revisor_tmp/mysqld.pid" ]; then
    kill "$(cat "$revisor_tmp/mysqld.pid")" 2>/dev/null || true
    sleep 1
  fi
  rm -rf "$revisor_tmp"
}
trap revisor_cleanup EXIT

if [ -n "${REVISOR_TEST_POSTGRES_URL:-}" ] && revisor_pg_reachable "$REVISOR_TEST_POSTGRES_URL"; then
  echo "PostgreSQL: using $REVISOR_TEST_POSTGRES_URL"
else
  if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    revisor_apt_install postgresql postgresql-client
  fi
  revisor_pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  mkdir -p "$revisor_tmp/pg" "$revisor_tmp/pgrun" && chown postgres "$revisor_tmp/pg" "$revisor_tmp/pgrun"
  port=$(revisor_free_port)
  runuser -u postgres -- "$revisor_pgbin/initdb" -D "$revisor_tmp/pg" -A trust -U postgres --no-sync >/dev/null
  runuser -u postgres -- "$revisor_pgbin/pg_ctl" -D "$revisor_tmp/pg" -l "$revisor_tmp/pgrun/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $revisor_tmp/pgrun -c fsync=off -c max_connections=200" start >/dev/null
  export REVISOR_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL: started a throwaway server at $REVISOR_TEST_POSTGRES_URL"
fi

if [ -n "${REVISOR_TEST_MYSQL_URL:-}" ] && revisor_mysql_reachable "$REVISOR_TEST_MYSQL_URL"; then
  echo "MariaDB: using $REVISOR_TEST_MYSQL_URL"
else
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    revisor_apt_install mariadb-server mariadb-client
  fi
  mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)
  port=$(revisor_free_port)
  mariadb-install-db --no-defaults --datadir="$revisor_tmp/my" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >"$revisor_tmp/my-install.log" 2>&1
  "$mariadbd" --no-defaults --datadir="$revisor_tmp/my" --user=root --bind-address=127.0.0.1 \
    --port="$port" --socket="$revisor_tmp/my.sock" --pid-file="$revisor_tmp/mysqld.pid" \
    --innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --skip-name-resolve \
    --log-error="$revisor_tmp/my.log" 2>>"$revisor_tmp/my.log" &
  for _ in $(seq 1 60); do
    mariadb --protocol=TCP -h 127.0.0.1 -P "$port" -u root -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb --protocol=TCP -h 127.0.0.1 -P "$port" -u root -e 'SELECT 1' >/dev/null || {
    echo "MariaDB did not start:"; cat "$revisor_tmp/my.log"; exit 1
  }
  export REVISOR_TEST_MYSQL_URL="mysql://root@127.0.0.1:$port/mysql"
  echo "MariaDB: started a throwaway server at $REVISOR_TEST_MYSQL_URL"
fi
