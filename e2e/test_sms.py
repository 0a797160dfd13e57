"""Codes by text message (issue 3), in a real browser.

SMS goes through a fake Twilio Messages API in this process (support/fakes.py FakeTwilio): the test
reads the code from the recorded message. Inbound SMS confirmation is played by POSTing a signed
Twilio webhook to /webhooks/twilio/sms.

The fixtures have already run (CLI, before `portcullis serve`):
  portcullis org configure default --inbound-sms-number +15005550000 --blocked-email-domains firm.example
  portcullis user create sam --org default --name "Sam Sms" --password PW
The tests of this file run in order (the first enrolls sam's phone).
"""

import re
import secrets
import time
import urllib.parse

import pytest
from selenium.webdriver.support.ui import Select, WebDriverWait

from support.fakes import post_webhook
from support.otp import sleep_past_cooldown, the_code
from support.pages import expect_refused, factor_types, skip_invitation, start_signed_out, submit_code, switch_method, \
    take_backup_codes
from support.server import INBOUND_SMS_NUMBER

INBOUND_POLL_LIMIT = 12  # the challenge page polls every 2 s: it must move on within ~10 s

SMS_COUNTRY, SMS_NATIONAL, SMS_E164 = "US", "(201) 555-0123", "+12015550123"

# What one test leaves for the next one (the tests of this file run in order).
state = {}


def sms_code(twilio, after, used_secrets):
    msg = twilio.wait_for(SMS_E164, after)
    assert msg["from_"] == twilio.from_number, msg
    code = the_code(msg["body"], "text message")
    used_secrets.add(code)
    return code


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
