"""Security keys, fingerprint readers and passkeys (WebAuthn), and the grid pattern, in a real browser.

WebAuthn runs against Chromium's virtual authenticators (the WebDriver extension behind
driver.add_virtual_authenticator): one attached at a time, so that it is always clear which
authenticator answers. Their credentials are kept between tests (get_credentials /
add_credential) the way a real key keeps them between browser sessions.

- FINGERPRINT: transport "internal", CTAP2, resident keys, user verification (a laptop's
  fingerprint reader or platform passkey).
- USB_KEY: transport "usb", CTAP2, no user verification, no resident keys (a plain U2F-style key).

Users (made here with the CLI, with no factors):
- fern: adds a fingerprint from settings, signs in with it, then by passkey (which another
  organization's page and a clone of her key cannot do); removes it, after which it is useless.
- uma: adds a USB key from settings, signs in with it; her key cannot be used as a passkey, even
  by a page script that asks for no user verification (the server checks the UV flag).
- finn (MFA required): enrolls the fingerprint as his first factor during sign-in, then a grid
  pattern drawn with pointer actions, signs in with the pattern (pointer and keyboard), and is
  locked out by wrong patterns.

The server's base URL is http://localhost:<port> (conftest): browsers refuse IP addresses as
relying-party IDs. The tests of this file run in order; `state` carries what one leaves for the next.
"""

import json
import secrets

import pytest
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import WAIT, take_backup_codes

LOCKOUT_LIMIT = 5  # factor failures before a lock (policy default)
PATTERN = [1, 2, 3, 6, 5, 4, 7]  # on the 3×3 grid: a "Z" of neighbouring dots, so a straight drag crosses no other dot
WRONG_PATTERN = [1, 2, 3, 6, 9]
FINGERPRINT = dict(protocol=VirtualAuthenticatorOptions.Protocol.CTAP2,
                   transport=VirtualAuthenticatorOptions.Transport.INTERNAL,
                   has_resident_key=True, has_user_verification=True, is_user_consenting=True, is_user_verified=True)
USB_KEY = dict(protocol=VirtualAuthenticatorOptions.Protocol.CTAP2, transport=VirtualAuthenticatorOptions.Transport.USB,
               has_resident_key=False, has_user_verification=False, is_user_consenting=True, is_user_verified=False)

state = {}


# --- fixtures and helpers -----------------------------------------------------


@pytest.fixture(scope="module")
def users(server, used_secrets):
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


@pytest.fixture
def attach(driver):
    """attach(options, credentials=()) -> Authenticator; whatever is still attached at the end is removed."""
    attached = []

    def make(options, credentials=()):
        a = Authenticator(driver, options, credentials)
        attached.append(a)
        return a

    yield make
    if attached and driver.virtual_authenticator_id:
        driver.remove_virtual_authenticator()


def b64url(credential_id):
    """Selenium gives credential IDs in padded base64url; the server and the browser use it unpadded."""
    return credential_id.rstrip("=")


def needs(key):
    """What an earlier test of this file left (they run in order)."""
    if key not in state:
        pytest.skip(f"needs {key!r} from an earlier test of this file")
    return state[key]


def start_signed_out(ui, name):
    ui.go("/login", name)
    ui.d.delete_all_cookies()


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


def skip_invitation(ui):
    ui.wait_path("/login/enroll", "enroll-invited")
    assert ui.find("#enroll-webauthn") is not None, "the enrollment page must offer a security key or fingerprint"
    ui.follow("#skip")
    ui.wait_path("/portal", "portal")


def add_first_key_in_settings(ui, user, label, name, used_secrets):
    """Signs `user` in (skipping the invitation), adds a key named `label` from settings as their first factor, takes
    the backup codes that come with it, and returns the settings rows of their keys (one, with that name)."""
    ui.sign_in(user["username"], user["password"])
    skip_invitation(ui)
    open_settings(ui)
    ui.follow("#add-webauthn")
    register_key(ui, label, name)
    take_backup_codes(ui, used_secrets, "/settings")
    rows = factor_rows(ui, "webauthn")
    assert len(rows) == 1 and label in rows[0].text, [r.text for r in ui.all("#factors tr.factor")]
    return rows


def open_settings(ui):
    ui.go("/settings", "settings")
    assert ui.path == "/settings", ui.path


def factor_rows(ui, type_):
    return ui.all(f'#factors tr.factor[data-type="{type_}"]')


def rename_factor(ui, type_, new_label, name):
    rows = factor_rows(ui, type_)
    assert len(rows) == 1, f"expected one {type_} row in settings, found {len(rows)}"
    field = rows[0].find_element(By.CSS_SELECTOR, "input[name=label]")
    field.clear()
    field.send_keys(new_label)
    ui.follow(f'#factors tr.factor[data-type="{type_}"] button.rename')
    ui.wait_path("/settings", name)
    ui.assert_no_error()
    rows = factor_rows(ui, type_)
    assert len(rows) == 1 and new_label in rows[0].text, [r.text for r in rows]


def sign_out(ui):
    """The header's sign-out button (on every signed-in page)."""
    ui.follow("#sign-out-nav")
    ui.wait_el("#login-form", "signed-out")


def use_key_at_challenge(ui, name):
    ui.wait_path("/login/challenge", f"{name}-challenge")
    assert ui.find("#use-key") is not None, "the challenge for a security key needs #use-key"
    assert ui.find("#code") is None, "a security key challenge asks for no code"
    expect_ceremony_done(ui, "#use-key", f"{name}-used")
    ui.wait_path("/portal", f"{name}-portal")


def switch_method(ui, method, name):
    ui.follow("#other-methods")
    ui.wait_path("/login/methods", f"{name}-methods")
    methods = sorted(a.get_dom_attribute("data-method") for a in ui.all("a.method"))
    ui.follow(f'a.method[data-method="{method}"]')
    ui.wait_path("/login/challenge", f"{name}-challenge-{method}")
    return methods


def welcome(ui):
    return ui.wait_el("#welcome").text


def user_row(server, username):
    rows = server.sql("SELECT id, failed_factor_attempts, locked_until FROM users WHERE username = ?", username)
    assert len(rows) == 1, rows
    user_id, failures, locked_until = rows[0]
    return dict(id=user_id, failures=int(failures), locked_until=locked_until)


def failed_factor_events(server, user_id):
    return server.sql("SELECT reason FROM audit_events WHERE user_id = ? AND type = 'factor.failed' ORDER BY created_at",
                      user_id)


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


# --- pattern drawing ------------------------------------------------------------


def pattern_board(ui, field):
    """The fieldset.pattern whose typed field is #field, and its dots by number."""
    fieldset = ui.wait_el(f'fieldset.pattern[data-field="{field}"]')
    dots = {int(b.get_dom_attribute("data-dot")): b for b in fieldset.find_elements(By.CSS_SELECTOR, ".dot[data-dot]")}
    return fieldset, dots


def check_grid_layout(dots, size=3):
    """The dots must be laid out as a size×size grid (rows left to right, top to bottom)."""
    assert sorted(dots) == list(range(1, size * size + 1)), sorted(dots)
    centers = {n: (d.rect["x"] + d.rect["width"] / 2, d.rect["y"] + d.rect["height"] / 2) for n, d in dots.items()}
    for n, (x, y) in centers.items():
        row, col = (n - 1) // size, (n - 1) % size
        first_in_row, first_in_col = centers[row * size + 1], centers[col + 1]
        assert abs(y - first_in_row[1]) < 2, f"dot {n} is not on the row of dot {row * size + 1}: {centers}"
        assert abs(x - first_in_col[0]) < 2, f"dot {n} is not in the column of dot {col + 1}: {centers}"
        if col:
            assert x > centers[n - 1][0] + 10, f"dot {n} is not right of dot {n - 1}: {centers}"
        if row:
            assert y > centers[n - size][1] + 10, f"dot {n} is not below dot {n - size}: {centers}"


def draw(ui, field, pattern):
    """Draws with the pointer: press on the first dot, move over the others in turn, release."""
    fieldset, dots = pattern_board(ui, field)
    check_grid_layout(dots)
    actions = ActionChains(ui.d, duration=60)
    actions.move_to_element(dots[pattern[0]]).click_and_hold()
    for n in pattern[1:]:
        actions.move_to_element(dots[n])
    actions.release().perform()
    drawn = ui.find(f"#{field}").get_attribute("value")
    assert drawn == "-".join(map(str, pattern)), f"drew {pattern}, the form holds {drawn!r}"
    pressed = sorted(int(d.get_dom_attribute("data-dot")) for d in fieldset.find_elements(By.CSS_SELECTOR, '.dot[aria-pressed="true"]'))
    assert pressed == sorted(pattern), f"aria-pressed dots {pressed} for the pattern {pattern}"
    status = fieldset.find_element(By.CSS_SELECTOR, ".pattern-status").text
    assert f"{len(pattern)} dots joined" in status, status


def draw_with_keyboard(ui, field, pattern, size=3):
    """Focus the first dot, then arrow keys to the next dot and Space to join it."""
    fieldset, dots = pattern_board(ui, field)
    ui.d.execute_script("arguments[0].focus()", dots[pattern[0]])
    keys = ActionChains(ui.d).send_keys(Keys.SPACE)
    at = pattern[0]
    for n in pattern[1:]:
        dr, dc = (n - 1) // size - (at - 1) // size, (n - 1) % size - (at - 1) % size
        assert abs(dr) + abs(dc) == 1, "keyboard drawing here moves between neighbouring dots only"
        keys.send_keys({(0, 1): Keys.ARROW_RIGHT, (0, -1): Keys.ARROW_LEFT, (1, 0): Keys.ARROW_DOWN, (-1, 0): Keys.ARROW_UP}[(dr, dc)])
        keys.send_keys(Keys.SPACE)
        at = n
    keys.perform()
    drawn = ui.find(f"#{field}").get_attribute("value")
    assert drawn == "-".join(map(str, pattern)), f"typed {pattern} with the keyboard, the form holds {drawn!r}"


# --- 1a. a fingerprint reader, added from settings -------------------------------------


def test_fingerprint_added_in_settings_signs_in(server, ui, users, attach, used_secrets):
    fern = users["fern"]
    start_signed_out(ui, "fern-start")
    reader = attach(FINGERPRINT)

    # The first factor comes with backup codes.
    rows = add_first_key_in_settings(ui, fern, "Laptop fingerprint", "fern", used_secrets)
    assert "Default" in rows[0].text, "the first factor becomes the default"

    held = reader.credentials()
    assert len(held) == 1, held
    cred = held[0]
    assert cred.rp_id == "localhost", cred.rp_id
    assert cred.is_resident_credential, "residentKey=preferred: the fingerprint reader makes a discoverable credential"
    stored = stored_credential(server, b64url(cred.id))
    assert stored and stored["factor_id"] == rows[0].get_dom_attribute("data-factor-id"), stored
    audited = webauthn_enrollment(server, "fern")
    assert audited["user_verified"] == "true" and audited["attestation"] == "none", audited

    rename_factor(ui, "webauthn", "Work laptop", "fern-renamed")
    sign_out(ui)

    # The key is the default factor: the challenge asks for it straight away.
    ui.sign_in(fern["username"], fern["password"])
    use_key_at_challenge(ui, "fern-key")
    assert fern["name"] in welcome(ui)
    # The assertion's sign count was stored (a cloned key would send an older one).
    after = reader.credentials()[0].sign_count
    assert after > cred.sign_count and stored_credential(server, b64url(cred.id))["sign_count"] == after
    sign_out(ui)

    # And through "Use another method".
    ui.sign_in(fern["username"], fern["password"])
    ui.wait_path("/login/challenge", "fern-challenge")
    methods = switch_method(ui, "webauthn", "fern")
    assert methods == ["backup_codes", "webauthn"], methods
    assert "Work laptop" in ui.body_text(), "the challenge names the key by its (new) name"
    use_key_at_challenge(ui, "fern-key-again")
    sign_out(ui)
    state["fern_credentials"] = reader.remove()


# --- 1b. a USB security key without user verification ------------------------------------


def test_usb_key_without_user_verification_added_in_settings_signs_in(server, ui, users, attach, used_secrets):
    uma = users["uma"]
    start_signed_out(ui, "uma-start")
    key = attach(USB_KEY)

    add_first_key_in_settings(ui, uma, "Blue key", "uma", used_secrets)
    held = key.credentials()
    assert len(held) == 1 and not held[0].is_resident_credential, held
    assert stored_credential(server, b64url(held[0].id)) is not None
    assert webauthn_enrollment(server, "uma")["user_verified"] == "false", "the USB key cannot verify its user"

    # Registering the same key twice is refused by the browser (excludeCredentials).
    ui.go("/enroll/webauthn", "uma-enroll-again")
    ui.fill("#key-label", "Blue key again")
    refused = ceremony(ui, "#register-key", "uma-same-key-refused")
    assert refused and "already registered" in refused, f"the same key must not register twice: {refused!r}"
    assert ui.path == "/enroll/webauthn" and len(key.credentials()) == 1

    open_settings(ui)
    rename_factor(ui, "webauthn", "Keyring key", "uma-renamed")
    sign_out(ui)

    ui.sign_in(uma["username"], uma["password"])
    use_key_at_challenge(ui, "uma-key")
    assert uma["name"] in welcome(ui)
    sign_out(ui)

    ui.sign_in(uma["username"], uma["password"])
    ui.wait_path("/login/challenge", "uma-challenge")
    assert sorted(switch_method(ui, "webauthn", "uma")) == ["backup_codes", "webauthn"]
    use_key_at_challenge(ui, "uma-key-again")
    sign_out(ui)
    state["uma_credentials"] = key.remove()


# --- 1c. a fingerprint as the first factor, during sign-in -------------------------------


def test_fingerprint_as_first_factor_during_sign_in(server, ui, users, attach, used_secrets):
    finn = users["finn"]
    start_signed_out(ui, "finn-start")
    reader = attach(FINGERPRINT)

    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/enroll", "finn-enroll-required")
    assert ui.find("#skip") is None, "MFA is required: no Skip"
    ui.follow("#enroll-webauthn")
    register_key(ui, "Finn's fingerprint", "finn")
    take_backup_codes(ui, used_secrets, "/portal")
    assert finn["name"] in welcome(ui)
    open_settings(ui)
    assert [r.get_dom_attribute("data-type") for r in ui.all("#factors tr.factor")].count("webauthn") == 1
    assert ui.find("#mfa-state").text.strip().lower().startswith("enabled"), ui.find("#mfa-state").text
    sign_out(ui)

    ui.sign_in(finn["username"], finn["password"])
    use_key_at_challenge(ui, "finn-key")
    sign_out(ui)
    state["finn_credentials"] = reader.remove()


# --- 2. passkey sign-in ----------------------------------------------------------------


def test_passkey_sign_in_with_the_fingerprint(server, ui, users, attach):
    fern = users["fern"]
    earlier = needs("fern_credentials")
    reader = attach(FINGERPRINT, earlier)
    refused = passkey_attempt(ui, "fern-passkey")
    assert refused is None, f"the browser refused the passkey: {refused!r}"
    ui.wait_path("/portal", "fern-passkey-portal")
    ui.assert_no_error()
    assert fern["name"] in welcome(ui), "the passkey signs in its owner, without a password"
    sign_out(ui)

    # Another organization's sign-in page does not take her passkey.
    server.cli("org", "create", "acme", "--name", "Acme Law")
    ui.go("/o/acme/login", "acme-login")
    assert ceremony(ui, "#passkey-sign-in", "fern-passkey-acme") is None
    ui.wait_path("/o/acme/login", "fern-passkey-acme-refused")
    assert "passkey" in ui.wait_el("#error").text.lower()
    expect_not_signed_in(ui, "fern-passkey-acme")
    state["fern_credentials"] = reader.remove()

    # A copy of the key as it was before that sign-in (a clone) sends a sign count the server has
    # already seen: refused, and audited as such.
    fern_id = user_row(server, "fern")["id"]
    clone = attach(FINGERPRINT, earlier)
    assert passkey_attempt(ui, "fern-passkey-clone") is None
    ui.wait_path("/login", "fern-passkey-clone-refused")
    assert "passkey" in ui.wait_el("#error").text.lower()
    expect_not_signed_in(ui, "fern-passkey-clone")
    assert failed_factor_events(server, fern_id)[-1:] == [("sign_count_regression",)]
    clone.remove()


def test_usb_key_without_user_verification_is_no_passkey(server, ui, users, attach):
    uma = users["uma"]
    key = attach(USB_KEY, needs("uma_credentials"))
    before = user_row(server, "uma")

    # As the page asks (user verification required, any discoverable credential): the key holds no
    # discoverable credential and cannot verify the user, so the browser finds nothing to use.
    refused = passkey_attempt(ui, "uma-passkey")
    assert refused and "no passkey" in refused.lower(), \
        f"a USB key without user verification must not sign in by passkey (at {ui.path}: {refused!r})"
    assert ui.path == "/login"
    expect_not_signed_in(ui, "uma-passkey")

    # A page script that asks for less (no user verification, and uma's credential by its ID): the browser
    # lets the key sign, and the server must refuse the assertion, which lacks the UV flag.
    ui.go("/login", "uma-passkey-tampered")
    cred_id = b64url(key.credentials()[0].id)
    ui.d.execute_script("""
        const credentialId = arguments[0], realFetch = window.fetch;
        window.fetch = async (...args) => {
          const response = await realFetch(...args);
          const body = await response.json();
          if (body.publicKey) {
            body.publicKey.userVerification = "discouraged";
            body.publicKey.allowCredentials = [{ type: "public-key", id: credentialId }];
          }
          return new Response(JSON.stringify(body), { status: response.status, headers: { "Content-Type": "application/json" } });
        };""", cred_id)
    refused = ceremony(ui, "#passkey-sign-in", "uma-passkey-tampered-result")
    assert refused is None, f"with the options lowered the key should sign ({refused!r})"
    ui.wait_path("/login", "uma-passkey-refused-by-server")
    error = ui.wait_el("#error").text
    assert "passkey" in error.lower(), error
    assert ui.find("#login-form") is not None
    expect_not_signed_in(ui, "uma-passkey-tampered")
    # The refused assertion of a known credential counts as a failed factor for its owner.
    after = user_row(server, "uma")
    assert after["failures"] == before["failures"] + 1, (before, after)
    reasons = [r[0] for r in failed_factor_events(server, after["id"])]
    assert reasons and "not verified" in reasons[-1], f"the refusal must be in the audit log: {reasons}"

    # Her key still works as a second factor after the password (which also resets the count).
    ui.sign_in(uma["username"], uma["password"])
    use_key_at_challenge(ui, "uma-after-passkey")
    assert user_row(server, "uma")["failures"] == 0
    sign_out(ui)


def test_removed_key_cannot_sign_in(server, ui, users, attach):
    fern = users["fern"]
    reader = attach(FINGERPRINT, needs("fern_credentials"))
    cred_id = b64url(reader.credentials()[0].id)
    assert stored_credential(server, cred_id) is not None

    # Signed in by passkey, fern removes the key in settings.
    assert passkey_attempt(ui, "fern-passkey-before-remove") is None
    ui.wait_path("/portal", "fern-portal")
    open_settings(ui)
    assert len(factor_rows(ui, "webauthn")) == 1
    ui.follow('#factors tr.factor[data-type="webauthn"] button.remove')
    # Her last device: settings ask first, saying the backups go with it.
    ui.wait_el("#confirm-removal", "fern-confirm-removal")
    assert "backup" in ui.find("#confirm-removal").text.lower()
    ui.follow("#confirm-remove")
    ui.wait_path("/settings", "fern-key-removed")
    ui.assert_no_error()
    assert not factor_rows(ui, "webauthn"), "the removed key is still listed"
    assert stored_credential(server, cred_id) is None, "the credential row must go with its factor"
    sign_out(ui)

    # The authenticator still holds the credential, but the server no longer knows it.
    assert len(reader.credentials()) == 1
    refused = passkey_attempt(ui, "fern-passkey-after-remove")
    assert refused is None, f"the browser should still offer the credential ({refused!r})"
    ui.wait_path("/login", "fern-passkey-refused")
    assert "passkey" in ui.wait_el("#error").text.lower()
    expect_not_signed_in(ui, "fern-passkey-after-remove")

    # After the password there is no security key to use any more (her only factor is gone, and the
    # backup codes with it: she is invited to set up two-step verification again).
    ui.sign_in(fern["username"], fern["password"])
    ui.wait_path("/login/enroll", "fern-enroll-again")
    assert ui.find("#use-key") is None
    start_signed_out(ui, "fern-done")


# --- 3. the grid pattern ------------------------------------------------------------------


def test_pattern_enrolled_by_drawing(server, ui, users, attach):
    finn = users["finn"]
    start_signed_out(ui, "finn-start-pattern")
    attach(FINGERPRINT, needs("finn_credentials"))
    ui.sign_in(finn["username"], finn["password"])
    use_key_at_challenge(ui, "finn-key-for-settings")
    open_settings(ui)
    assert ui.find("#add-pattern") is not None, "a user with a security key may add a grid pattern"
    ui.follow("#add-pattern")
    ui.wait_path("/enroll/pattern", "pattern-enroll")
    assert ui.find("#show-pattern") is not None and ui.find("#save-pattern") is not None
    ui.find("#show-pattern").click()  # draw visibly: the lines must follow the pointer
    draw(ui, "pattern", PATTERN)
    assert ui.find('fieldset.pattern[data-field="pattern"] .pattern-lines polyline') is not None, \
        "with 'Show pattern' on the drawn line is shown"
    draw(ui, "confirmation", PATTERN)
    ui.shot("pattern-drawn-twice")
    ui.follow("#save-pattern")
    ui.wait_path("/settings", "pattern-saved")
    ui.assert_no_error()
    rows = factor_rows(ui, "pattern")
    assert len(rows) == 1, [r.text for r in ui.all("#factors tr.factor")]
    assert "Default" not in rows[0].text, "the pattern is a backup, never the default"
    sign_out(ui)
    state["finn_pattern"] = PATTERN


def test_sign_in_with_drawn_pattern(server, ui, users):
    finn = users["finn"]
    needs("finn_pattern")
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/challenge", "finn-challenge-key")
    assert ui.find("#use-key") is not None, "the security key stays the default"
    methods = switch_method(ui, "pattern", "finn-pattern")
    assert methods == ["backup_codes", "pattern", "webauthn"], methods
    draw(ui, "pattern", PATTERN)
    ui.follow("#verify")
    ui.wait_path("/portal", "finn-pattern-portal")
    assert finn["name"] in welcome(ui)
    sign_out(ui)

    # The keyboard draws too: arrow keys move between dots, Space joins one.
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/challenge", "finn-challenge-key")
    switch_method(ui, "pattern", "finn-pattern-keys")
    draw_with_keyboard(ui, "pattern", PATTERN)
    ui.follow("#verify")
    ui.wait_path("/portal", "finn-pattern-keys-portal")
    sign_out(ui)


def test_wrong_patterns_count_and_lock(server, ui, users):
    finn = users["finn"]
    needs("finn_pattern")
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/challenge", "finn-challenge-key")
    switch_method(ui, "pattern", "finn-wrong")
    before = user_row(server, "finn")
    assert before["failures"] == 0, before
    events_before = len(failed_factor_events(server, before["id"]))

    locked_at = None
    for attempt in range(1, LOCKOUT_LIMIT + 2):
        draw(ui, "pattern", WRONG_PATTERN)
        ui.follow("#verify")
        error = ui.wait_el("#error", f"wrong-pattern-{attempt}").text
        if ui.find("#login-form") is not None:
            locked_at = attempt
            break
        assert ui.path == "/login/challenge", f"a wrong pattern must leave finn on the challenge, not {ui.path}"
        assert ui.find("fieldset.pattern") is not None, "the pattern challenge is shown again"
        # Counted in the database, and audited with its reason.
        assert user_row(server, "finn")["failures"] == attempt
        reasons = [r[0] for r in failed_factor_events(server, before["id"])[events_before:]]
        assert reasons == ["bad_pattern"] * attempt, reasons
    assert locked_at == LOCKOUT_LIMIT, f"expected the lock at wrong pattern {LOCKOUT_LIMIT}, got it at {locked_at}"
    assert "locked" in error.lower(), error
    assert user_row(server, "finn")["locked_until"], "the account must be locked in the database"
    listed = [line for line in server.cli("user", "list", "--org", "default").splitlines() if line.startswith("finn\t")]
    assert listed and listed[0].split("\t")[-1] == "locked", listed

    # Locked: even the right password and pattern get nowhere.
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_el("#error", "finn-locked-sign-in")
    assert ui.path == "/login" and ui.find("fieldset.pattern") is None
    server.cli("user", "unlock", "finn", "--org", "default")
