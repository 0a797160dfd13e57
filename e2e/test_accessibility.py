"""Every page a user or an admin meets passes axe-core (4.4, bundled by PyPI's axe-core-python; axe-selenium-python
bundles axe 3.1 from 2018, which predates `autocomplete="one-time-code"`) with no serious or critical violation, at a
desktop width and at a phone's (390 px).

The same walk is the page tour (support/tour.py): every page it visits is saved as a screenshot at 1280 and 390 px
(test-output/e2e/<engine>/pages/), and none may scroll sideways at 390 px. Besides the pages axe checks it visits the
enrollment of each factor type (text message and email with their code step, security key, pattern), the sign-in
challenge of each, the settings with every factor, an admin's token page, and the step-up challenge."""

import secrets

import pyotp
from axe_core_python.selenium import Axe
from selenium.webdriver.support.ui import Select

from support.otp import plain_text, the_code
from support.pages import enroll_app_at_invitation, take_backup_codes
from support.pattern import PATTERN, draw_with_keyboard
from support.tour import Tour
from support.webauthn import USB_KEY, register_key

PAGES_SIGNED_OUT = {"/login": "sign-in", "/recover?purpose=reset": "forgot-password", "/no-such-page": "error"}
PAGES_SIGNED_IN = {"/portal": "portal", "/settings": "settings", "/settings/password": "change-password", "/enroll/sms": "enroll-sms",
                   "/enroll/email": "enroll-email", "/enroll/webauthn": "enroll-webauthn"}
PAGES_ADMIN = {"/admin/users": "admin-users", "/admin/users/new": "admin-user-new", "/admin/groups": "admin-groups",
               "/admin/policy": "admin-policy", "/admin/tokens": "admin-tokens", "/admin/audit": "admin-audit",
               "/admin/api-keys": "admin-api-keys"}
# Every second factor's challenge at sign-in (the hardware token's is the admin's, below).
METHODS = ["backup_codes", "email", "pattern", "sms", "totp", "webauthn"]
TOUR_PHONE, TOUR_PHONE_E164 = "(201) 555-0142", "+12015550142"
TOUR_EMAIL = "axe.tour@example.org"


def violations(ui, path):
    found = Axe().run(ui.d)["violations"]
    return [f"{path} [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
            for v in found if v["impact"] in ("serious", "critical")]


def scan(ui, tour, pages, label):
    problems = []
    for width in (1280, 390):
        ui.d.set_window_size(width, 900)
        for path, page in pages.items():
            ui.go(path, f"axe-{label}-{width}-{path.strip('/').replace('/', '-') or 'root'}")
            problems += violations(ui, f"{path} at {width} px")
            tour.shoot(page, width)
    ui.d.set_window_size(1280, 900)
    return problems


def new_user(server, used_secrets, *extra):
    user = dict(username="axe" + secrets.token_hex(3), password="Pw-" + secrets.token_urlsafe(18))
    used_secrets.add(user["password"])
    server.cli("user", "create", user["username"], "--password", user["password"], *extra)
    return user


# --- the tour's other pages -----------------------------------------------------------


def enroll_the_other_factors(ui, tour, twilio, smtp, attach, used_secrets):
    """From /enroll/pattern, with an authenticator app already: a pattern, a phone, an email address and a security
    key, so that the next sign-in offers every method; shows their pages on the way, and settings with them all."""
    draw_with_keyboard(ui, "pattern", PATTERN)
    draw_with_keyboard(ui, "confirmation", PATTERN)
    ui.follow("#save-pattern")
    ui.wait_path("/settings", None)
    ui.assert_no_error()

    ui.go("/enroll/sms", None)
    Select(ui.wait_el("#country")).select_by_value("US")
    ui.fill("#number", TOUR_PHONE)
    ui.fill("#label", "Tour phone")
    sent = len(twilio.messages)
    ui.follow("#send-code")
    ui.wait_el("#code")
    ui.assert_no_error()
    tour.capture("enroll-sms-code")
    code = the_code(twilio.wait_for(TOUR_PHONE_E164, sent)["body"], "text message")
    used_secrets.add(code)
    ui.fill("#code", code)
    ui.follow("#confirm")
    ui.wait_path("/settings", None)
    ui.assert_no_error()

    ui.go("/enroll/email", None)
    ui.fill("#email", TOUR_EMAIL)
    received = len(smtp.messages)
    ui.follow("#send-code")
    ui.wait_el("#code")
    ui.assert_no_error()
    tour.capture("enroll-email-code")
    message = smtp.wait_for(TOUR_EMAIL, received)["message"]
    code = the_code(plain_text(message), "email's text part")
    used_secrets.add(code)
    ui.fill("#code", code)
    ui.follow("#confirm")
    ui.wait_path("/settings", None)
    ui.assert_no_error()

    key = attach(USB_KEY)
    ui.go("/enroll/webauthn", None)
    register_key(ui, "Tour key", "tour-key")
    ui.wait_path("/settings", None)
    key.remove()  # none attached at the challenge below
    types = sorted(r.get_dom_attribute("data-type") for r in ui.all("#factors tr.factor"))
    assert types == METHODS, f"the tour's user should hold every kind of factor but a token: {types}"
    tour.capture("settings-factors")


def each_challenge(ui, tour):
    """On "Choose a method" at sign-in: every other method's challenge, by its link."""
    links = {a.get_dom_attribute("data-method"): a.get_attribute("href") for a in ui.all("a.method")}
    assert sorted(links) == METHODS, f"the tour's user should be offered every method but a token: {sorted(links)}"
    for method, href in links.items():
        if method == "totp":  # the default, shown first
            continue
        ui.d.get(href)
        ui.wait_path("/login/challenge", None)
        ui.assert_no_error()
        tour.capture(f"challenge-{method.replace('_', '-')}")


def token_page_and_step_up(ui, tour, admin, used_secrets):
    """An admin (with an authenticator app, which the admin pages need) imports a token, opens its page and assigns it
    to themself; then the step-up challenge a security change asks for."""
    serial, seed = f"AXE-{secrets.token_hex(3).upper()}", secrets.token_hex(20)
    used_secrets.add(seed)
    ui.go("/admin/tokens", None)
    Select(ui.wait_el("#format")).select_by_value("csv")
    ui.fill("#seed_file", f"serial,seed,digits,algorithm,counter\n{serial},{seed},6,SHA1,0\n")
    ui.follow("#import")
    ui.wait_path("/admin/tokens", None)
    ui.assert_no_error()
    tour.capture("admin-tokens-listed")
    ui.follow(f'#tokens tr.token[data-serial="{serial}"] a.token-link')
    ui.wait_el("#token-state")
    tour.capture("admin-token")
    ui.fill("#assign-username", admin["username"])
    ui.follow("#assign")
    ui.wait_el("#holder")
    ui.assert_no_error()
    ui.go("/admin/users", None)
    ui.follow(f'#users tr.user[data-username="{admin["username"]}"] a.user-link')
    ui.wait_el("#user-page")
    tour.capture("admin-user")
    ui.go("/settings/verify", None)
    ui.wait_path("/settings/verify", None)
    tour.capture("step-up")


# --- the walk ----------------------------------------------------------------------------


def test_pages_pass_axe(ui, server, used_secrets, twilio, smtp, attach):
    tour = Tour(ui)
    problems = scan(ui, tour, PAGES_SIGNED_OUT, "out")
    # "Unlock account": the methods page and the grid pattern's (the same for any name).
    ui.go("/recover?purpose=unlock", "axe-recover")
    ui.fill("#username", "nobody-at-all")
    ui.follow("#recover-continue")
    ui.wait_path("/recover/verify", "axe-recover-verify")
    problems += violations(ui, "/recover/verify")
    tour.capture("recover-methods")
    ui.go("/recover/pattern", "axe-recover-pattern")
    problems += violations(ui, "/recover/pattern")
    tour.capture("recover-pattern")
    ui.d.delete_all_cookies()
    user = new_user(server, used_secrets)
    ui.sign_in(user["username"], user["password"])
    ui.wait_path("/login/enroll", "axe-invitation")
    problems += [p for p in violations(ui, "/login/enroll")]
    tour.capture("invitation")
    ui.follow("#skip")
    ui.wait_path("/portal", "axe-portal")
    problems += scan(ui, tour, PAGES_SIGNED_IN, "in")
    # The authenticator-app enrollment, its backup codes, then a sign-in's challenge and "Choose a method".
    ui.go("/settings", "axe-settings")
    ui.follow("#add-totp")
    ui.wait_el("#totp-secret", "axe-enroll-totp")
    problems += violations(ui, "/enroll/totp")
    tour.capture("enroll-totp")
    totp = pyotp.parse_uri(ui.text_content("#totp-uri").strip())
    used_secrets.add(totp.secret)
    ui.fill("#code", totp.now())
    ui.follow("#confirm")
    ui.wait_el("#backup-codes", "axe-backup-codes")
    problems += violations(ui, "/backup-codes")
    tour.capture("backup-codes")
    take_backup_codes(ui, used_secrets, "/settings")
    ui.go("/enroll/pattern", "axe-enroll-pattern")
    problems += violations(ui, "/enroll/pattern")
    tour.capture("enroll-pattern")
    enroll_the_other_factors(ui, tour, twilio, smtp, attach, used_secrets)
    ui.sign_out()
    ui.sign_in(user["username"], user["password"])
    ui.wait_path("/login/challenge", "axe-challenge")
    problems += violations(ui, "/login/challenge")
    tour.capture("challenge-totp")
    ui.go("/login/methods", "axe-methods")
    problems += violations(ui, "/login/methods")
    tour.capture("methods")
    each_challenge(ui, tour)
    ui.d.delete_all_cookies()  # leaves the half-finished sign-in
    admin = new_user(server, used_secrets, "--admin")
    ui.sign_in(admin["username"], admin["password"])
    enroll_app_at_invitation(ui, used_secrets)
    problems += scan(ui, tour, PAGES_ADMIN, "admin")
    token_page_and_step_up(ui, tour, admin, used_secrets)
    problems += violations(ui, "/settings/verify")
    ui.sign_out()
    # The token is now also the admin's: its challenge at sign-in, through "Choose a method".
    ui.sign_in(admin["username"], admin["password"])
    ui.wait_path("/login/challenge", None)
    ui.go("/login/methods", None)
    ui.d.get(ui.wait_el('a.method[data-method="hotp"]').get_attribute("href"))
    ui.wait_path("/login/challenge", None)
    tour.capture("challenge-hotp")
    ui.d.delete_all_cookies()
    print(f"page tour: {len(tour.pages)} pages at 1280 and 390 px in {tour.dir}")
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
    assert not tour.too_wide, tour.report()


def test_self_service_pages_pass_axe(ui, server, used_secrets):
    """The settings page with the challenge questions form (an organization that turned them on), and the new-password
    page a temporary password leads to, at both widths."""
    tour = Tour(ui)
    problems = []
    server.cli("policy", "set", "challengeQuestionsEnabled=on", "challengeQuestionCount=2")
    try:
        ui.d.delete_all_cookies()
        user = new_user(server, used_secrets)
        ui.sign_in(user["username"], user["password"])
        ui.wait_path("/login/enroll", "axe-questions-invitation")
        ui.follow("#skip")
        ui.wait_path("/portal", "axe-questions-portal")
        problems += scan(ui, tour, {"/settings": "settings-questions"}, "questions")
        assert ui.find("#answer-0") and ui.find("#question-1"), "the questions form is on the settings page"
    finally:
        server.cli("policy", "set", "challengeQuestionsEnabled=off")
    ui.d.delete_all_cookies()
    temporary = new_user(server, used_secrets)  # made temporary as an administrator's password is
    server.write(f"UPDATE users SET must_change_password = 1 WHERE username = '{temporary['username']}'")
    ui.sign_in(temporary["username"], temporary["password"])
    ui.wait_path("/login/enroll", "axe-temporary-invitation")
    ui.follow("#skip")
    ui.wait_path("/login/password", "axe-new-password")
    for width in (1280, 390):
        ui.d.set_window_size(width, 900)
        problems += violations(ui, f"/login/password at {width} px")
        tour.shoot("new-password", width)
    ui.d.set_window_size(1280, 900)
    ui.d.delete_all_cookies()
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
    assert not tour.too_wide, tour.report()
