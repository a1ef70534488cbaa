# Set-up and run on a fresh machine: `make run`. Every test: `make test`.
PYTHON ?= python3.10
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REGISTRY := var/registry.db
REGISTRY_INPUTS := $(shell find providers -type f \( -name '*.py' -o -path 'providers/data/*' \) -not -path '*/__pycache__/*')

.PHONY: install registry run test bench-search clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==23.0.1"
	$(BIN)/pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

install: $(STAMP)

# The registry is rebuilt when the shipped data or the code that reads it changes.
$(REGISTRY): $(STAMP) $(REGISTRY_INPUTS)
	$(BIN)/providers --database sqlite:///$(REGISTRY) import
	touch $@

registry: $(REGISTRY)

run: $(REGISTRY)
	$(BIN)/providers --database sqlite:///$(REGISTRY) stats
	$(BIN)/providers --database sqlite:///$(REGISTRY) search 19134 --medication methadone

test: $(STAMP)
	$(BIN)/python -m pytest

bench-search: $(REGISTRY)
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) var
