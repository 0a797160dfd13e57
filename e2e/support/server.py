"""The portcullis binary under test: the background `portcullis serve` and CLI calls (Server), a fresh database per
server on either engine (database), the session's main server with its users (main_server), and reads of what the
server stored or logged."""

import base64
import contextlib
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .config import BINARY, ENGINE, OUT, PUBLIC_HOST, ROOT
from .otp import RESEND_COOLDOWN

# The main server's organization settings (issue 3): users text their code to this number, and may not use an
# address at this domain for email codes. Its email goes out from SMTP_FROM.
INBOUND_SMS_NUMBER = "+15005550000"
BLOCKED_EMAIL_DOMAIN = "firm.example"
SMTP_FROM = "portcullis@example.test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_admin_url():
    url = os.environ.get("PORTCULLIS_TEST_POSTGRES_URL")
    if not url:
        script = ROOT / "scripts" / "test-postgres.sh"
        url = subprocess.run(["bash", str(script), "url"], check=True, capture_output=True, text=True).stdout.strip()
    return url


def psql(url, sql):
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qtA", "-c", sql], check=True, capture_output=True, text=True)


class Server:
    """The portcullis binary: CLI calls and the background `serve` process."""

    def __init__(self, binary, env, port, db_url):
        self.binary, self.env, self.port, self.db_url = binary, env, port, db_url
        self.base_url = f"http://{PUBLIC_HOST}:{port}"
        self.log_path = OUT / "server.log"
        self.proc = None

    def cli(self, *args):
        res = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True, timeout=120)
        with open(OUT / "cli.log", "a") as log:
            log.write(f"$ portcullis {args[0]} ... (exit {res.returncode})\n{res.stdout}{res.stderr}\n")
        if res.returncode != 0:
            raise AssertionError(f"portcullis {' '.join(args[:2])} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
        return res.stdout

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base_url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        raise AssertionError(f"server not ready within 60 s:\n{self.log_tail()}")

    def stop(self):
        """Idempotent; afterwards the log is complete."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._log.close()

    def sql(self, query, *params):
        """Rows of a read-only query on the server's database (SQLite file or PostgreSQL), as tuples of strings.
        `params` are bound to `?` placeholders (SQLite) or quoted literally (PostgreSQL, through psql)."""
        if ENGINE == "sqlite":
            import sqlite3
            with contextlib.closing(sqlite3.connect(f"file:{self.db_url}?mode=ro", uri=True, timeout=10)) as db:
                return [tuple("" if v is None else str(v) for v in row) for row in db.execute(query, params)]
        for p in params:
            query = query.replace("?", "'" + str(p).replace("'", "''") + "'", 1)
        out = subprocess.run(["psql", self.db_url, "-v", "ON_ERROR_STOP=1", "-qtA", "-F", "\t", "-c", query],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def write(self, statement):
        """One statement on the server's database: a test's own set-up, where no page or command does it."""
        if ENGINE == "sqlite":
            import sqlite3
            with contextlib.closing(sqlite3.connect(self.db_url, timeout=10)) as db:
                db.execute(statement)
                db.commit()
        else:
            subprocess.run(["psql", self.db_url, "-v", "ON_ERROR_STOP=1", "-qc", statement], check=True, capture_output=True)

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])


@contextlib.contextmanager
def database(tmp):
    """The URL of a fresh database for one server: a SQLite file in the directory `tmp`, or a new PostgreSQL
    database on the test PostgreSQL, dropped afterwards."""
    if ENGINE == "sqlite":
        yield str(tmp / "portcullis.sqlite")
        return
    if ENGINE != "postgres":
        pytest.fail(f"E2E_DATABASE must be sqlite or postgres, not {ENGINE!r}")
    admin_url = postgres_admin_url()
    db_name = f"portcullis_e2e_{secrets.token_hex(4)}"
    psql(admin_url, f"CREATE DATABASE {db_name}")
    try:
        yield urllib.parse.urlparse(admin_url)._replace(path="/" + db_name).geturl()
    finally:
        psql(admin_url, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")


@contextlib.contextmanager
def main_server(tmp, used_secrets, twilio, smtp):
    """The session's server, with SMS through the fake Twilio and email through the SMTP sink, and its users made with
    the CLI before it starts: alice (MFA required; server.alice), and sam, emma, boss (an admin), tom and lena
    (server.users)."""
    if not os.access(BINARY, os.X_OK):
        pytest.fail(f"no portcullis binary at {BINARY}: run `swift build` (or set PORTCULLIS_BINARY)")
    with database(tmp) as db_url:
        port = free_port()
        env = dict(
            os.environ,
            PORTCULLIS_DEV="1",
            PORTCULLIS_DATABASE_URL=db_url,
            PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode(),
            PORTCULLIS_BASE_URL=f"http://{PUBLIC_HOST}:{port}",
            # SMS through the fake Twilio, email through the SMTP sink (both in this process).
            PORTCULLIS_SMS_PROVIDER="twilio",
            PORTCULLIS_TWILIO_ACCOUNT_SID=twilio.account_sid,
            PORTCULLIS_TWILIO_AUTH_TOKEN=twilio.auth_token,
            PORTCULLIS_TWILIO_FROM=twilio.from_number,
            PORTCULLIS_TWILIO_BASE_URL=twilio.base_url,
            PORTCULLIS_SMTP_HOST="127.0.0.1",
            PORTCULLIS_SMTP_PORT=str(smtp.port),
            PORTCULLIS_SMTP_SECURITY="none",
            PORTCULLIS_SMTP_FROM=SMTP_FROM,
        )
        used_secrets.add(twilio.auth_token)
        srv = Server(BINARY, env, port, db_url)
        try:
            _set_up(srv, used_secrets)
            srv.start()
            yield srv
        finally:
            srv.stop()


def _set_up(srv, used_secrets):
    srv.cli("migrate")
    assert "default" in srv.cli("org", "list").split(), "migrate creates the default organization"
    # The users exist before the server starts, as an admin would set them up.
    # The password starts with letters so the CLI never takes it for an option.
    srv.alice = dict(username="alice", org="default", name="Alice Example",
                     password="Pw-" + secrets.token_urlsafe(18))
    used_secrets.add(srv.alice["password"])
    a = srv.alice
    srv.cli("user", "create", a["username"], "--org", a["org"], "--name", a["name"], "--password", a["password"])
    srv.cli("user", "require-mfa", a["username"], "--org", a["org"])
    assert a["username"] in srv.cli("user", "list", "--org", a["org"])

    # Issue 3 (test_sms.py, test_email.py, test_tokens.py): inbound SMS confirmation and a blocked
    # email domain for the default organization, and one user per scenario part
    # (refused codes count toward each user's lockout).
    out = srv.cli("org", "configure", "default", "--inbound-sms-number", INBOUND_SMS_NUMBER,
                  "--blocked-email-domains", BLOCKED_EMAIL_DOMAIN)
    assert INBOUND_SMS_NUMBER in out and BLOCKED_EMAIL_DOMAIN in out, out
    zone = re.search(r"time zone ([\w/+-]+)", out)
    assert zone, f"org configure should print the time zone: {out!r}"
    srv.org_time_zone = zone.group(1)
    srv.cli("policy", "set", "--org", "default", f"resendCooldownSeconds={RESEND_COOLDOWN}")
    srv.users = {}
    for username, name, extra in (("sam", "Sam Sms", ()), ("emma", "Emma Email", ()),
                                  ("boss", "Boss", ("--admin",)), ("tom", "Tom Token", ()),
                                  ("lena", "Lena Loan", ())):
        user = dict(username=username, org="default", name=name, password="Pw-" + secrets.token_urlsafe(18))
        used_secrets.add(user["password"])
        srv.cli("user", "create", username, "--org", "default", "--name", name, "--password", user["password"], *extra)
        srv.users[username] = user


# --- what the server stored or logged -----------------------------------------------


def user_row(server, username):
    rows = server.sql("SELECT id, failed_factor_attempts, locked_until FROM users WHERE username = ?", username)
    assert len(rows) == 1, rows
    user_id, failures, locked_until = rows[0]
    return dict(id=user_id, failures=int(failures), locked_until=locked_until)


def failed_factor_events(server, user_id):
    return server.sql("SELECT reason FROM audit_events WHERE user_id = ? AND type = 'factor.failed' ORDER BY created_at",
                      user_id)


def find_secrets(text, values):
    """The values that occur in text. Short (code-like) values count only as
    whole tokens, so that e.g. the microseconds of a timestamp don't match."""
    found = []
    for v in sorted(values):
        if len(v) >= 12:
            hit = v.lower() in text.lower()
        else:
            hit = re.search(r"(?<![\w.])" + re.escape(v) + r"(?!\w)", text, re.IGNORECASE) is not None
        if hit:
            found.append(v)
    return found
