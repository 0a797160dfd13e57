"""The `portcullis` command line, run as an operator would: help, key handling,
migrations, organizations and users. Errors must be one clear line, never a crash."""

import base64
import re
import os
import signal
import stat
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from support.config import BINARY
from support.server import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(tmp_path):
    binary = BINARY
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTCULLIS_")}
    env.update(PORTCULLIS_DATABASE_URL=str(tmp_path / "cli.sqlite"),
               PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode())

    def run(*args, stdin=None, extra=None, drop=()):
        e = dict(env, **(extra or {}))
        for name in drop:
            e.pop(name, None)
        return subprocess.run([binary, *args], env=e, input=stdin, capture_output=True, text=True, timeout=60, cwd=tmp_path)

    return run


def ok(res):
    assert res.returncode == 0, f"exit {res.returncode}\n{res.stdout}\n{res.stderr}"
    return res.stdout


def refused(res, *phrases):
    assert res.returncode != 0, res.stdout
    assert "Fatal error" not in res.stderr and "Stack dump" not in res.stderr, res.stderr
    for phrase in phrases:
        assert phrase in res.stderr, res.stderr
    return res.stderr


def test_help_for_every_command(cli):
    for args in ([], ["serve"], ["migrate"], ["org", "create"], ["org", "list"], ["user", "create"], ["user", "list"],
                 ["user", "set-password"], ["user", "set-role"], ["user", "require-mfa"], ["user", "unlock"], ["key", "generate"],
                 ["group", "create"], ["policy", "show"], ["policy", "set"], ["user", "remove-factors"]):
        out = ok(cli(*args, "--help"))
        assert "USAGE:" in out, (args, out)


def test_serve_refuses_to_start_without_a_key(cli):
    err = refused(cli("serve", "--port", "0", drop=["PORTCULLIS_KEY"]), "PORTCULLIS_KEY", "portcullis key generate")
    assert "PORTCULLIS_DEV" in err


def test_serve_puts_the_initial_admin_password_in_a_private_file_not_the_log(tmp_path):
    """Without a terminal (output to a file, as under a service manager), the generated password goes to
    initial-admin.txt next to the SQLite database, mode 0600; the output names the file but never holds the password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTCULLIS_")}
    env.update(PORTCULLIS_DATABASE_URL=str(tmp_path / "serve.sqlite"),
               PORTCULLIS_KEY=base64.b64encode(os.urandom(32)).decode())
    port = free_port()
    output = tmp_path / "serve.log"
    notice = tmp_path / "initial-admin.txt"
    with open(output, "wb") as log:
        proc = subprocess.Popen([BINARY, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    time.sleep(0.25)
            assert proc.poll() is None, output.read_text()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    assert notice.exists(), output.read_text()
    assert stat.S_IMODE(notice.stat().st_mode) == 0o600
    lines = dict(line.split(": ", 1) for line in notice.read_text().splitlines() if ": " in line)
    assert lines["username"] == "admin"
    password = lines["password"]
    assert len(password) >= 16
    logged = output.read_text()
    assert password not in logged
    assert str(notice) in logged and "initial administrator created" in logged
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")], "no temporary file left behind"


def test_key_generate_prints_a_usable_key(cli):
    key = ok(cli("key", "generate")).strip()
    assert len(base64.b64decode(key)) == 32
    ok(cli("migrate", extra={"PORTCULLIS_KEY": key}))
    refused(cli("org", "list", extra={"PORTCULLIS_KEY": "too-short"}), "32 bytes")


def test_migrate_organizations_and_users(cli):
    assert "Applied 1" in ok(cli("migrate"))
    assert "up to date" in ok(cli("migrate"))
    assert ok(cli("org", "list")).split()[0] == "default"
    ok(cli("org", "create", "acme", "--name", "Acme Law"))
    assert "acme\tAcme Law" in ok(cli("org", "list"))
    refused(cli("org", "create", "acme"), "already exists")
    refused(cli("org", "create", "Not A Slug!"), "not a valid organization slug")

    out = ok(cli("user", "create", "bob", "--org", "acme", "--name", "Bob B"))
    generated = out.split("Password (shown once): ")[1].splitlines()[0].strip()
    assert "must be changed at the first sign-in" in out
    assert len(generated) >= 16
    refused(cli("user", "create", "BOB", "--org", "acme", "--password", "another long one"), "already exists")
    refused(cli("user", "create", "carol", "--org", "acme", "--password", "short"), "at least 8")
    refused(cli("user", "list", "--org", "nope"), "no organization 'nope'")

    assert "mfa: No" in ok(cli("user", "list", "--org", "acme"))
    assert "Pending setup on next login" in ok(cli("user", "require-mfa", "bob", "--org", "acme"))
    assert "mfa: Pending setup on next login" in ok(cli("user", "list", "--org", "acme"))
    ok(cli("user", "require-mfa", "bob", "--org", "acme", "--off"))
    assert "mfa: No" in ok(cli("user", "list", "--org", "acme"))

    out = ok(cli("user", "set-password", "bob", "--org", "acme", "--password-stdin", stdin="a brand new password\n"))
    assert "a brand new password" not in out
    ok(cli("user", "unlock", "bob", "--org", "acme"))
    refused(cli("user", "set-password", "nobody", "--org", "acme", "--password", "whatever long"), "no user 'nobody'")
    assert "must be changed at the first sign-in" in ok(cli("user", "set-password", "bob", "--org", "acme"))


def test_user_group_and_policy_commands(cli):
    """Command-line parity with the admin pages (issue 10): the same services, the same refusals."""
    ok(cli("migrate"))
    ok(cli("user", "create", "dana", "--password", "dana's long password", "--email", "dana@example.org"))
    ok(cli("user", "create", "erin", "--password", "erin's long password"))
    ok(cli("user", "update", "dana", "--name", "Dana Scully", "--phone", "+44 20 7946 0958"))
    assert "dana\tDana Scully" in ok(cli("user", "list", "--search", "SCULLY"))
    refused(cli("user", "update", "dana", "--phone", "12"), "not a valid phone number")

    # A group that requires two-step verification makes its member Pending, and the list says why.
    assert "requires two-step verification" in ok(cli("group", "create", "Accounting", "--require-mfa"))
    refused(cli("group", "create", "accounting"), "already a group called")
    ok(cli("user", "add-to-group", "erin", "--group", "accounting"))
    assert "erin" in ok(cli("group", "members", "Accounting"))
    assert "1 member" in ok(cli("group", "list"))
    listed = ok(cli("user", "list", "--mfa", "pending"))
    assert "erin" in listed and "required by group Accounting" in listed and "dana" not in listed
    ok(cli("group", "rename", "Accounting", "--to", "Finance"))
    assert "required by group Finance" in ok(cli("user", "list", "--mfa", "pending"))
    ok(cli("group", "require-mfa", "Finance", "--off"))
    assert "erin" not in ok(cli("user", "list", "--mfa", "pending"))
    ok(cli("user", "remove-from-group", "erin", "--group", "Finance"))
    ok(cli("group", "delete", "Finance"))
    refused(cli("group", "members", "Finance"), "no such group")

    # Lock, unlock, disable, end sessions, lost phone, delete.
    ok(cli("user", "lock", "erin"))
    assert "locked" in ok(cli("user", "list")).split("erin", 1)[1].splitlines()[0]
    ok(cli("user", "unlock", "erin"))
    ok(cli("user", "disable", "erin"))
    assert "disabled" in ok(cli("user", "list")).split("erin", 1)[1].splitlines()[0]
    ok(cli("user", "enable", "erin"))
    ok(cli("user", "end-sessions", "erin"))
    ok(cli("user", "remove-factors", "erin"))
    refused(cli("user", "delete", "erin"), "--yes")
    ok(cli("user", "delete", "erin", "--yes"))
    refused(cli("user", "disable", "erin"), "no user 'erin'")

    # The policy: shown with every setting explained, changed KEY=VALUE, checked before it is saved.
    shown = ok(cli("policy", "show"))
    assert "lockoutThreshold = 5\t# After this many wrong passwords" in shown and "allowedFactorTypes = " in shown
    ok(cli("policy", "set", "lockoutThreshold=3", "allowedFactorTypes=totp,webauthn,email,backup_codes", "timeZone=Europe/Berlin"))
    shown = ok(cli("policy", "show"))
    assert "lockoutThreshold = 3" in shown and "allowedFactorTypes = totp,webauthn,email,backup_codes" in shown
    refused(cli("policy", "set", "lockoutThreshold=0"), "Failed attempts before lockout must be between 1 and 100")
    refused(cli("policy", "set", "timeZone=Mars/Base"), "not a time zone")
    refused(cli("policy", "set", "allowedFactorTypes=pattern"), "Allow at least one method")
    refused(cli("policy", "set", "nonsense=1"), "unknown setting nonsense")
    assert "lockoutThreshold = 3" in ok(cli("policy", "show")), "a refused change changes nothing"


def oathtool_hotp(hexseed, counter):
    return subprocess.run(["oathtool", "--hotp", "-c", str(counter), hexseed], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_token_commands(cli, tmp_path):
    ok(cli("migrate"))
    ok(cli("user", "create", "tina", "--org", "default", "--password", "tina's long password"))
    seed = os.urandom(20).hex()
    csv = tmp_path / "tokens.csv"
    csv.write_text(f"serial,seed,digits,algorithm,counter\nCLI-1,{seed},6,SHA1,0\nCLI-2,{seed},6,SHA1,0\n")
    assert "Imported 2 tokens into default" in ok(cli("token", "import", str(csv), "--org", "default"))
    refused(cli("token", "import", str(csv), "--org", "default"), "already in the inventory")
    bad = tmp_path / "bad.csv"
    bad.write_text("X-1,nothex\nX-2,abcd\n")
    err = refused(cli("token", "import", str(bad)), "Nothing was imported", "line 1", "line 2")
    assert "nothex" not in err or "seed" in err

    # An encrypted PSKC file (written by an independent implementation) into the spare pool.
    fixtures = ROOT / "Tests" / "PortcullisTokenImportTests" / "Fixtures"
    expected = __import__("json").loads((fixtures / "pskc-encrypted-expected.json").read_text())
    pskc = str(fixtures / "pskc-encrypted.xml")
    refused(cli("token", "import", pskc, "--pool"), "encrypted")
    refused(cli("token", "import", pskc, "--pool", "--psk", "00" * 16), "MAC")
    out = ok(cli("token", "import", pskc, "--pool", "--psk", expected["preSharedKey"]))
    assert "Imported 2 tokens into the spare pool" in out
    pool = ok(cli("token", "list", "--pool"))
    assert "TOKEN-0001\tunassigned" in pool and "TOKEN-0002\tunassigned" in pool

    ok(cli("token", "assign", "CLI-1", "tina", "--org", "default"))
    assert "CLI-1\tassigned\ttina" in ok(cli("token", "list", "--org", "default"))
    refused(cli("token", "assign", "CLI-1", "tina"), "not in the inventory")
    out = ok(cli("token", "lend", "TOKEN-0001", "tina", "--org", "default"))
    assert "lent to tina until" in out
    assert "TOKEN-0001\tlent until" in ok(cli("token", "list", "--pool"))
    refused(cli("token", "lend", "CLI-2", "tina", "--until", "2000-01-01T00:00:00Z"), "future")

    # Resync with two consecutive codes 50 presses ahead; wrong order is refused.
    refused(cli("token", "resync", "CLI-1", oathtool_hotp(seed, 51), oathtool_hotp(seed, 50)), "did not match")
    assert "resynchronized" in ok(cli("token", "resync", "CLI-1", oathtool_hotp(seed, 50), oathtool_hotp(seed, 51)))

    ok(cli("token", "unassign", "CLI-1"))
    assert "CLI-1\tunassigned\t-" in ok(cli("token", "list"))
    refused(cli("token", "unassign", "CLI-1"), "not assigned")
    refused(cli("token", "assign", "NOPE", "tina"), "no token NOPE")


def test_org_configure(cli):
    ok(cli("migrate"))
    out = ok(cli("org", "configure", "default", "--time-zone", "Europe/Berlin", "--inbound-sms-number", "+1 415 555 0100",
                 "--blocked-email-domains", "Firm.example, mail.firm.example"))
    assert "time zone Europe/Berlin" in out and "inbound SMS on, +14155550100" in out
    assert "firm.example, mail.firm.example" in out
    assert "inbound SMS off" in ok(cli("org", "configure", "default", "--no-inbound-sms"))
    refused(cli("org", "configure", "default", "--time-zone", "Mars/Olympus"), "unknown time zone")
    refused(cli("org", "configure", "default", "--inbound-sms-number", "12"), "E.164")
    assert "passkey sign-in on" in out, "on by default"
    assert "passkey sign-in off" in ok(cli("org", "configure", "default", "--passkeys", "off"))
    assert "passkey sign-in off" in ok(cli("org", "configure", "default", "--time-zone", "UTC")), "kept"
    assert "passkey sign-in on" in ok(cli("org", "configure", "default", "--passkeys", "on"))
    refused(cli("org", "configure", "default", "--passkeys", "maybe"), "on or off")


def test_a_configuration_error_is_one_line_and_creates_nothing(tmp_path):
    """Run where there is no configuration at all: one line saying what is missing, no usage text, and no database
    or data folder left behind."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTCULLIS_")}
    for args in (["user", "list"], ["migrate"], ["org", "list"]):
        res = subprocess.run([BINARY, *args], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert res.returncode == 78, (args, res.stdout, res.stderr)  # EX_CONFIG
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: PORTCULLIS_KEY is not set"), (args, res.stderr)
        assert "USAGE" not in res.stderr and "Did you mean" not in res.stderr, res.stderr
    assert list(tmp_path.iterdir()) == [], f"a failing command left {list(tmp_path.iterdir())}"


def test_the_cli_reads_portcullis_conf_in_its_directory(tmp_path):
    """`make run` writes its development settings to portcullis.conf; the CLI run from there finds them."""
    (tmp_path / "portcullis.conf").write_text("PORTCULLIS_DEV=1\nPORTCULLIS_DATABASE_URL=data/portcullis.sqlite\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTCULLIS_")}

    def run(*args, stdin=None):
        return subprocess.run([BINARY, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60, cwd=tmp_path)

    ok(run("user", "create", "bob", "--password-stdin", stdin="Pw-long-enough-password\n"))
    assert "bob: operator." in ok(run("user", "set-role", "bob", "--operator"))
    assert "bob: administrator and operator." in ok(run("user", "set-role", "bob", "--admin", "--operator"))
    assert "bob" in ok(run("user", "list"))
    assert (tmp_path / "data" / "portcullis.sqlite").exists() and (tmp_path / "data" / "dev.key").exists()


def _help(*path):
    return subprocess.run([BINARY, *path, "--help"], capture_output=True, text=True, timeout=60).stdout


def _commands(path=()):
    """Every leaf command's path, from the help texts."""
    text = _help(*path)
    if "SUBCOMMANDS:" not in text:
        return [path]
    block = text.split("SUBCOMMANDS:", 1)[1].split("See '", 1)[0]
    names = [m.group(1) for line in block.splitlines() if (m := re.match(r"  ([a-z][a-z-]*)(\s|$)", line))]
    return [leaf for name in names for leaf in _commands(path + (name,))]


def test_the_readme_lists_every_command_flag_and_setting():
    """The README's command list names every command with all its flags, and its settings every PORTCULLIS_ variable
    the sources read, so neither drifts from the code."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Command line", 1)[1].split("```", 2)[1]
    chunks = block.split("portcullis ")[1:]
    for path in _commands():
        usage = _help(*path).split("USAGE:", 1)[1].split("\n\n", 1)[0]
        flags = set(re.findall(r"--[a-z][a-z-]*", usage)) - {"--help", "--version"}
        name = " ".join(path)
        listed = " ".join(chunk for chunk in chunks if chunk.startswith(name + " ") or chunk.strip() == name)
        assert listed, f"the README does not list `portcullis {' '.join(path)}`"
        missing = sorted(flag for flag in flags if flag not in listed)
        assert not missing, f"`portcullis {' '.join(path)}` has {missing}, which the README does not list"
    sources = " ".join(p.read_text() for p in (ROOT / "Sources").rglob("*.swift"))
    variables = set(re.findall(r'"(PORTCULLIS_[A-Z0-9_]+)"', sources))

    def mentioned(name):
        # Families are listed as `PORTCULLIS_SMTP_HOST`, `_PORT`, …: the suffix on a line of its family counts.
        if name in readme or name.count("_") < 2:
            return name in readme
        family, suffix = "_".join(name.split("_")[:2]) + "_", name.split("_", 2)[2]
        return any(family in line and f"`_{suffix}`" in line for line in readme.splitlines())

    missing = sorted(v for v in variables if not mentioned(v))
    assert not missing, f"settings the README does not mention: {missing}"


def test_a_second_build_of_an_unchanged_tree_compiles_nothing():
    """A second `make run` must start serving at once (measured: under a second): `swift build` on an unchanged tree
    compiles and links nothing. The first build brings the tree up to date (a no-op in CI, which built just before)."""
    swift = os.environ.get("SWIFT", "swift")
    for attempt in ("bring up to date", "unchanged"):
        res = subprocess.run([swift, "build"], cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert res.returncode == 0, res.stdout + res.stderr
    work = [line for line in res.stdout.splitlines()
            if re.search(r"\b(Compiling|Linking|Emitting)\b", line) and "plugin" not in line]
    assert work == [], "an unchanged tree was rebuilt:\n" + "\n".join(work[:20])
