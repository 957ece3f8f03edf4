# The two commands of the README: `make run` and `make test`. Everything they need is
# installed here, into .venv, from pyproject.toml.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app matching.app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint migrate demo clean translations bench-letters bench wheel

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# The translation catalogues (.po) are compiled to .mo here, so a changed catalogue is
# recompiled by the next `make run` / `make test`.
PO_FILES := $(wildcard matching/translations/*/LC_MESSAGES/messages.po)

$(VENV)/.installed: pyproject.toml $(PO_FILES) | $(BIN)/activate
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/pybabel -q compile -d matching/translations
	touch $@

install: $(VENV)/.installed

migrate: install
	$(FLASK) db upgrade

demo: migrate
	LOG_LEVEL=WARNING $(FLASK) demo --if-empty

# `make run` also runs the outbox worker in the background (in development it writes the
# e-mails as .eml files into instance/mail: no mail server needed) and, through it, the
# reminders; `make run WORKER=0` serves the pages alone.
WORKER ?= 1
run: demo
ifeq ($(WORKER),1)
	$(FLASK) outbox send --watch & worker=$$!; trap "kill $$worker" EXIT INT TERM; \
		$(FLASK) run --host $(HOST) --port $(PORT)
else
	$(FLASK) run --host $(HOST) --port $(PORT)
endif

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff (pyflakes, pycodestyle, import order, bugbear, pyupgrade), mypy on the application
# packages, and the import-linter contracts (one-way layers, pure rules): pyproject.toml.
$(VENV)/.lint-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[lint]'
	touch $@

lint: install $(VENV)/.lint-installed
	$(BIN)/ruff check matching workareas juries appeals tests benchmarks hatch_build.py
	$(BIN)/mypy
	$(BIN)/lint-imports

# The wheel a server installs (templates, styles and compiled translations inside).
wheel: install
	$(BIN)/python -m pip wheel --quiet --no-deps --wheel-dir dist .

# A benchmark script, not a test: prints the median time of one decision letter and a batch.
bench-letters: install
	$(BIN)/python -m benchmarks.letters

# Where the time goes (a script, not a test): gunicorn under wrk on generated data, on SQLite
# and PostgreSQL, against the bare /ping in the same run; a Markdown report on standard
# output, the raw figures in bench-results/. `make bench SCALE=10` also runs 10× the data,
# `make bench QUICK=1` is a short smoke run; BENCH_ARGS passes more (see --help).
SCALE ?= 1
BENCH_ARGS ?=
$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

bench: install $(VENV)/.bench-installed
	@command -v wrk >/dev/null 2>&1 || { echo "Installing Debian's wrk for the benchmark"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) \
		|| echo "could not install wrk: the Python client measures the peak load" >&2; }
	$(BIN)/python -m benchmarks.bench --scale $(SCALE) $(if $(filter 1,$(QUICK)),--quick) $(BENCH_ARGS)

# Collect the messages (babel.cfg) and merge them into every catalogue; translate the new
# entries in matching/translations/<lang>/LC_MESSAGES/messages.po, then `make install`.
translations: install
	$(BIN)/pybabel -q extract -F matching/babel.cfg -k N_ -k lazy_gettext -k _l --add-comments=TRANSLATORS: \
		--ignore-dirs='.* ._ tests instance *.egg-info benchmarks dist build' \
		--project='Lokale partnerschappen matching' -o matching/translations/messages.pot .
	$(BIN)/pybabel -q update -i matching/translations/messages.pot -d matching/translations \
		--width=100
	$(BIN)/pybabel -q compile -d matching/translations

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis dist .mypy_cache .ruff_cache
