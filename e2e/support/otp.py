"""One-time codes as a user gets them: from a text message or an email, and from a hardware token (oathtool)."""

import re
import subprocess
import time

# Seconds between two codes sent for one factor. The policy's default is 30; the suite's main server sets this
# shorter value (support/server.py) so that the tests do not sleep half a minute before each new code. The default
# itself holds across two nodes in test_two_nodes.py (its own server, default policy) and in the Swift tests.
RESEND_COOLDOWN = 5


def the_code(text, what):
    """The one 6-digit code in a message."""
    codes = re.findall(r"(?<!\d)\d{6}(?!\d)", text)
    assert len(codes) == 1, f"expected exactly one 6-digit code in the {what}, found {codes}: {text!r}"
    return codes[0]


def plain_text(message):
    """The text/plain part of an email (an `email.message.EmailMessage`, as the SMTP sink keeps it)."""
    return message.get_body(preferencelist=("plain",)).get_content()


def unused_totp(totp, used):
    """An authenticator app's code not in `used` (waiting for the next step when needed), added to it: the server
    never takes one code twice."""
    while (code := totp.now()) in used:
        time.sleep(1)
    used.add(code)
    return code


def step_now(totp):
    """The authenticator app's current time step."""
    return int(time.time()) // totp.interval


def fresh_code(totp, after_step, used_secrets):
    """A code from a time step later than after_step, waiting for the next step if need be (the server never accepts
    a step's code twice), remembered as a secret that must never be logged; returns it with its step."""
    while step_now(totp) <= after_step:
        time.sleep(totp.interval - time.time() % totp.interval + 0.2)
    step = step_now(totp)
    code = totp.at(step * totp.interval)
    used_secrets.add(code)
    return code, step


def sleep_past_cooldown(last_sent_at, what):
    """The server sends at most one code per factor every RESEND_COOLDOWN seconds;
    the next step would ask for a new one."""
    wait = last_sent_at + RESEND_COOLDOWN + 1 - time.time()
    if wait > 0:
        print(f"waiting {wait:.0f} s for the resend cooldown of {what}")
        time.sleep(wait)


def hotp(seed_hex, counter, used_secrets):
    """The code of an HOTP token with this seed at this counter (remembered as a secret that must never be logged)."""
    out = subprocess.run(["oathtool", "--hotp", "-c", str(counter), seed_hex],
                         check=True, capture_output=True, text=True).stdout.strip()
    assert re.fullmatch(r"\d{6}", out), out
    used_secrets.add(out)
    return out
