"""The admin console's story (issue 10), in Chromium: an administrator creates a user with "Require two-factor: Yes"
→ the users list shows "Pending setup on next login" → the user signs in and must enroll → the list shows "Enabled";
the administrator turns the requirement off (confirmed first, then a banner); a group's requirement makes its member
Pending; the administrator unlocks a locked user and removes a lost phone; turning SMS off in the policy removes it
from enrollment.

Everything happens in an organization of its own (its policy changes must not touch the other tests' users), with its
sign-in page at /o/<slug>/login. The user signs in in a second browser."""

import csv
import io
import secrets
import urllib.request

import pyotp
import pytest

from support.pages import UI, new_driver, take_backup_codes


@pytest.fixture(scope="module")
def org(server, used_secrets):
    slug = "story-" + secrets.token_hex(3)
    server.cli("org", "create", slug, "--name", "Story Law LLP")
    admin = dict(username="office", password="Pw-" + secrets.token_urlsafe(18))
    used_secrets.add(admin["password"])
    server.cli("user", "create", admin["username"], "--org", slug, "--name", "Office Manager", "--password", admin["password"], "--admin")
    return dict(slug=slug, admin=admin)


@pytest.fixture(scope="module")
def second(out_dir, server):
    driver = new_driver(out_dir)
    yield UI(driver, server.base_url)
    driver.quit()


def sign_in(ui, slug, username, password, name):
    ui.go(f"/o/{slug}/login", name)
    ui.d.delete_all_cookies()
    ui.go(f"/o/{slug}/login", name)
    ui.fill("#username", username)
    ui.fill("#password", password)
    ui.follow("#sign-in")


def enroll_app(ui, used_secrets, required):
    ui.wait_path("/login/enroll", "must-enroll" if required else "invited")
    assert (ui.find("#skip") is None) == required, "a required user has no Skip"
    ui.follow("#enroll-totp")
    ui.wait_el("#totp-secret")
    totp = pyotp.parse_uri(ui.text_content("#totp-uri").strip())
    used_secrets.add(totp.secret)
    ui.fill("#code", totp.now())
    ui.follow("#confirm")
    take_backup_codes(ui, used_secrets, "/portal")
    return totp


def status_in_list(ui, username):
    ui.go(f"/admin/users?q={username}", None)
    row = ui.wait_el(f'#users tr.user[data-username="{username}"]')
    return row.find_element("css selector", ".mfa-status").text.strip(), row.text


def open_user(ui, username):
    ui.go(f"/admin/users?q={username}", None)
    ui.follow(f'#users tr.user[data-username="{username}"] a.user-link')
    ui.wait_el("#user-page")


def confirm(ui, opener, expected_question):
    ui.follow(opener)
    question = ui.wait_el("#confirm-question").text
    assert expected_question in question, question
    ui.follow("#confirm-button")
    ui.wait_el("#user-page")


def test_the_admin_story(server, ui, second, org, used_secrets):
    slug, admin = org["slug"], org["admin"]
    sign_in(ui, slug, admin["username"], admin["password"], "story-admin")
    enroll_app(ui, used_secrets, required=False)  # the admin pages ask for a recent second factor
    ui.follow("#admin-nav")
    ui.wait_path("/admin/users", "story-users")
    assert ui.find("#admin-org-name").text.strip() == "Story Law LLP"

    # New user with "Two-Factor Authentication: Yes" and a password the admin types.
    dana = dict(username="dana", password="Pw-" + secrets.token_urlsafe(18))
    used_secrets.add(dana["password"])
    ui.follow("#new-user")
    ui.wait_el("#new-user-form", "story-new-user")
    assert ui.find("#mfa-no").is_selected(), "Two-Factor Authentication: No by default"
    ui.fill("#username", dana["username"])
    ui.fill("#display_name", "Dana Scully")
    ui.d.find_element("css selector", "#mfa-yes").click()
    ui.d.find_element("css selector", "#password-typed").click()
    ui.fill("#password", dana["password"])
    ui.follow("#create-user")
    ui.wait_el("#user-page", "story-created")
    ui.assert_no_error()
    assert ui.find("#mfa-status").text.strip() == "Pending setup on next login"
    assert status_in_list(ui, "dana")[0] == "Pending setup on next login"

    # Dana signs in (another browser) and must enroll; then the list says Enabled.
    sign_in(second, slug, dana["username"], dana["password"], "story-dana")
    enroll_app(second, used_secrets, required=True)
    assert status_in_list(ui, "dana")[0] == "Enabled"

    # The requirement off, confirmed first, with a banner.
    open_user(ui, "dana")
    confirm(ui, "#no-mfa", "will no longer be required")
    assert "no longer required for Dana Scully" in ui.wait_el("#notice").text

    # "Require Two-Factor" on a user without factors: the confirmation explains, the banner confirms, Pending.
    server.cli("user", "create", "erin", "--org", slug, "--password", "Pw-" + secrets.token_urlsafe(18))
    open_user(ui, "erin")
    assert ui.find("#mfa-status").text.strip() == "No"
    confirm(ui, "#require-mfa", "will be required to set up two-factor authentication at their next sign-in")
    assert "They will be asked to set it up at their next sign-in" in ui.wait_el("#notice").text
    assert ui.find("#mfa-status").text.strip() == "Pending setup on next login"

    # A group that requires two-factor makes its member Pending, and the list says where it comes from.
    server.cli("user", "create", "fred", "--org", slug, "--password", "Pw-" + secrets.token_urlsafe(18))
    assert status_in_list(ui, "fred")[0] == "No"
    ui.go("/admin/groups", "story-groups")
    ui.fill("#name", "Accounting")
    ui.d.find_element("css selector", "#group-mfa").click()
    ui.follow("#create-group")
    ui.wait_el("#group-page", "story-group")
    ui.fill("#username", "fred")
    ui.follow("#add-member")
    ui.wait_el('#members li.member[data-username="fred"]')
    status, row = status_in_list(ui, "fred")
    assert status == "Pending setup on next login" and "required by group Accounting" in row, row

    # Unlock a locked user.
    server.cli("user", "lock", "fred", "--org", slug)
    open_user(ui, "fred")
    assert ui.find("#lock-state").text.startswith("Locked")
    ui.follow("#unlock")
    ui.wait_el("#user-page")
    assert ui.find("#lock-state").text.startswith("Not locked")

    # Lost phone: Dana is required again, then every method goes and she is Pending.
    open_user(ui, "dana")
    confirm(ui, "#require-mfa", "will be required")
    assert ui.find("#mfa-status").text.strip() == "Enabled"
    confirm(ui, "#remove-all-factors", "Remove every sign-in method of Dana Scully")
    assert "They will set up a new one at their next sign-in" in ui.wait_el("#notice").text
    assert ui.find("#mfa-status").text.strip() == "Pending setup on next login"
    assert ui.find("#no-factors") is not None

    # The policy turns SMS off: it leaves the ways to set up a method (Dana, Pending again, signs in to see them).
    sign_in(second, slug, dana["username"], dana["password"], "story-dana-again")
    second.wait_path("/login/enroll", "story-dana-must-enroll")
    assert second.find("#enroll-sms") is not None and second.find("#skip") is None
    ui.go("/admin/policy", "story-policy")
    box = ui.wait_el("#allow-sms")
    assert box.is_selected()
    box.click()
    ui.follow("#save-policy")
    ui.wait_path("/admin/policy", "story-policy-saved")
    ui.assert_no_error()
    assert "Policy saved" in ui.wait_el("#notice").text
    assert not ui.find("#allow-sms").is_selected()
    sign_in(second, slug, dana["username"], dana["password"], "story-dana-no-sms")
    second.wait_path("/login/enroll", "story-enroll-without-sms")
    assert second.find("#enroll-sms") is None and second.find("#enroll-totp") is not None

    # The audit log: every step above is there, with the office manager as the actor; the export is downloaded with
    # the browser's session and parsed.
    ui.go("/admin/audit", "story-audit")
    href = ui.wait_el("#export-csv").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in ui.d.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(href, headers={"Cookie": cookies}), timeout=60) as response:
        assert response.headers.get("Content-Type").startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))
    by_office = {r["type"] for r in rows if r["actor_name"] == admin["username"]}
    for expected in ("user.created", "user.mfa_required_changed", "group.created", "group.member_added", "account.unlocked",
                     "factor.removed", "organization.updated"):
        assert expected in by_office, (expected, sorted(by_office))
    assert {r["organization_id"] for r in rows} == {rows[0]["organization_id"]}, "only this organization's rows"
