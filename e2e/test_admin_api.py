"""The admin REST API (/api/v1, issue 10 point 6) on the live server: admin keys made with the CLI, pytest cases for
every implemented operation's success and refusal, and schemathesis from openapi.yaml with all its checks and a
bounded number of examples. The operations whose domain services are not built yet answer 501 (api.not_implemented):
they are checked to, and left out of schemathesis's run with the parameters and members that wait for them."""

import base64
import json
import subprocess
import sys
import urllib.error
import urllib.request

import pyotp
import pytest
from openapi_spec_validator.readers import read_from_filename

from support.config import OUT, ROOT

DOCUMENT = ROOT / "openapi.yaml"
ORG = "apitest"
OTHER_ORG = "apiother"
PASSWORD = "Pw-api-e2e-correct-horse"

# What the server implements today; the rest answers 501 until its service lands.
IMPLEMENTED = {"listUsers", "createUser", "getUser", "updateUser", "unlockUser", "listUserFactors", "setTemporaryPassword",
               "listTokens", "importTokens", "getToken", "assignToken", "unassignToken", "resyncToken"}
# Parameters and members of implemented operations that wait for their service (501 when given).
NOT_YET = {("listUsers", "parameter"): ["q", "mfa", "locked", "disabled", "group"],
           ("NewUser", "member"): ["phone"],
           ("UserChange", "member"): ["name", "email", "phone", "disabled"]}
SEEDS = ["3132333435363738393031323334353637383930", "3132333435363738393031323334353637383931"]


def create_key(server, *args):
    """A new API key from the CLI, run directly (not through server.cli, whose log would keep the key)."""
    res = subprocess.run([server.binary, "apikey", "create", *args], env=server.env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return next(line.split(": ", 1)[1] for line in res.stdout.splitlines() if line.startswith("Key (shown once)"))


def call(server, method, path, body=None, key=None):
    """(status, headers, parsed JSON or None) of one call to /api/v1."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(server.base_url + "/api/v1" + path, data=data, method=method)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    try:
        document = json.loads(raw) if raw else None
    except ValueError:
        document = None
    return status, headers, document


def problem(status, headers, document, code):
    """Whether an answer is the RFC 9457 problem document for `code` with its status."""
    return (headers.get("Content-Type") == "application/problem+json" and document["code"] == code
            and document["status"] == status and document["type"] == "urn:portcullis:error:" + code
            and document["title"] and document["detail"])


@pytest.fixture(scope="module")
def api(server, used_secrets):
    """Two organizations of their own (so nothing here meets the other tests' users), an admin key for the first, one
    for the second and an operator-wide key, and a user in each."""
    for slug in (ORG, OTHER_ORG):
        server.cli("org", "create", slug, "--name", slug.title())
    keys = dict(own=create_key(server, "e2e", "--admin", "--org", ORG),
                other=create_key(server, "e2e", "--admin", "--org", OTHER_ORG),
                operator=create_key(server, "e2e-ops", "--operator"),
                verification=create_key(server, "vpn", "--org", ORG))
    used_secrets.update(keys.values())
    used_secrets.add(PASSWORD)
    for slug, username in ((ORG, "ann"), (OTHER_ORG, "otto")):
        server.cli("user", "create", username, "--org", slug, "--password", PASSWORD)
    users = {}
    for slug, username in ((ORG, "ann"), (OTHER_ORG, "otto")):
        status, _, page = call(server, "GET", f"/users?org={slug}", key=keys["operator"])
        assert status == 200, page
        users[username] = next(u for u in page["items"] if u["username"] == username)
    return dict(keys=keys, users=users)


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
    status, _, created = call(server, "POST", "/users", {"username": "carl", "name": "Carl", "requireMFA": True}, key=own)
    assert status == 201 and created["user"]["mfaStatus"] == "pending" and len(created["temporaryPassword"]) >= 16, created
    used_secrets.add(created["temporaryPassword"])
    carl = created["user"]["id"]
    status, headers, document = call(server, "POST", "/users", {"username": "carl", "password": PASSWORD}, key=own)
    assert status == 409 and problem(status, headers, document, "user.exists")
    status, _, document = call(server, "POST", "/users", {"username": "eve", "role": "operator"}, key=own)
    assert status == 403, document

    status, _, page = call(server, "GET", "/users?limit=1", key=own)
    assert status == 200 and len(page["items"]) == 1 and page["next"], page
    status, _, rest = call(server, "GET", "/users?limit=1&cursor=" + page["next"], key=own)
    assert [u["username"] for u in page["items"] + rest["items"]] == ["ann", "carl"] and "next" not in rest
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
    status, _, temporary = call(server, "POST", f"/users/{carl}/temporary-password", key=own)
    assert status == 200 and len(temporary["temporaryPassword"]) >= 16
    used_secrets.add(temporary["temporaryPassword"])
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


def test_operations_not_built_yet_answer_501(server, api):
    own, ann = api["keys"]["own"], api["users"]["ann"]
    spec = read_from_filename(str(DOCUMENT))[0]
    seen = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or operation["operationId"] in IMPLEMENTED:
                continue
            concrete = path.replace("{userId}", ann["id"]).replace("{groupId}", "g1").replace("{factorId}", "f1")
            if operation["operationId"] == "exportAuditEvents":
                concrete += "?format=csv"
            body = {"name": "Accounting"} if method in ("post", "patch") and "requestBody" in operation else None
            if operation["operationId"] == "updatePolicy":
                body = {"passkeySignIn": True}
            status, headers, document = call(server, method.upper(), concrete, body, key=own)
            assert status == 501 and problem(status, headers, document, "api.not_implemented"), (method, path, document)
            seen += 1
    assert seen == len([1 for item in spec["paths"].values() for m in item if m in ("get", "post", "put", "patch", "delete")]) - len(IMPLEMENTED)


def implemented_document():
    """openapi.yaml with what waits for its service left out of the implemented operations: schemathesis reads it."""
    spec = read_from_filename(str(DOCUMENT))[0]
    operation = spec["paths"]["/users"]["get"]
    operation["parameters"] = [p for p in operation["parameters"] if p.get("name") not in NOT_YET[("listUsers", "parameter")]]
    for schema in ("NewUser", "UserChange"):
        for member in NOT_YET[(schema, "member")]:
            del spec["components"]["schemas"][schema]["properties"][member]
    return spec


SCHEMATHESIS_CONFIG = """\
# Written by e2e/test_admin_api.py for its schemathesis run (the command line sets the URL, key, checks and examples).

# A request the document allows may still be refused by the domain's rules, with the documented 409 (a taken username
# or serial) or 422 (a username with characters it does not allow, a seed file that does not parse, codes out of step).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# The key is an organization's: `org` names it (another answers 403, which the tests above check).
[parameters]
"query.org" = "apitest"

# A list's cursor is opaque: one the server did not write is an unknown parameter value, answered 400.
[[operations]]
include-operation-id = ["listUsers", "listTokens"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]

# Parameters the document lacks are ignored, except that for the user list they may be the search filters left out
# above (q, mfa, …), which answer 501 until the search service lands.
[[operations]]
include-operation-id = "listUsers"
generation.allow-extra-parameters = false
"""


def test_schemathesis_finds_nothing_against_the_document(server, api):
    """Every check of schemathesis (server errors, status codes, content types, headers and response schemas of the
    implemented operations, negative and positive data, missing auth, undeclared methods) with a bounded number of
    examples and a fixed seed, within about a minute."""
    OUT.mkdir(parents=True, exist_ok=True)
    document, config = OUT / "openapi-implemented.json", OUT / "schemathesis.toml"
    document.write_text(json.dumps(implemented_document()))
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [str(ROOT / ".venv" / "bin" / "schemathesis"), "--config-file", str(config), "run", str(document),
               "--url", server.base_url + "/api/v1", "--header", "Authorization: Bearer " + api["keys"]["own"],
               "--checks", "all", "--max-examples", "15", "--seed", "20261202", "--workers", "1", "--max-time", "40",
               "--no-color", *sum((["--include-operation-id", op] for op in sorted(IMPLEMENTED)), [])]
    if not (ROOT / ".venv" / "bin" / "schemathesis").exists():
        command[0:1] = [sys.executable, "-m", "schemathesis.cli"]
    # Run in the output folder: schemathesis keeps its cache (.schemathesis/) where it runs.
    res = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=OUT)
    (OUT / "schemathesis.log").write_text(res.stdout + res.stderr)
    assert res.returncode == 0, "schemathesis found problems (see test-output/e2e/*/schemathesis.log):\n" + res.stdout[-6000:]
