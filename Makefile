# The README's commands. `make run` and `make test` work on a fresh machine: they create the
# virtual environment, install what is missing (Debian packages need root) and go.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app

.PHONY: run test install install-test system-test-deps demo lint translations bench clean

run: install
	$(FLASK) directory init
	$(FLASK) directory demo
	$(FLASK) run $(RUN_ARGS)

# The domain and importer tests, run a second time with every app on PostgreSQL (README, Tests).
POSTGRES_TESTS := $(addprefix tests/test_,$(addsuffix .py,account apply catalog confirmation \
  dashboard import import_integrity import_quiet match moderation ownership search \
  probe_runs search_engine sessions sources staleness trust outages drift health \
  nodes))

# Both passes run on two workers, each taking whole test files (module fixtures are built once).
PYTEST_WORKERS ?= -n 2 --dist loadfile

# One throwaway PostgreSQL cluster for both passes: the whole suite on SQLite (with the
# migrations on both databases), then the modules above on PostgreSQL.
test: install-test
	scripts/with-postgres sh -c '$(BIN)/pytest $(PYTEST_WORKERS) && $(BIN)/pytest $(PYTEST_WORKERS) --db=postgresql $(POSTGRES_TESTS)'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(BIN)/pybabel compile -d translations 2>&1 | grep -v "^compiling" || true

install-test: install system-test-deps
	$(BIN)/pip install --quiet -e '.[test,dev]'

# Debian's chromium (browser tests), PostgreSQL (migrations and models on PostgreSQL), nginx
# and redis-server (the shipped nginx file and limits shared through Redis, tests/servers.py).
system-test-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	    || [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/redis-server ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql nginx redis-server >/dev/null; \
	  else echo "Install Debian's chromium, postgresql, nginx and redis-server packages (as root)"; exit 1; fi; \
	fi

# The benchmark (bench/README.md): every size, FTS5 floor, load run with gunicorn and wrk.
bench: install-test
	$(BIN)/pip install --quiet -e '.[bench]'
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || true
	$(BIN)/python -m bench $(BENCH_ARGS)
	$(BIN)/python -m bench.probe_run $(PROBE_BENCH_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Extract messages and update both catalogues (then translate the new entries).
translations:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations
	$(BIN)/python scripts/fill_english_catalog.py
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) instance
