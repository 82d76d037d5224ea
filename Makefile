# Set-up and everyday commands. Every target builds only what changed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .make
PORT ?= 8000
# `make run` serves like production (DEBUG off) but on plain local HTTP.
RUN_ENV := DJANGO_SETTINGS_MODULE=coop_site.settings.dev DJANGO_DEBUG=false

.PHONY: help install static db run serve serve-database test bench clean

help:
	@echo "make run    set up everything, load the 2021-01-19 snapshot if the database is empty, serve on 127.0.0.1:$(PORT)"
	@echo "make serve  the production stack: nginx on 127.0.0.1:$(PORT) in front of gunicorn on a Unix socket;"
	@echo "            DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/coop_site), REDIS_URL (default: redis://127.0.0.1:6379/0)"
	@echo "make test   set up everything, then run the whole test suite"
	@echo "make bench  serve with gunicorn on SQLite and PostgreSQL, load with wrk, print req/s, latencies and queries"
	@echo "make clean  remove the virtualenv, node_modules, collected static files and stamps"

# The first Python 3.12 or newer found: on PATH, then in pyenv's versions.
$(PY):
	@py=""; \
	for c in python3.12 python3.13 python3.14 $$(ls -d "$${PYENV_ROOT:-$$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 2>/dev/null) python3; do \
	  if "$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then py="$$c"; break; fi; \
	done; \
	if [ -z "$$py" ]; then echo "coop_site needs Python 3.12 or newer; none was found." >&2; exit 1; fi; \
	echo "Creating $(VENV) with $$py ($$("$$py" --version))"; \
	"$$py" -m venv $(VENV)

$(STAMPS)/pip: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@mkdir -p $(STAMPS) && touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(STAMPS)/pip node_modules/.package-lock.json

$(STAMPS)/static: $(STAMPS)/pip node_modules/.package-lock.json $(shell find static -type f 2>/dev/null)
	$(RUN_ENV) $(PY) manage.py collectstatic --noinput --verbosity 0
	@touch $@

static: $(STAMPS)/static

db: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput --verbosity 0
	$(RUN_ENV) $(PY) manage.py load_initial_data

# No control socket: it sits at one path per user ($$HOME/.gunicorn/gunicorn.ctl), so a
# second `make run` (another port, another checkout) would take over the first one's.
run: static db
	$(RUN_ENV) $(VENV)/bin/gunicorn --config gunicorn.conf.py --bind 127.0.0.1:$(PORT) --workers 2 --no-control-socket

# The production stack's database: this machine's PostgreSQL, in a database of
# the site's own (made when missing), unless DATABASE_URL names another.
SERVE_DATABASE_URL := postgres://postgres@127.0.0.1:5432/coop_site
serve: export DATABASE_URL := $(or $(DATABASE_URL),$(SERVE_DATABASE_URL))

serve-database: install
	$(PY) deploy/serve.py --create-database

# nginx comes from Debian's package, installed here when missing (sudo unless root).
serve: static serve-database db
	@command -v nginx >/dev/null || test -x /usr/sbin/nginx || { \
	  echo "== make serve needs nginx: installing Debian's package"; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }
	PORT=$(PORT) $(PY) deploy/serve.py

test: static db
	$(PY) -m pytest

# Needs wrk, PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379; prints figures, asserts nothing.
bench: static install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) node_modules staticfiles $(STAMPS)
