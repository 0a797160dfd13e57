"""Hardware tokens from the inventory (issue 3), in a real browser: an admin imports a CSV seed file on
/admin/tokens, assigns one token and lends another; codes come from `oathtool --hotp`.

The fixtures have already run (CLI, before `portcullis serve`):
  portcullis user create tom|lena --org default --name ... --password PW
  portcullis user create boss --org default --name Boss --password PW --admin
One user per part: refused codes count toward that user's lockout. The tests of this file run in order
(the first leaves the tokens for the second).
"""

import datetime
import secrets
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.support.ui import Select

from support.otp import hotp
from support.pages import enroll_app_at_invitation, expect_refused, factor_types, skip_invitation, start_signed_out, \
    submit_code, switch_method, \
    take_backup_codes

# What one test leaves for the next one (the tests of this file run in order).
state = {}


def token_state(ui):
    return ui.wait_el("#token-state").text.strip().lower()


def test_admin_imports_assigns_and_lends_tokens(server, ui, used_secrets):
    boss = server.users["boss"]
    run = secrets.token_hex(3).upper()
    tokens = [dict(serial=f"E2E-{run}-{i}", seed=secrets.token_hex(20)) for i in (1, 2)]
    used_secrets.update(t["seed"] for t in tokens)

    start_signed_out(ui, "admin-start")
    ui.sign_in(boss["username"], boss["password"])
    enroll_app_at_invitation(ui, used_secrets)  # the admin pages ask for a recent second factor
    ui.follow("#admin-nav")
    ui.wait_path("/admin/users", "admin-users")
    ui.follow('.admin-nav a[href="/admin/tokens"]')
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
