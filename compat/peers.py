"""Both verification servers side by side on 127.0.0.1, with the same users, passwords and HOTP seeds: Portcullis
(`portcullis serve`, SQLite in a temporary folder, set up through its command line) and privacyIDEA 3.14 (set up by
scripts/privacyidea.sh, configured through its REST API). Used by the compatibility test and the benchmark."""

import base64
import hashlib
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PI_DIR = ROOT / ".privacyidea"
BINARY = os.environ.get("PORTCULLIS_BINARY") or str(ROOT / ".build" / "debug" / "portcullis")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_for(user):
    """The HOTP seed both servers give `user`'s token: SHA-1 of the name, 20 bytes."""
    return hashlib.sha1(user.encode()).hexdigest()


def hotp(seed_hex, counter, digits=6):
    import hmac
    import struct
    mac = hmac.new(bytes.fromhex(seed_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    value = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10 ** digits
    return str(value).zfill(digits)


def post(url, fields, headers=None, json_body=False, timeout=30):
    """POST a form (or JSON); returns (status, decoded JSON or None)."""
    headers = dict(headers or {})
    if json_body:
        data = json.dumps(fields).encode()
        headers["Content-Type"] = "application/json"
    else:
        data = urllib.parse.urlencode(fields).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, None


class Portcullis:
    """`portcullis serve` on SQLite with users `users` (password `password`), each holding an HOTP token
    `<user>-hotp` seeded with seed_for(user), and one API key."""

    def __init__(self, users, password, binary=BINARY, extra_env=None):
        self.tmp = tempfile.mkdtemp(prefix="portcullis-peer-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, PORTCULLIS_DEV="1", PORTCULLIS_DATABASE_URL=f"{self.tmp}/portcullis.sqlite",
                        PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode(),
                        PORTCULLIS_BASE_URL=f"http://localhost:{self.port}", LOG_LEVEL="warning")
        self.env.update(extra_env or {})
        self.binary = binary
        csv = Path(self.tmp) / "tokens.csv"
        csv.write_text("serial,seed,digits,algorithm,counter\n" + "".join(f"{u}-hotp,{seed_for(u)},6,SHA1,0\n" for u in users))
        self.cli("migrate")
        self.cli("token", "import", str(csv), "--org", "default")
        for user in users:
            subprocess.run([binary, "user", "create", user, "--password-stdin"], input=password + "\n", env=self.env,
                           check=True, capture_output=True, text=True)
            self.cli("token", "assign", f"{user}-hotp", user, "--org", "default")
        out = self.cli("apikey", "create", "compat")
        self.key = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Key (shown once)"))
        self.headers = {"Authorization": "Bearer " + self.key}
        self.log = open(Path(self.tmp) / "server.log", "wb")
        self.proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", str(self.port)], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        self._wait()

    def cli(self, *args):
        return subprocess.run([self.binary, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def _wait(self):
        for _ in range(240):
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError("portcullis did not start")

    def pid(self):
        return self.proc.pid

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


class PrivacyIDEA:
    """privacyIDEA 3.14 under gunicorn: realm `default` over the flat-file users of scripts/privacyidea.sh, with
    `otppin=userstore` (pass = password + OTP) and challenge-response for HOTP, and an HOTP token per user seeded
    with seed_for(user)."""

    def __init__(self, users, workers=4):
        subprocess.run(["bash", str(ROOT / "scripts" / "privacyidea.sh"), "setup"], check=True, capture_output=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, PI_WORKERS=str(workers))
        subprocess.run(["bash", str(ROOT / "scripts" / "privacyidea.sh"), "start", str(self.port)], check=True,
                       capture_output=True, env=env)
        self.password = (PI_DIR / "user.pw").read_text().strip()
        status, body = post(self.url + "/auth", {"username": "admin", "password": (PI_DIR / "admin.pw").read_text().strip()})
        assert status == 200, body
        self.admin = {"Authorization": body["result"]["value"]["token"]}
        status, body = post(self.url + "/policy/compat", {"scope": "authentication", "realm": "default", "active": "true",
                                                          "action": "otppin=userstore,challenge_response=hotp"}, self.admin)
        assert status == 200 and body["result"]["status"], body
        for user in users:
            self.request("DELETE", f"/token/{user}-hotp")
            status, body = post(self.url + "/token/init", {"type": "hotp", "serial": f"{user}-hotp", "otpkey": seed_for(user),
                                                          "genkey": "0", "otplen": "6", "hashlib": "sha1", "user": user,
                                                          "realm": "default", "pin": ""}, self.admin)
            assert status == 200 and body["result"]["status"], body
        self.headers = {}

    def request(self, method, path):
        request = urllib.request.Request(self.url + path, headers=self.admin, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def pid(self):
        return int((PI_DIR / "gunicorn.pid").read_text())

    def stop(self):
        subprocess.run(["bash", str(ROOT / "scripts" / "privacyidea.sh"), "stop"], capture_output=True)
