# gridcase — two set-up commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --disable-pip-version-check -q -c requirements.lock
FLASK := $(BIN)/flask --app app

.PHONY: demo test install install-test translations messages lock clean migration bench

# Install the app (and its pinned dependencies) into .venv.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e '.[deploy]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) -e '.[test,deploy]'
	touch $@

install: $(VENV)/.installed translations
install-test: $(VENV)/.installed-test translations

# Compile the zh_CN catalogue (the .mo files are build products, not sources).
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d app/translations

# Re-extract messages after changing texts, then translate the new entries in the .po file.
messages: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l --no-location --sort-output -o app/translations/messages.pot .
	$(BIN)/pybabel -q update -N --ignore-obsolete --ignore-pot-creation-date -i app/translations/messages.pot -d app/translations

# Create (or keep and upgrade) instance/gridcase.db with the demo data, then serve it
# and sweep for overdue cases every minute in the same process.
demo: install
	$(FLASK) demo-db
	$(FLASK) serve-demo --port 5000

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks (issue 7): generate the data (cached in bench/.data), gridcase and the baseline app
# under gunicorn loaded by wrk, the in-process figures; writes bench/results/latest.md.
# BENCH_ARGS=--quick for shorter runs.
bench: install
	$(PIP) -e '.[bench,deploy]'
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Re-pin every dependency after changing pyproject.toml.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv && .lockenv/bin/pip install -q -e '.[test,deploy,bench]'
	.lockenv/bin/pip freeze --all --exclude-editable | grep -v -e '^gridcase' -e '^pip==' > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) .pytest_cache

# After changing models: write the next migration from the difference between the
# schema the existing migrations build and the models (review it before committing).
migration: $(VENV)/.installed
	@test -n "$(NAME)" || (echo "usage: make migration NAME=what_changed" && exit 2)
	rm -f .migration.db
	$(BIN)/python -m playhouse.migrations sqlite:///.migration.db up -d app/migrations
	$(BIN)/python -m playhouse.migrations sqlite:///.migration.db generate $(NAME) app.storage:ALL_MODELS -d app/migrations
	rm -f .migration.db
