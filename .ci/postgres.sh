#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the store tests; prints the URL to export.
#
#   eval "$(.ci/postgres.sh start)"     # starts it, exports GENJUDGE_TEST_PG_URL
#   .ci/postgres.sh stop                # stops it and removes its data folder
#
# Settings (environment): PGPORT_TEST (default 55432), PGDATA_TEST (default /tmp/genjudge-pg).
# Needs Debian's `postgresql` package (initdb, pg_ctl). Postgres refuses to run as root, so under
# root the server runs as the `postgres` user (runuser).
set -euo pipefail

port="${PGPORT_TEST:-55432}"
data="${PGDATA_TEST:-/tmp/genjudge-pg}"
db="genjudge_test"

bindir=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/pg_ctl" ] && bindir="$d"; done
[ -n "$bindir" ] || bindir="$(dirname "$(command -v pg_ctl)")"

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-start}" in
  start)
    if [ ! -s "$data/PG_VERSION" ]; then
      mkdir -p "$data"
      [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
      as_pg "$bindir/initdb" -D "$data" -U postgres -A trust --no-sync >/dev/null
    fi
    if ! as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      # Loopback only, socket in the data folder; fsync off: a test server need not survive a crash.
      as_pg "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w \
        -o "-k $data -p $port -h 127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
    fi
    as_pg "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
      || as_pg "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres "$db"
    echo "export GENJUDGE_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$port/$db"
    ;;
  stop)
    as_pg "$bindir/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$data"
    ;;
  *)
    echo "usage: $0 [start|stop]" >&2
    exit 2
    ;;
esac
