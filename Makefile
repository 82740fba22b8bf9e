# The newcomer's commands: `make demo` runs the product, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

## Run the whole product on http://127.0.0.1:5000 (SQLite, embedded Redis, PBX simulator).
demo: $(STAMP)
	$(BIN)/flask --app app demo

## Run the suite on the embedded default, then on PostgreSQL + Redis when they answer.
test: $(STAMP)
	$(BIN)/python -m tests.suites $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Benchmarks: each prints its figures (PostgreSQL and Redis on 127.0.0.1 for the server figures).
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
