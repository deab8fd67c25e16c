# Two commands: `make run` and `make test`. Both build .venv with Python 3.12+ first, from the lock.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock

# The first Python 3.12+ found: PYTHON from the environment, python3.13/3.12 on PATH,
# then pyenv's versions (pyenv root, ~/.pyenv).
PYTHON ?= $(shell for p in python3.13 python3.12 python3 \
	$$(ls -d $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: run test test-clock venv lock outdated lint messages bench clean

venv: $(STAMP)

# What is installed is the lock: every distribution at its pinned version, checked against its
# hashes (pip, setuptools and pip-tools included), then the project itself without dependencies and
# without build isolation (its build backend, setuptools, comes from the lock too). A new lock, or a
# changed pyproject.toml, rebuilds the venv.
$(STAMP): $(DEV_LOCK) pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12+ not found: install it or set PYTHON=/path/to/python3.12"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	@# setuptools warns on every editable build that a folder named like a package may shadow it: ours are it.
	PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Refresh the locks from pyproject.toml's ranges: the newest release each range allows, with the
# hashes of every file of that release. pip-compile resolves for the venv's Python (3.13); the hashes
# cover the 3.12 wheels too, and the lock installs there while no dependency differs by Python version
# (`make venv PYTHON=python3.12 VENV=/tmp/venv312` checks it).
# requirements.lock is what production installs; requirements-dev.lock adds the dev extra within its
# pins. `make lock UPGRADE=django` moves only that package (and keeps the others' pins).
UPGRADE ?=
LOCK_ARGS = --quiet --generate-hashes --allow-unsafe --strip-extras --all-build-deps \
	--no-emit-index-url --no-emit-find-links --newline=LF \
	$(if $(UPGRADE),$(foreach p,$(UPGRADE),--upgrade-package $(p)),--upgrade)
lock: venv
	export CUSTOM_COMPILE_COMMAND="make lock"; \
	$(VENV)/bin/pip-compile $(LOCK_ARGS) --output-file $(LOCK) pyproject.toml && \
	$(VENV)/bin/pip-compile $(LOCK_ARGS) --extra dev --constraint $(LOCK) --output-file $(DEV_LOCK) pyproject.toml
	@echo "Locks written; the next make run / make test reinstalls .venv from them."

# The newer releases the lock holds back: locked -> newest on the index, and whether pyproject.toml's
# range allows it (`make lock` takes it) or keeps it out (widen the range first).
outdated: venv
	@$(PY) -m pip list --outdated --exclude-editable --format=json | $(PY) -c "$$OUTDATED"

define OUTDATED
import json, re, sys, tomllib
from importlib import metadata
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as name
from packaging.version import Version
locked = dict(re.findall(r"^([a-z0-9._-]+)==(\S+)", open("$(DEV_LOCK)").read(), re.M))
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
declared = [("pyproject.toml", Requirement(r)) for r in project["dependencies"] + sum(project["optional-dependencies"].values(), [])]
required = [(d.metadata["Name"], Requirement(r)) for d in metadata.distributions() if name(d.metadata["Name"]) in locked
            for r in d.requires or [] if not Requirement(r).marker  # or under any of its extras (kombu[redis]...)
            or any(Requirement(r).marker.evaluate({"extra": e}) for e in ["", *(d.metadata.get_all("Provides-Extra") or [])])]
rows = [(p["name"], p["version"], p["latest_version"]) for p in json.load(sys.stdin) if name(p["name"]) in locked]
width = max([len(n) for n, _, _ in rows], default=0)
for package, version, newest in sorted(rows, key=lambda row: name(row[0])):
    holders = [f"{who}: {r}" for who, r in declared + required
               if name(r.name) == name(package) and not r.specifier.contains(Version(newest), prereleases=True)]
    why = "held back by " + "; ".join(holders) if holders else "allowed: make lock takes it"
    print(f"{package:<{width}}  {version} -> {newest}  ({why})")
print(f"{len(rows)} of {len(locked)} locked distributions have a newer release.")
endef
export OUTDATED

# Embedded (default): SQLite, in-memory channel layer, Celery worker + beat inside the server.
# Distributed: DATABASE_URL and REDIS_URL set -> SERVERS Daphne processes (default 2) behind nginx
# (deploy/nginx.conf) on PORT, WORKERS Celery workers (default 2) and one beat (run_distributed).
run: venv
	@export DEBUG=$${DEBUG:-1}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py seed_demo && \
	if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		$(PY) manage.py collectstatic --noinput --verbosity 0 && \
		$(PY) manage.py run_distributed; \
	else \
		$(PY) manage.py run_embedded; \
	fi

# Browser tests run in their own pytest process (sync Playwright and pytest-asyncio do not mix).
# Exit code 5 ("no tests collected") is not a failure here.
test: venv
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -m "not browser" -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(VENV)/bin/pytest -m browser -p no:asyncio $(PYTEST_ARGS) || [ $$? -eq 5 ]

# The non-browser suite on SQLite under a moved clock (libfaketime: apt-get install faketime).
# Default: a year and a quarter ahead at 23:30 UTC, after midnight in Madrid and before midnight
# in Mexico City. Any moment: make test-clock WHEN="2028-02-29 23:59:00".
WHEN ?= $(shell date -u -d '+455 days' '+%Y-%m-%d 23:30:00')
test-clock: venv
	@command -v faketime >/dev/null || { echo "faketime not found: apt-get install -y faketime"; exit 1; }
	@echo "== the suite with the clock at $(WHEN) UTC"
	env -u DATABASE_URL -u REDIS_URL TZ=UTC faketime -f "@$(WHEN)" \
		$(VENV)/bin/pytest -m "not browser" -n $${PYTEST_WORKERS:-2} $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: venv
	$(VENV)/bin/ruff check .

# Needs GNU gettext (apt-get install gettext). The compiled .mo files are committed.
messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests
	DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
