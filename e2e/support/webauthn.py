"""Security keys, fingerprint readers and passkeys (WebAuthn) through Chromium's virtual authenticators (the WebDriver
extension behind driver.add_virtual_authenticator): the authenticator kinds, the browser's ceremonies on the pages,
and what the server stored.

- FINGERPRINT: transport "internal", CTAP2, resident keys, user verification (a laptop's
  fingerprint reader or platform passkey).
- USB_KEY: transport "usb", CTAP2, no user verification, no resident keys (a plain U2F-style key).

`state` carries what one test leaves for the next (test_webauthn.py's tests run in order, and test_pattern.py's
after them: finn's fingerprint signs him in before he adds a pattern)."""

import json

import pytest
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions
from selenium.webdriver.support.ui import WebDriverWait

from .config import WAIT
from .pages import factor_rows, open_settings, skip_invitation, start_signed_out, take_backup_codes

FINGERPRINT = dict(protocol=VirtualAuthenticatorOptions.Protocol.CTAP2,
                   transport=VirtualAuthenticatorOptions.Transport.INTERNAL,
                   has_resident_key=True, has_user_verification=True, is_user_consenting=True, is_user_verified=True)
USB_KEY = dict(protocol=VirtualAuthenticatorOptions.Protocol.CTAP2, transport=VirtualAuthenticatorOptions.Transport.USB,
               has_resident_key=False, has_user_verification=False, is_user_consenting=True, is_user_verified=False)

state = {}


class Authenticator:
    """One virtual authenticator attached to the browser, optionally holding credentials from an earlier test."""

    def __init__(self, driver, options, credentials=()):
        self.d = driver
        self.d.add_virtual_authenticator(VirtualAuthenticatorOptions(**options))
        for credential in credentials:
            self.d.add_credential(credential)

    def credentials(self):
        return self.d.get_credentials()

    def remove(self):
        """Detaches it; returns the credentials it held (to attach again later)."""
        held = self.d.get_credentials()
        self.d.remove_virtual_authenticator()
        return held


def b64url(credential_id):
    """Selenium gives credential IDs in padded base64url; the server and the browser use it unpadded."""
    return credential_id.rstrip("=")


def needs(key):
    """What an earlier test left (test_webauthn.py's tests run in order, test_pattern.py's after them)."""
    if key not in state:
        pytest.skip(f"needs {key!r} from an earlier test of test_webauthn.py or test_pattern.py")
    return state[key]


def ceremony(ui, button_css, name):
    """Clicks a WebAuthn button (its script fetches options, runs navigator.credentials and submits a form)
    and waits for the next page; a ceremony the browser refused shows #webauthn-status instead."""
    old = ui.d.find_element(By.TAG_NAME, "html")
    ui.wait_el(button_css).click()

    def moved_on_or_refused(d):
        try:
            old.tag_name
        except WebDriverException:  # stale: a new page
            return d.execute_script("return document.readyState") == "complete"
        status = ui.find("#webauthn-status")
        return status is not None and status.is_displayed() and status.text.strip() != ""

    try:
        WebDriverWait(ui.d, WAIT, ignored_exceptions=(WebDriverException,)).until(moved_on_or_refused)
    except TimeoutException:
        ui.shot(f"{name}-timeout")
        raise AssertionError(f"the {button_css} ceremony neither finished nor failed within {WAIT} s at {ui.d.current_url}")
    ui.shot(name)
    status = ui.find("#webauthn-status")
    return status.text.strip() if status is not None and status.is_displayed() else None


def expect_ceremony_done(ui, button_css, name):
    refused = ceremony(ui, button_css, name)
    assert refused is None, f"the browser's WebAuthn ceremony failed on {ui.path}: {refused!r}"
    ui.assert_no_error()


def register_key(ui, label, name):
    ui.wait_path("/enroll/webauthn", f"{name}-enroll")
    ui.assert_no_error()
    ui.fill("#key-label", label)
    expect_ceremony_done(ui, "#register-key", f"{name}-registered")


def add_first_key_in_settings(ui, user, label, name, used_secrets):
    """Signs `user` in (skipping the invitation), adds a key named `label` from settings as their first factor, takes
    the backup codes that come with it, and returns the settings rows of their keys (one, with that name)."""
    ui.sign_in(user["username"], user["password"])
    skip_invitation(ui, offered="#enroll-webauthn")
    open_settings(ui)
    ui.follow("#add-webauthn")
    register_key(ui, label, name)
    take_backup_codes(ui, used_secrets, "/settings")
    rows = factor_rows(ui, "webauthn")
    assert len(rows) == 1 and label in rows[0].text, [r.text for r in ui.all("#factors tr.factor")]
    return rows


def use_key_at_challenge(ui, name):
    ui.wait_path("/login/challenge", f"{name}-challenge")
    assert ui.find("#use-key") is not None, "the challenge for a security key needs #use-key"
    assert ui.find("#code") is None, "a security key challenge asks for no code"
    expect_ceremony_done(ui, "#use-key", f"{name}-used")
    ui.wait_path("/portal", f"{name}-portal")


def webauthn_enrollment(server, username):
    """The audit detail of the user's latest security-key enrollment."""
    rows = server.sql("SELECT a.detail FROM audit_events a JOIN users u ON u.id = a.user_id WHERE u.username = ? "
                      "AND a.type = 'factor.enrolled' ORDER BY a.created_at", username)
    details = [json.loads(r[0]) for r in rows]
    details = [d for d in details if d.get("factor") == "webauthn"]
    assert details, f"no security-key enrollment of {username} in the audit log"
    return details[-1]


def stored_credential(server, credential_id):
    rows = server.sql("SELECT factor_id, user_id, sign_count FROM webauthn_credentials WHERE id = ?", credential_id)
    return dict(factor_id=rows[0][0], user_id=rows[0][1], sign_count=int(rows[0][2])) if rows else None


def passkey_attempt(ui, name):
    """Sign in with a passkey at /login; returns the browser's refusal (#webauthn-status) or None."""
    start_signed_out(ui, f"{name}-login")
    ui.go("/login", f"{name}-login")
    assert ui.find("#passkey-sign-in") is not None, "the sign-in page must offer #passkey-sign-in"
    return ceremony(ui, "#passkey-sign-in", name)


def expect_not_signed_in(ui, name):
    ui.go("/portal", f"{name}-portal-refused")
    assert ui.path == "/login", f"without a sign-in /portal must send the browser to /login, not {ui.path}"
