#!/usr/bin/env python3
"""Another user's sign-in while a burst of SMS enrollments hits the server (`make bench-burst`; issue 8, point 5).

Starts `portcullis serve` (release build, SQLite, development outbox for texts) and, in each round, measures one
user's sign-in (GET the page, POST the password: one Argon2 check) alone, then again while another signed-in user
sends 40 parallel "add this phone" forms with 40 numbers (each reserves send limits, starts an enrollment and, within
the limits, places a text). `/readyz` is asked during every burst. Prints the medians and p90 of both, their ratio,
and the `/readyz` answers. A benchmark, not a test: the machine is shared, so read the side-by-side figures.
"""

import http.cookiejar
import os
import re
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "compat"))
from peers import ROOT, Portcullis  # noqa: E402

PASSWORD = "bench-burst-password"
ROUNDS = 10
BURST = 40


class Browser:
    """A cookie jar and the CSRF token of the last page, against the server's pages."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.token = ""

    def get(self, path):
        with self.opener.open(self.base + path, timeout=60) as r:
            page = r.read().decode()
        found = re.search(r'name="csrf" value="([^"]+)"', page)
        self.token = found.group(1) if found else self.token
        return page

    def post(self, path, fields):
        data = urllib.parse.urlencode(dict(fields, csrf=self.token)).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Origin": self.base})
        try:
            with self.opener.open(request, timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as error:
            return error.code


def sign_in(base, user):
    browser = Browser(base)
    browser.get("/login")
    start = time.perf_counter()
    browser.post("/login", {"username": user, "password": PASSWORD})
    return time.perf_counter() - start, browser


def ready(base):
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=60) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    binary = os.environ.get("PORTCULLIS_BINARY") or str(ROOT / ".build" / "release" / "portcullis")
    senders = [f"sender{n}" for n in range(ROUNDS)]
    server = Portcullis(["otto", *senders], PASSWORD, binary=binary)
    base = f"http://localhost:{server.port}"
    alone, during, readyz = [], [], []
    try:
        with ThreadPoolExecutor(max_workers=BURST + 2) as pool:
            for sender in senders:
                alone.append(sign_in(base, "otto")[0])
                _, browser = sign_in(base, sender)
                browser.post("/login/enroll/skip", {})
                browser.get("/enroll/sms")
                numbers = [f"+1415555{n:04d}" for n in range(BURST)]
                burst = [pool.submit(browser.post, "/enroll/sms", {"country": "", "number": number}) for number in numbers]
                time.sleep(0.02)  # the burst is in flight
                probe = pool.submit(ready, base)
                during.append(sign_in(base, "otto")[0])
                readyz.append(probe.result())
                statuses = {future.result() for future in burst}
                assert statuses <= {200, 303}, f"the burst got {statuses}"
    finally:
        server.stop()

    def line(name, samples):
        ordered = sorted(samples)
        p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
        return f"{name:<44} median {statistics.median(samples) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   (n={len(samples)})"

    print(line("another user's sign-in, server idle", alone))
    print(line(f"the same during {BURST} parallel SMS enrollments", during))
    print(f"ratio of medians {statistics.median(during) / statistics.median(alone):.1f}x;"
          f" /readyz during the bursts: {sorted(set(readyz))}")


if __name__ == "__main__":
    main()
