# SviftDesk. `make run` and `make test` work from a clean clone: they install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-fast lint format bench chaos docs clean compose

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Start all six services in one process (SQLite, the bus too, unless configured).
run: install
	$(BIN)/sviftdesk run

## Debian's Chromium, which the console's browser tests drive (Playwright downloads none).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update && apt-get install -y --no-install-recommends chromium

## The whole suite, on the embedded default and on PostgreSQL + RabbitMQ, on TEST_WORKERS
## processes at once (its tests mostly wait on I/O, so more workers than cores pay); then the
## tests that time the desk's answers, by themselves.
TEST_WORKERS ?= 3
test: install $(CHROMIUM)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup -m 'not alone'
	$(BIN)/python -m pytest -m alone

## The fast tier alone: use cases on a bare SQLite unit of work (tests/fast.py), in seconds.
## They live in tests/<service>/test_<service>_use_cases.py: naming the files spares the run
## collecting the whole suite, which takes longer than the tests.
test-fast: install
	$(BIN)/python -m pytest -q -m fast tests/*/test_*_use_cases.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Regenerate the event catalogue (AsyncAPI + JSON Schemas) under docs/.
docs: install
	$(BIN)/python -m shared.contracts.catalogue docs

bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(BIN)/python bench/run.py

## The fault run: its own PostgreSQL and RabbitMQ (needs their servers installed), broken while
## tickets are filed; nothing accepted may be lost. Minutes long, so not part of `make test`.
chaos: install
	$(BIN)/python chaos/run.py

## docker compose's settings, with a generated secret key and passwords (kept once written).
deploy/.env:
	$(PYTHON) deploy/make_env.py deploy/.env

## PostgreSQL, RabbitMQ, Mailpit and the four services in containers.
compose: deploy/.env
	docker compose -f deploy/docker-compose.yml up --build

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
