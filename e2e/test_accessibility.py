"""Every page a user or an admin meets passes axe-core (4.4, bundled by PyPI's axe-core-python; axe-selenium-python
bundles axe 3.1 from 2018, which predates `autocomplete="one-time-code"`) with no serious or critical violation, at a
desktop width and at a phone's (390 px)."""

import secrets

import pyotp
from axe_core_python.selenium import Axe

from support.pages import take_backup_codes

PAGES_SIGNED_OUT = ["/login", "/no-such-page"]
PAGES_SIGNED_IN = ["/portal", "/settings", "/enroll/sms", "/enroll/email", "/enroll/webauthn"]
PAGES_ADMIN = ["/admin/tokens"]


def violations(ui, path):
    found = Axe().run(ui.d)["violations"]
    return [f"{path} [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
            for v in found if v["impact"] in ("serious", "critical")]


def scan(ui, paths, label):
    problems = []
    for width in (1280, 390):
        ui.d.set_window_size(width, 900)
        for path in paths:
            ui.go(path, f"axe-{label}-{width}-{path.strip('/').replace('/', '-') or 'root'}")
            problems += violations(ui, f"{path} at {width} px")
    ui.d.set_window_size(1280, 900)
    return problems


def new_user(server, used_secrets, *extra):
    user = dict(username="axe" + secrets.token_hex(3), password="Pw-" + secrets.token_urlsafe(18))
    used_secrets.add(user["password"])
    server.cli("user", "create", user["username"], "--password", user["password"], *extra)
    return user


def test_pages_pass_axe(ui, server, used_secrets):
    problems = scan(ui, PAGES_SIGNED_OUT, "out")
    user = new_user(server, used_secrets)
    ui.sign_in(user["username"], user["password"])
    ui.wait_path("/login/enroll", "axe-invitation")
    problems += [p for p in violations(ui, "/login/enroll")]
    ui.follow("#skip")
    ui.wait_path("/portal", "axe-portal")
    problems += scan(ui, PAGES_SIGNED_IN, "in")
    # The authenticator-app enrollment, its backup codes, then a sign-in's challenge and "Choose a method".
    ui.go("/settings", "axe-settings")
    ui.follow("#add-totp")
    ui.wait_el("#totp-secret", "axe-enroll-totp")
    problems += violations(ui, "/enroll/totp")
    totp = pyotp.parse_uri(ui.text_content("#totp-uri").strip())
    used_secrets.add(totp.secret)
    ui.fill("#code", totp.now())
    ui.follow("#confirm")
    ui.wait_el("#backup-codes", "axe-backup-codes")
    problems += violations(ui, "/backup-codes")
    take_backup_codes(ui, used_secrets, "/settings")
    ui.go("/enroll/pattern", "axe-enroll-pattern")
    problems += violations(ui, "/enroll/pattern")
    ui.sign_out()
    ui.sign_in(user["username"], user["password"])
    ui.wait_path("/login/challenge", "axe-challenge")
    problems += violations(ui, "/login/challenge")
    ui.go("/login/methods", "axe-methods")
    problems += violations(ui, "/login/methods")
    ui.d.delete_all_cookies()  # leaves the half-finished sign-in
    admin = new_user(server, used_secrets, "--admin")
    ui.sign_in(admin["username"], admin["password"])
    ui.wait_path("/login/enroll", "axe-admin-invitation")
    ui.follow("#skip")
    ui.wait_path("/portal", "axe-admin-portal")
    problems += scan(ui, PAGES_ADMIN, "admin")
    ui.sign_out()
    assert not problems, "accessibility problems:\n" + "\n".join(problems)
