# Casework: the two commands of the quick start, and the rest of the developer loop.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres lint audit bench translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: SQLite database in instance/, demo data, the app on http://127.0.0.1:5000
## (notices link to the cases there: DEMO_URL is the demo's CASEWORK_PUBLIC_URL)
DEMO_URL ?= http://127.0.0.1:5000
demo: $(STAMP)
	$(BIN)/casework db upgrade
	CASEWORK_PUBLIC_URL=$(DEMO_URL) $(BIN)/casework demo seed --if-empty
	CASEWORK_PUBLIC_URL=$(DEMO_URL) $(BIN)/casework demo serve --host 127.0.0.1 --port 5000

## test: the whole suite (SQLite unless CASEWORK_TEST_DATABASE_URL names PostgreSQL)
test: $(STAMP)
	$(BIN)/pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## audit: known vulnerabilities in the installed packages (pip-audit: it needs PyPI's
## vulnerability data over the network, and says NOT AUDITED when it cannot reach it), then
## bandit over the code (settings and skips in pyproject.toml)
audit: $(STAMP)
	$(BIN)/python .ci/audit_dependencies.py
	$(BIN)/bandit -q -c pyproject.toml -r casework workflows notifications

bench: $(STAMP)
	$(BIN)/python -m bench

## translations: extract the UI strings, merge them into the fr and sw catalogues, compile
## the .mo files; then translate what `pybabel update` left empty or fuzzy and run it again
TRANSLATIONS := casework/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -c TRANSLATORS: \
		--add-location=file --project=Casework --copyright-holder="Casework contributors" \
		-o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
