# Two commands: `make run` and `make test`. Both build .venv with Python 3.12+ first.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# The first Python 3.12+ found: PYTHON from the environment, python3.13/3.12 on PATH,
# then pyenv's versions (pyenv root, ~/.pyenv).
PYTHON ?= $(shell for p in python3.13 python3.12 python3 \
	$$(ls -d $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)

.PHONY: run test test-clock venv lint messages bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12+ not found: install it or set PYTHON=/path/to/python3.12"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# Embedded (default): SQLite, in-memory channel layer, Celery worker + beat inside the server.
# Distributed: DATABASE_URL and REDIS_URL set -> Daphne, Celery worker and beat via honcho.
run: venv
	@export DEBUG=$${DEBUG:-1}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py seed_demo && \
	if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		$(PY) manage.py collectstatic --noinput --verbosity 0 && \
		$(VENV)/bin/honcho start -f Procfile; \
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
