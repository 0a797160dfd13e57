"""Fake providers in the test process, which the server delivers codes to: a Twilio-compatible Messages API
(FakeTwilio, http.server in a thread) and an SMTP server (SMTPSink, aiosmtpd); and post_webhook, which plays Twilio's
inbound-SMS webhook against the server."""

import base64
import email
import email.policy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

from .server import free_port


class FakeTwilio:
    """Twilio's Messages API as far as Portcullis uses it:
    POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To, From
    (or MessagingServiceSid) and Body, HTTP basic auth AccountSid:AuthToken;
    201 with the message resource as JSON. Every request is recorded; anything
    Twilio would refuse goes to `problems` (and gets Twilio's error answer).
    Set `fail_status` (e.g. 503) to play a provider that is down."""

    def __init__(self):
        self.account_sid = "AC" + secrets.token_hex(16)
        self.auth_token = secrets.token_hex(16)
        self.from_number = "+15005550006"
        self.messages, self.refused, self.problems = [], [], []
        self.fail_status = None
        self._cond = threading.Condition()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet; bodies hold codes
                pass

            def _answer(self, status, doc):
                body = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status, code, message):
                with fake._cond:
                    fake.problems.append(f"{status} {code}: {message} ({self.command} {self.path})")
                self._answer(status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                      "status": status})

            def do_GET(self):
                self._error(405, 20004, "Method not allowed")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                expected_path = f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
                if urllib.parse.urlsplit(self.path).path != expected_path:
                    return self._error(404, 20404, "The requested resource was not found")
                auth = self.headers.get("Authorization", "")
                want = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
                if not hmac.compare_digest(auth, want):
                    return self._error(401, 20003, "Authentication Error - invalid username")
                if not (self.headers.get("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
                    return self._error(400, 21000, "Content-Type must be application/x-www-form-urlencoded")
                form = {k: v[-1] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
                to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
                if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
                    return self._error(400, 21211, f"The 'To' number {to!r} is not a valid phone number.")
                if sender != fake.from_number:
                    return self._error(400, 21212, f"The 'From' number {sender!r} is not a valid phone number for this account.")
                if not body:
                    return self._error(400, 21602, "Message body is required.")
                record = dict(to=to, from_=sender, body=body, at=time.time(), sid="SM" + secrets.token_hex(16))
                if fake.fail_status:
                    with fake._cond:
                        fake.refused.append(record)
                        fake._cond.notify_all()
                    return self._answer(fake.fail_status, {"code": 20500, "message": "Service Unavailable",
                                                           "more_info": "https://www.twilio.com/docs/errors/20500",
                                                           "status": fake.fail_status})
                with fake._cond:
                    fake.messages.append(record)
                    fake._cond.notify_all()
                now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
                self._answer(201, {
                    "sid": record["sid"], "account_sid": fake.account_sid, "to": to, "from": sender, "body": body,
                    "status": "queued", "direction": "outbound-api", "num_segments": "1", "api_version": "2010-04-01",
                    "date_created": now, "date_updated": now, "date_sent": None, "price": None, "error_code": None,
                    "error_message": None, "messaging_service_sid": None,
                    "uri": f"/2010-04-01/Accounts/{fake.account_sid}/Messages/{record['sid']}.json",
                })

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-twilio", daemon=True)
        self._thread.start()

    def stop(self):
        self._httpd.shutdown()
        self._httpd.server_close()

    def wait_for(self, to, after, timeout=30, refused=False):
        """The first message to `to` recorded after the first `after` messages
        (of `refused` ones with refused=True)."""
        box = self.refused if refused else self.messages
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in box[after:]:
                    if m["to"] == to:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no SMS to {to} within {timeout} s; Twilio problems: {self.problems}")
                self._cond.wait(left)

    def last_request_at(self, to):
        with self._cond:
            return max((m["at"] for m in self.messages + self.refused if m["to"] == to), default=0.0)

    def inbound_signature(self, url, params, token=None):
        """X-Twilio-Signature: base64(HMAC-SHA1(auth token, url + name+value of each param sorted by name))."""
        data = url + "".join(name + params[name] for name in sorted(params))
        mac = hmac.new((token or self.auth_token).encode(), data.encode(), hashlib.sha1).digest()
        return base64.b64encode(mac).decode()


class SMTPSink:
    """A plain SMTP server (aiosmtpd, no TLS, no auth) that keeps every message."""

    def __init__(self):
        self.messages = []
        self._cond = threading.Condition()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink._cond:
                    sink.messages.append(dict(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                                              message=msg, at=time.time()))
                    sink._cond.notify_all()
                return "250 Message accepted for delivery"

        self.port = free_port()
        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        self._controller.stop()

    def wait_for(self, to, after, timeout=30):
        """The first message for `to` received after the first `after` messages."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages[after:]:
                    if to in m["rcpt_tos"]:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email to {to} within {timeout} s")
                self._cond.wait(left)

    def last_message_at(self, to):
        with self._cond:
            return max((m["at"] for m in self.messages if to in m["rcpt_tos"]), default=0.0)


def post_webhook(url, params, signature):
    """POST a form to the server as Twilio would; returns (status, body)."""
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "User-Agent": "TwilioProxy/1.1"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    req = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=20) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
