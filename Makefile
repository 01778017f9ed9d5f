# Two commands on a fresh machine: `make run` serves the demo, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint audit install install-test system-deps browser-deps ocr-deps office-deps pacs-deps deploy-deps clean

# PDF handouts (WeasyPrint) need Debian's pango; installed here when missing and we are root.
PANGO_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq $(PANGO_PACKAGES); \
	  else \
	    echo "PDF handouts need pango: sudo apt-get install $(PANGO_PACKAGES)"; \
	  fi; \
	fi

# The browser tests (tests/browser) and bench/viewer.py drive Debian's Chromium through
# Playwright, which cannot download a browser of its own here. Only install-test needs it.
BROWSER_PACKAGES := chromium fonts-liberation
browser-deps:
	@if ! [ -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi liberation; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES); \
	  else \
	    echo "The browser tests need Chromium: sudo apt-get install $(BROWSER_PACKAGES)"; \
	  fi; \
	fi

# The redaction page proposes the burned-in text it finds with Debian's tesseract (dicom/ocr.py,
# the optional extra "ocr"); its tests and bench/redaction.py need it. Only install-test needs it.
OCR_PACKAGES := tesseract-ocr
ocr-deps:
	@if ! command -v tesseract >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(OCR_PACKAGES); \
	  else \
	    echo "The redaction page's text finding needs tesseract: sudo apt-get install $(OCR_PACKAGES)"; \
	  fi; \
	fi

# tests/cases/test_slides_impress.py opens the .pptx decks (cases/slides.py) in Debian's
# LibreOffice Impress, converting them to PDF. Only install-test needs it.
OFFICE_PACKAGES := libreoffice-impress
office-deps:
	@if ! command -v libreoffice >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(OFFICE_PACKAGES); \
	  else \
	    echo "The slides' test needs LibreOffice: sudo apt-get install $(OFFICE_PACKAGES)"; \
	  fi; \
	fi

# The PACS tests (tests/pacs) and bench/receive.py send studies with DCMTK's storescu/echoscu
# and from a real Orthanc. Only install-test needs them.
PACS_PACKAGES := dcmtk orthanc
pacs-deps:
	@if ! command -v storescu >/dev/null || ! command -v Orthanc >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACS_PACKAGES); \
	  else \
	    echo "The PACS tests need DCMTK and Orthanc: sudo apt-get install $(PACS_PACKAGES)"; \
	  fi; \
	fi

# tests/operations run the reference set-up of deploy/: Debian's nginx in front of gunicorn, and
# backups and the restore drill with PostgreSQL's pg_dump and pg_restore. Only install-test needs them.
DEPLOY_PACKAGES := nginx postgresql-client
deploy-deps:
	@if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ] || ! command -v pg_dump >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEPLOY_PACKAGES); \
	  else \
	    echo "The deployment's tests need nginx and pg_dump: sudo apt-get install $(DEPLOY_PACKAGES)"; \
	  fi; \
	fi

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed-demo: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[demo]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: system-deps $(VENV)/.installed-demo
install-test: system-deps browser-deps ocr-deps office-deps pacs-deps deploy-deps $(VENV)/.installed-test

# The development settings every manage.py command reads (DEBUG on, a secret key of this
# checkout's own), written once and git-ignored; variables set in the environment win over it.
# ENV_FILE names another file, for settings and here alike.
ENV_FILE ?= .env
$(ENV_FILE):
	$(PY) -m repository.env $@

# Installs, writes .env, migrates the SQLite database, seeds the demo cases and accounts, and
# serves: with the README's own commands, which then work as typed. Uploads run as background
# jobs, so the worker (db_worker) runs beside the server, and stops with it.
run: install $(ENV_FILE)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py sweep_orphans -v 0
	@echo "Serving on http://$(HOST):$(PORT)/ with a worker for uploads  (Ctrl-C stops both)"
	@$(PY) manage.py db_worker --no-reload & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(PY) manage.py runserver $(HOST):$(PORT)

# Runs the whole suite; set DATABASE_URL=postgres://... to run it on PostgreSQL.
test: install-test
	$(PY) -m pytest

# ruff: lint and import order (pyproject.toml); .ci/run runs it before the tests.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

# pip-audit: known vulnerabilities of every installed package (the project itself aside), from
# PyPI's advisory data; .ci/run runs it after lint and fails on any. A package it could not look up
# is listed, not failed: add AUDIT_FLAGS=--strict before a release, so that none goes unchecked.
# Fix a finding by raising the package's lower bound in pyproject.toml; one that cannot be fixed
# yet goes here as --ignore-vuln ID, with a comment saying why.
AUDIT_FLAGS ?=
audit: $(VENV)/.installed-test
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off $(AUDIT_FLAGS)

# .env stays: it holds the key that signs this checkout's sessions and maps its DICOM UIDs.
clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm media staticfiles .pytest_cache
