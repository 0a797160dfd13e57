"""The admin REST API (/api/v1, issue 10 points 6 and 9) on the live server: admin keys made with the CLI, pytest
cases for every implemented operation's success and refusal (another organization's users and groups answer 404, by
ids in paths and bodies).
The audit log's query and export are checked with Python's csv and json modules; schemathesis runs in
test_admin_api_schemathesis.py."""

import base64
import json
import urllib.error
import urllib.request

import pyotp
import pytest

from support.admin_api import ORG, OTHER_ORG, PASSWORD, SEEDS, call, create_key, must_change_password, problem


def test_keys_from_the_cli_open_the_admin_api_and_nothing_else(server, api):
    keys = api["keys"]
    for key in (None, keys["own"] + "x", keys["verification"]):
        status, headers, document = call(server, "GET", "/users", key=key)
        assert status == 401 and problem(status, headers, document, "api.unauthenticated"), document
        assert headers.get("WWW-Authenticate") == "Bearer"
    status, _, page = call(server, "GET", "/users", key=keys["own"])
    assert status == 200 and [u["username"] for u in page["items"]] == ["ann"], page
    # `apikey list` shows the scope and the last use; a revoked key is refused at once.
    listed = server.cli("apikey", "list", "--org", ORG)
    assert "\tadmin\t" in listed and "\tverification\t" in listed and "last used " in listed, listed
    extra = create_key(server, "revoked", "--admin", "--org", ORG)
    api_key_id = extra.split("_")[1]
    assert call(server, "GET", "/users", key=extra)[0] == 200
    server.cli("apikey", "revoke", api_key_id, "--org", ORG)
    assert call(server, "GET", "/users", key=extra)[0] == 401
    assert server.cli("apikey", "list", "--operator").count("\tadmin\t") == 1
    for key in keys.values():
        assert key not in server.log_text(), "an API key is in the server log"


def test_users(server, api, used_secrets):
    own, ann, otto = api["keys"]["own"], api["users"]["ann"], api["users"]["otto"]
    status, _, created = call(server, "POST", "/users", {"username": "carl", "name": "Carl", "requireMFA": True,
                                                         "email": "carl@example.com", "phone": "+1 500 555 0006"}, key=own)
    assert status == 201 and created["user"]["mfaStatus"] == "pending" and len(created["temporaryPassword"]) >= 16, created
    assert created["user"]["mfaRequiredBy"] == [{"kind": "user"}] and created["user"]["phone"] == "+15005550006", created
    used_secrets.add(created["temporaryPassword"])
    carl = created["user"]["id"]
    assert must_change_password(server, carl), "a generated password must be changed at the next sign-in"
    status, headers, document = call(server, "POST", "/users", {"username": "carl", "password": PASSWORD}, key=own)
    assert status == 409 and problem(status, headers, document, "user.exists")
    status, _, document = call(server, "POST", "/users", {"username": "eve", "role": "operator"}, key=own)
    assert status == 403, document
    status, headers, document = call(server, "POST", "/users", {"username": "eve", "phone": "call me"}, key=own)
    assert status == 422 and problem(status, headers, document, "user.invalid_phone")
    status, _, dora = call(server, "POST", "/users", {"username": "dora", "password": PASSWORD}, key=own)
    assert status == 201 and "temporaryPassword" not in dora and not must_change_password(server, dora["user"]["id"])

    status, _, page = call(server, "GET", "/users?limit=1", key=own)
    assert status == 200 and len(page["items"]) == 1 and page["next"], page
    status, _, rest = call(server, "GET", "/users?limit=2&cursor=" + page["next"], key=own)
    assert [u["username"] for u in page["items"] + rest["items"]] == ["ann", "carl", "dora"] and "next" not in rest
    assert call(server, "GET", "/users?cursor=nonsense", key=own)[0] == 400

    status, _, detail = call(server, "GET", f"/users/{ann['id']}", key=own)
    assert status == 200 and detail["username"] == "ann" and detail["factors"] == [] and detail["failedAttempts"] == 0
    assert call(server, "GET", f"/users/{otto['id']}", key=own)[0] == 404, "another organization's user"

    status, _, changed = call(server, "PATCH", f"/users/{carl}", {"requireMFA": False, "role": "admin"}, key=own)
    assert status == 200 and changed["mfaStatus"] == "none" and changed["role"] == "admin", changed
    assert call(server, "PATCH", f"/users/{carl}", {}, key=own)[0] == 400

    assert call(server, "POST", f"/users/{ann['id']}/unlock", key=own)[0] == 204
    assert call(server, "POST", f"/users/{otto['id']}/unlock", key=own)[0] == 404
    status, _, factors = call(server, "GET", f"/users/{ann['id']}/factors", key=own)
    assert status == 200 and factors == {"items": []}
    assert call(server, "GET", f"/users/{otto['id']}/factors", key=own)[0] == 404
    status, _, temporary = call(server, "POST", f"/users/{dora['user']['id']}/temporary-password", key=own)
    assert status == 200 and len(temporary["temporaryPassword"]) >= 16
    used_secrets.add(temporary["temporaryPassword"])
    assert must_change_password(server, dora["user"]["id"]), "a temporary password must be changed at the next sign-in"
    assert call(server, "POST", f"/users/{otto['id']}/temporary-password", key=own)[0] == 404
    # Changes are audited with the key as the actor.
    actors = {row[0] for row in server.sql("SELECT actor FROM audit_events WHERE user_id = ?", carl)}
    assert len(actors) == 1 and actors.pop().startswith("api:"), actors


def test_tokens(server, api):
    own, other, operator, ann = api["keys"]["own"], api["keys"]["other"], api["keys"]["operator"], api["users"]["ann"]
    csv = "serial,seed,digits,algorithm,counter\n" + "".join(f"API-{i},{seed},6,SHA1,0\n" for i, seed in enumerate(SEEDS))
    status, _, imported = call(server, "POST", "/tokens/import", {"format": "csv", "content": csv}, key=own)
    assert status == 201 and [t["serial"] for t in imported["items"]] == ["API-0", "API-1"], imported
    status, headers, document = call(server, "POST", "/tokens/import", {"format": "csv", "content": csv}, key=own)
    assert status == 409 and problem(status, headers, document, "token.duplicate_serial")
    assert call(server, "POST", "/tokens/import", {"format": "csv", "content": csv, "pool": True}, key=own)[0] == 403

    status, _, page = call(server, "GET", "/tokens?serial=API-0", key=own)
    token = page["items"][0]
    assert status == 200 and token["state"] == "available" and token["pool"] is False
    assert call(server, "GET", "/tokens?pool=true", key=own)[0] == 403
    status, _, read = call(server, "GET", f"/tokens/{token['id']}", key=own)
    assert status == 200 and read == token
    assert call(server, "GET", f"/tokens/{token['id']}", key=other)[0] == 404, "another organization's token"
    assert call(server, "POST", f"/tokens/{token['id']}/assign", {"userId": ann["id"]}, key=other)[0] == 404
    assert call(server, "GET", "/tokens/no-such-token", key=own)[0] == 404

    status, _, assigned = call(server, "POST", f"/tokens/{token['id']}/assign", {"userId": ann["id"]}, key=own)
    assert status == 200 and assigned["state"] == "assigned" and assigned["userId"] == ann["id"]
    assert call(server, "POST", f"/tokens/{token['id']}/assign", {"userId": ann["id"]}, key=own)[0] == 409
    status, _, factors = call(server, "GET", f"/users/{ann['id']}/factors", key=own)
    assert [f["type"] for f in factors["items"]] == ["hotp"]
    status, _, back = call(server, "POST", f"/tokens/{token['id']}/unassign", key=own)
    assert status == 200 and back["state"] == "available"
    assert call(server, "POST", f"/tokens/{token['id']}/unassign", key=own)[0] == 409
    status, _, document = call(server, "POST", f"/tokens/{token['id']}/assign",
                               {"userId": ann["id"], "until": "2001-01-01T00:00:00Z"}, key=own)
    assert status == 422 and document["code"] == "api.invalid_value"
    status, _, lent = call(server, "POST", f"/tokens/{token['id']}/assign",
                           {"userId": ann["id"], "until": "2099-12-31T23:00:00.5+01:00"}, key=own)
    assert status == 200 and lent["state"] == "lent" and lent["dueAt"] == "2099-12-31T22:00:00Z", lent

    hotp = pyotp.HOTP(base64.b32encode(bytes.fromhex(SEEDS[0])).decode())
    codes = [hotp.at(30), hotp.at(31)]
    status, _, resynced = call(server, "POST", f"/tokens/{token['id']}/resync", {"code1": codes[0], "code2": codes[1]}, key=own)
    assert status == 200 and resynced["counter"] == 32, resynced
    status, _, document = call(server, "POST", f"/tokens/{token['id']}/resync", {"code1": codes[1], "code2": codes[0]}, key=own)
    assert status == 422 and document["code"] == "token.resync_failed"

    # The operator's key sees the organization and lends from the spare pool.
    spare = "serial,seed,digits,algorithm,counter\nAPI-POOL,%s,6,SHA1,0\n" % SEEDS[1][::-1]
    status, _, pool = call(server, "POST", "/tokens/import", {"format": "csv", "pool": True, "content": spare}, key=operator)
    assert status == 201 and pool["items"][0]["pool"] is True, pool
    assert call(server, "GET", f"/tokens/{pool['items'][0]['id']}", key=own)[0] == 404, "the pool is the operator's"
    assert call(server, "GET", f"/tokens?org={ORG}&serial=API-0", key=operator)[2]["items"][0]["id"] == token["id"]


def test_user_search_and_changes(server, api):
    own = api["keys"]["own"]
    made = {}
    for username, body in (("fay", {"name": "Fay Filter", "email": "fay@firm.example"}), ("gus", {"requireMFA": True}),
                           ("hal", {})):
        status, _, created = call(server, "POST", "/users", {"username": username, "password": PASSWORD, **body}, key=own)
        assert status == 201, created
        made[username] = created["user"]["id"]
    status, _, group = call(server, "POST", "/groups", {"name": "Search Group", "requireMFA": True}, key=own)
    assert status == 201, group
    assert call(server, "PUT", f"/groups/{group['id']}/members/{made['hal']}", key=own)[0] == 204

    def names(query):
        status, _, page = call(server, "GET", "/users?" + query, key=own)
        assert status == 200, page
        return [u["username"] for u in page["items"]]

    # Text over username, name and email (any case); MFA status, group, locked, disabled.
    assert names("q=FILTER") == ["fay"] and names("q=firm.example") == ["fay"] and names("q=gu") == ["gus"]
    assert {"gus", "hal"} <= set(names("mfa=pending")) and "fay" not in names("mfa=pending")
    assert names(f"group={group['id']}") == ["hal"]
    status, _, page = call(server, "GET", "/users?q=hal", key=own)
    assert page["items"][0]["mfaRequiredBy"] == [{"kind": "group", "groupId": group["id"], "groupName": "Search Group"}], page
    status, headers, document = call(server, "GET", "/users?group=no-such-group", key=own)
    assert status == 404 and problem(status, headers, document, "group.not_found")

    # Edit: only the members given; an empty email or phone removes it; null is refused.
    status, _, changed = call(server, "PATCH", f"/users/{made['fay']}", {"name": "Fay F.", "phone": "+15005550006"}, key=own)
    assert status == 200 and changed["name"] == "Fay F." and changed["email"] == "fay@firm.example" and changed["phone"] == "+15005550006"
    status, _, changed = call(server, "PATCH", f"/users/{made['fay']}", {"email": ""}, key=own)
    assert status == 200 and "email" not in changed and changed["phone"] == "+15005550006", changed
    status, headers, document = call(server, "PATCH", f"/users/{made['fay']}", {"email": None}, key=own)
    assert status == 400 and problem(status, headers, document, "api.invalid_parameter")
    status, headers, document = call(server, "PATCH", f"/users/{made['fay']}", {"email": "not-an-address"}, key=own)
    assert status == 422 and problem(status, headers, document, "user.invalid_email")

    # Disable and enable, lock (until an admin unlocks) and unlock, as the filters see them.
    assert call(server, "PATCH", f"/users/{made['gus']}", {"disabled": True}, key=own)[2]["disabled"] is True
    assert names("disabled=true") == ["gus"]
    assert call(server, "PATCH", f"/users/{made['gus']}", {"disabled": False}, key=own)[2]["disabled"] is False
    assert call(server, "POST", f"/users/{made['hal']}/lock", key=own)[0] == 204
    status, _, detail = call(server, "GET", f"/users/{made['hal']}", key=own)
    assert detail["locked"] is True and "lockedUntil" not in detail and detail["groups"] == [{"id": group["id"], "name": "Search Group"}]
    assert names("locked=true") == ["hal"]
    assert call(server, "POST", f"/users/{made['hal']}/unlock", key=own)[0] == 204
    assert names("locked=true") == []

    # Sessions, factors: a lost phone; one factor the user does not hold is not found.
    assert call(server, "DELETE", f"/users/{made['gus']}/sessions", key=own)[0] == 204
    assert call(server, "DELETE", f"/users/{made['gus']}/factors", key=own)[0] == 204
    status, headers, document = call(server, "DELETE", f"/users/{made['gus']}/factors/no-such-factor", key=own)
    assert status == 404 and problem(status, headers, document, "api.not_found")

    # Delete: gone, the audit trail stays.
    assert call(server, "DELETE", f"/users/{made['hal']}", key=own)[0] == 204
    status, headers, document = call(server, "GET", f"/users/{made['hal']}", key=own)
    assert status == 404 and problem(status, headers, document, "user.not_found_by_id")
    events = {row[0] for row in server.sql("SELECT type FROM audit_events WHERE user_id = ?", made["hal"])}
    assert {"user.deleted", "account.locked", "account.unlocked", "group.member_added"} <= events, events
    actors = {row[0] for row in server.sql("SELECT actor FROM audit_events WHERE user_id = ?", made["fay"])}
    assert len(actors) == 1 and actors.pop().startswith("api:"), actors


def test_groups(server, api):
    own, ann = api["keys"]["own"], api["users"]["ann"]
    status, _, group = call(server, "POST", "/groups", {"name": "Accounting"}, key=own)
    assert status == 201 and group["requireMFA"] is False and group["memberCount"] == 0, group
    status, headers, document = call(server, "POST", "/groups", {"name": "ACCOUNTING"}, key=own)
    assert status == 409 and problem(status, headers, document, "group.name_taken")
    status, headers, document = call(server, "POST", "/groups", {"name": "  "}, key=own)
    assert status == 422 and problem(status, headers, document, "group.invalid_name")
    status, _, page = call(server, "GET", "/groups?limit=1", key=own)
    assert status == 200 and len(page["items"]) == 1 and page["next"], page
    status, _, rest = call(server, "GET", "/groups?limit=200&cursor=" + page["next"], key=own)
    assert "Accounting" in [g["name"] for g in page["items"] + rest["items"]] and "next" not in rest

    assert call(server, "PUT", f"/groups/{group['id']}/members/{ann['id']}", key=own)[0] == 204
    assert call(server, "PUT", f"/groups/{group['id']}/members/{ann['id']}", key=own)[0] == 204, "twice is fine"
    status, _, members = call(server, "GET", f"/groups/{group['id']}/members", key=own)
    assert status == 200 and [u["username"] for u in members["items"]] == ["ann"]
    status, _, changed = call(server, "PATCH", f"/groups/{group['id']}", {"name": "Accounts", "requireMFA": True}, key=own)
    assert status == 200 and changed["name"] == "Accounts" and changed["requireMFA"] is True and changed["memberCount"] == 1
    status, _, members = call(server, "GET", f"/groups/{group['id']}/members", key=own)
    assert members["items"][0]["mfaRequired"] is True, members
    assert members["items"][0]["mfaRequiredBy"] == [{"kind": "group", "groupId": group["id"], "groupName": "Accounts"}]
    assert call(server, "GET", f"/groups/{group['id']}", key=own)[2] == changed
    assert call(server, "PATCH", f"/groups/{group['id']}", {}, key=own)[0] == 400
    assert call(server, "DELETE", f"/groups/{group['id']}/members/{ann['id']}", key=own)[0] == 204
    assert call(server, "DELETE", f"/groups/{group['id']}", key=own)[0] == 204
    status, headers, document = call(server, "GET", f"/groups/{group['id']}", key=own)
    assert status == 404 and problem(status, headers, document, "group.not_found")
    assert call(server, "GET", f"/users/{ann['id']}", key=own)[2]["mfaRequiredBy"] == [], "the requirement went with the group"
    actors = {row[0] for row in server.sql("SELECT actor FROM audit_events WHERE type LIKE 'group.%' AND user_id = ?", ann["id"])}
    assert len(actors) == 1 and actors.pop().startswith("api:"), actors


def test_policy(server, api):
    own, operator = api["keys"]["own"], api["keys"]["operator"]
    status, _, policy = call(server, "GET", "/policy", key=own)
    assert status == 200 and policy["lockout"]["threshold"] >= 1 and "backup_codes" not in policy["defaultFactorTypes"], policy
    status, _, changed = call(server, "PATCH", "/policy", {"lockout": {"threshold": 9}, "totp": {"driftSteps": 2},
                                                          "blockedEmailDomains": ["Firm.Example"], "timeZone": "Europe/Berlin"}, key=own)
    assert status == 200, changed
    assert changed["lockout"] == {**policy["lockout"], "threshold": 9} and changed["totp"] == {**policy["totp"], "driftSteps": 2}
    assert changed["blockedEmailDomains"] == ["firm.example"] and changed["timeZone"] == "Europe/Berlin"
    assert {k: v for k, v in changed.items() if k not in ("lockout", "totp", "blockedEmailDomains", "timeZone")} == \
        {k: v for k, v in policy.items() if k not in ("lockout", "totp", "blockedEmailDomains", "timeZone")}
    assert call(server, "GET", "/policy", key=own)[2] == changed
    # Refusals: the policy page's sentence; nothing changes.
    status, headers, document = call(server, "PATCH", "/policy", {"lockout": {"minutes": 0}, "passkeySignIn": False}, key=own)
    assert status == 422 and problem(status, headers, document, "policy.out_of_range") and "between 1 and 10080" in document["detail"]
    status, headers, document = call(server, "PATCH", "/policy", {"timeZone": "Mars/Olympus"}, key=own)
    assert status == 422 and problem(status, headers, document, "policy.unknown_time_zone")
    status, headers, document = call(server, "PATCH", "/policy", {"allowedFactorTypes": ["backup_codes"]}, key=own)
    assert status == 422 and problem(status, headers, document, "policy.no_possession_factor")
    assert call(server, "PATCH", "/policy", {"lockout": {"threshold": 9, "color": "red"}}, key=own)[0] == 400
    assert call(server, "PATCH", "/policy", {}, key=own)[0] == 400
    assert call(server, "GET", "/policy", key=own)[2] == changed
    # Audited with the key; the operator's key reads another organization's by name.
    actors = {row[0] for row in server.sql(
        "SELECT a.actor FROM audit_events a JOIN organizations o ON o.id = a.organization_id WHERE o.slug = ? AND a.type = ?",
        ORG, "organization.updated")}
    assert len(actors) == 1 and actors.pop().startswith("api:"), actors
    assert call(server, "GET", f"/policy?org={ORG}", key=operator)[2] == changed


def test_another_organizations_users_and_groups_answer_404(server, api):
    """Issue 10 point 9: an organization key changing ids in URLs and bodies finds nothing of another organization."""
    own, other, operator = api["keys"]["own"], api["keys"]["other"], api["keys"]["operator"]
    ann, otto = api["users"]["ann"], api["users"]["otto"]
    status, _, theirs = call(server, "POST", "/groups", {"name": "Other staff"}, key=other)
    assert status == 201, theirs
    assert call(server, "PUT", f"/groups/{theirs['id']}/members/{otto['id']}", key=other)[0] == 204
    status, _, ours = call(server, "POST", "/groups", {"name": "Our staff"}, key=own)
    assert status == 201, ours
    t, o = theirs["id"], otto["id"]
    calls = [("GET", f"/users/{o}", None), ("PATCH", f"/users/{o}", {"name": "Mallory"}), ("DELETE", f"/users/{o}", None),
             ("POST", f"/users/{o}/lock", None), ("POST", f"/users/{o}/unlock", None), ("GET", f"/users/{o}/factors", None),
             ("DELETE", f"/users/{o}/factors", None), ("DELETE", f"/users/{o}/factors/f1", None),
             ("DELETE", f"/users/{o}/sessions", None), ("POST", f"/users/{o}/temporary-password", None),
             ("GET", f"/groups/{t}", None), ("PATCH", f"/groups/{t}", {"name": "Mine"}), ("DELETE", f"/groups/{t}", None),
             ("GET", f"/groups/{t}/members", None), ("PUT", f"/groups/{t}/members/{ann['id']}", None),
             ("DELETE", f"/groups/{t}/members/{o}", None), ("PUT", f"/groups/{ours['id']}/members/{o}", None),
             ("GET", f"/users?group={t}", None)]
    for method, path, body in calls:
        status, headers, document = call(server, method, path, body, key=own)
        assert status == 404 and headers.get("Content-Type") == "application/problem+json", (method, path, document)
        assert call(server, method, path, body, key=api["keys"]["verification"])[0] == 401, (method, path)
    for method, path, body in (("GET", f"/groups?org={OTHER_ORG}", None), ("GET", f"/policy?org={OTHER_ORG}", None),
                               ("PATCH", f"/policy?org={OTHER_ORG}", {"passkeySignIn": False})):
        assert call(server, method, path, body, key=own)[0] == 403, (method, path)
    # Nothing changed there.
    status, _, detail = call(server, "GET", f"/users/{o}", key=other)
    assert status == 200 and detail["name"] == "otto" and detail["locked"] is False and detail["groups"] == [{"id": t, "name": "Other staff"}]
    assert call(server, "GET", f"/groups/{ours['id']}/members", key=own)[2] == {"items": []}
    # Even the operator's key puts no user into another organization's group.
    status, headers, document = call(server, "PUT", f"/groups/{ours['id']}/members/{o}", key=operator)
    assert status == 404 and problem(status, headers, document, "group.other_organization")


def test_the_audit_log_query_and_exports(server, api):
    """Failed sign-ins of a user of the key's organization: a page of them with a cursor, and both exports, parsed by
    Python's csv and json modules; another organization's rows never show."""
    import csv
    import io
    own = api["keys"]["own"]
    status, _, made = call(server, "POST", f"/users?org={ORG}", {"username": "audra", "password": PASSWORD}, key=own)
    assert status == 201, made
    made = made["user"]
    server.cli("user", "lock", "audra", "--org", ORG)
    server.cli("user", "unlock", "audra", "--org", ORG)
    status, _, page = call(server, "GET", f"/audit-events?userId={made['id']}&limit=2", key=own)
    assert status == 200 and len(page["items"]) == 2 and page.get("next"), page
    status, _, rest = call(server, "GET", f"/audit-events?userId={made['id']}&limit=2&cursor={page['next']}", key=own)
    assert status == 200 and rest["items"], rest
    types = [e["type"] for e in page["items"] + rest["items"]]
    assert {"user.created", "account.locked", "account.unlocked"} <= set(types), types
    assert len({e["id"] for e in page["items"] + rest["items"]}) == len(types), "no row twice"
    status, _, failures = call(server, "GET", f"/audit-events?userId={made['id']}&outcome=failure", key=own)
    assert status == 200 and [e["type"] for e in failures["items"]] == ["account.locked"], failures

    def export(fmt):
        request = urllib.request.Request(server.base_url + f"/api/v1/audit-events/export?format={fmt}&userId={made['id']}")
        request.add_header("Authorization", "Bearer " + own)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.headers.get("Content-Type"), response.read().decode()

    kind, text = export("csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert kind.startswith("text/csv") and {r["type"] for r in rows} >= {"user.created", "account.locked"}, text
    kind, text = export("jsonl")
    lines = [json.loads(line) for line in text.splitlines() if line]
    assert {line["type"] for line in lines} == {r["type"] for r in rows} and len(lines) == len(rows)
    # Another organization's user: nothing, whatever the key names.
    status, _, other = call(server, "GET", f"/users?org={OTHER_ORG}", key=api["keys"]["other"])
    theirs = other["items"][0]["id"]
    assert call(server, "GET", f"/audit-events?userId={theirs}", key=own)[2] == {"items": []}
    assert call(server, "GET", f"/audit-events?org={OTHER_ORG}", key=own)[0] == 403
    assert call(server, "GET", "/audit-events")[0] == 401
