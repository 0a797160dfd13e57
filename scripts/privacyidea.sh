#!/usr/bin/env bash
# privacyIDEA 3.14 from PyPI as a local peer, for the verification API's compatibility test (compat/) and
# benchmark (bench/verification.py). Everything lives under .privacyidea/ (git-ignored) and listens on 127.0.0.1.
#
#   scripts/privacyidea.sh setup         venv + config + tables + admin + a flat-file user store (idempotent)
#   scripts/privacyidea.sh start PORT    gunicorn in the background; waits until it answers
#   scripts/privacyidea.sh stop
#
# Users in the flat-file store: alice, bob and bench1..bench16, all with the password in .privacyidea/user.pw.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="$PWD/.privacyidea"
VENV="$DIR/venv"
export PRIVACYIDEA_CONFIGFILE="$DIR/pi.cfg"

setup() {
  mkdir -p "$DIR" && chmod 700 "$DIR"
  if ! "$VENV/bin/python" -c 'import importlib.metadata as m; assert m.version("privacyidea") == "3.14"' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check "privacyidea==3.14" gunicorn passlib
  fi
  if [[ ! -f "$DIR/pi.cfg" ]]; then
    "$VENV/bin/python" - "$DIR" <<'PY'
import os, secrets, sys, uuid
d = sys.argv[1]
cfg = f"""
SUPERUSER_REALM = ['super']
SQLALCHEMY_DATABASE_URI = 'sqlite:///{d}/pi.sqlite'
SQLALCHEMY_ENGINE_OPTIONS = {{'connect_args': {{'timeout': 30}}}}
SECRET_KEY = '{secrets.token_hex(32)}'
PI_PEPPER = '{secrets.token_hex(24)}'
PI_ENCFILE = '{d}/enckey'
PI_AUDIT_KEY_PRIVATE = '{d}/private.pem'
PI_AUDIT_KEY_PUBLIC = '{d}/public.pem'
PI_AUDIT_SQL_TRUNCATE = True
PI_LOGFILE = '{d}/privacyidea.log'
PI_LOGLEVEL = 30
PI_NODE = 'compat'
PI_NODE_UUID = '{uuid.uuid4()}'
"""
open(os.path.join(d, "pi.cfg"), "w").write(cfg)
PY
    chmod 600 "$DIR/pi.cfg"
  fi
  local pim=("$VENV/bin/pi-manage")
  [[ -f "$DIR/enckey" ]] || (cd "$DIR" && "${pim[@]}" setup create_enckey >/dev/null)
  [[ -f "$DIR/private.pem" ]] || (cd "$DIR" && "${pim[@]}" setup create_audit_keys >/dev/null)
  # The key steps may create the database file already: look for a table, not the file.
  if ! "$VENV/bin/python" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); sys.exit(0 if c.execute(\"select 1 from sqlite_master where name='admin'\").fetchone() else 1)" "$DIR/pi.sqlite"; then
    (cd "$DIR" && "${pim[@]}" setup create_tables >/dev/null)
    "$VENV/bin/python" -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')" "$DIR/pi.sqlite"
  fi
  [[ -f "$DIR/admin.pw" ]] || { "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(16))' > "$DIR/admin.pw"; chmod 600 "$DIR/admin.pw"; }
  [[ -f "$DIR/user.pw" ]] || { "$VENV/bin/python" -c 'import secrets; print("Pw-" + secrets.token_urlsafe(12))' > "$DIR/user.pw"; chmod 600 "$DIR/user.pw"; }
  (cd "$DIR" && "${pim[@]}" admin list 2>/dev/null | grep -q '^admin\b') || \
    (cd "$DIR" && "${pim[@]}" admin add admin -e admin@example.test -p "$(cat "$DIR/admin.pw")" >/dev/null)
  if [[ ! -f "$DIR/users.passwd" ]]; then
    "$VENV/bin/python" - "$DIR/users.passwd" "$(cat "$DIR/user.pw")" <<'PY'
import sys
from passlib.hash import sha512_crypt
names = ["alice", "bob"] + [f"bench{i}" for i in range(1, 17)]
with open(sys.argv[1], "w") as f:
    for uid, name in enumerate(names, start=2000):
        f.write(f"{name}:{sha512_crypt.using(rounds=5000).hash(sys.argv[2])}:{uid}:{uid}:{name},,,,{name}@example.test:/home/{name}:/bin/sh\n")
PY
  fi
  if ! (cd "$DIR" && "${pim[@]}" config resolver list 2>/dev/null | grep -q '^files'); then
    printf "{'fileName': '%s'}\n" "$DIR/users.passwd" > "$DIR/resolver.conf"
    (cd "$DIR" && "${pim[@]}" config resolver create files passwdresolver "$DIR/resolver.conf" >/dev/null)
  fi
  if ! (cd "$DIR" && "${pim[@]}" config realm list 2>/dev/null | grep -q 'default'); then
    (cd "$DIR" && "${pim[@]}" config realm create default files >/dev/null && "${pim[@]}" config realm set_default default >/dev/null)
  fi
}

start() {
  local port="$1"
  stop >/dev/null 2>&1 || true
  "$VENV/bin/gunicorn" --bind "127.0.0.1:$port" --workers "${PI_WORKERS:-4}" --pid "$DIR/gunicorn.pid" --daemon \
    --error-logfile "$DIR/gunicorn.log" --timeout 60 --chdir "$DIR" \
    "privacyidea.app:create_app(config_name='production', config_file='$DIR/pi.cfg', silent=True)"
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz/" 2>/dev/null && { echo "privacyIDEA on http://127.0.0.1:$port"; return 0; }
    sleep 0.5
  done
  echo "privacyIDEA did not start; see $DIR/gunicorn.log" >&2
  return 1
}

stop() {
  [[ -f "$DIR/gunicorn.pid" ]] || return 0
  local pid; pid="$(cat "$DIR/gunicorn.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$DIR/gunicorn.pid"
}

case "${1:-}" in
  setup) setup ;;
  start) start "${2:-5001}" ;;
  stop) stop ;;
  *) echo "usage: $0 setup | start PORT | stop" >&2; exit 2 ;;
esac
