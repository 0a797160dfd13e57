"""Every security notice (issue 11 point 6) as a user receives it: an email at the SMTP sink (aiosmtpd), from the
live server, while the user does the thing in Chromium — a factor added, new backup codes, backup codes running low,
a remembered device, a sign-in from a new browser, a lockout, a factor removed. (Password changed and reset are in
test_self_service.py.) None holds a link, a code or a password.
"""

import secrets
import time

from support.otp import plain_text, unused_totp
from support.pages import choose_method, enroll_app_at_invitation, start_signed_out, take_backup_codes

ADDRESS = "nora.e2e@example.org"


def notice(smtp, after, words, timeout=30):
    """The first email to ADDRESS among the messages after the first `after` whose subject holds `words`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for m in list(smtp.messages)[after:]:
            if ADDRESS in m["rcpt_tos"] and words in str(m["message"]["Subject"]):
                return m["message"]
        time.sleep(0.1)
    raise AssertionError(f"no notice '{words}' to {ADDRESS} within {timeout} s: "
                         f"{[str(m['message']['Subject']) for m in smtp.messages[after:] if ADDRESS in m['rcpt_tos']]}")


def backup_code_sign_in(ui, username, password, code, name, remember=False):
    ui.sign_in(username, password)
    ui.wait_path("/login/challenge", f"{name}-challenge")
    choose_method(ui, "backup_codes", name)
    ui.fill("#code", code)
    if remember:
        ui.find('label[for="remember-device"]').click()
    ui.follow("#verify")
    ui.wait_path("/portal", f"{name}-portal")


def test_each_notice_reaches_the_mailbox(server, ui, smtp, used_secrets):
    username, password = "nora", "Pw-" + secrets.token_urlsafe(18)
    used_secrets.add(password)
    server.cli("user", "create", username, "--org", "default", "--name", "Nora Notified", "--password", password)
    server.cli("user", "update", username, "--org", "default", "--email", ADDRESS)
    start = len(smtp.messages)
    seen = []

    def expect(words, after):
        message = notice(smtp, after, words)
        body = plain_text(message)
        assert "http" not in body and password not in body, body
        assert not any(secret in body for secret in used_secrets if len(secret) >= 6), "no secret in a notice"
        seen.append(words)
        return body

    # The first sign-in (this browser is the first: no "new device" notice), an authenticator app at the invitation.
    start_signed_out(ui, "notices-start")
    ui.sign_in(username, password)
    totp = enroll_app_at_invitation(ui, used_secrets)
    used_codes = {totp.now(), totp.at(time.time() - 30)}
    assert "Authenticator app" in expect("a sign-in method was added", start)

    mark = len(smtp.messages)
    ui.go("/settings", "notices-settings")
    ui.follow("#regenerate-codes")
    codes = take_backup_codes(ui, used_secrets, "/settings")
    expect("new backup codes", mark)

    # Eight backup codes used at sign-in: two left, and the user is told.
    ui.sign_out()
    mark = len(smtp.messages)
    for i, code in enumerate(codes[:8]):
        backup_code_sign_in(ui, username, password, code, f"notices-code-{i}")
        ui.sign_out()
    assert "Only 2" in expect("your backup codes are running out", mark)

    mark = len(smtp.messages)
    backup_code_sign_in(ui, username, password, codes[8], "notices-remember", remember=True)
    expect("a device was remembered", mark)
    ui.sign_out()

    # Another browser (no cookies at all): a sign-in from a new device, by name and address.
    ui.d.delete_all_cookies()
    mark = len(smtp.messages)
    backup_code_sign_in(ui, username, password, codes[9], "notices-new-browser")
    body = expect("sign-in from a new device", mark)
    assert "Chrome on Linux, from 127.0.0.1" in body, body

    # Five wrong codes at the challenge: locked, and told. (Codes, not passwords: wrong passwords from this address
    # would count toward the per-address limit the other tests share.)
    ui.sign_out()
    ui.sign_in(username, password)
    ui.wait_path("/login/challenge", "notices-lock-challenge")
    mark = len(smtp.messages)
    for i in range(5):
        ui.fill("#code", "000000" if totp.now() != "000000" else "111111")
        ui.follow("#verify")
        if ui.path != "/login/challenge":
            break
    expect("your account is locked", mark)
    server.cli("user", "unlock", username, "--org", "default")

    # The app removed (its backups with it: settings ask first).
    ui.sign_in(username, password)
    ui.wait_path("/login/challenge", "notices-last-challenge")
    ui.fill("#code", unused_totp(totp, used_codes))
    ui.follow("#verify")
    ui.wait_path("/portal", "notices-last-portal")
    mark = len(smtp.messages)
    ui.go("/settings", "notices-remove")
    ui.follow('#factors tr.factor[data-type="totp"] button.remove')
    ui.wait_el("#confirm-removal", "notices-confirm-removal")
    ui.follow("#confirm-remove")
    ui.wait_path("/settings", "notices-removed")
    expect("a sign-in method was removed", mark)
    ui.sign_out()

    assert len(seen) == 7, seen
    subjects = [str(m["message"]["Subject"]) for m in smtp.messages[start:] if ADDRESS in m["rcpt_tos"]]
    assert sum("new device" in s for s in subjects) == 1, subjects
