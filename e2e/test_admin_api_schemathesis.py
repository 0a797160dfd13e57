"""Schemathesis against the live server's admin REST API, from openapi.yaml (issue 10 point 6): every check, every
operation, a bounded number of examples and a fixed seed."""

import subprocess
import sys

from support.admin_api import DOCUMENT, IMPLEMENTED
from support.config import OUT, ROOT


SCHEMATHESIS_CONFIG = """\
# Written by e2e/test_admin_api.py for its schemathesis run (the command line sets the URL, key, checks and examples).

# A request the document allows may still be refused by the domain's rules, with the documented 404 (an id that names
# nothing), 409 (a taken username, group name or serial) or 422 (a username with characters it does not allow, an email
# address or phone number that is not one, a policy value out of the policy page's range or an unknown time zone, a
# seed file that does not parse, codes out of step).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

# The key is an organization's: `org` names it (another answers 403, which the tests above check).
[parameters]
"query.org" = "apitest"

# A list's cursor is opaque: one the server did not write is an unknown parameter value, answered 400; so is an event
# type of the right shape that the audit log does not know.
[[operations]]
include-operation-id = ["listUsers", "listTokens", "listGroups", "listGroupMembers", "listAuditEvents", "exportAuditEvents"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "404"]
"""


def test_schemathesis_finds_nothing_against_the_document(server, api):
    """Every check of schemathesis (server errors, status codes, content types, headers and response schemas of every
    implemented operation, negative and positive data, missing auth, undeclared methods) with a bounded number of
    examples and a fixed seed, within about a minute."""
    OUT.mkdir(parents=True, exist_ok=True)
    config = OUT / "schemathesis.toml"
    config.write_text(SCHEMATHESIS_CONFIG)
    command = [str(ROOT / ".venv" / "bin" / "schemathesis"), "--config-file", str(config), "run", str(DOCUMENT),
               "--url", server.base_url + "/api/v1", "--header", "Authorization: Bearer " + api["keys"]["own"],
               "--checks", "all", "--max-examples", "15", "--seed", "20261202", "--workers", "1", "--max-time", "40",
               "--no-color", *sum((["--include-operation-id", op] for op in sorted(IMPLEMENTED)), [])]
    if not (ROOT / ".venv" / "bin" / "schemathesis").exists():
        command[0:1] = [sys.executable, "-m", "schemathesis.cli"]
    # Run in the output folder: schemathesis keeps its cache (.schemathesis/) where it runs.
    res = subprocess.run(command, capture_output=True, text=True, timeout=180, cwd=OUT)
    (OUT / "schemathesis.log").write_text(res.stdout + res.stderr)
    assert res.returncode == 0, "schemathesis found problems (see test-output/e2e/*/schemathesis.log):\n" + res.stdout[-6000:]
