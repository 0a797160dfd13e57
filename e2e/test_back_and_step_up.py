"""Back and reload are safe after every form (Post/Redirect/Get), and a security change asks for a recent second
factor first (step-up), in Chromium. A server of its own (SQLite) with the default 5-minute re-authentication
window; the step-up part ages the session's last second factor in the database instead of waiting it out."""

import base64
import os
import re
import secrets

import pyotp
import pytest

from support.config import BINARY, ENGINE, PUBLIC_HOST
from support.otp import fresh_code, step_now
from support.pages import UI, take_backup_codes
from support.server import Server, free_port

# Its own SQLite server, whatever the pass: once is enough.
pytestmark = pytest.mark.skipif(ENGINE != "sqlite", reason="runs once, in the SQLite pass (its server has its own SQLite database)")

PASSWORD = "Pw-" + secrets.token_urlsafe(18)


def no_resubmission(ui, name):
    """After Back or reload the page is an ordinary GET: no 'Confirm Form Resubmission' (ERR_CACHE_MISS)."""
    source = ui.d.page_source
    assert "ERR_CACHE_MISS" not in source and "Confirm Form Resubmission" not in source, f"{name}: a form would be sent again"
    ui.shot(name)


@pytest.fixture(scope="module")
def own(tmp_path_factory, driver, out_dir):
    port = free_port()
    db = str(tmp_path_factory.mktemp("stepup") / "portcullis.sqlite")
    env = dict(os.environ, PORTCULLIS_DEV="1", PORTCULLIS_DATABASE_URL=db,
               PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode(), PORTCULLIS_BASE_URL=f"http://{PUBLIC_HOST}:{port}")
    srv = Server(BINARY, env, port, db)
    srv.log_path = out_dir / "step-up-server.log"
    srv.cli("migrate")
    srv.cli("user", "create", "vera", "--org", "default", "--name", "Vera Back", "--password", PASSWORD)
    srv.start()
    try:
        yield srv, UI(driver, srv.base_url)
    finally:
        srv.stop()


def test_back_and_reload_after_each_form_and_step_up(own, used_secrets):
    server, ui = own
    used_secrets.add(PASSWORD)
    ui.go("/login", "vera-start")
    ui.d.delete_all_cookies()
    ui.sign_in("vera", PASSWORD)
    ui.wait_path("/login/enroll", "vera-invited")
    ui.follow("#skip")
    ui.wait_path("/portal", "vera-portal")
    ui.follow("#settings-link")
    ui.wait_path("/settings", "vera-settings")

    # "Add authenticator app" is a form: the QR page comes after a redirect, so reload shows the same secret.
    ui.follow("#add-totp")
    ui.wait_path("/enroll/totp", "vera-qr")
    secret = re.sub(r"\s+", "", ui.text_content("#totp-secret"))
    used_secrets.add(secret)
    ui.d.refresh()
    ui.wait_el("#totp-secret")
    no_resubmission(ui, "vera-qr-reloaded")
    assert re.sub(r"\s+", "", ui.text_content("#totp-secret")) == secret, "reloading made a new secret"
    ui.d.back()
    ui.wait_path("/settings", "vera-back-to-settings")
    no_resubmission(ui, "vera-back-to-settings")
    ui.d.forward()
    ui.wait_path("/enroll/totp", "vera-forward-to-qr")

    # A wrong code: the error is shown once; reload shows the clean page with the same secret.
    ui.fill("#code", "000000")
    ui.follow("#confirm")
    ui.wait_el("#error", "vera-wrong-code")
    ui.d.refresh()
    ui.wait_el("#totp-secret")
    no_resubmission(ui, "vera-wrong-code-reloaded")
    assert ui.find("#error") is None, "the error is said once"
    assert re.sub(r"\s+", "", ui.text_content("#totp-secret")) == secret

    # The right code: backup codes on their own page, shown once.
    totp = pyotp.TOTP(secret)
    code, step = fresh_code(totp, step_now(totp) - 1, used_secrets)
    ui.fill("#code", code)
    ui.follow("#confirm")
    ui.wait_path("/backup-codes", "vera-codes")
    take_backup_codes(ui, used_secrets, "/settings")
    ui.d.back()
    no_resubmission(ui, "vera-back-from-settings")
    ui.go("/backup-codes", "vera-codes-again")
    assert ui.path == "/settings", "backup codes are shown once"

    # Step-up: once the window (5 minutes) has passed, new backup codes ask for the app's code first, then go on.
    # The session's last second factor is made 6 minutes old in the database rather than waited for.
    server.write("UPDATE sessions SET verified_at = verified_at - 360000 WHERE verified_at IS NOT NULL")
    ui.go("/settings", "vera-settings-later")
    ui.follow("#regenerate-codes")
    ui.wait_path("/settings/verify", "vera-step-up")
    assert "confirm it's you" in ui.body_text().lower()
    ui.fill("#code", "000000")
    ui.follow("#verify")
    ui.wait_el("#error", "vera-step-up-wrong")
    assert ui.path == "/settings/verify"
    code, step = fresh_code(totp, step, used_secrets)
    ui.fill("#code", code)
    ui.follow("#verify")
    ui.wait_path("/settings", "vera-after-step-up")
    ui.follow("#regenerate-codes")
    ui.wait_path("/backup-codes", "vera-new-codes")
    take_backup_codes(ui, used_secrets, "/settings")
    ui.d.back()
    no_resubmission(ui, "vera-back-after-new-codes")
