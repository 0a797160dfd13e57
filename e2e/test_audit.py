"""The audit log for administrators (issue 10, point 5 and `portcullis audit export` of point 7), against the live
server: an admin enrolls an authenticator app at sign-in (admin pages want a recent second factor), filters the log on
/admin/audit, downloads both exports with the browser's session and reads them with Python's csv and json modules;
the command line's export is read the same way. A username that starts with `@` must reach a spreadsheet as text.
"""

import csv
import io
import json
import re
import secrets
import urllib.request

import pyotp
from selenium.webdriver.support.ui import Select

from support.pages import start_signed_out, take_backup_codes

COLUMNS = ["time", "id", "organization_id", "actor", "actor_name", "user_id", "username", "type", "outcome", "reason", "ip",
           "detail"]
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def download(server, ui, url):
    """GET `url` with the browser's cookies; returns (status, headers, text)."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in ui.d.get_cookies())
    request = urllib.request.Request(url, headers={"Cookie": cookies})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.status, response.headers, response.read().decode("utf-8")


def read_csv(text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows and rows[0] == COLUMNS, rows[:1]
    return [dict(zip(COLUMNS, row)) for row in rows[1:]]


def read_jsonl(text):
    assert text == "" or text.endswith("\n")
    objects = [json.loads(line) for line in text.splitlines()]
    for o in objects:
        assert sorted(o) == sorted(COLUMNS), o
        assert ISO_UTC.fullmatch(o["time"]), o["time"]
        assert isinstance(o["detail"], dict)
    return objects


def test_admin_filters_and_downloads_the_audit_log_and_the_cli_exports_it(server, ui, used_secrets):
    run = secrets.token_hex(2)
    auditor, subject = f"auditor{run}", f"@evil{run}"
    password, subject_password = "Pw-" + secrets.token_urlsafe(18), "Pw-" + secrets.token_urlsafe(18)
    used_secrets.update((password, subject_password))
    server.cli("user", "create", auditor, "--org", "default", "--name", "Audrey Auditor", "--password", password, "--admin")
    server.cli("user", "create", subject, "--org", "default", "--name", "Evil Subject", "--password", subject_password)

    # A failed sign-in of the subject's: the row to find.
    start_signed_out(ui, "audit-start")
    ui.sign_in(subject, "Pw-wrong-" + secrets.token_urlsafe(8))
    ui.wait_el("#error", "audit-subject-refused")

    # The admin signs in and sets up an authenticator app, which counts as the recent second factor.
    start_signed_out(ui, "audit-admin-start")
    ui.sign_in(auditor, password)
    ui.wait_path("/login/enroll", "audit-admin-invited")
    ui.follow("#enroll-totp")
    ui.wait_el("#totp-secret", "audit-admin-totp")
    totp = pyotp.parse_uri(ui.text_content("#totp-uri").strip())
    used_secrets.add(totp.secret)
    code = totp.now()
    used_secrets.add(code)
    ui.fill("#code", code)
    ui.follow("#confirm")
    take_backup_codes(ui, used_secrets, "/portal")

    ui.go("/admin/audit", "admin-audit")
    ui.wait_el("#audit")
    ui.assert_no_error()
    assert ui.find("#audit-filters[role=search]") is not None
    first = ui.all("#audit tr.audit-event")
    assert 0 < len(first) <= 50
    types = [r.get_dom_attribute("data-type") for r in first]
    assert "factor.enrolled" in types and "sign_in.succeeded" in types, types

    # Filter: the subject's failures.
    ui.fill("#user", subject)
    Select(ui.wait_el("#outcome")).select_by_value("failure")
    ui.follow("#filter")
    ui.wait_el("#audit", "admin-audit-filtered")
    rows = ui.all("#audit tr.audit-event")
    assert [r.get_dom_attribute("data-type") for r in rows] == ["sign_in.failed"], [r.text for r in rows]
    assert "wrong password" in rows[0].text and subject in rows[0].text

    # Both exports of the filtered set, with the admin's session: attachments, streamed (chunked), parsed.
    status, headers, text = download(server, ui, ui.find("#export-csv").get_attribute("href"))
    assert status == 200 and headers["Content-Type"] == "text/csv; charset=utf-8", dict(headers)
    assert headers["Content-Disposition"].startswith('attachment; filename="audit-default-') and ".csv" in headers["Content-Disposition"]
    assert headers.get("Content-Length") is None and headers.get("Transfer-Encoding") == "chunked", dict(headers)
    records = read_csv(text)
    assert len(records) == 1, records
    row = records[0]
    assert row["type"] == "sign_in.failed" and row["outcome"] == "failure" and row["reason"] == "bad_password"
    assert row["username"] == "'" + subject, "a leading @ must be neutralized for spreadsheets"
    assert ISO_UTC.fullmatch(row["time"]) and json.loads(row["detail"])["stage"] == "password"

    status, headers, text = download(server, ui, ui.find("#export-jsonl").get_attribute("href"))
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
    assert headers.get("Transfer-Encoding") == "chunked"
    objects = read_jsonl(text)
    assert [(o["type"], o["username"], o["reason"]) for o in objects] == [("sign_in.failed", subject, "bad_password")]

    # The whole log as JSON lines, newest first.
    status, _, text = download(server, ui, server.base_url + "/admin/audit/export.jsonl")
    everything = read_jsonl(text)
    assert len(everything) > 5
    assert [o["time"] for o in everything] == sorted((o["time"] for o in everything), reverse=True)
    assert any(o["type"] == "factor.enrolled" and o["username"] == auditor for o in everything)
    page_source = text + ui.d.page_source
    assert totp.secret not in page_source and password not in page_source

    # The command line: the same service, so the admin's three downloads are in the log with their filters.
    exported = read_jsonl(server.cli("audit", "export", "--org", "default", "--type", "audit.exported", "--format", "jsonl"))
    mine = [o for o in exported if o["actor_name"] == auditor]
    assert len(mine) == 3 and all(o["actor"].startswith("admin:") for o in mine), exported
    assert {o["detail"]["format"] for o in mine} == {"csv", "jsonl"}
    assert sum(1 for o in mine if o["detail"].get("outcome") == "failure" and o["detail"].get("user_id")) == 2

    cli_rows = read_csv(server.cli("audit", "export", "--user", subject, "--since", "2000-01-01", "--format", "csv"))
    assert {r["type"] for r in cli_rows} >= {"user.created", "sign_in.failed"}, cli_rows
    assert all(r["username"] == "'" + subject for r in cli_rows)
    failures = read_csv(server.cli("audit", "export", "--type", "sign_in.*", "--outcome", "failure", "--until", "2999-01-01T00:00:00Z"))
    assert any(r["username"] == "'" + subject and r["reason"] == "bad_password" for r in failures)
    assert all(r["outcome"] == "failure" and r["type"].startswith("sign_in.") for r in failures)
    listed = server.cli("audit", "list", "--org", "default", "--user", subject, "--limit", "1").splitlines()
    assert len(listed) == 1 and "\tsign_in.failed\tfailure\tbad_password\t" in listed[0], listed
