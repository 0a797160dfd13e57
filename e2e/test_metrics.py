"""`/metrics` scraped from the live server and read with the Prometheus project's own text-format parser
(prometheus_client): every family parses, and the security counters move exactly as the audit log does."""

import secrets
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from support.pages import skip_invitation, start_signed_out


def scrape(server):
    with urllib.request.urlopen(server.base_url + "/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        return {family.name: family for family in text_string_to_metric_families(response.read().decode())}


def sample(families, name, **labels):
    """The value of the counter sample `name` with exactly these labels (0 when there is none yet)."""
    family = families.get(name.removesuffix("_total"))
    for s in family.samples if family else ():
        if s.name == name and s.labels == labels:
            return s.value
    return 0


def audit_count(server, event_type):
    return int(server.sql("SELECT COUNT(*) FROM audit_events WHERE type = ?", event_type)[0][0])


def test_metrics_parse_and_follow_the_audit_log(server, ui, used_secrets):
    password = "Pw-" + secrets.token_urlsafe(18)
    used_secrets.add(password)
    server.cli("user", "create", "metra", "--org", "default", "--name", "Metra Meter", "--password", password)

    start_signed_out(ui, "metrics")
    before = scrape(server)
    audit_before = {t: audit_count(server, t) for t in ("sign_in.failed", "sign_in.succeeded")}
    for attempt in range(2):
        ui.sign_in("metra", "not the password " + str(attempt))
    ui.sign_in("metra", password)
    skip_invitation(ui)
    after = scrape(server)
    start_signed_out(ui, "metrics-done")

    for name in ("portcullis_sign_ins_total", "portcullis_lockouts_total", "portcullis_password_hash_wait_seconds"):
        assert after[name.removesuffix("_total")].documentation, f"{name} has a HELP line"
    for outcome, event_type in (("failure", "sign_in.failed"), ("success", "sign_in.succeeded")):
        moved = sample(after, "portcullis_sign_ins_total", outcome=outcome) - sample(before, "portcullis_sign_ins_total", outcome=outcome)
        logged = audit_count(server, event_type) - audit_before[event_type]
        assert moved == logged, f"{outcome}: metrics moved {moved}, the audit log {logged}"
    assert sample(after, "portcullis_sign_ins_total", outcome="failure") - sample(before, "portcullis_sign_ins_total", outcome="failure") == 2
    assert sample(after, "portcullis_sign_ins_total", outcome="success") - sample(before, "portcullis_sign_ins_total", outcome="success") == 1

    durations = after["portcullis_http_request_duration_seconds"]
    assert durations.type == "histogram"
    routes = {s.labels.get("route") for s in durations.samples}
    assert "/login" in routes and not any(r and "metra" in r for r in routes), routes
    assert "portcullis_password_hash_wait_seconds" in after and after["portcullis_password_hash_wait_seconds"].type == "histogram"
    assert "portcullis_password_hash_queue_depth" in after
    statements = after["portcullis_db_statement_duration_seconds"]
    assert {s.labels["kind"] for s in statements.samples} >= {"select", "insert", "update", "delete", "other"}
