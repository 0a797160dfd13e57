"""Two `portcullis serve` processes on one PostgreSQL behave as one (SPEC §8): a burst of parallel requests split
across both nodes checks at most the lockout's number of guesses, passes at most the per-IP limit, accepts one
TOTP code once, and places at most the send limits' number of text messages with the (fake) Twilio. Driven through the verification API (no browser), with pyotp as the authenticator app. Runs in the
PostgreSQL pass of the e2e suite (E2E_DATABASE=postgres); SQLite is one process's embedded database."""

import base64
import http.cookiejar
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pyotp
import pytest

from support.config import BINARY, ENGINE, OUT, ROOT
from support.server import free_port, postgres_admin_url, psql

sys.path.insert(0, str(ROOT / "compat"))
from peers import post as post_json  # noqa: E402  (one HTTP helper for the API tests, the compatibility test and the benchmark)

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="two nodes share a PostgreSQL database; run with E2E_DATABASE=postgres")

PASSWORD = "Pw-" + secrets.token_urlsafe(18)
BURST = 50


class Node:
    def __init__(self, env, index):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env, PORTCULLIS_BASE_URL=f"http://localhost:{self.port}")
        self.log = open(OUT / f"node{index}.log", "wb")
        self.proc = subprocess.Popen([BINARY, "serve", "--host", "127.0.0.1", "--port", str(self.port)], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        for _ in range(240):
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        raise AssertionError(f"node {index} did not start")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def cli(env, *args, stdin=None):
    return subprocess.run([BINARY, *args], env=env, input=stdin, check=True, capture_output=True, text=True, timeout=120).stdout


@pytest.fixture(scope="module")
def cluster(twilio):
    OUT.mkdir(parents=True, exist_ok=True)
    admin_url = postgres_admin_url()
    name = f"portcullis_nodes_{secrets.token_hex(4)}"
    psql(admin_url, f"CREATE DATABASE {name}")
    db_url = urllib.parse.urlparse(admin_url)._replace(path="/" + name).geturl()
    env = dict(os.environ, PORTCULLIS_DEV="1", PORTCULLIS_DATABASE_URL=db_url, LOG_LEVEL="warning",
               PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode(), PORTCULLIS_HASH_QUEUE="200",
               PORTCULLIS_TRUST_PROXY="1",  # the test names each request's client address in X-Forwarded-For
               PORTCULLIS_SMS_PROVIDER="twilio", PORTCULLIS_TWILIO_ACCOUNT_SID=twilio.account_sid,
               PORTCULLIS_TWILIO_AUTH_TOKEN=twilio.auth_token, PORTCULLIS_TWILIO_FROM=twilio.from_number,
               PORTCULLIS_TWILIO_BASE_URL=twilio.base_url)
    nodes = []
    try:
        cli(env, "migrate")
        for user in ("tess", "ian", "ulla", "sam", *SMS_USERS):
            cli(env, "user", "create", user, "--password-stdin", stdin=PASSWORD + "\n")
        key = next(line.split(": ", 1)[1] for line in cli(env, "apikey", "create", "nodes").splitlines() if line.startswith("Key"))
        nodes = [Node(env, 1), Node(env, 2)]
        yield {"nodes": nodes, "key": key, "db": db_url, "env": env}
    finally:
        for node in nodes:
            node.stop()
        psql(admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def sql(db_url, query):
    out = subprocess.run(["psql", db_url, "-qtA", "-c", query], check=True, capture_output=True, text=True).stdout
    return out.strip()


SMS_USERS = [f"sms{n}" for n in range(12)]


def web_session(node, ip="127.0.0.1"):
    """`get` and `post` for the web pages of `node`, as one browser at `ip` (X-Forwarded-For); `post` sends the CSRF
    token of the page it is given."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("X-Forwarded-For", ip)]
    # Pages under the base URL's host name (development mode sends other host names there).
    web = f"http://localhost:{node.port}"
    origin = {"Origin": web}

    def get(path):
        with opener.open(web + path, timeout=30) as r:
            return r.read().decode()

    def post(path, fields, page):
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(dict(fields, csrf=token)).encode()
        with opener.open(urllib.request.Request(web + path, data=data, headers=origin), timeout=30) as r:
            return r.read().decode()

    return get, post


def enroll_sms(node, twilio, username, number, ip):
    """Signs in on `node` from `ip`, skips the invitation and adds a phone for text messages, confirming the code the
    fake Twilio received."""
    get, post = web_session(node, ip)
    page = post("/login", {"username": username, "password": PASSWORD}, get("/login"))
    post("/login/enroll/skip", {}, page)
    sent_after = len(twilio.messages)
    page = post("/enroll/sms", {"country": "", "number": number, "label": "Phone"}, get("/enroll/sms"))  # → enter the code
    factor = re.search(r'name="factor_id" value="([^"]+)"', page).group(1)
    message = twilio.wait_for(number, after=sent_after)
    code = re.search(r"\b(\d{6})\b", message["body"]).group(1)
    sent_after = len(twilio.messages)
    post("/enroll/sms/confirm", {"factor_id": factor, "code": code}, page)
    # The user has no email address, so the "method added" notice comes by text, in the background: wait for it,
    # so that it cannot land among the sign-in codes a test counts next.
    notice = twilio.wait_for(number, after=sent_after)
    assert "added to your account" in notice["body"], notice["body"]


def sign_in_codes(twilio, numbers, since):
    """The sign-in code texts (not security notices) sent to `numbers` from `since` on."""
    return [m for m in twilio.messages if m["to"] in numbers and m["at"] >= since and "sign-in code" in m["body"]]


def enroll_totp(node, username):
    """Signs in on the web pages of `node` (skipping the invitation) and enrolls an authenticator app; returns it."""
    get, post = web_session(node)
    page = get("/login")
    page = post("/login", {"username": username, "password": PASSWORD}, page)  # → the invitation
    page = post("/login/enroll/skip", {}, page)                                  # → the portal
    page = post("/enroll/totp/start", {}, get("/settings"))                      # → the QR page
    uri = re.search(r'id="totp-uri" class="uri">([^<]+)<', page).group(1).replace("&amp;", "&")
    factor = re.search(r'name="factor_id" value="([^"]+)"', page).group(1)
    totp = pyotp.parse_uri(uri)
    post("/enroll/totp", {"factor_id": factor, "code": totp.now(), "label": "Phone"}, page)
    return totp


def burst(cluster, requests):
    """Sends `requests` (user, pass, ip) at once, alternating between the two nodes; returns the decoded answers."""
    nodes, key = cluster["nodes"], cluster["key"]

    def one(i):
        user, password, ip = requests[i]
        node = nodes[i % 2]
        return post_json(node.url + "/validate/check", {"user": user, "pass": password},
                         {"Authorization": "Bearer " + key, "X-Forwarded-For": ip})

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(one, range(len(requests))))


def test_lockout_holds_across_nodes(cluster):
    answers = burst(cluster, [("tess", f"wrong-{n}", f"198.51.100.{n}") for n in range(BURST)])
    assert all(status == 200 and doc["result"]["authentication"] == "REJECT" for status, doc in answers), answers[:3]
    user_id = sql(cluster["db"], "SELECT id FROM users WHERE username = 'tess'")
    checked = sql(cluster["db"], f"SELECT COUNT(*) FROM audit_events WHERE user_id = '{user_id}' AND reason = 'bad_password'")
    locks = sql(cluster["db"], f"SELECT COUNT(*) FROM audit_events WHERE user_id = '{user_id}' AND type = 'account.locked'")
    assert (checked, locks) == ("5", "1"), f"{checked} guesses checked and {locks} locks across two nodes"
    status, doc = post_json(cluster["nodes"][1].url + "/validate/check", {"user": "tess", "pass": PASSWORD},
                            {"Authorization": "Bearer " + cluster["key"]})
    assert doc["result"]["authentication"] == "REJECT", "the right password on a locked account"


def test_one_totp_code_is_accepted_once_across_nodes(cluster):
    totp = enroll_totp(cluster["nodes"][0], "ian")
    step = int(time.time()) // 30
    while int(time.time()) // 30 == step or time.time() % 30 > 25:  # a fresh step, with time to spare
        time.sleep(0.5)
    code = totp.now()
    answers = burst(cluster, [("ian", PASSWORD + code, f"203.0.113.{n}") for n in range(BURST)])
    accepted = [doc for status, doc in answers if doc["result"].get("authentication") == "ACCEPT"]
    assert len(accepted) == 1, f"{len(accepted)} of {BURST} parallel requests with one code were accepted"
    user_id = sql(cluster["db"], "SELECT id FROM users WHERE username = 'ian'")
    assert sql(cluster["db"], f"SELECT locked_until IS NULL FROM users WHERE id = '{user_id}'") == "t", "duplicates are not guesses"


def test_per_ip_limit_holds_across_nodes(cluster):
    answers = burst(cluster, [(f"nobody{n}", "guess", "192.0.2.77") for n in range(BURST + 10)])
    throttled = sum(1 for status, doc in answers if status == 429)
    rejected = sum(1 for status, doc in answers if status == 200 and doc["result"]["authentication"] == "REJECT")
    assert (rejected, throttled) == (20, BURST + 10 - 20), f"{rejected} checked, {throttled} throttled"


def test_one_code_per_cooldown_across_nodes(cluster, twilio):
    number = "+15005550101"
    enroll_sms(cluster["nodes"][0], twilio, "sam", number, "198.18.0.1")
    before = time.time()
    # The password alone asks for a code: 50 at once, from 50 addresses, split across the nodes.
    answers = burst(cluster, [("sam", PASSWORD, f"198.18.1.{n}") for n in range(BURST)])
    assert all(status == 200 and doc["result"]["authentication"] in ("CHALLENGE", "REJECT") for status, doc in answers), answers[:3]
    time.sleep(1)
    texts = sign_in_codes(twilio, [number], before)
    assert len(texts) == 1, f"{len(texts)} texts placed by 50 parallel requests split over two nodes (one per cooldown)"


def test_per_ip_send_limit_across_nodes(cluster, twilio):
    numbers = {user: f"+150055502{n:02d}" for n, user in enumerate(SMS_USERS)}
    for n, user in enumerate(SMS_USERS):
        enroll_sms(cluster["nodes"][n % 2], twilio, user, numbers[user], f"198.18.2.{n}")
    before = time.time()
    # One request per user (each may get one code per cooldown), all at once from one address, split across the
    # nodes: the per-IP send limit (10 an hour) holds. (Twelve, not more: past 20 at once the per-IP sign-in
    # throttle would refuse some before their code is due, and the count would depend on which.)
    answers = burst(cluster, [(user, PASSWORD, "192.0.2.200") for user in SMS_USERS])
    assert all(status == 200 for status, doc in answers), answers[:3]
    time.sleep(1)
    texts = sign_in_codes(twilio, numbers.values(), before)
    assert len(texts) == 10, f"{len(texts)} texts placed from one address across two nodes (limit 10 an hour)"
