# Set-up and run on a fresh machine: `make run`. Every test: `make test`; the unit tier alone: `make test-fast`.
PYTHON ?= python3.10
# Rasa 3.6 uses SQLAlchemy 1.x APIs; we pin <2.0, so its "moved in 2.0" notice is noise.
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Rasa's CLI reports training and test runs to Rasa's servers unless told not to (bot/run.py says why).
export RASA_TELEMETRY_ENABLED ?= false
VENV := .venv
BIN := $(VENV)/bin
# Rasa's command line as the project runs it: patches installed, libraries' deprecation notices filtered.
RASA := $(BIN)/python -m bot.rasa_server
STAMP := $(VENV)/.installed
REGISTRY := var/registry.db
# Written after a successful import: a database file alone may be empty or half-built.
REGISTRY_STAMP := var/registry.stamp
REGISTRY_INPUTS := $(shell find providers -type f \( -name '*.py' -o -path 'providers/data/*' \) -not -path '*/__pycache__/*')

MODEL := models/navigator.tar.gz
DOMAIN := domain
DOMAIN_RESPONSES := $(DOMAIN)/responses.yml
# Every project module the NLU components import is a model input: the features depend on the
# lexicon, the vocabulary, the taxonomy and the geocoder (bot/nlu/model_inputs.py follows the imports).
MODEL_INPUTS := config.yml $(wildcard $(DOMAIN)/*.yml) $(shell find data -name '*.yml' 2>/dev/null) \
	$(shell $(PYTHON) bot/nlu/model_inputs.py)

# What `make lint` checks (ruff and mypy are configured in pyproject.toml): ruff everything of
# ours; mypy the registry and the parts of bot/ that Rasa does not load (Rasa 3.6 ships no types,
# so the channels, stores, patches and NLU components are checked by tests only).
RUFF_PATHS := providers bot bench
MYPY_PATHS := providers bot/vocabulary.py bot/settings.py bot/limits.py bot/senders.py bot/quiet_start.py \
	bot/run.py bot/migrate.py bot/present bot/web bot/actions bot/nlu/model_inputs.py

.PHONY: install registry domain model run shell test test-fast test-integration test-system lint validate \
	system-packages bench-search bench-turns bench-load \
	nlu-report nlu-holdout crisis-report field-report clean

$(STAMP): pyproject.toml requirements.lock
	@echo "Installing the pinned dependencies into $(VENV) (about 3 minutes the first time)..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --quiet --upgrade "pip==23.0.1"
	$(BIN)/pip install --quiet --quiet -c requirements.lock -e ".[test]"
	touch $@

install: $(STAMP)

# The registry is rebuilt when the shipped data or the code that reads it changes.
$(REGISTRY_STAMP): $(STAMP) $(REGISTRY_INPUTS)
	@echo "Building the provider registry from the shipped data..."
	$(BIN)/providers --database sqlite:///$(REGISTRY) import
	touch $@

registry: $(REGISTRY_STAMP)

# The responses rules send, written from the catalogue of texts (bot/present/text/en.yml).
$(DOMAIN_RESPONSES): $(STAMP) bot/present/text/en.yml bot/present/catalogue.py bot/present/domain.py providers/seed.py
	$(BIN)/python -m bot.present.domain

domain: $(DOMAIN_RESPONSES)

# The model is retrained when the conversation data, config or anything the NLU imports changes.
$(MODEL): $(STAMP) $(DOMAIN_RESPONSES) $(MODEL_INPUTS)
	@echo "Training the assistant's model (about 4 minutes on 2 cores)..."
	$(RASA) train --quiet --domain $(DOMAIN) --fixed-model-name navigator --out models
	touch $@

model: $(MODEL)

run: $(REGISTRY_STAMP) $(MODEL)
	$(BIN)/python -m bot.run --model $(MODEL)

# Rasa's terminal channel, on another port, with the action server of a running `make run`.
shell: $(MODEL)
	NAVIGATOR_ACTIONS_URL=$${NAVIGATOR_ACTIONS_URL:-http://127.0.0.1:5055/webhook} \
		$(RASA) shell --model $(MODEL) --port 5006

lint: $(STAMP)
	$(BIN)/ruff check $(RUFF_PATHS)
	$(BIN)/mypy $(MYPY_PATHS)

validate: $(STAMP) $(DOMAIN_RESPONSES)
	$(RASA) data validate --domain $(DOMAIN) --fail-on-warnings

# Tests use Debian's packages, never downloads: Chromium for the widget's browser test, PostgreSQL
# with its PostGIS (the registry uses it when present: the package of the newest installed PostgreSQL,
# or Debian's default with none yet), Redis for the production stores and nginx for the proxy in front
# of two replicas (deploy/nginx; the tests start their own servers on loopback and stop them).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
system-packages:
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	postgis=postgresql-postgis; \
	for major in $$(ls /usr/lib/postgresql 2>/dev/null | sort -n); do postgis=postgresql-$$major-postgis-3; done; \
	ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || missing="$$missing $$postgis"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# Every test: the lint, the data, the Python tests of all three tiers (actions, channels, the registry on
# SQLite and PostgreSQL, the web app, conversations through real servers, production with two replicas on
# PostgreSQL and Redis and its faults, the widget in Chromium) and the conversation tests through the
# trained model.
test: lint validate $(REGISTRY_STAMP) $(MODEL) system-packages
	$(BIN)/python -m pytest
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml --e2e --fail-on-prediction-errors \
		--out results/core

# The unit tier (tests/unit): no trained model, no services, no child processes; under 2 minutes on 2 cores.
test-fast: $(STAMP)
	$(BIN)/python -m pytest tests/unit

# The trained model loaded in process, real PostgreSQL and Redis, child interpreters (tests/integration).
test-integration: $(MODEL) system-packages
	$(BIN)/python -m pytest tests/integration

# The servers the launcher starts, production with two replicas, the widget in Chromium (tests/system).
test-system: $(MODEL) system-packages
	$(BIN)/python -m pytest tests/system

bench-search: $(REGISTRY_STAMP)
	$(BIN)/python bench/search.py

bench-turns: $(REGISTRY_STAMP) $(MODEL)
	$(BIN)/python bench/turns.py --model $(MODEL)

# Two Rasa replicas on PostgreSQL and Redis (started on loopback), 200 phones texting the SMS webhook.
bench-load: $(MODEL) system-packages
	$(BIN)/python bench/load.py --model $(MODEL)

# NLU cross-validation (about 20 minutes on 2 cores): figures for the README, not part of `make test`.
nlu-report: $(STAMP)
	$(RASA) test nlu --nlu data/nlu --domain $(DOMAIN) --config config.yml --cross-validation --folds 5 \
		--out results/nlu --successes
	$(BIN)/python tests/nlu_figures.py results/nlu

# The shipped model on messages it never trained on (tests/nlu_holdout.yml): under a minute.
nlu-holdout: $(MODEL)
	$(RASA) test nlu --nlu tests/nlu_holdout.yml --model $(MODEL) --out results/holdout --successes
	$(BIN)/python tests/nlu_figures.py results/holdout

# Issue 17's measurements (reports, not gates; tests/corpus/ says how the corpora were written).
# Crisis recall and false positives of the model's NLU on tests/corpus/crisis_*.yml (under a minute).
crisis-report: $(MODEL) $(REGISTRY_STAMP)
	$(BIN)/python tests/crisis_report.py --model $(MODEL)

# The field conversations through real Rasa and action servers on free ports (about 2 minutes).
field-report: $(MODEL) $(REGISTRY_STAMP)
	$(BIN)/python tests/field_report.py --model $(MODEL)

clean:
	rm -rf $(VENV) var models results
