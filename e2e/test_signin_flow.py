"""A new user's way through Portcullis in a real browser: forced TOTP enrollment,
backup codes, sign-in with each factor, replay protection, the factor list in
settings and the account lockout. Then: no secret the user typed or was shown
may appear in the server's log.

The fixture has already run (CLI):
  portcullis user create alice --org default --name "Alice Example" --password PW
  portcullis user require-mfa alice --org default
"""

import re
import time

import pyotp
import pytest

from support.otp import fresh_code, step_now
from support.server import find_secrets

LOCKOUT_LIMIT = 5  # factor failures since the last successful factor sign-in (policy default)


# --- helpers ----------------------------------------------------------------


def wrong_code(totp):
    """A code that is certainly wrong: none of the codes the drift window accepts now."""
    now = time.time()
    valid = {totp.at(now + k * totp.interval) for k in (-1, 0, 1)}
    return next(c * totp.digits for c in "0123456789" if c * totp.digits not in valid)


def sign_in(ui, password, username="alice"):
    ui.go("/login", "sign-in")
    assert ui.find("#login-form") is not None
    ui.fill("#username", username)
    ui.fill("#password", password)
    ui.follow("#sign-in")


def sign_out(ui):
    ui.follow("#sign-out")
    ui.wait_el("#login-form", "signed-out")


def submit_code(ui, code):
    ui.fill("#code", code)
    ui.follow("#verify")


def expect_refused(ui, path, name):
    assert ui.path == path, f"the code must be refused, leaving the user on {path}, not {ui.path}"
    return ui.wait_el("#error", name).text


def switch_method(ui, method):
    ui.follow("#other-methods")
    ui.wait_path("/login/methods", "methods")
    ui.follow(f'a.method[data-method="{method}"]')
    ui.wait_path("/login/challenge", f"challenge-{method}")
    ui.wait_el("#code")


# --- the scenario -------------------------------------------------------------


def test_new_user_enrolls_signs_in_and_gets_locked_out(server, ui, used_secrets):
    alice = server.alice
    pw = alice["password"]

    # (b) First sign-in: MFA is required, so enrollment is forced, with no way around it.
    sign_in(ui, pw)
    ui.wait_path("/login/enroll", "enroll-required")
    assert ui.find("#skip") is None, "MFA is required: the enrollment page must not offer Skip"
    assert ui.find("#dont-show") is None, "MFA is required: the enrollment page must not offer Don't show again"
    ui.follow("#enroll-totp")
    ui.wait_el("#totp-secret", "enroll-totp")
    ui.assert_no_error()

    # textContent: the key and the URI may sit in a closed "can't scan?" <details>.
    secret = re.sub(r"\s+", "", ui.text_content("#totp-secret"))
    assert re.fullmatch(r"[A-Z2-7]{16,}=*", secret, re.IGNORECASE), f"not a base32 key: {secret!r}"
    used_secrets.add(secret)
    qr = ui.find("#totp-qr")
    assert qr is not None and qr.tag_name.lower() == "svg", "the QR code must be an inline <svg>"
    uri = ui.text_content("#totp-uri").strip()
    assert uri.startswith("otpauth://totp/") and "secret=" in uri and "issuer=" in uri, uri
    totp = pyotp.parse_uri(uri)
    assert totp.secret.upper() == secret.upper(), "the key URI and the shown key differ"
    assert ui.find("#label") is not None

    code, last_step = fresh_code(totp, -1, used_secrets)
    ui.fill("#code", code)
    ui.follow("#confirm")

    # (c) Backup codes, shown once.
    ui.wait_el("#backup-codes", "backup-codes")
    ui.assert_no_error()
    backup_codes = [li.get_attribute("textContent").strip() for li in ui.all("#backup-codes li.backup-code")]
    assert len(backup_codes) == 10, backup_codes
    assert all(backup_codes) and len(set(backup_codes)) == 10, backup_codes
    used_secrets.update(backup_codes)
    download = ui.find("#download-codes")
    assert download is not None and download.tag_name.lower() == "a"
    assert download.get_dom_attribute("download") is not None, "#download-codes needs a download attribute"
    assert ui.find("#print-codes") is not None
    ui.follow("#continue")
    ui.wait_path("/portal", "portal")
    ui.assert_no_error()
    assert alice["name"] in ui.find("#welcome").text

    # (d)
    sign_out(ui)

    # (e) Sign-in with password and TOTP (the default factor).
    sign_in(ui, pw)
    ui.wait_path("/login/challenge", "challenge-totp")
    last_code, last_step = fresh_code(totp, last_step, used_secrets)
    submit_code(ui, last_code)
    ui.wait_path("/portal", "portal-after-totp")
    failures = 0

    # (h) The factors in settings.
    ui.follow("#settings-link")
    ui.wait_path("/settings", "settings")
    assert ui.find("#factors") is not None
    rows = ui.all("#factors tr.factor")
    types = [r.get_dom_attribute("data-type") for r in rows]
    assert "totp" in types and "backup_codes" in types, types
    assert all(r.get_dom_attribute("data-factor-id") for r in rows), "every factor row needs data-factor-id"
    ui.go("/portal", "portal-from-settings")
    sign_out(ui)

    # (f) Replay: the code just accepted is refused, even within its own time step.
    # If the step has moved on, sign in afresh at the start of a new step and
    # replay at once, so the replay is always tested while the code is current.
    for _ in range(3):
        sign_in(ui, pw)
        ui.wait_path("/login/challenge", "challenge-totp")
        if step_now(totp) == last_step:
            submit_code(ui, last_code)
            expect_refused(ui, "/login/challenge", "totp-replay-refused")
            break  # a replayed code is refused but not counted as a guess
        last_code, last_step = fresh_code(totp, step_now(totp), used_secrets)
        submit_code(ui, last_code)
        ui.wait_path("/portal", "portal-after-totp")
        failures = 0
        sign_out(ui)
    else:
        raise AssertionError("could not sign in twice within one 30-second step: the server is too slow")

    # The other methods: exactly the enrolled ones.
    ui.follow("#other-methods")
    ui.wait_path("/login/methods", "methods")
    methods = sorted(a.get_dom_attribute("data-method") for a in ui.all("a.method"))
    assert methods == ["backup_codes", "totp"], methods
    ui.follow('a.method[data-method="backup_codes"]')
    ui.wait_path("/login/challenge", "challenge-backup_codes")
    submit_code(ui, backup_codes[0])
    ui.wait_path("/portal", "portal-after-backup-code")
    failures = 0
    sign_out(ui)

    # A backup code works once only.
    sign_in(ui, pw)
    ui.wait_path("/login/challenge", "challenge-totp")
    switch_method(ui, "backup_codes")
    submit_code(ui, backup_codes[0])
    expect_refused(ui, "/login/challenge", "backup-code-reuse-refused")
    # (a used code is a replay: refused, but not counted as a guess)

    # (g) Lockout at the LOCKOUT_LIMIT-th failure since the last successful
    # factor sign-in (the backup-code sign-in above); replays do not count.
    switch_method(ui, "totp")
    before = failures
    locked_at = None
    for attempt in range(failures + 1, LOCKOUT_LIMIT + 4):
        submit_code(ui, wrong_code(totp))
        ui.wait_el("#error")
        if ui.find("#login-form") is not None:
            locked_at = attempt
            ui.shot("locked")
            break
        expect_refused(ui, "/login/challenge", f"wrong-code-{attempt}")
    assert locked_at == LOCKOUT_LIMIT, (
        f"expected the lock at failure {LOCKOUT_LIMIT}, got it at {locked_at} "
        f"({before} refused code(s) since the last successful factor sign-in came before the wrong codes)"
    )
    assert "locked" in ui.find("#error").text.lower(), ui.find("#error").text

    # Locked: even the right password gets nowhere, and the page does not tell
    # that the password was right.
    sign_in(ui, pw)
    ui.wait_el("#error", "sign-in-while-locked")
    assert ui.path == "/login", f"a locked account must stay on the sign-in page, not {ui.path}"
    assert ui.find("#login-form") is not None and ui.find("#code") is None
    text = ui.body_text().lower()
    for phrase in ("password is correct", "password was correct", "correct password", "right password"):
        assert phrase not in text, f"the locked page gives away that the password was right: {phrase!r}"


@pytest.mark.runs_last
def test_no_secret_in_server_log(server, used_secrets):
    """Runs last (after every file's tests): stops the server so its log is
    complete, then looks for every password, key and code any scenario used
    (also in the CLI's output)."""
    server.stop()
    assert used_secrets, "the scenario collected no secrets"
    for log in (server.log_path, server.log_path.with_name("cli.log")):
        leaked = find_secrets(log.read_text(errors="replace") if log.exists() else "", used_secrets)
        assert not leaked, f"{log.name} contains secrets: {leaked}"
