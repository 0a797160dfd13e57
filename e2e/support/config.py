"""Settings of the e2e suite, from the environment: the database engine, the binary under test, where output goes."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("E2E_DATABASE", "sqlite")
OUT = ROOT / "test-output" / "e2e" / ENGINE
WAIT = 20  # seconds for any page or element; a debug build on 2 cores is slow
# The binary under test: PORTCULLIS_BINARY (or the older PORTCULLIS_BIN) overrides the debug build, e.g. a copy
# made so that a concurrent `swift build` cannot swap it out mid-run.
BINARY = (os.environ.get("PORTCULLIS_BINARY") or os.environ.get("PORTCULLIS_BIN")
          or str(ROOT / ".build" / "debug" / "portcullis"))
# The server listens on 127.0.0.1, but its public URL (and the browser's) names the host `localhost`: browsers refuse
# IP addresses as WebAuthn relying-party IDs, and treat http://localhost as a secure context.
PUBLIC_HOST = "localhost"
