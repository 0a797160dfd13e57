"""Codes by email (issue 3), in a real browser.

Email goes through a real SMTP server (aiosmtpd, support/fakes.py SMTPSink): the code is read from
the text/plain part of the MIME message.

The fixtures have already run (CLI, before `portcullis serve`):
  portcullis org configure default --inbound-sms-number +15005550000 --blocked-email-domains firm.example
  portcullis user create emma --org default --name "Emma Email" --password PW
"""

from support.otp import sleep_past_cooldown, the_code
from support.pages import factor_types, start_signed_out, submit_code, take_backup_codes
from support.server import BLOCKED_EMAIL_DOMAIN, SMTP_FROM

EMAIL_ADDRESS = "emma.e2e@example.org"


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
