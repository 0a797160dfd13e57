"""The admin REST API's e2e helpers: calls to /api/v1, problem documents, and the session's organizations and keys
(made with the CLI) shared by test_admin_api.py and test_admin_api_schemathesis.py."""

import json
import subprocess
import urllib.error
import urllib.request

import pytest
from openapi_spec_validator.readers import read_from_filename

from support.config import ROOT

DOCUMENT = ROOT / "openapi.yaml"
ORG = "apitest"
OTHER_ORG = "apiother"
PASSWORD = "Pw-api-e2e-correct-horse"

SEEDS = ["3132333435363738393031323334353637383930", "3132333435363738393031323334353637383931"]


def operation_ids():
    spec = read_from_filename(str(DOCUMENT))[0]
    return {op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in ("get", "post", "put", "patch", "delete")}


IMPLEMENTED = operation_ids()


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


def must_change_password(server, user_id):
    return server.sql("SELECT must_change_password FROM users WHERE id = ?", user_id)[0][0] in ("1", "t", "true")


def problem(status, headers, document, code):
    """Whether an answer is the RFC 9457 problem document for `code` with its status."""
    return (headers.get("Content-Type") == "application/problem+json" and document["code"] == code
            and document["status"] == status and document["type"] == "urn:portcullis:error:" + code
            and document["title"] and document["detail"])


@pytest.fixture(scope="session")
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
