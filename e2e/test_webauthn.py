"""Security keys, fingerprint readers and passkeys (WebAuthn), in a real browser.

WebAuthn runs against Chromium's virtual authenticators (support/webauthn.py): one attached at a
time, so that it is always clear which authenticator answers. Their credentials are kept between
tests (get_credentials / add_credential) the way a real key keeps them between browser sessions.

Users (made with the CLI by the `users` fixture, with no factors):
- fern: adds a fingerprint from settings, signs in with it, then by passkey (which another
  organization's page and a clone of her key cannot do); removes it, after which it is useless.
- uma: adds a USB key from settings, signs in with it; her key cannot be used as a passkey, even
  by a page script that asks for no user verification (the server checks the UV flag).
- finn (MFA required): enrolls the fingerprint as his first factor during sign-in (test_pattern.py
  goes on with him).

The server's base URL is http://localhost:<port> (support/config.py): browsers refuse IP addresses as
relying-party IDs. The tests of this file run in order; `state` carries what one leaves for the next.
"""

from support.pages import choose_method, factor_rows, open_settings, rename_factor, sign_out_nav, start_signed_out, \
    take_backup_codes, welcome
from support.server import failed_factor_events, user_row
from support.webauthn import FINGERPRINT, USB_KEY, add_first_key_in_settings, b64url, ceremony, expect_not_signed_in, \
    needs, passkey_attempt, register_key, state, stored_credential, use_key_at_challenge, webauthn_enrollment


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
    sign_out_nav(ui)

    # The key is the default factor: the challenge asks for it straight away.
    ui.sign_in(fern["username"], fern["password"])
    use_key_at_challenge(ui, "fern-key")
    assert fern["name"] in welcome(ui)
    # The assertion's sign count was stored (a cloned key would send an older one).
    after = reader.credentials()[0].sign_count
    assert after > cred.sign_count and stored_credential(server, b64url(cred.id))["sign_count"] == after
    sign_out_nav(ui)

    # And through "Use another method".
    ui.sign_in(fern["username"], fern["password"])
    ui.wait_path("/login/challenge", "fern-challenge")
    methods = choose_method(ui, "webauthn", "fern")
    assert methods == ["backup_codes", "webauthn"], methods
    assert "Work laptop" in ui.body_text(), "the challenge names the key by its (new) name"
    use_key_at_challenge(ui, "fern-key-again")
    sign_out_nav(ui)
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
    sign_out_nav(ui)

    ui.sign_in(uma["username"], uma["password"])
    use_key_at_challenge(ui, "uma-key")
    assert uma["name"] in welcome(ui)
    sign_out_nav(ui)

    ui.sign_in(uma["username"], uma["password"])
    ui.wait_path("/login/challenge", "uma-challenge")
    assert sorted(choose_method(ui, "webauthn", "uma")) == ["backup_codes", "webauthn"]
    use_key_at_challenge(ui, "uma-key-again")
    sign_out_nav(ui)
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
    sign_out_nav(ui)

    ui.sign_in(finn["username"], finn["password"])
    use_key_at_challenge(ui, "finn-key")
    sign_out_nav(ui)
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
    sign_out_nav(ui)

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
    sign_out_nav(ui)


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
    sign_out_nav(ui)

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
