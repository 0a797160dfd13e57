#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suites (Swift storage tests and e2e).
#   start  create the cluster once, start it if it is not running, wait until ready
#   stop   stop it (the data stays for the next start)
#   url    print the connection URL
# It lives under /tmp rather than in the repo so the postgres user can reach it
# wherever the checkout is, and listens on TCP 127.0.0.1 only, on a port of its
# own so it never collides with a system cluster on 5432.
set -euo pipefail

PGROOT=${PORTCULLIS_PG_DIR:-/tmp/portcullis-pg}
PGDATA=$PGROOT/data
PORT=54329
DB=portcullis_test
URL=postgres://portcullis:portcullis@127.0.0.1:$PORT/$DB

pgbin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "test-postgres: PostgreSQL is not installed (make deps-test)" >&2; exit 1; }
  echo "$dir/$1"
}

# PostgreSQL refuses to run as root: as root the cluster belongs to postgres,
# any other user simply owns it. cd / because postgres may not read the cwd.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

running() { [ -f "$PGDATA/PG_VERSION" ] && as_owner "$(pgbin pg_ctl)" -D "$PGDATA" status >/dev/null 2>&1; }

init() {
  [ -f "$PGDATA/PG_VERSION" ] && return
  mkdir -p "$PGROOT"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PGROOT"
  chmod 700 "$PGROOT"
  echo portcullis | as_owner tee "$PGROOT/pwfile" >/dev/null
  # The bootstrap superuser is the test role itself: SUPERUSER, so the tests may
  # create and drop schemas and databases freely.
  as_owner "$(pgbin initdb)" -D "$PGDATA" -U portcullis --pwfile="$PGROOT/pwfile" \
    -E UTF8 --no-locale --auth-local=trust --auth-host=scram-sha-256 >"$PGROOT/initdb.log"
  rm -f "$PGROOT/pwfile"
  # Durability is worthless for test data; turning it off makes the suites faster.
  as_owner tee -a "$PGDATA/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGROOT'
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
}

start() {
  init
  if ! running; then
    # Every suite opens its own pools and the suites run in parallel: 200 connections were not enough.
    as_owner "$(pgbin pg_ctl)" -D "$PGDATA" -l "$PGROOT/server.log" -o "-c max_connections=500" -w -t 60 start >/dev/null
  fi
  for _ in $(seq 60); do
    "$(pgbin pg_isready)" -q -h 127.0.0.1 -p "$PORT" && break
    sleep 1
  done
  "$(pgbin pg_isready)" -q -h 127.0.0.1 -p "$PORT" || { tail -n 20 "$PGROOT/server.log" >&2; exit 1; }
  export PGPASSWORD=portcullis
  local psql=("$(pgbin psql)" -h 127.0.0.1 -p "$PORT" -U portcullis -d postgres -v ON_ERROR_STOP=1 -qtA)
  [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" = 1 ] ||
    "${psql[@]}" -c "CREATE DATABASE $DB OWNER portcullis"
  echo "test-postgres: ready at $URL" >&2
}

stop() {
  running || return 0
  as_owner "$(pgbin pg_ctl)" -D "$PGDATA" -m fast -w stop >/dev/null
  echo "test-postgres: stopped" >&2
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
