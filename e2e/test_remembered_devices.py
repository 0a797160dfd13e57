""""Remember this device for 30 days" in Chromium (SPEC §2.3, §5): the box ticked at the challenge, sign out, sign in
again without a challenge (the cookie rotated), the device in settings marked "This device", Forget, and the next
sign-in asks for the second factor again. The cookie's values are secrets: none may appear in the server log."""

import secrets
import time

from support.otp import fresh_code, step_now
from support.pages import enroll_app_at_invitation, start_signed_out

COOKIE = "portcullis_device"  # development mode: no __Host- prefix


def password_step(ui, username, password, name):
    ui.go("/login", f"{name}-sign-in")
    ui.fill("#username", username)
    ui.fill("#password", password)
    ui.follow("#sign-in")


def device_cookie(ui, used_secrets):
    cookie = ui.d.get_cookie(COOKIE)
    if cookie:
        used_secrets.add(cookie["value"])
    return cookie


def test_remember_this_device(server, ui, used_secrets):
    start_signed_out(ui, "remember-start")
    username, password = "remy", "Pw-" + secrets.token_urlsafe(18)
    used_secrets.add(password)
    server.cli("user", "create", username, "--org", "default", "--name", "Remy Remembered", "--password", password)

    # First sign-in: an authenticator app at the invitation.
    password_step(ui, username, password, "remember-first")
    totp = enroll_app_at_invitation(ui, used_secrets)
    step = step_now(totp)
    ui.sign_out()

    # At the challenge: "Remember this device for 30 days", ticked.
    password_step(ui, username, password, "remember-challenge")
    ui.wait_path("/login/challenge", "remember-challenge")
    box = ui.wait_el("#remember-device")
    label = ui.find('label[for="remember-device"]')
    assert label is not None and "Remember this device for 30 days" in label.text, label and label.text
    assert not box.is_selected()
    label.click()
    assert box.is_selected()
    ui.shot("remember-ticked")
    code, step = fresh_code(totp, step, used_secrets)
    ui.fill("#code", code)
    ui.follow("#verify")
    ui.wait_path("/portal", "remember-portal")
    first = device_cookie(ui, used_secrets)
    assert first is not None, "the device cookie was set"
    assert first["httpOnly"] and first.get("sameSite") == "Lax" and first["path"] == "/", first
    days = (first["expiry"] - time.time()) / 86400
    assert 29.9 < days <= 30.01, f"the cookie lasts the policy's 30 days, not {days:.2f}"
    ui.sign_out()

    # Again: the password alone, straight to the portal; the cookie's counter changed.
    password_step(ui, username, password, "remember-again")
    ui.wait_path("/portal", "remember-skipped")
    second = device_cookie(ui, used_secrets)
    assert second is not None and second["value"] != first["value"], "the cookie rotates at each use"
    assert second["value"].split(".")[0] == first["value"].split(".")[0], "same series"

    # Settings: the device, marked as this one; Forget it.
    ui.go("/settings", "remember-settings")
    rows = ui.all("#devices tr.device")
    assert len(rows) == 1, [r.text for r in rows]
    assert "This device" in rows[0].text and "Chrome" in rows[0].text, rows[0].text
    assert rows[0].get_dom_attribute("data-current") == "1"
    ui.follow("#devices tr.device button.forget-device")
    ui.wait_path("/settings", "remember-forgotten")
    assert ui.find("#no-devices") is not None
    assert "forgotten" in ui.wait_el("#notice").text
    assert ui.d.get_cookie(COOKIE) is None, "this browser's cookie goes with its device"
    ui.sign_out()

    # The next sign-in asks for the second factor again.
    password_step(ui, username, password, "remember-after-forget")
    ui.wait_path("/login/challenge", "remember-challenged-again")
    code, step = fresh_code(totp, step, used_secrets)
    ui.fill("#code", code)
    ui.follow("#verify")
    ui.wait_path("/portal", "remember-signed-in")
    assert ui.d.get_cookie(COOKIE) is None, "not remembered when the box is not ticked"
    ui.sign_out()
