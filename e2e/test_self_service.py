"""Self-service account (issue 11) in a real browser: change password with the strength meter, forgot password and
unlock account with an authenticator code from pyotp, forgot password with a security key and with an emailed code
(read at the SMTP sink, aiosmtpd), the enumeration-safe answers of both (status, body and timing medians), a
temporary password replaced at sign-in, challenge questions, and the password notices the sink receives.

Each test makes its own users with the CLI, as an administrator would.
"""

import re
import secrets
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pyotp
from selenium.webdriver.support.select import Select

from support.otp import plain_text, sleep_past_cooldown, the_code, unused_totp
from support.pages import enroll_app_at_invitation, start_signed_out, take_backup_codes
from support.webauthn import USB_KEY, add_first_key_in_settings, ceremony, expect_ceremony_done
from support.config import PUBLIC_HOST

NEW_PASSWORD = "quarry lantern velvet oak"


def make_user(server, used_secrets, username, email=None):
    password = "Pw-" + secrets.token_urlsafe(18)
    used_secrets.add(password)
    server.cli("user", "create", username, "--org", "default", "--name", username.title(), "--password", password)
    if email:
        server.cli("user", "update", username, "--org", "default", "--email", email)
    return password


def enroll(ui, server, used_secrets, username, password):
    """Signs in and sets up an authenticator app; returns it and the set of its codes used so far."""
    start_signed_out(ui, f"{username}-start")
    ui.sign_in(username, password)
    totp = enroll_app_at_invitation(ui, used_secrets)
    return totp, {totp.now(), totp.at(time.time() - 30)}


def lock_for_half_an_hour(server, username):
    """Writes a lock as failed attempts leave it, straight into the server's database."""
    server.write(f"UPDATE users SET locked_until = {int((time.time() + 1800) * 1000)}, lock_level = 1 WHERE username = '{username}'")


def choose_new_password(ui, next_path, name):
    """The new-password form (after a recovery, or a temporary password at sign-in), filled and saved."""
    ui.fill("#new-password", NEW_PASSWORD)
    ui.fill("#confirm-password", NEW_PASSWORD)
    ui.follow("#save-password")
    ui.wait_path(next_path, name)


def test_change_password_with_meter_and_notice(server, ui, smtp, used_secrets):
    address = "paula.e2e@example.org"
    password = make_user(server, used_secrets, "paula", email=address)
    enroll(ui, server, used_secrets, "paula", password)
    ui.go("/settings", "settings-password")
    assert "does not expire" in ui.text_content("#password-status")
    ui.follow("#change-password")
    ui.wait_el("#new-password", "change-password")
    ui.fill("#current", password)
    ui.fill("#new-password", "abcd")
    assert float(ui.find("#password-strength").get_attribute("value")) <= 1, "the meter rates a short run weak while typing"
    ui.fill("#new-password", "password123")
    ui.fill("#confirm-password", "password123")
    ui.follow("#save-password")
    assert "common or breached" in ui.wait_el("#error", "password-refused").text
    before = len(smtp.messages)
    ui.fill("#current", password)
    ui.fill("#new-password", NEW_PASSWORD)
    assert float(ui.find("#password-strength").get_attribute("value")) >= 3
    ui.fill("#confirm-password", NEW_PASSWORD)
    ui.follow("#save-password")
    ui.wait_path("/settings", "password-changed")
    assert "other devices" in ui.wait_el("#notice").text
    got = smtp.wait_for(address, before)
    text = plain_text(got["message"])
    assert "password" in str(got["message"]["Subject"]).lower()
    assert NEW_PASSWORD not in text and password not in text and "http" not in text


def test_forgot_password_with_an_authenticator_code(server, ui, smtp, used_secrets):
    address = "rhea.e2e@example.org"
    password = make_user(server, used_secrets, "rhea", email=address)
    totp, used = enroll(ui, server, used_secrets, "rhea", password)
    start_signed_out(ui, "forgot-start")
    ui.go("/login", "forgot-login")
    ui.follow("#forgot-password")
    ui.wait_el("#recover-form", "forgot-username")
    ui.fill("#username", "rhea")
    ui.follow("#recover-continue")
    ui.wait_path("/recover/verify", "forgot-methods")
    assert "If an account with that username exists" in ui.text_content("#recover-intro")
    Select(ui.find("#code-type")).select_by_value("totp")
    ui.fill("#recover-code", unused_totp(totp, used))
    ui.follow("#recover-verify")
    ui.wait_path("/recover/finish", "forgot-new-password")
    before = len(smtp.messages)
    choose_new_password(ui, "/login", "forgot-done")
    assert "still be asked for your second method" in ui.wait_el("#notice").text
    assert "reset" in str(smtp.wait_for(address, before)["message"]["Subject"]).lower()
    # The new password signs in, and the second factor is still asked for.
    ui.sign_in("rhea", NEW_PASSWORD)
    ui.wait_path("/login/challenge", "forgot-then-challenge")


def test_unlock_account_with_an_authenticator_code(server, ui, used_secrets):
    password = make_user(server, used_secrets, "ursula")
    totp, used = enroll(ui, server, used_secrets, "ursula", password)
    # Locked as five wrong passwords lock it (written directly: failed sign-ins from this address would count toward
    # the per-address limit the other tests share; the Swift tests lock it by failing).
    lock_for_half_an_hour(server, "ursula")
    start_signed_out(ui, "unlock-start")
    ui.sign_in("ursula", password)
    ui.wait_el("#error", "unlock-locked")
    ui.follow("#unlock-account")
    ui.wait_el("#recover-form", "unlock-username")
    ui.fill("#username", "ursula")
    ui.follow("#recover-continue")
    ui.wait_path("/recover/verify", "unlock-methods")
    Select(ui.find("#code-type")).select_by_value("totp")
    ui.fill("#recover-code", unused_totp(totp, used))
    ui.follow("#recover-verify")
    ui.wait_el("#recover-unlock", "unlock-confirm")
    ui.follow("#recover-unlock")
    ui.wait_path("/login", "unlocked")
    assert "unlocked" in ui.wait_el("#notice").text
    ui.sign_in("ursula", password)
    ui.wait_path("/login/challenge", "unlocked-then-challenge")


def _start(base, username, purpose):
    """One enumeration probe over HTTP: the username page, then its form; returns (status, location, verify page
    body without tokens, seconds taken by the POST)."""
    jar = CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(f"{base}/recover?purpose={purpose}", timeout=30).read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(dict(csrf=token, username=username, purpose=purpose)).encode()
    started = time.perf_counter()
    try:
        opener.open(f"{base}/recover?org=default", data=data, timeout=30)
        raise AssertionError("expected a redirect")
    except urllib.error.HTTPError as answer:
        took = time.perf_counter() - started
        status, location = answer.code, answer.headers.get("Location")
    body = opener.open(f"{base}/recover/verify", timeout=30).read().decode()
    body = re.sub(r'value="[^"]{20,}"', "", body)
    return status, location, body, took


def test_forgot_and_unlock_do_not_tell_whether_an_account_exists(server, used_secrets):
    make_user(server, used_secrets, "ivy")
    base = f"http://{PUBLIC_HOST}:{server.port}"
    for purpose in ("reset", "unlock"):
        known, unknown = [], []
        for _ in range(12):  # interleaved, so that a change in the machine's load falls on both alike
            known.append(_start(base, "ivy", purpose))
            unknown.append(_start(base, "nobody-" + secrets.token_hex(4), purpose))
        assert {(s, l) for s, l, _, _ in known} == {(s, l) for s, l, _, _ in unknown} == {(303, "/recover/verify")}
        assert {b for _, _, b, _ in known} == {b for _, _, b, _ in unknown} and len({b for _, _, b, _ in known}) == 1
        k, u = statistics.median(t for *_, t in known), statistics.median(t for *_, t in unknown)
        print(f"{purpose}: median {k * 1000:.1f} ms for an account, {u * 1000:.1f} ms for none")
        assert abs(k - u) < max(0.02, 0.5 * min(k, u)), (k, u)


def test_a_temporary_password_is_replaced_at_sign_in(server, ui, used_secrets):
    password = make_user(server, used_secrets, "tamsin")
    server.write("UPDATE users SET must_change_password = 1 WHERE username = 'tamsin'")
    start_signed_out(ui, "temporary-start")
    ui.sign_in("tamsin", password)
    ui.wait_path("/login/enroll", "temporary-invited")
    ui.follow("#skip")
    ui.wait_path("/login/password", "temporary-new-password")
    assert "temporary password" in ui.text_content("#password-reason")
    ui.go("/portal", "temporary-portal-refused")
    assert ui.path == "/login/password", "nothing else opens before the new password"
    choose_new_password(ui, "/portal", "temporary-done")
    assert "other devices" in ui.wait_el("#notice").text


def test_challenge_questions_beside_a_method_in_a_reset(server, ui, used_secrets):
    server.cli("policy", "set", "challengeQuestionsEnabled=on", "challengeQuestionCount=2")
    try:
        password = make_user(server, used_secrets, "quinn")
        totp, used = enroll(ui, server, used_secrets, "quinn", password)
        ui.go("/settings", "questions-settings")
        Select(ui.find("#question-1")).select_by_index(2)
        ui.fill("#answer-0", "Hill  School")
        ui.fill("#answer-1", "Lisbon")
        ui.follow("#save-questions")
        ui.wait_path("/settings", "questions-saved")
        assert "saved" in ui.wait_el("#notice").text
        start_signed_out(ui, "questions-start")
        ui.go("/recover?purpose=reset", "questions-forgot")
        ui.fill("#username", "quinn")
        ui.follow("#recover-continue")
        ui.wait_path("/recover/verify", "questions-methods")
        Select(ui.find("#code-type")).select_by_value("totp")
        ui.fill("#recover-code", unused_totp(totp, used))
        ui.follow("#recover-verify")
        ui.wait_path("/recover/questions", "questions-asked")
        ui.fill("#answer-0", "hill school")
        ui.fill("#answer-1", "  LISBON ")
        ui.follow("#recover-answers")
        ui.wait_path("/recover/finish", "questions-answered")
    finally:
        server.cli("policy", "set", "challengeQuestionsEnabled=off")


def test_forgot_password_with_a_security_key(server, ui, attach, used_secrets):
    """The recovery's security-key step with Chromium's virtual authenticator: the key registered in settings proves
    the account; a name that is no account gets a stand-in credential the key does not hold, and nothing proves it."""
    password = make_user(server, used_secrets, "kira")
    key = attach(USB_KEY)
    add_first_key_in_settings(ui, dict(username="kira", password=password), "Kira's key", "kira", used_secrets)
    start_signed_out(ui, "key-recover-start")
    ui.go("/recover?purpose=reset", "key-recover")
    ui.fill("#username", "nobody-" + secrets.token_hex(3))
    ui.follow("#recover-continue")
    ui.wait_path("/recover/verify", "key-recover-nobody")
    refused = ceremony(ui, "#recover-use-key", "key-recover-nobody-key")
    assert refused is not None or ui.path.startswith("/recover/verify"), "a key proves nothing for no account"
    ui.d.delete_all_cookies()
    ui.go("/recover?purpose=reset", "key-recover-kira")
    ui.fill("#username", "kira")
    ui.follow("#recover-continue")
    ui.wait_path("/recover/verify", "key-recover-methods")
    expect_ceremony_done(ui, "#recover-use-key", "key-recover-used")
    ui.wait_path("/recover/finish", "key-recover-proven")
    choose_new_password(ui, "/login", "key-recover-done")
    key.remove()


def test_forgot_password_with_an_email_code(server, ui, smtp, used_secrets):
    """The code arrives at the SMTP sink (aiosmtpd) and proves the account in a reset."""
    address = "edda.e2e@example.org"
    password = make_user(server, used_secrets, "edda")
    start_signed_out(ui, "email-reset-start")
    ui.sign_in("edda", password)
    ui.wait_path("/login/enroll", "email-reset-invited")
    ui.follow("#enroll-email")
    ui.wait_el("#email", "email-reset-enroll")
    before = len(smtp.messages)
    ui.fill("#email", address)
    ui.follow("#send-code")
    ui.wait_el("#code", "email-reset-enroll-code")
    ui.fill("#code", the_code(plain_text(smtp.wait_for(address, before)["message"]), "enrollment email"))
    ui.follow("#confirm")
    take_backup_codes(ui, used_secrets, "/portal")
    start_signed_out(ui, "email-reset-signed-out")
    sleep_past_cooldown(smtp.last_message_at(address), "the enrollment code")
    ui.go("/recover?purpose=reset", "email-reset-forgot")
    ui.fill("#username", "edda")
    ui.follow("#recover-continue")
    ui.wait_path("/recover/verify", "email-reset-methods")
    before = len(smtp.messages)
    ui.follow("#send-email")
    ui.wait_path("/recover/verify", "email-reset-sent")
    code = the_code(plain_text(smtp.wait_for(address, before)["message"]), "recovery email")
    used_secrets.add(code)
    Select(ui.find("#code-type")).select_by_value("email")
    ui.fill("#recover-code", code)
    ui.follow("#recover-verify")
    ui.wait_path("/recover/finish", "email-reset-new-password")
    choose_new_password(ui, "/login", "email-reset-done")
    assert "still be asked for your second method" in ui.wait_el("#notice").text

