"""The grid pattern, in a real browser: finn (MFA required), whose fingerprint test_webauthn.py enrolled as his first
factor, adds a grid pattern drawn with pointer actions, signs in with the pattern (pointer and keyboard), and is
locked out by wrong patterns. These tests run after test_webauthn.py's (the runs_after mark), in order.
"""

import pytest

from support.pages import choose_method, factor_rows, open_settings, sign_out_nav, start_signed_out, welcome
from support.pattern import PATTERN, WRONG_PATTERN, draw, draw_with_keyboard
from support.server import failed_factor_events, user_row
from support.webauthn import FINGERPRINT, needs, state, use_key_at_challenge

pytestmark = pytest.mark.runs_after("test_webauthn.py")

LOCKOUT_LIMIT = 5  # factor failures before a lock (policy default)


# --- 3. the grid pattern ------------------------------------------------------------------


def test_pattern_enrolled_by_drawing(server, ui, users, attach):
    finn = users["finn"]
    start_signed_out(ui, "finn-start-pattern")
    attach(FINGERPRINT, needs("finn_credentials"))
    ui.sign_in(finn["username"], finn["password"])
    use_key_at_challenge(ui, "finn-key-for-settings")
    open_settings(ui)
    assert ui.find("#add-pattern") is not None, "a user with a security key may add a grid pattern"
    ui.follow("#add-pattern")
    ui.wait_path("/enroll/pattern", "pattern-enroll")
    assert ui.find("#show-pattern") is not None and ui.find("#save-pattern") is not None
    ui.find("#show-pattern").click()  # draw visibly: the lines must follow the pointer
    draw(ui, "pattern", PATTERN)
    assert ui.find('fieldset.pattern[data-field="pattern"] .pattern-lines polyline') is not None, \
        "with 'Show pattern' on the drawn line is shown"
    draw(ui, "confirmation", PATTERN)
    ui.shot("pattern-drawn-twice")
    ui.follow("#save-pattern")
    ui.wait_path("/settings", "pattern-saved")
    ui.assert_no_error()
    rows = factor_rows(ui, "pattern")
    assert len(rows) == 1, [r.text for r in ui.all("#factors tr.factor")]
    assert "Default" not in rows[0].text, "the pattern is a backup, never the default"
    sign_out_nav(ui)
    state["finn_pattern"] = PATTERN


def test_sign_in_with_drawn_pattern(server, ui, users):
    finn = users["finn"]
    needs("finn_pattern")
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/challenge", "finn-challenge-key")
    assert ui.find("#use-key") is not None, "the security key stays the default"
    methods = choose_method(ui, "pattern", "finn-pattern")
    assert methods == ["backup_codes", "pattern", "webauthn"], methods
    draw(ui, "pattern", PATTERN)
    ui.follow("#verify")
    ui.wait_path("/portal", "finn-pattern-portal")
    assert finn["name"] in welcome(ui)
    sign_out_nav(ui)

    # The keyboard draws too: arrow keys move between dots, Space joins one.
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/challenge", "finn-challenge-key")
    choose_method(ui, "pattern", "finn-pattern-keys")
    draw_with_keyboard(ui, "pattern", PATTERN)
    ui.follow("#verify")
    ui.wait_path("/portal", "finn-pattern-keys-portal")
    sign_out_nav(ui)


def test_wrong_patterns_count_and_lock(server, ui, users):
    finn = users["finn"]
    needs("finn_pattern")
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_path("/login/challenge", "finn-challenge-key")
    choose_method(ui, "pattern", "finn-wrong")
    before = user_row(server, "finn")
    assert before["failures"] == 0, before
    events_before = len(failed_factor_events(server, before["id"]))

    locked_at = None
    for attempt in range(1, LOCKOUT_LIMIT + 2):
        draw(ui, "pattern", WRONG_PATTERN)
        ui.follow("#verify")
        error = ui.wait_el("#error", f"wrong-pattern-{attempt}").text
        if ui.find("#login-form") is not None:
            locked_at = attempt
            break
        assert ui.path == "/login/challenge", f"a wrong pattern must leave finn on the challenge, not {ui.path}"
        assert ui.find("fieldset.pattern") is not None, "the pattern challenge is shown again"
        # Counted in the database, and audited with its reason.
        assert user_row(server, "finn")["failures"] == attempt
        reasons = [r[0] for r in failed_factor_events(server, before["id"])[events_before:]]
        assert reasons == ["bad_pattern"] * attempt, reasons
    assert locked_at == LOCKOUT_LIMIT, f"expected the lock at wrong pattern {LOCKOUT_LIMIT}, got it at {locked_at}"
    assert "locked" in error.lower(), error
    assert user_row(server, "finn")["locked_until"], "the account must be locked in the database"
    listed = [line for line in server.cli("user", "list", "--org", "default").splitlines() if line.startswith("finn\t")]
    assert listed and listed[0].split("\t")[-1] == "locked", listed

    # Locked: even the right password and pattern get nowhere.
    ui.sign_in(finn["username"], finn["password"])
    ui.wait_el("#error", "finn-locked-sign-in")
    assert ui.path == "/login" and ui.find("fieldset.pattern") is None
    server.cli("user", "unlock", "finn", "--org", "default")
