"""Fixtures for the browser end-to-end tests.

One server per test session, on SQLite or on a fresh PostgreSQL database
(E2E_DATABASE=sqlite|postgres), driven by Debian's headless Chromium through
Debian's chromedriver. Output (server log, CLI log, screenshots) goes to
test-output/e2e/<engine>/.

The server delivers codes to fakes in this process: a Twilio-compatible
Messages API (FakeTwilio, http.server in a thread) and an SMTP server
(SMTPSink, aiosmtpd). Tests marked `runs_last` (the server-log check, which
stops the server) run after every other test, whatever their file.
"""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parent.parent
ENGINE = os.environ.get("E2E_DATABASE", "sqlite")
OUT = ROOT / "test-output" / "e2e" / ENGINE
WAIT = 20  # seconds for any page or element; a debug build on 2 cores is slow
# The binary under test: PORTCULLIS_BINARY (or the older PORTCULLIS_BIN) overrides the debug build, e.g. a copy
# made so that a concurrent `swift build` cannot swap it out mid-run.
BINARY = (os.environ.get("PORTCULLIS_BINARY") or os.environ.get("PORTCULLIS_BIN")
          or str(ROOT / ".build" / "debug" / "portcullis"))
# The server listens on 127.0.0.1, but its public URL (and the browser's) names the host `localhost`: browsers refuse
# IP addresses as WebAuthn relying-party IDs, and treat http://localhost as a secure context.
PUBLIC_HOST = "localhost"


def pytest_report_header(config):
    return f"e2e database engine: {ENGINE}; output in {OUT}"


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_last: run after every other test of the session (e.g. it stops the server)")


def pytest_collection_modifyitems(config, items):
    """Tests marked runs_last go to the end (stable: the others keep their order)."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)


# --- server -----------------------------------------------------------------


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_admin_url():
    url = os.environ.get("PORTCULLIS_TEST_POSTGRES_URL")
    if not url:
        script = ROOT / "scripts" / "test-postgres.sh"
        url = subprocess.run(["bash", str(script), "url"], check=True, capture_output=True, text=True).stdout.strip()
    return url


def _psql(url, sql):
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
            import contextlib
            import sqlite3
            with contextlib.closing(sqlite3.connect(f"file:{self.db_url}?mode=ro", uri=True, timeout=10)) as db:
                return [tuple("" if v is None else str(v) for v in row) for row in db.execute(query, params)]
        for p in params:
            query = query.replace("?", "'" + str(p).replace("'", "''") + "'", 1)
        out = subprocess.run(["psql", self.db_url, "-v", "ON_ERROR_STOP=1", "-qtA", "-F", "\t", "-c", query],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines=40):
        return "\n".join(self.log_text().splitlines()[-lines:])


@pytest.fixture(scope="session")
def out_dir():
    """A clean output directory, so the numbered screenshots are this run's only."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    return OUT


@pytest.fixture(scope="session")
def used_secrets():
    """Every password, TOTP secret, TOTP code and backup code the tests use;
    none of them may appear in the server log."""
    return set()


@pytest.fixture(scope="session")
def server(out_dir, tmp_path_factory, used_secrets, twilio, smtp):
    binary = BINARY
    if not os.access(binary, os.X_OK):
        pytest.fail(f"no portcullis binary at {binary}: run `swift build` (or set PORTCULLIS_BINARY)")

    tmp = tmp_path_factory.mktemp("portcullis")
    admin_url = db_name = None
    if ENGINE == "sqlite":
        db_url = str(tmp / "portcullis.sqlite")
    elif ENGINE == "postgres":
        admin_url = _postgres_admin_url()
        db_name = f"portcullis_e2e_{secrets.token_hex(4)}"
        _psql(admin_url, f"CREATE DATABASE {db_name}")
        db_url = urllib.parse.urlparse(admin_url)._replace(path="/" + db_name).geturl()
    else:
        pytest.fail(f"E2E_DATABASE must be sqlite or postgres, not {ENGINE!r}")

    port = _free_port()
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
    srv = Server(binary, env, port, db_url)
    try:
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

        # Issue 3 (test_tokens_sms_email.py): inbound SMS confirmation and a blocked
        # email domain for the default organization, and one user per scenario part
        # (refused codes count toward each user's lockout).
        out = srv.cli("org", "configure", "default", "--inbound-sms-number", INBOUND_SMS_NUMBER,
                      "--blocked-email-domains", BLOCKED_EMAIL_DOMAIN)
        assert INBOUND_SMS_NUMBER in out and BLOCKED_EMAIL_DOMAIN in out, out
        zone = re.search(r"time zone ([\w/+-]+)", out)
        assert zone, f"org configure should print the time zone: {out!r}"
        srv.org_time_zone = zone.group(1)
        srv.users = {}
        for username, name, extra in (("sam", "Sam Sms", ()), ("emma", "Emma Email", ()),
                                      ("boss", "Boss", ("--admin",)), ("tom", "Tom Token", ()),
                                      ("lena", "Lena Loan", ())):
            user = dict(username=username, org="default", name=name, password="Pw-" + secrets.token_urlsafe(18))
            used_secrets.add(user["password"])
            srv.cli("user", "create", username, "--org", "default", "--name", name, "--password", user["password"], *extra)
            srv.users[username] = user
        srv.start()
        yield srv
    finally:
        srv.stop()
        if db_name:
            _psql(admin_url, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")

# --- fake providers: Twilio Messages API and an SMTP server -----------------

INBOUND_SMS_NUMBER = "+15005550000"  # the organization's number users text their code to
BLOCKED_EMAIL_DOMAIN = "firm.example"
SMTP_FROM = "portcullis@example.test"


class FakeTwilio:
    """Twilio's Messages API as far as Portcullis uses it:
    POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From
    (or MessagingServiceSid) and Body, HTTP basic auth AccountSid:AuthToken;
    201 with the message resource as JSON. Every request is recorded; anything
    Twilio would refuse goes to `problems` (and gets Twilio's error answer).
    Set `fail_status` (e.g. 503) to play a provider that is down."""

    def __init__(self):
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.from_number = "+15005550006"
        self.messages, self.refused, self.problems = [], [], []
        self.fail_status = None
        self._cond = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet; bodies hold codes
                pass

            def _answer(self, status, doc):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status, code, message):
                with fake._cond:
                    fake.problems.append(f"{status} {code}: {message} ({self.command} {self.path})")
                self._answer(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                      "status": status})

            def do_GET(self):
                self._error(405, 20004, "Method not allowed")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                expected_path = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                if urllib.parse.urlsplit(self.path).path != expected_path:
                    return self._error(404, 20404, "The requested resource was not found")
                auth = self.headers.get("Authorization", "")
                want = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if not hmac.compare_digest(auth, want):
                    return self._error(401, 20003, "Authentication Error - invalid username")
                if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                    return self._error(400, 21000, "Content-Type must be application/x-www-form-urlencoded")
                form = {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
                to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
                if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
                    return self._error(400, 21211, f"The 'To' number {to!r} is not a valid phone number.")
                if sender != fake.from_number:
                    return self._error(400, 21212, f"The 'From' number {sender!r} is not a valid phone number for this account.")
                if not body:
                    return self._error(400, 21602, "Message body is required.")
                record = dict(to=to, from_=sender, body=body, at=time.time(), sid="SM" + secrets.token_hex(16))
                if fake.fail_status:
                    with fake._cond:
                        fake.refused.append(record)
                        fake._cond.notify_all()
                    return self._answer(fake.fail_status, {"code": 20500, "message": "Service Unavailable",
                                                           "more_info": "https://www.twilio.com/docs/errors/20500",
                                                           "status": fake.fail_status})
                with fake._cond:
                    fake.messages.append(record)
                    fake._cond.notify_all()
                now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
                self._answer(201, {
                    "sid": record["sid"], "account_sid": fake.account_sid, "to": to, "from": sender, "body": body,
                    "status": "queued", "direction": "outbound-api", "num_segments": "1", "api_version": "2010-04-01",
                    "date_created": now, "date_updated": now, "date_sent": None, "price": None, "error_code": None,
                    "error_message": None, "messaging_service_sid": None,
                    "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{record['sid']}.json",
                })

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-twilio", daemon=True)
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, to, after, timeout=30, refused=False):
        """The first message to `to` recorded after the first `after` messages
        (of `refused` ones with refused=True)."""
        box = self.refused if refused else self.messages
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in box[after:]:
                    if m["to"] == to:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no SMS to {to} within {timeout} s; Twilio problems: {self.problems}")
                self._cond.wait(left)

    def last_request_at(self, to):
        with self._cond:
            return max((m["at"] for m in self.messages + self.refused if m["to"] == to), default=0.0)

    def inbound_signature(self, url, params, token=None):
        """X-Twilio-Signature: base64(HMAC-SHA1(auth token, url + name+value of each param sorted by name))."""
        data = url + "".join(name + params[name] for name in sorted(params))
        mac = hmac.new((token or self.auth_token).encode(), data.encode(), hashlib.sha1).digest()
        return base64.b64encode(mac).decode()


class SMTPSink:
    """A plain SMTP server (aiosmtpd, no TLS, no auth) that keeps every message."""

    def __init__(self):
        self.messages = []
        self._cond = threading.Condition()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink._cond:
                    sink.messages.append(dict(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                                              message=msg, at=time.time()))
                    sink._cond.notify_all()
                return "250 Message accepted for delivery"

        self.port = _free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def wait_for(self, to, after, timeout=30):
        """The first message for `to` received after the first `after` messages."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages[after:]:
                    if to in m["rcpt_tos"]:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email to {to} within {timeout} s")
                self._cond.wait(left)

    def last_message_at(self, to):
        with self._cond:
            return max((m["at"] for m in self.messages if to in m["rcpt_tos"]), default=0.0)


@pytest.fixture(scope="session")
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def smtp():
    sink = SMTPSink()
    yield sink
    sink.stop()



def take_backup_codes(ui, used_secrets, next_path):
    """Reads the backup codes page shown with a first factor (remembering the codes as secrets that must never be
    logged), continues, and returns the codes."""
    ui.wait_el("#backup-codes", "backup-codes")
    ui.assert_no_error()
    codes = [li.get_attribute("textContent").strip() for li in ui.all("#backup-codes li.backup-code")]
    assert len(codes) == 10 and all(codes), codes
    used_secrets.update(codes)
    ui.follow("#continue")
    ui.wait_path(next_path, "after-backup-codes")
    return codes


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


# --- browser ----------------------------------------------------------------


@pytest.fixture(scope="session")
def driver(out_dir):
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    # Password-manager bubbles ("save password?", "password found in a breach")
    # can cover the page.
    opts.add_experimental_option("prefs", {
        "credentials_enable_service": False,
        "profile.password_manager_enabled": False,
        "profile.password_manager_leak_detection": False,
    })
    # An explicit driver path and browser binary: selenium-manager must never
    # try to download either.
    service = Service(executable_path=os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"),
                      log_output=str(out_dir / "chromedriver.log"))
    drv = webdriver.Chrome(options=opts, service=service)
    drv.set_page_load_timeout(WAIT * 3)
    yield drv
    drv.quit()


class UI:
    """Small helpers over the driver: navigation, waits and a screenshot of
    every page visited (test-output/e2e/<engine>/NN-name.png)."""

    def __init__(self, driver, base_url):
        self.d, self.base_url, self.n = driver, base_url, 0

    # screenshots
    def shot(self, name):
        self.n += 1
        OUT.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(OUT / f"{self.n:02d}-{name}.png"))

    # navigation
    @property
    def path(self):
        return urllib.parse.urlparse(self.d.current_url).path

    def go(self, path, name):
        self.d.get(self.base_url + path)
        self.shot(name)

    def _wait(self, cond, what, ignored=()):
        try:
            return WebDriverWait(self.d, WAIT, ignored_exceptions=ignored).until(cond)
        except TimeoutException:
            self.shot("timeout")
            err = self.find("#error")
            raise AssertionError(
                f"timed out waiting for {what}; at {self.d.current_url}"
                + (f", page error: {err.text!r}" if err else "")
            ) from None

    def wait_path(self, path, name):
        self._wait(lambda d: urllib.parse.urlparse(d.current_url).path == path, f"path {path}")
        self.shot(name)

    def wait_el(self, css, name=None):
        el = self._wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)), css)
        if name:
            self.shot(name)
        return el

    # elements
    def find(self, css):
        els = self.d.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els else None

    def all(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def fill(self, css, value):
        el = self.wait_el(css)
        el.clear()
        el.send_keys(value)

    def follow(self, css):
        """Click a link or submit button and wait until the next page has loaded.
        Waiting for the old page to go stale matters when the next page has the
        same URL and elements (a refused code re-renders the challenge)."""
        old = self.d.find_element(By.TAG_NAME, "html")
        self._wait(EC.element_to_be_clickable((By.CSS_SELECTOR, css)), f"clickable {css}").click()
        # Mid-navigation chromedriver may answer with errors other than "stale"
        # (e.g. "Node ... does not belong to the document"): ask again.
        self._wait(EC.staleness_of(old), f"a new page after clicking {css}", ignored=(WebDriverException,))
        self._wait(lambda d: d.execute_script("return document.readyState") == "complete", "page load",
                   ignored=(WebDriverException,))

    def text_content(self, css):
        """An element's text even when it is not displayed (e.g. inside a closed <details>)."""
        return self.wait_el(css).get_attribute("textContent")

    def assert_no_error(self):
        err = self.find("#error")
        assert err is None, f"unexpected error message on {self.path}: {err.text!r}"

    def body_text(self):
        return self.d.find_element(By.TAG_NAME, "body").text

    # the sign-in steps every scenario takes
    def sign_in(self, username, password):
        """Username and password at /login; afterwards the browser is on the next step."""
        self.go("/login", "sign-in")
        self.fill("#username", username)
        self.fill("#password", password)
        self.follow("#sign-in")

    def sign_out(self):
        """With the portal's #sign-out button (from any signed-in page)."""
        if self.find("#sign-out") is None:
            self.go("/portal", "portal")
        self.follow("#sign-out")
        self.wait_el("#login-form", "signed-out")


@pytest.fixture(scope="session")
def ui(driver, server):
    return UI(driver, server.base_url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed and "ui" in item.funcargs:
        try:
            item.funcargs["ui"].shot("FAILED")
        except Exception:
            pass
