# Portcullis: set-up, build, run and test.
#   make run         build and serve on http://localhost:8080 (dev mode, SQLite in data/)
#   make test        Swift tests (SQLite + PostgreSQL) and the browser e2e suite on both engines
#   make bench       benchmarks of the hot paths (release build)
#   make bench-audit the audit log's pages and export on a million events, SQLite and PostgreSQL (release build)
#   make bench-verification   the verification API against privacyIDEA 3.14, side by side (release build)
#   make bench-burst  another user's sign-in during a burst of 40 SMS enrollments (release build)
#   make compat      the verification API's answers compared with privacyIDEA 3.14's (part of make test)
#   make pg-start    start the test PostgreSQL on 127.0.0.1:54329 (make pg-stop stops it)
#   make check-api   check that the committed admin API code is what openapi.yaml generates (make generate-api rewrites it)

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

SWIFT     ?= swift
BIN       := .build/debug/portcullis
VENV      := .venv
PG        := bash scripts/test-postgres.sh
APT       := bash scripts/apt-ensure.sh
RUN_PKGS  := libargon2-dev libqrencode-dev pkg-config libsqlite3-dev
# postgresql-client comes with postgresql (psql: the e2e suite makes its databases with it);
# fonts so that the screenshots show text.
TEST_PKGS := postgresql chromium chromium-driver oathtool fonts-dejavu-core

# `make run` keeps a database URL already set in the environment.
PORTCULLIS_DATABASE_URL ?= data/portcullis.sqlite

.PHONY: deps-run deps-test build run test e2e compat bench bench-audit bench-verification bench-burst pg-start pg-stop check-api generate-api

deps-run:
	@$(APT) $(RUN_PKGS)

deps-test: deps-run $(VENV)/.installed
	@$(APT) $(TEST_PKGS)

# Re-installed only when requirements-test.txt is newer than the stamp. The
# python3 on PATH may be Debian's, whose venv module needs python3-venv.
$(VENV)/.installed: requirements-test.txt
	@if ! $(VENV)/bin/python -c '' 2>/dev/null; then \
	  rm -rf $(VENV); \
	  python3 -m venv $(VENV) 2>/dev/null || { rm -rf $(VENV); $(APT) python3-venv; python3 -m venv $(VENV); }; \
	fi
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
	@touch $@

build:
	$(SWIFT) build

# The admin REST API's server code is generated from openapi.yaml and committed (Sources/PortcullisAdminAPI/Generated/):
# check-api regenerates it into a temporary folder and fails on a difference; generate-api rewrites it. Both build
# swift-openapi-generator once into .build-openapi-generator/.
check-api:
	bash scripts/check-generated-api.sh

generate-api:
	bash scripts/check-generated-api.sh --write

# The development settings go to portcullis.conf (once; edit it freely), which `portcullis` reads from the working
# directory, so the CLI works from the repository too: `.build/debug/portcullis user list`.
run: deps-run build portcullis.conf
	$(BIN) serve --host 127.0.0.1 --port 8080

portcullis.conf:
	printf '# Written by `make run` for local development; the CLI reads it from this directory.\nPORTCULLIS_DEV=1\nPORTCULLIS_DATABASE_URL=$(PORTCULLIS_DATABASE_URL)\n' > $@

# Every suite runs even when an earlier one failed, so one run reports all
# failures; the target fails if any of them did.
test: deps-test pg-start
	@url=$$($(PG) url); status=0; \
	PORTCULLIS_TEST_POSTGRES_URL=$$url $(SWIFT) test || status=1; \
	$(SWIFT) build; \
	for db in sqlite postgres; do \
	  echo "== e2e on $$db"; \
	  E2E_DATABASE=$$db PORTCULLIS_TEST_POSTGRES_URL=$$url $(VENV)/bin/python -m pytest e2e -v --durations=15 || status=1; \
	done; \
	echo "== verification API compared with privacyIDEA 3.14"; \
	$(MAKE) --no-print-directory compat || status=1; \
	exit $$status

# The verification API's JSON next to privacyIDEA 3.14's (installed from PyPI into .privacyidea/ on first use).
compat: deps-test
	bash scripts/privacyidea.sh setup
	cd compat && ../$(VENV)/bin/python -m pytest -v .

# One e2e pass against an already built binary: make e2e E2E_DATABASE=postgres
E2E_DATABASE ?= sqlite
e2e: deps-test
	@if [ '$(E2E_DATABASE)' = postgres ]; then $(PG) start; fi
	E2E_DATABASE=$(E2E_DATABASE) $(VENV)/bin/python -m pytest e2e -v

# Hot-path benchmarks (release build), on SQLite and the test PostgreSQL.
bench: deps-run pg-start
	PORTCULLIS_TEST_POSTGRES_URL=$$($(PG) url) $(SWIFT) run -c release portcullis-bench

# The audit log on a million events (bench/AuditBench.swift); PORTCULLIS_BENCH_POSTGRES_URL picks another PostgreSQL.
bench-audit: deps-run pg-start
	PORTCULLIS_TEST_POSTGRES_URL=$$($(PG) url) $(SWIFT) run -c release portcullis-bench audit

# privacyIDEA's venv brings argon2-cffi, which measures the Argon2 ceiling.
bench-verification: deps-test
	$(SWIFT) build -c release --product portcullis
	bash scripts/privacyidea.sh setup
	.privacyidea/venv/bin/python bench/verification.py

bench-burst: deps-test
	$(SWIFT) build -c release --product portcullis
	$(VENV)/bin/python bench/burst.py

pg-start:
	@$(PG) start

pg-stop:
	@$(PG) stop
