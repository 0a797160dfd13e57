#!/usr/bin/env python3
"""The verification API against privacyIDEA 3.14, side by side in one run (`make bench-verification`).

Starts privacyIDEA (gunicorn, 4 workers, SQLite; scripts/privacyidea.sh) and Portcullis (`portcullis serve`, release
build, SQLite) with the same users and HOTP seeds, then drives each with the same closed-loop clients:

  otp-leg        the second request of a challenge: `transaction_id` + the code (the first request, the password
                 alone, is sent untimed before each one)
  password+otp   the password followed by the code in one request

at 1 and 16 clients, and prints requests/s, p50 and p99 for each and the ratio. It also measures the Argon2 ceiling:
Argon2id hashes per second on all cores with Portcullis's parameters (m=19456 KiB, t=2, p=1), through argon2-cffi
and through libargon2 (the library Portcullis links), in the same run, in short turns with Portcullis's password checks. Every request must succeed; a failure is reported and stops the run.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import urllib.parse
import http.client
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "compat"))
from peers import ROOT, Portcullis, PrivacyIDEA, hotp, seed_for  # noqa: E402

USERS = [f"bench{i}" for i in range(1, 17)]
ROUNDS = 5


class Client:
    """One closed-loop client: a user, their HOTP counter and a kept-alive connection."""

    def __init__(self, url, headers, user, password, counters):
        parsed = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=120)
        self.headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        self.user, self.password, self.seed = user, password, seed_for(user)
        self.counters, self.key = counters, (url, user)  # each server's token counters go on from run to run

    def post(self, fields):
        self.conn.request("POST", "/validate/check", urllib.parse.urlencode(dict(fields, user=self.user, realm="default")), self.headers)
        response = self.conn.getresponse()
        body = response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return json.loads(body)

    def code(self):
        counter = self.counters.get(self.key, 0)
        self.counters[self.key] = counter + 1
        return hotp(self.seed, counter)

    def otp_leg(self):
        challenge = self.post({"pass": self.password})
        transaction = challenge["detail"]["transaction_id"]
        started = time.perf_counter()
        answer = self.post({"transaction_id": transaction, "pass": self.code()})
        return time.perf_counter() - started, answer

    def password_and_otp(self):
        started = time.perf_counter()
        answer = self.post({"pass": self.password + self.code()})
        return time.perf_counter() - started, answer


COUNTERS = {}


def run(peer, scenario, clients, duration, password):
    workers = [Client(peer.url, peer.headers, USERS[i], password, COUNTERS) for i in range(clients)]
    latencies, failures, lock = [], [], threading.Lock()
    deadline = time.monotonic() + duration
    timed_total = [0.0]

    def loop(client):
        mine, spent = [], 0.0
        while time.monotonic() < deadline:
            seconds, answer = getattr(client, scenario)()
            if answer["result"].get("authentication") != "ACCEPT":
                with lock:
                    failures.append(answer)
                return
            mine.append(seconds)
            spent += seconds
        with lock:
            latencies.extend(mine)
            timed_total[0] += spent

    threads = [threading.Thread(target=loop, args=(c,)) for c in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{peer.__class__.__name__} {scenario}: a request failed: {failures[0]}")
    latencies.sort()
    # Throughput of the timed requests: requests per second of time spent in them, per client, times the clients.
    rate = len(latencies) / (timed_total[0] / clients) if timed_total[0] else 0.0
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000
    return {"requests": len(latencies), "rps": rate, "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


def _hash_worker(library, seconds, out):
    password, count, end = b"correct horse battery staple", 0, time.monotonic() + seconds
    if library == "libargon2":  # the library Portcullis links (Debian's), through ctypes
        import ctypes
        lib, digest = ctypes.CDLL("libargon2.so.1"), ctypes.create_string_buffer(32)
        while time.monotonic() < end:
            salt = os.urandom(16)
            if lib.argon2id_hash_raw(2, 19456, 1, password, len(password), salt, len(salt), digest, 32) != 0:
                raise SystemExit("libargon2 failed")
            count += 1
    else:
        import argon2.low_level as ll
        while time.monotonic() < end:
            ll.hash_secret_raw(password, os.urandom(16), time_cost=2, memory_cost=19456, parallelism=1, hash_len=32,
                               type=ll.Type.ID)
            count += 1
    out.put(count)


def argon2_ceiling(library, seconds=5):
    """Argon2id hashes per second with every core hashing: through argon2-cffi (privacyIDEA's venv has it; its own
    build of the reference library), or through libargon2, the library Portcullis uses."""
    queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_hash_worker, args=(library, seconds, queue)) for _ in range(os.cpu_count() or 1)]
    for p in procs:
        p.start()
    total = sum(queue.get() for _ in procs)
    for p in procs:
        p.join()
    return total / seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=8)
    parser.add_argument("--clients", default="1,16")
    parser.add_argument("--binary", default=str(ROOT / ".build" / "release" / "portcullis"))
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    pi = PrivacyIDEA(USERS)
    pc = Portcullis(USERS, pi.password, binary=args.binary, extra_env={"LOG_LEVEL": "error"})
    results = {}
    shares = {"argon2-cffi": [], "libargon2": []}
    try:
        for scenario in ("otp_leg", "password_and_otp"):
            for n in clients:
                for name, peer in (("privacyIDEA", pi), ("Portcullis", pc)):
                    results[(scenario, n, name)] = run(peer, scenario, n, args.duration, pi.password)
                    r = results[(scenario, n, name)]
                    print(f"{scenario:17} clients={n:2} {name:11} {r['rps']:9.1f} req/s  p50 {r['p50_ms']:7.2f} ms  "
                          f"p99 {r['p99_ms']:7.2f} ms  ({r['requests']} requests)", flush=True)
        # The share of the Argon2 ceiling: the shared machine's speed drifts by a tenth within a minute, so the ceiling
        # and Portcullis's password checks at the most clients are measured in short turns (the servers idle while the
        # ceiling is measured), and the median of the turns' ratios is reported.
        busiest = max(clients)
        for turn in range(ROUNDS):
            ceiling = {library: argon2_ceiling(library, seconds=3) for library in shares}
            rps = run(pc, "password_and_otp", busiest, 4, pi.password)["rps"]
            for library in shares:
                shares[library].append(rps / ceiling[library])
            print(f"share turn {turn + 1}: {rps:.1f} req/s; ceiling " +
                  ", ".join(f"{library} {value:.1f} hashes/s" for library, value in ceiling.items()), flush=True)
    finally:
        pc.stop()
        pi.stop()
    print("\n\nscenario          clients  Portcullis/privacyIDEA throughput")
    for scenario in ("otp_leg", "password_and_otp"):
        for n in clients:
            ratio = results[(scenario, n, "Portcullis")]["rps"] / max(1e-9, results[(scenario, n, "privacyIDEA")]["rps"])
            print(f"{scenario:17} {n:7}  {ratio:8.1f}x")
    print(f"password+otp at {max(clients)} clients, share of the Argon2id ceiling (m=19456 KiB, t=2, p=1, {os.cpu_count()} cores),"
          f" median of {ROUNDS} turns: " + ", ".join(
              f"{statistics.median(values) * 100:.0f} % through {library} (turns {min(values) * 100:.0f}–{max(values) * 100:.0f} %)"
              for library, values in shares.items()))


if __name__ == "__main__":
    main()
