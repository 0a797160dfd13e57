"""Issue 3 in a real browser: codes by text message and by email, and hardware
tokens from the inventory.

- SMS goes through a fake Twilio Messages API in this process (conftest.FakeTwilio):
  the test reads the code from the recorded message. Inbound SMS confirmation is
  played by POSTing a signed Twilio webhook to /webhooks/twilio/sms.
- Email goes through a real SMTP server (aiosmtpd, conftest.SMTPSink): the code is
  read from the text/plain part of the MIME message.
- Hardware tokens: an admin imports a CSV seed file on /admin/tokens, assigns one
  token and lends another; codes come from `oathtool --hotp`.

The fixtures have already run (CLI, before `portcullis serve`):
  portcullis org configure default --inbound-sms-number +15005550000 --blocked-email-domains firm.example
  portcullis user create sam|emma|tom|lena --org default --name ... --password PW
  portcullis user create boss --org default --name Boss --password PW --admin
One user per part: refused codes count toward that user's lockout.
"""

import datetime
import re
import secrets
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import BLOCKED_EMAIL_DOMAIN, INBOUND_SMS_NUMBER, SMTP_FROM, take_backup_codes

RESEND_COOLDOWN = 30  # seconds between two codes sent for one factor (policy default)
INBOUND_POLL_LIMIT = 12  # the challenge page polls every 2 s: it must move on within ~10 s

SMS_COUNTRY, SMS_NATIONAL, SMS_E164 = "US", "(201) 555-0123", "+12015550123"
EMAIL_ADDRESS = "emma.e2e@example.org"

# What one test leaves for the next one of its part (the tests of this file run in order).
state = {}


# --- helpers ----------------------------------------------------------------


def start_signed_out(ui, name):
    """Every part starts from a browser without a session, whatever the test before left."""
    ui.go("/login", name)
    ui.d.delete_all_cookies()


def skip_invitation(ui):
    """A user without factors (MFA not required) is invited to enroll at sign-in, and may skip."""
    ui.wait_path("/login/enroll", "enroll-invited")
    assert ui.find("#enroll-totp") is not None
    ui.follow("#skip")
    ui.wait_path("/portal", "portal")
    ui.assert_no_error()


def factor_types(ui):
    return sorted(r.get_dom_attribute("data-type") for r in ui.all("#factors tr.factor"))


def submit_code(ui, code):
    ui.fill("#code", code)
    ui.follow("#verify")


def expect_refused(ui, name):
    assert ui.path == "/login/challenge", f"the code must be refused, leaving the user on /login/challenge, not {ui.path}"
    return ui.wait_el("#error", name).text


def switch_method(ui, method, expected_methods):
    ui.follow("#other-methods")
    ui.wait_path("/login/methods", "methods")
    methods = sorted(a.get_dom_attribute("data-method") for a in ui.all("a.method"))
    assert methods == expected_methods, methods
    ui.follow(f'a.method[data-method="{method}"]')
    ui.wait_path("/login/challenge", f"challenge-{method}")
    ui.wait_el("#code")


def the_code(text, what):
    """The one 6-digit code in a message."""
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", text)
    assert len(codes) == 1, f"expected exactly one 6-digit code in the {what}, found {codes}: {text!r}"
    return codes[0]


def sleep_past_cooldown(last_sent_at, what):
    """The server sends at most one code per factor every RESEND_COOLDOWN seconds;
    the next step would ask for a new one."""
    wait = last_sent_at + RESEND_COOLDOWN + 1 - time.time()
    if wait > 0:
        print(f"waiting {wait:.0f} s for the resend cooldown of {what}")
        time.sleep(wait)


def sms_code(twilio, after, used_secrets):
    msg = twilio.wait_for(SMS_E164, after)
    assert msg["from_"] == twilio.from_number, msg
    code = the_code(msg["body"], "text message")
    used_secrets.add(code)
    return code


def email_code(smtp, after, used_secrets):
    got = smtp.wait_for(EMAIL_ADDRESS, after)
    msg = got["message"]
    assert SMTP_FROM in str(msg["From"]), msg["From"]
    assert EMAIL_ADDRESS in str(msg["To"]).lower(), msg["To"]
    assert msg["Subject"], "the email needs a subject"
    assert msg["Message-ID"] and msg["Date"], "the email needs Message-ID and Date headers"
    plain = msg.get_body(preferencelist=("plain",))
    assert plain is not None, f"no text/plain part in a {msg.get_content_type()} message"
    code = the_code(plain.get_content(), "email's text part")
    html = msg.get_body(preferencelist=("html",))
    if html is not None:
        assert code in html.get_content(), "the HTML part shows another code than the text part"
    used_secrets.add(code)
    return code


def post_webhook(url, params, signature):
    """POST a form to the server as Twilio would; returns (status, body)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "User-Agent": "TwilioProxy/1.1"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    req = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=20) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def hotp(seed_hex, counter, used_secrets):
    out = subprocess.run(["oathtool", "--hotp", "-c", str(counter), seed_hex],
                         check=True, capture_output=True, text=True).stdout.strip()
    assert re.fullmatch(r"\d{6}", out), out
    used_secrets.add(out)
    return out


def token_state(ui):
    return ui.wait_el("#token-state").text.strip().lower()


# --- SMS ----------------------------------------------------------------------


def test_sms_enroll_and_sign_in(server, ui, twilio, used_secrets):
    sam = server.users["sam"]
    start_signed_out(ui, "sms-start")

    # A user without factors signs in with the password alone (invitation skipped)
    # and adds a phone in settings.
    ui.sign_in(sam["username"], sam["password"])
    skip_invitation(ui)
    ui.follow("#settings-link")
    ui.wait_path("/settings", "settings")
    ui.follow("#add-sms")
    ui.wait_path("/enroll/sms", "enroll-sms")
    ui.assert_no_error()
    Select(ui.wait_el("#country")).select_by_value(SMS_COUNTRY)
    ui.fill("#number", SMS_NATIONAL)
    ui.fill("#label", "Work phone")
    sent = len(twilio.messages)
    ui.follow("#send-code")
    ui.wait_el("#code", "enroll-sms-code")
    ui.assert_no_error()
    assert ui.find("#confirm") is not None and ui.find("#resend") is not None
    code = sms_code(twilio, sent, used_secrets)
    assert twilio.problems == [], twilio.problems

    ui.fill("#code", code)
    ui.follow("#confirm")
    # The first factor comes with backup codes.
    state["sam_backup_codes"] = take_backup_codes(ui, used_secrets, "/settings")
    ui.assert_no_error()
    assert factor_types(ui) == ["backup_codes", "sms"], factor_types(ui)
    row = ui.find('#factors tr.factor[data-type="sms"]')
    assert "Work phone" in row.text, row.text
    ui.go("/portal", "portal")
    ui.sign_out()

    # Sign-in: the SMS factor is the default; showing the challenge sends nothing, "Send code" does.
    sleep_past_cooldown(twilio.last_request_at(SMS_E164), "the enrollment code")
    sent = len(twilio.messages)
    ui.sign_in(sam["username"], sam["password"])
    ui.wait_path("/login/challenge", "challenge-sms")
    ui.assert_no_error()
    time.sleep(1)
    assert len(twilio.messages) == sent, "showing the challenge must send nothing"
    ui.follow("#send-code")
    ui.wait_path("/login/challenge", "challenge-sms-sent")
    assert "sent" in ui.wait_el("#notice").text.lower(), ui.find("#notice").text
    # Reloading the page (GET, after the redirect) sends nothing more.
    ui.d.refresh()
    ui.wait_el("#code")
    # Inbound confirmation is on for the organization: the page offers it.
    assert re.fullmatch(r"\d{6}", ui.wait_el("#inbound-code").text.strip()), ui.find("#inbound-code").text
    assert ui.find("#inbound-number").text.strip() == INBOUND_SMS_NUMBER
    used_secrets.add(ui.find("#inbound-code").text.strip())
    code = sms_code(twilio, sent, used_secrets)
    assert len(twilio.messages) == sent + 1, "Send code must send exactly one text, and the reload none"

    # A wrong code is refused without voiding the right one.
    submit_code(ui, f"{(int(code) + 1) % 1_000_000:06d}")
    expect_refused(ui, "sms-wrong-code-refused")
    submit_code(ui, code)
    ui.wait_path("/portal", "portal-after-sms")
    ui.assert_no_error()
    ui.sign_out()
    state["sam_enrolled"] = True


def test_sms_provider_down_leaves_the_other_methods(server, ui, twilio, used_secrets):
    if not state.get("sam_enrolled"):
        pytest.fail("needs test_sms_enroll_and_sign_in to have enrolled the phone")
    sam = server.users["sam"]
    start_signed_out(ui, "sms-down-start")
    sleep_past_cooldown(twilio.last_request_at(SMS_E164), "the last code")

    refused, sent = len(twilio.refused), len(twilio.messages)
    twilio.fail_status = 503
    try:
        ui.sign_in(sam["username"], sam["password"])
        ui.wait_path("/login/challenge", "challenge-sms-provider-down")
        ui.follow("#send-code")
        twilio.wait_for(SMS_E164, refused, refused=True, timeout=5)  # the server did try
        err = ui.wait_el("#error").text
        assert "could not be sent" in err.lower(), f"the page must say the code could not be sent: {err!r}"
        notice = ui.find("#notice")
        assert notice is None or "we sent" not in notice.text.lower(), f"the page claims a code was sent: {notice.text!r}"
        assert len(twilio.messages) == sent

        # The sign-in is kept and the other methods are one click away.
        switch_method(ui, "backup_codes", ["backup_codes", "sms"])
        submit_code(ui, state["sam_backup_codes"][0])
        ui.wait_path("/portal", "portal-after-backup-code")
        ui.assert_no_error()
    finally:
        twilio.fail_status = None
    ui.sign_out()


def test_sms_inbound_confirmation(server, ui, twilio, used_secrets):
    if not state.get("sam_enrolled"):
        pytest.fail("needs test_sms_enroll_and_sign_in to have enrolled the phone")
    sam = server.users["sam"]
    start_signed_out(ui, "sms-inbound-start")
    sleep_past_cooldown(twilio.last_request_at(SMS_E164), "the last code")

    sent = len(twilio.messages)
    ui.sign_in(sam["username"], sam["password"])
    ui.wait_path("/login/challenge", "challenge-sms-inbound")
    ui.assert_no_error()
    ui.follow("#send-code")
    sms_code(twilio, sent, used_secrets)  # sent too; the user texts instead
    inbound_code = ui.wait_el("#inbound-code").text.strip()
    number = ui.find("#inbound-number").text.strip()
    assert re.fullmatch(r"\d{6}", inbound_code), inbound_code
    assert number == INBOUND_SMS_NUMBER, number
    used_secrets.add(inbound_code)

    url = server.base_url + "/webhooks/twilio/sms"
    sid = "SM" + secrets.token_hex(16)
    params = {
        "ToCountry": "US", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0", "ToCity": "", "FromZip": "",
        "SmsSid": sid, "FromState": "NJ", "SmsStatus": "received", "FromCity": "", "Body": inbound_code,
        "FromCountry": "US", "To": number, "ToZip": "", "NumSegments": "1", "MessageSid": sid,
        "AccountSid": twilio.account_sid, "From": SMS_E164, "ApiVersion": "2010-04-01",
    }

    # Forged or tampered webhooks are refused and confirm nothing.
    status, _ = post_webhook(url, params, twilio.inbound_signature(url, params, token=secrets.token_hex(16)))
    assert status == 403, f"a webhook signed with another key must get 403, not {status}"
    status, _ = post_webhook(url, params, None)
    assert status == 403, f"a webhook without X-Twilio-Signature must get 403, not {status}"
    tampered = dict(params, From="+12015550199")
    status, _ = post_webhook(url, tampered, twilio.inbound_signature(url, params))
    assert status == 403, f"a webhook whose fields changed after signing must get 403, not {status}"
    time.sleep(5)  # two polls of the page
    assert ui.path == "/login/challenge", f"a refused webhook must not sign the user in (now at {ui.path})"
    ui.shot("challenge-after-forged-webhooks")

    # Twilio's real request: the page moves on by itself.
    status, body = post_webhook(url, params, twilio.inbound_signature(url, params))
    assert status == 200, f"a correctly signed webhook must get 200, not {status}: {body[:200]!r}"
    assert "<Response" in body, f"Twilio expects TwiML back: {body[:200]!r}"
    started = time.monotonic()
    try:
        WebDriverWait(ui.d, INBOUND_POLL_LIMIT).until(lambda d: urllib.parse.urlparse(d.current_url).path == "/portal")
    except Exception:
        ui.shot("inbound-timeout")
        raise AssertionError(f"the challenge page did not move on to /portal within {INBOUND_POLL_LIMIT} s "
                             f"after the inbound text (at {ui.d.current_url})") from None
    ui.wait_el("#welcome", "portal-after-inbound-sms")
    ui.assert_no_error()
    print(f"moved on {time.monotonic() - started:.1f} s after the webhook")
    ui.sign_out()

    # The same text again (e.g. Twilio retrying) signs nobody in: the challenge was used.
    status, _ = post_webhook(url, params, twilio.inbound_signature(url, params))
    assert status in (200, 204), status


# --- email ------------------------------------------------------------------


def test_email_enroll_and_sign_in(server, ui, smtp, used_secrets):
    emma = server.users["emma"]
    start_signed_out(ui, "email-start")
    # Enrolled during the first sign-in, from the invitation (the SMS part used settings).
    ui.sign_in(emma["username"], emma["password"])
    ui.wait_path("/login/enroll", "enroll-invited")
    assert ui.find("#enroll-sms") is not None, "the enrollment page should offer text messages"
    ui.follow("#enroll-email")
    ui.wait_path("/enroll/email", "enroll-email")
    ui.assert_no_error()

    # The organization's own domain (and its subdomains) is refused; nothing is sent.
    received = len(smtp.messages)
    for blocked in (f"someone@{BLOCKED_EMAIL_DOMAIN}", f"emma@mail.{BLOCKED_EMAIL_DOMAIN.upper()}"):
        ui.fill("#email", blocked)
        ui.follow("#send-code")
        err = ui.wait_el("#error", "email-blocked-domain").text
        assert ui.path == "/enroll/email" and ui.find("#email") is not None, \
            f"{blocked} must be refused on the address form, not at {ui.path}"
        assert BLOCKED_EMAIL_DOMAIN in err.lower(), f"the error should name the blocked domain: {err!r}"
    assert len(smtp.messages) == received, "no email may go to a blocked domain"

    ui.fill("#email", EMAIL_ADDRESS)
    ui.follow("#send-code")
    ui.wait_el("#code", "enroll-email-code")
    ui.assert_no_error()
    code = email_code(smtp, received, used_secrets)
    ui.fill("#code", code)
    ui.follow("#confirm")
    # The confirmed factor finishes the sign-in, after the backup codes.
    take_backup_codes(ui, used_secrets, "/portal")
    ui.assert_no_error()
    ui.follow("#settings-link")
    ui.wait_path("/settings", "settings")
    assert factor_types(ui) == ["backup_codes", "email"], factor_types(ui)
    assert EMAIL_ADDRESS in ui.find('#factors tr.factor[data-type="email"]').text
    ui.sign_out()

    # Sign-in with the code from the email.
    sleep_past_cooldown(smtp.last_message_at(EMAIL_ADDRESS), "the enrollment code")
    received = len(smtp.messages)
    ui.sign_in(emma["username"], emma["password"])
    ui.wait_path("/login/challenge", "challenge-email")
    ui.assert_no_error()
    ui.follow("#send-code")
    assert "sent" in ui.wait_el("#notice").text.lower(), ui.find("#notice").text
    assert EMAIL_ADDRESS not in ui.d.page_source, "the address is masked before the second factor"
    assert ui.find("#inbound-code") is None, "inbound confirmation is for text messages only"
    code = email_code(smtp, received, used_secrets)
    submit_code(ui, code)
    ui.wait_path("/portal", "portal-after-email")
    ui.assert_no_error()
    ui.sign_out()


# --- hardware tokens ---------------------------------------------------------------


def test_admin_imports_assigns_and_lends_tokens(server, ui, used_secrets):
    boss = server.users["boss"]
    run = secrets.token_hex(3).upper()
    tokens = [dict(serial=f"E2E-{run}-{i}", seed=secrets.token_hex(20)) for i in (1, 2)]
    used_secrets.update(t["seed"] for t in tokens)

    start_signed_out(ui, "admin-start")
    ui.sign_in(boss["username"], boss["password"])
    skip_invitation(ui)
    ui.follow("#admin-nav")
    ui.wait_path("/admin/tokens", "admin-tokens")
    ui.assert_no_error()

    seed_file = "serial,seed,digits,algorithm,counter\n" + "".join(f"{t['serial']},{t['seed']},6,SHA1,0\n" for t in tokens)
    Select(ui.wait_el("#format")).select_by_value("csv")
    ui.fill("#seed_file", seed_file)
    ui.follow("#import")
    ui.wait_path("/admin/tokens", "admin-tokens-imported")
    ui.assert_no_error()
    assert ui.find("#import-problems") is None
    assert ui.find("#notice") is not None and "2" in ui.find("#notice").text, "the import should say how many it took"
    for t in tokens:
        row = ui.find(f'#tokens tr.token[data-serial="{t["serial"]}"]')
        assert row is not None, f"token {t['serial']} is not listed"
        assert row.get_dom_attribute("data-state") == "unassigned", row.get_dom_attribute("data-state")
    page = ui.d.page_source.lower()
    assert not any(t["seed"] in page for t in tokens), "a seed is shown on the inventory page"

    # Assign the first token for good.
    ui.follow(f'#tokens tr.token[data-serial="{tokens[0]["serial"]}"] a.token-link')
    ui.wait_el("#token-state", "admin-token")
    assert token_state(ui) == "unassigned"
    assert ui.find("#serial").text.strip() == tokens[0]["serial"]
    ui.fill("#assign-username", server.users["tom"]["username"])
    ui.follow("#assign")
    ui.wait_el("#token-state", "admin-token-assigned")
    ui.assert_no_error()
    assert token_state(ui) == "assigned", ui.find("#token-state").text
    assert ui.wait_el("#holder").text.strip() == server.users["tom"]["username"]
    assert ui.find("#due") is None, "an assigned token is not due back"

    # Lend the second one, due back by default at the end of the organization's day.
    ui.go("/admin/tokens", "admin-tokens")
    assert ui.find(f'#tokens tr.token[data-serial="{tokens[0]["serial"]}"]').get_dom_attribute("data-state") == "assigned"
    ui.follow(f'#tokens tr.token[data-serial="{tokens[1]["serial"]}"] a.token-link')
    ui.wait_el("#token-state", "admin-token-2")
    ui.fill("#lend-username", server.users["lena"]["username"])
    assert ui.wait_el("#lend-until").get_attribute("value") == "", "the due time must default to empty (end of day)"
    before = datetime.datetime.now(datetime.timezone.utc)
    ui.follow("#lend")
    ui.wait_el("#token-state", "admin-token-lent")
    ui.assert_no_error()
    assert token_state(ui) == "lent", ui.find("#token-state").text
    assert ui.wait_el("#holder").text.strip() == server.users["lena"]["username"]
    due = ui.find("#due")
    assert due is not None and due.is_displayed() and due.text.strip(), "a lent token must show when it is due back"
    zone = ZoneInfo(server.org_time_zone)
    local = before.astimezone(zone)
    end_of_day = datetime.datetime.combine(local.date() + datetime.timedelta(days=1), datetime.time(), zone)
    expected = end_of_day.astimezone(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    assert due.text.strip() == expected, f"due back {due.text!r}, expected the end of today in {zone}: {expected!r}"
    ui.go("/admin/tokens", "admin-tokens")
    assert ui.find(f'#tokens tr.token[data-serial="{tokens[1]["serial"]}"]').get_dom_attribute("data-state") == "lent"
    ui.sign_out()
    state["tokens"] = tokens

    # The borrower signs in with the lent token.
    lena = server.users["lena"]
    ui.sign_in(lena["username"], lena["password"])
    ui.wait_path("/login/challenge", "challenge-hotp-lent")
    submit_code(ui, hotp(tokens[1]["seed"], 0, used_secrets))
    ui.wait_path("/portal", "portal-after-lent-token")
    ui.assert_no_error()
    ui.sign_out()


def test_token_holder_signs_in_and_resyncs(server, ui, used_secrets):
    if "tokens" not in state:
        pytest.fail("needs test_admin_imports_assigns_and_lends_tokens to have assigned a token")
    tom = server.users["tom"]
    seed = state["tokens"][0]["seed"]
    start_signed_out(ui, "token-start")

    # The assigned token is the user's default factor.
    ui.sign_in(tom["username"], tom["password"])
    ui.wait_path("/login/challenge", "challenge-hotp")
    ui.assert_no_error()
    submit_code(ui, hotp(seed, 0, used_secrets))
    ui.wait_path("/portal", "portal-after-hotp")
    ui.assert_no_error()
    counter = 1

    # Backup codes, so the user can still sign in when the token is out of step.
    ui.follow("#settings-link")
    ui.wait_path("/settings", "settings")
    assert factor_types(ui) == ["hotp"], factor_types(ui)
    assert state["tokens"][0]["serial"] in ui.find('#factors tr.factor[data-type="hotp"]').text
    ui.follow("#regenerate-codes")
    backup_codes = take_backup_codes(ui, used_secrets, "/settings")
    ui.go("/portal", "portal")
    ui.sign_out()

    # The token was pressed 50 times unused: its code is beyond the look-ahead window.
    ahead1, ahead2, after = (hotp(seed, counter + k, used_secrets) for k in (50, 51, 52))
    ui.sign_in(tom["username"], tom["password"])
    ui.wait_path("/login/challenge", "challenge-hotp")
    submit_code(ui, ahead1)
    expect_refused(ui, "hotp-out-of-step-refused")

    # The user signs in with a backup code and resyncs in settings with two consecutive codes.
    switch_method(ui, "backup_codes", ["backup_codes", "hotp"])
    submit_code(ui, backup_codes[0])
    ui.wait_path("/portal", "portal-after-backup-code")
    ui.follow("#settings-link")
    ui.wait_path("/settings", "settings")
    row = 'tr.factor[data-type="hotp"]'
    ui.fill(f"{row} .resync-code1", ahead1)
    ui.fill(f"{row} .resync-code2", ahead2)
    ui.follow(f"{row} .resync")
    ui.wait_path("/settings", "settings-resynced")
    ui.assert_no_error()
    assert ui.find("#notice") is not None, "a successful resync should say so (#notice)"
    ui.go("/portal", "portal")
    ui.sign_out()

    # Back in step: the next code signs in.
    ui.sign_in(tom["username"], tom["password"])
    ui.wait_path("/login/challenge", "challenge-hotp")
    submit_code(ui, after)
    ui.wait_path("/portal", "portal-after-resync")
    ui.assert_no_error()
    ui.sign_out()
