"""The verification API answers in privacyIDEA 3.14's shape: the same request corpus goes to privacyIDEA (from PyPI,
run here) and to Portcullis, and the JSON documents must have the same field names, types and `authentication`
values. Run by `make compat` (it installs privacyIDEA into .privacyidea/)."""

import pytest

from peers import Portcullis, PrivacyIDEA, hotp, post, seed_for

USERS = ["alice", "bob"]


@pytest.fixture(scope="module")
def peers():
    pi = PrivacyIDEA(USERS)
    pc = Portcullis(USERS, pi.password)
    yield {"privacyidea": pi, "portcullis": pc}
    pc.stop()
    pi.stop()


def shape(value):
    """A document's shape: field names and JSON types, with lists by their first element."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


# Fields that differ on purpose, documented in the README: privacyIDEA signs its responses (`signature`).
IGNORED = {"signature"}


def compare(name, theirs, ours, fewer_details=False):
    """Same shape; with `fewer_details`, Portcullis's `detail` may leave out fields privacyIDEA adds (a REJECT of a
    right password with a used code: privacyIDEA names the token, which tells the caller the password was right)."""
    a = {k: v for k, v in shape(theirs).items() if k not in IGNORED}
    b = {k: v for k, v in shape(ours).items() if k not in IGNORED}
    if fewer_details and isinstance(a.get("detail"), dict) and isinstance(b.get("detail"), dict):
        assert all(a["detail"].get(k) == v for k, v in b["detail"].items()), f"{name}: detail fields differ\n{a}\n{b}"
        a, b = {k: v for k, v in a.items() if k != "detail"}, {k: v for k, v in b.items() if k != "detail"}
    assert a == b, f"{name}: shapes differ\nprivacyIDEA: {a}\nPortcullis:  {b}"


def both(peers, path, fields, json_body=False):
    answers = {}
    for name, peer in peers.items():
        answers[name] = post(peer.url + path, fields, peer.headers, json_body=json_body)
    return answers["privacyidea"], answers["portcullis"]


def test_corpus(peers):
    password = peers["privacyidea"].password
    seed = seed_for("alice")
    counter = 0

    def check(name, fields, expected, json_body=False, status=200, fewer_details=False):
        (pi_status, pi_doc), (pc_status, pc_doc) = both(peers, "/validate/check", fields, json_body)
        assert pi_status == status and pc_status == status, f"{name}: HTTP {pi_status} / {pc_status}"
        assert pi_doc["result"].get("authentication") == expected, f"{name}: privacyIDEA said {pi_doc['result']}"
        assert pc_doc["result"].get("authentication") == expected, f"{name}: Portcullis said {pc_doc['result']}"
        compare(name, pi_doc, pc_doc, fewer_details)
        return pi_doc, pc_doc

    # Password followed by the code, both at once.
    check("password+OTP", {"user": "alice", "realm": "default", "pass": password + hotp(seed, counter)}, "ACCEPT")
    check("replayed password+OTP", {"user": "alice", "realm": "default", "pass": password + hotp(seed, counter)}, "REJECT",
          fewer_details=True)
    counter += 1
    check("wrong password", {"user": "alice", "realm": "default", "pass": "wrong" + hotp(seed, counter)}, "REJECT")
    # The password alone: a challenge, then the code under its transaction id.
    pi_doc, pc_doc = check("password alone", {"user": "alice", "realm": "default", "pass": password}, "CHALLENGE")
    for doc in (pi_doc, pc_doc):
        assert len(doc["detail"]["transaction_id"]) == 20 and doc["detail"]["transaction_id"].isdigit()
    (_, pi_answer), (_, pc_answer) = (
        post(peers["privacyidea"].url + "/validate/check", {"user": "alice", "realm": "default", "pass": hotp(seed, counter),
                                                             "transaction_id": pi_doc["detail"]["transaction_id"]}),
        post(peers["portcullis"].url + "/validate/check", {"user": "alice", "realm": "default", "pass": hotp(seed, counter),
                                                            "transaction_id": pc_doc["detail"]["transaction_id"]},
             peers["portcullis"].headers))
    assert pi_answer["result"]["authentication"] == pc_answer["result"]["authentication"] == "ACCEPT"
    compare("transaction + OTP", pi_answer, pc_answer)
    counter += 1
    # A wrong code under a transaction.
    pi_doc, pc_doc = check("password alone again", {"user": "alice", "realm": "default", "pass": password}, "CHALLENGE")
    (_, pi_wrong), (_, pc_wrong) = (
        post(peers["privacyidea"].url + "/validate/check", {"user": "alice", "pass": "000000", "transaction_id": pi_doc["detail"]["transaction_id"]}),
        post(peers["portcullis"].url + "/validate/check", {"user": "alice", "pass": "000000", "transaction_id": pc_doc["detail"]["transaction_id"]},
             peers["portcullis"].headers))
    assert pi_wrong["result"]["authentication"] == pc_wrong["result"]["authentication"] == "REJECT"
    compare("transaction + wrong OTP", pi_wrong, pc_wrong)
    # JSON bodies, and the state parameter's other name.
    check("JSON body", {"user": "bob", "realm": "default", "pass": password + hotp(seed_for("bob"), 0)}, "ACCEPT", json_body=True)
    # A request without a user is an error document, HTTP 400.
    (pi_status, pi_doc), (pc_status, pc_doc) = both(peers, "/validate/check", {"pass": "123456"})
    assert pi_status == pc_status == 400 and pi_doc["result"]["status"] is False and pc_doc["result"]["status"] is False
    compare("missing user", pi_doc, pc_doc)


def test_triggerchallenge(peers):
    pi, pc = peers["privacyidea"], peers["portcullis"]
    pi_status, pi_doc = post(pi.url + "/validate/triggerchallenge", {"user": "bob", "realm": "default"}, pi.admin)
    pc_status, pc_doc = post(pc.url + "/validate/triggerchallenge", {"user": "bob", "realm": "default"}, pc.headers)
    assert pi_status == pc_status == 200
    assert pi_doc["result"]["authentication"] == pc_doc["result"]["authentication"] == "CHALLENGE"
    compare("triggerchallenge", pi_doc, pc_doc)
    # Without credentials both refuse, with an error document.
    pi_status, pi_doc = post(pi.url + "/validate/triggerchallenge", {"user": "bob"})
    pc_status, pc_doc = post(pc.url + "/validate/triggerchallenge", {"user": "bob"})
    assert pi_status == pc_status == 401
    compare("triggerchallenge without credentials", pi_doc, pc_doc)


def test_unknown_user_differs_on_purpose(peers):
    """privacyIDEA answers an unknown user with error 904 (which tells who exists); Portcullis answers REJECT exactly
    as for a wrong password (SPEC §2.1). Documented in the README."""
    pi, pc = peers["privacyidea"], peers["portcullis"]
    _, pi_doc = post(pi.url + "/validate/check", {"user": "nobody", "realm": "default", "pass": "x123456"})
    _, pc_doc = post(pc.url + "/validate/check", {"user": "nobody", "realm": "default", "pass": "x123456"}, pc.headers)
    assert pi_doc["result"]["status"] is False and pi_doc["result"]["error"]["code"] == 904
    assert pc_doc["result"]["authentication"] == "REJECT"
