"""Fixtures for the browser end-to-end tests, over the support package (support/).

One server per test session, on SQLite or on a fresh PostgreSQL database
(E2E_DATABASE=sqlite|postgres), driven by Debian's headless Chromium through
Debian's chromedriver. Output (server log, CLI log, screenshots) goes to
test-output/e2e/<engine>/; the page tour's screenshots to its pages/.

The server delivers codes to fakes in this process: a Twilio-compatible
Messages API (FakeTwilio, http.server in a thread) and an SMTP server
(SMTPSink, aiosmtpd). Tests marked `runs_last` (the server-log check, which
stops the server) run after every other test, whatever their file; a file
marked runs_after("test_x.py") runs right after test_x.py.
"""

import secrets
import shutil

import pytest

from support.admin_api import api  # noqa: F401 (the admin API tests' session fixture)
from support.config import ENGINE, OUT
from support.fakes import FakeTwilio, SMTPSink
from support.pages import UI, new_driver
from support.server import main_server
from support.webauthn import Authenticator


def pytest_report_header(config):
    return f"e2e database engine: {ENGINE}; output in {OUT}"


def pytest_configure(config):
    config.addinivalue_line("markers", "runs_last: run after every other test of the session (e.g. it stops the server)")
    config.addinivalue_line("markers", "runs_after(file): the module's tests run right after those of file (e.g. "
                                       "they go on with the users it set up)")


def pytest_collection_modifyitems(config, items):
    """Tests marked runs_last go to the end, and those of a module marked runs_after(file) right after file's tests
    (stable: the others keep their order)."""
    last_of = {item.path.name: i for i, item in enumerate(items)}

    def place(indexed):
        i, item = indexed
        after = item.get_closest_marker("runs_after")
        position = i
        if after and after.args[0] in last_of:
            position = last_of[after.args[0]] + (i + 1) / (len(items) + 1)
        return item.get_closest_marker("runs_last") is not None, position

    items[:] = [item for _, item in sorted(enumerate(items), key=place)]


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
def twilio():
    fake = FakeTwilio()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def smtp():
    sink = SMTPSink()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def server(out_dir, tmp_path_factory, used_secrets, twilio, smtp):
    with main_server(tmp_path_factory.mktemp("portcullis"), used_secrets, twilio, smtp) as srv:
        yield srv


@pytest.fixture(scope="session")
def users(server, used_secrets):
    """The security-key users of test_webauthn.py and test_pattern.py, with no factors: fern, uma and finn (MFA
    required)."""
    made = {}
    for username, name, required in (("fern", "Fern Fingerprint", False), ("uma", "Uma Usbkey", False),
                                     ("finn", "Finn First", True)):
        password = "Pw-" + secrets.token_urlsafe(18)
        used_secrets.add(password)
        server.cli("user", "create", username, "--org", "default", "--name", name, "--password", password)
        if required:
            server.cli("user", "require-mfa", username, "--org", "default")
        made[username] = dict(username=username, name=name, password=password)
    return made


@pytest.fixture(scope="session")
def driver(out_dir):
    drv = new_driver(out_dir)
    yield drv
    drv.quit()


@pytest.fixture(scope="session")
def ui(driver, server):
    return UI(driver, server.base_url)


@pytest.fixture
def attach(driver):
    """attach(options, credentials=()) -> Authenticator (support/webauthn.py); whatever is still attached at the end is
    removed."""
    attached = []

    def make(options, credentials=()):
        a = Authenticator(driver, options, credentials)
        attached.append(a)
        return a

    yield make
    if attached and driver.virtual_authenticator_id:
        driver.remove_virtual_authenticator()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed and "ui" in item.funcargs:
        try:
            item.funcargs["ui"].shot("FAILED")
        except Exception:
            pass
